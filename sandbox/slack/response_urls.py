"""``response_url`` endpoints: where an app answers an interaction or a slash command by POSTing JSON.

A response URL belongs to one user, one conversation and, for clicks, one source message. Slack's rules:

- ``delete_original`` deletes the source message; ``replace_original`` replaces its text and blocks (an
  ephemeral source is replaced or deleted for its user only);
- otherwise ``response_type: "in_channel"`` posts a new app message in the conversation (in the source thread
  unless ``thread_ts`` says otherwise) and ``"ephemeral"`` (the default) shows a message to that user only;
- a URL can be used 5 times within 30 minutes (``used_url`` / ``expired_url``, HTTP 404).

``apply_response`` is also how the driver shows a slash command's ack text, so both paths behave the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from sandbox.slack import events
from sandbox.slack.content import bot_message, checked_blocks, checked_text, decode_json
from sandbox.slack.workspace import SlackError, Workspace

if TYPE_CHECKING:
    from sandbox.slack import SlackEmulator

PATH = "/hooks/actions"
_URL_ERRORS = {"no_such_url": 404, "used_url": 404, "expired_url": 404}


@dataclass(frozen=True)
class ResponseTarget:
    """Where a response goes: the user, the conversation and the message the interaction came from."""

    user: str
    channel: str
    message_ts: str | None = None
    is_ephemeral: bool = False
    thread_ts: str | None = None


def response_url(base_url: str, team_id: str, token: str) -> str:
    return f"{base_url}{PATH}/{team_id}/{token}"


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true")


def apply_response(
    ws: Workspace, target: ResponseTarget, body: dict[str, Any], subscriptions: frozenset[str]
) -> list[dict[str, Any]]:
    """Apply one response body (``text``, ``blocks``, ``response_type``, ``replace_original``, ...).

    Returns the events to deliver; raises ``SlackError`` without changing anything when the body is refused.
    """
    with ws.changed:
        conv = ws.conversation(target.channel)
        if _truthy(body.get("delete_original")):
            return _delete_original(ws, target, subscriptions)
        text = checked_text(body.get("text"))
        blocks = checked_blocks(body.get("blocks"))
        attachments = decode_json(body.get("attachments"), error="invalid_attachments")
        if not text and not blocks and not attachments:
            raise SlackError("no_text", detail="a response needs text, blocks or attachments")
        if _truthy(body.get("replace_original")) and target.message_ts is not None:
            changes = {"text": text or "", "blocks": blocks or None, "attachments": attachments or None}
            if target.is_ephemeral:
                ws.replace_ephemeral(target.user, target.message_ts, changes)
                return []
            _require_app_message(ws, target)
            previous, current = ws.update_message(target.channel, target.message_ts, changes, editor=ws.bot_user_id)
            return events.message_changed(ws, conv, previous, current, subscriptions)
        message = bot_message(ws, text=text, blocks=blocks, attachments=attachments)
        thread_ts = body.get("thread_ts") or target.thread_ts
        if body.get("response_type") == "in_channel":
            stored = ws.add_message(target.channel, message, thread_ts=thread_ts)
            return events.message_posted(ws, conv, stored, subscriptions)
        if thread_ts:
            message["thread_ts"] = thread_ts
        ws.add_ephemeral(target.user, target.channel, message)
        return []


def _delete_original(ws: Workspace, target: ResponseTarget, subscriptions: frozenset[str]) -> list[dict[str, Any]]:
    if target.message_ts is None:
        raise SlackError("no_original_message", detail="this response_url has no source message to delete")
    if target.is_ephemeral:
        ws.delete_ephemeral(target.user, target.message_ts)
        return []
    _require_app_message(ws, target)
    previous = ws.delete_message(target.channel, target.message_ts)
    return events.message_deleted(ws, ws.conversation(target.channel), previous, subscriptions)


def _require_app_message(ws: Workspace, target: ResponseTarget) -> None:
    assert target.message_ts is not None
    if ws.message(target.channel, target.message_ts).get("bot_id") != ws.bot_id:
        raise SlackError("cant_update_message", detail="only the app's own messages can be replaced or deleted")


def add_routes(app: web.Application, emulator: SlackEmulator) -> None:
    async def handle(request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            if request.content_type == "application/x-www-form-urlencoded":
                form = await request.post()
                body = json.loads(str(form.get("payload", "{}")))
            else:
                body = json.loads(raw or b"{}")
        except ValueError:
            return web.json_response({"ok": False, "error": "invalid_payload"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"ok": False, "error": "invalid_payload"}, status=400)
        ws = emulator.workspace
        try:
            with ws.changed:
                record = ws.use_response_url(request.match_info["token"])
                target = ResponseTarget(
                    user=record.user,
                    channel=record.channel,
                    message_ts=record.message_ts,
                    is_ephemeral=record.is_ephemeral,
                    thread_ts=record.thread_ts,
                )
                emitted = apply_response(ws, target, body, emulator.subscriptions)
        except SlackError as exc:
            answer: dict[str, Any] = {"ok": False, "error": exc.error}
            if exc.messages:
                answer["response_metadata"] = {"messages": exc.messages}
            return web.json_response(answer, status=_URL_ERRORS.get(exc.error, 400))
        emulator.publish(emitted)
        return web.json_response({"ok": True})

    app.router.add_post(PATH + "/{team}/{token}", handle)
