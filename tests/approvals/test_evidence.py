"""Evidence packs: an export verifies as written, and a pack changed afterwards (an entry edited, deleted or moved,
a signature forged, the file cut short or a snapshot altered) fails verification naming what does not match."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
import redis

from approvals.core.proposal import build_proposal
from approvals.core.workflow import AuditEntry
from approvals.flow.audit import GENESIS, POLICY_ID, AuditLog, Signer, entry_hash
from approvals.flow.evidence import EvidenceExporter, Scope, parse_moment, verify_entries, verify_pack
from approvals.flow.store import ProposalStore

KEY = "an audit key of at least 16 chars"
NOW = dt.datetime(2025, 3, 4, 10, 0, tzinfo=dt.UTC)


# -- the chain rules, on entries built in Python ----------------------------------------------------------------


def _chain(events: list[tuple[str, str]], signer: Signer | None = None) -> list[dict[str, Any]]:
    """Entries as the script writes them, for (proposal, event) pairs in global order."""
    heads: dict[str, tuple[int, str]] = {}
    previous = GENESIS
    entries = []
    for seq, (proposal_id, event) in enumerate(events, start=1):
        n, prev = heads.get(proposal_id, (0, GENESIS))
        entry = {
            "type": "entry",
            "id": f"{1700000000000 + seq}-0",
            "seq": seq,
            "n": n + 1,
            "proposal_id": proposal_id,
            "event": event,
            "actor": "U0BOB0001",
            "at": NOW.isoformat(),
            "data": {"seq": seq},
            "kid": signer.kid if signer else "",
            "prev": prev,
            "prev_global": previous,
        }
        entry["hash"] = entry_hash(entry)
        entry["sig"] = signer.sign(entry["hash"]) if signer else None
        heads[proposal_id] = (n + 1, entry["hash"])
        previous = entry["hash"]
        entries.append(entry)
    return entries


EVENTS = [("ft-a", "created"), ("ft-b", "created"), ("ft-a", "approved"), ("ft-a", "succeeded"), ("ft-b", "denied")]


def test_a_chain_as_written_verifies() -> None:
    signer = Signer(KEY)
    result = verify_entries(_chain(EVENTS, signer), signer=signer, global_order=True, complete=True)
    assert result.ok
    assert (
        result.summary()
        == f"OK: 5 entries in 2 chains (seq 1-5), hashes and links match; 5 signatures valid (key {signer.kid})"
    )


def test_each_kind_of_tampering_is_named() -> None:
    signer = Signer(KEY)

    edited = _chain(EVENTS, signer)
    edited[2]["data"] = {"seq": 99}
    deleted = _chain(EVENTS, signer)
    del deleted[2]
    swapped = _chain(EVENTS, signer)
    swapped[2], swapped[3] = swapped[3], swapped[2]
    forged = _chain(EVENTS, signer)
    forged[1]["sig"] = Signer("someone else's key 123").sign(forged[1]["hash"])

    cases = {
        "edited": (edited, edited[2]["id"], "its content does not match its hash"),
        "deleted": (deleted, deleted[2]["id"], "is missing"),
        "swapped": (swapped, swapped[2]["id"], "is missing"),
        "forged": (forged, forged[1]["id"], "its signature was made with another key: it is forged"),
    }
    for name, (entries, named, what) in cases.items():
        result = verify_entries(entries, signer=signer, global_order=True, complete=True)
        assert not result.ok, name
        assert result.problems[0].entry_id == named, (name, result.summary())
        assert what in result.problems[0].what, (name, result.summary())
        assert result.summary().startswith(f"FAILED: entry {named} (seq "), name
    swapped_result = verify_entries(swapped, signer=signer, global_order=True, complete=True)
    assert any("the order was changed" in p.what for p in swapped_result.problems)


def test_without_the_key_signatures_are_not_checked_but_the_chains_are() -> None:
    entries = _chain(EVENTS, Signer(KEY))
    entries[4]["sig"] = "garbage"
    assert (
        verify_entries(entries, signer=None, global_order=True, complete=True)
        .summary()
        .endswith("signatures not checked (FOLLOWTHROUGH_AUDIT_KEY is not set)")
    )
    entries[0]["actor"] = "U0EVE0001"
    assert not verify_entries(entries, signer=None, global_order=True, complete=True).ok


def test_a_chain_missing_its_first_entry_is_caught_when_it_should_be_complete() -> None:
    entries = _chain(EVENTS)
    result = verify_entries(entries[1:], signer=None, global_order=False, complete=["ft-a", "ft-b"])
    assert result.problems[0].entry_id == entries[2]["id"]
    assert "the chain of ft-a starts at #2" in result.summary()


# -- export and verify a pack from Redis ------------------------------------------------------------------------


def _trail(connection: redis.Redis) -> AuditLog:
    log = AuditLog(connection, key=KEY)
    store = ProposalStore(connection, clock=lambda: NOW, audit_log=log)
    proposal = build_proposal(
        proposal_id="ft-aaaaaaaa",
        requester="U0DANA001",
        channel="C0SUPPORT",
        thread_ts="1700000000.000100",
        request_ts="1700000000.000200",
        request_text="comment on PAY-12: customer confirmed it",
        actions=(),
        decision=None,
        now=NOW,
        permalink="https://northwind.slack.com/archives/C0SUPPORT/p1700000000000200",
    )
    store.create(proposal, AuditEntry("proposal.created", "U0DANA001", {"read": [{"user": "U0DANA001"}]}))
    log.write("ft-bbbbbbbb", AuditEntry("proposal.created", "U0ERIN001", {}), at=NOW)
    log.write("ft-aaaaaaaa", AuditEntry("proposal.question_asked", "bot", {"question": "Which issue?"}), at=NOW)
    log.write("ft-aaaaaaaa", AuditEntry("proposal.answered", "U0DANA001", {"answer": "PAY-12"}), at=NOW)
    log.write(POLICY_ID, AuditEntry("policy.changed", "file watcher", {"new_hash": "abc"}), at=NOW)
    log.write("ft-aaaaaaaa", AuditEntry("proposal.cancelled", "U0DANA001", {}), at=NOW)
    return log


def _pack(connection: redis.Redis, scope: Scope, signer: Signer | None) -> list[str]:
    out = io.StringIO()
    EvidenceExporter(connection, signer=signer, clock=lambda: NOW).write(scope, out)
    return out.getvalue().splitlines(keepends=True)


def _entry_lines(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if json.loads(line)["type"] == "entry"]


def test_a_proposal_pack_holds_its_chain_the_policy_chain_and_the_evidence(redis_db: redis.Redis) -> None:
    _trail(redis_db)
    lines = _pack(redis_db, Scope(proposal_id="ft-aaaaaaaa"), Signer(KEY))
    parsed = [json.loads(line) for line in lines]
    assert [p["type"] for p in parsed] == ["pack", "proposal", "entry", "entry", "entry", "entry", "entry", "end"]
    header, snapshot = parsed[0], parsed[1]
    assert header["scope"] == {"proposal": "ft-aaaaaaaa"} and header["order"] == "chains"
    assert header["complete_chains"] == ["ft-aaaaaaaa", POLICY_ID]
    assert snapshot["evidence"]["asked"]["by"] == "U0DANA001"
    assert snapshot["evidence"]["asked"]["permalink"].endswith("p1700000000000200")
    assert snapshot["evidence"]["understanding"]["read"] == [{"user": "U0DANA001"}]
    assert [d["event"] for d in snapshot["evidence"]["decisions"]] == [
        "proposal.question_asked",
        "proposal.answered",
        "proposal.cancelled",
    ]
    assert {p["proposal_id"] for p in parsed if p["type"] == "entry"} == {"ft-aaaaaaaa", POLICY_ID}
    result = verify_pack(lines, signer=Signer(KEY))
    assert result.ok, result.summary()
    assert result.signed == 5


def test_a_time_range_pack_is_the_global_chain_between_two_moments(redis_db: redis.Redis) -> None:
    _trail(redis_db)
    everything = _pack(redis_db, Scope(since=NOW - dt.timedelta(days=1)), None)
    assert json.loads(everything[0])["order"] == "global"
    assert len(_entry_lines(everything)) == 6
    assert verify_pack(everything, signer=None).ok
    nothing = _pack(redis_db, Scope(until=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)), None)
    assert _entry_lines(nothing) == []
    assert verify_pack(nothing, signer=None).ok


def _changed(lines: list[str], index: int, **fields: Any) -> list[str]:
    changed = list(lines)
    value = json.loads(changed[index])
    value.update(fields)
    changed[index] = json.dumps(value, sort_keys=True) + "\n"
    return changed


@pytest.mark.parametrize("tamper", ["edit", "delete", "swap", "forge", "truncate", "snapshot"])
def test_a_pack_changed_after_export_fails_and_names_where(redis_db: redis.Redis, tamper: str) -> None:
    _trail(redis_db)
    signer = Signer(KEY)
    lines = _pack(redis_db, Scope(since=NOW - dt.timedelta(days=1)), signer)
    entries = _entry_lines(lines)
    second, third = json.loads(lines[entries[1]]), json.loads(lines[entries[2]])
    if tamper == "edit":
        changed, named = _changed(lines, entries[1], actor="U0EVE0001"), second["id"]
    elif tamper == "delete":
        changed, named = lines[: entries[1]] + lines[entries[1] + 1 :], third["id"]
    elif tamper == "swap":
        changed = list(lines)
        changed[entries[1]], changed[entries[2]] = changed[entries[2]], changed[entries[1]]
        named = third["id"]
    elif tamper == "forge":
        changed, named = _changed(lines, entries[1], sig=signer.kid + ":" + "ab" * 32), second["id"]
    elif tamper == "truncate":
        changed, named = lines[:-1], None
    else:
        changed, named = _changed(lines, 1, evidence={"asked": {"by": "U0EVE0001"}}), None
    result = verify_pack(changed, signer=signer)
    assert not result.ok
    if named is not None:
        assert result.problems[0].entry_id == named, result.summary()
        assert f"entry {named}" in result.summary()
    assert any("end line" in p.what or "changed after it was exported" in p.what for p in result.problems), [
        p.what for p in result.problems
    ]


def test_a_pack_without_the_key_says_signatures_were_not_checked(redis_db: redis.Redis) -> None:
    _trail(redis_db)
    lines = _pack(redis_db, Scope(proposal_id="ft-aaaaaaaa"), None)
    assert (
        verify_pack(lines, signer=None)
        .summary()
        .endswith("signatures not checked (FOLLOWTHROUGH_AUDIT_KEY is not set)")
    )
    with_key = verify_pack(lines, signer=Signer(KEY))
    assert [p.what for p in with_key.problems] == [
        "the pack is not signed, though a key is set: it was exported without it"
    ]


def test_an_unknown_proposal_is_refused(redis_db: redis.Redis) -> None:
    with pytest.raises(LookupError, match="no proposal 'ft-zzzzzzzz'"):
        _pack(redis_db, Scope(proposal_id="ft-zzzzzzzz"), None)


def test_moments_are_dates_times_or_durations_ago() -> None:
    assert parse_moment("2025-03-01", now=NOW) == dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    assert parse_moment("2025-03-01T14:00+02:00", now=NOW).utcoffset() == dt.timedelta(hours=2)
    assert parse_moment("24h", now=NOW) == NOW - dt.timedelta(days=1)
    with pytest.raises(ValueError, match="is not a time"):
        parse_moment("last tuesday", now=NOW)
