"""The Salesforce emulator, driven by the real simple-salesforce client over real sockets.

simple-salesforce always builds ``https://`` URLs, so the client's session mounts an adapter that downgrades
https to http for the emulator's origin only (see ``HttpsToHttpAdapter``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import requests
from requests.adapters import HTTPAdapter
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from sandbox.salesforce import SalesforceEmulator
from sandbox.seed import Seed
from sandbox.server import ServerThread
from tests.emulators import reset, serve

EXT = "Followthrough_Action_Id__c"
ACME = "0015g00000AcmeCAAR"
ACME_RENEWAL = "0065g00000AcPlRAAV"
ANA = "0035g00000AnaSlAAJ"
ERIN = "0055g00000ErinWAAR"


class HttpsToHttpAdapter(HTTPAdapter):
    """Sends the https:// requests simple-salesforce makes to the emulator's plain-http origin."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if request.url is not None and request.url.startswith("https://"):
            request.url = "http://" + request.url[len("https://") :]
        return super().send(request, *args, **kwargs)


@pytest.fixture(scope="module")
def emulator(seed: Seed, server_thread: ServerThread) -> SalesforceEmulator:
    return serve(SalesforceEmulator(seed), server_thread)


@pytest.fixture(autouse=True)
def _fresh(emulator: SalesforceEmulator) -> None:
    reset(emulator)


def client(emulator: SalesforceEmulator, token: str | None = None) -> Salesforce:
    origin = emulator.base_url.replace("http://", "https://")
    session = requests.Session()
    session.mount(origin, HttpsToHttpAdapter())
    env = emulator.environment()
    return Salesforce(
        instance_url=origin,
        session_id=token or env["SALESFORCE_ACCESS_TOKEN"],
        session=session,
        version="59.0",
    )


@pytest.fixture
def sf(emulator: SalesforceEmulator) -> Salesforce:
    return client(emulator)


def error_of(exc_info: pytest.ExceptionInfo[Any]) -> dict[str, Any]:
    content = exc_info.value.content
    assert isinstance(content, list), content
    assert len(content) == 1, content
    entry: dict[str, Any] = content[0]
    return entry


# --- queries ---------------------------------------------------------------------------------------------------


def test_query_returns_relationship_fields_nested_with_attributes(sf: Salesforce) -> None:
    result = sf.query(
        "SELECT Id, Name, Account.Name, Owner.Email FROM Opportunity "
        "WHERE StageName IN ('Proposal/Price Quote', 'Negotiation/Review') ORDER BY Amount DESC"
    )
    assert result["totalSize"] == 2
    assert result["done"] is True
    first, second = result["records"]
    assert first["attributes"] == {
        "type": "Opportunity",
        "url": f"/services/data/v59.0/sobjects/Opportunity/{ACME_RENEWAL}",
    }
    assert first["Name"] == "Acme Corp - Platform Renewal"
    assert first["Account"]["Name"] == "Acme Corp"
    assert first["Account"]["attributes"]["type"] == "Account"
    assert first["Owner"] == {
        "attributes": {"type": "User", "url": f"/services/data/v59.0/sobjects/User/{ERIN}"},
        "Email": "erin@northwind.example",
    }
    assert second["Name"] == "Initech - Expansion"


def test_query_filters_like_and_or_not_in_with_limit_offset_and_schema_casing(sf: Salesforce) -> None:
    result = sf.query(
        "select name from opportunity where (name like 'acme%' or name like '%_ANALYTICS') "
        "and stagename not in ('Closed Won') order by name asc limit 2 offset 1"
    )
    assert [r["Name"] for r in result["records"]] == ["Acme Corp - Support Renewal", "Hooli - Analytics"]
    assert all(set(r) == {"attributes", "Name"} for r in result["records"])


def test_query_polymorphic_what_and_missing_who_and_date_literals(sf: Salesforce) -> None:
    result = sf.query(
        "SELECT Subject, What.Name, What.Type, Who.Name FROM Task WHERE ActivityDate >= 2026-11-20 AND IsClosed = false"
    )
    [task] = result["records"]
    assert task["What"]["attributes"] == {
        "type": "Name",
        "url": f"/services/data/v59.0/sobjects/Opportunity/{ACME_RENEWAL}",
    }
    assert task["What"]["Name"] == "Acme Corp - Platform Renewal"
    assert task["What"]["Type"] == "Opportunity"
    assert task["Who"] is None


