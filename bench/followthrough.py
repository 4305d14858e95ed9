"""What follow-through costs at scale: 10,000 open follow-ups, half on Jira issues, half on Salesforce opportunities.

    python bench/followthrough.py [--commitments 10000] [--sweeps 3] [--met 1]

Set-up: the sandbox (local Jira, Salesforce, Slack) and a private Redis, both started here. Jira is seeded with one
issue per Jira follow-up and Salesforce with one opportunity per Salesforce follow-up, so every follow-up watches a
record of its own (the worst case for the sweep: no two share a subject). The follow-ups are made in Redis by the
product's own code (``approvals.flow.followthrough.make``: the record, its indexes, its audit entry and its scheduled
check job), due over the next week, so a sweep finds nothing due and measures only reading the systems.

Printed:
  sweep, nothing met     the wall time of ``sweep_once`` over every live follow-up (median of --sweeps), the
                         system queries it sent (Jira searches, SOQL queries), and how the time divides between the
                         emulators answering and Followthrough's own work (Redis, parsing, comparing)
  sweep, --met % met     the same when that share of the records was resolved or closed meanwhile (each met
                         follow-up is closed in Redis and its thread is told, one Slack post each)
  Redis memory           per 1,000 follow-ups, from INFO used_memory before and after making them, and by kind
                         of key (MEMORY USAGE): the records, their indexes, the audit trail, RQ's scheduled checks

This is a benchmark, not a test: it asserts nothing but that the sweep read every record.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis

from app import build_runtime, load_settings
from approvals.core.commitments import Commitment, Condition, Subject, new_commitment_id
from approvals.flow import followthrough
from approvals.flow.runtime import Runtime, configure
from sandbox.harness import Sandbox
from sandbox.processes import REPO
from sandbox.redis_server import RedisServer

POLICY = REPO / "policies" / "northwind.yml"
JIRA_SEARCH = r"/rest/api/\d+/search"
SOQL = r"/services/data/v[\d.]+/query"
POST_MESSAGE = r"/api/chat\.postMessage$"
THREADS = 100


def seed_records(sandbox: Sandbox, jira_count: int, sf_count: int) -> tuple[list[Subject], list[Subject]]:
    """One Jira issue and one opportunity per follow-up, owned by the seed's people."""
    people = [p for p in sandbox.seed.people if p.jira_account_id]
    sellers = [p for p in sandbox.seed.people if p.salesforce_user_id]
    issues = []
    for n in range(jira_count):
        issue = sandbox.jira.create_issue(
            project=("PAY", "OPS")[n % 2],
            summary=f"Bench follow-up {n}",
            issue_type="Task",
            assignee=people[n % len(people)].jira_account_id,
        )
        issues.append(Subject(system="jira", object="Issue", ref=issue["key"], name=f"{issue['key']} (Bench {n})"))
    deals = []
    for n in range(sf_count):
        name = f"Bench deal {n}"
        record_id = sandbox.salesforce.create_record(
            "Opportunity",
            {
                "Name": name,
                "StageName": "Prospecting",
                "CloseDate": "2027-03-31",
                "OwnerId": sellers[n % len(sellers)].salesforce_user_id,
            },
        )
        deals.append(Subject(system="salesforce", object="Opportunity", ref=record_id, name=name))
    return issues, deals


def build(sandbox: Sandbox, redis_url: str) -> Runtime:
    """The runtime a worker builds (app.build_runtime), in this process, against the sandbox and the private Redis."""
    env = {k.lower(): v for k, v in sandbox.environment().items() if not k.startswith("OPENAI_")}
    settings = load_settings(
        _env_file=None,
        **env,
        redis_url=redis_url,
        followthrough_policy=POLICY,
        openai_api_key=None,
        openai_base_url=None,
        followthrough_log_level="WARNING",
    )
    runtime = build_runtime(settings)
    configure(runtime)
    return runtime


