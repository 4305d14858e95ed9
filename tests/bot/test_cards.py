"""Block Kit for proposals and results: one card per state, buttons only while waiting, user text escaped, and
every message one Slack would accept (checked with the sandbox's Block Kit validator)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from approvals.core import workflow
from approvals.core.actions import JiraCreateIssue, Person
from approvals.core.intents import MAX_REQUESTS_PER_MESSAGE
from approvals.core.policy import Principal, load_policy_text
from approvals.core.proposal import ActionResult, Proposal, build_proposal
from approvals.core.states import ProposalState
from bot import action_ids
from bot.cards import (
    Message,
    build_proposal_card,
    build_result_reply,
    button_value,
    escape,
    parse_button_value,
    status_line,
)
from sandbox.blockkit import validate_blocks

S = ProposalState
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
PERMALINK = "https://northwind.slack.com/archives/C0ENG0001/p1700000000000100"
JIRA_URL = "https://northwind.atlassian.example/browse/PAY-101"

POLICY = load_policy_text(
    """\
version: 1
roles:
  leads: {users: [U0LEAD001, U0LEAD002, U0LEAD003]}
  admins: {users: [U0ADMIN01]}
admins: [admins]
actions:
  jira.create_issue:
    request: [everyone]
    rules:
      - name: two leads for highest
        when: ["priority == Highest"]
        approve: {by: [leads], min_approvers: 2}
      - name: docs run at once
        when: ["project in [DOC]"]
        auto: true
      - name: payments
        when: ["project in [PAY]"]
        approve: {by: [leads]}
      - name: nothing else
        deny: "Only PAY and DOC issues can be filed from Slack."
"""
)
REQUESTER = Principal("U0REQ0001")
LEAD1 = Principal("U0LEAD001")
LEAD2 = Principal("U0LEAD002")
APPROVERS = ("U0LEAD001", "U0LEAD002", "U0LEAD003")


def issue(**changes: Any) -> JiraCreateIssue:
    fields: dict[str, Any] = {
        "project": "PAY",
        "issue_type": "Bug",
        "summary": "Checkout fails on Safari",
        "description": "Seen by three customers.",
        "assignee": Person(display_name="Alice Liddell", slack_user_id="U0ALICE01", email="alice@n.example"),
        "priority": "High",
        "labels": ("web", "safari"),
        "due_date": dt.date(2026, 11, 27),
    }
    fields.update(changes)
    return JiraCreateIssue(**fields)


def drafted(action: JiraCreateIssue | None = None, *, permalink: str | None = PERMALINK) -> Proposal:
    action = action or issue()
    return build_proposal(
        proposal_id="ft-7kq2mx9c",
        requester=REQUESTER.user_id,
        channel="C0ENG0001",
        thread_ts="1700000000.000100",
        request_ts="1700000000.000200",
        request_text="create a bug in PAY",
        actions=(action,),
        decision=POLICY.decide(action, requester=REQUESTER),
        now=NOW,
        permalink=permalink,
    )


def submitted(action: JiraCreateIssue | None = None, **kwargs: Any) -> Proposal:
    return workflow.submit(drafted(action, **kwargs), now=NOW).proposal


def approved(action: JiraCreateIssue | None = None, **kwargs: Any) -> Proposal:
    proposal = submitted(action, **kwargs)
    return workflow.approve(proposal, LEAD1, POLICY, now=NOW, fingerprint=proposal.fingerprint).proposal


def executing(action: JiraCreateIssue | None = None, **kwargs: Any) -> Proposal:
    return workflow.start(approved(action, **kwargs), now=NOW, attempt=1).proposal


def result(key: str = "PAY-101", *, status: str = "done", summary: str | None = None) -> ActionResult:
    return ActionResult(
        index=0,
        status=status,  # type: ignore[arg-type]
        system="jira",
        summary=summary if summary is not None else f"Created {key}: Checkout fails on Safari",
        key=key,
        url=JIRA_URL.replace("PAY-101", key),
    )


def succeeded(action: JiraCreateIssue | None = None, *results: ActionResult) -> Proposal:
    return workflow.succeed(executing(action), results or (result(),), now=NOW).proposal


def failed(reason: str = "Jira refused it: the project is archived", *results: ActionResult) -> Proposal:
    return workflow.fail(executing(), results, reason, now=NOW).proposal


def awaiting_second() -> Proposal:
    proposal = submitted(issue(priority="Highest"))
    return workflow.approve(proposal, LEAD1, POLICY, now=NOW, fingerprint=proposal.fingerprint).proposal


def rejected(reason: str = "") -> Proposal:
    return workflow.reject(submitted(), LEAD1, POLICY, now=NOW, reason=reason).proposal


def cancelled() -> Proposal:
    return workflow.cancel(submitted(), REQUESTER, POLICY, now=NOW).proposal


def expired() -> Proposal:
    proposal = submitted()
    assert proposal.expires_at is not None
    return workflow.expire(proposal, now=proposal.expires_at).proposal


# Every state, with the status line its card shows (approvers U0LEAD001..3 are waited on).
STATES: dict[str, tuple[Callable[[], Proposal], str]] = {
    "drafted": (drafted, ":hourglass_flowing_sand: Preparing…"),
    "awaiting 0 of 1": (
        submitted,
        ":hourglass_flowing_sand: Waiting for approval from <@U0LEAD001>, <@U0LEAD002> or <@U0LEAD003> (0 of 1)",
    ),
    "awaiting 1 of 2": (
        awaiting_second,
        ":hourglass_flowing_sand: Waiting for approval from <@U0LEAD002> or <@U0LEAD003> (1 of 2); "
        "approved so far by <@U0LEAD001>",
    ),
    "approved": (approved, ":white_check_mark: Approved by <@U0LEAD001>, running…"),
    "auto-approved": (
        lambda: submitted(issue(project="DOC")),
        ":white_check_mark: Approved by policy (no approval needed), running…",
    ),
    "executing": (executing, ":white_check_mark: Approved by <@U0LEAD001>, running…"),
    "succeeded": (
        succeeded,
        f":white_check_mark: Done: Created <{JIRA_URL}|PAY-101>: Checkout fails on Safari. Approved by <@U0LEAD001>.",
    ),
    "failed": (failed, ":x: Failed: Jira refused it: the project is archived. Nothing was claimed as done."),
    "rejected with reason": (
        lambda: rejected("duplicate of PAY-7"),
        ":no_entry_sign: Rejected by <@U0LEAD001>: duplicate of PAY-7",
    ),
    "rejected without reason": (rejected, ":no_entry_sign: Rejected by <@U0LEAD001>"),
    "denied": (
        lambda: submitted(issue(project="WEB")),
        ":no_entry: Not allowed: Only PAY and DOC issues can be filed from Slack.",
    ),
    "cancelled": (cancelled, ":heavy_multiplication_x: Cancelled by <@U0REQ0001>"),
    "expired": (expired, ":hourglass: Expired: nobody approved it in time, so nothing was changed."),
}


def strings(value: Any) -> Iterator[str]:
    """Every string anywhere in a JSON-like value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def buttons(message: Message) -> list[dict[str, Any]]:
    return [
        element
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["type"] == "button"
    ]


