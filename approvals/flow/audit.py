"""The append-only audit trail, kept in Redis streams whose entries form hash chains, signed when a key is set.

Each proposal has its own stream (``ft:audit:<id>``), and every entry is also appended, with the same entry id, to
the global stream (``ft:audit``). Policy changes are entries of the reserved id ``policy`` (``POLICY_ID``).
``append`` only queues commands on the pipeline it is given and never executes it: the caller commits the entry in
the same MULTI as the state change it explains, so there is never a transition without its audit line, nor an audit
line for a transition that did not happen.

The chains. Every entry carries the hash of the previous entry of its proposal (``prev``, with ``n`` its position
in the proposal's chain) and of the previous entry of the global chain (``prev_global``, with ``seq`` its position
there); the first entry of a chain links to ``GENESIS``. An entry's ``hash`` is SHA-256 over a canonical JSON form
(keys sorted, no whitespace, ASCII)::

    body  = sha256(canonical({"actor", "at", "data", "event", "kid", "proposal_id"}))
    hash  = sha256(canonical({"body": body, "n": n, "prev": prev, "prev_global": prev_global, "seq": seq}))

so an edited field changes the entry's hash, and a deleted, inserted or reordered entry breaks the next entry's
link and numbering. The links are made where the previous hashes are, inside Redis: ``append`` queues a Lua script
on the caller's pipeline that reads the chain heads (``ft:audit:head`` and ``ft:audit:head:<id>``, hashes of seq or
n, hash and entry id), computes the entry's hash, appends the entry to both streams and moves both heads, all
atomically, so concurrent writers in any number of processes extend one consistent chain (no read inside MULTI,
no WATCH on a global key that every writer would contend for). Redis's Lua has no SHA-256, so the script carries
its own (checked against hashlib in the tests); Python computes the body's hash (the part proportional to the
entry's size) and the script hashes only the fixed ~200-byte second form: pure-Lua SHA-256 runs at about 1 MB/s,
so hashing whole entries in Redis would block it for milliseconds; this way an append costs it about 0.2 ms.

The signatures. With ``FOLLOWTHROUGH_AUDIT_KEY`` set, the writer signs the hash of every entry it wrote, right after
its transaction commits: HMAC-SHA256 of the hash with that key, stored as ``<kid>:<hex>`` in the hash
``ft:audit:sig`` by entry id. The key never reaches Redis (a script's arguments show in MONITOR and SLOWLOG), so
someone with Redis access alone can rewrite an entry and re-hash every chain after it, but cannot sign the result.
Each entry also records, inside its hashed body, the id of the key its writer held (``kid``, empty without one), so
a removed signature is told from an entry written before signing was turned on. A writer that dies between its
commit and its signature leaves that entry unsigned, and ``verify`` reports it: from Redis alone it cannot be told
from an entry someone inserted. Without a key the chains still work and ``verify`` says signatures were not
checked. What no chain can show by itself is a cut-off tail or a whole history rewritten without a key: the archive
(approvals.flow.archive) and exported evidence packs are the anchors outside Redis for that.

Entries are never edited by the application. They are deleted only by retention (approvals.flow.retention): a
finished proposal's chain once the archive holds all of it, and the global stream up to the archive's cursor and the
retention horizon, keeping the last trimmed entry as the anchor the first remaining one links to.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import hmac
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from pydantic import SecretStr
from redis import Redis, WatchError
from redis.client import Pipeline
from redis.exceptions import RedisError

from approvals.core.policy import Policy
from approvals.core.workflow import AuditEntry
from approvals.flow import keys

logger = logging.getLogger(__name__)

GLOBAL_STREAM = keys.AUDIT_STREAM
GLOBAL_HEAD = keys.AUDIT_HEAD
SIGNATURES = keys.AUDIT_SIGNATURES
POLICY_IN_FORCE = keys.AUDIT_POLICY_IN_FORCE
"""Hash: the hash and text of the policy the trail last recorded (so each change is recorded once, with its diff)."""

POLICY_ID = "policy"
"""The reserved proposal id under which policy changes are audited (proposal ids look like ``ft-7kq2mx9c``)."""
FILE_WATCHER = "file watcher"
"""Who reloads the policy when no person asked: each process's check of the file (PolicySource.current)."""
START_UP = "start-up"
AUTOMATIC_LOADERS = frozenset({FILE_WATCHER, START_UP})
"""Who loads a policy when no person asked: these record only an actual change."""

