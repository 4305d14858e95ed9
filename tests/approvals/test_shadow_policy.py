"""The policy's ``shadow:`` section: what it puts in shadow mode (channels, kinds, everything), and each bad entry
refused with its line and the fix, like the rest of the file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from approvals.core.policy import Policy, PolicyError, load_policy, load_policy_text

POLICIES = Path(__file__).resolve().parents[2] / "policies"

BASE = """\
version: 1
roles:
  leads: {users: [U0LEAD001]}
actions:
  jira.create_issue:
    request: [everyone]
    rules:
      - approve: {by: [leads]}
"""


def with_shadow(section: str) -> Policy:
    return load_policy_text(BASE + section, source="shadow.yml")


def problems(section: str) -> list[tuple[int | None, str]]:
    with pytest.raises(PolicyError) as excinfo:
        with_shadow(section)
    return [(p.line, p.message) for p in excinfo.value.problems]


def test_without_a_section_nothing_is_in_shadow() -> None:
    policy = load_policy_text(BASE)
    assert not policy.document.shadow.active
    assert policy.shadow_scope(["jira.create_issue"], ["sales", "C0SALES01"]) is None


def test_everywhere_puts_every_request_in_shadow() -> None:
    policy = with_shadow("shadow: {everywhere: true}\n")
    assert policy.shadow_scope([], ["random"]) == "shadow mode is on everywhere"


@pytest.mark.parametrize("listed", ["sales", "'#sales'", "SALES"])
def test_a_channel_is_matched_by_its_name_with_or_without_hash_and_in_any_case(listed: str) -> None:
    policy = with_shadow(f"shadow:\n  channels: [{listed}]\n")
    assert policy.shadow_scope(["jira.create_issue"], ["sales", "C0SALES01"]) is not None
    assert policy.shadow_scope(["jira.create_issue"], ["support", "C0SUPPORT"]) is None


def test_a_channel_named_by_its_id_is_shown_as_a_channel_link() -> None:
    policy = with_shadow("shadow:\n  channels: [C0SALES01]\n")
    assert policy.shadow_scope([], ["sales", "C0SALES01"]) == "<#C0SALES01> is in shadow mode"
    assert with_shadow("shadow:\n  channels: [sales]\n").shadow_scope([], ["sales"]) == "#sales is in shadow mode"


def test_one_shadowed_kind_puts_the_whole_request_in_shadow() -> None:
    policy = with_shadow("shadow:\n  kinds: [salesforce.log_call]\n")
    assert policy.shadow_scope(["jira.create_issue"], ["support"]) is None
    assert (
        policy.shadow_scope(["jira.create_issue", "salesforce.log_call"], ["support"])
        == "salesforce.log_call is in shadow mode"
    )


def test_a_channel_wins_over_a_kind_in_what_the_card_says() -> None:
    policy = with_shadow("shadow:\n  channels: [sales]\n  kinds: [jira.create_issue]\n")
    assert policy.shadow_scope(["jira.create_issue"], ["sales"]) == "#sales is in shadow mode"


def test_an_unknown_kind_is_refused_at_its_line_with_the_kinds_there_are() -> None:
    ((line, message),) = problems("shadow:\n  kinds:\n    - jira.create_issue\n    - jira.create_bug\n")
    assert line == len(BASE.splitlines()) + 4
    assert message.startswith("shadow.kinds: unknown action 'jira.create_bug': use one of jira.create_issue, ")


@pytest.mark.parametrize("bad", ["'my channel'", "'<#C0SALES01>'", "''"])
def test_a_channel_that_is_no_channel_name_is_refused_at_its_line(bad: str) -> None:
    ((line, message),) = problems(f"shadow:\n  channels: [{bad}]\n")
    assert line == len(BASE.splitlines()) + 2
    assert re.match(r"shadow\.channels\.0: .* is not a channel: write its name \(sales or #sales\)", message), message


def test_an_unknown_key_in_the_section_is_named_at_its_line() -> None:
    assert problems("shadow:\n  kind: [jira.create_issue]\n") == [
        (len(BASE.splitlines()) + 2, "unknown key 'kind' (remove it or check its spelling)")
    ]


def test_everywhere_must_be_true_or_false() -> None:
    ((line, message),) = problems("shadow:\n  everywhere: sometimes\n")
    assert line == len(BASE.splitlines()) + 2
    assert message.startswith("shadow.everywhere: ")


def test_shipped_policies_put_nothing_in_shadow() -> None:
    for name in ("default.yml", "northwind.yml"):
        assert not load_policy(POLICIES / name).document.shadow.active, name


def test_the_commented_example_in_the_default_policy_loads_once_uncommented() -> None:
    text = (POLICIES / "default.yml").read_text(encoding="utf-8")
    start = text.index("# shadow:")
    example = "\n".join(line.removeprefix("# ") for line in text[start:].splitlines())
    policy = load_policy_text(text[:start] + example, source="default.yml, uncommented")
    assert policy.shadow_scope(["salesforce.update_opportunity"], ["support"]) is not None
    assert policy.shadow_scope(["jira.comment"], ["sales"]) == "#sales is in shadow mode"
    assert policy.shadow_scope(["jira.comment"], ["support"]) is None


def test_turning_shadow_off_changes_the_content_hash_so_the_change_is_recorded() -> None:
    on = with_shadow("shadow:\n  kinds: [jira.create_issue]\n")
    off = load_policy_text(BASE, source="shadow.yml")
    assert on.content_hash != off.content_hash
