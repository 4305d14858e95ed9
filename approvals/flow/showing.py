"""Showing a proposal's state in Slack from the worker and the bot alike: every card copy, and what the thread is
told.

Both processes re-render cards after transitions. A lock per proposal and a render of the newest stored state make
the last refresh always show the truth, whatever order slow updates finish in.

What the thread is owed (an outcome, a question) is recorded by the store in the same transaction as the
transition (``approvals.flow.store``, "owed announcements"); ``announce_once`` is the one way to say it: it shows the
cards, posts the message (each message carries metadata the notifier looks for before posting, so a message
already posted by a process that died before settling is found, not posted again), then settles the record. One
announcer at a time per proposal (a lease); the reaper announces what a dead announcer left owed.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence

from approvals.core.proposal import CardRef, Proposal
from approvals.core.states import ProposalState
from approvals.core.workflow import AuditEntry, Change
from approvals.flow import keys, queueing
from approvals.flow.leases import LeaseHeld
from approvals.flow.queries import home_lists, home_viewers
from approvals.flow.runtime import Runtime, current
from approvals.flow.store import Owed

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
            with rt.leases.hold(f"cards:{proposal_id}", seconds=30):
                proposal = rt.store.get(proposal_id)
                marker = keys.cards_posted(proposal_id)
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


def announce_once(rt: Runtime, proposal: Proposal | str, *, fresh: bool = False) -> bool:
    """Tell the thread what it is owed for ``proposal``'s current state (an outcome, a question), once; True when
    this call said it. Safe to call any number of times, from any process: nothing owed, nothing said.

    ``fresh``: the proposal was created by this very run, so no earlier run can have posted its card (the look-up
    for one is skipped).
    """
    proposal_id = proposal if isinstance(proposal, str) else proposal.id
    if rt.store.owed(proposal_id) is None:
        return False
    try:
        with rt.leases.hold(f"announce:{proposal_id}", seconds=rt.timing.lease_seconds):
            found = rt.store.owed(proposal_id)  # again, under the lease: another announcer may have finished
            if found is None:
                return False
            current, owed = found
            if current.state is not owed.state:
                logger.warning("proposal %s: owed %s but it is %s", proposal_id, owed.state.value, current.state.value)
                return False
            _announce(rt, current, owed, fresh=fresh)
            rt.store.settle(owed)
    except LeaseHeld:
        logger.info("proposal %s: another process is announcing it", proposal_id)
        return False
    logger.info("proposal %s: announced %s", proposal_id, owed.state.value)
    return True


def _announce(rt: Runtime, proposal: Proposal, owed: Owed, *, fresh: bool) -> None:
    if proposal.state is not ProposalState.DENIED:
        # A denied request is refused in words only; everything else has a card in the thread, posted now if a
        # crash (or a question never shown) left it without one.
        proposal = ensure_cards(rt, proposal, fresh=fresh)
    refresh_cards(rt, proposal.id)
    if proposal.state in (ProposalState.SUCCEEDED, ProposalState.FAILED):
        # The reply is keyed by the version that entered the state, so later edits (an Undo asked for) never make
        # it look unposted.
        rt.notifier.announce_result(proposal.model_copy(update={"version": owed.version}))
        if proposal.undo_of is not None and proposal.state is ProposalState.SUCCEEDED:
            original = rt.store.find(proposal.undo_of)
            if original is not None:
                rt.notifier.retire_undo(
                    original, f":leftwards_arrow_with_hook: Undone by <@{proposal.requester}> (below)."
                )
        return
    text = announcement_text(proposal)
    if text is not None:
        rt.notifier.reply(proposal.channel, proposal.thread_ts, text, once=f"{proposal.state.value}:{proposal.id}")


def announcement_text(proposal: Proposal) -> str | None:
    """What the thread hears when ``proposal`` enters its current state (results and questions are shown by their
    own reply and card; None then)."""
    requester = f"<@{proposal.requester}>"
    match proposal.state:
        case ProposalState.REJECTED:
            rejection = proposal.rejection
            who = f"<@{rejection.user_id}>" if rejection is not None else "An approver"
            reason = rejection.reason.strip() if rejection is not None else ""
            because = f": {reason}" if reason else ", so nothing was changed"
            return f"{requester} {who} rejected this{because}"
        case ProposalState.CANCELLED:
            if proposal.failure:
                return f"{requester} {proposal.failure}"  # dropped: the answer said no, or made it impossible
            who = f"<@{proposal.cancelled_by}>" if proposal.cancelled_by else requester
            return f"{who} cancelled this request; nothing was changed."
        case ProposalState.EXPIRED:
            if not proposal.actions:
                said = "I didn't get an answer to my question, so I stopped waiting and nothing was changed."
            else:
                said = "nobody approved this in time, so it expired and nothing was changed."
            return f"{requester} {said} Ask again if it is still needed."
        case ProposalState.DENIED:
            reason = proposal.failure or (proposal.policy.reason if proposal.decision is not None else "")
            if proposal.reevaluated is not None:
                return f"{requester} the policy changed and no longer allows this, so it will not run: {reason}"
            return f"{requester} I can't do that: {reason}"
        case _:
            return None


# ---------------------------------------------------------------------------------------------------------------
# Cards: where they are, and who gets a copy


def has_thread_card(proposal: Proposal) -> bool:
    return any(c.audience == "thread" for c in proposal.cards)


def approvers_to_ask(rt: Runtime, proposal: Proposal) -> list[str]:
    """Who gets the card in a DM: the members of the approver roles (the requester only if self-approval is on).
    Nobody, for a proposal in shadow mode: it asks no one (approvals/flow/shadow.py)."""
    decision = proposal.policy
    if decision.outcome != "approve" or proposal.state is ProposalState.SHADOWED or proposal.shadow is not None:
        return []
    return [
        user
        for user in rt.directory.members_of(decision.approver_roles)
        if user != proposal.requester or decision.allow_self_approval
    ]


def ensure_cards(rt: Runtime, proposal: Proposal, *, fresh: bool = False) -> Proposal:
    """Every copy the proposal should have: the thread card (found again by its metadata if a crash came between
    posting it and recording it) and, while it waits for approval, one in each approver's DM."""
    if not has_thread_card(proposal):
        approvers = (
            approvers_to_ask(rt, proposal)
            if proposal.decision is not None and proposal.state is ProposalState.AWAITING_APPROVAL
            else []
        )
        proposal = attach_cards(rt, proposal, rt.notifier.publish(proposal, approvers, fresh=fresh))
    if proposal.state is ProposalState.AWAITING_APPROVAL:
        proposal = notify_approvers(rt, proposal)
    return proposal


