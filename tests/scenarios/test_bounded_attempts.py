"""Work that keeps failing ends: a bounded number of attempts, an honest reply, and a parked request an admin can
take up again. Nothing stays at the 👀 reaction, and the log carries one traceback, not one per attempt."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from approvals.core.states import ProposalState
from approvals.flow.intake import proposal_id_for
from bot import action_ids
from sandbox.harness import Sandbox
from sandbox.slack.driver import message_text
from tests.conftest import FAST_SETTINGS, NORTHWIND_POLICY
from tests.e2e.helpers import ask, bot_replies, buttons, command, ephemeral_texts, is_card, proposal, start_thread
from tests.flow import Flow, running_flow


def run_until(flow: Flow, done: object, *, timeout: float = 20.0) -> None:
    """Settle, then run what is scheduled (the retries), until ``done()`` holds."""
    deadline = time.monotonic() + timeout
    while not done():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the work did not finish in time"
        flow.settle()
        if not flow.run_scheduled():
            time.sleep(0.05)


@pytest.mark.realtime
def test_a_request_whose_intake_always_raises_is_answered_parked_and_retried_by_an_admin(
    flow: Flow, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox = flow.sandbox
    # Slack answers every thread read with a 500: the intake job raises each time it starts.
    sandbox.slack.inject(r"conversations\.replies", status=500, count=None)
    thread = start_thread(sandbox)
    with caplog.at_level(logging.INFO):
        request_ts = ask(sandbox, thread)
        run_until(flow, lambda: bot_replies(sandbox, thread))

    replies = [message_text(m) for m in bot_replies(sandbox, thread)]
    assert len(replies) == 1, replies
    assert "I couldn't read this request, so nothing was changed. An admin has been told" in replies[0]
    key = f"{sandbox.slack.driver.channel_id('#support')}-{request_ts.replace('.', '_')}"
    request = flow.runtime.inbox.get(key)
    assert request is not None
    proposal_id = proposal_id_for(request)
    assert f"`{proposal_id}`" in replies[0]

    failures = [r for r in caplog.records if r.name.startswith("approvals") and r.levelno >= logging.WARNING]
    tracebacks = [r for r in failures if r.exc_info]
    assert len(tracebacks) == 1 and tracebacks[0].levelno == logging.ERROR, [r.getMessage() for r in failures]
    assert proposal_id in tracebacks[0].getMessage()
    attempts = [r for r in failures if "attempt" in r.getMessage() and "failed" in r.getMessage()]
    assert len(attempts) == flow.runtime.timing.max_attempts - 1
    assert all(proposal_id in r.getMessage() for r in attempts)

    # Nothing queues it again: the reaper leaves parked work alone, and more passes change nothing.
    assert flow.runtime.inbox.pending_older_than(-3600) == []
    flow.reap()
    flow.settle()
    assert len(bot_replies(sandbox, thread)) == 1

    # The admins are told what failed and how to take it up again; stats lists it.
    grace_dm = [message_text(m) for m in sandbox.slack.driver.dm_messages("grace")]
    assert any(proposal_id in t and f"/followthrough retry {proposal_id}" in t for t in grace_dm), grace_dm
    stats = command(sandbox, "grace", "stats")
    assert proposal_id in stats and "waiting for an admin" in stats

    # Once Slack works again, an admin's retry takes the request in: the card appears.
    sandbox.slack.faults.clear()
    answer = command(sandbox, "grace", f"retry {proposal_id}")
    assert "Taking up" in answer
    run_until(flow, lambda: any(is_card(m) for m in sandbox.slack.driver.thread("#support", thread)))
    assert proposal(flow.runtime.connection, proposal_id).state is ProposalState.AWAITING_APPROVAL
    assert proposal_id not in command(sandbox, "grace", "stats")


@pytest.mark.realtime
def test_retry_is_for_admins(flow: Flow) -> None:
    sandbox = flow.sandbox
    sandbox.slack.inject(r"conversations\.replies", status=500, count=None)
    thread = start_thread(sandbox)
    ask(sandbox, thread)
    run_until(flow, lambda: bot_replies(sandbox, thread))
    (parked,) = flow.runtime.parking.all()
    assert "Only admins" in command(sandbox, "dana", f"retry {parked.proposal_id}")
    assert flow.runtime.parking.is_parked(parked.proposal_id)


def test_an_expired_request_record_is_set_aside_not_queued_forever(flow: Flow) -> None:
    sandbox = flow.sandbox
    thread = start_thread(sandbox)
    flow.runtime.intake_queue.empty()
    request_ts = ask(sandbox, thread)
    flow.settle()
    key = f"{sandbox.slack.driver.channel_id('#support')}-{request_ts.replace('.', '_')}"
    # Simulate the record's expiry while it is still listed as pending (its intake never ran).
    flow.runtime.connection.zadd("ft:inbox:pending", {"C0SUPPORT-1_000": 1.0})
    flow.runtime.connection.delete("ft:inbox:C0SUPPORT-1_000")
    assert flow.reap()["intake"] >= 1
    flow.settle()
    assert "C0SUPPORT-1_000" not in flow.runtime.inbox.pending_older_than(-3600)
    assert flow.reap()["intake"] == 0
    assert key not in flow.runtime.inbox.pending_older_than(-3600)


@pytest.mark.realtime
def test_an_answer_that_cannot_be_acted_on_is_parked_and_the_thread_told(flow: Flow) -> None:
    sandbox = flow.sandbox
    thread = start_thread(sandbox)
    ask(sandbox, thread, "@followthrough file a bug for this, assign to Alice")
    run_until(flow, lambda: any(is_card(m) for m in sandbox.slack.driver.thread("#support", thread)))
    (asking,) = flow.runtime.store.in_states((ProposalState.NEEDS_INFO,))
    assert asking.question is not None and asking.question.field == "project"

    sandbox.slack.inject(r"conversations\.replies", status=500, count=None)  # acting on the answer reads the thread
    ask(sandbox, thread, "PAY")
    run_until(flow, lambda: any("act on your answer" in message_text(m) for m in bot_replies(sandbox, thread)))
    assert flow.runtime.parking.is_parked(asking.id)
    assert flow.reap()["answers"] == 0, "the reaper leaves a parked answer alone"

    sandbox.slack.faults.clear()
    assert "Taking up" in command(sandbox, "grace", f"retry {asking.id}")
    run_until(flow, lambda: proposal(flow.runtime.connection, asking.id).state is ProposalState.AWAITING_APPROVAL)
    assert proposal(flow.runtime.connection, asking.id).actions[0].project == "PAY"  # type: ignore[union-attr]


@pytest.mark.realtime
def test_an_undo_that_cannot_be_prepared_is_parked_and_the_thread_told(flow: Flow) -> None:
    sandbox = flow.sandbox
    driver = sandbox.slack.driver
    thread = start_thread(sandbox)
    ask(sandbox, thread)
    run_until(flow, lambda: any(is_card(m) for m in driver.thread("#support", thread)))
    card = next(m for m in driver.thread("#support", thread) if is_card(m))
    assert driver.click("bob", card["channel"], card["ts"], action_ids.APPROVE).acked
    run_until(flow, lambda: any("Created" in message_text(m) for m in driver.thread("#support", thread)))
    result = next(m for m in driver.thread("#support", thread) if "Created" in message_text(m) and buttons(m))

    sandbox.jira.inject(r"/rest/api/\d/issue/PAY-13$", method="GET", status=503, count=None)
    assert driver.click("dana", result["channel"], result["ts"], action_ids.UNDO).acked
    run_until(flow, lambda: any("prepare the undo" in message_text(m) for m in bot_replies(sandbox, thread)))
    (parked,) = flow.runtime.parking.all()
    assert parked.kind == "undo"
    assert flow.reap()["undos"] == 0, "the reaper leaves a parked undo alone"
    # Clicking Undo again says so, instead of preparing nothing silently.
    driver.click("dana", result["channel"], result["ts"], action_ids.UNDO)
    flow.settle()
    assert any("an admin has been told" in t for t in ephemeral_texts(sandbox, "dana"))

    sandbox.jira.faults.clear()
    assert "Taking up" in command(sandbox, "grace", f"retry {parked.proposal_id}")
    run_until(flow, lambda: flow.runtime.store.find(parked.proposal_id) is not None)
    assert proposal(flow.runtime.connection, parked.proposal_id).state is ProposalState.AWAITING_APPROVAL


@pytest.fixture
def quick_flow(sandbox: Sandbox, redis_server: Any, redis_db: Any) -> Iterator[Flow]:
    """Retries and Jira's index lag in fractions of a second: the whole retry schedule runs in a few seconds."""
    quick = {**FAST_SETTINGS, "followthrough_retry_delays": "0.3,0.3,0.3", "followthrough_index_lag_window": "0.5"}
    with running_flow(sandbox, redis_server.url, policy=NORTHWIND_POLICY, **quick) as product:
        yield product


