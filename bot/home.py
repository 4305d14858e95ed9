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

from approvals.proposal import Proposal
from bot import action_ids
from bot.cards import action_summary, status_line

_MAX_BLOCKS = 100


def _item(proposal: Proposal) -> list[Any]:
    text = f"*{action_summary(proposal)}*\n{status_line(proposal, ())}"
    accessory = (
        ButtonElement(
            text="Open thread", action_id=action_ids.home_open(proposal.id), url=proposal.permalink, value=proposal.id
        )
        if proposal.permalink
        else None
    )
    return [
        SectionBlock(text=MarkdownTextObject(text=text[:3000]), accessory=accessory),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Requested by <@{proposal.requester}> in <#{proposal.channel}> · `{proposal.id}`"
                )
            ]
        ),
    ]


def _section(title: str, proposals: Sequence[Proposal], empty: str) -> list[Any]:
    blocks: list[Any] = [HeaderBlock(text=title)]
    if not proposals:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"_{empty}_")))
    for proposal in proposals:
        blocks.extend(_item(proposal))
    blocks.append(DividerBlock())
    return blocks


def build_home(
    *, waiting_for_me: Sequence[Proposal], my_requests: Sequence[Proposal], recently_done: Sequence[Proposal]
) -> dict[str, Any]:
    blocks = [
        SectionBlock(
            text=MarkdownTextObject(
                text="Ask me in any thread where I'm a member, for example "
                "`@followthrough create a bug in PAY: Checkout fails on Safari, assign Alice, priority high`. "
                "Type `/followthrough help` for what else you can do."
            )
        ),
        DividerBlock(),
        *_section("Waiting for you", waiting_for_me, "Nothing is waiting for your decision."),
        *_section("Your requests", my_requests, "You have no open requests."),
        *_section("Recently done", recently_done, "Nothing yet."),
    ]
    return View(type="home", blocks=blocks[:_MAX_BLOCKS]).to_dict()