GENESIS = "0" * 64
"""What the first entry of a chain links to."""


def proposal_stream(proposal_id: str) -> str:
    return keys.proposal_audit(proposal_id)


def proposal_head(proposal_id: str) -> str:
    return keys.proposal_audit_head(proposal_id)


# -- the canonical forms (the one definition the writer, the script and ``verify`` share) ------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def canonical_json(value: Any) -> str:
    """Keys sorted, no whitespace, ASCII only: the same text for the same value, in every process."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_json_default)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


BODY_FIELDS = ("actor", "at", "data", "event", "kid", "proposal_id")


def body_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 of the entry's own fields (``data`` as a JSON value, ``at`` as the text stored)."""
    return sha256_hex(canonical_json({name: entry.get(name, "") for name in BODY_FIELDS}))


def chain_form(body: str, *, n: int, prev: str, prev_global: str, seq: int) -> str:
    """The text whose SHA-256 is the entry's hash; the Lua script builds exactly this string."""
    return canonical_json({"body": body, "n": n, "prev": prev, "prev_global": prev_global, "seq": seq})


def entry_hash(entry: Mapping[str, Any]) -> str:
    """The hash an entry (in the export's form: ``data`` a JSON value, the chain fields as stored) should carry."""
    return sha256_hex(
        chain_form(
            body_hash(entry),
            n=int(entry["n"]),
            prev=str(entry["prev"]),
            prev_global=str(entry["prev_global"]),
            seq=int(entry["seq"]),
        )
    )


# -- signatures -------------------------------------------------------------------------------------------------

SignatureCheck = Literal["valid", "forged", "other_key", "missing"]


class Signer:
    """HMAC-SHA256 over entry hashes with ``FOLLOWTHROUGH_AUDIT_KEY``; ``kid`` names the key without revealing it."""

    def __init__(self, key: SecretStr | str | bytes) -> None:
        secret = key.get_secret_value() if isinstance(key, SecretStr) else key
        self._key = secret.encode("utf-8") if isinstance(secret, str) else secret
        if not self._key:
            raise ValueError("FOLLOWTHROUGH_AUDIT_KEY is empty; set a long random secret or unset it")
        self.kid = hashlib.sha256(b"followthrough-audit-key-id:" + self._key).hexdigest()[:12]

    def __repr__(self) -> str:
        return f"Signer(kid={self.kid!r})"

    def mac(self, message: str) -> str:
        return hmac.new(self._key, message.encode("utf-8"), hashlib.sha256).hexdigest()

    def sign(self, digest: str) -> str:
        return f"{self.kid}:{self.mac('entry:' + digest)}"

    def check(self, digest: str, signature: str | None) -> SignatureCheck:
        if not signature:
            return "missing"
        kid, _, mac = signature.partition(":")
        if kid != self.kid:
            return "other_key"
        return "valid" if hmac.compare_digest(mac, self.mac("entry:" + digest)) else "forged"


# -- writing ----------------------------------------------------------------------------------------------------

