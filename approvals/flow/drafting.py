"""From words to a decision, without storing anything: understand a request, ground it, ask the policy.

Intake uses it to build a proposal; `/followthrough policy test <text>` uses it to show what would happen, with no
side effect; an answer to a question grounds the proposal's requests again through ``reground``. The outcome is
``Proposed`` (grounded actions and the policy's decision), ``Asking`` (a question the requester must answer before
anything can be proposed), or ``Answer`` (what to say instead: why nothing can be done, or that nothing was asked).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from approvals.core.actions import Action, JiraCreateIssue, JiraDeleteIssue
from approvals.core.grounding import Choice, GroundingContext, NeedsInfo, Unworkable, ground
from approvals.core.intents import (
    MAX_REQUESTS_PER_MESSAGE,
    WHOLE_REQUEST,
    ActionRequest,
    JiraCommentRequest,
    JiraCreateIssueRequest,
    ReadRequest,
    Understanding,
)
from approvals.core.policy import PolicyDecision
from approvals.core.ports import ExtractionInput, ExtractionUnavailable, PersonMatch, ThreadMessage
from approvals.core.proposal import is_direct_message
from approvals.core.states import ProposalState
from approvals.core.timezones import local_today
from approvals.core.verdicts import decide_all
from approvals.core.vocabulary import KnownContact, KnownOpportunity, Vocabulary
from approvals.flow import metrics
from approvals.flow.policy_checks import people_for
from approvals.flow.reads import answer_reads
from approvals.flow.runtime import Runtime

logger = logging.getLogger(__name__)

NOTHING_TO_DO = (
    "I didn't find anything to do in that. Try something like "
    "`@followthrough file a bug in PAY: Checkout fails on Safari, assign Alice, priority high`."
)
_QUOTE_MESSAGES = 8
_MENTION_MARKUP = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


@dataclass(frozen=True)
class Proposed:
    understanding: Understanding
    actions: tuple[Action, ...]
    decision: PolicyDecision
    requests: tuple[ActionRequest, ...] = ()


@dataclass(frozen=True)
class Asking:
    """The request is understood but one of its requests needs the requester's answer first."""

    understanding: Understanding
    requests: tuple[ActionRequest, ...]
    question: NeedsInfo
    request_index: int


REQUEST_TEXT_LIMIT = 4000
"""The longest request (or request and answer together) that is read. A request is a sentence or a few; a longer
message is a pasted log or document, which neither extractor should spend a worker's minute on (the offline parser's
time grows with the square of the words) nor guess from. The thread around it may be as long as Slack allows: "file
this" quotes it without reading it for a request."""

TOO_LONG = (
    "That message is too long for me to read as a request ({length:,} characters; I read up to {limit:,}). Nothing "
    "was changed: send me the request itself in a short message. Long details (a log, notes) can go in the thread "
    "first: say `file this as a bug in PAY` under them and I'll quote them."
)


TOO_MANY = (
    "That asks for {count} changes at once; I take at most {limit} from one message. Nothing was changed: send them "
    "in smaller groups."
)


@dataclass(frozen=True)
class Answer:
    """No proposal: say ``text`` to the requester (``kind``: question, nothing-to-do, unworkable, not-allowed,
    unavailable, too-long, too-many)."""

    kind: str
    text: str
    understanding: Understanding | None = None


def display_name(rt: Runtime, user_id: str) -> str:
    person = rt.directory.person(user_id)
    return person.real_name if person is not None else user_id


def _before(ts: str, request_ts: str) -> bool:
    try:
        return float(ts) < float(request_ts)
    except ValueError:
        return ts != request_ts


def quote_thread(
    thread: Sequence[ThreadMessage], request_ts: str, permalink: str | None, *, name_of: Callable[[str], str]
) -> str:
    """The description's quote of the conversation: the last few messages people wrote to each other before the
    request, by name. Bot traffic is left out: the bot's own cards and replies, and what people said to the bot
    (earlier requests, answers to its questions)."""
    people = [m for m in thread if not (m.is_bot or m.to_bot) and (not request_ts or _before(m.ts, request_ts))]
    lines: list[str] = []
    for message in people[-_QUOTE_MESSAGES:]:
        text = " ".join(_MENTION_MARKUP.sub(lambda m: "@" + name_of(m[1]), message.text).split())
        if text:
            lines.append(f"> {name_of(message.user) if message.user else 'someone'}: {text[:500]}")
    if permalink:
        lines.append(f"From Slack: {permalink}")
    return "\n".join(lines)


_ISSUE_KEY = re.compile(r"\b([A-Z][A-Z0-9]{1,9}-\d{1,7})\b")
_SHORTCUT_TYPES = ("Bug", "Task")
_SHORTCUT_PROJECTS = 4


