"""The Jira emulator's HTTP edge: the REST route table, authentication, throttling, and the Python API tests use.

Request flow (one pipeline for every route): fault injection and recording (``sandbox.faults``, installed by the
base class) -> rate limit (off unless ``rate_limit()`` is set) -> authentication -> body parsing -> the route's
handler, run under ``self.lock`` against ``JiraState`` -> JSON response. A handler reports a Jira error by raising
``JiraError``; the edge renders it as Jira's ``{"errorMessages", "errors"}`` body. Adding an endpoint is one
handler method and one ``Route`` row in ``JiraEmulator.ROUTES``; every route is served under ``/rest/api/2``,
``/rest/api/3`` and ``/rest/api/latest`` (v3 renders rich text as ADF).

Two flavours (``deployment``, by default the seed's): Jira Cloud takes HTTP Basic with the bot's email and API
token, shows users by ``accountId`` only and searches at ``/search/jql``; Jira Data Center / Server takes a
personal access token (``Authorization: Bearer``; Basic with the user name and password too), shows users by
``name`` and ``key`` (no accountId), takes ``{"name": ...}`` in user fields and searches at the legacy ``/search``.

Deliberate differences from a bare "accept anything" fake, each as Jira behaves: a bad or missing credential is a
401 (anonymous ``serverInfo`` excepted), and so is a bearer token on Cloud (its API tokens are Basic only); the
legacy ``/search`` answers 410 on a Cloud site (it was removed) while ``/search/jql`` needs a bounded query;
transitions are offered and accepted only along the project's workflow; issues created less than ``index_lag``
seconds ago are invisible to search but readable by key. Texts not confirmed against a real capture are marked in
``sandbox.jira.messages``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal

from aiohttp import web
from multidict import MultiMapping

from sandbox.emulator import Emulator
from sandbox.faults import Fault, json_response
from sandbox.jira import messages as msg
from sandbox.jira import search
from sandbox.jira.catalog import BOT_ACCOUNT_ID, BOT_USERNAME, PERSONAL_ACCESS_TOKEN, SYSTEM_FIELDS, Catalog
from sandbox.jira.messages import JiraError
from sandbox.jira.state import Issue, JiraState
from sandbox.jira.views import FieldSelection, View, timestamp
from sandbox.seed import Seed

API_VERSIONS = ("2", "3", "latest")
CONTROL = "/_sandbox/jira/"
SEARCH_PAGE_MAX = 100
SEARCH_IDS_PAGE_MAX = 5000
LEGACY_SEARCH_MAX = 1000
CREATE_FIELDS = (  # (field id, required, has a default) on every create screen, as JiraState.create treats them
    ("project", True, False),
    ("issuetype", True, False),
    ("summary", True, False),
    ("reporter", True, True),
    ("description", False, False),
    ("priority", False, True),
    ("labels", False, False),
    ("assignee", False, False),
    ("duedate", False, False),
)

# Bodies for injected faults and throttling: Jira's shape; the wording of these generic texts is not Jira's verbatim.
ERROR_TEXTS: dict[int, str] = {
    400: "Bad request.",
    403: "You do not have permission to perform this operation.",
    404: "The requested resource could not be found.",
    409: "The request conflicts with the current state of the resource.",
    429: "Rate limit exceeded.",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service unavailable. Please try again later.",
    504: "Gateway timeout.",
}


@dataclass(frozen=True)
class Call:
    """One parsed REST request, as a handler sees it."""

    version: str  # "2" or "3" ("latest" is served as "2")
    params: Mapping[str, str]  # path parameters
    query: MultiMapping[str]
    body: Any
    has_body: bool
    actor: str | None  # accountId of the authenticated caller; None only on anonymous routes
    method: str

    def arg(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name, default)

    def int_arg(self, name: str, default: int) -> int:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise msg.bad_request(f"The value '{raw}' of parameter '{name}' is not a number.") from None


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # None sends an empty body
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> web.Response:
        if self.body is None:
            return web.Response(status=self.status, headers=self.headers)
        return json_response(self.body, status=self.status, headers=self.headers)


Handler = Callable[["JiraEmulator", Call], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # relative to /rest/api/{version}/, or absolute when it starts with "/"
    handler: Handler
    anonymous: bool = False

    @property
    def writes(self) -> bool:
        """Whether a successful call changes the site (searches are POSTed but only read)."""
        return self.method != "GET" and not self.path.startswith("search")


class TokenBucket:
    """Jira Cloud's burst limit: ``per_second`` requests a second, bursts up to the same number."""

    def __init__(self, per_second: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = float(per_second)
        self.tokens = float(per_second)
        self._clock = clock
        self._stamp = clock()

    def take(self) -> float:
        """Spend one token; returns 0 when allowed, else the seconds until one is available."""
        now = self._clock()
        self.tokens = min(self.rate, self.tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class JiraEmulator(Emulator):
    """Jira's REST v2/v3 subset that the ``jira`` library uses, over a state built from the seed, as Jira Cloud or
    Data Center / Server (``deployment``; None: the seed's ``jira.deployment_type``)."""

    name = "jira"

    def __init__(self, seed: Seed, *, deployment: Literal["Cloud", "Server"] | None = None) -> None:
        if deployment is not None and deployment != seed.jira.deployment_type:
            seed = seed.model_copy(update={"jira": seed.jira.model_copy(update={"deployment_type": deployment})})
        super().__init__(seed)
        self.personal_access_token = PERSONAL_ACCESS_TOKEN
        self.catalog = Catalog.from_seed(seed)
        self.state = JiraState(seed, self.catalog)
        self._index_lag = 0.0
        self._bucket: TokenBucket | None = None
        self._bucket_lock = threading.Lock()
        self._seq = 0

    # --- Emulator contract ---
    def add_routes(self, app: web.Application) -> None:
        for route in self.ROUTES:
            if route.path.startswith("/"):
                app.router.add_route(route.method, route.path, self._endpoint(route, "2"))
                continue
            for version in API_VERSIONS:
                rendered = "2" if version == "latest" else version
                path = f"/rest/api/{version}/{route.path}"
                app.router.add_route(route.method, path, self._endpoint(route, rendered))
        app.router.add_get(CONTROL + "issues", self._control_issues)
        app.router.add_post(CONTROL + "issues/{key}/transition", self._control_transition)
        app.router.add_get(CONTROL + "index_lag", self._control_get_index_lag)
        app.router.add_post(CONTROL + "index_lag", self._control_set_index_lag)
        app.router.add_post(CONTROL + "rate_limit", self._control_rate_limit)

    def error_response(self, status: int, fault: Fault) -> web.Response:
        headers: dict[str, str] = {}
        if status == 429:
            headers |= {"RateLimit-Reason": "jira-burst-based", "X-RateLimit-Remaining": "0"}
        if fault.body is not None:
            if isinstance(fault.body, str):
                return web.Response(text=fault.body, status=status, content_type="text/plain", headers=headers)
            return json_response(fault.body, status=status, headers=headers)
        if status == 401:
            return _unauthorized()
        text = ERROR_TEXTS.get(status, f"HTTP {status}.")
        return json_response({"errorMessages": [text], "errors": {}}, status=status, headers=headers)

    def reset(self) -> None:
        with self.lock:
            self.state = JiraState(self.seed, self.catalog)
            self._index_lag = 0.0
            self._seq += 1
        with self._bucket_lock:
            self._bucket = None

    def environment(self) -> dict[str, str]:
        if not self.catalog.cloud:
            return {"JIRA_URL": self.base_url, "JIRA_PAT": self.personal_access_token}
        return {
            "JIRA_URL": self.base_url,
            "JIRA_EMAIL": self.seed.jira.email,
            "JIRA_API_TOKEN": self.seed.jira.api_token,
        }

    @property
    def cloud(self) -> bool:
        """Whether this site is Jira Cloud (else Data Center / Server)."""
        return self.catalog.cloud

    def user_id(self, person: str) -> str:
        """What the REST API of this flavour identifies ``person`` (a seed name) by: accountId, or user name."""
        user = self.catalog.user(self.seed.person(person).jira_account_id)
        assert user is not None, f"{person!r} is a seeded user"
        return user.account_id if self.catalog.cloud else user.username

    # --- Python API for tests and the demo (thread-safe) ---
    @property
    def seq(self) -> int:
        """A change counter: grows on every successful write (REST or this API) and on reset, never goes back.

        Cheap to read, so a page can poll it and re-read ``issues()`` only when it moved.
        """
        return self._seq

    @property
    def index_lag(self) -> float:
        """Seconds a newly created issue stays invisible to JQL search (Cloud's eventual consistency)."""
        with self.lock:
            return self._index_lag

    @index_lag.setter
    def index_lag(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"index_lag must be >= 0 seconds, got {seconds!r}")
        with self.lock:
            self._index_lag = float(seconds)

    def rate_limit(self, per_second: int | None) -> None:
        """Answer 429 + Retry-After once more than ``per_second`` REST calls a second arrive; None turns it off."""
        if per_second is not None and per_second < 1:
            raise ValueError(f"rate_limit needs per_second >= 1 or None, got {per_second!r}")
        with self._bucket_lock:
            self._bucket = TokenBucket(per_second) if per_second is not None else None

    def issues(self) -> list[dict[str, Any]]:
        """Every issue, oldest first, as ``GET /rest/api/2/issue/{key}`` returns it."""
        with self.lock:
            view = self._view("2")
            return [self._full(view, issue) for issue in self.state.issues.values()]

    def issue(self, key: str) -> dict[str, Any]:
        """One issue as ``GET /rest/api/2/issue/{key}`` returns it; KeyError names a missing key."""
        with self.lock:
            issue = self._lookup(key)
            return self._full(self._view("2"), issue)

    def find_issues(self, *, label: str | None = None, project: str | None = None) -> list[dict[str, Any]]:
        """Issues with ``label`` and in ``project`` (either filter optional), ignoring ``index_lag``."""
        with self.lock:
            view = self._view("2")
            return [
                self._full(view, issue)
                for issue in self.state.issues.values()
                if (label is None or label in issue.labels) and (project is None or issue.project == project)
            ]

    def create_issue(
        self,
        *,
        project: str,
        summary: str,
        issue_type: str = "Task",
        labels: list[str] | None = None,
        description: str | None = None,
        assignee: str | None = None,
        priority: str | None = None,
        properties: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create an issue as the bot would through REST (same validation); ``assignee`` is an accountId."""
        fields: dict[str, Any] = {
            "project": {"key": project},
            "issuetype": {"name": issue_type},
            "summary": summary,
            "labels": list(labels or []),
        }
        if description is not None:
            fields["description"] = description
        if assignee is not None:
            user = self.catalog.user(assignee)
            fields["assignee"] = self.catalog.user_ref(user) if user is not None else {"accountId": assignee}
        if priority is not None:
            fields["priority"] = {"name": priority}
        body: dict[str, Any] = {"fields": fields}
        if properties:
            body["properties"] = [{"key": k, "value": v} for k, v in properties.items()]
        with self.lock:
            issue = self.state.create(body, actor=BOT_ACCOUNT_ID)
            self._seq += 1
            return self._full(self._view("2"), issue)

    def transition_issue(self, key: str, status: str) -> dict[str, Any]:
        """Move ``key`` to ``status`` along a transition its workflow offers now; ValueError when none does."""
        with self.lock:
            issue = self._lookup(key)
            available = self.state.transitions(issue)
            transition = next((t for t in available if t.to.name.lower() == status.lower()), None)
            if transition is None:
                offered = [t.to.name for t in available]
                raise ValueError(
                    f"{key!r} is in {issue.status!r}; its workflow offers moves to {offered}, not {status!r}"
                )
            self.state.move(issue, transition, now=self.state.now())
            self._seq += 1
            return self._full(self._view("2"), issue)

    def moves(self) -> dict[str, list[str]]:
        """For every issue, the statuses its workflow offers a move to now (what a person sees in Jira's status
        menu), in the workflow's order."""
        with self.lock:
            return {
                issue.key: [t.to.name for t in self.state.transitions(issue)] for issue in self.state.issues.values()
            }

    def comments(self, key: str) -> list[dict[str, Any]]:
        with self.lock:
            issue = self._lookup(key)
            view = self._view("2")
            return [view.comment(issue, c) for c in issue.comments]

    def issue_properties(self, key: str) -> dict[str, Any]:
        with self.lock:
            return json.loads(json.dumps(self._lookup(key).properties))

    def remote_links(self, key: str) -> list[dict[str, Any]]:
        with self.lock:
            issue = self._lookup(key)
            view = self._view("2")
            return [view.remote_link(issue, link) for link in issue.remote_links]

    def _lookup(self, key: str) -> Issue:
        issue = self.state.get(key)
        if issue is None:
            raise KeyError(f"no Jira issue {key!r} in the emulator (it was never created or was deleted)")
        return issue

    def _full(self, view: View, issue: Issue) -> dict[str, Any]:
        return view.issue(issue, fields=FieldSelection.parse(None, default="*all"), properties=["*all"])

    def _view(self, version: str) -> View:
        return View(self.base_url, version, self.catalog, self.state)

    # --- the pipeline ---
    def _endpoint(self, route: Route, version: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            throttled = self._throttle()
            if throttled is not None:
                return throttled
            actor = self._authenticate(request)
            if actor is None and (not route.anonymous or "Authorization" in request.headers):
                return _unauthorized()
            raw = await request.read()
            try:
                body = self._parse_body(request, raw)
            except JiraError as exc:
                return Reply(exc.status, exc.body()).response()
            call = Call(version, request.match_info, request.query, body, bool(raw), actor, request.method)
            with self.lock:
                try:
                    reply = route.handler(self, call)
                except JiraError as exc:
                    reply = Reply(exc.status, exc.body(), exc.headers)
                if route.writes and reply.status < 400:
                    self._seq += 1
            return reply.response()

        return endpoint

    def _throttle(self) -> web.Response | None:
        with self._bucket_lock:
            if self._bucket is None:
                return None
            wait = self._bucket.take()
            limit = int(self._bucket.rate)
            remaining = int(self._bucket.tokens)
        if wait == 0:
            return None
        retry_after = max(1, math.ceil(wait))
        reset = datetime.now(UTC) + timedelta(seconds=retry_after)
        headers = {
            "Retry-After": str(retry_after),
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
            "RateLimit-Reason": "jira-burst-based",
        }
        body = {"errorMessages": [ERROR_TEXTS[429]], "errors": {}}
        return json_response(body, status=429, headers=headers)

    def _authenticate(self, request: web.Request) -> str | None:
        """The bot's accountId for a valid credential: Cloud, Basic with its email and API token; Server/DC, a
        bearer personal access token, or Basic with its user name (or email) and password (the API token here)."""
        scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
        expected = self.seed.jira
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credential.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return None
            login, _, token = decoded.partition(":")
            logins = (expected.email.lower(),) if self.catalog.cloud else (expected.email.lower(), BOT_USERNAME)
            valid = any(hmac.compare_digest(login.lower(), name) for name in logins) & hmac.compare_digest(
                token, expected.api_token
            )
        elif scheme.lower() == "bearer":
            valid = not self.catalog.cloud and hmac.compare_digest(credential.strip(), self.personal_access_token)
        else:
            return None
        return BOT_ACCOUNT_ID if valid else None

    @staticmethod
    def _parse_body(request: web.Request, raw: bytes) -> Any:
        if not raw:
            return None
        if request.content_type != "application/json":
            raise JiraError(415, ["Unsupported Media Type: send the body as application/json."])
        try:
            return json.loads(raw)
        except ValueError:
            raise msg.bad_request(msg.BODY_NOT_JSON) from None

    # --- handlers: site ---
    def server_info(self, call: Call) -> Reply:
        return Reply(
            body={
                "baseUrl": self.base_url,
                "displayUrl": self.base_url,
                "version": self.catalog.version,
                "versionNumbers": self.catalog.version_numbers,
                "deploymentType": "Cloud" if self.catalog.cloud else "Server",
                "buildNumber": 100300,
                "buildDate": "2026-10-01T00:00:00.000+0000",
                "serverTime": timestamp(self.state.now()),
                "scmInfo": "sandbox",
                "serverTitle": "Jira",
                "defaultLocale": {"locale": "en_US"},
                "serverTimeZone": "Etc/UTC",
            }
        )

    def myself(self, call: Call) -> Reply:
        body = self._view(call.version).user(call.actor)
        assert body is not None, "the authenticated account is always a seeded user"
        return Reply(body=body | {"groups": {"size": 0, "items": []}, "expand": "groups,applicationRoles"})

    def session(self, call: Call) -> Reply:
        who = f"accountId={call.actor}" if self.catalog.cloud else f"username={BOT_USERNAME}"
        return Reply(
            body={
                "self": f"{self.base_url}/rest/api/latest/user?{who}",
                "name": self.seed.jira.email if self.catalog.cloud else BOT_USERNAME,
                "loginInfo": {"failedLoginCount": 0, "loginCount": 1},
            }
        )

    def application_links(self, call: Call) -> Reply:
        return Reply(body={"list": []})

    def fields(self, call: Call) -> Reply:
        view = self._view(call.version)
        return Reply(body=[view.field(f.id) for f in SYSTEM_FIELDS])

    def projects(self, call: Call) -> Reply:
        view = self._view(call.version)
        expand = _csv(call.arg("expand"))
        listed = []
        for project in self.catalog.projects:
            body = view.project(project)
            if "issueTypes" in expand:
                body["issueTypes"] = [view.issue_type(t) for t in self.catalog.issue_types]
            if "lead" in expand:
                body["lead"] = view.user(project.lead)
            listed.append(body)
        return Reply(body=listed)

    def project(self, call: Call) -> Reply:
        ref = call.params["ref"]
        project = self.catalog.project(ref)
        if project is None:
            raise msg.not_found(msg.project_not_found(ref))
        return Reply(body=self._view(call.version).project(project, full=True))

    def issue_types(self, call: Call) -> Reply:
        view = self._view(call.version)
        return Reply(body=[view.issue_type(t) for t in self.catalog.issue_types])

    # --- handlers: create metadata (Jira Cloud, and Data Center / Server from 8.4) ---
    def create_meta_issue_types(self, call: Call) -> Reply:
        """The issue types the caller may create in a project: ``issueTypes`` on Cloud, ``values`` on Server."""
        self._create_meta_project(call)
        view = self._view(call.version)
        return Reply(body=self._create_meta_page(call, [view.issue_type(t) for t in self.catalog.issue_types]))

    def create_meta_fields(self, call: Call) -> Reply:
        """The fields of the create screen of a project's issue type: ``fields`` on Cloud, ``values`` on Server.
        What ``JiraState.create`` requires is required here; what it fills in by itself has a default."""
        self._create_meta_project(call)
        issue_type = self.catalog.issue_type(call.params["type"])
        if issue_type is None or issue_type.id != call.params["type"]:
            raise msg.not_found(msg.issue_type_id_not_found(call.params["type"]))
        view = self._view(call.version)
        fields = []
        for field_id, required, has_default in CREATE_FIELDS:
            spec = view.field(field_id)
            fields.append(
                {
                    "required": required,
                    "schema": spec["schema"],
                    "name": spec["name"],
                    "key": field_id,
                    "fieldId": field_id,
                    "hasDefaultValue": has_default,
                    "operations": ["set"],
                }
            )
        return Reply(body=self._create_meta_page(call, fields, cloud_key="fields"))

    def _create_meta_project(self, call: Call) -> None:
        if self.catalog.project(call.params["ref"]) is None:
            raise msg.not_found(msg.project_not_found(call.params["ref"]))

    def _create_meta_page(self, call: Call, items: list[Any], *, cloud_key: str = "issueTypes") -> dict[str, Any]:
        start, size = call.int_arg("startAt", 0), call.int_arg("maxResults", 50)
        page: dict[str, Any] = {"startAt": start, "maxResults": size, "total": len(items)}
        if self.catalog.cloud:
            page[cloud_key] = items[start : start + size]
        else:
            page.update(values=items[start : start + size], isLast=start + size >= len(items))
        return page

    def priorities(self, call: Call) -> Reply:
        view = self._view(call.version)
        return Reply(
            body=[view.priority(p) | {"statusColor": "#cccccc", "description": p.name} for p in self.catalog.priorities]
        )

    def statuses(self, call: Call) -> Reply:
        view = self._view(call.version)
        return Reply(body=[view.status(s) for s in self.catalog.statuses()])

    def resolutions(self, call: Call) -> Reply:
        return Reply(body=[self._view(call.version).resolution("Done")])

    # --- handlers: users ---
    def user(self, call: Call) -> Reply:
        view = self._view(call.version)
        account_id = call.arg("accountId")
        if self.catalog.cloud:
            if not account_id:
                raise msg.bad_request(msg.ACCOUNT_ID_REQUIRED)
            user = self.catalog.user(account_id)
        elif call.arg("username"):
            user = self.catalog.user_by_username(call.arg("username") or "")
        else:
            user = self.catalog.user_by_key(call.arg("key") or "")
        if user is None:
            raise msg.not_found(msg.user_not_found())
        return Reply(body=view.user_json(user))

    def user_search(self, call: Call) -> Reply:
        found = self._matching_users(call)
        return Reply(body=self._page_of_users(call, found))

    def assignable_users(self, call: Call) -> Reply:
        project_ref, issue_key = call.arg("project"), call.arg("issueKey")
        if not project_ref and not issue_key:
            raise msg.bad_request(msg.ASSIGNABLE_SCOPE_REQUIRED)
        if project_ref and self.catalog.project(project_ref) is None:
            raise msg.not_found(msg.project_not_found(project_ref))
        if issue_key:
            self.state.find(issue_key)
        has_filter = any(call.arg(name) for name in ("query", "accountId", "username"))
        found = self._matching_users(call) if has_filter else list(self.catalog.users)
        return Reply(body=self._page_of_users(call, found))

    def _matching_users(self, call: Call) -> list[Any]:
        query, account_id, username = call.arg("query"), call.arg("accountId"), call.arg("username")
        if self.catalog.cloud:
            if username and not (query or account_id):
                raise msg.bad_request(msg.USERNAME_GDPR)
            if not (query or account_id):
                raise msg.bad_request(msg.USER_QUERY_REQUIRED)
            if account_id:
                user = self.catalog.user(account_id)
                return [user] if user else []
            return self.catalog.search_users(query or "")
        return self.catalog.search_users(username or query or "")

    def _page_of_users(self, call: Call, users: list[Any]) -> list[dict[str, Any]]:
        start, size = call.int_arg("startAt", 0), call.int_arg("maxResults", 50)
        view = self._view(call.version)
        return [view.user_json(u) for u in users[start : start + size]]

    # --- handlers: issues ---
    def post_issue(self, call: Call) -> Reply:
        issue = self.state.create(call.body, actor=_actor(call))
        view = self._view(call.version)
        return Reply(201, {"id": str(issue.id), "key": issue.key, "self": f"{view.api}/issue/{issue.id}"})

    def get_issue(self, call: Call) -> Reply:
        issue = self.state.find(call.params["ref"])
        view = self._view(call.version)
        return Reply(body=self._render(view, issue, call.query, default_fields="*all"))

    def put_issue(self, call: Call) -> Reply:
        issue = self.state.find(call.params["ref"])
        self.state.edit(issue, call.body, actor=_actor(call))
        if (call.arg("returnIssue") or "").lower() == "true":
            return Reply(body=self._render(self._view(call.version), issue, call.query, default_fields="*all"))
        return Reply(204)

    def delete_issue(self, call: Call) -> Reply:
        self.state.delete(self.state.find(call.params["ref"]))
        return Reply(204)

    def put_assignee(self, call: Call) -> Reply:
        self.state.assign(self.state.find(call.params["ref"]), call.body)
        return Reply(204)

    def get_transitions(self, call: Call) -> Reply:
        issue = self.state.find(call.params["ref"])
        view = self._view(call.version)
        wanted = call.arg("transitionId")
        with_fields = "transitions.fields" in _csv(call.arg("expand"))
        offered = [t for t in self.state.transitions(issue) if wanted is None or t.id == wanted]
        return Reply(
            body={
                "expand": "transitions",
                "transitions": [view.transition(t, with_fields=with_fields) for t in offered],
            }
        )

    def post_transition(self, call: Call) -> Reply:
        self.state.transition(self.state.find(call.params["ref"]), call.body, actor=_actor(call))
        return Reply(204)

    # --- handlers: comments ---
    def get_comments(self, call: Call) -> Reply:
        issue = self.state.find(call.params["ref"])
        start, size = call.int_arg("startAt", 0), call.int_arg("maxResults", 5000)
        newest_first = (call.arg("orderBy") or "").lstrip("+") == "-created"
        view = self._view(call.version)
        page = view.comments_page(issue, start_at=start, max_results=size, newest_first=newest_first)
        return Reply(body=page)

    def post_comment(self, call: Call) -> Reply:
        issue = self.state.find(call.params["ref"])
        comment = self.state.add_comment(issue, call.body, actor=_actor(call))
        return Reply(201, self._view(call.version).comment(issue, comment))

    def get_comment(self, call: Call) -> Reply:
        issue = self.state.find(call.params["ref"])
        return Reply(body=self._view(call.version).comment(issue, self.state.comment(issue, call.params["comment"])))

    def put_comment(self, call: Call) -> Reply:
        issue = self.state.find(call.params["ref"])
        comment = self.state.comment(issue, call.params["comment"])
        self.state.edit_comment(issue, comment, call.body, actor=_actor(call))
        return Reply(body=self._view(call.version).comment(issue, comment))

    def delete_comment(self, call: Call) -> Reply:
        issue = self.state.find(call.params["ref"])
        self.state.delete_comment(issue, self.state.comment(issue, call.params["comment"]))
        return Reply(204)

    # --- handlers: properties ---
    def property_keys(self, call: Call) -> Reply:
        issue = self.state.find(call.params["ref"])
        api = self._view(call.version).api
        keys = [{"self": f"{api}/issue/{issue.id}/properties/{k}", "key": k} for k in issue.properties]
        return Reply(body={"keys": keys})

    def get_property(self, call: Call) -> Reply:
        issue = self.state.find(call.params["ref"])
        key = call.params["key"]
        return Reply(body={"key": key, "value": self.state.property(issue, key)})

    def put_property(self, call: Call) -> Reply:
        issue = self.state.find(call.params["ref"])
        if not call.has_body:
            raise msg.bad_request(msg.BODY_NOT_JSON)
        created = self.state.set_property(issue, call.params["key"], call.body)
        return Reply(201 if created else 200)

    def delete_property(self, call: Call) -> Reply:
        self.state.delete_property(self.state.find(call.params["ref"]), call.params["key"])
        return Reply(204)

    # --- handlers: remote links ---
    def get_remote_links(self, call: Call) -> Reply:
        issue = self.state.find(call.params["ref"])
        view = self._view(call.version)
        global_id = call.arg("globalId")
        if global_id is not None:
            link = next((r for r in issue.remote_links if r.global_id == global_id), None)
            if link is None:
                raise msg.not_found(msg.remote_link_not_found(global_id))
            return Reply(body=view.remote_link(issue, link))
        return Reply(body=[view.remote_link(issue, link) for link in issue.remote_links])

    def post_remote_link(self, call: Call) -> Reply:
        issue = self.state.find(call.params["ref"])
        link, created = self.state.put_remote_link(issue, call.body)
        api = self._view(call.version).api
        return Reply(201 if created else 200, {"id": link.id, "self": f"{api}/issue/{issue.key}/remotelink/{link.id}"})

    def get_remote_link(self, call: Call) -> Reply:
        issue = self.state.find(call.params["ref"])
        link = self.state.remote_link(issue, call.params["link"])
        return Reply(body=self._view(call.version).remote_link(issue, link))

    def delete_remote_link(self, call: Call) -> Reply:
        self.state.delete_remote_link(self.state.find(call.params["ref"]), call.params["link"])
        return Reply(204)

    # --- handlers: issue links ---
    def link_types(self, call: Call) -> Reply:
        view = self._view(call.version)
        return Reply(body={"issueLinkTypes": [view.link_type(t) for t in self.catalog.link_types]})

    def post_link(self, call: Call) -> Reply:
        self.state.link(call.body)
        return Reply(201)

    def get_link(self, call: Call) -> Reply:
        return Reply(body=self._view(call.version).issue_link(self.state.issue_link(call.params["link"])))

    def delete_link(self, call: Call) -> Reply:
        self.state.unlink(call.params["link"])
        return Reply(204)

    # --- handlers: search ---
    def search_legacy(self, call: Call) -> Reply:
        """``/search`` (startAt/total paging): Server/DC only; Atlassian removed it from Cloud (410)."""
        if self.catalog.cloud:
            raise JiraError(410, [msg.SEARCH_REMOVED])
        params = _SearchParams.read(call)
        hits = self._search(call, params.jql, params.reconcile, require_bounded=False)
        size = max(0, min(params.max_results, LEGACY_SEARCH_MAX))
        fields = FieldSelection.parse(params.fields, default="*navigable")
        view = self._view(call.version)
        page = hits[params.start_at : params.start_at + size]
        return Reply(
            body={
                "expand": "schema,names",
                "startAt": params.start_at,
                "maxResults": size,
                "total": len(hits),
                "issues": [self._search_hit(view, issue, fields, params) for issue in page],
            }
        )

    def search_jql(self, call: Call) -> Reply:
        """Cloud's ``/search/jql``: ``nextPageToken`` paging, bounded queries only, subject to ``index_lag``."""
        if not self.catalog.cloud:
            raise msg.not_found("The requested resource could not be found.")
        params = _SearchParams.read(call)
        hits = self._search(call, params.jql, params.reconcile, require_bounded=True)
        fields = FieldSelection.parse(params.fields, default="")
        only_ids = fields.names <= {"id", "key"} and not (fields.every or fields.navigable)
        ceiling = SEARCH_IDS_PAGE_MAX if only_ids else SEARCH_PAGE_MAX
        size = max(1, min(params.max_results, ceiling))
        start = _decode_page_token(params.page_token, params.jql)
        view = self._view(call.version)
        page = hits[start : start + size]
        body: dict[str, Any] = {"issues": [self._search_hit(view, issue, fields, params) for issue in page]}
        if start + size < len(hits):
            body["nextPageToken"] = _encode_page_token(start + size, params.jql)
        body["isLast"] = start + size >= len(hits)
        return Reply(body=body)

    def approximate_count(self, call: Call) -> Reply:
        params = _SearchParams.read(call)
        return Reply(body={"count": len(self._search(call, params.jql, (), require_bounded=True))})

    def _search(self, call: Call, jql_text: str, reconcile: tuple[int, ...], *, require_bounded: bool) -> list[Issue]:
        query = search.parse_query(jql_text)
        ctx = search.SearchContext(self.catalog, self.state, _actor(call), self.state.now())
        compiled = search.compile_query(query, ctx)
        if require_bounded and not compiled.bounded:
            raise msg.bad_request(msg.UNBOUNDED_JQL)
        return compiled.run(self.state.searchable(index_lag=self._index_lag, reconcile=reconcile), ctx)

    def _search_hit(self, view: View, issue: Issue, fields: FieldSelection, params: _SearchParams) -> dict[str, Any]:
        if fields.empty:
            return {"id": str(issue.id)}
        return view.issue(issue, fields=fields, expand=frozenset(_csv(params.expand)), properties=params.properties)

    def _render(self, view: View, issue: Issue, query: MultiMapping[str], *, default_fields: str) -> dict[str, Any]:
        fields = FieldSelection.parse(query.getall("fields", []), default=default_fields)
        expand = frozenset(_csv(",".join(query.getall("expand", []))))
        properties = _csv(",".join(query.getall("properties", [])))
        return view.issue(issue, fields=fields, expand=expand, properties=properties)

    # --- control endpoints (/_sandbox/jira/...) ---
    async def _control_issues(self, request: web.Request) -> web.Response:
        return json_response(self.issues())

    async def _control_transition(self, request: web.Request) -> web.Response:
        """``POST /_sandbox/jira/issues/{key}/transition {"status": "Done"}``: a person moves the issue in Jira."""
        key = request.match_info["key"]
        try:
            status = (await request.json())["status"]
            if not isinstance(status, str) or not status:
                raise TypeError("status must be a non-empty string")
        except (ValueError, KeyError, TypeError) as exc:
            return json_response({"error": f'send {{"status": "<a status its workflow offers>"}}: {exc}'}, status=400)
        try:
            return json_response(self.transition_issue(key, status))
        except KeyError as exc:
            return json_response({"error": str(exc.args[0])}, status=404)
        except ValueError as exc:
            return json_response({"error": str(exc)}, status=409)

    async def _control_get_index_lag(self, request: web.Request) -> web.Response:
        return json_response({"seconds": self.index_lag})

    async def _control_set_index_lag(self, request: web.Request) -> web.Response:
        try:
            seconds = float((await request.json())["seconds"])
            self.index_lag = seconds
        except (ValueError, KeyError, TypeError) as exc:
            return json_response({"error": f'send {{"seconds": <number >= 0>}}: {exc}'}, status=400)
        return json_response({"seconds": seconds})

    async def _control_rate_limit(self, request: web.Request) -> web.Response:
        try:
            per_second = (await request.json())["per_second"]
            self.rate_limit(None if per_second is None else int(per_second))
        except (ValueError, KeyError, TypeError) as exc:
            return json_response({"error": f'send {{"per_second": <int >= 1 or null>}}: {exc}'}, status=400)
        return json_response({"per_second": per_second})

    ROUTES: ClassVar[tuple[Route, ...]] = (
        Route("GET", "serverInfo", server_info, anonymous=True),
        Route("GET", "myself", myself),
        Route("GET", "/rest/auth/1/session", session),
        Route("GET", "/rest/applinks/latest/listApplicationlinks", application_links),
        Route("GET", "field", fields),
        Route("GET", "project", projects),
        Route("GET", "project/{ref}", project),
        Route("GET", "issuetype", issue_types),
        Route("GET", "priority", priorities),
        Route("GET", "issue/createmeta/{ref}/issuetypes", create_meta_issue_types),
        Route("GET", "issue/createmeta/{ref}/issuetypes/{type}", create_meta_fields),
        Route("GET", "status", statuses),
        Route("GET", "resolution", resolutions),
        Route("GET", "user", user),
        Route("GET", "user/search", user_search),
        Route("GET", "user/assignable/search", assignable_users),
        Route("POST", "issue", post_issue),
        Route("GET", "issue/{ref}", get_issue),
        Route("PUT", "issue/{ref}", put_issue),
        Route("DELETE", "issue/{ref}", delete_issue),
        Route("PUT", "issue/{ref}/assignee", put_assignee),
        Route("GET", "issue/{ref}/transitions", get_transitions),
        Route("POST", "issue/{ref}/transitions", post_transition),
        Route("GET", "issue/{ref}/comment", get_comments),
        Route("POST", "issue/{ref}/comment", post_comment),
        Route("GET", "issue/{ref}/comment/{comment}", get_comment),
        Route("PUT", "issue/{ref}/comment/{comment}", put_comment),
        Route("DELETE", "issue/{ref}/comment/{comment}", delete_comment),
        Route("GET", "issue/{ref}/properties", property_keys),
        Route("GET", "issue/{ref}/properties/{key}", get_property),
        Route("PUT", "issue/{ref}/properties/{key}", put_property),
        Route("DELETE", "issue/{ref}/properties/{key}", delete_property),
        Route("GET", "issue/{ref}/remotelink", get_remote_links),
        Route("POST", "issue/{ref}/remotelink", post_remote_link),
        Route("GET", "issue/{ref}/remotelink/{link}", get_remote_link),
        Route("DELETE", "issue/{ref}/remotelink/{link}", delete_remote_link),
        Route("GET", "issueLinkType", link_types),
        Route("POST", "issueLink", post_link),
        Route("GET", "issueLink/{link}", get_link),
        Route("DELETE", "issueLink/{link}", delete_link),
        Route("GET", "search", search_legacy),
        Route("POST", "search", search_legacy),
        Route("GET", "search/jql", search_jql),
        Route("POST", "search/jql", search_jql),
        Route("POST", "search/approximate-count", approximate_count),
    )


@dataclass(frozen=True)
class _SearchParams:
    """Search parameters from the query string (GET) or the JSON body (POST), normalised."""

    jql: str
    fields: list[str]
    expand: str
    properties: list[str]
    max_results: int
    start_at: int
    page_token: str | None
    reconcile: tuple[int, ...]

    @classmethod
    def read(cls, call: Call) -> _SearchParams:
        if call.method == "POST":
            body = call.body if isinstance(call.body, dict) else {}
            get = body.get
            fields = _as_list(get("fields"))
            properties = _as_list(get("properties"))
            reconcile = _as_list(get("reconcileIssues"))
            expand = get("expand") or ""
            expand = ",".join(expand) if isinstance(expand, list) else str(expand)
            max_results, start_at = get("maxResults", 50), get("startAt", 0)
            jql_text, token = get("jql") or "", get("nextPageToken")
        else:
            fields = call.query.getall("fields", [])
            properties = _csv(",".join(call.query.getall("properties", [])))
            reconcile = _csv(",".join(call.query.getall("reconcileIssues", [])))
            expand = ",".join(call.query.getall("expand", []))
            max_results, start_at = call.int_arg("maxResults", 50), call.int_arg("startAt", 0)
            jql_text, token = call.arg("jql") or "", call.arg("nextPageToken")
        try:
            ids = tuple(int(r) for r in reconcile)
            return cls(jql_text, fields, expand, properties, int(max_results), int(start_at), token, ids)
        except (TypeError, ValueError):
            raise msg.bad_request("maxResults, startAt and reconcileIssues must be numbers.") from None


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return _csv(str(value))


def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _actor(call: Call) -> str:
    assert call.actor is not None, "only anonymous routes run without an authenticated caller"
    return call.actor


def _unauthorized() -> web.Response:
    return web.Response(
        status=401,
        text=msg.NOT_AUTHENTICATED,
        content_type="text/plain",
        headers={"WWW-Authenticate": 'Basic realm="protected-area"'},
    )


def _query_hash(jql_text: str) -> str:
    return hashlib.sha256(jql_text.encode()).hexdigest()[:12]


def _encode_page_token(offset: int, jql_text: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}:{_query_hash(jql_text)}".encode()).decode()


def _decode_page_token(token: str | None, jql_text: str) -> int:
    if not token:
        return 0
    try:
        offset, digest = base64.urlsafe_b64decode(token.encode()).decode().split(":")
        if digest != _query_hash(jql_text):
            raise ValueError("token belongs to another query")
        return int(offset)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise msg.bad_request(msg.PAGE_TOKEN_INVALID) from None
