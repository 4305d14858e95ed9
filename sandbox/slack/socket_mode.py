"""Socket Mode: connection tickets, the ``/link`` WebSocket and delivery of envelopes with ack tracking.

Invariants, as Slack keeps them (reference sections 1.4 and reliability 1.1-1.2):

- a ticket from ``apps.connections.open`` opens one connection, within ``TICKET_TTL`` seconds;
- every envelope goes to exactly one live connection (round-robin over the connections not draining); while none
  is live, envelopes wait in a queue and go out when one connects;
- a connection that was sent ``disconnect`` is draining: it gets no new envelope, its acks still count;
- an ``events_api`` envelope not acked within ``ack_timeout`` is sent again as a new envelope (same ``event_id``)
  with ``retry_attempt + 1`` and ``retry_reason: "timeout"``, at most ``max_retries`` times; ``interactive`` and
  ``slash_commands`` envelopes are never sent again: the caller of ``request()`` learns that nobody answered;
- no envelope above ``MAX_ENVELOPE_BYTES`` is ever sent (the builtin client cannot read much bigger frames).

Frames are unmasked, unfragmented, uncompressed text frames; aiohttp answers pings. Network work happens on the
sandbox loop; the bookkeeping is guarded by one lock so other threads can read it and wait on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import WSMsgType, web

logger = logging.getLogger(__name__)

EnvelopeType = Literal["events_api", "interactive", "slash_commands"]
DeliveryStatus = Literal["pending", "sent", "acked", "timed_out", "undelivered", "cancelled"]

MAX_ENVELOPE_BYTES = 200_000
MAX_CONNECTIONS = 10
TICKET_TTL = 60.0
DEFAULT_ACK_TIMEOUT = 3.0
DEFAULT_MAX_RETRIES = 3
_HOST = "applink-sandbox-1"


class EnvelopeTooLarge(ValueError):
    """An envelope the builtin Socket Mode client could not read; shrink the payload."""


@dataclass(eq=False)  # identity: two deliveries are never "the same" envelope
class Delivery:
    """One envelope: created, sent to one connection, then acked, timed out or never delivered."""

    envelope_id: str
    type: EnvelopeType
    payload: dict[str, Any]
    retry_attempt: int = 0
    retry_reason: str = ""
    status: DeliveryStatus = "pending"
    connection: int | None = None
    created_at: float = field(default_factory=time.time)
    sent_at: float | None = None
    acked_at: float | None = None
    ack_payload: dict[str, Any] | None = None
    late_ack: bool = False
    future: asyncio.Future[Delivery] | None = field(default=None, repr=False)
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "envelope_id": self.envelope_id,
            "type": self.type,
            "accepts_response_payload": self.accepts_response_payload,
            "payload": self.payload,
        }
        if self.type == "events_api":
            body["retry_attempt"] = self.retry_attempt
            body["retry_reason"] = self.retry_reason
        return body

    @property
    def accepts_response_payload(self) -> bool:
        return self.type == "slash_commands" or self.payload.get("type") in ("view_submission", "block_suggestion")

    @property
    def acked(self) -> bool:
        return self.status == "acked"

    @property
    def payload_type(self) -> str:
        """``app_mention`` for an event, ``block_actions`` for an interaction, the command for a command."""
        if self.type == "events_api":
            return str(self.payload.get("event", {}).get("type", ""))
        if self.type == "slash_commands":
            return str(self.payload.get("command", ""))
        return str(self.payload.get("type", ""))

    def to_dict(self) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "envelope_id": self.envelope_id,
            "type": self.type,
            "payload_type": self.payload_type,
            "retry_attempt": self.retry_attempt,
            "retry_reason": self.retry_reason,
            "status": self.status,
            "connection": self.connection,
            "created_at": self.created_at,
            "sent_at": self.sent_at,
            "acked_at": self.acked_at,
            "ack_payload": self.ack_payload,
            "late_ack": self.late_ack,
        }
        if self.type == "events_api":
            summary["event_id"] = self.payload.get("event_id")
            summary["event_subtype"] = self.payload.get("event", {}).get("subtype")
        return summary


@dataclass(eq=False)
class Connection:
    id: int
    socket: web.WebSocketResponse
    outbox: asyncio.Queue[str | None]
    opened_at: float
    peer_port: int | None = None
    draining: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "opened_at": self.opened_at, "peer_port": self.peer_port, "draining": self.draining}


class SocketModeServer:
    """The Socket Mode side of Slack for one app."""

    def __init__(self, *, app_id: str) -> None:
        self.app_id = app_id
        self._lock = threading.RLock()  # re-entrant: wait_for() checks may call the public readers
        self._cond = threading.Condition(self._lock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ws_base = ""
        self._connections: dict[int, Connection] = {}
        self._tickets: dict[str, float] = {}
        self._next_connection = 0
        self._rr = 0
        self.errors: list[str] = []
        self._reset_state()

    def _reset_state(self) -> None:
        self.ack_timeout = DEFAULT_ACK_TIMEOUT
        self.max_retries = DEFAULT_MAX_RETRIES
        self._pending: deque[Delivery] = deque()
        self._outstanding: dict[str, Delivery] = {}
        self._log: list[Delivery] = []
        self._drop_acks = 0
        self.connections_opened = 0
        self.errors.clear()

    def bind(self, base_url: str, loop: asyncio.AbstractEventLoop) -> None:
        self._ws_base = "ws://" + base_url.split("://", 1)[1]
        self._loop = loop

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/link", self._handle_link)
        app.router.add_get("/link/", self._handle_link)

    # ------------------------------------------------------------------ public, thread-safe

    def open_ticket(self) -> str:
        """A fresh single-use WebSocket URL, as ``apps.connections.open`` returns it (always ``ws://``)."""
        ticket = str(uuid.uuid4())
        with self._lock:
            now = time.monotonic()
            self._tickets = {t: exp for t, exp in self._tickets.items() if exp > now}
            self._tickets[ticket] = now + TICKET_TTL
        return f"{self._ws_base}/link/?ticket={ticket}&app_id={self.app_id}"

    def send_event(self, payload: dict[str, Any]) -> Delivery:
        """Deliver an ``event_callback`` payload; redelivered on a missing ack (see the module docstring)."""
        delivery = self._new_delivery("events_api", payload)
        self._soon(self._route, delivery)
        return delivery

    async def request(self, kind: EnvelopeType, payload: dict[str, Any]) -> Delivery:
        """Send an interactive or slash command envelope and wait up to ``ack_timeout`` for its ack.

        Runs on the loop. The returned delivery's ``status`` says what happened: ``acked`` (see
        ``ack_payload``), ``timed_out`` (sent, never acked) or ``undelivered`` (no live connection in time).
        """
        assert self._loop is not None, "request() before the server was bound"
        delivery = self._new_delivery(kind, payload)
        delivery.future = self._loop.create_future()
        timeout = self.ack_timeout
        self._route(delivery)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(delivery.future), timeout)
        with self._cond:
            if delivery.status == "pending":
                self._pending.remove(delivery)
                delivery.status = "undelivered"
            elif delivery.status == "sent":
                self._outstanding.pop(delivery.envelope_id, None)
                delivery.status = "timed_out"
            self._cond.notify_all()
        return delivery

    def disconnect_all(self, reason: str = "refresh_requested") -> int:
        """Send ``disconnect`` to every live connection (they become draining); returns how many."""
        with self._lock:
            targets = [c for c in self._connections.values() if not c.draining]
            for conn in targets:
                conn.draining = True
        message = json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": _HOST}})
        for conn in targets:
            self._soon(conn.outbox.put_nowait, message)
        return len(targets)

    def close_connections(self, *, peer_port: int | None = None) -> int:
        """Close connections from Slack's side with a close frame (all, or the one from client ``peer_port``).

        A fault for tests (the link drops), also used to end a Bolt session quickly. Returns how many.
        """
        with self._lock:
            targets = [c for c in self._connections.values() if peer_port is None or c.peer_port == peer_port]
        if self._loop is not None:
            for conn in targets:
                if self._on_loop():
                    self._loop.create_task(conn.socket.close())
                else:
                    asyncio.run_coroutine_threadsafe(conn.socket.close(), self._loop)
        return len(targets)

    def drop_acks(self, count: int) -> None:
        """Ignore the next ``count`` acks, as if they were lost on the way (forces redelivery of events)."""
        with self._lock:
            self._drop_acks += count

    def connection_count(self) -> int:
        """Open connections that still get envelopes (draining ones excluded)."""
        with self._lock:
            return sum(1 for c in self._connections.values() if not c.draining)

    def connections(self) -> list[dict[str, Any]]:
        with self._lock:
            return [c.to_dict() for c in self._connections.values()]

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._log)

    def wait_for(self, check: Callable[[], Any], *, timeout: float) -> Any:
        """Wait until ``check()`` (called under the lock after every delivery change) is truthy."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = check()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"socket mode condition not met within {timeout} s")
                self._cond.wait(remaining)

    def wait_for_connections(self, count: int = 1, *, timeout: float = 5.0) -> None:
        self.wait_for(lambda: sum(1 for c in self._connections.values() if not c.draining) >= count, timeout=timeout)

    def reset(self) -> None:
        """Forget envelopes, settings and faults; live connections stay open (the app stays connected)."""
        if self._loop is None or self._on_loop():
            self._reset_now()
        else:
            done = threading.Event()

            def run() -> None:
                try:
                    self._reset_now()
                finally:
                    done.set()

            self._loop.call_soon_threadsafe(run)
            done.wait(5.0)

    def _reset_now(self) -> None:
        with self._cond:
            for delivery in [*self._pending, *self._outstanding.values()]:
                if delivery.timer is not None:
                    delivery.timer.cancel()
                delivery.status = "cancelled"
                if delivery.future is not None and not delivery.future.done():
                    delivery.future.set_result(delivery)
            self._reset_state()
            self._cond.notify_all()

    # ------------------------------------------------------------------ delivery (loop thread)

    def _new_delivery(
        self, kind: EnvelopeType, payload: dict[str, Any], *, attempt: int = 0, reason: str = ""
    ) -> Delivery:
        delivery = Delivery(
            envelope_id=str(uuid.uuid4()), type=kind, payload=payload, retry_attempt=attempt, retry_reason=reason
        )
        size = len(json.dumps(delivery.envelope()).encode())
        if size > MAX_ENVELOPE_BYTES:
            raise EnvelopeTooLarge(
                f"a {kind} envelope of {size} bytes exceeds {MAX_ENVELOPE_BYTES}: the builtin Socket Mode client "
                "slows down quadratically and then fails on bigger frames; send less content"
            )
        with self._cond:
            self._log.append(delivery)
            self._cond.notify_all()
        return delivery

    def _soon(self, fn: Callable[..., Any], *args: Any) -> None:
        if self._loop is None or self._on_loop():
            fn(*args)
        else:
            self._loop.call_soon_threadsafe(fn, *args)

    def _on_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def _route(self, delivery: Delivery) -> None:
        with self._cond:
            if delivery.status != "pending":
                return  # cancelled by a reset or expired while waiting
            live = sorted((c for c in self._connections.values() if not c.draining), key=lambda c: c.id)
            if not live:
                if delivery not in self._pending:
                    self._pending.append(delivery)
                return
            conn = live[self._rr % len(live)]
            self._rr += 1
            if delivery in self._pending:
                self._pending.remove(delivery)
            delivery.status = "sent"
            delivery.connection = conn.id
            delivery.sent_at = time.time()
            self._outstanding[delivery.envelope_id] = delivery
            if delivery.type == "events_api" and self._loop is not None:
                delivery.timer = self._loop.call_later(self.ack_timeout, self._on_ack_timeout, delivery.envelope_id)
            self._cond.notify_all()
        conn.outbox.put_nowait(json.dumps(delivery.envelope()))

    def _flush_pending(self) -> None:
        with self._lock:
            waiting = list(self._pending)
        for delivery in waiting:
            self._route(delivery)

    def _on_ack_timeout(self, envelope_id: str) -> None:
        retry: Delivery | None = None
        with self._cond:
            delivery = self._outstanding.pop(envelope_id, None)
            if delivery is None or delivery.status != "sent":
                return
            delivery.status = "timed_out"
            self._cond.notify_all()
            attempt = delivery.retry_attempt + 1
            if attempt > self.max_retries:
                logger.info("socket mode: event %s never acked, giving up", delivery.payload.get("event_id"))
                return
        retry = self._new_delivery("events_api", delivery.payload, attempt=attempt, reason="timeout")
        self._route(retry)

    def _on_ack(self, envelope_id: str, payload: dict[str, Any] | None) -> None:
        with self._cond:
            if self._drop_acks > 0:
                self._drop_acks -= 1
                logger.debug("socket mode: dropped the ack of %s (injected fault)", envelope_id)
                return
            delivery = self._outstanding.pop(envelope_id, None)
            if delivery is None:
                for known in self._log:
                    if known.envelope_id == envelope_id:
                        known.late_ack = True
                self._cond.notify_all()
                return
            if delivery.timer is not None:
                delivery.timer.cancel()
            delivery.status = "acked"
            delivery.acked_at = time.time()
            delivery.ack_payload = payload
            if delivery.future is not None and not delivery.future.done():
                delivery.future.set_result(delivery)
            self._cond.notify_all()

    # ------------------------------------------------------------------ the WebSocket endpoint

    async def _handle_link(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        with self._lock:
            expiry = self._tickets.pop(ticket, None)
        if expiry is None or expiry < time.monotonic():
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        socket = web.WebSocketResponse(autoping=True, compress=False, heartbeat=None)
        await socket.prepare(request)
        with self._cond:
            self._next_connection += 1
            peer = request.transport.get_extra_info("peername") if request.transport else None
            conn = Connection(
                id=self._next_connection,
                socket=socket,
                outbox=asyncio.Queue(),
                opened_at=time.time(),
                peer_port=int(peer[1]) if peer else None,
            )
            live = sum(1 for c in self._connections.values() if not c.draining)
            too_many = live >= MAX_CONNECTIONS
            if not too_many:
                self._connections[conn.id] = conn
                self.connections_opened += 1
            self._cond.notify_all()
        writer = asyncio.create_task(self._write(conn))
        try:
            if too_many:
                conn.outbox.put_nowait(
                    json.dumps({"type": "disconnect", "reason": "too_many_websockets", "debug_info": {"host": _HOST}})
                )
                conn.outbox.put_nowait(None)
                await writer
                await socket.close()
                return socket
            hello = {
                "type": "hello",
                "num_connections": live + 1,
                "debug_info": {"host": _HOST, "build_number": 1, "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id},
            }
            conn.outbox.put_nowait(json.dumps(hello))
            self._flush_pending()
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    self._on_frame(conn, message.data)
                elif message.type == WSMsgType.ERROR:
                    break
        finally:
            with self._cond:
                self._connections.pop(conn.id, None)
                self._cond.notify_all()
            conn.outbox.put_nowait(None)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return socket

    async def _write(self, conn: Connection) -> None:
        while True:
            text = await conn.outbox.get()
            if text is None:
                return
            try:
                await conn.socket.send_str(text)
            except (ConnectionResetError, RuntimeError) as exc:
                logger.debug("socket mode: connection %s lost while sending: %s", conn.id, exc)
                return

    def _on_frame(self, conn: Connection, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            logger.warning("socket mode: connection %s sent a frame that is not JSON: %.200s", conn.id, data)
            return
        if isinstance(message, dict) and isinstance(message.get("envelope_id"), str):
            payload = message.get("payload")
            self._on_ack(message["envelope_id"], payload if isinstance(payload, dict) else None)
