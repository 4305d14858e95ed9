"""Deadlines of waiting proposals (expiry, reminders, escalation) on RQ's scheduler, and the policy sweep.

Each deadline is one scheduled job with a fixed id per proposal (``expire-<id>``, ``remind-<id>``,
``escalate-<id>``): scheduling again, after an edit, replaces it instead of adding another, and every job looks at
the proposal when it runs, so the deadline of a decided proposal does nothing. A reminder fires once per version of
the content (a Redis flag), an escalation once per version. Everything lives in Redis, so deadlines survive restarts
of every process; the reaper expires anything whose expiry job was lost. Expiry fails closed: nothing runs.

The policy sweep applies a changed policy to proposals still waiting: a stricter requirement is recorded and shown,
a policy that now denies them denies them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from approvals.core import workflow
from approvals.core.policy import PolicyDecision
from approvals.core.proposal import Proposal
from approvals.core.states import ProposalState
from approvals.core.workflow import AuditEntry, Change, Refused
from approvals.flow import keys, queueing
from approvals.flow.policy_checks import current_decision
from approvals.flow.runtime import Runtime, current
from approvals.flow.showing import announce_once, refresh_cards

logger = logging.getLogger(__name__)


def _first(proposal: Proposal, attribute: str) -> PolicyDecision | None:
    for decision in proposal.requirements:
        if getattr(decision, attribute) is not None:
            return decision
    return None


def schedule_deadlines(rt: Runtime, proposal: Proposal) -> list[str]:
    """(Re)schedule the expiry, reminder and escalation of a waiting proposal (only the expiry of one waiting for an
    answer); returns the job ids scheduled."""
    if proposal.state not in (ProposalState.AWAITING_APPROVAL, ProposalState.NEEDS_INFO):
        return []
    started = proposal.updated_at
    scheduled: list[str] = []

    def at(when: dt.datetime, entry_point: str, name: str, *args: Any) -> None:
        scheduled.append(queueing.schedule(rt, when, entry_point, proposal.id, *args, job_id=f"{name}-{proposal.id}"))

    if proposal.expires_at is not None:
        at(proposal.expires_at, queueing.EXPIRE, "expire")
    if proposal.state is ProposalState.NEEDS_INFO:
        logger.info("proposal %s: deadlines scheduled (%s)", proposal.id, ", ".join(scheduled) or "none")
        return scheduled
    remind_after = min((d.remind_after for d in proposal.requirements if d.remind_after), default=None)
    if remind_after is not None:
        at(started + dt.timedelta(seconds=remind_after), queueing.REMIND, "remind", proposal.fingerprint)
    escalation = _first(proposal, "escalate_after")
    if escalation is not None and escalation.escalate_after is not None:
        at(
            started + dt.timedelta(seconds=escalation.escalate_after),
            queueing.ESCALATE,
            "escalate",
            proposal.fingerprint,
        )
    logger.info("proposal %s: deadlines scheduled (%s)", proposal.id, ", ".join(scheduled) or "none")
    return scheduled


# ---------------------------------------------------------------------------------------------------------------
# The jobs


def expire(proposal_id: str) -> str:
    return "expired" if expire_proposal(current(), proposal_id) else "noop"


def expire_proposal(rt: Runtime, proposal_id: str) -> int:
    """Fail closed: an unapproved (or unanswered) request past its deadline expires; its cards lose their buttons."""
    try:
        change = rt.store.update(proposal_id, lambda p: workflow.expire(p, now=rt.clock()))
    except Refused:
        return 0
    announce_once(rt, change.proposal)  # the cards lose their buttons; the thread hears why (display)
    return 1


def waiting_on(proposal: Proposal) -> list[str]:
    """Who could still move the proposal on: approvers asked (their DM copies) and escalations, minus those done."""
    asked = [c.user_id for c in proposal.cards if c.audience == "dm" and c.user_id]
    everyone = [*asked, *(u for u in proposal.escalated_to if u not in asked)]
    return [u for u in everyone if u not in proposal.approvers_so_far]


def remind(proposal_id: str, fingerprint: str) -> str:
    """Nudge the approvers who have not decided, once per version of the content."""
    rt = current()
    proposal = rt.store.find(proposal_id)
    if proposal is None or proposal.state is not ProposalState.AWAITING_APPROVAL or proposal.fingerprint != fingerprint:
        return "noop"
    if not rt.connection.set(keys.reminded(proposal_id, fingerprint), "1", nx=True, ex=30 * 86400):
        return "already-reminded"
    users = waiting_on(proposal)
    rt.notifier.remind(proposal, users)
    rt.store.audit.write(proposal_id, AuditEntry("proposal.reminded", "scheduler", {"users": users}), at=rt.clock())
    logger.info("proposal %s: reminded %d approver(s)", proposal_id, len(users))
    return "reminded"


def escalate(proposal_id: str, fingerprint: str) -> str:
    """Nobody decided in time: widen the approvers to the escalation role (or the requester's manager)."""
    rt = current()
    proposal = rt.store.find(proposal_id)
    if proposal is None or proposal.state is not ProposalState.AWAITING_APPROVAL or proposal.fingerprint != fingerprint:
        return "noop"
    decision = _first(proposal, "escalate_to")
    if decision is None or decision.escalate_to is None:
        return "noop"
    if decision.escalate_to == "manager":
        manager = rt.directory.manager_of(proposal.requester)
        users: Sequence[str] = [manager] if manager else []
        to = f"<@{manager}>" if manager else "the requester's manager (none is set in Slack)"
    else:
        users, to = rt.directory.members_of([decision.escalate_to]), decision.escalate_to
    try:
        change = rt.store.update(proposal_id, lambda p: workflow.escalate(p, users, now=rt.clock(), to=to))
    except Refused as refusal:
        logger.info("proposal %s: no escalation: %s", proposal_id, refusal.user_message)
        rt.store.audit.write(
            proposal_id, AuditEntry("proposal.escalation_skipped", "scheduler", {"to": to}), at=rt.clock()
        )
        return "noop"
    added = change.audit.data["users"]
    cards = rt.notifier.add_approvers(change.proposal, added)

    def attach(p: Proposal) -> Change:
        return Change(
            p.with_changes(cards=(*p.cards, *cards), updated_at=rt.clock()),
            AuditEntry("proposal.shown", "bot", {"cards": [c.model_dump() for c in cards]}),
        )

    rt.store.update(proposal_id, attach)
    refresh_cards(rt, proposal_id)
    mentions = ", ".join(f"<@{u}>" for u in added)
    rt.notifier.reply(
        proposal.channel,
        proposal.thread_ts,
        f"Nobody decided on this in time, so I've also asked {mentions} ({to}).",
    )
    return "escalated"


# ---------------------------------------------------------------------------------------------------------------
# The policy sweep


def sweep_policy(rt: Runtime) -> int:
    """When the policy changed since the last sweep, apply it to every waiting proposal; returns how many changed."""
    policy = rt.policy.current
    if rt.connection.get(keys.POLICY_SWEPT) == policy.content_hash.encode():
        return 0
    changed = 0
    for proposal in rt.store.in_states((ProposalState.AWAITING_APPROVAL,)):
        decision = current_decision(rt, proposal)
        try:
            change = rt.store.update(proposal.id, lambda p, d=decision: workflow.reevaluate(p, d, now=rt.clock()))
        except Refused:
            continue
        changed += 1
        if change.proposal.state is ProposalState.DENIED:
            announce_once(rt, change.proposal)
        else:
            refresh_cards(rt, proposal.id)
            schedule_deadlines(rt, change.proposal)
    rt.connection.set(keys.POLICY_SWEPT, policy.content_hash)
    if changed:
        logger.info("policy %s applied to %d waiting proposal(s)", policy.content_hash, changed)
    return changed
