"""The clients and the runtime a process is built from, out of its settings (``followthrough.settings``).

Nothing is built at import time: each process (bot, worker, doctor) calls what it needs once at start. Every client
has a timeout (Slack 15 s, Redis 5 s to connect, Jira and Salesforce per their connectors).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from redis import Redis
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from approvals.core.intents import Understanding
from approvals.core.policy import PolicyError
from approvals.core.ports import ExtractionInput, Extractor
from approvals.flow.archive import AuditArchive
from approvals.flow.audit import START_UP, AuditLog
from approvals.flow.followthrough import FollowThroughConnector
from approvals.flow.inbox import Inbox
from approvals.flow.ledger import Ledger
from approvals.flow.runtime import PolicySource, Runtime
from approvals.flow.store import ProposalStore
from bot.context import SlackThreadReader
from bot.directory import SlackDirectory
from bot.notifier import SlackNotifier
from connectors.jira import JiraConnector
from connectors.salesforce import SalesforceConnector
from followthrough.settings import ConfigurationError, Settings, salesforce_login
from followthrough.warming import CacheWarmer
from understanding.answers import TypedAnswers
from understanding.parser import OfflineParser
from understanding.parser_first import ParserFirstExtractor

logger = logging.getLogger("followthrough")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def build_slack_client(settings: Settings) -> WebClient:
    client = WebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url, timeout=15)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return client


def build_bolt_app(client: WebClient) -> App:
    """Bolt's app on our own client (its base URL, timeout and rate-limit retries).

    Bolt takes the bot token from ``client`` and, when given none, from ``SLACK_BOT_TOKEN`` in the environment as
    well; with both it warns on every start that the token "will be unused". The settings have read the variable by
    now (``Settings``), so it leaves the environment before Bolt looks: one source for the token, no warning, and
    nothing this process starts later inherits it. Bolt's ``auth.test`` with the client's token runs here: a refused
    token raises ``BoltError``."""
    os.environ.pop("SLACK_BOT_TOKEN", None)
    return App(client=client, listener_executor=ThreadPoolExecutor(max_workers=16))


def build_redis(settings: Settings) -> Redis:
    return Redis.from_url(settings.redis_url, socket_connect_timeout=5, health_check_interval=30)


def build_jira(settings: Settings) -> JiraConnector | None:
    """The Jira connector (Cloud: JIRA_EMAIL + JIRA_API_TOKEN; Data Center / Server: JIRA_PAT), or None."""
    if settings.jira_url and settings.jira_pat is not None:
        return JiraConnector(settings.jira_url, personal_access_token=settings.jira_pat.get_secret_value())
    if settings.jira_url and settings.jira_email and settings.jira_api_token:
        return JiraConnector(settings.jira_url, settings.jira_email, settings.jira_api_token.get_secret_value())
    return None


def build_salesforce(settings: Settings) -> SalesforceConnector | None:
    """The Salesforce connector (no request is made until it is used), or None when it is not configured."""
    login = salesforce_login(settings)
    if not settings.salesforce_instance_url or login is None:
        return None
    try:
        return SalesforceConnector(settings.salesforce_instance_url, login)
    except ValueError as exc:
        raise ConfigurationError(f"Followthrough cannot start: SALESFORCE_INSTANCE_URL: {exc}") from None


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
    jira = build_jira(settings)
    salesforce = build_salesforce(settings)
    connectors: dict[str, Any] = {}
    if jira is not None:
        connectors["jira"] = jira
    if salesforce is not None:
        connectors["salesforce"] = salesforce
    connectors["followthrough"] = FollowThroughConnector()  # follow-ups are kept by Followthrough itself
    directory = SlackDirectory(client, policy, connection)
    threads = SlackThreadReader(client)
    warming = {"Slack directory": directory.warm, "Slack channel names": threads.warm}
    if jira is not None:
        warming["Jira catalog"] = jira.warm
    if salesforce is not None:
        warming["Salesforce catalog"] = salesforce.warm

    return Runtime(
        connection=connection,
        store=ProposalStore(connection, clock=utc_now, audit_log=audit_log),
        inbox=Inbox(connection, clock=utc_now),
        ledger=Ledger(connection, clock=utc_now),
        policy=policy,
        directory=directory,
        threads=threads,
        extractor=build_extractor(settings),
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
        warm_caches=CacheWarmer(warming),
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


def build_extractor(settings: Settings) -> Extractor:
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


def record_policy_at_start(runtime: Runtime) -> None:
    """A policy deployed while the processes were stopped is audited by the first one to start with it."""
    runtime.store.audit.record_policy(runtime.policy.current, runtime.policy.text, by=START_UP, at=utc_now())
