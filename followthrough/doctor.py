"""``followthrough doctor``: every setting and connection checked, one line each, with the fix when one is needed.

    ok    Redis: 7.2.4 at redis://redis:6379/0
    warn  Redis eviction: maxmemory-policy is allkeys-lru: Redis may evict requests, audit entries and jobs ...
    FAIL  Jira: Jira refused our credentials; an admin needs to check JIRA_EMAIL and JIRA_API_TOKEN (...)

What is checked, in order: the settings (all of them, as start-up reads them), the policy file, Redis (version,
persistence, eviction policy), Slack (the bot token with ``auth.test``; its scopes, from the ``x-oauth-scopes``
header, against ``manifest.yml``; the channels the policy names against ``users.conversations``; the user groups the
policy names; the app-level token with ``apps.connections.open``, whose URL is never connected to), Jira (who the
credentials sign in as; each project the policy names, and what creating an issue there requires), Salesforce (the
login; the external id field on Task and Contact), the language model when one is configured (one tiny structured
call), and the audit's key and archive. A check whose system already failed is left out rather than failing again.

The exit status is 1 when any line says FAIL, else 0. Nothing here raises past ``run``: an unexpected error is a FAIL
line naming it (its traceback goes to the debug log). No line carries a secret: messages are built from what the
systems answered, and every configured secret is masked out of each line before it is printed.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import psycopg
import yaml
from pydantic import SecretStr, ValidationError
from redis import Redis
from redis.exceptions import AuthenticationError, ConnectionError, RedisError, ResponseError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from approvals.core.conditions import ConditionSyntaxError, parse_condition
from approvals.core.policy import Policy, PolicyError, load_policy
from approvals.core.ports import AuthError, ConnectorError, PermanentError
from approvals.flow.logs import redact
from connectors.jira import JiraConnector
from followthrough.settings import ConfigurationError, Settings, describe_problems, redis_place
from followthrough.shipped import MANIFEST
from followthrough.wiring import build_jira, build_salesforce

logger = logging.getLogger(__name__)

Status = Literal["ok", "warn", "FAIL"]

MINIMUM_REDIS = (6, 2)
SLACK_TIMEOUT = 10
LLM_TIMEOUT = 15.0
"""At most this many seconds for the model's one call (less when OPENAI_TIMEOUT is shorter)."""


@dataclass(frozen=True)
class Finding:
    """One line of the report: what was checked, and what was found (with the fix, unless it is ok)."""

    status: Status
    check: str
    text: str

    def line(self) -> str:
        return f"{self.status:<5} {self.check}: {self.text}"


def ok(check: str, text: str) -> Finding:
    return Finding("ok", check, text)


def warn(check: str, text: str) -> Finding:
    return Finding("warn", check, text)


def fail(check: str, text: str) -> Finding:
    return Finding("FAIL", check, text)


def run(*, out: Callable[[str], None] = print, **overrides: Any) -> int:
    """Check everything and print one line per check; 1 if any failed, else 0. ``overrides`` are settings, as
    ``load_settings`` takes them (tests)."""
    findings: list[Finding] = []
    secrets: set[str] = set()

    def say(finding: Finding) -> None:
        findings.append(finding)
        line = redact(finding.line())
        for secret in secrets:
            line = line.replace(secret, "[redacted]")
        out(line)

    for finding in _checks(secrets, overrides):
        say(finding)
    counts = {status: sum(f.status == status for f in findings) for status in ("ok", "warn", "FAIL")}
    out(f"doctor: {counts['ok']} ok, {counts['warn']} to look at, {counts['FAIL']} failed")
    return 1 if counts["FAIL"] else 0


