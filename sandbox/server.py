"""Run aiohttp applications on one event loop in a background thread.

Every emulator of the sandbox is an aiohttp ``web.Application``. Tests are synchronous, so the loop lives in a
daemon thread and each application listens on its own 127.0.0.1 port (port 0 picks a free one). The invariant:
an application's URL is only handed out once its socket is bound and accepting connections.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from aiohttp import web

logger = logging.getLogger(__name__)

T = TypeVar("T")


class ServerThread:
    """An asyncio loop in a daemon thread that hosts any number of aiohttp applications."""

    def __init__(self, *, host: str = "127.0.0.1") -> None:
        self.host = host
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="sandbox-loop", daemon=True)
        self._runners: list[web.AppRunner] = []
        self._started = False

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def start(self) -> None:
        if not self._started:
            self._thread.start()
            self._started = True

    def call(self, coro: Coroutine[Any, Any, T], *, timeout: float | None = 30.0) -> T:
        """Run ``coro`` on the loop from another thread and return its result."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("ServerThread.call() from the loop thread would deadlock; await the coroutine")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def submit(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Schedule ``coro`` on the loop without waiting for it (safe from any thread)."""
        if threading.current_thread() is self._thread:
            self._loop.create_task(coro)
        else:
            asyncio.run_coroutine_threadsafe(coro, self._loop)

    def serve(self, app: web.Application, *, port: int = 0) -> int:
        """Start ``app`` on ``host:port`` and return the bound port."""
        self.start()
        return self.call(self._serve(app, port))

    async def _serve(self, app: web.Application, port: int) -> int:
        # handler_cancellation: a client that disconnects (a killed worker) cancels its handler, as real servers do.
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, port, reuse_address=True)
        await site.start()
        self._runners.append(runner)
        server = site._server  # the only public way to learn the port picked for port 0
        assert server is not None and server.sockets, "aiohttp site started without a socket"
        return int(server.sockets[0].getsockname()[1])

    def stop(self) -> None:
        if not self._started:
            return
        try:
            self.call(self._cleanup(), timeout=10)
        except Exception:
            logger.exception("sandbox: error while stopping the servers")
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._started = False

    async def _cleanup(self) -> None:
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
