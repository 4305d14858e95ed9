"""The inbox: every request the bot accepts is recorded here before Slack is told it was received.

Invariant: a request is acknowledged to Slack only after its record is in Redis, so a bot process that dies right
after the ack loses nothing: the record and its intake job are there for the next process (or the reaper, which
re-enqueues records left pending). A request is identified by its message (channel and ts), not by the event that
carried it, so Slack's redeliveries and the twin ``message`` / ``app_mention`` events of one message are one request.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Literal

from redis import Redis

from approvals.flow import keys

Source = Literal["mention", "direct_message", "thread_reply", "shortcut"]

_PENDING = keys.INBOX_PENDING

# Record a request once and mark it pending, in one round trip: this runs before Slack gets its ack.
_RECORD = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
    redis.call('zadd', KEYS[2], ARGV[3], ARGV[4])
    return 1
end
return 0
"""


@dataclass(frozen=True)
class InboundRequest:
    channel: str
    ts: str
    thread_ts: str
    user: str
    text: str
    source: Source
    event_id: str
    received_at: dt.datetime

    @property
    def key(self) -> str:
        return request_key(self.channel, self.ts)

    def to_json(self) -> str:
        data = asdict(self)
        data["received_at"] = self.received_at.isoformat()
        return json.dumps(data)

    @classmethod
    def from_json(cls, raw: str | bytes) -> InboundRequest:
        data = json.loads(raw)
        data["received_at"] = dt.datetime.fromisoformat(data["received_at"])
        return cls(**data)


def request_key(channel: str, ts: str) -> str:
    """Also a valid RQ job id fragment: letters, digits, '-' and '_' only."""
    return f"{channel}-{ts.replace('.', '_')}"


class Inbox:
    def __init__(self, connection: Redis, *, clock: Callable[[], dt.datetime], ttl_days: int = 14) -> None:
        self.connection = connection
        self.clock = clock
        self.ttl_seconds = ttl_days * 86400
        self._record = connection.register_script(_RECORD)

    @staticmethod
    def _key(key: str) -> str:
        return keys.inbox_record(key)

    def record(self, request: InboundRequest) -> bool:
        """Store ``request`` once; False if this message was already recorded (a redelivery or a twin event)."""
        recorded = self._record(
            keys=[self._key(request.key), _PENDING],
            args=[request.to_json(), self.ttl_seconds, request.received_at.timestamp(), request.key],
        )
        return bool(recorded)

    def get(self, key: str) -> InboundRequest | None:
        raw = self.connection.get(self._key(key))
        return None if raw is None else InboundRequest.from_json(raw)

    def complete(self, key: str, outcome: str) -> None:
        """The request has been answered (a card, a question or a refusal); it will not be re-run."""
        pipe = self.connection.pipeline(transaction=True)
        pipe.zrem(_PENDING, key)
        pipe.set(keys.inbox_done(key), outcome, ex=self.ttl_seconds)
        pipe.execute()

    def set_aside(self, key: str) -> None:
        """Stop treating ``key`` as pending without answering it: its record expired, or its intake was parked
        (approvals.flow.parking) and waits for an admin; ``take_back`` makes it pending again."""
        self.connection.zrem(_PENDING, key)

    def take_back(self, key: str) -> None:
        """A set-aside request is pending again (an admin's retry), as if it had just arrived."""
        self.connection.zadd(_PENDING, {key: self.clock().timestamp()})

    def outcome(self, key: str) -> str | None:
        raw = self.connection.get(keys.inbox_done(key))
        return raw.decode() if raw is not None else None

    def pending_older_than(self, seconds: float) -> list[str]:
        cutoff = self.clock().timestamp() - seconds
        return [k.decode() for k in self.connection.zrangebyscore(_PENDING, "-inf", cutoff)]
