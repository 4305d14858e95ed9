"""Commitments in Redis, changed only through atomic, audited steps (the same discipline as proposals).

A commitment's record, its indexes and the audit line that explains a step are written in one MULTI/EXEC under
WATCH of the record: of a sweep and a scheduled check that both find PAY-12 resolved, exactly one closes the loop.

A second invariant, as for proposals: a step that owes people a message (the nudges of a rung, the new owner of a
reassigned follow-up, the closing line in the origin thread) records an *owed message* in the same MULTI/EXEC, and
only the one who said it settles it, after posting. A worker killed between the step and the post (or between the
post and the settling) leaves the record; the sweep says it again, and the notifier finds a message already posted by
its metadata, so it is said once.

Keys (under ``ft:cm:``): ``<id>`` (JSON), ``live`` (sorted set: live ids by the epoch of their next due step, so a
sweep or a reaper finds what is due without a scan), ``owner:<user>`` and ``requester:<user>`` (sorted sets of
every commitment by creation time: what someone owes, what they wait on), ``system:<jira|salesforce>`` (set of live
ids: one batched query per system and sweep), ``subject:<system>:<ref>`` (set of live ids about one record),
``owed`` (hash: commitment id -> the message its last step owes, as JSON).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from redis import Redis, WatchError

from approvals.core.commitments import Commitment, CommitmentError
from approvals.core.schema import read_stored, stored_json
from approvals.core.workflow import AuditEntry
from approvals.flow import audit, keys

logger = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


class CommitmentNotFound(KeyError):
    def __init__(self, commitment_id: str) -> None:
        super().__init__(commitment_id)
        self.commitment_id = commitment_id

    def __str__(self) -> str:
        return f"no follow-up {self.commitment_id!r}; check the id (they look like cm-7kq2mx9c)"


def _key(commitment_id: str) -> str:
    return keys.commitment(commitment_id)


LIVE = keys.COMMITMENTS_LIVE
OWED = keys.COMMITMENTS_OWED

_SETTLE = """
if redis.call('hget', KEYS[1], ARGV[1]) == ARGV[2] then
    return redis.call('hdel', KEYS[1], ARGV[1])
end
return 0
"""


@dataclass(frozen=True)
class OwedMessage:
    """What the step that made version ``version`` of a commitment owes people: ``nudge`` (a DM to each of ``to``;
    ``escalated`` when it is a rung above the owner, ``reassigned_by`` when it tells a new owner) or ``closed`` (the
    closing line in the origin thread). ``at`` is the step's time, which says how long it has been owed."""

    commitment_id: str
    version: int
    kind: Literal["nudge", "closed"]
    at: dt.datetime
    to: tuple[str, ...] = ()
    escalated: bool = False
    reassigned_by: str | None = None
    raw: str = field(default="", compare=False)
    """The record as stored, which ``settle`` compares before deleting it."""

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": self.version,
                "kind": self.kind,
                "at": self.at.isoformat(),
                "to": list(self.to),
                "escalated": self.escalated,
                "reassigned_by": self.reassigned_by,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, commitment_id: str, raw: str | bytes) -> OwedMessage:
        text = raw.decode() if isinstance(raw, bytes) else raw
        data = json.loads(text)
        return cls(
            commitment_id=commitment_id,
            version=int(data["version"]),
            kind=data["kind"],
            at=dt.datetime.fromisoformat(data["at"]),
            to=tuple(data.get("to") or ()),
            escalated=bool(data.get("escalated")),
            reassigned_by=data.get("reassigned_by"),
            raw=text,
        )


def _owner_key(user_id: str) -> str:
    return keys.commitments_of_owner(user_id)


def _requester_key(user_id: str) -> str:
    return keys.commitments_of_requester(user_id)


def _system_key(system: str) -> str:
    return keys.commitments_in_system(system)


def _subject_key(system: str, ref: str) -> str:
    return keys.commitments_on(system, ref)


