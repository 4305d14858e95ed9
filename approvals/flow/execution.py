"""Execution: an approved proposal's actions run against the target systems, each at most once in effect.

``execute`` follows the ledger (approvals.flow.ledger): an action already done is not sent again, an action that may
have happened is reconciled before anything is sent, and a lease (approvals.flow.leases) keeps two workers off the
same action. Retries are ours, not RQ's, so a Retry-After is honoured exactly and a non-idempotent call is never
blindly repeated: an attempt that sent something and failed counts against the retry schedule, a wait (for Jira's
search index, for another worker) spends nothing, and a requester waiting long is told, honestly, when the next try
is. Rights are checked again here, inside the job, against the current policy: an approval is not an authorisation.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from typing import Any

from approvals.core import workflow
from approvals.core.actions import Action, UpdateAction
from approvals.core.grounding import facts_now
from approvals.core.ports import (
    AmbiguousError,
    AuthError,
    ConflictError,
    Connector,
    ConnectorError,
    ExecutionContext,
    Outcome,
    PermanentError,
    RetryableError,
)
from approvals.core.proposal import (
    ActionResult,
    Proposal,
    is_direct_message,
)
from approvals.core.states import ProposalState
from approvals.core.workflow import AuditEntry, Change
from approvals.flow import keys, metrics, queueing
from approvals.flow.attempts import describe_error
from approvals.flow.deadlines import schedule_deadlines
from approvals.flow.followthrough import attach_follow_ups
from approvals.flow.leases import LeaseHeld
from approvals.flow.ledger import LedgerEntry, action_id
from approvals.flow.policy_checks import decide_now, recheck_rights
from approvals.flow.runtime import Runtime, current
from approvals.flow.search_lag import probe_after_create, window
from approvals.flow.shadow import shadow_scope
from approvals.flow.showing import (
    announce_once,
    notify_approvers,
    refresh_cards,
    schedule_undo_window,
)

logger = logging.getLogger(__name__)


def execute(proposal_id: str) -> str:
    """Run an approved proposal's actions, each at most once in effect, then report in the thread.

    An attempt that raises something unexpected is tried again on the retry schedule like a retryable error, and
    after the last one the proposal fails (honestly: what did and what may have happened) and the admins are told.
    """
    rt = current()
    try:
        return _execute(rt, proposal_id)
    except Exception as exc:
        return _execution_raised(rt, proposal_id, exc)


def _execution_raised(rt: Runtime, proposal_id: str, exc: Exception) -> str:
    """Called while ``exc`` is being handled: a failed attempt like any other (it may have sent something)."""
    proposal = rt.store.find(proposal_id)
    if proposal is None or proposal.state not in (ProposalState.APPROVED, ProposalState.EXECUTING):
        logger.error("proposal %s: execute raised", proposal_id, exc_info=exc)
        return "error"
    delays = rt.timing.retry_delays
    failures = _count_failure(rt, proposal_id)
    if failures <= len(delays):
        delay = delays[failures - 1]
        logger.warning(
            "proposal %s: execute attempt %d of %d failed (%s); trying again in %.0f s",
            proposal_id,
            failures,
            len(delays) + 1,
            describe_error(exc),
            delay,
        )
        return _retry_later(rt, proposal, [], "something went wrong on my side", delay=delay, counts=False)
    logger.error("proposal %s: execute failed %d times; giving up", proposal_id, failures, exc_info=exc)
    return _finish_failed(
        rt, proposal_id, [], "an unexpected error stopped it (the admins have the details)", alert=True
    )


def _execute(rt: Runtime, proposal_id: str) -> str:
    proposal = rt.store.get(proposal_id)
    if proposal.state is ProposalState.SHADOWED or proposal.shadow is not None:
        # No transition leads here from shadow mode; should a job arrive all the same, nothing is sent.
        return _refuse_shadowed(rt, proposal, "it was handled in shadow mode, where nothing is written")
    if proposal.state in (ProposalState.SUCCEEDED, ProposalState.FAILED):
        announce_once(rt, proposal)
        return f"noop:{proposal.state.value}"
    if proposal.state not in (ProposalState.APPROVED, ProposalState.EXECUTING):
        logger.info("proposal %s: not executing, it is %s", proposal_id, proposal.state.value)
        return f"noop:{proposal.state.value}"
    wait = _seconds_until_allowed(rt, proposal_id)
    if wait > 0:
        # A retry is scheduled for later (a Retry-After); this job came early (a duplicate or the reaper).
        logger.info("proposal %s: not before %.1f s from now, leaving it to the scheduled retry", proposal_id, wait)
        return "deferred"
    try:
        # One run at a time; the lease lives as long as this process, so the reaper can tell a dead run.
        with rt.leases.hold(run_lease(proposal_id), seconds=rt.timing.lease_seconds):
            runs = int(rt.connection.incr(keys.execution_runs(proposal_id)))
            try:
                return _run(rt, proposal_id, runs)
            finally:
                # Reached by every run that ends, however it ends; a run that dies leaves its count standing.
                rt.connection.delete(keys.execution_runs(proposal_id))
    except LeaseHeld:
        logger.info("proposal %s: another run is on it; leaving it to that one", proposal_id)
        return "busy"


def _run(rt: Runtime, proposal_id: str, runs: int) -> str:
    proposal = rt.store.get(proposal_id)  # again, under the run's lease
    if proposal.state not in (ProposalState.APPROVED, ProposalState.EXECUTING):
        announce_once(rt, proposal)
        return f"noop:{proposal.state.value}"
    problem = recheck_rights(rt, proposal)
    if problem is not None:
        return _finish_failed(rt, proposal_id, [], problem, alert=True)
    scope = shadow_scope(rt, kinds=[a.kind for a in proposal.actions], channel=proposal.channel)
    if scope is not None or proposal.shadow is not None:
        # Shadow mode was turned on for it after it was approved: from then on nothing of it is written.
        return _refuse_shadowed(rt, proposal, f"{scope or 'it is in shadow mode'}, so nothing was written")
    if runs > len(rt.timing.retry_delays) + 1:
        # The earlier runs died without a word (the worker was killed): counted all the same, so this ends.
        logger.error("proposal %s: execution stopped %d times without finishing; giving up", proposal_id, runs - 1)
        return _finish_failed(
            rt, proposal_id, [], f"it stopped {runs - 1} times before finishing (the worker died)", alert=True
        )
    rt.connection.set(keys.execution_since(proposal_id), rt.clock().timestamp(), nx=True, ex=7 * 86400)
    attempt = _failures(rt, proposal_id) + 1
    proposal = rt.store.update(proposal_id, lambda p: workflow.start(p, now=rt.clock(), attempt=attempt)).proposal
    results: list[ActionResult] = []
    # Actions done before the proposal went back for approval (a conflict) are not run again.
    done_before = {r.index: r for r in proposal.results if r.status == "done"}
    for index, action in enumerate(proposal.actions):
        if index in done_before:
            results.append(done_before[index])
            continue
        aid = action_id(proposal.id, index, proposal.fingerprint)
        # The record links back to where it was asked, unless that is a DM with the app (nobody else can open it).
        link = None if is_direct_message(proposal.channel) else proposal.permalink
        context = ExecutionContext(proposal_id=proposal.id, action_id=aid, permalink=link)
        entry = rt.ledger.open(
            aid, {"proposal_id": proposal.id, "index": index, "action": action.model_dump(mode="json")}
        )
        if entry.status == "done":
            # Done by an earlier run; one that died before auditing it leaves that owed.
            _audit_done_once(rt, proposal_id, action, aid, entry.result or {})
            results.append(_result_from_ledger(index, action, entry))
            continue
        connector = rt.connectors.get(action.system)
        if connector is None:
            message = f"{action.system.title()} is not connected to Followthrough here; an admin has to configure it."
            rt.ledger.mark_failed(aid, message)
            return _finish_failed(rt, proposal_id, [*results, _failed(index, action, message)], message, alert=True)
        try:
            with rt.leases.hold(aid, seconds=rt.timing.lease_seconds):
                if proposal.undo_of is None and entry.status == "pending":
                    _check_facts(rt, action)
                outcome, sent_at = _run_action(rt, connector, action, context, entry)
        except LeaseHeld:
            logger.warning("proposal %s action %s: lease held by another worker, retrying later", proposal_id, aid)
            # A wait, not a failed attempt: look again once that worker's lease is renewed or lapses.
            wait = max(1.0, rt.leases.expires_in(aid))
            return _retry_later(rt, proposal, results, "another worker is still on it", delay=wait, counts=False)
        except _AwaitingIndex as exc:
            # Waiting out Jira's search lag before deciding whether to send again spends no attempt.
            _audit(rt, proposal_id, "action.awaiting_index", action, aid, exc)
            return _retry_later(rt, proposal, results, exc.user_message, delay=exc.retry_after, counts=False)
        except RetryableError as exc:
            metrics.connector_error(action.system, type(exc).__name__)
            if not isinstance(action, UpdateAction):
                # Refused before it did anything: send it again next time. An update stays 'sent', so the next
                # attempt reads the record first and keeps the before and after Undo needs if it did land.
                rt.ledger.mark_pending(aid)
            _audit(rt, proposal_id, "action.retryable", action, aid, exc)
            return _retry_later(rt, proposal, results, exc.user_message, delay=exc.retry_after, counts=True)
        except AmbiguousError as exc:
            metrics.connector_error(action.system, "AmbiguousError")
            _audit(rt, proposal_id, "action.ambiguous", action, aid, exc)
            return _retry_later(rt, proposal, results, exc.user_message, delay=exc.retry_after, counts=True)
        except ConflictError as exc:
            metrics.connector_error(action.system, "ConflictError")
            rt.ledger.mark_failed(aid, exc.user_message)
            _audit(rt, proposal_id, "action.conflict", action, aid, exc)
            return _changed_since_approval(rt, proposal_id, index, action, exc, results)
        except (PermanentError, AuthError) as exc:
            metrics.connector_error(action.system, type(exc).__name__)
            rt.ledger.mark_failed(aid, exc.user_message)
            _audit(rt, proposal_id, "action.failed", action, aid, exc)
            failed = [*results, _failed(index, action, exc.user_message)]
            return _finish_failed(rt, proposal_id, failed, exc.user_message, alert=isinstance(exc, AuthError))
        metrics.executed(action.system, "done")
        done = {"summary": outcome.summary, "key": outcome.key, "url": outcome.url, "changes": outcome.changes}
        rt.ledger.mark_done(aid, done)
        if sent_at is not None:
            probe_after_create(rt, proposal_id, action, aid, sent_at)
        _audit_done(rt, proposal_id, action, aid, done)
        results.append(
            ActionResult(
                index=index,
                status="done",
                system=action.system,
                summary=outcome.summary,
                key=outcome.key,
                url=outcome.url,
                changes=outcome.changes,
            )
        )
    proposal = rt.store.update(proposal_id, lambda p: workflow.succeed(p, results, now=rt.clock())).proposal
    _forget_attempts(rt, proposal_id)
    schedule_undo_window(rt, proposal)
    attach_policy_follow_ups(rt, proposal)  # before the announcement: a crash in between leaves it owed (reaping)
    announce_once(rt, proposal)
    return "succeeded"


def attach_policy_follow_ups(rt: Runtime, proposal: Proposal) -> None:
    """What the policy follows through after a success (idempotent: the reaper calls it again for a success whose
    announcement a dead process left owed). A follow-up that cannot be made never turns a success into a failure."""
    if proposal.state is not ProposalState.SUCCEEDED:
        return
    try:
        attach_follow_ups(rt, proposal)
    except Exception:
        logger.exception("proposal %s: the policy's follow-ups could not be attached", proposal.id)


def _refuse_shadowed(rt: Runtime, proposal: Proposal, reason: str) -> str:
    """Fail closed: a proposal in shadow mode that reached the execute job sends nothing, and the audit says so. One
    that could still run (approved, or running) fails, so the thread and the card say why."""
    logger.warning("proposal %s: execute refused: %s", proposal.id, reason)
    rt.store.audit.write(
        proposal.id,
        AuditEntry(
            "execute.refused",
            "worker",
            {"reason": reason, "state": proposal.state.value, "shadow": True},
        ),
        at=rt.clock(),
    )
    if proposal.state in (ProposalState.APPROVED, ProposalState.EXECUTING):
        _finish_failed(rt, proposal.id, [], reason, alert=False)
    return "refused:shadow"


def _run_action(
    rt: Runtime, connector: Connector, action: Action, context: ExecutionContext, entry: LedgerEntry
) -> tuple[Outcome, dt.datetime | None]:
    """The action's outcome, and when it was sent if this call sent it (None when an earlier attempt had done it)."""
    if entry.status in ("sent", "failed"):
        # An earlier attempt may have taken effect: look before sending anything.
        found = connector.reconcile(action, context)
        if found is not None:
            logger.info(
                "proposal %s action %s: reconciled, it had already happened (%s)",
                context.proposal_id,
                context.action_id,
                found.key,
            )
            return found, None
        if action.reconcile_lags and entry.status == "sent" and entry.sent_at is not None:
            age = (rt.clock() - entry.sent_at).total_seconds()
            remaining = window(rt, action.system) - age
            if remaining > 0:
                # Look again soon while the index usually catches up (seconds), then less and less often.
                raise _AwaitingIndex(
                    "waiting to see whether an earlier attempt went through",
                    retry_after=max(1.0, min(remaining, max(age, 1.0), 30.0)),
                )
    sent_at = rt.ledger.mark_sent(context.action_id)
    logger.info(
        "proposal %s action %s: calling %s %s",
        context.proposal_id,
        context.action_id,
        action.system,
        action.operation,
    )
    return connector.execute(action, context), sent_at


