"""The Slack emulator's driver (the humans), as a Python API and over its HTTP control routes."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient

from sandbox.slack import DriverError, SlackEmulator
from tests.emulators import reset

FORM = {
    "type": "modal",
    "callback_id": "form",
    "title": {"type": "plain_text", "text": "Form"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "due",
            "label": {"type": "plain_text", "text": "Due"},
            "element": {"type": "datepicker", "action_id": "date"},
        },
        {
            "type": "input",
            "block_id": "owner",
            "label": {"type": "plain_text", "text": "Owner"},
            "element": {"type": "users_select", "action_id": "user"},
        },
    ],
}


@pytest.fixture
def bot(slack: SlackEmulator) -> WebClient:
    env = slack.environment()
    return WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])


def control(slack: SlackEmulator, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        slack.base_url + "/_sandbox/slack" + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# ---------------------------------------------------------------------- names and text


def test_shorthands_become_slack_markup(slack: SlackEmulator) -> None:
    text = "@dana and @sam.lee. cc @support @here in #sales; mail dana@northwind.example, not @nobody or #nope"
    assert slack.driver.expand(text) == (
        "<@U0DANA001> and <@U0SAMLEE1>. cc <!subteam^S0SUPPORT> <!here> in <#C0SALES01|sales>; "
        "mail dana@northwind.example, not @nobody or #nope"
    )
    assert slack.driver.expand("@followthrough") == "<@U0BOT0001>"


def test_user_messages_carry_the_rich_text_a_client_sends(slack: SlackEmulator) -> None:
    message = slack.driver.post_message("dana", "#support", "@followthrough see <https://x.example|the doc> @eng")
    assert message["text"] == "<@U0BOT0001> see <https://x.example|the doc> <!subteam^S0ENG0001>"
    elements = message["blocks"][0]["elements"][0]["elements"]
    assert elements == [
        {"type": "user", "user_id": "U0BOT0001"},
        {"type": "text", "text": " see "},
        {"type": "link", "url": "https://x.example", "text": "the doc"},
        {"type": "text", "text": " "},
        {"type": "usergroup", "usergroup_id": "S0ENG0001"},
    ]
    assert message["client_msg_id"] and message["channel"] == "C0SUPPORT"


def test_unknown_people_and_channels_are_explained(slack: SlackEmulator) -> None:
    with pytest.raises(DriverError, match="unknown person 'zed'; known: alice, bob") as caught:
        slack.driver.post_message("zed", "#support", "hi")
    assert caught.value.status == 404
    with pytest.raises(DriverError, match="channels: #eng, #general"):
        slack.driver.post_message("dana", "#nope", "hi")
    with pytest.raises(DriverError, match="erin is not a member of #support"):
        slack.driver.post_message("erin", "#support", "hi")
    assert slack.driver.user_id("@U0DANA001") == slack.driver.user_id("dana") == "U0DANA001"
    assert slack.driver.channel_id("support") == slack.driver.channel_id("#support") == "C0SUPPORT"


def test_dm_ids_are_stable_across_resets(slack: SlackEmulator) -> None:
    dm = slack.driver.dm_channel("dana")
    slack.driver.post_message("dana", dm, "hello bot")
    reset(slack)
    assert slack.driver.dm_channel("dana") == dm
    assert slack.driver.dm_messages("dana") == []


# ---------------------------------------------------------------------- waiting


def test_waits_see_existing_messages_and_since_limits_them_to_later_ones(slack: SlackEmulator, bot: WebClient) -> None:
    bot.chat_postMessage(channel="C0SUPPORT", text="old card")
    assert slack.driver.wait_for_bot_message(channel="#support", contains="card", timeout=1)["text"] == "old card"
    mark = slack.driver.seq
    with pytest.raises(TimeoutError, match="the bot posted no message in #support containing 'card'"):
        slack.driver.wait_for_bot_message(channel="#support", contains="card", since=mark, timeout=0.1)
    poster = threading.Timer(0.05, lambda: bot.chat_postMessage(channel="C0SUPPORT", text="new card"))
    poster.start()
    found = slack.driver.wait_for_bot_message(channel="#support", contains="card", since=mark, timeout=5)
    poster.join()
    assert found["text"] == "new card"


# ---------------------------------------------------------------------- views without an app


def test_submitted_values_are_checked_against_the_view(slack: SlackEmulator, bot: WebClient) -> None:
    view = bot.views_open(trigger_id=slack.workspace.new_trigger("U0DANA001"), view=FORM)["view"]
    with pytest.raises(DriverError, match=r"no input block 'nope'; blocks with inputs: \['due', 'owner'\]"):
        slack.driver.submit_view("dana", view["id"], {"nope": "x"})
    with pytest.raises(DriverError, match="a datepicker takes 'YYYY-MM-DD'"):
        slack.driver.submit_view("dana", view["id"], {"due": "next friday"})
    with pytest.raises(DriverError, match="unknown person 'zed'"):
        slack.driver.submit_view("dana", view["id"], {"owner": {"user": "zed"}})
    with pytest.raises(DriverError, match="belongs to dana"):
        slack.driver.submit_view("hank", view["id"], {})
    typed = slack.driver.select_in_view("dana", view["id"], "user", "hank")
    assert typed.kind == "state" and not typed.delivered
    assert typed.view["state"]["values"]["owner"]["user"] == {"type": "users_select", "selected_user": "U0HANK001"}
    assert slack.socket.deliveries() == []


# ---------------------------------------------------------------------- HTTP control routes


def test_http_post_and_read_messages(slack: SlackEmulator, bot: WebClient) -> None:
    status, posted = control(slack, "POST", "/messages", {"user": "dana", "channel": "support", "text": "hi @hank"})
    assert status == 201 and posted["text"] == "hi <@U0HANK001>"
    status, _ = control(
        slack, "POST", "/messages", {"user": "hank", "channel": "C0SUPPORT", "text": "yes?", "thread_ts": posted["ts"]}
    )
    assert status == 201
    assert [m["text"] for m in control(slack, "GET", "/channels/support/messages")[1]] == ["hi <@U0HANK001>"]
    thread = control(slack, "GET", f"/channels/C0SUPPORT/threads/{posted['ts']}")[1]
    assert [m["text"] for m in thread] == ["hi <@U0HANK001>", "yes?"]
    channels = {c["name"]: c for c in control(slack, "GET", "/channels")[1]}
    assert channels["random"]["bot_member"] is False
    assert len(control(slack, "GET", "/users")[1]) == 14
    bot.chat_postEphemeral(channel="C0SUPPORT", user="U0DANA001", text="psst")
    assert control(slack, "GET", "/users/dana/ephemerals")[1][0]["message"]["text"] == "psst"


def test_http_refuses_bad_input_with_a_clear_message(slack: SlackEmulator, bot: WebClient) -> None:
    ts = bot.chat_postMessage(channel="C0SUPPORT", text="plain text, no buttons")["ts"]
    status, body = control(
        slack, "POST", "/click", {"user": "hank", "channel": "support", "ts": ts, "action_id": "approve"}
    )
    assert status == 404 and "present: no interactive elements" in body["error"]
    assert control(slack, "POST", "/messages", {"user": "dana", "channel": "support"}) == (
        400,
        {"error": "missing field 'text'"},
    )
    status, body = control(slack, "POST", "/messages", {"user": "zed", "channel": "support", "text": "x"})
    assert status == 404 and "unknown person 'zed'" in body["error"]
    assert control(slack, "GET", "/users/dana/nope")[0] == 400
    assert control(slack, "POST", "/drop_acks", {"count": -1})[0] == 400


def test_http_interactions_report_what_the_user_would_see(slack: SlackEmulator) -> None:
    control(slack, "POST", "/settings", {"ack_timeout": 0.1})
    status, result = control(
        slack, "POST", "/commands", {"user": "dana", "channel": "#support", "command": "/followthrough"}
    )
    assert status == 200 and result["error"] == "dispatch_failed" and result["ok"] is False
    assert control(slack, "GET", "/users/dana/notices")[1][0]["kind"] == "dispatch_failed"
    assert control(slack, "GET", "/connections")[1] == {"count": 0, "connections": []}
    assert control(slack, "GET", "/deliveries")[1][0]["status"] == "undelivered"
    assert control(slack, "GET", "/settings")[1] == {"ack_timeout": 0.1, "max_retries": 3}


def test_http_changes_long_poll_wakes_on_a_change(slack: SlackEmulator) -> None:
    start = slack.driver.seq
    assert control(slack, "GET", f"/changes?after={start - 1}&timeout=5")[1]["seq"] == start  # already newer
    answer: dict[str, Any] = {}
    poll = threading.Thread(target=lambda: answer.update(control(slack, "GET", f"/changes?after={start}&timeout=5")[1]))
    poll.start()
    posted = slack.driver.post_message("dana", "#support", "wake up")
    poll.join(timeout=6)
    assert answer["seq"] > start
    assert {"kind": "message_posted", "channel": "C0SUPPORT", "ts": posted["ts"], "user": "U0DANA001"} in [
        {k: v for k, v in c.items() if k != "seq"} for c in answer["changes"]
    ]


# ---------------------------------------------------------------------- DMs between people


def test_two_people_can_dm_without_the_bot_hearing(slack: SlackEmulator) -> None:
    dm = slack.driver.open_dm("dana", "@hank")
    assert dm == slack.driver.open_dm("hank", "U0DANA001"), "one DM per pair, whoever opens it"
    assert dm.startswith("D") and dm != slack.driver.dm_channel("dana")
    posted = slack.driver.post_message("dana", dm, "can you look at @alice's ticket?")
    assert posted["text"] == "can you look at <@U0ALICE01>'s ticket?"
    assert [m["text"] for m in slack.driver.channel_messages(dm)] == [posted["text"]]
    assert slack.socket.deliveries() == [], "the bot is not in the DM, so the app is told nothing"
    with pytest.raises(DriverError, match="is not a member"):
        slack.driver.post_message("alice", dm, "let me in")
    group = slack.driver.open_dm("dana", "hank", "alice")
    assert group.startswith("G") and group != dm
    with pytest.raises(DriverError, match="needs someone besides dana"):
        slack.driver.open_dm("dana", "dana")
    with pytest.raises(DriverError, match="unknown person 'zed'"):
        slack.driver.open_dm("dana", "zed")


def test_http_opens_a_dm_between_people(slack: SlackEmulator) -> None:
    status, body = control(slack, "POST", "/dms", {"users": ["dana", "hank"]})
    assert status == 200 and body == {"channel": slack.driver.open_dm("hank", "dana")}
    assert control(slack, "POST", "/dms", {"users": "dana"})[0] == 400
    assert control(slack, "POST", "/dms", {"users": ["dana", "zed"]})[0] == 404
