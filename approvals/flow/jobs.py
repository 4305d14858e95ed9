"""RQ entry points: intake (request -> proposal), execute (approved proposal -> target systems), reap.

Every job is safe to run twice. ``intake`` derives the proposal id from the message, so a second run finds the
proposal the first one stored and only finishes what is missing (posting the card). ``execute`` follows the ledger
(approvals.flow.ledger): an action already done is not sent again, an action that may have happened is reconciled
before anything is sent, and a lease keeps two workers off the same action. Retries are ours, not RQ's, so a
Retry-After can be honoured exactly and a non-idempotent call is never blindly repeated. ``reap`` finds work a
crash left behind (a request never taken in, an approval never executed, a result never announced) and queues it
again.

Rights are checked again here, inside the job, against the current policy: an approval is not an authorisation.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from approvals.core import workflow
from approvals.core.actions import Action, UpdateAction
from approvals.core.grounding import facts_now
from approvals.core.intents import Understanding
from approvals.core.policy import PolicyDecision
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
    ThreadMessage,
)
from approvals.core.proposal import (
    ActionResult,
    Proposal,
    build_proposal,
    derived_proposal_id,
    is_direct_message,
)
from approvals.core.states import Event, ProposalState
from approvals.core.workflow import AuditEntry, Change, Refused
from approvals.flow import metrics
from approvals.flow.attempts import after_failure, announce_parked, describe_error, park
from approvals.flow.deadlines import expire_proposal, schedule_deadlines, sweep_policy
from approvals.flow.drafting import Answer, Asking, propose, shortcut_question
from approvals.flow.followthrough import attach_follow_ups
from approvals.flow.inbox import InboundRequest
from approvals.flow.ledger import LeaseHeld, LedgerEntry, action_id
from approvals.flow.parking import ParkedWork
from approvals.flow.policy_checks import decide_now, recheck_rights
from approvals.flow.questions import (
    answered_but_stuck,
    asking_change,
    enqueue_continue,
    record_answer,
    waiting_for_answer,
)
from approvals.flow.runtime import Runtime, current, job_waiting
from approvals.flow.shadow import note_if_asking_in_shadow, plan_for_proposal, shadow_scope
from approvals.flow.shadow import show as show_shadow
from approvals.flow.showing import (
    announce_once,
    approvers_to_ask,
    attach_cards,
    has_thread_card,
    notify_approvers,
    refresh_cards,
    schedule_undo_window,
)
from approvals.flow.store import ProposalExists
from approvals.flow.undoing import requeue_stuck_undos

logger = logging.getLogger(__name__)


def proposal_id_for(request: InboundRequest) -> str:
    """The proposal a message becomes: derived from the message so a re-run of intake finds it."""
    return derived_proposal_id(f"{request.channel}|{request.ts}")


# ---------------------------------------------------------------------------------------------------------------
# Intake


def intake(request_key: str) -> str:
    """Turn the recorded request ``request_key`` into a proposal (or a question) and show it in Slack.

    At most ``Timing.max_attempts`` attempts: an attempt that raises is tried again after the retry delay, and the
    last one parks the request (approvals.flow.parking) with an honest reply in the thread and a word to the admins.
    """
    rt = current()
    request = rt.inbox.get(request_key)
    if request is None:
        # Its record expired: there is nothing left to take in, so stop the reaper from queueing it again.
        rt.inbox.set_aside(request_key)
        logger.warning("intake %s: no such request in the inbox (expired?); set aside", request_key)
        return "missing"
    done = rt.inbox.outcome(request_key)
    if done is not None:
        return f"already:{done}"
    proposal_id = proposal_id_for(request)
    if rt.parking.is_parked(proposal_id):
        return "parked"
    try:
        with rt.ledger.lease(f"intake:{request_key}", seconds=rt.timing.lease_seconds):
            attempt = rt.parking.attempt("intake", request_key)
            if attempt > rt.timing.max_attempts:
                # Earlier attempts died without a word (a killed or timed-out job): counted, so this ends too.
                logger.error(
                    "request %s (proposal %s): intake stopped %d times without finishing; parked for an admin",
                    request_key,
                    proposal_id,
                    attempt - 1,
                )
                return park_intake(rt, request, f"the intake stopped {attempt - 1} times without finishing")
            try:
                outcome = _intake(rt, request, request_key)
                metrics.request("proposed" if outcome.startswith("ft-") else outcome.split(":", 1)[0])
                return outcome
            except Exception as exc:
                metrics.request("raised")
                return _intake_failed(rt, request, attempt, exc)
    except LeaseHeld:
        logger.info("request %s: another intake is already working on it", request_key)
        return "busy"


def _intake_failed(rt: Runtime, request: InboundRequest, attempt: int, exc: Exception) -> str:
    """Called while ``exc`` is being handled: try again later, or park the request after the last attempt."""
    return after_failure(
        rt,
        what=f"intake of request {request.key}",
        proposal_id=proposal_id_for(request),
        attempt=attempt,
        exc=exc,
        again=lambda delay: enqueue_intake(rt, request.key, reason=f"retry after attempt {attempt}", delay=delay),
        give_up=lambda reason: park_intake(rt, request, reason),
    )


def park_intake(rt: Runtime, request: InboundRequest, reason: str) -> str:
    """Stop taking ``request`` in: park it, set it aside in the inbox, and tell the thread and the admins."""
    rt.inbox.set_aside(request.key)
    return park(
        rt,
        ParkedWork(
            proposal_id=proposal_id_for(request),
            kind="intake",
            subject=request.key,
            reason=reason,
            at=rt.clock(),
            channel=request.channel,
            thread_ts=request.thread_ts,
            requester=request.user,
            job_args=(request.key,),
        ),
    )


def _intake(rt: Runtime, request: InboundRequest, request_key: str) -> str:
    proposal_id = proposal_id_for(request)
    proposal = rt.store.find(proposal_id)
    fresh = False
    if proposal is None:
        answered = _take_answer(rt, request)
        if answered is not None:
            rt.inbox.complete(request_key, answered)
            return answered
        if request.source == "thread_reply":
            # Someone talking in a thread the bot asked a question in, but not its requester: not for us.
            rt.inbox.complete(request_key, "not-an-answer")
            return "not-an-answer"
        outcome = _understand_and_propose(rt, request, proposal_id)
        if isinstance(outcome, str):
            rt.inbox.complete(request_key, outcome)
            return outcome
        proposal, fresh = outcome
    proposal = advance_new_proposal(rt, proposal, fresh=fresh)
    rt.inbox.complete(request_key, proposal.id)
    return proposal.id


def _take_answer(rt: Runtime, request: InboundRequest) -> str | None:
    """When the sender's request in this thread waits for their answer, this message is the answer."""
    if request.thread_ts == request.ts and not request.channel.startswith("D"):
        return None
    waiting = waiting_for_answer(rt, channel=request.channel, thread_ts=request.thread_ts, user_id=request.user)
    if waiting is None or waiting.question is None:
        return None
    if request.source == "mention" and waiting.question.field is None and waiting.question.answer is None:
        # The bot asked "what would you like me to do?" and the requester mentions it again: a new request, which
        # replaces the one it could not read (a question about one field is still answered by a mention).
        _replace(rt, waiting)
        return None
    if waiting.question.answer is not None:
        enqueue_continue(rt, waiting.id, reason="an answer is already recorded")
        return f"answer:{waiting.id}"
    try:
        record_answer(
            rt,
            waiting.id,
            request.user,
            token=waiting.question.token,
            text=request.text,
            picked=False,
            mentions_bot=request.source == "mention",
        )
    except Refused as refusal:
        logger.info("proposal %s: answer in %s not taken: %s", waiting.id, request.key, refusal.user_message)
        return None
    logger.info("proposal %s: message %s taken as the answer to its question", waiting.id, request.key)
    return f"answer:{waiting.id}"


