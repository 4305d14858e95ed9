"""Grounding: turn an extracted request into an action whose every name is a real identifier, or ask.

Never guess. Each request kind has a grounder (``approvals.core.grounding.jira``,
``approvals.core.grounding.salesforce``) that reads the systems through the lookup ports
(``approvals.core.grounding.catalogs``, ``Directory`` for people) and returns one of three things: an ``Action`` ready
for the policy, a ``NeedsInfo`` question (with choices when they are known), or ``Unworkable`` (no answer could make it
possible). The modules are pure logic over the ports' answers.
"""

from __future__ import annotations

from typing import Any

from approvals.core.actions import Action, JiraIssueRef, SfRecordRef
from approvals.core.grounding.catalogs import (
    JiraCatalog,
    JiraIssueInfo,
    JiraLinkType,
    JiraProjectInfo,
    KnownRecords,
    SalesforceCatalog,
    SfRecordInfo,
)
from approvals.core.grounding.common import (
    Choice,
    GroundingContext,
    Lookups,
    NeedsInfo,
    Unworkable,
    resolve_person,
)
from approvals.core.grounding.followup import ground_follow_up
from approvals.core.grounding.jira import ground_jira, issue_facts
from approvals.core.grounding.salesforce import ground_salesforce, record_facts_of
from approvals.core.intents import ActionRequest, FollowUpRequest, ReadRequest


def facts_now(action: Action, lookups: Lookups) -> dict[str, Any] | None:
    """The facts of the record ``action`` changes as its system shows them now (None when it has none to compare,
    or the record can't be read: the connector's own checks then decide)."""
    if not action.facts:
        return None
    issue = getattr(action, "issue", None) or getattr(action, "outward", None)
    if isinstance(issue, JiraIssueRef) and lookups.jira is not None:
        info = lookups.jira.issue(issue.key)
        return issue_facts(info) if info is not None else None
    record = getattr(action, "opportunity", None) or getattr(action, "contact", None)
    if isinstance(record, SfRecordRef) and lookups.salesforce is not None:
        found = lookups.salesforce.record(record.object, record.id)
        return record_facts_of(found) if found is not None else None
    return None


def ground(request: ActionRequest, lookups: Lookups, context: GroundingContext) -> Action | NeedsInfo | Unworkable:
    """The action ``request`` means, a question for the requester, or why it cannot be done."""
    if isinstance(request, FollowUpRequest):
        return ground_follow_up(request, lookups=lookups, context=context)
    if isinstance(request, ReadRequest):
        return Unworkable("A question about a record is answered, not run: ask it on its own.")
    system = request.kind.split(".", 1)[0]
    if system == "jira":
        if lookups.jira is None:
            return Unworkable("Jira is not connected to Followthrough here, so I can't do that. Ask an admin.")
        return ground_jira(request, lookups=lookups, jira=lookups.jira, context=context)
    if lookups.salesforce is None:
        return Unworkable("Salesforce is not connected to Followthrough here, so I can't do that. Ask an admin.")
    return ground_salesforce(request, lookups=lookups, salesforce=lookups.salesforce, context=context)


__all__ = [
    "Choice",
    "GroundingContext",
    "JiraCatalog",
    "JiraIssueInfo",
    "JiraLinkType",
    "JiraProjectInfo",
    "KnownRecords",
    "Lookups",
    "NeedsInfo",
    "SalesforceCatalog",
    "SfRecordInfo",
    "Unworkable",
    "facts_now",
    "ground",
    "resolve_person",
]
