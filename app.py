"""Followthrough's composition root: settings, clients and wiring for the bot process and the worker process.

    python app.py                 the bot: Bolt in Socket Mode (Procfile ``bot:``)
    python app.py worker          an RQ worker with the scheduler (Procfile ``worker:``)
    python app.py policy check F  validate a policy file (exit 1 with every problem and its line)
    python app.py audit export    an evidence pack of the audit trail (JSON Lines); `audit verify` checks one
    python app.py shadow report   shadow mode's figures: precision per action kind from the Right / Wrong answers

Nothing is built at import time. Configuration comes from the environment or ``.env`` (see README); a missing or
malformed setting stops start-up with the variable's name and how to fix it, and tokens are never logged.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import math
import os
import signal
import socket
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse, urlsplit

import psycopg
from pydantic import AfterValidator, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from approvals.core.intents import Understanding
from approvals.core.policy import PolicyError, Principal, load_policy
from approvals.core.policy_cases import decide, parse_action, run_cases
from approvals.core.ports import ExtractionInput, Extractor
from approvals.flow import metrics
from approvals.flow.archive import AuditArchive, verify_archive
from approvals.flow.audit import START_UP, AuditLog, Signer
from approvals.flow.evidence import EvidenceExporter, Scope, parse_moment, verify_pack, verify_redis
from approvals.flow.followthrough import FollowThroughConnector, ensure_sweep
from approvals.flow.health import HealthServer
from approvals.flow.inbox import Inbox
from approvals.flow.ledger import Ledger
from approvals.flow.logs import configure_logging
from approvals.flow.runtime import PolicySource, Runtime, Timing, configure
from approvals.flow.shadow import build_report, report_lines
from approvals.flow.store import ProposalStore
from approvals.flow.worker import FollowthroughWorker
from bot.context import SlackThreadReader
from bot.directory import SlackDirectory
from bot.listeners import BotDependencies, register
from bot.notifier import SlackNotifier
from bot.socket_options import enable_tcp_nodelay
from connectors.jira import JiraConnector
from connectors.salesforce import (
    AccessToken,
    ClientCredentialsLogin,
    JwtBearerLogin,
    SalesforceConnector,
    SalesforceLogin,
)
from understanding.answers import TypedAnswers
from understanding.parser import OfflineParser
from understanding.parser_first import ParserFirstExtractor

logger = logging.getLogger("followthrough")

APP_DIR = Path(__file__).resolve().parent
DEFAULT_POLICY = APP_DIR / "policies" / "default.yml"


def _audit_key(value: SecretStr | None) -> SecretStr | None:
    if value is None or not value.get_secret_value():
        return None
    if len(value.get_secret_value()) < 16:
        raise ValueError(
            "must be at least 16 characters of secret; generate one with "
            "python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return value


def _audit_database_url(value: SecretStr | None) -> SecretStr | None:
    if value is None or not value.get_secret_value():
        return None
    if urlparse(value.get_secret_value()).scheme not in ("postgresql", "postgres"):
        raise ValueError("must be a postgresql:// URL, for example postgresql://followthrough:secret@db:5432/audit")
    return value


AuditKey = Annotated[SecretStr | None, AfterValidator(_audit_key)]
AuditDatabaseUrl = Annotated[SecretStr | None, AfterValidator(_audit_database_url)]


class AuditSettings(BaseSettings):
    """What `followthrough audit` reads: REDIS_URL and the audit's own settings, so no Slack token is needed."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    redis_url: str | None = None
    followthrough_audit_key: AuditKey = None
    followthrough_audit_database_url: AuditDatabaseUrl = None