def _replace(rt: Runtime, waiting: Proposal) -> None:
    try:
        rt.store.update(
            waiting.id, lambda p: workflow.drop(p, "a newer request replaced it; nothing was changed", now=rt.clock())
        )
    except Refused:
        return  # answered or ended meanwhile
    announce_once(rt, waiting.id)
    logger.info("proposal %s: replaced by a newer request of its requester", waiting.id)


def _understand_and_propose(rt: Runtime, request: InboundRequest, proposal_id: str) -> tuple[Proposal, bool] | str:
    """The proposal this request becomes and whether this run created it; or why there is none."""
    with ThreadPoolExecutor(max_workers=1) as background:
        # Show the requester we are on it (a reaction) while reading the thread, off the card's critical path.
        acknowledged = background.submit(rt.notifier.acknowledge, request.channel, request.ts)
        requester = rt.directory.person(request.user)
        thread = rt.threads.read_thread(request.channel, request.thread_ts) if requester is not None else ()
        acknowledged.result()
    if requester is None:
        rt.notifier.reply(
            request.channel,
            request.thread_ts,
            f"<@{request.user}> I can't look you up in this workspace, so I can't act for you.",
            once=f"unknown:{request.key}",
        )
        return "unknown-requester"
    permalink = rt.threads.permalink(request.channel, request.ts)
    outcome = propose(
        rt,
        requester=requester,
        channel=request.channel,
        thread_ts=request.thread_ts,
        text=request.text,
        thread=thread,
        request_ts=request.ts,
        permalink=permalink,
    )
    _count_usage(rt, outcome.understanding)
    if request.source == "shortcut" and (
        (isinstance(outcome, Answer) and outcome.kind == "nothing-to-do")
        or (isinstance(outcome, Asking) and not outcome.requests)
    ):
        # The message shortcut is an explicit "act on this message": offer what it can become, not "I can't tell".
        offer = shortcut_question(rt, request.text)
        if offer is not None:
            outcome = Asking(outcome.understanding or Understanding(), (), offer, 0)
    if isinstance(outcome, Answer):
        logger.info("request %s: no proposal (%s)", request.key, outcome.kind)
        # Said once even if this job runs again (a crash before the request is recorded as answered).
        rt.notifier.reply(
            request.channel, request.thread_ts, f"<@{request.user}> {outcome.text}", once=f"answer:{request.key}"
        )
        return outcome.kind
    now = rt.clock()
    asking = isinstance(outcome, Asking)
    logger.info(
        "request %s understood by %s: %d request(s), %s",
        request.key,
        outcome.understanding.extractor,
        len(outcome.requests),
        f"asking about {outcome.question.field or 'the request'}" if asking else f"{len(outcome.actions)} action(s)",
    )
    proposal = build_proposal(
        proposal_id=proposal_id,
        requester=request.user,
        channel=request.channel,
        thread_ts=request.thread_ts,
        request_ts=request.ts,
        request_text=request.text,
        actions=() if asking else outcome.actions,
        decision=None if asking else outcome.decision,
        now=now,
        permalink=permalink,
        requests=outcome.requests,
        understood=outcome.understanding.understood,
    )
    entries = [
        _created_entry(request, thread, outcome.understanding, proposal.actions, proposal, proposal.decision),
    ]
    if isinstance(outcome, Asking):
        asked = asking_change(proposal, outcome, now=now, wait=dt.timedelta(seconds=rt.timing.question_ttl))
        proposal = asked.proposal
        entries.append(asked.audit)
    try:
        rt.store.create(proposal, entries[0])
    except ProposalExists:
        return rt.store.get(proposal.id), False
    for entry in entries[1:]:
        rt.store.audit.write(proposal.id, entry, at=now)
    return proposal, True


