"""Undo: the inverse of each executed action, built from what the connector recorded, guarded by what it set.

The ``changes`` below have the shapes the connectors record (see approvals/core/ports.py, ``Outcome``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from approvals.core import workflow
from approvals.core.actions import (
    Action,
    JiraAssign,
    JiraComment,
    JiraCreateIssue,
    JiraDeleteComment,
    JiraDeleteIssue,
    JiraDeleteLink,
    JiraIssueRef,
    JiraLinkIssues,
    JiraTransition,
    JiraUpdateFields,
    Person,
    SalesforceCreateContact,
    SalesforceCreateTask,
    SalesforceDeleteRecord,
    SalesforceLogCall,
    SalesforceUpdateContact,
    SalesforceUpdateOpportunity,
    SfRecordRef,
)
from approvals.core.policy import PolicyDecision
from approvals.core.proposal import ActionResult, Proposal, build_proposal
from approvals.core.undo_plan import inverse_actions, undo_id_for, undoable

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
PAY12 = JiraIssueRef(key="PAY-12", summary="Checkout button stays disabled")
PAY10 = JiraIssueRef(key="PAY-10", summary="Tax computed twice")
RENEWAL = SfRecordRef(object="Opportunity", id="0065g00000AcPlRAAV", name="Acme Corp - Platform Renewal")
ANA = SfRecordRef(object="Contact", id="0035g00000AnaSlAAJ", name="Ana Silva")
ERIN = Person(display_name="Erin Walsh", email="erin@northwind.example", salesforce_user_id="0055g00000ErinWAAR")
AUTO = PolicyDecision(outcome="auto", rule="test", policy_hash="h")


def succeeded(action: Action, changes: dict[str, Any], *, summary: str = "did it", key: str | None = None) -> Proposal:
    proposal = build_proposal(
        proposal_id="ft-7kq2mx9c",
        requester="U0ERIN001",
        channel="C0SALES01",
        thread_ts="1.0",
        request_ts="1.1",
        request_text="do it",
        actions=(action,),
        decision=AUTO,
        now=NOW,
    )
    proposal = workflow.start(workflow.submit(proposal, now=NOW).proposal, now=NOW, attempt=1).proposal
    result = ActionResult(index=0, status="done", system=action.system, summary=summary, key=key, changes=changes)
    return workflow.succeed(proposal, [result], now=NOW).proposal


def only_inverse(action: Action, changes: dict[str, Any], **kwargs: Any) -> Action:
    inverse = inverse_actions(succeeded(action, changes, **kwargs))
    assert inverse.not_undone == ()
    assert len(inverse.actions) == 1
    return inverse.actions[0]


def test_a_created_issue_is_deleted_only_if_still_as_created() -> None:
    created = JiraCreateIssue(
        project="PAY",
        issue_type="Bug",
        summary="Checkout fails",
        assignee=Person(display_name="Alice", jira_account_id="acc-alice"),
        due_date=dt.date(2026, 11, 27),
    )
    inverse = only_inverse(created, {"created": {"key": "PAY-17", "project": "PAY", "issue_type": "Bug"}})
    assert inverse == JiraDeleteIssue(
        issue=JiraIssueRef(key="PAY-17", summary="Checkout fails"),
        before={"summary": "Checkout fails", "assignee": "acc-alice", "due_date": "2026-11-27"},
    )


def test_a_comment_is_deleted_by_its_id() -> None:
    comment = JiraComment(issue=PAY12, body="On it")
    inverse = only_inverse(comment, {"created": {"comment_id": "10042", "issue": "PAY-12"}})
    assert inverse == JiraDeleteComment(issue=PAY12, comment_id="10042")


def test_a_link_is_removed_by_its_id() -> None:
    link = JiraLinkIssues(outward=PAY10, inward=PAY12, link_type="Blocks")
    created = {"created": {"link_id": "20001", "outward": "PAY-10", "inward": "PAY-12", "type": "Blocks"}}
    assert only_inverse(link, created) == JiraDeleteLink(
        link_id="20001", outward=PAY10, inward=PAY12, link_type="Blocks"
    )


def test_a_transition_goes_back_guarded_by_the_status_it_set() -> None:
    moved = JiraTransition(issue=PAY12, status="In Progress", before={"status": "To Do"})
    inverse = only_inverse(moved, {"before": {"status": "To Do"}, "after": {"status": "In Progress"}})
    assert inverse == JiraTransition(issue=PAY12, status="To Do", before={"status": "In Progress"})


def test_an_assignment_goes_back_to_the_previous_assignee() -> None:
    assigned = JiraAssign(issue=PAY12, assignee=Person(display_name="Alice", jira_account_id="acc-alice"))
    changes = {
        "before": {"assignee": "acc-bob", "assignee_name": "Bob Okafor"},
        "after": {"assignee": "acc-alice", "assignee_name": "Alice"},
    }
    inverse = only_inverse(assigned, changes)
    assert isinstance(inverse, JiraAssign)
    assert inverse.assignee == Person(display_name="Bob Okafor", jira_account_id="acc-bob")
    assert inverse.before == {"assignee": "acc-alice", "assignee_name": "Alice"}


def test_assigning_someone_to_an_unassigned_issue_is_undone_by_unassigning() -> None:
    assigned = JiraAssign(issue=PAY12, assignee=Person(display_name="Alice", jira_account_id="acc-alice"))
    changes = {
        "before": {"assignee": None, "assignee_name": None},
        "after": {"assignee": "acc-alice", "assignee_name": "Alice"},
    }
    inverse = only_inverse(assigned, changes)
    assert isinstance(inverse, JiraAssign) and inverse.assignee is None


def test_field_updates_are_restored_and_a_due_date_that_was_empty_is_cleared() -> None:
    updated = JiraUpdateFields(issue=PAY10, priority="Highest", due_date=dt.date(2026, 12, 1))
    changes = {
        "before": {"priority": "High", "due_date": None},
        "after": {"priority": "Highest", "due_date": "2026-12-01"},
    }
    inverse = only_inverse(updated, changes)
    assert isinstance(inverse, JiraUpdateFields)
    assert inverse.changes() == {"priority": "High", "due_date": None}
    assert inverse.before == {"priority": "Highest", "due_date": "2026-12-01"}


def test_an_opportunity_update_is_restored_guarded_by_the_values_it_set() -> None:
    updated = SalesforceUpdateOpportunity(
        opportunity=RENEWAL, account="Acme Corp", stage="Negotiation/Review", amount=Decimal(120000)
    )
    changes = {
        "before": {"stage": "Proposal/Price Quote", "amount": "100000"},
        "after": {"stage": "Negotiation/Review", "amount": "120000"},
    }
    inverse = only_inverse(updated, changes)
    assert isinstance(inverse, SalesforceUpdateOpportunity)
    assert inverse.changes() == {"stage": "Proposal/Price Quote", "amount": "100000"}
    assert inverse.before == {"stage": "Negotiation/Review", "amount": "120000"}
    assert inverse.previous_values()["amount"] == "120000", "the policy sees the size of the swing back"


def test_a_field_that_was_empty_before_is_named_instead_of_guessed() -> None:
    updated = SalesforceUpdateOpportunity(opportunity=RENEWAL, next_step="Send the contract")
    changes = {"before": {"next_step": None}, "after": {"next_step": "Send the contract"}}
    inverse = inverse_actions(succeeded(updated, changes, summary="Updated the renewal"))
    assert inverse.actions == ()
    assert inverse.not_undone == ("Updated the renewal: next step had no value before; Undo does not empty fields",)


def test_a_contact_update_is_restored() -> None:
    updated = SalesforceUpdateContact(contact=ANA, title="VP Procurement")
    changes = {"before": {"title": "Head of Procurement"}, "after": {"title": "VP Procurement"}}
    assert only_inverse(updated, changes) == SalesforceUpdateContact(
        contact=ANA, title="Head of Procurement", before={"title": "VP Procurement"}
    )


def test_a_created_task_or_contact_is_deleted_guarded_by_what_was_created() -> None:
    task = SalesforceCreateTask(subject="Follow up", owner=ERIN)
    inverse = only_inverse(task, {"created": {"object": "Task", "id": "00T5g00000NewTkAAB"}})
    assert inverse == SalesforceDeleteRecord(
        record=SfRecordRef(object="Task", id="00T5g00000NewTkAAB", name="Follow up"), before={"subject": "Follow up"}
    )
    contact = SalesforceCreateContact(first_name="Jane", last_name="Doe", email="jane@acme.example")
    inverse = only_inverse(contact, {"created": {"object": "Contact", "id": "0035g00000JaneDAAB"}})
    assert inverse == SalesforceDeleteRecord(
        record=SfRecordRef(object="Contact", id="0035g00000JaneDAAB", name="Jane Doe"),
        before={"last_name": "Doe", "email": "jane@acme.example"},
    )


def test_a_logged_call_is_not_undone_and_says_why() -> None:
    call = SalesforceLogCall(subject="Call with Ana", who=ANA, call_date=dt.date(2026, 11, 20))
    proposal = succeeded(call, {"created": {"object": "Task", "id": "00T5g00000CallAAAB"}}, summary="Logged call")
    inverse = inverse_actions(proposal)
    assert inverse.actions == ()
    assert inverse.not_undone == ("Logged call: A logged call records something that happened; it is not undone.",)
    assert undoable(proposal, now=NOW, window=3600) == (
        "Nothing here can be undone (Logged call: A logged call records something that happened; it is not undone.)."
    )


def test_an_action_that_changed_nothing_needs_no_undo() -> None:
    moved = JiraTransition(issue=PAY12, status="In Progress", before={"status": "To Do"})
    assert inverse_actions(succeeded(moved, {"unchanged": True})).actions == ()


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (dt.timedelta(minutes=59), None),
        (
            dt.timedelta(hours=1, seconds=1),
            # Slack shows the moment in each reader's own zone; the UTC text is the fallback
            "The undo window closed <!date^1795179600^{date_short_pretty} {time}|Fri 20 Nov 13:00 UTC>; ask for the "
            "change again",
        ),
    ],
)
def test_the_undo_window(offset: dt.timedelta, expected: str | None) -> None:
    moved = JiraTransition(issue=PAY12, status="In Progress", before={"status": "To Do"})
    proposal = succeeded(moved, {"before": {"status": "To Do"}, "after": {"status": "In Progress"}})
    reason = undoable(proposal, now=NOW + offset, window=3600)
    assert (reason if reason is None else reason[: len(expected or "")]) == expected


def test_an_undo_cannot_itself_be_undone() -> None:
    moved = JiraTransition(issue=PAY12, status="In Progress", before={"status": "To Do"})
    proposal = succeeded(moved, {"before": {"status": "To Do"}, "after": {"status": "In Progress"}})
    undo = proposal.with_changes(undo_of="ft-aaaaaaaa")
    assert undoable(undo, now=NOW, window=3600) == "An undo can't itself be undone; ask for the change again instead."


def test_undo_ids_are_derived_and_differ_per_attempt() -> None:
    first = undo_id_for("ft-7kq2mx9c", 1)
    assert first == undo_id_for("ft-7kq2mx9c", 1)
    assert first != undo_id_for("ft-7kq2mx9c", 2)
    assert first.startswith("ft-") and len(first) == 11
