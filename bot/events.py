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
import logging
import re
from typing import Any

from approvals.flow.inbox import InboundRequest
from bot.text import to_plain

logger = logging.getLogger(__name__)

# Slack's shapes: user ids start with U (W on Enterprise Grid), conversation ids with C, G or D; a ts is seconds.micros.
_USER = re.compile(r"[UW][A-Z0-9]{2,40}")
_CONVERSATION = re.compile(r"[CDG][A-Z0-9]{2,40}")
_TS = re.compile(r"\d{1,12}\.\d{1,9}")


def _malformed(event: dict[str, Any]) -> str | None:
    """What makes a message event unlike any Slack sends (a forged or corrupted payload), or None."""
    for name, shape in (("user", _USER), ("channel", _CONVERSATION), ("ts", _TS)):
        value = event.get(name)
        if not isinstance(value, str) or not shape.fullmatch(value):
            return f"{name} is {str(value)[:40]!r}"
    thread_ts = event.get("thread_ts")
    if thread_ts is not None and not (isinstance(thread_ts, str) and _TS.fullmatch(thread_ts)):
        return f"thread_ts is {str(thread_ts)[:40]!r}"
    if not isinstance(event.get("text", ""), str | None):
        return f"text is a {type(event.get('text')).__name__}"
    return None


def classify_event(body: dict[str, Any], *, bot_user_id: str | None, now: dt.datetime) -> InboundRequest | None:
    """The request this event is, or None. A malformed event is none (and logged): it is acknowledged like any
    other, since sending it again would not mend it."""
    if body.get("type") != "event_callback":
        return None
    event = body.get("event")
    if not isinstance(event, dict):
        return None
    kind = event.get("type")
    if kind not in ("app_mention", "message"):
        return None
    user = event.get("user")
    if not user or user == bot_user_id or event.get("bot_id") or event.get("subtype"):
        return None
    problem = _malformed(event)
    if problem is not None:
        logger.warning("event %s ignored: not as Slack sends a message (%s)", str(body.get("event_id"))[:40], problem)
        return None
    channel, ts = event["channel"], event["ts"]
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
