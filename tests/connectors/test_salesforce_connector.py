"""The Salesforce connector's contract, against the Salesforce emulator with the real simple-salesforce.

For every action kind: the change lands in the emulator's records, a second run with the same action id changes
nothing, a record changed behind the connector's back is never overwritten, and each failure arrives as the error
class of ``approvals.core.ports`` the executor acts on. Then the catalog, including hostile SOQL input.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import requests
from simple_salesforce.util import Usage

from approvals.core.actions import (
    OPPORTUNITY_STAGES,
    Action,
    Person,
    SalesforceCreateContact,
    SalesforceCreateTask,
    SalesforceDeleteRecord,
    SalesforceLogCall,
    SalesforceUpdateContact,
    SalesforceUpdateOpportunity,
    SfRecordRef,
)
from approvals.core.ports import (
    AuthError,
    ConflictError,
    Connector,
    ExecutionContext,
    Outcome,
    PermanentError,
    RetryableError,
)
from connectors.salesforce import SalesforceConnector, build_session, soql_contains, soql_string
from sandbox.salesforce import SalesforceEmulator
from sandbox.seed import Seed
from sandbox.server import ServerThread
from tests.emulators import reset, serve

EXT = "Followthrough_Action_Id__c"
ACME = "0015g00000AcmeCAAR"
INITECH = "0015g00000IntchAAB"
PLATFORM_RENEWAL = "0065g00000AcPlRAAV"
SUPPORT_RENEWAL = "0065g00000AcSuRAAV"
ANA = "0035g00000AnaSlAAJ"
SEED_TASK = "00T5g00000Tsk01EAB"
ERIN_ID = "0055g00000ErinWAAR"
INTEGRATION_USER = "0055g00000FtIntAAF"
ERIN = Person(display_name="Erin Walsh", email="erin@northwind.example", salesforce_user_id=ERIN_ID)
RENEWAL_REF = SfRecordRef(object="Opportunity", id=PLATFORM_RENEWAL, name="Acme Corp - Platform Renewal")
ANA_REF = SfRecordRef(object="Contact", id=ANA, name="Ana Silva")
INITECH_REF = SfRecordRef(object="Account", id=INITECH, name="Initech")
AID = "0f3c2a9b8d7e6f5a4b3c"


@pytest.fixture(scope="module")
def emulator(seed: Seed, server_thread: ServerThread) -> SalesforceEmulator:
    return serve(SalesforceEmulator(seed), server_thread)


@pytest.fixture(autouse=True)
def _fresh(emulator: SalesforceEmulator) -> None:
    reset(emulator)


def make_connector(emulator: SalesforceEmulator, **kwargs: Any) -> SalesforceConnector:
    token = kwargs.pop("token", emulator.seed.salesforce.access_token)
    return SalesforceConnector(emulator.base_url, token, external_id_field=EXT, **kwargs)


@pytest.fixture
def sf(emulator: SalesforceEmulator) -> SalesforceConnector:
    return make_connector(emulator)


def ctx(action_id: str = AID) -> ExecutionContext:
    return ExecutionContext(proposal_id="prop-1", action_id=action_id, permalink="https://slack.example/p1")


def rest(emulator: SalesforceEmulator, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """A change made behind the connector's back: someone else editing Salesforce."""
    response = requests.request(
        method,
        f"{emulator.base_url}/services/data/v59.0/{path}",
        json=body,
        headers={"Authorization": f"Bearer {emulator.seed.salesforce.access_token}"},
        timeout=5,
    )
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def record(emulator: SalesforceEmulator, sobject: str, record_id: str) -> dict[str, Any]:
    found = emulator.record(sobject, record_id)
    assert found is not None, f"{sobject} {record_id} does not exist"
    return found


def writes(emulator: SalesforceEmulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in emulator.requests.entries() if r.method in ("POST", "PATCH", "DELETE")]


def renewal_update(**overrides: Any) -> SalesforceUpdateOpportunity:
    fields: dict[str, Any] = {
        "opportunity": RENEWAL_REF,
        "account": "Acme Corp",
        "stage": "Negotiation/Review",
        "amount": Decimal("120000"),
        "before": {"stage": "Proposal/Price Quote", "amount": "100000", "account": "Acme Corp"},
    }
    return SalesforceUpdateOpportunity(**{**fields, **overrides})


def ana_update(**overrides: Any) -> SalesforceUpdateContact:
    fields: dict[str, Any] = {
        "contact": ANA_REF,
        "title": "VP Procurement",
        "phone": "+1 555 0100",
        "before": {"title": "Head of Procurement", "phone": None},
    }
    return SalesforceUpdateContact(**{**fields, **overrides})


def follow_up_task(**overrides: Any) -> SalesforceCreateTask:
    fields: dict[str, Any] = {
        "subject": "Send the revised quote",
        "owner": ERIN,
        "what": RENEWAL_REF,
        "who": None,
        "due_date": dt.date(2026, 11, 30),
        "description": "Asked for in #sales",
    }
    return SalesforceCreateTask(**{**fields, **overrides})


