"""The decisions people make about proposals (approve, reject, edit, cancel, retry), end to end.

Buttons, modals and slash commands all come through here, so the rules apply the same way wherever a click comes
from: the decision under the current policy is computed, the workflow decides, the store commits atomically with
the audit line, every copy of the card is re-rendered, and an approval that completes the quorum queues the execute
job. Refusals are audited too, then re-raised for the caller to show to the person.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import assert_never

from approvals.core import workflow
from approvals.core.actions import Action
from approvals.core.policy import PolicyDecision, Principal
from approvals.core.proposal import Proposal
from approvals.core.states import ProposalState
from approvals.core.workflow import AuditEntry, Change, NotItsCard, Refused
from approvals.flow import keys, metrics
from approvals.flow.deadlines import schedule_deadlines
from approvals.flow.ledger import action_id
from approvals.flow.parking import ParkedWork
from approvals.flow.policy_checks import current_decision, decide_now
from approvals.flow.questions import record_answer
from approvals.flow.queueing import enqueue_continue, enqueue_execute, enqueue_intake
from approvals.flow.runtime import Runtime
from approvals.flow.showing import announce_once, refresh_cards
from approvals.flow.store import ProposalNotFound
from approvals.flow.undoing import enqueue_undo, request_undo

logger = logging.getLogger(__name__)


def _refused(rt: Runtime, proposal_id: str, actor: str, what: str, refusal: Refused) -> Refused:
    logger.info("proposal %s: %s by %s refused: %s", proposal_id, what, actor, refusal.user_message)
    rt.store.audit.write(
        proposal_id,
        AuditEntry(f"{what}.refused", actor, {"reason": refusal.user_message, "code": refusal.code}),
        at=rt.clock(),
    )
    return refusal


@dataclass(frozen=True)
class Origin:
    """The message a click came from, as the click's payload names it (``container.channel_id`` and
    ``container.message_ts``); None for a click with no message (a modal, the App Home, a slash command)."""

    channel: str
    ts: str


NOT_ITS_CARD = "That button is not on this request's card, so nothing was done."


def check_origin(rt: Runtime, proposal_id: str, actor: str, origin: Origin | None) -> None:
    """A click counts only when it comes from one of the proposal's own messages: a copy of its card (its channel and
    ts among those recorded for it) or, asked of Slack, a message the app posted for it (a card not yet recorded, a
    reply announcing its result, which carries Undo). Slack builds real payloads from stored messages, so a click
    naming another proposal than its message is a forged or replayed payload: refused, and audited as suspicious."""
    if origin is None:
        return
    proposal = _load(rt, proposal_id)
    if any(ref.channel == origin.channel and ref.ts == origin.ts for ref in proposal.cards):
        return
    if origin.channel != "modal" and rt.notifier.is_own_message(proposal, origin.channel, origin.ts):
        return
    logger.warning(
        "proposal %s: a click by %s came from %s/%s, which is none of its messages: refused as suspicious",
        proposal_id,
        actor,
        origin.channel,
        origin.ts,
    )
    rt.store.audit.write(
        proposal_id,
        AuditEntry(
            "click.suspicious",
            actor,
            {
                "reason": "the click came from a message that is not one of this request's",
                "channel": origin.channel,
                "ts": origin.ts,
            },
        ),
        at=rt.clock(),
    )
    raise NotItsCard(NOT_ITS_CARD, proposal_id=proposal_id)


def _load(rt: Runtime, proposal_id: str) -> Proposal:
    try:
        return rt.store.get(proposal_id)
    except ProposalNotFound:
        raise Refused(f"I can't find the request {proposal_id}; check the id.", proposal_id=proposal_id) from None


def _current(rt: Runtime, proposal: Proposal) -> PolicyDecision | None:
    """The current policy's decision, needed only while someone can still decide."""
    return current_decision(rt, proposal) if proposal.state is ProposalState.AWAITING_APPROVAL else None


def approve(rt: Runtime, proposal_id: str, approver: Principal, fingerprint: str) -> Change:
    policy = rt.policy.current
    current = _current(rt, _load(rt, proposal_id))
    try:
        change = rt.store.update(
            proposal_id,
            lambda p: workflow.approve(p, approver, policy, now=rt.clock(), fingerprint=fingerprint, current=current),
        )
    except Refused as refusal:
        raise _refused(rt, proposal_id, approver.user_id, "approve", refusal) from None
    if change.proposal.state is ProposalState.APPROVED:
        metrics.decided((rt.clock() - change.proposal.created_at).total_seconds())
        enqueue_execute(rt, proposal_id, reason=f"approved by {approver.user_id}")
    refresh_cards(rt, proposal_id)
    return change


