"""The interfaces the approvals core needs from the outside world, and the errors that cross them.

``approvals`` imports neither ``bot`` nor ``connectors``. Jobs talk to these protocols; ``bot/`` implements the
Slack-facing ones (``Notifier``, ``Directory``, ``ThreadReader``, ``Extractor``) and ``connectors/`` implements
``Connector``; ``followthrough.wiring`` wires them together for the bot and worker processes.

Connector errors, drawn as a tree (each says what the executor may do next)::

    ConnectorError
     ├── RetryableError      the call was refused before it did anything (429, 503, timeout of a read):
     │                       safe to send again after ``retry_after`` seconds
     ├── AmbiguousError      a non-idempotent call may or may not have happened (5xx, dropped connection,
     │                       read timeout of a write): reconcile before anything else, never resend blindly
     ├── ConflictError       the record changed since the approver saw it: back to re-approval
     ├── PermanentError      the target system said no for good (validation, permission, not found)
     └── AuthError           our credentials are wrong or lack a scope: stop and tell an admin
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from approvals.core.actions import Action
from approvals.core.commitments import Commitment, Observation
from approvals.core.intents import Understanding
from approvals.core.policy import Principal
from approvals.core.proposal import CardRef, Proposal
from approvals.core.vocabulary import Vocabulary


class ConnectorError(Exception):
    """Base of the connector error tree; ``user_message`` is safe to show in Slack."""

    def __init__(self, user_message: str, *, detail: str = "", retry_after: float | None = None) -> None:
        super().__init__(user_message + (f" ({detail})" if detail else ""))
        self.user_message = user_message
        self.detail = detail
        self.retry_after = retry_after


class RetryableError(ConnectorError):
    pass


class AmbiguousError(ConnectorError):
    pass


class ConflictError(ConnectorError):
    """A field to change no longer has the value the approver saw. ``current`` holds the record's values now, under
    the same names as the action's ``before`` (the job rebuilds the action with them and asks for approval again)."""

    def __init__(
        self, user_message: str, *, current: dict[str, Any], detail: str = "", facts: dict[str, Any] | None = None
    ) -> None:
        super().__init__(user_message, detail=detail)
        self.current = current
        self.facts = facts
        """The record's facts now, when they (not a field to change) are what changed (record-level policy)."""


class PermanentError(ConnectorError):
    pass


class AuthError(ConnectorError):
    pass


@dataclass(frozen=True)
class Outcome:
    """What one executed action did: a key and link to show, and the change for audit and undo.

    ``changes`` says what is needed to reverse it, by convention:
    ``{"created": {...ids...}}`` for a create (``key`` for a Jira issue, ``comment_id`` and ``issue``, ``link_id``;
    ``object`` and ``id`` for a Salesforce record), ``{"before": {...}, "after": {...}}`` in our field names for an
    update, ``{"deleted": {...}}`` for a delete, and ``{"unchanged": true}`` when the record already had the values.
    """

    summary: str
    key: str | None = None
    url: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExecutionContext:
    """Facts about the request the connector may record on the target (the label, the link back to Slack)."""

    proposal_id: str
    action_id: str
    permalink: str | None


@runtime_checkable
class Connector(Protocol):
    """One target system. ``execute`` must be safe to call again with the same ``action_id``.

    For an update it first re-reads the record: a changed field that already has the new value is left alone (a
    repeat), one whose value is neither the ``before`` the approver saw nor the new value raises ConflictError.
    Creates are keyed by ``context.action_id`` (a Jira label or comment marker, a Salesforce external id), so the
    same action never creates two records; deletes of something already gone succeed.
    """

    system: str

    def execute(self, action: Action, context: ExecutionContext) -> Outcome: ...

    def reconcile(self, action: Action, context: ExecutionContext) -> Outcome | None:
        """The outcome of an earlier attempt with this action id, if it took effect; None if it did not."""
        ...


