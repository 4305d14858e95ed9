"""Operating the processes: health and readiness endpoints, JSON logs with the ids as fields, secrets masked, and
start-up failures as one clear line."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from approvals.flow.health import HealthServer
from approvals.flow.logs import JsonFormatter, RedactingFilter, redact

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
