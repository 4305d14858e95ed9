"""The words every recogniser of the offline parser reads the same way: issue references, people, Salesforce records,
dates and amounts inside a sentence, and what a recogniser hands back.

A recogniser reads one request-sized piece of text (a *segment*) and returns a ``Reading`` (the request, plus what
the parser needs to combine it with its neighbours), an ``Unsupported`` (it knows what was meant and that
Followthrough cannot do it) or None (not its kind of request). Nothing here guesses: a phrase that does not read
cleanly as a person, a record or a date is None, and the field it was meant for stays empty.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from approvals.intents import ACCOUNT_OWNER, NOBODY, OPPORTUNITY_OWNER, THIS_THREAD, ActionRequest
from bot.amounts import AMOUNT_PATTERN, looks_like_money, parse_amount
from bot.dates import DATE_PATTERN, VAGUE_DATE_PATTERN, parse_date


@dataclass(frozen=True)
class Reading:
    """A request read from one segment, and how it joins the requests around it.

    ``free_text_at``: where free text (a comment body, a summary after a colon) starts in the segment; the parser
    never looks for another request after that point. ``pronoun``: the issue was "it" / "this", so it means an issue
    named earlier in the same message, if any (else the thread's ticket). ``continuation``: a bare clause
    ("priority low") that only completes the request before it. ``open_field``: the free-text field that an
    unrecognised sentence right after this one continues.
    """

    request: ActionRequest
    free_text_at: int | None = None
    pronoun: bool = False
    continuation: bool = False
    open_field: str | None = None


@dataclass(frozen=True)
class Unsupported:
    """A request the parser recognises but Followthrough cannot carry out this way; ``question`` says so."""

    question: str


# ---------------------------------------------------------------------------------------------------------------
# Issues

ISSUE_KEY = r"\b[A-Za-z][A-Za-z0-9_]{1,9}-\d{1,7}\b"
_TICKET_NOUN = r"(?:jira\s+)?(?:ticket|issue|bug|task|story|jira)"
THREAD_ISSUE = (
    rf"\b(?:(?:the|this|that|our)\s+{_TICKET_NOUN}"
    r"(?:\s+(?:from|in|for|of|on)\s+(?:this|the)\s+thread|\s+(?:we|you|i)\s+(?:just\s+)?(?:filed|created|opened|made|raised))?"
    r"|this\s+one|its|it|this|that)\b"
)
ISSUE_REF = rf"(?:{ISSUE_KEY}|{THREAD_ISSUE})"
_PRONOUNS = frozenset({"it", "its", "this", "that", "this one"})


def issue_value(ref: str) -> tuple[str, bool]:
    """The request value for an issue reference as matched, and whether it was a pronoun ("it")."""
    if re.fullmatch(ISSUE_KEY, ref):
        return ref.upper(), False
    return THIS_THREAD, " ".join(ref.lower().split()) in _PRONOUNS


@dataclass(frozen=True)
class IssueMention:
    value: str
    pronoun: bool
    start: int
    end: int


def find_issue(text: str) -> IssueMention | None:
    """The one issue a segment is about: its only key, else its first thread reference; None for none or two keys."""
    keys = list(re.finditer(ISSUE_KEY, text))
    if len(keys) > 1:
        return None
    match = keys[0] if keys else re.search(THREAD_ISSUE, text, re.I)
    if match is None:
        return None
    value, pronoun = issue_value(match[0])
    return IssueMention(value, pronoun, match.start(), match.end())


def without_issue(text: str, mention: IssueMention) -> str:
    """The segment with the issue reference (and its 'of' / possessive) taken out: "set the priority of PAY-12 to
    high" -> "set the priority to high"; "assign Sam to PAY-12" -> "assign Sam"."""
    before = re.sub(r"(?:\s+(?:of|on|for|from|in))?\s*$", "", text[: mention.start], flags=re.I)
    after = re.sub(r"^(?:'s)", "", text[mention.end :])
    joined = " ".join(f"{before} {after}".split())
    if not after.strip():
        joined = re.sub(r"\s+to$", "", joined, flags=re.I)
    return joined


# ---------------------------------------------------------------------------------------------------------------
# People

MENTION = r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>"
_ME = frozenset({"me", "myself", "i", "yours truly"})
_NOBODY = frozenset({"nobody", "no one", "no-one", "noone", "unassigned", "none", "no assignee"})
_ACCOUNT_OWNER = frozenset({"the account owner", "account owner", "the account's owner", "the owner of the account"})
_OPPORTUNITY_OWNER = frozenset(
    {"the opportunity owner", "opportunity owner", "the deal owner", "deal owner", "the opp owner", "the owner"}
)
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "it",
        "this",
        "that",
        "these",
        "those",
        "them",
        "they",
        "us",
        "we",
        "you",
        "he",
        "she",
        "him",
        "her",
        "his",
        "its",
        "our",
        "their",
        "my",
        "your",
        "me",
        "i",
        "to",
        "of",
        "on",
        "in",
        "for",
        "from",
        "with",
        "by",
        "at",
        "and",
        "or",
        "but",
        "as",
        "is",
        "are",
        "was",
        "be",
        "been",
        "everyone",
        "everybody",
        "everything",
        "all",
        "every",
        "each",
        "any",
        "anyone",
        "someone",
        "somebody",
        "something",
        "whoever",
        "what",
        "who",
        "which",
        "when",
        "where",
        "why",
        "how",
        "not",
        "no",
        "please",
        "thanks",
    ]
)
_NAME_WORD = r"[A-Za-z][\w'.-]*"
NAME = rf"(?:{MENTION}|@?[A-Za-z][\w'.-]*(?:\s+[A-Z][\w'-]*){{0,2}})"
"""A person or contact as written: a mention, or one to three words (the second and third capitalised)."""