def _count_usage(rt: Runtime, understanding: Understanding | None) -> None:
    """Sum the model's token usage into a metric (per proposal it is in the audit's first line)."""
    if understanding is None or not understanding.usage:
        return
    with rt.connection.pipeline(transaction=False) as pipe:
        for name, value in understanding.usage.items():
            pipe.hincrby(USAGE_METRIC, name, int(value))
        pipe.hincrby(USAGE_METRIC, "requests", 1)
        pipe.execute()


USAGE_METRIC = "ft:metrics:llm_usage"
"""Redis hash: tokens used by the model extractor, summed over every request (``/followthrough stats``)."""


def _created_entry(
    request: InboundRequest,
    thread: Sequence[ThreadMessage],
    understanding: Understanding,
    actions: Sequence[Action],
    proposal: Proposal,
    decision: PolicyDecision | dict[str, Any] | None,
) -> AuditEntry:
    """The first audit line: who asked, what was read, what the extractor understood and proposed, which policy."""
    return AuditEntry(
        "proposal.created",
        request.user,
        {
            "requester": request.user,
            "request_text": request.text,
            "channel": request.channel,
            "thread_ts": request.thread_ts,
            "event_id": request.event_id,
            "read": [{"user": m.user, "ts": m.ts, "text": m.text} for m in thread],
            "extractor": understanding.extractor,
            "usage": understanding.usage,
            "understood": [r.model_dump(mode="json") for r in understanding.requests],
            "proposed": [a.model_dump(mode="json") for a in actions],
            "fingerprint": proposal.fingerprint,
            "policy": decision.to_dict() if isinstance(decision, PolicyDecision) else decision,
        },
    )


