"""What a new user hits in the first hour: requests from a DM, the description of a new issue, what `pending` says."""

from __future__ import annotations

from typing import Any

from approvals.core.states import ProposalState
from bot import action_ids
from sandbox.blockkit import interactive_elements
from sandbox.slack.driver import message_text
from tests.e2e.helpers import ask, command, is_card, start_thread
from tests.flow import Flow


def cards_in_dm(flow: Flow, user: str) -> list[dict[str, Any]]:
    return [m for m in flow.driver.dm_messages(user) if is_card(m)]


def test_a_request_made_in_a_dm_says_so_to_approvers_and_links_only_where_they_can_follow(flow: Flow) -> None:
    driver = flow.driver
    dm = driver.dm_channel("dana")
    driver.post_message("dana", dm, "create a bug in PAY: Checkout fails on Safari, assign to Alice, priority high")
    flow.settle()

    (card,) = cards_in_dm(flow, "bob")
    text = message_text(card)
    assert "asked in a direct message" in text, text
    assert "<#D" not in text and dm not in text, "a DM's id shows as a channel nobody else can open"
    assert "archives/" not in text, "no link into Dana's DM, which Bob cannot open"

    waiting = command(flow.sandbox, "bob", "pending")
    assert "a direct message" in waiting and "archives/" not in waiting

    for user, can_open in (("bob", False), ("dana", True)):
        driver.open_app_home(user)
        flow.settle()
        home = driver.home_view(user)
        assert home is not None
        opens = [e for e in interactive_elements(home["blocks"]) if e["element"].get("url")]
        assert bool(opens) is can_open, (user, opens)
        assert "<#D" not in message_text({"blocks": home["blocks"]})


def test_a_request_in_a_channel_links_its_thread_with_a_short_text(flow: Flow) -> None:
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread)
    flow.settle()
    (card,) = cards_in_dm(flow, "bob")
    section = card["blocks"][0]["text"]["text"]
    assert "<#C0SUPPORT>" in section and "|view thread>" in section, section


def test_the_new_issue_quotes_the_people_not_the_bot_conversation(flow: Flow) -> None:
    sandbox = flow.sandbox
    driver = flow.driver
    thread = start_thread(sandbox)  # Dana: checkout fails on Safari...
    driver.post_message(
        "hank", "#support", "Seeing it too: three tickets from Safari users since 9am.", thread_ts=thread
    )
    # An earlier request to the bot in the same thread, and the bot's card for it.
    ask(sandbox, thread, "@followthrough assign PAY-12 to Bob")
    flow.settle()
    assert any(is_card(m) for m in driver.thread("#support", thread)), "the bot answered the first request"
    driver.post_message("dana", "#support", "ok, let's file it", thread_ts=thread)
    ask(sandbox, thread, "@followthrough file this as a bug in PAY, assign Alice")
    flow.settle()
    (waiting,) = [
        p
        for p in flow.runtime.store.in_states((ProposalState.AWAITING_APPROVAL,))
        if p.actions[0].kind == "jira.create_issue"
    ]
    description = waiting.actions[0].description  # type: ignore[union-attr]
    for said in ("Dana Reyes: Customers say checkout fails on Safari", "Hank Patel: Seeing it too", "let's file it"):
        assert said in description, description
    for bot_traffic in ("PAY-12", "file this", "Followthrough", "Waiting for approval", "Assign"):
        assert bot_traffic not in description, description


def test_a_new_mention_replaces_a_request_the_bot_could_not_read(flow: Flow) -> None:
    sandbox = flow.sandbox
    thread = start_thread(sandbox)
    ask(sandbox, thread, "@followthrough do the thing with the stuff")
    flow.settle()
    (unread,) = flow.runtime.store.in_states((ProposalState.NEEDS_INFO,))
    ask(sandbox, thread, "@followthrough file this as a bug in PAY, assign Alice")
    flow.settle()
    assert flow.runtime.store.get(unread.id).state is ProposalState.CANCELLED
    (filed,) = flow.runtime.store.in_states((ProposalState.AWAITING_APPROVAL,))
    assert filed.actions[0].kind == "jira.create_issue"


def test_the_message_shortcut_on_a_plain_report_offers_what_it_can_become(flow: Flow) -> None:
    driver = flow.driver
    report = driver.post_message("dana", "#support", "Checkout fails on Safari 17 since this morning's deploy")
    result = driver.message_shortcut("hank", "#support", report["ts"], action_ids.MESSAGE_SHORTCUT)
    assert result.acked
    flow.settle()
    card = next(m for m in driver.thread("#support", report["ts"]) if is_card(m))
    text = message_text(card)
    assert "What should I do with this message?" in text and "I can't tell" not in text
    select = next(e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"] if "options" in e)
    labels = [o["text"]["text"] for o in select["options"]]
    assert "File it as a bug in PAY" in labels and "File it as a task in OPS" in labels, labels

    bug_in_pay = select["options"][labels.index("File it as a bug in PAY")]["value"]
    assert driver.select("hank", card["channel"], card["ts"], action_ids.QUESTION_PICK, bug_in_pay).acked
    flow.settle()
    (filed,) = flow.runtime.store.in_states((ProposalState.AWAITING_APPROVAL,))
    action = filed.actions[0]
    assert action.kind == "jira.create_issue" and action.project == "PAY" and action.issue_type == "Bug"
    assert action.summary == "Checkout fails on Safari 17 since this morning's deploy"
    assert "Checkout fails on Safari 17" in (action.description or "")
    assert filed.requester == driver.user_id("hank")


def test_the_message_shortcut_offers_a_comment_on_an_issue_the_message_names(flow: Flow) -> None:
    driver = flow.driver
    note = driver.post_message("dana", "#support", "customer says PAY-12 also breaks on Firefox")
    driver.message_shortcut("hank", "#support", note["ts"], action_ids.MESSAGE_SHORTCUT)
    flow.settle()
    card = next(m for m in driver.thread("#support", note["ts"]) if is_card(m))
    assert "Add it as a comment on PAY-12" in message_text(card)


def test_pending_shows_what_waits_on_you_and_what_you_wait_on_separately(flow: Flow) -> None:
    sandbox = flow.sandbox
    ask(sandbox, start_thread(sandbox))  # a complete request: it waits for Bob or Carol
    ask(sandbox, start_thread(sandbox), "@followthrough file a bug for this")  # which project? waits for Dana
    flow.settle()
    waiting_on_dana, dana_waits_on = command(sandbox, "dana", "pending").split("*You are waiting on*")
    assert "Waiting for you" in waiting_on_dana and "Waiting for <@U0DANA001> to answer" in waiting_on_dana
    assert "Checkout fails on Safari" in dana_waits_on and "Waiting for approval from" in dana_waits_on
    assert "Nothing right now" not in dana_waits_on

    waiting_on_bob, bob_waits_on = command(sandbox, "bob", "pending").split("*You are waiting on*")
    assert "Checkout fails on Safari" in waiting_on_bob
    assert "no requests" in bob_waits_on
