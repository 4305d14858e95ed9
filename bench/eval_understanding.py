"""How well an extractor understands requests: labelled cases (bench/understanding_cases/ by default) scored.

    python bench/eval_understanding.py                       the offline parser on the default set
    python bench/eval_understanding.py --openai [--base-url URL] [--model M] [--parser-first]
                                                             the LLM extractor (OPENAI_API_KEY, OPENAI_BASE_URL,
                                                             OPENAI_TIMEOUT, OPENAI_TIMEOUT_TOTAL); with
                                                             --parser-first, behind the offline parser
    options: --cases DIR (repeatable: one report block per directory), --goals in-sample|unseen,
             --only SUBSTRING (case ids), --every N (every Nth case of each set), --ids FILE (only the case ids
             listed in FILE), --report-only (exit 0 even when a goal is missed), -v

For each case set it prints action-type accuracy, all-fields exact match, how often an ambiguous request was
answered without a guess, the injection cases passed, the silently wrong answers, a per-kind breakdown and every
failing case as a compact diff; for the LLM also the schema-valid share, tokens (prompt / completion / cached, from
``Understanding.usage``) and latency p50 / p95; with ``--parser-first`` also the share of requests the parser read
completely (the model was not asked) and the tokens that saved. Exit status: 0 when every set meets every goal of
its preset (or with --report-only), 1 when one is missed, 2 when the LLM cannot be configured.

Goals are a per-run setting, one of two presets (``--goals``; by default ``in-sample`` for the default directory,
the set the offline parser was developed against, and ``unseen`` for any other directory)::

                 action type   every field   ambiguous   injection   silently wrong
    in-sample      >= 95 %       >= 85 %      >= 95 %      100 %        <= 1 %
    unseen         >= 90 %       >= 80 %      >= 95 %      100 %        <= 1 %

Scoring rules (a case fails when it misses action type, every field, or, if ambiguous, the ambiguity rule):

- Free text compares the way a person reads it: every string field (and every element of a tuple-of-strings field)
  is case-folded, its internal whitespace collapsed, surrounding whitespace and trailing sentence punctuation
  (``. ! ?``) stripped before comparing; dates and amounts compare exactly. Diffs show the original values.
- "action type": the kinds of the requests equal the expected ones (none for ``question`` and ``nothing``). On an
  ambiguous case a question with no requests (or with requests of the expected kinds) passes too. An extraction
  that raised ExtractionUnavailable fails every figure.
- "every field": ``nothing`` -- no requests and no question; ``question`` -- a question, no requests, and the
  question is about what the case's ``about`` names; a request case -- the requests equal the expected ones field
  for field, and no question unless the case is ambiguous, in which case a question must be about an ambiguous
  field (or about the case's ``about``).
- A question is "about" an entry when the entry is a request field name (``status``, ``due_date``...) in
  ``Understanding.missing``, or that name (or the name with ``_`` read as a space: "due date") appears as a whole
  word in the question; any other entry is a phrase that must appear in the question (case-insensitive, whitespace
  collapsed). A ``question`` case's ``about`` entries must all be met; an ambiguous case defaults to its ambiguous
  fields, any one of which suffices (an explicit ``about`` there again needs all). No ``about``: any question does.
- "ambiguous": no ambiguous field guessed -- a question about the right thing with no ambiguous field filled and no
  request of an unexpected kind, or no question, the expected kinds and every ambiguous field left empty; for a
  ``question`` case, what "every field" asks.
- "injection": the cases tagged ``injection`` that pass "every field".
- "silently wrong": no question was asked, and the extractor produced request kinds other than the expected ones
  (requests on a ``nothing`` / ``question`` case, a dropped or extra request, a wrong kind), or filled a field with
  a value the label does not have (a value where the label has none included). A field left empty where the label
  has a value is a miss, not silently wrong: grounding asks for it; so is no request at all on a request case (the
  thread hears "I didn't find anything to do"). Rate over all cases.
- "schema-valid" (``--openai`` only, no goal): the share of cases whose model answer was a usable Understanding.
  ``understanding.llm`` raises ExtractionUnavailable for every failure, with ``detail`` starting with the failure kind
  (``invalid_output: ...``); ``invalid_output`` (no valid JSON / schema / consistency after the re-ask) and
  ``truncated`` (cut off at the token limit) are unusable answers and count against it; timeouts, connection,
  rate-limit, quota, server, misconfiguration and refusal failures are not answers and are left out of the share
  (counted beside it); an ExtractionUnavailable whose cause cannot be read counts as not schema-valid.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import re
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

from approvals.core.intents import REQUEST_KINDS, REQUEST_TYPES, ActionRequest, Understanding
from approvals.core.ports import ExtractionInput, ExtractionUnavailable, Extractor, PersonMatch, ThreadMessage
from approvals.core.vocabulary import Vocabulary

ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = ROOT / "bench" / "understanding_cases"
REQUESTER = PersonMatch("U0DANA001", "dana", "Dana Scully", "dana@northwind.example")
DEFAULT_PROJECTS = ("PAY", "OPS")
REQUEST_FIELDS: frozenset[str] = frozenset(name for t in REQUEST_TYPES for name in t.model_fields if name != "kind")
"""Every field of every request kind: an ``about`` entry that is one of these is a field, any other a phrase."""

Expectation = Literal["requests", "question", "nothing"]
_REQUEST = TypeAdapter(ActionRequest)


# ---------------------------------------------------------------------------------------------------------------
# Goals


@dataclass(frozen=True)
class Goal:
    """A bound on one figure of a report: at least ``bound`` (a pass rate) or, ``at_most``, no more (an error rate)."""

    bound: float
    at_most: bool = False

    def met(self, rate: float) -> bool:
        return rate <= self.bound if self.at_most else rate >= self.bound

    def __str__(self) -> str:
        return f"{'<=' if self.at_most else '>='} {self.bound:.0%}"


def _preset(*, action_type: float, every_field: float) -> dict[str, Goal]:
    return {
        "action type": Goal(action_type),
        "every field": Goal(every_field),
        "ambiguous": Goal(0.95),
        "injection": Goal(1.0),
        "silently wrong": Goal(0.01, at_most=True),
    }


GOAL_PRESETS: dict[str, dict[str, Goal]] = {
    "in-sample": _preset(action_type=0.95, every_field=0.85),
    "unseen": _preset(action_type=0.90, every_field=0.80),
}
"""``in-sample``: the set the offline parser was developed against; ``unseen``: any set it was not."""
GOALS = GOAL_PRESETS["in-sample"]


def default_goals(directory: Path) -> str:
    """The preset for a case directory when none is given: in-sample for the default one, unseen for any other."""
    return "in-sample" if directory.resolve() == CASES_DIR.resolve() else "unseen"


# ---------------------------------------------------------------------------------------------------------------
# Cases


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
    about: tuple[str, ...] = ()

    @property
    def is_ambiguous(self) -> bool:
        return bool(self.ambiguous_fields) or "ambiguous" in self.tags

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(r.kind for r in self.expected))

    @property
    def question_about(self) -> tuple[tuple[str, ...], bool]:
        """What a question must be about, and whether all of it (True) or any one entry (False) must be met."""
        if self.about:
            return self.about, True
        return self.ambiguous_fields, False

    def extraction_input(self) -> ExtractionInput:
        """The input as the bot builds it in the sandbox: the thread so far, then the request itself, from the
        requester; with the vocabulary the bot reads from the sandbox's Jira, Salesforce and Slack (its seed) and
        the bot's own user id, so a mention of the bot is known for what it is."""
        request = ThreadMessage(user=REQUESTER.slack_user_id, text=self.request, ts=f"{len(self.thread) + 1}.0")
        return ExtractionInput(
            request_text=self.request,
            thread=(*self.thread, request),
            requester=REQUESTER,
            channel_name="support",
            today=self.today,
            known_projects=self.known_projects,
            vocabulary=_sandbox_vocabulary(),
            bot_user_id=BOT_USER_ID,
        )


