"""Every error the Salesforce emulator answers with, worded as Salesforce words it.

Salesforce REST errors are a JSON array of ``{"message", "errorCode"[, "fields"]}`` objects with an HTTP status.
Record-level validation errors carry ``fields``; errors from the JSON deserialiser and the SOQL parser do not,
as on the real service. All texts live here so the other modules raise errors by meaning
(``required_fields_missing(["LastName"])``), never by assembling strings.

Exception tree::

    SalesforceError(status, body)       any non-2xx answer; ``body`` is sent as JSON
    └── SoqlError(code, text, position) a query error; rendered with Salesforce's caret-and-row/column header
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

CUSTOM_FIELD_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. "
    "Please reference your WSDL or the describe call for the appropriate names."
)
CUSTOM_OBJECT_HINT = (
    "If you are attempting to use a custom object, be sure to append the '__c' after the entity name. "
    "Please reference your WSDL or the describe call for the appropriate names."
)
CUSTOM_RELATIONSHIP_HINT = (
    "If you are attempting to use a custom relationship, be sure to append the '__r' after the custom "
    "relationship name. Please reference your WSDL or the describe call for the appropriate names."
)
FIELD_SECURITY_HINT = (
    "Please check the security settings of this field and verify that it is read/write for your profile or "
    "permission set."
)


def error_entry(code: str, message: str, fields: Sequence[str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"message": message, "errorCode": code}
    if fields is not None:
        entry["fields"] = list(fields)
    return entry


class SalesforceError(Exception):
    """A non-2xx answer: ``status`` and the JSON ``body`` (usually a one-element error array)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body!r}")
        self.status = status
        self.body = body

    @classmethod
    def one(cls, status: int, code: str, message: str, fields: Sequence[str] | None = None) -> SalesforceError:
        return cls(status, [error_entry(code, message, fields)])


class SoqlError(SalesforceError):
    """A query error at ``position`` (an offset into the query); the message gets Salesforce's location header."""

    def __init__(self, code: str, text: str, position: int | None = None) -> None:
        super().__init__(400, [error_entry(code, text)])
        self.code = code
        self.text = text
        self.position = position

    def located(self, query: str) -> SoqlError:
        """This error with the message Salesforce sends: the query line, a caret, ``ERROR at Row:R:Column:C``."""
        if self.position is None:
            return self
        before = query[: self.position]
        row = before.count("\n") + 1
        line_start = before.rfind("\n") + 1
        line_end = query.find("\n", self.position)
        line = query[line_start : line_end if line_end != -1 else len(query)]
        column = self.position - line_start + 1
        message = f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{self.text}"
        located = SoqlError(self.code, self.text, None)
        located.body = [error_entry(self.code, message)]
        return located


# --- request-level -----------------------------------------------------------------------------------------------


def invalid_session() -> SalesforceError:
    return SalesforceError.one(401, "INVALID_SESSION_ID", "Session expired or invalid")


def request_limit_exceeded() -> SalesforceError:
    return SalesforceError.one(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")


def resource_not_found() -> SalesforceError:
    return SalesforceError.one(404, "NOT_FOUND", "The requested resource does not exist")


def method_not_allowed(method: str, allowed: Sequence[str]) -> SalesforceError:
    return SalesforceError.one(
        405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {','.join(allowed)}"
    )


def json_syntax_error(detail: str, line: int, column: int) -> SalesforceError:
    return SalesforceError.one(400, "JSON_PARSER_ERROR", f"{detail} at [line:{line}, column:{column}]")


def body_required() -> SalesforceError:
    return SalesforceError.one(
        400, "JSON_PARSER_ERROR", "The HTTP entity body is required, but this request has no entity body."
    )


def missing_query() -> SalesforceError:
    return SalesforceError.one(400, "MALFORMED_QUERY", "A query string has to be specified")


def cannot_deserialize(type_name: str, token: str, value: str, line: int, column: int) -> SalesforceError:
    return SalesforceError.one(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {type_name} from {token} value {value} or request may be missing a "
        f"required field at [line:{line}, column:{column}]",
    )


# --- records -----------------------------------------------------------------------------------------------------


def external_id_not_found(value: str) -> SalesforceError:
    """What Salesforce says for a path segment that is neither a record id nor an external-id field."""
    return SalesforceError.one(
        404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {value}"
    )


def entity_is_deleted(fields: Sequence[str] = ()) -> SalesforceError:
    return SalesforceError.one(404, "ENTITY_IS_DELETED", "entity is deleted", fields)


def malformed_id(label: str, value: str, fields: Sequence[str]) -> SalesforceError:
    return SalesforceError.one(400, "MALFORMED_ID", f"{label}: id value of incorrect type: {value}", fields)


def reference_of_wrong_type(label: str, value: str, field: str) -> SalesforceError:
    return SalesforceError.one(
        400, "FIELD_INTEGRITY_EXCEPTION", f"{label}: id value of incorrect type: {value}", [field]
    )


def reference_not_found(value: str) -> SalesforceError:
    # An id of the right type that names no record: Salesforce cannot tell "missing" from "not shared with you".
    return SalesforceError.one(
        400,
        "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
        f"insufficient access rights on cross-reference id: {value}",
        [],
    )


def no_such_column_on_sobject(field: str, sobject: str) -> SalesforceError:
    return SalesforceError.one(400, "INVALID_FIELD", f"No such column '{field}' on sobject of type {sobject}")


def no_such_column_on_entity(field: str, sobject: str) -> SalesforceError:
    return SalesforceError.one(
        400, "INVALID_FIELD", f"No such column '{field}' on entity '{sobject}'. {CUSTOM_FIELD_HINT}"
    )


def id_in_body() -> SalesforceError:
    return SalesforceError.one(400, "INVALID_FIELD", "The Id field should not be specified in the sobject data.")


def external_id_mismatch(field: str, url_value: str, body_value: Any) -> SalesforceError:
    return SalesforceError.one(
        400,
        "INVALID_FIELD",
        f"The value of {field} in the request body ({body_value}) does not match the value in the URL "
        f"({url_value}); leave {field} out of the body of an upsert.",
    )


def read_only_fields(names: Sequence[str]) -> SalesforceError:
    return SalesforceError.one(
        400,
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        f"Unable to create/update fields: {', '.join(names)}. {FIELD_SECURITY_HINT}",
        names,
    )


def required_fields_missing(names: Sequence[str]) -> SalesforceError:
    return SalesforceError.one(
        400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(names)}]", names
    )


