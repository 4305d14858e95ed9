"""Frames: each reads one kind of request at the head of a piece of text, wherever its words sit around the things it
names, and says how much of the text it used.

A frame names what it needs with shared patterns (``ISSUE_REF``, ``DATE``, a name checked by the lexicon) and reads
values with the lexicon, so the systems' own statuses, stages, accounts and people are understood wherever they
appear. Frames are tried in order (``FRAMES``); the first that reads the head wins. A frame never fills a field from
words it is not sure of: the field stays None and grounding asks.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from approvals.core.intents import (
    ACCOUNT_OWNER,
    NOBODY,
    OPPORTUNITY_OWNER,
    FollowUpRequest,
    JiraAssignRequest,
    JiraCommentRequest,
    JiraCreateIssueRequest,
    JiraLinkIssuesRequest,
    JiraTransitionRequest,
    JiraUpdateFieldsRequest,
    SalesforceCreateContactRequest,
    SalesforceCreateTaskRequest,
    SalesforceLogCallRequest,
    SalesforceUpdateContactRequest,
    SalesforceUpdateOpportunityRequest,
)
from understanding.dates import parse_date
from understanding.follow_ups import follow_up
from understanding.lexicon import EMAIL, LINK_PATTERN, LINK_TYPES, MENTION, PHONE, Record
from understanding.mapped import Mapped
from understanding.named_fields import read_terse_change
from understanding.reading import (
    AMOUNT,
    BOUNDARY,
    CANNOT_TELL,
    DATE,
    GOVERNING,
    ISSUE_REF,
    KEY,
    POLITE_TAIL,
    QUOTED_WORDS,
    UNCHANGED,
    VAGUE_DATE,
    Continuation,
    Ctx,
    Filler,
    Item,
    Read,
    Unsupported,
    capitalised,
    clean,
    free_text,
    issue_value,
    read_date,
    read_money,
    unclear_date,
)
from understanding.reads import read_question
from understanding.text import NOT_THE_OLD_AMOUNT, unquoted

Frame = Callable[[Mapped, Ctx], tuple[Item, int] | None]

_I = re.I
NAME = r"(?:<@[uw][a-z0-9]+(?:\|[^>]*)?>|[a-z][\w'.-]*(?:\s+[a-z][\w'.-]*){0,2}?)"
"""A person or contact as written: a mention or one to three words (checked by the lexicon afterwards)."""
RECORD = r"(?:the\s+|our\s+|their\s+)?[a-z0-9][\w&.'/-]*(?:\s+[a-z0-9][\w&.'/-]*){0,5}?"
LEAD = (
    r"(?:(?:and|then|also|plus|so|ok|okay|oh|hey|hi|yo|now|finally|lastly|alright|cool|great|(?:i\s+)?(?:just\s+)?(?:remembered|"
    r"reali[sz]ed)(?:\s+that)?|(?:i\s+)?forgot\s+to\s+(?:say|mention)(?:\s+that)?)\b[\s,:-]*)*"
)


def _m(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _I)


def _end(match: re.Match[str], low: str) -> int:
    """Where a frame's text ends: after the match and any politeness that follows it."""
    tail = re.match(POLITE_TAIL, low[match.end() :], _I)
    return match.end() + (tail.end() if tail else 0)


def _issue(match: re.Match[str], group: str, ctx: Ctx) -> tuple[str | None, bool]:
    ref = match[group]
    if ref is None:
        return None, False
    return issue_value(ref, ctx)


def _text(piece: Mapped, match: re.Match[str], group: str) -> str | None:
    if match[group] is None:
        return None
    return free_text(piece, match.start(group), match.end(group)) or None


# ---------------------------------------------------------------------------------------------------------------
# Jira: create an issue


_CREATE_VERB = (
    r"(?:create|file|open|raise|log|add|make|report|submit|enter|put\s+in|write\s+up|spin\s+up|start|cut|need|drop|throw|pop|"
    r"(?:we|i)\s+(?:need|want|should\s+have|could\s+use)|(?:(?:we|i)(?:'re|'m|\s+are|\s+am)?\s+)?going\s+to\s+need|(?:can|could)\s+(?:we|you|i)\s+(?:get|have)|let'?s\s+(?:get|have|open|file|creat"
    r"e))"
)
_CREATE_HEAD = _m(
    rf"^(?:(?P<verb>{_CREATE_VERB})\s+)?(?P<desc>(?:(?!\s*[:\"]|\s*->|\s+-\s|\s+(?:to|about|saying|that|called|titled|named"
    rf"|re|and|with\s+(?:the\s+|a\s+)?(?:title|summary|name))\s)"
    rf"[^,.;:!?\"])+?)"
    rf"(?P<sep>\s*:\s*|\s*->\s*|\s+-+\s+|\s*[\u2014\u2013]\s*|\s+\"|\s+(?:to|about|saying|that|called|titled|named|re)\s+|\s+with\s+(?:th"
    rf"e\s+|a\s+)?(?:title|summary|name)(?:\s+of)?(?:\s*:\s*|\s+)|\s*,"
    rf"\s*|"
    rf"(?=\s+and\s)|{POLITE_TAIL}\s*[.!?]*\s*$)"
)
_DESC_WORDS = frozenset(
    re.findall(
        r"\S+",
        "a an the new another quick jira ticket issue for this that it as in on under to into please p0 p1 p2 p3 p4 "
        "project two three four couple few some priority high highest low lowest medium urgent critical blocker one "
        "2 3 4 5 opened filed created raised logged up asap please quickly urgently now something",
    )
)
_TYPE_WORDS = frozenset(
    {
        "bug",
        "bugs",
        "defect",
        "defects",
        "task",
        "tasks",
        "chore",
        "todo",
        "story",
        "stories",
        "feature",
        "epic",
        "ticket",
        "tickets",
        "issue",
        "issues",
    }
)
DESCRIPTION_LABEL = r"(?:description|details|desc)"
"""The words that label a new issue's description ("with the description: ...", ", details: ...")."""
_CONTINUATION_START = _m(
    r"^\s*(?:,|\.|;|\s-\s|\s+and\b|\s+with\b)\s*(?:(?:please|and|also|then|it'?s|make\s+it|set\s+it\s+to)\s+)*"
    r"(?:assign(?:ed)?\b|give\s+it\s+to\b|for\s+[a-z]+\s*$|(?:(?:set\s+)?(?:the\s+)?priority|prio)\b|p[0-5]\b|"
    r"(?:highest|high|medium|low|lowest|urgent|critical|blocker|trivial)(?:\s+priority)?\s*(?:$|,|\.)|due\b|deadline\b|"
    r"by\s+(?:" + DATE + r")\b|labels?\b|tags?\b|labell?ed\b|tagged\b|leave\s+it\s+unassigned|unassigned\b|component\b|"
    r"epic\b|(?:assignee|owner)\b\s*(?::|is\b|=)?\s*\S|(?:summary|title)\s*(?::|=|is\b)|another\s+(?:one\s+)?(?:in|for)\s|"
    r"[a-z][\w.-]*(?:\s+[a-z][\w.-]*)?(?:'s|\s+is)\s+(?:the\s+)?(?:assignee|owner)\s*(?:$|[,.;])|[a-z][\w.-]*\s+owns\s+(?:it|this)\b|"
    rf"(?:the\s+|a\s+)?{DESCRIPTION_LABEL}\s*(?::|=|is\b))"
)


def _summary_end(low: str, start: int) -> int:
    """Where a summary that starts at ``start`` ends: before a clause that sets a field of the new issue, or at the
    end of the sentence."""
    for match in re.finditer(r",|\.\s|;|\s-\s|\s+and\s+|\s+with\s+", low[start:]):
        position = start + match.start()
        if _CONTINUATION_START.match(low[position:]):
            return position
    tail = re.search(r"[.!?]*\s*$", low[start:])
    return start + (tail.start() if tail else len(low) - start)


_TO_BACKLOG = _m(
    r"^(?:please\s+)?(?:add|put|throw|drop|stick)\s+(?:this\s+|it\s+|that\s+)?(?:to|on|in|into|onto)\s+(?:the\s+)?"
    r"(?P<project>[a-z][a-z0-9]{1,9})\s+(?:backlog|board|queue|project)\s*(?::|-)\s*(?P<summary>.+)$"
)
_QUOTED_INTO_PROJECT = _m(
    r"^(?:please\s+)?(?:add|put|file|log|open|raise|create|throw|drop|stick)\s+\"(?P<summary>[^\"]{3,})\"\s+(?:to|in|into|on|"
    r"onto|under)\s+(?:the\s+)?(?P<project>[a-z][a-z0-9]{1,9})(?!-\d)(?:\s+(?:backlog|board|queue|project))?(?:\s+as\s+(?:an?"
    r"\s+)?(?:\w+\s+or\s+(?:an?\s+)?\w+|(?P<type>bug|task|story|ticket)))?\b"
)
"""'add "Refresh the on-call handbook" to OPS': a new issue, its summary quoted; the type only when one is said."""
NUMBERED = re.compile(r"\s*\(?(?P<n>[1-9])[.)]\s+")
"""The number of an item in a list written on one line ("1) rotate the certs 2) audit old users")."""


def numbered_items(text: str) -> list[tuple[int, int]] | None:
    """The spans of "1) rotate the certs 2) audit old users" (two items or more, numbered from 1), or None."""
    marks = list(NUMBERED.finditer(text))
    if len(marks) < 2 or marks[0].start() != 0 or [int(m["n"]) for m in marks] != list(range(1, len(marks) + 1)):
        return None
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return [(m.end(), end) for m, end in zip(marks, ends, strict=True)]


_THREAD_AS_ISSUE = [
    # "bug this in PAY", "ticket this for PAY", "jira this (PAY)"
    _m(
        r"^(?:please\s+)?(?P<type>bug|ticket|jira|task|story)\s+(?:this|it|that)(?:\s+one)?(?:\s+up)?\s*(?:(?:in|for|to|under"
        r"|into)\s+(?:the\s+)?|\(\s*)(?P<project>[a-z][a-z0-9]{1,9})\b\s*\)?"
    ),
    # "PAY bug for this one", "a PAY ticket for this"
    _m(
        r"^(?:please\s+)?(?:an?\s+)?(?P<project>[a-z][a-z0-9]{1,9})\s+(?P<type>bug|ticket|task|story|issue)\s+(?:for|about|on)\s+"
        r"(?:this|it|that)(?:\s+one|\s+thread)?\b"
    ),
    # "this needs a bug in PAY", "this should be a PAY ticket"
    _m(
        r"^(?:this|it|that)(?:\s+one)?\s+(?:needs|deserves|should\s+(?:be|get|have))\s+(?:an?\s+)?(?:(?P<project_first>[a-z][a"
        r"-z0-9]{1,9})\s+)?(?P<type>bug|ticket|task|story|issue)(?:\s+(?:in|for)\s+(?P<project>[a-z][a-z0-9]{1,9}))?\b"
    ),
]
_THREAD_AS_ISSUE += [
    # "turn this into a PAY bug", "make it a bug in PAY", "convert this to an OPS ticket"
    _m(
        r"^(?:please\s+)?(?:turn|make|convert|change)\s+(?:this|it|that)(?:\s+one)?\s+(?:in)?to\s+(?:an?\s+)?(?:(?P<project_first"
        r">[a-z][a-z0-9]{1,9})\s+)?(?P<type>bug|ticket|task|story|issue|jira)(?:\s+(?:in|for|under)\s+(?P<project>[a-z][a-z0-9]{1,"
        r"9}))?\b"
    ),
    # "let's file this - bug in PAY", "log it: ticket for OPS"
    _m(
        r"^(?:let'?s\s+)?(?:please\s+)?(?:file|log|open|raise|create)\s+(?:this|it|that)(?:\s+one)?\s*(?:-|:|,)\s*(?:an?\s+)?(?P"
        r"<type>bug|ticket|task|story|issue)\s+(?:in|for|under|to)\s+(?P<project>[a-z][a-z0-9]{1,9})\b"
    ),
    # "get this logged in PAY", "get it filed under OPS": the project only, the type is asked
    _m(
        r"^(?:please\s+)?(?:(?:can|could)\s+you\s+)?get\s+(?:this|it|that)(?:\s+one)?\s+(?:logged|filed|ticketed|tracked|in|into|up)"
        r"(?:\s+(?:in|into|under|as))?\s+(?:the\s+)?(?P<project>[a-z][a-z0-9]{1,9})(?!-\d)(?:\s+(?:backlog|board|project))?(?:\s+as"
        r"\s+an?\s+(?P<type>bug|ticket|task|story))?\b"
    ),
    # "get a PAY bug in for the coupon thing above": the thread, filed
    _m(
        r"^(?:please\s+)?(?:(?:can|could)\s+you\s+)?get\s+(?:an?\s+)?(?P<project>[a-z][a-z0-9]{1,9})\s+(?P<type>bug|ticket|task|sto"
        r"ry|issue)\s+(?:in|filed|opened|logged|up|going)\b(?:\s+for\s+(?:this|that|it|the\s+[\w\s'-]{1,40}?(?:above|here|in\s+"
        r"this\s+thread)))?"
    ),
    # "put this in OPS", "throw it into the PAY backlog": the project only, the type is asked
    _m(
        r"^(?:please\s+)?(?:put|throw|drop|stick|file|log)\s+(?:this|it|that)(?:\s+one)?\s+(?:in|into|under|on)\s+(?:the"
        r"\s+)?(?P<project>[a-z][a-z0-9]{1,9})(?!-\d)(?:\s+(?:backlog|board|project|queue))?(?P<type>)\b"
    ),
]
_THREAD_AS_ISSUE.append(
    # "file in OPS as a bug, p1": the thread, its project and type said, the object left out
    _m(
        r"^(?:please\s+)?(?:file|log|open|raise)\s+(?:in|into|under|to)\s+(?:the\s+)?(?P<project>[a-z][a-z0-9]{1,9})(?!-\d)(?:\s+(?:"
        r"backlog|board|project|queue))?(?:\s+as\s+an?\s+(?P<type>bug|ticket|task|story))?\b(?!\s*[:\"\u2014\u2013-])"
    )
)
_THREAD_TYPES = {"bug": "Bug", "ticket": "Task", "task": "Task", "story": "Story"}
"""The issue type each noun names (a "ticket" is a Task, as every labelled set reads it; "jira", "issue": none)."""