def summary_of(text: str) -> str:
    """A one-line summary of a message: its first line, clipped at a word to 120 characters, capitalised."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "").strip(" .")
    if len(first) > 120:
        first = first[:120].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return first[:1].upper() + first[1:]


def shortcut_question(rt: Runtime, text: str) -> NeedsInfo | None:
    """What a message can become when someone uses the message shortcut on it and it asks for nothing by itself:
    an issue of the usual types in each Jira project, or a comment on an issue it names, with the message as the
    description (or the comment). None when there is nothing to offer (no Jira, an empty message)."""
    catalog = rt.jira_catalog
    if catalog is None or not text.strip():
        return None
    summary = summary_of(text)
    choices: list[Choice] = []
    projects = catalog.projects()
    for key in sorted(projects)[:_SHORTCUT_PROJECTS]:
        for issue_type in (t for t in _SHORTCUT_TYPES if t in projects[key].issue_types):
            request = JiraCreateIssueRequest(
                project=key, issue_type=issue_type, summary=summary or None, description=text.strip()
            )
            choices.append(Choice(label=f"File it as a {issue_type.lower()} in {key}", value=request.model_dump_json()))
    for key in dict.fromkeys(_ISSUE_KEY.findall(text)):
        if key.split("-")[0] in projects:
            request = JiraCommentRequest(issue=key, body=text.strip())
            choices.append(Choice(label=f"Add it as a comment on {key}", value=request.model_dump_json()))
    if not choices:
        return None
    return NeedsInfo("What should I do with this message?", missing=(WHOLE_REQUEST,), choices=tuple(choices))


def thread_issue_keys(rt: Runtime, channel: str, thread_ts: str) -> tuple[str, ...]:
    """The Jira issues this thread produced through Followthrough (and did not undo), oldest first."""
    created: list[str] = []
    deleted: set[str] = set()
    for proposal in rt.store.for_thread(channel, thread_ts):
        if proposal.state is not ProposalState.SUCCEEDED:
            continue
        for result in proposal.results:
            action = proposal.actions[result.index]
            if result.status != "done" or not result.key:
                continue
            if isinstance(action, JiraCreateIssue):
                created.append(result.key)
            elif isinstance(action, JiraDeleteIssue):
                deleted.add(action.issue.key)
    return tuple(key for key in dict.fromkeys(created) if key not in deleted)


def vocabulary_for(rt: Runtime) -> Vocabulary:
    """What the connected systems hold, for reading requests: Jira's projects, statuses and priorities, Salesforce's
    stages, accounts, open opportunities and contacts, and the workspace's people, all from caches the catalogs keep.
    A system that can't answer leaves its part out: the vocabulary only helps to read, it decides nothing."""
    parts: dict[str, Any] = {}
    jira, salesforce = rt.jira_catalog, rt.salesforce_catalog
    if jira is not None:
        parts.update(
            _tolerant(
                "jira",
                lambda: {
                    "projects": tuple(jira.projects()),
                    "priorities": tuple(jira.priorities()),
                    "statuses": tuple(jira.statuses()),
                    "issue_types": tuple(dict.fromkeys(t for p in jira.projects().values() for t in p.issue_types)),
                },
            )
        )
    if salesforce is not None:

        def records() -> dict[str, Any]:
            known = salesforce.known_records()
            return {
                "stages": tuple(salesforce.stages()),
                "accounts": known.accounts,
                "opportunities": tuple(KnownOpportunity(a, n, d) for a, n, d in known.opportunities),
                "contacts": tuple(KnownContact(f, last, a) for f, last, a in known.contacts),
            }

        parts.update(_tolerant("salesforce", records))
    parts.update(_tolerant("slack", lambda: {"people": tuple(rt.directory.people_names())}))
    return Vocabulary(**parts)


def bot_user_id(rt: Runtime) -> str | None:
    try:
        return rt.threads.bot_user_id()
    except Exception:
        logger.warning("the bot's own user id could not be read", exc_info=True)
        return None