def make_commitments(rt: Runtime, sandbox: Sandbox, subjects: list[Subject]) -> float:
    """One follow-up per subject, through the product's own ``make``; returns the seconds it took."""
    driver = sandbox.slack.driver
    threads = [str(driver.post_message("dana", "#support", f"Bench thread {n}")["ts"]) for n in range(THREADS)]
    people = [p.slack_id for p in sandbox.seed.people]
    now = rt.clock()
    started = time.perf_counter()
    for n, subject in enumerate(subjects):
        commitment = Commitment(
            id=new_commitment_id(),
            requester=people[n % len(people)],
            owner=people[(n * 7 + 3) % len(people)],
            subject=subject,
            condition=Condition(until="resolved"),
            due=now + dt.timedelta(days=1 + n % 7, minutes=n % 600),
            channel=driver.channel_id("#support"),
            thread_ts=threads[n % THREADS],
            created_at=now,
            updated_at=now,
        )
        followthrough.make(rt, commitment, actor=commitment.requester)
    return time.perf_counter() - started


def memory_by_kind(client: redis.Redis) -> dict[str, int]:
    kinds: dict[str, int] = defaultdict(int)
    for key in client.scan_iter(count=1000):
        name = key.decode()
        if name.startswith("ft:cm:cm-"):
            kind = "follow-up records (JSON)"
        elif name.startswith("ft:cm:"):
            kind = "their indexes (live, owner, requester, system, subject)"
        elif name.startswith("rq:job:followup-") or name.startswith("rq:scheduled"):
            kind = "RQ: one scheduled check per follow-up"
        elif "audit" in name:
            kind = "audit trail (one entry per follow-up made)"
        else:
            continue
        kinds[kind] += int(client.memory_usage(key, samples=0) or 0)
    return dict(kinds)


class Sweep:
    """One ``sweep_once``: its wall time, what it asked each system, the emulators' own time answering."""

    def __init__(self, sandbox: Sandbox, rt: Runtime) -> None:
        self.sandbox, self.rt = sandbox, rt

    def run(self) -> dict[str, Any]:
        logs = {
            "jira": self.sandbox.jira.requests,
            "salesforce": self.sandbox.salesforce.requests,
            "slack": self.sandbox.slack.requests,
        }
        for log in logs.values():
            log.clear()
        wall = time.time()
        started = time.perf_counter()
        met = followthrough.sweep_once(self.rt)
        seconds = time.perf_counter() - started
        calls = {name: [e for e in log.entries() if e.at - e.duration >= wall] for name, log in logs.items()}
        return {
            "seconds": seconds,
            "met": met,
            "jira_searches": len([e for e in calls["jira"] if _matches(JIRA_SEARCH, e.path)]),
            "jira_calls": len(calls["jira"]),
            "soql_queries": len([e for e in calls["salesforce"] if _matches(SOQL, e.path)]),
            "salesforce_calls": len(calls["salesforce"]),
            "slack_posts": len([e for e in calls["slack"] if _matches(POST_MESSAGE, e.path)]),
            "slack_calls": len(calls["slack"]),
            "emulators": sum(e.duration for log in calls.values() for e in log),
            **{f"{name}_seconds": sum(e.duration for e in log) for name, log in calls.items()},
        }


def _matches(pattern: str, path: str) -> bool:
    return re.search(pattern, path) is not None


def median_of(runs: list[dict[str, Any]], field: str) -> float:
    return statistics.median(r[field] for r in runs)


def describe_sweeps(label: str, runs: list[dict[str, Any]], live: int) -> None:
    seconds = [r["seconds"] for r in runs]
    print(f"\n{label}: {len(runs)} sweep(s) over {live:,} live follow-ups")
    print(
        f"  duration      median {statistics.median(seconds):.2f} s (min {min(seconds):.2f}, max {max(seconds):.2f}); "
        f"{statistics.median(seconds) / live * 1e6:.0f} µs per follow-up"
    )
    own = [r["seconds"] - r["emulators"] for r in runs]
    print(
        f"  of which      the emulators answering {median_of(runs, 'emulators'):.2f} s (Jira "
        f"{median_of(runs, 'jira_seconds'):.2f}, Salesforce {median_of(runs, 'salesforce_seconds'):.2f}, Slack "
        f"{median_of(runs, 'slack_seconds'):.2f}), Followthrough's own work {statistics.median(own):.2f} s"
    )
    print(
        f"  queries       {median_of(runs, 'jira_searches'):.0f} Jira searches ({median_of(runs, 'jira_calls'):.0f} "
        f"Jira calls), {median_of(runs, 'soql_queries'):.0f} SOQL queries "
        f"({median_of(runs, 'salesforce_calls'):.0f} Salesforce calls) per sweep"
    )
    print(
        f"  Slack         {median_of(runs, 'slack_posts'):.0f} posts ({median_of(runs, 'slack_calls'):.0f} calls); "
        f"met {median_of(runs, 'met'):.0f}"
    )


