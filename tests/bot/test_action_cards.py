"""Cards for every action kind: what a create sends, before -> after for an update, the fields the policy watches
flagged, "cannot be undone" said before approval; the question card with its pick-list; the result's Undo button.
Every message is checked with the sandbox's Block Kit validator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from approvals.core import workflow
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
from approvals.core.intents import SalesforceUpdateOpportunityRequest
from approvals.core.policy import PolicyDecision
from approvals.core.proposal import ActionResult, Proposal, QuestionChoice, build_proposal
from bot import action_ids
from bot.cards import Message, build_proposal_card, build_result_reply, parse_choice_value
from sandbox.blockkit import validate_blocks
from sandbox.slack.driver import message_text

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
APPROVE = PolicyDecision(
    outcome="approve", rule="rule 1", policy_hash="h", approver_roles=("sales-managers",), min_approvers=1
)
PAY12 = JiraIssueRef(key="PAY-12", summary="Checkout button stays disabled")
PAY10 = JiraIssueRef(key="PAY-10", summary="Tax computed twice")
RENEWAL = SfRecordRef(object="Opportunity", id="0065g00000AcPlRAAV", name="Acme Corp - Platform Renewal")
ANA = SfRecordRef(object="Contact", id="0035g00000AnaSlAAJ", name="Ana Silva")
INITECH = SfRecordRef(object="Account", id="0015g00000IntchAAB", name="Initech")
ERIN = Person(display_name="Erin Walsh", slack_user_id="U0ERIN001", salesforce_user_id="0055g00000ErinWAAR")
ALICE = Person(display_name="Alice Chen", slack_user_id="U0ALICE01", jira_account_id="acc-alice")


def waiting(*actions: Action, undo_of: str | None = None, request_text: str = "do it") -> Proposal:
    proposal = build_proposal(
        proposal_id="ft-7kq2mx9c",
        requester="U0ERIN001",
        channel="C0SALES01",
        thread_ts="1.0",
        request_ts="1.1",
        request_text=request_text,
        actions=actions,
        decision=APPROVE,
        now=NOW,
        undo_of=undo_of,
    )
    return workflow.submit(proposal, now=NOW).proposal


def card(proposal: Proposal, *, watched: frozenset[str] = frozenset()) -> Message:
    message = build_proposal_card(proposal, audience="thread", approvers=("U0FRANK01",), watched=lambda kind: watched)
    assert validate_blocks(message.blocks, surface="message") == []
    return message


def text_of(message: Message) -> str:
    return message_text({"text": message.text, "blocks": message.blocks})


EVERY_KIND: dict[str, tuple[Action, list[str]]] = {
    "jira.create_issue": (
        JiraCreateIssue(project="PAY", issue_type="Bug", summary="Checkout fails", assignee=ALICE, priority="High"),
        ["Create a Jira bug in PAY", "Checkout fails", "<@U0ALICE01>", "High"],
    ),
    "jira.comment": (JiraComment(issue=PAY12, body="Fixed in 4.2"), ["Comment on PAY-12", "Fixed in 4.2"]),
    "jira.transition": (
        JiraTransition(issue=PAY12, status="In Progress", before={"status": "To Do"}),
        ["Move PAY-12 to In Progress", "*Status*: To Do → *In Progress*"],
    ),
    "jira.assign": (
        JiraAssign(issue=PAY12, assignee=ALICE, before={"assignee": None, "assignee_name": None}),
        ["Assign PAY-12", "*Assignee*: _unassigned_ → *<@U0ALICE01>*"],
    ),
    "jira.update_fields": (
        JiraUpdateFields(issue=PAY10, priority="Highest", before={"priority": "High"}),
        ["Update PAY-10", "*Priority*: High → *Highest*"],
    ),
    "jira.link_issues": (
        JiraLinkIssues(outward=PAY10, inward=PAY12, link_type="Blocks"),
        ["Link PAY-10 and PAY-12", "*blocks*"],
    ),
    "jira.delete_issue": (
        JiraDeleteIssue(issue=PAY12, before={"summary": "x"}),
        ["Delete PAY-12", "A deleted issue cannot be brought back."],
    ),
    "jira.delete_comment": (
        JiraDeleteComment(issue=PAY12, comment_id="10042"),
        ["Delete a comment on PAY-12", "cannot be brought back"],
    ),
    "jira.delete_link": (
        JiraDeleteLink(link_id="1", outward=PAY10, inward=PAY12, link_type="Blocks"),
        ["Remove the link between PAY-10 and PAY-12"],
    ),
    "salesforce.update_opportunity": (
        SalesforceUpdateOpportunity(
            opportunity=RENEWAL,
            account="Acme Corp",
            stage="Negotiation/Review",
            amount=Decimal(120000),
            before={"stage": "Proposal/Price Quote", "amount": "100000", "owner": "Erin Walsh"},
        ),
        [
            "Update the opportunity Acme Corp - Platform Renewal",
            "Acme Corp · owner Erin Walsh",
            "*Stage*: Proposal/Price Quote → *Negotiation/Review*",
            "*Amount*: $100,000 → *$120,000* (+20%)",
        ],
    ),
    "salesforce.create_task": (
        SalesforceCreateTask(subject="Follow up", owner=ERIN, what=INITECH, due_date=dt.date(2026, 11, 24)),
        ["Create a Salesforce task", "Follow up", "<@U0ERIN001>", "Initech (account)", "Tue 24 Nov 2026"],
    ),
    "salesforce.log_call": (
        SalesforceLogCall(subject="Call with Ana Silva", who=ANA, call_date=dt.date(2026, 11, 20)),
        ["Log a call in Salesforce", "Ana Silva", "it is not undone"],
    ),
    "salesforce.update_contact": (
        SalesforceUpdateContact(contact=ANA, title="VP Procurement", before={"title": "Head of Procurement"}),
        ["Update the contact Ana Silva", "*Title*: Head of Procurement → *VP Procurement*"],
    ),
    "salesforce.create_contact": (
        SalesforceCreateContact(first_name="Jane", last_name="Doe", email="jane@acme.example", account=INITECH),
        ["Create the contact Jane Doe", "jane@acme.example", "Initech"],
    ),
    "salesforce.delete_record": (
        SalesforceDeleteRecord(record=SfRecordRef(object="Task", id="00T5g00000Tsk01EAB", name="Send the deck")),
        ["Delete the task Send the deck", "recycle bin"],
    ),
    "followthrough.follow_up": (
        FollowUp(
            issue=JiraIssueRef(key="PAY-12", summary="Checkout fails"),
            owner=Person(display_name="Alice Chen", slack_user_id="U0ALICE01"),
            due=dt.datetime(2026, 11, 27, 22, 0, tzinfo=dt.UTC),
            escalate=True,
        ),
        [
            "Follow up",
            "PAY-12",
            "<@U0ALICE01>",
            "<!date^1795816800^",
            "resolved in Jira",
            "then escalate (their manager, then admins)",
        ],
    ),
}


def test_every_kind_has_a_card_example() -> None:
    from approvals.core.actions import ACTION_KINDS

    assert set(EVERY_KIND) == set(ACTION_KINDS)


@pytest.mark.parametrize("kind", list(EVERY_KIND))
def test_every_kind_renders_as_valid_block_kit_with_what_it_changes(kind: str) -> None:
    action, expected = EVERY_KIND[kind]
    text = text_of(card(waiting(action)))
    for needle in expected:
        assert needle in text, f"{needle!r} missing from the {kind} card:\n{text}"


def test_the_fields_the_policy_tests_are_flagged() -> None:
    action, _ = EVERY_KIND["salesforce.update_opportunity"]
    text = text_of(card(waiting(action), watched=frozenset({"amount"})))
    assert ":small_orange_diamond: *Amount*: $100,000" in text
    assert ":small_orange_diamond: *Stage*" not in text


def test_user_text_on_a_card_is_escaped() -> None:
    text = text_of(card(waiting(JiraComment(issue=PAY12, body="<!channel> see <http://evil|here> & there"))))
    assert "&lt;!channel&gt; see &lt;http://evil|here&gt; &amp; there" in text


def test_an_undo_card_says_what_it_undoes() -> None:
    action = JiraTransition(issue=PAY12, status="To Do", before={"status": "In Progress"})
    text = text_of(card(waiting(action, undo_of="ft-aaaaaaaa", request_text="Undo PAY-12")))
    assert "<@U0ERIN001> asks to undo PAY-12" in text
    assert "ft-aaaaaaaa" not in text, "people know PAY-12, not the internal id of the change it reverses"


# ---------------------------------------------------------------------------------------------------------------
# The question card


def asking(choices: tuple[QuestionChoice, ...], field: str) -> Proposal:
    request = SalesforceUpdateOpportunityRequest(account="Acme", opportunity="renewal", stage="Negotiation")
    drafted = build_proposal(
        proposal_id="ft-7kq2mx9c",
        requester="U0ERIN001",
        channel="C0SALES01",
        thread_ts="1.0",
        request_ts="1.1",
        request_text="move the Acme renewal to Negotiation",
        actions=(),
        decision=None,
        now=NOW,
        requests=(request,),
    )
    return workflow.ask(
        drafted,
        text="2 opportunities match *Acme renewal*. Which one do you mean?",
        field=field,
        choices=choices,
        request_index=0,
        requests=(request,),
        now=NOW,
        wait=dt.timedelta(days=7),
    ).proposal


def elements(message: Message) -> list[dict[str, Any]]:
    return [e for block in message.blocks if block["type"] == "actions" for e in block["elements"]]


def test_records_to_choose_from_are_a_pick_list_with_their_key_facts() -> None:
    choices = (
        QuestionChoice(label="Acme Corp - Platform Renewal", value="0065g00000AcPlRAAV", detail="Proposal · $100,000"),
        QuestionChoice(label="Acme Corp - Support Renewal", value="0065g00000AcSuRAAV", detail="Qualification"),
    )
    proposal = asking(choices, "opportunity")
    message = card(proposal)
    select, cancel = elements(message)
    assert select["type"] == "static_select" and select["action_id"] == action_ids.QUESTION_PICK
    assert [(o["text"]["text"], o["description"]["text"]) for o in select["options"]] == [
        ("Acme Corp - Platform Renewal", "Proposal · $100,000"),
        ("Acme Corp - Support Renewal", "Qualification"),
    ]
    assert proposal.question is not None
    assert parse_choice_value(select["options"][1]["value"]) == ("ft-7kq2mx9c", proposal.question.token, 1)
    assert cancel["action_id"] == action_ids.CANCEL
    text = text_of(message)
    assert "<@U0ERIN001> 2 opportunities match *Acme renewal*" in text
    assert "understood: Update a Salesforce opportunity (account Acme, opportunity renewal, stage Negotiation)" in text
    assert "pick above or reply in this thread" in text
    assert not [e for e in elements(message) if e.get("action_id") == action_ids.APPROVE]


def test_a_few_short_answers_are_buttons_with_unique_action_ids() -> None:
    choices = (QuestionChoice(label="OPS", value="OPS"), QuestionChoice(label="PAY", value="PAY"))
    found = elements(card(asking(choices, "project")))
    assert [(e["type"], e["action_id"]) for e in found] == [
        ("button", f"{action_ids.QUESTION_BUTTON}_0"),
        ("button", f"{action_ids.QUESTION_BUTTON}_1"),
        ("button", action_ids.CANCEL),
    ]


def test_once_answered_the_card_shows_the_answer_and_no_choices() -> None:
    choices = (QuestionChoice(label="Acme Corp - Platform Renewal", value="0065g00000AcPlRAAV"),)
    proposal = asking(choices, "opportunity")
    assert proposal.question is not None
    proposal = workflow.answer(
        proposal, "U0ERIN001", token=proposal.question.token, text="0065g00000AcPlRAAV", picked=True, now=NOW
    ).proposal
    message = card(proposal)
    assert elements(message) == []
    assert "Answered: Acme Corp - Platform Renewal" in text_of(message)


# ---------------------------------------------------------------------------------------------------------------
# The result and its Undo button


def test_the_result_carries_undo_until_the_window_closes() -> None:
    action, _ = EVERY_KIND["jira.transition"]
    auto = PolicyDecision(outcome="auto", rule="rule 1", policy_hash="h")
    drafted = build_proposal(
        proposal_id="ft-7kq2mx9c",
        requester="U0ALICE01",
        channel="C0ENG0001",
        thread_ts="1.0",
        request_ts="1.1",
        request_text="move PAY-12 to in progress",
        actions=(action,),
        decision=auto,
        now=NOW,
    )
    running = workflow.start(workflow.submit(drafted, now=NOW).proposal, now=NOW, attempt=1).proposal
    result = ActionResult(index=0, status="done", system="jira", summary="Moved PAY-12 to In Progress", key="PAY-12")
    done = workflow.succeed(running, [result], now=NOW).proposal
    message = build_result_reply(done, undo_until=NOW + dt.timedelta(days=1))
    assert validate_blocks(message.blocks, surface="message") == []
    assert [e["action_id"] for e in elements(message)] == [action_ids.UNDO]
    assert "works until <!date^1795262400^{date_short_pretty} {time}|Sat 21 Nov 12:00 UTC>" in text_of(message)
    assert elements(build_result_reply(done)) == []
