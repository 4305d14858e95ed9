"""Nothing runs twice and nothing is lost, under the failures that happen in production.

Each test injects one failure (a killed process, a dropped connection, a rate limit, a refusal) and checks that
the story ends with exactly one Jira issue or a clear failure in the thread, never two issues and never a claim of
success that did not happen.
"""

from __future__ import annotations

import time

import pytest
import redis

from approvals.core.states import ProposalState
from approvals.flow.ledger import action_id
from bot import action_ids
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


# ---------------------------------------------------------------------------------------------------------------
# Killed at the precise instant: every owed announcement is made once, scheduled work survives its scheduler,
# waiting does not spend the retry budget.

POST_MESSAGE = r"/api/chat\.postMessage$"


def _card_when_intake_is_done(sandbox: Sandbox, redis_db: redis.Redis, thread_ts: str) -> dict:
    """The card, once intake finished (its DM copies posted too): the next chat.postMessage is not intake's."""
    card = wait_for_card(sandbox, thread_ts)
    wait_until(lambda: redis_db.zcard("ft:inbox:pending") == 0, timeout=15, message="intake never finished")
    return card


def _results_in(sandbox: Sandbox, thread_ts: str) -> list[dict]:
    return [
        m
        for m in bot_replies(sandbox, thread_ts)
        if (m.get("metadata") or {}).get("event_type") == action_ids.RESULT_METADATA
    ]


