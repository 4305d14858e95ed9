"""The emulator's records and every write to them: decode, validate, then commit, or refuse as Salesforce does.

A write goes through one pipeline for create, update and upsert: object permission, JSON decoding (unknown field,
wrong JSON type), read-only fields, required fields, restricted picklists, text length, e-mail shape, numeric
range, references (shape, type, existence) and unique external ids. The first failing check answers; nothing is
stored unless every check passes, so a refused write never leaves a half-written record.

Invariants: a record dict holds every field of its ``ObjectSpec`` in JSON-ready form (dates ``YYYY-MM-DD``,
datetimes ``2026-11-20T12:34:56.000+0000``), derived fields agree with their inputs, references hold 18-character
ids, and a deleted record stays in its table with ``IsDeleted = true`` (the recycle bin) where only queryAll sees it.
The store is not thread-safe: the emulator holds its lock around every call.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.salesforce import errors
from sandbox.salesforce.schema import STRING_TYPES, FieldSpec, ObjectSpec, looks_like_id, make_id

Record = dict[str, Any]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def format_datetime(moment: datetime) -> str:
    """Salesforce's datetime format: ``2026-11-20T12:34:56.000+0000`` (always UTC)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


@dataclass(frozen=True)
class Payload:
    """A decoded JSON request body, with where each top-level value ends (for JSON_PARSER_ERROR positions)."""

    values: dict[str, Any]
    ends: dict[str, tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: str) -> Payload:
        if not raw.strip():
            raise errors.body_required()
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise errors.json_syntax_error(exc.msg, exc.lineno, exc.colno) from None
        if not isinstance(data, dict):
            token = "START_ARRAY" if isinstance(data, list) else "VALUE_NULL" if data is None else "VALUE_STRING"
            raise errors.cannot_deserialize("SObject", token, raw.strip()[:1] or "null", 1, 1)
        return cls(data, _value_ends(raw))

    def position(self, key: str) -> tuple[int, int]:
        return self.ends.get(key, (1, 1))


def _value_ends(raw: str) -> dict[str, tuple[int, int]]:
    """Line and column just past each top-level value of a JSON object (the spot Salesforce's parser reports)."""
    decoder = json.JSONDecoder()
    ends: dict[str, tuple[int, int]] = {}
    i = raw.index("{") + 1

    def skip(j: int) -> int:
        while j < len(raw) and raw[j] in " \t\r\n,":
            j += 1
        return j

    while True:
        i = skip(i)
        if i >= len(raw) or raw[i] == "}":
            return ends
        key, i = decoder.raw_decode(raw, i)
        i = skip(i)
        i = skip(i + 1)  # the colon
        _, i = decoder.raw_decode(raw, i)
        line = raw.count("\n", 0, i) + 1
        ends[key] = (line, i - (raw.rfind("\n", 0, i) + 1) + 1)


class MultipleMatches(Exception):
    """An external id names several records; the caller answers 300 with their URLs."""

    def __init__(self, spec: ObjectSpec, record_ids: list[str]) -> None:
        super().__init__(f"{len(record_ids)} {spec.name} records share the external id")
        self.spec = spec
        self.record_ids = record_ids


