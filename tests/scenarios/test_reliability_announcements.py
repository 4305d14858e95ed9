"""Every state that owes the thread a message is announced exactly once, even when the announcement fails at the
instant after the transition was recorded (here: Slack refuses that one post, as if the process had died there).

The transition is stored with its owed announcement in one transaction; the reaper makes what was left owed, and
a message already posted is found by its metadata, never posted twice. Success, failure, rejection, cancellation,
expiry, a dropped question, a policy denial and a question asked are each checked."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from approvals.core.states import ProposalState
from bot import action_ids
from sandbox.faults import Fault
from sandbox.harness import Sandbox
from sandbox.redis_server import RedisServer
from sandbox.slack.driver import message_text
from tests.conftest import FAST_SETTINGS, NORTHWIND_POLICY
from tests.e2e.helpers import ask, bot_replies, is_card, start_thread
from tests.flow import Flow, running_flow

POST_MESSAGE = r"/api/chat\.postMessage$"


def refuse_next_post(sandbox: Sandbox) -> Fault:
    """Slack refuses the next chat.postMessage (nothing is posted): the announcer fails right there."""
    return sandbox.slack.inject(POST_MESSAGE, method="POST", status=500, count=1)


def reap_owed(flow: Flow) -> dict[str, int]:
    """A reaper pass that treats every owed announcement as left behind (no grace period to wait out)."""
    flow.runtime.timing = dataclasses.replace(flow.runtime.timing, announce_grace=0.0)
    return flow.reap()


def replies(flow: Flow, thread: str, needle: str) -> list[str]:
    return [message_text(m) for m in bot_replies(flow.sandbox, thread) if needle in message_text(m)]


def run_until(flow: Flow, done: Callable[[], object], *, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the work did not finish in time"
        flow.settle()
        if not flow.run_scheduled(within=2):
            time.sleep(0.05)


def card_of(flow: Flow, thread: str) -> dict:
    run_until(flow, lambda: any(is_card(m) for m in flow.driver.thread("#support", thread)))
    return next(m for m in flow.driver.thread("#support", thread) if is_card(m))


def owed(flow: Flow) -> int:
    return int(flow.runtime.connection.hlen("ft:owed"))


def settle_tolerating_listener_errors(flow: Flow) -> None:
    """The bot's listener raised (Slack refused its post): Bolt logged it; the test goes on."""
    try:
        flow.settle()
    except AssertionError as exc:
        if "a listener raised" not in str(exc):
            raise


def test_success_is_told_once_after_the_result_post_failed(flow: Flow) -> None:
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread)
    card = card_of(flow, thread)
    refuse_next_post(flow.sandbox)
    assert flow.driver.click("bob", card["channel"], card["ts"], action_ids.APPROVE).acked
    flow.settle()
    (done,) = flow.runtime.store.in_states((ProposalState.SUCCEEDED,))
    assert not replies(flow, thread, "Created"), "not told yet"
    assert owed(flow) == 1

    assert reap_owed(flow)["announced"] == 1
    assert len(replies(flow, thread, "Created")) == 1
    assert owed(flow) == 0
    reap_owed(flow)
    assert len(replies(flow, thread, "Created")) == 1, "said once"
    assert "Done" in message_text(flow.driver.message(card["channel"], card["ts"]))
    assert done.id in message_text(card)


def test_failure_is_told_once_after_the_result_post_failed(flow: Flow) -> None:
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread)
    card = card_of(flow, thread)
    flow.sandbox.jira.inject(r"/rest/api/\d/issue$", method="POST", status=400, body={"errors": {"x": "bad"}})
    refuse_next_post(flow.sandbox)
    assert flow.driver.click("bob", card["channel"], card["ts"], action_ids.APPROVE).acked
    flow.settle()
    assert flow.runtime.store.in_states((ProposalState.FAILED,))
    assert not replies(flow, thread, "couldn't finish")

    reap_owed(flow)
    reap_owed(flow)
    assert len(replies(flow, thread, "couldn't finish")) == 1