def card(proposal: Proposal, audience: str = "thread") -> Message:
    return build_proposal_card(proposal, audience=audience, approvers=APPROVERS)  # type: ignore[arg-type]


def assert_valid(message: Message) -> None:
    assert validate_blocks(message.blocks, surface="message") == []
    assert 0 < len(message.text) <= 40_000  # chat.postMessage's limit on text


# ---------------------------------------------------------------------------------------------------------------
# One card per state


def test_the_table_covers_every_state_of_a_proposal_with_actions() -> None:
    # needs_info has no actions yet: its question card is tested on its own below; a shadowed card carries Right /
    # Wrong instead of decisions, and is tested in tests/bot/test_shadow_cards.py.
    assert {make().state for make, _ in STATES.values()} == set(ProposalState) - {S.NEEDS_INFO, S.SHADOWED}


@pytest.mark.parametrize("audience", ["thread", "dm"])
@pytest.mark.parametrize("name", list(STATES))
def test_every_card_is_valid_block_kit_and_shows_its_status(name: str, audience: str) -> None:
    make, status = STATES[name]
    proposal = make()
    message = card(proposal, audience)
    assert_valid(message)
    assert status_line(proposal, APPROVERS) == status
    assert {"type": "section", "text": {"type": "mrkdwn", "text": status}} in message.blocks
    assert message.text.startswith("Create a Jira bug in ")
    assert not re.search(r":[a-z_]+:", message.text)  # the notification text carries no emoji codes
    assert any("`ft-7kq2mx9c`" in text for text in strings(message.blocks))


