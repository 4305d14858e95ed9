"""Evidence packs: the audit trail exported as JSON Lines, and the verification of a pack or of Redis itself.

A pack (``followthrough audit export``) is one JSON object per line::

    {"type": "pack", ...}        what the pack covers (one proposal and its undo, or a time range), how it is ordered
    {"type": "proposal", ...}    each proposal as stored, and its evidence in words a reviewer reads: who asked and
                                 where (permalink), what the extractor read and produced, the policy's hash and rule,
                                 every decision with who and when, every system call with its outcome, the
                                 before/after of every field written, undo
    {"type": "entry", ...}       each audit entry with its chain fields (approvals.flow.audit), oldest first
    {"type": "end", ...}         how many lines came before, their SHA-256 and, with a key, its HMAC

``verify`` (a pack, or Redis with ``verify_redis``) recomputes every entry's hash from its fields, follows both chains
(each proposal's by ``n`` and ``prev``; the global one by ``seq`` and ``prev_global`` where the entries are
consecutive), checks the signatures when it has the key, and names the first entry that does not match. The
proposal lines are snapshots, not chained: with a key the end line's HMAC covers them, without one only the digest.
Everything here reads; nothing changes the trail.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from redis import Redis

from approvals.core.proposal import Proposal
from approvals.flow import keys
from approvals.flow.audit import (
    GENESIS,
    GLOBAL_HEAD,
    POLICY_ID,
    AuditLog,
    AuditRecord,
    Signer,
    entry_hash,
    proposal_head,
    proposal_stream,
    record_from_stream,
    sha256_hex,
)
from approvals.flow.ledger import Ledger, action_id
from approvals.flow.store import ProposalStore

PACK_FORMAT = "followthrough-evidence/1"


# -- verification -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """What does not match, and the entry (or line) where it shows first."""

    what: str
    entry_id: str | None = None
    seq: int | None = None
    proposal_id: str | None = None
    n: int | None = None
    event: str | None = None

    def describe(self) -> str:
        if self.entry_id is None:
            return self.what
        where = ", ".join(
            part
            for part in (
                f"seq {self.seq}" if self.seq is not None else "",
                f"{self.proposal_id} #{self.n}" if self.n is not None else self.proposal_id or "",
                self.event or "",
            )
            if part
        )
        return f"entry {self.entry_id} ({where}): {self.what}"


@dataclass
class Verification:
    """The outcome of a verification: ``ok`` when nothing is wrong; ``summary`` is its one line."""

    signatures_checked: bool
    kid: str | None = None
    entries: int = 0
    chains: set[str] = field(default_factory=set)
    signed: int = 0
    before_signing: int = 0
    unchained: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.problems:
            more = f"; {len(self.problems)} problems in all" if len(self.problems) > 1 else ""
            return f"FAILED: {self.problems[0].describe()}{more}"
        span = f" (seq {self.first_seq}-{self.last_seq})" if self.first_seq is not None else ""
        text = (
            f"OK: {self.entries} entries in {len(self.chains)} chain{'s' if len(self.chains) != 1 else ''}{span}, "
            "hashes and links match"
        )
        if self.signatures_checked:
            text += f"; {self.signed} signatures valid (key {self.kid})"
            if self.before_signing:
                text += f", {self.before_signing} entries written before signing began"
        else:
            text += "; signatures not checked (FOLLOWTHROUGH_AUDIT_KEY is not set)"
        if self.unchained:
            text += f"; {self.unchained} entries from before the chains existed"
        return text + "".join(f"; {note}" for note in self.notes)


@dataclass
class _Link:
    hash: str
    number: int
    entry_id: str
    signing: bool = False
    """An entry written with a key came at or before this one (in this chain)."""


class ChainVerifier:
    """Follows entries in order and records every problem; feed it with ``check``, then read ``result``.

    ``global_order``: the entries are consecutive in the global chain (Redis, or a time range), so ``seq`` must go
    up by one and ``prev_global`` link; otherwise ``seq`` must only go up. ``complete``: the proposal chains whose
    first entry must be there (a pack of one proposal, or Redis whose global chain starts at seq 1).
    """

    def __init__(self, signer: Signer | None, *, global_order: bool, complete: Iterable[str] | bool = ()) -> None:
        self.signer = signer
        self.global_order = global_order
        self.complete = complete
        self.result = Verification(signatures_checked=signer is not None, kid=signer.kid if signer else None)
        self._chains: dict[str, _Link] = {}
        self._global: _Link | None = None
        self._chained_seen = False

    def _complete(self, proposal_id: str) -> bool:
        return self.complete if isinstance(self.complete, bool) else proposal_id in self.complete

    def check(self, entry: Mapping[str, Any]) -> None:
        result = self.result
        result.entries += 1
        proposal_id = str(entry.get("proposal_id"))
        result.chains.add(proposal_id)

        def problem(what: str) -> None:
            result.problems.append(
                Problem(
                    what,
                    entry_id=str(entry.get("id")),
                    seq=entry.get("seq"),
                    proposal_id=proposal_id,
                    n=entry.get("n"),
                    event=entry.get("event"),
                )
            )

        if not entry.get("hash"):
            if self._chained_seen:
                problem("it has no hash, yet it comes after the chain began: it was written around the chain")
            else:
                result.unchained += 1
            return
        self._chained_seen = True
        try:
            seq, n = int(entry["seq"]), int(entry["n"])
            recomputed = entry_hash(entry)
        except (KeyError, TypeError, ValueError) as exc:
            problem(f"it is malformed ({exc!r}): its chain fields cannot be read")
            return
        result.first_seq = seq if result.first_seq is None else result.first_seq
        result.last_seq = seq
        if recomputed != entry["hash"]:
            problem("its content does not match its hash: it was edited")
        self._check_proposal_link(entry, proposal_id, n, problem)
        self._check_global_link(entry, seq, problem)
        signing = self._check_signature(entry, proposal_id, problem)
        previous = self._chains.get(proposal_id)
        self._chains[proposal_id] = _Link(
            entry["hash"], n, str(entry.get("id")), signing or (previous.signing if previous else False)
        )
        before = self._global
        self._global = _Link(entry["hash"], seq, str(entry.get("id")), signing or (before.signing if before else False))

    def _check_proposal_link(self, entry: Mapping[str, Any], proposal_id: str, n: int, problem: Any) -> None:
        last = self._chains.get(proposal_id)
        if last is None:
            if self._complete(proposal_id) and (n != 1 or entry.get("prev") != GENESIS):
                problem(f"the chain of {proposal_id} starts at #{n}: the entries before it were deleted")
            return
        if n <= last.number:
            problem(f"it is #{n} of {proposal_id} but comes after #{last.number}: the order was changed")
        elif n != last.number + 1:
            missing = f"#{last.number + 1}" if n == last.number + 2 else f"#{last.number + 1}-#{n - 1}"
            problem(f"{missing} of {proposal_id} is missing between {last.entry_id} and this entry: deleted, or moved")
        elif entry.get("prev") != last.hash:
            problem(
                f"it does not link to the entry before it in {proposal_id}'s chain ({last.entry_id}): that entry was "
                "replaced or changed after this one was written"
            )

    def _check_global_link(self, entry: Mapping[str, Any], seq: int, problem: Any) -> None:
        last = self._global
        if last is None:
            if self.global_order and seq == 1 and entry.get("prev_global") != GENESIS:
                problem("it is the first entry of the global chain but links to another")
            elif self.global_order and seq > 1:
                self.result.notes.append(f"the global chain is checked from seq {seq} on")
            return
        if seq <= last.number:
            problem(f"its seq {seq} comes after seq {last.number}: the order was changed")
        elif self.global_order and seq != last.number + 1:
            missing = f"seq {last.number + 1}" if seq == last.number + 2 else f"seq {last.number + 1}-{seq - 1}"
            problem(f"{missing} of the global chain is missing before this entry: deleted, or moved")
        elif self.global_order and entry.get("prev_global") != last.hash:
            problem(
                f"it does not link to the entry before it in the global chain ({last.entry_id}): that entry was "
                "replaced or changed after this one was written"
            )

    def _check_signature(self, entry: Mapping[str, Any], proposal_id: str, problem: Any) -> bool:
        """Checks the entry's signature; returns whether it was written with a key."""
        kid = str(entry.get("kid") or "")
        if self.signer is None:
            return bool(kid)
        if not kid:
            earlier = self._global if self.global_order else self._chains.get(proposal_id)
            if earlier is not None and earlier.signing:
                problem("it was written without a key after signing began: it was inserted, or its kid removed")
            else:
                self.result.before_signing += 1
            return False
        if kid != self.signer.kid:
            problem(f"it was written with another key (kid {kid}); verify with that key")
            return True
        verdict = self.signer.check(str(entry["hash"]), entry.get("sig"))
        if verdict == "valid":
            self.result.signed += 1
        elif verdict == "missing":
            problem(
                "it was written with the key but carries no signature: the signature was removed, or its writer "
                "stopped between committing and signing it"
            )
        elif verdict == "other_key":
            problem("its signature was made with another key: it is forged")
        else:
            problem("its signature does not match its hash: it is forged, or the entry was re-hashed")
        return True


