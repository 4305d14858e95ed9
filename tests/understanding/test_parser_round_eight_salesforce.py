"""The offline parser on the Salesforce request shapes found in issue 10's eighth round (bench/understanding_blind8: an
account executive typing on a phone, with dictated punctuation and autocorrect slips, and a formal writer who writes
dates day first). The sentences are this file's own; each reads on Tuesday 2026-12-08 with the sandbox's vocabulary."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from approvals.core.intents import (
    JiraUpdateFieldsRequest,
    SalesforceCreateContactRequest,
    SalesforceCreateTaskRequest,
    SalesforceLogCallRequest,
    SalesforceUpdateContactRequest,
    SalesforceUpdateOpportunityRequest,
)
from tests.understanding.test_parser_vague_and_stated import read, requests_of
from understanding.amounts import parse_amount
from understanding.dates import parse_date
from understanding.text import prepare

TUESDAY = dt.date(2026, 12, 8)

# ---------------------------------------------------------------------------------------------------------------
# Dates written day first, amounts with a full stop between thousands


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14.12", dt.date(2026, 12, 14)),
        ("03.01", dt.date(2027, 1, 3)),
        ("09.02.2027", dt.date(2027, 2, 9)),
        ("25/1", dt.date(2027, 1, 25)),  # month first where 1/25 is: only one reading is a day
        ("13/12/2026", dt.date(2026, 12, 13)),
    ],
)
def test_a_date_with_only_one_real_reading_is_that_date(text: str, expected: dt.date) -> None:
    assert parse_date(text, today=TUESDAY) == expected


@pytest.mark.parametrize("text", ["1.5", "4.18", "2.4.1", "24/7", "36.000", "14.13"])
def test_a_decimal_or_a_version_is_no_dotted_date(text: str) -> None:
    assert parse_date(text, today=TUESDAY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("42.000 EUR", Decimal(42000)), ("USD 7.500", Decimal(7500)), ("2.750.000 EUR", Decimal(2750000))],
)
def test_a_full_stop_between_thousands_with_a_currency_is_a_thousands_separator(text: str, expected: Decimal) -> None:
    assert parse_amount(text) == expected


def test_three_decimals_and_no_currency_is_no_amount() -> None:
    assert parse_amount("42.000") is None  # 42 or 42,000: asked, never read as 42


def test_a_dotted_close_date_is_read_day_first() -> None:
    assert requests_of("Kindly shift the close date of Hooli Analytics to 19.12, procurement is slow.") == (
        SalesforceUpdateOpportunityRequest(account="Hooli", opportunity="Analytics", close_date=dt.date(2026, 12, 19)),
    )


def test_a_corrected_dotted_date_reads_the_correction() -> None:
    assert requests_of("Please change close date of Hooli Analytics to 15.12, sorry, 17.12.") == (
        SalesforceUpdateOpportunityRequest(account="Hooli", opportunity="Analytics", close_date=dt.date(2026, 12, 17)),
    )


def test_a_due_date_said_before_the_issue() -> None:
    assert requests_of("Please to put due date 27/1 on PAY-3.") == (
        JiraUpdateFieldsRequest(issue="PAY-3", due_date=dt.date(2027, 1, 27)),
    )


def test_an_amount_with_a_european_separator_and_the_same_for_it() -> None:
    assert requests_of("Amount for Hooli Analytics is now 52.000 EUR, kindly update the same.") == (
        SalesforceUpdateOpportunityRequest(account="Hooli", opportunity="Analytics", amount=Decimal(52000)),
    )


# ---------------------------------------------------------------------------------------------------------------
# Dictated punctuation, run-on clauses, "w" for with


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("log call w peter gibbons comma he signed period", "log call with peter gibbons, he signed."),
        ("task colon ping hooli", "task: ping hooli"),
        ("extend the trial period for hooli", "extend the trial period for hooli"),  # a period that is one
        ("fix the missing comma in the PAY-3 title", "fix the missing comma in the PAY-3 title"),
        ("PAY-3 is done. period.", "PAY-3 is done. period."),  # punctuation typed: nothing is dictated
    ],
)
def test_dictated_punctuation_only_in_a_message_with_none_typed(text: str, expected: str) -> None:
    assert prepare(text) == expected


def test_a_dictated_comma_and_period_end_a_calls_notes() -> None:
    assert requests_of("log a call w peter gibbons at initech today comma security review passed period") == (
        SalesforceLogCallRequest(
            contact="peter gibbons",
            account="initech",
            call_date=TUESDAY,
            description="security review passed",
        ),
    )


def test_a_run_on_clause_after_a_calls_subject_is_its_notes() -> None:
    assert requests_of("log call w ana silva yesterday re onboarding plan she wants a kickoff in january") == (
        SalesforceLogCallRequest(
            contact="ana silva",
            call_date=dt.date(2026, 12, 7),
            subject="Onboarding plan",
            description="she wants a kickoff in january",
        ),
    )


def test_a_call_on_a_deal_with_someone_named_after_it() -> None:
    (request,) = requests_of("log call on the hooli analytics deal w ana silva comma topic renewal terms")
    assert isinstance(request, SalesforceLogCallRequest)
    assert (request.account, request.opportunity, request.contact, request.subject) == (
        "hooli",
        "analytics",
        "ana silva",
        "Renewal terms",
    )


def test_someone_at_an_account_not_named_is_the_account_and_no_contact() -> None:
    (request,) = read("log a call from monday w the initech finance guy cant remember his name").requests
    assert request == SalesforceLogCallRequest(account="initech", call_date=dt.date(2026, 12, 7))


def test_a_call_someone_was_having_and_log_the_same() -> None:
    assert requests_of(
        "I was having a call with Mrs. Ana Silva (Initech) on Friday regarding rollout. Kindly log the same."
    ) == (
        SalesforceLogCallRequest(
            contact="Ana Silva", account="Initech", call_date=dt.date(2026, 12, 4), subject="Rollout"
        ),
    )


def test_nothing_other_than_this_is_no_note_of_the_call() -> None:
    assert requests_of(
        "Kindly log my call with Ana Silva regarding rollout today. Nothing else besides this, please."
    ) == (SalesforceLogCallRequest(contact="Ana Silva", subject="Rollout", call_date=TUESDAY),)


# ---------------------------------------------------------------------------------------------------------------
# Deals: statements after "so" or a source, slips in a name, the outcome alone


def test_a_change_stated_after_so_is_read() -> None:
    assert requests_of("procurement finally came back so hooli analytics goes to negotiation") == (
        SalesforceUpdateOpportunityRequest(account="hooli", opportunity="analytics", stage="Negotiation"),
    )


def test_a_change_stated_after_where_it_comes_from() -> None:
    assert requests_of("per the signed quote hooli analytics is 64000 w close date 12/30") == (
        SalesforceUpdateOpportunityRequest(
            account="hooli", opportunity="analytics", amount=Decimal(64000), close_date=dt.date(2026, 12, 30)
        ),
    )


def test_an_ask_the_bot_cannot_do_is_no_deal_after_so() -> None:
    understanding = read("let's set up a salesforce flow so new hooli deals route to ivy")
    assert understanding.requests == () and understanding.question is not None


def test_a_slipped_account_name_is_the_account_when_its_deal_is_named_too() -> None:
    assert requests_of("hoolie analytics is 58k now not 50") == (
        SalesforceUpdateOpportunityRequest(account="Hooli", opportunity="analytics", amount=Decimal(58000)),
    )


def test_a_slipped_word_in_a_two_word_account() -> None:
    assert requests_of("umbrella healt signed the renewal, won, pls update sf") == (
        SalesforceUpdateOpportunityRequest(account="Umbrella Health", opportunity="renewal", stage="Closed Won"),
    )


def test_a_one_word_name_one_slip_away_with_no_deal_is_not_the_account() -> None:
    understanding = read("hoolie is 58k now")
    assert not any(getattr(r, "account", None) == "Hooli" for r in understanding.requests)


def test_the_outcome_alone_after_news_of_a_deal() -> None:
    assert requests_of("initech expansion fell through they picked another vendor so closed lost") == (
        SalesforceUpdateOpportunityRequest(account="initech", opportunity="expansion", stage="Closed Lost"),
    )


def test_a_deal_moved_one_stage_ahead_leaves_the_stage_to_ask() -> None:
    (request,) = read("Hooli Analytics is to be moved one stage ahead.").requests
    assert request == SalesforceUpdateOpportunityRequest(account="Hooli", opportunity="Analytics")


def test_next_step_after_the_deal_it_is_for() -> None:
    assert requests_of("for the hooli analytics deal put next step colon intro to their cto") == (
        SalesforceUpdateOpportunityRequest(account="hooli", opportunity="analytics", next_step="intro to their cto"),
    )


def test_a_vague_close_date_said_with_an_amount_is_asked() -> None:
    understanding = read("hooli analytics is 64000 with close date sometime soon")
    assert understanding.question is not None and "close date" in understanding.question
    assert all(getattr(r, "close_date", None) is None for r in understanding.requests)


# ---------------------------------------------------------------------------------------------------------------
# Tasks


def test_a_task_for_a_mention_with_no_to_before_what() -> None:
    assert requests_of("task for <@U0IVY0001> book the onsite room by thursday") == (
        SalesforceCreateTaskRequest(
            owner="<@U0IVY0001>", subject="Book the onsite room", due_date=dt.date(2026, 12, 10)
        ),
    )


def test_need_a_task_against_a_deal() -> None:
    assert requests_of("need a task for me against hooli analytics colon draft the renewal memo due fri") == (
        SalesforceCreateTaskRequest(
            owner="me",
            account="hooli",
            opportunity="analytics",
            subject="Draft the renewal memo",
            due_date=dt.date(2026, 12, 11),
        ),
    )


def test_a_task_whose_owner_is_left_open() -> None:
    (request,) = read("task: collect the W-9 from initech by friday, anyone can take it").requests
    assert request == SalesforceCreateTaskRequest(
        subject="Collect the W-9 from initech", due_date=dt.date(2026, 12, 11)
    )


def test_someone_has_to_then_task_for_her() -> None:
    assert requests_of("ivy has to call initech back by thursday task for her pls") == (
        SalesforceCreateTaskRequest(owner="ivy", subject="Call initech back", due_date=dt.date(2026, 12, 10)),
    )


def test_a_reminder_with_a_colon_is_a_heads_up() -> None:
    understanding = read("reminder: the sales kickoff is thursday, no merges after noon")
    assert understanding.requests == ()


# ---------------------------------------------------------------------------------------------------------------
# Contacts


def test_a_contacts_details_typed_with_no_commas() -> None:
    assert requests_of(
        "add new contact priya raman at hooli priya.raman@hooli.example shes their new head of data"
    ) == (
        SalesforceCreateContactRequest(
            first_name="priya",
            last_name="raman",
            account="hooli",
            email="priya.raman@hooli.example",
            title="head of data",
        ),
    )


def test_a_new_contact_with_an_honorific_and_the_account_first() -> None:
    assert requests_of("Please add new contact in Hooli: Mr. Raj Mehta, Data Lead, raj.m@hooli.example") == (
        SalesforceCreateContactRequest(
            first_name="Raj", last_name="Mehta", account="Hooli", title="Data Lead", email="raj.m@hooli.example"
        ),
    )


def test_words_after_a_known_account_are_no_part_of_it() -> None:
    (request,) = read("add new contact raj mehta at hooli he starts monday").requests
    assert isinstance(request, SalesforceCreateContactRequest)
    assert request.account == "hooli" and request.title is None


def test_the_field_named_then_its_new_value() -> None:
    assert requests_of("Kindly update the phone of Ana Silva, her new phone is +1 415 555 0142") == (
        SalesforceUpdateContactRequest(contact="Ana Silva", phone="+1 415 555 0142"),
    )


def test_a_new_number_with_no_colon() -> None:
    assert requests_of("new cell for peter gibbons 628 555 0117 the old one bounces") == (
        SalesforceUpdateContactRequest(contact="peter gibbons", phone="628 555 0117"),
    )


def test_not_the_old_title_anymore_but_the_new_one() -> None:
    assert requests_of("ana silva isnt vp sales anymore shes cro now update her title") == (
        SalesforceUpdateContactRequest(contact="ana silva", title="cro"),
    )


# ---------------------------------------------------------------------------------------------------------------
# What the bot cannot do


def test_an_invoice_to_generate_and_send_is_asked_about() -> None:
    understanding = read("Kindly generate the credit note for Hooli and send it to their accounts team.")
    assert understanding.requests == () and understanding.question is not None


def test_a_new_value_for_a_field_is_no_deal_called_new() -> None:
    assert requests_of("hooli analytics slipped, new close date 15.01") == (
        SalesforceUpdateOpportunityRequest(account="hooli", opportunity="analytics", close_date=dt.date(2027, 1, 15)),
    )
    assert requests_of("hooli analytics: updated amount 41k") == (
        SalesforceUpdateOpportunityRequest(account="hooli", opportunity="analytics", amount=Decimal(41000)),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call w ana", "call with ana"),
        ("w2 from hooli", "w2 from hooli"),
        ("George W Bush", "George W Bush"),
        ("won won won", "won"),
        ("that that", "that that"),  # twice may be grammar; three times is feeling
    ],
)
def test_w_for_with_and_a_word_said_again(text: str, expected: str) -> None:
    assert prepare(text) == expected
