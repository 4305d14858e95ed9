"""The offline parser on Salesforce task, call and contact shapes found in issue 10's sixth round: a call asked for
with the words in another order ("log please one call"), what a call was about or when it was said as a statement
(in a clause or a sentence of its own), someone not named "from the <account> <team>", what the writer does not
know; a task "under" an account, "one task", ", to <do>", "until <date>" for the due date, "somebody of <team>"
made a task; a contact's account in brackets, "so his title should now read ...", a title with "and", news of a new
phone or email then the ask to update it, "for <contact> the email changes to ...", and a new contact's details in
the sentence after the ask. Each test reads with the sandbox's vocabulary on Tuesday 2026-12-08."""

from __future__ import annotations

import datetime as dt

import pytest

from approvals.core.intents import (
    OPPORTUNITY_OWNER,
    SalesforceCreateContactRequest,
    SalesforceCreateTaskRequest,
    SalesforceLogCallRequest,
    SalesforceUpdateContactRequest,
    SalesforceUpdateOpportunityRequest,
)
from tests.understanding.test_parser_vague_and_stated import read, requests_of

# read() reads on a Tuesday, 2026-12-08

# ---------------------------------------------------------------------------------------------------------------
# Calls: the ask, what it was about, when it was


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Log please one call with Hank Scorpio at Globex, about the pen test report.",
            SalesforceLogCallRequest(contact="Hank Scorpio", account="Globex", subject="Pen test report"),
        ),
        (
            # what it was about, in a clause; someone from a team at an account: the account, nobody named
            "Please record this afternoon's call with somebody from the Hooli procurement team, we talked about "
            "payment terms. I don't know his name.",
            SalesforceLogCallRequest(account="Hooli", subject="Payment terms", call_date=dt.date(2026, 12, 8)),
        ),
        (
            # a call someone had, "the topic was ...", then the ask in a sentence of its own
            "I had a call with Alice Wong of Umbrella Health on friday, the topic was the SLA credits. Please enter "
            "it in Salesforce.",
            SalesforceLogCallRequest(
                contact="Alice Wong", account="Umbrella Health", subject="SLA credits", call_date=dt.date(2026, 12, 4)
            ),
        ),
        (
            "Could you log monday's call with Wile Coyote at Acme? It was about seat counts. Notes: they will add "
            "ten seats in January.",
            SalesforceLogCallRequest(
                contact="Wile Coyote",
                account="Acme",
                subject="Seat counts",
                call_date=dt.date(2026, 12, 7),
                description="they will add ten seats in January.",
            ),
        ),
        (
            "log a call with Ana Silva at Initech. It was yesterday.",
            SalesforceLogCallRequest(contact="Ana Silva", account="Initech", call_date=dt.date(2026, 12, 7)),
        ),
    ],
)
def test_a_call_and_what_is_said_of_it(text: str, expected: SalesforceLogCallRequest) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize(
    ("text", "notes"),
    [
        (
            "log a call with Ana Silva at Initech. It was great, she loved the demo.",
            "It was great, she loved the demo.",
        ),
        (
            "log a call with Ana Silva at Initech, it was fine, she wants a discount",
            "it was fine, she wants a discount",
        ),
        (
            "log a call with Ana Silva at Initech. The call was about how their legal team keeps asking for more "
            "redlines on the MSA before signing.",
            "The call was about how their legal team keeps asking for more redlines on the MSA before signing.",
        ),
    ],
)
def test_how_a_call_went_or_a_whole_account_of_it_is_its_notes_not_its_subject(text: str, notes: str) -> None:
    assert requests_of(text) == (SalesforceLogCallRequest(contact="Ana Silva", account="Initech", description=notes),)


def test_a_call_said_in_a_sentence_to_have_been_some_day_is_asked_about() -> None:
    understanding = read(
        "Record please a call with Ana Silva at Initech about renewal timing. It was sometime in the past week, I "
        "can't recall which day."
    )
    assert understanding.requests == (
        SalesforceLogCallRequest(contact="Ana Silva", account="Initech", subject="Renewal timing"),
    )
    assert understanding.question is not None
    assert "call date" in understanding.question and "sometime in the past week" in understanding.question


