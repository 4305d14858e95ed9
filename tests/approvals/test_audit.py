"""The audit chains in a real Redis: the script's SHA-256 is SHA-256, every entry links to its predecessors in both
chains, concurrent writers in several processes keep one chain, and tampering in Redis (an edited, deleted or
reordered entry, a forged signature, a cut-off tail) is caught by ``verify_redis`` and named."""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
import random
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from approvals.core.workflow import AuditEntry
from approvals.flow.audit import (
    _SHA256_LUA,
    GENESIS,
    GLOBAL_HEAD,
    GLOBAL_STREAM,
    POLICY_ID,
    SIGNATURES,
    START_UP,
    AuditLog,
    Signer,
    body_hash,
    canonical_json,
    chain_form,
    entry_hash,
    proposal_head,
    proposal_stream,
)
from approvals.flow.evidence import verify_redis
from approvals.flow.runtime import FILE_WATCHER, PolicySource

KEY = "k" * 32
NOW = dt.datetime(2025, 3, 4, 10, 0, tzinfo=dt.UTC)


_STREAM_FIELDS = ("proposal_id", "event", "actor", "at", "kid", "seq", "n", "prev", "prev_global", "hash")


def _write(log: AuditLog, proposal_id: str, event: str, **data: Any) -> None:
    log.write(proposal_id, AuditEntry(event, "U0BOB0001", data), at=NOW)


def _fill(log: AuditLog) -> None:
    """Two interleaved proposals: A1 B1 A2 B2 A3 B3."""
    for i in range(3):
        _write(log, "ft-aaaaaaaa", f"step.{i}", i=i, text="é ü ✓")
        _write(log, "ft-bbbbbbbb", f"step.{i}", i=i, amount=1.5)


def _rewrite(conn: redis.Redis, key: str, change: Callable[[list[tuple[bytes, dict]]], list[tuple[bytes, dict]]]):
    """What someone with Redis access does to change a stream's past: read it, change it, write it back."""
    entries = conn.xrange(key)
    conn.delete(key)
    for entry_id, fields in change(entries):
        conn.xadd(key, fields, id=entry_id)


def _in_both(conn: redis.Redis, proposal_id: str, change: Callable) -> None:
    _rewrite(conn, GLOBAL_STREAM, change)
    _rewrite(conn, proposal_stream(proposal_id), change)


# -- the script and the canonical form ---------------------------------------------------------------------------


def test_the_scripts_sha256_is_sha256(redis_db: redis.Redis) -> None:
    script = redis_db.register_script(
        _SHA256_LUA + "\nlocal out = {}\nfor i, a in ipairs(ARGV) do out[i] = sha256(a) end\nreturn out\n"
    )
    rng = random.Random(16)
    messages = [bytes(rng.randrange(256) for _ in range(n)) for n in range(0, 200)]
    messages += [b"abc", '{"body":"é"}'.encode(), os.urandom(4096)]
    assert [d.decode() for d in script(args=messages)] == [hashlib.sha256(m).hexdigest() for m in messages]


def test_an_entry_carries_both_links_and_the_hash_python_computes(redis_db: redis.Redis) -> None:
    log = AuditLog(redis_db)
    _fill(log)
    records = list(log.global_entries())
    assert [r.seq for r in records] == [1, 2, 3, 4, 5, 6]
    assert [(r.proposal_id, r.n) for r in records[:3]] == [("ft-aaaaaaaa", 1), ("ft-bbbbbbbb", 1), ("ft-aaaaaaaa", 2)]
    first, second, third = records[:3]
    assert first.prev == GENESIS and first.prev_global == GENESIS
    assert second.prev == GENESIS and second.prev_global == first.hash
    assert third.prev == first.hash and third.prev_global == second.hash
    for record in records:
        line = record.evidence()
        expected = hashlib.sha256(
            chain_form(
                body_hash(line), n=record.n, prev=record.prev, prev_global=record.prev_global, seq=record.seq
            ).encode()
        ).hexdigest()
        assert record.hash == expected == entry_hash(line)
    # the same entry, under the same id, in the proposal's own stream; heads point at the last entries
    assert [r.id for r in log.for_proposal("ft-aaaaaaaa")] == [records[0].id, records[2].id, records[4].id]
    assert redis_db.hget(GLOBAL_HEAD, "hash").decode() == records[-1].hash
    assert redis_db.hget(proposal_head("ft-bbbbbbbb"), "n") == b"3"


def test_the_canonical_form_is_sorted_compact_ascii() -> None:
    form = chain_form("b" * 64, n=2, prev="p" * 64, prev_global="g" * 64, seq=7)
    assert (
        form == '{"body":"' + "b" * 64 + '","n":2,"prev":"' + "p" * 64 + '","prev_global":"' + "g" * 64 + '","seq":7}'
    )