class _AwaitingIndex(RetryableError):
    """An earlier attempt may have landed but the search that would find it lags: look again later, do not send."""


def _check_facts(rt: Runtime, action: Action) -> None:
    """The record-level facts the policy decided on (its owner, its stage, who the issue is assigned to) still hold;
    if the record changed since, the request is decided again (raised as a conflict)."""
    try:
        now = facts_now(action, rt.lookups)
    except ConnectorError:
        return  # can't read them: the connector's own checks on the fields it changes still apply
    if now is None:
        return
    changed = {k: (v, now.get(k)) for k, v in action.facts.items() if k in now and now.get(k) != v}
    if changed:
        said = ", ".join(
            f"{k.split('.', 1)[1]} was {old or 'empty'}, is {new or 'empty'}" for k, (old, new) in changed.items()
        )
        raise ConflictError(f"It changed since it was approved ({said})", current={}, facts=now)


def _changed_since_approval(
    rt: Runtime, proposal_id: str, index: int, action: Action, exc: ConflictError, done: list[ActionResult]
) -> str:
    """A record changed since the approver saw it: never overwrite. An update goes back for approval with the
    values the record has now; an undo (or a delete) is refused, because it would destroy someone's later work."""
    proposal = rt.store.get(proposal_id)
    if proposal.undo_of is not None or not isinstance(action, UpdateAction):
        message = f"{exc.user_message}. I did not overwrite it"
        return _finish_failed(rt, proposal_id, [*done, _failed(index, action, message)], message, alert=False)
    refreshed = type(action).model_validate(
        {**action.model_dump(), "before": {**action.before, **exc.current}, "facts": exc.facts or action.facts}
    )
    actions = tuple(refreshed if i == index else a for i, a in enumerate(proposal.actions))
    decision = decide_now(rt, actions, requester=proposal.requester, channel=proposal.channel)
    if decision.outcome != "approve":
        why = decision.reason if decision.outcome == "deny" else "ask again if the change is still wanted"
        message = f"{exc.user_message}. I did not overwrite it; {why}"
        return _finish_failed(rt, proposal_id, [*done, _failed(index, action, message)], message, alert=False)
    change = rt.store.update(
        proposal_id,
        lambda p: workflow.conflict(
            p, actions=actions, decision=decision, done=done, reason=exc.user_message, now=rt.clock()
        ),
    )
    waiting = notify_approvers(rt, change.proposal)
    refresh_cards(rt, proposal_id)
    schedule_deadlines(rt, waiting)
    voided = change.audit.data["voided_approvals"]
    who = " ".join(f"<@{u}>" for u in voided)
    rt.notifier.reply(
        proposal.channel,
        proposal.thread_ts,
        f"{exc.user_message}. I did not overwrite it: the card now shows the current values. "
        f"{who + ' ' if who else ''}please look again and approve if the change is still right.",
    )
    logger.info("proposal %s: back to approval after a conflict on action %d", proposal_id, index)
    return "conflict"


