"""Answering questions about records with live values: "what's the status of PAY-12?", "who has PAY-9?", "what's
the Acme renewal at?", "what do I owe?".

A read changes nothing, so nothing is approved; but it is permission-checked by the policy (``reads:`` names the
roles that may ask about each system: a record a person may not see is never shown to them), read live from the
system (never from a cache), answered in the thread with a link, and audited like everything else.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from approvals.core.grounding.common import NeedsInfo
from approvals.core.grounding.jira import resolve_issue
from approvals.core.grounding.salesforce import money, resolve_opportunity
from approvals.core.intents import ReadRequest
from approvals.core.ports import ConnectorError, PersonMatch
from approvals.core.proposal import place
from approvals.core.wording import plural, slack_time
from approvals.core.workflow import AuditEntry
from approvals.flow.runtime import Runtime

logger = logging.getLogger(__name__)


def answer_reads(
    rt: Runtime, requester: PersonMatch, requests: Sequence[ReadRequest], *, context: Any, read_id: str
) -> str:
    """The reply to ``requests`` (each answered in turn), audited under ``read_id``."""
    principal = rt.directory.principal(requester.slack_user_id)
    policy = rt.policy.current
    answers: list[str] = []
    for request in requests:
        if request.owed:
            answers.append(_owed(rt, requester.slack_user_id))
            _audit(rt, read_id, requester, {"what": "owed"})
            continue
        system = "jira" if request.issue else "salesforce"
        refused = policy.may_read(system, principal)
        if refused is not None:
            _audit(rt, read_id, requester, {"system": system, "refused": refused})
            answers.append(refused)
            continue
        try:
            text, seen = _issue(rt, request, context) if system == "jira" else _opportunity(rt, request)
        except ConnectorError as exc:
            answers.append(f"I couldn't read that just now: {exc.user_message}")
            continue
        _audit(rt, read_id, requester, {"system": system, **seen})
        answers.append(text)
    return "\n".join(answers)


def _audit(rt: Runtime, read_id: str, requester: PersonMatch, data: dict[str, Any]) -> None:
    rt.store.audit.write(read_id, AuditEntry("read.answered", requester.slack_user_id, data), at=rt.clock())


def _issue(rt: Runtime, request: ReadRequest, context: Any) -> tuple[str, dict[str, Any]]:
    if rt.jira_catalog is None:
        return "Jira is not connected to Followthrough here.", {}
    info = resolve_issue(request.issue, jira=rt.jira_catalog, context=context)
    if isinstance(info, NeedsInfo):
        return _ask_again(info), {}
    connector = rt.connectors.get("jira")
    browse = getattr(connector, "browse_url", None)
    link = f" <{browse(info.key)}|Open in Jira>" if browse is not None else ""
    who = f"assigned to {info.assignee_name}" if info.assignee_name else "unassigned"
    parts = [who]
    if info.priority:
        parts.append(f"priority {info.priority}")
    if info.due_date:
        parts.append(f"due {info.due_date:%a %d %b}")
    followed = [c for c in rt.commitments.about("jira", info.key) if c.live]
    if followed:
        parts.append(f"followed up by {plural(len(followed), 'commitment')} (`{followed[0].id}`)")
    text = f"*{info.key}* {info.summary}: *{info.status}*, {', '.join(parts)}.{link}"
    seen = {"issue": info.key, "status": info.status, "assignee": info.assignee_name}
    return text, seen


def _opportunity(rt: Runtime, request: ReadRequest) -> tuple[str, dict[str, Any]]:
    if rt.salesforce_catalog is None:
        return "Salesforce is not connected to Followthrough here.", {}
    found = resolve_opportunity(request.account, request.opportunity, sf=rt.salesforce_catalog)
    if isinstance(found, NeedsInfo):
        return _ask_again(found), {}
    fields = found.fields
    parts = [f"*{fields.get('stage') or 'no stage'}*"]
    if fields.get("amount") is not None:
        parts.append(money(fields["amount"]))
    if fields.get("close_date"):
        close = fields["close_date"]
        day = dt.date.fromisoformat(str(close)) if not isinstance(close, dt.date) else close
        parts.append(f"closing {day:%a %d %b %Y}")
    if fields.get("owner"):
        parts.append(f"owner {fields['owner']}")
    if fields.get("next_step"):
        parts.append(f"next step: {fields['next_step']}")
    connector = rt.connectors.get("salesforce")
    base = getattr(connector, "instance_url", None)
    link = f" <{base}/lightning/r/Opportunity/{found.id}/view|Open in Salesforce>" if base else ""
    text = f"*{found.name}*: {', '.join(parts)}.{link}"
    return text, {"record": found.id, "stage": fields.get("stage"), "amount": str(fields.get("amount"))}


def _ask_again(needs: NeedsInfo) -> str:
    """A read asks nothing back: it names the candidates, and the person asks again about the one they mean."""
    if not needs.choices:
        return needs.question
    names = ", ".join(f"*{c.label}*" for c in needs.choices[:8])
    return f"{needs.question.rstrip('?')}: {names}? Ask again naming the one you mean."


def _owed(rt: Runtime, user_id: str) -> str:
    now = rt.clock()
    owes = sorted(rt.commitments.owed_by(user_id), key=lambda c: (not c.overdue(now), c.due))
    if not owes:
        return "You owe nothing I'm following up. :tada:"
    lines = [f"You owe {plural(len(owes), 'follow-up')}:"]
    for commitment in owes[:10]:
        late = ":red_circle: overdue, " if commitment.overdue(now) else ""
        lines.append(
            f"• {late}{commitment.subject.name}: due {slack_time(commitment.due)} (asked in "
            f"{place(commitment.channel)}) · `{commitment.id}`"
        )
    return "\n".join(lines)
