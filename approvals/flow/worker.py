"""Followthrough's RQ worker: RQ's forking worker, a scheduler no crash can hold, and duties in its maintenance pass.

1. The reaper (``approvals.flow.reaping.reap_once``), at most once per ``reaper_interval`` across all workers (a Redis
   lock), and its quick duties (``rescue_once``: a request or a run whose process died is queued again, an
   announcement a dead process left owed is made) every ``RESCUE_INTERVAL``, so a crash costs seconds, not the
   reaper's interval. Maintenance runs in the worker's main thread between jobs, never concurrently with a fork;
   an idle worker wakes for it every ``RESCUE_INTERVAL`` (RQ's would block on the queue for the reaper's
   interval).
2. The scheduler. RQ runs one scheduler per queue across all workers: a child process of one worker holds the lock
   ``rq:scheduler-lock:<queue>`` (its name, with a 61 s time-to-live it renews every second) and moves due jobs
   (our retries with Retry-After, deadlines, reminders) onto the queues. A holder that is SIGKILLed keeps the lock
   for up to a minute, and RQ tries it again only in a worker's maintenance pass; workers killed less than 30 s
   apart left no scheduler for 97 s. So every worker runs a watch (a thread, once a second): a lock whose holder is
   dead is released with a compare-and-delete, and this worker's scheduler takes it. A holder is dead when its
   heartbeat (``last_heartbeat`` in RQ's ``rq:scheduler:<name>``, written every second by the scheduler itself)
   is older than ``SCHEDULER_DEAD_AFTER``, when that record is gone, or, on this host, when its process is gone
   (at once). The heartbeat works across hosts (within their clocks' skew); the process check only makes it
   quicker here. Scheduled work resumes within a few seconds of any worker being alive.
   A holder that is only slow past ``SCHEDULER_DEAD_AFTER`` loses its lock at its next renewal and stops
   scheduling; for a moment both may move the same due job, which then runs twice: every job here is safe to run
   twice.
3. Warming the caches (people, user groups, the Jira catalog) in this parent process, so every forked job starts
   with them instead of asking Slack and Jira again.
4. Jobs queued by an earlier version under an entry point since renamed run under its new name
   (``approvals.flow.queueing.RENAMED``): a job in Redis outlives a deploy.
5. Retention, at most once an hour across workers when the audit is archived (approvals.flow.retention): finished
   proposals older than the retention period leave Redis once the archive holds their whole trail.
6. Archiving the audit trail to PostgreSQL, when FOLLOWTHROUGH_AUDIT_DATABASE_URL is set (approvals.flow.archive: one
   worker at a time, backing off while PostgreSQL is down; the entries wait in Redis meanwhile).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Any

from redis import ConnectionPool, Redis
from redis.exceptions import RedisError
from rq import Queue, Worker, worker_registration
from rq.job import Job
from rq.registry import clean_registries
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, SCHEDULER_LOCKING_KEY_TEMPLATE
from rq.utils import now

from approvals.flow import keys
from approvals.flow.queueing import RENAMED
from approvals.flow.reaping import reap_once, rescue_once
from approvals.flow.retention import retire_if_due
from approvals.flow.runtime import current

logger = logging.getLogger(__name__)

REAPER_LOCK = keys.REAPER_LOCK
RESCUE_LOCK = keys.RESCUE_LOCK
RESCUE_INTERVAL = 5.0
"""How often (at most, across all workers) the reaper's quick duties run."""
CLEANING_LOCK_SECONDS = 60
"""RQ's registry-cleaning lock lasts 899 s: a worker killed while cleaning stopped all cleaning for 15 minutes."""

SCHEDULER_WATCH_INTERVAL = 1.0
"""How often each worker looks at the scheduler locks."""
SCHEDULER_DEAD_AFTER = 3.0
"""A scheduler that has not beaten for this long is dead (it beats every second)."""

_RELEASE_IF_HOLDER = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


SCHEDULER_LOCK_TTL = 61.0
"""The time-to-live RQ's scheduler gives its lock at every heartbeat (its one-second interval + 60 s)."""


