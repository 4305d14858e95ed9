"""The offline parser on request shapes found in issue 10's fourth round: a call someone had followed by ", and
<another request>" (the call is logged and the other request read), one issue said to wait for another (a blocking
link), a reminder with nothing said about what, and politeness after a person's name. Each test reads with the
sandbox's vocabulary, through the same helper as the third round's tests."""

from __future__ import annotations

import datetime as dt

import pytest

from approvals.core.intents import (
    JiraLinkIssuesRequest,
    JiraTransitionRequest,
    SalesforceCreateTaskRequest,
    SalesforceLogCallRequest,
)
from tests.understanding.test_parser_vague_and_stated import read, requests_of

# read() reads on a Tuesday, 2026-12-08


def test_a_call_someone_had_then_and_another_request_logs_the_call_and_reads_the_request() -> None:
    assert requests_of(
        "had a call w/ ana at initech this morning re pricing, and make a task for erin to send the sheet"
    ) == (
        SalesforceLogCallRequest(contact="ana", account="initech", call_date=dt.date(2026, 12, 8), subject="Pricing"),
        SalesforceCreateTaskRequest(owner="erin", subject="Send the sheet"),
    )


def test_a_call_someone_had_then_and_then_a_jira_request() -> None:
    assert requests_of("got off the phone with hank scorpio, and then move PAY-12 to done") == (
        SalesforceLogCallRequest(contact="hank scorpio"),
        JiraTransitionRequest(issue="PAY-12", status="Done"),
    )


@pytest.mark.parametrize(
    "text",
    [
        "had a call with peter at initech, and he wants a demo",  # a remark, not a request
        "talked to ana and bob about pricing",  # "and" between people
    ],
)
def test_and_after_a_call_someone_had_is_no_request_unless_a_request_follows(text: str) -> None:
    assert read(text).requests == ()


@pytest.mark.parametrize(
    ("text", "issue", "other"),
    [
        ("PAY-8 can't ship until PAY-12 is fixed, pls link", "PAY-8", "PAY-12"),
        ("OPS-3 is waiting on OPS-1, link them", "OPS-3", "OPS-1"),
        ("PAY-9 is stuck behind PAY-4", "PAY-9", "PAY-4"),
        ("PAY-8 needs PAY-12 to go out first, link pls", "PAY-8", "PAY-12"),
        ("OPS-2 won't be done until OPS-4 lands", "OPS-2", "OPS-4"),
        ("PAY-7 can't go out without PAY-3", "PAY-7", "PAY-3"),
    ],
)
def test_an_issue_said_to_wait_for_another_is_blocked_by_it(text: str, issue: str, other: str) -> None:
    assert requests_of(text) == (JiraLinkIssuesRequest(issue=issue, other=other, link_type="is blocked by"),)


def test_a_condition_on_another_issue_is_still_asked_about_not_read_as_a_link() -> None:
    understanding = read("once PAY-12 is done, move PAY-8 to in progress")
    assert understanding.requests == (JiraTransitionRequest(issue="PAY-8", status="In Progress"),)
    assert understanding.question is not None and "once PAY-12 is done" in understanding.question


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("remind kara", SalesforceCreateTaskRequest(owner="kara")),
        ("remind kara tomorrow pls", SalesforceCreateTaskRequest(owner="kara", due_date=dt.date(2026, 12, 9))),
        ("set a reminder for erin", SalesforceCreateTaskRequest(owner="erin")),
    ],
)
def test_a_reminder_for_someone_known_with_nothing_said_leaves_the_subject_empty(
    text: str, expected: SalesforceCreateTaskRequest
) -> None:
    # grounding asks what the task is ("What's the task for kara?"), with the owner already read
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize("text", ["ping bob", "remind zork", "remind the team"])
def test_a_bare_ping_or_a_reminder_for_no_known_person_is_asked_about(text: str) -> None:
    understanding = read(text)
    assert understanding.requests == ()
    assert understanding.question is not None


@pytest.mark.parametrize("polite", ["pls", "please", "thx", "plz"])
def test_politeness_after_a_name_is_never_part_of_the_name(polite: str) -> None:
    assert requests_of(f"remind kara {polite} to send the deck") == (
        SalesforceCreateTaskRequest(owner="kara", subject="Send the deck"),
    )
