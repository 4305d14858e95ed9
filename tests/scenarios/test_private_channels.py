"""Requests in private channels and group DMs, end to end through the sandbox's Slack, which grants the bot token
exactly the scopes of ``manifest.yml`` (a method called without its scope answers ``missing_scope``) and delivers
exactly its bot events: reading a private thread needs ``groups:history``, its name ``groups:read``, an answer in
its thread ``message.groups``; a group DM needs the ``mpim:`` twins."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from approvals.core.states import ProposalState
from bot import action_ids
from sandbox.slack.driver import message_text
from tests.e2e.helpers import BUG_REQUEST, BUG_THREAD, is_card
from tests.flow import Flow


def thread_cards(flow: Flow, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    return [m for m in flow.driver.thread(channel, thread_ts) if is_card(m)]


def test_a_request_in_a_private_channel_is_read_approved_and_done(flow: Flow) -> None:
    driver = flow.driver
    room = driver.create_channel("dana", "checkout-incident", "bob", "alice", "hank", private=True)
    thread = str(driver.post_message("dana", room, BUG_THREAD)["ts"])
    driver.post_message("hank", room, "Seeing it too: three tickets from Safari users since 9am.", thread_ts=thread)
    driver.post_message("dana", room, BUG_REQUEST, thread_ts=thread)
    flow.settle()

    assert len(thread_cards(flow, room, thread)) == 1
    (waiting,) = flow.runtime.store.in_states((ProposalState.AWAITING_APPROVAL,))
    description = waiting.actions[0].description  # type: ignore[union-attr]
    assert "Hank Patel: Seeing it too" in description, "the private thread was read (groups:history)"

    (dm_card,) = [m for m in driver.dm_messages("bob") if is_card(m)]
    driver.click("bob", dm_card["channel"], dm_card["ts"], action_ids.APPROVE)
    flow.settle()

    assert flow.runtime.store.get(waiting.id).state is ProposalState.SUCCEEDED
    created = [i for i in flow.sandbox.jira.issues() if i["fields"]["summary"] == "Checkout fails on Safari"]
    assert len(created) == 1
    replies = [message_text(m) for m in driver.thread(room, thread) if not is_card(m)]
    assert any(created[0]["key"] in text for text in replies), replies


@pytest.mark.parametrize("subscribed", [True, False], ids=["message.groups", "without message.groups"])
def test_an_answer_typed_in_a_private_thread_continues_the_request_through_message_groups(
    flow: Flow, subscribed: bool
) -> None:
    slack, driver = flow.sandbox.slack, flow.driver
    if not subscribed:
        slack.subscribe(slack.subscriptions - {"message.groups"})
    room = driver.create_channel("dana", "billing-bugs", "bob", private=True)
    thread = str(driver.post_message("dana", room, "Invoices render blank in Firefox.")["ts"])
    driver.post_message("dana", room, "@followthrough create a bug: Invoices render blank", thread_ts=thread)
    flow.settle()
    (question,) = [m for m in driver.thread(room, thread) if "Which Jira project" in message_text(m)]
    (asking,) = flow.runtime.store.in_states((ProposalState.NEEDS_INFO,))

    driver.post_message("dana", room, "PAY", thread_ts=thread)  # a plain reply: no mention, so no app_mention
    flow.settle()

    answered = flow.runtime.store.get(asking.id)
    if not subscribed:  # the app never hears the reply: what the manifest's message.groups is for
        assert answered.state is ProposalState.NEEDS_INFO
        return
    assert answered.state is ProposalState.AWAITING_APPROVAL
    assert answered.actions[0].project == "PAY"  # type: ignore[union-attr]
    assert "Create a Jira bug in PAY" in message_text(driver.message(room, question["ts"]))


def test_a_request_in_a_group_dm_with_the_bot_gets_its_card_there(flow: Flow) -> None:
    driver = flow.driver
    ws = driver.ws
    group = ws.open_dm([driver.user_id("dana"), driver.user_id("alice"), ws.bot_user_id]).id
    thread = str(driver.post_message("dana", group, BUG_THREAD)["ts"])
    driver.post_message("dana", group, BUG_REQUEST, thread_ts=thread)
    flow.settle()

    (card,) = thread_cards(flow, group, thread)
    assert "Checkout fails on Safari" in message_text(card)
    (waiting,) = flow.runtime.store.in_states((ProposalState.AWAITING_APPROVAL,))
    assert "Customers say checkout fails on Safari" in waiting.actions[0].description  # type: ignore[union-attr]


def test_without_groups_history_the_sandbox_refuses_to_read_a_private_thread_as_slack_would(flow: Flow) -> None:
    """The guard the tests above rely on: the sandbox really enforces the manifest's scopes."""
    slack = flow.sandbox.slack
    room = flow.driver.create_channel("dana", "no-history", "bob", private=True)
    thread = str(flow.driver.post_message("dana", room, BUG_THREAD)["ts"])
    env = slack.environment()
    client = WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])
    slack.grant(slack.bot_scopes - {"groups:history"})

    with pytest.raises(SlackApiError) as caught:
        client.conversations_replies(channel=room, ts=thread)

    assert caught.value.response["error"] == "missing_scope"
    assert caught.value.response["needed"] == "groups:history"
    assert client.conversations_history(channel="C0SUPPORT")["ok"]  # channels:history still holds
