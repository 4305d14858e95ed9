"""The offline parser's Jira recognisers: create an issue, comment, transition, assign, change fields, link.

Each reads one segment (one request's worth of text, politeness already removed) and returns a ``Reading``, an
``Unsupported`` or None. Issue references are kept as written (keys upper-cased) or ``THIS_THREAD`` for "it", "this
ticket", "the ticket from this thread". Changes to an existing issue are read by taking the issue reference out of
the segment and matching what is left against short verb phrases ("move PAY-12 to done" -> "move to done"), so the
reference may stand anywhere: "change PAY-12's due date", "set the due date of PAY-12", "PAY-12 is due Friday".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from approvals.intents import (
    NOBODY,
    JiraAssignRequest,
    JiraCommentRequest,
    JiraCreateIssueRequest,
    JiraLinkIssuesRequest,
    JiraTransitionRequest,
    JiraUpdateFieldsRequest,
)
from approvals.ports import ExtractionInput
from bot.dates import DATE_PATTERN, parse_date
from bot.parse_text import (
    DATE,
    ISSUE_KEY,
    ISSUE_REF,
    Reading,
    Unsupported,
    bare,
    capitalised,
    find_issue,
    issue_value,
    read_date,
    read_person,
    unquoted,
    without_issue,
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
_CREATE_VERBS = (
    r"create|file|open|raise|log|make|add|report|submit|new|start|put\s+in|write\s+up|track|"
    r"(?:(?:we|i)\s+)?(?:need|want)"
)

PRIORITY_WORDS = {
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
_PRIORITY_ALTERNATION = "|".join(sorted(PRIORITY_WORDS, key=len, reverse=True))
_PROJECT = rf"(?!(?:this|that|it|me|us|them|the|a|an|{_PRIORITY_ALTERNATION})\b)[A-Za-z][A-Za-z0-9_]{{1,9}}"

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


def split_parts(text: str) -> list[str]:
    """Split on commas, semicolons, sentence ends and ' and ' where the next part starts a known clause."""
    raw_parts = re.split(
        r"\s*[;,]\s*|(?<=[a-z0-9])\.\s+(?=[A-Z])|\s+and\s+(?=(?:assign|priority|prio|due|label|tag)\b)", text
    )
    return [p for p in (part.strip() for part in raw_parts) if p]


_CLAUSES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("summary", re.compile(r"^(?:and\s+)?(?:summary|title)\s*(?:is|=|:)\s*(?P<v>.+)$", re.I)),
    (
        "assignee",
        re.compile(r"^(?:and\s+)?(?:please\s+)?assign(?:ed)?(?:\s+(?:it|this))?(?:\s+to)?\s+(?P<v>.+)$", re.I),
    ),
    ("assignee", re.compile(r"^(?:assignee|owner)\s*(?:is|=|:)?\s*(?P<v>.+)$", re.I)),
    ("assignee", re.compile(r"^(?:and\s+)?(?:leave\s+(?:it\s+)?)?(?P<v>unassigned)$", re.I)),
    (
        "priority",
        re.compile(
            rf"^(?:and\s+)?(?:with\s+)?(?:priority|prio)\s*(?:is|=|:|of)?\s*(?P<v>{_PRIORITY_ALTERNATION})\b", re.I
        ),
    ),
    (
        "priority",
        re.compile(rf"^(?:and\s+)?(?:with\s+)?(?:a\s+)?(?P<v>{_PRIORITY_ALTERNATION})\s+(?:priority|prio)\b", re.I),
    ),
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
    for raw_part in parts:
        part = raw_part.rstrip(".!")
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
            elif name == "assignee":
                found[name] = read_person(value) or value
            else:
                found[name] = value
            break
        else:
            rest.append(raw_part)
    priority = PRIORITY_WORDS.get(found["priority"].lower()) if "priority" in found else None
    clauses = Clauses(
        summary=unquoted(found["summary"]) if "summary" in found else None,
        assignee=found.get("assignee"),
        priority=priority,
        due_text=found["due"].lower() if "due" in found else None,
        labels=tuple(labels),
    )
    return clauses, rest


# ---------------------------------------------------------------------------------------------------------------
# Create an issue


_CREATE_ISSUE = re.compile(
    rf"^(?:{_CREATE_VERBS})\s+"
    rf"(?:(?:this|it)\s+(?:as|in(?:to)?)\s+)?"
    rf"(?:(?:a|an|the)\s+)?(?:new\s+)?"
    rf"(?:(?P<project_before>{_PROJECT})\s+)?"
    rf"(?:(?P<priority>{_PRIORITY_ALTERNATION})(?:[\s-]+(?:priority|prio))?\s+)?"
    rf"(?P<type>{_TYPE_ALTERNATION})\b"
    # 'a bug for this in PAY': the thread reference may come before the project.
    rf"(?:\s+(?:for|about|on|from)\s+(?:this|that|it)\b(?=\s+(?:in|into|for|on|under|to)\s))?"
    rf"(?P<project_clause>\s+(?:in|into|for|on|under|to)\s+(?:the\s+)?(?P<project_after>{_PROJECT})(?:\s+project)?\b)?"
    rf"(?P<rest>.*)$",
    re.I,
)
# 'file this in PAY': a thread filed into a project with no issue type named (grounding asks for one).
_FILE_THIS_IN = re.compile(
    rf"^(?:file|log|raise|open|put|track|add)\s+(?:this|it)(?:\s+(?:in|into|under|to)\s+(?:the\s+)?"
    rf"(?P<project>{_PROJECT})(?:\s+project)?\b)?(?P<rest>(?:\s*,.*)?)$",
    re.I,
)


_FILE_VERB = re.compile(r"^(?:file|raise|track)\b", re.I)  # 'log it' / 'open it' alone could mean other things


def project_key(word: str | None, request: ExtractionInput) -> str | None:
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
    if not refers_to_thread:
        rest = re.sub(r"^(?:to|for|about)\s+(?=\w)", "", rest, flags=re.I)
    rest = rest.strip(" :-\u2014\u2013").rstrip(".!")
    if not rest:
        return None, refers_to_thread
    return capitalised(rest), False


def _free_text_start(text: str, rest_start: int) -> int | None:
    """Where the summary's free text starts, when it is marked (a colon, a dash, a quote, 'called')."""
    marker = re.search(r"[:\"“]|\s[-\u2014\u2013]\s|\b(?:called|titled|named|saying)\b", text[rest_start:], re.I)
    return rest_start + marker.start() if marker else None


