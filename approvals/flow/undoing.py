"""The Undo button, end to end: the click, the look at the records, and the undo proposal.

The click (bot process) checks that the request may be undone and records on the original proposal that an undo
was asked for (atomically: two clicks make one undo), then queues ``propose_undo``. The job reads every record the
undo would touch; anything changed since the original ran is a refusal with the reason, in the thread, and nothing
is proposed. Otherwise it stores the undo proposal (its id derived from the original's, so a repeated job finds it)
and moves it on like any new proposal: the policy decides who must approve it.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from approvals.core.actions import (
    Action,
    JiraAssign,
    JiraDeleteIssue,
    JiraTransition,
    JiraUpdateFields,
    SalesforceDeleteRecord,
    SalesforceUpdateContact,
    SalesforceUpdateOpportunity,
)
from approvals.core.policy import Principal
from approvals.core.proposal import Proposal, build_proposal
from approvals.core.states import ProposalState
from approvals.core.undo_plan import (
    UNDONE_BY_FAILURE,
    describe_not_undone,
    inverse_actions,
    undo_id_for,
    undo_label,
    undoable,
)
from approvals.core.workflow import AuditEntry, Change, Duplicate, Refused
from approvals.flow import keys, queueing
from approvals.flow.advancing import advance_new_proposal
from approvals.flow.attempts import after_failure, park
from approvals.flow.parking import ParkedWork
from approvals.flow.policy_checks import decide_now
from approvals.flow.runtime import Runtime, current
from approvals.flow.showing import refresh_cards
from approvals.flow.store import ProposalExists

logger = logging.getLogger(__name__)


def request_undo(rt: Runtime, proposal_id: str, person: Principal) -> str:
    """Record that ``person`` asked to undo ``proposal_id`` and queue the job that proposes it; the undo's id."""
    original = rt.store.find(proposal_id)
    if original is None:
        raise Refused(f"I can't find the request {proposal_id}.", proposal_id=proposal_id)
    if original.undo is not None:
        previous = rt.store.find(original.undo)
        if previous is None and rt.parking.is_parked(original.undo):
            raise Refused(
                "Preparing this undo failed and an admin has been told; they can take it up again.",
                proposal_id=proposal_id,
            )
        if previous is None:
            # Asked for already, but the undo is not stored yet (its job is queued, or died): queue it again.
            enqueue_undo(rt, proposal_id, original.undo, person.user_id)
            return original.undo
        if previous.state is ProposalState.SUCCEEDED:
            raise Duplicate(f"{undo_label(original)} was already undone.", proposal_id=proposal_id)
        if previous.state not in UNDONE_BY_FAILURE:
            raise Duplicate("Undo was already asked for: its card is in the thread.", proposal_id=proposal_id)
    attempt = int(rt.connection.incr(keys.undo_sequence(proposal_id)))
    undo_id = undo_id_for(proposal_id, attempt)

    def decide(p: Proposal) -> Change:
        reason = undoable(p, now=rt.clock(), window=rt.timing.undo_window)
        if reason is not None:
            raise Refused(reason, proposal_id=p.id)
        if p.undo != original.undo:
            # Someone else asked for an undo since we looked.
            raise Duplicate("Undo was already asked for: its card is in the thread.", proposal_id=p.id)
        return Change(
            p.with_changes(undo=undo_id, updated_at=p.updated_at),
            AuditEntry("proposal.undo_requested", person.user_id, {"undo": undo_id}),
        )

    try:
        rt.store.update(proposal_id, decide)
    except Refused as refusal:
        rt.store.audit.write(
            proposal_id,
            AuditEntry("undo.refused", person.user_id, {"reason": refusal.user_message, "code": refusal.code}),
            at=rt.clock(),
        )
        raise
    enqueue_undo(rt, proposal_id, undo_id, person.user_id)
    logger.info("proposal %s: undo %s asked for by %s", proposal_id, undo_id, person.user_id)
    return undo_id


"""Undos asked for and not yet proposed or refused (``original|undo|user`` by the time asked): the reaper's list."""


