"""The offline parser on Salesforce task, call and contact shapes found in issue 10's fifth round: whose task it is
said before the word task ("give kara a to-do", "the Initech account owner"), the record said before the ask, a
reminder task on a known account, someone's obligation made a task in the next sentence or "for <day>", a call's
topic and notes as sentences of their own, a call said loosely to have been "the other day" (asked about), a call
named as a thing to log, "him" / "her" after a contact named earlier, a contact's new role, and a new contact's
details after a dash or with no name yet. Each test reads with the sandbox's vocabulary on Tuesday 2026-12-08."""

from __future__ import annotations

import datetime as dt

import pytest

from approvals.core.intents import (
    ACCOUNT_OWNER,
    SalesforceCreateContactRequest,
    SalesforceCreateTaskRequest,
    SalesforceLogCallRequest,
    SalesforceUpdateContactRequest,
)
from tests.understanding.test_parser_vague_and_stated import read, requests_of

# read() reads on a Tuesday, 2026-12-08

# ---------------------------------------------------------------------------------------------------------------
# Tasks: whose task it is, said before the word "task"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "assign kara a to-do: review the Globex pricing sheet, due thursday",
            SalesforceCreateTaskRequest(
                owner="kara", subject="Review the Globex pricing sheet", due_date=dt.date(2026, 12, 10)
            ),
        ),
        (
            "set the Initech account owner a task to confirm the PO number by friday",
            SalesforceCreateTaskRequest(
                owner=ACCOUNT_OWNER, account="Initech", subject="Confirm the PO number", due_date=dt.date(2026, 12, 11)
            ),
        ),
        (
            "give sam torres a follow-up task: book the QBR with umbrella",
            SalesforceCreateTaskRequest(owner="sam torres", subject="Book the QBR with umbrella"),
        ),
        (
            "could frank get a task to approve the acme discount by the 15th?",
            SalesforceCreateTaskRequest(
                owner="frank", subject="Approve the acme discount", due_date=dt.date(2026, 12, 15)
            ),
        ),
        (
            "drop a reminder on my list - renew the Hooli NDA by 12/18",
            SalesforceCreateTaskRequest(owner="me", subject="Renew the Hooli NDA", due_date=dt.date(2026, 12, 18)),
        ),
        (
            "a to-do for ivy: send Globex the case study",
            SalesforceCreateTaskRequest(owner="ivy", subject="Send Globex the case study"),
        ),
    ],
)
def test_whose_task_it_is_said_before_the_task(text: str, expected: SalesforceCreateTaskRequest) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize("text", ["give erin a call tomorrow", "give juan a heads-up about OPS-2"])
def test_giving_someone_something_else_is_no_task(text: str) -> None:
    assert "salesforce.create_task" not in [r.kind for r in read(text).requests]


# ---------------------------------------------------------------------------------------------------------------
# Tasks: the record (or the person) said before the ask, or after "regarding" / "on" a known account


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "for the acme support renewal: give erin a task to confirm the seat count",
            SalesforceCreateTaskRequest(
                owner="erin", account="acme", opportunity="support renewal", subject="Confirm the seat count"
            ),
        ),
        ("for ivy, make a task to ping hank", SalesforceCreateTaskRequest(owner="ivy", subject="Ping hank")),
        (
            # nothing said about what the task is: the subject is left for grounding to ask
            "could you create a task for frank regarding the globex new business, please?",
            SalesforceCreateTaskRequest(owner="frank", account="globex", opportunity="new business"),
        ),
        (
            "add a reminder task for kara on acme, due the 20th",
            SalesforceCreateTaskRequest(owner="kara", account="acme", due_date=dt.date(2026, 12, 20)),
        ),
    ],
)
def test_the_record_a_task_is_on(text: str, expected: SalesforceCreateTaskRequest) -> None:
    assert requests_of(text) == (expected,)


def test_an_issue_said_before_a_task_is_no_salesforce_record() -> None:
    (request,) = read("on PAY-12, give erin a task to call wile").requests
    assert isinstance(request, SalesforceCreateTaskRequest)
    assert request.account is None and request.opportunity is None


# ---------------------------------------------------------------------------------------------------------------
# Tasks: someone's obligation, made a task "for <day>" or in the next sentence; "someone" is no owner


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "kara should review the hooli redlines - make it a task for thursday",
            SalesforceCreateTaskRequest(
                owner="kara", subject="Review the hooli redlines", due_date=dt.date(2026, 12, 10)
            ),
        ),
        (
            # a choice of people is no owner: grounding asks who
            "someone has to send Initech the W-9 by the 18th, erin or ivy? make that a to-do",
            SalesforceCreateTaskRequest(subject="Send Initech the W-9", due_date=dt.date(2026, 12, 18)),
        ),
        (
            "frank needs to sign off the umbrella discount. could you make that a task?",
            SalesforceCreateTaskRequest(owner="frank", subject="Sign off the umbrella discount"),
        ),
        (
            # "or" inside what is to be done, with no dash or comma before it, is part of the subject
            "somebody should call bob or alice. make that a task",
            SalesforceCreateTaskRequest(subject="Call bob or alice"),
        ),
    ],
)
def test_an_obligation_made_a_task(text: str, expected: SalesforceCreateTaskRequest) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize("text", ["someone needs to send the deck", "make that a task"])
def test_an_obligation_with_no_ask_or_an_ask_with_nothing_before_is_no_task(text: str) -> None:
    assert "salesforce.create_task" not in [r.kind for r in read(text).requests]


# ---------------------------------------------------------------------------------------------------------------
# Calls


