"""The offline parser on follow-up, read, task, call and contact shapes found in issue 10's seventh round (blind7's
writers: run-on sentences with asides, a revenue-operations analyst's terse notes, a polite new hire's hedges, emoji
one-liners). A reminder whose words name one Jira issue and no Salesforce record is a follow-up; "in 2h"; a nudge
"until <record>'s <thing> is written"; "so I can check whether ..."; an escalation "if the order form still isn't
signed"; "keep track of how <deal> is going"; "would you be able to tell me what I owe"; "<record> - stage + amount?";
a reason before a question; a call's account in brackets, its subject in brackets, "Had 45 min with ...", someone
described but not named; a call's free text stops where a statement naming a change of a known record starts; a
task "so erin sends ...", "against <record>", "the usual prep" (no subject); a contact "-> <email>", "<field> change
for <contact>: <value>", "direct line", hedged details after a name, "<account>'s new <title>, <first name>".
Each test reads with the sandbox's vocabulary on Tuesday 2026-12-08."""

from __future__ import annotations

import datetime as dt

import pytest

from approvals.core.intents import (
    FollowUpRequest,
    ReadRequest,
    SalesforceCreateContactRequest,
    SalesforceCreateTaskRequest,
    SalesforceLogCallRequest,
    SalesforceUpdateContactRequest,
    SalesforceUpdateOpportunityRequest,
)
from tests.understanding.test_parser_vague_and_stated import read, requests_of

# read() reads on a Tuesday, 2026-12-08
MONDAY = dt.date(2026, 12, 14)
FRIDAY = dt.date(2026, 12, 11)
TOMORROW = dt.date(2026, 12, 9)

# ---------------------------------------------------------------------------------------------------------------
# Follow-ups


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a reminder to look at a Jira issue: a follow-up on it, never a Salesforce task about a ticket
        (
            "could you set a reminder for alice to look into OPS-2 on friday?",
            FollowUpRequest(issue="OPS-2", owner="alice", due_date=FRIDAY),
        ),
        ("remind me to ask juan about PAY-3 tomorrow", FollowUpRequest(issue="PAY-3", owner="me", due_date=TOMORROW)),
        # "in 2h", "in 30 mins", "again" typed "agian", an alarm-clock emoji
        ("⏰ look at PAY-7 agian in 3h", FollowUpRequest(issue="PAY-7", due_in_minutes=180)),
        ("check OPS-1 in 30 mins", FollowUpRequest(issue="OPS-1", due_in_minutes=30)),
        # a nudge named as a thing, until something of the record is done
        (
            "weekly ping for bob on fridays until PAY-6's release notes are published",
            FollowUpRequest(issue="PAY-6", owner="bob", every_days=7, due_date=FRIDAY),
        ),
        # "so I can check whether ...": what the nudge is for, and the status it is checked for
        (
            "ping me friday so I can check whether PAY-2 is back in progress",
            FollowUpRequest(issue="PAY-2", owner="me", due_date=FRIDAY, until_status="in progress"),
        ),
        # an escalation whose condition is something of the record that has not happened
        (
            "follow up with ivy on the Hooli deal monday, and escalate to kara if the security review still isn't "
            "done by then",
            FollowUpRequest(account="Hooli", owner="ivy", due_date=MONDAY, escalate=True),
        ),
        # following how a deal goes, with the nudge said after it and a worry as the reason
        (
            "could you maybe keep track of how the Umbrella Health renewal is going and ping people if it stalls? "
            "I just don't want it to fall through the cracks.",
            FollowUpRequest(account="Umbrella Health", opportunity="renewal"),
        ),
    ],
)
def test_follow_ups_said_another_way(text: str, expected: FollowUpRequest) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a reminder that names an account or a contact stays a task
        (
            "remind erin to send Globex the OPS-4 incident report on friday",
            SalesforceCreateTaskRequest(subject="Send Globex the OPS-4 incident report", owner="erin", due_date=FRIDAY),
        ),
        # an explicit task is a task, a key in its words or not
        (
            "create a task for ivy to review PAY-8 by friday",
            SalesforceCreateTaskRequest(subject="Review PAY-8", owner="ivy", due_date=FRIDAY),
        ),
        # a reminder that names no issue is a task
        (
            "set a reminder for me to call Hank Scorpio on monday",
            SalesforceCreateTaskRequest(subject="Call Hank Scorpio", owner="me", due_date=MONDAY),
        ),
    ],
)
def test_reminders_that_are_not_about_one_issue_stay_tasks(text: str, expected: SalesforceCreateTaskRequest) -> None:
    assert requests_of(text) == (expected,)