# 'to clean up old snapshots by Friday': a due date said at the end of the summary, with its own marker.
_SUMMARY_DUE = re.compile(rf"\s+(?:due\s+(?:on\s+|by\s+)?|by\s+|before\s+)(?P<date>{DATE_PATTERN})$", re.I)


def recognise_create_issue(text: str, request: ExtractionInput) -> Reading | None:
    head_text = bare(text) if not text.rstrip().endswith(('"', "”")) else text.strip()
    issue_type: str | None
    match = _CREATE_ISSUE.match(head_text)
    if match:
        project = _project_after(match, request) or project_key(match["project_before"], request)
        issue_type = ISSUE_TYPE_WORDS[match["type"].lower()]
        rest_text = match["rest"]
        if match["project_clause"] and not _project_after(match, request):
            rest_text = match["project_clause"] + rest_text
        priority = PRIORITY_WORDS.get(match["priority"].lower()) if match["priority"] else None
        if _is_salesforce_task(match["type"], project, rest_text):
            return None
    else:
        match = _FILE_THIS_IN.match(head_text)
        if not match:
            return None
        project, issue_type, rest_text, priority = project_key(match["project"], request), None, match["rest"], None
        if (match["project"] and project is None) or (not match["project"] and not _FILE_VERB.match(head_text)):
            return None
        rest_text = " for this" + rest_text
    rest_start = len(head_text) - len(match["rest"])
    parts = split_parts(rest_text)
    head_rest = parts[0] if parts and not rest_text.lstrip().startswith(",") else ""
    clauses, rest_parts = read_clauses(parts[1:] if head_rest else parts)
    summary, refers_to_thread = _summary_from(head_rest)
    if clauses.summary:
        summary = clauses.summary
    elif summary is None and rest_parts and not refers_to_thread:
        summary, rest_parts = capitalised(rest_parts[0].rstrip(".")), rest_parts[1:]
    if summary is None and refers_to_thread:
        summary = thread_title(request)
    due = parse_date(clauses.due_text, today=request.today) if clauses.due_text else None
    if summary and due is None and not clauses.due_text and (found := _SUMMARY_DUE.search(summary)):
        summary, due = summary[: found.start()], parse_date(found["date"], today=request.today)
    description = "; ".join(p.rstrip(".") for p in rest_parts) if rest_parts else None
    found = JiraCreateIssueRequest(
        project=project,
        issue_type=issue_type,
        summary=summary,
        description=description,
        assignee=clauses.assignee,
        priority=clauses.priority or priority,
        labels=clauses.labels,
        due_date=due,
    )
    return Reading(found, free_text_at=_free_text_start(head_text, rest_start), open_field="description")


