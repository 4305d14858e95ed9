"""Money as people write it in Slack, as a plain Decimal: "120k", "$1.2M", "120,000", "USD 80k", "1.5 million".

Understood: an optional currency sign or code before or after ($, €, £, USD, EUR, GBP, "dollars"), digits with
optional comma thousands separators ("1,250,000") and decimals, full-stop thousands separators with a currency
("36.000 USD", "1.250.000 EUR"; "36.000" alone is None: 36 or 36,000), and an optional scale: k / K / thousand / grand,
m / M / mm / mn / million, b / bn / billion. The currency is dropped (the opportunity's own currency applies): the
contract in ``approvals.core.intents`` carries amounts as plain numbers. Anything else (negative numbers, "1,2",
"a lot") is None, never a guess.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_SCALES = {
    "k": 1_000,
    "thousand": 1_000,
    "grand": 1_000,
    "m": 1_000_000,
    "mm": 1_000_000,
    "mn": 1_000_000,
    "mil": 1_000_000,
    "million": 1_000_000,
    "b": 1_000_000_000,
    "bn": 1_000_000_000,
    "billion": 1_000_000_000,
}
_CURRENCY_BEFORE = r"(?:(?:usd|us\$|eur|gbp|\$|€|£)\s?)"
_CURRENCY_AFTER = r"(?:\s?(?:usd|eur|gbp|dollars|bucks|euros?|pounds))"
_NUMBER = r"(?:\d{1,3}(?:\.\d{3}){2,}|(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
_SCALE = r"(?:\s?(?:thousand|grand|million|billion|mil|mm|mn|bn|k|m|b))"

AMOUNT_PATTERN = rf"{_CURRENCY_BEFORE}?{_NUMBER}{_SCALE}?\b{_CURRENCY_AFTER}?"
"""An amount inside a longer text (case-insensitive); ``parse_amount`` reads what it matched."""

_AMOUNT = re.compile(
    rf"(?P<before>{_CURRENCY_BEFORE})?(?P<number>{_NUMBER})(?P<scale>{_SCALE})?(?P<after>{_CURRENCY_AFTER})?", re.I
)


def parse_amount(text: str) -> Decimal | None:
    """The amount ``text`` is, as a plain number; None when the whole text is not an amount."""
    match = _AMOUNT.fullmatch(" ".join(text.strip().rstrip(".").split()))
    if not match:
        return None
    written = match["number"]
    scale = (match["scale"] or "").strip().lower()
    if not scale and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", written):
        # "36.000 USD", "1.250.000 EUR": a full stop between groups of three digits separates thousands, the way
        # much of the world writes them; "36.000" with no currency could be either, so it is no amount (asked)
        if not (match["before"] or match["after"]) and written.count(".") == 1:
            return None
        written = written.replace(".", "")
    try:
        number = Decimal(written.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        return None
    value = number * _SCALES[scale] if scale else number
    # 120000, not 1.2E+5: the value is shown on cards and compared as written.
    return Decimal(int(value)) if value == value.to_integral_value() else value.normalize()


def looks_like_money(text: str) -> bool:
    """True when ``text`` is an amount written as money (a currency or a scale, or at least 1,000), not a bare 12.

    A sentence like "move the Acme renewal to 15" is more likely a typo than an amount; "to 15k" is an amount.
    """
    match = _AMOUNT.fullmatch(" ".join(text.strip().rstrip(".").split()))
    if not match:
        return False
    value = parse_amount(text)
    return bool(match["before"] or match["scale"] or match["after"]) or (value is not None and value >= 1000)
