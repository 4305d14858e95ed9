"""``python -m sandbox --env-file PATH``: starts, writes the environment, serves real clients, stops cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from jira import JIRA
from slack_sdk import WebClient

REPO = Path(__file__).resolve().parents[2]


def _read_env(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line)


def test_runs_until_interrupted_and_writes_a_usable_environment(tmp_path: Path) -> None:
    env_file = tmp_path / "sandbox.env"
    clean_env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--env-file", str(env_file)],
        cwd=REPO,
        env=clean_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not env_file.exists():
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "no env file within 20 s"
            time.sleep(0.05)
        env = _read_env(env_file)
        assert set(env) == {
            "SLACK_API_URL",
            "SLACK_BOT_TOKEN",
            "SLACK_APP_TOKEN",
            "JIRA_URL",
            "JIRA_EMAIL",
            "JIRA_API_TOKEN",
            "SALESFORCE_INSTANCE_URL",
            "SALESFORCE_ACCESS_TOKEN",
            "OPENAI_BASE_URL",
            "OPENAI_API_KEY",
        }
        slack = WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])
        assert slack.auth_test()["user_id"] == "U0BOT0001"
        jira = JIRA(server=env["JIRA_URL"], basic_auth=(env["JIRA_EMAIL"], env["JIRA_API_TOKEN"]), max_retries=0)
        assert {p.key for p in jira.projects()} == {"PAY", "OPS"}
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    assert process.returncode == 0, output
    assert "stopped" in output
    assert re.search(r"^  page +http://127\.0\.0\.1:\d+/ ", output, re.MULTILINE), "the page's URL is printed"
    assert not env_file.exists(), "the env file names ports that are gone; it is removed on exit"


def test_a_missing_env_folder_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "--env-file", str(tmp_path / "missing" / "x.env")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr
