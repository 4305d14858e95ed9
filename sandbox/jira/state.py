"""The mutable part of the emulated Jira site: issues with their comments, properties, remote links, and the links
between issues; and every write that Jira's REST API can make to them, validated as Jira Cloud validates it.

Invariants:

- A write either fails with a ``JiraError`` and changes nothing, or applies completely: every operation validates
  the whole request (all field errors collected, as Jira reports them together) before it touches an issue.
- Issue keys are ``<PROJECT>-<n>`` with ``n`` increasing per project from the seed's highest; ids, comment ids,
  link ids and remote-link ids increase site-wide. A deleted key is never reused.
- An issue's status changes only through a transition its project's workflow offers from the current status
  (``Catalog.workflow(...).available``); entering a ``done``-category status sets the resolution, leaving one
  clears it.
- ``Issue.indexed_from`` is when (``monotonic`` clock) the search index starts seeing a created issue; reads by key
  or id ignore it.

``JiraState`` holds no lock: the emulator calls it under its own ``lock``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.jira import adf
from sandbox.jira import messages as msg
from sandbox.jira.catalog import RESOLUTION_DONE, Catalog, Transition
from sandbox.jira.messages import JiraError
from sandbox.seed import Seed

SEED_EPOCH = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)  # seed issues were created from here, six hours apart
KEY_PATTERN = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)-(\d+)$")
MAX_SUMMARY = 254
MAX_LABEL = 255
MAX_PROPERTY_KEY = 255
MAX_PROPERTY_BYTES = 32768


@dataclass
class Comment:
    id: int
    body: str
    author: str  # accountId
    created: datetime
    updated: datetime
    update_author: str


@dataclass
class RemoteLink:
    id: int
    global_id: str | None
    object: dict[str, Any]
    application: dict[str, Any] | None = None
    relationship: str | None = None


@dataclass
class Issue:
    id: int
    key: str
    project: str  # project key
    issue_type: str  # issue type name
    summary: str
    status: str  # status name
    priority: str  # priority name
    reporter: str  # accountId
    creator: str
    created: datetime
    updated: datetime
    status_changed: datetime
    description: str | None = None
    labels: list[str] = field(default_factory=list)
    assignee: str | None = None
    duedate: str | None = None
    resolution: str | None = None
    resolution_date: datetime | None = None
    comments: list[Comment] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    remote_links: list[RemoteLink] = field(default_factory=list)
    indexed_from: float = float("-inf")


@dataclass(frozen=True)
class IssueLink:
    """``source <type.outward> destination``: POST /issueLink's ``inwardIssue`` is the source (Jira's naming)."""

    id: int
    type_id: str
    source: int
    destination: int


class Invalid(Exception):
    """A field value Jira would refuse; the message is Jira's."""


@dataclass(frozen=True)
class FieldRule:
    """How one field is written: its parser, where it may be set, and which ``update`` operations it accepts."""

    parse: Callable[[Any, Catalog], Any]
    on_create: bool
    on_edit: bool
    operations: frozenset[str] = frozenset({"set"})