def test_rejection_is_told_once_after_its_post_failed(flow: Flow) -> None:
    driver = flow.driver
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread)
    card = card_of(flow, thread)
    assert driver.click("carol", card["channel"], card["ts"], action_ids.REJECT).acked
    flow.settle()
    modal = driver.open_views("carol")[-1]
    refuse_next_post(flow.sandbox)
    assert driver.submit_view("carol", modal["id"], {"reason": "Duplicate of PAY-12"}).ok
    settle_tolerating_listener_errors(flow)
    assert flow.runtime.store.in_states((ProposalState.REJECTED,))
    assert not replies(flow, thread, "rejected this")

    reap_owed(flow)
    reap_owed(flow)
    said = replies(flow, thread, "rejected this")
    assert len(said) == 1 and "Duplicate of PAY-12" in said[0] and "<@U0CAROL01>" in said[0]


def test_cancellation_is_told_once_after_its_post_failed(flow: Flow) -> None:
    driver = flow.driver
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread)
    card = card_of(flow, thread)
    refuse_next_post(flow.sandbox)
    assert driver.click("dana", card["channel"], card["ts"], action_ids.CANCEL).acked
    settle_tolerating_listener_errors(flow)
    assert flow.runtime.store.in_states((ProposalState.CANCELLED,))

    reap_owed(flow)
    reap_owed(flow)
    assert len(replies(flow, thread, "cancelled this request")) == 1


def test_expiry_is_told_once_after_its_post_failed(flow: Flow) -> None:
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread)
    card_of(flow, thread)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=4)
    flow.runtime.clock = lambda: later  # the approval window (3 days) is over
    refuse_next_post(flow.sandbox)
    assert reap_owed(flow)["expired"] == 0, "expired and recorded, but not told: Slack refused the post"
    assert flow.runtime.store.in_states((ProposalState.EXPIRED,))
    assert not replies(flow, thread, "expired")

    reap_owed(flow)
    reap_owed(flow)
    said = replies(flow, thread, "nobody approved this in time")
    assert len(said) == 1 and "nothing was changed" in said[0]


def test_a_dropped_question_is_told_once_after_its_post_failed(flow: Flow) -> None:
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread, "@followthrough do the thing with the stuff")
    card_of(flow, thread)
    (unread,) = flow.runtime.store.in_states((ProposalState.NEEDS_INFO,))
    refuse_next_post(flow.sandbox)
    ask(flow.sandbox, thread, "@followthrough file this as a bug in PAY, assign Alice")
    run_until(flow, lambda: flow.runtime.store.in_states((ProposalState.AWAITING_APPROVAL,)))
    assert flow.runtime.store.get(unread.id).state is ProposalState.CANCELLED

    reap_owed(flow)
    reap_owed(flow)
    assert len(replies(flow, thread, "a newer request replaced it")) == 1


def test_a_question_is_shown_once_after_its_card_post_failed(flow: Flow) -> None:
    thread = start_thread(flow.sandbox)
    refuse_next_post(flow.sandbox)  # the question's card: intake fails at the post and is tried again
    ask(flow.sandbox, thread, "@followthrough file a bug for this, assign to Alice")
    run_until(flow, lambda: any(is_card(m) for m in flow.driver.thread("#support", thread)))
    reap_owed(flow)
    flow.settle()
    cards = [m for m in flow.driver.thread("#support", thread) if is_card(m)]
    assert len(cards) == 1 and "project" in message_text(cards[0]).lower()
    assert owed(flow) == 0


@pytest.fixture
def editable_policy_flow(
    sandbox: Sandbox, redis_server: RedisServer, redis_db: object, tmp_path: Path
) -> tuple[Flow, Path]:
    policy = tmp_path / "policy.yml"
    policy.write_text(NORTHWIND_POLICY.read_text())
    with running_flow(sandbox, redis_server.url, policy=policy, **FAST_SETTINGS) as flow:
        yield flow, policy


def test_a_denial_by_a_new_policy_is_told_once_after_its_post_failed(editable_policy_flow: tuple[Flow, Path]) -> None:
    flow, policy = editable_policy_flow
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread)
    card_of(flow, thread)
    policy.write_text(
        policy.read_text().replace(
            """      - name: payments and operations issues
        when: ["project in [PAY, OPS]"]
        approve: {by: [eng-leads], expires_after: 3d}
""",
            "",
        )
    )
    flow.runtime.policy.reload()
    refuse_next_post(flow.sandbox)
    assert reap_owed(flow)["reevaluated"] == 0, "denied and recorded, but not told: Slack refused the post"
    assert flow.runtime.store.in_states((ProposalState.DENIED,))

    reap_owed(flow)
    reap_owed(flow)
    said = replies(flow, thread, "no longer allows this")
    assert len(said) == 1 and "Only PAY and OPS issues" in said[0]