@pytest.mark.parametrize("audience", ["thread", "dm"])
@pytest.mark.parametrize("name", list(STATES))
def test_only_a_card_waiting_for_approval_has_buttons(name: str, audience: str) -> None:
    proposal = STATES[name][0]()
    found = buttons(card(proposal, audience))
    if proposal.state is S.AWAITING_APPROVAL:
        value = f"ft-7kq2mx9c|{proposal.fingerprint}"
        expected = [
            (action_ids.APPROVE, value, "primary"),
            (action_ids.REJECT, value, "danger"),
            (action_ids.EDIT, value, None),
        ]
        if audience == "thread":  # only the requester (or an admin) cancels, from the thread
            expected.append((action_ids.CANCEL, value, None))
        assert [(b["action_id"], b["value"], b.get("style")) for b in found] == expected
    else:
        assert found == []
        assert not any(block["type"] == "actions" for block in card(proposal, audience).blocks)


def test_waiting_without_known_approvers_says_an_approver() -> None:
    assert status_line(submitted(), ()) == ":hourglass_flowing_sand: Waiting for approval from an approver (0 of 1)"


def test_the_card_shows_every_field_of_the_action() -> None:
    fields = [f["text"] for f in card(submitted()).blocks[0]["fields"]]
    assert fields == [
        "*Summary*\nCheckout fails on Safari",
        "*Project*\nPAY",
        "*Type*\nBug",
        "*Priority*\nHigh",
        "*Assignee*\n<@U0ALICE01>",
        "*Due*\nFri 27 Nov 2026",
        "*Labels*\nweb, safari",
    ]
    assert card(submitted()).blocks[1]["text"]["text"] == "*Description*\nSeen by three customers."


def test_empty_optional_fields_say_unassigned_and_are_otherwise_left_out() -> None:
    bare = issue(description="", assignee=None, priority=None, labels=(), due_date=None)
    message = card(submitted(bare))
    fields = [f["text"] for f in message.blocks[0]["fields"]]
    assert fields == [
        "*Summary*\nCheckout fails on Safari",
        "*Project*\nPAY",
        "*Type*\nBug",
        "*Assignee*\nunassigned",
    ]
    assert not any("*Description*" in text or "default" in text for text in strings(message.blocks))


def test_the_description_shows_the_thread_link_as_short_text_not_a_raw_address() -> None:
    message = card(submitted(issue(description=f"> Dana: checkout fails https://x.example\nFrom Slack: {PERMALINK}")))
    body = message.blocks[1]["text"]["text"]
    assert body == (
        f"*Description*\n&gt; Dana: checkout fails https://x.example\nFrom Slack: <{PERMALINK}|view thread>"
    ), "the thread's own link is short; an address a person typed stays as typed"


def test_the_context_line_names_the_requester_the_rule_and_the_id() -> None:
    context = card(submitted()).blocks[-1]
    assert context["type"] == "context"
    assert context["elements"][0]["text"] == (
        "Requested by <@U0REQ0001> · Needs 1 approval from leads (rule 3: payments) · `ft-7kq2mx9c`"
    )


# ---------------------------------------------------------------------------------------------------------------
# The DM copy


def test_the_dm_card_names_the_requester_and_links_the_thread() -> None:
    message = card(submitted(), "dm")
    assert message.blocks[0] == {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": f"<@U0REQ0001> asks for your approval (asked in <#C0ENG0001> (<{PERMALINK}|view thread>))",
        },
    }
    thread = card(submitted(), "thread").blocks
    assert message.blocks[1:-2] == thread[:-2], "the same content as the thread's card"
    dm_buttons = [b["action_id"] for b in message.blocks[-2]["elements"]]
    assert dm_buttons == [action_ids.APPROVE, action_ids.REJECT, action_ids.EDIT], "approvers do not cancel"
    assert message.blocks[-1] == thread[-1]


def test_the_dm_card_without_a_permalink_still_names_the_channel() -> None:
    first = card(submitted(permalink=None), "dm").blocks[0]["text"]["text"]
    assert first == "<@U0REQ0001> asks for your approval (asked in <#C0ENG0001>)"


def test_the_thread_card_does_not_address_the_approver() -> None:
    assert not any("asks for your approval" in text for text in strings(card(submitted()).blocks))


# ---------------------------------------------------------------------------------------------------------------
# Button values


def test_button_value_binds_the_id_and_fingerprint_and_round_trips() -> None:
    proposal = submitted()
    assert button_value(proposal) == f"ft-7kq2mx9c|{proposal.fingerprint}"
    assert parse_button_value(button_value(proposal)) == ("ft-7kq2mx9c", proposal.fingerprint)


