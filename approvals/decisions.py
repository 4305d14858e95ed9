"""What the policy says about a proposal, with the lookups that takes (who the requester is, where they asked).

The policy itself is pure (approvals/policy.py). A proposal of several actions gets one decision, the strictest of
its actions'. ``current_decision`` evaluates a stored proposal under the policy in force *now*: clicks, the execute
job and the policy sweep all use it, so an approval is always checked against the policy the proposal was made
under and the current one, the stricter winning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from approvals import workflow
from approvals.actions import Action
from approvals.conditions import PERSON_FACTS
from approvals.policy import Policy, PolicyDecision, Principal
from approvals.proposal import Proposal
from approvals.runtime import Runtime
from approvals.wording import plural


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


def people_for(rt: Runtime, policy: Policy, actions: Sequence[Action], requester: Principal) -> People:
    """The lookups record-level conditions need, done only when an action carries a fact that names a person."""
    named = [(i, n, str(v)) for i, a in enumerate(actions) for n, v in a.facts.items() if n in PERSON_FACTS and v]
    if not named:
        return People()
    identities: set[str] = {requester.user_id, *([requester.email] if requester.email else [])}
    if requester.email:
        for lookup in (rt.jira_catalog, rt.salesforce_catalog):
            if lookup is None:
                continue
            find = getattr(lookup, "account_id_for_email", None) or getattr(lookup, "user_id_for_email", None)
            try:
                found = find(requester.email) if find is not None else None
            except Exception:  # an identity that can't be read is not one of theirs: the condition stays false
                found = None
            if found:
                identities.add(str(found))
    roles: dict[int, dict[str, frozenset[str]]] = {}
    for index, name, value in named:
        person = rt.directory.person_by_email(value) if "@" in value else None
        held = policy.roles_of(rt.directory.principal(person.slack_user_id)) if person is not None else frozenset()
        roles.setdefault(index, {})[name] = held
    return People(identities=frozenset(identities), fact_roles=roles)


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


def decide_now(rt: Runtime, actions: Sequence[Action], *, requester: str, channel: str) -> PolicyDecision:
    """The decision the policy in force now makes for ``actions``, asked by ``requester`` in ``channel``."""
    policy = rt.policy.current
    principal = rt.directory.principal(requester)
    return decide_all(
        policy,
        actions,
        requester=principal,
        channel_names=rt.threads.channel_names(channel),
        people=people_for(rt, policy, actions, principal),
    )


def current_decision(rt: Runtime, proposal: Proposal) -> PolicyDecision:
    """The decision the policy in force now makes for ``proposal``'s actions, asked by its requester, where asked."""
    return decide_now(rt, proposal.actions, requester=proposal.requester, channel=proposal.channel)


def recheck_rights(rt: Runtime, proposal: Proposal) -> str | None:
    """Why the proposal may no longer run under the current policy, or None if it still may.

    The execute job asks this before anything is sent: the approvals it carries must still satisfy the policy it
    was made under and the current one (each approver allowed by both, the higher quorum), and a policy that now
    denies it, or now wants a human where none was asked, stops it.
    """
    current = current_decision(rt, proposal)
    if current.outcome == "deny":
        return f"The policy no longer allows it: {current.reason}"
    made = proposal.policy
    if made.outcome == "auto":
        return None if current.outcome == "auto" else "The current policy requires an approval for this; ask again."
    policy = rt.policy.current
    required = max(d.min_approvers for d in (*proposal.requirements, current) if d.outcome == "approve")
    allowed = [
        user
        for user in proposal.approvers_so_far
        if workflow.may_approve(proposal, rt.directory.principal(user), policy, current=current) is None
    ]
    if len(allowed) < required:
        return (
            f"It needs {plural(required, 'approval')} from people the current policy allows; it has {len(allowed)}"
            + (f" ({', '.join(f'<@{u}>' for u in allowed)})" if allowed else "")
            + "."
        )
    return None
