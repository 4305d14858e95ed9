"""The day a person means is the day where they are; times are shown in each reader's zone."""

from __future__ import annotations

import datetime as dt

import pytest

from approvals.core.timezones import local_today
from approvals.core.wording import slack_time

FRIDAY_0100_UTC = dt.datetime(2026, 12, 4, 1, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("tz", "day"),
    [
        ("America/Los_Angeles", dt.date(2026, 12, 3)),
        ("America/New_York", dt.date(2026, 12, 3)),
        ("Europe/Berlin", dt.date(2026, 12, 4)),
        ("Pacific/Auckland", dt.date(2026, 12, 4)),
        (None, dt.date(2026, 12, 4)),  # no zone known: UTC
        ("Mars/Olympus_Mons", dt.date(2026, 12, 4)),  # a zone this machine does not know: UTC
    ],
)
def test_today_is_the_requesters_local_date(tz: str | None, day: dt.date) -> None:
    assert local_today(FRIDAY_0100_UTC, tz) == day


def test_a_time_is_written_for_slack_to_show_in_each_readers_zone() -> None:
    shown = slack_time(dt.datetime(2026, 12, 4, 1, 0, 0, 400000, tzinfo=dt.UTC))
    assert shown == "<!date^1796346001^{date_short_pretty} {time}|Fri 04 Dec 01:00 UTC>"
    assert slack_time(FRIDAY_0100_UTC, layout="{time_secs}").endswith("|Fri 04 Dec 01:00:00 UTC>")