def test_worker_killed_after_recording_success_before_announcing_it(
    start_product, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    """The issue exists and the proposal is stored as succeeded; the worker dies inside the call that posts the
    result (Slack holds it, then refuses it). Nothing else would ever tell the thread: the next worker's reaper
    announces what is owed, once."""
    product = start_product()
    worker = next(p for p in product.processes if p.name == "worker")
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    card = _card_when_intake_is_done(sandbox, redis_db, thread_ts)
    proposal_id = proposal_id_of(card)
    # The worker's next chat.postMessage is the result reply: Slack holds it 30 s, then refuses it.
    held = sandbox.slack.inject(POST_MESSAGE, method="POST", status=500, mode="before", delay=30)
    assert click(sandbox, "bob", card).acked
    wait_until(lambda: held.fired == 1, timeout=15, message="the result was never posted")
    assert proposal(redis_db, proposal_id).state is ProposalState.SUCCEEDED
    worker.kill()
    assert not _results_in(sandbox, thread_ts), "the thread has not been told yet"

    sandbox.slack.faults.clear()
    product.start_worker("worker-2")
    results = wait_until(lambda: _results_in(sandbox, thread_ts), timeout=20, message="the success was never told")
    assert "PAY-13" in message_text(results[0])
    wait_for_card_text(sandbox, card, "Done", timeout=10)
    time.sleep(2)  # more reaper passes: nothing more is said
    assert len(_results_in(sandbox, thread_ts)) == 1
    assert len(sandbox.jira.issues()) == SEED_ISSUES + 1
    assert redis_db.hlen("ft:owed") == 0


def test_worker_killed_after_the_result_landed_before_it_was_recorded(
    start_product, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    """Slack posts the result, then the worker dies before it hears so (and before it settles what it owed): the
    next announcer finds the reply by its metadata and does not post it again."""
    product = start_product()
    worker = next(p for p in product.processes if p.name == "worker")
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    card = _card_when_intake_is_done(sandbox, redis_db, thread_ts)
    landed = sandbox.slack.inject(POST_MESSAGE, method="POST", status=500, mode="after", delay=30)
    assert click(sandbox, "bob", card).acked
    wait_until(lambda: landed.fired == 1 and _results_in(sandbox, thread_ts), timeout=15)
    worker.kill()
    assert redis_db.hlen("ft:owed") == 1, "still owed: the worker died before settling it"

    sandbox.slack.faults.clear()
    product.start_worker("worker-2")
    wait_until(lambda: redis_db.hlen("ft:owed") == 0, timeout=20, message="the owed announcement was never settled")
    wait_for_card_text(sandbox, card, "Done", timeout=10)
    assert len(_results_in(sandbox, thread_ts)) == 1, "found by its metadata, not posted twice"


def test_bot_killed_after_recording_a_rejection_before_saying_it(
    start_product, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    """The bot records the rejection, then dies inside the call that says so in the thread: a worker says it."""
    product = start_product()
    bot = next(p for p in product.processes if p.name == "bot")
    driver = sandbox.slack.driver
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    card = _card_when_intake_is_done(sandbox, redis_db, thread_ts)
    proposal_id = proposal_id_of(card)
    assert click(sandbox, "bob", card, action_ids.REJECT).acked
    view = wait_until(lambda: driver.open_views("bob"), message="the reject form did not open")[-1]
    held = sandbox.slack.inject(POST_MESSAGE, method="POST", status=500, mode="before", delay=30)
    assert driver.submit_view("bob", view["id"], {"reason": "not a bug, works as designed"}).ok
    wait_until(lambda: held.fired == 1, timeout=15, message="the rejection was never posted")
    assert proposal(redis_db, proposal_id).state is ProposalState.REJECTED
    bot.kill()

    sandbox.slack.faults.clear()
    reply = wait_until(
        lambda: [m for m in bot_replies(sandbox, thread_ts) if "rejected this" in message_text(m)],
        timeout=20,
        message="the rejection was never told",
    )
    assert "not a bug, works as designed" in message_text(reply[0])
    time.sleep(2)
    assert len([m for m in bot_replies(sandbox, thread_ts) if "rejected this" in message_text(m)]) == 1


def _scheduler_holder(redis_db: redis.Redis) -> str | None:
    raw = redis_db.get("rq:scheduler-lock:followthrough-actions")
    return raw.decode() if raw is not None else None


def _approve_with_a_scheduled_retry(
    sandbox: Sandbox, redis_db: redis.Redis, retry_after: int
) -> tuple[str, dict, float]:
    """A request approved whose create Jira rate limits once: its retry is scheduled ``retry_after`` s later.
    Returns the thread, the card and when the retry is due (epoch seconds)."""
    before = sandbox.jira.requests.count(path=CREATE, method="POST")
    sandbox.jira.inject(CREATE, method="POST", status=429, retry_after=retry_after, count=1)
    thread_ts, card = _approve_and_get_id(sandbox)
    limited = wait_until(
        lambda: sandbox.jira.requests.entries(path=CREATE, method="POST")[before:],
        timeout=15,
        message="the create was never rate limited",
    )
    assert limited[0].status == 429
    # Killed only once the retry is scheduled (the job id records it), which is the instant that matters here.
    wait_until(
        lambda: (redis_db.get(f"ft:job:{proposal_id_of(card)}") or b"").endswith(b"-2"),
        timeout=10,
        message="the retry was never scheduled",
    )
    return thread_ts, card, limited[0].at + retry_after


def test_scheduled_work_resumes_within_seconds_of_a_worker_after_the_scheduler_holder_is_killed(
    start_product, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    """The worker holding RQ's scheduler lock is SIGKILLed while a retry is scheduled, twice, seconds apart, the
    second time as if the new worker ran on another host (no process to look at, only the lock's heartbeat). With
    production's maintenance cadence (30 s), scheduled work must still resume within 5 s of a worker being alive."""
    product = start_product(FOLLOWTHROUGH_REAPER_INTERVAL="30")
    first = next(p for p in product.processes if p.name == "worker")
    wait_until(lambda: _scheduler_holder(redis_db), timeout=10, message="no scheduler took the lock")

    _, card, due = _approve_with_a_scheduled_retry(sandbox, redis_db, retry_after=3)
    first.kill()
    assert _scheduler_holder(redis_db) is not None, "the dead worker's scheduler still holds the lock"
    second = product.start_worker("worker-2")
    alive = time.time()
    wait_for_card_text(sandbox, card, "Done", timeout=20)
    created = [r for r in sandbox.jira.requests.entries(path=CREATE, method="POST") if r.status == 201]
    assert created[0].at - max(due, alive) <= 5.0, f"the retry ran {created[0].at - max(due, alive):.1f} s late"

    # Seconds later (far less than 30 s), the new holder dies too; the next worker is "on another host".
    holder = wait_until(lambda: _scheduler_holder(redis_db), timeout=10)
    _, card, due = _approve_with_a_scheduled_retry(sandbox, redis_db, retry_after=3)
    second.kill()
    redis_db.hset(f"rq:scheduler:{holder}", "hostname", "another-host")
    product.start_worker("worker-3")
    alive = time.time()
    wait_for_card_text(sandbox, card, "Done", timeout=20)
    created = [r for r in sandbox.jira.requests.entries(path=CREATE, method="POST") if r.status == 201]
    assert created[-1].at - max(due, alive) <= 5.0, f"the retry ran {created[-1].at - max(due, alive):.1f} s late"
    assert len(sandbox.jira.issues()) == SEED_ISSUES + 2


def test_waiting_for_jira_search_does_not_spend_the_retry_budget(
    start_product, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    """Production's retry schedule. Jira answers the create with a 503 (it did nothing, but a 503 on a create is
    ambiguous), the worker is SIGKILLed while the retry waits, then the create is rate limited once (Retry-After:
    1). Waiting out the search index to reconcile is not an attempt, a killed run is not one either, and the
    Retry-After is honoured as given: the request is done within seconds of the window, not after 120 s."""
    product = start_product(FOLLOWTHROUGH_RETRY_DELAYS="5,30,120,600,1800", FOLLOWTHROUGH_INDEX_LAG_WINDOW="10")
    worker = next(p for p in product.processes if p.name == "worker")
    sandbox.jira.inject(CREATE, method="POST", status=503, count=1)
    sandbox.jira.inject(CREATE, method="POST", status=429, retry_after=1, count=1)
    _, card = _approve_and_get_id(sandbox)
    proposal_id = proposal_id_of(card)
    wait_until(
        lambda: "action.ambiguous" in [r.event for r in audit_events(redis_db, proposal_id)],
        timeout=15,
        message="the 503 was never recorded",
    )
    worker.kill()
    product.start_worker("worker-2")

    wait_for_card_text(sandbox, card, "Done", timeout=40)
    posts = sandbox.jira.requests.entries(path=CREATE, method="POST")
    assert [p.status for p in posts] == [503, 429, 201]
    assert posts[1].at - posts[0].at >= 10.0, "nothing was sent again before the lag window passed"
    # 1 s, plus up to 1 s of rounding to RQ's whole seconds and 1 s of the scheduler's poll: well under the
    # schedule's 5 s and 30 s.
    assert posts[2].at - posts[1].at < 4.5, "the 429's Retry-After (1 s) was honoured, not the schedule"
    events = [r.event for r in audit_events(redis_db, proposal_id)]
    assert "action.awaiting_index" in events
    assert len(_issues_with_label(sandbox, redis_db, proposal_id)) == 1


def test_a_request_still_retrying_after_the_cap_says_so_once_per_period(
    start_product, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    """Jira rate limits four creates in a row (each retried after its Retry-After, about 2 s apart with the
    scheduler's one-second polling); past FOLLOWTHROUGH_RUNNING_NOTICE_AFTER (4 s) the thread hears that it is still
    being retried and when the next try is: once per period, not once per attempt. Then the result."""
    start_product(FOLLOWTHROUGH_RUNNING_NOTICE_AFTER="4")
    sandbox.jira.inject(CREATE, method="POST", status=429, retry_after=1, count=4)
    thread_ts, card = _approve_and_get_id(sandbox)
    wait_for_card_text(sandbox, card, "Done", timeout=30)
    wait_until(lambda: _results_in(sandbox, thread_ts), timeout=10)
    notices = [m for m in bot_replies(sandbox, thread_ts) if "Still on it" in message_text(m)]
    assert 1 <= len(notices) <= 2, [message_text(m) for m in bot_replies(sandbox, thread_ts)]
    text = message_text(notices[0])
    assert "Jira is rate limiting us" in text and "next try is at <!date^" in text
    assert sandbox.jira.requests.count(path=CREATE, method="POST") == 5
