"""Retention: finished proposals leave Redis once their audit is archived, so Redis stays bounded.

Redis holds what is in flight; the PostgreSQL archive (approvals.flow.archive) is the record of what happened. A
finished proposal (a terminal state: succeeded, rejected, denied, cancelled, expired, shadowed) whose last change is
older than ``Timing.retention`` is *retired*: its record, its indexes (state, thread, requester), its audit stream
and chain head, and its ledger entries are deleted, in one transaction that watches the record (a change meanwhile
keeps it). The global audit stream is trimmed to the same horizon. A retirement pass is audited under the reserved
id ``retention`` with the ids it retired.

Invariants:
- Nothing is deleted that the archive does not hold: a proposal is retired only when every entry of its chain is at
  or before the archive's cursor, and the global stream is trimmed only up to the cursor. Without an archive
  (FOLLOWTHROUGH_AUDIT_DATABASE_URL unset) Redis is the only record, and nothing is retired.
- A proposal something still needs is kept: one that owes the thread a message, one that is parked, one a live
  follow-up refers to, and ``failed`` ones (an admin may retry them; they are not terminal).
- The trimmed prefix of the global chain stays verifiable: before trimming, its last entry (id, seq, hash) is kept
  as the anchor ``ft:audit:trimmed`` (signed when a key is set), and ``verify --redis`` checks that the first entry
  left links to it (approvals.flow.evidence).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from redis import WatchError

from approvals.core.proposal import Proposal
from approvals.core.schema import read_stored
from approvals.core.states import TERMINAL_STATES
from approvals.core.workflow import AuditEntry
from approvals.flow import keys
from approvals.flow.audit import GLOBAL_STREAM, proposal_head, proposal_stream, record_from_stream
from approvals.flow.ledger import action_id
from approvals.flow.runtime import Runtime

logger = logging.getLogger(__name__)

RETENTION_ID = "retention"
"""The reserved proposal id under which retirement passes are audited."""
TRIMMED = keys.AUDIT_TRIMMED


@dataclass(frozen=True)
class RetentionPass:
    retired: int
    kept: int
    """Finished and old enough, but still needed or not yet archived."""
    trimmed: int
    """Entries removed from the global audit stream."""
    skipped: str = ""
    """Why nothing was looked at (no archive), or empty."""


def _stream_id_at(moment: dt.datetime) -> str:
    return f"{int(moment.timestamp() * 1000)}-0"


def _id_key(entry_id: str) -> tuple[int, int]:
    millis, _, sequence = entry_id.partition("-")
    return int(millis), int(sequence or 0)


def archived_up_to(rt: Runtime) -> str | None:
    """The id of the last audit entry the archive holds, or None when there is no archive or it holds nothing."""
    if rt.store.audit.archive is None:
        return None
    cursor = rt.connection.hget(keys.ARCHIVE_STATE, "cursor")
    return cursor.decode() if cursor else None


def _needed_by_follow_ups(rt: Runtime) -> set[str]:
    live = [i.decode() for i in rt.connection.zrange(keys.COMMITMENTS_LIVE, 0, -1)]
    needed: set[str] = set()
    for offset in range(0, len(live), 500):
        for commitment in rt.commitments.many(live[offset : offset + 500]):
            if commitment.proposal_id:
                needed.add(commitment.proposal_id)
    return needed


def _candidates(rt: Runtime, cutoff: dt.datetime, limit: int) -> Iterable[Proposal]:
    found = 0
    for state in TERMINAL_STATES:
        ids = [i.decode() for i in rt.connection.sscan_iter(keys.proposals_in_state(state.value), count=500)]
        for offset in range(0, len(ids), 500):
            chunk = ids[offset : offset + 500]
            for raw in rt.connection.mget([keys.proposal(i) for i in chunk]):
                if raw is None:
                    continue
                proposal = read_stored(Proposal, raw)
                if proposal.updated_at < cutoff:
                    yield proposal
                    found += 1
                    if found >= limit:
                        return


RETENTION_EVERY = 3600
"""At most one retention pass per this many seconds, across all workers."""


def retire_if_due(rt: Runtime) -> RetentionPass | None:
    """A pass, unless one ran (in any worker) less than ``RETENTION_EVERY`` seconds ago; None then. Never raises."""
    if rt.store.audit.archive is None or not rt.connection.set(keys.RETENTION_LOCK, "1", nx=True, ex=RETENTION_EVERY):
        return None
    try:
        return retire_finished(rt)
    except Exception:
        logger.exception("retention: the pass failed; the next one (in %d s) tries again", RETENTION_EVERY)
        return None


def retire_finished(rt: Runtime, *, limit: int = 1000) -> RetentionPass:
    """One pass: retire up to ``limit`` finished proposals older than the retention period, trim the global stream."""
    cursor = archived_up_to(rt)
    if rt.store.audit.archive is None:
        return RetentionPass(0, 0, 0, skipped="no archive: Redis is the only record, nothing is retired")
    if cursor is None:
        return RetentionPass(0, 0, 0, skipped="the archive holds nothing yet")
    now = rt.clock()
    cutoff = now - dt.timedelta(seconds=rt.timing.retention)
    needed = _needed_by_follow_ups(rt)
    retired: list[str] = []
    kept = 0
    for proposal in _candidates(rt, cutoff, limit):
        if proposal.id in needed or rt.parking.is_parked(proposal.id) or rt.store.owed(proposal.id) is not None:
            kept += 1
            continue
        last = rt.connection.xrevrange(proposal_stream(proposal.id), count=1)
        if last and _id_key(last[0][0].decode()) > _id_key(cursor):
            kept += 1  # its newest entries are not archived yet
            continue
        if _retire(rt, proposal):
            retired.append(proposal.id)
        else:
            kept += 1
    if retired:
        rt.store.audit.write(
            RETENTION_ID,
            AuditEntry(
                "proposals.retired",
                "retention",
                {"ids": retired, "finished_before": cutoff.isoformat(), "archived_up_to": cursor},
            ),
            at=now,
        )
        logger.info("retention: %d finished proposal(s) retired from Redis (archived up to %s)", len(retired), cursor)
    trimmed = _trim_global(rt, cursor=cursor, before=_stream_id_at(cutoff))
    return RetentionPass(len(retired), kept, trimmed)


def _retire(rt: Runtime, proposal: Proposal) -> bool:
    """Delete the proposal's record, indexes, audit chain and ledger entries, unless it changed meanwhile."""
    key = keys.proposal(proposal.id)
    with rt.connection.pipeline(transaction=True) as pipe:
        try:
            pipe.watch(key)
            raw = pipe.get(key)
            if raw is None or read_stored(Proposal, raw).version != proposal.version:
                return False
            entry_ids = [i.decode() for i, _ in pipe.xrange(proposal_stream(proposal.id))]
            pipe.multi()
            pipe.delete(key, proposal_stream(proposal.id), proposal_head(proposal.id))
            if entry_ids:
                pipe.hdel(keys.AUDIT_SIGNATURES, *entry_ids)
            pipe.srem(keys.proposals_in_state(proposal.state.value), proposal.id)
            pipe.srem(keys.thread_proposals(proposal.channel, proposal.thread_ts), proposal.id)
            pipe.zrem(keys.requester_proposals(proposal.requester), proposal.id)
            for index in range(len(proposal.actions)):
                pipe.delete(keys.ledger_entry(action_id(proposal.id, index, proposal.fingerprint)))
            pipe.execute()
        except WatchError:
            return False
    logger.info("proposal %s: retired from Redis (finished %s, archived)", proposal.id, proposal.updated_at.date())
    return True


