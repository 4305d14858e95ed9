"""The org's OAuth 2.0 token endpoint (``POST /services/oauth2/token``) and the sessions it hands out.

Two server-to-server flows, as a connected app uses them (the only ones a bot without a browser can use):

- JWT bearer (``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer``): the app signs a JWT (RS256) with its
  private key; ``iss`` is the consumer key, ``sub`` the user's *username*, ``aud`` the login server
  (``https://login.salesforce.com`` or ``https://test.salesforce.com``) and ``exp`` a moment within minutes. The
  signature is checked against the certificate (or public key) registered with the app, as Salesforce does.
- client credentials (``grant_type=client_credentials``): the consumer key and secret in an HTTP Basic header (or
  as ``client_id`` / ``client_secret`` form fields); the session runs as the app's "Run As" user.

A session is a bearer token, valid until it is expired on purpose (``expire``: what a session timeout or an admin
revoking it does to a real one); then every REST call with it answers 401 ``INVALID_SESSION_ID``. Refusals are
Salesforce's OAuth error bodies, ``{"error", "error_description"}`` with HTTP 400 (401 for bad client credentials).
Texts marked "unconfirmed" below come from forum reports, not from a capture of a real org.

No I/O here: ``SalesforceEmulator`` routes the HTTP request in and keeps this object under its lock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLIENT_CREDENTIALS = "client_credentials"
AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")
CLOCK_SKEW_SECONDS = 60  # leeway on exp, as a server's clock is never exactly the client's

Flow = Literal["jwt-bearer", "client-credentials", "static"]
UserLookup = Callable[[str], "Mapping[str, Any] | None"]


class OAuthError(Exception):
    """A refused token request: Salesforce's ``error`` code, its ``error_description`` and the HTTP status."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class ConnectedApp:
    """A connected app of the org. ``certificate`` (PEM: an X.509 certificate or a public key) enables the JWT
    bearer flow; ``consumer_secret`` with ``run_as`` (a username) enables the client-credentials flow.
    ``approved_users`` are the usernames an admin pre-authorised for JWT (None: every active user)."""

    consumer_key: str
    consumer_secret: str | None = field(default=None, repr=False)
    certificate: str | None = field(default=None, repr=False)
    run_as: str | None = None
    approved_users: frozenset[str] | None = None

    def public_key(self) -> RSAPublicKey | None:
        if not self.certificate:
            return None
        pem = self.certificate.encode()
        if b"BEGIN CERTIFICATE" in pem:
            key = x509.load_pem_x509_certificate(pem).public_key()
        else:
            key = serialization.load_pem_public_key(pem)
        if not isinstance(key, RSAPublicKey):
            raise ValueError(f"connected app {self.consumer_key!r}: Salesforce only takes RSA keys for JWT")
        return key


@dataclass(frozen=True)
class Session:
    """A session the org accepts: who it runs as, how it was obtained, and whether it was expired."""

    token: str = field(repr=False)
    flow: Flow
    username: str
    user_id: str
    consumer_key: str | None
    issued_at: datetime
    active: bool = True

    def describe(self) -> dict[str, Any]:
        """For the control route: everything but the token itself (its last four characters identify it)."""
        return {
            "token_tail": self.token[-4:],
            "flow": self.flow,
            "username": self.username,
            "user_id": self.user_id,
            "consumer_key": self.consumer_key,
            "issued_at": self.issued_at.isoformat(),
            "active": self.active,
        }


