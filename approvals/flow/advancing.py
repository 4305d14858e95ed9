"""Moving a proposal on after grounding: submitted to the policy, shown in Slack, started when the policy says auto.

Invariant: only the run that made the auto-approval transition queues the execution; cards are posted once
(approvals.flow.showing) and a decision made between the post and the record of where the cards are is shown.
"""

from __future__ import annotations

import logging

from approvals.core import workflow
from approvals.core.proposal import (
    Proposal,
)
from approvals.core.states import Event, ProposalState
from approvals.flow import queueing
from approvals.flow.deadlines import schedule_deadlines
from approvals.flow.runtime import Runtime
from approvals.flow.shadow import note_if_asking_in_shadow, plan_for_proposal
from approvals.flow.shadow import show as show_shadow
from approvals.flow.showing import (
    announce_once,
    approvers_to_ask,
    attach_cards,
    has_thread_card,
    refresh_cards,
)

logger = logging.getLogger(__name__)


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
        queueing.enqueue_execute(rt, proposal.id, reason="auto-approved")
    schedule_deadlines(rt, proposal)
    return proposal
