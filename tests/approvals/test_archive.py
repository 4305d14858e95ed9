"""The PostgreSQL archive of the audit trail, against a real PostgreSQL server these tests start themselves (Debian's
binaries, a free port, a temporary directory; never a server the machine already runs): entries arrive, the table
refuses changes, a PostgreSQL that is down costs nothing but a backlog, and nothing is written twice."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

import app
from approvals.core.workflow import AuditEntry
from approvals.flow.archive import ARCHIVE_LOCK, ARCHIVE_STATE, TABLE, AuditArchive, verify_archive
from approvals.flow.audit import GLOBAL_STREAM, AuditLog, Signer
from approvals.flow.evidence import verify_entries
from sandbox.postgres_server import PostgresServer

KEY = "an audit key of at least 16 chars"


@pytest.fixture
def database(postgres: PostgresServer) -> str:
    """A fresh database per test on the private server."""
    name = f"audit_{os.urandom(4).hex()}"
    with psycopg.connect(postgres.url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return f"postgresql://postgres@127.0.0.1:{postgres.port}/{name}"


def _archive(url: str, **options: Any) -> AuditArchive:
    return AuditArchive(
        url, **{"settle": 0.0, "min_backoff": 0.05, "max_backoff": 0.2, "connect_timeout": 1, **options}
    )


def _write(log: AuditLog, count: int, proposal_id: str = "ft-aaaaaaaa") -> None:
    for i in range(count):
        log.write(proposal_id, AuditEntry("step", "U0BOB0001", {"i": i}), at=dt.datetime.now(dt.UTC))


def _rows(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            f"SELECT entry_id, seq, proposal_id, n, event, hash, sig, entry FROM {TABLE} ORDER BY seq"
        ).fetchall()


def _drain(archive: AuditArchive, connection: redis.Redis, *, timeout: float = 10.0) -> None:
    """Passes until nothing waits (a pass may find the previous failure's back-off still running)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = archive.drain_if_due(connection)
        if result is not None and result.backlog == 0:
            return
        time.sleep(0.05)
    raise AssertionError(f"the archive did not drain: {connection.hgetall(ARCHIVE_STATE)}")


def test_every_entry_reaches_the_table_as_it_was_signed(redis_db: redis.Redis, database: str) -> None:
    log = AuditLog(redis_db, key=KEY)
    _write(log, 5)
    _write(log, 2, "ft-bbbbbbbb")
    archive = _archive(database, batch=3)  # several batches in one pass
    result = archive.drain_if_due(redis_db)
    assert result is not None and (result.archived, result.skipped, result.backlog) == (7, 0, 0)
    rows = _rows(database)
    assert [r[1] for r in rows] == list(range(1, 8))
    assert [r[0] for r in rows] == [r.id for r in log.global_entries()]
    assert all(r[6] and r[6].startswith(Signer(KEY).kid + ":") for r in rows)
    # the archived lines are evidence: they verify on their own, signatures included
    verified = verify_entries([json.loads(r[7]) for r in rows], signer=Signer(KEY), global_order=True, complete=True)
    assert verified.ok, verified.summary()
    assert redis_db.exists(ARCHIVE_LOCK) == 0, "the lock is released after a pass"


def test_the_table_is_append_only(redis_db: redis.Redis, database: str) -> None:
    _write(AuditLog(redis_db), 1)
    _drain(_archive(database), redis_db)
    with psycopg.connect(database) as conn:
        for statement in (f"UPDATE {TABLE} SET actor = 'U0EVE0001'", f"DELETE FROM {TABLE}", f"TRUNCATE {TABLE}"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(statement)
            conn.rollback()
    assert len(_rows(database)) == 1


def test_while_postgresql_is_down_entries_wait_in_redis_then_arrive_once(
    redis_db: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    server = PostgresServer().initialise().start()
    try:
        archive = _archive(server.url, min_backoff=0.5, max_backoff=1.0)
        log = AuditLog(redis_db, key=KEY)
        _write(log, 3)
        _drain(archive, redis_db)
        server.stop()

        _write(log, 4)
        with caplog.at_level(logging.WARNING, logger="approvals.flow.archive"):
            assert archive.drain_if_due(redis_db) is None
        assert "PostgreSQL is unavailable" in caplog.text and "4 entries wait in Redis" in caplog.text
        assert archive.backlog(redis_db) == 4
        assert archive.drain_if_due(redis_db) is None, "no worker tries again before the back-off ends"
        assert int(redis_db.hget(ARCHIVE_STATE, "failures")) == 1
        _write(log, 1)  # appending never waits for PostgreSQL
        assert archive.backlog(redis_db) == 5

        server.start()
        _drain(archive, redis_db)
        rows = _rows(server.url)
        assert [r[1] for r in rows] == list(range(1, 9))
        assert len({r[0] for r in rows}) == 8
        assert redis_db.hget(ARCHIVE_STATE, "failures") == b"0"
    finally:
        server.destroy()


def test_a_pass_that_died_before_moving_its_cursor_writes_nothing_twice(redis_db: redis.Redis, database: str) -> None:
    log = AuditLog(redis_db)
    _write(log, 4)
    archive = _archive(database)
    _drain(archive, redis_db)
    redis_db.hset(ARCHIVE_STATE, mapping={"cursor": "0-0", "seq": 0})  # as if the cursor had not moved
    _write(log, 1)
    result = archive.drain_if_due(redis_db)
    assert result is not None and (result.archived, result.skipped, result.conflicts) == (1, 4, 0)
    assert [r[1] for r in _rows(database)] == [1, 2, 3, 4, 5]


def test_several_workers_draining_at_once_write_each_entry_once(redis_db: redis.Redis, database: str) -> None:
    log = AuditLog(redis_db)
    stop = threading.Event()

    def worker() -> None:
        archive = _archive(database, batch=7)
        connection = redis.Redis(connection_pool=redis_db.connection_pool)
        while not stop.is_set():
            archive.drain_if_due(connection)
            # a second pass after a lost lock, or a crash before the cursor moved: the table keeps one copy
            redis_db.hset(ARCHIVE_STATE, "cursor", "0-0")
        archive.close()

    workers = [threading.Thread(target=worker) for _ in range(3)]
    for thread in workers:
        thread.start()
    _write(log, 60)
    time.sleep(0.3)
    stop.set()
    for thread in workers:
        thread.join(timeout=30)
    _drain(_archive(database), redis_db)
    rows = _rows(database)
    assert [r[1] for r in rows] == list(range(1, 61))


def test_an_entry_changed_in_redis_after_it_was_archived_is_reported_not_overwritten(
    redis_db: redis.Redis, database: str, caplog: pytest.LogCaptureFixture
) -> None:
    log = AuditLog(redis_db)
    _write(log, 2)
    archive = _archive(database)
    _drain(archive, redis_db)
    first = next(iter(log.global_entries()))
    original = _rows(database)[0]
    entries = redis_db.xrange(GLOBAL_STREAM)
    redis_db.delete(GLOBAL_STREAM)
    for entry_id, fields in entries:
        changed = {**fields, b"hash": b"f" * 64} if entry_id.decode() == first.id else fields
        redis_db.xadd(GLOBAL_STREAM, changed, id=entry_id)
    redis_db.hset(ARCHIVE_STATE, mapping={"cursor": "0-0", "seq": 0})
    with caplog.at_level(logging.ERROR, logger="approvals.flow.archive"):
        result = archive.drain_if_due(redis_db)
    assert result is not None and result.conflicts == 1
    assert f"entry {first.id} of ft-aaaaaaaa is archived with hash" in caplog.text
    assert _rows(database)[0] == original


def test_the_archive_verifies_on_its_own_and_an_entry_changed_there_is_named(
    redis_db: redis.Redis,
    database: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = AuditLog(redis_db, key=KEY)
    _write(log, 4)
    _drain(_archive(database), redis_db)
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("FOLLOWTHROUGH_AUDIT_DATABASE_URL", database)
    monkeypatch.setenv("FOLLOWTHROUGH_AUDIT_KEY", KEY)
    assert app.main(["audit", "verify", "--archive"]) == 0
    assert capsys.readouterr().out.startswith("OK: 4 entries in 1 chain (seq 1-4)")

    third = _rows(database)[2]
    entry = json.loads(third[7])
    entry["data"] = {"i": 99}
    with psycopg.connect(database) as conn:  # the table's owner can switch its guard off: the chain still tells
        conn.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TABLE}_no_change")
        conn.execute(f"UPDATE {TABLE} SET entry = %s WHERE entry_id = %s", (json.dumps(entry), third[0]))
    result = verify_archive(database, signer=Signer(KEY))
    assert result.problems[0].entry_id == third[0]
    assert "its content does not match its hash" in result.summary()
    assert app.main(["audit", "verify", "--archive"]) == 1
    assert capsys.readouterr().out.startswith(f"FAILED: entry {third[0]} (seq 3,")
