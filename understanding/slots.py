"""A clause read by its slots, in any word order: the one record it names (an issue key, or a deal the vocabulary
knows), the fields it names, and after each field the value it is given.

The frames read requests phrased the ways people usually phrase them; people who write English as a second
language, or in fragments, put the same parts in another order ("the stage of Globex opportunity put on
Negotiation/Review", "move for the Initech expansion the close date on the 3rd", "amount change in $1.1M"). This
reader spots what the vocabulary knows and reads nothing else: every other word of the clause must be glue (a
preposition, an article, a verb of changing, politeness), or it gives up and the clause is asked about as before.
A field whose value cannot be read as that field's kind also gives up: a value is never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from approvals.core.intents import (
    ActionRequest,
    JiraAssignRequest,
    JiraTransitionRequest,
    JiraUpdateFieldsRequest,
    SalesforceUpdateOpportunityRequest,
)
from understanding.lexicon import GENERIC_OPPORTUNITY, ISSUE_KEY, Record
from understanding.named_fields import named_opportunity
from understanding.reading import Ctx, read_date, read_money
from understanding.text import unquoted

_OPPORTUNITY_FIELDS: tuple[tuple[str, str], ...] = (
    ("close_date", r"close\s+date|closing\s+date|close"),
    ("next_step", r"next\s+step"),
    ("stage", r"stage|phase"),
    ("amount", r"amount|value|deal\s+size|price"),
)
_ISSUE_FIELDS: tuple[tuple[str, str], ...] = (
    ("due_date", r"due\s+date|deadline|due"),
    ("priority", r"priority|prio"),
    ("status", r"status|state|column"),
    ("assignee", r"assignee|owner|responsible"),
)
_GLUE = frozenset(
    [
        "to",
        "slips",
        "slipped",
        "slip",
        "moves",
        "moved",
        "goes",
        "went",
        "shifts",
        "shifted",
        "becomes",
        "pushed",
        "on",
        "in",
        "into",
        "as",
        "at",
        "is",
        "be",
        "now",
        "again",
        "change",
        "changes",
        "changed",
        "put",
        "set",
        "update",
        "move",
        "write",
        "make",
        "mark",
        "register",
        "enter",
        "fill",
        "record",
        "note",
        "of",
        "for",
        "the",
        "a",
        "an",
        "from",
        "new",
        "please",
        "pls",
        "should",
        "read",
        "will",
        "must",
        "can",
        "could",
        "would",
        "you",
        "and",
        "also",
        "it",
        "its",
        "this",
        "that",
        "with",
        "like",
        "so",
        "kindly",
        "it's",
        "needs",
        "need",
        "has",
        "have",
        "gets",
        "get",
        "goes",
        "go",
        "become",
        "becomes",
        "i",
        "we",
        "our",
        "their",
        "opportunity",
        "opp",
        "deal",
        "record",
        "field",
        "one",
        "two",
        "let's",
        "lets",
    ]
)
"""Words that carry no value of their own in a clause read by its slots."""
_VAGUE_WHEN = re.compile(
    r"(?:some\s*time|some\s+point|at\s+some\s+point|sometime|later|after\s+the|before\s+the|around\s+the|once\s+the|whenever)\b",
    re.I,
)


@dataclass(frozen=True)
class _Slot:
    name: str
    start: int
    end: int


def read_slots(text: str, ctx: Ctx, *, record: Record | None = None, key: str | None = None) -> ActionRequest | None:
    """The one change ``text`` asks for by its slots (see the module docstring), on the record it names, or else on
    ``record`` / ``key`` (the one the message named before); None when any word is neither glue nor a slot."""
    keys = list(dict.fromkeys(k.upper() for k in re.findall(ISSUE_KEY, text)))
    named = named_opportunity(text, ctx.lexicon) if not keys else None
    if len(keys) > 1 or (keys and named):
        return None
    rest = text
    if keys:
        rest = re.sub(ISSUE_KEY, " ", rest)
        fields, kind = _ISSUE_FIELDS, "issue"
    elif named is not None or (record is not None and key is None):
        if named is not None:
            record = Record(named[0], named[1], named_as_record=True)
            words = [named[0], *(named[1] or "").split()]
            for word in words:
                rest = re.sub(rf"(?i)\b{re.escape(word)}(?:'s)?\b", " ", rest, count=1)
        fields, kind = _OPPORTUNITY_FIELDS, "opportunity"
    elif key is not None:
        fields, kind = _ISSUE_FIELDS, "issue"
    else:
        return None
    slots = _slots(rest, fields)
    if not slots:
        return None
    values: dict[str, Any] = {}
    for n, slot in enumerate(slots):
        end = slots[n + 1].start if n + 1 < len(slots) else len(rest)
        found = _value(slot.name, rest[slot.end : end], ctx)
        if found is None:
            return None
        values[slot.name] = found[0]
    leftover = [w for w in re.findall(r"[\w'./$-]+", rest[: slots[0].start]) if w.lower() not in _GLUE]
    leftover += [w for w in re.findall(r"[\w'-]+", rest[: slots[0].start]) if w.lower() in GENERIC_OPPORTUNITY]
    if [w for w in leftover if w.lower() not in GENERIC_OPPORTUNITY]:
        return None
    if kind == "issue":
        issue = keys[0] if keys else key
        if "status" in values or "assignee" in values:
            if len(values) != 1:
                return None  # a move and an assignment are two requests: the frames and the question handle them
            if "status" in values:
                return JiraTransitionRequest(issue=issue, status=values["status"])
            return JiraAssignRequest(issue=issue, assignee=values["assignee"])
        return JiraUpdateFieldsRequest(issue=issue, **values)
    assert record is not None
    return SalesforceUpdateOpportunityRequest(account=record.account, opportunity=record.opportunity, **values)


def _slots(text: str, fields: tuple[tuple[str, str], ...]) -> list[_Slot]:
    found: list[_Slot] = []
    taken: list[tuple[int, int]] = []
    for name, pattern in fields:
        for match in re.finditer(rf"\b(?:{pattern})\b", text, re.I):
            if any(s <= match.start() < e for s, e in taken):
                continue
            found.append(_Slot(name, match.start(), match.end()))
            taken.append((match.start(), match.end()))
    names = [s.name for s in found]
    if len(names) != len(set(names)):
        return []  # a field named twice: which value is meant is not this reader's to say
    return sorted(found, key=lambda s: s.start)


def _value(name: str, raw: str, ctx: Ctx) -> tuple[Any] | None:
    """The value ``raw`` gives the field ``name`` once its glue is gone; None when it is not one. Glue is dropped
    from the front one word at a time, the longest reading first: "put on In Review" is the status In Review, not
    "Review"."""
    words = re.findall(r"\S+", raw.strip(" ,;:=-"))
    while words and words[-1].lower().strip(",.!") in {"please", "pls", "now", "again", "and", "also", "thanks"}:
        words = words[:-1]
    glue = _GLUE | {"->", "=", ":"}
    if name == "next_step":  # free text: it starts after the glue ("next step to: call their CFO")
        while words and words[0].lower().strip(",:") in glue:
            words = words[1:]
        # "with the next step 'Kara to countersign the order form'": the quotes only mark where it starts and ends
        return _value_of(name, unquoted(" ".join(words).strip(" ,.;:!")), ctx)
    for start in range(len(words)):
        if start and words[start - 1].lower().strip(",:") not in glue:
            break
        found = _value_of(name, " ".join(words[start:]).strip(" ,.;:!"), ctx)
        if found is not None:
            return found
    return None


def _value_of(name: str, value: str, ctx: Ctx) -> tuple[Any] | None:
    if not value:
        return None
    if name == "stage":
        stage = ctx.lexicon.stage(value)
        return (stage,) if stage is not None else None
    if name == "amount":
        amount = read_money(value, strict=False)
        return (amount,) if amount is not None else None
    if name in ("close_date", "due_date"):
        found = read_date(value, ctx)
        if found is not None:
            return (found[0],)
        return (None,) if _VAGUE_WHEN.match(value) else None
    if name == "priority":
        priority = ctx.lexicon.priority(value)
        return (priority,) if priority is not None else None
    if name == "status":
        status = ctx.lexicon.status(value)  # only a status the workflow has, or every Jira's words for one
        return (status,) if status is not None else None
    if name == "assignee":
        person = ctx.lexicon.person(value, any_case=False)
        return (person,) if person is not None and ctx.lexicon.knows_person(value) else None
    if name == "next_step":
        if all(w.lower() in _GLUE for w in value.split()) or len(value.split()) > 12:
            return None  # "set a next step on the initech expansion": no step said
        return (value,)
    return None
