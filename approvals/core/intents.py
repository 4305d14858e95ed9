"""What a request asks for, as extracted from the thread: words, not yet identifiers.

The offline parser and the LLM both produce an ``Understanding``. Nothing in it is trusted: people are names as written
("Alice", "<@U0ALICE01>", "me", "the account owner"), records are references as written ("PAY-12", "this thread's
ticket", account "Acme" + opportunity "renewal"), projects are keys as typed. Grounding (``approvals.core.grounding``)
checks every value against the real systems and turns a request into an ``Action`` or into a question. An understanding
can name no requester and no approver: who asks is decided by the code from the Slack event, not by the text.

Conventions every extractor follows (the eval set in ``bench/`` checks them):

- A field the request does not mention is ``None`` (or empty); never a default invented by the extractor.
- Issue references are kept as written: an issue key (``PAY-12``), or ``THIS_THREAD`` when the request points at "the
  ticket from this thread" / "it" in a thread that produced one.
- People: a Slack mention ``<@U...>``, a name as written, ``me``, ``unassigned`` (for nobody), or
  ``the account owner`` / ``the opportunity owner`` (the owner of the record the request names).
- Salesforce records are named by ``account`` (the company as written: "Acme") and, for opportunities, the other
  words that tell it apart (``opportunity``: "renewal", "Platform Renewal", "open opportunity"); a Salesforce id
  may stand in either place.
- Amounts are plain numbers ("120k" -> 120000, "$1.2M" -> 1200000), dates are resolved against the request's
  ``today``, stages and statuses are kept as written ("Negotiation"): grounding matches them to what the system has.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from approvals.core.schema import StoredModel

THIS_THREAD = "this thread"
"""The issue reference for "the ticket from this thread": grounding looks up what the thread produced."""

ACCOUNT_OWNER = "the account owner"
OPPORTUNITY_OWNER = "the opportunity owner"
NOBODY = "unassigned"

WHOLE_REQUEST = "request"
"""The question field whose answer is a whole request (a pick among requests that fit, such as the choices a message
shortcut offers): each choice's value is the request as JSON."""

LINK_TYPES: tuple[str, ...] = ("blocks", "is blocked by", "relates to", "duplicates", "is duplicated by", "clones")
"""How a link request names the relation, from the first issue's side ("PAY-12 blocks PAY-13")."""


_Model = StoredModel


class _Request(_Model):
    kind: str
    answerable: ClassVar[dict[str, str]] = {}
    """The fields a question may ask for, and what kind of value answers it (``text``, ``person``, ``date``,
    ``amount``, ``choice``, ``issue``, ``record``, ``labels``, ``yes_no``): how a typed answer is read."""

    def with_answer(self, field: str, value: Any) -> _Request:
        """A copy with ``field`` set from an answer (validated like any request)."""
        if field not in type(self).model_fields:
            raise ValueError(f"{self.kind} has no field {field!r}")
        return type(self).model_validate({**self.model_dump(), field: value})


class JiraCreateIssueRequest(_Request):
    kind: Literal["jira.create_issue"] = "jira.create_issue"
    project: str | None = None
    issue_type: str | None = None
    summary: str | None = None
    description: str | None = None
    assignee: str | None = None
    priority: str | None = None
    labels: tuple[str, ...] = ()
    due_date: dt.date | None = None
    confirmed_duplicate: bool = False
    """Set only by the requester's answer when the thread already produced an issue and they want another."""

    answerable: ClassVar[dict[str, str]] = {
        "project": "choice",
        "issue_type": "choice",
        "summary": "text",
        "assignee": "person",
        "priority": "choice",
        "due_date": "date",
        "confirmed_duplicate": "yes_no",
    }


class JiraCommentRequest(_Request):
    kind: Literal["jira.comment"] = "jira.comment"
    issue: str | None = None
    body: str | None = None

    answerable: ClassVar[dict[str, str]] = {"issue": "issue", "body": "text"}


