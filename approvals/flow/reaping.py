"""The reaper: finds what a crash left behind and queues it again, says what a dead process left unsaid.

A request never taken in, an approval never executed (no run holds its lease), an answer recorded but not acted
on, an undo asked for but not proposed, an announcement owed (approvals.flow.store), parked work nobody heard of,
an overdue request, a changed policy. Every duty is safe to run any number of times and from any number of
workers; one that fails is logged and tried at the next pass. Workers run ``rescue_once`` every few seconds and
``reap_once`` from their maintenance pass (approvals.flow.worker).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence

from approvals.core.states import ProposalState
from approvals.flow import queueing
from approvals.flow.attempts import announce_parked, describe_error
from approvals.flow.deadlines import expire_proposal, sweep_policy
from approvals.flow.execution import attach_policy_follow_ups, run_lease
from approvals.flow.ledger import action_id
from approvals.flow.questions import (
    answered_but_stuck,
)
from approvals.flow.runtime import Runtime
from approvals.flow.showing import (
    announce_once,
)
from approvals.flow.undoing import requeue_stuck_undos

logger = logging.getLogger(__name__)

OWED_GIVE_UP_AFTER = 86400.0
"""An announcement Slack keeps refusing (the channel is gone) is dropped, with an error in the log, after a day."""


def announce_owed(rt: Runtime) -> int:
    """Announce what a process that died (or failed to reach Slack) left owed; returns how many were announced."""
    announced = 0
    for owed in rt.store.owed_older_than(rt.timing.announce_grace):
        age = (rt.clock() - owed.at).total_seconds()
        try:
            if owed.state is ProposalState.SUCCEEDED:
                # Its run may have died before attaching the policy's follow-ups (they come before the announcement).
                found = rt.store.owed(owed.proposal_id)
                if found is not None:
                    attach_policy_follow_ups(rt, found[0])
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
        if not queueing.waits(rt, "intake", key) and not rt.leases.held(f"intake:{key}"):
            queueing.enqueue_intake(rt, key, reason="reaper: request still unanswered")
            count += 1
    return count


def _requeue_executions(rt: Runtime) -> int:
    count = 0
    cutoff = rt.clock() - dt.timedelta(seconds=rt.timing.stale_execution_after)
    for proposal in rt.store.in_states((ProposalState.APPROVED, ProposalState.EXECUTING)):
        if proposal.updated_at > cutoff:
            continue
        if queueing.waits(rt, "execute", proposal.id):
            continue
        # A run holds its lease for as long as its process lives: none held means no run is alive.
        if rt.leases.held(run_lease(proposal.id)) or any(
            rt.leases.held(action_id(proposal.id, i, proposal.fingerprint)) for i in range(len(proposal.actions))
        ):
            continue
        queueing.enqueue_execute(rt, proposal.id, reason="reaper: approved but not running")
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
        if not queueing.waits(rt, "answer", proposal_id):
            queueing.enqueue_continue(rt, proposal_id, reason="reaper: an answer was recorded but not acted on")
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
