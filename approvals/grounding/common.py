"""Grounding: turn an extracted request into an action whose every name is a real identifier, or ask.

Never guess. A project that does not exist, a person who matches several members or none, a priority the
instance does not have: each becomes a question that says what was understood and what is missing. Lookups go
through ports (``Directory`` for people, ``JiraCatalog`` for the Jira instance), so this module stays pure logic
over their answers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import ValidationError

from approvals.actions import Action, JiraCreateIssue, Person
from approvals.intents import ActionRequest, JiraCreateIssueRequest
from approvals.ports import Directory, PersonMatch


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


@dataclass(frozen=True)
class NeedsInfo:
    """A question for the requester instead of an action."""

    question: str
    missing: tuple[str, ...] = ()
    choices: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class GroundingContext:
    requester: PersonMatch
    today: dt.date
    thread_quote: str = ""


_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_SELF_WORDS = frozenset({"me", "myself", "i"})
# The no-Jira-account question tells people to "say 'unassigned'": these words mean no assignee, not a person.
_NOBODY_WORDS = frozenset({"unassigned", "nobody", "no one", "none"})


def resolve_person(name: str, *, directory: Directory, requester: PersonMatch) -> PersonMatch | NeedsInfo:
    """The one member ``name`` refers to, or a question naming the candidates (or saying there are none)."""
    cleaned = name.strip().lstrip("@")
    mention = _MENTION.match(name.strip())
    if mention:
        match = directory.person(mention[1])
        return (
            match if match is not None else NeedsInfo(f"I can't find <@{mention[1]}> in this workspace.", ("assignee",))
        )
    if cleaned.lower() in _SELF_WORDS:
        return requester
    candidates = list(directory.find_people(cleaned))
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        return NeedsInfo(
            f"I couldn't find anyone called *{cleaned}* in this workspace. Who should it be assigned to? "
            "Mention them with @ so I can't get it wrong.",
            ("assignee",),
        )
    names = tuple(f"<@{c.slack_user_id}>" for c in candidates)
    return NeedsInfo(
        f"*{cleaned}* could be {', '.join(names[:-1])} or {names[-1]}. Which one did you mean? Mention them with @.",
        ("assignee",),
        names,
    )


def ground(
    request: ActionRequest, *, directory: Directory, jira: JiraCatalog | None, context: GroundingContext
) -> Action | NeedsInfo:
    if isinstance(request, JiraCreateIssueRequest):
        if jira is None:
            return NeedsInfo("Jira is not connected to Followthrough here, so I can't file issues. Ask an admin.")
        return _ground_create_issue(request, directory=directory, jira=jira, context=context)
    raise TypeError(f"no grounding for {type(request).__name__}")  # pragma: no cover - exhaustive by construction


def _ground_create_issue(
    request: JiraCreateIssueRequest, *, directory: Directory, jira: JiraCatalog, context: GroundingContext
) -> JiraCreateIssue | NeedsInfo:
    projects = jira.projects()
    keys = ", ".join(sorted(projects))
    if not request.project:
        return NeedsInfo(f"Which Jira project should I file this in? ({keys})", ("project",), tuple(sorted(projects)))
    project = projects.get(request.project.upper())
    if project is None:
        return NeedsInfo(
            f"There is no Jira project *{request.project}* I can use. Pick one of: {keys}.",
            ("project",),
            tuple(sorted(projects)),
        )
    issue_type = _pick(request.issue_type, project.issue_types)
    if issue_type is None:
        types = ", ".join(project.issue_types)
        lead = (
            "What kind of issue is it"
            if not request.issue_type
            else f"*{request.issue_type}* is not an issue type in {project.key}. Which one is it"
        )
        return NeedsInfo(f"{lead}? ({types})", ("issue_type",), project.issue_types)
    if not request.summary or not request.summary.strip():
        return NeedsInfo(
            f"What should the {issue_type.lower()} in {project.key} be called? Reply with a one-line summary.",
            ("summary",),
        )
    priority: str | None = None
    if request.priority:
        priority = _pick(request.priority, jira.priorities())
        if priority is None:
            return NeedsInfo(
                f"*{request.priority}* is not a priority here. Use one of: {', '.join(jira.priorities())}.",
                ("priority",),
                tuple(jira.priorities()),
            )
    if request.due_date is not None and request.due_date < context.today:
        return NeedsInfo(
            f"The due date {request.due_date.isoformat()} is in the past. When should it be due?",
            ("due_date",),
        )
    assignee: Person | None = None
    if request.assignee and request.assignee.strip().lower() not in _NOBODY_WORDS:
        resolved = resolve_person(request.assignee, directory=directory, requester=context.requester)
        if isinstance(resolved, NeedsInfo):
            return resolved
        account = jira.account_id_for_email(resolved.email) if resolved.email else None
        if account is None:
            return NeedsInfo(
                f"<@{resolved.slack_user_id}> has no Jira account I can find"
                + (f" for {resolved.email}" if resolved.email else "")
                + ". Assign someone else, or say 'unassigned'.",
                ("assignee",),
            )
        assignee = Person(
            display_name=resolved.real_name or resolved.display_name,
            slack_user_id=resolved.slack_user_id,
            email=resolved.email,
            jira_account_id=account,
        )
    description = "\n\n".join(part for part in ((request.description or "").strip(), context.thread_quote) if part)
    try:
        return JiraCreateIssue(
            project=project.key,
            issue_type=issue_type,
            summary=request.summary,
            description=description,
            assignee=assignee,
            priority=priority,
            labels=tuple(request.labels),
            due_date=request.due_date,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return NeedsInfo(f"I can't use the {where} as given: {first['msg']}. Can you rephrase it?", (where,))


def _pick(wanted: str | None, options: Sequence[str]) -> str | None:
    """The option ``wanted`` names, case-insensitively; None when absent or not one of them."""
    if not wanted:
        return None
    lowered = wanted.strip().lower()
    for option in options:
        if option.lower() == lowered:
            return option
    return None
