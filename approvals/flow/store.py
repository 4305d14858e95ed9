"""Proposals in Redis, changed only through atomic, audited transitions.

Invariant: a proposal's record, its state indexes and the audit line explaining the change are written in one
MULTI/EXEC, under WATCH of the record. If another writer committed in between, the transaction is dropped and the
decision function runs again on the fresh record, so of two people clicking Approve at once exactly one wins and
the other gets the refusal the workflow computes for the new state.

A second invariant: the thread is owed a message for every state that ends a proposal or asks its requester
something (``OWING_STATES``: succeeded, failed, rejected, denied, cancelled, expired, and a question asked). The
transition into such a state records an *owed announcement* in the same MULTI/EXEC, and only the announcer
(``approvals.flow.showing.announce_once``) settles it, after posting. A process that dies at any instruction in between
leaves the record, and the reaper announces it; the announcement itself is looked up by its message metadata
before it is posted, so a second announcer cannot post it twice. A transition into any other state drops the
record: what it owed no longer describes the proposal (an admin retried a failure, an answer moved a question on).

Keys (all under ``ft:``): ``proposal:<id>`` (JSON), ``state:<state>`` (set of ids), ``requester:<user>``
(sorted set by creation time), ``thread:<channel>:<ts>`` (ids of proposals made from a thread),
``asking:<channel>:<ts>`` (ids of the thread's proposals waiting for their requester's answer: the bot checks it
when a reply arrives), ``owed`` (hash: proposal id -> the owed announcement as JSON: the state, the version that
entered it, when).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from redis import Redis, WatchError

from approvals.core.proposal import Proposal
from approvals.core.schema import read_stored, stored_json
from approvals.core.states import ProposalState
from approvals.core.workflow import AuditEntry, Change
from approvals.flow import audit, keys

logger = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


class ProposalNotFound(KeyError):
    def __init__(self, proposal_id: str) -> None:
        super().__init__(proposal_id)
        self.proposal_id = proposal_id

    def __str__(self) -> str:
        return f"no proposal {self.proposal_id!r}; check the id (they look like ft-7kq2mx9c)"


class ProposalExists(Exception):
    pass


class StoreContention(RuntimeError):
    """Too many concurrent writers on one proposal; the caller may try again."""


def _proposal_key(proposal_id: str) -> str:
    return keys.proposal(proposal_id)


def _state_key(state: ProposalState) -> str:
    return keys.proposals_in_state(state.value)


def _thread_key(channel: str, thread_ts: str) -> str:
    return keys.thread_proposals(channel, thread_ts)


def asking_key(channel: str, thread_ts: str) -> str:
    return keys.thread_asking(channel, thread_ts)


_OWED = keys.OWED_ANNOUNCEMENTS

OWING_STATES: frozenset[ProposalState] = frozenset(
    {
        ProposalState.SUCCEEDED,
        ProposalState.FAILED,
        ProposalState.REJECTED,
        ProposalState.DENIED,
        ProposalState.CANCELLED,
        ProposalState.EXPIRED,
        ProposalState.NEEDS_INFO,
    }
)
"""States whose arrival the thread must hear about: an outcome, or a question for the requester."""

_SETTLE = """
if redis.call('hget', KEYS[1], ARGV[1]) == ARGV[2] then
    return redis.call('hdel', KEYS[1], ARGV[1])
