"""What may happen to a proposal, decided without I/O.

Each function takes the current proposal (and who is acting) and returns a ``Change``: the next proposal and the
audit entry that explains it. Nothing is written here; the store commits a change and its audit entry in one
transaction, and re-runs the function on fresh data if someone else committed first, so two people clicking at once
produce exactly one winner and one clear refusal.

Refusals are exceptions carrying a short message for the person who acted (``Refused.user_message``).
Approval is checked against rights *here*, at click time, and again by the execute job: an approval is not an
authorisation on its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from approvals.core.actions import Action, fingerprint, legacy_fingerprint
from approvals.core.intents import ActionRequest
from approvals.core.policy import Policy, PolicyDecision, Principal
from approvals.core.proposal import (
    ActionResult,
    Approval,
    Proposal,
    Question,
    QuestionChoice,
    Rejection,
    Shadow,
    ShadowVerdict,
    expiry,
)
from approvals.core.states import Event, IllegalTransition, ProposalState, next_state
from approvals.core.wording import plural


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail: what happened, who did it, and the facts needed to explain it later."""

    event: str
    actor: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    proposal: Proposal
    audit: AuditEntry
    event: Event | None = None


class Refused(Exception):
    """The action was not taken. ``user_message`` is what to tell the person (ephemeral in Slack)."""

    code = "refused"

    def __init__(self, user_message: str, *, proposal_id: str | None = None) -> None:
        super().__init__(f"{proposal_id or '?'}: {user_message}")
        self.user_message = user_message
        self.proposal_id = proposal_id


class NotAllowed(Refused):
    code = "not_allowed"


class NotItsCard(Refused):
    """A click that came from a message other than the proposal's own (a forged or replayed payload)."""

    code = "not_its_card"


class AlreadyDecided(Refused):
    code = "already_decided"


class Duplicate(Refused):
    code = "duplicate"


def _transition(proposal: Proposal, event: Event, now: dt.datetime, **changes: Any) -> Proposal:
    state = next_state(proposal.state, event, proposal_id=proposal.id)
    return proposal.with_changes(state=state, updated_at=now, **changes)


def _describe_state(proposal: Proposal) -> str:
    state = proposal.state
    if state is ProposalState.DRAFTED:
        return "is not ready for a decision yet"
    if state is ProposalState.REJECTED and proposal.rejection is not None:
        return f"was already rejected by <@{proposal.rejection.user_id}>"
    if state is ProposalState.CANCELLED and proposal.cancelled_by is not None:
        return f"was already cancelled by <@{proposal.cancelled_by}>"
    if state is ProposalState.SHADOWED:
        return "was handled in shadow mode, where nothing is carried out"
    if state in (
        ProposalState.APPROVED,
        ProposalState.EXECUTING,
        ProposalState.SUCCEEDED,
        ProposalState.FAILED,
    ):
        who = ", ".join(f"<@{u}>" for u in proposal.approvers_so_far) or "policy"
        return f"was already approved by {who} and is {state.value.replace('_', ' ')}"
    return f"is already {state.value.replace('_', ' ')}"


def submit(proposal: Proposal, *, now: dt.datetime) -> Change:
    """Move a drafted (or just answered) proposal on according to its policy decision: wait, run, or refuse."""
    decision = proposal.policy
    data = {"outcome": decision.outcome, "rule": decision.rule, "policy_hash": decision.policy_hash}
    if decision.outcome == "deny":
        return Change(
            _transition(proposal, Event.DENY, now, failure=decision.reason),
            AuditEntry("proposal.denied", "policy", {**data, "reason": decision.reason}),
            Event.DENY,
        )
    if decision.outcome == "auto":
        return Change(
            _transition(proposal, Event.AUTO_APPROVE, now),
            AuditEntry("proposal.auto_approved", "policy", data),
            Event.AUTO_APPROVE,
        )
    return Change(
        _transition(proposal, Event.SUBMIT, now),
        AuditEntry(
            "proposal.awaiting_approval",
            "policy",
            {
                **data,
                "approver_roles": list(decision.approver_roles),
                "min_approvers": decision.min_approvers,
            },
        ),
        Event.SUBMIT,
    )