def ana_call(**overrides: Any) -> SalesforceLogCall:
    fields: dict[str, Any] = {
        "subject": "Talked through the expansion terms",
        "who": ANA_REF,
        "what": INITECH_REF,
        "call_date": dt.date(2026, 11, 19),
        "description": "She wants a 3-year term",
    }
    return SalesforceLogCall(**{**fields, **overrides})


def milton(**overrides: Any) -> SalesforceCreateContact:
    fields: dict[str, Any] = {
        "first_name": "Milton",
        "last_name": "Waddams",
        "email": "milton@initech.example",
        "title": "Collator",
        "account": INITECH_REF,
    }
    return SalesforceCreateContact(**{**fields, **overrides})


def created_task(sf: SalesforceConnector, action_id: str = "create-aid") -> SfRecordRef:
    outcome = sf.execute(follow_up_task(), ctx(action_id))
    return SfRecordRef(object="Task", id=outcome.changes["created"]["id"], name="Send the revised quote")


def undo_task(ref: SfRecordRef, **before: Any) -> SalesforceDeleteRecord:
    return SalesforceDeleteRecord(
        record=ref, before=before or {"subject": "Send the revised quote", "due_date": "2026-11-30"}
    )


def test_the_connector_implements_the_port(sf: SalesforceConnector) -> None:
    assert isinstance(sf, Connector)
    assert sf.system == "salesforce"


# --- transport -------------------------------------------------------------------------------------------------


def test_plain_http_is_only_for_an_emulator_on_this_machine() -> None:
    with pytest.raises(ValueError, match="must be https://"):
        SalesforceConnector("http://acme.my.salesforce.com", "token")
    SalesforceConnector("http://localhost:8080", "token")
    SalesforceConnector("https://acme.my.salesforce.com", "token")


def test_only_the_local_origin_is_downgraded_to_http() -> None:
    local = build_session("http://127.0.0.1:8123", (5, 30))
    assert local.get_adapter("https://127.0.0.1:8123/services/data/").downgrade_https is True
    assert local.get_adapter("https://127.0.0.1:81234/services/data/").downgrade_https is False
    assert local.get_adapter("https://login.salesforce.com/").downgrade_https is False
    real = build_session("https://acme.my.salesforce.com", (5, 30))
    assert real.get_adapter("https://acme.my.salesforce.com/services/data/").downgrade_https is False
    assert real.trust_env is True  # a real org may sit behind the company's proxy


def test_every_request_gets_a_timeout(emulator: SalesforceEmulator) -> None:
    sf = make_connector(emulator, timeout=(2.0, 0.3))
    emulator.inject(r"/query", method="GET", mode="delay", delay=1.0)
    started = time.monotonic()
    with pytest.raises(RetryableError, match="connection to Salesforce failed"):
        sf.find_accounts("Acme")
    assert time.monotonic() - started < 0.9


