"""Shared fixtures: the seed, a loop thread for single emulators, a private Redis, the sandbox, and
Followthrough's real processes for end-to-end tests.

The Redis server and the sandbox live for the whole session; every test gets them reset (Redis flushed, every
emulator back to its seed). The bot and worker processes are started per test, so no test inherits another's
queued jobs, and a failing test's report carries both processes' logs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from sandbox.harness import Sandbox
from sandbox.postgres_server import PostgresServer
from sandbox.processes import REPO, ProductProcess, wait_until
from sandbox.redis_server import RedisServer
from sandbox.seed import Seed, load_seed
from sandbox.server import ServerThread
from tests.flow import Flow, running_flow

NORTHWIND_POLICY = REPO / "policies" / "northwind.yml"

# Short durations so crash recovery, retries and the reaper fit in a test; production keeps the defaults.
FAST_TIMING = {
    "FOLLOWTHROUGH_LEASE_SECONDS": "3",
    "FOLLOWTHROUGH_RETRY_DELAYS": "1,1,1,1,1",
    "FOLLOWTHROUGH_INDEX_LAG_WINDOW": "2",
    "FOLLOWTHROUGH_REAPER_INTERVAL": "1",
    "FOLLOWTHROUGH_STALE_AFTER": "2",
    "FOLLOWTHROUGH_LOG_LEVEL": "INFO",
}


FAST_SETTINGS = {name.lower(): value for name, value in FAST_TIMING.items()}


def pytest_configure(config: pytest.Config) -> None:
    # slack_sdk's Socket Mode client ignores NO_PROXY: a proxy variable would swallow every local WebSocket.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        os.environ.pop(name, None)


@pytest.fixture(scope="session")
def seed() -> Seed:
    return load_seed()


@pytest.fixture(scope="session")
def server_thread() -> Iterator[ServerThread]:
    """One loop thread for tests that serve a single emulator (see tests/emulators.py)."""
    server = ServerThread()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture
def redis_db(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = redis_server.client()
    client.flushall()
    yield client
    client.close()


@pytest.fixture(scope="session")
def sandbox_session() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    """A private PostgreSQL per test module (Debian's binaries, a free port, a temporary directory)."""
    server = PostgresServer().initialise().start()
    yield server
    server.destroy()


@pytest.fixture
def sandbox(sandbox_session: Sandbox) -> Sandbox:
    sandbox_session.reset()
    return sandbox_session


@pytest.fixture
def product_env(sandbox: Sandbox, redis_server: RedisServer, redis_db: redis.Redis) -> dict[str, str]:
    """The environment of a deployment pointed at the sandbox (offline parser: no OpenAI variables)."""
    env = {k: v for k, v in sandbox.environment().items() if not k.startswith("OPENAI_")}
    env.update(REDIS_URL=redis_server.url, FOLLOWTHROUGH_POLICY=str(NORTHWIND_POLICY), **FAST_TIMING)
    return env


@dataclass
class Product:
    """The running product: its processes, environment and a way to start more of them."""

    env: dict[str, str]
    log_dir: Path
    sandbox: Sandbox
    processes: list[ProductProcess] = field(default_factory=list)

    def start_bot(self, name: str = "bot") -> ProductProcess:
        return self._spawn_bot(name)()

    def start_worker(self, name: str = "worker") -> ProductProcess:
        return self._spawn_worker(name)()

    def start(self, *, bot: bool = True, worker: bool = True) -> None:
        """Start the worker and the bot side by side, then wait until both are ready: each spends about a second
        importing and connecting, and neither needs the other to start."""
        ready = [*([self._spawn_worker("worker")] if worker else []), *([self._spawn_bot("bot")] if bot else [])]
        for wait in ready:
            wait()

    def _spawn_bot(self, name: str) -> Callable[[], ProductProcess]:
        """Start a bot process; returns the wait for its Slack connection."""
        driver = self.sandbox.slack.driver
        # Wait for a connection that was not there before: a killed bot's socket may vanish meanwhile, so a count
        # of connections could stay the same while the new bot connects.
        before = {c["id"] for c in driver.connections()}
        bot = ProductProcess(name, [], self.env, self.log_dir).start()
        self.processes.append(bot)

        def connected() -> ProductProcess:
            wait_until(
                lambda: {c["id"] for c in driver.connections() if not c.get("draining")} - before or not bot.alive(),
                timeout=20,
                message=f"{name} did not connect to Slack",
            )
            if not bot.alive():
                raise AssertionError(f"{name} exited:\n{bot.log()}")
            return bot

        return connected

    def _spawn_worker(self, name: str) -> Callable[[], ProductProcess]:
        """Start a worker process; returns the wait for its start-up line."""
        worker = ProductProcess(name, ["worker"], self.env, self.log_dir).start()
        self.processes.append(worker)

        def started() -> ProductProcess:
            worker.wait_for_log("worker starting", timeout=20)
            return worker

        return started

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


@pytest.fixture
def start_product(
    product_env: dict[str, str], sandbox: Sandbox, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Product]]:
    """Start the bot and a worker (optionally with extra environment); stopped after the test."""
    started: list[Product] = []
    request.node.ft_products = started  # read by the report hook, including processes started later

    def start(*, bot: bool = True, worker: bool = True, **extra_env: str) -> Product:
        product = Product(env={**product_env, **extra_env}, log_dir=tmp_path, sandbox=sandbox)
        started.append(product)
        product.start(bot=bot, worker=worker)
        return product

    yield start
    # The test is over and nothing is asserted on how its processes stop: they are killed (children included), so
    # nothing of theirs runs on into the next test's reset. A polite stop cost 1 to 2 s a test (RQ's scheduler and
    # pub/sub threads each wake once a second to see it).
    for process in [p for product in started for p in product.processes]:
        process.kill()
        process.stop()  # already gone: closes its log


@pytest.fixture
def product(start_product: Callable[..., Product]) -> Product:
    return start_product()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    report: pytest.TestReport = yield
    if report.failed:
        for process in [p for product in getattr(item, "ft_products", []) for p in product.processes]:
            report.sections.append((f"log of {process.name}", process.log()[-20000:]))
    return report


@pytest.fixture
def flow(sandbox: Sandbox, redis_server: RedisServer, redis_db: redis.Redis) -> Iterator[Flow]:
    """The bot's listeners and the jobs in this process (tests/flow.py), against the sandbox and a clean Redis."""
    with running_flow(sandbox, redis_server.url, policy=NORTHWIND_POLICY, **FAST_SETTINGS) as product:
        yield product
