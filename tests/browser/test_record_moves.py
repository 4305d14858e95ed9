"""The records pane lets the person you act as work in "Jira" and "Salesforce": move an issue along its workflow,
change an opportunity's stage or a task's status. That is how a follow-up is seen being met in `make demo`."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.harness import Sandbox

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails) with the reason
    expect = None

pytestmark = pytest.mark.browser

RENEWAL = "0065g00000AcPlRAAV"


def test_bob_resolves_pay_9_and_erin_closes_the_acme_renewal_from_the_records_pane(sandbox: Sandbox, page: Any) -> None:
    page.goto(f"{sandbox.console.url}#as=bob&c=C0SUPPORT")
    expect(page.get_by_label("You are")).to_have_value("bob")
    issue = page.get_by_test_id("jira-issue").filter(has_text="PAY-9")
    expect(issue.locator(".status")).to_have_text("To Do")
    move = issue.get_by_label("Move PAY-9 to another status")
    expect(move.locator("option")).to_have_text(["Move to…", "In Progress"])  # the workflow's offer only
    move.select_option("In Progress")
    expect(issue.locator(".status")).to_have_text("In Progress")
    issue.get_by_label("Move PAY-9 to another status").select_option("Done")
    expect(issue.locator(".status")).to_have_text("Done")
    assert sandbox.jira.issue("PAY-9")["fields"]["resolution"]["name"] == "Done"

    page.get_by_label("You are").select_option("erin")
    page.get_by_role("tab", name="Salesforce").click()
    deal = page.get_by_test_id("opportunity").filter(has_text="Acme Corp - Platform Renewal")
    stage = deal.get_by_test_id("stage")
    expect(stage.locator("option").first).to_have_text("Proposal/Price Quote")
    stage.select_option("Closed Won")
    expect(deal.get_by_test_id("stage").locator("option").first).to_have_text("Closed Won")
    assert sandbox.salesforce.record("Opportunity", RENEWAL)["LastModifiedById"] == "0055g00000ErinWAAR"

    page.get_by_label("You are").select_option("dana")  # no Salesforce user: the change is refused, and said so
    deal = page.get_by_test_id("opportunity").filter(has_text="Acme Corp - Platform Renewal")
    deal.get_by_test_id("stage").select_option("Negotiation/Review")
    expect(page.locator(".toast")).to_contain_text("dana has no Salesforce user")
    assert sandbox.salesforce.record("Opportunity", RENEWAL)["StageName"] == "Closed Won"
