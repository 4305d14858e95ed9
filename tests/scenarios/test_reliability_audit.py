"""The audit says what was done even when the worker that did it died between recording it and auditing it."""

from __future__ import annotations

from approvals.core import workflow
from approvals.core.ports import ExecutionContext
from approvals.core.states import ProposalState
from approvals.flow.ledger import action_id
from bot import action_ids
from sandbox.slack.driver import message_text
from tests.e2e.helpers import ask, bot_replies, is_card, start_thread
from tests.flow import Flow

SEED_ISSUES = 12


def test_an_action_done_by_a_run_that_died_before_its_audit_is_audited_by_the_next_run(flow: Flow) -> None:
    driver = flow.driver
    rt = flow.runtime
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread)
    flow.settle()
    card = next(m for m in driver.thread("#support", thread) if is_card(m))
    assert driver.click("bob", card["channel"], card["ts"], action_ids.APPROVE).acked
    (approved,) = rt.store.in_states((ProposalState.APPROVED,))

    # What the run that died did, step by step, up to the instant it died: it claimed the proposal, recorded the
    # call as sent, made it (the issue exists), recorded it done in the ledger, and died before the audit entry.
    rt.store.update(approved.id, lambda p: workflow.start(p, now=rt.clock(), attempt=1))
    action = approved.actions[0]
    aid = action_id(approved.id, 0, approved.fingerprint)
    rt.ledger.open(aid, {"proposal_id": approved.id, "index": 0, "action": action.model_dump(mode="json")})
    rt.ledger.mark_sent(aid)
    outcome = rt.connectors["jira"].execute(action, ExecutionContext(approved.id, aid, None))
    rt.ledger.mark_done(aid, {"summary": outcome.summary, "key": outcome.key, "url": outcome.url, "changes": {}})

    flow.settle()  # the queued job runs: the next run
    assert rt.store.get(approved.id).state is ProposalState.SUCCEEDED
    assert len(flow.sandbox.jira.find_issues(project="PAY")) == SEED_ISSUES + 1, "not sent again"
    done = [r for r in rt.store.audit.for_proposal(approved.id) if r.event == "action.done"]
    assert len(done) == 1
    assert done[0].data["action_id"] == aid
    assert done[0].data["key"] == outcome.key
    assert done[0].data["system"] == "jira"
    assert done[0].data["recorded_late"] is True
    told = [m for m in bot_replies(flow.sandbox, thread) if outcome.key in message_text(m)]
    assert len(told) == 1

    # Another run (a duplicate job) audits nothing more.
    rt.actions_queue.enqueue("approvals.flow.execution.execute", approved.id)
    flow.settle()
    assert len([r for r in rt.store.audit.for_proposal(approved.id) if r.event == "action.done"]) == 1
