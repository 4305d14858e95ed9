"""Questions about records (issue 14), through the real Bolt app: answered in the thread with live values and a
link, permission-checked by the policy's `reads:`, audited; nothing is proposed or changed."""

from __future__ import annotations

from approvals.core.states import ProposalState
from sandbox.slack.driver import message_text
from tests.e2e.helpers import ask, bot_replies, start_thread
from tests.flow import Flow


def test_the_status_of_an_issue_is_read_live_and_linked(flow: Flow) -> None:
    flow.sandbox.jira.transition_issue("PAY-9", "In Progress")
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread, "<@U0BOT0001> what's the status of PAY-9?")
    flow.settle()
    (reply,) = bot_replies(flow.sandbox, thread)
    text = message_text(reply)
    assert "*PAY-9* Let admins export payouts as CSV: *In Progress*" in text, text
    assert "assigned to Bob Okafor" in text and "/browse/PAY-9|Open in Jira>" in text, text
    assert flow.runtime.store.in_states(tuple(ProposalState)) == [], "nothing proposed"
    (entry,) = [r for r in flow.runtime.store.audit.recent(count=10) if r.event == "read.answered"]
    assert entry.actor == "U0DANA001" and entry.data["issue"] == "PAY-9" and entry.data["status"] == "In Progress"


def test_a_deal_is_read_only_by_those_the_policy_lets_see_salesforce(flow: Flow) -> None:
    thread = start_thread(flow.sandbox, user="erin", channel="#sales", text="Acme asked about the renewal.")
    ask(flow.sandbox, thread, "<@U0BOT0001> what's the Acme renewal at?", user="erin", channel="#sales")
    flow.settle()
    (choose,) = bot_replies(flow.sandbox, thread, channel="#sales")
    assert "Acme Corp - Platform Renewal" in message_text(choose), "two renewals: both are named"
    ask(flow.sandbox, thread, "<@U0BOT0001> what's the acme platform renewal at?", user="erin", channel="#sales")
    flow.settle()
    reply = bot_replies(flow.sandbox, thread, channel="#sales")[-1]
    text = message_text(reply)
    assert "Acme Corp - Platform Renewal" in text and "owner Erin Walsh" in text and "Open in Salesforce" in text, text

    # Alice is an engineer: Northwind's policy lets sales, support and admins read Salesforce, not her.
    other = start_thread(flow.sandbox, user="alice", channel="#support", text="Is the Acme renewal safe?")
    ask(flow.sandbox, other, "<@U0BOT0001> what's the Acme renewal at?", user="alice")
    flow.settle()
    (refusal,) = bot_replies(flow.sandbox, other)
    said = message_text(refusal)
    assert "You can't ask me about Salesforce records" in said, said
    assert "Platform Renewal" not in said and "$" not in said


def test_what_do_i_owe_lists_open_follow_ups(flow: Flow) -> None:
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread, "<@U0BOT0001> follow up on PAY-9 on Friday")
    flow.settle()
    other = start_thread(flow.sandbox, user="bob", text="Checking my list.")
    ask(flow.sandbox, other, "<@U0BOT0001> what do I owe?", user="bob")
    flow.settle()
    (reply,) = bot_replies(flow.sandbox, other)
    text = message_text(reply)
    assert "You owe 1 follow-up" in text and "PAY-9" in text, text
