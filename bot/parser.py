"""The offline rule parser: the default extractor when no OpenAI key is configured.

It reads one request and produces an ``Understanding`` the same way the LLM extractor does, without a network. The
message is cut into sentences, each sentence into requests where a new one clearly starts ("..., and log a call
with ..."), and each piece is offered to the recognisers (``bot/parse_jira.py``, ``bot/parse_salesforce.py``). A
field the request does not state stays None, for grounding to ask about; anything no recogniser claims becomes a
question that says what was understood, never a guess and never a silent drop. Only the request is read as
instructions: the thread is read for "file this" (the summary comes from its first human message), nothing else,
and instructions to a bot inside the request ("ignore previous instructions", "approved by admin") are set aside,
noted in ``understood``, and never become requests.

This docstring is the reference list of what the parser understands; every phrasing in it is checked by
``bench/understanding_cases/`` (scored by ``bench/eval_understanding.py``) or ``tests/bot/test_parser.py``.

Jira: create an issue (bug/defect, task/ticket/todo/chore, story/feature, epic, issue)::

    create a bug in PAY: Checkout fails on Safari, assign to Alice, priority high
    file this as a bug in PAY, assign Alice, due Friday        (summary: the thread's first human message)
    open a PAY ticket for this / file this in PAY              (no type named: grounding asks)
    can you create a task in OPS to rotate the staging keys, due next week
    raise a high priority bug in PAY: ... / log a P1 bug in PAY for this
    new story in PAY "Saved cards on the billing page", labels billing, ux
    open a bug in OPS: Disk alerts fire twice. Assign it to Juan. Priority low.
    file a bug for this in PAY and make it high priority / ..., leave it unassigned

Jira: comment, transition, assign, change fields, link (an issue is a key, or "it" / "this ticket" / "the ticket
from this thread" = this thread's ticket; after a key in the same message, "it" is that key)::

    comment on PAY-12: ... / add a comment to PAY-12 saying ... / leave a note on PAY-10 that ...
    comment "reproduced on iOS 17" on PAY-8 / add to PAY-12 as a comment: ... / reply on PAY-11 with: ...
    move PAY-12 to done / mark PAY-12 as done / set the status of OPS-4 to blocked / put PAY-10 back in progress
    close / resolve / finish PAY-8 (Done), start work on PAY-11 (In Progress), reopen PAY-1 (To Do)
    assign PAY-12 to Alice / assign Sam Lee to PAY-12 / give PAY-11 to Bob / I'll take PAY-8 / assign it to me
    unassign PAY-12 / remove the assignee from PAY-10 / set the assignee of PAY-12 to nobody
    set the priority of PAY-12 to high and the due date to next Tuesday / make PAY-8 high priority / bump PAY-11 to P1
    change PAY-12's due date to Friday / push PAY-12 to next week / PAY-7 is due in 2 weeks
    rename PAY-12 to ... / change the title of OPS-4 to ... / set the labels on PAY-10 to tax, canada
    link PAY-12 to PAY-13 (no link type: grounding asks) / PAY-12 blocks PAY-13 / PAY-9 is blocked by PAY-7
    PAY-7 depends on OPS-2 / mark PAY-12 as a duplicate of PAY-8 / link PAY-10 and PAY-12 as related

Salesforce (an opportunity is named by account + the words that tell it apart: "the Acme renewal" -> Acme +
renewal; "deal", "opportunity" and "opp" are generic)::

    set the Acme renewal's stage to Negotiation / move the Acme renewal to Negotiation and set the amount to 120k
    bump the amount on the Globex deal to 80k / the Globex deal is now $1.2M / bump Globex to $80k
    push the close date of the Initech expansion to Dec 15 / push the Initech expansion to next month (date: asked)
    update the Initech opportunity: stage Negotiation/Review, amount 45k, close date end of month
    set the next step on the Initech expansion to ... / mark the Hooli deal as closed lost / we won the Acme renewal
    close the Acme renewal (won or lost: asked) / update the Acme opportunity (which field: asked)
    log a call with Ana at Initech [yesterday] [about pricing] [: notes] / log a call on the Acme renewal
    I spoke with Hank Scorpio from Globex yesterday, please log the call / log that I called Hank at Globex
    remind the account owner of Acme to follow up next Tuesday / remind me to call Ana at Initech tomorrow
    create a task for me to send Globex the deck by Friday / add a task for Erin on the Acme account: ..., due Dec 1
    create a follow-up task for the Acme renewal, due next week / set a reminder for Erin to ...
    update Ana Silva's phone to +1 555 0100 / change Alice Wong's title to CFO and her phone to ...
    Peter Gibbons at Initech has a new email: ... / Hank's new number is ... / Ana Silva is now CFO
    add a contact Jane Doe at Acme, jane@acme.example, CFO / add Jane Doe as a contact at Acme
    new contact at Initech: Michael Bolton, michael.bolton@initech.example

Several requests in one message when each stands alone: "file a bug in PAY for this and log a call with Ana at
Initech", "close PAY-8. Also assign PAY-11 to Bob." Dates: ISO, today, tomorrow, weekdays, "next Tuesday", "in 3
days", "next week", "end of month", "Dec 15" (``bot/dates.py``); a call's date is in the past. Amounts: "120k",
"$1.2M", "120,000", "1.5m" (``bot/amounts.py``). Priorities: highest/blocker/critical/urgent/p0, high/p1,
medium/normal/p2, low/p3, lowest/trivial/p4. People: a name, an @mention, "me", "nobody", "the account owner".

Asked, not done: questions ("what's the status of PAY-12?"), deleting anything, several records at once ("close
every deal"), adding one label, clearing a field, meetings and emails, Jira projects. Thanks and greetings are
nothing to do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import assert_never

from approvals.intents import (
    NOBODY,
    THIS_THREAD,
    ActionRequest,
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
    Understanding,
)
from approvals.ports import ExtractionInput
from bot.parse_jira import (
    Clauses,
    read_clauses,
    recognise_comment,
    recognise_create_issue,
    recognise_issue_change,
    recognise_link,
    split_parts,
)
from bot.parse_salesforce import (
    recognise_create_contact,
    recognise_create_task,
    recognise_log_call,
    recognise_update_contact,
    recognise_update_opportunity,
)
from bot.parse_text import ISSUE_KEY, Reading, Unsupported

__all__ = ["RECOGNISERS", "Clauses", "OfflineParser", "Recogniser", "normalise_request", "read_clauses", "split_parts"]

_BOT_MENTION = re.compile(r"^\s*(?:<@[UW][A-Z0-9]+(?:\|[^>]*)?>|@followthrough\b)[\s,:]*", re.I)
_POLITE = re.compile(
    r"^(?:hey|hi|hello|yo)?[\s,]*(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|please\s+|pls\s+)?", re.I
)
# Slack writes links out as "label (url)" (bot/text.py): the label is what the person typed.
_LINK_TARGET = re.compile(r"\s*\((?:mailto|tel|https?):[^)\s]*\)", re.I)
_JIRA_URL = re.compile(r"https?://\S+?/browse/(?P<key>[A-Za-z][A-Za-z0-9_]+-\d+)\S*")


def _prepared(text: str) -> str:
    """The request as the recognisers read it: no bot mention, no link targets, Jira links as keys, and typographic
    apostrophes as plain ones (Slack clients send U+2019 in "it's")."""
    text = _BOT_MENTION.sub("", text.strip())
    text = _JIRA_URL.sub(lambda m: m["key"], _LINK_TARGET.sub("", text))
    return text.replace("\u2019", "'").replace("\u2018", "'")


def normalise_request(text: str) -> str:
    """The request without the bot mention, politeness, link targets and surrounding whitespace."""
    text = _POLITE.sub("", _prepared(text), count=1)
    return " ".join(text.split())


Recogniser = Callable[[str, ExtractionInput], Reading | Unsupported | None]

RECOGNISERS: tuple[Recogniser, ...] = (
    recognise_log_call,
    recognise_create_issue,
    recognise_create_task,
    recognise_comment,
    recognise_link,
    recognise_issue_change,
    recognise_create_contact,
    recognise_update_contact,
    recognise_update_opportunity,
)
"""In order: the first recogniser that claims a segment reads it (log a call before log a bug; a Jira task names
its project, so create_issue leaves 'create a task for me to ...' to the Salesforce task)."""

# ---------------------------------------------------------------------------------------------------------------
# Sentences, small talk and instructions to a bot

_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|approx|inc|corp|ltd|co|mr|mrs|ms|dr|st|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)"
    r"|\b[A-Z])\.$",
    re.I,
)


def split_sentences(text: str) -> list[str]:
    """Sentences (and lines) of a request, each with its own end punctuation; abbreviations do not end one."""
    sentences: list[str] = []
    for line in text.splitlines():
        start = 0
        for end in re.finditer(r"(?<=[.!?])\s+", line):
            if _ABBREVIATION.search(line[start : end.start()]):
                continue
            sentences.append(line[start : end.start()])
            start = end.end()
        sentences.append(line[start:])
    return [" ".join(s.split()) for s in sentences if s.strip()]


_SMALL_TALK_WORD = (
    r"(?:thanks|thank\s+you|thx|ty|tysm|cheers|ok|okay|k|great|cool|nice|perfect|awesome|amazing|lol|lmao|haha+|hah|"
    r"hi|hello|hey|yo|morning|good\s+(?:morning|afternoon|evening|night)|got\s+it|sounds\s+good|all\s+good|no\s+worries|"
    r"np|\+1|yes|yep|yup|sure|will\s+do|noted|ack|appreciated?|much\s+appreciated|love\s+it|(?:nice|great|good)\s+"
    r"(?:work|job|one)|well\s+done|so\s+much|a\s+lot|team|all|everyone|folks|guys|y'?all|again|buddy|bot|followthrough)"
)
_SMALL_TALK_PREFIX = re.compile(rf"^(?:{_SMALL_TALK_WORD}\b[\s,.!?:;)(-]*)+", re.I)
_NO_ACTION = re.compile(
    r"^(?:(?:i'?ll|i\s+will|we'?ll|we\s+will|i\s+can|i'?m\s+going\s+to)\s+(?:handle|do|take\s+care\s+of|look\s+(?:into|at)|"
    r"deal\s+with|sort(?:\s+out)?|check)\s+(?:it|this|that)(?:\s+(?:myself|later|out))?|never\s*mind|nvm|"
    r"ignore\s+(?:that|me|this)|no\s+need|all\s+set|that'?s\s+all|nothing(?:\s+else)?)$",
    re.I,
)
_EMOJI_ONLY = re.compile(r"^(?:[^\w]|:[\w+-]+:|_)*$")


def _without_small_talk(sentence: str) -> str:
    """The request in a sentence once greetings and thanks are taken off its front ('' when that is all it is)."""
    if _EMOJI_ONLY.fullmatch(sentence):
        return ""
    rest = _SMALL_TALK_PREFIX.sub("", sentence).strip()
    return "" if _NO_ACTION.fullmatch(rest.rstrip(" .!")) else rest


_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+|the\s+|your\s+|my\s+|previous\s+|prior\s+|above\s+|"
    r"earlier\s+|other\s+|these\s+|those\s+|of\s+)*(?:instructions?|prompts?|rules?|messages?|guidelines|polic(?:y|ies)|"
    r"approvals?|everything|context)\b"
    r"|\bnew\s+instructions\b|\bsystem\s*(?:prompt|message|override)?\s*:|\byou\s+are\s+now\b|\bpretend\s+(?:to\s+be|you)\b"
    r"|\b(?:pre-?)?approved\s+by\s+(?:the\s+|an?\s+)?(?:admin|administrator|manager|management|security|it|ceo|cfo|legal)\b"
    r"|\bpre-?approved\b|\bno\s+approvals?\s+(?:is\s+|are\s+)?(?:needed|required|necessary)\b"
    r"|\bapprovals?\s+(?:is\s+|are\s+)?not\s+(?:needed|required|necessary)\b|\bwithout\s+(?:any\s+)?(?:approvals?|review)\b"
    r"|\bauto-?approve|\bapprove\s+(?:this|it)\s+(?:automatically|yourself)\b|\b(?:admin|developer|god|sudo)\s+mode\b"
    r"|\bjailbreak|\bnote\s+to\s+(?:the\s+)?(?:bot|ai|assistant|model|llm)\b|\bas\s+(?:the\s+|an\s+)?admin(?:istrator)?,?\s+i\b"
    r"|\bi\s+authori[sz]e\s+you\b",
    re.I,
)
_CLAUSE_BREAK = re.compile(r"[.!?;]\s|\s--?\s|\s[\u2014\u2013]\s|\(|,\s|\n")


def _set_aside_injection(sentence: str, request: ExtractionInput) -> tuple[str, str]:
    """The sentence without instructions to a bot, and what was set aside. Text inside a comment body or summary
    is the person's text and stays; elsewhere the clause holding the instruction and everything after it goes."""
    marker = _INJECTION.search(sentence)
    if marker is None:
        return sentence, ""
    reading = _read_segment(sentence, request)
    if isinstance(reading, Reading) and reading.free_text_at is not None and reading.free_text_at <= marker.start():
        return sentence, ""
    cut = 0
    for brk in _CLAUSE_BREAK.finditer(sentence, 0, marker.start()):
        cut = brk.start()
    return sentence[:cut].rstrip(" ,;-\u2014\u2013("), sentence[cut:].strip(" ,;-\u2014\u2013")


