"""The values that exist in the connected systems, as an extractor may use them to read a request (pure data).

Reading "move the hooli analytics deal to closed lost" is easy once it is known that Hooli is an account, that one of
its opportunities is called "Hooli - Analytics" and that "Closed Lost" is a stage. The vocabulary carries such
facts: Jira project keys, workflow statuses, priorities and link types; Salesforce stages, accounts, opportunities
and contacts; the workspace's people. It is built from the grounding catalogs and the Slack directory (see
``approvals.flow.drafting.vocabulary_for``), so a new stage or status in the customer's systems is understood without a
code change. It only helps to *read* words; grounding still checks every value against the systems, so a stale
vocabulary can make the reader miss a name, never act on a wrong one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from approvals.core.actions import OPPORTUNITY_STAGES

DEFAULT_STATUSES: tuple[str, ...] = ("To Do", "In Progress", "In Review", "Done", "Blocked")
DEFAULT_PRIORITIES: tuple[str, ...] = ("Highest", "High", "Medium", "Low", "Lowest")
DEFAULT_ISSUE_TYPES: tuple[str, ...] = ("Bug", "Task", "Story", "Epic")
DEFAULT_STAGES: tuple[str, ...] = OPPORTUNITY_STAGES
"""Salesforce's standard opportunity stages: read even when the org's own list is not known."""


@dataclass(frozen=True)
class KnownOpportunity:
    account: str
    name: str
    """The opportunity's name as Salesforce has it ("Acme Corp - Platform Renewal")."""
    close_date: dt.date | None = None


@dataclass(frozen=True)
class KnownContact:
    first_name: str
    last_name: str
    account: str | None = None


@dataclass(frozen=True)
class Vocabulary:
    projects: tuple[str, ...] = ()
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    priorities: tuple[str, ...] = DEFAULT_PRIORITIES
    issue_types: tuple[str, ...] = DEFAULT_ISSUE_TYPES
    stages: tuple[str, ...] = DEFAULT_STAGES
    accounts: tuple[str, ...] = ()
    opportunities: tuple[KnownOpportunity, ...] = ()
    contacts: tuple[KnownContact, ...] = ()
    people: tuple[str, ...] = ()
    """Workspace members as people write them: full names and handles ("Sam Lee", "sam.lee")."""
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def with_defaults(self) -> Vocabulary:
        """This vocabulary with the built-in statuses, priorities, issue types and stages added to its own."""
        return Vocabulary(
            projects=self.projects,
            statuses=_union(self.statuses, DEFAULT_STATUSES),
            priorities=_union(self.priorities, DEFAULT_PRIORITIES),
            issue_types=_union(self.issue_types, DEFAULT_ISSUE_TYPES),
            stages=_union(self.stages, DEFAULT_STAGES),
            accounts=self.accounts,
            opportunities=self.opportunities,
            contacts=self.contacts,
            people=self.people,
            extra=self.extra,
        )


def _union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    seen = {s.casefold() for s in first}
    return (*first, *(s for s in second if s.casefold() not in seen))