def _thread_as_issue(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    """The thread filed as an issue of a project, said with the issue's noun as the verb or the object ("bug this in
    PAY", "PAY bug for this one pls", "this needs a bug in PAY"): the thread's first message is its summary."""
    low = piece.text.lower()
    for pattern in _THREAD_AS_ISSUE:
        match = pattern.match(low)
        if match is None:
            continue
        project = match.groupdict().get("project") or match.groupdict().get("project_first")
        if not project or project.upper() not in ctx.lexicon.projects:
            continue
        end = _end(match, low)
        assignee = None
        owner = re.match(rf"\s+(?:for|to)\s+(?P<who>{NAME}){BOUNDARY}", low[end:])
        if owner is not None:
            # "get this into PAY for Alice": whose it is
            assignee = ctx.lexicon.person(piece.source(end + owner.start("who"), end + owner.end("who")))
            end += owner.end() if assignee is not None else 0
        request = JiraCreateIssueRequest(
            project=project.upper(),
            issue_type=_THREAD_TYPES.get(match["type"]),
            summary=ctx.thread_summary,
            assignee=assignee,
        )
        return Read(request), end
    return None


def create_issue(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    low = piece.text.lower()
    found = _thread_as_issue(piece, ctx)
    if found is not None:
        return found
    backlog = _TO_BACKLOG.match(low)
    if (
        backlog is not None
        and ctx.lexicon.is_project(backlog["project"])
        and (backlog["project"].upper() in ctx.lexicon.projects or not ctx.lexicon.projects)
    ):
        # "add to the PAY backlog: remove the feature flag": the type is not said, grounding asks for it
        stop = _summary_end(low, backlog.start("summary"))
        summary = capitalised(free_text(piece, backlog.start("summary"), stop))
        request = JiraCreateIssueRequest(project=backlog["project"].upper(), summary=summary)
        return Read(request, open_field="description"), stop
    quoted = _QUOTED_INTO_PROJECT.match(low)
    if quoted is not None and quoted["project"].upper() in ctx.lexicon.projects:
        summary = capitalised(free_text(piece, quoted.start("summary"), quoted.end("summary")))
        kind = _THREAD_TYPES.get(quoted["type"] or "")
        request = JiraCreateIssueRequest(project=quoted["project"].upper(), issue_type=kind, summary=summary)
        return Read(request, open_field="description"), _end(quoted, low)
    head = _CREATE_HEAD.match(low)
    if head is None:
        return None
    desc = head["desc"]
    if re.match(rf"(?:to|on|onto|into)\s+(?:{ISSUE_REF})\s*$", desc):
        return None  # "add to the ticket: ...": more on an issue that exists, not a new one
    words = re.findall(r"[\w'-]+", desc)
    lexicon = ctx.lexicon
    types = [w for w in words if w in _TYPE_WORDS or lexicon.issue_type(w)]
    projects = [
        w
        for w in re.findall(r"[A-Za-z][A-Za-z0-9]{1,9}", piece.text[head.start("desc") : head.end("desc")])
        if lexicon.is_project(w) and (w.upper() in lexicon.projects or (not lexicon.projects and w.isupper()))
    ]
    verb = head["verb"]
    sep_word = head["sep"].strip()
    if sep_word in ("to", "for", "in") or sep_word.startswith("to"):
        # "add a story to PAY: ...": the project, not the start of a summary
        after = re.match(
            r"\s*(?P<project>[a-z][a-z0-9]{1,9})\b(?P<sep>\s*:\s*|\s*->\s*|\s+-+\s+|\s*[.!?]*\s*$|\s*,\s*)",
            low[head.end() :],
        )
        written_project = piece.text[head.end() : head.end() + len(after["project"]) + 5].strip() if after else ""
        if after is not None and (
            after["project"].upper() in lexicon.projects or (not lexicon.projects and written_project[:2].isupper())
        ):
            projects = [after["project"]]
            head_end = head.end() + after.end()
            return _create_with(
                piece, ctx, low, desc, words, types, projects, verb, after["sep"], head_end, head.start("desc")
            )
    if not types and projects and re.fullmatch(r"(?:a\s+)?new\s+one\s+(?:in|for|on)\s+[a-z][a-z0-9]*", desc):
        pass  # "new one in OPS: rotate pager creds": an issue, its type not said (grounding asks)
    elif not types:
        if (
            verb
            and re.match(r"(?:file|open|raise|create|log|drop|throw|pop|put)\b", verb)
            and (projects or re.search(r"\bthis\b", desc))
        ):
            # "file this in PAY", "file a P0 in PAY: ...": no type named, grounding asks (other words: not a new issue)
            named = (
                set(re.findall(r"[\w'-]+", desc))
                - _DESC_WORDS
                - {"this", "it", "that", "something", "one", "item"}
                - {p.lower() for p in projects}
            )
            if named:
                return None
        else:
            return None
    return _create_with(
        piece, ctx, low, desc, words, types, projects, verb, head["sep"], head.end(), head.start("desc")
    )


_DESCRIBED = _m(
    rf"\s*[,;.]?\s*(?:and\s+)?(?:with\s+)?(?:the\s+|a\s+)?{DESCRIPTION_LABEL}\s*(?::|=|-|is\b|saying\b)\s*(?P<d>\S.*)$"
)


def _create_with(
    piece: Mapped,
    ctx: Ctx,
    low: str,
    desc: str,
    words: list[str],
    types: list[str],
    projects: list[str],
    verb: str | None,
    raw_sep: str,
    head_end: int,
    desc_start: int,
) -> tuple[Item, int] | None:
    lexicon = ctx.lexicon
    starts_new = (
        bool(re.match(r"(?:a\s+|an\s+)?(?:new|another)\b", desc))
        or bool(
            # "bug pls, title ...": a Jira type said alone, as the ask
            re.fullmatch(r"(?:a\s+|an\s+)?(?:bug|defect|story|epic|ticket)(?:\s+(?:please|asap|quick))?", desc)
        )
        or bool(re.match(rf"(?:p[0-5]\s+)?(?:{'|'.join(_TYPE_WORDS)})\s+(?:for|in|on)\s+[a-z]", desc))
    )
    jira_nouns = {"bug", "bugs", "defect", "ticket", "issue", "story", "epic", "feature"}
    named = raw_sep.strip() in (":", "->") and types and (projects or jira_nouns & set(types))
    if verb is None and not starts_new and not named:
        return None  # "OPS task for juan: upgrade postgres" names its project and type before a colon: a new issue
    jira_words = {"bug", "bugs", "defect", "ticket", "issue", "story", "epic", "feature"}
    if verb in ("log", "add", "start", "make", "open") and not (projects or jira_words & set(types)):
        return None  # "log a call", "add a task for Erin", "make me a task": not a Jira issue
    if not types and not projects and not re.search(r"\bthis\b", desc):
        return None
    # Who it is for: "a task in PAY for sam lee" (an assignee); "a task for erin" with no project is Salesforce's.
    person_for = re.search(
        r"\bfor\s+(?P<who>(?!this\b|that\b|it\b)[a-z][\w'.-]*(?:\s+(?!please\b)[a-z][\w'.-]*)?)(?:\s+please)?\s*$", desc
    )
    if person_for is not None and all(w.upper() in lexicon.projects for w in person_for["who"].split()):
        person_for = None  # "bug for OPS": the project
    assignee = None
    what_for: re.Match[str] | None = None
    if person_for is not None:
        who = lexicon.person(piece.source(desc_start + person_for.start("who"), desc_start + person_for.end("who")))
        if who is None:
            person_for = None
        elif not projects:
            return None  # "create a task for Erin": a Salesforce task
        else:
            assignee = who
    if person_for is None and projects:
        # "put in a ticket in OPS for rotating keys": what the issue is for, its summary
        what_for = re.search(r"\bfor\s+(?P<what>(?!this\b|that\b|it\b|the\s+thread\b)[a-z].*)$", desc)
        if what_for is not None and what_for["what"].split()[0].upper() in lexicon.projects:
            what_for = None
    if what_for is not None:
        desc, words = desc[: what_for.start()], re.findall(r"[\w'-]+", desc[: what_for.start()])
    project_words = {p.lower() for p in projects}
    leftover = [
        w
        for w in words
        if w not in _DESC_WORDS
        and w not in _TYPE_WORDS
        and not lexicon.issue_type(w)
        and w not in project_words
        and w.upper() not in lexicon.projects
        and not (person_for and w in person_for["who"].split())
    ]
    if leftover:
        unknown_project = re.search(
            r"\b(?:in|into|under)\s+(?:the\s+)?(?P<p>[a-z][a-z0-9]{1,9})(?:\s+project)?\s*$", desc
        )
        if not (types and unknown_project and leftover == [unknown_project["p"]]):
            return None
        # "log a defect in pay" where no project PAY is known: the kind is clear, grounding asks for the project
    issue_type = next((lexicon.issue_type(t) for t in types if lexicon.issue_type(t)), None)
    if issue_type == "Task" and not projects and not re.search(r"\b(?:jira|ticket)\b", desc):
        return None  # a task with no project: a Salesforce task reads it (or nobody, and the parser asks)
    if "issue" in types and issue_type == "Task" and not re.search(r"\bticket\b", desc):
        issue_type = None
    priority = None
    prio = re.search(r"\b(p[0-5])\b|\b(highest|high|medium|low|lowest|urgent|critical|blocker)(?:\s+priority)?\b", desc)
    if prio:
        priority = lexicon.priority(prio[0])
    fields: dict[str, Any] = {
        "project": projects[0].upper() if projects else None,
        "issue_type": issue_type,
        "priority": priority,
        "assignee": assignee,
    }
    sep = raw_sep.strip()
    end = head_end
    if sep == ",":
        extra = re.match(
            r"\s*(?:(?P<prio>p[0-5]|highest|high|medium|low|lowest|urgent|critical|blocker)(?:\s+priority)?|(?:summar"
            r"y|title))\s*(?P<sep>:|-|\")\s*",
            low[head_end:],
        )
        if extra is not None:
            if extra["prio"]:
                fields["priority"] = lexicon.priority(extra["prio"])
            sep = extra["sep"]
            end = head_end + extra.end()
    summary: str | None = None
    about_thread = bool(re.search(r"\b(?:this|that|it)\b", desc)) and not sep.startswith(
        ("to", "about", "saying", "that", ":", "-", '"')
    )
    if sep in (":", "-", "--", "->", "\u2014", "\u2013", '"') or sep.startswith(
        ("to", "about", "saying", "that", "called", "titled", "named", "re", "with")
    ):
        start = end - (1 if sep == '"' else 0)
        stop = _summary_end(low, start)
        quoted = re.match(r'\s*"[^"]+"', low[start:])
        if quoted is not None:
            stop = start + quoted.end()  # 'called "X" for Acme': the summary is what the quotes hold, no more
        following = next_request_at(low, start)
        if following is not None and following < stop and _starts_request(piece.slice(following, len(low)), ctx):
            stop = following  # "..., and make sure alice fixes it by Wednesday": a request of its own
        trailing = re.search(rf"\s+(?:by|due(?:\s+on)?|before)\s+(?P<date>{DATE})\s*$", low[start:stop], _I)
        if trailing is not None:
            fields["due_date"] = parse_date(trailing["date"], today=ctx.today, order=ctx.order)
            stop = start + trailing.start()
        items = numbered_items(low[start:stop])
        if items is not None:
            # "two tickets in OPS: 1) rotate the vpn certs 2) audit old IAM users": one issue per item, the first
            # here and the others read as more of the same (parser: numbered items)
            stop = start + items[0][1]
            start += items[0][0]
        raw = free_text(piece, start, stop)
        raw = unquoted(raw)
        marked = re.fullmatch(r"(?:(?P<lead>p[0-4])\s*[:-]?\s+)?(?P<rest>.+?)(?:\s*[,-]?\s+(?P<tail>p[0-4]))?", raw, _I)
        if marked is not None and (marked["lead"] or marked["tail"]) and not fields.get("priority"):
            # "checkout broken P1", "P1: checkout broken": the priority, not words of the summary
            fields["priority"] = lexicon.priority(marked["lead"] or marked["tail"])
            raw = marked["rest"]
        summary = capitalised(raw) if raw else None
        end = stop
    elif what_for is not None:
        start = desc_start + what_for.start("what")
        summary = capitalised(free_text(piece, start, desc_start + what_for.end("what")))
    elif about_thread or re.search(r"\bfor\s+(?:this|that|it)\b", desc):
        summary = ctx.thread_summary
    else:
        end = head_end - len(raw_sep) if raw_sep.strip() == "," else head_end
    fields["summary"] = summary
    described = _DESCRIBED.match(low[end:]) if summary else None
    if described is not None:
        # '"Check SPF records", with the description: replies land in spam': the rest is the description
        fields["description"] = free_text(piece, end + described.start("d"), len(low)) or None
        end = len(low)
    request = JiraCreateIssueRequest(**{k: v for k, v in fields.items() if v is not None})
    # Sentences after a summary that was written out describe the issue ("... : Crash on checkout. Seen on iOS 17.")
    return Read(request, open_field="description" if summary and summary != ctx.thread_summary else None), end


# ---------------------------------------------------------------------------------------------------------------
# Jira: comment


_COMMENT_FRAMES = [
    _m(
        rf"^(?:add|leave|post|put|write|drop|make)\s+(?:a\s+|an\s+|the\s+|this\s+(?:as\s+a\s+)?|my\s+)?(?:quick\s+|sh"
        rf"ort\s+|internal\s+)?"
        rf"(?:comment|note|reply|update)\s+(?:to|on|in|for|under)\s+(?P<issue>{ISSUE_REF})(?:\s+(?:too|also|as\s+well))?"
        rf"(?P<sep>\s*(?::|->|-|,)?\s*(?:saying|that|with|which\s+says|(?:as\s+follows|like\s+this|as\s+below|stating)\s*:?|:)?"
        rf"\s*)(?P<body>.*)$"
    ),
    _m(
        rf"^(?:comment|note|reply)\s+(?:on|in|to|under|for)?\s*(?P<issue>{ISSUE_REF})(?:\s+(?:too|also|as\s+well))?\s*"
        rf"(?P<sep>(?::|->|-|,|with|saying|that|(?:as\s+follows|like\s+this|as\s+below|stating)\s*:?)?\s*)(?P<body>.*)$"
    ),
    _m(
        rf"^(?:(?:add|leave|post|write|put|drop)\s+(?:a\s+|an\s+|the\s+|this\s+)?)?(?:comment|note)\s+(?P<body>\".+?\")\s+"
        rf"(?:on|to|in|under)\s+(?P<issue>{ISSUE_REF})(?P<sep>){BOUNDARY}"
    ),
    _m(rf"^(?P<issue>{KEY})\s*(?:-|:)?\s*(?:comment|note|update)\s*(?P<sep>:|->|-)\s*(?P<body>.+)$"),
    # "what's PAY-10 at? and add a comment there: ...": on the issue named before
    _m(
        r"^(?:add|leave|post|put|drop|write)\s+(?:a\s+|an\s+|the\s+)?(?:quick\s+)?(?:comment|note)\s+(?:there|on\s+(?:it|that)|to\s+it)"
        r"(?P<issue>)\s*(?P<sep>:|->|-)\s*(?P<body>.+)$"
    ),
    # "PAY-12: comment 'fixed in 4.18.2' then close it", "add this to PAY-8 as a comment, word for word: "...""
    _m(rf"^(?P<issue>{KEY})\s*(?:-|:)?\s*(?:add\s+(?:a\s+)?)?(?:comment|note)\s+(?P<sep>)(?P<body>[\"'].+)$"),
    _m(
        rf"^(?:please\s+)?(?:add|post|put|paste)\s+(?:this|that|it|the\s+following)\s+(?:to|on|in|under)\s+(?P<issue>"
        rf"{ISSUE_REF})\s+as\s+(?:a\s+|an\s+)?(?:comment|note)(?P<sep>\s*[,:-]?\s*(?:(?:word\s+for\s+word|verbatim|exac"
        rf"tly|as\s+is)\s*)?:?\s*)(?P<body>.*)$"
    ),
    _m(rf"^add\s+to\s+(?P<issue>{ISSUE_REF})(?:\s+as\s+a\s+(?:comment|note))?\s*(?P<sep>:|->|-)\s*(?P<body>.+)$"),
    _m(rf"^reply\s+(?:on|to)\s+(?P<issue>{ISSUE_REF})\s+(?P<sep>with\s*:?\s*|:\s*)(?P<body>.+)$"),
    _m(
        rf"^(?:post|write|put|add)\s+(?:on|to|in|into|under)\s+(?P<issue>{ISSUE_REF})(?:\s+(?:a|an|the|this|my)?\s*(?:comment|note))?\s*"
        rf"(?P<sep>:|->|-)\s*(?P<body>.+)$"
    ),
    _m(
        r"^(?:(?:add|leave|post|write|drop)\s+(?:a\s+|an\s+|the\s+|this\s+)?)?(?:comment|note)\s*(?P<sep>:)\s*(?P<bod"
        r"y>.+)$(?P<issue>)"
    ),
    # "..., and leave a comment saying fixed in 4.2.1": on the issue the message named before
    _m(
        r"^(?:add|leave|post|write|drop|put)\s+(?:a\s+|an\s+|the\s+)?(?:quick\s+|short\s+)?(?:comment|note)\s+(?P<sep>sayi"
        r"ng\s+|that\s+says\s+|that\s+|with\s+|(?=[\"']))(?P<body>.+)$(?P<issue>)"
    ),
    _m(rf"^(?:tell|let)\s+(?P<issue>{KEY})\s+(?P<sep>that\s+)(?P<body>.+)$"),
    # "PAY-10 needs a note from us before the review": a comment, what it says asked
    _m(
        rf"^(?P<issue>{KEY})\s+(?:needs|could\s+use|should\s+get)\s+(?:a|an)\s+(?:comment|note|update)\b[^,;]*?(?P<sep>)(?P<body>){BOUNDARY}"
    ),
    # "add my notes to PAY-11 as a comment": a comment whose text is not in the message (grounding asks for it)
    _m(
        rf"^(?:please\s+)?(?:add|post|put|copy|paste)\s+(?:my|our|the|these|those|his|her|their|your)\s+(?:notes?|findings|"
        rf"update|summary|write-?up)\s+(?:to|on|in|into|under)\s+(?P<issue>{ISSUE_REF})(?:\s+as\s+a\s+(?:comment|note))?(?P<s"
        rf"ep>)(?P<body>)(?!\s*:){BOUNDARY}"
    ),
]


def _starts_request(rest: Mapped, ctx: Ctx) -> bool:
    """Whether a request frame reads ``rest`` (after its leading "and" / "then")."""
    lead = re.match(rf"[\s,]*{LEAD}(?:please\s+|can\s+you\s+)?", rest.text, _I)
    piece = rest.slice(lead.end() if lead else 0, len(rest.text))
    return any(isinstance(found[0], Read) for frame in FRAMES[:-1] if (found := frame(piece, ctx)) is not None)


_AUDIENCE = (
    r"(?:customers?|clients?|team|them|him|her|us|support|reporters?|users?|folks|cs|eng|engineering|qa|devs?|everyone|the"
    r"\s+record)"
)
"""Who a comment is for, never what it says ("for the customer")."""


_QUOTED_BODY = re.compile(
    r"(?:(?:with\s+|in\s+)?(?:the\s+|their\s+|his\s+|her\s+|these\s+|this\s+|my\s+)?[\w' -]{0,40}?:\s*)?"
    r"(?P<q>[\"'])(?P<text>.+?)(?P=q)(?=\s*(?:$|[,;.!?]|\s(?:and|then|also|plus|&)\b))",
    _I,
)
"""A comment body that is a quote, maybe after a lead-in ending in a colon: what the quote holds."""


def _comment_quoted(
    piece: Mapped, quoted: re.Match[str], issue: str | None, pronoun: bool, low: str
) -> tuple[Item, int]:
    body = unquoted(piece.source(quoted.start("text"), quoted.end("text"))) or None  # as written, to its full stop
    end = quoted.end()
    request = JiraCommentRequest(issue=issue, body=body)
    if re.fullmatch(r"[\s.!?]*", low[end:]):
        return Read(request, pronoun=pronoun, open_field="body" if body else None), len(low)
    return Read(request, pronoun=pronoun), end


_WORDS_QUOTED = re.compile(
    r"(?:with\s+|using\s+)?(?:the\s+|their\s+|his\s+|her\s+|these\s+|this\s+|my\s+)?(?:customer'?s?'?\s+|client'?s?'?\s+|own\s+|exact\s+)*"
    rf"{QUOTED_WORDS}(?:\s+(?:below|above|here))?[\s:.!\U0001f300-\U0001faff]*",
    _I,
)
"""A comment whose words are the lines the message quotes ("with the customer's words", "this message below")."""
_BODY_NOT_GIVEN = re.compile(
    r"^(?:what|whatever|everything|all\s+(?:that|the\s+\w+))\s+(?:[\w'-]+\s+){0,4}?(?:told|said|sent|wrote|shared|found|"
    r"gave|mentioned|reported|explained|described)\b"
    r"|^(?:the|my|our|their|his|her)\s+(?:notes?|details|info(?:rmation)?|findings|summary|update|write-?up)\s+(?:from|of|on"
    r"|about)\b",
    _I,
)
"""A comment described, not written ("with what the Umbrella team told me", "the notes from the call"): its words
are not in the message, so they are asked for, never filed as its body."""


def comment(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    low = piece.text.lower()
    for pattern in _COMMENT_FRAMES:
        match = pattern.match(low)
        if match is None:
            continue
        issue, pronoun = _issue(match, "issue", ctx) if match["issue"] else (None, False)
        body_end = match.end("body")
        if match["issue"] and match.start("issue") > match.start("body"):
            # 'add the comment "Shipped" to PAY-3 and close it': the body, then the issue it goes on
            body = unquoted(piece.source(match.start("body"), match.end("body")))
            return Read(JiraCommentRequest(issue=issue, body=body or None), pronoun=pronoun), _end(match, low)
        quoted = _QUOTED_BODY.match(low, match.start("body"), body_end)
        if quoted is not None:
            # 'with the customer's own words: "..."', "'fixed in 4.18.2' then close it": the quote is the body
            return _comment_quoted(piece, quoted, issue, pronoun, low)
        if match["body"] and not match["sep"].strip().startswith((":", '"', "->")):
            # "comment on PAY-10 that the fix is on staging, then move it to In Review": a request after the body
            following = next_request_at(low, match.start("body"))
            if following is not None and _starts_request(piece.slice(following, len(low)), ctx):
                body_end = following
        body = unquoted(free_text(piece, match.start("body"), body_end).lstrip(":-> ")) if match["body"] else ""
        body = re.sub(r"^(?:please|pls|plz|thanks)\s*[:\-]\s*", "", body, flags=_I)  # "... to PAY-4 please: <body>"
        if ctx.quoted and _WORDS_QUOTED.fullmatch(body):
            # "comment on PAY-10 with the customer's words" above "> Canadian orders ...": the lines it quotes
            return Read(JiraCommentRequest(issue=issue, body=ctx.quoted), pronoun=pronoun), len(low)
        if _BODY_NOT_GIVEN.match(body) and not match["sep"].strip().startswith((":", '"', "->")):
            # "with what the Umbrella team told me": the words are not in the message; they are asked for
            return Read(JiraCommentRequest(issue=issue), pronoun=pronoun), body_end
        if not body.strip() and match["sep"] and match["sep"].strip():
            continue
        audience = re.fullmatch(r"(?:for|to)\s+(?:the\s+|our\s+|their\s+)?(?P<who>[\w'-]+(?:\s+[\w'-]+)?)", body, _I)
        if (
            audience is not None
            and not match["sep"].strip().startswith((":", '"'))
            and (re.fullmatch(_AUDIENCE, audience["who"], _I) or ctx.lexicon.person(audience["who"]) is not None)
        ):
            body = ""  # "leave a comment on PAY-6 for the customer": who it is for; what it says is asked
        request = JiraCommentRequest(issue=issue, body=body or None)
        if body_end < len(low):
            return Read(request, pronoun=pronoun), body_end
        return Read(request, pronoun=pronoun, open_field="body" if body else None), len(low)
    return None


# ---------------------------------------------------------------------------------------------------------------
# Jira: link


_LINK_FRAMES = [
    _m(
        rf"^(?P<verb>link|connect|relate|associate)\s+(?P<a>{ISSUE_REF})\s+(?:to|with|and)\s+(?P<b>{KEY})(?:\s+as\s+(?:a\s+"
        rf")?(?P<as>related|relates(?:\s+to)?|duplicates?|dupes?|blocking|blocker|blocked(?:\s+by)?|blocks|clones?))?"
        rf"{BOUNDARY}"
    ),
    _m(
        rf"^(?:make|have|mark|set)\s+(?P<a>{ISSUE_REF})\s+(?:as\s+)?(?P<type>block|blocks|blocking|depend\s+on|depend"
        rf"s\s+on|relate\s+to|relates\s+to|duplicate|duplicates|clone|clones)\s+(?P<b>{KEY}){BOUNDARY}"
    ),
    _m(
        rf"^(?P<a>{KEY})\s+(?:(?:looks|seems|sounds)\s+like\s+|(?:seems|appears)\s+to\s+be\s+|(?:might|must)\s+be\s+|is\s+("
        rf"?:probably|basically|likely|actually|just|really)\s+)?(?P<type>{LINK_PATTERN})\s+(?P<b>{KEY})(?:\s+(?:basica"
        rf"lly|probably|i\s+think|actually|afaict|it\s+seems))?{BOUNDARY}"
    ),
    _m(
        rf"^(?:mark|flag|close)\s+(?P<a>{KEY})\s+as\s+(?:a\s+)?(?P<as>duplicate|dupe|clone)\s+of\s+(?P<b>{KEY})"
        rf"{BOUNDARY}"
    ),
    _m(
        rf"^(?P<a>{KEY})\s+and\s+(?P<b>{KEY})\s+(?:are|seem|look)\s+(?:connected|linked|the\s+same\s+thing|(?P<as>rel"
        rf"ated|duplicates|dupes)){BOUNDARY}"
    ),
    _m(
        rf"^(?:can\s+you\s+|please\s+)?(?:link|connect)\s+(?:them|these|those|the\s+two|both)(?:\s+(?:up|together))?("
        rf"?:\s+as\s+(?:a\s+)?(?P<as>related|duplicates?|dupes?|blocking|blocked|clones?))?(?P<a>)(?P<b>){BOUNDARY}"
    ),
    _m(
        rf"^(?:please\s+)?(?:link|connect|mark)\s+(?P<a>{ISSUE_REF})\s+as\s+(?:a\s+)?(?P<type>blocking|blocker\s+(?:f"
        rf"or|of)|blocked\s+by|duplicate\s+of|dupe\s+of|duplicating|related\s+to|relates\s+to|clone\s+of|cloning)\s+("
        rf"?P<b>{KEY}){BOUNDARY}"
    ),
    _m(
        rf"^(?:please\s+)?(?:link|connect)\s+(?P<a>{ISSUE_REF})(?:\s+as\s+(?:a\s+)?(?P<as>related|duplicates?|dupes?|bloc"
        rf"king|blocked(?:\s+by)?|blocker|blocks|clones?))?(?P<b>){BOUNDARY}"
    ),
    _m(
        rf"^(?:please\s+)?(?P<verb>link|connect|relate)(?:\s+(?:them|these|those|it|the\s+two|both))?(?:\s+as\s+(?:a\s+)?(?P<as>related|duplicates?|dupes?|"
        rf"blocking|blocked|clones?))?(?:\s+(?:up\s+)?(?:that\s+way|like\s+that|accordingly|the\s+same\s+way))?(?P<a>)(?P<b>)"
        rf"{BOUNDARY}"
    ),
    # "OPS-2 is in PAY-7's way", "OPS-2 stands in the way of PAY-7": the first blocks the second
    _m(
        rf"^(?:(?:heads\s+up|fyi|btw|note|so)[\s,:]+)?(?P<a>{KEY})\s+(?:is\s+|'s\s+)?(?:(?:in|getting\s+in)\s+(?P<b>{KEY})'s"
        rf"\s+way|(?:stands|standing|is\s+standing)\s+in\s+the\s+way\s+of\s+(?P<b2>{KEY}))(?P<type>)(?P<as>)"
        rf"(?:\s*\(\s*(?:it\s+)?blocks\s+(?:it|them)\s*\))?{BOUNDARY}"
    ),
    # "add a link", "put a link between them": the issues and how they relate said around it
    _m(
        rf"^(?:please\s+)?(?:add|create|make|put\s+in|set\s+up)\s+(?:a\s+|the\s+)?link(?:\s+(?:between\s+)?(?:them|the\s+two|both))?(?P<a>)(?P<b>)"
        rf"{BOUNDARY}"
    ),
    # one issue waits for another, said as a statement: "PAY-8 can't ship until PAY-12 is fixed", "OPS-3 is
    # waiting on OPS-1", "PAY-9 is stuck behind PAY-4", "PAY-8 needs PAY-12 to land first"
    _m(
        rf"^(?:(?:please\s+)?(?:mark|flag|set)\s+)?(?P<a>{KEY})\s+(?:(?:can'?t|cannot|can\s+not|won'?t|shouldn'?t|isn'?t\s+going\s+"
        rf"to|is\s+not\s+going\s+to)\s+"
        rf"(?:[a-z][\w'-]*\s+){{1,3}}?(?:until|till|til|before|without)|(?:is\s+|'s\s+)?(?:waiting\s+(?:on|for)|stuck\s+(?:b"
        rf"ehind|on)|held\s+up\s+by|gated\s+(?:on|by)|blocked\s+on)|needs)\s+(?P<b>{KEY})(?P<as>)(?:\s+(?:is\s+|gets\s+|"
        rf"to\s+(?:be\s+)?|has\s+been\s+)?(?:fixed|done|merged|shipped|released|deployed|resolved|closed|finished|land(?"
        rf":s|ed)?|ship(?:s|ped)?|merge[sd]?|go(?:es)?\s+out|in)|(?=\s+first))?(?:\s+first)?{BOUNDARY}"
    ),
]
_WAITS_FOR = len(_LINK_FRAMES) - 1
_IN_THE_WAY = len(_LINK_FRAMES) - 2
"""The frame of one issue waiting for another (a statement; the link is "is blocked by")."""
_AS_TYPES = {
    "related": "relates to",
    "relates": "relates to",
    "relates to": "relates to",
    "blocks": "blocks",
    "blocked by": "is blocked by",
    "block": "blocks",
    "depend on": "is blocked by",
    "depends on": "is blocked by",
    "relate to": "relates to",
    "duplicate": "duplicates",
    "duplicates": "duplicates",
    "dupe": "duplicates",
    "dupes": "duplicates",
    "blocking": "blocks",
    "blocker": "blocks",
    "blocked": "is blocked by",
    "clone": "clones",
    "clones": "clones",
    "blocker for": "blocks",
    "blocker of": "blocks",
    "duplicate of": "duplicates",
    "dupe of": "duplicates",
    "duplicating": "duplicates",
    "related to": "relates to",
    "clone of": "clones",
    "cloning": "clones",
}


def link(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    low = piece.text.lower()
    for n, pattern in enumerate(_LINK_FRAMES):
        match = pattern.match(low)
        if match is None:
            continue
        link_type = None
        if "type" in match.groupdict() and match["type"]:
            written = " ".join(match["type"].split())
            link_type = LINK_TYPES.get(written) or _AS_TYPES.get(written)
        elif match.groupdict().get("as"):
            link_type = _AS_TYPES.get(match["as"])
        elif n == _WAITS_FOR:
            link_type = "is blocked by"
        elif match.groupdict().get("b2") is not None or match.groupdict().get("type") == "":
            link_type = "blocks"  # "OPS-2 is in PAY-7's way"
        elif match.groupdict().get("verb") == "relate":
            link_type = "relates to"  # "relate OPS-4 and PAY-3": the verb names the link
        a, pronoun = issue_value(match["a"], ctx) if match["a"] else (None, False)
        other = match["b"] or match.groupdict().get("b2")
        b = other.upper() if other else None
        statement = n in (2, 4, _IN_THE_WAY, _WAITS_FOR)
        request = JiraLinkIssuesRequest(issue=a, other=b, link_type=link_type)
        return Read(request, weak=statement, pronoun=pronoun), _end(match, low)
    return None


# ---------------------------------------------------------------------------------------------------------------
# Jira: assign and unassign


def _person(piece: Mapped, match: re.Match[str], group: str, ctx: Ctx) -> str | None:
    if match[group] is None:
        return None
    if match[group].strip() in ("me", "myself"):
        return "me"  # as read: "gimme" is written, "give me" read
    text = piece.source(match.start(group), match.end(group)).strip()
    if not re.fullmatch(MENTION, text):
        text = clean(text)
    if text.lower() in ("you", "yourself") and ctx.addressee:
        return ctx.addressee
    return ctx.lexicon.person(text)


_ASSIGN_VERB = r"(?:assign|re-?assign|give|hand(?:\s+(?:it\s+)?(?:off|over))?|pass|route|transfer|send|delegate)"
_ASSIGN_FRAMES = [
    _m(
        rf"^(?:please\s+)?{_ASSIGN_VERB}\s+(?P<issue>{ISSUE_REF})\s+(?:back\s+)?(?:from\s+(?P<from>{NAME})\s+)?(?:ove"
        rf"r\s+)?(?:to|->)\s+(?P<who>{NAME}|you){BOUNDARY}"
    ),
    _m(rf"^(?:please\s+)?(?:assign|re-?assign|put)\s+(?P<who>{NAME})\s+(?:to|on)\s+(?P<issue>{ISSUE_REF}){BOUNDARY}"),
    _m(
        rf"^(?:please\s+)?(?:(?:i'?m|we'?re)\s+)?(?:re-?assigning|assigning|giving|handing|passing|routing|transferring|"
        rf"delegating)\s+(?:(?:it\s+)?(?:off|over)\s+)?(?P<issue>{ISSUE_REF})\s+(?:back\s+)?(?:(?:off|over)\s+)?to\s+"
        rf"(?P<who>{NAME}|you){BOUNDARY}"
    ),
    _m(
        rf"^(?:please\s+)?(?:put|add|drop)\s+(?P<issue>{ISSUE_REF})\s+(?:on|in|onto)\s+(?P<who>{NAME})'s\s+(?:plate|l"
        rf"ist|queue|board){BOUNDARY}"
    ),
    _m(
        rf"^(?:(?:i'?ll|i\s+will|i\s+can|i\s+could|let\s+me|i'?m\s+going\s+to|i'?m\s+gonna|i'?m)\s+(?:take|grab|pick"
        rf"\s+up|own|handle|taking|grabbing|owning))\s+(?P<issue>{ISSUE_REF})(?:\s+myself)?(?P<who>){BOUNDARY}"
    ),
    _m(
        rf"^(?P<who>{MENTION})\s*,?\s*(?:(?:can|could|would)\s+you\s+)?(?:please\s+)?(?:take|grab|pick\s+up|own|look\s+at)"
        rf"\s+(?P<issue>{ISSUE_REF}){BOUNDARY}"
    ),
    _m(rf"^(?P<who>{MENTION})\s*,?\s*(?P<issue>{KEY})\s+is\s+(?:all\s+)?yours(?:\s+now)?{BOUNDARY}"),
    _m(rf"^(?P<issue>{ISSUE_REF})\s+(?:goes|should\s+go|can\s+go|is\s+going)\s+to\s+(?P<who>{NAME}){BOUNDARY}"),
    # "put it on me", "put OPS-3 on bob": whose plate it is on
    _m(rf"^(?:please\s+)?put\s+(?P<issue>{ISSUE_REF})\s+on\s+(?P<who>me|{NAME})(?:'s\s+(?:plate|list))?{BOUNDARY}"),
    # "stick me on PAY-12", "put bob on OPS-3": the person, then the issue
    _m(
        rf"^(?:please\s+)?(?:stick|slot|throw|sign)\s+(?P<who>me|{NAME})\s+(?:up\s+)?(?:on|for)\s+(?P<issue>{ISSUE_REF}){BOUNDARY}"
    ),
    _m(rf"^(?P<issue>{KEY})\s+(?:is\s+)?(?:assigned\s+to|owned\s+by|for)\s+(?P<who>{NAME})\s+now{BOUNDARY}"),
    _m(
        rf"^(?:can\s+)?(?:someone|somebody|anyone|anybody)\s+(?:please\s+)?(?:be\s+assigned\s+to|take|pick\s+up|grab|"
        rf"own|look\s+at)\s+(?P<issue>{ISSUE_REF})(?P<who>){BOUNDARY}"
    ),
    _m(
        rf"^(?:please\s+)?(?:make|set|have)\s+(?P<who>{NAME})\s+(?:the\s+)?(?:assignee|owner)\s+(?:of|on|for)\s+(?P<i"
        rf"ssue>{ISSUE_REF}){BOUNDARY}"
    ),
    _m(
        rf"^(?:please\s+)?(?:set|change|make|update)\s+(?:the\s+)?(?:assignee|owner)\s+(?:of|on|for)\s+(?P<issue>"
        rf"{ISSUE_REF})\s+(?:to|as)\s+(?P<who>{NAME}){BOUNDARY}"
    ),
    _m(rf"^(?:please\s+)?(?:assign|give|hand)\s+(?:this\s+|it\s+)?to\s+(?P<who>{NAME}){BOUNDARY}(?P<issue>)"),
    _m(rf"^(?:please\s+)?(?:assign|re-?assign)\s+(?P<issue>{ISSUE_REF})(?P<who>){BOUNDARY}"),
    # who works on it from now, said as a statement: "sam lee is taking over PAY-4 (from alice)", "bob's picking up
    # OPS-3"; the person must be one the vocabulary knows
    _m(
        rf"^(?P<who>{NAME})(?:\s+is|'s|\s+will\s+be)\s+(?:now\s+)?(?:taking(?:\s+over|\s+on)?|picking\s+up|grabbing|owning|"
        rf"handling)\s+(?P<issue>{KEY}|it|this(?:\s+one)?)(?:\s+(?:over\s+)?from\s+{NAME})?{BOUNDARY}"
    ),
    _m(
        rf"^(?P<who>{NAME})(?:\s+(?:owns|has|gets|is\s+on|has\s+got)|'s\s+(?:got|on))\s+(?P<issue>{KEY})\s+now{BOUNDARY}"
    ),
    # "bob can own PAY-11", "carol will take OPS-2": who works on it, said of a person the vocabulary knows
    _m(
        rf"^(?P<who>{NAME}?)(?:\s+(?:can|could|will|should|is\s+going\s+to)|'ll)\s+(?:own|take|grab|pick\s+up|handle)\s+(?P<issue>"
        rf"{KEY})(?:\s+(?:from\s+here|going\s+forward|from\s+now\s+on))?{BOUNDARY}"
    ),
    _m(rf"^(?P<issue>{KEY})\s+(?:belongs\s+to|is\s+with|is\s+on)\s+(?P<who>{NAME})\s+now{BOUNDARY}"),
    # "Kara would like <@U0ALICE01> to take PAY-12": who should work on it, said as someone's wish
    _m(
        rf"^(?:[a-z][\w'-]*\s+)?(?:would\s+like|'d\s+like|wants?|asked\s+for|is\s+asking\s+for)\s+(?P<who>{NAME})\s+to\s+(?:take"
        rf"|own|handle|pick\s+up|grab|work\s+on)\s+(?P<issue>{ISSUE_REF}){BOUNDARY}"
    ),
    # "bob or sam lee could take PAY-11": a choice left open (the assignee is asked)
    _m(
        rf"^(?P<who>{NAME}(?:\s*(?:,|/)\s*{NAME})*(?:\s*,?\s+or\s+|\s*/\s*){NAME})\s+(?:can|could|should|will|might)\s+(?:own|take"
        rf"|grab|pick\s+up|handle)\s+(?P<issue>{ISSUE_REF}){BOUNDARY}"
    ),
    # "can it go to one of the payments devs?": to someone not named, who is asked
    _m(
        rf"^(?:can|could|should)\s+(?P<issue>{ISSUE_REF})\s+go\s+to\s+(?:one\s+of\s+(?:the|our|your)\s+[a-z][\w\s-]{{0,30}}?|"
        rf"(?:someone|somebody|anyone|anybody)(?:\s+(?:on|in|from)\s+[a-z][\w\s-]{{0,30}}?)?)(?P<who>)(?=\s*(?:[,.;!?]|$))"
    ),
    # "To Bob please assign PAY-5": the person first
    _m(
        rf"^to\s+(?P<who>{NAME})\s*,?\s+(?:please\s+|kindly\s+)?(?:assign|re-?assign|give|hand)\s+(?P<issue>{ISSUE_REF})"
        rf"{BOUNDARY}"
    ),
    # "give me PAY-12", "hand bob OPS-3": the person, then the issue they get
    _m(rf"^(?:please\s+)?(?:give|hand|pass|throw)\s+(?P<who>me|{NAME}?)\s+(?P<issue>{KEY}){BOUNDARY}"),
    _m(rf"^(?P<issue>{KEY})\s+(?:to|->)\s+(?P<who>{NAME}){BOUNDARY}"),  # last: see assign()
]
_UNASSIGN_FRAMES = [
    _m(
        rf"^(?:please\s+)?(?:unassign|un-assign|deassign|de-assign)\s+(?:(?P<who>me|myself|{NAME})\s+from\s+)?(?P<iss"
        rf"ue>{ISSUE_REF}){BOUNDARY}"
    ),
    _m(
        rf"^(?:please\s+)?(?:take|pull)\s+(?P<who>me|myself|him|her|them|{NAME})\s+off\s+(?:of\s+)?(?P<issue>{ISSUE_REF})"
        rf"{BOUNDARY}"
    ),
    _m(
        rf"^(?:please\s+)?remove\s+(?:the\s+assignee|(?P<who>me|myself|{NAME}))\s+(?:from|on)\s+(?P<issue>{ISSUE_REF}"
        rf"){BOUNDARY}"
    ),
    _m(
        rf"^(?:please\s+)?(?:set|make|change)\s+(?:the\s+)?assignee\s+(?:of|on|for)\s+(?P<issue>{ISSUE_REF})\s+(?:to"
        rf"\s+)?(?:nobody|no\s+one|none|unassigned){BOUNDARY}"
    ),
    _m(
        rf"^(?:please\s+)?(?:leave|make|mark|set|put|change|move)\s+(?P<issue>{ISSUE_REF})\s+(?:as\s+|to\s+|back\s+to\s+)?"
        rf"(?:unassigned|nobody|no\s+one){BOUNDARY}"
    ),
    # "PAY-7 needs to be unassigned", "OPS-2 should be left unassigned"
    _m(
        rf"^(?P<issue>{ISSUE_REF})\s+(?:needs|has|should|must|can|ought)\s+(?:to\s+)?(?:be\s+|get\s+)(?:left\s+)?"
        rf"(?:unassigned|un-assigned){BOUNDARY}"
    ),
    _m(rf"^(?:please\s+)?(?:unassign|un-assign)(?P<issue>)(?P<who>){BOUNDARY}"),
    # "PAY-10 is done, close it and unassign alice": the person, from the issue the message is about
    _m(rf"^(?:please\s+)?(?:unassign|un-assign)\s+(?P<who>me|myself|{NAME})(?P<issue>){BOUNDARY}"),
]


def assign(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    low = piece.text.lower()
    for pattern in _UNASSIGN_FRAMES:
        match = pattern.match(low)
        if match is not None:
            issue, pronoun = _issue(match, "issue", ctx) if match["issue"] else (None, False)
            who = match.groupdict().get("who")
            if (
                who
                and who not in ("me", "myself", "him", "her", "them")
                and ctx.lexicon.person(_text(piece, match, "who") or "") is None
            ):
                continue
            return Read(JiraAssignRequest(issue=issue, assignee=NOBODY), pronoun=pronoun), _end(match, low)
    moved = _MOVED_TO_SOMEONE.match(low)
    if moved is not None:
        who = _text(piece, moved, "who") or ""
        if ctx.lexicon.knows_person(who) and ctx.lexicon.status(who) is None:
            # "move PAY-7 to alice": to a person the workspace knows (never a status: "move OPS-3 to QA")
            issue, pronoun = _issue(moved, "issue", ctx)
            request = JiraAssignRequest(issue=issue, assignee=ctx.lexicon.person(who))
            return Read(request, pronoun=pronoun), _end(moved, low)
    choice = _ASSIGN_A_CHOICE.match(low)
    if choice is not None and _a_choice_of_people(_text(piece, choice, "who") or "", ctx):
        # "assign PAY-12 to alice, bob or carol": a choice left open, so the assignee is asked, never the first name
        issue, pronoun = _issue(choice, "issue", ctx)
        return Read(JiraAssignRequest(issue=issue), pronoun=pronoun), _end(choice, low)
    for n, pattern in enumerate(_ASSIGN_FRAMES):
        match = pattern.match(low)
        if match is None:
            continue
        if n == len(_ASSIGN_FRAMES) - 1 and ctx.last_kind != "jira.assign":
            continue  # "PAY-9 to alice" continues "assign PAY-5 to sam lee and ..."; alone it could be anything
        issue, pronoun = _issue(match, "issue", ctx) if match["issue"] else (None, False)
        who: str | None
        if n == 4:
            who = "me"
        elif match["who"]:
            who = _person(piece, match, "who", ctx)
            if who is None and not _a_choice_of_people(_text(piece, match, "who") or "", ctx):
                continue
        else:
            who = None
        return Read(JiraAssignRequest(issue=issue, assignee=who), pronoun=pronoun), _end(match, low)


_MOVED_TO_SOMEONE = _m(rf"^(?:please\s+)?move\s+(?P<issue>{ISSUE_REF})\s+(?:over\s+)?to\s+(?P<who>{NAME}){BOUNDARY}")
_ASSIGN_A_CHOICE = _m(
    rf"^(?:please\s+)?(?:(?:{_ASSIGN_VERB}|put)\s+)?(?P<issue>{ISSUE_REF})\s+(?:(?:over\s+)?to|->|on)\s+(?P<who>(?:(?:either|whichever\s+of|who"
    rf"ever\s+of|one\s+of)\s+)?{NAME}(?:\s*(?:,|/)\s*{NAME})*(?:\s*,?\s+or\s+|\s*/\s*){NAME})(?:,?\s+(?:whoever|whichever)?\s*(?"
    rf":has|is|'s|gets)\s+(?:free|around|cycles|time|bandwidth|available|less\s+on\s+(?:their|his|her)\s+plate)(?:\s+first)?|,?\s+depending\s+on\s+[^,.;!?]+)?{BOUNDARY}"
)
"""An issue given to one of several people ("to alice or sam lee", "to alice, bob or carol", "to juan/carol")."""


def _a_choice_of_people(text: str, ctx: Ctx) -> bool:
    """ "alice or bob": people named as a choice the writer left open; the assignee is asked, never picked."""
    named = re.sub(r"^(?:either|whichever\s+of|whoever\s+of|one\s+of)\s+", "", text.strip(), flags=_I)
    options = re.split(r"\s*,?\s+or\s+|\s*/\s*|\s*,\s*", named, flags=_I)
    return len(options) > 1 and all(ctx.lexicon.person(o) not in (None, "me") for o in options)


# ---------------------------------------------------------------------------------------------------------------
# Jira: transition


_MOVE_VERB = (
    r"(?:move|transition|put|set|mark|switch|change|bring|send|drag|push|take|flip|shift|update|get|bump|kick|bounce|"
    r"toss)"
)
_STATUS_TEXT = r"(?P<status>[a-z][\w/ -]*?)"
_TERSE = "terse"
"""A status named with no verb ("PAY-9 to in progress"): it must be a status the workflow has (or, for a person, an
assignment: "PAY-5 to bob")."""
_TRANSITION_FRAMES: list[tuple[re.Pattern[str], str | None, bool]] = [
    (
        _m(
            rf"^(?:please\s+)?(?:set|change|update|move)\s+(?:the\s+)?(?:status|state)\s+(?:of|on|for)\s+(?P<issue>"
            rf"{ISSUE_REF})\s+(?:back\s+)?(?:to|as)\s+{_STATUS_TEXT}{BOUNDARY}"
        ),
        None,
        False,
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:set|change|update|move)\s+(?P<issue>its|{KEY}'s)\s+(?:status|state)\s+(?:back\s+)?(?"
            rf":to|as)\s+{_STATUS_TEXT}{BOUNDARY}"
        ),
        None,
        False,
    ),
    (
        _m(
            rf"^(?:please\s+)?{_MOVE_VERB}\s+(?P<issue>{ISSUE_REF})(?:'s\s+status)?\s+(?:back\s+)?(?:over\s+)?(?P<pre"
            rf"p>to|into|in|as|under)\s+(?:the\s+)?{_STATUS_TEXT}(?:\s+(?:column|status|lane|state))?{BOUNDARY}"
        ),
        None,
        False,
    ),
    (_m(rf"^(?P<issue>{ISSUE_REF})\s*->\s*{_STATUS_TEXT}{BOUNDARY}"), None, False),
    (
        _m(
            rf"^(?:(?:i\s+think|i\s+guess|so|maybe)\s+)?(?P<issue>{ISSUE_REF})\s+(?:can|should|needs\s+to|must|could)\s+(?:go|move|be\s+moved|be"
            rf"\s+set)\s+(?:on\s+|along\s+)?(?:back\s+)?(?:to|into|as)\s+{_STATUS_TEXT}{BOUNDARY}"
        ),
        None,
        False,
    ),
    (
        _m(
            rf"^(?P<issue>{ISSUE_REF})\s+(?:can|should|needs\s+to|must|could)\s+(?:now\s+)?be\s+(?P<status>closed|don"
            rf"e|resolved|marked\s+(?:as\s+)?done|moved\s+to\s+[a-z ]+?|reopened|started){BOUNDARY}"
        ),
        None,
        False,
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:close(?:\s+out)?|resolve|finish|complete|wrap\s+up|close\s+off|mark\s+off)\s+(?P<iss"
            rf"ue>{ISSUE_REF})(?:\s+(?:out|off|up))?(?:\s+as\s+(?:done|fixed|resolved|complete|completed))?{BOUNDARY}"
        ),
        "Done",
        False,
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:mark|set)\s+(?P<issue>{ISSUE_REF})\s+(?:as\s+)?(?:done|fixed|resolved|complete|compl"
            rf"eted|finished){BOUNDARY}"
        ),
        "Done",
        False,
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:start|begin|kick\s+off|pick\s+up)\s+(?:work(?:ing)?\s+on\s+|on\s+)?(?P<issue>"
            rf"{ISSUE_REF}){BOUNDARY}"
        ),
        "In Progress",
        False,
    ),
    (
        _m(
            rf"^(?:i'?m\s+|we'?re\s+|i\s+am\s+|we\s+are\s+)?(?:starting|started|working|beginning|picking\s+up)\s+(?:"
            rf"work\s+)?(?:on\s+)?(?P<issue>{KEY})(?:\s+(?:now|today|this\s+morning))?{BOUNDARY}"
        ),
        "In Progress",
        True,
    ),
    # "reopen PAY-6" names no status: a workflow reopens into more than one (grounding offers them)
    # "reopen PAY-6 to in progress", "PAY-6 is back, reopen -> in progress": into a status the workflow has
    (
        _m(
            rf"^(?:please\s+)?(?:re-?open|un-?close)(?:\s+(?P<issue>{ISSUE_REF}))?\s*(?:->|\bto\b|\binto\b|\bas\b)\s*"
            rf"{_STATUS_TEXT}{BOUNDARY}"
        ),
        _TERSE,
        False,
    ),
    (_m(rf"^(?:please\s+)?(?:re-?open|un-?close)\s+(?P<issue>{ISSUE_REF})(?P<status>){BOUNDARY}"), None, False),
    (_m(rf"^(?:we'?re\s+|i'?m\s+)?done\s+with\s+(?P<issue>{ISSUE_REF}){BOUNDARY}"), "Done", True),
    # "consider it started", "consider PAY-9 done": the status it is in from now
    (
        _m(rf"^(?:please\s+)?consider\s+(?P<issue>{ISSUE_REF})\s+(?:started|begun|in\s+progress|underway){BOUNDARY}"),
        "In Progress",
        False,
    ),
    (
        _m(rf"^(?:please\s+)?consider\s+(?P<issue>{ISSUE_REF})\s+(?:done|finished|closed|resolved|fixed){BOUNDARY}"),
        "Done",
        False,
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:move|transition|progress|advance|push)\s+(?P<issue>{ISSUE_REF})(?:\s+(?:along|f"
            rf"orward|ahead|on|over|through))?(?P<status>){BOUNDARY}"
        ),
        None,
        False,
    ),
    # "pay-7: unassign sam + status back to to do": the status of the issue named before
    (
        _m(
            rf"^(?:(?:set|change|move|put)\s+)?(?:the\s+|its\s+)?(?:status|state)\s*(?:back\s+)?(?:to|->|:|=|as)\s*{_STATUS_TEXT}"
            rf"(?P<issue>){BOUNDARY}"
        ),
        None,
        False,
    ),
    # "PAY-6 regressed, back to in progress pls": back to a status, the issue named before
    (_m(rf"^(?:(?:move|put|send)\s+it\s+)?back\s+(?:to|into)\s+{_STATUS_TEXT}(?P<issue>){BOUNDARY}"), None, False),
    # "can it go in progress", "could PAY-8 move to review": asked as a question, a status the workflow has
    (
        _m(
            rf"^(?:can|could|should|may)\s+(?P<issue>{ISSUE_REF})\s+(?:go|move|get\s+moved|be\s+moved)\s+(?:(?:back\s+)?(?:to|into)"
            rf"\s+)?{_STATUS_TEXT}{BOUNDARY}"
        ),
        _TERSE,
        False,
    ),
    # Terse: "PAY-9 to in progress", "PAY-4 back to to do", "PAY-4 done"
    (
        _m(
            rf"^(?P<issue>{KEY})\s+(?:(?:goes|go|moves|is\s+going|should\s+go)\s+)?(?:back\s+(?:in|into|to)\s+(?:the\s+)?|to\s+|into\s+)"
            rf"{_STATUS_TEXT}{BOUNDARY}"
        ),
        _TERSE,
        False,
    ),
    (
        _m(rf"^(?P<issue>{KEY})\s+(?:is\s+)?(?:done|fixed|resolved|shipped|closed|complete|completed|finished)\b"),
        "Done",
        True,
    ),
]
_STATUS_STATEMENT = _m(
    rf"^(?:(?!{GOVERNING}\b)[\w'-]+\s+){{0,4}}?(?P<issue>{KEY})\s+(?:is|'s|was|has\s+been|got)\s+(?:now\s+|finally\s+|all\s+|officiall"
    rf"y\s+)?"
    rf"(?:(?:moved|put)\s+(?:to|in)\s+)?{_STATUS_TEXT}(?:\s+(?:now|already|finally|today|as\s+of\s+today))?{BOUNDARY}"
)


_OUT_OF_A_STATUS = _m(
    rf"^(?P<issue>{KEY})\s+(?:shouldn'?t|should\s+not|can'?t|cannot|must\s+not|mustn'?t)\s+(?:be\s+)?(?:sit(?:ting)?|be|"
    rf"stay|remain|live)\s+in\s+(?P<status>[a-z][\w/ -]*?)(?:\s+(?:anymore|any\s+longer|now))?(?:\s+(?:while|since|as|"
    rf"because|until)\b[^,.;!?]*)?(?=\s*(?:[,.;!?]|$))"
)
"""'PAY-4 shouldn't sit in in progress while it's parked': out of a status the workflow has, to one not said."""


def transition(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    low = piece.text.lower()
    out = _OUT_OF_A_STATUS.match(low)
    if out is not None and ctx.lexicon.status(_text(piece, out, "status") or "") is not None:
        return Read(JiraTransitionRequest(issue=out["issue"].upper())), out.end()
    for pattern, implied, weak in _TRANSITION_FRAMES:
        match = pattern.match(low)
        if match is None:
            continue
        ref = match["issue"]
        if ref == "":
            issue, pronoun = None, False  # "..., back to in progress": the issue named before, filled by the message
        elif ref and ref.lower().endswith("'s"):
            issue, pronoun = ref[:-2].upper(), False
        else:
            issue, pronoun = _issue(match, "issue", ctx)
        record = ctx.last_record
        if pronoun and record is not None and record.account is not None and ctx.last_key is None:
            # "Globex New Business has to come off the pipeline. Close it please": "it" is the deal the message named
            # (no issue was named): closed won or lost is asked, never a Jira move of the thread's ticket
            written = (_text(piece, match, "status") or "").strip() if match.groupdict().get("status") else ""
            stage = ctx.lexicon.stage(written) if written else None
            if written and stage is None and not _VAGUE_STAGE.match(written):
                continue  # "send it to their finance department": no stage, and nothing a deal is moved to
            request = SalesforceUpdateOpportunityRequest(
                account=record.account, opportunity=record.opportunity, stage=stage
            )
            return Read(request, weak=weak), _end(match, low)
        status = None if implied == _TERSE else implied
        if implied == _TERSE:
            written = (_text(piece, match, "status") or "").strip()
            status = ctx.lexicon.status(written)
            if status is None:
                who = ctx.lexicon.person(written, any_case=False) or (
                    ctx.lexicon.person(written) if ctx.lexicon.knows_person(written) else None
                )
                if who is None:
                    continue
                return Read(JiraAssignRequest(issue=issue, assignee=who), pronoun=pronoun), _end(match, low)
        elif implied is None and match.groupdict().get("status"):
            written = (_text(piece, match, "status") or "").strip()
            written = re.sub(r"(?i)^(?:marked\s+(?:as\s+)?|moved\s+to\s+)", "", written)
            if written.lower() == "reopened":
                return Read(JiraTransitionRequest(issue=issue, status=None), weak=weak, pronoun=pronoun), _end(
                    match, low
                )
            if match.groupdict().get("prep") == "in" and ctx.lexicon.status("in " + written):
                written = "in " + written
            if ctx.lexicon.priority(written) or _NOT_STATUS.match(written.lower()) or read_date(written, ctx):
                continue
            if (
                pronoun
                and ctx.last_record is not None
                and ctx.lexicon.status(written) is None
                and ctx.lexicon.stage(written) is not None
            ):
                continue  # "we're moving forward w/ initech expansion, set it to proposal": the deal's stage
            # "in" names a place as often as a status ("update it in salesforce"), and "back to the pool" with no
            # verb names one as often: only a status the workflow has
            verbless = ref == "" and not re.match(r"(?:move|put|send)\b", low)
            status = ctx.lexicon.status(written, loose=match.groupdict().get("prep") != "in" and not verbless)
            if status is None:
                if not _SOME_STATUS.match(written.lower()):
                    continue
                status = None  # "the next column": a status was meant, not one named: asked
        return Read(JiraTransitionRequest(issue=issue, status=status), weak=weak, pronoun=pronoun), _end(match, low)
    match = _STATUS_STATEMENT.match(low)
    if match is not None:
        status = ctx.lexicon.status(_text(piece, match, "status") or "")
        if status is not None:
            return Read(JiraTransitionRequest(issue=match["issue"].upper(), status=status), weak=True), _end(match, low)
    return None


_SOME_STATUS = re.compile(
    r"^(?:(?:whatever|wherever|whichever)\s+)?(?:is\s+)?(?:the\s+)?(?:next|previous|right|correct|proper|usual|final|later|other)\s+"
    r"(?:status|column|stage|step|lane|state)(?:\s+(?:in|on|of)\s+(?:the\s+)?(?:workflow|board|process|flow))?(?:\s+is)?$"
)
_NOT_STATUS = re.compile(
    r"^(?:me|you|him|her|them|us|someone|nobody|[a-z]+\s+priority|p[0-5]|tomorrow|today|next\s+\w+|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|the\s+backlog\s+\w+)$"
)


# ---------------------------------------------------------------------------------------------------------------
# Jira: change fields


WHAT_SHOULD_CHANGE = "What should change on"
_CHANGEABLE = "I can set its summary, priority, labels or due date."
_PRIO_WORD = r"(?:p[0-5]|highest|high|medium|normal|low|lowest|urgent|critical|blocker|trivial|minor|top)"
_RAISED = (
    r"(?:raised|bumped|lowered|dropped|set|changed|moved|increased|decreased|upgraded|downgraded|escalated|made|"
    r"knocked|brought)"
)
_FIELDS_FRAMES: list[tuple[re.Pattern[str], str]] = [
    # "I'd like the priority of PAY-8 raised to critical", "the prio on OPS-3 should be lowered to p3": a wish or a
    # statement of what the priority should become
    (
        _m(
            rf"^(?:(?:i'?d|i\s+would|we'?d|we\s+would)\s+like|i\s+want|we\s+need|(?:can|could)\s+(?:we|you|i)\s+(?:get|have)|"
            rf"please\s+have|have|get|could|can|would|should)?\s*(?:(?:the\s+)?(?:priority|prio)\s+(?:of|on|for)\s+)?(?P<issue>{ISSUE_REF})"
            rf"(?:'s\s+(?:priority|prio))?\s+(?:(?:should|needs\s+to|must|has\s+to|can|could)\s+be\s+|to\s+be\s+|be\s+)?{_RAISED}\s+(?:up\s+|"
            rf"down\s+)?(?:to|as)\s+(?P<value>{_PRIO_WORD})(?:\s+priority|\s+prio)?{BOUNDARY}"
        ),
        "priority",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:set|change|update|make|bump|raise|lower|drop|move|mark|put|up|increase|decrease|esca"
            rf"late|downgrade|upgrade)\s+"
            rf"(?:the\s+)?(?:priority|prio)\s+(?:of|on|for)\s+(?P<issue>{ISSUE_REF})\s+(?:up\s+|down\s+)?(?:to|as)\s+"
            rf"(?P<value>{_PRIO_WORD})(?:\s+priority)?{BOUNDARY}"
        ),
        "priority",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:set|change|update|make|bump|raise|lower|drop|move|mark|put|up|increase|decrease|esca"
            rf"late|downgrade|upgrade)\s+"
            rf"(?P<issue>{ISSUE_REF})(?:'s\s+priority|\s+priority)?\s+(?:up\s+|down\s+)?(?:to|as)?\s*(?P<value>"
            rf"{_PRIO_WORD})(?:\s+priority|\s+prio)?{BOUNDARY}"
        ),
        "priority",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:bump|raise|lower|drop|change|set|update|increase|decrease|adjust)\s+(?:the\s+)?(?:pr"
            rf"iority|prio)\s+(?:of|on|for)\s+(?P<issue>{ISSUE_REF})(?P<value>){BOUNDARY}"
        ),
        "priority",
    ),
    (
        _m(
            rf"^(?P<issue>{KEY})\s+(?:can|should|could|needs\s+to|has\s+to|must)\s+be\s+(?P<value>{_PRIO_WORD})(?:\s+"
            rf"priority|\s+prio)?{BOUNDARY}"
        ),
        "priority",
    ),
    (
        _m(
            rf"^(?P<issue>{KEY})\s+(?:priority|prio)\s*(?:is\s+|->|:|=)?\s*(?:now\s+)?(?P<value>{_PRIO_WORD}){BOUNDARY}"
        ),
        "priority",
    ),
    (
        _m(
            rf"^(?P<issue>{ISSUE_REF})\s+(?:is|'s)\s+(?:now\s+|actually\s+|really\s+)?(?:a\s+)?(?P<value>{_PRIO_WORD}"
            rf")(?:\s+priority)?(?:\s+(?:now|again|too))?{BOUNDARY}"
        ),
        "priority-weak",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:set|change|update|move|push|pull|bump|shift|make)\s+(?:the\s+)?(?:due\s+date|deadlin"
            rf"e|due)\s+(?:of|on|for)\s+(?P<issue>{ISSUE_REF})\s+(?:to|as|for)\s+(?P<value>.+?){BOUNDARY}"
        ),
        "due",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:set|change|update|move|push|pull|shift|make)\s+(?P<issue>{ISSUE_REF})(?:'s)?\s+(?:du"
            rf"e\s+date|deadline)\s+(?:to|as|for)\s+(?P<value>.+?){BOUNDARY}"
        ),
        "due",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:set|make|mark|have)\s+(?P<issue>{ISSUE_REF})\s+(?:be\s+)?(?:due|due\s+date)\s+(?:on"
            rf"\s+|by\s+|for\s+)?(?P<value>.+?){BOUNDARY}"
        ),
        "due",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:push|move|pull|shift|bump|slip)\s+(?P<issue>{KEY})\s+(?:out\s+|back\s+|in\s+)?(?:to|"
            rf"till|until)\s+(?P<value>.+?){BOUNDARY}"
        ),
        "due",
    ),
    (
        _m(
            # "PAY-11 due the 18th", "can PAY-7 be due the 15th", "PAY-3's due date is dec 20": a date it is due
            rf"^(?:(?:can|could)\s+)?(?P<issue>{KEY})(?:'s)?\s+(?:(?:is|can|could|should|will|needs\s+to|has\s+to|must)\s+)?"
            rf"(?:(?:now|be)\s+)*(?:due|deadline)(?:\s+date)?\s*(?::|is(?:\s+now)?|->|on|by|for)?\s*(?P<value>.+?)"
            rf"{BOUNDARY}"
        ),
        "due",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:set|change|update|add)\s+(?:the\s+)?(?:due\s+date|deadline)\s+(?:of|on|for)\s+(?P<is"
            rf"sue>{ISSUE_REF})(?P<value>){BOUNDARY}"
        ),
        "due",
    ),
    # "put due date 20/1 on OPS-4": the date, then the issue
    (
        _m(
            rf"^(?:please\s+)?(?:set|put|add|give|change|update)\s+(?:a\s+|the\s+)?(?:due\s+date|deadline)\s+(?:of\s+|to\s+|as\s+)?"
            rf"(?P<value>{DATE}|{VAGUE_DATE})\s+(?:on|for|to)\s+(?P<issue>{ISSUE_REF}){BOUNDARY}"
        ),
        "due",
    ),
    (
        _m(
            rf"^(?P<issue>{KEY})\s+(?:has\s+to|needs\s+to|must|should)\s+(?:be\s+(?:done|finished|fixed|shipped|ready|out|"
            rf"merged|live|in)|land|ship|go\s+(?:out|live)|merge)\s+by\s+(?P<value>.+?){BOUNDARY}"
        ),
        "due-weak",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:set|make|use)\s+(?:that|this|it)\s+(?:as\s+)?(?:the\s+)?(?:due\s+date|deadline)(?P<i"
            rf"ssue>)(?P<value>){BOUNDARY}"
        ),
        "due",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:set|change|make|move|push)\s+(?:the\s+)?(?:due\s+date|deadline)\s+(?:to|as|for)\s+(?"
            rf"P<value>.+?){BOUNDARY}(?P<issue>)"
        ),
        "due",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:set|change|make|bump|raise|lower)\s+(?:the\s+)?(?:priority|prio)\s+(?:to|as)\s+(?P<v"
            rf"alue>{_PRIO_WORD})(?:\s+priority)?{BOUNDARY}(?P<issue>)"
        ),
        "priority",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:make\s+it|set\s+it\s+to|mark\s+it)\s+(?P<value>{_PRIO_WORD})(?:\s+priority|\s+prio)"
            rf"{BOUNDARY}(?P<issue>)"
        ),
        "priority",
    ),
    # "due date on PAY-8 -> 12/18", "priority for OPS-3: low"
    (
        _m(
            rf"^(?:the\s+)?(?:due\s+date|deadline|due)\s+(?:on|for|of)\s+(?P<issue>{ISSUE_REF})\s*(?:->|:|=|to\b|is(?:\s+no"
            rf"w)?\b|should\s+be\b)\s*(?P<value>.+?){BOUNDARY}"
        ),
        "due",
    ),
    (
        _m(
            rf"^(?:the\s+)?(?:priority|prio)\s+(?:on|for|of)\s+(?P<issue>{ISSUE_REF})\s*(?:->|:|=|to\b|is(?:\s+now)?\b|sho"
            rf"uld\s+be\b)\s*(?P<value>{_PRIO_WORD})(?:\s+priority)?{BOUNDARY}"
        ),
        "priority",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:rename|retitle)\s+(?P<issue>{ISSUE_REF})(?:\s+(?:to|as)\s+|\s*(?::|->|-)\s*)(?P<value>.+)$"
        ),
        "summary",
    ),
    # "rename OPS-3, the title is confusing", "push PAY-9 out a bit": the field, its new value not said
    (_m(rf"^(?:please\s+)?(?:rename|retitle)\s+(?P<issue>{ISSUE_REF})(?P<value>){BOUNDARY}"), "summary-open"),
    (
        _m(
            rf"^(?:please\s+)?(?:push|move|pull|shift|bump|slip|kick)\s+(?P<issue>{KEY})\s+(?:out|back|in)(?:\s+(?:a\s+(?:bit|little|"
            rf"few\s+days|while|tad)|some))?(?P<value>){BOUNDARY}"
        ),
        "due",
    ),
    # "PAY-2 title should be ...", "OPS-4's summary is now ...": the new summary, said as a statement, to the end
    (
        _m(
            rf"^(?P<issue>{KEY})(?:'s)?\s+(?:title|summary|headline)\s+(?:should\s+(?:be|say|read)|is\s+now|needs\s+to\s+be|"
            rf"->|:|=)\s*(?P<value>.+)$"
        ),
        "summary",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:change|set|update|edit|fix)\s+(?:the\s+)?(?:title|summary|name|headline)\s+(?:of|on|"
            rf"for)\s+(?P<issue>{ISSUE_REF})\s+(?:to|as)\s+(?P<value>.+)$"
        ),
        "summary",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:change|set|update)\s+(?P<issue>{ISSUE_REF})'s\s+(?:title|summary)\s+(?:to|as)\s+(?P<"
            rf"value>.+)$"
        ),
        "summary",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:set|change|update|replace|make)\s+(?:the\s+)?(?:labels?|tags?)\s+(?:of|on|for)\s+(?P"
            rf"<issue>{ISSUE_REF})\s+(?:to|as|with)\s*:?\s+(?P<value>.+)$"
        ),
        "labels",
    ),
    (
        _m(
            rf"^(?:the\s+)?(?:labels?|tags?)\s+(?:of|on|for)\s+(?P<issue>{ISSUE_REF})\s+(?:should\s+be|are|=|:|to|->)"
            rf"\s*(?P<value>.+)$"
        ),
        "labels",
    ),
    # the field named after the issue, in any of the ways people write it: "set PAY-4's labels -> a, b", "change
    # OPS-2 priority to low", "PAY-9 deadline: jan 8", "OPS-3's title = ..."
    *(
        (
            _m(
                rf"^(?:(?:please\s+)?(?:set|change|update|make|put|fix|edit)\s+)?(?:the\s+)?(?P<issue>{KEY})(?:'s|s')?\s+"
                rf"{field}\s*(?:->|:|=|\bto\b|\bas\b|\bshould\s+(?:just\s+|only\s+)?be\b|\bis\s+now\b|\bneeds\s+to\s+be\b)\s*:?\s*"
                rf"{value}"
            ),
            name,
        )
        for field, value, name in (
            (r"(?:priority|prio)", rf"(?P<value>{_PRIO_WORD})(?:\s+priority)?{BOUNDARY}", "priority"),
            (r"(?:due\s+date|deadline|due)", rf"(?P<value>.+?){BOUNDARY}", "due"),
            (r"(?:labels?|tags?)", r"(?P<value>.+)$", "labels"),
            (r"(?:title|summary|headline)", r"(?P<value>.+)$", "summary"),
        )
    ),
    # "OPS-4 should carry runbook and q1-reliability as labels": the list, closed by "as labels"
    (
        _m(
            rf"^(?:please\s+)?(?:(?:let|make)\s+)?(?P<issue>{ISSUE_REF})\s+(?:should\s+|needs?\s+to\s+|must\s+|can\s+)?(?:carry|have|"
            rf"get|use|take)\s+(?P<value>[\w.+&,\s-]+?)\s+as\s+(?:(?:its|the)\s+)?(?:only\s+)?(?:labels?|tags?){BOUNDARY}"
        ),
        "labels",
    ),
    # "retag PAY-4: regression + invoices": the labels again, the whole list
    (
        _m(
            rf"^(?:please\s+)?(?:re-?tag|re-?label)\s+(?P<issue>{ISSUE_REF})\s*(?::|->|=|\bwith\b|\bas\b|\bto\b)?\s*(?P<value>.+)$"
        ),
        "labels",
    ),
    (_m(rf"^(?:please\s+)?(?:label|tag)\s+(?P<issue>{ISSUE_REF})\s+(?:with\s+|as\s+)?(?P<value>.+)$"), "labels-add"),
    (_m(rf"^(?:please\s+)?(?:update|change|edit|modify|fix\s+up)\s+(?P<issue>{KEY})(?P<value>){BOUNDARY}"), "nothing"),
    # A field asked for without its value ("PAY-12 needs a higher priority"): the field is left for grounding to ask
    # "bump PAY-8", "could someone bump it (up)?": in Jira, a higher priority, which one not said
    (
        _m(
            rf"^(?:(?:can|could)\s+(?:someone|somebody|anyone|you|we)\s+)?(?:please\s+)?(?:bump|escalate)\s+(?P<issue>{ISSUE_REF})"
            rf"(?:\s+up)?(?:\s+(?:a\s+(?:notch|bit|level)|in\s+priority))?(?P<value>){BOUNDARY}"
        ),
        "priority",
    ),
    # "PAY-8's priority needs to go up": a higher (or lower) priority, which one not said
    (
        _m(
            rf"^(?P<issue>{KEY})(?:'s|s')?\s+(?:priority|prio)\s+(?:needs\s+to|should|has\s+to|must|could|can|ought\s+to)\s+(?:go|"
            rf"come|be\s+(?:raised|bumped|lowered|increased|decreased|higher|lower))(?:\s+(?:up|down))?(?:\s+(?:a\s+(?:notch|bit|lev"
            rf"el)))?(?P<value>){BOUNDARY}"
        ),
        "priority",
    ),
    (
        _m(
            rf"^(?P<issue>{ISSUE_REF})\s+(?:is|should\s+be|needs\s+to\s+be|has\s+to\s+be|must\s+be)\s+(?:a\s+lot\s+|much\s+|way\s+|a"
            rf"\s+bit\s+)?(?:more|less)\s+(?:urgent|important|critical|pressing)(?:\s+than\s+(?:it\s+is|that|its\s+priority\s+s"
            rf"ays|it\s+looks|the\s+(?:ticket|priority)\s+says))?(?P<value>){BOUNDARY}"
        ),
        "priority",
    ),
    (
        _m(
            rf"^(?P<issue>{KEY})\s+(?:needs|could\s+use|should\s+have|deserves|wants)\s+(?:a\s+)?(?:higher|lower|diff"
            rf"erent|new|better|bigger|smaller)\s+(?:priority|prio)(?P<value>){BOUNDARY}"
        ),
        "priority",
    ),
    (
        _m(
            rf"^(?P<issue>{KEY})\s+(?:needs|could\s+use|should\s+have)\s+(?:a\s+)?(?:due\s+date|deadline)(?:\s+(?:of|"
            rf"on|by|for)?\s*(?P<value>.+?))?{BOUNDARY}"
        ),
        "due",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:bump|raise|lower|drop|up|increase|decrease|adjust|change)\s+(?:the\s+|its\s+)?(?:pri"
            rf"ority|prio)(?:\s+(?:of|on|for)\s+(?P<issue>{ISSUE_REF}))?(?P<value>){BOUNDARY}"
        ),
        "priority",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:knock|bring|take|drop|bump|move|turn|push)\s+(?P<issue>{ISSUE_REF})\s+(?:down|up)\s+"
            rf"(?:to\s+)?(?:a\s+)?(?P<value>{_PRIO_WORD})(?:\s+priority|\s+prio)?{BOUNDARY}"
        ),
        "priority",
    ),
    (
        _m(
            rf"^(?:can|could)\s+(?:we|you|u)\s+(?:please\s+)?(?:get|have|add|put|set)\s+(?:a\s+)?(?:due\s+date|deadli"
            rf"ne)\s+(?:of|for|to|on)\s+(?P<value>.+?)\s+(?:on|for)\s+(?P<issue>{ISSUE_REF}){BOUNDARY}"
        ),
        "due",
    ),
    (
        _m(
            rf"^(?:can|could)\s+(?:we|you|u)\s+(?:please\s+)?(?:make|set|get)\s+(?P<issue>{ISSUE_REF})\s+(?:due\s+)?("
            rf"?:on|by|for)?\s*(?P<value>.+?){BOUNDARY}"
        ),
        "due-asked",
    ),
]


