"""Questions and answers on a proposal: asked durably, answered only by the requester, read like the request.

The answer reader is the bot's own (``understanding.answers.TypedAnswers``: the offline parser's dates and amounts).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from approvals.core import workflow
from approvals.core.actions import JiraCreateIssue
from approvals.core.intents import (
    ActionRequest,
    JiraCreateIssueRequest,
    SalesforceLogCallRequest,
    SalesforceUpdateOpportunityRequest,
)
from approvals.core.policy import PolicyDecision
from approvals.core.proposal import Proposal, Question, QuestionChoice, build_proposal
from approvals.core.states import Event, ProposalState
from approvals.flow.questions import Read, match_choice, read_answer
from understanding.answers import TypedAnswers

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
TODAY = NOW.date()
WAIT = dt.timedelta(days=7)
RENEWALS = (
    QuestionChoice(label="Acme Corp - Platform Renewal", value="0065g00000AcPlRAAV", detail="Proposal/Price Quote"),
    QuestionChoice(label="Acme Corp - Support Renewal", value="0065g00000AcSuRAAV", detail="Qualification"),
)
APPROVE = PolicyDecision(outcome="approve", rule="r", policy_hash="h", approver_roles=("leads",))


def asking(
    request: ActionRequest, field: str | None, *, choices: tuple[QuestionChoice, ...] = (), text: str = "Which?"
) -> Proposal:
    drafted = build_proposal(
        proposal_id="ft-7kq2mx9c",
        requester="U0ERIN001",
        channel="C0SALES01",
        thread_ts="1.0",
        request_ts="1.1",
        request_text="move the Acme renewal to Negotiation",
        actions=(),
        decision=None,
        now=NOW,
        requests=(request,),
    )
    return workflow.ask(
        drafted, text=text, field=field, choices=choices, request_index=0, requests=(request,), now=NOW, wait=WAIT
    ).proposal


def answered(proposal: Proposal, text: str, *, picked: bool = False) -> Proposal:
    assert proposal.question is not None
    return workflow.answer(
        proposal, "U0ERIN001", token=proposal.question.token, text=text, picked=picked, now=NOW
    ).proposal


def read(proposal: Proposal) -> Read:
    assert proposal.question is not None
    return read_answer(proposal, proposal.question, reader=TypedAnswers(), today=TODAY)


OPPORTUNITY = SalesforceUpdateOpportunityRequest(account="Acme", opportunity="renewal", stage="Negotiation")


# ---------------------------------------------------------------------------------------------------------------
# Asking and answering


def test_asking_waits_in_needs_info_with_the_question_and_no_actions() -> None:
    proposal = asking(OPPORTUNITY, "opportunity", choices=RENEWALS)
    assert proposal.state is ProposalState.NEEDS_INFO
    assert proposal.actions == () and proposal.decision is None
    assert proposal.question is not None and proposal.question.choices == RENEWALS
    assert proposal.expires_at == NOW + WAIT


def test_only_the_requester_may_answer() -> None:
    proposal = asking(OPPORTUNITY, "opportunity", choices=RENEWALS)
    assert proposal.question is not None
    with pytest.raises(workflow.NotAllowed, match="Only <@U0ERIN001> can answer this"):
        workflow.answer(proposal, "U0HANK001", token=proposal.question.token, text="2", picked=False, now=NOW)


def test_an_answer_to_an_older_question_is_refused() -> None:
    proposal = asking(OPPORTUNITY, "opportunity", choices=RENEWALS)
    with pytest.raises(workflow.Refused, match="already answered"):
        workflow.answer(proposal, "U0ERIN001", token="stale", text="2", picked=False, now=NOW)


def test_a_second_answer_while_the_first_is_worked_on_is_a_duplicate() -> None:
    proposal = answered(asking(OPPORTUNITY, "opportunity", choices=RENEWALS), "2")
    assert proposal.question is not None and proposal.question.answer == "2"
    with pytest.raises(workflow.Duplicate):
        answered(proposal, "1")


def test_the_answers_ground_the_proposal_and_the_policy_moves_it_on() -> None:
    proposal = answered(asking(JiraCreateIssueRequest(issue_type="Bug", summary="x"), "project"), "PAY")
    action = JiraCreateIssue(project="PAY", issue_type="Bug", summary="x")
    change = workflow.complete(
        proposal,
        requests=(JiraCreateIssueRequest(project="PAY", issue_type="Bug", summary="x"),),
        actions=(action,),
        decision=APPROVE,
        now=NOW,
    )
    assert change.event is Event.SUBMIT
    assert change.proposal.state is ProposalState.AWAITING_APPROVAL
    assert change.proposal.question is None and change.proposal.actions == (action,)
    assert change.proposal.fingerprint != proposal.fingerprint


def test_a_proposal_that_cannot_go_on_is_dropped_with_its_reason() -> None:
    change = workflow.drop(asking(OPPORTUNITY, "opportunity"), "Salesforce is not connected", now=NOW)
    assert change.proposal.state is ProposalState.CANCELLED
    assert change.proposal.failure == "Salesforce is not connected"


def test_an_unanswered_question_expires() -> None:
    proposal = asking(OPPORTUNITY, "opportunity")
    change = workflow.expire(proposal, now=NOW + WAIT)
    assert change.proposal.state is ProposalState.EXPIRED
    assert change.audit.data["waited_for"] == "answer"


# ---------------------------------------------------------------------------------------------------------------
# Reading the answer


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2", RENEWALS[1]),
        ("#1", RENEWALS[0]),
        ("Acme Corp - Support Renewal", RENEWALS[1]),
        ("the platform one", RENEWALS[0]),
        ("support", RENEWALS[1]),
        ("renewal", None),  # both: not a choice
        ("7", None),
        ("", None),
    ],
)
def test_a_typed_answer_names_a_choice_by_number_label_or_words(typed: str, expected: QuestionChoice | None) -> None:
    question = Question(text="Which?", field="opportunity", choices=RENEWALS, token="t", asked_at=NOW)
    assert match_choice(question, typed) == expected


def test_a_pick_sets_the_record_on_the_request() -> None:
    result = read(answered(asking(OPPORTUNITY, "opportunity", choices=RENEWALS), RENEWALS[1].value, picked=True))
    assert result.requests == (OPPORTUNITY.model_copy(update={"opportunity": "0065g00000AcSuRAAV"}),)


def test_typed_words_that_match_no_choice_go_to_grounding_as_written() -> None:
    result = read(answered(asking(OPPORTUNITY, "opportunity", choices=RENEWALS), "the one closing in December"))
    assert result.requests is not None
    assert result.requests[0].opportunity == "the one closing in December"  # type: ignore[union-attr]


def test_a_date_is_read_as_the_parser_reads_it() -> None:
    request = JiraCreateIssueRequest(project="PAY", issue_type="Bug", summary="x")
    result = read(answered(asking(request, "due_date"), "next friday"))
    assert result.requests is not None
    assert result.requests[0].due_date == dt.date(2026, 11, 27)  # type: ignore[union-attr]


def test_a_call_date_is_in_the_past() -> None:
    result = read(answered(asking(SalesforceLogCallRequest(contact="Ana"), "call_date"), "Monday"))
    assert result.requests is not None
    assert result.requests[0].call_date == dt.date(2026, 11, 16)  # type: ignore[union-attr]


def test_an_amount_is_read_as_the_parser_reads_it() -> None:
    result = read(answered(asking(OPPORTUNITY.model_copy(update={"stage": None}), "amount"), "$120k"))
    assert result.requests is not None
    assert result.requests[0].amount == Decimal(120000)  # type: ignore[union-attr]


def test_an_answer_that_is_not_a_date_asks_again_saying_why() -> None:
    request = JiraCreateIssueRequest(project="PAY", issue_type="Bug", summary="x")
    result = read(answered(asking(request, "due_date"), "whenever"))
    assert result.requests is None
    assert result.again == "I couldn't read *whenever* as a date (like Friday, next week or 2026-12-01)."


def test_no_to_a_second_issue_stops_without_changing_anything() -> None:
    request = JiraCreateIssueRequest(project="PAY", issue_type="Bug", summary="x")
    choices = (QuestionChoice(label="Yes", value="yes"), QuestionChoice(label="No", value="no"))
    assert read(answered(asking(request, "confirmed_duplicate", choices=choices), "no", picked=True)).stop
    result = read(answered(asking(request, "confirmed_duplicate", choices=choices), "yes please"))
    assert result.requests is not None and result.requests[0].confirmed_duplicate is True  # type: ignore[union-attr]


def test_asking_again_keeps_the_question_says_why_and_takes_a_new_token() -> None:
    first = answered(asking(OPPORTUNITY, "opportunity", choices=RENEWALS), "the blue one")
    later = NOW + dt.timedelta(minutes=1)
    again = workflow.ask_again(first, why="I couldn't tell which.", now=later, wait=WAIT).proposal
    assert first.question is not None and again.question is not None
    assert (again.question.text, again.question.field, again.question.choices) == (
        first.question.text,
        "opportunity",
        RENEWALS,
    )
    assert again.question.why == "I couldn't tell which."
    assert again.question.answer is None and again.question.token != first.question.token
    assert again.state is ProposalState.NEEDS_INFO and again.expires_at == later + WAIT
