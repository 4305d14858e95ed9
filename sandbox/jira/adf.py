"""Plain text <-> Atlassian Document Format, as far as the emulator needs it.

REST v3 carries rich-text fields (description, comment body) as ADF documents, v2 as strings. The emulator stores
plain text and converts at the edge. The invariant: ``to_text(from_text(s)) == s`` for every string ``s``, so a
value written through v3 and read through v2 (or the reverse) comes back unchanged. One paragraph per line.
"""

from __future__ import annotations

from typing import Any


def from_text(text: str) -> dict[str, Any]:
    """An ADF ``doc`` with one paragraph per line of ``text``."""
    paragraphs: list[dict[str, Any]] = []
    for line in text.split("\n"):
        content = [{"type": "text", "text": line}] if line else []
        paragraphs.append({"type": "paragraph", "content": content})
    return {"type": "doc", "version": 1, "content": paragraphs}


def is_document(value: object) -> bool:
    return isinstance(value, dict) and value.get("type") == "doc"


def to_text(document: dict[str, Any]) -> str:
    """The text of an ADF document: block nodes become lines, ``hardBreak`` a newline, mentions their text."""
    lines = [_inline_text(block) for block in document.get("content") or []]
    return "\n".join(lines)


def _inline_text(node: dict[str, Any]) -> str:
    kind = node.get("type")
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    if kind in ("mention", "emoji"):
        attrs = node.get("attrs") or {}
        return str(attrs.get("text") or attrs.get("shortName") or "")
    children = node.get("content") or []
    if kind in ("bulletList", "orderedList", "blockquote", "panel", "listItem"):
        return "\n".join(_inline_text(child) for child in children)
    return "".join(_inline_text(child) for child in children)
