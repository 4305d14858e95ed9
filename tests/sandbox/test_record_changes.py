"""People changing Jira and Salesforce records in the sandbox, as they would in those systems (a person resolving
PAY-12, Erin closing the Acme renewal): through the emulators' Python API (the tests' and the demo's driver), their
``/_sandbox/`` control routes, and the sandbox page's records pane. The bot is not involved: it sees such a change
only when it reads the system, which is what a follow-up does."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from sandbox.harness import Sandbox
from sandbox.salesforce.errors import SalesforceError
from tests.sandbox.test_web_console import call

RENEWAL = "0065g00000AcPlRAAV"
DECK_TASK = "00T5g00000Tsk01EAB"


def control(base_url: str, method: str, path: str, body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(
        base_url + path, data=json.dumps(body).encode(), method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# ---------------------------------------------------------------------------------------------------------- Jira


def test_jira_offers_the_moves_its_workflow_allows_and_refuses_the_others(sandbox: Sandbox) -> None:
    jira = sandbox.jira
    assert jira.moves()["PAY-12"] == ["In Progress"], "To Do -> Done is not a transition of the workflow"
    assert sorted(jira.moves()["PAY-4"]) == ["Done", "To Do"]

    status, body = control(jira.base_url, "POST", "/_sandbox/jira/issues/PAY-12/transition", {"status": "Done"})
    assert status == 409 and "offers moves to ['In Progress']" in body["error"]
    seq = jira.seq
    for step in ("In Progress", "Done"):
        status, body = control(jira.base_url, "POST", "/_sandbox/jira/issues/PAY-12/transition", {"status": step})
        assert status == 200 and body["fields"]["status"]["name"] == step
    resolved = jira.issue("PAY-12")["fields"]
    assert resolved["status"]["statusCategory"]["key"] == "done" and resolved["resolution"]["name"] == "Done"
    assert jira.seq == seq + 2, "the page hears of each move"

    assert control(jira.base_url, "POST", "/_sandbox/jira/issues/PAY-99/transition", {"status": "Done"})[0] == 404
    assert control(jira.base_url, "POST", "/_sandbox/jira/issues/PAY-4/transition", {"state": "Done"})[0] == 400


# ---------------------------------------------------------------------------------------------------- Salesforce


def test_a_person_changes_an_opportunity_and_is_its_last_modifier(sandbox: Sandbox) -> None:
    sf = sandbox.salesforce
    usage, seq = sf.api_usage, sf.seq
    closed = sf.update_record("Opportunity", RENEWAL, {"StageName": "Closed Won"}, by="erin")
    assert (closed["StageName"], closed["IsClosed"], closed["IsWon"]) == ("Closed Won", True, True)
    assert closed["LastModifiedById"] == "0055g00000ErinWAAR"
    assert sf.seq == seq + 1 and sf.api_usage == usage, "a person's change counts against no API limit"

    with pytest.raises(SalesforceError) as refused:
        sf.update_record("Opportunity", RENEWAL, {"StageName": "Won, finally"}, by="erin")
    assert refused.value.status == 400, "a value outside the picklist is refused as a PATCH would be"
    with pytest.raises(ValueError, match="dana has no Salesforce user"):
        sf.update_record("Opportunity", RENEWAL, {"StageName": "Qualification"}, by="dana")
    with pytest.raises(KeyError):
        sf.update_record("Task", RENEWAL, {"Status": "Completed"})
    assert "Closed Won" in sf.picklist("Opportunity", "StageName")
    assert "Completed" in sf.picklist("Task", "Status")


def test_salesforce_control_routes_create_and_change_records(sandbox: Sandbox) -> None:
    sf = sandbox.salesforce
    status, created = control(
        sf.base_url,
        "POST",
        "/_sandbox/salesforce/records/Opportunity",
        {"fields": {"Name": "Bench deal", "StageName": "Prospecting", "CloseDate": "2027-01-31"}},
    )
    assert status == 201
    assert sf.record("Opportunity", created["id"])["Name"] == "Bench deal"

    path = f"/_sandbox/salesforce/records/Task/{DECK_TASK}"
    status, task = control(sf.base_url, "PATCH", path, {"fields": {"Status": "Completed"}, "as": "erin"})
    assert status == 200 and (task["Status"], task["IsClosed"]) == ("Completed", True)
    status, body = control(sf.base_url, "PATCH", path, {"fields": {"Status": "Done-ish"}})
    assert status == 400 and body["error"][0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert control(sf.base_url, "PATCH", path, {"fields": {"Status": "Completed"}, "as": "dana"})[0] == 400
    assert control(sf.base_url, "PATCH", path, {"fields": {}, "as": "nobody"})[0] == 404


# ------------------------------------------------------------------------------------------------------- the page


def test_the_page_lists_what_each_record_can_move_to(sandbox: Sandbox) -> None:
    _, jira = call(sandbox, "GET", "/api/jira")
    pay9 = next(i for i in jira["issues"] if i["key"] == "PAY-9")
    assert pay9["moves"] == ["In Progress"]
    _, sf = call(sandbox, "GET", "/api/salesforce")
    assert sf["stages"][0] == "Prospecting" and "Closed Won" in sf["stages"]
    assert "Completed" in sf["task_statuses"]
    renewal = next(o for o in sf["opportunities"] if o["id"] == RENEWAL)
    assert renewal["modified_by"] == "", "changed by nobody but the integration user (the seed's loader)"


def test_the_page_moves_an_issue_and_edits_a_record_as_the_person_it_acts_as(sandbox: Sandbox) -> None:
    status, moved = call(
        sandbox, "POST", "/api/jira/transition", {"as": "bob", "key": "PAY-9", "status": "In Progress"}
    )
    assert status == 200 and moved == {"key": "PAY-9", "status": "In Progress"}
    status, refused = call(sandbox, "POST", "/api/jira/transition", {"as": "bob", "key": "PAY-12", "status": "Done"})
    assert status == 400 and "its workflow offers moves to" in refused["error"]
    assert call(sandbox, "POST", "/api/jira/transition", {"key": "PAY-9", "status": "Done"})[0] == 400, "as whom?"

    body = {"as": "erin", "object": "Opportunity", "id": RENEWAL, "fields": {"StageName": "Closed Won"}}
    status, edited = call(sandbox, "POST", "/api/salesforce/update", body)
    assert status == 200 and edited == {"id": RENEWAL, "StageName": "Closed Won"}
    _, sf = call(sandbox, "GET", "/api/salesforce")
    renewal = next(o for o in sf["opportunities"] if o["id"] == RENEWAL)
    assert (renewal["stage"], renewal["modified_by"]) == ("Closed Won", "Erin Walsh")
    assert sf["opportunities"][0]["id"] == RENEWAL, "the most recently changed comes first"

    status, refused = call(sandbox, "POST", "/api/salesforce/update", {**body, "fields": {"StageName": "Nope"}})
    assert status == 400 and "bad value for restricted picklist field" in refused["error"].lower()
    status, refused = call(sandbox, "POST", "/api/salesforce/update", {**body, "as": "dana"})
    assert status == 400 and "dana has no Salesforce user" in refused["error"]
