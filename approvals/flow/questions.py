"""Questions and answers: a proposal that waits for its requester, and how an answer moves it on.

When grounding cannot go on without the requester (which project, which of two Acme opportunities), the proposal
is stored in ``needs_info`` with its understood requests and the question; the card shows the question, with a
pick-list when the choices are known. The requester answers with a pick or a reply in the thread. The answer is
recorded on the proposal first (``workflow.answer``: durable before anything is done with it), then the
``continue_after_answer`` job sets the answer into the request and grounds it again: another question, or actions
that the policy decides on exactly as for a new request. A restart loses nothing: the reaper re-queues an answer
that was recorded but not acted on, and an unanswered question expires after ``Timing.question_ttl``.

Only the requester may answer. An answer is data like the request: it can name a record or a person, never grant
anything.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from approvals.core import workflow
from approvals.core.grounding.common import first_problem
from approvals.core.intents import WHOLE_REQUEST, ActionRequest, Understanding
from approvals.core.ports import AnswerReader, ExtractionInput, ExtractionUnavailable
from approvals.core.proposal import Proposal, Question, QuestionChoice
from approvals.core.states import Event, ProposalState
from approvals.core.timezones import local_today
from approvals.core.workflow import AuditEntry, Change
from approvals.flow import queueing
from approvals.flow.attempts import after_failure, park
from approvals.flow.deadlines import schedule_deadlines
from approvals.flow.drafting import (
    REQUEST_TEXT_LIMIT,
    TOO_LONG,
    Answer,
    Asking,
    Proposed,
    bot_user_id,
    reground,
    vocabulary_for,
)
from approvals.flow.leases import LeaseHeld
from approvals.flow.parking import ParkedWork
from approvals.flow.runtime import Runtime, current
from approvals.flow.shadow import plan_for
from approvals.flow.shadow import show as show_shadow
from approvals.flow.showing import announce_once, ensure_cards, refresh_cards

logger = logging.getLogger(__name__)

_YES = frozenset({"yes", "y", "yep", "yeah", "sure", "ok", "okay", "please do", "go ahead", "do it", "file it"})
_NO = frozenset({"no", "n", "nope", "no thanks", "don't", "dont", "cancel", "stop", "never mind", "nevermind"})
_LEADING_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s,:]*")
_NUMBER = re.compile(r"^\s*#?(\d{1,2})[.)]?\s*$")


def match_choice(question: Question, text: str) -> QuestionChoice | None:
    """The choice a typed answer names: its number in the list, its label or value, or the one label containing
    the answer's words; None when it names none or several."""
    choices = question.choices
    if not choices:
        return None
    number = _NUMBER.match(text)
    if number and 1 <= int(number[1]) <= len(choices):
        return choices[int(number[1]) - 1]
    wanted = " ".join(text.lower().split()).strip(" .!")
    for choice in choices:
        if wanted in (choice.label.lower(), choice.value.lower()):
            return choice
    words = [w for w in re.findall(r"[\w&/.-]+", wanted) if w not in {"the", "one", "a", "an", "please", "it"}]
    if not words:
        return None
    hits = [c for c in choices if all(w in f"{c.label} {c.detail}".lower() for w in words)]
    return hits[0] if len(hits) == 1 else None


@dataclass(frozen=True)
class Read:
    """How an answer changes the requests: new requests, a follow-up question, or the end of the proposal."""

    requests: tuple[ActionRequest, ...] | None = None
    again: str | None = None
    stop: str | None = None


def read_answer(proposal: Proposal, question: Question, *, reader: AnswerReader | None, today: dt.date) -> Read:
    """The requests after the answer recorded on ``question`` (a question about one field), or why the question
    must be asked again, or why the proposal stops ("no" to filing a second issue)."""
    assert question.answer is not None and question.field is not None
    if question.field == WHOLE_REQUEST:
        return _read_whole_request(question)
    text = question.answer
    requests = list(proposal.requests)
    request = requests[question.request_index]
    field = question.field
    kind = type(request).answerable.get(field, "text")
    value: Any
    if question.choice_picked:
        value = text
    else:
        picked = match_choice(question, text)
        if picked is not None:
            value = picked.value
        elif kind in ("choice", "record", "issue", "person", "text"):
            value = text.strip()
        else:
            value = reader.read(kind, text, today=today) if reader is not None else None
            if value is None:
                return Read(again=f"I couldn't read *{text.strip()}* as {_KIND_WORDS.get(kind, 'an answer')}.")
    if kind == "yes_no":
        flag = _yes_no(value)
        if flag is None:
            return Read(again=f"I couldn't tell whether *{text.strip()}* means yes or no.")
        if not flag:
            return Read(stop="OK, I'll leave it as it is. Nothing was changed.")
        value = True
    if isinstance(value, str) and not value.strip():
        return Read(again="That answer was empty.")
    try:
        requests[question.request_index] = request.with_answer(field, value)  # type: ignore[assignment]
    except ValidationError as exc:
        _, message = first_problem(exc)
        return Read(again=f"I can't use that as the {field.replace('_', ' ')}: {message}.")
    return Read(requests=tuple(requests))


