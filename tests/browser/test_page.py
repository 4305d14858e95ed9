"""The sandbox page in a real browser, against the real product: Dana asks in a thread, Bob approves on the page,
the issue appears in the Jira pane.

The bot and the worker run as processes (``python app.py`` and ``python app.py worker``); every step on the page
goes through the Slack driver, so the app receives exactly what Slack would send it.
"""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.harness import Sandbox
from tests.conftest import Product
from tests.e2e.helpers import BUG_REQUEST, BUG_THREAD

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails) with the reason
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BOT_FLOW_TIMEOUT = 20_000  # ms: the card and the result come from the real bot and worker


def test_dana_asks_in_a_thread_bob_approves_and_the_issue_appears(
    page: Any,  # first: without a browser the test is skipped before the product starts
    product: Product,
    sandbox: Sandbox,
) -> None:
    page.goto(sandbox.console.url)
    me = page.get_by_label("You are")
    me.select_option("dana")
    page.get_by_test_id("sidebar").get_by_role("button", name="support").click()
    expect(page.locator("#channel-header h1")).to_have_text("#support")

    composer = page.get_by_role("textbox", name="Message", exact=True)
    composer.fill(BUG_THREAD)
    composer.press("Enter")
    root = page.get_by_test_id("channel").get_by_test_id("message").filter(has_text="the card form never loads")
    expect(root).to_be_visible()
    root.hover()
    root.get_by_role("button", name="Reply in thread").click()

    thread = page.get_by_test_id("thread")
    reply = thread.get_by_role("textbox", name="Reply")
    reply.fill(BUG_REQUEST)
    reply.press("Enter")
    request = thread.get_by_test_id("message").filter(has_text="create a bug in PAY")
    expect(request.locator(".mention")).to_have_text("@followthrough")  # typed "@followthrough" became a mention
    card = thread.get_by_test_id("message").filter(has=page.get_by_role("button", name="Approve"))
    expect(card).to_contain_text("Create a Jira bug in PAY", timeout=BOT_FLOW_TIMEOUT)
    expect(card).to_contain_text("@Alice Chen")
    expect(card.get_by_role("button", name="Reject")).to_be_visible()
    card_ts = card.get_attribute("data-ts")
    assert card_ts

    me.select_option("bob")
    expect(page.locator("#me-groups")).to_contain_text("@eng-leads")
    expect(page.get_by_test_id("sidebar").get_by_role("button", name="Followthrough")).to_contain_text(
        "●"
    )  # the card also waits in Bob's DM, unread
    bobs_card = thread.locator(f'[data-testid="message"][data-ts="{card_ts}"]')
    bobs_card.get_by_role("button", name="Approve").click()

    expect(thread).to_contain_text("Created PAY-13", timeout=BOT_FLOW_TIMEOUT)
    expect(bobs_card).to_contain_text("Approved by @Bob Okafor")
    expect(bobs_card.get_by_role("button", name="Approve")).to_have_count(0)
    issue = page.get_by_test_id("jira-pane").locator('[data-key="PAY-13"]')
    expect(issue).to_contain_text("Checkout fails on Safari")
    expect(issue).to_contain_text("Alice Chen")
    expect(issue).to_contain_text("High")
    expect(issue).to_have_class("issue is-new")

    clicks = [
        d.payload
        for d in sandbox.slack.socket.deliveries()
        if d.payload.get("type") == "block_actions" and d.status == "acked"
    ]
    assert [(c["user"]["id"], c["actions"][0]["action_id"], c["message"]["ts"]) for c in clicks] == [
        ("U0BOB0001", "ft_approve", card_ts)
    ], "the page's click reached the app as Slack's own block_actions payload"
    assert sandbox.jira.issue("PAY-13")["fields"]["summary"] == "Checkout fails on Safari"
