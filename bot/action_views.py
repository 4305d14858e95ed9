"""How each action reads on a card: a title, the exact fields a create will send, and before -> after for an update.

Pure functions over the action (and, for updates, the ``before`` values fetched when the proposal was built). Text
from people and from the target systems is escaped here, once. Values the policy looks at (``watched``: the
fields its rules test, such as amount and stage) are flagged, so the approver's eye goes to what decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, assert_never

from approvals.core.actions import (
    Action,
    FollowUp,
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
from approvals.core.intents import ActionRequest
from approvals.core.wording import slack_time

WATCHED_MARK = ":small_orange_diamond:"
_DESCRIPTION_PREVIEW = 600


def escape(text: str) -> str:
    """Slack's three control characters, so user text renders as text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def long_text(text: str, *, thread_link: str | None = None, limit: int = _DESCRIPTION_PREVIEW) -> str:
    """A description or comment previewed on a card: clipped and escaped, with the request's own thread link (the
    permalink the bot put there, three lines of URL on its own) shown as a short "view thread" link. Nothing else
    becomes a link: an address a person typed stays visible as typed."""
    clipped = escape(clip(text, limit))
    if thread_link:
        clipped = clipped.replace(escape(thread_link), f"<{thread_link}|view thread>")
    return clipped


@dataclass(frozen=True)
class ActionView:
    """One action on a card: ``fields`` (label, mrkdwn) for what is sent, ``changes`` for before -> after lines,
    ``body`` a longer text (a description, a comment), ``notes`` warnings such as "cannot be undone"."""

    title: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    body: str | None = None
    facts: str | None = None
    notes: list[str] = field(default_factory=list)


def person(value: Person | None, *, nobody: str = "unassigned") -> str:
    """A mention when we know their Slack user (Slack renders the name), else the name the system knows."""
    if value is None:
        return nobody
    return f"<@{value.slack_user_id}>" if value.slack_user_id else escape(value.display_name)


def money(value: Any) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return escape(str(value))
    return f"${number:,.0f}" if number == number.to_integral_value() else f"${number:,.2f}"


