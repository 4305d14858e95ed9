"""Property-based grounding: any request an extractor could produce, with random and hostile values, grounds into an
action, a question or a reason it can't be done, through the product's real lookups (JQL, SOQL and Slack's
directory over the sandbox). Quotes, backslashes, SOQL and JQL syntax, huge numbers and extreme dates included.
"""

from __future__ import annotations

import datetime as dt
import typing
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app import build_runtime, load_settings
from approvals.core.actions import _Action
from approvals.core.grounding import GroundingContext, Lookups, NeedsInfo, Unworkable, ground
from approvals.core.intents import REQUEST_TYPES, THIS_THREAD
from approvals.core.ports import PersonMatch

DANA = PersonMatch("U0DANA001", "dana", "Dana Reyes", "dana@northwind.example")

HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "'",
        '"',
        "\\",
        "' OR Name != '",
        '" OR project = OPS OR "',
        "Acme' --",
        "%",
        "_",
        "*",
        "PAY-0",
        "PAY-99999999999999999999",
        "pay-12",
        THIS_THREAD,
        "me",
        "unassigned",
        "the account owner",
        "<@U0ALICE01>",
        "<@UNOBODY00>",
        "Alice",
        "Acme",
        "renewal",
        "Negotiation/Review",
        "Closed Won",
        "0065g00000AcPlRAAV",
        "001000000000000AAA",
        "a" * 3000,
        "🙂",
        "\x00",
        "line\nbreak",
    ]
)
TEXT = st.one_of(HOSTILE, st.text(max_size=60))


def _value(annotation: Any) -> st.SearchStrategy[Any]:
    """A strategy for a request field from its annotation (None always allowed where the field allows it)."""
    args = typing.get_args(annotation)
    if annotation is str:
        return TEXT
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(min_value=1, max_value=10_000)
    if annotation is dt.date:
        return st.dates()
    if annotation is Decimal:
        return st.decimals(min_value=0, max_value=Decimal("1e40"), allow_nan=False, allow_infinity=False)
    if typing.get_origin(annotation) is tuple:
        return st.lists(TEXT, max_size=4).map(tuple)
    if args:
        return st.one_of(*(st.none() if a is type(None) else _value(a) for a in args))
    raise AssertionError(f"no strategy for {annotation!r}")


def _request(kind: type) -> st.SearchStrategy[Any]:
    fields = {name: _value(info.annotation) for name, info in kind.model_fields.items() if name != "kind"}
    return st.fixed_dictionaries({}, optional=fields).map(lambda values: _build(kind, values))


def _build(kind: type, values: dict[str, Any]) -> Any:
    try:
        return kind(**values)
    except ValidationError:
        return None  # an extractor's output is validated too: such values never reach grounding


REQUESTS = st.one_of(*(_request(kind) for kind in REQUEST_TYPES)).filter(lambda r: r is not None)


@pytest.fixture(scope="module")
def lookups(sandbox_session: Any, redis_server: Any) -> Lookups:
    env = {k: v for k, v in sandbox_session.environment().items() if not k.startswith("OPENAI_")}
    env.update(REDIS_URL=redis_server.url)
    return build_runtime(load_settings(_env_file=None, **{k.lower(): v for k, v in env.items()})).lookups


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=REQUESTS, today=st.dates(), thread_issues=st.lists(st.sampled_from(["PAY-12", "OPS-4"]), max_size=2))
def test_grounding_answers_any_request(
    lookups: Lookups, request: Any, today: dt.date, thread_issues: list[str]
) -> None:
    context = GroundingContext(
        requester=DANA, today=today, thread_quote="> Dana: x", thread_issues=tuple(thread_issues)
    )
    result = ground(request, lookups, context)
    assert isinstance(result, _Action | NeedsInfo | Unworkable), result
