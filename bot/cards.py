"""Block Kit for proposals and results: pure functions from data to messages.

A card is rebuilt from the proposal on every transition, so every copy (the thread and each approver's DM) shows
the same truth, and only a card whose proposal is waiting for approval carries buttons: a decided card can never
be clicked. Texts escape what users typed (``&``, ``<``, ``>``) so a summary cannot smuggle a mention or a link in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, assert_never

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)

from approvals.actions import Action, JiraCreateIssue, Person
from approvals.proposal import Proposal
from approvals.states import ProposalState
from approvals.workflow import describe_decision
from bot import action_ids

Audience = Literal["thread", "dm"]

_SECTION_TEXT_LIMIT = 3000
_FIELD_LIMIT = 2000
_DESCRIPTION_PREVIEW = 600


@dataclass(frozen=True)
class Message:
    """What chat.postMessage / chat.update take: a notification text and the blocks."""

    text: str
    blocks: list[dict[str, Any]]


def escape(text: str) -> str:
    """Slack's three control characters, so user text renders as text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mention(user_id: str) -> str:
    return f"<@{user_id}>"


def _people(user_ids: Sequence[str], *, conjunction: str = "or") -> str:
    names = [_mention(u) for u in user_ids]
    if not names:
        return "nobody yet"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def _person(person: Person) -> str:
    """A mention when we know their Slack user (Slack renders the name), else the name as Jira knows it."""
    return _mention(person.slack_user_id) if person.slack_user_id else escape(person.display_name)


def button_value(proposal: Proposal) -> str:
    """Binds a click to the exact change shown: the proposal id and its fingerprint."""
    return f"{proposal.id}|{proposal.fingerprint}"


def parse_button_value(value: str) -> tuple[str, str]:
    proposal_id, _, fingerprint = value.partition("|")
    if not proposal_id.startswith("ft-") or not fingerprint:
        raise ValueError(f"not a Followthrough button value: {value!r}")
    return proposal_id, fingerprint


# ---------------------------------------------------------------------------------------------------------------
# Actions


def action_title(action: Action) -> str:
    match action:
        case JiraCreateIssue():
            return f"Create a Jira {action.issue_type.lower()} in {action.project}"
        case _:
            assert_never(action)


def action_summary(proposal: Proposal) -> str:
    """The proposal in a few words, escaped: 'Create a Jira bug in PAY: Checkout fails on Safari'."""
    first = proposal.actions[0]
    detail = f": {first.summary}" if isinstance(first, JiraCreateIssue) else ""
    more = f" (and {len(proposal.actions) - 1} more)" if len(proposal.actions) > 1 else ""
    return escape(_clip(action_title(first) + detail, 150)) + more


def action_fields(action: Action) -> list[tuple[str, str]]:
    """(label, value) pairs in mrkdwn, already escaped; empty values are left out."""
    match action:
        case JiraCreateIssue():
            fields = [
                ("Summary", escape(action.summary)),
                ("Project", action.project),
                ("Type", escape(action.issue_type)),
                ("Priority", escape(action.priority) if action.priority else "default"),
                ("Assignee", _person(action.assignee) if action.assignee else "unassigned"),
            ]
            if action.due_date is not None:
                fields.append(("Due", action.due_date.strftime("%a %d %b %Y")))
            if action.labels:
                fields.append(("Labels", escape(", ".join(action.labels))))
            return fields
        case _:
            assert_never(action)


def action_body(action: Action) -> str | None:
    match action:
        case JiraCreateIssue():
            if not action.description:
                return None
            return "*Description*\n" + escape(_clip(action.description, _DESCRIPTION_PREVIEW))
        case _:
            assert_never(action)


def _action_blocks(action: Action) -> list[Block]:
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(text=f"*{escape(action_title(action))}*"),
            fields=[
                MarkdownTextObject(text=_clip(f"*{label}*\n{value}", _FIELD_LIMIT))
                for label, value in action_fields(action)[:10]
            ],
        )
    ]
    body = action_body(action)
    if body:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_clip(body, _SECTION_TEXT_LIMIT))))
    return blocks


# ---------------------------------------------------------------------------------------------------------------
# Proposal cards