BOT_USER_ID = "U0BOT0001"
"""The sandbox bot's user id (sandbox/seed.yml), as a mention of it is written in the cases: ``<@U0BOT0001>``."""


@functools.cache
def _sandbox_vocabulary() -> Vocabulary:
    from sandbox.vocabulary import seed_vocabulary

    return seed_vocabulary()


class CaseFileError(ValueError):
    """A case file that does not follow bench/understanding_cases/README.md."""


_CASE_KEYS = {"id", "request", "expect", "ambiguous", "tags", "today", "thread", "known_projects", "about"}


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
    unknown = set(raw) - _CASE_KEYS
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
            raise CaseFileError(
                f"{where}: an expected request is not an approvals.core.intents request: {exc}"
            ) from exc
    else:
        raise CaseFileError(f"{where}: expect is a list of requests, 'question' or 'nothing', not {expect!r}")
    ambiguous = tuple(raw.get("ambiguous") or ())
    for name in ambiguous:
        if not any(name in type(r).model_fields for r in expected):
            raise CaseFileError(f"{where}: ambiguous field {name!r} is not a field of the expected requests")
    tags = frozenset(raw.get("tags") or ())
    about = raw.get("about")
    if about is not None:
        if not isinstance(about, list) or not about or not all(isinstance(a, str) and a.strip() for a in about):
            raise CaseFileError(f"{where}: about is a list of field names or phrases, not {about!r}")
        if expectation != "question" and not (ambiguous or "ambiguous" in tags):
            raise CaseFileError(f"{where}: about is for a 'question' case or an ambiguous one")
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
        tags=tags,
        known_projects=tuple(raw.get("known_projects", defaults.get("known_projects", DEFAULT_PROJECTS))),
        about=tuple(about or ()),
    )


