"""The dependencies of jobs and handlers, built once per process by ``followthrough.wiring``.

RQ calls job functions by name with plain arguments, so a worker needs its collaborators (Redis, the store, the
notifier, the connectors, the policy) from somewhere other than the arguments. ``configure`` sets them once at
worker start, before any job runs; forked work-horses inherit them. Nothing here builds a client.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from approvals.core.grounding import JiraCatalog, Lookups, SalesforceCatalog
from approvals.core.policy import Policy, PolicyError, load_policy
from approvals.core.ports import AnswerReader, Connector, Directory, Extractor, Notifier, ThreadReader
from approvals.flow.audit import FILE_WATCHER
from approvals.flow.commitment_store import CommitmentStore
from approvals.flow.inbox import Inbox
from approvals.flow.leases import Leases
from approvals.flow.ledger import Ledger
from approvals.flow.parking import ParkingLot
from approvals.flow.store import ProposalStore

logger = logging.getLogger(__name__)

INTAKE_QUEUE = "followthrough-intake"
ACTIONS_QUEUE = "followthrough-actions"


@dataclass(frozen=True)
class Timing:
    """Durations the jobs use; tests shorten them, production keeps the defaults."""

    lease_seconds: float = 15.0
    """How long a lease (approvals.flow.leases) outlives a process that died holding it; a live holder renews it."""
    undo_window: float = 86400.0
    """How long after a result its Undo button works."""
    question_ttl: float = 7 * 86400.0
    """How long a question waits for the requester's answer before the request expires."""
    retry_delays: tuple[float, ...] = (5.0, 30.0, 120.0, 600.0, 1800.0)
    index_lag_window: float = 120.0
    """The longest wait for a system's search to show an earlier attempt before a create is sent again."""
    learn_index_lag: bool = True
    """Wait as long as the search is measured to lag (approvals.flow.search_lag), within ``index_lag_window``."""
    reaper_interval: float = 30.0
    stale_intake_after: float = 60.0
    stale_execution_after: float = 15.0
    """An approved proposal no run has touched for this long, with no run alive and no job waiting, is re-queued."""
    announce_grace: float = 5.0
    """An owed announcement older than this is the reaper's to make (its announcer died or could not reach Slack)."""
    running_notice_after: float = 60.0
    """An approved request still being retried after this long is said to be, with the time of the next try, once
    per such period (0: never)."""
    job_timeout: int = 90
    retention: float = 30 * 86400.0
    """How long a finished proposal stays in Redis once its audit is archived (approvals.flow.retention)."""
    max_attempts: int = 3
    """How many times a request is taken in (an answer acted on, an undo prepared) before the work is parked."""


PolicyObserver = Callable[[Policy, str | None, str], None]
"""Told of a policy load: the policy, the file's text (None if unreadable), and who loaded it."""


