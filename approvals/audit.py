"""The append-only audit trail, kept in Redis streams.

Each proposal has its own stream (``ft:audit:<id>``), and every entry is also appended to the global stream
(``ft:audit``) for workspace-wide queries. ``append`` only queues commands on the pipeline it is given and never
executes it: the caller commits the entry in the same MULTI as the state change it explains, so there is never a
transition without its audit line, nor an audit line for a transition that did not happen.

Entries are never edited or deleted by the application. Retention is an operations decision (XTRIM), not ours.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from redis import Redis
from redis.client import Pipeline

from approvals.workflow import AuditEntry

GLOBAL_STREAM = "ft:audit"


def proposal_stream(proposal_id: str) -> str:
    return f"ft:audit:{proposal_id}"


@dataclass(frozen=True)
class AuditRecord:
    id: str
    proposal_id: str
    event: str
    actor: str
    at: dt.datetime
    data: dict[str, Any]


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def append(pipe: Pipeline, proposal_id: str, entry: AuditEntry, *, at: dt.datetime) -> None:
    """Queue ``entry`` on ``pipe`` (both streams); the caller executes the pipeline."""
    fields = {
        "proposal_id": proposal_id,
        "event": entry.event,
        "actor": entry.actor,
        "at": at.isoformat(),
        "data": json.dumps(entry.data, default=_json_default, sort_keys=True),
    }
    pipe.xadd(proposal_stream(proposal_id), fields)
    pipe.xadd(GLOBAL_STREAM, fields)


def _record(entry_id: bytes | str, fields: dict[bytes, bytes]) -> AuditRecord:
    decoded = {k.decode(): v.decode() for k, v in fields.items()}
    return AuditRecord(
        id=entry_id.decode() if isinstance(entry_id, bytes) else entry_id,
        proposal_id=decoded["proposal_id"],
        event=decoded["event"],
        actor=decoded["actor"],
        at=dt.datetime.fromisoformat(decoded["at"]),
        data=json.loads(decoded["data"]),
    )


class AuditLog:
    """Reads the trail; writes go through ``append`` inside a store transaction."""

    def __init__(self, connection: Redis) -> None:
        self.connection = connection

    def for_proposal(self, proposal_id: str) -> list[AuditRecord]:
        return [_record(i, f) for i, f in self.connection.xrange(proposal_stream(proposal_id))]

    def recent(self, *, count: int = 50, actor: str | None = None) -> list[AuditRecord]:
        """Newest first, optionally only entries by ``actor`` (scans at most 20x ``count`` entries)."""
        records: list[AuditRecord] = []
        for entry_id, fields in self.connection.xrevrange(GLOBAL_STREAM, count=count * 20 if actor else count):
            record = _record(entry_id, fields)
            if actor is None or record.actor == actor or record.data.get("requester") == actor:
                records.append(record)
            if len(records) >= count:
                break
        return records

    def write(self, proposal_id: str, entry: AuditEntry, *, at: dt.datetime) -> None:
        """Append an entry that accompanies no state change (a refused click, a connector call)."""
        pipe = self.connection.pipeline(transaction=True)
        append(pipe, proposal_id, entry, at=at)
        pipe.execute()
