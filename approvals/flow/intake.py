"""Intake: a recorded request becomes a proposal, a question or an answer (the RQ entry point ``intake``).

Every run is safe to repeat. The proposal id is derived from the message (``proposal_id_for``), so a second run
finds the proposal the first one stored and only finishes what is missing (approvals.flow.advancing posts the card).
A run holds the lease ``intake:<request>`` (approvals.flow.leases) so two workers never take the same request in at
once; at most ``Timing.max_attempts`` runs, then the request is parked with an honest reply (approvals.flow.parking).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from approvals.core import workflow
from approvals.core.actions import Action
from approvals.core.intents import Understanding
from approvals.core.policy import PolicyDecision
from approvals.core.ports import (
    ThreadMessage,
)
from approvals.core.proposal import (
    Proposal,
    build_proposal,
    derived_proposal_id,
)
from approvals.core.workflow import AuditEntry, Refused
from approvals.flow import keys, metrics, queueing
from approvals.flow.advancing import advance_new_proposal
from approvals.flow.attempts import after_failure, park
from approvals.flow.drafting import Answer, Asking, propose, shortcut_question
from approvals.flow.inbox import InboundRequest
from approvals.flow.leases import LeaseHeld
from approvals.flow.parking import ParkedWork
from approvals.flow.questions import (
    asking_change,
    record_answer,
    waiting_for_answer,
)
from approvals.flow.runtime import Runtime, current
from approvals.flow.showing import (
    announce_once,
)
from approvals.flow.store import ProposalExists

logger = logging.getLogger(__name__)


def proposal_id_for(request: InboundRequest) -> str:
    """The proposal a message becomes: derived from the message so a re-run of intake finds it."""
    return derived_proposal_id(f"{request.channel}|{request.ts}")


# ---------------------------------------------------------------------------------------------------------------
# Intake


def intake(request_key: str) -> str:
    """Turn the recorded request ``request_key`` into a proposal (or a question) and show it in Slack.

    At most ``Timing.max_attempts`` attempts: an attempt that raises is tried again after the retry delay, and the
    last one parks the request (approvals.flow.parking) with an honest reply in the thread and a word to the admins.
    """
    rt = current()
    request = rt.inbox.get(request_key)
    if request is None:
        # Its record expired: there is nothing left to take in, so stop the reaper from queueing it again.
        rt.inbox.set_aside(request_key)
        logger.warning("intake %s: no such request in the inbox (expired?); set aside", request_key)
        return "missing"
    done = rt.inbox.outcome(request_key)
    if done is not None:
        return f"already:{done}"
    proposal_id = proposal_id_for(request)
    if rt.parking.is_parked(proposal_id):
        return "parked"
    try:
        with rt.leases.hold(f"intake:{request_key}", seconds=rt.timing.lease_seconds):
            attempt = rt.parking.attempt("intake", request_key)
            if attempt > rt.timing.max_attempts:
                # Earlier attempts died without a word (a killed or timed-out job): counted, so this ends too.
                logger.error(
                    "request %s (proposal %s): intake stopped %d times without finishing; parked for an admin",
                    request_key,
                    proposal_id,
                    attempt - 1,
                )
                return park_intake(rt, request, f"the intake stopped {attempt - 1} times without finishing")
            try:
                outcome = _intake(rt, request, request_key)
                metrics.request("proposed" if outcome.startswith("ft-") else outcome.split(":", 1)[0])
                return outcome
            except Exception as exc:
                metrics.request("raised")
                return _intake_failed(rt, request, attempt, exc)
    except LeaseHeld:
        logger.info("request %s: another intake is already working on it", request_key)
        return "busy"


def _intake_failed(rt: Runtime, request: InboundRequest, attempt: int, exc: Exception) -> str:
    """Called while ``exc`` is being handled: try again later, or park the request after the last attempt."""
    return after_failure(
        rt,
        what=f"intake of request {request.key}",
        proposal_id=proposal_id_for(request),
        attempt=attempt,
        exc=exc,
        again=lambda delay: queueing.enqueue_intake(
            rt, request.key, reason=f"retry after attempt {attempt}", delay=delay
        ),
        give_up=lambda reason: park_intake(rt, request, reason),
    )


def park_intake(rt: Runtime, request: InboundRequest, reason: str) -> str:
    """Stop taking ``request`` in: park it, set it aside in the inbox, and tell the thread and the admins."""
    rt.inbox.set_aside(request.key)
    return park(
        rt,
        ParkedWork(
            proposal_id=proposal_id_for(request),
            kind="intake",
            subject=request.key,
            reason=reason,
            at=rt.clock(),
            channel=request.channel,
            thread_ts=request.thread_ts,
            requester=request.user,
            job_args=(request.key,),
        ),
    )


def _intake(rt: Runtime, request: InboundRequest, request_key: str) -> str:
    proposal_id = proposal_id_for(request)
    proposal = rt.store.find(proposal_id)
    fresh = False
    if proposal is None:
        answered = _take_answer(rt, request)
        if answered is not None:
            rt.inbox.complete(request_key, answered)
            return answered
        if request.source == "thread_reply":
            # Someone talking in a thread the bot asked a question in, but not its requester: not for us.
            rt.inbox.complete(request_key, "not-an-answer")
            return "not-an-answer"
        outcome = _understand_and_propose(rt, request, proposal_id)
        if isinstance(outcome, str):
            rt.inbox.complete(request_key, outcome)
            return outcome
        proposal, fresh = outcome
    proposal = advance_new_proposal(rt, proposal, fresh=fresh)
    rt.inbox.complete(request_key, proposal.id)
    return proposal.id


def _take_answer(rt: Runtime, request: InboundRequest) -> str | None:
    """When the sender's request in this thread waits for their answer, this message is the answer."""
    if request.thread_ts == request.ts and not request.channel.startswith("D"):
        return None
    waiting = waiting_for_answer(rt, channel=request.channel, thread_ts=request.thread_ts, user_id=request.user)
    if waiting is None or waiting.question is None:
        return None
    if request.source == "mention" and waiting.question.field is None and waiting.question.answer is None:
        # The bot asked "what would you like me to do?" and the requester mentions it again: a new request, which
        # replaces the one it could not read (a question about one field is still answered by a mention).
        _replace(rt, waiting)
        return None
    if waiting.question.answer is not None:
        queueing.enqueue_continue(rt, waiting.id, reason="an answer is already recorded")
        return f"answer:{waiting.id}"
    try:
        record_answer(
            rt,
            waiting.id,
            request.user,
            token=waiting.question.token,
            text=request.text,
            picked=False,
            mentions_bot=request.source == "mention",
        )
    except Refused as refusal:
        logger.info("proposal %s: answer in %s not taken: %s", waiting.id, request.key, refusal.user_message)
        return None
    logger.info("proposal %s: message %s taken as the answer to its question", waiting.id, request.key)
    return f"answer:{waiting.id}"


