"""Work that raises is tried a bounded number of times, then parked and announced: the shared steps of every job.

A job counts its attempt (``approvals.flow.parking``) before it starts, so even a process that dies mid-job uses one up.
An attempt that raises is logged on one line (WARNING, without a traceback) and queued again after the retry delay;
the last one logs the traceback once (ERROR, with the proposal id), parks the work, and ``announce_parked`` tells the
thread, once, in plain words that nothing was changed, and the admins what failed and how to take it up again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from approvals.core.proposal import place
from approvals.core.workflow import AuditEntry
from approvals.flow.parking import ParkedWork
from approvals.flow.runtime import Runtime

logger = logging.getLogger(__name__)


def retry_delay(rt: Runtime, attempt: int) -> float:
    """How long to wait before attempt ``attempt + 1`` of work that raised."""
    delays = rt.timing.retry_delays
    return delays[min(attempt, len(delays)) - 1]


def describe_error(exc: BaseException) -> str:
    """An exception in one line, for admins and logs (never shown to a requester)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


_PARKED_REPLIES = {
    "intake": "I couldn't read this request, so nothing was changed. An admin has been told (`{id}`).",
    "answer": "I couldn't act on your answer, so nothing was changed. An admin has been told (`{id}`).",
    "undo": "I couldn't prepare the undo, so nothing was changed. An admin has been told (`{id}`).",
}
_PARKED_WHAT = {"intake": "A request", "answer": "An answer to a question", "undo": "An undo"}


def announce_parked(rt: Runtime, proposal_id: str) -> None:
    """Tell the thread (once) and the admins that work on ``proposal_id`` stopped, then record that it was said."""
    work = rt.parking.get(proposal_id)
    if work is None or work.announced:
        return
    reply = _PARKED_REPLIES[work.kind].format(id=proposal_id)
    rt.notifier.reply(work.channel, work.thread_ts, f"<@{work.requester}> {reply}", once=f"parked:{proposal_id}")
    admins = rt.directory.members_of(rt.policy.current.document.admins)
    rt.notifier.alert(
        admins,
        f":rotating_light: {_PARKED_WHAT[work.kind]} by <@{work.requester}> in {place(work.channel)} "
        f"(`{proposal_id}`) stopped after {rt.timing.max_attempts} attempts: {work.reason}. Nothing was changed. "
        f"Once the cause is fixed, `/followthrough retry {proposal_id}` takes it up again.",
        once=f"parked:{proposal_id}",
    )
    rt.parking.mark_announced(proposal_id)


def park(rt: Runtime, work: ParkedWork) -> str:
    """Park ``work`` (the first record wins) and announce it; returns the job's outcome, ``parked``."""
    if rt.parking.park(work):
        rt.store.audit.write(
            work.proposal_id,
            AuditEntry(
                "work.parked",
                "worker",
                {"kind": work.kind, "subject": work.subject, "reason": work.reason, "requester": work.requester},
            ),
            at=work.at,
        )
    announce_parked(rt, work.proposal_id)
    return "parked"


def after_failure(
    rt: Runtime,
    *,
    what: str,
    proposal_id: str,
    attempt: int,
    exc: BaseException,
    again: Callable[[float], object],
    give_up: Callable[[str], str],
) -> str:
    """Called while ``exc`` is being handled by attempt ``attempt`` at ``what``: queue the work ``again`` after the
    retry delay, or after the last attempt log the traceback once and ``give_up`` (park) with the error's words."""
    limit = rt.timing.max_attempts
    if attempt < limit:
        delay = retry_delay(rt, attempt)
        logger.warning(
            "%s (proposal %s): attempt %d of %d failed (%s); trying again in %.0f s",
            what,
            proposal_id,
            attempt,
            limit,
            describe_error(exc),
            delay,
        )
        again(delay)
        return f"retry-in-{delay:.0f}s"
    logger.error("%s (proposal %s): failed %d times; parked for an admin", what, proposal_id, attempt, exc_info=exc)
    return give_up(describe_error(exc))
