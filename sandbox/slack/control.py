"""The driver over HTTP, under ``/_sandbox/slack/``: what the demo page and out-of-process tests call.

JSON in, JSON out. Bad input is a 4xx with ``{"error": "<what is wrong and what would work>"}``; interactions
answer with the ``InteractionResult`` as JSON. People and conversations are named as in the driver (``dana``,
``support`` or ids). Driver calls block while the app acks, so they run on worker threads, never on the loop.

Routes::

    GET  /_sandbox/slack/users                          GET  /_sandbox/slack/channels
    GET  /_sandbox/slack/channels/{channel}/messages    GET  /_sandbox/slack/channels/{channel}/messages/{ts}
    GET  /_sandbox/slack/channels/{channel}/threads/{ts}
    GET  /_sandbox/slack/users/{user}/dm | ephemerals | views | home | notices
    POST /_sandbox/slack/messages      {user, channel, text, thread_ts?, broadcast?}
    POST /_sandbox/slack/reactions     {user, channel, ts, name, remove?}
    POST /_sandbox/slack/dms           {users: [a, b, ...]}      (a DM between people: {"channel": id})
    POST /_sandbox/slack/click         {user, channel, ts, action_id, value?, block_id?}
    POST /_sandbox/slack/select        {user, channel, ts, action_id, value, block_id?}
    POST /_sandbox/slack/views/{view_id}/click | select | submit | close
                                       {user, action_id, value?, block_id?} | {user, values} | {user, all?}
    POST /_sandbox/slack/commands      {user, channel, command, text?}
    POST /_sandbox/slack/shortcuts     {user, callback_id, channel?, ts?}   (a message shortcut with channel+ts)
    POST /_sandbox/slack/home/{user}   (opens the App Home tab)
    GET  /_sandbox/slack/changes?after=N&timeout=S      (long poll: {"seq", "changes"} once seq > N)
    GET  /_sandbox/slack/connections   GET /_sandbox/slack/deliveries
    POST /_sandbox/slack/disconnect    {reason?}        POST /_sandbox/slack/drop_acks {count}
    GET|POST /_sandbox/slack/settings  {ack_timeout?, max_retries?}
    POST /_sandbox/slack/crowd         {members?, groups?, groups_each?, join?}   (a large workspace: driver.populate)
    GET  /_sandbox/slack/api_calls?since=T&until=T      (Web API calls per method: {"users.info": 2, ...})
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

from sandbox.slack.driver import Driver, DriverError, InteractionResult

PREFIX = "/_sandbox/slack"
MAX_POLL_SECONDS = 30.0

Body = dict[str, Any]
Action = Callable[[Body, dict[str, str]], Any]


class _BadRequest(Exception):
    pass


def _field(body: Body, name: str) -> Any:
    if name not in body or body[name] is None:
        raise _BadRequest(f"missing field {name!r}")
    return body[name]


def _text(body: Body, name: str) -> str:
    value = _field(body, name)
    if not isinstance(value, str):
        raise _BadRequest(f"field {name!r} must be a string")
    return value


def _opt(body: Body, name: str) -> Any:
    return body.get(name)


def add_routes(app: web.Application, driver: Driver) -> None:
    pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="slack-control")

    async def close_pool(_: web.Application) -> None:
        pool.shutdown(wait=False, cancel_futures=True)

    app.on_cleanup.append(close_pool)

    def endpoint(action: Action, *, created: bool = False) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            body: Body = {}
            if request.method == "POST" and request.body_exists:
                try:
                    parsed = await request.json()
                except ValueError:
                    return web.json_response({"error": "the body must be JSON"}, status=400)
                if not isinstance(parsed, dict):
                    return web.json_response({"error": "the body must be a JSON object"}, status=400)
                body = parsed
            params = {**request.query, **request.match_info}
            loop = asyncio.get_running_loop()
            try:
                result = await loop.run_in_executor(pool, action, body, params)
            except DriverError as exc:
                return web.json_response({"error": str(exc)}, status=exc.status)
            except _BadRequest as exc:
                return web.json_response({"error": str(exc)}, status=400)
            except TimeoutError as exc:
                return web.json_response({"error": str(exc)}, status=408)
            if isinstance(result, InteractionResult):
                result = result.to_dict()
            return web.Response(
                text=json.dumps(result), status=201 if created else 200, content_type="application/json"
            )

        return handle

    d = driver

    def interaction(body: Body, p: dict[str, str], *, chosen: bool) -> InteractionResult:
        user, channel, ts, action_id = (_text(body, k) for k in ("user", "channel", "ts", "action_id"))
        if chosen:
            return d.select(user, channel, ts, action_id, _field(body, "value"), block_id=_opt(body, "block_id"))
        return d.click(user, channel, ts, action_id, value=_opt(body, "value"), block_id=_opt(body, "block_id"))

    def view_action(body: Body, p: dict[str, str]) -> InteractionResult:
        user, view_id, verb = _text(body, "user"), p["view_id"], p["verb"]
        if verb == "click":
            return d.click_in_view(
                user, view_id, _text(body, "action_id"), value=_opt(body, "value"), block_id=_opt(body, "block_id")
            )
        if verb == "select":
            return d.select_in_view(
                user, view_id, _text(body, "action_id"), _field(body, "value"), block_id=_opt(body, "block_id")
            )
        if verb == "submit":
            values = body.get("values") or {}
            if not isinstance(values, dict):
                raise _BadRequest("'values' must be an object {block_id: {action_id: value}}")
            return d.submit_view(user, view_id, values)
        if verb == "close":
            return d.close_view(user, view_id, all_views=bool(body.get("all")))
        raise _BadRequest(f"unknown view action {verb!r}: use click, select, submit or close")

    def shortcut(body: Body, p: dict[str, str]) -> InteractionResult:
        user, callback_id = _text(body, "user"), _text(body, "callback_id")
        if body.get("channel") and body.get("ts"):
            return d.message_shortcut(user, _text(body, "channel"), _text(body, "ts"), callback_id)
        return d.global_shortcut(user, callback_id)

    def user_view(body: Body, p: dict[str, str]) -> Any:
        user, what = p["user"], p["what"]
        readers: dict[str, Callable[[str], Any]] = {
            "dm": d.dm_messages,
            "ephemerals": d.ephemerals,
            "views": d.open_views,
            "home": d.home_view,
            "notices": d.notices,
        }
        if what not in readers:
            raise _BadRequest(f"unknown user resource {what!r}: use {', '.join(readers)}")
        return readers[what](user)

    def changes(body: Body, p: dict[str, str]) -> Any:
        try:
            after = int(p.get("after", "0"))
            timeout = min(float(p.get("timeout", "0")), MAX_POLL_SECONDS)
        except ValueError:
            raise _BadRequest("after must be an integer and timeout a number of seconds") from None
        seq = d.ws.wait_for_change(after, timeout=max(timeout, 0.0))
        return {"seq": seq, "changes": d.ws.changes_after(after)}

    def settings(body: Body, p: dict[str, str]) -> Any:
        return d.configure(ack_timeout=body.get("ack_timeout"), max_retries=body.get("max_retries"))

    def reaction(body: Body, p: dict[str, str]) -> Any:
        args = (_text(body, "user"), _text(body, "channel"), _text(body, "ts"), _text(body, "name"))
        return d.remove_reaction(*args) if body.get("remove") else d.add_reaction(*args)

    def open_dm(body: Body, p: dict[str, str]) -> Any:
        users = _field(body, "users")
        if not isinstance(users, list) or not users or not all(isinstance(u, str) for u in users):
            raise _BadRequest('users must be a list of people, e.g. ["dana", "hank"]')
        return {"channel": d.open_dm(users[0], *users[1:])}

    def drop(body: Body, p: dict[str, str]) -> Any:
        count = _field(body, "count")
        if not isinstance(count, int) or count < 0:
            raise _BadRequest("count must be a non-negative integer")
        d.drop_acks(count)
        return {"ok": True}

    def populate(body: Body, p: dict[str, str]) -> Any:
        sizes = {k: body[k] for k in ("members", "groups", "groups_each") if body.get(k) is not None}
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in sizes.values()):
            raise _BadRequest("members, groups and groups_each must be integers")
        join = body.get("join") or {}
        if not isinstance(join, dict) or not all(isinstance(v, int) for v in join.values()):
            raise _BadRequest('join must map a user group handle to a count, e.g. {"support": 50}')
        return d.populate(**sizes, join=join).to_dict()

    def api_calls(body: Body, p: dict[str, str]) -> Any:
        try:
            bounds = {k: float(p[k]) for k in ("since", "until") if k in p}
        except ValueError:
            raise _BadRequest("since and until are epoch seconds") from None
        return d.api_calls(**bounds)

    r = app.router
    r.add_get(PREFIX + "/users", endpoint(lambda b, p: d.users()))
    r.add_get(PREFIX + "/channels", endpoint(lambda b, p: d.channels()))
    r.add_get(PREFIX + "/channels/{channel}/messages", endpoint(lambda b, p: d.channel_messages(p["channel"])))
    r.add_get(PREFIX + "/channels/{channel}/messages/{ts}", endpoint(lambda b, p: d.message(p["channel"], p["ts"])))
    r.add_get(PREFIX + "/channels/{channel}/threads/{ts}", endpoint(lambda b, p: d.thread(p["channel"], p["ts"])))
    r.add_get(PREFIX + "/users/{user}/{what}", endpoint(user_view))
    r.add_post(
        PREFIX + "/messages",
        endpoint(
            lambda b, p: d.post_message(
                _text(b, "user"),
                _text(b, "channel"),
                _text(b, "text"),
                thread_ts=_opt(b, "thread_ts"),
                broadcast=bool(b.get("broadcast")),
            ),
            created=True,
        ),
    )
    r.add_post(PREFIX + "/reactions", endpoint(reaction))
    r.add_post(PREFIX + "/dms", endpoint(open_dm))
    r.add_post(PREFIX + "/click", endpoint(lambda b, p: interaction(b, p, chosen=False)))
    r.add_post(PREFIX + "/select", endpoint(lambda b, p: interaction(b, p, chosen=True)))
    r.add_post(PREFIX + "/views/{view_id}/{verb}", endpoint(view_action))
    r.add_post(
        PREFIX + "/commands",
        endpoint(
            lambda b, p: d.slash_command(
                _text(b, "user"), _text(b, "channel"), _text(b, "command"), str(b.get("text", ""))
            )
        ),
    )
    r.add_post(PREFIX + "/shortcuts", endpoint(shortcut))
    r.add_post(PREFIX + "/home/{user}", endpoint(lambda b, p: {"view": d.open_app_home(p["user"])}))
    r.add_get(PREFIX + "/changes", endpoint(changes))
    r.add_get(
        PREFIX + "/connections",
        endpoint(lambda b, p: {"count": d.connection_count(), "connections": d.connections()}),
    )
    r.add_get(PREFIX + "/deliveries", endpoint(lambda b, p: d.deliveries()))
    r.add_post(
        PREFIX + "/disconnect",
        endpoint(lambda b, p: {"disconnected": d.disconnect_all(str(b.get("reason") or "refresh_requested"))}),
    )
    r.add_post(PREFIX + "/drop_acks", endpoint(drop))
    r.add_get(PREFIX + "/settings", endpoint(lambda b, p: d.configure()))
    r.add_post(PREFIX + "/settings", endpoint(settings))
    r.add_post(PREFIX + "/crowd", endpoint(populate, created=True))
    r.add_get(PREFIX + "/api_calls", endpoint(api_calls))
