"""The Web API plumbing: one registry of methods and one aiohttp handler for ``/api/{method}``.

Adding a Slack method is one decorated function in ``sandbox.slack.methods``::

    @method("chat.getPermalink", token="bot")
    def chat_get_permalink(ws: Workspace, args: Args, ctx: Call) -> dict:
        ...
        return {"channel": channel, "permalink": url}      # "ok": true is added for you

A method raises ``SlackError("channel_not_found")`` to refuse. The handler does everything else the way Slack does:
it reads JSON, form, multipart or GET query arguments (JSON-valued form fields such as ``blocks`` stay strings until
``content.decode_json`` decodes them), takes the token from ``Authorization: Bearer`` or a ``token`` argument,
ignores the ``team_id`` Bolt adds, answers HTTP 200 ``{"ok": false, "error": ...}`` for every refusal
(``not_authed``, ``invalid_auth``, ``not_allowed_token_type``, ``unknown_method``, the method's own errors) and
publishes the events a method emitted only after its change is stored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web

from sandbox.slack.workspace import SlackError, Workspace

if TYPE_CHECKING:
    from sandbox.slack import SlackEmulator

logger = logging.getLogger(__name__)

TokenKind = Literal["bot", "app"]
MethodFn = Callable[[Workspace, "Args", "Call"], dict[str, Any]]

# The bot scopes of the Followthrough manifest, sent in the x-oauth-scopes header as Slack does.
BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "channels:read",
    "chat:write",
    "commands",
    "groups:history",
    "im:history",
    "im:read",
    "im:write",
    "reactions:read",
    "reactions:write",
    "usergroups:read",
    "users:read",
    "users:read.email",
)
APP_SCOPES = ("connections:write",)


@dataclass(frozen=True)
class Method:
    name: str
    token: TokenKind
    fn: MethodFn


METHODS: dict[str, Method] = {}


def method(name: str, *, token: TokenKind = "bot") -> Callable[[MethodFn], MethodFn]:
    """Register ``fn`` as Web API method ``name``, callable with a ``token`` of that kind only."""

    def register(fn: MethodFn) -> MethodFn:
        if name in METHODS:
            raise ValueError(f"Slack method {name!r} is registered twice")
        METHODS[name] = Method(name=name, token=token, fn=fn)
        return fn

    return register


class Args:
    """A method's arguments, whatever the encoding; typed getters raise Slack's errors."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __contains__(self, name: str) -> bool:
        return name in self._values and self._values[name] not in (None, "")

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def raw(self, name: str) -> Any:
        return self._values.get(name)

    def str(self, name: str, *, missing: str = "invalid_arguments") -> str:
        """A required string; ``missing`` is the Slack error when it is absent or empty."""
        value = self._values.get(name)
        if value is None or value == "":
            raise SlackError(missing, detail=f"argument {name!r} is required")
        return str(value)

    def opt_str(self, name: str, default: str | None = None) -> str | None:
        value = self._values.get(name)
        return default if value is None or value == "" else str(value)

    def bool(self, name: str, default: bool = False) -> bool:
        value = self._values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("1", "true", "yes")

    def int(self, name: str, default: int) -> int:
        value = self._values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SlackError("invalid_arguments", detail=f"{name}={value!r} is not an integer") from None


@dataclass
class Call:
    """What a method may use besides the workspace: the emulator's services and an outbox of events."""

    emulator: SlackEmulator
    token_kind: TokenKind
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return self.emulator.base_url

    @property
    def subscriptions(self) -> frozenset[str]:
        return self.emulator.subscriptions

    def emit(self, events: list[dict[str, Any]]) -> None:
        """Queue inner events; they are delivered once the method has returned successfully."""
        self.events.extend(events)


def error_body(error: str, *, messages: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error": error}
    if messages:
        body["response_metadata"] = {"messages": messages}
    return body


def slack_json(body: dict[str, Any], *, status: int = 200, scopes: tuple[str, ...] = ()) -> web.Response:
    headers = {"x-oauth-scopes": ",".join(scopes)} if scopes else None
    return web.Response(text=json.dumps(body), status=status, content_type="application/json", headers=headers)


async def read_args(request: web.Request) -> dict[str, Any]:
    """Arguments from the query string and the body, however the client encoded them."""
    values: dict[str, Any] = dict(request.query)
    if request.method == "GET" or not request.body_exists:
        return values
    ctype = request.content_type
    if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            values[key] = value if isinstance(value, str) else getattr(value, "filename", "")
        return values
    raw = await request.read()
    if not raw.strip():  # the sync WebClient sends an empty body with a JSON content type
        return values
    try:
        body = json.loads(raw)
    except ValueError:
        raise SlackError("invalid_json", detail="the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise SlackError("invalid_json", detail="the body must be a JSON object")
    values.update(body)
    return values


def bearer_token(request: web.Request, args: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    token = args.get("token")
    return str(token) if token else None


def add_routes(app: web.Application, emulator: SlackEmulator) -> None:
    """Serve ``/api/{method}`` for every registered method (GET and POST, like Slack)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        name = request.match_info["method"]
        try:
            values = await read_args(request)
        except SlackError as exc:
            return slack_json(error_body(exc.error))
        token = bearer_token(request, values)
        values.pop("token", None)
        values.pop("team_id", None)  # Bolt adds its context team to every call; Slack ignores it
        entry = METHODS.get(name)
        kind = emulator.token_kind(token)
        if token is None:
            return slack_json(error_body("not_authed"))
        if kind is None:
            return slack_json(error_body("invalid_auth"))
        scopes = BOT_SCOPES if kind == "bot" else APP_SCOPES
        if entry is None:
            return slack_json(error_body("unknown_method"), scopes=scopes)
        if entry.token != kind:
            return slack_json(error_body("not_allowed_token_type"), scopes=scopes)
        call = Call(emulator=emulator, token_kind=kind)
        try:
            with emulator.workspace.changed:
                result = entry.fn(emulator.workspace, Args(values), call)
        except SlackError as exc:
            logger.debug("slack emulator: %s refused: %s", name, exc)
            return slack_json(error_body(exc.error, messages=exc.messages), scopes=scopes)
        except Exception:  # the edge of the emulator: a bug here must look like a Slack failure, not hang a test
            logger.exception("slack emulator: %s failed; answering fatal_error", name)
            return slack_json(error_body("fatal_error"), status=500, scopes=scopes)
        emulator.publish(call.events)
        return slack_json({"ok": True, **result}, scopes=scopes)

    app.router.add_route("*", "/api/{method}", handle)
