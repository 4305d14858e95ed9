"""app.py as an operator meets it: start-up refuses bad configuration with the variable and the fix, and the
policy CLI checks files with a useful exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_app(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return subprocess.run(
        [sys.executable, str(REPO / "app.py"), *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_start_up_names_every_missing_variable_and_exits_non_zero(tmp_path: Path) -> None:
    result = run_app(cwd=tmp_path)  # an empty folder: no .env to pick up
    assert result.returncode != 0
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "REDIS_URL"):
        assert f"{name}: is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_settings_are_refused_with_the_fix(tmp_path: Path) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxp-a-user-token",
        "SLACK_APP_TOKEN": "xapp-1-A-1-x",
        "REDIS_URL": "localhost:6379",
        "JIRA_URL": "https://northwind.atlassian.net",
    }
    result = run_app(env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "SLACK_BOT_TOKEN: must be a bot token starting with xoxb-" in result.stderr
    assert "REDIS_URL: must be a redis://, rediss:// or unix:// URL" in result.stderr


def test_an_incomplete_jira_configuration_is_refused(tmp_path: Path) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xapp-1",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "JIRA_URL": "https://northwind.atlassian.net",
    }
    result = run_app(env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "missing: JIRA_EMAIL, JIRA_API_TOKEN" in result.stderr


def test_a_bad_policy_stops_start_up(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nactions:\n  jira.create_issue:\n    request: [nobody]\n    rules: [{auto: true}]\n")
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xapp-1",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "FOLLOWTHROUGH_POLICY": str(policy),
    }
    result = run_app("worker", env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "FOLLOWTHROUGH_POLICY is invalid" in result.stderr
    assert "line 4: unknown role 'nobody'" in result.stderr


def test_policy_check_accepts_the_shipped_policies() -> None:
    for name in ("default.yml", "northwind.yml"):
        result = run_app("policy", "check", str(REPO / "policies" / name))
        assert result.returncode == 0, result.stderr
        assert "OK" in result.stdout


def test_policy_check_lists_problems_with_lines_and_exits_1(tmp_path: Path) -> None:
    policy = tmp_path / "bad.yml"
    policy.write_text("version: 1\nroles:\n  leads: {groups: [eng-leads]}\nadmins: [admin]\n")
    result = run_app("policy", "check", str(policy))
    assert result.returncode == 1
    assert "line 4: unknown role 'admin'" in result.stderr


def test_policy_test_runs_a_cases_file_and_fails_on_a_wrong_expectation(tmp_path: Path) -> None:
    ok = run_app("policy", "test", "--cases", str(REPO / "policies" / "tests" / "northwind.cases.yml"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "0 failed" in ok.stdout
    cases = tmp_path / "wrong.cases.yml"
    cases.write_text(
        f"policy: {REPO / 'policies' / 'northwind.yml'}\n"
        "cases:\n"
        "  - name: sales files a bug\n"
        "    as: {user: U0ERIN001, groups: [sales]}\n"
        "    action: {kind: jira.create_issue, project: PAY, issue_type: Bug, summary: x}\n"
        "    expect: {outcome: approve}\n"
    )
    failed = run_app("policy", "test", "--cases", str(cases))
    assert failed.returncode == 1
    assert "FAIL  sales files a bug" in failed.stdout and "outcome is 'deny', expected 'approve'" in failed.stdout


def test_policy_test_of_one_request_shows_rule_outcome_and_who_is_asked() -> None:
    action = (
        '{"kind": "jira.create_issue", "project": "PAY", "issue_type": "Bug", "summary": "x", "priority": "Highest"}'
    )
    policy = str(REPO / "policies" / "northwind.yml")
    result = run_app(
        "policy", "test", policy, "--as", "dana@northwind.example", "--groups", "support", "--action", action
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "rule:     rule 1: highest priority needs two leads" in result.stdout
    assert "ask:      2 of the roles eng-leads" in result.stdout
    bad = run_app("policy", "test", str(REPO / "policies" / "northwind.yml"), "--as", "U1", "--action", "{nope")
    assert bad.returncode == 2
    assert "--action:" in bad.stderr
