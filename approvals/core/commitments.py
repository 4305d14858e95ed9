"""Commitments: what was promised, by whom, by when, checked in the real system (pure, no I/O).

A commitment is the second aggregate beside proposals. It is born from a request ("follow up on PAY-12 on Friday",
"make sure Alice closes PAY-12 by Friday, escalate to her manager if not") or from a policy rule (every Highest bug
filed from Slack is followed until it is resolved), and it owns an outcome a language model cannot: it remembers
the promise, reads the system to see whether it was kept, nudges the owner when it was not, climbs the escalation
ladder when nothing moves, and closes the loop in the thread where it started.

```
open ──nudge──> nudged ──escalate──> escalated ──escalate──> escalated   (the next rung of the ladder)
  │               │ (nudge: again,     │
  │               │  after the policy's interval)
  └───────────────┴────────────────────┴──> met        (the system shows the done condition: verified, never told)
                                        ├──> dismissed  ("won't do", with a reason; the requester cancelled it)
                                        ├──> expired    (the subject is gone, or the ladder ran out long ago)
          snooze / reassign ───────────────> open       (a new time, or a new owner who is told; audited)
```

Every state comes from ``TRANSITIONS`` and nowhere else; ``apply`` returns a new commitment with the step recorded in
its history. The moments at which something is due (the first check, each rung, a snoozed nudge) are computed here
too, in the recipient's own time zone and working hours: nobody is nudged at 03:00 where they are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from enum import StrEnum
from typing import Literal

from pydantic import Field

from approvals.core.schema import SCHEMA_VERSION, StoredModel
from approvals.core.timezones import zone

_ID_ALPHABET = "abcdefghjkmnpqrstvwxyz23456789"


def new_commitment_id() -> str:
    """A short id people can type (``cm-7kq2mx9c``)."""
    return "cm-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


def derived_commitment_id(seed: str) -> str:
    """An id of the same form derived from ``seed`` (the action that asked for it), so a job that runs again finds
    the commitment it stored instead of making a second one."""
    number = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    chars = []
    for _ in range(8):
        number, rest = divmod(number, len(_ID_ALPHABET))
        chars.append(_ID_ALPHABET[rest])
    return "cm-" + "".join(chars)


class CommitmentState(StrEnum):
    OPEN = "open"
    NUDGED = "nudged"
    ESCALATED = "escalated"
    MET = "met"
    DISMISSED = "dismissed"
    EXPIRED = "expired"


class CommitmentEvent(StrEnum):
    NUDGE = "nudge"
    ESCALATE = "escalate"
    MEET = "meet"
    DISMISS = "dismiss"
    EXPIRE = "expire"
    SNOOZE = "snooze"
    REASSIGN = "reassign"
    CHECK = "check"
    """A check that found the condition not met yet and changed nothing but the time of the next one."""


S = CommitmentState
E = CommitmentEvent

LIVE: frozenset[CommitmentState] = frozenset({S.OPEN, S.NUDGED, S.ESCALATED})
CLOSED: frozenset[CommitmentState] = frozenset({S.MET, S.DISMISSED, S.EXPIRED})

TRANSITIONS: dict[tuple[CommitmentState, CommitmentEvent], CommitmentState] = {
    (S.OPEN, E.NUDGE): S.NUDGED,
    (S.NUDGED, E.NUDGE): S.NUDGED,
    (S.NUDGED, E.ESCALATE): S.ESCALATED,
    (S.OPEN, E.ESCALATE): S.ESCALATED,
    (S.ESCALATED, E.ESCALATE): S.ESCALATED,
    (S.ESCALATED, E.NUDGE): S.ESCALATED,
    **{(state, E.MEET): S.MET for state in LIVE},
    **{(state, E.DISMISS): S.DISMISSED for state in LIVE},
    **{(state, E.EXPIRE): S.EXPIRED for state in LIVE},
    **{(state, E.SNOOZE): S.OPEN for state in LIVE},
    **{(state, E.REASSIGN): S.OPEN for state in LIVE},
    **{(state, E.CHECK): state for state in LIVE},
}


class CommitmentError(ValueError):
    """A step the commitment's state does not allow (it was closed meanwhile, say)."""


_Model = StoredModel


class Subject(_Model):
    """What the promise is about, in the system that shows whether it was kept."""

    system: Literal["jira", "salesforce"]
    object: Literal["Issue", "Opportunity", "Task", "Account", "Contact"]
    ref: str
    """The issue key (``PAY-12``) or the Salesforce id."""
    name: str
    """For people: ``PAY-12 (Checkout fails on Safari)``, ``Acme Corp - Platform Renewal``."""


