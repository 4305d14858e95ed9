"""Build the Salesforce emulator's starting records from the shared seed.

The seed names things the way people do (``owner: erin``, ``account: Acme Corp``, ``what: Initech``); this module
turns those names into Salesforce ids and inserts the records through the same validation pipeline the REST API
uses, so a seed that Salesforce would refuse (an unknown stage, a dangling reference) fails loudly at start-up.
Invariant: the same seed always yields byte-identical records, which is what makes ``reset()`` exact.
"""

from __future__ import annotations

from typing import Any

from sandbox.salesforce.records import Payload, RecordStore
from sandbox.seed import Seed

INTEGRATION_USER_ID = "0055g00000FtIntAAF"
# A fixed creation time for seeded records, so reset() restores them exactly.
SEED_TIMESTAMP = "2026-10-01T09:00:00.000+0000"


def integration_username(seed: Seed) -> str:
    """The integration user's username: the ``sub`` of its JWT and the "Run As" user of client credentials."""
    return f"followthrough-integration@{seed.company.domain}"


def populate(store: RecordStore, seed: Seed) -> None:
    """Insert the seed's users, accounts, contacts, opportunities and tasks into an empty ``store``."""
    sf = seed.salesforce
    schemas = store.schemas

    def insert(sobject: str, record_id: str, values: dict[str, Any]) -> None:
        present = {k: v for k, v in values.items() if v is not None}
        store.create(schemas[sobject], Payload(present), now=SEED_TIMESTAMP, record_id=record_id, system=True)

    def owner(name: str) -> str:
        user_id = seed.person(name).salesforce_user_id
        if user_id is None:
            raise ValueError(f"seed: {name!r} owns Salesforce records but has no salesforce_user_id")
        return user_id

    insert(
        "User",
        INTEGRATION_USER_ID,
        {
            "Username": integration_username(seed),
            "FirstName": "Followthrough",
            "LastName": "Integration",
            "Email": f"followthrough-integration@{seed.company.domain}",
            "Title": "Integration User",
            "IsActive": True,
        },
    )
    for person in seed.people:
        if person.salesforce_user_id is not None:
            insert(
                "User",
                person.salesforce_user_id,
                {
                    "Username": person.email,
                    "FirstName": person.first_name,
                    "LastName": person.last_name,
                    "Email": person.email,
                    "Title": person.title,
                    "IsActive": True,
                },
            )

    account_ids = {a.name: a.id for a in sf.accounts}
    for a in sf.accounts:
        insert("Account", a.id, {"Name": a.name, "Industry": a.industry, "Type": a.type, "OwnerId": owner(a.owner)})

    contact_ids: dict[str, str] = {}
    for c in sf.contacts:
        full_name = " ".join(p for p in (c.first_name, c.last_name) if p)
        contact_ids[full_name] = c.id
        insert(
            "Contact",
            c.id,
            {
                "FirstName": c.first_name,
                "LastName": c.last_name,
                "Email": c.email,
                "Title": c.title,
                "AccountId": account_ids[c.account] if c.account else None,
                "OwnerId": owner(c.owner),
            },
        )

    opportunity_ids = {o.name: o.id for o in sf.opportunities}
    for o in sf.opportunities:
        insert(
            "Opportunity",
            o.id,
            {
                "Name": o.name,
                "AccountId": account_ids[o.account],
                "StageName": o.stage,
                "Amount": o.amount,
                "CloseDate": o.close_date,
                "NextStep": o.next_step,
                "OwnerId": owner(o.owner),
            },
        )

    for t in sf.tasks:
        what_id = None
        if t.what is not None:
            what_id = opportunity_ids.get(t.what) or account_ids.get(t.what)
            if what_id is None:
                raise ValueError(f"seed: task {t.subject!r} is about {t.what!r}, which is no opportunity or account")
        who_id = None
        if t.who is not None:
            who_id = contact_ids.get(t.who)
            if who_id is None:
                raise ValueError(f"seed: task {t.subject!r} names contact {t.who!r}, which the seed does not have")
        insert(
            "Task",
            t.id,
            {
                "Subject": t.subject,
                "WhatId": what_id,
                "WhoId": who_id,
                "OwnerId": owner(t.owner),
                "ActivityDate": t.activity_date,
                "Status": t.status,
                "TaskSubtype": t.subtype,
                "Type": "Call" if t.subtype == "Call" else None,
            },
        )