class TokenEndpoint:
    """Connected apps, the two token flows, and the sessions (including the seed's static one, for trials)."""

    def __init__(self, *, org_id: str, users: UserLookup, clock: Callable[[], datetime]) -> None:
        self.org_id = org_id
        self._users = users
        self._clock = clock
        self.apps: dict[str, ConnectedApp] = {}
        self.sessions: dict[str, Session] = {}

    # --- configuration ---

    def register(self, app: ConnectedApp) -> ConnectedApp:
        app.public_key()  # refuse a certificate that cannot verify anything now, not at the first login
        self.apps[app.consumer_key] = app
        return app

    def add_static(self, token: str, *, username: str, user_id: str) -> None:
        """A session that exists without a login: the access token an admin copied for a trial."""
        self.sessions[token] = Session(token, "static", username, user_id, None, self._clock())

    # --- sessions ---

    def valid(self, token: str) -> Session | None:
        found = self.sessions.get(token)
        if found is None or not found.active:
            return None
        if not secrets.compare_digest(found.token, token):
            return None
        return found

    def expire(self, *, token: str | None = None, flow: Flow | None = None) -> int:
        """Expire one session (``token``), every session of a ``flow``, or all of them; returns how many."""
        count = 0
        for key, session in list(self.sessions.items()):
            if not session.active or (token is not None and key != token) or (flow and session.flow != flow):
                continue
            self.sessions[key] = replace(session, active=False)
            count += 1
        return count

    # --- the token request ---

    def token(self, form: Mapping[str, str], *, authorization: str | None, instance_url: str) -> dict[str, Any]:
        grant = form.get("grant_type", "")
        if grant == JWT_BEARER:
            app, user = self._jwt_bearer(form.get("assertion", ""))
            flow: Flow = "jwt-bearer"
        elif grant == CLIENT_CREDENTIALS:
            app, user = self._client_credentials(form, authorization)
            flow = "client-credentials"
        elif not grant:
            raise OAuthError("invalid_request", "grant type not supported")
        else:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        now = self._clock()
        token = f"{self.org_id}!{secrets.token_urlsafe(48)}"
        self.sessions[token] = Session(token, flow, str(user["Username"]), str(user["Id"]), app.consumer_key, now)
        issued_at = str(int(now.timestamp() * 1000))
        identity = f"{instance_url}/id/{self.org_id}/{user['Id']}"
        signature = hashlib.sha256(f"{identity}{issued_at}{app.consumer_key}".encode()).digest()
        return {
            "access_token": token,
            "scope": "api",
            "instance_url": instance_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(signature).decode(),
        }

    def _jwt_bearer(self, assertion: str) -> tuple[ConnectedApp, Mapping[str, Any]]:
        if not assertion:
            raise OAuthError("invalid_grant", "invalid assertion")
        try:
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise OAuthError("invalid_grant", "invalid assertion") from None
        app = self.apps.get(str(claims.get("iss", "")))
        if app is None:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        key = app.public_key()
        if key is None:
            raise OAuthError("invalid_grant", "invalid assertion")  # the app has no certificate: JWT is off
        try:
            jwt.decode(
                assertion,
                key,
                algorithms=["RS256"],
                audience=list(AUDIENCES),
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp"]},
            )
        except jwt.InvalidAudienceError:
            raise OAuthError("invalid_grant", "audience is invalid") from None
        except jwt.ExpiredSignatureError:
            raise OAuthError("invalid_grant", "expired authorization code") from None  # unconfirmed wording
        except jwt.PyJWTError:
            raise OAuthError("invalid_grant", "invalid assertion") from None
        username = str(claims.get("sub", ""))
        user = self._users(username)
        if user is None or not user.get("IsActive"):
            raise OAuthError("invalid_grant", "invalid assertion")  # unconfirmed wording
        if app.approved_users is not None and username not in app.approved_users:
            raise OAuthError("invalid_grant", "user hasn't approved this consumer")
        return app, user

    def _client_credentials(
        self, form: Mapping[str, str], authorization: str | None
    ) -> tuple[ConnectedApp, Mapping[str, Any]]:
        key, secret = form.get("client_id"), form.get("client_secret")
        scheme, _, credential = (authorization or "").partition(" ")
        if scheme.lower() == "basic":
            try:
                key, _, secret = base64.b64decode(credential.strip(), validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError("invalid_client", "invalid client credentials", status=401) from None
        app = self.apps.get(key or "")
        if app is None or not app.consumer_secret or not secrets.compare_digest(app.consumer_secret, secret or ""):
            raise OAuthError("invalid_client", "invalid client credentials", status=401)
        if not app.run_as:
            raise OAuthError("invalid_grant", "no client credentials user enabled")
        user = self._users(app.run_as)
        if user is None or not user.get("IsActive"):
            raise OAuthError("invalid_grant", "no client credentials user enabled")
        return app, user
