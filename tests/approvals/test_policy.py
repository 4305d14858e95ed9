"""The policy file: what loads, how each kind of bad file is refused (line and fix), roles, and decisions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from approvals.core.actions import JiraCreateIssue
from approvals.core.policy import (
    EVERYONE,
    Policy,
    PolicyDecision,
    PolicyError,
    Principal,
    load_policy,
    load_policy_text,
    parse_duration,
)

POLICIES = Path(__file__).resolve().parents[2] / "policies"

ROLES = """\
version: 1
roles:
  support: {groups: [support]}
  eng: {groups: ["@Eng", S0ENGGRP1]}
  leads: {users: [U0LEAD001, U0LEAD002], emails: [Carol@Northwind.example]}
  admins: {emails: [grace@northwind.example]}
admins: [admins]
"""

# Rules chosen so that each outcome, first-match-wins and the fall-through to deny can be told apart.
DECIDING = (
    ROLES
    + """\
actions:
  jira.create_issue:
    request: [support, eng]
    rules:
      - name: highest needs two leads
        when: ["priority == Highest"]
        approve: {by: [leads], min_approvers: 2, expires_after: 1d}
      - name: no security issues from Slack
        when: "labels == security"
        deny: "Security issues go through the security form."
      - name: ops tasks run at once
        when: ["project in [OPS]", "issue_type == Task"]
        auto: true
      - name: incidents channel
        when: ["channel in [#incidents]"]
        auto: true
      - name: payments
        when: ["project in [PAY]"]
        approve:
          by: [leads, admins]
          allow_self_approval: true
          expires_after: 3d
          remind_after: 1d
          escalate_to: admins
          escalate_after: 2d
"""
)

VALID = (
    ROLES
    + """\
actions:
  jira.create_issue:
    request: [eng]
    rules:
      - name: pay
        when: ["project in [PAY]"]
        approve: {by: [leads]}
