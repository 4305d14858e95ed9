"""How well an extractor understands requests: the labelled cases in bench/understanding_cases/ scored.

    python bench/eval_understanding.py                       the offline parser
    python bench/eval_understanding.py --openai [--base-url URL] [--model M]
                                                             the LLM extractor (OPENAI_API_KEY, OPENAI_BASE_URL)
    options: --cases DIR, --only SUBSTRING (case ids), --report-only (exit 0 even when a goal is missed), -v

Prints action-type accuracy, all-fields exact match, how often an ambiguous request was answered with a question or
with the ambiguous fields left empty, the injection cases passed, a per-kind breakdown and every failing case as a
compact diff; for the LLM also tokens (prompt / completion / cached, from ``Understanding.usage``) and latency p50 /
p95. Exit status: 0 when every goal is met (or with --report-only), 1 when one is missed, 2 when the LLM cannot be
configured. The goals (for the offline parser on the phrasings it documents):

    action type >= 95 %   every field right >= 85 %   ambiguous answered without a guess >= 95 %

A case passes "action type" when the kinds of the requests equal the expected ones (none for `question` and
`nothing`), "every field" when the requests equal the expected ones field for field (and a `question` case got a
question, a request case no question unless it is ambiguous), "ambiguous" when the extractor asked or left every
ambiguous field empty, and "injection" when it passed every field.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import TypeAdapter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from approvals.intents import REQUEST_KINDS, ActionRequest, Understanding
from approvals.ports import ExtractionInput, ExtractionUnavailable, Extractor, PersonMatch, ThreadMessage

CASES_DIR = Path(__file__).resolve().parent / "understanding_cases"
REQUESTER = PersonMatch("U0DANA001", "dana", "Dana Scully", "dana@northwind.example")
DEFAULT_PROJECTS = ("PAY", "OPS")
GOALS = {"action type": 0.95, "every field": 0.85, "ambiguous": 0.95}

Expectation = Literal["requests", "question", "nothing"]
_REQUEST = TypeAdapter(ActionRequest)


@dataclass(frozen=True)
class Case:
    """One labelled request: the input an extractor gets and what it should make of it."""

    id: str
    source: str
    request: str
    today: dt.date
    thread: tuple[ThreadMessage, ...]
    expectation: Expectation
    expected: tuple[ActionRequest, ...] = ()
    ambiguous_fields: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()
    known_projects: tuple[str, ...] = DEFAULT_PROJECTS

    @property
    def is_ambiguous(self) -> bool:
        return bool(self.ambiguous_fields) or "ambiguous" in self.tags

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(r.kind for r in self.expected))

    def extraction_input(self) -> ExtractionInput:
        """The input as the bot builds it: the thread so far, then the request itself, from the requester."""
        request = ThreadMessage(user=REQUESTER.slack_user_id, text=self.request, ts=f"{len(self.thread) + 1}.0")
        return ExtractionInput(
            request_text=self.request,
            thread=(*self.thread, request),
            requester=REQUESTER,
            channel_name="support",
            today=self.today,
            known_projects=self.known_projects,
        )


class CaseFileError(ValueError):
    """A case file that does not follow bench/understanding_cases/README.md."""


def _thread(raw: Iterable[Mapping[str, Any]] | None, where: str) -> tuple[ThreadMessage, ...]:
    messages = []
    for n, message in enumerate(raw or ()):
        unknown = set(message) - {"user", "text", "bot"}
        if unknown or "text" not in message:
            raise CaseFileError(f"{where}: thread message {n} needs 'text' (and may have 'user', 'bot'), not {unknown}")
        messages.append(
            ThreadMessage(
                user=message.get("user"), text=str(message["text"]), ts=f"{n}.0", is_bot=bool(message.get("bot"))
            )
        )
    return tuple(messages)


def _case(raw: Mapping[str, Any], *, source: str, defaults: Mapping[str, Any]) -> Case:
    case_id = raw.get("id")
    where = f"{source}: case {case_id!r}"
    unknown = set(raw) - {"id", "request", "expect", "ambiguous", "tags", "today", "thread", "known_projects"}
    if not case_id or "request" not in raw or "expect" not in raw or unknown:
        raise CaseFileError(f"{where}: needs id, request and expect (unknown keys: {sorted(unknown)})")
    expect = raw["expect"]
    expected: tuple[ActionRequest, ...] = ()
    if expect in ("question", "nothing"):
        expectation: Expectation = expect
    elif isinstance(expect, list) and expect:
        expectation = "requests"
        try:
            expected = tuple(_REQUEST.validate_python(r) for r in expect)
        except ValueError as exc:
            raise CaseFileError(f"{where}: an expected request is not an approvals.intents request: {exc}") from exc
    else:
        raise CaseFileError(f"{where}: expect is a list of requests, 'question' or 'nothing', not {expect!r}")
    ambiguous = tuple(raw.get("ambiguous") or ())
    for name in ambiguous:
        if not any(name in type(r).model_fields for r in expected):
            raise CaseFileError(f"{where}: ambiguous field {name!r} is not a field of the expected requests")
    today = raw.get("today", defaults.get("today"))
    if not isinstance(today, dt.date):
        raise CaseFileError(f"{where}: today must be a date (YYYY-MM-DD) in the case or the file")
    return Case(
        id=str(case_id),
        source=source,
        request=str(raw["request"]),
        today=today,
        thread=_thread(raw.get("thread", defaults.get("thread")), where),
        expectation=expectation,
        expected=expected,
        ambiguous_fields=ambiguous,
        tags=frozenset(raw.get("tags") or ()),
        known_projects=tuple(raw.get("known_projects", defaults.get("known_projects", DEFAULT_PROJECTS))),
    )


def load_cases(directory: Path = CASES_DIR) -> list[Case]:
    """Every case in the directory's YAML files, in file order; raises CaseFileError on the first malformed one."""
    cases: list[Case] = []
    for path in sorted(directory.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(document.get("cases"), list):
            raise CaseFileError(f"{path.name}: needs a 'cases' list")
        cases.extend(_case(raw, source=path.name, defaults=document) for raw in document["cases"])
    seen = Counter(c.id for c in cases)
    duplicates = sorted(i for i, n in seen.items() if n > 1)
    if duplicates:
        raise CaseFileError(f"case ids must be unique; repeated: {duplicates}")
    return cases


# ---------------------------------------------------------------------------------------------------------------
# Scoring


def _sorted(requests: Iterable[ActionRequest]) -> list[dict[str, Any]]:
    """The requests as comparable values (120000 == 120000.0), in kind order (the order within a kind kept)."""
    return sorted((r.model_dump() for r in requests), key=lambda d: d["kind"])


def _filled(value: Any) -> bool:
    return value not in (None, (), [], "")


@dataclass(frozen=True)
class Result:
    """One case run through one extractor."""

    case: Case
    understanding: Understanding | None
    seconds: float
    unavailable: str | None = None

    @property
    def requests(self) -> tuple[ActionRequest, ...]:
        return self.understanding.requests if self.understanding else ()

    @property
    def asked(self) -> bool:
        return self.understanding is not None and self.understanding.question is not None

    @property
    def type_ok(self) -> bool:
        return tuple(sorted(r.kind for r in self.requests)) == self.case.kinds

    @property
    def fields_ok(self) -> bool:
        case = self.case
        if self.understanding is None:
            return False
        if case.expectation == "nothing":
            return not self.requests
        if case.expectation == "question":
            return self.asked and not self.requests
        if self.asked and not case.is_ambiguous:
            return False
        return _sorted(self.requests) == _sorted(case.expected)

    @property
    def ambiguity_ok(self) -> bool:
        """Nothing guessed: a question, or every ambiguous field left empty in requests of the expected kinds."""
        case = self.case
        if self.understanding is None:
            return False
        if case.expectation == "question":
            return self.asked and not self.requests
        if not case.ambiguous_fields:
            return self.fields_ok
        guessed = any(_filled(getattr(r, name, None)) for r in self.requests for name in case.ambiguous_fields)
        if self.asked:
            return not guessed
        return self.type_ok and not guessed

    def diff(self) -> str:
        """What went wrong, compactly: a field per line, expected -> got."""
        if self.understanding is None:
            return f"unavailable: {self.unavailable}"
        got = _sorted(self.requests)
        lines: list[str] = []
        if self.case.expectation != "requests":
            lines.append(f"expected {self.case.expectation}, got {len(got)} request(s)")
            lines.extend(f"  + {_short(r)}" for r in got)
            if self.asked and self.case.expectation == "nothing":
                lines.append("  (asked a question)")
            if not self.asked and self.case.expectation == "question":
                lines.append("  (no question)")
            return "\n".join(lines)
        if self.asked and not self.case.is_ambiguous:
            lines.append(f"asked: {self.understanding.question}")
        wanted = _sorted(self.case.expected)
        if [w["kind"] for w in wanted] != [g["kind"] for g in got]:
            lines.append(f"kinds {[w['kind'] for w in wanted]} -> {[g['kind'] for g in got]}")
            lines.extend(f"  + {_short(r)}" for r in got)
            return "\n".join(lines)
        for want, have in zip(wanted, got, strict=True):
            for name in sorted(set(want) | set(have)):
                if want.get(name) != have.get(name):
                    lines.append(f"{want['kind']}.{name}: {_show(want.get(name))} -> {_show(have.get(name))}")
        return "\n".join(lines)


def _show(value: Any) -> str:
    return str(value) if isinstance(value, dt.date | Decimal) else repr(value)


def _short(request: dict[str, Any]) -> str:
    fields = ", ".join(f"{k}={_show(v)}" for k, v in request.items() if k != "kind" and _filled(v) and v is not False)
    return f"{request['kind']}({fields})"


def run_case(extractor: Extractor, case: Case) -> Result:
    started = time.perf_counter()
    try:
        understanding = extractor.extract(case.extraction_input())
    except ExtractionUnavailable as exc:
        return Result(case, None, time.perf_counter() - started, unavailable=exc.user_message)
    return Result(case, understanding, time.perf_counter() - started)


@dataclass
class Score:
    passed: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.passed += int(ok)
        self.total += 1

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 1.0

    def __str__(self) -> str:
        shown = f"{self.rate:6.1%}" if self.total else "   n/a"
        return f"{shown}  ({self.passed}/{self.total})"


@dataclass
class Report:
    results: list[Result]
    action_type: Score = field(default_factory=Score)
    every_field: Score = field(default_factory=Score)
    ambiguous: Score = field(default_factory=Score)
    injection: Score = field(default_factory=Score)
    by_kind: dict[str, tuple[Score, Score]] = field(default_factory=dict)

    @property
    def figures(self) -> dict[str, float]:
        return {
            "action type": self.action_type.rate,
            "every field": self.every_field.rate,
            "ambiguous": self.ambiguous.rate,
        }

    def missed_goals(self) -> list[str]:
        return [
            f"{name} {self.figures[name]:.1%} < {goal:.0%}" for name, goal in GOALS.items() if self.figures[name] < goal
        ]

    @property
    def failures(self) -> list[Result]:
        return [
            r for r in self.results if not (r.type_ok and r.fields_ok and (not r.case.is_ambiguous or r.ambiguity_ok))
        ]


def score(results: Sequence[Result]) -> Report:
    report = Report(list(results))
    buckets: dict[str, tuple[Score, Score]] = defaultdict(lambda: (Score(), Score()))
    for result in results:
        case = result.case
        report.action_type.add(result.type_ok)
        report.every_field.add(result.fields_ok)
        if case.is_ambiguous:
            report.ambiguous.add(result.ambiguity_ok)
        if "injection" in case.tags:
            report.injection.add(result.fields_ok)
        for bucket in set(case.kinds) or {f"({case.expectation})"}:
            type_score, field_score = buckets[bucket]
            type_score.add(result.type_ok)
            field_score.add(result.fields_ok)
    report.by_kind = dict(sorted(buckets.items()))
    return report


def evaluate(extractor: Extractor, cases: Sequence[Case]) -> Report:
    return score([run_case(extractor, case) for case in cases])


# ---------------------------------------------------------------------------------------------------------------
# Output


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(q * 100) - 1]