class Settings(BaseSettings):
    """Every configuration name is a public contract; see the README's configuration table."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr
    slack_app_token: SecretStr
    slack_api_url: str = "https://slack.com/api/"
    redis_url: str
    jira_url: str | None = None
    jira_email: str | None = None
    jira_api_token: SecretStr | None = None
    jira_pat: SecretStr | None = None
    """Jira Data Center / Server: a personal access token (bearer), instead of JIRA_EMAIL + JIRA_API_TOKEN."""
    salesforce_instance_url: str | None = None
    salesforce_access_token: SecretStr | None = None
    """A static session for trials; it expires within hours. Production uses a connected app (below)."""
    salesforce_client_id: str | None = None
    """The connected app's consumer key: with SALESFORCE_USERNAME + SALESFORCE_PRIVATE_KEY_FILE (JWT bearer flow)
    or with SALESFORCE_CLIENT_SECRET (client-credentials flow); either logs in again when a session expires."""
    salesforce_client_secret: SecretStr | None = None
    salesforce_username: str | None = None
    salesforce_private_key_file: Path | None = None
    salesforce_login_url: str | None = None
    """Where a connected app logs in: https://login.salesforce.com (JWT default), https://test.salesforce.com, or
    the My Domain (client credentials; default SALESFORCE_INSTANCE_URL)."""
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4.1-mini"
    openai_timeout: float = Field(default=20.0, gt=0.0)
    """Seconds one call to the language model may take (a model on a CPU needs minutes)."""
    openai_timeout_total: float | None = Field(default=None, gt=0.0)
    """Seconds the model may take to read one request, retries included (default: two calls and 5 s)."""
    followthrough_parser_first: bool = True
    """With a language model: a request the offline parser reads completely is not sent to the model."""
    followthrough_policy: Path = DEFAULT_POLICY
    followthrough_audit_key: AuditKey = None
    """HMAC key that signs every audit entry's hash (approvals.flow.audit); without it the chains are kept unsigned."""
    followthrough_audit_database_url: AuditDatabaseUrl = None
    """PostgreSQL that archives every audit entry (approvals.flow.archive); it may hold a password, hence secret."""

    # Advanced: durations the jobs use (production keeps the defaults; tests shorten them).
    followthrough_lease_seconds: float = Field(default=15.0, gt=0.0)
    followthrough_retry_delays: str = "5,30,120,600,1800"
    followthrough_index_lag_window: float = 120.0
    followthrough_reaper_interval: float = 30.0
    followthrough_stale_after: float = 60.0
    followthrough_log_level: str = "INFO"
    followthrough_log_format: Literal["text", "json"] = "text"
    """``json``: one JSON object per line, the ids a line names (proposal, request, Slack users, job) as fields."""
    followthrough_health_port: int | None = Field(default=None, ge=0, le=65535)
    """Serve /healthz and /readyz on this port (off when unset; 0 picks a free one)."""
    followthrough_undo_window: float = Field(default=86400.0, ge=0.0)
    """Seconds after a result during which its Undo button works (0 turns Undo off)."""
    followthrough_question_ttl: float = Field(default=7 * 86400.0, gt=0.0)
    """Seconds a question waits for the requester's answer before the request expires."""
    followthrough_max_attempts: int = Field(default=3, ge=1, le=20)
    """Attempts at taking a request in (acting on an answer, preparing an undo) before it is parked for an admin."""
    followthrough_date_order: Literal["MD", "DM"] = "MD"
    """How people in the workspace write a numeric date: 12/1 is December 1st ("MD") or 12 January ("DM")."""
    followthrough_running_notice_after: float = Field(default=60.0, ge=0.0)
    """Seconds an approved request may stay running (retried) before the thread is told so, with the next try's
    time; told again after each further period as long (0 never tells)."""
    # Benchmarks only: make every extraction take this long (stands in for a slow model).
    followthrough_bench_extractor_delay: float = Field(default=0.0, ge=0.0, le=60.0)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb- (OAuth & Permissions page of your Slack app)")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("xapp-"):
            raise ValueError(
                "must be an app-level token starting with xapp- with the connections:write scope "
                "(Basic Information > App-Level Tokens)"
            )
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _slack_api_url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if urlparse(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("must be a redis://, rediss:// or unix:// URL, for example redis://localhost:6379/0")
        return value

    @field_validator("followthrough_retry_delays")
    @classmethod
    def _delays(cls, value: str) -> str:
        try:
            delays = [float(part) for part in value.split(",")]
        except ValueError:
            raise ValueError("must be comma-separated seconds, for example 5,30,120") from None
        if not delays or any(d < 0 for d in delays):
            raise ValueError("must list at least one non-negative number of seconds")
        return value

    @model_validator(mode="after")
    def _complete_groups(self) -> Settings:
        problem = _jira_problem(self) or _salesforce_problem(self)
        if problem:
            raise ValueError(problem)
        if self.openai_timeout_total is not None and self.openai_timeout_total < self.openai_timeout:
            raise ValueError(
                f"OPENAI_TIMEOUT_TOTAL ({self.openai_timeout_total:g} s) must be at least OPENAI_TIMEOUT "
                f"({self.openai_timeout:g} s); unset it to get two calls' worth"
            )
        return self

    @property
    def uses_llm(self) -> bool:
        """OPENAI_API_KEY is set, or OPENAI_BASE_URL alone (a local server that needs no key)."""
        return bool(self.openai_base_url) or (
            self.openai_api_key is not None and bool(self.openai_api_key.get_secret_value())
        )

    @property
    def openai_budget_seconds(self) -> float:
        """How long the model may take to read one request: OPENAI_TIMEOUT_TOTAL, or two whole calls and 5 s (so
        one call that timed out is tried once more)."""
        if self.openai_timeout_total is not None:
            return self.openai_timeout_total
        from understanding.llm import total_timeout_for  # openai is imported only by deployments that use it

        return total_timeout_for(self.openai_timeout)

    @property
    def job_timeout(self) -> int:
        """RQ's limit on one job. With a model it leaves room for two readings (an answer to an open question is
        read alone and with the request: approvals.flow.questions) and 30 s for Slack, grounding and the card, so a slow
        model is told as a timeout by our code, never cut off by RQ's."""
        if not self.uses_llm:
            return Timing.job_timeout
        return max(Timing.job_timeout, math.ceil(2 * self.openai_budget_seconds + 30.0))

    @property
    def timing(self) -> Timing:
        return Timing(
            lease_seconds=self.followthrough_lease_seconds,
            retry_delays=tuple(float(p) for p in self.followthrough_retry_delays.split(",")),
            index_lag_window=self.followthrough_index_lag_window,
            reaper_interval=self.followthrough_reaper_interval,
            stale_intake_after=self.followthrough_stale_after,
            stale_execution_after=self.followthrough_lease_seconds,
            announce_grace=min(5.0, self.followthrough_stale_after),
            running_notice_after=self.followthrough_running_notice_after,
            undo_window=self.followthrough_undo_window,
            question_ttl=self.followthrough_question_ttl,
            max_attempts=self.followthrough_max_attempts,
            job_timeout=self.job_timeout,
        )


_FIXES = {
    "SLACK_BOT_TOKEN": "set it to your Slack app's bot token (xoxb-...)",
    "SLACK_APP_TOKEN": "set it to an app-level token (xapp-...) with connections:write",
    "REDIS_URL": "set it to your Redis, for example redis://localhost:6379/0 (`make demo` starts one for you)",
}


def _jira_problem(settings: Settings) -> str | None:
    """One line on what is wrong with the Jira settings, or None: JIRA_URL with JIRA_EMAIL + JIRA_API_TOKEN (Jira
    Cloud) or with JIRA_PAT (Data Center / Server)."""
    cloud = {"JIRA_EMAIL": settings.jira_email, "JIRA_API_TOKEN": settings.jira_api_token}
    if not settings.jira_url and not any(cloud.values()) and settings.jira_pat is None:
        return None
    if settings.jira_pat is not None and any(cloud.values()):
        return "Jira takes JIRA_PAT (Data Center / Server) or JIRA_EMAIL + JIRA_API_TOKEN (Cloud), not both: unset one"
    missing = [name for name, value in ({"JIRA_URL": settings.jira_url} | cloud).items() if not value]
    if settings.jira_pat is not None:
        missing = [name for name in missing if name == "JIRA_URL"]
    if not missing:
        return None
    alternative = (
        " or JIRA_PAT" if settings.jira_pat is None and len(missing) == 2 and "JIRA_URL" not in missing else ""
    )
    return (
        "Jira needs JIRA_URL with JIRA_EMAIL and JIRA_API_TOKEN (Jira Cloud) or with JIRA_PAT (Data Center / "
        f"Server); missing: {', '.join(missing)}{alternative}"
    )


def _salesforce_problem(settings: Settings) -> str | None:
    """One line on what is wrong with the Salesforce settings, or None: SALESFORCE_INSTANCE_URL and exactly one way
    to log in (a static SALESFORCE_ACCESS_TOKEN, the JWT bearer flow, or the client-credentials flow)."""
    jwt = {
        "SALESFORCE_USERNAME": settings.salesforce_username,
        "SALESFORCE_PRIVATE_KEY_FILE": settings.salesforce_private_key_file,
    }
    given = {
        "SALESFORCE_ACCESS_TOKEN": settings.salesforce_access_token,
        "SALESFORCE_CLIENT_ID": settings.salesforce_client_id,
        "SALESFORCE_CLIENT_SECRET": settings.salesforce_client_secret,
        "SALESFORCE_LOGIN_URL": settings.salesforce_login_url,
        **jwt,
    }
    named = [name for name, value in given.items() if value]
    if not settings.salesforce_instance_url:
        if not named:
            return None
        return f"Salesforce needs SALESFORCE_INSTANCE_URL (https://<domain>.my.salesforce.com) with {', '.join(named)}"
    flows = (
        "SALESFORCE_CLIENT_ID with SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY_FILE (JWT bearer flow) or with "
        "SALESFORCE_CLIENT_SECRET (client-credentials flow)"
    )
    if settings.salesforce_access_token is not None:
        others = [name for name in named if name != "SALESFORCE_ACCESS_TOKEN"]
        if others:
            return f"Salesforce logs in one way: SALESFORCE_ACCESS_TOKEN or a connected app; unset {', '.join(others)}"
    elif not settings.salesforce_client_id:
        return f"Salesforce needs SALESFORCE_ACCESS_TOKEN (a static token, for trials) or {flows}"
    elif any(jwt.values()) and settings.salesforce_client_secret is not None:
        return f"Salesforce logs in with one flow: {flows}; unset the other's settings"
    elif any(jwt.values()) and not all(jwt.values()):
        missing = ", ".join(name for name, value in jwt.items() if not value)
        return (
            f"Salesforce's JWT bearer flow needs SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY_FILE; missing {missing}"
        )
    elif not any(jwt.values()) and settings.salesforce_client_secret is None:
        return f"SALESFORCE_CLIENT_ID alone cannot log in; use {flows}"
    try:
        SalesforceConnector(settings.salesforce_instance_url, salesforce_login(settings))  # type: ignore[arg-type]
    except ValueError as exc:
        if settings.salesforce_private_key_file is not None and not settings.salesforce_private_key_file.is_file():
            return f"SALESFORCE_PRIVATE_KEY_FILE: {exc}; give the PEM key whose certificate the connected app holds"
        instance = str(exc).startswith("Salesforce instance URL")
        return f"{'SALESFORCE_INSTANCE_URL' if instance else 'SALESFORCE_LOGIN_URL'}: {exc}"
    return None


def salesforce_login(settings: Settings) -> SalesforceLogin | None:
    """How the Salesforce connector logs in, from the settings (None: Salesforce is not configured)."""
    if settings.salesforce_access_token is not None:
        return AccessToken(settings.salesforce_access_token.get_secret_value())
    if not settings.salesforce_client_id:
        return None
    if settings.salesforce_client_secret is not None:
        return ClientCredentialsLogin(
            settings.salesforce_client_id,
            settings.salesforce_client_secret.get_secret_value(),
            login_url=settings.salesforce_login_url,
        )
    if settings.salesforce_username and settings.salesforce_private_key_file is not None:
        return JwtBearerLogin(
            settings.salesforce_client_id,
            settings.salesforce_username,
            settings.salesforce_private_key_file,
            login_url=settings.salesforce_login_url,
        )
    return None


class ConfigurationError(SystemExit):
    """Start-up refused: the message names each bad variable and the fix."""


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = "_".join(str(p) for p in error["loc"]).upper() or "configuration"
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "missing":
                message = "is not set; " + _FIXES.get(name, "set it in the environment or .env")
            lines.append(f"  {name}: {message}" if name != "configuration" else f"  {message}")
        raise ConfigurationError("Followthrough cannot start:\n" + "\n".join(lines)) from None


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def build_slack_client(settings: Settings) -> WebClient:
    client = WebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url, timeout=15)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return client