@pytest.mark.realtime
def test_an_execution_that_keeps_raising_fails_honestly_after_its_attempts(
    quick_flow: Flow, caplog: pytest.LogCaptureFixture
) -> None:
    """Jira answers the create with a login page (a proxy in the way): the job can't tell whether the issue was
    made. It tries again (looking before sending), then fails saying so, never "nothing was changed"."""
    flow = quick_flow
    sandbox = flow.sandbox
    driver = sandbox.slack.driver
    thread = start_thread(sandbox)
    ask(sandbox, thread)
    run_until(flow, lambda: any(is_card(m) for m in driver.thread("#support", thread)))
    card = next(m for m in driver.thread("#support", thread) if is_card(m))
    sandbox.jira.inject(r"/rest/api/\d/issue$", method="POST", status=200, body="<html>Sign in</html>", count=None)
    with caplog.at_level(logging.WARNING):
        assert driver.click("bob", card["channel"], card["ts"], action_ids.APPROVE).acked
        run_until(flow, lambda: any("couldn't finish" in message_text(m) for m in bot_replies(sandbox, thread)))
    (failed,) = flow.runtime.store.in_states((ProposalState.FAILED,))
    reply = next(message_text(m) for m in bot_replies(sandbox, thread) if "couldn't finish" in message_text(m))
    assert "Nothing was changed" not in reply
    assert "can't tell whether this went through" in reply, reply
    assert sum(1 for r in caplog.records if r.exc_info) <= 1, "one traceback at most, not one per attempt"
    assert any(failed.id in message_text(m) for m in driver.dm_messages("grace"))

    sandbox.jira.faults.clear()
    command(sandbox, "grace", f"retry {failed.id}")
    run_until(flow, lambda: proposal(flow.runtime.connection, failed.id).state is ProposalState.SUCCEEDED)
    created = [i for i in sandbox.jira.find_issues(project="PAY") if "Checkout fails" in i["fields"]["summary"]]
    assert len(created) == 1, "made once, whatever the login page said"
