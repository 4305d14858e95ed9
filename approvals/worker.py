"""Followthrough's RQ worker: RQ's forking worker plus three duties in its periodic maintenance pass.

1. The reaper (``approvals.jobs.reap_once``), at most once per interval across all workers (a Redis lock).
   Maintenance runs in the worker's main thread between jobs, never concurrently with a fork.
2. Taking over the scheduler after a crash. RQ's scheduler holds a lock per queue that outlives a killed holder by
   about a minute, and other workers only retry it in maintenance; until then nothing scheduled (our retries with
   Retry-After, expiry) runs. When the holder ran on this host and its process is gone, the lock is released with a
   compare-and-delete, and RQ's own maintenance acquires it in the same pass. Across hosts the lock just expires.
3. Warming the caches (people, user groups, the Jira catalog) in this parent process, so every forked job starts
   with them instead of asking Slack and Jira again.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from redis import Redis
from rq import Worker
from rq.exceptions import SchedulerNotFound
from rq.scheduler import SCHEDULER_LOCKING_KEY_TEMPLATE, RQScheduler

from approvals.jobs import reap_once
from approvals.runtime import current

logger = logging.getLogger(__name__)

REAPER_LOCK = "ft:reaper-lock"

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


def release_dead_scheduler_locks(connection: Redis, queue_names: list[str]) -> list[str]:
    """Release scheduler locks whose holder ran on this host and no longer exists; returns the queue names."""
    released: list[str] = []
    hostname = socket.gethostname()
    release = connection.register_script(_RELEASE_IF_HOLDER)
    for name in queue_names:
        key = SCHEDULER_LOCKING_KEY_TEMPLATE % name
        holder = connection.get(key)
        if holder is None:
            continue
        holder_name = holder.decode()
        try:
            scheduler = RQScheduler.fetch(holder_name, connection=connection)
        except SchedulerNotFound:
            continue  # no metadata: we cannot tell where it runs, so let the lock expire
        dead_here = scheduler.hostname == hostname and not _process_alive(scheduler.pid)
        if dead_here and release(keys=[key], args=[holder_name]):
            released.append(name)
            logger.warning("scheduler lock for %s released: its holder (pid %d) is gone", name, scheduler.pid)
    return released


class FollowthroughWorker(Worker):
    def __init__(self, *args: Any, reaper_interval: float = 30.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reaper_interval = reaper_interval

    def run_maintenance_tasks(self) -> None:
        if self.last_cleaned_at is not None:
            release_dead_scheduler_locks(self.connection, self.queue_names())
        super().run_maintenance_tasks()
        warm = current().warm_caches
        if warm is not None:
            try:
                warm()
            except Exception:
                logger.exception("warming the caches failed; jobs will load what they need themselves")
        if self.connection.set(REAPER_LOCK, self.name, nx=True, px=max(1, int(self.reaper_interval * 1000))):
            try:
                counts = reap_once(current())
            except Exception:
                logger.exception("reaper pass failed; it runs again in %.0f s", self.reaper_interval)
            else:
                if any(counts.values()):
                    logger.info("reaper: %s", counts)
