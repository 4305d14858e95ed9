"""The Undo button on a result: it names records, not internal ids, and it goes away once it can't be used."""

from __future__ import annotations

import time
from typing import Any

import pytest

from approvals.core.states import ProposalState
from bot import action_ids
from sandbox.slack.driver import message_text
from tests.conftest import FAST_SETTINGS, NORTHWIND_POLICY
from tests.e2e.helpers import ask, buttons, ephemeral_texts, is_card, start_thread
from tests.flow import Flow, running_flow


def _result(flow: Flow, thread: str, needle: str) -> dict[str, Any]:
    return next(m for m in flow.driver.thread("#support", thread) if needle in message_text(m) and not is_card(m))


def _created(flow: Flow) -> tuple[str, dict[str, Any]]:
    driver = flow.driver
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread)
    flow.settle()
    card = next(m for m in driver.thread("#support", thread) if is_card(m))
    assert driver.click("bob", card["channel"], card["ts"], action_ids.APPROVE).acked
    flow.settle()
    return thread, _result(flow, thread, "Created")


def test_after_an_undo_the_result_has_no_undo_button_and_no_message_names_an_internal_id(flow: Flow) -> None:
    driver = flow.driver
    thread, result = _created(flow)
    assert [b["action_id"] for b in buttons(result)] == [action_ids.UNDO]

    assert driver.click("dana", result["channel"], result["ts"], action_ids.UNDO).acked
    flow.settle()
    told = ephemeral_texts(flow.sandbox, "dana")[-1]
    assert "Preparing the undo of PAY-13" in told and "ft-" not in told
    undo_card = next(m for m in driver.thread("#support", thread) if is_card(m) and "asks to undo" in message_text(m))
    assert "asks to undo PAY-13" in message_text(undo_card)
    assert driver.click("carol", undo_card["channel"], undo_card["ts"], action_ids.APPROVE).acked
    flow.settle()

    undone = _result(flow, thread, "Undo of")
    assert message_text(undone).startswith("Undo of PAY-13:"), message_text(undone)
    after = driver.message("#support", result["ts"])
    assert not buttons(after), "the result's Undo button is gone once the undo ran"
    assert "Undone by <@U0DANA001>" in message_text(after)
    replies = [message_text(m) for m in driver.thread("#support", thread) if not is_card(m)]
    assert not any("`ft-" in text for text in replies), replies


@pytest.mark.realtime
def test_after_its_window_the_result_says_undo_is_no_longer_offered(
    sandbox: Any, redis_server: Any, redis_db: Any
) -> None:
    settings = {**FAST_SETTINGS, "followthrough_undo_window": 2.0}
    with running_flow(sandbox, redis_server.url, policy=NORTHWIND_POLICY, **settings) as flow:
        _, result = _created(flow)
        assert buttons(result)
        time.sleep(3.1)  # the window, and the second scheduled times are rounded up to (never early)
        flow.run_scheduled()
        flow.settle()
        after = flow.driver.message("#support", result["ts"])
        assert not buttons(after)
        assert "The time to undo this has passed." in message_text(after)
        (done,) = flow.runtime.store.in_states((ProposalState.SUCCEEDED,))
        assert done.undo is None
