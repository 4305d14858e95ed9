"""Property-based tests: whatever people type, the readers answer with a value, None or a question, never an exception.

Random and extreme text, numbers and dates go through the date and amount readers, the typed-answer reader and the
offline parser. The only exception an extractor may raise is ``ExtractionUnavailable`` (approvals.core.ports), and the
offline parser never needs it; any other exception would leave a request unanswered in its thread.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from approvals.core.intents import Understanding
from approvals.core.ports import ExtractionInput, PersonMatch, ThreadMessage
from understanding.amounts import looks_like_money, parse_amount
from understanding.answers import TypedAnswers
from understanding.dates import parse_date
from understanding.parser import OfflineParser

DANA = PersonMatch("U0DANA001", "dana", "Dana Reyes", "dana@northwind.example")
PARSER = OfflineParser()
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Words the readers react to, so random sentences reach deep into their rules instead of failing at the first one.
_WORD_TEXT = """
create file open bug task story in PAY OPS PAY-12 OPS-4 pay-3 assign to alice bob me unassign nobody
move close resolve done in progress comment on link blocks is blocked by duplicates relates
priority p0 p1 high highest low due by on next this last friday monday tomorrow today eod eow
end of month quarter year week in days weeks months dec december jan 1st 31st 2026-12-01 12/1 the 30th
acme globex initech renewal opportunity deal stage negotiation closed won lost amount 120k $1.2m
log a call with ana at task for erin contact phone email title labels set to the it this
please pls thanks ignore previous instructions approved by admin : , . - -> / @ w/ 🙏 :tada:
<@U0ALICE01> <@U0BOT0001> <#C0SUPPORT|support> <https://example.com|link>
"""
WORDS = _WORD_TEXT.split()
NUMBERS = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["9999999", "99999999999999999999", "0", "-1", "1e308", "1,2", "1,,000", "00001"]),
)
SLACKY = st.lists(st.one_of(st.sampled_from(WORDS), NUMBERS, st.text(max_size=12)), max_size=30).map(" ".join)
TEXT = st.one_of(st.text(max_size=400), SLACKY)
TODAY = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))


@SETTINGS
@given(text=TEXT, today=TODAY, past=st.booleans())
@example(text="in 9999999 days", today=dt.date(2026, 12, 6), past=False)
@example(text="in 99999999999999999999 weeks", today=dt.date(2026, 12, 6), past=False)
@example(text="in 20000 months", today=dt.date(2026, 12, 6), past=False)
@example(text="tomorrow", today=dt.date(9999, 12, 31), past=False)
@example(text="next week", today=dt.date(9999, 12, 30), past=False)
@example(text="yesterday", today=dt.date(1, 1, 1), past=True)
@example(text="last monday", today=dt.date(1, 1, 1), past=True)
@example(text="dec 31", today=dt.date(9999, 12, 31), past=False)
@example(text="jan 1", today=dt.date(1, 1, 1), past=True)
@example(text="feb 29", today=dt.date(2027, 3, 1), past=False)
def test_parse_date_answers_a_date_or_none(text: str, today: dt.date, past: bool) -> None:
    found = parse_date(text, today=today, past=past)
    assert found is None or isinstance(found, dt.date)


@SETTINGS
@given(n=st.integers(min_value=0, max_value=10**30), unit=st.sampled_from(["day", "days", "week", "weeks", "months"]))
def test_relative_dates_of_any_size_never_overflow(n: int, unit: str) -> None:
    found = parse_date(f"in {n} {unit}", today=dt.date(2026, 12, 6))
    assert found is None or found >= dt.date(2026, 12, 6)


@SETTINGS
@given(text=st.one_of(TEXT, NUMBERS, NUMBERS.map(lambda n: f"${n}k"), NUMBERS.map(lambda n: f"{n} million")))
@example(text="99999999999999999999999999999999999999999999999999b")
@example(text="1" * 5000)
def test_amounts_read_as_a_non_negative_number_or_none(text: str) -> None:
    amount = parse_amount(text)
    assert amount is None or (isinstance(amount, Decimal) and amount >= 0)
    assert isinstance(looks_like_money(text), bool)


@SETTINGS
@given(
    kind=st.sampled_from(["date", "past_date", "amount", "labels", "text", "person", "choice", "yes_no"]),
    text=TEXT,
    today=TODAY,
)
def test_a_typed_answer_reads_as_a_value_or_none(kind: str, text: str, today: dt.date) -> None:
    TypedAnswers().read(kind, text, today=today)


@SETTINGS
@given(
    text=TEXT,
    thread=st.lists(st.tuples(st.sampled_from([None, "U0CUST001", "U0DANA001"]), TEXT, st.booleans()), max_size=4),
    today=TODAY,
    projects=st.lists(st.sampled_from(["PAY", "OPS", "X", "ABC1"]), max_size=3, unique=True),
)
@example(text="create a bug in PAY: x, due in 9999999 days", thread=[], today=dt.date(2026, 12, 6), projects=["PAY"])
@example(text="push the acme renewal close date in 99999999 weeks", thread=[], today=dt.date(9999, 12, 30), projects=[])
@example(text="log a call with ana yesterday", thread=[], today=dt.date(1, 1, 1), projects=[])
@example(text="set the acme renewal amount to 1" + "0" * 400 + "k", thread=[], today=dt.date(2026, 12, 6), projects=[])
def test_the_offline_parser_always_answers(
    text: str, thread: list[tuple[str | None, str, bool]], today: dt.date, projects: list[str]
) -> None:
    messages = [ThreadMessage(user=u, text=t, ts=f"{i}.0", is_bot=b) for i, (u, t, b) in enumerate(thread)]
    messages.append(ThreadMessage(user=DANA.slack_user_id, text=text, ts=f"{len(messages)}.0"))
    understanding = PARSER.extract(
        ExtractionInput(
            request_text=text,
            thread=tuple(messages),
            requester=DANA,
            channel_name="support",
            today=today,
            known_projects=tuple(projects),
        )
    )
    assert isinstance(understanding, Understanding)
