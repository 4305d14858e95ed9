"""Policy tests: who asks for what, and what the policy must answer, written down and checked in CI.

A cases file names its policy and lists cases::

    policy: ../northwind.yml             # relative to this file
    cases:
      - name: support files a PAY bug and one lead approves
        as: {user: U0DANA001, groups: [support]}
        channel: support
        action: {kind: jira.create_issue, project: PAY, issue_type: Bug, summary: Checkout fails}
        expect: {outcome: approve, rule: "rule 2: payments and operations issues", approvers: [eng-leads]}

``as`` describes the requester as the policy sees them (Slack user id, email, user groups): no Slack access is
needed. ``expect`` may check ``outcome``, ``rule``, ``approvers`` (roles), ``min_approvers``,
``allow_self_approval`` and ``reason_contains``. ``followthrough policy test --cases FILE`` runs them; so does the
test suite for every file under ``policies/tests/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from approvals.core.actions import Action, parse_actions
from approvals.core.policy import Policy, PolicyDecision, Principal, load_policy


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Requester(_Model):
    user: str = "U0TESTER01"
    email: str | None = None
    groups: tuple[str, ...] = ()
    guest: bool = False

    def principal(self) -> Principal:
        return Principal(user_id=self.user, email=self.email, groups=frozenset(self.groups), is_guest=self.guest)


class Expectation(_Model):
    outcome: str
    rule: str | None = None
    approvers: tuple[str, ...] | None = None
    min_approvers: int | None = None
    allow_self_approval: bool | None = None
    reason_contains: str | None = None


class Case(_Model):
    name: str
    requester: Requester = Field(alias="as")
    channel: str | None = None
    action: dict[str, Any]
    expect: Expectation


class CasesFile(_Model):
    policy: str
    cases: tuple[Case, ...] = Field(min_length=1)


@dataclass(frozen=True)
class CaseResult:
    case: Case
    decision: PolicyDecision | None
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


def parse_action(data: dict[str, Any]) -> Action:
    """One action from JSON-like data, validated like a real proposal's; ValueError says what is wrong."""
    try:
        return parse_actions([data])[0]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:]) or "action"
        raise ValueError(f"the action is not valid: {where}: {first['msg']}") from None


def decide(policy: Policy, requester: Principal, action: Action, channel: str | None) -> PolicyDecision:
    return policy.decide(action, requester=requester, channel_names=[channel] if channel else [])


def check(case: Case, decision: PolicyDecision) -> tuple[str, ...]:
    expect = case.expect
    problems: list[str] = []
    if decision.outcome != expect.outcome:
        problems.append(f"outcome is {decision.outcome!r}, expected {expect.outcome!r} ({decision.rule})")
    if expect.rule is not None and decision.rule != expect.rule:
        problems.append(f"rule is {decision.rule!r}, expected {expect.rule!r}")
    if expect.approvers is not None and tuple(decision.approver_roles) != expect.approvers:
        problems.append(f"approvers are {list(decision.approver_roles)}, expected {list(expect.approvers)}")
    if expect.min_approvers is not None and decision.min_approvers != expect.min_approvers:
        problems.append(f"min_approvers is {decision.min_approvers}, expected {expect.min_approvers}")
    if expect.allow_self_approval is not None and decision.allow_self_approval != expect.allow_self_approval:
        problems.append(f"allow_self_approval is {decision.allow_self_approval}")
    if expect.reason_contains is not None and expect.reason_contains.lower() not in decision.reason.lower():
        problems.append(f"reason {decision.reason!r} does not mention {expect.reason_contains!r}")
    return tuple(problems)


def load_cases(path: Path | str) -> tuple[Policy, CasesFile]:
    source = Path(path)
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    cases = CasesFile.model_validate(data)
    return load_policy(source.parent / cases.policy), cases


def run_cases(path: Path | str) -> list[CaseResult]:
    policy, cases = load_cases(path)
    results: list[CaseResult] = []
    for case in cases.cases:
        try:
            action = parse_action(case.action)
        except ValueError as exc:
            results.append(CaseResult(case, None, (str(exc),)))
            continue
        decision = decide(policy, case.requester.principal(), action, case.channel)
        results.append(CaseResult(case, decision, check(case, decision)))
    return results
