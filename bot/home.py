"""The App Home tab: what waits for me, my requests, and what was recently done. A pure view builder."""

from __future__ import annotations

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

from approvals.proposal import Proposal, is_direct_message
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


def build_home(
    *,
    waiting_for_me: Sequence[Proposal],
    my_requests: Sequence[Proposal],
    recently_done: Sequence[Proposal],
    viewer: str | None = None,
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
        *_section("Your requests", my_requests, "You have no open requests.", viewer),
        *_section("Recently done", recently_done, "Nothing yet.", viewer),
    ]
    return View(type="home", blocks=blocks[:_MAX_BLOCKS]).to_dict()
