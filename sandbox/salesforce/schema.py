"""The sObjects the Salesforce emulator serves, as data: one ``ObjectSpec`` per object, one ``FieldSpec`` per field.

Everything else in the emulator (describe, validation of writes, SOQL binding, record serialisation) reads these
tables, so adding an sObject is one more ``ObjectSpec`` in ``build_schemas`` and adding a field is one more
``FieldSpec``. Labels, lengths, picklist values and key prefixes are the ones a fresh Salesforce org has.

Invariants: specs are immutable; a field's ``derive`` depends only on the record's stored values, so a record
never holds a derived value that disagrees with its inputs. Ids are 18 characters: the 15-character
case-sensitive id followed by the 3-character checksum of its capitalisation.

The module also owns the id helpers (shape check, checksum, key prefix), since ids are part of the schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Literal

FieldType = Literal[
    "id",
    "string",
    "textarea",
    "email",
    "phone",
    "picklist",
    "combobox",
    "reference",
    "currency",
    "double",
    "percent",
    "int",
    "date",
    "datetime",
    "boolean",
]

STRING_TYPES: frozenset[str] = frozenset(
    {"id", "string", "textarea", "email", "phone", "picklist", "combobox", "reference"}
)
NUMBER_TYPES: frozenset[str] = frozenset({"currency", "double", "percent", "int"})

SOAP_TYPES: Mapping[str, str] = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "currency": "xsd:double",
    "double": "xsd:double",
    "percent": "xsd:double",
    "int": "xsd:int",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "boolean": "xsd:boolean",
}

Derivation = Callable[[Mapping[str, Any]], Any]

# The entity behind a polymorphic relationship (What, Who): SOQL sees it as the pseudo-object "Name".
POLYMORPHIC_ENTITY = "Name"


@dataclass(frozen=True)
class FieldSpec:
    """One field of an sObject, with the properties describe reports and validation enforces."""

    name: str
    type: FieldType
    label: str
    _: KW_ONLY
    length: int = 0
    precision: int = 0
    scale: int = 0
    required: bool = False  # REQUIRED_FIELD_MISSING when null after defaults
    createable: bool = True
    updateable: bool = True
    defaulted_on_create: bool = False
    default: Any = None
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    child_relationship_name: str | None = None  # the parent's name for the list of children (Account.Contacts)
    cascade_delete: bool = False  # deleting the parent deletes this record
    external_id: bool = False
    unique: bool = False
    filterable: bool = True
    sortable: bool = True
    derive: Derivation | None = None  # read-only, recomputed on every write
    default_from: tuple[str, Derivation] | None = None  # reset when the source field changes, unless also written

    @property
    def nillable(self) -> bool:
        return not self.required and self.type not in ("id", "boolean")

    @property
    def polymorphic(self) -> bool:
        return len(self.reference_to) > 1

    @property
    def calculated(self) -> bool:
        return self.derive is not None

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "soapType": SOAP_TYPES.get(self.type, "xsd:string"),
            "length": self.length,
            "precision": self.precision,
            "scale": self.scale,
            "digits": 0,
            "byteLength": self.length * 3,
            "nillable": self.nillable,
            "createable": self.createable,
            "updateable": self.updateable,
            "defaultedOnCreate": self.defaulted_on_create or self.default is not None,
            "defaultValue": self.default if self.type != "picklist" else None,
            "calculated": self.calculated,
            "custom": self.name.endswith("__c"),
            "externalId": self.external_id,
            "unique": self.unique,
            "caseSensitive": False,
            "idLookup": self.type == "id" or self.external_id,
            "filterable": self.filterable,
            "sortable": self.sortable,
            "groupable": self.filterable and self.type not in ("currency", "double", "percent", "datetime"),
            "restrictedPicklist": self.restricted,
            "picklistValues": [
                {
                    "value": value,
                    "label": value,
                    "active": True,
                    "defaultValue": value == self.default,
                    "validFor": None,
                }
                for value in self.picklist
            ],
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
            "polymorphicForeignKey": self.polymorphic,
            "cascadeDelete": self.cascade_delete,
        }


@dataclass(frozen=True)
class ObjectSpec:
    """One sObject: its identity, what the integration user may do with it, and its fields."""

    name: str
    label: str
    label_plural: str
    key_prefix: str
    fields: tuple[FieldSpec, ...]
    _: KW_ONLY
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    queryable: bool = True
    _by_lower: dict[str, FieldSpec] = field(init=False, repr=False, compare=False)
    _by_relationship: dict[str, FieldSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_lower", {f.name.lower(): f for f in self.fields})
        object.__setattr__(
            self,
            "_by_relationship",
            {f.relationship_name.lower(): f for f in self.fields if f.relationship_name},
        )

    def field(self, name: str) -> FieldSpec | None:
        """The field called ``name``, matched case-insensitively as Salesforce does."""
        return self._by_lower.get(name.lower())

    def relationship(self, name: str) -> FieldSpec | None:
        """The reference field whose relationship is called ``name`` (``Account`` → ``AccountId``)."""
        return self._by_relationship.get(name.lower())

    @property
    def external_id_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.external_id)

    def summary(self, version: str) -> dict[str, Any]:
        base = f"/services/data/v{version}/sobjects/{self.name}"
        return {
            "name": self.name,
            "label": self.label,
            "labelPlural": self.label_plural,
            "keyPrefix": self.key_prefix,
            "custom": False,
            "createable": self.createable,
            "updateable": self.updateable,
            "deletable": self.deletable,
            "queryable": self.queryable,
            "retrieveable": True,
            "searchable": True,
            "undeletable": self.deletable,
            "urls": {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"},
        }

    def describe(self, version: str, children: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            **self.summary(version),
            "fields": [f.describe() for f in self.fields],
            "childRelationships": children,
            "recordTypeInfos": [],
        }


# --- ids -------------------------------------------------------------------------------------------------------

_ID_SHAPE = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def looks_like_id(value: str) -> bool:
    """True for a 15- or 18-character alphanumeric string, the shape Salesforce accepts as an id."""
    return bool(_ID_SHAPE.match(value))


def id_checksum(id15: str) -> str:
    """The 3-character suffix that makes a 15-character id case-insensitively unique."""
    suffix = ""
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        suffix += _CHECKSUM_ALPHABET[bits]
    return suffix


def make_id(key_prefix: str, serial: int) -> str:
    """A new 18-character id. The ``00001`` block keeps generated ids apart from the seed's ``00000`` ones."""
    digits = ""
    n = serial
    for _ in range(5):
        n, rem = divmod(n, 62)
        digits = _BASE62[rem] + digits
    id15 = f"{key_prefix}5g00001{digits}"
    return id15 + id_checksum(id15)


