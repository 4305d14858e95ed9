"""Block Kit for proposals and results: pure functions from data to messages.

A card is rebuilt from the proposal on every transition, so every copy (the thread and each approver's DM) shows
the same truth, and only a card whose proposal is waiting for approval carries decision buttons: a decided card can
never be approved. A shadow card (approvals/flow/shadow.py) says what would have happened and carries *Right* / *Wrong*,
which record an opinion and change nothing else. Texts escape what users typed (``&``, ``<``, ``>``) so a summary
cannot smuggle a mention or a link in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal, assert_never

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from approvals.core.actions import Action
from approvals.core.proposal import Proposal, Question, is_direct_message
from approvals.core.states import ProposalState
from approvals.core.wording import slack_time
from approvals.core.workflow import describe_decision
from bot import action_ids
from bot.action_views import ActionView, clip, escape, request_summary, request_title, view_action

Audience = Literal["thread", "dm"]
Watched = Callable[[str], Collection[str]]
"""The fields the policy's rules test for an action kind (highlighted on the card)."""

_SECTION_TEXT_LIMIT = 3000
_FIELD_LIMIT = 2000
_SELECT_LIMIT = 100


def _nothing_watched(kind: str) -> Collection[str]:
    return ()


@dataclass(frozen=True)
class Message:
    """What chat.postMessage / chat.update take: a notification text and the blocks."""

    text: str
    blocks: list[dict[str, Any]]


_clip = clip


def _mention(user_id: str) -> str:
    return f"<@{user_id}>"


def _people(user_ids: Sequence[str], *, conjunction: str = "or") -> str:
    names = [_mention(u) for u in user_ids]
    if not names:
        return "nobody yet"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def button_value(proposal: Proposal) -> str:
    """Binds a click to the exact change shown: the proposal id and its fingerprint."""
    return f"{proposal.id}|{proposal.fingerprint}"


def parse_button_value(value: str) -> tuple[str, str]:
    proposal_id, _, fingerprint = value.partition("|")
    if not proposal_id.startswith("ft-") or not fingerprint:
        raise ValueError(f"not a Followthrough button value: {value!r}")
    return proposal_id, fingerprint


def choice_value(proposal: Proposal, question: Question, index: int) -> str:
    """Binds a pick to one question: the proposal, the question's token, and the choice's position."""
    return f"{proposal.id}|{question.token}|{index}"


def parse_choice_value(value: str) -> tuple[str, str, int]:
    proposal_id, token, index = value.split("|")
    if not proposal_id.startswith("ft-") or not token:
        raise ValueError(f"not a Followthrough choice value: {value!r}")
    return proposal_id, token, int(index)


# ---------------------------------------------------------------------------------------------------------------
# Actions


def action_title(action: Action) -> str:
    return view_action(action).title


def action_summary(proposal: Proposal) -> str:
    """The proposal in a few words, escaped: 'Create a Jira bug in PAY: Checkout fails on Safari'."""
    if not proposal.actions:
        if proposal.requests:
            more = f" (and {len(proposal.requests) - 1} more)" if len(proposal.requests) > 1 else ""
            return escape(_clip(request_title(proposal.requests[0]), 150)) + more
        return escape(_clip(proposal.request_text, 150))
    first = proposal.actions[0]
    detail = f": {first.summary}" if getattr(first, "kind", "") == "jira.create_issue" else ""
    prefix = "Undo: " if proposal.undo_of else ""
    more = f" (and {len(proposal.actions) - 1} more)" if len(proposal.actions) > 1 else ""
    return escape(_clip(prefix + action_title(first) + detail, 150)) + more


def _undo_target(proposal: Proposal) -> str:
    """What an undo proposal reverses, as its request text names it ("Undo PAY-13" -> "PAY-13")."""
    return proposal.request_text.strip().removeprefix("Undo ").strip() or "the change"


def is_editable(proposal: Proposal) -> bool:
    """The Edit form covers one new Jira issue; other requests are rejected and asked again with the change."""
    return len(proposal.actions) == 1 and proposal.actions[0].kind == "jira.create_issue"


