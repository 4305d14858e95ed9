"""The Salesforce REST emulator: the subset of ``/services/data/vNN.N/`` that simple-salesforce uses.

One aiohttp route catches every ``/services/...`` request and ``_dispatch`` runs the same steps for each: find the
API version, authenticate the bearer token, count the call against the daily API limit, match the path in
``ROUTES`` (a table of path patterns and per-method handlers), run the handler under the emulator's lock, and
answer with Salesforce's JSON error arrays and the ``Sforce-Limit-Info`` header. Handlers are synchronous
functions of a ``Call``; they never see aiohttp. Adding an endpoint is one ``Route`` and one handler.

Invariants: every answer from ``/services/data/vNN.N/`` carries ``Sforce-Limit-Info: api-usage=N/LIMIT``; a call
is counted exactly when it is authenticated and under the limit; state changes only under ``self.lock``, which
tests also take (through the Python API) from their own thread.

Authentication: a bearer token is valid while its session is (``sandbox.salesforce.oauth``): the seed's static
access token (for trials), or one ``POST /services/oauth2/token`` issued to a registered connected app through the
JWT bearer or client-credentials flow. ``expire_sessions`` (or ``POST /_sandbox/salesforce/sessions/expire``) ends
sessions as a timeout would; their next call answers 401 ``INVALID_SESSION_ID`` and a new login is needed.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from sandbox.emulator import Emulator
from sandbox.faults import CONTROL_PREFIX, Fault
from sandbox.salesforce import errors
from sandbox.salesforce.editing import RecordEditing
from sandbox.salesforce.errors import SalesforceError
from sandbox.salesforce.oauth import ConnectedApp, Flow, OAuthError, TokenEndpoint
from sandbox.salesforce.query import run_query
from sandbox.salesforce.records import MultipleMatches, Payload, RecordStore, format_datetime, record_url
from sandbox.salesforce.schema import ObjectSpec, build_schemas, child_relationships
from sandbox.salesforce.seeding import INTEGRATION_USER_ID, integration_username, populate
from sandbox.seed import Seed

logger = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
DEFAULT_BATCH_SIZE = 2000
MIN_HEADER_BATCH_SIZE = 200
MAX_OPEN_CURSORS = 50
OLDEST_VERSION, NEWEST_VERSION = 31, 65  # Summer '14 .. Winter '26
CONTROL_BASE = CONTROL_PREFIX + "salesforce/"

_VERSIONED = re.compile(r"^/services/data/v(?P<version>\d+\.\d)(?:/(?P<tail>.*))?$")
_SEASONS = ("Winter", "Spring", "Summer")

# The error bodies an injected fault answers with, by status (``fault.body`` overrides).
FAULT_ERRORS: Mapping[int, tuple[str, str]] = {
    # Salesforce's usual transient 400: row-lock contention, safe to retry.
    400: ("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record or 1 records"),
    401: ("INVALID_SESSION_ID", "Session expired or invalid"),
    403: ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    404: ("NOT_FOUND", "The requested resource does not exist"),
    429: ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    500: (
        "UNKNOWN_EXCEPTION",
        "An unexpected error occurred. Please include this ErrorId if you contact support: 1536481337-12345 (-82741)",
    ),
    502: ("SERVER_UNAVAILABLE", "Server temporarily unavailable"),
    503: ("SERVER_UNAVAILABLE", "Server temporarily unavailable"),
    504: ("SERVER_UNAVAILABLE", "Server temporarily unavailable"),
}


def release_label(version: int) -> str:
    """``59`` → ``"Winter '24"``: three releases a year, Winter first."""
    steps = version - 59
    return f"{_SEASONS[steps % 3]} '{24 + steps // 3:02d}"


@dataclass(frozen=True)
class Call:
    """One authenticated REST call as the handlers see it (path parameters already URL-decoded)."""

    method: str
    version: str
    params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: str


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any = None  # None: no body (204)


Handler = Callable[["SalesforceEmulator", Call], Answer]


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    handlers: Mapping[str, Handler]


@dataclass
class _Cursor:
    """A query's full result, kept for ``query/{locator}-{offset}`` (Salesforce snapshots results the same way)."""

    records: list[dict[str, Any]]
    batch_size: int
    endpoint: str
    version: str