def verify_entries(
    entries: Iterable[Mapping[str, Any]],
    *,
    signer: Signer | None,
    global_order: bool,
    complete: Iterable[str] | bool = (),
) -> Verification:
    verifier = ChainVerifier(signer, global_order=global_order, complete=complete)
    for entry in entries:
        verifier.check(entry)
    return verifier.result


# -- verifying a pack -------------------------------------------------------------------------------------------


def _pack_mac(signer: Signer, digest: str) -> str:
    return f"{signer.kid}:{signer.mac('pack:' + digest)}"


def verify_pack(lines: Iterable[str], *, signer: Signer | None) -> Verification:
    """Verify an evidence pack's lines: the entries' chains and signatures, then the end line over the whole file."""
    raw: list[str] = [line.rstrip("\n") for line in lines]
    raw = [line for line in raw if line.strip()]
    parsed: list[dict[str, Any]] = []
    broken: list[Problem] = []
    for number, line in enumerate(raw, start=1):
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            broken.append(Problem(f"line {number} is not JSON ({exc.msg}): the file was damaged"))
            continue
        parsed.append(value if isinstance(value, dict) else {"type": None})
    header = parsed[0] if parsed and parsed[0].get("type") == "pack" else None
    global_order = bool(header and header.get("order") == "global")
    complete = list(header.get("complete_chains") or []) if header else []
    result = verify_entries(
        (p for p in parsed if p.get("type") == "entry"), signer=signer, global_order=global_order, complete=complete
    )
    result.problems[:0] = broken
    if header is None:
        result.problems.append(Problem("the file does not start with a pack line: it is not an evidence pack"))
    end = parsed[-1] if parsed and parsed[-1].get("type") == "end" else None
    if end is None:
        result.problems.append(Problem("the file has no end line: it was cut short"))
        return result
    body = raw[:-1]
    digest = sha256_hex("".join(line + "\n" for line in body))
    if end.get("lines") != len(body) or end.get("sha256") != digest:
        result.problems.append(
            Problem(
                f"the end line counts {end.get('lines')} lines with another digest than the {len(body)} lines above "
                "it: the file was changed after it was exported"
            )
        )
    if signer is not None:
        if not end.get("sig"):
            result.problems.append(Problem("the pack is not signed, though a key is set: it was exported without it"))
        elif end.get("sig") != _pack_mac(signer, str(end.get("sha256"))):
            result.problems.append(Problem("the pack's signature does not match: forged, or made with another key"))
    return result


