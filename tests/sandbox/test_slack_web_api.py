"""The Slack emulator's Web API, exercised with the real slack_sdk clients (sync, async) and raw HTTP encodings."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import SlackEmulator

BUTTONS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Approve PAY-12?*"}},
    {
        "type": "actions",
        "block_id": "decide",
        "elements": [{"type": "button", "action_id": "approve", "text": {"type": "plain_text", "text": "Approve"}}],
    },
]


@pytest.fixture
def client(slack: SlackEmulator) -> WebClient:
    env = slack.environment()
    return WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])


def raw_call(slack: SlackEmulator, method: str, *, data: bytes | None = None, headers: dict | None = None) -> dict:
    request = urllib.request.Request(slack.base_url + "/api/" + method, data=data, headers=headers or {})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


# ---------------------------------------------------------------------- identity and tokens


def test_auth_test_returns_the_bot_identity_and_scopes_header(slack: SlackEmulator, client: WebClient) -> None:
    response = client.auth_test()
    assert response["user_id"] == slack.seed.slack.bot.user_id
    assert response["bot_id"] == slack.seed.slack.bot.bot_id
    assert response["team_id"] == slack.seed.slack.team_id
    assert response["url"] == "https://northwind.slack.com/"
    assert response["is_enterprise_install"] is False
    assert "chat:write" in response.headers["x-oauth-scopes"].split(",")


def test_environment_points_the_real_client_at_the_api(slack: SlackEmulator) -> None:
    env = slack.environment()
    assert env["SLACK_API_URL"].endswith("/api/")
    assert env["SLACK_BOT_TOKEN"].startswith("xoxb-")
    assert env["SLACK_APP_TOKEN"].startswith("xapp-")


def test_missing_unknown_and_wrong_type_tokens_are_refused(slack: SlackEmulator) -> None:
    env = slack.environment()
    url = env["SLACK_API_URL"]
    cases = [
        (None, "auth.test", "not_authed"),
        ("xoxb-not-a-real-token", "auth.test", "invalid_auth"),
        (env["SLACK_APP_TOKEN"], "auth.test", "not_allowed_token_type"),
        (env["SLACK_APP_TOKEN"], "chat.postMessage", "not_allowed_token_type"),
        (env["SLACK_BOT_TOKEN"], "apps.connections.open", "not_allowed_token_type"),
    ]
    for token, method, error in cases:
        with pytest.raises(SlackApiError) as caught:
            WebClient(token=token, base_url=url).api_call(method, json={"channel": "C0SUPPORT", "text": "hi"})
        assert caught.value.response["error"] == error, (token, method)
    assert slack.driver.channel_messages("#support") == []


def test_bolt_app_construction_fails_on_a_bad_bot_token(slack: SlackEmulator) -> None:
    with pytest.raises(BoltError, match="invalid_auth"):
        App(client=WebClient(token="xoxb-revoked", base_url=slack.environment()["SLACK_API_URL"]))


def test_unknown_method_is_answered_like_slack(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.api_call("chat.doesNotExist")
    assert caught.value.response["error"] == "unknown_method"


def test_form_get_and_token_argument_encodings_are_accepted(slack: SlackEmulator) -> None:
    token = slack.seed.slack.tokens.bot
    form = urllib.parse.urlencode({"token": token, "user": "U0DANA001", "team_id": "T0NW00001"}).encode()
    by_form = raw_call(slack, "users.info", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert by_form["user"]["name"] == "dana"
    by_get = raw_call(slack, f"users.info?user=U0HANK001&token={token}")
    assert by_get["user"]["name"] == "hank"
    blocks_as_string = urllib.parse.urlencode({"channel": "C0SUPPORT", "blocks": json.dumps(BUTTONS)}).encode()
    posted = raw_call(
        slack,
        "chat.postMessage",
        data=blocks_as_string,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Bearer {token}"},
    )
    assert posted["ok"] and posted["message"]["blocks"][1]["block_id"] == "decide"


def test_async_client_sends_get_with_a_query_string_and_it_works(slack: SlackEmulator) -> None:
    parent = slack.driver.post_message("dana", "#support", "first")
    slack.driver.post_message("hank", "#support", "reply", thread_ts=parent["ts"])
    env = slack.environment()

    async def fetch() -> dict:
        client = AsyncWebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])
        return (await client.conversations_replies(channel="C0SUPPORT", ts=parent["ts"])).data

    replies = asyncio.run(fetch())
    assert [m["text"] for m in replies["messages"]] == ["first", "reply"]
    assert slack.requests.entries(path="conversations.replies")[-1].method == "GET"


# ---------------------------------------------------------------------- chat


def test_post_message_returns_and_stores_a_bot_message(slack: SlackEmulator, client: WebClient) -> None:
    response = client.chat_postMessage(channel="#support", text="Need approval", blocks=BUTTONS)
    assert response["channel"] == "C0SUPPORT"
    message = response["message"]
    assert message["user"] == "U0BOT0001" and message["bot_id"] == "B0BOT0001"
    assert message["blocks"][0]["block_id"], "Slack fills missing block ids"
    assert slack.driver.message("C0SUPPORT", response["ts"])["text"] == "Need approval"


def test_invalid_blocks_are_rejected_and_never_stored(slack: SlackEmulator, client: WebClient) -> None:
    bad = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C0SUPPORT", text="fallback", blocks=bad)
    response = caught.value.response
    assert response["error"] == "invalid_blocks"
    assert response["response_metadata"]["messages"][0].startswith("[ERROR]")
    assert "json-pointer:/blocks/0/text" in response["response_metadata"]["messages"][0]
    assert slack.driver.channel_messages("#support") == []


def test_post_message_refusals_use_slacks_error_names(client: WebClient) -> None:
    cases = [
        ({"channel": "C0NOPE000", "text": "x"}, "channel_not_found"),
        ({"channel": "#random", "text": "x"}, "not_in_channel"),
        ({"channel": "C0SUPPORT"}, "no_text"),
        ({"channel": "C0SUPPORT", "text": "x" * 40_001}, "msg_too_long"),
        ({"channel": "C0SUPPORT", "text": "x", "thread_ts": "1.000001"}, "invalid_thread_ts"),
        ({"channel": "C0SUPPORT", "text": "x", "blocks": "not json"}, "invalid_blocks_format"),
    ]
    for args, error in cases:
        with pytest.raises(SlackApiError) as caught:
            client.api_call("chat.postMessage", json=args)
        assert caught.value.response["error"] == error, args


def test_post_message_to_a_user_id_lands_in_the_bots_dm(slack: SlackEmulator, client: WebClient) -> None:
    response = client.chat_postMessage(channel="U0DANA001", text="hello Dana")
    assert response["channel"] == slack.driver.dm_channel("dana")
    assert [m["text"] for m in slack.driver.dm_messages("dana")] == ["hello Dana"]


def test_thread_replies_keep_slacks_thread_bookkeeping(slack: SlackEmulator, client: WebClient) -> None:
    parent = slack.driver.post_message("dana", "#support", "help please")
    client.chat_postMessage(channel="C0SUPPORT", text="on it", thread_ts=parent["ts"])
    reply = slack.driver.post_message("hank", "#support", "thanks", thread_ts=parent["ts"])
    stored = slack.driver.message("#support", parent["ts"])
    assert stored["reply_count"] == 2
    assert stored["reply_users"] == ["U0BOT0001", "U0HANK001"]
    assert stored["latest_reply"] == reply["ts"]
    assert reply["parent_user_id"] == "U0DANA001"
    assert [m["ts"] for m in slack.driver.channel_messages("#support")] == [parent["ts"]]


def test_chat_update_keeps_omitted_blocks_and_clears_them_on_an_empty_list(
    slack: SlackEmulator, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel="C0SUPPORT", text="v1", blocks=BUTTONS)["ts"]
    updated = client.chat_update(channel="C0SUPPORT", ts=ts, text="v2")
    assert updated["text"] == "v2" and updated["message"]["blocks"][1]["block_id"] == "decide"
    assert updated["message"]["edited"]["user"] == "U0BOT0001"
    client.chat_update(channel="C0SUPPORT", ts=ts, text="v3", blocks=[])
    assert "blocks" not in slack.driver.message("C0SUPPORT", ts)


def test_chat_update_and_delete_refuse_other_peoples_messages(slack: SlackEmulator, client: WebClient) -> None:
    human = slack.driver.post_message("dana", "#support", "mine")
    with pytest.raises(SlackApiError) as caught:
        client.chat_update(channel="C0SUPPORT", ts=human["ts"], text="edited")
    assert caught.value.response["error"] == "cant_update_message"
    with pytest.raises(SlackApiError) as caught:
        client.chat_delete(channel="C0SUPPORT", ts=human["ts"])
    assert caught.value.response["error"] == "cant_delete_message"
    with pytest.raises(SlackApiError) as caught:
        client.chat_update(channel="C0SUPPORT", ts="1.000001", text="edited")
    assert caught.value.response["error"] == "message_not_found"


def test_chat_delete_removes_the_message(slack: SlackEmulator, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0SUPPORT", text="oops")["ts"]
    assert client.chat_delete(channel="C0SUPPORT", ts=ts)["ts"] == ts
    assert slack.driver.channel_messages("#support") == []


def test_permalinks_point_at_the_local_workspace(slack: SlackEmulator, client: WebClient) -> None:
    parent = slack.driver.post_message("dana", "#support", "parent")
    reply = client.chat_postMessage(channel="C0SUPPORT", text="reply", thread_ts=parent["ts"])
    link = client.chat_getPermalink(channel="C0SUPPORT", message_ts=reply["ts"])["permalink"]
    no_dot = reply["ts"].replace(".", "")
    assert link == f"{slack.base_url}/archives/C0SUPPORT/p{no_dot}?thread_ts={parent['ts']}&cid=C0SUPPORT"


def test_ephemeral_messages_are_visible_to_their_user_only(slack: SlackEmulator, client: WebClient) -> None:
    response = client.chat_postEphemeral(channel="C0SUPPORT", user="U0DANA001", text="only you")
    assert [e["message"]["ts"] for e in slack.driver.ephemerals("dana")] == [response["message_ts"]]
    assert slack.driver.ephemerals("hank") == []
    assert slack.driver.channel_messages("#support") == []
    with pytest.raises(SlackApiError) as caught:
        client.chat_postEphemeral(channel="C0SUPPORT", user="U0ERIN001", text="not a member")
    assert caught.value.response["error"] == "user_not_in_channel"


# ---------------------------------------------------------------------- conversations


def test_conversations_replies_paginates_with_cursors(slack: SlackEmulator, client: WebClient) -> None:
    parent = slack.driver.post_message("dana", "#support", "r0")
    replies = [slack.driver.post_message("hank", "#support", f"r{i}", thread_ts=parent["ts"]) for i in range(1, 5)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = client.conversations_replies(channel="C0SUPPORT", ts=replies[2]["ts"], limit=2, cursor=cursor)
        seen += [m["text"] for m in page["messages"]]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] is bool(cursor)
        if not cursor:
            break
    assert seen == ["r0", "r1", "r2", "r3", "r4"]
    assert pages == 3
    with pytest.raises(SlackApiError) as caught:
        client.conversations_replies(channel="C0SUPPORT", ts="1.000001")
    assert caught.value.response["error"] == "thread_not_found"
    with pytest.raises(SlackApiError) as caught:
        client.conversations_replies(channel="C0SUPPORT", ts=parent["ts"], cursor="bm9wZQ==")
    assert caught.value.response["error"] == "invalid_cursor"


def test_conversations_history_is_newest_first_and_hides_replies(slack: SlackEmulator, client: WebClient) -> None:
    first = slack.driver.post_message("dana", "#support", "one")
    slack.driver.post_message("hank", "#support", "in thread", thread_ts=first["ts"])
    slack.driver.post_message("dana", "#support", "two")
    history = client.conversations_history(channel="C0SUPPORT")
    assert [m["text"] for m in history["messages"]] == ["two", "one"]
    assert history["messages"][1]["reply_count"] == 1
    newest = client.conversations_history(channel="C0SUPPORT", limit=1)
    assert newest["has_more"] and [m["text"] for m in newest["messages"]] == ["two"]
    with pytest.raises(SlackApiError) as caught:
        client.conversations_history(channel="C0RANDOM1")
    assert caught.value.response["error"] == "not_in_channel"


def test_conversations_open_returns_the_dm_the_driver_uses(slack: SlackEmulator, client: WebClient) -> None:
    opened = client.conversations_open(users="U0DANA001")
    assert opened["channel"]["id"] == slack.driver.dm_channel("dana")
    again = client.conversations_open(users="U0DANA001", return_im=True)
    assert again["already_open"] is True and again["channel"]["is_im"] and again["channel"]["user"] == "U0DANA001"
    with pytest.raises(SlackApiError) as caught:
        client.conversations_open(users="U0NOBODY1")
    assert caught.value.response["error"] == "user_not_found"


def test_conversations_info_describes_channels(client: WebClient) -> None:
    info = client.conversations_info(channel="C0SUPPORT", include_num_members=True)["channel"]
    assert info["name"] == "support" and info["is_channel"] and info["is_member"]
    assert info["num_members"] == 9  # eight people and the bot
    assert client.conversations_info(channel="C0RANDOM1")["channel"]["is_member"] is False


# ---------------------------------------------------------------------- users and groups


def test_users_info_list_and_lookup(client: WebClient) -> None:
    dana = client.users_info(user="U0DANA001")["user"]
    assert dana["profile"]["email"] == "dana@northwind.example"
    assert dana["profile"]["display_name"] == "dana" and dana["real_name"] == "Dana Reyes"
    assert client.users_lookupByEmail(email="hank@northwind.example")["user"]["id"] == "U0HANK001"
    with pytest.raises(SlackApiError) as caught:
        client.users_lookupByEmail(email="nobody@northwind.example")
    assert caught.value.response["error"] == "users_not_found"
    ids: list[str] = []
    cursor = None
    while True:
        page = client.users_list(limit=5, cursor=cursor)
        ids += [m["id"] for m in page["members"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert len(ids) == len(set(ids)) == 14  # 13 people and the bot
    bot = client.users_info(user="U0BOT0001")["user"]
    assert bot["is_bot"] and bot["profile"]["bot_id"] == "B0BOT0001"


def test_usergroup_members(client: WebClient) -> None:
    assert client.usergroups_users_list(usergroup="S0SUPPORT")["users"] == ["U0DANA001", "U0HANK001"]
    with pytest.raises(SlackApiError) as caught:
        client.usergroups_users_list(usergroup="S0NOPE000")
    assert caught.value.response["error"] == "no_such_subteam"


# ---------------------------------------------------------------------- reactions


def test_reactions_add_and_remove(slack: SlackEmulator, client: WebClient) -> None:
    ts = slack.driver.post_message("dana", "#support", "react to me")["ts"]
    client.reactions_add(channel="C0SUPPORT", timestamp=ts, name="eyes")
    assert slack.driver.reactions("#support", ts) == [{"name": "eyes", "users": ["U0BOT0001"], "count": 1}]
    for call, error in ((client.reactions_add, "already_reacted"), (client.reactions_add, "invalid_name")):
        with pytest.raises(SlackApiError) as caught:
            call(channel="C0SUPPORT", timestamp=ts, name="eyes" if error == "already_reacted" else ":eyes:")
        assert caught.value.response["error"] == error
    client.reactions_remove(channel="C0SUPPORT", timestamp=ts, name="eyes")
    assert slack.driver.reactions("#support", ts) == []
    with pytest.raises(SlackApiError) as caught:
        client.reactions_remove(channel="C0SUPPORT", timestamp=ts, name="eyes")
    assert caught.value.response["error"] == "no_reaction"


# ---------------------------------------------------------------------- views


MODAL = {
    "type": "modal",
    "callback_id": "reason",
    "title": {"type": "plain_text", "text": "Reason"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "why",
            "label": {"type": "plain_text", "text": "Why?"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        }
    ],
}


def test_views_open_exchanges_a_trigger_once(slack: SlackEmulator, client: WebClient) -> None:
    trigger = slack.workspace.new_trigger("U0DANA001")
    view = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert view["id"].startswith("V") and view["state"] == {"values": {}} and view["hash"]
    assert view["root_view_id"] == view["id"] and view["app_id"] == slack.seed.slack.app_id
    assert [v["id"] for v in slack.driver.open_views("dana")] == [view["id"]]
    for trigger_id, error in ((trigger, "exchanged_trigger_id"), ("123.456.nope", "invalid_trigger_id")):
        with pytest.raises(SlackApiError) as caught:
            client.views_open(trigger_id=trigger_id, view=MODAL)
        assert caught.value.response["error"] == error


def test_expired_trigger_is_refused(slack: SlackEmulator, client: WebClient) -> None:
    slack.workspace.trigger_ttl = 0.05
    try:
        trigger = slack.workspace.new_trigger("U0DANA001")
        time.sleep(0.1)
        with pytest.raises(SlackApiError) as caught:
            client.views_open(trigger_id=trigger, view=MODAL)
        assert caught.value.response["error"] == "expired_trigger_id"
    finally:
        slack.workspace.trigger_ttl = 3.0


def test_invalid_views_are_refused_with_invalid_arguments(slack: SlackEmulator, client: WebClient) -> None:
    trigger = slack.workspace.new_trigger("U0DANA001")
    with pytest.raises(SlackApiError) as caught:
        client.views_open(trigger_id=trigger, view={**MODAL, "title": {"type": "plain_text", "text": "x" * 30}})
    assert caught.value.response["error"] == "invalid_arguments"
    assert caught.value.response["response_metadata"]["messages"]
    assert slack.driver.open_views("dana") == []


def test_views_update_checks_the_hash_and_push_is_limited_to_three(slack: SlackEmulator, client: WebClient) -> None:
    view = client.views_open(trigger_id=slack.workspace.new_trigger("U0DANA001"), view=MODAL)["view"]
    updated = client.views_update(view_id=view["id"], hash=view["hash"], view=MODAL)["view"]
    assert updated["id"] == view["id"] and updated["hash"] != view["hash"]
    with pytest.raises(SlackApiError) as caught:
        client.views_update(view_id=view["id"], hash=view["hash"], view=MODAL)
    assert caught.value.response["error"] == "hash_conflict"
    for _ in range(2):
        client.views_push(trigger_id=slack.workspace.new_trigger("U0DANA001"), view=MODAL)
    with pytest.raises(SlackApiError) as caught:
        client.views_push(trigger_id=slack.workspace.new_trigger("U0DANA001"), view=MODAL)
    assert caught.value.response["error"] == "push_limit_reached"
    assert len(slack.driver.open_views("dana")) == 3


def test_views_publish_stores_the_app_home(slack: SlackEmulator, client: WebClient) -> None:
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Pending: 0"}}]}
    view = client.views_publish(user_id="U0DANA001", view=home)["view"]
    assert slack.driver.home_view("dana")["id"] == view["id"]
    with pytest.raises(SlackApiError) as caught:
        client.views_publish(user_id="U0DANA001", view=MODAL)
    assert caught.value.response["error"] == "invalid_arguments"


# ---------------------------------------------------------------------- faults


def test_429_with_retry_after_is_honoured_by_the_retry_handler(slack: SlackEmulator) -> None:
    env = slack.environment()
    client = WebClient(
        token=env["SLACK_BOT_TOKEN"],
        base_url=env["SLACK_API_URL"],
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    fault = slack.inject("chat.postMessage", status=429, retry_after=1, count=2)
    started = time.monotonic()
    client.chat_postMessage(channel="C0SUPPORT", text="eventually")
    assert time.monotonic() - started >= 2.0  # two waits of int(Retry-After) + jitter
    attempts = slack.requests.entries(path="chat.postMessage")
    assert [a.status for a in attempts] == [429, 429, 200]
    assert fault.fired == 2
    assert [m["text"] for m in slack.driver.channel_messages("#support")] == ["eventually"]


def test_429_without_a_retry_handler_carries_slacks_body_and_header(slack: SlackEmulator, client: WebClient) -> None:
    slack.inject("conversations.info", status=429)
    with pytest.raises(SlackApiError) as caught:
        client.conversations_info(channel="C0SUPPORT")
    assert caught.value.response.status_code == 429
    assert caught.value.response["error"] == "ratelimited"
    assert caught.value.response.headers["Retry-After"] == "1"


def test_response_url_is_limited_to_five_uses(slack: SlackEmulator) -> None:
    token = slack.workspace.new_response_url("U0DANA001", "C0SUPPORT", source="slash_command")
    url = f"{slack.base_url}/hooks/actions/{slack.workspace.team_id}/{token}"
    body = json.dumps({"text": "working on it"}).encode()
    for _ in range(5):
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.loads(response.read()) == {"ok": True}
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}))
    assert caught.value.code == 404 and json.loads(caught.value.read())["error"] == "used_url"
    assert len(slack.driver.ephemerals("dana")) == 5


def test_conversations_list_pages_through_channels_by_type(client: WebClient) -> None:
    first = client.conversations_list(limit=2)
    assert [c["name"] for c in first["channels"]] == ["eng", "general"]
    rest = client.conversations_list(limit=10, cursor=first["response_metadata"]["next_cursor"])
    assert [c["name"] for c in rest["channels"]] == ["random", "sales", "support"]
    assert rest["response_metadata"]["next_cursor"] == ""
    assert client.conversations_list(types="im")["channels"] == [], "no DM exists before anyone opens one"


def test_users_conversations_lists_what_the_bot_is_a_member_of(slack: SlackEmulator, client: WebClient) -> None:
    """#random has no bot in the seed; a private channel counts once the bot is invited, not before."""
    assert [c["name"] for c in client.users_conversations()["channels"]] == ["eng", "general", "sales", "support"]
    slack.driver.create_channel("dana", "incidents", "bob", private=True)
    slack.driver.create_channel("dana", "secret", "bob", private=True, invite_bot=False)
    both = client.users_conversations(types="public_channel,private_channel", limit=3)
    rest = client.users_conversations(
        types="public_channel,private_channel", cursor=both["response_metadata"]["next_cursor"]
    )
    names = [c["name"] for c in both["channels"] + rest["channels"]]
    assert sorted(names) == ["eng", "general", "incidents", "sales", "support"]
    assert all(c["is_member"] for c in both["channels"] + rest["channels"])
    slack.grant(slack.bot_scopes - {"groups:read"})
    with pytest.raises(SlackApiError) as refused:
        client.users_conversations(types="private_channel")
    assert refused.value.response["error"] == "missing_scope" and refused.value.response["needed"] == "groups:read"


def test_a_managers_field_is_read_as_slack_serves_custom_profile_fields(client: WebClient) -> None:
    """The field's id and label come from team.profile.get; each person's value from users.profile.get."""
    fields = client.team_profile_get()["profile"]["fields"]
    manager_field = next(f for f in fields if f["label"] == "Manager")
    assert manager_field["type"] == "user"
    assert client.users_info(user="U0DANA001")["user"]["profile"]["fields"] is None, "users.info omits them"
    dana = client.users_profile_get(user="U0DANA001")["profile"]
    assert dana["fields"][manager_field["id"]]["value"] == "U0HANK001"
    kara = client.users_profile_get(user="U0KARA001")["profile"]
    assert kara["fields"] == {}, "Kara reports to nobody in the seed"