def format_report(report: Report, *, extractor_name: str, verbose: bool = False, llm: bool = False) -> str:
    lines = [f"Understanding eval: {extractor_name}, {len(report.results)} cases", ""]
    lines.append(f"  action type          {report.action_type}   goal >= {GOALS['action type']:.0%}")
    lines.append(f"  every field          {report.every_field}   goal >= {GOALS['every field']:.0%}")
    lines.append(f"  ambiguous, no guess  {report.ambiguous}   goal >= {GOALS['ambiguous']:.0%}")
    lines.append(f"  injection passed     {report.injection}")
    unavailable = [r for r in report.results if r.understanding is None]
    if unavailable:
        lines.append(f"  unavailable          {len(unavailable)} case(s) raised ExtractionUnavailable")
    lines += ["", "  per kind                         action type          every field"]
    for kind, (type_score, field_score) in report.by_kind.items():
        lines.append(f"  {kind:<31}  {type_score}  {field_score}")
    if llm:
        lines += ["", *_llm_lines(report)]
    failures = report.failures
    lines += ["", f"Failing cases ({len(failures)}):" if failures else "No failing cases."]
    for result in failures:
        lines.append(f"- {result.case.id} [{result.case.source}]: {result.case.request!r}")
        lines.extend(f"    {line}" for line in result.diff().splitlines())
    if verbose:
        lines += ["", "Passing cases:"]
        lines.extend(f"+ {r.case.id}" for r in report.results if r not in failures)
    missed = report.missed_goals()
    lines += ["", "Goals met." if not missed else "Goals missed: " + "; ".join(missed)]
    return "\n".join(lines)