def _action_blocks(view: ActionView) -> list[Block]:
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(text=_clip(f"*{escape(view.title)}*", _SECTION_TEXT_LIMIT)),
            fields=[
                MarkdownTextObject(text=_clip(f"*{label}*\n{value}", _FIELD_LIMIT)) for label, value in view.fields[:10]
            ]
            or None,
        )
    ]
    if view.facts:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_clip(view.facts, 3000))]))
    if view.changes:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_clip("\n".join(view.changes), _SECTION_TEXT_LIMIT))))
    if view.body:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_clip(view.body, _SECTION_TEXT_LIMIT))))
    if view.notes:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_clip(" ".join(view.notes), 3000))]))
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
        case ProposalState.NEEDS_INFO:
            if proposal.question is not None and proposal.question.answer is not None:
                return ":hourglass_flowing_sand: Working on your answer…"
            return f":question: Waiting for {_mention(proposal.requester)} to answer"
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
            if proposal.failure and proposal.cancelled_by is None:
                return f":heavy_multiplication_x: Stopped: {escape(proposal.failure)}"
            who = _mention(proposal.cancelled_by) if proposal.cancelled_by else "the requester"
            return f":heavy_multiplication_x: Cancelled by {who}"
        case ProposalState.EXPIRED:
            if not proposal.actions:
                return ":hourglass: Expired: my question was not answered in time, so nothing was changed."
            return ":hourglass: Expired: nobody approved it in time, so nothing was changed."
        case ProposalState.SHADOWED:
            return shadow_status(proposal)
        case _:
            assert_never(state)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def shadow_status(proposal: Proposal) -> str:
    """What a request in shadow mode would have done ("Shadow: would ask @Bob or @Carol to approve this: create a
    Jira bug in PAY"), that nothing was, and the Right / Wrong answers given so far."""
    record = proposal.shadow
    decision = proposal.policy
    what = escape(_lower_first(action_title(proposal.actions[0])))
    if len(proposal.actions) > 1:
        what += f" (and {len(proposal.actions) - 1} more)"
    if record is None or record.would == "refuse":
        line = f":thought_balloon: Shadow: the policy would refuse it: {escape(decision.reason)}"
    elif record.would == "run":
        line = f":thought_balloon: Shadow: would run at once: {what}"
    else:
        who = (
            _people(record.would_ask)
            if record.would_ask
            else f"someone from {' or '.join(decision.approver_roles)} (nobody holds that role now)"
        )
        count = f" ({decision.min_approvers} approvals)" if decision.min_approvers > 1 else ""
        line = f":thought_balloon: Shadow: would ask {who} to approve this{count}: {what}"
    line += "\nNothing was written and nobody was asked. Was that the right thing to do?"
    if record is not None and record.verdicts:
        said = " · ".join(
            f"{'right' if v.right else 'wrong'} ({_mention(v.user_id)}"
            + (f": “{escape(_clip(v.note, 300))}”" if v.note else "")
            + ")"
            for v in record.verdicts
        )
        line += f"\nAnswers: {said}"
    return line


def where_asked(proposal: Proposal, *, viewer: str | None = None) -> str:
    """Where the request was made, for someone other than the requester: the channel with a short link to the
    thread, or "a direct message" with no link (nobody else can open someone's DM with the app). The requester
    (``viewer``) may follow a link to their own DM."""
    if is_direct_message(proposal.channel):
        if viewer == proposal.requester and proposal.permalink:
            return f"<{proposal.permalink}|your direct message>"
        return "a direct message"
    link = f" (<{proposal.permalink}|view thread>)" if proposal.permalink else ""
    return f"<#{proposal.channel}>{link}"


def _result_text(summary: str, key: str | None, url: str | None) -> str:
    text = escape(summary)
    if key and url and key in summary:
        return text.replace(escape(key), f"<{url}|{escape(key)}>", 1)
    return text