def scheduler_dead(
    connection: Redis, lock_key: str, holder: str, *, hostname: str, dead_after: float = SCHEDULER_DEAD_AFTER
) -> bool:
    """Whether the scheduler ``holder`` of ``lock_key`` has stopped: it has not renewed the lock for
    ``dead_after`` seconds (Redis counts the lock's time-to-live down, so no host's clock is involved), or it ran
    on this host and its process is gone."""
    raw = connection.hget(SCHEDULER_KEY_TEMPLATE % holder, "pid")
    if raw is not None and raw.isdigit() and int(raw) > 0:
        where = connection.hget(SCHEDULER_KEY_TEMPLATE % holder, "hostname")
        if where is not None and where.decode() == hostname and not _process_alive(int(raw)):
            return True
    ttl_ms = connection.pttl(lock_key)
    return 0 <= ttl_ms < (SCHEDULER_LOCK_TTL - dead_after) * 1000


def release_dead_scheduler_locks(
    connection: Redis, queue_names: list[str], *, dead_after: float = SCHEDULER_DEAD_AFTER
) -> list[str]:
    """Release the scheduler locks of ``queue_names`` whose holder is dead; returns those queue names."""
    released: list[str] = []
    hostname = socket.gethostname()
    release = connection.register_script(_RELEASE_IF_HOLDER)
    for name in queue_names:
        key = SCHEDULER_LOCKING_KEY_TEMPLATE % name
        holder = connection.get(key)
        if holder is None:
            continue
        holder_name = holder.decode()
        if scheduler_dead(connection, key, holder_name, hostname=hostname, dead_after=dead_after) and release(
            keys=[key], args=[holder_name]
        ):
            released.append(name)
            logger.warning("scheduler lock for %s released: its holder %s stopped renewing it", name, holder_name)
    return released