end
return 0
"""


@dataclass(frozen=True)
class Owed:
    """An announcement the thread is owed: ``proposal_id`` entered ``state`` at ``version``, at ``at``."""

    proposal_id: str
    state: ProposalState
    version: int
    at: dt.datetime
    raw: str = ""
    """The record as stored, which ``settle`` compares before deleting it."""

    def to_json(self) -> str:
        return json.dumps({"state": self.state.value, "version": self.version, "at": self.at.isoformat()})

    @classmethod
    def from_json(cls, proposal_id: str, raw: str | bytes) -> Owed:
        text = raw.decode() if isinstance(raw, bytes) else raw
        data = json.loads(text)
        at = dt.datetime.fromisoformat(data["at"])
        return cls(proposal_id, ProposalState(data["state"]), int(data["version"]), at, raw=text)


def _owes(before: Proposal | None, after: Proposal) -> bool:
    """Whether writing ``after`` over ``before`` owes the thread a (new) announcement."""
    if after.state not in OWING_STATES:
        return False
    if before is None or before.state is not after.state:
        return True
    # Still waiting for an answer, but to a new question (the previous answer raised another one).
    return after.state is ProposalState.NEEDS_INFO and (
        (before.question.token if before.question else None) != (after.question.token if after.question else None)
    )


class ProposalStore:
    """Reads and atomically changes proposals. Takes its Redis connection and clock explicitly."""

    def __init__(
        self,
        connection: Redis,
        *,
        clock: Clock,
        max_attempts: int = 20,
        audit_log: audit.AuditLog | None = None,
    ) -> None:
        self.connection = connection
        self.clock = clock
        self.max_attempts = max_attempts
        self.audit = audit_log or audit.AuditLog(connection)
        self._settle = connection.register_script(_SETTLE)

    def find(self, proposal_id: str) -> Proposal | None:
        raw = self.connection.get(_proposal_key(proposal_id))
        return None if raw is None else read_stored(Proposal, raw)

    def get(self, proposal_id: str) -> Proposal:
        proposal = self.find(proposal_id)
        if proposal is None:
            raise ProposalNotFound(proposal_id)
        return proposal

    def create(self, proposal: Proposal, entry: AuditEntry) -> Proposal:
        """Store a new proposal with its first audit line; ProposalExists if the id is taken."""
        key = _proposal_key(proposal.id)
        with self.connection.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(key)
                if pipe.exists(key):
                    raise ProposalExists(proposal.id)
                pipe.multi()
                self._write(pipe, None, proposal)
                appended = self.audit.append(pipe, proposal.id, entry, at=self.clock())
                self.audit.sign(pipe.execute(), appended)
            except WatchError:
                raise ProposalExists(proposal.id) from None
        logger.info("proposal %s created in %s", proposal.id, proposal.state.value)
        return proposal

    def update(self, proposal_id: str, decide: Callable[[Proposal], Change]) -> Change:
        """Apply ``decide`` to the current proposal and commit its change atomically.

        ``decide`` may raise (a refusal); nothing is written then. It may run more than once under contention,
        so it must be pure.
        """
        key = _proposal_key(proposal_id)
        with self.connection.pipeline(transaction=True) as pipe:
            for _ in range(self.max_attempts):
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    if raw is None:
                        raise ProposalNotFound(proposal_id)
                    current = read_stored(Proposal, raw)
                    change = decide(current)
                    updated = change.proposal.model_copy(update={"version": current.version + 1})
                    pipe.multi()
                    self._write(pipe, current, updated)
                    appended = self.audit.append(pipe, proposal_id, change.audit, at=self.clock())
                    results = pipe.execute()
                except WatchError:
                    continue
                self.audit.sign(results, appended)
                if updated.state is not current.state:
                    logger.info(
                        "proposal %s: %s -> %s (%s by %s)",
                        proposal_id,
                        current.state.value,
                        updated.state.value,
                        change.audit.event,
                        change.audit.actor,
                    )
                return Change(updated, change.audit, change.event)
        raise StoreContention(f"proposal {proposal_id!r} kept changing under {self.max_attempts} attempts")

    def _write(self, pipe: Redis, before: Proposal | None, after: Proposal) -> None:
        pipe.set(_proposal_key(after.id), stored_json(after))
        if _owes(before, after):
            pipe.hset(_OWED, after.id, Owed(after.id, after.state, after.version, self.clock()).to_json())
        elif before is not None and before.state is not after.state and after.state not in OWING_STATES:
            pipe.hdel(_OWED, after.id)
        if before is None or before.state is not after.state:
            if before is not None:
                pipe.srem(_state_key(before.state), after.id)
            pipe.sadd(_state_key(after.state), after.id)
        if before is None:
            pipe.zadd(keys.requester_proposals(after.requester), {after.id: after.created_at.timestamp()})
            pipe.sadd(_thread_key(after.channel, after.thread_ts), after.id)
        asking = asking_key(after.channel, after.thread_ts)
        if after.state is ProposalState.NEEDS_INFO:
            pipe.sadd(asking, after.id)
        elif before is not None and before.state is ProposalState.NEEDS_INFO:
            pipe.srem(asking, after.id)

    # -- owed announcements (see the module docstring) ----------------------------------------------------------

    def owed(self, proposal_id: str) -> tuple[Proposal, Owed] | None:
        """The proposal and the announcement it is owed, read together; None when nothing is owed."""
        with self.connection.pipeline(transaction=True) as pipe:
            pipe.get(_proposal_key(proposal_id))
            pipe.hget(_OWED, proposal_id)
            raw, owed = pipe.execute()
        if raw is None or owed is None:
            return None
        return read_stored(Proposal, raw), Owed.from_json(proposal_id, owed)

    def owed_older_than(self, seconds: float) -> list[Owed]:
        """Announcements owed for more than ``seconds`` (their announcer died or failed), oldest first."""
        cutoff = self.clock() - dt.timedelta(seconds=seconds)
        found = [Owed.from_json(k.decode(), v) for k, v in self.connection.hgetall(_OWED).items()]
        return sorted((o for o in found if o.at <= cutoff), key=lambda o: o.at)

    def settle(self, owed: Owed) -> bool:
        """The announcement ``owed`` was made: forget it, unless a newer transition recorded another meanwhile."""
        return bool(self._settle(keys=[_OWED], args=[owed.proposal_id, owed.raw or owed.to_json()]))

    def ids_in_states(self, states: Iterable[ProposalState]) -> list[str]:
        keys = [_state_key(s) for s in states]
        members = self.connection.sunion(keys) if keys else set()
        return sorted(m.decode() if isinstance(m, bytes) else m for m in members)

    def in_states(self, states: Iterable[ProposalState]) -> list[Proposal]:
        found = [self.find(pid) for pid in self.ids_in_states(states)]
        return sorted((p for p in found if p is not None), key=lambda p: p.created_at)

    def for_thread(self, channel: str, thread_ts: str) -> list[Proposal]:
        ids = self.connection.smembers(_thread_key(channel, thread_ts))
        found = [self.find(i.decode() if isinstance(i, bytes) else i) for i in ids]
        return sorted((p for p in found if p is not None), key=lambda p: p.created_at)

    def asking_in_thread(self, channel: str, thread_ts: str) -> list[Proposal]:
        """The thread's proposals waiting for an answer, oldest first."""
        ids = self.connection.smembers(asking_key(channel, thread_ts))
        found = [self.find(i.decode() if isinstance(i, bytes) else i) for i in ids]
        return sorted(
            (p for p in found if p is not None and p.state is ProposalState.NEEDS_INFO), key=lambda p: p.created_at
        )

    def asking_of(self, user_id: str, *, recent: int = 20) -> list[Proposal]:
        """Those of ``user_id``'s ``recent`` proposals that wait for their answer (only those are read)."""
        ids = [
            i.decode() if isinstance(i, bytes) else i
            for i in self.connection.zrevrange(keys.requester_proposals(user_id), 0, recent - 1)
        ]
        with self.connection.pipeline(transaction=False) as pipe:
            for proposal_id in ids:
                pipe.sismember(_state_key(ProposalState.NEEDS_INFO), proposal_id)
            waiting = pipe.execute() if ids else []
        found = [self.find(i) for i, flag in zip(ids, waiting, strict=True) if flag]
        return [p for p in found if p is not None and p.state is ProposalState.NEEDS_INFO]

    def by_requester(self, user_id: str, *, limit: int = 20) -> list[Proposal]:
        ids = self.connection.zrevrange(keys.requester_proposals(user_id), 0, limit - 1)
        found = [self.find(i.decode() if isinstance(i, bytes) else i) for i in ids]
        return [p for p in found if p is not None]