def build_redis(settings: Settings) -> Redis:
    return Redis.from_url(settings.redis_url, socket_connect_timeout=5, health_check_interval=30)


def build_runtime(settings: Settings) -> Runtime:
    try:
        policy = PolicySource(settings.followthrough_policy)
    except PolicyError as exc:
        raise ConfigurationError(f"Followthrough cannot start: FOLLOWTHROUGH_POLICY is invalid.\n{exc}") from None
    connection = build_redis(settings)
    database = settings.followthrough_audit_database_url
    audit_log = AuditLog(
        connection,
        key=settings.followthrough_audit_key,
        archive=AuditArchive(database.get_secret_value()) if database is not None else None,
    )
    policy.observe(lambda loaded, text, by: audit_log.record_policy(loaded, text, by=by, at=utc_now()))
    client = build_slack_client(settings)
    jira: JiraConnector | None = None
    salesforce: SalesforceConnector | None = None
    connectors: dict[str, Any] = {}
    if settings.jira_url and settings.jira_pat is not None:
        jira = JiraConnector(settings.jira_url, personal_access_token=settings.jira_pat.get_secret_value())
        connectors["jira"] = jira
    elif settings.jira_url and settings.jira_email and settings.jira_api_token:
        jira = JiraConnector(settings.jira_url, settings.jira_email, settings.jira_api_token.get_secret_value())
        connectors["jira"] = jira
    salesforce_auth = salesforce_login(settings)
    if settings.salesforce_instance_url and salesforce_auth is not None:
        try:
            salesforce = SalesforceConnector(settings.salesforce_instance_url, salesforce_auth)
        except ValueError as exc:
            raise ConfigurationError(f"Followthrough cannot start: SALESFORCE_INSTANCE_URL: {exc}") from None
        connectors["salesforce"] = salesforce
    connectors["followthrough"] = FollowThroughConnector()  # follow-ups are kept by Followthrough itself
    directory = SlackDirectory(client, policy, connection)
    threads = SlackThreadReader(client)

    def warm_caches() -> None:
        directory.warm()
        threads.warm()
        for connector in (jira, salesforce):
            if connector is not None:
                connector.warm()

    return Runtime(
        connection=connection,
        store=ProposalStore(connection, clock=utc_now, audit_log=audit_log),
        inbox=Inbox(connection, clock=utc_now),
        ledger=Ledger(connection, clock=utc_now),
        policy=policy,
        directory=directory,
        threads=threads,
        extractor=_extractor(settings),
        notifier=SlackNotifier(
            client,
            watched=lambda kind: policy.current.watched_fields(kind),
            undo_window=settings.followthrough_undo_window,
        ),
        connectors=connectors,
        jira_catalog=jira,
        salesforce_catalog=salesforce,
        answers=TypedAnswers(date_order=settings.followthrough_date_order),
        date_order=settings.followthrough_date_order,
        clock=utc_now,
        timing=settings.timing,
        warm_caches=warm_caches,
    )


