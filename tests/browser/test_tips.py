"""The page's "Try this" tip follows the person you act as: the requester is told what to ask, an approver where
to approve, and nobody is told to be somebody else before anything else."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.harness import Sandbox

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails) with the reason
    expect = None

pytestmark = pytest.mark.browser

JIRA_REQUEST = "@followthrough create a bug in PAY: Checkout fails on Safari, assign to Alice, priority high"
SALES_REQUEST = "@followthrough move the Acme renewal to Negotiation and set the amount to 120k"


def test_the_tip_follows_who_you_are(sandbox: Sandbox, page: Any) -> None:
    page.goto(f"{sandbox.console.url}#as=bob&c=C0SUPPORT")
    me = page.get_by_label("You are")
    expect(me).to_have_value("bob")
    expect(page.locator("#me-groups")).to_contain_text("@eng-leads")
    tip = page.locator("#tips")
    expect(tip).to_contain_text("Try this: open your DM with Followthrough")
    expect(tip).not_to_contain_text("Dana")
    expect(tip).to_contain_text("Click Approve (or Reject) on the card")
    expect(tip.locator("code")).to_have_text("/followthrough pending")

    me.select_option("dana")
    expect(tip).to_contain_text("Try this: reply in your thread in #support")
    expect(tip.locator("code")).to_have_text(JIRA_REQUEST)
    expect(tip).to_contain_text("Then pick Bob under “You are” and click Approve")

    me.select_option("erin")
    expect(tip).to_contain_text("in #sales, write")
    expect(tip.locator("code")).to_have_text(SALES_REQUEST)
    expect(tip).to_contain_text("pick Frank and then Kara under “You are”")

    me.select_option("kara")
    expect(tip).to_contain_text("as one of @sales-managers you approve changes to deals")
    expect(tip).not_to_contain_text("Dana")

    me.select_option("alice")  # in engineering, not the story's requester: asked in a thread of her own
    expect(tip).to_contain_text("in #support, start a thread")
    expect(tip).not_to_contain_text("your thread")
    expect(tip.locator("code")).to_have_text(JIRA_REQUEST)

    me.select_option("grace")
    expect(tip).to_contain_text("as a Followthrough admin")
    expect(tip).not_to_contain_text("Dana")