class PolicySource:
    """The current policy of this process, following the file; a bad file never replaces a good one.

    Every process (the bot and each worker) holds one. ``current`` looks at the file at most every
    ``check_interval`` seconds and loads it again when it changed, so an edited policy reaches all processes within
    seconds of a `/followthrough policy reload` or a deploy. When the new file is invalid, the last good policy
    stays in force and ``last_error`` says why (logged once per broken version).

    ``observe`` registers who hears of each load (the audit, approvals.flow.audit.AuditLog.record_policy): a load that
    changed the policy, and every reload a person asked for, with who (``FILE_WATCHER`` when nobody did) and the
    file's text. A failing observer is logged; it never keeps a good policy from loading.
    """

    def __init__(
        self, path: Path | str, *, check_interval: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.path = Path(path)
        self.check_interval = check_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._policy = load_policy(self.path)
        self._signature = self._file_signature()
        self._checked_at = clock()
        self.last_error: PolicyError | None = None
        self.text = self._text_of(self._policy)
        """The text of the file the policy in force was loaded from (None if it changed again while read)."""
        self._observers: list[PolicyObserver] = []

    def observe(self, observer: PolicyObserver) -> None:
        self._observers.append(observer)

    def _text_of(self, policy: Policy) -> str | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError:
            return None
        return text if hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] == policy.content_hash else None

    def _file_signature(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    @property
    def current(self) -> Policy:
        now = self._clock()
        with self._lock:
            due = now - self._checked_at >= self.check_interval
            if due:
                self._checked_at = now
        if due and self._file_signature() != self._signature:
            self.reload_if_changed()
        with self._lock:
            return self._policy

    def reload(self, *, by: str = FILE_WATCHER) -> Policy:
        """Load the file again; PolicyError (with every problem) leaves the current policy in place. ``by`` is the
        person who asked (a Slack user id), or ``FILE_WATCHER``."""
        signature = self._file_signature()
        try:
            fresh = load_policy(self.path)
        except PolicyError as exc:
            with self._lock:
                already_reported = self._signature == signature and self.last_error is not None
                self._signature, self.last_error = signature, exc
            if not already_reported:
                logger.error("policy file %s is invalid, keeping the last good policy: %s", self.path, exc)
            raise
        text = self._text_of(fresh)
        with self._lock:
            previous, self._policy = self._policy, fresh
            self._signature, self.last_error = signature, None
            self.text = text
        if previous.content_hash != fresh.content_hash:
            logger.info("policy reloaded from %s: %s -> %s", self.path, previous.content_hash, fresh.content_hash)
        if previous.content_hash != fresh.content_hash or by != FILE_WATCHER:
            self._tell(fresh, text, by)
        return fresh

    def _tell(self, policy: Policy, text: str | None, by: str) -> None:
        for observer in self._observers:
            try:
                observer(policy, text, by)
            except Exception:
                logger.exception("policy %s loaded, but recording it (by %s) failed", policy.content_hash, by)

    def reload_if_changed(self) -> Policy:
        """Reload when the file changed; keep the last good policy (and remember why) on errors."""
        try:
            return self.reload()
        except PolicyError:
            with self._lock:
                return self._policy


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
    salesforce_catalog: SalesforceCatalog | None = None
    answers: AnswerReader | None = None
    """Reads a typed answer to a question (a date, an amount) the way the offline parser reads requests."""
    date_order: str = "MD"
    """How the workspace writes a numeric date like 12/1: "MD" (December 1st) or "DM" (12 January)."""
    warm_caches: Callable[[], None] | None = None
    """Loads directory and catalog caches in a worker's parent process, so forked jobs start with them."""

    @property
    def commitments(self) -> CommitmentStore:
        """Follow-ups (approvals.core.commitments) in Redis."""
        return CommitmentStore(self.connection, clock=self.clock, audit_log=self.store.audit)

    @cached_property
    def leases(self) -> Leases:
        """One process at a time on a request, a run, an action, a card (approvals.flow.leases)."""
        return Leases(self.connection)

    @property
    def parking(self) -> ParkingLot:
        return ParkingLot(self.connection, clock=self.clock)

    @property
    def lookups(self) -> Lookups:
        return Lookups(directory=self.directory, jira=self.jira_catalog, salesforce=self.salesforce_catalog)

    @property
    def intake_queue(self) -> Queue:
        return Queue(INTAKE_QUEUE, connection=self.connection, default_timeout=self.timing.job_timeout)

    @property
    def actions_queue(self) -> Queue:
        return Queue(ACTIONS_QUEUE, connection=self.connection, default_timeout=self.timing.job_timeout)


_WAITING_JOB_STATUSES = frozenset({JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED})


def job_waiting(rt: Runtime, job_id: str) -> bool:
    """The job is queued or scheduled. A 'started' job does not count: its worker may have died. Neither does a
    'queued' one that is no longer in its queue: a worker took it and died before marking it started (RQ's own
    clean-up of those takes minutes)."""
    try:
        job = Job.fetch(job_id, connection=rt.connection)
        status = job.get_status()
    except NoSuchJobError:
        return False
    if status is JobStatus.QUEUED:
        return rt.connection.lpos(Queue(job.origin, connection=rt.connection).key, job_id) is not None
    return status in _WAITING_JOB_STATUSES


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
