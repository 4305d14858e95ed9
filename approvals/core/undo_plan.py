"""Undo: a proposal that reverses what another one did, built from what its actions recorded.

Every executed action records its change (``ActionResult.changes``, see ``approvals.core.ports.Outcome``): what it
created, or the fields before and after. ``inverse_actions`` turns that into the actions that reverse it: restore
the previous values, transition back, delete the created issue, comment, link, task or contact. Each inverse
carries the values the original set as its ``before``, so the executor refuses (never overwrites) when the record
changed since; ``check_still_as_left`` looks first, so most refusals come before anyone is asked to approve. An
action with no safe inverse (a logged call) is named, and its card says so before it is approved.

An undo is itself a proposal: the policy decides who may ask for it and who must approve it, it runs once, and it
is audited. It cannot itself be undone (ask for the change again instead).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from approvals.core.actions import (
    Action,
    JiraAssign,
    JiraComment,
    JiraCreateIssue,
    JiraDeleteComment,
    JiraDeleteIssue,
    JiraDeleteLink,
    JiraIssueRef,
    JiraLinkIssues,
    JiraTransition,
    JiraUpdateFields,
    Person,
    SalesforceCreateContact,
    SalesforceCreateTask,
    SalesforceDeleteRecord,
    SalesforceUpdateContact,
    SalesforceUpdateOpportunity,
    SfRecordRef,
)
from approvals.core.proposal import ActionResult, Proposal, derived_proposal_id
from approvals.core.states import ProposalState
from approvals.core.wording import slack_time

logger = logging.getLogger(__name__)

UNDONE_BY_FAILURE = frozenset(
    {
        ProposalState.FAILED,
        ProposalState.REJECTED,
        ProposalState.DENIED,
        ProposalState.CANCELLED,
        ProposalState.EXPIRED,
        ProposalState.SHADOWED,
    }
)
"""States of an undo proposal after which the original may be undone again (the undo did not happen; a shadowed
undo only said what it would have done)."""


@dataclass(frozen=True)
class Inverse:
    """The actions that reverse a proposal, in reverse order of execution, and what cannot be reversed."""

    actions: tuple[Action, ...]
    not_undone: tuple[str, ...]


def undo_label(original: Proposal) -> str:
    """What an undo of ``original`` reverses, in the words people know: the issue keys and record names it changed
    ("PAY-13", "Acme Corp - Platform Renewal"), never the internal proposal id."""
    names: list[str] = []
    for result in sorted((r for r in original.results if r.status == "done"), key=lambda r: r.index):
        action = original.actions[result.index] if result.index < len(original.actions) else None
        name = result.key or _target_name(action)
        if name and name not in names:
            names.append(name)
    return ", ".join(names) if names else "this change"


def _target_name(action: Action | None) -> str | None:
    for attribute in ("issue", "opportunity", "contact", "record"):
        ref = getattr(action, attribute, None)
        if isinstance(ref, JiraIssueRef):
            return ref.key
        if isinstance(ref, SfRecordRef):
            return ref.name
    return None


def undo_id_for(original_id: str, attempt: int) -> str:
    """The undo proposal's id: derived, so a repeated job finds the proposal the first run stored."""
    return derived_proposal_id(f"undo|{original_id}|{attempt}")


def inverse_actions(proposal: Proposal) -> Inverse:
    """What reverses ``proposal``'s done actions (last done, first undone)."""
    actions: list[Action] = []
    skipped: list[str] = []
    for result in sorted((r for r in proposal.results if r.status == "done"), key=lambda r: -r.index):
        action = proposal.actions[result.index]
        if result.changes.get("unchanged"):
            continue  # it changed nothing, so there is nothing to reverse
        inverse = _inverse(action, result)
        if isinstance(inverse, str):
            skipped.append(inverse)
        else:
            actions.extend(inverse)
    return Inverse(tuple(actions), tuple(skipped))


