"""What grounding reads from Jira and Salesforce: plain records and the lookup ports the connectors implement.

Grounding stays pure logic over these answers; the connectors fill them from the real systems (briefly cached
where the text says so). Nothing read here is trusted past approval: the executor reads the record again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class JiraProjectInfo:
    key: str
    name: str
    issue_types: tuple[str, ...]


@dataclass(frozen=True)
class JiraIssueInfo:
    """An existing issue as grounding and the card need it; ``transitions`` are the statuses it may move to now."""

    key: str
    summary: str
    project: str
    status: str
    assignee_account_id: str | None
    assignee_name: str | None
    priority: str | None
    labels: tuple[str, ...]
    due_date: dt.date | None
    transitions: tuple[str, ...]
    assignee_email: str | None = None
    reporter: str | None = None
    """The reporter's email when Jira shows it, else their account id (for ``issue.reporter == requester``)."""


@dataclass(frozen=True)
class JiraLinkType:
    name: str
    outward: str
    inward: str


class JiraCatalog(Protocol):
    """What the Jira instance offers and holds; implemented by the Jira connector (catalog cached briefly)."""

    def projects(self) -> Mapping[str, JiraProjectInfo]: ...

    def priorities(self) -> Sequence[str]: ...

    def account_id_for_email(self, email: str) -> str | None: ...

    def issue(self, key: str) -> JiraIssueInfo | None:
        """The issue now (never cached), or None when it does not exist or is not visible to us."""
        ...

    def link_types(self) -> Sequence[JiraLinkType]: ...

    def statuses(self) -> Sequence[str]:
        """Every workflow status the instance knows (read to understand requests, not to move issues)."""
        ...


@dataclass(frozen=True)
class SfRecordInfo:
    """A Salesforce record as grounding and the card need it, its fields in our names.

    Opportunity: account, stage, amount, close_date, next_step, owner (name), owner_email, is_closed.
    Contact: account, account_id, email, phone, title, owner_email. Account: owner (name), owner_email, owner_id.
    """

    object: str
    id: str
    name: str
    fields: Mapping[str, Any]


class SalesforceCatalog(Protocol):
    """Finding records by what people call them; implemented by the Salesforce connector. Never cached past a
    request: the executor re-reads before it writes."""

    def find_opportunities(
        self, *, account: str | None, words: Sequence[str], open_only: bool
    ) -> Sequence[SfRecordInfo]:
        """Opportunities of accounts whose name contains ``account`` and whose name contains every word."""
        ...

    def find_accounts(self, name: str) -> Sequence[SfRecordInfo]: ...

    def find_contacts(self, *, name: str, account: str | None) -> Sequence[SfRecordInfo]:
        """Contacts whose full name contains ``name`` (first, last or both), optionally of a matching account."""
        ...

    def record(self, object_name: str, record_id: str) -> SfRecordInfo | None:
        """The record now, or None when it does not exist (or is in the recycle bin)."""
        ...

    def user_id_for_email(self, email: str) -> str | None: ...

    def stages(self) -> Sequence[str]: ...

    def known_records(self) -> KnownRecords:
        """The names of accounts, open opportunities and contacts, to read requests with (cached)."""
        ...


@dataclass(frozen=True)
class KnownRecords:
    accounts: tuple[str, ...] = ()
    opportunities: tuple[tuple[str, str, dt.date | None], ...] = ()
    """(account, opportunity name, close date)."""
    contacts: tuple[tuple[str, str, str | None], ...] = ()
    """(first name, last name, account)."""
