"""The execution ledger: one record per action id, written before any side effect.

The design (see ../shared/reference/connectors.md section 5): an action's id is derived from the proposal, the
action's position and the approved fingerprint, so every retry, redelivery or duplicate job computes the same id.
Before calling the target system the executor marks the action ``sent``; after the call it marks it ``done`` with
the outcome. A later attempt that finds ``done`` returns the stored outcome with no remote call; one that finds
``sent`` (a crash or an ambiguous failure in between) must reconcile with the target before sending anything.

A lease on the action id (approvals.flow.leases) keeps two workers, or an orphaned work-horse and its retry, from
working on the same action at the same time; whoever finds its lease lost goes on, since every side effect is
reconciled through this ledger, so a second holder cannot make it happen twice.

Keys: ``ft:ledger:<action id>`` (hash: spec, status, attempts, sent_at, result, error).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from redis import Redis

from approvals.flow import keys

logger = logging.getLogger(__name__)

LedgerStatus = Literal["pending", "sent", "done", "failed"]


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
    spec: dict[str, Any] | None = None
    """What ``open`` was given: the proposal id, the action's index and the action itself."""


class Ledger:
    def __init__(self, connection: Redis, *, clock: Callable[[], dt.datetime], ttl_days: int = 90) -> None:
        self.connection = connection
        self.clock = clock
        self.ttl_seconds = ttl_days * 86400

    @staticmethod
    def _key(aid: str) -> str:
        return keys.ledger_entry(aid)

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
            spec=json.loads(raw["spec"]) if raw.get("spec") else None,
        )

    def mark_sent(self, aid: str) -> dt.datetime:
        """Recorded before the side effect: from now on, a failure means 'maybe happened'. Returns when."""
        now = self.clock()
        pipe = self.connection.pipeline(transaction=True)
        pipe.hset(self._key(aid), mapping={"status": "sent", "sent_at": now.isoformat()})
        pipe.hincrby(self._key(aid), "attempts", 1)
        pipe.execute()
        return now

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
