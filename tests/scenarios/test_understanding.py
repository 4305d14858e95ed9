"""How the bot acts on what the parser read, through the real Bolt app: a message understood in part is asked about
as a whole (nothing of it proposed first), and the answer is read together with the request."""

from __future__ import annotations

from typing import Any

from bot import action_ids
from sandbox.slack.driver import message_text
from tests.e2e.helpers import ask, buttons, is_card, start_thread
from tests.flow import Flow


def bot_messages(flow: Flow, thread: str) -> list[dict[str, Any]]:
    return [m for m in flow.driver.thread("#support", thread) if is_card(m)]


def approvable(flow: Flow, thread: str) -> list[dict[str, Any]]:
    """The thread's cards that can be approved (a question is a card too, without Approve)."""
    return [m for m in bot_messages(flow, thread) if any(b.get("action_id") == action_ids.APPROVE for b in buttons(m))]


def test_a_message_understood_in_part_is_asked_about_before_anything_is_proposed(flow: Flow) -> None:
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread, "<@U0BOT0001> assign PAY-12 to Alice and close every deal")
    flow.settle()

    assert approvable(flow, thread) == [], "nothing is proposed while part of the message is unread"
    (question,) = bot_messages(flow, thread)
    text = message_text(question)
    assert "I understood: assign PAY-12 to Alice" in text and "one record at a time" in text, text

    # A reply is read together with the request: what can be done is proposed, and only that.
    ask(flow.sandbox, thread, "ok, just the assignment then")
    flow.settle()
    (card,) = [m for m in flow.driver.dm_messages("bob") if is_card(m)]
    card_text = message_text(card)
    assert "PAY-12" in card_text and "<@U0ALICE01>" in card_text, card_text
    assert any(b.get("action_id") == action_ids.APPROVE for b in buttons(card)), card_text
    assert "deal" not in card_text.lower(), card_text


def test_sending_the_request_again_without_the_unread_part_replaces_the_question(flow: Flow) -> None:
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread, "<@U0BOT0001> assign PAY-12 to Alice and close every deal")
    flow.settle()
    ask(flow.sandbox, thread, "<@U0BOT0001> assign PAY-12 to Alice")
    flow.settle()
    (card,) = [m for m in flow.driver.dm_messages("bob") if is_card(m)]
    assert "PAY-12" in message_text(card) and "<@U0ALICE01>" in message_text(card)


def test_a_field_named_without_its_value_is_asked_with_the_systems_values_to_pick(flow: Flow) -> None:
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread, "<@U0BOT0001> PAY-12 needs a higher priority")
    flow.settle()

    assert approvable(flow, thread) == []
    (question,) = bot_messages(flow, thread)
    assert "What should I change on PAY-12?" in message_text(question), message_text(question)
