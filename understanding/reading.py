"""The pieces a sentence is read into, and the small readers every frame shares (issues, people, dates, values).

A *frame* (``understanding.frames``) reads one request at the head of a piece of text and says how much of it it
used; the rest of the sentence is read again. What is not a request is one of: a ``Continuation`` (a field for the
request before it: "priority high", "due Friday"), ``Context`` (a statement around a request: "alice is OOO"),
``Filler`` ("please", "thanks"), ``Unsupported`` (a request Followthrough cannot do, with what to say) or
``Unknown`` (words nothing reads: the parser asks about exactly those).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from approvals.core.intents import THIS_THREAD, ActionRequest
from approvals.core.ports import ExtractionInput
from understanding.amounts import AMOUNT_PATTERN, looks_like_money, parse_amount
from understanding.dates import DATE_PATTERN, VAGUE_DATE_PATTERN, parse_date
from understanding.lexicon import ISSUE_KEY, Lexicon, Record
from understanding.mapped import Mapped

# ---------------------------------------------------------------------------------------------------------------
# What a piece of a sentence is


@dataclass(frozen=True)
class Read:
    """A request read by a frame. ``weak``: a statement that names a change ("PAY-10 is critical now"), a request
    only when the message asks for nothing explicitly. ``pronoun``: its issue was "it" / "this". ``open_field``: the
    free-text field a following unread sentence continues. ``fields``: what a continuation may still set.
    ``question``: what the frame must still ask about the request it read (a call "sometime last week": when?)."""

    request: ActionRequest
    weak: bool = False
    pronoun: bool = False
    open_field: str | None = None
    question: str | None = None


@dataclass(frozen=True)
class Continuation:
    """Fields that only complete the request before them ("priority low", "due Friday", "assign Juan")."""

    values: dict[str, Any]
    text: str


@dataclass(frozen=True)
class Context:
    """A statement, not a request; an issue key in it is what a later "it" means."""

    text: str
    key: str | None = None
    addressee: str | None = None


@dataclass(frozen=True)
class Filler:
    text: str


@dataclass(frozen=True)
class Unsupported:
    """Something Followthrough cannot do this way; ``question`` says so and what it can do instead."""

    question: str


@dataclass(frozen=True)
class Unknown:
    """Words no frame reads, that look like part of a request (an instruction, a condition): asked about."""

    text: str


Item = Read | Continuation | Context | Filler | Unsupported | Unknown


@dataclass
class Ctx:
    """What frames read with: the extraction input, the lexicon, and what the message said before."""

    request: ExtractionInput
    lexicon: Lexicon
    last_key: str | None = None
    addressee: str | None = None
    thread_summary: str | None = None
    last_record: Record | None = None
    last_kind: str | None = None
    last_contact: str | None = None
    quoted: str | None = None
    """What the message quotes from someone else ("> When we export payouts, ..."), for "put her message in the
    description"."""
    said_in_brackets: dict[str, str] = field(default_factory=dict)
    """What the request says in brackets after each issue key (``understanding.text.said_in_brackets``), read once."""
    said_date: dt.date | None = None
    """The one date a statement before said ("legal says they'll sign by end of next week"), for "... to match"."""
    said_obligation: dict[str, Any] | None = None
    """What someone was said to have to do, and by when ("ivy must update the hooli deal by friday"), for a "follow
    this" or "hold her to it" after it (``understanding.follow_ups``)."""
    notes: list[str] = field(default_factory=list)

    @property
    def order(self) -> str:
        """How numeric dates are written here ("MD" or "DM")."""
        return self.request.date_order

    @property
    def today(self) -> dt.date:
        return self.request.today


# ---------------------------------------------------------------------------------------------------------------
# Shared patterns (over lower-cased text)

