"""The workflow (who may move a proposal where, and the audit entry each move writes), and the proposal and action
models it works on: fingerprints bind approvals to exact content."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from pydantic import ValidationError

from approvals.core import workflow
from approvals.core.actions import JiraCreateIssue, Person, fingerprint, parse_actions
from approvals.core.policy import Policy, PolicyDecision, Principal, load_policy_text
from approvals.core.proposal import ActionResult, Approval, Proposal, build_proposal, new_proposal_id
from approvals.core.states import Event, IllegalTransition, ProposalState
from approvals.core.workflow import AlreadyDecided, Duplicate, NotAllowed, Refused

S = ProposalState
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(minutes=5)

POLICY_TEXT = """\
version: 1
roles:
  leads: {users: [U0LEAD001, U0LEAD002, U0LEAD003]}
  admins: {users: [U0ADMIN01]}
admins: [admins]
actions:
  jira.create_issue:
    request: [everyone]
    rules:
      - name: two leads for highest
        when: ["priority == Highest"]
        approve: {by: [leads], min_approvers: 2, expires_after: 1d}
      - name: ops may approve their own
        when: ["project in [OPS]"]
        approve: {by: [leads], allow_self_approval: true}
      - name: docs run at once
        when: ["project in [DOC]"]
        auto: true
      - name: one lead for payments
        when: ["project in [PAY]"]
        approve: {by: [leads], expires_after: 3d}
      - name: nothing else
        deny: "Only PAY, OPS and DOC issues."