def _project_after(match: re.Match[str], request: ExtractionInput) -> str | None:
    return project_key(match["project_after"], request)


_SALESFORCE_HINT = re.compile(
    r"\b(?:salesforce|sfdc|crm|account|opportunity|deal|renewal|contact|follow[\s-]?up|remind|call|email|deck|quote|"
    r"contract|proposal|demo|customer|prospect)\b|\bfor\s+(?:me|<@|[A-Z][a-z]+\b(?!\s+(?:project|board)))",
)


def _is_salesforce_task(type_word: str, project: str | None, rest: str) -> bool:
    """'create a task for me to send the deck' is a Salesforce task: a Jira task names its project."""
    if project or type_word.lower() not in ("task", "todo"):
        return False
    return bool(_SALESFORCE_HINT.search(rest)) or not rest.strip()


def thread_title(request: ExtractionInput) -> str | None:
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


# ---------------------------------------------------------------------------------------------------------------
# Comment

_BODY_LEAD = (
    r"(?:\s*(?::|-|\u2014|\u2013|,)\s*|\s+(?:saying|that\s+says|that|with|with\s+the\s+text)\s*:?\s*|\s+(?=[\"“]))"
)
_COMMENT_NOUN = r"(?:a\s+|an\s+|the\s+)?(?:(?:quick|short|new|private|public)\s+)?(?:comment|note|update|reply)"
_COMMENT_PATTERNS = (
    re.compile(
        rf"^(?:add|leave|post|put|write|drop|make)\s+{_COMMENT_NOUN}\s+(?:on|to|in|under|for)\s+(?P<issue>{ISSUE_REF})"
        rf"(?:{_BODY_LEAD}(?P<body>.*))?$",
        re.I | re.S,
    ),
    re.compile(
        rf"^(?:comment|note|reply|respond|post)\s+(?:on|in|to|under)\s+(?P<issue>{ISSUE_REF})(?:{_BODY_LEAD}(?P<body>.*))?$",
        re.I | re.S,
    ),
    re.compile(
        rf"^(?:add|post|put)\s+to\s+(?P<issue>{ISSUE_REF})\s+as\s+{_COMMENT_NOUN}{_BODY_LEAD}(?P<body>.*)$", re.I | re.S
    ),
    re.compile(
        rf"^(?:update|tell)\s+(?P<issue>{ISSUE_REF})\s+with\s+{_COMMENT_NOUN}{_BODY_LEAD}(?P<body>.*)$", re.I | re.S
    ),
    re.compile(
        rf"^(?:comment|add\s+{_COMMENT_NOUN}|post|write)\s*:?\s*[\"“](?P<body>[^\"”]+)[\"”]\s+(?:on|to|in)\s+(?P<issue>{ISSUE_REF})$",
        re.I,
    ),
    re.compile(rf"^(?:add|leave|post|write|drop)\s+{_COMMENT_NOUN}(?:{_BODY_LEAD}(?P<body>.*))?$", re.I | re.S),
    re.compile(r"^comment\s*(?::|-|\u2014)\s*(?P<body>.*)$", re.I | re.S),
)


