"""SOQL semantics: bind a parsed ``Query`` to the schemas, type-check it, and evaluate it over stored records.

Binding resolves every field path (``Account.Name``, ``What.Name``) to the chain of reference fields it follows
and the field it ends on, and checks each filter literal against the field's type the way Salesforce does (a
quoted date, an unquoted string, an id that is not an id: all refused before any record is read). Evaluation
is pure: it reads records through the narrow ``RecordSource`` protocol and returns JSON-ready dicts.

Comparison rules follow SOQL: text compares case-insensitively, ids compare on their case-sensitive first 15
characters, ``!=`` and ``NOT IN`` match nulls, date literals cover whole days (``TODAY``, ``LAST_N_DAYS:7``),
datetimes compare in UTC, ascending sorts put nulls first and descending sorts last unless told otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sandbox.salesforce import errors
from sandbox.salesforce.schema import (
    NUMBER_TYPES,
    POLYMORPHIC_SPEC,
    STRING_TYPES,
    FieldSpec,
    ObjectSpec,
    looks_like_id,
)
from sandbox.salesforce.soql import (
    BoolOp,
    Comparison,
    Condition,
    CountAll,
    DateRange,
    InList,
    Like,
    Not,
    Path,
    Query,
    Value,
    parse,
)

MAX_OFFSET = 2000
Record = Mapping[str, Any]
Predicate = Callable[[Record], bool]


class RecordSource(Protocol):
    def rows(self, sobject: str, *, include_deleted: bool) -> Iterable[Record]: ...

    def lookup(self, record_id: str) -> tuple[ObjectSpec, Record] | None:
        """The live record with this id (15 or 18 characters), or None."""
        ...


@dataclass(frozen=True)
class BoundPath:
    """A field path resolved against the schemas: the references it follows and the field it ends on."""

    path: Path
    hops: tuple[FieldSpec, ...]
    field: FieldSpec

    @property
    def canonical(self) -> str:
        return ".".join([*(h.relationship_name or "" for h in self.hops), self.field.name])


@dataclass(frozen=True)
class QueryResult:
    total_size: int
    records: list[dict[str, Any]]


def run_query(
    text: str,
    source: RecordSource,
    schemas: Mapping[str, ObjectSpec],
    *,
    today: date,
    include_deleted: bool,
    version: str,
) -> QueryResult:
    """Parse, bind and evaluate ``text``. Raises ``SoqlError`` / ``SalesforceError`` as Salesforce would."""
    query = parse(text, today=today)
    try:
        plan = _Plan(query, schemas, source)
    except errors.SoqlError as exc:
        raise exc.located(text) from None
    return plan.execute(include_deleted=include_deleted, version=version)


class _Plan:
    def __init__(self, query: Query, schemas: Mapping[str, ObjectSpec], source: RecordSource) -> None:
        self.query = query
        self.schemas = schemas
        self.source = source
        root = next((s for s in schemas.values() if s.name.lower() == query.sobject.lower()), None)
        if root is None or not root.queryable:
            raise errors.sobject_not_supported(query.sobject, query.sobject_pos)
        self.root = root
        self.count_only = any(isinstance(item, CountAll) for item in query.select)
        if self.count_only and len(query.select) > 1:
            raise errors.malformed("COUNT() must be the only item in the SELECT list", query.select[0].pos)
        self.select: list[BoundPath] = []
        seen: set[str] = set()
        for item in query.select:
            if isinstance(item, Path):
                bound = self.bind(item)
                if bound.canonical.lower() in seen:
                    raise errors.duplicate_field_selected(bound.canonical)
                seen.add(bound.canonical.lower())
                self.select.append(bound)
        self.where: Predicate | None = self.compile(query.where) if query.where is not None else None
        self.order = [(self.bind(key.path, sorting=True), key) for key in query.order_by]
        if query.offset is not None and query.offset > MAX_OFFSET:
            raise errors.offset_too_large()

    # binding

    def bind(self, path: Path, *, sorting: bool = False) -> BoundPath:
        parts = list(path.parts)
        offsets = [path.pos]
        for part in parts[:-1]:
            offsets.append(offsets[-1] + len(part) + 1)
        if len(parts) > 1 and parts[0].lower() == self.root.name.lower() and self.root.relationship(parts[0]) is None:
            parts, offsets = parts[1:], offsets[1:]  # "SELECT Account.Name FROM Account" names the root itself
        spec = self.root
        hops: list[FieldSpec] = []
        for part, pos in zip(parts[:-1], offsets[:-1], strict=True):
            ref = spec.relationship(part)
            if ref is None:
                raise errors.unknown_relationship(part, pos)
            hops.append(ref)
            spec = POLYMORPHIC_SPEC if ref.polymorphic else self.schemas[ref.reference_to[0]]
        field = spec.field(parts[-1])
        if field is None:
            raise errors.no_such_column(parts[-1], spec.name, offsets[-1])
        if sorting and not field.sortable:
            raise errors.cannot_sort(field.name, offsets[-1])
        return BoundPath(path, tuple(hops), field)

    # filters

    def compile(self, cond: Condition) -> Predicate:
        if isinstance(cond, BoolOp):
            parts = [self.compile(c) for c in cond.operands]
            if cond.op == "AND":
                return lambda r: all(p(r) for p in parts)
            return lambda r: any(p(r) for p in parts)
        if isinstance(cond, Not):
            inner = self.compile(cond.operand)
            return lambda r: not inner(r)
        bound = self.bind(cond.path)
        if not bound.field.filterable:
            raise errors.cannot_filter(bound.field.name, cond.path.pos)
        getter = self.getter(bound)
        field = bound.field
        if isinstance(cond, Comparison):
            test = _comparison(field, cond.op, _literal(field, cond.value))
            return lambda r: test(_normalise(field, getter(r)))
        if isinstance(cond, InList):
            wanted = [_literal(field, v) for v in cond.values]
            equal = [_comparison(field, "=", w) for w in wanted]
            if cond.negated:
                return lambda r: not any(t(_normalise(field, getter(r))) for t in equal)
            return lambda r: any(t(_normalise(field, getter(r))) for t in equal)
        if isinstance(cond, Like):
            if field.type not in STRING_TYPES:
                raise errors.invalid_operator(field.name, cond.path.pos)
            pattern = _like_regex(cond.pattern.raw)
            return lambda r: isinstance(v := getter(r), str) and pattern.fullmatch(v) is not None
        raise AssertionError(f"unknown condition node {cond!r}")

    def getter(self, bound: BoundPath) -> Callable[[Record], Any]:
        def get(record: Record) -> Any:
            current = record
            for hop in bound.hops:
                found = self._follow(current, hop)
                if found is None:
                    return None
                current = found[1]
            return current.get(bound.field.name)

        return get

    def _follow(self, record: Record, hop: FieldSpec) -> tuple[ObjectSpec, Record] | None:
        """The record ``hop`` points at (as the "Name" view for a polymorphic hop) and its real sObject."""
        target_id = record.get(hop.name)
        found = self.source.lookup(target_id) if target_id else None
        if found is None:
            return None
        spec, target = found
        return (spec, _polymorphic_view(spec, target) if hop.polymorphic else target)

    # evaluation

    def execute(self, *, include_deleted: bool, version: str) -> QueryResult:
        rows = list(self.source.rows(self.root.name, include_deleted=include_deleted))
        if self.where is not None:
            rows = [r for r in rows if self.where(r)]
        for bound, key in reversed(self.order):
            get = self.getter(bound)
            rows.sort(key=_sort_key(bound.field, get, key.descending, key.nulls_first), reverse=key.descending)
        if self.query.offset:
            rows = rows[self.query.offset :]
        if self.query.limit is not None:
            rows = rows[: self.query.limit]
        if self.count_only:
            return QueryResult(len(rows), [])
        return QueryResult(len(rows), [self.serialise(r, version) for r in rows])

    def serialise(self, record: Record, version: str) -> dict[str, Any]:
        out = _with_attributes(self.root.name, self.root.name, record["Id"], version)
        for bound in self.select:
            self._place(out, record, bound.hops, bound.field, version)
        return out

    def _place(
        self, node: dict[str, Any], record: Record, hops: tuple[FieldSpec, ...], field: FieldSpec, version: str
    ) -> None:
        """Write ``field`` into ``node``, creating one nested object per relationship hop (null when unset)."""
        if not hops:
            node[field.name] = record.get(field.name)
            return
        hop = hops[0]
        key = hop.relationship_name or hop.name
        found = self._follow(record, hop)
        if key not in node:
            if found is None:
                node[key] = None
            else:
                spec, target = found
                shown_type = POLYMORPHIC_SPEC.name if hop.polymorphic else spec.name
                node[key] = _with_attributes(shown_type, spec.name, target["Id"], version)
        if node[key] is not None and found is not None:
            self._place(node[key], found[1], hops[1:], field, version)


def _with_attributes(shown_type: str, real_type: str, record_id: str, version: str) -> dict[str, Any]:
    return {"attributes": {"type": shown_type, "url": f"/services/data/v{version}/sobjects/{real_type}/{record_id}"}}


def _polymorphic_view(spec: ObjectSpec, record: Record) -> dict[str, Any]:
    view = {f.name: record.get(f.name) for f in POLYMORPHIC_SPEC.fields}
    view["Type"] = spec.name
    return view


# --- literals and comparisons ----------------------------------------------------------------------------------

_TYPE_WORDS = {"currency": "double", "double": "double", "percent": "double", "int": "integer"}


def _literal(field: FieldSpec, value: Value) -> Any:
    """The filter literal in the same normal form as ``_normalise`` gives stored values, or a SoqlError."""
    if value.kind == "null":
        return None
    kind = field.type
    if kind in STRING_TYPES:
        if value.kind != "string":
            raise errors.filter_type_mismatch(field.name, "string", quoted=True, position=value.pos)
        text = str(value.value)
        if kind in ("id", "reference"):
            if not looks_like_id(text):
                raise errors.invalid_id_filter(text, value.pos)
            return text[:15]
        return text.casefold()
    if kind in NUMBER_TYPES:
        if value.kind != "number":
            raise errors.filter_type_mismatch(field.name, _TYPE_WORDS[kind], quoted=False, position=value.pos)
        return value.value
    if kind == "boolean":
        if value.kind != "boolean":
            raise errors.filter_type_mismatch(field.name, "boolean", quoted=False, position=value.pos)
        return value.value
    if kind == "date":
        if value.kind != "date":
            raise errors.filter_type_mismatch(field.name, "date", quoted=False, position=value.pos)
        return value.value
    if kind == "datetime":
        relative = value.kind == "date" and not re.match(r"\d", value.raw)
        if value.kind != "datetime" and not relative:
            raise errors.filter_type_mismatch(field.name, "dateTime", quoted=False, position=value.pos)
        return value.value
    raise AssertionError(f"no literal rule for field type {kind!r}")


def _normalise(field: FieldSpec, stored: Any) -> Any:
    if stored is None:
        return None
    kind = field.type
    if kind in ("id", "reference"):
        return str(stored)[:15]
    if kind in STRING_TYPES:
        return str(stored).casefold()
    if kind in NUMBER_TYPES:
        return float(stored)
    if kind == "date":
        return date.fromisoformat(stored)
    if kind == "datetime":
        return parse_sf_datetime(stored)
    return stored


def parse_sf_datetime(text: str) -> datetime:
    """Parse Salesforce's ``2026-11-20T12:34:56.000+0000``."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)


