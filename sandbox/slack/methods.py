"""The Slack Web API methods the emulator serves, one decorated function each (see ``sandbox.slack.web_api``).

Each function reads its arguments, changes the workspace (which refuses with Slack's error names), emits the
events Slack would send for the change and returns the method's fields (``"ok": true`` is added by the handler).
The handler holds the workspace lock around each call, so a method sees and changes the state atomically.

Choices made where Slack's documentation is silent:
- ``chat.postMessage`` with an unknown ``thread_ts`` answers ``invalid_thread_ts``; a reply's ``ts`` as
  ``thread_ts`` threads under that reply's parent.
- ``chat.update`` keeps the blocks when ``blocks`` is omitted and removes them for ``blocks=[]`` (documented);
  it keeps the text when ``text`` is omitted.
- ``views.open`` replaces any modal the user has open; ``views.push`` without an open modal answers ``not_found``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sandbox.slack import events
from sandbox.slack.content import bot_message as build_bot_message
from sandbox.slack.content import checked_blocks, checked_text, checked_view, decode_json, message_parts
from sandbox.slack.web_api import HISTORY, READ, WRITE, Args, Call, method
from sandbox.slack.workspace import MANAGER_FIELD, Conversation, SlackError, Workspace

T = TypeVar("T")

MAX_PAGE = 1000


# ---------------------------------------------------------------------- shared lookups


def conversation_for_bot(ws: Workspace, ref: str, ctx: Call, *, must_be_member: bool = True) -> Conversation:
    """Resolve ``channel`` as Slack does for a bot token: an id, ``#name``, ``name`` or a user id (the DM), and
    check the scope the method needs for that kind of conversation (``missing_scope`` otherwise).

    A DM or private channel the bot is not part of does not exist for it (``channel_not_found``); a public
    channel it has not joined answers ``not_in_channel`` when ``must_be_member``.
    """
    if ref.startswith(("U", "W")) and ref in ws.users:
        conv = ws.conversation(ws.dm_with_bot(ref))
        ctx.check_conversation(conv.kind)
        return conv
    conv = ws.conversations.get(ref) or ws.channel_by_name(ref)
    if conv is None or (conv.kind != "channel" and ws.bot_user_id not in conv.members):
        raise SlackError("channel_not_found", detail=f"no conversation {ref!r} visible to the bot")
    ctx.check_conversation(conv.kind)
    if must_be_member and ws.bot_user_id not in conv.members:
        raise SlackError("not_in_channel", detail=f"the bot is not a member of #{conv.name}")
    return conv


def paginate(
    items: Sequence[T], *, limit: int, cursor: str | None, key: Callable[[T], str], prefix: str
) -> tuple[list[T], str]:
    """One page of ``items`` and the cursor of the next (``""`` at the end), Slack's base64 cursor style."""
    start = 0
    if cursor:
        try:
            kind, _, value = base64.b64decode(cursor.encode(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise SlackError("invalid_cursor", detail=f"cursor {cursor!r} was not issued by this API") from None
        keys = [key(item) for item in items]
        if kind != prefix or value not in keys:
            raise SlackError("invalid_cursor", detail=f"cursor {cursor!r} does not point into this list")
        start = keys.index(value)
    size = limit if 0 < limit <= MAX_PAGE else MAX_PAGE
    page = list(items[start : start + size])
    rest = items[start + size :]
    next_cursor = base64.b64encode(f"{prefix}:{key(rest[0])}".encode()).decode() if rest else ""
    return page, next_cursor


def in_range(ts: str, args: Args) -> bool:
    """Whether ``ts`` is inside the ``oldest`` / ``latest`` window (bounds excluded unless ``inclusive``)."""
    inclusive = args.bool("inclusive")
    value = float(ts)
    oldest, latest = _bound(args, "oldest"), _bound(args, "latest")
    if oldest is not None and (value < oldest or (value == oldest and not inclusive)):
        return False
    return not (latest is not None and (value > latest or (value == latest and not inclusive)))


def _bound(args: Args, name: str) -> float | None:
    raw = args.opt_str(name)
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        raise SlackError(f"invalid_ts_{name}", detail=f"{name}={raw!r} is not a timestamp") from None


def conversation_info(ws: Workspace, conv: Conversation, *, num_members: bool = False) -> dict[str, Any]:
    if conv.kind == "im":
        return {
            "id": conv.id,
            "created": conv.created,
            "is_im": True,
            "is_org_shared": False,
            "user": ws.im_user(conv, ws.bot_user_id),
            "is_user_deleted": False,
            "priority": 0,
            "is_open": True,
            "context_team_id": ws.team_id,
        }
    info: dict[str, Any] = {
        "id": conv.id,
        "name": conv.name,
        "is_channel": conv.kind in ("channel", "private"),  # a private channel since 2021 (C...) is a channel
        "is_group": False,
        "is_im": False,
        "is_mpim": conv.kind == "mpim",
        "is_private": conv.kind != "channel",
        "created": conv.created,
        "is_archived": False,
        "is_general": conv.name == "general",
        "unlinked": 0,
        "name_normalized": conv.name,
        "is_shared": False,
        "is_org_shared": False,
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "context_team_id": ws.team_id,
        "updated": conv.created * 1000,
        "creator": "",
        "is_ext_shared": False,
        "shared_team_ids": [ws.team_id],
        "is_member": ws.bot_user_id in conv.members,
        "topic": {"value": conv.topic, "creator": "", "last_set": 0},
        "purpose": {"value": conv.purpose, "creator": "", "last_set": 0},
        "previous_names": [],
    }
    if num_members:
        info["num_members"] = len(conv.members)
    return info


# ---------------------------------------------------------------------- auth and socket mode


@method("auth.test")
def auth_test(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    return {
        "url": f"https://{ws.team_domain}.slack.com/",
        "team": ws.team_name,
        "user": ws.seed.slack.bot.name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


@method("apps.connections.open", token="app", scopes=("connections:write",))
def apps_connections_open(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    return {"url": ctx.emulator.socket.open_ticket()}


# ---------------------------------------------------------------------- chat


@method("chat.postMessage", scopes=("chat:write",))
def chat_post_message(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    conv = conversation_for_bot(ws, args.str("channel", missing="channel_not_found"), ctx)
    text, blocks, attachments = message_parts(
        ws, text=args.raw("text"), blocks=args.raw("blocks"), attachments=args.raw("attachments")
    )
    metadata = decode_json(args.raw("metadata"), error="invalid_metadata_format")
    message = build_bot_message(ws, text=text, blocks=blocks, attachments=attachments, metadata=metadata)
    stored = ws.add_message(
        conv.id, message, thread_ts=args.opt_str("thread_ts"), broadcast=args.bool("reply_broadcast")
    )
    ctx.emit(events.message_posted(ws, conv, stored, ctx.subscriptions))
    return {"channel": conv.id, "ts": stored["ts"], "message": stored}


@method("chat.update", scopes=("chat:write",))
def chat_update(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    conv = conversation_for_bot(ws, args.str("channel", missing="channel_not_found"), ctx)
    ts = args.str("ts", missing="message_not_found")
    current = ws.message(conv.id, ts)
    if current.get("bot_id") != ws.bot_id:
        raise SlackError("cant_update_message", detail=f"message {ts} was not posted by the app")
    changes: dict[str, Any] = {}
    if args.raw("text") is not None:
        changes["text"] = checked_text(args.raw("text"))
    if args.raw("blocks") is not None:
        blocks = checked_blocks(args.raw("blocks"))
        changes["blocks"] = blocks or None  # [] removes the blocks (documented); None keeps them
    if args.raw("attachments") is not None:
        attachments = decode_json(args.raw("attachments"), error="invalid_attachments")
        changes["attachments"] = attachments or None
    if args.raw("metadata") is not None:
        changes["metadata"] = decode_json(args.raw("metadata"), error="invalid_metadata_format")
    if not changes:
        raise SlackError("no_text", detail="give text, blocks or attachments to update")
    merged = {**current, **changes}
    if not merged.get("text") and not merged.get("blocks") and not merged.get("attachments"):
        raise SlackError("no_text", detail="the updated message would be empty")
    previous, updated = ws.update_message(conv.id, ts, changes, editor=ws.bot_user_id)
    ctx.emit(events.message_changed(ws, conv, previous, updated, ctx.subscriptions))
    return {"channel": conv.id, "ts": ts, "text": updated.get("text", ""), "message": updated}


@method("chat.postEphemeral", scopes=("chat:write",))
def chat_post_ephemeral(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    conv = conversation_for_bot(ws, args.str("channel", missing="channel_not_found"), ctx)
    user_id = args.str("user", missing="user_not_found")
    ws.user(user_id)
    if user_id not in conv.members:
        raise SlackError("user_not_in_channel", detail=f"{user_id} is not a member of {conv.id}")
    text, blocks, attachments = message_parts(
        ws, text=args.raw("text"), blocks=args.raw("blocks"), attachments=args.raw("attachments")
    )
    message = build_bot_message(ws, text=text, blocks=blocks, attachments=attachments)
    thread_ts = args.opt_str("thread_ts")
    if thread_ts:
        message["thread_ts"] = thread_ts
    stored = ws.add_ephemeral(user_id, conv.id, message)
    return {"message_ts": stored["ts"]}


@method("chat.delete", scopes=("chat:write",))
def chat_delete(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    conv = conversation_for_bot(ws, args.str("channel", missing="channel_not_found"), ctx)
    ts = args.str("ts", missing="message_not_found")
    current = ws.message(conv.id, ts)
    if current.get("bot_id") != ws.bot_id:
        raise SlackError("cant_delete_message", detail=f"message {ts} was not posted by the app")
    previous = ws.delete_message(conv.id, ts)
    ctx.emit(events.message_deleted(ws, conv, previous, ctx.subscriptions))
    return {"channel": conv.id, "ts": ts}


@method("chat.getPermalink")
def chat_get_permalink(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    conv = conversation_for_bot(ws, args.str("channel", missing="channel_not_found"), ctx, must_be_member=False)
    ts = args.str("message_ts", missing="message_not_found")
    message = ws.message(conv.id, ts)
    permalink = f"{ctx.base_url}/archives/{conv.id}/p{ts.replace('.', '')}"
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != ts:
        permalink += f"?thread_ts={thread_ts}&cid={conv.id}"
    return {"channel": conv.id, "permalink": permalink}


# ---------------------------------------------------------------------- conversations


@method("conversations.replies", conversation=HISTORY)
def conversations_replies(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    conv = conversation_for_bot(ws, args.str("channel", missing="channel_not_found"), ctx)
    thread = ws.thread(conv.id, args.str("ts", missing="thread_not_found"))
    parent, replies = thread[0], [m for m in thread[1:] if in_range(m["ts"], args)]
    cursor = args.opt_str("cursor")
    items = replies if cursor else [parent, *replies]
    page, next_cursor = paginate(
        items, limit=args.int("limit", MAX_PAGE), cursor=cursor, key=lambda m: m["ts"], prefix="next_ts"
    )
    return {"messages": page, "has_more": bool(next_cursor), "response_metadata": {"next_cursor": next_cursor}}


@method("conversations.history", conversation=HISTORY)
def conversations_history(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    conv = conversation_for_bot(ws, args.str("channel", missing="channel_not_found"), ctx)
    messages = [m for m in reversed(ws.history(conv.id)) if in_range(m["ts"], args)]
    page, next_cursor = paginate(
        messages,
        limit=args.int("limit", 100),
        cursor=args.opt_str("cursor"),
        key=lambda m: m["ts"],
        prefix="next_ts",
    )
    return {
        "messages": page,
        "has_more": bool(next_cursor),
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
        "response_metadata": {"next_cursor": next_cursor},
    }


@method("conversations.open", conversation=WRITE)
def conversations_open(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    if "channel" in args:
        conv = conversation_for_bot(ws, args.str("channel"), ctx)
        if conv.kind == "channel":
            raise SlackError("method_not_supported_for_channel_type", detail="conversations.open takes a DM")
        existed = True
    else:
        users = [u.strip() for u in args.str("users", missing="users_list_not_supplied").split(",") if u.strip()]
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) > 8:
            raise SlackError("too_many_users", detail="a group DM holds at most 8 people besides the app")
        ids = {ws.user(u)["id"] for u in users} | {ws.bot_user_id}
        ctx.check_conversation("im" if len(ids) == 2 else "mpim")
        known = set(ws.conversations)
        conv = ws.open_dm(ids)
        existed = conv.id in known
    body: dict[str, Any] = {"channel": conversation_info(ws, conv) if args.bool("return_im") else {"id": conv.id}}
    if existed:
        body.update(no_op=True, already_open=True)
    return body


@method("conversations.info", conversation=READ)
def conversations_info(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    conv = conversation_for_bot(ws, args.str("channel", missing="channel_not_found"), ctx, must_be_member=False)
    return {"channel": conversation_info(ws, conv, num_members=args.bool("include_num_members"))}


def _listed_kinds(args: Args, ctx: Call) -> set[str]:
    """The conversation kinds of ``types`` (default ``public_channel``); each one asked for needs its scope."""
    kinds = {
        {"public_channel": "channel", "private_channel": "private", "mpim": "mpim", "im": "im"}.get(t.strip(), "?")
        for t in (args.opt_str("types") or "public_channel").split(",")
    }
    for kind in ("channel", "private", "mpim", "im"):
        if kind in kinds:
            ctx.check_conversation(kind)
    return kinds


def _channels_page(ws: Workspace, args: Args, conversations: list[Conversation]) -> dict[str, Any]:
    infos = [conversation_info(ws, c) for c in sorted(conversations, key=lambda c: c.id)]
    page, next_cursor = paginate(
        infos, limit=args.int("limit", 0), cursor=args.opt_str("cursor"), key=lambda c: c["id"], prefix="conv"
    )
    return {"channels": page, "response_metadata": {"next_cursor": next_cursor}}


@method("conversations.list", conversation=READ)
def conversations_list(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    """Channels of the requested ``types`` (default ``public_channel``), sorted by id, paginated by cursor."""
    kinds = _listed_kinds(args, ctx)
    with ws.changed:
        return _channels_page(ws, args, [c for c in ws.conversations.values() if c.kind in kinds])


@method("users.conversations", conversation=READ)
def users_conversations(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    """The conversations of ``types`` the bot is a member of (another ``user``'s only as far as the bot sees them:
    the public channels, and the rest the bot shares), sorted by id, paginated by cursor. ``exclude_archived`` is
    accepted; nothing in the sandbox is archived."""
    kinds = _listed_kinds(args, ctx)
    user = args.opt_str("user") or ws.bot_user_id
    if user != ws.bot_user_id:
        ws.user(user)  # user_not_found for someone who does not exist
    with ws.changed:
        visible = [c for c in ws.conversations.values() if c.kind == "channel" or ws.bot_user_id in c.members]
        return _channels_page(ws, args, [c for c in visible if c.kind in kinds and user in c.members])


# ---------------------------------------------------------------------- users and user groups


@method("users.info", scopes=("users:read",))
def users_info(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    user = _shown_user(ws.user(args.str("user", missing="user_not_found")), ctx)
    if args.bool("include_locale"):
        user["locale"] = "en-US"
    return {"user": user}


def _shown_user(user: dict[str, Any], ctx: Call) -> dict[str, Any]:
    """A user as the token may see it: the email only with ``users:read.email``, as Slack shows it."""
    if "users:read.email" not in ctx.granted:
        user["profile"].pop("email", None)
    return user


@method("users.list", scopes=("users:read",))
def users_list(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    members = [_shown_user(ws.user(uid), ctx) for uid in ws.user_ids()]
    page, next_cursor = paginate(
        members, limit=args.int("limit", 0), cursor=args.opt_str("cursor"), key=lambda u: u["id"], prefix="user"
    )
    return {"members": page, "cache_ts": int(ws.clock()), "response_metadata": {"next_cursor": next_cursor}}


@method("users.lookupByEmail", scopes=("users:read.email",))
def users_lookup_by_email(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    return {"user": ws.user_by_email(args.str("email", missing="users_not_found"))}


@method("users.profile.get", scopes=("users.profile:read",))
def users_profile_get(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    """Another user's profile with its custom ``fields`` (users.info leaves them out, as Slack does)."""
    user = ws.user(args.opt_str("user") or ws.bot_user_id)
    fields = ws.profile_fields(user["id"])
    if args.bool("include_labels"):
        fields = {k: {**v, "label": MANAGER_FIELD["label"]} for k, v in fields.items()}
    return {"profile": {**user["profile"], "fields": fields}}


@method("team.profile.get", scopes=("users.profile:read",))
def team_profile_get(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    return {"profile": {"fields": [dict(MANAGER_FIELD)], "sections": []}}


@method("usergroups.users.list", scopes=("usergroups:read",))
def usergroups_users_list(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    return {"users": ws.usergroup(args.str("usergroup", missing="no_such_subteam"))["users"]}


@method("usergroups.list", scopes=("usergroups:read",))
def usergroups_list(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    groups = [ws.usergroup(g) for g in ws.usergroups]
    if not args.bool("include_users"):
        for group in groups:
            group.pop("users")
    return {"usergroups": groups}


# ---------------------------------------------------------------------- reactions


@method("reactions.add", scopes=("reactions:write",))
def reactions_add(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    conv = conversation_for_bot(ws, args.str("channel", missing="channel_not_found"), ctx)
    name = args.str("name", missing="invalid_name")
    message = ws.add_reaction(conv.id, args.str("timestamp", missing="message_not_found"), name, ws.bot_user_id)
    ctx.emit(
        events.reaction_changed(
            ws, conv, message, reaction=name, user_id=ws.bot_user_id, added=True, subscriptions=ctx.subscriptions
        )
    )
    return {}


@method("reactions.remove", scopes=("reactions:write",))
def reactions_remove(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    conv = conversation_for_bot(ws, args.str("channel", missing="channel_not_found"), ctx)
    name = args.str("name", missing="invalid_name")
    message = ws.remove_reaction(conv.id, args.str("timestamp", missing="message_not_found"), name, ws.bot_user_id)
    ctx.emit(
        events.reaction_changed(
            ws, conv, message, reaction=name, user_id=ws.bot_user_id, added=False, subscriptions=ctx.subscriptions
        )
    )
    return {}


# ---------------------------------------------------------------------- views


@method("views.open")
def views_open(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    view = checked_view(args.raw("view"), kinds=("modal",))
    user_id = ws.exchange_trigger(args.str("trigger_id", missing="invalid_trigger_id"))
    return {"view": ws.open_modal(user_id, view)}


@method("views.push")
def views_push(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    view = checked_view(args.raw("view"), kinds=("modal",))
    user_id = ws.exchange_trigger(args.str("trigger_id", missing="invalid_trigger_id"))
    return {"view": ws.push_modal(user_id, view)}


@method("views.update")
def views_update(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    if "view_id" in args:
        target = ws.view(args.str("view_id"))
    elif "external_id" in args:
        target = ws.view_by_external_id(args.str("external_id"))
    else:
        raise SlackError("invalid_arguments", messages=["[ERROR] either view_id or external_id is required"])
    view = checked_view(args.raw("view"), kinds=(target.kind,))
    return {"view": ws.update_view(target.view["id"], view, hash_=args.opt_str("hash"))}


@method("views.publish")
def views_publish(ws: Workspace, args: Args, ctx: Call) -> dict[str, Any]:
    user_id = args.str("user_id", missing="user_not_found")
    ws.user(user_id)
    view = checked_view(args.raw("view"), kinds=("home",))
    return {"view": ws.publish_home(user_id, view, hash_=args.opt_str("hash"))}
