"""The connectors' settings as an operator writes them: each way to log in to Salesforce and Jira is accepted, and a
combination that cannot work stops start-up with one line naming the variables and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app import ConfigurationError, Settings, load_settings, salesforce_login
from connectors.salesforce import AccessToken, ClientCredentialsLogin, JwtBearerLogin

BASE = {"slack_bot_token": "xoxb-1", "slack_app_token": "xapp-1", "redis_url": "redis://127.0.0.1:1/0"}
INSTANCE = "https://northwind.my.salesforce.com"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "followthrough.key"
    path.write_text("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n")
    return path


def settings(**values: Any) -> Settings:
    return load_settings(_env_file=None, **BASE, **values)


def refusal(**values: Any) -> str:
    """The one line start-up prints for ``values``."""
    with pytest.raises(ConfigurationError) as caught:
        settings(**values)
    lines = str(caught.value.code).splitlines()
    assert lines[0] == "Followthrough cannot start:" and len(lines) == 2, lines
    return lines[1].strip()


# --- Salesforce ------------------------------------------------------------------------------------------------


def test_each_salesforce_login_is_accepted(key_file: Path) -> None:
    static = settings(salesforce_instance_url=INSTANCE, salesforce_access_token="00D!token")
    assert isinstance(salesforce_login(static), AccessToken)

    jwt = settings(
        salesforce_instance_url=INSTANCE,
        salesforce_client_id="3MVG9",
        salesforce_username="followthrough@northwind.example",
        salesforce_private_key_file=str(key_file),
    )
    login = salesforce_login(jwt)
    assert isinstance(login, JwtBearerLogin) and login.private_key_file == key_file and login.login_url is None

    cc = settings(
        salesforce_instance_url=INSTANCE,
        salesforce_client_id="3MVG9",
        salesforce_client_secret="s3cret",
        salesforce_login_url=INSTANCE,
    )
    assert salesforce_login(cc) == ClientCredentialsLogin("3MVG9", "s3cret", login_url=INSTANCE)
    assert "s3cret" not in repr(cc) and "s3cret" not in repr(salesforce_login(cc))
    assert salesforce_login(settings()) is None


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"salesforce_access_token": "00D!token", "salesforce_client_id": "3MVG9"},
            "Salesforce logs in one way: SALESFORCE_ACCESS_TOKEN or a connected app; unset SALESFORCE_CLIENT_ID",
        ),
        ({"salesforce_client_id": "3MVG9"}, "SALESFORCE_CLIENT_ID alone cannot log in; use SALESFORCE_CLIENT_ID with"),
        (
            {"salesforce_client_secret": "s3cret"},
            "Salesforce needs SALESFORCE_ACCESS_TOKEN (a static token, for trials)",
        ),
        (
            {"salesforce_client_id": "3MVG9", "salesforce_username": "bot@northwind.example"},
            "Salesforce's JWT bearer flow needs SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY_FILE; missing",
        ),
        (
            {"salesforce_client_id": "3MVG9", "salesforce_username": "u", "salesforce_client_secret": "s"},
            "Salesforce logs in with one flow",
        ),
        (
            {"salesforce_client_id": "3MVG9", "salesforce_client_secret": "s", "salesforce_login_url": "https://x.io"},
            "SALESFORCE_LOGIN_URL: login URL 'https://x.io' must be https://login.salesforce.com",
        ),
        (
            {
                "salesforce_client_id": "3MVG9",
                "salesforce_client_secret": "s",
                "salesforce_login_url": "https://login.salesforce.com",
            },
            "SALESFORCE_LOGIN_URL: the client-credentials flow works only at your My Domain",
        ),
    ],
)
def test_salesforce_combinations_that_cannot_log_in_are_one_line_each(values: dict[str, str], expected: str) -> None:
    assert refusal(salesforce_instance_url=INSTANCE, **values).startswith(expected)


def test_a_private_key_file_that_is_not_there_is_named(tmp_path: Path) -> None:
    line = refusal(
        salesforce_instance_url=INSTANCE,
        salesforce_client_id="3MVG9",
        salesforce_username="bot@northwind.example",
        salesforce_private_key_file=str(tmp_path / "missing.key"),
    )
    assert line.startswith("SALESFORCE_PRIVATE_KEY_FILE: the private key file") and "does not exist" in line


def test_salesforce_settings_without_an_instance_are_refused() -> None:
    line = refusal(salesforce_access_token="00D!token")
    assert line == (
        "Salesforce needs SALESFORCE_INSTANCE_URL (https://<domain>.my.salesforce.com) with SALESFORCE_ACCESS_TOKEN"
    )


def test_an_instance_url_that_is_not_salesforce_is_refused() -> None:
    line = refusal(salesforce_instance_url="http://northwind.example", salesforce_access_token="t")
    assert line.startswith("SALESFORCE_INSTANCE_URL: Salesforce instance URL")


# --- Jira ------------------------------------------------------------------------------------------------------


def test_jira_cloud_and_data_center_settings_are_accepted() -> None:
    cloud = settings(jira_url="https://northwind.atlassian.net", jira_email="bot@northwind.example", jira_api_token="t")
    assert cloud.jira_pat is None
    server = settings(jira_url="https://jira.northwind.example", jira_pat="pat-1")
    assert server.jira_pat is not None and "pat-1" not in repr(server)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"jira_url": "https://j"}, "missing: JIRA_EMAIL, JIRA_API_TOKEN or JIRA_PAT"),
        ({"jira_pat": "pat-1"}, "missing: JIRA_URL"),
        ({"jira_url": "https://j", "jira_email": "bot@x"}, "missing: JIRA_API_TOKEN"),
        (
            {"jira_url": "https://j", "jira_pat": "p", "jira_email": "bot@x", "jira_api_token": "t"},
            "Jira takes JIRA_PAT (Data Center / Server) or JIRA_EMAIL + JIRA_API_TOKEN (Cloud), not both",
        ),
    ],
)
def test_jira_combinations_that_cannot_log_in_are_one_line_each(values: dict[str, str], expected: str) -> None:
    line = refusal(**values)
    assert expected in line
    assert line.startswith("Jira")