def recognise_comment(text: str, request: ExtractionInput) -> Reading | None:
    stripped = text.strip()
    for pattern in _COMMENT_PATTERNS:
        match = pattern.match(stripped)
        if not match:
            continue
        groups = match.groupdict()
        issue, pronoun = issue_value(groups["issue"]) if groups.get("issue") else (None, False)
        body = unquoted(groups.get("body") or "") or None
        at = match.start("body") if groups.get("body") is not None else None
        return Reading(JiraCommentRequest(issue=issue, body=body), free_text_at=at, pronoun=pronoun, open_field="body")
    return None


# ---------------------------------------------------------------------------------------------------------------
# Link

_LINK_PHRASES = {
    "blocks": "blocks",
    "is blocking": "blocks",
    "block": "blocks",
    "blocking": "blocks",
    "is blocked by": "is blocked by",
    "blocked by": "is blocked by",
    "depends on": "is blocked by",
    "is waiting on": "is blocked by",
    "relates to": "relates to",
    "is related to": "relates to",
    "related to": "relates to",
    "related": "relates to",
    "relates": "relates to",
    "duplicates": "duplicates",
    "is a duplicate of": "duplicates",
    "is a dupe of": "duplicates",
    "duplicate of": "duplicates",
    "a duplicate of": "duplicates",
    "a duplicate": "duplicates",
    "duplicate": "duplicates",
    "is duplicated by": "is duplicated by",
    "clones": "clones",
    "is a clone of": "clones",
}
_LINK_ALTERNATION = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(_LINK_PHRASES, key=len, reverse=True))
_LINK_PATTERNS = (
    re.compile(rf"^(?P<a>{ISSUE_REF})\s+(?P<how>{_LINK_ALTERNATION})\s+(?P<b>{ISSUE_REF})$", re.I),
    re.compile(
        rf"^(?:mark|flag|set|make)\s+(?P<a>{ISSUE_REF})\s+(?:as\s+)?(?P<how>{_LINK_ALTERNATION})\s+(?P<b>{ISSUE_REF})$",
        re.I,
    ),
    re.compile(
        rf"^link\s+(?P<a>{ISSUE_REF})\s+(?:to|with|and)\s+(?P<b>{ISSUE_REF})(?:\s+as\s+(?:a\s+)?(?P<how>{_LINK_ALTERNATION}))?$",
        re.I,
    ),
    re.compile(
        rf"^link\s+(?P<a>{ISSUE_REF})\s+(?:to|with|and)\s+(?P<b>{ISSUE_REF})\s*,?\s+(?:since\s+|as\s+|because\s+)?"
        rf"(?:they(?:'re|\s+are)|it(?:'s|\s+is))\s+(?:a\s+)?(?P<how>{_LINK_ALTERNATION})$",
        re.I,
    ),
    re.compile(rf"^link\s+(?P<a>{ISSUE_REF})$", re.I),
)


def recognise_link(text: str, request: ExtractionInput) -> Reading | None:
    t = bare(text)
    for pattern in _LINK_PATTERNS:
        match = pattern.match(t)
        if not match:
            continue
        groups = match.groupdict()
        first, pronoun = issue_value(groups["a"])
        other = issue_value(groups["b"])[0] if groups.get("b") else None
        if other is not None and other == first:
            return None
        how = groups.get("how")
        link_type = _LINK_PHRASES[" ".join(how.lower().split())] if how else None
        return Reading(JiraLinkIssuesRequest(issue=first, other=other, link_type=link_type), pronoun=pronoun)
    return None


# ---------------------------------------------------------------------------------------------------------------
# Changes to one issue: transition, assign, fields


