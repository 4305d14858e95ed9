"""Salesforce through simple-salesforce: approved changes made exactly once in effect, and records found by name.

Exactly once, observed (../shared/reference/connectors.md section 5). Every write here is idempotent, so a failed
call is simply sent again after the executor's back-off:

- creates (task, logged call, contact) carry the action id in the external id field (``Followthrough_Action_Id__c``,
  unique) and are written with an upsert on it, so a second write can never make a second record. Before writing,
  the connector looks the action id up (one GET): a repeat finds the record and writes nothing, which matters
  because an upsert that lands on an existing Task may not set ``TaskSubtype`` (create-only) and would overwrite
  edits people made since;
- updates re-read the record, leave fields that already hold the new value, refuse (ConflictError) when a field
  holds neither the value the approver saw nor the new one, and PATCH absolute values only;
- deletes (the undo of a create) succeed when the record is already gone, and refuse when it changed since.

Logging in (``SalesforceLogin``): a static access token (for trials: it cannot be renewed), or a connected app's
OAuth 2.0 JWT bearer or client-credentials flow, both done by simple-salesforce's own ``SalesforceLogin``. The
connector builds its client from the session it obtained (``session_id``), so simple-salesforce never re-logs in by
itself: its automatic re-login repeats *any* call after a 401, writes included. Here a 401 ``INVALID_SESSION_ID``
logs in again once per call (``execute``, ``reconcile`` or one catalog read) and then:

- a read is sent again;
- a write is not: the whole action runs again from its start, and every action re-reads before it writes (a create
  looks its external id up, an update compares the fields, a delete re-reads the record), so what the refused
  write would have done is done at most once even if the 401 was not the clean refusal it normally is;
- a second 401, or a refused login, is an ``AuthError`` for an admin (the login's own error and what to check).

Errors are translated at this edge (``translate``) into the tree of ``approvals.core.ports``::

    401 SalesforceExpiredSession                     -> a new login and one more try (above), else AuthError
    403 REQUEST_LIMIT_EXCEEDED (daily API limit)     -> RetryableError, retry_after 15 minutes
    403 otherwise                                    -> PermanentError (permissions)
    400 UNABLE_TO_LOCK_ROW                           -> RetryableError (row-lock contention, Salesforce's own advice)
    400 otherwise, 300, 404, other 4xx               -> PermanentError, with Salesforce's messages
    5xx, 429, connection errors, timeouts            -> RetryableError: never Ambiguous, since every write is
                                                        idempotent (upsert by external id, absolute PATCH, delete)

simple-salesforce's errors carry no headers, so a ``Retry-After`` would be lost: the transport notes the one of
the last error response of this thread (``SalesforceAdapter``), and ``translate`` gives it as the error's
``retry_after`` (a 429 without one waits ``RATE_LIMIT_RETRY_SECONDS``).

Values cross the boundary in our field names (``stage``, ``close_date``; see ``OBJECT_FIELDS``) and JSON shapes:
amounts as strings of decimals ("120000"), dates ISO ("2026-12-15"), ids as Salesforce returns them. Every value
from people goes into SOQL through ``soql_string`` / ``soql_contains`` and nowhere else.

The Salesforce API usage of the day is read from each response's ``Sforce-Limit-Info`` header (with the library's
own parser) and logged as a warning above 80 % of the daily limit.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce.api import Salesforce, SFType
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)
from simple_salesforce.login import SalesforceLogin as simple_salesforce_login
from simple_salesforce.util import Usage

from approvals.core.actions import (
    OPPORTUNITY_STAGES,
    Action,
    SalesforceCreateContact,
    SalesforceCreateTask,
    SalesforceDeleteRecord,
    SalesforceLogCall,
    SalesforceUpdateContact,
    SalesforceUpdateOpportunity,
    SfRecordRef,
)
from approvals.core.commitments import Observation
from approvals.core.grounding import KnownRecords, SfRecordInfo
from approvals.core.ports import (
    AuthError,
    ConflictError,
    ConnectorError,
    ExecutionContext,
    Outcome,
    PermanentError,
    RetryableError,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

CATALOG_TTL_SECONDS = 300.0
SEARCH_LIMIT = 20
DAILY_LIMIT_RETRY_SECONDS = 900.0  # the 24-hour window frees calls slowly: asking again within minutes is waste
RATE_LIMIT_RETRY_SECONDS = 60.0
ROW_LOCK_RETRY_SECONDS = 5.0
USAGE_WARNING_PERCENT = 80
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
DELETABLE_OBJECTS = ("Task", "Contact")  # what Followthrough creates; never an Account (it cascades)

FieldKind = Literal["text", "email", "number", "money", "date", "bool", "id"]
SfCreate = SalesforceCreateTask | SalesforceLogCall | SalesforceCreateContact


@dataclass(frozen=True)
class SfField:
    """One field in our name: its SOQL path (``Account.Name`` for a relationship) and how to compare it."""

    path: str
    kind: FieldKind = "text"


OBJECT_FIELDS: Mapping[str, Mapping[str, SfField]] = {
    "Opportunity": {
        "stage": SfField("StageName"),
        "amount": SfField("Amount", "money"),
        "close_date": SfField("CloseDate", "date"),
        "next_step": SfField("NextStep"),
        "is_closed": SfField("IsClosed", "bool"),
        "account": SfField("Account.Name"),
        "account_id": SfField("AccountId", "id"),
        "account_type": SfField("Account.Type"),
        "owner": SfField("Owner.Name"),
        "owner_email": SfField("Owner.Email", "email"),
        "owner_id": SfField("OwnerId", "id"),
    },
    "Contact": {
        "first_name": SfField("FirstName"),
        "last_name": SfField("LastName"),
        "email": SfField("Email", "email"),
        "phone": SfField("Phone"),
        "title": SfField("Title"),
        "account": SfField("Account.Name"),
        "account_id": SfField("AccountId", "id"),
        "account_type": SfField("Account.Type"),
        "owner_email": SfField("Owner.Email", "email"),
        "owner_id": SfField("OwnerId", "id"),
    },
    "Account": {
        "owner": SfField("Owner.Name"),
        "owner_email": SfField("Owner.Email", "email"),
        "owner_id": SfField("OwnerId", "id"),
    },
    "Task": {
        "subject": SfField("Subject"),
        "status": SfField("Status"),
        "due_date": SfField("ActivityDate", "date"),
        "description": SfField("Description"),
        "owner": SfField("Owner.Name"),
        "owner_email": SfField("Owner.Email", "email"),
        "owner_id": SfField("OwnerId", "id"),
        "what": SfField("What.Name"),
        "what_id": SfField("WhatId", "id"),
        "who": SfField("Who.Name"),
        "who_id": SfField("WhoId", "id"),
    },
    "User": {
        "email": SfField("Email", "email"),
        "is_active": SfField("IsActive", "bool"),
    },
}
"""Our field names per object, as ``SfRecordInfo.fields``, ``before`` and ``ConflictError.current`` use them."""

NAME_FIELDS: Mapping[str, str] = {"Task": "Subject"}  # every other object is named by ``Name``


# --- SOQL ------------------------------------------------------------------------------------------------------

_SOQL_ESCAPES = str.maketrans(
    {"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
)
_LIKE_ESCAPES = str.maketrans({"%": "\\%", "_": "\\_"})


def soql_string(value: str) -> str:
    """``value`` as a quoted SOQL string literal, whatever it contains."""
    return "'" + value.translate(_SOQL_ESCAPES) + "'"


def soql_contains(value: str) -> str:
    """A LIKE pattern (quoted) matching text that contains ``value`` literally: its % and _ are not wildcards."""
    return "'%" + value.translate(_SOQL_ESCAPES).translate(_LIKE_ESCAPES) + "%'"


# --- values ----------------------------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _decimal_text(number: Decimal) -> str:
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return str(number.normalize())


def json_value(field: SfField, raw: Any) -> Any:
    """A Salesforce value in our JSON shape: amounts as decimal strings, dates ISO, empty text as None."""
    if raw is None or raw == "":
        return None
    if field.kind in ("number", "money"):
        number = _decimal(raw)
        return _decimal_text(number) if number is not None else str(raw)
    if field.kind == "date":
        return raw.isoformat() if isinstance(raw, dt.date) else str(raw)[:10]
    if field.kind == "bool":
        return bool(raw)
    return raw


def _api_value(field: SfField, value: Any) -> Any:
    """One of our JSON values as Salesforce takes it in a write (an amount is a JSON number, never text)."""
    if value is None:
        return None
    if field.kind in ("number", "money"):
        number = _decimal(value)
        if number is None:
            return value
        return int(number) if number == number.to_integral_value() else float(number)
    if field.kind == "date" and isinstance(value, dt.date):
        return value.isoformat()
    return value


def same_value(field: SfField, left: Any, right: Any) -> bool:
    """Whether two values of ``field`` mean the same (100000.0 == "100000", 15- and 18-character ids, ...)."""
    a, b = json_value(field, left), json_value(field, right)
    if a is None or b is None:
        return a is None and b is None
    if field.kind in ("number", "money"):
        return _decimal(a) == _decimal(b)
    if field.kind == "id":
        return str(a)[:15] == str(b)[:15]
    if field.kind == "email":
        return str(a).casefold() == str(b).casefold()
    return a == b


def _shown(field: SfField, value: Any) -> str:
    value = json_value(field, value)
    if value is None:
        return "(empty)"
    if field.kind in ("number", "money"):
        number = _decimal(value)
        if number is not None:
            shown = f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"
            # Money reads as the card shows it ($120,000): the thread's result and the card must agree.
            return f"${shown}" if field.kind == "money" else shown
    return str(value)


def _label(name: str) -> str:
    return name.replace("_", " ")


def _path(record: Mapping[str, Any], path: str) -> Any:
    """``Account.Name`` from a query record (``record["Account"]["Name"]``); None along an empty relationship."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


