"""The offline parser on the fourth round's Jira shapes: people named as a choice ("alice or bob"), a new issue after
an arrow, "file a P0 in PAY: ...", the thread filed as an issue in other words, "need a PAY bug opened", who works
on an issue said as a statement ("bob can own PAY-11"), a field named without its value ("more urgent than it is",
"rename OPS-3", "push PAY-9 out a bit"), notes added as a comment, "&" before another ask, and praise as small talk.
Each test reads with the sandbox's vocabulary, through the same helper as the third round's tests, with other
issues, people and wording than the fixes were written for."""

from __future__ import annotations

import datetime as dt

import pytest

from approvals.core.intents import (
    THIS_THREAD,
    ActionRequest,
    FollowUpRequest,
    JiraAssignRequest,
    JiraCommentRequest,
    JiraCreateIssueRequest,
    JiraTransitionRequest,
    JiraUpdateFieldsRequest,
    SalesforceCreateTaskRequest,
    SalesforceLogCallRequest,
    SalesforceUpdateContactRequest,
)
from tests.understanding.test_parser_vague_and_stated import read, requests_of

# read() reads on a Tuesday, 2026-12-08


def _kinds(text: str, *, before: str | None = None) -> list[str]:
    return [request.kind for request in read(text, before=before).requests]


# ---------------------------------------------------------------------------------------------------------------
# People named as a choice: the assignee is asked, and no issue named is dropped


@pytest.mark.parametrize(
    ("text", "issues"),
    [
        ("give PAY-4 to alice or bob", ("PAY-4",)),
        ("OPS-4 should go to juan or carol", ("OPS-4",)),
        ("put carol or juan on OPS-2", ("OPS-2",)),
        ("assign PAY-12 to either carol or bob", ("PAY-12",)),
        ("assign PAY-5, PAY-8 and PAY-11 to erin or ivy", ("PAY-5", "PAY-8", "PAY-11")),
        ("reassign OPS-1 and OPS-2 to juan or carol", ("OPS-1", "OPS-2")),
    ],
)
def test_people_named_as_a_choice_leave_the_assignee_to_ask_for_every_issue(text: str, issues: tuple[str, ...]) -> None:
    assert requests_of(text) == tuple(JiraAssignRequest(issue=issue) for issue in issues)


def test_one_person_chosen_over_another_is_the_assignee() -> None:
    assert requests_of("assign PAY-4 to alice, not bob") == (JiraAssignRequest(issue="PAY-4", assignee="alice"),)


def test_the_team_is_no_person_to_assign() -> None:
    assert read("the team can own PAY-11").is_empty


def test_asking_one_of_two_people_about_an_issue_assigns_nobody() -> None:
    assert "jira.assign" not in _kinds("ask alice or bob about PAY-4")


# ---------------------------------------------------------------------------------------------------------------
# A new issue after an arrow


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "new OPS task -> rotate the backup keys",
            JiraCreateIssueRequest(project="OPS", issue_type="Task", summary="Rotate the backup keys"),
        ),
        (
            "file a bug in PAY -> refund button does nothing on mobile",
            JiraCreateIssueRequest(project="PAY", issue_type="Bug", summary="Refund button does nothing on mobile"),
        ),
        (
            "create a story in PAY → let admins download invoices",
            JiraCreateIssueRequest(project="PAY", issue_type="Story", summary="Let admins download invoices"),
        ),
        (
            "open an OPS ticket => clean up the old log buckets, assign juan",
            JiraCreateIssueRequest(
                project="OPS", issue_type="Task", summary="Clean up the old log buckets", assignee="juan"
            ),
        ),
    ],
)
def test_a_new_issue_after_an_arrow_has_the_text_after_it_as_its_summary(
    text: str, expected: JiraCreateIssueRequest
) -> None:
    assert requests_of(text) == (expected,)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("OPS-2 -> in progress", JiraTransitionRequest(issue="OPS-2", status="In Progress")),
        ("comment on PAY-8 -> repro is attached", JiraCommentRequest(issue="PAY-8", body="repro is attached")),
    ],
)
def test_an_arrow_after_an_issue_is_no_new_issue(text: str, expected: ActionRequest) -> None:
    assert requests_of(text) == (expected,)


