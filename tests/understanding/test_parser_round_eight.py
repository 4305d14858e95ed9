"""The offline parser on request shapes found in issue 10's eighth round (bench/understanding_blind8 and what the
fifth holdout's run left noted). The sentences are this file's own; each reads on Tuesday 2026-12-08."""

from __future__ import annotations

from decimal import Decimal

import pytest

from approvals.core.intents import (
    JiraCommentRequest,
    JiraTransitionRequest,
    JiraUpdateFieldsRequest,
    SalesforceUpdateContactRequest,
    SalesforceUpdateOpportunityRequest,
)
from tests.understanding.test_parser_vague_and_stated import read, requests_of

# ---------------------------------------------------------------------------------------------------------------
# A value that holds "now" is not waiting for what came before it


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "the initech expansion is 64k now after the seat true-up",
            SalesforceUpdateOpportunityRequest(account="initech", opportunity="expansion", amount=Decimal("64000")),
        ),
        (
            "OPS-3 is critical now since the outage this morning",
            JiraUpdateFieldsRequest(issue="OPS-3", priority="Highest"),
        ),
        ("OPS-4 is done now, after the rollback", JiraTransitionRequest(issue="OPS-4", status="Done")),
    ],
)
def test_after_or_since_a_value_said_to_hold_now_is_why(text: str, expected: object) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize("text", ["set OPS-4 to done after the rollback", "OPS-4 is done after the rollback"])
def test_after_with_no_now_is_still_a_condition_and_asked_about(text: str) -> None:
    understanding = read(text)
    assert understanding.question is not None and "after the rollback" in understanding.question


# ---------------------------------------------------------------------------------------------------------------
# A quoted comment after a request about an issue


def test_a_quoted_comment_after_a_request_is_on_the_same_issue() -> None:
    assert requests_of("close OPS-4 and comment 'rolled back on every node'") == (
        JiraTransitionRequest(issue="OPS-4", status="Done"),
        JiraCommentRequest(issue="OPS-4", body="rolled back on every node"),
    )


def test_a_quoted_comment_naming_another_issue_goes_there() -> None:
    assert requests_of("close OPS-4 and comment 'dup' on PAY-3") == (
        JiraTransitionRequest(issue="OPS-4", status="Done"),
        JiraCommentRequest(issue="PAY-3", body="dup"),
    )


def test_a_quoted_comment_with_no_issue_anywhere_is_asked_about() -> None:
    understanding = read("comment 'rolled back'")
    assert understanding.requests == () and understanding.question is not None


# ---------------------------------------------------------------------------------------------------------------
# A title said as the name of a role


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("peter gibbons moved into a Staff Engineer role, update his title", "Staff Engineer"),
        ("ana silva stepped into the CFO role, pls update", "CFO"),
        ("peter gibbons has taken on the VP Engineering position", "VP Engineering"),
    ],
)
def test_a_title_said_as_a_roles_name_is_the_title(text: str, title: str) -> None:
    (request,) = requests_of(text)
    assert isinstance(request, SalesforceUpdateContactRequest)
    assert (request.contact.lower(), request.title) in {("peter gibbons", title), ("ana silva", title)}


def test_a_role_with_no_title_word_in_it_leaves_the_title_to_be_asked() -> None:
    (request,) = requests_of("peter gibbons moved into a management role, update his title")
    assert isinstance(request, SalesforceUpdateContactRequest) and request.title is None
