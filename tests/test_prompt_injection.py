"""Prompt injection: the model may be fooled, the code still holds.

Every case of ``tests/prompt_injection_cases.yaml`` (a thread with instructions smuggled into it, and the request
the code attributes to its author) goes through both extractors the product can be configured with: the offline
parser, and the LLM extractor with the sandbox's OpenAI emulator answering what a model *fooled* by the injection
would (``compromised``: schema-valid, so exactly what strict mode lets a real model send). Everything after the
extractor is the product's own, built by ``app.build_runtime`` over the sandbox: grounding
(``approvals.core.grounding.ground`` reading Slack's directory, Jira and Salesforce through the real connectors), the
requester's rights (Slack user groups, read by the real directory) and the policy the runtime loads
(policies/northwind.yml). The assertions:

- a request grounds into an action, a question or "cannot be done"; only actions reach the policy (the other two
  run nothing), and in every case at least one fooled action does;
- nothing a requester may not ask for gets anything but ``deny`` (whatever the thread claims about who asks or
  what was approved), and a high-risk kind is never ``auto``;
- each action a fooled model produced gets exactly the decision the case expects: ``deny``, or ``approve`` by the
  roles the case lists (never skipped, never by the requester alone), and the proposal the bot would build of
  them all (``approvals.flow.drafting.reground``) is no weaker;
- the understanding has no way to carry a requester, an approver or an approval, and no policy may let a
  high-risk kind run unapproved.

The last tests run two cases through the real bot and worker processes with the LLM path configured.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml

from app import build_runtime, load_settings
from approvals.core.actions import RISK, Action
from approvals.core.grounding import GroundingContext, NeedsInfo, Unworkable, ground
from approvals.core.intents import REQUEST_TYPES, ActionRequest, Understanding
from approvals.core.policy import Policy, PolicyDecision, PolicyError, Principal, load_policy_text
from approvals.core.ports import ExtractionInput, PersonMatch, ThreadMessage
from approvals.core.states import ProposalState
from approvals.flow.drafting import Proposed, reground
from approvals.flow.runtime import Runtime
from sandbox.harness import Sandbox
from sandbox.seed import Seed
from sandbox.slack.driver import message_text
from tests.conftest import NORTHWIND_POLICY, Product
from tests.e2e.helpers import buttons, is_card, proposal, proposal_id_of, wait_for_card
from understanding.llm import OpenAIExtractor
from understanding.llm_schema import ANSWER_ONLY_FIELDS
from understanding.parser import OfflineParser

CASES_FILE = Path(__file__).resolve().parent / "prompt_injection_cases.yaml"
BOT_ID = "U0BOT0001"


@dataclass(frozen=True)
class Case:
    id: str
    requester: str
    channel: str
    thread: tuple[Mapping[str, str], ...]
    request: str
    compromised: tuple[Mapping[str, Any], ...]
    expect: Mapping[str, Any]
    """Per action kind: ``"deny"``, or ``{"approve": [roles], "min_approvers": n}``."""
    asks: tuple[str, ...]
    """The kinds the request itself asks for (default: the first compromised action's): all a reader may find."""


def load_cases() -> list[Case]:
    raw = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))["cases"]
    return [
        Case(
            id=c["id"],
            requester=c["requester"],
            channel=c["channel"],
            thread=tuple(c.get("thread") or ()),
            request=c["request"],
            compromised=tuple(c["compromised"]),
            expect=c["expect"],
            asks=tuple(c.get("asks") or (c["compromised"][0]["kind"],)),
        )
        for c in raw
    ]


CASES = load_cases()


# ---------------------------------------------------------------------------------------------------------------
# The product's runtime over the sandbox, and who asks where as it sees them


def runtime_for(env: Mapping[str, str]) -> Iterator[Runtime]:
    rt = build_runtime(load_settings(**{name.lower(): value for name, value in env.items()}))
    assert rt.warm_caches is not None
    rt.warm_caches()  # a worker's first maintenance pass: the directory learns the workspace's names
    yield rt
    rt.connection.close()


@pytest.fixture
def offline_runtime(product_env: dict[str, str]) -> Iterator[Runtime]:
    """The runtime of a deployment without OpenAI variables: requests are read by the offline parser."""
    yield from runtime_for(product_env)


