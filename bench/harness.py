"""Shared set-up for the benchmarks: the sandbox, a private Redis and Followthrough's real processes."""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.harness import Sandbox
from sandbox.processes import REPO, ProductProcess, wait_until
from sandbox.redis_server import RedisServer

POLICY = REPO / "policies" / "northwind.yml"


@dataclass
class Running:
    sandbox: Sandbox
    env: dict[str, str]
    log_dir: Path
    processes: list[ProductProcess] = field(default_factory=list)


@contextlib.contextmanager
def running_product(*, workers: int = 1, bot: bool = True, **extra_env: str) -> Iterator[Running]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        os.environ.pop(name, None)
    log_dir = Path(tempfile.mkdtemp(prefix="ft-bench-"))
    with Sandbox() as sandbox, RedisServer() as redis_server:
        env = {k: v for k, v in sandbox.environment().items() if not k.startswith("OPENAI_")}
        env.update(REDIS_URL=redis_server.url, FOLLOWTHROUGH_POLICY=str(POLICY), FOLLOWTHROUGH_LOG_LEVEL="WARNING")
        env.update(extra_env)
        running = Running(sandbox=sandbox, env=env, log_dir=log_dir)
        try:
            for n in range(workers):
                worker = ProductProcess(f"worker-{n}", ["worker"], env, log_dir).start()
                running.processes.append(worker)
            if bot:
                bot_process = ProductProcess("bot", [], env, log_dir).start()
                running.processes.append(bot_process)
                wait_until(
                    lambda: sandbox.slack.driver.connection_count() > 0, timeout=30, message="bot never connected"
                )
            yield running
        finally:
            for process in running.processes:
                process.stop()


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def describe(label: str, seconds: Sequence[float]) -> str:
    ms = [s * 1000 for s in seconds]
    if not ms:
        return f"{label:<48} no samples"
    return (
        f"{label:<48} n={len(ms):<4} p50={percentile(ms, 50):8.1f} ms  p99={percentile(ms, 99):8.1f} ms  "
        f"max={max(ms):8.1f} ms  mean={statistics.fmean(ms):8.1f} ms"
    )
