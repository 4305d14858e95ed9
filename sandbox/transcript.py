"""Slack messages as readable terminal text, for the demo's transcript.

mrkdwn is turned into plain words (``<@U0BOB0001>`` -> ``@Bob Okafor``, ``<url|PAY-13>`` -> ``PAY-13 (url)``,
``*bold*`` -> ``bold``) and Block Kit into indented lines: sections, fields, context, and buttons as
``[Approve]``. An element this renderer does not know is shown as ``[unsupported: <type>]``, never dropped.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from typing import Any

NameOf = Callable[[str], str]

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CDG][A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SUBTEAM = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>")
_EMOJI = {
    ":white_check_mark:": "✅",
    ":x:": "❌",
    ":hourglass_flowing_sand:": "⏳",
    ":hourglass:": "⌛",
    ":no_entry_sign:": "🚫",
    ":no_entry:": "⛔",
    ":heavy_multiplication_x:": "✖",
    ":rotating_light:": "🚨",
    ":eyes:": "👀",
}


def plain(text: str, name_of: NameOf, channel_name: NameOf) -> str:
    text = _USER.sub(lambda m: "@" + name_of(m[1]), text)
    text = _CHANNEL.sub(lambda m: "#" + (m[2] or channel_name(m[1])), text)
    text = _LINK.sub(lambda m: f"{m[2]} ({m[1]})" if m[2] else m[1], text)
    text = _SUBTEAM.sub(lambda m: "@" + (m[1] or "group"), text)
    for code, emoji in _EMOJI.items():
        text = text.replace(code, emoji)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text_of(obj: dict[str, Any] | None, name_of: NameOf, channel_name: NameOf) -> str:
    if not obj:
        return ""
    return plain(str(obj.get("text", "")), name_of, channel_name)


def render_message(message: dict[str, Any], name_of: NameOf, channel_name: NameOf, *, width: int = 100) -> list[str]:
    """The lines a reader would see for ``message`` (its blocks if it has any, else its text)."""
    blocks = message.get("blocks") or []
    if not blocks:
        return _wrap(plain(str(message.get("text", "")), name_of, channel_name), width)
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            if block.get("text"):
                lines += _wrap(_text_of(block["text"], name_of, channel_name), width)
            fields = [_text_of(f, name_of, channel_name).replace("\n", ": ", 1) for f in block.get("fields", [])]
            lines += [f"  {field}" for field in fields]
            accessory = block.get("accessory")
            if accessory:
                lines.append("  " + _element(accessory, name_of, channel_name))
        elif kind == "header":
            lines += _wrap(_text_of(block.get("text"), name_of, channel_name).upper(), width)
        elif kind == "context":
            lines += _wrap(" ".join(_text_of(e, name_of, channel_name) for e in block.get("elements", [])), width, "  ")
        elif kind == "actions":
            lines.append("  " + " ".join(_element(e, name_of, channel_name) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("  " + "─" * 40)
        elif kind == "rich_text":
            lines += _wrap(plain(str(message.get("text", "")), name_of, channel_name), width)
        else:
            lines.append(f"[unsupported block: {kind}]")
    return lines


def _element(element: dict[str, Any], name_of: NameOf, channel_name: NameOf) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[{_text_of(element.get('text'), name_of, channel_name)}]"
    if kind in ("static_select", "overflow"):
        options = [_text_of(o.get("text"), name_of, channel_name) for o in element.get("options", [])]
        return "[choose: " + " | ".join(options) + "]"
    return f"[unsupported: {kind}]"


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    out: list[str] = []
    for paragraph in text.splitlines() or [""]:
        out += textwrap.wrap(paragraph, width, initial_indent=indent, subsequent_indent=indent) or [indent]
    return out