def advance_new_proposal(rt: Runtime, proposal: Proposal, *, fresh: bool) -> Proposal:
    """Finish what intake owes a proposal: submit it, post its cards, start it if the policy says auto. In shadow
    mode (approvals/flow/shadow.py) it ends shadowed instead, with its card in the thread only: nothing is queued."""
    if proposal.state is ProposalState.NEEDS_INFO:
        note_if_asking_in_shadow(rt, proposal)
        announce_once(rt, proposal, fresh=fresh)  # the question card (owed since the proposal was stored)
        schedule_deadlines(rt, proposal)
        return rt.store.get(proposal.id)
    auto_approved = False
    if proposal.state is ProposalState.DRAFTED:
        plan = plan_for_proposal(rt, proposal)
        if plan is not None:
            proposal = rt.store.update(
                proposal.id,
                lambda p: workflow.shadow(p, scope=plan.scope, would_ask=plan.would_ask, now=rt.clock()),
            ).proposal
        else:
            change = rt.store.update(proposal.id, lambda p: workflow.submit(p, now=rt.clock()))
            proposal, auto_approved = change.proposal, change.event is Event.AUTO_APPROVE
    if proposal.state is ProposalState.SHADOWED:
        return show_shadow(rt, proposal, fresh=fresh)
    if proposal.state is ProposalState.DENIED:
        if not has_thread_card(proposal):
            announce_once(rt, proposal)
            proposal = attach_cards(rt, proposal, ())
        return proposal
    if not has_thread_card(proposal):
        cards = rt.notifier.publish(proposal, approvers_to_ask(rt, proposal), fresh=fresh)
        shown = proposal
        proposal = attach_cards(rt, proposal, cards)
        if (proposal.state, proposal.approvals) != (shown.state, shown.approvals):
            # Someone decided between the post and the recording of where the cards are: show it now.
            refresh_cards(rt, proposal.id)
    if auto_approved:
        # Only the intake that made the transition queues the job; an approval clicked meanwhile queued its own.
        enqueue_execute(rt, proposal.id, reason="auto-approved")
    schedule_deadlines(rt, proposal)
    return proposal


