"""The Salesforce story, as a sales team lives it: "move the Acme renewal to Negotiation and set the amount to 120k"
with two Acme renewals -> a pick-list -> the choice -> a card with before -> after -> two managers approve -> the
opportunity is updated once -> Undo -> restored. And the record changing under an approval: the executor never
overwrites, the card comes back with the values Salesforce has now.

The bot's listeners and the jobs in process (tests/flow.py), over the sandbox's Slack, Salesforce and Redis.
"""

from __future__ import annotations

import re
from typing import Any

import redis
import requests

from approvals.core.actions import SalesforceUpdateOpportunity
from approvals.core.states import ProposalState
from bot import action_ids
from sandbox.harness import Sandbox
from sandbox.processes import wait_until
from sandbox.slack.driver import message_text
from tests.e2e.helpers import (
    audit_events,
    buttons,
    click,
    ephemeral_texts,
    proposal,
    proposal_id_of,
    wait_for_card_text,
)
from tests.flow import Flow

PLATFORM_RENEWAL = "0065g00000AcPlRAAV"
REQUEST = "@followthrough move the Acme renewal to Negotiation and set the amount to 120k"


def opportunity(sandbox: Sandbox, record_id: str = PLATFORM_RENEWAL) -> dict[str, Any]:
    found = sandbox.salesforce.record("Opportunity", record_id)
    assert found is not None
    return found


def edit_behind_our_back(sandbox: Sandbox, record_id: str, body: dict[str, Any]) -> None:
    """Someone changes the opportunity in Salesforce itself."""
    response = requests.patch(
        f"{sandbox.salesforce.base_url}/services/data/v59.0/sobjects/Opportunity/{record_id}",
        json=body,
        headers={"Authorization": f"Bearer {sandbox.seed.salesforce.access_token}"},
        timeout=5,
    )
    assert response.status_code == 204, response.text


def opportunity_writes(sandbox: Sandbox, record_id: str = PLATFORM_RENEWAL) -> list[Any]:
    return [
        r
        for r in sandbox.salesforce.requests.entries()
        if r.method == "PATCH" and r.path.endswith(f"/sobjects/Opportunity/{record_id}")
    ]


def message_in_thread(sandbox: Sandbox, thread_ts: str, needle: str, *, timeout: float = 15) -> dict[str, Any]:
    driver = sandbox.slack.driver
    cid = driver.channel_id("#sales")
    return driver.wait_for_message(
        lambda m: m["channel"] == cid and m.get("thread_ts") == thread_ts and needle in message_text(m),
        timeout=timeout,
    )


def dm_card(sandbox: Sandbox, user: str, proposal_id: str) -> dict[str, Any]:
    driver = sandbox.slack.driver
    return wait_until(
        lambda: [
            m
            for m in driver.dm_messages(user)
            if f"`{proposal_id}`" in message_text(m) and any(b["action_id"] == action_ids.APPROVE for b in buttons(m))
        ],
        timeout=15,
    )[-1]


def pick_platform_renewal(flow: Flow, sandbox: Sandbox, redis_db: redis.Redis) -> tuple[str, dict[str, Any]]:
    """Erin asks; the card asks which renewal; Erin picks the platform one. Returns the thread and the card."""
    driver = sandbox.slack.driver
    thread_ts = driver.post_message("erin", "#sales", "Acme came back on the renewal: they'll sign at 120k.")["ts"]
    driver.post_message("erin", "#sales", REQUEST, thread_ts=thread_ts)
    flow.settle()
    card = message_in_thread(sandbox, thread_ts, "2 opportunities match")
    select = next(
        e
        for block in card["blocks"]
        if block["type"] == "actions"
        for e in block["elements"]
        if e["type"] == "static_select"
    )
    assert [o["text"]["text"] for o in select["options"]] == [
        "Acme Corp - Platform Renewal",
        "Acme Corp - Support Renewal",
    ]
    assert select["options"][0]["description"]["text"].startswith("Proposal/Price Quote · $100,000 · owner Erin")
    waiting = proposal(redis_db, proposal_id_of(card))
    assert waiting.state is ProposalState.NEEDS_INFO and waiting.fingerprint

    assert driver.select("erin", card["channel"], card["ts"], action_ids.QUESTION_PICK, select["options"][0]["value"])
    flow.settle()
    card = wait_for_card_text(sandbox, card, "Update the opportunity Acme Corp - Platform Renewal")
    return thread_ts, card