def _checks(secrets: set[str], overrides: dict[str, Any]) -> Iterator[Finding]:
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        for problem in describe_problems(exc):
            yield fail("settings", problem)
        return
    except ConfigurationError as exc:  # FOLLOWTHROUGH_SECRETS_DIR that is not a directory
        yield fail("settings", str(exc.code).removeprefix("Followthrough cannot start: "))
        return
    secrets.update(_secret_values(settings))
    yield ok("settings", "every setting is present and well-formed")
    policy: Policy | None = None
    for finding in _guarded("policy", lambda: _check_policy(settings)):
        if isinstance(finding, Policy):
            policy = finding
        else:
            yield finding
    yield from _guarded("Redis", lambda: _check_redis(settings))
    yield from _guarded("Slack bot token", lambda: _check_slack_bot(settings, policy))
    yield from _guarded("Slack app token", lambda: _check_slack_app(settings))
    yield from _guarded("Jira", lambda: _check_jira(settings, policy))
    yield from _guarded("Salesforce", lambda: _check_salesforce(settings, policy))
    yield from _guarded("language model", lambda: _check_llm(settings))
    yield from _guarded("audit", lambda: _check_audit(settings))


def _guarded(check: str, produce: Callable[[], Iterable[Any]]) -> Iterator[Any]:
    """The findings of one check; an error nobody foresaw ends that check as one FAIL line, never a traceback."""
    try:
        yield from produce()
    except Exception as exc:  # the outer edge of one check
        logger.debug("doctor: the %s check failed unexpectedly", check, exc_info=True)
        yield fail(check, f"unexpected error {type(exc).__name__}: {exc}; run with FOLLOWTHROUGH_LOG_LEVEL=DEBUG")


def _secret_values(settings: Settings) -> Iterator[str]:
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr) and len(value.get_secret_value()) >= 4:
            yield value.get_secret_value()


# --- the policy -------------------------------------------------------------------------------------------------


def _check_policy(settings: Settings) -> Iterator[Finding | Policy]:
    path = settings.followthrough_policy
    try:
        policy = load_policy(path)
    except PolicyError as exc:
        problems = str(exc).splitlines()
        more = f" (and {len(problems) - 2} more lines)" if len(problems) > 2 else ""
        yield fail(
            "policy", f"{' '.join(p.strip() for p in problems[:2])}{more}; run `followthrough policy check {path}`"
        )
        return
    yield ok("policy", f"{path} loads (hash {policy.content_hash}; {len(policy.document.actions)} action kinds)")
    yield policy


def policy_conditions(policy: Policy) -> Iterator[tuple[str, Any]]:
    """(field, value) of every comparison the policy makes, in its rules and its follow-ups' conditions; a list's
    values one by one."""
    texts = [text for action in policy.document.actions.values() for rule in action.rules for text in rule.when]
    texts += [text for attach in policy.document.follow_through.attach for text in attach.when]
    for text in texts:
        try:
            condition = parse_condition(text)
        except ConditionSyntaxError:
            continue  # a loaded policy has none; the policy check says so otherwise
        values = condition.value if isinstance(condition.value, tuple) else (condition.value,)
        for value in values:
            yield condition.field, value


def policy_projects(policy: Policy) -> list[str]:
    """The Jira projects the policy names (``project == PAY``, ``project in [PAY, OPS]``)."""
    return sorted({str(value).upper() for field, value in policy_conditions(policy) if field == "project"})


def policy_channels(policy: Policy) -> list[str]:
    """The channels the policy names, in its conditions and its shadow section: names without ``#``, or ids."""
    named = {str(value).strip().lstrip("#") for field, value in policy_conditions(policy) if field == "channel"}
    return sorted(named | {str(channel) for channel in policy.document.shadow.channels})


def _uses(policy: Policy | None, system: str) -> bool:
    return policy is None or any(kind.startswith(f"{system}.") for kind in policy.document.actions)


# --- Redis ------------------------------------------------------------------------------------------------------


