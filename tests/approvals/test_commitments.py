"""The pure core of follow-through: the transition table, when steps fall due, what "done" means."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import yaml

from approvals.core.commitments import (
    CLOSED,
    TRANSITIONS,
    Commitment,
    CommitmentError,
    CommitmentEvent,
    CommitmentState,
    Condition,
    Observation,
    Subject,
    WorkingHours,
    apply,
    closing_line,
    digest_week,
    is_met,
    next_due_at,
    next_working_moment,
)
from approvals.core.policy import PolicyError, load_policy_text

NY = ZoneInfo("America/New_York")
FRIDAY_5PM = dt.datetime(2026, 12, 11, 17, 0, tzinfo=NY).astimezone(dt.UTC)
HOURS = WorkingHours()


def commitment(**changes: object) -> Commitment:
    base = Commitment(
        id="cm-aaaaaaaa",
        requester="U0DANA001",
        owner="U0BOB0001",
        subject=Subject(system="jira", object="Issue", ref="PAY-9", name="PAY-9 (Export payouts)"),
        due=FRIDAY_5PM,
        channel="C0SUPPORT",
        thread_ts="1.0",
        created_at=FRIDAY_5PM - dt.timedelta(days=2),
        updated_at=FRIDAY_5PM - dt.timedelta(days=2),
    )
    return base.model_copy(update=changes)


def test_closed_states_accept_nothing() -> None:
    for state, _event in TRANSITIONS:
        assert state not in CLOSED
    closed = apply(commitment(), CommitmentEvent.MEET, actor="system", now=FRIDAY_5PM, note="done")
    for event in CommitmentEvent:
        with pytest.raises(CommitmentError):
            apply(closed, event, actor="x", now=FRIDAY_5PM)


def test_each_step_is_recorded_and_versions_the_record() -> None:
    nudged = apply(commitment(), CommitmentEvent.NUDGE, actor="scheduler", now=FRIDAY_5PM, note="U0BOB0001")
    assert nudged.state is CommitmentState.NUDGED and nudged.version == 1
    assert [s.event for s in nudged.history] == [CommitmentEvent.NUDGE]
    snoozed = apply(nudged, CommitmentEvent.SNOOZE, actor="U0BOB0001", now=FRIDAY_5PM)
    assert snoozed.state is CommitmentState.OPEN and snoozed.version == 2


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (dt.datetime(2026, 12, 11, 10, 0), dt.datetime(2026, 12, 11, 10, 0)),  # inside: as is
        (dt.datetime(2026, 12, 11, 7, 30), dt.datetime(2026, 12, 11, 9, 0)),  # before: the day's start
        (dt.datetime(2026, 12, 11, 19, 0), dt.datetime(2026, 12, 14, 9, 0)),  # Friday evening: Monday
        (dt.datetime(2026, 12, 13, 12, 0), dt.datetime(2026, 12, 14, 9, 0)),  # Sunday: Monday
    ],
)
def test_a_nudge_falls_inside_working_hours_where_the_person_is(local: dt.datetime, expected: dt.datetime) -> None:
    moment = local.replace(tzinfo=NY)
    assert next_working_moment(moment, "America/New_York", HOURS) == expected.replace(tzinfo=NY)


def test_the_same_moment_is_a_working_hour_in_one_zone_and_night_in_another() -> None:
    moment = dt.datetime(2026, 12, 10, 16, 0, tzinfo=dt.UTC)  # 11:00 in New York, 03:00 next day in Auckland
    assert next_working_moment(moment, "America/New_York", HOURS) == moment
    auckland = next_working_moment(moment, "Pacific/Auckland", HOURS).astimezone(ZoneInfo("Pacific/Auckland"))
    assert (auckland.hour, auckland.minute) == (9, 0)


def test_rungs_fall_due_after_the_due_time_and_never_faster_than_the_interval() -> None:
    c = commitment()
    zones = {"U0BOB0001": "America/New_York"}
    assert next_due_at(c, tz_of=zones, hours=HOURS) == FRIDAY_5PM
    nudged = c.model_copy(update={"rung": 1, "last_nudged_at": FRIDAY_5PM, "state": CommitmentState.NUDGED})
    # the manager's rung is a day after the due time: Saturday, so Monday 09:00
    assert next_due_at(nudged, tz_of=zones, hours=HOURS) == dt.datetime(2026, 12, 14, 9, 0, tzinfo=NY)
    done = nudged.model_copy(update={"rung": 3})
    assert next_due_at(done, tz_of=zones, hours=HOURS) is None, "the ladder ran out: nothing more is sent"


def test_an_escalation_falls_in_the_working_hours_of_the_manager_it_goes_to() -> None:
    nudged = commitment(rung=1, last_nudged_at=FRIDAY_5PM, state=CommitmentState.NUDGED)
    zones = {"U0BOB0001": "America/New_York", "U0CAROL01": "Asia/Tokyo"}
    tokyo = ZoneInfo("Asia/Tokyo")
    due = next_due_at(nudged, tz_of=zones, hours=HOURS, recipient_of={"owner": "U0BOB0001", "manager": "U0CAROL01"})
    # A day after Friday 17:00 in New York is Sunday morning in Tokyo: Carol hears on her Monday at 09:00.
    assert due == dt.datetime(2026, 12, 14, 9, 0, tzinfo=tokyo)


@pytest.mark.parametrize(
    ("condition", "seen", "met"),
    [
        (Condition(), Observation(status="Done", status_category="done"), True),
        (Condition(), Observation(status="In Progress", status_category="indeterminate"), False),
        (Condition(), Observation(status="Closed", resolution="Won't Do"), True),
        (Condition(until="status", statuses=("In Progress",)), Observation(status="in progress"), True),
        (Condition(until="status", statuses=("In Progress",)), Observation(status="To Do"), False),
        (Condition(), Observation(exists=False, status_category="done"), False),
        (Condition(until="stage_changed", baseline="Prospecting"), Observation(stage="Negotiation/Review"), True),
    ],
)
def test_met_is_read_from_what_the_system_shows(condition: Condition, seen: Observation, met: bool) -> None:
    assert is_met(condition, seen) is met


def test_the_closing_line_says_who_how_and_how_long() -> None:
    seen = Observation(status="Done", status_category="done", resolution="Fixed", assignee="Bob Okafor")
    line = closing_line(commitment(), seen, FRIDAY_5PM)
    assert line == "PAY-9 was resolved by Bob Okafor (Fixed) 2 days after the follow-up was asked for."


def test_the_digest_week_comes_at_the_owners_own_monday_morning() -> None:
    # Sunday 23:30 UTC is already Monday 08:30 in Tokyo and still Sunday in New York.
    sunday_night = dt.datetime(2026, 12, 13, 23, 30, tzinfo=dt.UTC)
    assert digest_week(sunday_night, "Asia/Tokyo", 0, dt.time(9, 0)) is None
    assert digest_week(sunday_night + dt.timedelta(minutes=31), "Asia/Tokyo", 0, dt.time(9, 0)) == "2026-W51"
    assert digest_week(sunday_night + dt.timedelta(minutes=31), "America/New_York", 0, dt.time(9, 0)) is None
    # Only on its day: later in the week is no time for last Monday's digest.
    assert digest_week(dt.datetime(2026, 12, 14, 23, 59, tzinfo=NY), "America/New_York", 0, dt.time(9, 0)) == "2026-W51"
    assert digest_week(dt.datetime(2026, 12, 15, 9, 30, tzinfo=NY), "America/New_York", 0, dt.time(9, 0)) is None


@pytest.mark.parametrize(
    ("digest", "error"),
    [({"day": "someday"}, "not a weekday"), ({"at": "9am"}, "a time like 09:00"), ({"every": "week"}, "day and at")],
)
def test_a_digest_the_policy_cannot_read_is_refused(digest: dict[str, str], error: str) -> None:
    with pytest.raises(PolicyError, match=error):
        load_policy_text(yaml.safe_dump({"version": 1, "actions": {}, "follow_through": {"digest": digest}}))