# Keys of a proposal's execution (this module owns them):
#   ft:job:<id>           the newest execute job queued for it (the reaper checks whether it still waits)
#   ft:execseq:<id>       numbers the execute jobs' ids
#   ft:not_before:<id>    a scheduled retry's time: an execute job arriving earlier leaves the work to it
#   ft:attempts:<id>      failed attempts that sent something (or raised): they index the retry schedule
#   ft:runs:<id>          runs started and not ended: more than the schedule allows means the runs keep dying
#   ft:since:<id>         when the first run of this approval started; "still retrying" notices count from it
#   ft:told:<id>          hash: n -> 1 once the n-th "still retrying" notice was posted
# and the lease ``execute:<id>`` (approvals.flow.ledger) while a run is on it.


def run_lease(proposal_id: str) -> str:
    """The lease a run of ``proposal_id`` holds for as long as its process lives (the reaper's test of a live run)."""
    return f"execute:{proposal_id}"


def _seconds_until_allowed(rt: Runtime, proposal_id: str) -> float:
    raw = rt.connection.get(keys.execution_not_before(proposal_id))
    return 0.0 if raw is None else float(raw) - rt.clock().timestamp()


def _failures(rt: Runtime, proposal_id: str) -> int:
    raw = rt.connection.get(keys.execution_failures(proposal_id))
    return int(raw) if raw is not None else 0


