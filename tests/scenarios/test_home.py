"""The App Home tab as the people of the README's story see it, with many items in each list."""

from __future__ import annotations

from typing import Any

from sandbox.blockkit import interactive_elements
from sandbox.slack.driver import message_text
from tests.e2e.helpers import ask, start_thread
from tests.flow import Flow

REQUESTS = [
    "@followthrough create a bug in PAY: Checkout fails on Safari, assign to Alice, priority high",
    "@followthrough create a bug in PAY: Refund emails go out twice, assign to Alice",
    "@followthrough create a task in OPS: Rotate the staging keys, assign to Juan",
    "@followthrough create a bug in PAY: Invoice PDF misses the VAT number",
]


def home_of(flow: Flow, user: str) -> dict[str, Any]:
    flow.driver.open_app_home(user)
    flow.settle()
    home = flow.driver.home_view(user)
    assert home is not None, f"no Home was published for {user}"
    return home


def home_text(home: dict[str, Any]) -> str:
    return message_text({"blocks": home["blocks"]})


def test_home_lists_many_items_for_the_requester_an_approver_and_an_admin(flow: Flow) -> None:
    for text in REQUESTS:
        ask(flow.sandbox, start_thread(flow.sandbox, text="Something broke"), text)
    flow.settle()

    for user, needle in (("dana", "Your requests"), ("bob", "Waiting for you"), ("carol", "Waiting for you")):
        home = home_of(flow, user)
        text = home_text(home)
        assert needle in text
        for summary in ("Checkout fails on Safari", "Refund emails go out twice", "Invoice PDF misses the VAT number"):
            assert summary in text, f"{user}'s Home lacks {summary!r}:\n{text}"
        action_ids = [e["action_id"] for e in interactive_elements(home["blocks"])]
        assert len(action_ids) >= 3 and len(set(action_ids)) == len(action_ids), action_ids

    grace = home_text(home_of(flow, "grace"))
    assert "Followthrough has not published" not in grace


def test_a_home_button_is_acknowledged(flow: Flow) -> None:
    for text in REQUESTS[:2]:
        ask(flow.sandbox, start_thread(flow.sandbox, text="Something broke"), text)
    flow.settle()
    home = home_of(flow, "dana")
    buttons = [e for e in interactive_elements(home["blocks"]) if e.get("type") == "button"]
    assert len(buttons) == 2
    for button in buttons:
        result = flow.driver.click_in_view("dana", home["id"], button["action_id"])
        assert result.acked, result
