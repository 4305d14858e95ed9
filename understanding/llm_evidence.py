"""A model's requests checked against the words they came from: a value the person did not write is not proposed.

A language model, a small one above all, fills fields the request never mentions (a priority, the requester as the
assignee, a description), makes up issue keys, gets weekday arithmetic wrong, writes ``"null"`` for nothing, copies
the whole request into a comment and reads a Salesforce request as a Jira one. The strict schema cannot see any of
that, and grounding only catches a value that does not exist, not a real-looking wrong one. So before an answer
becomes an ``Understanding`` each of its requests is checked here, as plain JSON, field by field, against the
request text and the quoted thread (the first run against a real small model, bench/llm_runs/FIRST_RUN.txt, shows
each of these).

Invariant: every value that leaves ``supported_request`` is supported by what people wrote (the request; the thread
too for names and for summaries and subjects), in the form the field's convention asks for (``approvals.core.intents``);
a value that is not is left empty (grounding asks for it when the action needs it). A request about a record nobody
named, or with nothing left, is dropped; a request whose change was not written ("bump PAY-11 to P1" read as a
transition to status "P1") keeps its record and is asked about, and so is an answer that lost part of itself.
Nothing is added or guessed here: a value is kept, put in its canonical form (a priority, a status or stage of the
vocabulary, ``me``, a name cut to the words written, a summary cut to its first line), or emptied. Dates are the one
thing computed: the model copies the words ("Friday", "12/1") and ``understanding.dates`` reads them against the
request's ``today``, since weekday arithmetic is what small models get wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, get_args

from approvals.core.intents import ACCOUNT_OWNER, LINK_TYPES, NOBODY, OPPORTUNITY_OWNER, REQUEST_TYPES, THIS_THREAD
from approvals.core.ports import ExtractionInput
from approvals.core.vocabulary import Vocabulary
from understanding.dates import DATE_PATTERN, parse_date


def _fields_of_type(wanted: type) -> frozenset[str]:
    return frozenset(
        name
        for request_type in REQUEST_TYPES
        for name, field in request_type.model_fields.items()
        if field.annotation is wanted or wanted in get_args(field.annotation)
    )


DATE_FIELDS = _fields_of_type(dt.date)
"""Every date field of every request kind: the model copies the words, ``understanding.dates`` reads them."""
PAST_DATE_FIELDS = frozenset({"call_date"})
PERSON_FIELDS = frozenset({"assignee", "owner"})
ISSUE_FIELDS = frozenset({"issue", "other"})
FREE_TEXT_FIELDS = frozenset({"summary", "body", "description", "subject", "next_step"})
NAME_FIELDS = frozenset({"account", "opportunity", "contact", "first_name", "last_name", "title"})
"""Records and names: kept when every word of them was written."""

NULL_WORDS = frozenset(
    {"", "null", "none", "nil", "n/a", "na", "unknown", "not specified", "not provided", "-"}
    # placeholders people write for a value they do not have yet ("last name tbd"): no value either
    | {"tbd", "tba", "tbc", "to be determined", "to be confirmed", "?", "??", "xxx"}
)
"""What small models write for "nothing" in a string field, and the placeholders people write for a value to come."""

_ISSUE_KEY = re.compile(r"[A-Z][A-Z0-9_]{1,9}-[1-9][0-9]*")
_WORD = re.compile(r"[a-z0-9]+")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_STOP = frozenset(
    {"a", "an", "the", "of", "to", "for", "on", "in", "at", "and", "or", "with", "by", "is", "it", "its", "this"}
    | {"that", "from", "as", "be", "me", "my", "our", "your", "their", "his", "her", "please", "pls"}
)
_FIRST_PERSON = re.compile(r"\b(?:me|my|myself|i|mine)\b", re.I)
_NOBODY = re.compile(r"\b(?:unassign\w*|nobody|no one|no-one|noone|unowned|remove|off)\b", re.I)
_THIS = re.compile(r"\b(?:this|it|that|the ticket|the issue|the bug)\b", re.I)
_OWNER = re.compile(r"\bowner\b", re.I)

PRIORITY_WORDS: Mapping[str, str] = {
    "highest": "Highest",
    "blocker": "Highest",
    "critical": "Highest",
    "urgent": "Highest",
    "p0": "Highest",
    "high": "High",
    "p1": "High",
    "medium": "Medium",
    "normal": "Medium",
    "p2": "Medium",
    "low": "Low",
    "p3": "Low",
    "lowest": "Lowest",
    "trivial": "Lowest",
    "p4": "Lowest",
}
"""Words for priorities and the priority each means (the prompt's table): the evidence a priority needs."""

ISSUE_TYPE_WORDS: Mapping[str, tuple[str, ...]] = {
    "bug": ("bug", "bugs", "defect"),
    "task": ("task", "tasks", "ticket", "tickets", "todo", "to-do", "chore"),
    "story": ("story", "stories"),
    "epic": ("epic", "epics"),
}

STATUS_WORDS: Mapping[str, str] = {
    "close": "done",
    "closed": "done",
    "resolve": "done",
    "resolved": "done",
    "finish": "done",
    "finished": "done",
    "fixed": "done",
    "complete": "done",
    "completed": "done",
    "done": "done",
    "start": "inprogress",
    "started": "inprogress",
    "starting": "inprogress",
    "working": "inprogress",
    "wip": "inprogress",
    "reopen": "todo",
    "todo": "todo",
}
"""Words that name a status without its name (squashed: "inprogress" is In Progress): "close PAY-4" is Done."""

LINK_EVIDENCE: Mapping[str, re.Pattern[str]] = {
    "blocks": re.compile(r"\bblock(?:s|ing)?\b(?!\s+by)", re.I),
    "is blocked by": re.compile(r"\bblocked\s+by\b|\bdepends?\s+on\b|\bwait(?:s|ing)?\s+(?:on|for)\b", re.I),
    "relates to": re.compile(r"\brelat(?:es?|ed|ing)\b", re.I),
    "duplicates": re.compile(r"\bdup(?:e|licate)?s?\b(?!\s+by)|\bduplicate\s+of\b|\bsame\s+as\b", re.I),
    "is duplicated by": re.compile(r"\bduplicated\s+by\b", re.I),
    "clones": re.compile(r"\bclon(?:e|es|ed|ing)\b", re.I),
}
_AMOUNT = re.compile(
    r"(?<![\w.])\$?\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s?(k|m|mm|b|bn|thousand|million|billion)?\b", re.I
)
_SCALE = {"k": 1000, "thousand": 1000, "m": 1000000, "mm": 1000000, "million": 1000000, "b": 10**9, "bn": 10**9}
_OPPORTUNITY_ALONE = frozenset({"deal", "the deal", "opportunity", "the opportunity", "opp", "the opp", "opps"})
ANCHORS: Mapping[str, tuple[str, ...]] = {
    "jira.create_issue": ("project", "summary"),
    "jira.comment": ("issue",),
    "jira.transition": ("issue",),
    "jira.assign": ("issue",),
    "jira.update_fields": ("issue",),
    "jira.link_issues": ("issue", "other"),
    "salesforce.update_opportunity": ("account", "opportunity"),
    "salesforce.create_task": ("subject",),
    "salesforce.log_call": ("contact", "account"),
    "salesforce.update_contact": ("contact",),
    "salesforce.create_contact": ("first_name", "last_name"),
    "followthrough.follow_up": ("issue", "account", "opportunity"),
}
"""Per kind, the fields that say which record (or what) a request is about. When the model named one and none of
what it named was written, the request is about something nobody asked for: it is dropped, not asked about."""
CHANGES: Mapping[str, tuple[str, ...]] = {
    "jira.comment": ("body",),
    "jira.transition": ("status",),
    "jira.assign": ("assignee",),
    "jira.update_fields": ("summary", "priority", "labels", "due_date"),
    "jira.link_issues": ("other", "link_type"),
    "salesforce.update_opportunity": ("stage", "amount", "close_date", "next_step"),
    "salesforce.update_contact": ("email", "phone", "title"),
}
"""Per kind of change to a record, the fields that say what changes. When the model gave some and none of them was
written, it read a change nobody asked for ("bump PAY-11 to P1" as a transition to status "P1"): dropped too."""
UNWRITTEN_CHANGE = "I couldn't tell from your message what should change. What would you like me to do?"
UNWRITTEN_PART = "I couldn't tell what to do with part of your message. What else should I do?"
JIRA_OR_SALESFORCE = "Should this be a Jira issue (in which project?) or a Salesforce task?"
_LABELS = re.compile(r"\b(?:labels?|labell?ed|tags?|tagged)\b", re.I)
_ANY = re.compile(r"")
_WRITTEN_FLAGS: Mapping[str, re.Pattern[str]] = {"escalate": re.compile(r"\bescalat", re.I)}
"""A true flag needs its word: a follow-up escalates only when the request says so."""
_WRITTEN_NUMBERS: Mapping[str, re.Pattern[str]] = {
    "due_in_minutes": re.compile(
        r"\bin\s+(?:\d+|an?|one|two|three|four|five|ten|half\s+an?)\s*(?:min(?:ute)?s?|h(?:ou)?rs?|hours?)\b", re.I
    ),
    "every_days": re.compile(r"\b(?:every|each|weekly|daily)\b", re.I),
}
"""A number the model worked out needs the words it came from ("in 2 hours", "every Monday")."""
_CALL_TOPIC = re.compile(r"\b(?:re|about|regarding|subject|topic|discuss(?:ed|ing)?)\b", re.I)
_CALL_WORDS = re.compile(r"\b(?:call(?:s|ed|ing)?|phoned?|spoke|spoken|talked|rang|dialed|dialled|convo)\b", re.I)
NOT_A_CALL = "I can log calls, but I couldn't tell from your message that this was one. What would you like me to do?"
_TASK_WORDS = re.compile(r"\b(?:tasks?|to-?dos?|remind(?:er)?)\b", re.I)
REQUEST_ONLY_TEXT = frozenset({"description", "body", "next_step"})
"""Free text that only the request itself can supply (a thread message is context, not the requester's words)."""
_GENERIC_WORDS = frozenset(
    {"call", "calls", "called", "meeting", "task", "follow", "up", "followup", "log", "logged", "chat", "sync", "re"}
)
_CONTACT_AT = re.compile(r"^(?P<contact>.+?)\s+(?:at|from|@)\s+(?P<account>.+)$", re.I)


@dataclass(frozen=True)
class Source:
    """What people wrote, prepared once per request: the request text and the whole thread."""

    request: ExtractionInput
    text: str
    everything: str
    text_words: frozenset[str]
    all_words: frozenset[str]
    vocabulary: Vocabulary

    @classmethod
    def of(cls, request: ExtractionInput) -> Source:
        text = request.request_text
        everything = "\n".join([text, *(m.text for m in request.thread)])
        vocabulary = (request.vocabulary or Vocabulary(projects=tuple(request.known_projects))).with_defaults()
        return cls(request, text, everything, _words(text), _words(everything), vocabulary)


def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.casefold()))