_WOULD: dict[str, Literal["ask", "run", "refuse"]] = {"approve": "ask", "auto": "run", "deny": "refuse"}
"""What a shadow proposal would have done, by the policy's outcome."""


def shadow(proposal: Proposal, *, scope: str, would_ask: Sequence[str], now: dt.datetime) -> Change:
    """The policy puts the proposal in shadow mode (``scope`` says why): decided as usual, it ends here, recording
    what would have happened (``would_ask``: the approvers it would have asked). Nothing runs and nobody is asked."""
    decision = proposal.policy
    would = _WOULD[decision.outcome]
    record = Shadow(scope=scope, would=would, would_ask=tuple(would_ask) if would == "ask" else ())
    try:
        result = _transition(proposal, Event.SHADOW, now, shadow=record, question=None, expires_at=None)
    except IllegalTransition:
        raise AlreadyDecided(f"This request {_describe_state(proposal)}.", proposal_id=proposal.id) from None
    data = {
        "scope": scope,
        "would": would,
        "would_ask": list(record.would_ask),
        "outcome": decision.outcome,
        "rule": decision.rule,
        "policy_hash": decision.policy_hash,
        "reason": decision.reason,
        "approver_roles": list(decision.approver_roles),
        "min_approvers": decision.min_approvers,
        "kinds": sorted({a.kind for a in proposal.actions}),
    }
    return Change(result, AuditEntry("proposal.shadowed", "policy", data), Event.SHADOW)


NOTE_LIMIT = 500


def may_judge(proposal: Proposal, person: Principal, policy: Policy) -> str | None:
    """None if ``person`` may say whether a shadow proposal was right, else why not: the requester, the people it
    would have asked (or anyone of its approver roles now), and admins."""
    record = proposal.shadow
    if proposal.state is not ProposalState.SHADOWED or record is None:
        return "This request was not handled in shadow mode, so there is nothing to judge."
    if person.user_id == proposal.requester or person.user_id in record.would_ask or policy.is_admin(person):
        return None
    roles = set(proposal.policy.approver_roles)
    if roles and policy.roles_of(person) & roles:
        return None
    return (
        f"Only <@{proposal.requester}> (who asked), the people it would have asked, or an admin can say whether "
        "this was right."
    )


def judge(
    proposal: Proposal, person: Principal, policy: Policy, *, right: bool, note: str = "", now: dt.datetime
) -> Change:
    """``person`` says whether what the shadow proposal would have done was right (with an optional ``note``). Their
    newest answer replaces their earlier one; the state does not change."""
    reason = may_judge(proposal, person, policy)
    if reason is not None:
        if proposal.state is not ProposalState.SHADOWED:
            raise AlreadyDecided(reason, proposal_id=proposal.id)
        raise NotAllowed(reason, proposal_id=proposal.id)
    record = proposal.shadow
    assert record is not None
    note = " ".join(note.split())[:NOTE_LIMIT]
    earlier = next((v for v in record.verdicts if v.user_id == person.user_id), None)
    if earlier is not None and (earlier.right, earlier.note) == (right, note):
        raise Duplicate(f"You already said this was {'right' if right else 'wrong'}.", proposal_id=proposal.id)
    verdict = ShadowVerdict(user_id=person.user_id, right=right, at=now, note=note)
    verdicts = (*(v for v in record.verdicts if v.user_id != person.user_id), verdict)
    result = proposal.with_changes(shadow=record.model_copy(update={"verdicts": verdicts}), updated_at=now)
    data = {
        "right": right,
        "note": note,
        "changed_from": None if earlier is None else ("right" if earlier.right else "wrong"),
        "would": record.would,
        "rule": proposal.policy.rule,
        "kinds": sorted({a.kind for a in proposal.actions}),
    }
    return Change(result, AuditEntry("shadow.judged", person.user_id, data))


