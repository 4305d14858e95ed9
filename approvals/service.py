"""The decisions people make about proposals (approve, reject, cancel, retry), end to end.

Buttons, slash commands and modals all come through here, so the rules are applied the same way wherever a click
comes from: the workflow decides, the store commits atomically with the audit line, and an approval that completes
the quorum queues the execute job. Refusals are audited too, then re-raised for the caller to show.
"""

from __future__ import annotations

import logging

from approvals import workflow
from approvals.jobs import enqueue_execute
from approvals.ledger import action_id
from approvals.policy import Principal
from approvals.runtime import Runtime
from approvals.states import ProposalState
from approvals.store import ProposalNotFound
from approvals.workflow import AuditEntry, Change, Refused

logger = logging.getLogger(__name__)


def _refused(rt: Runtime, proposal_id: str, actor: str, what: str, refusal: Refused) -> Refused:
    logger.info("proposal %s: %s by %s refused: %s", proposal_id, what, actor, refusal.user_message)
    rt.store.audit.write(
        proposal_id,
        AuditEntry(f"{what}.refused", actor, {"reason": refusal.user_message, "code": refusal.code}),
        at=rt.clock(),
    )
    return refusal


def approve(rt: Runtime, proposal_id: str, approver: Principal, fingerprint: str) -> Change:
    policy = rt.policy.current
    try:
        change = rt.store.update(
            proposal_id,
            lambda p: workflow.approve(p, approver, policy, now=rt.clock(), fingerprint=fingerprint),
        )
    except Refused as refusal:
        raise _refused(rt, proposal_id, approver.user_id, "approve", refusal) from None
    except ProposalNotFound:
        raise Refused("I can't find that request any more.", proposal_id=proposal_id) from None
    if change.proposal.state is ProposalState.APPROVED:
        enqueue_execute(rt, proposal_id, reason=f"approved by {approver.user_id}")
    return change


def reject(rt: Runtime, proposal_id: str, approver: Principal, reason: str = "") -> Change:
    policy = rt.policy.current
    try:
        return rt.store.update(
            proposal_id, lambda p: workflow.reject(p, approver, policy, now=rt.clock(), reason=reason)
        )
    except Refused as refusal:
        raise _refused(rt, proposal_id, approver.user_id, "reject", refusal) from None
    except ProposalNotFound:
        raise Refused("I can't find that request any more.", proposal_id=proposal_id) from None


def cancel(rt: Runtime, proposal_id: str, actor: Principal) -> Change:
    policy = rt.policy.current
    try:
        return rt.store.update(proposal_id, lambda p: workflow.cancel(p, actor, policy, now=rt.clock()))
    except Refused as refusal:
        raise _refused(rt, proposal_id, actor.user_id, "cancel", refusal) from None


def retry(rt: Runtime, proposal_id: str, actor: Principal) -> Change:
    """An admin re-runs a failed proposal; failed actions are reopened and reconciled before anything is sent."""
    policy = rt.policy.current
    try:
        change = rt.store.update(proposal_id, lambda p: workflow.retry(p, actor, policy, now=rt.clock()))
    except Refused as refusal:
        raise _refused(rt, proposal_id, actor.user_id, "retry", refusal) from None
    proposal = change.proposal
    for index in range(len(proposal.actions)):
        aid = action_id(proposal.id, index, proposal.fingerprint)
        try:
            if rt.ledger.get(aid).status == "failed":
                rt.ledger.reopen(aid)
        except KeyError:
            continue
    rt.connection.delete(f"ft:attempts:{proposal_id}")
    enqueue_execute(rt, proposal_id, reason=f"retried by {actor.user_id}")
    return change
