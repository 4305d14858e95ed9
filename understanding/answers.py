"""Reading a typed answer to a question as the value of one request field (``approvals.core.ports.AnswerReader``).

The same readers as the offline parser's: "Friday" or "next week" for a date, "120k" or "$1.2M" for an amount,
so an answer is understood exactly as the words would be in a request. Anything else (a name, a stage, a
summary) is passed on as written: grounding checks it like any other word from the thread.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from understanding.amounts import parse_amount
from understanding.dates import parse_date


class TypedAnswers:
    """Implements ``approvals.core.ports.AnswerReader``. ``date_order``: how the workspace writes 12/1 ("MD" or
    "DM")."""

    def __init__(self, *, date_order: str = "MD") -> None:
        self.date_order = date_order

    def read(self, kind: str, text: str, *, today: dt.date) -> Any:
        cleaned = " ".join(text.split()).strip(" .!")
        if not cleaned:
            return None
        if kind in ("date", "past_date"):
            return parse_date(cleaned.lower(), today=today, past=kind == "past_date", order=self.date_order)
        if kind == "amount":
            return parse_amount(cleaned)
        if kind == "labels":
            return tuple(w for w in re.split(r"[\s,]+", cleaned) if w)
        return cleaned
