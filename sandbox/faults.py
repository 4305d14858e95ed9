"""Fault injection and request recording shared by every emulator.

A ``Fault`` says which requests it hits (HTTP method and a regex searched in the path) and what happens to them:

- ``before``: answer with the error without executing the request (a rejected call: safe to repeat);
- ``after``: execute the request, then answer with the error (the change happened but the client is told it failed);
- ``drop``: execute the request, then cut the connection with no response (the ambiguous case);
- ``delay``: wait ``delay`` seconds, then execute normally (latency).

``before`` / ``after`` / ``drop`` may also carry a ``delay`` spent before the response (a window in which tests can
kill a client mid-call). A fault fires ``count`` times (``None``: until cleared), on each matching request with
``probability`` (1.0: every one; 0.05: one in twenty, at random, as a flaky service does); a request it passes over
may be taken by the next matching fault. ``body_matches`` (a regex searched in the request's body, as JSON) narrows
it to some calls of one method: the ``chat.postMessage`` of a result, not that of a card. The error body comes from the
emulator that owns the injector, so a 429 from the Jira emulator looks like Jira's and one from Slack like Slack's.

``RequestLog`` records every request an emulator served (control endpoints excluded) so tests can assert on the
exact calls the real client libraries made.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from aiohttp import web

FaultMode = Literal["before", "after", "drop", "delay"]
ErrorResponder = Callable[[int, "Fault"], web.StreamResponse]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CONTROL_PREFIX = "/_sandbox/"


@dataclass
class Fault:
    """One injected failure; see the module docstring for the modes."""

    path: str
    method: str | None = None
    status: int = 503
    mode: FaultMode = "before"
    count: int | None = 1
    retry_after: int | None = None
    delay: float = 0.0
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    probability: float = 1.0
    body_matches: str | None = None
    fired: int = 0

    def __post_init__(self) -> None:
        if self.mode not in ("before", "after", "drop", "delay"):
            raise ValueError(f"unknown fault mode {self.mode!r}: use before, after, drop or delay")
        if not 0.0 < self.probability <= 1.0:
            raise ValueError(f"probability must be in (0, 1], got {self.probability!r}")
        re.compile(self.path)
        if self.body_matches is not None:
            re.compile(self.body_matches)

    def matches(self, method: str, path: str, body: Any = None) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if re.search(self.path, path) is None:
            return False
        if self.body_matches is None:
            return True
        text = body if isinstance(body, str) else json.dumps(body, default=str)
        return re.search(self.body_matches, text) is not None

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int
    at: float
    duration: float = 0.0
    """Seconds the emulator spent on it, from arrival to response (injected delays included)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class RequestLog:
    """Thread-safe record of the requests an emulator served, in arrival order.

    ``clear`` starts a new generation: a request that arrived before it (a slow handler finishing after a test's
    reset) is dropped instead of appearing in the next test's log.
    """

    def __init__(self) -> None:
        self._entries: list[RecordedRequest] = []
        self._cond = threading.Condition()
        self.generation = 0

    def add(self, entry: RecordedRequest, *, generation: int | None = None) -> None:
        with self._cond:
            if generation is not None and generation != self.generation:
                return
            self._entries.append(entry)
            self._cond.notify_all()

    def entries(self, *, path: str | None = None, method: str | None = None) -> list[RecordedRequest]:
        with self._cond:
            items = list(self._entries)
        return [
            e
            for e in items
            if (path is None or re.search(path, e.path)) and (method is None or e.method == method.upper())
        ]

    def count(self, *, path: str | None = None, method: str | None = None) -> int:
        return len(self.entries(path=path, method=method))

    def wait_for(self, predicate: Callable[[RecordedRequest], bool], *, timeout: float = 5.0) -> RecordedRequest:
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                for entry in self._entries[seen:]:
                    if predicate(entry):
                        return entry
                seen = len(self._entries)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no matching request within {timeout} s")
                self._cond.wait(remaining)

    def clear(self) -> None:
        with self._cond:
            self._entries.clear()
            self.generation += 1


