"""Shadow mode: requests decided but never carried out, and the measure of how often the bot was right.

The policy's ``shadow:`` section (approvals/core/policy.py, ``ShadowPolicy``) names channels, action kinds or the whole
workspace. A request there goes the usual way: understood, grounded, its questions asked and answered, decided by
the policy. Where it would be submitted, run or refused, it ends in the state ``shadowed`` instead
(approvals/core/states.py), recording what would have happened (``Proposal.shadow``). Its card, in the thread only, says
so ("Shadow: would ask @Bob to approve …") and asks *Right* / *Wrong*; each answer is stored on the proposal and
audited (``shadow.judged``, with who, when and the note). ``followthrough shadow report`` and ``/followthrough
stats`` read them back (``build_report``): precision per action kind (right / answered), what was not answered, the
questions asked, the requests never understood, and the rules that fired.

Invariants:

- Nothing in shadow mode reaches Jira or Salesforce. A shadowed proposal has no transition towards ``approved``, so
  no execute job is queued for it; the execute job refuses one all the same (approvals/flow/execution.py), and
  refuses any approved proposal whose channel or kind the current policy puts in shadow, so turning shadow on stops
  writes at once. Turning it off is a policy change (audited with its diff); it never makes a shadowed proposal run.
- Nobody is asked: the card is posted without approvers' copies, and a shadowed proposal has no deadline, reminder
  or escalation.
- The policy that decides whether a request is in shadow is the one in force when it is decided (after its last
  answer), the same one that makes its decision. An Undo is a request like any other here: in a shadow channel or of
  a shadow kind, it is shadowed too, since nothing is written in shadow mode.

Keys: ``ft:shadow:requests``, a sorted set of the ids of proposals seen in shadow mode (shadowed ones, and those that
asked a question in a shadow channel or about a shadow kind) by creation time; the report reads the proposals and
their audit from it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from approvals.core.actions import Action
from approvals.core.policy import PolicyDecision, ShadowPolicy
from approvals.core.proposal import Proposal
from approvals.core.states import ProposalState
from approvals.flow import keys
from approvals.flow.runtime import Runtime
from approvals.flow.showing import ensure_cards, has_thread_card, refresh_cards
from approvals.flow.store import ProposalStore

logger = logging.getLogger(__name__)

SEEN = keys.SHADOW_SEEN


@dataclass(frozen=True)
class ShadowPlan:
    """Why a request is in shadow mode, and who it would have asked to approve it."""

    scope: str
    would_ask: tuple[str, ...] = ()


def shadow_scope(rt: Runtime, *, kinds: Iterable[str], channel: str) -> str | None:
    """Why a request with actions of ``kinds`` asked in ``channel`` is in shadow mode under the current policy."""
    policy = rt.policy.current
    if not policy.document.shadow.active:
        return None  # no look-up of the channel's name when nothing is in shadow
    return policy.shadow_scope(kinds, rt.threads.channel_names(channel))


def plan_for(
    rt: Runtime, *, actions: Sequence[Action], decision: PolicyDecision, requester: str, channel: str
) -> ShadowPlan | None:
    """The shadow plan of a request about to be decided, or None when it is not in shadow mode."""
    scope = shadow_scope(rt, kinds=[a.kind for a in actions], channel=channel)
    if scope is None:
        return None
    would_ask: tuple[str, ...] = ()
    if decision.outcome == "approve":
        # The same people approvals.flow.showing.approvers_to_ask would have sent the card to.
        would_ask = tuple(
            user
            for user in rt.directory.members_of(decision.approver_roles)
            if user != requester or decision.allow_self_approval
        )
    return ShadowPlan(scope, would_ask)


def plan_for_proposal(rt: Runtime, proposal: Proposal) -> ShadowPlan | None:
    return plan_for(
        rt,
        actions=proposal.actions,
        decision=proposal.policy,
        requester=proposal.requester,
        channel=proposal.channel,
    )


def note_seen(rt: Runtime, proposal: Proposal) -> None:
    """Count ``proposal`` among the requests seen in shadow mode (idempotent)."""
    rt.connection.zadd(SEEN, {proposal.id: proposal.created_at.timestamp()})


def note_if_asking_in_shadow(rt: Runtime, proposal: Proposal) -> None:
    """A proposal that asks its requester something counts for the report when it is in shadow mode as far as is
    known yet: its channel, or the kinds of what was understood (nothing, when the bot could not tell)."""
    if shadow_scope(rt, kinds=[r.kind for r in proposal.requests], channel=proposal.channel) is not None:
        note_seen(rt, proposal)


def show(rt: Runtime, proposal: Proposal, *, fresh: bool = False) -> Proposal:
    """The shadow card in the thread (a question card becomes it): posted once, with no approver copies."""
    note_seen(rt, proposal)
    if has_thread_card(proposal):
        refresh_cards(rt, proposal.id)
        return rt.store.get(proposal.id)
    shown = ensure_cards(rt, proposal, fresh=fresh)
    logger.info("proposal %s: shadowed (%s)", proposal.id, proposal.shadow.scope if proposal.shadow else "?")
    return shown


def describe_policy(shadow: ShadowPolicy) -> str:
    """What the policy puts in shadow mode, in words."""
    if shadow.everywhere:
        return "everything (everywhere: true)"
    parts = []
    if shadow.channels:
        parts.append("channels " + ", ".join(f"#{c}" for c in shadow.channels))
    if shadow.kinds:
        parts.append("kinds " + ", ".join(shadow.kinds))
    return "; ".join(parts) or "nothing"


# ---------------------------------------------------------------------------------------------------------------
# The report


@dataclass
class KindFigures:
    """What shadow mode measured for one action kind (a request of several kinds counts for each of them)."""

    kind: str
    shadowed: int = 0
    right: int = 0
    wrong: int = 0
    would: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)

    @property
    def answered(self) -> int:
        return self.right + self.wrong

    @property
    def not_answered(self) -> int:
        return self.shadowed - self.answered

    @property
    def precision(self) -> float | None:
        """Right over answered; None before any answer."""
        return self.right / self.answered if self.answered else None


@dataclass(frozen=True)
class WrongNote:
    proposal_id: str
    kinds: tuple[str, ...]
    user_id: str
    note: str


@dataclass
class ShadowReport:
    since: dt.datetime | None = None
    kinds: dict[str, KindFigures] = field(default_factory=dict)
    shadowed: int = 0
    right: int = 0
    wrong: int = 0
    questions: int = 0
    asked: int = 0
    """Requests that needed at least one question."""
    not_understood: int = 0
    """Requests that ended while the bot was still asking what was meant (no answer, or the answer said no)."""
    waiting: int = 0
    """Requests still waiting for their requester's answer."""
    wrong_notes: list[WrongNote] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return self.right + self.wrong

    @property
    def not_answered(self) -> int:
        return self.shadowed - self.answered

    @property
    def precision(self) -> float | None:
        return self.right / self.answered if self.answered else None

    @property
    def empty(self) -> bool:
        return not (self.shadowed or self.not_understood or self.waiting)