_SHA256_LUA = """
local band, bor, bxor, bnot = bit.band, bit.bor, bit.bxor, bit.bnot
local rshift, lshift, ror, tobit, tohex = bit.rshift, bit.lshift, bit.ror, bit.tobit, bit.tohex
local K = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}
for i = 1, 64 do K[i] = tobit(K[i]) end
local function sha256(msg)
  local bits = #msg * 8
  msg = msg .. "\\128" .. string.rep("\\0", (55 - #msg) % 64) .. string.char(0, 0, 0, 0,
    band(rshift(bits, 24), 255), band(rshift(bits, 16), 255), band(rshift(bits, 8), 255), band(bits, 255))
  local h0, h1, h2, h3 = tobit(0x6a09e667), tobit(0xbb67ae85), tobit(0x3c6ef372), tobit(0xa54ff53a)
  local h4, h5, h6, h7 = tobit(0x510e527f), tobit(0x9b05688c), tobit(0x1f83d9ab), tobit(0x5be0cd19)
  local w = {}
  for i = 1, #msg, 64 do
    for j = 0, 15 do
      local a, b, c, d = string.byte(msg, i + 4 * j, i + 4 * j + 3)
      w[j] = bor(lshift(a, 24), lshift(b, 16), lshift(c, 8), d)
    end
    for j = 16, 63 do
      local x, y = w[j - 15], w[j - 2]
      w[j] = tobit(w[j - 16] + bxor(ror(x, 7), ror(x, 18), rshift(x, 3)) + w[j - 7]
        + bxor(ror(y, 17), ror(y, 19), rshift(y, 10)))
    end
    local a, b, c, d, e, f, g, h = h0, h1, h2, h3, h4, h5, h6, h7
    for j = 0, 63 do
      local t1 = h + bxor(ror(e, 6), ror(e, 11), ror(e, 25)) + bxor(band(e, f), band(bnot(e), g)) + K[j + 1] + w[j]
      local t2 = bxor(ror(a, 2), ror(a, 13), ror(a, 22)) + bxor(band(a, b), band(a, c), band(b, c))
      h, g, f, e, d, c, b, a = g, f, e, tobit(d + t1), c, b, a, tobit(t1 + t2)
    end
    h0, h1, h2, h3 = tobit(h0 + a), tobit(h1 + b), tobit(h2 + c), tobit(h3 + d)
    h4, h5, h6, h7 = tobit(h4 + e), tobit(h5 + f), tobit(h6 + g), tobit(h7 + h)
  end
  return tohex(h0) .. tohex(h1) .. tohex(h2) .. tohex(h3) .. tohex(h4) .. tohex(h5) .. tohex(h6) .. tohex(h7)
end
"""

_APPEND_LUA = (
    """
-- KEYS: global stream, proposal stream, global head, proposal head
-- ARGV: body hash, proposal_id, event, actor, at, data, kid
if redis.replicate_commands then redis.replicate_commands() end  -- Redis 6: XADD * is non-deterministic
"""
    + _SHA256_LUA
    + """
local genesis = string.rep('0', 64)
local g = redis.call('HMGET', KEYS[3], 'seq', 'hash')
local p = redis.call('HMGET', KEYS[4], 'n', 'hash')
local seq = string.format('%d', (tonumber(g[1]) or 0) + 1)
local n = string.format('%d', (tonumber(p[1]) or 0) + 1)
local prev_global = g[2] or genesis
local prev = p[2] or genesis
local hash = sha256('{"body":"' .. ARGV[1] .. '","n":' .. n .. ',"prev":"' .. prev .. '","prev_global":"'
  .. prev_global .. '","seq":' .. seq .. '}')
local fields = {'proposal_id', ARGV[2], 'event', ARGV[3], 'actor', ARGV[4], 'at', ARGV[5], 'data', ARGV[6],
  'kid', ARGV[7], 'seq', seq, 'n', n, 'prev', prev, 'prev_global', prev_global, 'hash', hash}
-- The global stream picks the id; it is above every id of every proposal stream (each entry is in both).
local id = redis.call('XADD', KEYS[1], '*', unpack(fields))
redis.call('XADD', KEYS[2], id, unpack(fields))
redis.call('HSET', KEYS[3], 'seq', seq, 'hash', hash, 'id', id)
redis.call('HSET', KEYS[4], 'n', n, 'hash', hash, 'id', id)
return {id, hash, seq}
"""
)


@dataclass(frozen=True)
class Appended:
    """An entry queued on a pipeline: ``index`` is where the script's reply (id, hash, seq) lands in its results."""

    proposal_id: str
    index: int


def append(pipe: Pipeline, proposal_id: str, entry: AuditEntry, *, at: dt.datetime, kid: str = "") -> Appended:
    """Queue ``entry`` on ``pipe`` (both streams, both chains); the caller executes the pipeline, then signs."""
    data = canonical_json(entry.data)
    stored = {
        "proposal_id": proposal_id,
        "event": entry.event,
        "actor": entry.actor,
        "at": at.isoformat(),
        "data": json.loads(data),
        "kid": kid,
    }
    index = len(pipe.command_stack)
    keys = (GLOBAL_STREAM, proposal_stream(proposal_id), GLOBAL_HEAD, proposal_head(proposal_id))
    args = (body_hash(stored), proposal_id, entry.event, entry.actor, stored["at"], data, kid)
    # EVAL rather than EVALSHA: redis-py's pipeline would ask SCRIPT EXISTS first, one more round trip per write;
    # Redis caches the compiled script by its text's SHA-1 either way.
    pipe.execute_command("EVAL", _APPEND_LUA, len(keys), *keys, *args)
    return Appended(proposal_id, index)


