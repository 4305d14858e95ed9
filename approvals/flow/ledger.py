"""The execution ledger: one record per action id, written before any side effect.

The design (see ../shared/reference/connectors.md section 5): an action's id is derived from the proposal, the
action's position and the approved fingerprint, so every retry, redelivery or duplicate job computes the same id.
Before calling the target system the executor marks the action ``sent``; after the call it marks it ``done`` with
the outcome. A later attempt that finds ``done`` returns the stored outcome with no remote call; one that finds
``sent`` (a crash or an ambiguous failure in between) must reconcile with the target before sending anything.

A lease (``SET NX PX`` released by compare-and-delete) keeps two workers, or an orphaned work-horse and its
retry, from working on the same action at the same time. A lease lives exactly as long as its holder: a thread of
the holder's process renews it every third of its time-to-live, so a job that runs for minutes keeps it, and a
process that dies (SIGKILL, a lost node) lets it go within ``seconds``. That is what lets the reaper tell a dead
holder from a slow one without waiting for RQ's abandoned-job detection. Whoever finds its lease lost (Redis was
restarted without the key, or the process stalled longer than the time-to-live) goes on: every side effect is
reconciled through this ledger, so a second holder cannot make it happen twice.

Keys: ``ft:ledger:<action id>`` (hash: spec, status, attempts, sent_at, result, error), ``ft:lease:<name>``
(a lease's token, with its time-to-live).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from redis import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LedgerStatus = Literal["pending", "sent", "done", "failed"]

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


def action_id(proposal_id: str, index: int, fingerprint: str) -> str:
    """Deterministic id of the ``index``-th action of the approved change ``fingerprint``."""
    digest = hashlib.sha256(f"{proposal_id}|{index}|{fingerprint}".encode()).hexdigest()
    return digest[:20]


@dataclass(frozen=True)
class LedgerEntry:
    action_id: str
    status: LedgerStatus
    attempts: int
    sent_at: dt.datetime | None
    result: dict[str, Any] | None
    error: str | None


class LeaseHeld(RuntimeError):
    """Another worker holds this action's lease; try again after it expires."""


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
                    logger.warning("lease %s was lost (expired or taken); the ledger keeps the work safe", self._key)
                    return
            except RedisError as exc:
                logger.warning("lease %s not renewed this time: %s", self._key, exc)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=1.0)


class Ledger:
    def __init__(self, connection: Redis, *, clock: Callable[[], dt.datetime], ttl_days: int = 90) -> None:
        self.connection = connection
        self.clock = clock
        self.ttl_seconds = ttl_days * 86400
        self._release = connection.register_script(_RELEASE)
        self._renew = connection.register_script(_RENEW)

    @staticmethod
    def _key(aid: str) -> str:
        return f"ft:ledger:{aid}"

    def open(self, aid: str, spec: dict[str, Any]) -> LedgerEntry:
        """Create the entry if it does not exist (never resets an existing one) and return it."""
        key = self._key(aid)
        pipe = self.connection.pipeline(transaction=True)
        pipe.hsetnx(key, "spec", json.dumps(spec, sort_keys=True, default=str))
        pipe.hsetnx(key, "status", "pending")
        pipe.hsetnx(key, "attempts", 0)
        pipe.expire(key, self.ttl_seconds)
        pipe.execute()
        return self.get(aid)

    def get(self, aid: str) -> LedgerEntry:
        raw = {k.decode(): v.decode() for k, v in self.connection.hgetall(self._key(aid)).items()}
        if not raw:
            raise KeyError(f"no ledger entry for action {aid!r}")
        return LedgerEntry(
            action_id=aid,
            status=raw.get("status", "pending"),  # type: ignore[arg-type]
            attempts=int(raw.get("attempts", 0)),
            sent_at=dt.datetime.fromisoformat(raw["sent_at"]) if raw.get("sent_at") else None,
            result=json.loads(raw["result"]) if raw.get("result") else None,
            error=raw.get("error") or None,
        )

    def mark_sent(self, aid: str) -> None:
        """Recorded before the side effect: from now on, a failure means 'maybe happened'."""
        pipe = self.connection.pipeline(transaction=True)
        pipe.hset(self._key(aid), mapping={"status": "sent", "sent_at": self.clock().isoformat()})
        pipe.hincrby(self._key(aid), "attempts", 1)
        pipe.execute()

    def mark_pending(self, aid: str) -> None:
        """The call was refused before it did anything (a 429): it is safe to send it again."""
        self.connection.hset(self._key(aid), "status", "pending")

    def mark_done(self, aid: str, result: dict[str, Any]) -> None:
        self.connection.hset(
            self._key(aid), mapping={"status": "done", "result": json.dumps(result, default=str), "error": ""}
        )

    def mark_failed(self, aid: str, error: str) -> None:
        self.connection.hset(self._key(aid), mapping={"status": "failed", "error": error})

    def reopen(self, aid: str) -> None:
        """An admin retry: a failed action may be tried again (reconciliation still runs first)."""
        self.connection.hset(self._key(aid), mapping={"status": "sent", "error": ""})

    @contextmanager
    def lease(self, aid: str, *, seconds: float) -> Iterator[None]:
        """Hold the lease ``aid`` while the block runs (renewed meanwhile); LeaseHeld if someone else holds it.

        ``seconds`` is how long the lease outlives a holder that died without releasing it."""
        key = _lease_key(aid)
        token = secrets.token_hex(8)
        ttl_ms = max(30, int(seconds * 1000))
        if not self.connection.set(key, token, nx=True, px=ttl_ms):
            raise LeaseHeld(f"{aid!r} is being worked on by another worker")
        renewal = _Renewal(self._renew, key, token, ttl_ms)
        try:
            yield
        finally:
            renewal.stop()
            self._release(keys=[key], args=[token])

    def lease_held(self, aid: str) -> bool:
        return bool(self.connection.exists(_lease_key(aid)))

    def lease_expires_in(self, aid: str) -> float:
        """Seconds until the lease ``aid`` lapses if its holder stops renewing it (0 when nobody holds it)."""
        ttl_ms = self.connection.pttl(_lease_key(aid))
        return max(0.0, ttl_ms / 1000) if ttl_ms and ttl_ms > 0 else 0.0


def _lease_key(name: str) -> str:
    return f"ft:lease:{name}"
