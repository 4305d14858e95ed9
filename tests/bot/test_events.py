"""Which Slack events are requests: channel mentions and direct messages from people, nothing else."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from approvals.flow.inbox import InboundRequest
from bot.events import classify_event

BOT = "U0BOT0001"
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


def envelope(event: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "event_callback", "team_id": "T0NORTH01", "event_id": "Ev0MENTION1", "event": event, **extra}


def mention(**changes: Any) -> dict[str, Any]:
    event = {
        "type": "app_mention",
        "user": "U0DANA001",
        "text": f"<@{BOT}> create a bug in PAY: Checkout fails on Safari",
        "channel": "C0ENG0001",
        "ts": "1700000000.000200",
        "event_ts": "1700000000.000200",
    }
    event.update(changes)
    return {k: v for k, v in event.items() if v is not None}


def direct_message(**changes: Any) -> dict[str, Any]:
    event = {
        "type": "message",
        "channel_type": "im",
        "user": "U0DANA001",
        "text": "create a task in OPS: rotate the keys",
        "channel": "D0DANA001",
        "ts": "1700000100.000100",
    }
    event.update(changes)
    return {k: v for k, v in event.items() if v is not None}


def classify(body: dict[str, Any]) -> InboundRequest | None:
    return classify_event(body, bot_user_id=BOT, now=NOW)


def test_a_mention_at_the_top_of_a_channel_starts_its_own_thread() -> None:
    assert classify(envelope(mention())) == InboundRequest(
        channel="C0ENG0001",
        ts="1700000000.000200",
        thread_ts="1700000000.000200",
        user="U0DANA001",
        text=f"<@{BOT}> create a bug in PAY: Checkout fails on Safari",
        source="mention",
        event_id="Ev0MENTION1",
        received_at=NOW,
    )


def test_a_mention_inside_a_thread_belongs_to_that_thread() -> None:
    request = classify(envelope(mention(thread_ts="1699999999.000100")))
    assert request is not None
    assert (request.ts, request.thread_ts, request.source) == ("1700000000.000200", "1699999999.000100", "mention")


def test_a_direct_message_is_a_request() -> None:
    request = classify(envelope(direct_message(), event_id="Ev0DM000001"))
    assert request is not None
    assert request.source == "direct_message"
    assert (request.channel, request.ts, request.thread_ts) == ("D0DANA001", "1700000100.000100", "1700000100.000100")
    assert request.event_id == "Ev0DM000001"
    assert request.text == "create a task in OPS: rotate the keys"


def test_a_direct_message_reply_in_a_thread_keeps_the_thread() -> None:
    request = classify(envelope(direct_message(thread_ts="1700000000.000001")))
    assert request is not None
    assert request.thread_ts == "1700000000.000001"


def test_a_missing_event_id_becomes_an_empty_string() -> None:
    body = envelope(mention())
    del body["event_id"]
    request = classify(body)
    assert request is not None
    assert request.event_id == ""


def test_a_mention_without_text_has_empty_text() -> None:
    request = classify(envelope(mention(text=None)))
    assert request is not None
    assert request.text == ""


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("the bot's own mention", envelope(mention(user=BOT))),
        ("the bot's own direct message", envelope(direct_message(user=BOT))),
        ("another bot", envelope(mention(bot_id="B0OTHER01"))),
        ("a bot message in a DM", envelope(direct_message(bot_id="B0OTHER01"))),
        ("an edit", envelope(direct_message(subtype="message_changed"))),
        ("a deletion", envelope(direct_message(subtype="message_deleted"))),
        ("a bot_message subtype", envelope(direct_message(subtype="bot_message", user=None, bot_id="B0X"))),
        ("a channel join", envelope(mention(type="message", subtype="channel_join", channel_type="channel"))),
        ("a channel message without a mention", envelope(direct_message(channel="C0ENG0001", channel_type="channel"))),
        ("a group message", envelope(direct_message(channel="G0PRIV001", channel_type="group"))),
        ("the twin message event of a mention", envelope(mention(type="message", channel_type="channel"))),
        ("a message without a user", envelope(direct_message(user=None))),
        ("a message without a channel", envelope(mention(channel=None))),
        ("a message without a ts", envelope(mention(ts=None))),
        ("another event type", envelope(mention(type="reaction_added"))),
        ("app home opened", envelope({"type": "app_home_opened", "user": "U0DANA001", "channel": "D0DANA001"})),
        ("an empty event", envelope({})),
        ("no event at all", {"type": "event_callback", "event_id": "Ev1"}),
        ("a URL verification", {"type": "url_verification", "challenge": "abc", "event": mention()}),
        ("an interactive payload", {"type": "block_actions", "event": mention()}),
        ("an empty body", {}),
    ],
)
def test_anything_else_is_not_a_request(name: str, body: dict[str, Any]) -> None:
    assert classify(body) is None, name


def test_without_a_known_bot_user_id_people_are_still_recognised() -> None:
    assert classify_event(envelope(mention()), bot_user_id=None, now=NOW) is not None


def channel_message(**changes: Any) -> dict[str, Any]:
    event = {
        "type": "message",
        "channel_type": "channel",
        "user": "U0ERIN001",
        "text": "the platform one",
        "channel": "C0SALES01",
        "ts": "1700000300.000100",
        "thread_ts": "1700000000.000100",
    }
    event.update(changes)
    return {k: v for k, v in event.items() if v is not None}


def test_a_reply_in_a_channel_thread_is_a_possible_answer() -> None:
    request = classify(envelope(channel_message()))
    assert request is not None
    assert (request.source, request.thread_ts, request.text) == (
        "thread_reply",
        "1700000000.000100",
        "the platform one",
    )


def test_channel_chatter_outside_a_thread_is_not_a_request() -> None:
    assert classify(envelope(channel_message(thread_ts=None))) is None


def test_a_thread_reply_that_mentions_the_bot_is_left_to_its_app_mention_twin() -> None:
    assert classify(envelope(channel_message(text=f"<@{BOT}> the platform one"))) is None


def test_the_bots_own_replies_and_edits_in_a_thread_are_not_answers() -> None:
    assert classify(envelope(channel_message(user=BOT))) is None
    assert classify(envelope(channel_message(subtype="message_changed"))) is None
