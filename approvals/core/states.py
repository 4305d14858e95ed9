"""The proposal state machine: one table of allowed transitions, and nothing else writes a state.

```
drafted ──submit──> awaiting_approval ──approve──> approved ──start──> executing ──succeed──> succeeded
   │                  (approve_partial, edit, escalate, reevaluate: stay)   │ │
   │                     │  │  │                     │                    │ └──fail──> failed ──retry──> approved
   │                     │  │  └─expire──> expired   └─cancel─> cancelled  └─conflict──> awaiting_approval
   │                     │  └─cancel───> cancelled                            (the record changed since approval)
   │                     └─reject───> rejected
   ├─ask──> needs_info ──(ask: another question)
   │          └─submit / auto_approve / deny / shadow / cancel / expire, as from drafted and awaiting_approval
   ├─auto_approve──> approved        (the policy lets it run without a human)
   ├─deny────────> denied            (the policy refuses it; also from awaiting_approval after a policy reload)
   ├─shadow──────> shadowed          (the policy puts its channel, its kind or everything in shadow mode)
   └─cancel──────> cancelled
```

``needs_info``: the request could not be grounded without the requester's answer (which project, which of two
opportunities); the proposal has its understood requests and a question, but no actions yet. The answer (a pick
in the card or a reply in the thread) grounds it again: another question, or actions and a policy decision.
``conflict``: the executor found a field no longer holding the value the approver saw; the action now carries the
current values, its fingerprint changed, and people approve again.

``shadowed``: the request was understood, grounded and decided exactly as usual (questions asked and answered on the
way), but the policy puts it in shadow mode (approvals/flow/shadow.py), so it ends where it would have been submitted,
run or refused. ``shadow`` leaves ``drafted`` and ``needs_info`` only, where ``submit``, ``auto_approve`` and ``deny``
do, and the state is terminal: the proposal keeps its actions and the decision they got, and records on itself what
would have happened (``Proposal.shadow``), but no event leads from it to ``approved``, so nothing runs, nobody is asked
to approve, and no deadline, reminder or escalation applies to it. It is a state of its own rather than a flag on an
existing end so that every path that reads states stays honest without knowing about shadows: the reaper re-queues only
``approved`` and ``executing``, expires only waiting states, announces only the owed ends (a shadow card is posted by
intake or the answer job, like a card waiting for approval); Undo needs ``succeeded``; pending lists show waiting
states; the App Home lists it among the ended requests. The Right / Wrong answers people give on its card are recorded
on the proposal without a transition, as an answer to a question is.

An ``approve`` that does not complete the quorum (M-of-N) records the approval and keeps the state
``awaiting_approval``; so do an ``edit`` (new content, approvals voided, routing restarted), an ``escalate`` (more
people may approve) and a ``reevaluate`` (a reloaded policy asks for more): the table allows these self-transitions
explicitly. ``executing -> executing`` is the re-entry of a job after a crash, so a restarted job can claim its
proposal again.
"""

from __future__ import annotations

from enum import StrEnum


class ProposalState(StrEnum):
    DRAFTED = "drafted"
    NEEDS_INFO = "needs_info"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    EXECUTING = "executing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REJECTED = "rejected"
    DENIED = "denied"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    SHADOWED = "shadowed"


class Event(StrEnum):
    SUBMIT = "submit"
    ASK = "ask"
    AUTO_APPROVE = "auto_approve"
    DENY = "deny"
    APPROVE = "approve"
    APPROVE_PARTIAL = "approve_partial"
    EDIT = "edit"
    ESCALATE = "escalate"
    REEVALUATE = "reevaluate"
    REJECT = "reject"
    CANCEL = "cancel"
    EXPIRE = "expire"
    START = "start"
    SUCCEED = "succeed"
    FAIL = "fail"
    RETRY = "retry"
    CONFLICT = "conflict"
    SHADOW = "shadow"


S = ProposalState
E = Event

