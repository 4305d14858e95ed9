"""The offline parser on follow-ups and questions about a record as issue 10's fourth round found them written: a
promise someone made and the ask to hold them to it, a reminder to check whether a record moved, a nudge repeated
until the record is closed, a look again after "an hour and a half", when to check said first ("on monday, make sure
OPS-3 has moved to in progress"), "stay on top of" a deal, "what's OPS-2 at?" and "anything I owe people?". Each
shape is tested with sentences beyond the one that found it, and with near misses that must stay what they are."""

from __future__ import annotations

import datetime as dt

import pytest

from approvals.core.intents import (
    THIS_THREAD,
    FollowUpRequest,
    JiraCreateIssueRequest,
    ReadRequest,
    SalesforceCreateTaskRequest,
)
from tests.understanding.test_parser_vague_and_stated import read, requests_of

# read() reads on a Tuesday, 2026-12-08
TOMORROW = dt.date(2026, 12, 9)
THURSDAY = dt.date(2026, 12, 10)
FRIDAY = dt.date(2026, 12, 11)
MONDAY = dt.date(2026, 12, 14)


def _no_follow_up(text: str) -> None:
    assert not any(isinstance(r, FollowUpRequest) for r in read(text).requests)


# ---------------------------------------------------------------------------------------------------------------
# What someone has to do by when, and the ask to hold them to it


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "juan has until friday to finish OPS-4, hold him to it and escalate if he misses it",
            FollowUpRequest(issue="OPS-4", owner="juan", due_date=FRIDAY, escalate=True),
        ),
        (
            "sam has until thursday to fix PAY-7, hold him to it",
            FollowUpRequest(issue="PAY-7", owner="sam", due_date=THURSDAY),
        ),
        (
            "ivy has till monday to review OPS-1, keep her honest and escalate if she doesn't",
            FollowUpRequest(issue="OPS-1", owner="ivy", due_date=MONDAY, escalate=True),
        ),
        (
            "carol promised to ship PAY-3 by friday, follow up with her",
            FollowUpRequest(issue="PAY-3", owner="carol", due_date=FRIDAY),
        ),
        (
            "bob needs to close PAY-9 by thursday, keep him honest",
            FollowUpRequest(issue="PAY-9", owner="bob", due_date=THURSDAY),
        ),
    ],
)
def test_what_someone_has_to_do_by_when_and_the_ask_to_hold_them_to_it_is_a_follow_up(
    text: str, expected: FollowUpRequest
) -> None:
    assert requests_of(text) == (expected,)


def test_what_someone_has_to_do_without_an_ask_to_hold_them_to_it_is_no_follow_up() -> None:
    _no_follow_up("juan has until friday to finish OPS-4")
    _no_follow_up("bob needs to close PAY-9 by thursday")


# ---------------------------------------------------------------------------------------------------------------
# A reminder to check whether a record moved


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "remind me tmrw to check whether PAY-12 got picked up",
            FollowUpRequest(issue="PAY-12", owner="me", due_date=TOMORROW),
        ),
        (
            "remind me in 2 hours to verify that PAY-8 got merged",
            FollowUpRequest(issue="PAY-8", owner="me", due_in_minutes=120),
        ),
        (
            "remind alice on friday to see if OPS-4 is in review",
            FollowUpRequest(issue="OPS-4", owner="alice", due_date=FRIDAY, until_status="in review"),
        ),
        (
            "remind me to check if the acme renewal closed next week",
            FollowUpRequest(account="acme", opportunity="renewal", owner="me", due_date=MONDAY),
        ),
    ],
)
def test_a_reminder_to_check_whether_a_record_moved_is_a_follow_up_on_the_record(
    text: str, expected: FollowUpRequest
) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "remind erin to send the deck friday",
            SalesforceCreateTaskRequest(owner="erin", subject="Send the deck", due_date=FRIDAY),
        ),
        (
            "remind me tomorrow to check whether the build is green",
            SalesforceCreateTaskRequest(owner="me", subject="Check whether the build is green", due_date=TOMORROW),
        ),
    ],
)
def test_a_reminder_about_something_that_is_no_record_stays_a_task(
    text: str, expected: SalesforceCreateTaskRequest
) -> None:
    assert requests_of(text) == (expected,)