class JiraTransitionRequest(_Request):
    kind: Literal["jira.transition"] = "jira.transition"
    issue: str | None = None
    status: str | None = None

    answerable: ClassVar[dict[str, str]] = {"issue": "issue", "status": "choice"}


class JiraAssignRequest(_Request):
    """Assign an issue (``assignee`` a person) or unassign it (``assignee`` = ``unassigned``)."""

    kind: Literal["jira.assign"] = "jira.assign"
    issue: str | None = None
    assignee: str | None = None

    answerable: ClassVar[dict[str, str]] = {"issue": "issue", "assignee": "person"}


class JiraUpdateFieldsRequest(_Request):
    """``labels`` is the issue's whole list of labels after the change (it replaces them)."""

    kind: Literal["jira.update_fields"] = "jira.update_fields"
    issue: str | None = None
    summary: str | None = None
    priority: str | None = None
    labels: tuple[str, ...] | None = None
    due_date: dt.date | None = None

    answerable: ClassVar[dict[str, str]] = {"issue": "issue", "priority": "choice", "due_date": "date"}


class JiraLinkIssuesRequest(_Request):
    """``issue`` <link_type> ``other``: "PAY-12 blocks PAY-13" is issue PAY-12, link_type blocks, other PAY-13."""

    kind: Literal["jira.link_issues"] = "jira.link_issues"
    issue: str | None = None
    other: str | None = None
    link_type: str | None = None

    answerable: ClassVar[dict[str, str]] = {"issue": "issue", "other": "issue", "link_type": "choice"}


class SalesforceUpdateOpportunityRequest(_Request):
    kind: Literal["salesforce.update_opportunity"] = "salesforce.update_opportunity"
    account: str | None = None
    opportunity: str | None = None
    stage: str | None = None
    amount: Decimal | None = Field(default=None, ge=0)
    close_date: dt.date | None = None
    next_step: str | None = None

    answerable: ClassVar[dict[str, str]] = {
        "opportunity": "record",
        "stage": "choice",
        "amount": "amount",
        "close_date": "date",
    }


class SalesforceCreateTaskRequest(_Request):
    """A follow-up task: ``owner`` does ``subject`` by ``due_date``, about an account / opportunity / contact."""

    kind: Literal["salesforce.create_task"] = "salesforce.create_task"
    subject: str | None = None
    owner: str | None = None
    account: str | None = None
    opportunity: str | None = None
    contact: str | None = None
    due_date: dt.date | None = None
    description: str | None = None

    answerable: ClassVar[dict[str, str]] = {
        "subject": "text",
        "owner": "person",
        "account": "record",
        "opportunity": "record",
        "contact": "record",
        "due_date": "date",
    }


class SalesforceLogCallRequest(_Request):
    kind: Literal["salesforce.log_call"] = "salesforce.log_call"
    contact: str | None = None
    account: str | None = None
    opportunity: str | None = None
    subject: str | None = None
    call_date: dt.date | None = None
    description: str | None = None

    answerable: ClassVar[dict[str, str]] = {
        "contact": "record",
        "account": "record",
        "opportunity": "record",
        "call_date": "past_date",
    }


class SalesforceUpdateContactRequest(_Request):
    kind: Literal["salesforce.update_contact"] = "salesforce.update_contact"
    contact: str | None = None
    account: str | None = None
    email: str | None = None
    phone: str | None = None
    title: str | None = None

    answerable: ClassVar[dict[str, str]] = {"contact": "record", "email": "text", "phone": "text", "title": "text"}


class SalesforceCreateContactRequest(_Request):
    kind: Literal["salesforce.create_contact"] = "salesforce.create_contact"
    first_name: str | None = None
    last_name: str | None = None
    account: str | None = None
    email: str | None = None
    phone: str | None = None
    title: str | None = None

    answerable: ClassVar[dict[str, str]] = {"last_name": "text", "account": "record", "email": "text"}


