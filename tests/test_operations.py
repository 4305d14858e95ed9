"""Operating the processes: health and readiness endpoints, JSON logs with the ids as fields, secrets masked, and
start-up failures as one clear line."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from slack_bolt import App

from approvals.core.ports import AuthError
from approvals.flow.health import HealthServer
from approvals.flow.logs import JsonFormatter, RedactingFilter, redact
from followthrough.processes import probe_readiness
from followthrough.settings import load_settings
from followthrough.warming import CacheWarmer
from followthrough.wiring import build_bolt_app, build_slack_client
from sandbox.harness import Sandbox

ROOT = Path(__file__).resolve().parent.parent


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_readiness_names_the_check_that_fails() -> None:
    state = {"slack": None}
    server = HealthServer(0, {"redis": lambda: None, "slack": lambda: state["slack"]}, host="127.0.0.1").start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        assert get(f"{base}/healthz") == (200, {"status": "alive"})
        assert get(f"{base}/readyz") == (200, {"status": "ready", "checks": {"redis": "ok", "slack": "ok"}})
        state["slack"] = "nothing from Slack for 90 s (no message, no pong)"
        status, body = get(f"{base}/readyz")
        assert status == 503 and body["checks"]["slack"].startswith("nothing from Slack")
        assert get(f"{base}/elsewhere")[0] == 404
    finally:
        server.stop()


def test_followthrough_ready_is_the_containers_health_check(capsys: pytest.CaptureFixture[str]) -> None:
    """`followthrough ready` (the Dockerfile's HEALTHCHECK) asks /readyz on FOLLOWTHROUGH_HEALTH_PORT: exit 0 when
    ready, 1 naming the failing check, or saying nothing answers."""
    state: dict[str, str | None] = {"slack": None}
    server = HealthServer(0, {"redis": lambda: None, "slack": lambda: state["slack"]}, host="127.0.0.1").start()
    try:
        assert probe_readiness(server.port) == 0 and capsys.readouterr().out == "ready\n"
        state["slack"] = "the Socket Mode connection is down"
        assert probe_readiness(server.port) == 1
        assert capsys.readouterr().err == "not ready (503): slack: the Socket Mode connection is down\n"
    finally:
        server.stop()
    assert probe_readiness(server.port) == 1 and "nothing answers on port" in capsys.readouterr().err
    assert probe_readiness(None) == 1 and "FOLLOWTHROUGH_HEALTH_PORT is not set" in capsys.readouterr().err


def test_a_check_that_raises_is_a_failed_check() -> None:
    def broken() -> str | None:
        raise ConnectionError("refused")

    server = HealthServer(0, {"redis": broken}, host="127.0.0.1").start()
    try:
        status, body = get(f"http://127.0.0.1:{server.port}/readyz")
        assert status == 503 and body["checks"]["redis"] == "ConnectionError: refused"
    finally:
        server.stop()


def record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("approvals.flow.execution", logging.INFO, __file__, 1, message, args, None)


def test_json_logs_carry_the_ids_a_line_names() -> None:
    line = JsonFormatter().format(
        record("proposal %s: approved by %s in request %s", "ft-7kq2mx9c", "U0BOB0001", "C0SUPPORT-1796_592563")
    )
    entry = json.loads(line)
    assert entry["proposal_id"] == "ft-7kq2mx9c"
    assert entry["slack_users"] == ["U0BOB0001"]
    assert entry["request"] == "C0SUPPORT-1796_592563" and entry["channel"] == "C0SUPPORT"
    assert entry["level"] == "INFO" and entry["logger"] == "approvals.flow.execution"


@pytest.mark.parametrize(
    "secret",
    [
        "xoxb-123456789012-abcdefABCDEF",
        "xapp-1-A0FT00001-123-abcdef0123",
        "Bearer eyJhbGciOiJSUzI1NiJ9.abc.def",
        "00D5g000004abcd!AQ0AQFakeSessionIdThatIsLong.enough",
    ],
)
def test_secrets_never_reach_a_log_line(secret: str) -> None:
    entry = record("calling Slack with %s", secret)
    RedactingFilter().filter(entry)
    assert secret not in entry.getMessage() and "[redacted]" in entry.getMessage()
    assert secret not in redact(f"token={secret}")


def run_app(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py"), *args],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_an_unreachable_redis_is_one_clear_line_not_a_traceback() -> None:
    done = run_app(
        "worker",
        env={"REDIS_URL": "redis://:hunter2@127.0.0.1:1/0", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"},
    )
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == [
        "Followthrough cannot start: Redis at redis://127.0.0.1:1/0 is unreachable "
        "(Error 111 connecting to 127.0.0.1:1. Connection refused.)."
    ], done.stderr
    assert "hunter2" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("process", "variable", "line"),
    [
        ("bot", "SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN was refused by Slack (invalid_auth); copy the Bot User OAuth "
         "Token (xoxb-...) from your Slack app's OAuth & Permissions page"),
        ("worker", "SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN was refused by Slack (invalid_auth); copy the Bot User OAuth "
         "Token (xoxb-...) from your Slack app's OAuth & Permissions page"),
        ("bot", "SLACK_APP_TOKEN", "SLACK_APP_TOKEN was refused by Slack (invalid_auth); generate an app-level token "
         "with connections:write (Basic Information > App-Level Tokens) and turn Socket Mode on"),
    ],
)  # fmt: skip
def test_a_refused_slack_token_is_one_clear_line_not_a_traceback(
    product_env: dict[str, str], process: str, variable: str, line: str
) -> None:
    wrong = ("xoxb" if variable == "SLACK_BOT_TOKEN" else "xapp") + "-1-not-the-token"
    done = run_app(process, env={**product_env, variable: wrong, "FOLLOWTHROUGH_LOG_FORMAT": "json"})
    assert done.returncode == 1
    lines = [text for text in done.stderr.splitlines() if text.strip()]
    assert lines == [f"Followthrough cannot start: {line}"], done.stderr
    assert wrong not in done.stderr


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_the_procfile_processes_answer_readiness_with_their_own_checks(start_product) -> None:  # type: ignore[no-untyped-def]
    import time

    bot_port, worker_port = free_port(), free_port()
    bot = start_product(worker=False, FOLLOWTHROUGH_HEALTH_PORT=str(bot_port), FOLLOWTHROUGH_LOG_FORMAT="json")
    start_product(bot=False, FOLLOWTHROUGH_HEALTH_PORT=str(worker_port))
    deadline = time.monotonic() + 30
    answers: dict[int, tuple[int, dict]] = {}
    while time.monotonic() < deadline:
        try:
            answers = {port: get(f"http://127.0.0.1:{port}/readyz") for port in (bot_port, worker_port)}
        except OSError:
            time.sleep(0.3)
            continue
        if all(status == 200 for status, _ in answers.values()):
            break
        time.sleep(0.3)
    assert answers[bot_port] == (200, {"status": "ready", "checks": {"redis": "ok", "slack": "ok"}}), answers
    assert answers[worker_port] == (
        200,
        {"status": "ready", "checks": {"redis": "ok", "heartbeat": "ok", "queues": "ok"}},
    ), answers
    (process,) = bot.processes
    lines = [line for line in process.log().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert any(e["message"].startswith("bot starting") for e in entries)
    assert not any("will be unused" in e["message"] for e in entries), "Bolt's warning about our own client is gone"
    assert not any("xoxb-" in line or "xapp-" in line for line in lines)


@pytest.mark.slow
def test_metrics_count_what_happened_in_every_process(start_product, sandbox) -> None:  # type: ignore[no-untyped-def]
    from tests.e2e.helpers import ask, start_thread, wait_for_card

    bot_port, worker_port = free_port(), free_port()
    start_product(worker=False, FOLLOWTHROUGH_HEALTH_PORT=str(bot_port))
    start_product(bot=False, FOLLOWTHROUGH_HEALTH_PORT=str(worker_port))
    thread = start_thread(sandbox)
    ask(sandbox, thread)
    wait_for_card(sandbox, thread)

    def scrape(port: int) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            return response.read().decode()

    import time

    # The intake ran in a job the worker forked: its counter is added up by the process serving /metrics (the card
    # is posted a moment before the job ends and counts itself).
    deadline = time.monotonic() + 10
    worker = scrape(worker_port)
    while "followthrough_requests_total{" not in worker and time.monotonic() < deadline:
        time.sleep(0.2)
        worker = scrape(worker_port)
    bot = scrape(bot_port)
    assert 'followthrough_envelopes_total{type="event_callback"}' in bot, bot
    assert "followthrough_ack_seconds_count" in bot
    assert 'followthrough_requests_total{outcome="proposed"} 1.0' in worker, worker
    assert 'followthrough_proposals{state="awaiting_approval"} 1.0' in worker, worker
    assert 'followthrough_queue_depth{queue="followthrough-actions"}' in worker


# --- Bolt on our own client, without its warning -----------------------------------------------------------------


def test_bolt_is_built_on_our_client_without_the_unused_token_warning(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Bolt warns "token will be unused" when it is given a client and finds SLACK_BOT_TOKEN in the environment as
    well (slack_bolt.App.__init__). The settings read the variable, then it leaves the environment before Bolt
    looks. No log filter is in the way here: the warning is not made, rather than hidden."""
    env = sandbox.environment()
    monkeypatch.setenv("SLACK_BOT_TOKEN", env["SLACK_BOT_TOKEN"])  # as a deployment sets it
    monkeypatch.setattr(logging.getLogger("slack_bolt.App"), "filters", [])
    settings = load_settings(_env_file=None, slack_app_token=env["SLACK_APP_TOKEN"],
                             slack_api_url=env["SLACK_API_URL"], redis_url="redis://127.0.0.1:1/0")  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="slack_bolt"):
        App(client=build_slack_client(settings))  # what Bolt does with both: the warning this test would catch
    assert any("will be unused" in r.getMessage() for r in caplog.records)
    caplog.clear()

    with caplog.at_level(logging.WARNING, logger="slack_bolt"):
        app = build_bolt_app(build_slack_client(settings))
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("slack_bolt")]
    assert app.client.base_url == env["SLACK_API_URL"] and app.client.token == env["SLACK_BOT_TOKEN"]
    assert "SLACK_BOT_TOKEN" not in os.environ


