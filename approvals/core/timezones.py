"""People live in time zones: the day a person means by "today" or "Friday" is the day where they are (pure).

Slack gives each member's zone (users.info ``tz``, an IANA name). A request's relative dates are read from the
requester's local date, never the server's: asked on a Thursday at 17:00 in Los Angeles (already Friday in UTC),
"Friday" is the next day. An unknown or missing zone reads as UTC, and says so nowhere else: the date is still a date
the requester sees on the card before anything happens.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> dt.tzinfo:
    """The zone called ``name`` (an IANA name); UTC when there is none or it is not known here."""
    if not name:
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def local_today(now: dt.datetime, tz: str | None) -> dt.date:
    """The date it is for someone in ``tz`` at the moment ``now`` (an aware datetime)."""
    return now.astimezone(zone(tz)).date()
