"""``make demo`` (``python -m sandbox.demo``) says what it starts as it starts it, then prints the page's address,
and stops everything it started on SIGTERM. It runs the real bot and worker, as ``make demo`` does."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_the_demo_announces_each_part_as_it_starts_and_stops_them_all(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if "proxy" not in k.lower() and k != "REDIS_URL" and not k.startswith("OPENAI_")
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.demo", "--dir", str(tmp_path / "demo")],
        cwd=REPO,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or ()], daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while not any("Open the sandbox page:" in line for line in seen):
            assert process.poll() is None or not lines.empty(), "the demo exited:\n" + "".join(seen)
            assert time.monotonic() < deadline, "no page address within 60 s:\n" + "".join(seen)
            with contextlib.suppress(queue.Empty):
                seen.append(lines.get(timeout=0.5))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        reader.join(timeout=5)
    while not lines.empty():
        seen.append(lines.get())
    output = "".join(seen)
    assert process.returncode == 0, output

    def position(pattern: str) -> int:
        found = re.search(pattern, output, re.MULTILINE)
        assert found, f"{pattern!r} is not in the demo's output:\n{output}"
        return found.start()

    announced = [
        position(r"^>>> Starting the sandbox \("),
        position(r"^>>> The sandbox is up: slack http://127\.0\.0\.1:\d+, .*page http://127\.0\.0\.1:\d+/"),
        position(r"^>>> Starting a private Redis \(.*redis-server\)"),
        position(r"^>>> Redis is up: redis://127\.0\.0\.1:\d+/0"),
        position(r"^>>> Starting Followthrough's worker \(python app\.py worker; log: .*worker\.log\)"),
        position(r"^>>> Starting Followthrough's bot \(python app\.py; log: .*bot\.log\)"),
        position(r"^>>> Followthrough is running: bot \(pid \d+\)"),
        position(r"Open the sandbox page: +http://127\.0\.0\.1:\d+/#as=dana"),
        position(r"^>>> Stopped\. Nothing is left running\."),
    ]
    assert announced == sorted(announced), output
    assert (tmp_path / "demo" / "bot.log").exists() and (tmp_path / "demo" / "worker.log").exists()
