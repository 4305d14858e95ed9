"""Approval routing: the stricter of the made-under and the current policy wins, edits void approvals and restart
routing, escalation widens who may approve, and a reloaded policy re-evaluates waiting proposals."""

from __future__ import annotations

import datetime as dt

import pytest

from approvals.core import workflow
from approvals.core.actions import JiraCreateIssue
from approvals.core.policy import Policy, PolicyDecision, Principal, load_policy_text
from approvals.core.proposal import Proposal, build_proposal
from approvals.core.states import Event, ProposalState
from approvals.core.workflow import AlreadyDecided, Duplicate, NotAllowed, Refused

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(minutes=5)

BASE = """\
version: 1
roles:
  leads: {users: [U0LEAD001, U0LEAD002, U0LEAD003]}
  security: {users: [U0SECUR01, U0LEAD002]}
  admins: {users: [U0ADMIN01]}
admins: [admins]
actions:
  jira.create_issue:
    request: [everyone]
    rules:
      - name: highest needs two leads
        when: ["priority == Highest"]
        approve: {by: [leads], min_approvers: 2}
      - name: one lead
        when: ["project in [PAY]"]
        approve: {by: [leads]}
      - name: nothing else
        deny: "Only PAY."
"""

# The same company after a policy change: PAY issues now also need someone from security.
STRICTER = BASE.replace(
    '      - name: one lead\n        when: ["project in [PAY]"]\n        approve: {by: [leads]}',
    '      - name: security signs off\n        when: ["project in [PAY]"]\n        approve: {by: [security]}',
)
FORBIDDING = BASE.replace(
    'when: ["project in [PAY]"]\n        approve: {by: [leads]}',
    'when: ["project in [PAY]"]\n        deny: "PAY is frozen."',
)

REQUESTER = Principal("U0REQ0001")
LEAD1, LEAD2, LEAD3 = Principal("U0LEAD001"), Principal("U0LEAD002"), Principal("U0LEAD003")
SECURITY = Principal("U0SECUR01")
MANAGER = Principal("U0MANAGR1")
ADMIN = Principal("U0ADMIN01")


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy_text(BASE, source="base.yml")


def issue(**changes: object) -> JiraCreateIssue:
    fields: dict[str, object] = {"project": "PAY", "issue_type": "Bug", "summary": "Checkout fails on Safari"}
    fields.update(changes)
    return JiraCreateIssue(**fields)  # type: ignore[arg-type]


def decide(policy: Policy, action: JiraCreateIssue) -> PolicyDecision:
    return policy.decide(action, requester=REQUESTER)


def waiting(policy: Policy, action: JiraCreateIssue | None = None) -> Proposal:
    action = action or issue()
    drafted = build_proposal(
        proposal_id="ft-7kq2mx9c",
        requester=REQUESTER.user_id,
        channel="C0ENG0001",
        thread_ts="1.1",
        request_ts="1.2",
        request_text="file it",
        actions=(action,),
        decision=decide(policy, action),
        now=NOW,
    )
    return workflow.submit(drafted, now=NOW).proposal


# ---------------------------------------------------------------------------------------------------------------
# The stricter policy wins


def test_a_stricter_current_policy_adds_its_approver_requirement(policy: Policy) -> None:
    """Made under 'one lead', now 'security signs off': the approver must satisfy both."""
    stricter = load_policy_text(STRICTER)
    proposal = waiting(policy)
    current = decide(stricter, issue())
    assert workflow.may_approve(proposal, LEAD1, stricter, current=current) is not None, "a lead who is not security"
    assert workflow.may_approve(proposal, SECURITY, stricter, current=current) is not None, "security but not a lead"
    assert workflow.may_approve(proposal, LEAD2, stricter, current=current) is None, "lead and security: allowed"
    change = workflow.approve(proposal, LEAD2, stricter, now=LATER, fingerprint=proposal.fingerprint, current=current)
    assert change.proposal.state is ProposalState.APPROVED
    assert change.proposal.reevaluated == current.to_dict(), "the newer requirement is kept on the proposal"