def test_a_store_transaction_commits_the_entry_and_signs_it(redis_db: redis.Redis) -> None:
    log = AuditLog(redis_db, key=KEY)
    pipe = redis_db.pipeline(transaction=True)
    pipe.set("ft:something", "1")
    appended = log.append(pipe, "ft-aaaaaaaa", AuditEntry("proposal.created", "U1", {"x": 1}), at=NOW)
    results = pipe.execute()
    log.sign(results, appended)
    (record,) = log.for_proposal("ft-aaaaaaaa")
    assert record.kid == log.kid
    assert Signer(KEY).check(record.hash, redis_db.hget(SIGNATURES, record.id).decode()) == "valid"
    assert "k" * 32 not in repr(log.signer)


# -- verify: all good, and each kind of tampering ----------------------------------------------------------------


def test_an_untouched_trail_verifies_with_and_without_the_key(redis_db: redis.Redis) -> None:
    _fill(AuditLog(redis_db, key=KEY))
    signed = verify_redis(redis_db, signer=Signer(KEY))
    assert signed.ok, signed.summary()
    assert signed.summary().startswith("OK: 6 entries in 2 chains (seq 1-6)")
    assert "6 signatures valid" in signed.summary()
    unsigned = verify_redis(redis_db, signer=None)
    assert unsigned.ok
    assert "signatures not checked (FOLLOWTHROUGH_AUDIT_KEY is not set)" in unsigned.summary()


def test_an_edited_entry_is_named(redis_db: redis.Redis) -> None:
    _fill(AuditLog(redis_db, key=KEY))
    target = AuditLog(redis_db).for_proposal("ft-aaaaaaaa")[1]

    def edit(entries: list) -> list:
        return [
            (i, {**f, b"data": b'{"i":1,"text":"nothing happened"}'} if i.decode() == target.id else f)
            for i, f in entries
        ]

    _in_both(redis_db, "ft-aaaaaaaa", edit)
    for signer in (None, Signer(KEY)):
        result = verify_redis(redis_db, signer=signer)
        assert not result.ok
        assert result.problems[0].entry_id == target.id
        assert "its content does not match its hash: it was edited" in result.summary()


def test_an_entry_edited_in_one_copy_only_is_named(redis_db: redis.Redis) -> None:
    _fill(AuditLog(redis_db))
    target = AuditLog(redis_db).for_proposal("ft-bbbbbbbb")[0]
    _rewrite(
        redis_db,
        proposal_stream("ft-bbbbbbbb"),
        lambda entries: [(i, {**f, b"actor": b"U0EVE0001"} if i.decode() == target.id else f) for i, f in entries],
    )
    result = verify_redis(redis_db, signer=None)
    assert result.problems[0].entry_id == target.id
    assert "differs from the global one" in result.summary()


def test_a_deleted_entry_is_named_by_the_entry_after_it(redis_db: redis.Redis) -> None:
    _fill(AuditLog(redis_db, key=KEY))
    records = list(AuditLog(redis_db).global_entries())
    deleted = records[2]  # ft-aaaaaaaa #2, seq 3
    redis_db.xdel(GLOBAL_STREAM, deleted.id)
    redis_db.xdel(proposal_stream("ft-aaaaaaaa"), deleted.id)
    result = verify_redis(redis_db, signer=Signer(KEY))
    assert not result.ok
    assert result.problems[0].entry_id == records[3].id
    assert "seq 3 of the global chain is missing before this entry: deleted" in result.summary()
    assert any("#2 of ft-aaaaaaaa is missing" in p.what and p.entry_id == records[4].id for p in result.problems)


def test_two_swapped_entries_are_named(redis_db: redis.Redis) -> None:
    _fill(AuditLog(redis_db, key=KEY))
    records = list(AuditLog(redis_db).global_entries())
    a, b = records[2].id.encode(), records[4].id.encode()  # ft-aaaaaaaa #2 and #3

    def swap(entries: list) -> list:
        fields = {i: f for i, f in entries}
        return [(i, fields[b] if i == a else fields[a] if i == b else f) for i, f in entries]

    _in_both(redis_db, "ft-aaaaaaaa", swap)
    result = verify_redis(redis_db, signer=Signer(KEY))
    assert not result.ok
    assert result.problems[0].entry_id == records[2].id
    assert "#2 of ft-aaaaaaaa is missing" in result.problems[0].what
    assert result.problems[0].what.endswith("deleted, or moved")
    assert any("the order was changed" in p.what for p in result.problems)