Until = Literal["resolved", "status", "closed", "stage_changed", "changed"]


class Condition(_Model):
    """When the promise counts as kept, read from the system (never from a message).

    ``resolved``: a Jira issue in a *done* status category or with a resolution; a Salesforce task completed; an
    opportunity closed. ``status``: the issue's status is one of ``statuses`` ("check whether OPS-4 is in progress").
    ``closed``: an opportunity closed (won or lost). ``stage_changed``: the opportunity's stage is no longer
    ``baseline``. ``changed``: the record's ``LastModifiedDate`` / ``updated`` moved past ``baseline``.
    """

    until: Until = "resolved"
    statuses: tuple[str, ...] = ()
    baseline: str | None = None


class Observation(_Model):
    """What the system shows of a subject now (the values a condition is checked against)."""

    exists: bool = True
    status: str | None = None
    status_category: Literal["new", "indeterminate", "done"] | None = None
    resolution: str | None = None
    assignee: str | None = None
    """Who owns it in the system, as a person's name (for the closing line)."""
    changed_by: str | None = None
    """Who made the change that met the condition, when the system says (Jira's resolver, the record's modifier)."""
    is_closed: bool | None = None
    stage: str | None = None
    updated: str | None = None
    url: str | None = None


def is_met(condition: Condition, seen: Observation) -> bool:
    """Whether ``seen`` shows the promise kept."""
    if not seen.exists:
        return False
    match condition.until:
        case "resolved":
            return seen.status_category == "done" or bool(seen.resolution) or bool(seen.is_closed)
        case "status":
            wanted = {s.casefold() for s in condition.statuses}
            return (seen.status or "").casefold() in wanted
        case "closed":
            return bool(seen.is_closed)
        case "stage_changed":
            return seen.stage is not None and seen.stage != condition.baseline
        case "changed":
            return seen.updated is not None and condition.baseline is not None and seen.updated > condition.baseline


Who = Literal["owner", "requester", "manager", "role", "admins"]


class Rung(_Model):
    """One step of the escalation ladder: who hears about it, how long after the due time."""

    who: Who
    role: str | None = None
    after: dt.timedelta = dt.timedelta(0)


DEFAULT_LADDER: tuple[Rung, ...] = (
    Rung(who="owner"),
    Rung(who="manager", after=dt.timedelta(days=1)),
    Rung(who="admins", after=dt.timedelta(days=2)),
)


class WorkingHours(_Model):
    """When a person may be nudged, in their own time zone (the policy's ``follow_through.working_hours``)."""

    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(18, 0)
    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    """Weekdays (Monday 0) people work."""


def next_working_moment(moment: dt.datetime, tz: str | None, hours: WorkingHours) -> dt.datetime:
    """``moment`` if it falls inside ``hours`` where the person is, else the start of their next working period
    (an aware datetime in UTC)."""
    local = moment.astimezone(zone(tz))
    for _ in range(8):
        if local.weekday() in hours.days:
            start = local.replace(hour=hours.start.hour, minute=hours.start.minute, second=0, microsecond=0)
            end = local.replace(hour=hours.end.hour, minute=hours.end.minute, second=0, microsecond=0)
            if local < start:
                return start.astimezone(dt.UTC)
            if local < end:
                return local.astimezone(dt.UTC)
        following = (local + dt.timedelta(days=1)).replace(
            hour=hours.start.hour, minute=hours.start.minute, second=0, microsecond=0
        )
        local = following
    return moment.astimezone(dt.UTC)  # no working day in a week: nudge when due rather than never


def digest_week(moment: dt.datetime, tz: str | None, weekday: int, at: dt.time) -> str | None:
    """The ISO week (``2026-W50``) whose weekly digest is due at ``moment`` for a person in ``tz``: on ``weekday``
    from ``at`` to the end of that day in their zone; None at any other time (a day with no sweep skips the week).
    Who sent a week's digest remembers the week."""
    local = moment.astimezone(zone(tz))
    year, week, day = local.isocalendar()
    if day - 1 != weekday or local.time() < at:
        return None
    return f"{year}-W{week:02d}"


class Step(_Model):
    """One entry of a commitment's history (its audit has the same, with more detail)."""

    event: CommitmentEvent
    actor: str
    at: dt.datetime
    note: str = ""