# -- reading ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRecord:
    id: str
    proposal_id: str
    event: str
    actor: str
    at: dt.datetime
    data: dict[str, Any]
    seq: int | None = None
    n: int | None = None
    prev: str | None = None
    prev_global: str | None = None
    hash: str | None = None
    """None for an entry written before the chains existed."""
    kid: str = ""
    at_text: str = field(default="", repr=False)
    """``at`` exactly as stored (what the hash covers)."""

    def evidence(self, *, sig: str | None = None) -> dict[str, Any]:
        """The entry as one line of an evidence pack (what ``entry_hash`` and ``verify`` read)."""
        return {
            "type": "entry",
            "id": self.id,
            "seq": self.seq,
            "n": self.n,
            "proposal_id": self.proposal_id,
            "event": self.event,
            "actor": self.actor,
            "at": self.at_text or self.at.isoformat(),
            "data": self.data,
            "kid": self.kid,
            "prev": self.prev,
            "prev_global": self.prev_global,
            "hash": self.hash,
            "sig": sig,
        }


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def record_from_stream(entry_id: bytes | str, fields: Mapping[bytes | str, bytes | str]) -> AuditRecord:
    decoded = {_text(k): _text(v) for k, v in fields.items()}
    return AuditRecord(
        id=_text(entry_id),
        proposal_id=decoded["proposal_id"],
        event=decoded["event"],
        actor=decoded["actor"],
        at=dt.datetime.fromisoformat(decoded["at"]),
        data=json.loads(decoded["data"]),
        seq=int(decoded["seq"]) if "seq" in decoded else None,
        n=int(decoded["n"]) if "n" in decoded else None,
        prev=decoded.get("prev"),
        prev_global=decoded.get("prev_global"),
        hash=decoded.get("hash"),
        kid=decoded.get("kid", ""),
        at_text=decoded["at"],
    )


class ArchiveSink(Protocol):
    """Where the trail is also kept outside Redis (approvals.flow.archive); drained by the worker's maintenance pass."""

    def drain_if_due(self, connection: Redis) -> object: ...