# ---------------------------------------------------------------------------------------------------------------
# A nudge again and again, until the record is closed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "every friday, ping alice about PAY-10 till it's closed",
            FollowUpRequest(issue="PAY-10", owner="alice", due_date=FRIDAY, every_days=7),
        ),
        (
            "every monday, nudge bob about OPS-1 until it's in review",
            FollowUpRequest(issue="OPS-1", owner="bob", due_date=MONDAY, every_days=7, until_status="in review"),
        ),
        (
            "every day, ping carol on PAY-3 till it's done",
            FollowUpRequest(issue="PAY-3", owner="carol", due_date=TOMORROW, every_days=1),
        ),
        (
            "ping juan every thursday about PAY-2 till it ships",
            FollowUpRequest(issue="PAY-2", owner="juan", due_date=THURSDAY, every_days=7),
        ),
        (
            "ping alice about PAY-10 every friday till it's fixed",
            FollowUpRequest(issue="PAY-10", owner="alice", due_date=FRIDAY, every_days=7),
        ),
    ],
)
def test_a_nudge_repeated_until_the_record_is_closed_is_a_recurring_follow_up(
    text: str, expected: FollowUpRequest
) -> None:
    assert requests_of(text) == (expected,)


def test_a_repeated_nudge_about_something_that_is_no_record_is_no_follow_up() -> None:
    _no_follow_up("every friday, remind erin to send the deck")
    _no_follow_up("every friday, ping alice about the offsite")