def test_a_reminder_about_two_issues_is_no_follow_up() -> None:
    (request,) = requests_of("remind me to link PAY-9 and PAY-4 on friday")
    assert isinstance(request, SalesforceCreateTaskRequest)


# ---------------------------------------------------------------------------------------------------------------
# Reads


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "sorry, I'm a bit lost - could you be able to tell me what I still owe people?",
            ReadRequest(owed=True),
        ),
        ("would you please tell me what I owe?", ReadRequest(owed=True)),
        ("Initech expansion - stage and close date?", ReadRequest(account="Initech", opportunity="expansion")),
        ("OPS-4 - owner + status?", ReadRequest(issue="OPS-4")),
        # why the writer asks, said before the question
        ("before I reply to Wile - where is PAY-5 at?", ReadRequest(issue="PAY-5")),
    ],
)
def test_reads_said_another_way(text: str, expected: ReadRequest) -> None:
    assert requests_of(text) == (expected,)


# ---------------------------------------------------------------------------------------------------------------
# Calls


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the account in brackets after the contact; the topic in a sentence of its own
        (
            "Yesterday's call with Peter Gibbons (Initech) needs logging. Topic: SSO rollout.",
            SalesforceLogCallRequest(
                contact="Peter Gibbons", account="Initech", subject="SSO rollout", call_date=dt.date(2026, 12, 7)
            ),
        ),
        # "Had 30 min with ...", the subject without its article, notes, then the ask as the last sentence
        (
            "Had 30 min with Wile Coyote (Acme) yesterday re: the seat true-up. Notes: they want to add 20 seats. "
            "Please log it.",
            SalesforceLogCallRequest(
                contact="Wile Coyote",
                account="Acme",
                subject="Seat true-up",
                call_date=dt.date(2026, 12, 7),
                description="they want to add 20 seats.",
            ),
        ),
    ],
)
def test_calls_said_another_way(text: str, expected: SalesforceLogCallRequest) -> None:
    assert requests_of(text) == (expected,)


def test_a_call_with_someone_described_but_not_named_asks_who() -> None:
    understanding = read(
        "Monday's 15-min call on the Globex new business needs logging - it was with their new finance guy, didn't "
        "catch the name."
    )
    assert understanding.requests == (
        SalesforceLogCallRequest(account="Globex", opportunity="new business", call_date=dt.date(2026, 12, 7)),
    )
    assert understanding.question is not None and "contact" in understanding.question


def test_a_calls_free_text_stops_where_a_stated_change_of_a_record_starts() -> None:
    assert requests_of(
        "log a call with Hank Scorpio at Globex yesterday (subject: pilot scope), and the Globex new business can "
        "go to Proposal/Price Quote now"
    ) == (
        SalesforceLogCallRequest(
            contact="Hank Scorpio", account="Globex", subject="Pilot scope", call_date=dt.date(2026, 12, 7)
        ),
        SalesforceUpdateOpportunityRequest(account="Globex", opportunity="new business", stage="Proposal/Price Quote"),
    )


def test_a_call_statement_without_an_ask_to_log_it_is_no_call() -> None:
    assert read("Had 20 minutes with Ana Silva this morning.").requests == ()