def test_a_current_policy_that_denies_refuses_every_approval(policy: Policy) -> None:
    frozen = load_policy_text(FORBIDDING)
    proposal = waiting(policy)
    current = decide(frozen, issue())
    with pytest.raises(NotAllowed, match="PAY is frozen"):
        workflow.approve(proposal, LEAD1, frozen, now=LATER, fingerprint=proposal.fingerprint, current=current)


def test_a_higher_quorum_under_the_current_policy_applies(policy: Policy) -> None:
    """Made under one approval; the current policy wants two (as if the rule changed): the higher count wins."""
    proposal = waiting(policy)
    two = PolicyDecision(
        outcome="approve", rule="rule 9", policy_hash="new", approver_roles=("leads",), min_approvers=2
    )
    first = workflow.approve(proposal, LEAD1, policy, now=LATER, fingerprint=proposal.fingerprint, current=two)
    assert first.event is Event.APPROVE_PARTIAL
    assert first.proposal.approvals_needed == 2
    second = workflow.approve(first.proposal, LEAD3, policy, now=LATER, fingerprint=proposal.fingerprint, current=two)
    assert second.proposal.state is ProposalState.APPROVED


def test_a_looser_current_policy_never_lowers_what_the_proposal_was_made_under(policy: Policy) -> None:
    proposal = waiting(policy, issue(priority="Highest"))  # two leads
    one = PolicyDecision(
        outcome="approve", rule="rule 1", policy_hash="new", approver_roles=("leads",), min_approvers=1
    )
    change = workflow.approve(proposal, LEAD1, policy, now=LATER, fingerprint=proposal.fingerprint, current=one)
    assert change.proposal.state is ProposalState.AWAITING_APPROVAL, "still needs the second lead"
    with pytest.raises(Duplicate):
        workflow.approve(change.proposal, LEAD1, policy, now=LATER, fingerprint=proposal.fingerprint, current=one)


def test_self_approval_needs_every_decision_to_allow_it(policy: Policy) -> None:
    allowing = PolicyDecision(
        outcome="approve", rule="r", policy_hash="h", approver_roles=("leads",), allow_self_approval=True
    )
    proposal = waiting(policy)
    lead_request = proposal.with_changes(requester=LEAD1.user_id)
    reason = workflow.may_approve(lead_request, LEAD1, policy, current=allowing)
    assert reason == "You asked for this change, so someone else has to approve it."


# ---------------------------------------------------------------------------------------------------------------
# Edit


def test_an_edit_voids_approvals_and_restarts_routing(policy: Policy) -> None:
    proposal = waiting(policy, issue(priority="Highest"))
    half = workflow.approve(proposal, LEAD1, policy, now=LATER, fingerprint=proposal.fingerprint).proposal
    edited_action = issue(priority="High", summary="Checkout fails on Safari 17")
    change = workflow.edit(
        half, REQUESTER, policy, actions=(edited_action,), decision=decide(policy, edited_action), now=LATER
    )
    edited = change.proposal
    assert edited.state is ProposalState.AWAITING_APPROVAL
    assert edited.fingerprint != proposal.fingerprint
    assert edited.approvers_so_far == (), "the approval was of the old content"
    assert edited.approvals == half.approvals, "but it stays in the record"
    assert edited.policy.min_approvers == 1, "the new content's rule applies"
    assert change.audit.event == "proposal.edited"
    assert change.audit.data["voided_approvals"] == ["U0LEAD001"]
    assert change.audit.data["before"][0]["priority"] == "Highest"
    assert change.audit.data["after"][0]["priority"] == "High"
    with pytest.raises(Refused, match="changed after you opened it"):
        workflow.approve(edited, LEAD2, policy, now=LATER, fingerprint=proposal.fingerprint)


