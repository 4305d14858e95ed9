"""app.py as an operator meets it: start-up refuses bad configuration with the variable and the fix, and the
policy and audit CLIs check files with a useful exit code."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from approvals.core.workflow import AuditEntry
from approvals.flow.audit import AuditLog
from followthrough import settings as settings_module
from followthrough.settings import ConfigurationError, Settings, load_settings

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


def test_audit_export_writes_a_pack_that_audit_verify_accepts_and_a_changed_one_fails(
    tmp_path: Path, redis_server: Any, redis_db: Any
) -> None:
    key = "a-key-for-the-cli-test-0123456789"
    log = AuditLog(redis_db, key=key)
    for event in ("proposal.created", "proposal.approved", "proposal.succeeded"):
        log.write("ft-aaaaaaaa", AuditEntry(event, "U0BOB0001", {"event": event}), at=dt.datetime.now(dt.UTC))
    env = {"REDIS_URL": redis_server.url, "FOLLOWTHROUGH_AUDIT_KEY": key}
    pack = tmp_path / "pack.jsonl"

    exported = run_app("audit", "export", "--proposal", "ft-aaaaaaaa", "-o", str(pack), env=env, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "3 audit entries written to" in exported.stderr and "signed with key" in exported.stderr
    verified = run_app("audit", "verify", str(pack), env=env, cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("OK: 3 entries in 1 chain") and len(verified.stdout.splitlines()) == 1
    in_redis = run_app("audit", "verify", "--redis", env=env, cwd=tmp_path)
    assert in_redis.returncode == 0 and "3 signatures valid" in in_redis.stdout

    no_key = run_app("audit", "verify", str(pack), env={"REDIS_URL": redis_server.url}, cwd=tmp_path)
    assert no_key.returncode == 0 and "signatures not checked" in no_key.stdout

    lines = pack.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if json.loads(line)["type"] == "entry")
    entry = json.loads(lines[index + 1])
    entry["actor"] = "U0EVE0001"
    lines[index + 1] = json.dumps(entry, sort_keys=True)
    pack.write_text("\n".join(lines) + "\n")
    changed = run_app("audit", "verify", str(pack), env=env, cwd=tmp_path)
    assert changed.returncode == 1
    assert changed.stdout.startswith(f"FAILED: entry {entry['id']} (seq 2, ft-aaaaaaaa #2, proposal.approved): ")
    assert len(changed.stdout.splitlines()) == 1


def test_audit_commands_say_what_they_need(tmp_path: Path) -> None:
    assert run_app("audit", "export", cwd=tmp_path).returncode == 2
    missing = run_app("audit", "export", "--since", "24h", cwd=tmp_path)
    assert missing.returncode == 2 and "REDIS_URL is not set" in missing.stderr
    bad_time = run_app("audit", "export", "--since", "last week", env={"REDIS_URL": "redis://x"}, cwd=tmp_path)
    assert bad_time.returncode == 2 and "is not a time" in bad_time.stderr
    short_key = run_app("audit", "verify", "--redis", env={"FOLLOWTHROUGH_AUDIT_KEY": "short"}, cwd=tmp_path)
    assert short_key.returncode == 2 and "FOLLOWTHROUGH_AUDIT_KEY: must be at least 16 characters" in short_key.stderr
    assert run_app("audit", "verify", cwd=tmp_path).returncode == 2
    assert run_app("audit", "verify", str(tmp_path / "none.jsonl"), cwd=tmp_path).returncode == 2


def test_a_bad_audit_database_url_stops_start_up(tmp_path: Path) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xapp-1",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "FOLLOWTHROUGH_AUDIT_DATABASE_URL": "mysql://user:hunter2@db/audit",
    }
    result = run_app(env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "FOLLOWTHROUGH_AUDIT_DATABASE_URL: must be a postgresql:// URL" in result.stderr
    assert "hunter2" not in result.stderr


# --- .env.example and secret files ----------------------------------------------------------------------------------

VARIABLE = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]+)=(.*)$")
REQUIRED = {"slack_bot_token": "xoxb-1-example", "slack_app_token": "xapp-1-example", "redis_url": "redis://h:6379/0"}


def example_lines() -> list[tuple[int, str, str]]:
    """(line number, NAME, shown value) of every setting in .env.example."""
    lines = (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
    return [(number, m[1], m[2]) for number, line in enumerate(lines) if (m := VARIABLE.match(line))]


def test_env_example_lists_exactly_the_settings_each_once_with_a_comment() -> None:
    names = [name for _, name, _ in example_lines()]
    assert sorted(names) == sorted(field.upper() for field in Settings.model_fields)
    assert len(names) == len(set(names))
    lines = (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
    for number, name, _ in example_lines():
        above = lines[number - 1]
        assert above.startswith("# ") and not VARIABLE.match(above), f"{name} needs a one-line comment above it"


def test_env_example_shows_no_secret_and_the_real_defaults() -> None:
    for _, name, value in example_lines():
        field = Settings.model_fields[name.lower()]
        if "SecretStr" in str(field.annotation):
            assert value == "", f"{name} is a secret: leave it empty in .env.example"
        elif value and not field.is_required():
            shown = getattr(load_settings(_env_file=None, **REQUIRED, **{name.lower(): value}), name.lower())
            assert shown == field.default, f"{name}: .env.example shows {value!r}, the default is {field.default!r}"


def test_env_example_filled_in_is_a_working_env_file(tmp_path: Path) -> None:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    text = text.replace("SLACK_BOT_TOKEN=\n", "SLACK_BOT_TOKEN=xoxb-1-example\n")
    text = text.replace("SLACK_APP_TOKEN=\n", "SLACK_APP_TOKEN=xapp-1-example\n")
    (tmp_path / ".env").write_text(text)
    settings = load_settings(_env_file=tmp_path / ".env")
    assert settings.redis_url == "redis://localhost:6379/0" and settings.jira_url is None


def test_settings_are_read_from_secret_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "REDIS_URL", "JIRA_PAT"):
        monkeypatch.delenv(name, raising=False)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "slack_bot_token").write_text("xoxb-from-a-file\n")  # as `docker secret` or Kubernetes mount them
    (secrets / "SLACK_APP_TOKEN").write_text("xapp-from-a-file")  # the variable's own spelling works too
    (secrets / "jira_pat").write_text("a-personal-access-token")
    monkeypatch.setenv("FOLLOWTHROUGH_SECRETS_DIR", str(secrets))
    monkeypatch.setenv("REDIS_URL", "redis://from-the-environment:6379/0")
    (secrets / "redis_url").write_text("redis://from-a-file:6379/0")  # the environment wins

    settings = load_settings(_env_file=None, jira_url="https://jira.example")
    assert settings.slack_bot_token.get_secret_value() == "xoxb-from-a-file"
    assert settings.slack_app_token.get_secret_value() == "xapp-from-a-file"
    assert settings.jira_pat is not None and settings.jira_pat.get_secret_value() == "a-personal-access-token"
    assert settings.redis_url == "redis://from-the-environment:6379/0"

    (secrets / "slack_bot_token").write_text("xoxp-a-user-token")
    with pytest.raises(ConfigurationError) as refused:
        load_settings(_env_file=None)
    assert "SLACK_BOT_TOKEN: must be a bot token starting with xoxb-" in str(refused.value)
    assert "xoxp-a-user-token" not in str(refused.value)


def test_run_secrets_is_read_when_it_exists_and_a_wrong_secrets_dir_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FOLLOWTHROUGH_SECRETS_DIR", raising=False)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    run_secrets = tmp_path / "run-secrets"
    monkeypatch.setattr(settings_module, "DEFAULT_SECRETS_DIR", run_secrets)
    assert settings_module.secrets_dir() is None  # absent: no secret files, and no warning about it
    run_secrets.mkdir()
    (run_secrets / "slack_bot_token").write_text("xoxb-mounted")
    overrides = {k: v for k, v in REQUIRED.items() if k != "slack_bot_token"}
    assert load_settings(_env_file=None, **overrides).slack_bot_token.get_secret_value() == "xoxb-mounted"

    result = run_app(env={**{k.upper(): v for k, v in REQUIRED.items()},
                          "FOLLOWTHROUGH_SECRETS_DIR": str(tmp_path / "nowhere")}, cwd=tmp_path)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Followthrough cannot start: FOLLOWTHROUGH_SECRETS_DIR is '{tmp_path / 'nowhere'}', which is not a "
        "directory; point it at the directory your secrets are mounted in, or unset it"
    ]
