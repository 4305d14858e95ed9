"""Grounding: every name in a request becomes a real identifier, or the requester gets a question. Never a guess.

The directory and the Jira catalogue are the ports grounding reads; here they are small classes over plain data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from approvals.core.actions import JiraCreateIssue, Person
from approvals.core.grounding import (
    Choice,
    GroundingContext,
    JiraProjectInfo,
    Lookups,
    NeedsInfo,
    Unworkable,
    ground,
    resolve_person,
)
from approvals.core.intents import JiraCreateIssueRequest
from approvals.core.policy import Principal
from approvals.core.ports import PersonMatch

TODAY = dt.date(2026, 11, 20)

DANA = PersonMatch("U0DANA001", "dana", "Dana Scully", "dana@northwind.example")
ALICE = PersonMatch("U0ALICE01", "alice", "Alice Liddell", "alice@northwind.example")
SAM_P = PersonMatch("U0SAMP001", "sam.p", "Sam Porter", "sam.porter@northwind.example")
SAM_W = PersonMatch("U0SAMW001", "sam.w", "Sam Wise", "sam.wise@northwind.example")
NOJIRA = PersonMatch("U0NOJIRA1", "olga", "Olga Offline", "olga@elsewhere.example")
NOMAIL = PersonMatch("U0NOMAIL1", "bot-ish", "Nora Nomail", None)


class Members:
    """A Directory over a list of people: a name matches a handle, a full name or a first name, ignoring case."""

    def __init__(self, people: Sequence[PersonMatch]) -> None:
        self.people = tuple(people)
        self.searches: list[str] = []

    def principal(self, user_id: str) -> Principal:
        return Principal(user_id=user_id)

    def find_people(self, name: str) -> Sequence[PersonMatch]:
        self.searches.append(name)
        wanted = name.lower()
        return [
            p
            for p in self.people
            if wanted in (p.display_name.lower(), p.real_name.lower(), p.real_name.split()[0].lower())
        ]

    def person(self, user_id: str) -> PersonMatch | None:
        return next((p for p in self.people if p.slack_user_id == user_id), None)

    def person_by_email(self, email: str) -> PersonMatch | None:
        return next((p for p in self.people if p.email == email), None)

    def members_of(self, roles: Sequence[str]) -> Sequence[str]:
        return ()


class Catalog:
    """A JiraCatalog over fixed projects, priorities and accounts."""

    def __init__(self) -> None:
        self._projects = {
            "PAY": JiraProjectInfo("PAY", "Payments", ("Bug", "Task", "Story")),
            "OPS": JiraProjectInfo("OPS", "Operations", ("Task",)),
        }
        self._accounts = {
            "dana@northwind.example": "jira-dana",
            "alice@northwind.example": "jira-alice",
            "sam.porter@northwind.example": "jira-samp",
            "sam.wise@northwind.example": "jira-samw",
        }

    def projects(self) -> Mapping[str, JiraProjectInfo]:
        return self._projects

    def priorities(self) -> Sequence[str]:
        return ("Highest", "High", "Medium", "Low", "Lowest")

    def account_id_for_email(self, email: str) -> str | None:
        return self._accounts.get(email)


DIRECTORY = Members([DANA, ALICE, SAM_P, SAM_W, NOJIRA, NOMAIL])
QUOTE = "> Checkout fails on Safari when paying with Apple Pay.\n> <https://northwind.slack.com/archives/C1/p1|thread>"
CONTEXT = GroundingContext(requester=DANA, today=TODAY, thread_quote=QUOTE)


def request(**fields: Any) -> JiraCreateIssueRequest:
    values: dict[str, Any] = {"project": "PAY", "issue_type": "Bug", "summary": "Checkout fails on Safari"}
    values.update(fields)
    return JiraCreateIssueRequest(**values)


def grounded(**fields: Any) -> JiraCreateIssue | NeedsInfo | Unworkable:
    return ground(request(**fields), Lookups(DIRECTORY, jira=Catalog()), CONTEXT)


def question(**fields: Any) -> NeedsInfo:
    result = grounded(**fields)
    assert isinstance(result, NeedsInfo), result
    return result


def action(**fields: Any) -> JiraCreateIssue:
    result = grounded(**fields)
    assert isinstance(result, JiraCreateIssue), result
    return result


# ---------------------------------------------------------------------------------------------------------------
# Success


def test_a_complete_request_becomes_the_exact_action_with_the_thread_quoted() -> None:
    result = action(
        project="pay",
        issue_type="bug",
        summary="Checkout fails on Safari",
        description="  Seen by three customers.  ",
        assignee="Alice",
        priority="high",
        labels=("web", "safari"),
        due_date=dt.date(2026, 11, 27),
    )
    assert result == JiraCreateIssue(
        project="PAY",
        issue_type="Bug",
        summary="Checkout fails on Safari",
        description="Seen by three customers.\n\n" + QUOTE,
        assignee=Person(
            display_name="Alice Liddell",
            slack_user_id="U0ALICE01",
            email="alice@northwind.example",
            jira_account_id="jira-alice",
        ),
        priority="High",
        labels=("web", "safari"),
        due_date=dt.date(2026, 11, 27),
    )


def test_without_a_description_the_thread_quote_is_the_description() -> None:
    assert action().description == QUOTE


def test_without_a_thread_quote_the_description_is_the_request_description() -> None:
    context = GroundingContext(requester=DANA, today=TODAY)
    result = ground(request(description="Only this"), Lookups(DIRECTORY, jira=Catalog()), context)
    assert isinstance(result, JiraCreateIssue)
    assert result.description == "Only this"


def test_optional_fields_left_out_stay_empty() -> None:
    result = action()
    assert (result.assignee, result.priority, result.labels, result.due_date) == (None, None, (), None)


def test_due_today_is_not_in_the_past() -> None:
    assert action(due_date=TODAY).due_date == TODAY


# ---------------------------------------------------------------------------------------------------------------
# Questions about the project, type, summary, priority and date


def test_missing_project_asks_which_one_and_lists_the_keys() -> None:
    asked = question(project=None)
    assert asked == NeedsInfo(
        "Which Jira project should I file this in? (OPS, PAY)",
        ("project",),
        (Choice("OPS: Operations", "OPS"), Choice("PAY: Payments", "PAY")),
    )


def test_unknown_project_is_named_with_the_keys_to_pick_from() -> None:
    asked = question(project="PAYMENTS")
    assert asked.question == "There is no Jira project *PAYMENTS* I can use. Pick one of: OPS, PAY."
    assert (asked.missing, [c.value for c in asked.choices]) == (("project",), ["OPS", "PAY"])


def test_missing_issue_type_asks_what_kind_of_issue() -> None:
    asked = question(issue_type=None)
    assert asked == NeedsInfo(
        "What kind of issue is it? (Bug, Task, Story)",
        ("issue_type",),
        (Choice("Bug", "Bug"), Choice("Task", "Task"), Choice("Story", "Story")),
    )


def test_issue_type_the_project_lacks_is_named() -> None:
    asked = question(project="OPS", issue_type="Bug")
    assert asked.question == "*Bug* is not an issue type in OPS. Which one is it? (Task)"
    assert [c.value for c in asked.choices] == ["Task"]


@pytest.mark.parametrize("summary", [None, "", "   "])
def test_missing_summary_asks_for_a_one_line_summary(summary: str | None) -> None:
    asked = question(summary=summary)
    assert asked.question == "What should the bug in PAY be called? Reply with a one-line summary."
    assert asked.missing == ("summary",)


def test_unknown_priority_lists_the_priorities_there_are() -> None:
    asked = question(priority="Urgent")
    assert asked.question == "*Urgent* is not a priority here. Use one of: Highest, High, Medium, Low, Lowest."
    assert [c.value for c in asked.choices] == ["Highest", "High", "Medium", "Low", "Lowest"]


def test_due_date_in_the_past_asks_for_another() -> None:
    asked = question(due_date=dt.date(2026, 11, 19))
    assert asked.question == "The due date 2026-11-19 is in the past. When should it be due?"
    assert asked.missing == ("due_date",)


def test_a_value_jira_would_refuse_becomes_a_question_not_an_error() -> None:
    asked = question(labels=("needs triage",))
    assert asked.missing == ("labels",)
    assert asked.question.startswith("I can't use the labels as given:")
    assert "needs triage" in asked.question


def test_without_jira_nothing_can_be_filed() -> None:
    result = ground(request(), Lookups(DIRECTORY), CONTEXT)
    assert isinstance(result, Unworkable)
    assert "Jira is not connected" in result.reason


# ---------------------------------------------------------------------------------------------------------------
# People


@pytest.mark.parametrize("name", ["me", "Me", "myself", "I", "@me"])
def test_assignee_me_is_the_requester(name: str) -> None:
    assignee = action(assignee=name).assignee
    assert assignee == Person(
        display_name="Dana Scully",
        slack_user_id="U0DANA001",
        email="dana@northwind.example",
        jira_account_id="jira-dana",
    )


@pytest.mark.parametrize("name", ["Alice Liddell", "alice", "@alice", " Alice "])
def test_a_name_that_matches_one_member_is_that_member(name: str) -> None:
    assignee = action(assignee=name).assignee
    assert assignee is not None
    assert (assignee.slack_user_id, assignee.jira_account_id) == ("U0ALICE01", "jira-alice")


def test_an_ambiguous_name_asks_which_one_listing_every_candidate() -> None:
    asked = question(assignee="Sam")
    assert asked == NeedsInfo(
        "*Sam* could be <@U0SAMP001> or <@U0SAMW001>. Which one did you mean?",
        ("assignee",),
        (
            Choice("Sam Porter (@sam.p)", "<@U0SAMP001>", "sam.porter@northwind.example"),
            Choice("Sam Wise (@sam.w)", "<@U0SAMW001>", "sam.wise@northwind.example"),
        ),
    )


def test_three_candidates_are_listed_with_commas() -> None:
    sam_x = PersonMatch("U0SAMX001", "sam.x", "Sam Xu", "sam.xu@northwind.example")
    asked = resolve_person("sam", directory=Members([SAM_P, SAM_W, sam_x]), requester=DANA)
    assert isinstance(asked, NeedsInfo)
    assert asked.question.startswith("*sam* could be <@U0SAMP001>, <@U0SAMW001> or <@U0SAMX001>.")


def test_an_unknown_person_is_a_question_asking_for_a_mention() -> None:
    asked = question(assignee="Zed")
    assert asked.question.startswith("I couldn't find anyone called *Zed* in this workspace.")
    assert "Mention them with @" in asked.question
    assert asked.missing == ("assignee",)


def test_a_person_without_a_jira_account_is_named() -> None:
    asked = question(assignee="olga")
    assert asked.question == (
        "<@U0NOJIRA1> has no Jira account I can find for olga@elsewhere.example. "
        "Assign someone else, or say 'unassigned'."
    )


def test_a_person_without_an_email_cannot_be_matched_to_jira() -> None:
    asked = question(assignee="Nora")
    assert asked.question.startswith("<@U0NOMAIL1> has no Jira account I can find.")


@pytest.mark.parametrize("name", ["unassigned", "Unassigned", "nobody", "no one"])
def test_unassigned_leaves_the_issue_without_assignee_as_the_question_above_suggests(name: str) -> None:
    assert action(assignee=name).assignee is None


@pytest.mark.parametrize("mention", ["<@U0SAMW001>", "<@U0SAMW001|sam.w>", " <@U0SAMW001> "])
def test_a_mention_names_exactly_one_member_without_a_search(mention: str) -> None:
    directory = Members([SAM_P, SAM_W])
    resolved = resolve_person(mention, directory=directory, requester=DANA)
    assert resolved == SAM_W
    assert directory.searches == []


def test_a_mention_of_someone_not_in_the_workspace_is_a_question() -> None:
    asked = resolve_person("<@U0GONE001>", directory=DIRECTORY, requester=DANA)
    assert asked == NeedsInfo("I can't find <@U0GONE001> in this workspace.", ("assignee",))
