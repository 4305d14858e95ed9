"""Follow-through on the real processes (issue 14): a follow-up met early is heard in its thread within one sweep, a
missed one climbs its ladder at the policy's times, and a worker killed around a nudge's post leaves exactly one
nudge.

Time is real here (separate processes), so the policy's durations are short: a copy of Northwind's policy whose
``follow_through`` section sweeps every 2 s, checks every High bug filed from Slack 3 s after it was filed (an
``attach`` rule, a feature of the product: durations are written in seconds too) and climbs the ladder owner ->
manager (4 s after the due time) -> admins (8 s after), with working hours all day, every day, so the suite does not
depend on the hour it runs at. Nothing in the product is weakened for the test: ``due_in_minutes`` keeps its minimum
of one minute, and the follow-ups are made by the same requests, approvals and jobs as in production.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml

from approvals.core.commitments import Commitment, CommitmentState
from approvals.flow.audit import AuditLog
from approvals.flow.commitment_store import OWED, CommitmentStore
from bot import action_ids
from sandbox import demo
from sandbox.faults import Fault, FaultMode
from sandbox.harness import Sandbox
from sandbox.processes import wait_until
from sandbox.slack.driver import message_text
from tests.conftest import NORTHWIND_POLICY, Product
from tests.e2e.helpers import ask, bot_replies, click, ephemeral_texts, start_thread, wait_for_card

pytestmark = pytest.mark.slow

SWEEP_EVERY = 2
CHECK_AFTER = 3
MANAGER_AFTER = 4
ADMINS_AFTER = 8
SCHEDULER_SLACK = 3.0
"""How late a scheduled step may run: RQ's scheduler polls every second, and a job waits for a free worker."""

POST_MESSAGE = r"/api/chat\.postMessage$"
HIGH_BUG = "@followthrough create a bug in PAY: Checkout fails on Safari, assign to Alice, priority high"


@pytest.fixture
def fast_policy(tmp_path: Path) -> Path:
    """Northwind's policy with follow-through durations in seconds (see the module docstring)."""
    document = yaml.safe_load(NORTHWIND_POLICY.read_text(encoding="utf-8"))
    northwind = document["follow_through"]
    document["follow_through"] = {
        "working_hours": {"start": "00:00", "end": "23:59", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
        "nudge_interval": "1s",
        "sweep_every": f"{SWEEP_EVERY}s",
        "ladder": [
            {"to": "owner"},
            {"to": "manager", "after": f"{MANAGER_AFTER}s"},
            {"to": "admins", "after": f"{ADMINS_AFTER}s"},
        ],
        "attach": [
            *northwind["attach"],
            {
                "name": "High bugs are checked within seconds",
                "kind": "jira.create_issue",
                "when": ["priority == High"],
                "owner": "assignee",
                "check_after": f"{CHECK_AFTER}s",
            },
        ],
    }
    path = tmp_path / "northwind-fast-follow-through.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def start_fast(start_product: Callable[..., Product], fast_policy: Path) -> Callable[..., Product]:
    def start(**env: str) -> Product:
        return start_product(FOLLOWTHROUGH_POLICY=str(fast_policy), **env)

    return start


def commitments(redis_db: redis.Redis) -> CommitmentStore:
    return CommitmentStore(redis_db, clock=lambda: dt.datetime.now(dt.UTC))


def the_commitment(redis_db: redis.Redis, *, timeout: float = 15.0) -> Commitment:
    found = wait_until(lambda: commitments(redis_db).all_live(), timeout=timeout, message="no follow-up was made")
    (commitment,) = found  # type: ignore[misc]
    return commitment


def nudges(sandbox: Sandbox, user: str) -> list[dict[str, Any]]:
    return [
        m
        for m in sandbox.slack.driver.dm_messages(user)
        if (m.get("metadata") or {}).get("event_type") == action_ids.FOLLOWUP_METADATA
    ]


def wait_for_nudge(sandbox: Sandbox, user: str, *, timeout: float) -> tuple[dict[str, Any], float]:
    """The first nudge in ``user``'s DM, and when it arrived (epoch seconds, as Slack stamped it)."""
    found = wait_until(lambda: nudges(sandbox, user), timeout=timeout, message=f"{user} was never nudged")
    first = found[0]  # type: ignore[index]
    return first, float(first["ts"])


def file_a_high_bug(sandbox: Sandbox) -> tuple[str, str]:
    """Dana asks for a High bug assigned to Alice and Bob approves it: PAY-13 is filed, and the policy attaches a
    follow-up due 3 s later with Alice as its owner. Returns the thread and the issue key."""
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts, HIGH_BUG)
    card = wait_for_card(sandbox, thread_ts)
    assert click(sandbox, "bob", card).acked
    reply = wait_until(
        lambda: [m for m in bot_replies(sandbox, thread_ts) if "Created" in message_text(m)],
        timeout=20,
        message="the bug was never filed",
    )
    assert "PAY-13" in message_text(reply[0])  # type: ignore[index]
    return thread_ts, "PAY-13"


