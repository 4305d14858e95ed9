"""Small readers over the sandbox's Slack state shared by the end-to-end tests."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import redis

from approvals.core.proposal import Proposal
from approvals.flow.audit import AuditLog, AuditRecord
from approvals.flow.store import ProposalStore
from bot import action_ids
from sandbox.harness import Sandbox
from sandbox.processes import wait_until
from sandbox.slack.driver import message_text

BUG_THREAD = (
    "Customers say checkout fails on Safari 17: the card form never loads. Started after this morning's deploy."
)
BUG_REQUEST = "@followthrough create a bug in PAY: Checkout fails on Safari, assign to Alice, priority high"


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in message.get("blocks", [])
        if block.get("type") == "actions"
        for element in block.get("elements", [])
        if element.get("type") == "button"
    ]


def is_card(message: dict[str, Any]) -> bool:
    """A proposal's card, as its message metadata says (a reply that merely names an id is not one)."""
    return (message.get("metadata") or {}).get("event_type") == action_ids.CARD_METADATA


def proposal_id_of(card: dict[str, Any]) -> str:
    match = re.search(r"`(ft-[a-z0-9]{8})`", message_text(card))
    assert match, f"no proposal id on the card: {message_text(card)}"
    return match[1]


def start_thread(sandbox: Sandbox, *, user: str = "dana", channel: str = "#support", text: str = BUG_THREAD) -> str:
    return str(sandbox.slack.driver.post_message(user, channel, text)["ts"])


def ask(
    sandbox: Sandbox, thread_ts: str, text: str = BUG_REQUEST, *, user: str = "dana", channel: str = "#support"
) -> str:
    return str(sandbox.slack.driver.post_message(user, channel, text, thread_ts=thread_ts)["ts"])


def wait_for_card(
    sandbox: Sandbox, thread_ts: str, *, channel: str = "#support", timeout: float = 15.0
) -> dict[str, Any]:
    driver = sandbox.slack.driver
    cid = driver.channel_id(channel)
    return driver.wait_for_message(
        lambda m: m["channel"] == cid and m.get("thread_ts") == thread_ts and m["ts"] != thread_ts and is_card(m),
        timeout=timeout,
    )


def wait_for_card_text(sandbox: Sandbox, card: dict[str, Any], needle: str, *, timeout: float = 15.0) -> dict[str, Any]:
    driver = sandbox.slack.driver
    return driver.wait_for_message(
        lambda m: m["channel"] == card["channel"] and m["ts"] == card["ts"] and needle in message_text(m),
        timeout=timeout,
    )


def question_card(sandbox: Sandbox, thread_ts: str, needle: str, *, channel: str = "#support") -> dict[str, Any]:
    """The bot's message in the thread that says ``needle`` (a question's card, as it is now)."""
    driver = sandbox.slack.driver
    cid = driver.channel_id(channel)
    return driver.wait_for_message(
        lambda m: m["channel"] == cid and m.get("thread_ts") == thread_ts and needle in message_text(m), timeout=15
    )


def approve_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in buttons(message) if b.get("action_id") == action_ids.APPROVE]


def click(sandbox: Sandbox, user: str, card: dict[str, Any], action: str = action_ids.APPROVE) -> Any:
    return sandbox.slack.driver.click(user, card["channel"], card["ts"], action)


def bot_replies(sandbox: Sandbox, thread_ts: str, *, channel: str = "#support") -> list[dict[str, Any]]:
    driver = sandbox.slack.driver
    bot = driver.ws.bot_user_id
    return [
        m for m in driver.thread(channel, thread_ts) if m.get("user") == bot and m["ts"] != thread_ts and not is_card(m)
    ]


def ephemeral_texts(sandbox: Sandbox, user: str) -> list[str]:
    return [message_text(item["message"]) for item in sandbox.slack.driver.ephemerals(user)]


def command(sandbox: Sandbox, user: str, text: str, channel: str = "#support") -> str:
    """Type ``/followthrough <text>`` as ``user`` and return the answer only they see."""
    driver = sandbox.slack.driver
    before = len(driver.ephemerals(user))
    result = driver.slash_command(user, channel, "/followthrough", text)
    assert result.acked, result
    return message_text(wait_until(lambda: driver.ephemerals(user)[before:], timeout=10)[-1]["message"])


def store(redis_db: redis.Redis) -> ProposalStore:
    return ProposalStore(redis_db, clock=lambda: dt.datetime.now(dt.UTC))


def proposal(redis_db: redis.Redis, proposal_id: str) -> Proposal:
    return store(redis_db).get(proposal_id)


def audit_events(redis_db: redis.Redis, proposal_id: str) -> list[AuditRecord]:
    return AuditLog(redis_db).for_proposal(proposal_id)
