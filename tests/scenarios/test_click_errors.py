"""A click whose handler fails unexpectedly is not silent (issue 12): Bolt's global error handler logs it and tells
the clicker, only them, that it failed and nothing was changed."""

from __future__ import annotations

from bot import action_ids
from tests.e2e.helpers import ask, ephemeral_texts, is_card, proposal_id_of, start_thread
from tests.flow import Flow


def test_an_unexpected_error_on_a_click_is_told_to_the_clicker(flow: Flow) -> None:
    thread = start_thread(flow.sandbox)
    ask(flow.sandbox, thread, "<@U0BOT0001> assign PAY-12 to Alice")
    flow.settle()
    (card,) = [m for m in flow.driver.dm_messages("bob") if is_card(m)]

    # A failure nobody planned for: the stored record is unreadable (a bad write by hand, a broken migration).
    flow.runtime.connection.set(f"ft:proposal:{proposal_id_of(card)}", "{not json")
    click = flow.driver.click("bob", card["channel"], card["ts"], action_ids.APPROVE)
    assert click.acked, "acked at once, not 'this app did not respond' after 3 s"
    flow.settle()
    assert any("failed on my side and was logged" in t for t in ephemeral_texts(flow.sandbox, "bob"))