"""

REQUESTER = Principal("U0REQ0001")
LEAD1 = Principal("U0LEAD001")
LEAD2 = Principal("U0LEAD002")
ADMIN = Principal("U0ADMIN01")
STRANGER = Principal("U0OTHER01")


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy_text(POLICY_TEXT, source="workflow.yml")


def issue(**changes: Any) -> JiraCreateIssue:
    fields: dict[str, Any] = {"project": "PAY", "issue_type": "Bug", "summary": "Checkout fails on Safari"}
    fields.update(changes)
    return JiraCreateIssue(**fields)


def drafted(policy: Policy, action: JiraCreateIssue | None = None, *, requester: Principal = REQUESTER) -> Proposal:
    action = action or issue()
    return build_proposal(
        proposal_id="ft-7kq2mx9c",
        requester=requester.user_id,
        channel="C0ENG0001",
        thread_ts="1700000000.000100",
        request_ts="1700000000.000200",
        request_text="create a bug in PAY: Checkout fails on Safari",
        actions=(action,),
        decision=policy.decide(action, requester=requester),
        now=NOW,
        permalink="https://northwind.slack.com/archives/C0ENG0001/p1700000000000100",
    )


def submitted(policy: Policy, action: JiraCreateIssue | None = None, *, requester: Principal = REQUESTER) -> Proposal:
    return workflow.submit(drafted(policy, action, requester=requester), now=NOW).proposal


def approved(policy: Policy) -> Proposal:
    proposal = submitted(policy)
    return workflow.approve(proposal, LEAD1, policy, now=LATER, fingerprint=proposal.fingerprint).proposal


def executing(policy: Policy) -> Proposal:
    return workflow.start(approved(policy), now=LATER, attempt=1).proposal


def done(key: str = "PAY-101") -> ActionResult:
    return ActionResult(
        index=0, status="done", system="jira", summary=f"Created {key}", key=key, url=f"https://jira/browse/{key}"
    )


def failed(policy: Policy) -> Proposal:
    return workflow.fail(executing(policy), [], "Jira refused it: project is archived", now=LATER).proposal


# ---------------------------------------------------------------------------------------------------------------
# Building and submitting


def test_build_proposal_starts_drafted_with_the_fingerprint_and_expiry_of_its_decision(policy: Policy) -> None:
    proposal = drafted(policy)
    assert proposal.state is S.DRAFTED
    assert proposal.fingerprint == fingerprint(proposal.actions)
    assert (proposal.created_at, proposal.updated_at) == (NOW, NOW)
    assert proposal.expires_at == NOW + dt.timedelta(days=3)
    assert proposal.policy == policy.decide(issue(), requester=REQUESTER)
    assert proposal.approvals == ()


def test_a_decision_without_expiry_builds_a_proposal_that_never_expires(policy: Policy) -> None:
    assert drafted(policy, issue(project="DOC")).expires_at is None


@pytest.mark.parametrize(
    ("action", "state", "event", "audit_event"),
    [
        (issue(), S.AWAITING_APPROVAL, Event.SUBMIT, "proposal.awaiting_approval"),
        (issue(project="DOC"), S.APPROVED, Event.AUTO_APPROVE, "proposal.auto_approved"),
        (issue(project="WEB"), S.DENIED, Event.DENY, "proposal.denied"),
    ],
)
def test_submit_follows_the_policy_outcome(
    policy: Policy, action: JiraCreateIssue, state: ProposalState, event: Event, audit_event: str
) -> None:
    proposal = drafted(policy, action)
    change = workflow.submit(proposal, now=LATER)
    assert change.proposal.state is state
    assert change.event is event
    assert change.proposal.updated_at == LATER
    assert (change.audit.event, change.audit.actor) == (audit_event, "policy")
    assert change.audit.data["rule"] == proposal.policy.rule
    assert change.audit.data["policy_hash"] == policy.content_hash
    assert change.audit.data["outcome"] == proposal.policy.outcome
    assert proposal.state is S.DRAFTED  # the input is not mutated


def test_submit_for_approval_records_who_must_approve(policy: Policy) -> None:
    change = workflow.submit(drafted(policy, issue(priority="Highest")), now=NOW)
    assert change.audit.data["approver_roles"] == ["leads"]
    assert change.audit.data["min_approvers"] == 2


def test_submit_of_a_denied_request_keeps_the_reason(policy: Policy) -> None:
    change = workflow.submit(drafted(policy, issue(project="WEB")), now=NOW)
    assert change.proposal.failure == "Only PAY, OPS and DOC issues."
    assert change.audit.data["reason"] == "Only PAY, OPS and DOC issues."


def test_submit_twice_is_an_illegal_transition(policy: Policy) -> None:
    with pytest.raises(IllegalTransition):
        workflow.submit(submitted(policy), now=NOW)


# ---------------------------------------------------------------------------------------------------------------
# Approving


def test_approve_by_an_approver_completes_a_one_person_quorum(policy: Policy) -> None:
    proposal = submitted(policy)
    change = workflow.approve(proposal, LEAD1, policy, now=LATER, fingerprint=proposal.fingerprint)
    assert change.proposal.state is S.APPROVED
    assert change.event is Event.APPROVE
    assert change.proposal.approvals == (Approval(user_id="U0LEAD001", at=LATER, fingerprint=proposal.fingerprint),)
    assert (change.audit.event, change.audit.actor) == ("proposal.approved", "U0LEAD001")
    assert change.audit.data == {
        "fingerprint": proposal.fingerprint,
        "approvals": 1,
        "min_approvers": 1,
        "roles": ["leads"],
        "escalated": False,
        "approved": [a.model_dump(mode="json") for a in proposal.actions],
    }, "the audit keeps exactly what was approved, beside what was proposed and what ran"


def test_requester_cannot_approve_their_own_request(policy: Policy) -> None:
    proposal = submitted(policy, requester=LEAD1)
    with pytest.raises(NotAllowed) as excinfo:
        workflow.approve(proposal, LEAD1, policy, now=LATER, fingerprint=proposal.fingerprint)
    assert excinfo.value.user_message == "You asked for this change, so someone else has to approve it."
    assert excinfo.value.proposal_id == proposal.id
    assert excinfo.value.code == "not_allowed"


def test_requester_may_approve_their_own_request_when_the_rule_allows_it(policy: Policy) -> None:
    proposal = submitted(policy, issue(project="OPS"), requester=LEAD1)
    change = workflow.approve(proposal, LEAD1, policy, now=LATER, fingerprint=proposal.fingerprint)
    assert change.proposal.state is S.APPROVED


def test_self_approval_still_needs_the_approver_role(policy: Policy) -> None:
    proposal = submitted(policy, issue(project="OPS"))
    with pytest.raises(NotAllowed, match="it needs someone from: leads"):
        workflow.approve(proposal, REQUESTER, policy, now=LATER, fingerprint=proposal.fingerprint)


def test_someone_without_the_approver_role_is_refused_with_the_roles_named(policy: Policy) -> None:
    proposal = submitted(policy)
    with pytest.raises(NotAllowed) as excinfo:
        workflow.approve(proposal, STRANGER, policy, now=LATER, fingerprint=proposal.fingerprint)
    assert excinfo.value.user_message == ("You are not an approver for this request (it needs someone from: leads).")


def test_may_approve_says_none_when_allowed_and_why_not_otherwise(policy: Policy) -> None:
    proposal = submitted(policy)
    assert workflow.may_approve(proposal, LEAD1, policy) is None
    assert workflow.may_approve(proposal, STRANGER, policy) is not None
    auto = drafted(policy, issue(project="DOC"))
    assert workflow.may_approve(auto, LEAD1, policy) == "This request does not need an approval."


def test_two_of_n_needs_two_distinct_approvers(policy: Policy) -> None:
    proposal = submitted(policy, issue(priority="Highest"))
    first = workflow.approve(proposal, LEAD1, policy, now=LATER, fingerprint=proposal.fingerprint)
    assert first.proposal.state is S.AWAITING_APPROVAL
    assert first.event is Event.APPROVE_PARTIAL
    assert (first.audit.event, first.audit.actor) == ("proposal.approval_recorded", "U0LEAD001")
    assert (first.audit.data["approvals"], first.audit.data["min_approvers"]) == (1, 2)
    assert not first.proposal.quorum_reached

    with pytest.raises(Duplicate) as excinfo:
        workflow.approve(first.proposal, LEAD1, policy, now=LATER, fingerprint=proposal.fingerprint)
    assert excinfo.value.user_message == "You already approved this. It still needs 1 more approval from someone else."

    second = workflow.approve(first.proposal, LEAD2, policy, now=LATER, fingerprint=proposal.fingerprint)
    assert second.proposal.state is S.APPROVED
    assert second.event is Event.APPROVE
    assert second.proposal.approvers_so_far == ("U0LEAD001", "U0LEAD002")
    assert (second.audit.event, second.audit.actor) == ("proposal.approved", "U0LEAD002")
    assert second.audit.data["approvals"] == 2


def test_an_approval_with_a_stale_fingerprint_is_refused(policy: Policy) -> None:
    proposal = submitted(policy)
    stale = fingerprint((issue(summary="Checkout fails on Firefox"),))
    with pytest.raises(Refused) as excinfo:
        workflow.approve(proposal, LEAD1, policy, now=LATER, fingerprint=stale)
    assert type(excinfo.value) is Refused
    assert "changed after you opened it" in excinfo.value.user_message
    assert excinfo.value.proposal_id == proposal.id


def test_an_approval_of_an_earlier_version_does_not_count_or_block(policy: Policy) -> None:
    proposal = submitted(policy, issue(priority="Highest"))
    old = Approval(user_id="U0LEAD001", at=NOW, fingerprint="0" * 32)
    proposal = proposal.with_changes(approvals=(old,))
    assert proposal.approvers_so_far == ()
    change = workflow.approve(proposal, LEAD1, policy, now=LATER, fingerprint=proposal.fingerprint)
    assert change.proposal.state is S.AWAITING_APPROVAL
    assert change.audit.data["approvals"] == 1


@pytest.mark.parametrize(
    ("make", "who"),
    [
        (approved, "was already approved by <@U0LEAD001> and is approved"),
        (executing, "was already approved by <@U0LEAD001> and is executing"),
        (failed, "was already approved by <@U0LEAD001> and is failed"),
    ],
)
def test_approving_an_approved_proposal_says_who_approved_it(policy: Policy, make: Any, who: str) -> None:
    proposal = make(policy)
    with pytest.raises(AlreadyDecided) as excinfo:
        workflow.approve(proposal, LEAD2, policy, now=LATER, fingerprint=proposal.fingerprint)
    assert excinfo.value.user_message == f"This request {who}."
    assert excinfo.value.code == "already_decided"


def test_approving_an_auto_approved_proposal_says_the_policy_approved_it(policy: Policy) -> None:
    proposal = submitted(policy, issue(project="DOC"))
    with pytest.raises(AlreadyDecided, match="was already approved by policy"):
        workflow.approve(proposal, LEAD1, policy, now=LATER, fingerprint=proposal.fingerprint)


def test_approving_a_rejected_proposal_says_who_rejected_it(policy: Policy) -> None:
    proposal = submitted(policy)
    rejected = workflow.reject(proposal, LEAD2, policy, now=LATER).proposal
    with pytest.raises(AlreadyDecided) as excinfo:
        workflow.approve(rejected, LEAD1, policy, now=LATER, fingerprint=proposal.fingerprint)
    assert excinfo.value.user_message == "This request was already rejected by <@U0LEAD002>."


def test_approving_a_cancelled_proposal_says_who_cancelled_it(policy: Policy) -> None:
    proposal = submitted(policy)
    cancelled = workflow.cancel(proposal, REQUESTER, policy, now=LATER).proposal
    with pytest.raises(AlreadyDecided) as excinfo:
        workflow.approve(cancelled, LEAD1, policy, now=LATER, fingerprint=proposal.fingerprint)
    assert excinfo.value.user_message == "This request was already cancelled by <@U0REQ0001>."


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda policy: submitted(policy, issue(project="WEB")), "This request is already denied."),
        (
            lambda policy: workflow.expire(submitted(policy), now=NOW + dt.timedelta(days=3)).proposal,
            "This request is already expired.",
        ),
    ],
    ids=["denied", "expired"],
)
def test_approving_a_proposal_nobody_can_approve_any_more_is_refused(policy: Policy, make: Any, message: str) -> None:
    proposal = make(policy)
    with pytest.raises(AlreadyDecided) as excinfo:
        workflow.approve(proposal, LEAD1, policy, now=LATER, fingerprint=proposal.fingerprint)
    assert excinfo.value.user_message == message


# ---------------------------------------------------------------------------------------------------------------
# Rejecting and cancelling


def test_reject_by_an_approver_records_who_and_why(policy: Policy) -> None:
    change = workflow.reject(submitted(policy), LEAD1, policy, now=LATER, reason="  duplicate of PAY-7 ")
    assert change.proposal.state is S.REJECTED
    assert change.event is Event.REJECT
    assert change.proposal.rejection is not None
    assert (change.proposal.rejection.user_id, change.proposal.rejection.reason) == ("U0LEAD001", "duplicate of PAY-7")
    assert (change.audit.event, change.audit.actor, change.audit.data) == (
        "proposal.rejected",
        "U0LEAD001",
        {"reason": "duplicate of PAY-7"},
    )


@pytest.mark.parametrize("who", [STRANGER, REQUESTER])
def test_reject_by_a_non_approver_is_refused_and_points_to_cancel(policy: Policy, who: Principal) -> None:
    with pytest.raises(NotAllowed) as excinfo:
        workflow.reject(submitted(policy), who, policy, now=LATER)
    assert "Only an approver can reject this request (someone from: leads)" in excinfo.value.user_message
    assert "use Cancel instead" in excinfo.value.user_message


def test_reject_after_approval_is_refused(policy: Policy) -> None:
    with pytest.raises(AlreadyDecided, match="already approved"):
        workflow.reject(approved(policy), LEAD2, policy, now=LATER)


@pytest.mark.parametrize(("actor", "make"), [(REQUESTER, submitted), (ADMIN, submitted), (REQUESTER, approved)])
def test_cancel_by_the_requester_or_an_admin_before_execution(policy: Policy, actor: Principal, make: Any) -> None:
    change = workflow.cancel(make(policy), actor, policy, now=LATER)
    assert change.proposal.state is S.CANCELLED
    assert change.proposal.cancelled_by == actor.user_id
    assert change.event is Event.CANCEL
    assert (change.audit.event, change.audit.actor) == ("proposal.cancelled", actor.user_id)


def test_cancel_of_a_draft_is_allowed(policy: Policy) -> None:
    assert workflow.cancel(drafted(policy), REQUESTER, policy, now=LATER).proposal.state is S.CANCELLED


@pytest.mark.parametrize("actor", [LEAD1, STRANGER])
def test_cancel_by_anyone_else_is_refused(policy: Policy, actor: Principal) -> None:
    with pytest.raises(NotAllowed, match="Only the person who asked, or an admin, can cancel"):
        workflow.cancel(submitted(policy), actor, policy, now=LATER)


@pytest.mark.parametrize("make", [executing, failed])
def test_cancel_after_execution_started_is_refused(policy: Policy, make: Any) -> None:
    with pytest.raises(AlreadyDecided, match="it can no longer be cancelled"):
        workflow.cancel(make(policy), ADMIN, policy, now=LATER)


def test_cancel_after_success_is_refused(policy: Policy) -> None:
    succeeded = workflow.succeed(executing(policy), [done()], now=LATER).proposal
    with pytest.raises(AlreadyDecided, match="is succeeded; it can no longer be cancelled"):
        workflow.cancel(succeeded, REQUESTER, policy, now=LATER)


# ---------------------------------------------------------------------------------------------------------------
# Expiry and execution


def test_expire_before_expires_at_is_refused(policy: Policy) -> None:
    proposal = submitted(policy)
    assert proposal.expires_at is not None
    with pytest.raises(Refused, match="has not expired yet"):
        workflow.expire(proposal, now=proposal.expires_at - dt.timedelta(seconds=1))


def test_expire_at_or_after_expires_at_fails_closed(policy: Policy) -> None:
    proposal = submitted(policy)
    assert proposal.expires_at is not None
    change = workflow.expire(proposal, now=proposal.expires_at)
    assert change.proposal.state is S.EXPIRED
    assert change.event is Event.EXPIRE
    assert (change.audit.event, change.audit.actor) == ("proposal.expired", "scheduler")
    assert change.audit.data == {"expires_at": "2026-11-23T12:00:00+00:00", "waited_for": "approval"}


def test_expire_of_a_decided_proposal_is_refused(policy: Policy) -> None:
    with pytest.raises(AlreadyDecided):
        workflow.expire(approved(policy), now=NOW + dt.timedelta(days=30))


def test_start_claims_an_approved_proposal_and_may_claim_it_again(policy: Policy) -> None:
    change = workflow.start(approved(policy), now=LATER, attempt=1)
    assert change.proposal.state is S.EXECUTING
    assert (change.audit.event, change.audit.actor, change.audit.data) == (
        "proposal.executing",
        "worker",
        {"attempt": 1},
    )
    again = workflow.start(change.proposal, now=LATER, attempt=2)
    assert again.proposal.state is S.EXECUTING
    assert again.audit.data == {"attempt": 2}


@pytest.mark.parametrize("make", [submitted, failed])
def test_start_of_a_proposal_that_is_not_approved_is_refused(policy: Policy, make: Any) -> None:
    with pytest.raises(AlreadyDecided):
        workflow.start(make(policy), now=LATER, attempt=1)


def test_succeed_records_the_results(policy: Policy) -> None:
    change = workflow.succeed(executing(policy), [done()], now=LATER)
    assert change.proposal.state is S.SUCCEEDED
    assert change.proposal.results == (done(),)
    assert change.proposal.failure is None
    assert (change.audit.event, change.audit.actor) == ("proposal.succeeded", "worker")
    assert change.audit.data["results"][0]["key"] == "PAY-101"


def test_fail_records_the_reason(policy: Policy) -> None:
    change = workflow.fail(executing(policy), [], "Jira refused it", now=LATER)
    assert change.proposal.state is S.FAILED
    assert change.proposal.failure == "Jira refused it"
    assert (change.audit.event, change.audit.actor) == ("proposal.failed", "worker")
    assert change.audit.data == {"reason": "Jira refused it", "results": []}


def test_succeed_without_start_is_an_illegal_transition(policy: Policy) -> None:
    with pytest.raises(IllegalTransition):
        workflow.succeed(approved(policy), [done()], now=LATER)


def test_retry_by_an_admin_sends_a_failed_proposal_back_to_approved(policy: Policy) -> None:
    proposal = failed(policy)
    change = workflow.retry(proposal, ADMIN, policy, now=LATER)
    assert change.proposal.state is S.APPROVED
    assert change.proposal.failure is None
    assert change.proposal.approvals == proposal.approvals  # the approval still binds the same fingerprint
    assert change.event is Event.RETRY
    assert (change.audit.event, change.audit.actor) == ("proposal.retried", "U0ADMIN01")


@pytest.mark.parametrize("actor", [REQUESTER, LEAD1])
def test_retry_by_anyone_but_an_admin_is_refused(policy: Policy, actor: Principal) -> None:
    with pytest.raises(NotAllowed, match="Only an admin can retry"):
        workflow.retry(failed(policy), actor, policy, now=LATER)


@pytest.mark.parametrize("make", [submitted, approved, executing])
def test_retry_of_a_proposal_that_has_not_failed_is_refused(policy: Policy, make: Any) -> None:
    with pytest.raises(Refused, match="Only failed requests can be retried"):
        workflow.retry(make(policy), ADMIN, policy, now=LATER)


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (issue(priority="Highest"), "Needs 2 approvals from leads (rule 1: two leads for highest)"),
        (issue(), "Needs 1 approval from leads (rule 4: one lead for payments)"),
        (issue(project="DOC"), "Runs without approval (rule 3: docs run at once)"),
        (issue(project="WEB"), "Denied by policy (rule 5: nothing else): Only PAY, OPS and DOC issues."),
    ],
)
def test_describe_decision_says_what_the_rule_requires(policy: Policy, action: JiraCreateIssue, expected: str) -> None:
    assert workflow.describe_decision(policy.decide(action, requester=REQUESTER)) == expected


def test_describe_decision_joins_several_roles_with_or() -> None:
    decision = PolicyDecision(outcome="approve", rule="rule 1", policy_hash="x", approver_roles=("leads", "admins"))
    assert workflow.describe_decision(decision) == "Needs 1 approval from leads or admins (rule 1)"


# ---------------------------------------------------------------------------------------------------------------
# The proposal model


def test_a_stored_proposal_whose_actions_were_altered_is_refused(policy: Policy) -> None:
    data = submitted(policy).model_dump(mode="json")
    data["actions"][0]["summary"] = "Delete the production database"
    with pytest.raises(ValidationError, match=r"proposal 'ft-7kq2mx9c': stored fingerprint .* does not match"):
        Proposal.model_validate(data)


def test_a_stored_proposal_round_trips_through_json(policy: Policy) -> None:
    proposal = approved(policy)
    loaded = Proposal.model_validate_json(proposal.model_dump_json())
    assert loaded.model_dump(mode="json") == proposal.model_dump(mode="json")
    assert loaded.policy == proposal.policy
    assert loaded.state is S.APPROVED


def test_with_changes_revalidates_the_fingerprint(policy: Policy) -> None:
    proposal = submitted(policy)
    with pytest.raises(ValidationError, match="does not match its actions"):
        proposal.with_changes(actions=(issue(summary="Something else"),))


def test_approvers_so_far_are_distinct_in_order_and_of_the_current_fingerprint_only(policy: Policy) -> None:
    proposal = submitted(policy, issue(priority="Highest"))
    current = proposal.fingerprint
    approvals = (
        Approval(user_id="U0LEAD002", at=NOW, fingerprint=current),
        Approval(user_id="U0LEAD003", at=NOW, fingerprint="f" * 32),
        Approval(user_id="U0LEAD002", at=LATER, fingerprint=current),
        Approval(user_id="U0LEAD001", at=LATER, fingerprint=current),
    )
    proposal = proposal.with_changes(approvals=approvals)
    assert proposal.approvers_so_far == ("U0LEAD002", "U0LEAD001")
    assert proposal.quorum_reached


def test_quorum_ignores_approvals_of_another_fingerprint(policy: Policy) -> None:
    proposal = submitted(policy, issue(priority="Highest"))
    stale = tuple(Approval(user_id=u, at=NOW, fingerprint="f" * 32) for u in ("U0LEAD001", "U0LEAD002"))
    with_stale = proposal.with_changes(approvals=stale)
    assert with_stale.approvers_so_far == ()
    assert not with_stale.quorum_reached


def test_new_proposal_ids_are_short_typeable_and_distinct() -> None:
    ids = {new_proposal_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"ft-[a-hj-km-np-tv-z2-9]{8}", i) for i in ids)


# ---------------------------------------------------------------------------------------------------------------
# Actions and their fingerprint

BASE = issue(
    description="From the thread",
    assignee=Person(display_name="Alice", slack_user_id="U0ALICE01", email="alice@x.example", jira_account_id="a1"),
    priority="High",
    labels=("web", "safari"),
    due_date=dt.date(2026, 11, 27),
)

CHANGED = {
    "project": {"project": "OPS"},
    "issue_type": {"issue_type": "Task"},
    "summary": {"summary": "Checkout fails on Firefox"},
    "description": {"description": "From the thread."},
    "assignee removed": {"assignee": None},
    "assignee account": {"assignee": BASE.assignee.model_copy(update={"jira_account_id": "a2"})},  # type: ignore[union-attr]
    "assignee name": {"assignee": BASE.assignee.model_copy(update={"display_name": "Alice B"})},  # type: ignore[union-attr]
    "priority": {"priority": "Highest"},
    "priority removed": {"priority": None},
    "labels": {"labels": ("web",)},
    "labels order": {"labels": ("safari", "web")},
    "due date": {"due_date": dt.date(2026, 11, 28)},
    "due date removed": {"due_date": None},
}


def test_fingerprint_is_stable_for_equal_content() -> None:
    again = JiraCreateIssue.model_validate(BASE.model_dump())
    assert fingerprint([BASE]) == fingerprint((again,))
    assert re.fullmatch(r"[0-9a-f]{32}", fingerprint([BASE]))


def test_fingerprint_changes_with_any_field() -> None:
    prints = {name: fingerprint([BASE.model_copy(update=update)]) for name, update in CHANGED.items()}
    assert fingerprint([BASE]) not in prints.values()
    assert len(set(prints.values())) == len(prints)


def test_fingerprint_changes_with_the_order_and_number_of_actions() -> None:
    other = issue(summary="Second")
    assert fingerprint([BASE, other]) != fingerprint([other, BASE])
    assert fingerprint([BASE, other]) != fingerprint([BASE])


@pytest.mark.parametrize(
    ("summary", "cleaned"),
    [
        ("  Checkout   fails\non  Safari ", "Checkout fails on Safari"),
        ("Tabs\tand\r\nnewlines", "Tabs and newlines"),
        ("x", "x"),
    ],
)
def test_summary_whitespace_is_collapsed_to_one_line(summary: str, cleaned: str) -> None:
    assert issue(summary=summary).summary == cleaned


def test_collapsed_summary_gives_the_same_fingerprint() -> None:
    assert fingerprint([issue(summary="A  b")]) == fingerprint([issue(summary="A b")])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"summary": ""}, "at least 1 character"),
        ({"summary": "   \n\t"}, "summary must not be blank"),
        ({"summary": "x" * 255}, "at most 254 characters"),
        ({"description": "x" * 32_001}, "at most 32000 characters"),
        ({"labels": ("needs triage",)}, "label 'needs triage' must be non-empty and contain no spaces"),
        ({"labels": ("ok", "")}, "label '' must be non-empty"),
        ({"labels": ("tab\there",)}, "contain no spaces"),
        ({"issue_type": ""}, "at least 1 character"),
        ({"unknown": 1}, "Extra inputs are not permitted"),
    ],
)
def test_jira_create_issue_refuses_invalid_fields(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        issue(**changes)


def test_longest_summary_and_description_are_accepted() -> None:
    action = issue(summary="x" * 254, description="y" * 32_000)
    assert len(action.summary) == 254


@pytest.mark.parametrize("key", ["PAY", "OPS", "P1", "AB_C", "ABCDEFGHIJ"])
def test_project_keys_written_like_jira_keys_are_accepted(key: str) -> None:
    assert issue(project=key).project == key


@pytest.mark.parametrize("key", ["P", "pay", "Pay", "1PAY", "PAY-1", "ABCDEFGHIJK", "PA Y", "_PAY", ""])
def test_project_keys_not_written_like_jira_keys_are_refused(key: str) -> None:
    with pytest.raises(ValidationError, match="project"):
        issue(project=key)


def test_actions_are_immutable() -> None:
    with pytest.raises(ValidationError):
        BASE.summary = "changed"  # type: ignore[misc]


def test_policy_fields_expose_the_assignee_by_email() -> None:
    fields = BASE.policy_fields()
    assert fields == {
        "project": "PAY",
        "issue_type": "Bug",
        "priority": "High",
        "assignee": "alice@x.example",
        "labels": ["web", "safari"],
        "due_date": dt.date(2026, 11, 27),
        "summary": "Checkout fails on Safari",
    }
    assert set(fields) == set(JiraCreateIssue.policy_field_names)
    assert issue().policy_fields()["assignee"] is None


def test_parse_actions_picks_the_model_by_kind() -> None:
    (parsed,) = parse_actions([{"kind": "jira.create_issue", "project": "PAY", "issue_type": "Bug", "summary": "x"}])
    assert parsed == issue(summary="x")
    with pytest.raises(ValidationError):
        parse_actions([{"kind": "jira.delete_issue", "project": "PAY"}])