# ---------------------------------------------------------------------------------------------------------------
# Segments: one request's worth of text

_LEAD = re.compile(
    r"^(?:(?:and|then|also|plus|so|oh|btw|now)\b[\s,]*|(?:next|finally|lastly|first|second|after\s+that),\s*)*"
    r"(?:(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+|pls\s+|also\s+|just\s+|kindly\s+)*)?"
    r"(?:(?:please|pls|kindly|just|go\s+ahead\s+and)\s+)*",
    re.I,
)
_HEADS = (
    r"(?:file|create|open|raise|log|record|make|add|report|submit|assign|reassign|unassign|give|hand|move|transition|"
    r"mark|close|resolve|reopen|start|set|change|update|rename|bump|push|increase|lower|link|comment|leave|post|reply|"
    r"remind|put|note|we\s+(?:won|lost)|delete|remove|send|schedule)\b"
)
_BOUNDARY = re.compile(
    rf"\s*(?:,\s*(?:and\s+)?|;\s*|\s+and\s+|\s+then\s+)(?:then\s+|also\s+|please\s+|(?:can|could)\s+you\s+)*(?={_HEADS})",
    re.I,
)


_LEADING_NOISE = re.compile(r"^[^\w\"'\u201c<@(+$#]+")


def _lead_stripped(segment: str) -> str:
    return _LEAD.sub("", _LEADING_NOISE.sub("", segment.strip()), count=1).strip()


