"""Every setting Followthrough reads, checked at start-up: a missing or malformed one stops the process with the
variable's name and how to fix it. Secrets are ``SecretStr`` and never printed.

Where settings come from, first found wins: the process environment, a ``.env`` file in the working directory, then
one file per setting in the secrets directory (``/run/secrets`` when it exists, as Docker and Kubernetes mount
secrets, or ``FOLLOWTHROUGH_SECRETS_DIR``): a file named like the setting (``slack_bot_token`` or
``SLACK_BOT_TOKEN``) holding its value, surrounding whitespace ignored.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse, urlsplit

from pydantic import AfterValidator, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SecretsSettingsSource, SettingsConfigDict

from approvals.flow.runtime import Timing
from connectors.salesforce import (
    AccessToken,
    ClientCredentialsLogin,
    JwtBearerLogin,
    SalesforceConnector,
    SalesforceLogin,
)
from followthrough.shipped import DEFAULT_POLICY

SECRETS_DIR_VARIABLE = "FOLLOWTHROUGH_SECRETS_DIR"
DEFAULT_SECRETS_DIR = Path("/run/secrets")


class ConfigurationError(SystemExit):
    """Start-up refused: the message names each bad variable and the fix."""


def secrets_dir() -> Path | None:
    """Where secret files are read from: ``FOLLOWTHROUGH_SECRETS_DIR`` (which must be a directory), else
    ``/run/secrets`` when it exists, else nowhere."""
    configured = os.environ.get(SECRETS_DIR_VARIABLE)
    if configured:
        path = Path(configured).expanduser()
        if not path.is_dir():
            raise ConfigurationError(
                f"Followthrough cannot start: {SECRETS_DIR_VARIABLE} is {configured!r}, which is not a directory; "
                "point it at the directory your secrets are mounted in, or unset it"
            )
        return path
    return DEFAULT_SECRETS_DIR if DEFAULT_SECRETS_DIR.is_dir() else None


class _Settings(BaseSettings):
    """Environment, then ``.env``, then the secrets directory, looked up when the settings are read (not at
    import), so a process and a test each see their own."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, dotenv_settings, SecretsSettingsSource(settings_cls, secrets_dir())


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


class AuditSettings(_Settings):
    """What `followthrough audit` reads: REDIS_URL and the audit's own settings, so no Slack token is needed."""

    redis_url: str | None = None
    followthrough_audit_key: AuditKey = None
    followthrough_audit_database_url: AuditDatabaseUrl = None


class Settings(_Settings):
    """Every configuration name is a public contract; see the README's configuration table."""

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
    followthrough_index_lag_learn: bool = True
    """Measure how long Jira's search lags our creates and wait that long (with a margin), up to the window."""
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
    followthrough_retention_days: float = Field(default=30.0, gt=0.0)
    """Days a finished proposal stays in Redis once the archive holds its audit (approvals.flow.retention); without
    FOLLOWTHROUGH_AUDIT_DATABASE_URL nothing is removed, Redis being the only record."""
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
            learn_index_lag=self.followthrough_index_lag_learn,
            reaper_interval=self.followthrough_reaper_interval,
            stale_intake_after=self.followthrough_stale_after,
            stale_execution_after=self.followthrough_lease_seconds,
            announce_grace=min(5.0, self.followthrough_stale_after),
            running_notice_after=self.followthrough_running_notice_after,
            undo_window=self.followthrough_undo_window,
            question_ttl=self.followthrough_question_ttl,
            max_attempts=self.followthrough_max_attempts,
            job_timeout=self.job_timeout,
            retention=self.followthrough_retention_days * 86400.0,
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


def describe_problems(exc: ValidationError) -> list[str]:
    """One line per problem of the settings: ``VARIABLE: what is wrong and the fix`` (or the fix alone when it
    concerns several variables)."""
    lines = []
    for error in exc.errors():
        name = "_".join(str(p) for p in error["loc"]).upper()
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "is not set; " + _FIXES.get(name, "set it in the environment, .env or a secret file")
        lines.append(f"{name}: {message}" if name else message)
    return lines


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = "\n".join(f"  {line}" for line in describe_problems(exc))
        raise ConfigurationError("Followthrough cannot start:\n" + lines) from None


def settings_problem(exc: ValidationError) -> str:
    """The first problem of a validation error as one line: ``VARIABLE: what is wrong``."""
    error = exc.errors()[0]
    return f"{'_'.join(str(p) for p in error['loc']).upper()}: {str(error['msg']).removeprefix('Value error, ')}"


class HealthSettings(_Settings):
    """What `followthrough ready` reads: FOLLOWTHROUGH_HEALTH_PORT alone."""

    followthrough_health_port: int | None = Field(default=None, ge=1, le=65535)


class PolicySettings(_Settings):
    """What `followthrough policy check` reads when given no file: FOLLOWTHROUGH_POLICY alone."""

    followthrough_policy: Path = DEFAULT_POLICY


def redis_place(url: str) -> str:
    """The Redis URL without its password, for an error message."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    return f"{parts.scheme}://{host}:{parts.port or 6379}{parts.path or ''}"
