"""Rights are checked on every click, refusals are explained and audited, and they change nothing."""

from __future__ import annotations

import redis

from approvals.core.states import ProposalState
from sandbox.harness import Sandbox
from sandbox.slack.driver import message_text
from tests.e2e.helpers import (
    ask,
    audit_events,
    buttons,
    click,
    proposal,
    proposal_id_of,
    start_thread,
    wait_for_card,
)
from tests.flow import Flow


def test_the_requester_cannot_approve_their_own_request(flow: Flow, sandbox: Sandbox, redis_db: redis.Redis) -> None:
    """Bob is an eng lead, so he could approve anyone else's PAY bug, but not his own (four eyes)."""
    thread_ts = start_thread(sandbox, user="bob", channel="#support")
    ask(sandbox, thread_ts, user="bob")
    flow.settle()
    card = wait_for_card(sandbox, thread_ts)
    proposal_id = proposal_id_of(card)

    assert click(sandbox, "bob", card).acked
    flow.settle()
    refusal = sandbox.slack.driver.wait_for_ephemeral("bob", timeout=10)
    assert "someone else has to approve it" in message_text(refusal["message"])
    assert proposal(redis_db, proposal_id).state is ProposalState.AWAITING_APPROVAL
    assert buttons(sandbox.slack.driver.message(card["channel"], card["ts"])), "the card still waits for someone else"
    refused = [r for r in audit_events(redis_db, proposal_id) if r.event == "approve.refused"]
    assert len(refused) == 1 and refused[0].actor == "U0BOB0001"
    # Bob was not even asked in a DM; Carol, the other lead, was.
    assert not [m for m in sandbox.slack.driver.dm_messages("bob") if buttons(m)]
    assert [m for m in sandbox.slack.driver.dm_messages("carol") if buttons(m)]


def test_a_click_by_someone_who_may_not_approve_is_refused(flow: Flow, sandbox: Sandbox, redis_db: redis.Redis) -> None:
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    flow.settle()
    card = wait_for_card(sandbox, thread_ts)
    proposal_id = proposal_id_of(card)

    assert click(sandbox, "hank", card).acked  # Hank is in #support but is not an eng lead
    flow.settle()
    refusal = sandbox.slack.driver.wait_for_ephemeral("hank", timeout=10)
    assert "not an approver" in message_text(refusal["message"]) and "eng-leads" in message_text(refusal["message"])
    assert proposal(redis_db, proposal_id).state is ProposalState.AWAITING_APPROVAL
    refused = [r for r in audit_events(redis_db, proposal_id) if r.event == "approve.refused"]
    assert refused and refused[0].actor == "U0HANK001" and refused[0].data["code"] == "not_allowed"
    assert len(sandbox.jira.issues()) == 16


def test_a_requester_the_policy_does_not_allow_is_told_why(flow: Flow, sandbox: Sandbox) -> None:
    """Sales may not file Jira issues under the northwind policy: no card, a clear reason, an audit line."""
    thread_ts = start_thread(sandbox, user="erin", channel="#sales", text="The Acme portal is down for their admins.")
    ask(sandbox, thread_ts, user="erin", channel="#sales")
    flow.settle()
    reply = sandbox.slack.driver.wait_for_bot_message(
        channel="#sales", thread_ts=thread_ts, contains="can't do that", timeout=15
    )
    assert "not allowed to request jira.create_issue" in message_text(reply)
    assert not [m for m in sandbox.slack.driver.thread("#sales", thread_ts) if buttons(m)]
    assert len(sandbox.jira.issues()) == 16