def read_person(text: str) -> str | None:
    """A person as written ("Alice", "Sam Lee", "<@U0ALICE01>"), "me", ``unassigned`` or an owner; None otherwise."""
    t = " ".join(text.strip(" \t.,;:!?").split())
    lowered = t.lower()
    if re.fullmatch(MENTION, t):
        return t
    if lowered in _ME:
        return "me"
    if lowered in _NOBODY:
        return NOBODY
    if lowered in _ACCOUNT_OWNER:
        return ACCOUNT_OWNER
    if lowered in _OPPORTUNITY_OWNER:
        return OPPORTUNITY_OWNER
    words = t.lstrip("@").split()
    if not 1 <= len(words) <= 3 or not all(re.fullmatch(_NAME_WORD, w) for w in words):
        return None
    if any(w.lower() in STOP_WORDS for w in words) or any(not w[0].isupper() for w in words[1:]):
        return None
    return " ".join(words)


def read_name(text: str, *, any_case: bool = False) -> str | None:
    """A contact's name: a person as written who is not "me", nobody or an owner. ``any_case``: where the sentence
    already says it is a person ("update peter gibbons's email"), lower-case names count too."""
    t = " ".join(text.strip(" \t.,;:!?").split())
    if any_case and t == t.lower() and 1 <= len(t.split()) <= 3 and not STOP_WORDS.intersection(t.split()):
        return t if all(re.fullmatch(_NAME_WORD, w) for w in t.split()) else None
    name = read_person(t)
    return name if name and name not in ("me", NOBODY, ACCOUNT_OWNER, OPPORTUNITY_OWNER) else None


# ---------------------------------------------------------------------------------------------------------------
# Salesforce records

COMPANY = r"[A-Z][\w&'.-]*(?:\s+(?:[A-Z][\w&'.-]*|&|of))*?(?:\s+[A-Z][\w&'.-]*)?"
"""A company as written after "at" / "from": capitalised words ("Initech", "Umbrella Health")."""

SF_ID = r"\b[a-zA-Z0-9]{3}[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?\b"
GENERIC_OPPORTUNITY = frozenset({"deal", "deals", "opportunity", "opp", "oppty", "opportunities"})
OPPORTUNITY_WORDS = frozenset(
    {
        "renewal",
        "renewals",
        "expansion",
        "upsell",
        "upgrade",
        "pilot",
        "poc",
        "new",
        "business",
        "support",
        "platform",
        "license",
        "licence",
        "licenses",
        "subscription",
        "services",
        "analytics",
        "enterprise",
        "addon",
        "add-on",
        "cross-sell",
        "migration",
        "rollout",
        "trial",
        "phase",
        "q1",
        "q2",
        "q3",
        "q4",
    }
)
"""Words that tell one opportunity of an account from another ("the Acme *platform renewal*")."""
_RECORD_WORD = r"[A-Za-z0-9][\w&.'/-]*"
_FIELD_WORDS = frozenset(
    [
        "amount",
        "stage",
        "status",
        "close",
        "closing",
        "date",
        "next",
        "step",
        "steps",
        "value",
        "size",
        "price",
        "priority",
        "due",
        "deadline",
        "summary",
        "title",
        "labels",
        "label",
        "phone",
        "email",
        "number",
        "assignee",
        "owner",
        "mobile",
        "cell",
        "role",
        "position",
    ]
)
_NOT_A_NAME = STOP_WORDS | _FIELD_WORDS


@dataclass(frozen=True)
class Record:
    """An opportunity (or account) as named: ``account`` the company as written, ``opportunity`` the other words."""

    account: str | None
    opportunity: str | None
    named_as_record: bool
    """The phrase says it is a deal ("deal", "renewal", an 006 id) rather than just a company name."""


