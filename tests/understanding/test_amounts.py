"""Money as people write it becomes a plain Decimal; anything else is None, never a guess."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from understanding.amounts import AMOUNT_PATTERN, looks_like_money, parse_amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("120k", Decimal(120000)),
        ("120K", Decimal(120000)),
        ("$1.2M", Decimal(1200000)),
        ("1.2 million", Decimal(1200000)),
        ("120,000", Decimal(120000)),
        ("$80k", Decimal(80000)),
        ("1.5m", Decimal(1500000)),
        ("$95,000", Decimal(95000)),
        ("$1,250,000.50", Decimal("1250000.5")),
        ("USD 50k", Decimal(50000)),
        ("50k USD", Decimal(50000)),
        ("€40k", Decimal(40000)),
        ("£2.5k", Decimal(2500)),
        ("250 thousand", Decimal(250000)),
        ("5 grand", Decimal(5000)),
        ("1.2mm", Decimal(1200000)),
        ("1bn", Decimal(1000000000)),
        ("120000", Decimal(120000)),
        ("15", Decimal(15)),
        ("120k.", Decimal(120000)),
        ("  $80k ", Decimal(80000)),
        ("100 dollars", Decimal(100)),
    ],
)
def test_parse_amount(text: str, expected: Decimal) -> None:
    value = parse_amount(text)
    assert value == expected
    assert "E" not in str(value), "shown as written on cards: 120000, not 1.2E+5"


@pytest.mark.parametrize("text", ["", "a lot", "-5", "1,2", "80 000", "12k people", "k", "$", "1.2.3", "ten thousand"])
def test_what_is_not_an_amount_is_none(text: str) -> None:
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    ("text", "money"),
    [
        ("80k", True),
        ("$900", True),
        ("120,000", True),
        ("2000", True),
        ("15", False),
        ("999", False),
        ("Friday", False),
    ],
)
def test_looks_like_money_needs_a_currency_a_scale_or_four_digits(text: str, money: bool) -> None:
    assert looks_like_money(text) is money


def test_the_pattern_finds_an_amount_inside_a_sentence() -> None:
    found = re.search(AMOUNT_PATTERN, "bump the Globex deal to $80k please", re.I)
    assert found is not None and parse_amount(found[0]) == Decimal(80000)
