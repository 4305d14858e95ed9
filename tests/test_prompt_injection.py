"""Prompt injection: the model may be fooled, the code still holds.

Every case of ``tests/prompt_injection_cases.yaml`` (a thread with instructions smuggled into it, and the request
the code attributes to its author) goes through both extractors: the offline parser, and the LLM extractor with the
OpenAI emulator answering what a model *fooled* by the injection would (``compromised``: schema-valid, so exactly
what strict mode lets a real model send). What comes out is grounded against the sandbox seed and decided by the
real policy for the requester the code named. The assertions:

- nothing a requester may not ask for gets anything but ``deny`` (whatever the thread claims about who asks or
  what was approved), and a high-risk kind is never ``auto``;
- each action a fooled model produced gets exactly the decision the case expects under each policy: ``deny``, or
  ``approve`` by the roles the policy names (never skipped);
- the understanding has no way to carry a requester, an approver or an approval.

The last tests run two cases through the real bot and worker processes with the LLM path configured.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
import pytest
import redis
import yaml

from approvals.actions import (
    RISK,
    Action,
    JiraAssign,
    JiraComment,
    JiraCreateIssue,
    JiraIssueRef,
    JiraLinkIssues,
    JiraTransition,
    JiraUpdateFields,
    Person,
    SalesforceCreateContact,
    SalesforceCreateTask,
    SalesforceLogCall,
    SalesforceUpdateContact,
    SalesforceUpdateOpportunity,
    SfRecordRef,
)
from approvals.intents import REQUEST_TYPES, ActionRequest, Understanding
from approvals.policy import Policy, PolicyDecision, PolicyError, Principal, load_policy, load_policy_text
from approvals.ports import ExtractionInput, PersonMatch, ThreadMessage
from approvals.states import ProposalState
from bot.llm import OpenAIExtractor, RetryBudget
from bot.llm_schema import ANSWER_ONLY_FIELDS
from bot.parser import OfflineParser
from sandbox.harness import Sandbox
from sandbox.openai import OpenAIEmulator
from sandbox.seed import Seed
from sandbox.server import ServerThread
from sandbox.slack.driver import message_text
from tests.conftest import NORTHWIND_POLICY, Product
from tests.e2e.helpers import buttons, is_card, proposal, proposal_id_of, wait_for_card
from tests.emulators import reset, serve

CASES_FILE = Path(__file__).resolve().parent / "prompt_injection_cases.yaml"
TODAY = dt.date(2026, 11, 20)
BOT_ID = "U0BOT0001"

# Northwind plus rights a real company would grant, so a denial below is about *who* asks, not a missing kind.
EXTENDED_ACTIONS = """\
salesforce.update_opportunity:
  request: [sales]
  rules:
    - name: every stage or amount change needs a sales manager
      approve: {by: [sales-managers]}
salesforce.update_contact:
  request: [sales]
  rules:
    - name: contact changes need a sales manager
      approve: {by: [sales-managers]}
salesforce.log_call:
  request: [sales]
  rules:
    - name: logging a call is routine
      auto: true
jira.assign:
  request: [support, eng]
  rules:
    - name: assignments need a lead
      approve: {by: [eng-leads]}
jira.transition:
  request: [eng]
  rules:
    - name: transitions need a lead
      approve: {by: [eng-leads]}
