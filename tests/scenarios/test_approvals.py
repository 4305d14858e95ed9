"""Approval routing as people live it: quorum, edits, cancel, reminders, escalation, expiry, policy reloads,
the admin command and the App Home, through the bot's listeners and the jobs in process (tests/flow.py). The
deadlines run on real time: the policy's seconds pass, and the scheduled jobs are queued as they fall due."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import redis

from approvals.core.states import ProposalState
from bot import action_ids
from sandbox.harness import Sandbox
from sandbox.processes import wait_until
from sandbox.redis_server import RedisServer
from sandbox.slack.driver import message_text
from tests.conftest import FAST_SETTINGS, NORTHWIND_POLICY
from tests.e2e.helpers import (
    ask,
    audit_events,
    bot_replies,
    buttons,
    click,
    command,
    proposal,
    proposal_id_of,
    start_thread,
    wait_for_card,
    wait_for_card_text,
)
from tests.flow import Flow, running_flow

HIGHEST = "@followthrough create a bug in PAY: Payouts are sent twice, assign to Alice, priority highest"


@pytest.fixture
def start_flow(sandbox: Sandbox, redis_server: RedisServer, redis_db: redis.Redis) -> Iterator[Callable[[Path], Flow]]:
    """The flow on a policy of the test's own (as a deployment's FOLLOWTHROUGH_POLICY)."""
    with ExitStack() as stack:

        def start(policy: Path) -> Flow:
            return stack.enter_context(running_flow(sandbox, redis_server.url, policy=policy, **FAST_SETTINGS))

        yield start


def dm_card(sandbox: Sandbox, user: str, proposal_id: str) -> dict[str, Any]:
    return wait_until(
        lambda: [m for m in sandbox.slack.driver.dm_messages(user) if f"`{proposal_id}`" in message_text(m)],
        message=f"{user} never got the card",
    )[0]


def modal_of(sandbox: Sandbox, user: str, callback_id: str) -> dict[str, Any]:
    views = wait_until(
        lambda: [v for v in sandbox.slack.driver.open_views(user) if v["callback_id"] == callback_id],
        message=f"no {callback_id} modal opened for {user}",
    )
    return views[-1]


def test_two_approvals_are_needed_for_the_highest_priority(flow: Flow, sandbox: Sandbox, redis_db: redis.Redis) -> None:
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts, HIGHEST)
    flow.settle()
    card = wait_for_card(sandbox, thread_ts)
    assert "(0 of 2)" in message_text(card)

    assert click(sandbox, "bob", card).acked
    flow.settle()
    halfway = wait_for_card_text(sandbox, card, "(1 of 2); approved so far by <@U0BOB0001>")
    assert buttons(halfway), "still waiting: the card keeps its buttons"
    bob_copy = dm_card(sandbox, "bob", proposal_id_of(card))
    assert click(sandbox, "bob", bob_copy).acked, "the same person clicking again"
    flow.settle()
    refusal = sandbox.slack.driver.wait_for_ephemeral("bob", timeout=10)
    assert "You already approved this" in message_text(refusal["message"])

    assert click(sandbox, "carol", card).acked
    flow.settle()
    done = wait_for_card_text(sandbox, card, "Done")
    assert "<@U0BOB0001> and <@U0CAROL01>" in message_text(done)
    assert len(sandbox.jira.issues()) == 17


def test_an_edit_reroutes_and_voids_the_approvals_given(flow: Flow, sandbox: Sandbox, redis_db: redis.Redis) -> None:
    driver = sandbox.slack.driver
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts, HIGHEST)
    flow.settle()
    card = wait_for_card(sandbox, thread_ts)
    proposal_id = proposal_id_of(card)
    assert click(sandbox, "bob", card).acked
    flow.settle()
    wait_for_card_text(sandbox, card, "(1 of 2)")

    assert click(sandbox, "dana", card, action_ids.EDIT).acked
    flow.settle()
    modal = modal_of(sandbox, "dana", action_ids.EDIT_VIEW)
    result = driver.submit_view("dana", modal["id"], {"priority": "High", "labels": "payouts urgent"})
    assert result.ok, result
    flow.settle()
    edited = wait_for_card_text(sandbox, card, "(0 of 1)")
    text = message_text(edited)
    assert "*Priority*\nHigh" in text and "payouts, urgent" in text
    reply = wait_until(lambda: [m for m in bot_replies(sandbox, thread_ts) if "edited this request" in message_text(m)])
    assert "the approval of <@U0BOB0001> no longer counts, so it needs approval again" in message_text(reply[0])

    assert click(sandbox, "carol", edited).acked
    flow.settle()
    wait_for_card_text(sandbox, card, "Done")
    issue = sandbox.jira.issues()[-1]["fields"]
    assert issue["priority"]["name"] == "High"
    assert {"payouts", "urgent"} <= set(issue["labels"])
    events = [r.event for r in audit_events(redis_db, proposal_id)]
    assert events.index("proposal.edited") < events.index("proposal.approved")
    edited_entry = next(r for r in audit_events(redis_db, proposal_id) if r.event == "proposal.edited")
    assert edited_entry.data["before"][0]["priority"] == "Highest"
    assert edited_entry.data["after"][0]["priority"] == "High"


def test_an_edit_with_a_bad_value_is_answered_in_the_form(flow: Flow, sandbox: Sandbox) -> None:
    driver = sandbox.slack.driver
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    flow.settle()
    card = wait_for_card(sandbox, thread_ts)
    assert click(sandbox, "dana", card, action_ids.EDIT).acked
    flow.settle()
    modal = modal_of(sandbox, "dana", action_ids.EDIT_VIEW)
    result = driver.submit_view("dana", modal["id"], {"due_date": "2020-01-01"})
    flow.settle()
    assert result.errors == {"due_date": "The due date is in the past."}
    assert driver.open_views("dana"), "the form stays open to be fixed"
    assert "(0 of 1)" in message_text(driver.message(card["channel"], card["ts"])), "nothing changed"


def test_the_requester_cancels_and_nobody_else_may(flow: Flow, sandbox: Sandbox, redis_db: redis.Redis) -> None:
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    flow.settle()
    card = wait_for_card(sandbox, thread_ts)
    assert click(sandbox, "hank", card, action_ids.CANCEL).acked
    flow.settle()
    refusal = sandbox.slack.driver.wait_for_ephemeral("hank", timeout=10)
    assert "Only the person who asked, or an admin, can cancel" in message_text(refusal["message"])

    assert click(sandbox, "dana", card, action_ids.CANCEL).acked
    flow.settle()
    final = wait_for_card_text(sandbox, card, "Cancelled by <@U0DANA001>")
    assert not buttons(final)
    for approver in ("bob", "carol"):
        wait_until(lambda a=approver: not buttons(dm_card(sandbox, a, proposal_id_of(card))), message="stale DM card")
    assert proposal(redis_db, proposal_id_of(card)).state is ProposalState.CANCELLED


def _policy_with(tmp_path: Path, old: str, new: str) -> Path:
    text = NORTHWIND_POLICY.read_text()
    assert old in text
    target = tmp_path / "policy.yml"
    target.write_text(text.replace(old, new))
    return target


PAY_RULE = "approve: {by: [eng-leads], expires_after: 3d}"


@pytest.mark.realtime
def test_reminders_then_escalation_to_the_requesters_manager(
    start_flow: Callable[[Path], Flow], sandbox: Sandbox, tmp_path: Path
) -> None:
    policy = _policy_with(
        tmp_path,
        PAY_RULE,
        "approve: {by: [eng-leads], expires_after: 1h, remind_after: 2s, escalate_to: manager, escalate_after: 4s}",
    )
    flow = start_flow(policy)
    driver = sandbox.slack.driver
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    flow.settle()
    card = wait_for_card(sandbox, thread_ts)

    for approver in ("bob", "carol"):
        flow.run_until(
            lambda a=approver: [m for m in driver.dm_messages(a) if "Reminder" in message_text(m)],
            timeout=15,
            message=f"{approver} was not reminded",
        )
    flow.run_until(lambda: "escalated to <@U0HANK001>" in message_text(driver.message(card["channel"], card["ts"])))
    escalated = wait_for_card_text(sandbox, card, "escalated to <@U0HANK001>", timeout=20)
    assert "Waiting for approval from <@U0BOB0001>, <@U0CAROL01> or <@U0HANK001>" in message_text(escalated)
    wait_until(lambda: [m for m in bot_replies(sandbox, thread_ts) if "also asked <@U0HANK001>" in message_text(m)])
    hank_card = dm_card(sandbox, "hank", proposal_id_of(card))
    assert click(sandbox, "hank", hank_card).acked, "Dana's manager may now approve"
    flow.settle()
    wait_for_card_text(sandbox, card, "Done", timeout=20)
    for approver in ("bob", "carol"):
        reminders = [m for m in driver.dm_messages(approver) if "Reminder" in message_text(m)]
        assert len(reminders) == 1, "a reminder fires once"


@pytest.mark.realtime
def test_nobody_approves_in_time_so_it_expires_and_fails_closed(
    start_flow: Callable[[Path], Flow], sandbox: Sandbox, redis_db: redis.Redis, tmp_path: Path
) -> None:
    policy = _policy_with(tmp_path, PAY_RULE, "approve: {by: [eng-leads], expires_after: 3s}")
    flow = start_flow(policy)
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    flow.settle()
    card = wait_for_card(sandbox, thread_ts)
    flow.run_until(lambda: proposal(redis_db, proposal_id_of(card)).state is ProposalState.EXPIRED)
    flow.settle()
    final = wait_for_card_text(sandbox, card, "Expired", timeout=20)
    assert not buttons(final)
    wait_until(lambda: [m for m in bot_replies(sandbox, thread_ts) if "expired" in message_text(m)])
    assert proposal(redis_db, proposal_id_of(card)).state is ProposalState.EXPIRED
    with pytest.raises(Exception, match="ft_approve"):
        click(sandbox, "bob", card)
    assert len(sandbox.jira.issues()) == 16


def test_a_stricter_policy_reloaded_while_waiting_applies_and_a_bad_one_is_refused(
    start_flow: Callable[[Path], Flow], sandbox: Sandbox, redis_db: redis.Redis, tmp_path: Path
) -> None:
    policy = _policy_with(tmp_path, PAY_RULE, PAY_RULE)
    flow = start_flow(policy)
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    flow.settle()
    card = wait_for_card(sandbox, thread_ts)
    assert "(0 of 1)" in message_text(card)

    policy.write_text(policy.read_text().replace(PAY_RULE, "approve: {by: [eng-leads], min_approvers: 2}"))
    reply = command(sandbox, "grace", "policy reload")
    assert "Policy reloaded" in reply and "applies to 1 waiting request" in reply
    flow.settle()
    stricter = wait_for_card_text(sandbox, card, "(0 of 2)")
    assert "the current policy also requires" in message_text(stricter)
    assert click(sandbox, "bob", stricter).acked
    flow.settle()
    wait_for_card_text(sandbox, card, "(1 of 2)")
    assert proposal(redis_db, proposal_id_of(card)).state is ProposalState.AWAITING_APPROVAL, "one is not enough now"

    good = policy.read_text()
    policy.write_text(good.replace("version: 1", "version: 1\nroles: [oops"))
    reply = command(sandbox, "grace", "policy reload")
    assert "last good policy" in reply and "YAML syntax error" in reply
    assert click(sandbox, "carol", card).acked, "the bot keeps working on the last good policy"
    flow.settle()
    wait_for_card_text(sandbox, card, "Done", timeout=20)


def test_the_command_answers_each_person_with_what_they_may_do(flow: Flow, sandbox: Sandbox) -> None:
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    flow.settle()
    card = wait_for_card(sandbox, thread_ts)
    proposal_id = proposal_id_of(card)

    dana_help = command(sandbox, "dana", "help")
    assert "/followthrough pending" in dana_help and "policy reload" not in dana_help and "retry" not in dana_help
    grace_help = command(sandbox, "grace", "help")
    assert "/followthrough policy reload" in grace_help and "/followthrough retry <id>" in grace_help

    assert proposal_id in command(sandbox, "bob", "pending")
    waiting_for_dana, dana_waits_on = command(sandbox, "dana", "pending").split("*You are waiting on*")
    assert proposal_id not in waiting_for_dana, "Dana cannot approve her own request"
    assert proposal_id in dana_waits_on, "but she sees she is waiting on it"
    trail = command(sandbox, "dana", f"audit {proposal_id}")
    assert "proposal.created by <@U0DANA001>" in trail and "proposal.awaiting_approval" in trail
    assert "can read the audit of requests you made" in command(sandbox, "erin", f"audit {proposal_id}", "#sales")
    assert "Only admins can use" in command(sandbox, "dana", f"retry {proposal_id}")
    assert "Give a request id like" in command(sandbox, "dana", "cancel nonsense")

    test = command(sandbox, "dana", "policy test create a bug in PAY: Ledger drift, priority highest")
    assert "Outcome: *approve*" in test and "2 approvals" in test
    assert "<@U0BOB0001>" in test and "<@U0CAROL01>" in test
    assert len(sandbox.jira.issues()) == 16, "a policy test changes nothing"
    shown = command(sandbox, "dana", "policy show")
    assert re.search(r"\*Policy\* `[0-9a-f]{16}`", shown) and "jira.create_issue" in shown
    assert "I don't know `frobnicate`" in command(sandbox, "dana", "frobnicate")


def test_the_app_home_shows_what_waits_and_follows_changes(flow: Flow, sandbox: Sandbox) -> None:
    driver = sandbox.slack.driver
    thread_ts = start_thread(sandbox)
    ask(sandbox, thread_ts)
    flow.settle()
    card = wait_for_card(sandbox, thread_ts)
    proposal_id = proposal_id_of(card)
    driver.open_app_home("bob")
    flow.settle()
    home = wait_until(lambda: driver.home_view("bob"), message="no App Home for Bob")
    assert proposal_id in str(home) and "Waiting for you" in str(home)
    assert click(sandbox, "carol", card).acked
    flow.settle()
    wait_for_card_text(sandbox, card, "Done")
    wait_until(
        lambda: "Nothing is waiting for your decision." in str(driver.home_view("bob")),
        message="Bob's App Home still lists the decided request",
    )


def test_the_message_shortcut_turns_someone_elses_message_into_a_request(
    flow: Flow, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    driver = sandbox.slack.driver
    thread_ts = start_thread(sandbox, user="hank", text="Heads up: refunds for Globex fail since this morning.")
    message = driver.post_message(
        "hank", "#support", "file a bug in PAY: Refunds fail for Globex, priority high", thread_ts=thread_ts
    )
    result = driver.message_shortcut("dana", "#support", message["ts"], action_ids.MESSAGE_SHORTCUT)
    assert result.acked
    flow.settle()
    card = wait_for_card(sandbox, thread_ts)
    assert "Refunds fail for Globex" in message_text(card)
    assert proposal(redis_db, proposal_id_of(card)).requester == "U0DANA001", "the person who used the shortcut asks"
