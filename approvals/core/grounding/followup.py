"""Grounding a follow-up: the issue or record it is about, who owns it, when it is due, and what "done" means.

Nothing is guessed: an unknown issue, an owner the directory can't tell apart, a due time in the past or no due time
at all is a question. The owner defaults to who owns the subject in its system (the issue's assignee, the
opportunity's owner), found in Slack by name or email; when there is none, the requester is asked.
"""

from __future__ import annotations

import datetime as dt

from approvals.core.actions import FollowUp, JiraIssueRef, Person, SfRecordRef
from approvals.core.commitments import WorkingHours, next_working_moment
from approvals.core.grounding.catalogs import JiraCatalog, SalesforceCatalog
from approvals.core.grounding.common import GroundingContext, Lookups, NeedsInfo, Unworkable, resolve_person
from approvals.core.grounding.jira import resolve_issue
from approvals.core.grounding.salesforce import resolve_opportunity
from approvals.core.intents import FollowUpRequest
from approvals.core.ports import PersonMatch
from approvals.core.timezones import zone

END_OF_DAY = dt.time(17, 0)
"""A follow-up due "on Friday" is checked at 17:00 that day where its owner is: late enough for the day's work."""


def ground_follow_up(
    request: FollowUpRequest, *, lookups: Lookups, context: GroundingContext, hours: WorkingHours | None = None
) -> FollowUp | NeedsInfo | Unworkable:
    """The follow-up ``request`` asks for, a question, or why it can't be done."""
    subject = _subject(request, lookups=lookups, context=context)
    if not isinstance(subject, tuple):
        return subject
    issue, record, default_owner, statuses = subject
    owner = _owner(request, default_owner, lookups=lookups, context=context)
    if isinstance(owner, NeedsInfo):
        return owner
    due = _due(request, owner, context=context, hours=hours or WorkingHours())
    if isinstance(due, NeedsInfo):
        return due
    until: str = "resolved"
    wanted: tuple[str, ...] = ()
    if request.until_status:
        status = next((s for s in statuses if s.casefold() == request.until_status.casefold()), None)
        if status is None:
            known = ", ".join(statuses) or "none I can read"
            return NeedsInfo(f"*{request.until_status}* is not a status here. Which one? ({known})", ("until_status",))
        until, wanted = "status", (status,)
    return FollowUp(
        issue=issue,
        record=record,
        owner=Person(
            display_name=owner.real_name or owner.display_name, slack_user_id=owner.slack_user_id, email=owner.email
        ),
        due=due,
        until=until,  # type: ignore[arg-type]
        statuses=wanted,
        escalate=request.escalate,
        every_days=request.every_days,
    )


Subject = tuple[JiraIssueRef | None, SfRecordRef | None, PersonMatch | None, tuple[str, ...]]


def _subject(
    request: FollowUpRequest, *, lookups: Lookups, context: GroundingContext
) -> Subject | NeedsInfo | Unworkable:
    if request.issue:
        if lookups.jira is None:
            return Unworkable("Jira is not connected to Followthrough here, so I can't follow that up. Ask an admin.")
        info = resolve_issue(request.issue, jira=lookups.jira, context=context)
        if isinstance(info, NeedsInfo):
            return info
        assignee = _jira_person(info.assignee_name, lookups)
        statuses = tuple(dict.fromkeys((*info.transitions, info.status, *_statuses(lookups.jira))))
        return JiraIssueRef(key=info.key, summary=info.summary), None, assignee, statuses
    if request.account or request.opportunity:
        if lookups.salesforce is None:
            return Unworkable(
                "Salesforce is not connected to Followthrough here, so I can't follow that up. Ask an admin."
            )
        found = resolve_opportunity(request.account, request.opportunity, sf=lookups.salesforce)
        if isinstance(found, NeedsInfo):
            return found
        email = found.fields.get("owner_email")
        owner = lookups.directory.person_by_email(str(email)) if email else None
        ref = SfRecordRef(object="Opportunity", id=found.id, name=found.name)
        return None, ref, owner, _stages(lookups.salesforce)
    return NeedsInfo(
        "What should I follow up on? Reply with the issue key (like PAY-12) or the deal (like the Acme renewal).",
        ("issue",),
    )


def _statuses(jira: JiraCatalog) -> tuple[str, ...]:
    try:
        return tuple(jira.statuses())
    except Exception:  # the list only helps to read a status: the issue's own transitions are enough
        return ()


def _stages(salesforce: SalesforceCatalog) -> tuple[str, ...]:
    try:
        return tuple(salesforce.stages())
    except Exception:
        return ()


def _jira_person(name: str | None, lookups: Lookups) -> PersonMatch | None:
    """The Slack member who is ``name`` in Jira, when exactly one member has that name."""
    if not name:
        return None
    found = list(lookups.directory.find_people(name))
    return found[0] if len(found) == 1 else None


def _owner(
    request: FollowUpRequest, default: PersonMatch | None, *, lookups: Lookups, context: GroundingContext
) -> PersonMatch | NeedsInfo:
    if request.owner:
        return resolve_person(request.owner, directory=lookups.directory, requester=context.requester, role="owner")
    if default is not None:
        return default
    return NeedsInfo(
        "Who should I follow up with? It has nobody I can find in Slack as its owner. Mention them with @ (or say "
        "`me`).",
        ("owner",),
    )


def _due(
    request: FollowUpRequest, owner: PersonMatch, *, context: GroundingContext, hours: WorkingHours
) -> dt.datetime | NeedsInfo:
    now = context.now or dt.datetime.combine(context.today, dt.time(12, 0), tzinfo=dt.UTC)
    if request.due_in_minutes:
        return now + dt.timedelta(minutes=request.due_in_minutes)
    if request.due_date is None:
        return NeedsInfo(
            "When should I check? Say a day (`Friday`, `Dec 12`) or a time from now (`in 2 hours`).", ("due_date",)
        )
    local = dt.datetime.combine(request.due_date, END_OF_DAY, tzinfo=zone(owner.tz))
    due = local.astimezone(dt.UTC)
    if due <= now:
        return NeedsInfo(
            f"{request.due_date:%a %d %b} has passed where {owner.real_name or owner.display_name} is. When should I "
            "check?",
            ("due_date",),
        )
    return next_working_moment(due, owner.tz, hours) if request.every_days else due