def test_a_calls_topic_and_notes_as_sentences_of_their_own() -> None:
    assert requests_of(
        "log a call with hank scorpio on monday. subject: pen test scope. notes: he wants the report by friday"
    ) == (
        SalesforceLogCallRequest(
            contact="hank scorpio",
            call_date=dt.date(2026, 12, 7),
            subject="Pen test scope",
            description="he wants the report by friday",
        ),
    )


@pytest.mark.parametrize(
    ("text", "expected", "vague"),
    [
        (
            "log my call with peter gibbons from the other day about SSO",
            SalesforceLogCallRequest(contact="peter gibbons", subject="SSO"),
            "the other day",
        ),
        (
            "had a call with wile a couple of days ago, pls log it",
            SalesforceLogCallRequest(contact="wile"),
            "a couple of days ago",
        ),
        (
            "I talked to alice wong at umbrella health at some point this week, can you log it?",
            SalesforceLogCallRequest(contact="alice wong", account="umbrella health"),
            "at some point this week",
        ),
    ],
)
def test_a_call_said_loosely_to_have_been_is_read_and_its_date_asked(
    text: str, expected: SalesforceLogCallRequest, vague: str
) -> None:
    understanding = read(text)
    assert understanding.requests == (expected,)
    assert understanding.question is not None
    assert "call date" in understanding.question and vague in understanding.question


def test_a_call_on_a_day_is_not_asked_about() -> None:
    assert requests_of("log my call with wile from monday") == (
        SalesforceLogCallRequest(contact="wile", call_date=dt.date(2026, 12, 7)),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "yesterday's call with alice wong still needs to be logged, it was about the renewal timeline",
            SalesforceLogCallRequest(contact="alice wong", call_date=dt.date(2026, 12, 7), subject="Renewal timeline"),
        ),
        (
            "the discovery call on the globex new business needs logging",
            SalesforceLogCallRequest(account="globex", opportunity="new business"),
        ),
        (
            "the call with peter gibbons on monday needs to be logged, he wants a demo",
            SalesforceLogCallRequest(
                contact="peter gibbons", call_date=dt.date(2026, 12, 7), description="he wants a demo"
            ),
        ),
    ],
)
def test_a_call_named_as_a_thing_to_log(text: str, expected: SalesforceLogCallRequest) -> None:
    assert requests_of(text) == (expected,)


def test_a_call_that_is_still_to_happen_is_not_logged() -> None:
    assert "salesforce.log_call" not in [r.kind for r in read("the call needs to happen tomorrow").requests]


def test_her_after_a_contact_named_earlier_is_that_contact_at_that_account() -> None:
    understanding = read("ana silva at initech asked about PAY-8 again. log my call with her from yesterday")
    assert SalesforceLogCallRequest(contact="ana silva", account="initech", call_date=dt.date(2026, 12, 7)) in (
        understanding.requests
    )


def test_a_possessive_account_before_the_contact_is_its_account() -> None:
    understanding = read("globex's hank wants a discount. log my call w/ him from monday")
    assert SalesforceLogCallRequest(contact="hank", account="globex", call_date=dt.date(2026, 12, 7)) in (
        understanding.requests
    )


def test_him_after_two_contacts_names_neither() -> None:
    understanding = read("wile and hank both complained. log a call with him")
    assert all(getattr(r, "contact", None) is None for r in understanding.requests)


# ---------------------------------------------------------------------------------------------------------------
# Contacts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Hank Scorpio got promoted to Chairman, update his title",
            SalesforceUpdateContactRequest(contact="Hank Scorpio", title="Chairman"),
        ),
        (
            # a new role with no title said: the title is left for grounding to ask
            "Peter Gibbons stepped into a new role at Initech, please update his title",
            SalesforceUpdateContactRequest(contact="Peter Gibbons", account="Initech"),
        ),
        (
            "our champion Ana at Initech has a new email: ana.s@initech.example",
            SalesforceUpdateContactRequest(contact="Ana", account="Initech", email="ana.s@initech.example"),
        ),
    ],
)
def test_a_contacts_new_role_or_details(text: str, expected: SalesforceUpdateContactRequest) -> None:
    assert requests_of(text) == (expected,)


def test_update_her_title_after_the_title_was_said_is_the_same_update() -> None:
    assert requests_of("Alice Wong got promoted to Chief Financial Officer! pls update her title") == (
        SalesforceUpdateContactRequest(contact="Alice Wong", title="Chief Financial Officer"),
    )


def test_update_her_title_with_no_contact_before_is_asked_about() -> None:
    understanding = read("update her title")
    assert understanding.requests == () and understanding.question is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "add Bill Lumbergh at Initech as a contact - VP Operations, 555-0199",
            SalesforceCreateContactRequest(
                first_name="Bill", last_name="Lumbergh", account="Initech", title="VP Operations", phone="555-0199"
            ),
        ),
        (
            "add Ada Byron at Hooli as a contact: head of data, ada@hooli.example",
            SalesforceCreateContactRequest(
                first_name="Ada", last_name="Byron", account="Hooli", title="head of data", email="ada@hooli.example"
            ),
        ),
        (
            # someone described, not named: the name is left for grounding to ask
            "please add Hank's replacement at Globex as a contact; her email is new.ceo@globex.example",
            SalesforceCreateContactRequest(account="Globex", email="new.ceo@globex.example"),
        ),
    ],
)
def test_a_new_contacts_details_after_the_ask(text: str, expected: SalesforceCreateContactRequest) -> None:
    assert requests_of(text) == (expected,)


def test_someone_described_at_no_account_is_not_a_new_contact() -> None:
    assert "salesforce.create_contact" not in [r.kind for r in read("add Wile's colleague as a contact").requests]