def test_count_and_nulls_ordering(sf: Salesforce) -> None:
    assert sf.query("SELECT COUNT() FROM Contact WHERE Account.Name = 'initech'")["totalSize"] == 2
    names = [r["Name"] for r in sf.query("SELECT Name FROM Opportunity ORDER BY NextStep NULLS LAST, Name")["records"]]
    assert names[-2:] == ["Acme Corp - Pilot", "Hooli - Analytics"]  # the two without a next step


def test_query_all_follows_next_records_url_across_batches(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    emulator.query_batch_size = 2
    first = sf.query("SELECT Id FROM Opportunity")
    assert first["done"] is False
    assert len(first["records"]) == 2
    assert first["totalSize"] == 7
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    everything = sf.query_all("SELECT Id, Name FROM Opportunity ORDER BY Name")
    assert everything["totalSize"] == 7
    assert len({r["Id"] for r in everything["records"]}) == 7
    assert emulator.requests.count(path=r"/query/01g") == 3  # query_all: 1 query + 3 follow-ups for 7 records


def test_malformed_query_points_at_the_token(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as exc_info:
        sf.query("SELECT Id FORM Account")
    error = error_of(exc_info)
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert (
        error["message"] == "\nSELECT Id FORM Account\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FORM'"
    )


def test_query_errors_unknown_field_object_and_type_mismatch(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as exc_info:
        sf.query("SELECT Foo FROM Account")
    error = error_of(exc_info)
    assert error["errorCode"] == "INVALID_FIELD"
    assert error["message"].startswith(
        "\nSELECT Foo FROM Account\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo' on entity 'Account'."
    )
    with pytest.raises(SalesforceMalformedRequest) as exc_info:
        sf.query("SELECT Id FROM Foo")
    assert error_of(exc_info)["errorCode"] == "INVALID_TYPE"
    assert "sObject type 'Foo' is not supported." in error_of(exc_info)["message"]
    with pytest.raises(SalesforceMalformedRequest) as exc_info:
        sf.query("SELECT Id FROM Opportunity WHERE CloseDate = '2026-12-15'")
    assert "must be of type date and should not be enclosed in quotes" in error_of(exc_info)["message"]
    with pytest.raises(SalesforceMalformedRequest) as exc_info:
        sf.query("SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b' OR Industry = 'c'")
    assert error_of(exc_info)["errorCode"] == "MALFORMED_QUERY"  # SOQL needs parentheses to mix AND and OR


# --- records -----------------------------------------------------------------------------------------------------


def test_create_get_update_delete_and_query_all_sees_the_recycle_bin(
    sf: Salesforce, emulator: SalesforceEmulator
) -> None:
    created = sf.Contact.create({"FirstName": "Milton", "LastName": "Waddams", "AccountId": "0015g00000IntchAAB"})
    assert created["success"] is True
    assert created["errors"] == []
    contact_id = created["id"]
    assert len(contact_id) == 18
    assert contact_id.startswith("003")

    fetched = sf.Contact.get(contact_id)
    assert fetched["Name"] == "Milton Waddams"
    assert fetched["OwnerId"] == "0055g00000FtIntAAF"  # defaults to the integration user
    assert fetched["attributes"]["type"] == "Contact"
    assert sf.Contact.get(contact_id[:15])["Id"] == contact_id  # 15-character ids work where Salesforce takes them

    assert sf.Contact.update(contact_id, {"Title": "Collator"}) == 204
    after = emulator.record("Contact", contact_id)
    assert after is not None
    assert after["Title"] == "Collator"
    assert after["LastModifiedDate"] >= fetched["LastModifiedDate"]

    assert sf.Contact.delete(contact_id) == 204
    with pytest.raises(SalesforceResourceNotFound) as exc_info:
        sf.Contact.get(contact_id)
    assert error_of(exc_info)["errorCode"] == "ENTITY_IS_DELETED"
    soql = f"SELECT Id, IsDeleted FROM Contact WHERE Id = '{contact_id}'"
    assert sf.query(soql)["totalSize"] == 0
    [deleted] = sf.query_all(soql, include_deleted=True)["records"]  # GET queryAll/
    assert deleted["IsDeleted"] is True


def test_opportunity_probability_and_closed_flags_follow_the_stage(sf: Salesforce) -> None:
    sf.Opportunity.update(ACME_RENEWAL, {"StageName": "Closed Won"})
    record = sf.Opportunity.get(ACME_RENEWAL, params={"fields": "StageName,Probability,IsClosed,IsWon"})
    assert {k: record[k] for k in ("Probability", "IsClosed", "IsWon")} == {
        "Probability": 100.0,
        "IsClosed": True,
        "IsWon": True,
    }
    assert "Name" not in record


def test_describe_marks_the_external_id_field_unique_and_user_read_only(sf: Salesforce) -> None:
    fields = {f["name"]: f for f in sf.Task.describe()["fields"]}
    assert fields[EXT]["externalId"] is True
    assert fields[EXT]["unique"] is True
    status = fields["Status"]
    assert status["restrictedPicklist"] is True
    assert [p["value"] for p in status["picklistValues"] if p["defaultValue"]] == ["Not Started"]
    assert fields["WhatId"]["referenceTo"] == ["Account", "Opportunity"]
    assert fields["WhatId"]["relationshipName"] == "What"
    user = sf.User.describe()
    assert user["createable"] is False
    assert user["keyPrefix"] == "005"


def test_upsert_creates_then_updates_one_record(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    body = {"Subject": "Follow up with Acme", "WhatId": ACME, "ActivityDate": "2026-11-30"}
    assert sf.Task.upsert(f"{EXT}/act-1", body) == 201
    assert sf.Task.upsert(f"{EXT}/act-1", {**body, "Status": "In Progress"}) == 200
    [task] = emulator.find("Task", **{EXT: "act-1"})
    assert task["Status"] == "In Progress"
    assert task["Priority"] == "Normal"
    assert sf.Task.get_by_custom_id(EXT, "act-1")["Id"] == task["Id"]


def test_write_errors_are_salesforce_error_arrays(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as exc_info:
        sf.Contact.update(ANA, {"Foo": "bar"})
    assert exc_info.value.content == [
        {"message": "No such column 'Foo' on sobject of type Contact", "errorCode": "INVALID_FIELD"}
    ]

    with pytest.raises(SalesforceMalformedRequest) as exc_info:
        sf.Contact.create({"FirstName": "No"})
    assert error_of(exc_info) == {
        "message": "Required fields are missing: [LastName]",
        "errorCode": "REQUIRED_FIELD_MISSING",
        "fields": ["LastName"],
    }

    with pytest.raises(SalesforceMalformedRequest) as exc_info:
        sf.Opportunity.update(ACME_RENEWAL, {"StageName": "Negotiation"})
    assert error_of(exc_info) == {
        "message": "Stage: bad value for restricted picklist field: Negotiation",
        "errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "fields": ["StageName"],
    }

    with pytest.raises(SalesforceMalformedRequest) as exc_info:
        sf.Opportunity.update(ACME_RENEWAL, {"CloseDate": "15/12/2026"})
    assert error_of(exc_info)["errorCode"] == "JSON_PARSER_ERROR"

    with pytest.raises(SalesforceMalformedRequest) as exc_info:
        sf.Contact.update(ANA, {"AccountId": ACME_RENEWAL})
    assert error_of(exc_info)["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"

    with pytest.raises(SalesforceMalformedRequest) as exc_info:
        sf.Contact.update(ANA, {"Name": "Ana Silva"})
    assert error_of(exc_info)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"

    with pytest.raises(SalesforceMalformedRequest) as exc_info:
        sf.User.create({"LastName": "Intruder"})
    assert error_of(exc_info)["errorCode"] == "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY"


def test_duplicate_external_id_and_unknown_sobject_and_non_external_field(sf: Salesforce) -> None:
    sf.Task.create({"Subject": "First", EXT: "dup-1"})
    with pytest.raises(SalesforceMalformedRequest) as exc_info:
        sf.Task.create({"Subject": "Second", EXT: "DUP-1"})  # unique external ids ignore case
    error = error_of(exc_info)
    assert error["errorCode"] == "DUPLICATE_VALUE"
    assert error["message"].startswith(f"duplicate value found: {EXT} duplicates value on record with id: 00T")

    with pytest.raises(SalesforceResourceNotFound) as not_found:
        sf.Lead.create({"LastName": "Nobody"})
    assert error_of(not_found) == {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}

    with pytest.raises(SalesforceResourceNotFound) as not_external:
        sf.Task.upsert("Subject/anything", {"Status": "Completed"})
    message = error_of(not_external)["message"]
    assert message == "Provided external ID field does not exist or is not accessible: Subject"


# --- auth, limits, faults ------------------------------------------------------------------------------------------


def test_wrong_token_is_an_expired_session(emulator: SalesforceEmulator) -> None:
    with pytest.raises(SalesforceExpiredSession) as exc_info:
        client(emulator, token="00Dwrong!token").query("SELECT Id FROM Account")
    assert error_of(exc_info) == {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    assert emulator.api_usage == 0  # refused calls are not counted


def test_api_usage_header_and_daily_limit(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    sf.query("SELECT Id FROM Account")
    sf.query("SELECT Id FROM Account")
    assert sf.api_usage["api-usage"] == (2, 15000)
    assert emulator.api_usage == 2

    emulator.set_api_limit(100, usage=99)
    sf.query("SELECT Id FROM Account")  # the 100th call of the day still succeeds
    assert sf.api_usage["api-usage"] == (100, 100)
    with pytest.raises(SalesforceRefusedRequest) as exc_info:
        sf.query("SELECT Id FROM Account")
    assert error_of(exc_info) == {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    assert emulator.api_usage == 100  # refused calls are not counted

    emulator.set_api_limit(15000)
    assert sf.limits()["DailyApiRequests"] == {"Max": 15000, "Remaining": 15000 - 101}


def test_injected_503_is_a_general_error(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    fault = emulator.inject(r"/sobjects/Opportunity/", method="PATCH", status=503)
    with pytest.raises(SalesforceGeneralError) as exc_info:
        sf.Opportunity.update(ACME_RENEWAL, {"NextStep": "Call back"})
    assert exc_info.value.status == 503
    assert error_of(exc_info)["errorCode"] == "SERVER_UNAVAILABLE"
    assert fault.fired == 1
    record = emulator.record("Opportunity", ACME_RENEWAL)
    assert record is not None
    assert record["NextStep"] == "Send the revised quote"


def test_dropped_upsert_committed_and_resending_is_idempotent(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    path = f"{EXT}/{quote('act-42')}"
    emulator.inject(r"/sobjects/Task/", method="PATCH", mode="drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.Task.upsert(path, {"Subject": "Send the quote", "WhatId": ACME_RENEWAL})
    assert len(emulator.find("Task", **{EXT: "act-42"})) == 1  # the write happened before the drop

    assert sf.Task.upsert(path, {"Subject": "Send the quote", "WhatId": ACME_RENEWAL}) == 200
    assert len(emulator.find("Task", **{EXT: "act-42"})) == 1


# --- Python API and control routes ---------------------------------------------------------------------------------


def test_reset_restores_the_seed_exactly(sf: Salesforce, emulator: SalesforceEmulator, seed: Seed) -> None:
    sf.Account.delete(ACME)  # cascades to its contacts, opportunities and their tasks
    sf.Task.upsert(f"{EXT}/act-9", {"Subject": "New"})
    assert len(emulator.records("Opportunity")) == 4
    reset(emulator)
    pristine = SalesforceEmulator(seed)
    for sobject in emulator.schemas:
        assert emulator.records(sobject, include_deleted=True) == pristine.records(sobject, include_deleted=True)
    assert emulator.api_usage == 0


def test_control_route_lists_records_as_json(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    sf.Contact.delete(ANA)
    live = requests.get(f"{emulator.base_url}/_sandbox/salesforce/records/Contact", timeout=5).json()
    everything = requests.get(
        f"{emulator.base_url}/_sandbox/salesforce/records/contact", params={"include_deleted": "true"}, timeout=5
    ).json()
    assert ANA not in {r["Id"] for r in live}
    assert ANA in {r["Id"] for r in everything}
    assert len(everything) == len(live) + 1


# --- the change counter (what the sandbox page polls) ------------------------------------------------------------


def test_seq_moves_on_successful_writes_only(emulator: SalesforceEmulator, sf: Salesforce) -> None:
    start = emulator.seq
    sf.query("SELECT Id, Name FROM Opportunity")
    sf.Opportunity.get(ACME_RENEWAL)
    assert emulator.seq == start
    sf.Opportunity.update(ACME_RENEWAL, {"StageName": "Negotiation/Review"})
    assert emulator.seq == start + 1
    with pytest.raises(SalesforceMalformedRequest):
        sf.Opportunity.update(ACME_RENEWAL, {"StageName": "Not a stage"})
    assert emulator.seq == start + 1
    created = sf.Task.create({"Subject": "Call Ana", "OwnerId": ERIN, "WhatId": ACME_RENEWAL})
    sf.Task.delete(created["id"])
    assert emulator.seq == start + 3
    reset(emulator)
    assert emulator.seq > start + 3, "never goes back, so a page notices the reset"
