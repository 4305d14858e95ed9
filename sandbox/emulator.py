"""The shape every emulator of the sandbox shares.

An emulator owns a state built from the ``Seed``, serves it as an aiohttp application, records every request it
served and applies injected faults. Adding an endpoint is one route and one handler in the emulator's module;
fault injection, request recording and the ``/_sandbox/`` control routes come from here.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from aiohttp import web

from sandbox.faults import Fault, FaultInjector, FaultMode, RequestLog, instrument
from sandbox.seed import Seed
from sandbox.server import ServerThread

# Large enough for a modal with 100 blocks or a Jira description; real Slack caps messages far below this.
MAX_REQUEST_BYTES = 4 * 1024 * 1024


class Emulator(ABC):
    """Base class: subclasses add routes, say how an error looks, and how to go back to the seed state."""

    name: ClassVar[str]

    def __init__(self, seed: Seed) -> None:
        self.seed = seed
        self.requests = RequestLog()
        self.faults = FaultInjector(self.error_response)
        self.base_url = ""
        self.server: ServerThread | None = None
        # Handlers run on the sandbox loop thread and tests drive the state from theirs: one lock per emulator.
        self.lock = threading.RLock()

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        instrument(app, self.faults, self.requests, reset=self.reset)
        self.add_routes(app)
        return app

    def bind(self, base_url: str, server: ServerThread) -> None:
        """Called once the app listens, with ``http://127.0.0.1:PORT`` and the thread whose loop serves it."""
        self.base_url = base_url.rstrip("/")
        self.server = server

    def inject(
        self,
        path: str,
        *,
        method: str | None = None,
        status: int = 503,
        mode: FaultMode = "before",
        count: int | None = 1,
        retry_after: int | None = None,
        delay: float = 0.0,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """Inject a fault (see ``sandbox.faults``); returns it so a test can read ``fault.fired``."""
        return self.faults.add(
            Fault(
                path=path,
                method=method,
                status=status,
                mode=mode,
                count=count,
                retry_after=retry_after,
                delay=delay,
                body=body,
                headers=dict(headers or {}),
            )
        )

    @abstractmethod
    def add_routes(self, app: web.Application) -> None:
        """Register the emulated API's routes on ``app``."""

    @abstractmethod
    def error_response(self, status: int, fault: Fault) -> web.Response:
        """The response the real service sends for ``status`` (``fault.body`` overrides the body)."""

    @abstractmethod
    def reset(self) -> None:
        """Return to the seed state (faults and the request log are cleared by the caller)."""

    @abstractmethod
    def environment(self) -> dict[str, str]:
        """The Followthrough configuration variables that point a process at this emulator."""
