"""A change asked for by the field it names, with no value: the record and the field found by the vocabulary, the
field left empty for grounding to ask about, and nothing read when the sentence is not that clear."""

from __future__ import annotations

import pytest

from approvals.core.intents import (
    ActionRequest,
    JiraAssignRequest,
    JiraLinkIssuesRequest,
    JiraTransitionRequest,
    JiraUpdateFieldsRequest,
    SalesforceUpdateContactRequest,
    SalesforceUpdateOpportunityRequest,
)
from sandbox.vocabulary import seed_vocabulary
from understanding.lexicon import lexicon_for
from understanding.named_fields import read_named_field, read_named_issue_fields, read_terse_change

LEXICON = lexicon_for(seed_vocabulary(), projects=("PAY", "OPS"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("change PAY-5's priority please", JiraUpdateFieldsRequest(issue="PAY-5")),
        ("knock PAY-9's priority down", JiraUpdateFieldsRequest(issue="PAY-9")),
        ("set a due date on PAY-12 sometime next month", JiraUpdateFieldsRequest(issue="PAY-12")),
        ("PAY-5's summary is wrong, can you change it", JiraUpdateFieldsRequest(issue="PAY-5")),
        ("PAY-8 needs an owner, can you assign it", JiraAssignRequest(issue="PAY-8")),
        ("PAY-7 should go to whoever isn't on leave", JiraAssignRequest(issue="PAY-7")),
        ("PAY-10 isn't really in progress anymore, can you fix the status", JiraTransitionRequest(issue="PAY-10")),
        ("PAY-6 and PAY-2 should be linked", JiraLinkIssuesRequest(issue="PAY-6", other="PAY-2")),
        (
            "advance acme platform renewal a stage",
            SalesforceUpdateOpportunityRequest(account="acme", opportunity="platform renewal"),
        ),
        ("move the globex deal back a stage", SalesforceUpdateOpportunityRequest(account="globex")),
        (
            "push out the acme support renewal close date",
            SalesforceUpdateOpportunityRequest(account="acme", opportunity="support renewal"),
        ),
        ("update ana silva's title", SalesforceUpdateContactRequest(contact="ana silva")),
        ("PAY-9 due date is wrong", JiraUpdateFieldsRequest(issue="PAY-9")),
        ("reprioritize PAY-8", JiraUpdateFieldsRequest(issue="PAY-8")),
        (
            "mark the acme support renewal as closed",
            SalesforceUpdateOpportunityRequest(account="acme", opportunity="support renewal"),
        ),
    ],
)
def test_a_record_and_the_one_field_it_names_make_a_request_with_that_field_empty(
    text: str, expected: ActionRequest
) -> None:
    assert read_named_field(text, LEXICON) == expected


@pytest.mark.parametrize(
    "text",
    [
        "PAY-12's priority is odd",  # a statement asks for nothing
        "change the priority please",  # no record
        "change PAY-5 and PAY-9's priority",  # two records
        "PAY-5 needs a new owner and a higher priority",  # two kinds of change
        "update the labels on PAY-4",  # labels are a whole list: the frames ask about them
        "bump the acme and globex deals a stage",  # two opportunities
        "update ana silva's title and phone",  # two fields of a contact
    ],
)
def test_nothing_is_read_when_the_record_or_the_field_is_not_one(text: str) -> None:
    assert read_named_field(text, LEXICON) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("OPS-3 -> p2", JiraUpdateFieldsRequest(issue="OPS-3", priority="Medium")),
        ("make PAY-5 a p0", JiraUpdateFieldsRequest(issue="PAY-5", priority="Highest")),
        ("PAY-9 prio should be low", JiraUpdateFieldsRequest(issue="PAY-9", priority="Low")),
        ("PAY-9 in progress please", JiraTransitionRequest(issue="PAY-9", status="In Progress")),
        ("PAY-4 - done", JiraTransitionRequest(issue="PAY-4", status="Done")),
        ("juan can you take OPS-3", JiraAssignRequest(issue="OPS-3", assignee="juan")),
        ("PAY-6 should be bob's", JiraAssignRequest(issue="PAY-6", assignee="bob")),
        ("give bob PAY-5", JiraAssignRequest(issue="PAY-5", assignee="bob")),
        ("PAY-5 is mine", JiraAssignRequest(issue="PAY-5", assignee="me")),
    ],
)
def test_an_issue_and_one_value_with_only_glue_around_them_is_that_change(text: str, expected: ActionRequest) -> None:
    assert read_terse_change(text, LEXICON) == expected


@pytest.mark.parametrize(
    "text",
    [
        "PAY-12 is a nasty one huh",  # no value
        "PAY-4 is not done",  # negated
        "PAY-4 done and PAY-5 high",  # two issues
        "take bob off PAY-9",  # "off" is not glue: it unassigns
        "PAY-7 high time we shipped this",  # words that are neither glue nor the value
        "PAY-8 bob done",  # two values
    ],
)
def test_a_sentence_with_more_than_an_issue_and_one_value_is_not_read_tersely(text: str) -> None:
    assert read_terse_change(text, LEXICON) is None


@pytest.mark.parametrize("phrase", ["hooli analytics back", "umbrella renewal 90000", "update globex new business"])
def test_words_around_a_deals_name_are_no_part_of_it(phrase: str) -> None:
    assert LEXICON.record(phrase) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "PAY-5 needs an owner and a due date",
            (JiraAssignRequest(issue="PAY-5"), JiraUpdateFieldsRequest(issue="PAY-5")),
        ),
        (
            "OPS-2's status and priority are wrong, can you fix",
            (JiraTransitionRequest(issue="OPS-2"), JiraUpdateFieldsRequest(issue="OPS-2")),
        ),
    ],
)
def test_several_kinds_of_change_on_one_issue_are_one_request_each_with_the_fields_empty(
    text: str, expected: tuple[ActionRequest, ...]
) -> None:
    assert read_named_issue_fields(text, LEXICON) == expected


@pytest.mark.parametrize(
    "text",
    [
        "PAY-5 needs a new priority",  # one kind: read_named_field's
        "PAY-5 and PAY-9 need owners and due dates",  # two issues
        "link PAY-5 to PAY-9 and fix the priority",  # links are the frames'
        "PAY-5's owner and priority are odd",  # no ask
    ],
)
def test_several_kinds_are_read_only_for_one_issue_and_an_ask(text: str) -> None:
    assert read_named_issue_fields(text, LEXICON) == ()
