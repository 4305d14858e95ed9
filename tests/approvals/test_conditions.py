"""Policy conditions: what parses (and the message when it does not), and what each operator matches."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from approvals.core.conditions import (
    Condition,
    ConditionSyntaxError,
    EvaluationContext,
    evaluate,
    parse_condition,
)


def context(
    fields: dict[str, Any] | None = None,
    *,
    roles: frozenset[str] = frozenset(),
    channels: frozenset[str] = frozenset(),
    previous: dict[str, Any] | None = None,
) -> EvaluationContext:
    return EvaluationContext(
        fields=fields or {},
        requester_roles=roles,
        channel_names=channels,
        previous=previous or {},
    )


def holds(text: str, **fields: Any) -> bool:
    return evaluate(parse_condition(text), context(fields))


# ---------------------------------------------------------------------------------------------------------------
# Parsing


@pytest.mark.parametrize(
    ("text", "field", "op", "value"),
    [
        ("amount > 50000", "amount", ">", Decimal(50000)),
        ("amount>=50k", "amount", ">=", Decimal(50000)),
        ("amount < $1.5m", "amount", "<", Decimal(1_500_000)),
        ("amount <= 1,000", "amount", "<=", Decimal(1000)),
        ("amount == -3", "amount", "==", Decimal(-3)),
        ("priority == Highest", "priority", "==", "Highest"),
        ("priority != 'Low'", "priority", "!=", "Low"),
        ('summary == "has spaces inside"', "summary", "==", "has spaces inside"),
        ("assignee == empty", "assignee", "==", None),
        ("assignee == null", "assignee", "==", None),
        ("flag == true", "flag", "==", True),
        ("flag == FALSE", "flag", "==", False),
        ("stage in [Closed Won, Closed Lost]", "stage", "in", ("Closed Won", "Closed Lost")),
        ("project in [PAY]", "project", "in", ("PAY",)),
        ("project not in [PAY, OPS]", "project", "not in", ("PAY", "OPS")),
        ("project   not   in   [PAY]", "project", "not in", ("PAY",)),
        ("channel in [#sales]", "channel", "in", ("#sales",)),
        ("requester in [sales-managers]", "requester", "in", ("sales-managers",)),
        ("requester not in [guests, contractors]", "requester", "not in", ("guests", "contractors")),
        ("due_date < 2026-12-01", "due_date", "<", dt.date(2026, 12, 1)),
        ("due_date >= 2027-01-01", "due_date", ">=", dt.date(2027, 1, 1)),
        ("amount changes by more than 20%", "amount", "changes_by_more_than", Decimal(20)),
        ("amount changes by more than 12.5 %", "amount", "changes_by_more_than", Decimal("12.5")),
        ("account.owner == x", "account.owner", "==", "x"),
    ],
)
def test_parse_condition_reads_each_form(text: str, field: str, op: str, value: Any) -> None:
    condition = parse_condition(text)
    assert (condition.field, condition.op, condition.value) == (field, op, value)


def test_parse_condition_keeps_the_trimmed_text_for_messages() -> None:
    condition = parse_condition("  amount > 5  ")
    assert condition.text == "amount > 5"
    assert condition.describe() == "amount > 5"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "a condition must be a non-empty string like 'amount > 50000'"),
        ("   ", "a condition must be a non-empty string like 'amount > 50000'"),
        (None, "a condition must be a non-empty string"),
        (42, "a condition must be a non-empty string"),
        ("priority is very high", "cannot read condition 'priority is very high': write '<field> <op> <value>'"),
        ("Amount > 5", "cannot read condition 'Amount > 5'"),
        ("amount >", "cannot read condition"),
        ("> 5", "cannot read condition"),
        ("amount => 5", "cannot read condition 'amount => 5'"),
        ("amount changes by 20%", "or '<field> changes by more than N%'"),
        ("project in PAY", "expected a list in brackets after 'in', like [PAY, OPS]; got 'PAY'"),
        ("project not in PAY, OPS", "expected a list in brackets after 'in'"),
        ("project in []", "the list after 'in' is empty; name at least one value"),
        ("project in [  ]", "the list after 'in' is empty"),
        ("amount > lots", "amount > needs a number or a date (YYYY-MM-DD); got 'lots'"),
        ("due_date < 2026-13-01", "due_date < needs a number or a date (YYYY-MM-DD); got '2026-13-01'"),
        ("requester == sales", "requester can only be tested with 'in [role, ...]' or 'not in [...]'"),
        ("requester > 5", "requester can only be tested with 'in [role, ...]'"),
    ],
)
def test_parse_condition_refuses_what_it_cannot_read_with_the_expected_form(text: Any, message: str) -> None:
    with pytest.raises(ConditionSyntaxError) as excinfo:
        parse_condition(text)
    assert message in str(excinfo.value)


def test_condition_syntax_error_is_a_value_error() -> None:
    assert issubclass(ConditionSyntaxError, ValueError)


# ---------------------------------------------------------------------------------------------------------------
# Evaluating comparisons


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("amount > 50000", 50001, True),
        ("amount > 50000", 50000, False),
        ("amount >= 50000", 50000, True),
        ("amount >= 50000", 49999.99, False),
        ("amount < 100", 99, True),
        ("amount < 100", 100, False),
        ("amount <= 100", 100, True),
        ("amount <= 100", 100.01, False),
        ("amount == 100", 100, True),
        ("amount == 100", 100.0, True),
        ("amount == 100", 101, False),
        ("amount != 100", 101, True),
        ("amount != 100", 100, False),
        # Suffixes and currency signs on either side mean the same number.
        ("amount > 50k", 50_001, True),
        ("amount > 50k", 50_000, False),
        ("amount > 50K", 49_999, False),
        ("amount >= 1.5m", 1_500_000, True),
        ("amount >= 1.5M", 1_499_999, False),
        ("amount < $2k", 1999, True),
        ("amount < $2k", 2000, False),
        ("amount > 50000", "$60k", True),
        ("amount > 50000", "40,000", False),
        ("amount == 2k", "$2,000", True),
        ("amount > -1", 0, True),
        ("amount in [1k, 2k]", 2000, True),
        ("amount in [1k, 2k]", 1500, False),
    ],
)
def test_numeric_comparisons(text: str, value: Any, expected: bool) -> None:
    assert holds(text, amount=value) is expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("amount > 5", "not a number"),
        ("amount < 5", "not a number"),
        ("amount > 5", None),
        ("amount <= 5", None),
        ("amount >= 5", True),
    ],
)
def test_ordering_against_a_value_that_is_not_a_number_never_matches(text: str, value: Any) -> None:
    assert holds(text, amount=value) is False


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("priority == Highest", "Highest", True),
        ("priority == highest", "Highest", True),
        ("priority == Highest", "High", False),
        ("priority != Highest", "High", True),
        ("priority != Highest", "HIGHEST", False),
        ("priority == 'Highest'", " Highest ", True),
        ("priority in [High, Highest]", "high", True),
        ("priority in [High, Highest]", "Low", False),
        ("priority not in [High, Highest]", "Low", True),
        ("priority not in [High, Highest]", "Highest", False),
        ("priority == empty", None, True),
        ("priority == empty", "Low", False),
        ("priority != empty", None, False),
        ("stage in [Closed Won, Closed Lost]", "closed won", True),
        ("stage in [Closed Won, Closed Lost]", "Closed", False),
    ],
)
def test_text_comparisons_ignore_case_and_surrounding_spaces(text: str, value: Any, expected: bool) -> None:
    field = text.split()[0]
    assert holds(text, **{field: value}) is expected


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ("labels == security", ["billing", "security"], True),
        ("labels == security", ["billing"], False),
        ("labels != security", ["billing"], True),
        ("labels != security", ["security"], False),
        ("labels in [security, legal]", ["ux", "legal"], True),
        ("labels in [security, legal]", ["ux"], False),
        ("labels not in [security]", [], True),
        ("labels not in [security]", ["SECURITY"], False),
    ],
)
def test_a_list_field_equals_a_value_when_any_item_does(text: str, labels: list[str], expected: bool) -> None:
    assert holds(text, labels=labels) is expected


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("due_date < 2026-12-01", dt.date(2026, 11, 30), True),
        ("due_date < 2026-12-01", dt.date(2026, 12, 1), False),
        ("due_date <= 2026-12-01", dt.date(2026, 12, 1), True),
        ("due_date > 2026-12-01", dt.date(2026, 12, 2), True),
        ("due_date > 2026-12-01", dt.date(2026, 12, 1), False),
        ("due_date >= 2026-12-01", dt.date(2026, 12, 1), True),
        ("due_date >= 2026-12-01", dt.date(2026, 11, 1), False),
        ("due_date < 2026-12-01", "2026-11-30", True),
        ("due_date < 2026-12-01", "next week", False),
        ("due_date < 2026-12-01", None, False),
    ],
)
def test_date_comparisons(text: str, value: Any, expected: bool) -> None:
    assert holds(text, due_date=value) is expected


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("due_date == 2026-12-01", dt.date(2026, 12, 1), True),
        ("due_date == 2026-12-01", dt.date(2026, 12, 2), False),
        ("due_date != 2026-12-01", dt.date(2026, 12, 2), True),
        ("due_date in [2026-12-24, 2026-12-31]", dt.date(2026, 12, 31), True),
        ("due_date not in [2026-12-24, 2026-12-31]", dt.date(2026, 12, 31), False),
    ],
)
def test_date_equality_compares_the_date_an_action_carries(text: str, value: dt.date, expected: bool) -> None:
    assert holds(text, due_date=value) is expected


@pytest.mark.parametrize(
    "text",
    [
        "amount > 5",
        "amount >= 5",
        "amount < 5",
        "amount <= 5",
        "amount == 5",
        "amount != 5",
        "amount in [5]",
        "amount not in [5]",
        "amount == empty",
        "due_date < 2030-01-01",
        "amount changes by more than 1%",
    ],
)
def test_a_field_the_action_lacks_never_matches(text: str) -> None:
    condition = parse_condition(text)
    assert evaluate(condition, context({"project": "PAY"}, previous={"amount": 1})) is False


# ---------------------------------------------------------------------------------------------------------------
# Context names: requester roles and channel


@pytest.mark.parametrize(
    ("text", "roles", "expected"),
    [
        ("requester in [sales-managers]", {"everyone", "sales-managers"}, True),
        ("requester in [sales-managers]", {"everyone", "sales"}, False),
        ("requester in [Sales-Managers]", {"sales-managers"}, True),
        ("requester in [eng, sales]", {"sales"}, True),
        ("requester in [eng]", set(), False),
        ("requester not in [guests]", {"everyone"}, True),
        ("requester not in [guests]", {"guests"}, False),
        ("requester not in [guests]", set(), True),
    ],
)
def test_requester_is_tested_against_the_requester_roles(text: str, roles: set[str], expected: bool) -> None:
    assert evaluate(parse_condition(text), context(roles=frozenset(roles))) is expected


def test_requester_condition_ignores_a_field_of_the_same_name() -> None:
    condition = parse_condition("requester in [eng]")
    assert evaluate(condition, context({"requester": "eng"}, roles=frozenset({"sales"}))) is False


@pytest.mark.parametrize(
    ("text", "channels", "expected"),
    [
        ("channel in [#sales]", {"sales", "C0SALES01"}, True),
        ("channel in [sales]", {"#sales"}, True),
        ("channel in [#Sales]", {"#sales"}, True),
        ("channel in [#sales, #deals]", {"deals"}, True),
        ("channel in [#sales]", {"support"}, False),
        ("channel in [C0SALES01]", {"sales", "C0SALES01"}, True),
        ("channel == #sales", {"sales"}, True),
        ("channel == sales", {"#sales"}, True),
        ("channel == #sales", {"support"}, False),
        ("channel != #sales", {"support"}, True),
        ("channel != #sales", {"#sales"}, False),
        ("channel not in [#sales]", {"support"}, True),
        ("channel not in [sales]", {"#sales"}, False),
        ("channel in [#sales]", set(), False),
        ("channel > 5", {"5"}, False),
    ],
)
def test_channel_matches_its_name_with_or_without_hash_or_its_id(text: str, channels: set[str], expected: bool) -> None:
    assert evaluate(parse_condition(text), context(channels=frozenset(channels))) is expected


# ---------------------------------------------------------------------------------------------------------------
# Changes by more than N%


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (100, 121, True),
        (100, 120, False),  # exactly 20% is not more than 20%
        (100, 79, True),  # a fall counts as much as a rise
        (100, 80, False),
        (100, 100, False),
        ("$100", "130", True),
        (0, 0, False),
        (0, 1, True),  # any change from zero is infinitely large
        (None, 5, True),  # setting a value where there was none is a change of unknown size
        (None, None, False),
        (100, None, False),  # clearing is not a number
        ("n/a", 500, False),  # an old value that is not a number cannot be compared
    ],
)
def test_changes_by_more_than_percent(before: Any, after: Any, expected: bool) -> None:
    condition = parse_condition("amount changes by more than 20%")
    previous = {} if before is None else {"amount": before}
    assert evaluate(condition, context({"amount": after}, previous=previous)) is expected


def test_evaluate_works_on_a_condition_built_in_code() -> None:
    condition = Condition(field="amount", op=">", value=Decimal(10), text="amount > 10")
    assert evaluate(condition, context({"amount": 11})) is True
