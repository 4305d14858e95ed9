"""Bounded attempts and the parking lot: work that keeps failing stops, says so, and waits for an admin.

Every job kind (intake of a request, acting on an answer, preparing an undo; execution keeps its own schedule in
``approvals.flow.execution``) counts its attempts per subject in Redis, so a crash loop is bounded even when the
process dies before it can record the failure (the count is taken before the work starts). When the attempts run out
the work is *parked*: one record per proposal id in ``ft:parked`` says what stopped, why and when; the reaper never
queues parked work again, ``/followthrough stats`` lists it, and ``/followthrough retry <id>`` releases it (counting
from zero again). Whoever parks the work owes the thread one honest message; ``announced`` records that it was sent,
so the reaper can send what a crash left unsent.

Keys: ``ft:parked`` (hash: proposal id -> JSON record), ``ft:tries:<kind>:<subject>`` (attempt counters, expiring).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Literal

from redis import Redis

from approvals.flow import keys

ParkedKind = Literal["intake", "answer", "undo"]

_PARKED = keys.PARKED
_TRIES_TTL = 7 * 86400


def _tries_key(kind: str, subject: str) -> str:
    return keys.tries(kind, subject)


@dataclass(frozen=True)
class ParkedWork:
    """Work that stopped after its attempts ran out: ``subject`` is what the job works on (a request key, a
    proposal id), ``reason`` what went wrong (for admins, never shown to requesters verbatim)."""

    proposal_id: str
    kind: ParkedKind
    subject: str
    reason: str
    at: dt.datetime
    channel: str
    thread_ts: str
    requester: str
    job_args: tuple[str, ...] = ()
    """The arguments of the job that takes the work up again (an admin's retry queues it)."""
    announced: bool = False

    def to_json(self) -> str:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return json.dumps(data)

    @classmethod
    def from_json(cls, raw: str | bytes) -> ParkedWork:
        data = json.loads(raw)
        data["at"] = dt.datetime.fromisoformat(data["at"])
        data["job_args"] = tuple(data.get("job_args") or ())
        return cls(**data)


class ParkingLot:
    def __init__(self, connection: Redis, *, clock: Callable[[], dt.datetime]) -> None:
        self.connection = connection
        self.clock = clock

    # -- attempts ---------------------------------------------------------------------------------------------

    def attempt(self, kind: str, subject: str) -> int:
        """Count one more attempt at ``subject`` and return its number (1 for the first)."""
        key = _tries_key(kind, subject)
        pipe = self.connection.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, _TRIES_TTL)
        count, _ = pipe.execute()
        return int(count)

    def reset_attempts(self, kind: str, subject: str) -> None:
        self.connection.delete(_tries_key(kind, subject))

    # -- parked work ------------------------------------------------------------------------------------------

    def park(self, work: ParkedWork) -> bool:
        """Record ``work`` as parked; False when it already was (then the first record stays)."""
        return bool(self.connection.hsetnx(_PARKED, work.proposal_id, work.to_json()))

    def get(self, proposal_id: str) -> ParkedWork | None:
        raw = self.connection.hget(_PARKED, proposal_id)
        return None if raw is None else ParkedWork.from_json(raw)

    def is_parked(self, proposal_id: str) -> bool:
        return bool(self.connection.hexists(_PARKED, proposal_id))

    def mark_announced(self, proposal_id: str) -> None:
        work = self.get(proposal_id)
        if work is not None and not work.announced:
            self.connection.hset(_PARKED, proposal_id, ParkedWork(**{**asdict(work), "announced": True}).to_json())

    def all(self) -> list[ParkedWork]:
        records = [ParkedWork.from_json(raw) for raw in self.connection.hvals(_PARKED)]
        return sorted(records, key=lambda w: w.at)

    def release(self, proposal_id: str) -> ParkedWork | None:
        """Take ``proposal_id`` out of the lot (an admin's retry) and forget its attempts; the record, or None."""
        work = self.get(proposal_id)
        if work is None:
            return None
        self.connection.hdel(_PARKED, proposal_id)
        self.reset_attempts(work.kind, work.subject)
        return work
