"""JQL meaning: which fields exist, which operators and values each accepts, and how a query selects and orders
issues.

``compile_query`` validates a parsed query the way Jira does before it runs (unknown field, unsupported operator,
a value that does not exist) and returns a ``CompiledQuery``; every error is a 400 ``JiraError`` in Jira's
wording. Adding a searchable field is one entry in ``JQL_FIELDS``.

Semantics kept from Jira: ``!=`` and ``NOT IN`` never match an issue whose field is empty (``assignee != bob``
skips unassigned issues); ``~`` is a case-insensitive word match with ``*`` / ``?`` wildcards and a light stem;
``= EMPTY`` means ``IS EMPTY``; empty values sort last in ascending order; without ORDER BY the order is
``key DESC``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sandbox.jira import jql
from sandbox.jira import messages as msg
from sandbox.jira.catalog import STATUS_CATEGORIES, Catalog
from sandbox.jira.messages import JiraError
from sandbox.jira.state import KEY_PATTERN, Issue, JiraState

Kind = Literal[
    "project", "key", "labels", "status", "category", "user", "text", "type", "priority", "date", "resolution"
]
Predicate = Callable[[Issue], bool]

EQUALITY: frozenset[jql.Operator] = frozenset({"=", "!=", "in", "not in"})
EMPTINESS: frozenset[jql.Operator] = frozenset({"is", "is not"})
ORDERING: frozenset[jql.Operator] = frozenset({"<", ">", "<=", ">="})
TEXT: frozenset[jql.Operator] = frozenset({"~", "!~"})


@dataclass(frozen=True)
class SearchContext:
    catalog: Catalog
    state: JiraState
    me: str  # accountId behind currentUser()
    now: datetime


@dataclass(frozen=True)
class JqlField:
    name: str
    kind: Kind
    operators: frozenset[jql.Operator]
    values: Callable[[Issue, SearchContext], list[Any]]
    sort: Callable[[Issue, SearchContext], Any] | None = None


def _text_of(*names: str) -> Callable[[Issue, SearchContext], list[Any]]:
    def values(issue: Issue, ctx: SearchContext) -> list[Any]:
        parts: list[str] = []
        for name in names:
            if name == "comment":
                parts.extend(c.body for c in issue.comments)
            else:
                value = getattr(issue, name)
                if value:
                    parts.append(value)
        return ["\n".join(parts)] if parts else []

    return values


def _key_sort(issue: Issue, ctx: SearchContext) -> tuple[str, int]:
    project, number = issue.key.rsplit("-", 1)
    return project, int(number)


def _priority_rank(issue: Issue, ctx: SearchContext) -> int:
    priority = ctx.catalog.priority(issue.priority)
    return priority.rank if priority else 0


def _due(issue: Issue, ctx: SearchContext) -> list[Any]:
    return [datetime.combine(date.fromisoformat(issue.duedate), datetime.min.time(), UTC)] if issue.duedate else []


def _status_order(issue: Issue, ctx: SearchContext) -> int:
    statuses = ctx.catalog.workflow(issue.project).statuses
    return next(i for i, s in enumerate(statuses) if s.name == issue.status)


def _user_name(attribute: str) -> Callable[[Issue, SearchContext], Any]:
    def sort(issue: Issue, ctx: SearchContext) -> Any:
        user = ctx.catalog.user(getattr(issue, attribute) or "")
        return user.display_name.lower() if user else None

    return sort


def _one(attribute: str) -> Callable[[Issue, SearchContext], list[Any]]:
    def values(issue: Issue, ctx: SearchContext) -> list[Any]:
        value = getattr(issue, attribute)
        return [] if value is None else [value]

    return values


def _first(values: Callable[[Issue, SearchContext], list[Any]]) -> Callable[[Issue, SearchContext], Any]:
    return lambda issue, ctx: next(iter(values(issue, ctx)), None)


_project = JqlField("project", "project", EQUALITY, _one("project"), _first(_one("project")))
_key = JqlField("key", "key", EQUALITY | ORDERING, lambda i, c: [i.id], _key_sort)
_type = JqlField("issuetype", "type", EQUALITY, _one("issue_type"), _first(_one("issue_type")))
_created = JqlField("created", "date", EQUALITY | ORDERING | EMPTINESS, _one("created"), _first(_one("created")))
_updated = JqlField("updated", "date", EQUALITY | ORDERING | EMPTINESS, _one("updated"), _first(_one("updated")))
_resolved = JqlField(
    "resolutiondate", "date", EQUALITY | ORDERING | EMPTINESS, _one("resolution_date"), _first(_one("resolution_date"))
)
_due_field = JqlField("duedate", "date", EQUALITY | ORDERING | EMPTINESS, _due, _first(_due))

JQL_FIELDS: dict[str, JqlField] = {
    "project": _project,
    "key": _key,
    "issuekey": _key,
    "id": _key,
    "issue": _key,
    "labels": JqlField("labels", "labels", EQUALITY | EMPTINESS, lambda i, c: list(i.labels)),
    "status": JqlField("status", "status", EQUALITY, _one("status"), _status_order),
    "statuscategory": JqlField("statusCategory", "category", EQUALITY, lambda i, c: [_category(i, c)]),
    "assignee": JqlField("assignee", "user", EQUALITY | EMPTINESS, _one("assignee"), _user_name("assignee")),
    "reporter": JqlField("reporter", "user", EQUALITY | EMPTINESS, _one("reporter"), _user_name("reporter")),
    "creator": JqlField("creator", "user", EQUALITY | EMPTINESS, _one("creator"), _user_name("creator")),
    "summary": JqlField("summary", "text", TEXT, _text_of("summary"), lambda i, c: i.summary.lower()),
    "description": JqlField("description", "text", TEXT | EMPTINESS, _text_of("description")),
    "comment": JqlField("comment", "text", TEXT, _text_of("comment")),
    "text": JqlField("text", "text", TEXT, _text_of("summary", "description", "comment")),
    "issuetype": _type,
    "type": _type,
    "priority": JqlField("priority", "priority", EQUALITY | ORDERING | EMPTINESS, _one("priority"), _priority_rank),
    "resolution": JqlField(
        "resolution", "resolution", EQUALITY | EMPTINESS, _one("resolution"), _first(_one("resolution"))
    ),
    "created": _created,
    "createddate": _created,
    "updated": _updated,
    "updateddate": _updated,
    "resolutiondate": _resolved,
    "resolved": _resolved,
    "duedate": _due_field,
    "due": _due_field,
}


def _category(issue: Issue, ctx: SearchContext) -> str:
    return ctx.catalog.workflow(issue.project).status(issue.status).category


@dataclass(frozen=True)
class CompiledQuery:
    predicate: Predicate
    order: tuple[tuple[JqlField, bool], ...]  # (field, descending)
    bounded: bool

    def run(self, issues: Sequence[Issue], ctx: SearchContext) -> list[Issue]:
        hits = [issue for issue in issues if self.predicate(issue)]
        order = self.order or ((_key, True),)
        # Stable sorts from the last key to the first give a multi-key order with per-key direction.
        for field, descending in reversed(order):
            assert field.sort is not None
            sort = field.sort
            present = [i for i in hits if sort(i, ctx) is not None]
            missing = [i for i in hits if sort(i, ctx) is None]
            present.sort(key=lambda i, s=sort: s(i, ctx), reverse=descending)  # type: ignore[misc]
            hits = missing + present if descending else present + missing
        return hits


def compile_query(query: jql.Query, ctx: SearchContext) -> CompiledQuery:
    """Validate ``query`` against the site and turn it into a predicate and an order; 400 on any JQL error."""
    predicate: Predicate = _compile(query.where, ctx) if query.where is not None else (lambda issue: True)
    order = []
    for key in query.order_by:
        field = JQL_FIELDS.get(key.field.lower())
        if field is None:
            raise msg.bad_request(msg.jql_field_unknown(key.field))
        if field.sort is None:
            raise msg.bad_request(msg.jql_not_orderable(key.field))
        order.append((field, key.descending))
    return CompiledQuery(predicate, tuple(order), bounded=query.where is not None)


def parse_query(text: str) -> jql.Query:
    try:
        return jql.parse(text)
    except jql.JqlSyntaxError as exc:
        raise msg.bad_request(str(exc)) from None


def _compile(node: jql.Node, ctx: SearchContext) -> Predicate:
    if isinstance(node, jql.And):
        parts = [_compile(p, ctx) for p in node.parts]
        return lambda issue: all(p(issue) for p in parts)
    if isinstance(node, jql.Or):
        parts = [_compile(p, ctx) for p in node.parts]
        return lambda issue: any(p(issue) for p in parts)
    if isinstance(node, jql.Not):
        inner = _compile(node.part, ctx)
        return lambda issue: not inner(issue)
    return _clause(node, ctx)


def _clause(clause: jql.Clause, ctx: SearchContext) -> Predicate:
    field = JQL_FIELDS.get(clause.field.lower())
    if field is None:
        raise msg.bad_request(msg.jql_field_unknown(clause.field))
    operator, operand = clause.operator, clause.operand
    if isinstance(operand, jql.Empty) and operator in ("=", "!="):
        operator = "is" if operator == "=" else "is not"
    if operator in ("in", "not in") and isinstance(operand, jql.Value):  # Jira checks the operand's shape first
        raise msg.bad_request(msg.jql_non_list(operator, operand.text, clause.field))
    if operator not in field.operators:
        shown = operator.upper() if operator[0].isalpha() else operator
        raise msg.bad_request(msg.jql_operator_unsupported(shown, clause.field))
    if operator in EMPTINESS:
        if not isinstance(operand, jql.Empty):
            raise msg.bad_request(msg.jql_empty_only(operator.upper(), clause.field))
        empty = operator == "is"
        return lambda issue: (not field.values(issue, ctx)) == empty
    items = _items(operator, operand, clause.field)
    if operator in TEXT:
        needles = [_literal(item, clause.field) for item in items]
        positive = operator == "~"
        return lambda issue: (
            any(_text_matches(hay, needle) for hay in field.values(issue, ctx) for needle in needles) == positive
        )
    wanted = [_resolve(field, item, clause.field, ctx) for item in items]
    if operator in ORDERING:
        return _ordering(field, operator, wanted[0], ctx)
    want_empty = None in wanted
    targets = {w for w in wanted if w is not None}
    if field.kind == "labels":
        targets = {str(t).lower() for t in targets}

    def present(issue: Issue) -> list[Any]:
        values = field.values(issue, ctx)
        return [str(v).lower() for v in values] if field.kind == "labels" else values

    if operator in ("=", "in"):
        return lambda issue: bool(targets.intersection(present(issue))) or (want_empty and not present(issue))
    return lambda issue: bool(present(issue)) and not targets.intersection(present(issue))


def _items(operator: jql.Operator, operand: jql.Operand, field: str) -> list[jql.Value | jql.Function | jql.Empty]:
    if operator in ("in", "not in"):
        return list(operand.items) if isinstance(operand, jql.ValueList) else [operand]
    if isinstance(operand, jql.ValueList):
        raise msg.bad_request(msg.jql_list_unsupported(operator, field))
    return [operand]


def _literal(item: jql.Value | jql.Function | jql.Empty, field: str) -> str:
    if isinstance(item, jql.Value):
        return item.text
    if isinstance(item, jql.Function):
        raise msg.bad_request(msg.jql_function_unknown(f"{item.name}({', '.join(item.arguments)})"))
    raise msg.bad_request(msg.jql_operator_unsupported("~", field))


def _resolve(field: JqlField, item: jql.Value | jql.Function | jql.Empty, written: str, ctx: SearchContext) -> Any:
    """The canonical stored value an operand means for ``field`` (None for EMPTY); 400 if it does not exist."""
    if isinstance(item, jql.Empty):
        return None
    if isinstance(item, jql.Function):
        return _function(field, item, ctx)
    text = item.text
    catalog = ctx.catalog
    found: Any = None
    if field.kind == "project":
        project = catalog.project(text) or catalog.project_by_name(text)
        found = project.key if project else None
    elif field.kind == "key":
        if not (text.isdigit() or KEY_PATTERN.match(text)):
            raise msg.bad_request(msg.jql_issue_key_invalid(text, written))
        issue = ctx.state.get(text)
        if issue is None:
            raise msg.bad_request(msg.jql_issue_missing(text, written))
        return issue.id
    elif field.kind == "labels":
        return text
    elif field.kind == "status":
        status = catalog.status(text)
        found = status.name if status else None
    elif field.kind == "category":
        found = next(
            (
                key
                for key, (cid, ckey, _, name) in STATUS_CATEGORIES.items()
                if text.lower() in (str(cid), ckey, name.lower())
            ),
            None,
        )
    elif field.kind == "user":
        found = _user(text, ctx)
    elif field.kind == "type":
        issue_type = catalog.issue_type(text)
        found = issue_type.name if issue_type else None
    elif field.kind == "priority":
        priority = catalog.priority(text)
        found = priority.name if priority else None
    elif field.kind == "resolution":
        if text.lower() == "unresolved":
            return None
        found = "Done" if text.lower() in ("done", "10000") else None
    elif field.kind == "date":
        return _date(text, written, ctx.now)
    if found is None:
        raise msg.bad_request(msg.jql_value_unknown(text, written))
    return found


def _user(text: str, ctx: SearchContext) -> str | None:
    for user in ctx.catalog.users:
        if text in (user.account_id,) or text.lower() in (user.email.lower(), user.display_name.lower()):
            return user.account_id
        if not ctx.catalog.cloud and text in (user.username, user.key):
            return user.account_id
    return None


def _function(field: JqlField, call: jql.Function, ctx: SearchContext) -> Any:
    name = call.name.lower()
    if name == "currentuser" and field.kind == "user":
        return ctx.me
    if field.kind == "date":
        day = datetime.combine(ctx.now.date(), datetime.min.time(), UTC)
        if name == "now":
            return ctx.now
        if name == "startofday":
            return day
        if name == "endofday":
            return day + timedelta(days=1) - timedelta(milliseconds=1)
    raise msg.bad_request(msg.jql_function_unknown(f"{call.name}({', '.join(call.arguments)})"))


_PERIOD = re.compile(r"^([-+]?)((?:\d+[wdhm]\s*)+)$")
_PERIOD_PART = re.compile(r"(\d+)([wdhm])")
_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


def _date(text: str, field: str, now: datetime) -> datetime:
    period = _PERIOD.match(text.strip())
    if period:
        delta = sum((int(n) * _UNITS[u] for n, u in _PERIOD_PART.findall(period.group(2))), timedelta())
        return now - delta if period.group(1) == "-" else now + delta
    for pattern in ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise msg.bad_request(msg.jql_date_invalid(text, field))


def _ordering(field: JqlField, operator: jql.Operator, bound: Any, ctx: SearchContext) -> Predicate:
    if bound is None:
        raise JiraError(400, [msg.jql_empty_only(operator, field.name)])

    def key(issue: Issue) -> Any:
        if field.kind == "priority":
            return _priority_rank(issue, ctx)
        if field.kind == "key":
            return issue.id
        return next(iter(field.values(issue, ctx)), None)

    limit: Any = bound
    if field.kind == "priority":
        priority = ctx.catalog.priority(bound)
        limit = priority.rank if priority else 0
    compare: dict[str, Callable[[Any, Any], bool]] = {
        "<": lambda a, b: a < b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        ">=": lambda a, b: a >= b,
    }
    test = compare[operator]
    return lambda issue: (value := key(issue)) is not None and test(value, limit)


_WORD = re.compile(r"[\w]+", re.UNICODE)
_TERM = re.compile(r"[\w*?]+", re.UNICODE)


def _stems(word: str) -> set[str]:
    """A light English stem: the word and its forms without a plural, -ed, -ing or final -e ("charges" ~ "charge")."""
    forms = {word}
    for suffix in ("ing", "ed", "es", "s", "e"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix) and not word.endswith("ss"):
            forms.add(word[: -len(suffix)])
    return forms


def _text_matches(haystack: str, needle: str) -> bool:
    """Jira's ``~``: every term of ``needle`` matches a word of ``haystack`` (case-insensitive, ``*``/``?``
    wildcards, a light stem); a needle in double quotes inside the value is a phrase."""
    text = haystack.lower()
    stripped = needle.strip()
    if len(stripped) > 1 and stripped.startswith('"') and stripped.endswith('"'):
        phrase = " ".join(_WORD.findall(stripped[1:-1].lower()))
        return bool(phrase) and phrase in " ".join(_WORD.findall(text))
    terms = _TERM.findall(needle.lower())
    if not terms:
        return False
    words = _WORD.findall(text)
    stems = set().union(*(_stems(w) for w in words)) if words else set()
    for term in terms:
        if "*" in term or "?" in term:
            pattern = re.compile("^" + re.escape(term).replace(r"\*", r"\w*").replace(r"\?", r"\w") + "$")
            if not any(pattern.match(w) for w in words):
                return False
        elif not _stems(term) & stems:
            return False
    return True
