"""Every error the Jira emulator sends, worded as Jira Cloud words it, and the exception that carries one.

Jira's error body is ``{"errorMessages": [...], "errors": {"<field id>": "..."}}``: request-level problems go in
``errorMessages``, per-field problems in ``errors``. ``JiraError`` carries exactly that, plus the HTTP status; the
emulator's handlers raise it and the HTTP edge turns it into the response.

The first section holds texts seen in public captures of real Jira responses, copied word for word. The second
holds texts whose exact wording could not be checked: they follow Jira's style, and a test must not treat them as
the real service's contract.
"""

from __future__ import annotations

from typing import Any


class JiraError(Exception):
    """A Jira error response: ``status`` plus Jira's ``errorMessages`` / ``errors`` body."""

    def __init__(
        self,
        status: int,
        messages: list[str] | None = None,
        *,
        errors: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.messages = list(messages or [])
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        super().__init__(f"HTTP {status}: " + "; ".join(self.messages + [f"{k}: {v}" for k, v in self.errors.items()]))

    def body(self) -> dict[str, Any]:
        return {"errorMessages": self.messages, "errors": self.errors}


def bad_request(message: str) -> JiraError:
    return JiraError(400, [message])


def field_errors(errors: dict[str, str]) -> JiraError:
    return JiraError(400, errors=errors)


def not_found(message: str) -> JiraError:
    return JiraError(404, [message])


# ===== Seen in captures of real Jira responses =====
NOT_AUTHENTICATED = "Client must be authenticated to access this resource."  # 401, sent as text/plain
ISSUE_NOT_FOUND = "Issue does not exist or you do not have permission to see it."
PROJECT_REQUIRED = "Specify a valid project ID or key"
ISSUE_TYPE_INVALID = "Specify a valid issue type"
SUMMARY_REQUIRED = "You must specify a summary of the issue."
SUMMARY_TOO_LONG = "Summary must be less than 255 characters."
SUMMARY_NEWLINE = "The summary is invalid because it contains newline characters."
PRIORITY_INVALID = "Specify a valid 'id' or 'name' for priority"
GDPR_STRICT = "'accountId' must be the only user identifying query parameter in GDPR strict mode."
ACCOUNT_ID_REQUIRED = "The 'accountId' query parameter needs to be provided."
TRANSITION_ID_REQUIRED = "'transition' identifier must be an integer"
UNBOUNDED_JQL = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
SEARCH_REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)
JQL_PREFIX = "Error in the JQL Query: "
JQL_OPERATORS = "'=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'"


def cannot_set(field_id: str) -> str:
    return f"Field '{field_id}' cannot be set. It is not on the appropriate screen, or unknown."


def invalid_user_value(field_id: str) -> str:
    return f"Specify a valid value for {field_id}"


def label_has_spaces(label: str) -> str:
    return f"The label '{label}' contains spaces which is invalid."


def transition_invalid(transition_id: object) -> str:
    return f"Transition id '{transition_id}' is not valid for this issue."


def project_not_found(ref: str) -> str:
    return f"No project could be found with key '{ref}'."


def comment_not_found(comment_id: str) -> str:
    return f"Can not find a comment for the id: {comment_id}."


def link_type_not_found(name: str) -> str:
    return f"No issue link type with name '{name}' found."


def user_not_found() -> str:
    return "Specified user does not exist or you do not have required permissions"


def jql_field_unknown(field: str) -> str:
    return f"Field '{field}' does not exist or you do not have permission to view it."


def jql_operator_unsupported(operator: str, field: str) -> str:
    return f"The operator '{operator}' is not supported by the '{field}' field."


def jql_value_unknown(value: str, field: str) -> str:
    return f"The value '{value}' does not exist for the field '{field}'."


def jql_non_list(operator: str, value: str, field: str) -> str:
    return f"Operator '{operator}' does not support the non-list value '\"{value}\"' for field '{field}'."


# ===== Wording not checked against a capture (Jira's style, not its contract) =====
ISSUE_TYPE_REQUIRED = "Specify an issue type"
LABELS_NOT_ARRAY = "data was not an array"
BODY_NOT_JSON = "The request body is not valid JSON."
PAGE_TOKEN_INVALID = "The provided next page token is invalid or expired."
COMMENT_BODY_REQUIRED = "Comment body can not be empty!"
SELF_LINK = "You cannot link an issue to itself."
PROPERTY_KEY_TOO_LONG = "The property key cannot be longer than 255 characters."
PROPERTY_VALUE_TOO_LONG = "The property value cannot be longer than 32768 bytes."
REMOTE_LINK_URL_REQUIRED = "'url' is required."
REMOTE_LINK_TITLE_REQUIRED = "'title' is required."
USER_QUERY_REQUIRED = "The 'query' or 'accountId' query parameter needs to be provided."
USERNAME_GDPR = "The query parameter 'username' is not supported in GDPR strict mode."
ASSIGNABLE_SCOPE_REQUIRED = "The 'project' or 'issueKey' query parameter needs to be provided."


def user_does_not_exist(account_id: str) -> str:
    return f"User '{account_id}' does not exist."  # Server's wording; Cloud's for an unknown accountId is unknown


def label_too_long(label: str) -> str:
    return f"The label '{label}' exceeds the maximum length for a single label of 255 characters."


def bad_date(value: object) -> str:
    return f"Error parsing date string: {value}"


def operation_not_supported(operation: str, field_id: str) -> str:
    return f"The operation '{operation}' is not supported for the field '{field_id}'."


def property_not_found(key: str) -> str:
    return f"The property with key '{key}' does not exist."


def remote_link_not_found(link_id: str) -> str:
    return f"No remote link with id '{link_id}' exists on this issue."


def issue_link_not_found(link_id: str) -> str:
    return f"No issue link with id '{link_id}' exists."


def jql_issue_key_invalid(value: str, field: str) -> str:
    return f"The issue key '{value}' for field '{field}' is invalid."


def jql_issue_missing(value: str, field: str) -> str:
    return f"An issue with key '{value}' does not exist for field '{field}'."


def jql_list_unsupported(operator: str, field: str) -> str:
    return f"Operator '{operator}' does not support the list value for field '{field}'."


def jql_empty_only(operator: str, field: str) -> str:
    return f"The operator '{operator}' only supports EMPTY or NULL as a value for the field '{field}'."


def jql_function_unknown(call: str) -> str:
    return f"Unable to find JQL function '{call}'."


def jql_date_invalid(value: str, field: str) -> str:
    return (
        f"Date value '{value}' for field '{field}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
        "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
    )


def jql_not_orderable(field: str) -> str:
    return f"Field '{field}' does not support sorting."


def issue_type_id_not_found(ref: str) -> str:
    return f"The issue type with id '{ref}' does not exist."