# ---------------------------------------------------------------------------------------------------------------
# Tasks


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "so <person> <does> ...": whose task it is and what they do
        (
            "could you set up a task so frank chases Hooli for the signed order form by friday?",
            SalesforceCreateTaskRequest(
                subject="Chase Hooli for the signed order form", owner="frank", due_date=FRIDAY
            ),
        ),
        # "against" a record
        (
            "Kara needs a task against the Acme platform renewal: send the revised quote, due monday.",
            SalesforceCreateTaskRequest(
                subject="Send the revised quote",
                owner="Kara",
                account="Acme",
                opportunity="platform renewal",
                due_date=MONDAY,
            ),
        ),
        # someone's obligation, then "make it a task for him"
        (
            "Frank should send Initech the renewal terms by friday - make it a task for him.",
            SalesforceCreateTaskRequest(subject="Send Initech the renewal terms", owner="Frank", due_date=FRIDAY),
        ),
        # nobody named, and the owner said to be anyone: left for grounding to ask
        (
            "Someone on the sales team needs to update the Hooli contact list by friday. Make a task, I don't mind "
            "who does it.",
            SalesforceCreateTaskRequest(subject="Update the Hooli contact list", due_date=FRIDAY),
        ),
        # "the usual ...": what the task is was not said
        (
            "Ivy needs a task on the Globex account, due friday - the usual paperwork before a QBR.",
            SalesforceCreateTaskRequest(owner="Ivy", account="Globex", due_date=FRIDAY),
        ),
    ],
)
def test_tasks_said_another_way(text: str, expected: SalesforceCreateTaskRequest) -> None:
    assert requests_of(text) == (expected,)


def test_a_loose_time_after_a_task_is_asked_as_its_due_date() -> None:
    understanding = read("Please create a task so ivy calls Hank Scorpio back. Perhaps sometime late next week.")
    assert understanding.requests == (SalesforceCreateTaskRequest(subject="Call Hank Scorpio back", owner="ivy"),)
    assert understanding.question is not None and "due date" in understanding.question


def test_a_task_so_someone_nobody_knows_is_asked_about() -> None:
    assert read("create a task so the team knows").question is not None


# ---------------------------------------------------------------------------------------------------------------
# Contacts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "📱 peter gibbons → +1 415 555 0188 now",
            SalesforceUpdateContactRequest(contact="peter gibbons", phone="+1 415 555 0188"),
        ),
        (
            "Email change for Hank Scorpio (Globex): hank.scorpio@globex.example, the old one is dead.",
            SalesforceUpdateContactRequest(
                contact="Hank Scorpio", account="Globex", email="hank.scorpio@globex.example"
            ),
        ),
        (
            "Wile Coyote's direct line changed to +1 312 555 0101, can you update it?",
            SalesforceUpdateContactRequest(contact="Wile Coyote", phone="+1 312 555 0101"),
        ),
    ],
)
def test_contact_updates_said_another_way(text: str, expected: SalesforceUpdateContactRequest) -> None:
    assert requests_of(text) == (expected,)


def test_someone_unknown_with_an_arrow_is_no_contact_update() -> None:
    assert read("bob -> bob@northwind.example").requests == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # details said after the name, each with a hedge
        (
            "I met someone from Umbrella Health at the conference - could you add him as a contact? His name is "
            "Omar Haddad, I think he's their new VP Finance, and I believe his email is omar@umbrella.example.",
            SalesforceCreateContactRequest(
                first_name="Omar",
                last_name="Haddad",
                account="Umbrella Health",
                title="VP Finance",
                email="omar@umbrella.example",
            ),
        ),
        # a dash parts the details as a comma does
        (
            "create a contact for Lena Park at Acme - Procurement Lead, lena.park@acme.example",
            SalesforceCreateContactRequest(
                first_name="Lena",
                last_name="Park",
                account="Acme",
                title="Procurement Lead",
                email="lena.park@acme.example",
            ),
        ),
        # a role at an account and a first name; the rest said to follow
        (
            "Add Hooli's new CFO, Dina, as a contact. Surname and phone to follow.",
            SalesforceCreateContactRequest(first_name="Dina", account="Hooli", title="CFO"),
        ),
    ],
)
def test_new_contacts_said_another_way(text: str, expected: SalesforceCreateContactRequest) -> None:
    assert requests_of(text) == (expected,)


def test_meeting_someone_without_an_ask_adds_nobody() -> None:
    assert read("I met someone from Globex at the offsite.").requests == ()