def test_a_forged_signature_is_named(redis_db: redis.Redis) -> None:
    _fill(AuditLog(redis_db, key=KEY))
    records = list(AuditLog(redis_db).global_entries())
    redis_db.hset(SIGNATURES, records[1].id, Signer(KEY).kid + ":" + "0" * 64)
    redis_db.hset(SIGNATURES, records[4].id, Signer("another key, 32 characters long").sign(records[4].hash))
    result = verify_redis(redis_db, signer=Signer(KEY))
    assert [p.entry_id for p in result.problems] == [records[1].id, records[4].id]
    assert "its signature does not match its hash: it is forged" in result.summary()
    assert "made with another key: it is forged" in result.problems[1].what


def test_a_history_rewritten_and_rehashed_without_the_key_fails_its_signatures(redis_db: redis.Redis) -> None:
    """Someone with Redis access edits an entry and recomputes every hash after it: the chains agree again, but
    they cannot sign the new hashes."""
    _fill(AuditLog(redis_db, key=KEY))
    records = list(AuditLog(redis_db).global_entries())
    target = records[1]
    rehashed: dict[bytes, dict] = {}
    heads: dict[str, str] = {}
    previous = GENESIS
    for record in records:
        line = record.evidence()
        if record.id == target.id:
            line["data"] = {"i": 0, "amount": 999}
        line["prev"] = heads.get(record.proposal_id, GENESIS)
        line["prev_global"] = previous
        line["hash"] = entry_hash(line)
        heads[record.proposal_id] = previous = line["hash"]
        fields = {name: str(line[name]) for name in _STREAM_FIELDS}
        fields["data"] = canonical_json(line["data"])
        rehashed[record.id.encode()] = fields
    for key in (GLOBAL_STREAM, proposal_stream("ft-aaaaaaaa"), proposal_stream("ft-bbbbbbbb")):
        _rewrite(redis_db, key, lambda entries: [(i, rehashed[i]) for i, _ in entries])
    redis_db.hset(GLOBAL_HEAD, "hash", previous)
    for proposal_id, digest in heads.items():
        redis_db.hset(proposal_head(proposal_id), "hash", digest)

    assert verify_redis(redis_db, signer=None).ok, "without the key a consistent re-hash cannot be told"
    result = verify_redis(redis_db, signer=Signer(KEY))
    assert result.problems[0].entry_id == target.id
    assert "signature does not match its hash" in result.summary()


def test_a_removed_signature_and_a_cut_off_tail_are_named(redis_db: redis.Redis) -> None:
    _fill(AuditLog(redis_db, key=KEY))
    records = list(AuditLog(redis_db).global_entries())
    redis_db.hdel(SIGNATURES, records[0].id)
    redis_db.xdel(GLOBAL_STREAM, records[-1].id)
    redis_db.xdel(proposal_stream("ft-bbbbbbbb"), records[-1].id)
    result = verify_redis(redis_db, signer=Signer(KEY))
    assert result.problems[0].entry_id == records[0].id
    assert "carries no signature" in result.problems[0].what
    assert any("global chain's head" in p.what and "deleted" in p.what for p in result.problems)


def test_an_entry_written_without_a_key_after_signing_began_is_named(redis_db: redis.Redis) -> None:
    _write(AuditLog(redis_db), "ft-aaaaaaaa", "before.signing")
    _write(AuditLog(redis_db, key=KEY), "ft-aaaaaaaa", "signed")
    _write(AuditLog(redis_db), "ft-aaaaaaaa", "inserted")
    result = verify_redis(redis_db, signer=Signer(KEY))
    assert len(result.problems) == 1
    assert result.problems[0].event == "inserted"
    assert "written without a key after signing began" in result.summary()


def test_entries_from_before_the_chains_are_counted_not_failed(redis_db: redis.Redis) -> None:
    fields = {"proposal_id": "ft-aaaaaaaa", "event": "old", "actor": "U1", "at": NOW.isoformat(), "data": "{}"}
    # Both copies under one id: a later id in the proposal stream could equal the next chained entry's (same ms).
    entry_id = redis_db.xadd(GLOBAL_STREAM, fields)
    redis_db.xadd(proposal_stream("ft-aaaaaaaa"), fields, id=entry_id)
    _fill(AuditLog(redis_db))
    result = verify_redis(redis_db, signer=None)
    assert result.ok, result.summary()
    assert "1 entries from before the chains existed" in result.summary()


# -- concurrency -------------------------------------------------------------------------------------------------


