"""The eval's options for a real model: ``--every`` (a sample of a slow model), ``--parser-first`` (the share that
skipped the model, the tokens saved) and the timeouts it reads from the environment as the bot does."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from approvals.core.intents import Understanding
from approvals.core.ports import ExtractionInput
from bench.eval_understanding import _extractor, main
from understanding.llm import OpenAIExtractor, RetryBudget
from understanding.parser_first import ParserFirstExtractor

CASES = """today: 2026-11-20
cases:
  - {id: c1, request: move PAY-12 to done, expect: [{kind: jira.transition, issue: PAY-12, status: Done}]}
  - {id: c2, request: "could Alice own a PAY item for what's above? it's hurting sales", expect: question}
  - {id: c3, request: assign PAY-3 to Alice, expect: [{kind: jira.assign, issue: PAY-3, assignee: Alice}]}
  - {id: c4, request: thanks!, expect: nothing}
"""


class TokenModel:
    """A model stand-in: answers nothing to do, at 1,000 prompt and 100 completion tokens a request."""

    name = "openai:local"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def extract(self, request: ExtractionInput) -> Understanding:
        self.asked.append(request.request_text)
        usage = {"prompt_tokens": 1000, "completion_tokens": 100, "cached_tokens": 0, "calls": 1}
        return Understanding(understood="Nothing to do.", extractor=self.name, usage=usage)


def cases_in(tmp_path: Path) -> Path:
    (tmp_path / "cases.yml").write_text(CASES, encoding="utf-8")
    return tmp_path


def test_every_runs_every_nth_case_of_each_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = TokenModel()

    main(["--cases", str(cases_in(tmp_path)), "--openai", "--every", "2", "--report-only"], extractor=model)

    assert model.asked == ["move PAY-12 to done", "assign PAY-3 to Alice"]
    assert ", 2 cases in" in capsys.readouterr().out


def test_parser_first_reports_the_share_that_skipped_the_model_and_the_tokens_saved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = TokenModel()
    combined = ParserFirstExtractor(model)

    main(["--cases", str(cases_in(tmp_path)), "--openai", "--parser-first", "--report-only"], extractor=combined)
    out = capsys.readouterr().out

    # The parser reads c1 and c3 completely and finds only talk in c4 ("thanks!"); c2 (words it does not know)
    # goes to the model.
    assert model.asked == ["could Alice own a PAY item for what's above? it's hurting sales"]
    assert "skipped the model     75.0%  (3/4)   (answered by the offline parser alone)" in out
    # The model read nothing in it: the parser's question (c2) stood.
    assert "parser's reading      25.0%  (1/4)   (the model was asked; the parser's reading stood)" in out
    assert "tokens saved         ~3300 (75% of the model alone; 1100 per request the model read)" in out


def test_parser_first_needs_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--parser-first"]) == 2
    assert "use it with --openai" in capsys.readouterr().err


def test_the_timeouts_are_read_from_the_environment_as_the_bot_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    options = argparse.Namespace(openai=True, parser_first=True, base_url="http://127.0.0.1:9/v1", model="local")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_TIMEOUT_TOTAL", raising=False)
    monkeypatch.setenv("OPENAI_TIMEOUT", "300")

    combined = _extractor(options)
    monkeypatch.setenv("OPENAI_TIMEOUT_TOTAL", "900")
    longer = _extractor(options)

    assert isinstance(combined, ParserFirstExtractor) and isinstance(combined.model, OpenAIExtractor)
    assert combined.model.budget == RetryBudget(attempt_timeout=300.0, total_seconds=605.0)
    assert isinstance(longer, ParserFirstExtractor) and isinstance(longer.model, OpenAIExtractor)
    assert longer.model.budget.total_seconds == 900.0


@pytest.mark.parametrize(("timeout", "total"), [("soon", ""), ("60", "30")])
def test_unusable_timeouts_stop_the_run_with_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], timeout: str, total: str
) -> None:
    monkeypatch.setenv("OPENAI_TIMEOUT", timeout)
    monkeypatch.setenv("OPENAI_TIMEOUT_TOTAL", total)

    assert main(["--openai", "--base-url", "http://127.0.0.1:9/v1", "--only", "assign-"]) == 2
    assert "OPENAI_TIMEOUT" in capsys.readouterr().err


def test_ids_runs_only_the_cases_a_sample_file_lists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample = tmp_path / "sample.txt"
    sample.write_text("# a fixed sample\nc3   # jira\n\nc4\n", encoding="utf-8")
    model = TokenModel()

    main(["--cases", str(cases_in(tmp_path)), "--openai", "--ids", str(sample), "--report-only"], extractor=model)

    assert model.asked == ["assign PAY-3 to Alice", "thanks!"]
    assert ", 2 cases in" in capsys.readouterr().out
