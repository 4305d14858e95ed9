"""`/followthrough`: what people and admins ask the bot directly. One table of subcommands, each with its rights.

Every answer is for the caller only (ephemeral) and says what to do next; `help` lists only what the caller may use.
Nothing here decides on its own: decisions go through approvals.flow.choices, reads through approvals.flow.queries, and
a policy test runs the same understanding and policy evaluation as a real request, without storing anything.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from approvals.core.commitments import Commitment
from approvals.core.policy import PolicyError, Principal
from approvals.core.proposal import Proposal, place
from approvals.core.states import ProposalState
from approvals.core.wording import plural, slack_time
from approvals.core.workflow import Refused, describe_decision
from approvals.flow import choices
from approvals.flow.deadlines import sweep_policy
from approvals.flow.drafting import Answer, Asking, propose
from approvals.flow.keys import LLM_USAGE as USAGE_METRIC
from approvals.flow.parking import ParkedWork
from approvals.flow.queries import all_waiting, may_see, waiting_for
from approvals.flow.runtime import Runtime
from approvals.flow.shadow import build_report, describe_policy, report_lines
from approvals.flow.store import ProposalNotFound
from bot.cards import action_summary, status_line, where_asked

_PROPOSAL_ID = re.compile(r"^ft-[a-z0-9]{8}$")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


@dataclass(frozen=True)
class Invocation:
    rt: Runtime
    caller: Principal
    is_admin: bool
    channel: str
    args: str


@dataclass(frozen=True)
class Subcommand:
    words: str
    usage: str
    description: str
    admin_only: bool
    run: Callable[[Invocation], str]


def _proposal_id(args: str, usage: str) -> str:
    proposal_id = args.strip().strip("`")
    if not _PROPOSAL_ID.match(proposal_id):
        raise Refused(f"Give a request id like `ft-7kq2mx9c`: `{usage}`.")
    return proposal_id


def _line(proposal: Proposal, *, viewer: str | None = None) -> str:
    approvers = [c.user_id for c in proposal.cards if c.audience == "dm" and c.user_id]
    return (
        f"• `{proposal.id}` {action_summary(proposal)} · asked by <@{proposal.requester}> in "
        f"{where_asked(proposal, viewer=viewer)} · {status_line(proposal, approvers)}"
    )


_OPEN_MINE = (ProposalState.AWAITING_APPROVAL, ProposalState.APPROVED, ProposalState.EXECUTING)


def pending(inv: Invocation) -> str:
    """What waits on the caller (decisions they may take, questions only they can answer) and, separately, what
    they wait on (their requests waiting for approval or running); admins see every waiting request."""
    rt, caller = inv.rt, inv.caller
    if inv.is_admin and inv.args.strip() != "mine":
        proposals = all_waiting(rt)
        title = "Waiting for approval (all, as an admin; `pending mine` for yours)"
        if not proposals:
            return f"*{title}*\nNothing right now."
        return f"*{title}*\n" + "\n".join(_line(p, viewer=caller.user_id) for p in proposals[:25])
    decisions = waiting_for(rt, caller)
    questions = rt.store.asking_of(caller.user_id)
    mine = [p for p in rt.store.by_requester(caller.user_id, limit=50) if p.state in _OPEN_MINE]
    if not (decisions or questions or mine):
        return "Nothing is waiting for you, and you are not waiting on anything: you have no open requests."
    sections = []
    if decisions or questions:
        lines = [_line(p, viewer=caller.user_id) for p in questions[:10]]
        lines += [_line(p, viewer=caller.user_id) for p in decisions[:25]]
        sections.append("*Waiting for you*\n" + "\n".join(lines))
    else:
        sections.append("*Waiting for you*\nNothing: no decisions or questions for you.")
    if mine:
        sections.append("*You are waiting on*\n" + "\n".join(_line(p, viewer=caller.user_id) for p in mine[:25]))
    else:
        sections.append("*You are waiting on*\nNothing: you have no requests waiting for approval or running.")
    return "\n\n".join(sections)


def _format_audit_line(at: dt.datetime, event: str, actor: str, details: str) -> str:
    who = f"<@{actor}>" if re.match(r"^[UW][A-Z0-9]+$", actor) else actor
    return f"{slack_time(at, layout='{date_num} {time_secs}')} {event} by {who}{details}"


def _details(data: dict) -> str:
    keep = []
    for key in ("rule", "outcome", "reason", "key", "error", "to", "users", "attempt"):
        if data.get(key) not in (None, "", [], {}):
            keep.append(f"{key}: {data[key]}")
    if "policy" in data and isinstance(data["policy"], dict):
        keep.append(f"rule: {data['policy'].get('rule')} (policy {data['policy'].get('policy_hash')})")
    return (" · " + "; ".join(str(k) for k in keep))[:400] if keep else ""


def audit(inv: Invocation) -> str:
    target = inv.args.strip()
    if re.fullmatch(r"`?cm-[a-z0-9]{8}`?", target):
        return _followup_audit(inv, target.strip("`"))
    mention = _MENTION.match(target)
    if mention or target.startswith("@"):
        if not inv.is_admin:
            raise Refused(
                "Only admins can read the audit of a person. Ask for one request: `/followthrough audit <id>`."
            )
        user_id = mention[1] if mention else _user_by_name(inv.rt, target[1:])
        records = inv.rt.store.audit.recent(actor=user_id, count=30)
        if not records:
            return f"No audit entries by or for <@{user_id}>."
        lines = [_format_audit_line(r.at, r.event, r.actor, f" · `{r.proposal_id}`{_details(r.data)}") for r in records]
        return f"*Recent audit entries of <@{user_id}>*\n" + "\n".join(lines)
    proposal_id = _proposal_id(target, "/followthrough audit <id | @person>")
    try:
        proposal = inv.rt.store.get(proposal_id)
    except ProposalNotFound as exc:
        raise Refused(str(exc)) from None
    if not may_see(inv.rt, proposal, inv.caller):
        raise Refused("You can read the audit of requests you made, decided on or may decide on; ask an admin.")
    records = inv.rt.store.audit.for_proposal(proposal_id)
    lines = [_format_audit_line(r.at, r.event, r.actor, _details(r.data)) for r in records]
    return f"*Audit of `{proposal_id}`* ({action_summary(proposal)})\n" + "\n".join(lines)


def _followup_audit(inv: Invocation, commitment_id: str) -> str:
    """The audit trail of a follow-up: for its owner, whoever asked for it, and admins."""
    commitment = inv.rt.commitments.find(commitment_id)
    if commitment is None:
        raise Refused(f"I can't find the follow-up {commitment_id}; check the id (they look like cm-7kq2mx9c).")
    if inv.caller.user_id not in (commitment.owner, commitment.requester) and not inv.is_admin:
        raise Refused("You can read the audit of follow-ups you own or asked for; ask an admin.")
    records = inv.rt.store.audit.for_proposal(commitment_id)
    lines = [_format_audit_line(r.at, r.event, r.actor, _details(r.data)) for r in records]
    return f"*Audit of `{commitment_id}`* (follow-up on {commitment.subject.name})\n" + "\n".join(lines)


def _user_by_name(rt: Runtime, name: str) -> str:
    matches = rt.directory.find_people(name)
    if len(matches) != 1:
        raise Refused(f"I can't tell who @{name} is ({len(matches)} matches); mention them instead.")
    return matches[0].slack_user_id


def cancel(inv: Invocation) -> str:
    proposal_id = _proposal_id(inv.args, "/followthrough cancel <id>")
    choices.cancel(inv.rt, proposal_id, inv.caller)
    return f"Cancelled `{proposal_id}`. Nothing was changed."


def retry(inv: Invocation) -> str:
    proposal_id = _proposal_id(inv.args, "/followthrough retry <id>")
    outcome = choices.retry(inv.rt, proposal_id, inv.caller)
    if isinstance(outcome, ParkedWork):
        return f"Taking up `{proposal_id}` again ({_PARKED_KIND[outcome.kind]}); its thread will hear how it goes."
    return f"Retrying `{proposal_id}`; the result will be posted in its thread."


_PARKED_KIND = {"intake": "a request", "answer": "an answer to a question", "undo": "an undo"}


def policy_show(inv: Invocation) -> str:
    policy = inv.rt.policy.current
    document = policy.document
    lines = [f"*Policy* `{policy.content_hash}` from `{policy.source}`"]
    for name, spec in document.roles.items():
        members = [*(f"<@{u}>" for u in spec.users), *spec.emails, *(f"@{g}" for g in spec.groups)]
        lines.append(f"• role *{name}*: {', '.join(members)}")
    lines.append(f"• admins: {', '.join(document.admins) or 'nobody'}")
    for kind, entry in document.actions.items():
        lines.append(f"*{kind}* (may ask: {', '.join(entry.request)})")
        for index, rule in enumerate(entry.rules):
            when = " and ".join(rule.when) if rule.when else "always"
            if rule.deny is not None:
                outcome = f"deny: {rule.deny}"
            elif rule.auto:
                outcome = "runs without approval"
            else:
                assert rule.approve is not None
                outcome = f"{plural(rule.approve.min_approvers, 'approval')} from {' or '.join(rule.approve.by)}"
            label = f": {rule.name}" if rule.name else ""
            lines.append(f"    {index + 1}{label}. when {when} → {outcome}")
    if inv.rt.policy.last_error is not None:
        lines.append(
            f":warning: The policy file on disk is invalid and was not loaded:\n```{inv.rt.policy.last_error}```"
        )
    return "\n".join(lines)


def policy_test(inv: Invocation) -> str:
    text = inv.args.strip()
    if not text:
        raise Refused(
            "Say what you would ask, e.g. `/followthrough policy test create a bug in PAY: X, priority highest`."
        )
    requester = inv.rt.directory.person(inv.caller.user_id)
    if requester is None:
        raise Refused("I can't look you up in this workspace.")
    outcome = propose(
        inv.rt,
        requester=requester,
        channel=inv.channel,
        thread_ts="",
        text=text,
        thread=(),
        request_ts=None,
        permalink=None,
    )
    if isinstance(outcome, Answer):
        return f"*Policy test* (nothing was changed)\nI would answer: {outcome.text}"
    if isinstance(outcome, Asking):
        return f"*Policy test* (nothing was changed)\nI would ask first: {outcome.question.question}"
    decision = outcome.decision
    lines = ["*Policy test* (nothing was changed)"]
    for action in outcome.actions:
        lines.append(f"• {action.kind}: {action.model_dump(mode='json', exclude={'kind', 'description'})}")
    lines.append(f"Outcome: *{decision.outcome}* · {describe_decision(decision)} · policy `{decision.policy_hash}`")
    if decision.outcome == "approve":
        approvers = [u for u in inv.rt.directory.members_of(decision.approver_roles) if u != inv.caller.user_id]
        names = ", ".join(f"<@{u}>" for u in approvers) or "nobody (the roles have no members)"
        lines.append(f"Would ask: {names}")
    return "\n".join(lines)


def policy_reload(inv: Invocation) -> str:
    before = inv.rt.policy.current.content_hash
    try:
        fresh = inv.rt.policy.reload(by=inv.caller.user_id)  # audited (approvals.flow.audit.AuditLog.record_policy)
    except PolicyError as exc:
        return (
            f":warning: The policy file has {plural(len(exc.problems), 'problem')}, so the last good policy "
            f"`{before}` stays in force. Fix the file and reload again:\n```{exc}```"
        )
    changed = sweep_policy(inv.rt)
    applied = f" It now applies to {plural(changed, 'waiting request')}." if changed else ""
    if fresh.content_hash == before:
        return f"The policy file has not changed (`{before}`)."
    return f"Policy reloaded: `{before}` → `{fresh.content_hash}`.{applied} Workers pick it up within seconds."


def stats(inv: Invocation) -> str:
    """How many requests are in each state, and what the language model has cost in tokens."""
    rt = inv.rt
    counts = {state: len(rt.store.ids_in_states((state,))) for state in ProposalState}
    lines = ["*Requests by state*"]
    lines.extend(f"• {state.value.replace('_', ' ')}: {n}" for state, n in counts.items() if n)
    if len(lines) == 1:
        lines.append("• none yet")
    parked = rt.parking.all()
    if parked:
        lines.append(f"*Stopped after {rt.timing.max_attempts} attempts, waiting for an admin* ({len(parked)})")
        for work in parked[:20]:
            lines.append(
                f"• `{work.proposal_id}` {_PARKED_KIND[work.kind]} by <@{work.requester}> in {place(work.channel)}, "
                f"{slack_time(work.at)}: {work.reason} · `/followthrough retry {work.proposal_id}`"
            )
    usage = {k.decode(): int(v) for k, v in rt.connection.hgetall(USAGE_METRIC).items()}
    if usage:
        lines.append(
            "*Language model* ({extractor}): {requests} request(s), {prompt} prompt tokens ({cached} cached), "
            "{completion} completion tokens, {calls} call(s)".format(
                extractor=rt.extractor.name,
                requests=usage.get("requests", 0),
                prompt=usage.get("prompt_tokens", 0),
                cached=usage.get("cached_tokens", 0),
                completion=usage.get("completion_tokens", 0),
                calls=usage.get("calls", 0),
            )
        )
    else:
        lines.append(f"*Understanding*: {rt.extractor.name} (no tokens used)")
    lines.extend(_shadow_stats(rt))
    return "\n".join(lines)


def _shadow_stats(rt: Runtime) -> list[str]:
    """Shadow mode's figures (approvals.flow.shadow), when the policy has a shadow section or anything was shadowed."""
    in_shadow = rt.policy.current.document.shadow
    report = build_report(rt.store)
    if report.empty and not in_shadow.active:
        return []
    lines = report_lines(report, markdown=True, person=lambda user_id: f"<@{user_id}>")
    lines.insert(1, f"In shadow mode now: {describe_policy(in_shadow)}. `followthrough shadow report` prints this too.")
    return lines