@dataclass(frozen=True)
class Unreadable:
    """Part of a sentence no recogniser reads, after a part that one does."""

    text: str


@dataclass(frozen=True)
class Context:
    """A statement around the requests ("customers are complaining again", "PAY-8 is fixed"): not a request. Its
    issue key, if any, is what a later "it" means; a key nothing refers back to makes the parser ask."""

    text: str
    key: str | None


_IMPERATIVE = re.compile(
    r"^(?:file|create|open|raise|log|record|make|add|report|submit|assign|reassign|unassign|give|hand|move|"
    r"transition|mark|close|resolve|reopen|start|set|change|update|rename|bump|push|increase|decrease|lower|link|"
    r"comment|leave|post|reply|remind|put|note|delete|remove|send|schedule|book|email|call|message|ping|tell|notify|"
    r"invite|share|export|import|sync|merge|deploy|cancel|archive|do|let|help|check|find|show|list|get|fetch|look|"
    r"pull|drop|clear|edit|fix|track|copy|clone|escalate|approve|reject|revert|undo|roll|ignore|disregard|forget|"
    r"stop|run|build|write|draft|prepare|review|follow|chase|ask|plan|organi[sz]e|arrange|upgrade|downgrade|renew|"
    r"transfer|convert|attach|upload|tag|label|prioriti[sz]e|take|grab|bring|keep|cut|split|combine)\b",
    re.I,
)
_ASKS_FOR_SOMETHING = re.compile(
    r"\b(?:need|needs|should|must|want|wants|please|pls|can\s+you|could\s+you|would\s+you|has\s+to|have\s+to|"
    r"let's|lets)\b|\?\s*$",
    re.I,
)