def _significant(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.casefold()) if w not in _STOP]


def _squash(text: str) -> str:
    return "".join(_WORD.findall(text.casefold()))


def _written(word: str, words: frozenset[str]) -> bool:
    """``word`` is among ``words``, allowing an ending ("renewal" for "renewals", "invoice" for "invoices")."""
    if word in words:
        return True
    if len(word) < 4:
        return False
    return any(w.startswith(word) and len(w) - len(word) <= 3 for w in words) or any(
        word.startswith(w) and len(w) >= 4 and len(word) - len(w) <= 3 for w in words
    )


def _all_written(value: str, words: frozenset[str]) -> bool:
    significant = _significant(value)
    return bool(significant) and all(_written(w, words) for w in significant)


def _share_written(value: str, words: frozenset[str]) -> float:
    significant = _significant(value)
    if not significant:
        return 0.0
    return sum(_written(w, words) for w in significant) / len(significant)


# ---------------------------------------------------------------------------------------------------------------
# One field


def _person(value: str, source: Source) -> str | None:
    requester = source.request.requester
    lowered = " ".join(value.casefold().split())
    own = {
        requester.slack_user_id.casefold(),
        (requester.display_name or "").casefold(),
        (requester.real_name or "").casefold(),
        "the requester",
        "requester",
        "me",
        "myself",
        "i",
    } - {""}
    mentioned = _MENTION.search(value)
    if lowered in own or "(the requester)" in lowered or (mentioned and mentioned[1] == requester.slack_user_id):
        if mentioned and mentioned[0] in source.text and not _FIRST_PERSON.search(source.text):
            return mentioned[0]
        if lowered not in ("me", "myself", "i") and _all_written(value, source.text_words):
            return value  # the requester named themselves ("assign it to Dana")
        return "me" if _FIRST_PERSON.search(source.text) else None
    if lowered in (NOBODY, "nobody", "no one", "none"):
        return NOBODY if _NOBODY.search(source.text) else None
    if lowered in (ACCOUNT_OWNER, OPPORTUNITY_OWNER):
        return lowered if _OWNER.search(source.text) else None
    if mentioned:
        return mentioned[0] if mentioned[0] in source.everything else None
    if _all_written(value.lstrip("@"), source.all_words):
        return value
    first = lowered.split()[0] if lowered.split() else ""
    if _FIRST_PERSON.search(source.text) and first in own | {(requester.real_name or "").casefold().split(" ")[0]}:
        return "me"  # the requester's own name for "me" ("Dana Reyes" for "make me a task")
    return _as_written(value, source)