@runtime_checkable
class SearchProbe(Protocol):
    """A connector whose ``reconcile`` searches an index that lags behind its writes (an action kind with
    ``reconcile_lags``): approvals.flow.search_lag measures that lag with it."""

    def found_by_search(self, action: Action, context: ExecutionContext) -> bool:
        """Whether the search ``reconcile`` uses finds what ``action`` made; reads only, changes nothing."""
        ...


@dataclass(frozen=True)
class PersonMatch:
    """A workspace member who might be the person a request names."""

    slack_user_id: str
    display_name: str
    real_name: str
    email: str | None
    tz: str | None = None
    """Their Slack time zone (an IANA name, users.info ``tz``): the zone every date they write or read is in."""


@dataclass(frozen=True)
class ThreadMessage:
    user: str | None
    text: str
    ts: str
    is_bot: bool = False
    """Posted by a bot (this one included): its cards, questions and replies."""
    to_bot: bool = False
    """A person talking to this bot (a mention of it, or a message in a direct message with it): a request or an
    answer, not part of the conversation the thread is about."""


class Directory(Protocol):
    """Who people are: the workspace's members and the user groups they belong to."""

    def principal(self, user_id: str) -> Principal: ...

    def find_people(self, name: str) -> Sequence[PersonMatch]: ...

    def person(self, user_id: str) -> PersonMatch | None: ...

    def person_by_email(self, email: str) -> PersonMatch | None:
        """The member with this email (a Salesforce owner, a Jira assignee), if they are in the workspace."""
        ...

    def members_of(self, roles: Sequence[str]) -> Sequence[str]:
        """Slack user ids of everyone holding one of ``roles`` under the current policy."""
        ...

    def manager_of(self, user_id: str) -> str | None:
        """The Slack user id in the person's "Manager" profile field, if their workspace sets one."""
        ...

    def people_names(self) -> Sequence[str]:
        """How people are written (real names and handles), to read requests with."""
        ...


class ThreadReader(Protocol):
    def read_thread(self, channel: str, thread_ts: str) -> Sequence[ThreadMessage]: ...

    def permalink(self, channel: str, ts: str) -> str | None: ...

    def channel_names(self, channel: str) -> Sequence[str]: ...

    def bot_user_id(self) -> str:
        """The bot's own user id (its mention in a request is no part of the request)."""
        ...


@dataclass(frozen=True)
class ExtractionInput:
    """Everything the extractor may read. The requester is named by the code, never by the thread."""

    request_text: str
    thread: Sequence[ThreadMessage]
    requester: PersonMatch
    channel_name: str
    today: dt.date
    known_projects: Sequence[str] = ()
    vocabulary: Vocabulary | None = None
    """The values that exist in the systems (statuses, stages, accounts, people...), to read the request with."""
    bot_user_id: str | None = None
    """The bot's own Slack user id: its mention in the request is no part of it (another person's mention is)."""
    date_order: str = "MD"
    """How the workspace writes a numeric date like 12/1: "MD" (December 1st, US) or "DM" (12 January)."""


class ExtractionUnavailable(Exception):
    """The extractor could not read the request this time (the model refused, timed out, was rate limited past
    its retries, or answered with something unusable). ``user_message`` is a short honest reply for the thread;
    nothing is proposed and nothing is guessed."""

    def __init__(self, user_message: str, *, detail: str = "", usage: dict[str, int] | None = None) -> None:
        super().__init__(user_message + (f" ({detail})" if detail else ""))
        self.user_message = user_message
        self.detail = detail
        self.usage = dict(usage or {})


class Extractor(Protocol):
    """Turns a request into data (actions, a question, or nothing). It never acts and holds no rights.

    ``extract`` returns an ``Understanding`` or raises ``ExtractionUnavailable``; any other exception is a bug.
    """

    name: str

    def extract(self, request: ExtractionInput) -> Understanding: ...


