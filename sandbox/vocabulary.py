"""The sandbox's systems as the product's vocabulary, read from the seed without starting a server."""

from __future__ import annotations

import datetime as dt

from approvals.core.vocabulary import KnownContact, KnownOpportunity, Vocabulary
from sandbox.salesforce.schema import OPPORTUNITY_STAGES
from sandbox.seed import Seed, load_seed


def seed_vocabulary(seed: Seed | None = None) -> Vocabulary:
    """The vocabulary the product builds from the sandbox's systems (what ``approvals.flow.drafting`` reads from Jira,
    Salesforce and Slack), straight from the seed: for the understanding eval, which runs without servers."""
    seed = seed or load_seed()
    people: list[str] = []
    for person in seed.people:
        people.extend((person.real_name, person.name))
    accounts = {a.name for a in seed.salesforce.accounts}
    return Vocabulary(
        projects=tuple(p.key for p in seed.jira.projects),
        statuses=tuple(seed.jira.workflow.statuses),
        priorities=tuple(seed.jira.priorities),
        issue_types=tuple(seed.jira.issue_types),
        stages=tuple(OPPORTUNITY_STAGES),
        accounts=tuple(sorted(accounts)),
        opportunities=tuple(
            KnownOpportunity(o.account, o.name, dt.date.fromisoformat(o.close_date))
            for o in seed.salesforce.opportunities
        ),
        contacts=tuple(KnownContact(c.first_name or "", c.last_name, c.account) for c in seed.salesforce.contacts),
        people=tuple(people),
    )
