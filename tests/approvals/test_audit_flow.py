"""The audit of a whole request as the product writes it (tests/flow.py: the real Bolt app, the sandbox, the jobs):
Dana asks, Bob approves, PAY-13 is created, Dana undoes it and Carol approves the undo. Every entry is chained and
signed, the trail verifies in Redis, the evidence pack of the request tells the story and verifies, and the
PostgreSQL archive holds the same entries."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from app import record_policy_at_start, utc_now
from approvals.core.states import ProposalState
from approvals.flow.archive import TABLE
from approvals.flow.audit import POLICY_ID, Signer
from approvals.flow.evidence import EvidenceExporter, Scope, verify_entries, verify_pack, verify_redis
from bot import action_ids
from sandbox.postgres_server import PostgresServer
from sandbox.slack.driver import message_text
from tests.conftest import FAST_SETTINGS, NORTHWIND_POLICY
from tests.e2e.helpers import ask, is_card, start_thread
from tests.flow import Flow, running_flow

KEY = "the audit key of the flow test, 32+"


@pytest.fixture
def audited_flow(sandbox: Any, redis_server: Any, redis_db: Any, postgres: PostgresServer) -> Iterator[Flow]:
    settings = {**FAST_SETTINGS, "followthrough_audit_key": KEY, "followthrough_audit_database_url": postgres.url}
    with running_flow(sandbox, redis_server.url, policy=NORTHWIND_POLICY, **settings) as flow:
        yield flow


def test_a_request_and_its_undo_leave_a_signed_trail_that_exports_verifies_and_is_archived(
    audited_flow: Flow, postgres: PostgresServer
) -> None:
    flow = audited_flow
    record_policy_at_start(flow.runtime)
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread)
    flow.settle()
    card = next(m for m in flow.driver.thread("#support", thread) if is_card(m))
    assert flow.driver.click("bob", card["channel"], card["ts"], action_ids.APPROVE).acked
    flow.settle()
    result = next(m for m in flow.driver.thread("#support", thread) if "Created" in message_text(m) and not is_card(m))
    assert flow.driver.click("dana", result["channel"], result["ts"], action_ids.UNDO).acked
    flow.settle()
    undo_card = next(
        m for m in flow.driver.thread("#support", thread) if is_card(m) and "asks to undo" in message_text(m)
    )
    assert flow.driver.click("carol", undo_card["channel"], undo_card["ts"], action_ids.APPROVE).acked
    flow.settle()
    succeeded = flow.runtime.store.in_states((ProposalState.SUCCEEDED,))
    original = next(p for p in succeeded if p.undo_of is None)
    assert original.undo is not None and original.undo in {p.id for p in succeeded}

    signer = Signer(KEY)
    in_redis = verify_redis(flow.runtime.connection, signer=signer)
    assert in_redis.ok, in_redis.summary()
    assert in_redis.signed == in_redis.entries > 10

    out = io.StringIO()
    EvidenceExporter(flow.runtime.connection, signer=signer, clock=utc_now).write(Scope(proposal_id=original.id), out)
    lines = out.getvalue().splitlines(keepends=True)
    pack = verify_pack(lines, signer=signer)
    assert pack.ok, pack.summary()
    parsed = [json.loads(line) for line in lines]
    snapshots = {p["id"]: p["evidence"] for p in parsed if p["type"] == "proposal"}
    assert set(snapshots) == {original.id, original.undo}
    story = snapshots[original.id]
    assert story["asked"]["by"] == "U0DANA001" and story["asked"]["permalink"]
    assert story["understanding"]["extractor"] and story["understanding"]["read"]
    assert story["policy"]["hash"] == flow.runtime.policy.current.content_hash and story["policy"]["rule"]
    assert ("proposal.approved", "U0BOB0001") in {(d["event"], d["by"]) for d in story["decisions"]}
    done = [c for c in story["system_calls"] if c["event"] == "action.done"]
    assert done and done[0]["key"] == "PAY-13" and done[0]["system"] == "jira"
    assert story["ledger"][0]["status"] == "done"
    assert story["results"][0]["key"] == "PAY-13"
    assert story["undo"] == {"undoes": None, "undone_by": original.undo}
    assert snapshots[original.undo]["undo"]["undoes"] == original.id
    assert any(p["type"] == "entry" and p["proposal_id"] == POLICY_ID for p in parsed)

    archive = flow.runtime.store.audit.archive
    assert archive is not None
    archive.settle = 0.0
    drained = archive.drain_if_due(flow.runtime.connection)
    assert drained is not None and drained.archived == in_redis.entries and drained.backlog == 0
    with psycopg.connect(postgres.url) as conn:
        rows = [json.loads(r[0]) for r in conn.execute(f"SELECT entry FROM {TABLE} ORDER BY seq")]
    archived = verify_entries(rows, signer=signer, global_order=True, complete=True)
    assert archived.ok and archived.signed == in_redis.entries
    archive.close()