def test_the_token_is_not_in_the_repr(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    assert emulator.seed.salesforce.access_token not in repr(sf)


# --- salesforce.update_opportunity ----------------------------------------------------------------------------


def test_update_opportunity_patches_only_the_changed_fields_with_absolute_values(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    outcome = sf.execute(renewal_update(), ctx())

    assert outcome == Outcome(
        summary="Updated Acme Corp - Platform Renewal: stage Proposal/Price Quote → Negotiation/Review, "
        "amount $100,000 → $120,000",
        key="Acme Corp - Platform Renewal",
        url=f"{emulator.base_url}/lightning/r/Opportunity/{PLATFORM_RENEWAL}/view",
        changes={
            "before": {"stage": "Proposal/Price Quote", "amount": "100000"},
            "after": {"stage": "Negotiation/Review", "amount": "120000"},
        },
    )
    now = record(emulator, "Opportunity", PLATFORM_RENEWAL)
    assert (now["StageName"], now["Amount"], now["NextStep"]) == (
        "Negotiation/Review",
        120000.0,
        "Send the revised quote",
    )
    [patch] = emulator.requests.entries(method="PATCH")
    assert patch.path.endswith(f"/sobjects/Opportunity/{PLATFORM_RENEWAL}")
    assert patch.body == {"StageName": "Negotiation/Review", "Amount": 120000}  # a number, never text


def test_update_opportunity_twice_writes_once(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    sf.execute(renewal_update(), ctx())
    again = sf.execute(renewal_update(), ctx())
    assert again.changes == {"unchanged": True}
    assert len(emulator.requests.entries(method="PATCH")) == 1


def test_update_opportunity_leaves_a_field_that_already_has_the_new_value(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    rest(emulator, "PATCH", f"sobjects/Opportunity/{PLATFORM_RENEWAL}", {"StageName": "Negotiation/Review"})
    emulator.requests.clear()
    outcome = sf.execute(renewal_update(), ctx())
    assert outcome.changes == {"before": {"amount": "100000"}, "after": {"amount": "120000"}}
    [patch] = emulator.requests.entries(method="PATCH")
    assert patch.body == {"Amount": 120000}


def test_update_opportunity_changed_behind_our_back_is_a_conflict(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    rest(emulator, "PATCH", f"sobjects/Opportunity/{PLATFORM_RENEWAL}", {"Amount": 110000.5})
    emulator.requests.clear()
    with pytest.raises(ConflictError) as exc_info:
        sf.execute(renewal_update(close_date=dt.date(2027, 1, 15)), ctx())
    assert exc_info.value.current == {"stage": "Proposal/Price Quote", "amount": "110000.5", "account": "Acme Corp"}
    assert "amount is now $110,000.50 (was $100,000)" in exc_info.value.user_message
    assert writes(emulator) == []
    assert record(emulator, "Opportunity", PLATFORM_RENEWAL)["StageName"] == "Proposal/Price Quote"


def test_update_of_a_deleted_opportunity_says_it_no_longer_exists(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    rest(emulator, "DELETE", f"sobjects/Opportunity/{PLATFORM_RENEWAL}")
    with pytest.raises(PermanentError, match="Acme Corp - Platform Renewal no longer exists in Salesforce"):
        sf.execute(renewal_update(), ctx())


def test_update_opportunity_deleted_between_read_and_write_is_permanent(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    emulator.inject(r"/sobjects/Opportunity/", method="PATCH", status=404)
    with pytest.raises(PermanentError, match="no longer exists"):
        sf.execute(renewal_update(), ctx())


def test_an_update_naming_a_record_of_another_object_is_refused(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    with pytest.raises(PermanentError, match="Ana Silva is a Contact; this change applies to Opportunity records only"):
        sf.execute(renewal_update(opportunity=ANA_REF), ctx())
    assert emulator.requests.entries() == []


def test_a_value_salesforce_refuses_is_permanent_with_its_own_message(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    with pytest.raises(PermanentError) as exc_info:
        sf.execute(renewal_update(stage="Negotiation"), ctx())
    assert exc_info.value.user_message == (
        "Salesforce refused it: Stage: bad value for restricted picklist field: Negotiation"
    )
    assert "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" in exc_info.value.detail


def test_row_lock_contention_is_retryable(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    emulator.inject(r"/sobjects/Opportunity/", method="PATCH", status=400)  # UNABLE_TO_LOCK_ROW
    with pytest.raises(RetryableError) as exc_info:
        sf.execute(renewal_update(), ctx())
    assert exc_info.value.retry_after is not None
    sf.execute(renewal_update(), ctx())
    assert record(emulator, "Opportunity", PLATFORM_RENEWAL)["StageName"] == "Negotiation/Review"


def test_an_update_that_went_through_before_the_connection_dropped_is_reconciled(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    assert sf.reconcile(renewal_update(), ctx()) is None  # nothing happened yet
    emulator.inject(r"/sobjects/Opportunity/", method="PATCH", mode="drop")
    with pytest.raises(RetryableError):
        sf.execute(renewal_update(), ctx())
    found = sf.reconcile(renewal_update(), ctx())
    assert found is not None
    assert found.changes == {
        "before": {"stage": "Proposal/Price Quote", "amount": "100000"},
        "after": {"stage": "Negotiation/Review", "amount": "120000"},
    }


# --- salesforce.update_contact --------------------------------------------------------------------------------


def test_update_contact(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    outcome = sf.execute(ana_update(), ctx())
    assert (
        outcome.summary == "Updated Ana Silva: phone (empty) → +1 555 0100, title Head of Procurement → VP Procurement"
    )
    assert outcome.changes == {
        "before": {"phone": None, "title": "Head of Procurement"},
        "after": {"phone": "+1 555 0100", "title": "VP Procurement"},
    }
    now = record(emulator, "Contact", ANA)
    assert (now["Title"], now["Phone"], now["Email"]) == ("VP Procurement", "+1 555 0100", "ana.silva@initech.example")


def test_update_contact_twice_writes_once(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    sf.execute(ana_update(), ctx())
    assert sf.execute(ana_update(), ctx()).changes == {"unchanged": True}
    assert len(emulator.requests.entries(method="PATCH")) == 1


def test_update_contact_changed_behind_our_back_is_a_conflict(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    rest(emulator, "PATCH", f"sobjects/Contact/{ANA}", {"Title": "Chief Procurement Officer"})
    emulator.requests.clear()
    with pytest.raises(ConflictError) as exc_info:
        sf.execute(ana_update(), ctx())
    assert exc_info.value.current == {"title": "Chief Procurement Officer", "phone": None}
    assert writes(emulator) == []
    assert record(emulator, "Contact", ANA)["Phone"] is None


def test_email_compares_without_case(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    action = ana_update(
        title=None, phone=None, email="ana@initech.example", before={"email": "ANA.SILVA@initech.example"}
    )
    sf.execute(action, ctx())
    assert record(emulator, "Contact", ANA)["Email"] == "ana@initech.example"


# --- salesforce.create_task -----------------------------------------------------------------------------------


def test_create_task(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    outcome = sf.execute(follow_up_task(), ctx())

    [task] = emulator.find("Task", **{EXT: AID})
    assert {k: task[k] for k in ("Subject", "OwnerId", "WhatId", "WhoId", "ActivityDate", "Description", "Status")} == {
        "Subject": "Send the revised quote",
        "OwnerId": ERIN_ID,
        "WhatId": PLATFORM_RENEWAL,
        "WhoId": None,
        "ActivityDate": "2026-11-30",
        "Description": "Asked for in #sales",
        "Status": "Not Started",
    }
    assert outcome == Outcome(
        summary='Created task "Send the revised quote" for Erin Walsh on Acme Corp - Platform Renewal, due 2026-11-30',
        key="Send the revised quote",
        url=f"{emulator.base_url}/lightning/r/Task/{task['Id']}/view",
        changes={"created": {"object": "Task", "id": task["Id"]}},
    )
    [upsert] = emulator.requests.entries(method="PATCH")
    assert upsert.path.endswith(f"/sobjects/Task/{EXT}/{AID}")


def test_create_task_twice_makes_one_task_and_the_second_run_writes_nothing(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    first = sf.execute(follow_up_task(), ctx())
    second = sf.execute(follow_up_task(), ctx())
    assert second == first
    assert len(emulator.find("Task", **{EXT: AID})) == 1
    assert len(writes(emulator)) == 1


def test_a_repeat_never_overwrites_what_people_changed_on_the_created_task(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    task_id = sf.execute(follow_up_task(), ctx()).changes["created"]["id"]
    rest(emulator, "PATCH", f"sobjects/Task/{task_id}", {"Status": "In Progress", "Subject": "Quote sent v2"})
    sf.execute(follow_up_task(), ctx())
    task = record(emulator, "Task", task_id)
    assert (task["Status"], task["Subject"]) == ("In Progress", "Quote sent v2")


def test_the_external_id_is_quoted_in_the_url(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    odd = "prop 7/step?1#x"
    outcome = sf.execute(follow_up_task(), ctx(odd))
    [task] = emulator.find("Task", **{EXT: odd})
    assert outcome.changes["created"]["id"] == task["Id"]
    assert sf.reconcile(follow_up_task(), ctx(odd)) == outcome


def test_create_task_reconciles_by_action_id(sf: SalesforceConnector) -> None:
    assert sf.reconcile(follow_up_task(), ctx()) is None
    outcome = sf.execute(follow_up_task(), ctx())
    assert sf.reconcile(follow_up_task(), ctx()) == outcome


def test_an_owner_without_a_salesforce_user_is_refused_before_any_call(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    hank = Person(display_name="Hank Patel", email="hank@northwind.example")
    with pytest.raises(PermanentError, match="Hank Patel has no Salesforce user"):
        sf.execute(follow_up_task(owner=hank), ctx())
    assert emulator.requests.entries() == []


def test_a_reference_salesforce_refuses_is_permanent_with_its_message(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    with pytest.raises(PermanentError, match="Related To ID: id value of incorrect type") as exc_info:
        sf.execute(follow_up_task(what=ANA_REF), ctx())
    assert "FIELD_INTEGRITY_EXCEPTION" in exc_info.value.detail
    assert emulator.find("Task", **{EXT: AID}) == []


def test_a_task_on_a_deleted_opportunity_is_permanent(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    rest(emulator, "DELETE", f"sobjects/Opportunity/{SUPPORT_RENEWAL}")
    what = SfRecordRef(object="Opportunity", id=SUPPORT_RENEWAL, name="Acme Corp - Support Renewal")
    with pytest.raises(PermanentError, match="entity is deleted"):
        sf.execute(follow_up_task(what=what), ctx())


# --- salesforce.log_call --------------------------------------------------------------------------------------


def test_log_call(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    outcome = sf.execute(ana_call(), ctx())
    [task] = emulator.find("Task", **{EXT: AID})
    fields = ("Subject", "WhoId", "WhatId", "ActivityDate", "TaskSubtype", "Type", "Status", "IsClosed", "OwnerId")
    assert {k: task[k] for k in fields} == {
        "Subject": "Talked through the expansion terms",
        "WhoId": ANA,
        "WhatId": INITECH,
        "ActivityDate": "2026-11-19",
        "TaskSubtype": "Call",
        "Type": "Call",
        "Status": "Completed",
        "IsClosed": True,
        "OwnerId": INTEGRATION_USER,
    }
    assert outcome.summary == 'Logged call "Talked through the expansion terms" with Ana Silva on Initech (2026-11-19)'
    assert outcome.changes == {"created": {"object": "Task", "id": task["Id"]}}


def test_log_call_twice_logs_one_call(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    # A second upsert would land on the existing task with TaskSubtype, which Salesforce only takes on create.
    first = sf.execute(ana_call(), ctx())
    assert sf.execute(ana_call(), ctx()) == first
    assert len(emulator.find("Task", **{EXT: AID})) == 1
    assert len(writes(emulator)) == 1


def test_a_logged_call_edited_since_is_left_alone_on_a_repeat(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    task_id = sf.execute(ana_call(), ctx()).changes["created"]["id"]
    rest(emulator, "PATCH", f"sobjects/Task/{task_id}", {"Description": "3-year term, 5% uplift"})
    sf.execute(ana_call(), ctx())
    assert record(emulator, "Task", task_id)["Description"] == "3-year term, 5% uplift"


# --- salesforce.create_contact --------------------------------------------------------------------------------


def test_create_contact(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    outcome = sf.execute(milton(phone="+1 555 0199"), ctx())
    [contact] = emulator.find("Contact", **{EXT: AID})
    fields = ("FirstName", "LastName", "Name", "Email", "Phone", "Title", "AccountId")
    assert {k: contact[k] for k in fields} == {
        "FirstName": "Milton",
        "LastName": "Waddams",
        "Name": "Milton Waddams",
        "Email": "milton@initech.example",
        "Phone": "+1 555 0199",
        "Title": "Collator",
        "AccountId": INITECH,
    }
    assert outcome.summary == "Created contact Milton Waddams at Initech"
    assert outcome.key == "Milton Waddams"
    assert outcome.changes == {"created": {"object": "Contact", "id": contact["Id"]}}


def test_create_contact_twice_makes_one_contact(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    first = sf.execute(milton(), ctx())
    assert sf.execute(milton(), ctx()) == first
    assert len(emulator.find("Contact", LastName="Waddams")) == 1
    assert len(writes(emulator)) == 1


def test_a_contact_edited_since_is_left_alone_on_a_repeat(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    contact_id = sf.execute(milton(), ctx()).changes["created"]["id"]
    rest(emulator, "PATCH", f"sobjects/Contact/{contact_id}", {"Title": "Former collator"})
    sf.execute(milton(), ctx())
    assert record(emulator, "Contact", contact_id)["Title"] == "Former collator"


def test_a_contact_on_an_opportunity_instead_of_an_account_is_refused(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    with pytest.raises(PermanentError, match="Account ID: id value of incorrect type"):
        sf.execute(milton(account=RENEWAL_REF), ctx())
    assert emulator.find("Contact", LastName="Waddams") == []


# --- salesforce.delete_record ---------------------------------------------------------------------------------


def test_delete_record_moves_the_created_task_to_the_recycle_bin(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    ref = created_task(sf)
    outcome = sf.execute(undo_task(ref), ctx("undo-aid"))
    assert outcome.changes == {"deleted": {"object": "Task", "id": ref.id}}
    assert record(emulator, "Task", ref.id)["IsDeleted"] is True


def test_delete_record_twice_deletes_once(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    ref = created_task(sf)
    sf.execute(undo_task(ref), ctx("undo-aid"))
    again = sf.execute(undo_task(ref), ctx("undo-aid"))
    assert again.summary == "Send the revised quote was already deleted"
    assert again.changes == {"unchanged": True}
    assert len(emulator.requests.entries(method="DELETE")) == 1


def test_delete_record_changed_since_creation_is_a_conflict(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    ref = created_task(sf)
    rest(emulator, "PATCH", f"sobjects/Task/{ref.id}", {"ActivityDate": "2026-12-04"})
    with pytest.raises(ConflictError) as exc_info:
        sf.execute(undo_task(ref), ctx("undo-aid"))
    assert exc_info.value.current == {"subject": "Send the revised quote", "due_date": "2026-12-04"}
    assert "due date is now 2026-12-04" in exc_info.value.user_message
    assert record(emulator, "Task", ref.id)["IsDeleted"] is False
    assert emulator.requests.entries(method="DELETE") == []


def test_delete_record_checks_salesforce_field_names_too(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    ref = created_task(sf)
    with pytest.raises(ConflictError):
        sf.execute(undo_task(ref, Status="Completed"), ctx("undo-aid"))
    sf.execute(undo_task(ref, Status="Not Started", what="Acme Corp - Platform Renewal"), ctx("undo-aid"))
    assert record(emulator, "Task", ref.id)["IsDeleted"] is True


def test_delete_record_refuses_a_field_it_cannot_check(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    ref = created_task(sf)
    with pytest.raises(PermanentError, match="cannot check 'colour'"):
        sf.execute(undo_task(ref, colour="red"), ctx("undo-aid"))
    assert record(emulator, "Task", ref.id)["IsDeleted"] is False


def test_delete_record_only_deletes_what_followthrough_created(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    seeded = SfRecordRef(object="Task", id=SEED_TASK, name="Send Acme the renewal deck")
    with pytest.raises(PermanentError, match="not created by Followthrough"):
        sf.execute(SalesforceDeleteRecord(record=seeded), ctx())
    account = SfRecordRef(object="Account", id=ACME, name="Acme Corp")
    with pytest.raises(PermanentError, match="only deletes tasks and contacts"):
        sf.execute(SalesforceDeleteRecord(record=account), ctx())
    assert emulator.requests.entries(method="DELETE") == []
    assert record(emulator, "Task", SEED_TASK)["IsDeleted"] is False


def test_delete_record_reconciles(sf: SalesforceConnector) -> None:
    ref = created_task(sf)
    assert sf.reconcile(undo_task(ref), ctx("undo-aid")) is None
    outcome = sf.execute(undo_task(ref), ctx("undo-aid"))
    assert sf.reconcile(undo_task(ref), ctx("undo-aid")) == outcome


def test_a_record_deleted_between_the_check_and_the_delete_counts_as_deleted(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    ref = created_task(sf)
    emulator.inject(r"/sobjects/Task/", method="DELETE", status=404)
    assert sf.execute(undo_task(ref), ctx("undo-aid")).changes == {"deleted": {"object": "Task", "id": ref.id}}


# --- error classes, for every kind ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One action kind: how to build it (creating what it needs first) and how to see that it took effect."""

    name: str
    build: Callable[[SalesforceConnector], Action]
    took_effect: Callable[[SalesforceEmulator, Action], bool]
    creates: bool = False


def _one_created(sobject: str) -> Callable[[SalesforceEmulator, Action], bool]:
    def check(emulator: SalesforceEmulator, action: Action) -> bool:
        found = emulator.find(sobject, **{EXT: AID})
        assert len(found) <= 1, f"{len(found)} records for one action id"
        return len(found) == 1

    return check


def _deleted(emulator: SalesforceEmulator, action: Action) -> bool:
    assert isinstance(action, SalesforceDeleteRecord)
    return bool(record(emulator, "Task", action.record.id)["IsDeleted"])


KINDS = [
    Kind(
        "salesforce.update_opportunity",
        lambda sf: renewal_update(),
        lambda em, a: record(em, "Opportunity", PLATFORM_RENEWAL)["Amount"] == 120000.0,
    ),
    Kind(
        "salesforce.update_contact",
        lambda sf: ana_update(),
        lambda em, a: record(em, "Contact", ANA)["Title"] == "VP Procurement",
    ),
    Kind("salesforce.create_task", lambda sf: follow_up_task(), _one_created("Task"), creates=True),
    Kind("salesforce.log_call", lambda sf: ana_call(), _one_created("Task"), creates=True),
    Kind("salesforce.create_contact", lambda sf: milton(), _one_created("Contact"), creates=True),
    Kind("salesforce.delete_record", lambda sf: undo_task(created_task(sf)), _deleted),
]
CREATES = [k for k in KINDS if k.creates]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_a_503_is_retryable_and_the_retry_takes_effect_once(
    kind: Kind, sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    action = kind.build(sf)
    assert action.kind == kind.name
    emulator.inject(r"/sobjects/", method="PATCH" if kind.name != "salesforce.delete_record" else "DELETE", status=503)
    with pytest.raises(RetryableError, match=r"Salesforce is unavailable \(HTTP 503\)"):
        sf.execute(action, ctx())
    assert not kind.took_effect(emulator, action)
    sf.execute(action, ctx())
    assert kind.took_effect(emulator, action)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_a_write_that_landed_before_the_503_is_not_repeated(
    kind: Kind, sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    action = kind.build(sf)
    method = "PATCH" if kind.name != "salesforce.delete_record" else "DELETE"
    emulator.inject(r"/sobjects/", method=method, status=503, mode="after")
    with pytest.raises(RetryableError):
        sf.execute(action, ctx())
    assert kind.took_effect(emulator, action)
    sf.execute(action, ctx())
    assert kind.took_effect(emulator, action)
    assert len(emulator.requests.entries(method=method)) == 1


@pytest.mark.parametrize("kind", CREATES, ids=lambda k: k.name)
def test_a_dropped_upsert_is_retryable_and_the_rerun_leaves_one_record(
    kind: Kind, sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    action = kind.build(sf)
    emulator.inject(rf"/sobjects/\w+/{EXT}/", method="PATCH", mode="drop")
    with pytest.raises(RetryableError):
        sf.execute(action, ctx())
    assert kind.took_effect(emulator, action)  # committed before the connection broke
    outcome = sf.execute(action, ctx())
    assert kind.took_effect(emulator, action)
    assert sf.reconcile(action, ctx()) == outcome


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_an_expired_session_is_an_auth_error(kind: Kind, sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    action = kind.build(sf)
    stale = make_connector(emulator, token="00DNW0000000001!expired")
    seq = emulator.seq
    with pytest.raises(AuthError) as exc_info:
        stale.execute(action, ctx())
    assert exc_info.value.user_message == "Salesforce refused our session; an admin must renew SALESFORCE_ACCESS_TOKEN"
    assert emulator.seq == seq


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_the_daily_api_limit_is_a_long_wait(kind: Kind, sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    action = kind.build(sf)
    emulator.set_api_limit(100, usage=100)
    seq = emulator.seq
    with pytest.raises(RetryableError) as exc_info:
        sf.execute(action, ctx())
    assert exc_info.value.retry_after is not None
    assert exc_info.value.retry_after >= 900
    assert "daily API limit" in exc_info.value.user_message
    assert emulator.seq == seq
    emulator.set_api_limit(15000)
    sf.execute(action, ctx())
    assert kind.took_effect(emulator, action)


def test_a_404_on_the_upsert_is_permanent(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    emulator.inject(rf"/sobjects/Task/{EXT}/", method="PATCH", status=404)
    with pytest.raises(PermanentError, match="could not find"):
        sf.execute(follow_up_task(), ctx())


def test_several_records_with_one_external_id_is_permanent(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    emulator.inject(rf"/sobjects/Task/{EXT}/", method="GET", status=300, body=["/a", "/b"])
    with pytest.raises(PermanentError, match="several records"):
        sf.execute(follow_up_task(), ctx())


def test_a_refused_connection_is_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sf = SalesforceConnector(f"http://127.0.0.1:{port}", "token")  # nobody listens there any more
    with pytest.raises(RetryableError, match="connection to Salesforce failed"):
        sf.execute(renewal_update(), ctx())


# --- API usage ------------------------------------------------------------------------------------------------


def test_api_usage_above_80_percent_is_a_warning_once_per_point(
    sf: SalesforceConnector, emulator: SalesforceEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="connectors.salesforce")
    emulator.set_api_limit(1000, usage=700)
    sf.find_accounts("Acme")
    assert sf.api_usage == Usage(701, 1000)
    assert caplog.records == []
    emulator.set_api_limit(1000, usage=850)
    sf.find_accounts("Acme")
    sf.execute(renewal_update(), ctx())  # two calls, still 85 %
    assert [r.getMessage() for r in caplog.records] == [
        "Salesforce API usage is at 85% of the daily limit (851 of 1000 calls); at 100% every action waits "
        "until calls free up"
    ]
    assert sf.api_usage == Usage(853, 1000)


# --- catalog --------------------------------------------------------------------------------------------------


def names(found: Any) -> list[str]:
    return [r.name for r in found]


def test_find_opportunities_by_words(sf: SalesforceConnector) -> None:
    found = sf.find_opportunities(account=None, words=["acme", "renewal"], open_only=False)
    assert names(found) == ["Acme Corp - Platform Renewal", "Acme Corp - Support Renewal"]  # by close date
    platform = found[0]
    assert (platform.object, platform.id) == ("Opportunity", PLATFORM_RENEWAL)
    assert {k: platform.fields[k] for k in SF_OPPORTUNITY_FIELDS} == {
        "account": "Acme Corp",
        "stage": "Proposal/Price Quote",
        "amount": "100000",
        "close_date": "2026-12-15",
        "next_step": "Send the revised quote",
        "owner": "Erin Walsh",
        "owner_email": "erin@northwind.example",
        "is_closed": False,
    }


SF_OPPORTUNITY_FIELDS = ("account", "stage", "amount", "close_date", "next_step", "owner", "owner_email", "is_closed")


def test_find_opportunities_by_account_and_open_only(sf: SalesforceConnector) -> None:
    assert names(sf.find_opportunities(account="acme", words=[], open_only=False)) == [
        "Acme Corp - Pilot",
        "Acme Corp - Platform Renewal",
        "Acme Corp - Support Renewal",
    ]
    assert names(sf.find_opportunities(account="acme", words=[], open_only=True)) == [
        "Acme Corp - Platform Renewal",
        "Acme Corp - Support Renewal",
    ]
    assert names(sf.find_opportunities(account="Hooli", words=[], open_only=True)) == []  # Closed Lost
    assert names(sf.find_opportunities(account="Hooli", words=[], open_only=False)) == ["Hooli - Analytics"]
    assert names(sf.find_opportunities(account="umbrella", words=["renewal"], open_only=True)) == [
        "Umbrella Health - Renewal"
    ]


def test_find_accounts(sf: SalesforceConnector) -> None:
    [acme] = sf.find_accounts("acme")
    assert (acme.id, acme.name) == (ACME, "Acme Corp")
    assert acme.fields == {"owner": "Erin Walsh", "owner_email": "erin@northwind.example", "owner_id": ERIN_ID}


def test_find_contacts_by_first_name_with_and_without_account(sf: SalesforceConnector) -> None:
    [ana] = sf.find_contacts(name="ana", account=None)
    assert (ana.id, ana.name) == (ANA, "Ana Silva")
    assert {k: ana.fields[k] for k in ("account", "account_id", "email", "phone", "title", "owner_email")} == {
        "account": "Initech",
        "account_id": INITECH,
        "email": "ana.silva@initech.example",
        "phone": None,
        "title": "Head of Procurement",
        "owner_email": "erin@northwind.example",
    }
    assert names(sf.find_contacts(name="Ana", account="initech")) == ["Ana Silva"]
    assert names(sf.find_contacts(name="Ana", account="Acme")) == []
    assert names(sf.find_contacts(name="silva ana", account=None)) == ["Ana Silva"]
    assert names(sf.find_contacts(name="Ana Silva", account=None)) == ["Ana Silva"]


def test_record_is_none_when_missing_or_deleted(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    info = sf.record("Opportunity", PLATFORM_RENEWAL)
    assert info is not None
    assert info.name == "Acme Corp - Platform Renewal"
    assert info.fields["stage"] == "Proposal/Price Quote"
    contact = sf.record("Contact", ANA)
    assert contact is not None
    assert contact.fields["account"] == "Initech"
    rest(emulator, "DELETE", f"sobjects/Opportunity/{PLATFORM_RENEWAL}")
    assert sf.record("Opportunity", PLATFORM_RENEWAL) is None
    assert sf.record("Opportunity", "0065g00000NoSuchAAA") is None
    emulator.requests.clear()
    assert sf.record("Opportunity", "not-an-id' OR Name != '") is None
    assert emulator.requests.entries() == []


def test_user_id_for_email(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    assert sf.user_id_for_email("ERIN@northwind.example") == ERIN_ID
    assert sf.user_id_for_email("nobody@northwind.example") is None
    emulator.requests.clear()
    assert sf.user_id_for_email("erin@northwind.example") == ERIN_ID
    assert emulator.requests.entries() == []  # the user list is cached


def test_stages_come_from_describe_and_are_cached(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    assert tuple(sf.stages()) == OPPORTUNITY_STAGES
    assert sf.stages() == sf.stages()
    assert emulator.requests.count(path=r"/describe") == 1


def test_stages_fall_back_to_the_standard_ones(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    emulator.inject(r"/describe", status=503)
    assert sf.stages() == OPPORTUNITY_STAGES
    assert emulator.requests.count(path=r"/describe") == 1


def test_warm_loads_the_catalog_and_closes_pooled_sockets(
    sf: SalesforceConnector, emulator: SalesforceEmulator
) -> None:
    sf.warm()
    adapter = sf.client.session.get_adapter(emulator.base_url.replace("http://", "https://") + "/services/")
    assert len(adapter.poolmanager.pools) == 0
    emulator.requests.clear()
    sf.stages()
    assert sf.user_id_for_email("erin@northwind.example") == ERIN_ID
    assert emulator.requests.entries() == []
    assert names(sf.find_accounts("Initech")) == ["Initech"]  # and the client reconnects


# --- hostile input --------------------------------------------------------------------------------------------


def test_soql_literals_escape_quotes_backslashes_and_wildcards() -> None:
    assert soql_string("O'Brien") == r"'O\'Brien'"
    assert soql_string('a\\b\n"c"') == r"'a\\b\n\"c\"'"
    assert soql_contains("O'Brien") == r"'%O\'Brien%'"
    assert soql_contains("100%_off\\") == r"'%100\%\_off\\%'"


def test_hostile_names_match_literally(sf: SalesforceConnector, emulator: SalesforceEmulator) -> None:
    for name in (
        "O'Brien Consulting",
        "OBrien Partners",
        "100%_off\\ Deals",
        "100% off\\ Deals",  # would match if _ were a wildcard
        "100 and more_off\\ Deals",  # would match if % were a wildcard
        "100%_off Deals",  # would match if the backslash were dropped
    ):
        rest(emulator, "POST", "sobjects/Account", {"Name": name})
    rest(emulator, "POST", "sobjects/Contact", {"FirstName": "Conan", "LastName": "O'Brien", "AccountId": INITECH})

    assert names(sf.find_accounts("O'Brien")) == ["O'Brien Consulting"]
    assert names(sf.find_accounts("100%_off\\")) == ["100%_off\\ Deals"]
    assert names(sf.find_contacts(name="o'brien", account="initech")) == ["Conan O'Brien"]
    assert names(sf.find_accounts("x' OR Name LIKE '%")) == []
    assert names(sf.find_opportunities(account="\\", words=["'", "%", "_"], open_only=True)) == []
    assert names(sf.find_contacts(name="\\' OR '' = '", account="\n")) == []
    assert sf.user_id_for_email("erin@northwind.example' OR Email != '") is None


def test_external_id_fields_say_how_task_and_contact_define_the_field(sf: SalesforceConnector) -> None:
    assert [(f.object_name, f.exists, f.external_id, f.unique) for f in sf.external_id_fields()] == [
        ("Task", True, True, True),
        ("Contact", True, True, True),
    ]
