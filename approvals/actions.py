"""The typed actions a proposal can carry: plain, serialisable data with a ``kind`` discriminator.

An action here is *grounded*: every person and record it names is already resolved to an identifier in the target
system. What the requester typed lives in ``approvals.intents``; grounding turns that into an action or a question.
Actions are immutable; an edit produces a new action (and so a new fingerprint, which voids earlier approvals).

Adding an action kind: a model here with its ``kind`` literal, a member of ``Action``, and its policy fields.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

System = Literal["jira", "salesforce"]
Risk = Literal["low", "high"]
"""``high``: money, deletions, anything hard to reverse. A policy can never let a high-risk action run unapproved."""


class FrozenModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Person(FrozenModel):
    """Someone an action names, with the identities grounding found for them."""

    display_name: str
    slack_user_id: str | None = None
    email: str | None = None
    jira_account_id: str | None = None
    salesforce_user_id: str | None = None


JIRA_PROJECT_KEY = r"^[A-Z][A-Z0-9_]{1,9}$"


class JiraCreateIssue(FrozenModel):
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
        for label in value:
            if not label or any(ch.isspace() for ch in label):
                raise ValueError(f"label {label!r} must be non-empty and contain no spaces")
        return value

    @property
    def target(self) -> str:
        return f"project {self.project}"

    def policy_fields(self) -> dict[str, Any]:
        """The values policy conditions may test (``project in [PAY]``, ``priority == Highest``)."""
        return {
            "project": self.project,
            "issue_type": self.issue_type,
            "priority": self.priority,
            "assignee": self.assignee.email if self.assignee else None,
            "labels": list(self.labels),
            "due_date": self.due_date,
            "summary": self.summary,
        }


Action = Annotated[JiraCreateIssue, Field(discriminator="kind")]
"""Every action kind; later kinds join as ``Annotated[A | B | ..., Field(discriminator="kind")]``."""

ACTION_TYPES: tuple[type[FrozenModel], ...] = (JiraCreateIssue,)

ACTION_KINDS: tuple[str, ...] = tuple(t.model_fields["kind"].default for t in ACTION_TYPES)

RISK: dict[str, Risk] = {t.model_fields["kind"].default: t.risk for t in ACTION_TYPES}  # type: ignore[attr-defined]

POLICY_FIELDS: dict[str, tuple[str, ...]] = {
    t.model_fields["kind"].default: t.policy_field_names  # type: ignore[attr-defined]
    for t in ACTION_TYPES
}

_actions_adapter: TypeAdapter[list[Action]] = TypeAdapter(list[Action])


def parse_actions(data: Any) -> list[Action]:
    return _actions_adapter.validate_python(data)


def fingerprint(actions: Sequence[Action]) -> str:
    """A digest of exactly what would run: the system, operation, target and every normalised field.

    An approval is bound to this value; any edit changes it and so voids approvals given before.
    """
    canonical = json.dumps(
        [{"system": a.system, "operation": a.operation, "fields": a.model_dump(mode="json")} for a in actions],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]
