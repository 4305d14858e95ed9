"""The policy file: who may request which action, and what each request needs before it runs.

The file (``FOLLOWTHROUGH_POLICY``, YAML) is the single source of truth for rights; nothing a model or a thread says
can add to it. Its shape::

    version: 1
    roles:                       # who is who: Slack user ids, emails, Slack user groups (handle or S… id)
      support: {groups: [support]}
      eng-leads: {users: [U0BOB0001], emails: [carol@northwind.example]}
    admins: [it-admins]          # roles allowed to run admin commands
    actions:
      jira.create_issue:
        request: [support, eng]  # roles allowed to ask; the built-in role `everyone` is every workspace member
        rules:                   # first match wins; no match means deny
          - name: highest needs two leads
            when: ["priority == Highest"]
            approve: {by: [eng-leads], min_approvers: 2}
          - name: bugs in PAY
            when: ["project in [PAY]"]
            approve: {by: [eng-leads]}

A top-level ``shadow:`` section puts channels, action kinds or the whole workspace in shadow mode (see
``ShadowPolicy``): requests there are decided as usual but never carried out, so an admin can measure before letting
the bot write.

An outcome is exactly one of ``auto: true``, ``approve: {...}`` or ``deny: "reason shown to the requester"``;
``auto`` is refused for action kinds the code marks high-risk (money, deletions).
Anything the file does not allow is denied. Loading checks everything it can (syntax, unknown roles, fields and
action kinds, unreachable rules) and reports each problem with its line and the fix, so a bad file is refused at
start-up instead of surprising someone at approval time. Evaluation is pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from approvals.core.actions import ACTION_KINDS, FACT_FIELDS, POLICY_FIELDS, RISK, Action
from approvals.core.conditions import (
    CONTEXT_FIELDS,
    PERSON_FACTS,
    Condition,
    ConditionSyntaxError,
    EvaluationContext,
    evaluate,
    parse_condition,
)

EVERYONE = "everyone"
"""The built-in role every workspace member has."""

Outcome = Literal["auto", "approve", "deny"]

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w)\s*$")
_DURATION_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: str | int) -> int:
    """``"90s"``, ``"30m"``, ``"24h"``, ``"7d"``, ``"2w"`` (or a number of seconds) to seconds."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value <= 0:
            raise ValueError("a duration must be positive")
        return value
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"cannot read duration {value!r}: write a number and a unit, like 30m, 24h or 7d")
    seconds = int(match[1]) * _DURATION_SECONDS[match[2]]
    if seconds <= 0:
        raise ValueError("a duration must be positive")
    return seconds


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RoleSpec(_Model):
    users: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    @field_validator("users")
    @classmethod
    def _user_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for user in value:
            if not re.fullmatch(r"[UW][A-Z0-9]{2,}", user):
                raise ValueError(f"{user!r} is not a Slack user id (they look like U0ABC1234); use emails: for emails")
        return value

    @field_validator("emails")
    @classmethod
    def _emails(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for email in value:
            if "@" not in email:
                raise ValueError(f"{email!r} is not an email address")
        return tuple(e.lower() for e in value)

    @field_validator("groups")
    @classmethod
    def _groups(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(g.lstrip("@") for g in value)


class ApproveSpec(_Model):
    by: tuple[str, ...] = Field(min_length=1)
    min_approvers: int = Field(default=1, ge=1, le=10)
    allow_self_approval: bool = False
    expires_after: int = Field(default=parse_duration("24h"))
    remind_after: int | None = None
    escalate_to: str | None = None
    escalate_after: int | None = None

    @field_validator("expires_after", "remind_after", "escalate_after", mode="before")
    @classmethod
    def _durations(cls, value: Any) -> Any:
        return None if value is None else parse_duration(value)

    @model_validator(mode="after")
    def _escalation_pair(self) -> ApproveSpec:
        if (self.escalate_to is None) != (self.escalate_after is None):
            raise ValueError("escalate_to and escalate_after go together: set both or neither")
        if self.remind_after is not None and self.remind_after >= self.expires_after:
            raise ValueError("remind_after must be shorter than expires_after, or the reminder never fires")
        return self


class Rule(_Model):
    name: str | None = None
    when: tuple[str, ...] = ()
    auto: Literal[True] | None = None
    approve: ApproveSpec | None = None
    deny: str | None = None

    @field_validator("when", mode="before")
    @classmethod
    def _when_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_outcome(self) -> Rule:
        chosen = [k for k in ("auto", "approve", "deny") if getattr(self, k) is not None]
        if len(chosen) != 1:
            raise ValueError(
                "a rule needs exactly one outcome: 'auto: true', 'approve: {by: [role]}' or 'deny: \"reason\"'"
                + (f" (found {', '.join(chosen)})" if chosen else "")
            )
        return self

    @property
    def outcome(self) -> Outcome:
        if self.auto:
            return "auto"
        return "approve" if self.approve is not None else "deny"


class ActionPolicy(_Model):
    request: tuple[str, ...] = Field(min_length=1)
    rules: tuple[Rule, ...] = Field(min_length=1)


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class LadderStep(_Model):
    """Who hears about a follow-up that is still not done, and how long after its due time: ``owner``,
    ``requester``, ``manager`` (the owner's manager in Slack), ``admins``, or a role of this file."""

    to: str
    after: int = 0

    @field_validator("after", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return 0 if value in (None, 0, "0") else parse_duration(value)


class Attach(_Model):
    """A follow-up the policy attaches to every action of ``kind`` that matches ``when`` (once it ran): "every
    Highest bug filed from Slack is followed until it is resolved, with the assignee as owner and a 2-day check"."""

    name: str | None = None
    kind: str
    when: tuple[str, ...] = ()
    owner: Literal["assignee", "requester", "record owner"] = "assignee"
    check_after: int = Field(default=parse_duration("2d"))
    escalate: bool = True

    @field_validator("check_after", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return parse_duration(value)

    @field_validator("when", mode="before")
    @classmethod
    def _when_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class FollowThroughPolicy(_Model):
    """How promises are followed through (``follow_through:`` in the file; every key optional)::

    follow_through:
      working_hours: {start: "09:00", end: "18:00", days: [mon, tue, wed, thu, fri]}   # in each person's zone
      nudge_interval: 1d          # never nudge the same person faster than this
      sweep_every: 5m             # how often the systems are read for follow-ups met early
      ladder: [{to: owner}, {to: manager, after: 1d}, {to: admins, after: 2d}]
      attach:
        - {kind: jira.create_issue, when: ["priority == Highest"], owner: assignee, check_after: 2d}
      digest: {day: mon, at: "09:00"}   # optional: a weekly DM to each owner listing what they have overdue
    """

    working_hours: dict[str, Any] = Field(default_factory=lambda: {"start": "09:00", "end": "18:00"})
    nudge_interval: int = Field(default=parse_duration("1d"))
    sweep_every: int = Field(default=parse_duration("5m"))
    ladder: tuple[LadderStep, ...] = (
        LadderStep(to="owner"),
        LadderStep(to="manager", after=parse_duration("1d")),
        LadderStep(to="admins", after=parse_duration("2d")),
    )
    attach: tuple[Attach, ...] = ()
    digest: dict[str, Any] | None = None
    """A weekly direct message to each owner listing their overdue follow-ups, in their own zone; off when absent."""

    @field_validator("digest")
    @classmethod
    def _digest(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        unknown = set(value) - {"day", "at"}
        if unknown:
            raise ValueError(f"digest takes day and at, not {', '.join(sorted(unknown))}")
        if str(value.get("day", "mon")).lower()[:3] not in _WEEKDAYS:
            raise ValueError(f"digest.day {value.get('day')!r} is not a weekday (mon, tue, wed, thu, fri, sat, sun)")
        if not re.fullmatch(r"\d{1,2}:\d{2}", str(value.get("at", "09:00"))):
            raise ValueError(f"digest.at is a time like 09:00, not {value.get('at')!r}")
        return value

    def digest_at(self) -> tuple[int, dt.time] | None:
        """(weekday, Monday 0; local time) of the weekly digest, or None when there is none."""
        if self.digest is None:
            return None
        hour, minute = (int(p) for p in str(self.digest.get("at", "09:00")).split(":"))
        return _WEEKDAYS.index(str(self.digest.get("day", "mon")).lower()[:3]), dt.time(hour, minute)

    @field_validator("nudge_interval", "sweep_every", mode="before")
    @classmethod
    def _durations(cls, value: Any) -> Any:
        return parse_duration(value)

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = set(value) - {"start", "end", "days"}
        if unknown:
            raise ValueError(f"working_hours takes start, end and days, not {', '.join(sorted(unknown))}")
        for key in ("start", "end"):
            if key in value and not re.fullmatch(r"\d{1,2}:\d{2}", str(value[key])):
                raise ValueError(f"working_hours.{key} is a time like 09:00, not {value[key]!r}")
        for day in value.get("days", ()):
            if str(day).lower()[:3] not in _WEEKDAYS:
                raise ValueError(f"{day!r} is not a weekday (mon, tue, wed, thu, fri, sat, sun)")
        return value

    def hours(self) -> tuple[tuple[int, int], tuple[int, int], tuple[int, ...]]:
        """(start hour, minute), (end hour, minute), working weekdays (Monday 0)."""
        start = tuple(int(p) for p in str(self.working_hours.get("start", "09:00")).split(":"))
        end = tuple(int(p) for p in str(self.working_hours.get("end", "18:00")).split(":"))
        days = tuple(_WEEKDAYS.index(str(d).lower()[:3]) for d in self.working_hours.get("days", _WEEKDAYS[:5]))
        return (start[0], start[1]), (end[0], end[1]), days  # type: ignore[return-value]


def _channel_name(value: str) -> str:
    name = value.strip().lstrip("#")
    if not name or any(c in name for c in " <>&|,"):
        raise ValueError(f"{value!r} is not a channel: write its name (sales or #sales) or its id (C0ABC1234)")
    return name


class ShadowPolicy(_Model):
    """Where requests are decided but never carried out (``shadow:`` in the file; every key optional)::

    shadow:
      everywhere: false                       # true: the whole workspace
      channels: [sales]                       # channel names (with or without #) or ids (C…)
      kinds: [salesforce.update_opportunity]  # action kinds

    A request asked in one of ``channels``, or with an action of one of ``kinds``, is understood, grounded and decided
    as usual (questions included); its card says what would happen, with Right / Wrong, and nothing is written and
    nobody is asked to approve (approvals/flow/shadow.py). Removing an entry turns writes on for it: a policy change
    like any other, audited with its diff.
    """

    everywhere: bool = False
    channels: tuple[Annotated[str, AfterValidator(_channel_name)], ...] = ()
    kinds: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.everywhere or bool(self.channels or self.kinds)


class PolicyDocument(_Model):
    version: Literal[1]
    roles: dict[str, RoleSpec] = Field(default_factory=dict)
    admins: tuple[str, ...] = ()
    actions: dict[str, ActionPolicy] = Field(default_factory=dict)
    follow_through: FollowThroughPolicy = Field(default_factory=FollowThroughPolicy)
    reads: dict[Literal["jira", "salesforce"], tuple[str, ...]] = Field(default_factory=dict)
    """Who may ask about records of each system ("what's the status of PAY-12?"): roles, like ``request:``. A system
    not listed is read by nobody."""
    shadow: ShadowPolicy = Field(default_factory=ShadowPolicy)


@dataclass(frozen=True)
class PolicyProblem:
    """One thing wrong with a policy file, where it is and how to fix it."""

    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return where + self.message


class PolicyError(ValueError):
    """The policy file cannot be used; ``problems`` lists every issue found, each with its line."""

    def __init__(self, source: str, problems: Sequence[PolicyProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        listing = "\n".join(f"  {source}: {p}" for p in self.problems)
        super().__init__(f"policy {source} has {len(self.problems)} problem(s):\n{listing}")


@dataclass(frozen=True)
class Principal:
    """A Slack user as the policy sees them: id, email and the user groups (handles and ids) they belong to."""

    user_id: str
    email: str | None = None
    groups: frozenset[str] = frozenset()
    is_bot: bool = False
    is_guest: bool = False


@dataclass(frozen=True)
class PolicyDecision:
    """What the policy says about one request, recorded on the proposal and in the audit."""

    outcome: Outcome
    rule: str
    policy_hash: str
    reason: str = ""
    approver_roles: tuple[str, ...] = ()
    min_approvers: int = 1
    allow_self_approval: bool = False
    expires_after: int | None = None
    remind_after: int | None = None
    escalate_to: str | None = None
    escalate_after: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-shaped (lists, not tuples), so a stored decision compares equal to a freshly computed one."""
        return {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in ((k, getattr(self, k)) for k in self.__dataclass_fields__)
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PolicyDecision:
        values = dict(data)
        values["approver_roles"] = tuple(values.get("approver_roles", ()))
        return cls(**values)


@dataclass(frozen=True)
class Policy:
    """A loaded, validated policy with its conditions compiled and its content hash."""

    document: PolicyDocument
    content_hash: str
    source: str
    conditions: dict[tuple[str, int], tuple[Condition, ...]] = field(repr=False)

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.document.roles) | {EVERYONE}

    def roles_of(self, principal: Principal) -> frozenset[str]:
        """Every role ``principal`` holds under this policy. Bots hold none; guests only their named roles."""
        if principal.is_bot:
            return frozenset()
        held = set() if principal.is_guest else {EVERYONE}
        email = (principal.email or "").lower()
        groups = {g.lstrip("@").lower() for g in principal.groups}
        for name, spec in self.document.roles.items():
            if (
                principal.user_id in spec.users
                or (email and email in spec.emails)
                or groups & {g.lower() for g in spec.groups}
            ):
                held.add(name)
        return frozenset(held)

    def is_admin(self, principal: Principal) -> bool:
        return bool(self.roles_of(principal) & set(self.document.admins))

    def may_read(self, system: str, principal: Principal) -> str | None:
        """None when ``principal`` may ask about records of ``system``; otherwise why not (for them)."""
        allowed = self.document.reads.get(system)  # type: ignore[call-overload]
        name = "Jira" if system == "jira" else "Salesforce"
        if not allowed:
            return f"The policy lets nobody ask me about {name} records; an admin can add `reads: {{{system}: [...]}}`."
        if not self.roles_of(principal) & set(allowed):
            return f"You can't ask me about {name} records (the policy allows: {', '.join(allowed)})."
        return None

    def shadow_scope(self, kinds: Iterable[str], channel_names: Iterable[str]) -> str | None:
        """Why a request with actions of ``kinds``, asked in a channel with these names (and id), is in shadow mode;
        None when it is not. Any one of its kinds puts the whole request in shadow: nothing of it is written."""
        shadow = self.document.shadow
        if shadow.everywhere:
            return "shadow mode is on everywhere"
        names = {str(n).lower().lstrip("#") for n in channel_names}
        for channel in shadow.channels:
            if channel.lower() in names:
                shown = f"<#{channel}>" if re.fullmatch(r"[CG][A-Z0-9]{2,}", channel) else f"#{channel}"
                return f"{shown} is in shadow mode"
        for kind in dict.fromkeys(kinds):
            if kind in shadow.kinds:
                return f"{kind} is in shadow mode"
        return None

    def watched_fields(self, kind: str) -> frozenset[str]:
        """The action fields this policy's rules for ``kind`` test (the card highlights them)."""
        return frozenset(
            c.field
            for (k, _), conditions in self.conditions.items()
            if k == kind
            for c in conditions
            if c.field not in ("requester", "channel")
        )

    def may_request(self, kind: str, requester: Principal) -> str | None:
        """None if ``requester`` may ask for ``kind`` at all, else why not (checked before asking them anything)."""
        entry = self.document.actions.get(kind)
        if entry is None:
            return f"The policy does not allow {kind} at all. An admin can add it to the policy file."
        if not self.roles_of(requester) & set(entry.request):
            return f"You are not allowed to request {kind} (allowed roles: {', '.join(entry.request)})."
        return None

    def decide(
        self,
        action: Action,
        *,
        requester: Principal,
        channel_names: Iterable[str] = (),
        previous: Mapping[str, Any] | None = None,
        identities: Iterable[str] = (),
        fact_roles: Mapping[str, frozenset[str]] | None = None,
    ) -> PolicyDecision:
        """Evaluate the request of ``action`` by ``requester``: first matching rule wins, else deny.

        ``previous`` (default: the values the action records as ``before``) is what conditions like "amount changes
        by more than 20%" compare with.
        """
        entry = self.document.actions.get(action.kind)
        if entry is None:
            return self._deny(
                "no-entry",
                f"The policy does not allow {action.kind} at all. An admin can add it to the policy file.",
            )
        roles = self.roles_of(requester)
        if not roles & set(entry.request):
            allowed = ", ".join(entry.request)
            return self._deny("request", f"You are not allowed to request {action.kind} (allowed roles: {allowed}).")
        context = EvaluationContext(
            fields={**action.policy_fields(), **action.facts},
            requester_roles=roles,
            channel_names=frozenset(channel_names),
            previous=dict(previous if previous is not None else action.previous_values()),
            requester_ids=frozenset(i.lower() for i in (requester.user_id, requester.email, *identities) if i),
            fact_roles=dict(fact_roles or {}),
        )
        for index, rule in enumerate(entry.rules):
            conditions = self.conditions[(action.kind, index)]
            if all(evaluate(c, context) for c in conditions):
                return self._decision(rule, rule_label(rule, index))
        return self._deny("no-match", f"No rule of the policy allows this {action.kind} request.")

    def _deny(self, rule: str, reason: str) -> PolicyDecision:
        return PolicyDecision(outcome="deny", rule=rule, policy_hash=self.content_hash, reason=reason)

    def _decision(self, rule: Rule, label: str) -> PolicyDecision:
        if rule.deny is not None:
            return PolicyDecision(outcome="deny", rule=label, policy_hash=self.content_hash, reason=rule.deny)
        if rule.auto:
            return PolicyDecision(outcome="auto", rule=label, policy_hash=self.content_hash)
        spec = rule.approve
        assert spec is not None
        return PolicyDecision(
            outcome="approve",
            rule=label,
            policy_hash=self.content_hash,
            approver_roles=spec.by,
            min_approvers=spec.min_approvers,
            allow_self_approval=spec.allow_self_approval,
            expires_after=spec.expires_after,
            remind_after=spec.remind_after,
            escalate_to=spec.escalate_to,
            escalate_after=spec.escalate_after,
        )


def rule_label(rule: Rule, index: int) -> str:
    return f"rule {index + 1}" + (f": {rule.name}" if rule.name else "")


# ---------------------------------------------------------------------------------------------------------------
# Loading: YAML with line numbers, schema validation, then the checks that need the whole document.


class _LineMap:
    """Maps a path inside the document (('actions', 'jira.create_issue', 'rules', 0)) to its 1-based line."""

    def __init__(self) -> None:
        self.lines: dict[tuple[Any, ...], int] = {}

    def line_of(self, path: Sequence[Any]) -> int | None:
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


def _construct(node: yaml.Node, path: tuple[Any, ...], lines: _LineMap) -> Any:
    lines.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node))
            if key in result:
                raise PolicyError(
                    "", [PolicyProblem(f"key {key!r} appears twice; keep one of them", key_node.start_mark.line + 1)]
                )
            lines.lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, (*path, key), lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, i), lines) for i, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def load_policy_text(text: str, *, source: str = "<policy>") -> Policy:
    """Parse and validate a policy; PolicyError lists every problem with its line and fix."""
    lines = _LineMap()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        problem = f"YAML syntax error: {exc.problem}; check the indentation, colons, quotes and brackets here and above"
        raise PolicyError(source, [PolicyProblem(problem, line)]) from exc
    if root is None:
        raise PolicyError(source, [PolicyProblem("the file is empty; start with 'version: 1'", 1)])
    try:
        data = _construct(root, (), lines)
    except PolicyError as exc:
        raise PolicyError(source, exc.problems) from None
    if not isinstance(data, dict):
        raise PolicyError(source, [PolicyProblem("the top level must be a mapping starting with 'version: 1'", 1)])
    try:
        document = PolicyDocument.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        raise PolicyError(
            source, [_problem_from_pydantic(err, lines) for err in errors if not _masked(err, errors)]
        ) from None
    problems, conditions = _check_semantics(document, lines)
    if problems:
        raise PolicyError(source, problems)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return Policy(document=document, content_hash=digest, source=source, conditions=conditions)


def load_policy(path: Path | str) -> Policy:
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(
            str(source), [PolicyProblem(f"cannot read the file ({exc.strerror}); check FOLLOWTHROUGH_POLICY")]
        ) from exc
    return load_policy_text(text, source=str(source))


_FIXES = {
    "extra_forbidden": "remove it or check its spelling",
    "missing": "add it",
    "literal_error": "use one of the allowed values",
    "too_short": "add at least one entry",
}


def _masked(error: Mapping[str, Any], errors: Sequence[Mapping[str, Any]]) -> bool:
    """A length error on a list one of whose items failed: pydantic counts only the valid items, so it would
    report 'add at least one entry' for a list that has one. The item's own error is the one to show."""
    if error.get("type") != "too_short":
        return False
    loc = tuple(error.get("loc", ()))
    return any(
        tuple(other.get("loc", ()))[: len(loc)] == loc and len(other.get("loc", ())) > len(loc) for other in errors
    )


def _problem_from_pydantic(error: Mapping[str, Any], lines: _LineMap) -> PolicyProblem:
    loc = tuple(error.get("loc", ()))
    # pydantic adds model-internal steps (e.g. 'function-after[...]') that are not in the document.
    doc_path = tuple(p for p in loc if not (isinstance(p, str) and "[" in p))
    where = ".".join(str(p) for p in doc_path) or "(top level)"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    fix = _FIXES.get(str(error.get("type")), "")
    if error.get("type") == "extra_forbidden":
        message = f"unknown key {doc_path[-1]!r}"
    elif error.get("type") == "missing":
        message = f"{where} is required"
    else:
        message = f"{where}: {message}"
    return PolicyProblem(message + (f" ({fix})" if fix else ""), lines.line_of(doc_path))


def _check_semantics(
    document: PolicyDocument, lines: _LineMap
) -> tuple[list[PolicyProblem], dict[tuple[str, int], tuple[Condition, ...]]]:
    problems: list[PolicyProblem] = []
    conditions: dict[tuple[str, int], tuple[Condition, ...]] = {}
    roles = set(document.roles) | {EVERYONE}
    known = ", ".join(sorted(roles))

    def check_role(name: str, path: tuple[Any, ...]) -> None:
        if name not in roles:
            problems.append(
                PolicyProblem(
                    f"unknown role {name!r}: define it under 'roles:' or use one of: {known}",
                    lines.line_of(path),
                )
            )

    if EVERYONE in document.roles:
        problems.append(
            PolicyProblem(f"'{EVERYONE}' is built in; choose another name", lines.line_of(("roles", EVERYONE)))
        )
    for i, role in enumerate(document.admins):
        check_role(role, ("admins", i))
    for name, spec in document.roles.items():
        if not (spec.users or spec.emails or spec.groups):
            problems.append(
                PolicyProblem(
                    f"role {name!r} has no members: add users:, emails: or groups:",
                    lines.line_of(("roles", name)),
                )
            )
    for kind, entry in document.actions.items():
        base = ("actions", kind)
        if kind not in ACTION_KINDS:
            problems.append(
                PolicyProblem(f"unknown action {kind!r}: use one of {', '.join(ACTION_KINDS)}", lines.line_of(base))
            )
            continue
        fields = set(POLICY_FIELDS[kind]) | set(FACT_FIELDS.get(kind, ())) | CONTEXT_FIELDS
        for i, role in enumerate(entry.request):
            check_role(role, (*base, "request", i))
        unconditional_at: int | None = None
        for index, rule in enumerate(entry.rules):
            rule_path = (*base, "rules", index)
            if unconditional_at is not None:
                problems.append(
                    PolicyProblem(
                        f"{rule_label(rule, index)} of {kind} can never match: rule {unconditional_at + 1} above has "
                        "no 'when' and matches everything; move it last or give it conditions",
                        lines.line_of(rule_path),
                    )
                )
            compiled: list[Condition] = []
            for j, text in enumerate(rule.when):
                cond_path = (*rule_path, "when", j)
                try:
                    condition = parse_condition(text)
                except ConditionSyntaxError as exc:
                    problems.append(PolicyProblem(str(exc), lines.line_of(cond_path)))
                    continue
                if condition.field not in fields:
                    problems.append(
                        PolicyProblem(
                            f"{kind} has no field {condition.field!r}; conditions can test: "
                            f"{', '.join(sorted(fields))}",
                            lines.line_of(cond_path),
                        )
                    )
                    continue
                if condition.field == "requester":
                    for value in condition.value:
                        check_role(str(value), cond_path)
                if condition.field in PERSON_FACTS and condition.op in ("in", "not in"):
                    for value in condition.value:
                        if str(value) != "requester":
                            check_role(str(value), cond_path)
                compiled.append(condition)
            problems.extend(PolicyProblem(p, lines.line_of((*rule_path, "when"))) for p in _contradictions(compiled))
            conditions[(kind, index)] = tuple(compiled)
            if rule.auto and RISK.get(kind) == "high":
                problems.append(
                    PolicyProblem(
                        f"{kind} is a high-risk action and cannot run without approval; "
                        "use 'approve: {by: [role]}' instead of 'auto: true'",
                        lines.line_of((*rule_path, "auto")),
                    )
                )
            if rule.approve is not None:
                for i, role in enumerate(rule.approve.by):
                    check_role(role, (*rule_path, "approve", "by", i))
                if rule.approve.escalate_to not in (None, "manager"):
                    check_role(rule.approve.escalate_to, (*rule_path, "approve", "escalate_to"))
            if not rule.when and unconditional_at is None:
                unconditional_at = index
    for system, allowed in document.reads.items():
        for index, role in enumerate(allowed):
            check_role(role, ("reads", system, index))
    for index, kind in enumerate(document.shadow.kinds):
        if kind not in ACTION_KINDS:
            problems.append(
                PolicyProblem(
                    f"shadow.kinds: unknown action {kind!r}: use one of {', '.join(ACTION_KINDS)}",
                    lines.line_of(("shadow", "kinds", index)),
                )
            )
    follow = document.follow_through
    for index, step in enumerate(follow.ladder):
        if step.to not in ("owner", "requester", "manager", "admins"):
            check_role(step.to, ("follow_through", "ladder", index, "to"))
    for index, attach in enumerate(follow.attach):
        path = ("follow_through", "attach", index)
        if attach.kind not in ACTION_KINDS or attach.kind == "followthrough.follow_up":
            problems.append(
                PolicyProblem(
                    f"follow_through.attach: {attach.kind!r} is not an action kind to follow", lines.line_of(path)
                )
            )
            continue
        fields = set(POLICY_FIELDS[attach.kind]) | CONTEXT_FIELDS
        for j, text in enumerate(attach.when):
            try:
                condition = parse_condition(text)
            except ConditionSyntaxError as exc:
                problems.append(PolicyProblem(str(exc), lines.line_of((*path, "when", j))))
                continue
            if condition.field not in fields:
                problems.append(
                    PolicyProblem(
                        f"{attach.kind} has no field {condition.field!r}; conditions can test: "
                        f"{', '.join(sorted(fields))}",
                        lines.line_of((*path, "when", j)),
                    )
                )
    return problems, conditions


def _contradictions(conditions: Sequence[Condition]) -> list[str]:
    """Conditions of one rule that can never hold together, such as ``amount > 100`` and ``amount < 50``."""
    found: list[str] = []
    by_field: dict[str, list[Condition]] = {}
    for c in conditions:
        by_field.setdefault(c.field, []).append(c)
    for name, group in by_field.items():
        lower = [c for c in group if c.op in (">", ">=")]
        upper = [c for c in group if c.op in ("<", "<=")]
        for lo in lower:
            for hi in upper:
                try:
                    empty = lo.value > hi.value or (lo.value == hi.value and (lo.op == ">" or hi.op == "<"))
                except TypeError:
                    continue
                if empty:
                    found.append(
                        f"'{lo.text}' and '{hi.text}' can never both hold: this rule can never match; "
                        "correct one of the bounds"
                    )
        equals = [c for c in group if c.op == "=="]
        if len({str(c.value).lower() for c in equals}) > 1:
            values = ", ".join(str(c.value) for c in equals)
            found.append(
                f"{name} cannot equal {' and '.join(repr(c.value) for c in equals)} at once; "
                f"to allow any of them write '{name} in [{values}]'"
            )
    return found
