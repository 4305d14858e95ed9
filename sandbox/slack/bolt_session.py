"""A slack-bolt ``App`` connected to the emulator over Socket Mode, for tests and benchmarks.

Invariant: inside ``with BoltSession(slack) as session:`` the emulator has the app's live connection; after the
block that connection is gone, so envelopes of a later test can never be routed to an app that was closed.
Clear ``HTTP(S)_PROXY`` before using it: the builtin Socket Mode client ignores ``NO_PROXY``.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler

if TYPE_CHECKING:
    from sandbox.slack import SlackEmulator


class BoltSession:
    """Builds ``app`` (register listeners on it), then ``connect()`` / ``close()`` or use it as a context manager."""

    def __init__(
        self,
        emulator: SlackEmulator,
        *,
        retry_handlers: list[RetryHandler] | None = None,
        handler_class: type[SocketModeHandler] = SocketModeHandler,
        ping_interval: float = 10,
        timeout: float = 5.0,
        **app_options: Any,
    ) -> None:
        self.emulator = emulator
        env = emulator.environment()
        client = WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"], timeout=10)
        if retry_handlers:
            client.retry_handlers.extend(retry_handlers)
        self.app = App(client=client, **app_options)
        self._app_token = env["SLACK_APP_TOKEN"]
        self._handler_class = handler_class
        self._ping_interval = ping_interval
        self._timeout = timeout
        self.handler: SocketModeHandler | None = None

    def connect(self) -> BoltSession:
        socket = self.emulator.socket
        opened = socket.connections_opened
        self.handler = self._handler_class(self.app, self._app_token, ping_interval=self._ping_interval)
        self.handler.connect()
        socket.wait_for(lambda: socket.connections_opened > opened, timeout=self._timeout)
        return self

    def local_port(self) -> int | None:
        """The client port of the app's current WebSocket (how the emulator tells its connections apart)."""
        session = self.handler.client.current_session if self.handler else None
        sock = getattr(session, "sock", None)
        return int(sock.getsockname()[1]) if sock is not None else None

    def close(self) -> None:
        """Close the app's socket and wait until the emulator has seen it go.

        ``SocketModeHandler.close()`` blocks until its receive thread leaves a ``recv`` (up to 3 s on an idle link),
        then joins its workers. It runs on a daemon thread; once the client has marked itself closed (so it will
        not reconnect), the emulator closes the link from its side, which ends the ``recv`` at once.
        """
        if self.handler is None:
            return
        port = self.local_port()
        handler, self.handler = self.handler, None
        threading.Thread(target=handler.close, name="bolt-session-close", daemon=True).start()
        deadline = time.monotonic() + self._timeout
        while not handler.client.closed and time.monotonic() < deadline:
            time.sleep(0.001)  # close() sets the flag first thing; this waits microseconds
        socket = self.emulator.socket
        if port is not None:
            socket.close_connections(peer_port=port)
        socket.wait_for(
            lambda: all(c["peer_port"] != port or c["draining"] for c in socket.connections()),
            timeout=self._timeout,
        )

    def __enter__(self) -> BoltSession:
        return self.connect()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