def _count_failure(rt: Runtime, proposal_id: str) -> int:
    pipe = rt.connection.pipeline(transaction=True)
    pipe.incr(keys.execution_failures(proposal_id))
    pipe.expire(keys.execution_failures(proposal_id), 7 * 86400)
    count, _ = pipe.execute()
    return int(count)


def _forget_attempts(rt: Runtime, proposal_id: str) -> None:
    """The approval ran its course (done or failed): an admin's retry starts counting and telling from zero."""
    rt.connection.delete(
        keys.execution_failures(proposal_id), keys.execution_since(proposal_id), keys.execution_told(proposal_id)
    )


def _retry_later(
    rt: Runtime, proposal: Proposal, results: list[ActionResult], why: str, *, delay: float | None, counts: bool
) -> str:
    """Try the proposal again later. An attempt that sent something and failed ``counts``: it takes the next
    delay of the schedule (a Retry-After, when the target system gave one, wins over the schedule), and the one
    after the last delay fails the proposal. A wait (for Jira's index, for another worker) spends nothing."""
    delays = rt.timing.retry_delays
    metrics.retry("attempt" if counts else "wait")
    if counts:
        failures = _count_failure(rt, proposal.id)
        if failures > len(delays):
            return _finish_failed(rt, proposal.id, results, f"I gave up after {failures} attempts: {why}", alert=True)
        wait = delay if delay is not None else delays[failures - 1]
        reason = f"attempt {failures} failed: {why}"
    else:
        wait = delay if delay is not None else delays[0]
        reason = f"waiting: {why}"
    wait = max(1.0, wait)
    queueing.enqueue_execute(rt, proposal.id, reason=reason, delay=wait)
    try:
        _say_still_running(rt, proposal, why, next_try=rt.clock() + dt.timedelta(seconds=wait))
    except Exception as exc:
        # A courtesy: the retry is queued whether or not Slack took the notice (the next one may say it).
        logger.warning("proposal %s: could not say it is still running (%s)", proposal.id, describe_error(exc))
    return f"retry-in-{wait:.0f}s"


