"""Payloads nobody should send still end well: each is acknowledged, none breaks the bot for the next request, and a
request too long to be one is answered in seconds, saying why, instead of holding a worker for a minute.

The events go through the sandbox's Socket Mode into the real Bolt app (tests/flow.py), as Slack would deliver them.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from approvals.core.intents import MAX_REQUESTS_PER_MESSAGE
from approvals.core.states import ProposalState
from approvals.flow.drafting import REQUEST_TEXT_LIMIT
from sandbox.slack.driver import message_text
from tests.e2e.helpers import ask, bot_replies, ephemeral_texts, is_card, start_thread
from tests.flow import Flow

BOT = "<@U0BOT0001>"

MALFORMED_MENTIONS: list[dict[str, Any]] = [
    {"user": None},
    {"text": None},
    {"text": 12345},
    {"text": {"nested": ["not", "text"]}},
    {"channel": None},
    {"ts": None, "event_ts": None},
    {"ts": "not-a-timestamp"},
    {"thread_ts": ["1765000000.000100"]},
    {"user": "U_NOBODY_KNOWS"},
    {"user": {"id": "U0DANA001"}},
    {"text": "\x00\x01\x02 <@U0BOT0001> \u202e\ufeff assign PAY-12 to Alice \udbff"[:-1]},
    {"subtype": "bot_message", "bot_id": "B0SOMEBOT"},
    {"blocks": "not a list"},
    {"type": "app_mention", "files": [{"id": None}] * 3},
]

ODD_EVENTS: list[dict[str, Any]] = [
    {"type": "message", "subtype": "message_changed", "channel": "C_UNKNOWN", "message": None},
    {"type": "message", "subtype": "message_deleted", "channel": "C_UNKNOWN", "previous_message": "x"},
    {"type": "message", "channel_type": "im", "text": None, "user": "U0DANA001", "channel": "D_UNKNOWN"},
    {"type": "reaction_added", "reaction": None, "item": "not-a-dict", "user": "U0DANA001"},
    {"type": "app_home_opened", "user": None, "tab": "home"},
    {"type": "member_joined_channel", "user": ["U1"], "channel": {}},
    {"type": "an_event_nobody_subscribed_to", "payload": "x" * 10_000},
]

HOSTILE_COMMANDS: list[str] = [
    "",
    "   \t ",
    "\x00\x07",
    "pending " + "x" * 5000,
    "frobnicate " + "y" * 5000,
    "audit ft-../../etc/passwd",
    "audit " + "ft-" + "a" * 3000,
    "retry ' OR 1=1 --",
    "policy test " + "close every deal " * 300,
    "policy reload; rm -rf /",
    "stats <script>alert(1)</script>",
    "help " + "\u202e" * 100,
]

UNMATCHED_INTERACTIONS: list[dict[str, Any]] = [
    {"type": "block_actions", "user": {"id": "U0BOB0001"}, "actions": []},
    {"type": "block_actions", "user": "U0BOB0001"},
    {"type": "an_interaction_from_the_future", "user": {"id": "U0BOB0001"}},
    {"type": "view_submission", "user": {"id": "U0BOB0001"}, "view": "not a view"},
    {"type": "block_suggestion", "user": {"id": "U0BOB0001"}, "action_id": "ft_nothing", "value": "a"},
]


def settle_and_check_acked(flow: Flow) -> None:
    """Every envelope was acked and nothing is left running (a listener that raised fails ``settle``)."""
    flow.settle()
    unacked = [d for d in flow.driver.deliveries() if d.get("status") not in ("acked",)]
    assert not unacked, unacked


def settle_and_check_alive(flow: Flow) -> None:
    """As ``settle_and_check_acked``, and an ordinary request still becomes a card."""
    settle_and_check_acked(flow)
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread, f"{BOT} assign PAY-12 to Alice")
    flow.settle()
    assert any(is_card(m) for m in flow.driver.dm_messages("bob")), "the bot no longer makes cards"


def test_a_pasted_log_as_a_request_is_refused_at_once_saying_why(flow: Flow) -> None:
    # The kind of text that costs the parser most (keys and mentions repeated), pasted at Slack's length limit.
    log = " ".join(f"PAY-{n % 17} <@U0ALICE01> failed at step {n}" for n in range(2000))[:39_000]
    thread = start_thread(flow.sandbox)
    started = time.monotonic()
    ask(flow.sandbox, thread, f"{BOT} {log}")
    flow.settle(timeout=30)
    took = time.monotonic() - started

    (reply,) = [message_text(m) for m in bot_replies(flow.sandbox, thread)]
    assert "too long for me to read as a request" in reply and f"{REQUEST_TEXT_LIMIT:,}" in reply, reply
    assert "Nothing was changed" in reply
    assert not flow.runtime.store.in_states(tuple(ProposalState)), "nothing was proposed from it"
    assert took < 10, f"{took:.1f} s to refuse it"
    settle_and_check_alive(flow)


def test_a_long_thread_under_a_short_request_is_quoted_not_refused(flow: Flow) -> None:
    log = "\n".join(f"2026-12-06T10:{n % 60:02d} ERROR checkout: card form timeout (request {n})" for n in range(600))
    thread = start_thread(flow.sandbox, text=log[:39_000])
    ask(flow.sandbox, thread, f"{BOT} file this as a bug in PAY")
    flow.settle(timeout=30)
    assert any(is_card(m) for m in flow.driver.thread("#support", thread)), [
        message_text(m) for m in bot_replies(flow.sandbox, thread)
    ]


def _mention(flow: Flow, **overrides: Any) -> dict[str, Any]:
    driver = flow.driver
    event = {
        "type": "app_mention",
        "user": driver.user_id("dana"),
        "text": f"{BOT} assign PAY-12 to Alice",
        "ts": "1765000000.000100",
        "channel": driver.channel_id("#support"),
        "event_ts": "1765000000.000100",
    }
    event.update(overrides)
    return {k: v for k, v in event.items() if v is not None}


@pytest.mark.parametrize(
    "overrides",
    MALFORMED_MENTIONS,
    ids=lambda o: ",".join(f"{k}={str(v)[:12]}" for k, v in o.items()),
)
def test_a_malformed_mention_is_acked(flow: Flow, overrides: dict[str, Any]) -> None:
    flow.sandbox.slack.publish([_mention(flow, **overrides)])
    settle_and_check_acked(flow)


@pytest.mark.parametrize(
    "event",
    ODD_EVENTS,
    ids=lambda e: f"{e['type']}:{e.get('subtype', '')}",
)
def test_an_odd_event_is_acked(flow: Flow, event: dict[str, Any]) -> None:
    flow.sandbox.slack.publish([event])
    settle_and_check_acked(flow)


def test_a_click_on_a_button_no_handler_knows_is_acked_and_the_clicker_told(flow: Flow) -> None:
    """A message posted by another version of the app carries a button this one has no handler for."""
    posted = flow.runtime.notifier.client.chat_postMessage(
        channel=flow.driver.channel_id("#support"),
        text="an old card",
        blocks=[
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "action_id": "ft_v0_approve", "text": {"type": "plain_text", "text": "Go"}}
                ],
            }
        ],
    )
    click = flow.driver.click("bob", posted["channel"], posted["ts"], "ft_v0_approve")
    flow.settle()
    assert click.acked, "unacked, Slack would show 'this app did not respond'"
    assert any("isn't one I know" in t for t in ephemeral_texts(flow.sandbox, "bob"))
    settle_and_check_alive(flow)


@pytest.mark.parametrize(
    "text",
    HOSTILE_COMMANDS,
    ids=lambda t: repr(t[:16]),
)
def test_a_slash_command_with_hostile_text_is_answered(flow: Flow, text: str) -> None:
    result = flow.driver.slash_command("grace", "#support", "/followthrough", text)
    flow.settle()
    assert result.acked, result
    replies = [message_text(m) for m in flow.driver.ephemerals("grace")]
    assert replies, "the admin heard nothing back"
    assert all(len(r) < 4000 for r in replies), "a hostile text is not echoed back whole"
    settle_and_check_acked(flow)


def _send_interactive(flow: Flow, payload: dict[str, Any]) -> Any:
    slack = flow.sandbox.slack
    return slack.server.call(slack.socket.request("interactive", payload), timeout=slack.socket.ack_timeout + 10)


@pytest.mark.parametrize(
    "payload",
    UNMATCHED_INTERACTIONS,
    ids=lambda p: str(p["type"]),
)
def test_an_interaction_no_listener_matches_is_acked(flow: Flow, payload: dict[str, Any]) -> None:
    delivery = _send_interactive(flow, payload)
    assert delivery.acked, f"{delivery.status}: Slack would tell the user the app did not respond"
    settle_and_check_acked(flow)


def test_after_every_hostile_payload_in_turn_the_bot_still_makes_cards(flow: Flow) -> None:
    """The payloads above, one after another into one bot: none leaves it unable to take the next request."""
    for overrides in MALFORMED_MENTIONS:
        flow.sandbox.slack.publish([_mention(flow, **overrides)])
    flow.sandbox.slack.publish(ODD_EVENTS)
    for payload in UNMATCHED_INTERACTIONS:
        assert _send_interactive(flow, payload).acked
    for text in HOSTILE_COMMANDS:
        assert flow.driver.slash_command("grace", "#support", "/followthrough", text).acked
    settle_and_check_alive(flow)


def test_a_message_asking_for_more_changes_than_a_card_can_hold_is_asked_to_be_split(flow: Flow) -> None:
    batch = ", ".join(f"PAY-{n} -> bob" for n in range(1, MAX_REQUESTS_PER_MESSAGE + 3))
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread, f"{BOT} {batch}")
    flow.settle(timeout=30)
    (reply,) = [message_text(m) for m in bot_replies(flow.sandbox, thread)]
    assert f"That asks for {MAX_REQUESTS_PER_MESSAGE + 2} changes at once" in reply and "Nothing was changed" in reply
    assert not flow.runtime.store.in_states(tuple(ProposalState))