def _as_context(text: str) -> Context | None:
    """A segment that states something rather than asks for something, or None."""
    t = _lead_stripped(text).rstrip(" .!")
    if not t or _IMPERATIVE.match(t) or _ASKS_FOR_SOMETHING.search(t) or _INJECTION.search(t):
        return None
    keys = re.findall(ISSUE_KEY, t)
    return Context(t, keys[0].upper() if len(keys) == 1 else None) if len(keys) <= 1 else None


def _read_segment(segment: str, request: ExtractionInput) -> Reading | Unsupported | None:
    text = _lead_stripped(segment)
    if not text:
        return None
    for recognise in RECOGNISERS:
        found = recognise(text, request)
        if found is not None:
            return found
    return None


def _read_sentence(
    sentence: str, request: ExtractionInput
) -> list[Reading | Unsupported | Context | Unreadable] | None:
    """The requests in one sentence: split where a new request clearly starts and both sides read, else whole. A
    statement before a request ("PAY-8 is fixed, please close it") is context for it."""
    whole = _read_segment(sentence, request)
    offset = len(sentence) - len(_lead_stripped(sentence))
    limit = len(sentence)
    if isinstance(whole, Reading) and whole.free_text_at is not None:
        limit = offset + whole.free_text_at
    for boundary in _BOUNDARY.finditer(sentence):
        if boundary.start() >= limit:
            break
        left: Reading | Unsupported | Context | Unreadable | None = _read_segment(sentence[: boundary.start()], request)
        if left is None and whole is None:
            left = _as_context(sentence[: boundary.start()])
        if not isinstance(left, Reading | Context):
            continue
        right = _read_sentence(sentence[boundary.end() :], request)
        if right is not None and any(isinstance(r, Reading | Unsupported) for r in right):
            return [left, *right]
        if right is None and whole is None and isinstance(left, Reading):
            # 'assign PAY-12 to Alice and <something unreadable>': say what was understood, ask about the rest
            return [left, Unreadable(sentence[boundary.end() :])]
    return [whole] if whole is not None else None


