"""``followthrough doctor`` against the sandbox: every check ok on a sound deployment, and a FAIL line with the fix
(exit 1) for each deliberately broken setting: a wrong Slack token, a wrong Jira token, Redis on a port where nothing
listens, a policy naming a Jira project that does not exist; warnings for what works but should not be left so.
No line is a traceback, and no secret is ever printed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from followthrough import doctor
from sandbox.harness import Sandbox
from sandbox.processes import REPO
from sandbox.redis_server import RedisServer
from tests.conftest import NORTHWIND_POLICY

AUDIT_KEY = "an-audit-key-for-the-doctor-0123456789"


@pytest.fixture(scope="module")
def durable_redis() -> Iterator[RedisServer]:
    """A Redis as production should run it: AOF on, maxmemory-policy noeviction (Redis's default)."""
    with RedisServer(appendonly=True) as server:
        yield server


@pytest.fixture
def settings(sandbox: Sandbox, durable_redis: RedisServer) -> dict[str, Any]:
    """A sound deployment against the sandbox, with a model that answers the doctor's call."""
    sandbox.openai.respond("followthrough doctor", content={"ok": True})
    durable_redis.client().config_set("maxmemory-policy", "noeviction")
    values: dict[str, Any] = {name.lower(): value for name, value in sandbox.environment().items()}
    values.update(redis_url=durable_redis.url, followthrough_policy=NORTHWIND_POLICY, followthrough_audit_key=AUDIT_KEY)
    return values


def run_doctor(**settings: Any) -> tuple[int, list[str]]:
    lines: list[str] = []
    status = doctor.run(out=lines.append, _env_file=None, **settings)
    return status, lines


def line(lines: list[str], check: str) -> str:
    (found,) = [text for text in lines if text[6:].startswith(f"{check}: ")]
    return found


def test_a_sound_deployment_is_ok_on_every_line(settings: dict[str, Any]) -> None:
    status, lines = run_doctor(**settings)
    assert status == 0, "\n".join(lines)
    report, summary = lines[:-1], lines[-1]
    assert all(text.startswith("ok    ") for text in report), "\n".join(lines)
    checks = [text[6:].split(":", 1)[0] for text in report]
    assert checks == [
        "settings", "policy", "Redis", "Redis persistence", "Redis eviction", "Slack bot token", "Slack scopes",
        "Slack channels", "Slack user groups", "Slack app token", "Jira", "Jira project OPS", "Jira project PAY",
        "Jira workflows", "Salesforce", "Salesforce Task.Followthrough_Action_Id__c",
        "Salesforce Contact.Followthrough_Action_Id__c", "language model", "audit key", "audit archive",
    ]  # fmt: skip
    assert summary == f"doctor: {len(report)} ok, 0 to look at, 0 failed"
    assert "signed in as Followthrough" in line(lines, "Jira")
    assert "answered a structured call" in line(lines, "language model")


def test_a_wrong_slack_bot_token_fails_with_where_to_find_the_right_one(settings: dict[str, Any]) -> None:
    status, lines = run_doctor(**{**settings, "slack_bot_token": "xoxb-1-not-the-token"})
    assert status == 1
    assert line(lines, "Slack bot token") == (
        "FAIL  Slack bot token: SLACK_BOT_TOKEN was refused by Slack (invalid_auth): copy the Bot User OAuth Token "
        "(xoxb-...) from your app's OAuth & Permissions page; reinstall the app if it was revoked"
    )
    assert not any(" Slack scopes:" in text or " Slack channels:" in text for text in lines)  # not failed twice
    assert line(lines, "Slack app token").startswith("ok")
    assert lines[-1].endswith("1 failed")


def test_a_wrong_jira_token_fails_naming_the_settings_to_check(settings: dict[str, Any]) -> None:
    status, lines = run_doctor(**{**settings, "jira_api_token": "not-the-jira-token"})
    assert status == 1
    jira = line(lines, "Jira")
    assert jira.startswith(
        "FAIL  Jira: Jira refused our credentials; an admin needs to check JIRA_EMAIL and JIRA_API_TOKEN"
    ), jira
    assert not any(" Jira project" in text for text in lines)


def test_redis_where_nothing_listens_fails_with_the_fix(settings: dict[str, Any]) -> None:
    status, lines = run_doctor(**{**settings, "redis_url": "redis://:hunter2@127.0.0.1:1/0"})
    assert status == 1
    assert line(lines, "Redis") == (
        "FAIL  Redis: redis://127.0.0.1:1/0 is unreachable (Error 111 connecting to 127.0.0.1:1. Connection refused.): "
        "start it, or fix REDIS_URL"
    )
    assert not any("hunter2" in text for text in lines)


def test_a_policy_naming_a_jira_project_that_does_not_exist_fails_for_that_project(
    settings: dict[str, Any], tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(NORTHWIND_POLICY.read_text().replace("project in [PAY, OPS]", "project in [PAY, OPS, NOPE]"))
    status, lines = run_doctor(**{**settings, "followthrough_policy": policy})
    assert status == 1
    assert line(lines, "Jira project NOPE") == (
        "FAIL  Jira project NOPE: named by the policy, but Jira could not find it: No project could be found with key "
        "'NOPE': fix the policy, or give the bot Browse Projects and Create Issues there"
    )
    assert line(lines, "Jira project PAY").startswith("ok")


def test_a_policy_naming_a_status_no_workflow_has_is_a_warning(settings: dict[str, Any], tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(NORTHWIND_POLICY.read_text().replace('"status == Done"', '"status == Shipped"'))
    status, lines = run_doctor(**{**settings, "followthrough_policy": policy})
    assert status == 0, "\n".join(lines)
    assert line(lines, "Jira workflows") == (
        "warn  Jira workflows: the policy names Shipped, a status no Jira workflow has: the rules that test it never "
        "match; fix the policy, or the workflow"
    )


def test_what_works_but_should_not_stay_so_is_a_warning_naming_it(
    settings: dict[str, Any], sandbox: Sandbox, durable_redis: RedisServer, tmp_path: Path
) -> None:
    durable_redis.client().config_set("maxmemory-policy", "allkeys-lru")
    sandbox.slack.grant(sandbox.slack.bot_scopes | {"channels:manage"})
    policy = tmp_path / "policy.yml"
    policy.write_text(NORTHWIND_POLICY.read_text() + "\nshadow:\n  channels: [random, sales]\n")
    status, lines = run_doctor(**{**settings, "followthrough_policy": policy, "followthrough_audit_key": None})
    assert status == 0, "\n".join(lines)  # warnings do not fail
    assert line(lines, "Redis eviction").startswith(
        "warn  Redis eviction: maxmemory-policy is allkeys-lru: under memory pressure Redis may evict"
    )
    assert line(lines, "Slack scopes").startswith("warn  Slack scopes: every scope manifest.yml asks for, and also "
                                                  "channels:manage")  # fmt: skip
    assert line(lines, "Slack channels") == (
        "warn  Slack channels: the bot is not a member of #random, which the policy names: invite it there "
        "(/invite @followthrough) or fix the policy"
    )
    assert line(lines, "audit key").startswith("warn  audit key: FOLLOWTHROUGH_AUDIT_KEY is not set")
    assert lines[-1].endswith("4 to look at, 0 failed")


def test_redis_without_persistence_is_a_warning(settings: dict[str, Any], redis_server: RedisServer) -> None:
    _, lines = run_doctor(**{**settings, "redis_url": redis_server.url})  # the tests' Redis: no AOF, no snapshots
    assert line(lines, "Redis persistence").startswith("warn  Redis persistence: off (no AOF, no RDB snapshots)")


def test_a_missing_scope_and_a_refused_app_token_fail(settings: dict[str, Any], sandbox: Sandbox) -> None:
    sandbox.slack.grant(sandbox.slack.bot_scopes - {"users:read", "groups:read"})
    status, lines = run_doctor(**{**settings, "slack_app_token": "xapp-1-not-the-token"})
    assert status == 1
    assert line(lines, "Slack scopes").startswith("FAIL  Slack scopes: the bot token lacks groups:read, users:read: ")
    assert line(lines, "Slack app token").startswith("FAIL  Slack app token: SLACK_APP_TOKEN was refused by Slack "
                                                     "(invalid_auth)")  # fmt: skip


def test_a_model_that_does_not_answer_fails(settings: dict[str, Any], sandbox: Sandbox) -> None:
    sandbox.openai.reset()  # nothing registered: the emulator answers 500, as a broken endpoint would
    status, lines = run_doctor(**settings)
    assert status == 1
    assert line(lines, "language model").startswith("FAIL  language model: gpt-4.1-mini at ")
    unknown = run_doctor(**{**settings, "openai_model": "no-such-model"})[1]
    assert "answered 404" in line(unknown, "language model") and "check OPENAI_MODEL" in line(unknown, "language model")


def test_settings_that_cannot_be_read_are_each_a_failure(tmp_path: Path) -> None:
    status, lines = run_doctor(redis_url="localhost:6379", slack_app_token="xapp-1")
    assert status == 1
    assert lines[:-1] == [
        "FAIL  settings: SLACK_BOT_TOKEN: is not set; set it to your Slack app's bot token (xoxb-...)",
        "FAIL  settings: REDIS_URL: must be a redis://, rediss:// or unix:// URL, for example redis://localhost:6379/0",
    ]


def test_the_command_exits_1_without_a_traceback_or_a_secret(settings: dict[str, Any], tmp_path: Path) -> None:
    env = {name.upper(): str(value) for name, value in settings.items()}
    env.update(SLACK_BOT_TOKEN="xoxb-1-a-wrong-secret-token", JIRA_API_TOKEN="ATATT-wrong-jira-secret")
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    done = subprocess.run(
        [sys.executable, str(REPO / "app.py"), "doctor"],
        cwd=tmp_path,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    for secret in ("xoxb-1-a-wrong-secret-token", "ATATT-wrong-jira-secret", AUDIT_KEY, env["SLACK_APP_TOKEN"]):
        assert secret not in done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].startswith("doctor: ") and "2 failed" in done.stdout