class FaultInjector:
    """Holds the active faults of one emulator and applies them through an aiohttp middleware."""

    def __init__(self, error_response: ErrorResponder, *, rng: random.Random | None = None) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._error_response = error_response
        self.rng = rng or random.Random()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if not f.exhausted]

    def take(self, method: str, path: str, body: Any = None) -> Fault | None:
        """Return the first live fault matching the request and count it as fired."""
        with self._lock:
            for fault in self._faults:
                if not fault.exhausted and fault.matches(method, path, body):
                    if fault.probability < 1.0 and self.rng.random() >= fault.probability:
                        continue
                    fault.fired += 1
                    return fault
        return None

    def error_for(self, fault: Fault) -> web.StreamResponse:
        response = self._error_response(fault.status, fault)
        if fault.retry_after is not None:
            response.headers["Retry-After"] = str(int(fault.retry_after))
        for name, value in fault.headers.items():
            response.headers[name] = value
        return response


def json_response(body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type="application/json", headers=headers)


async def _read_body(request: web.Request) -> Any:
    if not request.body_exists:
        return None
    raw = await request.read()
    if not raw:
        return None
    ctype = request.content_type
    if ctype == "application/json":
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")
    if ctype == "application/x-www-form-urlencoded":
        return dict((await request.post()).items())
    return raw.decode("utf-8", "replace")


def _drop_connection(request: web.Request) -> web.StreamResponse:
    transport = request.transport
    if transport is not None:
        transport.abort()
    # The handler's work is done; the client sees the connection reset with no response.
    raise asyncio.CancelledError


def instrument(
    app: web.Application,
    injector: FaultInjector,
    log: RequestLog,
    *,
    reset: Callable[[], None] | None = None,
) -> None:
    """Install fault injection, request recording and the ``/_sandbox/`` control routes on ``app``.

    Control routes (JSON): ``GET /_sandbox/requests``, ``POST /_sandbox/faults`` (a Fault as JSON),
    ``GET /_sandbox/faults``, ``DELETE /_sandbox/faults``, ``POST /_sandbox/reset``.
    """

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        generation = log.generation
        arrived = time.perf_counter()
        body = await _read_body(request)
        fault = injector.take(request.method, request.path, body)
        status = 0
        try:
            if fault is not None and fault.mode == "before":
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                response = injector.error_for(fault)
            else:
                if fault is not None and fault.mode == "delay":
                    await asyncio.sleep(fault.delay)
                response = await handler(request)
                if fault is not None and fault.mode in ("after", "drop"):
                    if fault.delay:
                        await asyncio.sleep(fault.delay)
                    if fault.mode == "drop":
                        status = -1
                        return _drop_connection(request)
                    response = injector.error_for(fault)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            log.add(
                RecordedRequest(
                    method=request.method,
                    path=request.path,
                    query={k: request.query.getall(k) for k in request.query},
                    headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
                    body=body,
                    status=status,
                    at=time.time(),
                    duration=time.perf_counter() - arrived,
                ),
                generation=generation,
            )

    app.middlewares.append(middleware)

    async def get_requests(request: web.Request) -> web.Response:
        path = request.query.get("path")
        return json_response([e.to_dict() for e in log.entries(path=path)])

    async def get_faults(request: web.Request) -> web.Response:
        return json_response([f.to_dict() for f in injector.active()])

    async def post_fault(request: web.Request) -> web.Response:
        try:
            spec = await request.json()
            fault = injector.add(Fault(**{k: v for k, v in spec.items() if k != "fired"}))
        except (TypeError, ValueError, re.error) as exc:
            return json_response({"error": f"invalid fault: {exc}"}, status=400)
        return json_response(fault.to_dict(), status=201)

    async def delete_faults(request: web.Request) -> web.Response:
        injector.clear()
        return json_response({"ok": True})

    async def post_reset(request: web.Request) -> web.Response:
        injector.clear()
        log.clear()
        if reset is not None:
            reset()
        return json_response({"ok": True})

    app.router.add_get(CONTROL_PREFIX + "requests", get_requests)
    app.router.add_get(CONTROL_PREFIX + "faults", get_faults)
    app.router.add_post(CONTROL_PREFIX + "faults", post_fault)
    app.router.add_delete(CONTROL_PREFIX + "faults", delete_faults)
    app.router.add_post(CONTROL_PREFIX + "reset", post_reset)