def bad_restricted_picklist(label: str, value: Any, field: str) -> SalesforceError:
    return SalesforceError.one(
        400,
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        f"{label}: bad value for restricted picklist field: {value}",
        [field],
    )


def string_too_long(label: str, value: str, max_length: int, field: str) -> SalesforceError:
    return SalesforceError.one(
        400, "STRING_TOO_LONG", f"{label}: data value too large: {value} (max length={max_length})", [field]
    )


def invalid_email(label: str, value: str, field: str) -> SalesforceError:
    return SalesforceError.one(400, "INVALID_EMAIL_ADDRESS", f"{label}: invalid email address: {value}", [field])


def value_not_of_required_type(label: str, value: Any, field: str) -> SalesforceError:
    return SalesforceError.one(
        400, "INVALID_TYPE_ON_FIELD_IN_RECORD", f"{label}: value not of required type: {value}", [field]
    )


def number_out_of_range(label: str, value: Any, field: str) -> SalesforceError:
    return SalesforceError.one(
        400, "NUMBER_OUTSIDE_VALID_RANGE", f"{label}: value outside of valid range on numeric field: {value}", [field]
    )


def duplicate_value(field: str, record_id: str) -> SalesforceError:
    return SalesforceError.one(
        400, "DUPLICATE_VALUE", f"duplicate value found: {field} duplicates value on record with id: {record_id}", []
    )


def cannot_insert(label: str) -> SalesforceError:
    return SalesforceError.one(
        400, "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY", f"entity type cannot be inserted: {label}", []
    )


def cannot_update(label: str) -> SalesforceError:
    return SalesforceError.one(
        400, "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY", f"entity type cannot be updated: {label}", []
    )


def cannot_delete() -> SalesforceError:
    return SalesforceError.one(400, "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id", [])


def multiple_matches(urls: list[str]) -> SalesforceError:
    """An upsert whose external id matches several records: 300 with the matching records' URLs."""
    return SalesforceError(300, urls)


# --- queries -----------------------------------------------------------------------------------------------------


def unexpected_token(token: str, position: int) -> SoqlError:
    return SoqlError("MALFORMED_QUERY", f"unexpected token: '{token}'", position)


def malformed(text: str, position: int | None) -> SoqlError:
    return SoqlError("MALFORMED_QUERY", text, position)


def unsupported_by_sandbox(feature: str, position: int | None) -> SoqlError:
    # Valid SOQL the emulator does not implement: say so, so nobody "fixes" a correct query.
    return SoqlError(
        "MALFORMED_QUERY", f"{feature} is valid SOQL but not supported by the Followthrough sandbox emulator", position
    )


def sobject_not_supported(name: str, position: int) -> SoqlError:
    return SoqlError("INVALID_TYPE", f"sObject type '{name}' is not supported. {CUSTOM_OBJECT_HINT}", position)


def no_such_column(field: str, entity: str, position: int) -> SoqlError:
    return SoqlError("INVALID_FIELD", f"No such column '{field}' on entity '{entity}'. {CUSTOM_FIELD_HINT}", position)


def unknown_relationship(name: str, position: int) -> SoqlError:
    return SoqlError(
        "INVALID_FIELD", f"Didn't understand relationship '{name}' in field path. {CUSTOM_RELATIONSHIP_HINT}", position
    )


def duplicate_field_selected(name: str) -> SoqlError:
    return SoqlError("INVALID_FIELD", f"duplicate field selected: {name}")


def filter_type_mismatch(field: str, type_name: str, *, quoted: bool, position: int) -> SoqlError:
    how = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
    return SoqlError(
        "INVALID_FIELD",
        f"value of filter criterion for field '{field}' must be of type {type_name} and {how}",
        position,
    )


def invalid_id_filter(value: str, position: int) -> SoqlError:
    return SoqlError("INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {value}", position)


def cannot_filter(field: str, position: int) -> SoqlError:
    return SoqlError("INVALID_FIELD", f"field '{field}' can not be filtered in a query call", position)


def cannot_sort(field: str, position: int) -> SoqlError:
    return SoqlError("INVALID_FIELD", f"field '{field}' can not be sorted in a query call", position)


def invalid_operator(field: str, position: int) -> SoqlError:
    # Wording unverified against a live org; the code and the refusal match Salesforce's.
    return SoqlError("INVALID_QUERY_FILTER_OPERATOR", f"invalid operator on field '{field}'", position)


def offset_too_large() -> SalesforceError:
    return SalesforceError.one(400, "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000")


def invalid_query_locator() -> SalesforceError:
    return SalesforceError.one(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
