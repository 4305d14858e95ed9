"""Scopes, as ``manifest.yml`` grants them and Slack enforces them.

First the product: every Web API method the code calls (``client.<method>(`` in the product's packages) is served
by the sandbox, and the manifest grants each one's scope in every kind of conversation the product works in; every
bot event the manifest subscribes to has its scope. A scope the code needs and the manifest lacks fails here, before
a workspace ever sees it. Then the sandbox: a call without its scope answers ``missing_scope`` as Slack does.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.slack import SlackEmulator
from sandbox.slack.manifest import EVENT_SCOPES, AppManifest, load_manifest
from sandbox.slack.web_api import METHODS

REPO = Path(__file__).resolve().parents[2]
PRODUCT = ("followthrough", "bot", "approvals", "understanding", "connectors", "app.py")
CALL = re.compile(r"\bclient\s*\.\s*([A-Za-z]+_[A-Za-z_]+)\s*\(")
API_CALL = re.compile(r"""api_call\(\s*["']([\w.]+)["']""")

CONVERSATION_KINDS = ("channel", "private", "im", "mpim")
"""Where the product takes requests and replies: public and private channels, DMs and group DMs."""
OPENED_KINDS = {"conversations.open": ("im",)}
"""Methods whose conversation the product picks: it opens DMs with one approver or admin, never a group DM."""
BOLT_CALLS = {"chat.postMessage"}  # say(): Bolt's shortcut listeners use; respond() goes to a response_url
EVENTS_HANDLED = {"app_mention", "app_home_opened", "message.channels", "message.groups", "message.im", "message.mpim"}
"""What bot/listeners.py needs delivered: mentions, the App Home, and messages (DMs, and thread answers) wherever
the bot takes requests."""


def product_sources() -> Iterable[Path]:
    for name in PRODUCT:
        path = REPO / name
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def web_api_name(python_name: str) -> str | None:
    """``chat_postMessage`` -> ``chat.postMessage``, read from slack_sdk's own method (None: not a Web API call)."""
    function = getattr(WebClient, python_name, None)
    if function is None or not callable(function):
        return None
    found = API_CALL.search(inspect.getsource(function))
    return found.group(1) if found else None


def methods_the_product_calls() -> dict[str, set[str]]:
    """Web API method -> the files that call it."""
    calls: dict[str, set[str]] = {}
    for source in product_sources():
        for python_name in CALL.findall(source.read_text(encoding="utf-8")):
            api = web_api_name(python_name)
            if api is not None:
                calls.setdefault(api, set()).add(str(source.relative_to(REPO)))
    for api in BOLT_CALLS:
        calls.setdefault(api, set()).add("(Bolt's say)")
    return calls


def scopes_missing(manifest: AppManifest, calls: Iterable[str]) -> dict[str, list[str]]:
    """For each called method, the scopes it needs that ``manifest`` does not grant (unknown methods listed too)."""
    missing: dict[str, list[str]] = {}
    for api in sorted(calls):
        entry = METHODS.get(api)
        if entry is None:
            missing[api] = ["(the sandbox does not serve it: add it to sandbox/slack/methods.py with its scopes)"]
            continue
        if entry.token == "app":
            continue  # called with the app-level token (connections:write is its own scope, not the bot's)
        needed = list(entry.scopes)
        if entry.conversation is not None:
            kinds = OPENED_KINDS.get(api, CONVERSATION_KINDS)
            needed += [entry.conversation.scope_for(kind) for kind in kinds]  # type: ignore[arg-type]
        lacking = [scope for scope in dict.fromkeys(needed) if scope not in manifest.bot_scopes]
        if lacking:
            missing[api] = lacking
    return missing


def test_the_walk_finds_the_calls_the_product_makes() -> None:
    calls = methods_the_product_calls()
    expected = {"chat.postMessage", "chat.update", "conversations.replies", "conversations.open", "users.info"}
    assert expected <= set(calls), sorted(calls)
    assert "conversations.replies" in calls and any(f.startswith("bot/") for f in calls["conversations.replies"])


def test_the_manifest_grants_every_scope_the_product_needs() -> None:
    manifest = load_manifest()
    assert scopes_missing(manifest, methods_the_product_calls()) == {}


def test_a_scope_the_manifest_lacks_fails_the_walk() -> None:
    manifest = load_manifest()
    trimmed = AppManifest(bot_scopes=manifest.bot_scopes - {"groups:history", "users:read"}, bot_events=frozenset())
    missing = scopes_missing(trimmed, methods_the_product_calls())
    assert "groups:history" in missing["conversations.replies"]
    assert missing["users.info"] == ["users:read"]


def test_the_manifest_subscribes_to_what_the_listeners_handle_and_has_each_events_scope() -> None:
    manifest = load_manifest()
    assert manifest.bot_events >= EVENTS_HANDLED
    assert manifest.events_without_scope() == {}
    assert set(manifest.bot_events) <= set(EVENT_SCOPES)


def test_an_event_without_its_scope_is_reported() -> None:
    manifest = AppManifest(bot_scopes=frozenset({"channels:history"}), bot_events=frozenset({"message.groups"}))
    assert manifest.events_without_scope() == {"message.groups": "groups:history"}


# --- the sandbox enforces them -------------------------------------------------------------------------------


@pytest.fixture
def client(slack: SlackEmulator) -> WebClient:
    env = slack.environment()
    return WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])