def _comparison(field: FieldSpec, op: str, wanted: Any) -> Callable[[Any], bool]:
    if wanted is None:
        if op == "=":
            return lambda v: v is None
        if op == "!=":
            return lambda v: v is not None
        return lambda v: False
    if isinstance(wanted, DateRange):
        first, last = wanted.first, wanted.last

        def day_of(v: Any) -> date:
            return v.date() if isinstance(v, datetime) else v

        tests: dict[str, Callable[[date], bool]] = {
            "=": lambda d: first <= d <= last,
            "!=": lambda d: not first <= d <= last,
            "<": lambda d: d < first,
            "<=": lambda d: d <= last,
            ">": lambda d: d > last,
            ">=": lambda d: d >= first,
        }
        test = tests[op]
        return lambda v: (op == "!=") if v is None else test(day_of(v))
    ops: dict[str, Callable[[Any, Any], bool]] = {
        "=": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    compare = ops[op]
    return lambda v: (op == "!=") if v is None else compare(v, wanted)


def _like_regex(raw: str) -> re.Pattern[str]:
    """Compile a LIKE pattern from the literal's source text: ``%`` any run, ``_`` one character, ``\\%`` a %."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            if nxt == "u":
                out.append(re.escape(chr(int(raw[i + 2 : i + 6], 16))))
                i += 6
                continue
            decoded = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}.get(nxt, nxt)
            out.append(re.escape(decoded))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _sort_key(
    field: FieldSpec, get: Callable[[Record], Any], descending: bool, nulls_first: bool
) -> Callable[[Record], tuple[int, Any]]:
    # reverse=True flips the null rank too, so pick the rank that lands nulls where asked after the flip.
    null_rank = 0 if nulls_first != descending else 1

    def key(record: Record) -> tuple[int, Any]:
        value = _normalise(field, get(record))
        if value is None:
            return (null_rank, None)
        return (1 - null_rank, value)

    return key