# --- the objects ---------------------------------------------------------------------------------------------

OPPORTUNITY_STAGES: Mapping[str, int] = {
    "Prospecting": 10,
    "Qualification": 10,
    "Needs Analysis": 20,
    "Value Proposition": 50,
    "Id. Decision Makers": 60,
    "Perception Analysis": 70,
    "Proposal/Price Quote": 75,
    "Negotiation/Review": 90,
    "Closed Won": 100,
    "Closed Lost": 0,
}
CLOSED_STAGES: frozenset[str] = frozenset({"Closed Won", "Closed Lost"})
TASK_STATUSES: tuple[str, ...] = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
CLOSED_TASK_STATUSES: frozenset[str] = frozenset({"Completed"})

INDUSTRIES: tuple[str, ...] = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications", "Construction",
    "Consulting", "Education", "Electronics", "Energy", "Engineering", "Entertainment", "Environmental",
    "Finance", "Food & Beverage", "Government", "Healthcare", "Hospitality", "Insurance", "Machinery",
    "Manufacturing", "Media", "Not For Profit", "Recreation", "Retail", "Shipping", "Technology",
    "Telecommunications", "Transportation", "Utilities", "Other",
)  # fmt: skip
ACCOUNT_TYPES: tuple[str, ...] = (
    "Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller", "Installation Partner",
    "Technology Partner", "Other",
)  # fmt: skip


def _full_name(record: Mapping[str, Any]) -> str | None:
    parts = [record.get("FirstName"), record.get("LastName")]
    name = " ".join(p for p in parts if p)
    return name or None


def _read_only(name: str, kind: FieldType, label: str, *, length: int = 0, required: bool = False) -> FieldSpec:
    return FieldSpec(name, kind, label, length=length, required=required, createable=False, updateable=False)


def _id_field() -> FieldSpec:
    return FieldSpec("Id", "id", "Record ID", length=18, createable=False, updateable=False)


