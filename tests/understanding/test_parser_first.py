"""Parser first, model second: the model is asked only about what the offline parser did not read completely, and
its answer stands only where it adds to the parser's reading.

The model here is a small ``approvals.core.ports.Extractor`` of the test's own that records what it was asked and
answers what the test says (or fails as a real one does); the parser is the real offline parser.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from approvals.core.intents import (
    JiraAssignRequest,
    JiraCommentRequest,
    JiraCreateIssueRequest,
    JiraTransitionRequest,
    JiraUpdateFieldsRequest,
    SalesforceCreateTaskRequest,
    Understanding,
)
from approvals.core.ports import ExtractionInput, ExtractionUnavailable, PersonMatch, ThreadMessage
from understanding.parser import EXAMPLES, OfflineParser, Reading
from understanding.parser_first import ParserFirstExtractor, combine

DANA = PersonMatch("U0DANA001", "dana", "Dana Reyes", "dana@northwind.example")
MODEL_ANSWER = Understanding(
    requests=(SalesforceCreateTaskRequest(subject="Send Globex the deck", owner="me"),),
    understood="A task for you to send Globex the deck.",
    extractor="model",
    usage={"prompt_tokens": 2000, "completion_tokens": 80, "calls": 1},
)

COMMENT = Understanding(
    requests=(JiraCommentRequest(issue="OPS-2", body="cutover rescheduled, the dba is out"),), extractor="model"
)


class RecordingModel:
    """An Extractor that records each request and answers ``answer`` (or raises ``failure``)."""

    name = "model"

    def __init__(self, answer: Understanding = MODEL_ANSWER, *, failure: Exception | None = None) -> None:
        self.answer = answer
        self.failure = failure
        self.asked: list[str] = []

    def extract(self, request: ExtractionInput) -> Understanding:
        self.asked.append(request.request_text)
        if self.failure is not None:
            raise self.failure
        return self.answer


class BrokenParser(OfflineParser):
    def read(self, request: ExtractionInput) -> Reading:
        raise RuntimeError("a bug in a rule")


def ask(text: str) -> ExtractionInput:
    return ExtractionInput(
        request_text=text,
        thread=(ThreadMessage(user=DANA.slack_user_id, text=text, ts="1.000900"),),
        requester=DANA,
        channel_name="support",
        today=dt.date(2026, 11, 20),
        known_projects=("OPS", "PAY"),
    )


@pytest.mark.parametrize(
    "text",
    ["move PAY-12 to done", "PAY-4 done and PAY-9 to in progress", "comment on PAY-12: customer confirmed it"],
)
def test_a_request_the_parser_reads_completely_is_not_sent_to_the_model(text: str) -> None:
    model = RecordingModel()

    understanding = ParserFirstExtractor(model).extract(ask(text))

    assert model.asked == []
    assert understanding == OfflineParser().extract(ask(text))
    assert understanding.extractor == OfflineParser.name and understanding.usage == {}


@pytest.mark.parametrize(
    "text",
    [
        "frobnicate the wombat reminder thing",  # nothing the parser knows (a word that shows a task)
        "can u frobnicate a to-do for PAY-12 and the wombat",  # an ask the parser could not read (asked about)
    ],
)
def test_a_request_the_parser_read_nothing_of_gets_the_models_reading(text: str) -> None:
    """When the words show a sign of the model's kind of request (here a task): see
    test_a_models_request_of_a_kind_the_words_give_no_sign_of_does_not_stand for when they show none."""
    model = RecordingModel()

    understanding = ParserFirstExtractor(model).extract(ask(text))

    assert model.asked == [text]
    assert understanding == MODEL_ANSWER


@pytest.mark.parametrize(
    "text",
    [
        "thanks!",
        "👀 looking into it",
        "i moved PAY-4 to done already",
        "ok cool, I'll check with legal and get back to u",
    ],
)
def test_talk_with_nothing_asked_of_the_bot_never_reaches_the_model(text: str) -> None:
    # Measured with a real small model: asked about such messages, it made requests nobody made ("👀 looking into
    # it" became a follow-up on Acme).
    model = RecordingModel()

    understanding = ParserFirstExtractor(model).extract(ask(text))

    assert model.asked == []
    assert understanding.requests == () and understanding.question is None


@pytest.mark.parametrize(
    "text",
    [
        "update PAY-12",  # "What should change on PAY-12?": a guess at the change is what asking rules out
        "close every deal",  # a refusal, with the reason
    ],
)
def test_a_specific_question_or_refusal_of_the_parser_stands_and_the_model_is_not_asked(text: str) -> None:
    model = RecordingModel()

    understanding = ParserFirstExtractor(model).extract(ask(text))

    assert model.asked == []
    assert understanding == OfflineParser().extract(ask(text))
    assert understanding.question


def test_a_partial_reading_stands_when_the_model_reads_another_kind_of_request() -> None:
    text = "the deal is looking good, move PAY-12 to done"  # a statement beside the request: not complete
    model = RecordingModel()  # reads a Salesforce task

    understanding = ParserFirstExtractor(model).extract(ask(text))

    assert model.asked == [text]
    assert understanding.requests == (JiraTransitionRequest(issue="PAY-12", status="Done"),)
    assert understanding.extractor == OfflineParser.name
    assert understanding.usage == MODEL_ANSWER.usage, "the tokens the model spent still count"


def test_the_model_fills_what_the_parser_left_empty_on_the_same_record() -> None:
    filled = Understanding(requests=(JiraAssignRequest(issue="PAY-12", assignee="Alice"),), extractor="model")
    model = RecordingModel(filled)

    understanding = ParserFirstExtractor(model).extract(ask("assign PAY-12"))

    assert model.asked == ["assign PAY-12"]
    assert understanding.requests == filled.requests and understanding.extractor == "model"


def test_the_model_cannot_move_the_request_to_another_record() -> None:
    elsewhere = Understanding(requests=(JiraAssignRequest(issue="PAY-13", assignee="Alice"),), extractor="model")

    understanding = ParserFirstExtractor(RecordingModel(elsewhere)).extract(ask("assign PAY-12"))

    assert [r.issue for r in understanding.requests] == ["PAY-12"]  # type: ignore[attr-defined]
    assert understanding.extractor == OfflineParser.name


ASSIGN = JiraAssignRequest(issue="PAY-12")
ASSIGN_BO = JiraAssignRequest(issue="PAY-12", assignee="Bo")
BUG = JiraCreateIssueRequest(project="PAY", issue_type="Bug", summary="Checkout fails on Safari")
UNREAD = Understanding(question=f"What should I do with “note for OPS-2”? {EXAMPLES}")


@pytest.mark.parametrize(
    ("parsed", "modelled", "expected"),
    [
        # The parser quoted words it could not read: the model's requests are taken...
        (UNREAD, COMMENT, COMMENT.requests),
        # ...but not its own question: the parser's names the part it could not read.
        (UNREAD, Understanding(question="What would you like me to do?"), ()),
        # ...nor a change to a record it does not name (seen with a real model: "rename the PAY project to ..." read
        # as a change of summary on no issue); a new record needs none.
        (UNREAD, Understanding(requests=(JiraUpdateFieldsRequest(summary="Rename to Money Movement"),)), ()),
        (UNREAD, Understanding(requests=(BUG,)), (BUG,)),
        # A field the kind needs and the parser left empty is filled from the model's reading of the same request.
        (Understanding(requests=(JiraCommentRequest(issue="OPS-2"),)), COMMENT, COMMENT.requests),
        (
            Understanding(requests=(ASSIGN,)),
            Understanding(requests=(ASSIGN.model_copy(update={"assignee": "Bo"}),)),
            None,
        ),
        # A different kind (a new issue for a comment), a different value, one request more: the parser's stands.
        (
            Understanding(requests=(JiraCommentRequest(issue="OPS-2"),)),
            Understanding(requests=(JiraCreateIssueRequest(project="OPS", summary="Cutover rescheduled"),)),
            (JiraCommentRequest(issue="OPS-2"),),
        ),
        (
            Understanding(requests=(JiraCommentRequest(issue="OPS-3", body="cutover rescheduled, the dba is out"),)),
            COMMENT,
            (JiraCommentRequest(issue="OPS-3", body="cutover rescheduled, the dba is out"),),
        ),
        (
            Understanding(requests=(JiraCommentRequest(issue="OPS-2"),)),
            Understanding(requests=(*COMMENT.requests, JiraTransitionRequest(issue="OPS-2", status="Done"))),
            (JiraCommentRequest(issue="OPS-2"),),
        ),
        # A field nobody needed is not taken: the parser read the project, kind and summary; nothing is missing.
        (
            Understanding(requests=(BUG,)),
            Understanding(requests=(BUG.model_copy(update={"priority": "High"}),)),
            (BUG,),
        ),
    ],
)
def test_combine_keeps_what_each_read_best(
    parsed: Understanding, modelled: Understanding, expected: tuple[object, ...] | None
) -> None:
    combined = combine(parsed, modelled)
    if expected is None:  # the model filled the gap
        expected = modelled.requests
    assert combined.requests == expected
    assert combined.usage == modelled.usage


def test_the_models_failure_reaches_the_caller_as_it_was() -> None:
    failure = ExtractionUnavailable("the model did not answer in time", detail="timeout: ...", usage={"calls": 2})
    model = RecordingModel(failure=failure)

    with pytest.raises(ExtractionUnavailable) as caught:
        ParserFirstExtractor(model).extract(ask("frobnicate the wombat"))

    assert caught.value is failure


def test_when_the_model_fails_the_parsers_requests_stand() -> None:
    failure = ExtractionUnavailable("the model did not answer in time", usage={"calls": 2})

    understanding = ParserFirstExtractor(RecordingModel(failure=failure)).extract(ask("assign PAY-12"))

    assert [r.kind for r in understanding.requests] == ["jira.assign"]
    assert understanding.usage == {"calls": 2}


def test_a_parser_bug_costs_a_model_call_not_the_request(caplog: pytest.LogCaptureFixture) -> None:
    model = RecordingModel()

    with caplog.at_level(logging.ERROR, logger="understanding.parser_first"):
        understanding = ParserFirstExtractor(model, parser=BrokenParser()).extract(ask("move PAY-12 to done"))

    assert understanding == MODEL_ANSWER and model.asked == ["move PAY-12 to done"]
    assert "the offline parser failed" in caplog.text and "a bug in a rule" in caplog.text


def test_its_name_says_both_readers() -> None:
    assert ParserFirstExtractor(RecordingModel()).name == "offline-parser+model"


def test_the_parsers_own_reading_is_what_is_returned() -> None:
    understanding = ParserFirstExtractor(RecordingModel()).extract(ask("move PAY-12 to done"))

    assert understanding.requests == (JiraTransitionRequest(issue="PAY-12", status="Done"),)


NOTHING_READ = Understanding(question=f"What should I do with “frobnicate”? {EXAMPLES}")


@pytest.mark.parametrize(
    ("text", "modelled"),
    [
        ("undo whatever you changed on PAY-7 yesterday", JiraUpdateFieldsRequest(issue="PAY-7")),
        ("can u make her a taks for that", JiraCreateIssueRequest(project="PAY", issue_type="Task", summary="Login")),
        ("just remembered I spoke to wile, can u log it", SalesforceCreateTaskRequest(owner="me", subject="Log it")),
    ],
)
def test_a_models_request_of_a_kind_the_words_give_no_sign_of_does_not_stand(text: str, modelled: object) -> None:
    combined = combine(NOTHING_READ, Understanding(requests=(modelled,)), text=text)  # type: ignore[arg-type]
    assert combined.requests == () and combined.question == NOTHING_READ.question


@pytest.mark.parametrize(
    ("text", "modelled"),
    [
        ("pls bump PAY-7 way up", JiraUpdateFieldsRequest(issue="PAY-7", priority="Highest")),
        (
            "someone should own a reminder to send hooli the deck",
            SalesforceCreateTaskRequest(subject="Send hooli the deck"),
        ),
    ],
)
def test_a_models_request_of_a_kind_the_words_show_stands(text: str, modelled: object) -> None:
    combined = combine(NOTHING_READ, Understanding(requests=(modelled,)), text=text)  # type: ignore[arg-type]
    assert combined.requests == (modelled,)


def test_a_new_issue_in_a_project_the_words_name_is_a_sign_of_its_kind() -> None:
    modelled = JiraCreateIssueRequest(project="PAY", issue_type="Bug", summary="Checkout fails")
    combined = combine(NOTHING_READ, Understanding(requests=(modelled,)), text="could Alice own a PAY thing for this?")
    assert combined.requests == (modelled,)