def enqueue_execute(rt: Runtime, proposal_id: str, *, reason: str, delay: float | None = None) -> str:
    """Queue (or schedule) an execute job with a fresh, recorded id; returns the job id."""
    sequence = rt.connection.incr(f"ft:execseq:{proposal_id}")
    job_id = f"exec-{proposal_id}-{sequence}"
    queue = rt.actions_queue
    if delay:
        # RQ keeps scheduled times in whole seconds, truncated: round up, or a Retry-After could be cut short.
        not_before = dt.datetime.fromtimestamp(math.ceil(rt.clock().timestamp() + delay), tz=dt.UTC)
        rt.connection.set(_not_before_key(proposal_id), not_before.timestamp(), ex=86400)
        queue.enqueue_at(not_before, execute, proposal_id, job_id=job_id, result_ttl=86400)
    else:
        queue.enqueue(execute, proposal_id, job_id=job_id, result_ttl=86400)
    rt.connection.set(f"ft:job:{proposal_id}", job_id, ex=7 * 86400)
    logger.info(
        "proposal %s: execute job %s queued (%s%s)",
        proposal_id,
        job_id,
        reason,
        f", in {delay:.0f} s" if delay else "",
    )
    return job_id


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
        with rt.ledger.lease(_run_lease(proposal_id), seconds=rt.timing.lease_seconds):
            runs = int(rt.connection.incr(_runs_key(proposal_id)))
            try:
                return _run(rt, proposal_id, runs)
            finally:
                # Reached by every run that ends, however it ends; a run that dies leaves its count standing.
                rt.connection.delete(_runs_key(proposal_id))
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
    rt.connection.set(_since_key(proposal_id), rt.clock().timestamp(), nx=True, ex=7 * 86400)
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
            results.append(_result_from_ledger(index, action, entry))
            continue
        connector = rt.connectors.get(action.system)
        if connector is None:
            message = f"{action.system.title()} is not connected to Followthrough here; an admin has to configure it."
            rt.ledger.mark_failed(aid, message)
            return _finish_failed(rt, proposal_id, [*results, _failed(index, action, message)], message, alert=True)
        try:
            with rt.ledger.lease(aid, seconds=rt.timing.lease_seconds):
                if proposal.undo_of is None and entry.status == "pending":
                    _check_facts(rt, action)
                outcome = _run_action(rt, connector, action, context, entry)
        except LeaseHeld:
            logger.warning("proposal %s action %s: lease held by another worker, retrying later", proposal_id, aid)
            # A wait, not a failed attempt: look again once that worker's lease is renewed or lapses.
            wait = max(1.0, rt.ledger.lease_expires_in(aid))
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
        rt.ledger.mark_done(
            aid,
            {"summary": outcome.summary, "key": outcome.key, "url": outcome.url, "changes": outcome.changes},
        )
        rt.store.audit.write(
            proposal_id,
            AuditEntry(
                "action.done",
                "worker",
                {
                    "system": action.system,
                    "operation": action.operation,
                    "action_id": aid,
                    "executed": action.model_dump(mode="json"),
                    "key": outcome.key,
                    "url": outcome.url,
                    "changes": outcome.changes,
                },
            ),
            at=rt.clock(),
        )
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
    announce_once(rt, proposal)
    try:
        attach_follow_ups(rt, proposal)  # what the policy follows through after this change (idempotent)
    except Exception:  # a follow-up that could not be made never turns a success into a failure
        logger.exception("proposal %s: the policy's follow-ups could not be attached", proposal_id)
    return "succeeded"


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
) -> Outcome:
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
            return found
        if action.reconcile_lags and entry.status == "sent" and entry.sent_at is not None:
            age = (rt.clock() - entry.sent_at).total_seconds()
            remaining = rt.timing.index_lag_window - age
            if remaining > 0:
                # Look again soon while the index usually catches up (seconds), then less and less often.
                raise _AwaitingIndex(
                    "waiting to see whether an earlier attempt went through",
                    retry_after=max(1.0, min(remaining, max(age, 1.0), 30.0)),
                )
    rt.ledger.mark_sent(context.action_id)
    logger.info(
        "proposal %s action %s: calling %s %s",
        context.proposal_id,
        context.action_id,
        action.system,
        action.operation,
    )
    return connector.execute(action, context)


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


def _not_before_key(proposal_id: str) -> str:
    return f"ft:not_before:{proposal_id}"


def _attempts_key(proposal_id: str) -> str:
    return f"ft:attempts:{proposal_id}"


def _runs_key(proposal_id: str) -> str:
    return f"ft:runs:{proposal_id}"