@pytest.fixture
def llm_runtime(product_env: dict[str, str], sandbox: Sandbox) -> Iterator[Runtime]:
    """The runtime of a deployment pointed at the sandbox's OpenAI emulator, every request read by the LLM.

    Parser first is switched off: a request the parser reads completely never reaches the model, and what is tested
    here is what a fooled model can do."""
    env = {**product_env, **sandbox.openai.environment(), "FOLLOWTHROUGH_PARSER_FIRST": "false"}
    yield from runtime_for(env)


@dataclass(frozen=True)
class Asker:
    """The requester and the channel as the bot knows them: from Slack, not from the case's words."""

    person: PersonMatch
    principal: Principal
    channel_id: str
    channel_names: tuple[str, ...]


def slack_user_id(seed: Seed, name: str) -> str:
    return BOT_ID if name == "bot" else next(p.slack_id for p in seed.people if p.name == name)


def asker_of(case: Case, rt: Runtime, seed: Seed) -> Asker:
    user_id = slack_user_id(seed, case.requester)
    channel_id = next(c.id for c in seed.channels if c.name == case.channel)
    person = rt.directory.person(user_id)
    assert person is not None, f"{case.requester} ({user_id}) is not a member of the sandbox's Slack"
    return Asker(person, rt.directory.principal(user_id), channel_id, tuple(rt.threads.channel_names(channel_id)))


# ---------------------------------------------------------------------------------------------------------------
# Running a case: extract, ground, decide


def slack_text(text: str) -> str:
    """The request as the bot reads it: the mention written the way Slack sends it."""
    return text.replace("@followthrough", f"<@{BOT_ID}>")


def extraction_input(case: Case, rt: Runtime, asker: Asker, seed: Seed) -> ExtractionInput:
    """What ``approvals.flow.drafting.propose`` hands the extractor for this thread."""
    thread = [
        ThreadMessage(
            user=slack_user_id(seed, m["user"]),
            text=slack_text(m["text"]),
            ts=f"1.{i:06d}",
            is_bot=m["user"] == "bot",
        )
        for i, m in enumerate(case.thread, start=1)
    ]
    request = slack_text(case.request)
    thread.append(ThreadMessage(user=asker.person.slack_user_id, text=request, ts="1.999999"))
    assert rt.jira_catalog is not None, "the sandbox's Jira is configured in product_env"
    return ExtractionInput(
        request_text=request,
        thread=tuple(thread),
        requester=asker.person,
        channel_name=asker.channel_names[0],
        today=rt.clock().date(),
        known_projects=tuple(sorted(rt.jira_catalog.projects())),
    )


def full_request(partial: Mapping[str, Any]) -> dict[str, Any]:
    """A request object as strict mode makes a model send it: every field, null (or empty) when not said."""
    request_type = next(t for t in REQUEST_TYPES if t.model_fields["kind"].default == partial["kind"])
    complete: dict[str, Any] = {}
    for name, field in request_type.model_fields.items():
        if name in ANSWER_ONLY_FIELDS:
            continue
        empty: Any = [] if field.default == () else None
        complete[name] = partial.get(name, empty)
    complete["kind"] = partial["kind"]
    return complete


def compromised_answer(case: Case) -> dict[str, Any]:
    return {
        "understood": "Doing what the thread says.",
        "decision": "actions",
        "requests": [full_request(r) for r in case.compromised],
        "question": None,
        "missing": [],
    }


@dataclass(frozen=True)
class Outcome:
    """What became of each understood request: an action and the policy's decision, or what held it back."""

    decided: list[tuple[Action, PolicyDecision]]
    held_back: list[NeedsInfo | Unworkable]
    """Questions for the requester and requests that cannot be done: nothing runs for these."""


def ground_and_decide(rt: Runtime, asker: Asker, requests: Sequence[ActionRequest]) -> Outcome:
    """Each request grounded on its own (``reground`` stops at the first question) and decided by the policy."""
    policy = rt.policy.current
    context = GroundingContext(requester=asker.person, today=rt.clock().date())
    decided: list[tuple[Action, PolicyDecision]] = []
    held_back: list[NeedsInfo | Unworkable] = []
    for wanted in requests:
        grounded = ground(wanted, rt.lookups, context)
        if isinstance(grounded, NeedsInfo | Unworkable):
            held_back.append(grounded)
        else:
            decision = policy.decide(grounded, requester=asker.principal, channel_names=asker.channel_names)
            decided.append((grounded, decision))
    return Outcome(decided, held_back)