_STATUS = r"[\w/&'-]+(?:\s+(?!and\b)[\w/&'-]+){0,3}"
_STATUS_SYNONYMS = {
    "todo": "To Do",
    "to-do": "To Do",
    "to do": "To Do",
    "backlog": "Backlog",
    "wip": "In Progress",
    "in-progress": "In Progress",
    "inprogress": "In Progress",
    "progress": "In Progress",
    "doing": "In Progress",
    "done": "Done",
}
_VERB_STATUS = {"close": "Done", "resolve": "Done", "finish": "Done", "complete": "Done", "reopen": "To Do"}


def status_value(text: str) -> str | None:
    """A status as written, title-cased when typed in lower case ("in review" -> In Review)."""
    t = " ".join(text.strip(" .!\"'").split())
    t = re.sub(r"^(?:the|a)\s+", "", t, flags=re.I)
    t = re.sub(r"\s+(?:status|column|state|lane|stage)$", "", t, flags=re.I)
    if not t:
        return None
    if t.lower() in _STATUS_SYNONYMS:
        return _STATUS_SYNONYMS[t.lower()]
    return t.title() if t == t.lower() else t


def priority_value(text: str) -> str | None:
    """A priority: the usual words and P0-P4 mapped to Jira's names; anything else kept as written."""
    t = " ".join(text.strip(" .!").split())
    t = re.sub(r"^(?:a\s+)?(?P<p>.+?)(?:\s+(?:priority|prio))?$", r"\g<p>", t, flags=re.I)
    if not t:
        return None
    return PRIORITY_WORDS.get(t.lower()) or (t.title() if t == t.lower() else t)


_PRIORITY_VALUE = re.compile(
    rf"^(?:(?:a\s+)?(?P<p1>{_PRIORITY_ALTERNATION})(?:[\s-]+(?:priority|prio))?|(?:priority|prio)\s+(?P<p2>{_PRIORITY_ALTERNATION}))$",
    re.I,
)

_FIELD_NAMES = {
    "priority": "priority",
    "prio": "priority",
    "due date": "due_date",
    "due-date": "due_date",
    "duedate": "due_date",
    "due": "due_date",
    "deadline": "due_date",
    "summary": "summary",
    "title": "summary",
    "name": "summary",
    "labels": "labels",
    "label": "labels",
    "tags": "labels",
}
_FIELD = r"(?:priority|prio|due[\s-]?date|due|deadline|summary|title|name|labels?|tags)"
_SET_VERB = r"(?:set|change|update|make|move|push|pull|bump|raise|lower|drop|adjust|switch|reset|put|modify|edit|fix)"
_ASSIGNMENT_SPLIT = re.compile(rf"\s*(?:,|;|\s+and\s+)\s*(?:(?:{_SET_VERB})\s+)?(?:the\s+|its\s+)?(?={_FIELD}\b)", re.I)
_ASSIGNMENT = re.compile(rf"^(?P<field>{_FIELD})\b\s*(?:to|as|=|:|is|of|at)?\s*(?P<value>.*)$", re.I)


@dataclass(frozen=True)
class _Fields:
    priority: str | None = None
    due_date: object = None
    summary: str | None = None
    labels: tuple[str, ...] | None = None


def _read_assignments(text: str, request: ExtractionInput) -> dict[str, object] | None:
    """'priority to high and the due date to Friday' -> {priority: High, due_date: ...}; None if any part is not a
    field assignment. A field named without a readable value is present with None (asked for by grounding)."""
    values: dict[str, object] = {}
    for piece in _ASSIGNMENT_SPLIT.split(text.strip()):
        match = _ASSIGNMENT.match(piece.strip())
        if not match:
            return None
        field = _FIELD_NAMES[" ".join(match["field"].lower().split())]
        raw = match["value"].strip()
        if field == "priority":
            values[field] = priority_value(raw) if raw and len(raw.split()) <= 2 else None
        elif field == "due_date":
            date = read_date(raw, today=request.today) if raw else None
            if raw and date is None and len(raw.split()) > 3:
                return None
            values[field] = date[0] if date else None
        elif field == "summary":
            values[field] = capitalised(unquoted(raw)) if raw else None
        else:
            labels = tuple(w.strip("\"'") for w in re.split(r"[\s,]+|\s+and\s+", raw) if w.strip("\"'") and w != "and")
            values[field] = labels or None
    return values