KEY = ISSUE_KEY
_TICKET = r"(?:jira\s+)?(?:ticket|issue|jira|bug|task|story|card)"
THIS_ISSUE = (
    rf"(?:(?:the|this|that|our|my)\s+{_TICKET}(?:\s+(?:from|in|for|of|on)\s+(?:this|the)\s+thread"
    r"|\s+(?:we|you|i)\s+(?:just\s+)?(?:filed|created|opened|made|raised))?|this\s+one|it|this|that|its"
    rf"|(?:the\s+)?same\s+(?:{_TICKET}|one))"
)
ISSUE_REF = rf"(?:(?:the\s+)?{KEY}(?:\s+{_TICKET}\b)?|{THIS_ISSUE})"
"""An issue as a request names it: a key ("PAY-12", "the PAY-12 ticket") or the thread's ("it", "this ticket")."""
DATE = rf"(?:{DATE_PATTERN})"
VAGUE_DATE = rf"(?:{VAGUE_DATE_PATTERN})"
AMOUNT = rf"(?:{AMOUNT_PATTERN})"
_POLITE_WORDS = (
    r"(?:please|thanks|thank\s+you|asap|no\s+rush|no\s+hurry|right\s+away|now|today|again|too|already|for\s+me|real\s+quick|quickly|"
    r"when\s+you\s+(?:can|get\s+a\s+(?:chance|sec|minute))|if\s+you\s+can|tho|though|as\s+well|anymore|any\s+more|"
    r"for\s+now|for\s+the\s+moment|for\s+the\s+time\s+being|temporarily|in\s+the\s+meantime|while\s+(?:you'?re|your)\s+at\s+it|whil"
    r"e\s+you\s+are\s+at\s+it)"
)
BOUNDARY = (
    rf"(?=(?:\s+{_POLITE_WORDS})*\s*(?:,(?!\d)|;|:|\.(?:\s|$)|\?|!|\s-\s|\s->\s|\s\(|"
    r"\s+(?:and|then|also|but|so|because|since|as|now\s+that)\b|$"
    # the next item of a numbered list written on one line ("1) PAY-8 -> alice 2) PAY-8 prio -> low")
    r"|\s+\(?[2-9][.)]\s"
    # a run-on clause with a subject of its own ("assign PAY-10 to alice pls she knows the tax code")
    r"|\s+(?:she|he|they|we|i)(?:'(?:s|re|m|ll|ve|d))?\s+(?=[a-z]))"
    r")"
)
END = r"\s*[.!?]*\s*$"
POLITE_TAIL = rf"(?:\s+{_POLITE_WORDS})*"

_PRONOUNS = frozenset({"it", "this", "that", "this one", "its"})


def issue_value(ref: str, ctx: Ctx) -> tuple[str, bool]:
    """The request value for an issue reference as matched, and whether it was a pronoun ("it")."""
    ref = " ".join(ref.split())
    key = re.fullmatch(rf"(?:the\s+)?({KEY})(?:\s+{_TICKET})?", ref, re.I)
    if key is not None:
        return key[1].upper(), False
    return THIS_THREAD, ref.lower() in _PRONOUNS or bool(re.match(r"(?:the\s+)?same\b", ref, re.I))


def read_date(text: str, ctx: Ctx, *, past: bool = False) -> tuple[dt.date | None, bool] | None:
    """A value that is a date: (the date, True); a vague one: (None, True); not a date at all: None."""
    t = re.sub(r"^(?:on|by|for|until|before|due)\s+", "", text.strip(" .,!"), flags=re.I)
    if ctx.said_date is not None and re.fullmatch(
        r"match|that(?:\s+date)?|then|the\s+same(?:\s+date|\s+day)?", t, re.I
    ):
        return ctx.said_date, True  # "..., they'll sign by the 18th. move the close date to match"
    if re.fullmatch(DATE, t, re.I):
        return parse_date(t, today=ctx.today, past=past, order=ctx.order), True
    if re.fullmatch(VAGUE_DATE, t, re.I):
        return None, True
    return None


def unclear_date(field: str, written: str) -> str:
    """The question for a date that is not one day ("due 1/12" two days after it, "sometime soon")."""
    return f"Which {field.replace('_', ' ')} do you mean? “{written.strip()}” is not one day I can be sure of."


def read_money(text: str, *, strict: bool) -> Decimal | None:
    t = text.strip(" .,!")
    if not re.fullmatch(AMOUNT, t, re.I):
        return None
    if strict and not looks_like_money(t):
        return None
    return parse_amount(t)


_TRAILING = re.compile(r"(?:[\s.!?;,]|[^\w\s\"')%&$])+$")