@pytest.mark.parametrize("value", ["", "garbage", "ft-7kq2mx9c", "ft-7kq2mx9c|", "|abc", "xx-7kq2mx9c|abc", "FT-1|abc"])
def test_parse_button_value_refuses_garbage(value: str) -> None:
    with pytest.raises(ValueError, match="not a Followthrough button value"):
        parse_button_value(value)


def test_action_ids_are_distinct() -> None:
    ids = [value for name, value in vars(action_ids).items() if name.isupper()]
    assert len(ids) >= 8
    assert len(set(ids)) == len(ids)


# ---------------------------------------------------------------------------------------------------------------
# User text is text


HOSTILE = "<!channel> R&D <@U123> <https://evil.example|click>"
HOSTILE_ESCAPED = "&lt;!channel&gt; R&amp;D &lt;@U123&gt; &lt;https://evil.example|click&gt;"


def test_escape_replaces_slacks_three_control_characters() -> None:
    assert escape(HOSTILE) == HOSTILE_ESCAPED
    assert escape("a &amp; b") == "a &amp;amp; b"  # what the user typed, shown as typed


@pytest.mark.parametrize(
    ("make", "shown"),
    [
        pytest.param(lambda: submitted(issue(summary=HOSTILE)), HOSTILE_ESCAPED, id="summary"),
        pytest.param(lambda: submitted(issue(description=HOSTILE)), HOSTILE_ESCAPED, id="description"),
        pytest.param(lambda: submitted(issue(labels=("<!here>", "R&D"))), "&lt;!here&gt;, R&amp;D", id="labels"),
        pytest.param(
            lambda: submitted(issue(assignee=Person(display_name=HOSTILE, jira_account_id="712020:x"))),
            HOSTILE_ESCAPED,
            id="assignee name",
        ),
        pytest.param(lambda: rejected(HOSTILE), HOSTILE_ESCAPED, id="rejection reason"),
        pytest.param(lambda: failed(HOSTILE), HOSTILE_ESCAPED, id="failure"),
        pytest.param(
            lambda: succeeded(None, result("PAY-101", summary=f"Created PAY-101: {HOSTILE}")),
            f"<{JIRA_URL}|PAY-101>: {HOSTILE_ESCAPED}",
            id="result",
        ),
    ],
)
def test_user_text_renders_escaped_everywhere(make: Callable[[], Proposal], shown: str) -> None:
    proposal = make()
    assert any(shown in text for text in strings(card(proposal).blocks))
    for message in (card(proposal, "thread"), card(proposal, "dm"), build_result_reply(proposal)):
        assert_valid(message)
        for text in [message.text, *strings(message.blocks)]:
            for raw in ("<!channel>", "<!here>", "<@U123>", "|click>", "R&D"):
                assert raw not in text


def test_a_hostile_summary_shows_escaped_in_the_summary_field() -> None:
    field = card(submitted(issue(summary=HOSTILE))).blocks[0]["fields"][0]["text"]
    assert field == f"*Summary*\n{HOSTILE_ESCAPED}"


# ---------------------------------------------------------------------------------------------------------------
# Size limits


def largest_issue(char: str) -> JiraCreateIssue:
    """Every field at its limit, in a character that grows fivefold when escaped."""
    return issue(
        summary=char * 254,
        description=char * 32_000,
        labels=tuple(f"label{i}-{char * 50}" for i in range(40)),
        issue_type="T" * 60,
        priority="P" * 60,
        assignee=Person(display_name=char * 500, slack_user_id="U0ALICE01"),
    )


@pytest.mark.parametrize("char", ["x", "&", "<"])
@pytest.mark.parametrize(
    "make",
    [
        drafted,
        submitted,
        approved,
        executing,
        lambda a: succeeded(a, result(summary="Created PAY-101: " + a.summary)),
        lambda a: workflow.fail(executing(a), [], a.summary * 20, now=NOW).proposal,
        lambda a: workflow.reject(submitted(a), LEAD1, POLICY, now=NOW, reason=a.description).proposal,
    ],
    ids=["drafted", "awaiting", "approved", "executing", "succeeded", "failed", "rejected"],
)
def test_the_largest_action_still_makes_valid_messages(make: Callable[[JiraCreateIssue], Proposal], char: str) -> None:
    proposal = make(largest_issue(char))
    assert_valid(card(proposal, "thread"))
    assert_valid(card(proposal, "dm"))
    assert_valid(build_result_reply(proposal))


@pytest.mark.parametrize("char", ["x", "&"])
def test_a_very_long_failure_or_rejection_reason_still_makes_valid_messages(char: str) -> None:
    for proposal in (failed(char * 5000), rejected(char * 5000)):
        assert_valid(card(proposal, "thread"))
        assert_valid(card(proposal, "dm"))
        assert_valid(build_result_reply(proposal))


