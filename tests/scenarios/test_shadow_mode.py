"""Shadow mode (issue 16), through the real Bolt app: a policy puts Jira issues and the #sales channel in shadow.

Requests there are understood, grounded and decided as usual (questions included), their card says what would have
happened with Right / Wrong, and nothing is written to Jira or Salesforce, no approver hears of them and no execute
job is queued. The answers show in `followthrough shadow report` and `/followthrough stats`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

import app
from approvals.core.states import ProposalState
from approvals.flow.audit import POLICY_ID
from approvals.flow.execution import execute
from bot import action_ids
from sandbox.harness import Sandbox
from sandbox.redis_server import RedisServer
from sandbox.slack.driver import message_text
from tests.conftest import FAST_SETTINGS, NORTHWIND_POLICY
from tests.e2e.helpers import ask, buttons, command, is_card, proposal_id_of, start_thread
from tests.flow import Flow, running_flow
from tests.scenarios.test_salesforce_story import opportunity

SHADOW = """
shadow:
  channels: [sales]
  kinds: [jira.create_issue]
"""

_WRITES = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yml"
    path.write_text(NORTHWIND_POLICY.read_text(encoding="utf-8") + SHADOW, encoding="utf-8")
    return path


@pytest.fixture
def shadow_flow(
    sandbox: Sandbox, redis_server: RedisServer, redis_db: redis.Redis, policy_file: Path
) -> Iterator[Flow]:
    with running_flow(sandbox, redis_server.url, policy=policy_file, **FAST_SETTINGS) as flow:
        yield flow


def writes(sandbox: Sandbox) -> list[str]:
    """Every request that could have changed Jira or Salesforce (searches, which Jira sends as POST, aside)."""
    found = [
        f"jira {e.method} {e.path}"
        for e in sandbox.jira.requests.entries()
        if e.method in _WRITES and not e.path.rstrip("/").endswith(("/search", "/search/jql", "/jql/match"))
    ]
    found += [
        f"salesforce {e.method} {e.path}"
        for e in sandbox.salesforce.requests.entries()
        if e.method in _WRITES and "/sobjects/" in e.path
    ]
    return found


def thread_card(flow: Flow, thread: str, channel: str = "#support") -> dict[str, Any]:
    (card,) = [m for m in flow.driver.thread(channel, thread) if is_card(m)]
    return card


def dm_cards(flow: Flow, *users: str) -> list[dict[str, Any]]:
    return [m for user in users for m in flow.driver.dm_messages(user) if is_card(m)]


def execute_jobs_queued(flow: Flow) -> list[str]:
    return [key.decode() for key in flow.runtime.connection.keys("ft:job:*")]


def test_a_shadowed_bug_is_decided_as_usual_but_nothing_is_written_and_nobody_is_asked(shadow_flow: Flow) -> None:
    flow = shadow_flow
    issues_before = len(flow.sandbox.jira.issues())
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread)  # create a bug in PAY: Checkout fails on Safari, assign to Alice, priority high
    flow.settle()

    card = thread_card(flow, thread)
    proposal = flow.runtime.store.get(proposal_id_of(card))
    assert proposal.state is ProposalState.SHADOWED
    assert proposal.policy.outcome == "approve" and proposal.shadow is not None
    text = message_text(card)
    assert "Shadow:" in text and "would ask <@U0BOB0001>" in text and "create a Jira bug in PAY" in text, text
    assert "Nothing was written and nobody was asked" in text
    assert [b["action_id"] for b in buttons(card)] == [action_ids.SHADOW_RIGHT, action_ids.SHADOW_WRONG]

    assert len(flow.sandbox.jira.issues()) == issues_before
    assert writes(flow.sandbox) == []
    assert dm_cards(flow, "bob", "carol") == [], "no approver was asked"
    assert execute_jobs_queued(flow) == []
    events = [r.event for r in flow.runtime.store.audit.for_proposal(proposal.id)]
    assert events[0] == "proposal.created" and "proposal.shadowed" in events
    assert not [e for e in events if e.startswith(("proposal.awaiting", "proposal.approved", "action."))], events
    shadowed = next(r for r in flow.runtime.store.audit.for_proposal(proposal.id) if r.event == "proposal.shadowed")
    assert shadowed.data["would"] == "ask" and shadowed.data["scope"] == "jira.create_issue is in shadow mode"
    assert "U0BOB0001" in shadowed.data["would_ask"]


def test_right_and_wrong_answers_are_stored_audited_and_reported(
    shadow_flow: Flow, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = shadow_flow
    renewal_before = opportunity(flow.sandbox)

    # A Jira bug, in shadow because of its kind: Bob (who would have been asked) says it was right.
    bug_thread = start_thread(flow.sandbox)
    ask(flow.sandbox, bug_thread)
    # An opportunity change in #sales, in shadow because of its channel: Frank says it was wrong, and why.
    sales_thread = start_thread(flow.sandbox, user="erin", channel="#sales", text="Pipeline review.")
    ask(
        flow.sandbox,
        sales_thread,
        "<@U0BOT0001> move the acme platform renewal to negotiation",
        user="erin",
        channel="#sales",
    )
    # A Jira bug whose project the bot has to ask for: the question is asked and answered as usual.
    asked_thread = start_thread(flow.sandbox, text="Refund emails show USD for Canadian customers.")
    ask(flow.sandbox, asked_thread, "<@U0BOT0001> file a bug: refund email shows USD, priority high")
    flow.settle()

    question = thread_card(flow, asked_thread)
    assert flow.runtime.store.get(proposal_id_of(question)).state is ProposalState.NEEDS_INFO
    ask(flow.sandbox, asked_thread, "PAY")  # the answer, typed in the thread
    flow.settle()
    asked = flow.runtime.store.get(proposal_id_of(question))
    assert asked.state is ProposalState.SHADOWED, asked.state
    assert "Shadow:" in message_text(thread_card(flow, asked_thread))

    bug = thread_card(flow, bug_thread)
    assert flow.driver.click("bob", bug["channel"], bug["ts"], action_ids.SHADOW_RIGHT).acked
    sale = thread_card(flow, sales_thread, "#sales")
    assert "Shadow: would ask <@U0FRANK01> or <@U0KARA001> to approve this" in message_text(sale), message_text(sale)
    assert "#sales is in shadow mode" in message_text(sale)
    assert flow.driver.click("frank", sale["channel"], sale["ts"], action_ids.SHADOW_WRONG).acked
    flow.settle()
    (form,) = flow.driver.open_views("frank")
    assert flow.driver.submit_view("frank", form["id"], {"reason": "a change this size needs two managers"}).ok
    flow.settle()

    # Someone with no say in it is refused, told so alone, and audited.
    assert flow.driver.click("juan", bug["channel"], bug["ts"], action_ids.SHADOW_RIGHT).acked
    flow.settle()
    assert any("can say whether this was right" in message_text(e["message"]) for e in flow.driver.ephemerals("juan"))

    store = flow.runtime.store
    bug_proposal = store.get(proposal_id_of(bug))
    assert bug_proposal.shadow is not None and bug_proposal.shadow.verdict is True
    sale_proposal = store.get(proposal_id_of(sale))
    assert sale_proposal.state is ProposalState.SHADOWED
    assert sale_proposal.shadow is not None and sale_proposal.shadow.verdict is False
    (verdict,) = sale_proposal.shadow.verdicts
    assert (verdict.user_id, verdict.note) == ("U0FRANK01", "a change this size needs two managers")
    judged = [r for r in store.audit.for_proposal(sale_proposal.id) if r.event == "shadow.judged"]
    assert [(r.actor, r.data["right"], r.data["note"]) for r in judged] == [
        ("U0FRANK01", False, "a change this size needs two managers")
    ]
    assert "shadow.refused" in [r.event for r in store.audit.for_proposal(bug_proposal.id)]
    assert "wrong (<@U0FRANK01>: “a change this size needs two managers”)" in message_text(
        thread_card(flow, sales_thread, "#sales")
    )

    # Nothing was written anywhere, and no approver was asked.
    assert writes(flow.sandbox) == []
    assert opportunity(flow.sandbox)["StageName"] == renewal_before["StageName"]
    assert dm_cards(flow, "bob", "carol", "frank", "kara") == []
    assert execute_jobs_queued(flow) == []

    # The report: precision per kind from those answers, what was not answered, the question, the rules.
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    assert app.main(["shadow", "report"]) == 0
    report = capsys.readouterr().out
    assert "of 3 request(s) decided in shadow" in report, report
    assert "jira.create_issue: precision 100% (1 right, 0 wrong), 1 not answered, of 2" in report, report
    assert "salesforce.update_opportunity: precision 0% (0 right, 1 wrong), 0 not answered, of 1" in report, report
    assert "Questions asked: 1, in 1 request(s)" in report, report
    assert "rule 2: payments and operations issues, would ask (2)" in report, report
    assert f"{sale_proposal.id} salesforce.update_opportunity, by U0FRANK01: a change this size needs two" in report

    stats = command(flow.sandbox, "grace", "stats")
    assert "*Shadow mode*" in stats and "In shadow mode now: channels #sales; kinds jira.create_issue" in stats
    assert "`jira.create_issue`: precision 100%" in stats, stats


def test_what_would_run_at_once_and_what_the_policy_would_refuse_are_said_and_not_done(shadow_flow: Flow) -> None:
    flow = shadow_flow
    calls = flow.sandbox.salesforce.requests.count(path="/sobjects/Task", method="POST")
    logged = start_thread(flow.sandbox, user="erin", channel="#sales", text="Call notes.")
    ask(flow.sandbox, logged, "<@U0BOT0001> log a call with Ana at Initech", user="erin", channel="#sales")
    refused = start_thread(flow.sandbox, user="ivy", channel="#sales", text="Pipeline review.")
    ask(
        flow.sandbox,
        refused,
        "<@U0BOT0001> move the acme platform renewal to negotiation",
        user="ivy",
        channel="#sales",
    )
    flow.settle()

    run = thread_card(flow, logged, "#sales")
    assert "Shadow: would run at once: log a call in Salesforce" in message_text(run), message_text(run)
    assert flow.runtime.store.get(proposal_id_of(run)).policy.outcome == "auto"
    deny = thread_card(flow, refused, "#sales")
    assert "Shadow: the policy would refuse it: You can change only the opportunities you own" in message_text(deny)
    assert [b["action_id"] for b in buttons(deny)] == [action_ids.SHADOW_RIGHT, action_ids.SHADOW_WRONG]

    assert flow.sandbox.salesforce.requests.count(path="/sobjects/Task", method="POST") == calls
    assert writes(flow.sandbox) == []
    assert execute_jobs_queued(flow) == [], "an auto-approved request in shadow queues no execute job"


def test_a_right_click_forged_from_another_card_is_refused_as_suspicious(shadow_flow: Flow) -> None:
    flow = shadow_flow
    first, second = start_thread(flow.sandbox), start_thread(flow.sandbox, text="Payouts are stuck again.")
    ask(flow.sandbox, first)
    ask(flow.sandbox, second, "<@U0BOT0001> create a bug in OPS: payouts stuck, priority high")
    flow.settle()
    card_a, card_b = thread_card(flow, first), thread_card(flow, second)
    (right_b,) = [b for b in buttons(card_b) if b["action_id"] == action_ids.SHADOW_RIGHT]

    flow.driver.forge_click(
        "bob", card_a["channel"], card_a["ts"], action_ids.SHADOW_RIGHT, forged_value=right_b["value"]
    )
    flow.settle()

    b = flow.runtime.store.get(proposal_id_of(card_b))
    assert b.shadow is not None and b.shadow.verdicts == (), "B was not judged from A's card"
    assert "click.suspicious" in [r.event for r in flow.runtime.store.audit.for_proposal(b.id)]


def test_requests_outside_shadow_still_go_to_their_approvers(shadow_flow: Flow) -> None:
    flow = shadow_flow
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread, "<@U0BOT0001> assign PAY-12 to Alice")  # jira.assign, in #support: not in shadow
    flow.settle()
    card = thread_card(flow, thread)
    assert flow.runtime.store.get(proposal_id_of(card)).state is ProposalState.AWAITING_APPROVAL
    assert dm_cards(flow, "bob"), "the approvers were asked as usual"


def test_a_shadow_proposal_that_reaches_the_execute_job_fails_closed_and_is_audited(shadow_flow: Flow) -> None:
    flow = shadow_flow
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread)
    flow.settle()
    proposal_id = proposal_id_of(thread_card(flow, thread))

    assert execute(proposal_id) == "refused:shadow"  # as if a forged or stray job had been queued for it

    assert flow.runtime.store.get(proposal_id).state is ProposalState.SHADOWED
    refused = [r for r in flow.runtime.store.audit.for_proposal(proposal_id) if r.event == "execute.refused"]
    assert len(refused) == 1 and refused[0].data["shadow"] is True
    assert writes(flow.sandbox) == []


def test_turning_shadow_on_stops_an_approved_change_and_turning_it_off_is_an_audited_policy_change(
    sandbox: Sandbox, redis_server: RedisServer, redis_db: redis.Redis, tmp_path: Path
) -> None:
    """The kind goes into shadow after the request was made: Bob's approval no longer writes anything."""
    policy = tmp_path / "policy.yml"
    northwind = NORTHWIND_POLICY.read_text(encoding="utf-8")
    policy.write_text(northwind, encoding="utf-8")
    with running_flow(sandbox, redis_server.url, policy=policy, **FAST_SETTINGS) as flow:
        thread = start_thread(flow.sandbox)
        ask(flow.sandbox, thread, "<@U0BOT0001> assign PAY-12 to Alice")
        flow.settle()
        (card,) = dm_cards(flow, "bob")
        proposal_id = proposal_id_of(card)

        policy.write_text(northwind + "\nshadow: {kinds: [jira.assign]}\n", encoding="utf-8")
        flow.runtime.policy.reload(by="U0GRACE01")  # as `/followthrough policy reload` does
        flow.driver.click("bob", card["channel"], card["ts"], action_ids.APPROVE)
        flow.settle()

        proposal = flow.runtime.store.get(proposal_id)
        assert proposal.state is ProposalState.FAILED
        assert "jira.assign is in shadow mode, so nothing was written" in (proposal.failure or "")
        assert "execute.refused" in [r.event for r in flow.runtime.store.audit.for_proposal(proposal_id)]
        assert writes(flow.sandbox) == []

        # Turning writes on again for the kind is a policy change: audited with who and the diff.
        policy.write_text(northwind, encoding="utf-8")
        flow.runtime.policy.reload(by="U0GRACE01")
        changes = [r for r in flow.runtime.store.audit.for_proposal(POLICY_ID) if r.event == "policy.changed"]
        assert changes[-1].actor == "U0GRACE01"
        assert "-shadow: {kinds: [jira.assign]}" in changes[-1].data["diff"], changes[-1].data["diff"]
