"""The guarantees under chaos, in about a minute: the Procfile's processes, 50 requests, and everything that goes
wrong at once (bench/chaos.py describes the people, the nemesis and the checker; `python bench/chaos.py` is the
long run of 1,000).

Kills at random instants and at the precise ones (between a Jira create and its record, between a result's
record and its announcement), the bot killed, Redis killed and restarted from its append-only file, Jira and
Salesforce answering with 503s, 429s (Retry-After: 1), dropped connections after committing and answers slower
than the client waits; duplicate events, double clicks, racing approvers, rejections."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.chaos import ChaosConfig, run_chaos

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]

# Shorter than production so a minute holds several crashes and their recoveries; the mechanisms are the same.
CHAOS_TIMING = {
    "FOLLOWTHROUGH_LEASE_SECONDS": "5",
    "FOLLOWTHROUGH_RETRY_DELAYS": "1,2,5,10,20",
    "FOLLOWTHROUGH_INDEX_LAG_WINDOW": "4",
    "FOLLOWTHROUGH_REAPER_INTERVAL": "5",
    "FOLLOWTHROUGH_STALE_AFTER": "5",
    "FOLLOWTHROUGH_RUNNING_NOTICE_AFTER": "30",
}


def test_nothing_lost_nothing_silent_nothing_twice_under_chaos(tmp_path: Path) -> None:
    config = ChaosConfig(
        threads=50,
        workers=2,
        rate=1.25,
        seed=11,
        jira_503=0.10,
        jira_429=0.10,
        jira_drop=0.06,
        jira_slow=0.02,
        salesforce_503=0.10,
        salesforce_429=0.10,
        kill_every=5.0,
        precise_kills=1,
        bot_kills=1,
        redis_restarts=1,
        settle_timeout=120.0,
        env=CHAOS_TIMING,
    )
    report = run_chaos(config, tmp_path)
    summary = "\n".join(report.lines())
    assert report.ok, f"{summary}\nprocess logs: {tmp_path / 'processes.log'}"
    assert report.told_share == 1.0, summary
    assert report.last_told_after_clear <= 120.0, summary
    assert report.scheduler_gaps, f"no kill hit the scheduler's holder:\n{summary}"
    # The watch, not the lock's 61 s time-to-live, hands the scheduler over: well under that even on a loaded CI
    # machine (bench/chaos.py prints the figure; 2-4 s on a quiet one, 5.3 s once under a full `make test`)
    assert max(report.scheduler_gaps) <= 15.0, summary
    assert report.restarts >= 4, summary
