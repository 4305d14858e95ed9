"""Retention (approvals.flow.retention): a finished proposal leaves Redis once the archive holds its whole trail,
what is still needed stays, and the trail left in Redis still verifies, anchored to what was trimmed."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from approvals.core.states import ProposalState
from approvals.flow import keys
from approvals.flow.archive import TABLE
from approvals.flow.audit import GLOBAL_STREAM, Signer, proposal_stream
from approvals.flow.evidence import verify_entries, verify_redis
from approvals.flow.ledger import action_id
from approvals.flow.retention import RETENTION_ID, retire_finished, retire_if_due
from approvals.flow.store import Owed
from bot import action_ids
from sandbox.postgres_server import PostgresServer
from tests.conftest import FAST_SETTINGS, NORTHWIND_POLICY
from tests.e2e.helpers import ask, is_card, start_thread
from tests.flow import Flow, running_flow

KEY = "the audit key of the retention test"


@pytest.fixture
def archived_flow(sandbox: Any, redis_server: Any, redis_db: Any, postgres: PostgresServer) -> Iterator[Flow]:
    settings = {**FAST_SETTINGS, "followthrough_audit_key": KEY, "followthrough_audit_database_url": postgres.url}
    with running_flow(sandbox, redis_server.url, policy=NORTHWIND_POLICY, **settings) as flow:
        archive = flow.runtime.store.audit.archive
        assert archive is not None
        archive.settle = 0.0
        flow.runtime.timing = dataclasses.replace(flow.runtime.timing, retention=0.0)
        yield flow
        archive.close()
        with psycopg.connect(postgres.url, autocommit=True) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {TABLE} CASCADE")


def _request(flow: Flow, *, approve: bool) -> str:
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread)
    flow.settle()
    card = next(m for m in flow.driver.thread("#support", thread) if is_card(m))
    if approve:
        assert flow.driver.click("bob", card["channel"], card["ts"], action_ids.APPROVE).acked
        flow.settle()
    (proposal,) = flow.runtime.store.for_thread(card["channel"], thread)
    return proposal.id


def _drain(flow: Flow) -> None:
    archive = flow.runtime.store.audit.archive
    assert archive is not None
    drained = archive.drain(flow.runtime.connection)
    assert drained.backlog == 0


def test_a_finished_and_archived_proposal_leaves_redis_and_what_is_left_still_verifies(
    archived_flow: Flow, postgres: PostgresServer
) -> None:
    flow, rt = archived_flow, archived_flow.runtime
    done_id = _request(flow, approve=True)
    waiting_id = _request(flow, approve=False)
    done = rt.store.get(done_id)
    assert done.state is ProposalState.SUCCEEDED
    assert rt.store.get(waiting_id).state is ProposalState.AWAITING_APPROVAL
    ledger_key = keys.ledger_entry(action_id(done.id, 0, done.fingerprint))
    assert rt.connection.exists(ledger_key)
    entries_before = rt.connection.xlen(GLOBAL_STREAM)
    _drain(flow)

    result = retire_finished(rt)

    assert result.retired == 1 and result.trimmed == entries_before
    assert rt.store.find(done_id) is None
    assert not rt.connection.exists(proposal_stream(done_id), ledger_key)
    assert done_id not in {p.id for p in rt.store.by_requester(done.requester)}
    assert rt.store.get(waiting_id).state is ProposalState.AWAITING_APPROVAL, "a waiting proposal stays"
    assert rt.connection.xlen(proposal_stream(waiting_id)) >= 1, "its own chain stays whole"
    # The pass is audited, and the trail left in Redis verifies from the anchor on.
    retention_entries = rt.store.audit.for_proposal(RETENTION_ID)
    assert retention_entries and retention_entries[-1].data["ids"] == [done_id]
    signer = Signer(KEY)
    left = verify_redis(rt.connection, signer=signer)
    assert left.ok, left.summary()
    assert any("archived and trimmed" in note for note in left.notes), left.notes
    # The archive holds everything, retired or not, and verifies whole.
    _drain(flow)
    with psycopg.connect(postgres.url) as conn:
        rows = [json.loads(r[0]) for r in conn.execute(f"SELECT entry FROM {TABLE} ORDER BY seq")]
    archived = verify_entries(rows, signer=signer, global_order=True, complete=True)
    assert archived.ok, archived.summary()
    assert {r["proposal_id"] for r in rows} >= {done_id, waiting_id, RETENTION_ID}


def test_nothing_is_retired_that_the_archive_does_not_hold_or_that_is_still_owed(archived_flow: Flow) -> None:
    flow, rt = archived_flow, archived_flow.runtime
    finished = _request(flow, approve=True)
    _drain(flow)
    cursor = rt.connection.hget(keys.ARCHIVE_STATE, "cursor")
    rt.connection.hdel(keys.ARCHIVE_STATE, "cursor")
    assert retire_finished(rt).skipped == "the archive holds nothing yet"
    # The archive holds all but the proposal's newest entry: it stays.
    (newest, _), (before_newest, _) = rt.connection.xrevrange(proposal_stream(finished), count=2)
    rt.connection.hset(keys.ARCHIVE_STATE, "cursor", before_newest)
    assert retire_finished(rt).retired == 0 and rt.store.find(finished) is not None
    assert rt.connection.xrange(GLOBAL_STREAM, newest, newest), "nothing past the cursor is trimmed"
    rt.connection.hset(keys.ARCHIVE_STATE, "cursor", cursor)

    done = rt.store.get(finished)
    owed = Owed(done.id, done.state, done.version, rt.clock()).to_json()
    rt.connection.hset(keys.OWED_ANNOUNCEMENTS, finished, owed)  # as if its result had never been said
    assert retire_finished(rt).retired == 0 and rt.store.find(finished) is not None
    rt.connection.hdel(keys.OWED_ANNOUNCEMENTS, finished)
    assert retire_finished(rt).retired == 1 and rt.store.find(finished) is None


def test_a_deleted_entry_after_the_anchor_is_caught(archived_flow: Flow) -> None:
    flow, rt = archived_flow, archived_flow.runtime
    _request(flow, approve=True)
    _drain(flow)
    retire_finished(rt)
    _request(flow, approve=False)
    (first_id, _), *_ = rt.connection.xrange(GLOBAL_STREAM, count=1)
    rt.connection.xdel(GLOBAL_STREAM, first_id)

    tampered = verify_redis(rt.connection, signer=Signer(KEY))

    assert not tampered.ok
    assert any("retention anchor" in p.what for p in tampered.problems), tampered.summary()


def test_passes_run_at_most_once_an_hour_across_workers(archived_flow: Flow) -> None:
    rt = archived_flow.runtime
    assert retire_if_due(rt) is not None
    assert retire_if_due(rt) is None