def test_the_acme_renewal_pick_approve_update_once_undo_restore(
    flow: Flow, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    driver = sandbox.slack.driver
    thread_ts, card = pick_platform_renewal(flow, sandbox, redis_db)
    text = message_text(card)
    assert "Proposal/Price Quote → *Negotiation/Review*" in text
    assert "$100,000 → *$120,000* (+20%)" in text
    assert ":small_orange_diamond: *Amount*" in text, "the amount the policy tests is highlighted"
    assert "Acme Corp · owner Erin Walsh" in text
    pid = proposal_id_of(card)
    grounded = proposal(redis_db, pid)
    assert grounded.state is ProposalState.AWAITING_APPROVAL
    assert grounded.approvals_needed == 2, "over 100k: two sales managers"
    assert opportunity_writes(sandbox) == [], "nothing is written before approval"

    # Erin may not approve her own request; two managers do.
    assert click(sandbox, "erin", card).acked
    flow.settle()
    wait_until(lambda: any("someone else has to approve" in t for t in ephemeral_texts(sandbox, "erin")))
    for manager in ("frank", "kara"):
        assert click(sandbox, manager, dm_card(sandbox, manager, pid)).acked
        flow.settle()
    result = message_in_thread(sandbox, thread_ts, ":white_check_mark: Updated")
    assert "Platform Renewal>: stage Proposal/Price Quote → Negotiation/Review, amount $100,000 → $120,000" in (
        message_text(result)
    ), "the result shows money as the card does"
    assert proposal(redis_db, pid).state is ProposalState.SUCCEEDED
    record = opportunity(sandbox)
    assert (record["StageName"], float(record["Amount"])) == ("Negotiation/Review", 120000.0)
    assert len(opportunity_writes(sandbox)) == 1, "updated exactly once"
    undo_button = [b for b in buttons(result) if b["action_id"] == action_ids.UNDO]
    assert undo_button, "the result carries an Undo button"

    # Undo is a proposal of its own: it shows the way back, and the policy asks a manager.
    assert driver.click("erin", result["channel"], result["ts"], action_ids.UNDO).acked
    flow.settle()
    undo_card = message_in_thread(sandbox, thread_ts, "asks to undo Acme Corp - Platform Renewal")
    undo_text = message_text(undo_card)
    assert "Negotiation/Review → *Proposal/Price Quote*" in undo_text
    assert "$120,000 → *$100,000* (-17%)" in undo_text
    undo_id = re.findall(r"`(ft-[a-z0-9]{8})`", undo_text)[-1]  # the card's own id closes it
    assert proposal(redis_db, undo_id).undo_of == pid
    # A second click while the undo waits does not make a second undo.
    assert driver.click("erin", result["channel"], result["ts"], action_ids.UNDO).acked
    flow.settle()
    wait_until(lambda: any("Undo was already asked for" in t for t in ephemeral_texts(sandbox, "erin")))

    assert click(sandbox, "frank", dm_card(sandbox, "frank", undo_id)).acked
    flow.settle()
    message_in_thread(sandbox, thread_ts, "Undo of Acme Corp - Platform Renewal")
    record = opportunity(sandbox)
    assert (record["StageName"], float(record["Amount"])) == ("Proposal/Price Quote", 100000.0)
    assert len(opportunity_writes(sandbox)) == 2
    assert proposal(redis_db, undo_id).state is ProposalState.SUCCEEDED
    events = [r.event for r in audit_events(redis_db, pid)]
    assert "proposal.undo_requested" in events


def test_an_opportunity_changed_before_the_approval_lands_goes_back_for_approval(
    flow: Flow, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    thread_ts, card = pick_platform_renewal(flow, sandbox, redis_db)
    pid = proposal_id_of(card)
    # Kara approves first; then someone edits the deal in Salesforce; then Frank's approval completes the quorum.
    assert click(sandbox, "kara", dm_card(sandbox, "kara", pid)).acked
    flow.settle()
    wait_until(lambda: len(proposal(redis_db, pid).approvers_so_far) == 1)
    edit_behind_our_back(sandbox, PLATFORM_RENEWAL, {"Amount": 110000})
    theirs = len(opportunity_writes(sandbox))
    assert click(sandbox, "frank", dm_card(sandbox, "frank", pid)).acked
    flow.settle()

    note = message_in_thread(sandbox, thread_ts, "I did not overwrite it")
    assert "amount is now $110,000" in message_text(note)
    back = proposal(redis_db, pid)
    assert back.state is ProposalState.AWAITING_APPROVAL
    action = back.actions[0]
    assert isinstance(action, SalesforceUpdateOpportunity)
    assert action.before["amount"] == "110000", "the card shows what Salesforce has now"
    assert back.approvers_so_far == (), "approvals of the old values no longer count"
    card = wait_for_card_text(sandbox, card, "$110,000 → *$120,000*")
    assert len(opportunity_writes(sandbox)) == theirs, "nothing was overwritten"
    assert float(opportunity(sandbox)["Amount"]) == 110000.0

    for manager in ("kara", "frank"):
        assert click(sandbox, manager, dm_card(sandbox, manager, pid)).acked
        flow.settle()
    message_in_thread(sandbox, thread_ts, ":white_check_mark: Updated")
    record = opportunity(sandbox)
    assert (record["StageName"], float(record["Amount"])) == ("Negotiation/Review", 120000.0)
    assert len(opportunity_writes(sandbox)) == theirs + 1, "then updated once"
    assert "proposal.conflict" in [r.event for r in audit_events(redis_db, pid)]
