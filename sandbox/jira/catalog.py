"""The fixed part of the emulated Jira site: projects, issue types, priorities, statuses, workflows, users, link
types and system fields, all derived from the seed and never changed while the emulator runs.

The workflow is one data table per project, straight from the seed: each transition names its target and the
statuses that offer it (``from``). The bundled seed gives To Do -> In Progress, In Progress -> Done, In Progress ->
To Do and Done -> In Progress (reopen), and not To Do -> Done. ``Workflow.available`` is the only place that answers
"which transitions may this issue take", so the HTTP handlers and the Python API cannot disagree.

Ids follow Jira Cloud's shapes: projects ``10000+``, issue types ``10001+``, statuses ``10000+``, the standard
priority ids ``1``-``5``, accountIds from the seed. Users also carry what Data Center / Server knows them by: a
``name`` (the login, the seed's person name) and a ``key`` that differs from it (``JIRAUSER10000+``, as Jira 8+ gives
new users), so code that mixes the two fails here as it would there. The state always refers to users by accountId;
only the views and the request parsers speak the flavour's identifiers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from sandbox.seed import Seed

StatusCategory = Literal["new", "indeterminate", "done"]

BOT_ACCOUNT_ID = "712020:followthrough-bot"
BOT_DISPLAY_NAME = "Followthrough"
BOT_USERNAME = "followthrough"
PERSONAL_ACCESS_TOKEN = "sandbox-jira-pat-0001"
"""The bot's personal access token on a Data Center / Server site (Cloud has none: it takes email + API token)."""

# Jira's fixed status categories: (id, key, colour, name).
STATUS_CATEGORIES: dict[StatusCategory, tuple[int, str, str, str]] = {
    "new": (2, "new", "blue-gray", "To Do"),
    "indeterminate": (4, "indeterminate", "yellow", "In Progress"),
    "done": (3, "done", "green", "Done"),
}


@dataclass(frozen=True)
class Status:
    id: str
    name: str
    category: StatusCategory


@dataclass(frozen=True)
class Transition:
    id: str
    name: str
    to: Status


@dataclass(frozen=True)
class Workflow:
    """A project's statuses and, per status name, the transitions it offers."""

    statuses: tuple[Status, ...]
    table: Mapping[str, tuple[Transition, ...]]

    @property
    def initial(self) -> Status:
        return self.statuses[0]

    def status(self, name: str) -> Status:
        for status in self.statuses:
            if status.name == name:
                return status
        raise KeyError(f"workflow has no status {name!r}; it has {[s.name for s in self.statuses]}")

    def available(self, status_name: str) -> tuple[Transition, ...]:
        return self.table.get(status_name, ())

    @classmethod
    def from_table(
        cls, statuses: tuple[Status, ...], transitions: list[tuple[str, str, str, tuple[str, ...]]]
    ) -> Workflow:
        """Build the table from (id, name, target, source statuses) rows; the seed has checked the names."""
        by_name = {s.name: s for s in statuses}
        table: dict[str, list[Transition]] = {s.name: [] for s in statuses}
        for transition_id, name, target, sources in transitions:
            for source in sources:
                table[source].append(Transition(transition_id, name, by_name[target]))
        return cls(statuses, {name: tuple(ts) for name, ts in table.items()})


@dataclass(frozen=True)
class Project:
    id: str
    key: str
    name: str
    lead: str  # accountId


@dataclass(frozen=True)
class IssueType:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class Priority:
    id: str
    name: str
    rank: int  # higher is more urgent: Jira sorts "priority DESC" from Highest down


@dataclass(frozen=True)
class User:
    account_id: str
    display_name: str
    email: str
    username: str  # Server/DC's user name; Cloud hides it
    key: str = ""  # Server/DC's user key (stable across renames); Cloud hides it


@dataclass(frozen=True)
class LinkType:
    id: str
    name: str
    inward: str
    outward: str


@dataclass(frozen=True)
class SystemField:
    id: str
    name: str
    clause_names: tuple[str, ...]
    schema: dict[str, str]
    navigable: bool = True
    orderable: bool = True