def _owner_field(label: str = "Owner ID") -> FieldSpec:
    return FieldSpec(
        "OwnerId", "reference", label, length=18, required=True, defaulted_on_create=True,
        reference_to=("User",), relationship_name="Owner",
    )  # fmt: skip


def _external_id_field(name: str) -> FieldSpec:
    return FieldSpec(name, "string", "Followthrough Action ID", length=255, external_id=True, unique=True)


def _audit_fields() -> tuple[FieldSpec, ...]:
    def stamp(name: str, label: str) -> FieldSpec:
        return FieldSpec(name, "datetime", label, createable=False, updateable=False, required=True)

    def by(name: str, label: str, relationship: str) -> FieldSpec:
        return FieldSpec(
            name, "reference", label, length=18, createable=False, updateable=False, required=True,
            reference_to=("User",), relationship_name=relationship,
        )  # fmt: skip

    return (
        stamp("CreatedDate", "Created Date"),
        by("CreatedById", "Created By ID", "CreatedBy"),
        stamp("LastModifiedDate", "Last Modified Date"),
        by("LastModifiedById", "Last Modified By ID", "LastModifiedBy"),
        stamp("SystemModstamp", "System Modstamp"),
        FieldSpec("IsDeleted", "boolean", "Deleted", createable=False, updateable=False),
    )


def build_schemas(external_id_field: str) -> dict[str, ObjectSpec]:
    """The sObjects the emulator serves, keyed by API name; ``external_id_field`` comes from the seed."""
    ext = _external_id_field(external_id_field)
    objects = (
        ObjectSpec(
            "Account", "Account", "Accounts", "001",
            (
                _id_field(),
                FieldSpec("Name", "string", "Account Name", length=255, required=True),
                FieldSpec("Industry", "picklist", "Industry", length=255, picklist=INDUSTRIES),
                FieldSpec("Type", "picklist", "Account Type", length=255, picklist=ACCOUNT_TYPES),
                _owner_field(),
                ext,
                *_audit_fields(),
            ),
        ),
        ObjectSpec(
            "Contact", "Contact", "Contacts", "003",
            (
                _id_field(),
                FieldSpec("FirstName", "string", "First Name", length=40),
                FieldSpec("LastName", "string", "Last Name", length=80, required=True),
                FieldSpec(
                    "Name", "string", "Full Name", length=121, createable=False, updateable=False,
                    derive=_full_name,
                ),
                FieldSpec("Email", "email", "Email", length=80),
                FieldSpec("Phone", "phone", "Business Phone", length=40),
                FieldSpec("Title", "string", "Title", length=128),
                FieldSpec(
                    "AccountId", "reference", "Account ID", length=18, reference_to=("Account",),
                    relationship_name="Account", child_relationship_name="Contacts", cascade_delete=True,
                ),
                _owner_field(),
                ext,
                *_audit_fields(),
            ),
        ),
        ObjectSpec(
            "Opportunity", "Opportunity", "Opportunities", "006",
            (
                _id_field(),
                FieldSpec("Name", "string", "Name", length=120, required=True),
                FieldSpec(
                    "AccountId", "reference", "Account ID", length=18, reference_to=("Account",),
                    relationship_name="Account", child_relationship_name="Opportunities", cascade_delete=True,
                ),
                FieldSpec(
                    "StageName", "picklist", "Stage", length=255, required=True,
                    picklist=tuple(OPPORTUNITY_STAGES), restricted=True,
                ),
                FieldSpec("Amount", "currency", "Amount", precision=18, scale=2),
                FieldSpec("CloseDate", "date", "Close Date", required=True),
                FieldSpec("NextStep", "string", "Next Step", length=255),
                FieldSpec(
                    "Probability", "percent", "Probability (%)", precision=3, scale=0,
                    default_from=("StageName", lambda r: float(OPPORTUNITY_STAGES.get(r.get("StageName") or "", 0))),
                ),
                FieldSpec(
                    "IsClosed", "boolean", "Closed", createable=False, updateable=False,
                    derive=lambda r: r.get("StageName") in CLOSED_STAGES,
                ),
                FieldSpec(
                    "IsWon", "boolean", "Won", createable=False, updateable=False,
                    derive=lambda r: r.get("StageName") == "Closed Won",
                ),
                _owner_field(),
                ext,
                *_audit_fields(),
            ),
        ),
        ObjectSpec(
            "Task", "Task", "Tasks", "00T",
            (
                _id_field(),
                FieldSpec(
                    "Subject", "combobox", "Subject", length=255,
                    picklist=("Call", "Send Letter", "Send Quote", "Other"),
                ),
                FieldSpec(
                    "WhatId", "reference", "Related To ID", length=18, reference_to=("Account", "Opportunity"),
                    relationship_name="What", child_relationship_name="Tasks", cascade_delete=True,
                ),
                FieldSpec(
                    "WhoId", "reference", "Name ID", length=18, reference_to=("Contact",),
                    relationship_name="Who", child_relationship_name="Tasks", cascade_delete=True,
                ),
                _owner_field("Assigned To ID"),
                FieldSpec("ActivityDate", "date", "Due Date Only"),
                FieldSpec(
                    "Status", "picklist", "Status", length=255, required=True, defaulted_on_create=True,
                    default="Not Started", picklist=TASK_STATUSES, restricted=True,
                ),
                FieldSpec(
                    "Priority", "picklist", "Priority", length=255, required=True, defaulted_on_create=True,
                    default="Normal", picklist=("High", "Normal", "Low"), restricted=True,
                ),
                FieldSpec(
                    "Description", "textarea", "Description", length=32000, filterable=False, sortable=False,
                ),
                FieldSpec(
                    "TaskSubtype", "picklist", "Task Subtype", length=255, updateable=False,
                    picklist=("Task", "Email", "Call"), restricted=True, default="Task",
                ),
                FieldSpec("Type", "picklist", "Type", length=255, picklist=("Call", "Meeting", "Email", "Other")),
                FieldSpec("CallDurationInSeconds", "int", "Call Duration", precision=9),
                FieldSpec(
                    "CallType", "picklist", "Call Type", length=255,
                    picklist=("Internal", "Inbound", "Outbound"), restricted=True,
                ),
                FieldSpec(
                    "IsClosed", "boolean", "Closed", createable=False, updateable=False,
                    derive=lambda r: r.get("Status") in CLOSED_TASK_STATUSES,
                ),
                ext,
                *_audit_fields(),
            ),
        ),
        ObjectSpec(
            "User", "User", "Users", "005",
            (
                _id_field(),
                _read_only("Username", "string", "Username", length=80, required=True),
                _read_only("FirstName", "string", "First Name", length=40),
                _read_only("LastName", "string", "Last Name", length=80, required=True),
                FieldSpec(
                    "Name", "string", "Full Name", length=121, createable=False, updateable=False, derive=_full_name,
                ),
                _read_only("Email", "email", "Email", length=128, required=True),
                _read_only("Title", "string", "Title", length=80),
                _read_only("IsActive", "boolean", "Active"),
                *_audit_fields()[:-1],  # Users are deactivated, never deleted: no IsDeleted
            ),
            # The integration user's profile may read users, never change them.
            createable=False,
            updateable=False,
            deletable=False,
        ),
    )  # fmt: skip
    return {spec.name: spec for spec in objects}


