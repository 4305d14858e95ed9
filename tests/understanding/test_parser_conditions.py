"""Conditions and politeness: a clause under "once", "if", "until" states no change and is never done now (it is asked
about); a condition that is only politeness ("when you get a chance") is no condition; free text that is only
politeness ("comment on OPS-4 pls") is no text. Read with the sandbox's vocabulary."""

from __future__ import annotations

import datetime as dt

import pytest

from approvals.core.intents import (
    JiraAssignRequest,
    JiraCommentRequest,
    JiraLinkIssuesRequest,
    JiraTransitionRequest,
    Understanding,
)
from approvals.core.ports import ExtractionInput, PersonMatch, ThreadMessage
from sandbox.vocabulary import seed_vocabulary
from understanding.parser import OfflineParser

REQUESTER = PersonMatch("U0DANA001", "dana", "Dana Reyes", "dana@northwind.example")


def read(text: str) -> Understanding:
    return OfflineParser().extract(
        ExtractionInput(
            request_text=text,
            thread=(ThreadMessage(user=REQUESTER.slack_user_id, text=text, ts="1.0"),),
            requester=REQUESTER,
            channel_name="support",
            today=dt.date(2026, 12, 8),
            known_projects=("PAY", "OPS"),
            vocabulary=seed_vocabulary(),
        )
    )


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("once PAY-12 is done, move PAY-8 to in progress", "once PAY-12 is done"),
        ("if PAY-12 is done pls close PAY-8", "if PAY-12 is done"),
        ("PAY-8 is blocked until PAY-12 is done", "until PAY-12 is done"),
    ],
)
def test_a_clause_under_a_condition_is_asked_about_and_moves_nothing(text: str, condition: str) -> None:
    understanding = read(text)
    assert understanding.question is not None and condition in understanding.question
    assert all(getattr(r, "issue", None) != "PAY-12" for r in understanding.requests), understanding.requests


def test_a_reason_under_until_leaves_the_link_that_was_asked_for() -> None:
    # "can't ship until PAY-12 is fixed" is PAY-8 waiting for PAY-12 (tests/understanding/test_parser_round_four.py)
    understanding = read("PAY-8 can't ship until PAY-12 is fixed, pls link")
    assert understanding.requests == (JiraLinkIssuesRequest(issue="PAY-8", other="PAY-12", link_type="is blocked by"),)
    assert understanding.question is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("when you get a chance, move PAY-8 to done", JiraTransitionRequest(issue="PAY-8", status="Done")),
        ("as soon as you can, close PAY-8", JiraTransitionRequest(issue="PAY-8", status="Done")),
        ("when you have a sec assign PAY-8 to bob", JiraAssignRequest(issue="PAY-8", assignee="bob")),
    ],
)
def test_a_condition_that_is_only_politeness_is_no_condition(text: str, expected: object) -> None:
    understanding = read(text)
    assert understanding.requests == (expected,) and understanding.question is None


@pytest.mark.parametrize("text", ["comment on OPS-4 pls", "add a comment to OPS-4 thanks", "comment on OPS-4 ok"])
def test_free_text_that_is_only_politeness_is_no_text(text: str) -> None:
    assert read(text).requests == (JiraCommentRequest(issue="OPS-4"),)