def _issue(value: str, source: Source) -> str | None:
    if value.casefold().strip() == THIS_THREAD:
        return THIS_THREAD if _THIS.search(source.text) else None
    key = value.strip().strip("<>").upper()
    if not _ISSUE_KEY.fullmatch(key):
        return None
    written = re.search(rf"(?<![A-Za-z0-9]){re.escape(key)}(?![0-9])", source.everything, re.I)
    return key if written else None


def _project(value: str, source: Source) -> str | None:
    key = value.strip().upper()
    if not re.fullmatch(r"[A-Z][A-Z0-9_]{1,9}", key):
        return None
    # The key as a word of the request, not inside an issue key ("PAY-12" names an issue, not where to file one).
    written = re.search(rf"(?<![A-Za-z0-9-]){re.escape(key)}(?![A-Za-z0-9]|-\d)", source.text, re.I)
    return key if written else None


def _priority(value: str, source: Source) -> str | None:
    wanted = PRIORITY_WORDS.get(_squash(value))
    if wanted is None:
        return None
    said = {PRIORITY_WORDS[w] for w in source.text_words if w in PRIORITY_WORDS}
    return wanted if wanted in said else None


def _type_words(issue_type: str) -> tuple[str, ...]:
    return ISSUE_TYPE_WORDS.get(_squash(issue_type), (_squash(issue_type),))


