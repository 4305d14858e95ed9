"""The proposal: a request turned into typed actions, the policy's verdict on it, and everything decided since.

A proposal is immutable data. Every change returns a new proposal from ``apply`` (approvals/core/workflow.py drives it),
whose state comes from the transition table in ``approvals.core.states`` and nowhere else. ``fingerprint`` is derived
from the actions when the proposal is built and checked on load, so a stored proposal whose actions were altered
without a new fingerprint is refused rather than executed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any, Literal

from pydantic import Field, field_serializer, field_validator, model_validator

from approvals.core.actions import Action, fingerprint, legacy_fingerprint
from approvals.core.intents import ActionRequest
from approvals.core.policy import PolicyDecision
from approvals.core.schema import SCHEMA_VERSION, StoredModel
from approvals.core.states import ProposalState

_ID_ALPHABET = "abcdefghjkmnpqrstvwxyz23456789"


def new_proposal_id() -> str:
    """A short id people can type in a slash command (``ft-7kq2mx9c``); also a valid RQ job id fragment."""
    return "ft-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


def derived_proposal_id(seed: str) -> str:
    """An id of the same form derived from ``seed``, so a job that runs again finds the proposal it stored."""
    number = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    chars = []
    for _ in range(8):
        number, rest = divmod(number, len(_ID_ALPHABET))
        chars.append(_ID_ALPHABET[rest])
    return "ft-" + "".join(chars)


def is_direct_message(channel: str) -> bool:
    """A conversation between one person and the bot (Slack's DM ids start with D): nobody else can follow it."""
    return channel.startswith("D")


def place(channel: str) -> str:
    """Where a request was made, as mrkdwn anyone can read: the channel, or "a direct message" (a DM's id would
    show as a channel nobody else can open)."""
    return "a direct message" if is_direct_message(channel) else f"<#{channel}>"


_Model = StoredModel


class Approval(_Model):
    """One person's approval of one exact change (the fingerprint they saw)."""

    user_id: str
    at: dt.datetime
    fingerprint: str


class Rejection(_Model):
    user_id: str
    at: dt.datetime
    reason: str = ""


class CardRef(_Model):
    """Where one copy of the proposal's card lives, so every copy can be edited on every transition."""

    channel: str
    ts: str
    audience: Literal["thread", "dm"] = "thread"
    user_id: str | None = None


class QuestionChoice(_Model):
    """One answer the requester can pick: ``value`` is what the answer sets the request's field to."""

    label: str
    value: str
    detail: str = ""


class Question(_Model):
    """What the proposal waits for: the requester's answer to one question about one of its requests.

    ``field`` is the request field the answer fills (None: the answer is read together with the request again).
    ``token`` changes with every question, so a pick from an older question's card cannot answer a newer one.
    An answer is recorded here (``answer``) before anything is done with it, so a crash loses nothing.
    """

    text: str
    why: str = ""
    """What was wrong with the answer before, when the question is asked again."""
    request_index: int = 0
    field: str | None = None
    choices: tuple[QuestionChoice, ...] = ()
    token: str
    asked_at: dt.datetime
    answer: str | None = None
    answered_by: str | None = None
    answered_at: dt.datetime | None = None
    choice_picked: bool = False
    """The answer is one of ``choices`` (a pick), not typed text to read."""


class ActionResult(_Model):
    """What executing one action did, in words for the thread and in data for undo and audit."""

    index: int
    status: Literal["done", "failed", "unknown"]
    """``unknown``: the call was sent and no answer came (a crash, a timeout): it may have happened."""
    system: str
    summary: str
    key: str | None = None
    url: str | None = None
    changes: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class ShadowVerdict(_Model):
    """One person's answer to a shadow card: was what the bot would have done right (and, optionally, why not)."""

    user_id: str
    right: bool
    at: dt.datetime
    note: str = ""


class Shadow(_Model):
    """What a request in shadow mode would have done instead of doing it, and what people said about that.

    ``would`` follows the policy's decision: ``ask`` (approvers, named in ``would_ask`` as they were when it was
    decided), ``run`` (no approval needed) or ``refuse``. ``verdicts`` holds each person's newest answer (the audit
    keeps every one)."""

    scope: str
    """Why the request was in shadow mode, in words ("#sales is in shadow mode")."""
    would: Literal["ask", "run", "refuse"]
    would_ask: tuple[str, ...] = ()
    verdicts: tuple[ShadowVerdict, ...] = ()

    @property
    def verdict(self) -> bool | None:
        """Right only when everyone who answered said so: one Wrong makes it wrong (precision is measured
        pessimistically); None before anyone answered."""
        if not self.verdicts:
            return None
        return all(v.right for v in self.verdicts)


class Proposal(_Model):
    id: str
    state: ProposalState
    requester: str
    channel: str
    thread_ts: str
    request_ts: str
    request_text: str
    permalink: str | None = None
    actions: tuple[Action, ...] = ()
    """Empty only while the proposal waits for an answer (``needs_info``) or ended before it had one."""
    fingerprint: str
    decision: dict[str, Any] | None
    """The policy's decision, once there are actions to decide on (None while ``needs_info``)."""
    requests: tuple[ActionRequest, ...] = ()
    """What the extractor understood, in words: grounded again when the requester answers a question."""
    question: Question | None = None
    understood: str = ""
    undo_of: str | None = None
    """The proposal this one reverses (its Undo button made it)."""
    undo: str | None = None
    """The latest proposal made to reverse this one."""
    reevaluated: dict[str, Any] | None = None
    """The decision under the newest policy, when it differs from the one the proposal was made under."""
    escalated_to: tuple[str, ...] = ()
    """People who may approve because the request was escalated to them (a role's members or a manager)."""
    approvals: tuple[Approval, ...] = ()
    rejection: Rejection | None = None
    cancelled_by: str | None = None
    results: tuple[ActionResult, ...] = ()
    failure: str | None = None
    shadow: Shadow | None = None
    """Set when the proposal ended in shadow mode (``shadowed``): what it would have done, and the answers given."""
    cards: tuple[CardRef, ...] = ()
    created_at: dt.datetime
    updated_at: dt.datetime
    expires_at: dt.datetime | None = None
    version: int = 0
    schema_version: int = SCHEMA_VERSION
    """The format of the stored record (approvals.core.schema)."""

    @field_validator("decision", "reevaluated", mode="before")
    @classmethod
    def _decision_dict(cls, value: Any) -> Any:
        return value.to_dict() if isinstance(value, PolicyDecision) else value

    @model_validator(mode="after")
    def _fingerprint_matches(self) -> Proposal:
        if not self.actions and self.state not in _STATES_WITHOUT_ACTIONS:
            raise ValueError(f"proposal {self.id!r} in state {self.state.value!r} must have actions")
        if self.actions and self.decision is None:
            raise ValueError(f"proposal {self.id!r} has actions but no policy decision")
        expected = fingerprint(self.actions)
        if self.fingerprint != expected and self.fingerprint != legacy_fingerprint(self.actions):
            raise ValueError(
                f"proposal {self.id!r}: stored fingerprint {self.fingerprint!r} does not match its actions "
                f"({expected!r}); refusing to use it"
            )
        return self

    @field_serializer("state")
    def _state_value(self, state: ProposalState) -> str:
        return state.value

    @property
    def policy(self) -> PolicyDecision:
        """The decision of the policy the proposal was made under (or last edited under)."""
        if self.decision is None:
            raise ValueError(f"proposal {self.id!r} has no policy decision yet (it is {self.state.value})")
        return PolicyDecision.from_dict(self.decision)

    @property
    def requirements(self) -> tuple[PolicyDecision, ...]:
        """Every decision that applies: the one it was made under and, if stricter or different, the newest."""
        if self.decision is None:
            return ()
        made = self.policy
        if self.reevaluated is None:
            return (made,)
        return (made, PolicyDecision.from_dict(self.reevaluated))

    @property
    def approvals_needed(self) -> int:
        return max((d.min_approvers for d in self.requirements), default=1)

    @property
    def approvers_so_far(self) -> tuple[str, ...]:
        """Distinct people who approved the current fingerprint, in order."""
        seen: list[str] = []
        for approval in self.approvals:
            if approval.fingerprint == self.fingerprint and approval.user_id not in seen:
                seen.append(approval.user_id)
        return tuple(seen)

    @property
    def quorum_reached(self) -> bool:
        return len(self.approvers_so_far) >= self.approvals_needed

    def with_changes(self, **changes: Any) -> Proposal:
        """A copy with ``changes`` applied and validated (model_copy would skip validation)."""
        data = self.model_dump()
        data.update(changes)
        return Proposal.model_validate(data)


_STATES_WITHOUT_ACTIONS = frozenset(
    {ProposalState.DRAFTED, ProposalState.NEEDS_INFO, ProposalState.CANCELLED, ProposalState.EXPIRED}
)


def expiry(decision: PolicyDecision | None, now: dt.datetime) -> dt.datetime | None:
    """When a proposal decided on at ``now`` expires unapproved (None: the decision sets no deadline)."""
    return now + dt.timedelta(seconds=decision.expires_after) if decision and decision.expires_after else None


def build_proposal(
    *,
    proposal_id: str,
    requester: str,
    channel: str,
    thread_ts: str,
    request_ts: str,
    request_text: str,
    actions: tuple[Action, ...],
    decision: PolicyDecision | None,
    now: dt.datetime,
    permalink: str | None = None,
    requests: tuple[ActionRequest, ...] = (),
    understood: str = "",
    undo_of: str | None = None,
) -> Proposal:
    """A new proposal in state ``drafted``; the workflow moves it on according to ``decision`` (or asks, when it
    has no actions yet)."""
    return Proposal(
        id=proposal_id,
        state=ProposalState.DRAFTED,
        requester=requester,
        channel=channel,
        thread_ts=thread_ts,
        request_ts=request_ts,
        request_text=request_text,
        permalink=permalink,
        actions=actions,
        fingerprint=fingerprint(actions),
        decision=decision.to_dict() if decision is not None else None,
        requests=requests,
        understood=understood,
        undo_of=undo_of,
        created_at=now,
        updated_at=now,
        expires_at=expiry(decision, now),
    )
