"""The walking skeleton's story, end to end: Slack thread -> card -> approval -> one Jira issue -> reply.

Everything is real: the bot process runs Bolt's SocketModeHandler against the sandbox's Slack over WebSocket,
an RQ worker process executes the job with the `jira` library against the Jira emulator, Redis is a real server.
The other clicks on the card (Reject, a double click, two approvers racing) are tests/scenarios/test_story.py.
"""

from __future__ import annotations

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
