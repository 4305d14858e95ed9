"""The Bolt listeners: ack first, record durably, hand off; never wait on Jira, the LLM or anything slow.

Events: a global middleware records every request in the inbox *before* Bolt sends the ack (Bolt's socket-mode
adapter sends it when dispatch returns, and middleware runs inside dispatch), so an acked request is never lost.
That is one Redis round trip; queuing the intake job happens in the listener, after the ack. If the process dies in
between, the reaper finds the request still pending and queues it. Every subscribed event has a listener so that
it is acked: an unhandled event gets no ack and Slack redelivers it.

Clicks: the listener acks at once, then checks the clicker's rights and makes the atomic transition; the cards are
re-rendered from the stored proposal. A refused click changes nothing, is audited, and is explained ephemerally.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from approvals import service
from approvals.jobs import enqueue_intake, refresh_cards
from approvals.runtime import Runtime
from approvals.workflow import Refused
from bot import action_ids
from bot.cards import parse_button_value
from bot.events import classify_event

logger = logging.getLogger(__name__)

NEW_REQUEST = "followthrough_new_request"


@dataclass(frozen=True)
class BotDependencies:
    runtime: Runtime
    clock: Callable[[], dt.datetime]


def register(app: App, deps: BotDependencies) -> None:
    """Attach every listener of the bot to ``app``."""
    rt = deps.runtime

    def record_request(body: dict[str, Any], context: BoltContext, next: Callable[[], None]) -> None:
        request = classify_event(body, bot_user_id=context.bot_user_id, now=deps.clock())
        if request is not None:
            # If Redis is down this raises: Bolt then sends no ack and Slack redelivers, which is what we want.
            if rt.inbox.record(request):
                context[NEW_REQUEST] = request
            else:
                logger.info(
                    "request %s already recorded (event %s redelivered or twin event)", request.key, request.event_id
                )
        next()

    app.use(record_request)

    def take_in(context: BoltContext) -> None:
        """After the ack: queue the intake of a request the middleware recorded (never twice: recorded once)."""
        request = context.get(NEW_REQUEST)
        if request is not None:
            enqueue_intake(rt, request.key, reason=f"{request.source} {request.event_id}")

    @app.event("app_mention")
    def on_mention(context: BoltContext) -> None:
        take_in(context)

    @app.event("message")
    def on_message(context: BoltContext) -> None:
        """DMs to the bot are requests; edits, deletions and channel chatter are acked and ignored."""
        take_in(context)

    @app.event("app_home_opened")
    def on_home_opened() -> None:
        """Acked; the App Home tab is not published yet."""

    def decide(kind: str, body: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        thread_ts = container.get("thread_ts")
        try:
            proposal_id, fingerprint = parse_button_value(body["actions"][0]["value"])
        except (KeyError, IndexError, ValueError):
            logger.warning("click %s by %s carried no proposal: %r", kind, user, body.get("actions"))
            return
        try:
            principal = rt.directory.principal(user)
            if kind == "approve":
                change = service.approve(rt, proposal_id, principal, fingerprint)
            else:
                change = service.reject(rt, proposal_id, principal)
        except Refused as refusal:
            if channel:
                rt.notifier.tell(user, channel, refusal.user_message, thread_ts=thread_ts)
            return
        refresh_cards(rt, proposal_id)
        if kind == "reject":
            proposal = change.proposal
            rt.notifier.reply(
                proposal.channel,
                proposal.thread_ts,
                f"<@{proposal.requester}> <@{user}> rejected this request, so nothing was changed.",
            )

    @app.action(action_ids.APPROVE)
    def on_approve(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        decide("approve", body, client)

    @app.action(action_ids.REJECT)
    def on_reject(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        decide("reject", body, client)

    @app.command(action_ids.SLASH_COMMAND)
    def on_command(ack: Ack, body: dict[str, Any]) -> None:
        ack(
            text=(
                "Followthrough turns requests in threads into approved Jira changes. Mention me in a thread, "
                "for example `@followthrough create a bug in PAY: Checkout fails on Safari, assign Alice`."
            )
        )