def _issue_type(value: str, source: Source) -> str | None:
    """A type of the vocabulary; kept when written, or when the request names no type at all (a model may tell a
    bug from its description: "checkout fails"), emptied when the request names another ("ticket", "story")."""
    squashed = _squash(value)
    known = next((t for t in source.vocabulary.issue_types if squashed in (_squash(t), _squash(t) + "s")), None)
    if known is None:
        return None
    if any(w in source.text_words for w in _type_words(known)):
        return known
    named = any(w in source.text_words for t in source.vocabulary.issue_types for w in _type_words(t))
    return None if named or "to-do" in source.text.casefold() else known


def _status(value: str, source: Source) -> str | None:
    squashed = _squash(value)
    canonical = {_squash(s): s for s in source.vocabulary.statuses}
    wanted = squashed if squashed in canonical else STATUS_WORDS.get(squashed)
    if wanted is None or wanted not in canonical:
        return None
    status = canonical[wanted]
    if _squash(source.text).find(wanted) >= 0 and _all_written(status, source.text_words):
        return status
    if any(STATUS_WORDS.get(w) == wanted for w in source.text_words):
        return status
    if wanted == "todo" and re.search(r"\bto\s*-?\s*do\b", source.text, re.I):
        return status
    return None


def _stage(value: str, source: Source) -> str | None:
    squashed = _squash(re.sub(r"^\s*stage\s+", "", value, flags=re.I))
    if not squashed:
        return None
    if squashed in ("won", "closedwon", "win"):
        return "Closed Won" if source.text_words & {"won", "win", "closed"} else None
    if squashed in ("lost", "closedlost", "lose"):
        return "Closed Lost" if source.text_words & {"lost", "lose", "closed"} else None
    known = [s for s in source.vocabulary.stages if squashed in _squash(s)]
    if not known:
        return None
    return value.strip() if _all_written(value, source.text_words) else None