def reject(rt: Runtime, proposal_id: str, approver: Principal, reason: str = "") -> Change:
    policy = rt.policy.current
    current = _current(rt, _load(rt, proposal_id))
    try:
        change = rt.store.update(
            proposal_id,
            lambda p: workflow.reject(p, approver, policy, now=rt.clock(), reason=reason, current=current),
        )
    except Refused as refusal:
        raise _refused(rt, proposal_id, approver.user_id, "reject", refusal) from None
    announce_once(rt, change.proposal)  # the cards, and the reason in the thread (owed even if this process dies)
    return change


def check_may_reject(rt: Runtime, proposal_id: str, approver: Principal) -> Proposal:
    """The proposal, if ``approver`` may reject it now (the Reject button opens the reason form only then); the same
    check ``reject`` makes, under the policy the proposal was made under and the current one."""
    proposal = _load(rt, proposal_id)
    refusal = workflow.may_reject(proposal, approver, rt.policy.current, current=_current(rt, proposal))
    if refusal is not None:
        raise _refused(rt, proposal_id, approver.user_id, "reject", refusal)
    return proposal


def check_may_edit(rt: Runtime, proposal_id: str, editor: Principal) -> Proposal:
    """The proposal, if ``editor`` may edit it now (the Edit button opens the modal only then)."""
    proposal = _load(rt, proposal_id)
    policy = rt.policy.current
    if proposal.state is not ProposalState.AWAITING_APPROVAL:
        raise Refused("This request is no longer waiting for approval, so it can't be edited.", proposal_id=proposal_id)
    allowed = (
        editor.user_id == proposal.requester
        or policy.is_admin(editor)
        or workflow.may_decide(proposal, editor, policy, current=_current(rt, proposal))
    )
    if not allowed:
        raise _refused(
            rt,
            proposal_id,
            editor.user_id,
            "edit",
            workflow.NotAllowed(
                "Only the person who asked, an approver or an admin can edit this request.", proposal_id=proposal_id
            ),
        )
    return proposal


def edit(rt: Runtime, proposal_id: str, editor: Principal, fingerprint: str, actions: Sequence[Action]) -> Change:
    """Replace the content of a waiting proposal (approvals voided, routing restarted, approvers told)."""
    proposal = _load(rt, proposal_id)
    if proposal.fingerprint != fingerprint:
        raise Refused("The request changed while you were editing it; open Edit again.", proposal_id=proposal_id)
    policy = rt.policy.current
    decision = decide_now(rt, actions, requester=proposal.requester, channel=proposal.channel)
    try:
        change = rt.store.update(
            proposal_id,
            lambda p: workflow.edit(p, editor, policy, actions=tuple(actions), decision=decision, now=rt.clock()),
        )
    except Refused as refusal:
        raise _refused(rt, proposal_id, editor.user_id, "edit", refusal) from None
    edited = change.proposal
    asked = {c.user_id for c in edited.cards if c.audience == "dm"}
    newly_needed = [
        user
        for user in rt.directory.members_of(decision.approver_roles)
        if user not in asked and (user != edited.requester or decision.allow_self_approval)
    ]
    if newly_needed:
        cards = rt.notifier.add_approvers(edited, newly_needed)
        rt.store.update(
            proposal_id,
            lambda p: Change(
                p.with_changes(cards=(*p.cards, *cards), updated_at=rt.clock()),
                AuditEntry("proposal.shown", "bot", {"cards": [c.model_dump() for c in cards]}),
            ),
        )
    refresh_cards(rt, proposal_id)
    schedule_deadlines(rt, rt.store.get(proposal_id))
    voided = change.audit.data["voided_approvals"]
    if voided:
        who = ", ".join(f"<@{u}>" for u in voided)
        note = f"the approval of {who} no longer counts, so it needs approval again."
    else:
        note = "it waits for approval with the new values (card above)."
    rt.notifier.reply(edited.channel, edited.thread_ts, f"<@{editor.user_id}> edited this request; {note}")
    return change


def cancel(rt: Runtime, proposal_id: str, actor: Principal) -> Change:
    policy = rt.policy.current
    _load(rt, proposal_id)
    try:
        change = rt.store.update(proposal_id, lambda p: workflow.cancel(p, actor, policy, now=rt.clock()))
    except Refused as refusal:
        raise _refused(rt, proposal_id, actor.user_id, "cancel", refusal) from None
    announce_once(rt, change.proposal)
    return change


