"""Salesforce logins that renew themselves: the JWT bearer and client-credentials flows through simple-salesforce's
own ``SalesforceLogin``, against the emulator's token endpoint (which checks the JWT's signature as Salesforce does).

A session that expires is renewed once per call: a read is sent again, a write is never sent blindly (the action
runs again from its re-read, so a write that did happen is not made twice); a second refusal, a refused login and a
static token that expired are ``AuthError``s that tell an admin what to check.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from approvals.core.ports import AuthError, ExecutionContext, RetryableError
from connectors.salesforce import (
    EMULATOR_MY_DOMAIN,
    ClientCredentialsLogin,
    JwtBearerLogin,
    LoginRoute,
    SalesforceConnector,
    login_route,
)
from sandbox.salesforce import SalesforceEmulator
from sandbox.seed import Seed
from sandbox.server import ServerThread
from tests.connectors.test_salesforce_connector import (
    ACME,
    EXT,
    PLATFORM_RENEWAL,
    follow_up_task,
    record,
    renewal_update,
)
from tests.emulators import reset, serve

JWT_APP = "3MVG9followthroughJWT"
CC_APP = "3MVG9followthroughCC"
CC_SECRET = "cc-secret-0001"
INTEGRATION = "followthrough-integration@northwind.example"
AID = "7a6b5c4d3e2f1a0b9c8d"
QUERY = r"/query/?$"


def _key_pair() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public.decode()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """(the app's private key file, the public key uploaded to the app, a key the app does not know)."""
    folder = tmp_path_factory.mktemp("keys")
    private, public = _key_pair()
    stranger, _ = _key_pair()
    (folder / "followthrough.key").write_bytes(private)
    (folder / "stranger.key").write_bytes(stranger)
    return folder / "followthrough.key", public, folder / "stranger.key"


@pytest.fixture(scope="module")
def emulator(seed: Seed, server_thread: ServerThread) -> SalesforceEmulator:
    return serve(SalesforceEmulator(seed), server_thread)


@pytest.fixture(autouse=True)
def _fresh(emulator: SalesforceEmulator, keys: tuple[Path, str, Path]) -> None:
    reset(emulator)
    emulator.add_connected_app(JWT_APP, certificate=keys[1])
    emulator.add_connected_app(CC_APP, consumer_secret=CC_SECRET)


def jwt_connector(emulator: SalesforceEmulator, key_file: Path, **login: str) -> SalesforceConnector:
    values = {"client_id": JWT_APP, "username": INTEGRATION} | login
    return SalesforceConnector(
        emulator.base_url, JwtBearerLogin(private_key_file=key_file, **values), external_id_field=EXT
    )


@pytest.fixture(params=["jwt-bearer", "client-credentials"])
def sf(
    request: pytest.FixtureRequest, emulator: SalesforceEmulator, keys: tuple[Path, str, Path]
) -> SalesforceConnector:
    if request.param == "jwt-bearer":
        return jwt_connector(emulator, keys[0])
    return SalesforceConnector(emulator.base_url, ClientCredentialsLogin(CC_APP, CC_SECRET), external_id_field=EXT)


def ctx(action_id: str = AID) -> ExecutionContext:
    return ExecutionContext(proposal_id="prop-login", action_id=action_id, permalink=None)


def calls(emulator: SalesforceEmulator) -> list[str]:
    """What reached Salesforce, in order, with the answer: ``GET query 200``, ``POST token 200``, ..."""
    shown = []
    for entry in emulator.requests.entries():
        found = re.search(r"/(oauth2/token|query|sobjects/\w+)", entry.path)
        name = found.group(1).rsplit("/", 1)[-1] if found else entry.path
        shown.append(f"{entry.method} {name} {entry.status}")
    return shown


def refuse_session(emulator: SalesforceEmulator, method: str, path: str, *, mode: str = "before", count: int = 1):
    """Salesforce answering 401 INVALID_SESSION_ID to the next matching call (``after``: once it took effect)."""
    return emulator.inject(path, method=method, status=401, mode=mode, count=count)  # type: ignore[arg-type]


# --- logging in ------------------------------------------------------------------------------------------------


def test_each_flow_logs_in_once_as_the_integration_user_and_reads(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    assert [a.name for a in sf.find_accounts("Acme")] == ["Acme Corp"]
    assert sf.record("Account", ACME) is not None

    assert emulator.logins == 1
    (session,) = [s for s in emulator.sessions() if s["flow"] != "static"]
    flow, app = ("jwt-bearer", JWT_APP) if isinstance(sf.login, JwtBearerLogin) else ("client-credentials", CC_APP)
    assert (session["username"], session["flow"], session["consumer_key"]) == (INTEGRATION, flow, app)
    assert CC_SECRET not in repr(sf) + repr(sf.login)


def test_the_jwt_is_signed_for_login_salesforce_com_and_the_client_secret_is_not_in_the_form(
    emulator: SalesforceEmulator, keys: tuple[Path, str, Path]
) -> None:
    jwt_connector(emulator, keys[0]).find_accounts("Acme")
    (token_request,) = emulator.requests.entries(path=r"/oauth2/token$")
    assertion = token_request.body["assertion"]
    claims = jwt.decode(assertion, keys[1], algorithms=["RS256"], audience="https://login.salesforce.com")
    assert (claims["iss"], claims["sub"]) == (JWT_APP, INTEGRATION)

    emulator.requests.clear()
    SalesforceConnector(emulator.base_url, ClientCredentialsLogin(CC_APP, CC_SECRET)).find_accounts("Acme")
    (token_request,) = emulator.requests.entries(path=r"/oauth2/token$")
    assert token_request.body == {"grant_type": "client_credentials"}  # the key and secret: in the Basic header


# --- an expired session ----------------------------------------------------------------------------------------


def test_an_expired_session_is_renewed_once_and_the_read_sent_again(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    sf.find_accounts("Acme")
    emulator.requests.clear()
    assert emulator.expire_sessions() == 2  # the static one and ours

    assert [a.name for a in sf.find_accounts("Acme")] == ["Acme Corp"]

    assert calls(emulator) == ["GET query 401", "POST token 200", "GET query 200"]
    assert emulator.logins == 2


def test_a_write_refused_with_an_expired_session_runs_again_from_its_re_read(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    sf.find_accounts("Acme")  # logged in
    emulator.requests.clear()
    refuse_session(emulator, "PATCH", r"/sobjects/Opportunity/")

    outcome = sf.execute(renewal_update(), ctx())

    assert record(emulator, "Opportunity", PLATFORM_RENEWAL)["StageName"] == "Negotiation/Review"
    assert outcome.changes["after"] == {"stage": "Negotiation/Review", "amount": "120000"}
    # The refused PATCH is not repeated as such: a new login, then the update's own re-read decides again.
    assert calls(emulator) == [
        "GET query 200",
        "PATCH Opportunity 401",
        "POST token 200",
        "GET query 200",
        "PATCH Opportunity 204",
    ]


def test_a_write_that_happened_before_its_401_is_not_made_twice(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    """Salesforce refuses an expired session before it writes; should a 401 ever follow a write that took effect,
    the re-run finds the record by its external id and sends nothing."""
    refuse_session(emulator, "PATCH", rf"/sobjects/Task/{EXT}/", mode="after")

    outcome = sf.execute(follow_up_task(), ctx())

    tasks = emulator.find("Task", **{EXT: AID})
    assert len(tasks) == 1
    assert outcome.changes["created"]["id"] == tasks[0]["Id"]
    assert emulator.requests.count(path=rf"/sobjects/Task/{EXT}/", method="PATCH") == 1
    assert emulator.logins == 2


def test_an_update_that_happened_before_its_401_is_recognised_not_repeated(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    refuse_session(emulator, "PATCH", r"/sobjects/Opportunity/", mode="after")

    outcome = sf.execute(renewal_update(), ctx())

    assert emulator.requests.count(path=r"/sobjects/Opportunity/", method="PATCH") == 1
    assert outcome.changes == {"unchanged": True}
    assert record(emulator, "Opportunity", PLATFORM_RENEWAL)["StageName"] == "Negotiation/Review"


def test_a_session_refused_again_after_a_new_login_is_an_auth_error_without_a_third_login(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    refuse_session(emulator, "GET", QUERY, count=2)

    with pytest.raises(AuthError) as caught:
        sf.execute(renewal_update(), ctx())

    assert "just issued" in caught.value.user_message
    assert emulator.logins == 2  # the first login, and one renewal
    assert emulator.requests.count(path=r"/sobjects/Opportunity/", method="PATCH") == 0


def test_one_call_logs_in_again_at_most_once_even_across_a_read_and_its_write(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    refuse_session(emulator, "GET", QUERY)
    refuse_session(emulator, "PATCH", r"/sobjects/Opportunity/")

    with pytest.raises(AuthError):
        sf.execute(renewal_update(), ctx())

    assert emulator.logins == 2
    assert record(emulator, "Opportunity", PLATFORM_RENEWAL)["StageName"] == "Proposal/Price Quote"

    # The next call may log in again: the budget is per call.
    assert sf.execute(renewal_update(), ctx()).changes["after"]["stage"] == "Negotiation/Review"


def test_a_static_token_that_expired_is_for_an_admin_and_no_login_is_tried(emulator: SalesforceEmulator) -> None:
    sf = SalesforceConnector(emulator.base_url, emulator.seed.salesforce.access_token, external_id_field=EXT)
    emulator.expire_sessions(flow="static")

    with pytest.raises(AuthError) as caught:
        sf.find_accounts("Acme")

    assert "renew SALESFORCE_ACCESS_TOKEN" in caught.value.user_message
    assert emulator.requests.count(path=r"/oauth2/token$") == 0


# --- refused logins --------------------------------------------------------------------------------------------


def test_a_key_the_connected_app_does_not_know_is_refused_with_what_to_check(
    emulator: SalesforceEmulator, keys: tuple[Path, str, Path]
) -> None:
    with pytest.raises(AuthError) as caught:
        jwt_connector(emulator, keys[2]).find_accounts("Acme")
    message = caught.value.user_message
    assert "invalid_grant: invalid assertion" in message and "SALESFORCE_PRIVATE_KEY_FILE" in message


@pytest.mark.parametrize(
    ("login", "expected"),
    [
        ({"client_id": "3MVG9unknown"}, "invalid_client_id"),
        ({"username": "nobody@northwind.example"}, "invalid assertion"),
    ],
)
def test_refused_jwt_logins_name_salesforce_s_error(
    emulator: SalesforceEmulator, keys: tuple[Path, str, Path], login: dict[str, str], expected: str
) -> None:
    with pytest.raises(AuthError, match=expected):
        jwt_connector(emulator, keys[0], **login).find_accounts("Acme")


@pytest.mark.filterwarnings("ignore:\\s+If your connected app policy:UserWarning")
def test_a_user_the_admin_did_not_pre_authorise_is_told_how_to(
    emulator: SalesforceEmulator, keys: tuple[Path, str, Path]
) -> None:
    emulator.add_connected_app(JWT_APP, certificate=keys[1], approved_users=frozenset({"erin@northwind.example"}))
    with pytest.raises(AuthError, match="pre-authorise the integration user"):
        jwt_connector(emulator, keys[0]).find_accounts("Acme")


def test_a_wrong_client_secret_is_refused(emulator: SalesforceEmulator) -> None:
    sf = SalesforceConnector(emulator.base_url, ClientCredentialsLogin(CC_APP, "not-the-secret"))
    with pytest.raises(AuthError, match="SALESFORCE_CLIENT_SECRET"):
        sf.find_accounts("Acme")


def test_a_login_server_that_cannot_be_reached_is_retryable(keys: tuple[Path, str, Path]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sf = SalesforceConnector(f"http://127.0.0.1:{port}", JwtBearerLogin(JWT_APP, INTEGRATION, keys[0]))
    with pytest.raises(RetryableError, match="login server"):
        sf.find_accounts("Acme")


def test_a_missing_private_key_file_is_refused_when_the_connector_is_built(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        SalesforceConnector(
            "https://acme.my.salesforce.com", JwtBearerLogin(JWT_APP, INTEGRATION, tmp_path / "missing.key")
        )


# --- where a login goes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "jwt", "route"),
    [
        ("https://login.salesforce.com", True, LoginRoute("login")),
        ("https://test.salesforce.com", True, LoginRoute("test")),
        ("https://acme.my.salesforce.com", True, LoginRoute("login", token_domain="acme.my")),
        ("https://acme--uat.sandbox.my.salesforce.com", True, LoginRoute("test", token_domain="acme--uat.sandbox.my")),
        ("https://acme.my.salesforce.com", False, LoginRoute("acme.my")),
        ("http://127.0.0.1:8123", True, LoginRoute("login", local="http://127.0.0.1:8123")),
        ("http://localhost:8123", False, LoginRoute(EMULATOR_MY_DOMAIN, local="http://localhost:8123")),
    ],
)
def test_the_login_route_of_each_kind_of_login_url(url: str, jwt: bool, route: LoginRoute) -> None:
    assert login_route(url, jwt=jwt) == route


@pytest.mark.parametrize(
    ("url", "jwt", "message"),
    [
        ("https://login.salesforce.com", False, "only at your My Domain"),
        ("http://acme.my.salesforce.com", True, "must be https://login.salesforce.com"),
        ("https://login.example.com", True, "must be https://login.salesforce.com"),
    ],
)
def test_login_urls_that_cannot_work_are_refused(url: str, jwt: bool, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        login_route(url, jwt=jwt)


def test_the_default_login_url_is_login_salesforce_com_for_jwt_and_the_instance_for_client_credentials(
    keys: tuple[Path, str, Path],
) -> None:
    jwt_sf = SalesforceConnector("https://acme.my.salesforce.com", JwtBearerLogin(JWT_APP, INTEGRATION, keys[0]))
    cc_sf = SalesforceConnector("https://acme.my.salesforce.com", ClientCredentialsLogin(CC_APP, CC_SECRET))
    assert jwt_sf._route == LoginRoute("login")
    assert cc_sf._route == LoginRoute("acme.my")