def _link_type(value: str, source: Source) -> str | None:
    wanted = " ".join(value.casefold().split())
    evidence = LINK_EVIDENCE.get(wanted)
    if wanted not in LINK_TYPES or evidence is None:
        return None
    return wanted if evidence.search(source.text) else None


def _amounts(text: str) -> set[Decimal]:
    found = set()
    for match in _AMOUNT.finditer(text):
        whole, fraction, scale = match[1].replace(",", ""), match[2], (match[3] or "").casefold()
        try:
            number = Decimal(f"{whole}.{fraction}" if fraction else whole)
        except InvalidOperation:
            continue
        found.add(number * _SCALE.get(scale, 1))
    return found


def _amount(value: Any, source: Source) -> Any:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return value if number in _amounts(source.text) else None


def _date(value: str, field: str, source: Source) -> str | None:
    today, past = source.request.today, field in PAST_DATE_FIELDS
    meant = parse_date(value, today=today, past=past)
    phrases = [m[0] for m in re.finditer(DATE_PATTERN, source.text, re.I)]
    written = [parse_date(p, today=today, past=past) for p in phrases]
    if meant is not None and (
        meant in written or (value.casefold().strip() in source.text.casefold() and not _is_iso(value))
    ):
        return meant.isoformat()
    if len(written) == 1 and written[0] is not None:
        # One date was written and the model worked it out wrongly ("Friday" asked on a Friday as today): the
        # field is the model's reading, the day is the words'.
        return written[0].isoformat()
    return None


def _read_date(field: str, value: Any, source: Source) -> Any:
    """A date from the words, unchecked (``check_values=False``): what is not read is passed on for validation."""
    if not isinstance(value, str):
        return value
    meant = parse_date(value, today=source.request.today, past=field in PAST_DATE_FIELDS)
    return meant.isoformat() if meant is not None else value


def _is_iso(value: str) -> bool:
    return bool(re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value))


def _email(value: str, source: Source) -> str | None:
    return value.strip() if value.strip().casefold() in source.text.casefold() else None


def _phone(value: str, source: Source) -> str | None:
    digits = re.sub(r"\D", "", value)
    return value.strip() if len(digits) >= 4 and digits in re.sub(r"\D", "", source.text) else None


def _known_names(source: Source) -> list[str]:
    known = source.vocabulary
    return [
        *known.people,
        *known.accounts,
        *(o.name for o in known.opportunities),
        *(f"{c.first_name} {c.last_name}" for c in known.contacts),
    ]


def _as_written(value: str, source: Source) -> str | None:
    """A name of the vocabulary cut to the words of it that were written ("Alice Chen" for "assign alice" is
    "alice", "Acme Corp" for "the acme renewal" is "acme"): names are kept as written. None when it is no name
    the systems know, or none of it was written."""
    bare = re.sub(r"\s*\([^)]*\)\s*", " ", value).strip()
    if not any(_squash(bare) == _squash(name) for name in _known_names(source)):
        return None
    spelled = {m[0].casefold(): m[0] for m in re.finditer(r"[^\W_]+", source.text)}
    words = [m[0].casefold() for m in re.finditer(r"[^\W_]+", bare)]
    written = [spelled.get(w, w) for w in words if _written(w, source.text_words)]
    return " ".join(written) if written else None


def _name(field: str, value: str, source: Source) -> str | None:
    if field == "opportunity" and " ".join(value.casefold().split()) in _OPPORTUNITY_ALONE:
        return None
    value = re.sub(r"\s*\([^)]*\)\s*$", "", value)  # "Ana Silva (Initech)": the vocabulary's note, not the name
    if _all_written(value, source.all_words):
        return value.strip()
    return _as_written(value, source)