class RecordStore:
    """Records of every sObject in ``schemas``, keyed by 18-character id, in creation order."""

    def __init__(self, schemas: Mapping[str, ObjectSpec], *, integration_user_id: str) -> None:
        self.schemas = schemas
        self.integration_user_id = integration_user_id
        self._tables: dict[str, dict[str, Record]] = {name: {} for name in schemas}
        self._by_id15: dict[str, tuple[str, str]] = {}  # first 15 characters -> (sObject, 18-character id)
        self._serial = 0

    # --- reads ---------------------------------------------------------------------------------------------------

    def rows(self, sobject: str, *, include_deleted: bool) -> Iterable[Record]:
        return [r for r in self._tables[sobject].values() if include_deleted or not r.get("IsDeleted")]

    def find_any(self, record_id: str) -> tuple[ObjectSpec, Record] | None:
        """The record with this 15- or 18-character id, deleted or not."""
        if not looks_like_id(record_id):
            return None
        hit = self._by_id15.get(record_id[:15])
        if hit is None:
            return None
        sobject, full_id = hit
        return self.schemas[sobject], self._tables[sobject][full_id]

    def lookup(self, record_id: str) -> tuple[ObjectSpec, Record] | None:
        found = self.find_any(record_id)
        if found is None or found[1].get("IsDeleted"):
            return None
        return found

    def existing(self, spec: ObjectSpec, record_id: str) -> Record:
        """The live record ``record_id`` of ``spec`` addressed by URL, or the error Salesforce gives for it."""
        if not looks_like_id(record_id):
            raise errors.external_id_not_found(record_id)
        if record_id[:3] != spec.key_prefix:
            raise errors.malformed_id(f"{spec.label} ID", record_id, ["Id"])
        found = self.find_any(record_id)
        if found is None:
            raise errors.resource_not_found()
        if found[1].get("IsDeleted"):
            raise errors.entity_is_deleted()
        return found[1]

    def by_external_id(self, spec: ObjectSpec, field_name: str, value: str) -> tuple[FieldSpec, list[Record]]:
        """The external-id field called ``field_name`` and the live records whose value equals ``value``."""
        ext = spec.field(field_name)
        if ext is not None and ext.type == "id":
            found = self.lookup(value) if value[:3] == spec.key_prefix else None
            return ext, [found[1]] if found else []
        if ext is None or not ext.external_id:
            raise errors.external_id_not_found(field_name)
        wanted = value.casefold()  # unique external ids are case-insensitive unless marked otherwise
        matches = [
            r for r in self.rows(spec.name, include_deleted=False) if (r.get(ext.name) or "").casefold() == wanted
        ]
        return ext, matches

    # --- writes --------------------------------------------------------------------------------------------------

    def create(
        self,
        spec: ObjectSpec,
        payload: Payload,
        *,
        now: str,
        record_id: str | None = None,
        system: bool = False,
    ) -> str:
        """Insert a record and return its id. ``system`` (seeding only) may set read-only fields."""
        if not spec.createable and not system:
            raise errors.cannot_insert(spec.label)
        values = self._decode(spec, payload)
        if not system:
            self._refuse_read_only(spec, values, lambda f: f.createable)
        record: Record = {f.name: self._initial(f) for f in spec.fields}
        if record_id is None:
            self._serial += 1
            record_id = make_id(spec.key_prefix, self._serial)
        record.update(values)
        record["Id"] = record_id
        self._stamp(spec, record, now, created=True)
        self._derive(spec, record, {*values, "*"})
        self._validate(spec, record, values.keys())
        self._tables[spec.name][record_id] = record
        self._by_id15[record_id[:15]] = (spec.name, record_id)
        return record_id

    def update(self, spec: ObjectSpec, record_id: str, payload: Payload, *, now: str) -> str:
        """Apply ``payload`` to the live record ``record_id`` and return its 18-character id."""
        if not spec.updateable:
            raise errors.cannot_update(spec.label)
        current = self.existing(spec, record_id)
        values = self._decode(spec, payload)
        self._refuse_read_only(spec, values, lambda f: f.updateable)
        return self._apply(spec, current, values, now)

    def upsert(self, spec: ObjectSpec, field_name: str, value: str, payload: Payload, *, now: str) -> tuple[str, bool]:
        """Create or update by external id; returns ``(id, created)``. Several matches answer 300."""
        if not spec.createable or not spec.updateable:
            raise errors.cannot_insert(spec.label)
        ext, matches = self.by_external_id(spec, field_name, value)
        if len(matches) > 1:
            raise MultipleMatches(spec, [r["Id"] for r in matches])
        values = self._decode(spec, payload)
        if ext.name in values and str(values[ext.name]).casefold() != value.casefold():
            raise errors.external_id_mismatch(ext.name, value, values[ext.name])
        if matches:
            self._refuse_read_only(spec, values, lambda f: f.updateable)
            return self._apply(spec, matches[0], values, now), False
        if ext.type == "id":
            raise errors.resource_not_found()
        body = {k: v for k, v in payload.values.items() if spec.field(k) is not ext}
        body[ext.name] = value
        return self.create(spec, Payload(body, payload.ends), now=now), True

    def delete(self, spec: ObjectSpec, record_id: str, *, now: str) -> None:
        """Move the record, and the records that cascade from it, to the recycle bin."""
        if not spec.deletable:
            raise errors.cannot_delete()
        record = self.existing(spec, record_id)
        self._delete(spec, record, now)

    def _delete(self, spec: ObjectSpec, record: Record, now: str) -> None:
        record["IsDeleted"] = True
        self._stamp(spec, record, now, created=False)
        for child_spec in self.schemas.values():
            for f in child_spec.fields:
                if f.cascade_delete and spec.name in f.reference_to:
                    for child in list(self.rows(child_spec.name, include_deleted=False)):
                        if child.get(f.name) == record["Id"]:
                            self._delete(child_spec, child, now)

    # --- the pipeline --------------------------------------------------------------------------------------------

    def _apply(self, spec: ObjectSpec, current: Record, values: dict[str, Any], now: str) -> str:
        candidate = dict(current)
        candidate.update(values)
        self._stamp(spec, candidate, now, created=False)
        self._derive(spec, candidate, set(values))
        self._validate(spec, candidate, values.keys())
        current.update(candidate)
        return str(current["Id"])

    def _initial(self, f: FieldSpec) -> Any:
        if f.name == "OwnerId":
            return self.integration_user_id
        if f.type == "boolean":
            return False
        return f.default

    def _stamp(self, spec: ObjectSpec, record: Record, now: str, *, created: bool) -> None:
        stamps = {"LastModifiedDate": now, "SystemModstamp": now, "LastModifiedById": self.integration_user_id}
        if created:
            stamps |= {"CreatedDate": now, "CreatedById": self.integration_user_id}
        for name, value in stamps.items():
            if spec.field(name) is not None:
                record[name] = value

    def _derive(self, spec: ObjectSpec, record: Record, written: set[str]) -> None:
        for f in spec.fields:
            if f.derive is not None:
                record[f.name] = f.derive(record)
            elif f.default_from is not None:
                source, compute = f.default_from
                if f.name not in written and (source in written or "*" in written):
                    record[f.name] = compute(record)

    def _decode(self, spec: ObjectSpec, payload: Payload) -> dict[str, Any]:
        """Canonical field name → value in stored form; refuses unknown fields and values of the wrong type."""
        out: dict[str, Any] = {}
        for key, raw in payload.values.items():
            if key == "attributes":
                continue
            f = spec.field(key)
            if f is None:
                raise errors.no_such_column_on_sobject(key, spec.name)
            if f.type == "id":
                raise errors.id_in_body()
            out[f.name] = _coerce(f, raw, payload.position(key))
        return out

    def _refuse_read_only(
        self, spec: ObjectSpec, values: Mapping[str, Any], allowed: Callable[[FieldSpec], bool]
    ) -> None:
        refused = [name for name in values if not allowed(_field(spec, name))]
        if refused:
            raise errors.read_only_fields(refused)

    def _validate(self, spec: ObjectSpec, record: Record, written: Iterable[str]) -> None:
        missing = [f.name for f in spec.fields if f.required and record.get(f.name) is None]
        if missing:
            raise errors.required_fields_missing(missing)
        for name in written:
            f = _field(spec, name)
            value = record.get(f.name)
            if value is None:
                continue
            if f.restricted and value not in f.picklist:
                raise errors.bad_restricted_picklist(f.label, value, f.name)
            if f.type in STRING_TYPES and f.type != "reference" and len(value) > f.length:
                raise errors.string_too_long(f.label, value, f.length, f.name)
            if f.type == "email" and not _EMAIL.match(value):
                raise errors.invalid_email(f.label, value, f.name)
            if f.precision and abs(value) >= 10 ** (f.precision - f.scale):
                raise errors.number_out_of_range(f.label, value, f.name)
            if f.type == "reference":
                record[f.name] = self._check_reference(f, value)
            if f.unique:
                self._check_unique(spec, f, record)

    def _check_reference(self, f: FieldSpec, value: str) -> str:
        if not looks_like_id(value):
            raise errors.malformed_id(f.label, value, [f.name])
        prefixes = {self.schemas[name].key_prefix for name in f.reference_to}
        if value[:3] not in prefixes:
            raise errors.reference_of_wrong_type(f.label, value, f.name)
        found = self.find_any(value)
        if found is None:
            raise errors.reference_not_found(value)
        if found[1].get("IsDeleted"):
            raise errors.entity_is_deleted([f.name])
        return str(found[1]["Id"])

    def _check_unique(self, spec: ObjectSpec, f: FieldSpec, record: Record) -> None:
        wanted = str(record[f.name]).casefold()
        for other in self.rows(spec.name, include_deleted=False):
            if other["Id"] != record["Id"] and str(other.get(f.name) or "").casefold() == wanted:
                raise errors.duplicate_value(f.name, other["Id"])

    # --- serialisation -------------------------------------------------------------------------------------------

    def render(
        self, spec: ObjectSpec, record: Record, version: str, *, fields: list[FieldSpec] | None = None
    ) -> Record:
        """The record as ``GET sobjects/{Obj}/{id}`` returns it: ``attributes`` first, then the fields."""
        shown = fields if fields is not None else list(spec.fields)
        out: Record = {"attributes": {"type": spec.name, "url": record_url(spec, record["Id"], version)}}
        for f in shown:
            out[f.name] = copy.deepcopy(record.get(f.name))
        return out