def refusal(call: object) -> dict[str, object]:
    with pytest.raises(SlackApiError) as caught:
        call()  # type: ignore[operator]
    return dict(caught.value.response.data)  # type: ignore[arg-type]


def test_the_bot_token_holds_the_manifests_scopes(slack: SlackEmulator, client: WebClient) -> None:
    response = client.auth_test()
    assert set(response.headers["x-oauth-scopes"].split(",")) == set(load_manifest().bot_scopes)


def test_a_method_without_its_scope_answers_missing_scope_with_needed_and_provided(
    slack: SlackEmulator, client: WebClient
) -> None:
    slack.grant(slack.bot_scopes - {"users:read"})

    body = refusal(lambda: client.users_info(user="U0DANA001"))

    assert (body["ok"], body["error"], body["needed"]) == (False, "missing_scope", "users:read")
    assert "users:read" not in str(body["provided"]).split(",") and "chat:write" in str(body["provided"])


def test_history_needs_the_scope_of_the_conversations_kind(slack: SlackEmulator, client: WebClient) -> None:
    driver = slack.driver
    private = driver.create_channel("dana", "incident", "bob", private=True)
    private_ts = driver.post_message("dana", private, "hello")["ts"]
    public_ts = driver.post_message("dana", "#support", "hello")["ts"]
    slack.grant(slack.bot_scopes - {"groups:history"})

    assert client.conversations_replies(channel="C0SUPPORT", ts=public_ts)["ok"]
    body = refusal(lambda: client.conversations_replies(channel=private, ts=private_ts))
    assert (body["error"], body["needed"]) == ("missing_scope", "groups:history")

    slack.grant(slack.manifest.bot_scopes)
    assert client.conversations_replies(channel=private, ts=private_ts)["messages"][0]["text"] == "hello"


def test_conversations_list_needs_a_scope_per_type_asked_for(slack: SlackEmulator, client: WebClient) -> None:
    slack.driver.create_channel("dana", "incident", "bob", private=True)
    listed = client.conversations_list(types="public_channel,private_channel")["channels"]
    assert "incident" in {c["name"] for c in listed}

    slack.grant(slack.bot_scopes - {"groups:read"})
    assert client.conversations_list(types="public_channel")["ok"]
    body = refusal(lambda: client.conversations_list(types="public_channel,private_channel"))
    assert body["needed"] == "groups:read"


def test_opening_a_group_dm_needs_mpim_write(slack: SlackEmulator, client: WebClient) -> None:
    assert client.conversations_open(users="U0DANA001")["ok"]  # a DM: im:write
    body = refusal(lambda: client.conversations_open(users="U0DANA001,U0BOB0001"))
    assert body["needed"] == "mpim:write"


def test_an_email_is_shown_only_with_users_read_email(slack: SlackEmulator, client: WebClient) -> None:
    assert client.users_info(user="U0DANA001")["user"]["profile"]["email"] == "dana@northwind.example"
    slack.grant(slack.bot_scopes - {"users:read.email"})
    assert "email" not in client.users_info(user="U0DANA001")["user"]["profile"]


def test_answers_say_which_scopes_the_method_accepts(slack: SlackEmulator, client: WebClient) -> None:
    response = client.conversations_history(channel="C0SUPPORT")
    accepted = response.headers["x-accepted-oauth-scopes"].split(",")
    assert accepted == ["channels:history", "groups:history", "im:history", "mpim:history"]


def test_a_private_channel_looks_like_one(slack: SlackEmulator, client: WebClient) -> None:
    private = slack.driver.create_channel("dana", "incident", "bob", private=True)
    info = client.conversations_info(channel=private)["channel"]
    assert (info["is_channel"], info["is_private"], info["is_group"], info["is_mpim"]) == (True, True, False, False)
    hidden = slack.driver.create_channel("dana", "secret", "bob", private=True, invite_bot=False)
    assert refusal(lambda: client.conversations_info(channel=hidden))["error"] == "channel_not_found"
