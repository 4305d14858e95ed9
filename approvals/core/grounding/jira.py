"""Grounding of Jira requests: projects, issue types, priorities, people and issues that really exist.

An issue is named by its key, or as "the ticket from this thread" (the keys the thread produced). An update reads
the issue now and carries ``before`` (the values the approver will see on the card and the executor will insist
on); a change to the value a field already has is dropped, and a request left with nothing to change is
``Unworkable`` rather than a no-op proposal.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import ValidationError

from approvals.core.actions import (
    Action,
    JiraAssign,
    JiraComment,
    JiraCreateIssue,
    JiraIssueRef,
    JiraLinkIssues,
    JiraTransition,
    JiraUpdateFields,
    Person,
)
from approvals.core.grounding.catalogs import JiraCatalog, JiraIssueInfo
from approvals.core.grounding.common import (
    Choice,
    GroundingContext,
    Lookups,
    NeedsInfo,
    Unworkable,
    invalid,
    means_nobody,
    person_in_system,
    pick,
    shown_value,
)
from approvals.core.intents import (
    THIS_THREAD,
    JiraAssignRequest,
    JiraCommentRequest,
    JiraCreateIssueRequest,
    JiraLinkIssuesRequest,
    JiraTransitionRequest,
    JiraUpdateFieldsRequest,
)

Outcome = Action | NeedsInfo | Unworkable

_ISSUE_KEY = re.compile(r"\b([A-Za-z][A-Za-z0-9_]{1,9})-([1-9][0-9]*)\b")
_THREAD_WORDS = frozenset(
    {
        THIS_THREAD,
        "this",
        "it",
        "that",
        "this one",
        "this ticket",
        "this issue",
        "that ticket",
        "that issue",
        "the ticket",
        "the issue",
        "the ticket from this thread",
        "the issue from this thread",
        "this thread's ticket",
        "this thread's issue",
    }
)


def ground_jira(request: Any, *, lookups: Lookups, jira: JiraCatalog, context: GroundingContext) -> Outcome:
    match request:
        case JiraCreateIssueRequest():
            return ground_create_issue(request, lookups=lookups, jira=jira, context=context)
        case JiraCommentRequest():
            return _comment(request, jira=jira, context=context)
        case JiraTransitionRequest():
            return _transition(request, jira=jira, context=context)
        case JiraAssignRequest():
            return _assign(request, lookups=lookups, jira=jira, context=context)
        case JiraUpdateFieldsRequest():
            return _update_fields(request, jira=jira, context=context)
        case JiraLinkIssuesRequest():
            return _link(request, jira=jira, context=context)
    raise TypeError(f"no Jira grounding for {type(request).__name__}")


# ---------------------------------------------------------------------------------------------------------------
# Issues


def _thread_choices(jira: JiraCatalog, context: GroundingContext) -> tuple[Choice, ...]:
    choices = []
    for key in reversed(context.thread_issues[-5:]):
        info = jira.issue(key)
        if info is not None:
            choices.append(Choice(label=f"{key}: {info.summary}"[:75], value=key, detail=info.status))
    return tuple(choices)


def resolve_issue(
    reference: str | None, *, jira: JiraCatalog, context: GroundingContext, role: str = "issue"
) -> JiraIssueInfo | NeedsInfo:
    """The issue ``reference`` names (a key, or this thread's issue), read now; or a question."""
    text = " ".join((reference or "").split())
    if not text:
        return NeedsInfo("Which Jira issue? Reply with its key, like PAY-12.", (role,), _thread_choices(jira, context))
    match = _ISSUE_KEY.search(text)
    if match is None:
        if text.lower() in _THREAD_WORDS:
            if not context.thread_issues:
                return NeedsInfo(
                    "This thread hasn't produced a Jira issue that I know of. Which issue do you mean? "
                    "Reply with its key, like PAY-12.",
                    (role,),
                )
            if len(context.thread_issues) > 1:
                return NeedsInfo(
                    "This thread produced more than one issue. Which one do you mean?",
                    (role,),
                    _thread_choices(jira, context),
                )
            key = context.thread_issues[0]
        else:
            return NeedsInfo(
                f"I need the key of *{text}* to find it, like PAY-12. Which issue is it?",
                (role,),
                _thread_choices(jira, context),
            )
    else:
        key = f"{match[1].upper()}-{match[2]}"
    info = jira.issue(key)
    if info is None:
        return NeedsInfo(
            f"I can't find *{key}* in Jira (or I'm not allowed to see it). Which issue did you mean?",
            (role,),
            _thread_choices(jira, context),
        )
    return info


def _ref(info: JiraIssueInfo) -> JiraIssueRef:
    return JiraIssueRef(key=info.key, summary=info.summary[:254])


def issue_facts(info: JiraIssueInfo) -> dict[str, Any]:
    """What a record-level condition may test of the issue (``approvals.core.actions.FACT_FIELDS``)."""
    return {
        "issue.assignee": info.assignee_email or info.assignee_account_id,
        "issue.status": info.status,
        "issue.reporter": info.reporter,
    }


def _comment(request: JiraCommentRequest, *, jira: JiraCatalog, context: GroundingContext) -> Outcome:
    info = resolve_issue(request.issue, jira=jira, context=context)
    if isinstance(info, NeedsInfo):
        return info
    body = (request.body or "").strip()
    if not body:
        return NeedsInfo(f"What should the comment on {info.key} say?", ("body",))
    try:
        return JiraComment(issue=_ref(info), body=body, facts=issue_facts(info))
    except ValidationError as exc:
        return invalid(exc)


def _transition(request: JiraTransitionRequest, *, jira: JiraCatalog, context: GroundingContext) -> Outcome:
    info = resolve_issue(request.issue, jira=jira, context=context)
    if isinstance(info, NeedsInfo):
        return info
    choices = tuple(Choice(label=status, value=status) for status in info.transitions)
    if not info.transitions:
        return Unworkable(
            f"{info.key} is in *{info.status}*, and its workflow offers no way on from there that I can use."
        )
    if not request.status:
        return NeedsInfo(
            f"Where should {info.key} go? It is in *{info.status}*; its workflow can move it to "
            f"{_alternatives(info.transitions)}.",
            ("status",),
            choices,
        )
    target = pick(request.status, info.transitions)
    if target is None:
        # Words people use for a workflow's usual statuses ("closed" for Done), when the workflow has that status.
        usual = _STATUS_SYNONYMS.get(" ".join(request.status.lower().split()))
        target = pick(usual, info.transitions) if usual else None
        if usual and pick(usual, (info.status,)) is not None:
            return Unworkable(f"{info.key} is already in *{info.status}*.")
    if target is None:
        if pick(request.status, (info.status,)) is not None:
            return Unworkable(f"{info.key} is already in *{info.status}*.")
        return NeedsInfo(
            f"{info.key} can't move to *{request.status}* from *{info.status}*; its workflow can move it to "
            f"{_alternatives(info.transitions)}. Which one?",
            ("status",),
            choices,
        )
    return JiraTransition(issue=_ref(info), status=target, before={"status": info.status}, facts=issue_facts(info))


def _assign(request: JiraAssignRequest, *, lookups: Lookups, jira: JiraCatalog, context: GroundingContext) -> Outcome:
    info = resolve_issue(request.issue, jira=jira, context=context)
    if isinstance(info, NeedsInfo):
        return info
    before = {"assignee": info.assignee_account_id, "assignee_name": info.assignee_name}
    if not request.assignee:
        return NeedsInfo(
            f"Who should {info.key} be assigned to? Mention them with @, or say 'unassigned'.", ("assignee",)
        )
    if means_nobody(request.assignee):
        if info.assignee_account_id is None:
            return Unworkable(f"{info.key} is already unassigned.")
        return JiraAssign(issue=_ref(info), assignee=None, before=before, facts=issue_facts(info))
    person = jira_person(request.assignee, lookups=lookups, jira=jira, context=context)
    if not isinstance(person, Person):
        return person
    if person.jira_account_id == info.assignee_account_id:
        return Unworkable(f"{info.key} is already assigned to {person.display_name}.")
    return JiraAssign(issue=_ref(info), assignee=person, before=before, facts=issue_facts(info))


def jira_person(
    name: str, *, lookups: Lookups, jira: JiraCatalog, context: GroundingContext, role: str = "assignee"
) -> Person | NeedsInfo:
    """The member ``name`` means, with their Jira account (by email); or a question."""
    return person_in_system(
        name,
        directory=lookups.directory,
        requester=context.requester,
        role=role,
        account_for_email=jira.account_id_for_email,
        system="Jira account",
        id_field="jira_account_id",
        instead="Assign someone else, or say 'unassigned'.",
    )


def _update_fields(request: JiraUpdateFieldsRequest, *, jira: JiraCatalog, context: GroundingContext) -> Outcome:
    info = resolve_issue(request.issue, jira=jira, context=context)
    if isinstance(info, NeedsInfo):
        return info
    asked: dict[str, Any] = {}
    if request.summary is not None and request.summary.strip():
        asked["summary"] = " ".join(request.summary.split())
    if request.priority:
        priority = pick(request.priority, jira.priorities())
        if priority is None:
            return NeedsInfo(
                f"*{request.priority}* is not a priority here. Which one? ({', '.join(jira.priorities())})",
                ("priority",),
                tuple(Choice(p, p) for p in jira.priorities()),
            )
        asked["priority"] = priority
    if request.labels:
        asked["labels"] = tuple(dict.fromkeys(request.labels))  # the issue's labels after the change
    if request.due_date is not None:
        if request.due_date < context.today:
            return NeedsInfo(
                f"The due date {request.due_date.isoformat()} is in the past. When should {info.key} be due?",
                ("due_date",),
            )
        asked["due_date"] = request.due_date
    if not asked:
        return NeedsInfo(
            f"What should I change on {info.key}? I can set its summary, priority, labels or due date.", ()
        )
    current: dict[str, Any] = {
        "summary": info.summary,
        "priority": info.priority,
        "labels": tuple(info.labels),
        "due_date": info.due_date,
    }
    changes = {name: value for name, value in asked.items() if value != current[name]}
    if not changes:
        already = ", ".join(f"{name.replace('_', ' ')} {shown_value(value)}" for name, value in asked.items())
        return Unworkable(f"{info.key} already has {already}.")
    before = {name: _json(current[name]) for name in changes}
    try:
        return JiraUpdateFields(issue=_ref(info), before=before, facts=issue_facts(info), **changes)
    except ValidationError as exc:
        return invalid(exc)


def _link(request: JiraLinkIssuesRequest, *, jira: JiraCatalog, context: GroundingContext) -> Outcome:
    first = resolve_issue(request.issue, jira=jira, context=context)
    if isinstance(first, NeedsInfo):
        return first
    second = resolve_issue(request.other, jira=jira, context=context, role="other")
    if isinstance(second, NeedsInfo):
        return second
    if first.key == second.key:
        return NeedsInfo(
            f"An issue can't be linked to itself. Which issue should {first.key} be linked to?", ("other",)
        )
    types = list(jira.link_types())
    phrases: dict[str, tuple[str, bool]] = {}
    for link in types:
        phrases.setdefault(link.outward.lower(), (link.name, False))
        phrases.setdefault(link.inward.lower(), (link.name, True))
        phrases.setdefault(link.name.lower(), (link.name, False))
    choices = tuple(
        Choice(label=f"{first.key} {phrase} {second.key}"[:75], value=phrase)
        for phrase in dict.fromkeys(p for link in types for p in (link.outward, link.inward))
    )
    if not request.link_type:
        return NeedsInfo(f"How is {first.key} related to {second.key}?", ("link_type",), choices)
    wanted = " ".join(request.link_type.lower().split())
    chosen = phrases.get(wanted) or phrases.get(_LINK_SYNONYMS.get(wanted, ""))
    if chosen is None:
        matched = pick(wanted, list(phrases))
        chosen = phrases[matched] if matched else None
    if chosen is None:
        return NeedsInfo(
            f"*{request.link_type}* is not a kind of link this Jira has. How is {first.key} related to {second.key}?",
            ("link_type",),
            choices,
        )
    name, reversed_ = chosen
    outward, inward = (second, first) if reversed_ else (first, second)
    return JiraLinkIssues(outward=_ref(outward), inward=_ref(inward), link_type=name, facts=issue_facts(outward))


_STATUS_SYNONYMS = {
    "closed": "Done",
    "close": "Done",
    "resolved": "Done",
    "resolve": "Done",
    "finished": "Done",
    "complete": "Done",
    "completed": "Done",
    "fixed": "Done",
    "started": "In Progress",
    "start": "In Progress",
    "in-progress": "In Progress",
    "wip": "In Progress",
    "doing": "In Progress",
    "open": "To Do",
    "reopen": "To Do",
    "reopened": "To Do",
    "todo": "To Do",
    "backlog": "To Do",
}

_LINK_SYNONYMS = {
    "related to": "relates to",
    "relates": "relates to",
    "related": "relates to",
    "link": "relates to",
    "linked to": "relates to",
    "blocked by": "is blocked by",
    "depends on": "is blocked by",
    "duplicate of": "duplicates",
    "is a duplicate of": "duplicates",
    "duplicated by": "is duplicated by",
    "cloned from": "clones",
    "a clone of": "clones",
}


def _alternatives(options: tuple[str, ...]) -> str:
    quoted = [f"*{o}*" for o in options]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


# ---------------------------------------------------------------------------------------------------------------
# Create


def ground_create_issue(
    request: JiraCreateIssueRequest, *, lookups: Lookups, jira: JiraCatalog, context: GroundingContext
) -> Outcome:
    if context.thread_issues and not request.confirmed_duplicate:
        latest = context.thread_issues[-1]
        return NeedsInfo(
            f"*{latest}* was already created from this thread. Should I file another issue anyway?",
            ("confirmed_duplicate",),
            (Choice("Yes, file a new issue", "yes"), Choice(f"No, {latest} is enough", "no")),
        )
    projects = jira.projects()
    keys = ", ".join(sorted(projects))
    project_choices = tuple(Choice(f"{key}: {projects[key].name}"[:75], key) for key in sorted(projects))
    if not request.project:
        return NeedsInfo(f"Which Jira project should I file this in? ({keys})", ("project",), project_choices)
    project = projects.get(request.project.strip().upper())
    if project is None:
        return NeedsInfo(
            f"There is no Jira project *{request.project}* I can use. Pick one of: {keys}.",
            ("project",),
            project_choices,
        )
    issue_type = pick(request.issue_type, project.issue_types)
    if issue_type is None:
        types = ", ".join(project.issue_types)
        lead = (
            "What kind of issue is it"
            if not request.issue_type
            else f"*{request.issue_type}* is not an issue type in {project.key}. Which one is it"
        )
        return NeedsInfo(f"{lead}? ({types})", ("issue_type",), tuple(Choice(t, t) for t in project.issue_types))
    if not request.summary or not request.summary.strip():
        return NeedsInfo(
            f"What should the {issue_type.lower()} in {project.key} be called? Reply with a one-line summary.",
            ("summary",),
        )
    priority: str | None = None
    if request.priority:
        priority = pick(request.priority, jira.priorities())
        if priority is None:
            return NeedsInfo(
                f"*{request.priority}* is not a priority here. Use one of: {', '.join(jira.priorities())}.",
                ("priority",),
                tuple(Choice(p, p) for p in jira.priorities()),
            )
    if request.due_date is not None and request.due_date < context.today:
        return NeedsInfo(
            f"The due date {request.due_date.isoformat()} is in the past. When should it be due?", ("due_date",)
        )
    assignee: Person | None = None
    if request.assignee and not means_nobody(request.assignee):
        found = jira_person(request.assignee, lookups=lookups, jira=jira, context=context)
        if isinstance(found, NeedsInfo):
            return found
        assignee = found
    description = "\n\n".join(part for part in ((request.description or "").strip(), context.thread_quote) if part)
    try:
        return JiraCreateIssue(
            project=project.key,
            issue_type=issue_type,
            summary=request.summary,
            description=description,
            assignee=assignee,
            priority=priority,
            labels=tuple(request.labels),
            due_date=request.due_date,
        )
    except ValidationError as exc:
        return invalid(exc)
