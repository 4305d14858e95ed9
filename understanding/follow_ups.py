"""Frames for follow-ups: "follow up on PAY-12 on Friday", "make sure Alice closes PAY-12 by Friday, escalate to her
manager if not", "remind me to check the Acme renewal next week", "check in 2 hours whether OPS-4 is in progress",
"track this", "ping Sam every Monday until PAY-9 is done".

A follow-up names what to watch (an issue or a deal), optionally who owns it and when to check. What it leaves out is
left empty for grounding to fill (the issue's assignee as owner) or to ask (when to check).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from approvals.core.intents import FollowUpRequest
from understanding.dates import parse_date
from understanding.mapped import Mapped
from understanding.reading import BOUNDARY, DATE, ISSUE_REF, KEY, Ctx, Item, Read, clean, issue_value

_I = re.IGNORECASE

_PERSON = r"(?P<who>me|myself|<@[uw][a-z0-9]+(?:\|[^>]*)?>|[a-z][\w'.-]*(?:\s+[a-z][\w'.-]*)?)"
_SUBJECT = rf"(?P<issue>{ISSUE_REF})|(?P<rec>(?:the\s+)?[a-z0-9][\w&.'/-]*(?:\s+[a-z0-9][\w&.'/-]*){{0,4}}?)"
_DURATION = (
    r"(?:in|after|within)\s+(?P<n>an?|one|two|three|four|five|six|ten|fifteen|thirty|\d+)\s+"
    r"(?P<unit>minute|min|hour|hr|day|week)s?"
)
_WHEN = rf"(?:(?:on|by|before|next|this|at|around|for)\s+)?(?P<date>{DATE})|{_DURATION}"
_DONE_VERBS = (
    r"(?:close|closes|fix|fixes|finish|finishes|resolve|resolves|ship|ships|do|does|handle|handles|complete|"
    r"completes|wrap\s+up|wraps\s+up|get|gets|move|moves)"
)
_ESCALATE = re.compile(
    r"(?:,\s*|\s+)(?:and\s+)?(?:escalate|tell\s+(?:her|his|their|the)\s+manager|ping\s+(?:her|his|their)\s+manager)"
    r"(?:\s+(?:it|this))?(?:\s+to\s+(?:her|his|their|the)\s+(?:manager|boss|lead))?(?:\s+if\s+(?:not|it'?s\s+not(?:\s+done)?|"
    r"nothing\s+(?:moves|happens)))?",
    _I,
)
_WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "ten": 10,
    "fifteen": 15,
    "thirty": 30,
}


def _m(pattern: str) -> re.Pattern[str]:
    """A frame: it reads to the end of its clause, an "escalate if not" included."""
    return re.compile(pattern + rf"(?P<escalate>{_ESCALATE.pattern})?{BOUNDARY}", _I)


_FRAMES: list[tuple[re.Pattern[str], str]] = [
    # "make sure Alice closes PAY-12 by Friday (, escalate to her manager if not)"
    (
        _m(
            rf"^(?:please\s+)?(?:make\s+sure|ensure|check\s+that|see\s+that)\s+{_PERSON}\s+{_DONE_VERBS}\s+(?:on\s+)?(?:{_SUBJECT})"
            rf"(?:\s+(?:done|fixed|closed|resolved))?(?:\s+(?:by|before|on)\s+(?P<date>{DATE})|\s+{_DURATION})?"
        ),
        "owned",
    ),
    # "follow up on PAY-12 on Friday", "follow up with alice on PAY-12 friday", "follow up on this in 2 hours"
    (
        _m(
            rf"^(?:please\s+)?(?:can\s+you\s+)?(?:follow[\s-]?up|check(?:\s+back)?(?:\s+in)?|circle\s+back|chase(?:\s+up)?)"
            rf"(?:\s+with\s+{_PERSON})?\s+(?:on|about|re)\s+(?:{_SUBJECT})(?:\s+(?:{_WHEN}))?"
            rf"(?:\s+with\s+(?P<who_after>me|myself|<@[uw][a-z0-9]+(?:\|[^>]*)?>|[a-z][\w'.-]*(?:\s+[a-z][\w'.-]*)?))?"
        ),
        "follow",
    ),
    # "check back tomorrow on OPS-4", "follow up friday with ivy about the hooli deal": when, before what
    (
        _m(
            rf"^(?:please\s+)?(?:can\s+you\s+)?(?:follow[\s-]?up|check(?:\s+back)?|circle\s+back)\s+(?:{_WHEN})"
            rf"(?:\s+with\s+{_PERSON})?\s+(?:on|about|re)\s+(?:{_SUBJECT})"
        ),
        "follow",
    ),
    # "set a follow-up on OPS-3", "add a reminder for PAY-12 on friday": the follow-up named as a thing to set
    (
        _m(
            rf"^(?:please\s+)?(?:(?:can|could)\s+(?:you|u)\s+)?(?:set(?:\s+up)?|add|create|put\s+in|schedule|make)\s+"
            rf"(?:a\s+|an\s+)?(?:follow[\s-]?up|reminder|check-?in)\s+(?:on|for|about|re)\s+(?:{_SUBJECT})"
            rf"(?:\s+(?:{_WHEN}))?"
        ),
        "follow",
    ),
    # "ping me about the hooli deal", "nudge alice on PAY-12 friday": someone to remind about a record
    (
        _m(
            rf"^(?:please\s+)?(?:ping|nudge|poke|remind)\s+{_PERSON}\s+(?:about|on|re|regarding)\s+(?:{_SUBJECT})"
            rf"(?:\s+(?:{_WHEN}))?"
        ),
        "follow",
    ),
    # "remind me to check (on) the Acme renewal next week", "remind alice to look at PAY-12 tomorrow"
    (
        _m(
            rf"^(?:please\s+)?remind\s+{_PERSON}\s+to\s+(?:check|look\s+at|follow\s+up\s+on|check\s+on|chase|revisit)\s+"
            rf"(?:on\s+)?(?:{_SUBJECT})(?:\s+(?:{_WHEN}))?"
        ),
        "remind",
    ),
    # "remind me in 2 hours to check on PAY-12", "remind alice friday to look at PAY-12"
    (
        _m(
            rf"^(?:please\s+)?remind\s+{_PERSON}\s+(?:{_WHEN})\s+to\s+(?:check|look\s+at|follow\s+up\s+on|check\s+on|chase|"
            rf"revisit)\s+(?:on\s+)?(?:{_SUBJECT})"
        ),
        "remind",
    ),
    # "ping alice friday if PAY-10 isn't done", "nudge sam tomorrow unless OPS-4 is closed"
    (
        _m(
            rf"^(?:please\s+)?(?:ping|nudge|poke|remind|chase)\s+{_PERSON}\s+(?:{_WHEN})\s+(?:if|in\s+case)\s+(?:{_SUBJECT})\s+"
            rf"(?:isn'?t|is\s+not|hasn'?t\s+been|is\s+still\s+not|still\s+isn'?t)\s+(?:done|closed|fixed|resolved|shipped|"
            rf"finished|merged)(?:\s+(?:yet|by\s+then))?"
        ),
        "follow",
    ),
    # "remind me when PAY-12 is done", "let me know once OPS-4 is in progress", "ping bob when PAY-9 gets closed"
    (
        _m(
            rf"^(?:please\s+)?(?:remind|ping|tell|notify|nudge|let)\s+{_PERSON}(?:\s+know)?\s+(?:when|once|as\s+soon\s+as)"
            rf"\s+(?P<issue>{KEY}|it|this)\s+(?:is|gets|has\s+been|goes|moves)\s+(?:moved\s+)?(?:to\s+|into\s+)?"
            rf"(?P<status>[a-z][\w ]*?)"
        ),
        "status",
    ),
    # "check in 2 hours whether OPS-4 is in progress", "check on friday if PAY-12 is done"
    (
        _m(
            rf"^(?:please\s+)?(?:check|verify|confirm)\s+(?:{_WHEN})\s+(?:whether|if|that)\s+(?P<issue>{KEY}|it|this)\s+"
            r"(?:is|has\s+been|got|was)\s+(?:moved\s+to\s+)?(?P<status>[a-z][\w ]*?)"
        ),
        "status",
    ),
    # "ping Sam every Monday until PAY-9 is done"
    (
        _m(
            rf"^(?:please\s+)?(?:ping|nudge|remind|bug|poke)\s+{_PERSON}\s+every\s+(?P<every>day|weekday|week|"
            rf"monday|tuesday|wednesday|thursday|friday|(?:\d+|two|three)\s+days)\s+until\s+(?:{_SUBJECT})\s+is\s+"
            r"(?:done|closed|resolved|fixed|shipped|finished)"
        ),
        "every",
    ),
    # "track this", "keep an eye on PAY-12", "follow this through", "watch the Acme renewal until it closes"
    (
        _m(
            rf"^(?:please\s+)?(?:track|keep\s+(?:an\s+)?eye\s+on|keep\s+tabs\s+on|follow|watch)\s+(?:{_SUBJECT})"
            rf"(?:\s+through|\s+(?:until|till|til|'til)\s+(?:it'?s?\s+|it\s+is\s+)?(?:done|closed|resolved|fixed))?"
            rf"(?:\s+(?:{_WHEN}))?"
        ),
        "track",
    ),
]


def follow_up(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    low = piece.text.lower()
    for pattern, how in _FRAMES:
        match = pattern.match(low)
        if match is None:
            continue
        end = match.end()
        fields = _fields(piece, match, how, ctx)
        if fields is None:
            continue
        if match["escalate"]:
            fields["escalate"] = True
        if how == "remind" and not (fields.get("issue") or fields.get("account")):
            continue
        return Read(FollowUpRequest(**fields)), end
    return None


def _fields(piece: Mapped, match: re.Match[str], how: str, ctx: Ctx) -> dict[str, Any] | None:
    groups = match.groupdict()
    fields: dict[str, Any] = {}
    if groups.get("issue"):
        issue, _ = issue_value(groups["issue"], ctx)
        fields["issue"] = issue
    elif groups.get("rec"):
        record = ctx.lexicon.record(piece.source(match.start("rec"), match.end("rec")))
        if record is None or not (record.account and ctx.lexicon.account(record.account)):
            return None  # "follow up on the discussion": not a record anyone can check
        if record.opportunity and not all(ctx.lexicon.is_opportunity_word(w) for w in record.opportunity.split()):
            return None  # "chase the umbrella paperwork": a thing to do, not a deal to watch
        fields["account"], fields["opportunity"] = record.account, record.opportunity
    else:
        return None
    who_group = "who" if groups.get("who") else "who_after"
    who = groups.get(who_group)
    if who:
        person = ctx.lexicon.person(piece.source(match.start(who_group), match.end(who_group)))
        if person is None:
            return None
        fields["owner"] = person
    if groups.get("date"):
        fields["due_date"] = parse_date(groups["date"], today=ctx.today, order=ctx.order)
        if fields["due_date"] is None:
            return None
    elif groups.get("n"):
        count = _NUMBERS.get(groups["n"]) or int(groups["n"])
        unit = groups["unit"].lower()
        minutes = {"minute": 1, "min": 1, "hour": 60, "hr": 60, "day": 1440, "week": 10080}[unit]
        fields["due_in_minutes"] = count * minutes
    if how == "status":
        written = clean(piece.source(match.start("status"), match.end("status")))
        status = ctx.lexicon.status(written)
        if status is None:
            return None
        # done, closed, resolved: the follow-up ends when the issue is resolved, which is what None means
        fields["until_status"] = None if status == "Done" else written
    if how == "every":
        every = groups["every"].lower()
        if every in _WEEKDAYS:
            fields["every_days"] = 7
            fields["due_date"] = _next_weekday(ctx.today, _WEEKDAYS[every])
        elif every in ("week",):
            fields["every_days"] = 7
        elif every in ("day", "weekday"):
            fields["every_days"] = 1
        else:
            number = every.split()[0]
            fields["every_days"] = {"two": 2, "three": 3}.get(number) or int(number)
        if "due_date" not in fields:
            fields["due_date"] = ctx.today + dt.timedelta(days=fields["every_days"])
    return fields


def _next_weekday(today: dt.date, weekday: int) -> dt.date:
    ahead = (weekday - today.weekday()) % 7 or 7
    return today + dt.timedelta(days=ahead)


__all__ = ["follow_up"]