def build_proposal_card(
    proposal: Proposal, *, audience: Audience, approvers: Sequence[str] = (), watched: Watched = _nothing_watched
) -> Message:
    """The card for ``proposal`` as its ``audience`` sees it, in the proposal's current state."""
    if not proposal.actions:
        return build_question_card(proposal)
    blocks: list[Block] = []
    if proposal.undo_of:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f":leftwards_arrow_with_hook: {_mention(proposal.requester)} asks to "
                    + "undo "
                    + escape(_undo_target(proposal))
                )
            )
        )
    if audience == "dm":
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"{_mention(proposal.requester)} asks for your approval (asked in {where_asked(proposal)})"
                )
            )
        )
    for action in proposal.actions:
        blocks.extend(_action_blocks(view_action(action, watched=watched(action.kind), thread_link=proposal.permalink)))
    if proposal.undo_of and proposal.understood:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_clip(escape(proposal.understood), 3000))]))
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
        ]
        if is_editable(proposal):
            buttons.append(ButtonElement(text="Edit", action_id=action_ids.EDIT, value=value))
        if audience == "thread":
            buttons.append(ButtonElement(text="Cancel", action_id=action_ids.CANCEL, value=value))
        blocks.append(ActionsBlock(block_id="ft_decision", elements=buttons))
    if proposal.state is ProposalState.SHADOWED:
        value = button_value(proposal)
        blocks.append(
            ActionsBlock(
                block_id="ft_shadow",
                elements=[
                    ButtonElement(text="Right", action_id=action_ids.SHADOW_RIGHT, value=value, style="primary"),
                    ButtonElement(text="Wrong", action_id=action_ids.SHADOW_WRONG, value=value, style="danger"),
                ],
            )
        )
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_clip(context_line(proposal), 3000))]))
    summary = "; ".join(action_title(a) for a in proposal.actions)
    text = f"{summary}: {_plain(status_line(proposal, approvers))}"
    return Message(text=_clip(text, 3000), blocks=[b.to_dict() for b in blocks])


def build_question_card(proposal: Proposal) -> Message:
    """The card of a proposal waiting for its requester's answer: the question, a pick-list when the choices are
    known, and what was understood so far. After it ends unanswered, the same card says so."""
    question = proposal.question
    blocks: list[Block] = []
    if question is not None and proposal.state is ProposalState.NEEDS_INFO:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=_clip(
                        f":question: {_mention(proposal.requester)} "
                        + (f"{question.why} " if question.why else "")
                        + question.text,
                        _SECTION_TEXT_LIMIT,
                    )
                )
            )
        )
        elements: list[Any] = []
        if question.answer is None and question.choices:
            # Records are a pick-list (each option shows its key facts); a few short answers are buttons.
            if question.field == "confirmed_duplicate" or (
                question.field not in _RECORD_FIELDS
                and len(question.choices) <= 3
                and all(len(c.label) <= 30 for c in question.choices)
            ):
                elements.extend(
                    ButtonElement(
                        text=_clip(choice.label, 75),
                        action_id=f"{action_ids.QUESTION_BUTTON}_{index}",
                        value=choice_value(proposal, question, index),
                    )
                    for index, choice in enumerate(question.choices)
                )
            else:
                options = [
                    Option(
                        text=_clip(choice.label, 75),
                        value=choice_value(proposal, question, index),
                        description=_clip(choice.detail, 75) if choice.detail else None,
                    )
                    for index, choice in enumerate(question.choices[:_SELECT_LIMIT])
                ]
                elements.append(
                    StaticSelectElement(placeholder="Choose…", action_id=action_ids.QUESTION_PICK, options=options)
                )
        if question.answer is None:
            elements.append(ButtonElement(text="Cancel", action_id=action_ids.CANCEL, value=button_value(proposal)))
        if elements:
            blocks.append(ActionsBlock(block_id="ft_question", elements=elements))
        if question.answer is not None:
            answer = _answer_text(question)
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_clip(f"Answered: {answer}", 3000))]))
    else:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_clip(status_line(proposal, ()), 3000))))
    understood = "; ".join(
        f"{request_title(r)}" + (f" ({request_summary(r)})" if request_summary(r) else "") for r in proposal.requests
    )
    context = [f"Requested by {_mention(proposal.requester)}"]
    if understood:
        context.append(f"understood: {understood}")
    if proposal.state is ProposalState.NEEDS_INFO:
        context.append("pick above or reply in this thread")
    context.append(f"`{proposal.id}`")
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_clip(" · ".join(context), 3000))]))
    title = request_title(proposal.requests[0]) if proposal.requests else "Request"
    text = f"{title}: {question.text if question is not None else _plain(status_line(proposal, ()))}"
    return Message(text=_clip(text, 3000), blocks=[b.to_dict() for b in blocks])


_RECORD_FIELDS = frozenset({"opportunity", "account", "contact", "issue", "other"})
_MENTION_ONLY = re.compile(r"^<@[UW][A-Z0-9]+>$")


