"""The shadow report's figures, from proposals stored in Redis as the jobs store them: precision per action kind
(right / answered, one Wrong making a request wrong), what was not answered, questions asked, requests never
understood, requests still waiting for an answer, and the rules that fired."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import redis

from approvals.core import workflow
from approvals.core.actions import Action, JiraCreateIssue, JiraTransition, SalesforceLogCall
from approvals.core.intents import JiraCreateIssueRequest
from approvals.core.policy import Policy, Principal, load_policy_text
from approvals.core.proposal import Proposal, build_proposal
from approvals.core.workflow import AuditEntry
from approvals.flow.shadow import SEEN, build_report, report_lines
from approvals.flow.store import ProposalStore

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
REQUESTER = Principal("U0REQ0001")
LEAD = Principal("U0LEAD001")
ADMIN = Principal("U0ADMIN01")

POLICY: Policy = load_policy_text(
    """\
version: 1
roles:
  leads: {users: [U0LEAD001]}
  admins: {users: [U0ADMIN01]}
admins: [admins]
actions:
  jira.create_issue:
    request: [everyone]
    rules:
      - name: payments
        when: ["project in [PAY]"]
        approve: {by: [leads]}
      - name: nothing else
        deny: "Only PAY issues."
  jira.transition:
    request: [everyone]
    rules:
      - name: moves run at once
        auto: true
  salesforce.log_call:
    request: [everyone]
    rules:
      - name: calls are logged at once
        auto: true