def _say_still_running(rt: Runtime, proposal: Proposal, why: str, *, next_try: dt.datetime) -> None:
    """When the next try falls past another ``Timing.running_notice_after`` since the approval started running,
    tell the thread honestly that it is still being retried and when the next try is (once per such period)."""
    cap = rt.timing.running_notice_after
    raw = rt.connection.get(keys.execution_since(proposal.id))
    if cap <= 0 or raw is None:
        return
    n = int((next_try.timestamp() - float(raw)) // cap)
    if n < 1 or rt.connection.hexists(keys.execution_told(proposal.id), str(n)):
        return
    at = math.ceil(next_try.timestamp())
    when = f"<!date^{at}^{{time_secs}}|{dt.datetime.fromtimestamp(at, tz=dt.UTC):%H:%M:%S} UTC>"
    rt.notifier.reply(
        proposal.channel,
        proposal.thread_ts,
        f"<@{proposal.requester}> Still on it: {why}. The next try is at {when}; I'll reply here when it's done.",
        once=f"still:{proposal.id}:{n}",
    )
    pipe = rt.connection.pipeline(transaction=True)
    pipe.hset(keys.execution_told(proposal.id), str(n), "1")
    pipe.expire(keys.execution_told(proposal.id), 7 * 86400)
    pipe.execute()
    logger.info("proposal %s: told the thread it is still running (next try %s)", proposal.id, next_try.isoformat())


def _finish_failed(rt: Runtime, proposal_id: str, results: list[ActionResult], reason: str, *, alert: bool) -> str:
    """Fail the proposal with what is known of each action: ``results``, and from the ledger what was done or may
    have happened (sent, with no answer), so the thread never hears "nothing was changed" when something was."""
    results = _with_ledger_results(rt, rt.store.get(proposal_id), results)

    def decide(p: Proposal) -> Change:
        if p.state is ProposalState.APPROVED:
            p = workflow.start(p, now=rt.clock(), attempt=0).proposal
        return workflow.fail(p, results, reason, now=rt.clock())

    proposal = rt.store.update(proposal_id, decide).proposal
    logger.warning("proposal %s failed: %s", proposal_id, reason)
    for result in results:
        metrics.executed(result.system, result.status)
    _forget_attempts(rt, proposal_id)
    announce_once(rt, proposal)
    if alert:
        admins = rt.directory.members_of(rt.policy.current.document.admins)
        rt.notifier.alert_admins(proposal, reason, admins)
    return "failed"


def _with_ledger_results(rt: Runtime, proposal: Proposal, results: list[ActionResult]) -> list[ActionResult]:
    known = {r.index for r in results}
    merged = list(results)
    for index, action in enumerate(proposal.actions):
        if index in known:
            continue
        try:
            entry = rt.ledger.get(action_id(proposal.id, index, proposal.fingerprint))
        except KeyError:
            continue
        if entry.status == "done":
            merged.append(_result_from_ledger(index, action, entry))
        elif entry.status == "sent":
            merged.append(ActionResult(index=index, status="unknown", system=action.system, summary=""))
    return sorted(merged, key=lambda r: r.index)


def _audit_done(
    rt: Runtime, proposal_id: str, action: Action, aid: str, result: dict[str, Any], *, recorded_late: bool = False
) -> None:
    data = {
        "system": action.system,
        "operation": action.operation,
        "action_id": aid,
        "executed": action.model_dump(mode="json"),
        "key": result.get("key"),
        "url": result.get("url"),
        "changes": result.get("changes") or {},
    }
    if recorded_late:
        data["recorded_late"] = True  # by the run after the one that did it (that one died before the audit)
    rt.store.audit.write(proposal_id, AuditEntry("action.done", "worker", data), at=rt.clock())


def _audit_done_once(rt: Runtime, proposal_id: str, action: Action, aid: str, result: dict[str, Any]) -> None:
    """The audit says what was done even when the run that did it died between the ledger and the audit."""
    audited = any(
        r.event == "action.done" and r.data.get("action_id") == aid for r in rt.store.audit.for_proposal(proposal_id)
    )
    if not audited:
        logger.warning("proposal %s action %s: done, but never audited; auditing it now", proposal_id, aid)
        _audit_done(rt, proposal_id, action, aid, result, recorded_late=True)


def _result_from_ledger(index: int, action: Action, entry: LedgerEntry) -> ActionResult:
    data = entry.result or {}
    return ActionResult(
        index=index,
        status="done",
        system=action.system,
        summary=data.get("summary", ""),
        key=data.get("key"),
        url=data.get("url"),
        changes=data.get("changes") or {},
    )


def _failed(index: int, action: Action, message: str) -> ActionResult:
    return ActionResult(index=index, status="failed", system=action.system, summary=message, error=message)


def _audit(rt: Runtime, proposal_id: str, event: str, action: Action, aid: str, exc: ConnectorError) -> None:
    logger.warning("proposal %s action %s: %s: %s", proposal_id, aid, event, exc)
    rt.store.audit.write(
        proposal_id,
        AuditEntry(
            event,
            "worker",
            {
                "system": action.system,
                "operation": action.operation,
                "action_id": aid,
                "error": exc.user_message,
                "detail": exc.detail,
                "retry_after": exc.retry_after,
            },
        ),
        at=rt.clock(),
    )


# ---------------------------------------------------------------------------------------------------------------
