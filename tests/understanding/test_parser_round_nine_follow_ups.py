"""The offline parser on follow-ups and questions about a record as issue 10's ninth round found them written (a
support agent, a sales manager, a data analyst, an executive assistant): a time of day said with the day ("tomorrow
09:00 PT", "at 10am monday"), a recurring check named as a thing ("weekly check on PAY-10 starting monday
2027-05-10, nudge alice each time"), where a record stands asked with more words ("look in on how ... is
progressing", "where ... landed after their board meeting"), "closes out", an escalation said after the follow-up
with its condition first ("if it's not in progress by then escalate to bob", "if he hasn't, please escalate"), a
day nobody knows ("once Kara is back from Tokyo"), and for reads "anything people are waiting on me for?", what the
answer is for ("need something to tell them", "want to clear my queue ...") and what a system shows of a record named
before ("acme platform renewal - what stage/amount does sf have?"). The sentences are this file's own; each is tested
with near misses that must stay what they are. Each reads on Tuesday 2026-12-08."""

from __future__ import annotations

import datetime as dt

import pytest

from approvals.core.intents import FollowUpRequest, JiraTransitionRequest, ReadRequest
from tests.understanding.test_parser_vague_and_stated import read, requests_of

TOMORROW = dt.date(2026, 12, 9)
THURSDAY = dt.date(2026, 12, 10)
FRIDAY = dt.date(2026, 12, 11)
MONDAY = dt.date(2026, 12, 14)