def _since_key(proposal_id: str) -> str:
    return f"ft:since:{proposal_id}"


def _told_key(proposal_id: str) -> str:
    return f"ft:told:{proposal_id}"


def _run_lease(proposal_id: str) -> str:
    return f"execute:{proposal_id}"


def _seconds_until_allowed(rt: Runtime, proposal_id: str) -> float:
    raw = rt.connection.get(_not_before_key(proposal_id))
    return 0.0 if raw is None else float(raw) - rt.clock().timestamp()


def _failures(rt: Runtime, proposal_id: str) -> int:
    raw = rt.connection.get(_attempts_key(proposal_id))
    return int(raw) if raw is not None else 0


def _count_failure(rt: Runtime, proposal_id: str) -> int:
    pipe = rt.connection.pipeline(transaction=True)
    pipe.incr(_attempts_key(proposal_id))
    pipe.expire(_attempts_key(proposal_id), 7 * 86400)
    count, _ = pipe.execute()
    return int(count)


def _forget_attempts(rt: Runtime, proposal_id: str) -> None:
    """The approval ran its course (done or failed): an admin's retry starts counting and telling from zero."""
    rt.connection.delete(_attempts_key(proposal_id), _since_key(proposal_id), _told_key(proposal_id))


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
    enqueue_execute(rt, proposal.id, reason=reason, delay=wait)
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
    raw = rt.connection.get(_since_key(proposal.id))
    if cap <= 0 or raw is None:
        return
    n = int((next_try.timestamp() - float(raw)) // cap)
    if n < 1 or rt.connection.hexists(_told_key(proposal.id), str(n)):
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
    pipe.hset(_told_key(proposal.id), str(n), "1")
    pipe.expire(_told_key(proposal.id), 7 * 86400)
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
# Reaper


def enqueue_intake(rt: Runtime, request_key: str, *, reason: str, delay: float | None = None) -> str:
    sequence = rt.connection.incr(f"ft:intakeseq:{request_key}")
    job_id = f"intake-{request_key}-{sequence}"
    if delay:
        rt.intake_queue.enqueue_in(dt.timedelta(seconds=delay), intake, request_key, job_id=job_id, result_ttl=3600)
    else:
        rt.intake_queue.enqueue(intake, request_key, job_id=job_id, result_ttl=3600)
    rt.connection.set(f"ft:intakejob:{request_key}", job_id, ex=86400)
    logger.info("request %s: intake job %s queued (%s)", request_key, job_id, reason)
    return job_id


OWED_GIVE_UP_AFTER = 86400.0
"""An announcement Slack keeps refusing (the channel is gone) is dropped, with an error in the log, after a day."""


def announce_owed(rt: Runtime) -> int:
    """Announce what a process that died (or failed to reach Slack) left owed; returns how many were announced."""
    announced = 0
    for owed in rt.store.owed_older_than(rt.timing.announce_grace):
        age = (rt.clock() - owed.at).total_seconds()
        try:
            announced += announce_once(rt, owed.proposal_id)
        except Exception as exc:
            if age > OWED_GIVE_UP_AFTER:
                rt.store.settle(owed)
                logger.exception("proposal %s: never announced (%s); giving up", owed.proposal_id, owed.state.value)
            else:
                logger.warning(
                    "proposal %s: announcing %s failed (%s); the reaper tries again",
                    owed.proposal_id,
                    owed.state.value,
                    describe_error(exc),
                )
    return announced


def reap_once(rt: Runtime) -> dict[str, int]:
    """Queue again whatever a crash left behind, say what it left unsaid, expire overdue requests, apply a changed
    policy to waiting ones; safe to run any number of times. A duty that fails (Slack or Redis unavailable) is
    logged and tried again at the next pass; the others still run.

    Workers run it from their maintenance pass (approvals/flow/worker.py), and ``rescue_once`` more often.
    """
    return _run_duties(
        rt,
        (
            *RESCUE_DUTIES,
            ("expired", _expire_overdue),
            ("answers", _requeue_answers),
            ("undos", lambda rt: requeue_stuck_undos(rt, older_than=rt.timing.stale_intake_after)),
            ("parked", _announce_parked_work),
            ("reevaluated", sweep_policy),
        ),
    )


def rescue_once(rt: Runtime) -> dict[str, int]:
    """The reaper's quick duties, cheap enough to run every few seconds: a request or a run whose process died
    (its lease lapsed) is queued again, and an announcement a dead process left owed is made."""
    return _run_duties(rt, RESCUE_DUTIES)


def _run_duties(rt: Runtime, duties: Sequence[tuple[str, Callable[[Runtime], int]]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name, duty in duties:
        try:
            counts[name] = duty(rt)
        except Exception as exc:
            counts[name] = 0
            logger.warning("reaper: %s failed (%s); the next pass tries again", name, describe_error(exc))
    return counts


def _requeue_intakes(rt: Runtime) -> int:
    count = 0
    # A request no job waits for and no intake holds (its lease lapses within lease_seconds of its process dying)
    # is taken in again; younger ones may still be between their record and their job.
    for key in rt.inbox.pending_older_than(min(rt.timing.stale_intake_after, rt.timing.lease_seconds)):
        job = rt.connection.get(f"ft:intakejob:{key}")
        if (job is None or not job_waiting(rt, job.decode())) and not rt.ledger.lease_held(f"intake:{key}"):
            enqueue_intake(rt, key, reason="reaper: request still unanswered")
            count += 1
    return count


def _requeue_executions(rt: Runtime) -> int:
    count = 0
    cutoff = rt.clock() - dt.timedelta(seconds=rt.timing.stale_execution_after)
    for proposal in rt.store.in_states((ProposalState.APPROVED, ProposalState.EXECUTING)):
        if proposal.updated_at > cutoff:
            continue
        job = rt.connection.get(f"ft:job:{proposal.id}")
        if job is not None and job_waiting(rt, job.decode()):
            continue
        # A run holds its lease for as long as its process lives: none held means no run is alive.
        if rt.ledger.lease_held(_run_lease(proposal.id)) or any(
            rt.ledger.lease_held(action_id(proposal.id, i, proposal.fingerprint)) for i in range(len(proposal.actions))
        ):
            continue
        enqueue_execute(rt, proposal.id, reason="reaper: approved but not running")
        count += 1
    return count


RESCUE_DUTIES: tuple[tuple[str, Callable[[Runtime], int]], ...] = (
    ("intake", _requeue_intakes),
    ("execute", _requeue_executions),
    ("announced", announce_owed),
)


def _expire_overdue(rt: Runtime) -> int:
    count = 0
    now = rt.clock()
    for proposal in rt.store.in_states((ProposalState.AWAITING_APPROVAL, ProposalState.NEEDS_INFO)):
        if proposal.expires_at is not None and proposal.expires_at <= now:
            try:
                count += expire_proposal(rt, proposal.id)
            except Exception as exc:
                # Expired and recorded even when saying so failed: the owed announcement is the next pass's.
                logger.warning("proposal %s: expiry not finished (%s)", proposal.id, describe_error(exc))
    return count


def _requeue_answers(rt: Runtime) -> int:
    count = 0
    for proposal_id in answered_but_stuck(rt, rt.store.in_states((ProposalState.NEEDS_INFO,))):
        if rt.parking.is_parked(proposal_id):
            continue
        job = rt.connection.get(f"ft:answerjob:{proposal_id}")
        if job is None or not job_waiting(rt, job.decode()):
            enqueue_continue(rt, proposal_id, reason="reaper: an answer was recorded but not acted on")
            count += 1
    return count


def _announce_parked_work(rt: Runtime) -> int:
    count = 0
    stale = rt.clock() - dt.timedelta(seconds=rt.timing.stale_intake_after)
    for work in rt.parking.all():
        if not work.announced and work.at <= stale:
            # Parked, but the process died before the thread (or the admins) heard about it.
            announce_parked(rt, work.proposal_id)
            count += 1
    return count
