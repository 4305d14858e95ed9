"""Small helpers for the words people read (pure)."""

from __future__ import annotations

import datetime as dt
import math


def slack_time(moment: dt.datetime, *, layout: str = "{date_short_pretty} {time}") -> str:
    """A moment as Slack shows it: each reader sees it in their own time zone (``<!date^...>``); clients that can't
    format it show the UTC fallback. ``layout`` uses Slack's tokens (``{date_short_pretty}``, ``{time}``,
    ``{time_secs}``, ``{date_num}``)."""
    at = math.ceil(moment.timestamp())
    fallback = dt.datetime.fromtimestamp(at, tz=dt.UTC)
    shown = f"{fallback:%a %d %b %H:%M:%S} UTC" if "{time_secs}" in layout else f"{fallback:%a %d %b %H:%M} UTC"
    return f"<!date^{at}^{layout}|{shown}>"


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``1 approval``, ``2 approvals``: the count and the noun in the right number."""
    return f"{count} {noun if count == 1 else plural_form or noun + 's'}"