def ask(
    proposal: Proposal,
    *,
    text: str,
    field: str | None,
    choices: Sequence[QuestionChoice],
    request_index: int,
    requests: Sequence[ActionRequest],
    now: dt.datetime,
    wait: dt.timedelta,
    why: str = "",
) -> Change:
    """The proposal waits for its requester's answer to ``text`` (a drafted one, or one answered with something
    that raised another question; ``why`` says what was wrong with that answer). Nothing is approved or run
    meanwhile; it expires after ``wait``."""
    token = hashlib.sha256(f"{proposal.id}|{now.isoformat()}|{text}".encode()).hexdigest()[:10]
    question = Question(
        text=text,
        why=why,
        request_index=request_index,
        field=field,
        choices=tuple(choices),
        token=token,
        asked_at=now,
    )
    result = _transition(
        proposal,
        Event.ASK,
        now,
        question=question,
        requests=tuple(requests),
        actions=(),
        fingerprint=fingerprint(()),
        decision=None,
        expires_at=now + wait,
    )
    data = {
        "question": text,
        "why": why,
        "field": field,
        "choices": [c.model_dump() for c in choices],
        "requests": [r.model_dump(mode="json") for r in requests],
    }
    return Change(result, AuditEntry("proposal.question_asked", "bot", data), Event.ASK)


def ask_again(proposal: Proposal, *, why: str, now: dt.datetime, wait: dt.timedelta) -> Change:
    """The open question again, saying ``why`` the answer given did not do."""
    question = proposal.question
    if proposal.state is not ProposalState.NEEDS_INFO or question is None:
        raise AlreadyDecided(f"This request {_describe_state(proposal)}; it is not waiting for an answer.")
    return ask(
        proposal,
        text=question.text,
        why=why,
        field=question.field,
        choices=question.choices,
        request_index=question.request_index,
        requests=proposal.requests,
        now=now,
        wait=wait,
    )


def answer(proposal: Proposal, user_id: str, *, token: str, text: str, picked: bool, now: dt.datetime) -> Change:
    """Record the requester's answer to the open question (durably, before anything is done with it)."""
    question = proposal.question
    if proposal.state is not ProposalState.NEEDS_INFO or question is None:
        raise AlreadyDecided(f"This request {_describe_state(proposal)}; it is not waiting for an answer.")
    if user_id != proposal.requester:
        raise NotAllowed(f"Only <@{proposal.requester}> can answer this (they asked for it).", proposal_id=proposal.id)
    if token != question.token:
        raise Refused("That question was already answered; look at the newest message.", proposal_id=proposal.id)
    if question.answer is not None:
        raise Duplicate("I'm already working on your answer.", proposal_id=proposal.id)
    answered = question.model_copy(
        update={"answer": text, "answered_by": user_id, "answered_at": now, "choice_picked": picked}
    )
    result = proposal.with_changes(question=answered, updated_at=now)
    data = {"question": question.text, "field": question.field, "answer": text, "picked": picked}
    return Change(result, AuditEntry("proposal.answered", user_id, data))


def complete(
    proposal: Proposal,
    *,
    requests: Sequence[ActionRequest],
    actions: tuple[Action, ...],
    decision: PolicyDecision,
    now: dt.datetime,
    shadow_scope: str | None = None,
    would_ask: Sequence[str] = (),
) -> Change:
    """The answers made every request an action: the proposal gets them and the policy's decision, then moves
    on exactly as a new proposal would (wait for approval, run, or be refused; in shadow mode, when ``shadow_scope``
    says why it is in one, it ends saying which of those it would have done)."""
    if proposal.state is not ProposalState.NEEDS_INFO:
        raise AlreadyDecided(f"This request {_describe_state(proposal)}.", proposal_id=proposal.id)
    grounded = proposal.with_changes(
        requests=tuple(requests),
        actions=actions,
        fingerprint=fingerprint(actions),
        decision=decision.to_dict(),
        question=None,
        expires_at=expiry(decision, now),
    )
    if shadow_scope is not None:
        return shadow(grounded, scope=shadow_scope, would_ask=would_ask, now=now)
    return submit(grounded, now=now)