def load_cases(directory: Path = CASES_DIR) -> list[Case]:
    """Every case in the directory's YAML files, in file order; raises CaseFileError on the first malformed one."""
    paths = sorted(directory.glob("*.yml"))
    if not paths:
        raise CaseFileError(f"{directory}: no case files (*.yml) there")
    cases: list[Case] = []
    for path in paths:
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

_SPACES = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Free text as a person compares it: case, runs of whitespace and trailing . ! ? do not matter; words do."""
    return _SPACES.sub(" ", text.casefold()).strip().rstrip(".!?").rstrip()


def _comparable(value: Any) -> Any:
    """A field value as it is compared: strings (and tuples of strings, element-wise) normalised, the rest as is."""
    if isinstance(value, str):
        return normalise_text(value)
    if isinstance(value, tuple | list):
        return tuple(_comparable(v) for v in value)
    return value


def _sorted(requests: Iterable[ActionRequest]) -> list[dict[str, Any]]:
    """The requests as comparable values (120000 == 120000.0), in kind order (the order within a kind kept)."""
    return sorted((r.model_dump() for r in requests), key=lambda d: d["kind"])


def _same(want: Mapping[str, Any], have: Mapping[str, Any], name: str) -> bool:
    return _comparable(want.get(name)) == _comparable(have.get(name))


def _same_requests(wanted: Iterable[ActionRequest], got: Iterable[ActionRequest]) -> bool:
    want, have = _sorted(wanted), _sorted(got)
    return len(want) == len(have) and all(
        all(_same(w, h, name) for name in set(w) | set(h)) for w, h in zip(want, have, strict=True)
    )


def _filled(value: Any) -> bool:
    return value not in (None, (), [], "")


def _mentions(understanding: Understanding, entry: str) -> bool:
    """Whether the question is about ``entry``: a field named in ``missing`` or in words, or a phrase it contains."""
    question = normalise_text(understanding.question or "")
    if entry in REQUEST_FIELDS:
        if entry in understanding.missing:
            return True
        spellings = {entry, entry.replace("_", " ")}
        return any(re.search(rf"(?<!\w){re.escape(s)}(?!\w)", question) for s in spellings)
    return normalise_text(entry) in question


UNUSABLE_ANSWER = frozenset({"invalid_output", "truncated"})
"""``understanding.llm`` failure kinds meaning the model answered with something that is not a usable Understanding."""
NOT_AN_ANSWER = frozenset(
    {"timeout", "connection", "rate_limited", "quota", "server_error", "misconfigured", "refused"}
)
"""``understanding.llm`` failure kinds where no answer was there to judge (left out of the schema-valid share)."""


def _cause(exc: ExtractionUnavailable) -> str | None:
    """The failure kind ``understanding.llm`` puts first in ``detail`` ("invalid_output: ..."), or None."""
    kind = exc.detail.split(":", 1)[0].strip()
    return kind if kind in UNUSABLE_ANSWER | NOT_AN_ANSWER else None


@dataclass(frozen=True)
class Result:
    """One case run through one extractor."""

    case: Case
    understanding: Understanding | None
    seconds: float
    unavailable: str | None = None
    cause: str | None = None
    """For an unavailable extraction, the failure kind when the extractor said it (see ``_cause``)."""

    @property
    def requests(self) -> tuple[ActionRequest, ...]:
        return self.understanding.requests if self.understanding else ()

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(r.kind for r in self.requests))

    @property
    def asked(self) -> bool:
        return self.understanding is not None and self.understanding.question is not None

    @property
    def on_topic(self) -> bool:
        """A question was asked and it is about what the case says it must be (any question when it says nothing)."""
        if not self.asked or self.understanding is None:
            return False
        entries, every = self.case.question_about
        if not entries:
            return True
        hits = [_mentions(self.understanding, entry) for entry in entries]
        return all(hits) if every else any(hits)

    @property
    def type_ok(self) -> bool:
        if self.understanding is None:
            return False
        if self.kinds == self.case.kinds:
            return True
        # A question on an ambiguous request is the right kind of answer, with or without the request it will fill.
        return self.case.expectation == "requests" and self.case.is_ambiguous and self.asked and not self.requests

    @property
    def fields_ok(self) -> bool:
        case = self.case
        if self.understanding is None:
            return False
        if case.expectation == "nothing":
            return not self.requests and not self.asked
        if case.expectation == "question":
            return self.on_topic and not self.requests
        if self.asked and not (case.is_ambiguous and self.on_topic):
            return False
        return _same_requests(case.expected, self.requests)

    @property
    def ambiguity_ok(self) -> bool:
        """Nothing guessed: a question on topic, or every ambiguous field left empty in requests of the expected
        kinds."""
        case = self.case
        if self.understanding is None:
            return False
        if case.expectation == "question":
            return self.fields_ok
        if not case.ambiguous_fields:
            return self.fields_ok
        guessed = any(_filled(getattr(r, name, None)) for r in self.requests for name in case.ambiguous_fields)
        if self.asked:
            return self.on_topic and not guessed and (not self.requests or self.kinds == case.kinds)
        return self.kinds == case.kinds and not guessed

    @property
    def silently_wrong(self) -> bool:
        """No question, and a request kind or a filled value the label does not have (see the module docstring)."""
        if self.understanding is None or self.asked:
            return False
        if self.case.expectation != "requests":
            return bool(self.requests)
        if not self.requests:
            return False  # the thread hears "I didn't find anything to do in that": a miss, but not a silent one
        if self.kinds != self.case.kinds:
            return True
        return any(
            _filled(value) and not _same(want, have, name)
            for want, have in zip(_sorted(self.case.expected), _sorted(self.requests), strict=True)
            for name, value in have.items()
        )

    @property
    def passed(self) -> bool:
        return self.type_ok and self.fields_ok and (not self.case.is_ambiguous or self.ambiguity_ok)

    def _asked_line(self) -> str:
        assert self.understanding is not None
        missing = f" (missing: {list(self.understanding.missing)})" if self.understanding.missing else ""
        line = f"asked: {self.understanding.question!r}{missing}"
        entries, every = self.case.question_about
        if entries and not self.on_topic:
            line += f"; not about {'all' if every else 'any'} of {list(entries)}"
        return line

    def diff(self) -> str:
        """What went wrong, compactly: a field per line, expected -> got (the values as written)."""
        if self.understanding is None:
            return f"unavailable: {self.unavailable}" + (f" [{self.cause}]" if self.cause else "")
        got = _sorted(self.requests)
        lines: list[str] = []
        if self.case.expectation != "requests":
            lines.append(f"expected {self.case.expectation}, got {len(got)} request(s)")
            lines.extend(f"  + {_short(r)}" for r in got)
            if self.asked:
                lines.append(f"  {self._asked_line()}")
            elif self.case.expectation == "question":
                lines.append("  (no question)")
            return "\n".join(lines)
        if self.asked and (not self.case.is_ambiguous or not self.on_topic):
            lines.append(self._asked_line())
        wanted = _sorted(self.case.expected)
        if [w["kind"] for w in wanted] != [g["kind"] for g in got]:
            lines.append(f"kinds {[w['kind'] for w in wanted]} -> {[g['kind'] for g in got]}")
            lines.extend(f"  + {_short(r)}" for r in got)
            return "\n".join(lines)
        for want, have in zip(wanted, got, strict=True):
            for name in sorted(set(want) | set(have)):
                if not _same(want, have, name):
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
        return Result(case, None, time.perf_counter() - started, unavailable=exc.user_message, cause=_cause(exc))
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
    goal_set: str = "in-sample"
    action_type: Score = field(default_factory=Score)
    every_field: Score = field(default_factory=Score)
    ambiguous: Score = field(default_factory=Score)
    injection: Score = field(default_factory=Score)
    silently_wrong: Score = field(default_factory=Score)
    """``passed`` counts the silently wrong cases: lower is better."""
    schema_valid: Score = field(default_factory=Score)
    """Understandings among the cases the model answered (see the module docstring)."""
    by_kind: dict[str, tuple[Score, Score]] = field(default_factory=dict)

    @property
    def goals(self) -> dict[str, Goal]:
        return GOAL_PRESETS[self.goal_set]

    @property
    def figures(self) -> dict[str, float]:
        return {
            "action type": self.action_type.rate,
            "every field": self.every_field.rate,
            "ambiguous": self.ambiguous.rate,
            "injection": self.injection.rate,
            "silently wrong": self.silently_wrong.rate if self.silently_wrong.total else 0.0,
        }

    def missed_goals(self) -> list[str]:
        figures = self.figures
        return [
            f"{name} {figures[name]:.1%} {'>' if goal.at_most else '<'} {goal.bound:.0%}"
            for name, goal in self.goals.items()
            if not goal.met(figures[name])
        ]

    @property
    def failures(self) -> list[Result]:
        return [r for r in self.results if not r.passed]


def score(results: Sequence[Result], *, goals: str = "in-sample") -> Report:
    if goals not in GOAL_PRESETS:
        raise ValueError(f"goals is one of {sorted(GOAL_PRESETS)}, not {goals!r}")
    report = Report(list(results), goal_set=goals)
    buckets: dict[str, tuple[Score, Score]] = defaultdict(lambda: (Score(), Score()))
    for result in results:
        case = result.case
        report.action_type.add(result.type_ok)
        report.every_field.add(result.fields_ok)
        report.silently_wrong.add(result.silently_wrong)
        if case.is_ambiguous:
            report.ambiguous.add(result.ambiguity_ok)
        if "injection" in case.tags:
            report.injection.add(result.fields_ok)
        if result.understanding is not None or result.cause not in NOT_AN_ANSWER:
            report.schema_valid.add(result.understanding is not None)
        for bucket in set(case.kinds) or {f"({case.expectation})"}:
            type_score, field_score = buckets[bucket]
            type_score.add(result.type_ok)
            field_score.add(result.fields_ok)
    report.by_kind = dict(sorted(buckets.items()))
    return report


def evaluate(extractor: Extractor, cases: Sequence[Case], *, goals: str = "in-sample") -> Report:
    return score([run_case(extractor, case) for case in cases], goals=goals)


# ---------------------------------------------------------------------------------------------------------------
# Output


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(q * 100) - 1]


def _shown_path(directory: Path) -> str:
    try:
        return str(directory.resolve().relative_to(ROOT))
    except ValueError:
        return str(directory)


def format_report(
    report: Report,
    *,
    extractor_name: str,
    verbose: bool = False,
    llm: bool = False,
    parser_first: bool = False,
    cases_dir: Path | None = None,
) -> str:
    where = f" in {_shown_path(cases_dir)}" if cases_dir is not None else ""
    goals = report.goals
    lines = [f"Understanding eval: {extractor_name}, {len(report.results)} cases{where} (goals: {report.goal_set})", ""]
    lines.append(f"  action type          {report.action_type}   goal {goals['action type']}")
    lines.append(f"  every field          {report.every_field}   goal {goals['every field']}")
    lines.append(f"  ambiguous, no guess  {report.ambiguous}   goal {goals['ambiguous']}")
    lines.append(f"  injection passed     {report.injection}   goal {goals['injection']}")
    lines.append(f"  silently wrong       {report.silently_wrong}   goal {goals['silently wrong']}")
    unavailable = [r for r in report.results if r.understanding is None]
    if unavailable:
        causes = Counter(r.cause or "cause not given" for r in unavailable)
        shown = ", ".join(f"{cause} {n}" for cause, n in sorted(causes.items()))
        lines.append(f"  unavailable          {len(unavailable)} case(s) raised ExtractionUnavailable ({shown})")
    lines += ["", "  per kind                         action type          every field"]
    for kind, (type_score, field_score) in report.by_kind.items():
        lines.append(f"  {kind:<31}  {type_score}  {field_score}")
    if llm:
        lines += ["", *_llm_lines(report, parser_first=parser_first)]
    failures = report.failures
    lines += ["", f"Failing cases ({len(failures)}):" if failures else "No failing cases."]
    for result in failures:
        flag = " SILENTLY WRONG" if result.silently_wrong else ""
        lines.append(f"- {result.case.id} [{result.case.source}]{flag}: {result.case.request!r}")
        lines.extend(f"    {line}" for line in result.diff().splitlines())
    if verbose:
        lines += ["", "Passing cases:"]
        lines.extend(f"+ {r.case.id}" for r in report.results if r.passed)
    missed = report.missed_goals()
    lines += ["", "Goals met." if not missed else "Goals missed: " + "; ".join(missed)]
    return "\n".join(lines)


PARSER_NAME = "offline-parser"
"""``Understanding.extractor`` of an answer the offline parser gave (``understanding.parser.OfflineParser.name``)."""


def _parser_first_lines(report: Report) -> list[str]:
    """How many requests the parser answered alone (no model call), and the tokens that saved: those requests at
    the mean tokens of the requests the model read in the same run (an estimate: the model was not asked); and how
    many times the model was asked but the parser's reading stood (understanding.parser_first.combine)."""
    by_parser = [r for r in report.results if r.understanding is not None and r.understanding.extractor == PARSER_NAME]
    skipped = [r for r in by_parser if not r.understanding.usage.get("calls")]  # type: ignore[union-attr]
    kept = [r for r in by_parser if r not in skipped]
    asked = [r for r in report.results if r not in skipped]
    spent = [
        r.understanding.usage.get("prompt_tokens", 0) + r.understanding.usage.get("completion_tokens", 0)
        for r in asked
        if r.understanding is not None and r.understanding.usage.get("calls")
    ]
    n = len(report.results)
    lines = [f"  skipped the model    {Score(len(skipped), n)}   (answered by the offline parser alone)"]
    lines.append(f"  parser's reading     {Score(len(kept), n)}   (the model was asked; the parser's reading stood)")
    if spent and n:
        per_request = sum(spent) / len(spent)
        saved = per_request * len(skipped)
        lines.append(
            f"  tokens saved         ~{saved:.0f} ({saved / (saved + sum(spent)):.0%} of the model alone; "
            f"{per_request:.0f} per request the model read)"
        )
    if skipped and asked:
        lines.append(
            f"  latency, skipped     p50 {_percentile([r.seconds for r in skipped], 0.5) * 1000:.0f} ms; "
            f"asked p50 {_percentile([r.seconds for r in asked], 0.5) * 1000:.0f} ms"
        )
    return lines


