"""The Web API plumbing: one registry of methods and one aiohttp handler for ``/api/{method}``.

Adding a Slack method is one decorated function in ``sandbox.slack.methods``, with the scopes Slack's reference
gives for it::

    @method("users.info", scopes=("users:read",))
    def users_info(ws: Workspace, args: Args, ctx: Call) -> dict:
        ...
        return {"user": user}                               # "ok": true is added for you

Scopes are enforced as Slack enforces them: the bot token holds the scopes of ``manifest.yml``
(``SlackEmulator.bot_scopes``), and a method called without one of its ``scopes`` answers ``missing_scope`` with
``needed`` and ``provided``, before it runs. A method whose scope depends on the conversation (``conversations.history``
needs ``channels:history`` in a public channel, ``groups:history`` in a private one, ``im:history`` / ``mpim:history``
in DMs) declares ``conversation=HISTORY`` (or ``READ``, ``WRITE``); the check runs once the conversation is known
(``Call.check_conversation``, called by ``methods.conversation_for_bot``). Every answer carries ``x-oauth-scopes``
(what the token has) and ``x-accepted-oauth-scopes`` (what the method takes), as Slack's do.

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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web

from sandbox.slack.workspace import ConversationKind, SlackError, Workspace

if TYPE_CHECKING:
    from sandbox.slack import SlackEmulator

logger = logging.getLogger(__name__)

TokenKind = Literal["bot", "app"]
MethodFn = Callable[[Workspace, "Args", "Call"], dict[str, Any]]

APP_SCOPES = frozenset({"connections:write"})


@dataclass(frozen=True)
class ByConversation:
    """One scope per kind of conversation, for the methods whose scope depends on where they act."""

    channel: str
    private: str
    im: str
    mpim: str

    def scope_for(self, kind: ConversationKind) -> str:
        return {"channel": self.channel, "private": self.private, "im": self.im, "mpim": self.mpim}[kind]

    @property
    def every(self) -> tuple[str, ...]:
        return (self.channel, self.private, self.im, self.mpim)


HISTORY = ByConversation("channels:history", "groups:history", "im:history", "mpim:history")
READ = ByConversation("channels:read", "groups:read", "im:read", "mpim:read")
WRITE = ByConversation("channels:manage", "groups:write", "im:write", "mpim:write")


@dataclass(frozen=True)
class Method:
    name: str
    token: TokenKind
    fn: MethodFn
    scopes: tuple[str, ...] = ()  # every one is needed
    conversation: ByConversation | None = None  # the one for the conversation acted on is needed

    @property
    def accepted_scopes(self) -> tuple[str, ...]:
        return self.scopes + (self.conversation.every if self.conversation else ())


METHODS: dict[str, Method] = {}


def method(
    name: str,
    *,
    token: TokenKind = "bot",
    scopes: tuple[str, ...] = (),
    conversation: ByConversation | None = None,
) -> Callable[[MethodFn], MethodFn]:
    """Register ``fn`` as Web API method ``name``, callable with a ``token`` of that kind only, needing every one
    of ``scopes`` and, per conversation, the scope ``conversation`` gives for its kind."""

    def register(fn: MethodFn) -> MethodFn:
        if name in METHODS:
            raise ValueError(f"Slack method {name!r} is registered twice")
        METHODS[name] = Method(name=name, token=token, fn=fn, scopes=scopes, conversation=conversation)
        return fn

    return register


class MissingScope(SlackError):
    """A call the token's scopes do not allow: Slack's ``missing_scope`` with ``needed`` and ``provided``."""

    def __init__(self, needed: str, granted: frozenset[str]) -> None:
        super().__init__("missing_scope", detail=f"the token lacks {needed}")
        self.needed = needed
        self.provided = ",".join(sorted(granted))


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
    granted: frozenset[str] = frozenset()
    entry: Method | None = None

    def require(self, scope: str) -> None:
        """Refuse with ``missing_scope`` unless the token holds ``scope``."""
        if scope not in self.granted:
            raise MissingScope(scope, self.granted)

    def check_conversation(self, kind: ConversationKind) -> None:
        """The scope check of a method whose scope depends on the conversation (a no-op for the others)."""
        if self.entry is not None and self.entry.conversation is not None:
            self.require(self.entry.conversation.scope_for(kind))

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


def slack_json(
    body: dict[str, Any],
    *,
    status: int = 200,
    scopes: Iterable[str] = (),
    accepted: Iterable[str] | None = None,
) -> web.Response:
    headers = {"x-oauth-scopes": ",".join(sorted(scopes))} if scopes else {}
    if accepted is not None:
        headers["x-accepted-oauth-scopes"] = ",".join(accepted)
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
        scopes = emulator.bot_scopes if kind == "bot" else APP_SCOPES
        if entry is None:
            return slack_json(error_body("unknown_method"), scopes=scopes)
        accepted = entry.accepted_scopes
        if entry.token != kind:
            return slack_json(error_body("not_allowed_token_type"), scopes=scopes, accepted=accepted)
        call = Call(emulator=emulator, token_kind=kind, granted=scopes, entry=entry)
        try:
            for scope in entry.scopes:
                call.require(scope)
            with emulator.workspace.changed:
                result = entry.fn(emulator.workspace, Args(values), call)
        except MissingScope as exc:
            logger.info("slack emulator: %s refused: missing_scope %s", name, exc.needed)
            body = error_body("missing_scope") | {"needed": exc.needed, "provided": exc.provided}
            return slack_json(body, scopes=scopes, accepted=accepted)
        except SlackError as exc:
            logger.debug("slack emulator: %s refused: %s", name, exc)
            return slack_json(error_body(exc.error, messages=exc.messages), scopes=scopes, accepted=accepted)
        except Exception:  # the edge of the emulator: a bug here must look like a Slack failure, not hang a test
            logger.exception("slack emulator: %s failed; answering fatal_error", name)
            return slack_json(error_body("fatal_error"), status=500, scopes=scopes, accepted=accepted)
        emulator.publish(call.events)
        return slack_json({"ok": True, **result}, scopes=scopes, accepted=accepted)

    app.router.add_route("*", "/api/{method}", handle)