def _fields_request(issue: str | None, values: dict[str, object]) -> JiraUpdateFieldsRequest:
    return JiraUpdateFieldsRequest(
        issue=issue,
        priority=values.get("priority"),  # type: ignore[arg-type]
        due_date=values.get("due_date"),  # type: ignore[arg-type]
        summary=values.get("summary"),  # type: ignore[arg-type]
        labels=values.get("labels"),  # type: ignore[arg-type]
    )


_UNASSIGN = re.compile(
    r"^(?:un-?assign|de-?assign|remove\s+(?:the\s+)?assignee(?:\s+from)?|clear\s+(?:the\s+)?assignee|"
    r"leave\s+unassigned|set\s+(?:it\s+)?(?:to\s+)?unassigned|make\s+unassigned|"
    r"(?:take|remove|drop)\s+(?:me|myself|everyone)\s+off(?:\s+of)?)$",
    re.I,
)
_ASSIGN_PATTERNS = (
    re.compile(r"^(?:re-?)?assign\s+(?:back\s+)?to\s+(?P<person>.+)$", re.I),
    re.compile(r"^(?:give|hand(?:\s+off)?|pass|route|send)(?:\s+over)?\s+to\s+(?P<person>.+)$", re.I),
    re.compile(r"^(?:set|change|update|switch)\s+(?:the\s+)?(?:assignee|owner)\s+(?:to|as)\s+(?P<person>.+)$", re.I),
    re.compile(r"^(?:make|set)\s+(?P<person>.+?)\s+(?:as\s+)?(?:the\s+)?(?:assignee|owner)$", re.I),
    re.compile(r"^(?:re-?)?assign\s+(?P<person>.+)$", re.I),
    re.compile(r"^(?:give|put)\s+(?P<person>.+?)(?:\s+on)?$", re.I),
)
_TAKE_IT = re.compile(
    r"^(?:i'?ll|i\s+will|let\s+me|i\s+can|i'?m\s+going\s+to|i'?m\s+gonna|i\s+want\s+to)\s+(?:take|grab|own|handle|pick\s+up)$",
    re.I,
)

_TRANSITION_PATTERNS = (
    re.compile(
        rf"^(?:move|transition|switch|shift|put|send|drag|bring|take|set|change|update|mark|flag|push)"
        rf"(?:\s+(?:it|back))*\s+(?:to|into|as|under|in)\s+(?P<status>{_STATUS})$",
        re.I,
    ),
    re.compile(rf"^(?:set|change|update|move|switch)\s+(?:the\s+)?status\s+(?:to|as)\s+(?P<status>{_STATUS})$", re.I),
    re.compile(rf"^(?:mark|flag)\s+(?:as\s+)?(?P<status>{_STATUS})$", re.I),
    re.compile(rf"^status\s*(?::|=|to)\s*(?P<status>{_STATUS})$", re.I),
)
_TRANSITION_VERBS = re.compile(
    r"^(?P<verb>close|resolve|finish|complete|reopen|re-open)(?:\s+out)?(?:\s+as\s+(?:done|fixed|resolved|complete))?$",
    re.I,
)
_START_WORK = re.compile(r"^(?:start|begin|pick\s+up|kick\s+off)(?:\s+(?:work(?:ing)?|progress))?(?:\s+on)?$", re.I)
_CAN_BE_CLOSED = re.compile(
    r"^(?:can|should|could|may)\s+be\s+(?:closed|resolved|marked\s+(?:as\s+)?done)(?:\s+now)?$|^is\s+ready\s+to\s+close$",
    re.I,
)
_MOVE_NOWHERE = re.compile(r"^(?:move|transition|change\s+the\s+status(?:\s+of)?|set\s+the\s+status(?:\s+of)?)$", re.I)

