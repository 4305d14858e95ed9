"""Small helpers for the words people read (pure)."""

from __future__ import annotations


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``1 approval``, ``2 approvals``: the count and the noun in the right number."""
    return f"{count} {noun if count == 1 else plural_form or noun + 's'}"