# ---------------------------------------------------------------------------------------------------------------
# Joining the readings of a message


_TARGETS = {
    "jira.comment": ("issue",),
    "jira.transition": ("issue",),
    "jira.assign": ("issue",),
    "jira.update_fields": ("issue",),
    "salesforce.update_opportunity": ("account", "opportunity"),
    "salesforce.update_contact": ("contact",),
}


def _has_target(request: ActionRequest) -> bool:
    return any(getattr(request, name) is not None for name in _TARGETS.get(request.kind, ("kind",)))


def _filled(value: object) -> bool:
    return value not in (None, (), "")


def _fill(base: ActionRequest, extra: ActionRequest, names: Sequence[str]) -> ActionRequest | None:
    """``base`` with its empty fields taken from ``extra``; None when they disagree on a field both set."""
    update: dict[str, object] = {}
    for name in names:
        value = getattr(extra, name, None)
        if not _filled(value):
            continue
        if _filled(getattr(base, name)) and getattr(base, name) != value:
            return None
        update[name] = value
    return type(base).model_validate({**base.model_dump(), **update})


@dataclass
class _Message:
    """What one message has been read as so far."""

    readings: list[Reading] = field(default_factory=list)
    problems: list[Unsupported | str] = field(default_factory=list)
    set_aside: list[str] = field(default_factory=list)
    context: list[Context] = field(default_factory=list)
    last_key: str | None = None
    used_keys: set[str] = field(default_factory=set)

    def add_context(self, context: Context) -> None:
        self.context.append(context)
        if context.key:
            self.last_key = context.key

    def unexplained_context(self) -> list[str]:
        """Statements that cannot be left aside: any, when nothing was understood; else those naming an issue that no
        request refers back to ("PAY-12 needs Alice" is not context for an unrelated request)."""
        if not self.readings:
            return [c.text for c in self.context]
        return [c.text for c in self.context if c.key and c.key not in self.used_keys]

    def add(self, reading: Reading) -> None:
        request = reading.request
        previous = self.readings[-1].request if self.readings else None
        issue = getattr(request, "issue", None)
        if reading.pronoun and self.last_key and issue == THIS_THREAD:
            request = request.model_copy(update={"issue": self.last_key})
            issue = self.last_key
            self.used_keys.add(self.last_key)
        if isinstance(previous, JiraCreateIssueRequest) and (
            issue is None or (reading.pronoun and issue == THIS_THREAD)
        ):
            folded = self._fold_into_created(previous, request)
            if folded is not None:
                self.readings[-1] = Reading(folded, open_field="description")
                return
        if previous is not None and reading.continuation:
            merged = _fill(previous, request, type(request).model_fields) if previous.kind == request.kind else None
            if merged is not None:
                self.readings[-1] = Reading(merged, open_field=self.readings[-1].open_field)
                return
        if reading.continuation:
            self.problems.append(_describe_clause(request))
            return
        if (
            previous is not None
            and previous.kind == request.kind
            and request.kind in _TARGETS
            and not _has_target(request)
        ):
            merged = _fill(previous, request, type(request).model_fields)
            if merged is not None:
                self.readings[-1] = Reading(merged)
                return
        if issue is None and "issue" in type(request).model_fields and previous is not None:
            inherited = getattr(previous, "issue", None)
            if inherited is not None and not isinstance(previous, JiraCreateIssueRequest):
                request = request.model_copy(update={"issue": inherited})
        key = getattr(request, "issue", None)
        if key and re.fullmatch(ISSUE_KEY, key):
            self.last_key = key
            self.used_keys.add(key)
        self.readings.append(Reading(request, open_field=reading.open_field))

    @staticmethod
    def _fold_into_created(created: JiraCreateIssueRequest, request: ActionRequest) -> JiraCreateIssueRequest | None:
        """'file a bug in PAY and assign it to Alice': the assignment is part of the new issue."""
        if isinstance(request, JiraAssignRequest) and request.assignee:
            return _fill(created, JiraCreateIssueRequest(assignee=request.assignee), ("assignee",))  # type: ignore[return-value]
        if isinstance(request, JiraUpdateFieldsRequest) and request.summary is None:
            extra = JiraCreateIssueRequest(
                priority=request.priority, due_date=request.due_date, labels=request.labels or ()
            )
            return _fill(created, extra, ("priority", "due_date", "labels"))  # type: ignore[return-value]
        return None

    def extend_open_text(self, sentence: str) -> bool:
        """An unrecognised sentence right after a comment (or a summary): more of its text."""
        if not self.readings or self.readings[-1].open_field is None:
            return False
        last = self.readings[-1]
        name = last.open_field
        current = getattr(last.request, name)
        value = f"{current} {sentence}" if current else sentence
        self.readings[-1] = Reading(last.request.with_answer(name, value), open_field=name)  # type: ignore[arg-type]
        return True