def _hammer(url: str, worker: int, count: int) -> None:
    connection = redis.Redis.from_url(url)
    log = AuditLog(connection, key=KEY)
    for i in range(count):
        proposal_id = ("ft-shared00", f"ft-own{worker:05d}")[i % 2]
        log.write(proposal_id, AuditEntry("load.write", f"W{worker}", {"i": i}), at=dt.datetime.now(dt.UTC))
    connection.close()


def test_concurrent_writers_in_several_processes_and_threads_keep_one_chain(
    redis_server: Any, redis_db: redis.Redis
) -> None:
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_hammer, args=(redis_server.url, w, 40)) for w in range(4)]
    threads = [threading.Thread(target=_hammer, args=(redis_server.url, 10 + w, 40)) for w in range(3)]
    for worker in (*processes, *threads):
        worker.start()
    for worker in (*processes, *threads):
        worker.join(timeout=60)
    assert all(p.exitcode == 0 for p in processes)
    records = list(AuditLog(redis_db).global_entries())
    assert [r.seq for r in records] == list(range(1, 7 * 40 + 1))
    shared = AuditLog(redis_db).for_proposal("ft-shared00")
    assert [r.n for r in shared] == list(range(1, 7 * 20 + 1))
    result = verify_redis(redis_db, signer=Signer(KEY))
    assert result.ok, result.summary()
    assert result.signed == 280


# -- policy changes ----------------------------------------------------------------------------------------------

POLICY = """version: 1
roles:
  leads: {groups: [eng-leads]}
admins: [leads]
actions:
  jira.comment:
    request: [everyone]
    rules:
      - approve: {by: [leads]}
"""


def _policy_log(redis_db: redis.Redis, path: Path) -> tuple[PolicySource, AuditLog]:
    source = PolicySource(path, check_interval=0)
    log = AuditLog(redis_db, key=KEY)
    source.observe(lambda policy, text, by: log.record_policy(policy, text, by=by, at=NOW))
    return source, log


def test_policy_changes_are_audited_once_with_who_the_hashes_and_the_diff(
    redis_db: redis.Redis, tmp_path: Path
) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(POLICY)
    bot, log = _policy_log(redis_db, path)
    worker, _ = _policy_log(redis_db, path)  # another process watching the same file
    first = log.record_policy(bot.current, bot.text, by=START_UP, at=NOW)
    assert first is not None and first.event == "policy.changed"
    assert log.record_policy(worker.current, worker.text, by=START_UP, at=NOW) is None, "recorded once"
    old_hash = bot.current.content_hash

    path.write_text(POLICY.replace("approve: {by: [leads]}", "approve: {by: [leads], min_approvers: 2}"))
    assert worker.current.content_hash != old_hash  # its file watcher noticed and recorded the change
    assert bot.current.content_hash == worker.current.content_hash  # the bot noticed too, and found it recorded
    bot.reload(by="U0GRACE01")  # an admin's reload of the same file: recorded as a reload, not a change

    entries = log.for_proposal(POLICY_ID)
    assert [(e.event, e.actor) for e in entries] == [
        ("policy.changed", START_UP),
        ("policy.changed", FILE_WATCHER),
        ("policy.reloaded", "U0GRACE01"),
    ]
    change = entries[1].data
    assert change["old_hash"] == old_hash and change["new_hash"] == bot.current.content_hash
    assert "-      - approve: {by: [leads]}\n+      - approve: {by: [leads], min_approvers: 2}\n" in change["diff"]
    assert change["diff"].startswith(f"--- policy {old_hash}\n+++ policy {bot.current.content_hash}\n")
    assert entries[0].data["old_hash"] is None and "+version: 1\n" in entries[0].data["diff"]
    assert entries[2].data == {"hash": bot.current.content_hash, "changed": False, "source": str(path)}
    assert verify_redis(redis_db, signer=Signer(KEY)).ok


def test_an_invalid_policy_file_records_nothing(redis_db: redis.Redis, tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(POLICY)
    source, log = _policy_log(redis_db, path)
    path.write_text("version: 1\nactions: [")
    source.current  # noqa: B018 - the file watcher's look at the file
    assert source.last_error is not None
    assert log.for_proposal(POLICY_ID) == []


@pytest.mark.parametrize("by", ["U0GRACE01", FILE_WATCHER])
def test_a_failing_audit_never_keeps_a_good_policy_from_loading(tmp_path: Path, by: str) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(POLICY)
    source = PolicySource(path, check_interval=0)

    def broken(*args: Any) -> None:
        raise redis.ConnectionError("Redis is down")

    source.observe(broken)
    path.write_text(POLICY + "\n# a comment\n")
    assert source.reload(by=by).content_hash != hashlib.sha256(POLICY.encode()).hexdigest()[:16]