class AuditLog:
    """Writes entries (queued on a store transaction, or alone with ``write``), signs them, and reads the trail.

    ``key`` is FOLLOWTHROUGH_AUDIT_KEY (None: entries are chained but not signed); ``archive`` the optional sink.
    """

    def __init__(
        self,
        connection: Redis,
        *,
        key: SecretStr | str | bytes | None = None,
        archive: ArchiveSink | None = None,
    ) -> None:
        self.connection = connection
        self.signer = Signer(key) if key else None
        self.archive = archive

    @property
    def kid(self) -> str:
        return self.signer.kid if self.signer is not None else ""

    def append(self, pipe: Pipeline, proposal_id: str, entry: AuditEntry, *, at: dt.datetime) -> Appended:
        """Queue ``entry`` on ``pipe``; after executing it, pass its results to ``sign``."""
        return append(pipe, proposal_id, entry, at=at, kid=self.kid)

    def sign(self, results: Sequence[Any], *appended: Appended) -> None:
        """Sign the entries the executed pipeline appended. A failure here leaves them unsigned (``verify`` will
        say so) but never undoes the committed change: it is logged, not raised."""
        if self.signer is None or not appended:
            return
        signatures = {}
        for item in appended:
            entry_id, digest = (_text(v) for v in results[item.index][:2])
            signatures[entry_id] = self.signer.sign(digest)
        try:
            self.connection.hset(SIGNATURES, mapping=signatures)
        except RedisError as exc:
            logger.warning(
                "audit entries %s of %s were committed but not signed (%s); verify will report them unsigned",
                ", ".join(signatures),
                ", ".join(sorted({a.proposal_id for a in appended})),
                exc,
            )

    def write(self, proposal_id: str, entry: AuditEntry, *, at: dt.datetime) -> None:
        """Append an entry that accompanies no state change (a refused click, a connector call)."""
        pipe = self.connection.pipeline(transaction=True)
        appended = self.append(pipe, proposal_id, entry, at=at)
        self.sign(pipe.execute(), appended)

    def for_proposal(self, proposal_id: str) -> list[AuditRecord]:
        return [record_from_stream(i, f) for i, f in self.connection.xrange(proposal_stream(proposal_id))]

    def recent(self, *, count: int = 50, actor: str | None = None) -> list[AuditRecord]:
        """Newest first, optionally only entries by ``actor`` (scans at most 20x ``count`` entries)."""
        records: list[AuditRecord] = []
        for entry_id, fields in self.connection.xrevrange(GLOBAL_STREAM, count=count * 20 if actor else count):
            record = record_from_stream(entry_id, fields)
            if actor is None or record.actor == actor or record.data.get("requester") == actor:
                records.append(record)
            if len(records) >= count:
                break
        return records

    def global_entries(self, *, start: str = "-", end: str = "+", batch: int = 1000) -> Iterator[AuditRecord]:
        """The global chain from ``start`` to ``end`` (stream ids, ``(`` for exclusive), oldest first, in batches."""
        while True:
            found = self.connection.xrange(GLOBAL_STREAM, start, end, count=batch)
            for entry_id, fields in found:
                yield record_from_stream(entry_id, fields)
            if len(found) < batch:
                return
            start = "(" + _text(found[-1][0])

    def signatures(self, entry_ids: Sequence[str]) -> dict[str, str]:
        """The stored signatures of ``entry_ids`` (those that have one)."""
        found: dict[str, str] = {}
        for offset in range(0, len(entry_ids), 1000):
            chunk = list(entry_ids[offset : offset + 1000])
            for entry_id, sig in zip(chunk, self.connection.hmget(SIGNATURES, chunk), strict=True):
                if sig is not None:
                    found[entry_id] = _text(sig)
        return found

    # -- policy changes -----------------------------------------------------------------------------------------

    def record_policy(
        self, policy: Policy, text: str | None, *, by: str, at: dt.datetime, max_attempts: int = 10
    ) -> AuditRecord | None:
        """Audit the policy ``by`` loaded (a user id, ``FILE_WATCHER`` or ``START_UP``) under ``POLICY_ID``.

        A policy other than the one the trail last recorded is a ``policy.changed`` entry: who, the old and new
        hash, the diff of the file and its new text. Every process watches the file, so the first to notice a
        change records it (WATCH on ``POLICY_IN_FORCE``) and the others find it recorded. A person's reload of an
        unchanged policy is a ``policy.reloaded`` entry; an automatic one is nothing. Returns the entry written.
        """
        with self.connection.pipeline(transaction=True) as pipe:
            for _ in range(max_attempts):
                try:
                    pipe.watch(POLICY_IN_FORCE)
                    last_hash, last_text = (
                        None if v is None else _text(v) for v in pipe.hmget(POLICY_IN_FORCE, "hash", "text")
                    )
                    if last_hash == policy.content_hash:
                        if by in AUTOMATIC_LOADERS:
                            pipe.unwatch()
                            return None
                        entry = AuditEntry(
                            "policy.reloaded",
                            by,
                            {"hash": policy.content_hash, "changed": False, "source": policy.source},
                        )
                    else:
                        entry = AuditEntry(
                            "policy.changed",
                            by,
                            {
                                "old_hash": last_hash,
                                "new_hash": policy.content_hash,
                                "source": policy.source,
                                "diff": policy_diff(last_hash, last_text, policy.content_hash, text),
                                "text": text,
                            },
                        )
                    pipe.multi()
                    if entry.event == "policy.changed":
                        pipe.hset(POLICY_IN_FORCE, mapping={"hash": policy.content_hash, "text": text or ""})
                    appended = self.append(pipe, POLICY_ID, entry, at=at)
                    results = pipe.execute()
                except WatchError:
                    continue
                self.sign(results, appended)
                logger.info("policy %s recorded in the audit (%s by %s)", policy.content_hash, entry.event, by)
                return AuditRecord(
                    id=_text(results[appended.index][0]),
                    proposal_id=POLICY_ID,
                    event=entry.event,
                    actor=by,
                    at=at,
                    data=entry.data,
                )
        logger.warning("policy %s: its audit entry kept contending; another process recorded it", policy.content_hash)
        return None


def policy_diff(old_hash: str | None, old_text: str | None, new_hash: str, new_text: str | None) -> str:
    """A unified diff of the policy file between two recorded versions ('' when the new text could not be read)."""
    if new_text is None:
        return ""
    lines = difflib.unified_diff(
        (old_text or "").splitlines(keepends=True),
        new_text.splitlines(keepends=True),
        fromfile=f"policy {old_hash}" if old_hash else "no policy recorded",
        tofile=f"policy {new_hash}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