def _check_redis(settings: Settings) -> Iterator[Finding]:
    place = redis_place(settings.redis_url)
    connection = Redis.from_url(settings.redis_url, socket_connect_timeout=5, socket_timeout=5)
    try:
        try:
            server, persistence, memory = (connection.info(section) for section in ("server", "persistence", "memory"))
        except AuthenticationError as exc:
            yield fail("Redis", f"{place} refused the credentials ({exc}): check the password in REDIS_URL")
            return
        except (ConnectionError, TimeoutError) as exc:
            yield fail("Redis", f"{place} is unreachable ({exc}): start it, or fix REDIS_URL")
            return
        except RedisError as exc:
            yield fail("Redis", f"{place} answered {type(exc).__name__}: {exc}")
            return
        version = str(server.get("redis_version", "?"))
        numbers = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
        if numbers and numbers < MINIMUM_REDIS:
            yield fail("Redis", f"{version} at {place} is older than 6.2, which Followthrough needs: upgrade it")
        else:
            yield ok("Redis", f"{version} at {place}")
        yield _redis_persistence(connection, persistence)
        policy = str(memory.get("maxmemory_policy", "?"))
        if policy == "noeviction":
            yield ok("Redis eviction", "maxmemory-policy noeviction (a full Redis refuses writes, never drops keys)")
        else:
            yield warn(
                "Redis eviction",
                f"maxmemory-policy is {policy}: under memory pressure Redis may evict requests, approvals, audit "
                "entries and jobs; set maxmemory-policy noeviction",
            )
    finally:
        connection.close()


def _redis_persistence(connection: Redis, persistence: dict[str, Any]) -> Finding:
    if str(persistence.get("aof_enabled")) == "1":
        return ok("Redis persistence", "AOF on (requests and approvals survive a restart)")
    try:
        save = str(connection.config_get("save").get("save", ""))
    except ResponseError:  # managed Redis often refuses CONFIG
        return warn(
            "Redis persistence",
            "AOF is off and CONFIG is refused, so RDB snapshots could not be read: make sure persistence is on "
            "(appendonly yes), or a restart loses pending requests and approvals",
        )
    if save.strip():
        return warn(
            "Redis persistence",
            f"RDB snapshots only (save {save!r}): a crash loses what changed since the last one; turn on AOF "
            "(appendonly yes)",
        )
    return warn(
        "Redis persistence",
        "off (no AOF, no RDB snapshots): a Redis restart loses every pending request, approval and job; turn on AOF "
        "(appendonly yes)",
    )


# --- Slack ------------------------------------------------------------------------------------------------------


def _slack_client(settings: Settings, token: str | None = None) -> WebClient:
    # No retries: the doctor says what one call answered, quickly.
    return WebClient(token=token, base_url=settings.slack_api_url, timeout=SLACK_TIMEOUT, retry_handlers=[])


def _slack_unreachable(settings: Settings, exc: Exception) -> str:
    return f"Slack at {settings.slack_api_url} could not be reached ({exc}): check SLACK_API_URL, the network and proxy"


def _check_slack_bot(settings: Settings, policy: Policy | None) -> Iterator[Finding]:
    client = _slack_client(settings, settings.slack_bot_token.get_secret_value())
    try:
        identity = client.auth_test()
    except SlackApiError as exc:
        yield fail(
            "Slack bot token",
            f"SLACK_BOT_TOKEN was refused by Slack ({exc.response.get('error')}): copy the Bot User OAuth Token "
            "(xoxb-...) from your app's OAuth & Permissions page; reinstall the app if it was revoked",
        )
        return
    except (urllib.error.URLError, OSError) as exc:
        yield fail("Slack bot token", _slack_unreachable(settings, exc))
        return
    yield ok("Slack bot token", f"the bot @{identity.get('user')} in {identity.get('team')} ({identity.get('url')})")
    yield _slack_scopes({k.lower(): v for k, v in identity.headers.items()}.get("x-oauth-scopes"))
    if policy is not None:
        yield from _guarded("Slack channels", lambda: _slack_channels(client, policy))
        yield from _guarded("Slack user groups", lambda: _slack_groups(client, policy))


