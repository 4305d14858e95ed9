"""Clicks bound to their card (issue 16): a click counts only when it comes from one of the proposal's own messages.

Slack builds real payloads from stored messages; these tests forge one, as an attacker with a captured or replayed
payload could: the button's value names another proposal than the message it came from."""

from __future__ import annotations

from typing import Any

from approvals.core.states import ProposalState
from bot import action_ids
from tests.e2e.helpers import ask, buttons, is_card, proposal_id_of, start_thread
from tests.flow import Flow


def dm_cards(flow: Flow, user: str) -> list[dict[str, Any]]:
    return [m for m in flow.driver.dm_messages(user) if is_card(m)]


def button_value(card: dict[str, Any], action_id: str) -> str:
    (button,) = [b for b in buttons(card) if b.get("action_id") == action_id]
    return str(button["value"])


def two_waiting_for_bob(flow: Flow) -> tuple[dict[str, Any], dict[str, Any]]:
    first = start_thread(flow.sandbox)
    ask(flow.sandbox, first, "<@U0BOT0001> assign PAY-12 to Alice")
    second = start_thread(flow.sandbox, text="Payouts are stuck again.")
    ask(flow.sandbox, second, "<@U0BOT0001> assign PAY-10 to Sam Lee")
    flow.settle()
    cards = dm_cards(flow, "bob")
    assert len(cards) == 2, cards
    return cards[0], cards[1]


def test_an_approve_click_that_names_another_cards_proposal_is_refused_and_audited(flow: Flow) -> None:
    card_a, card_b = two_waiting_for_bob(flow)
    a, b = proposal_id_of(card_a), proposal_id_of(card_b)
    dm = card_a["channel"]

    # Bob "clicks" Approve on A's card, but the payload carries B's button value.
    flow.driver.forge_click(
        "bob", dm, card_a["ts"], action_ids.APPROVE, forged_value=button_value(card_b, action_ids.APPROVE)
    )
    flow.settle()

    store = flow.runtime.store
    assert store.get(a).state is ProposalState.AWAITING_APPROVAL
    assert store.get(b).state is ProposalState.AWAITING_APPROVAL, "B was not approved from A's card"
    events = [r.event for r in store.audit.for_proposal(b)]
    assert "click.suspicious" in events, events

    # The real click on B's own card still works.
    flow.driver.click("bob", dm, card_b["ts"], action_ids.APPROVE)
    flow.settle()
    assert store.get(b).state is not ProposalState.AWAITING_APPROVAL


def test_a_cancel_click_from_another_proposals_card_is_refused(flow: Flow) -> None:
    card_a, card_b = two_waiting_for_bob(flow)
    b = proposal_id_of(card_b)
    # Dana cancels "B" from the thread copy of A's card (the requester's view, with Cancel).
    a = flow.runtime.store.get(proposal_id_of(card_a))
    (a_thread,) = [ref for ref in a.cards if ref.audience == "thread"]
    a_card = next(m for m in flow.driver.thread(a_thread.channel, a.thread_ts) if m["ts"] == a_thread.ts)
    forged = button_value(card_b, action_ids.APPROVE)  # the same value format: proposal id and fingerprint
    flow.driver.forge_click("dana", a_thread.channel, a_card["ts"], action_ids.CANCEL, forged_value=forged)
    flow.settle()
    assert flow.runtime.store.get(b).state is ProposalState.AWAITING_APPROVAL
    assert "click.suspicious" in [r.event for r in flow.runtime.store.audit.for_proposal(b)]
