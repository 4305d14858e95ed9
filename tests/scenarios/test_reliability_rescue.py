"""Work a dead process left behind is taken up again within seconds, whatever instant it died at."""

from __future__ import annotations

import datetime as dt
import time

from approvals.core.states import ProposalState
from approvals.flow.reaping import rescue_once
from bot import action_ids
from sandbox.slack.driver import message_text
from tests.e2e.helpers import ask, bot_replies, is_card, start_thread
from tests.flow import Flow


def test_an_execution_whose_worker_died_between_dequeue_and_start_is_queued_again(flow: Flow) -> None:
    """RQ moves a job from its queue to the worker's intermediate list, then marks it started. A worker killed in
    between leaves the job 'queued' in no queue: the reaper must not take that status at its word."""
    driver = flow.driver
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread)
    flow.settle()
    card = next(m for m in driver.thread("#support", thread) if is_card(m))
    assert driver.click("bob", card["channel"], card["ts"], action_ids.APPROVE).acked
    queue = flow.runtime.actions_queue
    deadline = time.monotonic() + 10
    while queue.count == 0:
        assert time.monotonic() < deadline, "the approval never queued its job"
        time.sleep(0.02)
    # What a worker does when it takes the job, and then it dies.
    flow.runtime.connection.lmove(queue.key, queue.intermediate_queue.key, "RIGHT", "LEFT")
    assert queue.count == 0

    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    flow.runtime.clock = lambda: later
    assert rescue_once(flow.runtime)["execute"] == 1
    flow.runtime.clock = lambda: dt.datetime.now(dt.UTC)
    flow.settle()
    (done,) = flow.runtime.store.in_states((ProposalState.SUCCEEDED,))
    assert len([m for m in bot_replies(flow.sandbox, thread) if "Created" in message_text(m)]) == 1
    assert len(flow.sandbox.jira.find_issues(project="PAY")) == 13
    assert done.id in message_text(card)