def manifest_bot_scopes(path: Path = MANIFEST) -> frozenset[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return frozenset(str(scope) for scope in data["oauth_config"]["scopes"]["bot"])


def _slack_scopes(header: str | None) -> Finding:
    if header is None:
        return warn("Slack scopes", "Slack did not say the token's scopes (no x-oauth-scopes header); not checked")
    granted = {scope.strip() for scope in header.split(",") if scope.strip()}
    needed = manifest_bot_scopes()
    missing, extra = sorted(needed - granted), sorted(granted - needed)
    if missing:
        return fail(
            "Slack scopes",
            f"the bot token lacks {', '.join(missing)}: add them (or paste manifest.yml under App Manifest) and "
            "reinstall the app (Install App > Reinstall)",
        )
    if extra:
        return warn(
            "Slack scopes",
            f"every scope manifest.yml asks for, and also {', '.join(extra)}, which Followthrough does not use: "
            "remove them from the app",
        )
    return ok("Slack scopes", f"the {len(needed)} scopes manifest.yml asks for")


def _slack_channels(client: WebClient, policy: Policy) -> Iterator[Finding]:
    member: dict[str, str] = {}  # name and id -> the name people know
    cursor = None
    while True:
        page = client.users_conversations(
            types="public_channel,private_channel", exclude_archived=True, limit=200, cursor=cursor
        )
        for channel in page.get("channels", []):
            name = str(channel.get("name") or channel["id"])
            member[name.lower()] = member[str(channel["id"]).lower()] = name
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    joined = sorted(set(member.values()))
    named = policy_channels(policy)
    missing = [channel for channel in named if channel.lower() not in member]
    if missing:
        yield warn(
            "Slack channels",
            f"the bot is not a member of {', '.join('#' + c for c in missing)}, which the policy names: invite it "
            "there (/invite @followthrough) or fix the policy",
        )
    elif not joined:
        yield warn(
            "Slack channels", "the bot is in no channel: invite it where people will ask (/invite @followthrough)"
        )
    else:
        names = f"; the policy names {', '.join('#' + c for c in named)}" if named else ""
        yield ok("Slack channels", f"a member of {len(joined)} ({', '.join('#' + c for c in joined[:8])}){names}")


def _slack_groups(client: WebClient, policy: Policy) -> Iterator[Finding]:
    named = sorted({group for role in policy.document.roles.values() for group in role.groups})
    if not named:
        return
    existing: set[str] = set()
    for group in client.usergroups_list().get("usergroups", []):
        existing.update(str(group.get(key, "")).lower() for key in ("handle", "id"))
    missing = [group for group in named if group.lower().lstrip("@") not in existing]
    if missing:
        yield warn(
            "Slack user groups",
            f"{', '.join('@' + g for g in missing)}, which the policy's roles name, do not exist: create them "
            "in Slack or fix the policy (until then nobody has those roles)",
        )
    else:
        yield ok("Slack user groups", f"the {len(named)} the policy's roles name exist")


def _check_slack_app(settings: Settings) -> Iterator[Finding]:
    client = _slack_client(settings)
    try:
        # A fresh Socket Mode URL proves the token; it is single-use and expires unused: nothing connects to it.
        client.apps_connections_open(app_token=settings.slack_app_token.get_secret_value())
    except SlackApiError as exc:
        yield fail(
            "Slack app token",
            f"SLACK_APP_TOKEN was refused by Slack ({exc.response.get('error')}): generate an app-level token with "
            "connections:write under Basic Information > App-Level Tokens, and turn Socket Mode on",
        )
        return
    except (urllib.error.URLError, OSError) as exc:
        yield fail("Slack app token", _slack_unreachable(settings, exc))
        return
    yield ok("Slack app token", "Socket Mode opens (a connection URL was issued and left unused)")


# --- Jira and Salesforce -----------------------------------------------------------------------------------------


def said(exc: ConnectorError) -> str:
    """A connector's error as one line: its message and, when it adds anything, what the system said."""
    detail = exc.detail if exc.detail and exc.detail not in exc.user_message else ""
    return (f"{exc.user_message} ({detail})" if detail else exc.user_message).rstrip(".")


def _not_configured(system: str, variable: str, policy: Policy | None) -> Finding:
    if _uses(policy, system.lower()):
        return warn(
            system,
            f"not configured ({variable} is unset), but the policy allows {system.lower()}.* requests: they will "
            f"fail; configure {system} or remove them from the policy",
        )
    return ok(system, f"not configured ({variable} is unset), and the policy asks for nothing there")


def _check_jira(settings: Settings, policy: Policy | None) -> Iterator[Finding]:
    jira = build_jira(settings)
    if jira is None:
        yield _not_configured("Jira", "JIRA_URL", policy)
        return
    try:
        who = jira.whoami()
    except ConnectorError as exc:
        fix = "" if isinstance(exc, AuthError) else ": check JIRA_URL and the network"
        yield fail("Jira", f"{said(exc)}{fix}")
        return
    yield ok("Jira", f"{'Jira Cloud' if jira.cloud else 'Jira Data Center / Server'} at {jira.url}: signed in as {who}")
    projects = policy_projects(policy) if policy is not None else []
    if policy is not None and not projects:
        yield ok("Jira projects", "the policy names none (requests may name any project the bot can see)")
    for project in projects:
        yield from _guarded(f"Jira project {project}", lambda project=project: _jira_project(jira, project))
    if policy is not None:
        yield from _guarded("Jira workflows", lambda: _jira_statuses(jira, policy))


def policy_statuses(policy: Policy) -> list[str]:
    """The Jira statuses the policy names (``status == Done``, ``issue.status in [Done, Closed]``)."""
    return sorted({str(value) for field, value in policy_conditions(policy) if field in ("status", "issue.status")})


def _jira_statuses(jira: JiraConnector, policy: Policy) -> Iterator[Finding]:
    """A rule about a status no workflow has can never match: most likely a typo, or a workflow renamed since."""
    named = policy_statuses(policy)
    if not named:
        return
    try:
        known = {status.casefold() for status in jira.statuses()}
    except ConnectorError as exc:
        yield fail("Jira workflows", said(exc))
        return
    missing = [status for status in named if status.casefold() not in known]
    if missing:
        yield warn(
            "Jira workflows",
            f"the policy names {', '.join(missing)}, a status no Jira workflow has: the rules that test it never "
            "match; fix the policy, or the workflow",
        )
    else:
        yield ok("Jira workflows", f"every status the policy names exists in Jira: {', '.join(named)}")


def _jira_project(jira: JiraConnector, project: str) -> Iterator[Finding]:
    check = f"Jira project {project}"
    try:
        screens = jira.create_screens(project)
    except PermanentError as exc:
        yield fail(
            check,
            f"named by the policy, but {said(exc)}: fix the policy, or give the bot Browse Projects and Create Issues "
            "there",
        )
        return
    except ConnectorError as exc:
        yield fail(check, said(exc))
        return
    if not screens:
        yield fail(check, "the bot may create no issue type there: give it the Create Issues permission")
        return
    needing = [f"{s.issue_type} ({', '.join(s.unfilled)})" for s in screens if s.unfilled]
    if needing:
        yield warn(
            check,
            f"creating requires fields Followthrough does not always fill: {'; '.join(needing)}; give them "
            "defaults, or make them optional on the create screen",
        )
    else:
        yield ok(check, f"the bot may create {', '.join(s.issue_type for s in screens)}")


def _check_salesforce(settings: Settings, policy: Policy | None) -> Iterator[Finding]:
    salesforce = build_salesforce(settings)
    if salesforce is None:
        yield _not_configured("Salesforce", "SALESFORCE_INSTANCE_URL", policy)
        return
    try:
        fields = salesforce.external_id_fields()
    except ConnectorError as exc:
        fix = "" if isinstance(exc, AuthError) else ": check SALESFORCE_INSTANCE_URL and the network"
        yield fail("Salesforce", f"{said(exc)}{fix}")
        return
    login = type(salesforce.login).__name__
    yield ok("Salesforce", f"{salesforce.instance_url}: logged in ({login}), API {salesforce.api_version}")
    name = salesforce.external_id_field
    for field in fields:
        check = f"Salesforce {field.object_name}.{name}"
        add = f"add a Text(255) field {name} to {field.object_name}, marked External ID and Unique"
        if not field.exists:
            yield fail(check, f"missing, and creates are upserts on it: {add}")
        elif not field.external_id:
            yield fail(check, f"exists but is not an External ID, so upserts on it fail: {add}")
        elif not field.unique:
            yield warn(check, "an External ID but not Unique: mark it Unique so two records can never share an id")
        else:
            yield ok(check, "an External ID, Unique")


# --- the language model and the audit ----------------------------------------------------------------------------


DOCTOR_SCHEMA = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}},
    "required": ["ok"],
    "additionalProperties": False,
}
DOCTOR_PROMPT = 'followthrough doctor: answer {"ok": true}'


