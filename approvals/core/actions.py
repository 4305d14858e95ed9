"""The typed actions a proposal can carry: plain, serialisable data with a ``kind`` discriminator.

An action here is *grounded*: every person and record it names is already resolved to an identifier in the target
system. What the requester typed lives in ``approvals.core.intents``; grounding turns that into an action or a question.
Actions are immutable; an edit produces a new action (and so a new fingerprint, which voids earlier approvals).

An update carries ``before``: the record's values when the proposal was built, for the fields it changes and the
fields the policy looks at. The card shows before -> after, the policy reads the resulting values (and the old ones
for "amount changes by more than 20%"), and the executor refuses to overwrite a field whose value is no longer the
one the approver saw (optimistic concurrency). Field names here are ours (``stage``, ``due_date``); each connector
maps them to its system's names.

Adding an action kind: a model here (its ``kind`` literal, system, operation, risk, policy fields), a member of
``Action`` and of ``ACTION_TYPES``, then grounding, the card's rendering and the connector's ``execute``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, TypeAdapter, field_validator, model_validator

from approvals.core.schema import StoredModel

System = Literal["jira", "salesforce", "followthrough"]
"""``followthrough`` is Followthrough itself: a follow-up is stored as a commitment (approvals.core.commitments)."""
Risk = Literal["low", "high"]
"""``high``: money, deletions, anything hard to reverse. A policy can never let a high-risk action run unapproved."""


FrozenModel = StoredModel


class Person(FrozenModel):
    """Someone an action names, with the identities grounding found for them."""

    display_name: str
    slack_user_id: str | None = None
    email: str | None = None
    jira_account_id: str | None = None
    salesforce_user_id: str | None = None


JIRA_PROJECT_KEY = r"^[A-Z][A-Z0-9_]{1,9}$"
JIRA_ISSUE_KEY = r"^[A-Z][A-Z0-9_]{1,9}-[1-9][0-9]*$"
SALESFORCE_ID = r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"


class JiraIssueRef(FrozenModel):
    """An existing Jira issue, with its summary when proposed (so the approver sees *which* issue)."""

    key: str = Field(pattern=JIRA_ISSUE_KEY)
    summary: str = ""

    @property
    def project(self) -> str:
        return self.key.rsplit("-", 1)[0]


SfObject = Literal["Account", "Opportunity", "Contact", "Task", "User"]


class SfRecordRef(FrozenModel):
    """An existing Salesforce record, named for people."""

    object: SfObject
    id: str = Field(pattern=SALESFORCE_ID)
    name: str


FACT_FIELDS: dict[str, tuple[str, ...]] = {
    "jira.comment": ("issue.assignee", "issue.status", "issue.reporter"),
    "jira.transition": ("issue.assignee", "issue.status", "issue.reporter"),
    "jira.assign": ("issue.assignee", "issue.status", "issue.reporter"),
    "jira.update_fields": ("issue.assignee", "issue.status", "issue.reporter"),
    "jira.link_issues": ("issue.assignee", "issue.status", "issue.reporter"),
    "salesforce.update_opportunity": ("record.owner", "record.stage", "record.account.type"),
    "salesforce.update_contact": ("record.owner", "record.account.type"),
}
"""The grounded record's facts a policy condition may test, per kind: "reps may update only their own
opportunities" is ``record.owner == requester``; "a closed-won deal can't be changed from Slack" is ``record.stage
!= Closed Won``; "only the assignee or a lead may close an issue" is ``issue.assignee == requester``. People are
emails when the system shows them (else the system's id)."""

PERSON_FACTS: frozenset[str] = frozenset({"issue.assignee", "issue.reporter", "record.owner"})


class _Action(FrozenModel):
    system: ClassVar[System]
    operation: ClassVar[str]
    risk: ClassVar[Risk] = "low"
    policy_field_names: ClassVar[tuple[str, ...]] = ()
    undo_note: ClassVar[str | None] = None
    """Why this kind cannot be undone (shown on its card before approval), or None when Undo can reverse it."""
    reconcile_lags: ClassVar[bool] = False
    """The connector finds an earlier attempt through a search index that lags (a Jira label search): a miss right
    after an attempt proves nothing, so the executor waits before sending it again."""

    facts: dict[str, Any] = Field(default_factory=dict)
    """What grounding read of the record the action changes (``FACT_FIELDS`` of its kind), for the policy's
    record-level conditions; read again before it runs (a change is re-decided, like any other conflict)."""

    def policy_fields(self) -> dict[str, Any]:
        """The values policy conditions may test, as they will be after the action runs."""
        return {}

    def previous_values(self) -> dict[str, Any]:
        """The values before the action, for conditions like ``amount changes by more than 20%``."""
        return {}


class _Update(_Action):
    """An action that changes fields of an existing record; ``before`` holds what the approver saw."""

    before: dict[str, Any] = Field(default_factory=dict)
    change_fields: ClassVar[tuple[str, ...]] = ()

    def changes(self) -> dict[str, Any]:
        """Field -> new value, for the fields this action sets (JSON-shaped values)."""
        data = self.model_dump(mode="json")
        return {name: data[name] for name in self.change_fields if data.get(name) is not None}

    def policy_fields(self) -> dict[str, Any]:
        return {**self.before, **self.changes()}

    def previous_values(self) -> dict[str, Any]:
        return dict(self.before)

    @model_validator(mode="after")
    def _changes_something(self) -> _Update:
        if not self.changes() and not self._clears_something():
            raise ValueError(f"{self.model_fields['kind'].default} changes nothing: name at least one new value")
        return self

    def _clears_something(self) -> bool:
        return False


def _labels(value: tuple[str, ...]) -> tuple[str, ...]:
    for label in value:
        if not label or any(ch.isspace() for ch in label):
            raise ValueError(f"label {label!r} must be non-empty and contain no spaces")
    return value


# ---------------------------------------------------------------------------------------------------------------
# Jira


class JiraCreateIssue(_Action):
    """Create one Jira issue. The connector adds the idempotency label and the link back to Slack."""

    kind: Literal["jira.create_issue"] = "jira.create_issue"
    project: str = Field(pattern=JIRA_PROJECT_KEY)
    issue_type: str = Field(min_length=1, max_length=60)
    summary: str = Field(min_length=1, max_length=254)
    description: str = Field(default="", max_length=32_000)
    assignee: Person | None = None
    priority: str | None = Field(default=None, max_length=60)
    labels: tuple[str, ...] = ()
    due_date: dt.date | None = None

    system: ClassVar[System] = "jira"
    operation: ClassVar[str] = "create_issue"
    risk: ClassVar[Risk] = "low"  # additive and easy to reverse: a policy may let it run without a human
    reconcile_lags: ClassVar[bool] = True
    policy_field_names: ClassVar[tuple[str, ...]] = (
        "project",
        "issue_type",
        "priority",
        "assignee",
        "labels",
        "due_date",
        "summary",
    )

    @field_validator("summary")
    @classmethod
    def _summary_single_line(cls, value: str) -> str:
        cleaned = " ".join(value.split())
        if not cleaned:
            raise ValueError("summary must not be blank")
        return cleaned

    @field_validator("labels")
    @classmethod
    def _labels_have_no_spaces(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _labels(value)

    @property
    def target(self) -> str:
        return f"project {self.project}"

    def policy_fields(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "issue_type": self.issue_type,
            "priority": self.priority,
            "assignee": self.assignee.email if self.assignee else None,
            "labels": list(self.labels),
            "due_date": self.due_date,
            "summary": self.summary,
        }


class JiraComment(_Action):
    kind: Literal["jira.comment"] = "jira.comment"
    issue: JiraIssueRef
    body: str = Field(min_length=1, max_length=32_000)

    system: ClassVar[System] = "jira"
    operation: ClassVar[str] = "comment"
    policy_field_names: ClassVar[tuple[str, ...]] = ("project", "issue")

    def policy_fields(self) -> dict[str, Any]:
        return {"project": self.issue.project, "issue": self.issue.key}


class JiraTransition(_Update):
    """Move an issue to another status, only along a transition its workflow offers."""

    kind: Literal["jira.transition"] = "jira.transition"
    issue: JiraIssueRef
    status: str = Field(min_length=1, max_length=60)

    system: ClassVar[System] = "jira"
    operation: ClassVar[str] = "transition"
    change_fields: ClassVar[tuple[str, ...]] = ("status",)
    policy_field_names: ClassVar[tuple[str, ...]] = ("project", "issue", "status")

    def policy_fields(self) -> dict[str, Any]:
        return {"project": self.issue.project, "issue": self.issue.key, "status": self.status}


class JiraAssign(_Update):
    """Assign an issue to someone, or unassign it (``assignee`` None)."""

    kind: Literal["jira.assign"] = "jira.assign"
    issue: JiraIssueRef
    assignee: Person | None = None

    system: ClassVar[System] = "jira"
    operation: ClassVar[str] = "assign"
    change_fields: ClassVar[tuple[str, ...]] = ("assignee",)
    policy_field_names: ClassVar[tuple[str, ...]] = ("project", "issue", "assignee")

    def changes(self) -> dict[str, Any]:
        return {"assignee": self.assignee.jira_account_id if self.assignee else None}

    def _clears_something(self) -> bool:
        return True

    def policy_fields(self) -> dict[str, Any]:
        return {
            "project": self.issue.project,
            "issue": self.issue.key,
            "assignee": self.assignee.email if self.assignee else None,
        }


class JiraUpdateFields(_Update):
    """Set some of an issue's summary, priority, labels and due date; ``cleared`` empties the due date (the undo
    of setting one where there was none). Labels are the issue's whole list (empty clears them)."""

    kind: Literal["jira.update_fields"] = "jira.update_fields"
    issue: JiraIssueRef
    summary: str | None = Field(default=None, min_length=1, max_length=254)
    priority: str | None = Field(default=None, max_length=60)
    labels: tuple[str, ...] | None = None
    due_date: dt.date | None = None
    cleared: tuple[Literal["due_date"], ...] = ()

    system: ClassVar[System] = "jira"
    operation: ClassVar[str] = "update_fields"
    change_fields: ClassVar[tuple[str, ...]] = ("summary", "priority", "labels", "due_date")
    policy_field_names: ClassVar[tuple[str, ...]] = ("project", "issue", "summary", "priority", "labels", "due_date")

    @field_validator("labels")
    @classmethod
    def _labels_have_no_spaces(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else _labels(value)

    def changes(self) -> dict[str, Any]:
        return {**super().changes(), **dict.fromkeys(self.cleared)}

    def _clears_something(self) -> bool:
        return bool(self.cleared)

    def policy_fields(self) -> dict[str, Any]:
        return {**super().policy_fields(), "project": self.issue.project, "issue": self.issue.key}


class JiraLinkIssues(_Action):
    """``outward`` <link type> ``inward``, e.g. PAY-12 blocks PAY-13."""

    kind: Literal["jira.link_issues"] = "jira.link_issues"
    outward: JiraIssueRef
    inward: JiraIssueRef
    link_type: str = Field(min_length=1, max_length=60)

    system: ClassVar[System] = "jira"
    operation: ClassVar[str] = "link_issues"
    policy_field_names: ClassVar[tuple[str, ...]] = ("project", "link_type")

    def policy_fields(self) -> dict[str, Any]:
        return {"project": self.outward.project, "link_type": self.link_type}

    @model_validator(mode="after")
    def _two_issues(self) -> JiraLinkIssues:
        if self.outward.key == self.inward.key:
            raise ValueError("an issue cannot be linked to itself")
        return self


class JiraDeleteIssue(_Action):
    """Undo of a create: delete the issue Followthrough created (only if nothing changed it since)."""

    kind: Literal["jira.delete_issue"] = "jira.delete_issue"
    issue: JiraIssueRef
    before: dict[str, Any] = Field(default_factory=dict)

    system: ClassVar[System] = "jira"
    operation: ClassVar[str] = "delete_issue"
    risk: ClassVar[Risk] = "high"
    policy_field_names: ClassVar[tuple[str, ...]] = ("project", "issue")
    undo_note: ClassVar[str | None] = "A deleted issue cannot be brought back."

    def policy_fields(self) -> dict[str, Any]:
        return {"project": self.issue.project, "issue": self.issue.key}


class JiraDeleteComment(_Action):
    kind: Literal["jira.delete_comment"] = "jira.delete_comment"
    issue: JiraIssueRef
    comment_id: str = Field(min_length=1, max_length=40)

    system: ClassVar[System] = "jira"
    operation: ClassVar[str] = "delete_comment"
    policy_field_names: ClassVar[tuple[str, ...]] = ("project", "issue")
    undo_note: ClassVar[str | None] = "A deleted comment cannot be brought back."

    def policy_fields(self) -> dict[str, Any]:
        return {"project": self.issue.project, "issue": self.issue.key}


class JiraDeleteLink(_Action):
    kind: Literal["jira.delete_link"] = "jira.delete_link"
    link_id: str = Field(min_length=1, max_length=40)
    outward: JiraIssueRef
    inward: JiraIssueRef
    link_type: str

    system: ClassVar[System] = "jira"
    operation: ClassVar[str] = "delete_link"
    policy_field_names: ClassVar[tuple[str, ...]] = ("project", "link_type")

    def policy_fields(self) -> dict[str, Any]:
        return {"project": self.outward.project, "link_type": self.link_type}


# ---------------------------------------------------------------------------------------------------------------
# Salesforce

OPPORTUNITY_STAGES: tuple[str, ...] = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
)


class SalesforceUpdateOpportunity(_Update):
    """Set an opportunity's stage, amount, close date and next step (absolute values, never increments)."""

    kind: Literal["salesforce.update_opportunity"] = "salesforce.update_opportunity"
    opportunity: SfRecordRef
    account: str = ""
    stage: str | None = Field(default=None, max_length=40)
    amount: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    close_date: dt.date | None = None
    next_step: str | None = Field(default=None, max_length=255)

    system: ClassVar[System] = "salesforce"
    operation: ClassVar[str] = "update_opportunity"
    risk: ClassVar[Risk] = "high"  # money and forecast: always a human
    change_fields: ClassVar[tuple[str, ...]] = ("stage", "amount", "close_date", "next_step")
    policy_field_names: ClassVar[tuple[str, ...]] = (
        "account",
        "opportunity",
        "stage",
        "amount",
        "close_date",
        "next_step",
    )

    def policy_fields(self) -> dict[str, Any]:
        return {**super().policy_fields(), "account": self.account, "opportunity": self.opportunity.name}


class SalesforceCreateTask(_Action):
    """A follow-up task, on an account or opportunity (``what``) and/or a contact (``who``)."""

    kind: Literal["salesforce.create_task"] = "salesforce.create_task"
    subject: str = Field(min_length=1, max_length=255)
    owner: Person
    what: SfRecordRef | None = None
    who: SfRecordRef | None = None
    due_date: dt.date | None = None
    description: str = Field(default="", max_length=32_000)

    system: ClassVar[System] = "salesforce"
    operation: ClassVar[str] = "create_task"
    policy_field_names: ClassVar[tuple[str, ...]] = ("subject", "owner", "what", "who", "due_date")

    def policy_fields(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "owner": self.owner.email,
            "what": self.what.name if self.what else None,
            "who": self.who.name if self.who else None,
            "due_date": self.due_date,
        }


class SalesforceLogCall(_Action):
    """A completed call, recorded as a Task with subtype Call."""

    kind: Literal["salesforce.log_call"] = "salesforce.log_call"
    subject: str = Field(min_length=1, max_length=255)
    who: SfRecordRef | None = None
    what: SfRecordRef | None = None
    call_date: dt.date
    description: str = Field(default="", max_length=32_000)

    system: ClassVar[System] = "salesforce"
    operation: ClassVar[str] = "log_call"
    policy_field_names: ClassVar[tuple[str, ...]] = ("subject", "who", "what")
    undo_note: ClassVar[str | None] = "A logged call records something that happened; it is not undone."

    def policy_fields(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "who": self.who.name if self.who else None,
            "what": self.what.name if self.what else None,
        }


class SalesforceUpdateContact(_Update):
    kind: Literal["salesforce.update_contact"] = "salesforce.update_contact"
    contact: SfRecordRef
    email: str | None = Field(default=None, max_length=80, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, max_length=40)
    title: str | None = Field(default=None, max_length=128)

    system: ClassVar[System] = "salesforce"
    operation: ClassVar[str] = "update_contact"
    change_fields: ClassVar[tuple[str, ...]] = ("email", "phone", "title")
    policy_field_names: ClassVar[tuple[str, ...]] = ("contact", "email", "phone", "title")

    def policy_fields(self) -> dict[str, Any]:
        return {**super().policy_fields(), "contact": self.contact.name}


class SalesforceCreateContact(_Action):
    kind: Literal["salesforce.create_contact"] = "salesforce.create_contact"
    first_name: str | None = Field(default=None, max_length=40)
    last_name: str = Field(min_length=1, max_length=80)
    email: str | None = Field(default=None, max_length=80, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, max_length=40)
    title: str | None = Field(default=None, max_length=128)
    account: SfRecordRef | None = None

    system: ClassVar[System] = "salesforce"
    operation: ClassVar[str] = "create_contact"
    policy_field_names: ClassVar[tuple[str, ...]] = ("account", "email", "title")

    def policy_fields(self) -> dict[str, Any]:
        return {"account": self.account.name if self.account else None, "email": self.email, "title": self.title}


class SalesforceDeleteRecord(_Action):
    """Undo of a create: delete the task or contact Followthrough created (only if unchanged since)."""

    kind: Literal["salesforce.delete_record"] = "salesforce.delete_record"
    record: SfRecordRef
    before: dict[str, Any] = Field(default_factory=dict)

    system: ClassVar[System] = "salesforce"
    operation: ClassVar[str] = "delete_record"
    risk: ClassVar[Risk] = "high"
    policy_field_names: ClassVar[tuple[str, ...]] = ("object",)
    undo_note: ClassVar[str | None] = "It goes to Salesforce's recycle bin; an admin can restore it from there."

    def policy_fields(self) -> dict[str, Any]:
        return {"object": self.record.object}


# ---------------------------------------------------------------------------------------------------------------
# Followthrough itself


class FollowUp(_Action):
    """Follow a promise through: by ``due``, read ``issue`` (or ``record``) in its system; if it is not done, nudge
    ``owner`` and, with ``escalate``, climb the policy's ladder; close the loop in the thread when it is done.
    ``until``: ``resolved`` (a done status, a resolution; a task completed, an opportunity closed) or ``status``
    (the issue reached one of ``statuses``). ``every_days``: nudge again every so many days until done."""

    kind: Literal["followthrough.follow_up"] = "followthrough.follow_up"
    issue: JiraIssueRef | None = None
    record: SfRecordRef | None = None
    owner: Person
    due: dt.datetime
    until: Literal["resolved", "status"] = "resolved"
    statuses: tuple[str, ...] = ()
    escalate: bool = False
    every_days: int | None = Field(default=None, ge=1, le=366)

    system: ClassVar[System] = "followthrough"
    operation: ClassVar[str] = "follow_up"
    policy_field_names: ClassVar[tuple[str, ...]] = ("owner", "system", "escalate")
    undo_note: ClassVar[str | None] = "To stop it, its owner (or whoever asked) picks Won't do on its nudge."

    @model_validator(mode="after")
    def _one_subject(self) -> FollowUp:
        if (self.issue is None) == (self.record is None):
            raise ValueError("a follow-up is about exactly one Jira issue or Salesforce record")
        if self.due.tzinfo is None:
            raise ValueError("a follow-up's due time must carry its time zone")
        return self

    @property
    def subject_name(self) -> str:
        if self.issue is not None:
            return f"{self.issue.key} ({self.issue.summary})" if self.issue.summary else self.issue.key
        assert self.record is not None
        return self.record.name

    def policy_fields(self) -> dict[str, Any]:
        return {
            "owner": self.owner.email,
            "system": "jira" if self.issue is not None else "salesforce",
            "escalate": self.escalate,
        }


Action = Annotated[
    JiraCreateIssue
    | JiraComment
    | JiraTransition
    | JiraAssign
    | JiraUpdateFields
    | JiraLinkIssues
    | JiraDeleteIssue
    | JiraDeleteComment
    | JiraDeleteLink
    | SalesforceUpdateOpportunity
    | SalesforceCreateTask
    | SalesforceLogCall
    | SalesforceUpdateContact
    | SalesforceCreateContact
    | SalesforceDeleteRecord
    | FollowUp,
    Field(discriminator="kind"),
]
"""Every action kind, discriminated by ``kind``."""

UpdateAction = JiraTransition | JiraAssign | JiraUpdateFields | SalesforceUpdateOpportunity | SalesforceUpdateContact

ACTION_TYPES: tuple[type[_Action], ...] = (
    JiraCreateIssue,
    JiraComment,
    JiraTransition,
    JiraAssign,
    JiraUpdateFields,
    JiraLinkIssues,
    JiraDeleteIssue,
    JiraDeleteComment,
    JiraDeleteLink,
    SalesforceUpdateOpportunity,
    SalesforceCreateTask,
    SalesforceLogCall,
    SalesforceUpdateContact,
    SalesforceCreateContact,
    SalesforceDeleteRecord,
    FollowUp,
)

ACTION_KINDS: tuple[str, ...] = tuple(t.model_fields["kind"].default for t in ACTION_TYPES)

RISK: dict[str, Risk] = {t.model_fields["kind"].default: t.risk for t in ACTION_TYPES}

POLICY_FIELDS: dict[str, tuple[str, ...]] = {t.model_fields["kind"].default: t.policy_field_names for t in ACTION_TYPES}

_actions_adapter: TypeAdapter[list[Action]] = TypeAdapter(list[Action])


def parse_actions(data: Any) -> list[Action]:
    return _actions_adapter.validate_python(data)


def fingerprint(actions: Sequence[Action]) -> str:
    """A digest of exactly what would run: the system, operation, target, every normalised field and the values
    the approver saw before.

    An approval is bound to this value; any edit changes it and so voids approvals given before.
    """
    return _digest(actions, exclude_defaults=True)


def legacy_fingerprint(actions: Sequence[Action]) -> str:
    """The fingerprint of the releases before schema versions (every field, defaults included): what the proposals
    they stored carry (approvals.core.schema)."""
    return _digest(actions, exclude_defaults=False)


def _digest(actions: Sequence[Action], *, exclude_defaults: bool) -> str:
    fields = [a.model_dump(mode="json", exclude_defaults=exclude_defaults) for a in actions]
    canonical = json.dumps(
        [
            {"system": a.system, "operation": a.operation, "fields": {**f, "kind": a.kind}}
            for a, f in zip(actions, fields, strict=True)
        ],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]