SYSTEM_FIELDS: tuple[SystemField, ...] = (
    SystemField("summary", "Summary", ("summary",), {"type": "string", "system": "summary"}),
    SystemField("description", "Description", ("description",), {"type": "string", "system": "description"}),
    SystemField("labels", "Labels", ("labels",), {"type": "array", "items": "string", "system": "labels"}),
    SystemField("priority", "Priority", ("priority",), {"type": "priority", "system": "priority"}),
    SystemField("assignee", "Assignee", ("assignee",), {"type": "user", "system": "assignee"}),
    SystemField("reporter", "Reporter", ("reporter",), {"type": "user", "system": "reporter"}),
    SystemField("creator", "Creator", ("creator",), {"type": "user", "system": "creator"}, orderable=False),
    SystemField("status", "Status", ("status",), {"type": "status", "system": "status"}, orderable=False),
    SystemField("issuetype", "Issue Type", ("issuetype", "type"), {"type": "issuetype", "system": "issuetype"}),
    SystemField("project", "Project", ("project",), {"type": "project", "system": "project"}),
    SystemField("duedate", "Due date", ("due", "duedate"), {"type": "date", "system": "duedate"}),
    SystemField(
        "comment",
        "Comment",
        ("comment",),
        {"type": "comments-page", "system": "comment"},
        navigable=False,
    ),
    SystemField("created", "Created", ("created", "createdDate"), {"type": "datetime", "system": "created"}),
    SystemField("updated", "Updated", ("updated", "updatedDate"), {"type": "datetime", "system": "updated"}),
    SystemField("resolution", "Resolution", ("resolution",), {"type": "resolution", "system": "resolution"}),
    SystemField(
        "resolutiondate",
        "Resolved",
        ("resolutiondate", "resolved"),
        {"type": "datetime", "system": "resolutiondate"},
        orderable=False,
    ),
    SystemField(
        "statuscategorychangedate",
        "Status Category Changed",
        ("statusCategoryChangedDate",),
        {"type": "datetime", "system": "statuscategorychangedate"},
        orderable=False,
    ),
    SystemField(
        "issuelinks",
        "Linked Issues",
        ("issueLink",),
        {"type": "array", "items": "issuelinks", "system": "issuelinks"},
    ),
    SystemField("issuekey", "Key", ("id", "issue", "issuekey", "key"), {}, orderable=False),
)
FIELD_IDS: frozenset[str] = frozenset(f.id for f in SYSTEM_FIELDS if f.id != "issuekey")
NAVIGABLE_FIELD_IDS: frozenset[str] = frozenset(f.id for f in SYSTEM_FIELDS if f.navigable and f.id != "issuekey")

RESOLUTION_DONE = ("10000", "Done", "Work has been completed on this issue.")

LINK_TYPES: tuple[LinkType, ...] = (
    LinkType("10000", "Blocks", "is blocked by", "blocks"),
    LinkType("10001", "Cloners", "is cloned by", "clones"),
    LinkType("10002", "Duplicate", "is duplicated by", "duplicates"),
    LinkType("10003", "Relates", "relates to", "relates to"),
)

_PRIORITY_IDS = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}


