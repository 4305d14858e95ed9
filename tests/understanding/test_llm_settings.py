"""The LLM's settings as a deployment writes them: OPENAI_TIMEOUT and OPENAI_TIMEOUT_TOTAL reach the client and the
retry budget, the worker's jobs get time for them, and FOLLOWTHROUGH_PARSER_FIRST puts the offline parser first.

The extractor is built by ``app.py`` from settings read from the environment, and its call goes to the sandbox's
OpenAI emulator over HTTP, so what is checked is what the ``openai`` client really sends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app import ConfigurationError, Settings, _extractor, load_settings
from approvals.core.ports import ExtractionInput, PersonMatch, ThreadMessage
from approvals.flow.runtime import Timing
from sandbox.openai import OpenAIEmulator
from sandbox.seed import Seed
from sandbox.server import ServerThread
from tests.emulators import reset, serve
from understanding.llm import DEFAULT_TIMEOUT, DEFAULT_TIMEOUT_TOTAL, OpenAIExtractor, RetryBudget, total_timeout_for
from understanding.parser import OfflineParser
from understanding.parser_first import ParserFirstExtractor

CHAT = "/v1/chat/completions"
DANA = PersonMatch("U0DANA001", "dana", "Dana Reyes", "dana@northwind.example")
# Words the offline parser does not read completely, so the model is asked even with the parser first.
UNREAD = "can you get this into PAY for Alice? it's hurting sales"
ANSWER = {
    "understood": "File a bug in PAY for Alice.",
    "decision": "actions",
    "requests": [
        {
            "kind": "jira.create_issue",
            "project": "PAY",
            "issue_type": "Bug",
            "summary": "Checkout fails on Safari",
            "description": None,
            "assignee": "Alice",
            "priority": None,
            "labels": [],
            "due_date": None,
        }
    ],
    "question": None,
    "missing": [],
}


@pytest.fixture(scope="module")
def emulator(seed: Seed, server_thread: ServerThread) -> OpenAIEmulator:
    return serve(OpenAIEmulator(seed), server_thread)


LLM_SETTINGS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_MODEL",
    "OPENAI_TIMEOUT",
    "OPENAI_TIMEOUT_TOTAL",
    "FOLLOWTHROUGH_PARSER_FIRST",
)


@pytest.fixture(autouse=True)
def _clean(emulator: OpenAIEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's is read
    reset(emulator)
    yield
    reset(emulator)


def settings_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    """Settings read from an environment holding ``env`` and the required settings, as the processes read them."""
    for name in LLM_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    required = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "REDIS_URL": "redis://127.0.0.1:1/0"}
    for name, value in {**required, **env}.items():
        monkeypatch.setenv(name, value)
    return load_settings()


def llm_env(emulator: OpenAIEmulator, **env: str) -> dict[str, str]:
    served = emulator.environment()
    return {"OPENAI_API_KEY": served["OPENAI_API_KEY"], "OPENAI_BASE_URL": served["OPENAI_BASE_URL"], **env}


def ask(text: str) -> ExtractionInput:
    return ExtractionInput(
        request_text=text,
        thread=(ThreadMessage(user=DANA.slack_user_id, text=text, ts="1.000900"),),
        requester=DANA,
        channel_name="support",
        today=dt.date(2026, 11, 20),
        known_projects=("OPS", "PAY"),
    )


def model_of(settings: Settings) -> OpenAIExtractor:
    extractor = _extractor(settings)
    inner: Any = extractor.model if isinstance(extractor, ParserFirstExtractor) else extractor
    assert isinstance(inner, OpenAIExtractor)
    return inner


def test_without_timeout_settings_the_defaults_are_20_s_a_call_and_45_s_in_all(
    monkeypatch: pytest.MonkeyPatch, emulator: OpenAIEmulator
) -> None:
    settings = settings_with(monkeypatch, **llm_env(emulator))

    assert (settings.openai_timeout, settings.openai_budget_seconds) == (DEFAULT_TIMEOUT, DEFAULT_TIMEOUT_TOTAL)
    assert total_timeout_for(DEFAULT_TIMEOUT) == DEFAULT_TIMEOUT_TOTAL
    assert model_of(settings).budget == RetryBudget()


def test_openai_timeout_reaches_the_client_and_the_budget_and_derives_the_total(
    monkeypatch: pytest.MonkeyPatch, emulator: OpenAIEmulator
) -> None:
    settings = settings_with(monkeypatch, **llm_env(emulator, OPENAI_TIMEOUT="7.5"))
    emulator.respond("get this into PAY", content=ANSWER)

    model = model_of(settings)
    understanding = model.extract(ask(UNREAD))

    assert model.budget.attempt_timeout == 7.5
    assert model.budget.total_seconds == 2 * 7.5 + 5  # two whole calls and 5 s
    assert understanding.requests
    [sent] = emulator.requests.entries(path=CHAT)
    assert sent.headers["x-stainless-read-timeout"] == "7.5"  # what the openai client really waited for


def test_openai_timeout_total_sets_the_whole_budget(monkeypatch: pytest.MonkeyPatch, emulator: OpenAIEmulator) -> None:
    settings = settings_with(monkeypatch, **llm_env(emulator, OPENAI_TIMEOUT="300", OPENAI_TIMEOUT_TOTAL="400"))

    assert model_of(settings).budget == RetryBudget(attempt_timeout=300.0, total_seconds=400.0)


def test_a_total_shorter_than_one_call_is_refused_at_start_up_with_both_names(
    monkeypatch: pytest.MonkeyPatch, emulator: OpenAIEmulator
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        settings_with(monkeypatch, **llm_env(emulator, OPENAI_TIMEOUT="60", OPENAI_TIMEOUT_TOTAL="30"))

    assert "OPENAI_TIMEOUT_TOTAL (30 s) must be at least OPENAI_TIMEOUT (60 s)" in str(refused.value)


@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_a_timeout_that_is_not_a_positive_number_is_refused(
    monkeypatch: pytest.MonkeyPatch, emulator: OpenAIEmulator, value: str
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        settings_with(monkeypatch, **llm_env(emulator, OPENAI_TIMEOUT=value))

    assert "OPENAI_TIMEOUT:" in str(refused.value)


def test_the_jobs_get_time_for_two_readings_by_a_slow_model(
    monkeypatch: pytest.MonkeyPatch, emulator: OpenAIEmulator
) -> None:
    offline = settings_with(monkeypatch)
    hosted = settings_with(monkeypatch, **llm_env(emulator))
    on_a_cpu = settings_with(monkeypatch, **llm_env(emulator, OPENAI_TIMEOUT="300"))

    assert offline.timing.job_timeout == Timing.job_timeout
    # An answer to an open question may be read twice (alone, then with the request), plus 30 s for the rest.
    assert hosted.timing.job_timeout == 2 * 45 + 30
    assert on_a_cpu.timing.job_timeout == 2 * (2 * 300 + 5) + 30
    # A slow call never starts a second intake: the reaper skips a request whose (renewed) lease is held.
    assert on_a_cpu.timing.stale_intake_after == offline.timing.stale_intake_after


def test_with_a_model_the_parser_reads_first_unless_turned_off(
    monkeypatch: pytest.MonkeyPatch, emulator: OpenAIEmulator
) -> None:
    first = _extractor(settings_with(monkeypatch, **llm_env(emulator)))
    alone = _extractor(settings_with(monkeypatch, **llm_env(emulator, FOLLOWTHROUGH_PARSER_FIRST="false")))
    offline = _extractor(settings_with(monkeypatch))

    assert isinstance(first, ParserFirstExtractor) and isinstance(first.model, OpenAIExtractor)
    assert isinstance(alone, OpenAIExtractor)
    assert isinstance(offline, OfflineParser)


def test_a_request_the_parser_reads_completely_never_reaches_the_configured_model(
    monkeypatch: pytest.MonkeyPatch, emulator: OpenAIEmulator
) -> None:
    extractor = _extractor(settings_with(monkeypatch, **llm_env(emulator)))
    emulator.respond("get this into PAY", content=ANSWER)

    read = extractor.extract(ask("move PAY-12 to done"))
    asked = extractor.extract(ask(UNREAD))

    assert read.extractor == OfflineParser.name and read.usage == {}
    assert asked.extractor == "openai:gpt-4.1-mini" and asked.usage["calls"] == 1
    assert len(emulator.requests.entries(path=CHAT)) == 1