_FIELD_CHANGE = re.compile(rf"^(?:{_SET_VERB})\s+(?:the\s+|its\s+)?(?P<assignments>{_FIELD}\b.*)$", re.I)
_VALUE_ONLY = re.compile(
    rf"^(?:{_SET_VERB})(?:\s+it)?\s+(?:back\s+)?(?:to|as|until|till|out\s+to)\s+(?P<value>.+)$", re.I
)
_MAKE_PRIORITY = re.compile(
    rf"^(?:make|mark|set|flag)(?:\s+it)?\s+(?:as\s+)?(?:a\s+)?(?P<value>(?:{_PRIORITY_ALTERNATION})(?:[\s-]+(?:priority|prio))?)$",
    re.I,
)
_RENAME = re.compile(r"^(?:rename|retitle|re-title)\s+(?:it\s+)?(?:to|as)\s*:?\s*(?P<summary>.+)$", re.I)
_IS_DUE = re.compile(
    r"^(?:is|should\s+be|will\s+be|needs\s+to\s+be\s+done|must\s+be\s+done)\s+(?:due\s+)?(?P<date>.+)$", re.I
)
_UPDATE_NOTHING = re.compile(r"^(?:update|edit|change|modify|fix\s+up)$", re.I)
_ADD_LABEL = re.compile(r"^(?:add|append|remove|drop)\s+(?:the\s+|a\s+)?(?:labels?|tags?)\b", re.I)
_CLEAR_FIELD = re.compile(
    r"^(?:remove|clear|unset|delete|drop)\s+(?:the\s+)?(?:due[\s-]?date|deadline|priority|labels?|tags)\b", re.I
)
_DELETE = re.compile(r"^(?:delete|remove|archive|destroy|trash|purge)$", re.I)

# Bare clauses that only complete the request before them ("... Priority low.").
_CONTINUATIONS = (
    re.compile(rf"^(?:with\s+)?(?:priority|prio)\s*(?:is|=|:|of|to)?\s*(?P<priority>{_PRIORITY_ALTERNATION})$", re.I),
    re.compile(rf"^(?:with\s+)?(?:a\s+)?(?P<priority>{_PRIORITY_ALTERNATION})\s+(?:priority|prio)$", re.I),
    re.compile(rf"^(?:due|deadline)\s*(?:date)?\s*(?:is|=|:|on|by)?\s*(?P<date>{DATE})$", re.I),
    re.compile(r"^(?:labels?|tags?|labell?ed|tagged)\b\s*(?:with|as|=|:)?\s*(?P<labels>.+)$", re.I),
)


def recognise_issue_change(text: str, request: ExtractionInput) -> Reading | Unsupported | None:
    """Transition, assign or change the fields of one issue (or of an unnamed one: the field is then None)."""
    t = bare(text)
    mention = find_issue(t)
    if len(re.findall(ISSUE_KEY, t)) > 1:
        return None
    issue = mention.value if mention else None
    pronoun = mention.pronoun if mention else False
    rest = without_issue(t, mention) if mention else t
    rest = re.sub(r"^(\w+(?:\s+back)?)\s+in\s+progress$", r"\1 to in progress", rest, flags=re.I)
    found = _read_change(rest, issue, request)
    if found is None:
        clause = _read_continuation(rest, request)  # 'PAY-10 prio high'; alone, 'priority low' adds to what came before
        if mention is None:
            return Reading(clause, continuation=True) if clause else None
        found = clause.model_copy(update={"issue": issue}) if clause else None
    if isinstance(found, Unsupported) or found is None:
        return found
    return Reading(found, pronoun=pronoun)