def test_moving_the_thread_into_a_backlog_is_no_new_issue() -> None:
    assert "jira.create_issue" not in _kinds("move it into the OPS backlog", before="Checkout hangs on the last step")


# ---------------------------------------------------------------------------------------------------------------
# "file a P0 in PAY: ...": a new issue with its priority, its type asked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "open a P1 in OPS: the backup job skips sundays",
            JiraCreateIssueRequest(project="OPS", summary="The backup job skips sundays", priority="High"),
        ),
        (
            "log a p0 in OPS - the primary db is read-only",
            JiraCreateIssueRequest(project="OPS", summary="The primary db is read-only", priority="Highest"),
        ),
        (
            "raise a P2 in PAY: receipts are missing the VAT number",
            JiraCreateIssueRequest(project="PAY", summary="Receipts are missing the VAT number", priority="Medium"),
        ),
        (
            "create a P0 for PAY: refunds are stuck, assign alice",
            JiraCreateIssueRequest(project="PAY", summary="Refunds are stuck", priority="Highest", assignee="alice"),
        ),
    ],
)
def test_a_priority_filed_in_a_project_is_a_new_issue_whose_type_is_asked(
    text: str, expected: JiraCreateIssueRequest
) -> None:
    assert requests_of(text) == (expected,)


def test_a_priority_with_a_type_keeps_the_type() -> None:
    assert requests_of("file a P1 story in PAY: let admins refund in bulk") == (
        JiraCreateIssueRequest(project="PAY", issue_type="Story", summary="Let admins refund in bulk", priority="High"),
    )


@pytest.mark.parametrize(
    "text", ["file a report in PAY: checkout is slow", "file a complaint in OPS: the pager is too loud"]
)
def test_filing_something_that_is_no_priority_nor_issue_type_is_no_new_issue(text: str) -> None:
    assert "jira.create_issue" not in _kinds(text)


# ---------------------------------------------------------------------------------------------------------------
# The thread filed as an issue in other words: its first message is the summary


@pytest.mark.parametrize(
    ("text", "before", "expected"),
    [
        (
            "turn that into a PAY story",
            "Customers want to pay by invoice",
            JiraCreateIssueRequest(project="PAY", issue_type="Story", summary="Customers want to pay by invoice"),
        ),
        (
            "convert this to an OPS ticket",
            "The nightly backup skipped sunday",
            JiraCreateIssueRequest(project="OPS", issue_type="Task", summary="The nightly backup skipped sunday"),
        ),
        (
            "log it: ticket for OPS",
            "Log rotation is off on the workers",
            JiraCreateIssueRequest(project="OPS", issue_type="Task", summary="Log rotation is off on the workers"),
        ),
        (
            "file this - bug in OPS, assign juan",
            "Log rotation is off on the workers",
            JiraCreateIssueRequest(
                project="OPS", issue_type="Bug", summary="Log rotation is off on the workers", assignee="juan"
            ),
        ),
        (
            "throw it into the PAY backlog",
            "The coupon field is case sensitive",
            JiraCreateIssueRequest(project="PAY", summary="The coupon field is case sensitive"),
        ),
        (
            "stick this under OPS",
            "Log rotation is off on the workers",
            JiraCreateIssueRequest(project="OPS", summary="Log rotation is off on the workers"),
        ),
    ],
)
def test_the_thread_filed_in_other_words_is_a_new_issue_with_the_threads_first_message(
    text: str, before: str, expected: JiraCreateIssueRequest
) -> None:
    understanding = read(text, before=before)
    assert understanding.question is None, understanding.question
    assert understanding.requests == (expected,)


def test_the_thread_put_in_a_project_with_no_message_before_leaves_the_summary_to_ask() -> None:
    assert requests_of("drop it on the OPS board") == (JiraCreateIssueRequest(project="OPS"),)


@pytest.mark.parametrize("text", ["put this in writing", "put it on hold", "put this on the agenda"])
def test_putting_the_thread_somewhere_that_is_no_project_is_no_new_issue(text: str) -> None:
    assert "jira.create_issue" not in _kinds(text, before="Refunds take a week to show up")