def drop(proposal: Proposal, reason: str, *, now: dt.datetime, by: str | None = None) -> Change:
    """A proposal waiting for an answer ends without running: the answer said no, or made it impossible."""
    if proposal.state is not ProposalState.NEEDS_INFO:
        raise AlreadyDecided(f"This request {_describe_state(proposal)}.", proposal_id=proposal.id)
    result = _transition(proposal, Event.CANCEL, now, cancelled_by=by, failure=reason, question=None)
    return Change(result, AuditEntry("proposal.dropped", by or "bot", {"reason": reason}), Event.CANCEL)


def conflict(
    proposal: Proposal,
    *,
    actions: tuple[Action, ...],
    decision: PolicyDecision,
    done: Sequence[ActionResult],
    reason: str,
    now: dt.datetime,
) -> Change:
    """The executor found a record changed since approval: ``actions`` carry its values now, so the fingerprint
    changes, the approvals given no longer count, and people approve again. ``done`` are the results of the
    actions that already ran (they are not run again)."""
    result = _transition(
        proposal,
        Event.CONFLICT,
        now,
        actions=actions,
        fingerprint=fingerprint(actions),
        decision=decision.to_dict(),
        reevaluated=None,
        results=tuple(done),
        failure=None,
        expires_at=expiry(decision, now),
    )
    data = {
        "reason": reason,
        "before": [a.model_dump(mode="json") for a in proposal.actions],
        "after": [a.model_dump(mode="json") for a in actions],
        "fingerprint_before": proposal.fingerprint,
        "fingerprint_after": result.fingerprint,
        "voided_approvals": list(proposal.approvers_so_far),
        "policy": decision.to_dict(),
    }
    return Change(result, AuditEntry("proposal.conflict", "worker", data), Event.CONFLICT)


def _requirements(proposal: Proposal, current: PolicyDecision | None) -> tuple[PolicyDecision, ...]:
    """Every decision an approval must satisfy: made-under, newest seen, and the one computed for this click."""
    extra = (current,) if current is not None and current not in proposal.requirements else ()
    return (*proposal.requirements, *extra)


def may_approve(
    proposal: Proposal, approver: Principal, policy: Policy, *, current: PolicyDecision | None = None
) -> str | None:
    """None if ``approver`` may approve ``proposal`` now, else the reason they may not.

    Approval is checked against the policy the proposal was made under *and* the current one: an approver must be
    acceptable to each, self-approval needs every decision to allow it, and a decision that denies wins.
    """
    decisions = _requirements(proposal, current)
    denied = [d for d in decisions if d.outcome == "deny"]
    if denied:
        return f"The policy no longer allows this request: {denied[0].reason}"
    needing = [d for d in decisions if d.outcome == "approve"]
    if not needing:
        return "This request does not need an approval."
    if approver.user_id == proposal.requester and not all(d.allow_self_approval for d in needing):
        return "You asked for this change, so someone else has to approve it."
    if approver.user_id in proposal.escalated_to:
        return None
    roles = policy.roles_of(approver)
    for decision in needing:
        if not roles & set(decision.approver_roles):
            needed = ", ".join(decision.approver_roles)
            return f"You are not an approver for this request (it needs someone from: {needed})."
    return None


def _with_current(proposal: Proposal, current: PolicyDecision | None) -> Proposal:
    """Remember the newest decision on the proposal when it differs from the one it was made under."""
    if current is None or current == proposal.policy:
        return proposal
    return proposal.with_changes(reevaluated=current.to_dict())


