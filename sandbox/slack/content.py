"""What an app may put in a message or a view, checked the way Slack checks it, and the bot's message shape.

Every path by which the app writes content (``chat.*``, ``views.*``, ``response_url`` posts, slash command and
view submission acks) goes through here, so an invalid block is refused the same way everywhere and is never
stored. Block Kit rules themselves live in ``sandbox.blockkit``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from sandbox import blockkit
from sandbox.slack.workspace import MAX_TEXT_CHARS, SlackError, Workspace


def decode_json(value: Any, *, error: str) -> Any:
    """A JSON-valued argument: form encodings send it as a string, JSON bodies as the value itself."""
    if not isinstance(value, str):
        return value
    if value.strip() == "":
        return None
    try:
        return json.loads(value)
    except ValueError:
        raise SlackError(error, detail="the value is not valid JSON") from None


def checked_blocks(raw: Any, *, surface: blockkit.Surface = "message") -> list[dict[str, Any]] | None:
    """Decode and validate ``blocks``; returns them with Slack's generated ids, or None when absent.

    Errors: ``invalid_blocks_format`` (not JSON / not an array), ``invalid_blocks`` with Slack's
    ``[ERROR] ... [json-pointer:...]`` lines.
    """
    blocks = decode_json(raw, error="invalid_blocks_format")
    if blocks is None:
        return None
    if not isinstance(blocks, list):
        raise SlackError("invalid_blocks_format", detail="blocks must be a JSON array")
    if not blocks:
        return []
    errors = blockkit.validate_blocks(blocks, surface=surface, pointer="/blocks")
    if errors:
        raise SlackError("invalid_blocks", messages=[str(e) for e in errors], detail=str(errors[0]))
    return blockkit.assign_ids(blocks)


def checked_view(raw: Any, *, kinds: tuple[str, ...]) -> dict[str, Any]:
    """Decode and validate a view; Slack answers ``invalid_arguments`` with the error lines for a bad view."""
    view = decode_json(raw, error="invalid_arguments")
    if not isinstance(view, dict):
        raise SlackError("invalid_arguments", messages=["[ERROR] must provide an object [json-pointer:/view]"])
    errors = blockkit.validate_view(view)
    if errors:
        raise SlackError("invalid_arguments", messages=[str(e) for e in errors], detail=str(errors[0]))
    if view.get("type") not in kinds:
        raise SlackError(
            "invalid_arguments",
            messages=[f"[ERROR] must be one of {list(kinds)} [json-pointer:/view/type]"],
            detail=f"this method takes a view of type {' or '.join(kinds)}",
        )
    checked = copy.deepcopy(view)
    checked["blocks"] = blockkit.assign_ids(view.get("blocks", []))
    return checked


def checked_text(raw: Any) -> str | None:
    if raw is None:
        return None
    text = str(raw)
    if len(text) > MAX_TEXT_CHARS:
        raise SlackError("msg_too_long", detail=f"text has {len(text)} characters; Slack's limit is {MAX_TEXT_CHARS}")
    return text


def bot_profile(ws: Workspace) -> dict[str, Any]:
    name = ws.seed.slack.bot.real_name
    return {
        "id": ws.bot_id,
        "deleted": False,
        "name": name,
        "updated": int(ws.clock()) - 86_400,
        "app_id": ws.app_id,
        "icons": {
            f"image_{size}": f"https://avatars.northwind.example/{ws.bot_user_id}_{size}.png" for size in (36, 48, 72)
        },
        "team_id": ws.team_id,
    }


def bot_message(
    ws: Workspace,
    *,
    text: str | None,
    blocks: list[dict[str, Any]] | None,
    attachments: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A message authored by the app, stamped with the identity ``auth.test`` returns (user and bot_id)."""
    message: dict[str, Any] = {
        "type": "message",
        "user": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "app_id": ws.app_id,
        "text": text or "",
        "team": ws.team_id,
        "bot_profile": bot_profile(ws),
    }
    if blocks:
        message["blocks"] = blocks
    if attachments:
        message["attachments"] = attachments
    if metadata:
        message["metadata"] = metadata
    return message


def message_parts(
    ws: Workspace, *, text: Any, blocks: Any, attachments: Any = None
) -> tuple[str | None, list[dict[str, Any]] | None, list[dict[str, Any]] | None]:
    """Check the content of a new message; ``no_text`` when there is neither text, blocks nor attachments."""
    checked_text_ = checked_text(text)
    checked_blocks_ = checked_blocks(blocks)
    checked_attachments = decode_json(attachments, error="invalid_attachments")
    if checked_attachments is not None and not isinstance(checked_attachments, list):
        raise SlackError("invalid_attachments", detail="attachments must be a JSON array")
    if not checked_text_ and not checked_blocks_ and not checked_attachments:
        raise SlackError("no_text", detail="give text, blocks or attachments")
    return checked_text_, checked_blocks_, checked_attachments