"""
)


def line_of(text: str, snippet: str) -> int:
    """The 1-based line of the only line of ``text`` containing ``snippet``."""
    found = [number for number, line in enumerate(text.splitlines(), start=1) if snippet in line]
    assert len(found) == 1, (snippet, found)
    return found[0]


def problems_of(text: str) -> list[tuple[int | None, str]]:
    with pytest.raises(PolicyError) as excinfo:
        load_policy_text(text, source="test.yml")
    return [(p.line, p.message) for p in excinfo.value.problems]


def only_problem(text: str) -> tuple[int | None, str]:
    problems = problems_of(text)
    assert len(problems) == 1, problems
    return problems[0]


def issue(**changes: object) -> JiraCreateIssue:
    fields: dict[str, object] = {"project": "PAY", "issue_type": "Bug", "summary": "Checkout fails on Safari"}
    fields.update(changes)
    return JiraCreateIssue(**fields)  # type: ignore[arg-type]


def person(user_id: str = "U0REQ0001", *groups: str, email: str | None = None, **flags: bool) -> Principal:
    return Principal(user_id=user_id, email=email, groups=frozenset(groups), **flags)


# ---------------------------------------------------------------------------------------------------------------
# The shipped files


def test_shipped_default_policy_loads_and_lets_everyone_ask_for_one_approval() -> None:
    policy = load_policy(POLICIES / "default.yml")
    decision = policy.decide(issue(), requester=person())
    assert decision.outcome == "approve"
    assert decision.approver_roles == ("approvers",)
    assert decision.min_approvers == 1
    assert decision.allow_self_approval is False
    assert decision.expires_after == 3 * 86400
    assert policy.is_admin(person("U0ADMIN01", "followthrough-admins"))
    assert not policy.is_admin(person("U0ANYONE1"))


def test_shipped_northwind_policy_loads_with_its_documented_rules() -> None:
    policy = load_policy(POLICIES / "northwind.yml")
    support = person("U0SUP0001", "support")
    highest = policy.decide(issue(priority="Highest", project="XYZ"), requester=support)
    assert (highest.outcome, highest.approver_roles, highest.min_approvers) == ("approve", ("eng-leads",), 2)
    assert highest.expires_after == 86400
    ops = policy.decide(issue(project="OPS"), requester=person("U0ENG0001", "eng"))
    assert (ops.outcome, ops.min_approvers, ops.expires_after) == ("approve", 1, 3 * 86400)
    other = policy.decide(issue(project="WEB"), requester=support)
    assert (other.outcome, other.reason) == ("deny", "Only PAY and OPS issues can be filed from Slack.")
    sales = policy.decide(issue(), requester=person("U0SAL0001", "sales"))
    assert sales.outcome == "deny"
    assert sales.rule == "request"
    assert policy.is_admin(person("U0GRACE01", email="Grace@Northwind.example"))


def test_load_policy_of_a_missing_file_says_to_check_the_setting(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as excinfo:
        load_policy(tmp_path / "nope.yml")
    assert "cannot read the file" in str(excinfo.value)
    assert "FOLLOWTHROUGH_POLICY" in str(excinfo.value)


def test_policy_error_lists_source_line_and_count() -> None:
    with pytest.raises(PolicyError) as excinfo:
        load_policy_text(VALID.replace("request: [eng]", "request: [engineering]"), source="ops.yml")
    message = str(excinfo.value)
    assert message.startswith("policy ops.yml has 1 problem(s):\n")
    assert f"  ops.yml: line {line_of(VALID, 'request: [eng]')}: unknown role 'engineering'" in message


# ---------------------------------------------------------------------------------------------------------------
# Bad files: each refused with the line to look at and what to do


def test_yaml_syntax_error_names_the_line_and_what_to_check() -> None:
    text = VALID.replace("admins: [admins]", "admins: admins: [admins]")
    line, message = only_problem(text)
    assert line == line_of(text, "admins: admins:")
    assert message.startswith("YAML syntax error: mapping values are not allowed here")
    assert "check the indentation" in message


def test_unknown_top_level_key_is_named_with_a_spelling_hint() -> None:
    text = VALID.replace("admins: [admins]", "admin: [admins]")
    assert only_problem(text) == (
        line_of(text, "admin: [admins]"),
        "unknown key 'admin' (remove it or check its spelling)",
    )


def test_unknown_key_inside_a_rule_is_reported_once_at_its_line() -> None:
    text = VALID.replace("approve: {by: [leads]}", "aprove: {by: [leads]}")
    assert only_problem(text) == (line_of(text, "aprove:"), "unknown key 'aprove' (remove it or check its spelling)")


@pytest.mark.parametrize(
    ("old", "new", "snippet", "role"),
    [
        ("request: [eng]", "request: [eng, engineering]", "request:", "engineering"),
        ("approve: {by: [leads]}", "approve: {by: [lead]}", "approve:", "lead"),
        ("admins: [admins]", "admins: [root]", "admins: [root]", "root"),
        (
            "approve: {by: [leads]}",
            "approve: {by: [leads], escalate_to: bosses, escalate_after: 4h}",
            "escalate_to",
            "bosses",
        ),
        ('when: ["project in [PAY]"]', 'when: ["requester in [eng, vips]"]', "requester in", "vips"),
        ('when: ["project in [PAY]"]', 'when: ["requester not in [vips]"]', "requester not in", "vips"),
    ],
)
def test_unknown_role_is_refused_wherever_a_role_is_named(old: str, new: str, snippet: str, role: str) -> None:
    text = VALID.replace(old, new)
    line, message = only_problem(text)
    assert line == line_of(text, snippet)
    assert (
        message
        == f"unknown role {role!r}: define it under 'roles:' or use one of: admins, eng, everyone, leads, support"
    )


def test_escalation_to_the_manager_needs_no_role() -> None:
    text = VALID.replace("approve: {by: [leads]}", "approve: {by: [leads], escalate_to: manager, escalate_after: 4h}")
    decision = load_policy_text(text).decide(issue(), requester=person("U0ENG0001", "eng"))
    assert (decision.escalate_to, decision.escalate_after) == ("manager", 4 * 3600)


def test_unknown_action_kind_lists_the_kinds_there_are() -> None:
    text = VALID.replace("jira.create_issue:", "jira.delete_everything:")
    line, message = only_problem(text)
    assert line == line_of(text, "jira.delete_everything:")
    assert message.startswith("unknown action 'jira.delete_everything': use one of jira.create_issue, jira.comment, ")


def test_unknown_condition_field_lists_the_fields_the_action_has() -> None:
    text = VALID.replace("project in [PAY]", "amount > 100")
    line, message = only_problem(text)
    assert line == line_of(text, "amount > 100")
    assert message == (
        "jira.create_issue has no field 'amount'; conditions can test: "
        "assignee, channel, due_date, issue_type, labels, priority, project, requester, summary"
    )


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("priority is very high", "write '<field> <op> <value>'"),
        ("project in PAY", "expected a list in brackets after 'in', like [PAY, OPS]"),
        ("due_date > soon", "needs a number or a date (YYYY-MM-DD)"),
        ("requester == eng", "requester can only be tested with 'in [role, ...]'"),
    ],
)
def test_unreadable_condition_says_which_form_to_write(condition: str, expected: str) -> None:
    text = VALID.replace("project in [PAY]", condition)
    line, message = only_problem(text)
    assert line == line_of(text, condition)
    assert expected in message


def test_rule_without_an_outcome_is_reported_once_at_the_rule() -> None:
    text = VALID.replace("        approve: {by: [leads]}\n", "")
    line, message = only_problem(text)
    assert line == line_of(text, "- name: pay")
    assert "a rule needs exactly one outcome: 'auto: true', 'approve: {by: [role]}' or 'deny: \"reason\"'" in message
    assert "found" not in message


def test_rule_with_two_outcomes_names_both() -> None:
    text = VALID + '        deny: "not today"\n'
    line, message = only_problem(text)
    assert line == line_of(text, "- name: pay")
    assert "a rule needs exactly one outcome" in message
    assert message.endswith("(found approve, deny)")


def test_rule_after_an_unconditional_rule_can_never_match() -> None:
    text = VALID.replace('        when: ["project in [PAY]"]\n', "") + "      - name: later\n        auto: true\n"
    line, message = only_problem(text)
    assert line == line_of(text, "- name: later")
    assert message == (
        "rule 2: later of jira.create_issue can never match: rule 1 above has no 'when' and matches everything; "
        "move it last or give it conditions"
    )


def test_an_unconditional_last_rule_is_a_fine_catch_all() -> None:
    text = VALID + '      - name: everything else\n        deny: "Ask in #help."\n'
    decision = load_policy_text(text).decide(issue(project="OPS"), requester=person("U0ENG0001", "eng"))
    assert (decision.outcome, decision.rule, decision.reason) == ("deny", "rule 2: everything else", "Ask in #help.")


@pytest.mark.parametrize(
    "conditions",
    [
        '["due_date > 2026-12-31", "due_date < 2026-01-01"]',
        '["due_date > 2026-12-31", "due_date <= 2026-12-31"]',
        '["due_date >= 2026-12-31", "due_date < 2026-12-31"]',
        '["summary > 100", "summary < 50"]',  # jira has no numeric field; the check works on any bounds
    ],
)
def test_contradictory_bounds_make_a_rule_that_can_never_match(conditions: str) -> None:
    text = VALID.replace('["project in [PAY]"]', conditions)
    line, message = only_problem(text)
    assert line == line_of(text, "when:")
    assert "can never both hold: this rule can never match" in message
    assert "correct one of the bounds" in message


@pytest.mark.parametrize(
    "conditions",
    [
        '["due_date >= 2026-12-31", "due_date <= 2026-12-31"]',
        '["due_date > 2026-01-01", "due_date < 2026-12-31"]',
        '["priority == High", "priority == high"]',
        '["due_date > 5", "due_date < 2026-12-31"]',  # a number and a date cannot be compared: not a contradiction
    ],
)
def test_bounds_that_can_hold_together_are_accepted(conditions: str) -> None:
    load_policy_text(VALID.replace('["project in [PAY]"]', conditions))


def test_two_different_equalities_on_one_field_suggest_in() -> None:
    text = VALID.replace('["project in [PAY]"]', '["priority == High", "priority == Low"]')
    line, message = only_problem(text)
    assert line == line_of(text, "when:")
    assert message.startswith("priority cannot equal 'High' and 'Low' at once")
    assert "in [" in message


def test_duplicate_key_is_refused_at_its_second_occurrence() -> None:
    text = VALID.replace("admins: [admins]\n", "admins: [admins]\nadmins: [leads]\n")
    line, message = only_problem(text)
    assert line == line_of(text, "admins: [leads]")
    assert message.startswith("key 'admins' appears twice")
    assert "keep one" in message


def test_duplicate_key_deep_in_the_file_is_refused_too() -> None:
    text = VALID.replace("request: [eng]\n", "request: [eng]\n    request: [support]\n")
    assert only_problem(text)[0] == line_of(text, "request: [support]")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file_says_how_to_start(text: str) -> None:
    assert only_problem(text) == (1, "the file is empty; start with 'version: 1'")


def test_a_top_level_list_is_refused() -> None:
    assert only_problem("- version: 1\n") == (1, "the top level must be a mapping starting with 'version: 1'")


def test_missing_or_wrong_version() -> None:
    assert only_problem(VALID.replace("version: 1\n", "")) == (1, "version is required (add it)")
    line, message = only_problem(VALID.replace("version: 1", "version: 2"))
    assert line == 1
    assert message.startswith("version: ")
    assert message.endswith("(use one of the allowed values)")


@pytest.mark.parametrize(
    ("approve", "expected"),
    [
        (
            "{by: [leads], remind_after: 2d, expires_after: 1d}",
            "remind_after must be shorter than expires_after, or the reminder never fires",
        ),
        (
            "{by: [leads], remind_after: 24h, expires_after: 1d}",
            "remind_after must be shorter than expires_after, or the reminder never fires",
        ),
        ("{by: [leads], remind_after: 2d}", "remind_after must be shorter than expires_after"),  # default 24h
        ("{by: [leads], escalate_to: leads}", "escalate_to and escalate_after go together: set both or neither"),
        ("{by: [leads], escalate_after: 4h}", "escalate_to and escalate_after go together: set both or neither"),
        (
            "{by: [leads], expires_after: 3 days}",
            "cannot read duration '3 days': write a number and a unit, like 30m, 24h or 7d",
        ),
        ("{by: [leads], expires_after: 1.5h}", "write a number and a unit, like 30m, 24h or 7d"),
        ("{by: [leads], remind_after: soon}", "cannot read duration 'soon'"),
        ("{by: [leads], expires_after: 0h}", "a duration must be positive"),
        ("{by: [leads], expires_after: -5}", "a duration must be positive"),
        ("{by: [], min_approvers: 1}", "add at least one entry"),
        ("{by: [leads], min_approvers: 0}", "min_approvers"),
    ],
)
def test_bad_approve_settings_are_refused_at_the_approve_line(approve: str, expected: str) -> None:
    text = VALID.replace("approve: {by: [leads]}", f"approve: {approve}")
    line, message = only_problem(text)
    assert line == line_of(text, "approve:")
    assert expected in message
    assert message.startswith("actions.jira.create_issue.rules.0.approve")


def test_role_named_everyone_is_refused_because_it_is_built_in() -> None:
    text = VALID.replace(
        "  support: {groups: [support]}", "  everyone: {groups: [all]}\n  support: {groups: [support]}"
    )
    assert only_problem(text) == (line_of(text, "everyone:"), "'everyone' is built in; choose another name")


def test_role_without_members_is_refused() -> None:
    text = VALID.replace("  support: {groups: [support]}", "  ghosts: {}\n  support: {groups: [support]}")
    assert only_problem(text) == (
        line_of(text, "ghosts:"),
        "role 'ghosts' has no members: add users:, emails: or groups:",
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("users: [U0LEAD001, U0LEAD002]", "users: [alice]", "'alice' is not a Slack user id"),
        ("emails: [Carol@Northwind.example]", "emails: [carol]", "'carol' is not an email address"),
    ],
)
def test_malformed_role_members_are_refused(old: str, new: str, expected: str) -> None:
    text = VALID.replace(old, new)
    line, message = only_problem(text)
    assert line == line_of(text, "leads:")
    assert expected in message


def test_every_problem_is_reported_at_once() -> None:
    text = VALID.replace("request: [eng]", "request: [engineering]").replace("project in [PAY]", "amount > 5")
    problems = problems_of(text)
    assert [line for line, _ in problems] == [line_of(text, "request:"), line_of(text, "amount > 5")]


# ---------------------------------------------------------------------------------------------------------------
# Durations


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("90s", 90), ("30m", 1800), ("24h", 86400), ("7d", 604800), ("2w", 1_209_600), (" 5 m ", 300), (3600, 3600)],
)
def test_parse_duration_reads_a_number_and_a_unit(value: str | int, seconds: int) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["", "h", "3 days", "1.5h", "5", "5y", "-5m", "0s", 0, -1, True])
def test_parse_duration_refuses_anything_else(value: str | int) -> None:
    with pytest.raises(ValueError, match=r"cannot read duration|must be positive"):
        parse_duration(value)


# ---------------------------------------------------------------------------------------------------------------
# Roles


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy_text(DECIDING, source="deciding.yml")


@pytest.mark.parametrize(
    ("principal", "roles"),
    [
        (person("U0NOBODY1"), {EVERYONE}),
        (person("U0LEAD002"), {EVERYONE, "leads"}),
        (person("U0CAROL01", email="carol@northwind.EXAMPLE"), {EVERYONE, "leads"}),
        (person("U0GRACE01", email="GRACE@northwind.example"), {EVERYONE, "admins"}),
        (person("U0SUP0001", "support"), {EVERYONE, "support"}),
        (person("U0SUP0001", "@Support"), {EVERYONE, "support"}),
        (person("U0ENG0001", "eng"), {EVERYONE, "eng"}),  # the policy writes "@Eng"
        (person("U0ENG0002", "S0ENGGRP1"), {EVERYONE, "eng"}),  # a user group by id
        (person("U0LEAD001", "support", "eng"), {EVERYONE, "leads", "support", "eng"}),
        (person("U0OTHER01", email="carol@elsewhere.example"), {EVERYONE}),
        (person("U0OTHER02", "support-team"), {EVERYONE}),
    ],
)
def test_roles_of_collects_roles_by_user_id_email_and_group(
    policy: Policy, principal: Principal, roles: set[str]
) -> None:
    assert policy.roles_of(principal) == roles


def test_bots_hold_no_roles_even_when_listed(policy: Policy) -> None:
    bot = person("U0LEAD001", "support", email="carol@northwind.example", is_bot=True)
    assert policy.roles_of(bot) == frozenset()
    assert not policy.is_admin(person("U0GRACE01", email="grace@northwind.example", is_bot=True))


def test_guests_lack_everyone_but_keep_the_roles_they_are_given(policy: Policy) -> None:
    assert policy.roles_of(person("U0GUEST01", is_guest=True)) == frozenset()
    assert policy.roles_of(person("U0GUEST02", "support", is_guest=True)) == {"support"}


def test_is_admin_follows_the_admins_list(policy: Policy) -> None:
    assert policy.is_admin(person("U0GRACE01", email="grace@northwind.example"))
    assert not policy.is_admin(person("U0LEAD001"))


def test_role_names_include_everyone(policy: Policy) -> None:
    assert policy.role_names == {"support", "eng", "leads", "admins", EVERYONE}


# ---------------------------------------------------------------------------------------------------------------
# Decisions

ENG = person("U0ENG0001", "eng")


def test_first_matching_rule_wins(policy: Policy) -> None:
    # Highest in OPS as a Task matches rules 1 and 3: the first one decides.
    decision = policy.decide(issue(project="OPS", issue_type="Task", priority="Highest"), requester=ENG)
    assert (decision.outcome, decision.rule) == ("approve", "rule 1: highest needs two leads")
    assert decision.min_approvers == 2
    assert decision.expires_after == 86400


def test_requester_without_a_request_role_is_denied_with_the_allowed_roles_named(policy: Policy) -> None:
    decision = policy.decide(issue(), requester=person("U0LEAD001"))
    assert (decision.outcome, decision.rule) == ("deny", "request")
    assert decision.reason == "You are not allowed to request jira.create_issue (allowed roles: support, eng)."


def test_guest_cannot_request_what_everyone_may(policy: Policy) -> None:
    text = DECIDING.replace("request: [support, eng]", "request: [everyone]")
    loaded = load_policy_text(text)
    assert loaded.decide(issue(), requester=person("U0MEMBER1")).outcome == "approve"
    assert loaded.decide(issue(), requester=person("U0GUEST01", is_guest=True)).rule == "request"


def test_action_kind_absent_from_the_file_is_denied() -> None:
    empty = load_policy_text(ROLES)
    decision = empty.decide(issue(), requester=ENG)
    assert (decision.outcome, decision.rule) == ("deny", "no-entry")
    assert "does not allow jira.create_issue at all" in decision.reason
    assert decision.policy_hash == empty.content_hash


def test_no_rule_matching_is_denied(policy: Policy) -> None:
    decision = policy.decide(issue(project="WEB"), requester=ENG)
    assert (decision.outcome, decision.rule) == ("deny", "no-match")
    assert decision.reason == "No rule of the policy allows this jira.create_issue request."


def test_deny_rule_carries_its_reason(policy: Policy) -> None:
    decision = policy.decide(issue(labels=("ux", "security")), requester=ENG)
    assert decision == PolicyDecision(
        outcome="deny",
        rule="rule 2: no security issues from Slack",
        policy_hash=policy.content_hash,
        reason="Security issues go through the security form.",
    )


def test_auto_rule_needs_all_its_conditions(policy: Policy) -> None:
    auto = policy.decide(issue(project="OPS", issue_type="Task"), requester=ENG)
    assert (auto.outcome, auto.rule) == ("auto", "rule 3: ops tasks run at once")
    assert auto.approver_roles == ()
    assert policy.decide(issue(project="OPS", issue_type="Bug"), requester=ENG).rule == "no-match"


def test_channel_names_given_to_decide_reach_the_conditions(policy: Policy) -> None:
    action = issue(project="WEB")
    assert policy.decide(action, requester=ENG, channel_names=["incidents", "C0INC0001"]).outcome == "auto"
    assert policy.decide(action, requester=ENG, channel_names=["#random"]).outcome == "deny"


def test_approve_rule_carries_every_setting(policy: Policy) -> None:
    decision = policy.decide(issue(), requester=person("U0SUP0001", "support"))
    assert decision == PolicyDecision(
        outcome="approve",
        rule="rule 5: payments",
        policy_hash=policy.content_hash,
        approver_roles=("leads", "admins"),
        min_approvers=1,
        allow_self_approval=True,
        expires_after=3 * 86400,
        remind_after=86400,
        escalate_to="admins",
        escalate_after=2 * 86400,
    )


def test_decision_round_trips_through_a_dict(policy: Policy) -> None:
    decision = policy.decide(issue(), requester=ENG)
    data = decision.to_dict()
    assert data["approver_roles"] == ["leads", "admins"], "JSON-shaped, as it comes back from storage"
    assert json.loads(json.dumps(data)) == data
    assert PolicyDecision.from_dict(data) == decision


def test_unnamed_rule_is_labelled_by_its_position() -> None:
    text = VALID.replace("      - name: pay\n        when", "      - when")
    assert load_policy_text(text).decide(issue(), requester=ENG).rule == "rule 1"


def test_content_hash_is_stable_for_the_same_text_and_changes_with_any_edit() -> None:
    first = load_policy_text(VALID).content_hash
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    assert load_policy_text(VALID, source="elsewhere.yml").content_hash == first
    assert load_policy_text(VALID.replace("by: [leads]", "by: [admins]")).content_hash != first
    assert load_policy_text(VALID + "# a comment\n").content_hash != first


def test_a_high_risk_action_can_never_run_without_approval() -> None:
    text = (
        "version: 1\nroles:\n  sales: {groups: [sales]}\nactions:\n  salesforce.update_opportunity:\n"
        "    request: [sales]\n    rules:\n      - auto: true\n"
    )
    line, message = only_problem(text)
    assert line == line_of(text, "auto: true")
    assert "high-risk action and cannot run without approval" in message
    assert "approve: {by: [role]}" in message