def _tolerant(system: str, load: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return load()
    except Exception:  # a reading aid: the request is still read (and grounded) without it
        logger.warning("the %s part of the vocabulary could not be read; reading without it", system, exc_info=True)
        return {}


_ONE_AT_A_TIME = (
    "Ask me about a record, or ask me to change something, one message at a time: I answered nothing and changed "
    "nothing."
)


def _grounding_asks(understanding: Understanding) -> bool:
    """Whether the extractor's question is about fields its requests leave empty, which grounding asks for itself
    (with the system's values to pick from)."""
    if not understanding.missing:
        return False
    return all(
        any(name in type(r).model_fields and not getattr(r, name) for r in understanding.requests)
        for name in understanding.missing
    )


def _is_jira(request: ActionRequest) -> bool:
    """Whether ``request`` may name a Jira issue (so "the ticket from this thread" has to be looked up)."""
    return request.kind.startswith("jira.") or getattr(request, "issue", None) is not None


def propose(
    rt: Runtime,
    *,
    requester: PersonMatch,
    channel: str,
    thread_ts: str,
    text: str,
    thread: Sequence[ThreadMessage],
    request_ts: str | None,
    permalink: str | None,
) -> Proposed | Asking | Answer:
    """Understand ``text`` (asked by ``requester`` in ``channel``), ground it and ask the current policy."""
    if len(text) > REQUEST_TEXT_LIMIT:
        return Answer(
            "too-long",
            TOO_LONG.format(length=len(text), limit=REQUEST_TEXT_LIMIT),
            Understanding(extractor=rt.extractor.name),
        )
    channel_names = tuple(rt.threads.channel_names(channel))
    known_projects = tuple(sorted(rt.jira_catalog.projects())) if rt.jira_catalog is not None else ()
    started = time.monotonic()
    try:
        understanding = rt.extractor.extract(
            ExtractionInput(
                request_text=text,
                thread=thread,
                requester=requester,
                channel_name=channel_names[0] if channel_names else channel,
                today=local_today(rt.clock(), requester.tz),
                known_projects=known_projects,
                vocabulary=vocabulary_for(rt),
                bot_user_id=bot_user_id(rt),
                date_order=rt.date_order,
            )
        )
    except ExtractionUnavailable as exc:
        metrics.llm("unavailable", exc.usage, time.monotonic() - started)
        # The tokens a failed attempt spent still count (the usage metric sums them).
        return Answer("unavailable", exc.user_message, Understanding(extractor=rt.extractor.name, usage=exc.usage))
    if understanding.usage.get("calls"):
        metrics.llm("answered", understanding.usage, time.monotonic() - started)
    if understanding.question is not None and not understanding.requests:
        # Not even the kind of action is clear: the answer is read again together with the request.
        return Asking(understanding, (), NeedsInfo(understanding.question, ()), 0)
    if understanding.question is not None and not _grounding_asks(understanding):
        # Part of the message was understood and part was not ("assign PAY-12 to Alice and close every deal"): nothing
        # is proposed before the requester answers; the answer is read again together with the request.
        return Asking(understanding, understanding.requests, NeedsInfo(understanding.question, ()), 0)
    if understanding.is_empty:
        return Answer("nothing-to-do", NOTHING_TO_DO, understanding)
    if len(understanding.requests) > MAX_REQUESTS_PER_MESSAGE:
        count = len(understanding.requests)
        return Answer("too-many", TOO_MANY.format(count=count, limit=MAX_REQUESTS_PER_MESSAGE), understanding)
    reads = [r for r in understanding.requests if isinstance(r, ReadRequest)]
    if reads:
        if len(reads) != len(understanding.requests):
            return Answer("question", _ONE_AT_A_TIME, understanding)
        context = GroundingContext(
            requester=requester,
            today=local_today(rt.clock(), requester.tz),
            thread_issues=thread_issue_keys(rt, channel, thread_ts),
            now=rt.clock(),
        )
        read_id = f"rd-{channel}-{request_ts or thread_ts}".replace(".", "_")
        return Answer("read", answer_reads(rt, requester, reads, context=context, read_id=read_id), understanding)
    return reground(
        rt,
        requester=requester,
        channel=channel,
        thread_ts=thread_ts,
        understanding=understanding,
        requests=understanding.requests,
        thread=thread,
        request_ts=request_ts,
        permalink=permalink,
    )


def reground(
    rt: Runtime,
    *,
    requester: PersonMatch,
    channel: str,
    thread_ts: str,
    understanding: Understanding,
    requests: Sequence[ActionRequest],
    thread: Sequence[ThreadMessage],
    request_ts: str | None,
    permalink: str | None,
) -> Proposed | Asking | Answer:
    """Ground ``requests`` in order: every one an action (then the policy decides), or the first question."""
    channel_names = tuple(rt.threads.channel_names(channel))
    policy = rt.policy.current
    principal = rt.directory.principal(requester.slack_user_id)
    # A link into someone's direct message with the app helps nobody else: the issue's readers can't open it.
    link = None if is_direct_message(channel) else permalink
    quote = quote_thread(thread, request_ts or "", link, name_of=lambda uid: display_name(rt, uid))
    context = GroundingContext(
        requester=requester,
        today=local_today(rt.clock(), requester.tz),
        thread_quote=quote,
        # Only Jira requests can mean "the ticket from this thread": don't read the thread's proposals otherwise.
        thread_issues=thread_issue_keys(rt, channel, thread_ts) if any(_is_jira(r) for r in requests) else (),
        now=rt.clock(),
    )
    actions: list[Action] = []
    for index, wanted in enumerate(requests):
        grounded = ground(wanted, rt.lookups, context)
        if isinstance(grounded, Unworkable):
            return Answer("unworkable", grounded.reason, understanding)
        if isinstance(grounded, NeedsInfo):
            refused = policy.may_request(wanted.kind, principal)
            if refused is not None:
                # No question about something the requester may not ask for at all.
                return Answer("not-allowed", f"I can't do that: {refused}", understanding)
            return Asking(understanding, tuple(requests), grounded, index)
        actions.append(grounded)
    decision = decide_all(
        policy,
        actions,
        requester=principal,
        channel_names=channel_names,
        people=people_for(rt, policy, actions, principal),
    )
    return Proposed(understanding, tuple(actions), decision, tuple(requests))