# -- verifying Redis --------------------------------------------------------------------------------------------


def verify_redis(connection: Redis, *, signer: Signer | None, batch: int = 1000) -> Verification:
    """Verify the global chain in Redis, each proposal stream against it, the chain heads and the signatures."""
    log = AuditLog(connection)
    records = list(log.global_entries(batch=batch))
    first = next((r for r in records if r.hash), None)
    complete = first is not None and first.seq == 1
    signatures = log.signatures([r.id for r in records]) if signer is not None else {}
    verifier = ChainVerifier(signer, global_order=True, complete=complete)
    by_proposal: dict[str, list[AuditRecord]] = {}
    for record in records:
        verifier.check(record.evidence(sig=signatures.get(record.id)))
        by_proposal.setdefault(record.proposal_id, []).append(record)
    result = verifier.result
    trimmed = _head(connection, keys.AUDIT_TRIMMED)
    if trimmed is not None:
        _check_trimmed_anchor(trimmed, first, signer, result)
    head = _head(connection, GLOBAL_HEAD)
    chained = [r for r in records if r.hash]
    if chained and (head is None or head.get("hash") != chained[-1].hash):
        result.problems.append(
            Problem(
                f"the global chain's head is {_describe_head(head)} but its last entry is {chained[-1].id} "
                f"(seq {chained[-1].seq}): entries after it were deleted, or the head was changed"
            )
        )
    for proposal_id, expected in by_proposal.items():
        _compare_proposal_stream(connection, proposal_id, expected, result, trimmed_to=(trimmed or {}).get("id"))
    return result


