"""The Jira emulator, driven by the real ``jira`` client (3.10.5) over real sockets.

Every test starts from the seed (autouse reset). The client is built as the product builds it: basic auth with the
bot's API token, ``max_retries=0`` and ``get_server_info=True`` so it detects the Cloud deployment.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from jira import JIRA, JIRAError

from sandbox.jira import JiraEmulator
from sandbox.seed import Seed
from sandbox.server import ServerThread
from tests.emulators import reset, serve

ALICE = "712020:0d1a6e2c-alice"
JUAN = "712020:0d1a6e2c-juan"
BOT = "712020:followthrough-bot"
JIRA_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")


@pytest.fixture(scope="module")
def emulator(seed: Seed, server_thread: ServerThread) -> JiraEmulator:
    return serve(JiraEmulator(seed), server_thread)


@pytest.fixture(autouse=True)
def _fresh(emulator: JiraEmulator) -> None:
    reset(emulator)


@pytest.fixture
def jira(emulator: JiraEmulator, seed: Seed) -> JIRA:
    return JIRA(server=emulator.base_url, basic_auth=(seed.jira.email, seed.jira.api_token), max_retries=0, timeout=5)


@pytest.fixture
def http(emulator: JiraEmulator, seed: Seed) -> Iterator[requests.Session]:
    """A plain authenticated session, for calls whose exact status or body the library hides."""
    with requests.Session() as session:
        session.auth = (seed.jira.email, seed.jira.api_token)
        yield session


def new_issue(jira: JIRA, **fields: Any) -> Any:
    base: dict[str, Any] = {"project": {"key": "PAY"}, "issuetype": {"name": "Task"}, "summary": "Approve discount"}
    return jira.create_issue(fields=base | fields, prefetch=False)


def keys(issues: Any) -> list[str]:
    return [issue.key for issue in issues]


# --- connection and reads ---
def test_client_detects_cloud_and_the_emulator_url(jira: JIRA, emulator: JiraEmulator) -> None:
    assert jira.deploymentType == "Cloud"
    assert jira.server_info()["baseUrl"] == emulator.base_url
    me = jira.myself()
    assert (me["accountId"], me["displayName"], me["emailAddress"]) == (BOT, "Followthrough", emulator.seed.jira.email)


def test_environment_points_a_process_at_the_emulator(emulator: JiraEmulator, seed: Seed) -> None:
    assert emulator.environment() == {
        "JIRA_URL": emulator.base_url,
        "JIRA_EMAIL": seed.jira.email,
        "JIRA_API_TOKEN": seed.jira.api_token,
    }


def test_catalog_endpoints_serve_the_seed(jira: JIRA) -> None:
    assert [p.key for p in jira.projects()] == ["PAY", "OPS"]
    assert [t.name for t in jira.project("OPS").issueTypes] == ["Bug", "Task", "Story"]
    assert [p.name for p in jira.priorities()] == ["Highest", "High", "Medium", "Low", "Lowest"]
    labels = next(f for f in jira.fields() if f["id"] == "labels")
    assert labels["clauseNames"] == ["labels"]
    assert labels["custom"] is False
    found = jira.search_users(query="alice")
    assert [(u.accountId, u.displayName) for u in found] == [(ALICE, "Alice Chen")]
    assert found[0].self.startswith(jira.server_url)


def test_fields_parameter_filters_like_jira(http: requests.Session, emulator: JiraEmulator) -> None:
    url = f"{emulator.base_url}/rest/api/2/issue/PAY-10"
    only = http.get(url, params={"fields": "summary,labels"}).json()["fields"]
    assert only == {"summary": "Tax is computed twice for Canadian orders", "labels": ["tax"]}
    most = http.get(url, params={"fields": "*all,-comment,-description"}).json()["fields"]
    assert "comment" not in most
    assert "description" not in most
    assert most["status"]["name"] == "In Progress"


# --- create / get / update / delete ---
def test_create_with_a_label_then_get_it(jira: JIRA, emulator: JiraEmulator) -> None:
    created = new_issue(jira, labels=["sb-a1"], priority={"name": "High"}, duedate="2026-12-01")

    issue = jira.issue(created.key)
    assert issue.key == "PAY-13"  # keys continue after the seed's highest
    assert issue.fields.labels == ["sb-a1"]
    assert issue.fields.status.name == "To Do"
    assert issue.fields.status.statusCategory.key == "new"
    assert issue.fields.reporter.accountId == BOT
    assert issue.fields.assignee is None
    assert (issue.fields.priority.name, issue.fields.duedate) == ("High", "2026-12-01")
    assert JIRA_TIMESTAMP.match(issue.fields.created)
    assert [i["key"] for i in emulator.find_issues(label="sb-a1")] == ["PAY-13"]


def test_update_fields_and_labels(jira: JIRA) -> None:
    issue = jira.issue(new_issue(jira, labels=["keep", "drop"]).key)

    issue.update(summary="Approve the 20% discount", fields={"description": "For Acme"})
    issue.update(update={"labels": [{"add": "added"}, {"remove": "drop"}]})

    fresh = jira.issue(issue.key)
    assert fresh.fields.summary == "Approve the 20% discount"
    assert fresh.fields.description == "For Acme"
    assert fresh.fields.labels == ["keep", "added"]


def test_delete_removes_the_issue_and_its_key_is_not_reused(jira: JIRA) -> None:
    issue = jira.issue(new_issue(jira).key)
    issue.delete()

    with pytest.raises(JIRAError) as caught:
        jira.issue("PAY-13")
    assert caught.value.status_code == 404
    assert caught.value.text == "Issue does not exist or you do not have permission to see it."
    assert new_issue(jira).key == "PAY-14"


# --- validation errors ---
def test_missing_summary_is_a_400_keyed_by_field_and_creates_nothing(jira: JIRA, emulator: JiraEmulator) -> None:
    with pytest.raises(JIRAError) as caught:
        jira.create_issue(fields={"project": {"key": "PAY"}, "issuetype": {"name": "Task"}}, prefetch=False)
    assert caught.value.status_code == 400
    assert caught.value.response.json() == {
        "errorMessages": [],
        "errors": {"summary": "You must specify a summary of the issue."},
    }
    assert len(emulator.find_issues(project="PAY")) == 12


def test_unknown_project_is_refused(jira: JIRA) -> None:
    with pytest.raises(JIRAError) as caught:
        new_issue(jira, project={"key": "NOPE"})
    assert caught.value.status_code == 400
    assert caught.value.response.json()["errors"] == {"project": "Specify a valid project ID or key"}


def test_every_invalid_field_is_reported_at_once(jira: JIRA) -> None:
    with pytest.raises(JIRAError) as caught:
        new_issue(
            jira,
            issuetype={"name": "Epic"},
            labels=["two words"],
            priority={"name": "Urgent"},
            duedate="2026-13-01",
            assignee={"accountId": "712020:ghost"},
            customfield_10001="x",
        )
    assert caught.value.response.json()["errors"] == {
        "issuetype": "Specify a valid issue type",
        "labels": "The label 'two words' contains spaces which is invalid.",
        "priority": "Specify a valid 'id' or 'name' for priority",
        "duedate": "Error parsing date string: 2026-13-01",
        "assignee": "User '712020:ghost' does not exist.",
        "customfield_10001": (
            "Field 'customfield_10001' cannot be set. It is not on the appropriate screen, or unknown."
        ),
    }


# --- search ---
def test_search_by_label_goes_through_cloud_search_jql(jira: JIRA, emulator: JiraEmulator) -> None:
    created = new_issue(jira, labels=["sb-7f3"])

    found = jira.search_issues('labels = "sb-7f3"', maxResults=2, fields="summary,labels")

    assert keys(found) == [created.key]
    assert found[0].fields.labels == ["sb-7f3"]
    assert emulator.requests.count(path=r"/rest/api/2/search/jql$", method="GET") == 1
    assert emulator.requests.count(path=r"/search$") == 0


@pytest.mark.parametrize(
    ("jql", "expected"),
    [
        ('project = OPS AND status = "In Progress"', ["OPS-2"]),
        (
            'project = PAY AND (labels in (tax, docs) OR summary ~ "checkout") ORDER BY key ASC',
            ["PAY-1", "PAY-10", "PAY-11", "PAY-12"],
        ),
        (f'assignee = "{JUAN}" AND NOT status = Done ORDER BY key', ["OPS-2", "OPS-4"]),
        ("project in (PAY, OPS) AND assignee is EMPTY AND priority = Low ORDER BY key", ["OPS-3", "PAY-8", "PAY-11"]),
        ('summary ~ "refund" OR key = OPS-1 ORDER BY key DESC', ["PAY-2", "OPS-1"]),
        ("project = PAY AND labels != tax", ["PAY-11"]),  # != never matches an empty field, as in Jira
        (
            "project = PAY AND priority in (High, Highest) ORDER BY priority DESC, key ASC",
            ["PAY-6", "PAY-2", "PAY-3", "PAY-10", "PAY-12"],
        ),
        ("issuetype = Bug AND status != Done AND priority > Medium ORDER BY key", ["PAY-10", "PAY-12"]),
    ],
)
def test_jql_subset(jira: JIRA, jql: str, expected: list[str]) -> None:
    assert keys(jira.search_issues(jql, fields="summary")) == expected


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        (
            "invalid query",
            "Error in the JQL Query: Expecting operator but got 'query'. The valid operators are '=', '!=', '<', '>', "
            "'<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'. (line 1, character 9)",
        ),
        ("foo = bar", "Field 'foo' does not exist or you do not have permission to view it."),
        ("summary = test", "The operator '=' is not supported by the 'summary' field."),
        ("summary in test", "Operator 'in' does not support the non-list value '\"test\"' for field 'summary'."),
        ("project = INVALID", "The value 'INVALID' does not exist for the field 'project'."),
        ("(project = PAY", "Error in the JQL Query: Expecting ')' before the end of the query."),
        (
            "ORDER BY created",
            "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.",
        ),
    ],
)
def test_bad_jql_is_a_400_in_jira_wording(jira: JIRA, jql: str, message: str) -> None:
    with pytest.raises(JIRAError) as caught:
        jira.search_issues(jql)
    assert caught.value.status_code == 400
    assert caught.value.response.json() == {"errorMessages": [message], "errors": {}}


def test_legacy_search_is_gone_on_cloud(emulator: JiraEmulator, seed: Seed) -> None:
    """Without server info the client thinks it talks to Server and calls /search, which Cloud removed."""
    blind = JIRA(
        server=emulator.base_url,
        basic_auth=(seed.jira.email, seed.jira.api_token),
        max_retries=0,
        timeout=5,
        get_server_info=False,
    )
    with pytest.raises(JIRAError) as caught:
        blind.search_issues("project = PAY")
    assert caught.value.status_code == 410
    assert "Please migrate to the /rest/api/3/search/jql API" in caught.value.text


def test_server_flavour_pages_legacy_search_and_assigns_by_user_name(seed: Seed, server_thread: ServerThread) -> None:
    server_seed = seed.model_copy(update={"jira": seed.jira.model_copy(update={"deployment_type": "Server"})})
    emulator = serve(JiraEmulator(server_seed), server_thread)
    jira = JIRA(server=emulator.base_url, basic_auth=(seed.jira.email, seed.jira.api_token), max_retries=0, timeout=5)
    assert jira.deploymentType == "Server"

    page = jira.search_issues("project = OPS ORDER BY key", maxResults=2, fields="summary")
    assert (keys(page), page.total) == (["OPS-1", "OPS-2"], 4)
    assert emulator.requests.count(path=r"/rest/api/2/search$") == 1

    jira.assign_issue("OPS-3", "juan")
    assert emulator.requests.entries(path=r"/assignee$")[0].body == {"name": "juan"}
    assert jira.issue("OPS-3").fields.assignee.name == "juan"


def test_index_lag_hides_a_new_issue_from_search_but_not_from_get(jira: JIRA, emulator: JiraEmulator) -> None:
    emulator.index_lag = 0.4
    created = new_issue(jira, labels=["lagged"])
    created_at = time.monotonic()

    assert keys(jira.search_issues("labels = lagged")) == []
    assert jira.issue(created.key).fields.labels == ["lagged"]
    # Cloud's reconcileIssues reads the listed ids through the index.
    assert keys(jira.enhanced_search_issues("labels = lagged", reconcileIssues=[int(created.id)])) == [created.key]

    time.sleep(max(0.0, 0.45 - (time.monotonic() - created_at)))
    assert keys(jira.search_issues("labels = lagged")) == [created.key]


# --- comments, workflow, assignment ---
def test_comment_round_trip(jira: JIRA, emulator: JiraEmulator) -> None:
    comment = jira.add_comment("PAY-5", "Approved by <@U0BOB0001>")

    assert comment.author.accountId == BOT
    assert JIRA_TIMESTAMP.match(comment.created)
    assert [c.body for c in jira.comments("PAY-5")] == ["Approved by <@U0BOB0001>"]
    assert [c["id"] for c in emulator.comments("PAY-5")] == [comment.id]


def test_comments_newest_first_are_ordered_before_paging(jira: JIRA) -> None:
    for text in ("first", "second", "third"):
        jira.add_comment("PAY-5", text)

    newest = jira.comments("PAY-5", order_by="-created", max_results=2)
    older = jira.comments("PAY-5", order_by="-created", start_at=2, max_results=2)
    assert [c.body for c in newest] == ["third", "second"]
    assert [c.body for c in older] == ["first"]
    assert [c.body for c in jira.comments("PAY-5", max_results=2)] == ["first", "second"]


def test_only_workflow_transitions_are_offered_and_accepted(jira: JIRA) -> None:
    key = new_issue(jira).key
    assert [(t["id"], t["name"]) for t in jira.transitions(key)] == [("21", "In Progress")]

    with pytest.raises(JIRAError) as caught:
        jira.transition_issue(key, "31")  # To Do -> Done skips In Progress
    assert caught.value.status_code == 400
    assert caught.value.text == "Transition id '31' is not valid for this issue."
    assert jira.issue(key).fields.status.name == "To Do"

    jira.transition_issue(key, "In Progress", comment="Started")
    assert sorted(t["name"] for t in jira.transitions(key)) == ["Done", "To Do"]
    jira.transition_issue(key, "31")
    done = jira.issue(key)
    assert (done.fields.status.name, done.fields.resolution.name) == ("Done", "Done")
    jira.transition_issue(key, "21")  # reopen
    reopened = jira.issue(key)
    assert (reopened.fields.status.name, reopened.fields.resolution) == ("In Progress", None)
    assert [c.body for c in jira.comments(key)] == ["Started"]


def test_assign_by_account_id_then_unassign(jira: JIRA, emulator: JiraEmulator) -> None:
    jira.assign_issue("PAY-5", ALICE)
    assert jira.issue("PAY-5").fields.assignee.accountId == ALICE
    put = emulator.requests.entries(path=r"/issue/PAY-5/assignee$", method="PUT")
    assert [(e.path, e.body) for e in put] == [("/rest/api/latest/issue/PAY-5/assignee", {"accountId": ALICE})]

    jira.assign_issue("PAY-5", None)
    assert jira.issue("PAY-5").fields.assignee is None


def test_assign_refuses_unknown_users_and_server_style_names(http: requests.Session, emulator: JiraEmulator) -> None:
    url = f"{emulator.base_url}/rest/api/2/issue/PAY-5/assignee"
    unknown = http.put(url, json={"accountId": "712020:ghost"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"] == {"assignee": "User '712020:ghost' does not exist."}
    by_name = http.put(url, json={"name": "alice"})
    assert by_name.status_code == 400
    assert by_name.json()["errorMessages"] == [
        "'accountId' must be the only user identifying query parameter in GDPR strict mode."
    ]


# --- properties and links ---
def test_properties_on_create_and_put_answers_201_then_200(
    jira: JIRA, http: requests.Session, emulator: JiraEmulator
) -> None:
    body = {
        "fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "Renew cert"},
        "properties": [{"key": "followthrough.action", "value": {"action_id": "a1"}}],
    }
    created = http.post(f"{emulator.base_url}/rest/api/2/issue", json=body, timeout=5).json()
    assert emulator.issue_properties(created["key"]) == {"followthrough.action": {"action_id": "a1"}}

    jira.add_issue_property(created["key"], "followthrough.step", {"n": 1})
    jira.add_issue_property(created["key"], "followthrough.step", {"n": 2})
    statuses = [e.status for e in emulator.requests.entries(path=r"/properties/followthrough.step$", method="PUT")]
    assert statuses == [201, 200]
    assert jira.issue_property(created["key"], "followthrough.step").value.n == 2


def test_remote_link_with_the_same_global_id_updates_instead_of_duplicating(jira: JIRA, emulator: JiraEmulator) -> None:
    first = jira.add_remote_link("PAY-5", {"url": "https://sf.example/006A", "title": "Deal"}, globalId="sf:006A")
    second = jira.add_remote_link(
        "PAY-5", {"url": "https://sf.example/006A", "title": "Deal (won)"}, globalId="sf:006A"
    )

    assert first.id == second.id
    assert [link.object.title for link in jira.remote_links("PAY-5")] == ["Deal (won)"]
    statuses = [e.status for e in emulator.requests.entries(path=r"/issue/PAY-5/remotelink$", method="POST")]
    assert statuses == [201, 200]


def test_issue_link_shows_on_both_issues_until_deleted(jira: JIRA) -> None:
    response = jira.create_issue_link("Blocks", "PAY-4", "PAY-9")
    assert response.status_code == 201

    outward = jira.issue("PAY-4").fields.issuelinks
    inward = jira.issue("PAY-9").fields.issuelinks
    assert [(link.type.outward, link.outwardIssue.key) for link in outward] == [("blocks", "PAY-9")]
    assert [(link.type.inward, link.inwardIssue.key) for link in inward] == [("is blocked by", "PAY-4")]

    jira.delete_issue_link(outward[0].id)
    assert jira.issue("PAY-4").fields.issuelinks == []
    assert jira.issue("PAY-9").fields.issuelinks == []


# --- auth and faults ---
def test_bad_credentials_are_a_401(emulator: JiraEmulator, seed: Seed) -> None:
    with pytest.raises(JIRAError) as caught:
        JIRA(server=emulator.base_url, basic_auth=(seed.jira.email, "wrong-token"), max_retries=0, timeout=5)
    assert caught.value.status_code == 401
    assert caught.value.text == "Client must be authenticated to access this resource."
    assert requests.get(f"{emulator.base_url}/rest/api/2/myself", timeout=5).status_code == 401
    assert requests.get(f"{emulator.base_url}/rest/api/2/serverInfo", timeout=5).status_code == 200  # anonymous


def test_injected_429_carries_retry_after(jira: JIRA, emulator: JiraEmulator) -> None:
    emulator.inject(r"/search/jql$", status=429, retry_after=7)

    with pytest.raises(JIRAError) as caught:
        jira.search_issues("project = PAY")
    assert caught.value.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "7"
    assert caught.value.response.json()["errorMessages"] == ["Rate limit exceeded."]


def test_injected_503_rejects_the_create(jira: JIRA, emulator: JiraEmulator) -> None:
    emulator.inject(r"/rest/api/2/issue$", method="POST", status=503)

    with pytest.raises(JIRAError) as caught:
        new_issue(jira, labels=["sb-503"])
    assert caught.value.status_code == 503
    assert emulator.find_issues(label="sb-503") == []


def test_create_that_commits_then_drops_the_connection(jira: JIRA, emulator: JiraEmulator) -> None:
    emulator.inject(r"/rest/api/2/issue$", method="POST", mode="drop")

    with pytest.raises(requests.exceptions.ConnectionError):
        new_issue(jira, labels=["sb-drop"])
    assert [i["key"] for i in emulator.find_issues(label="sb-drop")] == ["PAY-13"]


def test_rate_limit_answers_429_with_jira_headers(http: requests.Session, emulator: JiraEmulator) -> None:
    emulator.rate_limit(2)
    answers = [http.get(f"{emulator.base_url}/rest/api/2/myself", timeout=5) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    limited = answers[2]
    assert limited.headers["Retry-After"] == "1"
    assert limited.headers["X-RateLimit-Limit"] == "2"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\dZ$", limited.headers["X-RateLimit-Reset"])


# --- v3 and the Python / control API ---
def test_v3_speaks_atlassian_document_format(emulator: JiraEmulator, seed: Seed, jira: JIRA) -> None:
    v3 = JIRA(
        server=emulator.base_url,
        basic_auth=(seed.jira.email, seed.jira.api_token),
        max_retries=0,
        timeout=5,
        options={"rest_api_version": "3"},
    )
    document = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "Customer: Acme"}]},
            {"type": "paragraph", "content": [{"type": "text", "text": "Discount: 20%"}]},
        ],
    }
    created = v3.create_issue(
        fields={"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "ADF", "description": document}
    )

    assert created.raw["fields"]["description"] == document
    assert jira.issue(created.key).fields.description == "Customer: Acme\nDiscount: 20%"


def test_reset_restores_the_seed_exactly(jira: JIRA, emulator: JiraEmulator) -> None:
    before = emulator.issues()
    key = new_issue(jira, labels=["x"]).key
    jira.transition_issue("PAY-5", "21")
    jira.add_comment("PAY-5", "noise")
    assert len(emulator.issues()) == 17

    reset(emulator)
    assert emulator.issues() == before
    with pytest.raises(KeyError, match=key):
        emulator.issue(key)


def test_python_helpers_follow_the_workflow(emulator: JiraEmulator) -> None:
    created = emulator.create_issue(project="OPS", summary="Rotate keys", labels=["demo"], assignee=JUAN)
    assert created["key"] == "OPS-5"
    assert created["fields"]["assignee"]["accountId"] == JUAN

    with pytest.raises(ValueError, match="OPS-5"):
        emulator.transition_issue("OPS-5", "Done")
    assert emulator.transition_issue("OPS-5", "In Progress")["fields"]["status"]["name"] == "In Progress"


def test_control_endpoints(emulator: JiraEmulator) -> None:
    lag = requests.post(f"{emulator.base_url}/_sandbox/jira/index_lag", json={"seconds": 2.5}, timeout=5)
    assert lag.json() == {"seconds": 2.5}
    assert emulator.index_lag == 2.5
    listed = requests.get(f"{emulator.base_url}/_sandbox/jira/issues", timeout=5).json()
    assert [i["key"] for i in listed] == [i["key"] for i in emulator.issues()]
    assert len(listed) == 16
    assert emulator.requests.count() == 0  # control calls are not part of the recorded API traffic


# --- the change counter (what the sandbox page polls) ---


def test_seq_moves_on_writes_only(emulator: JiraEmulator, jira: JIRA, http: requests.Session) -> None:
    start = emulator.seq
    jira.search_issues("project = PAY", maxResults=5)
    http.post(emulator.base_url + "/rest/api/3/search/jql", json={"jql": "project = OPS"}).raise_for_status()
    jira.issue("PAY-1")
    assert emulator.seq == start, "reads, POSTed searches included, change nothing"
    issue = new_issue(jira)
    assert emulator.seq == start + 1
    jira.add_comment(issue.key, "looking")
    assert emulator.seq == start + 2
    with pytest.raises(JIRAError):
        new_issue(jira, summary="")  # refused: nothing changed
    assert emulator.seq == start + 2
    emulator.transition_issue(issue.key, "In Progress")
    assert emulator.seq == start + 3


def test_seq_never_goes_back_across_a_reset(emulator: JiraEmulator, jira: JIRA) -> None:
    new_issue(jira)
    before = emulator.seq
    reset(emulator)
    assert emulator.seq > before, "a page that saw `before` must notice the reset"
