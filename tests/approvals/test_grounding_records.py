"""Grounding against the records that exist: every request kind resolved through the real connectors (JQL, SOQL,
Slack's user directory) over the sandbox, into the exact action, a question with the candidates, or why not.

The lookups are the product's own (``app.build_runtime``), so these tests read what the bot would read.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from app import build_runtime, load_settings
from approvals.core.actions import (
    JiraAssign,
    JiraComment,
    JiraCreateIssue,
    JiraLinkIssues,
    JiraTransition,
    JiraUpdateFields,
    SalesforceCreateContact,
    SalesforceCreateTask,
    SalesforceLogCall,
    SalesforceUpdateContact,
    SalesforceUpdateOpportunity,
    SfRecordRef,
)
from approvals.core.grounding import Choice, GroundingContext, Lookups, NeedsInfo, Unworkable, ground
from approvals.core.intents import (
    ACCOUNT_OWNER,
    THIS_THREAD,
    ActionRequest,
    JiraAssignRequest,
    JiraCommentRequest,
    JiraCreateIssueRequest,
    JiraLinkIssuesRequest,
    JiraTransitionRequest,
    JiraUpdateFieldsRequest,
    SalesforceCreateContactRequest,
    SalesforceCreateTaskRequest,
    SalesforceLogCallRequest,
    SalesforceUpdateContactRequest,
    SalesforceUpdateOpportunityRequest,
)
from approvals.core.ports import PersonMatch

TODAY = dt.date(2026, 11, 20)
PLATFORM_RENEWAL = "0065g00000AcPlRAAV"
SUPPORT_RENEWAL = "0065g00000AcSuRAAV"
ERIN = PersonMatch("U0ERIN001", "erin", "Erin Walsh", "erin@northwind.example")
DANA = PersonMatch("U0DANA001", "dana", "Dana Reyes", "dana@northwind.example")


@pytest.fixture
def lookups(product_env: dict[str, str]) -> Lookups:
    settings = load_settings(**{name.lower(): value for name, value in product_env.items()})
    runtime = build_runtime(settings)
    assert runtime.warm_caches is not None
    runtime.warm_caches()  # a worker's first maintenance pass: the directory learns the workspace's names
    return runtime.lookups


def context(requester: PersonMatch = DANA, **changes: Any) -> GroundingContext:
    return GroundingContext(requester=requester, today=TODAY, **changes)


def grounded(lookups: Lookups, request: ActionRequest, **changes: Any) -> Any:
    return ground(request, lookups, context(**changes))


def question(lookups: Lookups, request: ActionRequest, **changes: Any) -> NeedsInfo:
    result = grounded(lookups, request, **changes)
    assert isinstance(result, NeedsInfo), result
    return result


# ---------------------------------------------------------------------------------------------------------------
# Jira: issues that exist, as they are now


def test_a_transition_carries_the_status_the_approver_saw(lookups: Lookups) -> None:
    action = grounded(lookups, JiraTransitionRequest(issue="pay-12", status="in progress"))
    assert isinstance(action, JiraTransition)
    assert (action.issue.key, action.status, action.before) == ("PAY-12", "In Progress", {"status": "To Do"})
    assert action.issue.summary == "Checkout button stays disabled after a failed card"


def test_a_status_the_workflow_does_not_offer_is_a_question_with_what_it_does(lookups: Lookups) -> None:
    asked = question(lookups, JiraTransitionRequest(issue="PAY-12", status="Done"))
    assert asked.question.startswith("PAY-12 can't move to *Done* from *To Do*")
    assert (asked.field, asked.choices) == ("status", (Choice("In Progress", "In Progress"),))


def test_a_transition_without_a_status_lists_where_it_can_go(lookups: Lookups) -> None:
    asked = question(lookups, JiraTransitionRequest(issue="PAY-4"))
    assert asked.field == "status"
    assert [c.value for c in asked.choices] == ["To Do", "Done"]


def test_moving_an_issue_where_it_already_is_cannot_be_done(lookups: Lookups) -> None:
    assert grounded(lookups, JiraTransitionRequest(issue="PAY-4", status="in progress")) == Unworkable(
        "PAY-4 is already in *In Progress*."
    )


def test_an_issue_that_does_not_exist_is_a_question(lookups: Lookups) -> None:
    asked = question(lookups, JiraCommentRequest(issue="PAY-999", body="hello"))
    assert asked.question.startswith("I can't find *PAY-999* in Jira")
    assert asked.field == "issue"


def test_the_ticket_from_this_thread_is_the_issue_the_thread_produced(lookups: Lookups) -> None:
    action = grounded(lookups, JiraCommentRequest(issue=THIS_THREAD, body="Fixed in 4.2"), thread_issues=("PAY-12",))
    assert isinstance(action, JiraComment)
    assert (action.issue.key, action.body) == ("PAY-12", "Fixed in 4.2")


def test_this_thread_without_an_issue_asks_for_a_key(lookups: Lookups) -> None:
    asked = question(lookups, JiraCommentRequest(issue="this ticket", body="Fixed"))
    assert asked.question.startswith("This thread hasn't produced a Jira issue that I know of.")


def test_assigning_resolves_the_person_to_their_jira_account(lookups: Lookups) -> None:
    action = grounded(lookups, JiraAssignRequest(issue="PAY-12", assignee="Alice"))
    assert isinstance(action, JiraAssign)
    assert action.assignee is not None
    assert (action.assignee.slack_user_id, action.assignee.jira_account_id) == ("U0ALICE01", "712020:0d1a6e2c-alice")
    assert action.before == {"assignee": None, "assignee_name": None}


def test_unassigning_records_who_had_it(lookups: Lookups) -> None:
    action = grounded(lookups, JiraAssignRequest(issue="PAY-4", assignee="nobody"))
    assert isinstance(action, JiraAssign)
    assert action.assignee is None
    assert action.before == {"assignee": "712020:0d1a6e2c-alice", "assignee_name": "Alice Chen"}


def test_assigning_to_the_current_assignee_cannot_be_done(lookups: Lookups) -> None:
    assert isinstance(grounded(lookups, JiraAssignRequest(issue="PAY-4", assignee="alice")), Unworkable)


def test_updating_fields_sets_the_labels_and_keeps_only_real_changes(lookups: Lookups) -> None:
    request = JiraUpdateFieldsRequest(issue="PAY-10", priority="high", labels=("tax", "canada"))
    action = grounded(lookups, request)
    assert isinstance(action, JiraUpdateFields)
    assert action.changes() == {"labels": ["tax", "canada"]}, "priority High is what PAY-10 already has"
    assert action.before == {"labels": ["tax"]}


@pytest.mark.parametrize(("said", "status"), [("closed", "Done"), ("resolved", "Done"), ("started", "In Progress")])
def test_the_usual_words_for_a_status_mean_it(lookups: Lookups, said: str, status: str) -> None:
    issue = "PAY-4" if status == "Done" else "PAY-12"  # PAY-4 is In Progress (Done is offered), PAY-12 To Do
    action = grounded(lookups, JiraTransitionRequest(issue=issue, status=said))
    assert isinstance(action, JiraTransition)
    assert action.status == status


def test_a_usual_word_for_the_status_it_already_has_cannot_be_done(lookups: Lookups) -> None:
    assert grounded(lookups, JiraTransitionRequest(issue="PAY-1", status="closed")) == Unworkable(
        "PAY-1 is already in *Done*."
    )


def test_an_update_that_changes_nothing_cannot_be_done(lookups: Lookups) -> None:
    result = grounded(lookups, JiraUpdateFieldsRequest(issue="PAY-10", priority="High"))
    assert result == Unworkable("PAY-10 already has priority High.")


def test_an_update_with_nothing_to_change_asks_what(lookups: Lookups) -> None:
    asked = question(lookups, JiraUpdateFieldsRequest(issue="PAY-10"))
    assert asked.field is None and "summary, priority, labels or due date" in asked.question


def test_a_link_is_read_from_either_side(lookups: Lookups) -> None:
    action = grounded(lookups, JiraLinkIssuesRequest(issue="PAY-12", other="PAY-10", link_type="is blocked by"))
    assert isinstance(action, JiraLinkIssues)
    assert (action.outward.key, action.link_type, action.inward.key) == ("PAY-10", "Blocks", "PAY-12")
    same = grounded(lookups, JiraLinkIssuesRequest(issue="PAY-10", other="PAY-12", link_type="blocks"))
    assert same == action


def test_a_link_without_a_kind_offers_the_kinds_jira_has(lookups: Lookups) -> None:
    asked = question(lookups, JiraLinkIssuesRequest(issue="PAY-12", other="PAY-10"))
    assert asked.field == "link_type"
    assert "PAY-12 blocks PAY-10" in [c.label for c in asked.choices]


def test_a_thread_that_already_produced_an_issue_says_so_before_filing_another(lookups: Lookups) -> None:
    request = JiraCreateIssueRequest(project="PAY", issue_type="Bug", summary="Checkout still broken")
    asked = question(lookups, request, thread_issues=("PAY-17",))
    assert asked.question.startswith("*PAY-17* was already created from this thread.")
    assert [c.value for c in asked.choices] == ["yes", "no"]
    confirmed = grounded(lookups, request.with_answer("confirmed_duplicate", True), thread_issues=("PAY-17",))
    assert isinstance(confirmed, JiraCreateIssue)


# ---------------------------------------------------------------------------------------------------------------
# Salesforce: "the Acme renewal" is a record, or a pick-list


def test_two_matching_opportunities_are_a_pick_list_with_their_key_facts(lookups: Lookups) -> None:
    request = SalesforceUpdateOpportunityRequest(
        account="Acme", opportunity="renewal", stage="Negotiation", amount=Decimal(120000)
    )
    asked = question(lookups, request)
    assert asked.question == "2 opportunities match *Acme renewal*. Which one do you mean?"
    assert asked.field == "opportunity"
    assert asked.choices == (
        Choice(
            "Acme Corp - Platform Renewal",
            PLATFORM_RENEWAL,
            "Proposal/Price Quote · $100,000 · owner Erin Walsh · closes 2026-12-15",
        ),
        Choice(
            "Acme Corp - Support Renewal",
            SUPPORT_RENEWAL,
            "Qualification · $30,000 · owner Erin Walsh · closes 2027-01-31",
        ),
    )


def test_the_pick_grounds_the_update_with_the_values_it_replaces(lookups: Lookups) -> None:
    request = SalesforceUpdateOpportunityRequest(
        account="Acme", opportunity=PLATFORM_RENEWAL, stage="Negotiation", amount=Decimal(120000)
    )
    action = grounded(lookups, request)
    assert isinstance(action, SalesforceUpdateOpportunity)
    assert action.opportunity == SfRecordRef(
        object="Opportunity", id=PLATFORM_RENEWAL, name="Acme Corp - Platform Renewal"
    )
    assert (action.stage, action.amount, action.account) == ("Negotiation/Review", Decimal(120000), "Acme Corp")
    assert action.before == {"stage": "Proposal/Price Quote", "amount": "100000", "owner": "Erin Walsh"}
    assert action.policy_fields()["amount"] == "120000"
    assert action.previous_values()["amount"] == "100000"


def test_words_that_tell_the_opportunities_apart_need_no_question(lookups: Lookups) -> None:
    request = SalesforceUpdateOpportunityRequest(account="Acme", opportunity="the platform one", stage="negotiation")
    action = grounded(lookups, request)
    assert isinstance(action, SalesforceUpdateOpportunity)
    assert action.opportunity.id == PLATFORM_RENEWAL


def test_the_accounts_only_open_opportunity_is_the_deal(lookups: Lookups) -> None:
    action = grounded(lookups, SalesforceUpdateOpportunityRequest(account="Globex", amount=Decimal(80000)))
    assert isinstance(action, SalesforceUpdateOpportunity)
    assert (action.opportunity.name, action.changes()) == ("Globex - New Business", {"amount": "80000"})


def test_a_stage_salesforce_does_not_have_lists_the_stages(lookups: Lookups) -> None:
    asked = question(lookups, SalesforceUpdateOpportunityRequest(account="Globex", stage="Won-ish"))
    assert asked.field == "stage"
    assert "Negotiation/Review" in [c.value for c in asked.choices]


def test_an_opportunity_nobody_has_is_a_question_that_says_what_was_searched(lookups: Lookups) -> None:
    asked = question(lookups, SalesforceUpdateOpportunityRequest(account="Wayne Enterprises", stage="Closed Won"))
    assert asked.question.startswith("I can't find an opportunity matching *Wayne Enterprises*")


def test_setting_what_the_opportunity_already_has_cannot_be_done(lookups: Lookups) -> None:
    result = grounded(lookups, SalesforceUpdateOpportunityRequest(account="Globex", amount=Decimal(60000)))
    assert result == Unworkable("Globex - New Business already has amount $60,000.")


def test_a_task_for_the_account_owner_goes_to_the_owner_in_salesforce_and_slack(lookups: Lookups) -> None:
    request = SalesforceCreateTaskRequest(
        subject="Follow up", owner=ACCOUNT_OWNER, account="Acme", due_date=dt.date(2026, 11, 24)
    )
    action = grounded(lookups, request)
    assert isinstance(action, SalesforceCreateTask)
    assert (action.owner.display_name, action.owner.slack_user_id) == ("Erin Walsh", "U0ERIN001")
    assert action.owner.salesforce_user_id == "0055g00000ErinWAAR"
    assert action.what == SfRecordRef(object="Account", id="0015g00000AcmeCAAR", name="Acme Corp")


def test_a_task_without_an_owner_offers_me_and_the_account_owner(lookups: Lookups) -> None:
    asked = question(lookups, SalesforceCreateTaskRequest(subject="Send the deck", account="Globex"), requester=ERIN)
    assert asked.field == "owner"
    assert asked.choices == (Choice("Me", "<@U0ERIN001>"), Choice("Ivy Nakamura (owner of Globex)", ACCOUNT_OWNER))


def test_a_person_without_a_salesforce_user_is_named(lookups: Lookups) -> None:
    asked = question(lookups, SalesforceCreateTaskRequest(subject="Call back", owner="dana", account="Initech"))
    assert asked.question.startswith("<@U0DANA001> has no Salesforce user I can find")


def test_a_call_with_a_contact_at_an_account_is_logged_today_unless_said(lookups: Lookups) -> None:
    action = grounded(lookups, SalesforceLogCallRequest(contact="Ana", account="Initech"), requester=ERIN)
    assert isinstance(action, SalesforceLogCall)
    assert (action.who, action.what) == (
        SfRecordRef(object="Contact", id="0035g00000AnaSlAAJ", name="Ana Silva"),
        SfRecordRef(object="Account", id="0015g00000IntchAAB", name="Initech"),
    )
    assert (action.subject, action.call_date) == ("Call with Ana Silva", TODAY)


def test_a_call_in_the_future_is_a_question(lookups: Lookups) -> None:
    asked = question(lookups, SalesforceLogCallRequest(contact="Ana", call_date=dt.date(2026, 11, 23)))
    assert asked.field == "call_date"


def test_a_contact_update_carries_the_values_it_replaces(lookups: Lookups) -> None:
    action = grounded(lookups, SalesforceUpdateContactRequest(contact="Ana Silva", title="VP Procurement"))
    assert isinstance(action, SalesforceUpdateContact)
    assert (action.changes(), action.before) == ({"title": "VP Procurement"}, {"title": "Head of Procurement"})


def test_a_contact_that_exists_is_not_created_again(lookups: Lookups) -> None:
    result = grounded(lookups, SalesforceCreateContactRequest(first_name="Ana", last_name="Silva", account="Initech"))
    assert isinstance(result, Unworkable)
    assert result.reason.startswith("Ana Silva is already a contact at Initech")


def test_a_new_contact_at_an_account(lookups: Lookups) -> None:
    request = SalesforceCreateContactRequest(
        first_name="Jane", last_name="Doe", account="Acme", email="jane@acme.example", title="CFO"
    )
    action = grounded(lookups, request)
    assert isinstance(action, SalesforceCreateContact)
    assert action.account == SfRecordRef(object="Account", id="0015g00000AcmeCAAR", name="Acme Corp")
    assert (action.email, action.title) == ("jane@acme.example", "CFO")


def test_without_salesforce_nothing_salesforce_can_be_done(lookups: Lookups) -> None:
    bare = Lookups(lookups.directory, jira=lookups.jira)
    result = ground(SalesforceLogCallRequest(contact="Ana"), bare, context())
    assert isinstance(result, Unworkable) and "Salesforce is not connected" in result.reason