def _read_change(
    rest: str, issue: str | None, request: ExtractionInput
) -> JiraTransitionRequest | JiraAssignRequest | JiraUpdateFieldsRequest | Unsupported | None:
    if _ADD_LABEL.match(rest):
        return Unsupported(
            "I can set an issue's whole list of labels but not add or remove one: say "
            "`set the labels of PAY-12 to a, b` with every label it should have."
        )
    if _CLEAR_FIELD.match(rest):
        return Unsupported("I can't clear a field of an issue yet; I can set it to another value.")
    if _DELETE.match(rest):
        return Unsupported("I can't delete issues. I can move one to Done, or comment on it.")
    if _UNASSIGN.match(rest):
        return JiraAssignRequest(issue=issue, assignee=NOBODY)
    if _TAKE_IT.match(rest) and issue is not None:
        return JiraAssignRequest(issue=issue, assignee="me")
    fields = _read_field_change(rest, issue, request)
    if fields is not None:
        return fields
    for pattern in _ASSIGN_PATTERNS:
        match = pattern.match(rest)
        if match:
            person = read_person(match["person"])
            # with no issue named, only a clear person: "assign blame" is not a request
            if person is not None and (issue is not None or not person[:1].islower()):
                return JiraAssignRequest(issue=issue, assignee=person)
    if re.fullmatch(r"(?:re-?)?assign", rest, re.I):
        return JiraAssignRequest(issue=issue)
    if issue is None:
        return None  # a status change names its issue; "move to Negotiation" is someone else's
    verb = _TRANSITION_VERBS.match(rest)
    if verb:
        return JiraTransitionRequest(issue=issue, status=_VERB_STATUS[verb["verb"].lower().replace("-", "")])
    if _START_WORK.match(rest):
        return JiraTransitionRequest(issue=issue, status="In Progress")
    if _CAN_BE_CLOSED.match(rest):
        return JiraTransitionRequest(issue=issue, status="Done")
    if _MOVE_NOWHERE.match(rest):
        return JiraTransitionRequest(issue=issue)
    for pattern in _TRANSITION_PATTERNS:
        match = pattern.match(rest)
        if match:
            return JiraTransitionRequest(issue=issue, status=status_value(match["status"]))
    if _UPDATE_NOTHING.match(rest):
        return JiraUpdateFieldsRequest(issue=issue)
    return None


def _read_field_change(rest: str, issue: str | None, request: ExtractionInput) -> JiraUpdateFieldsRequest | None:
    match = _FIELD_CHANGE.match(rest)
    if match:
        values = _read_assignments(match["assignments"], request)
        if values is not None and (issue is not None or values):
            return _fields_request(issue, values)
    match = _RENAME.match(rest)
    if match:
        return JiraUpdateFieldsRequest(issue=issue, summary=capitalised(unquoted(match["summary"])))
    match = _MAKE_PRIORITY.match(rest)
    if match:
        return JiraUpdateFieldsRequest(issue=issue, priority=priority_value(match["value"]))
    match = _VALUE_ONLY.match(rest)
    if match:
        value = match["value"].strip()
        if _PRIORITY_VALUE.match(value):
            return JiraUpdateFieldsRequest(issue=issue, priority=priority_value(value))
        date = read_date(value, today=request.today)
        if date is not None and issue is not None:
            return JiraUpdateFieldsRequest(issue=issue, due_date=date[0])
    if issue is not None:
        match = _IS_DUE.match(rest)
        if match:
            date = read_date(match["date"], today=request.today)
            if date is not None:
                return JiraUpdateFieldsRequest(issue=issue, due_date=date[0])
    return None


def _read_continuation(rest: str, request: ExtractionInput) -> JiraUpdateFieldsRequest | None:
    for pattern in _CONTINUATIONS:
        match = pattern.match(rest)
        if not match:
            continue
        groups = match.groupdict()
        if groups.get("priority"):
            return JiraUpdateFieldsRequest(priority=PRIORITY_WORDS[groups["priority"].lower()])
        if groups.get("date"):
            return JiraUpdateFieldsRequest(due_date=parse_date(groups["date"], today=request.today))
        labels = tuple(w for w in re.split(r"[\s,]+", groups["labels"]) if w and w.lower() != "and")
        return JiraUpdateFieldsRequest(labels=labels or None)
    return None
