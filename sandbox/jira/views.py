"""The JSON Jira Cloud's REST API returns for the emulator's objects, in v2 and v3 flavours.

Every function here is a pure rendering of the state: nothing is written. A ``View`` knows the base URL (for the
``self`` links Jira puts everywhere) and the API version of the request: v3 renders rich text (descriptions,
comment bodies) as Atlassian Document Format, v2 and ``latest`` as strings. Timestamps use Jira's format
``2026-11-20T12:34:56.000+0000``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sandbox.jira import adf
from sandbox.jira.catalog import (
    FIELD_IDS,
    NAVIGABLE_FIELD_IDS,
    RESOLUTION_DONE,
    STATUS_CATEGORIES,
    SYSTEM_FIELDS,
    Catalog,
    IssueType,
    LinkType,
    Priority,
    Project,
    Status,
    Transition,
    User,
)
from sandbox.jira.state import Comment, Issue, IssueLink, JiraState, RemoteLink

ISSUE_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"
AVATAR_SIZES = ("48x48", "24x24", "16x16", "32x32")


def timestamp(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


@dataclass(frozen=True)
class FieldSelection:
    """Jira's ``fields`` parameter: ids, ``*all``, ``*navigable`` and ``-id`` exclusions, comma-separated or
    repeated."""

    names: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()
    every: bool = False
    navigable: bool = False

    @classmethod
    def parse(cls, values: Iterable[str] | None, *, default: str) -> FieldSelection:
        tokens = [t.strip() for v in (values or []) for t in str(v).split(",") if t.strip()]
        if not tokens:
            tokens = [default] if default else []
        names, excluded, every, navigable = set(), set(), False, False
        for token in tokens:
            if token == "*all":
                every = True
            elif token == "*navigable":
                navigable = True
            elif token.startswith("-"):
                excluded.add(token[1:])
            else:
                names.add(token)
        return cls(frozenset(names), frozenset(excluded), every, navigable)

    def wants(self, field_id: str) -> bool:
        if field_id in self.excluded:
            return False
        return field_id in self.names or self.every or (self.navigable and field_id in NAVIGABLE_FIELD_IDS)

    @property
    def empty(self) -> bool:
        return not (self.names or self.every or self.navigable)


@dataclass(frozen=True)
class View:
    base_url: str
    version: str  # "2" or "3"; the emulator maps "latest" to "2"
    catalog: Catalog
    state: JiraState

    @property
    def api(self) -> str:
        return f"{self.base_url}/rest/api/{self.version}"

    def rich(self, text: str | None) -> str | dict[str, Any] | None:
        if text is None:
            return None
        return adf.from_text(text) if self.version == "3" else text

    # --- people and catalog objects ---
    def user(self, account_id: str | None) -> dict[str, Any] | None:
        if account_id is None:
            return None
        user = self.catalog.user(account_id)
        return self.user_json(user) if user else None

    def user_json(self, user: User) -> dict[str, Any]:
        """Cloud: ``accountId`` (no name or key: GDPR strict mode). Data Center / Server: ``name`` and ``key``, no
        ``accountId``, and ``self`` by user name."""
        if self.catalog.cloud:
            identity: dict[str, Any] = {
                "self": f"{self.api}/user?accountId={quote(user.account_id)}",
                "accountId": user.account_id,
                "accountType": "atlassian",
            }
        else:
            identity = {
                "self": f"{self.api}/user?username={quote(user.username)}",
                "key": user.key,
                "name": user.username,
            }
        return identity | {
            "emailAddress": user.email,
            "avatarUrls": self._avatars("useravatar", user.account_id if self.catalog.cloud else user.key),
            "displayName": user.display_name,
            "active": True,
            "timeZone": "Etc/UTC",
            "locale": "en_US",
        }

    def _avatars(self, kind: str, owner: str) -> dict[str, str]:
        return {size: f"{self.base_url}/secure/{kind}?size={size}&ownerId={quote(owner)}" for size in AVATAR_SIZES}

    def project(self, project: Project, *, full: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "self": f"{self.api}/project/{project.id}",
            "id": project.id,
            "key": project.key,
            "name": project.name,
            "projectTypeKey": "software",
            "simplified": False,
            "avatarUrls": self._avatars("projectavatar", project.id),
        }
        if full:
            body |= {
                "description": "",
                "lead": self.user(project.lead),
                "assigneeType": "PROJECT_LEAD",
                "style": "classic",
                "isPrivate": False,
                "components": [],
                "versions": [],
                "issueTypes": [self.issue_type(t) for t in self.catalog.issue_types],
                "properties": {},
            }
        return body

    def issue_type(self, issue_type: IssueType) -> dict[str, Any]:
        return {
            "self": f"{self.api}/issuetype/{issue_type.id}",
            "id": issue_type.id,
            "description": issue_type.description,
            "iconUrl": f"{self.base_url}/images/icons/issuetypes/{issue_type.name.lower()}.svg",
            "name": issue_type.name,
            "untranslatedName": issue_type.name,
            "subtask": False,
            "hierarchyLevel": 0,
        }

    def priority(self, priority: Priority) -> dict[str, Any]:
        return {
            "self": f"{self.api}/priority/{priority.id}",
            "iconUrl": f"{self.base_url}/images/icons/priorities/{priority.name.lower()}.svg",
            "name": priority.name,
            "id": priority.id,
        }

    def status(self, status: Status) -> dict[str, Any]:
        category_id, key, colour, name = STATUS_CATEGORIES[status.category]
        return {
            "self": f"{self.api}/status/{status.id}",
            "description": "",
            "iconUrl": f"{self.base_url}/images/icons/statuses/generic.png",
            "name": status.name,
            "untranslatedName": status.name,
            "id": status.id,
            "statusCategory": {
                "self": f"{self.api}/statuscategory/{category_id}",
                "id": category_id,
                "key": key,
                "colorName": colour,
                "name": name,
            },
        }

    def resolution(self, name: str | None) -> dict[str, Any] | None:
        if name is None:
            return None
        resolution_id, resolution_name, description = RESOLUTION_DONE
        return {
            "self": f"{self.api}/resolution/{resolution_id}",
            "id": resolution_id,
            "description": description,
            "name": resolution_name,
        }

    def field(self, field_id: str) -> dict[str, Any]:
        spec = next(f for f in SYSTEM_FIELDS if f.id == field_id)
        body: dict[str, Any] = {
            "id": spec.id,
            "key": spec.id,
            "name": spec.name,
            "custom": False,
            "orderable": spec.orderable,
            "navigable": spec.navigable,
            "searchable": True,
            "clauseNames": list(spec.clause_names),
        }
        if spec.schema:
            body["schema"] = dict(spec.schema)
        return body

    def transition(self, transition: Transition, *, with_fields: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": transition.id,
            "name": transition.name,
            "to": self.status(transition.to),
            "hasScreen": False,
            "isGlobal": False,
            "isInitial": False,
            "isAvailable": True,
            "isConditional": False,
            "isLooped": False,
        }
        if with_fields:
            body["fields"] = {}
        return body

    def link_type(self, link_type: LinkType) -> dict[str, Any]:
        return {
            "id": link_type.id,
            "name": link_type.name,
            "inward": link_type.inward,
            "outward": link_type.outward,
            "self": f"{self.api}/issueLinkType/{link_type.id}",
        }

    # --- issue parts ---
    def comment(self, issue: Issue, comment: Comment) -> dict[str, Any]:
        return {
            "self": f"{self.api}/issue/{issue.id}/comment/{comment.id}",
            "id": str(comment.id),
            "author": self.user(comment.author),
            "body": self.rich(comment.body),
            "updateAuthor": self.user(comment.update_author),
            "created": timestamp(comment.created),
            "updated": timestamp(comment.updated),
            "jsdPublic": True,
        }

    def comments_page(
        self, issue: Issue, *, start_at: int = 0, max_results: int | None = None, newest_first: bool = False
    ) -> dict[str, Any]:
        """One page of the issue's comments; the order applies before paging, as in Jira (``orderBy=-created``)."""
        total = len(issue.comments)
        size = total if max_results is None else max_results
        ordered = list(reversed(issue.comments)) if newest_first else issue.comments
        page = ordered[start_at : start_at + size]
        return {
            "comments": [self.comment(issue, c) for c in page],
            "self": f"{self.api}/issue/{issue.id}/comment",
            "maxResults": size,
            "total": total,
            "startAt": start_at,
        }

    def remote_link(self, issue: Issue, link: RemoteLink) -> dict[str, Any]:
        body: dict[str, Any] = {"id": link.id, "self": f"{self.api}/issue/{issue.key}/remotelink/{link.id}"}
        if link.global_id is not None:
            body["globalId"] = link.global_id
        body["application"] = dict(link.application or {})
        if link.relationship is not None:
            body["relationship"] = link.relationship
        body["object"] = dict(link.object)
        return body

    def issue_stub(self, issue: Issue) -> dict[str, Any]:
        return {
            "id": str(issue.id),
            "key": issue.key,
            "self": f"{self.api}/issue/{issue.id}",
            "fields": {
                "summary": issue.summary,
                "status": self._status_of(issue),
                "priority": self._priority_of(issue),
                "issuetype": self._type_of(issue),
            },
        }

    def issue_link(self, link: IssueLink, *, seen_from: Issue | None = None) -> dict[str, Any]:
        """A link as ``GET /issueLink/{id}`` shows it, or as it appears in ``seen_from``'s ``issuelinks``."""
        link_type = next(t for t in self.catalog.link_types if t.id == link.type_id)
        body: dict[str, Any] = {
            "id": str(link.id),
            "self": f"{self.api}/issueLink/{link.id}",
            "type": self.link_type(link_type),
        }
        source, destination = self.state.issues[link.source], self.state.issues[link.destination]
        if seen_from is None or seen_from.id == destination.id:
            body["inwardIssue"] = self.issue_stub(source)
        if seen_from is None or seen_from.id == source.id:
            body["outwardIssue"] = self.issue_stub(destination)
        return body

    # --- the issue ---
    def issue(
        self,
        issue: Issue,
        *,
        fields: FieldSelection,
        expand: frozenset[str] = frozenset(),
        properties: Iterable[str] = (),
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "expand": ISSUE_EXPAND,
            "id": str(issue.id),
            "self": f"{self.api}/issue/{issue.id}",
            "key": issue.key,
        }
        rendered = {fid: self._field_value(issue, fid) for fid in sorted(FIELD_IDS) if fields.wants(fid)}
        body["fields"] = rendered
        if "names" in expand:
            body["names"] = {fid: next(f.name for f in SYSTEM_FIELDS if f.id == fid) for fid in rendered}
        if "schema" in expand:
            body["schema"] = {fid: self.field(fid).get("schema", {}) for fid in rendered}
        if "transitions" in expand:
            body["transitions"] = [self.transition(t) for t in self.state.transitions(issue)]
        if "renderedFields" in expand:
            body["renderedFields"] = {"description": _html(issue.description)}
        wanted_properties = set(properties)
        if wanted_properties:
            every = "*all" in wanted_properties
            body["properties"] = {k: v for k, v in issue.properties.items() if every or k in wanted_properties}
        return body

    def _field_value(self, issue: Issue, field_id: str) -> Any:
        if field_id == "summary":
            return issue.summary
        if field_id == "description":
            return self.rich(issue.description)
        if field_id == "labels":
            return list(issue.labels)
        if field_id == "priority":
            return self._priority_of(issue)
        if field_id in ("assignee", "reporter", "creator"):
            return self.user(getattr(issue, field_id))
        if field_id == "status":
            return self._status_of(issue)
        if field_id == "issuetype":
            return self._type_of(issue)
        if field_id == "project":
            project = self.catalog.project(issue.project)
            return self.project(project) if project else None
        if field_id == "duedate":
            return issue.duedate
        if field_id == "comment":
            return self.comments_page(issue)
        if field_id == "created":
            return timestamp(issue.created)
        if field_id == "updated":
            return timestamp(issue.updated)
        if field_id == "resolution":
            return self.resolution(issue.resolution)
        if field_id == "resolutiondate":
            return timestamp(issue.resolution_date) if issue.resolution_date else None
        if field_id == "statuscategorychangedate":
            return timestamp(issue.status_changed)
        if field_id == "issuelinks":
            return [self.issue_link(link, seen_from=issue) for link in self.state.links_of(issue)]
        raise KeyError(f"no renderer for field {field_id!r}")

    def _status_of(self, issue: Issue) -> dict[str, Any]:
        return self.status(self.catalog.workflow(issue.project).status(issue.status))

    def _priority_of(self, issue: Issue) -> dict[str, Any] | None:
        priority = self.catalog.priority(issue.priority)
        return self.priority(priority) if priority else None

    def _type_of(self, issue: Issue) -> dict[str, Any] | None:
        issue_type = self.catalog.issue_type(issue.issue_type)
        return self.issue_type(issue_type) if issue_type else None


def _html(text: str | None) -> str | None:
    if text is None:
        return None
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "<p>" + escaped.replace("\n", "<br/>") + "</p>"