class AnswerReader(Protocol):
    """Reads the requester's typed answer to a question, as the value of one request field."""

    def read(self, kind: str, text: str, *, today: dt.date) -> Any:
        """The value ``text`` gives a field of answer kind ``kind`` (``date``, ``amount``, ``person``, ``text``,
        ``yes_no``, ``labels``...), or None when it does not read as one."""
        ...


class Notifier(Protocol):
    """Shows proposals and results in Slack. Every method is safe to repeat."""

    def acknowledge(self, channel: str, ts: str) -> None:
        """Show the requester we are on it (a reaction)."""
        ...

    def reply(self, channel: str, thread_ts: str, text: str, *, once: str | None = None) -> None:
        """A message in the thread. With ``once`` (a key), a message already posted there under the same key is
        not posted again, so an announcement survives a crash between posting it and recording that it was."""
        ...

    def tell(self, user_id: str, channel: str | None, text: str, *, thread_ts: str | None = None) -> None:
        """An ephemeral message only ``user_id`` sees in ``channel``; a direct message when there is no channel."""
        ...

    def publish_home(
        self,
        user_id: str,
        *,
        waiting_for_me: Sequence[Proposal],
        my_requests: Sequence[Proposal],
        recently_done: Sequence[Proposal],
        owed: Sequence[Commitment] = (),
        awaited: Sequence[Commitment] = (),
    ) -> None:
        """Show the person's App Home tab with these lists (``owed``: follow-ups they owe, overdue first;
        ``awaited``: follow-ups they asked of others)."""
        ...

    def publish(self, proposal: Proposal, approvers: Sequence[str], *, fresh: bool) -> tuple[CardRef, ...]:
        """Post the card in the thread and in each approver's DM; return every copy.

        ``fresh``: the proposal was created by this very run, so no earlier run can have posted a copy and the
        look-up for one (which makes a repeated run safe) can be skipped.
        """
        ...

    def refresh(self, proposal: Proposal) -> None:
        """Re-render every copy of the card for the proposal's current state."""
        ...

    def announce_result(self, proposal: Proposal) -> None:
        """Reply in the thread with what changed (or what failed), once per terminal state."""
        ...

    def alert_admins(self, proposal: Proposal, text: str, admins: Sequence[str]) -> None: ...

    def retire_undo(self, proposal: Proposal, note: str) -> None:
        """Take the Undo button off the replies that announced ``proposal``'s success; ``note`` says why."""
        ...

    def is_own_message(self, proposal: Proposal, channel: str, ts: str) -> bool:
        """Whether the message at ``ts`` in ``channel`` is one the app posted for ``proposal`` (a copy of its card, a
        reply announcing its result), as Slack has it."""
        ...

    def alert(self, admins: Sequence[str], text: str, *, once: str | None = None) -> None:
        """A direct message to each admin (with ``once``, not again to one who already has it)."""
        ...

    def remind(self, proposal: Proposal, users: Sequence[str]) -> None:
        """A direct message to each of ``users``: the proposal still waits for them."""
        ...

    def add_approvers(self, proposal: Proposal, users: Sequence[str]) -> tuple[CardRef, ...]:
        """Send the card to more approvers (an escalation); return the new copies."""
        ...

    def nudge(
        self,
        commitment: Commitment,
        user_id: str,
        *,
        seen: Observation | None,
        escalated: bool,
        reassigned_by: str | None = None,
    ) -> None:
        """A direct message to ``user_id`` about a follow-up that is due: what was promised, where and by whom, what
        the system shows now, and (for its owner) the buttons Done, Snooze, Reassign and Won't do."""
        ...


@runtime_checkable
class Observer(Protocol):
    """Reads the state of records in one system for follow-ups, many at once (one query per call)."""

    def observe(self, subjects: Sequence[tuple[str, str]]) -> Mapping[str, Observation]:
        """``subjects`` are (object, ref) pairs (``("Issue", "PAY-12")``, ``("Opportunity", "006...")``); the
        answer maps each ref the system has to what it shows (a ref missing from it is gone or invisible)."""
        ...
