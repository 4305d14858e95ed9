"""The product in one process, for fast scenario tests: the real Bolt app over Socket Mode, jobs on a SimpleWorker.

What is real: the sandbox's Slack, Jira and Salesforce over HTTP and WebSocket; slack-bolt's ``SocketModeHandler``
with the bot's own listeners (``bot.listeners.register``) and middleware; the runtime ``app.build_runtime`` builds
for a deployment (the same settings, clients, connectors and policy); a real Redis; RQ jobs run by an RQ
``SimpleWorker`` in burst mode (no fork). What is not: the processes of the ``Procfile`` (their start-up, signals,
kills, forks), which the end-to-end tests in ``tests/e2e`` keep covering.

``settle()`` is the one synchronisation point: it waits until Slack has every envelope acked and the bot's listener
threads are idle, runs the queued jobs, and repeats until nothing moves, so a test reads the outcome of a request
right after it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from app import build_runtime, load_settings, utc_now
from approvals.flow.runtime import Runtime, configure
from approvals.flow.worker import FollowthroughWorker
from bot.listeners import BotDependencies, register
from bot.socket_handler import AckingSocketModeHandler
from sandbox.harness import Sandbox
from sandbox.slack.bolt_session import BoltSession


class TrackingExecutor(ThreadPoolExecutor):
    """A thread pool that knows how many submitted tasks have not finished (the bot's listeners)."""

    def __init__(self, max_workers: int = 8) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self._lock = threading.Lock()
        self._busy = 0
        self.errors: list[BaseException] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            self._busy += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future[Any]) -> None:
        if future.exception() is not None:
            self.errors.append(future.exception())  # type: ignore[arg-type]
        with self._lock:
            self._busy -= 1

    @property
    def busy(self) -> int:
        with self._lock:
            return self._busy


class InProcessWorker(SimpleWorker, FollowthroughWorker):
    """Followthrough's worker (its maintenance pass: reaper, scheduler take-over) running jobs in this process:
    SimpleWorker's ``execute_job`` comes first in the method order, so nothing forks."""


class Flow:
    """The bot and a worker of Followthrough in this process, against ``sandbox`` and ``redis_url``."""

    def __init__(self, sandbox: Sandbox, redis_url: str, *, policy: Path, **settings: Any) -> None:
        env = {k.lower(): v for k, v in sandbox.environment().items() if not k.startswith("OPENAI_")}
        values = {
            **env,
            "redis_url": redis_url,
            "followthrough_policy": policy,
            "openai_api_key": None,
            "openai_base_url": None,
            **settings,
        }
        self.settings = load_settings(_env_file=None, **values)
        self.sandbox = sandbox
        self.driver = sandbox.slack.driver
        self.runtime: Runtime = build_runtime(self.settings)
        configure(self.runtime)
        self.listeners = TrackingExecutor()
        self.jobs_run = 0
        self.session = BoltSession(
            sandbox.slack, handler_class=AckingSocketModeHandler, listener_executor=self.listeners
        )
        register(self.session.app, BotDependencies(runtime=self.runtime, clock=utc_now))
        self.session.connect()

    def close(self) -> None:
        self.session.close()
        self.listeners.shutdown(wait=True)
        self.runtime.connection.close()

    # -- running what is queued -----------------------------------------------------------------------------

    def worker(self) -> InProcessWorker:
        rt = self.runtime
        return InProcessWorker(
            [rt.actions_queue, rt.intake_queue],
            connection=rt.connection,
            reaper_interval=rt.timing.reaper_interval,
        )

    def queued(self) -> int:
        return self.runtime.actions_queue.count + self.runtime.intake_queue.count

    def run_jobs(self) -> int:
        """Run every queued job (burst); returns how many jobs ran."""
        if not self.queued():
            return 0
        worker = self.worker()
        worker.work(burst=True, logging_level="WARNING", with_scheduler=False)
        ran = worker.successful_job_count + worker.failed_job_count
        self.jobs_run += ran
        return ran

    def run_scheduled(self, *, within: float = 0.0) -> int:
        """Queue the scheduled jobs due within ``within`` seconds from now (retries, deadlines); returns how many."""
        moved = 0
        for queue in (self.runtime.actions_queue, self.runtime.intake_queue):
            registry = ScheduledJobRegistry(queue=queue)
            due = registry.get_jobs_to_schedule(int(time.time() + within))
            for job_id in due:
                job = queue.fetch_job(job_id)
                registry.remove(job_id)
                if job is not None:
                    queue._enqueue_job(job)
                    moved += 1
        return moved

    def run_until(self, done: Callable[[], Any], *, timeout: float = 20.0, message: str = "") -> Any:
        """Settle, and queue the scheduled jobs as they fall due (RQ's scheduler, polled every 50 ms), until
        ``done()`` is truthy; returns its value. Time is real: a deadline the policy sets 2 s away takes 2 s."""
        deadline = time.monotonic() + timeout
        while True:
            self.settle()
            value = done()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(message or f"not done within {timeout} s ({self.jobs_run} job(s) run)")
            if not self.run_scheduled():
                time.sleep(0.05)

    def reap(self) -> dict[str, int]:
        from approvals.flow.reaping import reap_once

        return reap_once(self.runtime)

    def _quiet(self) -> bool:
        undelivered = [d for d in self.driver.deliveries() if d.get("status") in ("pending", "sent")]
        return not undelivered and self.listeners.busy == 0

    def settle(self, *, timeout: float = 15.0) -> None:
        """Wait for Slack's envelopes to be acked and the listeners to finish, run the queued jobs, repeat until
        nothing is left to do."""
        deadline = time.monotonic() + timeout
        calm = 0
        busy_seen = unacked_seen = 0
        spent = {"quiet": 0.0, "jobs": 0.0}
        while calm < 2:
            if time.monotonic() > deadline:
                unacked = [d for d in self.driver.deliveries() if d.get("status") in ("pending", "sent")]
                raise AssertionError(
                    f"the product did not settle within {timeout} s: {self.listeners.busy} listener(s) busy "
                    f"(seen busy {busy_seen} times, unacked {unacked_seen} times), {self.queued()} job(s) queued, "
                    f"{self.jobs_run} job(s) run, unacked deliveries: {unacked}, time spent {spent}"
                )
            started = time.monotonic()
            quiet = self._quiet()
            spent["quiet"] += time.monotonic() - started
            if not quiet:
                busy_seen += self.listeners.busy > 0
                unacked_seen += self.listeners.busy == 0
                calm = 0
                time.sleep(0.005)
                continue
            started = time.monotonic()
            ran = self.run_jobs()
            spent["jobs"] += time.monotonic() - started
            if ran:
                calm = 0
                continue
            calm += 1
            time.sleep(0.01)
        if self.listeners.errors:
            errors, self.listeners.errors = self.listeners.errors, []
            raise AssertionError(f"a listener raised: {errors!r}")


@contextmanager
def running_flow(sandbox: Sandbox, redis_url: str, *, policy: Path, **settings: Any) -> Iterator[Flow]:
    flow = Flow(sandbox, redis_url, policy=policy, **settings)
    try:
        yield flow
    finally:
        flow.close()
