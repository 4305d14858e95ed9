"""Rights that depend on the record (issue 16), through the real Bolt app: Northwind's reps may change only their
own opportunities, a closed-won deal can't be changed from Slack, and a record whose owner changed between the
approval and the run is decided again instead of written."""

from __future__ import annotations

from approvals.core.states import ProposalState
from bot import action_ids
from sandbox.slack.driver import message_text
from tests.e2e.helpers import ask, bot_replies, is_card, proposal_id_of, start_thread
from tests.flow import Flow
from tests.scenarios.test_salesforce_story import PLATFORM_RENEWAL, edit_behind_our_back, opportunity

IVY_IN_SALESFORCE = "0055g00000IvyNkAAJ"


def ask_in_sales(flow: Flow, user: str, text: str) -> str:
    thread = start_thread(flow.sandbox, user=user, channel="#sales", text="Pipeline review.")
    ask(flow.sandbox, thread, f"<@U0BOT0001> {text}", user=user, channel="#sales")
    flow.settle()
    return thread


def test_a_rep_may_not_change_another_reps_deal(flow: Flow) -> None:
    thread = ask_in_sales(flow, "ivy", "move the acme platform renewal to negotiation")
    (reply,) = bot_replies(flow.sandbox, thread, channel="#sales")
    assert "only the opportunities you own" in message_text(reply), message_text(reply)
    assert opportunity(flow.sandbox)["StageName"] == "Proposal/Price Quote"


def test_a_closed_won_deal_cant_be_changed_even_by_its_owner(flow: Flow) -> None:
    thread = ask_in_sales(flow, "erin", "set the next step on the acme pilot to upsell the support tier")
    (reply,) = bot_replies(flow.sandbox, thread, channel="#sales")
    assert "closed-won deal can't be changed" in message_text(reply), message_text(reply)


def test_an_owner_change_after_approval_is_decided_again_not_written(flow: Flow) -> None:
    thread = ask_in_sales(flow, "erin", "move the acme platform renewal to negotiation")
    (card,) = [m for m in flow.driver.dm_messages("frank") if is_card(m)]
    proposal_id = proposal_id_of(card)
    assert flow.runtime.store.get(proposal_id).actions[0].facts["record.owner"] == "erin@northwind.example"

    edit_behind_our_back(flow.sandbox, PLATFORM_RENEWAL, {"OwnerId": IVY_IN_SALESFORCE})  # reassigned meanwhile
    flow.driver.click("frank", card["channel"], card["ts"], action_ids.APPROVE)
    flow.settle()

    proposal = flow.runtime.store.get(proposal_id)
    assert proposal.state is ProposalState.FAILED, proposal.state
    assert opportunity(flow.sandbox)["StageName"] == "Proposal/Price Quote", "nothing was written"
    said = " ".join(message_text(m) for m in flow.driver.thread("#sales", thread))
    assert "changed since it was approved" in said and "only the opportunities you own" in said, said
