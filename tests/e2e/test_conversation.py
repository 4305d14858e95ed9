"""A question waits for its answer through restarts and kills of every process: the answer continues the request,
and the card is found again, never posted twice. (Requests as people send them, asked about in process, are
tests/scenarios/test_conversation.py.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis

from approvals.core.states import ProposalState
from sandbox.harness import Sandbox
from sandbox.processes import wait_until
from sandbox.slack.driver import message_text
from tests.conftest import Product
from tests.e2e.helpers import approve_buttons, proposal, proposal_id_of, question_card, wait_for_card_text

pytestmark = pytest.mark.slow


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
