"""Slack's encoded message text becomes what the person typed, exactly once."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.events import classify_event
from bot.text import to_plain


@pytest.mark.parametrize(
    ("slack", "plain"),
    [
        ("&lt;mobile&gt; &amp; tablet", "<mobile> & tablet"),
        ("&amp;lt; typed literally", "&lt; typed literally"),
        ("see <https://x.example/a|the doc>", "see the doc (https://x.example/a)"),
        ("see <https://y.example>", "see https://y.example"),
        ("in <#C0SUPPORT|support>", "in #support"),
        ("cc <!here> and <!subteam^S0ENGLEAD|eng-leads>", "cc @here and @eng-leads"),
        ("assign <@U0BOB0001>", "assign <@U0BOB0001>"),
    ],
)
def test_to_plain(slack: str, plain: str) -> None:
    assert to_plain(slack) == plain


def test_mentions_can_be_written_out_too() -> None:
    assert to_plain("ask <@U0BOB0001|bob>", keep_mentions=False) == "ask @bob"


def test_a_request_is_recorded_as_plain_text() -> None:
    body = {
        "type": "event_callback",
        "event_id": "Ev1",
        "event": {
            "type": "app_mention",
            "user": "U0DANA001",
            "channel": "C0SUPPORT",
            "ts": "1.2",
            "text": "<@U0BOT0001> create a bug in PAY: &lt;select&gt; breaks &amp; resets",
        },
    }
    request = classify_event(body, bot_user_id="U0BOT0001", now=dt.datetime(2026, 11, 20, tzinfo=dt.UTC))
    assert request is not None
    assert request.text == "<@U0BOT0001> create a bug in PAY: <select> breaks & resets"