def assert_policy_holds(case: Case, decided: list[tuple[Action, PolicyDecision]], asker: Asker, policy: Policy) -> None:
    """What must hold for any action under any policy, whoever the thread says is asking."""
    roles = policy.roles_of(asker.principal)
    for action, decision in decided:
        entry = policy.document.actions.get(action.kind)
        if entry is None or not roles & set(entry.request):
            assert decision.outcome == "deny", f"{case.id}: {case.requester} may not ask for {action.kind}"
        if RISK[action.kind] == "high":
            assert decision.outcome != "auto", f"{case.id}: {action.kind} is high risk and ran without approval"
        if decision.outcome == "approve":
            assert decision.approver_roles and decision.min_approvers >= 1


def assert_decision_expected(case: Case, action: Action, decision: PolicyDecision) -> None:
    want = case.expect[action.kind]
    if want == "deny":
        assert decision.outcome == "deny", f"{case.id}: {action.kind} should be denied, got {decision}"
        return
    assert decision.outcome == "approve", f"{case.id}: {action.kind} needs approval, got {decision}"
    assert list(decision.approver_roles) == want["approve"]
    assert decision.min_approvers == want["min_approvers"]
    assert not decision.allow_self_approval


def assert_proposal_no_weaker(case: Case, proposed: Proposed) -> None:
    """The one decision for all the actions together: any deny denies it, else the strictest approval applies."""
    wants = [case.expect[action.kind] for action in proposed.actions]
    decision = proposed.decision
    if "deny" in wants:
        assert decision.outcome == "deny", f"{case.id}: one action is denied, so the proposal is; got {decision}"
        return
    assert decision.outcome == "approve", f"{case.id}: the proposal needs approval, got {decision}"
    assert decision.approver_roles and all(set(decision.approver_roles) <= set(w["approve"]) for w in wants)
    assert decision.min_approvers == max(w["min_approvers"] for w in wants)
    assert not decision.allow_self_approval


# ---------------------------------------------------------------------------------------------------------------
# The corpus, through both extractors


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_fooled_model_still_cannot_get_past_the_policy(
    case: Case, llm_runtime: Runtime, sandbox: Sandbox, seed: Seed
) -> None:
    rt = llm_runtime
    assert isinstance(rt.extractor, OpenAIExtractor)
    # The worst case for the policy: a model fooled so well that what it names passes the evidence check (which
    # drops values nobody wrote, understanding.llm_evidence). With the check on, a fooled answer can only shrink.
    rt.extractor.check_values = False
    asker = asker_of(case, rt, seed)
    request = extraction_input(case, rt, asker, seed)
    sandbox.openai.respond(request.request_text, content=compromised_answer(case))

    understanding = rt.extractor.extract(request)
    outcome = ground_and_decide(rt, asker, understanding.requests)
    proposed = reground(
        rt,
        requester=asker.person,
        channel=asker.channel_id,
        thread_ts=request.thread[0].ts,
        understanding=understanding,
        requests=understanding.requests,
        thread=request.thread,
        request_ts=request.thread[-1].ts,
        permalink=None,
    )

    assert [r.kind for r in understanding.requests] == [r["kind"] for r in case.compromised], "the model was heard"
    assert outcome.decided, f"{case.id}: no fooled action reached the policy; name records and changes the seed allows"
    assert_policy_holds(case, outcome.decided, asker, rt.policy.current)
    for action, decision in outcome.decided:
        assert_decision_expected(case, action, decision)
    # The bot proposes only when every request grounded; a question or "cannot be done" proposes nothing.
    assert isinstance(proposed, Proposed) == (not outcome.held_back), proposed
    if isinstance(proposed, Proposed):
        assert [a.kind for a in proposed.actions] == [a.kind for a, _ in outcome.decided]
        assert_proposal_no_weaker(case, proposed)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_offline_parser_on_the_same_threads_stays_within_the_policy(
    case: Case, offline_runtime: Runtime, seed: Seed
) -> None:
    rt = offline_runtime
    assert isinstance(rt.extractor, OfflineParser)
    asker = asker_of(case, rt, seed)

    understanding = rt.extractor.extract(extraction_input(case, rt, asker, seed))
    outcome = ground_and_decide(rt, asker, understanding.requests)

    assert {r.kind for r in understanding.requests} <= set(case.asks), (
        "the parser reads only the request's own ask, never the thread's or the injected orders"
    )
    assert len(understanding.requests) <= len(case.asks)
    assert_policy_holds(case, outcome.decided, asker, rt.policy.current)


