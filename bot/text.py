"""Slack's message text as plain text: what the person typed, for summaries, descriptions and quotes.

Slack sends text with ``&``, ``<`` and ``>`` encoded as entities and with markup in angle brackets: links
(``<https://x|label>``), channels (``<#C123|support>``), special mentions (``<!here>``) and user mentions
(``<@U123>``). Turning it into plain text decodes the entities and writes the markup out; user mentions are kept as
``<@U…>`` tokens by default, because grounding resolves them to people. (Someone typing a literal ``<@U1>`` ends up
with the same token as a mention of U1: it names the same person either way, and grants nothing.) The cards escape
plain text again when they show it.
"""

from __future__ import annotations

import re

_MARKUP = re.compile(r"<([^<>]+)>")


def _markup(token: str, *, keep_mentions: bool) -> str:
    body, _, label = token.partition("|")
    if body.startswith("@"):
        return f"<{token}>" if keep_mentions else "@" + (label or body[1:])
    if body.startswith("#"):
        return "#" + (label or body[1:])
    if body.startswith("!subteam^"):
        return "@" + (label or "group")
    if body.startswith("!"):
        return "@" + (label or body[1:].split("^")[0])
    if label:
        return f"{label} ({body})" if label != body else body
    return body


def to_plain(text: str, *, keep_mentions: bool = True) -> str:
    """The text as typed: entities decoded, links and channel or group references written out."""
    converted = _MARKUP.sub(lambda m: _markup(m[1], keep_mentions=keep_mentions), text)
    return converted.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