def _check_llm(settings: Settings) -> Iterator[Finding]:
    if not settings.uses_llm:
        yield ok("language model", "not configured (OPENAI_API_KEY / OPENAI_BASE_URL unset): the offline parser reads")
        return
    import openai  # only deployments with a model need it loaded (as understanding.llm)

    from understanding.llm import NO_KEY_PLACEHOLDER

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key is not None else ""
    timeout = min(settings.openai_timeout, LLM_TIMEOUT)
    client = openai.OpenAI(
        api_key=key or NO_KEY_PLACEHOLDER, base_url=settings.openai_base_url or None, timeout=timeout, max_retries=0
    )
    where = f"{settings.openai_model} at {client.base_url}"
    started = time.monotonic()
    try:
        completion = client.chat.completions.create(
            model=settings.openai_model,
            messages=[{"role": "user", "content": DOCTOR_PROMPT}],
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "doctor", "strict": True, "schema": DOCTOR_SCHEMA},
            },
        )
        answer = json.loads(completion.choices[0].message.content or "")
    except openai.AuthenticationError:
        yield fail("language model", f"{where} refused OPENAI_API_KEY (401): check the key")
        return
    except openai.NotFoundError as exc:
        yield fail(
            "language model", f"{where} answered 404 ({_openai_message(exc)}): check OPENAI_MODEL and OPENAI_BASE_URL"
        )
        return
    except openai.APITimeoutError:
        yield fail(
            "language model", f"{where} did not answer within {timeout:g} s: check OPENAI_BASE_URL and the model"
        )
        return
    except openai.APIConnectionError as exc:
        yield fail("language model", f"{where} could not be reached ({exc.__cause__ or exc}): check OPENAI_BASE_URL")
        return
    except openai.RateLimitError as exc:
        yield warn("language model", f"{where} is rate limiting ({_openai_message(exc)}): check the quota")
        return
    except openai.APIStatusError as exc:
        if exc.status_code >= 500:
            yield fail("language model", f"{where} answered {exc.status_code} ({_openai_message(exc)})")
        else:
            yield fail(
                "language model",
                f"{where} refused a structured call ({exc.status_code}: {_openai_message(exc)}): the endpoint must "
                "support response_format json_schema",
            )
        return
    except (ValueError, IndexError, AttributeError):
        yield fail("language model", f"{where} did not answer with JSON in the schema asked for")
        return
    if answer != {"ok": True}:
        yield warn("language model", f"{where} answered {answer!r} to a call that asks for {{'ok': true}}")
        return
    yield ok("language model", f"{where} answered a structured call in {time.monotonic() - started:.1f} s")


def _openai_message(exc: Any) -> str:
    body = exc.body if isinstance(getattr(exc, "body", None), dict) else {}
    return str(body.get("message") or exc.message)[:200]


def _check_audit(settings: Settings) -> Iterator[Finding]:
    if settings.followthrough_audit_key is None:
        yield warn(
            "audit key",
            "FOLLOWTHROUGH_AUDIT_KEY is not set: audit entries are chained but not signed; set a secret of 16+ "
            "characters, the same for every process",
        )
    else:
        yield ok("audit key", "audit entries are signed")
    database = settings.followthrough_audit_database_url
    if database is None:
        yield ok("audit archive", "not configured: the audit stays in Redis only (nothing is retired from it)")
        return
    try:
        with psycopg.connect(database.get_secret_value(), connect_timeout=5) as connection:
            connection.execute("select 1")
            info = connection.info
            yield ok("audit archive", f"PostgreSQL {info.server_version // 10000} answers at {info.host}/{info.dbname}")
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        yield fail(
            "audit archive", f"PostgreSQL refused or is unreachable ({first}): check FOLLOWTHROUGH_AUDIT_DATABASE_URL"
        )