def _check_trimmed_anchor(
    anchor: Mapping[str, str], first: AuditRecord | None, signer: Signer | None, result: Verification
) -> None:
    """Retention trimmed the global chain up to ``anchor`` (approvals.flow.retention): the first entry left must be
    the one after it, linked to its hash, and the anchor signed when a key is set."""
    seq = int(anchor.get("seq") or 0)
    if signer is not None:
        message = f"trimmed|{anchor.get('id')}|{anchor.get('seq')}|{anchor.get('hash')}"
        if signer.check(message, anchor.get("sig")) != "valid":
            result.problems.append(Problem(f"the retention anchor {anchor.get('id')} is not signed with the key"))
    if first is None:
        result.notes.append(f"every entry up to {anchor.get('id')} (seq {seq}) was archived and trimmed")
        return
    if first.seq != seq + 1 or first.prev_global != anchor.get("hash"):
        result.problems.append(
            _problem(
                first,
                f"it does not follow the retention anchor {anchor.get('id')} (seq {seq}): entries "
                "after the trimmed ones were deleted, or the anchor was changed",
            )
        )
    else:
        result.notes.append(
            f"entries up to {anchor.get('id')} (seq {seq}) were archived and trimmed; the rest links on"
        )


def _head(connection: Redis, key: str) -> dict[str, str] | None:
    raw = connection.hgetall(key)
    return {k.decode(): v.decode() for k, v in raw.items()} if raw else None


def _describe_head(head: Mapping[str, str] | None) -> str:
    if head is None:
        return "missing"
    return f"{head.get('id')} (seq {head.get('seq', head.get('n'))})"


def _compare_proposal_stream(
    connection: Redis,
    proposal_id: str,
    expected: Sequence[AuditRecord],
    result: Verification,
    *,
    trimmed_to: str | None = None,
) -> None:
    """The proposal's own stream must hold exactly its entries of the global chain, unchanged (those up to
    ``trimmed_to`` are no longer in the global chain: retention trimmed them once archived)."""
    start = f"({trimmed_to}" if trimmed_to else "-"
    copies = [record_from_stream(i, f) for i, f in connection.xrange(proposal_stream(proposal_id), start, "+")]
    by_id = {r.id: r for r in copies}
    for record in expected:
        copy = by_id.pop(record.id, None)
        if copy is None:
            result.problems.append(_problem(record, f"it is missing from {proposal_stream(proposal_id)}: deleted"))
        elif copy.evidence() != record.evidence():
            result.problems.append(
                _problem(record, f"its copy in {proposal_stream(proposal_id)} differs from the global one: edited")
            )
    for extra in by_id.values():
        result.problems.append(
            _problem(extra, f"it is in {proposal_stream(proposal_id)} but not in the global chain: inserted")
        )
    chained = [r for r in copies if r.hash]
    head = _head(connection, proposal_head(proposal_id))
    if chained and (head is None or head.get("hash") != chained[-1].hash):
        result.problems.append(
            Problem(
                f"the chain of {proposal_id} has its head at {_describe_head(head)} but its last entry is "
                f"{chained[-1].id} (#{chained[-1].n}): entries after it were deleted, or the head was changed"
            )
        )


def _problem(record: AuditRecord, what: str) -> Problem:
    return Problem(
        what, entry_id=record.id, seq=record.seq, proposal_id=record.proposal_id, n=record.n, event=record.event
    )


