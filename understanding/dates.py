"""Dates as people write them in Slack, resolved against a given 'today' (never the wall clock).

Understood: ISO dates (2026-12-01), "today", "tomorrow", "yesterday", "this morning" / "tonight" / "EOD" (today),
weekday names ("Friday", "next Tuesday", "this Fri", "last Monday"), "in 3 days" / "in 2 weeks" / "in a month",
"next week" (its Monday), "(the) end of week" / "EOW" (Friday), "end of next week" (None on a Sunday: the coming
Friday to some, the one after to others), "end of month", "end of quarter", "end of year", month-day forms ("Dec
1", "1 December", "December 1st", with an optional year), numeric dates ("12/1", "12/31/2026": month first by
default, day first with ``order="DM"``; with ``order="ask"`` a numeric date that could be read both ways is None), a
day of the month ("the 30th", "on the 18th": the next such day), and a time of day on a day ("EOD Friday" is
Friday).

Dates point forward unless ``past=True`` (a call that happened): forward, a bare weekday is the next such day after
today and a month-day without a year that has already passed means next year (unless it passed in the last
``JUST_PASSED_DAYS``: then it is None, and asked for); in the past, a bare weekday is the
last such day before today, a month-day still ahead means last year, and forward-only words ("tomorrow", "next
week", "in 3 days") are None. Vague spans ("next month", "soon", "Q1") are None too: ``VAGUE_DATE_PATTERN`` lets a
reader tell that a date was meant without inventing one.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

WEEKDAYS = {
    name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}
WEEKDAY_ABBREVIATIONS = {
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

DOTTED_DATE = (
    r"\b(?:0?[1-9]|[12]\d|3[01])\.(?:0[1-9]|1[0-2])(?:\.(?:\d{4}|\d{2}))?"
    r"(?![\d.,]?\d)(?!\s*(?:%|k\b|m\b|mm\b|bn?\b|million|thousand|usd|eur|gbp|dollars|euros?|pounds|x\b))"
)
"""A dotted date, day first ("28.12", "31.12.2026"): the month has two digits, so a decimal ("1.5", "4.18.3", "36.000
USD") is not one."""

DATE_PATTERN = (
    # "fri 12/18", "thursday the 17th": a weekday before the date it names
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\.?,?\s+(?:the\s+)?"
    r"\d{1,2}(?:/\d{1,2}(?:/(?:\d{4}|\d{2}))?|st|nd|rd|th)\b"
    r"|\d{4}-\d{2}-\d{2}"
    r"|(?:eod|cob|eob|end\s+of\s+(?:the\s+)?day)\s+(?:on\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|today|tomorrow|tmrw|tmr)\b"
    r"|(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|tomorrow|tmrw|tmr)\s+(?:eod|cob|eob|morning|afternoon|evening|night|am|pm)\b"
    r"|today|tomorrow|tmrw|yesterday|eod|eow|eoq|eoy|tonight|this\s+(?:morning|afternoon|evening|am|pm)\b"
    r"|(?:the\s+)?end\s+of\s+(?:the\s+)?(?:day|next\s+week|week|month|quarter|year)"
    r"|next\s+week|in\s+(?:\d+|a|an|one|two|three|four|five|six|seven|ten)\s+(?:days?|weeks?|wks?|months?)"
    r"|(?:(?:next|this|on|last)\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\b"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?"
    r"|(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?(?:,?\s+\d{4})?"
    r"|\b\d{1,2}/\d{1,2}(?:/(?:\d{4}|\d{2}))?\b"
    # "28.12", "31.12.2026": a dotted date is day first
    rf"|{DOTTED_DATE}"
    r"|(?:the\s+)?\d{1,2}(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))"
)


VAGUE_DATE_PATTERN = (
    # "sometime after the offsite", "some point after the code freeze": a time named by an event, not a date
    r"(?:some\s*time|some\s+(?:point|day)|at\s+some\s+point)\s+(?:after|before|around|following|during|once)\s+(?:the\s+|our\s+"
    r"|their\s+)?[a-z][\w-]*(?:\s+[a-z][\w-]*){0,3}|"
    r"(?:(?:some\s*time|some\s+point|at\s+some\s+point)\s+)?(?:in\s+|during\s+)?"
    r"(?:next\s+(?:month|quarter|year)|this\s+(?:month|quarter|year)|later(?:\s+this\s+\w+)?|soon(?:ish)?|someday"
    r"|sometime|asap|eventually|tbd|q[1-4](?:\s+\d{4})?|in\s+a\s+(?:bit|while)|(?:early|mid|late)\s+\w+"
    r"|(?:in\s+)?the\s+new\s+year|(?:after|before|by|around)\s+the\s+holidays|(?:before|by)\s+(?:the\s+)?(?:end\s+of\s+(?:the"
    r"\s+)?)?(?:holidays|christmas|new\s+year|year[\s-]end))"
)
"""Phrases that name a time too loosely to be one date: read as "a date was meant", resolved to None."""

_TODAY_WORDS = frozenset(
    {"today", "eod", "end of day", "end of the day", "tonight", "this morning", "this afternoon", "this evening"}
    | {"this am", "this pm"}
)


DateOrder = str
"""How a numeric date like 12/1 is read: ``"MD"`` (month first, US), ``"DM"`` (day first) or ``"ask"`` (neither)."""

_TIME_OF_DAY = re.compile(
    r"^(?:(?:by|at|on)\s+)?(?:eod|cob|eob|end\s+of\s+(?:the\s+)?(?:day|business))\s+(?:on\s+)?(?P<rest>.+)$"
    r"|^(?P<first>.+?)\s+(?:eod|cob|eob|end\s+of\s+(?:the\s+)?day|morning|afternoon|evening|night|am|pm)$"
)


def parse_date(text: str, *, today: dt.date, past: bool = False, order: DateOrder = "MD") -> dt.date | None:
    """The date ``text`` names, relative to ``today``; None when it is not a date this module understands.

    ``past``: the date of something that already happened (see the module docstring). Never raises: a date
    outside the calendar ("in 9999999 days", "Dec 31 9999" plus a year) is not a date this module understands.
    """
    try:
        return _parse_date(text, today=today, past=past, order=order)
    except (OverflowError, ValueError):
        return None


def _parse_date(text: str, *, today: dt.date, past: bool, order: DateOrder) -> dt.date | None:
    t = " ".join(text.lower().replace(",", " ").split()).rstrip(".")
    t = re.sub(r"^(?:on|by|before|until|for|due)\s+", "", t)
    t = re.sub(r"^(?:(?:on|by|before|until|for|due|at)\s+)?the\s+(?=end\s+of\b)", "", t)  # "by the end of the week"
    t = re.sub(r"\b(\d+)\s*wks?\b", r"\1 weeks", t)  # "in 2 wks"
    t = re.sub(r"^the\s+(?=\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?[a-z]{3})", "", t)  # "the 8th of January"
    weekday_and_date = re.fullmatch(
        r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?\s+(?P<date>\d.*|the\s+\d.*)", t
    )
    if weekday_and_date is not None:
        # "fri 12/18": the date says which day; the weekday only repeats it
        return _parse_date(weekday_and_date["date"], today=today, past=past, order=order)
    timed = _TIME_OF_DAY.match(t)
    if timed and (timed["rest"] or timed["first"]) and t not in _TODAY_WORDS:
        inner = timed["rest"] or timed["first"]
        if inner not in ("this", "the", "of the"):
            return _parse_date(inner, today=today, past=past, order=order)
    numeric = re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?", t)
    if numeric:
        return _numeric(numeric, today=today, past=past, order=order)
    dotted = re.fullmatch(r"(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2}))?", t)
    if dotted and re.fullmatch(DOTTED_DATE, t):
        return _numeric(dotted, today=today, past=past, order="DM")  # "28.12": written day first
    ordinal = re.fullmatch(r"(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)", t)
    if ordinal:
        return _day_of_month(int(ordinal[1]), today=today, past=past)
    if not t:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        try:
            return dt.date.fromisoformat(t)
        except ValueError:
            return None
    if t in _TODAY_WORDS:
        return today
    if t == "yesterday":
        return today - dt.timedelta(days=1)
    weekday = re.fullmatch(r"(?:(next|this|on|last) )?([a-z]+)", t)
    if weekday and (day := WEEKDAYS.get(weekday[2], WEEKDAY_ABBREVIATIONS.get(weekday[2]))) is not None:
        if past or weekday[1] == "last":
            if weekday[1] in ("next", "this") and past:
                return None
            return today - dt.timedelta(days=(today.weekday() - day) % 7 or 7)
        ahead = (day - today.weekday()) % 7 or 7
        if weekday[1] == "next" and ahead < 7 and (day - today.weekday()) % 7 <= 0:
            ahead += 7
        return today + dt.timedelta(days=ahead)
    if past:
        return _month_day(t, today, past=True)
    forward = _forward(t, today)
    return forward if forward is not None else _month_day(t, today, past=False)


def _forward(t: str, today: dt.date) -> dt.date | None:
    """The forward-only words: tomorrow, ends of periods, next week, in N days / weeks / months."""
    if t in ("tomorrow", "tmrw"):
        return today + dt.timedelta(days=1)
    if t in ("eow", "end of week", "end of the week"):
        return today + dt.timedelta(days=(4 - today.weekday()) % 7)
    if t in ("end of next week", "end of the next week"):
        if today.weekday() == 6:
            return None  # said on a Sunday: the coming Friday to some, the one after to others
        return today + dt.timedelta(days=7 - today.weekday() + 4)
    if t in ("end of month", "end of the month"):
        return today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if t in ("eoq", "end of quarter", "end of the quarter"):
        last_month = (today.month - 1) // 3 * 3 + 3
        return dt.date(today.year, last_month, calendar.monthrange(today.year, last_month)[1])
    if t in ("eoy", "end of year", "end of the year"):
        return dt.date(today.year, 12, 31)
    if t == "next week":
        return today + dt.timedelta(days=7 - today.weekday())
    relative = re.fullmatch(r"in (\w+) (day|week|month)s?", t)
    if relative:
        amount = _NUMBER_WORDS.get(relative[1]) or (int(relative[1]) if relative[1].isdigit() else None)
        if amount is None:
            return None
        if relative[2] == "month":
            return _add_months(today, amount)
        return today + dt.timedelta(days=amount * (7 if relative[2] == "week" else 1))
    return None


def _numeric(match: re.Match[str], *, today: dt.date, past: bool, order: DateOrder) -> dt.date | None:
    first, second = int(match[1]), int(match[2])
    if order == "ask" and first <= 12 and second <= 12 and first != second:
        return None  # 3/4 is March 4th or April 3rd: the workspace asks rather than guesses
    month, day = (second, first) if order == "DM" else (first, second)
    if month > 12 and day <= 12 and (first, second) != (24, 7):
        # "20/1" where 12/1 is month first, "1/20" where it is day first: only one reading is a real date ("24/7" is
        # round the clock, not a date)
        month, day = day, month
    year_text = match[3]
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return dt.date(year, month, day)
    candidate = dt.date(today.year, month, day)
    if past and candidate > today:
        return candidate.replace(year=today.year - 1)
    if not past and candidate < today:
        return _next_year_unless_just_passed(candidate, today)
    return candidate


def _day_of_month(day: int, *, today: dt.date, past: bool) -> dt.date | None:
    """The next (or, ``past``, the last) date whose day of the month is ``day``; None for a day no month has."""
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(13):
        if day <= calendar.monthrange(year, month)[1]:
            candidate = dt.date(year, month, day)
            if (past and candidate <= today) or (not past and candidate >= today):
                return candidate
        index = month - 1 + (-1 if past else 1)
        year, month = year + index // 12, index % 12 + 1
    return None


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the last day of that month when it is shorter (Jan 31 + 1 = Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _month_day(t: str, today: dt.date, *, past: bool) -> dt.date | None:
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
    if year_text:
        return candidate
    try:
        if past and candidate > today:
            return candidate.replace(year=year - 1)
        if not past and candidate < today:
            return _next_year_unless_just_passed(candidate, today)
    except ValueError:  # Feb 29 in a year that has none
        return None
    return candidate


JUST_PASSED_DAYS = 45
"""A date written without a year that fell this many days ago or fewer is not read as next year's: "due dec 1"
written on December 9 is more likely a slip than a deadline eleven months away, so it is asked for."""


def _next_year_unless_just_passed(candidate: dt.date, today: dt.date) -> dt.date | None:
    if (today - candidate).days <= JUST_PASSED_DAYS:
        return None
    return candidate.replace(year=candidate.year + 1)
