"""Stored records across a rolling deploy (approvals.core.schema): this release reads what the release before it
wrote, and what the release after it will write; the release before reads what this one writes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import redis
from pydantic import ValidationError

from approvals.core import workflow
from approvals.core.actions import JiraCreateIssue, legacy_fingerprint
from approvals.core.policy import Policy, load_policy_text
from approvals.core.proposal import Proposal
from approvals.core.schema import SCHEMA_VERSION, read_stored, stored_json
from approvals.flow import keys
from approvals.flow.store import ProposalStore
from tests.approvals.test_workflow import LEAD1, NOW, POLICY_TEXT, drafted, issue


@pytest.fixture
def policy() -> Policy:
    return load_policy_text(POLICY_TEXT, source="workflow.yml")


def _previous_release_json(proposal: Proposal) -> str:
    """What the release before schema versions wrote: every field, no schema_version, the old fingerprint."""
    data = json.loads(proposal.model_dump_json(exclude={"schema_version"}))
    data["fingerprint"] = legacy_fingerprint(proposal.actions)
    return json.dumps(data)


def _next_release_json(proposal: Proposal) -> str:
    """What a release after this one may write: a newer version, a field this release does not know at the top and
    in an action at its default (so its fingerprint does not move), and in an approval."""
    data = json.loads(proposal.model_dump_json())
    data["schema_version"] = SCHEMA_VERSION + 1
    data["sla_breach_at"] = "2026-12-01T10:00:00+00:00"
    data["actions"][0]["components"] = []
    for approval in data["approvals"]:
        approval["device"] = "mobile"
    return json.dumps(data)


def test_this_release_writes_what_the_release_before_it_reads(policy: Any) -> None:
    proposal = workflow.submit(drafted(policy), now=NOW).proposal
    written = json.loads(stored_json(proposal))
    assert "schema_version" not in written, "version 1 is written as the releases before versions wrote it"
    # The release before read with every model forbidding unknown fields: no field may be new to it.
    assert Proposal.model_validate(written) == proposal


def test_a_record_the_release_before_wrote_is_read_and_keeps_its_fingerprint(policy: Any) -> None:
    proposal = workflow.submit(drafted(policy), now=NOW).proposal
    old = read_stored(Proposal, _previous_release_json(proposal))
    assert old.schema_version == 1
    assert old.fingerprint == legacy_fingerprint(proposal.actions)
    # An approval bound to the fingerprint on its card still counts.
    approved = workflow.approve(old, LEAD1, policy, now=NOW, fingerprint=old.fingerprint).proposal
    assert approved.state.value == "approved"


def test_a_record_the_next_release_writes_is_read_without_its_new_fields(policy: Any) -> None:
    proposal = workflow.submit(drafted(policy), now=NOW).proposal
    proposal = workflow.approve(proposal, LEAD1, policy, now=NOW, fingerprint=proposal.fingerprint).proposal
    newer = read_stored(Proposal, _next_release_json(proposal))
    assert newer.schema_version == SCHEMA_VERSION + 1
    assert newer.actions == proposal.actions and newer.approvals == proposal.approvals
    assert newer.fingerprint == proposal.fingerprint


def test_an_action_using_a_field_this_release_does_not_know_is_refused_not_run(policy: Any) -> None:
    proposal = workflow.submit(drafted(policy), now=NOW).proposal
    data = json.loads(_next_release_json(proposal))
    action = proposal.actions[0]
    fields = {**action.model_dump(mode="json", exclude_defaults=True), "kind": action.kind, "components": ["checkout"]}
    data["actions"][0]["components"] = ["checkout"]
    # The next release's fingerprint covers the field; without it, what ran would not be what was approved.
    canonical = json.dumps(
        [{"system": action.system, "operation": action.operation, "fields": fields}],
        sort_keys=True,
        separators=(",", ":"),
    )
    data["fingerprint"] = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    with pytest.raises(ValidationError, match="does not match its actions"):
        read_stored(Proposal, json.dumps(data))


def test_unknown_fields_are_still_refused_outside_storage() -> None:
    with pytest.raises(ValidationError):
        JiraCreateIssue(project="PAY", issue_type="Bug", summary="x", components=["y"])  # type: ignore[call-arg]


def test_adding_a_defaulted_field_leaves_existing_fingerprints_alone() -> None:
    plain = issue()
    with_default = json.loads(plain.model_dump_json())
    with_default["labels"] = []  # a field at its default, present or not, is the same action
    assert JiraCreateIssue.model_validate(with_default) == plain


def test_the_store_reads_both_neighbours(redis_db: redis.Redis, policy: Any) -> None:
    store = ProposalStore(redis_db, clock=lambda: NOW)
    proposal = workflow.submit(drafted(policy), now=NOW).proposal
    redis_db.set(keys.proposal(proposal.id), _previous_release_json(proposal))
    assert store.get(proposal.id).fingerprint == legacy_fingerprint(proposal.actions)
    redis_db.set(keys.proposal(proposal.id), _next_release_json(proposal))
    read = store.get(proposal.id)
    assert read.schema_version == SCHEMA_VERSION + 1 and read.actions == proposal.actions


def test_an_edit_that_changes_nothing_on_a_record_of_the_release_before_is_still_nothing(policy: Any) -> None:
    proposal = workflow.submit(drafted(policy), now=NOW).proposal
    old = read_stored(Proposal, _previous_release_json(proposal))
    with pytest.raises(workflow.Refused, match="Nothing changed"):
        workflow.edit(old, LEAD1, policy, actions=old.actions, decision=old.policy, now=NOW)
