"""Events API payloads, built as Slack builds them (see the reference's section 2) and filtered by subscription.

Pure functions: they read the workspace and return dictionaries; the emulator decides when to deliver them. The
subscription rules are Slack's: ``message.channels`` / ``message.groups`` (private channels) / ``message.im`` /
``message.mpim`` only for conversations the bot is a member of, ``app_mention`` only where the bot is a member and
never in a DM with the bot (there the app gets ``message.im`` alone), ``reaction_added`` / ``reaction_removed``
only where the bot is a member.
"""

from __future__ import annotations

import copy
import re
import secrets
from collections.abc import Iterable
from typing import Any

from sandbox.slack.workspace import Conversation, Workspace

VERIFICATION_TOKEN = "sandbox-verification-token"

_MESSAGE_SUBSCRIPTION = {
    "channel": "message.channels",
    "private": "message.groups",
    "im": "message.im",
    "mpim": "message.mpim",
}

# Fields of a stored message that are state, not part of the "message posted" event.
_STATE_FIELDS = (
    "reactions",
    "reply_count",
    "reply_users",
    "reply_users_count",
    "latest_reply",
    "edited",
    "is_locked",
    "subscribed",
)

_MARKUP = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>|<(https?://[^>|]+)(?:\|([^>]*))?>")


def event_callback(ws: Workspace, event: dict[str, Any]) -> dict[str, Any]:
    """Wrap an inner event in Slack's ``event_callback`` envelope payload (fresh ``event_id``)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.team_id,
        "context_team_id": ws.team_id,
        "context_enterprise_id": None,
        "api_app_id": ws.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": ws.next_id("Ev0", 9),
        "event_time": int(ws.clock()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team_id,
                "user_id": ws.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + secrets.token_urlsafe(24),
    }


def mentions_bot(ws: Workspace, text: str) -> bool:
    return f"<@{ws.bot_user_id}>" in text or f"<@{ws.bot_user_id}|" in text


def message_posted(
    ws: Workspace, conv: Conversation, message: dict[str, Any], subscriptions: Iterable[str]
) -> list[dict[str, Any]]:
    """The events a newly stored message produces: ``message`` and, for a mention, ``app_mention``."""
    subs = set(subscriptions)
    if ws.bot_user_id not in conv.members:
        return []
    events: list[dict[str, Any]] = []
    body = {k: copy.deepcopy(v) for k, v in message.items() if k not in _STATE_FIELDS}
    if _MESSAGE_SUBSCRIPTION.get(conv.kind) in subs:
        events.append({**body, "channel": conv.id, "event_ts": message["ts"], "channel_type": conv.channel_type})
    is_human = "bot_id" not in message
    if "app_mention" in subs and conv.kind != "im" and is_human and mentions_bot(ws, message.get("text", "")):
        mention = {k: v for k, v in body.items() if k not in ("subtype", "channel_type")}
        mention.update(type="app_mention", channel=conv.id, event_ts=message["ts"])
        events.append(mention)
    return events


def message_changed(
    ws: Workspace,
    conv: Conversation,
    previous: dict[str, Any],
    current: dict[str, Any],
    subscriptions: Iterable[str],
) -> list[dict[str, Any]]:
    if not _sees_messages(ws, conv, subscriptions):
        return []
    ts = ws.next_ts()
    return [
        {
            "type": "message",
            "subtype": "message_changed",
            "message": {**copy.deepcopy(current), "type": "message"},
            "previous_message": copy.deepcopy(previous),
            "channel": conv.id,
            "hidden": True,
            "ts": ts,
            "event_ts": ts,
            "channel_type": conv.channel_type,
        }
    ]


def message_deleted(
    ws: Workspace, conv: Conversation, previous: dict[str, Any], subscriptions: Iterable[str]
) -> list[dict[str, Any]]:
    if not _sees_messages(ws, conv, subscriptions):
        return []
    ts = ws.next_ts()
    return [
        {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "deleted_ts": previous["ts"],
            "channel": conv.id,
            "previous_message": copy.deepcopy(previous),
            "ts": ts,
            "event_ts": ts,
            "channel_type": conv.channel_type,
        }
    ]


def reaction_changed(
    ws: Workspace,
    conv: Conversation,
    message: dict[str, Any],
    *,
    reaction: str,
    user_id: str,
    added: bool,
    subscriptions: Iterable[str],
) -> list[dict[str, Any]]:
    kind = "reaction_added" if added else "reaction_removed"
    if kind not in set(subscriptions) or ws.bot_user_id not in conv.members:
        return []
    event = {
        "type": kind,
        "user": user_id,
        "reaction": reaction,
        "item": {"type": "message", "channel": conv.id, "ts": message["ts"]},
        "event_ts": ws.next_ts(),
    }
    if message.get("user"):
        event["item_user"] = message["user"]
    return [event]


def app_home_opened(
    ws: Workspace, user_id: str, subscriptions: Iterable[str], *, tab: str = "home"
) -> list[dict[str, Any]]:
    if "app_home_opened" not in set(subscriptions):
        return []
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": ws.dm_with_bot(user_id),
        "tab": tab,
        "event_ts": ws.next_ts(),
    }
    home = ws.home_view(user_id)
    if home is not None:
        event["view"] = home
    return [event]


def _sees_messages(ws: Workspace, conv: Conversation, subscriptions: Iterable[str]) -> bool:
    return ws.bot_user_id in conv.members and _MESSAGE_SUBSCRIPTION.get(conv.kind) in set(subscriptions)


def rich_text_blocks(text: str) -> list[dict[str, Any]]:
    """The ``rich_text`` block a Slack client attaches to a typed message (mentions become elements)."""
    elements: list[dict[str, Any]] = []
    pos = 0
    for match in _MARKUP.finditer(text):
        if match.start() > pos:
            elements.append({"type": "text", "text": _unescape(text[pos : match.start()])})
        elements.append(_markup_element(match))
        pos = match.end()
    if pos < len(text):
        elements.append({"type": "text", "text": _unescape(text[pos:])})
    return [
        {
            "type": "rich_text",
            "block_id": secrets.token_urlsafe(4)[:5],
            "elements": [{"type": "rich_text_section", "elements": elements}],
        }
    ]


def _markup_element(match: re.Match[str]) -> dict[str, Any]:
    sigil, target, label, url, url_label = match.groups()
    if url is not None:
        element: dict[str, Any] = {"type": "link", "url": url}
        if url_label:
            element["text"] = url_label
        return element
    if sigil == "@":
        return {"type": "user", "user_id": target}
    if sigil == "#":
        return {"type": "channel", "channel_id": target}
    if target.startswith("subteam^"):
        return {"type": "usergroup", "usergroup_id": target.split("^", 1)[1]}
    if target in ("here", "channel", "everyone"):
        return {"type": "broadcast", "range": target}
    return {"type": "text", "text": label or target}


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