class FollowUpRequest(_Request):
    """Follow something through: check ``issue`` (or the Salesforce record ``account`` + ``opportunity``) at the due
    time, nudge ``owner`` if it is not done, escalate if asked, and close the loop in the thread.

    ``owner``: who must do it, as written; None for the issue's assignee (the record's owner), ``me`` for the
    requester ("remind me to check ..."). Due: ``due_date`` (a day, "on Friday"), or ``due_in_minutes`` ("in 2
    hours" is 120). ``until_status``: done when the issue reaches this status ("check whether OPS-4 is in progress");
    None for resolved / closed. ``escalate``: "escalate to her manager if not". ``every_days``: a recurring nudge
    ("every Monday" is 7, with ``due_date`` the first Monday)."""

    kind: Literal["followthrough.follow_up"] = "followthrough.follow_up"
    issue: str | None = None
    account: str | None = None
    opportunity: str | None = None
    owner: str | None = None
    due_date: dt.date | None = None
    due_in_minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 366)
    until_status: str | None = None
    escalate: bool = False
    every_days: int | None = Field(default=None, ge=1, le=366)

    answerable: ClassVar[dict[str, str]] = {"issue": "issue", "owner": "person", "due_date": "date"}


class ReadRequest(_Request):
    """A question about a record, answered with live values: "what's the status of PAY-12?", "who has PAY-9?",
    "what's the Acme renewal at?" (``issue``, or ``account`` + ``opportunity``); "what do I owe?" (``owed``).
    Nothing is changed, so nothing is approved; the policy's ``reads`` decide who may see which system."""

    kind: Literal["read.record"] = "read.record"
    issue: str | None = None
    account: str | None = None
    opportunity: str | None = None
    owed: bool = False


ActionRequest = Annotated[
    JiraCreateIssueRequest
    | JiraCommentRequest
    | JiraTransitionRequest
    | JiraAssignRequest
    | JiraUpdateFieldsRequest
    | JiraLinkIssuesRequest
    | SalesforceUpdateOpportunityRequest
    | SalesforceCreateTaskRequest
    | SalesforceLogCallRequest
    | SalesforceUpdateContactRequest
    | SalesforceCreateContactRequest
    | FollowUpRequest
    | ReadRequest,
    Field(discriminator="kind"),
]
"""Every request kind the extractors may produce, discriminated by ``kind`` (the action kind it grounds into)."""

REQUEST_TYPES: tuple[type[_Request], ...] = (
    JiraCreateIssueRequest,
    JiraCommentRequest,
    JiraTransitionRequest,
    JiraAssignRequest,
    JiraUpdateFieldsRequest,
    JiraLinkIssuesRequest,
    SalesforceUpdateOpportunityRequest,
    SalesforceCreateTaskRequest,
    SalesforceLogCallRequest,
    SalesforceUpdateContactRequest,
    SalesforceCreateContactRequest,
    FollowUpRequest,
    ReadRequest,
)

REQUEST_KINDS: tuple[str, ...] = tuple(t.model_fields["kind"].default for t in REQUEST_TYPES)


MAX_REQUESTS_PER_MESSAGE = 10
"""The most requests one message may make: a card has room for that many (Slack allows 50 blocks a message), and a
longer batch is more likely a misreading than a request; the requester is asked to split it."""


class Understanding(_Model):
    """The extractor's reading of one request.

    ``requests`` empty and ``question`` None means no action was asked for. A ``question`` means the extractor
    could not tell what to do; ``understood`` says what it did get, so the reply never pretends to more.
    ``requests`` may accompany a question (the extractor knows the kind but not a field: ``missing`` names it).
    """

    requests: tuple[ActionRequest, ...] = ()
    question: str | None = None
    missing: tuple[str, ...] = ()
    understood: str = ""
    extractor: str = ""
    usage: dict[str, int] = Field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.requests and self.question is None