def _replace(rt: Runtime, waiting: Proposal) -> None:
    try:
        rt.store.update(
            waiting.id, lambda p: workflow.drop(p, "a newer request replaced it; nothing was changed", now=rt.clock())
        )
    except Refused:
        return  # answered or ended meanwhile
    announce_once(rt, waiting.id)
    logger.info("proposal %s: replaced by a newer request of its requester", waiting.id)


def _understand_and_propose(rt: Runtime, request: InboundRequest, proposal_id: str) -> tuple[Proposal, bool] | str:
    """The proposal this request becomes and whether this run created it; or why there is none."""
    with ThreadPoolExecutor(max_workers=1) as background:
        # Show the requester we are on it (a reaction) while reading the thread, off the card's critical path.
        acknowledged = background.submit(rt.notifier.acknowledge, request.channel, request.ts)
        requester = rt.directory.person(request.user)
        thread = rt.threads.read_thread(request.channel, request.thread_ts) if requester is not None else ()
        acknowledged.result()
    if requester is None:
        rt.notifier.reply(
            request.channel,
            request.thread_ts,
            f"<@{request.user}> I can't look you up in this workspace, so I can't act for you.",
            once=f"unknown:{request.key}",
        )
        return "unknown-requester"
    permalink = rt.threads.permalink(request.channel, request.ts)
    outcome = propose(
        rt,
        requester=requester,
        channel=request.channel,
        thread_ts=request.thread_ts,
        text=request.text,
        thread=thread,
        request_ts=request.ts,
        permalink=permalink,
    )
    _count_usage(rt, outcome.understanding)
    if request.source == "shortcut" and (
        (isinstance(outcome, Answer) and outcome.kind == "nothing-to-do")
        or (isinstance(outcome, Asking) and not outcome.requests)
    ):
        # The message shortcut is an explicit "act on this message": offer what it can become, not "I can't tell".
        offer = shortcut_question(rt, request.text)
        if offer is not None:
            outcome = Asking(outcome.understanding or Understanding(), (), offer, 0)
    if isinstance(outcome, Answer):
        logger.info("request %s: no proposal (%s)", request.key, outcome.kind)
        # Said once even if this job runs again (a crash before the request is recorded as answered).
        rt.notifier.reply(
            request.channel, request.thread_ts, f"<@{request.user}> {outcome.text}", once=f"answer:{request.key}"
        )
        return outcome.kind
    now = rt.clock()
    asking = isinstance(outcome, Asking)
    logger.info(
        "request %s understood by %s: %d request(s), %s",
        request.key,
        outcome.understanding.extractor,
        len(outcome.requests),
        f"asking about {outcome.question.field or 'the request'}" if asking else f"{len(outcome.actions)} action(s)",
    )
    proposal = build_proposal(
        proposal_id=proposal_id,
        requester=request.user,
        channel=request.channel,
        thread_ts=request.thread_ts,
        request_ts=request.ts,
        request_text=request.text,
        actions=() if asking else outcome.actions,
        decision=None if asking else outcome.decision,
        now=now,
        permalink=permalink,
        requests=outcome.requests,
        understood=outcome.understanding.understood,
    )
    entries = [
        _created_entry(request, thread, outcome.understanding, proposal.actions, proposal, proposal.decision),
    ]
    if isinstance(outcome, Asking):
        asked = asking_change(proposal, outcome, now=now, wait=dt.timedelta(seconds=rt.timing.question_ttl))
        proposal = asked.proposal
        entries.append(asked.audit)
    try:
        rt.store.create(proposal, entries[0])
    except ProposalExists:
        return rt.store.get(proposal.id), False
    for entry in entries[1:]:
        rt.store.audit.write(proposal.id, entry, at=now)
    return proposal, True


