"""Modals: building them from a proposal and reading what people typed back, without I/O.

Every modal carries ``<proposal id>|<fingerprint>`` in its private_metadata, so a submission applies to exactly the
version the person saw; reading a submission returns either new values or per-field errors in the shape Slack's
``response_action: errors`` wants (keyed by block_id), never a half-applied change.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from approvals.core.actions import JiraCreateIssue
from approvals.core.proposal import Proposal
from bot import action_ids
from bot.cards import action_summary, button_value, parse_button_value

REASON_LIMIT = 500
EDITABLE_DESCRIPTION_LIMIT = 3000


def _metadata(proposal: Proposal) -> str:
    return button_value(proposal)


def read_metadata(view: Mapping[str, Any]) -> tuple[str, str]:
    """(proposal id, fingerprint) of the version the modal was opened on."""
    return parse_button_value(str(view.get("private_metadata", "")))


def reject_modal(proposal: Proposal) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=action_ids.REJECT_VIEW,
        private_metadata=_metadata(proposal),
        title="Reject request",
        submit="Reject",
        close="Back",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(text=f"*{action_summary(proposal)}*\nRequested by <@{proposal.requester}>")
            ),
            InputBlock(
                block_id="reason",
                optional=True,
                label="Why? (shown in the thread)",
                element=PlainTextInputElement(action_id="text", multiline=True, max_length=REASON_LIMIT),
            ),
        ],
    )
    return view.to_dict()


def read_reason(view: Mapping[str, Any]) -> str:
    values = (view.get("state") or {}).get("values") or {}
    return str(((values.get("reason") or {}).get("text") or {}).get("value") or "").strip()


# ---------------------------------------------------------------------------------------------------------------
# Edit a Jira issue before it is approved


def _options(values: Sequence[str]) -> list[Option]:
    return [Option(text=value[:75], value=value[:150]) for value in values]


def edit_issue_modal(
    proposal: Proposal,
    action: JiraCreateIssue,
    *,
    projects: Sequence[str],
    issue_types: Sequence[str],
    priorities: Sequence[str],
) -> dict[str, Any]:
    """The fields of a Jira issue to create, pre-filled with the proposal's values."""
    priority_options = _options(["(default)", *priorities])
    initial_priority = next((o for o in priority_options if o.value == action.priority), priority_options[0])
    type_options = _options(sorted({*issue_types, action.issue_type}))
    project_options = _options(sorted({*projects, action.project}))
    blocks: list[Any] = [
        SectionBlock(
            text=MarkdownTextObject(
                text="Saving changes voids the approvals given so far; the request goes to its approvers again."
            )
        ),
        InputBlock(
            block_id="summary",
            label="Summary",
            element=PlainTextInputElement(action_id="summary", initial_value=action.summary, max_length=254),
        ),
        InputBlock(
            block_id="project",
            label="Project",
            element=StaticSelectElement(
                action_id="project",
                options=project_options,
                initial_option=next(o for o in project_options if o.value == action.project),
            ),
        ),
        InputBlock(
            block_id="issue_type",
            label="Type",
            element=StaticSelectElement(
                action_id="issue_type",
                options=type_options,
                initial_option=next(o for o in type_options if o.value == action.issue_type),
            ),
        ),
        InputBlock(
            block_id="priority",
            label="Priority",
            element=StaticSelectElement(
                action_id="priority", options=priority_options, initial_option=initial_priority
            ),
        ),
        InputBlock(
            block_id="assignee",
            label="Assignee",
            optional=True,
            element=UserSelectElement(
                action_id="assignee",
                initial_user=action.assignee.slack_user_id
                if action.assignee and action.assignee.slack_user_id
                else None,
            ),
        ),
        InputBlock(
            block_id="unassigned",
            label="Or",
            optional=True,
            element=CheckboxesElement(
                action_id="unassigned", options=[Option(text="Leave it unassigned", value="unassigned")]
            ),
        ),
        InputBlock(
            block_id="due_date",
            label="Due date",
            optional=True,
            element=DatePickerElement(
                action_id="due_date", initial_date=action.due_date.isoformat() if action.due_date else None
            ),
        ),
        InputBlock(
            block_id="labels",
            label="Labels (separated by spaces or commas)",
            optional=True,
            element=PlainTextInputElement(action_id="labels", initial_value=" ".join(action.labels) or None),
        ),
    ]
    if len(action.description) <= EDITABLE_DESCRIPTION_LIMIT:
        blocks.append(
            InputBlock(
                block_id="description",
                label="Description",
                optional=True,
                element=PlainTextInputElement(
                    action_id="description",
                    multiline=True,
                    max_length=EDITABLE_DESCRIPTION_LIMIT,
                    initial_value=action.description or None,
                ),
            )
        )
    else:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text="_The description is too long to edit here and stays as it is._"))
        )
    view = View(
        type="modal",
        callback_id=action_ids.EDIT_VIEW,
        private_metadata=_metadata(proposal),
        title="Edit request",
        submit="Save",
        close="Cancel",
        blocks=blocks,
    )
    return view.to_dict()


@dataclass(frozen=True)
class IssueEdit:
    """What the person asked for in the Edit modal, before the assignee is grounded to a Jira account."""

    summary: str
    project: str
    issue_type: str
    priority: str | None
    assignee_slack_id: str | None
    unassigned: bool
    due_date: dt.date | None
    labels: tuple[str, ...]
    description: str | None


def _value(values: Mapping[str, Any], block: str) -> Any:
    """The state of the input in ``block`` (each input's action_id is its block_id)."""
    return ((values.get(block) or {}).get(block)) or {}


def read_issue_edit(view: Mapping[str, Any], *, today: dt.date) -> IssueEdit | dict[str, str]:
    """The edit, or errors by block_id for ``response_action: errors``."""
    values = (view.get("state") or {}).get("values") or {}
    errors: dict[str, str] = {}
    summary = " ".join(str(_value(values, "summary").get("value") or "").split())
    if not summary:
        errors["summary"] = "A summary is needed."
    due_text = _value(values, "due_date").get("selected_date")
    due = dt.date.fromisoformat(due_text) if due_text else None
    if due is not None and due < today:
        errors["due_date"] = "The due date is in the past."
    raw_labels = str(_value(values, "labels").get("value") or "")
    labels = tuple(label for label in re.split(r"[\s,]+", raw_labels) if label)
    priority = (_value(values, "priority").get("selected_option") or {}).get("value")
    unassigned = bool(_value(values, "unassigned").get("selected_options"))
    assignee = _value(values, "assignee").get("selected_user")
    if unassigned and assignee:
        errors["unassigned"] = "Choose an assignee or leave it unassigned, not both."
    if errors:
        return errors
    description_block = values.get("description")
    return IssueEdit(
        summary=summary,
        project=str((_value(values, "project").get("selected_option") or {}).get("value") or ""),
        issue_type=str((_value(values, "issue_type").get("selected_option") or {}).get("value") or ""),
        priority=None if priority in (None, "(default)") else str(priority),
        assignee_slack_id=None if unassigned else assignee,
        unassigned=unassigned,
        due_date=due,
        labels=labels,
        description=(str(_value(values, "description").get("value") or "") if description_block is not None else None),
    )
