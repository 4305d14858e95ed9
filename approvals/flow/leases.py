"""Leases: one process at a time on a piece of work, for as long as that process lives.

A lease is a Redis key (``SET NX PX``) holding a random token, released by compare-and-delete, so only its holder
releases it. A lease lives exactly as long as its holder: a thread of the holder's process renews it every third of
its time-to-live, so a job that runs for minutes keeps it, and a process that dies (SIGKILL, a lost node) lets it go
within ``seconds``. That is what lets the reaper tell a dead holder from a slow one without waiting for RQ's
abandoned-job detection.

Invariant: a lease is an optimisation, never the guarantee. A holder that finds its lease lost (Redis restarted
without the key, a stall longer than the time-to-live) goes on, so whatever a lease guards must itself be safe to
do twice: an action through the ledger (approvals.flow.ledger), a card through its posted marker, an intake through
its derived proposal id.

Names in use: ``intake:<request>``, ``answer:<proposal>``, ``execute:<proposal>``, ``<action id>``,
``cards:<proposal>``, ``announce:<proposal>``; keys ``ft:lease:<name>`` (approvals.flow.keys).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from approvals.flow import keys

logger = logging.getLogger(__name__)

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


class LeaseHeld(RuntimeError):
    """Another process holds this lease: the work is being done there; try again after the lease lapses."""


class _Renewal:
    """A daemon thread renewing one lease every third of its time-to-live until ``stop``."""

    def __init__(self, renew: Callable[..., Any], key: str, token: str, ttl_ms: int) -> None:
        self._renew = renew
        self._key = key
        self._token = token
        self._ttl_ms = ttl_ms
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease {key}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self._ttl_ms / 3000):
            try:
                if not self._renew(keys=[self._key], args=[self._token, self._ttl_ms]):
                    logger.warning("lease %s was lost (expired or taken); its holder goes on", self._key)
                    return
            except RedisError as exc:
                logger.warning("lease %s not renewed this time: %s", self._key, exc)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=1.0)


class Leases:
    def __init__(self, connection: Redis) -> None:
        self.connection = connection
        self._release = connection.register_script(_RELEASE)
        self._renew = connection.register_script(_RENEW)

    @contextmanager
    def hold(self, name: str, *, seconds: float) -> Iterator[None]:
        """Hold the lease ``name`` while the block runs (renewed meanwhile); LeaseHeld if someone else holds it.

        ``seconds`` is how long the lease outlives a holder that died without releasing it."""
        key = keys.lease(name)
        token = secrets.token_hex(8)
        ttl_ms = max(30, int(seconds * 1000))
        if not self.connection.set(key, token, nx=True, px=ttl_ms):
            raise LeaseHeld(f"the lease {name!r} is held by another process")
        renewal = _Renewal(self._renew, key, token, ttl_ms)
        try:
            yield
        finally:
            renewal.stop()
            self._release(keys=[key], args=[token])

    def held(self, name: str) -> bool:
        return bool(self.connection.exists(keys.lease(name)))

    def expires_in(self, name: str) -> float:
        """Seconds until the lease ``name`` lapses if its holder stops renewing it (0 when nobody holds it)."""
        ttl_ms = self.connection.pttl(keys.lease(name))
        return max(0.0, ttl_ms / 1000) if ttl_ms and ttl_ms > 0 else 0.0