def test_someone_from_a_team_at_no_known_account_names_no_account() -> None:
    assert requests_of("log a call with someone from the Foo finance team yesterday") == (
        SalesforceLogCallRequest(call_date=dt.date(2026, 12, 7)),
    )


def test_sorry_ending_a_sentence_is_an_apology_and_sorry_before_a_value_a_correction() -> None:
    assert requests_of("log a call with Peter Gibbons at Initech. Couldn't take notes, sorry!") == (
        SalesforceLogCallRequest(contact="Peter Gibbons", account="Initech", description="Couldn't take notes, sorry!"),
    )
    corrected = read("move PAY-12 to in progress, sorry, to done")
    assert corrected.requests == () and corrected.question is not None


# ---------------------------------------------------------------------------------------------------------------
# Tasks


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Could Ivy get a task under the Globex account: draft the pilot success criteria, due 12/18?",
            SalesforceCreateTaskRequest(
                owner="Ivy",
                account="Globex",
                subject="Draft the pilot success criteria",
                due_date=dt.date(2026, 12, 18),
            ),
        ),
        (
            # "please can you", and "until" for the day it is due
            "Please can you make a task on the Acme support renewal for Erin: confirm the seat count, until thursday.",
            SalesforceCreateTaskRequest(
                owner="Erin",
                account="Acme",
                opportunity="support renewal",
                subject="Confirm the seat count",
                due_date=dt.date(2026, 12, 10),
            ),
        ),
        (
            "Create one task for the opportunity owner of the Umbrella Health renewal, to send the SLA redlines, in a "
            "week.",
            SalesforceCreateTaskRequest(
                owner=OPPORTUNITY_OWNER,
                account="Umbrella Health",
                opportunity="renewal",
                subject="Send the SLA redlines",
                due_date=dt.date(2026, 12, 15),
            ),
        ),
        (
            "Create a task for Kara, to chase the Globex PO, until the 15th.",
            SalesforceCreateTaskRequest(owner="Kara", subject="Chase the Globex PO", due_date=dt.date(2026, 12, 15)),
        ),
        (
            # somebody of a team: nobody named, so grounding asks who
            "Somebody from finance must send Hooli the corrected invoice by friday. Can you make a task for it?",
            SalesforceCreateTaskRequest(subject="Send Hooli the corrected invoice", due_date=dt.date(2026, 12, 11)),
        ),
    ],
)
def test_a_task_said_another_way(text: str, expected: SalesforceCreateTaskRequest) -> None:
    assert requests_of(text) == (expected,)


def test_somebodys_obligation_with_no_ask_is_no_task() -> None:
    assert "salesforce.create_task" not in [
        r.kind for r in read("Somebody from finance must send Hooli the invoice").requests
    ]


