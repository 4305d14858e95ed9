"""The dependencies of jobs and handlers, built once per process by ``app.py``.

RQ calls job functions by name with plain arguments, so a worker needs its collaborators (Redis, the store, the
notifier, the connectors, the policy) from somewhere other than the arguments. ``configure`` sets them once at
worker start, before any job runs; forked work-horses inherit them. Nothing here builds a client: ``app.py`` does.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis
from rq import Queue

from approvals.grounding import JiraCatalog
from approvals.inbox import Inbox
from approvals.ledger import Ledger
from approvals.policy import Policy, PolicyError, load_policy
from approvals.ports import Connector, Directory, Extractor, Notifier, ThreadReader
from approvals.store import ProposalStore

logger = logging.getLogger(__name__)

INTAKE_QUEUE = "followthrough-intake"
ACTIONS_QUEUE = "followthrough-actions"


@dataclass(frozen=True)
class Timing:
    """Durations the jobs use; tests shorten them, production keeps the defaults."""

    lease_seconds: float = 120.0
    retry_delays: tuple[float, ...] = (5.0, 30.0, 120.0, 600.0, 1800.0)
    index_lag_window: float = 120.0
    reaper_interval: float = 30.0
    stale_intake_after: float = 60.0
    stale_execution_after: float = 180.0
    job_timeout: int = 90


class PolicySource:
    """The current policy, reloadable without a restart; a bad file never replaces a good one."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._policy = load_policy(self.path)

    @property
    def current(self) -> Policy:
        with self._lock:
            return self._policy

    def reload(self) -> Policy:
        """Load the file again; PolicyError (with every problem) leaves the current policy in place."""
        fresh = load_policy(self.path)
        with self._lock:
            previous, self._policy = self._policy, fresh
        if previous.content_hash != fresh.content_hash:
            logger.info("policy reloaded from %s: %s -> %s", self.path, previous.content_hash, fresh.content_hash)
        return fresh

    def reload_if_changed(self) -> Policy:
        """Reload when the file's content differs; keep the last good policy (and log why) on errors."""
        try:
            return self.reload()
        except PolicyError as exc:
            logger.error("policy file %s is invalid, keeping the last good policy: %s", self.path, exc)
            return self.current


@dataclass
class Runtime:
    connection: Redis
    store: ProposalStore
    inbox: Inbox
    ledger: Ledger
    policy: PolicySource
    directory: Directory
    threads: ThreadReader
    extractor: Extractor
    notifier: Notifier
    connectors: Mapping[str, Connector]
    jira_catalog: JiraCatalog | None
    clock: Callable[[], dt.datetime]
    timing: Timing = field(default_factory=Timing)
    warm_caches: Callable[[], None] | None = None
    """Loads directory and catalog caches in a worker's parent process, so forked jobs start with them."""

    @property
    def intake_queue(self) -> Queue:
        return Queue(INTAKE_QUEUE, connection=self.connection, default_timeout=self.timing.job_timeout)

    @property
    def actions_queue(self) -> Queue:
        return Queue(ACTIONS_QUEUE, connection=self.connection, default_timeout=self.timing.job_timeout)


_runtime: Runtime | None = None


def configure(runtime: Runtime) -> None:
    global _runtime
    _runtime = runtime


def current() -> Runtime:
    if _runtime is None:
        raise RuntimeError(
            "the worker was started without its dependencies; start it with `python app.py worker`, "
            "not with a bare `rq worker`"
        )
    return _runtime