class FollowthroughWorker(Worker):
    def __init__(self, *args: Any, reaper_interval: float = 30.0, **kwargs: Any) -> None:
        # Before RQ's constructor: it sizes the connection's socket timeout from dequeue_timeout.
        self.reaper_interval = reaper_interval
        self.rescue_interval = min(reaper_interval, RESCUE_INTERVAL)
        super().__init__(*args, **kwargs)
        self.maintenance_interval = max(1, min(self.maintenance_interval, int(self.rescue_interval)))
        self._scheduler_guard = threading.RLock()
        self._watch_stop = threading.Event()
        self._watch: threading.Thread | None = None

    # -- running a job ---------------------------------------------------------------------------------------------

    def perform_job(self, job: Job, queue: Queue) -> bool:
        renamed = RENAMED.get(job.func_name or "")
        if renamed is not None:
            logger.info("job %s: %s is now %s", job.id, job.func_name, renamed)
            # RQ resolves ``job.func`` from this name each time; the job's stored data is left as it was.
            job._func_name = renamed
        return super().perform_job(job, queue)

    # -- the scheduler -------------------------------------------------------------------------------------------

    def _start_scheduler(self, burst: bool = False, *args: Any, **kwargs: Any) -> None:
        with self._scheduler_guard:
            if not burst:
                # A lock a dead scheduler left must not cost this worker its first chance at it.
                release_dead_scheduler_locks(self.connection, self.queue_names())
            super()._start_scheduler(burst, *args, **kwargs)
        if not burst and self.scheduler is not None:
            self._watch = threading.Thread(target=self._watch_scheduler, name="scheduler watch", daemon=True)
            self._watch.start()

    def _watch_scheduler(self) -> None:
        # Its own connection: a work-horse forked meanwhile never shares a pool with this thread.
        pool = self.connection.connection_pool
        own_pool = ConnectionPool(connection_class=pool.connection_class, **pool.connection_kwargs)
        connection = Redis(connection_pool=own_pool)
        while not self._watch_stop.wait(SCHEDULER_WATCH_INTERVAL):
            try:
                self.keep_scheduler(connection)
            except RedisError as exc:
                logger.warning("scheduler watch: Redis is unavailable (%s); looking again in a second", exc)
            except Exception:
                logger.exception("scheduler watch failed; looking again in a second")
        connection.close()

    def keep_scheduler(self, connection: Redis) -> None:
        """Take over scheduling when its holder died: release dead holders' locks, then (re)start this worker's
        scheduler if it does not run, or runs without a lock that is now free."""
        scheduler = self.scheduler
        if scheduler is None:
            return
        with self._scheduler_guard:
            if self._watch_stop.is_set():
                return
            names = self.queue_names()
            release_dead_scheduler_locks(connection, names)
            holders = [connection.get(SCHEDULER_LOCKING_KEY_TEMPLATE % name) for name in names]
            ours = scheduler.name.encode()
            running = scheduler._process is not None and scheduler._process.is_alive()
            if running and all(holder == ours for holder in holders):
                return
            if None not in holders and (running or ours not in holders):
                return  # every lock is held by a live scheduler (ours among them if it runs)
            if running:
                # Ours runs but without a lock that is free now: it only looks for locks every two minutes.
                logger.info("scheduler %s: restarting it to take the free scheduler locks", scheduler.name)
                Worker.stop_scheduler(self)
            acquired = scheduler.acquire_locks(auto_start=True)
            if acquired:
                logger.warning("scheduler %s took over scheduling for %s", scheduler.name, ", ".join(sorted(acquired)))

    def stop_scheduler(self) -> None:
        self._watch_stop.set()
        with self._scheduler_guard:
            super().stop_scheduler()

    def subscribe(self) -> None:
        """RQ's command channel, listened to by a thread that wakes every second: RQ's 60 s made stopping a worker
        wait up to a minute (redis-py's thread, once unsubscribed, sleeps its whole interval before it sees the
        stop)."""
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=1.0, daemon=True, exception_handler=self._pubsub_exception_handler
        )

    # -- maintenance ---------------------------------------------------------------------------------------------

    def clean_registries(self) -> None:
        """RQ's clean-up of each queue's registries (abandoned jobs, jobs stuck between dequeue and start), by one
        worker at a time, under a lock a killed worker holds for ``CLEANING_LOCK_SECONDS``, not 15 minutes."""
        for queue in self.queues:
            if self.connection.set(queue.registry_cleaning_key, 1, nx=True, ex=CLEANING_LOCK_SECONDS):
                try:
                    clean_registries(queue, self._exc_handlers)
                    worker_registration.clean_worker_registry(queue)
                    queue.intermediate_queue.cleanup(self, queue)
                finally:
                    queue.release_maintenance_lock()
        self.last_cleaned_at = now()

    @property
    def dequeue_timeout(self) -> int:
        """An idle worker stops waiting for a job this often, to run its maintenance (RQ: worker_ttl - 15 s)."""
        return max(1, min(self.worker_ttl - 15, int(self.rescue_interval)))

    def run_maintenance_tasks(self) -> None:
        with self._scheduler_guard:
            super().run_maintenance_tasks()
        warm = current().warm_caches
        if warm is not None:
            try:
                warm()
            except Exception:
                logger.exception("warming the caches failed; jobs will load what they need themselves")
        archive = current().store.audit.archive
        if archive is not None:
            try:
                archive.drain_if_due(self.connection)
            except Exception:
                logger.exception("archiving the audit trail failed; the entries wait in Redis for the next pass")
            retire_if_due(current())
        for lock, interval, duties in (
            (REAPER_LOCK, self.reaper_interval, reap_once),
            (RESCUE_LOCK, self.rescue_interval, rescue_once),
        ):
            # The full pass includes the quick duties; at most one of either per interval across all workers.
            if self.connection.set(lock, self.name, nx=True, px=max(1, int(interval * 900))):
                try:
                    counts = duties(current())
                except Exception:
                    logger.exception("reaper pass failed; it runs again in %.0f s", interval)
                else:
                    if any(counts.values()):
                        logger.info("reaper: %s", counts)
                break
