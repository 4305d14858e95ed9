"""The offline parser on follow-ups and questions about a record as issue 10's eighth round found them written (an
on-call engineer, an account executive on a phone, an engineering manager, a formal writer of English as a second
language): the condition a follow-up checks said after it ("if legal still hasnt returned the redlines"), whom to
nudge if nothing moved ("nudge juan if no movement", "page frank if not"), what the check is for ("want to know it's
in review"), "until the migration lands", "regarding", a time too loose to be one said first ("at some point"), a
numeric date that is a sooner day read the other way ("on 2/1"), an escalation said first ("if erin hasnt moved ...
by friday escalate to frank"), "make sure carol has the PAY-6 notes written by thursday", "made it to in review", a
reminder for someone named as a thing, a correction of the delay ("in 30m, no wait make it 45"), and for reads
"where r we at ... amount wise", a second question about the same record, why the question was asked said after it,
"kindly revert back with the status of ..." and "the pending items I am owing". The sentences are this file's own;
each is tested with near misses that must stay what they are. Each reads on Tuesday 2026-12-08."""

from __future__ import annotations

import datetime as dt

import pytest

from approvals.core.intents import FollowUpRequest, JiraAssignRequest, ReadRequest
from tests.understanding.test_parser_vague_and_stated import read, requests_of

TOMORROW = dt.date(2026, 12, 9)
THURSDAY = dt.date(2026, 12, 10)
FRIDAY = dt.date(2026, 12, 11)
MONDAY = dt.date(2026, 12, 14)


# ---------------------------------------------------------------------------------------------------------------
# What a follow-up checks, said after it: a condition, whom to nudge, what it is for


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "friday check in on the umbrella renewal if legal still hasnt returned the redlines",
            FollowUpRequest(account="umbrella", opportunity="renewal", due_date=FRIDAY),
        ),
        (
            "follow up on OPS-3 tomorrow in case the vendor hasn't replied yet",
            FollowUpRequest(issue="OPS-3", due_date=TOMORROW),
        ),
        (
            "follow up on PAY-3 thursday if alice hasn't moved it to in progress",
            FollowUpRequest(issue="PAY-3", due_date=THURSDAY, until_status="in progress"),
        ),
    ],
)
def test_a_condition_that_nothing_happened_is_the_follow_ups_own(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


def test_a_condition_before_another_ask_is_asked_about() -> None:
    understanding = read("follow up on PAY-4 friday if bob doesn't want it, assign it to carol")
    assert understanding.question is not None and "if bob doesn't want it" in understanding.question
    assert JiraAssignRequest(issue="PAY-4", assignee="carol") in understanding.requests


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "check OPS-3 again in 2h and ping carol if no progress",
            FollowUpRequest(issue="OPS-3", owner="carol", due_in_minutes=120),
        ),
        (
            "look at PAY-8 again tomorrow, nudge sam lee if it stalls",
            FollowUpRequest(issue="PAY-8", owner="sam lee", due_date=TOMORROW),
        ),
        (
            "watch OPS-1 during the cutover, nudge juan if it stalls",
            FollowUpRequest(issue="OPS-1", owner="juan"),
        ),
        # another person than the owner, if it did not move: escalated to
        (
            "make sure bob has PAY-9 merged by thursday, page frank if not",
            FollowUpRequest(issue="PAY-9", owner="bob", due_date=THURSDAY, escalate=True),
        ),
    ],
)
def test_whom_to_nudge_if_nothing_moved_is_the_owner(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize(
    "text",
    [
        "remind me friday about PAY-4, ping bob if not",  # the writer reminded, someone else nudged: who does what?
        "check OPS-3 again in 2h and ping the vendor if no progress",  # no one the workspace knows
    ],
)
def test_a_nudge_that_is_not_the_owners_is_asked_about(text: str) -> None:
    understanding = read(text)
    assert understanding.question is not None and "if " in understanding.question


@pytest.mark.parametrize(
    ("text", "until"),
    [
        ("ping me thursday about OPS-3, want to know it's in progress", "in progress"),
        ("nudge me thursday about OPS-3, i want to know if it's staffed", None),
    ],
)
def test_what_a_follow_up_is_for_names_the_status_it_waits_for(text: str, until: str | None) -> None:
    assert requests_of(text) == (FollowUpRequest(issue="OPS-3", owner="me", due_date=THURSDAY, until_status=until),)


def test_what_a_follow_up_is_for_about_another_issue_is_asked_about() -> None:
    understanding = read("nudge me thursday about OPS-3, want to know PAY-2 is staffed")
    assert understanding.question is not None and "PAY-2" in understanding.question


def test_until_the_work_lands_is_until_it_is_resolved() -> None:
    assert requests_of("every monday, nudge erin on PAY-8 until the db migration lands") == (
        FollowUpRequest(issue="PAY-8", owner="erin", due_date=MONDAY, every_days=7),
    )


# ---------------------------------------------------------------------------------------------------------------
# When: "at some point" first, a numeric date that is a sooner day read the other way


def test_a_loose_time_said_first_leaves_when_to_ask() -> None:
    assert requests_of("at some point, follow up with ivy regarding the globex new business") == (
        FollowUpRequest(account="globex", opportunity="new business", owner="ivy"),
    )


def test_a_numeric_date_sooner_read_day_first_is_asked_about() -> None:
    # 2/1 is 1 February month first, 2 January day first (sooner): which is asked, never guessed
    understanding = read("please follow up with ivy regarding the globex new business on 2/1")
    assert understanding.question is not None and "due date" in understanding.question
    assert understanding.requests == (FollowUpRequest(account="globex", opportunity="new business", owner="ivy"),)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("follow up on OPS-2 on 1/3", dt.date(2027, 1, 3)),  # 1 March day first is later: month first stands
        ("follow up on OPS-2 on 12/15", dt.date(2026, 12, 15)),  # only one reading is a date
    ],
)
def test_a_numeric_date_the_sooner_way_is_read(text: str, due: dt.date) -> None:
    assert requests_of(text) == (FollowUpRequest(issue="OPS-2", due_date=due),)