# -- export -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """One proposal (and the proposals undoing it, or undone by it), or a time range [since, until)."""

    proposal_id: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def describe(self) -> dict[str, Any]:
        if self.proposal_id is not None:
            return {"proposal": self.proposal_id}
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


_DURATION = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_moment(text: str, *, now: dt.datetime) -> dt.datetime:
    """``2025-03-01``, ``2025-03-01T14:00``, ``2025-03-01T14:00:00+02:00`` (no zone: UTC), or ``90m``/``24h``/``7d``
    ago. ValueError says what is accepted."""
    value = text.strip()
    duration = _DURATION.match(value)
    if duration:
        return now - dt.timedelta(seconds=int(duration[1]) * _UNITS[duration[2]])
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time; write 2025-03-01, 2025-03-01T14:00 (UTC unless a zone is given) or 24h, 7d"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _stream_id(moment: dt.datetime) -> str:
    return f"{int(moment.timestamp() * 1000)}-0"


class EvidenceExporter:
    """Writes an evidence pack from Redis; ``signer`` (FOLLOWTHROUGH_AUDIT_KEY) signs its end line."""

    def __init__(self, connection: Redis, *, signer: Signer | None, clock: Any) -> None:
        self.connection = connection
        self.signer = signer
        self.clock = clock
        self.log = AuditLog(connection)
        self.store = ProposalStore(connection, clock=clock, audit_log=self.log)
        self.ledger = Ledger(connection, clock=clock)
        self.entries_written = 0

    def lines(self, scope: Scope) -> Iterator[str]:
        """The pack's lines (without newlines); the end line comes last."""
        if scope.proposal_id is not None:
            proposals = self._related(scope.proposal_id)
            chains = list(dict.fromkeys([scope.proposal_id, *(p.id for p in proposals), POLICY_ID]))
            records = sorted(
                (r for chain in chains for r in self.log.for_proposal(chain)),
                key=lambda r: (r.seq is None, r.seq or 0, r.id),
            )
            order, complete = "chains", chains
        else:
            start = _stream_id(scope.since) if scope.since else "-"
            end = "(" + _stream_id(scope.until) if scope.until else "+"
            records = list(self.log.global_entries(start=start, end=end))
            ids = dict.fromkeys(r.proposal_id for r in records if r.proposal_id != POLICY_ID)
            proposals = [p for p in (self.store.find(i) for i in ids) if p is not None]
            order, complete = "global", []
        by_proposal: dict[str, list[AuditRecord]] = {}
        for record in records:
            by_proposal.setdefault(record.proposal_id, []).append(record)
        signatures = self.log.signatures([r.id for r in records])
        body = [
            {
                "type": "pack",
                "format": PACK_FORMAT,
                "generated_at": self.clock().isoformat(),
                "scope": scope.describe(),
                "order": order,
                "complete_chains": complete,
                "proposals": [p.id for p in proposals],
                "entries": len(records),
                "signed_with": self.signer.kid if self.signer else None,
            },
            *(self._proposal_line(p, by_proposal.get(p.id, [])) for p in proposals),
            *(r.evidence(sig=signatures.get(r.id)) for r in records),
        ]
        self.entries_written = len(records)
        texts = [json.dumps(line, sort_keys=True, default=str) for line in body]
        yield from texts
        digest = sha256_hex("".join(text + "\n" for text in texts))
        end = {"type": "end", "lines": len(texts), "sha256": digest, "sig": None}
        if self.signer is not None:
            end["sig"] = _pack_mac(self.signer, digest)
        yield json.dumps(end, sort_keys=True)

    def write(self, scope: Scope, out: IO[str]) -> int:
        """Write the pack to ``out``; returns the number of entries."""
        for line in self.lines(scope):
            out.write(line + "\n")
        return self.entries_written

    def _related(self, proposal_id: str) -> list[Proposal]:
        """The proposal, what it undoes and what undoes it (an undo is a proposal of its own)."""
        found: dict[str, Proposal] = {}
        pending = [proposal_id]
        while pending:
            current = pending.pop()
            if current in found:
                continue
            proposal = self.store.find(current)
            if proposal is None:
                if current == proposal_id and not self.log.for_proposal(current):
                    raise LookupError(f"no proposal {proposal_id!r} and no audit entries for it; check the id")
                continue
            found[current] = proposal
            pending.extend(i for i in (proposal.undo_of, proposal.undo) if i)
        if not found:
            return []
        return sorted(found.values(), key=lambda p: p.created_at)

    def _proposal_line(self, proposal: Proposal, records: Sequence[AuditRecord]) -> dict[str, Any]:
        return {
            "type": "proposal",
            "id": proposal.id,
            "evidence": proposal_evidence(proposal, records, ledger=self._ledger(proposal)),
            "record": proposal.model_dump(mode="json"),
        }

    def _ledger(self, proposal: Proposal) -> list[dict[str, Any]]:
        found = []
        for index in range(len(proposal.actions)):
            aid = action_id(proposal.id, index, proposal.fingerprint)
            try:
                entry = self.ledger.get(aid)
            except KeyError:
                continue  # never sent (or its ledger record expired)
            found.append(
                {
                    "action": index,
                    "action_id": aid,
                    "status": entry.status,
                    "attempts": entry.attempts,
                    "sent_at": entry.sent_at.isoformat() if entry.sent_at else None,
                    "result": entry.result,
                    "error": entry.error,
                }
            )
        return found


