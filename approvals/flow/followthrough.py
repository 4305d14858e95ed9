"""Following promises through: commitments are made, checked in the real systems, nudged, escalated and closed.

The pure model and its transition table are in ``approvals.core.commitments``; this module persists and schedules them.

- **Made**: an approved follow-up action (``FollowUp``) runs through the executor like any other action; the
  ``followthrough`` connector here stores the commitment (its id derived from the action id, so a repeated job finds
  it) and schedules its first check. A policy rule (``follow_through.attach``) makes one after an action it names
  succeeded, the same way.
- **Checked**: each step is one RQ scheduled job with a fixed id per commitment and step (``followup-<id>-<n>``):
  it survives restarts of every process, fires once, and does nothing once the commitment moved on (it compares
  ``n`` with the commitment's history). The sweep (``followup-sweep-<epoch>``, one job per ``sweep_every`` slot,
  each scheduling the next before it starts) reads every live subject with batched queries per system (JQL ``key
  in (...)`` for 100 keys, SOQL ``Id IN (...)`` for 200 ids), so a fix made early is heard within minutes and the
  cost grows with the systems and the number of records watched / 100, never one call per commitment.
- **Nudged and escalated**: at the due time the owner gets a DM with what was promised, where and by whom, and
  buttons (Done, Snooze, Reassign, Won't do); if nothing moves, the ladder from the policy (manager, a role,
  admins). Every message goes out inside the recipient's working hours, in their zone, never faster than the
  policy's interval, and stops the moment the condition is met.
- **Closed**: met is read from the system, never taken from a message ("Done" on a nudge while Jira still says In
  Progress is refused and says so); the origin thread hears what happened, once.
- **Said once, never lost**: a step records what it owes people (its nudges, the closing line) with the step itself
  (``approvals.flow.commitment_store``); what a killed or failing worker left owed is said by the next sweep, and the
  notifier finds a message already posted by its metadata instead of posting it twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from approvals.core.actions import Action, FollowUp, JiraIssueRef, SfRecordRef
from approvals.core.commitments import (
    Commitment,
    CommitmentError,
    CommitmentEvent,
    Condition,
    Observation,
    Rung,
    Subject,
    WorkingHours,
    apply,
    closing_line,
    derived_commitment_id,
    digest_week,
    is_met,
    next_due_at,
)
from approvals.core.conditions import EvaluationContext, evaluate, parse_condition
from approvals.core.ports import ConnectorError, ExecutionContext, Outcome, PermanentError
from approvals.core.proposal import ActionResult, Proposal, place
from approvals.core.timezones import zone
from approvals.core.wording import slack_time
from approvals.core.workflow import AuditEntry
from approvals.flow import keys, queueing
from approvals.flow.attempts import describe_error
from approvals.flow.commitment_store import CommitmentNotFound, CommitmentStore, OwedMessage
from approvals.flow.runtime import Runtime, current

logger = logging.getLogger(__name__)

SWEEP_JOB = "followup-sweep"
CHECK_RETRY = dt.timedelta(minutes=5)
"""A check that could not read the system is tried again this much later (its step is unchanged)."""
OWED_GIVE_UP_AFTER = dt.timedelta(days=1)
"""A message still owed after this long (Slack refused it all along) is given up, with an error in the log."""


# ---------------------------------------------------------------------------------------------------------------
# Policy settings


def working_hours(rt: Runtime) -> WorkingHours:
    (sh, sm), (eh, em), days = rt.policy.current.document.follow_through.hours()
    return WorkingHours(start=dt.time(sh, sm), end=dt.time(eh, em), days=days)


def _ladder(rt: Runtime, escalate: bool) -> tuple[Rung, ...]:
    steps = rt.policy.current.document.follow_through.ladder
    rungs: list[Rung] = []
    for step in steps:
        who = step.to
        after = dt.timedelta(seconds=step.after)
        if who in ("owner", "requester", "manager", "admins"):
            rungs.append(Rung(who=who, after=after))  # type: ignore[arg-type]
        else:
            rungs.append(Rung(who="role", role=who, after=after))
    if not escalate:
        rungs = [r for r in rungs if r.who == "owner"] or [Rung(who="owner")]
    return tuple(rungs)


def recipients_by_rung(rt: Runtime, commitment: Commitment) -> dict[str, str]:
    """The one person each single-person rung goes to (owner, requester, the owner's manager)."""
    people = {"owner": commitment.owner}
    if commitment.requester != "policy":
        people["requester"] = commitment.requester
    if any(r.who == "manager" for r in commitment.ladder[commitment.rung :]):
        manager = rt.directory.manager_of(commitment.owner)
        if manager:
            people["manager"] = manager
    return people


def zones(rt: Runtime, people: Iterable[str]) -> dict[str, str | None]:
    """The time zone of each of ``people`` (a step falls due inside the working hours of the person it goes to)."""
    found: dict[str, str | None] = {}
    for user_id in people:
        person = rt.directory.person(user_id)
        found[user_id] = person.tz if person is not None else None
    return found


def next_at(rt: Runtime, commitment: Commitment) -> dt.datetime | None:
    if not commitment.live:
        return None
    recipients = recipients_by_rung(rt, commitment)
    return next_due_at(
        commitment,
        tz_of=zones(rt, set(recipients.values())),
        hours=working_hours(rt),
        recipient_of=recipients,
    )


# ---------------------------------------------------------------------------------------------------------------
# Made


def commitment_for(
    action: FollowUp,
    *,
    commitment_id: str,
    requester: str,
    channel: str,
    thread_ts: str,
    proposal_id: str | None,
    now: dt.datetime,
    ladder: tuple[Rung, ...],
    nudge_interval: dt.timedelta,
    rule: str | None = None,
) -> Commitment:
    if action.issue is not None:
        subject = Subject(system="jira", object="Issue", ref=action.issue.key, name=action.subject_name)
    else:
        assert action.record is not None
        subject = Subject(
            system="salesforce", object=action.record.object, ref=action.record.id, name=action.record.name
        )  # type: ignore[arg-type]
    owner = action.owner.slack_user_id or requester
    return Commitment(
        id=commitment_id,
        requester=requester,
        owner=owner,
        subject=subject,
        condition=Condition(until=action.until, statuses=action.statuses),
        due=action.due,
        every=dt.timedelta(days=action.every_days) if action.every_days else None,
        ladder=ladder,
        nudge_interval=nudge_interval,
        channel=channel,
        thread_ts=thread_ts,
        proposal_id=proposal_id,
        rule=rule,
        created_at=now,
        updated_at=now,
    )


class FollowThroughConnector:
    """The ``followthrough`` system: "executing" a follow-up stores its commitment and schedules its first check.

    Safe to call again with the same action id: the commitment's id is derived from it, so a repeated job finds the
    one it stored (``reconcile``) instead of making a second."""

    system = "followthrough"

    def __init__(self, runtime: Runtime | None = None) -> None:
        self._runtime = runtime

    @property
    def rt(self) -> Runtime:
        return self._runtime or current()

    def execute(self, action: Action, context: ExecutionContext) -> Outcome:
        if not isinstance(action, FollowUp):
            raise PermanentError(f"Followthrough can't run {action.kind}.")
        rt = self.rt
        proposal = rt.store.find(context.proposal_id)
        if proposal is None:
            raise PermanentError("The request behind this follow-up is gone.")
        policy = rt.policy.current.document.follow_through
        commitment = commitment_for(
            action,
            commitment_id=derived_commitment_id(context.action_id),
            requester=proposal.requester,
            channel=proposal.channel,
            thread_ts=proposal.thread_ts,
            proposal_id=proposal.id,
            now=rt.clock(),
            ladder=_ladder(rt, action.escalate),
            nudge_interval=dt.timedelta(seconds=policy.nudge_interval),
        )
        made = make(rt, commitment, actor=proposal.requester)
        return _outcome(rt, made)

    def reconcile(self, action: Action, context: ExecutionContext) -> Outcome | None:
        found = self.rt.commitments.find(derived_commitment_id(context.action_id))
        return _outcome(self.rt, found) if found is not None else None


def _outcome(rt: Runtime, commitment: Commitment) -> Outcome:
    # A summary is plain text (the cards escape it): the owner by name, the time where they are.
    person = rt.directory.person(commitment.owner)
    who = person.real_name if person is not None else commitment.owner
    local = commitment.due.astimezone(zone(person.tz if person is not None else None))
    return Outcome(
        summary=(
            f"Following up on {commitment.subject.name} with {who}: checked {local:%a %d %b %H:%M} "
            f"({local.tzname()}), nudged if it isn't done"
        ),
        key=commitment.id,
        changes={"created": {"commitment": commitment.id}},
    )


def make(rt: Runtime, commitment: Commitment, *, actor: str) -> Commitment:
    """Store ``commitment`` (once) and schedule its first step."""
    entry = AuditEntry(
        "commitment.created",
        actor,
        {
            "owner": commitment.owner,
            "subject": commitment.subject.model_dump(),
            "due": commitment.due.isoformat(),
            "until": commitment.condition.model_dump(),
            "ladder": [r.model_dump(mode="json") for r in commitment.ladder],
            "proposal_id": commitment.proposal_id,
            "rule": commitment.rule,
        },
    )
    first = next_at(rt, commitment)
    created = rt.commitments.create(commitment, entry, next_at=first)
    stored = rt.commitments.get(commitment.id)
    if created:
        schedule(rt, stored)
        ensure_sweep(rt)
    return stored


def attach_follow_ups(rt: Runtime, proposal: Proposal) -> list[Commitment]:
    """The follow-ups the policy attaches to what ``proposal`` just did (``follow_through.attach``): "every Highest
    bug filed from Slack is followed until it is resolved, with the assignee as owner and a 2-day check". Safe to
    call again: each one's id is derived from the proposal, the action and the rule."""
    follow = rt.policy.current.document.follow_through
    if not follow.attach:
        return []
    principal = rt.directory.principal(proposal.requester)
    roles = rt.policy.current.roles_of(principal)
    channel_names = frozenset(rt.threads.channel_names(proposal.channel))
    made: list[Commitment] = []
    for result in proposal.results:
        if result.status != "done" or result.index >= len(proposal.actions):
            continue
        action = proposal.actions[result.index]
        for number, rule in enumerate(follow.attach):
            if rule.kind != action.kind or not _holds(rule.when, action, roles, channel_names):
                continue
            subject = _subject_of(action, result)
            if subject is None:
                continue
            owner = _attached_owner(rule.owner, action, proposal)
            if owner is None:
                logger.info("proposal %s: no owner for the follow-up %r (%s)", proposal.id, rule.name, rule.owner)
                continue
            now = rt.clock()
            commitment = Commitment(
                id=derived_commitment_id(f"{proposal.id}:{result.index}:attach:{number}"),
                requester="policy",
                owner=owner,
                subject=subject,
                due=now + dt.timedelta(seconds=rule.check_after),
                ladder=_ladder(rt, rule.escalate),
                nudge_interval=dt.timedelta(seconds=follow.nudge_interval),
                channel=proposal.channel,
                thread_ts=proposal.thread_ts,
                proposal_id=proposal.id,
                rule=rule.name or f"follow_through.attach {number + 1}",
                created_at=now,
                updated_at=now,
            )
            made.append(make(rt, commitment, actor="policy"))
    return made


def _holds(when: Sequence[str], action: Action, roles: frozenset[str], channels: frozenset[str]) -> bool:
    context = EvaluationContext(
        fields=action.policy_fields(), requester_roles=roles, channel_names=channels, previous=action.previous_values()
    )
    return all(evaluate(parse_condition(text), context) for text in when)


def _subject_of(action: Action, result: ActionResult) -> Subject | None:
    if action.kind == "jira.create_issue" and result.key:
        summary = getattr(action, "summary", "")
        return Subject(system="jira", object="Issue", ref=result.key, name=f"{result.key} ({summary})")
    issue = getattr(action, "issue", None)
    if isinstance(issue, JiraIssueRef):
        name = f"{issue.key} ({issue.summary})" if issue.summary else issue.key
        return Subject(system="jira", object="Issue", ref=issue.key, name=name)
    record = getattr(action, "opportunity", None)
    if isinstance(record, SfRecordRef):
        return Subject(system="salesforce", object="Opportunity", ref=record.id, name=record.name)
    return None


def _attached_owner(kind: str, action: Action, proposal: Proposal) -> str | None:
    if kind == "requester":
        return proposal.requester
    person = getattr(action, "assignee", None) if kind == "assignee" else getattr(action, "owner", None)
    return getattr(person, "slack_user_id", None)


# ---------------------------------------------------------------------------------------------------------------
# Scheduling


def schedule(rt: Runtime, commitment: Commitment, *, at: dt.datetime | None = None) -> str | None:
    """Schedule the commitment's next step (one fixed job id per commitment and step)."""
    when = at or next_at(rt, commitment)
    if when is None or not commitment.live:
        return None
    step = len(commitment.history)
    job_id = f"followup-{commitment.id}-{step}"
    queueing.schedule(rt, when, queueing.FOLLOW_UP_STEP, commitment.id, step, job_id=job_id)
    logger.info("follow-up %s: step %d scheduled at %s", commitment.id, step, when.isoformat())
    return job_id


def ensure_sweep(rt: Runtime) -> str:
    """Keep the next sweep scheduled: at the next multiple of ``sweep_every`` (epoch seconds), with that moment in
    its job id. Every caller (a worker starting, a follow-up made, the sweep itself) names the same job, so
    scheduling it again neither doubles it nor moves it later (a stream of new follow-ups can't postpone the sweep
    for ever), and it is never the id of a sweep still running (whose end would overwrite the next one's job)."""
    every = rt.policy.current.document.follow_through.sweep_every
    slot = (math.floor(rt.clock().timestamp() / every) + 1) * every
    job_id = f"{SWEEP_JOB}-{slot}"
    queueing.schedule(
        rt, dt.datetime.fromtimestamp(slot, tz=dt.UTC), queueing.FOLLOW_UP_SWEEP, job_id=job_id, result_ttl=600
    )
    return job_id


# ---------------------------------------------------------------------------------------------------------------
# Reading the systems


def observe(rt: Runtime, subjects: Sequence[Subject]) -> dict[tuple[str, str], Observation]:
    """What each system shows of ``subjects`` now: one batched read per system. A system that can't be read is left
    out (its commitments are checked again later); one that says a record is gone reports ``exists=False``."""
    seen: dict[tuple[str, str], Observation] = {}
    by_system: dict[str, list[Subject]] = {}
    for subject in subjects:
        by_system.setdefault(subject.system, []).append(subject)
    for system, items in by_system.items():
        connector = rt.connectors.get(system)
        reader = getattr(connector, "observe", None)
        if reader is None:
            continue
        try:
            found: Mapping[str, Observation] = reader([(s.object, s.ref) for s in items])
        except ConnectorError as exc:
            logger.warning("follow-ups: %s could not be read (%s); checking again later", system, exc)
            continue
        for subject in items:
            seen[(system, subject.ref)] = found.get(subject.ref, Observation(exists=False))
    return seen


# ---------------------------------------------------------------------------------------------------------------
# Steps


def check(commitment_id: str, step: int) -> str:
    """The scheduled step of a commitment (a no-op once it moved on)."""
    return run_check(current(), commitment_id, step=step)


def run_check(rt: Runtime, commitment_id: str, *, step: int | None = None) -> str:
    commitment = rt.commitments.find(commitment_id)
    if commitment is None or not commitment.live:
        return "noop"
    if step is not None and step != len(commitment.history):
        return "stale"
    seen = observe(rt, [commitment.subject]).get((commitment.subject.system, commitment.subject.ref))
    if seen is None:
        schedule(rt, commitment, at=rt.clock() + CHECK_RETRY)
        return "retry"
    return _act(rt, commitment, seen, due_step=True)


def _act(rt: Runtime, commitment: Commitment, seen: Observation, *, due_step: bool) -> str:
    now = rt.clock()
    if is_met(commitment.condition, seen):
        close_met(rt, commitment.id, seen, by="system")
        return "met"
    if not seen.exists:
        _close(
            rt,
            commitment.id,
            CommitmentEvent.EXPIRE,
            by="system",
            seen=seen,
            note=f"{commitment.subject.name} no longer exists (or Followthrough can't see it any more)",
        )
        return "expired"
    due = next_at(rt, commitment)
    if not due_step or due is None or now < due:
        if due_step and due is not None:
            schedule(rt, commitment, at=due)
        return "waiting"
    return _step_due(rt, commitment, seen)


def _recipients(rt: Runtime, commitment: Commitment, rung: Rung) -> list[str]:
    match rung.who:
        case "owner":
            return [commitment.owner]
        case "requester":
            return [commitment.requester] if commitment.requester != "policy" else []
        case "manager":
            manager = rt.directory.manager_of(commitment.owner)
            return [manager] if manager else []
        case "admins":
            policy = rt.policy.current
            return list(rt.directory.members_of(list(policy.document.admins)))
        case "role":
            return list(rt.directory.members_of([rung.role or ""]))
    return []


def _step_due(rt: Runtime, commitment: Commitment, seen: Observation) -> str:
    now = rt.clock()
    if commitment.rung < len(commitment.ladder):
        rung = commitment.ladder[commitment.rung]
        event = CommitmentEvent.NUDGE if commitment.rung == 0 else CommitmentEvent.ESCALATE
        users = _recipients(rt, commitment, rung)
        next_rung = commitment.rung + 1
    elif commitment.every is not None:
        rung, event, users, next_rung = commitment.ladder[0], CommitmentEvent.NUDGE, [commitment.owner], commitment.rung
    else:
        return "done"

    def step(c: Commitment) -> tuple[Commitment, AuditEntry] | None:
        if c.version != commitment.version:
            return None
        changed = apply(
            c,
            event,
            actor="scheduler",
            now=now,
            note=", ".join(users),
            rung=next_rung,
            last_nudged_at=now,
            last_seen=seen,
        )
        return changed, AuditEntry(
            f"commitment.{event.value}",
            "scheduler",
            {"to": users, "rung": rung.model_dump(mode="json"), "seen": seen.model_dump(exclude_none=True)},
        )

    owes = _nudging(users, escalated=event is CommitmentEvent.ESCALATE)
    changed = rt.commitments.update(commitment.id, step, next_at=lambda c: next_at(rt, c), owes=owes)
    if changed is None:
        return "stale"
    if not users:
        logger.info("follow-up %s: nobody to send the %s step to (%s)", changed.id, event.value, rung.who)
    say(rt, changed, owes(changed))
    return event.value


def _nudging(
    users: Sequence[str], *, escalated: bool, reassigned_by: str | None = None
) -> Callable[[Commitment], OwedMessage]:
    def owes(c: Commitment) -> OwedMessage:
        return OwedMessage(
            commitment_id=c.id,
            version=c.version,
            kind="nudge",
            at=c.updated_at,
            to=tuple(users),
            escalated=escalated,
            reassigned_by=reassigned_by,
        )

    return owes


def _closing(c: Commitment) -> OwedMessage:
    return OwedMessage(commitment_id=c.id, version=c.version, kind="closed", at=c.updated_at)


def say(rt: Runtime, commitment: Commitment, owed: OwedMessage) -> None:
    """Say what ``owed`` owes for ``commitment`` (each message looked up by its metadata before it is posted, so
    saying it again posts nothing new), schedule the commitment's next step, then settle it."""
    if owed.kind == "closed":
        rt.notifier.reply(
            commitment.channel, commitment.thread_ts, close_text(commitment), once=f"followup:{commitment.id}:closed"
        )
    else:
        for user in owed.to:
            rt.notifier.nudge(
                commitment,
                user,
                seen=commitment.last_seen,
                escalated=owed.escalated,
                reassigned_by=owed.reassigned_by,
            )
        schedule(rt, commitment)
    rt.commitments.settle(owed)


def say_what_is_owed(rt: Runtime) -> int:
    """Say what a killed worker (or a Slack that refused) left owed, once it has been owed for a few seconds;
    returns how many were said. A message about a version the commitment has left since is dropped: it no longer
    describes the follow-up."""
    said = 0
    now = rt.clock()
    for owed in rt.commitments.owed_older_than(rt.timing.announce_grace):
        commitment = rt.commitments.find(owed.commitment_id)
        if commitment is None or commitment.version != owed.version:
            rt.commitments.settle(owed)
            continue
        try:
            say(rt, commitment, owed)
        except Exception as exc:
            if now - owed.at > OWED_GIVE_UP_AFTER:
                rt.commitments.settle(owed)
                logger.exception(
                    "follow-up %s: the %s message was never said; giving up", owed.commitment_id, owed.kind
                )
            else:
                logger.warning(
                    "follow-up %s: saying the owed %s message failed (%s); the next sweep tries again",
                    owed.commitment_id,
                    owed.kind,
                    describe_error(exc),
                )
            continue
        said += 1
        logger.info("follow-up %s: said the %s message a step had left owed", owed.commitment_id, owed.kind)
    return said


def close_met(rt: Runtime, commitment_id: str, seen: Observation, *, by: str) -> Commitment | None:
    commitment = rt.commitments.find(commitment_id)
    if commitment is None or not commitment.live:
        return None
    line = closing_line(commitment, seen, rt.clock())
    return _close(rt, commitment_id, CommitmentEvent.MEET, by=by, seen=seen, note=line)


def _close(
    rt: Runtime, commitment_id: str, event: CommitmentEvent, *, by: str, note: str, seen: Observation | None = None
) -> Commitment | None:
    now = rt.clock()

    def step(c: Commitment) -> tuple[Commitment, AuditEntry] | None:
        if not c.live:
            return None
        extra: dict[str, Any] = {"last_seen": seen} if seen is not None else {}
        changed = apply(c, event, actor=by, now=now, note=note, closed_note=note, **extra)
        data = {"note": note, **({"seen": seen.model_dump(exclude_none=True)} if seen is not None else {})}
        return changed, AuditEntry(f"commitment.{changed.state.value}", by, data)

    try:
        changed = rt.commitments.update(commitment_id, step, next_at=lambda c: None, owes=_closing)
    except (CommitmentError, CommitmentNotFound):
        return None
    if changed is None:
        return None
    say(rt, changed, _closing(changed))
    logger.info("follow-up %s: %s (%s)", changed.id, changed.state.value, note)
    return changed


def close_text(commitment: Commitment) -> str:
    owner = f"<@{commitment.owner}>"
    match commitment.state.value:
        case "met":
            return f":white_check_mark: {commitment.closed_note}"
        case "dismissed":
            return (
                f":no_entry_sign: {owner} won't follow through on {commitment.subject.name}: {commitment.closed_note}"
            )
        case _:
            return f":grey_question: The follow-up on {commitment.subject.name} stopped: {commitment.closed_note}"


# ---------------------------------------------------------------------------------------------------------------
# The sweep


def sweep() -> str:
    rt = current()
    ensure_sweep(rt)  # the next one first: a worker killed in the middle of this one must not end the chain
    said = say_what_is_owed(rt)
    found = sweep_once(rt)
    digests = send_digests(rt)
    return f"{found} met, {said} owed message(s) said, {digests} digest(s) sent"


def sweep_once(rt: Runtime) -> int:
    """Read every live subject (one query per system) and close what is met; also run any step whose scheduled job
    was lost. Returns how many commitments were met."""
    live = rt.commitments.all_live(limit=100_000)
    if not live:
        return 0
    subjects = list({(c.subject.system, c.subject.ref): c.subject for c in live}.values())
    seen = observe(rt, subjects)
    met = 0
    now = rt.clock()
    overdue = set(rt.commitments.due(now - dt.timedelta(minutes=2)))
    for commitment in live:
        observed = seen.get((commitment.subject.system, commitment.subject.ref))
        if observed is None:
            continue
        result = _act(rt, commitment, observed, due_step=commitment.id in overdue)
        met += result == "met"
    return met


def send_digests(rt: Runtime) -> int:
    """The weekly digest (policy ``follow_through.digest``): each owner with overdue follow-ups gets one direct
    message a week listing them, on the digest's day from its time on, in their own zone. Each week's digest is sent
    once: the week is remembered per owner, and the message carries it (a repeat finds it posted). Returns how many."""
    when = rt.policy.current.document.follow_through.digest_at()
    now = rt.clock()
    # Every zone is within a day of UTC: on the other days of the week nobody's digest day has come.
    if when is None or (now.weekday() - when[0]) % 7 not in (6, 0, 1):
        return 0
    late: dict[str, list[Commitment]] = {}
    for commitment in rt.commitments.all_live(limit=100_000):
        if commitment.overdue(now):
            late.setdefault(commitment.owner, []).append(commitment)
    sent = 0
    for owner, items in late.items():
        person = rt.directory.person(owner)
        week = digest_week(now, person.tz if person is not None else None, *when)
        if week is None or rt.connection.get(keys.digest_sent(owner)) == week.encode():
            continue
        try:
            rt.notifier.alert([owner], digest_text(items), once=f"digest:{owner}:{week}")
        except Exception as exc:
            logger.warning("weekly digest for %s failed (%s); next sweep tries again", owner, describe_error(exc))
            continue
        rt.connection.set(keys.digest_sent(owner), week, ex=14 * 86400)
        sent += 1
        logger.info("weekly digest %s sent to %s: %d overdue follow-up(s)", week, owner, len(items))
    return sent


def digest_text(items: Sequence[Commitment]) -> str:
    lines = [f":calendar: *Your overdue follow-ups this week* ({len(items)})"]
    for commitment in sorted(items, key=lambda c: c.due)[:30]:
        lines.append(
            f"• {commitment.subject.name}: was due {slack_time(commitment.due)}, asked by <@{commitment.requester}> "
            f"in {place(commitment.channel)} · `{commitment.id}`"
        )
    if len(items) > 30:
        lines.append(f"…and {len(items) - 30} more: `/followthrough owed` lists them all.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# What people do with a nudge


class FollowUpRefused(Exception):
    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


def _load(rt: Runtime, commitment_id: str) -> Commitment:
    commitment = rt.commitments.find(commitment_id)
    if commitment is None:
        raise FollowUpRefused(f"I can't find the follow-up {commitment_id}.")
    if not commitment.live:
        raise FollowUpRefused(f"This follow-up is already {commitment.state.value}.")
    return commitment


def _may_act(rt: Runtime, commitment: Commitment, user: str) -> None:
    """The owner, whoever asked, an admin, and the people an escalation reached (the rungs climbed so far: the
    owner's manager, a role's members) may act on a follow-up's buttons."""
    if user in (commitment.owner, commitment.requester):
        return
    if rt.policy.current.is_admin(rt.directory.principal(user)):
        return
    reached = {u for rung in commitment.ladder[1 : commitment.rung] for u in _recipients(rt, commitment, rung)}
    if user in reached:
        return
    raise FollowUpRefused(
        f"Only <@{commitment.owner}> (who owns it), <@{commitment.requester}>, those it was escalated to or an admin "
        "can do that."
    )


def done_clicked(rt: Runtime, commitment_id: str, user: str) -> str:
    """ "Done" on a nudge: verified in the system, never taken from the click."""
    commitment = _load(rt, commitment_id)
    _may_act(rt, commitment, user)
    seen = observe(rt, [commitment.subject]).get((commitment.subject.system, commitment.subject.ref))
    if seen is None:
        raise FollowUpRefused(
            f"I can't read {commitment.subject.name} right now, so I can't confirm it's done; I'll keep checking."
        )
    if not is_met(commitment.condition, seen):
        status = seen.status or seen.stage or "not done"
        jira = commitment.subject.system == "jira"
        system, what = ("Jira", commitment.subject.ref) if jira else ("Salesforce", commitment.subject.name)
        raise FollowUpRefused(
            f"{system} still says {what} is {status}, so the follow-up stays open. Once it's done there, I'll close "
            "it on my own."
        )
    close_met(rt, commitment_id, seen, by=user)
    return "Confirmed in the system; I told the thread."


def snooze(rt: Runtime, commitment_id: str, user: str, until: dt.datetime) -> Commitment:
    commitment = _load(rt, commitment_id)
    _may_act(rt, commitment, user)
    if until <= rt.clock():
        raise FollowUpRefused("That time has passed; pick a later one.")
    now = rt.clock()

    def step(c: Commitment) -> tuple[Commitment, AuditEntry] | None:
        changed = apply(c, CommitmentEvent.SNOOZE, actor=user, now=now, note=until.isoformat(), snoozed_until=until)
        return changed, AuditEntry("commitment.snoozed", user, {"until": until.isoformat()})

    changed = _update(rt, commitment_id, step)
    schedule(rt, changed)
    return changed


def reassign(rt: Runtime, commitment_id: str, user: str, new_owner: str) -> Commitment:
    commitment = _load(rt, commitment_id)
    _may_act(rt, commitment, user)
    if rt.directory.person(new_owner) is None:
        raise FollowUpRefused(f"I can't find <@{new_owner}> in this workspace.")
    if new_owner == commitment.owner:
        raise FollowUpRefused(f"<@{new_owner}> already owns it.")
    now = rt.clock()

    def step(c: Commitment) -> tuple[Commitment, AuditEntry] | None:
        changed = apply(
            c,
            CommitmentEvent.REASSIGN,
            actor=user,
            now=now,
            note=f"from {c.owner} to {new_owner}",
            owner=new_owner,
            rung=0,
            snoozed_until=None,
        )
        return changed, AuditEntry("commitment.reassigned", user, {"from": c.owner, "to": new_owner})

    owes = _nudging([new_owner], escalated=False, reassigned_by=user)
    changed = _update(rt, commitment_id, step, owes=owes)
    say(rt, changed, owes(changed))
    return changed


def wont_do(rt: Runtime, commitment_id: str, user: str, reason: str) -> Commitment:
    commitment = _load(rt, commitment_id)
    _may_act(rt, commitment, user)
    reason = " ".join(reason.split())
    if not reason:
        raise FollowUpRefused("Say why, so the thread knows.")
    changed = _close(rt, commitment_id, CommitmentEvent.DISMISS, by=user, note=reason)
    if changed is None:
        raise FollowUpRefused("This follow-up was closed meanwhile.")
    return changed


def _update(
    rt: Runtime, commitment_id: str, step: Any, *, owes: Callable[[Commitment], OwedMessage] | None = None
) -> Commitment:
    try:
        changed = rt.commitments.update(commitment_id, step, next_at=lambda c: next_at(rt, c), owes=owes)
    except CommitmentError as exc:
        raise FollowUpRefused(str(exc)) from None
    if changed is None:
        raise FollowUpRefused("This follow-up changed meanwhile; look at the newest message.")
    return changed


def store_of(rt: Runtime) -> CommitmentStore:
    return rt.commitments
