"""Shadow mode in the workflow: a proposal decided as usual ends ``shadowed`` (from drafted, or after its questions)
recording what would have happened, no event leads from there to running it, and Right / Wrong answers are recorded
without a transition, by the people who may give them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from approvals.core import workflow
from approvals.core.actions import JiraCreateIssue
from approvals.core.intents import JiraCreateIssueRequest
from approvals.core.policy import Policy, Principal, load_policy_text
from approvals.core.proposal import Proposal, build_proposal
from approvals.core.states import TERMINAL_STATES, Event, ProposalState, allowed_events
from approvals.core.workflow import AlreadyDecided, Duplicate, NotAllowed

S = ProposalState
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(minutes=5)
SCOPE = "jira.create_issue is in shadow mode"

POLICY = load_policy_text(
    """\
version: 1
roles:
  leads: {users: [U0LEAD001, U0LEAD002]}
  admins: {users: [U0ADMIN01]}
admins: [admins]
actions:
  jira.create_issue:
    request: [everyone]
    rules:
      - name: docs run at once
        when: ["project in [DOC]"]
        auto: true
      - name: one lead for payments
        when: ["project in [PAY]"]
        approve: {by: [leads], expires_after: 3d}
      - name: nothing else
        deny: "Only PAY and DOC issues."
shadow:
  kinds: [jira.create_issue]
