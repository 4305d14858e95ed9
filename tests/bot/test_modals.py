"""Modals and the App Home: valid Block Kit, pre-filled with the proposal, and submissions read back exactly."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from approvals.core import workflow
from approvals.core.actions import JiraCreateIssue, Person
from approvals.core.policy import load_policy_text
from approvals.core.proposal import Proposal, build_proposal
from bot import action_ids
from bot.home import build_home
from bot.modals import IssueEdit, edit_issue_modal, read_issue_edit, read_metadata, read_reason, reject_modal
from sandbox.blockkit import validate_view

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
POLICY = load_policy_text(
    "version: 1\nroles:\n  leads: {users: [U0LEAD001]}\nactions:\n  jira.create_issue:\n    request: [everyone]\n"
    "    rules:\n      - approve: {by: [leads]}\n"
)


def proposal(**fields: Any) -> Proposal:
    action = JiraCreateIssue(
        **{
            "project": "PAY",
            "issue_type": "Bug",
            "summary": "Checkout fails on Safari",
            "priority": "High",
            "assignee": Person(display_name="Alice Chen", slack_user_id="U0ALICE01", jira_account_id="acc-alice"),
            "labels": ("web",),
            "due_date": dt.date(2026, 11, 27),
            "description": "Seen by three customers.",
            **fields,
        }
    )
    drafted = build_proposal(
        proposal_id="ft-7kq2mx9c",
        requester="U0DANA001",
        channel="C0SUPPORT",
        thread_ts="1.1",
        request_ts="1.2",
        request_text="file it",
        actions=(action,),
        decision=POLICY.decide(action, requester=workflow.Principal("U0DANA001")),
        now=NOW,
        permalink="http://slack.example/archives/C0SUPPORT/p11",
    )
    return workflow.submit(drafted, now=NOW).proposal


def edit_modal(p: Proposal) -> dict[str, Any]:
    action = p.actions[0]
    assert isinstance(action, JiraCreateIssue)
    return edit_issue_modal(p, action, projects=["OPS", "PAY"], issue_types=["Bug", "Task"], priorities=["High", "Low"])


def submitted(values: dict[str, dict[str, Any]], p: Proposal | None = None) -> dict[str, Any]:
    view = edit_modal(p or proposal())
    return {**view, "state": {"values": {block: {block: value} for block, value in values.items()}}}


def test_the_reject_modal_is_valid_and_carries_the_exact_version() -> None:
    p = proposal()
    view = reject_modal(p)
    assert validate_view(view) == []
    assert view["callback_id"] == action_ids.REJECT_VIEW
    assert read_metadata(view) == (p.id, p.fingerprint)
    assert read_reason({**view, "state": {"values": {"reason": {"text": {"value": "  duplicate \n"}}}}}) == "duplicate"
    assert read_reason({**view, "state": {"values": {}}}) == ""


def test_the_edit_modal_is_valid_and_prefilled() -> None:
    view = edit_modal(proposal())
    assert validate_view(view) == []
    elements = {b["block_id"]: b.get("element", {}) for b in view["blocks"] if b["type"] == "input"}
    assert elements["summary"]["initial_value"] == "Checkout fails on Safari"
    assert elements["project"]["initial_option"]["value"] == "PAY"
    assert elements["issue_type"]["initial_option"]["value"] == "Bug"
    assert elements["priority"]["initial_option"]["value"] == "High"
    assert elements["assignee"]["initial_user"] == "U0ALICE01"
    assert elements["due_date"]["initial_date"] == "2026-11-27"
    assert elements["labels"]["initial_value"] == "web"
    assert elements["description"]["initial_value"] == "Seen by three customers."


def test_a_description_too_long_for_a_modal_is_kept_not_truncated() -> None:
    view = edit_modal(proposal(description="x" * 4000))
    assert validate_view(view) == []
    assert "description" not in {b.get("block_id") for b in view["blocks"]}
    read = read_issue_edit(
        submitted(
            {
                "summary": {"type": "plain_text_input", "value": "S"},
                "project": {"type": "static_select", "selected_option": {"value": "PAY"}},
                "issue_type": {"type": "static_select", "selected_option": {"value": "Bug"}},
                "priority": {"type": "static_select", "selected_option": {"value": "(default)"}},
            },
            proposal(description="x" * 4000),
        ),
        today=NOW.date(),
    )
    assert isinstance(read, IssueEdit)
    assert read.description is None, "None means: keep the description as it is"


def test_reading_a_submission() -> None:
    read = read_issue_edit(
        submitted(
            {
                "summary": {"type": "plain_text_input", "value": "  Checkout   fails on Safari 17 "},
                "project": {"type": "static_select", "selected_option": {"value": "OPS"}},
                "issue_type": {"type": "static_select", "selected_option": {"value": "Task"}},
                "priority": {"type": "static_select", "selected_option": {"value": "(default)"}},
                "assignee": {"type": "users_select", "selected_user": "U0SAMLEE1"},
                "unassigned": {"type": "checkboxes", "selected_options": []},
                "due_date": {"type": "datepicker", "selected_date": "2026-12-01"},
                "labels": {"type": "plain_text_input", "value": "web, safari  ios"},
                "description": {"type": "plain_text_input", "value": "New words."},
            }
        ),
        today=NOW.date(),
    )
    assert read == IssueEdit(
        summary="Checkout fails on Safari 17",
        project="OPS",
        issue_type="Task",
        priority=None,
        assignee_slack_id="U0SAMLEE1",
        unassigned=False,
        due_date=dt.date(2026, 12, 1),
        labels=("web", "safari", "ios"),
        description="New words.",
    )


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"summary": {"type": "plain_text_input", "value": "   "}}, {"summary": "A summary is needed."}),
        (
            {"summary": {"value": "S"}, "due_date": {"type": "datepicker", "selected_date": "2026-11-01"}},
            {"due_date": "The due date is in the past."},
        ),
        (
            {
                "summary": {"value": "S"},
                "assignee": {"selected_user": "U0SAMLEE1"},
                "unassigned": {"selected_options": [{"value": "unassigned"}]},
            },
            {"unassigned": "Choose an assignee or leave it unassigned, not both."},
        ),
    ],
)
def test_a_bad_submission_comes_back_as_errors_by_block(values: dict[str, Any], errors: dict[str, str]) -> None:
    assert read_issue_edit(submitted(values), today=NOW.date()) == errors


def test_the_app_home_is_valid_and_lists_each_section() -> None:
    waiting = proposal()
    view = build_home(waiting_for_me=[waiting], my_requests=[], recently_done=[])
    assert validate_view(view) == []
    text = str(view)
    assert "Waiting for you" in text and "ft-7kq2mx9c" in text
    assert "You have no open requests." in text and "Nothing yet." in text
    link = next(b["accessory"] for b in view["blocks"] if b.get("accessory"))
    assert link["url"] == waiting.permalink and link["action_id"] == action_ids.home_open(waiting.id)