def notify_approvers(rt: Runtime, proposal: Proposal) -> Proposal:
    """Send the card to the approvers who do not have a copy yet (after an answer, or a conflict)."""
    asked = {c.user_id for c in proposal.cards if c.audience == "dm"}
    missing = [u for u in approvers_to_ask(rt, proposal) if u not in asked]
    if not missing:
        return proposal
    cards = rt.notifier.add_approvers(proposal, missing)

    def attach(p: Proposal) -> Change:
        return Change(
            p.with_changes(cards=(*p.cards, *cards), updated_at=rt.clock()),
            AuditEntry("proposal.shown", "bot", {"cards": [c.model_dump() for c in cards]}),
        )

    return rt.store.update(proposal.id, attach).proposal


def attach_cards(rt: Runtime, proposal: Proposal, cards: Sequence[CardRef]) -> Proposal:
    """Record where the cards are (added to those already recorded, each copy once)."""
    # An empty tuple still marks "shown" for denied proposals; a marker card keeps the field non-empty.
    refs = tuple(cards) or (CardRef(channel=proposal.channel, ts=proposal.thread_ts, audience="thread"),)

    def decide(p: Proposal) -> Change:
        known = {(c.channel, c.ts) for c in p.cards}
        merged = (*p.cards, *(c for c in refs if (c.channel, c.ts) not in known))
        return Change(
            p.with_changes(cards=merged, updated_at=rt.clock()),
            AuditEntry("proposal.shown", "bot", {"cards": [c.model_dump() for c in refs]}),
        )

    return rt.store.update(proposal.id, decide).proposal


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
    queueing.schedule(rt, at, queueing.CLOSE_UNDO_WINDOW, proposal.id, job_id=f"undo-window-{proposal.id}")


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
    owed = rt.commitments.owed_by(user_id)
    awaited = [c for c in rt.commitments.asked_by(user_id) if c.owner != user_id]
    rt.notifier.publish_home(
        user_id,
        waiting_for_me=lists.waiting_for_me,
        my_requests=lists.my_requests,
        recently_done=lists.recently_done,
        owed=owed,
        awaited=awaited,
    )
