"""How fast Slack's envelopes are acked while 100 requests are in flight whose proposal step takes 2 s each.

    python bench/ack_latency.py [--in-flight 100] [--delay 2] [--workers 4]

Scenario, for Followthrough and for a plain Bolt app doing the same slow work inline (bench/inline_bot.py):
  1. 20 cards are prepared for people to click later;
  2. build-up: 100 requests arrive at 25 per second, each needing --delay seconds in its proposal step, so about
     100 are in flight;
  3. while they are in flight, 50 more mentions (10 per second) and 20 Approve clicks (4 per second) arrive:
     their acks are the headline figures;
  4. stress: 100 more requests arrive at the same instant (a burst of 300 envelopes with their thread starts).
Latency is measured by the sandbox's Slack, from sending an envelope to receiving its ack: what Slack sees. A
click not acked within 3 s is an error the user would see. Goal: p99 <= 50 ms for mentions and clicks in step 3.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import Running, describe, running_product
from sandbox.processes import ProductProcess, wait_until

REQUEST = "@followthrough create a bug in PAY: Checkout fails on Safari ({tag}), assign to Alice, priority high"
CLICKABLE_CARDS = 20


def _clickable(running: Running) -> list[dict[str, Any]]:
    driver = running.sandbox.slack.driver
    replies = [r for m in driver.channel_messages("#support") for r in driver.thread("#support", m["ts"])[1:]]
    return [m for m in replies if "ft_approve" in str(m.get("blocks"))]


def _ask(running: Running, user: str, tag: str) -> None:
    driver = running.sandbox.slack.driver
    thread_ts = driver.post_message(user, "#support", f"Thread {tag}")["ts"]
    driver.post_message(user, "#support", REQUEST.format(tag=tag), thread_ts=thread_ts)


def _acks(deliveries: list[dict[str, Any]], kind: str) -> list[float]:
    return [d["acked_at"] - d["sent_at"] for d in deliveries if d["payload_type"] == kind and d["acked_at"]]


def run(running: Running, *, in_flight: int, prepare_timeout: float) -> dict[str, Any]:
    driver = running.sandbox.slack.driver
    for n in range(CLICKABLE_CARDS):
        _ask(running, "dana", f"card {n}")
    wait_until(lambda: len(_clickable(running)) >= CLICKABLE_CARDS, timeout=prepare_timeout, message="no cards")
    cards = _clickable(running)[:CLICKABLE_CARDS]

    mark = len(driver.deliveries())
    for n in range(in_flight):
        _ask(running, "hank", f"load {n}")
        time.sleep(1 / 25)
    build_up = driver.deliveries()[mark:]

    mark = len(driver.deliveries())
    failed_clicks = 0
    for n in range(50):
        _ask(running, "hank", f"during {n}")
        if n % 5 == 4:
            card = cards[n // 5 * 2]
            failed_clicks += 0 if driver.click("bob", card["channel"], card["ts"], "ft_approve").acked else 1
        if n % 5 == 2:
            card = cards[n // 5 * 2 + 1]
            failed_clicks += 0 if driver.click("bob", card["channel"], card["ts"], "ft_approve").acked else 1
        time.sleep(0.1)
    time.sleep(0.5)
    during = driver.deliveries()[mark:]

    mark = len(driver.deliveries())
    threads = [driver.post_message("hank", "#support", f"Burst {n}")["ts"] for n in range(100)]
    for n, ts in enumerate(threads):
        driver.post_message("hank", "#support", REQUEST.format(tag=f"burst {n}"), thread_ts=ts)
    time.sleep(3.5)
    burst = driver.deliveries()[mark:]
    return {
        "build-up mention acks": _acks(build_up, "app_mention"),
        "in flight: mention acks": _acks(during, "app_mention"),
        "in flight: click acks": _acks(during, "block_actions"),
        "failed clicks": failed_clicks,
        "stress burst: mention acks": _acks(burst, "app_mention"),
    }


def report(name: str, figures: dict[str, Any]) -> None:
    for label, values in figures.items():
        if label == "failed clicks":
            print(f"{name + ': clicks not acked within 3 s':<60} {values}")
        else:
            print(describe(f"{name}: {label}", values))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--in-flight", type=int, default=100)
    parser.add_argument("--delay", type=float, default=2.0, help="seconds the proposal step takes")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    print(
        f"Ack latency, {args.in_flight} requests in flight, proposal step {args.delay:.1f} s ({args.workers} workers)"
    )

    prepare = CLICKABLE_CARDS * args.delay + 60
    with running_product(workers=args.workers, FOLLOWTHROUGH_BENCH_EXTRACTOR_DELAY=str(args.delay)) as running:
        report("followthrough", run(running, in_flight=args.in_flight, prepare_timeout=prepare))

    with running_product(workers=0, bot=False) as running:
        inline = ProductProcess(
            "inline-bot", [], {**running.env, "INLINE_DELAY": str(args.delay)}, running.log_dir,
            script=Path(__file__).with_name("inline_bot.py"),
        ).start()  # fmt: skip
        running.processes.append(inline)
        wait_until(lambda: running.sandbox.slack.driver.connection_count() > 0, timeout=30)
        report("plain Bolt, slow work inline", run(running, in_flight=args.in_flight, prepare_timeout=prepare))
    return 0


if __name__ == "__main__":
    sys.exit(main())