def close_some(sandbox: Sandbox, issues: list[Subject], deals: list[Subject], share: float) -> int:
    """Resolve ``share`` % of the issues and close ``share`` % of the deals, as people would."""
    count = 0
    for subject in issues[: int(len(issues) * share / 100)]:
        sandbox.jira.transition_issue(subject.ref, "In Progress")
        sandbox.jira.transition_issue(subject.ref, "Done")
        count += 1
    for subject in deals[: int(len(deals) * share / 100)]:
        sandbox.salesforce.update_record("Opportunity", subject.ref, {"StageName": "Closed Won"}, by="erin")
        count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commitments", type=int, default=10_000, help="open follow-ups, half on each system")
    parser.add_argument("--sweeps", type=int, default=3, help="sweeps measured with nothing met (median shown)")
    parser.add_argument("--met", type=float, default=1.0, help="%% of records resolved before the last sweep")
    args = parser.parse_args()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        os.environ.pop(name, None)

    jira_count = args.commitments // 2
    sf_count = args.commitments - jira_count
    with Sandbox() as sandbox, RedisServer() as redis_server:
        client = redis_server.client()
        started = time.perf_counter()
        issues, deals = seed_records(sandbox, jira_count, sf_count)
        print(
            f"Seeded {len(issues):,} Jira issues and {len(deals):,} Salesforce opportunities "
            f"in {time.perf_counter() - started:.1f} s (one record per follow-up)"
        )
        rt = build(sandbox, redis_server.url)
        before = int(client.info("memory")["used_memory"])
        made_in = make_commitments(rt, sandbox, [*issues, *deals])
        after = int(client.info("memory")["used_memory"])
        live = rt.commitments.count_live()
        print(
            f"Made {live:,} follow-ups with approvals.flow.followthrough.make in {made_in:.1f} s "
            f"({live / made_in:,.0f}/s)"
        )

        per_thousand = (after - before) / live * 1000
        print(
            f"\nRedis memory: {per_thousand / 1024:,.0f} KiB per 1,000 follow-ups (INFO used_memory, before -> after)"
        )
        for kind, size in sorted(memory_by_kind(client).items(), key=lambda item: -item[1]):
            print(f"  {size / live * 1000 / 1024:8,.0f} KiB per 1,000   {kind}")

        sweep = Sweep(sandbox, rt)
        sweep.run()  # warm-up: connections, the directory's cache of people
        runs = [sweep.run() for _ in range(args.sweeps)]
        for run in runs:
            if run["jira_searches"] == 0 or run["soql_queries"] == 0:
                raise SystemExit("a sweep read nothing: the bench is broken")
        describe_sweeps("Sweep, nothing met", runs, live)

        closed = close_some(sandbox, issues, deals, args.met)
        met_run = sweep.run()
        describe_sweeps(f"Sweep, {args.met:g} % met ({closed} records resolved or closed)", [met_run], live)
        if met_run["met"] != closed:
            print(f"  (!) {closed} records were closed but the sweep met {met_run['met']}")
        unbatched = args.commitments
        print(
            f"\nBatched reads: {median_of(runs, 'jira_searches') + median_of(runs, 'soql_queries'):.0f} queries per "
            f"sweep for {live:,} follow-ups ({jira_count:,} Jira keys in searches of 100, {sf_count:,} Salesforce "
            f"ids in queries of 200), where one read per follow-up would be {unbatched:,}."
        )
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
