"""Which Slack events are requests: a pure decision over the payload.

A request is a human's message that mentions the bot in a channel (``app_mention``) or any human message in a
direct conversation with the bot (``message`` with ``channel_type: im``). A human's reply in a channel thread is a
``thread_reply``: it matters only when the bot asked a question in that thread (the listener checks, in one Redis
round trip, before recording it). Bot messages, edits, deletions and other subtypes are not requests. The twin
``message`` event of a channel mention is ignored here; the inbox's per-message key would de-duplicate it anyway.
The text is recorded as plain text (bot/text.py), decoded once here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from approvals.flow.inbox import InboundRequest
from bot.text import to_plain


def classify_event(body: dict[str, Any], *, bot_user_id: str | None, now: dt.datetime) -> InboundRequest | None:
    if body.get("type") != "event_callback":
        return None
    event = body.get("event") or {}
    kind = event.get("type")
    user = event.get("user")
    if not user or user == bot_user_id or event.get("bot_id") or event.get("subtype"):
        return None
    channel, ts = event.get("channel"), event.get("ts")
    if not channel or not ts:
        return None
    thread_ts = event.get("thread_ts")
    if kind == "app_mention":
        source = "mention"
    elif kind == "message" and event.get("channel_type") == "im":
        source = "direct_message"
    elif kind == "message" and thread_ts and thread_ts != ts:
        if bot_user_id and f"<@{bot_user_id}" in (event.get("text") or ""):
            return None  # the twin of an app_mention: that event is the request
        source = "thread_reply"  # a request only if it answers the bot's question (the middleware checks)
    else:
        return None
    return InboundRequest(
        channel=channel,
        ts=ts,
        thread_ts=event.get("thread_ts") or ts,
        user=user,
        text=to_plain(event.get("text") or ""),
        source=source,  # type: ignore[arg-type]
        event_id=str(body.get("event_id") or ""),
        received_at=now,
    )
