"""The policy's one verdict on a set of actions (pure): each action decided, the strictest of them kept.

The policy itself is pure (approvals/core/policy.py). A proposal of several actions gets one decision, the strictest
of its actions'; record-level conditions see ``People``: the requester's identities and the roles of the people the
actions' facts name, looked up by the flow (approvals/flow/policy_checks.py) before deciding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from approvals.core.actions import Action
from approvals.core.policy import Policy, PolicyDecision, Principal


def combine_decisions(decisions: Sequence[PolicyDecision], policy_hash: str) -> PolicyDecision:
    """One decision for a proposal of several actions: the strictest of them.

    Any deny denies the whole proposal. Otherwise an approver must be acceptable for every action that needs
    approval (the roles they have in common) and the highest quorum applies.
    """
    if len(decisions) == 1:
        return decisions[0]
    denied = [d for d in decisions if d.outcome == "deny"]
    if denied:
        return denied[0]
    needing = [d for d in decisions if d.outcome == "approve"]
    if not needing:
        return decisions[0]
    common = set(needing[0].approver_roles)
    for d in needing[1:]:
        common &= set(d.approver_roles)
    if not common:
        return PolicyDecision(
            outcome="deny",
            rule="combined",
            policy_hash=policy_hash,
            reason="These actions need approvers from different groups; ask for them separately.",
        )
    strictest = max(needing, key=lambda d: (d.min_approvers, -(d.expires_after or 0)))
    return PolicyDecision(
        outcome="approve",
        rule=" + ".join(d.rule for d in needing),
        policy_hash=policy_hash,
        approver_roles=tuple(r for r in needing[0].approver_roles if r in common),
        min_approvers=strictest.min_approvers,
        allow_self_approval=all(d.allow_self_approval for d in needing),
        expires_after=min(d.expires_after or 0 for d in needing) or None,
    )


@dataclass(frozen=True)
class People:
    """What record-level conditions compare with: the requester's identities in every system, and the policy
    roles of the people the actions' facts name (``record.owner in [sales-managers]``)."""

    identities: frozenset[str] = frozenset()
    fact_roles: Mapping[int, dict[str, frozenset[str]]] = field(default_factory=dict)
    """Per action index: fact name -> roles of the person it names."""


def decide_all(
    policy: Policy,
    actions: Sequence[Action],
    *,
    requester: Principal,
    channel_names: Sequence[str],
    people: People | None = None,
) -> PolicyDecision:
    """``policy``'s one decision for ``actions`` asked by ``requester`` in a channel with these names."""
    people = people or People()
    return combine_decisions(
        [
            policy.decide(
                a,
                requester=requester,
                channel_names=channel_names,
                identities=people.identities,
                fact_roles=people.fact_roles.get(i),
            )
            for i, a in enumerate(actions)
        ],
        policy.content_hash,
    )
