"""Requests as people actually send them: in a DM, unclear, or missing something. Ask, don't guess."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis

from approvals.core.states import ProposalState
from bot import action_ids
from sandbox.harness import Sandbox
from sandbox.processes import wait_until
from sandbox.slack.driver import message_text
from tests.conftest import Product
from tests.e2e.helpers import (
    audit_events,
    buttons,
    click,
    ephemeral_texts,
    proposal,
    proposal_id_of,
    wait_for_card_text,
)

pytestmark = pytest.mark.slow


def test_a_request_in_a_direct_message_becomes_a_card_there(
    product: Product, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    driver = sandbox.slack.driver
    dm = driver.dm_channel("dana")
    request = driver.post_message("dana", dm, "file a bug in PAY: Refund button does nothing on iOS, priority low")
    card = driver.wait_for_message(
        lambda m: m["channel"] == dm and m.get("thread_ts") == request["ts"] and "`ft-" in message_text(m), timeout=15
    )
    assert "Refund button does nothing on iOS" in message_text(card)
    assert buttons(card), "the requester sees the card with the decision buttons in the DM"
    bob_copy = wait_until(lambda: [m for m in driver.dm_messages("bob") if buttons(m)])[0]
    assert click(sandbox, "bob", bob_copy).acked
    wait_for_card_text(sandbox, card, "Done")
    assert proposal(redis_db, proposal_id_of(card)).state is ProposalState.SUCCEEDED
    assert [i["fields"]["summary"] for i in sandbox.jira.issues()][-1] == "Refund button does nothing on iOS"


def test_a_request_it_cannot_read_gets_a_reply_with_an_example(product: Product, sandbox: Sandbox) -> None:
    driver = sandbox.slack.driver
    thread_ts = driver.post_message("dana", "#support", "Checkout is flaky again.")["ts"]
    driver.post_message("dana", "#support", "@followthrough what do you think about this?", thread_ts=thread_ts)
    reply = driver.wait_for_bot_message(channel="#support", thread_ts=thread_ts, timeout=15)
    text = message_text(reply)
    assert "<@U0DANA001>" in text and "I can't answer that one" in text
    assert "move PAY-12 to Done" in text and "what's the status of PAY-12?" in text, "it shows what it can do"
    assert len(sandbox.jira.issues()) == 16


def question_card(sandbox: Sandbox, thread_ts: str, needle: str, *, channel: str = "#support") -> dict[str, Any]:
    driver = sandbox.slack.driver
    cid = driver.channel_id(channel)
    return driver.wait_for_message(
        lambda m: m["channel"] == cid and m.get("thread_ts") == thread_ts and needle in message_text(m), timeout=15
    )


def approve_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in buttons(message) if b.get("action_id") == action_ids.APPROVE]


def test_a_missing_project_is_asked_for_never_guessed_and_the_reply_continues_the_request(
    product: Product, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    driver = sandbox.slack.driver
    thread_ts = driver.post_message("dana", "#support", "Invoices render blank in Firefox.")["ts"]
    driver.post_message("dana", "#support", "@followthrough create a bug: Invoices render blank", thread_ts=thread_ts)
    card = question_card(sandbox, thread_ts, "Which Jira project")
    text = message_text(card)
    assert "OPS" in text and "PAY" in text
    assert not approve_buttons(card), "nothing to approve before the project is known"
    pending = proposal(redis_db, proposal_id_of(card))
    assert pending.state is ProposalState.NEEDS_INFO and pending.actions == ()
    assert len(sandbox.jira.issues()) == 16

    # The answer typed in the thread continues the same proposal: same id, same card, now with the project.
    driver.post_message("dana", "#support", "PAY", thread_ts=thread_ts)
    card = wait_for_card_text(sandbox, card, "Create a Jira bug in PAY")
    assert approve_buttons(card)
    assert proposal_id_of(card) == pending.id
    waiting = proposal(redis_db, pending.id)
    assert waiting.state is ProposalState.AWAITING_APPROVAL
    assert waiting.actions[0].project == "PAY"  # type: ignore[union-attr]
    events = [r.event for r in audit_events(redis_db, pending.id)]
    assert events[:3] == ["proposal.created", "proposal.question_asked", "proposal.shown"]
    assert {"proposal.answered", "proposal.grounded"} <= set(events)

    bob_copy = wait_until(lambda: [m for m in driver.dm_messages("bob") if approve_buttons(m)])[0]
    assert click(sandbox, "bob", bob_copy).acked
    wait_for_card_text(sandbox, card, "Done")
    assert [i["fields"]["summary"] for i in sandbox.jira.issues()][-1] == "Invoices render blank"


def test_an_ambiguous_person_is_a_pick_list_and_only_the_requester_may_answer(
    product: Product, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    driver = sandbox.slack.driver
    thread_ts = driver.post_message("dana", "#support", "Payouts export times out.")["ts"]
    driver.post_message(
        "dana",
        "#support",
        "@followthrough create a bug in PAY: Payouts export times out, assign to Sam",
        thread_ts=thread_ts,
    )
    card = question_card(sandbox, thread_ts, "could be")
    text = message_text(card)
    assert "<@U0SAMLEE1>" in text and "<@U0SAMTOR1>" in text, "both Sams are named"
    assert not approve_buttons(card)
    choices = [b for b in buttons(card) if b["action_id"].startswith(action_ids.QUESTION_BUTTON)]
    assert [b["text"]["text"] for b in choices] == ["Sam Lee (@sam.lee)", "Sam Torres (@sam.torres)"]

    # Someone else's pick or reply is not an answer.
    assert driver.click("hank", card["channel"], card["ts"], choices[0]["action_id"]).acked
    wait_until(lambda: any("Only <@U0DANA001> can answer" in t for t in ephemeral_texts(sandbox, "hank")))
    driver.post_message("hank", "#support", "Sam Torres I think", thread_ts=thread_ts)
    assert proposal(redis_db, proposal_id_of(card)).state is ProposalState.NEEDS_INFO

    assert driver.click("dana", card["channel"], card["ts"], choices[0]["action_id"]).acked
    card = wait_for_card_text(sandbox, card, "Create a Jira bug in PAY")
    assert "<@U0SAMLEE1>" in message_text(card)
    assert approve_buttons(card)
    action = proposal(redis_db, proposal_id_of(card)).actions[0]
    assert action.assignee is not None and action.assignee.slack_user_id == "U0SAMLEE1"  # type: ignore[union-attr]


def test_a_question_waits_for_its_answer_through_restarts_of_every_process(
    start_product: Callable[..., Product], sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    product = start_product()
    driver = sandbox.slack.driver
    thread_ts = driver.post_message("dana", "#support", "The refund page shows the wrong currency.")["ts"]
    driver.post_message("dana", "#support", "@followthrough file a bug: Refund currency wrong", thread_ts=thread_ts)
    card = question_card(sandbox, thread_ts, "Which Jira project")
    wait_until(lambda: redis_db.zcard("ft:inbox:pending") == 0, message="the request was not taken in")
    for process in product.processes:
        process.kill()

    # A new bot takes the answer while no worker runs: it is recorded, and waits.
    product.start_bot("bot-2")
    driver.post_message("dana", "#support", "OPS", thread_ts=thread_ts)
    wait_until(lambda: redis_db.zcard("ft:inbox:pending") == 1, message="the answer was not recorded")
    assert proposal(redis_db, proposal_id_of(card)).state is ProposalState.NEEDS_INFO

    product.start_worker("worker-2")
    card = wait_for_card_text(sandbox, card, "Create a Jira bug in OPS", timeout=30)
    assert approve_buttons(card)
    assert proposal(redis_db, proposal_id_of(card)).state is ProposalState.AWAITING_APPROVAL


def test_a_worker_killed_between_posting_the_question_and_recording_it_loses_nothing(
    start_product: Callable[..., Product], sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    """The question card is posted, then the worker dies before it records where the card is. The answer still
    turns that very card into the approval card (found again by its metadata), and no second card is posted."""
    product = start_product()
    driver = sandbox.slack.driver
    fault = sandbox.slack.inject(r"chat\.postMessage", method="POST", mode="drop", delay=30)  # post, then stall
    thread_ts = driver.post_message("dana", "#support", "Payout CSV has no header row.")["ts"]
    driver.post_message("dana", "#support", "@followthrough file a bug: Payout CSV lacks a header", thread_ts=thread_ts)
    card = question_card(sandbox, thread_ts, "Which Jira project")
    wait_until(lambda: fault.fired == 1)
    for process in product.processes:
        process.kill()
    assert proposal(redis_db, proposal_id_of(card)).cards == (), "the worker died before recording the card"

    product.start_bot("bot-2")
    product.start_worker("worker-2")
    driver.post_message("dana", "#support", "PAY", thread_ts=thread_ts)
    card = wait_for_card_text(sandbox, card, "Create a Jira bug in PAY", timeout=30)
    assert approve_buttons(card)
    cards = [m for m in driver.thread("#support", thread_ts) if "`ft-" in message_text(m)]
    assert len(cards) == 1, "the card was found again, not posted twice"


def test_a_request_it_could_not_read_continues_with_the_reply(
    product: Product, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    driver = sandbox.slack.driver
    thread_ts = driver.post_message("dana", "#support", "Checkout is flaky again.")["ts"]
    driver.post_message("dana", "#support", "@followthrough can you deal with this?", thread_ts=thread_ts)
    card = question_card(sandbox, thread_ts, "can't tell what you'd like me to do")
    pending = proposal(redis_db, proposal_id_of(card))
    assert pending.state is ProposalState.NEEDS_INFO and pending.requests == ()

    driver.post_message("dana", "#support", "file a bug in PAY: Checkout is flaky", thread_ts=thread_ts)
    card = wait_for_card_text(sandbox, card, "Create a Jira bug in PAY")
    assert approve_buttons(card)
    assert proposal(redis_db, pending.id).actions[0].summary == "Checkout is flaky"  # type: ignore[union-attr]


def test_a_person_asked_about_can_be_answered_with_a_mention_in_the_thread(
    product: Product, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    driver = sandbox.slack.driver
    thread_ts = driver.post_message("dana", "#support", "Payout emails go out twice.")["ts"]
    text = "@followthrough create a bug in PAY: Payout emails sent twice, assign to Sam"
    driver.post_message("dana", "#support", text, thread_ts=thread_ts)
    card = question_card(sandbox, thread_ts, "could be")
    driver.post_message("dana", "#support", "@sam.torres", thread_ts=thread_ts)
    card = wait_for_card_text(sandbox, card, "Create a Jira bug in PAY")
    action = proposal(redis_db, proposal_id_of(card)).actions[0]
    assert action.assignee is not None and action.assignee.slack_user_id == "U0SAMTOR1"  # type: ignore[union-attr]


def test_a_question_in_a_direct_message_is_answered_by_the_next_message_there(
    product: Product, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    driver = sandbox.slack.driver
    dm = driver.dm_channel("dana")
    driver.post_message("dana", dm, "file a bug: Refund button does nothing on iOS")
    card = driver.wait_for_message(lambda m: m["channel"] == dm and "Which Jira project" in message_text(m), timeout=15)
    driver.post_message("dana", dm, "PAY")
    card = wait_for_card_text(sandbox, card, "Create a Jira bug in PAY")
    assert approve_buttons(card)
    assert proposal(redis_db, proposal_id_of(card)).state is ProposalState.AWAITING_APPROVAL