# ---------------------------------------------------------------------------------------------------------------
# Contacts: news of a change, then (or with) the ask


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Quick update: Wile Coyote (Acme) got promoted, so his title should now read VP of Operations.",
            SalesforceUpdateContactRequest(contact="Wile Coyote", account="Acme", title="VP of Operations"),
        ),
        (
            "Hank Scorpio of Globex is now CEO and Founder, please update his title.",
            SalesforceUpdateContactRequest(contact="Hank Scorpio", account="Globex", title="CEO and Founder"),
        ),
        (
            "Hank Scorpio from Globex has new email: hank.s@globex.example. Please change it in his contact.",
            SalesforceUpdateContactRequest(contact="Hank Scorpio", account="Globex", email="hank.s@globex.example"),
        ),
        (
            "Peter Gibbons (Initech) has new phone number: +1 415 555 0123",
            SalesforceUpdateContactRequest(contact="Peter Gibbons", account="Initech", phone="+1 415 555 0123"),
        ),
        (
            # the new value not given yet: the contact, its field left for grounding to ask
            "Peter Gibbons at Initech has changed his email, can you update it? I will send the new one tomorrow.",
            SalesforceUpdateContactRequest(contact="Peter Gibbons", account="Initech"),
        ),
        (
            "Peter Gibbons was promoted, update his title to Engineering Manager",
            SalesforceUpdateContactRequest(contact="Peter Gibbons", title="Engineering Manager"),
        ),
        (
            # when it happened is not part of the title
            "Wile Coyote got promoted to VP Ops yesterday",
            SalesforceUpdateContactRequest(contact="Wile Coyote", title="VP Ops"),
        ),
        (
            "Ana Silva's title will be VP Procurement from January",
            SalesforceUpdateContactRequest(contact="Ana Silva", title="VP Procurement"),
        ),
    ],
)
def test_a_contacts_change_said_as_news(text: str, expected: SalesforceUpdateContactRequest) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize(
    "text",
    ["Wile Coyote got promoted yesterday", "Peter Gibbons has changed his email.", "Alice Wong changed her phone!"],
)
def test_news_of_a_contact_with_no_value_and_no_ask_changes_nothing(text: str) -> None:
    assert "salesforce.update_contact" not in [r.kind for r in read(text).requests]


def test_a_title_stops_at_and_before_a_clause_of_its_own() -> None:
    assert requests_of("Ana Silva is now Head of Procurement and she wants a call")[0] == (
        SalesforceUpdateContactRequest(contact="Ana Silva", title="Head of Procurement")
    )
    assert requests_of("Hank Scorpio of Globex is now CEO and please log a call with him") == (
        SalesforceUpdateContactRequest(contact="Hank Scorpio", account="Globex", title="CEO"),
        SalesforceLogCallRequest(contact="Hank Scorpio"),
    )


def test_a_contacts_change_after_a_deals_change_in_one_sentence() -> None:
    assert requests_of(
        "Two things for Acme: the support renewal amount is 35k now, and for Wile Coyote at Acme the phone changes "
        "to +1 602 555 0142."
    ) == (
        SalesforceUpdateOpportunityRequest(account="Acme", opportunity="support renewal", amount=35000),
        SalesforceUpdateContactRequest(contact="Wile Coyote", account="Acme", phone="+1 602 555 0142"),
    )


# ---------------------------------------------------------------------------------------------------------------
# New contacts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "We have a new champion at Hooli! Could you add him as a contact?\nGavin Belson, VP Platform, "
            "gavin.belson@hooli.example",
            SalesforceCreateContactRequest(
                first_name="Gavin",
                last_name="Belson",
                account="Hooli",
                title="VP Platform",
                email="gavin.belson@hooli.example",
            ),
        ),
        (
            "Could you add Hooli's new VP of Data as a contact? His first name is Jian, phone +1 650 555 0177 - I "
            "don't have his last name yet.",
            SalesforceCreateContactRequest(
                first_name="Jian", account="Hooli", title="VP of Data", phone="+1 650 555 0177"
            ),
        ),
        (
            "New contact please, for Globex: Marge Simpson, Head of Finance, marge@globex.example, phone +1 555 0100.",
            SalesforceCreateContactRequest(
                first_name="Marge",
                last_name="Simpson",
                account="Globex",
                title="Head of Finance",
                email="marge@globex.example",
                phone="+1 555 0100",
            ),
        ),
    ],
)
def test_a_new_contact_with_its_details_after_the_ask(text: str, expected: SalesforceCreateContactRequest) -> None:
    assert requests_of(text) == (expected,)


def test_a_known_contact_named_after_a_new_contact_is_not_its_details() -> None:
    assert requests_of("add acme's new CTO as a contact. Peter Gibbons, can you log a call with him?") == (
        SalesforceCreateContactRequest(account="acme", title="CTO"),
        SalesforceLogCallRequest(contact="Peter Gibbons"),
    )
