"""Read-only questions about proposals, for the slash command and the App Home. Nothing here changes anything."""

from __future__ import annotations

from dataclasses import dataclass

from approvals.core import workflow
from approvals.core.policy import Principal
from approvals.core.proposal import Proposal
from approvals.core.states import TERMINAL_STATES, ProposalState
from approvals.flow import keys
from approvals.flow.policy_checks import current_decision
from approvals.flow.runtime import Runtime

_HOME_USERS = keys.HOME_OPENED


def waiting_for(rt: Runtime, person: Principal) -> list[Proposal]:
    """Proposals waiting for a decision ``person`` may take and has not taken yet, oldest first."""
    policy = rt.policy.current
    found: list[Proposal] = []
    for proposal in rt.store.in_states((ProposalState.AWAITING_APPROVAL,)):
        if person.user_id in proposal.approvers_so_far:
            continue
        current = current_decision(rt, proposal)
        if workflow.may_approve(proposal, person, policy, current=current) is None:
            found.append(proposal)
    return found


def all_waiting(rt: Runtime) -> list[Proposal]:
    return rt.store.in_states((ProposalState.AWAITING_APPROVAL,))


def may_see(rt: Runtime, proposal: Proposal, person: Principal) -> bool:
    """Admins see everything; others see what they asked for, decided on, or could decide."""
    policy = rt.policy.current
    return (
        policy.is_admin(person)
        or person.user_id == proposal.requester
        or person.user_id in {a.user_id for a in proposal.approvals}
        or (proposal.rejection is not None and proposal.rejection.user_id == person.user_id)
        or workflow.may_decide(proposal, person, policy)
    )


@dataclass(frozen=True)
class HomeLists:
    waiting_for_me: list[Proposal]
    my_requests: list[Proposal]
    recently_done: list[Proposal]


def home_lists(rt: Runtime, person: Principal, *, limit: int = 10) -> HomeLists:
    mine = rt.store.by_requester(person.user_id, limit=limit * 2)
    open_mine = [p for p in mine if p.state not in TERMINAL_STATES and p.state is not ProposalState.FAILED]
    done = [p for p in mine if p.state in TERMINAL_STATES or p.state is ProposalState.FAILED]
    return HomeLists(waiting_for(rt, person)[:limit], open_mine[:limit], done[:limit])


def remember_home_viewer(rt: Runtime, user_id: str) -> None:
    rt.connection.sadd(_HOME_USERS, user_id)


def home_viewers(rt: Runtime) -> set[str]:
    return {m.decode() for m in rt.connection.smembers(_HOME_USERS)}