# ---------------------------------------------------------------------------------------------------------------
# "need a PAY bug opened"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "need an OPS ticket filed: rotate the backup keys",
            JiraCreateIssueRequest(project="OPS", issue_type="Task", summary="Rotate the backup keys"),
        ),
        (
            "need a PAY story raised: let admins refund in bulk",
            JiraCreateIssueRequest(project="PAY", issue_type="Story", summary="Let admins refund in bulk"),
        ),
        ("i need a bug logged in OPS", JiraCreateIssueRequest(project="OPS", issue_type="Bug")),
    ],
)
def test_an_issue_said_to_be_needed_opened_is_a_new_issue(text: str, expected: JiraCreateIssueRequest) -> None:
    assert requests_of(text) == (expected,)


def test_an_issue_needed_for_this_thread_has_the_threads_first_message() -> None:
    understanding = read("we need an OPS task created for this", before="Log rotation is off on the workers")
    assert understanding.requests == (
        JiraCreateIssueRequest(project="OPS", issue_type="Task", summary="Log rotation is off on the workers"),
    )


@pytest.mark.parametrize("text", ["we need a PAY bug fixed", "need PAY-8 opened again"])
def test_needing_something_else_done_is_no_new_issue(text: str) -> None:
    assert "jira.create_issue" not in _kinds(text)


# ---------------------------------------------------------------------------------------------------------------
# Who works on an issue, said as a statement


@pytest.mark.parametrize(
    ("text", "issue", "assignee"),
    [
        ("carol can own OPS-2", "OPS-2", "carol"),
        ("sam lee could pick up PAY-8", "PAY-8", "sam lee"),
        ("erin should handle PAY-5 going forward", "PAY-5", "erin"),
        ("alice is going to grab PAY-12", "PAY-12", "alice"),
        ("juan's got OPS-3 now", "OPS-3", "juan"),
        ("sam lee has got PAY-7 now", "PAY-7", "sam lee"),
        ("I could grab OPS-1 myself", "OPS-1", "me"),
        ("let me pick up PAY-5 myself", "PAY-5", "me"),
    ],
)
def test_who_can_own_or_has_got_an_issue_is_its_assignee(text: str, issue: str, assignee: str) -> None:
    assert requests_of(text) == (JiraAssignRequest(issue=issue, assignee=assignee),)


def test_an_assignment_statement_then_another_ask() -> None:
    assert requests_of("carol can own OPS-2 and move it to in progress") == (
        JiraAssignRequest(issue="OPS-2", assignee="carol"),
        JiraTransitionRequest(issue="OPS-2", status="In Progress"),
    )


@pytest.mark.parametrize(
    "text",
    [
        "bob can't own PAY-11",
        "I can't grab OPS-3 myself",
        "bob can review PAY-11",
        "juan's got OPS-3 open now",
        "zork can own PAY-11",
        "nice work on PAY-7 sam",
    ],
)
def test_what_someone_cannot_do_or_does_besides_owning_is_no_assignment(text: str) -> None:
    assert read(text).is_empty


# ---------------------------------------------------------------------------------------------------------------
# Fields named without their value: the field is left empty for grounding to ask


@pytest.mark.parametrize(
    ("text", "issue"),
    [
        ("PAY-8 needs to be a lot more urgent than the ticket says", "PAY-8"),
        ("PAY-12 is way more important than its priority says", "PAY-12"),
        ("OPS-4 should be less urgent", "OPS-4"),
        ("PAY-11 must be more critical than that", "PAY-11"),
        ("it has to be much less urgent than it looks", THIS_THREAD),
    ],
)
def test_an_issue_said_to_be_more_or_less_urgent_leaves_its_priority_to_ask(text: str, issue: str) -> None:
    assert requests_of(text) == (JiraUpdateFieldsRequest(issue=issue, priority=None),)


def test_one_issue_more_urgent_than_another_is_no_change() -> None:
    assert read("OPS-3 is more urgent than OPS-1").is_empty


