"""The App Home tab: what waits for me, my requests, and what was recently done. A pure view builder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from approvals.core.commitments import Commitment
from approvals.core.proposal import Proposal, is_direct_message, place
from approvals.core.wording import slack_time
from bot import action_ids
from bot.cards import action_summary, status_line

_MAX_BLOCKS = 100


def _item(proposal: Proposal, viewer: str | None) -> list[Any]:
    text = f"*{action_summary(proposal)}*\n{status_line(proposal, ())}"
    # A request made in someone's DM with the app can be opened only by them.
    can_follow = not is_direct_message(proposal.channel) or viewer == proposal.requester
    accessory = (
        ButtonElement(
            text="Open thread", action_id=action_ids.home_open(proposal.id), url=proposal.permalink, value=proposal.id
        )
        if proposal.permalink and can_follow
        else None
    )
    where = "a direct message" if is_direct_message(proposal.channel) else f"<#{proposal.channel}>"
    return [
        SectionBlock(text=MarkdownTextObject(text=text[:3000]), accessory=accessory),
        ContextBlock(
            elements=[MarkdownTextObject(text=f"Requested by <@{proposal.requester}> in {where} · `{proposal.id}`")]
        ),
    ]


def _section(title: str, proposals: Sequence[Proposal], empty: str, viewer: str | None) -> list[Any]:
    blocks: list[Any] = [HeaderBlock(text=title)]
    if not proposals:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"_{empty}_")))
    for proposal in proposals:
        blocks.extend(_item(proposal, viewer))
    blocks.append(DividerBlock())
    return blocks


def _followup(commitment: Commitment, now: dt.datetime, *, show_owner: bool) -> list[Any]:
    late = ":red_circle: *Overdue* · " if commitment.overdue(now) else ""
    owner = f" · owner <@{commitment.owner}>" if show_owner else ""
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"{late}*{commitment.subject.name}*\nDue {slack_time(commitment.due)}{owner}"[:3000]
            )
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Asked by <@{commitment.requester}> in {place(commitment.channel)} · `{commitment.id}`"
                    if commitment.requester != "policy"
                    else f"Attached by the policy in {place(commitment.channel)} · `{commitment.id}`"
                )
            ]
        ),
    ]


def _followups(title: str, commitments: Sequence[Commitment], empty: str, *, show_owner: bool) -> list[Any]:
    now = dt.datetime.now(dt.UTC)
    ordered = sorted(commitments, key=lambda c: (not c.overdue(now), c.due))
    blocks: list[Any] = [HeaderBlock(text=title)]
    if not ordered:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"_{empty}_")))
    for commitment in ordered[:10]:
        blocks.extend(_followup(commitment, now, show_owner=show_owner))
    blocks.append(DividerBlock())
    return blocks


def build_home(
    *,
    waiting_for_me: Sequence[Proposal],
    my_requests: Sequence[Proposal],
    recently_done: Sequence[Proposal],
    viewer: str | None = None,
    owed: Sequence[Commitment] = (),
    awaited: Sequence[Commitment] = (),
) -> dict[str, Any]:
    """The Home of ``viewer`` (a Slack user id: what they may open decides which items link to their thread)."""
    blocks = [
        SectionBlock(
            text=MarkdownTextObject(
                text="Ask me in any thread where I'm a member, for example "
                "`@followthrough create a bug in PAY: Checkout fails on Safari, assign Alice, priority high`. "
                "Type `/followthrough help` for what else you can do."
            )
        ),
        DividerBlock(),
        *_section("Waiting for you", waiting_for_me, "Nothing is waiting for your decision.", viewer),
        *_followups("What I owe", owed, "No follow-ups are waiting on you.", show_owner=False),
        *_followups("What I'm waiting on", awaited, "You're not waiting on anyone.", show_owner=True),
        *_section("Your requests", my_requests, "You have no open requests.", viewer),
        *_section("Recently done", recently_done, "Nothing yet.", viewer),
    ]
    return View(type="home", blocks=blocks[:_MAX_BLOCKS]).to_dict()