def seen_ids(store: ProposalStore) -> list[str]:
    """Every proposal seen in shadow mode: the index, and the shadowed state (should a process have died between the
    transition and the index)."""
    indexed = {m.decode() if isinstance(m, bytes) else m for m in store.connection.zrange(SEEN, 0, -1)}
    return sorted(indexed | set(store.ids_in_states((ProposalState.SHADOWED,))))


def build_report(store: ProposalStore, *, since: dt.datetime | None = None) -> ShadowReport:
    """The figures of shadow mode from the proposals seen in it (made at or after ``since``) and their audit."""
    report = ShadowReport(since=since)
    for proposal_id in seen_ids(store):
        proposal = store.find(proposal_id)
        if proposal is None or (since is not None and proposal.created_at < since):
            continue
        if proposal.state is ProposalState.SHADOWED and proposal.shadow is not None:
            _count_shadowed(report, proposal)
        elif proposal.state in (ProposalState.CANCELLED, ProposalState.EXPIRED) and not proposal.actions:
            report.not_understood += 1
        elif proposal.state in (ProposalState.DRAFTED, ProposalState.NEEDS_INFO):
            report.waiting += 1
        else:
            continue  # decided after shadow mode was turned off for it: not a shadow request
        asked = sum(1 for r in store.audit.for_proposal(proposal_id) if r.event == "proposal.question_asked")
        report.questions += asked
        report.asked += asked > 0
    return report


def _count_shadowed(report: ShadowReport, proposal: Proposal) -> None:
    record = proposal.shadow
    assert record is not None
    verdict = record.verdict
    report.shadowed += 1
    report.right += verdict is True
    report.wrong += verdict is False
    kinds = tuple(dict.fromkeys(a.kind for a in proposal.actions))
    decision = proposal.policy
    for kind in kinds:
        figures = report.kinds.setdefault(kind, KindFigures(kind))
        figures.shadowed += 1
        figures.right += verdict is True
        figures.wrong += verdict is False
        figures.would[record.would] += 1
        figures.rules[f"{decision.rule}, would {record.would}"] += 1
    for answer in record.verdicts:
        if not answer.right:
            report.wrong_notes.append(WrongNote(proposal.id, kinds, answer.user_id, answer.note))


def _percent(value: float | None) -> str:
    return "no answers yet" if value is None else f"{value:.0%}"


def report_lines(
    report: ShadowReport, *, markdown: bool = False, person: Callable[[str], str] = lambda user_id: user_id
) -> list[str]:
    """The report in lines of text (``markdown``: Slack's mrkdwn); ``person`` shows a user id."""

    def bold(text: str) -> str:
        return f"*{text}*" if markdown else text

    def code(text: str) -> str:
        return f"`{text}`" if markdown else text

    since = f" since {report.since:%Y-%m-%d %H:%M} UTC" if report.since is not None else ""
    lines = [bold(f"Shadow mode{since}") + " (nothing in shadow mode was written, and nobody was asked to approve)"]
    if report.empty:
        lines.append("No request has been handled in shadow mode yet.")
        return lines
    lines.append(
        f"Precision: {_percent(report.precision)} ({report.right} right of {report.answered} answered), "
        f"{report.not_answered} not answered, of {report.shadowed} request(s) decided in shadow"
    )
    for figures in sorted(report.kinds.values(), key=lambda f: f.kind):
        would = ", ".join(f"would {w} {n}" for w, n in sorted(figures.would.items()))
        lines.append(
            f"• {code(figures.kind)}: precision {_percent(figures.precision)} ({figures.right} right, "
            f"{figures.wrong} wrong), {figures.not_answered} not answered, of {figures.shadowed} ({would})"
        )
        rules = "; ".join(f"{rule} ({n})" for rule, n in figures.rules.most_common())
        lines.append(f"    rules that fired: {rules}")
    lines.append(f"Questions asked: {report.questions}, in {report.asked} request(s)")
    lines.append(
        f"Not understood: {report.not_understood} (ended while I was still asking what was meant: no answer, "
        "or the answer said no)"
    )
    if report.waiting:
        lines.append(f"Still waiting for the requester's answer: {report.waiting}")
    if report.wrong_notes:
        lines.append(bold("Said to be wrong"))
        for note in report.wrong_notes[:20]:
            why = f": {note.note}" if note.note else " (no note)"
            lines.append(f"• {code(note.proposal_id)} {', '.join(note.kinds)}, by {person(note.user_id)}{why}")
    return lines