class SalesforceEmulator(RecordEditing, Emulator):
    """Salesforce REST for Account, Contact, Opportunity, Task and User, built from the seed.

    Python API (thread-safe): ``records``, ``record``, ``find``, ``api_usage``, ``api_limit``, ``set_api_limit``,
    ``add_connected_app``, ``sessions``, ``expire_sessions``, ``logins``, and the ``query_batch_size`` attribute.
    Control routes: ``GET /_sandbox/salesforce/records/{Obj}``, ``GET`` / ``POST /_sandbox/salesforce/limits``,
    ``POST /_sandbox/salesforce/connected_apps``, ``GET /_sandbox/salesforce/sessions``,
    ``POST /_sandbox/salesforce/sessions/expire``.
    """

    name = "salesforce"

    def __init__(self, seed: Seed, *, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(seed)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.schemas: dict[str, ObjectSpec] = build_schemas(seed.salesforce.external_id_field)
        self.query_batch_size = DEFAULT_BATCH_SIZE
        self._store = self._fresh_store()
        self._api_limit = seed.salesforce.daily_api_limit
        self._api_usage = 0
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()
        self._seq = 0
        self.oauth = self._fresh_oauth()
        self.logins = 0  # successful token requests since the last reset

    # --- Emulator ------------------------------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(CONTROL_BASE + "records/{sobject}", self._control_records)
        app.router.add_get(CONTROL_BASE + "limits", self._control_get_limits)
        app.router.add_post(CONTROL_BASE + "limits", self._control_set_limits)
        app.router.add_post(CONTROL_BASE + "connected_apps", self._control_add_connected_app)
        app.router.add_get(CONTROL_BASE + "sessions", self._control_sessions)
        app.router.add_post(CONTROL_BASE + "sessions/expire", self._control_expire_sessions)
        app.router.add_post("/services/oauth2/token", self._token)  # before the catch-all: first match wins
        app.router.add_route("*", "/services/{tail:.*}", self._dispatch)

    def error_response(self, status: int, fault: Fault) -> web.Response:
        if fault.body is not None:
            body = fault.body
        else:
            code, message = FAULT_ERRORS.get(status, ("UNKNOWN_EXCEPTION", "An unexpected error occurred."))
            body = [errors.error_entry(code, message)]
        return self._respond(status, body)

    def reset(self) -> None:
        with self.lock:
            self._store = self._fresh_store()
            self._api_limit = self.seed.salesforce.daily_api_limit
            self._api_usage = 0
            self._cursors.clear()
            self.query_batch_size = DEFAULT_BATCH_SIZE
            self.oauth = self._fresh_oauth()
            self.logins = 0
            self._seq += 1

    def environment(self) -> dict[str, str]:
        return {
            "SALESFORCE_INSTANCE_URL": self.base_url,
            "SALESFORCE_ACCESS_TOKEN": self.seed.salesforce.access_token,
        }

    def _fresh_oauth(self) -> TokenEndpoint:
        token = self.seed.salesforce.access_token
        endpoint = TokenEndpoint(org_id=token.split("!", 1)[0], users=self._user_by_username, clock=self.clock)
        endpoint.add_static(token, username=integration_username(self.seed), user_id=INTEGRATION_USER_ID)
        return endpoint

    def _user_by_username(self, username: str) -> dict[str, Any] | None:
        users = self._store.rows(self.schemas["User"].name, include_deleted=False)
        return next((dict(r) for r in users if r.get("Username") == username), None)

    def _fresh_store(self) -> RecordStore:
        store = RecordStore(self.schemas, integration_user_id=INTEGRATION_USER_ID)
        populate(store, self.seed)
        return store

    # --- Python API ----------------------------------------------------------------------------------------------

    @property
    def seq(self) -> int:
        """A change counter: grows on every successful write (create, update, upsert, delete) and on reset,
        never goes back. Cheap to read, so a page can poll it and re-read ``records()`` only when it moved."""
        return self._seq

    def records(self, sobject: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Copies of the records of ``sobject`` in creation order (the recycle bin only with ``include_deleted``)."""
        spec = self._spec_or_raise(sobject)
        with self.lock:
            return [dict(r) for r in self._store.rows(spec.name, include_deleted=include_deleted)]

    def record(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        """A copy of one record by 15- or 18-character id, deleted or not (check ``IsDeleted``); None if absent."""
        spec = self._spec_or_raise(sobject)
        with self.lock:
            found = self._store.find_any(record_id)
            if found is None or found[0].name != spec.name:
                return None
            return dict(found[1])

    def find(self, sobject: str, **field_equals: Any) -> list[dict[str, Any]]:
        """Live records of ``sobject`` whose fields equal every given value exactly."""
        return [r for r in self.records(sobject) if all(r.get(k) == v for k, v in field_equals.items())]

    @property
    def api_usage(self) -> int:
        with self.lock:
            return self._api_usage

    @property
    def api_limit(self) -> int:
        with self.lock:
            return self._api_limit

    def set_api_limit(self, limit: int, *, usage: int | None = None) -> None:
        """Set the daily API request limit and, optionally, the requests already used today."""
        if limit < 0 or (usage is not None and usage < 0):
            raise ValueError(f"API limit and usage must be non-negative, got limit={limit!r} usage={usage!r}")
        with self.lock:
            self._api_limit = limit
            if usage is not None:
                self._api_usage = usage

    def add_connected_app(
        self,
        consumer_key: str,
        *,
        consumer_secret: str | None = None,
        certificate: str | None = None,
        run_as: str | None = None,
        approved_users: frozenset[str] | None = None,
    ) -> ConnectedApp:
        """Register a connected app (see ``sandbox.salesforce.oauth.ConnectedApp``); ``run_as`` defaults to the
        integration user when a secret is given. Kept until ``reset``."""
        if consumer_secret and run_as is None:
            run_as = integration_username(self.seed)
        app = ConnectedApp(consumer_key, consumer_secret, certificate, run_as, approved_users)
        with self.lock:
            return self.oauth.register(app)

    def sessions(self) -> list[dict[str, Any]]:
        """Every session the org issued or was seeded with (tokens shown by their last four characters)."""
        with self.lock:
            return [s.describe() for s in self.oauth.sessions.values()]

    def expire_sessions(self, *, token: str | None = None, flow: Flow | None = None) -> int:
        """End sessions as a timeout does: one ``token``, every session of a ``flow``, or all; returns how many."""
        with self.lock:
            return self.oauth.expire(token=token, flow=flow)

    def _spec_or_raise(self, sobject: str) -> ObjectSpec:
        spec = self._spec(sobject)
        if spec is None:
            raise KeyError(f"the Salesforce emulator has no sObject {sobject!r}; it serves {sorted(self.schemas)}")
        return spec

    def _spec(self, sobject: str) -> ObjectSpec | None:
        return next((s for s in self.schemas.values() if s.name.lower() == sobject.lower()), None)

    # --- HTTP plumbing -------------------------------------------------------------------------------------------

    def _limit_header(self) -> dict[str, str]:
        return {"Sforce-Limit-Info": f"api-usage={self._api_usage}/{self._api_limit}"}

    def _respond(self, status: int, body: Any) -> web.Response:
        with self.lock:
            headers = self._limit_header()
        if body is None:
            return web.Response(status=status, headers=headers)
        headers["Content-Type"] = JSON_CONTENT_TYPE
        return web.Response(status=status, body=json.dumps(body).encode("utf-8"), headers=headers)

    async def _dispatch(self, request: web.Request) -> web.Response:
        body = (await request.read()).decode("utf-8", "replace") if request.body_exists else ""
        path = request.raw_path.split("?", 1)[0]
        try:
            answer = self._handle(request, path, body)
        except SalesforceError as exc:
            answer = Answer(exc.status, exc.body)
        except Exception:
            # An emulator bug: answer as Salesforce answers its own, and keep the traceback for whoever debugs it.
            logger.exception("salesforce emulator: %s %s failed", request.method, path)
            code, message = FAULT_ERRORS[500]
            answer = Answer(500, [errors.error_entry(code, message)])
        return self._respond(answer.status, answer.body)

    def _handle(self, request: web.Request, path: str, body: str) -> Answer:
        if path.rstrip("/") == "/services/data":
            return Answer(200, self._versions())
        match = _VERSIONED.match(path)
        if match is None or not OLDEST_VERSION <= int(float(match["version"])) <= NEWEST_VERSION:
            raise errors.resource_not_found()
        with self.lock:
            self._authenticate(request)
            self._count_call()
            tail = (match["tail"] or "").rstrip("/")
            for route in ROUTES:
                found = route.pattern.fullmatch(tail)
                if found is None:
                    continue
                handler = route.handlers.get(request.method)
                if handler is None:
                    raise errors.method_not_allowed(request.method, list(route.handlers))
                call = Call(
                    method=request.method,
                    version=match["version"],
                    params={k: unquote(v) for k, v in found.groupdict().items()},
                    query={k: request.query[k] for k in request.query},
                    headers=request.headers,
                    body=body,
                )
                answer = handler(self, call)
                if call.method != "GET" and answer.status < 400:
                    self._seq += 1
                return answer
            raise errors.resource_not_found()

    def _authenticate(self, request: web.Request) -> None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() not in ("bearer", "oauth") or self.oauth.valid(token.strip()) is None:
            raise errors.invalid_session()

    async def _token(self, request: web.Request) -> web.Response:
        """``POST /services/oauth2/token``: a form body, answered with a session or an OAuth error (no API call
        is counted, and no ``Sforce-Limit-Info``: the login server is not the REST API)."""
        form = {k: str(v) for k, v in (await request.post()).items()}
        try:
            with self.lock:
                body = self.oauth.token(
                    form, authorization=request.headers.get("Authorization"), instance_url=self.base_url
                )
                self.logins += 1
            status = 200
        except OAuthError as exc:
            body, status = exc.body(), exc.status
        headers = {"Cache-Control": "no-cache,must-revalidate,max-age=0,no-store,private", "Pragma": "no-cache"}
        return web.json_response(body, status=status, headers=headers)

    def _count_call(self) -> None:
        if self._api_usage >= self._api_limit:
            raise errors.request_limit_exceeded()
        self._api_usage += 1

    def _versions(self) -> list[dict[str, str]]:
        return [
            {"label": release_label(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
            for v in range(OLDEST_VERSION, NEWEST_VERSION + 1)
        ]

    def _now(self) -> str:
        return format_datetime(self.clock())

    def _sobject(self, call: Call) -> ObjectSpec:
        spec = self._spec(call.params["sobject"])
        if spec is None:
            raise errors.resource_not_found()
        return spec

    # --- handlers ------------------------------------------------------------------------------------------------

    def handle_resources(self, call: Call) -> Answer:
        base = f"/services/data/v{call.version}"
        return Answer(200, {name: f"{base}/{name}" for name in ("sobjects", "query", "queryAll", "limits")})

    def handle_limits(self, call: Call) -> Answer:
        return Answer(
            200,
            {"DailyApiRequests": {"Max": self._api_limit, "Remaining": max(0, self._api_limit - self._api_usage)}},
        )

    def handle_global_describe(self, call: Call) -> Answer:
        return Answer(
            200,
            {
                "encoding": "UTF-8",
                "maxBatchSize": 200,
                "sobjects": [spec.summary(call.version) for spec in self.schemas.values()],
            },
        )

    def handle_basic_info(self, call: Call) -> Answer:
        spec = self._sobject(call)
        shown = [f for f in (spec.field("Id"), spec.field("Name")) if f is not None]
        latest = list(self._store.rows(spec.name, include_deleted=False))[-5:]
        recent = [self._store.render(spec, r, call.version, fields=shown) for r in latest]
        return Answer(200, {"objectDescribe": spec.summary(call.version), "recentItems": recent})

    def handle_describe(self, call: Call) -> Answer:
        spec = self._sobject(call)
        return Answer(200, spec.describe(call.version, child_relationships(self.schemas, spec.name)))

    def handle_create(self, call: Call) -> Answer:
        spec = self._sobject(call)
        record_id = self._store.create(spec, Payload.parse(call.body), now=self._now())
        return Answer(201, {"id": record_id, "success": True, "errors": []})

    def handle_get(self, call: Call) -> Answer:
        spec = self._sobject(call)
        record = self._store.existing(spec, call.params["record_id"])
        return Answer(200, self._render(spec, record, call))

    def handle_update(self, call: Call) -> Answer:
        spec = self._sobject(call)
        self._store.update(spec, call.params["record_id"], Payload.parse(call.body), now=self._now())
        return Answer(204)

    def handle_delete(self, call: Call) -> Answer:
        spec = self._sobject(call)
        self._store.delete(spec, call.params["record_id"], now=self._now())
        return Answer(204)

    def handle_get_by_external_id(self, call: Call) -> Answer:
        spec = self._sobject(call)
        record = self._one_by_external_id(spec, call)
        return Answer(200, self._render(spec, record, call))

    def handle_delete_by_external_id(self, call: Call) -> Answer:
        spec = self._sobject(call)
        record = self._one_by_external_id(spec, call)
        self._store.delete(spec, record["Id"], now=self._now())
        return Answer(204)

    def handle_upsert(self, call: Call) -> Answer:
        spec = self._sobject(call)
        try:
            record_id, created = self._store.upsert(
                spec, call.params["field"], call.params["value"], Payload.parse(call.body), now=self._now()
            )
        except MultipleMatches as exc:
            raise errors.multiple_matches([record_url(spec, i, call.version) for i in exc.record_ids]) from None
        body = {"id": record_id, "success": True, "errors": [], "created": created}
        return Answer(201 if created else 200, body)

    def handle_query(self, call: Call) -> Answer:
        return self._query(call, include_deleted=False)

    def handle_query_all(self, call: Call) -> Answer:
        return self._query(call, include_deleted=True)

    def handle_query_more(self, call: Call) -> Answer:
        locator, _, offset_text = call.params["locator"].rpartition("-")
        cursor = self._cursors.get(locator)
        if cursor is None or not offset_text.isdigit() or not 0 < int(offset_text) < len(cursor.records):
            raise errors.invalid_query_locator()
        return Answer(200, self._page(cursor, locator, int(offset_text)))

    # --- handler helpers -----------------------------------------------------------------------------------------

    def _render(self, spec: ObjectSpec, record: dict[str, Any], call: Call) -> dict[str, Any]:
        wanted = call.query.get("fields")
        if not wanted:
            return self._store.render(spec, record, call.version)
        fields = []
        for name in (n.strip() for n in wanted.split(",") if n.strip()):
            f = spec.field(name)
            if f is None:
                raise errors.no_such_column_on_entity(name, spec.name)
            fields.append(f)
        return self._store.render(spec, record, call.version, fields=fields)

    def _one_by_external_id(self, spec: ObjectSpec, call: Call) -> dict[str, Any]:
        _, matches = self._store.by_external_id(spec, call.params["field"], call.params["value"])
        if not matches:
            raise errors.resource_not_found()
        if len(matches) > 1:
            raise errors.multiple_matches([record_url(spec, r["Id"], call.version) for r in matches])
        return matches[0]

    def _query(self, call: Call, *, include_deleted: bool) -> Answer:
        text = call.query.get("q")
        if not text:
            raise errors.missing_query()
        result = run_query(
            text,
            self._store,
            self.schemas,
            today=self.clock().astimezone(UTC).date(),
            include_deleted=include_deleted,
            version=call.version,
        )
        cursor = _Cursor(
            records=result.records,
            batch_size=self._batch_size(call),
            endpoint="queryAll" if include_deleted else "query",
            version=call.version,
        )
        if len(result.records) <= cursor.batch_size:
            return Answer(200, {"totalSize": result.total_size, "done": True, "records": result.records})
        locator = "01g" + secrets.token_hex(8)[:15]
        self._cursors[locator] = cursor
        while len(self._cursors) > MAX_OPEN_CURSORS:
            self._cursors.popitem(last=False)
        return Answer(200, self._page(cursor, locator, 0))

    def _page(self, cursor: _Cursor, locator: str, offset: int) -> dict[str, Any]:
        end = offset + cursor.batch_size
        page: dict[str, Any] = {"totalSize": len(cursor.records), "done": end >= len(cursor.records)}
        if not page["done"]:
            page["nextRecordsUrl"] = f"/services/data/v{cursor.version}/{cursor.endpoint}/{locator}-{end}"
        page["records"] = cursor.records[offset:end]
        return page

    def _batch_size(self, call: Call) -> int:
        options = call.headers.get("Sforce-Query-Options", "")
        found = re.search(r"batchSize\s*=\s*(\d+)", options)
        if found:
            return min(max(int(found.group(1)), MIN_HEADER_BATCH_SIZE), DEFAULT_BATCH_SIZE)
        return self.query_batch_size

    # --- control routes ------------------------------------------------------------------------------------------

    async def _control_records(self, request: web.Request) -> web.Response:
        spec = self._spec(request.match_info["sobject"])
        if spec is None:
            return web.json_response({"error": f"no sObject {request.match_info['sobject']!r}"}, status=404)
        include_deleted = request.query.get("include_deleted", "").lower() in ("1", "true", "yes")
        return web.json_response(self.records(spec.name, include_deleted=include_deleted))

    async def _control_get_limits(self, request: web.Request) -> web.Response:
        return web.json_response({"usage": self.api_usage, "limit": self.api_limit})

    async def _control_set_limits(self, request: web.Request) -> web.Response:
        try:
            spec = await request.json()
            self.set_api_limit(int(spec.get("limit", self.api_limit)), usage=spec.get("usage"))
        except (TypeError, ValueError, AttributeError) as exc:
            return web.json_response({"error": f"invalid limits: {exc}"}, status=400)
        return web.json_response({"usage": self.api_usage, "limit": self.api_limit})

    async def _control_add_connected_app(self, request: web.Request) -> web.Response:
        try:
            spec = await request.json()
            approved = spec.get("approved_users")
            app = self.add_connected_app(
                str(spec["consumer_key"]),
                consumer_secret=spec.get("consumer_secret"),
                certificate=spec.get("certificate"),
                run_as=spec.get("run_as"),
                approved_users=frozenset(approved) if approved is not None else None,
            )
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            return web.json_response({"error": f"invalid connected app: {exc}"}, status=400)
        return web.json_response({"consumer_key": app.consumer_key, "run_as": app.run_as})

    async def _control_sessions(self, request: web.Request) -> web.Response:
        return web.json_response(self.sessions())

    async def _control_expire_sessions(self, request: web.Request) -> web.Response:
        try:
            spec = await request.json() if request.body_exists else {}
            expired = self.expire_sessions(token=spec.get("token"), flow=spec.get("flow"))
        except (TypeError, ValueError, AttributeError) as exc:
            hint = 'send {"token": ..., "flow": ...} (both optional)'
            return web.json_response({"error": f"{hint}: {exc}"}, status=400)
        return web.json_response({"expired": expired})


def _route(pattern: str, **handlers: Handler) -> Route:
    return Route(re.compile(pattern), handlers)


_SOBJECT = r"sobjects/(?P<sobject>[^/]+)"

# Matched in order against the path after /services/data/vNN.N/ (trailing slash removed); first match wins.
ROUTES: tuple[Route, ...] = (
    _route(r"", GET=SalesforceEmulator.handle_resources),
    _route(r"limits", GET=SalesforceEmulator.handle_limits),
    _route(r"sobjects", GET=SalesforceEmulator.handle_global_describe),
    _route(_SOBJECT, GET=SalesforceEmulator.handle_basic_info, POST=SalesforceEmulator.handle_create),
    _route(_SOBJECT + r"/describe", GET=SalesforceEmulator.handle_describe),
    _route(
        _SOBJECT + r"/(?P<record_id>[^/]+)",
        GET=SalesforceEmulator.handle_get,
        PATCH=SalesforceEmulator.handle_update,
        DELETE=SalesforceEmulator.handle_delete,
    ),
    _route(
        _SOBJECT + r"/(?P<field>[^/]+)/(?P<value>[^/]+)",
        GET=SalesforceEmulator.handle_get_by_external_id,
        PATCH=SalesforceEmulator.handle_upsert,
        DELETE=SalesforceEmulator.handle_delete_by_external_id,
    ),
    _route(r"query", GET=SalesforceEmulator.handle_query),
    _route(r"queryAll", GET=SalesforceEmulator.handle_query_all),
    _route(r"(?:query|queryAll)/(?P<locator>[^/]+)", GET=SalesforceEmulator.handle_query_more),
)