shadow: {everywhere: true}
""",
    source="report.yml",
)


@pytest.fixture
def store(redis_db: redis.Redis) -> ProposalStore:
    return ProposalStore(redis_db, clock=lambda: NOW)


def bug(project: str = "PAY") -> JiraCreateIssue:
    return JiraCreateIssue(project=project, issue_type="Bug", summary="Checkout fails")


def move() -> JiraTransition:
    return JiraTransition.model_validate({"issue": {"key": "PAY-12"}, "status": "Done"})


def call() -> SalesforceLogCall:
    return SalesforceLogCall.model_validate({"subject": "Call with Ana", "call_date": "2026-11-19"})


_ids = iter(f"ft-{n:08d}".replace("0", "a") for n in range(1, 100))


def drafted(*actions: Action, created: dt.datetime = NOW) -> Proposal:
    decisions = [POLICY.decide(a, requester=REQUESTER) for a in actions]
    denied = [d for d in decisions if d.outcome == "deny"]
    return build_proposal(
        proposal_id=next(_ids),
        requester=REQUESTER.user_id,
        channel="C0SALES01",
        thread_ts="1700000000.000100",
        request_ts="1700000000.000200",
        request_text="a request",
        actions=actions,
        decision=(denied or decisions or [None])[0],
        now=created,
        requests=(JiraCreateIssueRequest(summary="x"),) if not actions else (),
    )


def stored(store: ProposalStore, proposal: Proposal) -> Proposal:
    store.create(proposal, AuditEntry("proposal.created", proposal.requester))
    return proposal


def shadowed(store: ProposalStore, *actions: Action, created: dt.datetime = NOW, questions: int = 0) -> str:
    proposal = stored(store, drafted(*actions, created=created))
    for n in range(questions):
        store.audit.write(proposal.id, AuditEntry("proposal.question_asked", "bot", {"question": f"q{n}"}), at=NOW)
    store.update(
        proposal.id,
        lambda p: workflow.shadow(p, scope="shadow mode is on everywhere", would_ask=["U0LEAD001"], now=NOW),
    )
    store.connection.zadd(SEEN, {proposal.id: proposal.created_at.timestamp()})
    return proposal.id


def answered(store: ProposalStore, proposal_id: str, person: Principal, *, right: bool, note: str = "") -> None:
    store.update(proposal_id, lambda p: workflow.judge(p, person, POLICY, right=right, note=note, now=NOW))


def asking(store: ProposalStore, **changes: Any) -> Proposal:
    proposal = stored(store, drafted())
    change = store.update(
        proposal.id,
        lambda p: workflow.ask(
            p,
            text="Which project?",
            field="project",
            choices=[],
            request_index=0,
            requests=p.requests,
            now=NOW,
            wait=dt.timedelta(days=1),
        ),
    )
    store.connection.zadd(SEEN, {proposal.id: proposal.created_at.timestamp()})
    return change.proposal


def test_no_shadow_requests_yet_says_so(store: ProposalStore) -> None:
    report = build_report(store)
    assert report.empty
    assert report_lines(report)[-1] == "No request has been handled in shadow mode yet."


def test_precision_per_kind_from_the_answers(store: ProposalStore) -> None:
    right = shadowed(store, bug())
    answered(store, right, LEAD, right=True)
    wrong = shadowed(store, bug("WEB"))
    answered(store, wrong, REQUESTER, right=True)
    answered(store, wrong, ADMIN, right=False, note="WEB issues should be allowed")  # one Wrong makes it wrong
    shadowed(store, bug())  # not answered
    both = shadowed(store, move(), call())  # counts for each of its kinds
    answered(store, both, ADMIN, right=True)

    report = build_report(store)
    assert (report.shadowed, report.right, report.wrong, report.not_answered) == (4, 2, 1, 1)
    assert report.precision == pytest.approx(2 / 3)
    issues = report.kinds["jira.create_issue"]
    assert (issues.shadowed, issues.right, issues.wrong, issues.answered, issues.not_answered) == (3, 1, 1, 2, 1)
    assert issues.precision == pytest.approx(0.5)
    assert dict(issues.would) == {"ask": 2, "refuse": 1}
    assert dict(issues.rules) == {"rule 1: payments, would ask": 2, "rule 2: nothing else, would refuse": 1}
    for kind in ("jira.transition", "salesforce.log_call"):
        figures = report.kinds[kind]
        assert (figures.shadowed, figures.right, figures.precision) == (1, 1, 1.0)
        assert dict(figures.rules) == {"rule 1: moves run at once, would run": 1}
    assert [(n.proposal_id, n.user_id, n.note) for n in report.wrong_notes] == [
        (wrong, "U0ADMIN01", "WEB issues should be allowed")
    ]


def test_questions_not_understood_and_still_waiting(store: ProposalStore) -> None:
    shadowed(store, bug(), questions=2)
    shadowed(store, bug(), questions=1)
    waiting = asking(store)
    dropped = asking(store)
    store.update(dropped.id, lambda p: workflow.drop(p, "OK, I'll leave it.", now=NOW))
    expired = asking(store)
    store.update(expired.id, lambda p: workflow.expire(p, now=NOW + dt.timedelta(days=2)))

    report = build_report(store)
    assert report.shadowed == 2
    assert report.questions == 3 + 3  # 2 + 1 on the shadowed, one each on the three that asked
    assert report.asked == 5
    assert (report.not_understood, report.waiting) == (2, 1)
    assert waiting.id not in {n.proposal_id for n in report.wrong_notes}


def test_a_request_decided_after_shadow_was_turned_off_is_not_counted(store: ProposalStore) -> None:
    proposal = asking(store)
    store.update(
        proposal.id,
        lambda p: workflow.complete(
            p, requests=p.requests, actions=(bug(),), decision=POLICY.decide(bug(), requester=REQUESTER), now=NOW
        ),
    )
    report = build_report(store)
    assert report.empty and report.questions == 0


def test_a_shadowed_proposal_missing_from_the_index_is_still_counted(store: ProposalStore) -> None:
    proposal_id = shadowed(store, bug())
    store.connection.delete(SEEN)  # a process died between the transition and the index
    assert build_report(store).kinds["jira.create_issue"].shadowed == 1
    assert proposal_id


def test_since_counts_only_requests_made_from_then(store: ProposalStore) -> None:
    shadowed(store, bug(), created=NOW - dt.timedelta(days=10))
    shadowed(store, bug(), created=NOW - dt.timedelta(hours=1))
    assert build_report(store, since=NOW - dt.timedelta(days=1)).shadowed == 1
    assert build_report(store).shadowed == 2


def test_the_report_in_words(store: ProposalStore) -> None:
    good = shadowed(store, bug(), questions=1)
    answered(store, good, LEAD, right=True)
    bad = shadowed(store, bug("WEB"))
    answered(store, bad, ADMIN, right=False, note="should be allowed")
    shadowed(store, move())
    dropped = asking(store)
    store.update(dropped.id, lambda p: workflow.drop(p, "no", now=NOW))

    lines = report_lines(build_report(store))
    assert lines == [
        "Shadow mode (nothing in shadow mode was written, and nobody was asked to approve)",
        "Precision: 50% (1 right of 2 answered), 1 not answered, of 3 request(s) decided in shadow",
        "• jira.create_issue: precision 50% (1 right, 1 wrong), 0 not answered, of 2 (would ask 1, would refuse 1)",
        "    rules that fired: rule 1: payments, would ask (1); rule 2: nothing else, would refuse (1)",
        "• jira.transition: precision no answers yet (0 right, 0 wrong), 1 not answered, of 1 (would run 1)",
        "    rules that fired: rule 1: moves run at once, would run (1)",
        "Questions asked: 2, in 2 request(s)",
        "Not understood: 1 (ended while I was still asking what was meant: no answer, or the answer said no)",
        "Said to be wrong",
        f"• {bad} jira.create_issue, by U0ADMIN01: should be allowed",
    ]
    slack = report_lines(build_report(store), markdown=True, person=lambda u: f"<@{u}>")
    assert slack[0].startswith("*Shadow mode*") and f"• `{bad}` jira.create_issue, by <@U0ADMIN01>" in slack[-1]