def _followup_line(commitment: Commitment, now: dt.datetime, *, show_owner: bool) -> str:
    late = ":red_circle: overdue, " if commitment.overdue(now) else ""
    owner = f"<@{commitment.owner}> · " if show_owner else ""
    return (
        f"• {late}{owner}{commitment.subject.name}: due {slack_time(commitment.due)}, asked in "
        f"{place(commitment.channel)} · `{commitment.id}` ({commitment.state.value})"
    )


def _followups(commitments: list[Commitment], now: dt.datetime, *, show_owner: bool) -> list[str]:
    ordered = sorted(commitments, key=lambda c: (not c.overdue(now), c.due))
    return [_followup_line(c, now, show_owner=show_owner) for c in ordered[:30]]


def owed(inv: Invocation) -> str:
    """`/followthrough owed [@person]`: the follow-ups someone owes (and, for yourself, those you wait on)."""
    rt, now = inv.rt, inv.rt.clock()
    target = inv.args.strip()
    if target:
        mention = _MENTION.match(target)
        user_id = mention[1] if mention else _user_by_name(rt, target.lstrip("@"))
        if user_id != inv.caller.user_id and not inv.is_admin:
            raise Refused("You can see what you owe and what you wait on; an admin can see anyone's.")
    else:
        user_id = inv.caller.user_id
    owes = rt.commitments.owed_by(user_id)
    lines = [f"*What <@{user_id}> owes*" if target else "*What you owe*"]
    lines += _followups(owes, now, show_owner=False) or ["Nothing open."]
    if not target:
        waiting = [c for c in rt.commitments.asked_by(user_id) if c.owner != user_id]
        lines += ["", "*What you're waiting on*", *(_followups(waiting, now, show_owner=True) or ["Nothing open."])]
    return "\n".join(lines)


