"""The offline parser on the Salesforce request shapes found in issue 10's ninth round (bench/understanding_blind9: a
sales manager running pipeline review in lists, an executive assistant writing full sentences on someone else's
behalf, a support agent and a data analyst asking for the odd task or contact change). The sentences are this file's
own; each reads on Tuesday 2026-12-08 with the sandbox's vocabulary."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from approvals.core.intents import (
    ActionRequest,
    SalesforceCreateContactRequest,
    SalesforceCreateTaskRequest,
    SalesforceLogCallRequest,
    SalesforceUpdateContactRequest,
    SalesforceUpdateOpportunityRequest,
)
from tests.understanding.test_parser_vague_and_stated import read, requests_of
from understanding.text import corrected

TUESDAY = dt.date(2026, 12, 8)
MONDAY = dt.date(2026, 12, 7)
WEDNESDAY = dt.date(2026, 12, 9)
THURSDAY = dt.date(2026, 12, 10)
FRIDAY = dt.date(2026, 12, 11)

# ---------------------------------------------------------------------------------------------------------------
# A day corrected in the same breath, and why a task is due when it is


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("due thursday - sorry, friday", "due friday"),
        ("due wednesday \u2014 actually make it thursday", "due thursday"),
        ("on Monday \u2014 my apologies, Tuesday, the office is shut", "on Tuesday, the office is shut"),
        ("today and friday, sorry, monday", "today and friday, sorry, monday"),  # two days before: asked
    ],
)
def test_a_day_corrected_once_is_the_corrected_day(text: str, expected: str) -> None:
    assert corrected(text) == expected


def test_a_task_whose_day_is_corrected_is_due_the_corrected_day() -> None:
    assert requests_of("task for ivy: send the pricing sheet to Hank Scorpio, due thursday \u2014 sorry, friday") == (
        SalesforceCreateTaskRequest(owner="ivy", subject="Send the pricing sheet to Hank Scorpio", due_date=FRIDAY),
    )


def test_a_call_whose_day_is_corrected_is_on_the_corrected_day() -> None:
    assert requests_of("log a call with Ana Silva today, sorry, yesterday") == (
        SalesforceLogCallRequest(contact="Ana Silva", call_date=MONDAY),
    )


@pytest.mark.parametrize(
    "reason",
    [", finance needs it for the board pack", ", since the board meets on monday", "; because Kara asked"],
)
def test_why_a_task_is_due_then_is_no_part_of_its_subject(reason: str) -> None:
    assert requests_of(f"task for frank: pull the Q4 renewal numbers by friday{reason}") == (
        SalesforceCreateTaskRequest(owner="frank", subject="Pull the Q4 renewal numbers", due_date=FRIDAY),
    )


# ---------------------------------------------------------------------------------------------------------------
# Tasks said as who does what


def test_someone_to_do_something_is_their_task() -> None:
    assert requests_of("ivy to send Hank Scorpio the redlines by thursday") == (
        SalesforceCreateTaskRequest(owner="ivy", subject="Send Hank Scorpio the redlines", due_date=THURSDAY),
    )


def test_the_deal_said_last_in_who_does_what_is_the_tasks_record() -> None:
    assert requests_of("frank to prepare a pricing review on the Initech expansion, by the 18th") == (
        SalesforceCreateTaskRequest(
            owner="frank",
            subject="Prepare a pricing review",
            account="Initech",
            opportunity="expansion",
            due_date=dt.date(2026, 12, 18),
        ),
    )


def test_two_people_each_to_do_something_are_two_tasks() -> None:
    assert requests_of("erin to call Ana Silva, ivy to chase hooli tmrw") == (
        SalesforceCreateTaskRequest(owner="erin", subject="Call Ana Silva"),
        SalesforceCreateTaskRequest(owner="ivy", subject="Chase hooli", due_date=WEDNESDAY),
    )


def test_people_and_what_they_do_in_a_list_of_tasks() -> None:
    assert requests_of(
        "action items:\n- frank: draft the Initech SOW\n- have ivy refresh the hooli demo by friday"
    ) == (
        SalesforceCreateTaskRequest(owner="frank", subject="Draft the Initech SOW"),
        SalesforceCreateTaskRequest(owner="ivy", subject="Refresh the hooli demo", due_date=FRIDAY),
    )


@pytest.mark.parametrize("text", ["bob to review PAY-12", "alice to take it", "erin: send the deck"])
def test_who_does_what_on_an_issue_or_said_to_them_is_no_task(text: str) -> None:
    assert not any(r.kind == "salesforce.create_task" for r in read(text).requests)


def test_a_wish_relayed_for_a_task_with_a_quoted_title() -> None:
    assert requests_of('Frank would like a task for Ivy: "Book the Hooli QBR", due Friday the 18th. Thanks!') == (
        SalesforceCreateTaskRequest(owner="Ivy", subject="Book the Hooli QBR", due_date=dt.date(2026, 12, 18)),
    )


# ---------------------------------------------------------------------------------------------------------------
# Whose task it is: left open, or the owner of a record, with a terse ask


@pytest.mark.parametrize(
    "text",
    [
        "someone needs to chase Initech for the PO by wednesday. any of the reps, don't mind who",
        "Frank would like somebody from sales to chase Initech for the PO by Wednesday; he didn't say who.",
    ],
)
def test_a_task_for_someone_left_open_has_no_owner(text: str) -> None:
    assert requests_of(text) == (SalesforceCreateTaskRequest(subject="Chase Initech for the PO", due_date=WEDNESDAY),)


def test_someone_left_open_for_work_on_an_issue_is_no_salesforce_task() -> None:
    assert not any(r.kind == "salesforce.create_task" for r in read("someone needs to look at PAY-3, idc who").requests)


def test_the_owner_of_an_account_and_a_terse_ask_for_a_task() -> None:
    assert requests_of("the Globex account owner needs to send them the W-9 by monday, task pls") == (
        SalesforceCreateTaskRequest(
            owner="the account owner", account="Globex", subject="Send them the W-9", due_date=dt.date(2026, 12, 14)
        ),
    )


def test_the_terse_ask_for_a_task_in_a_sentence_of_its_own() -> None:
    assert requests_of("ivy needs to send Hooli the pilot recap. task please") == (
        SalesforceCreateTaskRequest(owner="ivy", subject="Send Hooli the pilot recap"),
    )


# ---------------------------------------------------------------------------------------------------------------
# Calls one of ours had with a contact, and a contact not named yet


def test_a_call_two_people_had_asked_to_be_logged_after_it() -> None:
    assert requests_of(
        "Frank and Peter Gibbons from Initech spoke this morning; the subject was the security review. Would you log"
        " it for him, please?"
    ) == (
        SalesforceLogCallRequest(
            contact="Peter Gibbons", account="Initech", call_date=TUESDAY, subject="Security review"
        ),
    )


def test_a_call_two_people_had_then_log_it_and_a_task() -> None:
    assert requests_of(
        "Erin and Ana Silva had a call on Monday regarding the rollout plan. Please log it, and set up a task for "
        "Erin to send Ana the plan by Friday."
    ) == (
        SalesforceLogCallRequest(contact="Ana Silva", call_date=MONDAY, subject="Rollout plan"),
        SalesforceCreateTaskRequest(owner="Erin", subject="Send Ana the plan", due_date=FRIDAY),
    )


def test_a_call_two_people_had_not_asked_to_be_logged_is_no_request() -> None:
    assert read("Erin and Ana Silva had a call on Monday.").requests == ()


@pytest.mark.parametrize(
    "text",
    [
        "log a call I had today with Hank Scorpio's replacement at Globex",
        "Please log a call from today with the person who is replacing Hank Scorpio at Globex. I'm afraid I don't "
        "have the name.",
    ],
)
def test_a_call_with_someone_who_replaces_a_contact_asks_who_it_was_with(text: str) -> None:
    understanding = read(text)
    assert understanding.requests == (SalesforceLogCallRequest(account="Globex", call_date=TUESDAY),)
    assert understanding.question is not None and "contact" in understanding.question


# ---------------------------------------------------------------------------------------------------------------
# Contacts: news of a change, then the ask to update or add them


def test_a_phone_number_with_brackets_is_kept_whole() -> None:
    assert requests_of("Hank Scorpio at Globex changed his cell to +44 (20) 7946-0958. Please update his contact.") == (
        SalesforceUpdateContactRequest(contact="Hank Scorpio", account="Globex", phone="+44 (20) 7946-0958"),
    )


def test_a_changed_number_not_given_yet_updates_the_contact_without_one() -> None:
    assert requests_of(
        "Wile Coyote at Acme has changed his mobile number; I'll send it later. Could you update his contact?"
    ) == (SalesforceUpdateContactRequest(contact="Wile Coyote", account="Acme"),)


def test_a_new_address_said_as_news_then_update_their_contact() -> None:
    assert requests_of(
        "Peter Gibbons wants the invoices sent to his new address: peter.g@initech-mail.example, pls update his contact"
    ) == (SalesforceUpdateContactRequest(contact="Peter Gibbons", email="peter.g@initech-mail.example"),)


def test_a_new_title_then_update_her_contact() -> None:
    assert requests_of("Ana Silva is now CFO at Initech. Please update her contact.") == (
        SalesforceUpdateContactRequest(contact="Ana Silva", account="Initech", title="CFO"),
    )


def test_someone_met_at_an_account_then_add_them_as_a_contact() -> None:
    assert requests_of(
        "Frank met Initech's new CIO at the summit \u2014 Lena Park, lena.park@initech.example. Could you add her as"
        " a contact?"
    ) == (
        SalesforceCreateContactRequest(
            first_name="Lena", last_name="Park", account="Initech", title="CIO", email="lena.park@initech.example"
        ),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Please add a contact at Globex: their new buyer is Omar, Procurement Lead. I'll send his last name once "
            "I have it.",
            SalesforceCreateContactRequest(first_name="Omar", account="Globex", title="Procurement Lead"),
        ),
        (
            "add a contact at Hooli: their new controller is Maya White, maya.white@hooli.example",
            SalesforceCreateContactRequest(
                first_name="Maya",
                last_name="White",
                account="Hooli",
                title="controller",
                email="maya.white@hooli.example",
            ),
        ),
    ],
)
def test_a_new_contact_said_as_who_they_are_to_us(text: str, expected: ActionRequest) -> None:
    assert requests_of(text) == (expected,)


# ---------------------------------------------------------------------------------------------------------------
# Deals in lists: forecast words, statements, a stage with its amount, a choice


def test_forecast_categories_in_a_list_of_deals_set_nothing() -> None:
    assert requests_of(
        "deals:\n\u2022 hooli analytics: close date 1/15, moving it to best case\n"
        "\u2022 initech expansion \u2014 upside, 60k"
    ) == (
        SalesforceUpdateOpportunityRequest(account="hooli", opportunity="analytics", close_date=dt.date(2027, 1, 15)),
        SalesforceUpdateOpportunityRequest(account="initech", opportunity="expansion", amount=Decimal(60000)),
    )


def test_the_head_of_a_list_that_asks_to_update_salesforce() -> None:
    assert requests_of("pipeline notes, pls update sf:\n1. acme platform renewal \u2014 close date 1/29") == (
        SalesforceUpdateOpportunityRequest(
            account="acme", opportunity="platform renewal", close_date=dt.date(2027, 1, 29)
        ),
    )


def test_a_deal_with_what_happened_and_its_new_values() -> None:
    assert requests_of("Hooli analytics: they dropped two modules so it's 40k now, and the close slipped to 1/20") == (
        SalesforceUpdateOpportunityRequest(
            account="Hooli", opportunity="analytics", amount=Decimal(40000), close_date=dt.date(2027, 1, 20)
        ),
    )


def test_a_deal_reopened_at_a_stage() -> None:
    assert requests_of("globex new business is alive again, reopen it at qualification") == (
        SalesforceUpdateOpportunityRequest(account="globex", opportunity="new business", stage="Qualification"),
    )


def test_a_stage_and_the_amount_it_is_at() -> None:
    assert requests_of("initech expansion \u2192 proposal/price quote at 75k") == (
        SalesforceUpdateOpportunityRequest(
            account="initech", opportunity="expansion", stage="Proposal/Price Quote", amount=Decimal(75000)
        ),
    )


def test_a_choice_of_two_stages_is_asked() -> None:
    understanding = read("the acme platform renewal should be either proposal or negotiation now, not sure which")
    assert understanding.requests == (
        SalesforceUpdateOpportunityRequest(account="acme", opportunity="platform renewal"),
    )
    assert understanding.question is not None and "stage" in understanding.question


def test_an_amount_said_to_be_moving_leaves_the_amount_to_ask() -> None:
    assert requests_of("initech expansion amount is going up, they want more seats") == (
        SalesforceUpdateOpportunityRequest(account="initech", opportunity="expansion"),
    )


def test_a_quoted_next_step_said_with_another_change_loses_its_quotes() -> None:
    assert requests_of(
        "please set the hooli analytics amount to 45k, with the next step 'Ivy to send the order form'"
    ) == (
        SalesforceUpdateOpportunityRequest(
            account="hooli", opportunity="analytics", amount=Decimal(45000), next_step="Ivy to send the order form"
        ),
    )