# ---------------------------------------------------------------------------------------------------------------
# A look again later; how long from now


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("look at OPS-2 again in an hour and a half", FollowUpRequest(issue="OPS-2", due_in_minutes=90)),
        ("check PAY-12 again in half an hour", FollowUpRequest(issue="PAY-12", due_in_minutes=30)),
        ("take another look at OPS-3 in 1.5 hours", FollowUpRequest(issue="OPS-3", due_in_minutes=90)),
        ("check PAY-4 again in 45 minutes", FollowUpRequest(issue="PAY-4", due_in_minutes=45)),
        ("follow up on PAY-12 in a couple of hours", FollowUpRequest(issue="PAY-12", due_in_minutes=120)),
        (
            "revisit the initech expansion in 3 days",
            FollowUpRequest(account="initech", opportunity="expansion", due_date=dt.date(2026, 12, 11)),
        ),
        ("tomorrow, look at OPS-2 again", FollowUpRequest(issue="OPS-2", due_date=TOMORROW)),
    ],
)
def test_a_look_at_a_record_again_later_is_a_follow_up_then(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize("text", ["look at OPS-2", "look at OPS-2 again", "check PAY-12"])
def test_a_look_at_a_record_with_no_time_is_no_follow_up(text: str) -> None:
    _no_follow_up(text)


# ---------------------------------------------------------------------------------------------------------------
# When to check, said first; a status to check for


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "on monday, make sure OPS-3 has moved to in progress",
            FollowUpRequest(issue="OPS-3", due_date=MONDAY, until_status="in progress"),
        ),
        ("by friday, make sure PAY-9 is done", FollowUpRequest(issue="PAY-9", due_date=FRIDAY)),
        (
            "in 2 hours, check whether OPS-4 is in progress",
            FollowUpRequest(issue="OPS-4", due_in_minutes=120, until_status="in progress"),
        ),
        ("tomorrow, follow up on PAY-12", FollowUpRequest(issue="PAY-12", due_date=TOMORROW)),
        (
            "ensure PAY-12 has been moved to in review by thursday, escalate if not",
            FollowUpRequest(issue="PAY-12", due_date=THURSDAY, until_status="in review", escalate=True),
        ),
        ("make sure OPS-3 has moved to in progress", FollowUpRequest(issue="OPS-3", until_status="in progress")),
    ],
)
def test_when_to_check_said_first_and_a_status_to_check_for(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


def test_two_times_to_check_leave_the_time_for_the_person_to_say() -> None:
    assert requests_of("tomorrow, follow up on PAY-12 friday") == (FollowUpRequest(issue="PAY-12"),)


@pytest.mark.parametrize(
    "text",
    [
        "on monday, move PAY-3 to done",  # another request's time
        "make sure PAY-12 is assigned to bob",  # no status
        "make sure PAY-12 has a due date",
    ],
)
def test_a_time_or_make_sure_before_what_is_no_status_is_no_follow_up(text: str) -> None:
    _no_follow_up(text)


# ---------------------------------------------------------------------------------------------------------------
# Someone to see to a record; staying on top of one


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "make sure ivy reviews PAY-4 by tuesday",
            FollowUpRequest(issue="PAY-4", owner="ivy", due_date=dt.date(2026, 12, 15)),
        ),
        ("make sure bob picks up OPS-9 tomorrow", FollowUpRequest(issue="OPS-9", owner="bob", due_date=TOMORROW)),
        (
            "stay on top of the globex new business for me pls",
            FollowUpRequest(account="globex", opportunity="new business"),
        ),
        ("keep on top of PAY-6 for me", FollowUpRequest(issue="PAY-6")),
        ("keep track of the hooli deal", FollowUpRequest(account="hooli")),
    ],
)
def test_someone_to_see_to_a_record_and_staying_on_top_of_one(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize(
    ("text", "summary", "owner", "due"),
    [
        (
            "file a bug in OPS: nightly export on batch-2 writes every row twice. and make sure juan looks at it by "
            "monday",
            "Nightly export on batch-2 writes every row twice",
            "juan",
            MONDAY,
        ),
        (
            "file a task in PAY: rotate the webhook secret, and make sure carol deals with it by friday",
            "Rotate the webhook secret",
            "carol",
            FRIDAY,
        ),
    ],
)
def test_it_after_a_new_issue_is_the_new_issue_to_follow_up_on(
    text: str, summary: str, owner: str, due: dt.date
) -> None:
    created, follow = requests_of(text)
    assert isinstance(created, JiraCreateIssueRequest) and created.summary == summary
    assert follow == FollowUpRequest(issue=THIS_THREAD, owner=owner, due_date=due)


@pytest.mark.parametrize("text", ["make sure juan looks at the logs", "stay on top of the deck"])
def test_seeing_to_what_is_no_record_is_no_follow_up(text: str) -> None:
    _no_follow_up(text)


# ---------------------------------------------------------------------------------------------------------------
# Questions about a record, and about what one owes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what's OPS-2 at?", ReadRequest(issue="OPS-2")),
        ("where is PAY-12 at now", ReadRequest(issue="PAY-12")),
        ("what status is OPS-3 in?", ReadRequest(issue="OPS-3")),
        ("what's the acme renewal at?", ReadRequest(account="acme", opportunity="renewal")),
        ("<@U0BOT0001> anything i owe people this week?", ReadRequest(owed=True)),
        ("do i owe anyone anything?", ReadRequest(owed=True)),
        ("what's on my plate today?", ReadRequest(owed=True)),
        ("is there anything i owe the team today?", ReadRequest(owed=True)),
    ],
)
def test_where_a_record_stands_and_what_one_owes_asked_as_people_do(text: str, expected: ReadRequest) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize("text", ["what's the plan?", "anything i can help with?", "what's the weather at?"])
def test_a_question_that_names_no_record_is_no_read(text: str) -> None:
    assert read(text).requests == ()
