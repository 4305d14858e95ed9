"""People live in time zones: the dates a person writes are read in their own zone (users.info ``tz``)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sandbox.slack.driver import message_text
from tests.e2e.helpers import ask, is_card, start_thread
from tests.flow import Flow

# Thursday 3 December 2026, 17:00 in Los Angeles: already Friday 01:00 in UTC.
THURSDAY_AFTERNOON_IN_LA = dt.datetime(2026, 12, 3, 17, 0, tzinfo=ZoneInfo("America/Los_Angeles"))


@pytest.fixture
def la_afternoon(flow: Flow) -> Flow:
    moment = THURSDAY_AFTERNOON_IN_LA.astimezone(dt.UTC)
    flow.runtime.clock = lambda: moment
    return flow


def test_friday_written_on_a_los_angeles_thursday_afternoon_is_the_next_day(la_afternoon: Flow) -> None:
    flow = la_afternoon
    assert flow.sandbox.seed.person_by_slack_id("U0ERIN001").tz == "America/Los_Angeles"
    thread = start_thread(flow.sandbox, user="erin", channel="#sales", text="Acme wants the updated deck.")
    ask(
        flow.sandbox,
        thread,
        "<@U0BOT0001> create a task for me to send Acme the updated deck, due Friday",
        user="erin",
        channel="#sales",
    )
    flow.settle()

    cards = [m for m in flow.driver.thread("#sales", thread) if is_card(m)]
    assert cards, "a card (or a question) for the task"
    text = message_text(cards[-1])
    assert "Fri 04 Dec 2026" in text, text  # in UTC it is already Friday: "Friday" would be a week later
    assert "11 Dec" not in text, text


def test_today_from_someone_in_new_york_is_their_own_date_not_utcs(la_afternoon: Flow) -> None:
    """At that moment it is Thursday 20:00 in New York (Dana's zone) and already Friday in UTC: her "today" is
    Thursday the 3rd."""
    flow = la_afternoon
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread, "<@U0BOT0001> set the due date of PAY-12 to today")
    flow.settle()
    cards = [m for m in flow.driver.thread("#support", thread) if is_card(m)]
    assert cards
    assert "Thu 03 Dec 2026" in message_text(cards[-1]), message_text(cards[-1])
