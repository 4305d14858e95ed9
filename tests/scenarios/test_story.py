"""The walking skeleton's card, clicked as people do: Reject with a reason, Reject by someone who may not, a double
click and two approvers racing. In process (tests/flow.py): the story itself, with every process real, is
tests/e2e/test_story.py."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis

from approvals.core.states import ProposalState
from bot import action_ids
from sandbox.harness import Sandbox
from sandbox.processes import wait_until
from sandbox.slack.driver import message_text
from tests.e2e.helpers import (
    ask,
    audit_events,
    bot_replies,
    buttons,
    click,
    proposal,
    proposal_id_of,
    start_thread,
    wait_for_card,
    wait_for_card_text,
)
from tests.flow import Flow


def test_reject_asks_for_a_reason_and_creates_nothing(flow: Flow, sandbox: Sandbox, redis_db: redis.Redis) -> None:
    driver = sandbox.slack.driver
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    flow.settle()
    card = wait_for_card(sandbox, thread_ts)

    assert click(sandbox, "carol", card, action_ids.REJECT).acked
    flow.settle()
    modal = wait_until(lambda: driver.open_views("carol"), message="the reject form did not open")[-1]
    assert modal["callback_id"] == action_ids.REJECT_VIEW
    result = driver.submit_view("carol", modal["id"], {"reason": "Duplicate of PAY-12"})
    assert result.ok, result
    flow.settle()
    final = wait_for_card_text(sandbox, card, "Rejected by <@U0CAROL01>: Duplicate of PAY-12")
    assert not buttons(final)
    wait_until(lambda: any("Duplicate of PAY-12" in message_text(m) for m in bot_replies(sandbox, thread_ts)))
    stored = proposal(redis_db, proposal_id_of(card))
    assert stored.state is ProposalState.REJECTED
    assert stored.rejection is not None and stored.rejection.reason == "Duplicate of PAY-12"
    assert len(sandbox.jira.issues()) == 16, "nothing was created"


def test_someone_who_may_not_reject_gets_no_form(flow: Flow, sandbox: Sandbox) -> None:
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    flow.settle()
    card = wait_for_card(sandbox, thread_ts)
    assert click(sandbox, "hank", card, action_ids.REJECT).acked
    flow.settle()
    refusal = sandbox.slack.driver.wait_for_ephemeral("hank", timeout=10)
    assert "Only an approver can reject" in message_text(refusal["message"])
    assert sandbox.slack.driver.open_views("hank") == []


def _click_together(sandbox: Sandbox, card: dict[str, Any], users: list[str]) -> list[Any]:
    """Fire one click per user at the same instant: every payload is built from the card before any refresh."""
    barrier = threading.Barrier(len(users))

    def one(user: str) -> Any:
        barrier.wait()
        return click(sandbox, user, card)

    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        return list(pool.map(one, users))


def test_a_double_click_approves_once_and_says_so(flow: Flow, sandbox: Sandbox, redis_db: redis.Redis) -> None:
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    flow.settle()
    card = wait_for_card(sandbox, thread_ts)

    results = _click_together(sandbox, card, ["bob", "bob"])
    assert all(r.acked for r in results)
    flow.settle()
    wait_for_card_text(sandbox, card, "Done")
    refusal = sandbox.slack.driver.wait_for_ephemeral("bob", timeout=10)
    assert "already approved" in message_text(refusal["message"])
    proposal_id = proposal_id_of(card)
    approvals = [r for r in audit_events(redis_db, proposal_id) if r.event == "proposal.approved"]
    refused = [r for r in audit_events(redis_db, proposal_id) if r.event == "approve.refused"]
    assert len(approvals) == 1 and len(refused) == 1 and refused[0].actor == "U0BOB0001"
    assert len(sandbox.jira.issues()) == 17, "exactly one issue"
    # The decided card cannot be clicked again: the driver finds no button, as a Slack user would.
    with pytest.raises(Exception, match="ft_approve"):
        click(sandbox, "carol", card)


def test_two_approvers_racing_one_wins(flow: Flow, sandbox: Sandbox, redis_db: redis.Redis) -> None:
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    flow.settle()
    card = wait_for_card(sandbox, thread_ts)

    _click_together(sandbox, card, ["bob", "carol"])
    flow.settle()
    final = wait_for_card_text(sandbox, card, "Done")
    proposal_id = proposal_id_of(card)
    approvals = [r for r in audit_events(redis_db, proposal_id) if r.event == "proposal.approved"]
    assert len(approvals) == 1
    winner = approvals[0].actor
    loser = "carol" if winner == "U0BOB0001" else "bob"
    assert f"<@{winner}>" in message_text(final)
    refusal = sandbox.slack.driver.wait_for_ephemeral(loser, timeout=10)
    assert "already approved" in message_text(refusal["message"])
    assert len(sandbox.jira.issues()) == 17
