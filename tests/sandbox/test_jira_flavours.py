"""The Jira emulator as Jira Cloud and as Jira Data Center / Server: how each authenticates the bot, how it shows and
takes users, and what a process is configured with to reach it."""

from __future__ import annotations

import pytest
import requests
from jira import JIRA, JIRAError

from sandbox.jira import JiraEmulator
from sandbox.jira.catalog import PERSONAL_ACCESS_TOKEN
from sandbox.seed import Seed
from sandbox.server import ServerThread
from tests.emulators import reset, serve


@pytest.fixture(scope="module")
def cloud(seed: Seed, server_thread: ServerThread) -> JiraEmulator:
    return serve(JiraEmulator(seed, deployment="Cloud"), server_thread)


@pytest.fixture(scope="module")
def server(seed: Seed, server_thread: ServerThread) -> JiraEmulator:
    return serve(JiraEmulator(seed, deployment="Server"), server_thread)


@pytest.fixture(autouse=True)
def _fresh(cloud: JiraEmulator, server: JiraEmulator) -> None:
    reset(cloud)
    reset(server)


def myself(emulator: JiraEmulator, **kwargs: object) -> requests.Response:
    return requests.get(f"{emulator.base_url}/rest/api/2/myself", timeout=5, **kwargs)  # type: ignore[arg-type]


def bearer(token: str) -> dict[str, dict[str, str]]:
    return {"headers": {"Authorization": f"Bearer {token}"}}


def test_a_personal_access_token_works_on_data_center_only(cloud: JiraEmulator, server: JiraEmulator) -> None:
    assert myself(server, **bearer(PERSONAL_ACCESS_TOKEN)).status_code == 200
    assert myself(server, **bearer("not-the-pat")).status_code == 401
    # Cloud's API tokens are Basic credentials; a bearer token there would have to be an OAuth 2.0 one.
    assert myself(cloud, **bearer(PERSONAL_ACCESS_TOKEN)).status_code == 401
    assert myself(cloud, **bearer(cloud.seed.jira.api_token)).status_code == 401


def test_basic_auth_is_email_and_api_token_on_cloud_and_user_name_and_password_on_server(
    cloud: JiraEmulator, server: JiraEmulator, seed: Seed
) -> None:
    token = seed.jira.api_token
    assert myself(cloud, auth=(seed.jira.email, token)).status_code == 200
    assert myself(cloud, auth=("followthrough", token)).status_code == 401
    assert myself(server, auth=("followthrough", token)).status_code == 200


def test_users_are_account_ids_on_cloud_and_names_and_keys_on_server(cloud: JiraEmulator, server: JiraEmulator) -> None:
    on_cloud = JIRA(server=cloud.base_url, basic_auth=(cloud.seed.jira.email, cloud.seed.jira.api_token), max_retries=0)
    on_server = JIRA(server=server.base_url, token_auth=PERSONAL_ACCESS_TOKEN, max_retries=0)

    alice_cloud = on_cloud.issue("PAY-10").fields.assignee.raw
    alice_server = on_server.issue("PAY-10").fields.assignee.raw
    assert alice_cloud["accountId"] == "712020:0d1a6e2c-alice" and "name" not in alice_cloud
    assert "accountId" not in alice_server
    assert alice_server["name"] == "alice" and alice_server["key"].startswith("JIRAUSER")
    assert alice_server["self"].endswith("/user?username=alice")

    by_key = on_server._session.get(f"{server.base_url}/rest/api/2/user", params={"key": alice_server["key"]})
    assert by_key.json()["name"] == "alice"
    assert server.user_id("alice") == "alice" and cloud.user_id("alice") == "712020:0d1a6e2c-alice"


def test_server_takes_a_name_in_user_fields_and_refuses_an_account_id(server: JiraEmulator) -> None:
    jira = JIRA(server=server.base_url, token_auth=PERSONAL_ACCESS_TOKEN, max_retries=0)
    fields = {"project": {"key": "PAY"}, "issuetype": {"name": "Bug"}, "summary": "x"}

    created = jira.create_issue(fields=fields | {"assignee": {"name": "juan"}}, prefetch=False)
    assert server.issue(created.key)["fields"]["assignee"]["name"] == "juan"
    with pytest.raises(JIRAError) as caught:
        jira.create_issue(fields=fields | {"assignee": {"accountId": "712020:0d1a6e2c-juan"}}, prefetch=False)
    assert caught.value.status_code == 400


def test_each_flavour_configures_a_process_with_its_own_credentials(cloud: JiraEmulator, server: JiraEmulator) -> None:
    assert set(cloud.environment()) == {"JIRA_URL", "JIRA_EMAIL", "JIRA_API_TOKEN"}
    assert server.environment() == {"JIRA_URL": server.base_url, "JIRA_PAT": PERSONAL_ACCESS_TOKEN}


def test_the_python_api_assigns_by_the_flavours_identifier(server: JiraEmulator) -> None:
    created = server.create_issue(project="OPS", summary="Rotate the keys", assignee="712020:0d1a6e2c-juan")
    assert created["fields"]["assignee"]["name"] == "juan"


def test_create_meta_pages_are_issue_types_and_fields_on_cloud_and_values_on_server(
    cloud: JiraEmulator, server: JiraEmulator
) -> None:
    """GET issue/createmeta/{project}/issuetypes[/{id}]: Cloud names the page's list ``issueTypes`` / ``fields``,
    Data Center / Server (8.4+) ``values`` with ``isLast``; what creating an issue needs is required."""
    basic = {"auth": (cloud.seed.jira.email, cloud.seed.jira.api_token)}
    for emulator, credentials, key, fields_key in (
        (cloud, basic, "issueTypes", "fields"),
        (server, bearer(PERSONAL_ACCESS_TOKEN), "values", "values"),
    ):
        url = f"{emulator.base_url}/rest/api/2/issue/createmeta"
        types = requests.get(f"{url}/PAY/issuetypes", timeout=5, **credentials).json()  # type: ignore[arg-type]
        assert [t["name"] for t in types[key]] == ["Bug", "Task", "Story"] and types["total"] == 3
        assert ("isLast" in types) is (emulator is server)
        bug = types[key][0]["id"]
        page = requests.get(f"{url}/PAY/issuetypes/{bug}", timeout=5, **credentials).json()  # type: ignore[arg-type]
        required = {f["fieldId"] for f in page[fields_key] if f["required"] and not f["hasDefaultValue"]}
        assert required == {"project", "issuetype", "summary"}
        missing = requests.get(f"{url}/NOPE/issuetypes", timeout=5, **credentials)  # type: ignore[arg-type]
        assert missing.status_code == 404
        assert missing.json()["errorMessages"] == ["No project could be found with key 'NOPE'."]
