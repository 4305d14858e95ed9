"""Nothing runs twice and nothing is lost, under the failures that happen in production.

Each test injects one failure (a killed process, a dropped connection, a rate limit, a refusal) and checks that
the story ends with exactly one Jira issue or a clear failure in the thread, never two issues and never a claim of
success that did not happen.
"""

from __future__ import annotations

import time

import pytest
import redis

from approvals.ledger import action_id
from approvals.states import ProposalState
from sandbox.harness import Sandbox
from sandbox.processes import wait_until
from sandbox.slack.driver import message_text
from tests.conftest import Product
from tests.e2e.helpers import (
    ask,
    audit_events,
    bot_replies,
    buttons,
    click,
    is_card,
    proposal,
    proposal_id_of,
    start_thread,
    wait_for_card,
    wait_for_card_text,
)

pytestmark = pytest.mark.slow

SEED_ISSUES = 16
CREATE = r"/rest/api/(?:\d|latest)/issue$"


def _issues_with_label(sandbox: Sandbox, redis_db: redis.Redis, proposal_id: str) -> list[dict]:
    stored = proposal(redis_db, proposal_id)
    return sandbox.jira.find_issues(label=f"followthrough-{action_id(proposal_id, 0, stored.fingerprint)}")


def _approve_and_get_id(sandbox: Sandbox) -> tuple[str, dict]:
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    card = wait_for_card(sandbox, thread_ts)
    assert click(sandbox, "bob", card).acked
    return thread_ts, card


def test_a_redelivered_event_makes_one_proposal(product: Product, sandbox: Sandbox, redis_db: redis.Redis) -> None:
    """Slack redelivers an event whose ack was lost; the second delivery is recognised, not handled again."""
    driver = sandbox.slack.driver
    driver.configure(ack_timeout=0.5)
    thread_ts = start_thread(sandbox)
    wait_until(lambda: all(d["status"] == "acked" for d in driver.deliveries()), message="earlier events unsettled")
    driver.drop_acks(2)  # the acks of the message and app_mention events of the request are lost
    ask(sandbox, thread_ts)

    redelivered = wait_until(
        lambda: [
            d
            for d in driver.deliveries()
            if d["payload_type"] == "app_mention" and d["retry_attempt"] >= 1 and d["status"] == "acked"
        ],
        timeout=10,
        message="the app_mention was not redelivered",
    )
    assert redelivered[0]["retry_reason"] == "timeout"
    card = wait_for_card(sandbox, thread_ts)
    bot = next(p for p in product.processes if p.name == "bot")
    wait_until(lambda: "already recorded" in bot.log(), timeout=10)
    cards = [m for m in driver.thread("#support", thread_ts) if is_card(m)]
    assert len(cards) == 1, "one request, one card, whatever Slack redelivers"
    assert proposal(redis_db, proposal_id_of(card)).state is ProposalState.AWAITING_APPROVAL


def test_worker_killed_in_the_middle_of_the_create(start_product, sandbox: Sandbox, redis_db: redis.Redis) -> None:
    """The Jira create commits, then the worker dies before it learns the key; a new worker reconciles."""
    product = start_product()
    worker = next(p for p in product.processes if p.name == "worker")
    fault = sandbox.jira.inject(CREATE, method="POST", mode="drop", delay=30)  # commit, then stall for the kill
    _, card = _approve_and_get_id(sandbox)
    proposal_id = proposal_id_of(card)

    wait_until(lambda: fault.fired == 1, timeout=15, message="the create never reached Jira")
    wait_until(lambda: len(sandbox.jira.issues()) == SEED_ISSUES + 1, timeout=5)
    worker.kill()
    assert proposal(redis_db, proposal_id).state is ProposalState.EXECUTING

    product.start_worker("worker-2")
    wait_for_card_text(sandbox, card, "Done", timeout=30)
    assert len(_issues_with_label(sandbox, redis_db, proposal_id)) == 1
    assert len(sandbox.jira.issues()) == SEED_ISSUES + 1, "exactly one issue"
    assert sandbox.jira.requests.count(path=CREATE, method="POST") == 1, "the create was never sent twice"
    wait_until(
        lambda: any("PAY-13|PAY-13>: Checkout" in message_text(m) for m in bot_replies(sandbox, card["thread_ts"]))
    )


def test_jira_commits_and_drops_the_connection(product: Product, sandbox: Sandbox, redis_db: redis.Redis) -> None:
    """An ambiguous failure is reconciled by label, never answered with a second POST."""
    sandbox.jira.inject(CREATE, method="POST", mode="drop")
    thread_ts, card = _approve_and_get_id(sandbox)
    proposal_id = proposal_id_of(card)

    wait_for_card_text(sandbox, card, "Done", timeout=30)
    assert len(_issues_with_label(sandbox, redis_db, proposal_id)) == 1
    assert sandbox.jira.requests.count(path=CREATE, method="POST") == 1
    events = [r.event for r in audit_events(redis_db, proposal_id)]
    assert "action.ambiguous" in events and events[-1] == "proposal.succeeded"
    replies = wait_until(
        lambda: [m for m in bot_replies(sandbox, thread_ts) if "PAY-13|PAY-13>: Checkout" in message_text(m)]
    )
    assert len(replies) == 1