@pytest.mark.parametrize(
    ("editor", "allowed"),
    [(REQUESTER, True), (LEAD2, True), (ADMIN, True), (SECURITY, False), (Principal("U0OTHER01"), False)],
)
def test_who_may_edit(policy: Policy, editor: Principal, allowed: bool) -> None:
    proposal = waiting(policy)
    new = issue(summary="Something else")
    if allowed:
        assert workflow.edit(proposal, editor, policy, actions=(new,), decision=decide(policy, new), now=LATER)
    else:
        with pytest.raises(NotAllowed, match="Only the person who asked, an approver or an admin"):
            workflow.edit(proposal, editor, policy, actions=(new,), decision=decide(policy, new), now=LATER)


def test_an_edit_that_changes_nothing_or_that_the_policy_denies_is_refused(policy: Policy) -> None:
    proposal = waiting(policy)
    same = proposal.actions[0]
    with pytest.raises(Refused, match="Nothing changed"):
        workflow.edit(proposal, REQUESTER, policy, actions=(same,), decision=decide(policy, same), now=LATER)
    elsewhere = issue(project="OPS")
    with pytest.raises(NotAllowed, match="Only PAY"):
        workflow.edit(proposal, REQUESTER, policy, actions=(elsewhere,), decision=decide(policy, elsewhere), now=LATER)


def test_a_decided_proposal_cannot_be_edited(policy: Policy) -> None:
    proposal = waiting(policy)
    done = workflow.approve(proposal, LEAD1, policy, now=LATER, fingerprint=proposal.fingerprint).proposal
    new = issue(summary="late change")
    with pytest.raises(AlreadyDecided, match="can no longer be edited"):
        workflow.edit(done, REQUESTER, policy, actions=(new,), decision=decide(policy, new), now=LATER)


# ---------------------------------------------------------------------------------------------------------------
# Escalation and re-evaluation


def test_escalation_lets_new_people_approve_and_never_the_requester(policy: Policy) -> None:
    proposal = waiting(policy)
    assert workflow.may_approve(proposal, MANAGER, policy) is not None
    change = workflow.escalate(proposal, [MANAGER.user_id, REQUESTER.user_id], now=LATER, to="manager")
    assert change.proposal.escalated_to == (MANAGER.user_id,)
    assert change.audit.data == {"to": "manager", "users": [MANAGER.user_id]}
    assert workflow.may_approve(change.proposal, MANAGER, policy) is None
    approved = workflow.approve(change.proposal, MANAGER, policy, now=LATER, fingerprint=proposal.fingerprint)
    assert approved.proposal.state is ProposalState.APPROVED
    assert approved.audit.data["escalated"] is True
    with pytest.raises(Refused, match="nobody new to escalate to"):
        workflow.escalate(change.proposal, [MANAGER.user_id], now=LATER, to="manager")


def test_reevaluation_records_a_stricter_policy_and_denies_when_it_forbids(policy: Policy) -> None:
    proposal = waiting(policy)
    stricter = decide(load_policy_text(STRICTER), issue())
    change = workflow.reevaluate(proposal, stricter, now=LATER)
    assert change.proposal.state is ProposalState.AWAITING_APPROVAL
    assert change.proposal.requirements[-1] == stricter
    with pytest.raises(Refused, match="asks for nothing new"):
        workflow.reevaluate(change.proposal, stricter, now=LATER)
    denied = workflow.reevaluate(proposal, decide(load_policy_text(FORBIDDING), issue()), now=LATER)
    assert denied.proposal.state is ProposalState.DENIED
    assert denied.proposal.failure == "PAY is frozen."
    assert denied.audit.event == "proposal.denied"


def test_an_unchanged_policy_adds_no_requirement_after_a_round_trip_through_storage(policy: Policy) -> None:
    """A stored proposal (JSON) and a freshly computed decision of the same policy are the same requirement."""
    stored = Proposal.model_validate_json(waiting(policy).model_dump_json())
    current = decide(policy, issue())
    assert stored.requirements == (current,)
    change = workflow.approve(stored, LEAD1, policy, now=LATER, fingerprint=stored.fingerprint, current=current)
    assert change.proposal.reevaluated is None
    assert change.proposal.requirements == (current,)
    with pytest.raises(Refused, match="asks for nothing new"):
        workflow.reevaluate(stored, current, now=LATER)
