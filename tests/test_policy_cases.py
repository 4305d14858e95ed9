"""The policy tests shipped with the project (policies/tests/*.cases.yml) hold for their policies."""

from __future__ import annotations

from pathlib import Path

import pytest

from approvals.core.policy_cases import CaseResult, run_cases

CASES = sorted((Path(__file__).resolve().parent.parent / "policies" / "tests").glob("*.cases.yml"))


def _results() -> list[tuple[str, CaseResult]]:
    return [(f"{path.stem}: {result.case.name}", result) for path in CASES for result in run_cases(path)]


def test_there_are_policy_tests() -> None:
    assert CASES, "policies/tests/ holds the policy tests"


@pytest.mark.parametrize(("name", "result"), _results(), ids=[name for name, _ in _results()])
def test_policy_case(name: str, result: CaseResult) -> None:
    assert result.passed, "\n".join(result.problems)
