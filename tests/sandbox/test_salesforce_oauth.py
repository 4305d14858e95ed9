"""The Salesforce emulator's token endpoint and sessions: the JWT bearer flow checked as Salesforce checks it (the
signature against the connected app's certificate, the audience, the expiry, the user), the client-credentials
flow, Salesforce's OAuth error bodies, and sessions that can be expired on demand (401 INVALID_SESSION_ID after)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import jwt
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec as ec_keys
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sandbox.salesforce import SalesforceEmulator
from sandbox.seed import Seed
from sandbox.server import ServerThread
from tests.emulators import reset, serve

APP = "3MVG9sandboxJWT"
CC = "3MVG9sandboxCC"
SECRET = "sandbox-cc-secret"
INTEGRATION = "followthrough-integration@northwind.example"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate_of(key: rsa.RSAPrivateKey) -> str:
    """A self-signed X.509 certificate, as an admin uploads to a connected app."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "followthrough")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def emulator(seed: Seed, server_thread: ServerThread) -> SalesforceEmulator:
    return serve(SalesforceEmulator(seed), server_thread)


@pytest.fixture(autouse=True)
def _fresh(emulator: SalesforceEmulator) -> None:
    reset(emulator)
    emulator.add_connected_app(APP, certificate=certificate_of(KEY))
    emulator.add_connected_app(CC, consumer_secret=SECRET)


def assertion(*, key: rsa.RSAPrivateKey = KEY, **claims: Any) -> str:
    values = {
        "iss": APP,
        "sub": INTEGRATION,
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 180,
    } | claims
    return jwt.encode(values, key, algorithm="RS256")


def token(emulator: SalesforceEmulator, form: dict[str, str], **kwargs: Any) -> requests.Response:
    return requests.post(f"{emulator.base_url}/services/oauth2/token", data=form, timeout=5, **kwargs)


def query(emulator: SalesforceEmulator, access_token: str) -> requests.Response:
    return requests.get(
        f"{emulator.base_url}/services/data/v59.0/query/",
        params={"q": "SELECT Id FROM Account LIMIT 1"},
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=5,
    )


def test_a_signed_assertion_gets_a_session_that_reads(emulator: SalesforceEmulator) -> None:
    answer = token(emulator, {"grant_type": JWT_BEARER, "assertion": assertion()})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["instance_url"] == emulator.base_url and body["token_type"] == "Bearer"
    assert body["id"].endswith("/0055g00000FtIntAAF") and "refresh_token" not in body
    assert query(emulator, body["access_token"]).status_code == 200
    assert emulator.api_usage == 1  # the login itself is not an API call


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        ({"key": OTHER_KEY}, ("invalid_grant", "invalid assertion")),
        ({"aud": "https://acme.my.salesforce.com"}, ("invalid_grant", "audience is invalid")),
        ({"exp": int(time.time()) - 600}, ("invalid_grant", "expired authorization code")),
        ({"iss": "3MVG9unknown"}, ("invalid_client_id", "client identifier invalid")),
        ({"sub": "nobody@northwind.example"}, ("invalid_grant", "invalid assertion")),
    ],
)
def test_assertions_salesforce_would_refuse_are_refused_with_its_error(
    emulator: SalesforceEmulator, claims: dict[str, Any], error: tuple[str, str]
) -> None:
    answer = token(emulator, {"grant_type": JWT_BEARER, "assertion": assertion(**claims)})

    assert answer.status_code == 400
    assert (answer.json()["error"], answer.json()["error_description"]) == error
    assert emulator.logins == 0


def test_a_user_not_pre_authorised_for_the_app_is_refused(emulator: SalesforceEmulator) -> None:
    emulator.add_connected_app(
        APP, certificate=certificate_of(KEY), approved_users=frozenset({"erin@northwind.example"})
    )
    answer = token(emulator, {"grant_type": JWT_BEARER, "assertion": assertion()})
    assert answer.json()["error_description"] == "user hasn't approved this consumer"


def test_client_credentials_run_as_the_apps_user(emulator: SalesforceEmulator) -> None:
    answer = token(emulator, {"grant_type": "client_credentials"}, auth=(CC, SECRET))
    assert answer.status_code == 200, answer.text
    (session,) = [s for s in emulator.sessions() if s["flow"] == "client-credentials"]
    assert session["username"] == INTEGRATION

    form = token(emulator, {"grant_type": "client_credentials", "client_id": CC, "client_secret": SECRET})
    assert form.status_code == 200

    wrong = token(emulator, {"grant_type": "client_credentials"}, auth=(CC, "nope"))
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")


def test_an_unknown_grant_type_is_refused(emulator: SalesforceEmulator) -> None:
    answer = token(emulator, {"grant_type": "password", "username": "x", "password": "y"})
    assert answer.json() == {"error": "unsupported_grant_type", "error_description": "grant type not supported"}


def test_an_expired_session_answers_invalid_session_id_and_a_new_login_works(emulator: SalesforceEmulator) -> None:
    first = token(emulator, {"grant_type": JWT_BEARER, "assertion": assertion()}).json()["access_token"]
    static = emulator.seed.salesforce.access_token

    assert emulator.expire_sessions(token=first) == 1
    refused = query(emulator, first)
    assert refused.status_code == 401
    assert refused.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    assert query(emulator, static).status_code == 200  # only that session ended

    second = token(emulator, {"grant_type": JWT_BEARER, "assertion": assertion()}).json()["access_token"]
    assert query(emulator, second).status_code == 200


def test_sessions_are_expired_and_listed_over_http(emulator: SalesforceEmulator) -> None:
    control = f"{emulator.base_url}/_sandbox/salesforce/sessions"
    token(emulator, {"grant_type": "client_credentials"}, auth=(CC, SECRET))

    listed = requests.get(control, timeout=5).json()
    assert sorted(s["flow"] for s in listed) == ["client-credentials", "static"]
    assert all("token" not in s for s in listed)

    assert requests.post(f"{control}/expire", json={"flow": "static"}, timeout=5).json() == {"expired": 1}
    assert query(emulator, emulator.seed.salesforce.access_token).status_code == 401
    assert requests.post(f"{control}/expire", json={}, timeout=5).json() == {"expired": 1}


def test_a_connected_app_is_registered_over_http_and_reset_forgets_it(emulator: SalesforceEmulator) -> None:
    public = (
        OTHER_KEY.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    registered = requests.post(
        f"{emulator.base_url}/_sandbox/salesforce/connected_apps",
        json={"consumer_key": "3MVG9other", "certificate": public},
        timeout=5,
    )
    assert registered.status_code == 200
    form = {"grant_type": JWT_BEARER, "assertion": assertion(key=OTHER_KEY, iss="3MVG9other")}
    assert token(emulator, form).status_code == 200

    reset(emulator)
    assert token(emulator, form).json()["error"] == "invalid_client_id"
    assert query(emulator, emulator.seed.salesforce.access_token).status_code == 200  # the static token is back


def test_a_certificate_that_is_not_rsa_is_refused_at_registration(emulator: SalesforceEmulator) -> None:
    ec = ec_keys.generate_private_key(ec_keys.SECP256R1()).public_key()
    pem = ec.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with pytest.raises(ValueError, match="only takes RSA keys"):
        emulator.add_connected_app("3MVG9bad", certificate=pem)
