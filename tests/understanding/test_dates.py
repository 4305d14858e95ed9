"""Dates as people write them, resolved against a fixed 'today' (never the wall clock)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from understanding.dates import DATE_PATTERN, VAGUE_DATE_PATTERN, parse_date

FRIDAY = dt.date(2026, 11, 20)
MONDAY = dt.date(2026, 11, 23)
NEW_YEARS_EVE = dt.date(2026, 12, 31)  # a Thursday, the end of a month and of a year

D = dt.date


def test_the_fixed_todays_are_the_weekdays_the_tables_assume() -> None:
    assert (FRIDAY.strftime("%A"), MONDAY.strftime("%A"), NEW_YEARS_EVE.strftime("%A")) == (
        "Friday",
        "Monday",
        "Thursday",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO dates
        ("2026-12-01", D(2026, 12, 1)),
        ("2025-01-01", D(2025, 1, 1)),  # ISO is taken as written, even in the past
        # today / tomorrow
        ("today", FRIDAY),
        ("Today", FRIDAY),
        ("tomorrow", D(2026, 11, 21)),
        ("tmrw", D(2026, 11, 21)),
        ("  Tomorrow. ", D(2026, 11, 21)),
        # a bare weekday is the next such day after today; on a Friday, "Friday" is a week away
        ("friday", D(2026, 11, 27)),
        ("Saturday", D(2026, 11, 21)),
        ("sunday", D(2026, 11, 22)),
        ("monday", D(2026, 11, 23)),
        ("Tuesday", D(2026, 11, 24)),
        ("wednesday", D(2026, 11, 25)),
        ("thursday", D(2026, 11, 26)),
        ("mon", D(2026, 11, 23)),
        ("tue", D(2026, 11, 24)),
        ("tues", D(2026, 11, 24)),
        ("wed", D(2026, 11, 25)),
        ("thu", D(2026, 11, 26)),
        ("thur", D(2026, 11, 26)),
        ("thurs", D(2026, 11, 26)),
        ("fri", D(2026, 11, 27)),
        ("sat", D(2026, 11, 21)),
        ("sun", D(2026, 11, 22)),
        ("FRIDAY.", D(2026, 11, 27)),
        ("on monday", D(2026, 11, 23)),
        ("this wed", D(2026, 11, 25)),
        ("next Tuesday", D(2026, 11, 24)),
        ("next friday", D(2026, 11, 27)),
        # relative spans
        ("in 3 days", D(2026, 11, 23)),
        ("in 1 day", D(2026, 11, 21)),
        ("in a day", D(2026, 11, 21)),
        ("in one day", D(2026, 11, 21)),
        ("in two weeks", D(2026, 12, 4)),
        ("in 2 weeks", D(2026, 12, 4)),
        ("in a week", D(2026, 11, 27)),
        ("in ten days", D(2026, 11, 30)),
        ("in 45 days", D(2027, 1, 4)),
        # weeks and months
        ("next week", D(2026, 11, 23)),  # its Monday
        ("end of week", FRIDAY),  # today is the end of the week
        ("end of the week", FRIDAY),
        ("EOW", FRIDAY),
        ("end of month", D(2026, 11, 30)),
        ("end of the month", D(2026, 11, 30)),
        # month and day, with an optional year
        ("Dec 1", D(2026, 12, 1)),
        ("dec. 1", D(2026, 12, 1)),
        ("December 1st", D(2026, 12, 1)),
        ("1 December", D(2026, 12, 1)),
        ("1st of December", D(2026, 12, 1)),
        ("1st December", D(2026, 12, 1)),
        ("December 1, 2027", D(2027, 12, 1)),
        ("1 Dec 2027", D(2027, 12, 1)),
        ("Sept 5", D(2027, 9, 5)),  # already passed this year: next year
        ("Nov 19", None),  # yesterday: a slip more likely than a date a year away, so it is asked for
        ("Oct 1", D(2027, 10, 1)),  # long gone this year: next year's
        ("Nov 20", FRIDAY),  # today has not passed
        ("November 22nd", D(2026, 11, 22)),
        ("Jan 3rd", D(2027, 1, 3)),
        ("May 2, 2026", D(2026, 5, 2)),  # an explicit year is taken as written
    ],
)
def test_parse_date_on_a_friday(text: str, expected: dt.date) -> None:
    assert parse_date(text, today=FRIDAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", MONDAY),
        ("monday", D(2026, 11, 30)),  # a bare weekday is never today
        ("tuesday", D(2026, 11, 24)),
        ("sunday", D(2026, 11, 29)),
        ("this fri", D(2026, 11, 27)),
        ("next week", D(2026, 11, 30)),
        ("end of week", D(2026, 11, 27)),
        ("eow", D(2026, 11, 27)),
        ("in 7 days", D(2026, 11, 30)),
        ("end of month", D(2026, 11, 30)),
    ],
)
def test_parse_date_on_a_monday(text: str, expected: dt.date) -> None:
    assert parse_date(text, today=MONDAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", NEW_YEARS_EVE),
        ("tomorrow", D(2027, 1, 1)),
        ("end of month", NEW_YEARS_EVE),
        ("end of week", D(2027, 1, 1)),
        ("friday", D(2027, 1, 1)),
        ("monday", D(2027, 1, 4)),
        ("next week", D(2027, 1, 4)),
        ("in 2 weeks", D(2027, 1, 14)),
        ("in 1 day", D(2027, 1, 1)),
        ("Dec 31", NEW_YEARS_EVE),
        ("Dec 30", None),  # yesterday
        ("Nov 1", D(2027, 11, 1)),
        ("Jan 1", D(2027, 1, 1)),
        ("Feb 29", None),  # 2027 is not a leap year, and Feb 29 2026 has passed
        ("Feb 28", D(2027, 2, 28)),
    ],
)
def test_parse_date_at_the_end_of_the_year(text: str, expected: dt.date | None) -> None:
    assert parse_date(text, today=NEW_YEARS_EVE) == expected


def test_end_of_month_in_february_of_a_leap_year() -> None:
    assert parse_date("end of month", today=D(2028, 2, 3)) == D(2028, 2, 29)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        ".",
        "someday",
        "soon",
        "asap",
        "next month",
        "in many days",
        "in x weeks",
        "march",
        "Foo 5",
        "Feb 30",
        "Dec 32",
        "32 Dec",
        "2026-02-30",
        "2026-13-01",
        "2026-1-5",
        "24/7",
        "next",
        "on",
        "tomorrow or friday",
    ],
)
def test_parse_date_returns_none_for_what_it_does_not_understand(text: str) -> None:
    assert parse_date(text, today=FRIDAY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yesterday", D(2026, 11, 19)),
        ("this morning", FRIDAY),
        ("tonight", FRIDAY),
        ("EOD", FRIDAY),
        ("end of day", FRIDAY),
        ("last monday", D(2026, 11, 16)),
        ("last friday", D(2026, 11, 13)),  # on a Friday, "last Friday" is a week ago
        ("end of next week", D(2026, 11, 27)),
        ("end of quarter", D(2026, 12, 31)),
        ("EOQ", D(2026, 12, 31)),
        ("end of the year", D(2026, 12, 31)),
        ("in a month", D(2026, 12, 20)),
        ("in 3 months", D(2027, 2, 20)),
        ("the 5th", D(2026, 12, 5)),  # the next 5th
        ("the 20th", FRIDAY),
        ("the 30th", D(2026, 11, 30)),
        ("12/13/2026", D(2026, 12, 13)),
        ("12/1", D(2026, 12, 1)),
        ("friday afternoon", D(2026, 11, 27)),
        ("EOD friday", D(2026, 11, 27)),
    ],
)
def test_the_words_added_for_tasks_and_calls(text: str, expected: dt.date) -> None:
    assert parse_date(text, today=FRIDAY) == expected


def test_in_a_month_from_the_31st_is_the_end_of_a_shorter_month() -> None:
    assert parse_date("in 1 month", today=D(2027, 1, 31)) == D(2027, 2, 28)


def test_end_of_quarter_in_each_quarter() -> None:
    assert [parse_date("end of quarter", today=D(2026, m, 1)) for m in (1, 4, 8, 12)] == [
        D(2026, 3, 31),
        D(2026, 6, 30),
        D(2026, 9, 30),
        D(2026, 12, 31),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yesterday", D(2026, 11, 19)),
        ("today", FRIDAY),
        ("this morning", FRIDAY),
        ("tuesday", D(2026, 11, 17)),  # the Tuesday just gone
        ("on monday", D(2026, 11, 16)),
        ("friday", D(2026, 11, 13)),  # a bare weekday in the past is never today
        ("last thursday", D(2026, 11, 19)),
        ("Nov 18", D(2026, 11, 18)),  # not next year: it happened
        ("Dec 1", D(2025, 12, 1)),  # still ahead this year: last year
        ("2026-11-02", D(2026, 11, 2)),
        ("tomorrow", None),  # a call cannot have happened tomorrow
        ("next week", None),
        ("in 3 days", None),
        ("next tuesday", None),
    ],
)
def test_past_dates_for_something_that_happened(text: str, expected: dt.date | None) -> None:
    assert parse_date(text, today=FRIDAY, past=True) == expected


@pytest.mark.parametrize(
    "text", ["next month", "next quarter", "soon", "later", "Q1", "asap", "sometime", "early December"]
)
def test_vague_dates_are_recognised_as_dates_but_not_resolved(text: str) -> None:
    assert re.fullmatch(VAGUE_DATE_PATTERN, text, re.I)
    assert parse_date(text, today=FRIDAY) is None


@pytest.mark.parametrize(
    "text", ["yesterday", "end of next week", "in 2 months", "last Monday", "this afternoon", "EOQ"]
)
def test_the_date_pattern_finds_every_understood_form(text: str) -> None:
    assert re.fullmatch(DATE_PATTERN, text, re.I)