def record_url(spec: ObjectSpec, record_id: str, version: str) -> str:
    return f"/services/data/v{version}/sobjects/{spec.name}/{record_id}"


def _field(spec: ObjectSpec, name: str) -> FieldSpec:
    f = spec.field(name)
    assert f is not None, f"{spec.name} has no field {name!r}"
    return f


# --- value coercion ------------------------------------------------------------------------------------------------

_JSON_TYPE_NAMES = {"currency": "currency", "double": "double", "percent": "percent", "int": "int"}


def _json_token(raw: Any) -> tuple[str, str]:
    if isinstance(raw, bool):
        return ("VALUE_TRUE" if raw else "VALUE_FALSE"), str(raw).lower()
    if isinstance(raw, int):
        return "VALUE_NUMBER_INT", str(raw)
    if isinstance(raw, float):
        return "VALUE_NUMBER_FLOAT", repr(raw)
    if isinstance(raw, dict):
        return "START_OBJECT", "{"
    if isinstance(raw, list):
        return "START_ARRAY", "["
    return "VALUE_STRING", str(raw)


def _coerce(f: FieldSpec, raw: Any, position: tuple[int, int]) -> Any:
    """``raw`` (a decoded JSON value) in the stored form for ``f``, or Salesforce's deserialisation error."""

    def refuse(type_name: str) -> errors.SalesforceError:
        token, text = _json_token(raw)
        return errors.cannot_deserialize(type_name, token, text, *position)

    if raw is None:
        return False if f.type == "boolean" else None
    kind = f.type
    if kind in STRING_TYPES:
        if isinstance(raw, dict | list):
            raise refuse("string")
        text = raw if isinstance(raw, str) else json.dumps(raw)
        return text or None  # Salesforce stores an empty string as null
    if kind in _JSON_TYPE_NAMES:
        if isinstance(raw, bool | dict | list):
            raise refuse(_JSON_TYPE_NAMES[kind])
        if isinstance(raw, str):
            if raw == "":
                return None
            if not _NUMBER_TEXT.match(raw.strip()):
                raise refuse(_JSON_TYPE_NAMES[kind])
        try:
            number = Decimal(str(raw).strip())
        except InvalidOperation:
            raise refuse(_JSON_TYPE_NAMES[kind]) from None
        if kind == "int":
            if number != number.to_integral_value():
                raise errors.value_not_of_required_type(f.label, raw, f.name)
            return int(number)
        return float(round(number, f.scale))
    if kind == "date":
        if not isinstance(raw, str):
            raise refuse("date")
        if raw == "":
            return None
        if not _DATE.match(raw):
            raise refuse("date")
        try:
            date.fromisoformat(raw)
        except ValueError:
            raise refuse("date") from None
        return raw
    if kind == "datetime":
        if not isinstance(raw, str):
            raise refuse("datetime")
        if raw == "":
            return None
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise refuse("datetime") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return format_datetime(moment)
    if kind == "boolean":
        if not isinstance(raw, bool):
            raise refuse("boolean")
        return raw
    raise AssertionError(f"no coercion for field type {kind!r}")