# --- errors ----------------------------------------------------------------------------------------------------


def _entries(exc: SalesforceError) -> list[dict[str, Any]]:
    content = exc.content
    if isinstance(content, list):
        return [e for e in content if isinstance(e, dict)]
    if isinstance(content, dict):
        return [content]
    return []


def salesforce_message(exc: SalesforceError) -> str:
    """Salesforce's own words from its error array, joined; the raw body when it sent no array."""
    messages = [str(e.get("message", "")).strip() for e in _entries(exc)]
    text = "; ".join(m for m in messages if m)
    if text:
        return text
    content = exc.content
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return str(content)[:300] if content else f"HTTP {exc.status}"


def _codes(exc: SalesforceError) -> set[str]:
    return {str(e.get("errorCode", "")) for e in _entries(exc)}


STATIC_TOKEN_REFUSED = "Salesforce refused our session; an admin must renew SALESFORCE_ACCESS_TOKEN"
NEW_SESSION_REFUSED = (
    "Salesforce refused a session it had just issued; an admin must check the integration user's access "
    "(its profile, permission sets and the connected app's IP and session policies)"
)


def translate(exc: Exception, *, not_found: str | None = None, refused: str = STATIC_TOKEN_REFUSED) -> ConnectorError:
    """The ``approvals.core.ports`` error for a failed Salesforce call. ``not_found`` is what a 404 means here, and
    ``refused`` what an admin should do about a 401 that a new login cannot (or could not) cure."""
    if isinstance(exc, SalesforceError):
        message, codes = salesforce_message(exc), _codes(exc)
        detail = f"HTTP {exc.status} {', '.join(sorted(c for c in codes if c))}".strip()
        if isinstance(exc, SalesforceExpiredSession):
            return AuthError(refused, detail=detail)
        if isinstance(exc, SalesforceRefusedRequest):
            if "REQUEST_LIMIT_EXCEEDED" in codes:
                return RetryableError(
                    "Salesforce's daily API limit is used up; I'll try again in 15 minutes "
                    "(an admin can see the usage under Setup > Company Information)",
                    detail=detail,
                    retry_after=DAILY_LIMIT_RETRY_SECONDS,
                )
            return PermanentError(f"Salesforce does not allow this: {message}", detail=detail)
        if isinstance(exc, SalesforceResourceNotFound):
            return PermanentError(not_found or f"Salesforce could not find it: {message}", detail=detail)
        if isinstance(exc, SalesforceMoreThanOneRecord):
            return PermanentError("Salesforce found several records where one was expected", detail=detail)
        if isinstance(exc, SalesforceMalformedRequest):
            if "UNABLE_TO_LOCK_ROW" in codes:
                return RetryableError(
                    "Salesforce is busy with this record", detail=detail, retry_after=ROW_LOCK_RETRY_SECONDS
                )
            return PermanentError(f"Salesforce refused it: {message}", detail=detail)
        if exc.status == 429:
            return RetryableError(
                "Salesforce is limiting our requests",
                detail=detail,
                retry_after=_retry_after_seen() or RATE_LIMIT_RETRY_SECONDS,
            )
        if exc.status >= 500:
            return RetryableError(
                f"Salesforce is unavailable (HTTP {exc.status})", detail=detail, retry_after=_retry_after_seen()
            )
        return PermanentError(f"Salesforce refused it: {message}", detail=detail)
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return PermanentError("the Salesforce address is not valid; an admin must check SALESFORCE_INSTANCE_URL")
    if isinstance(exc, requests.RequestException):
        # Every call here is a read or an idempotent write, so a broken or timed-out call is safe to send again.
        return RetryableError("the connection to Salesforce failed", detail=type(exc).__name__)
    raise exc


