"""The shadow card: what would have happened (ask whom, run at once, refused and why), that nothing was, Right /
Wrong bound to the proposal, the answers given, and a Wrong form Slack would accept."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from approvals.core import workflow
from approvals.core.policy import Principal
from approvals.core.proposal import Proposal
from bot import action_ids
from bot.cards import build_proposal_card, context_line, shadow_wrong_modal, status_line
from sandbox.blockkit import validate_blocks, validate_view
from tests.bot.test_cards import POLICY, assert_valid, buttons, drafted, issue

LEAD1 = Principal("U0LEAD001")
SCOPE = "#eng is in shadow mode"
NOTHING = "\nNothing was written and nobody was asked. Was that the right thing to do?"


def shadowed(
    project: str = "PAY", *, priority: str = "High", would_ask: tuple[str, ...] = ("U0LEAD001", "U0LEAD002")
) -> Proposal:
    proposal = drafted(issue(project=project, priority=priority))
    return workflow.shadow(proposal, scope=SCOPE, would_ask=would_ask, now=proposal.created_at).proposal


@pytest.mark.parametrize(
    ("proposal", "status"),
    [
        (
            lambda: shadowed(),
            ":thought_balloon: Shadow: would ask <@U0LEAD001> or <@U0LEAD002> to approve this: create a Jira bug in "
            "PAY" + NOTHING,
        ),
        (
            lambda: shadowed(priority="Highest", would_ask=("U0LEAD001",)),
            ":thought_balloon: Shadow: would ask <@U0LEAD001> to approve this (2 approvals): create a Jira bug in PAY"
            + NOTHING,
        ),
        (
            lambda: shadowed(would_ask=()),
            ":thought_balloon: Shadow: would ask someone from leads (nobody holds that role now) to approve this: "
            "create a Jira bug in PAY" + NOTHING,
        ),
        (lambda: shadowed("DOC"), ":thought_balloon: Shadow: would run at once: create a Jira bug in DOC" + NOTHING),
        (
            lambda: shadowed("WEB"),
            ":thought_balloon: Shadow: the policy would refuse it: Only PAY and DOC issues can be filed from Slack."
            + NOTHING,
        ),
    ],
    ids=["ask", "ask two", "ask nobody", "run", "refuse"],
)
def test_the_card_says_what_would_have_happened_and_asks_right_or_wrong(
    proposal: Callable[[], Proposal], status: str
) -> None:
    made = proposal()
    message = build_proposal_card(made, audience="thread")
    assert_valid(message)
    assert status_line(made, ()) == status
    assert {"type": "section", "text": {"type": "mrkdwn", "text": status}} in message.blocks
    value = f"ft-7kq2mx9c|{made.fingerprint}"
    assert [(b["action_id"], b["value"], b.get("style")) for b in buttons(message)] == [
        (action_ids.SHADOW_RIGHT, value, "primary"),
        (action_ids.SHADOW_WRONG, value, "danger"),
    ]
    assert not re.search(r":[a-z_]+:", message.text)  # the notification text carries no emoji codes
    assert message.text.startswith("Create a Jira bug in ") and "Shadow: " in message.text


def test_the_context_says_which_rule_applied_and_why_it_is_in_shadow() -> None:
    assert context_line(shadowed()) == (
        "Requested by <@U0REQ0001> · Needs 1 approval from leads (rule 3: payments) · #eng is in shadow mode · "
        "`ft-7kq2mx9c`"
    )


def test_the_answers_given_show_on_the_card_with_notes_escaped() -> None:
    proposal = shadowed()
    proposal = workflow.judge(proposal, Principal("U0REQ0001"), POLICY, right=True, now=proposal.updated_at).proposal
    proposal = workflow.judge(
        proposal, LEAD1, POLICY, right=False, note="<@U0ADMIN01> should be <b>OPS</b>", now=proposal.updated_at
    ).proposal
    message = build_proposal_card(proposal, audience="thread")
    assert_valid(message)
    assert status_line(proposal, ()).endswith(
        "\nAnswers: right (<@U0REQ0001>) · wrong (<@U0LEAD001>: “&lt;@U0ADMIN01&gt; should be &lt;b&gt;OPS&lt;/b&gt;”)"
    )
    assert len(buttons(message)) == 2, "others may still answer, and anyone may change their mind"


def test_the_wrong_form_is_a_valid_modal_bound_to_the_card_version() -> None:
    proposal = shadowed()
    view = shadow_wrong_modal(proposal)
    assert validate_view(view) == []
    assert validate_blocks(view["blocks"], surface="modal") == []
    assert view["callback_id"] == action_ids.SHADOW_WRONG_VIEW
    assert view["private_metadata"] == f"ft-7kq2mx9c|{proposal.fingerprint}"
    (note,) = [b for b in view["blocks"] if b["type"] == "input"]
    assert (note["block_id"], note["element"]["action_id"], note["optional"]) == ("reason", "text", True)
