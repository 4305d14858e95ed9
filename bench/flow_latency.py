"""End-to-end latency of the two user-visible steps, with an instant parser and an instant (local) Jira.

    python bench/flow_latency.py [--runs 30]

  message -> card posted       from the user's message to the card stored in Slack (goal p50 <= 25 ms of our own)
  approve click -> result      from the click to the "Created PAY-n" reply in the thread (goal p50 <= 150 ms)

Both figures are measured from outside, by the sandbox, so they include the local emulators' own time (every Slack
and Jira call is a real HTTP request to them). The breakdown below attributes time to the emulators' handlers
using their request logs, so the rest is Followthrough's own overhead: Bolt, Redis, RQ (dequeue, fork), our code.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import Running, describe, running_product
from sandbox.faults import RecordedRequest

REQUEST = "@followthrough create a bug in PAY: Checkout fails on Safari ({n}), assign to Alice, priority high"


@dataclass
class Sample:
    total: float
    emulators: float  # time the emulators spent answering our calls on this path
    calls: int


def _calls_since(running: Running, since: float, until: float) -> list[RecordedRequest]:
    logs = (running.sandbox.slack.requests, running.sandbox.jira.requests)
    return [e for log in logs for e in log.entries() if since <= e.at - e.duration and e.at <= until]


def one_run(running: Running, n: int) -> tuple[Sample, Sample]:
    driver = running.sandbox.slack.driver
    thread_ts = driver.post_message("dana", "#support", f"Thread {n}: checkout is broken on Safari")["ts"]
    time.sleep(0.05)
    wall, started = time.time(), time.perf_counter()
    driver.post_message("dana", "#support", REQUEST.format(n=n), thread_ts=thread_ts)
    card = driver.wait_for_message(
        lambda m: m.get("thread_ts") == thread_ts and m["ts"] != thread_ts and "`ft-" in str(m.get("blocks")),
        timeout=30,
    )
    to_card = time.perf_counter() - started
    calls = _calls_since(running, wall, wall + to_card)
    intake = Sample(to_card, sum(c.duration for c in calls), len(calls))
    time.sleep(0.3)  # let the DM copies settle, so the click is measured alone
    wall, started = time.time(), time.perf_counter()
    driver.click("bob", card["channel"], card["ts"], "ft_approve")
    driver.wait_for_bot_message(channel="#support", thread_ts=thread_ts, contains="Created", timeout=30)
    to_result = time.perf_counter() - started
    calls = _calls_since(running, wall, wall + to_result)
    return intake, Sample(to_result, sum(c.duration for c in calls), len(calls))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with running_product(workers=args.workers) as running:
        one_run(running, -1)  # warm-up: first imports, first connections
        samples = [one_run(running, n) for n in range(args.runs)]
    print(f"Flow latency, {args.runs} runs, instant parser, local Jira, {args.workers} worker(s)")
    for index, label in ((0, "message -> card posted"), (1, "approve click -> result reply")):
        runs = [s[index] for s in samples]
        print(describe(label, [r.total for r in runs]))
        print(describe("  of which emulators answering our calls", [r.emulators for r in runs]))
        print(describe("  of which Followthrough's own overhead", [r.total - r.emulators for r in runs]))
        print(f"  Slack and Jira calls on this path: {statistics.median(r.calls for r in runs):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
