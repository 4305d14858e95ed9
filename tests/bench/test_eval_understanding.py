"""The understanding eval: its case files are well-formed, its scoring means what it says, and the offline parser
meets the goals on them (run in CI: a phrasing that stops parsing fails here with the real figures)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from approvals.intents import REQUEST_KINDS, JiraAssignRequest, JiraTransitionRequest, Understanding
from approvals.ports import ExtractionInput, ExtractionUnavailable
from bench.eval_understanding import (
    CASES_DIR,
    GOALS,
    Case,
    CaseFileError,
    evaluate,
    format_report,
    load_cases,
    main,
    run_case,
)
from bot.parser import OfflineParser

CASES = load_cases()


def test_there_are_at_least_150_cases_with_unique_ids() -> None:
    assert len(CASES) >= 150, len(CASES)
    assert len({c.id for c in CASES}) == len(CASES)


def test_every_request_kind_has_cases() -> None:
    covered = {kind for case in CASES for kind in case.kinds}
    assert set(REQUEST_KINDS) <= covered, sorted(set(REQUEST_KINDS) - covered)


def test_the_set_covers_ambiguity_no_action_out_of_scope_and_injection() -> None:
    assert sum(c.is_ambiguous for c in CASES) >= 20
    assert sum(c.expectation == "nothing" for c in CASES) >= 5
    assert sum(c.expectation == "question" for c in CASES) >= 10
    assert sum("injection" in c.tags for c in CASES) >= 10


def test_every_case_file_has_cases_and_every_expected_request_is_an_intents_model() -> None:
    files = {c.source for c in CASES}
    assert files == {p.name for p in CASES_DIR.glob("*.yml")}
    for case in CASES:
        for request in case.expected:
            assert type(request).model_validate(request.model_dump()) == request  # re-validates as approvals.intents


def test_the_offline_parser_meets_the_goals_on_the_case_files() -> None:
    report = evaluate(OfflineParser(), CASES)
    figures = ", ".join(f"{name} {rate:.1%} (goal {GOALS[name]:.0%})" for name, rate in report.figures.items())
    failing = "\n".join(f"  {r.case.id}: {r.diff()}" for r in report.failures[:20])
    assert not report.missed_goals(), f"{figures}\nfailing:\n{failing}"
    assert report.injection.passed == report.injection.total, f"injection {report.injection}\n{failing}"


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "cases.yml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ("cases:\n  - {id: a, request: x}\n", "needs id, request and expect"),
        ("cases:\n  - {id: a, request: x, expect: maybe}\n", "expect is a list"),
        ("cases:\n  - {id: a, request: x, expect: [{kind: jira.fly}]}\n", "not an approvals.intents request"),
        ("cases:\n  - {id: a, request: x, expect: [{kind: jira.assign, colour: red}]}\n", "not an approvals.intents"),
        (
            "cases:\n  - {id: a, request: x, ambiguous: [stage], expect: [{kind: jira.assign}]}\n",
            "not a field of the expected requests",
        ),
        ("cases:\n  - {id: a, request: x, expect: nothing}\n", "today must be a date"),
        (
            "today: 2026-11-20\ncases:\n  - {id: a, request: x, expect: nothing}\n"
            "  - {id: a, request: y, expect: nothing}\n",
            "unique",
        ),
        ("today: 2026-11-20\ncases: {}\n", "needs a 'cases' list"),
    ],
)
def test_a_malformed_case_file_is_refused_with_the_reason(tmp_path: Path, body: str, complaint: str) -> None:
    with pytest.raises(CaseFileError, match=complaint):
        load_cases(_write(tmp_path, body))


AMBIGUOUS = """
today: 2026-11-20
cases:
  - id: move-nowhere
    request: move PAY-12
    ambiguous: [status]
    expect:
      - {kind: jira.transition, issue: PAY-12}
  - id: assign
    request: assign PAY-12 to Alice
    expect:
      - {kind: jira.assign, issue: PAY-12, assignee: Alice}
  - id: out-of-scope
    request: delete PAY-12
    expect: question
