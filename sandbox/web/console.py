"""The sandbox you can click: a Slack-like page over the emulators, served on 127.0.0.1.

The page (``static/``: hand-written HTML, CSS and JavaScript; no build step, nothing from a CDN) shows the workspace
as one of the seed's people sees it, with the Jira and Salesforce records beside it. Invariants:

- the page acts only through the Slack driver, so the app receives exactly the Socket Mode events and
  interactions a Slack client would cause, and a click on something that is not in a stored message is refused;
- what it reads is filtered for the person it acts as (their conversations, their ephemerals, their modals);
- it reads the other emulators in-process through their Python APIs, so it needs no tokens and no CORS;
- it listens on 127.0.0.1 only, whatever host the emulators use, and refuses requests whose ``Host`` is not a
  loopback name (a DNS-rebinding page cannot drive it); actions must be JSON, which a cross-site form cannot send.

Routes (JSON; an error is ``{"error": "<what is wrong>"}`` with a 4xx status)::

    GET  /                                   the page
    GET  /api/world                          people, channels, the app's commands and shortcuts
    GET  /api/snapshot?as=U&channel=C&thread=TS
                                             the person's conversations, one conversation, one thread, modals
    GET  /api/changes?slack=N&jira=M&salesforce=K&timeout=S
                                             long poll: the three change counters, once one differs
    GET  /api/jira                           issues, newest first (each with the statuses it can move to)
    GET  /api/salesforce                     opportunities and tasks (and the stages and statuses they can take)
    POST /api/jira/transition     {as, key, status}              a person moves an issue in "Jira"
    POST /api/salesforce/update   {as, object, id, fields}       a person edits a record in "Salesforce"
    POST /api/messages   {as, channel, text, thread_ts?}
    POST /api/dms        {as, with}                        -> {"channel": id}
    POST /api/reactions  {as, channel, ts, name, remove?}
    POST /api/click      {as, channel, ts, action_id, value?, block_id?}
    POST /api/select     {as, channel, ts, action_id, value, block_id?}
    POST /api/views/{view_id}/{click|select|submit|close}  {as, ...}   (as the driver's view routes)
    POST /api/commands   {as, channel, command, text?}
    POST /api/shortcuts  {as, channel, ts, callback_id}
    POST /api/home       {as}                               (opens the App Home tab: the app gets app_home_opened)
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from sandbox.processes import REPO
from sandbox.salesforce.errors import SalesforceError
from sandbox.slack.driver import DriverError, InteractionResult
from sandbox.slack.workspace import SlackError
from sandbox.web import views

if TYPE_CHECKING:
    from sandbox.harness import Sandbox
    from sandbox.server import ServerThread

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
HOST = "127.0.0.1"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
MAX_POLL_SECONDS = 30.0
POLL_INTERVAL = 0.05

Body = dict[str, Any]
Params = dict[str, str]


class BadRequest(Exception):
    """Input the page should never send; answered with 400 and the message."""


def _text(body: Body, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise BadRequest(f"field {name!r} must be a non-empty string")
    return value


def _optional_text(body: Body, name: str) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRequest(f"field {name!r} must be a string")
    return value


class WebConsole:
    """Serves the page for ``sandbox`` on a free port of 127.0.0.1 (``url`` once started)."""

    def __init__(self, sandbox: Sandbox, *, manifest: Path | None = REPO / "manifest.yml") -> None:
        self.sandbox = sandbox
        self.features = views.app_features(manifest if manifest is not None and manifest.exists() else None)
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._server: ServerThread | None = None
        self._pool: ThreadPoolExecutor | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self, server: ServerThread, *, port: int = 0) -> str:
        """Listen on ``127.0.0.1:port`` (0: a free one) on the sandbox's loop; returns the page's URL."""
        self._server = server
        self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="sandbox-page")
        bound = server.call(self._listen(port))
        self.url = f"http://{HOST}:{bound}/"
        return self.url

    async def _listen(self, port: int) -> int:
        runner = web.AppRunner(self.build_app(), access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, HOST, port, reuse_address=True)
        await site.start()
        self._runner = runner
        sockets = site._server.sockets if site._server is not None else ()  # the only way to learn port 0's pick
        assert sockets, "the page's site started without a socket"
        return int(sockets[0].getsockname()[1])

    def stop(self) -> None:
        if self._runner is not None and self._server is not None:
            try:
                self._server.call(self._runner.cleanup(), timeout=10)
            except Exception:
                logger.exception("sandbox page: error while stopping")
            self._runner = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self.url = ""

    # ------------------------------------------------------------------ the application

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[_loopback_only], client_max_size=1024 * 1024)
        r = app.router
        r.add_get("/", self._index)
        r.add_static("/static/", STATIC, append_version=False)
        r.add_get("/api/world", self._endpoint(self.world))
        r.add_get("/api/snapshot", self._endpoint(self.snapshot))
        r.add_get("/api/changes", self._changes)
        r.add_get("/api/jira", self._endpoint(self.jira))
        r.add_get("/api/salesforce", self._endpoint(self.salesforce))
        r.add_post("/api/jira/transition", self._endpoint(self.move_issue))
        r.add_post("/api/salesforce/update", self._endpoint(self.edit_record))
        r.add_post("/api/messages", self._endpoint(self.post_message, status=201))
        r.add_post("/api/dms", self._endpoint(self.open_dm))
        r.add_post("/api/reactions", self._endpoint(self.react))
        r.add_post("/api/click", self._endpoint(self.click))
        r.add_post("/api/select", self._endpoint(self.select))
        r.add_post("/api/views/{view_id}/{verb}", self._endpoint(self.view_action))
        r.add_post("/api/commands", self._endpoint(self.command))
        r.add_post("/api/shortcuts", self._endpoint(self.shortcut))
        r.add_post("/api/home", self._endpoint(self.open_home))
        return app

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    def _endpoint(
        self, action: Callable[[Body, Params], Any], *, status: int = 200
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        """Run ``action`` on a worker thread (driver calls wait for the app's ack) and answer with JSON."""

        async def handle(request: web.Request) -> web.Response:
            body: Body = {}
            if request.method == "POST":
                if request.content_type != "application/json":
                    return _error("send the body as application/json", 415)
                try:
                    parsed = await request.json()
                except ValueError:
                    return _error("the body must be JSON", 400)
                if not isinstance(parsed, dict):
                    return _error("the body must be a JSON object", 400)
                body = parsed
            params: Params = {**request.query, **request.match_info}
            if self._pool is None:
                return _error("the sandbox page is stopping", 503)
            try:
                result = await asyncio.get_running_loop().run_in_executor(self._pool, action, body, params)
            except DriverError as exc:
                return _error(str(exc), exc.status)
            except (BadRequest, SlackError) as exc:
                return _error(str(exc), 400)
            except KeyError as exc:
                return _error(str(exc.args[0]) if exc.args else "not found", 404)
            except TimeoutError as exc:
                return _error(str(exc) or "timed out", 408)
            if isinstance(result, InteractionResult):
                result = result.to_dict()
            return web.json_response(result, status=status, headers={"Cache-Control": "no-store"})

        return handle

    # ------------------------------------------------------------------ reads

    def _person(self, params: Params | Body, key: str = "as") -> str:
        ref = params.get(key)
        if not isinstance(ref, str) or not ref:
            raise BadRequest(f"say who you are acting as: {key}=<person>")
        uid = self.sandbox.slack.driver.user_id(ref)
        if uid == self.sandbox.slack.workspace.bot_user_id:
            raise BadRequest("the page acts as people; the app speaks for itself")
        return uid

    def world(self, body: Body, params: Params) -> dict[str, Any]:
        sb = self.sandbox
        with sb.slack.workspace.changed:
            return views.world(
                sb.seed,
                sb.slack.workspace,
                features=self.features,
                jira_url=sb.jira.base_url,
                slack_url=sb.slack.base_url,
            )

    def snapshot(self, body: Body, params: Params) -> dict[str, Any]:
        """One person's view: their conversations, the open one (messages + their ephemerals), the open thread,
        their modal stack. Read under the workspace lock, so all parts belong to the same ``seq``."""
        uid = self._person(params)
        driver = self.sandbox.slack.driver
        ws = driver.ws
        with ws.changed:
            result: dict[str, Any] = {
                "seq": ws.seq,
                "me": uid,
                "conversations": views.conversations_for(ws, uid),
                "channel": None,
                "thread": None,
                "views": driver.open_views(uid),
                "home": driver.home_view(uid) if self.features["home_tab"] else None,
            }
            channel = params.get("channel")
            if not channel:
                return result
            cid = driver.channel_id(channel)
            if uid not in ws.conversation(cid).members:
                raise DriverError(f"{ws.display_name(uid)} is not a member of {cid}", status=403)
            in_channel, in_threads = views.split_ephemerals(ws, uid, cid)
            result["channel"] = {"id": cid, "messages": driver.channel_messages(cid), "ephemerals": in_channel}
            thread = params.get("thread")
            if thread:
                try:
                    messages = driver.thread(cid, thread)
                except DriverError as exc:
                    result["thread"] = {"ts": thread, "messages": [], "ephemerals": [], "error": str(exc)}
                else:
                    root = messages[0]["ts"]
                    result["thread"] = {"ts": root, "messages": messages, "ephemerals": in_threads.get(root, [])}
            return result

    def jira(self, body: Body, params: Params) -> dict[str, Any]:
        jira = self.sandbox.jira
        seq, moves = jira.seq, jira.moves()
        issues = views.jira_issues(jira.issues(), site=jira.base_url, moves=moves)
        return {"seq": seq, "site": jira.base_url, "issues": issues}

    def salesforce(self, body: Body, params: Params) -> dict[str, Any]:
        sf = self.sandbox.salesforce
        return {"seq": sf.seq, **views.salesforce_records(sf)}

    def seqs(self) -> dict[str, int]:
        sb = self.sandbox
        return {"slack": sb.slack.workspace.seq, "jira": sb.jira.seq, "salesforce": sb.salesforce.seq}

    async def _changes(self, request: web.Request) -> web.Response:
        """Answer once a counter differs from what the page saw (a reset makes Slack's go back), or at timeout.

        Reading three integers every 50 ms is cheaper than a thread per waiting page, and 50 ms is below what a
        person notices."""
        try:
            seen = {name: int(request.query.get(name, "-1")) for name in ("slack", "jira", "salesforce")}
            timeout = min(max(float(request.query.get("timeout", "0")), 0.0), MAX_POLL_SECONDS)
        except ValueError:
            return _error("slack, jira and salesforce must be integers and timeout a number of seconds", 400)
        deadline = time.monotonic() + timeout
        while True:
            now = self.seqs()
            if now != seen or time.monotonic() >= deadline:
                return web.json_response(now, headers={"Cache-Control": "no-store"})
            await asyncio.sleep(POLL_INTERVAL)

    # ------------------------------------------------------------------ people working in Jira and Salesforce

    def move_issue(self, body: Body, params: Params) -> dict[str, Any]:
        """A person moves an issue along its workflow, as in Jira's status menu: the app is not involved, it only
        sees the change when it reads Jira (a follow-up met)."""
        self._person(body)
        try:
            issue = self.sandbox.jira.transition_issue(_text(body, "key"), _text(body, "status"))
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        return {"key": issue["key"], "status": issue["fields"]["status"]["name"]}

    def edit_record(self, body: Body, params: Params) -> dict[str, Any]:
        """A person changes a Salesforce record (a stage, a task's status) and is its last modifier."""
        uid = self._person(body)
        fields = body.get("fields")
        if not isinstance(fields, dict) or not fields:
            raise BadRequest('\'fields\' must be an object of the fields to change, like {"StageName": "Closed Won"}')
        name = self.sandbox.seed.person_by_slack_id(uid).name
        try:
            record = self.sandbox.salesforce.update_record(_text(body, "object"), _text(body, "id"), fields, by=name)
        except SalesforceError as exc:
            raise BadRequest(_salesforce_message(exc)) from None
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        return {"id": record["Id"], **{k: record.get(k) for k in fields}}

    # ------------------------------------------------------------------ actions (all through the driver)

    def post_message(self, body: Body, params: Params) -> dict[str, Any]:
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise BadRequest("write something first")
        # A Slack client escapes what was typed before it turns @names into mentions: "<b>" arrives as
        # "&lt;b&gt;", never as markup.
        typed = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return self.sandbox.slack.driver.post_message(
            self._person(body), _text(body, "channel"), typed, thread_ts=_optional_text(body, "thread_ts")
        )

    def open_dm(self, body: Body, params: Params) -> dict[str, Any]:
        return {"channel": self.sandbox.slack.driver.open_dm(self._person(body), _text(body, "with"))}

    def react(self, body: Body, params: Params) -> dict[str, Any]:
        driver = self.sandbox.slack.driver
        change = driver.remove_reaction if body.get("remove") else driver.add_reaction
        return change(self._person(body), _text(body, "channel"), _text(body, "ts"), _text(body, "name"))

    def click(self, body: Body, params: Params) -> InteractionResult:
        return self.sandbox.slack.driver.click(
            self._person(body),
            _text(body, "channel"),
            _text(body, "ts"),
            _text(body, "action_id"),
            value=_optional_text(body, "value"),
            block_id=_optional_text(body, "block_id"),
        )

    def select(self, body: Body, params: Params) -> InteractionResult:
        if "value" not in body:
            raise BadRequest("field 'value' is missing")
        return self.sandbox.slack.driver.select(
            self._person(body),
            _text(body, "channel"),
            _text(body, "ts"),
            _text(body, "action_id"),
            body["value"],
            block_id=_optional_text(body, "block_id"),
        )

    def view_action(self, body: Body, params: Params) -> InteractionResult:
        driver = self.sandbox.slack.driver
        user, view_id, verb = self._person(body), params["view_id"], params["verb"]
        if verb == "click":
            return driver.click_in_view(
                user,
                view_id,
                _text(body, "action_id"),
                value=_optional_text(body, "value"),
                block_id=_optional_text(body, "block_id"),
            )
        if verb == "select":
            if "value" not in body:
                raise BadRequest("field 'value' is missing")
            return driver.select_in_view(
                user, view_id, _text(body, "action_id"), body["value"], block_id=_optional_text(body, "block_id")
            )
        if verb == "submit":
            values = body.get("values") or {}
            if not isinstance(values, dict):
                raise BadRequest("'values' must be an object {block_id: {action_id: value}}")
            return driver.submit_view(user, view_id, values)
        if verb == "close":
            return driver.close_view(user, view_id, all_views=bool(body.get("all")))
        raise BadRequest(f"unknown view action {verb!r}: use click, select, submit or close")

    def command(self, body: Body, params: Params) -> InteractionResult:
        command = _text(body, "command")
        known = [c["command"] for c in self.features["commands"]]
        if command not in known:
            offered = ", ".join(known) or "none"
            raise BadRequest(f"{command} is not a valid command (this app offers: {offered})")
        text = body.get("text", "")
        if not isinstance(text, str):
            raise BadRequest("field 'text' must be a string")
        return self.sandbox.slack.driver.slash_command(self._person(body), _text(body, "channel"), command, text)

    def open_home(self, body: Body, params: Params) -> dict[str, Any]:
        if not self.features["home_tab"]:
            raise BadRequest("the app's manifest does not enable the App Home tab (features.app_home)")
        return {"view": self.sandbox.slack.driver.open_app_home(self._person(body))}

    def shortcut(self, body: Body, params: Params) -> InteractionResult:
        return self.sandbox.slack.driver.message_shortcut(
            self._person(body), _text(body, "channel"), _text(body, "ts"), _text(body, "callback_id")
        )


@web.middleware
async def _loopback_only(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    host = (request.host or "").lower()
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if name not in LOOPBACK_NAMES:
        return _error(f"the sandbox page answers on 127.0.0.1 or localhost only, not {request.host!r}", 403)
    return await handler(request)


def _salesforce_message(exc: SalesforceError) -> str:
    """What Salesforce's page would say about a refused change (its error array's messages)."""
    entries = exc.body if isinstance(exc.body, list) else [exc.body]
    return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in entries)


def _error(message: str, status: int) -> web.Response:
    return web.Response(text=json.dumps({"error": message}), status=status, content_type="application/json")