TRANSITIONS: dict[tuple[ProposalState, Event], ProposalState] = {
    (S.DRAFTED, E.SUBMIT): S.AWAITING_APPROVAL,
    (S.DRAFTED, E.AUTO_APPROVE): S.APPROVED,
    (S.DRAFTED, E.DENY): S.DENIED,
    (S.DRAFTED, E.CANCEL): S.CANCELLED,
    (S.DRAFTED, E.ASK): S.NEEDS_INFO,
    (S.DRAFTED, E.SHADOW): S.SHADOWED,
    (S.NEEDS_INFO, E.ASK): S.NEEDS_INFO,
    (S.NEEDS_INFO, E.SUBMIT): S.AWAITING_APPROVAL,
    (S.NEEDS_INFO, E.AUTO_APPROVE): S.APPROVED,
    (S.NEEDS_INFO, E.DENY): S.DENIED,
    (S.NEEDS_INFO, E.CANCEL): S.CANCELLED,
    (S.NEEDS_INFO, E.EXPIRE): S.EXPIRED,
    (S.NEEDS_INFO, E.SHADOW): S.SHADOWED,
    (S.AWAITING_APPROVAL, E.APPROVE_PARTIAL): S.AWAITING_APPROVAL,
    (S.AWAITING_APPROVAL, E.EDIT): S.AWAITING_APPROVAL,
    (S.AWAITING_APPROVAL, E.ESCALATE): S.AWAITING_APPROVAL,
    (S.AWAITING_APPROVAL, E.REEVALUATE): S.AWAITING_APPROVAL,
    (S.AWAITING_APPROVAL, E.DENY): S.DENIED,
    (S.AWAITING_APPROVAL, E.APPROVE): S.APPROVED,
    (S.AWAITING_APPROVAL, E.REJECT): S.REJECTED,
    (S.AWAITING_APPROVAL, E.CANCEL): S.CANCELLED,
    (S.AWAITING_APPROVAL, E.EXPIRE): S.EXPIRED,
    (S.APPROVED, E.START): S.EXECUTING,
    (S.APPROVED, E.CANCEL): S.CANCELLED,
    (S.EXECUTING, E.START): S.EXECUTING,
    (S.EXECUTING, E.SUCCEED): S.SUCCEEDED,
    (S.EXECUTING, E.FAIL): S.FAILED,
    (S.EXECUTING, E.CONFLICT): S.AWAITING_APPROVAL,
    (S.FAILED, E.RETRY): S.APPROVED,
}

TERMINAL_STATES: frozenset[ProposalState] = frozenset(
    {S.SUCCEEDED, S.REJECTED, S.DENIED, S.CANCELLED, S.EXPIRED, S.SHADOWED}
)
"""States no event leaves. ``failed`` is not terminal: an admin may retry it."""

DECIDED_STATES: frozenset[ProposalState] = frozenset(
    s for s in ProposalState if s not in (S.DRAFTED, S.NEEDS_INFO, S.AWAITING_APPROVAL)
)
"""States in which nobody can approve or reject any more (``needs_info`` is not one: it will come up for approval)."""


class IllegalTransition(Exception):
    """``event`` is not allowed from ``state``; the message names both and the proposal."""

    def __init__(self, state: ProposalState, event: Event, *, proposal_id: str | None = None) -> None:
        self.state = state
        self.event = event
        self.proposal_id = proposal_id
        subject = f"proposal {proposal_id!r}" if proposal_id else "a proposal"
        super().__init__(f"cannot {event.value} {subject} in state {state.value!r}")


def next_state(state: ProposalState, event: Event, *, proposal_id: str | None = None) -> ProposalState:
    """The state after ``event``, or IllegalTransition if the table does not allow it."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(state, event, proposal_id=proposal_id) from None


def allowed_events(state: ProposalState) -> frozenset[Event]:
    return frozenset(event for (source, event) in TRANSITIONS if source is state)