"""


def extended_policy() -> Policy:
    document = yaml.safe_load(NORTHWIND_POLICY.read_text(encoding="utf-8"))
    document["actions"].update(yaml.safe_load(EXTENDED_ACTIONS))
    return load_policy_text(yaml.safe_dump(document, sort_keys=False), source="northwind+extended")


POLICIES: dict[str, Callable[[], Policy]] = {
    "northwind": lambda: load_policy(NORTHWIND_POLICY),
    "extended": extended_policy,
}


@dataclass(frozen=True)
class Case:
    id: str
    requester: str
    channel: str
    thread: tuple[Mapping[str, str], ...]
    request: str
    compromised: tuple[Mapping[str, Any], ...]
    expect: Mapping[str, Mapping[str, Any]]
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
# The world the cases happen in: people and records of the sandbox seed


class SeedWorld:
    """People, their policy principals and a grounding over the seed's records.

    Grounding here is a small stand-in for ``approvals.grounding`` (which has its own tests): it resolves names
    exactly against the seed and returns None where the real one would ask a question. What matters to these tests
    is that the action reaches the policy with the requester the code named.
    """

    def __init__(self, seed: Seed) -> None:
        self.seed = seed
        self.people = {p.name: p for p in seed.people}

    def person_match(self, name: str) -> PersonMatch:
        p = self.people[name]
        return PersonMatch(p.slack_id, p.name, p.real_name, p.email)

    def principal(self, name: str) -> Principal:
        p = self.people[name]
        groups = frozenset(g.handle for g in self.seed.usergroups if name in g.members)
        return Principal(user_id=p.slack_id, email=p.email, groups=groups)

    def user_id(self, name: str) -> str:
        return BOT_ID if name == "bot" else self.people[name].slack_id

    def find_person(self, written: str | None, requester: PersonMatch) -> Person | None:
        if not written:
            return None
        mention = re.fullmatch(r"<@([UW][A-Z0-9]+)>", written.strip())
        if written.strip().lower() in ("me", "myself"):
            found = [p for p in self.seed.people if p.slack_id == requester.slack_user_id]
        elif mention:
            found = [p for p in self.seed.people if p.slack_id == mention[1]]
        else:
            wanted = written.strip().lower()
            found = [
                p for p in self.seed.people if wanted in (p.name, p.real_name.lower(), p.real_name.split()[0].lower())
            ]
        if len(found) != 1:
            return None
        p = found[0]
        return Person(
            display_name=p.real_name,
            slack_user_id=p.slack_id,
            email=p.email,
            jira_account_id=p.jira_account_id,
            salesforce_user_id=p.salesforce_user_id,
        )

    def _issue(self, key: str | None) -> JiraIssueRef | None:
        issue = next((i for i in self.seed.jira.issues if key and i.key == key.upper()), None)
        return JiraIssueRef(key=issue.key, summary=issue.summary) if issue else None

    def _opportunity(self, account: str | None, words: str | None) -> Any:
        found = [
            o
            for o in self.seed.salesforce.opportunities
            if account
            and account.lower() in o.account.lower()
            and all(w in o.name.lower() for w in (words or "").lower().split())
        ]
        return found[0] if len(found) == 1 else None

    def _contact(self, name: str | None) -> Any:
        found = [
            c
            for c in self.seed.salesforce.contacts
            if name and name.lower() in f"{c.first_name or ''} {c.last_name}".lower()
        ]
        return found[0] if len(found) == 1 else None

    def ground(self, wanted: ActionRequest, requester: PersonMatch) -> Action | None:
        data = wanted.model_dump()
        match wanted.kind:
            case "jira.create_issue":
                if not (data["project"] and data["summary"]):
                    return None
                priority = (data["priority"] or "").title() or None
                return JiraCreateIssue(
                    project=data["project"].upper(),
                    issue_type=(data["issue_type"] or "Task").title(),
                    summary=data["summary"],
                    description=data["description"] or "",
                    assignee=self.find_person(data["assignee"], requester),
                    priority=priority,
                    labels=data["labels"],
                    due_date=data["due_date"],
                )
            case "jira.comment":
                issue = self._issue(data["issue"])
                return JiraComment(issue=issue, body=data["body"]) if issue and data["body"] else None
            case "jira.transition":
                issue = self._issue(data["issue"])
                return JiraTransition(issue=issue, status=data["status"]) if issue and data["status"] else None
            case "jira.assign":
                issue = self._issue(data["issue"])
                return (
                    JiraAssign(issue=issue, assignee=self.find_person(data["assignee"], requester)) if issue else None
                )
            case "jira.update_fields":
                issue = self._issue(data["issue"])
                return JiraUpdateFields(issue=issue, priority=data["priority"]) if issue else None
            case "jira.link_issues":
                one, other = self._issue(data["issue"]), self._issue(data["other"])
                if not (one and other and data["link_type"]):
                    return None
                return JiraLinkIssues(outward=one, inward=other, link_type=data["link_type"])
            case "salesforce.update_opportunity":
                opp = self._opportunity(data["account"], data["opportunity"])
                if opp is None:
                    return None
                return SalesforceUpdateOpportunity(
                    opportunity=SfRecordRef(object="Opportunity", id=opp.id, name=opp.name),
                    account=opp.account,
                    stage=data["stage"],
                    amount=data["amount"],
                    close_date=data["close_date"],
                    next_step=data["next_step"],
                    before={"stage": opp.stage, "amount": opp.amount, "next_step": opp.next_step},
                )
            case "salesforce.update_contact":
                contact = self._contact(data["contact"])
                if contact is None:
                    return None
                name = f"{contact.first_name} {contact.last_name}"
                return SalesforceUpdateContact(
                    contact=SfRecordRef(object="Contact", id=contact.id, name=name),
                    email=data["email"],
                    phone=data["phone"],
                    title=data["title"],
                    before={"title": contact.title, "email": contact.email},
                )
            case "salesforce.log_call":
                contact = self._contact(data["contact"])
                who = SfRecordRef(object="Contact", id=contact.id, name=contact.last_name) if contact else None
                return SalesforceLogCall(subject=data["subject"] or "Call", who=who, call_date=TODAY)
            case "salesforce.create_task":
                owner = self.find_person(data["owner"], requester)
                if owner is None or not data["subject"]:
                    return None
                return SalesforceCreateTask(subject=data["subject"], owner=owner, due_date=data["due_date"])
            case "salesforce.create_contact":
                if not data["last_name"]:
                    return None
                return SalesforceCreateContact(last_name=data["last_name"], email=data["email"], title=data["title"])
        raise AssertionError(f"the test's grounding does not know {wanted.kind}: add it")


@pytest.fixture(scope="module")
def world(seed: Seed) -> SeedWorld:
    return SeedWorld(seed)


# ---------------------------------------------------------------------------------------------------------------
# Running a case through an extractor


def slack_text(text: str) -> str:
    """The request as the bot reads it: the mention written the way Slack sends it."""
    return text.replace("@followthrough", f"<@{BOT_ID}>")


def extraction_input(case: Case, world: SeedWorld) -> ExtractionInput:
    thread = [
        ThreadMessage(
            user=world.user_id(m["user"]), text=slack_text(m["text"]), ts=f"1.{i:06d}", is_bot=m["user"] == "bot"
        )
        for i, m in enumerate(case.thread, start=1)
    ]
    requester = world.person_match(case.requester)
    request = slack_text(case.request)
    thread.append(ThreadMessage(user=requester.slack_user_id, text=request, ts="1.999999"))
    return ExtractionInput(
        request_text=request,
        thread=tuple(thread),
        requester=requester,
        channel_name=case.channel,
        today=TODAY,
        known_projects=("OPS", "PAY"),
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


@pytest.fixture(scope="module")
def emulator(seed: Seed, server_thread: ServerThread) -> Iterator[OpenAIEmulator]:
    served = serve(OpenAIEmulator(seed), server_thread)
    yield served
    reset(served)


@pytest.fixture
def llm(emulator: OpenAIEmulator) -> OpenAIExtractor:
    reset(emulator)
    env = emulator.environment()
    client = openai.OpenAI(api_key=env["OPENAI_API_KEY"], base_url=env["OPENAI_BASE_URL"])
    return OpenAIExtractor(client, "gpt-4.1-mini", budget=RetryBudget(max_attempts=1, total_seconds=10))


def decisions_for(
    case: Case, understanding: Understanding, world: SeedWorld, policy: Policy
) -> list[tuple[Action, PolicyDecision]]:
    requester = world.person_match(case.requester)
    principal = world.principal(case.requester)
    grounded = [world.ground(wanted, requester) for wanted in understanding.requests]
    return [
        (action, policy.decide(action, requester=principal, channel_names=(case.channel,)))
        for action in grounded
        if action is not None
    ]


def assert_policy_holds(
    case: Case, decided: list[tuple[Action, PolicyDecision]], world: SeedWorld, policy: Policy
) -> None:
    """What must hold for any action under any policy, whoever the thread says is asking."""
    roles = policy.roles_of(world.principal(case.requester))
    for action, decision in decided:
        entry = policy.document.actions.get(action.kind)
        if entry is None or not roles & set(entry.request):
            assert decision.outcome == "deny", f"{case.id}: {case.requester} may not ask for {action.kind}"
        if RISK[action.kind] == "high":
            assert decision.outcome != "auto", f"{case.id}: {action.kind} is high risk and ran without approval"
        if decision.outcome == "approve":
            assert decision.approver_roles and decision.min_approvers >= 1


# ---------------------------------------------------------------------------------------------------------------
# The corpus, through both extractors


@pytest.mark.parametrize("policy_name", list(POLICIES))
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_fooled_model_still_cannot_get_past_the_policy(
    case: Case, policy_name: str, world: SeedWorld, emulator: OpenAIEmulator, llm: OpenAIExtractor
) -> None:
    policy = POLICIES[policy_name]()
    request = extraction_input(case, world)
    emulator.respond(request.request_text, content=compromised_answer(case))

    understanding = llm.extract(request)
    decided = decisions_for(case, understanding, world, policy)

    assert [a.kind for a, _ in decided] == [r["kind"] for r in case.compromised], "every fooled action reached policy"
    assert_policy_holds(case, decided, world, policy)
    expected = case.expect[policy_name]
    for action, decision in decided:
        want = expected[action.kind]
        if want == "deny":
            assert decision.outcome == "deny", f"{case.id}: {action.kind} should be denied, got {decision}"
        else:
            assert decision.outcome == "approve", f"{case.id}: {action.kind} needs approval, got {decision}"
            assert list(decision.approver_roles) == want["approve"]
            assert decision.min_approvers == want["min_approvers"]
            assert not decision.allow_self_approval


@pytest.mark.parametrize("policy_name", list(POLICIES))
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_offline_parser_on_the_same_threads_stays_within_the_policy(
    case: Case, policy_name: str, world: SeedWorld
) -> None:
    policy = POLICIES[policy_name]()
    understanding = OfflineParser().extract(extraction_input(case, world))

    decided = decisions_for(case, understanding, world, policy)

    assert_policy_holds(case, decided, world, policy)
    assert {action.kind for action, _ in decided} <= set(case.asks), (
        "the parser reads only the request's own ask, never the thread's or the injected orders"
    )
    assert len(decided) <= len(case.asks)


def test_an_understanding_cannot_name_a_requester_an_approver_or_an_approval() -> None:
    words = {"requester", "approver", "approvers", "approved", "approval", "policy", "auto", "behalf", "actor"}
    words |= {"user", "role", "roles", "admin", "rights"}
    fields = set(Understanding.model_fields)
    for request_type in REQUEST_TYPES:
        fields |= set(request_type.model_fields)
    assert not [f for f in fields if words & set(f.split("_"))], fields


def test_no_policy_can_let_a_high_risk_kind_run_without_approval() -> None:
    text = EXTENDED_ACTIONS.replace("approve: {by: [sales-managers]}", "auto: true", 1)
    document = yaml.safe_load(NORTHWIND_POLICY.read_text(encoding="utf-8"))
    document["actions"].update(yaml.safe_load(text))

    with pytest.raises(PolicyError, match=re.escape("salesforce.update_opportunity")):
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
    env = sandbox.openai.environment()
    return start_product(OPENAI_API_KEY=env["OPENAI_API_KEY"], OPENAI_BASE_URL=env["OPENAI_BASE_URL"])


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