# ---------------------------------------------------------------------------------------------------------------
# Escalations said first; "make sure <someone> has <it> done by ..."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "if erin hasnt moved the acme platform renewal to negotiation by friday escalate to frank",
            FollowUpRequest(
                account="acme", opportunity="platform renewal", owner="erin", due_date=FRIDAY, escalate=True
            ),
        ),
        (
            "if juan doesn't close OPS-2 by thursday, escalate to his manager",
            FollowUpRequest(issue="OPS-2", owner="juan", due_date=THURSDAY, escalate=True),
        ),
        (
            "if PAY-9 still isn't fixed by thursday escalate to carol",
            FollowUpRequest(issue="PAY-9", due_date=THURSDAY, escalate=True),
        ),
    ],
)
def test_an_escalation_said_first_is_a_follow_up_that_escalates(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "we need to make sure carol has the PAY-6 release notes written by thursday",
            FollowUpRequest(issue="PAY-6", owner="carol", due_date=THURSDAY),
        ),
        (
            "make sure alice has PAY-2 fixed by friday (demo day). if not, escalate to me",
            FollowUpRequest(issue="PAY-2", owner="alice", due_date=FRIDAY, escalate=True),
        ),
    ],
)
def test_someone_to_have_it_done_by_a_day_is_a_follow_up(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


# ---------------------------------------------------------------------------------------------------------------
# "made it to <status>", a reminder named as a thing for someone, a corrected delay


def test_whether_it_made_it_to_a_status_is_what_is_checked() -> None:
    assert requests_of("check tomorrow whether OPS-3 made it to in progress") == (
        FollowUpRequest(issue="OPS-3", due_date=TOMORROW, until_status="in progress"),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "please set a reminder for bob on thursday to look at PAY-11",
            FollowUpRequest(issue="PAY-11", owner="bob", due_date=THURSDAY),
        ),
        (
            "kindly put a reminder to me for monday to check OPS-4 status",
            FollowUpRequest(issue="OPS-4", owner="me", due_date=MONDAY),
        ),
    ],
)
def test_a_reminder_for_someone_named_as_a_thing_is_a_follow_up(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("look at OPS-2 again in 30m, no wait make it 45", 45),
        ("check back on PAY-6 in 2h, sorry, 3h", 180),
    ],
)
def test_a_corrected_delay_is_the_corrected_one(text: str, minutes: int) -> None:
    (request,) = requests_of(text)
    assert isinstance(request, FollowUpRequest) and request.due_in_minutes == minutes


def test_a_corrected_delay_that_could_be_minutes_or_hours_is_asked_about() -> None:
    understanding = read("check back on PAY-6 in 2h, no wait make it 90")
    assert understanding.question is not None and not understanding.requests


# ---------------------------------------------------------------------------------------------------------------
# Reads


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "where r we at on the globex new business amount wise",
            ReadRequest(account="globex", opportunity="new business"),
        ),
        ("what's the status of PAY-3 — is alice still on it?", ReadRequest(issue="PAY-3")),
        ("what's the status of PAY-3? is alice still on it?", ReadRequest(issue="PAY-3")),
        ("who has PAY-8 rn? need the release checklist for the CAB", ReadRequest(issue="PAY-8")),
        ("Kindly revert back with the latest status of OPS-3.", ReadRequest(issue="OPS-3")),
        (
            "can you send me the status of the acme platform renewal",
            ReadRequest(account="acme", opportunity="platform renewal"),
        ),
        ("Please, what are the open items I am owing to others?", ReadRequest(owed=True)),
    ],
)
def test_a_question_about_a_record_is_a_read(text: str, expected: ReadRequest) -> None:
    assert requests_of(text) == (expected,)


def test_something_wanted_done_after_a_question_is_asked_about() -> None:
    understanding = read("who has PAY-8? need the priority bumped")
    assert understanding.requests == (ReadRequest(issue="PAY-8"),)
    assert understanding.question is not None and "need the priority bumped" in understanding.question


def test_sharing_the_status_with_someone_else_is_no_read() -> None:
    assert not any(isinstance(r, ReadRequest) for r in read("share the status of PAY-8 with the customer").requests)


# ---------------------------------------------------------------------------------------------------------------
# Near misses: a condition that runs on into another ask, something asked for after a question


def test_a_condition_never_runs_on_into_another_ask() -> None:
    understanding = read("ping bob friday about PAY-9, if he hasn't started move it to carol")
    assert JiraAssignRequest(issue="PAY-9", assignee="carol") in understanding.requests
    assert understanding.question is not None and "if he hasn't started" in understanding.question


def test_someone_else_pinged_when_the_owner_did_not_move_it_is_escalated_to() -> None:
    assert requests_of("nudge alice on PAY-3 monday, and ping bob if she hasn't moved it") == (
        FollowUpRequest(issue="PAY-3", owner="alice", due_date=MONDAY, escalate=True),
    )


def test_something_to_make_after_a_question_is_asked_about() -> None:
    understanding = read("who has PAY-4? need a new ticket for the logs")
    assert understanding.question is not None and "need a new ticket for the logs" in understanding.question
