"""What the policy says about a proposal now, with the lookups that takes (who the requester is, where they asked,
who the records' facts name).

``current_decision`` evaluates a stored proposal under the policy in force *now*: clicks, the execute job and the
policy sweep all use it, so an approval is always checked against the policy the proposal was made under and the
current one, the stricter winning. The verdict itself is pure (approvals/core/verdicts.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from approvals.core import workflow
from approvals.core.actions import Action
from approvals.core.conditions import PERSON_FACTS
from approvals.core.policy import Policy, PolicyDecision, Principal
from approvals.core.proposal import Proposal
from approvals.core.verdicts import People, decide_all
from approvals.core.wording import plural
from approvals.flow.runtime import Runtime


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