# --- transport -------------------------------------------------------------------------------------------------

_last_error_response = threading.local()


def _note_retry_after(response: requests.Response) -> None:
    """Remember the Retry-After of this thread's last error response (None when it had none or did not fail)."""
    value = response.headers.get("Retry-After") if response.status_code >= 400 else None
    try:
        _last_error_response.retry_after = float(value) if value is not None else None
    except ValueError:
        _last_error_response.retry_after = None


def _retry_after_seen() -> float | None:
    return getattr(_last_error_response, "retry_after", None)


class SalesforceAdapter(HTTPAdapter):
    """Applies a timeout to every request (simple-salesforce passes none), and, for a local plain-http emulator
    only, sends the https:// URLs simple-salesforce always builds over http (connectors.md 2.1); ``send_to`` (an
    ``http://host:port`` on this machine) also replaces the host: simple-salesforce logs in only at
    ``https://<domain>.salesforce.com``, so a local login server stands in for one such host."""

    def __init__(
        self, timeout: tuple[float, float], *, downgrade_https: bool = False, send_to: str | None = None
    ) -> None:
        super().__init__()
        self.timeout = timeout
        self.downgrade_https = downgrade_https or send_to is not None
        self.send_to = send_to

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        if self.downgrade_https and request.url is not None and request.url.startswith("https://"):
            if self.send_to is not None:
                parts = urlsplit(request.url)
                request.url = self.send_to + request.url[len(f"{parts.scheme}://{parts.netloc}") :]
            else:
                request.url = "http://" + request.url[len("https://") :]
        response = super().send(request, *args, **kwargs)
        _note_retry_after(response)
        return response


def build_session(
    instance_url: str, timeout: tuple[float, float], *, local_login: tuple[str, str] | None = None
) -> requests.Session:
    """A session with timeouts everywhere; plain http is allowed only for an instance on this machine.
    ``local_login`` is (the ``https://<domain>.salesforce.com`` simple-salesforce logs in at, the local
    ``http://host:port`` that answers for it)."""
    parts = urlsplit(instance_url)
    session = requests.Session()
    session.mount("https://", SalesforceAdapter(timeout))
    session.mount("http://", SalesforceAdapter(timeout))
    if parts.scheme == "http":
        # A local emulator: downgrade its origin only, and never send its requests through a proxy.
        session.mount(f"https://{parts.netloc}/", SalesforceAdapter(timeout, downgrade_https=True))
        session.trust_env = False
    if local_login is not None:
        stand_in, local = local_login
        session.mount(f"{stand_in}/", SalesforceAdapter(timeout, send_to=local))
        session.trust_env = False
    return session