def overdue(inv: Invocation) -> str:
    """`/followthrough overdue`: overdue follow-ups, yours (admins: everyone's)."""
    rt, now = inv.rt, inv.rt.clock()
    live = (
        rt.commitments.all_live()
        if inv.is_admin
        else [*rt.commitments.owed_by(inv.caller.user_id), *rt.commitments.asked_by(inv.caller.user_id)]
    )
    late = list({c.id: c for c in live if c.overdue(now)}.values())
    title = "*Overdue follow-ups*" if inv.is_admin else "*Your overdue follow-ups* (owed or asked for)"
    return "\n".join([title, *(_followups(late, now, show_owner=True) or ["None. :tada:"])])


def _help(inv: Invocation) -> str:
    lines = ["*What you can do with `/followthrough`*"]
    for sub in SUBCOMMANDS:
        if not sub.admin_only or inv.is_admin:
            lines.append(f"• `{sub.usage}`: {sub.description}")
    lines.append("To ask for a change, mention me in a thread: `@followthrough create a bug in PAY: …`.")
    return "\n".join(lines)


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "pending",
        "/followthrough pending",
        "what waits for you (decisions, questions) and what you wait on",
        False,
        pending,
    ),
    Subcommand(
        "audit",
        "/followthrough audit <id | @person>",
        "the audit trail of a request or a follow-up (of a person: admins)",
        False,
        audit,
    ),
    Subcommand("cancel", "/followthrough cancel <id>", "withdraw a request you made that has not run", False, cancel),
    Subcommand(
        "retry", "/followthrough retry <id>", "run a failed request again, or take up stopped work", True, retry
    ),
    Subcommand("policy show", "/followthrough policy show", "the policy in force", False, policy_show),
    Subcommand(
        "policy test",
        "/followthrough policy test <request>",
        "what the policy would say, changing nothing",
        False,
        policy_test,
    ),
    Subcommand("policy reload", "/followthrough policy reload", "load the policy file again", True, policy_reload),
    Subcommand(
        "stats",
        "/followthrough stats",
        "requests by state, work stopped for an admin, the language model's token use, and shadow mode's precision",
        True,
        stats,
    ),
    Subcommand(
        "owed", "/followthrough owed [@person]", "follow-ups you owe and wait on (someone else's: admins)", False, owed
    ),
    Subcommand("overdue", "/followthrough overdue", "overdue follow-ups (admins: everyone's)", False, overdue),
    Subcommand("help", "/followthrough help", "this list", False, _help),
)


