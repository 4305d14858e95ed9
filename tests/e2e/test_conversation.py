"""Requests as people actually send them: in a DM, unclear, or missing something. Ask, don't guess."""

from __future__ import annotations

import pytest
import redis

from approvals.states import ProposalState
from sandbox.harness import Sandbox
from sandbox.processes import wait_until
from sandbox.slack.driver import message_text
from tests.conftest import Product
from tests.e2e.helpers import buttons, click, proposal, proposal_id_of, wait_for_card_text

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
    assert "<@U0DANA001>" in text and "can't tell what you'd like me to do" in text
    assert "create a bug in PAY" in text, "the reply shows what it does understand"
    assert len(sandbox.jira.issues()) == 16


def test_a_missing_project_is_asked_for_never_guessed(product: Product, sandbox: Sandbox) -> None:
    driver = sandbox.slack.driver
    thread_ts = driver.post_message("dana", "#support", "Invoices render blank in Firefox.")["ts"]
    driver.post_message("dana", "#support", "@followthrough create a bug: Invoices render blank", thread_ts=thread_ts)
    reply = driver.wait_for_bot_message(channel="#support", thread_ts=thread_ts, timeout=15)
    text = message_text(reply)
    assert "Which Jira project" in text and "OPS" in text and "PAY" in text
    assert not [m for m in driver.thread("#support", thread_ts) if buttons(m)], "no card without a project"


def test_an_ambiguous_person_is_asked_about(product: Product, sandbox: Sandbox) -> None:
    driver = sandbox.slack.driver
    thread_ts = driver.post_message("dana", "#support", "Payouts export times out.")["ts"]
    driver.post_message(
        "dana",
        "#support",
        "@followthrough create a bug in PAY: Payouts export times out, assign to Sam",
        thread_ts=thread_ts,
    )
    reply = driver.wait_for_bot_message(channel="#support", thread_ts=thread_ts, timeout=15)
    text = message_text(reply)
    assert "<@U0SAMLEE1>" in text and "<@U0SAMTOR1>" in text, "both Sams are named"
    assert not [m for m in driver.thread("#support", thread_ts) if buttons(m)]