class OfflineParser:
    """The ``approvals.ports.Extractor`` that needs no network: deterministic rules over the request text."""

    name = "offline-parser"

    def __init__(self, recognisers: Sequence[Recogniser] = RECOGNISERS) -> None:
        self.recognisers = tuple(recognisers)

    def extract(self, request: ExtractionInput) -> Understanding:
        message = _Message()
        for raw in split_sentences(_prepared(request.request_text)):
            sentence = _without_small_talk(raw)
            if not sentence:
                continue
            sentence, set_aside = _set_aside_injection(sentence, request)
            if set_aside:
                message.set_aside.append(set_aside)
            if not _lead_stripped(sentence).strip(" .!?,"):
                continue
            readings = self._read(sentence, request)
            if readings is None:
                if message.extend_open_text(sentence):
                    continue
                context = _as_context(sentence)
                if context is not None:
                    message.add_context(context)
                else:
                    message.problems.append(sentence)
                continue
            for reading in readings:
                if isinstance(reading, Unsupported):
                    message.problems.append(reading)
                elif isinstance(reading, Context):
                    message.add_context(reading)
                elif isinstance(reading, Unreadable):
                    message.problems.append(reading.text)
                else:
                    message.add(reading)
        message.problems.extend(message.unexplained_context())
        return self._understanding(message, normalise_request(request.request_text))

    def _read(
        self, sentence: str, request: ExtractionInput
    ) -> list[Reading | Unsupported | Context | Unreadable] | None:
        if self.recognisers == RECOGNISERS:
            return _read_sentence(sentence, request)
        text = _lead_stripped(sentence)  # a custom set of recognisers reads the sentence whole
        for recognise in self.recognisers:
            found = recognise(text, request)
            if isinstance(found, Reading | Unsupported):
                return [found]
            if found is not None:  # a recogniser written against the older contract returns the request itself
                return [Reading(found)]
        return None

    def _understanding(self, message: _Message, text: str) -> Understanding:
        requests = tuple(r.request for r in message.readings)
        understood = text
        if message.set_aside:
            understood += (
                " (set aside as instructions to a bot, not a request: "
                + "; ".join(f"“{s}”" for s in message.set_aside)
                + ")"
            )
        if not message.problems:
            return Understanding(requests=requests, understood=understood, extractor=self.name)
        if requests:  # part of it was read: say exactly which part, never more
            understood = "; ".join(describe(r) for r in requests) + understood[len(text) :]
        return Understanding(
            requests=requests,
            question=_question(message.problems, requests),
            understood=understood,
            extractor=self.name,
        )