def update_fields(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    low = piece.text.lower()
    for pattern, name in _FIELDS_FRAMES:
        match = pattern.match(low)
        if match is None:
            continue
        if name == "labels-add":
            if re.fullmatch(r"it|this|that", match["issue"]) and ctx.last_kind == "jira.create_issue":
                # "file a bug ..., label it incident": the new issue's labels
                labels = _labels(_text(piece, match, "value") or "")
                if labels:
                    return Continuation({"labels": labels}, piece.source()), len(low)
            return Unsupported(_ONE_LABEL), len(low)
        if name == "nothing":
            # "update PAY-12": nothing of the change is said; the answer is read together with the request
            return Unsupported(f"{WHAT_SHOULD_CHANGE} {match['issue'].upper()}? {_CHANGEABLE}"), _end(match, low)
        issue, pronoun = _issue(match, "issue", ctx) if match["issue"] else (None, False)
        value = _text(piece, match, "value")
        fields: dict[str, Any] = {"issue": issue}
        weak = name.endswith("-weak")
        name = name.removesuffix("-weak").removesuffix("-asked")
        if name == "priority":
            fields["priority"] = ctx.lexicon.priority(value) if value else None
            if value and fields["priority"] is None:
                continue
        elif name == "due":
            fields["due_date"] = None
            if value:
                found = read_date(value, ctx)
                if found is None:
                    continue
                fields["due_date"] = found[0]
                if found[0] is None:
                    # "move PAY-4's due date to 1/12" two days after it: the date written is asked about
                    request = JiraUpdateFieldsRequest(**fields)
                    return Read(request, pronoun=pronoun, question=unclear_date("due_date", value)), _end(match, low)
        elif name == "summary-open":
            fields["summary"] = None
        elif name == "summary":
            if not value:
                continue
            quoted = re.match(r'\s*"([^"]+)"', low[match.start("value") :])
            if quoted is not None:
                # 'rename it to "Checkout stays greyed out" (declined, not failed)': the quote is the summary; what
                # follows it is read on its own
                start = match.start("value") + quoted.start(1)
                summary = piece.source(start, start + len(quoted[1])).strip()
                request = JiraUpdateFieldsRequest(issue=issue, summary=capitalised(unquoted(summary)))
                return Read(request, weak=weak, pronoun=pronoun), match.start("value") + quoted.end()
            fields["summary"] = capitalised(unquoted(value))
        elif name == "labels":
            labels = _labels(value or "")
            if not labels:
                continue
            fields["labels"] = labels
        return Read(JiraUpdateFieldsRequest(**fields), weak=weak, pronoun=pronoun), _end(match, low)
    return None


_ONE_LABEL = (
    "I set the whole list of labels, not one at a time: say the full list (`set the labels on PAY-12 to urgent, "
    "billing`)."
)


def _labels(text: str) -> tuple[str, ...]:
    """The labels a list names. A Jira label has no spaces, so an item of several words after the first ends the
    list ("tax + canada, nothing else" is tax and canada); a first item of several words is several labels."""
    text = re.sub(r"\s*\([^()]*\)", " ", text)  # "invoices, pdf (replace what's there)": an aside, no label
    items = [i.strip() for i in re.split(r"\s*,\s*|\s+and\s+|\s*\+\s*|\s*&\s*", clean(text)) if i.strip()]
    words: list[str] = []
    for n, item in enumerate(items):
        parts = item.split()
        if len(parts) > 1 and n > 0:
            break
        words.extend(w.strip(" .\"'`#") for w in parts)
    return tuple(w for w in words if w and re.fullmatch(r"[\w.-]+", w))


# ---------------------------------------------------------------------------------------------------------------
# Salesforce: log a call


_CALL_HEAD = [
    _m(
        r"^(?:please\s+)?(?:log|record|add|note|save|enter|register|create)\s+(?:please\s+)?(?:a\s+|an\s+|one\s+|my\s+|"
        r"the\s+|our\s+|this\s+|that\s+|her\s+|his\s+|their\s+)?(?:(?P<when>monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|this\s+morni"
        r"ng|morning|afternoon)(?:'s)?\s+)?(?:(?:phone|sales|quick|short|discovery|intro|check-?in)\s+)?call(?:\s+log)?\b(?P"
        r"<rest>.*)$"
    ),
    _m(r"^(?:i\s+|we\s+)?forgot\s+to\s+log\s+(?:my|a|the|our)\s+call\b(?P<rest>.*)$"),
    _m(
        r"^(?:please\s+)?(?:log|record|note)\s+(?:that\s+)?(?:i|we)\s+(?:just\s+)?(?P<direct>called|rang|phoned)\b(?P"
        r"<rest>.*)$"
    ),
    _m(
        r"^(?:please\s+)?(?:log|record|note)\s+(?:that\s+)?(?:i|we)\s+(?:just\s+)?(?:spoke|talked|had\s+a\s+(?:\w+\s+"
        r")?call)\b(?P<rest>.*)$"
    ),
]
_CALL_STATEMENT = _m(
    r"^(?:i\s+|we\s+)?(?:just\s+)?(?:(?:had|was\s+having|were\s+having)\s+a\s+(?:\w+\s+)?(?:call|(?P<meeting>sync|chat|catch-?up|meeting|convo|conversation|"
    r"zoom))|had\s+(?:a\s+good\s+|a\s+quick\s+)?(?:\d+|an?|half\s+an|a\s+few|ten|fifteen|twenty|thirty|forty(?:-|\s+)five)[\s-]*"
    r"(?:min(?:ute)?s?|hours?|hrs?)(?=\s+(?:on\s+the\s+phone\s+)?with\b)|(?:(?:got|hopped|jumped)\s+)?off\s+(?:the|a)\s+(?:phone|cal"
    r"l)|(?:a\s+)?(?:(?:great|good|nice|productive|solid|quick|long|tough|rough|interesting)\s+)?call(?=\s+with\b)|"
    r"was\s+on\s+the\s+phone|(?:spoke|talked|chatted)(?:\s+on\s+the\s+phone)?|called|phoned|rang|hung\s+up)\b(?P<rest"
    r">.*)$"
)
_ON_THE_PHONE = _m(
    r"^(?:i\s+|we\s+)?(?:just\s+)?had\s+(?P<who>(?!a\s)[a-z][\w'.-]*(?:\s+[a-z][\w'.-]*)?(?:\s+(?:at|from)\s+[a-z][\w&.'-]*(?:\s"
    r"+[a-z][\w&.'-]*)?)?)\s+on\s+the\s+(?:phone|line)\b"
)
_ON_THE_LINE = re.compile(r"\s+on\s+the\s+(?:phone|line)\b", _I)
_CALL_TO_LOG = _m(
    r"^(?:(?:my|the|our|that|this)\s+)?(?:(?P<when>monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|tod"
    r"ay|this\s+morning|this\s+afternoon|last\s+night)(?:'s)?\s+)?(?:\d+[\s-]?(?:min(?:ute)?|hour|hr)s?\s+)?(?:(?:phone|sales|q"
    r"uick|short|discovery|intro|check-?in)\s+)?call(?P<rest>(?:\s+(?!(?:needs?|has|still|should|is|must)\b)[^\s,;.]+)*?)\s+(?:still\s+)?(?:needs?\s+(?:logging|t"
    r"o\s+be\s+logged)|has\s+to\s+be\s+logged|should\s+be\s+logged|(?:is\s+)?not\s+logged\s+yet|must\s+be\s+logged)(?:\s+"
    r"(?:in|into)\s+(?:sf|sfdc|salesforce|the\s+crm))?(?P<after>.*)$"
)
"""A call named as a thing to log: "this morning's call on the umbrella renewal needs logging, ..."."""
_ONE_LIKE_IT = re.compile(
    r"^\s*[,;-]?\s*(?:it\s+)?(?:was\s+)?(?:a\s+|just\s+a\s+)?(?:(?:quick|short|long|brief|good|great|tough|rough)\s+)?(?:on"
    r"e|call|chat)?\s*",
    _I,
)
_LOG_IT = _m(
    r"^(?:please\s+)?(?:log|record|add|note|put|register|enter|save)\s+(?:it|that|this|the\s+call|that\s+call|the\s+same)(?:\s+(?:in|to|i"
    r"nto)\s+(?:salesforce|"
    r"sfdc|sf|the\s+crm))?(?:[\s,]+(?:please|for\s+(?:me|her|him|them|us)))*\s*[.!?]*$"
)


_NEXT_REQUEST = re.compile(
    r"(?:,\s*|\s+)(?:and\s+|also\s+|then\s+)+(?:please\s+|can\s+you\s+)?(?=(?:assign|move|close|bump|set|create|file|"
    r"log|remind|update|mark|link|comment|add|push|change|open|raise|give|unassign|start|reopen|resolve|make|"
    r"follow\s+up|track|ping|check\s+(?:back|in|on))\b|another\s+(?:one\s+)?(?:for|in|on)\b)",
    _I,
)


def next_request_at(low: str, start: int = 0) -> int | None:
    """Where the next request starts in text that free text would otherwise run into (", and bump the deal...")."""
    found = _NEXT_REQUEST.search(low, start)
    return found.start() if found else None


def _read_call(rest: Mapped, ctx: Ctx, *, direct: bool = False) -> dict[str, Any]:
    """The parts of a call anywhere after its head: who (with/to/for, or right after "called"), where (at/from/of),
    when, about what, and notes (after a colon, or a statement after a comma)."""
    low = rest.text.lower()
    lexicon = ctx.lexicon
    fields: dict[str, Any] = {}
    labelled = re.search(
        r"(?:,\s*|\s+|\()(?:re|regarding|subject|topic|about)\s*:\s*(?P<subject>[^,;()]+?)\s*(?:\)|(?=,|;|\.\s|$))"
        r"|[,;]\s*(?:the\s+)?(?:topic|subject)\s+(?:(?:was|is|being)\s+)?(?P<said>[^,;\u2014\u2013]+?)\s*(?=,|;|\.\s|\s[-\u2014\u2013]\s|$)"
        rf"|,\s*{_WAS_ABOUT}(?P<about>[^,;]+?)\s*(?=,|;|\.\s|$)",
        low,
    )
    if labelled is not None:
        # "re: seat count", "subject: cert warning": the call's subject
        group = next(g for g in ("subject", "said", "about") if labelled[g] is not None)  # ", topic was API limits"
        said = clean(rest.source(labelled.start(group), labelled.end(group)))
        # ", the subject was the pilot scope", ", it was about the budget freeze": the subject, without its article
        fields["subject"] = capitalised(re.sub(r"(?i)^the\s+", "", said))
        blank = " " * (labelled.end() - labelled.start())
        low = low[: labelled.start()] + blank + low[labelled.end() :]
    account_said = None
    for aside in re.finditer(r"\((?P<acc>[a-z][^()]{0,40})\)", low):
        # "with Hank Scorpio (Globex)": the account the contact is at, never what the call was about
        account_said = lexicon.account(rest.source(aside.start("acc"), aside.end("acc")))
        if account_said is not None:
            low = low[: aside.start()] + " " * (aside.end() - aside.start()) + low[aside.end() :]
            break
    about = re.search(r"\s*\((?P<about>[a-z][^()]{1,60})\)\s*[.!]*$", low)
    if about is not None and "subject" not in fields:
        # "log thursday's call with ana at initech (renewal pricing)": what the call was about
        fields["subject"] = capitalised(clean(rest.source(about.start("about"), about.end("about"))))
        low = low[: about.start()] + " " * (len(low) - about.start())
    notes = re.search(r"\s*(?::|\s-\s|\u2014|;)\s*(?:notes?\s*:\s*)?(?P<notes>.+)$", low)
    if notes is None:
        comma = re.search(
            r",\s*(?!(?:about|re|regarding|on|at|from|yesterday|today|this|last|with)\b)(?P<notes>(?:he|she|they|we|i"
            r"|it|customer|client|ana|[a-z][a-z0-9]*)\b.+)$",
            low,
        )
        if comma is not None and read_date(comma["notes"], ctx) is None:
            notes = comma
    if notes is None:
        # "... re pricing tiers hes asking for multi year pricing": a clause with a subject of its own run on after
        # the call (no comma typed) is what was said on it, not who or what the call was with or about
        notes = re.search(
            r"(?<=\w)\s+(?P<notes>(?:(?:he|she|they|we)(?:'(?:s|re|ll|d))?|hes|shes|theyre|theyll|i'?m|im|i'?ll)\s+"
            r"(?!(?:had|have|did|just\s+had|spoke|talked|called|phoned|rang|chatted|was\s+on)\b)[a-z].*)$",
            low,
        )
    body_end = notes.start() if notes else len(low)
    if notes:
        fields["description"] = free_text(rest, notes.start("notes"), notes.end("notes")) or None
    head = low[:body_end]
    for candidate in re.finditer(rf"(?:\b(?:on|from)\s+)?(?P<date>(?:last\s+)?{DATE})", head, _I):
        written = candidate["date"]
        parsed = parse_date(written, today=ctx.today, past=True, order=ctx.order)
        ahead = parse_date(written, today=ctx.today, order=ctx.order) if parsed is None else None
        if parsed is not None or (ahead is not None and ahead > ctx.today):
            fields["call_date"] = parsed if parsed is not None else ahead
            head = head[: candidate.start()] + " " * (candidate.end() - candidate.start()) + head[candidate.end() :]
            break
    vague = re.search(rf"(?:\b(?:on|from|in|during)\s+)?\b(?P<d>{_VAGUE_PAST})\b", head)
    vague = None if "call_date" in fields else vague
    if vague is not None:
        # "sometime last week", "the other day": a call on some day not said (asked, never read as today)
        fields["_vague_date"] = clean(rest.source(vague.start("d"), vague.end("d")))
        head = head[: vague.start()] + " " * (vague.end() - vague.start()) + head[vague.end() :]
    successor = _SUCCESSOR.search(head)
    if successor is not None:
        # "with the person taking over from Alice Wong at Umbrella Health": someone not named yet (asked), at
        # the account said; the one they take over from is not the contact
        fields["_unnamed"] = clean(rest.source(successor.start("who"), successor.end("who")))
        if successor["acc"]:
            account = lexicon.account(rest.source(successor.start("acc"), successor.end("acc")))
            if account is not None:
                fields["account"] = clean(rest.source(successor.start("acc"), successor.end("acc")))
        head = head[: successor.start()] + " " * (successor.end() - successor.start()) + head[successor.end() :]
    stop_words = (
        r"(?!at\b|from\b|of\b|about\b|on\b|re\b|regarding\b|yesterday\b|today\b|this\b|last\b|and\b|earlier\b|just\b|"
        r"again\b|tonight\b|recently\b|before\b|after\b)"
    )
    who = re.search(rf"\b(?:with|to|for)\s+(?P<who>[a-z][\w'.-]*(?:\s+{stop_words}[a-z][\w'.-]*){{0,2}})", head)
    if who is None and direct:
        who = re.match(rf"\s*(?P<who>[a-z][\w'.-]*(?:\s+{stop_words}[a-z][\w'.-]*){{0,2}})", head)
    where = re.search(
        rf"\b(?:at|from|of)\s+(?P<where>(?:the\s+)?[a-z0-9][\w&.'-]*(?:\s+{stop_words}[a-z0-9][\w&.'-]*){{0,3}})", head
    )
    about = re.search(
        r"\b(?:about|re|regarding)\s+(?P<about>(?:(?!\b(?:with|to|at|from|yesterday|today)\b)[^,;:])+)", head
    )
    if who:
        written = rest.source(who.start("who"), who.end("who"))
        written = re.sub(r"^(?:mr|mrs|ms|miss|mx|dr)\.?\s+(?=\w)", "", written, flags=_I)  # "Mr. Hank Scorpio"
        contact = lexicon.contact(written, any_case=True)
        pronoun = re.fullmatch(r"(?:him|her|them)", written.strip(), _I)
        before = _contact_before(rest, ctx) if pronoun and not ctx.last_contact else None
        if pronoun and ctx.last_contact:
            fields["contact"] = ctx.last_contact  # "update alice's title, and log a call with her"
        elif before is not None:
            # "acme's wile flagged PAY-4 ... log my call w/ him": the one contact named before, and where
            fields["contact"] = before[0]
            if before[1]:
                fields["account"] = before[1]
        elif contact is not None and lexicon.account(contact) is None:
            fields["contact"] = contact
        elif lexicon.account(written) is not None and not where:
            fields["account"] = lexicon.account(written)  # "a call with umbrella health": the account
    if where:
        text = clean(rest.source(where.start("where"), where.end("where")))
        record = lexicon.record(text)
        if record is not None and record.opportunity and record.account:
            fields["account"], fields["opportunity"] = record.account, record.opportunity
        elif record is not None and record.account:
            fields["account"] = record.account
        elif lexicon.account(text) is not None:
            fields["account"] = lexicon.account(text)
        elif (team := _account_of_team(text, ctx)) is not None:
            fields["account"] = team  # "someone from the Umbrella Health finance team": the account they are at
        elif text[:1].isupper():
            fields["account"] = text
    on_record = re.search(r"\bon\s+(?P<rec>(?:the\s+)?[a-z0-9][\w&.'-]*(?:\s+[a-z0-9][\w&.'-]*){0,4})", head)
    if on_record and "account" not in fields:
        words = list(re.finditer(r"\S+", head[on_record.start("rec") : on_record.end("rec")]))
        for size in range(len(words), 0, -1):
            # "on the acme platform renewal with wile": the longest run of words that names a deal
            end = on_record.start("rec") + words[size - 1].end()
            record = lexicon.record(rest.source(on_record.start("rec"), end))
            if record is not None and record.named_as_record and record.account and lexicon.account(record.account):
                fields["account"], fields["opportunity"] = record.account, record.opportunity
                break
    unnamed = re.search(
        r"\bwith\s+(?:the|a|an|their|some)\s+(?P<account>[a-z][\w&.'-]*(?:\s+[a-z][\w&.'-]*)??)\s+(?:[a-z-]+\s+){0,2}?(?:"
        r"person|guy|gal|woman|man|lady|contact|rep|buyer|folks|people)\b"
        # "with acme's new cfo": someone of theirs, named by their role
        r"|\bwith\s+(?P<owner>[a-z][\w&.-]*(?:\s+[a-z][\w&.-]*)?)'s?\s+(?:new\s+|old\s+|current\s+|former\s+)?(?:c[a-z]o|vp|head|"
        r"director|manager|lead|buyer|counsel|controller|champion|sponsor|contact|procurement|legal|finance)\b",
        head,
    )
    if unnamed is not None and "contact" not in fields and "account" not in fields:
        # "w the globex procurement guy": someone at that account, not named (who is asked)
        group = "account" if unnamed["account"] else "owner"
        account = lexicon.account(rest.source(unnamed.start(group), unnamed.end(group)))
        if account is not None:
            fields["account"] = account
    if about and "subject" not in fields:
        # (up to its last word: a date blanked out after it, "regarding rollout today", is no part of it)
        subject = clean(rest.source(about.start("about"), about.start("about") + len(about["about"].rstrip(" .!?"))))
        record = lexicon.record(subject) if subject else None
        if (
            record is not None
            and record.named_as_record
            and record.account
            and lexicon.account(record.account) is not None
            and "account" not in fields
        ):
            fields["account"], fields["opportunity"] = record.account, record.opportunity
        elif subject and not re.fullmatch(DATE, subject, _I):
            # "about the SSO rollout": what it was about (a deal only when it names an account there is)
            fields["subject"] = capitalised(re.sub(r"(?i)^the\s+", "", subject))
    if account_said is not None:
        fields.setdefault("account", account_said)
    return fields


def _account_of_team(text: str, ctx: Ctx) -> str | None:
    """The account a group of its people is named by: "the Umbrella Health finance team", "Acme's legal folks"."""
    words = re.sub(r"(?i)^the\s+", "", text).split()
    for size in range(len(words) - 1, 0, -1):
        group = " ".join(words[size:]).lower()
        if not re.fullmatch(r"(?:[a-z]+\s+)?(?:team|folks|people|side|group|department|dept|office)", group):
            continue
        account = ctx.lexicon.account(re.sub(r"(?:'s|')$", "", " ".join(words[:size])))
        if account is not None:
            return account
    return None


_WAS_ABOUT = (
    r"(?:(?:(?:it|the\s+call|that\s+call|this\s+call|the\s+chat)\s+was|(?:we|i)\s+(?:talked|spoke|chatted))\s+(?:mainly\s+|"
    r"mostly\s+|all\s+)?about|(?:we|i)\s+discussed)\s+"
)
"""What a call was about, said as a statement: "it was about the budget freeze", "we talked about pricing"."""


def _contact_before(piece: Mapped, ctx: Ctx) -> tuple[str, str | None] | None:
    """The one contact the message named before ``piece`` (for "him" / "her"), with the account it was named at
    ("acme's wile", "wile at acme"); None when there is none, or more than one."""
    before = piece.original[: piece.starts[0]] if piece.starts else ""
    words = list(re.finditer(r"[A-Za-z][\w-]*(?:'s|')?", before))
    found: dict[str, tuple[str, str | None]] = {}
    index = 0
    while index < len(words):
        for size in (2, 1):
            chunk = words[index : index + size]
            if len(chunk) < size or any(re.search(r"'s?$", w[0]) for w in chunk[:-1]):
                continue
            name = re.sub(r"(?:'s|')$", "", " ".join(w[0] for w in chunk))
            if not ctx.lexicon.is_known_contact(name) or ctx.lexicon.account(name) is not None:
                continue
            owner = words[index - 1][0] if index else ""
            after = re.match(r"\s+(?:at|from|@)\s+(?P<acc>[A-Za-z][\w&.-]*)", before[chunk[-1].end() :])
            account = None
            if re.search(r"(?:'s|')$", owner) and ctx.lexicon.account(owner[: owner.rindex("'")]) is not None:
                account = owner[: owner.rindex("'")]  # "acme's wile"
            elif after is not None and ctx.lexicon.account(after["acc"]) is not None:
                account = after["acc"]  # "wile at acme"
            found.setdefault(name.lower(), (name, account))
            index += size - 1
            break
        index += 1
    return next(iter(found.values())) if len(found) == 1 else None


_VAGUE_PAST = (
    r"(?:(?:some\s*time|at\s+some\s+point|(?:one|some|a)\s+day)(?:\s+(?:of|in|during))?\s+)?(?:(?:earlier\s+)?(?:(?:t"
    r"he\s+)?(?:last|past)|this|earlier\s+this)\s+(?:week|month)|the\s+other\s+day|a\s+(?:few|couple(?:\s+of)?)\s+(?:"
    r"days|weeks)\s+(?:ago|back)|a\s+while\s+(?:ago|back)|recently)|some\s*time|at\s+some\s+point"
)
"""When a call was, said too loosely to be one day ("sometime last week", "some day of the last week")."""
_NOT_SURE = (
    r"(?:(?:i'?m\s+afraid|unfortunately|sadly|sorry)\s*,?\s+)?(?:i|we)\s+(?:didn'?t|did\s+not|don'?t|do\s+not|can'?t|cannot|couldn'?t|could\s+not)\s+(?:catch|know|remember|recall|h"
    r"ave)\b[^.!?]*|(?:i'?m\s+|i\s+am\s+)?not\s+sure\b[^.!?]*"
)
"""What the writer says they do not know ("I didn't catch her name", "I don't remember exactly"): no note of a call."""
_NO_NAME = (
    r"(?:(?:i|we)\s+)?(?:didn'?t|did\s+not|don'?t|do\s+not|can'?t|cannot|couldn'?t|could\s+not)\s+(?:catch|get|know|remember|recall"
    r"|have)\s+(?:the|his|her|their)\s+(?:full\s+|last\s+)?name\b[^.!?]*"
)
"""A name the writer says they do not have, said without "I" ("didn't catch the name")."""
_SUCCESSOR = re.compile(
    r"\bwith\s+(?P<who>(?:the|a|an|their|our|her|his)\s+(?:new\s+)?(?:person|one|guy|gal|woman|man|lady|contact|rep)\s+(?:(?:who"
    r"(?:'s|\s+is|\s+was)?|that(?:'s|\s+is)?)\s+)?(?:taking(?:\s+over)?\s+from|replacing|took\s+over\s+from|stepping\s+in\s+for|fi"
    r"lling\s+in\s+for|covering\s+for)\s+(?P<was>[a-z][\w'.-]*(?:\s+[a-z][\w'.-]*)?)|[a-z][\w'.-]*(?:\s+[a-z][\w'.-]*)?(?:'s|s')"
    r"\s+(?:new\s+)?(?:replacement|successor|stand-?in|cover))(?:\s+(?:at|from|of)\s+(?P<acc>[a-z0-9][\w&.'-]*(?:\s+[a-z0-9][\w&."
    r"'-]*)?))?",
    _I,
)
"""Who a call was with, said as who they take over from ("with the person taking over from Alice Wong at Umbrella
Health", "with Alice Wong's replacement"): someone not named, never the one named."""
_WITH_SOMEONE_UNNAMED = _m(
    r"\s*(?:[,;-]\s*)?(?:it\s+was\s+|(?:that\s+)?was\s+)?with\s+(?P<who>(?:the|a|an|their|our|his|her|some|one\s+of\s+th"
    r"eir)\s+(?:[a-z-]+\s+){0,3}?(?:person|guy|gal|woman|man|lady|contact|colleague|rep|buyer|manager|folks|people)s?)\b"
    r"(?=\s*(?:$|[,;.!?]|\s-\s))"
)
"""Who a call was with, described but not named ("it was with their new procurement person")."""
_CALL_SAID = _m(
    rf"^(?:(?P<about>{_WAS_ABOUT})(?P<subject>[^,;.!?]+)(?:\s*[,;]\s*(?P<notes>[^\s].*?))?"
    r"|(?:the\s+)?(?:topic|subject)\s+(?:was|is)\s+(?P<said>[^,;.!?]+)(?:\s*[,;]\s*(?P<said_notes>[^\s].*?))?"
    rf"|(?:it|the\s+call|that|this)\s+was\s+(?:on\s+)?(?P<when>[^,;.!?]+?)(?:\s*[,;]\s*(?P<unsure>{_NOT_SURE}))?"
    rf"|(?P<unknown>{_NOT_SURE}))[\s,;.!?]*$"
)
"""A sentence after a call about the call itself: what it was about (its subject, then any notes), when it was, or
what the writer does not know; any other statement after it is its notes."""


def said_of_a_call(
    sentence: Mapped, request: SalesforceLogCallRequest, ctx: Ctx
) -> tuple[SalesforceLogCallRequest, str | None] | None:
    """The call with what a sentence after it says of it (and a question, for a day said loosely); None when the
    sentence is a note ("The call was about procurement timelines." is the subject, "It was some day of the last
    week, I don't remember exactly." a date to ask for, "I didn't catch her name." nothing to file)."""
    said = _CALL_SAID.match(sentence.text.strip())
    if said is None:
        return None
    if said["unknown"]:
        return request, None
    for group, notes in (("subject", "notes"), ("said", "said_notes")):
        if said[group] is None:
            continue
        subject = clean(sentence.source(said.start(group), said.end(group)))
        if request.subject is not None or len(subject.split()) > 8:
            return None  # a subject already given, or a whole account of the call: its notes
        update: dict[str, Any] = {"subject": capitalised(re.sub(r"(?i)^the\s+", "", subject))}
        if said[notes]:
            more = clean(sentence.source(said.start(notes), said.end(notes)))
            update["description"] = f"{request.description}. {more}" if request.description else more
        return request.model_copy(update=update), None
    when = clean(said["when"])
    vague = re.fullmatch(rf"(?:on\s+|from\s+|in\s+|during\s+)?(?:{_VAGUE_PAST})", when, _I)
    if vague is not None:
        if request.call_date is not None:
            return None
        return request, f"Which call date should the call have? “{when}” is not one day."
    day = read_date(when, ctx, past=True)
    if day is None or day[0] is None or (request.call_date is not None and request.call_date != day[0]):
        return None
    if day[0] > ctx.today:
        return None
    return request.model_copy(update={"call_date": day[0]}), None


def _vague_call_date(fields: dict[str, Any]) -> str | None:
    """The question about a call whose day was said loosely (its date is left empty, never taken for today), or
    whose contact was described but not named."""
    vague = fields.pop("_vague_date", None)
    unnamed = fields.pop("_unnamed", None)
    asked = []
    if vague is not None:
        asked.append(f"Which call date should the call have? “{vague}” is not one day.")
    if unnamed is not None and "contact" not in fields:
        asked.append(f"Which contact was the call with? “{unnamed}” names nobody I can look up.")
    return " ".join(asked) or None


_CALL_AHEAD = (
    "I log calls that have happened. For a call that is coming up I can create a follow-up task instead "
    "(`remind me to call Ana on Friday`)."
)


def log_call(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    low = piece.text.lower()
    for pattern in _CALL_HEAD:
        match = pattern.match(low)
        if match is None:
            continue
        rest = match["rest"]
        if re.match(r"\s*(?:it|that|this)\b", rest):
            return Read(SalesforceLogCallRequest()), len(low)  # "log it": the statement before says who
        tail = re.search(r"(?:,\s*|\s+)(?:can\s+you\s+)?(?:please\s+)?(?:add|log|record)\s+(?:it|that)\b.*$", rest)
        stop = match.start("rest") + (tail.start() if tail else len(rest))
        following = next_request_at(low, match.start("rest"))
        also = _also_a_request_at(piece, match.start("rest"), ctx, statements=True)
        if also is not None and (following is None or also < following):
            following = also  # "log the call (...), and the Umbrella renewal can go to Negotiation/Review now"
        end = len(low)
        if following is not None and following < stop:
            stop = end = following
        direct = bool(match.groupdict().get("direct"))
        fields = _read_call(piece.slice(match.start("rest"), stop), ctx, direct=direct)
        when = match.groupdict().get("when")
        if when and "call_date" not in fields:
            # "log my tuesday call with ...", "this morning's call": the day it was, before the word call
            day = "today" if when in ("this morning", "morning", "afternoon") else when
            fields["call_date"] = parse_date(day, today=ctx.today, past=True, order=ctx.order)
        if fields.get("call_date") and fields["call_date"] > ctx.today:
            return Unsupported(_CALL_AHEAD), end
        vague = _vague_call_date(fields)
        # Sentences after the call are its notes ("... from friday. notes: she's fine with the 3 year term")
        return Read(SalesforceLogCallRequest(**fields), open_field="description", question=vague), end
    named = _CALL_TO_LOG.match(low)
    if named is not None:
        fields = _read_call(piece.slice(named.start("rest"), named.end("rest")), ctx)
        vague = _vague_call_date(fields)
        if named["when"] and "call_date" not in fields:
            day = "today" if named["when"].startswith("this") else named["when"]
            fields["call_date"] = parse_date(day, today=ctx.today, past=True, order=ctx.order)
        after = named.start("after") + _ONE_LIKE_IT.match(named["after"]).end()  # type: ignore[union-attr]
        said = re.match(r"(?:re|about|regarding)\b\s*:?\s*(?P<about>[^,;.!?]+)", low[after:])
        if said is not None and "subject" not in fields:
            # "..., was a quick one re seat counts": what the call was about
            subject = clean(piece.source(after + said.start("about"), after + said.end("about")))
            fields["subject"] = capitalised(re.sub(r"(?i)^the\s+", "", subject))
            after += said.end()
        unnamed = _WITH_SOMEONE_UNNAMED.match(low, after)
        if unnamed is not None and "contact" not in fields:
            # "... needs logging - it was with their new procurement person, didn't catch the name": who it was
            # with is asked, never read from the description
            who = clean(piece.source(unnamed.start("who"), unnamed.end("who")))
            vague = vague or f"Which contact was the call with? “{who}” names nobody I can look up."
            after = unnamed.end()
        notes = free_text(piece, after, len(low)).strip(" ,;.-") if low[after:].strip(" ,;.!?-") else ""
        if notes and re.fullmatch(rf"(?:{_NOT_SURE}|{_NO_NAME})[\s.!?]*", notes, _I):
            notes = ""  # "didn't catch the name": what the writer does not know, no note of the call
        if notes:
            fields["description"] = notes  # anything else said about it: its notes
        return Read(SalesforceLogCallRequest(**fields), open_field="description", question=vague), len(low)
    on_the_phone = _ON_THE_PHONE.match(low)
    if on_the_phone is not None:
        # "had ana silva on the phone, ...": a call with her, said the other way round
        head = re.compile(rf"^{re.escape(low[: on_the_phone.start('who')])}", _I)
        piece = piece.sub(_ON_THE_LINE, "").sub(head, lambda m: f"{m[0]}a call with ")  # the name keeps its place
        low = piece.text.lower()
    shift = 0
    me_too = _THEY_AND_I.match(low)
    if me_too is not None and ctx.lexicon.contact(piece.source(me_too.start("who"), me_too.end("who")), any_case=True):
        # "alice wong and I talked yesterday, log it": I talked to her
        rewritten = piece.sub(re.compile(r"\s+and\s+(?:i|we)\s+(?:talked|spoke|chatted)\b", _I), "")
        rewritten = rewritten.sub(re.compile(r"^"), "i talked to ")  # the name keeps its place in what was written
        shift = len(low) - len(rewritten.text)
        piece, low = rewritten, rewritten.text.lower()
    both = _TWO_ON_A_CALL.match(low)
    if both is not None and ctx.lexicon.knows_person(piece.source(both.start("ours"), both.end("ours"))):
        # "Kara and Alice Wong from Umbrella Health had a call yesterday ...": a call with the one not ours
        if re.match(r"(?:i|we)\s", low[both.end() :]):
            rewritten = piece.sub(re.compile(r"^[^\s]+\s+and\s+", _I), "")  # "Kara and I had a call with ..."
        else:
            rewritten = piece.sub(re.compile(r"^[^\s]+\s+and\s+", _I), lambda m: "had a call with ")
            rewritten = rewritten.sub(re.compile(rf"(?<=\S)\s+{_HAD_A_CALL}\b", _I), "")
        shift = len(low) - len(rewritten.text)
        piece, low = rewritten, rewritten.text.lower()
    match = _CALL_STATEMENT.match(low)
    if match is not None:
        rest = match["rest"]
        log_it = _LOG_IT_AFTER.search(rest)
        if match["meeting"] and not (log_it and re.search(r"\bas\s+a\s+call\b", log_it[0])):
            return None  # a sync or a meeting is logged only when asked to log it as a call
        stop = match.start("rest") + (log_it.start() if log_it else len(rest))
        also = _also_a_request_at(piece, match.start("rest"), ctx)
        if also is not None and also < stop:
            stop = also
        direct = bool(re.match(r"(?:i\s+|we\s+)?(?:just\s+)?(?:called|phoned|rang)\b", low))
        fields = _read_call(piece.slice(match.start("rest"), stop), ctx, direct=direct)
        vague = _vague_call_date(fields)
        if "contact" not in fields and "account" not in fields:
            return None
        # A call someone had is a request to log it only with "log it" (here, or in the next clause), or when the
        # next clause asks for something "also": "had a call with ana today, also task for erin to ...".
        # "Had 45 min with Ana ... Notes: ... Log it please.": the message ends by asking to log it, so what it
        # says between is the call's notes
        asked = (
            log_it is not None
            or also is not None
            or bool(_LOG_IT_LAST.search(ctx.request.request_text))
            or bool(piece.ends and _LOG_IT_NEXT.match(piece.original[piece.ends[-1] :]))
        )
        end = stop
        if log_it and also is None:
            # "..., log that pls + globex opp next step = ...": a request after the ask to log is read on its own
            after = match.start("rest") + log_it.start()
            following = re.search(r"(?:,\s*|;\s*|\s+)(?:and|also|then|plus)\s+(?=\S)", low[after:])
            end = after + following.start() if following is not None else len(low)
        # asked to be logged, the sentences after it are its notes ("..., log it. notes: wants EUR")
        return Read(
            SalesforceLogCallRequest(**fields),
            weak=not asked,
            open_field="description" if asked else None,
            question=vague if asked else None,
        ), end + shift
    called = _THEY_CALLED.match(low)
    if called is not None:
        # "hank scorpio from globex called, log it": who called, then the ask to log it
        log_it = _LOG_IT_AFTER.search(low, called.end())
        fields = _read_call(piece.slice(called.start("who"), called.end("who")), ctx, direct=True)
        if "contact" in fields and lexicon_knows_contact(fields["contact"], ctx):
            when = _read_call(piece.slice(called.end("who"), log_it.start() if log_it else len(low)), ctx)
            fields.update({k: v for k, v in when.items() if k in ("call_date", "_vague_date")})
            vague = _vague_call_date(fields)
            question = vague if log_it is not None else None
            end = len(low)
            if log_it is None:
                # "Wile called, acme is dropping two modules ...": only a remark; the clauses after it are read
                clause = re.compile(r"\s*(?:,|;|\s-\s|\.\.+)\s*").search(low, called.end())
                end = clause.start() if clause else len(low)
            return Read(SalesforceLogCallRequest(**fields), weak=log_it is None, question=question), end
    match = _LOG_IT.match(low)
    if match is not None and (
        "call" in low or ctx.last_kind == "salesforce.log_call" or (ctx.last_kind is None and low.startswith("log"))
    ):
        # "log it" is the call only where a call was the subject: after "PAY-6 duplicates PAY-12," a "record
        # that" is about the link, not a call nobody mentioned
        return Read(SalesforceLogCallRequest()), len(low)
    return None


_ALSO = re.compile(r"(?:,\s*|;\s*|\s+)(?:and\s+)?(?:also|plus)\s+|(?:,|;)\s*and\s+(?:then\s+)?|\s+and\s+then\s+", _I)


def _also_a_request_at(piece: Mapped, start: int, ctx: Ctx, *, statements: bool = False) -> int | None:
    """Where ", also <a request>" starts after a call someone had (the free text of the call stops there); with
    ``statements``, also where ", and <a statement naming a change of a known record>" starts ("..., and the
    Umbrella renewal can go to Negotiation/Review now"): a request of its own, never the call's notes."""
    for found in _ALSO.finditer(piece.text.lower(), start):
        rest = piece.slice(found.end(), len(piece.text))
        for frame in FRAMES:
            if frame is log_call:
                continue
            read = frame(rest, ctx)
            if read is not None and isinstance(read[0], Read) and (statements or not read[0].weak):
                return found.start()
        clause = re.split(r"[,;]\s|[.!?](?:\s|$)", rest.text, maxsplit=1)[0]
        if statements and read_terse_change(clause, ctx.lexicon) is not None:
            return found.start()  # "..., and the Umbrella renewal can go to Negotiation/Review now"
    return None


_LOG_IT_AFTER = re.compile(
    r"(?:,\s*|\s+|\.\s*)(?:so\s+)?(?:can\s+you\s+)?(?:please\s+)?(?:(?:log|record|add|put|register)(?:\s+(?:it|that|the\s+call|thi"
    r"s)\b.*|"
    r"\s*(?:it\s+)?(?:please\s+)?[.!]*)|get\s+(?:it|that|this|the\s+call|that\s+call)\s+(?:into|in|logged\s+in)\s+(?:sf|sfdc|sal"
    r"esforce|the\s+crm).*)$",
    _I,
)
"""The ask to log a call someone had ("..., pls log it", "..., log that", "..., pls log")."""
_LOG_IT_LAST = re.compile(
    r"(?:^|[.!?]\s+)(?:so\s+)?(?:(?:can|could|would)\s+you\s+)?(?:please\s+|pls\s+|kindly\s+)?(?:log|record)\s+(?:it|that|this|the\s+"
    r"call|the\s+same)(?:\s+(?:in|into)\s+(?:sf|sfdc|salesforce|the\s+crm))?(?:\s+(?:please|pls|for\s+me|thanks|thx))*\s*[.!?]*\s*$",
    _I,
)
"""The ask to log a call as the message's last sentence ("... Notes: they'll accept 5%. Log it please.")."""
_HAD_A_CALL = r"(?:had\s+a\s+(?:\w+\s+)?call|spoke|talked|were\s+on\s+the\s+phone)"
_THEY_AND_I = _m(r"^(?P<who>[a-z][\w'.-]*(?:\s+[a-z][\w'.-]*)?)\s+and\s+(?:i|we)\s+(?=(?:talked|spoke|chatted)\b)")
"""A contact and me on a call, the contact first: "alice wong and I talked yesterday"."""
_TWO_ON_A_CALL = _m(
    r"^(?P<ours>[a-z][\w'.-]*)\s+and\s+(?=[a-z][\w'.-]*(?:\s+[a-z][\w'.-]*)?(?:\s+(?:at|from|of)\s+[a-z0-9][\w&.'-]*(?:\s+[a-z0-"
    rf"9][\w&.'-]*)?)?\s+{_HAD_A_CALL}\b)"
)
"""Two people on a call, one of ours named first: "Kara and Wile Coyote of Acme had a call this afternoon"."""
_LOG_IT_NEXT = re.compile(
    r"^\s*[.!?;]*\s+(?:so\s+)?(?:(?:can|could|would|will)\s+you\s+)?(?:please\s+|pls\s+|kindly\s+)?(?:log|record)\s+(?:it|that|t"
    r"his|the\s+call)(?=\s*(?:$|[,.;!?]|\s+(?:for|in|into|please|pls|and|too)\b))",
    _I,
)
"""The ask to log a call as the sentence right after it ("... had a call yesterday. Please log it, and ...")."""
_THEY_CALLED = _m(
    r"^(?P<who>[a-z][\w'.-]*(?:\s+[a-z][\w'.-]*){0,1}(?:\s+(?:at|from|of)\s+[a-z0-9][\w&.'-]*(?:\s+[a-z0-9][\w&.'-]*)?)?)"
    r"\s+(?:just\s+)?(?:called|rang|phoned)(?:\s+(?:me|us))?\b"
)


def lexicon_knows_contact(name: str, ctx: Ctx) -> bool:
    """Whether a name read as a call's contact is one the vocabulary knows (a statement about an unknown word is
    not a call)."""
    return ctx.lexicon.is_known_contact(name)


# ---------------------------------------------------------------------------------------------------------------
# Salesforce: create a task


_TASK_NOUN = r"(?:(?:follow[\s-]?up|reminder)\s+)?(?:task|todo|to-do|reminder|follow[\s-]?up|action\s+item)"
_TASK_OWNER = (
    r"me|[a-z][\w'.-]*(?:\s+[a-z][\w'.-]*)?|(?:the\s+)?(?:[a-z0-9][\w&.'-]*(?:\s+[a-z0-9][\w&.'-]*){0,3}?(?:'s|')?\s+)?(?:a"
    r"ccount|opportunity|opp|deal)\s+owner(?:\s+(?:of|for|on)\s+(?:the\s+)?[a-z0-9][\w&.'-]*(?:\s+[a-z0-9][\w&.'-]*){0,3}?)?"
)
"""Whose task it is, said before it: a person, or the owner of a record (checked by the lexicon afterwards)."""
_TASK_FRAMES = [
    _m(
        rf"^(?:please\s+)?(?:create|add|make|set\s+up|open|log|put\s+in|enter)\s+(?:a\s+|an\s+|one\s+)?(?:new\s+)?(?:salesfo"
        rf"rce\s+)?(?P<noun>{_TASK_NOUN})\b(?P<rest>.*)$"
    ),
    _m(
        rf"^(?:an?\s+)?(?:new\s+)?(?:salesforce\s+)?(?P<noun>{_TASK_NOUN})(?:\s+(?=for\b|on\b|under\b)|(?<!reminder)(?<!follow"
        rf"[\s-]up)(?<!followup)\s*(?=:))(?P<rest>.*)$"
    ),
    # "give erin a task to ...", "set Ivy a to-do: ...", "give the Hooli account owner a task: ...": whose task it is
    _m(
        rf"^(?:please\s+)?(?:make|create|give|set|assign)\s+(?P<owner_first>{_TASK_OWNER})\s+(?:a|an)\s+(?:new\s+)?(?P<"
        rf"noun>{_TASK_NOUN})\b(?P<rest>.*)$"
    ),
    _m(r"^(?:please\s+)?(?:remind|nudge|ping)(?P<noun>)\s+(?P<rest>.+)$"),
    _m(r"^(?:please\s+)?set\s+(?:a|an)\s+(?P<noun>reminder)\s+(?P<rest>.+)$"),
    _m(
        rf"^(?P<owner_first>{MENTION})\s*,?\s*(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:own|take|handle|do|pi"
        rf"ck\s+up)\s+(?:a|an|the)\s+(?:follow[\s-]?up\s+)?(?P<noun>task|todo|to-do|follow[\s-]?up|action\s+item)\b(?"
        rf"P<rest>.*)$"
    ),
    _m(
        rf"^(?:(?:we|i)\s+)?(?:need|want|should\s+have|could\s+use)\s+(?:a|an)\s+(?:new\s+)?(?:salesforce\s+)?(?P<noun>"
        rf"{_TASK_NOUN})\b(?P<rest>.*)$"
    ),
    # "Kara would like a task for Frank: ...": someone's wish, relayed; the task's owner follows it
    _m(
        r"^(?:[a-z][\w-]*(?:\s+|(?='d\s)))?(?:would\s+like|'d\s+like|asked\s+(?:me\s+)?for)\s+(?:a|an)\s+(?:new\s+)?"
        r"(?:salesforce\s+)?(?P<noun>task|to-?do|action\s+item)\b(?P<rest>.*)$"
    ),
    # "can the account owner for Umbrella Health get a task to ...": the owner asked about first
    _m(
        rf"^(?:can|could|would|should|will)\s+(?P<owner_first>{_TASK_OWNER})\s+(?:get|have|take|be\s+given)\s+(?:a|an)\s+("
        rf"?:new\s+)?(?P<noun>{_TASK_NOUN})\b(?P<rest>.*)$"
    ),
]


_OWNER_PHRASE = (
    r"(?:the\s+)?(?:(?P<owner_rec>[a-z0-9][\w&.'-]*(?:\s+[a-z0-9][\w&.'-]*){0,3}?)(?:(?:'s|')\s+|\s+(?=(?:account|op"
    r"portunity|opp|deal)\s+owner\b)))?"
    r"(?P<role>account|opportunity|opp|deal)\s+owner(?:\s+(?:of|for|on)\s+(?P<owner_of>(?:the\s+)?[a-z0-9][\w&.'-]*(?"
    r":\s+[a-z0-9][\w&.'-]*){0,3}?))?"
)
_THANKS = r"(?:please|thanks|thank\s+you|thx|ty)"
"""Politeness in a task's words (in the text as read, where "pls" is already "please"): never its owner or subject."""
_PERSON_WORDS = r"(?:me|myself|<@[uw][a-z0-9]+(?:\|[^>]*)?>|[a-z][\w'.-]*(?:\s+[a-z][\w'.-]*)??)"
_TASK_VERB = (
    r"(?:send|re-?send|call|e-?mail|chase|ping|follow\s+up|check|prep|prepare|write|draft|review|book|schedule|share|confirm|ask|"
    r"collect|sign|renew|reach\s+out|finish|pull|find|circle\s+back|loop|reply|respond|revert|line\s+up|sort\s+out|grab|"
    r"print|submit|order|arrange|organi[sz]e|compile|gather|invite|introduce|research|set\s+up|get|refresh|ring|phone|meet|"
    r"demo|present|deliver|revise|finali[sz]e|put\s+together|walk|text|update)"
)
"""The verb a task's words start with, when they follow whose task it is with no "to" or colon ("task for erin chase
the msa")."""
_TASK_STOP = (
    rf"(?=\s*(?::|,|->|\s+to\b|\s+on\b|\s+for\b|\s+about\b|\s+regarding\b|\s+re\b|\s+against\b|\s+by\b|\s+due\b|\s+(?:{DATE})\b|"
    rf"\s+that\b|\s*$|\s+-\s|\s+{_TASK_VERB}\s|"
    rf"\s+{_THANKS}\b))"
)


_REASON_AFTER = (
    r"\s*(?:,|;|\s-\s)\s*(?:(?:since|because|as(?!\s+(?:well|soon|per)\b)|cause|cuz|given\s+that|so\s+that)\b|(?:(?:the|our|their|his|her|my)\s+)?"
    r"[a-z][\w'-]*(?:\s+[a-z][\w'-]*){0,3}\s+(?:needs?|wants?|asked\s+for|(?:is|are)\s+waiting\s+(?:on|for)|depends?\s+on)"
    r"\s+(?:it|this|that|them)\b)[^.!?]*[.!?]*\s*$"
)
"""Why a task is due when it is, said after its date ("..., since Monday is a holiday", "..., finance needs it"):
context, never part of its subject."""


_WHOEVER = (
    r"(?:[\s,;-]+(?:idc|i\s+don'?t\s+(?:really\s+)?(?:care|mind)|(?:it\s+)?doesn'?t\s+matter|no\s+matter)\s+who\s+(?:owns|does|"
    r"takes|gets|picks\s+up|handles)\s+it|[\s,;-]+(?:anyone|anybody|whoever|someone)\s+(?:can\s+(?:own|take|do)\s+it|is\s+fine|"
    r"works))"
)
"""Said after a task: whose it is, left open ("... by tmrw idc who takes it", ", anyone can take it")."""


def _owner(match: re.Match[str], rest: Mapped, offset: int, ctx: Ctx, fields: dict[str, Any]) -> bool:
    """Read the owner a task names (a person, or the owner of a record); False when the words are no owner."""
    lexicon = ctx.lexicon
    if match.groupdict().get("role"):
        fields["owner"] = ACCOUNT_OWNER if match["role"] == "account" else OPPORTUNITY_OWNER
        for group in ("owner_rec", "owner_of"):
            if match[group]:
                record = lexicon.record(rest.source(offset + match.start(group), offset + match.end(group)))
                if record is not None:
                    fields["account"] = record.account
                    if record.opportunity:
                        fields["opportunity"] = record.opportunity
        return True
    text = rest.source(offset + match.start("who"), offset + match.end("who")).strip()
    if re.fullmatch(r"me|myself", match["who"].strip(), _I):
        text = "me"  # the requester, however it was written ("on my plate")
    person = text if re.fullmatch(MENTION, text) else lexicon.person(text)
    if person is None:
        return False
    fields["owner"] = person
    return True


def _task_parts(rest: Mapped, ctx: Ctx, *, remind: bool, owner: str | None, follow_up: bool) -> dict[str, Any] | None:
    """Who does the task, on which record, by when (in any order), then what: "for erin on the Acme renewal: send
    the deck, due Friday", (remind) "erin thursday to send the deck"."""
    low = rest.text.lower()
    lexicon = ctx.lexicon
    fields: dict[str, Any] = {}
    if owner is not None:
        fields["owner"] = owner
    position = 0
    if remind and owner is None:
        who = re.match(rf"\s*(?:{_OWNER_PHRASE}|(?P<who>{_PERSON_WORDS})){_TASK_STOP}", low, _I)
        if who is None or not _owner(who, rest, 0, ctx, fields):
            return None
        position = who.end()
    for _ in range(6):
        tail = low[position:]
        polite = re.match(rf"\s*,?\s*{_THANKS}\b", tail)
        if polite is not None:
            position += polite.end()
            continue
        who = re.match(rf"\s*for\s+(?:{_OWNER_PHRASE}|(?P<who>{_PERSON_WORDS})){_TASK_STOP}", tail, _I)
        if who is not None and "owner" not in fields and _owner(who, rest, position, ctx, fields):
            position += who.end()
            continue
        record = re.match(
            rf"\s*(?P<prep>on|for|about|regarding|re|under|against)\s+(?P<rec>(?:the\s+)?[a-z0-9][\w&.'-]*(?:\s+[a-z0-9][\w&.'-]*){{0,4"
            rf"}}?){_TASK_STOP}",
            tail,
            _I,
        )
        if record is not None and "account" not in fields:
            found = lexicon.record(rest.source(position + record.start("rec"), position + record.end("rec")))
            if found is not None and (
                found.named_as_record
                or re.search(r"\baccount\b", record["rec"])
                or (record["prep"] != "for" and lexicon.account(record["rec"]) is not None)  # "on umbrella health"
            ):
                fields["account"] = found.account
                if found.opportunity:
                    fields["opportunity"] = found.opportunity
                position += record.end()
                continue
        date = re.match(rf"\s*,?\s*(?:on\s+|by\s+|due\s+|for\s+)?(?P<date>{DATE})\b", tail, _I)
        if date is not None and "due_date" not in fields:
            fields["due_date"] = parse_date(date["date"], today=ctx.today, order=ctx.order)
            position += date.end()
            continue
        break
    so = re.match(
        rf"\s*,?\s*so\s+(?:that\s+)?(?P<who>{_PERSON_WORDS})\s+(?P<modal>(?:can|will)\s+)?(?P<verb>[a-z]+)\s+(?=\S)",
        low[position:],
    )
    so_owner = lexicon.person(rest.source(position + so.start("who"), position + so.end("who"))) if so else None
    if so is not None and "owner" not in fields and so_owner is not None:
        # "set up a task so erin sends Wile Coyote the renewal paperwork": whose task it is, and what they do
        fields["owner"] = so_owner
        base = so["verb"] if so["modal"] else _base_verb(so["verb"])
        subject_end = next_request_at(low, position + so.end()) or len(low)
        due = re.search(
            rf"(?:,\s*|\s+)(?:(?:it'?s\s+)?due\s*|by\s+|on\s+|before\s+)?(?P<date>{DATE}|{VAGUE_DATE})\s*[.!?]*\s*$",
            low[position + so.end() : subject_end],
            _I,
        )
        read_to = subject_end
        if due is not None and "due_date" not in fields:
            fields["due_date"] = parse_date(due["date"], today=ctx.today, order=ctx.order)
            subject_end = position + so.end() + due.start()
        words = free_text(rest, position + so.end(), subject_end)
        fields["subject"] = capitalised(f"{base} {words}") if words else None
        fields["_end"] = read_to
        return fields
    sep = re.match(r"\s*(?:,\s*to\b|:|->|-|,|\bto\b|\bthat\b|\babout\b)\s*", low[position:])  # ", to call hooli back"
    if sep is None and position > 0 and ("owner" in fields or "account" in fields):
        sep = re.match(rf"\s+(?={_TASK_VERB}\s)", low[position:])  # "task for <@U0ERIN001> chase the msa"
    if sep is None:
        if low[position:].strip(" .!?"):
            return None
        fields["subject"] = "Follow up" if follow_up else None
        return fields
    start = position + sep.end()
    subject_end = len(low)
    following = next_request_at(low, start)
    if following is not None:
        subject_end = following
    polite = re.search(rf"(?:[\s,]+{_THANKS})+\s*[.!?]*\s*$", low[start:subject_end])
    if polite is not None:
        subject_end = start + polite.start()  # "..., by the 30th, thx": the date is still the last thing said
    anyone = re.search(rf"{_WHOEVER}\s*[.!?]*\s*$", low[start:subject_end])
    if anyone is not None and "owner" not in fields:
        subject_end = start + anyone.start()  # "..., by tmrw idc who takes it": whose task it is, left open (asked)
    reason = re.search(rf"(?:{DATE})(?P<why>{_REASON_AFTER})", low[start:subject_end], _I)
    if reason is not None:
        subject_end = start + reason.start("why")  # "... by 2027-05-14, the churn model needs it": why, not what
    due = re.search(
        rf"(?:,\s*|\s+)(?:and\s+)?(?:(?:it'?s\s+)?(?:due|deadline)\s*(?:date\s*)?(?::|on|by|is)?\s*|by\s+|on\s+|befor"
        rf"e\s+|until\s+)?(?P<date>{DATE}|{VAGUE_DATE})\s*[.!?]*\s*$",
        low[start:subject_end],
        _I,
    )
    read_to = subject_end
    if due is not None and "due_date" not in fields:
        fields["due_date"] = parse_date(due["date"], today=ctx.today, order=ctx.order)
        read_to = start + due.end()  # the date is the task's, however it was led in ("until friday" for "by friday")
        subject_end = start + due.start()
    subject = free_text(rest, start, subject_end)
    if subject and _VAGUE_SUBJECT.fullmatch(subject):
        subject = ""  # "about that thing we talked about": what the task is was not said, so it is asked
    if not subject and follow_up:
        subject = "Follow up"
    fields["subject"] = capitalised(subject) if subject else None
    if subject:
        _records_in_subject(subject, ctx, fields)
    fields["_end"] = read_to
    return fields


def _base_verb(verb: str) -> str:
    """A verb as an instruction: "sends" is "send", "pushes" is "push", "copies" is "copy"."""
    if re.search(r"(?:ss|sh|ch|x|zz|o)es$", verb):
        return verb[:-2]
    if verb.endswith("ies") and len(verb) > 4:
        return verb[:-3] + "y"
    if verb.endswith("s") and not verb.endswith("ss"):
        return verb[:-1]
    return verb


_VAGUE_SUBJECT = re.compile(
    r"(?:(?:about|re|on)\s+)?(?:that|this|the|those|these)\s+(?:thing|things|stuff|matter|issue|topic)(?:\s+(?:we|i|you|they)\s+("
    r"?:talked|spoke|chatted)\s+about|\s+(?:we|i|you|they)\s+(?:discussed|mentioned|said))?(?:\s+(?:earlier|before|yesterday"
    r"|today|last\s+week))?|(?:what|the\s+stuff)\s+(?:we|i|you)\s+(?:discussed|talked\s+about|mentioned|said)(?:\s+(?:earlier|b"
    r"efore|yesterday|today))?|it|that|this|stuff|something|(?:the|our|my)\s+usual\b.*|(?:the\s+)?same\s+as\s+(?:always|usual|"
    r"last\s+time|before)\b.*",
    _I,
)
"""A task subject that names nothing ("that thing we talked about", "stuff", "the usual", "the usual prep before a
renewal call", "same as last time")."""


def _records_in_subject(subject: str, ctx: Ctx, fields: dict[str, Any]) -> None:
    """A task's subject may name what it is about: "call Ana at Initech" (a contact and the account), "review the
    Umbrella Health renewal" (an opportunity). A bare company ("send Globex the deck") stays in the subject only."""
    lexicon = ctx.lexicon
    person = re.search(
        r"\b(?:with|call|email|ping|chase|to)\s+(?P<who>[A-Za-z][\w'-]*(?:\s+[A-Za-z][\w'-]*)?)\s+(?:at|from)\s+(?P<wh"
        r"ere>[A-Za-z][\w&.'-]*(?:\s+[A-Za-z][\w&.'-]*)?)",
        subject,
    )
    if person is not None and "contact" not in fields:
        who, where = person["who"], person["where"]
        # a name the vocabulary knows in any case ("call wile coyote at acme"), else capitalised words ("Ana Lee")
        named = lexicon.is_known_contact(who) or all(w[0].isupper() for w in who.split()[1:])
        capitalised_words = re.match(r"[A-Z][\w&.'-]*(?:\s+[A-Z][\w&.'-]*)?", where)
        account = (
            lexicon.account(where)
            or lexicon.account(where.split()[0])
            or (capitalised_words[0] if capitalised_words else None)
        )
        contact = lexicon.contact(who, any_case=True) if named else None
        if contact is not None and account is not None:
            fields["contact"] = contact
            fields.setdefault("account", account)
    if "account" not in fields:
        # every "the ..." in the subject, not just the first: "send the redlines for the initech expansion"
        for named in re.finditer(
            r"(?=\bthe\s+(?P<rec>[A-Za-z0-9][\w&.'-]*(?:\s+[A-Za-z0-9][\w&.'-]*){0,3}?\s+(?:renewal|expansion|deal|oppo"
            r"rtunity|pilot|analytics|new\s+business|account))\b)",
            subject,
        ):
            record = lexicon.record(named["rec"])
            if record is not None and record.account and lexicon.account(record.account):
                fields["account"] = record.account
                if record.opportunity:
                    fields["opportunity"] = record.opportunity
                break


def _reminder_on_issue(fields: dict[str, Any], ctx: Ctx) -> FollowUpRequest | None:
    """A reminder whose words name one Jira issue and no Salesforce record ("set a reminder for me to check on PAY-9
    on Monday", "remind alice to look at OPS-2 tomorrow"): a follow-up on that issue for that person, not a
    Salesforce task about a Jira ticket. Words that name an account or a contact ("send Globex the PAY-9 notes")
    keep it a task."""
    if any(fields.get(name) for name in ("account", "opportunity", "contact")):
        return None
    subject = fields.get("subject") or ""
    keys = {key.upper() for key in re.findall(KEY, subject, _I)}
    if len(keys) != 1:
        return None
    words = re.findall(r"[A-Za-z][\w&'-]*", subject)
    for size in (1, 2):
        for at in range(len(words) - size + 1):
            phrase = re.sub(r"(?:'s|')$", "", " ".join(words[at : at + size]))
            if ctx.lexicon.account(phrase) or (size == 2 and ctx.lexicon.is_known_contact(phrase)):
                return None
    return FollowUpRequest(issue=keys.pop(), owner=fields.get("owner"), due_date=fields.get("due_date"))


_TASK_WHICH = (
    "A task where? A Jira task names its project (`create a task in OPS: rotate the keys`); a Salesforce task names "
    "who does it and what (`create a task for Erin: send the deck, due Friday`)."
)


_HAVE_DO = _m(
    r"^(?:please\s+)?(?:have|get|ask)\s+(?P<who>[a-z<@][\w'.@<>|-]*(?:\s+(?!to\b)[a-z][\w'.-]*){0,5}?)\s+(?:to\s+)?(?=(?:follow"
    r"\s+up|send|re-?send|call|email|chase|reach\s+out|check\s+in|set\s+up|share|prepare|prep|review|book|schedule|draft|s"
    rf"ign|renew|update|confirm|{_TASK_VERB[3:-1]})\b)"
)
""""have the account owner of initech follow up on ...", "ask erin to send ...": a task for that person."""
_PERSON_TO_DO = _m(
    rf"^(?P<who>{MENTION}|[a-z][\w'.-]*(?:\s+[a-z][\w'.-]*)?)\s*(?P<sep>:|\s+to)\s+(?=(?:{_TASK_VERB})\s)"
)
"""A task said as who does what: "erin to book an exec sponsor meeting ...", (in a list of tasks) "sam torres: get
the revised MSA over to umbrella health tmrw"."""
_PERSON_TO_DO_AT = re.compile(_PERSON_TO_DO.pattern.removeprefix("^"), _I)
_TASKS_SAID = re.compile(r"\b(?:tasks?|to-?dos?|action\s+items?)\b", _I)
_LIST_MARK = re.compile(r"(?:^|\n)[ \t]*(?:[-*\u2022]|\(?\d{1,2}[.)])[ \t]*$")


def _on_the_record_last(read: Read, ctx: Ctx) -> Read:
    """A task said as who does what, with no place before its words for a record: "erin to book an exec sponsor
    meeting on the Acme platform renewal, by the 30th" is a task on that deal, its subject the words before it."""
    request = read.request
    subject = getattr(request, "subject", None) or ""
    on_record = re.search(
        r"\s+(?:on|against|under)\s+(?P<rec>the\s+[a-z0-9][\w&.'-]*(?:\s+[a-z0-9][\w&.'-]*){0,4}?)[\s,.!?]*$",
        subject,
        _I,
    )
    linked = ctx.lexicon.record(on_record["rec"]) if on_record is not None else None
    if (
        on_record is None
        or linked is None
        or not linked.account
        or ctx.lexicon.account(linked.account) is None
        or not (linked.opportunity or re.search(r"\baccount$", on_record["rec"], _I))
        or getattr(request, "account", None) not in (None, linked.account)
    ):
        return read
    update = {"account": linked.account, "opportunity": linked.opportunity, "subject": subject[: on_record.start()]}
    return replace(read, request=request.model_copy(update=update))


def _a_task_for(piece: Mapped, doer: re.Match[str], ctx: Ctx) -> bool:
    """Whether "<who> to <do something>" / "<who>: <do something>" is a task for a person of the workspace: no Jira
    issue in it, and, after a colon, in a list or a message that speaks of tasks (else it is said to that person)."""
    who = piece.source(doer.start("who"), doer.end("who"))
    if not (re.fullmatch(MENTION, who.strip()) or ctx.lexicon.knows_person(who)):
        return False
    following = next_request_at(piece.text.lower(), doer.end())
    if re.search(KEY, piece.text[: following if following is not None else len(piece.text)]):
        return False
    if doer["sep"] != ":":
        return True
    start = piece.starts[0] if piece.starts else 0
    return bool(_LIST_MARK.search(piece.original[:start]) or _TASKS_SAID.search(ctx.request.request_text))


_REPEATS = re.compile(
    r"\b(?:every|each)\s+(?:other\s+)?(?:day|weekday|week|month|morning|afternoon|evening|monday|tuesday|wednesday|thursda"
    r"y|friday|saturday|sunday|\d+\s+(?:days|weeks|hours))\b|\b(?:daily|weekly|monthly|biweekly)\b(?=\s*(?:$|[,.;!?]|(?:on|u"
    r"ntil|till|starting|from|please|pls)\b))",
    _I,
)
_TASK_REPEATS = (
    "A Salesforce task happens once; I can't make it repeat. I can create it for one day (`remind Erin Friday to "
    "send the deck`), or check on an issue or a deal every week (`ping Alice about PAY-10 every Friday`)."
)


_WHO_OPEN = (
    r"(?:(?:(?:i'?m\s+)?not\s+fussed|(?:i\s+)?(?:don'?t|do\s+not)\s+(?:really\s+)?(?:mind|care)|[a-z]+\s+(?:didn'?t|did\s+not|"
    r"doesn'?t|does\s+not)\s+say|(?:it\s+)?(?:doesn'?t|does\s+not)\s+matter|no\s+matter|idc)\s+who\b[^.;!?]*|(?:one|any)\s+of\s+"
    r"(?:the|our)\s+[a-z]+s\b(?:\s+(?:can|could|should|will)\b[^.;!?]*)?|(?:anyone|anybody|whoever)(?:\s+(?:can|could|is\s+fine"
    r"|works)\b[^.;!?]*)?)"
)
"""Whose a task is, said to be left open ("one of the AEs, not fussed who", "she didn't say who should do it")."""
_OWES = _m(
    r"^(?P<lead>(?:[a-z]+\s+)?(?:would\s+like|'d\s+like|wants|want|needs|need|asked\s+for)\s+(?=(?:someone|somebody)\b))?"
    rf"(?P<who>whoever\s+owns\s+(?P<rec>(?:the\s+)?[a-z0-9][\w&.'-]*(?:\s+[a-z0-9][\w&.'-]*){{0,4}}?)|(?P<anyone>(?:someone|s"
    rf"omebody)(?:\s+(?:of|from|in|on)\s+(?:the\s+)?[a-z][\w-]*(?:\s+team)?)?|one\s+of\s+us)|(?P<owner>{_OWNER_PHRASE})|[a-z<@][\w'.@<>|-]*(?:\s+[a-z][\w'.-]*)?)\s+(?P<modal>needs\s+to|should|has\s+to|must|will|i"
    rf"s\s+going\s+to|is\s+supposed\s+to|owes\s+us|promised\s+to|(?(lead)to|(?!)))\s+(?P<what>.+?)(?:\s*(?:,|-)\s*(?P<choice>[a-z][\w.'-]*"
    rf"(?:\s*,\s*[a-z][\w.'-]*)*\s+or\s+[a-z][\w.'-]*)(?:\s*,\s*(?:whoever|whichever)\b[^,.;?!]*)?\s*[?.])?(?P<ask>(?:\s*(?:,|\.|;|\s-|\s+and|\?)\s*|\s+)(?:so\s+)?(?:(?:can|"
    rf"could)\s+you\s+)?(?:please\s+)?(?:(?:a\s+)?task\s+for\s+(?:him|her|them)|(?:(?<=[,.;?!-]\s)|(?<=[,.;?!-])|(?<=\sand\s))(?:a\s+)?task|{_WHO_OPEN}|set\s+(?:up\s+)?(?:a|an|the)\s+reminder|make\s+(?:that|this|it)\s+(?:into\s+)?(?:a"
    rf"|an)\s+(?:task|to-?do|reminder)(?:\s+for\s+(?:him|her|them))?|(?:add|create|open|log)\s+(?:a\s+)?task(?:\s+for\s+(?:that|it|this|him|her|them))?|ma"
    rf"ke\s+(?:(?:him|her|them)\s+)?(?:a\s+)?task(?:\s+for\s+(?:that|it|this|him|her|them))?|remind\s+(?:him|her|them)|track\s+(?:that|it))(?:\s+"
    rf"(?:for|by|due|on)\s+(?P<ask_date>{DATE}))?(?:\s+(?:please|for\s+me|in\s+(?:sf|salesforce)))*\s*[.!?]*)$"
)
"""Someone's obligation, then the ask to make it a task: "erin needs to get ana the MSA by wed, pls set a reminder"."""
_ANY_OWNER = (
    r"(?:\s*,?\s*(?:i\s+don'?t\s+(?:really\s+)?(?:care|mind)\s+who\s+(?:owns|does|takes|gets|picks\s+up)\s+it|(?:anyone|anybody|whoever|"
    r"someone)\s+(?:can\s+(?:own|take|do)\s+it|is\s+fine|works)))?"
)
"""Said after the ask for a task: whose it is, left open ("Make a task, I don't care who owns it")."""
_ASK_NEXT = _m(
    r"^\s*[.!?]*\s+(?:so\s+)?(?:(?:can|could|would)\s+(?:you|u|ya)\s+)?(?:please\s+|pls\s+|plz\s+)?(?:(?:(?:make|turn)\s+(?:"
    r"that|this|it)\s+(?:into\s+)?|make\s+)(?:a|an)\s+|(?:a\s+)?(?=(?:task|to-?do)\s*(?:please|pls|plz|thanks|thx)?\s*[.!?]*\s*$))(?"
    r":task|to-?do|reminder)(?:\s+(?:for|of)\s+(?:this|that|it))?(?:\s+(?:"
    rf"please|pls|plz|thanks|thx))*{_ANY_OWNER}\s*[.!?]*\s*$"
)
"""The ask to make what the sentence before said a task, as a sentence of its own: "... can u make that a task"."""
_THAT_A_TASK = _m(
    r"^(?:so\s+)?(?:(?:can|could|would)\s+you\s+)?(?:please\s+)?(?:(?:(?:make|turn)\s+(?:that|this|it)\s+(?:into\s+)?|make\s+)(?:a"
    rf"|an)\s+|(?:a\s+)?(?=(?:task|to-?do)(?:\s+please)?\s*[.!?]*$))(?:task|to-?do|reminder)(?:\s+(?:for|of)\s+(?:this|that|it))?(?:\s+p"
    rf"lease)*{_ANY_OWNER}\s*[.!?]*$"
)
_OWES_ASSIGN = _m(
    r"^(?P<who>[a-z<@][\w'.@<>|-]*(?:\s+[a-z][\w'.-]*)?)\s+needs\s+(?:a\s+)?(?:task|reminder|to-?do)\b(?P<rest>.*)$"
)
"""Who a task is for, said first: "ivy needs a task on the globex account for friday"."""
_ON_SOMEONES_LIST = _m(
    r"^(?:please\s+)?(?:put|add|drop|stick)\s+(?:a\s+)?(?:task|reminder|to-?do)\s+(?:on|in|to)\s+(?P<who>my|[a-z<@][\w'.@<>|-]*("
    r"?:\s+[a-z][\w'.-]*)?(?=(?:'s|s')\s))(?:'s|s')?\s+(?:list|plate|queue|to-?do\s+list)(?P<rest>.*)$"
)
"""'put a task on sam torres's list: follow up with ...', 'put a task on my plate: ...': the task is for that person."""


def _says_it_repeats(piece: Mapped, end: int) -> bool:
    """Whether the task's own words, or the clause that leads into them ("every friday, remind erin ..."), say it
    repeats; another request in the message that repeats says nothing about this one."""
    start = piece.starts[0] if piece.starts else 0
    lead = re.split(r"[.!?;\n]", piece.original[:start])[-1]
    if re.fullmatch(rf"\s*(?:{_REPEATS.pattern})\s*[,:-]?\s*", lead, _I):
        return True  # "every friday, remind erin ..."
    following = next_request_at(piece.text.lower(), end)
    return bool(_REPEATS.search(piece.source(0, following if following is not None else len(piece.text))))


def _as_reminder(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    """A task said some other way, rewritten as the reminder it is ("remind <who> to <what>"); the words kept keep
    where they were written, so the owner and the subject are read as the person wrote them."""
    low = piece.text.lower()
    owes = _OWES.match(low)
    following = piece.original[piece.ends[-1] if piece.ends else 0 :]
    if owes is None and (
        _ASK_NEXT.match(following)
        or re.match(rf"^\s*[.!?]*\s+{_WHO_OPEN}(?:\s*,\s*{_WHO_OPEN})*\s*[.!?]*\s*$", following, _I)
    ):
        # "someone needs to send Globex the MSA by 12/10. can u make that a task": the ask is the next sentence;
        # "someone needs to chase hooli ... . one of the AEs, not fussed who": so is whose task it is (left open)
        asked_next = piece.sub(re.compile(r"\s*$"), lambda m: ", make that a task")
        owes = _OWES.match(asked_next.text.lower())
        piece = asked_next if owes is not None else piece
    if (
        owes is not None
        and re.search(KEY, owes["what"])
        and not re.search(r"task|to-?do|remind|track", owes["ask"], _I)
    ):
        return None  # "someone needs to look at PAY-3, not fussed who": whose work on an issue, no Salesforce task
    if owes is not None:
        who = owes.start("who")
        if owes["rec"] is not None:
            if ctx.lexicon.record(piece.source(owes.start("rec"), owes.end("rec"))) is None:
                return None
            head = re.compile(r"^whoever\s+owns\s+", _I)
            asked = piece.slice(who, owes.end("what")).sub(head, lambda m: "remind the opportunity owner of ")
        elif owes["anyone"] is not None:
            # "someone needs to ...": nobody named; grounding asks who ("erin or kara?" is a choice, not an owner)
            asked = piece.slice(owes.start("what"), owes.end("what")).sub(re.compile("^"), lambda m: "create a task: ")
        elif owes["owner"] is not None:
            # "the Umbrella Health account owner should collect their W-9 by the 18th, make that a task"
            asked = piece.slice(who, owes.end("what")).sub(re.compile("^"), lambda m: "remind ")
        elif ctx.lexicon.person(piece.source(owes.start("who"), owes.end("who"))) is None:
            return None
        else:
            asked = piece.slice(who, owes.end("what")).sub(re.compile("^"), lambda m: "remind ")
        modal = re.compile(rf"\s+{re.escape(owes['modal'])}\s+(?={re.escape(owes['what'][:12])})", _I)
        found = _create_task(asked.sub(modal, lambda m: " to "), ctx)
        if found is None or not isinstance(found[0], Read):
            return None
        request = found[0].request
        if owes["ask_date"] and request.due_date is None:  # type: ignore[union-attr]
            # "... - make it a task for monday": the day the ask names is the task's
            due = parse_date(owes["ask_date"], today=ctx.today, order=ctx.order)
            request = request.model_copy(update={"due_date": due})
        return replace(found[0], request=request), len(low)
    for pattern, verb in ((_OWES_ASSIGN, r"\s+needs\s+(?:a\s+)?(?:task|reminder|to-?do)\b"), (_ON_SOMEONES_LIST, None)):
        named = pattern.match(low)
        mine = named is not None and named["who"] == "my"
        if named is None or not (mine or ctx.lexicon.person(piece.source(named.start("who"), named.end("who")))):
            continue
        asked = piece.slice(named.start("who"), len(low))
        if verb is not None:
            asked = asked.sub(re.compile(verb, _I), lambda m: "")  # "ivy needs a task on ..." -> "ivy on ..."
        else:
            list_words = re.compile(r"^my\s+\w+(?:\s+list)?|(?:'s|s')\s+(?:list|plate|queue|to-?do\s+list)", _I)
            # "sam torres's list: ..." -> "sam torres: ...", "my plate: ..." -> "me: ..."
            asked = asked.sub(list_words, lambda m: "me" if m[0].lower().startswith("my") else "")
        found = _create_task(asked.sub(re.compile("^"), lambda m: "create a task for "), ctx)
        if found is not None and isinstance(found[0], Read):
            return found[0], len(low)
    return None


_RECORD_FIRST = _m(
    r"^(?P<prep>on|for|re|regarding|about)\s+(?P<rec>(?:the\s+)?[a-z0-9][\w&.'-]*(?:\s+[a-z0-9][\w&.'-]*){0,4}?)\s*(?:"
    r",|:|\s-)\s*(?=\S)"
)
"""The record (or, after "for", the person) a task is for, said before the ask: "on Initech's expansion deal, give
erin a task to ...", "for ivy, create a task to ..."."""


def _record_first(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    lead = _RECORD_FIRST.match(piece.text)
    if lead is None:
        return None
    written = piece.source(lead.start("rec"), lead.end("rec"))
    person = ctx.lexicon.person(written) if lead["prep"].lower() == "for" else None
    record = ctx.lexicon.record(written) if person is None else None
    if person is not None:
        linked = {"owner": person}
    elif record is not None and record.account and (record.named_as_record or ctx.lexicon.account(written)):
        linked = {"account": record.account, "opportunity": record.opportunity}
    else:
        return None
    rest = piece.slice(lead.end(), len(piece.text))
    found = _as_reminder(rest, ctx) or _create_task(rest, ctx)
    if found is None or not isinstance(found[0], Read):
        return None
    request = found[0].request
    if all(getattr(request, name) is None for name in linked):
        request = request.model_copy(update={k: v for k, v in linked.items() if v is not None})
    return replace(found[0], request=request), lead.end() + found[1]


_MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:em"
    r"ber)?|dec(?:ember)?)"
)
_VAGUE_WHEN_AFTER = _m(
    r"^(?:(?:maybe|perhaps|probably|ideally|hopefully|roughly)\s*,?\s+)?(?:due\s+|by\s+)?(?P<when>(?:(?:some\s*time|at\s+some\s+poin"
    rf"t)\s+)?(?:early|mid|late)\s+(?:in\s+)?(?:the\s+new\s+year|next\s+\w+|this\s+\w+|{_MONTH_NAME})|{VAGUE_DATE})"
    r"(?:\s*,?\s*(?:if|when)\s+(?:that|it)\s+(?:works|suits)(?:\s+for\s+(?:her|him|them|you|everyone))?)?\s*[.!?]*$"
)
"""A time said loosely in a sentence of its own after a task ("Maybe sometime early in the new year, if that works for
her."): the task's due date, asked for, never guessed."""


def create_task(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    if ctx.last_kind == "salesforce.create_task" and _THAT_A_TASK.match(piece.text):
        return Filler(piece.source()), len(piece.text)  # the ask after the task it asked for: already read
    vague = _VAGUE_WHEN_AFTER.match(piece.text) if ctx.last_kind == "salesforce.create_task" else None
    if vague is not None:
        written = piece.source(vague.start("when"), vague.end("when"))
        return Unsupported(unclear_date("due_date", written)), len(piece.text)
    found = _record_first(piece, ctx) or _as_reminder(piece, ctx) or _create_task(piece, ctx)
    if found is not None and isinstance(found[0], Read) and _says_it_repeats(piece, found[1]):
        # "remind erin to send the deck every friday": not a task with "every" in its subject, nor one task
        return Unsupported(_TASK_REPEATS), found[1]
    return found


def _create_task(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    low = piece.text.lower()
    have = _HAVE_DO.match(low)
    if have is not None:
        who = piece.source(have.start("who"), have.end("who"))
        if ctx.lexicon.person(who) is not None or re.fullmatch(_OWNER_PHRASE, have["who"], _I):
            # read as the reminder it is: "remind <who> to <the rest>"
            asked = piece.sub(re.compile(r"^(?:please\s+)?(?:have|get|ask)\b", _I), "remind")
            written = asked.text[len("remind ") : len("remind ") + len(have["who"])]
            asked = asked.sub(re.compile(rf"(?<=^remind {re.escape(written)} )(?!to\b)"), "to ")
            found = _create_task(asked, ctx)
            if found is not None and isinstance(found[0], Read):
                return found[0], max(found[1] - (len(asked.text) - len(low)), 1)  # back to this text's positions
    doer = _PERSON_TO_DO.match(low)
    if doer is not None and _a_task_for(piece, doer, ctx):
        # "erin to book ...": "remind erin to book ..."; "sam torres: get ..." (a task in a list): its owner first
        own = piece
        for other in re.finditer(r"(?:\s*[,;]\s*(?:and\s+)?|\s+and\s+)(?=\S)", low[doer.end() :]):
            at = doer.end() + other.end()
            again = _PERSON_TO_DO_AT.match(low, at)
            if again is not None and ctx.lexicon.knows_person(piece.source(again.start("who"), again.end("who"))):
                own = piece.slice(0, doer.end() + other.start())  # "erin to send the deck, ivy to call hooli"
                break
        if doer["sep"] == ":":
            asked = own.sub(re.compile(r"^", _I), "create a task for ")
        else:
            asked = own.sub(re.compile(r"^", _I), "remind ")
        found = _create_task(asked, ctx)
        if found is not None and isinstance(found[0], Read) and found[0].request.kind == "salesforce.create_task":
            return _on_the_record_last(found[0], ctx), max(found[1] - (len(asked.text) - len(own.text)), 1)
    for n, pattern in enumerate(_TASK_FRAMES):
        match = pattern.match(low)
        if match is None:
            continue
        owner = None
        of_record: dict[str, Any] = {}
        if match.groupdict().get("owner_first"):
            # "make erin a task ...", "<@U0ERIN001> can you own a task to ...": whose task it is
            first = piece.slice(match.start("owner_first"), match.end("owner_first"))
            role = re.fullmatch(_OWNER_PHRASE, first.text, _I)
            if role is not None and _owner(role, first, 0, ctx, of_record):
                owner = of_record.pop("owner")  # "give the Hooli account owner a to-do": and the account
            else:
                owner = ctx.lexicon.person(first.source())
            if owner is None:
                continue
        rest = piece.slice(match.start("rest"), len(piece.text))
        follow_up = bool(re.search(r"follow", match["noun"] or ""))
        fields = _task_parts(rest, ctx, remind=n == 3, owner=owner, follow_up=follow_up)
        if fields is None:
            continue
        for name, value in of_record.items():
            fields.setdefault(name, value)
        end = match.start("rest") + fields.pop("_end", len(rest.text))
        # "remind kara (tomorrow)" with nothing after it: a reminder for someone the vocabulary knows, about
        # something not said (grounding asks what); "ping bob" alone is not a task
        reminder = bool(fields.get("owner")) and re.match(r"(?:please\s+)?(?:remind|set\s+a\s+reminder)\b", low)
        if n in (3, 4) and not fields.get("subject") and not reminder:
            continue
        if not any(fields.get(k) for k in ("owner", "account", "opportunity", "subject", "contact")):
            return Unsupported(_TASK_WHICH), len(low)
        if n in (3, 4) or "reminder" in (match["noun"] or "").lower():
            on_issue = _reminder_on_issue(fields, ctx)
            if on_issue is not None:
                return Read(on_issue), end
        return Read(SalesforceCreateTaskRequest(**{k: v for k, v in fields.items() if v is not None})), end
    return None


# ---------------------------------------------------------------------------------------------------------------
# Salesforce: contacts


_CONTACT_FIELDS = {
    "phone": "phone",
    "number": "phone",
    "mobile": "phone",
    "cell": "phone",
    "phone number": "phone",
    "mobile number": "phone",
    "cell number": "phone",
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "title": "title",
    "job title": "title",
    "role": "title",
    "position": "title",
    "direct line": "phone",
    "direct number": "phone",
    "direct dial": "phone",
    "work number": "phone",
    "office number": "phone",
    "office line": "phone",
}
_FIELD_NAME = (
    r"(?:phone\s+number|mobile\s+number|cell\s+number|email\s+address|job\s+title|direct\s+(?:line|number|dial)|(?:work|"
    r"office)\s+(?:number|line)|phone|number|mobile|cell|email|e-mail|title|role|position)"
)
_CONTACT_NAME = r"(?P<contact>[a-z][\w'.-]*(?:\s+[a-z][\w'.-]*){0,2}?)"


def _contact_value(field: str, raw: str) -> str | None:
    value = clean(raw)
    if field == "email":
        found = re.search(EMAIL, value)
        return found[0] if found else None
    if field == "phone":
        found = re.search(PHONE, value)
        return " ".join(found[0].split()) if found else None
    value = re.sub(r"\s+now$", "", value, flags=_I)
    # "got promoted yesterday", "was promoted to VP Ops last month": when it happened, not part of the title
    when = rf"\s*,?\s*\b(?:(?:on|since|as\s+of|from|starting)\s+)?(?:{DATE}|{_VAGUE_PAST})$"
    value = re.sub(when, "", value, flags=_I)
    value = re.sub(
        rf"\s+(?:from|starting|in|as\s+of)\s+(?:(?:next|this)\s+(?:month|year|quarter)|{_MONTH})$", "", value, flags=_I
    )
    if re.match(_NOT_A_TITLE, value, _I):
        return None  # "fix peter's title pls", "change ana's title once she confirms": no title was said
    return value or None


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:em"
    r"ber)?|dec(?:ember)?)"
)
_NOT_A_TITLE = (
    r"(?:please|pls|plz|asap|now|thanks|thx|ty|too|again|for\s+me|quickly|real\s+quick|when|once|after|before|if|unless|"
    r"until|since|because|as\s+soon|in\s+(?:sf|sfdc|salesforce|the\s+crm))\b"
)


_TITLE_NOUN = (
    r"engineer|manager|director|lead|head|vp|svp|evp|officer|architect|analyst|designer|president|counsel|specialist|"
    r"consultant|administrator|admin|partner|executive|coordinator|c[a-z]?o|owner|buyer|controller|treasurer|"
    r"scientist|strategist|representative|rep|principal|chief|fellow"
)
"""A word only a title has ("a Staff Engineer role", "the VP Procurement seat")."""
_A_ROLE = r"(?:role|position|job|seat)"
_TITLE_READS = (
    r"(?:his|her|their)\s+(?:contact'?s\s+)?(?:new\s+)?(?:job\s+)?title\s+(?:is|should\s+(?:now\s+)?(?:read|be|say)|(?:n"
    r"ow\s+)?reads?|will\s+be)\s+(?:now\s+)?"
)
"""The words before a title said of someone: "his title is ...", "her contact's title should now read ..."."""
_NOT_A_VALUE = (
    r"(?:please\s+|pls\s+|can\s+you\s+|could\s+you\s+)?(?:update|change|set|fix|correct|edit|make|add|log|create|his|her|"
    r"their)\b"
)
"""A clause after news of a contact that asks for something, or speaks of them: never the value itself."""
_AT_ACCOUNT = (
    r"(?:\s+(?:at|from)\s+(?P<account>[a-z][\w&.'-]*(?:\s+(?!(?:has|had|is|was|got|just|now|the|his|her|their)\b)[a-z][\w&."
    r"'-]*)?)|\s*\((?P<paren>[a-z][\w&.'-]*(?:\s+[a-z][\w&.'-]*)?)\))?"
)
"""Where a contact works, said after the name: "Ana Silva from Initech", "Peter Gibbons (Initech)"."""
_OF_ACCOUNT = _AT_ACCOUNT.replace("at|from", "at|from|of")
_TITLE_AND = re.compile(r"\s+(?:and|&)\s+[A-Z][\w&/.-]*(?:\s+(?:of|for|and|&|[A-Z][\w&/.-]*))*?(?=\s*(?:[,;.!?]|$))")
"""The rest of a title written with capitals after "and" ("CFO and COO", "VP Sales and Marketing")."""
_ASKS_THEIR_FIELD = _m(
    rf"\b(?:update|change|fix|edit|set|correct)\s+(?:it|that|this|(?:his|her|their)\s+(?:new\s+)?{_FIELD_NAME}|(?:his|her|the"
    rf"ir)\s+contact(?:\s+(?:record|details|info|card|entry))?)\b"
)
"""The ask about a contact's field after news of them ("..., please change her title", "please update it")."""
_SWITCHED = 8
"""The pattern that reads news of a new email or phone ("ana switched emails -> ..."), said with or without it."""
_BECOMES = (
    r"(?:is(?:\s+now)?|changed\s+to|changes\s+to|has\s+changed\s+to|is\s+changing\s+to|should\s+(?:now\s+)?be|becomes|will"
    r"\s+be)"
)
"""How a contact's field is said to take a new value: "is now", "changes to", "should be"."""
_UPDATE_CONTACT = [
    _m(
        rf"^(?:please\s+)?(?:update|change|set|fix|correct|switch|swap)\s+(?:the\s+)?(?P<field>{_FIELD_NAME})\s+(?:for|of|on)\s+"
        rf"{_CONTACT_NAME}\s*(?:(?:to|as)\b|:|,\s*(?:(?:his|her|their)\s+)?(?:new\s+)?{_FIELD_NAME}\s+(?:is(?:\s+now)?|will\s+be|"
        rf"should\s+be)\b)\s*(?P<value>.+?){BOUNDARY}"
    ),
    _m(
        rf"^(?:please\s+)?(?:update|change|set|fix|correct|switch|swap)\s+{_CONTACT_NAME}(?:'s|')?\s+(?P<field>{_FIELD_NAME})\s+("
        rf"?:(?:to|as)\b|:)?\s*(?P<value>.+?){BOUNDARY}"
    ),
    _m(
        rf"^{_CONTACT_NAME}{_AT_ACCOUNT}(?:'s|')?\s+(?:new\s+)?(?P<field>{_FIELD_NAME})(?:\s*(?::|->)|\s+{_BECOMES})\s*(?P<"
        rf"value>.+?){BOUNDARY}"
    ),
    _m(
        rf"^{_CONTACT_NAME}{_AT_ACCOUNT}\s+has\s+(?:a\s+|the\s+)?new\s+(?P<field>{_FIELD_NAME})\s*(?::|-)?\s*(?P<value>"
        rf".*?){BOUNDARY}"
    ),
    _m(
        rf"^{_CONTACT_NAME}{_OF_ACCOUNT}\s+(?:(?:moved\s+(?:in)?to|got|has|started|took|stepped\s+into|is\s+in)\s+(?:a\s"
        rf"+)?(?:new|different)\s+(?:role|position|job|title)|(?:got|was|has\s+been)\s+(?:just\s+|recently\s+)?promoted|got"
        rf"\s+a\s+promotion|moved\s+up|stepped\s+up|changed\s+roles?|is\s+now\s+the|is\s+now|moved\s+to)(?:\s*,\s*(?:so\s+|an"
        rf"d\s+)?|\s*-\s+|\s+to\s+|\s+as\s+)?(?:{_TITLE_READS}|(?:he|she|they)(?:'s|\s+is|\s+are)\s+(?:now\s+)?(?:the\s+|a\s+|an\s+|our\s+|their\s+)?)?(?!\s*{_NOT_A_VALUE})(?P<val"
        rf"ue>.*?)(?:\s+now)?(?P<field>){BOUNDARY}"
    ),
    _m(
        rf"^{_CONTACT_NAME}(?:'s|')?\s+(?:new\s+)?(?:phone|number)\s+(?P<value>\+?[\d(][\d\s().-]{{5,}}\d)(?P<field>)"
        rf"{BOUNDARY}"
    ),
    _m(rf"^(?:please\s+)?(?:update|edit)\s+(?:the\s+)?(?:contact\s+)?{_CONTACT_NAME}(?P<field>)(?P<value>){BOUNDARY}"),
    # "Wile Coyote is VP of Operations now": a known contact's new title, said as a statement
    _m(
        rf"^{_CONTACT_NAME}\s+is\s+(?:now\s+)?(?:the\s+|a\s+|an\s+|our\s+|their\s+)?(?P<value>[a-z][\w&/ -]*?)\s+now"
        rf"(?P<field>){BOUNDARY}"
    ),
    # "peter at initech switched emails -> pgibbons@initech.example": a new one, said as news
    _m(
        rf"^{_CONTACT_NAME}{_AT_ACCOUNT}\s+(?:has\s+|just\s+)?(?:switched|changed|updated|got\s+a\s+new|has\s+a\s+new)\s+(?:("
        rf"?:his|her|their)\s+)?(?P<field>email(?:\s+address)?|(?:phone|cell|mobile)(?:\s+number)?|number)s?(?:\s*(?::|->|=|,|\bto\b)\s*(?!\s*{_NOT_A_VALUE})(?P"
        rf"<value>.+?))?{BOUNDARY}"
    ),
    # "new cell for peter gibbons at initech: +1 415 555 0199", "new email for ana -> ana@initech.example"
    _m(
        rf"^(?:(?:please\s+)?(?:add|set|use|here'?s)\s+)?(?:a\s+|the\s+)?(?:new|updated|correct|different)\s+"
        rf"(?P<field>{_FIELD_NAME})\s+(?:for|of)\s+{_CONTACT_NAME}(?:\s+(?:at|from)\s+(?P<account>[a-z][\w&.'-]*(?:\s+[a-z][\w&.'-]*)?))?(?:\s*(?::|->|"
        rf"\bis\b|=)\s*|\s+(?=\+?\(?\d|[\w.+'-]+@))(?P<value>.+?){BOUNDARY}"
    ),
    # "for Peter Gibbons at Initech the email changes to peter.gibbons@...": the contact first, then the change
    _m(
        rf"^for\s+{_CONTACT_NAME}{_AT_ACCOUNT}\s*,?\s+(?:the\s+|his\s+|her\s+|their\s+)?(?:new\s+)?(?P<field>"
        rf"{_FIELD_NAME})\s*(?:{_BECOMES}|:|->|=)\s*(?P<value>.+?){BOUNDARY}"
    ),
    # "Title change for Wile Coyote (Acme): VP Operations", "new phone for alice wong - ...": the change named first
    _m(
        rf"^(?:(?:a|the)\s+)?(?P<field>{_FIELD_NAME})\s+(?:change|update|correction|fix)\s+(?:for|on)\s+{_CONTACT_NAME}"
        rf"{_AT_ACCOUNT}\s*(?::|->|-|=)\s*(?P<value>.+?){BOUNDARY}"
    ),
    # "peter gibbons moved into a Staff Engineer role": the title said as the role's name
    _m(
        rf"^{_CONTACT_NAME}{_OF_ACCOUNT}\s+(?:has\s+)?(?:just\s+|recently\s+)?(?:(?:moved|stepped|went|gone)\s+(?:in)?to|"
        rf"took(?:\s+on)?|(?:has\s+)?taken(?:\s+on)?|started\s+in|is\s+in)\s+(?:a|an|the|her|his|their)\s+(?:new\s+)?"
        rf"(?P<value>(?=(?:(?!{_A_ROLE}\b)[\w&/-]+\s+)*?(?:{_TITLE_NOUN})\b)[a-z][\w&/-]*(?:\s+[a-z][\w&/-]*){{0,4}}?)\s+"
        rf"{_A_ROLE}(?P<field>){BOUNDARY}"
    ),
    # "alice wong at umbrella isnt cfo anymore shes coo now (fix her title pls)": the old title, then the new one
    _m(
        rf"^{_CONTACT_NAME}{_AT_ACCOUNT}\s+(?:isnt|isn'?t|is\s+not|is\s+no\s+longer|'?s\s+no\s+longer)\s+(?:the\s+|a\s+|an\s+|our\s+|"
        rf"their\s+)?[a-z][\w&/-]*(?:\s+[a-z][\w&/-]*){{0,3}}?(?:\s+(?:anymore|any\s+more))?\s*[,;]?\s*(?:(?:she|he|they)(?:'s|s|\s+i"
        rf"s|\s+are)|but)\s+(?:now\s+)?(?:the\s+|a\s+|an\s+|our\s+|their\s+)?(?:new\s+)?(?P<value>[a-z][\w&/-]*(?:\s+[a-z][\w&/-]*){{0,4}}?)"
        rf"(?:\s+now)?(?:\s*,?\s*(?:please\s+)?(?:fix|update|change|correct|set|edit)\s+(?:his|her|their|it)(?:\s+(?:job\s+)?title)?"
        rf"(?:\s+(?:in\s+)?(?:sf|sfdc|salesforce))?)?(?P<field>){BOUNDARY}"
    ),
]

_STATED_TITLE = (4, 7, 12, 13)
"""The patterns that read a title from a statement about a person: only a known contact (or a name written with
capitals) is read as one ("standup moved to 10:30" is not a contact's new title)."""
_UPDATE_CONTACT_LIST = _m(
    rf"^(?:please\s+)?(?:update|change|edit)\s+(?:(?:the\s+)?contact\s+)?{_CONTACT_NAME}"
    rf"(?:\s+(?:at|from)\s+(?P<account>[a-z][\w&.'-]*(?:\s+[a-z][\w&.'-]*)?))?\s*:\s*(?P<value>.+)$"
)


_NEW_ADDRESS = _m(
    rf"{_AT_ACCOUNT}\s+(?:[^:;.!?]*?\s)?(?:his|her|their)\s+new\s+(?:(?:e-?mail|work|billing)\s+)?(?:address|e-?m"
    rf"ail)\s*(?::|is|->|=|,)?\s*(?P<value>{EMAIL})"
)
"""A known contact's new email said as news ("... wants billing stuff to go to her new address: ..."), with the ask
to update the contact."""
_THEIR_FIELD = _m(
    rf"^(?:please\s+)?(?:update|change|fix|correct|edit|set)\s+(?:his|her|their)\s+(?:new\s+)?(?P<field>{_FIELD_NAME})(?:\s*(?:"
    rf"(?:to|as)\b|:)\s*(?P<value>.+?))?(?:\s+(?:in|on)\s+(?:sf|sfdc|salesforce|the\s+crm))?{BOUNDARY}"
)
"""The ask about the contact just named: "Ana Silva got promoted to VP Procurement!! update her title pls"."""


_CONTACT_ARROW = _m(
    rf"^{_CONTACT_NAME}\s*(?:->|=|:)\s*(?P<value>{EMAIL}|{PHONE})(?:\s+(?:now|from\s+now\s+on|going\s+forward))?(?=\s*(?:$|"
    r"[,;.!?(]|\s-\s))"
)
"""A known contact and a new email or phone, tersely: "ana silva -> ana@initech.example now"."""
_OUR_CONTACT = _m(
    r"^(?:our|my|their)\s+(?:guy|gal|contact|champion|friend|buddy|person|main\s+contact|point\s+of\s+contact)\s+(?=[a-z])"
)
"""Words that say who a contact is to us before the name ("our guy Peter at initech is now ...")."""


def update_contact(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    ours = _OUR_CONTACT.match(piece.text)
    if ours is not None:
        found = update_contact(piece.slice(ours.end(), len(piece.text)), ctx)
        return (found[0], ours.end() + found[1]) if found is not None else None
    low = piece.text.lower()
    lexicon = ctx.lexicon
    theirs = _THEIR_FIELD.match(low)
    if theirs is not None and ctx.last_contact:
        fields = {"contact": ctx.last_contact}
        if theirs["value"]:
            field = _CONTACT_FIELDS[" ".join(theirs["field"].split())]
            value = _contact_value(field, piece.source(theirs.start("value"), theirs.end("value")))
            if value is None:
                return None
            fields[field] = value
        return Read(SalesforceUpdateContactRequest(**fields)), _end(theirs, low)
    arrow = _CONTACT_ARROW.match(low)
    if arrow is not None:
        written = piece.source(arrow.start("contact"), arrow.end("contact"))
        if lexicon.is_known_contact(written) and lexicon.account(written) is None:
            value = piece.source(arrow.start("value"), arrow.end("value"))
            field = "email" if re.fullmatch(EMAIL, value) else "phone"
            value = value if field == "email" else " ".join(value.split())
            return Read(SalesforceUpdateContactRequest(contact=clean(written), **{field: value})), arrow.end()
    listing = _UPDATE_CONTACT_LIST.match(low)
    if listing is not None:
        name = lexicon.contact(piece.source(listing.start("contact"), listing.end("contact")), any_case=True)
        if name is not None and (lexicon.is_known_contact(name) or not _names_a_record(name, ctx)):
            values: dict[str, Any] = {}
            for part in re.split(r"\s*,\s*|\s+and\s+", piece.source(listing.start("value"), listing.end("value"))):
                item = re.match(rf"^(?P<field>{_FIELD_NAME})\s*(?::|to|is)?\s*(?P<value>.+)$", part.strip(), _I)
                if item is None:
                    return None
                field = _CONTACT_FIELDS[" ".join(item["field"].lower().split())]
                value = _contact_value(field, item["value"])
                if value is None:
                    return None
                values[field] = value
            if listing["account"]:
                values["account"] = clean(piece.source(listing.start("account"), listing.end("account")))
            return Read(SalesforceUpdateContactRequest(contact=name, **values)), len(low)
    words = list(re.finditer(r"[a-z][\w'.-]*", low[:60]))
    for size in (3, 2, 1) if _ASKS_THEIR_FIELD.search(ctx.request.request_text) else ():
        # "Alice Wong from Umbrella Health wants billing stuff to go to her new address: ... - update her contact"
        if len(words) < size or words[0].start() != 0 or re.search(r"[^\w\s'.-]", low[: words[size - 1].end()]):
            continue
        name = lexicon.contact(piece.source(0, words[size - 1].end()), any_case=True)
        address = _NEW_ADDRESS.match(low, words[size - 1].end())
        if address is None or name is None or not lexicon.is_known_contact(name):
            continue
        fields = {"contact": name, "email": piece.source(address.start("value"), address.end("value"))}
        if address["account"]:
            fields["account"] = clean(piece.source(address.start("account"), address.end("account")))
        return Read(SalesforceUpdateContactRequest(**fields)), address.end()
    for n, pattern in enumerate(_UPDATE_CONTACT):
        match = pattern.match(low)
        if match is None:
            continue
        written = piece.source(match.start("contact"), match.end("contact"))
        name = lexicon.contact(written, any_case=True)
        if (
            name is None
            or re.search(KEY, written)
            or (_names_a_record(name, ctx) and not lexicon.is_known_contact(name))
        ):
            continue
        if lexicon.account(name) is not None:
            continue
        if n in (6, *_STATED_TITLE) and not (
            lexicon.is_known_contact(name) or (n != 7 and all(w[0].isupper() for w in name.split()))
        ):
            continue
        if n == 6:
            return Read(SalesforceUpdateContactRequest(contact=name)), _end(match, low)
        field = (
            "title" if n in _STATED_TITLE else "phone" if n == 5 else _CONTACT_FIELDS[" ".join(match["field"].split())]
        )
        raw = _text(piece, match, "value") or ""
        whole = re.match(PHONE, low[match.start("value") :]) if field == "phone" and raw else None
        phone_end = match.start("value") + whole.end() if whole is not None else -1
        if phone_end > match.end("value"):
            raw = piece.source(match.start("value"), phone_end)  # "+1 (505) 555-0178": its brackets are its own
        value = _contact_value(field, raw) if raw else None
        if raw and value is None:
            continue
        paren = match.groupdict().get("paren")
        if paren and lexicon.account(paren) is None:
            continue  # "Peter (he's great) ...": an aside, not where he works
        works_at = "account" if match.groupdict().get("account") else "paren" if paren else None
        account_written = clean(piece.source(match.start(works_at), match.end(works_at))) if works_at else None
        asked = _ASKS_THEIR_FIELD.search(ctx.request.request_text)
        if not value and n in (_SWITCHED, _STATED_TITLE[0]) and asked is not None:
            # "alice wong has changed her phone, please update it", "peter gibbons was promoted, please update his
            # title": news of a new value, then the ask; the contact, and the value when said further on (or asked)
            return Read(SalesforceUpdateContactRequest(contact=name, account=account_written)), _end(match, low)
        if n == _SWITCHED and not value:
            continue  # "alice changed her phone": news, nothing asked
        where = re.fullmatch(r"(?:at|with|in)\s+(?P<account>.+)", value or "", _I)
        if n == _STATED_TITLE[0] and where is not None and lexicon.account(where["account"]) is not None:
            # "alice wong moved into a new role at umbrella": news of a new title, not the title itself; a request
            # only with the ask that follows ("can you update her title?"), which grounding asks the title for
            account = clean(where["account"])
            asked = re.search(rf"\b(?:update|change|fix|edit|set)\s+(?:his|her|their)\s+(?:new\s+)?{_FIELD_NAME}", low)
            request = SalesforceUpdateContactRequest(contact=name, account=account)
            return Read(request, weak=asked is None), _end(match, low)
        if n in _STATED_TITLE and not value:
            continue
        fields: dict[str, Any] = {"contact": name, field: value}
        if account_written is not None:
            fields["account"] = account_written
        end = max(_end(match, low), phone_end)
        title_and = _TITLE_AND.match(piece.text, match.end("value")) if n in _STATED_TITLE and value else None
        if (
            title_and is not None
            and next_request_at(low, match.end("value")) != match.end("value")
            and not re.search(KEY, title_and[0])
        ):
            # "alice wong is now CFO and COO": a title of capitalised words goes on over "and"
            fields[field] = clean(piece.source(match.start("value"), title_and.end()))
            end = title_and.end()
        if n in _STATED_TITLE and value:
            # "hank scorpio is now President at globex": the company the title is at is the contact's account
            at = re.match(r"(?P<title>.+?)\s+at\s+(?P<account>.+)$", value, _I)
            if at is not None and lexicon.account(at["account"]) is not None:
                fields["title"] = at["title"]
                fields.setdefault("account", at["account"])
        more = re.match(
            rf"\s*(?:,\s*)?(?:and\s+)?(?:(?:his|her|their)\s+)?(?P<field>{_FIELD_NAME})\s+(?:to|is|:)?\s*(?P<value>.+"
            rf"?){BOUNDARY}",
            low[end:],
            _I,
        )
        if more is not None:
            extra = _CONTACT_FIELDS[" ".join(more["field"].split())]
            extra_value = _contact_value(extra, piece.source(end + more.start("value"), end + more.end("value")))
            if extra_value:
                fields[extra] = extra_value
                end += more.end()
        return Read(SalesforceUpdateContactRequest(**fields)), end
    return None


_CREATE_CONTACT = [
    _m(r"^(?:please\s+)?(?:add|create|new|make)\s+(?:a\s+)?(?:new\s+)?contact\b(?P<items>.*)$"),
    _m(
        r"^(?:please\s+)?add\s+(?P<items>[a-z][\w'.-]*(?:\s+[a-z][\w'.-]*){0,2}?(?:\s+(?:at|from)\s+[a-z][\w&.'-]*(?:"
        r"\s+[a-z][\w&.'-]*){0,2}?)?)(?:\s+(?:to|at|for|under)\s+(?P<account_first>[a-z][\w&.'-]*(?:\s+[a-z][\w&.'-]*){0,2}?))?"
        r"\s+as\s+a\s+(?:new\s+)?contact(?:\s+(?:at|for|on)\s+(?P<account>[a-z][\w&.'-]*(?"
        r":\s+[a-z][\w&.'-]*){0,2}))?(?P<more>\s*(?:[,(;:]|-\s).*)?$"
    ),
    # "add globex's new controller, marcus, as a contact": a role at an account and who holds it
    _m(
        r"^(?:please\s+)?add\s+(?P<items>(?:the\s+)?[a-z][\w&.-]*(?:\s+[a-z][\w&.-]*)?(?:'s|s')\s+[a-z][\w.'-]*(?:\s+[a-z]"
        r"[\w.'-]*){0,5}?)\s*,\s*(?P<named>[a-z][\w'-]*(?:\s+[a-z][\w'-]*)?)\s*,?\s+as\s+a\s+(?:new\s+)?contact(?P<account>)(?P<mo"
        r"re>)\s*[.!?]*$"
    ),
    # "add globex's new head of IT as a contact": a role at an account, nobody named yet
    _m(
        r"^(?:please\s+)?add\s+(?P<items>(?:the\s+)?[a-z][\w&.-]*(?:\s+[a-z][\w&.-]*)?(?:'s|s')\s+[a-z][\w.'-]*(?:\s+[a-z]"
        r"[\w.'-]*){0,5}?)\s+as\s+a\s+(?:new\s+)?contact(?P<account>)(?P<more>)\s*[.!?]*$"
    ),
]
_CONTACT_ITEM_FIELD = re.compile(
    r"^(?P<field>phone|mobile|cell|tel|email|e-mail|title|role|position)\s*(?::|is)?\s*(?P<value>.+)$", _I
)


_NEW_PERSON = [
    # "globex has a new VP Finance, Marge Simpson (marge@globex.example)"
    _m(
        r"^(?P<acc>[a-z][\w&.'-]*(?:\s+[a-z][\w&.'-]*)?)\s+(?:has|hired|brought\s+on|got)\s+(?:a\s+)?new\s+"
        r"(?P<title>[a-z][\w&/ .-]*?)(?:\s*(?:,|:|\s-|->)\s*(?P<name>[a-z][\w'.-]*\s+[a-z][\w'.-]*)"
        r"(?=\s*(?:$|[,.;(]|\s-\s|\s+and\b)))?(?:\s*\(\s*(?P<email>[^\s()@]+@[^\s()]+)\s*\))?"
        r"(?=\s*(?:$|[,.;]|\s-\s|\s+and\b))"
    ),
    # "I met someone from Initech at their holiday party": someone at an account, their name and details to come
    _m(
        r"^(?:i|we)\s+(?:just\s+)?(?:met|spoke\s+(?:to|with)|talked\s+(?:to|with)|ran\s+into|got\s+introduced\s+to)\s+(?:someone|"
        r"somebody|a\s+(?:new\s+)?(?:person|woman|man|guy|contact|lead))\s+(?:new\s+)?(?:from|at|over\s+at)\s+(?P<acc>[a-z][\w&."
        r"'-]*(?:\s+[a-z][\w&.'-]*)?)(?P<title>)(?P<name>)(?P<email>)(?=\s*(?:$|[,.;!]|\s-\s|\s+(?:and|at|during|on|in|last|"
        r"yesterday|today)\b))"
    ),
    # "Kara met Acme's new CFO at dinner last night - Rosa Delgado, rosa.delgado@acme.example": whom someone met
    _m(
        r"^(?:[a-z][\w-]*\s+)?(?:just\s+)?(?:met|spoke\s+(?:to|with)|talked\s+(?:to|with)|ran\s+into|got\s+introduced\s+to|was\s+"
        r"introduced\s+to)\s+(?P<acc>[a-z][\w&.-]*(?:\s+[a-z][\w&.-]*)?)(?:'s|s')\s+(?:new\s+)?(?P<title>[a-z]"
        r"[\w&/ .-]*?)(?:\s+(?:at|during|over|on|in|last|yesterday|today|this)\b[^,;:]*?)?\s*(?:,|:|\s-|->)\s*"
        r"(?P<name>[a-z][\w'.-]*\s+[a-z][\w'.-]*)"
        rf"(?:\s*(?:,|\(|\s-)\s*(?P<email>{EMAIL})\s*\)?)?(?=\s*(?:$|[,.;]|\s-\s|\s+and\b))"
    ),
    # "we've got a new champion at hooli, their head of data"
    _m(
        r"^(?:we'?ve\s+got|we\s+have|there'?s)\s+a\s+new\s+(?:champion|contact|buyer|sponsor|person|stakeholder|decision\s+"
        r"maker)\s+(?:at|in|over\s+at)\s+(?P<acc>[a-z][\w&.'-]*(?:\s+[a-z][\w&.'-]*)?)(?:\s*,\s*(?:their|the|our)\s+"
        r"(?P<title>[a-z][\w&/ .-]*?))?(?P<name>)(?P<email>)(?=\s*(?:$|[,.;!]|\s-\s|\s+and\b))"
    ),
]
_ADD_THEM = re.compile(r"\badd\s+(?:her|him|them)\b|\bas\s+a\s+(?:new\s+)?contact\b", _I)
"""The ask that makes a new person at an account a contact to create ("pls add her to sf")."""


def _new_person(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    """Someone new at an account, described before the ask to add them: the contact to create."""
    if not _ADD_THEM.search(ctx.request.request_text):
        return None  # told, not asked: "globex has a new VP Finance" alone adds nobody
    low = piece.text.lower()
    for pattern in _NEW_PERSON:
        match = pattern.match(low)
        if match is None or ctx.lexicon.account(piece.source(match.start("acc"), match.end("acc"))) is None:
            continue
        fields: dict[str, Any] = {
            "account": clean(piece.source(match.start("acc"), match.end("acc"))),
            "title": clean(piece.source(match.start("title"), match.end("title"))) if match["title"] else None,
        }
        if match["name"]:
            first, last = piece.source(match.start("name"), match.end("name")).split()
            fields.update(first_name=first, last_name=last)
        if match["email"]:
            fields["email"] = piece.source(match.start("email"), match.end("email"))
        end = match.end()
        if not (match["title"] or match["name"] or match["email"]):
            # "I met someone from Initech at their holiday party": where they were met is no detail of theirs
            where = re.match(
                r"\s+(?:at|during|on|in|last|yesterday|today)\b[^,;.!?]*?(?=\s*(?:$|[,;.!?]|\s-\s))", low[end:]
            )
            end += where.end() if where is not None else 0
        return Read(SalesforceCreateContactRequest(**fields)), end
    return None


_DETAILS_TO_FOLLOW = _m(
    r"^(?:(?:her|his|their|the)\s+)?(?:(?:first|last|full|sur)\s*name|name|surname|e-?mail(?:\s+address)?|phone(?:\s+number)?|number"
    r"|title|details)(?:\s*(?:,|and|&|\+|/)\s*(?:(?:her|his|their|the)\s+)?(?:(?:first|last|full|sur)\s*name|name|surname|e-?mai"
    r"l(?:\s+address)?|phone(?:\s+number)?|number|title|details))*\s+(?:to\s+(?:follow|come)|(?:are\s+|is\s+)?(?:tbd|coming(?:\s+"
    r"later|\s+soon)?|later))\s*[.!]*$"
)
"""A new contact's details the writer will give later ("Last name and email to follow."): no request of its own."""
_DETAILS_LATER = _m(
    r"^(?:i'?ll|i\s+will|we'?ll|we\s+will|will)\s+(?:send|pass\s+(?:on|along)|share|forward|get|add|find\s+out)\s+(?:you\s+)?(?:(?"
    r":her|his|their|the)\s+)?(?:(?:first|last|full|sur)\s*name|name|surname|e-?mail(?:\s+address)?|phone(?:\s+number)?|number|title"
    r"|details)(?:\s*(?:,|and|&|\+|/)\s*(?:(?:her|his|their|the)\s+)?(?:(?:first|last|full|sur)\s*name|name|surname|e-?mail(?:\s+a"
    r"ddress)?|phone(?:\s+number)?|number|title|details))*(?:\s+(?:along|on|over|later|too|as\s+well))*(?:\s+(?:once|when|as\s+s"
    r"oon\s+as|after)\b[^.!?]*)?\s*[.!]*$"
)
"""The same, said as the writer's plan ("I'll send his surname and email once I have them.")."""
_UNNAMED = (
    r"(?:(?:the|a|an|their|our|his|her|my|one\s+of)\s+|[a-z][\w-]*(?:'s|')\s+)(?:new\s+)?(?:colleague|co-?worker|boss|m"
    r"anager|assistant|replacement|successor|counterpart|deputy|teammate|report|person|guy|contact)s?"
)
"""Someone described, not named: "Wile's colleague", "their new person", "her replacement"."""


_NAMED_AFTER = re.compile(
    r"^(?i:(?:(?:her|his|their|the)\s+)?(?:(?P<first>first\s+)|full\s+)?name\s+is\s+)?(?P<name>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){0,2"
    r"}?)(?=\s*(?:$|[,;(]|\s[-\u2013\u2014]\s))"
)
"""The person a new contact is, said in a sentence after the ask: "Priya Raman, Director of IT, priya@...", "Her first
name is Mo, email mo@..."."""
_ASIDE = re.compile(r"\s*(?:[,;]|\s[-\u2013\u2014]\s)\s*(?=(?:i|we|he|she|they|but)\b)", _I)
"""Where the writer's own remark starts after a contact's details ("..., I don't have her surname yet")."""


_HEDGED_DETAIL = _m(
    r"(?:and\s+)?(?:i\s+(?:believe|beleive|belive|think|guess|reckon)\s+(?:that\s+)?|i'?m\s+(?:pretty\s+|fairly\s+)?sure\s+"
    r"(?:that\s+)?)?(?:(?:her|his|their)\s+(?P<field>e-?mail(?:\s+address)?|phone(?:\s+number)?|number|mobile|cell|title|role)"
    r"\s+is\s+|(?:she|he|they)(?:'s|\s+is|\s+are)\s+(?:now\s+)?(?:their|the|our|a|an)\s+(?:new\s+)?)(?P<value>[^,;]+?)"
    r"(?=\s*(?:$|[,;]|\.(?:\s|$)|!|\s+and\s))"
)
"""A new contact's detail said with a hedge, after their name: "I believe she's their new Head of IT", "I think her
email is mei@..." (the hedge still gives the value)."""
_PHONE_WORDS = ("phone", "phone number", "number", "mobile", "cell")


def _contact_details_after(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    """The details of the contact just asked for ("Could you add her as a contact?\nPriya Raman, Director of IT,
    priya@..."), read as the same contact (the message joins them); only right after a new contact."""
    named = _NAMED_AFTER.match(piece.text)
    if named is None or ctx.last_kind != "salesforce.create_contact":
        return None
    written = piece.source(named.start("name"), named.end("name"))
    if (
        ctx.lexicon.account(written) is not None
        or ctx.lexicon.is_known_contact(written)  # "Peter Gibbons, can you ...": someone already there
        or (named["first"] is None and len(written.split()) < 2)
    ):
        return None
    aside = _ASIDE.search(piece.text, named.end())
    end = aside.start() if aside is not None else len(piece.text)
    said: dict[str, str] = {}
    at = aside.end() if aside is not None else None
    while at is not None:
        # "..., I believe she's their new Head of IT, and I think her email is mei@...": details said with a hedge
        clause = _HEDGED_DETAIL.match(piece.text, at)
        if clause is None:
            break
        value = clean(piece.source(clause.start("value"), clause.end("value")))
        field = " ".join((clause["field"] or "title").lower().split())
        name = "email" if "mail" in field else "phone" if field in _PHONE_WORDS else "title"
        found_value = re.search(EMAIL if name == "email" else PHONE, value) if name != "title" else None
        if name != "title" and found_value is None:
            break
        said[name] = found_value[0] if found_value is not None else value
        end = clause.end()
        following = re.match(r"\s*(?:[,;]|\s[-\u2013\u2014]\s)\s*(?:and\s+)?", piece.text[end:])
        at = end + following.end() if following is not None else None
    details = piece.slice(named.start("name"), end if not said else named.end("name"))
    if named.start("name") == 0 and not re.search(rf"{EMAIL}|{PHONE}", details.text):
        return None  # a name and words after it, with no email or phone: not plainly a contact's details
    if named["first"] is not None and " " in written:
        return None  # "her first name is Mo Lee": one first name only
    asked = details.sub(re.compile("^"), lambda m: "new contact: ")
    found = create_contact(asked, ctx)
    if found is None or not isinstance(found[0], Read):
        return None
    if said:
        return replace(found[0], request=found[0].request.model_copy(update=said)), end
    return found[0], end


def create_contact(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    low = piece.text.lower()
    lexicon = ctx.lexicon
    if ctx.last_kind == "salesforce.create_contact" and (_DETAILS_TO_FOLLOW.match(low) or _DETAILS_LATER.match(low)):
        return Filler(piece.source()), len(low)  # "Last name and email to follow.": left empty, grounding asks
    described = _new_person(piece, ctx) or _contact_details_after(piece, ctx)
    if described is not None:
        return described
    following = next_request_at(low, 1)
    if following is not None:
        low = low[:following]  # "add X as a contact ... and make a task for erin ...": the task is the next request
    for n, pattern in enumerate(_CREATE_CONTACT):
        match = pattern.match(low)
        if match is None:
            continue
        fields: dict[str, Any] = {}
        for group in ("account", "account_first"):
            if match.groupdict().get(group) and "account" not in fields:
                written = clean(piece.source(match.start(group), match.end(group)).removeprefix("the "))
                if group == "account_first" and ctx.lexicon.account(written) is None:
                    return None  # "add sam smith to the list as a contact": not an account
                fields["account"] = written
        items_text = piece.source(match.start("items"), match.end("items"))
        if match.groupdict().get("more"):
            # "... as a contact - facilities manager, 555-0142": what follows the ask is the contact's details
            more = piece.source(match.start("more"), match.end("more"))
            items_text += "," + re.sub(r"^\s*(?:[,;:]|[-\u2013\u2014](?=\s))", "", more)
        items_text = re.sub(r"[()]", ",", items_text)
        # details typed with no commas ("joanna park at initech joanna.park@initech.example shes their new it
        # director"): an email, a phone and a clause about the person each start a detail of their own
        items_text = re.sub(
            rf"(?<![,:])(?<!mail)(?<!address)(?<!\bis)(?<!\bat)\s+(?={EMAIL}|(?:she|he|they)(?:'s|s|\s+is|\s+are)\s)",
            ", ",
            items_text,
            flags=_I,
        )
        items_text = re.sub(
            rf"(?<![,:\d)])(?<!phone)(?<!mobile)(?<!cell)(?<!tel)(?<!number)\s+(?={PHONE}(?:\s|,|$))",
            ", ",
            items_text,
            flags=_I,
        )
        items_text = re.sub(rf"({EMAIL})(?=\s+[^\s,;])", r"\1,", items_text)
        if n == 0:
            lead = re.match(
                r"^(?:\s*(?:(?:for|at|on|in|under)\s+|@\s*)(?P<acc>(?:the\s+)?[A-Za-z][\w&.'-]*(?:\s+[A-Za-z][\w&.'-]*){0,2}?)(?:\s+acc"
                r"ount)?\s*(?=:|,|->|\u2192|$)|\s*(?:named|called)\s+|\s*(?:please|pls)\b|\s*(?::|,|->|\u2192|-))*\s*",
                items_text,
                _I,
            )
            if (
                lead is not None
                and lead["acc"]
                and lexicon.account(lead["acc"]) is None
                and not re.search(r"[:]", items_text[: lead.end()])
            ):
                lead = None  # "for Maria Lopez at ...": that is the contact, not the account
            if lead is not None:
                if lead["acc"]:
                    fields["account"] = clean(lead["acc"]).removeprefix("the ")
                items_text = items_text[lead.end() :]
            items_text = re.sub(r"^\s*(?:for|named|called)\s+", "", items_text, flags=_I)
        owned = re.fullmatch(r"\s*(?:the\s+)?(?P<acc>.+?)(?:'s|s')\s+(?:new\s+)?(?P<title>.+?)\s*", items_text, _I)
        if n in (2, 3) and (owned is None or lexicon.account(owned["acc"]) is None):
            return None
        if n in (1, 2, 3) and owned is not None and lexicon.account(owned["acc"]) is not None:
            # "add acme's new CTO as a contact": the account and the title; the name is asked for
            fields.update(account=clean(owned["acc"]), title=clean(owned["title"]))
            if match.groupdict().get("named"):
                # "add globex's new controller, marcus, as a contact": one name is the first name
                named = lexicon.contact(piece.source(match.start("named"), match.end("named")), any_case=True)
                if named is None:
                    return None
                first, _, last = named.partition(" ")
                fields.update(first_name=first, last_name=last or None)
            return Read(SalesforceCreateContactRequest(**{k: v for k, v in fields.items() if v})), len(low)
        # a dash between words parts the details as a comma does ("Priya Raman at Hooli - Head of FP&A, ...")
        split = re.split(r"\s*,\s*|\s*;\s*|\s+-\s+|\s*[\u2014\u2013]\s*", items_text)
        parts = [p.strip() for p in split if p.strip(" :-")]
        if not parts:
            if n == 0:
                return Read(SalesforceCreateContactRequest(**fields)), len(low)
            return None
        name_part = parts[0].strip(" :-")
        at = re.match(r"^(?P<name>.+?)\s+(?:at|from|@)\s+(?P<account>.+)$", name_part, _I)
        if at is not None:
            name_part = at["name"]
            account_words = at["account"].split()
            for size in range(min(3, len(account_words) - 1), 0, -1):
                known = lexicon.account(" ".join(account_words[:size]))
                if known is None or lexicon.account(at["account"]) is not None:
                    continue
                # "joanna park at initech she starts monday": the known account, then more about her
                parts.insert(1, " ".join(account_words[size:]))
                account_words = account_words[:size]
                break
            fields.setdefault("account", clean(" ".join(account_words)))
        name_part = re.sub(r"^(?:named|called)\s+", "", name_part, flags=_I)
        # "Kara's new counterpart there is Devon", "their new controller is Marcus Lee": who the contact is, then the
        # name (a word only a title has is their title)
        role = re.match(
            r"^(?:[a-z][\w-]*(?:'s|s')|their|the|our|my|his|her)\s+(?:new\s+)?(?P<role>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:there\s+|"
            r"at\s+[a-z][\w&.-]*\s+)?(?:is|will\s+be)\s+(?=[a-z])",
            name_part,
            _I,
        )
        role_title = (
            role["role"]
            if role is not None and re.fullmatch(rf"(?:\w+\s+)?(?:{_TITLE_NOUN})", role["role"], _I)
            else None
        )
        name_part = name_part[role.end() :] if role is not None else name_part
        name_part = re.sub(r"^(?:mr|mrs|ms|miss|mx|dr)\.?\s+(?=[a-z])", "", name_part, flags=_I)  # "Mrs. Lakshmi ..."
        name = lexicon.contact(name_part, any_case=True)
        if name is None and fields.get("account") and re.fullmatch(_UNNAMED, name_part, _I):
            name = ""  # "add Wile's colleague at Acme as a contact": someone not named yet; grounding asks who
        if name is None:
            return None
        first, _, last = name.rpartition(" ")
        if not first:
            first, last = last, ""  # one name: the first name; grounding asks for the last
        fields["first_name"] = first or None
        fields["last_name"] = last or None
        for part in parts[1:]:
            part = clean(part)
            item = _CONTACT_ITEM_FIELD.match(part)
            if re.search(EMAIL, part) and (item is None or item["field"].lower() in ("email", "e-mail")):
                fields["email"] = re.search(EMAIL, part)[0]  # type: ignore[index]
            elif item is not None and item["field"].lower() in ("phone", "mobile", "cell", "tel"):
                fields["phone"] = " ".join(item["value"].split())
            elif re.fullmatch(PHONE, part):
                fields["phone"] = " ".join(part.split())
            elif lexicon.account(part) is not None and "account" not in fields:
                fields["account"] = part
            else:
                titled = re.sub(
                    r"^(?:(?:title|role|position)\s*(?::|is)?|as|(?:he|she|they)(?:'s|s|\s+is|\s+are)(?:\s+(?:the|a|an|"
                    r"our|their|now|new))*)\b\s*",
                    "",
                    part,
                    flags=_I,
                )
                for at_account in re.finditer(r"\s+(?:at|of|@)\s+", titled, _I):
                    if lexicon.account(titled[at_account.end() :]) is not None:
                        # "CFO at umbrella", "head of IT at acme": the title, and the account it is held at
                        fields.setdefault("account", clean(titled[at_account.end() :]))
                        titled = titled[: at_account.start()]
                        break
                if titled and not _NOT_A_ROLE.search(titled):
                    fields["title"] = titled  # ("didn't catch his surname" is said about the contact, not a role)
        if role_title is not None:
            fields.setdefault("title", role_title)
        return Read(SalesforceCreateContactRequest(**{k: v for k, v in fields.items() if v is not None})), len(low)
    return None


# ---------------------------------------------------------------------------------------------------------------
# Salesforce: update an opportunity


_NOT_A_ROLE = re.compile(
    r"\b(?:not|no|didn'?t|don'?t|doesn'?t|can'?t|won'?t|never|i|i'm|we|my|his|her|their|he|she|they|surname|last\s+name|name|later|"
    r"tbd|unknown|follow|catch|caught|remember|know)\b",
    _I,
)
"""Words no job title holds: a clause with them is said about the contact ("didn't catch his surname")."""


_OPP_FIELD = (
    r"(?P<field>stage|amount|value|deal\s+size|size|price|close\s+date|closing\s+date|close|"
    r"expected\s+close(?:\s+date)?|next\s+steps?)"
)


def _record_at(piece: Mapped, match: re.Match[str], group: str, ctx: Ctx) -> Record | None:
    if not match[group]:
        return Record(None, None, True)  # "set the amount to 120k": the record named before it in the message
    text = piece.source(match.start(group), match.end(group))
    if re.fullmatch(r"(?:it|its|this|that|this\s+one|them|their)", text.strip(), _I):
        return ctx_record(ctx)
    record = ctx.lexicon.record(text)
    if record is None or (record.account is None and record.opportunity is None and not record.named_as_record):
        return None
    named = ctx.last_record
    if (
        record.account is not None
        and ctx.lexicon.account(record.account) is None
        and named is not None
        and named.account is not None
        and ctx.lexicon.account(named.account) is not None
    ):
        # "acme decided not to renew support, mark the support renewal lost": acme's Support Renewal, not an
        # account called "support"
        words = " ".join(w for w in (record.account, record.opportunity) if w)
        if ctx.lexicon.opportunity_for(named.account, words) is not None:
            return Record(named.account, words, named_as_record=True)
    return record


def ctx_record(ctx: Ctx) -> Record | None:
    return ctx.last_record


def _opp_value(field: str | None, raw: str, ctx: Ctx, record: Record) -> dict[str, Any] | None:
    """The fields ``raw`` sets: for a named field, that field; otherwise whatever ``raw`` reads as (a stage, an
    amount, a date). None when it reads as nothing."""
    value = clean(NOT_THE_OLD_AMOUNT.sub(lambda m: m["new"], raw))  # "75k now not 60": the new amount
    lexicon = ctx.lexicon
    name = " ".join(field.split()) if field else None
    if name in ("amount", "value", "deal size", "size", "price"):
        if value and re.fullmatch(
            r"(?:up\s+|down\s+)?(?:a\s+(?:bit|little|touch|tad)|some|more|less|higher|lower|up|down)(?:\s+more)?|(?:(?:is|will"
            r"\s+be)\s+)?(?:(?:coming|going|moving)\s+(?:down|up)|dropping|falling|shrinking|growing|increasing|decreasing|changing)"
            r"(?:\s+(?:a\s+(?:bit|little|lot)|again|soon|now))?",
            value,
            _I,
        ):
            return {"amount": None}  # "bump the amount a bit", "amount is coming down": how much is asked
        if value and re.fullmatch(r"(?:to\s+)?\d{1,3}\.\d{3}", value, _I):
            return {"amount": None}  # "36.000": 36, or 36,000 written the European way; asked
        leading = re.match(rf"(?:to\s+)?(?P<amount>{AMOUNT}){_WHY}$", value, _I) if value else None
        amount = read_money(leading["amount"] if leading else value, strict=False) if value else None
        return {"amount": amount} if amount is not None or not value else None
    if name in ("close date", "closing date", "close", "expected close", "expected close date"):
        if not value:
            return {"close_date": None}
        shifted = shift_close_date(value, ctx, record)
        if shifted is not None:
            return {"close_date": shifted[0]}
        found = read_date(value, ctx)
        if found is None and re.fullmatch(
            r"(?:much\s+|a\s+bit\s+|way\s+)?(?:sooner|earlier|later|asap|tbd|moved|pushed)", value, _I
        ):
            return {"close_date": None}
        return {"close_date": found[0]} if found is not None else None
    if name in ("next step", "next steps"):
        return {"next_step": value or None}
    if name == "stage":
        stage = lexicon.stage(value, loose=True) if value else None
        if value and stage is None:
            return {"stage": None} if _VAGUE_STAGE.match(value) else None
        return {"stage": stage}
    amount = read_money(value, strict=True)
    if amount is not None:
        return {"amount": amount}
    stage = lexicon.stage(value)
    if stage is not None:
        return {"stage": stage}
    if _VAGUE_STAGE.match(value):
        return {"stage": None}
    return None


_VAGUE_STAGE = re.compile(
    r"^(?:the\s+)?(?:next|previous|usual|right|correct|proper|same|final|last|later)\s+(?:stage|step|phase)$", _I
)


def shift_close_date(text: str, ctx: Ctx, record: Record) -> tuple[dt.date | None] | None:
    """A close date moved by a span ("back two weeks", "out a month"): from the known close date, or None."""
    match = re.fullmatch(
        r"(?:(?P<before>back|out|forward|up|in)\s+)?(?:by\s+)?(?P<n>a|an|one|two|three|four|five|six|\d+)\s+(?P<unit>day|w"
        r"eek|month)s?(?:\s+(?P<after>back|out|later|earlier|sooner))?",
        text.strip(),
        _I,
    )
    if match is None:
        return None
    n = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}.get(match["n"].lower())
    count = n if n is not None else int(match["n"])
    # "pull it in by two weeks", "forward a week", "a week earlier": sooner; "back", "out", "later": later
    if (match["before"] or match["after"] or "").lower() in ("forward", "up", "in", "earlier", "sooner"):
        count = -count
    known = ctx.lexicon.opportunity_for(record.account, record.opportunity)
    if known is None or known.close_date is None:
        return (None,)
    if match["unit"].lower() == "month":
        month = known.close_date.month - 1 + count
        year = known.close_date.year + month // 12
        month = month % 12 + 1
        day = min(known.close_date.day, calendar.monthrange(year, month)[1])
        return (dt.date(year, month, day),)
    days = count * (7 if match["unit"].lower() == "week" else 1)
    return (known.close_date + dt.timedelta(days=days),)


_WITH_FIELD = (
    r"(?=\s+(?:with|w/|and)\s+(?:a\s+|the\s+|new\s+)?(?:close\s+date|closing\s+date|amount|stage|next\s+step)\b)"
)
"""Another field of the same deal said after a value ("is 118500 w close date 4/15"): read with it."""
_WHY = (
    r"(?:\s+(?:after|since|because|following|per|thanks\s+to|due\s+to|with|w/)\s+(?!(?:a\s+|the\s+|new\s+)?(?:close\s+date|"
    r"closing\s+date|amount|stage|next\s+step)\b)[^,;.!?]*?)?"
)
"""An explanation after a stated change ("is now $1.1m after the scoping call"): context, not part of the value."""

_OPP_FRAMES: list[tuple[re.Pattern[str], str]] = [
    (
        _m(
            rf"^(?:please\s+)?(?:set|change|update|move|push|pull|bump|raise|lower|drop|mark|put|adjust|make|shift|slip|extend)\s+(?:th"
            rf"e\s+)?{_OPP_FIELD}\s+(?:of|on|for|in)\s+(?P<rec>{RECORD})\s+(?:to|as|at|->|(?=(?:back|out|forward|up)\s))\s*(?P<v"
            rf"alue>.+?){BOUNDARY}"
        ),
        "field",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:set|change|update|move|push|pull|bump|raise|lower|drop|adjust)\s+(?P<rec>{RECORD})(?"
            rf":'s|s')?\s+{_OPP_FIELD}\s+(?:from\s+\S+(?:\s+\S+)?\s+)?(?:(?:to|as|at)\b|->)?\s*(?P<value>.+?)"
            rf"{BOUNDARY}"
        ),
        "field",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:push|move|pull|shift|slip|bump)\s+(?:the\s+)?(?P<rec>{RECORD})(?:'s)?\s+(?P<field>cl"
            rf"ose\s+date|closing\s+date|close)\s+(?P<value>(?:back|out|forward|up|in)\s+.+?|to\s+.+?){BOUNDARY}"
        ),
        "field",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:push|move|pull|shift|slip|bump)\s+(?:the\s+)?(?P<field>close\s+date|closing\s+date)\s+(?P<valu"
            rf"e>(?:back|out|forward|up)\s+.+?)\s+(?:on|for|of)\s+(?P<rec>{RECORD}){BOUNDARY}"
        ),
        "field",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:set|change|update|move|push|bump|mark|put|advance|progress|switch|take|bring|flip)\s+(?P<"
            rf"rec>{RECORD})\s+(?:up\s+|forward\s+|back\s+|down\s+)?(?:to|into|in|as|at)\s+(?P<value>.+?){BOUNDARY}"
        ),
        "value",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:bump|raise|increase|lower|drop|cut|reduce|up)\s+(?:the\s+)?(?:amount\s+(?:on|of|for)"
            rf"\s+)?(?P<rec>{RECORD})\s+(?:up\s+|down\s+)?to\s+(?P<value>{AMOUNT}){BOUNDARY}"
        ),
        "value",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:mark|set|move|flag|close(?:\s+out)?)\s+(?P<rec>{RECORD})\s+(?:out\s+)?(?:as\s+)?(?P<value>"
            rf"(?:closed[\s/-]?)?(?:won|lost)){BOUNDARY}"
        ),
        "value",
    ),
    (
        _m(
            rf"^(?:(?:looks|seems|sounds)\s+like\s+|i\s+think\s+|so\s+|well\s+)?(?:we\s+|i\s+)?(?:just\s+|finally\s+|officially\s+)?"
            rf"(?P<value>won|lost)\s+(?P<rec>{RECORD}){BOUNDARY}"
        ),
        "value",
    ),
    (
        _m(
            rf"^(?P<rec>{RECORD})(?:'s(?=\s+(?:at|in)\s)|(?:\s+(?:just|now|finally|officially))?\s+(?:is\s+now|is|now|went\s+to|moved\s+to|(?:goes|moves|is\s+moving|advances|progresses)\s+(?:up\s+|forward\s+|along\s+|on\s+)?(?:to|into)|(?:went|is|was|got\s+bumped|bu"
            rf"mped|moved)\s+(?:up|down)\s+to|(?:dropped|grew|increased|decreased|jumped|fell|shrank|climbed|rose)\s+to|came\s+in\s+"
            rf"at|->|=))\s+(?:at\s+|in\s+)?(?:the\s+)?(?P<value>(?:\$|u"
            rf"sd\s*)?\d[\d.,]*\s*(?:k|m|mm|bn|b|million|thousand)?|closed[\s/-]?(?:won|lost)|won|lost|[a-z][\w./ -]*"
            rf"?)(?:{_WITH_FIELD}|{_WHY}{BOUNDARY})"
        ),
        "statement",
    ),
    (
        _m(
            rf"^(?P<rec>{RECORD})\s+(?:slipped|slid|moved|got\s+pushed|was\s+pushed|pushed|is\s+slipping|is\s+pushed)"
            rf"(?:\s+(?:the|their|its)\s+(?:close|close\s+date|closing\s+date|signing|signature))?"
            rf"\s+(?:out\s+|back\s+)?(?:to|till|until|into)\s+(?P<value>{DATE}|{VAGUE_DATE}){_WHY}{BOUNDARY}"
        ),
        "close-statement",
    ),
    (
        _m(
            rf"^(?P<rec>{RECORD})\s+(?:won'?t|wont|will\s+not|isn'?t\s+going\s+to|is\s+not\s+going\s+to)\s+close\s+(?"
            rf":till|until|before)\s+(?P<value>{DATE}|{VAGUE_DATE})(?:\s+at\s+the\s+earliest)?{_WHY}{BOUNDARY}"
        ),
        "close-statement",
    ),
    (
        _m(
            rf"^(?P<rec>{RECORD})\s+(?:should|will|is\s+going\s+to|is\s+expected\s+to|now\s+closes|closes)\s+(?:close\s+)?"
            rf"(?:by|on|in|at)?\s*(?P<value>{DATE}|{VAGUE_DATE}){_WHY}{BOUNDARY}"
        ),
        "close-statement",
    ),
    (
        _m(
            rf"^(?P<rec>{RECORD})\s+(?:->|(?:back\s+|up\s+|down\s+|forward\s+)?to)\s+(?P<value>closed[\s/-]?(?:won|lost)|(?:\$|usd\s*)?\d[\d.,]*\s*(?:k|m|mm|mil"
            rf"lion|thousand)?|[a-z][\w./ -]*?)(?:\s+(?:at|for|with|w/|@)\s+(?P<at_amount>(?:\$|usd\s*)?\d[\d.,]*\s*"
            rf"(?:k|m|mm|million|thousand)?))?{BOUNDARY}"
        ),
        "terse",
    ),
    (
        _m(
            rf"^(?:the\s+)?(?P<field>next\s+steps?)\s+(?:on|for|of)\s+(?P<rec>{RECORD})\s*(?::|\s-\s|(?:is|to)\b|->|=|s"
            rf"hould\s+be)\s*(?P<value>.+)$"
        ),
        "field-to-end",
    ),
    (
        _m(
            rf"^(?:the\s+)?(?P<field>stage|amount|value|close\s+date|closing\s+date)\s+(?:on|for|of)\s+(?P<rec>"
            rf"{RECORD})\s*(?::|is\s+now\b|(?:is|to)\b|->|=|should\s+be|needs\s+to\s+be)\s*(?P<value>.+?){BOUNDARY}"
        ),
        "field",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:set|change|update|add)\s+(?:the\s+)?(?P<field>next\s+steps?)\s+(?:on|for|of)\s+(?P<r"
            rf"ec>{RECORD})(?:\s+(?:to|as)\b|\s*:)\s*(?P<value>.+)$"
        ),
        "field-to-end",
    ),
    (
        _m(
            rf"^(?P<rec>{RECORD})(?:'s|s')?\s+(?P<field>close\s+date|closing\s+date|close(?=\s+(?:on\s+|by\s+)?\d)|amount|sta"
            rf"ge|next\s+step)\s*(?:(?:got\s+|was\s+|is\s+)?(?:pushed|moved|changed|slipped|bumped|slipping|moving|sliding)\s+(?:out"
            rf"\s+|back\s+|up\s+)?to\b|is"
            rf"\s+now\b|(?:is|now|to)\b|->|:|=|should\s+be)?\s*(?P<value>.+?){BOUNDARY}"
        ),
        "field",
    ),
    (_m(rf"^(?P<rec>{RECORD})\s*(?::|\s-\s)\s*(?P<list>.+)$"), "list"),
    (
        _m(
            rf"^(?:please\s+)?(?:set|change|update|bump|raise|lower|drop|adjust)\s+(?:the\s+)?(?P<field>amount|value|"
            rf"deal\s+size|stage|close\s+date|closing\s+date|next\s+step)\s+(?:to|at|as)\s+(?P<value>.+?){BOUNDARY}(?"
            rf"P<rec>)"
        ),
        "field",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:push|move|pull|shift|slip)\s+(?:the\s+)?(?P<field>close(?:\s+date)?|closing\s+date)"
            rf"\s+(?:to\s+)?(?P<value>.+?){BOUNDARY}(?P<rec>)"
        ),
        "field",
    ),
    # "(for the umbrella renewal) put next step: book a lunch": the deal named before
    (
        _m(
            r"^(?:please\s+)?(?:set|put|add|update|change|make|enter)\s+(?:the\s+|a\s+)?(?:new\s+)?(?P<field>next\s+steps?)\s*(?::|->|=|"
            r"(?:to|as)\b)\s*(?P<value>\S.*)$(?P<rec>)"
        ),
        "field-to-end",
    ),
    # "acme renewal amount should match what we agreed": the field, its value not written here (grounding asks)
    (
        _m(
            rf"^(?P<rec>{RECORD})(?:'s|s')?\s+(?P<field>amount|stage|close\s+date|closing\s+date|next\s+step)\s+(?:should|needs\s+"
            rf"to|has\s+to|must)\s+(?:match|reflect|be\s+(?:updated|changed|fixed|corrected|adjusted)|change)\b[^,;.!?]*(?P<value>)"
            rf"{BOUNDARY}"
        ),
        "field",
    ),
    # "Umbrella Health renewal is to be moved one stage ahead", "advance the globex deal a stage": which stage is asked
    (
        _m(
            rf"^(?P<rec>{RECORD})\s+(?:(?:is\s+to|should|needs\s+to|has\s+to|must|can)\s+be\s+|is\s+|was\s+|got\s+)?(?:moved|advanced|"
            rf"bumped|pushed|progressed|moving|going)\s+(?:up\s+)?(?:one|a|1)\s+stage(?:\s+(?:ahead|forward|up|further|on))?(?P<value>)"
            rf"{BOUNDARY}"
        ),
        "next-stage",
    ),
    (
        _m(
            rf"^(?:please\s+)?(?:move|advance|bump|push|progress|take)\s+(?P<rec>{RECORD})\s+(?:up\s+)?(?:one|a|1)\s+stage(?:\s+(?:ahea"
            rf"d|forward|up|further|on))?(?P<value>){BOUNDARY}"
        ),
        "next-stage",
    ),
    # "(umbrella just signed the renewal) won, pls update sf", "(... so) closed lost": the outcome alone, of the deal
    # named before
    (
        _m(
            r"^(?P<value>closed[\s/-]?(?:won|lost)|won|lost)(?:\s+(?:please\s+)?(?:update|change)(?:\s+(?:it|sf|sfdc|salesf"
            rf"orce|the\s+crm))?)?(?P<rec>)(?P<field>){BOUNDARY}"
        ),
        "value",
    ),
    (_m(rf"^(?:please\s+)?(?:close\s+out|close)\s+(?P<rec>{RECORD})(?P<value>){BOUNDARY}"), "close"),
    # "acme support renewal can be closed (in sf)": won or lost is asked
    (
        _m(
            rf"^(?P<rec>{RECORD})\s+(?:can|should|needs\s+to|is\s+ready\s+to)\s+be\s+closed(?:\s+out)?(?:\s+in\s+(?:sf|sfdc|salesforce))?"
            rf"(?P<value>){BOUNDARY}"
        ),
        "close",
    ),
    # "initech expansion is a done deal": won
    (
        _m(
            rf"^(?P<rec>{RECORD})\s+is\s+(?:a\s+done\s+deal|in\s+the\s+bag|signed(?:\s+and\s+sealed)?)(?P<value>){BOUNDARY}"
        ),
        "won",
    ),
    # "globex new business should be either negotiation or proposal now - check with ivy": a choice, asked
    (
        _m(
            rf"^(?P<rec>{RECORD})\s+(?:should\s+(?:be|go\s+to)|is\s+(?:now\s+)?(?:at|in)|(?:goes|moves|needs\s+to\s+go)\s+to|to)\s+(?:now\s+)?"
            r"(?:either\s+)?(?P<value>(?P<a>[\w$][\w./$,-]*(?:\s+(?!or\b)[a-z][\w./-]*)?)\s+or\s+(?P<b>[\w$][\w./$,-]*(?:\s+(?!now\b)"
            r"[a-z][\w./-]*)?))"
            r"(?:\s+now)?(?:\s*(?:,|;|\s-)\s*(?:check\s+with\s+[a-z][\w.-]*(?:\s+[a-z][\w.-]*)?|ask\s+[a-z][\w.-]*|i\s+(?:forget|don'?t\s+"
            rf"(?:know|remember)|can'?t\s+remember)\s+which(?:\s+one)?|not\s+sure\s+which(?:\s+one)?))*{BOUNDARY}"
        ),
        "choice",
    ),
    # "reopen it at prospecting": back to that stage
    (
        _m(
            rf"^(?:please\s+)?(?:re-?open|revive|un-?lose)\s+(?P<rec>{RECORD})\s+(?:at|in|as|to|into)\s+(?:the\s+)?(?P<value>[a-z]["
            rf"\w./ -]*?)(?:\s+stage)?{BOUNDARY}"
        ),
        "value",
    ),
    # "reopen the analytics deal": back to an open stage, which one is asked
    (_m(rf"^(?:please\s+)?(?:re-?open|revive|un-?lose)\s+(?P<rec>{RECORD})(?P<value>){BOUNDARY}"), "close"),
    # "push the acme platform renewal out a bit": a later close date, how much later is asked
    (
        _m(
            rf"^(?:please\s+)?(?:push|move|slip|kick)\s+(?P<rec>{RECORD})\s+(?:out|back)(?:\s+(?:a\s+(?:bit|little|while|(?:few|couple(?:\s+"
            rf"of)?)\s+(?:weeks|wks|days|months))|so"
            rf"me))?(?P<field>)(?P<value>){BOUNDARY}"
        ),
        "later",
    ),
    (_m(rf"^(?:please\s+)?(?:update|change|edit)\s+(?P<rec>{RECORD})(?P<value>){BOUNDARY}"), "update"),
    (
        _m(
            rf"^(?:please\s+)?(?:update|change|set|edit)\s+(?:the\s+)?{_OPP_FIELD}\s+(?:of|on|for|in)\s+(?P<rec>"
            rf"{RECORD})(?P<value>){BOUNDARY}"
        ),
        "field",
    ),
]


