"""The messages of follow-through: a nudge to the owner (with its buttons), an escalation, the "won't do" form.

Pure builders over ``approvals.core.commitments``; the notifier posts them and the listeners handle their buttons (every
action_id is in ``bot.action_ids``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from approvals.core.commitments import Commitment, Observation
from approvals.core.proposal import place
from approvals.core.wording import slack_time
from bot import action_ids
from bot.action_views import escape
from bot.cards import Message

FOLLOWUP_BLOCK = "ft_followup:"
"""The block of a nudge's buttons is this plus the commitment's id (a user picker carries no value of its own)."""


def commitment_of(body: dict[str, Any]) -> str | None:
    """The commitment a click on a nudge's buttons is about (from its block id)."""
    block = str(((body.get("actions") or [{}])[0]).get("block_id") or "")
    return block.removeprefix(FOLLOWUP_BLOCK) if block.startswith(FOLLOWUP_BLOCK) else None


SNOOZES: tuple[tuple[str, dt.timedelta], ...] = (
    ("1 hour", dt.timedelta(hours=1)),
    ("1 day", dt.timedelta(days=1)),
    ("3 days", dt.timedelta(days=3)),
    ("1 week", dt.timedelta(weeks=1)),
)


def _what(commitment: Commitment) -> str:
    until = commitment.condition
    subject = escape(commitment.subject.name)
    if until.until == "status":
        return f"{subject} to be {', '.join(until.statuses)}"
    if commitment.subject.object == "Issue":
        return f"{subject} to be resolved"
    return f"{subject} to be closed"


def _seen(seen: Observation | None, commitment: Commitment) -> str:
    if seen is None:
        return ""
    system = "Jira" if commitment.subject.system == "jira" else "Salesforce"
    now = seen.status or seen.stage
    return f"{system} shows it as *{escape(now)}* now." if now else ""


def nudge_message(
    commitment: Commitment,
    user_id: str,
    *,
    seen: Observation | None,
    escalated: bool,
    reassigned_by: str | None = None,
) -> Message:
    owner = f"<@{commitment.owner}>"
    asked = "a policy rule" if commitment.requester == "policy" else f"<@{commitment.requester}>"
    where = place(commitment.channel)
    due = slack_time(commitment.due)
    if reassigned_by is not None:
        lead = (
            f":arrow_right: <@{reassigned_by}> handed you a follow-up: {asked} asked in {where} for {_what(commitment)}"
        )
    elif escalated:
        lead = (
            f":rotating_light: {owner} was asked to follow through and nothing has moved: {asked} asked in {where} "
            f"for {_what(commitment)} by {due}."
        )
    else:
        lead = f":bell: A follow-up for you: {asked} asked in {where} for {_what(commitment)} by {due}."
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=" ".join(filter(None, [lead, _seen(seen, commitment)]))))
    ]
    if user_id == commitment.owner or escalated:
        value = commitment.id
        blocks.append(
            ActionsBlock(
                block_id=f"{FOLLOWUP_BLOCK}{commitment.id}",
                elements=[
                    ButtonElement(text="Done", action_id=action_ids.FOLLOWUP_DONE, value=value, style="primary"),
                    StaticSelectElement(
                        placeholder="Snooze",
                        action_id=action_ids.FOLLOWUP_SNOOZE,
                        options=[
                            Option(text=label, value=f"{value}|{int(delta.total_seconds())}")
                            for label, delta in SNOOZES
                        ],
                    ),
                    UserSelectElement(placeholder="Reassign", action_id=action_ids.FOLLOWUP_REASSIGN),
                    ButtonElement(text="Won't do", action_id=action_ids.FOLLOWUP_WONT_DO, value=value),
                ],
            )
        )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Follow-up `{commitment.id}` · Done is checked in "
                    f"{'Jira' if commitment.subject.system == 'jira' else 'Salesforce'}, never taken on trust"
                )
            ]
        )
    )
    text = lead.replace("*", "")
    return Message(text=text, blocks=[b.to_dict() for b in blocks])


def wont_do_modal(commitment: Commitment) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=action_ids.WONT_DO_VIEW,
        private_metadata=commitment.id,
        title="Won't do",
        submit="Tell the thread",
        close="Cancel",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"Why won't {escape(commitment.subject.name)} be done? The thread hears it."
                )
            ),
            InputBlock(
                block_id="reason",
                label="Reason",
                element=PlainTextInputElement(action_id="reason", multiline=True, max_length=500),
            ),
        ],
    )
    return view.to_dict()


def read_wont_do(view: dict[str, Any]) -> tuple[str, str]:
    """(commitment id, reason) from a submitted "won't do" form."""
    reason = view["state"]["values"]["reason"]["reason"].get("value") or ""
    return str(view.get("private_metadata") or ""), str(reason)
