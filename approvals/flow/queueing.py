"""Every job the product queues or schedules: its job id, queue, time-to-live and entry point, in one place.

Jobs are named by dotted path, not by function object, so this module imports none of the modules whose jobs it
queues (intake, execution, questions, undoing, deadlines, followthrough, showing) and every one of them can queue
any other without an import cycle. A path here is a public contract with the jobs already in Redis: a renamed
entry point keeps its old path in ``RENAMED`` (approvals.flow.worker translates it before running the job).

Job ids: a request's or proposal's jobs get a fresh id each time (``<kind>-<subject>-<n>``, the counter in Redis),
and the id of the last one is recorded, so the reaper can ask RQ whether it still waits (``waits``). Scheduled jobs
(deadlines, follow-up steps, the sweep, the end of an undo window) have one fixed id per subject and step, so
scheduling one again replaces it instead of doubling it. RQ keeps scheduled times in whole seconds, truncated:
every time is rounded up here, so nothing fires early and a Retry-After is never cut short.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from typing import Any

from approvals.flow import keys
from approvals.flow.runtime import Runtime, job_waiting

logger = logging.getLogger(__name__)

INTAKE = "approvals.flow.intake.intake"
CONTINUE_AFTER_ANSWER = "approvals.flow.questions.continue_after_answer"
EXECUTE = "approvals.flow.execution.execute"
PROPOSE_UNDO = "approvals.flow.undoing.propose_undo"
EXPIRE = "approvals.flow.deadlines.expire"
REMIND = "approvals.flow.deadlines.remind"
ESCALATE = "approvals.flow.deadlines.escalate"
FOLLOW_UP_STEP = "approvals.flow.followthrough.check"
FOLLOW_UP_SWEEP = "approvals.flow.followthrough.sweep"
CLOSE_UNDO_WINDOW = "approvals.flow.showing.close_undo_window"
SEARCH_PROBE = "approvals.flow.search_lag.probe"

ENTRY_POINTS = (
    INTAKE,
    CONTINUE_AFTER_ANSWER,
    EXECUTE,
    PROPOSE_UNDO,
    EXPIRE,
    REMIND,
    ESCALATE,
    FOLLOW_UP_STEP,
    FOLLOW_UP_SWEEP,
    CLOSE_UNDO_WINDOW,
    SEARCH_PROBE,
)

RENAMED = {
    "approvals.jobs.intake": INTAKE,
    "approvals.jobs.execute": EXECUTE,
    "approvals.clarifying.continue_after_answer": CONTINUE_AFTER_ANSWER,
    "approvals.reversing.propose_undo": PROPOSE_UNDO,
    "approvals.deadlines.expire": EXPIRE,
    "approvals.deadlines.remind": REMIND,
    "approvals.deadlines.escalate": ESCALATE,
    "approvals.followthrough.check": FOLLOW_UP_STEP,
    "approvals.followthrough.sweep": FOLLOW_UP_SWEEP,
    "approvals.display.close_undo_window": CLOSE_UNDO_WINDOW,
    "approvals.flow.jobs.intake": INTAKE,
    "approvals.flow.jobs.execute": EXECUTE,
}
"""Entry points of jobs queued by an earlier version, by their old dotted path: a job in Redis outlives a deploy."""

_SEQUENCE_TTL = 30 * 86400


def _round_up(moment: dt.datetime) -> dt.datetime:
    return dt.datetime.fromtimestamp(math.ceil(moment.timestamp()), tz=dt.UTC)


def _fresh_job_id(rt: Runtime, kind: str, subject: str) -> str:
    key = keys.job_sequence(kind, subject)
    with rt.connection.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, _SEQUENCE_TTL)
        sequence, _ = pipe.execute()
    prefix = "exec" if kind == "execute" else kind
    return f"{prefix}-{subject}-{sequence}"


def waits(rt: Runtime, kind: str, subject: str) -> bool:
    """Whether the last job queued of ``kind`` for ``subject`` is still waiting in its queue or its schedule."""
    job_id = rt.connection.get(keys.latest_job(kind, subject))
    return job_id is not None and job_waiting(rt, job_id.decode())


def _on_intake_queue(rt: Runtime, kind: str, subject: str, entry_point: str, *args: str, delay: float | None) -> str:
    """A fresh job of ``kind`` for ``subject`` on the intake queue, now or after ``delay`` seconds, recorded as the
    latest of its kind (``waits``); returns its id."""
    job_id = _fresh_job_id(rt, kind, subject)
    if delay:
        rt.intake_queue.enqueue_in(dt.timedelta(seconds=delay), entry_point, *args, job_id=job_id, result_ttl=3600)
    else:
        rt.intake_queue.enqueue(entry_point, *args, job_id=job_id, result_ttl=3600)
    rt.connection.set(keys.latest_job(kind, subject), job_id, ex=86400)
    return job_id


def enqueue_intake(rt: Runtime, request_key: str, *, reason: str, delay: float | None = None) -> str:
    """Take the recorded request ``request_key`` in (approvals.flow.intake); returns the job id."""
    job_id = _on_intake_queue(rt, "intake", request_key, INTAKE, request_key, delay=delay)
    logger.info("request %s: intake job %s queued (%s)", request_key, job_id, reason)
    return job_id


def enqueue_continue(rt: Runtime, proposal_id: str, *, reason: str, delay: float | None = None) -> str:
    """Go on with a proposal whose question was answered (approvals.flow.questions); returns the job id."""
    job_id = _on_intake_queue(rt, "answer", proposal_id, CONTINUE_AFTER_ANSWER, proposal_id, delay=delay)
    logger.info("proposal %s: answer job %s queued (%s)", proposal_id, job_id, reason)
    return job_id


def enqueue_execute(rt: Runtime, proposal_id: str, *, reason: str, delay: float | None = None) -> str:
    """Run an approved proposal (approvals.flow.execution), now or after ``delay`` seconds; returns the job id.

    A delayed run also records its earliest moment, which a run started sooner (an admin's retry) waits for."""
    job_id = _fresh_job_id(rt, "execute", proposal_id)
    queue = rt.actions_queue
    if delay:
        not_before = _round_up(rt.clock() + dt.timedelta(seconds=delay))
        rt.connection.set(keys.execution_not_before(proposal_id), not_before.timestamp(), ex=86400)
        queue.enqueue_at(not_before, EXECUTE, proposal_id, job_id=job_id, result_ttl=86400)
    else:
        queue.enqueue(EXECUTE, proposal_id, job_id=job_id, result_ttl=86400)
    rt.connection.set(keys.latest_job("execute", proposal_id), job_id, ex=7 * 86400)
    logger.info(
        "proposal %s: execute job %s queued (%s%s)", proposal_id, job_id, reason, f", in {delay:.0f} s" if delay else ""
    )
    return job_id


def enqueue_undo(rt: Runtime, original_id: str, undo_id: str, user_id: str, *, delay: float | None = None) -> str:
    """Propose the undo ``undo_id`` of ``original_id`` that ``user_id`` asked for (approvals.flow.undoing)."""
    return _on_intake_queue(rt, "undo", undo_id, PROPOSE_UNDO, original_id, undo_id, user_id, delay=delay)


def schedule(
    rt: Runtime,
    when: dt.datetime,
    entry_point: str,
    *args: Any,
    job_id: str,
    result_ttl: int = 3600,
    failure_ttl: int = 86400,
) -> str:
    """Schedule ``entry_point(*args)`` at ``when`` (never in the past) under the fixed ``job_id``, on the actions
    queue: a second call with the same id replaces the first."""
    at = _round_up(max(when, rt.clock()))
    rt.actions_queue.enqueue_at(at, entry_point, *args, job_id=job_id, result_ttl=result_ttl, failure_ttl=failure_ttl)
    return job_id


def enqueue_search_probe(rt: Runtime, system: str, aid: str, *, delay: float) -> str:
    """Look, ``delay`` seconds from now, whether ``system``'s search finds what action ``aid`` made
    (approvals.flow.search_lag); one job id per action, so looking again replaces the last look."""
    when = rt.clock() + dt.timedelta(seconds=delay)
    return schedule(rt, when, SEARCH_PROBE, system, aid, job_id=f"searchprobe-{aid}", result_ttl=600, failure_ttl=3600)