def test_a_follow_up_met_early_is_heard_in_its_thread_within_one_sweep(
    start_fast: Callable[..., Product], sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    """Asked for Friday, done today: Bob resolves PAY-9 in Jira, and the next sweep (every 2 s) closes the loop in
    Dana's thread, once, without nudging anyone."""
    start_fast()
    thread_ts = start_thread(sandbox, text="Admins keep asking for the payouts export.")
    ask(sandbox, thread_ts, "@followthrough follow up on PAY-9 on Friday")
    commitment = the_commitment(redis_db)
    assert (commitment.owner, commitment.subject.ref) == ("U0BOB0001", "PAY-9"), "PAY-9's assignee owns it"
    assert commitment.due > dt.datetime.now(dt.UTC), "it is due later (Friday, or next Friday)"
    told = wait_until(
        lambda: [m for m in bot_replies(sandbox, thread_ts) if "Following up on PAY-9" in message_text(m)],
        timeout=10,
        message="the thread was not told what will be followed",
    )
    said = message_text(told[0])  # type: ignore[index]
    assert "with Bob Okafor: checked " in said and "&lt;" not in said, f"plain words, no escaped markup: {said}"

    sandbox.jira.transition_issue("PAY-9", "In Progress")
    time.sleep(SWEEP_EVERY + 1)  # a sweep or two read In Progress: not done, nothing said
    assert commitments(redis_db).get(commitment.id).live
    sandbox.jira.transition_issue("PAY-9", "Done")
    resolved_at = time.time()

    def closing_lines() -> list[dict[str, Any]]:
        return [m for m in bot_replies(sandbox, thread_ts) if "PAY-9 was resolved" in message_text(m)]

    heard = wait_until(closing_lines, timeout=SWEEP_EVERY + SCHEDULER_SLACK + 5, message="the thread never heard")
    latency = float(heard[0]["ts"]) - resolved_at  # type: ignore[index]
    assert latency <= SWEEP_EVERY + SCHEDULER_SLACK, f"heard {latency:.1f} s after the fix: more than one sweep"
    assert message_text(heard[0]).startswith(":white_check_mark: PAY-9 was resolved")  # type: ignore[index]
    assert commitments(redis_db).get(commitment.id).state is CommitmentState.MET

    time.sleep(2 * SWEEP_EVERY)  # more sweeps: nothing more is said
    assert len(closing_lines()) == 1, "the loop is closed once"
    assert nudges(sandbox, "bob") == [], "nobody is nudged about what was done early"
    events = [r.event for r in AuditLog(redis_db).for_proposal(commitment.id)]
    assert events == ["commitment.created", "commitment.met"], events


def test_a_missed_follow_up_nudges_the_owner_then_the_manager_then_the_admins_at_the_policys_times(
    start_fast: Callable[..., Product], sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    """Nobody touches PAY-13: Alice is nudged when it is due, Bob (her manager in Slack) 4 s later, Grace (the
    admins) 8 s later; Alice's Done is refused while Jira still says To Do."""
    start_fast()
    thread_ts, key = file_a_high_bug(sandbox)
    commitment = the_commitment(redis_db)
    assert (commitment.requester, commitment.owner, commitment.subject.ref) == ("policy", "U0ALICE01", key)
    due = commitment.due.timestamp()

    nudge, nudged_at = wait_for_nudge(sandbox, "alice", timeout=CHECK_AFTER + SCHEDULER_SLACK + 5)
    assert due <= nudged_at <= due + SCHEDULER_SLACK, f"nudged {nudged_at - due:+.1f} s from the due time"
    text = message_text(nudge)
    assert "A follow-up for you" in text and key in text and "a policy rule" in text, text

    click_result = sandbox.slack.driver.click("alice", nudge["channel"], nudge["ts"], action_ids.FOLLOWUP_DONE)
    assert click_result.acked
    wait_until(
        lambda: any(f"Jira still says {key} is To Do" in t for t in ephemeral_texts(sandbox, "alice")),
        timeout=10,
        message="Done was not refused",
    )

    escalation, escalated_at = wait_for_nudge(sandbox, "bob", timeout=MANAGER_AFTER + SCHEDULER_SLACK + 5)
    assert due + MANAGER_AFTER <= escalated_at <= due + MANAGER_AFTER + SCHEDULER_SLACK, escalated_at - due
    assert "nothing has moved" in message_text(escalation)
    _, admins_at = wait_for_nudge(sandbox, "grace", timeout=ADMINS_AFTER - MANAGER_AFTER + SCHEDULER_SLACK + 5)
    assert due + ADMINS_AFTER <= admins_at <= due + ADMINS_AFTER + SCHEDULER_SLACK, admins_at - due

    final = commitments(redis_db).get(commitment.id)
    assert final.state is CommitmentState.ESCALATED and final.rung == 3
    events = [r.event for r in AuditLog(redis_db).for_proposal(commitment.id)]
    assert events == ["commitment.created", "commitment.nudge", "commitment.escalate", "commitment.escalate"], events
    time.sleep(SWEEP_EVERY + 1)  # the ladder is done: nobody hears about it again
    assert [len(nudges(sandbox, u)) for u in ("alice", "bob", "grace")] == [1, 1, 1]
    assert not [m for m in bot_replies(sandbox, thread_ts) if "was resolved" in message_text(m)]


def _hold_the_next_nudge(sandbox: Sandbox, *, mode: FaultMode) -> Fault:
    """Slack holds the next chat.postMessage that carries a nudge for 30 s, then refuses it: ``after`` posts it
    first (the worker never hears so), ``before`` never posts it."""
    fault = Fault(
        POST_MESSAGE, method="POST", status=500, mode=mode, delay=30, body_matches=action_ids.FOLLOWUP_METADATA
    )
    return sandbox.slack.faults.add(fault)


def _nudge_posts(sandbox: Sandbox, channel: str) -> list[Any]:
    """chat.postMessage calls that carried a nudge to ``channel`` (whatever Slack answered)."""
    return [
        r
        for r in sandbox.slack.requests.entries(path=POST_MESSAGE, method="POST")
        if action_ids.FOLLOWUP_METADATA in json.dumps(r.body, default=str) and channel in json.dumps(r.body)
    ]


def _lookups_since(sandbox: Sandbox, channel: str, since: float) -> list[Any]:
    """conversations.history reads of ``channel`` (how the notifier looks for a message it posted) after ``since``."""
    return [
        r
        for r in sandbox.slack.requests.entries(path=r"/api/conversations\.history$")
        if r.at >= since and channel in json.dumps(r.body, default=str) + json.dumps(r.query)
    ]


def test_worker_killed_between_a_nudges_post_and_its_record_leaves_exactly_one_nudge(
    start_fast: Callable[..., Product], sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    """The step is recorded (owed: Alice's nudge), Slack posts the nudge, then the worker dies before it hears so
    and before it settles what it owed. The next worker's sweep says what is owed: the notifier reads Alice's DM,
    finds the nudge by its metadata, posts nothing, and the ladder goes on (Bob hears at his time)."""
    product = start_fast()
    worker = next(p for p in product.processes if p.name == "worker")
    file_a_high_bug(sandbox)
    commitment = the_commitment(redis_db)
    dm = sandbox.slack.driver.dm_channel("alice")
    landed = _hold_the_next_nudge(sandbox, mode="after")

    wait_until(lambda: landed.fired == 1 and nudges(sandbox, "alice"), timeout=CHECK_AFTER + SCHEDULER_SLACK + 5)
    assert redis_db.hget(OWED, commitment.id) is not None, "the step was recorded and its nudge is still owed"
    worker.kill()
    killed_at = time.time()
    assert commitments(redis_db).get(commitment.id).state is CommitmentState.NUDGED

    sandbox.slack.faults.clear()
    product.start_worker("worker-2")
    wait_until(lambda: redis_db.hlen(OWED) == 0, timeout=15, message="the owed nudge was never settled")
    assert len(nudges(sandbox, "alice")) == 1, "exactly one nudge"
    assert len(_nudge_posts(sandbox, dm)) == 1, "and it was posted once: the second worker found it"
    assert _lookups_since(sandbox, dm, killed_at), "the second worker looked in Alice's DM before posting"
    wait_for_nudge(sandbox, "bob", timeout=MANAGER_AFTER + SCHEDULER_SLACK + 5)  # the next rung was scheduled again
    assert len(nudges(sandbox, "alice")) == 1


def test_worker_killed_after_recording_a_nudge_before_posting_it_still_nudges_once(
    start_fast: Callable[..., Product], sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    """The other side of the same instant: the step is recorded, Slack holds the nudge and never posts it, the worker
    dies. Nothing else would ever tell Alice: the next worker's sweep does, once."""
    product = start_fast()
    worker = next(p for p in product.processes if p.name == "worker")
    file_a_high_bug(sandbox)
    commitment = the_commitment(redis_db)
    held = _hold_the_next_nudge(sandbox, mode="before")

    wait_until(lambda: held.fired == 1, timeout=CHECK_AFTER + SCHEDULER_SLACK + 5, message="no nudge was posted")
    assert commitments(redis_db).get(commitment.id).state is CommitmentState.NUDGED
    worker.kill()
    assert nudges(sandbox, "alice") == [], "Alice has not been told yet"

    sandbox.slack.faults.clear()
    product.start_worker("worker-2")
    wait_for_nudge(sandbox, "alice", timeout=15)
    wait_until(lambda: redis_db.hlen(OWED) == 0, timeout=10, message="the owed nudge was never settled")
    time.sleep(SWEEP_EVERY + 1)  # more sweeps: nothing more is said
    assert len(nudges(sandbox, "alice")) == 1


def test_the_demo_story_shows_a_follow_up_met_and_one_escalated(
    start_product: Callable[..., Product], sandbox: Sandbox, redis_db: redis.Redis, tmp_path: Path
) -> None:
    """`make demo DEMO_ARGS=--story`'s follow-through part, on the demo's own policy (Northwind's, with
    follow-through on a clock you can watch): PAY-9 met early and closed in Hank's thread, Dana's High bug escalated
    to Alice's manager."""
    start_product(FOLLOWTHROUGH_POLICY=str(demo.demo_policy(tmp_path)))
    transcript = demo.Transcript(sandbox)
    issue_key = demo.play_story(sandbox, transcript, demo.seed_thread(sandbox, transcript))
    demo.play_follow_through_story(sandbox, transcript, issue_key)

    ids = [key.decode().removeprefix("ft:cm:") for key in redis_db.scan_iter("ft:cm:cm-*")]
    states = {c.subject.ref: c.state for c in commitments(redis_db).many(ids)}
    assert states == {"PAY-9": CommitmentState.MET, issue_key: CommitmentState.ESCALATED}, states