def approve(
    proposal: Proposal,
    approver: Principal,
    policy: Policy,
    *,
    now: dt.datetime,
    fingerprint: str,
    current: PolicyDecision | None = None,
) -> Change:
    """Record ``approver``'s approval of the exact change they saw; the quorum moves it to ``approved``."""
    if proposal.state is not ProposalState.AWAITING_APPROVAL:
        raise AlreadyDecided(f"This request {_describe_state(proposal)}.", proposal_id=proposal.id)
    if fingerprint != proposal.fingerprint:
        raise Refused(
            "This request changed after you opened it. Look at the updated card and approve again.",
            proposal_id=proposal.id,
        )
    reason = may_approve(proposal, approver, policy, current=current)
    if reason is not None:
        raise NotAllowed(reason, proposal_id=proposal.id)
    if approver.user_id in proposal.approvers_so_far:
        missing = proposal.approvals_needed - len(proposal.approvers_so_far)
        raise Duplicate(
            f"You already approved this. It still needs {plural(missing, 'more approval')} from someone else.",
            proposal_id=proposal.id,
        )
    approvals = (*proposal.approvals, Approval(user_id=approver.user_id, at=now, fingerprint=fingerprint))
    updated = _with_current(proposal, current).with_changes(approvals=approvals)
    event = Event.APPROVE if updated.quorum_reached else Event.APPROVE_PARTIAL
    result = _transition(updated, event, now)
    data = {
        "fingerprint": fingerprint,
        "approvals": len(result.approvers_so_far),
        "min_approvers": result.approvals_needed,
        "roles": sorted(policy.roles_of(approver) & {r for d in result.requirements for r in d.approver_roles}),
        "escalated": approver.user_id in result.escalated_to,
        "approved": [a.model_dump(mode="json") for a in result.actions],
    }
    name = "proposal.approved" if event is Event.APPROVE else "proposal.approval_recorded"
    return Change(result, AuditEntry(name, approver.user_id, data), event)


def reject(
    proposal: Proposal,
    approver: Principal,
    policy: Policy,
    *,
    now: dt.datetime,
    reason: str = "",
    current: PolicyDecision | None = None,
) -> Change:
    """An approver says no; nothing will run."""
    refusal = may_reject(proposal, approver, policy, current=current)
    if refusal is not None:
        raise refusal
    result = _transition(
        proposal, Event.REJECT, now, rejection=Rejection(user_id=approver.user_id, at=now, reason=reason.strip())
    )
    return Change(result, AuditEntry("proposal.rejected", approver.user_id, {"reason": reason.strip()}), Event.REJECT)


def may_reject(
    proposal: Proposal, approver: Principal, policy: Policy, *, current: PolicyDecision | None = None
) -> Refused | None:
    """None if ``approver`` may reject ``proposal`` now (under the policy it was made under and the current one),
    else the refusal to tell them: the one check, whether they click Reject or submit its form."""
    if proposal.state is not ProposalState.AWAITING_APPROVAL:
        return AlreadyDecided(f"This request {_describe_state(proposal)}.", proposal_id=proposal.id)
    if not may_decide(proposal, approver, policy, current=current):
        needed = ", ".join(sorted({r for d in _requirements(proposal, current) for r in d.approver_roles}))
        return NotAllowed(
            f"Only an approver can reject this request (someone from: {needed}). "
            "If you asked for it, use Cancel instead.",
            proposal_id=proposal.id,
        )
    return None


def may_decide(proposal: Proposal, person: Principal, policy: Policy, *, current: PolicyDecision | None = None) -> bool:
    """Whether ``person`` is one of the approvers (self-approval aside): they may reject, edit, be reminded."""
    if person.user_id in proposal.escalated_to:
        return True
    roles = policy.roles_of(person)
    needing = [d for d in _requirements(proposal, current) if d.outcome == "approve"]
    return bool(needing) and all(roles & set(d.approver_roles) for d in needing)


