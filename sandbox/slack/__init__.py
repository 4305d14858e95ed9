"""A local Slack workspace: the Web API over HTTP, Socket Mode over WebSocket and a driver that plays the humans.

The real ``slack_sdk.WebClient`` and slack-bolt's ``SocketModeHandler`` talk to it over real sockets::

    slack = SlackEmulator(load_seed())           # or Sandbox().slack
    ... serve it (sandbox.harness / tests' serve()) ...
    env = slack.environment()                    # SLACK_API_URL (ends in /api/), SLACK_BOT_TOKEN, SLACK_APP_TOKEN
    slack.driver.post_message("dana", "#support", "@followthrough please approve PAY-12")
    card = slack.driver.wait_for_bot_message(channel="#support", contains="Approve")
    slack.driver.click("hank", "#support", card["ts"], "approve")

Modules: ``workspace`` (the state), ``web_api`` + ``methods`` (``/api/<method>``), ``socket_mode`` (``/link``),
``events`` and ``interactions`` (payload builders), ``content`` (what the app may post), ``response_urls``,
``driver`` (the humans), ``control`` (the driver over HTTP, under ``/_sandbox/slack/``) and ``bolt_session`` (a
slack-bolt app connected to the emulator, for tests). Faults on the Web API use ``inject()`` of the base class, e.g.
``slack.inject("chat.postMessage", status=429, retry_after=1, count=2)`` or ``mode="delay", delay=0.5``; Socket Mode
faults are ``driver.drop_acks(n)``, ``driver.disconnect_all(reason)`` and ``socket.close_connections()``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

from sandbox.emulator import Emulator
from sandbox.faults import Fault
from sandbox.seed import Seed
from sandbox.server import ServerThread
from sandbox.slack import control, events, response_urls, web_api
from sandbox.slack import methods as _methods  # noqa: F401 - importing it registers the Web API methods
from sandbox.slack.driver import Driver, DriverError, InteractionResult
from sandbox.slack.manifest import AppManifest, load_manifest
from sandbox.slack.socket_mode import EnvelopeTooLarge, SocketModeServer
from sandbox.slack.workspace import SlackError, Workspace

__all__ = ["Driver", "DriverError", "InteractionResult", "SlackEmulator", "SlackError"]

logger = logging.getLogger(__name__)

_ERROR_NAMES = {
    400: "invalid_arguments",
    401: "invalid_auth",
    403: "access_denied",
    404: "unknown_method",
    408: "request_timeout",
    429: "ratelimited",
    500: "fatal_error",
    502: "service_unavailable",
    503: "service_unavailable",
    504: "request_timeout",
}


class SlackEmulator(Emulator):
    """One Slack workspace with the Followthrough app installed as ``manifest.yml`` declares it: the bot token
    (from the seed) holds the manifest's bot scopes (``bot_scopes``) and the app receives its bot events
    (``subscriptions``); tests may change either, and ``reset`` goes back to the manifest."""

    name = "slack"

    def __init__(
        self, seed: Seed, *, clock: Callable[[], float] = time.time, manifest: AppManifest | None = None
    ) -> None:
        super().__init__(seed)
        self.manifest = manifest or load_manifest()
        self.workspace = Workspace(seed, clock=clock, lock=self.lock)
        self.socket = SocketModeServer(app_id=seed.slack.app_id)
        self.subscriptions: frozenset[str] = self.manifest.bot_events
        self.bot_scopes: frozenset[str] = self.manifest.bot_scopes
        self.driver = Driver(self)

    # ------------------------------------------------------------------ Emulator

    def add_routes(self, app: web.Application) -> None:
        web_api.add_routes(app, self)
        self.socket.add_routes(app)
        response_urls.add_routes(app, self)
        control.add_routes(app, self.driver)

    def bind(self, base_url: str, server: ServerThread) -> None:
        super().bind(base_url, server)
        self.socket.bind(self.base_url, server.loop)

    def error_response(self, status: int, fault: Fault) -> web.Response:
        body = fault.body if fault.body is not None else {"ok": False, "error": _ERROR_NAMES.get(status, "fatal_error")}
        response = (
            web_api.slack_json(body, status=status)
            if isinstance(body, dict)
            else web.Response(text=str(body), status=status)
        )
        if status == 429:
            response.headers["Retry-After"] = "1"  # Slack always says when to come back; a fault's value wins
        return response

    def reset(self) -> None:
        self.workspace.reset()
        self.socket.reset()
        self.subscriptions = self.manifest.bot_events
        self.bot_scopes = self.manifest.bot_scopes

    def environment(self) -> dict[str, str]:
        tokens = self.seed.slack.tokens
        return {"SLACK_API_URL": self.base_url + "/api/", "SLACK_BOT_TOKEN": tokens.bot, "SLACK_APP_TOKEN": tokens.app}

    # ------------------------------------------------------------------ configuration

    def subscribe(self, names: Iterable[str]) -> None:
        """Set the bot events the app subscribes to (``message.channels``, ``reaction_added``, ...)."""
        self.subscriptions = frozenset(names)

    def grant(self, scopes: Iterable[str]) -> None:
        """Set the bot token's scopes (as if the app were reinstalled with them); ``reset`` restores the manifest's."""
        self.bot_scopes = frozenset(scopes)

    def token_kind(self, token: str | None) -> web_api.TokenKind | None:
        tokens = self.seed.slack.tokens
        if token == tokens.bot:
            return "bot"
        if token == tokens.app:
            return "app"
        return None

    # ------------------------------------------------------------------ events

    def publish(self, inner_events: list[dict[str, Any]]) -> None:
        """Wrap inner events in ``event_callback`` payloads and deliver them over Socket Mode (thread-safe)."""
        for event in inner_events:
            payload = events.event_callback(self.workspace, event)
            try:
                self.socket.send_event(payload)
            except EnvelopeTooLarge as exc:
                logger.error("slack emulator: event %s not delivered: %s", payload["event_id"], exc)
                self.socket.errors.append(str(exc))