_UPDATE_HEADER = _m(
    r"^(?:please\s+)?update\s+(?:sf|sfdc|salesforce|the\s+crm)(?:\s+(?:and|\+|&)\s+(?:the\s+)?(?:tasks?|opps?|deals?))?\s*:\s*$"
)
"""The head of a list of changes ("forecast call recap, pls update sf + tasks:"): what the lines after it are."""


def update_opportunity(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    low = piece.text.lower()
    if _UPDATE_HEADER.match(low) and piece.ends and piece.original[piece.ends[-1] :].strip():
        return Filler(piece.source()), len(low)
    for pattern, how in _OPP_FRAMES:
        match = pattern.match(low)
        if match is None:
            continue
        record = _record_at(piece, match, "rec", ctx)
        if record is None:
            continue
        if how in ("statement", "value", "update", "close", "terse", "close-statement", "next-stage") and not (
            record.named_as_record or _is_known_record(record, ctx)
        ):
            continue
        fields: dict[str, Any]
        end = _end(match, low)
        asked: str | None = None
        if how == "list":
            fields = _opp_list(piece.source(match.start("list"), match.end("list")), ctx, record)
            if not fields:
                continue
            end = len(low)
        elif how == "choice":
            # one of two stages (or close dates; two amounts are read as none by now): which is asked, never picked
            a, b = match["a"].rstrip(","), match["b"]
            if read_date(a, ctx) is not None and read_date(b, ctx) is not None:
                name = "close_date"
            elif ctx.lexicon.stage(a) is not None and ctx.lexicon.stage(b) is not None:
                name = "stage"
            else:
                continue
            fields = {name: None}
            written = piece.source(match.start("value"), match.end("value"))
            asked = f"Which {name.replace('_', ' ')} should it have? “{written}” names two."
        elif how == "close":
            fields = {"stage": None}  # won or lost: grounding asks
        elif how == "next-stage":
            fields = {"stage": None}  # "one stage ahead": which stage that is, grounding asks
        elif how == "won":
            fields = {"stage": ctx.lexicon.stage("closed won") or "Closed Won"}
        elif how == "later":
            fields = {"close_date": None}  # how much later: grounding asks
        elif how == "close-statement":
            found = read_date(piece.source(match.start("value"), match.end("value")), ctx)
            fields = {"close_date": found[0] if found else None}
        elif how == "terse":
            raw = piece.source(match.start("value"), match.end("value"))
            amount = read_money(raw, strict=True)  # "umbrella health renewal to $95k"
            # a stage the vocabulary knows, never a loose phrase ("new OPS bugs auto-assign to juan" is no deal)
            stage = ctx.lexicon.stage(raw)
            fields = {"amount": amount} if amount is not None else {"stage": stage} if stage is not None else {}
            if not fields or None in fields.values():
                continue
            if match["at_amount"]:
                # "umbrella health renewal -> negotiation/review at 92k": the stage, and the amount it is at
                also = read_money(piece.source(match.start("at_amount"), match.end("at_amount")), strict=True)
                if also is None or "amount" in fields:
                    continue
                fields["amount"] = also
        elif how == "update":
            fields = {}
        elif how == "field-to-end":
            fields = {"next_step": free_text(piece, match.start("value"), match.end("value")) or None}
            end = len(low)
        else:
            raw = piece.source(match.start("value"), match.end("value")) if match["value"] else ""
            named_stage = ctx.lexicon.stage_at(low[match.start("value") :]) if match["value"] else None
            if named_stage is not None and match.start("value") + named_stage[1] > match.end("value"):
                # "move the globex opp to Id. Decision Makers": a stage whose name holds a full stop, read whole (with
                # the word "stage" after it: "is at the id. decision makers stage now")
                raw = piece.source(match.start("value"), match.start("value") + named_stage[1])
                end = match.start("value") + named_stage[1]
                after = re.match(r"\s+stage(?:\s+now)?\b", low[end:])
                end += after.end() if after else 0
            opened = re.match(r"\s*(['\"`])", low[match.start("value") :]) if match["value"] else None
            closing = low.find(opened[1], match.start("value") + opened.end()) if opened else -1
            if opened is not None and closing >= match.end("value"):
                # "next step = 'CTO deep dive, week of jan 11'": a quoted value runs to its closing quote
                raw = piece.source(match.start("value"), closing + 1)
                end = closing + 1
            field = match.groupdict().get("field")
            if how == "value" and re.fullmatch(r"(?:closed[\s/-]?)?(?:won|lost)", raw.strip(), _I):
                field = "stage"
            moved_to = re.fullmatch(r"(?:back|out|forward|up|in)\s+to\s+(?P<date>.+)", raw.strip(), _I)
            if field and moved_to is not None and read_date(moved_to["date"], ctx) is not None:
                raw = moved_to["date"]  # "move the close date up to the 16th": to that date
            if field and re.fullmatch(r"(?:back|out|forward|up|in)\s+.+", raw.strip(), _I):
                # "..., move the close out two weeks": from the close date of the record named before
                named = record
                if record.account is None and ctx.last_record is not None:
                    # "umbrella wants to sign sooner - pull the renewal close date in": umbrella's renewal
                    known = ctx.last_record
                    named = Record(known.account, record.opportunity or known.opportunity, named_as_record=True)
                shifted = shift_close_date(raw, ctx, named)
                fields = {"close_date": shifted[0] if shifted else None}
            else:
                fields = _opp_value(field, raw, ctx, record) or {}
                if not fields:
                    if how == "value" and re.match(r"(?:to\s+)?(?:" + DATE + "|" + VAGUE_DATE + ")", raw.strip(), _I):
                        found = read_date(raw, ctx)
                        fields = {"close_date": found[0] if found else None}
                    else:
                        continue
        more = re.match(
            rf"\s+(?:with|w/|and)\s+(?:a\s+|the\s+|new\s+)?{_OPP_FIELD}\s+(?:of\s+|at\s+|on\s+|to\s+|is\s+|as\s+)?(?P<value>\S.*?)"
            rf"{BOUNDARY}",
            low[end:],
        )
        if how == "statement" and more is not None:
            # "acme platform renewal is 118500 w close date 4/15": the other field of the same deal, read with it
            written = piece.source(end + more.start("value"), end + more.end("value"))
            extra = _opp_value(more["field"].lower(), written, ctx, record)
            if extra and not set(extra) & set(fields):
                fields = {**fields, **extra}
                end += more.end()
                if None in extra.values():
                    asked = unclear_date("close_date", written) if "close_date" in extra else None
        known = ctx_record(ctx)
        if record.account is None and known is not None and how != "statement":
            if record.opportunity is None:
                record = known
            elif known.account is not None:
                # "initech wants more seats, bump the expansion amount": the expansion of the account just named
                record = Record(account=known.account, opportunity=record.opportunity, named_as_record=True)
        request = SalesforceUpdateOpportunityRequest(
            account=record.account, opportunity=record.opportunity, **{k: v for k, v in fields.items()}
        )
        ctx.last_record = record
        return Read(request, weak=False, question=asked), end
    return None


def _names_a_record(text: str, ctx: Ctx) -> bool:
    """Whether ``text`` names an account the vocabulary knows (or one of its opportunities)."""
    record = ctx.lexicon.record(text)
    return record is not None and _is_known_record(record, ctx)


def _is_known_record(record: Record, ctx: Ctx) -> bool:
    return record.account is not None and ctx.lexicon.account(record.account) is not None


_FORECAST = (
    r"(?:(?:mov(?:e|ing)|put(?:ting)?|push(?:ing)?|bump(?:ing)?|(?:it'?s|it\s+is)(?:\s+now)?)\s+(?:it\s+)?(?:in(?:to)?\s+|to\s+)?)?(?:the"
    r"\s+)?(?:commit|best[\s-]case|upside|omitted)(?:\s+(?:now|category|bucket|forecast))?"
)
"""A forecast category, which is no stage ("moving it into commit", "upside", "best case"): it sets nothing."""


def _opp_list(text: str, ctx: Ctx, record: Record) -> dict[str, Any]:
    """ "stage Id. Decision Makers, amount $90,000, close 3/15, next step security review" and bare values ("95k")."""
    fields: dict[str, Any] = {}
    parts = re.split(r"\s*,\s+|\s*;\s*|\s+and\s+", text.strip(), flags=_I)
    for part in parts:
        part = re.sub(r"^(?:and|also|plus)\s+", "", part.strip(" ."), flags=_I)
        if not part or re.fullmatch(UNCHANGED, part, _I) or re.fullmatch(_FORECAST, part, _I):
            continue  # "..., stage stays where it is", "..., moving it into commit": nothing to change there
        so = re.fullmatch(
            rf".+?\s+(?:so|which\s+means|meaning)\s+(?:it'?s|it\s+is|that'?s)\s+(?:now\s+)?(?P<v>{AMOUNT})"
            r"(?:\s+now)?",
            part,
            _I,
        )
        if so is not None and read_money(so["v"], strict=True) is not None:
            fields["amount"] = read_money(so["v"], strict=True)  # "they added 20 seats so it's 38k now": the amount
            continue
        moved = re.fullmatch(
            r"(?:the\s+)?(?P<f>close(?:\s+date)?|closing\s+date)\s+(?:(?:has\s+|got\s+|was\s+)?(?:moved|slipped|pushed|changed|shifted)|is\s+now|"
            r"now)\s+(?:(?:out|back|up|in)\s+)?(?:to\s+)?(?P<v>.+)",
            part,
            _I,
        )
        if moved is not None:
            part = f"{moved['f']} {moved['v']}"  # "the close moved to 4/30": the close date, 4/30
        at_stage = re.fullmatch(
            r"(?:we'?re|we\s+are|it'?s|it\s+is)\s+(?:now\s+)?(?:at|in)\s+(?P<stage>.+?)(?:\s+now)?", part, _I
        )
        if at_stage is not None and ctx.lexicon.stage(at_stage["stage"]) is not None:
            fields["stage"] = ctx.lexicon.stage(at_stage["stage"])  # "globex: we're at Id. Decision Makers now"
            continue
        item = re.match(rf"^{_OPP_FIELD}\s*(?::|->|=|to|is)?\s*(?P<value>.+)$", part, _I)
        if item is not None:
            values = _opp_value(item["field"].lower(), item["value"], ctx, record)
        else:
            values = _opp_value(None, part, ctx, record)
        if not values:
            return {}
        fields.update(values)
    return fields


# ---------------------------------------------------------------------------------------------------------------
# What Followthrough can't do this way


_UNSUPPORTED: list[tuple[re.Pattern[str], str]] = [
    (
        _m(
            r"^(?:please\s+)?(?:clear|remove|delete|wipe|unset|empty|drop|take\s+off)\s+(?:the\s+|its\s+)?(?:due\s+da"
            r"te|deadline|labels?|priority|close\s+date|amount|next\s+step|phone|email|title)\b"
        ),
        "I can't clear a field; I can set it to another value.",
    ),
    (
        _m(
            r"^(?:please\s+)?(?:log|record)\s+(?:a\s+|an\s+|the\s+|my\s+|our\s+)?(?:\w+\s+)?(?:meeting|demo|lunch|vis"
            r"it|sync|email|standup)\b"
        ),
        "I log calls, not meetings or emails: to log it as a call, say so (`log a call with Ana at Initech`).",
    ),
    (
        _m(
            r"^(?:please\s+)?(?:delete|remove|archive|destroy|trash|purge|erase|nuke|wipe)\b(?!\s+(?:me|myself|[a-z]+"
            r")\s+from\s+[a-z]+-\d)"
        ),
        "I can't delete or archive anything in Jira or Salesforce.",
    ),
    (
        _m(
            r"\b(?:every|all|each)\b(?:\s+(?:of\s+)?(?:the\s+)?[\w-]+){0,3}?\s+(?:deals?|opportunit(?:y|ies)|opps?|ti"
            r"ckets?|issues?|bugs?|tasks?|contacts?|accounts?|records?|stories|stuff|things|items|ones)\b"
            r"|\b(?:bulk|mass|batch)[\s-]?(?:resolve|close|update|edit|change|move|assign|delete|transition|reassign)"
        ),
        "I change one record at a time: name the one you mean (`move PAY-12 to Done`, "
        "`mark the Hooli deal as closed lost`).",
    ),
    (
        # "email ana the quote" is an email to send; "(ana's phone and) email changed" is a contact's field
        _m(
            r"^(?:please\s+)?(?:(?:send|write|draft|message|dm|slack)\b|e-?mail\b(?!\s+(?:changed|is|was|address|has|"
            r"should|needs|too|also|as\s+well)\b|\s*$))"
        ),
        "I can't send emails or messages; I can log a call or create a follow-up task.",
    ),
    (
        _m(
            r"^(?:please\s+)?(?:shoot|fire\s+off|drop|ping)\s+(?:\w+\s+)?(?:an?\s+)?(?:quick\s+)?(?:e-?mail|message|dm|slack)\b"
        ),
        "I can't send emails or messages; I can log a call or create a follow-up task.",
    ),
    (
        # passwords and access are IT's: "reset my salesforce password", "give sam admin access"
        _m(
            r"^(?:please\s+)?(?:(?:reset|unlock|change|recover|restore)\s+(?:my|his|her|their|the|a|your|our)?\s*(?:[\w-]+\s+)?(?:pa"
            r"ssword|pw|login|2fa|mfa|sso|account)|(?:give|grant|revoke|remove)\s+(?:[\w<@>|-]+\s+){0,3}?(?:admin\s+)?(?:acce"
            r"ss|permissions?|rights|licen[cs]e|seat))\b"
        ),
        "I can't reset passwords or change anyone's access (IT can); I change records in Jira and Salesforce.",
    ),
    (
        _m(
            r"^(?:please\s+)?(?:schedule|book|set\s+up|arrange|organi[sz]e|plan|put\s+together)\s+(?:a\s+|an\s+)?(?:"
            r"\w+\s+)?(?:meeting|call|demo|sync|session|event|calendar|invite)\b"
        ),
        "I can't schedule meetings; I can create a follow-up task (`remind me to call Ana on Friday`) or log a call "
        "that happened.",
    ),
    (
        _m(
            r"^(?:please\s+)?(?:create|make|add|set\s+up|open|start)\s+(?:a\s+|an\s+)?(?:new\s+)?(?:jira\s+)?(?:proje"
            r"ct|board|sprint)\b"
        ),
        "I can't create Jira projects, boards or sprints; I can file issues in an existing project.",
    ),
    (_m(r"^(?:please\s+)?add\s+(?:the\s+|a\s+)?(?:label|tag)\b"), _ONE_LABEL),
]
_VAGUE_ASK = _m(
    rf"^(?:please\s+)?(?:(?:can|could|would)\s+you\s+(?:please\s+)?)?(?:deal\s+with|handle|take\s+care\s+of|sort\s+out|"
    rf"see\s+to|look\s+(?:at|into)|do\s+something\s+(?:about|with)|action|(?:you\s+)?know\s+what\s+to\s+do\s+(?:with|about)|"
    rf"do\s+(?:the\s+)?(?:usual|needful|thing)\s+(?:with|on|for))\s+(?:(?P<issue>{KEY}|this|that|it)"
    rf"(?:\s+(?:one|thread|issue|ticket))?|(?P<rec>{RECORD}))(?:\s+(?:for\s+me|today|asap|now))?{BOUNDARY}"
)
_READ_QUESTION = _m(
    r"^(?:what(?:'s|\s+is|\s+are)?|who(?:'s|\s+is)?|whos|how\s+(?:much|many|long)|when(?:'s|\s+is)?|where(?:'s|\s+is)"
    r"?|is|are|did|does|has|which|any\s+update)\b.*"
    r"(?:\b[a-z][a-z0-9]{1,9}-\d+\b|\bstatus\b|\bowns?\b|\bowner\b|\bworth\b|\bamount\b|\bstage\b|\bassigned\b|\bdeal"
    r"s?\b|"
    r"\brenewals?\b|\bopportunit(?:y|ies)\b|\baccounts?\b|\btickets?\b|\bissues?\b|\bbugs?\b|\btasks?\b|\bpipeline\b|"
    r"\byou\b)"
)


READ_ANSWER = (
    "I can tell you where a Jira issue or a Salesforce deal stands (`what's the status of PAY-12?`, `what's the Acme "
    "renewal at?`) and make changes there (`move PAY-12 to Done`); I can't answer that one."
)
"""The answer to a question about records the bot cannot answer."""


def unsupported(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    low = piece.text.lower()
    vague = _VAGUE_ASK.match(low)
    if vague is not None and vague["rec"]:
        record = ctx.lexicon.record(piece.source(vague.start("rec"), vague.end("rec")))
        if record is not None and _is_known_record(record, ctx):
            # "sort out the globex deal": which change is asked
            name = " ".join(p for p in (record.account, record.opportunity) if p)
            return Unsupported(
                f"What should I do with the {name} opportunity? I can change its stage, amount, close date or next "
                "step, log a call or create a task."
            ), _end(vague, low)
        vague = None
    if vague is not None:
        key = vague["issue"].upper()
        if not re.fullmatch(KEY, vague["issue"]):
            return Unsupported(CANNOT_TELL), _end(vague, low)  # "can you deal with this?": do what, is asked
        return Unsupported(
            f"What should I do with {key}? I can move it to another status, assign it, comment on it, link it or "
            "change its summary, priority, labels or due date."
        ), _end(vague, low)
    if _READ_QUESTION.match(low):
        return Unsupported(READ_ANSWER), len(low)
    said = re.sub(r'"[^"]*"', '""', low)  # what someone else wrote, quoted, asks nothing of the bot
    for pattern, question in _UNSUPPORTED:
        if pattern.search(said) if pattern.pattern.startswith("\\b") else pattern.match(said):
            return Unsupported(question), len(low)
    return None


FRAMES: tuple[Frame, ...] = (
    follow_up,
    log_call,
    create_issue,
    create_contact,
    create_task,
    comment,
    link,
    assign,
    transition,
    update_fields,
    update_contact,
    update_opportunity,
    read_question,
    unsupported,
)
"""In order: the first frame that reads the head of the text wins (a call before "log a bug"; a Jira issue names its
project or type, so a task for a person is left to the Salesforce task)."""