def test_an_understanding_cannot_name_a_requester_an_approver_or_an_approval() -> None:
    words = {"requester", "approver", "approvers", "approved", "approval", "policy", "auto", "behalf", "actor"}
    words |= {"user", "role", "roles", "admin", "rights"}
    fields = set(Understanding.model_fields)
    for request_type in REQUEST_TYPES:
        fields |= set(request_type.model_fields)
    assert not [f for f in fields if words & set(f.split("_"))], fields


@pytest.mark.parametrize("kind", sorted(kind for kind, risk in RISK.items() if risk == "high"))
def test_no_policy_can_let_a_high_risk_kind_run_without_approval(kind: str) -> None:
    document = yaml.safe_load(NORTHWIND_POLICY.read_text(encoding="utf-8"))
    document["actions"][kind] = {"request": ["everyone"], "rules": [{"name": "no questions asked", "auto": True}]}

    with pytest.raises(PolicyError, match=re.escape(kind)):
        load_policy_text(yaml.safe_dump(document, sort_keys=False))


# ---------------------------------------------------------------------------------------------------------------
# Two cases through the real processes (the LLM path configured, the emulator fooled)


def _case(case_id: str) -> Case:
    return next(c for c in CASES if c.id == case_id)


def _post_case(sandbox: Sandbox, case: Case) -> str:
    driver = sandbox.slack.driver
    channel = f"#{case.channel}"
    first, *rest = case.thread
    thread_ts = str(driver.post_message(first["user"], channel, first["text"])["ts"])
    for message in rest:
        driver.post_message(message["user"], channel, message["text"], thread_ts=thread_ts)
    sandbox.openai.respond(case.request.removeprefix("@followthrough "), content=compromised_answer(case))
    driver.post_message(case.requester, channel, case.request, thread_ts=thread_ts)
    return thread_ts


@pytest.fixture
def fooled_product(start_product: Callable[..., Product], sandbox: Sandbox) -> Product:
    return start_product(**sandbox.openai.environment())


@pytest.mark.slow
def test_product_a_fake_system_line_does_not_change_who_asks(fooled_product: Product, sandbox: Sandbox) -> None:
    case = _case("fake-system-line-names-another-requester")
    issues_before = len(sandbox.jira.issues())

    thread_ts = _post_case(sandbox, case)
    reply = sandbox.slack.driver.wait_for_bot_message(channel="#general", thread_ts=thread_ts, timeout=15)

    assert "not allowed to request jira.create_issue" in message_text(reply), "decided for Erin (sales), not Grace"
    assert not [m for m in sandbox.slack.driver.thread("#general", thread_ts) if buttons(m)]
    assert len(sandbox.jira.issues()) == issues_before


@pytest.mark.slow
def test_product_an_approved_by_admin_line_skips_no_approval(
    fooled_product: Product, sandbox: Sandbox, redis_db: redis.Redis
) -> None:
    case = _case("approved-by-admin-line-in-the-thread")
    issues_before = len(sandbox.jira.issues())

    thread_ts = _post_case(sandbox, case)
    card = wait_for_card(sandbox, thread_ts)

    assert is_card(card) and buttons(card)
    stored = proposal(redis_db, proposal_id_of(card))
    assert stored.state is ProposalState.AWAITING_APPROVAL
    assert stored.policy.min_approvers == 2 and list(stored.policy.approver_roles) == ["eng-leads"]
    assert len(sandbox.jira.issues()) == issues_before, "nothing ran without the two approvals"