""",
    source="shadow-workflow.yml",
)
REQUESTER = Principal("U0REQ0001")
LEAD1 = Principal("U0LEAD001")
LEAD2 = Principal("U0LEAD002")
ADMIN = Principal("U0ADMIN01")
STRANGER = Principal("U0OTHER01")


def issue(**changes: Any) -> JiraCreateIssue:
    fields: dict[str, Any] = {"project": "PAY", "issue_type": "Bug", "summary": "Checkout fails on Safari"}
    fields.update(changes)
    return JiraCreateIssue(**fields)


def drafted(action: JiraCreateIssue | None = None, policy: Policy = POLICY) -> Proposal:
    action = action or issue()
    return build_proposal(
        proposal_id="ft-7kq2mx9c",
        requester=REQUESTER.user_id,
        channel="C0ENG0001",
        thread_ts="1700000000.000100",
        request_ts="1700000000.000200",
        request_text="create a bug in PAY: Checkout fails on Safari",
        actions=(action,),
        decision=policy.decide(action, requester=REQUESTER),
        now=NOW,
    )


def shadowed(action: JiraCreateIssue | None = None, *, would_ask: tuple[str, ...] = ("U0LEAD001",)) -> Proposal:
    return workflow.shadow(drafted(action), scope=SCOPE, would_ask=would_ask, now=LATER).proposal


def asking() -> Proposal:
    empty = build_proposal(
        proposal_id="ft-7kq2mx9c",
        requester=REQUESTER.user_id,
        channel="C0ENG0001",
        thread_ts="1700000000.000100",
        request_ts="1700000000.000200",
        request_text="file a bug: checkout fails",
        actions=(),
        decision=None,
        now=NOW,
    )
    requests = (JiraCreateIssueRequest(issue_type="Bug", summary="Checkout fails"),)
    return workflow.ask(
        empty,
        text="Which project?",
        field="project",
        choices=[],
        request_index=0,
        requests=requests,
        now=NOW,
        wait=dt.timedelta(days=7),
    ).proposal


# ---------------------------------------------------------------------------------------------------------------
# The state


def test_shadowed_is_terminal_and_reached_only_from_drafted_and_needs_info() -> None:
    assert S.SHADOWED in TERMINAL_STATES
    assert allowed_events(S.SHADOWED) == frozenset()
    assert {state for state in ProposalState if Event.SHADOW in allowed_events(state)} == {S.DRAFTED, S.NEEDS_INFO}


@pytest.mark.parametrize(
    ("action", "would", "would_ask"),
    [
        (issue(), "ask", ("U0LEAD001", "U0LEAD002")),
        (issue(project="DOC"), "run", ()),
        (issue(project="WEB"), "refuse", ()),
    ],
)
def test_a_drafted_proposal_ends_shadowed_saying_what_would_have_happened(
    action: JiraCreateIssue, would: str, would_ask: tuple[str, ...]
) -> None:
    change = workflow.shadow(drafted(action), scope=SCOPE, would_ask=("U0LEAD001", "U0LEAD002"), now=LATER)
    proposal = change.proposal
    assert change.event is Event.SHADOW
    assert proposal.state is S.SHADOWED
    assert proposal.shadow is not None
    assert (proposal.shadow.scope, proposal.shadow.would, proposal.shadow.would_ask) == (SCOPE, would, would_ask)
    assert proposal.actions == (action,) and proposal.decision == drafted(action).decision, "decided as usual"
    assert proposal.expires_at is None, "nothing waits, so nothing expires"
    assert proposal.approvals == () and proposal.shadow.verdicts == ()
    entry = change.audit
    assert (entry.event, entry.actor) == ("proposal.shadowed", "policy")
    assert entry.data["would"] == would and entry.data["scope"] == SCOPE
    assert entry.data["outcome"] == proposal.policy.outcome and entry.data["rule"] == proposal.policy.rule
    assert entry.data["kinds"] == ["jira.create_issue"] and entry.data["would_ask"] == list(would_ask)


def test_a_proposal_whose_questions_are_answered_ends_shadowed_instead_of_submitted() -> None:
    action = issue()
    change = workflow.complete(
        asking(),
        requests=(JiraCreateIssueRequest(project="PAY", issue_type="Bug", summary="Checkout fails"),),
        actions=(action,),
        decision=POLICY.decide(action, requester=REQUESTER),
        now=LATER,
        shadow_scope=SCOPE,
        would_ask=("U0LEAD001",),
    )
    assert change.proposal.state is S.SHADOWED and change.event is Event.SHADOW
    assert change.proposal.question is None and change.proposal.actions == (action,)
    assert change.proposal.shadow is not None and change.proposal.shadow.would_ask == ("U0LEAD001",)


def test_without_a_shadow_scope_completing_still_submits() -> None:
    action = issue()
    change = workflow.complete(
        asking(),
        requests=(),
        actions=(action,),
        decision=POLICY.decide(action, requester=REQUESTER),
        now=LATER,
    )
    assert change.proposal.state is S.AWAITING_APPROVAL and change.proposal.shadow is None


def test_a_proposal_already_waiting_for_approval_cannot_be_shadowed() -> None:
    waiting = workflow.submit(drafted(), now=NOW).proposal
    with pytest.raises(AlreadyDecided):
        workflow.shadow(waiting, scope=SCOPE, would_ask=(), now=LATER)


def test_nothing_moves_a_shadowed_proposal_towards_running() -> None:
    proposal = shadowed()
    with pytest.raises(AlreadyDecided):
        workflow.approve(proposal, LEAD1, POLICY, now=LATER, fingerprint=proposal.fingerprint)
    with pytest.raises(AlreadyDecided):
        workflow.reject(proposal, LEAD1, POLICY, now=LATER)
    with pytest.raises(AlreadyDecided):
        workflow.start(proposal, now=LATER, attempt=1)
    with pytest.raises(AlreadyDecided):
        workflow.cancel(proposal, REQUESTER, POLICY, now=LATER)
    with pytest.raises(AlreadyDecided):
        workflow.expire(proposal, now=LATER + dt.timedelta(days=30))
    with pytest.raises(workflow.Refused, match="Only failed requests can be retried"):
        workflow.retry(proposal, ADMIN, POLICY, now=LATER)


def test_a_refusal_on_a_shadowed_proposal_says_it_was_handled_in_shadow_mode() -> None:
    with pytest.raises(AlreadyDecided, match="was handled in shadow mode, where nothing is carried out"):
        workflow.cancel(shadowed(), REQUESTER, POLICY, now=LATER)


def test_a_shadowed_proposal_survives_a_round_trip_through_its_stored_form() -> None:
    proposal = workflow.judge(shadowed(), LEAD1, POLICY, right=False, note="wrong project", now=LATER).proposal
    assert Proposal.model_validate_json(proposal.model_dump_json()) == proposal


# ---------------------------------------------------------------------------------------------------------------
# Right / Wrong


@pytest.mark.parametrize(
    "person",
    [REQUESTER, LEAD1, LEAD2, ADMIN],
    ids=["requester", "would have been asked", "holds an approver role", "admin"],
)
def test_who_may_say_whether_it_was_right(person: Principal) -> None:
    # LEAD2 was not in would_ask (the role had only LEAD1 then) but holds the role now.
    assert workflow.may_judge(shadowed(would_ask=("U0LEAD001",)), person, POLICY) is None


def test_anyone_else_is_refused_and_told_who_may() -> None:
    with pytest.raises(NotAllowed, match=r"Only <@U0REQ0001> \(who asked\), the people it would have asked"):
        workflow.judge(shadowed(), STRANGER, POLICY, right=True, now=LATER)


def test_only_a_shadowed_proposal_can_be_judged() -> None:
    with pytest.raises(AlreadyDecided, match="not handled in shadow mode"):
        workflow.judge(workflow.submit(drafted(), now=NOW).proposal, LEAD1, POLICY, right=True, now=LATER)


def test_an_answer_is_recorded_without_a_transition_and_audited() -> None:
    before = shadowed()
    change = workflow.judge(before, LEAD1, POLICY, right=False, note="  should be\nOPS  ", now=LATER)
    assert change.event is None and change.proposal.state is S.SHADOWED
    assert change.proposal.fingerprint == before.fingerprint and change.proposal.actions == before.actions
    assert change.proposal.shadow is not None
    (verdict,) = change.proposal.shadow.verdicts
    assert (verdict.user_id, verdict.right, verdict.at, verdict.note) == ("U0LEAD001", False, LATER, "should be OPS")
    assert (change.audit.event, change.audit.actor) == ("shadow.judged", "U0LEAD001")
    assert change.audit.data == {
        "right": False,
        "note": "should be OPS",
        "changed_from": None,
        "would": "ask",
        "rule": "rule 2: one lead for payments",
        "kinds": ["jira.create_issue"],
    }


def test_a_person_changing_their_mind_replaces_their_answer_and_the_audit_says_from_what() -> None:
    first = workflow.judge(shadowed(), LEAD1, POLICY, right=False, note="hm", now=LATER).proposal
    change = workflow.judge(first, LEAD1, POLICY, right=True, now=LATER)
    assert change.proposal.shadow is not None
    assert [(v.user_id, v.right) for v in change.proposal.shadow.verdicts] == [("U0LEAD001", True)]
    assert change.audit.data["changed_from"] == "wrong"


def test_the_same_answer_twice_is_a_duplicate() -> None:
    first = workflow.judge(shadowed(), LEAD1, POLICY, right=True, now=LATER).proposal
    with pytest.raises(Duplicate, match="You already said this was right"):
        workflow.judge(first, LEAD1, POLICY, right=True, now=LATER)


def test_one_wrong_makes_the_proposal_wrong_and_all_right_makes_it_right() -> None:
    proposal = shadowed()
    assert proposal.shadow is not None and proposal.shadow.verdict is None
    proposal = workflow.judge(proposal, REQUESTER, POLICY, right=True, now=LATER).proposal
    assert proposal.shadow is not None and proposal.shadow.verdict is True
    proposal = workflow.judge(proposal, LEAD1, POLICY, right=False, now=LATER).proposal
    assert proposal.shadow is not None and proposal.shadow.verdict is False


def test_a_long_note_is_clipped() -> None:
    change = workflow.judge(shadowed(), LEAD1, POLICY, right=False, note="x" * 2000, now=LATER)
    assert change.proposal.shadow is not None
    assert len(change.proposal.shadow.verdicts[0].note) == workflow.NOTE_LIMIT
