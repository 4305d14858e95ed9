"""The sandbox page's server (``sandbox.web``): what it shows each person, what it lets them do, how it wakes up.

These talk to the page's JSON routes over real HTTP, with no browser; tests/browser drives the page itself.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from slack_sdk import WebClient

from sandbox.harness import Sandbox
from sandbox.web import views


def call(sandbox: Sandbox, method: str, path: str, body: Any = None, *, timeout: float = 10) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        sandbox.console.url.rstrip("/") + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def bot(sandbox: Sandbox) -> WebClient:
    env = sandbox.slack.environment()
    return WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])


def test_the_page_is_served_on_loopback_with_its_scripts(sandbox: Sandbox) -> None:
    assert sandbox.console.url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(sandbox.console.url, timeout=5) as response:
        page = response.read().decode()
    assert '<script type="module" src="/static/app.js">' in page
    for name in ("app.js", "blockkit.js", "mrkdwn.js", "style.css", "icon.svg"):
        with urllib.request.urlopen(sandbox.console.url + "static/" + name, timeout=5) as response:
            assert response.status == 200 and response.read(), name
    assert "SLACK_API_URL" in sandbox.environment() and not any(
        sandbox.console.url.rstrip("/") in value for value in sandbox.environment().values()
    ), "the page is not part of the product's configuration"


def test_requests_for_another_host_name_or_not_in_json_are_refused(sandbox: Sandbox) -> None:
    parts = urlsplit(sandbox.console.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    connection.request("GET", "/api/world", headers={"Host": "attacker.example"})
    response = connection.getresponse()
    assert response.status == 403 and "127.0.0.1 or localhost only" in json.loads(response.read())["error"]
    connection.request(
        "POST",
        "/api/messages",
        body="as=dana&channel=support&text=hi",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    assert response.status == 415, "a cross-site form cannot post as someone"
    response.read()
    connection.close()
    assert sandbox.slack.driver.channel_messages("#support") == []


def test_world_lists_people_channels_and_the_commands_of_the_manifest(sandbox: Sandbox) -> None:
    status, world = call(sandbox, "GET", "/api/world")
    assert status == 200
    bob = next(p for p in world["people"] if p["name"] == "bob")
    assert bob == {
        "id": "U0BOB0001",
        "name": "bob",
        "real_name": "Bob Okafor",
        "title": "Engineering Lead, Payments",
        "groups": ["eng", "eng-leads"],
    }
    assert world["bot"] == {"id": "U0BOT0001", "name": "followthrough", "real_name": "Followthrough"}
    assert [c["command"] for c in world["commands"]] == ["/followthrough"]
    assert [(s["callback_id"], s["type"]) for s in world["shortcuts"]] == [("ft_message_request", "message")]
    assert world["jira_url"] == sandbox.jira.base_url


def test_app_features_follow_the_manifest_and_default_to_none(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.yml"
    manifest.write_text("features:\n  app_home: {home_tab_enabled: true}\n", encoding="utf-8")
    assert views.app_features(manifest) == {"commands": [], "shortcuts": [], "home_tab": True}
    manifest.write_text("features: [unclosed", encoding="utf-8")
    assert views.app_features(manifest) == {"commands": [], "shortcuts": [], "home_tab": False}
    assert views.app_features(None) == {"commands": [], "shortcuts": [], "home_tab": False}


def test_the_home_tab_opens_only_when_the_manifest_enables_it(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sandbox.console.features, "home_tab", False)
    status, refused = call(sandbox, "POST", "/api/home", {"as": "dana"})
    assert status == 400 and "app_home" in refused["error"]
    monkeypatch.setitem(sandbox.console.features, "home_tab", True)
    assert call(sandbox, "POST", "/api/home", {"as": "dana"}) == (200, {"view": None})  # nothing published yet
    assert call(sandbox, "GET", "/api/snapshot?as=dana")[1]["home"] is None


def test_a_snapshot_shows_a_person_only_what_they_may_see(sandbox: Sandbox, bot: WebClient) -> None:
    driver = sandbox.slack.driver
    root = driver.post_message("dana", "#support", "checkout is broken")["ts"]
    driver.post_message("hank", "#support", "looking", thread_ts=root)
    bot.chat_postEphemeral(channel="C0SUPPORT", user="U0DANA001", text="only for Dana")
    bot.chat_postEphemeral(channel="C0SUPPORT", user="U0DANA001", text="Dana, in the thread", thread_ts=root)
    bot.chat_postEphemeral(channel="C0SUPPORT", user="U0HANK001", text="only for Hank")

    status, dana = call(sandbox, "GET", f"/api/snapshot?as=dana&channel=support&thread={root}")
    assert status == 200 and dana["me"] == "U0DANA001"
    assert [m["text"] for m in dana["channel"]["messages"]] == ["checkout is broken"]
    assert [m["text"] for m in dana["channel"]["ephemerals"]] == ["only for Dana"]
    assert [m["text"] for m in dana["thread"]["messages"]] == ["checkout is broken", "looking"]
    assert [m["text"] for m in dana["thread"]["ephemerals"]] == ["Dana, in the thread"]
    support = next(c for c in dana["conversations"] if c["id"] == "C0SUPPORT")
    assert support["latest"] == root, "the sidebar's unread marker follows top-level messages"
    assert "C0SALES01" not in {c["id"] for c in dana["conversations"]}

    _, hank = call(sandbox, "GET", "/api/snapshot?as=hank&channel=C0SUPPORT")
    assert [m["text"] for m in hank["channel"]["ephemerals"]] == ["only for Hank"]
    status, refused = call(sandbox, "GET", "/api/snapshot?as=dana&channel=sales")
    assert status == 403 and "not a member" in refused["error"]
    assert call(sandbox, "GET", "/api/snapshot?as=followthrough")[0] == 400
    assert call(sandbox, "GET", "/api/snapshot?as=zed")[0] == 404


def test_typed_text_is_escaped_like_a_slack_client_and_mentions_become_markup(sandbox: Sandbox) -> None:
    status, posted = call(
        sandbox,
        "POST",
        "/api/messages",
        {"as": "dana", "channel": "support", "text": "@followthrough is <b>R&D</b> on it? cc @hank"},
    )
    assert status == 201
    assert posted["text"] == "<@U0BOT0001> is &lt;b&gt;R&amp;D&lt;/b&gt; on it? cc <@U0HANK001>"
    assert call(sandbox, "POST", "/api/messages", {"as": "dana", "channel": "support", "text": "  "})[0] == 400


def test_people_can_open_a_dm_and_react(sandbox: Sandbox) -> None:
    status, opened = call(sandbox, "POST", "/api/dms", {"as": "dana", "with": "hank"})
    assert status == 200
    dm = opened["channel"]
    posted = call(sandbox, "POST", "/api/messages", {"as": "dana", "channel": dm, "text": "quick question"})[1]
    assert call(sandbox, "POST", "/api/reactions", {"as": "hank", "channel": dm, "ts": posted["ts"], "name": "eyes"})[0]
    _, hank = call(sandbox, "GET", f"/api/snapshot?as=hank&channel={dm}")
    assert hank["channel"]["messages"][0]["reactions"] == [{"name": "eyes", "users": ["U0HANK001"], "count": 1}]
    assert next(c for c in hank["conversations"] if c["id"] == dm)["others"] == ["U0DANA001"]
    status, refused = call(sandbox, "GET", f"/api/snapshot?as=alice&channel={dm}")
    assert status == 403 and refused["error"].startswith("alice is not a member")


def test_clicks_go_through_the_driver_and_report_what_slack_would_show(sandbox: Sandbox, bot: WebClient) -> None:
    card = bot.chat_postMessage(
        channel="C0SUPPORT",
        text="card",
        blocks=[
            {
                "type": "actions",
                "block_id": "decide",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "approve",
                        "value": "x",
                        "text": {"type": "plain_text", "text": "Approve"},
                    }
                ],
            }
        ],
    )
    sandbox.slack.driver.configure(ack_timeout=0.2)
    click = {"as": "bob", "channel": "C0SUPPORT", "ts": card["ts"], "action_id": "approve"}
    status, result = call(sandbox, "POST", "/api/click", click)
    assert status == 200 and result["ok"] is False and result["error"] == "dispatch_failed", "no app is connected"
    status, refused = call(sandbox, "POST", "/api/click", {**click, "action_id": "delete_everything"})
    assert status == 404 and "present: approve (button)" in refused["error"]
    status, refused = call(sandbox, "POST", "/api/commands", {"as": "bob", "channel": "support", "command": "/rm"})
    assert status == 400 and "this app offers: /followthrough" in refused["error"]


def test_changes_answer_when_any_counter_moves(sandbox: Sandbox) -> None:
    _, now = call(sandbox, "GET", "/api/changes?slack=-1&jira=-1&salesforce=-1&timeout=5")
    assert set(now) == {"slack", "jira", "salesforce"}
    query = "&".join(f"{k}={v}" for k, v in now.items())
    started = time.monotonic()
    assert call(sandbox, "GET", f"/api/changes?{query}&timeout=0.3")[1] == now
    assert time.monotonic() - started >= 0.25, "nothing changed: it waits the whole timeout"

    answer: dict[str, Any] = {}
    poll = threading.Thread(target=lambda: answer.update(call(sandbox, "GET", f"/api/changes?{query}&timeout=10")[1]))
    poll.start()
    time.sleep(0.2)
    started = time.monotonic()
    sandbox.jira.create_issue(project="PAY", summary="Seen by the page")
    poll.join(timeout=5)
    assert answer["jira"] == now["jira"] + 1 and answer["slack"] == now["slack"]
    assert time.monotonic() - started < 1, "the page hears of the change at once"
    _, rows = call(sandbox, "GET", "/api/jira")
    assert rows["issues"][0]["key"] == "PAY-13" and rows["issues"][0]["summary"] == "Seen by the page"


def test_records_are_listed_newest_first_with_names(sandbox: Sandbox) -> None:
    _, jira = call(sandbox, "GET", "/api/jira")
    assert len(jira["issues"]) == 16
    pay10 = next(i for i in jira["issues"] if i["key"] == "PAY-10")
    assert {k: pay10[k] for k in ("status", "assignee", "priority", "labels", "comments", "type")} == {
        "status": "In Progress",
        "assignee": "Alice Chen",
        "priority": "High",
        "labels": ["tax"],
        "comments": 0,
        "type": "Bug",
    }
    assert pay10["url"] == f"{sandbox.jira.base_url}/browse/PAY-10"
    created = [i["created"] for i in jira["issues"]]
    assert created == sorted(created, reverse=True)

    _, sf = call(sandbox, "GET", "/api/salesforce")
    renewal = next(o for o in sf["opportunities"] if o["name"] == "Acme Corp - Platform Renewal")
    assert (renewal["account"], renewal["stage"], renewal["amount"], renewal["owner"]) == (
        "Acme Corp",
        "Proposal/Price Quote",
        100000.0,
        "Erin Walsh",
    )
    deck = next(t for t in sf["tasks"] if t["subject"] == "Send Acme the renewal deck")
    assert (deck["owner"], deck["related_to"], deck["due"]) == (
        "Erin Walsh",
        "Acme Corp - Platform Renewal",
        "2026-11-25",
    )