def _trim_global(rt: Runtime, *, cursor: str, before: str) -> int:
    """Trim the global stream up to the archive's cursor and the retention horizon, keeping the anchor."""
    # The last entry to go: at or before the cursor (archived), and before the retention horizon.
    upper = cursor if _id_key(cursor) < _id_key(before) else f"({before}"
    last = rt.connection.xrevrange(GLOBAL_STREAM, max=upper, count=1)
    if not last:
        return 0
    entry_id, fields = last[0]
    record = record_from_stream(entry_id, fields)
    if _id_key(record.id) > _id_key(cursor):
        return 0
    anchor = {"id": record.id, "seq": str(record.seq or 0), "hash": record.hash or ""}
    signer = rt.store.audit.signer
    if signer is not None:
        anchor["sig"] = signer.sign(f"trimmed|{anchor['id']}|{anchor['seq']}|{anchor['hash']}")
    with rt.connection.pipeline(transaction=True) as pipe:
        pipe.hset(TRIMMED, mapping=anchor)
        # MINID keeps entries with an id at or above it: everything up to and including the anchor goes.
        millis, sequence = _id_key(record.id)
        pipe.xtrim(GLOBAL_STREAM, minid=f"{millis}-{sequence + 1}", approximate=False)
        _, removed = pipe.execute()
    if removed:
        logger.info("retention: %d archived audit entries up to %s trimmed from the global stream", removed, record.id)
    return int(removed)