def test_more_urgent_then_another_ask() -> None:
    assert requests_of("PAY-8 should be more urgent than it is, and assign it to alice") == (
        JiraUpdateFieldsRequest(issue="PAY-8"),
        JiraAssignRequest(issue="PAY-8", assignee="alice"),
    )


@pytest.mark.parametrize(
    ("text", "issue"),
    [
        # a rename with no new name
        ("retitle OPS-4 pls", "OPS-4"),
        ("please rename OPS-1, nobody knows what it means", "OPS-1"),
        ("rename PAY-12 pls, it reads wrong", "PAY-12"),
        # a date pushed or pulled by an amount not said
        ("push OPS-4 out a bit", "OPS-4"),
        ("bump PAY-11 back a few days", "PAY-11"),
        ("slip PAY-5 out a little", "PAY-5"),
        ("pull PAY-9 in a bit", "PAY-9"),
    ],
)
def test_a_field_named_without_its_value_is_an_update_with_nothing_filled(text: str, issue: str) -> None:
    assert requests_of(text) == (JiraUpdateFieldsRequest(issue=issue),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "rename PAY-5 to Saved cards on billing",
            JiraUpdateFieldsRequest(issue="PAY-5", summary="Saved cards on billing"),
        ),
        ("push PAY-9 out to friday", JiraUpdateFieldsRequest(issue="PAY-9", due_date=dt.date(2026, 12, 11))),
        ("push PAY-9 to done", JiraTransitionRequest(issue="PAY-9", status="Done")),
    ],
)
def test_a_rename_or_push_that_says_the_value_has_it(text: str, expected: ActionRequest) -> None:
    assert requests_of(text) == (expected,)


def test_pushing_back_on_an_issue_changes_no_field() -> None:
    assert "jira.update_fields" not in _kinds("push back on PAY-9")


# ---------------------------------------------------------------------------------------------------------------
# Notes added to an issue as a comment: the comment's text is asked


@pytest.mark.parametrize(
    ("text", "issue"),
    [
        ("post our findings on PAY-4", "PAY-4"),
        ("copy his write-up to OPS-4 as a comment", "OPS-4"),
        ("add these notes to PAY-11", "PAY-11"),
        ("put the notes on PAY-12", "PAY-12"),
    ],
)
def test_notes_added_to_an_issue_are_a_comment_whose_text_is_asked(text: str, issue: str) -> None:
    assert requests_of(text) == (JiraCommentRequest(issue=issue, body=None),)


def test_notes_added_as_a_comment_then_another_ask() -> None:
    assert requests_of("add my notes to OPS-2 as a comment and move it to in progress") == (
        JiraCommentRequest(issue="OPS-2"),
        JiraTransitionRequest(issue="OPS-2", status="In Progress"),
    )


@pytest.mark.parametrize("text", ["add alice to PAY-11", "add my notes to the PAY board"])
def test_adding_a_person_or_notes_to_no_issue_is_no_comment(text: str) -> None:
    assert "jira.comment" not in _kinds(text)


# ---------------------------------------------------------------------------------------------------------------
# "&" before another ask is "and"; inside a value it stays


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "give PAY-8 to carol & set the priority to high",
            (
                JiraAssignRequest(issue="PAY-8", assignee="carol"),
                JiraUpdateFieldsRequest(issue="PAY-8", priority="High"),
            ),
        ),
        (
            "close PAY-12 & comment on it -> fixed in the release",
            (
                JiraTransitionRequest(issue="PAY-12", status="Done"),
                JiraCommentRequest(issue="PAY-12", body="fixed in the release"),
            ),
        ),
        (
            "move OPS-4 to in progress & remind juan tomorrow to check on OPS-4",
            (
                JiraTransitionRequest(issue="OPS-4", status="In Progress"),
                FollowUpRequest(issue="OPS-4", owner="juan", due_date=dt.date(2026, 12, 9)),
            ),
        ),
        (
            "log a call with ana at initech & create a task for erin to send the quote",
            (
                SalesforceLogCallRequest(contact="ana", account="initech"),
                SalesforceCreateTaskRequest(owner="erin", subject="Send the quote"),
            ),
        ),
    ],
)
def test_an_ampersand_before_another_ask_joins_two_requests(text: str, expected: tuple[ActionRequest, ...]) -> None:
    assert requests_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "set hank scorpio's title to head of sales & marketing",
            SalesforceUpdateContactRequest(contact="hank scorpio", title="head of sales & marketing"),
        ),
        (
            "update peter gibbons' title to VP of R&D",
            SalesforceUpdateContactRequest(contact="peter gibbons", title="VP of R&D"),
        ),
        (
            "file a bug in PAY: the save & close button does nothing",
            JiraCreateIssueRequest(project="PAY", issue_type="Bug", summary="The save & close button does nothing"),
        ),
    ],
)
def test_an_ampersand_inside_a_value_is_part_of_it(text: str, expected: ActionRequest) -> None:
    assert requests_of(text) == (expected,)