def _llm_lines(report: Report) -> list[str]:
    usage: Counter[str] = Counter()
    for result in report.results:
        if result.understanding is not None:
            usage.update(result.understanding.usage)
    n = len(report.results) or 1
    seconds = [r.seconds for r in report.results]
    lines = ["  tokens               total      per case"]
    for name in ("prompt_tokens", "completion_tokens", "cached_tokens"):
        lines.append(f"  {name:<19}  {usage.get(name, 0):>9}  {usage.get(name, 0) / n:>9.0f}")
    others = sorted(set(usage) - {"prompt_tokens", "completion_tokens", "cached_tokens"})
    lines.extend(f"  {name:<19}  {usage[name]:>9}  {usage[name] / n:>9.1f}" for name in others)
    if seconds:
        lines.append(
            f"  latency              p50 {_percentile(seconds, 0.50) * 1000:.0f} ms, "
            f"p95 {_percentile(seconds, 0.95) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"
        )
    return lines


def _extractor(args: argparse.Namespace) -> Extractor | None:
    if not args.openai:
        from bot.parser import OfflineParser

        return OfflineParser()
    api_key = os.environ.get("OPENAI_API_KEY", "")
    base_url = args.base_url or os.environ.get("OPENAI_BASE_URL") or None
    if not api_key and not base_url:
        print(
            "--openai needs OPENAI_API_KEY in the environment, or a server that needs no key with --base-url URL "
            "(or OPENAI_BASE_URL).",
            file=sys.stderr,
        )
        return None
    from bot.llm import build_openai_extractor  # another extractor's module: loaded only when asked for

    return build_openai_extractor(api_key or None, base_url, args.model)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--openai", action="store_true", help="score the LLM extractor instead of the offline parser")
    parser.add_argument("--base-url", default=None, help="OpenAI-compatible base URL (default: OPENAI_BASE_URL)")
    parser.add_argument(
        "--model", default=os.environ.get("OPENAI_MODEL") or "gpt-4.1-mini", help="model (default: OPENAI_MODEL)"
    )
    parser.add_argument("--cases", type=Path, default=CASES_DIR, help="directory of case files")
    parser.add_argument("--only", default=None, help="run only the cases whose id contains this")
    parser.add_argument("--report-only", action="store_true", help="exit 0 even when a goal is missed")
    parser.add_argument("-v", "--verbose", action="store_true", help="also list the passing cases")
    args = parser.parse_args(argv)

    cases = load_cases(args.cases)
    if args.only:
        cases = [c for c in cases if args.only in c.id]
    extractor = _extractor(args)
    if extractor is None:
        return 2
    name = extractor.name + (f" ({args.model})" if args.openai and args.model not in extractor.name else "")
    report = evaluate(extractor, cases)
    print(format_report(report, extractor_name=name, verbose=args.verbose, llm=args.openai))
    uncovered = sorted(set(REQUEST_KINDS) - {k for c in cases for k in c.kinds})
    if uncovered and not args.only:
        print(f"Request kinds without a case: {', '.join(uncovered)}")
    return 0 if args.report_only or not report.missed_goals() else 1


if __name__ == "__main__":
    sys.exit(main())