def _adds_nothing(value: str, others: Iterable[Any]) -> bool:
    """The text only repeats the request's other values ("Ana at Initech call" as the subject of a call with Ana at
    Initech): it is not a value of its own."""
    named = {w for other in others if isinstance(other, str) for w in _significant(other)}
    words = _significant(value)
    return bool(words) and all(w in named or w in _GENERIC_WORDS for w in words)


_SENTENCE_END = re.compile(r"(?<=[a-z0-9)])[.!?]\s+(?=[A-Z])")
_TRAILING_CLAUSE = re.compile(
    r"(?:,|\s+-|;)\s*(?:with\s+)?(?:labels?\b|tags?\b|priority\b|prio\b|p[0-4]\b|(?:high|low|medium|urgent|critical)"
    r"\s+prio(?:rity)?\b|due\b|assign(?:ed)?\b|owner\b).*$",
    re.I,
)
_QUOTED = re.compile(r"[\"“]([^\"”]{2,})[\"”]")


def _written_span(value: str, text: str) -> str | None:
    """The part of ``text`` that ``value`` copies with small changes (case, words left out, "the" dropped): its
    words in order, from its first to its last, with nothing but short words between them; None when none is."""
    wanted = _significant(value)
    if not wanted:
        return None
    tokens = [(m.start(), m.end(), m[0]) for m in _WORD.finditer(text.casefold())]
    for start in range(len(tokens)):
        if not _written(wanted[0], frozenset([tokens[start][2]])):
            continue
        at, found, end = start, 0, None
        while at < len(tokens) and found < len(wanted):
            word = tokens[at][2]
            if _written(wanted[found], frozenset([word])):
                found, end = found + 1, at
            elif word not in _STOP and len(word) > 3:
                break
            at += 1
        if found == len(wanted) and end is not None:
            return text[tokens[start][0] : tokens[end][1]]
    return None


def _one_line(field: str, value: str, source: Source) -> str:
    """A summary or subject as the conventions want it: the first sentence, without trailing clauses that set other
    fields (", labels billing, ux", ", due tomorrow"), as written where it copies the request, capitalised."""
    text = _SENTENCE_END.split(value.strip())[0].strip()
    text = _TRAILING_CLAUSE.sub("", text).strip()
    dated = re.search(rf"(?:,?\s+(?:by|due|on|before))?\s*\(?(?:{DATE_PATTERN})\)?\s*$", text, re.I)
    if dated and dated.start() > 0:
        text = text[: dated.start()].strip()
    span = _written_span(text, source.text) or _written_span(text, source.everything)
    if span is not None:
        text = span
    text = text.strip(" .,;:-")
    return text[:1].upper() + text[1:] if text else text


def _free_text(field: str, value: str, source: Source, *, kind: str = "") -> str | None:
    from_thread = field not in REQUEST_ONLY_TEXT and bool(_THIS.search(source.text))
    words = source.all_words if from_thread else source.text_words
    if _share_written(value, words) < 0.75:
        return None
    if kind == "salesforce.log_call" and field == "subject" and not _CALL_TOPIC.search(source.text):
        return None  # a call's subject is what the request says it was about ("re: seat count"), not its names
    if field in REQUEST_ONLY_TEXT and _written_span(value, source.text) is None:
        return None  # the requester's own words, as written: not a paraphrase or an addition
    # The model copied the request itself into a field ("lower PAY-9 to p3" as the summary, a chat message as a
    # comment body): that is the request, not a value of it.
    request_words = set(_significant(source.text))
    if len(request_words) >= 3 and len(request_words & set(_significant(value))) >= 0.8 * len(request_words):
        return None
    if field == "body":
        quoted = _QUOTED.search(value)
        if quoted and quoted[0] in source.text:
            return quoted[1].strip()  # comment "reproduced on iOS 17" on PAY-8: the body is what is quoted
    if field in ("summary", "subject"):
        return _one_line(field, value, source) or None
    return value.strip()


# ---------------------------------------------------------------------------------------------------------------
# One request


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == "" or value is False


