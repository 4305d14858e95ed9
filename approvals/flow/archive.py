"""The audit archive: every audit entry also written to an append-only PostgreSQL table, seconds after it happens.

Redis is not a system of record. With ``FOLLOWTHROUGH_AUDIT_DATABASE_URL`` set, the worker's maintenance pass
(approvals.flow.worker) drains the global audit stream into the table ``followthrough_audit``, which the program creates
with triggers that refuse UPDATE, DELETE and TRUNCATE.

Invariant: nothing is lost and nothing is written twice. The backlog is the global stream itself past a cursor
(``ft:audit:archive``: the id and seq of the last archived entry): an entry is never copied into a second queue, so the
backlog costs Redis no memory of its own, and appending an entry never waits for PostgreSQL. A pass reads at most
``batch`` entries at a time (and ``batches`` batches) after the cursor, inserts them in one statement that skips entry
ids the table already holds (``ON CONFLICT (entry_id) DO NOTHING``), commits, and only then moves the cursor; a pass
that dies between the commit and the cursor's move re-reads entries the table already holds, and skips them. Only
entries older than ``settle`` seconds are taken, so their writers have signed them (approvals.flow.audit). While
PostgreSQL is down, passes fail fast (``connect_timeout``), back off (doubling up to ``max_backoff``; the lock
``ft:audit:archive-lock`` is held for the back-off, so no worker tries sooner), and the backlog grows in the stream;
above ``warn_backlog`` entries every failed pass says how many wait. The stream must not be trimmed past the cursor.

An entry the table already holds with another hash means the trail in Redis changed after it was archived: it is
logged as an error and counted (``conflicts``), never written over.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from redis import Redis
from redis.exceptions import RedisError

from approvals.flow import keys
from approvals.flow.audit import GLOBAL_HEAD, GLOBAL_STREAM, AuditLog, AuditRecord, Signer, record_from_stream
from approvals.flow.evidence import Verification, verify_entries

logger = logging.getLogger(__name__)

TABLE = "followthrough_audit"
ARCHIVE_STATE = keys.ARCHIVE_STATE
"""Hash: ``cursor`` (the last archived entry id), ``seq``, ``failures``, ``last_error``, ``archived_at``."""
ARCHIVE_LOCK = keys.ARCHIVE_LOCK

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    entry_id    text PRIMARY KEY,
    seq         bigint,
    proposal_id text NOT NULL,
    n           integer,
    event       text NOT NULL,
    actor       text NOT NULL,
    at          timestamptz NOT NULL,
    hash        text,
    kid         text NOT NULL DEFAULT '',
    sig         text,
    entry       text NOT NULL,
    archived_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN {TABLE}.entry IS 'the entry as an evidence-pack line: the exact fields its hash covers';
CREATE INDEX IF NOT EXISTS {TABLE}_proposal ON {TABLE} (proposal_id, n);
CREATE INDEX IF NOT EXISTS {TABLE}_at ON {TABLE} (at);
CREATE INDEX IF NOT EXISTS {TABLE}_seq ON {TABLE} (seq);
CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{TABLE} is append-only: % is not allowed', TG_OP;
END $$;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '{TABLE}_no_change') THEN
        CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE}
            FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '{TABLE}_no_truncate') THEN
        CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
            FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only();
    END IF;
END $$;
"""

_INSERT = f"""
INSERT INTO {TABLE} (entry_id, seq, proposal_id, n, event, actor, at, hash, kid, sig, entry)
SELECT * FROM unnest(
    %s::text[], %s::bigint[], %s::text[], %s::integer[], %s::text[], %s::text[], %s::timestamptz[],
    %s::text[], %s::text[], %s::text[], %s::text[]
)
ON CONFLICT (entry_id) DO NOTHING
RETURNING entry_id
"""

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


@dataclass(frozen=True)
class DrainResult:
    archived: int
    """Entries written to the table by this pass."""
    skipped: int
    """Entries the table already held (a pass that died before moving the cursor)."""
    conflicts: int
    """Entries the table holds with another hash: the trail in Redis changed after it was archived."""
    backlog: int
    """Entries still waiting in Redis after this pass."""


