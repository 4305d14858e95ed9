"""The offline parser on follow-ups and questions about a record as issue 10's sixth round found them written (a
customer-success manager, a terse engineering manager, a writer of English as a second language): "nag" / "chase" /
"pester" someone about a record, "remember me" for "remind me", a nudge every week on a weekday ("weekly on
mondays", "on fridays"), "tomorrow am", "check where it's at", "it" for the deal a statement named just before, what
someone must do said first and "please follow this" after it, "who's driving OPS-4", "what's on me", a question with
its question word where the answer goes ("it is in which stage?"), a topic before the question ("Umbrella renewal -
...") and "..., can you tell me?", and what the writer wants to do themselves as the reason for a question. Each
shape is tested with sentences beyond the one that found it, and with near misses that must stay what they are."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from approvals.core.intents import THIS_THREAD, FollowUpRequest, ReadRequest
from tests.understanding.test_parser_vague_and_stated import read, requests_of
from understanding.dates import DATE_PATTERN, parse_date

# read() reads on a Tuesday, 2026-12-08
TODAY = dt.date(2026, 12, 8)
TOMORROW = dt.date(2026, 12, 9)
THURSDAY = dt.date(2026, 12, 10)
FRIDAY = dt.date(2026, 12, 11)
MONDAY = dt.date(2026, 12, 14)
END_OF_MONTH = dt.date(2026, 12, 31)


def _follow_ups(text: str) -> list[FollowUpRequest]:
    return [r for r in read(text).requests if isinstance(r, FollowUpRequest)]


def _reads(text: str) -> list[ReadRequest]:
    return [r for r in read(text).requests if isinstance(r, ReadRequest)]


# ---------------------------------------------------------------------------------------------------------------
# "nag", "chase", "pester" someone about a record; "remember me" for "remind me"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nag carol about PAY-6 on thursday", FollowUpRequest(issue="PAY-6", owner="carol", due_date=THURSDAY)),
        ("chase bob on OPS-2 tomorrow morning", FollowUpRequest(issue="OPS-2", owner="bob", due_date=TOMORROW)),
        ("pester alice re PAY-1 friday", FollowUpRequest(issue="PAY-1", owner="alice", due_date=FRIDAY)),
        (
            "please remember me on thursday to check whether PAY-2 got merged",
            FollowUpRequest(issue="PAY-2", owner="me", due_date=THURSDAY),
        ),
        (
            "remember erin tomorrow to see if the globex new business moved",
            FollowUpRequest(account="globex", opportunity="new business", owner="erin", due_date=TOMORROW),
        ),
    ],
)
def test_a_nudge_said_with_another_verb_is_a_follow_up(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize(
    "text",
    ["remember that alice is out on friday", "chase the invoice with finance", "nag me about the offsite on friday"],
)
def test_remember_or_chase_with_no_record_to_watch_is_no_follow_up(text: str) -> None:
    assert _follow_ups(text) == []


# ---------------------------------------------------------------------------------------------------------------
# Every week on a weekday, said before what is watched


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "nag juan weekly on thursdays about OPS-1 till it's done",
            FollowUpRequest(issue="OPS-1", owner="juan", due_date=THURSDAY, every_days=7),
        ),
        (
            "ping ivy on fridays about the hooli deal",
            FollowUpRequest(account="hooli", owner="ivy", due_date=FRIDAY, every_days=7),
        ),
        (
            "poke carol every week on monday about PAY-5 until it's in review",
            FollowUpRequest(issue="PAY-5", owner="carol", due_date=MONDAY, every_days=7, until_status="in review"),
        ),
        ("nudge bob tomorrow about PAY-4", FollowUpRequest(issue="PAY-4", owner="bob", due_date=TOMORROW)),
        (
            "pls nag erin abt the initech expansion every thu",
            FollowUpRequest(account="initech", opportunity="expansion", owner="erin", due_date=THURSDAY, every_days=7),
        ),
    ],
)
def test_when_said_between_who_and_what_is_when_to_nudge(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


def test_one_weekday_is_one_nudge_not_a_weekly_one() -> None:
    assert requests_of("ping alice on friday about PAY-3") == (
        FollowUpRequest(issue="PAY-3", owner="alice", due_date=FRIDAY),
    )


# ---------------------------------------------------------------------------------------------------------------
# "tomorrow am", "friday pm": the day


def test_am_or_pm_after_a_day_is_that_day() -> None:
    assert parse_date("tomorrow am", today=TODAY) == TOMORROW
    assert parse_date("fri pm", today=TODAY) == FRIDAY
    assert re.fullmatch(DATE_PATTERN, "wed pm", re.I)
    assert parse_date("am", today=TODAY) is None
    assert requests_of("follow up on PAY-9 friday pm") == (FollowUpRequest(issue="PAY-9", due_date=FRIDAY),)
    assert requests_of("chase sam lee on OPS-3 tomorrow am") == (
        FollowUpRequest(issue="OPS-3", owner="sam lee", due_date=TOMORROW),
    )


# ---------------------------------------------------------------------------------------------------------------
# Checking where a record stands


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "remind me friday to check where the Umbrella Health renewal stands",
            FollowUpRequest(account="Umbrella Health", opportunity="renewal", owner="me", due_date=FRIDAY),
        ),
        (
            "nudge carol tomorrow to see how OPS-3 is going",
            FollowUpRequest(issue="OPS-3", owner="carol", due_date=TOMORROW),
        ),
        ("remind me on monday to check where PAY-8 is at", FollowUpRequest(issue="PAY-8", owner="me", due_date=MONDAY)),
    ],
)
def test_a_reminder_to_check_where_a_record_stands_is_a_follow_up(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


def test_how_a_record_is_doing_is_no_status_to_wait_for() -> None:
    assert requests_of("remind me tomorrow to check how PAY-2 is doing") == (
        FollowUpRequest(issue="PAY-2", owner="me", due_date=TOMORROW),
    )


def test_a_reminder_to_check_where_something_else_is_no_follow_up() -> None:
    assert _follow_ups("remind me to check where the offsite is") == []


# ---------------------------------------------------------------------------------------------------------------
# "it": the deal a statement named just before


def test_it_after_a_statement_about_a_deal_is_that_deal() -> None:
    text = "The Globex new business is waiting on procurement. Remind me thursday to check on it."
    assert requests_of(text) == (
        FollowUpRequest(account="Globex", opportunity="new business", owner="me", due_date=THURSDAY),
    )


def test_it_after_a_statement_about_an_issue_is_that_issue() -> None:
    assert _follow_ups("PAY-4 is stuck in review. remind me friday to check on it") == [
        FollowUpRequest(issue="PAY-4", owner="me", due_date=FRIDAY)
    ]


def test_it_with_nothing_named_before_is_the_thread_s_issue() -> None:
    assert _follow_ups("remind me friday to check on it") == [
        FollowUpRequest(issue=THIS_THREAD, owner="me", due_date=FRIDAY)
    ]


def test_it_after_a_jira_request_is_never_a_deal_named_earlier() -> None:
    follow_ups = _follow_ups("the acme platform renewal is fine. move PAY-3 to done and follow up on it friday")
    assert all(f.account is None for f in follow_ups)


# ---------------------------------------------------------------------------------------------------------------
# What someone must do, then the ask to follow it


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Erin must advance the Acme platform renewal by friday. Please keep an eye on it.",
            FollowUpRequest(account="Acme", opportunity="platform renewal", owner="Erin", due_date=FRIDAY),
        ),
        (
            "juan should close OPS-2 until thursday. hold him to it, and escalate to carol if he doesn't",
            FollowUpRequest(issue="OPS-2", owner="juan", due_date=THURSDAY, escalate=True),
        ),
        (
            "ivy must update the hooli analytics by monday, follow this",
            FollowUpRequest(account="hooli", opportunity="analytics", owner="ivy", due_date=MONDAY),
        ),
        (
            "Carol has to finish PAY-11 until end of month. Can you track it?",
            FollowUpRequest(issue="PAY-11", owner="Carol", due_date=END_OF_MONTH),
        ),
    ],
)
def test_what_someone_must_do_then_an_ask_to_follow_it_is_a_follow_up(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize(
    "text",
    [
        "Erin must advance the Acme platform renewal by friday.",
        "bob needs to close PAY-9 by thursday. thanks!",
        "hold him to it",
    ],
)
def test_what_someone_must_do_with_no_ask_to_follow_it_is_no_follow_up(text: str) -> None:
    assert _follow_ups(text) == []


# ---------------------------------------------------------------------------------------------------------------
# Who works on an issue; what I owe


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("who's handling PAY-7 at the moment?", ReadRequest(issue="PAY-7")),
        ("whos running OPS-1 these days", ReadRequest(issue="OPS-1")),
        ("who is looking into PAY-2?", ReadRequest(issue="PAY-2")),
        ("what's on me today?", ReadRequest(owed=True)),
        ("what's on my list - anything i owe folks?", ReadRequest(owed=True)),
        ("do i owe ppl anything?", ReadRequest(owed=True)),
    ],
)
def test_who_works_on_an_issue_or_what_i_owe_is_a_read(text: str, expected: ReadRequest) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize("text", ["who's running the standup tomorrow?", "what's on the agenda?"])
def test_the_same_words_about_no_record_are_no_read(text: str) -> None:
    assert _reads(text) == []


# ---------------------------------------------------------------------------------------------------------------
# The question word where the answer goes, a topic first, "can you tell me" after


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PAY-6 is in which status?", ReadRequest(issue="PAY-6")),
        (
            "the Globex new business is in which stage, can you tell me?",
            ReadRequest(account="Globex", opportunity="new business"),
        ),
        ("Initech expansion - it is at what stage right now?", ReadRequest(account="Initech", opportunity="expansion")),
        ("PAY-3 - what's the status of it?", ReadRequest(issue="PAY-3")),
        ("where OPS-2 is now?", ReadRequest(issue="OPS-2")),
        ("Hooli analytics: where it stands at the moment?", ReadRequest(account="Hooli", opportunity="analytics")),
        ("what's the status of OPS-4, could you let me know?", ReadRequest(issue="OPS-4")),
    ],
)
def test_a_question_asked_in_another_order_is_a_read(text: str, expected: ReadRequest) -> None:
    assert requests_of(text) == (expected,)


def test_a_statement_of_where_an_issue_is_is_no_read() -> None:
    assert _reads("PAY-6 is in review") == []


# ---------------------------------------------------------------------------------------------------------------
# What the writer wants to do themselves: why the question is asked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "I have a QBR with Initech on friday and want to sound informed. How's the Initech expansion going?",
            ReadRequest(account="Initech", opportunity="expansion"),
        ),
        ("I need to brief Kara later. what's the status of PAY-3?", ReadRequest(issue="PAY-3")),
    ],
)
def test_what_the_writer_wants_to_do_is_the_reason_for_a_question(text: str, expected: ReadRequest) -> None:
    assert requests_of(text) == (expected,)


def test_a_wish_with_no_first_person_before_it_is_asked_about() -> None:
    understanding = read("alice is out and want to go home. what's the status of PAY-3?")
    assert understanding.question is not None
