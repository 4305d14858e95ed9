"""Follow-through (issue 14), through the real Bolt app: a follow-up is asked for in a thread, kept as a commitment,
checked in Jira, nudged, escalated, and closed in the thread where it started. The clock is the runtime's (moved
forward by the test), so days pass in milliseconds; Jira is the sandbox's, changed as a person would."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from approvals.core import workflow
from approvals.core.commitments import Commitment, CommitmentState
from approvals.core.proposal import ActionResult
from approvals.core.states import ProposalState
from approvals.flow import followthrough
from approvals.flow.reaping import rescue_once
from bot import action_ids
from sandbox.slack.driver import message_text
from tests.e2e.helpers import ask, buttons, ephemeral_texts, is_card, start_thread
from tests.flow import Flow

NEW_YORK = ZoneInfo("America/New_York")
# Monday 7 December 2026, 10:00 in New York (everyone but Erin and Ivy works from there in the sandbox).
MONDAY_MORNING = dt.datetime(2026, 12, 7, 10, 0, tzinfo=NEW_YORK).astimezone(dt.UTC)


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def to(self, moment: dt.datetime) -> None:
        self.now = moment.astimezone(dt.UTC)


@pytest.fixture
def clock(flow: Flow) -> Clock:
    clock = Clock(MONDAY_MORNING)
    flow.runtime.clock = clock
    return clock


def the_commitment(flow: Flow) -> Commitment:
    (commitment,) = flow.runtime.commitments.all_live() or [None]  # type: ignore[list-item]
    assert commitment is not None, "a follow-up was made"
    return commitment


def follow_up(flow: Flow, text: str) -> tuple[str, Commitment]:
    thread = start_thread(flow.sandbox, text="Payouts export times out for big merchants.")
    ask(flow.sandbox, thread, f"<@U0BOT0001> {text}")
    flow.settle()
    return thread, the_commitment(flow)


def thread_texts(flow: Flow, thread: str) -> list[str]:
    return [message_text(m) for m in flow.driver.thread("#support", thread)]


def nudges(flow: Flow, user: str) -> list[dict[str, Any]]:
    return [
        m
        for m in flow.driver.dm_messages(user)
        if (m.get("metadata") or {}).get("event_type") == action_ids.FOLLOWUP_METADATA
    ]


def test_a_follow_up_met_early_is_closed_in_its_thread_by_the_sweep(flow: Flow, clock: Clock) -> None:
    thread, commitment = follow_up(flow, "follow up on PAY-9 on Friday")
    assert commitment.owner == "U0BOB0001", "PAY-9's assignee owns it"
    assert commitment.due == dt.datetime(2026, 12, 11, 17, 0, tzinfo=NEW_YORK)

    flow.sandbox.jira.transition_issue("PAY-9", "In Progress")
    clock.to(MONDAY_MORNING + dt.timedelta(minutes=5))
    assert followthrough.sweep_once(flow.runtime) == 0, "in progress is not done"
    flow.sandbox.jira.transition_issue("PAY-9", "Done")
    assert followthrough.sweep_once(flow.runtime) == 1

    closed = flow.runtime.commitments.get(commitment.id)
    assert closed.state is CommitmentState.MET
    said = thread_texts(flow, thread)[-1]
    assert said.startswith(":white_check_mark: PAY-9 was resolved"), said
    assert nudges(flow, "bob") == [], "nobody is nudged about what was done early"
    followthrough.sweep_once(flow.runtime)
    assert len([t for t in thread_texts(flow, thread) if "was resolved" in t]) == 1, "told once"


def test_a_missed_follow_up_nudges_the_owner_then_the_manager_then_admins(flow: Flow, clock: Clock) -> None:
    _, commitment = follow_up(flow, "make sure bob closes PAY-9 by Friday, escalate to his manager if not")
    assert commitment.ladder[1].who == "manager"

    clock.to(dt.datetime(2026, 12, 11, 17, 1, tzinfo=NEW_YORK))
    assert followthrough.run_check(flow.runtime, commitment.id) == "nudge"
    (nudge,) = nudges(flow, "bob")
    text = message_text(nudge)
    assert "A follow-up for you" in text and "PAY-9" in text and "<@U0DANA001>" in text, text
    assert {b["action_id"] for b in buttons(nudge)} >= {action_ids.FOLLOWUP_DONE, action_ids.FOLLOWUP_WONT_DO}

    # The next rung is a day later, inside working hours: Saturday and Sunday are skipped.
    assert followthrough.run_check(flow.runtime, commitment.id) == "waiting"
    clock.to(dt.datetime(2026, 12, 14, 9, 1, tzinfo=NEW_YORK))
    assert followthrough.run_check(flow.runtime, commitment.id) == "escalate"
    (escalation,) = nudges(flow, "carol")  # Bob's manager in Slack
    assert "nothing has moved" in message_text(escalation)

    clock.to(dt.datetime(2026, 12, 15, 9, 1, tzinfo=NEW_YORK))
    assert followthrough.run_check(flow.runtime, commitment.id) == "escalate"
    assert nudges(flow, "grace"), "the admins hear last"
    assert flow.runtime.commitments.get(commitment.id).state is CommitmentState.ESCALATED


def test_done_is_checked_in_jira_and_refused_while_the_issue_is_open(flow: Flow, clock: Clock) -> None:
    thread, commitment = follow_up(flow, "follow up on PAY-9 on Friday")
    clock.to(dt.datetime(2026, 12, 11, 17, 1, tzinfo=NEW_YORK))
    followthrough.run_check(flow.runtime, commitment.id)
    (nudge,) = nudges(flow, "bob")

    flow.driver.click("bob", nudge["channel"], nudge["ts"], action_ids.FOLLOWUP_DONE)
    flow.settle()
    assert any("still says PAY-9 is To Do" in t for t in ephemeral_texts(flow.sandbox, "bob")), ephemeral_texts(
        flow.sandbox, "bob"
    )
    assert flow.runtime.commitments.get(commitment.id).live

    flow.sandbox.jira.transition_issue("PAY-9", "In Progress")
    flow.sandbox.jira.transition_issue("PAY-9", "Done")
    flow.driver.click("bob", nudge["channel"], nudge["ts"], action_ids.FOLLOWUP_DONE)
    flow.settle()
    assert flow.runtime.commitments.get(commitment.id).state is CommitmentState.MET
    assert any("was resolved" in t for t in thread_texts(flow, thread))


def test_snooze_and_reassign_from_the_nudge(flow: Flow, clock: Clock) -> None:
    _, commitment = follow_up(flow, "follow up on PAY-9 on Friday")
    clock.to(dt.datetime(2026, 12, 11, 17, 1, tzinfo=NEW_YORK))
    followthrough.run_check(flow.runtime, commitment.id)
    (nudge,) = nudges(flow, "bob")

    flow.driver.select("bob", nudge["channel"], nudge["ts"], action_ids.FOLLOWUP_SNOOZE, f"{commitment.id}|86400")
    flow.settle()
    snoozed = flow.runtime.commitments.get(commitment.id)
    assert snoozed.state is CommitmentState.OPEN and snoozed.snoozed_until is not None
    assert any("Snoozed" in t for t in ephemeral_texts(flow.sandbox, "bob"))

    flow.driver.select("bob", nudge["channel"], nudge["ts"], action_ids.FOLLOWUP_REASSIGN, "U0ALICE01")
    flow.settle()
    moved = flow.runtime.commitments.get(commitment.id)
    assert moved.owner == "U0ALICE01"
    told = nudges(flow, "alice")
    assert told and "handed you a follow-up" in message_text(told[-1])
    events = [r.event for r in flow.runtime.store.audit.for_proposal(commitment.id)]
    assert events[:1] == ["commitment.created"] and "commitment.snoozed" in events and "commitment.reassigned" in events


def test_wont_do_closes_it_with_the_reason_in_the_thread(flow: Flow, clock: Clock) -> None:
    thread, commitment = follow_up(flow, "follow up on PAY-9 on Friday")
    clock.to(dt.datetime(2026, 12, 11, 17, 1, tzinfo=NEW_YORK))
    followthrough.run_check(flow.runtime, commitment.id)
    (nudge,) = nudges(flow, "bob")
    flow.driver.click("bob", nudge["channel"], nudge["ts"], action_ids.FOLLOWUP_WONT_DO)
    flow.settle()
    (view,) = flow.driver.open_views("bob")
    flow.driver.submit_view("bob", view["id"], {"reason": {"reason": "merged into PAY-4"}})
    flow.settle()
    assert flow.runtime.commitments.get(commitment.id).state is CommitmentState.DISMISSED
    assert any("won't follow through" in t and "merged into PAY-4" in t for t in thread_texts(flow, thread))


def test_nobody_is_nudged_outside_their_working_hours(flow: Flow, clock: Clock) -> None:
    """Asked on a Friday at 17:00 in New York to check in two hours: due at 19:00, after Bob's working day, so the
    nudge waits for Monday 09:00 where he is; a check on Saturday night sends nothing."""
    clock.to(dt.datetime(2026, 12, 11, 17, 0, tzinfo=NEW_YORK))
    _, commitment = follow_up(flow, "check in 2 hours whether PAY-9 is in progress")
    assert commitment.due.astimezone(NEW_YORK) == dt.datetime(2026, 12, 11, 19, 0, tzinfo=NEW_YORK)
    monday = dt.datetime(2026, 12, 14, 9, 0, tzinfo=NEW_YORK)
    assert followthrough.next_at(flow.runtime, commitment) == monday

    clock.to(dt.datetime(2026, 12, 12, 23, 0, tzinfo=NEW_YORK))
    assert followthrough.run_check(flow.runtime, commitment.id) == "waiting"
    assert nudges(flow, "bob") == []
    clock.to(monday + dt.timedelta(minutes=1))
    assert followthrough.run_check(flow.runtime, commitment.id) == "nudge"
    assert len(nudges(flow, "bob")) == 1


def test_owed_and_overdue_commands(flow: Flow, clock: Clock) -> None:
    from tests.e2e.helpers import command

    _, commitment = follow_up(flow, "follow up on PAY-9 on Friday")
    owed = command(flow.sandbox, "bob", "owed")
    assert "What you owe" in owed and "PAY-9" in owed and commitment.id in owed
    waiting = command(flow.sandbox, "dana", "owed")
    assert "What you're waiting on" in waiting and "<@U0BOB0001>" in waiting
    clock.to(dt.datetime(2026, 12, 12, 10, 0, tzinfo=NEW_YORK))
    assert "overdue" in command(flow.sandbox, "bob", "owed")
    assert "PAY-9" in command(flow.sandbox, "grace", "overdue")


def test_the_policy_follows_a_highest_bug_until_it_is_resolved(flow: Flow, clock: Clock) -> None:
    """Northwind's policy attaches a follow-up to every Highest bug filed from Slack: the assignee owns it, checked
    two days later, escalated if nothing moves."""
    thread = start_thread(flow.sandbox, text="Card payments fail for every EU customer.")
    ask(flow.sandbox, thread, "<@U0BOT0001> create a bug in PAY: EU card payments fail, priority highest, assign bob")
    flow.settle()
    for approver in ("bob", "carol"):  # Highest needs two leads
        card = next(m for m in flow.driver.dm_messages(approver) if "Approve" in message_text(m))
        flow.driver.click(approver, card["channel"], card["ts"], action_ids.APPROVE)
        flow.settle()
    commitment = the_commitment(flow)
    assert (commitment.requester, commitment.owner) == ("policy", "U0BOB0001")
    assert commitment.rule == "Highest bugs are followed until resolved"
    assert commitment.due == MONDAY_MORNING + dt.timedelta(days=2)
    created = [i for i in flow.sandbox.jira.issues() if i["fields"]["summary"] == "EU card payments fail"]
    assert created and commitment.subject.ref == created[0]["key"]


def test_the_audit_of_a_follow_up_and_the_escalated_manager_may_act(flow: Flow, clock: Clock) -> None:
    from tests.e2e.helpers import command

    _, commitment = follow_up(flow, "make sure bob closes PAY-9 by Friday, escalate to his manager if not")
    trail = command(flow.sandbox, "bob", f"audit {commitment.id}")
    assert f"Audit of `{commitment.id}`" in trail and "commitment.created" in trail
    assert "You can read the audit of follow-ups" in command(flow.sandbox, "hank", f"audit {commitment.id}")

    clock.to(dt.datetime(2026, 12, 11, 17, 1, tzinfo=NEW_YORK))
    followthrough.run_check(flow.runtime, commitment.id)
    clock.to(dt.datetime(2026, 12, 14, 9, 1, tzinfo=NEW_YORK))
    assert followthrough.run_check(flow.runtime, commitment.id) == "escalate"
    (escalation,) = nudges(flow, "carol")
    flow.driver.select("carol", escalation["channel"], escalation["ts"], action_ids.FOLLOWUP_REASSIGN, "U0ALICE01")
    flow.settle()
    assert flow.runtime.commitments.get(commitment.id).owner == "U0ALICE01", "the manager it reached reassigned it"


def notices(flow: Flow, user: str) -> list[str]:
    return [
        message_text(m)
        for m in flow.driver.dm_messages(user)
        if (m.get("metadata") or {}).get("event_type") == action_ids.NOTICE_METADATA
    ]


def test_the_weekly_digest_lists_what_an_owner_has_overdue_once_a_week_in_their_zone(flow: Flow, clock: Clock) -> None:
    _, commitment = follow_up(flow, "follow up on PAY-9 on Friday")
    assert commitment.owner == "U0BOB0001"

    clock.to(dt.datetime(2026, 12, 11, 16, 0, tzinfo=NEW_YORK))  # Friday: not due yet, and no digest day
    assert followthrough.send_digests(flow.runtime) == 0
    clock.to(dt.datetime(2026, 12, 14, 8, 30, tzinfo=NEW_YORK))  # Monday 08:30 for Bob: overdue, before 09:00
    assert followthrough.send_digests(flow.runtime) == 0
    clock.to(dt.datetime(2026, 12, 14, 9, 5, tzinfo=NEW_YORK))
    assert followthrough.send_digests(flow.runtime) == 1
    (digest,) = [t for t in notices(flow, "bob") if "overdue follow-ups this week" in t]
    assert "PAY-9" in digest and commitment.id in digest and "<@U0DANA001>" in digest, digest
    clock.to(dt.datetime(2026, 12, 16, 9, 5, tzinfo=NEW_YORK))  # later the same week: nothing more
    assert followthrough.send_digests(flow.runtime) == 0
    assert not notices(flow, "dana"), "only owners with something overdue hear"

    flow.sandbox.jira.transition_issue("PAY-9", "In Progress")
    flow.sandbox.jira.transition_issue("PAY-9", "Done")
    assert followthrough.sweep_once(flow.runtime) == 1
    clock.to(dt.datetime(2026, 12, 21, 9, 5, tzinfo=NEW_YORK))  # next Monday: nothing overdue any more
    assert followthrough.send_digests(flow.runtime) == 0


def test_a_success_whose_run_died_before_its_follow_up_gets_it_when_the_reaper_announces_it(
    flow: Flow, clock: Clock
) -> None:
    """The policy's follow-up is attached before the result is announced; a run that dies after recording the success
    leaves the announcement owed, and the reaper that makes it attaches the follow-up too."""
    thread = start_thread(flow.sandbox, text="Card payments fail for every EU customer.")
    ask(flow.sandbox, thread, "<@U0BOT0001> create a bug in PAY: EU card payments fail, priority highest, assign bob")
    flow.settle()
    card = next(m for m in flow.driver.dm_messages("bob") if "Approve" in message_text(m))
    flow.driver.click("bob", card["channel"], card["ts"], action_ids.APPROVE)
    flow.settle()
    card = next(m for m in flow.driver.dm_messages("carol") if "Approve" in message_text(m))
    flow.driver.click("carol", card["channel"], card["ts"], action_ids.APPROVE)
    rt = flow.runtime
    thread_card = next(m for m in flow.driver.thread("#support", thread) if is_card(m))
    (proposal,) = rt.store.for_thread(thread_card["channel"], thread)
    deadline = time.monotonic() + 10
    while rt.store.get(proposal.id).state is not ProposalState.APPROVED:
        assert time.monotonic() < deadline, "the second approval did not land"
        time.sleep(0.02)
    rt.actions_queue.empty()  # the run: it records the success, then its process dies
    rt.store.update(proposal.id, lambda p: workflow.start(p, now=rt.clock(), attempt=1))
    done = ActionResult(index=0, status="done", system="jira", summary="Created PAY-99", key="PAY-99")
    rt.store.update(proposal.id, lambda p: workflow.succeed(p, [done], now=rt.clock()))
    assert not rt.commitments.all_live()

    rt.timing = dataclasses.replace(rt.timing, announce_grace=0.0)  # the reaper's pass, a few seconds later
    rescue_once(rt)

    commitment = the_commitment(flow)
    assert commitment.subject.ref == "PAY-99" and commitment.proposal_id == proposal.id
    assert any("PAY-99" in text for text in thread_texts(flow, thread)), "and the thread hears the result"