"""


class _Fixed:
    """An extractor that gives the same answer to everything (a stand-in for a model that guesses or asks)."""

    name = "fixed"

    def __init__(self, answer: Understanding | Exception) -> None:
        self.answer = answer

    def extract(self, request: ExtractionInput) -> Understanding:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_a_guess_for_an_ambiguous_field_fails_the_ambiguity_score(tmp_path: Path) -> None:
    cases = load_cases(_write(tmp_path, AMBIGUOUS))
    guess = Understanding(requests=(JiraTransitionRequest(issue="PAY-12", status="Done"),))
    report = evaluate(_Fixed(guess), cases[:1])
    assert (report.action_type.rate, report.every_field.rate, report.ambiguous.rate) == (1.0, 0.0, 0.0)
    assert "jira.transition.status: None -> 'Done'" in report.failures[0].diff()


def test_a_question_answers_an_ambiguous_case_but_not_a_clear_one(tmp_path: Path) -> None:
    cases = load_cases(_write(tmp_path, AMBIGUOUS))
    report = evaluate(_Fixed(Understanding(question="Which status?")), cases)
    assert report.ambiguous.passed == report.ambiguous.total == 1
    assert [r.fields_ok for r in report.results] == [False, False, True]
    assert report.action_type.passed == 1  # only the out-of-scope case expects no requests


def test_an_extra_request_fails_every_field_and_the_kind(tmp_path: Path) -> None:
    cases = load_cases(_write(tmp_path, AMBIGUOUS))
    extra = Understanding(
        requests=(JiraAssignRequest(issue="PAY-12", assignee="Alice"), JiraTransitionRequest(issue="PAY-12"))
    )
    result = run_case(_Fixed(extra), cases[1])
    assert not result.type_ok and not result.fields_ok
    assert "kinds ['jira.assign'] -> ['jira.assign', 'jira.transition']" in result.diff()


def test_an_unavailable_extractor_fails_the_case_and_is_reported(tmp_path: Path) -> None:
    cases = load_cases(_write(tmp_path, AMBIGUOUS))
    report = evaluate(_Fixed(ExtractionUnavailable("model down")), cases)
    text = format_report(report, extractor_name="fixed", llm=True)
    assert report.every_field.passed == 0
    assert "3 case(s) raised ExtractionUnavailable" in text and "unavailable: model down" in text
    assert "latency" in text and "prompt_tokens" in text


def test_the_request_reaches_the_extractor_as_the_bot_sends_it() -> None:
    case = Case(
        id="x",
        source="t.yml",
        request="move it to done",
        today=dt.date(2026, 11, 20),
        thread=(),
        expectation="nothing",
    )
    given = case.extraction_input()
    assert given.thread[-1].text == "move it to done" and given.thread[-1].user == "U0DANA001"
    assert given.today == dt.date(2026, 11, 20) and given.known_projects == ("PAY", "OPS")


def test_the_script_scores_the_offline_parser_and_exits_zero_when_the_goals_are_met(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--only", "assign-"]) == 0
    out = capsys.readouterr().out
    assert "action type" in out and "every field" in out and "jira.assign" in out and "Goals met." in out


def test_the_script_exits_1_when_a_goal_is_missed_unless_report_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, "today: 2026-11-20\ncases:\n  - {id: a, request: 'banana', expect: [{kind: jira.assign}]}\n")
    assert main(["--cases", str(tmp_path)]) == 1
    assert "Goals missed: action type 0.0% < 95%" in capsys.readouterr().out
    assert main(["--cases", str(tmp_path), "--report-only"]) == 0


def test_openai_without_a_key_or_a_base_url_says_so_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert main(["--openai"]) == 2
    assert "OPENAI_API_KEY" in capsys.readouterr().err
