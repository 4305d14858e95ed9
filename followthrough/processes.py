"""Followthrough's two long-running processes, the Procfile's ``bot`` and ``worker``, and their readiness checks.

The bot is Bolt in Socket Mode: it acks, records and queues (``bot.listeners``). The worker is RQ's forking worker
with the scheduler and Followthrough's maintenance duties (``approvals.flow.worker``). Each serves ``/healthz``,
``/readyz`` and ``/metrics`` on FOLLOWTHROUGH_HEALTH_PORT when it is set (``approvals.flow.health``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlparse

from redis.exceptions import RedisError
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from approvals.flow import metrics
from approvals.flow.followthrough import ensure_sweep
from approvals.flow.health import HealthServer
from approvals.flow.runtime import Runtime, configure
from approvals.flow.worker import FollowthroughWorker
from bot.listeners import BotDependencies, register
from bot.socket_handler import AckingSocketModeHandler
from bot.socket_options import enable_tcp_nodelay
from followthrough.settings import ConfigurationError, Settings
from followthrough.wiring import build_bolt_app, build_runtime, build_slack_client, record_policy_at_start, utc_now

logger = logging.getLogger("followthrough")


def _is_local(url: str) -> bool:
    return (urlparse(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def run_bot(settings: Settings) -> None:
    if _is_local(settings.slack_api_url):
        # slack_sdk's socket client ignores NO_PROXY; a proxy would swallow a local Slack's WebSocket.
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            os.environ.pop(name, None)
    enable_tcp_nodelay()
    runtime = build_runtime(settings)
    runtime.connection.ping()
    check_slack_tokens(settings, app_token=True)
    record_policy_at_start(runtime)
    try:
        app = build_bolt_app(build_slack_client(settings))
    except BoltError as exc:  # checked just before; a token revoked in between
        raise ConfigurationError(f"Followthrough cannot start: SLACK_BOT_TOKEN was refused by Slack ({exc}).") from None
    register(app, BotDependencies(runtime=runtime, clock=utc_now))
    handler = AckingSocketModeHandler(app, settings.slack_app_token.get_secret_value())
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


def check_slack_tokens(settings: Settings, *, app_token: bool) -> None:
    """Start-up's check of the Slack tokens, one line and exit 1 when Slack refuses one: the bot token with
    ``auth.test``, and (for the bot) the app-level token with ``apps.connections.open``, whose URL is left unused.
    Bolt and the Socket Mode client would find out too, with multi-line errors and after the process had begun."""
    cannot = "Followthrough cannot start:"
    try:
        build_slack_client(settings).auth_test()
        if app_token:
            client = WebClient(base_url=settings.slack_api_url, timeout=15)
            client.apps_connections_open(app_token=settings.slack_app_token.get_secret_value())
    except SlackApiError as exc:
        error = exc.response.get("error")
        if exc.response.api_url.endswith("apps.connections.open"):
            raise ConfigurationError(
                f"{cannot} SLACK_APP_TOKEN was refused by Slack ({error}); generate an app-level token with "
                "connections:write (Basic Information > App-Level Tokens) and turn Socket Mode on"
            ) from None
        raise ConfigurationError(
            f"{cannot} SLACK_BOT_TOKEN was refused by Slack ({error}); copy the Bot User OAuth Token (xoxb-...) from "
            "your Slack app's OAuth & Permissions page"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ConfigurationError(
            f"{cannot} Slack at {settings.slack_api_url} could not be reached ({reason}); check SLACK_API_URL, the "
            "network and any proxy"
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
    check_slack_tokens(settings, app_token=False)  # every job talks to Slack with the bot token
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


def probe_readiness(port: int | None, *, host: str = "127.0.0.1", timeout: float = 4.0) -> int:
    """`followthrough ready`: this process's neighbour's /readyz, for a container's health check. Exit 0 when it
    answers ready; 1 with one line naming the failing checks, or saying nothing answers."""
    if port is None:
        print("not ready: FOLLOWTHROUGH_HEALTH_PORT is not set, so no process serves /readyz", file=sys.stderr)
        return 1
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/readyz", timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        try:
            checks = json.loads(exc.read()).get("checks", {})
        except ValueError:
            checks = {}
        failing = "; ".join(f"{name}: {state}" for name, state in checks.items() if state != "ok")
        print(f"not ready ({exc.code}): {failing or exc.reason}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"not ready: nothing answers on port {port} ({getattr(exc, 'reason', exc)})", file=sys.stderr)
        return 1
    print("ready")
    return 0