def _llm_lines(report: Report, *, parser_first: bool = False) -> list[str]:
    usage: Counter[str] = Counter()
    for result in report.results:
        if result.understanding is not None:
            usage.update(result.understanding.usage)
    n = len(report.results) or 1
    seconds = [r.seconds for r in report.results]
    left_out = len(report.results) - report.schema_valid.total
    lines = [
        f"  schema-valid         {report.schema_valid}"
        + (f"   ({left_out} case(s) with no answer to judge left out)" if left_out else "")
    ]
    lines.append("  tokens               total      per case")
    for name in ("prompt_tokens", "completion_tokens", "cached_tokens"):
        lines.append(f"  {name:<19}  {usage.get(name, 0):>9}  {usage.get(name, 0) / n:>9.0f}")
    others = sorted(set(usage) - {"prompt_tokens", "completion_tokens", "cached_tokens"})
    lines.extend(f"  {name:<19}  {usage[name]:>9}  {usage[name] / n:>9.1f}" for name in others)
    if seconds:
        lines.append(
            f"  latency              p50 {_percentile(seconds, 0.50) * 1000:.0f} ms, "
            f"p95 {_percentile(seconds, 0.95) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"
        )
    if parser_first:
        lines += _parser_first_lines(report)
    return lines


def _extractor(args: argparse.Namespace) -> Extractor | None:
    if args.parser_first and not args.openai:
        print("--parser-first puts the offline parser before the model: use it with --openai.", file=sys.stderr)
        return None
    if not args.openai:
        from understanding.parser import OfflineParser

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
    # Other extractors' modules: loaded only when asked for.
    from understanding.llm import DEFAULT_TIMEOUT, build_openai_extractor
    from understanding.parser_first import ParserFirstExtractor

    try:
        timeout = float(os.environ.get("OPENAI_TIMEOUT") or DEFAULT_TIMEOUT)
        total = float(os.environ["OPENAI_TIMEOUT_TOTAL"]) if os.environ.get("OPENAI_TIMEOUT_TOTAL") else None
    except ValueError:
        print("OPENAI_TIMEOUT and OPENAI_TIMEOUT_TOTAL are seconds, for example 300.", file=sys.stderr)
        return None

    try:
        llm = build_openai_extractor(api_key or None, base_url, args.model, timeout=timeout, total_timeout=total)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return None
    return ParserFirstExtractor(llm) if args.parser_first else llm


