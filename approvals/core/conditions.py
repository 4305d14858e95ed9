"""Policy conditions: a tiny, closed expression language parsed once at load time.

A condition is one comparison written the way people say it in a policy review::

    amount > 50000
    stage in [Closed Won, Closed Lost]
    project in [PAY]
    priority == Highest
    channel in [#sales]
    requester in [sales-managers]          # a role test
    amount changes by more than 20%

The left side is a field of the action (see each action's ``policy_fields``) or one of the context names
``requester`` (tested against the requester's roles) and ``channel`` (its name with or without ``#``, or its id).
Parsing never evaluates and evaluation never parses. There is no way to call code from a condition.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

Operator = Literal["==", "!=", ">", ">=", "<", "<=", "in", "not in", "changes_by_more_than"]

_COMPARISON = re.compile(
    r"^\s*(?P<field>[a-z_][a-z0-9_.]*)\s*(?P<op>==|!=|>=|<=|>|<|not\s+in\b|in\b)\s*(?P<value>.+?)\s*$"
)
_CHANGE = re.compile(
    r"^\s*(?P<field>[a-z_][a-z0-9_.]*)\s+changes\s+by\s+more\s+than\s+(?P<value>\d+(?:\.\d+)?)\s*%\s*$"
)

CONTEXT_FIELDS = frozenset({"requester", "channel"})
PERSON_FACTS = frozenset({"issue.assignee", "issue.reporter", "record.owner"})
"""Facts that name a person: compared with ``requester`` (the requester's identities) or with roles."""


class ConditionSyntaxError(ValueError):
    """The text is not a condition; the message says what form was expected."""


@dataclass(frozen=True)
class Condition:
    field: str
    op: Operator
    value: Any
    text: str

    def describe(self) -> str:
        return self.text


@dataclass(frozen=True)
class EvaluationContext:
    """What a condition can see: the action's policy fields, the requester's roles, the channel, old values."""

    fields: dict[str, Any]
    requester_roles: frozenset[str]
    channel_names: frozenset[str]
    previous: dict[str, Any]
    requester_ids: frozenset[str] = frozenset()
    """Every identity of the requester (Slack id, email, Jira account id, Salesforce user id), lower-cased: what
    ``record.owner == requester`` compares with."""
    fact_roles: dict[str, frozenset[str]] = field(default_factory=dict)
    """The policy roles of each person a fact names (``record.owner in [sales-managers]``)."""


def _scalar(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    lowered = text.lower()
    if lowered in ("null", "none", "empty"):
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    number = _number(text)
    if number is not None:
        return number
    return text


def _number(text: str) -> Decimal | None:
    cleaned = text.replace(",", "").replace("_", "").strip()
    multiplier = Decimal(1)
    if cleaned[-1:].lower() == "k":
        multiplier, cleaned = Decimal(1000), cleaned[:-1]
    elif cleaned[-1:].lower() == "m":
        multiplier, cleaned = Decimal(1_000_000), cleaned[:-1]
    cleaned = cleaned.lstrip("$€£")
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        return None
    try:
        return Decimal(cleaned) * multiplier
    except InvalidOperation:
        return None


def _list(text: str) -> tuple[Any, ...]:
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise ConditionSyntaxError(f"expected a list in brackets after 'in', like [PAY, OPS]; got {text!r}")
    inner = text[1:-1].strip()
    if not inner:
        raise ConditionSyntaxError("the list after 'in' is empty; name at least one value")
    return tuple(_scalar(part) for part in inner.split(","))


def parse_condition(text: str) -> Condition:
    """Parse one condition; ConditionSyntaxError explains the expected form."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionSyntaxError("a condition must be a non-empty string like 'amount > 50000'")
    change = _CHANGE.match(text)
    if change:
        return Condition(
            field=change["field"],
            op="changes_by_more_than",
            value=Decimal(change["value"]),
            text=text.strip(),
        )
    match = _COMPARISON.match(text)
    if not match:
        raise ConditionSyntaxError(
            f"cannot read condition {text!r}: write '<field> <op> <value>' with op one of "
            "==, !=, >, >=, <, <=, in, not in, or '<field> changes by more than N%'"
        )
    op = " ".join(match["op"].split())
    raw_value = match["value"]
    if op in ("in", "not in"):
        value: Any = _list(raw_value)
    else:
        value = _scalar(raw_value)
        if op in (">", ">=", "<", "<=") and not isinstance(value, Decimal):
            parsed_date = _date(value)
            if parsed_date is None:
                raise ConditionSyntaxError(
                    f"{match['field']} {op} needs a number or a date (YYYY-MM-DD); got {raw_value!r}"
                )
            value = parsed_date
    if match["field"] == "requester" and op not in ("in", "not in"):
        raise ConditionSyntaxError("requester can only be tested with 'in [role, ...]' or 'not in [...]'")
    return Condition(field=match["field"], op=op, value=value, text=text.strip())  # type: ignore[arg-type]


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _normalise(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, dt.date):
        # A condition's value is text ('due_date == 2026-12-01'); compare a date in the same ISO form.
        return value.isoformat()
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        number = _number(value) if value.strip() else None
        return number if number is not None else value.strip().lower()
    return value


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, list | tuple | set | frozenset):
        return any(_equal(item, right) for item in left)
    return _normalise(left) == _normalise(right)


def evaluate(condition: Condition, context: EvaluationContext) -> bool:
    """True when the condition holds. A field the action does not have never satisfies a comparison."""
    op = condition.op
    if condition.field == "requester":
        wanted = {str(v).lower() for v in condition.value}
        hit = bool(wanted & {r.lower() for r in context.requester_roles})
        return hit if op == "in" else not hit
    if condition.field == "channel":
        names = {n.lower().lstrip("#") for n in context.channel_names}
        values = condition.value if isinstance(condition.value, tuple) else (condition.value,)
        hit = any(str(v).lower().lstrip("#") in names for v in values)
        if op in ("in", "=="):
            return hit
        if op in ("not in", "!="):
            return not hit
        return False
    if condition.field not in context.fields:
        return False
    current = context.fields[condition.field]
    person = condition.field in PERSON_FACTS
    if person and (condition.value == "requester" or condition.value == ("requester",)):
        hit = current is not None and str(current).lower() in context.requester_ids
        return hit if op in ("==", "in") else (not hit if op in ("!=", "not in") else False)
    if person and op in ("in", "not in"):
        roles = context.fact_roles.get(condition.field, frozenset())
        hit = bool({str(v).lower() for v in condition.value} & {r.lower() for r in roles})
        return hit if op == "in" else not hit
    if op == "changes_by_more_than":
        return _changes_by_more_than(context.previous.get(condition.field), current, condition.value)
    if op == "==":
        return _equal(current, condition.value)
    if op == "!=":
        return not _equal(current, condition.value)
    if op == "in":
        return any(_equal(current, v) for v in condition.value)
    if op == "not in":
        return not any(_equal(current, v) for v in condition.value)
    return _ordered(current, op, condition.value)


def _ordered(current: Any, op: str, bound: Any) -> bool:
    if current is None:
        return False
    if isinstance(bound, dt.date):
        left = _date(current)
        if left is None:
            return False
    else:
        left = _normalise(current)
        if not isinstance(left, Decimal):
            return False
    if op == ">":
        return left > bound
    if op == ">=":
        return left >= bound
    if op == "<":
        return left < bound
    return left <= bound


def _changes_by_more_than(before: Any, after: Any, percent: Decimal) -> bool:
    old, new = _normalise(before), _normalise(after)
    if not isinstance(new, Decimal) or not isinstance(old, Decimal):
        # Setting a value where there was none is a change of unknown size: treat it as large.
        return isinstance(new, Decimal) and before is None
    if old == 0:
        return new != 0
    return abs(new - old) / abs(old) * 100 > percent
