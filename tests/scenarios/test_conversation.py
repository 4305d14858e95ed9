"""Requests as people actually send them: in a DM, unclear, or missing something. Ask, don't guess.

In process (tests/flow.py); a question waiting through restarts and kills of the processes is
tests/e2e/test_conversation.py."""

from __future__ import annotations

import redis

from approvals.core.states import ProposalState
from bot import action_ids
from sandbox.harness import Sandbox
from sandbox.processes import wait_until
from sandbox.slack.driver import message_text
from tests.e2e.helpers import (
    approve_buttons,
    audit_events,
    buttons,
    click,
    ephemeral_texts,
    proposal,
    proposal_id_of,
    question_card,
    wait_for_card_text,
)
from tests.flow import Flow


def test_a_request_in_a_direct_message_becomes_a_card_there(
    flow: Flow, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    driver = sandbox.slack.driver
    dm = driver.dm_channel("dana")
    request = driver.post_message("dana", dm, "file a bug in PAY: Refund button does nothing on iOS, priority low")
    flow.settle()
    card = driver.wait_for_message(
        lambda m: m["channel"] == dm and m.get("thread_ts") == request["ts"] and "`ft-" in message_text(m), timeout=15
    )
    assert "Refund button does nothing on iOS" in message_text(card)
    assert buttons(card), "the requester sees the card with the decision buttons in the DM"
    bob_copy = wait_until(lambda: [m for m in driver.dm_messages("bob") if buttons(m)])[0]
    assert click(sandbox, "bob", bob_copy).acked
    flow.settle()
    wait_for_card_text(sandbox, card, "Done")
    assert proposal(redis_db, proposal_id_of(card)).state is ProposalState.SUCCEEDED
    assert [i["fields"]["summary"] for i in sandbox.jira.issues()][-1] == "Refund button does nothing on iOS"


def test_a_request_it_cannot_read_gets_a_reply_with_an_example(flow: Flow, sandbox: Sandbox) -> None:
    driver = sandbox.slack.driver
    thread_ts = driver.post_message("dana", "#support", "Checkout is flaky again.")["ts"]
    driver.post_message("dana", "#support", "@followthrough what do you think about this?", thread_ts=thread_ts)
    flow.settle()
    reply = driver.wait_for_bot_message(channel="#support", thread_ts=thread_ts, timeout=15)
    text = message_text(reply)
    assert "<@U0DANA001>" in text and "I can't answer that one" in text
    assert "move PAY-12 to Done" in text and "what's the status of PAY-12?" in text, "it shows what it can do"
    assert len(sandbox.jira.issues()) == 16


def test_a_missing_project_is_asked_for_never_guessed_and_the_reply_continues_the_request(
    flow: Flow, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    driver = sandbox.slack.driver
    thread_ts = driver.post_message("dana", "#support", "Invoices render blank in Firefox.")["ts"]
    driver.post_message("dana", "#support", "@followthrough create a bug: Invoices render blank", thread_ts=thread_ts)
    flow.settle()
    card = question_card(sandbox, thread_ts, "Which Jira project")
    text = message_text(card)
    assert "OPS" in text and "PAY" in text
    assert not approve_buttons(card), "nothing to approve before the project is known"
    pending = proposal(redis_db, proposal_id_of(card))
    assert pending.state is ProposalState.NEEDS_INFO and pending.actions == ()
    assert len(sandbox.jira.issues()) == 16

    # The answer typed in the thread continues the same proposal: same id, same card, now with the project.
    driver.post_message("dana", "#support", "PAY", thread_ts=thread_ts)
    flow.settle()
    card = wait_for_card_text(sandbox, card, "Create a Jira bug in PAY")
    assert approve_buttons(card)
    assert proposal_id_of(card) == pending.id
    waiting = proposal(redis_db, pending.id)
    assert waiting.state is ProposalState.AWAITING_APPROVAL
    assert waiting.actions[0].project == "PAY"  # type: ignore[union-attr]
    events = [r.event for r in audit_events(redis_db, pending.id)]
    assert events[:3] == ["proposal.created", "proposal.question_asked", "proposal.shown"]
    assert {"proposal.answered", "proposal.grounded"} <= set(events)

    bob_copy = wait_until(lambda: [m for m in driver.dm_messages("bob") if approve_buttons(m)])[0]
    assert click(sandbox, "bob", bob_copy).acked
    flow.settle()
    wait_for_card_text(sandbox, card, "Done")
    assert [i["fields"]["summary"] for i in sandbox.jira.issues()][-1] == "Invoices render blank"


def test_an_ambiguous_person_is_a_pick_list_and_only_the_requester_may_answer(
    flow: Flow, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    driver = sandbox.slack.driver
    thread_ts = driver.post_message("dana", "#support", "Payouts export times out.")["ts"]
    driver.post_message(
        "dana",
        "#support",
        "@followthrough create a bug in PAY: Payouts export times out, assign to Sam",
        thread_ts=thread_ts,
    )
    flow.settle()
    card = question_card(sandbox, thread_ts, "could be")
    text = message_text(card)
    assert "<@U0SAMLEE1>" in text and "<@U0SAMTOR1>" in text, "both Sams are named"
    assert not approve_buttons(card)
    choices = [b for b in buttons(card) if b["action_id"].startswith(action_ids.QUESTION_BUTTON)]
    assert [b["text"]["text"] for b in choices] == ["Sam Lee (@sam.lee)", "Sam Torres (@sam.torres)"]

    # Someone else's pick or reply is not an answer.
    assert driver.click("hank", card["channel"], card["ts"], choices[0]["action_id"]).acked
    flow.settle()
    wait_until(lambda: any("Only <@U0DANA001> can answer" in t for t in ephemeral_texts(sandbox, "hank")))
    driver.post_message("hank", "#support", "Sam Torres I think", thread_ts=thread_ts)
    flow.settle()
    assert proposal(redis_db, proposal_id_of(card)).state is ProposalState.NEEDS_INFO

    assert driver.click("dana", card["channel"], card["ts"], choices[0]["action_id"]).acked
    flow.settle()
    card = wait_for_card_text(sandbox, card, "Create a Jira bug in PAY")
    assert "<@U0SAMLEE1>" in message_text(card)
    assert approve_buttons(card)
    action = proposal(redis_db, proposal_id_of(card)).actions[0]
    assert action.assignee is not None and action.assignee.slack_user_id == "U0SAMLEE1"  # type: ignore[union-attr]


def test_a_request_it_could_not_read_continues_with_the_reply(
    flow: Flow, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    driver = sandbox.slack.driver
    thread_ts = driver.post_message("dana", "#support", "Checkout is flaky again.")["ts"]
    driver.post_message("dana", "#support", "@followthrough can you deal with this?", thread_ts=thread_ts)
    flow.settle()
    card = question_card(sandbox, thread_ts, "can't tell what you'd like me to do")
    pending = proposal(redis_db, proposal_id_of(card))
    assert pending.state is ProposalState.NEEDS_INFO and pending.requests == ()

    driver.post_message("dana", "#support", "file a bug in PAY: Checkout is flaky", thread_ts=thread_ts)
    flow.settle()
    card = wait_for_card_text(sandbox, card, "Create a Jira bug in PAY")
    assert approve_buttons(card)
    assert proposal(redis_db, pending.id).actions[0].summary == "Checkout is flaky"  # type: ignore[union-attr]


def test_a_person_asked_about_can_be_answered_with_a_mention_in_the_thread(
    flow: Flow, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    driver = sandbox.slack.driver
    thread_ts = driver.post_message("dana", "#support", "Payout emails go out twice.")["ts"]
    text = "@followthrough create a bug in PAY: Payout emails sent twice, assign to Sam"
    driver.post_message("dana", "#support", text, thread_ts=thread_ts)
    flow.settle()
    card = question_card(sandbox, thread_ts, "could be")
    driver.post_message("dana", "#support", "@sam.torres", thread_ts=thread_ts)
    flow.settle()
    card = wait_for_card_text(sandbox, card, "Create a Jira bug in PAY")
    action = proposal(redis_db, proposal_id_of(card)).actions[0]
    assert action.assignee is not None and action.assignee.slack_user_id == "U0SAMTOR1"  # type: ignore[union-attr]


def test_a_question_in_a_direct_message_is_answered_by_the_next_message_there(
    flow: Flow, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    driver = sandbox.slack.driver
    dm = driver.dm_channel("dana")
    driver.post_message("dana", dm, "file a bug: Refund button does nothing on iOS")
    flow.settle()
    card = driver.wait_for_message(lambda m: m["channel"] == dm and "Which Jira project" in message_text(m), timeout=15)
    driver.post_message("dana", dm, "PAY")
    flow.settle()
    card = wait_for_card_text(sandbox, card, "Create a Jira bug in PAY")
    assert approve_buttons(card)
    assert proposal(redis_db, proposal_id_of(card)).state is ProposalState.AWAITING_APPROVAL