class AuditArchive:
    """The PostgreSQL sink of one process (a worker's parent); see the module docstring for its invariant."""

    def __init__(
        self,
        url: str,
        *,
        batch: int = 500,
        batches: int = 20,
        settle: float = 2.0,
        connect_timeout: float = 5.0,
        min_backoff: float = 2.0,
        max_backoff: float = 60.0,
        warn_backlog: int = 10_000,
        lock_seconds: float = 120.0,
    ) -> None:
        self.url = url
        self.batch = batch
        self.batches = batches
        self.settle = settle
        self.connect_timeout = connect_timeout
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.warn_backlog = warn_backlog
        self.lock_seconds = lock_seconds
        self._conn: psycopg.Connection[Any] | None = None

    def __repr__(self) -> str:
        return "AuditArchive(<FOLLOWTHROUGH_AUDIT_DATABASE_URL>)"  # the URL may hold a password

    # -- PostgreSQL ---------------------------------------------------------------------------------------------

    def connect(self) -> psycopg.Connection[Any]:
        """The open connection, or a new one with the table created (idempotent; safe from several workers)."""
        if self._conn is not None and not self._conn.closed and not self._conn.broken:
            return self._conn
        self.close()
        conn = psycopg.connect(
            self.url,
            connect_timeout=max(1, int(self.connect_timeout)),
            options="-c statement_timeout=30000",
            application_name="followthrough-audit-archive",
        )
        try:
            with conn.transaction():
                # Two workers creating the table at once would race in the catalog.
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (TABLE,))
                conn.execute(_SCHEMA)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def _insert(self, records: Sequence[AuditRecord], signatures: Mapping[str, str]) -> tuple[int, int, int]:
        """Insert ``records``; returns (written, already there, already there with another hash)."""
        conn = self.connect()
        columns: list[list[Any]] = [[] for _ in range(11)]
        for r in records:
            sig = signatures.get(r.id)
            row = (
                r.id,
                r.seq,
                r.proposal_id,
                r.n,
                r.event,
                r.actor,
                r.at,
                r.hash,
                r.kid,
                sig,
                json.dumps(r.evidence(sig=sig), sort_keys=True),
            )
            for column, value in zip(columns, row, strict=True):
                column.append(value)
        with conn.transaction():
            written = {row[0] for row in conn.execute(_INSERT, columns).fetchall()}
            already = [r for r in records if r.id not in written]
            held: dict[str, str | None] = {}
            if already:
                rows = conn.execute(
                    f"SELECT entry_id, hash FROM {TABLE} WHERE entry_id = ANY(%s)", ([r.id for r in already],)
                ).fetchall()
                held = {row[0]: row[1] for row in rows}
        conflicts = [r for r in already if held.get(r.id) != r.hash]
        for r in conflicts:
            logger.error(
                "audit archive: entry %s of %s is archived with hash %s but Redis now has %s: the trail in Redis "
                "changed after it was archived (run `followthrough audit verify --redis`)",
                r.id,
                r.proposal_id,
                held.get(r.id),
                r.hash,
            )
        return len(written), len(already), len(conflicts)

    # -- draining -----------------------------------------------------------------------------------------------

    def backlog(self, connection: Redis) -> int:
        """Entries appended since the last archived one (by the chains' sequence numbers)."""
        head = connection.hget(GLOBAL_HEAD, "seq")
        done = connection.hget(ARCHIVE_STATE, "seq")
        return max(0, int(head or 0) - int(done or 0))

    def drain(self, connection: Redis) -> DrainResult:
        """Archive what waits (up to ``batches`` batches); raises psycopg or Redis errors, having lost nothing."""
        seconds, micros = connection.time()
        # Ids are milliseconds (Redis's clock): everything appended up to ``settle`` ago. An entry appended later
        # gets a higher id than any read now, so the cursor never passes one unread.
        upper = str(int(seconds * 1000 + micros // 1000 - self.settle * 1000))
        cursor = connection.hget(ARCHIVE_STATE, "cursor")
        start = "(" + (cursor.decode() if cursor else "0-0")
        log = AuditLog(connection)
        archived = skipped = conflicts = 0
        for _ in range(self.batches):
            found = connection.xrange(GLOBAL_STREAM, start, upper, count=self.batch)
            if not found:
                break
            records = [record_from_stream(i, f) for i, f in found]
            written, already, differing = self._insert(records, log.signatures([r.id for r in records]))
            archived, skipped, conflicts = archived + written, skipped + already, conflicts + differing
            last = records[-1]
            connection.hset(
                ARCHIVE_STATE,
                mapping={
                    "cursor": last.id,
                    "seq": last.seq if last.seq is not None else connection.hget(ARCHIVE_STATE, "seq") or 0,
                    "failures": 0,
                    "last_error": "",
                    "archived_at": dt.datetime.now(dt.UTC).isoformat(),
                },
            )
            start = "(" + last.id
            if len(found) < self.batch:
                break
        return DrainResult(archived, skipped, conflicts, self.backlog(connection))

    def drain_if_due(self, connection: Redis) -> DrainResult | None:
        """One pass, unless another worker runs one or the last failure's back-off has not ended. Never raises:
        a failure is logged with the backlog and retried after the back-off."""
        token = secrets.token_hex(8)
        try:
            if not connection.set(ARCHIVE_LOCK, token, nx=True, px=int(self.lock_seconds * 1000)):
                return None
        except RedisError as exc:
            logger.warning("audit archive: Redis is unavailable (%s); trying again at the next pass", exc)
            return None
        try:
            result = self.drain(connection)
        except (psycopg.Error, OSError, RedisError) as exc:
            self.close()
            self._back_off(connection, token, exc)
            return None
        connection.register_script(_RELEASE)(keys=[ARCHIVE_LOCK], args=[token])
        if result.archived or result.conflicts:
            logger.info(
                "audit archive: %d entries archived (%d already there, %d differing), %d waiting",
                result.archived,
                result.skipped,
                result.conflicts,
                result.backlog,
            )
        if result.backlog > self.warn_backlog:
            logger.warning("audit archive: %d entries wait to be archived; it is falling behind", result.backlog)
        return result

    def _back_off(self, connection: Redis, token: str, exc: BaseException) -> None:
        try:
            failures = int(connection.hincrby(ARCHIVE_STATE, "failures", 1))
            connection.hset(ARCHIVE_STATE, "last_error", f"{type(exc).__name__}: {exc}"[:500])
            delay = min(self.max_backoff, self.min_backoff * 2 ** min(failures - 1, 20))
            if connection.get(ARCHIVE_LOCK) == token.encode():
                connection.pexpire(ARCHIVE_LOCK, max(1, int(delay * 1000)))
            backlog = self.backlog(connection)
        except RedisError:
            delay, backlog = self.min_backoff, -1
        message = "audit archive: PostgreSQL is unavailable (%s); %s entries wait in Redis, next try in %.0f s"
        waiting = str(backlog) if backlog >= 0 else "some"
        if backlog > self.warn_backlog or backlog < 0:
            logger.error(message, exc, waiting, delay)
        else:
            logger.warning(message, exc, waiting, delay)


def verify_archive(url: str, *, signer: Signer | None, connect_timeout: float = 10.0) -> Verification:
    """Verify the archived trail as ``verify_redis`` does Redis's: each row's ``entry`` is the entry as it was
    archived, so its hash, both chains and its signature are checked again (``followthrough audit verify
    --archive``)."""
    with psycopg.connect(url, connect_timeout=max(1, int(connect_timeout))) as conn:
        rows = conn.execute(f"SELECT entry FROM {TABLE} ORDER BY seq NULLS FIRST, entry_id").fetchall()
    entries = [json.loads(row[0]) for row in rows]
    first = next((e for e in entries if e.get("hash")), None)
    return verify_entries(
        entries, signer=signer, global_order=True, complete=first is not None and first.get("seq") == 1
    )
