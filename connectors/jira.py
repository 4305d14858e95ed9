"""Jira through the ``jira`` library: every Jira action kind, effective once, and a description of the instance.

Exactly once, observed (../shared/reference/connectors.md section 5). Each kind has its own way to recognise a
repeat, and ``reconcile`` uses it to answer "did an earlier attempt with this action id take effect?":

- create_issue: the label ``followthrough-<action id>``, sent inside the create request itself, found by JQL.
- comment: a last line carrying ``ref followthrough-<action id>``, found in the issue's comments; ``execute``
  looks for it too before it posts, so even a repeat that skipped ``reconcile`` never posts twice.
- transition / assign / update_fields: the record is re-read before every write. A field that already has the new
  value is left alone; one that is neither the value the approver saw (``before``) nor the new one is a conflict
  and nothing is written. ``reconcile`` answers yes when every changed field has its new value.
- link_issues: an existing link of that type in that direction is the link (Jira keeps one per type and direction).
- delete_issue / delete_comment / delete_link: a target already gone is done. An issue is deleted only while every
  value in ``before`` still holds (the undo of a create must not destroy someone's later work).

Our bookkeeping labels (``followthrough-...``) are not the issue's labels as people know them: comparisons and
``issue()`` leave them out, and setting labels keeps them.

Errors are translated here, at the edge, into the tree of ``approvals.core.ports``. A 429 (and a connection that was
never opened) was refused before anything happened: retryable, even for a write. A 5xx, a dropped connection or a
read timeout is retryable on a read but ambiguous on every write, idempotent or not: whether our write took effect
decides what the audit and Undo record (a changed field, or "already had the value"), and ``reconcile`` tells by
reading the record directly. 400 / 403 / 404 are permanent and carry Jira's own words; 401 is for an admin.

Jira Cloud and Jira Data Center / Server: the client asks ``serverInfo`` which one it talks to (its
``deploymentType``), and the connector follows. Cloud takes the bot's email and API token (HTTP Basic) and knows
people by ``accountId``; Data Center / Server takes a personal access token (``JIRA_PAT``, a bearer token) and knows
them by user ``name`` (their ``key`` is not what its user fields take). "Account id" in our models
(``Person.jira_account_id``, an issue's ``assignee``) is whichever of the two the site uses; user fields are written
``{"accountId": ...}`` or ``{"name": ...}`` accordingly (``_user_field``). Searches go to ``/search/jql`` on Cloud
and ``/search`` on Data Center / Server, as the library chooses from ``serverInfo``.

The client is built with ``max_retries=0``: the library's own retries re-send POSTs and created duplicates in
tests; retrying is the executor's job, after reconciling. Calls the library has no one-request method for (or
whose method adds a request: ``assign_issue`` searches users, ``create_issue_link`` lists link types) go through
the client's own session, so authentication, timeouts and errors stay the library's.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from jira import JIRA, JIRAError
from urllib3.exceptions import NewConnectionError

from approvals.core.actions import (
    Action,
    JiraAssign,
    JiraComment,
    JiraCreateIssue,
    JiraDeleteComment,
    JiraDeleteIssue,
    JiraDeleteLink,
    JiraLinkIssues,
    JiraTransition,
    JiraUpdateFields,
)
from approvals.core.commitments import Observation
from approvals.core.grounding import JiraIssueInfo, JiraLinkType, JiraProjectInfo
from approvals.core.ports import (
    AmbiguousError,
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

LABEL_PREFIX = "followthrough-"
CATALOG_TTL_SECONDS = 300.0
COMMENT_PAGE_SIZE = 100

# Every read of an issue asks for these (one small GET), so a conflict can report any value the approver saw.
_ISSUE_FIELDS = "summary,status,assignee,priority,labels,duedate,issuetype,project,reporter"
# Our field names that can be compared with what the approver saw, and names that only describe (never compared).
_COMPARED = frozenset({"summary", "status", "assignee", "priority", "labels", "due_date", "issue_type", "project"})
_DESCRIPTIVE = frozenset({"assignee_name"})
_CASE_INSENSITIVE = frozenset({"status", "priority", "issue_type", "project"})
ALWAYS_SENT_ON_CREATE = frozenset({"project", "issuetype", "summary", "description", "labels"})
"""The fields every create sends (``_create_issue``); priority, assignee and duedate only when the request has them."""
# Our names of the fields jira.update_fields sets -> Jira's field ids.
_UPDATE_FIELDS = {"summary": "summary", "priority": "priority", "labels": "labels", "due_date": "duedate"}


def idempotency_label(action_id: str) -> str:
    return f"{LABEL_PREFIX}{action_id}"


def comment_marker(action_id: str, permalink: str | None = None) -> str:
    """The last line of every comment we post (Jira wiki markup), linking back to Slack when we know where."""
    via = f"[Followthrough|{permalink}]" if permalink else "Followthrough"
    return f"_(via {via}, {_marker_ref(action_id)}_"


def _marker_ref(action_id: str) -> str:
    # The closing parenthesis keeps one action id from matching another that starts with it.
    return f"ref {idempotency_label(action_id)})"


def _retry_after(response: requests.Response | None) -> float | None:
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _jira_message(error: JIRAError) -> str:
    """Jira's own words from ``errorMessages`` / ``errors``, joined, without the library's decoration."""
    response = error.response
    try:
        body = response.json() if response is not None else {}
    except ValueError:
        body = {}
    parts: list[str] = []
    if isinstance(body, dict):
        parts.extend(str(m) for m in body.get("errorMessages") or [])
        errors = body.get("errors") or {}
        if isinstance(errors, dict):
            parts.extend(f"{field}: {message}" for field, message in errors.items())
    return "; ".join(parts) or (error.text or f"HTTP {error.status_code}")


def _never_sent(exc: requests.ConnectionError) -> bool:
    """Whether the connection was never opened (refused, unknown host): the request cannot have arrived."""
    reason = exc.args[0] if exc.args else None
    return isinstance(getattr(reason, "reason", reason), NewConnectionError)


CLOUD_CREDENTIALS = "JIRA_EMAIL and JIRA_API_TOKEN"
SERVER_CREDENTIALS = "JIRA_PAT"


def translate(exc: Exception, *, writes: bool, credentials: str = CLOUD_CREDENTIALS) -> ConnectorError:
    """The ``approvals.core.ports`` error for a failure of a Jira call; ``writes`` marks calls that change Jira, and
    ``credentials`` names the settings an admin checks after a 401."""
    if isinstance(exc, JIRAError):
        status = exc.status_code or 0
        detail = _jira_message(exc)
        retry_after = _retry_after(exc.response)
        if status == 429:
            return RetryableError("Jira is rate limiting us", detail=detail, retry_after=retry_after)
        if status == 401:
            return AuthError(f"Jira refused our credentials; an admin needs to check {credentials}", detail=detail)
        if status == 403:
            return PermanentError(f"Jira does not allow this: {detail}", detail=detail)
        if status == 404:
            return PermanentError(f"Jira could not find it: {detail}", detail=detail)
        if 400 <= status < 500:
            return PermanentError(f"Jira refused it: {detail}", detail=detail)
        if writes:
            return AmbiguousError(
                f"Jira answered {status or 'nothing usable'}; the change may or may not have been made",
                detail=detail,
                retry_after=retry_after,
            )
        return RetryableError(f"Jira answered {status or 'nothing usable'}", detail=detail, retry_after=retry_after)
    if isinstance(exc, requests.ConnectTimeout) or (isinstance(exc, requests.ConnectionError) and _never_sent(exc)):
        return RetryableError("Jira could not be reached", detail=str(exc))
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        if writes:
            return AmbiguousError(
                "the connection to Jira broke during the call; it may have gone through", detail=str(exc)
            )
        return RetryableError("the connection to Jira broke", detail=str(exc))
    raise exc


# ---------------------------------------------------------------------------------------------------------------
# An issue as read, in our field names


@dataclass(frozen=True)
class CreateScreen:
    """What creating an issue of ``issue_type`` asks for in one project: ``unfilled`` names the fields Jira requires,
    with no default, that a create does not always send (it fails unless the request gives them)."""

    issue_type: str
    unfilled: tuple[str, ...]


@dataclass(frozen=True)
class _Offer:
    """A transition the workflow offers now."""

    id: str
    name: str
    to: str


@dataclass(frozen=True)
class _LinkSeen:
    """An issue link as the issue it was read from shows it: ``outward_key`` is the issue ours <outward>s."""

    id: str
    type_name: str
    outward_key: str | None
    inward_key: str | None


@dataclass(frozen=True)
class _Snapshot:
    key: str
    values: Mapping[str, Any]  # our field names, JSON-shaped; labels without our bookkeeping labels
    bookkeeping_labels: tuple[str, ...]
    offers: tuple[_Offer, ...]
    links: tuple[_LinkSeen, ...]

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> _Snapshot:
        fields = raw.get("fields") or {}
        assignee = fields.get("assignee") or {}
        labels = [str(label) for label in fields.get("labels") or []]
        values = {
            "summary": fields.get("summary"),
            "status": (fields.get("status") or {}).get("name"),
            "assignee": _user_id(assignee),
            "assignee_name": assignee.get("displayName"),
            "assignee_email": assignee.get("emailAddress"),
            "reporter": (fields.get("reporter") or {}).get("emailAddress")
            or (fields.get("reporter") or {}).get("accountId")
            or (fields.get("reporter") or {}).get("name"),  # Data Center / Server: people by user name
            "priority": (fields.get("priority") or {}).get("name"),
            "labels": [label for label in labels if not label.startswith(LABEL_PREFIX)],
            "due_date": fields.get("duedate"),
            "issue_type": (fields.get("issuetype") or {}).get("name"),
            "project": (fields.get("project") or {}).get("key"),
        }
        offers = tuple(
            _Offer(str(t["id"]), str(t.get("name", "")), str((t.get("to") or {}).get("name", "")))
            for t in raw.get("transitions") or []
        )
        links = tuple(
            _LinkSeen(
                id=str(link["id"]),
                type_name=str((link.get("type") or {}).get("name", "")),
                outward_key=(link.get("outwardIssue") or {}).get("key"),
                inward_key=(link.get("inwardIssue") or {}).get("key"),
            )
            for link in fields.get("issuelinks") or []
        )
        return cls(
            key=str(raw["key"]),
            values=values,
            bookkeeping_labels=tuple(label for label in labels if label.startswith(LABEL_PREFIX)),
            offers=offers,
            links=links,
        )

    def current(self, names: Iterable[str]) -> dict[str, Any]:
        """The values now under ``names`` (those we can read), for a ConflictError."""
        return {name: self.values[name] for name in dict.fromkeys(names) if name in self.values}


def _user_id(user: Mapping[str, Any]) -> str | None:
    """A user's identifier as the site shows it: ``accountId`` on Cloud, the user ``name`` on Data Center / Server."""
    value = user.get("accountId") or user.get("name")
    return str(value) if value else None