def clean(text: str) -> str:
    """Free text as written, without the punctuation and politeness around it."""
    t = text.strip()
    t = t[: _trailing_end(t)].strip()
    while True:
        shorter = re.sub(
            r"[\s,]+(?:please|pls|plz|thanks|thank\s+you|thx|ty|asap|no\s+rush|no\s+hurry|whenever|when\s+you\s+(?:can|get"
            r"\s+a\s+(?:chance|sec|minute))|if\s+you\s+can)$",
            "",
            t,
            flags=re.I,
        ).strip()
        shorter = shorter[: _trailing_end(shorter)]
        if shorter == t:
            break
        t = shorter
    t = re.sub(r"^(?:please|pls|plz)\s+", "", t, flags=re.I)
    return _unwrapped(t)


def _trailing_end(text: str) -> int:
    """Where the trailing punctuation of ``text`` starts, keeping a closing bracket or quote that closes one opened
    in the text ('{"kind": "jira.assign"}' keeps its brace, '"fixed"' its quote)."""
    end = len(text)
    while end > 0:
        char = text[end - 1]
        opener = {"}": "{", "]": "[", ")": "("}.get(char)
        if opener is not None and text.count(opener, 0, end - 1) > text.count(char, 0, end - 1):
            break
        if char == "`" and text.count("`", 0, end - 1) % 2:
            break  # closes a code span opened in the text
        if not _TRAILING.fullmatch(char):
            break
        end -= 1
    return end


def _unwrapped(text: str) -> str:
    """Text without the quotes around it: both ends when they match, a stray one at either end otherwise."""
    t = text.strip()
    if not t:
        return t
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "\"'":
        return t[1:-1].strip()
    if t[:1] in "\"'" and t.count(t[0]) == 1:
        return t[1:].strip()
    if t[-1:] in "\"'" and t.count(t[-1]) == 1:
        return t[:-1].strip()
    return t


QUOTED_WORDS = r"(?:message|email|e-mail|words|note|text|quote|reply|report)"
"""What names the words someone wrote ("her message", "the customer's words"), when the lines quoted are meant."""

GOVERNING = r"(?:after|before|when|whenever|once|unless|until|till|til|if|whether|as|because|since|while|cause|cuz)"
"""Words that make the clause after them a condition or a reason ("once PAY-12 is done", "until PAY-12 is fixed",
"as soon as ..."): that clause states no change to make now."""

CANNOT_TELL = (
    "I can't tell what you'd like me to do with that. I understand requests like `create a bug in PAY: <summary>, "
    "assign <person>, priority high, due Friday`, `move PAY-12 to Done`, `set the Acme renewal's stage to "
    "Negotiation` and `log a call with Ana at Initech`."
)
"""What the person hears when nothing in a request could be read (by the parser, or by a model twice)."""

_FIELD_NAMES = r"(?:stage|amount|close\s+date|next\s+step|status|priority|assignee|owner|due\s+date|labels?)"
UNCHANGED = (
    rf"(?:the\s+)?{_FIELD_NAMES}\s+(?:stays|remains|can\s+stay|should\s+stay|doesn'?t\s+change|is\s+unchanged|is\s+fine|is\s+ok(?:a"
    r"y)?|is\s+the\s+same)(?:\s+(?:where\s+it\s+is|as\s+(?:it\s+)?is|the\s+same|unchanged|put|for\s+now))?|leave\s+the\s+"
    rf"{_FIELD_NAMES}\s+(?:alone|as\s+(?:it\s+)?is)"
)
"""A field said to stay as it is ("stage stays where it is", "leave the amount alone"): no change, nothing to ask."""

_THANKS_WORDS = r"(?:please|thanks|thank\s+you|thx|ty|ok|okay|k|cheers|for\s+me|real\s+quick|if\s+you\s+can)"
_ONLY_POLITE = re.compile(rf"[\s,.!?]*(?:{_THANKS_WORDS}(?:[\s,.!?]+{_THANKS_WORDS})*)?[\s,.!?]*", re.I)
"""Text that is only politeness. Not ``_POLITE_WORDS``: "today" or "now" trail a request as filler but are a value
where one is written ("set the due date to today")."""


def free_text(mapped: Mapped, start: int, end: int | None = None) -> str:
    """What the person wrote for ``mapped.text[start:end]``, cleaned; nothing when it is only politeness ("comment
    on OPS-4 pls" writes no comment: its text is asked for, never "pls")."""
    if _ONLY_POLITE.fullmatch(mapped.text[start:end]):
        return ""
    return clean(mapped.source(start, end))


def capitalised(text: str | None) -> str | None:
    if not text:
        return None
    text = text.strip()
    return text[0].upper() + text[1:] if text else None
