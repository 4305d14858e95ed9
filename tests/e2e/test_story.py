"""The walking skeleton's story, end to end: Slack thread -> card -> approval -> one Jira issue -> reply.

Everything is real: the bot process runs Bolt's SocketModeHandler against the sandbox's Slack over WebSocket,
an RQ worker process executes the job with the `jira` library against the Jira emulator, Redis is a real server.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

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
    ephemeral_texts,
    proposal,
    proposal_id_of,
    start_thread,
    wait_for_card,
    wait_for_card_text,
)

pytestmark = pytest.mark.slow


def test_a_thread_becomes_one_approved_jira_issue(product: Product, sandbox: Sandbox, redis_db: redis.Redis) -> None:
    driver = sandbox.slack.driver
    thread_ts = start_thread(sandbox)
    request_ts = ask(sandbox, thread_ts)

    card = wait_for_card(sandbox, thread_ts)
    text = message_text(card)
    for expected in ("Create a Jira bug in PAY", "Checkout fails on Safari", "<@U0ALICE01>", "High", "<@U0DANA001>"):
        assert expected in text, f"{expected!r} missing from the card:\n{text}"
    assert "Waiting for approval from" in text and "(0 of 1)" in text
    assert "card form never loads" in text, "the description quotes the thread"
    assert [b["action_id"] for b in buttons(card)] == [
        action_ids.APPROVE,
        action_ids.REJECT,
        action_ids.EDIT,
        action_ids.CANCEL,
    ]
    assert any(r["name"] == "eyes" for r in driver.reactions("#support", request_ts)), "the request is acknowledged"

    # The approvers (eng-leads: Bob and Carol) get the card in a DM, linking back to the thread.
    for approver in ("bob", "carol"):
        dm_cards = wait_until(lambda a=approver: [m for m in driver.dm_messages(a) if buttons(m)])
        assert len(dm_cards) == 1, f"{approver} should have exactly one card in their DM"
        assert "asks for your approval" in message_text(dm_cards[0])
    assert not [m for m in driver.dm_messages("dana") if buttons(m)], "the requester is not asked to approve"

    result = click(sandbox, "bob", card)
    assert result.acked, result

    link = f"<{sandbox.jira.base_url}/browse/PAY-13|PAY-13>"
    reply = driver.wait_for_bot_message(channel="#support", thread_ts=thread_ts, contains="Created", timeout=15)
    assert f"Created {link}: Checkout fails on Safari (assignee Alice Chen, priority High)" in message_text(reply)

    final = wait_for_card_text(sandbox, card, "Done")
    assert not buttons(final), "a decided card has no buttons"
    assert "<@U0BOB0001>" in message_text(final)
    for approver in ("bob", "carol"):
        dm_card = wait_until(
            lambda a=approver: [
                m for m in driver.dm_messages(a) if "`ft-" in message_text(m) and "Done" in message_text(m)
            ],
            message=f"{approver}'s copy of the card never showed the final state",
        )[0]
        assert not buttons(dm_card), "every copy of the card is updated"

    proposal_id = proposal_id_of(card)
    stored = proposal(redis_db, proposal_id)
    assert stored.state is ProposalState.SUCCEEDED
    label = f"followthrough-{action_id(proposal_id, 0, stored.fingerprint)}"
    issues = sandbox.jira.find_issues(label=label)
    assert len(issues) == 1, "exactly one issue carries this proposal's label"
    fields = issues[0]["fields"]
    assert issues[0]["key"] == "PAY-13"
    assert fields["summary"] == "Checkout fails on Safari"
    assert fields["issuetype"]["name"] == "Bug" and fields["priority"]["name"] == "High"
    assert fields["assignee"]["accountId"] == "712020:0d1a6e2c-alice"
    assert "card form never loads" in fields["description"]
    links = sandbox.jira.remote_links("PAY-13")
    assert [link["object"]["url"] for link in links] == [stored.permalink], "the issue links back to the thread"
    assert len(sandbox.jira.issues()) == 17, "one issue was added to the 16 of the seed"

    events = [record.event for record in audit_events(redis_db, proposal_id)]
    for expected in (
        "proposal.created",
        "proposal.awaiting_approval",
        "proposal.shown",
        "proposal.approved",
        "proposal.executing",
        "action.done",
        "proposal.succeeded",
    ):
        assert expected in events, f"{expected} missing from the audit: {events}"
    created = audit_events(redis_db, proposal_id)[0]
    assert created.actor == "U0DANA001" and created.data["extractor"] == "offline-parser"
    assert created.data["policy"]["rule"].startswith("rule 2"), "the PAY rule of the northwind policy applied"
    assert any("card form never loads" in m["text"] for m in created.data["read"]), "the audit keeps what was read"
    approved = next(r for r in audit_events(redis_db, proposal_id) if r.event == "proposal.approved")
    assert approved.actor == "U0BOB0001"
    assert ephemeral_texts(sandbox, "bob") == [], "a successful click needs no ephemeral explanation"


def test_reject_asks_for_a_reason_and_creates_nothing(
    product: Product, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    driver = sandbox.slack.driver
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    card = wait_for_card(sandbox, thread_ts)

    assert click(sandbox, "carol", card, action_ids.REJECT).acked
    modal = wait_until(lambda: driver.open_views("carol"), message="the reject form did not open")[-1]
    assert modal["callback_id"] == action_ids.REJECT_VIEW
    result = driver.submit_view("carol", modal["id"], {"reason": "Duplicate of PAY-12"})
    assert result.ok, result
    final = wait_for_card_text(sandbox, card, "Rejected by <@U0CAROL01>: Duplicate of PAY-12")
    assert not buttons(final)
    wait_until(lambda: any("Duplicate of PAY-12" in message_text(m) for m in bot_replies(sandbox, thread_ts)))
    stored = proposal(redis_db, proposal_id_of(card))
    assert stored.state is ProposalState.REJECTED
    assert stored.rejection is not None and stored.rejection.reason == "Duplicate of PAY-12"
    assert len(sandbox.jira.issues()) == 16, "nothing was created"


def test_someone_who_may_not_reject_gets_no_form(product: Product, sandbox: Sandbox) -> None:
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    card = wait_for_card(sandbox, thread_ts)
    assert click(sandbox, "hank", card, action_ids.REJECT).acked
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


def test_a_double_click_approves_once_and_says_so(product: Product, sandbox: Sandbox, redis_db: redis.Redis) -> None:
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    card = wait_for_card(sandbox, thread_ts)

    results = _click_together(sandbox, card, ["bob", "bob"])
    assert all(r.acked for r in results)
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


def test_two_approvers_racing_one_wins(product: Product, sandbox: Sandbox, redis_db: redis.Redis) -> None:
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    card = wait_for_card(sandbox, thread_ts)

    _click_together(sandbox, card, ["bob", "carol"])
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
