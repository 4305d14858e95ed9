"""Jira through the ``jira`` library: create issues exactly once in effect, and describe the instance.

Exactly once, observed (../shared/reference/connectors.md section 5): Jira has no idempotency key for issue
creation, so every issue we create carries the label ``followthrough-<action id>`` inside the create request
itself, and ``reconcile`` looks for that label before anything is sent again. The client is built with
``max_retries=0``: the library's own retries re-send POSTs and created duplicates in tests; retrying is the
executor's job, after reconciling.

Vendor errors are translated here, at the edge, into the error tree of ``approvals.ports``: a 429 (or a 503 with
Retry-After) was refused before anything happened and is retryable; a 5xx, a dropped connection or a read timeout
on a create may have happened and is ambiguous; 400 / 403 / 404 are permanent; 401 is an auth problem for an admin.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import requests
from jira import JIRA, JIRAError

from approvals.actions import Action, JiraCreateIssue
from approvals.grounding import JiraProjectInfo
from approvals.ports import (
    AmbiguousError,
    AuthError,
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


def idempotency_label(action_id: str) -> str:
    return f"{LABEL_PREFIX}{action_id}"


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


def translate(exc: Exception, *, writes: bool) -> ConnectorError:
    """The ``approvals.ports`` error for a failure of a Jira call; ``writes`` marks non-idempotent calls."""
    if isinstance(exc, JIRAError):
        status = exc.status_code or 0
        detail = _jira_message(exc)
        retry_after = _retry_after(exc.response)
        if status == 429:
            return RetryableError("Jira is rate limiting us", detail=detail, retry_after=retry_after)
        if status == 401:
            return AuthError(
                "Jira refused our credentials; an admin needs to check JIRA_EMAIL and JIRA_API_TOKEN", detail=detail
            )
        if status == 403:
            return PermanentError(f"Jira does not allow this: {detail}", detail=detail)
        if status == 404:
            return PermanentError(f"Jira could not find it: {detail}", detail=detail)
        if 400 <= status < 500:
            return PermanentError(f"Jira refused it: {detail}", detail=detail)
        if status == 503 and retry_after is not None and not writes:
            return RetryableError("Jira is temporarily unavailable", detail=detail, retry_after=retry_after)
        if writes:
            return AmbiguousError(f"Jira answered {status}; the change may or may not have been made", detail=detail)
        return RetryableError(f"Jira answered {status}", detail=detail, retry_after=retry_after)
    if isinstance(exc, requests.ConnectTimeout):
        return RetryableError("Jira did not answer the connection", detail=str(exc))
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        if writes:
            return AmbiguousError(
                "the connection to Jira broke during the call; it may have gone through", detail=str(exc)
            )
        return RetryableError("the connection to Jira broke", detail=str(exc))
    raise exc


class JiraConnector:
    """Implements ``approvals.ports.Connector`` and ``approvals.grounding.JiraCatalog`` for one Jira site."""

    system = "jira"

    def __init__(
        self,
        url: str,
        email: str,
        api_token: str,
        *,
        timeout: tuple[float, float] = (5.0, 20.0),
        client_factory: Callable[[], JIRA] | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._email = email
        self._token = api_token
        self._timeout = timeout
        self._client_factory = client_factory or self._build_client
        self._client: JIRA | None = None
        self._lock = threading.Lock()
        self._catalog: dict[str, tuple[float, Any]] = {}

    def _build_client(self) -> JIRA:
        return JIRA(
            server=self.url,
            basic_auth=(self._email, self._token),
            max_retries=0,
            timeout=self._timeout,
            options={"check_update": False},
        )

    @property
    def client(self) -> JIRA:
        with self._lock:
            if self._client is None:
                try:
                    self._client = self._client_factory()
                except Exception as exc:
                    raise translate(exc, writes=False) from exc
            return self._client

    def _call(self, fn: Callable[[], T], *, writes: bool) -> T:
        try:
            return fn()
        except (JIRAError, requests.RequestException) as exc:
            raise translate(exc, writes=writes) from exc

    def warm(self) -> None:
        """Cache the catalog for forked jobs, then close the client's pooled sockets: a socket must never be shared
        by forked processes. The client itself (and what it learned from serverInfo) is kept; it reconnects."""
        self.projects()
        self.priorities()
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
        raise PermanentError(f"the Jira connector cannot run {action.kind}")

    def reconcile(self, action: Action, context: ExecutionContext) -> Outcome | None:
        if isinstance(action, JiraCreateIssue):
            found = self._find_by_label(idempotency_label(context.action_id))
            if found is None:
                return None
            self._link_to_slack(found, context)
            return self._created_outcome(found, action)
        return None

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
            fields["assignee"] = {"accountId": action.assignee.jira_account_id}
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

    def _find_by_label(self, label: str) -> str | None:
        def search() -> Any:
            return self.client.search_issues(f'labels = "{label}" ORDER BY created ASC', maxResults=5, fields="summary")

        issues = self._call(search, writes=False)
        if not issues:
            return None
        if len(issues) > 1:
            logger.error(
                "Jira has %d issues labelled %s: %s; keeping the oldest", len(issues), label, [i.key for i in issues]
            )
        return str(issues[0].key)

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
        def load() -> str | None:
            users = self._call(lambda: self.client.search_users(query=email, maxResults=5), writes=False)
            exact = [u for u in users if getattr(u, "emailAddress", "").lower() == email.lower()]
            chosen = exact[0] if exact else (users[0] if len(users) == 1 else None)
            return getattr(chosen, "accountId", None) if chosen is not None else None

        return self._cached(f"account:{email.lower()}", load)


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