def read_record(phrase: str) -> Record | None:
    """The opportunity a phrase names: "the Acme renewal" -> Acme + renewal, "the Globex deal" -> Globex,
    "Umbrella Health's renewal" -> Umbrella Health + renewal, "opportunity 006..." -> the id. None when the phrase is
    not a name (a pronoun, an issue key, a sentence)."""
    t = " ".join(phrase.strip(" ,.:;!?").split())
    t = re.sub(r"^(?:the|our|their|this|that|my|your)\s+", "", t, flags=re.I)
    t = re.sub(r"(?:'s)(?=\s|$)", "", t)
    words = t.split()
    if not words or len(words) > 6 or re.search(ISSUE_KEY, t):
        return None
    ids = [w for w in words if re.fullmatch(SF_ID, w) and any(c.isdigit() for c in w)]
    if ids:
        rest = [w for w in words if w not in ids and w.lower() not in GENERIC_OPPORTUNITY | {"account"}]
        if rest:
            return None
        key = ids[0]
        return Record(key, None, False) if key.startswith("001") else Record(None, key, True)
    if not all(re.fullmatch(_RECORD_WORD, w) for w in words) or any(w.lower() in _NOT_A_NAME for w in words):
        return None
    generic = False
    while words and words[-1].lower() in GENERIC_OPPORTUNITY:
        words, generic = words[:-1], True
    if any(w.lower() in GENERIC_OPPORTUNITY for w in words):
        return None
    if not words:
        return Record(None, None, True)
    split = len(words)
    for n, word in enumerate(words):
        if word.lower() in OPPORTUNITY_WORDS or (n > 0 and word[0].islower() and words[0][0].isupper()):
            split = n
            break
    account = " ".join(words[:split]) or None
    opportunity = " ".join(words[split:]) or None
    return Record(account, opportunity, generic or opportunity is not None)


# ---------------------------------------------------------------------------------------------------------------
# Values inside sentences

DATE = rf"(?:{DATE_PATTERN})"
VAGUE_DATE = rf"(?:{VAGUE_DATE_PATTERN})"
AMOUNT = rf"(?:{AMOUNT_PATTERN})"
EMAIL = r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+"
PHONE = r"\+?\(?\d[\d\s().-]{5,}\d"

_DATE_TAIL = re.compile(
    rf"(?:,\s*|\s+)(?:(?:and\s+)?(?:it'?s\s+|it\s+is\s+)?(?:due|deadline|no\s+later\s+than)\s*(?:date\s*)?(?:is\s+|on\s+|by\s+|:\s*)?"
    rf"|by\s+|on\s+|before\s+|for\s+|until\s+)?(?P<date>{DATE}|{VAGUE_DATE})\s*$",
    re.I,
)


def split_trailing_date(text: str, *, today: dt.date, past: bool = False) -> tuple[str, dt.date | None, bool]:
    """``text`` without a date phrase at its end ("follow up next Tuesday", "send the deck by Friday"), the date,
    and whether a date was written at all (a vague one, "next month", leaves the date None)."""
    match = _DATE_TAIL.search(text)
    if not match:
        return text, None, False
    return text[: match.start()].rstrip(" ,"), parse_date(match["date"], today=today, past=past), True


def read_date(text: str, *, today: dt.date, past: bool = False) -> tuple[dt.date | None, bool] | None:
    """A value that is a date: (the date, True); a vague one: (None, True); not a date at all: None."""
    t = re.sub(r"^(?:on|by|for|until|before)\s+", "", text.strip(" .,"), flags=re.I)
    if re.fullmatch(DATE, t, re.I):
        return parse_date(t, today=today, past=past), True
    if re.fullmatch(VAGUE_DATE, t, re.I):
        return None, True
    return None


def read_money(text: str, *, strict: bool) -> tuple[object, bool] | None:
    """A value that is an amount; ``strict`` asks for money-looking text ("80k", "$900", "120,000", not "15")."""
    t = text.strip(" .,")
    if not re.fullmatch(AMOUNT, t, re.I):
        return None
    if strict and not looks_like_money(t):
        return None
    return parse_amount(t), True


def capitalised(text: str | None) -> str | None:
    """Text with its first letter upper-case (summaries and subjects read as titles); None for nothing."""
    if text is None:
        return None
    text = text.strip()
    return text[0].upper() + text[1:] if text else None


def unquoted(text: str) -> str:
    """The text without quotes around the whole of it."""
    t = text.strip()
    if len(t) >= 2 and t[0] in "\"'“" and t[-1] in "\"'”":
        return t[1:-1].strip()
    return t


_TRAILING_NOISE = re.compile(r"(?:[\s.!?;,]|[^\w\s\"'\u201d)>%])+$")


def bare(text: str) -> str:
    """A segment without trailing punctuation, emoji and politeness ("..., please! 🙏", "thanks")."""
    t = _TRAILING_NOISE.sub("", text.strip())
    t = re.sub(r"[\s,]+(?:please|pls|thanks|thank\s+you|thx|ty)$", "", t, flags=re.I)
    return _TRAILING_NOISE.sub("", t)
