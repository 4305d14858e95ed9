"""The offline rule parser: the default extractor when no OpenAI key is configured.

It reads one request and produces an ``Understanding`` the same way the LLM extractor does, without a network.
Each recogniser handles one action family and returns an ``ActionRequest`` or None; clauses (assignee, priority,
due date, labels) are read the same way for every family. Anything no recogniser claims becomes a question that
says what was understood, never a guess.

Jira issues, as understood today::

    create a bug in PAY: Checkout fails on Safari, assign to Alice, priority high
    file this as a bug in PAY, assign Alice, due Friday
    open a PAY ticket for this: Refund button missing
    can you create a task in OPS to rotate the staging keys, due next week
    new story in PAY "Saved cards on the billing page", labels billing, ux

"this" / "for this" with no summary takes the summary from the thread's first message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from approvals.intents import ActionRequest, JiraCreateIssueRequest, Understanding
from approvals.ports import ExtractionInput
from bot.dates import DATE_PATTERN, parse_date

_BOT_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s,:]*")
_POLITE = re.compile(
    r"^(?:hey|hi|hello|yo)?[\s,]*(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|please\s+|pls\s+)?", re.I
)

ISSUE_TYPE_WORDS = {
    "bug": "Bug",
    "defect": "Bug",
    "task": "Task",
    "ticket": "Task",
    "todo": "Task",
    "chore": "Task",
    "story": "Story",
    "feature": "Story",
    "issue": None,
}
_TYPE_ALTERNATION = "|".join(sorted(ISSUE_TYPE_WORDS, key=len, reverse=True))
_CREATE_VERBS = r"create|file|open|raise|log|make|add|report|submit|new|start|put\s+in|write\s+up"
_PROJECT = r"(?!(?:this|that|it|me|us|them|the|a|an)\b)[A-Za-z][A-Za-z0-9_]{1,9}"

_PRIORITY_WORDS = {
    "highest": "Highest",
    "blocker": "Highest",
    "critical": "Highest",
    "urgent": "Highest",
    "p0": "Highest",
    "p1": "High",
    "high": "High",
    "medium": "Medium",
    "normal": "Medium",
    "p2": "Medium",
    "low": "Low",
    "p3": "Low",
    "lowest": "Lowest",
    "trivial": "Lowest",
    "p4": "Lowest",
}
_PRIORITY_ALTERNATION = "|".join(sorted(_PRIORITY_WORDS, key=len, reverse=True))

# Clause keywords that end a free-text summary when they start a new comma- or 'and'-separated part.
_CLAUSE_START = re.compile(
    rf"^(?:and\s+)?(?:(?:please\s+)?assign(?:ed)?(?:\s+(?:it|this))?\s+(?:to\s+)?|assignee\b|owner\b|"
    rf"(?:with\s+)?(?:priority|prio)\b|(?:{_PRIORITY_ALTERNATION})\s+(?:priority|prio)\b|"
    rf"due\b|deadline\b|by\s+(?:{DATE_PATTERN})\b|labels?\b|labell?ed\b|tag(?:ged|s)?\b)",
    re.I,
)


@dataclass(frozen=True)
class Clauses:
    summary: str | None = None
    assignee: str | None = None
    priority: str | None = None
    due_text: str | None = None
    labels: tuple[str, ...] = ()


def normalise_request(text: str) -> str:
    """The request without the bot mention, politeness and surrounding whitespace."""
    text = _BOT_MENTION.sub("", text.strip())
    text = _POLITE.sub("", text.strip(), count=1)
    return " ".join(text.split())


def split_parts(text: str) -> list[str]:
    """Split on commas, semicolons and ' and ' where the next part starts a known clause."""
    raw_parts = re.split(r"\s*[;,]\s*|\s+and\s+(?=(?:assign|priority|prio|due|label|tag)\b)", text)
    return [p for p in (part.strip() for part in raw_parts) if p]


_CLAUSES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("summary", re.compile(r"^(?:and\s+)?(?:summary|title)\s*(?:is|=|:)\s*(?P<v>.+)$", re.I)),
    (
        "assignee",
        re.compile(r"^(?:and\s+)?(?:please\s+)?assign(?:ed)?(?:\s+(?:it|this))?(?:\s+to)?\s+(?P<v>.+)$", re.I),
    ),
    ("assignee", re.compile(r"^(?:assignee|owner)\s*(?:is|=|:)?\s*(?P<v>.+)$", re.I)),
    (
        "priority",
        re.compile(
            rf"^(?:and\s+)?(?:with\s+)?(?:priority|prio)\s*(?:is|=|:|of)?\s*(?P<v>{_PRIORITY_ALTERNATION})\b", re.I
        ),
    ),
    ("priority", re.compile(rf"^(?:and\s+)?(?P<v>{_PRIORITY_ALTERNATION})\s+(?:priority|prio)\b", re.I)),
    (
        "due",
        re.compile(rf"^(?:and\s+)?(?:due|deadline)\s*(?:date)?\s*(?:is|=|:|on|by)?\s*(?P<v>{DATE_PATTERN})\s*$", re.I),
    ),
    ("due", re.compile(rf"^(?:and\s+)?by\s+(?P<v>{DATE_PATTERN})\s*$", re.I)),
    # \b after the keyword: without it 'labelled billing' reads as 'label' + 'led billing'.
    ("labels", re.compile(r"^(?:and\s+)?(?:labels?|labell?ed|tag(?:ged|s)?)\b\s*(?:with|as|=|:)?\s*(?P<v>.+)$", re.I)),
)
_LABEL_WORD = re.compile(r"[\w.-]+")


def read_clauses(parts: Sequence[str]) -> tuple[Clauses, list[str]]:
    """Read the clause parts; return them and the parts that were not clauses (in order)."""
    found: dict[str, str] = {}
    labels: list[str] = []
    rest: list[str] = []
    in_labels = False
    for part in parts:
        if in_labels and _LABEL_WORD.fullmatch(part) and not _CLAUSE_START.match(part):
            labels.append(part)  # "labels billing, ux": the list goes on after the comma
            continue
        in_labels = False
        for name, pattern in _CLAUSES:
            match = pattern.match(part)
            if match is None:
                continue
            value = match["v"].strip()
            if name == "labels":
                labels.extend(w.strip("\"'") for w in re.split(r"[\s,]+", value) if w.strip("\"'"))
                in_labels = True
            else:
                found[name] = value
            break
        else:
            rest.append(part)
    priority = _PRIORITY_WORDS.get(found["priority"].lower()) if "priority" in found else None
    clauses = Clauses(
        summary=found["summary"].strip("\"'\u201c\u201d") if "summary" in found else None,
        assignee=found.get("assignee"),
        priority=priority,
        due_text=found["due"].lower() if "due" in found else None,
        labels=tuple(labels),
    )
    return clauses, rest


# ---------------------------------------------------------------------------------------------------------------
# Recognisers


_CREATE_ISSUE = re.compile(
    rf"^(?:{_CREATE_VERBS})\s+"
    rf"(?:(?:this|it)\s+(?:as|in(?:to)?)\s+)?"
    rf"(?:(?:a|an|the)\s+)?(?:new\s+)?"
    rf"(?:(?P<project_before>{_PROJECT})\s+)?"
    rf"(?P<type>{_TYPE_ALTERNATION})\b"
    # 'a bug for this in PAY': the thread reference may come before the project.
    rf"(?:\s+(?:for|about|on|from)\s+(?:this|that|it)\b(?=\s+(?:in|into|for|on|under)\s))?"
    rf"(?:\s+(?:in|into|for|on|under)\s+(?:the\s+)?(?P<project_after>{_PROJECT})(?:\s+project)?\b)?"
    rf"(?P<rest>.*)$",
    re.I,
)


def _project_key(word: str | None, request: ExtractionInput) -> str | None:
    """A word in a project slot is a key if it is written like one (PAY) or the instance has it (pay)."""
    if not word or word.lower() in ISSUE_TYPE_WORDS:
        return None
    if word.isupper() or word.upper() in {k.upper() for k in request.known_projects}:
        return word.upper()
    return None


def _summary_from(rest: str) -> tuple[str | None, bool]:
    """The summary in the text after the type and project, and whether the text said 'this' instead of one."""
    rest = rest.strip()
    refers_to_thread = bool(re.match(r"^(?:for|about|on|from)\s+(?:this|that|it)\b", rest, re.I)) or rest == ""
    rest = re.sub(r"^(?:for|about|on|from)\s+(?:this|that|it)\b", "", rest, flags=re.I).strip()
    quoted = re.search(r"[\"“']([^\"”']{3,})[\"”']", rest)
    if quoted:
        return quoted[1].strip(), False
    rest = re.sub(
        r"^(?::|-|\u2014|\u2013|called|titled|named|saying|that says|with summary|summary)\s*", "", rest, flags=re.I
    )
    rest = re.sub(r"^(?:to|for)\s+(?=\w)", "", rest, flags=re.I) if not refers_to_thread else rest
    rest = rest.strip(" :-\u2014\u2013")
    if not rest:
        return None, refers_to_thread
    summary = rest[0].upper() + rest[1:]
    return summary, False


def recognise_create_issue(text: str, request: ExtractionInput) -> JiraCreateIssueRequest | None:
    parts = split_parts(text)
    if not parts:
        return None
    head = parts[0]
    match = _CREATE_ISSUE.match(head)
    if not match:
        return None
    project = _project_key(match["project_after"], request) or _project_key(match["project_before"], request)
    issue_type = ISSUE_TYPE_WORDS[match["type"].lower()]
    clauses, rest_parts = read_clauses(parts[1:])
    summary, refers_to_thread = _summary_from(match["rest"])
    if clauses.summary:
        summary = clauses.summary
    elif summary is None and rest_parts and not refers_to_thread:
        summary, rest_parts = rest_parts[0][0].upper() + rest_parts[0][1:], rest_parts[1:]
    if summary is None and refers_to_thread:
        summary = _thread_title(request)
    due = parse_date(clauses.due_text, today=request.today) if clauses.due_text else None
    description = "; ".join(rest_parts) if rest_parts else None
    return JiraCreateIssueRequest(
        project=project,
        issue_type=issue_type,
        summary=summary,
        description=description,
        assignee=clauses.assignee,
        priority=clauses.priority,
        labels=clauses.labels,
        due_date=due,
    )


def _thread_title(request: ExtractionInput) -> str | None:
    """'File this': the first human message of the thread, first sentence, as the summary."""
    for message in request.thread:
        if message.is_bot or message.text.strip() == request.request_text.strip():
            continue
        text = re.sub(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>", "", message.text)  # thread text arrives plain (bot/text.py)
        text = re.sub(r"\s*\(https?://[^)\s]+\)", "", text)  # a link written out as "label (url)": keep the label
        sentence = re.split(r"(?<=[.!?])\s|\n", " ".join(text.split()) if "\n" not in text else text.strip())[0]
        sentence = " ".join(sentence.split()).strip()
        if sentence:
            return sentence.rstrip(".")[:200]
    return None


Recogniser = Callable[[str, ExtractionInput], ActionRequest | None]

RECOGNISERS: tuple[Recogniser, ...] = (recognise_create_issue,)


class OfflineParser:
    """The ``approvals.ports.Extractor`` that needs no network: deterministic rules over the request text."""

    name = "offline-parser"

    def __init__(self, recognisers: Sequence[Recogniser] = RECOGNISERS) -> None:
        self.recognisers = tuple(recognisers)

    def extract(self, request: ExtractionInput) -> Understanding:
        text = normalise_request(request.request_text)
        if not text:
            return Understanding(extractor=self.name)
        for recognise in self.recognisers:
            found = recognise(text, request)
            if found is not None:
                return Understanding(requests=(found,), extractor=self.name, understood=text)
        return Understanding(
            question=(
                "I can't tell what you'd like me to do with that. I understand requests like "
                "`create a bug in PAY: <summary>, assign <person>, priority high, due Friday`."
            ),
            understood=text,
            extractor=self.name,
        )