def _check_instance_url(instance_url: str) -> None:
    parts = urlsplit(instance_url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOCAL_HOSTS:
        return
    raise ValueError(
        f"Salesforce instance URL {instance_url!r} must be https://<your domain>.my.salesforce.com "
        "(plain http only for a local emulator on localhost or 127.0.0.1)"
    )


# --- logging in ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessToken:
    """A session id an admin obtained by hand, for trials: it expires within hours and cannot be renewed here."""

    token: str = dataclass_field(repr=False)


@dataclass(frozen=True)
class JwtBearerLogin:
    """The OAuth 2.0 JWT bearer flow: the connected app's consumer key, the integration user's username, and the
    private key (PEM) whose certificate is uploaded to the app. ``login_url`` is where the token is requested:
    ``https://login.salesforce.com`` (a production org, the default), ``https://test.salesforce.com`` (a sandbox
    org) or the org's My Domain; None picks the default (the instance itself when it is a local emulator)."""

    client_id: str
    username: str
    private_key_file: Path
    login_url: str | None = None


@dataclass(frozen=True)
class ClientCredentialsLogin:
    """The OAuth 2.0 client-credentials flow: the connected app's consumer key and secret; the session runs as the
    app's "Run As" user. Salesforce takes it only at the org's My Domain (``login_url``; None: the instance)."""

    client_id: str
    client_secret: str = dataclass_field(repr=False)
    login_url: str | None = None


SalesforceLogin = AccessToken | JwtBearerLogin | ClientCredentialsLogin

PRODUCTION_LOGIN_URL = "https://login.salesforce.com"
SALESFORCE_SUFFIX = ".salesforce.com"
EMULATOR_MY_DOMAIN = "emulator.my"
"""The My Domain a local login server stands in for in the client-credentials flow (any name but login or test)."""


@dataclass(frozen=True)
class LoginRoute:
    """Where simple-salesforce's ``SalesforceLogin`` sends the token request, in its own terms: ``domain`` makes
    ``https://<domain>.salesforce.com`` (the JWT's audience), ``token_domain`` the host of the token endpoint when
    it differs, and ``local`` the ``http://host:port`` of a local login server answering for that host."""

    domain: str
    token_domain: str | None = None
    local: str | None = None

    @property
    def host_url(self) -> str:
        return f"https://{self.token_domain or self.domain}{SALESFORCE_SUFFIX}"


def login_route(login_url: str, *, jwt: bool) -> LoginRoute:
    """The ``LoginRoute`` for ``login_url``; ValueError says what a login URL must look like."""
    parts = urlsplit(login_url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "http" and host in LOCAL_HOSTS:
        if jwt:  # the assertion's audience is then login.salesforce.com, as for a production org
            return LoginRoute(domain="login", local=f"http://{parts.netloc}")
        return LoginRoute(domain=EMULATOR_MY_DOMAIN, local=f"http://{parts.netloc}")
    if parts.scheme != "https" or not host.endswith(SALESFORCE_SUFFIX) or parts.port not in (None, 443):
        raise ValueError(
            f"login URL {login_url!r} must be https://login.salesforce.com, https://test.salesforce.com or your My "
            "Domain (https://<domain>.my.salesforce.com); plain http only for a local emulator"
        )
    domain = host[: -len(SALESFORCE_SUFFIX)]
    if not jwt:
        if domain in ("login", "test"):
            raise ValueError(
                f"the client-credentials flow works only at your My Domain (https://<domain>.my.salesforce.com), "
                f"not at {login_url}"
            )
        return LoginRoute(domain=domain)
    if domain in ("login", "test"):
        return LoginRoute(domain=domain)
    # A JWT's audience must be login or test (Salesforce refuses a My Domain one): ask the My Domain for the token,
    # with the audience of the kind of org it is.
    return LoginRoute(domain="test" if ".sandbox.my" in f".{domain}" else "login", token_domain=domain)


def _login_fix(code: object, description: str) -> str:
    """What an admin should check for Salesforce's OAuth error ``code`` / ``description``."""
    if code == "invalid_client_id":
        return "check SALESFORCE_CLIENT_ID (the connected app's consumer key)"
    if code == "invalid_client":
        return "check SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET (the connected app's consumer key and secret)"
    if "approved this consumer" in description:
        return (
            "pre-authorise the integration user in the connected app (Manage > Edit Policies > Admin approved users "
            "are pre-authorized, then add the user's profile or a permission set)"
        )
    if "audience" in description:
        return "SALESFORCE_LOGIN_URL must be https://login.salesforce.com or https://test.salesforce.com"
    if "client credentials user" in description:
        return "set a Run As user in the connected app's client credentials flow settings"
    if "expired" in description:
        return "check this machine's clock: the login assertion looked expired to Salesforce"
    return (
        "check SALESFORCE_USERNAME, and that the certificate uploaded to the connected app belongs to "
        "SALESFORCE_PRIVATE_KEY_FILE"
    )


class _SessionRenewed(Exception):
    """A write was refused with 401 and a new login succeeded: the action runs again from its start (never a
    ``ConnectorError``, so nothing on the way out mistakes it for a failure of the action)."""


# --- the connector ---------------------------------------------------------------------------------------------


MAX_SEARCH_WORDS = 8
"""No account, opportunity or person name has more words: a longer text is no name, and is not searched for."""


def _searchable(*texts: str) -> bool:
    """Whether ``texts`` can be names of records: Salesforce's Name fields hold at most 255 characters, and a query
    for something longer (or of many words) would only make an over-long request that finds nothing."""
    words = sum(len(text.split()) for text in texts)
    return all(len(text) <= 255 for text in texts) and words <= 2 * MAX_SEARCH_WORDS


@dataclass(frozen=True)
class ExternalIdField:
    """The external id field as one object Followthrough creates (Task, Contact) defines it: creates are upserts on
    it, so it must exist and be an External ID; Unique makes Salesforce refuse a second record with the same id."""

    object_name: str
    exists: bool
    external_id: bool = False
    unique: bool = False


class SalesforceConnector:
    """Implements ``approvals.core.ports.Connector`` and ``approvals.core.grounding.SalesforceCatalog`` for one org.

    The client is built on first use (logging in, unless ``login`` is a static token). Catalog look-ups that rarely
    change (stages, user ids) are cached for ``CATALOG_TTL_SECONDS``; records never are: every write re-reads first.
    ``login`` is a ``SalesforceLogin``, or a plain string: a static access token.
    """

    system = "salesforce"

    def __init__(
        self,
        instance_url: str,
        login: SalesforceLogin | str,
        *,
        external_id_field: str = "Followthrough_Action_Id__c",
        api_version: str = "59.0",
        timeout: tuple[float, float] = (5.0, 30.0),
        session_factory: Callable[[], requests.Session] | None = None,
    ) -> None:
        _check_instance_url(instance_url)
        self.instance_url = instance_url.rstrip("/")
        self.external_id_field = external_id_field
        self.api_version = api_version
        self.login = AccessToken(login) if isinstance(login, str) else login
        self._route = self._login_route(self.login)
        if isinstance(self.login, JwtBearerLogin) and not Path(self.login.private_key_file).is_file():
            raise ValueError(f"the private key file {str(self.login.private_key_file)!r} does not exist")
        self._timeout = timeout
        local_login = (self._route.host_url, self._route.local) if self._route and self._route.local else None
        self._session_factory = session_factory or (
            lambda: build_session(self.instance_url, self._timeout, local_login=local_login)
        )
        self._client: Salesforce | None = None
        self._lock = threading.Lock()
        self._call_state = threading.local()  # ``renewed``: this thread's current call has logged in again
        self._catalog: dict[str, tuple[float, Any]] = {}
        self.api_usage: Usage | None = None
        self._warned_percent = USAGE_WARNING_PERCENT - 1

    def __repr__(self) -> str:  # never the token
        return f"SalesforceConnector({self.instance_url!r}, {type(self.login).__name__})"

    def _login_route(self, login: SalesforceLogin) -> LoginRoute | None:
        if isinstance(login, AccessToken):
            return None
        url = login.login_url
        if url is None:
            local = urlsplit(self.instance_url).scheme == "http"
            jwt_default = self.instance_url if local else PRODUCTION_LOGIN_URL
            url = jwt_default if isinstance(login, JwtBearerLogin) else self.instance_url
        return login_route(url, jwt=isinstance(login, JwtBearerLogin))

    @property
    def client(self) -> Salesforce:
        with self._lock:
            if self._client is None:
                session = self._session_factory()
                session.hooks["response"].append(self._watch_usage)
                self._client = self._connect(session)
            return self._client

    def _connect(self, session: requests.Session) -> Salesforce:
        """A client on ``session`` with a session id: the static one, or one from a new login. Either way the
        client is built from ``session_id`` (no request here, connectors.md 2.1), so it never logs in by itself."""
        if isinstance(self.login, AccessToken):
            return Salesforce(
                instance_url=self.instance_url, session_id=self.login.token, session=session, version=self.api_version
            )
        session_id, instance = self._log_in(session)
        return Salesforce(instance=instance, session_id=session_id, session=session, version=self.api_version)

    def _log_in(self, session: requests.Session) -> tuple[str, str]:
        """A new session from the connected app's flow: (session id, instance host), or the error for an admin."""
        login, route = self.login, self._route
        assert route is not None and not isinstance(login, AccessToken)
        try:
            if isinstance(login, JwtBearerLogin):
                session_id, instance = simple_salesforce_login(
                    username=login.username,
                    consumer_key=login.client_id,
                    privatekey_file=str(login.private_key_file),
                    domain=route.domain,
                    instance_url=route.token_domain,
                    session=session,
                    sf_version=self.api_version,
                )
            else:
                session_id, instance = simple_salesforce_login(
                    consumer_key=login.client_id,
                    consumer_secret=login.client_secret,
                    domain=route.domain,
                    session=session,
                    sf_version=self.api_version,
                )
        except SalesforceAuthenticationFailed as exc:
            code, description = exc.code, exc.auth_message
            if isinstance(code, int) and (code >= 500 or code == 429):
                raise RetryableError(
                    f"Salesforce's login server answered HTTP {code}", detail=description[:300]
                ) from exc
            raise AuthError(
                f"Salesforce refused Followthrough's login ({code}: {description}); {_login_fix(code, description)}",
                detail=f"{type(login).__name__} at {route.host_url}",
            ) from exc
        except requests.RequestException as exc:
            raise RetryableError(
                f"Salesforce's login server {route.host_url} could not be reached", detail=type(exc).__name__
            ) from exc
        except OSError as exc:
            raise AuthError(
                f"Followthrough cannot read its Salesforce private key (SALESFORCE_PRIVATE_KEY_FILE: {exc.strerror})"
            ) from exc
        except ValueError as exc:  # PyJWT / cryptography: not a PEM RSA private key
            raise AuthError(
                "SALESFORCE_PRIVATE_KEY_FILE is not a PEM RSA private key; give the key whose certificate is "
                "uploaded to the connected app",
                detail=type(exc).__name__,
            ) from exc
        if not session_id or not instance:
            raise AuthError("Salesforce's login answered without a session; check the connected app")
        logger.info("logged in to Salesforce at %s (%s)", instance, type(login).__name__)
        return str(session_id), str(instance)

    def _sobject(self, name: str) -> SFType:
        sobject = getattr(self.client, name)
        assert isinstance(sobject, SFType)
        return sobject

    @contextmanager
    def _one_login(self) -> Iterator[None]:
        """One call of the connector (``execute``, ``reconcile``): at most one new login inside it."""
        outer = getattr(self._call_state, "renewed", None)
        if outer is None:
            self._call_state.renewed = False
        try:
            yield
        finally:
            if outer is None:
                del self._call_state.renewed

    def _call(self, fn: Callable[[], T], *, not_found: str | None = None, writes: bool = False) -> T:
        """``fn`` (one request) with Salesforce's errors translated; on 401 INVALID_SESSION_ID a new login, then a
        read is sent again and a write raises ``_SessionRenewed`` (module docstring)."""
        used = self.client.session_id  # logs in first if need be (a refused login is an AuthError already)
        try:
            return fn()
        except SalesforceExpiredSession as exc:
            if not self._may_renew(exc):
                refused = STATIC_TOKEN_REFUSED if isinstance(self.login, AccessToken) else NEW_SESSION_REFUSED
                raise translate(exc, not_found=not_found, refused=refused) from exc
            self._renew(used)
            if writes:
                raise _SessionRenewed from exc
            logger.info("Salesforce refused our session on a read; logged in again and reading once more")
        except (SalesforceError, requests.RequestException) as exc:
            raise translate(exc, not_found=not_found) from exc
        try:
            return fn()
        except (SalesforceError, requests.RequestException) as exc:
            raise translate(exc, not_found=not_found, refused=NEW_SESSION_REFUSED) from exc

    def _may_renew(self, exc: SalesforceExpiredSession) -> bool:
        return (
            not isinstance(self.login, AccessToken)
            and "INVALID_SESSION_ID" in _codes(exc)
            and not getattr(self._call_state, "renewed", False)
        )

    def _renew(self, refused_session: str) -> None:
        """Log in again, unless another thread already replaced ``refused_session``; counts for this call."""
        if getattr(self._call_state, "renewed", None) is not None:
            self._call_state.renewed = True
        with self._lock:
            current = self._client
            if current is not None and current.session_id != refused_session:
                return
            session = current.session if current is not None else self._session_factory()
            logger.info("Salesforce refused our session (expired or revoked); logging in again")
            self._client = self._connect(session)

    def _watch_usage(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Response hook: every call, also those through ``sf.<Object>`` (whose own ``api_usage`` is discarded with
        the throw-away SFType), reports the day's usage; warn once per percent point above 80 %."""
        header = response.headers.get("Sforce-Limit-Info")
        if not header:
            return
        usage = Salesforce.parse_api_usage(header).get("api-usage")
        if not isinstance(usage, Usage) or usage.total <= 0:
            return
        self.api_usage = usage
        percent = usage.used * 100 // usage.total
        if percent < USAGE_WARNING_PERCENT:
            self._warned_percent = USAGE_WARNING_PERCENT - 1  # a new day
        elif percent > self._warned_percent:
            self._warned_percent = percent
            logger.warning(
                "Salesforce API usage is at %d%% of the daily limit (%d of %d calls); at 100%% every action "
                "waits until calls free up",
                percent,
                usage.used,
                usage.total,
            )

    def warm(self) -> None:
        """Cache the stages and user ids for forked jobs, then close the pooled sockets: a socket must never be
        shared by forked processes. The client is kept; it reconnects on its next call."""
        try:
            self.stages()
            self._users()
            self.known_records()
        finally:
            with self._lock:
                if self._client is not None:
                    self._client.session.close()

    def external_id_fields(self) -> tuple[ExternalIdField, ...]:
        """How ``external_id_field`` is defined on each object Followthrough creates, from describe (this logs in
        first if need be: a refused login is an AuthError)."""
        found = []
        with self._one_login():
            for name in DELETABLE_OBJECTS:
                describe = self._call(lambda name=name: self._sobject(name).describe())
                wanted = self.external_id_field.lower()
                field = next((f for f in describe.get("fields", []) if str(f.get("name", "")).lower() == wanted), None)
                found.append(
                    ExternalIdField(
                        name,
                        exists=field is not None,
                        external_id=bool(field and field.get("externalId")),
                        unique=bool(field and field.get("unique")),
                    )
                )
        return tuple(found)

    def record_url(self, object_name: str, record_id: str) -> str:
        return f"{self.instance_url}/lightning/r/{object_name}/{record_id}/view"

    # -- Connector -------------------------------------------------------------------------------------------

    def execute(self, action: Action, context: ExecutionContext) -> Outcome:
        with self._one_login():
            try:
                return self._execute(action, context)
            except _SessionRenewed:
                # The write was refused (401), so it was not made; the action's own re-read decides again.
                logger.info(
                    "proposal %s: Salesforce refused a write of action %s with an expired session; logged in again "
                    "and running it again from its re-read",
                    context.proposal_id,
                    context.action_id,
                )
                return self._execute(action, context)

    def _execute(self, action: Action, context: ExecutionContext) -> Outcome:
        if isinstance(action, SalesforceUpdateOpportunity):
            return self._update(_expect(action.opportunity, "Opportunity"), action.before, action.changes(), context)
        if isinstance(action, SalesforceUpdateContact):
            return self._update(_expect(action.contact, "Contact"), action.before, action.changes(), context)
        if isinstance(action, SfCreate):
            return self._create(action, context)
        if isinstance(action, SalesforceDeleteRecord):
            return self._delete(action, context)
        raise PermanentError(f"the Salesforce connector cannot run {action.kind}")

    def reconcile(self, action: Action, context: ExecutionContext) -> Outcome | None:
        with self._one_login():
            return self._reconcile(action, context)

    def _reconcile(self, action: Action, context: ExecutionContext) -> Outcome | None:
        if isinstance(action, SfCreate):
            record_id = self._created_id(_object_of(action), context.action_id)
            return self._created_outcome(action, record_id) if record_id is not None else None
        if isinstance(action, SalesforceUpdateOpportunity | SalesforceUpdateContact):
            ref = action.opportunity if isinstance(action, SalesforceUpdateOpportunity) else action.contact
            return self._reconcile_update(ref, action.before, action.changes())
        if isinstance(action, SalesforceDeleteRecord):
            if self._read(action.record.object, action.record.id) is None:
                return self._deleted_outcome(action.record)
            return None
        return None

    # -- updates ---------------------------------------------------------------------------------------------

    def _update(
        self, ref: SfRecordRef, before: Mapping[str, Any], changes: Mapping[str, Any], context: ExecutionContext
    ) -> Outcome:
        gone = f"{ref.name} no longer exists in Salesforce (deleted or merged); nothing was changed"
        record = self._read(ref.object, ref.id)
        if record is None:
            raise PermanentError(gone)
        fields = OBJECT_FIELDS[ref.object]
        to_set: dict[str, Any] = {}
        conflicts: list[str] = []
        for name, new in changes.items():
            field = fields[name]
            now = _path(record, field.path)
            if same_value(field, now, new):
                continue  # already done (by an earlier attempt or by someone else): leave it
            if name in before and not same_value(field, now, before[name]):
                conflicts.append(f"{_label(name)} is now {_shown(field, now)} (was {_shown(field, before[name])})")
                continue
            to_set[name] = new
        if conflicts:
            current = self._current(ref.object, record, before)
            logger.info(
                "proposal %s: %s %s changed since approval: %s", context.proposal_id, ref.object, ref.id, conflicts
            )
            raise ConflictError(f"{ref.name} changed since it was approved: {'; '.join(conflicts)}", current=current)
        url = self.record_url(ref.object, ref.id)
        if not to_set:
            logger.info("proposal %s: %s %s already had the new values", context.proposal_id, ref.object, ref.id)
            return Outcome(
                summary=f"{ref.name} already had these values; nothing to change",
                key=ref.name,
                url=url,
                changes={"unchanged": True},
            )
        body = {fields[n].path: _api_value(fields[n], v) for n, v in to_set.items()}
        self._call(lambda: self._sobject(ref.object).update(ref.id, body), not_found=gone, writes=True)
        logger.info(
            "proposal %s: updated Salesforce %s %s (%s) for action %s",
            context.proposal_id,
            ref.object,
            ref.id,
            ", ".join(body),
            context.action_id,
        )
        old = {n: json_value(fields[n], _path(record, fields[n].path)) for n in to_set}
        return self._updated_outcome(ref, old, to_set)

    def _updated_outcome(self, ref: SfRecordRef, old: Mapping[str, Any], new: Mapping[str, Any]) -> Outcome:
        fields = OBJECT_FIELDS[ref.object]
        parts = [f"{_label(n)} {_shown(fields[n], old.get(n))} → {_shown(fields[n], new[n])}" for n in new]
        return Outcome(
            summary=f"Updated {ref.name}: {', '.join(parts)}",
            key=ref.name,
            url=self.record_url(ref.object, ref.id),
            changes={"before": dict(old), "after": dict(new)},
        )

    def _reconcile_update(
        self, ref: SfRecordRef, before: Mapping[str, Any], changes: Mapping[str, Any]
    ) -> Outcome | None:
        """Took effect when every field holds its new value; the approver's ``before`` is then what was replaced."""
        record = self._read(ref.object, ref.id)
        if record is None:
            return None
        fields = OBJECT_FIELDS[ref.object]
        if not all(same_value(fields[n], _path(record, fields[n].path), v) for n, v in changes.items()):
            return None
        changed = {n: v for n, v in changes.items() if n not in before or not same_value(fields[n], before[n], v)}
        if not changed:
            return Outcome(
                summary=f"{ref.name} already had these values; nothing to change",
                key=ref.name,
                url=self.record_url(ref.object, ref.id),
                changes={"unchanged": True},
            )
        return self._updated_outcome(ref, {n: json_value(fields[n], before.get(n)) for n in changed}, changed)

    def _current(self, object_name: str, record: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
        """``before``'s keys with the record's values now (a key we cannot read keeps the value it had)."""
        fields = OBJECT_FIELDS[object_name]
        current: dict[str, Any] = {}
        for name, was in before.items():
            field = fields.get(name)
            if field is not None:
                current[name] = json_value(field, _path(record, field.path))
            elif name in ("name", "opportunity", "contact"):
                current[name] = _path(record, NAME_FIELDS.get(object_name, "Name"))
            else:
                current[name] = was
        return current

    # -- creates ---------------------------------------------------------------------------------------------

    def _create(self, action: SfCreate, context: ExecutionContext) -> Outcome:
        object_name = _object_of(action)
        body = self._create_body(action)  # refuses a missing owner before any call
        existing = self._created_id(object_name, context.action_id)
        if existing is not None:
            logger.info(
                "proposal %s: %s %s already exists for action %s; nothing sent",
                context.proposal_id,
                object_name,
                existing,
                context.action_id,
            )
            return self._created_outcome(action, existing)
        key = f"{self.external_id_field}/{quote(context.action_id, safe='')}"
        response = self._call(lambda: self._sobject(object_name).upsert(key, body, raw_response=True), writes=True)
        record_id = _response_id(response) or self._created_id(object_name, context.action_id)
        if record_id is None:
            raise RetryableError(f"Salesforce accepted the {object_name.lower()} but does not show it yet")
        logger.info(
            "proposal %s: %s Salesforce %s %s for action %s",
            context.proposal_id,
            "created" if response.status_code == 201 else "found",
            object_name,
            record_id,
            context.action_id,
        )
        return self._created_outcome(action, record_id)

    def _create_body(self, action: SfCreate) -> dict[str, Any]:
        if isinstance(action, SalesforceCreateContact):
            body: dict[str, Any] = {
                "FirstName": action.first_name,
                "LastName": action.last_name,
                "Email": action.email,
                "Phone": action.phone,
                "Title": action.title,
                "AccountId": action.account.id if action.account else None,
            }
        elif isinstance(action, SalesforceCreateTask):
            owner = action.owner.salesforce_user_id
            if not owner:
                raise PermanentError(
                    f"{action.owner.display_name} has no Salesforce user, so the task cannot be assigned to them; "
                    "assign it to someone who has one"
                )
            body = {
                "Subject": action.subject,
                "OwnerId": owner,
                "WhatId": action.what.id if action.what else None,
                "WhoId": action.who.id if action.who else None,
                "ActivityDate": action.due_date.isoformat() if action.due_date else None,
                "Description": action.description or None,
                "Status": "Not Started",
            }
        else:
            body = {
                "Subject": action.subject,
                "WhatId": action.what.id if action.what else None,
                "WhoId": action.who.id if action.who else None,
                "ActivityDate": action.call_date.isoformat(),
                "Description": action.description or None,
                "TaskSubtype": "Call",
                "Type": "Call",
                "Status": "Completed",
            }
        return {k: v for k, v in body.items() if v is not None}

    def _created_id(self, object_name: str, action_id: str) -> str | None:
        """The id of the record carrying ``action_id`` in the external id field, or None."""
        key = f"{self.external_id_field}/{quote(action_id, safe='')}"
        try:
            record = self._call(lambda: self._sobject(object_name).get(key, params={"fields": "Id"}))
        except PermanentError as exc:
            if isinstance(exc.__cause__, SalesforceResourceNotFound):
                return None
            raise
        return str(record["Id"])

    def _created_outcome(self, action: SfCreate, record_id: str) -> Outcome:
        object_name = _object_of(action)
        if isinstance(action, SalesforceCreateContact):
            key = " ".join(p for p in (action.first_name, action.last_name) if p)
            summary = f"Created contact {key}" + (f" at {action.account.name}" if action.account else "")
        elif isinstance(action, SalesforceCreateTask):
            key = action.subject
            summary = f'Created task "{key}" for {action.owner.display_name}'
            summary += f" on {action.what.name}" if action.what else ""
            summary += f" with {action.who.name}" if action.who else ""
            summary += f", due {action.due_date.isoformat()}" if action.due_date else ""
        else:
            key = action.subject
            summary = f'Logged call "{key}"'
            summary += f" with {action.who.name}" if action.who else ""
            summary += f" on {action.what.name}" if action.what else ""
            summary += f" ({action.call_date.isoformat()})"
        return Outcome(
            summary=summary,
            key=key,
            url=self.record_url(object_name, record_id),
            changes={"created": {"object": object_name, "id": record_id}},
        )

    # -- deletes ---------------------------------------------------------------------------------------------

    def _delete(self, action: SalesforceDeleteRecord, context: ExecutionContext) -> Outcome:
        ref = action.record
        if ref.object not in DELETABLE_OBJECTS:
            raise PermanentError(f"Followthrough only deletes tasks and contacts it created, not a {ref.object}")
        record = self._read(ref.object, ref.id)
        if record is None:
            logger.info("proposal %s: %s %s was already deleted", context.proposal_id, ref.object, ref.id)
            return Outcome(summary=f"{ref.name} was already deleted", key=None, url=None, changes={"unchanged": True})
        if not record.get(self.external_id_field):
            raise PermanentError(f"{ref.name} was not created by Followthrough, so I will not delete it")
        checked = {name: self._checked_field(ref, record, name) for name in action.before}
        differs = [
            f"{_label(name)} is now {_shown(field, _path(record, field.path))}"
            for name, field in checked.items()
            if not same_value(field, _path(record, field.path), action.before[name])
        ]
        if differs:
            current = {name: json_value(field, _path(record, field.path)) for name, field in checked.items()}
            raise ConflictError(f"{ref.name} changed since it was created: {'; '.join(differs)}", current=current)
        try:
            self._call(lambda: self._sobject(ref.object).delete(ref.id), writes=True)
        except PermanentError as exc:
            if not isinstance(exc.__cause__, SalesforceResourceNotFound):
                raise
            logger.info("proposal %s: %s %s vanished before the delete", context.proposal_id, ref.object, ref.id)
        else:
            logger.info(
                "proposal %s: deleted Salesforce %s %s for action %s",
                context.proposal_id,
                ref.object,
                ref.id,
                context.action_id,
            )
        return self._deleted_outcome(ref)

    def _checked_field(self, ref: SfRecordRef, record: Mapping[str, Any], name: str) -> SfField:
        """The field a delete's ``before`` names: ours, or a Salesforce field name; refuse what we cannot check."""
        fields = OBJECT_FIELDS[ref.object]
        if name in fields:
            return fields[name]
        if name in record and name != "attributes":
            return SfField(name)
        raise PermanentError(
            f"cannot check {name!r} of {ref.name} before deleting it; nothing was deleted",
            detail=f"known fields of {ref.object}: {', '.join(fields)}",
        )

    def _deleted_outcome(self, ref: SfRecordRef) -> Outcome:
        return Outcome(
            summary=f"Deleted {ref.object.lower()} {ref.name} (an admin can restore it from the recycle bin)",
            key=None,
            url=None,
            changes={"deleted": {"object": ref.object, "id": ref.id}},
        )

    # -- reading ---------------------------------------------------------------------------------------------

    def _select(self, object_name: str, *, extra: Sequence[str] = ()) -> str:
        paths = ["Id", NAME_FIELDS.get(object_name, "Name")]
        paths += [f.path for f in OBJECT_FIELDS[object_name].values()]
        paths += extra
        return ", ".join(dict.fromkeys(paths))  # SOQL refuses a field selected twice

    def _query(self, soql: str) -> list[dict[str, Any]]:
        result = self._call(lambda: self.client.query(soql))
        return list(result.get("records", []))

    def _read(self, object_name: str, record_id: str) -> dict[str, Any] | None:
        """The live record with its related names (one query), or None when it does not exist or is deleted."""
        if object_name not in OBJECT_FIELDS:
            raise ValueError(f"no Salesforce object {object_name!r} here; use one of {', '.join(OBJECT_FIELDS)}")
        extra = [self.external_id_field] if object_name in DELETABLE_OBJECTS else []
        soql = (
            f"SELECT {self._select(object_name, extra=extra)} FROM {object_name} "
            f"WHERE Id = {soql_string(record_id)} LIMIT 1"
        )
        records = self._query(soql)
        return records[0] if records else None

    def _info(self, object_name: str, record: Mapping[str, Any]) -> SfRecordInfo:
        fields = OBJECT_FIELDS[object_name]
        return SfRecordInfo(
            object=object_name,
            id=str(record["Id"]),
            name=str(_path(record, NAME_FIELDS.get(object_name, "Name")) or ""),
            fields={n: json_value(f, _path(record, f.path)) for n, f in fields.items()},
        )

    # -- SalesforceCatalog -----------------------------------------------------------------------------------

    def find_opportunities(
        self, *, account: str | None, words: Sequence[str], open_only: bool
    ) -> Sequence[SfRecordInfo]:
        if not _searchable(account or "", *words):
            return ()
        where = [f"Name LIKE {soql_contains(w.strip())}" for w in words if w.strip()]
        if account and account.strip():
            where.append(f"Account.Name LIKE {soql_contains(account.strip())}")
        if open_only:
            where.append("IsClosed = false")
        return self._search("Opportunity", where, order_by="CloseDate")

    def find_accounts(self, name: str) -> Sequence[SfRecordInfo]:
        if not name.strip() or not _searchable(name):
            return ()
        return self._search("Account", [f"Name LIKE {soql_contains(name.strip())}"], order_by="Name")

    def find_contacts(self, *, name: str, account: str | None) -> Sequence[SfRecordInfo]:
        words = name.split()
        if not words or not _searchable(name, account or ""):
            return ()
        # "Ana Silva" matches the full name, or every word a first or last name (Name's order follows the locale).
        each = " AND ".join(f"(FirstName LIKE {soql_contains(w)} OR LastName LIKE {soql_contains(w)})" for w in words)
        where = [f"(Name LIKE {soql_contains(' '.join(words))} OR ({each}))"]
        if account and account.strip():
            where.append(f"Account.Name LIKE {soql_contains(account.strip())}")
        return self._search("Contact", where, order_by="Name")

    def _search(self, object_name: str, where: Sequence[str], *, order_by: str) -> list[SfRecordInfo]:
        soql = f"SELECT {self._select(object_name)} FROM {object_name}"
        if where:
            soql += " WHERE " + " AND ".join(where)
        soql += f" ORDER BY {order_by} LIMIT {SEARCH_LIMIT}"
        return [self._info(object_name, r) for r in self._query(soql)]

    def record(self, object_name: str, record_id: str) -> SfRecordInfo | None:
        if not record_id.isalnum() or len(record_id) not in (15, 18):
            return None  # not an id: nothing Salesforce could find
        found = self._read(object_name, record_id)
        return self._info(object_name, found) if found is not None else None

    # -- Observer (follow-ups) ------------------------------------------------------------------------------

    def observe(self, subjects: Sequence[tuple[str, str]]) -> Mapping[str, Observation]:
        """What Salesforce shows of these records now: one query per object and 200 ids (``Id IN (...)``)."""
        by_object: dict[str, list[str]] = {}
        for kind, ref in subjects:
            if kind in _OBSERVED and ref.isalnum() and len(ref) in (15, 18):
                by_object.setdefault(kind, []).append(ref)
        seen: dict[str, Observation] = {}
        for kind, ids in by_object.items():
            for start in range(0, len(ids), 200):
                chunk = ids[start : start + 200]
                listed = ", ".join(soql_string(i) for i in chunk)
                soql = f"SELECT {_OBSERVED[kind]} FROM {kind} WHERE Id IN ({listed})"
                for record in self._query(soql):
                    observation = _observation(kind, record)
                    seen[str(record["Id"])] = observation
                    if len(str(record["Id"])) == 18:
                        seen.setdefault(str(record["Id"])[:15], observation)
        return seen

    def user_id_for_email(self, email: str) -> str | None:
        wanted = email.strip().casefold()
        if not wanted:
            return None
        cached = self._users().get(wanted)
        if cached is not None:
            return cached
        records = self._query(
            f"SELECT Id, Email FROM User WHERE Email = {soql_string(email.strip())} AND IsActive = true LIMIT 2"
        )
        return str(records[0]["Id"]) if len(records) == 1 else None

    def _users(self) -> Mapping[str, str]:
        def load() -> dict[str, str]:
            records = self._query("SELECT Id, Email FROM User WHERE IsActive = true ORDER BY Email LIMIT 2000")
            users: dict[str, str] = {}
            for r in records:
                email = str(r.get("Email") or "").casefold()
                if email and email not in users:
                    users[email] = str(r["Id"])
            return users

        return self._cached("users", load)

    def known_records(self) -> KnownRecords:
        """Names people use for records: accounts, open opportunities (with their close dates) and contacts, at most
        2,000 of each, cached like the catalog. Only a reading aid for the parser: grounding searches again."""

        def load() -> KnownRecords:
            accounts = self._query("SELECT Name FROM Account ORDER BY LastModifiedDate DESC LIMIT 2000")
            opportunities = self._query(
                "SELECT Name, Account.Name, CloseDate FROM Opportunity WHERE IsClosed = false "
                "ORDER BY CloseDate LIMIT 2000"
            )
            contacts = self._query(
                "SELECT FirstName, LastName, Account.Name FROM Contact ORDER BY LastModifiedDate DESC LIMIT 2000"
            )
            return KnownRecords(
                accounts=tuple(str(a["Name"]) for a in accounts if a.get("Name")),
                opportunities=tuple(
                    (
                        str(_path(o, "Account.Name") or ""),
                        str(o.get("Name") or ""),
                        dt.date.fromisoformat(o["CloseDate"]) if o.get("CloseDate") else None,
                    )
                    for o in opportunities
                ),
                contacts=tuple(
                    (str(c.get("FirstName") or ""), str(c.get("LastName") or ""), _path(c, "Account.Name"))
                    for c in contacts
                ),
            )

        return self._cached("known_records", load)

    def stages(self) -> Sequence[str]:
        try:
            return self._cached("stages", self._load_stages)
        except ConnectorError as exc:
            logger.warning("could not read Opportunity stages from Salesforce (%s); using the standard ones", exc)
            return OPPORTUNITY_STAGES

    def _load_stages(self) -> tuple[str, ...]:
        describe = self._call(lambda: self._sobject("Opportunity").describe())
        for field in describe.get("fields", []):
            if field.get("name") == "StageName":
                values = tuple(p["value"] for p in field.get("picklistValues", []) if p.get("active", True))
                if values:
                    return values
        return OPPORTUNITY_STAGES

    def _cached(self, name: str, load: Callable[[], T]) -> T:
        now = time.monotonic()
        hit = self._catalog.get(name)
        if hit is not None and now - hit[0] < CATALOG_TTL_SECONDS:
            return hit[1]  # type: ignore[no-any-return]
        value = load()
        self._catalog[name] = (now, value)
        return value


def _expect(ref: SfRecordRef, object_name: str) -> SfRecordRef:
    if ref.object != object_name:
        raise PermanentError(
            f"{ref.name} is a {ref.object}; this change applies to {object_name} records only, so nothing was changed"
        )
    return ref


def _object_of(action: SfCreate) -> str:
    return "Contact" if isinstance(action, SalesforceCreateContact) else "Task"


def _response_id(response: Any) -> str | None:
    """The record id in an upsert's answer (201 and, from API 46.0, 200 carry ``{"id", "created"}``)."""
    try:
        body = response.json()
    except ValueError:
        return None  # an older API's 204: no body
    value = body.get("id") if isinstance(body, dict) else None
    return str(value) if value else None


_OBSERVED: Mapping[str, str] = {
    "Opportunity": "Id, StageName, IsClosed, IsWon, LastModifiedDate, LastModifiedBy.Name, Owner.Name",
    "Task": "Id, Status, IsClosed, LastModifiedDate, LastModifiedBy.Name, Owner.Name",
}
"""What a follow-up reads of each object it can follow."""


def _observation(kind: str, record: Mapping[str, Any]) -> Observation:
    modified_by = _path(record, "LastModifiedBy.Name")
    owner = _path(record, "Owner.Name")
    if kind == "Opportunity":
        return Observation(
            stage=record.get("StageName"),
            is_closed=bool(record.get("IsClosed")),
            updated=record.get("LastModifiedDate"),
            changed_by=str(modified_by) if modified_by else None,
            assignee=str(owner) if owner else None,
        )
    return Observation(
        status=record.get("Status"),
        is_closed=bool(record.get("IsClosed")),
        updated=record.get("LastModifiedDate"),
        changed_by=str(modified_by) if modified_by else None,
        assignee=str(owner) if owner else None,
    )