_REQUEST = TypeAdapter(ActionRequest)


def _read_whole_request(question: Question) -> Read:
    """The request a pick names (a typed answer may name a choice by its number or its words)."""
    value = question.answer if question.choice_picked else None
    if value is None:
        picked = match_choice(question, question.answer or "")
        value = picked.value if picked is not None else None
    if value is None:
        return Read(again="Pick one of the choices on the card, or reply with its number.")
    return Read(requests=(_REQUEST.validate_json(value),))


_KIND_WORDS = {
    "date": "a date (like Friday, next week or 2026-12-01)",
    "past_date": "a date (like yesterday, Monday or 2026-11-18)",
    "amount": "an amount (like 120k or $80,000)",
}


def _yes_no(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    words = " ".join(str(value).lower().split()).strip(" .!")
    if words in _YES or words.startswith("yes"):
        return True
    if words in _NO or words.startswith("no"):
        return False
    return None


def _read_again(rt: Runtime, proposal: Proposal, text: str) -> Read:
    """An open question ("what should change?", "what would you like me to do?"): read the request and the answer
    together as one request; when nothing of the request was understood, the answer on its own comes first."""
    requester = rt.directory.person(proposal.requester)
    if requester is None:
        return Read(stop="I can't look you up in this workspace any more, so I can't act for you.")
    combined = f"{proposal.request_text.rstrip(' .')}, {text.strip()}"
    if len(combined) > REQUEST_TEXT_LIMIT:
        return Read(again=TOO_LONG.format(length=len(combined), limit=REQUEST_TEXT_LIMIT))
    readings = [text.strip(), combined] if not proposal.requests else [combined]
    for reading in readings:
        try:
            understanding = rt.extractor.extract(
                ExtractionInput(
                    request_text=reading,
                    thread=(),
                    requester=requester,
                    channel_name=proposal.channel,
                    today=local_today(rt.clock(), requester.tz),
                    known_projects=tuple(sorted(rt.jira_catalog.projects())) if rt.jira_catalog is not None else (),
                    vocabulary=vocabulary_for(rt),
                    bot_user_id=bot_user_id(rt),
                    date_order=rt.date_order,
                )
            )
        except ExtractionUnavailable as exc:
            return Read(again=exc.user_message)
        if understanding.requests:
            return Read(requests=understanding.requests)
    return Read(again="I still couldn't tell what you'd like me to do from that.")


# ---------------------------------------------------------------------------------------------------------------
# Recording an answer


def record_answer(
    rt: Runtime,
    proposal_id: str,
    user_id: str,
    *,
    token: str,
    text: str,
    picked: bool,
    mentions_bot: bool = False,
) -> Proposal:
    """Store the answer on the proposal (a refusal raises ``Refused``) and queue the job that acts on it.

    ``mentions_bot``: the answer came as a mention of the bot, whose own mention leads the text and is no part of
    the answer (a mention of someone else is: "<@U0SAMLEE1>" answers "who should own it?")."""
    if mentions_bot:
        text = _LEADING_MENTION.sub("", text, count=1)
    text = text.strip()
    change = rt.store.update(
        proposal_id,
        lambda p: workflow.answer(p, user_id, token=token, text=text, picked=picked, now=rt.clock()),
    )
    queueing.enqueue_continue(rt, proposal_id, reason=f"answer by {user_id}")
    return change.proposal


def waiting_for_answer(rt: Runtime, *, channel: str, thread_ts: str, user_id: str) -> Proposal | None:
    """The newest proposal in this thread that waits for ``user_id``'s answer (a DM counts as one thread)."""
    if channel.startswith("D"):
        candidates = [p for p in rt.store.asking_of(user_id) if p.channel == channel]
    else:
        candidates = [p for p in rt.store.asking_in_thread(channel, thread_ts) if p.requester == user_id]
    return max(candidates, key=lambda p: p.updated_at) if candidates else None


# ---------------------------------------------------------------------------------------------------------------
# Acting on it


def continue_after_answer(proposal_id: str) -> str:
    """Ground the proposal again with the recorded answer (RQ job; safe to run twice).

    At most ``Timing.max_attempts`` attempts per answer; then the answer is parked (approvals.flow.attempts): the thread
    hears that nothing was changed and an admin can take it up again with ``/followthrough retry``.
    """
    rt = current()
    if rt.parking.is_parked(proposal_id):
        return "parked"
    try:
        with rt.leases.hold(f"answer:{proposal_id}", seconds=rt.timing.lease_seconds):
            proposal = rt.store.get(proposal_id)
            question = proposal.question
            if proposal.state is not ProposalState.NEEDS_INFO or question is None or question.answer is None:
                return "noop"
            subject = f"{proposal_id}:{question.token}"
            attempt = rt.parking.attempt("answer", subject)
            if attempt > rt.timing.max_attempts:
                logger.error(
                    "proposal %s: acting on the answer stopped %d times without finishing; parked for an admin",
                    proposal_id,
                    attempt - 1,
                )
                return _park_answer(rt, proposal, subject, f"it stopped {attempt - 1} times without finishing")
            try:
                return _continue(rt, proposal_id)
            except Exception as exc:
                return after_failure(
                    rt,
                    what="acting on an answer",
                    proposal_id=proposal_id,
                    attempt=attempt,
                    exc=exc,
                    again=lambda delay: queueing.enqueue_continue(rt, proposal_id, reason="retry", delay=delay),
                    give_up=lambda reason: _park_answer(rt, proposal, subject, reason),
                )
    except LeaseHeld:
        logger.info("proposal %s: another job is already acting on the answer", proposal_id)
        return "busy"


def _park_answer(rt: Runtime, proposal: Proposal, subject: str, reason: str) -> str:
    return park(
        rt,
        ParkedWork(
            proposal_id=proposal.id,
            kind="answer",
            subject=subject,
            reason=reason,
            at=rt.clock(),
            channel=proposal.channel,
            thread_ts=proposal.thread_ts,
            requester=proposal.requester,
            job_args=(proposal.id,),
        ),
    )


def _continue(rt: Runtime, proposal_id: str) -> str:
    proposal = rt.store.get(proposal_id)
    question = proposal.question
    if proposal.state is not ProposalState.NEEDS_INFO or question is None or question.answer is None:
        return "noop"
    typed = not question.choice_picked
    if question.field is None:
        read = _read_again(rt, proposal, question.answer)
    else:
        asker = rt.directory.person(proposal.requester)
        today = local_today(rt.clock(), asker.tz if asker is not None else None)
        read = read_answer(proposal, question, reader=rt.answers, today=today)
    if read.stop is not None:
        return _stop(rt, proposal, read.stop, by=proposal.requester)
    if read.requests is None:
        why = read.again or ""
        return _ask(rt, proposal, lambda p: workflow.ask_again(p, why=why, now=rt.clock(), wait=_wait(rt)), typed=typed)
    requester = rt.directory.person(proposal.requester)
    if requester is None:
        return _stop(rt, proposal, "I can't look you up in this workspace any more, so I can't act for you.")
    thread = rt.threads.read_thread(proposal.channel, proposal.thread_ts)
    outcome = reground(
        rt,
        requester=requester,
        channel=proposal.channel,
        thread_ts=proposal.thread_ts,
        understanding=Understanding(requests=read.requests),
        requests=read.requests,
        thread=thread,
        request_ts=proposal.request_ts,
        permalink=proposal.permalink,
    )
    if isinstance(outcome, Answer):
        return _stop(rt, proposal, outcome.text)
    if isinstance(outcome, Asking):
        return _ask(rt, proposal, lambda p: asking_change(p, outcome, now=rt.clock(), wait=_wait(rt)), typed=typed)
    return _complete(rt, proposal, outcome, typed=typed)


def _reply(rt: Runtime, proposal: Proposal, text: str) -> None:
    rt.notifier.reply(proposal.channel, proposal.thread_ts, f"<@{proposal.requester}> {text}")


def _stop(rt: Runtime, proposal: Proposal, reason: str, *, by: str | None = None) -> str:
    change = rt.store.update(proposal.id, lambda p: workflow.drop(p, reason, now=rt.clock(), by=by))
    announce_once(rt, change.proposal)  # the card (posted if it never was) and the reason, in the thread
    return "dropped"


def asking_change(proposal: Proposal, asking: Asking, *, now: dt.datetime, wait: dt.timedelta) -> Change:
    """``proposal`` asks ``asking``'s question (after intake, or after an answer that raised another one)."""
    needs = asking.question
    return workflow.ask(
        proposal,
        text=needs.question,
        field=needs.field,
        choices=[QuestionChoice(label=c.label, value=c.value, detail=c.detail) for c in needs.choices],
        request_index=asking.request_index,
        requests=asking.requests,
        now=now,
        wait=wait,
    )


def _ask(rt: Runtime, proposal: Proposal, decide: Callable[[Proposal], Change], *, typed: bool) -> str:
    change = rt.store.update(proposal.id, decide)
    _show_question(rt, change.proposal, typed=typed)
    return "asked"


def _show_question(rt: Runtime, proposal: Proposal, *, typed: bool) -> None:
    announce_once(rt, proposal)  # the card shows the question (owed since it was stored)
    schedule_deadlines(rt, proposal)
    if typed and proposal.question is not None:
        # They typed in the thread: the question card is further up, so say it where they are looking.
        why = f"{proposal.question.why} " if proposal.question.why else ""
        _reply(rt, proposal, f"{why}{proposal.question.text} (pick in the card above, or reply here)")


def _wait(rt: Runtime) -> dt.timedelta:
    return dt.timedelta(seconds=rt.timing.question_ttl)


def _complete(rt: Runtime, proposal: Proposal, proposed: Proposed, *, typed: bool) -> str:
    shadow = plan_for(
        rt,
        actions=proposed.actions,
        decision=proposed.decision,
        requester=proposal.requester,
        channel=proposal.channel,
    )
    change = rt.store.update(
        proposal.id,
        lambda p: workflow.complete(
            p,
            requests=proposed.requests,
            actions=proposed.actions,
            decision=proposed.decision,
            now=rt.clock(),
            shadow_scope=shadow.scope if shadow is not None else None,
            would_ask=shadow.would_ask if shadow is not None else (),
        ),
    )
    completed = change.proposal
    rt.store.audit.write(
        proposal.id,
        AuditEntry(
            "proposal.grounded",
            "bot",
            {
                "proposed": [a.model_dump(mode="json") for a in proposed.actions],
                "fingerprint": completed.fingerprint,
                "policy": proposed.decision.to_dict(),
            },
        ),
        at=rt.clock(),
    )
    if completed.state is ProposalState.SHADOWED:
        show_shadow(rt, completed)  # the question card becomes the shadow card; nobody is asked, nothing queued
        if typed:
            _reply(
                rt,
                completed,
                "Thanks, that's all I needed. This is in shadow mode: the card above says what I would do.",
            )
        return "shadowed"
    if completed.state is ProposalState.DENIED:
        announce_once(rt, completed)  # the card shows the refusal; the thread hears why
        return "denied"
    completed = ensure_cards(rt, completed)
    refresh_cards(rt, proposal.id)
    if change.event is Event.AUTO_APPROVE:
        queueing.enqueue_execute(rt, proposal.id, reason="auto-approved after an answer")
    else:
        schedule_deadlines(rt, completed)
        if typed:
            # They answered in the thread: the card that now waits for approval is further up.
            _reply(rt, completed, "Thanks, that's all I needed; the request now waits for approval (card above).")
    return completed.state.value


def answered_but_stuck(rt: Runtime, proposals: Sequence[Proposal]) -> list[str]:
    """Proposals whose recorded answer no job is acting on (the reaper re-queues them)."""
    cutoff = rt.clock().timestamp() - rt.timing.stale_intake_after
    stuck = []
    for proposal in proposals:
        question = proposal.question
        if question is None or question.answer is None or question.answered_at is None:
            continue
        if question.answered_at.timestamp() > cutoff:
            continue
        stuck.append(proposal.id)
    return stuck