def status_line(proposal: Proposal, approvers: Sequence[str]) -> str:
    """One line that says where the proposal is; the part of the card that changes with the state."""
    state = proposal.state
    approved_by = _people(proposal.approvers_so_far, conjunction="and")
    match state:
        case ProposalState.DRAFTED:
            return ":hourglass_flowing_sand: Preparing…"
        case ProposalState.AWAITING_APPROVAL:
            needed = proposal.approvals_needed
            have = len(proposal.approvers_so_far)
            asked = [*approvers, *(u for u in proposal.escalated_to if u not in approvers)]
            waiting_on = [a for a in asked if a not in proposal.approvers_so_far]
            who = _people(waiting_on) if waiting_on else "an approver"
            line = f":hourglass_flowing_sand: Waiting for approval from {who} ({have} of {needed})"
            if have:
                line += f"; approved so far by {approved_by}"
            return line
        case ProposalState.APPROVED | ProposalState.EXECUTING:
            by = approved_by if proposal.approvers_so_far else "policy (no approval needed)"
            return f":white_check_mark: Approved by {by}, running…"
        case ProposalState.SUCCEEDED:
            done = "; ".join(_result_text(r.summary, r.key, r.url) for r in proposal.results if r.status == "done")
            by = f" Approved by {approved_by}." if proposal.approvers_so_far else ""
            return f":white_check_mark: Done: {done}.{by}"
        case ProposalState.FAILED:
            return f":x: Failed: {escape(proposal.failure or 'unknown error')}. Nothing was claimed as done."
        case ProposalState.REJECTED:
            rejection = proposal.rejection
            who = _mention(rejection.user_id) if rejection else "an approver"
            reason = f": {escape(rejection.reason)}" if rejection and rejection.reason else ""
            return f":no_entry_sign: Rejected by {who}{reason}"
        case ProposalState.DENIED:
            return f":no_entry: Not allowed: {escape(proposal.policy.reason)}"
        case ProposalState.CANCELLED:
            who = _mention(proposal.cancelled_by) if proposal.cancelled_by else "the requester"
            return f":heavy_multiplication_x: Cancelled by {who}"
        case ProposalState.EXPIRED:
            return ":hourglass: Expired: nobody approved it in time, so nothing was changed."
        case _:
            assert_never(state)


def _result_text(summary: str, key: str | None, url: str | None) -> str:
    text = escape(summary)
    if key and url and key in summary:
        return text.replace(escape(key), f"<{url}|{escape(key)}>", 1)
    return text


def build_proposal_card(proposal: Proposal, *, audience: Audience, approvers: Sequence[str] = ()) -> Message:
    """The card for ``proposal`` as its ``audience`` sees it, in the proposal's current state."""
    blocks: list[Block] = []
    if audience == "dm":
        where = f"<#{proposal.channel}>"
        link = f" · <{proposal.permalink}|view the thread>" if proposal.permalink else ""
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=f"{_mention(proposal.requester)} asks for your approval in {where}{link}")
            )
        )
    for action in proposal.actions:
        blocks.extend(_action_blocks(action))
    blocks.append(DividerBlock())
    # The status carries text from outside (a failure from Jira, a rejection reason): clip it to Slack's limit.
    blocks.append(
        SectionBlock(text=MarkdownTextObject(text=_clip(status_line(proposal, approvers), _SECTION_TEXT_LIMIT)))
    )
    if proposal.state is ProposalState.AWAITING_APPROVAL:
        value = button_value(proposal)
        buttons = [
            ButtonElement(text="Approve", action_id=action_ids.APPROVE, value=value, style="primary"),
            ButtonElement(text="Reject", action_id=action_ids.REJECT, value=value, style="danger"),
            ButtonElement(text="Edit", action_id=action_ids.EDIT, value=value),
        ]
        if audience == "thread":
            buttons.append(ButtonElement(text="Cancel", action_id=action_ids.CANCEL, value=value))
        blocks.append(ActionsBlock(block_id="ft_decision", elements=buttons))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_clip(context_line(proposal), 3000))]))
    summary = "; ".join(action_title(a) for a in proposal.actions)
    text = f"{summary}: {_plain(status_line(proposal, approvers))}"
    return Message(text=_clip(text, 3000), blocks=[b.to_dict() for b in blocks])


def context_line(proposal: Proposal) -> str:
    """Who asked, what the policy requires (both versions when it changed since), escalations, and the id."""
    parts = [f"Requested by {_mention(proposal.requester)}", escape(describe_decision(proposal.policy))]
    for newer in proposal.requirements[1:]:
        parts.append("the current policy also requires: " + escape(describe_decision(newer)))
    if proposal.escalated_to:
        parts.append(f"escalated to {_people(proposal.escalated_to, conjunction='and')}")
    parts.append(f"`{proposal.id}`")
    return " · ".join(parts)


def _plain(mrkdwn: str) -> str:
    """A notification-friendly version of a status line (no emoji codes)."""
    lines = mrkdwn.split("\n")
    return "\n".join(
        " ".join(w for w in line.split(" ") if not (w.startswith(":") and w.endswith(":"))) for line in lines
    )


def build_result_reply(proposal: Proposal) -> Message:
    """The thread reply that says what changed (or that nothing did)."""
    if proposal.state is ProposalState.SUCCEEDED:
        lines = [_result_text(r.summary, r.key, r.url) for r in proposal.results if r.status == "done"]
        text = "\n".join(f":white_check_mark: {line}" for line in lines)
    elif proposal.state is ProposalState.FAILED:
        done = [r for r in proposal.results if r.status == "done"]
        text = f":x: I couldn't finish this: {escape(proposal.failure or 'unknown error')}."
        if done:
            text += " What did happen: " + "; ".join(_result_text(r.summary, r.key, r.url) for r in done) + "."
        else:
            text += " Nothing was changed."
        text += f" An admin can retry it with `/followthrough retry {proposal.id}`."
    else:
        text = status_line(proposal, ())
    return Message(
        text=_clip(_plain(text), 3000), blocks=[SectionBlock(text=MarkdownTextObject(text=_clip(text, 3000))).to_dict()]
    )