@dataclass
class _Change:
    """A validated write to apply: field values, label operations and comment operations, in request order."""

    values: dict[str, Any] = field(default_factory=dict)
    label_ops: list[tuple[str, Any]] = field(default_factory=list)
    comment_ops: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class JiraState:
    """Issues and links of the emulated site, built from the seed; see the module docstring for the invariants."""

    def __init__(
        self,
        seed: Seed,
        catalog: Catalog,
        *,
        now: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.catalog = catalog
        self._now = now or (lambda: datetime.now(UTC))
        self._monotonic = monotonic
        self.issues: dict[int, Issue] = {}
        self._ids_by_key: dict[str, int] = {}
        self.links: dict[int, IssueLink] = {}
        self._next_number: dict[str, int] = {p.key: 1 for p in catalog.projects}
        self._next_issue_id = 10000
        self._next_comment_id = 10000
        self._next_link_id = 10000
        self._next_remote_link_id = 10000
        self._load(seed)

    # --- seed ---
    def _load(self, seed: Seed) -> None:
        for index, spec in enumerate(seed.jira.issues):
            match = KEY_PATTERN.match(spec.key)
            project = self.catalog.project(spec.key.split("-")[0])
            if match is None or project is None:
                raise ValueError(f"seed: jira issue key {spec.key!r} is not <PROJECT>-<n> of a seeded project")
            number = int(match.group(2))
            created = SEED_EPOCH + timedelta(hours=6 * index)
            workflow = self.catalog.workflow(project.key)
            status = workflow.status(spec.status)
            issue_type = self.catalog.issue_type(spec.type)
            priority = self.catalog.priority(spec.priority)
            if issue_type is None or priority is None:
                raise ValueError(f"seed: jira issue {spec.key!r} has an unknown type or priority")
            done = status.category == "done"
            issue = Issue(
                id=self._take_issue_id(),
                key=spec.key,
                project=project.key,
                issue_type=issue_type.name,
                summary=spec.summary,
                status=status.name,
                priority=priority.name,
                reporter=project.lead,
                creator=project.lead,
                created=created,
                updated=created + timedelta(hours=2),
                status_changed=created + timedelta(hours=1),
                description=spec.description,
                labels=list(spec.labels),
                assignee=seed.person(spec.assignee).jira_account_id if spec.assignee else None,
                resolution=RESOLUTION_DONE[1] if done else None,
                resolution_date=created + timedelta(hours=1) if done else None,
            )
            self._add(issue)
            self._next_number[project.key] = max(self._next_number[project.key], number + 1)

    def _add(self, issue: Issue) -> None:
        self.issues[issue.id] = issue
        self._ids_by_key[issue.key] = issue.id

    def _take_issue_id(self) -> int:
        self._next_issue_id += 1
        return self._next_issue_id - 1

    def now(self) -> datetime:
        return self._now()

    # --- reads ---
    def find(self, ref: str) -> Issue:
        """The issue with key or id ``ref`` (keys are case-insensitive, as in Jira); 404 otherwise."""
        issue_id = int(ref) if ref.isdigit() else self._ids_by_key.get(ref.upper())
        issue = self.issues.get(issue_id) if issue_id is not None else None
        if issue is None:
            raise msg.not_found(msg.ISSUE_NOT_FOUND)
        return issue

    def get(self, ref: str) -> Issue | None:
        try:
            return self.find(ref)
        except JiraError:
            return None

    def searchable(self, *, index_lag: float, reconcile: Iterable[int] = ()) -> list[Issue]:
        """Issues the search index has caught up with; ``reconcile`` ids are read through (Cloud's
        ``reconcileIssues``)."""
        horizon = self._monotonic() - index_lag
        wanted = set(reconcile)
        return [i for i in self.issues.values() if i.indexed_from <= horizon or i.id in wanted]

    def links_of(self, issue: Issue) -> list[IssueLink]:
        return [link for link in self.links.values() if issue.id in (link.source, link.destination)]

    # --- create / edit / delete ---
    def create(self, body: Any, *, actor: str) -> Issue:
        if not isinstance(body, dict):
            raise msg.bad_request(msg.BODY_NOT_JSON)
        fields = _object(body.get("fields"), "fields")
        errors: dict[str, str] = {}
        change = self._validate(fields, body.get("update"), errors, creating=True)
        for required, text in (
            ("project", msg.PROJECT_REQUIRED),
            ("issuetype", msg.ISSUE_TYPE_REQUIRED),
            ("summary", msg.SUMMARY_REQUIRED),
        ):
            if fields.get(required) is None:
                errors.setdefault(required, text)
        properties = _properties(body.get("properties"))
        if errors:
            raise msg.field_errors(errors)
        project = self.catalog.project(change.values.pop("project"))
        assert project is not None, "validated above"
        now = self.now()
        number = self._next_number[project.key]
        self._next_number[project.key] = number + 1
        issue = Issue(
            id=self._take_issue_id(),
            key=f"{project.key}-{number}",
            project=project.key,
            issue_type=change.values.pop("issuetype"),
            summary=change.values.pop("summary"),
            status=self.catalog.workflow(project.key).initial.name,
            priority=change.values.pop("priority", None) or _default_priority(self.catalog),
            reporter=change.values.pop("reporter", None) or actor,
            creator=actor,
            created=now,
            updated=now,
            status_changed=now,
            indexed_from=self._monotonic(),
        )
        self._apply(issue, change, actor=actor, now=now)
        issue.properties.update(properties)
        self._add(issue)
        return issue

    def edit(self, issue: Issue, body: Any, *, actor: str) -> None:
        if not isinstance(body, dict):
            raise msg.bad_request(msg.BODY_NOT_JSON)
        errors: dict[str, str] = {}
        change = self._validate(_object(body.get("fields"), "fields"), body.get("update"), errors, creating=False)
        self._check_comment_targets(issue, change, errors)
        if errors:
            raise msg.field_errors(errors)
        self._apply(issue, change, actor=actor, now=self.now())

    def delete(self, issue: Issue) -> None:
        del self.issues[issue.id]
        del self._ids_by_key[issue.key]
        for link in self.links_of(issue):
            del self.links[link.id]

    def assign(self, issue: Issue, body: Any) -> None:
        """PUT /issue/{key}/assignee: Cloud takes ``{"accountId": id | null | "-1"}``, Server ``{"name": ...}``."""
        if not isinstance(body, dict):
            raise msg.bad_request(msg.BODY_NOT_JSON)
        if self.catalog.cloud:
            if "accountId" not in body:
                raise msg.bad_request(msg.GDPR_STRICT if "name" in body else msg.ACCOUNT_ID_REQUIRED)
            ref = body["accountId"]
        else:
            ref = body.get("name")
        if ref is None:
            account_id = None
        elif str(ref) == "-1":
            project = self.catalog.project(issue.project)
            account_id = project.lead if project else None
        else:
            user = self.catalog.user(str(ref)) if self.catalog.cloud else self.catalog.user_by_username(str(ref))
            if user is None:
                raise msg.field_errors({"assignee": msg.user_does_not_exist(str(ref))})
            account_id = user.account_id
        issue.assignee = account_id
        issue.updated = self.now()

    # --- workflow ---
    def transitions(self, issue: Issue) -> tuple[Transition, ...]:
        return self.catalog.workflow(issue.project).available(issue.status)

    def transition(self, issue: Issue, body: Any, *, actor: str) -> None:
        if not isinstance(body, dict):
            raise msg.bad_request(msg.BODY_NOT_JSON)
        wanted = (body.get("transition") or {}).get("id") if isinstance(body.get("transition"), dict) else None
        if wanted is None or not str(wanted).strip().isdigit():
            raise msg.bad_request(msg.TRANSITION_ID_REQUIRED)
        transition = next((t for t in self.transitions(issue) if t.id == str(wanted).strip()), None)
        if transition is None:
            raise msg.bad_request(msg.transition_invalid(wanted))
        fields = _object(body.get("fields"), "fields")
        errors = {name: msg.cannot_set(name) for name in fields}  # the workflow's transitions have no screens
        change = self._validate({}, body.get("update"), errors, creating=False)
        self._check_comment_targets(issue, change, errors)
        if errors:
            raise msg.field_errors(errors)
        now = self.now()
        self.move(issue, transition, now=now)
        self._apply(issue, change, actor=actor, now=now)

    def move(self, issue: Issue, transition: Transition, *, now: datetime) -> None:
        before = self.catalog.workflow(issue.project).status(issue.status)
        issue.status = transition.to.name
        issue.updated = now
        if before.category != transition.to.category:
            issue.status_changed = now
        if transition.to.category == "done":
            issue.resolution, issue.resolution_date = RESOLUTION_DONE[1], now
        else:
            issue.resolution, issue.resolution_date = None, None

    # --- comments ---
    def add_comment(self, issue: Issue, body: Any, *, actor: str) -> Comment:
        text = _comment_text(body)
        now = self.now()
        comment = Comment(self._next_comment_id, text, actor, now, now, actor)
        self._next_comment_id += 1
        issue.comments.append(comment)
        issue.updated = now
        return comment

    def comment(self, issue: Issue, comment_id: str) -> Comment:
        found = next((c for c in issue.comments if str(c.id) == comment_id), None)
        if found is None:
            raise msg.not_found(msg.comment_not_found(comment_id))
        return found

    def edit_comment(self, issue: Issue, comment: Comment, body: Any, *, actor: str) -> None:
        text = _comment_text(body)
        comment.body, comment.updated, comment.update_author = text, self.now(), actor

    def delete_comment(self, issue: Issue, comment: Comment) -> None:
        issue.comments.remove(comment)
        issue.updated = self.now()

    # --- properties ---
    def set_property(self, issue: Issue, key: str, value: Any) -> bool:
        """Store ``value`` under ``key``; True when the property was created, False when replaced."""
        if len(key) > MAX_PROPERTY_KEY:
            raise msg.bad_request(msg.PROPERTY_KEY_TOO_LONG)
        if len(json.dumps(value).encode()) > MAX_PROPERTY_BYTES:
            raise msg.bad_request(msg.PROPERTY_VALUE_TOO_LONG)
        created = key not in issue.properties
        issue.properties[key] = value
        return created

    def property(self, issue: Issue, key: str) -> Any:
        if key not in issue.properties:
            raise msg.not_found(msg.property_not_found(key))
        return issue.properties[key]

    def delete_property(self, issue: Issue, key: str) -> None:
        self.property(issue, key)
        del issue.properties[key]

    # --- remote links ---
    def put_remote_link(self, issue: Issue, body: Any) -> tuple[RemoteLink, bool]:
        """Create a remote link, or update the one with the same ``globalId`` (Jira's idempotency for remote
        links). Returns the link and whether it was created."""
        if not isinstance(body, dict):
            raise msg.bad_request(msg.BODY_NOT_JSON)
        target = body.get("object")
        errors: dict[str, str] = {}
        if not isinstance(target, dict) or not target.get("url"):
            errors["url"] = msg.REMOTE_LINK_URL_REQUIRED
        if not isinstance(target, dict) or not target.get("title"):
            errors["title"] = msg.REMOTE_LINK_TITLE_REQUIRED
        if errors:
            raise msg.field_errors(errors)
        assert isinstance(target, dict)
        global_id = body.get("globalId")
        existing = next((r for r in issue.remote_links if global_id and r.global_id == global_id), None)
        if existing is not None:
            existing.object = dict(target)
            existing.application = body.get("application")
            existing.relationship = body.get("relationship")
            return existing, False
        link = RemoteLink(
            self._next_remote_link_id, global_id, dict(target), body.get("application"), body.get("relationship")
        )
        self._next_remote_link_id += 1
        issue.remote_links.append(link)
        return link, True

    def remote_link(self, issue: Issue, link_id: str) -> RemoteLink:
        found = next((r for r in issue.remote_links if str(r.id) == link_id), None)
        if found is None:
            raise msg.not_found(msg.remote_link_not_found(link_id))
        return found

    def delete_remote_link(self, issue: Issue, link_id: str) -> None:
        issue.remote_links.remove(self.remote_link(issue, link_id))

    # --- issue links ---
    def link(self, body: Any) -> IssueLink:
        if not isinstance(body, dict):
            raise msg.bad_request(msg.BODY_NOT_JSON)
        kind: dict[str, Any] = body["type"] if isinstance(body.get("type"), dict) else {}
        name = str(kind.get("name") or kind.get("id") or "")
        link_type = self.catalog.link_type(name)
        if link_type is None:
            raise msg.not_found(msg.link_type_not_found(name))
        source = self.find(_issue_ref(body.get("inwardIssue")))
        destination = self.find(_issue_ref(body.get("outwardIssue")))
        if source.id == destination.id:
            raise msg.bad_request(msg.SELF_LINK)
        for existing in self.links.values():
            if (existing.type_id, existing.source, existing.destination) == (
                link_type.id,
                source.id,
                destination.id,
            ):
                return existing
        created = IssueLink(self._next_link_id, link_type.id, source.id, destination.id)
        self._next_link_id += 1
        self.links[created.id] = created
        now = self.now()
        source.updated = destination.updated = now
        return created

    def issue_link(self, link_id: str) -> IssueLink:
        found = self.links.get(int(link_id)) if link_id.isdigit() else None
        if found is None:
            raise msg.not_found(msg.issue_link_not_found(link_id))
        return found

    def unlink(self, link_id: str) -> None:
        del self.links[self.issue_link(link_id).id]

    # --- validation ---
    def _validate(self, fields: dict[str, Any], update: Any, errors: dict[str, str], *, creating: bool) -> _Change:
        change = _Change()
        for field_id, raw in fields.items():
            rule = FIELD_RULES.get(field_id)
            if rule is None or not (rule.on_create if creating else rule.on_edit):
                errors[field_id] = msg.cannot_set(field_id)
                continue
            try:
                parsed = rule.parse(raw, self.catalog)
            except Invalid as exc:
                errors[field_id] = str(exc)
                continue
            if field_id == "labels":
                change.label_ops.append(("set", parsed))
            else:
                change.values[field_id] = parsed
        for field_id, operations in _object(update, "update").items():
            if not isinstance(operations, list):
                errors[field_id] = msg.operation_not_supported(str(operations), field_id)
                continue
            for operation in operations:
                self._validate_operation(field_id, operation, change, errors, creating=creating)
        return change

    def _validate_operation(
        self, field_id: str, operation: Any, change: _Change, errors: dict[str, str], *, creating: bool
    ) -> None:
        if not isinstance(operation, dict) or len(operation) != 1:
            errors[field_id] = msg.operation_not_supported(json.dumps(operation), field_id)
            return
        verb, raw = next(iter(operation.items()))
        if field_id == "comment":
            if verb not in ("add", "edit", "remove") or (creating and verb != "add"):
                errors[field_id] = msg.operation_not_supported(verb, field_id)
            elif not isinstance(raw, dict):
                errors[field_id] = msg.COMMENT_BODY_REQUIRED
            else:
                try:
                    if verb != "remove":
                        _comment_text(raw)
                    change.comment_ops.append((verb, raw))
                except JiraError as exc:
                    errors[field_id] = exc.errors.get("comment", msg.COMMENT_BODY_REQUIRED)
            return
        rule = FIELD_RULES.get(field_id)
        if rule is None or not (rule.on_create if creating else rule.on_edit):
            errors[field_id] = msg.cannot_set(field_id)
            return
        if verb not in rule.operations:
            errors[field_id] = msg.operation_not_supported(verb, field_id)
            return
        try:
            if field_id == "labels":
                change.label_ops.append((verb, _labels(raw) if verb == "set" else _label(raw)))
            else:
                change.values[field_id] = rule.parse(raw, self.catalog)
        except Invalid as exc:
            errors[field_id] = str(exc)

    def _check_comment_targets(self, issue: Issue, change: _Change, errors: dict[str, str]) -> None:
        """Comment ``edit`` / ``remove`` operations must name an existing comment (checked before any write)."""
        for verb, payload in change.comment_ops:
            if verb in ("edit", "remove"):
                try:
                    self.comment(issue, str(payload.get("id")))
                except JiraError as exc:
                    errors["comment"] = exc.messages[0]

    def _apply(self, issue: Issue, change: _Change, *, actor: str, now: datetime) -> None:
        for field_id, value in change.values.items():
            setattr(issue, _ATTRIBUTES.get(field_id, field_id), value)
        for verb, value in change.label_ops:
            if verb == "set":
                issue.labels = list(value)
            elif verb == "add" and value not in issue.labels:
                issue.labels.append(value)
            elif verb == "remove" and value in issue.labels:
                issue.labels.remove(value)
        for verb, payload in change.comment_ops:
            if verb == "add":
                self.add_comment(issue, payload, actor=actor)
            elif verb == "edit":
                self.edit_comment(issue, self.comment(issue, str(payload.get("id"))), payload, actor=actor)
            else:
                self.delete_comment(issue, self.comment(issue, str(payload.get("id"))))
        issue.updated = now


# --- field parsers: each returns the stored value or raises Invalid with Jira's message ---
def _parse_project(value: Any, catalog: Catalog) -> str:
    ref = _ref(value, "key", "id")
    project = catalog.project(ref) if ref else None
    if project is None:
        raise Invalid(msg.PROJECT_REQUIRED)
    return project.key


def _parse_issue_type(value: Any, catalog: Catalog) -> str:
    ref = _ref(value, "id", "name")
    if not ref:
        raise Invalid(msg.ISSUE_TYPE_REQUIRED)
    issue_type = catalog.issue_type(ref)
    if issue_type is None:
        raise Invalid(msg.ISSUE_TYPE_INVALID)
    return issue_type.name


def _parse_summary(value: Any, catalog: Catalog) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(msg.SUMMARY_REQUIRED)
    if len(value) > MAX_SUMMARY:
        raise Invalid(msg.SUMMARY_TOO_LONG)
    if "\n" in value or "\r" in value:
        raise Invalid(msg.SUMMARY_NEWLINE)
    return value


def _parse_description(value: Any, catalog: Catalog) -> str | None:
    return _rich_text(value)


def _parse_priority(value: Any, catalog: Catalog) -> str:
    ref = _ref(value, "id", "name")
    priority = catalog.priority(ref) if ref else None
    if priority is None:
        raise Invalid(msg.PRIORITY_INVALID)
    return priority.name


def _parse_duedate(value: Any, catalog: Catalog) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise Invalid(msg.bad_date(value))


def _user_parser(field_id: str, *, nullable: bool) -> Callable[[Any, Catalog], str | None]:
    def parse(value: Any, catalog: Catalog) -> str | None:
        if value is None or (isinstance(value, dict) and value.get("accountId", "") is None):
            if not nullable:
                raise Invalid(msg.invalid_user_value(field_id))
            return None
        if not isinstance(value, dict):
            raise Invalid(msg.invalid_user_value(field_id))
        if catalog.cloud:
            if "accountId" not in value:
                raise Invalid(msg.invalid_user_value(field_id))
            user = catalog.user(str(value["accountId"]))
            ref = str(value["accountId"])
        else:
            if "name" not in value:
                raise Invalid(f"expected Object containing a 'name' property for {field_id}")
            ref = str(value["name"])
            user = catalog.user_by_username(ref)
        if user is None:
            raise Invalid(msg.user_does_not_exist(ref))
        return user.account_id

    return parse


def _parse_labels(value: Any, catalog: Catalog) -> list[str]:
    return _labels(value)


def _labels(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise Invalid(msg.LABELS_NOT_ARRAY)
    return list(dict.fromkeys(_label(item) for item in value))


def _label(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise Invalid(msg.label_has_spaces(str(value)))
    if any(char.isspace() for char in value):
        raise Invalid(msg.label_has_spaces(value))
    if len(value) > MAX_LABEL:
        raise Invalid(msg.label_too_long(value))
    return value


FIELD_RULES: dict[str, FieldRule] = {
    "project": FieldRule(_parse_project, on_create=True, on_edit=False),
    "issuetype": FieldRule(_parse_issue_type, on_create=True, on_edit=True),
    "summary": FieldRule(_parse_summary, on_create=True, on_edit=True),
    "description": FieldRule(_parse_description, on_create=True, on_edit=True),
    "priority": FieldRule(_parse_priority, on_create=True, on_edit=True),
    "assignee": FieldRule(_user_parser("assignee", nullable=True), on_create=True, on_edit=True),
    "reporter": FieldRule(_user_parser("reporter", nullable=False), on_create=True, on_edit=True),
    "duedate": FieldRule(_parse_duedate, on_create=True, on_edit=True),
    "labels": FieldRule(_parse_labels, on_create=True, on_edit=True, operations=frozenset({"set", "add", "remove"})),
}
_ATTRIBUTES = {"issuetype": "issue_type"}


# --- small helpers ---
def _object(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise msg.bad_request(f"'{name}' must be a JSON object.")
    return value


def _ref(value: Any, *keys: str) -> str:
    if isinstance(value, dict):
        for key in keys:
            if value.get(key) not in (None, ""):
                return str(value[key])
    return ""


def _issue_ref(value: Any) -> str:
    ref = _ref(value, "key", "id")
    if not ref:
        raise msg.not_found(msg.ISSUE_NOT_FOUND)
    return ref


def _rich_text(value: Any) -> str | None:
    """A description or comment body: a string (v2) or an ADF document (v3), stored as text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if adf.is_document(value):
        return adf.to_text(value)
    raise Invalid("Operation value must be a string or an Atlassian Document.")


def _comment_text(body: Any) -> str:
    """The text of a comment payload ``{"body": ...}``; 400 when it is missing, blank or not text."""
    try:
        text = _rich_text(body.get("body") if isinstance(body, dict) else None)
    except Invalid as exc:
        raise msg.field_errors({"comment": str(exc)}) from None
    if not text or not text.strip():
        raise msg.field_errors({"comment": msg.COMMENT_BODY_REQUIRED})
    return text


def _properties(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, list) or not all(isinstance(p, dict) and p.get("key") for p in value):
        raise msg.bad_request('\'properties\' must be a list of {"key": ..., "value": ...} objects.')
    for prop in value:
        if len(str(prop["key"])) > MAX_PROPERTY_KEY:
            raise msg.bad_request(msg.PROPERTY_KEY_TOO_LONG)
    return {str(p["key"]): p.get("value") for p in value}


def _default_priority(catalog: Catalog) -> str:
    medium = catalog.priority("Medium")
    return medium.name if medium else catalog.priorities[len(catalog.priorities) // 2].name