def test_the_description_is_previewed_not_dumped() -> None:
    body = card(submitted(issue(description="d" * 32_000))).blocks[1]["text"]["text"]
    assert body.startswith("*Description*\nddd")
    assert body.endswith("…")
    assert len(body) < 1000


def test_many_results_still_make_a_valid_reply() -> None:
    results = [result(f"PAY-{n}").model_copy(update={"index": n}) for n in range(100, 140)]
    proposal = succeeded(None, *results)
    assert_valid(build_result_reply(proposal))
    assert_valid(card(proposal))


# ---------------------------------------------------------------------------------------------------------------
# Result replies


def test_the_reply_after_success_has_a_line_per_result_with_the_key_linked() -> None:
    second = ActionResult(
        index=1,
        status="done",
        system="jira",
        summary="Created PAY-102: Refund button missing",
        key="PAY-102",
        url="https://northwind.atlassian.example/browse/PAY-102",
    )
    not_done = result("PAY-103", status="failed")
    reply = build_result_reply(succeeded(None, result(), second, not_done))
    assert_valid(reply)
    assert reply.blocks == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": (
                    f":white_check_mark: Created <{JIRA_URL}|PAY-101>: Checkout fails on Safari\n"
                    ":white_check_mark: Created <https://northwind.atlassian.example/browse/PAY-102|PAY-102>: "
                    "Refund button missing"
                ),
            },
        }
    ]
    assert ":white_check_mark:" not in reply.text
    assert "PAY-103" not in reply.text


def test_a_result_whose_summary_does_not_name_its_key_is_not_linked() -> None:
    reply = build_result_reply(succeeded(None, result("PAY-101", summary="Created the issue")))
    assert reply.blocks[0]["text"]["text"] == ":white_check_mark: Created the issue"


def test_the_reply_after_failure_says_nothing_changed_and_how_to_retry() -> None:
    reply = build_result_reply(failed())
    assert_valid(reply)
    assert reply.blocks[0]["text"]["text"] == (
        ":x: I couldn't finish this: Jira refused it: the project is archived. Nothing was changed. "
        "An admin can retry it with `/followthrough retry ft-7kq2mx9c`."
    )
    assert reply.text.startswith("I couldn't finish this")


def test_the_reply_after_a_partial_failure_says_what_did_happen() -> None:
    reply = build_result_reply(failed("Jira timed out", result()))
    text = reply.blocks[0]["text"]["text"]
    assert f"What did happen: Created <{JIRA_URL}|PAY-101>: Checkout fails on Safari." in text
    assert "Nothing was changed" not in text
    assert "`/followthrough retry ft-7kq2mx9c`" in text


@pytest.mark.parametrize("name", ["rejected with reason", "cancelled", "expired", "denied"])
def test_the_reply_in_other_states_is_the_status_line(name: str) -> None:
    make, status = STATES[name]
    reply = build_result_reply(make())
    assert_valid(reply)
    assert reply.blocks[0]["text"]["text"] == status


def test_messages_are_json_serialisable() -> None:
    for make, _ in STATES.values():
        json.dumps(card(make()).blocks)
        json.dumps(build_result_reply(make()).blocks)


def test_a_card_rebuilt_from_the_stored_proposal_is_the_same_card() -> None:
    # The card reads the decision recorded on the proposal, so a changed policy file cannot change an old card.
    proposal = submitted()
    assert card(proposal).blocks == card(Proposal.model_validate_json(proposal.model_dump_json())).blocks


def test_a_card_with_as_many_actions_as_one_message_may_ask_for_is_valid_in_every_state() -> None:
    actions = tuple(
        issue(summary=f"Checkout fails on Safari {'x' * 200} {n}", description="d" * 32_000)
        for n in range(MAX_REQUESTS_PER_MESSAGE)
    )
    proposal = build_proposal(
        proposal_id="ft-7kq2mx9c",
        requester=REQUESTER.user_id,
        channel="C0ENG0001",
        thread_ts="1700000000.000100",
        request_ts="1700000000.000200",
        request_text="ten bugs",
        actions=actions,
        decision=POLICY.decide(actions[0], requester=REQUESTER),
        now=NOW,
        permalink=PERMALINK,
    )
    waiting = workflow.submit(proposal, now=NOW).proposal
    assert_valid(card(waiting, "thread"))
    assert_valid(card(waiting, "dm"))
