"""The Jira connector's contract, against the Jira emulator through the real ``jira`` library, for Jira Cloud and
for Jira Data Center / Server (every test runs against both flavours: ``emulator`` is parametrized).

Every test starts from the seed. Assertions read the emulator's state (what Jira now holds) and its request log
(what was sent), not only the connector's answer. "Behind the connector's back" changes go through the emulator's
Python API or a plain HTTP session, as another Jira user would make them.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from approvals.core.actions import (
    Action,
    JiraAssign,
    JiraComment,
    JiraCreateIssue,
    JiraDeleteComment,
    JiraDeleteIssue,
    JiraDeleteLink,
    JiraIssueRef,
    JiraLinkIssues,
    JiraTransition,
    JiraUpdateFields,
    Person,
)
from approvals.core.grounding import JiraIssueInfo, JiraLinkType
from approvals.core.ports import (
    AmbiguousError,
    AuthError,
    ConflictError,
    ExecutionContext,
    Outcome,
    PermanentError,
    RetryableError,
)
from connectors.jira import JiraConnector, translate
from sandbox.jira import JiraEmulator
from sandbox.seed import Seed
from sandbox.server import ServerThread
from tests.emulators import reset, serve

PROPOSAL = "prop-7f3a"
AID = "a1b2c3d4e5f6a7b8c9d0"
OTHER = "0f9e8d7c6b5a4f3e2d1c"
PERMALINK = "https://northwind.slack.com/archives/C0SUPPORT/p1700000000000100"
PAY12_SUMMARY = "Checkout button stays disabled after a failed card"


@dataclass(frozen=True)
class Ids:
    """What the site identifies people by: accountIds on Cloud, user names on Data Center / Server."""

    alice: str
    juan: str


@pytest.fixture(scope="module", params=["Cloud", "Server"])
def emulator(request: pytest.FixtureRequest, seed: Seed, server_thread: ServerThread) -> JiraEmulator:
    return serve(JiraEmulator(seed, deployment=request.param), server_thread)


def connector(emulator: JiraEmulator, *, token: str | None = None, **kwargs: Any) -> JiraConnector:
    """The connector as a deployment configures it for this flavour: email + API token, or a PAT."""
    if emulator.cloud:
        seed = emulator.seed
        return JiraConnector(emulator.base_url, seed.jira.email, token or seed.jira.api_token, **kwargs)
    return JiraConnector(emulator.base_url, personal_access_token=token or emulator.personal_access_token, **kwargs)


@pytest.fixture
def jira(emulator: JiraEmulator) -> JiraConnector:
    reset(emulator)
    return connector(emulator, timeout=(2.0, 5.0))


@pytest.fixture
def ids(emulator: JiraEmulator) -> Ids:
    return Ids(alice=emulator.user_id("alice"), juan=emulator.user_id("juan"))


def user_field(emulator: JiraEmulator, user_id: str | None) -> dict[str, str | None]:
    return {"accountId": user_id} if emulator.cloud else {"name": user_id}


def assignee_of(emulator: JiraEmulator, key: str) -> str | None:
    assignee = emulator.issue(key)["fields"]["assignee"]
    return None if assignee is None else assignee.get("accountId") or assignee["name"]


@pytest.fixture
def http(emulator: JiraEmulator, seed: Seed) -> Iterator[requests.Session]:
    """Another Jira user's session, for changes made behind the connector's back."""
    with requests.Session() as session:
        if emulator.cloud:
            session.auth = (seed.jira.email, seed.jira.api_token)
        else:
            session.headers["Authorization"] = f"Bearer {emulator.personal_access_token}"
        yield session


def ctx(action_id: str = AID, *, permalink: str | None = None) -> ExecutionContext:
    return ExecutionContext(proposal_id=PROPOSAL, action_id=action_id, permalink=permalink)


def ref(key: str) -> JiraIssueRef:
    return JiraIssueRef(key=key)


def retry(jira: JiraConnector, action: Action, context: ExecutionContext) -> Outcome:
    """What the executor does after an attempt that may have taken effect: reconcile, and send only if it did not."""
    return jira.reconcile(action, context) or jira.execute(action, context)


def sent(emulator: JiraEmulator, method: str, path: str) -> int:
    return emulator.requests.count(path=path, method=method)


def bug(**fields: Any) -> JiraCreateIssue:
    return JiraCreateIssue(
        **{"project": "PAY", "issue_type": "Bug", "summary": "Checkout fails on Safari", "priority": "High"} | fields
    )


# --- create_issue ---
def test_create_carries_the_label_and_a_retry_finds_the_issue_instead_of_creating_another(
    jira: JiraConnector, emulator: JiraEmulator
) -> None:
    action = bug(labels=("checkout",), due_date=dt.date(2026, 12, 1))

    outcome = jira.execute(action, ctx())

    [issue] = emulator.find_issues(label=f"followthrough-{AID}")
    assert issue["key"] == outcome.key == "PAY-13"
    assert issue["fields"]["labels"] == ["checkout", f"followthrough-{AID}"]
    assert (issue["fields"]["priority"]["name"], issue["fields"]["duedate"]) == ("High", "2026-12-01")
    assert outcome.changes == {"created": {"key": "PAY-13", "project": "PAY", "issue_type": "Bug"}}
    assert retry(jira, action, ctx()) == outcome
    assert sent(emulator, "POST", r"/issue$") == 1
    assert jira.reconcile(action, ctx(OTHER)) is None


def test_create_assigns_by_the_flavours_identifier_and_reconcile_searches_where_the_flavour_searches(
    jira: JiraConnector, emulator: JiraEmulator, ids: Ids
) -> None:
    alice = Person(display_name="Alice Chen", jira_account_id=ids.alice)

    outcome = jira.execute(bug(assignee=alice), ctx())

    (post,) = emulator.requests.entries(path=r"/issue$", method="POST")
    assert post.body["fields"]["assignee"] == user_field(emulator, ids.alice)
    assert assignee_of(emulator, str(outcome.key)) == ids.alice
    assert jira.reconcile(bug(assignee=alice), ctx()) == outcome
    # Cloud removed /search (410); Data Center / Server has no /search/jql (404).
    searched = r"/rest/api/2/search/jql$" if emulator.cloud else r"/rest/api/2/search$"
    assert sent(emulator, "GET", searched) == 1


def test_create_whose_connection_drops_is_ambiguous_and_reconcile_finds_the_one_made(
    jira: JiraConnector, emulator: JiraEmulator
) -> None:
    emulator.inject(r"/rest/api/2/issue$", method="POST", mode="drop")
    action = bug()

    with pytest.raises(AmbiguousError):
        jira.execute(action, ctx())

    assert retry(jira, action, ctx()).key == "PAY-13"
    assert [i["key"] for i in emulator.find_issues(label=f"followthrough-{AID}")] == ["PAY-13"]
    assert sent(emulator, "POST", r"/issue$") == 1


def test_create_refused_with_a_503_is_ambiguous_and_reconcile_finds_nothing(
    jira: JiraConnector, emulator: JiraEmulator
) -> None:
    emulator.inject(r"/rest/api/2/issue$", method="POST", status=503)

    with pytest.raises(AmbiguousError):
        jira.execute(bug(), ctx())

    assert jira.reconcile(bug(), ctx()) is None
    assert emulator.find_issues(label=f"followthrough-{AID}") == []


def test_found_by_search_follows_the_search_index_and_writes_nothing(
    jira: JiraConnector, emulator: JiraEmulator
) -> None:
    emulator.index_lag = 0.5
    try:
        jira.execute(bug(), ctx())
        writes = len([e for e in emulator.requests.entries() if e.method != "GET"])
        assert jira.found_by_search(bug(), ctx()) is False, "the index has not caught up yet"
        time.sleep(0.6)
        assert jira.found_by_search(bug(), ctx()) is True
        assert jira.found_by_search(bug(), ctx(OTHER)) is False
        assert len([e for e in emulator.requests.entries() if e.method != "GET"]) == writes
    finally:
        emulator.index_lag = 0.0


def test_create_with_a_field_jira_rejects_is_permanent_in_jiras_words(jira: JiraConnector) -> None:
    with pytest.raises(PermanentError) as caught:
        jira.execute(bug(issue_type="Epic"), ctx())
    assert "issuetype: Specify a valid issue type" in caught.value.user_message


# --- comment ---
def test_comment_ends_with_the_marker_and_is_posted_once(jira: JiraConnector, emulator: JiraEmulator) -> None:
    action = JiraComment(issue=ref("PAY-12"), body="Reproduced on Safari 17.\n> it just spins")
    assert jira.reconcile(action, ctx()) is None

    first = jira.execute(action, ctx(permalink=PERMALINK))
    second = jira.execute(action, ctx(permalink=PERMALINK))

    [comment] = emulator.comments("PAY-12")
    assert comment["body"] == (
        "Reproduced on Safari 17.\n{quote}\nit just spins\n{quote}\n\n"
        f"_(via [Followthrough|{PERMALINK}], ref followthrough-{AID})_"
    )
    assert first == second == jira.reconcile(action, ctx())
    assert first.changes == {"created": {"comment_id": comment["id"], "issue": "PAY-12"}}
    assert first.url == f"{emulator.base_url}/browse/PAY-12?focusedCommentId={comment['id']}"
    assert sent(emulator, "POST", r"/comment$") == 1
    assert jira.reconcile(action, ctx(OTHER)) is None
    assert jira.reconcile(action, ctx(AID[:-1])) is None, "an id that is a prefix of ours is another action"


def test_comment_whose_connection_drops_is_found_by_reconcile(jira: JiraConnector, emulator: JiraEmulator) -> None:
    emulator.inject(r"/issue/PAY-12/comment$", method="POST", mode="drop")
    action = JiraComment(issue=ref("PAY-12"), body="Looking into it")

    with pytest.raises(AmbiguousError):
        jira.execute(action, ctx())

    outcome = retry(jira, action, ctx())
    assert [c["id"] for c in emulator.comments("PAY-12")] == [outcome.changes["created"]["comment_id"]]
    assert sent(emulator, "POST", r"/comment$") == 1


def test_comment_on_an_unknown_issue_is_permanent_and_posts_nothing(
    jira: JiraConnector, emulator: JiraEmulator
) -> None:
    with pytest.raises(PermanentError, match="PAY-99"):
        jira.execute(JiraComment(issue=ref("PAY-99"), body="hello"), ctx())
    assert sent(emulator, "POST", r"/comment$") == 0


# --- transition ---
def test_transition_moves_along_the_workflow_once(jira: JiraConnector, emulator: JiraEmulator) -> None:
    action = JiraTransition(issue=ref("PAY-12"), status="in progress", before={"status": "To Do"})
    assert jira.reconcile(action, ctx()) is None

    outcome = jira.execute(action, ctx())
    again = jira.execute(action, ctx())

    assert emulator.issue("PAY-12")["fields"]["status"]["name"] == "In Progress"
    assert outcome.summary == "Moved PAY-12 to In Progress"
    assert outcome.changes == {"before": {"status": "To Do"}, "after": {"status": "In Progress"}}
    assert (again.summary, again.changes) == ("PAY-12 is already In Progress", {"unchanged": True})
    assert sent(emulator, "POST", r"/transitions$") == 1
    assert jira.reconcile(action, ctx()) == outcome


def test_transition_after_someone_else_moved_the_issue_is_a_conflict(
    jira: JiraConnector, emulator: JiraEmulator
) -> None:
    emulator.transition_issue("PAY-12", "In Progress")
    emulator.transition_issue("PAY-12", "Done")
    action = JiraTransition(issue=ref("PAY-12"), status="In Progress", before={"status": "To Do"})

    with pytest.raises(ConflictError) as caught:
        jira.execute(action, ctx())

    assert caught.value.current == {"status": "Done"}
    assert "status is now Done" in caught.value.user_message
    assert emulator.issue("PAY-12")["fields"]["status"]["name"] == "Done"
    assert sent(emulator, "POST", r"/transitions$") == 0
    assert jira.reconcile(action, ctx()) is None


def test_transition_the_workflow_does_not_offer_is_permanent_and_names_what_it_offers(
    jira: JiraConnector, emulator: JiraEmulator
) -> None:
    action = JiraTransition(issue=ref("PAY-12"), status="Done", before={"status": "To Do"})

    with pytest.raises(PermanentError) as caught:
        jira.execute(action, ctx())

    assert "it can move to In Progress" in caught.value.user_message
    assert emulator.issue("PAY-12")["fields"]["status"]["name"] == "To Do"
    assert sent(emulator, "POST", r"/transitions$") == 0


def test_transition_whose_connection_drops_is_ambiguous_and_reconcile_sees_it_done(
    jira: JiraConnector, emulator: JiraEmulator
) -> None:
    emulator.inject(r"/issue/PAY-12/transitions$", method="POST", mode="drop")
    action = JiraTransition(issue=ref("PAY-12"), status="In Progress", before={"status": "To Do"})

    with pytest.raises(AmbiguousError):
        jira.execute(action, ctx())

    outcome = retry(jira, action, ctx())
    assert outcome.changes == {"before": {"status": "To Do"}, "after": {"status": "In Progress"}}
    assert sent(emulator, "POST", r"/transitions$") == 1


# --- assign ---
def test_assign_sets_the_account_once(jira: JiraConnector, emulator: JiraEmulator, ids: Ids) -> None:
    alice = Person(display_name="Alice Chen", jira_account_id=ids.alice)
    action = JiraAssign(issue=ref("PAY-12"), assignee=alice, before={"assignee": None})

    outcome = jira.execute(action, ctx())
    again = jira.execute(action, ctx())

    assert assignee_of(emulator, "PAY-12") == ids.alice
    assert outcome.changes == {
        "before": {"assignee": None, "assignee_name": None},
        "after": {"assignee": ids.alice, "assignee_name": "Alice Chen"},
    }
    assert (again.summary, again.changes) == ("PAY-12 is already assigned to Alice Chen", {"unchanged": True})
    put = emulator.requests.entries(path=r"/issue/PAY-12/assignee$", method="PUT")[0]
    assert put.body == user_field(emulator, ids.alice)  # Server/DC takes {"name": ...}, Cloud {"accountId": ...}
    assert sent(emulator, "PUT", r"/assignee$") == 1


def test_unassign_clears_the_assignee(jira: JiraConnector, emulator: JiraEmulator, ids: Ids) -> None:
    outcome = jira.execute(JiraAssign(issue=ref("PAY-4"), assignee=None, before={"assignee": ids.alice}), ctx())

    assert emulator.issue("PAY-4")["fields"]["assignee"] is None
    assert outcome.summary == "Unassigned PAY-4"
    assert outcome.changes == {
        "before": {"assignee": ids.alice, "assignee_name": "Alice Chen"},
        "after": {"assignee": None, "assignee_name": None},
    }


def test_assign_after_someone_else_took_the_issue_is_a_conflict(
    jira: JiraConnector, emulator: JiraEmulator, http: requests.Session, ids: Ids
) -> None:
    url = f"{emulator.base_url}/rest/api/2/issue/PAY-12/assignee"
    http.put(url, json=user_field(emulator, ids.juan)).raise_for_status()
    emulator.requests.clear()
    alice = Person(display_name="Alice Chen", jira_account_id=ids.alice)

    with pytest.raises(ConflictError) as caught:
        jira.execute(JiraAssign(issue=ref("PAY-12"), assignee=alice, before={"assignee": None}), ctx())

    assert caught.value.current == {"assignee": ids.juan}
    assert assignee_of(emulator, "PAY-12") == ids.juan
    assert sent(emulator, "PUT", r"/assignee$") == 0


# --- update_fields ---
def test_update_fields_sends_only_what_differs_and_a_repeat_changes_nothing(
    jira: JiraConnector, emulator: JiraEmulator
) -> None:
    action = JiraUpdateFields(
        issue=ref("PAY-12"),
        summary=PAY12_SUMMARY,  # already the value: not sent
        priority="Highest",
        labels=("checkout", "safari"),
        due_date=dt.date(2026, 12, 1),
        before={"summary": PAY12_SUMMARY, "priority": "High", "labels": [], "due_date": None},
    )

    outcome = jira.execute(action, ctx())
    again = jira.execute(action, ctx())

    fields = emulator.issue("PAY-12")["fields"]
    assert (fields["priority"]["name"], fields["labels"], fields["duedate"]) == (
        "Highest",
        ["checkout", "safari"],
        "2026-12-01",
    )
    [put] = emulator.requests.entries(path=r"/issue/PAY-12$", method="PUT")
    assert put.body == {
        "fields": {"priority": {"name": "Highest"}, "labels": ["checkout", "safari"], "duedate": "2026-12-01"}
    }
    assert outcome.changes == {
        "before": {"priority": "High", "labels": [], "due_date": None},
        "after": {"priority": "Highest", "labels": ["checkout", "safari"], "due_date": "2026-12-01"},
    }
    assert again.changes == {"unchanged": True}
    assert jira.reconcile(action, ctx()) == outcome
    assert jira.issue("PAY-12").due_date == dt.date(2026, 12, 1)  # type: ignore[union-attr]


def test_update_fields_leaves_a_field_someone_already_set(
    jira: JiraConnector, emulator: JiraEmulator, http: requests.Session
) -> None:
    url = f"{emulator.base_url}/rest/api/2/issue/PAY-12"
    http.put(url, json={"fields": {"priority": {"name": "Highest"}}}).raise_for_status()
    emulator.requests.clear()
    action = JiraUpdateFields(
        issue=ref("PAY-12"), priority="Highest", due_date=dt.date(2026, 12, 1), before={"priority": "High"}
    )

    outcome = jira.execute(action, ctx())

    assert [e.body for e in emulator.requests.entries(path=r"/issue/PAY-12$", method="PUT")] == [
        {"fields": {"duedate": "2026-12-01"}}
    ]
    assert outcome.changes == {"before": {"due_date": None}, "after": {"due_date": "2026-12-01"}}


def test_update_fields_conflict_writes_nothing(
    jira: JiraConnector, emulator: JiraEmulator, http: requests.Session
) -> None:
    url = f"{emulator.base_url}/rest/api/2/issue/PAY-12"
    http.put(url, json={"fields": {"priority": {"name": "Low"}}}).raise_for_status()
    emulator.requests.clear()
    action = JiraUpdateFields(
        issue=ref("PAY-12"),
        priority="Highest",
        due_date=dt.date(2026, 12, 1),
        before={"priority": "High", "due_date": None},
    )

    with pytest.raises(ConflictError) as caught:
        jira.execute(action, ctx())

    assert caught.value.current == {"priority": "Low", "due_date": None}
    assert "priority is now Low" in caught.value.user_message
    assert emulator.issue("PAY-12")["fields"]["duedate"] is None
    assert sent(emulator, "PUT", r"/issue/PAY-12$") == 0


def test_update_fields_jira_rejects_is_permanent_in_jiras_words(jira: JiraConnector) -> None:
    action = JiraUpdateFields(issue=ref("PAY-12"), priority="Urgent", before={"priority": "High"})
    with pytest.raises(PermanentError) as caught:
        jira.execute(action, ctx())
    assert "priority: Specify a valid 'id' or 'name' for priority" in caught.value.user_message


def test_setting_labels_keeps_the_idempotency_label_of_an_issue_we_created(
    jira: JiraConnector, emulator: JiraEmulator
) -> None:
    create = bug(labels=("checkout",))
    key = jira.execute(create, ctx(AID)).key
    assert key is not None

    jira.execute(JiraUpdateFields(issue=ref(key), labels=("safari",), before={"labels": ["checkout"]}), ctx(OTHER))

    assert emulator.issue(key)["fields"]["labels"] == ["safari", f"followthrough-{AID}"]
    assert jira.issue(key).labels == ("safari",)  # type: ignore[union-attr]
    assert jira.reconcile(create, ctx(AID)).key == key  # type: ignore[union-attr]


# --- link_issues ---
def test_link_issues_once_and_learn_the_new_links_id(jira: JiraConnector, emulator: JiraEmulator) -> None:
    action = JiraLinkIssues(outward=ref("PAY-12"), inward=ref("PAY-9"), link_type="blocks")
    assert jira.reconcile(action, ctx()) is None

    outcome = jira.execute(action, ctx())
    again = jira.execute(action, ctx())

    [link] = emulator.issue("PAY-12")["fields"]["issuelinks"]
    assert (link["type"]["name"], link["outwardIssue"]["key"]) == ("Blocks", "PAY-9")
    [seen_from_inward] = emulator.issue("PAY-9")["fields"]["issuelinks"]
    assert seen_from_inward["inwardIssue"]["key"] == "PAY-12"  # PAY-9 is blocked by PAY-12
    assert outcome.changes == {
        "created": {"link_id": link["id"], "outward": "PAY-12", "inward": "PAY-9", "type": "Blocks"}
    }
    assert (again.summary, again.changes) == ("PAY-12 already blocks PAY-9", {"unchanged": True})
    assert sent(emulator, "POST", r"/issueLink$") == 1
    assert jira.reconcile(action, ctx()) == outcome
    reverse = JiraLinkIssues(outward=ref("PAY-9"), inward=ref("PAY-12"), link_type="Blocks")
    assert jira.reconcile(reverse, ctx()) is None, "the direction is part of the link"


def test_link_whose_connection_drops_is_found_by_reconcile(jira: JiraConnector, emulator: JiraEmulator) -> None:
    emulator.inject(r"/issueLink$", method="POST", mode="drop")
    action = JiraLinkIssues(outward=ref("PAY-12"), inward=ref("PAY-9"), link_type="Blocks")

    with pytest.raises(AmbiguousError):
        jira.execute(action, ctx())

    outcome = retry(jira, action, ctx())
    assert [link["id"] for link in emulator.issue("PAY-12")["fields"]["issuelinks"]] == [
        outcome.changes["created"]["link_id"]
    ]
    assert sent(emulator, "POST", r"/issueLink$") == 1


def test_link_with_an_unknown_type_or_issue_is_permanent(jira: JiraConnector, emulator: JiraEmulator) -> None:
    with pytest.raises(PermanentError, match=r"Blocks \(blocks\)"):
        jira.execute(JiraLinkIssues(outward=ref("PAY-12"), inward=ref("PAY-9"), link_type="fixes"), ctx())
    assert sent(emulator, "POST", r"/issueLink$") == 0

    with pytest.raises(PermanentError) as caught:
        jira.execute(JiraLinkIssues(outward=ref("PAY-12"), inward=ref("PAY-99"), link_type="Blocks"), ctx())
    assert "Issue does not exist" in caught.value.user_message
    assert emulator.issue("PAY-12")["fields"]["issuelinks"] == []


# --- deletes (the inverses Undo runs) ---
def test_delete_issue_undoes_a_create_once(jira: JiraConnector, emulator: JiraEmulator) -> None:
    key = jira.execute(bug(labels=("checkout",)), ctx(AID)).key
    assert key is not None
    before = {"summary": "Checkout fails on Safari", "status": "To Do", "assignee": None, "labels": ["checkout"]}
    undo = JiraDeleteIssue(issue=ref(key), before=before)
    assert jira.reconcile(undo, ctx(OTHER)) is None

    outcome = jira.execute(undo, ctx(OTHER))
    again = jira.execute(undo, ctx(OTHER))

    with pytest.raises(KeyError):
        emulator.issue(key)
    assert outcome.changes == {"deleted": {"key": key, "summary": "Checkout fails on Safari"}}
    assert (again.summary, again.changes) == (f"{key} was already deleted", {"unchanged": True})
    assert sent(emulator, "DELETE", rf"/issue/{key}$") == 1
    assert jira.reconcile(undo, ctx(OTHER)) == outcome


def test_delete_issue_refuses_when_the_issue_changed_since(jira: JiraConnector, emulator: JiraEmulator) -> None:
    key = jira.execute(bug(), ctx(AID)).key
    assert key is not None
    emulator.transition_issue(key, "In Progress")
    undo = JiraDeleteIssue(issue=ref(key), before={"summary": "Checkout fails on Safari", "status": "To Do"})

    with pytest.raises(ConflictError) as caught:
        jira.execute(undo, ctx(OTHER))

    assert caught.value.current == {"summary": "Checkout fails on Safari", "status": "In Progress"}
    assert "status is now In Progress" in caught.value.user_message
    assert emulator.issue(key)["key"] == key
    assert sent(emulator, "DELETE", r"/issue/") == 0


def test_delete_issue_refuses_a_value_it_cannot_check(jira: JiraConnector, emulator: JiraEmulator) -> None:
    with pytest.raises(PermanentError, match="description"):
        jira.execute(JiraDeleteIssue(issue=ref("PAY-12"), before={"description": "x"}), ctx())
    assert emulator.issue("PAY-12")["key"] == "PAY-12"


def test_delete_comment_once(jira: JiraConnector, emulator: JiraEmulator) -> None:
    posted = jira.execute(JiraComment(issue=ref("PAY-12"), body="Looking into it"), ctx(AID))
    undo = JiraDeleteComment(issue=ref("PAY-12"), comment_id=posted.changes["created"]["comment_id"])
    assert jira.reconcile(undo, ctx(OTHER)) is None

    outcome = jira.execute(undo, ctx(OTHER))
    again = jira.execute(undo, ctx(OTHER))

    assert emulator.comments("PAY-12") == []
    assert outcome.changes == {"deleted": {"comment_id": undo.comment_id, "issue": "PAY-12"}}
    assert again.changes == {"unchanged": True}
    assert jira.reconcile(undo, ctx(OTHER)) == outcome


def test_delete_link_once(jira: JiraConnector, emulator: JiraEmulator) -> None:
    linked = jira.execute(JiraLinkIssues(outward=ref("PAY-12"), inward=ref("PAY-9"), link_type="Blocks"), ctx(AID))
    created = linked.changes["created"]
    undo = JiraDeleteLink(
        link_id=created["link_id"], outward=ref("PAY-12"), inward=ref("PAY-9"), link_type=created["type"]
    )
    assert jira.reconcile(undo, ctx(OTHER)) is None

    outcome = jira.execute(undo, ctx(OTHER))
    again = jira.execute(undo, ctx(OTHER))

    assert emulator.issue("PAY-12")["fields"]["issuelinks"] == []
    assert outcome.changes["deleted"]["link_id"] == created["link_id"]
    assert again.changes == {"unchanged": True}
    assert sent(emulator, "DELETE", r"/issueLink/") == 2  # the repeat found it gone (404)
    assert jira.reconcile(undo, ctx(OTHER)) == outcome


# --- errors ---
def test_429_with_retry_after_is_retryable_and_nothing_is_written(jira: JiraConnector, emulator: JiraEmulator) -> None:
    emulator.inject(r"/issue/PAY-12$", method="GET", status=429, retry_after=7)

    with pytest.raises(RetryableError) as caught:
        jira.execute(JiraTransition(issue=ref("PAY-12"), status="In Progress", before={"status": "To Do"}), ctx())

    assert caught.value.retry_after == 7.0
    assert sent(emulator, "POST", r"/transitions$") == 0


def test_429_on_a_write_was_refused_before_it_happened(jira: JiraConnector, emulator: JiraEmulator) -> None:
    emulator.inject(r"/issue/PAY-12/comment$", method="POST", status=429, retry_after=3)

    with pytest.raises(RetryableError) as caught:
        jira.execute(JiraComment(issue=ref("PAY-12"), body="hello"), ctx())

    assert type(caught.value) is RetryableError
    assert caught.value.retry_after == 3.0
    assert emulator.comments("PAY-12") == []


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [("GET", r"/issue/PAY-12$", RetryableError), ("PUT", r"/issue/PAY-12/assignee$", AmbiguousError)],
    ids=["read", "write"],
)
def test_503_is_retryable_on_a_read_and_ambiguous_on_a_write(
    jira: JiraConnector, emulator: JiraEmulator, ids: Ids, method: str, path: str, expected: type[Exception]
) -> None:
    emulator.inject(path, method=method, status=503)
    alice = Person(display_name="Alice Chen", jira_account_id=ids.alice)

    with pytest.raises(expected) as caught:
        jira.execute(JiraAssign(issue=ref("PAY-12"), assignee=alice, before={"assignee": None}), ctx())

    assert type(caught.value) is expected


def test_bad_credentials_are_an_auth_error_naming_the_settings_to_check(emulator: JiraEmulator) -> None:
    reset(emulator)
    wrong = connector(emulator, token="not-the-token", timeout=(2.0, 5.0))

    with pytest.raises(AuthError) as caught:
        wrong.execute(JiraComment(issue=ref("PAY-12"), body="hello"), ctx())
    assert ("JIRA_API_TOKEN" if emulator.cloud else "JIRA_PAT") in caught.value.user_message
    with pytest.raises(AuthError):
        wrong.issue("PAY-12")


def test_a_401_in_the_middle_of_a_session_is_an_auth_error(jira: JiraConnector, emulator: JiraEmulator) -> None:
    emulator.inject(r"/issue/PAY-12/comment$", method="POST", status=401)

    with pytest.raises(AuthError):
        jira.execute(JiraComment(issue=ref("PAY-12"), body="hello"), ctx())
    assert emulator.comments("PAY-12") == []


def test_read_timeout_is_retryable_on_a_read_and_ambiguous_on_a_write(emulator: JiraEmulator) -> None:
    reset(emulator)
    impatient = connector(emulator, timeout=(2.0, 0.2))
    action = JiraComment(issue=ref("PAY-12"), body="Looking into it")
    assert impatient.reconcile(action, ctx()) is None  # connected, before any fault

    emulator.inject(r"/issue/PAY-11$", method="GET", mode="delay", delay=0.5)
    with pytest.raises(RetryableError):
        impatient.issue("PAY-11")

    emulator.inject(r"/issue/PAY-12/comment$", method="POST", mode="drop", delay=0.5)  # commits, then stalls
    with pytest.raises(AmbiguousError):
        impatient.execute(action, ctx())
    assert retry(impatient, action, ctx()).changes["created"]["issue"] == "PAY-12"
    assert len(emulator.comments("PAY-12")) == 1


def test_a_connection_that_never_opened_is_retryable_even_for_a_write() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(requests.ConnectionError) as caught:
        requests.post(f"http://127.0.0.1:{port}/rest/api/2/issue", json={}, timeout=2)

    assert type(translate(caught.value, writes=True)) is RetryableError


# --- JiraCatalog ---
def test_issue_is_read_fresh_with_the_moves_its_workflow_offers_now(
    jira: JiraConnector, emulator: JiraEmulator, ids: Ids
) -> None:
    assert jira.issue("PAY-10") == JiraIssueInfo(
        key="PAY-10",
        summary="Tax is computed twice for Canadian orders",
        project="PAY",
        status="In Progress",
        assignee_account_id=ids.alice,
        assignee_name="Alice Chen",
        priority="High",
        labels=("tax",),
        due_date=None,
        transitions=("To Do", "Done"),
        assignee_email="alice@northwind.example",
        reporter="bob@northwind.example",  # seeded issues are reported by their project's lead
    )
    assert jira.issue("PAY-12").transitions == ("In Progress",)  # type: ignore[union-attr]

    emulator.transition_issue("PAY-12", "In Progress")

    moved = jira.issue("PAY-12")
    assert (moved.status, moved.transitions) == ("In Progress", ("To Do", "Done"))  # type: ignore[union-attr]
    assert jira.issue("PAY-99") is None


def test_issue_that_cannot_be_read_is_an_error_not_none(jira: JiraConnector, emulator: JiraEmulator) -> None:
    emulator.inject(r"/issue/PAY-12$", method="GET", status=429, retry_after=2)
    with pytest.raises(RetryableError):
        jira.issue("PAY-12")


def test_a_person_is_found_by_email_as_the_flavour_identifies_people(
    jira: JiraConnector, emulator: JiraEmulator, ids: Ids
) -> None:
    assert jira.cloud is emulator.cloud
    assert jira.account_id_for_email("alice@northwind.example") == ids.alice
    assert jira.account_id_for_email("nobody@northwind.example") is None
    (search, _) = emulator.requests.entries(path=r"/user/search$")
    # Cloud's user search takes query= (username= is refused in GDPR strict mode); Server/DC's takes username=.
    assert ("query" if emulator.cloud else "username") in search.query


def test_link_types_are_listed_and_cached(jira: JiraConnector, emulator: JiraEmulator) -> None:
    types = jira.link_types()

    assert [t.name for t in types] == ["Blocks", "Cloners", "Duplicate", "Relates"]
    assert JiraLinkType(name="Blocks", outward="blocks", inward="is blocked by") in types
    assert jira.link_types() == types
    assert sent(emulator, "GET", r"/issueLinkType$") == 1


def test_warm_caches_the_catalog_and_leaves_no_pooled_socket_for_forked_jobs(
    jira: JiraConnector, emulator: JiraEmulator
) -> None:
    def pooled_connections() -> int:
        return len(jira.client._session.adapters["http://"].poolmanager.pools)

    emulator.inject(r"/issueLinkType$", method="GET", status=503)
    with pytest.raises(RetryableError):
        jira.warm()
    assert pooled_connections() == 0, "a failed warm-up must not leave a socket for the forks to share"

    jira.warm()
    assert pooled_connections() == 0
    emulator.requests.clear()
    assert "PAY" in jira.projects()
    assert "Highest" in jira.priorities()
    assert len(jira.link_types()) == 4
    assert emulator.requests.count() == 0


def test_every_log_line_names_the_proposal(jira: JiraConnector, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="connectors.jira")
    jira.execute(JiraComment(issue=ref("PAY-12"), body="Looking into it"), ctx())
    jira.execute(JiraTransition(issue=ref("PAY-12"), status="In Progress", before={"status": "To Do"}), ctx())
    jira.execute(JiraTransition(issue=ref("PAY-12"), status="In Progress", before={"status": "To Do"}), ctx())

    lines = [r.getMessage() for r in caplog.records if r.name == "connectors.jira"]
    assert len(lines) == 3
    assert all(PROPOSAL in line for line in lines)


# --- the site as an admin checks it (followthrough doctor) ------------------------------------------------------------


def test_whoami_names_the_account_the_credentials_sign_in_as(emulator: JiraEmulator, jira: JiraConnector) -> None:
    who = jira.whoami()
    assert who.startswith("Followthrough (") and who.endswith(")")
    with pytest.raises(AuthError):
        connector(emulator, token="not-the-token").whoami()


def test_create_screens_read_the_create_metadata_of_either_flavour(jira: JiraConnector) -> None:
    screens = jira.create_screens("PAY")
    assert [s.issue_type for s in screens] == ["Bug", "Task", "Story"]
    assert all(s.unfilled == () for s in screens), "every required field is sent or has a default"
    with pytest.raises(PermanentError, match="No project could be found with key 'NOPE'"):
        jira.create_screens("NOPE")