def enqueue_undo(rt: Runtime, original_id: str, undo_id: str, user_id: str, *, delay: float | None = None) -> None:
    """Queue the undo's proposal and list it as asked for, so the reaper queues it again if its job dies."""
    queueing.enqueue_undo(rt, original_id, undo_id, user_id, delay=delay)
    rt.connection.zadd(keys.PENDING_UNDOS, {f"{original_id}|{undo_id}|{user_id}": rt.clock().timestamp()}, nx=True)


def _settled(rt: Runtime, original_id: str, undo_id: str, user_id: str) -> None:
    """The undo was proposed, refused or parked: the reaper has nothing more to do for it."""
    rt.connection.zrem(keys.PENDING_UNDOS, f"{original_id}|{undo_id}|{user_id}")


def requeue_stuck_undos(rt: Runtime, *, older_than: float) -> int:
    """Queue again the undos asked for ``older_than`` seconds ago whose job died (the reaper's part); how many."""
    cutoff = rt.clock().timestamp() - older_than
    queued = 0
    for member in rt.connection.zrangebyscore(keys.PENDING_UNDOS, "-inf", cutoff):
        original_id, undo_id, user_id = member.decode().split("|")
        if rt.parking.is_parked(undo_id):
            continue
        if queueing.waits(rt, "undo", undo_id):
            continue
        logger.info("proposal %s: undo %s asked for but not proposed; queued again", original_id, undo_id)
        enqueue_undo(rt, original_id, undo_id, user_id)
        queued += 1
    return queued


def propose_undo(original_id: str, undo_id: str, user_id: str) -> str:
    """RQ job: look at the records, then store and show the undo proposal (or say why it can't be done).

    At most ``Timing.max_attempts`` attempts; then the undo is parked and the thread told that nothing changed.
    """
    rt = current()
    if rt.parking.is_parked(undo_id):
        return "parked"
    attempt = rt.parking.attempt("undo", undo_id)
    if attempt > rt.timing.max_attempts:
        logger.error("proposal %s: undo %s stopped %d times without finishing", original_id, undo_id, attempt - 1)
        return _park_undo(rt, original_id, undo_id, user_id, f"it stopped {attempt - 1} times without finishing")
    try:
        outcome = _propose_undo(rt, original_id, undo_id, user_id)
    except Exception as exc:
        return after_failure(
            rt,
            what=f"preparing undo {undo_id}",
            proposal_id=original_id,
            attempt=attempt,
            exc=exc,
            again=lambda delay: enqueue_undo(rt, original_id, undo_id, user_id, delay=delay),
            give_up=lambda reason: _park_undo(rt, original_id, undo_id, user_id, reason),
        )
    _settled(rt, original_id, undo_id, user_id)
    return outcome


def _park_undo(rt: Runtime, original_id: str, undo_id: str, user_id: str, reason: str) -> str:
    original = rt.store.get(original_id)
    _settled(rt, original_id, undo_id, user_id)
    return park(
        rt,
        ParkedWork(
            proposal_id=undo_id,
            kind="undo",
            subject=undo_id,
            reason=reason,
            at=rt.clock(),
            channel=original.channel,
            thread_ts=original.thread_ts,
            requester=user_id,
            job_args=(original_id, undo_id, user_id),
        ),
    )


def _propose_undo(rt: Runtime, original_id: str, undo_id: str, user_id: str) -> str:
    existing = rt.store.find(undo_id)
    if existing is not None:
        advance_new_proposal(rt, existing, fresh=False)
        return existing.id
    original = rt.store.get(original_id)
    inverse = inverse_actions(original)
    problems = [p for p in (still_as_left(rt, a) for a in inverse.actions) if p]
    if problems or not inverse.actions:
        reason = "; ".join(problems) or describe_not_undone(inverse.not_undone)
        return _refuse(rt, original, undo_id, user_id, reason)
    decision = decide_now(rt, inverse.actions, requester=user_id, channel=original.channel)
    proposal = build_proposal(
        proposal_id=undo_id,
        requester=user_id,
        channel=original.channel,
        thread_ts=original.thread_ts,
        request_ts=original.request_ts,
        request_text=f"Undo {undo_label(original)}",
        actions=inverse.actions,
        decision=decision,
        now=rt.clock(),
        permalink=original.permalink,
        understood=describe_not_undone(inverse.not_undone),
        undo_of=original.id,
    )
    entry = AuditEntry(
        "proposal.created",
        user_id,
        {
            "requester": user_id,
            "request_text": proposal.request_text,
            "undo_of": original.id,
            "proposed": [a.model_dump(mode="json") for a in inverse.actions],
            "not_undone": list(inverse.not_undone),
            "fingerprint": proposal.fingerprint,
            "policy": decision.to_dict(),
        },
    )
    try:
        rt.store.create(proposal, entry)
        fresh = True
    except ProposalExists:
        proposal, fresh = rt.store.get(undo_id), False
    advance_new_proposal(rt, proposal, fresh=fresh)
    return proposal.id