def _inverse(action: Action, result: ActionResult) -> list[Action] | str:
    changes = result.changes
    created: dict[str, Any] = changes.get("created") or {}
    before: dict[str, Any] = changes.get("before") or {}
    after: dict[str, Any] = changes.get("after") or {}
    if action.undo_note is not None:
        return f"{result.summary}: {action.undo_note}"
    match action:
        case JiraCreateIssue():
            key = created.get("key") or result.key
            if not key:
                return f"{result.summary}: the created issue's key was not recorded"
            guard: dict[str, Any] = {"summary": action.summary}
            if action.assignee is not None:
                guard["assignee"] = action.assignee.jira_account_id
            if action.due_date is not None:
                guard["due_date"] = action.due_date.isoformat()
            return [JiraDeleteIssue(issue=JiraIssueRef(key=key, summary=action.summary), before=guard)]
        case JiraComment():
            comment_id = created.get("comment_id")
            if not comment_id:
                return f"{result.summary}: the comment's id was not recorded"
            return [JiraDeleteComment(issue=action.issue, comment_id=str(comment_id))]
        case JiraLinkIssues():
            link_id = created.get("link_id")
            if not link_id:
                return f"{result.summary}: the link's id was not recorded"
            return [
                JiraDeleteLink(
                    link_id=str(link_id), outward=action.outward, inward=action.inward, link_type=action.link_type
                )
            ]
        case JiraTransition():
            if "status" not in before or "status" not in after:
                return f"{result.summary}: the previous status was not recorded"
            return [JiraTransition(issue=action.issue, status=before["status"], before={"status": after["status"]})]
        case JiraAssign():
            if "assignee" not in before:
                return f"{result.summary}: the previous assignee was not recorded"
            previous = before.get("assignee")
            person = (
                Person(display_name=before.get("assignee_name") or str(previous), jira_account_id=previous)
                if previous
                else None
            )
            guard = {"assignee": after.get("assignee"), "assignee_name": after.get("assignee_name")}
            return [JiraAssign(issue=action.issue, assignee=person, before=guard)]
        case JiraUpdateFields():
            restore = {k: v for k, v in before.items() if k in ("summary", "priority", "labels", "due_date")}
            values = {k: v for k, v in restore.items() if v is not None and v != ""}
            cleared = tuple(k for k, v in restore.items() if v is None and k == "due_date")
            lost = [k for k, v in restore.items() if (v is None or v == "") and k != "due_date"]
            if lost:
                return f"{result.summary}: {', '.join(lost)} had no value before, and Jira can't empty it"
            if "labels" in values:
                values["labels"] = tuple(values["labels"])
            guard = {k: after[k] for k in restore if k in after}
            return [JiraUpdateFields(issue=action.issue, before=guard, cleared=cleared, **values)]  # type: ignore[arg-type]
        case SalesforceUpdateOpportunity():
            restore = {k: v for k, v in before.items() if k in ("stage", "amount", "close_date", "next_step")}
            lost = [k.replace("_", " ") for k, v in restore.items() if v is None or v == ""]
            if lost:
                return f"{result.summary}: {', '.join(lost)} had no value before; Undo does not empty fields"
            guard = {k: after[k] for k in restore if k in after}
            return [
                SalesforceUpdateOpportunity(
                    opportunity=action.opportunity, account=action.account, before=guard, **restore
                )
            ]
        case SalesforceUpdateContact():
            restore = {k: v for k, v in before.items() if k in ("email", "phone", "title")}
            lost = [k for k, v in restore.items() if v is None or v == ""]
            if lost:
                return f"{result.summary}: {', '.join(lost)} had no value before; Undo does not empty fields"
            guard = {k: after[k] for k in restore if k in after}
            return [SalesforceUpdateContact(contact=action.contact, before=guard, **restore)]
        case SalesforceCreateTask():
            record_id = created.get("id")
            if not record_id:
                return f"{result.summary}: the task's id was not recorded"
            guard = {"subject": action.subject}
            return [
                SalesforceDeleteRecord(
                    record=SfRecordRef(object="Task", id=str(record_id), name=action.subject), before=guard
                )
            ]
        case SalesforceCreateContact():
            record_id = created.get("id")
            if not record_id:
                return f"{result.summary}: the contact's id was not recorded"
            name = " ".join(filter(None, [action.first_name, action.last_name]))
            guard = {"last_name": action.last_name}
            if action.email:
                guard["email"] = action.email
            return [
                SalesforceDeleteRecord(record=SfRecordRef(object="Contact", id=str(record_id), name=name), before=guard)
            ]
    return f"{result.summary}: this kind of change has no undo"


def undoable(proposal: Proposal, *, now: dt.datetime, window: float) -> str | None:
    """None when ``proposal`` may be undone now, else why not (for the person who clicked Undo)."""
    if proposal.undo_of is not None:
        return "An undo can't itself be undone; ask for the change again instead."
    if proposal.state is not ProposalState.SUCCEEDED:
        return f"Only a request that ran can be undone; this one is {proposal.state.value.replace('_', ' ')}."
    closes = proposal.updated_at + dt.timedelta(seconds=window)
    if now > closes:
        return f"The undo window closed {slack_time(closes)}; ask for the change again instead."
    inverse = inverse_actions(proposal)
    if not inverse.actions:
        reasons = "; ".join(inverse.not_undone) or "it changed nothing"
        return f"Nothing here can be undone ({reasons})."
    return None


def describe_not_undone(skipped: Sequence[str]) -> str:
    return "Not undone: " + "; ".join(skipped) if skipped else ""