def test_jira_rate_limit_is_waited_out(product: Product, sandbox: Sandbox, redis_db: redis.Redis) -> None:
    """A 429 was refused before it did anything: the same create is sent again after Retry-After."""
    fault = sandbox.jira.inject(CREATE, method="POST", status=429, retry_after=1, count=1)
    _, card = _approve_and_get_id(sandbox)
    proposal_id = proposal_id_of(card)

    wait_for_card_text(sandbox, card, "Done", timeout=30)
    assert fault.fired == 1
    posts = sandbox.jira.requests.entries(path=CREATE, method="POST")
    assert [p.status for p in posts] == [429, 201]
    assert posts[1].at - posts[0].at >= 1.0, "Retry-After was honoured"
    assert len(_issues_with_label(sandbox, redis_db, proposal_id)) == 1
    retryable = [r for r in audit_events(redis_db, proposal_id) if r.event == "action.retryable"]
    assert retryable and retryable[0].data["retry_after"] == 1.0


def test_jira_refusal_fails_honestly_and_is_not_retried(
    product: Product, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    sandbox.jira.inject(
        CREATE,
        method="POST",
        status=400,
        body={"errorMessages": [], "errors": {"customfield_10020": "Team is required."}},
    )
    thread_ts, card = _approve_and_get_id(sandbox)
    proposal_id = proposal_id_of(card)

    final = wait_for_card_text(sandbox, card, "Failed", timeout=30)
    assert not buttons(final)
    assert "Team is required" in message_text(final)
    reply = wait_until(lambda: [m for m in bot_replies(sandbox, thread_ts) if "couldn't finish" in message_text(m)])
    reply_text = message_text(reply[0])
    assert "Nothing was changed" in reply_text and f"/followthrough retry {proposal_id}" in reply_text
    assert not [m for m in bot_replies(sandbox, thread_ts) if "Created" in message_text(m)], "no claim of success"
    assert sandbox.jira.requests.count(path=CREATE, method="POST") == 1, "a permanent error is not retried"
    assert proposal(redis_db, proposal_id).state is ProposalState.FAILED
    assert len(sandbox.jira.issues()) == SEED_ISSUES
    assert not [m for m in sandbox.slack.driver.dm_messages("grace") if proposal_id in message_text(m)], (
        "a refusal the requester already sees in the thread does not page the admins"
    )


def test_retries_run_out_then_it_pauses_and_tells_people(
    product: Product, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    """Jira keeps rate limiting: bounded retries, then a visible failure in the thread and a DM to the admins."""
    sandbox.jira.inject(CREATE, method="POST", status=429, retry_after=1, count=None)
    thread_ts, card = _approve_and_get_id(sandbox)
    proposal_id = proposal_id_of(card)

    final = wait_for_card_text(sandbox, card, "Failed", timeout=40)
    assert "gave up after 6 attempts" in message_text(final)
    reply = wait_until(lambda: [m for m in bot_replies(sandbox, thread_ts) if "couldn't finish" in message_text(m)])
    assert "Jira is rate limiting us" in message_text(reply[0])
    alert = wait_until(lambda: [m for m in sandbox.slack.driver.dm_messages("grace") if proposal_id in message_text(m)])
    assert f"/followthrough retry {proposal_id}" in message_text(alert[0])
    assert sandbox.jira.requests.count(path=CREATE, method="POST") == 6, "1 attempt + 5 retries, then a pause"
    assert len(sandbox.jira.issues()) == SEED_ISSUES
    assert proposal(redis_db, proposal_id).state is ProposalState.FAILED


def test_bot_killed_right_after_acking_a_mention(start_product, sandbox: Sandbox, redis_db: redis.Redis) -> None:
    """The request was recorded before the ack; a bot restart (and a worker) still answer it, once."""
    product = start_product(worker=False)
    bot = product.processes[0]
    driver = sandbox.slack.driver
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    wait_until(
        lambda: any(d["payload_type"] == "app_mention" and d["status"] == "acked" for d in driver.deliveries()),
        timeout=10,
        message="the mention was never acked",
    )
    bot.kill()
    assert not [m for m in driver.thread("#support", thread_ts) if is_card(m)], "nothing could answer yet"

    product.start_bot("bot-2")
    product.start_worker()
    wait_for_card(sandbox, thread_ts, timeout=20)
    wait_until(lambda: len([m for m in driver.thread("#support", thread_ts) if is_card(m)]) == 1)


def test_a_request_that_always_raises_ends_in_an_honest_reply_not_a_reaction(
    product: Product, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    """Slack fails every read of the thread: the intake job raises each time. Within the bounded attempts the
    thread hears that nothing was changed, the request stops being retried, and the worker logs one traceback."""
    sandbox.slack.inject(r"conversations\.replies", status=500, count=None)
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    reply = sandbox.slack.driver.wait_for_message(
        lambda m: m.get("thread_ts") == thread_ts and "I couldn't read this request" in message_text(m), timeout=30
    )
    assert "nothing was changed" in message_text(reply) and "An admin has been told" in message_text(reply)
    assert redis_db.zcard("ft:inbox:pending") == 0
    worker = next(p for p in product.processes if p.name == "worker")
    wait_until(lambda: "parked for an admin" in worker.log() and worker.log().count("Job OK (intake-") >= 3)
    # Several reaper passes later (one a second here), nothing was queued again and nothing more was said.
    time.sleep(3)
    assert worker.log().count("Job OK (intake-") == 3
    assert worker.log().count("Traceback") == 1, worker.log()
    assert len(bot_replies(sandbox, thread_ts)) == 1
