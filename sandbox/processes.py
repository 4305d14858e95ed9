"""Followthrough's real processes (the Procfile's ``bot`` and ``worker``), started by the demo and the tests.

Each process runs ``python app.py [...]`` from the repository with only the environment a deployment would give
it, writes its log to a file (the tests print it when they fail), and can be stopped politely or killed with
SIGKILL, process tree and all, to test crash recovery.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent


class ProductProcess:
    def __init__(
        self, name: str, args: Sequence[str], env: Mapping[str, str], log_dir: Path, *, script: Path | None = None
    ) -> None:
        self.name = name
        self.script = script or REPO / "app.py"
        self.args = list(args)
        self.env = dict(env)
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ProductProcess:
        base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT", "TMPDIR")}
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, str(self.script), *self.args],
            cwd=REPO,
            env={**base, **self.env, "PYTHONUNBUFFERED": "1"},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def wait_for_log(self, needle: str, *, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.log():
                return
            if not self.alive():
                raise AssertionError(f"{self.name} exited ({self.process and self.process.returncode}):\n{self.log()}")
            time.sleep(0.05)
        raise AssertionError(f"{self.name} did not log {needle!r} within {timeout} s:\n{self.log()[-4000:]}")

    def children(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def kill(self) -> None:
        """SIGKILL the process and every descendant (a lost node). RQ's work-horses run in their own process
        groups, so killing the group alone would leave a horse finishing the job."""
        if self.process is None:
            return
        for child in self.children():
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, *, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        if self.alive():
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
            except ProcessLookupError:
                pass
        self._log.close()


def wait_until(
    condition: Callable[[], object], *, timeout: float = 10.0, interval: float = 0.05, message: str = ""
) -> object:
    """Poll ``condition`` until it returns something truthy; AssertionError with ``message`` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message or f"condition not met within {timeout} s")
        time.sleep(interval)