def pick(rt: Runtime, proposal_id: str, person: Principal, token: str, index: int) -> Proposal:
    """The requester picked choice ``index`` of the open question on the card."""
    proposal = _load(rt, proposal_id)
    question = proposal.question
    if question is None or question.token != token:
        raise _refused(
            rt,
            proposal_id,
            person.user_id,
            "answer",
            Refused("That question was already answered; look at the newest message.", proposal_id=proposal_id),
        )
    if not 0 <= index < len(question.choices):
        raise Refused("That choice is not on the list any more.", proposal_id=proposal_id)
    try:
        return record_answer(
            rt, proposal_id, person.user_id, token=token, text=question.choices[index].value, picked=True
        )
    except Refused as refusal:
        raise _refused(rt, proposal_id, person.user_id, "answer", refusal) from None


def check_may_judge(rt: Runtime, proposal_id: str, person: Principal) -> Proposal:
    """The shadow proposal, if ``person`` may say whether it was right (Wrong opens its note form only then)."""
    proposal = _load(rt, proposal_id)
    reason = workflow.may_judge(proposal, person, rt.policy.current)
    if reason is not None:
        raise _refused(rt, proposal_id, person.user_id, "shadow", Refused(reason, proposal_id=proposal_id))
    return proposal


def judge_shadow(rt: Runtime, proposal_id: str, person: Principal, *, right: bool, note: str = "") -> Change:
    """``person`` answers a shadow card: what the bot would have done was right, or wrong (and why, in ``note``).
    Stored on the proposal with the audit line (``shadow.judged``); every copy of the card shows it."""
    policy = rt.policy.current
    _load(rt, proposal_id)
    try:
        change = rt.store.update(
            proposal_id, lambda p: workflow.judge(p, person, policy, right=right, note=note, now=rt.clock())
        )
    except Refused as refusal:
        raise _refused(rt, proposal_id, person.user_id, "shadow", refusal) from None
    logger.info("proposal %s: shadow answer by %s: %s", proposal_id, person.user_id, "right" if right else "wrong")
    refresh_cards(rt, proposal_id)
    return change


def undo(rt: Runtime, proposal_id: str, person: Principal) -> str:
    """Someone clicked Undo on a result: the undo proposal is prepared (the policy decides who approves it)."""
    return request_undo(rt, proposal_id, person)


def retry_parked(rt: Runtime, proposal_id: str, actor: Principal) -> ParkedWork:
    """An admin takes parked work up again (approvals.flow.parking): its attempts start from zero and its job is
    queued."""
    if not rt.policy.current.is_admin(actor):
        raise Refused("Only admins can retry stopped work.", proposal_id=proposal_id)
    work = rt.parking.release(proposal_id)
    if work is None:
        raise Refused(f"I can't find the request {proposal_id}; check the id.", proposal_id=proposal_id)
    rt.store.audit.write(
        proposal_id,
        AuditEntry("work.retried", actor.user_id, {"kind": work.kind, "reason": work.reason}),
        at=rt.clock(),
    )
    match work.kind:
        case "intake":
            (request_key,) = work.job_args
            rt.inbox.take_back(request_key)
            enqueue_intake(rt, request_key, reason=f"retried by {actor.user_id}")
        case "answer":
            enqueue_continue(rt, proposal_id, reason=f"retried by {actor.user_id}")
        case "undo":
            original_id, undo_id, user_id = work.job_args
            enqueue_undo(rt, original_id, undo_id, user_id)
        case _:
            assert_never(work.kind)
    logger.info("proposal %s: parked %s work retried by %s", proposal_id, work.kind, actor.user_id)
    return work


def retry(rt: Runtime, proposal_id: str, actor: Principal) -> Change | ParkedWork:
    """An admin re-runs a failed proposal (failed actions are reopened and reconciled before anything is sent), or
    takes up work that was parked after its attempts ran out."""
    policy = rt.policy.current
    if rt.parking.is_parked(proposal_id):
        return retry_parked(rt, proposal_id, actor)
    _load(rt, proposal_id)
    try:
        change = rt.store.update(proposal_id, lambda p: workflow.retry(p, actor, policy, now=rt.clock()))
    except Refused as refusal:
        raise _refused(rt, proposal_id, actor.user_id, "retry", refusal) from None
    proposal = change.proposal
    for index in range(len(proposal.actions)):
        aid = action_id(proposal.id, index, proposal.fingerprint)
        try:
            if rt.ledger.get(aid).status == "failed":
                rt.ledger.reopen(aid)
        except KeyError:
            continue
    rt.connection.delete(keys.execution_failures(proposal_id))
    enqueue_execute(rt, proposal_id, reason=f"retried by {actor.user_id}")
    refresh_cards(rt, proposal_id)
    rt.notifier.reply(proposal.channel, proposal.thread_ts, f"<@{actor.user_id}> is retrying this request.")
    return change