def _answer_text(question: Question) -> str:
    """The answer as the card shows it: a pick by its label, a typed mention as a mention, other text escaped."""
    answer = question.answer or ""
    if question.choice_picked:
        answer = next((c.label for c in question.choices if c.value == answer), answer)
    return answer if _MENTION_ONLY.match(answer) else escape(answer)


def context_line(proposal: Proposal) -> str:
    """Who asked, what the policy requires (both versions when it changed since), escalations, and the id."""
    parts = [f"Requested by {_mention(proposal.requester)}"]
    if proposal.decision is not None:
        parts.append(escape(describe_decision(proposal.policy)))
    for newer in proposal.requirements[1:]:
        parts.append("the current policy also requires: " + escape(describe_decision(newer)))
    if proposal.escalated_to:
        parts.append(f"escalated to {_people(proposal.escalated_to, conjunction='and')}")
    if proposal.shadow is not None:
        parts.append(proposal.shadow.scope)
    parts.append(f"`{proposal.id}`")
    return " · ".join(parts)


SHADOW_NOTE_LIMIT = 500


def shadow_wrong_modal(proposal: Proposal) -> dict[str, Any]:
    """The form behind *Wrong* on a shadow card: why it was wrong, optional. Its private_metadata binds it to the
    proposal and the version the person saw (read back with bot.modals.read_metadata and read_reason)."""
    view = View(
        type="modal",
        callback_id=action_ids.SHADOW_WRONG_VIEW,
        private_metadata=button_value(proposal),
        title="Wrong in shadow mode",
        submit="Say it's wrong",
        close="Back",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=_clip(f"*{action_summary(proposal)}*\n{shadow_status(proposal).splitlines()[0]}", 3000)
                )
            ),
            InputBlock(
                block_id="reason",
                optional=True,
                label="What should it have done? (for the shadow report)",
                element=PlainTextInputElement(action_id="text", multiline=True, max_length=SHADOW_NOTE_LIMIT),
            ),
        ],
    )
    return view.to_dict()


def _plain(mrkdwn: str) -> str:
    """A notification-friendly version of a status line (no emoji codes)."""
    lines = mrkdwn.split("\n")
    return "\n".join(
        " ".join(w for w in line.split(" ") if not (w.startswith(":") and w.endswith(":"))) for line in lines
    )


def build_result_reply(
    proposal: Proposal, *, undo_until: dt.datetime | None = None, note: str | None = None
) -> Message:
    """The thread reply that says what changed (or that nothing did); with an Undo button until ``undo_until``, and
    ``note`` (what became of the Undo: done, or no longer offered) under it."""
    undo: list[Block] = []
    if proposal.state is ProposalState.SUCCEEDED:
        lines = [_result_text(r.summary, r.key, r.url) for r in proposal.results if r.status == "done"]
        lead = f"Undo of {escape(_undo_target(proposal))}: " if proposal.undo_of else ""
        text = lead + "\n".join(f":white_check_mark: {line}" for line in lines)
        if undo_until is not None:
            undo = [
                ActionsBlock(
                    block_id="ft_result",
                    elements=[ButtonElement(text="Undo", action_id=action_ids.UNDO, value=button_value(proposal))],
                ),
                ContextBlock(
                    elements=[
                        MarkdownTextObject(
                            text=f"Undo asks for approval again, and works until {slack_time(undo_until)}."
                        )
                    ]
                ),
            ]
    elif proposal.state is ProposalState.FAILED:
        done = [r for r in proposal.results if r.status == "done"]
        unsure = [r for r in proposal.results if r.status == "unknown" and r.index < len(proposal.actions)]
        text = f":x: I couldn't finish this: {escape(proposal.failure or 'unknown error')}."
        if done:
            text += " What did happen: " + "; ".join(_result_text(r.summary, r.key, r.url) for r in done) + "."
        if unsure:
            titles = "; ".join(escape(action_title(proposal.actions[r.index])) for r in unsure)
            text += f" I can't tell whether this went through: {titles} (a retry checks before sending it again)."
        if not done and not unsure:
            text += " Nothing was changed."
        text += f" An admin can retry it with `/followthrough retry {proposal.id}`."
    else:
        text = status_line(proposal, ())
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=_clip(text, 3000))), *undo]
    if note:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_clip(note, 3000))]))
    return Message(text=_clip(_plain(text), 3000), blocks=[b.to_dict() for b in blocks])