# ---------------------------------------------------------------------------------------------------------------
# Questions

EXAMPLES = (
    "I understand requests like `create a bug in PAY: <summary>, assign <person>, priority high, due Friday`, "
    "`move PAY-12 to Done`, `set the Acme renewal's stage to Negotiation` and `log a call with Ana at Initech`."
)
_CANNOT_TELL = "I can't tell what you'd like me to do with that. " + EXAMPLES

_FALLBACKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b(?:every|all|each)\b(?:\s+[\w-]+){0,3}?\s+(?:deals?|opportunit(?:y|ies)|opps?|tickets?|issues?|bugs?|"
            r"tasks?|contacts?|accounts?|records?|stories)\b",
            re.I,
        ),
        "I change one record at a time: name the one you mean (`move PAY-12 to Done`, `mark the Hooli deal as "
        "closed lost`).",
    ),
    (
        re.compile(r"^(?:delete|remove|archive|destroy|trash|purge|erase)\b", re.I),
        "I can't delete or archive anything in Jira or Salesforce.",
    ),
    (
        re.compile(r"^(?:send|write|draft|email|e-mail|message|dm)\b", re.I),
        "I can't send emails or messages; I can log a call or create a follow-up task.",
    ),
    (
        re.compile(
            r"^(?:schedule|book|set\s+up|arrange|organi[sz]e|plan)\s+(?:a\s+|an\s+)?(?:\w+\s+)?(?:meeting|call|demo|sync|"
            r"session|event)\b",
            re.I,
        ),
        "I can't schedule meetings; I can create a follow-up task (`remind me to call Ana on Friday`) or log a call "
        "that happened.",
    ),
    (
        re.compile(
            r"^(?:create|make|add|set\s+up|open|start)\s+(?:a\s+|an\s+)?(?:new\s+)?(?:jira\s+)?(?:project|board|sprint)\b",
            re.I,
        ),
        "I can't create Jira projects, boards or sprints; I can file issues in an existing project.",
    ),
)