# --- a system that refuses while the worker runs -------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_failing_warming_step_is_one_line_per_interval_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, calls = Clock(), {"jira": 0, "slack": 0}
    answers: list[Exception | None] = []

    def jira() -> None:
        calls["jira"] += 1
        problem = answers.pop(0) if answers else None
        if problem is not None:
            raise problem

    def slack() -> None:
        calls["slack"] += 1

    refused = AuthError("Jira refused our credentials; an admin needs to check JIRA_PAT", detail="Unauthorized")
    warmer = CacheWarmer({"Jira catalog": jira, "Slack directory": slack}, retry_every=60, remind_every=600,
                         clock=clock)  # fmt: skip

    def warnings() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]

    with caplog.at_level(logging.INFO, logger="followthrough.warming"):
        answers.extend([refused] * 20)
        for second in range(0, 700, 5):  # a maintenance pass every 5 s for 11+ minutes
            clock.now = second
            warmer()
        assert calls["slack"] == 140  # every pass
        assert calls["jira"] == 12  # once a minute: 0, 60, ..., 660
        assert warnings() == [
            "warming the Jira catalog failed: Jira refused our credentials; an admin needs to check JIRA_PAT "
            "(Unauthorized); jobs load what they need themselves; tried again every 60 s",
            "warming the Jira catalog failed: Jira refused our credentials; an admin needs to check JIRA_PAT "
            "(Unauthorized) (failing for 600 s); jobs load what they need themselves; tried again every 60 s",
        ]
        answers[:] = [TimeoutError("the read timed out")]
        clock.now = 720
        warmer()  # a different answer is said at once
        assert warnings()[-1].startswith("warming the Jira catalog failed: TimeoutError: the read timed out")
        answers[:] = []
        clock.now = 780
        warmer()
    assert caplog.records[-1].getMessage() == "warming the Jira catalog works again (it failed for 780 s)"
    assert not any(r.exc_info for r in caplog.records if r.levelno >= logging.WARNING)


@pytest.mark.slow
def test_a_bad_jira_token_while_the_worker_runs_is_one_warning_not_a_traceback_per_pass(start_product) -> None:  # type: ignore[no-untyped-def]
    import time

    product = start_product(bot=False, JIRA_API_TOKEN="not-the-token")
    (worker,) = product.processes
    time.sleep(6)  # maintenance passes every second or so (FOLLOWTHROUGH_REAPER_INTERVAL=1)
    lines = [line for line in worker.log().splitlines() if "Jira" in line]
    assert len(lines) == 1, worker.log()
    assert "WARNING" in lines[0] and "warming the Jira catalog failed: Jira refused our credentials" in lines[0]
    assert "check JIRA_EMAIL and JIRA_API_TOKEN" in lines[0]
    assert "Traceback" not in worker.log() and "not-the-token" not in worker.log()
    assert worker.alive(), lines