def day(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%a %d %b %Y")
    try:
        return dt.date.fromisoformat(str(value)).strftime("%a %d %b %Y")
    except ValueError:
        return escape(str(value))


def _issue(ref: JiraIssueRef) -> str:
    return f"{ref.key}" + (f" ({escape(clip(ref.summary, 80))})" if ref.summary else "")


def _record(ref: SfRecordRef) -> str:
    return escape(ref.name)


def _shown(name: str, value: Any) -> str:
    if value is None or value == "" or value == [] or value == ():
        return "_empty_"
    if name == "amount":
        return money(value)
    if name in ("due_date", "close_date", "call_date"):
        return day(value)
    if isinstance(value, list | tuple):
        return escape(", ".join(str(v) for v in value))
    return escape(str(value))


def _change_pct(before: Any, after: Any) -> str:
    try:
        old, new = Decimal(str(before)), Decimal(str(after))
    except (InvalidOperation, ValueError):
        return ""
    if old == 0:
        return ""
    pct = (new - old) / old * 100
    return f" ({pct:+.0f}%)"


def change_line(label: str, name: str, before: Any, after: Any, *, watched: Collection[str]) -> str:
    mark = f"{WATCHED_MARK} " if name in watched else ""
    pct = _change_pct(before, after) if name == "amount" else ""
    return f"{mark}*{label}*: {_shown(name, before)} → *{_shown(name, after)}*{pct}"


_LABELS = {
    "stage": "Stage",
    "amount": "Amount",
    "close_date": "Close date",
    "next_step": "Next step",
    "status": "Status",
    "summary": "Summary",
    "priority": "Priority",
    "labels": "Labels",
    "due_date": "Due",
    "email": "Email",
    "phone": "Phone",
    "title": "Title",
}


def _update_changes(action: Any, *, watched: Collection[str]) -> list[str]:
    lines = []
    for name, after in action.changes().items():
        if name == "assignee":
            continue
        lines.append(change_line(_LABELS.get(name, name), name, action.before.get(name), after, watched=watched))
    return lines


def _undo_note(action: Action) -> list[str]:
    return [f":warning: {action.undo_note}"] if action.undo_note else []


def view_action(action: Action, *, watched: Collection[str] = (), thread_link: str | None = None) -> ActionView:
    """The card's rendering of ``action``; ``watched`` are the fields the policy's rules for its kind test, and
    ``thread_link`` the request's permalink (shown as a short link where the description quotes it)."""
    match action:
        case JiraCreateIssue():
            fields = [
                ("Summary", escape(action.summary)),
                ("Project", action.project),
                ("Type", escape(action.issue_type)),
            ]
            if action.priority:  # left out when not set: Jira then uses the project's default
                fields.append(("Priority", escape(action.priority)))
            fields.append(("Assignee", person(action.assignee)))
            if action.due_date is not None:
                fields.append(("Due", day(action.due_date)))
            if action.labels:
                fields.append(("Labels", escape(", ".join(action.labels))))
            body = (
                "*Description*\n" + long_text(action.description, thread_link=thread_link)
                if action.description
                else None
            )
            return ActionView(f"Create a Jira {action.issue_type.lower()} in {action.project}", fields, body=body)
        case JiraComment():
            return ActionView(
                f"Comment on {action.issue.key}",
                [("Issue", _issue(action.issue))],
                body="*Comment*\n" + long_text(action.body),
            )
        case JiraTransition():
            return ActionView(
                f"Move {action.issue.key} to {action.status}",
                [("Issue", _issue(action.issue))],
                changes=_update_changes(action, watched=watched),
            )
        case JiraAssign():
            before_name = action.before.get("assignee_name") or (
                "someone else" if action.before.get("assignee") else None
            )
            was = escape(str(before_name)) if before_name else "_unassigned_"
            now = person(action.assignee)
            mark = f"{WATCHED_MARK} " if "assignee" in watched else ""
            title = f"Assign {action.issue.key}" if action.assignee else f"Unassign {action.issue.key}"
            return ActionView(title, [("Issue", _issue(action.issue))], changes=[f"{mark}*Assignee*: {was} → *{now}*"])
        case JiraUpdateFields():
            return ActionView(
                f"Update {action.issue.key}",
                [("Issue", _issue(action.issue))],
                changes=_update_changes(action, watched=watched),
            )
        case JiraLinkIssues():
            return ActionView(
                f"Link {action.outward.key} and {action.inward.key}",
                [("Link", f"{_issue(action.outward)} *{escape(action.link_type.lower())}* {_issue(action.inward)}")],
            )
        case JiraDeleteIssue():
            return ActionView(f"Delete {action.issue.key}", [("Issue", _issue(action.issue))], notes=_undo_note(action))
        case JiraDeleteComment():
            return ActionView(
                f"Delete a comment on {action.issue.key}",
                [("Issue", _issue(action.issue))],
                notes=_undo_note(action),
            )
        case JiraDeleteLink():
            return ActionView(
                f"Remove the link between {action.outward.key} and {action.inward.key}",
                [("Link", f"{action.outward.key} {escape(action.link_type.lower())} {action.inward.key}")],
            )
        case SalesforceUpdateOpportunity():
            facts = [escape(action.account)] if action.account else []
            if action.before.get("owner"):
                facts.append(f"owner {escape(str(action.before['owner']))}")
            for name in ("stage", "amount"):
                if name not in action.changes() and action.before.get(name) not in (None, ""):
                    facts.append(f"{_LABELS[name].lower()} {_shown(name, action.before[name])}")
            return ActionView(
                f"Update the opportunity {action.opportunity.name}",
                changes=_update_changes(action, watched=watched),
                facts=" · ".join(facts) or None,
            )
        case SalesforceCreateTask():
            fields = [("Subject", escape(action.subject)), ("Owner", person(action.owner))]
            if action.what is not None:
                fields.append(("Related to", f"{_record(action.what)} ({action.what.object.lower()})"))
            if action.who is not None:
                fields.append(("Contact", _record(action.who)))
            fields.append(("Due", day(action.due_date) if action.due_date else "no due date"))
            return ActionView("Create a Salesforce task", fields)
        case SalesforceLogCall():
            fields = [("Subject", escape(action.subject)), ("Date", day(action.call_date))]
            if action.who is not None:
                fields.append(("With", _record(action.who)))
            if action.what is not None:
                fields.append(("About", f"{_record(action.what)} ({action.what.object.lower()})"))
            return ActionView("Log a call in Salesforce", fields, notes=_undo_note(action))
        case SalesforceUpdateContact():
            return ActionView(
                f"Update the contact {action.contact.name}", changes=_update_changes(action, watched=watched)
            )
        case SalesforceCreateContact():
            name = " ".join(filter(None, [action.first_name, action.last_name]))
            fields = [("Name", escape(name))]
            if action.account is not None:
                fields.append(("Account", _record(action.account)))
            fields.extend(
                (label, escape(value))
                for label, value in (("Email", action.email), ("Phone", action.phone), ("Title", action.title))
                if value
            )
            return ActionView(f"Create the contact {name}", fields)
        case SalesforceDeleteRecord():
            title = f"Delete the {action.record.object.lower()} {action.record.name}"
            return ActionView(title, notes=_undo_note(action))
        case FollowUp():
            subject = _issue(action.issue) if action.issue is not None else _record(action.record)  # type: ignore[arg-type]
            done = "resolved" if action.until == "resolved" else " or ".join(action.statuses)
            if_not = "nudge the owner" + (", then escalate (their manager, then admins)" if action.escalate else "")
            fields = [
                ("On", subject),
                ("Owner", person(action.owner)),
                ("Checked", slack_time(action.due)),
                ("Done when", f"it is {done} in {'Jira' if action.issue is not None else 'Salesforce'}"),
                ("If not", if_not + (f", every {action.every_days} day(s) until done" if action.every_days else "")),
            ]
            return ActionView("Follow up", fields)
        case _:
            assert_never(action)


_REQUEST_TITLES = {
    "jira.create_issue": "Create a Jira issue",
    "jira.comment": "Comment on a Jira issue",
    "jira.transition": "Move a Jira issue",
    "jira.assign": "Assign a Jira issue",
    "jira.update_fields": "Update a Jira issue",
    "jira.link_issues": "Link two Jira issues",
    "salesforce.update_opportunity": "Update a Salesforce opportunity",
    "salesforce.create_task": "Create a Salesforce task",
    "salesforce.log_call": "Log a call in Salesforce",
    "salesforce.update_contact": "Update a Salesforce contact",
    "salesforce.create_contact": "Create a Salesforce contact",
    "followthrough.follow_up": "Follow up",
}


def request_title(request: ActionRequest) -> str:
    return _REQUEST_TITLES.get(request.kind, request.kind)


def request_summary(request: ActionRequest) -> str:
    """What was understood of a request so far, in words ("stage Negotiation, amount $120,000")."""
    parts = []
    for name, value in request.model_dump(exclude={"kind", "description", "confirmed_duplicate"}).items():
        if value is None or value == () or value == []:
            continue
        label = name.replace("_", " ")
        parts.append(f"{label} {_shown(name, value)}")
    return ", ".join(parts)
