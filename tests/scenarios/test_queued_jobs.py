"""Queued jobs are named by dotted path (approvals.flow.queueing): every path resolves, and a job an earlier version
queued under a path since renamed still runs after a deploy."""

from __future__ import annotations

import time

from rq.utils import import_attribute

from approvals.flow.queueing import ENTRY_POINTS, INTAKE, RENAMED
from tests.e2e.helpers import ask, is_card, start_thread
from tests.flow import Flow


def test_every_entry_point_and_every_old_name_resolves_to_a_job() -> None:
    for path in ENTRY_POINTS:
        assert callable(import_attribute(path)), path
    assert set(RENAMED.values()) <= set(ENTRY_POINTS)
    assert not set(RENAMED) & set(ENTRY_POINTS), "an old name must not shadow a current one"


def test_an_intake_queued_under_its_old_name_before_a_deploy_still_becomes_a_card(flow: Flow) -> None:
    sandbox, queue = flow.sandbox, flow.runtime.intake_queue
    thread = start_thread(sandbox)
    ask(sandbox, thread)
    deadline = time.monotonic() + 10
    while not queue.count:
        assert time.monotonic() < deadline, "the listener queued no intake"
        time.sleep(0.02)
    (queued,) = queue.get_jobs()
    assert queued.func_name == INTAKE
    request_key = queued.args[0]
    queue.empty()
    # What the version before the restructure left in Redis: the same job under approvals.jobs.intake.
    queue.enqueue("approvals.jobs.intake", request_key, job_id=f"intake-{request_key}-1")

    flow.settle()

    cards = [m for m in flow.driver.thread("#support", thread) if is_card(m)]
    assert len(cards) == 1