class CommitmentStore:
    def __init__(self, connection: Redis, *, clock: Clock, audit_log: audit.AuditLog | None = None) -> None:
        self.connection = connection
        self.clock = clock
        self.audit = audit_log or audit.AuditLog(connection)
        """The audit trail (chained, and signed by this process when it holds the audit key)."""
        self._settle = connection.register_script(_SETTLE)

    # -- reading ----------------------------------------------------------------------------------------------

    def get(self, commitment_id: str) -> Commitment:
        raw = self.connection.get(_key(commitment_id))
        if raw is None:
            raise CommitmentNotFound(commitment_id)
        return read_stored(Commitment, raw)

    def find(self, commitment_id: str) -> Commitment | None:
        try:
            return self.get(commitment_id)
        except CommitmentNotFound:
            return None

    def many(self, ids: Iterable[str | bytes]) -> list[Commitment]:
        keys = [_key(i.decode() if isinstance(i, bytes) else i) for i in ids]
        if not keys:
            return []
        return [read_stored(Commitment, raw) for raw in self.connection.mget(keys) if raw is not None]

    def live_ids(self, system: str) -> list[str]:
        return sorted(m.decode() for m in self.connection.smembers(_system_key(system)))

    def due(self, now: dt.datetime, *, limit: int = 500) -> list[str]:
        """Live commitments whose next step is due at ``now`` (the reaper's safety net under the scheduled jobs)."""
        return [m.decode() for m in self.connection.zrangebyscore(LIVE, "-inf", now.timestamp(), start=0, num=limit)]

    def owed_by(self, user_id: str, *, limit: int = 200) -> list[Commitment]:
        ids = self.connection.zrevrange(_owner_key(user_id), 0, limit - 1)
        return [c for c in self.many(ids) if c.live]

    def asked_by(self, user_id: str, *, limit: int = 200) -> list[Commitment]:
        ids = self.connection.zrevrange(_requester_key(user_id), 0, limit - 1)
        return [c for c in self.many(ids) if c.live]

    def all_live(self, *, limit: int = 2000) -> list[Commitment]:
        return self.many(self.connection.zrange(LIVE, 0, limit - 1))

    def about(self, system: str, ref: str) -> list[Commitment]:
        return self.many(self.connection.smembers(_subject_key(system, ref)))

    # -- writing ----------------------------------------------------------------------------------------------

    def create(self, commitment: Commitment, entry: AuditEntry, *, next_at: dt.datetime | None) -> bool:
        """Store a new commitment (False when one with its id exists: a repeated job)."""
        key = _key(commitment.id)
        with self.connection.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(key)
                    if pipe.exists(key):
                        pipe.unwatch()
                        return False
                    pipe.multi()
                    pipe.set(key, stored_json(commitment))
                    created = commitment.created_at.timestamp()
                    pipe.zadd(_owner_key(commitment.owner), {commitment.id: created})
                    pipe.zadd(_requester_key(commitment.requester), {commitment.id: created})
                    self._index(pipe, commitment, next_at)
                    appended = self.audit.append(pipe, commitment.id, entry, at=self.clock())
                    self.audit.sign(pipe.execute(), appended)
                    logger.info(
                        "follow-up %s created for %s on %s", commitment.id, commitment.owner, commitment.subject.ref
                    )
                    return True
                except WatchError:
                    continue

    def update(
        self,
        commitment_id: str,
        step: Callable[[Commitment], tuple[Commitment, AuditEntry] | None],
        *,
        next_at: Callable[[Commitment], dt.datetime | None],
        owes: Callable[[Commitment], OwedMessage] | None = None,
    ) -> Commitment | None:
        """Apply ``step`` to the current record atomically; None when ``step`` decides there is nothing to do.
        ``owes`` (given the changed commitment) is the message the step owes, recorded with it (see the module
        docstring). ``CommitmentError`` (a step its state does not allow) propagates."""
        key = _key(commitment_id)
        with self.connection.pipeline(transaction=True) as pipe:
            for _ in range(20):
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    if raw is None:
                        pipe.unwatch()
                        raise CommitmentNotFound(commitment_id)
                    current = read_stored(Commitment, raw)
                    done = step(current)
                    if done is None:
                        pipe.unwatch()
                        return None
                    changed, entry = done
                    pipe.multi()
                    if changed.owner != current.owner:
                        pipe.zadd(_owner_key(changed.owner), {changed.id: changed.created_at.timestamp()})
                    pipe.set(key, stored_json(changed))
                    self._index(pipe, changed, next_at(changed))
                    if owes is not None:
                        pipe.hset(OWED, changed.id, owes(changed).to_json())
                    appended = self.audit.append(pipe, changed.id, entry, at=self.clock())
                    self.audit.sign(pipe.execute(), appended)
                    return changed
                except WatchError:
                    continue
        raise CommitmentError(f"{commitment_id}: too many concurrent changes")

    @staticmethod
    def _index(pipe: object, commitment: Commitment, next_at: dt.datetime | None) -> None:
        system = commitment.subject.system
        if commitment.live:
            score = next_at.timestamp() if next_at is not None else commitment.due.timestamp()
            pipe.zadd(LIVE, {commitment.id: score})  # type: ignore[attr-defined]
            pipe.sadd(_system_key(system), commitment.id)  # type: ignore[attr-defined]
            pipe.sadd(_subject_key(system, commitment.subject.ref), commitment.id)  # type: ignore[attr-defined]
        else:
            pipe.zrem(LIVE, commitment.id)  # type: ignore[attr-defined]
            pipe.srem(_system_key(system), commitment.id)  # type: ignore[attr-defined]
            pipe.srem(_subject_key(system, commitment.subject.ref), commitment.id)  # type: ignore[attr-defined]

    # -- owed messages (see the module docstring) ----------------------------------------------------------------

    def owed_older_than(self, seconds: float) -> list[OwedMessage]:
        """Messages owed for more than ``seconds`` (whoever owed them died or could not reach Slack), oldest first."""
        cutoff = self.clock() - dt.timedelta(seconds=seconds)
        found = [OwedMessage.from_json(k.decode(), v) for k, v in self.connection.hgetall(OWED).items()]
        return sorted((o for o in found if o.at <= cutoff), key=lambda o: o.at)

    def settle(self, owed: OwedMessage) -> bool:
        """``owed`` was said: forget it, unless a later step of the commitment recorded another meanwhile."""
        return bool(self._settle(keys=[OWED], args=[owed.commitment_id, owed.raw or owed.to_json()]))

    def count_live(self) -> int:
        return int(self.connection.zcard(LIVE))

    def owners(self) -> Sequence[str]:
        return sorted({c.owner for c in self.all_live()})