_NOT_DECISIONS = frozenset({"proposal.created", "proposal.shown"})
"""Every other entry that is not a system call is a step someone (or the policy, or the scheduler) took."""


def proposal_evidence(
    proposal: Proposal, records: Sequence[AuditRecord], *, ledger: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """What a reviewer asks of one request, gathered from the stored proposal and its audit entries."""
    created = next((r for r in records if r.event == "proposal.created"), None)
    decision = proposal.decision or {}
    return {
        "asked": {
            "by": proposal.requester,
            "channel": proposal.channel,
            "thread_ts": proposal.thread_ts,
            "request_ts": proposal.request_ts,
            "permalink": proposal.permalink,
            "text": proposal.request_text,
            "at": proposal.created_at.isoformat(),
        },
        "understanding": {
            "extractor": created.data.get("extractor") if created else None,
            "read": created.data.get("read") if created else None,
            "understood": created.data.get("understood") if created else None,
            "proposed": created.data.get("proposed") if created else None,
            "usage": created.data.get("usage") if created else None,
            "summary": proposal.understood,
        },
        "policy": {
            "hash": decision.get("policy_hash"),
            "rule": decision.get("rule"),
            "outcome": decision.get("outcome"),
            "approver_roles": decision.get("approver_roles"),
            "min_approvers": decision.get("min_approvers"),
            "reevaluated": proposal.reevaluated,
        },
        "actions": [a.model_dump(mode="json") for a in proposal.actions],
        "fingerprint": proposal.fingerprint,
        "state": proposal.state.value,
        "decisions": [
            {"event": r.event, "by": r.actor, "at": r.at.isoformat(), **_decision_facts(r.data)}
            for r in records
            if r.event not in _NOT_DECISIONS and not r.event.startswith("action.")
        ],
        "approvals": [a.model_dump(mode="json") for a in proposal.approvals],
        "rejection": proposal.rejection.model_dump(mode="json") if proposal.rejection else None,
        "cancelled_by": proposal.cancelled_by,
        "system_calls": [
            {"event": r.event, "at": r.at.isoformat(), **r.data} for r in records if r.event.startswith("action.")
        ],
        "ledger": list(ledger),
        "results": [
            {
                "action": r.index,
                "status": r.status,
                "system": r.system,
                "summary": r.summary,
                "key": r.key,
                "url": r.url,
                "changes": r.changes,
                "error": r.error,
            }
            for r in proposal.results
        ],
        "failure": proposal.failure,
        "undo": {"undoes": proposal.undo_of, "undone_by": proposal.undo},
        "updated_at": proposal.updated_at.isoformat(),
    }


def _decision_facts(data: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("rule", "policy_hash", "outcome", "reason", "fingerprint", "to", "users", "voided_approvals", "answer")
    return {k: data[k] for k in keep if k in data}