def _normal(name: str, value: Any) -> Any:
    """A value in a form where equal means "the same to a person" (label order, name case, date type)."""
    if name == "labels":
        return frozenset(str(label) for label in value or () if not str(label).startswith(LABEL_PREFIX))
    if value is None:
        return None
    if name == "due_date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if name in _CASE_INSENSITIVE:
        return str(value).casefold()
    return value


def _same(name: str, a: Any, b: Any) -> bool:
    return bool(_normal(name, a) == _normal(name, b))


def _shown(value: Any) -> str:
    if value is None or value == []:
        return "nothing"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _plan(snapshot: _Snapshot, changes: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
    """The changes still to make (a field already at its new value is dropped); ConflictError when a field holds
    neither the value the approver saw nor the new one."""
    todo: dict[str, Any] = {}
    conflicts: list[str] = []
    for name, new in changes.items():
        now = snapshot.values.get(name)
        if _same(name, now, new):
            continue
        if name in before and not _same(name, now, before[name]):
            conflicts.append(name)
        todo[name] = new
    if conflicts:
        what = "; ".join(
            f"{name} is now {_shown(snapshot.values.get(name))} (the approved change expected {_shown(before[name])})"
            for name in conflicts
        )
        raise ConflictError(
            f"{snapshot.key} changed since the request was approved: {what}",
            current=snapshot.current([*before, *changes]),
        )
    return todo


def _missing_issue(key: str, context: ExecutionContext) -> PermanentError:
    logger.info("proposal %s: Jira issue %s does not exist (or is hidden from us)", context.proposal_id, key)
    return PermanentError(f"Jira has no issue {key}, or Followthrough is not allowed to see it")


def _describe_link_types(types: Sequence[JiraLinkType]) -> str:
    return ", ".join(f"{t.name} ({t.outward})" for t in types)


class JiraConnector:
    """Implements ``approvals.core.ports.Connector`` and ``approvals.core.grounding.JiraCatalog`` for one Jira Cloud
    site (``email`` and ``api_token``) or one Jira Data Center / Server instance (``personal_access_token``)."""

    system = "jira"

    def __init__(
        self,
        url: str,
        email: str | None = None,
        api_token: str | None = None,
        *,
        personal_access_token: str | None = None,
        timeout: tuple[float, float] = (5.0, 20.0),
        client_factory: Callable[[], JIRA] | None = None,
    ) -> None:
        if (personal_access_token is None) == (email is None or api_token is None):
            raise ValueError(
                "give Jira either an email and an API token (Jira Cloud) or a personal access token "
                "(Jira Data Center / Server), not both and not neither"
            )
        self.url = url.rstrip("/")
        self._email = email
        self._token = api_token
        self._pat = personal_access_token
        self._credentials = SERVER_CREDENTIALS if personal_access_token is not None else CLOUD_CREDENTIALS
        self._timeout = timeout
        self._client_factory = client_factory or self._build_client
        self._client: JIRA | None = None
        self._lock = threading.Lock()
        self._catalog: dict[str, tuple[float, Any]] = {}

    def __repr__(self) -> str:  # never a token
        return f"JiraConnector({self.url!r}, {'PAT' if self._pat is not None else 'email + API token'})"

    def _build_client(self) -> JIRA:
        # get_server_info stays on: serverInfo's deploymentType is how the client (and this connector) tell Cloud
        # from Data Center / Server, which decides the search endpoint and the shape of user fields.
        if self._pat is not None:
            return JIRA(
                server=self.url,
                token_auth=self._pat,
                max_retries=0,
                timeout=self._timeout,
                options={"check_update": False},
            )
        assert self._email is not None and self._token is not None
        return JIRA(
            server=self.url,
            basic_auth=(self._email, self._token),
            max_retries=0,
            timeout=self._timeout,
            options={"check_update": False},
        )

    @property
    def cloud(self) -> bool:
        """Whether the site is Jira Cloud (else Data Center / Server), as its serverInfo says."""
        return bool(self.client._is_cloud)

    def _user_field(self, user_id: str | None) -> dict[str, str | None]:
        """A user field's value for ``user_id`` (None: nobody): ``{"accountId": ...}`` on Cloud, ``{"name": ...}``
        on Data Center / Server, which takes no accountId."""
        return {"accountId": user_id} if self.cloud else {"name": user_id}

    @property
    def client(self) -> JIRA:
        with self._lock:
            if self._client is None:
                try:
                    self._client = self._client_factory()
                except Exception as exc:
                    raise translate(exc, writes=False, credentials=self._credentials) from exc
            return self._client

    def _call(self, fn: Callable[[], T], *, writes: bool) -> T:
        try:
            return fn()
        except (JIRAError, requests.RequestException) as exc:
            raise translate(exc, writes=writes, credentials=self._credentials) from exc

    def _request(
        self,
        method: str,
        path: str,
        *,
        writes: bool,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        missing_ok: bool = False,
    ) -> requests.Response | None:
        """One REST call (``path`` under ``/rest/api/2/``) through the client's session; None on a 404 when
        ``missing_ok``."""
        client = self.client
        url = client._get_url(path)
        data = json.dumps(body) if body is not None else None
        try:
            return client._session.request(method, url, params=dict(params or {}), data=data)
        except JIRAError as exc:
            if missing_ok and exc.status_code == 404:
                return None
            raise translate(exc, writes=writes, credentials=self._credentials) from exc
        except requests.RequestException as exc:
            raise translate(exc, writes=writes, credentials=self._credentials) from exc

    def warm(self) -> None:
        """Cache the catalog for forked jobs, then close the client's pooled sockets: a socket must never be shared
        by forked processes. The client itself (and what it learned from serverInfo) is kept; it reconnects."""
        try:
            self.projects()
            self.priorities()
            self.link_types()
            self.statuses()
        finally:  # a failed load must not leave a pooled socket for the forks to share
            with self._lock:
                client = self._client
                session = getattr(client, "_session", None) if client is not None else None
                if session is not None:
                    session.close()
                elif client is not None:
                    self._client = None  # cannot reach the pool: drop the client, each job builds its own

    def browse_url(self, key: str) -> str:
        return f"{self.url}/browse/{key}"

    # -- Connector -------------------------------------------------------------------------------------------

    def execute(self, action: Action, context: ExecutionContext) -> Outcome:
        if isinstance(action, JiraCreateIssue):
            return self._create_issue(action, context)
        if isinstance(action, JiraComment):
            return self._comment(action, context)
        if isinstance(action, JiraTransition):
            return self._transition(action, context)
        if isinstance(action, JiraAssign):
            return self._assign(action, context)
        if isinstance(action, JiraUpdateFields):
            return self._update_fields(action, context)
        if isinstance(action, JiraLinkIssues):
            return self._link_issues(action, context)
        if isinstance(action, JiraDeleteIssue):
            return self._delete_issue(action, context)
        if isinstance(action, JiraDeleteComment):
            return self._delete_comment(action, context)
        if isinstance(action, JiraDeleteLink):
            return self._delete_link(action, context)
        raise PermanentError(f"the Jira connector cannot run {action.kind}")

    def found_by_search(self, action: Action, context: ExecutionContext) -> bool:
        """Whether the label search ``reconcile`` relies on finds the issue ``action`` created (approvals.flow.
        search_lag measures how long that takes); reads only."""
        if not isinstance(action, JiraCreateIssue):
            return True  # only a create is found by searching
        return self._find_by_label(idempotency_label(context.action_id), context) is not None

    def reconcile(self, action: Action, context: ExecutionContext) -> Outcome | None:
        if isinstance(action, JiraCreateIssue):
            found = self._find_by_label(idempotency_label(context.action_id), context)
            if found is None:
                return None
            self._link_to_slack(found, context)
            return self._created_outcome(found, action)
        if isinstance(action, JiraComment):
            _, comment = self._find_comment(action.issue.key, context.action_id)
            return self._comment_outcome(action.issue.key, comment) if comment is not None else None
        if isinstance(action, JiraTransition | JiraAssign | JiraUpdateFields):
            snapshot = self._read_issue(action.issue.key)
            changes = action.changes()
            if snapshot is None or not all(_same(n, snapshot.values.get(n), v) for n, v in changes.items()):
                return None
            # What the earlier attempt changed: the fields whose approved old value was not already the new one.
            changed = [n for n, v in changes.items() if not (n in action.before and _same(n, action.before[n], v))]
            if not changed:
                return None  # nothing for an attempt to have done: execute answers "unchanged"
            before = {n: action.before.get(n) for n in changed}
            return self._updated_outcome(action, snapshot.key, before, snapshot.current(changed))
        if isinstance(action, JiraLinkIssues):
            link_type = self._link_type(action.link_type)
            snapshot = self._read_issue(action.outward.key, links=True)
            found = self._find_link(snapshot, link_type, action.inward.key) if snapshot is not None else None
            return self._link_outcome(action, link_type, found) if found is not None else None
        if isinstance(action, JiraDeleteIssue):
            if self._read_issue(action.issue.key) is not None:
                return None
            return self._deleted_issue_outcome(action.issue.key, action.before.get("summary") or action.issue.summary)
        if isinstance(action, JiraDeleteComment):
            path = f"issue/{action.issue.key}/comment/{action.comment_id}"
            if self._request("GET", path, writes=False, missing_ok=True) is not None:
                return None
            return self._deleted_comment_outcome(action)
        if isinstance(action, JiraDeleteLink):
            if self._request("GET", f"issueLink/{action.link_id}", writes=False, missing_ok=True) is not None:
                return None
            return self._deleted_link_outcome(action)
        return None

    def _read_issue(self, key: str, *, transitions: bool = False, links: bool = False) -> _Snapshot | None:
        params = {"fields": _ISSUE_FIELDS + (",issuelinks" if links else "")}
        if transitions:
            params["expand"] = "transitions"
        response = self._request("GET", f"issue/{key}", writes=False, params=params, missing_ok=True)
        return _Snapshot.from_json(response.json()) if response is not None else None

    def _require_issue(self, key: str, context: ExecutionContext, **kwargs: bool) -> _Snapshot:
        snapshot = self._read_issue(key, **kwargs)
        if snapshot is None:
            raise _missing_issue(key, context)
        return snapshot

    # -- create ----------------------------------------------------------------------------------------------

    def _create_issue(self, action: JiraCreateIssue, context: ExecutionContext) -> Outcome:
        fields: dict[str, Any] = {
            "project": {"key": action.project},
            "issuetype": {"name": action.issue_type},
            "summary": action.summary,
            "description": render_description(action.description),
            "labels": [*action.labels, idempotency_label(context.action_id)],
        }
        if action.priority:
            fields["priority"] = {"name": action.priority}
        if action.assignee is not None and action.assignee.jira_account_id:
            fields["assignee"] = self._user_field(action.assignee.jira_account_id)
        if action.due_date is not None:
            fields["duedate"] = action.due_date.isoformat()
        issue = self._call(lambda: self.client.create_issue(fields=fields, prefetch=False), writes=True)
        key = str(issue.key)
        logger.info("proposal %s: created Jira issue %s (action %s)", context.proposal_id, key, context.action_id)
        self._link_to_slack(key, context)
        return self._created_outcome(key, action)

    def _created_outcome(self, key: str, action: JiraCreateIssue) -> Outcome:
        details = []
        if action.assignee is not None:
            details.append(f"assignee {action.assignee.display_name}")
        if action.priority:
            details.append(f"priority {action.priority}")
        if action.due_date is not None:
            details.append(f"due {action.due_date.isoformat()}")
        suffix = f" ({', '.join(details)})" if details else ""
        return Outcome(
            summary=f"Created {key}: {action.summary}{suffix}",
            key=key,
            url=self.browse_url(key),
            changes={"created": {"key": key, "project": action.project, "issue_type": action.issue_type}},
        )

    def _link_to_slack(self, key: str, context: ExecutionContext) -> None:
        """A remote link back to the thread; Jira de-duplicates by globalId, so repeating it is harmless."""
        if not context.permalink:
            return
        try:
            self._call(
                lambda: self.client.add_remote_link(
                    key,
                    {"url": context.permalink, "title": "Slack thread (Followthrough)"},
                    globalId=f"followthrough:{context.proposal_id}",
                ),
                writes=False,
            )
        except ConnectorError as exc:
            # The issue exists either way; a missing backlink must not turn a success into a failure.
            logger.warning("proposal %s: could not link %s back to Slack: %s", context.proposal_id, key, exc)

    def _find_by_label(self, label: str, context: ExecutionContext) -> str | None:
        def search() -> Any:
            return self.client.search_issues(f'labels = "{label}" ORDER BY created ASC', maxResults=5, fields="summary")

        issues = self._call(search, writes=False)
        if not issues:
            return None
        if len(issues) > 1:
            logger.error(
                "proposal %s: Jira has %d issues labelled %s: %s; keeping the oldest",
                context.proposal_id,
                len(issues),
                label,
                [i.key for i in issues],
            )
        return str(issues[0].key)

    # -- comment ---------------------------------------------------------------------------------------------

    def _comment(self, action: JiraComment, context: ExecutionContext) -> Outcome:
        key = action.issue.key
        exists, existing = self._find_comment(key, context.action_id)
        if not exists:
            raise _missing_issue(key, context)
        if existing is not None:
            logger.info(
                "proposal %s: comment %s on %s was already posted (action %s)",
                context.proposal_id,
                existing["id"],
                key,
                context.action_id,
            )
            return self._comment_outcome(key, existing)
        body = render_description(action.body) + "\n\n" + comment_marker(context.action_id, context.permalink)
        response = self._request("POST", f"issue/{key}/comment", writes=True, body={"body": body})
        assert response is not None  # only missing_ok calls answer None
        comment = response.json()
        logger.info(
            "proposal %s: commented on %s (comment %s, action %s)",
            context.proposal_id,
            key,
            comment["id"],
            context.action_id,
        )
        return self._comment_outcome(key, comment)

    def _find_comment(self, key: str, action_id: str) -> tuple[bool, dict[str, Any] | None]:
        """Whether ``key`` exists, and our comment for ``action_id`` on it (looked for newest first)."""
        ref = _marker_ref(action_id)
        start = 0
        while True:
            params = {"orderBy": "-created", "startAt": str(start), "maxResults": str(COMMENT_PAGE_SIZE)}
            response = self._request("GET", f"issue/{key}/comment", writes=False, params=params, missing_ok=True)
            if response is None:
                return False, None
            page = response.json()
            comments = page.get("comments") or []
            for comment in comments:
                body = comment.get("body")
                if isinstance(body, str) and ref in body:
                    return True, dict(comment)
            start += len(comments)
            if not comments or start >= int(page.get("total", 0)):
                return True, None

    def _comment_outcome(self, key: str, comment: Mapping[str, Any]) -> Outcome:
        comment_id = str(comment["id"])
        return Outcome(
            summary=f"Commented on {key}",
            key=key,
            url=f"{self.browse_url(key)}?focusedCommentId={comment_id}",
            changes={"created": {"comment_id": comment_id, "issue": key}},
        )

    # -- updates ---------------------------------------------------------------------------------------------

    def _transition(self, action: JiraTransition, context: ExecutionContext) -> Outcome:
        key = action.issue.key
        snapshot = self._require_issue(key, context, transitions=True)
        todo = _plan(snapshot, action.changes(), action.before)
        if not todo:
            return self._unchanged(context, key, f"{key} is already {snapshot.values['status']}")
        wanted = action.status.casefold()
        offer = next((o for o in snapshot.offers if o.to.casefold() == wanted), None) or next(
            (o for o in snapshot.offers if o.name.casefold() == wanted), None
        )
        if offer is None:
            offered = sorted({o.to for o in snapshot.offers})
            moves = f"it can move to {', '.join(offered)}" if offered else "its workflow offers no move from there"
            raise PermanentError(
                f"{key} is in {snapshot.values['status']} and Jira's workflow does not offer a move to "
                f"{action.status} from there; {moves}"
            )
        self._request("POST", f"issue/{key}/transitions", writes=True, body={"transition": {"id": offer.id}})
        logger.info(
            "proposal %s: moved %s from %s to %s (transition %s, action %s)",
            context.proposal_id,
            key,
            snapshot.values["status"],
            offer.to,
            offer.id,
            context.action_id,
        )
        return self._updated_outcome(action, key, {"status": snapshot.values["status"]}, {"status": offer.to})

    def _assign(self, action: JiraAssign, context: ExecutionContext) -> Outcome:
        key = action.issue.key
        snapshot = self._require_issue(key, context)
        todo = _plan(snapshot, action.changes(), action.before)
        if not todo:
            name = snapshot.values["assignee_name"]
            return self._unchanged(context, key, f"{key} is already {f'assigned to {name}' if name else 'unassigned'}")
        account_id = todo["assignee"]
        self._request("PUT", f"issue/{key}/assignee", writes=True, body=self._user_field(account_id))
        logger.info(
            "proposal %s: assigned %s to %s (was %s, action %s)",
            context.proposal_id,
            key,
            account_id,
            snapshot.values["assignee"],
            context.action_id,
        )
        before = {"assignee": snapshot.values["assignee"], "assignee_name": snapshot.values["assignee_name"]}
        return self._updated_outcome(action, key, before, {"assignee": account_id})

    def _update_fields(self, action: JiraUpdateFields, context: ExecutionContext) -> Outcome:
        key = action.issue.key
        snapshot = self._require_issue(key, context)
        todo = _plan(snapshot, action.changes(), action.before)
        if not todo:
            return self._unchanged(context, key, f"{key} already has these values")
        fields: dict[str, Any] = {}
        for name, value in todo.items():
            if name == "priority":
                fields["priority"] = {"name": value}
            elif name == "labels":
                fields["labels"] = [*value, *snapshot.bookkeeping_labels]  # keep the create's idempotency label
            else:
                fields[_UPDATE_FIELDS[name]] = value
        self._request("PUT", f"issue/{key}", writes=True, body={"fields": fields})
        logger.info(
            "proposal %s: updated %s (%s, action %s)", context.proposal_id, key, ", ".join(todo), context.action_id
        )
        return self._updated_outcome(action, key, {name: snapshot.values[name] for name in todo}, todo)

    def _unchanged(self, context: ExecutionContext, key: str, summary: str) -> Outcome:
        logger.info("proposal %s: nothing to change (%s, action %s)", context.proposal_id, summary, context.action_id)
        return Outcome(summary=summary, key=key, url=self.browse_url(key), changes={"unchanged": True})

    def _updated_outcome(
        self,
        action: JiraTransition | JiraAssign | JiraUpdateFields,
        key: str,
        before: Mapping[str, Any],
        after: Mapping[str, Any],
    ) -> Outcome:
        before, after = dict(before), dict(after)
        if isinstance(action, JiraAssign):
            after["assignee_name"] = action.assignee.display_name if action.assignee else None
            before.setdefault("assignee_name", action.before.get("assignee_name"))
            summary = f"Assigned {key} to {after['assignee_name']}" if action.assignee else f"Unassigned {key}"
        elif isinstance(action, JiraTransition):
            summary = f"Moved {key} to {after['status']}"
        else:
            described = ", ".join(f"{name.replace('_', ' ')} {_shown(value)}" for name, value in after.items())
            summary = f"Updated {key}: {described}"
        return Outcome(summary=summary, key=key, url=self.browse_url(key), changes={"before": before, "after": after})

    # -- links -----------------------------------------------------------------------------------------------

    def _link_type(self, wanted: str) -> JiraLinkType:
        """The link type named ``wanted``, by its name or its outward phrase ("Blocks" or "blocks")."""
        types = self.link_types()
        folded = wanted.casefold()
        found = next((t for t in types if t.name.casefold() == folded), None) or next(
            (t for t in types if t.outward.casefold() == folded), None
        )
        if found is None:
            raise PermanentError(f"Jira has no link type {wanted!r}; it has {_describe_link_types(types)}")
        return found

    @staticmethod
    def _find_link(snapshot: _Snapshot, link_type: JiraLinkType, inward_key: str) -> _LinkSeen | None:
        """The link ``snapshot``'s issue <outward> ``inward_key``; either direction for a symmetric type."""
        symmetric = link_type.inward.casefold() == link_type.outward.casefold()
        for link in snapshot.links:
            if link.type_name.casefold() != link_type.name.casefold():
                continue
            if link.outward_key == inward_key or (symmetric and link.inward_key == inward_key):
                return link
        return None

    def _link_issues(self, action: JiraLinkIssues, context: ExecutionContext) -> Outcome:
        link_type = self._link_type(action.link_type)
        snapshot = self._require_issue(action.outward.key, context, links=True)
        existing = self._find_link(snapshot, link_type, action.inward.key)
        if existing is not None:
            return self._unchanged(
                context, action.outward.key, f"{action.outward.key} already {link_type.outward} {action.inward.key}"
            )
        # Jira's naming is backwards here: the issue sent as "inwardIssue" is the one that <outward>s the other.
        body = {
            "type": {"name": link_type.name},
            "inwardIssue": {"key": action.outward.key},
            "outwardIssue": {"key": action.inward.key},
        }
        self._request("POST", "issueLink", writes=True, body=body)
        # Jira answers 201 with no body: the new link's id is only on the issues.
        try:
            after = self._read_issue(action.outward.key, links=True)
        except (RetryableError, AmbiguousError) as exc:
            raise AmbiguousError(
                "Jira accepted the link but could not be asked for its id",
                detail=exc.detail,
                retry_after=exc.retry_after,
            ) from exc
        created = self._find_link(after, link_type, action.inward.key) if after is not None else None
        if created is None:
            raise AmbiguousError(f"Jira accepted the link but {action.outward.key} does not show it yet")
        logger.info(
            "proposal %s: linked %s %s %s (link %s, action %s)",
            context.proposal_id,
            action.outward.key,
            link_type.outward,
            action.inward.key,
            created.id,
            context.action_id,
        )
        return self._link_outcome(action, link_type, created)

    def _link_outcome(self, action: JiraLinkIssues, link_type: JiraLinkType, link: _LinkSeen) -> Outcome:
        return Outcome(
            summary=f"Linked {action.outward.key} {link_type.outward} {action.inward.key}",
            key=action.outward.key,
            url=self.browse_url(action.outward.key),
            changes={
                "created": {
                    "link_id": link.id,
                    "outward": action.outward.key,
                    "inward": action.inward.key,
                    "type": link_type.name,
                }
            },
        )

    # -- deletes ---------------------------------------------------------------------------------------------

    def _delete_issue(self, action: JiraDeleteIssue, context: ExecutionContext) -> Outcome:
        key = action.issue.key
        unknown = sorted(set(action.before) - _COMPARED - _DESCRIPTIVE)
        if unknown:
            # Fail closed: a value we cannot check might be exactly the one someone changed.
            raise PermanentError(f"Followthrough cannot check {', '.join(unknown)} of {key}, so it was not deleted")
        snapshot = self._read_issue(key)
        if snapshot is None:
            return self._unchanged(context, key, f"{key} was already deleted")
        changed = [
            name
            for name in action.before
            if name in _COMPARED and not _same(name, snapshot.values[name], action.before[name])
        ]
        if changed:
            what = "; ".join(
                f"{name} is now {_shown(snapshot.values[name])} (was {_shown(action.before[name])})" for name in changed
            )
            raise ConflictError(
                f"{key} was changed after Followthrough created it, so it was not deleted: {what}",
                current=snapshot.current(action.before),
            )
        response = self._request("DELETE", f"issue/{key}", writes=True, missing_ok=True)
        logger.info(
            "proposal %s: deleted %s%s (action %s)",
            context.proposal_id,
            key,
            "" if response is not None else " (it was gone already)",
            context.action_id,
        )
        return self._deleted_issue_outcome(key, snapshot.values["summary"])

    def _deleted_issue_outcome(self, key: str, summary: str | None) -> Outcome:
        return Outcome(
            summary=f"Deleted {key}" + (f": {summary}" if summary else ""),
            key=key,
            changes={"deleted": {"key": key, "summary": summary}},
        )

    def _delete_comment(self, action: JiraDeleteComment, context: ExecutionContext) -> Outcome:
        key = action.issue.key
        path = f"issue/{key}/comment/{action.comment_id}"
        if self._request("DELETE", path, writes=True, missing_ok=True) is None:
            return self._unchanged(context, key, f"The comment on {key} was already deleted")
        logger.info(
            "proposal %s: deleted comment %s on %s (action %s)",
            context.proposal_id,
            action.comment_id,
            key,
            context.action_id,
        )
        return self._deleted_comment_outcome(action)

    def _deleted_comment_outcome(self, action: JiraDeleteComment) -> Outcome:
        key = action.issue.key
        return Outcome(
            summary=f"Deleted the comment on {key}",
            key=key,
            url=self.browse_url(key),
            changes={"deleted": {"comment_id": action.comment_id, "issue": key}},
        )

    def _delete_link(self, action: JiraDeleteLink, context: ExecutionContext) -> Outcome:
        if self._request("DELETE", f"issueLink/{action.link_id}", writes=True, missing_ok=True) is None:
            return self._unchanged(
                context, action.outward.key, f"The link between {action.outward.key} and {action.inward.key} was gone"
            )
        logger.info(
            "proposal %s: deleted link %s (%s %s %s, action %s)",
            context.proposal_id,
            action.link_id,
            action.outward.key,
            action.link_type,
            action.inward.key,
            context.action_id,
        )
        return self._deleted_link_outcome(action)

    def _deleted_link_outcome(self, action: JiraDeleteLink) -> Outcome:
        return Outcome(
            summary=f"Removed the link between {action.outward.key} and {action.inward.key}",
            key=action.outward.key,
            url=self.browse_url(action.outward.key),
            changes={
                "deleted": {
                    "link_id": action.link_id,
                    "outward": action.outward.key,
                    "inward": action.inward.key,
                    "type": action.link_type,
                }
            },
        )

    # -- the site, as an admin checks it (followthrough doctor) -----------------------------------------------

    def whoami(self) -> str:
        """Who the credentials sign in as (``myself``): the display name and the account id (Cloud) or user name."""
        me = self._call(lambda: self.client.myself(), writes=False)
        return f"{me.get('displayName') or '?'} ({me.get('accountId') if self.cloud else me.get('name')})"

    def create_screens(self, project: str) -> tuple[CreateScreen, ...]:
        """Each issue type the bot may create in ``project`` and what its create screen requires, from Jira's create
        metadata (``issue/createmeta/{project}/issuetypes[/{id}]``: Cloud, and Data Center / Server from 8.4).
        A project that does not exist, or that the bot may not see, is a PermanentError (404)."""
        base = f"issue/createmeta/{urllib.parse.quote(project, safe='')}/issuetypes"
        screens = []
        for issue_type in self._create_meta(base, "issueTypes"):
            if issue_type.get("subtask"):
                continue  # a create here never makes a sub-task
            fields = self._create_meta(f"{base}/{urllib.parse.quote(str(issue_type['id']), safe='')}", "fields")
            unfilled = tuple(
                str(f.get("name") or f.get("fieldId"))
                for f in fields
                if f.get("required") and not f.get("hasDefaultValue") and f.get("fieldId") not in ALWAYS_SENT_ON_CREATE
            )
            screens.append(CreateScreen(issue_type=str(issue_type.get("name")), unfilled=unfilled))
        return tuple(screens)

    def _create_meta(self, path: str, cloud_key: str) -> list[dict[str, Any]]:
        """Every item of a create-metadata list, page by page: ``cloud_key`` on Cloud, ``values`` on Server."""
        items: list[dict[str, Any]] = []
        while True:
            response = self._request("GET", path, writes=False, params={"startAt": str(len(items))})
            assert response is not None  # only missing_ok calls answer None
            page = response.json()
            chunk = page.get(cloud_key, page.get("values")) or []
            items.extend(chunk)
            if not chunk or page.get("isLast") or len(items) >= int(page.get("total", len(items))):
                return items

    # -- JiraCatalog ----------------------------------------------------------------------------------------

    def _cached(self, name: str, load: Callable[[], T]) -> T:
        now = time.monotonic()
        hit = self._catalog.get(name)
        if hit is not None and now - hit[0] < CATALOG_TTL_SECONDS:
            return hit[1]  # type: ignore[no-any-return]
        value = load()
        self._catalog[name] = (now, value)
        return value

    def projects(self) -> Mapping[str, JiraProjectInfo]:
        def load() -> dict[str, JiraProjectInfo]:
            projects = self._call(lambda: self.client.projects(expand="issueTypes"), writes=False)
            catalog: dict[str, JiraProjectInfo] = {}
            for project in projects:
                raw = project.raw
                types = tuple(t["name"] for t in raw.get("issueTypes", []) if not t.get("subtask"))
                catalog[raw["key"]] = JiraProjectInfo(
                    key=raw["key"], name=raw.get("name", raw["key"]), issue_types=types
                )
            return catalog

        return self._cached("projects", load)

    def priorities(self) -> Sequence[str]:
        return self._cached(
            "priorities", lambda: tuple(p.name for p in self._call(lambda: self.client.priorities(), writes=False))
        )

    def account_id_for_email(self, email: str) -> str | None:
        """The site's identifier of the person with ``email``: accountId on Cloud (``query=``), the user name on
        Data Center / Server (whose user search takes ``username=``, matched against names and emails)."""

        def load() -> str | None:
            cloud = self.cloud
            search = {"query": email} if cloud else {"user": email}
            users = self._call(lambda: self.client.search_users(maxResults=5, **search), writes=False)
            exact = [u for u in users if (getattr(u, "emailAddress", None) or "").lower() == email.lower()]
            chosen = exact[0] if exact else (users[0] if len(users) == 1 else None)
            if chosen is None:
                return None
            return getattr(chosen, "accountId" if cloud else "name", None)

        return self._cached(f"account:{email.lower()}", load)

    def issue(self, key: str) -> JiraIssueInfo | None:
        snapshot = self._read_issue(key, transitions=True)
        if snapshot is None:
            return None
        values = snapshot.values
        due = values["due_date"]
        return JiraIssueInfo(
            key=snapshot.key,
            summary=values["summary"] or "",
            project=values["project"] or snapshot.key.rsplit("-", 1)[0],
            status=values["status"] or "",
            assignee_account_id=values["assignee"],
            assignee_name=values["assignee_name"],
            priority=values["priority"],
            labels=tuple(values["labels"]),
            due_date=dt.date.fromisoformat(due) if due else None,
            transitions=tuple(dict.fromkeys(o.to for o in snapshot.offers)),
            assignee_email=values.get("assignee_email"),
            reporter=values.get("reporter"),
        )

    # -- Observer (follow-ups) ------------------------------------------------------------------------------

    def observe(self, subjects: Sequence[tuple[str, str]]) -> Mapping[str, Observation]:
        """What Jira shows of these issues now: one search per 100 keys (``key in (...)``). Jira refuses a whole
        query naming a key that no longer exists, so such a batch is read one issue at a time instead."""
        keys = [ref for kind, ref in subjects if kind == "Issue"]
        seen: dict[str, Observation] = {}
        for start in range(0, len(keys), 100):
            chunk = keys[start : start + 100]
            jql = f"key in ({', '.join(chunk)})"

            def search(jql: str = jql, size: int = len(chunk)) -> Any:
                return self.client.search_issues(
                    jql, maxResults=size, fields="status,resolution,assignee,updated,summary"
                )

            try:
                issues = list(self._call(search, writes=False))
            except PermanentError:
                issues = [issue for key in chunk if (issue := self._observe_one(key)) is not None]
            for issue in issues:
                seen[str(issue.key)] = _observation(issue, self.browse_url(str(issue.key)))
        return seen

    def _observe_one(self, key: str) -> Any:
        def read() -> Any:
            return self.client.issue(key, fields="status,resolution,assignee,updated,summary")

        try:
            return self._call(read, writes=False)
        except PermanentError:
            return None

    def statuses(self) -> Sequence[str]:
        """Every workflow status the instance knows (the parser's vocabulary: "PAY-10 is in code review")."""

        def load() -> tuple[str, ...]:
            response = self._request("GET", "status", writes=False)
            assert response is not None
            return tuple(dict.fromkeys(str(s["name"]) for s in response.json() if s.get("name")))

        return self._cached("statuses", load)

    def link_types(self) -> Sequence[JiraLinkType]:
        def load() -> tuple[JiraLinkType, ...]:
            response = self._request("GET", "issueLinkType", writes=False)
            assert response is not None  # only missing_ok calls answer None
            return tuple(
                JiraLinkType(name=t["name"], outward=t["outward"], inward=t["inward"])
                for t in response.json().get("issueLinkTypes", [])
            )

        return self._cached("link_types", load)


def _observation(issue: Any, url: str) -> Observation:
    fields = issue.fields
    status = getattr(fields, "status", None)
    category = getattr(getattr(status, "statusCategory", None), "key", None)
    resolution = getattr(fields, "resolution", None)
    assignee = getattr(fields, "assignee", None)
    return Observation(
        status=getattr(status, "name", None),
        status_category=category if category in ("new", "indeterminate", "done") else None,
        resolution=getattr(resolution, "name", None) if resolution is not None else None,
        assignee=getattr(assignee, "displayName", None) if assignee is not None else None,
        updated=getattr(fields, "updated", None),
        url=url,
    )


def render_description(text: str) -> str:
    """Our plain text (with '> ' quote lines) in Jira wiki markup: quotes become a {quote} block."""
    out: list[str] = []
    quoting = False
    for line in text.splitlines():
        if line.startswith("> "):
            if not quoting:
                out.append("{quote}")
                quoting = True
            out.append(line[2:])
            continue
        if quoting:
            out.append("{quote}")
            quoting = False
        out.append(line)
    if quoting:
        out.append("{quote}")
    return "\n".join(out)