class Commitment(_Model):
    id: str
    requester: str
    """Who asked for the follow-up (a Slack user id), or ``policy`` for one a rule attached."""
    owner: str
    """Who must do it (a Slack user id)."""
    subject: Subject
    condition: Condition = Field(default_factory=Condition)
    due: dt.datetime
    every: dt.timedelta | None = None
    """For a recurring nudge ("ping Sam every Monday until PAY-9 is done"): the time between nudges."""
    ladder: tuple[Rung, ...] = DEFAULT_LADDER
    rung: int = 0
    """The next rung of the ladder to act on."""
    nudge_interval: dt.timedelta = dt.timedelta(days=1)
    """Never nudge the same person faster than this (the policy's interval)."""
    snoozed_until: dt.datetime | None = None
    state: CommitmentState = S.OPEN
    channel: str
    thread_ts: str
    """Where the promise was made: the loop is closed there."""
    proposal_id: str | None = None
    rule: str | None = None
    """The policy rule that attached it, when one did."""
    created_at: dt.datetime
    updated_at: dt.datetime
    last_nudged_at: dt.datetime | None = None
    last_seen: Observation | None = None
    closed_note: str = ""
    history: tuple[Step, ...] = ()
    version: int = 0
    schema_version: int = SCHEMA_VERSION
    """The format of the stored record (approvals.core.schema)."""

    @property
    def live(self) -> bool:
        return self.state in LIVE

    def overdue(self, now: dt.datetime) -> bool:
        return self.live and now >= self.due


def apply(
    commitment: Commitment,
    event: CommitmentEvent,
    *,
    actor: str,
    now: dt.datetime,
    note: str = "",
    **changes: object,
) -> Commitment:
    """The commitment after ``event``: its state from the table, the step in its history, ``changes`` applied."""
    target = TRANSITIONS.get((commitment.state, event))
    if target is None:
        raise CommitmentError(f"{commitment.id} is {commitment.state.value}: it can't {event.value}")
    step = Step(event=event, actor=actor, at=now, note=note)
    data = {
        **commitment.model_dump(),
        **changes,
        "state": target,
        "updated_at": now,
        "history": (*commitment.history, step),
        "version": commitment.version + 1,
    }
    if target in CLOSED and not data.get("closed_note"):
        data["closed_note"] = note
    return Commitment.model_validate(data)


def next_due_at(
    commitment: Commitment,
    *,
    tz_of: Mapping[str, str | None],
    hours: WorkingHours,
    recipient_of: Mapping[str, str] | None = None,
) -> dt.datetime | None:
    """When the next step falls due (None once closed or the ladder is done): a snoozed nudge, the next rung, or the
    repeat of a recurring nudge; always inside the working hours of the person it goes to. ``recipient_of`` names
    the person a rung goes to (``manager`` -> a user id); a rung to several people (admins, a role) and an unknown
    one follow the owner's hours. ``tz_of`` gives each person's zone."""
    if not commitment.live:
        return None
    if commitment.snoozed_until is not None:
        return next_working_moment(commitment.snoozed_until, tz_of.get(commitment.owner), hours)
    if commitment.rung < len(commitment.ladder):
        rung = commitment.ladder[commitment.rung]
        moment = commitment.due + rung.after
        if commitment.last_nudged_at is not None:
            moment = max(moment, commitment.last_nudged_at + commitment.nudge_interval)
        person = (recipient_of or {}).get(rung.who, commitment.owner)
        return next_working_moment(moment, tz_of.get(person, tz_of.get(commitment.owner)), hours)
    if commitment.every is not None and commitment.last_nudged_at is not None:
        return next_working_moment(commitment.last_nudged_at + commitment.every, tz_of.get(commitment.owner), hours)
    return None


def took(start: dt.datetime, end: dt.datetime) -> str:
    """ "2 days", "5 hours", "12 minutes": how long something took, for people."""
    seconds = max(0, int((end - start).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "less than a minute"


def closing_line(commitment: Commitment, seen: Observation, now: dt.datetime) -> str:
    """What the origin thread hears when the promise was kept: "PAY-12 was resolved by Alice Chen (Fixed) 2 days
    after it was filed"."""
    what = commitment.subject.ref if commitment.subject.system == "jira" else commitment.subject.name
    by = f" by {seen.changed_by or seen.assignee}" if (seen.changed_by or seen.assignee) else ""
    match commitment.condition.until:
        case "resolved" if commitment.subject.object == "Issue":
            how = f" ({seen.resolution})" if seen.resolution else f" ({seen.status})" if seen.status else ""
            done = f"was resolved{by}{how}"
        case "status":
            done = f"is {seen.status}{' (' + (seen.changed_by or seen.assignee or '') + ')' if by else ''}"
        case "closed" | "resolved":
            done = f"was closed{by}" + (f" ({seen.stage})" if seen.stage else "")
        case "stage_changed":
            done = f"moved to {seen.stage}{by}"
        case _:
            done = f"was updated{by}"
    return f"{what} {done} {took(commitment.created_at, now)} after the follow-up was asked for."