def _refuse(rt: Runtime, original: Proposal, undo_id: str, user_id: str, reason: str) -> str:
    def release(p: Proposal) -> Change:
        return Change(
            p.with_changes(undo=None, updated_at=p.updated_at) if p.undo == undo_id else p,
            AuditEntry("undo.refused", user_id, {"reason": reason, "undo": undo_id}),
        )

    rt.store.update(original.id, release)
    refresh_cards(rt, original.id)
    rt.notifier.reply(
        original.channel,
        original.thread_ts,
        f"<@{user_id}> I can't undo {undo_label(original)}: {reason}. Nothing was changed.",
    )
    logger.info("proposal %s: undo refused: %s", original.id, reason)
    return "refused"


# ---------------------------------------------------------------------------------------------------------------
# Are the records still as the original left them?


def _norm(value: Any) -> Any:
    if value is None or value == "" or value == [] or value == ():
        return None
    if isinstance(value, list | tuple):
        return frozenset(str(v).casefold() for v in value)
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Decimal(str(value))
    text = str(value).strip()
    try:
        return Decimal(text)
    except InvalidOperation:
        return text.casefold()


def _differences(now: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    return [
        f"{name.replace('_', ' ')} is now {now.get(name) if now.get(name) not in (None, '') else 'empty'}"
        for name, value in expected.items()
        if name in now and _norm(now.get(name)) != _norm(value)
    ]


def still_as_left(rt: Runtime, action: Action) -> str | None:
    """Why undoing with ``action`` would overwrite someone's later change (or cannot work), or None."""
    jira, sf = rt.jira_catalog, rt.salesforce_catalog
    match action:
        case JiraTransition() | JiraAssign() | JiraUpdateFields() | JiraDeleteIssue():
            if jira is None:
                return "Jira is not connected here any more"
            info = jira.issue(action.issue.key)
            if info is None:
                return f"{action.issue.key} no longer exists"
            now = {
                "status": info.status,
                "assignee": info.assignee_account_id,
                "summary": info.summary,
                "priority": info.priority,
                "labels": list(info.labels),
                "due_date": info.due_date.isoformat() if info.due_date else None,
            }
            expected = {k: v for k, v in action.before.items() if k in now}
            changed = _differences(now, expected)
            if changed:
                return f"{action.issue.key} changed since: {', '.join(changed)}"
            if isinstance(action, JiraTransition) and action.status.casefold() not in {
                t.casefold() for t in info.transitions
            }:
                return f"{action.issue.key}'s workflow can't move it from {info.status} back to {action.status}"
            return None
        case SalesforceUpdateOpportunity() | SalesforceUpdateContact() | SalesforceDeleteRecord():
            if sf is None:
                return "Salesforce is not connected here any more"
            ref = (
                action.opportunity
                if isinstance(action, SalesforceUpdateOpportunity)
                else action.contact
                if isinstance(action, SalesforceUpdateContact)
                else action.record
            )
            record = sf.record(ref.object, ref.id)
            if record is None:
                return f"{ref.name} no longer exists in Salesforce"
            now = {"subject": record.name} if ref.object == "Task" else dict(record.fields)
            changed = _differences(now, action.before)
            return f"{ref.name} changed since: {', '.join(changed)}" if changed else None
    return None
