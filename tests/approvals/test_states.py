"""The proposal state machine: the transition table is the only source of states, and everything else is refused."""

from __future__ import annotations

import itertools

import pytest

from approvals.core.states import (
    DECIDED_STATES,
    TERMINAL_STATES,
    TRANSITIONS,
    Event,
    IllegalTransition,
    ProposalState,
    allowed_events,
    next_state,
)

S = ProposalState
E = Event

# Written out by hand from the diagram in approvals/core/states.py, so a change to the table has to change this too.
EXPECTED_TRANSITIONS = {
    (S.DRAFTED, E.SUBMIT): S.AWAITING_APPROVAL,
    (S.DRAFTED, E.AUTO_APPROVE): S.APPROVED,
    (S.DRAFTED, E.DENY): S.DENIED,
    (S.DRAFTED, E.CANCEL): S.CANCELLED,
    (S.DRAFTED, E.ASK): S.NEEDS_INFO,
    (S.DRAFTED, E.SHADOW): S.SHADOWED,
    (S.NEEDS_INFO, E.ASK): S.NEEDS_INFO,
    (S.NEEDS_INFO, E.SUBMIT): S.AWAITING_APPROVAL,
    (S.NEEDS_INFO, E.AUTO_APPROVE): S.APPROVED,
    (S.NEEDS_INFO, E.DENY): S.DENIED,
    (S.NEEDS_INFO, E.CANCEL): S.CANCELLED,
    (S.NEEDS_INFO, E.EXPIRE): S.EXPIRED,
    (S.NEEDS_INFO, E.SHADOW): S.SHADOWED,
    (S.AWAITING_APPROVAL, E.APPROVE_PARTIAL): S.AWAITING_APPROVAL,
    (S.AWAITING_APPROVAL, E.EDIT): S.AWAITING_APPROVAL,
    (S.AWAITING_APPROVAL, E.ESCALATE): S.AWAITING_APPROVAL,
    (S.AWAITING_APPROVAL, E.REEVALUATE): S.AWAITING_APPROVAL,
    (S.AWAITING_APPROVAL, E.DENY): S.DENIED,
    (S.AWAITING_APPROVAL, E.APPROVE): S.APPROVED,
    (S.AWAITING_APPROVAL, E.REJECT): S.REJECTED,
    (S.AWAITING_APPROVAL, E.CANCEL): S.CANCELLED,
    (S.AWAITING_APPROVAL, E.EXPIRE): S.EXPIRED,
    (S.APPROVED, E.START): S.EXECUTING,
    (S.APPROVED, E.CANCEL): S.CANCELLED,
    (S.EXECUTING, E.START): S.EXECUTING,
    (S.EXECUTING, E.SUCCEED): S.SUCCEEDED,
    (S.EXECUTING, E.FAIL): S.FAILED,
    (S.EXECUTING, E.CONFLICT): S.AWAITING_APPROVAL,
    (S.FAILED, E.RETRY): S.APPROVED,
}

FORBIDDEN = [pair for pair in itertools.product(ProposalState, Event) if pair not in EXPECTED_TRANSITIONS]


def test_table_is_exactly_the_documented_diagram() -> None:
    assert TRANSITIONS == EXPECTED_TRANSITIONS


@pytest.mark.parametrize(("state", "event", "target"), [(s, e, t) for (s, e), t in EXPECTED_TRANSITIONS.items()])
def test_allowed_transition_leads_to_its_target(state: ProposalState, event: Event, target: ProposalState) -> None:
    assert next_state(state, event, proposal_id="ft-abc") is target


def test_forbidden_pairs_are_the_rest_of_the_cross_product() -> None:
    assert len(FORBIDDEN) == len(ProposalState) * len(Event) - len(EXPECTED_TRANSITIONS)


@pytest.mark.parametrize(("state", "event"), FORBIDDEN)
def test_forbidden_transition_raises_naming_state_event_and_proposal(state: ProposalState, event: Event) -> None:
    with pytest.raises(IllegalTransition) as excinfo:
        next_state(state, event, proposal_id="ft-7kq2mx9c")
    error = excinfo.value
    assert (error.state, error.event, error.proposal_id) == (state, event, "ft-7kq2mx9c")
    message = str(error)
    assert event.value in message
    assert repr(state.value) in message
    assert "'ft-7kq2mx9c'" in message


def test_illegal_transition_without_proposal_id_says_a_proposal() -> None:
    with pytest.raises(IllegalTransition, match=r"^cannot approve a proposal in state 'succeeded'$"):
        next_state(S.SUCCEEDED, E.APPROVE)


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES))
def test_terminal_state_has_no_outgoing_event(state: ProposalState) -> None:
    assert allowed_events(state) == frozenset()
    for event in Event:
        with pytest.raises(IllegalTransition):
            next_state(state, event)


def test_terminal_states_are_the_ends_of_the_diagram() -> None:
    assert {S.SUCCEEDED, S.REJECTED, S.DENIED, S.CANCELLED, S.EXPIRED, S.SHADOWED} == TERMINAL_STATES


def test_failed_is_not_terminal_because_an_admin_may_retry() -> None:
    assert S.FAILED not in TERMINAL_STATES
    assert allowed_events(S.FAILED) == {E.RETRY}


def test_every_non_terminal_state_has_a_way_out() -> None:
    for state in set(ProposalState) - TERMINAL_STATES:
        assert allowed_events(state), state


def test_every_state_is_reachable_from_drafted() -> None:
    reached = {S.DRAFTED}
    frontier = [S.DRAFTED]
    while frontier:
        state = frontier.pop()
        for event in allowed_events(state):
            target = next_state(state, event)
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(ProposalState)


@pytest.mark.parametrize(
    ("state", "events"),
    [
        (S.DRAFTED, {E.SUBMIT, E.AUTO_APPROVE, E.DENY, E.CANCEL, E.ASK, E.SHADOW}),
        (S.NEEDS_INFO, {E.ASK, E.SUBMIT, E.AUTO_APPROVE, E.DENY, E.CANCEL, E.EXPIRE, E.SHADOW}),
        (
            S.AWAITING_APPROVAL,
            {E.APPROVE_PARTIAL, E.APPROVE, E.REJECT, E.CANCEL, E.EXPIRE, E.EDIT, E.ESCALATE, E.REEVALUATE, E.DENY},
        ),
        (S.APPROVED, {E.START, E.CANCEL}),
        (S.EXECUTING, {E.START, E.SUCCEED, E.FAIL, E.CONFLICT}),
        (S.FAILED, {E.RETRY}),
        (S.SUCCEEDED, set()),
        (S.REJECTED, set()),
        (S.DENIED, set()),
        (S.CANCELLED, set()),
        (S.EXPIRED, set()),
        (S.SHADOWED, set()),
    ],
)
def test_allowed_events_lists_the_events_the_table_allows_from_a_state(
    state: ProposalState, events: set[Event]
) -> None:
    assert allowed_events(state) == events


def test_decided_states_are_all_but_drafted_needs_info_and_awaiting_approval() -> None:
    assert set(ProposalState) - {S.DRAFTED, S.NEEDS_INFO, S.AWAITING_APPROVAL} == DECIDED_STATES


def test_states_and_events_serialise_as_their_plain_values() -> None:
    assert S.AWAITING_APPROVAL == "awaiting_approval"
    assert E.AUTO_APPROVE == "auto_approve"
    assert ProposalState("expired") is S.EXPIRED