def edit(
    proposal: Proposal,
    editor: Principal,
    policy: Policy,
    *,
    actions: tuple[Action, ...],
    decision: PolicyDecision,
    now: dt.datetime,
) -> Change:
    """New content for a waiting proposal: a new fingerprint voids every approval and routing starts again.

    ``decision`` is the policy's decision for the edited actions (the caller evaluates it). An edit the policy
    would deny, or one that would need no approval at all, is refused: ask again instead.
    """
    if proposal.state is not ProposalState.AWAITING_APPROVAL:
        raise AlreadyDecided(
            f"This request {_describe_state(proposal)}; it can no longer be edited.", proposal_id=proposal.id
        )
    if not (editor.user_id == proposal.requester or policy.is_admin(editor) or may_decide(proposal, editor, policy)):
        raise NotAllowed(
            "Only the person who asked, an approver or an admin can edit this request.", proposal_id=proposal.id
        )
    new_fingerprint = fingerprint(actions)
    if proposal.fingerprint in (new_fingerprint, legacy_fingerprint(actions)):  # a record stored before versions
        raise Refused("Nothing changed.", proposal_id=proposal.id)
    if decision.outcome == "deny":
        raise NotAllowed(f"The policy does not allow the request as edited: {decision.reason}", proposal_id=proposal.id)
    if decision.outcome == "auto":
        raise Refused(
            "As edited, this request would need no approval at all; ask for it again in the thread instead.",
            proposal_id=proposal.id,
        )
    result = _transition(
        proposal,
        Event.EDIT,
        now,
        actions=actions,
        fingerprint=new_fingerprint,
        decision=decision.to_dict(),
        reevaluated=None,
        escalated_to=(),
        expires_at=expiry(decision, now),
    )
    data = {
        "before": [a.model_dump(mode="json") for a in proposal.actions],
        "after": [a.model_dump(mode="json") for a in actions],
        "fingerprint_before": proposal.fingerprint,
        "fingerprint_after": new_fingerprint,
        "voided_approvals": list(proposal.approvers_so_far),
        "policy": decision.to_dict(),
    }
    return Change(result, AuditEntry("proposal.edited", editor.user_id, data), Event.EDIT)


def escalate(proposal: Proposal, users: Sequence[str], *, now: dt.datetime, to: str) -> Change:
    """Nobody decided in time: ``users`` (the members of the escalation role, or the manager) may now approve."""
    if proposal.state is not ProposalState.AWAITING_APPROVAL:
        raise AlreadyDecided(f"This request {_describe_state(proposal)}.", proposal_id=proposal.id)
    added = tuple(u for u in users if u not in proposal.escalated_to and u != proposal.requester)
    if not added:
        raise Refused(f"There is nobody new to escalate to ({to}).", proposal_id=proposal.id)
    result = _transition(proposal, Event.ESCALATE, now, escalated_to=(*proposal.escalated_to, *added))
    return Change(
        result, AuditEntry("proposal.escalated", "scheduler", {"to": to, "users": list(added)}), Event.ESCALATE
    )


def reevaluate(proposal: Proposal, current: PolicyDecision, *, now: dt.datetime) -> Change:
    """A reloaded policy applies to a waiting proposal: the stricter requirement wins; a deny fails it closed."""
    if proposal.state is not ProposalState.AWAITING_APPROVAL:
        raise AlreadyDecided(f"This request {_describe_state(proposal)}.", proposal_id=proposal.id)
    data = {"policy": current.to_dict()}
    if current.outcome == "deny":
        result = _transition(proposal, Event.DENY, now, reevaluated=current.to_dict(), failure=current.reason)
        return Change(result, AuditEntry("proposal.denied", "policy", {**data, "reason": current.reason}), Event.DENY)
    if current in proposal.requirements:
        raise Refused("The current policy asks for nothing new.", proposal_id=proposal.id)
    # The made-under decision still applies, so a newer policy can only ask for more, never complete a quorum.
    result = _transition(_with_current(proposal, current), Event.REEVALUATE, now)
    return Change(result, AuditEntry("proposal.reevaluated", "policy", data), Event.REEVALUATE)