def _null_word(value: Any) -> bool:
    return isinstance(value, str) and " ".join(value.casefold().split()).strip(".") in NULL_WORDS


def _check(field: str, value: Any, source: Source, *, kind: str = "") -> Any:
    """The field's value when what people wrote supports it (in its canonical form), else None."""
    if isinstance(value, list):
        if field == "labels" and not _LABELS.search(source.text):
            return []  # labels are set when the request talks about labels, not from any word of it
        return [v for v in value if isinstance(v, str) and not _null_word(v) and _all_written(v, source.text_words)]
    if field in PERSON_FIELDS and _null_word(value) and _NOBODY.search(source.text):
        return NOBODY  # "remove the assignee from PAY-10" answered with assignee "null": nobody
    if _null_word(value):
        return None
    if isinstance(value, bool):
        return value and bool(_WRITTEN_FLAGS.get(field, _ANY).search(source.text))
    if not isinstance(value, str):
        if field == "amount" and value is not None:
            return _amount(value, source)
        written = _WRITTEN_NUMBERS.get(field)
        return value if written is None or written.search(source.text) else None
    match field:
        case _ if field in DATE_FIELDS:
            return _date(value, field, source)
        case _ if field in PERSON_FIELDS:
            return _person(value, source)
        case _ if field in ISSUE_FIELDS:
            return _issue(value, source)
        case _ if field in FREE_TEXT_FIELDS:
            return _free_text(field, value, source, kind=kind)
        case _ if field in NAME_FIELDS:
            return _name(field, value, source)
        case "project":
            return _project(value, source)
        case "priority":
            return _priority(value, source)
        case "issue_type":
            return _issue_type(value, source)
        case "status" | "until_status":
            return _status(value, source)
        case "stage":
            return _stage(value, source)
        case "link_type":
            return _link_type(value, source)
        case "email":
            return _email(value, source)
        case "phone":
            return _phone(value, source)
        case "amount":
            return _amount(value, source)
        case _:
            return value


def _split_contact_at_account(fields: dict[str, Any]) -> dict[str, Any]:
    """ "Ana at Initech" written as the contact is contact Ana, account Initech (the prompt's convention)."""
    contact = fields.get("contact")
    if not isinstance(contact, str) or "account" not in fields or fields.get("account") not in (None, ""):
        return fields
    match = _CONTACT_AT.match(contact.strip())
    if match is None:
        return fields
    return {**fields, "contact": match["contact"], "account": match["account"]}


@dataclass(frozen=True)
class Checked:
    request: dict[str, Any] | None
    """The request with only supported values, or None when none was left."""
    emptied: tuple[str, ...]
    """``kind.field`` of each value left out (names only: values are never logged)."""
    unsure: tuple[str, ...] = ()
    """Fields to ask about before anything is proposed: those that say what changes, when the model gave some and
    none of them was written ("bump PAY-11 to P1" read as a transition to status "P1"), or the project of a task
    that may as well be a Salesforce one."""
    ask: str | None = None
    """The question that goes with ``unsure``."""


