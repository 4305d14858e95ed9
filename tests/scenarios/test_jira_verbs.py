"""Jira's everyday verbs: a transition the workflow offers and its Undo, "the ticket from this thread", and a thread
that already produced an issue asked about before a second one is filed.

The bot's listeners and the jobs in process (tests/flow.py) over the sandbox's Slack, Jira and Redis, with the
Northwind policy (engineers move PAY issues without waiting; comments run at once; a new issue needs a lead).
"""

from __future__ import annotations

from typing import Any

import redis

from approvals.core.states import ProposalState
from bot import action_ids
from sandbox.harness import Sandbox
from sandbox.processes import wait_until
from sandbox.slack.driver import message_text
from tests.e2e.helpers import ask, buttons, click, proposal, proposal_id_of, start_thread, wait_for_card
from tests.flow import Flow

SEED_ISSUES = 16


def jira_issue(sandbox: Sandbox, key: str) -> dict[str, Any]:
    return next(i for i in sandbox.jira.issues() if i["key"] == key)


def bot_message(sandbox: Sandbox, channel: str, thread_ts: str, needle: str, *, timeout: float = 15) -> dict[str, Any]:
    driver = sandbox.slack.driver
    cid = driver.channel_id(channel)
    return driver.wait_for_message(
        lambda m: m["channel"] == cid and m.get("thread_ts") == thread_ts and needle in message_text(m),
        timeout=timeout,
    )


def transitions_sent(sandbox: Sandbox, key: str) -> int:
    return sandbox.jira.requests.count(path=rf"/issue/{key}/transitions$", method="POST")


def test_an_engineer_moves_an_issue_and_undoes_it(flow: Flow, sandbox: Sandbox, redis_db: redis.Redis) -> None:
    driver = sandbox.slack.driver
    thread_ts = start_thread(sandbox, user="alice", channel="#eng", text="I'm picking up the disabled checkout button.")
    ask(sandbox, thread_ts, "@followthrough move PAY-12 to In Progress", user="alice", channel="#eng")
    flow.settle()
    result = bot_message(sandbox, "#eng", thread_ts, ":white_check_mark: Moved")
    assert "PAY-12" in message_text(result)
    assert jira_issue(sandbox, "PAY-12")["fields"]["status"]["name"] == "In Progress"
    assert transitions_sent(sandbox, "PAY-12") == 1
    card = wait_for_card(sandbox, thread_ts, channel="#eng")
    assert "*Status*: To Do → *In Progress*" in message_text(card)

    assert driver.click("alice", result["channel"], result["ts"], action_ids.UNDO).acked
    flow.settle()
    undone = bot_message(sandbox, "#eng", thread_ts, "Undo of PAY-12")
    assert "PAY-12" in message_text(undone)
    assert jira_issue(sandbox, "PAY-12")["fields"]["status"]["name"] == "To Do"
    assert transitions_sent(sandbox, "PAY-12") == 2


def test_a_move_the_workflow_does_not_offer_is_a_pick_of_what_it_does(
    flow: Flow, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    driver = sandbox.slack.driver
    thread_ts = start_thread(sandbox, user="alice", channel="#eng", text="PAY-12 is fixed already.")
    ask(sandbox, thread_ts, "@followthrough move PAY-12 to Done", user="alice", channel="#eng")
    flow.settle()
    card = bot_message(sandbox, "#eng", thread_ts, "can't move to *Done* from *To Do*")
    [choice] = [b for b in buttons(card) if b["action_id"].startswith(action_ids.QUESTION_BUTTON)]
    assert choice["text"]["text"] == "In Progress"
    assert driver.click("alice", card["channel"], card["ts"], choice["action_id"]).acked
    flow.settle()
    bot_message(sandbox, "#eng", thread_ts, "Moved")
    assert jira_issue(sandbox, "PAY-12")["fields"]["status"]["name"] == "In Progress"


def test_the_ticket_from_this_thread_and_no_second_one_by_accident(
    flow: Flow, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    driver = sandbox.slack.driver
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)  # file a bug in PAY ... (the Northwind policy: a lead approves)
    flow.settle()
    card = wait_for_card(sandbox, thread_ts)
    bob_copy = wait_until(
        lambda: [m for m in driver.dm_messages("bob") if f"`{proposal_id_of(card)}`" in message_text(m)]
    )[0]
    assert click(sandbox, "bob", bob_copy).acked
    flow.settle()
    bot_message(sandbox, "#support", thread_ts, "PAY-13")
    wait_until(lambda: proposal(redis_db, proposal_id_of(card)).state is ProposalState.SUCCEEDED)

    ask(sandbox, thread_ts, "@followthrough comment on it: the customer confirmed it happens on iOS too")
    flow.settle()
    bot_message(sandbox, "#support", thread_ts, "Comment")
    wait_until(lambda: jira_issue(sandbox, "PAY-13")["fields"]["comment"]["comments"], timeout=15)
    [comment] = jira_issue(sandbox, "PAY-13")["fields"]["comment"]["comments"]
    assert "the customer confirmed it happens on iOS too" in str(comment["body"])

    ask(sandbox, thread_ts, "@followthrough file a bug in PAY: Checkout fails on Safari")
    flow.settle()
    question = bot_message(sandbox, "#support", thread_ts, "*PAY-13* was already created from this thread")
    no = next(b for b in buttons(question) if b["text"]["text"].startswith("No"))
    assert driver.click("dana", question["channel"], question["ts"], no["action_id"]).acked
    flow.settle()
    bot_message(sandbox, "#support", thread_ts, "I'll leave it as it is")
    assert len(sandbox.jira.issues()) == SEED_ISSUES + 1, "no second issue"
