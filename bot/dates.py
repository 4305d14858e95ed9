"""Dates as people write them in Slack, resolved against a given 'today' (never the wall clock).

Understood: ISO dates (2026-12-01), "today", "tomorrow", weekday names ("Friday", "next Tuesday", "this Fri"),
"in 3 days" / "in 2 weeks", "next week" (its Monday), "end of week" / "EOW" (Friday), "end of month",
and month-day forms ("Dec 1", "1 December", "December 1st", with an optional year). A bare weekday means the next
such day after today; a month-day without a year that has already passed this year means next year.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

_WEEKDAYS = {
    name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}
_WEEKDAY_ABBREVIATIONS = {
    "mon": 0,
    "tue": 1,
    "tues": 1,
    "wed": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9

_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10}

DATE_PATTERN = (
    r"\d{4}-\d{2}-\d{2}"
    r"|today|tomorrow|tmrw|eow|end\s+of\s+(?:the\s+)?(?:week|month)"
    r"|next\s+week|in\s+(?:\d+|a|an|one|two|three|four|five|six|seven|ten)\s+(?:days?|weeks?)"
    r"|(?:(?:next|this|on)\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\b"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?(?:,?\s+\d{4})?"
)


def parse_date(text: str, *, today: dt.date) -> dt.date | None:
    """The date ``text`` names, relative to ``today``; None when it is not a date this module understands."""
    t = " ".join(text.lower().replace(",", " ").split()).rstrip(".")
    if not t:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        try:
            return dt.date.fromisoformat(t)
        except ValueError:
            return None
    if t == "today":
        return today
    if t in ("tomorrow", "tmrw"):
        return today + dt.timedelta(days=1)
    if t in ("eow", "end of week", "end of the week"):
        return today + dt.timedelta(days=(4 - today.weekday()) % 7)
    if t in ("end of month", "end of the month"):
        return today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if t == "next week":
        return today + dt.timedelta(days=7 - today.weekday())
    relative = re.fullmatch(r"in (\w+) (day|week)s?", t)
    if relative:
        amount = _NUMBER_WORDS.get(relative[1]) or (int(relative[1]) if relative[1].isdigit() else None)
        if amount is None:
            return None
        return today + dt.timedelta(days=amount * (7 if relative[2] == "week" else 1))
    weekday = re.fullmatch(r"(?:(next|this|on) )?([a-z]+)", t)
    if weekday:
        day = _WEEKDAYS.get(weekday[2], _WEEKDAY_ABBREVIATIONS.get(weekday[2]))
        if day is not None:
            ahead = (day - today.weekday()) % 7 or 7
            if weekday[1] == "next" and ahead < 7 and (day - today.weekday()) % 7 <= 0:
                ahead += 7
            return today + dt.timedelta(days=ahead)
    return _month_day(t, today)


def _month_day(t: str, today: dt.date) -> dt.date | None:
    match = re.fullmatch(r"([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?(?: (\d{4}))?", t) or None
    if match:
        month_name, day_text, year_text = match[1], match[2], match[3]
    else:
        match = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)? (?:of )?([a-z]+)\.?(?: (\d{4}))?", t)
        if not match:
            return None
        day_text, month_name, year_text = match[1], match[2], match[3]
    month = _MONTHS.get(month_name) or _MONTHS.get(month_name[:3])
    if month is None:
        return None
    year = int(year_text) if year_text else today.year
    try:
        candidate = dt.date(year, month, int(day_text))
    except ValueError:
        return None
    if not year_text and candidate < today:
        candidate = candidate.replace(year=year + 1)
    return candidate