@dataclass(frozen=True)
class Catalog:
    """Everything about the site that issues refer to; lookups accept a name or an id, as Jira's REST API does."""

    cloud: bool
    version: str
    projects: tuple[Project, ...]
    issue_types: tuple[IssueType, ...]
    priorities: tuple[Priority, ...]
    users: tuple[User, ...]
    workflows: Mapping[str, Workflow]  # by project key
    link_types: tuple[LinkType, ...] = LINK_TYPES
    _users_by_id: Mapping[str, User] = field(default_factory=dict, repr=False)

    @classmethod
    def from_seed(cls, seed: Seed) -> Catalog:
        """The site of ``seed``, as Jira Cloud or Data Center / Server per ``seed.jira.deployment_type``."""
        jira = seed.jira
        statuses = tuple(
            Status(str(10000 + i), name, _category(i, len(jira.workflow.statuses)))
            for i, name in enumerate(jira.workflow.statuses)
        )
        workflow = Workflow.from_table(statuses, [(t.id, t.name, t.to, t.sources) for t in jira.workflow.transitions])
        people = {p.name: p for p in seed.people}
        users = (
            User(BOT_ACCOUNT_ID, BOT_DISPLAY_NAME, jira.email, BOT_USERNAME, "JIRAUSER10000"),
            *(
                User(p.jira_account_id, p.real_name, p.email, p.name, f"JIRAUSER{10001 + i}")
                for i, p in enumerate(seed.people)
            ),
        )
        count = len(jira.priorities)
        return cls(
            cloud=jira.deployment_type == "Cloud",
            version="1001.0.0-SNAPSHOT" if jira.deployment_type == "Cloud" else "9.12.2",
            projects=tuple(
                Project(str(10000 + i), p.key, p.name, people[p.lead].jira_account_id)
                for i, p in enumerate(jira.projects)
            ),
            issue_types=tuple(
                IssueType(str(10001 + i), name, f"A {name.lower()} issue.") for i, name in enumerate(jira.issue_types)
            ),
            priorities=tuple(
                Priority(_PRIORITY_IDS.get(name, str(i + 1)), name, count - i) for i, name in enumerate(jira.priorities)
            ),
            users=users,
            workflows={p.key: workflow for p in jira.projects},
            _users_by_id={u.account_id: u for u in users},
        )

    @property
    def version_numbers(self) -> list[int]:
        return [int(part) for part in self.version.split("-")[0].split(".")]

    def project(self, ref: str) -> Project | None:
        for p in self.projects:
            if ref in (p.id, p.key) or p.key == ref.upper():
                return p
        return None

    def project_by_name(self, name: str) -> Project | None:
        return next((p for p in self.projects if p.name.lower() == name.lower()), None)

    def issue_type(self, ref: str) -> IssueType | None:
        return next((t for t in self.issue_types if ref == t.id or ref.lower() == t.name.lower()), None)

    def priority(self, ref: str) -> Priority | None:
        return next((p for p in self.priorities if ref == p.id or ref.lower() == p.name.lower()), None)

    def user(self, account_id: str) -> User | None:
        return self._users_by_id.get(account_id)

    def user_by_username(self, username: str) -> User | None:
        return next((u for u in self.users if u.username == username), None)

    def user_by_key(self, key: str) -> User | None:
        return next((u for u in self.users if u.key == key), None)

    def user_ref(self, user: User) -> dict[str, str]:
        """How a request names ``user`` in a user field on this flavour: ``accountId`` or (Server/DC) ``name``."""
        return {"accountId": user.account_id} if self.cloud else {"name": user.username}

    def link_type(self, name: str) -> LinkType | None:
        return next((t for t in self.link_types if name.lower() == t.name.lower() or name == t.id), None)

    def workflow(self, project_key: str) -> Workflow:
        return self.workflows[project_key]

    def statuses(self) -> tuple[Status, ...]:
        seen: dict[str, Status] = {}
        for workflow in self.workflows.values():
            for status in workflow.statuses:
                seen.setdefault(status.id, status)
        return tuple(seen.values())

    def status(self, ref: str) -> Status | None:
        return next((s for s in self.statuses() if ref == s.id or ref.lower() == s.name.lower()), None)

    def search_users(self, text: str) -> list[User]:
        """User search: the exact accountId, or a case-insensitive prefix of the email or of any word of the display
        name (and of the user name on Server, where user names exist)."""
        needle = text.strip().lower()
        if not needle:
            return []
        return [
            user
            for user in self.users
            if user.account_id == text.strip()
            or user.email.lower().startswith(needle)
            or any(word.startswith(needle) for word in [user.display_name.lower(), *user.display_name.lower().split()])
            or (not self.cloud and user.username.lower().startswith(needle))
        ]


def _category(index: int, count: int) -> StatusCategory:
    if index == 0:
        return "new"
    if index == count - 1:
        return "done"
    return "indeterminate"