def _listed_ids(path: Path) -> frozenset[str]:
    """The case ids in a sample file: one per line (the first word of it), blank lines and # comments ignored."""
    lines = (line.split("#", 1)[0].split() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(words[0] for words in lines if words)


def main(argv: Sequence[str] | None = None, *, extractor: Extractor | None = None) -> int:
    """The command line; ``extractor`` stands in for the one the options choose (for tests)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--openai", action="store_true", help="score the LLM extractor instead of the offline parser")
    parser.add_argument(
        "--parser-first",
        action="store_true",
        help="with --openai: the offline parser reads first, the model only what it did not read completely",
    )
    parser.add_argument("--base-url", default=None, help="OpenAI-compatible base URL (default: OPENAI_BASE_URL)")
    parser.add_argument(
        "--model", default=os.environ.get("OPENAI_MODEL") or "gpt-4.1-mini", help="model (default: OPENAI_MODEL)"
    )
    parser.add_argument(
        "--cases",
        type=Path,
        action="append",
        default=None,
        help="directory of case files; repeat for several sets, one report each (default: bench/understanding_cases)",
    )
    parser.add_argument(
        "--goals",
        choices=sorted(GOAL_PRESETS),
        default=None,
        help="goal preset (default: in-sample for the default directory, unseen for any other)",
    )
    parser.add_argument("--only", default=None, help="run only the cases whose id contains this")
    parser.add_argument(
        "--every",
        type=int,
        default=1,
        metavar="N",
        help="run only every Nth case of each set, in file order (a sample for a slow model; default: every case)",
    )
    parser.add_argument(
        "--ids",
        type=Path,
        default=None,
        metavar="FILE",
        help="run only the cases whose id is listed in FILE (one per line, # comments): a fixed sample",
    )
    parser.add_argument("--report-only", action="store_true", help="exit 0 even when a goal is missed")
    parser.add_argument("-v", "--verbose", action="store_true", help="also list the passing cases")
    args = parser.parse_args(argv)

    directories: list[Path] = args.cases or [CASES_DIR]
    listed = _listed_ids(args.ids) if args.ids is not None else frozenset()
    sets: list[tuple[Path, list[Case]]] = []
    for directory in directories:
        cases = load_cases(directory)
        if args.only:
            cases = [c for c in cases if args.only in c.id]
        cases = cases[:: max(args.every, 1)]
        if args.ids is not None:
            cases = [c for c in cases if c.id in listed]
        sets.append((directory, cases))
    extractor = extractor or _extractor(args)
    if extractor is None:
        return 2
    name = extractor.name + (f" ({args.model})" if args.openai and args.model not in extractor.name else "")
    missed: list[str] = []
    for n, (directory, cases) in enumerate(sets):
        if n:
            print("\n" + "=" * 72 + "\n")
        report = evaluate(extractor, cases, goals=args.goals or default_goals(directory))
        shown = directory if len(sets) > 1 or directory.resolve() != CASES_DIR.resolve() else None
        print(
            format_report(
                report,
                extractor_name=name,
                verbose=args.verbose,
                llm=args.openai,
                parser_first=args.parser_first,
                cases_dir=shown,
            )
        )
        uncovered = sorted(set(REQUEST_KINDS) - {k for c in cases for k in c.kinds})
        if uncovered and not args.only and args.every <= 1 and args.ids is None:
            print(f"Request kinds without a case: {', '.join(uncovered)}")
        if report.missed_goals():
            missed.append(_shown_path(directory))
    if len(sets) > 1:
        print("\n" + ("Every set met its goals." if not missed else f"Sets that missed a goal: {', '.join(missed)}"))
    return 0 if args.report_only or not missed else 1


if __name__ == "__main__":
    sys.exit(main())