def supported_request(raw: Mapping[str, Any], request: ExtractionInput, *, source: Source | None = None) -> Checked:
    """``raw`` (one request of the model's JSON answer) with every value checked against what people wrote."""
    source = source or Source.of(request)
    kind = raw.get("kind")
    fields = _split_contact_at_account({k: v for k, v in raw.items() if k != "kind"})
    checked: dict[str, Any] = {"kind": kind}
    emptied = []
    others = [v for k, v in fields.items() if k not in FREE_TEXT_FIELDS]
    for name, value in fields.items():
        kept = _check(name, value, source, kind=str(kind))
        if name in FREE_TEXT_FIELDS and isinstance(kept, str) and _adds_nothing(kept, others):
            kept = None
        if name == "labels" and kind == "jira.update_fields" and not kept:
            kept = None  # no labels written is no change to them, not "remove every label"
        dropped = not _empty(value) and not _null_word(value) and _empty(kept)
        if dropped or (isinstance(value, list) and isinstance(kept, list) and len(kept) < len(value)):
            emptied.append(f"{kind}.{name}")
        checked[name] = kept
    if all(_empty(v) for k, v in checked.items() if k != "kind"):
        return Checked(None, tuple(emptied))
    account, opportunity = checked.get("account"), checked.get("opportunity")
    if isinstance(account, str) and isinstance(opportunity, str) and account.strip():
        # "Acme platform renewal" with the account Acme: the deal is "platform renewal" (the account is its own field)
        head = re.match(rf"{re.escape(account.strip())}(?:'s)?\s+(?=\S)", opportunity.strip(), re.I)
        if head is not None:
            checked["opportunity"] = opportunity.strip()[head.end() :]
    anchors = ANCHORS.get(str(kind), ())
    named = [a for a in anchors if not _empty(fields.get(a)) and not _null_word(fields.get(a))]
    changes = CHANGES.get(str(kind), ())
    given = [c for c in changes if not _empty(fields.get(c)) and not _null_word(fields.get(c))]
    changed = any(not _empty(checked.get(c)) for c in changes)
    if named and all(_empty(checked.get(a)) for a in named) and not changed:
        # About a record nobody named, with no written change either: not the requester's request ("advance the
        # Initech expansion" read as moving the made-up ITX-1000). With a written change ("assign to Alice", with
        # a made-up key) the request stays, and grounding asks which record.
        return Checked(None, tuple(emptied))
    if given and all(_empty(checked.get(c)) for c in given):
        return Checked(checked, tuple(emptied), unsure=changes, ask=UNWRITTEN_CHANGE)
    if kind == "salesforce.log_call" and not _CALL_WORDS.search(source.text):
        return Checked(None, tuple(emptied), ask=NOT_A_CALL)  # "log a meeting with Ana" is no call
    task_for_someone = _empty(checked.get("project")) and checked.get("issue_type") in (None, "Task")
    if kind == "jira.create_issue" and task_for_someone and _TASK_WORDS.search(source.text):
        # "a task for erin to ..." names a person, not a project: a Jira task or a Salesforce one? (issue 10)
        return Checked(checked, tuple(emptied), unsure=("project",), ask=JIRA_OR_SALESFORCE)
    return Checked(checked, tuple(emptied))


@dataclass(frozen=True)
class CheckedAnswer:
    """The requests of one answer, checked."""

    requests: list[Any]
    """What is left of them (anything that is not a request object is passed on, for validation to refuse)."""
    emptied: tuple[str, ...] = ()
    dropped: int = 0
    """Requests with nothing written left in them (about a record nobody named, or nothing at all)."""
    unsure: tuple[str, ...] = ()
    """Fields to ask about (see ``Checked.unsure``)."""
    asks: tuple[str, ...] = ()

    def question(self) -> str | None:
        """What to ask before anything is proposed, when something of the answer was not written; else None."""
        if self.asks:
            return self.asks[0]
        if self.dropped and self.requests:
            return UNWRITTEN_PART
        return None


def supported_requests(raws: Iterable[Any], request: ExtractionInput, *, check_values: bool = True) -> CheckedAnswer:
    """Each request of an answer checked (see ``supported_request``). ``check_values=False`` only reads dates from
    their words and passes every other value on as the model wrote it."""
    source = Source.of(request)
    kept: list[Any] = []
    emptied: list[str] = []
    unsure: list[str] = []
    asks: list[str] = []
    dropped = 0
    for raw in raws:
        if not isinstance(raw, dict) or not isinstance(raw.get("kind"), str):
            kept.append(raw)
            continue
        if not check_values:
            kept.append({k: _read_date(k, v, source) if k in DATE_FIELDS else v for k, v in raw.items()})
            continue
        checked = supported_request(raw, request, source=source)
        emptied += checked.emptied
        unsure += [f for f in checked.unsure if f not in unsure]
        asks += [checked.ask] if checked.ask is not None else []
        if checked.request is not None:
            kept.append(checked.request)
        else:
            dropped += 1
            emptied.append(f"{raw['kind']} (nothing of it was written)")
    return CheckedAnswer(kept, tuple(emptied), dropped, tuple(unsure), tuple(asks))