def _question(problems: Sequence[Unsupported | str], requests: Sequence[ActionRequest]) -> str:
    """One question for everything the parser could not do, saying what it did understand."""
    parts: list[str] = []
    for problem in problems:
        if isinstance(problem, Unsupported):
            parts.append(problem.question)
            continue
        for pattern, text in _FALLBACKS:
            if pattern.search(problem):
                parts.append(text)
                break
        else:
            quoted = problem.strip().rstrip(".!?,;")
            parts.append(f"I can't tell what you'd like me to do with “{quoted}”." if requests else "")
    said = " ".join(dict.fromkeys(p for p in parts if p))
    if not said:
        return _CANNOT_TELL
    if requests:
        understood = "; ".join(describe(r) for r in requests)
        said = f"I understood: {understood}. {said} Nothing has been changed: send it again without that part, or "
        said += "rephrase it."
    return f"{said} {EXAMPLES}"


def _describe_clause(request: ActionRequest) -> str:
    return f"a clause with nothing before it to belong to ({describe(request)})"


def _issue_text(issue: str | None) -> str:
    return "the ticket from this thread" if issue == THIS_THREAD else (issue or "an issue")


def describe(request: ActionRequest) -> str:
    """A short phrase for what a request asks: how the parser says what it understood."""
    match request:
        case JiraCreateIssueRequest():
            what = (request.issue_type or "issue").lower()
            where = f" in {request.project}" if request.project else ""
            return f"file a {what}{where}" + (f": “{request.summary}”" if request.summary else "")
        case JiraCommentRequest():
            return f"comment on {_issue_text(request.issue)}"
        case JiraTransitionRequest():
            return f"move {_issue_text(request.issue)}" + (f" to {request.status}" if request.status else "")
        case JiraAssignRequest():
            if request.assignee == NOBODY:
                return f"unassign {_issue_text(request.issue)}"
            return f"assign {_issue_text(request.issue)}" + (f" to {request.assignee}" if request.assignee else "")
        case JiraUpdateFieldsRequest():
            return f"change {_issue_text(request.issue)}"
        case JiraLinkIssuesRequest():
            return f"link {_issue_text(request.issue)} to {_issue_text(request.other)}"
        case SalesforceUpdateOpportunityRequest():
            name = " ".join(p for p in (request.account, request.opportunity) if p) or "an opportunity"
            return f"update the {name} opportunity"
        case SalesforceCreateTaskRequest():
            return "create a Salesforce task" + (f" “{request.subject}”" if request.subject else "")
        case SalesforceLogCallRequest():
            return "log a call" + (f" with {request.contact}" if request.contact else "")
        case SalesforceUpdateContactRequest():
            return f"update the contact {request.contact or ''}".rstrip()
        case SalesforceCreateContactRequest():
            name = " ".join(p for p in (request.first_name, request.last_name) if p)
            return f"add the contact {name}".rstrip()
        case _:
            assert_never(request)
