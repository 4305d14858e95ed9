"""From words to a decision, without storing anything: understand a request, ground it, ask the policy.

Intake uses it to build a proposal; `/followthrough policy test <text>` uses it to show what would happen, with no
side effect. The outcome is either ``Proposed`` (grounded actions and the policy's decision) or ``Answer`` (what to
say instead: a question, or why nothing can be done).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from approvals.actions import Action
from approvals.decisions import combine_decisions
from approvals.grounding import GroundingContext, NeedsInfo, ground
from approvals.intents import Understanding
from approvals.policy import PolicyDecision
from approvals.ports import ExtractionInput, ExtractionUnavailable, PersonMatch, ThreadMessage
from approvals.runtime import Runtime

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


@dataclass(frozen=True)
class Answer:
    """No proposal: say ``text`` to the requester (``kind`` is question, nothing-to-do or unknown-requester)."""

    kind: str
    text: str
    understanding: Understanding | None = None


def display_name(rt: Runtime, user_id: str) -> str:
    person = rt.directory.person(user_id)
    return person.real_name if person is not None else user_id


def quote_thread(
    thread: Sequence[ThreadMessage], request_ts: str, permalink: str | None, *, name_of: Callable[[str], str]
) -> str:
    """The description's quote of the conversation: the last few human messages before the request, by name."""
    lines: list[str] = []
    for message in [m for m in thread if not m.is_bot and m.ts != request_ts][-_QUOTE_MESSAGES:]:
        text = " ".join(_MENTION_MARKUP.sub(lambda m: "@" + name_of(m[1]), message.text).split())
        if text:
            lines.append(f"> {name_of(message.user) if message.user else 'someone'}: {text[:500]}")
    if permalink:
        lines.append(f"From Slack: {permalink}")
    return "\n".join(lines)


def propose(
    rt: Runtime,
    *,
    requester: PersonMatch,
    channel: str,
    text: str,
    thread: Sequence[ThreadMessage],
    request_ts: str | None,
    permalink: str | None,
) -> Proposed | Answer:
    """Understand ``text`` (asked by ``requester`` in ``channel``), ground it and ask the current policy."""
    channel_names = tuple(rt.threads.channel_names(channel))
    known_projects = tuple(sorted(rt.jira_catalog.projects())) if rt.jira_catalog is not None else ()
    today = rt.clock().date()
    try:
        understanding = rt.extractor.extract(
            ExtractionInput(
                request_text=text,
                thread=thread,
                requester=requester,
                channel_name=channel_names[0] if channel_names else channel,
                today=today,
                known_projects=known_projects,
            )
        )
    except ExtractionUnavailable as exc:
        return Answer("unavailable", exc.user_message)
    if understanding.question is not None:
        return Answer("question", understanding.question, understanding)
    if understanding.is_empty:
        return Answer("nothing-to-do", NOTHING_TO_DO, understanding)
    quote = quote_thread(thread, request_ts or "", permalink, name_of=lambda uid: display_name(rt, uid))
    context = GroundingContext(requester=requester, today=today, thread_quote=quote)
    actions: list[Action] = []
    for wanted in understanding.requests:
        grounded = ground(wanted, directory=rt.directory, jira=rt.jira_catalog, context=context)
        if isinstance(grounded, NeedsInfo):
            return Answer("question", grounded.question, understanding)
        actions.append(grounded)
    policy = rt.policy.current
    principal = rt.directory.principal(requester.slack_user_id)
    decision = combine_decisions(
        [policy.decide(a, requester=principal, channel_names=channel_names) for a in actions], policy.content_hash
    )
    return Proposed(understanding, tuple(actions), decision)