# The fields SOQL allows on the polymorphic "Name" entity (What.Name, Who.Email) without TYPEOF.
POLYMORPHIC_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("Id", "id", "Record ID", length=18),
    FieldSpec("Name", "string", "Name", length=255),
    FieldSpec("Type", "picklist", "Object Type", length=40),
    FieldSpec("FirstName", "string", "First Name", length=40),
    FieldSpec("LastName", "string", "Last Name", length=80),
    FieldSpec("Email", "email", "Email", length=80),
    FieldSpec("Phone", "phone", "Phone", length=40),
    FieldSpec("Title", "string", "Title", length=80),
    FieldSpec("IsActive", "boolean", "Active"),
)
POLYMORPHIC_SPEC = ObjectSpec(
    POLYMORPHIC_ENTITY, "Name", "Names", "", POLYMORPHIC_FIELDS, createable=False, updateable=False, deletable=False
)


def child_relationships(schemas: Mapping[str, ObjectSpec], parent: str) -> list[dict[str, Any]]:
    """describe's ``childRelationships`` for ``parent``: every reference field of another object pointing at it."""
    return [
        {
            "childSObject": spec.name,
            "field": f.name,
            "relationshipName": f.child_relationship_name,
            "cascadeDelete": f.cascade_delete,
        }
        for spec in schemas.values()
        for f in spec.fields
        if parent in f.reference_to and f.child_relationship_name
    ]
