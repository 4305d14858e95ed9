"""The offline parser: requests as people type them become the same data the LLM extractor would produce."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest

from approvals.intents import JiraCreateIssueRequest, Understanding
from approvals.ports import ExtractionInput, PersonMatch, ThreadMessage
from bot.parser import OfflineParser, normalise_request
from bot.text import to_plain

TODAY = dt.date(2026, 11, 20)  # a Friday
REQUESTER = PersonMatch("U0DANA001", "dana", "Dana Scully", "dana@northwind.example")
FIRST = ThreadMessage(
    user="U0CUST001",
    text="<@U0DANA001> Checkout fails on Safari when paying with Apple Pay. It started after the release.",
    ts="1700000000.000100",
)


def extract(
    text: str, *, thread: Sequence[ThreadMessage] = (FIRST,), known_projects: Sequence[str] = ()
) -> Understanding:
    request = ExtractionInput(
        request_text=text,
        thread=(*thread, ThreadMessage(user="U0DANA001", text=text, ts="1700000000.000900")),
        requester=REQUESTER,
        channel_name="eng",
        today=TODAY,
        known_projects=known_projects,
    )
    return OfflineParser().extract(request)


def only_request(text: str, **kwargs: Any) -> JiraCreateIssueRequest:
    understanding = extract(text, **kwargs)
    assert understanding.question is None, understanding.question
    assert len(understanding.requests) == 1, understanding
    return understanding.requests[0]


def jira(**fields: Any) -> JiraCreateIssueRequest:
    return JiraCreateIssueRequest(**fields)


def test_the_walking_skeleton_story() -> None:
    understanding = extract(
        "<@U0BOT0001> create a bug in PAY: Checkout fails on Safari, assign to Alice, priority high"
    )
    assert understanding.requests == (
        jira(project="PAY", issue_type="Bug", summary="Checkout fails on Safari", assignee="Alice", priority="High"),
    )
    assert understanding.question is None
    assert understanding.extractor == "offline-parser"
    assert understanding.understood == "create a bug in PAY: Checkout fails on Safari, assign to Alice, priority high"


def test_file_this_takes_the_summary_from_the_first_message_of_the_thread() -> None:
    assert only_request("file this as a bug in PAY, assign Alice, due Friday") == jira(
        project="PAY",
        issue_type="Bug",
        summary="Checkout fails on Safari when paying with Apple Pay",
        assignee="Alice",
        due_date=dt.date(2026, 11, 27),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The phrasings the module docstring promises.
        (
            "open a PAY ticket for this: Refund button missing",
            jira(project="PAY", issue_type="Task", summary="Refund button missing"),
        ),
        (
            "can you create a task in OPS to rotate the staging keys, due next week",
            jira(project="OPS", issue_type="Task", summary="Rotate the staging keys", due_date=dt.date(2026, 11, 23)),
        ),
        (
            'new story in PAY "Saved cards on the billing page", labels billing, ux',
            jira(
                project="PAY", issue_type="Story", summary="Saved cards on the billing page", labels=("billing", "ux")
            ),
        ),
        # Issue type synonyms.
        ("create a ticket in OPS: Rotate keys", jira(project="OPS", issue_type="Task", summary="Rotate keys")),
        ("create a todo in OPS: Rotate keys", jira(project="OPS", issue_type="Task", summary="Rotate keys")),
        ("create a chore in OPS: Rotate keys", jira(project="OPS", issue_type="Task", summary="Rotate keys")),
        ("log a defect in PAY: Crash on login", jira(project="PAY", issue_type="Bug", summary="Crash on login")),
        ("create a story in PAY: Dark mode", jira(project="PAY", issue_type="Story", summary="Dark mode")),
        ("create a feature in PAY: Dark mode", jira(project="PAY", issue_type="Story", summary="Dark mode")),
        ("create an issue in PAY: Crash on login", jira(project="PAY", summary="Crash on login")),
        # Verbs, articles and where the project goes.
        ("raise a PAY bug: Crash on login", jira(project="PAY", issue_type="Bug", summary="Crash on login")),
        ("report a bug in the PAY project: Crash", jira(project="PAY", issue_type="Bug", summary="Crash")),
        ("put in a ticket in OPS for rotating keys", jira(project="OPS", issue_type="Task", summary="Rotating keys")),
        ("write up a story in PAY: Saved cards", jira(project="PAY", issue_type="Story", summary="Saved cards")),
        (
            "create a bug in PAY titled Crash on Safari",
            jira(project="PAY", issue_type="Bug", summary="Crash on Safari"),
        ),
        ("create a bug in PAY - Crash on Safari", jira(project="PAY", issue_type="Bug", summary="Crash on Safari")),
        ("Create A Bug In PAY: crash on Safari", jira(project="PAY", issue_type="Bug", summary="Crash on Safari")),
        ("create a bug: Crash on login", jira(issue_type="Bug", summary="Crash on login")),
        (
            "create a bug in PAY: Crash, summary: Login crashes on Safari",
            jira(project="PAY", issue_type="Bug", summary="Login crashes on Safari"),
        ),
        # Priorities.
        (
            "create a bug in PAY: Crash, priority p1",
            jira(project="PAY", issue_type="Bug", summary="Crash", priority="High"),
        ),
        (
            "create a bug in PAY: Crash, prio p0",
            jira(project="PAY", issue_type="Bug", summary="Crash", priority="Highest"),
        ),
        (
            "create a bug in PAY: Crash, blocker priority",
            jira(project="PAY", issue_type="Bug", summary="Crash", priority="Highest"),
        ),
        (
            "create a bug in PAY: Crash, high priority",
            jira(project="PAY", issue_type="Bug", summary="Crash", priority="High"),
        ),
        (
            "create a bug in PAY: Crash, priority: low",
            jira(project="PAY", issue_type="Bug", summary="Crash", priority="Low"),
        ),
        (
            "create a bug in PAY: Crash, with priority normal",
            jira(project="PAY", issue_type="Bug", summary="Crash", priority="Medium"),
        ),
        (
            "create a bug in PAY: Crash, urgent priority",
            jira(project="PAY", issue_type="Bug", summary="Crash", priority="Highest"),
        ),
        (
            "create a bug in PAY: Crash, priority trivial",
            jira(project="PAY", issue_type="Bug", summary="Crash", priority="Lowest"),
        ),
        # Dates.
        (
            "create a bug in PAY: Crash, due next week",
            jira(project="PAY", issue_type="Bug", summary="Crash", due_date=dt.date(2026, 11, 23)),
        ),
        (
            "create a bug in PAY: Crash, by tomorrow",
            jira(project="PAY", issue_type="Bug", summary="Crash", due_date=dt.date(2026, 11, 21)),
        ),
        (
            "create a bug in PAY: Crash, due: Dec 1",
            jira(project="PAY", issue_type="Bug", summary="Crash", due_date=dt.date(2026, 12, 1)),
        ),
        (
            "create a bug in PAY: Crash, deadline monday",
            jira(project="PAY", issue_type="Bug", summary="Crash", due_date=dt.date(2026, 11, 23)),
        ),
        (
            "create a bug in PAY: Crash, due in 3 days",
            jira(project="PAY", issue_type="Bug", summary="Crash", due_date=dt.date(2026, 11, 23)),
        ),
        (
            "create a bug in PAY: Crash, by end of month",
            jira(project="PAY", issue_type="Bug", summary="Crash", due_date=dt.date(2026, 11, 30)),
        ),
        (
            "create a bug in PAY: Crash, due 2026-12-24",
            jira(project="PAY", issue_type="Bug", summary="Crash", due_date=dt.date(2026, 12, 24)),
        ),
        # Labels.
        (
            "create a bug in PAY: Crash, labels a, b",
            jira(project="PAY", issue_type="Bug", summary="Crash", labels=("a", "b")),
        ),
        (
            "create a bug in PAY: Crash, label web",
            jira(project="PAY", issue_type="Bug", summary="Crash", labels=("web",)),
        ),
        ("create a bug in PAY: Crash, tags ui", jira(project="PAY", issue_type="Bug", summary="Crash", labels=("ui",))),
        (
            "write up a story in PAY: Saved cards, labelled billing",
            jira(project="PAY", issue_type="Story", summary="Saved cards", labels=("billing",)),
        ),
        (
            "create a bug in PAY: Crash, tagged web, safari",
            jira(project="PAY", issue_type="Bug", summary="Crash", labels=("web", "safari")),
        ),
        # Assignees.
        (
            "create a bug in PAY: Crash, assign it to me",
            jira(project="PAY", issue_type="Bug", summary="Crash", assignee="me"),
        ),
        (
            "create a bug in PAY: Crash, assign Bob",
            jira(project="PAY", issue_type="Bug", summary="Crash", assignee="Bob"),
        ),
        (
            "create a bug in PAY: Crash, assignee: Bob",
            jira(project="PAY", issue_type="Bug", summary="Crash", assignee="Bob"),
        ),
        (
            "create a bug in PAY: Crash, owner Bob",
            jira(project="PAY", issue_type="Bug", summary="Crash", assignee="Bob"),
        ),
        (
            "create a bug in PAY: Crash and assign to Bob",
            jira(project="PAY", issue_type="Bug", summary="Crash", assignee="Bob"),
        ),
        (
            "create a story in PAY: Crash, assign to <@U0ALICE01>",
            jira(project="PAY", issue_type="Story", summary="Crash", assignee="<@U0ALICE01>"),
        ),
        # Every clause at once, in another order.
        (
            "create a bug in PAY: Crash on login, due next week, assign Bob, priority low, labels ui, web",
            jira(
                project="PAY",
                issue_type="Bug",
                summary="Crash on login",
                assignee="Bob",
                priority="Low",
                labels=("ui", "web"),
                due_date=dt.date(2026, 11, 23),
            ),
        ),
        (
            "make a ticket in OPS: Rotate keys, assign to Bob and priority high",
            jira(project="OPS", issue_type="Task", summary="Rotate keys", assignee="Bob", priority="High"),
        ),
        # Politeness and the bot mention are not part of the request.
        (
            "can you please create a ticket in OPS: Rotate keys",
            jira(project="OPS", issue_type="Task", summary="Rotate keys"),
        ),
        ("could you file a bug in PAY: Crash", jira(project="PAY", issue_type="Bug", summary="Crash")),
        ("please create a bug in PAY: Crash", jira(project="PAY", issue_type="Bug", summary="Crash")),
        ("hey, pls create a bug in PAY: Crash", jira(project="PAY", issue_type="Bug", summary="Crash")),
        (
            "<@U0BOT0001|followthrough>: create a bug in PAY: Crash",
            jira(project="PAY", issue_type="Bug", summary="Crash"),
        ),
        ("<@U0BOT0001>, can you create a bug in PAY: Crash", jira(project="PAY", issue_type="Bug", summary="Crash")),
    ],
)
def test_phrasings(text: str, expected: JiraCreateIssueRequest) -> None:
    assert only_request(text) == expected


THREAD_SUMMARY = "Checkout fails on Safari when paying with Apple Pay"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("create a PAY bug for this", jira(project="PAY", issue_type="Bug", summary=THREAD_SUMMARY)),
        (
            "can you log this as a task in OPS, due tomorrow",
            jira(project="OPS", issue_type="Task", summary=THREAD_SUMMARY, due_date=dt.date(2026, 11, 21)),
        ),
        (
            "create a bug in PAY, assign Alice",
            jira(project="PAY", issue_type="Bug", summary=THREAD_SUMMARY, assignee="Alice"),
        ),
        (
            "could you file a bug in PAY for this, priority high",
            jira(project="PAY", issue_type="Bug", summary=THREAD_SUMMARY, priority="High"),
        ),
        ("open a bug for this in PAY", jira(project="PAY", issue_type="Bug", summary=THREAD_SUMMARY)),
        ("create a bug for it in PAY: Crash", jira(project="PAY", issue_type="Bug", summary="Crash")),
    ],
)
def test_this_means_the_thread(text: str, expected: JiraCreateIssueRequest) -> None:
    assert only_request(text) == expected


def test_the_thread_title_skips_bot_messages_and_unwraps_links_and_mentions() -> None:
    thread = (
        ThreadMessage(user=None, text="Reminder: standup at 10.", ts="1.0", is_bot=True),
        ThreadMessage(
            user="U0CUST001",
            text=to_plain("<@U0DANA001> the <https://docs.example/pay|refund docs> are wrong! Fix?"),  # as read
            ts="2.0",
        ),
    )
    assert only_request("file this as a task in PAY", thread=thread).summary == "the refund docs are wrong!"


def test_file_this_without_a_thread_leaves_the_summary_to_ask_for() -> None:
    assert only_request("file this as a bug in PAY", thread=()) == jira(project="PAY", issue_type="Bug")


def test_a_lowercase_project_is_a_key_only_when_the_instance_has_it() -> None:
    assert only_request("log a defect in pay: Crash").project is None
    assert only_request("log a defect in pay: Crash", known_projects=("PAY", "OPS")).project == "PAY"


def test_parts_that_are_not_clauses_become_the_description() -> None:
    request = only_request("create a bug in PAY: Crash, seen on iOS 17, only with Apple Pay")
    assert (request.summary, request.description) == ("Crash", "seen on iOS 17; only with Apple Pay")


@pytest.mark.parametrize(
    "text",
    ["what's the weather", "who is on call?", "<@U0BOT0001> hi there", "please", "delete the PAY project"],
)
def test_an_unknown_request_becomes_a_question_with_an_example(text: str) -> None:
    understanding = extract(text)
    assert understanding.requests == ()
    assert understanding.question is not None
    assert "create a bug in PAY: <summary>" in understanding.question
    assert not understanding.is_empty


@pytest.mark.parametrize(
    "text", ["", "   ", "<@U0BOT0001>", "<@U0BOT0001> ,", "<@U0BOT0001> hello", "hey,", "thanks!", "ok great, thanks", "👍"]
)
def test_empty_text_a_greeting_or_thanks_is_an_empty_understanding(text: str) -> None:
    """Thanks is understood: nothing to do (the reply says so), not a request the parser failed to read."""
    understanding = extract(text)
    assert understanding.is_empty
    assert understanding.extractor == "offline-parser"


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("<@U0BOT0001> create a bug", "create a bug"),
        ("  <@U0BOT0001|ft>:   can you please   create a bug ", "create a bug"),
        ("Hi, could you create a bug", "create a bug"),
        ("create a bug, <@U0ALICE01>", "create a bug, <@U0ALICE01>"),
    ],
)
def test_normalise_request_drops_the_bot_mention_and_politeness(text: str, normalised: str) -> None:
    assert normalise_request(text) == normalised
