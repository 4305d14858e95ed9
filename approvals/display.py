"""Showing a proposal's state in Slack from the worker and the bot alike: every card copy, and the result reply.

Both processes re-render cards after transitions. A lock per proposal and a render of the newest stored state make
the last refresh always show the truth, whatever order slow updates finish in; a flag makes the result reply go out
once per terminal state.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from approvals.ledger import LeaseHeld
from approvals.proposal import Proposal
from approvals.queries import home_lists, home_viewers
from approvals.runtime import Runtime, current
from approvals.states import ProposalState

logger = logging.getLogger(__name__)


CARD_LOCK_WAIT_SECONDS = 10.0


def refresh_cards(rt: Runtime, proposal_id: str) -> Proposal | None:
    """Re-render every copy of the card from the newest stored state, one refresher at a time.

    The bot (after a click) and a worker (after executing) both refresh cards; without this, a slow update
    carrying an older state could land after a newer one and leave a stale card. Under the lock the proposal is
    read again, so whoever refreshes last renders the latest state; a version marker skips redundant updates.
    """
    deadline = time.monotonic() + CARD_LOCK_WAIT_SECONDS
    while True:
        try:
            with rt.ledger.lease(f"cards:{proposal_id}", seconds=30):
                proposal = rt.store.get(proposal_id)
                marker = f"ft:cards:{proposal_id}"
                rendered = rt.connection.get(marker)
                if rendered is None or int(rendered) < proposal.version:
                    rt.notifier.refresh(proposal)
                    rt.connection.set(marker, proposal.version, ex=30 * 86400)
                    refresh_homes(rt, involved(proposal))
                return proposal
        except LeaseHeld:
            if time.monotonic() > deadline:
                logger.warning("proposal %s: cards not refreshed, another refresh held the lock too long", proposal_id)
                return None
            time.sleep(0.02)


def announce_once(rt: Runtime, proposal: Proposal) -> None:
    """Refresh the cards and post the result reply, once per terminal state (a flag records it). A successful undo
    also takes the Undo button off the result it reversed."""
    flag = f"ft:announced:{proposal.id}:{proposal.state.value}:{proposal.version}"
    if rt.connection.exists(flag):
        return
    refresh_cards(rt, proposal.id)
    rt.notifier.announce_result(proposal)
    if proposal.undo_of is not None and proposal.state is ProposalState.SUCCEEDED:
        original = rt.store.find(proposal.undo_of)
        if original is not None:
            rt.notifier.retire_undo(original, f":leftwards_arrow_with_hook: Undone by <@{proposal.requester}> (below).")
    rt.connection.set(flag, "1", ex=30 * 86400)


def close_undo_window(proposal_id: str) -> str:
    """RQ job, scheduled for the end of a result's Undo window: the button goes away (unless an undo already took
    it away), and the reply says Undo is no longer offered."""
    rt = current()
    proposal = rt.store.find(proposal_id)
    if proposal is None or proposal.state is not ProposalState.SUCCEEDED:
        return "noop"
    if proposal.undo is not None:
        undo = rt.store.find(proposal.undo)
        if undo is not None and undo.state is ProposalState.SUCCEEDED:
            return "already-undone"
    rt.notifier.retire_undo(proposal, "The time to undo this has passed.")
    return "closed"


def schedule_undo_window(rt: Runtime, proposal: Proposal) -> None:
    """Schedule ``close_undo_window`` for when the Undo offered on ``proposal``'s result stops working."""
    if rt.timing.undo_window <= 0 or proposal.undo_of is not None:
        return
    at = proposal.updated_at + dt.timedelta(seconds=rt.timing.undo_window)
    rt.actions_queue.enqueue_at(at, close_undo_window, proposal.id, job_id=f"undo-window-{proposal.id}")


def involved(proposal: Proposal) -> set[str]:
    """Everyone whose App Home lists the proposal: who asked, who was asked, who decided."""
    people = {proposal.requester, *proposal.escalated_to, *(a.user_id for a in proposal.approvals)}
    people.update(c.user_id for c in proposal.cards if c.user_id)
    if proposal.rejection is not None:
        people.add(proposal.rejection.user_id)
    return people


def refresh_homes(rt: Runtime, users: set[str]) -> None:
    """Re-publish the App Home of those of ``users`` who have opened it (others would never see it)."""
    for user in sorted(users & home_viewers(rt)):
        publish_home(rt, user)


def publish_home(rt: Runtime, user_id: str) -> None:
    lists = home_lists(rt, rt.directory.principal(user_id))
    rt.notifier.publish_home(
        user_id, waiting_for_me=lists.waiting_for_me, my_requests=lists.my_requests, recently_done=lists.recently_done
    )