def _count_usage(rt: Runtime, understanding: Understanding | None) -> None:
    """Sum the model's token usage into a metric (per proposal it is in the audit's first line)."""
    if understanding is None or not understanding.usage:
        return
    with rt.connection.pipeline(transaction=False) as pipe:
        for name, value in understanding.usage.items():
            pipe.hincrby(keys.LLM_USAGE, name, int(value))
        pipe.hincrby(keys.LLM_USAGE, "requests", 1)
        pipe.execute()


def _created_entry(
    request: InboundRequest,
    thread: Sequence[ThreadMessage],
    understanding: Understanding,
    actions: Sequence[Action],
    proposal: Proposal,
    decision: PolicyDecision | dict[str, Any] | None,
) -> AuditEntry:
    """The first audit line: who asked, what was read, what the extractor understood and proposed, which policy."""
    return AuditEntry(
        "proposal.created",
        request.user,
        {
            "requester": request.user,
            "request_text": request.text,
            "channel": request.channel,
            "thread_ts": request.thread_ts,
            "event_id": request.event_id,
            "read": [{"user": m.user, "ts": m.ts, "text": m.text} for m in thread],
            "extractor": understanding.extractor,
            "usage": understanding.usage,
            "understood": [r.model_dump(mode="json") for r in understanding.requests],
            "proposed": [a.model_dump(mode="json") for a in actions],
            "fingerprint": proposal.fingerprint,
            "policy": decision.to_dict() if isinstance(decision, PolicyDecision) else decision,
        },
    )