def cancel(proposal: Proposal, actor: Principal, policy: Policy, *, now: dt.datetime) -> Change:
    """The requester (or an admin) withdraws a request that has not started running."""
    if proposal.state not in (
        ProposalState.DRAFTED,
        ProposalState.NEEDS_INFO,
        ProposalState.AWAITING_APPROVAL,
        ProposalState.APPROVED,
    ):
        raise AlreadyDecided(
            f"This request {_describe_state(proposal)}; it can no longer be cancelled.",
            proposal_id=proposal.id,
        )
    if actor.user_id != proposal.requester and not policy.is_admin(actor):
        raise NotAllowed("Only the person who asked, or an admin, can cancel this request.", proposal_id=proposal.id)
    result = _transition(proposal, Event.CANCEL, now, cancelled_by=actor.user_id, question=None)
    return Change(result, AuditEntry("proposal.cancelled", actor.user_id), Event.CANCEL)


def expire(proposal: Proposal, *, now: dt.datetime) -> Change:
    """Fail closed: a request nobody approved (or answered) in time never runs."""
    if proposal.state not in (ProposalState.AWAITING_APPROVAL, ProposalState.NEEDS_INFO):
        raise AlreadyDecided(f"This request {_describe_state(proposal)}.", proposal_id=proposal.id)
    if proposal.expires_at is None or now < proposal.expires_at:
        raise Refused("This request has not expired yet.", proposal_id=proposal.id)
    waited_for = "answer" if proposal.state is ProposalState.NEEDS_INFO else "approval"
    result = _transition(proposal, Event.EXPIRE, now, question=None)
    return Change(
        result,
        AuditEntry(
            "proposal.expired",
            "scheduler",
            {"expires_at": proposal.expires_at.isoformat(), "waited_for": waited_for},
        ),
        Event.EXPIRE,
    )


def start(proposal: Proposal, *, now: dt.datetime, attempt: int) -> Change:
    """The execute job claims the proposal (again, after a crash: executing -> executing is allowed)."""
    try:
        result = _transition(proposal, Event.START, now)
    except IllegalTransition:
        raise AlreadyDecided(f"This request {_describe_state(proposal)}.", proposal_id=proposal.id) from None
    return Change(result, AuditEntry("proposal.executing", "worker", {"attempt": attempt}), Event.START)


def succeed(proposal: Proposal, results: Sequence[ActionResult], *, now: dt.datetime) -> Change:
    result = _transition(proposal, Event.SUCCEED, now, results=tuple(results), failure=None)
    data = {"results": [r.model_dump(mode="json") for r in results]}
    return Change(result, AuditEntry("proposal.succeeded", "worker", data), Event.SUCCEED)


def fail(proposal: Proposal, results: Sequence[ActionResult], reason: str, *, now: dt.datetime) -> Change:
    result = _transition(proposal, Event.FAIL, now, results=tuple(results), failure=reason)
    data = {"reason": reason, "results": [r.model_dump(mode="json") for r in results]}
    return Change(result, AuditEntry("proposal.failed", "worker", data), Event.FAIL)


def retry(proposal: Proposal, actor: Principal, policy: Policy, *, now: dt.datetime) -> Change:
    """An admin sends a failed proposal back to run again (the approval still binds the same fingerprint)."""
    if not policy.is_admin(actor):
        raise NotAllowed("Only an admin can retry a failed request.", proposal_id=proposal.id)
    if proposal.state is not ProposalState.FAILED:
        raise Refused(
            f"Only failed requests can be retried; this one {_describe_state(proposal)}.",
            proposal_id=proposal.id,
        )
    result = _transition(proposal, Event.RETRY, now, failure=None)
    return Change(result, AuditEntry("proposal.retried", actor.user_id), Event.RETRY)


def describe_decision(decision: PolicyDecision) -> str:
    """One line for the card and the audit: which rule applied and what it requires."""
    if decision.outcome == "deny":
        return f"Denied by policy ({decision.rule}): {decision.reason}"
    if decision.outcome == "auto":
        return f"Runs without approval ({decision.rule})"
    roles = " or ".join(decision.approver_roles)
    count = f"{decision.min_approvers} approvals" if decision.min_approvers > 1 else "1 approval"
    return f"Needs {count} from {roles} ({decision.rule})"
