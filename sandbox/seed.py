"""The sandbox's starting world, loaded from one YAML file and validated.

Every emulator builds its initial state from a ``Seed``. People are referred to by their short ``name`` inside the
file (``owner: erin``); the loader checks that every such reference exists, so a typo in the seed fails loudly at
start-up instead of producing a record owned by nobody.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_SEED_PATH = Path(__file__).with_name("seed.yaml")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Company(_Model):
    name: str
    domain: str


class SlackBot(_Model):
    user_id: str
    bot_id: str
    name: str
    real_name: str


class SlackTokens(_Model):
    bot: str
    app: str


class SlackSeed(_Model):
    team_id: str
    team_domain: str
    app_id: str
    bot: SlackBot
    tokens: SlackTokens


class Person(_Model):
    slack_id: str
    name: str
    real_name: str
    email: str
    title: str
    manager: str | None = None
    jira_account_id: str
    salesforce_user_id: str | None = None
    tz: str = "America/New_York"
    """The person's Slack time zone (IANA name), as users.info gives it."""

    @property
    def first_name(self) -> str:
        return self.real_name.split(" ", 1)[0]

    @property
    def last_name(self) -> str:
        return self.real_name.split(" ", 1)[-1]


class Usergroup(_Model):
    id: str
    handle: str
    name: str
    members: list[str]


class Channel(_Model):
    id: str
    name: str
    topic: str = ""
    bot_member: bool = True
    members: list[str] | Literal["all"] = "all"


class JiraTransition(_Model):
    id: str
    name: str
    to: str
    sources: tuple[str, ...] = Field(alias="from", min_length=1)


class JiraWorkflow(_Model):
    statuses: list[str]
    transitions: list[JiraTransition]

    @model_validator(mode="after")
    def _known_statuses(self) -> JiraWorkflow:
        known = set(self.statuses)
        for t in self.transitions:
            unknown = ({t.to} | set(t.sources)) - known
            if unknown:
                raise ValueError(f"jira transition {t.id!r} names unknown status(es) {sorted(unknown)}")
        return self


class JiraProject(_Model):
    key: str
    name: str
    lead: str


class JiraIssue(_Model):
    key: str
    type: str
    summary: str
    status: str
    assignee: str | None = None
    priority: str = "Medium"
    labels: list[str] = Field(default_factory=list)
    description: str | None = None


class JiraSeed(_Model):
    deployment_type: Literal["Cloud", "Server"] = "Cloud"
    email: str
    api_token: str
    priorities: list[str]
    issue_types: list[str]
    workflow: JiraWorkflow
    projects: list[JiraProject]
    issues: list[JiraIssue]


class SfAccount(_Model):
    id: str
    name: str
    industry: str | None = None
    type: str | None = None
    owner: str


class SfContact(_Model):
    id: str
    first_name: str | None = None
    last_name: str
    email: str | None = None
    title: str | None = None
    account: str | None = None
    owner: str


class SfOpportunity(_Model):
    id: str
    name: str
    account: str
    stage: str
    amount: float | None = None
    close_date: str
    next_step: str | None = None
    owner: str


class SfTask(_Model):
    id: str
    subject: str
    what: str | None = None
    who: str | None = None
    owner: str
    activity_date: str | None = None
    status: str = "Not Started"
    subtype: Literal["Task", "Call", "Email"] = "Task"


class SalesforceSeed(_Model):
    access_token: str
    api_version: str
    daily_api_limit: int
    external_id_field: str
    accounts: list[SfAccount]
    contacts: list[SfContact]
    opportunities: list[SfOpportunity]
    tasks: list[SfTask]


class Seed(_Model):
    company: Company
    slack: SlackSeed
    people: list[Person]
    usergroups: list[Usergroup]
    channels: list[Channel]
    jira: JiraSeed
    salesforce: SalesforceSeed

    @model_validator(mode="after")
    def _check_references(self) -> Seed:
        names = {p.name for p in self.people}
        if len(names) != len(self.people):
            raise ValueError("seed: two people share a name")
        problems: list[str] = []

        def check(ref: str | None, where: str) -> None:
            if ref is not None and ref not in names:
                problems.append(f"{where} refers to unknown person {ref!r}")

        for p in self.people:
            check(p.manager, f"people[{p.name}].manager")
        for g in self.usergroups:
            for m in g.members:
                check(m, f"usergroups[{g.handle}].members")
        for c in self.channels:
            if c.members != "all":
                for m in c.members:
                    check(m, f"channels[{c.name}].members")
        for proj in self.jira.projects:
            check(proj.lead, f"jira.projects[{proj.key}].lead")
        for issue in self.jira.issues:
            check(issue.assignee, f"jira.issues[{issue.key}].assignee")
        sf = self.salesforce
        owners = [(a.owner, f"accounts[{a.name}]") for a in sf.accounts]
        owners += [(c.owner, f"contacts[{c.last_name}]") for c in sf.contacts]
        owners += [(o.owner, f"opportunities[{o.name}]") for o in sf.opportunities]
        owners += [(t.owner, f"tasks[{t.subject}]") for t in sf.tasks]
        for owner, where in owners:
            check(owner, f"salesforce.{where}.owner")
            person = next((p for p in self.people if p.name == owner), None)
            if person is not None and person.salesforce_user_id is None:
                problems.append(f"salesforce.{where}.owner {owner!r} has no salesforce_user_id")
        account_names = {a.name for a in sf.accounts}
        for c in sf.contacts:
            if c.account is not None and c.account not in account_names:
                problems.append(f"salesforce.contacts[{c.last_name}] refers to unknown account {c.account!r}")
        for o in sf.opportunities:
            if o.account not in account_names:
                problems.append(f"salesforce.opportunities[{o.name}] refers to unknown account {o.account!r}")
        opportunity_names = {o.name for o in sf.opportunities}
        contact_names = {f"{c.first_name} {c.last_name}" if c.first_name else c.last_name for c in sf.contacts}
        for t in sf.tasks:
            if t.what is not None and t.what not in opportunity_names | account_names:
                problems.append(f"salesforce.tasks[{t.subject}].what refers to no opportunity or account {t.what!r}")
            if t.who is not None and t.who not in contact_names:
                problems.append(f"salesforce.tasks[{t.subject}].who refers to no contact {t.who!r}")
        if problems:
            raise ValueError("seed: " + "; ".join(problems))
        return self

    @cached_property
    def _people_by_name(self) -> dict[str, Person]:
        return {p.name: p for p in self.people}

    def person(self, name: str) -> Person:
        """The person with short name ``name`` (``"dana"``); KeyError names the unknown person."""
        try:
            return self._people_by_name[name]
        except KeyError:
            raise KeyError(f"no person named {name!r} in the seed") from None

    def person_by_slack_id(self, slack_id: str) -> Person:
        for p in self.people:
            if p.slack_id == slack_id:
                return p
        raise KeyError(f"no person with Slack id {slack_id!r} in the seed")

    def channel(self, name: str) -> Channel:
        wanted = name.lstrip("#")
        for c in self.channels:
            if c.name == wanted or c.id == name:
                return c
        raise KeyError(f"no channel {name!r} in the seed")


def load_seed(path: Path | str | None = None) -> Seed:
    """Load and validate the seed file (the bundled ``seed.yaml`` when ``path`` is None)."""
    source = Path(path) if path is not None else DEFAULT_SEED_PATH
    with source.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return Seed.model_validate(data)