class SlowExtractor:
    """The configured extractor behind a fixed delay: the benchmarks' stand-in for a slow model."""

    def __init__(self, inner: Extractor, delay: float) -> None:
        self.inner = inner
        self.delay = delay
        self.name = inner.name

    def extract(self, request: ExtractionInput) -> Understanding:
        time.sleep(self.delay)
        return self.inner.extract(request)


def _extractor(settings: Settings) -> Extractor:
    """The LLM extractor when OPENAI_API_KEY is set, or OPENAI_BASE_URL alone (a local server that needs no key:
    vLLM, Ollama, llama.cpp), behind the offline parser unless FOLLOWTHROUGH_PARSER_FIRST is off; otherwise the
    offline parser alone."""
    extractor: Extractor = OfflineParser()
    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key is not None else ""
    if settings.uses_llm:
        from understanding.llm import build_openai_extractor  # openai is imported only by deployments that use it

        llm = build_openai_extractor(
            api_key or None,
            settings.openai_base_url or None,
            settings.openai_model,
            timeout=settings.openai_timeout,
            total_timeout=settings.openai_budget_seconds,
        )
        logger.info(
            "requests are read by %s at %s%s (%g s a call, %g s in all%s)",
            llm.name,
            llm.endpoint,
            "" if api_key else " (no API key)",
            settings.openai_timeout,
            settings.openai_budget_seconds,
            ", after the offline parser" if settings.followthrough_parser_first else "",
        )
        extractor = ParserFirstExtractor(llm) if settings.followthrough_parser_first else llm
    if settings.followthrough_bench_extractor_delay:
        extractor = SlowExtractor(extractor, settings.followthrough_bench_extractor_delay)
    return extractor