def _match(text: str) -> tuple[Subcommand | None, str]:
    words = text.strip()
    for sub in sorted(SUBCOMMANDS, key=lambda s: -len(s.words)):
        if words == sub.words or words.startswith(sub.words + " "):
            return sub, words[len(sub.words) :].strip()
    return None, words


REPLY_LIMIT = 39_000
"""Slack refuses a message text longer than 40,000 characters (msg_too_long): a longer reply is cut to fit."""


def run_command(rt: Runtime, *, user_id: str, channel: str, text: str) -> str:
    """The reply (mrkdwn) to `/followthrough <text>` typed by ``user_id`` in ``channel``, at most ``REPLY_LIMIT``."""
    return fit_reply(_reply(rt, user_id=user_id, channel=channel, text=text))


def _reply(rt: Runtime, *, user_id: str, channel: str, text: str) -> str:
    caller = rt.directory.principal(user_id)
    is_admin = rt.policy.current.is_admin(caller)
    sub, args = _match(text)
    invocation = Invocation(rt=rt, caller=caller, is_admin=is_admin, channel=channel, args=args)
    if sub is None:
        typed = " ".join(text.split())
        shown = (typed if len(typed) <= 60 else typed[:60] + "…").replace("`", "'")
        unknown = f"I don't know `{shown}`. " if typed else ""
        return unknown + _help(invocation)
    if sub.admin_only and not is_admin:
        return f"Only admins can use `{sub.usage}`. `/followthrough help` lists what you can do."
    try:
        return sub.run(invocation)
    except Refused as refusal:
        return refusal.user_message


def fit_reply(reply: str, *, limit: int = REPLY_LIMIT) -> str:
    """``reply``, or as many of its whole lines as fit in ``limit`` characters and a last line saying how many were
    left out (an audit of hundreds of entries, a very long policy)."""
    if len(reply) <= limit:
        return reply
    lines = reply.split("\n")
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit - 200:
            break
        kept.append(line)
        size += len(line) + 1
    if not kept:  # one line longer than the limit
        return reply[: limit - 200] + "…"
    left = len(lines) - len(kept)
    return "\n".join(kept) + f"\n… and {left} more line(s), too long for one Slack message."