# ---------------------------------------------------------------------------------------------------------------
# A time of day said with the day: the day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "nudge me friday at 4pm so I can see whether PAY-3 got merged",
            FollowUpRequest(issue="PAY-3", owner="me", due_date=FRIDAY),
        ),
        ("follow up on OPS-1 thursday 14:30 CET", FollowUpRequest(issue="OPS-1", due_date=THURSDAY)),
        ("ping erin at 10am monday about OPS-4", FollowUpRequest(issue="OPS-4", owner="erin", due_date=MONDAY)),
        (
            "remind me tomorrow 08:15 ET to check where PAY-6 is at",
            FollowUpRequest(issue="PAY-6", owner="me", due_date=TOMORROW),
        ),
    ],
)
def test_a_time_of_day_with_the_day_is_that_day(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


def test_a_time_of_day_without_a_day_is_never_counted_in_minutes() -> None:
    understanding = read("remind me at 3pm to check PAY-2")
    assert understanding.question is not None
    assert not any(isinstance(r, FollowUpRequest) and (r.due_date or r.due_in_minutes) for r in understanding.requests)


# ---------------------------------------------------------------------------------------------------------------
# A recurring check named as a thing, the day it starts and whom it nudges


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "daily check on OPS-4 starting thursday, ping juan each time until it's in review",
            FollowUpRequest(issue="OPS-4", owner="juan", due_date=THURSDAY, every_days=1, until_status="in review"),
        ),
        (
            "weekly check-in on OPS-1 on mondays, ping sam lee each time",
            FollowUpRequest(issue="OPS-1", owner="sam lee", due_date=MONDAY, every_days=7),
        ),
        (
            "weekly check on PAY-7 starting monday 2026-12-14",
            FollowUpRequest(issue="PAY-7", due_date=MONDAY, every_days=7),
        ),
        (
            "a weekly look at the globex new business, nudge ivy every time",
            FollowUpRequest(
                account="globex", opportunity="new business", owner="ivy", due_date=dt.date(2026, 12, 15), every_days=7
            ),
        ),
    ],
)
def test_a_recurring_check_named_as_a_thing_is_a_follow_up(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


def test_a_recurring_check_that_nudges_no_one_known_asks_about_the_nudge() -> None:
    understanding = read("weekly check on PAY-7, ping the vendor each time")
    assert understanding.question is not None and "ping the vendor each time" in understanding.question


# ---------------------------------------------------------------------------------------------------------------
# Where a record stands, asked with more words; "closes out"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "remind carol on thursday to look in on how the globex new business is coming along",
            FollowUpRequest(account="globex", opportunity="new business", owner="carol", due_date=THURSDAY),
        ),
        (
            "remind me friday to look at where the initech expansion ended up after their offsite",
            FollowUpRequest(account="initech", opportunity="expansion", owner="me", due_date=FRIDAY),
        ),
        (
            "remind bob to check on how OPS-3 is progressing tomorrow",
            FollowUpRequest(issue="OPS-3", owner="bob", due_date=TOMORROW),
        ),
    ],
)
def test_looking_in_on_where_a_record_stands_is_a_follow_up(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "make sure ivy closes out the acme platform renewal by friday",
            FollowUpRequest(account="acme", opportunity="platform renewal", owner="ivy", due_date=FRIDAY),
        ),
        (
            "make sure juan finishes up OPS-4 by thursday, escalate to frank if it slips",
            FollowUpRequest(issue="OPS-4", owner="juan", due_date=THURSDAY, escalate=True),
        ),
    ],
)
def test_closing_out_a_record_is_what_a_follow_up_checks(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


# ---------------------------------------------------------------------------------------------------------------
# An escalation said after the follow-up, its condition first


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "look at OPS-2 again tomorrow. if it's still not in review by then, escalate to carol",
            FollowUpRequest(issue="OPS-2", due_date=TOMORROW, until_status="in review", escalate=True),
        ),
        (
            "look at OPS-2 again tomorrow. if it hasn't moved to in progress, escalate",
            FollowUpRequest(issue="OPS-2", due_date=TOMORROW, until_status="in progress", escalate=True),
        ),
        (
            "make sure juan has OPS-4 fixed by thursday; if he hasn't, please escalate to frank",
            FollowUpRequest(issue="OPS-4", owner="juan", due_date=THURSDAY, escalate=True),
        ),
        (
            "look at PAY-5 again friday. If it isn't done by then escalate to carol",
            FollowUpRequest(issue="PAY-5", due_date=FRIDAY, escalate=True),
        ),
    ],
)
def test_an_escalation_after_the_follow_up_is_its_own(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


def test_an_escalation_on_another_issues_status_is_asked_about() -> None:
    understanding = read("look at OPS-2 again tomorrow. if PAY-5 is not in review by then escalate to carol")
    assert understanding.question is not None and "PAY-5" in understanding.question


def test_a_condition_with_a_status_and_no_follow_up_before_is_no_follow_up_of_its_own() -> None:
    understanding = read("if it's not in review by then escalate to carol")
    assert not any(isinstance(r, FollowUpRequest) and r.until_status for r in understanding.requests)


# ---------------------------------------------------------------------------------------------------------------
# A day nobody knows said first: when is asked


def test_once_someone_is_back_is_no_day_said() -> None:
    assert requests_of("once erin is back from leave, could you follow up on the hooli analytics?") == (
        FollowUpRequest(account="hooli", opportunity="analytics"),
    )


def test_once_someone_is_back_before_another_ask_is_asked_about() -> None:
    understanding = read("once bob is back, move PAY-4 to done")
    assert understanding.question is not None and "once bob is back" in understanding.question
    assert JiraTransitionRequest(issue="PAY-4", status="Done") in understanding.requests


# ---------------------------------------------------------------------------------------------------------------
# Reads


@pytest.mark.parametrize(
    "text",
    [
        "is anyone waiting on me for anything?",
        "what are people waiting on me for?",
        "anything folks are waiting on me for? trying to plan my week",
    ],
)
def test_what_people_wait_on_me_for_is_what_i_owe(text: str) -> None:
    assert requests_of(text) == (ReadRequest(owed=True),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("where's OPS-3 at? need something to tell the customer", ReadRequest(issue="OPS-3")),
        ("who has PAY-8? want to clear my plate before the offsite", ReadRequest(issue="PAY-8")),
        ("what's the status of PAY-2? want to update the customer", ReadRequest(issue="PAY-2")),
    ],
)
def test_what_the_answer_is_for_is_no_request_of_its_own(text: str, expected: ReadRequest) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("where's OPS-3 at? want to update the priority to high", "update the priority to high"),
        ("where's OPS-3 at? need something to tell them about PAY-4", "PAY-4"),
    ],
)
def test_a_change_or_another_issue_after_a_question_is_asked_about(text: str, said: str) -> None:
    understanding = read(text)
    assert ReadRequest(issue="OPS-3") in understanding.requests
    assert understanding.question is not None and said in understanding.question


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "the globex new business - what amount does salesforce show?",
            ReadRequest(account="globex", opportunity="new business"),
        ),
        (
            "umbrella health renewal: what's the close date? prepping for the forecast call",
            ReadRequest(account="umbrella health", opportunity="renewal"),
        ),
        ("what status does jira have for OPS-2?", ReadRequest(issue="OPS-2")),
        (
            "what does sf say about the initech expansion?",
            ReadRequest(account="initech", opportunity="expansion"),
        ),
    ],
)
def test_what_a_system_shows_of_a_record_is_a_read(text: str, expected: ReadRequest) -> None:
    assert requests_of(text) == (expected,)


def test_a_field_asked_of_no_record_is_no_read() -> None:
    assert not any(isinstance(r, ReadRequest) for r in read("what's the priority?").requests)