def _is_local(url: str) -> bool:
    return (urlparse(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def record_policy_at_start(runtime: Runtime) -> None:
    """A policy deployed while the processes were stopped is audited by the first one to start with it."""
    runtime.store.audit.record_policy(runtime.policy.current, runtime.policy.text, by=START_UP, at=utc_now())


def run_bot(settings: Settings) -> None:
    if _is_local(settings.slack_api_url):
        # slack_sdk's socket client ignores NO_PROXY; a proxy would swallow a local Slack's WebSocket.
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            os.environ.pop(name, None)
    enable_tcp_nodelay()
    runtime = build_runtime(settings)
    runtime.connection.ping()
    record_policy_at_start(runtime)
    try:
        app = App(client=build_slack_client(settings), listener_executor=ThreadPoolExecutor(max_workers=16))
    except BoltError as exc:
        raise ConfigurationError(f"Followthrough cannot start: SLACK_BOT_TOKEN was refused by Slack ({exc}).") from None
    register(app, BotDependencies(runtime=runtime, clock=utc_now))
    handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
    heard = SocketActivity(handler.client)
    if settings.followthrough_health_port is not None:
        HealthServer(
            settings.followthrough_health_port,
            {"redis": lambda: _redis_problem(runtime), "slack": heard.problem},
            metrics=lambda: metrics.exposition(metrics.runtime_state(runtime)),
        ).start()

    def stop(signum: int, frame: object) -> None:
        logger.info("bot stopping (signal %d)", signum)
        handler.close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    logger.info("bot starting: Slack %s, policy %s", settings.slack_api_url, runtime.policy.current.content_hash)
    try:
        handler.start()
    except SlackApiError as exc:
        error = exc.response.get("error")
        raise ConfigurationError(
            f"Followthrough cannot start: SLACK_APP_TOKEN was refused by Slack ({error})."
        ) from None


class SocketActivity:
    """When the Socket Mode connection last showed it is alive (a message from Slack, or a pong to our ping)."""

    STALE_AFTER = 60.0

    def __init__(self, client: Any) -> None:
        self.client = client
        self.last_message = time.time()
        client.message_listeners.append(self._heard)

    def _heard(self, *args: Any) -> None:
        self.last_message = time.time()

    def problem(self) -> str | None:
        if not self.client.is_connected():
            return "the Socket Mode connection is down"
        session = getattr(self.client, "current_session", None)
        pong = getattr(session, "last_ping_pong_time", None) or 0.0
        quiet = time.time() - max(self.last_message, pong)
        if quiet > self.STALE_AFTER:
            return f"nothing from Slack for {quiet:.0f} s (no message, no pong)"
        return None


def _redis_problem(runtime: Runtime) -> str | None:
    try:
        runtime.connection.ping()
    except RedisError as exc:
        return f"Redis does not answer: {exc}"
    return None


def run_worker(settings: Settings, *, burst: bool = False) -> None:
    runtime = build_runtime(settings)
    runtime.connection.ping()
    record_policy_at_start(runtime)
    configure(runtime)
    interval = runtime.timing.reaper_interval
    worker = FollowthroughWorker(
        [runtime.actions_queue, runtime.intake_queue],
        connection=runtime.connection,
        name=f"followthrough-{socket.gethostname()}-{os.getpid()}",
        reaper_interval=interval,
        maintenance_interval=max(1, int(interval)),
        # An idle worker wakes every worker_ttl - 15 s; keep that close to the reaper's interval.
        worker_ttl=int(interval) + 15,
    )
    ensure_sweep(runtime)  # one sweep of the follow-ups stays scheduled (a fixed job id)
    if settings.followthrough_health_port is not None:
        HealthServer(
            settings.followthrough_health_port,
            {
                "redis": lambda: _redis_problem(runtime),
                "heartbeat": lambda: _heartbeat_problem(worker, interval + 15),
                "queues": lambda: _queues_problem(runtime),
            },
            metrics=lambda: metrics.exposition(metrics.runtime_state(runtime)),
        ).start()
    logger.info("worker starting on %s and %s", runtime.actions_queue.name, runtime.intake_queue.name)
    worker.work(with_scheduler=True, burst=burst, logging_level=settings.followthrough_log_level)


def _heartbeat_problem(worker: Any, ttl: float) -> str | None:
    beat = getattr(worker, "last_heartbeat", None)
    if beat is None:
        return "the worker has not sent a heartbeat yet"
    age = (dt.datetime.now(dt.UTC) - beat.replace(tzinfo=dt.UTC)).total_seconds()
    return f"the last heartbeat is {age:.0f} s old" if age > ttl else None


def _queues_problem(runtime: Runtime) -> str | None:
    try:
        waiting = runtime.actions_queue.count + runtime.intake_queue.count
    except RedisError as exc:
        return f"the queues can't be read: {exc}"
    logger.debug("%d jobs wait in the queues", waiting)
    return None


def test_policy(
    path: str | None, *, as_user: str | None, groups: str, channel: str | None, action: str | None, cases: str | None
) -> int:
    """`policy test`: one request against a policy file, or a whole cases file; exit 1 on a failed expectation."""
    if cases is not None:
        try:
            results = run_cases(cases)
        except (OSError, ValueError, PolicyError) as exc:
            print(f"{cases}: {exc}", file=sys.stderr)
            return 2
        for result in results:
            status = "PASS" if result.passed else "FAIL"
            print(f"{status}  {result.case.name}" + "".join(f"\n      {p}" for p in result.problems))
        failed = sum(not r.passed for r in results)
        print(f"{len(results) - failed} passed, {failed} failed")
        return 1 if failed else 0
    if path is None or as_user is None or action is None:
        print("policy test needs FILE --as USER --action JSON, or --cases FILE", file=sys.stderr)
        return 2
    try:
        policy = load_policy(path)
        data = json.loads(action)
        parsed = parse_action(data if isinstance(data, dict) else {})
    except PolicyError as exc:
        print(exc, file=sys.stderr)
        return 1
    except (json.JSONDecodeError, ValueError) as exc:
        print(f"--action: {exc}", file=sys.stderr)
        return 2
    email = as_user if "@" in as_user else None
    user_id = "U0CLI0001" if email else as_user
    requester = Principal(user_id=user_id, email=email, groups=frozenset(g for g in groups.split(",") if g))
    decision = decide(policy, requester, parsed, channel)
    print(f"rule:     {decision.rule}")
    print(f"outcome:  {decision.outcome}")
    if decision.outcome == "deny":
        print(f"reason:   {decision.reason}")
    if decision.outcome == "approve":
        print(f"ask:      {decision.min_approvers} of the roles {', '.join(decision.approver_roles)}")
        members = [
            f"{role}: {policy.document.roles[role].model_dump(exclude_defaults=True)}"
            for role in decision.approver_roles
            if role in policy.document.roles
        ]
        for line in members:
            print(f"          {line}")
        print(f"self-approval allowed: {decision.allow_self_approval}; expires after {decision.expires_after} s")
    print(f"roles of the requester: {', '.join(sorted(policy.roles_of(requester)))}")
    print(f"policy:   {decision.policy_hash}")
    return 0


def _settings_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'_'.join(str(p) for p in error['loc']).upper()}: {str(error['msg']).removeprefix('Value error, ')}"


def export_audit(proposal: str | None, *, since: str | None, until: str | None, output: str) -> int:
    """`audit export`: an evidence pack of one proposal or of a time range, as JSON Lines (``-``: stdout)."""
    if (proposal is None) == (since is None and until is None):
        print("audit export needs --proposal ID, or --since and/or --until", file=sys.stderr)
        return 2
    try:
        settings = AuditSettings()
        now = utc_now()
        scope = Scope(
            proposal_id=proposal,
            since=parse_moment(since, now=now) if since else None,
            until=parse_moment(until, now=now) if until else None,
        )
    except ValidationError as exc:
        print(f"audit export: {_settings_problem(exc)}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"audit export: {exc}", file=sys.stderr)
        return 2
    if not settings.redis_url:
        print("audit export: REDIS_URL is not set; set it to the Redis Followthrough uses", file=sys.stderr)
        return 2
    signer = Signer(settings.followthrough_audit_key) if settings.followthrough_audit_key else None
    exporter = EvidenceExporter(
        Redis.from_url(settings.redis_url, socket_connect_timeout=5), signer=signer, clock=utc_now
    )
    try:
        if output == "-":
            entries = exporter.write(scope, sys.stdout)
        else:
            with open(output, "w", encoding="utf-8") as out:
                entries = exporter.write(scope, out)
    except LookupError as exc:
        print(f"audit export: {exc.args[0]}", file=sys.stderr)
        return 1
    signed = f"signed with key {signer.kid}" if signer else "not signed: FOLLOWTHROUGH_AUDIT_KEY is not set"
    print(f"{entries} audit entries written to {'stdout' if output == '-' else output} ({signed})", file=sys.stderr)
    return 0


def verify_audit(path: str | None, *, redis: bool, archive: bool, show_all: bool) -> int:
    """`audit verify FILE|--redis|--archive`: recompute the chains and signatures; one line, exit 1 on a mismatch."""
    if [path is not None, redis, archive].count(True) != 1:
        print("audit verify needs one of: a FILE, --redis, --archive", file=sys.stderr)
        return 2
    try:
        settings = AuditSettings()
    except ValidationError as exc:
        print(f"audit verify: {_settings_problem(exc)}", file=sys.stderr)
        return 2
    signer = Signer(settings.followthrough_audit_key) if settings.followthrough_audit_key else None
    if path is not None:
        try:
            with open(path, encoding="utf-8") as lines:
                result = verify_pack(lines, signer=signer)
        except OSError as exc:
            print(f"audit verify: cannot read {path} ({exc.strerror})", file=sys.stderr)
            return 2
    elif archive:
        if settings.followthrough_audit_database_url is None:
            print("audit verify --archive: FOLLOWTHROUGH_AUDIT_DATABASE_URL is not set", file=sys.stderr)
            return 2
        try:
            result = verify_archive(settings.followthrough_audit_database_url.get_secret_value(), signer=signer)
        except psycopg.Error as exc:
            print(f"audit verify --archive: cannot read the archive ({type(exc).__name__}: {exc})", file=sys.stderr)
            return 2
    else:
        if not settings.redis_url:
            print("audit verify --redis: REDIS_URL is not set; set it to the Redis Followthrough uses", file=sys.stderr)
            return 2
        result = verify_redis(Redis.from_url(settings.redis_url, socket_connect_timeout=5), signer=signer)
    if show_all:
        for problem in result.problems:
            print(f"  {problem.describe()}")
    print(result.summary())
    return 0 if result.ok else 1


def shadow_report(since: str | None) -> int:
    """`shadow report`: precision per action kind from the Right / Wrong answers on shadow cards, what was not
    answered, the questions asked, the requests not understood and the rules that fired (approvals.flow.shadow)."""
    try:
        settings = AuditSettings()
        start = parse_moment(since, now=utc_now()) if since else None
    except ValidationError as exc:
        print(f"shadow report: {_settings_problem(exc)}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"shadow report: {exc}", file=sys.stderr)
        return 2
    if not settings.redis_url:
        print("shadow report: REDIS_URL is not set; set it to the Redis Followthrough uses", file=sys.stderr)
        return 2
    connection = Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    try:
        report = build_report(ProposalStore(connection, clock=utc_now), since=start)
    finally:
        connection.close()
    print("\n".join(report_lines(report)))
    return 0


def check_policy(path: str) -> int:
    try:
        policy = load_policy(path)
    except PolicyError as exc:
        print(exc, file=sys.stderr)
        return 1
    kinds = ", ".join(policy.document.actions) or "no actions"
    print(f"{path}: OK (hash {policy.content_hash}; roles: {', '.join(policy.document.roles)}; actions: {kinds})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="followthrough", description="Followthrough Slack bot")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("bot", help="run the Slack bot (default)")
    worker = commands.add_parser("worker", help="run an RQ worker with the scheduler")
    worker.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    policy = commands.add_parser("policy", help="work with policy files")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True)
    check = policy_commands.add_parser("check", help="validate a policy file")
    check.add_argument("file")
    test = policy_commands.add_parser("test", help="what a policy says about one request, or run a cases file")
    test.add_argument("file", nargs="?", help="the policy file (not needed with --cases)")
    test.add_argument("--as", dest="as_user", help="the requester: a Slack user id or an email")
    test.add_argument("--groups", default="", help="the requester's Slack user groups, comma-separated")
    test.add_argument("--channel", help="the channel the request is made in (name or id)")
    test.add_argument("--action", help='the action as JSON, e.g. {"kind": "jira.create_issue", "project": "PAY", ...}')
    test.add_argument("--cases", help="a cases file (see policies/tests/); exit 1 if any case fails")
    audit = commands.add_parser("audit", help="export and verify the audit trail (REDIS_URL, FOLLOWTHROUGH_AUDIT_KEY)")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    export = audit_commands.add_parser("export", help="write an evidence pack as JSON Lines")
    export.add_argument("--proposal", metavar="ID", help="one request (with its undo), e.g. ft-7kq2mx9c")
    export.add_argument("--since", help="from this time: 2025-03-01, 2025-03-01T14:00 (UTC unless zoned), or 24h, 7d")
    export.add_argument("--until", help="up to (not including) this time, written like --since")
    export.add_argument("--output", "-o", default="-", help="the file to write (default: stdout)")
    verify = audit_commands.add_parser("verify", help="recompute the chains and signatures; exit 1 on a mismatch")
    verify.add_argument("file", nargs="?", help="an evidence pack written by `audit export`")
    verify.add_argument("--redis", action="store_true", help="verify the trail in Redis (REDIS_URL)")
    verify.add_argument(
        "--archive", action="store_true", help="verify the PostgreSQL archive (FOLLOWTHROUGH_AUDIT_DATABASE_URL)"
    )
    verify.add_argument("--all", action="store_true", help="list every problem before the summary")
    shadow = commands.add_parser("shadow", help="shadow mode: what the bot would have done, and how often it was right")
    shadow_commands = shadow.add_subparsers(dest="shadow_command", required=True)
    report = shadow_commands.add_parser("report", help="precision per action kind from the Right / Wrong answers")
    report.add_argument("--since", help="only requests from this time: 2025-03-01, or 24h, 7d (default: all)")
    args = parser.parse_args(argv)

    if args.command == "shadow":
        return shadow_report(args.since)

    if args.command == "audit":
        if args.audit_command == "export":
            return export_audit(args.proposal, since=args.since, until=args.until, output=args.output)
        return verify_audit(args.file, redis=args.redis, archive=args.archive, show_all=args.all)

    if args.command == "policy":
        if args.policy_command == "test":
            return test_policy(
                args.file,
                as_user=args.as_user,
                groups=args.groups,
                channel=args.channel,
                action=args.action,
                cases=args.cases,
            )
        return check_policy(args.file)

    settings = load_settings()
    configure_logging(settings.followthrough_log_level, settings.followthrough_log_format)
    if settings.followthrough_health_port is not None:
        metrics.enable()  # before any job is forked: they write to the same directory
    try:
        if args.command == "worker":
            run_worker(settings, burst=args.burst)
        else:
            run_bot(settings)
    except RedisConnectionError as exc:
        raise ConfigurationError(
            f"Followthrough cannot start: Redis at {_redis_place(settings.redis_url)} is unreachable ({exc})."
        ) from None
    return 0


def _redis_place(url: str) -> str:
    """The Redis URL without its password, for an error message."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    return f"{parts.scheme}://{host}:{parts.port or 6379}{parts.path or ''}"


if __name__ == "__main__":
    sys.exit(main())
