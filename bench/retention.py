"""What finished proposals cost Redis, with and without retention.

    python bench/retention.py [--proposals 1000]

Set-up: a private Redis and a private PostgreSQL (Debian's binaries), both started here. Each proposal is what a
Jira request leaves behind in production, written by the product's own code: the record (approvals.flow.store) with
the audit line of its creation (who asked, the four thread messages read, what was understood and proposed, the
policy), then submitted, approved, started and succeeded through the workflow (one audit entry each, in both the
proposal's chain and the global chain, signed), and its ledger entry (approvals.flow.ledger) opened, sent and done.

Printed:
  in flight      Redis memory (INFO used_memory) per 1,000 finished proposals before retention, and by kind of key
  archived       the time to archive their audit to PostgreSQL (approvals.flow.archive)
  retired        the time of the retention pass (approvals.flow.retention), used_memory left above the empty server
                 per 1,000 (Redis's own: loaded scripts, buffers, allocator), and what the ft: keys still hold

This is a benchmark, not a test: it asserts only that every proposal was retired.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from approvals.core import workflow
from approvals.core.actions import JiraCreateIssue
from approvals.core.policy import Principal, load_policy
from approvals.core.proposal import ActionResult, build_proposal, new_proposal_id
from approvals.core.workflow import AuditEntry
from approvals.flow.archive import AuditArchive
from approvals.flow.audit import AuditLog
from approvals.flow.ledger import Ledger, action_id
from approvals.flow.retention import retire_finished
from approvals.flow.runtime import Runtime, Timing
from approvals.flow.store import ProposalStore
from sandbox.postgres_server import PostgresServer
from sandbox.redis_server import RedisServer

POLICY = Path(__file__).resolve().parent.parent / "policies" / "northwind.yml"
KEY = "the benchmark's audit key, 32 chars+"
THREAD = (
    "Checkout fails on Safari 17 for customers with saved cards; the pay button spins and never returns.",
    "Seen by three customers this morning, all on macOS, all with a card saved before the November release.",
    "Support ticket ZD-48211 has the HAR file; the 500 comes from /api/checkout/confirm.",
    "@followthrough file this as a bug in PAY, assign Alice, due Friday",
)


def _kind(key: str) -> str:
    parts = key.split(":")
    return ":".join(parts[:2]) if len(parts) > 2 else key


def memory_by_kind(connection: Any) -> dict[str, int]:
    sizes: dict[str, int] = defaultdict(int)
    for key in connection.scan_iter("ft:*", count=1000):
        sizes[_kind(key.decode())] += int(connection.memory_usage(key) or 0)
    return dict(sizes)


def make(store: ProposalStore, ledger: Ledger, count: int, *, now: dt.datetime) -> None:
    policy = load_policy(POLICY)
    requester = Principal("U0DANA001", groups=frozenset({"support"}))
    approver = Principal("U0BOB0001", groups=frozenset({"eng-leads"}))
    for number in range(count):
        action = JiraCreateIssue(
            project="PAY", issue_type="Bug", summary=f"Checkout fails on Safari ({number})", description=THREAD[0]
        )
        decision = policy.decide(action, requester=requester, channel_names=("support",))
        proposal = build_proposal(
            proposal_id=new_proposal_id(),
            requester=requester.user_id,
            channel="C0SUPP001",
            thread_ts=f"17650000{number:02d}.000100",
            request_ts=f"17650000{number:02d}.000200",
            request_text=THREAD[-1],
            actions=(action,),
            decision=decision,
            now=now,
            permalink=f"https://northwind.slack.com/archives/C0SUPP001/p17650000{number:02d}000100",
        )
        created = {
            "requester": requester.user_id,
            "request_text": THREAD[-1],
            "read": [{"user": "U0DANA001", "ts": f"1765.{i}", "text": text} for i, text in enumerate(THREAD)],
            "extractor": "offline-parser",
            "proposed": [action.model_dump(mode="json")],
            "policy": decision.to_dict(),
        }
        store.create(proposal, AuditEntry("proposal.created", requester.user_id, created))
        store.update(proposal.id, lambda p: workflow.submit(p, now=now))
        store.update(proposal.id, lambda p: workflow.approve(p, approver, policy, now=now, fingerprint=p.fingerprint))
        store.update(proposal.id, lambda p: workflow.start(p, now=now, attempt=1))
        aid = action_id(proposal.id, 0, proposal.fingerprint)
        ledger.open(aid, action.model_dump(mode="json"))
        ledger.mark_sent(aid)
        key = f"PAY-{1000 + number}"
        outcome = {"key": key, "url": f"https://northwind.atlassian.net/browse/{key}"}
        ledger.mark_done(aid, outcome)
        result = ActionResult(index=0, status="done", system="jira", summary=f"Created {key}", **outcome)
        store.update(proposal.id, lambda p, result=result: workflow.succeed(p, [result], now=now))
        owed = store.owed(proposal.id)
        if owed is not None:
            store.settle(owed[1])  # the thread was told (approvals.flow.showing.announce_once)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=1000)
    args = parser.parse_args()
    count = args.proposals
    finished_at = dt.datetime.now(dt.UTC)
    postgres = PostgresServer().initialise().start()
    try:
        with RedisServer() as redis_server:
            connection = redis_server.client()
            archive = AuditArchive(postgres.url, settle=0.0, batches=10_000)
            audit = AuditLog(connection, key=KEY, archive=archive)
            store = ProposalStore(connection, clock=lambda: finished_at, audit_log=audit)
            ledger = Ledger(connection, clock=lambda: finished_at)
            before = int(connection.info("memory")["used_memory"])
            started = time.perf_counter()
            make(store, ledger, count, now=finished_at)
            made = time.perf_counter() - started
            after = int(connection.info("memory")["used_memory"])
            by_kind = memory_by_kind(connection)
            per = 1000 / count
            print(f"{count:,} finished proposals written in {made:.1f} s (5 audited changes and a ledger entry each)")
            print(f"in flight: {(after - before) * per / 2**20:.2f} MiB of Redis per 1,000 proposals (used_memory)")
            for kind, size in sorted(by_kind.items(), key=lambda kv: -kv[1])[:8]:
                print(f"    {kind:<24} {size * per / 2**20:7.2f} MiB per 1,000")

            started = time.perf_counter()
            drained = archive.drain(connection)
            took = time.perf_counter() - started
            print(f"archived: {drained.archived:,} audit entries to PostgreSQL in {took:.1f} s")

            rt = Runtime(
                connection=connection,
                store=store,
                inbox=None,  # type: ignore[arg-type]
                ledger=ledger,
                policy=None,  # type: ignore[arg-type]
                directory=None,  # type: ignore[arg-type]
                threads=None,  # type: ignore[arg-type]
                extractor=None,  # type: ignore[arg-type]
                notifier=None,  # type: ignore[arg-type]
                connectors={},
                jira_catalog=None,
                clock=lambda: dt.datetime.now(dt.UTC),
                timing=Timing(retention=0.0),  # every proposal here is old enough
            )
            started = time.perf_counter()
            passed = retire_finished(rt, limit=count)
            took = time.perf_counter() - started
            connection.execute_command("MEMORY", "PURGE")
            left = int(connection.info("memory")["used_memory"])
            print(
                f"retired: {passed.retired:,} proposals and {passed.trimmed:,} global audit entries in {took:.1f} s "
                f"({took / max(1, passed.retired) * 1000:.1f} ms each); "
                f"{max(0, left - before) * per / 2**20:.2f} MiB per 1,000 left in Redis"
            )
            for kind, size in sorted(memory_by_kind(connection).items(), key=lambda kv: -kv[1])[:5]:
                print(f"    {kind:<24} {size / 2**10:7.1f} KiB in all")
            archive.close()
            return 0 if passed.retired == count else 1
    finally:
        postgres.destroy()


if __name__ == "__main__":
    raise SystemExit(main())