# ---------------------------------------------------------------------------------------------------------------
# Praise is small talk


@pytest.mark.parametrize(
    "text", ["great catch!", "good spot, thanks", "great find 🙌", "nice find. thanks!", "nice catch juan"]
)
def test_praise_is_small_talk(text: str) -> None:
    assert read(text).is_empty


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nice find, can you assign OPS-3 to juan", JiraAssignRequest(issue="OPS-3", assignee="juan")),
        ("good catch, move PAY-8 to done", JiraTransitionRequest(issue="PAY-8", status="Done")),
        ("nice work on PAY-7, close it", JiraTransitionRequest(issue="PAY-7", status="Done")),
    ],
)
def test_praise_then_a_request_reads_the_request(text: str, expected: ActionRequest) -> None:
    assert requests_of(text) == (expected,)


# ---------------------------------------------------------------------------------------------------------------
# Found while writing these tests, fixed after them


@pytest.mark.parametrize(
    ("text", "issues"),
    [
        ("give PAY-4 to alice or sam lee", ["PAY-4"]),
        ("assign PAY-8 and PAY-12 to alice or sam lee", ["PAY-8", "PAY-12"]),
        ("reassign OPS-1 and OPS-2 to juan/carol", ["OPS-1", "OPS-2"]),
        ("assign PAY-12 to alice, bob or carol", ["PAY-12"]),  # never the first name of the list
    ],
)
def test_a_choice_of_people_keeps_every_issue_and_picks_nobody(text: str, issues: list[str]) -> None:
    assert requests_of(text) == tuple(JiraAssignRequest(issue=issue) for issue in issues)


@pytest.mark.parametrize("text", ["put this in OPS-3", "file this under PAY-8"])
def test_filing_the_thread_under_an_issue_key_is_no_new_issue(text: str) -> None:
    assert read(text, before="The backup job on db-2 failed again.").requests == ()


@pytest.mark.parametrize(
    "text", ["rename OPS-3, the title is confusing", "rename PAY-5, the summary is wrong", "rename PAY-5, title's off"]
)
def test_what_someone_thinks_of_a_title_is_never_the_new_title(text: str) -> None:
    (request,) = read(text).requests
    assert isinstance(request, JiraUpdateFieldsRequest) and request.summary is None


def test_notes_added_as_a_comment_with_the_text_after_a_colon_keep_the_text() -> None:
    assert requests_of("add my notes to PAY-11 as a comment: repro needs safari 17") == (
        JiraCommentRequest(issue="PAY-11", body="repro needs safari 17"),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "PAY bug -> refund button does nothing on mobile",
            JiraCreateIssueRequest(project="PAY", issue_type="Bug", summary="Refund button does nothing on mobile"),
        ),
        (
            "OPS task -> rotate the backup keys",
            JiraCreateIssueRequest(project="OPS", issue_type="Task", summary="Rotate the backup keys"),
        ),
    ],
)
def test_a_project_and_type_then_an_arrow_is_a_new_issue(text: str, expected: JiraCreateIssueRequest) -> None:
    assert requests_of(text) == (expected,)


def test_a_contracted_will_before_own_assigns() -> None:
    assert requests_of("ivy'll own PAY-11 from here") == (JiraAssignRequest(issue="PAY-11", assignee="ivy"),)
