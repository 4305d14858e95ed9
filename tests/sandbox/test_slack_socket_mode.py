"""Socket Mode of the Slack emulator: tickets, hello, ping/pong, acks, redelivery, draining and several connections.

Raw WebSocket clients (aiohttp) check the wire protocol; the real Bolt ``SocketModeHandler`` checks that the
app side sees what it would see with Slack (retry headers, reconnection after ``disconnect``).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from slack_sdk import WebClient

from sandbox.slack import DriverError, SlackEmulator
from sandbox.slack.bolt_session import BoltSession

CARD = [
    {
        "type": "actions",
        "block_id": "decide",
        "elements": [{"type": "button", "action_id": "approve", "text": {"type": "plain_text", "text": "Approve"}}],
    }
]


@pytest.fixture(autouse=True)
def _connections_closed(slack: SlackEmulator) -> Iterator[None]:
    """Each test closes the sockets it opened before the next one starts."""
    yield
    slack.socket.wait_for(lambda: slack.socket.connections() == [], timeout=5)


def connection_url(slack: SlackEmulator) -> str:
    env = slack.environment()
    client = WebClient(token=env["SLACK_APP_TOKEN"], base_url=env["SLACK_API_URL"])
    return str(client.apps_connections_open(app_token=env["SLACK_APP_TOKEN"])["url"])


class RawApp:
    """A hand-written Socket Mode client: reads frames, acks only when told to."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket

    async def receive(self, wait: float = 3.0) -> dict[str, Any]:
        message = await self.socket.receive(timeout=wait)
        assert message.type == aiohttp.WSMsgType.TEXT, message
        return json.loads(message.data)

    async def ack(self, envelope: dict[str, Any], payload: dict[str, Any] | None = None) -> None:
        body: dict[str, Any] = {"envelope_id": envelope["envelope_id"]}
        if payload is not None:
            body["payload"] = payload
        await self.socket.send_str(json.dumps(body))


@asynccontextmanager
async def raw_app(slack: SlackEmulator, *, expect_hello: bool = True) -> AsyncIterator[RawApp]:
    url = await asyncio.to_thread(connection_url, slack)
    async with aiohttp.ClientSession() as session, session.ws_connect(url, autoping=False) as socket:
        app = RawApp(socket)
        if expect_hello:
            hello = await app.receive()
            assert hello["type"] == "hello"
        yield app


def post_user_message(slack: SlackEmulator, text: str = "status?") -> dict[str, Any]:
    return slack.driver.post_message("dana", "#support", text)


# ---------------------------------------------------------------------- the wire protocol


def test_connections_open_hands_out_fresh_single_use_ws_urls(slack: SlackEmulator) -> None:
    first, second = connection_url(slack), connection_url(slack)
    assert first != second
    assert first.startswith(slack.base_url.replace("http://", "ws://") + "/link/?ticket=")
    assert first.endswith("&app_id=" + slack.seed.slack.app_id)

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(first) as socket:
                hello = json.loads((await socket.receive(timeout=3)).data)
                assert hello["num_connections"] == 1
                assert hello["connection_info"] == {"app_id": slack.seed.slack.app_id}
            with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
                await session.ws_connect(first)
            assert caught.value.status == 401

    asyncio.run(scenario())


def test_pings_are_answered_with_pongs(slack: SlackEmulator) -> None:
    async def scenario() -> None:
        async with raw_app(slack) as app:
            await app.socket.ping(b"session-1:1795215705")
            pong = await app.socket.receive(timeout=3)
            assert pong.type == aiohttp.WSMsgType.PONG and pong.data == b"session-1:1795215705"

    asyncio.run(scenario())


def test_an_event_envelope_has_slacks_shape_and_its_ack_is_matched(slack: SlackEmulator) -> None:
    async def scenario() -> None:
        async with raw_app(slack) as app:
            posted = await asyncio.to_thread(post_user_message, slack)
            envelope = await app.receive()
            assert envelope["type"] == "events_api" and envelope["accepts_response_payload"] is False
            assert envelope["retry_attempt"] == 0 and envelope["retry_reason"] == ""
            payload = envelope["payload"]
            assert payload["type"] == "event_callback" and payload["event_id"].startswith("Ev")
            assert payload["authorizations"][0]["user_id"] == "U0BOT0001"
            assert payload["event"]["ts"] == posted["ts"] and payload["event"]["channel_type"] == "channel"
            await app.ack(envelope)
            await asyncio.to_thread(slack.socket.wait_for, lambda: slack.socket.deliveries()[0].acked, timeout=3)

    asyncio.run(scenario())


def test_an_unacked_event_is_redelivered_with_retry_attempt_until_acked(slack: SlackEmulator) -> None:
    slack.driver.configure(ack_timeout=0.2)

    async def scenario() -> None:
        async with raw_app(slack) as app:
            await asyncio.to_thread(post_user_message, slack)
            first = await app.receive()
            second = await app.receive()
            assert (second["retry_attempt"], second["retry_reason"]) == (1, "timeout")
            assert second["payload"]["event_id"] == first["payload"]["event_id"]
            assert second["envelope_id"] != first["envelope_id"]
            await app.ack(second)
            await asyncio.to_thread(slack.socket.wait_for, lambda: slack.socket.deliveries()[-1].acked, timeout=3)

    asyncio.run(scenario())
    assert [(d.retry_attempt, d.status) for d in slack.socket.deliveries()] == [(0, "timed_out"), (1, "acked")]


def test_redelivery_stops_after_max_retries(slack: SlackEmulator) -> None:
    slack.driver.configure(ack_timeout=0.1, max_retries=2)

    async def scenario() -> None:
        async with raw_app(slack) as app:
            await asyncio.to_thread(post_user_message, slack)
            attempts = [(await app.receive())["retry_attempt"] for _ in range(3)]
            assert attempts == [0, 1, 2]
            await asyncio.to_thread(
                slack.socket.wait_for,
                lambda: all(d.status == "timed_out" for d in slack.socket.deliveries()),
                timeout=3,
            )

    asyncio.run(scenario())
    assert len(slack.socket.deliveries()) == 3


def test_dropped_acks_force_a_redelivery(slack: SlackEmulator) -> None:
    slack.driver.configure(ack_timeout=0.2)
    slack.driver.drop_acks(1)

    async def scenario() -> None:
        async with raw_app(slack) as app:
            await asyncio.to_thread(post_user_message, slack)
            first = await app.receive()
            await app.ack(first)
            retry = await app.receive()
            assert retry["retry_attempt"] == 1
            await app.ack(retry)
            await asyncio.to_thread(slack.socket.wait_for, lambda: slack.socket.deliveries()[-1].acked, timeout=3)

    asyncio.run(scenario())


def test_events_wait_for_a_connection_and_are_then_delivered(slack: SlackEmulator) -> None:
    posted = post_user_message(slack)
    assert [d.status for d in slack.socket.deliveries()] == ["pending"]

    async def scenario() -> None:
        async with raw_app(slack) as app:
            envelope = await app.receive()
            assert envelope["payload"]["event"]["ts"] == posted["ts"]
            await app.ack(envelope)

    asyncio.run(scenario())


def test_a_draining_connection_gets_nothing_new_but_its_acks_count(slack: SlackEmulator) -> None:
    async def scenario() -> None:
        async with raw_app(slack) as old:
            assert await asyncio.to_thread(slack.driver.disconnect_all, "refresh_requested") == 1
            notice = await old.receive()
            assert notice == {"type": "disconnect", "reason": "refresh_requested", "debug_info": notice["debug_info"]}
            async with raw_app(slack) as new:
                await asyncio.to_thread(post_user_message, slack)
                envelope = await new.receive()
                await old.ack(envelope)  # Slack accepts acks on any of the app's connections
                await asyncio.to_thread(slack.socket.wait_for, lambda: slack.socket.deliveries()[0].acked, timeout=3)
            assert slack.socket.deliveries()[0].connection != slack.socket.connections()[0]["id"]

    asyncio.run(scenario())


def test_interactive_envelopes_are_never_redelivered(slack: SlackEmulator) -> None:
    slack.subscribe([])  # only the click goes over the socket
    env = slack.environment()
    ts = WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"]).chat_postMessage(
        channel="C0SUPPORT", text="card", blocks=CARD
    )["ts"]
    slack.driver.configure(ack_timeout=0.3)

    async def scenario() -> None:
        async with raw_app(slack) as app:
            clicking = asyncio.create_task(asyncio.to_thread(slack.driver.click, "dana", "#support", ts, "approve"))
            envelope = await app.receive()
            assert envelope["type"] == "interactive" and "retry_attempt" not in envelope
            result = await clicking
            assert (result.delivered, result.acked, result.error) == (True, False, "operation_timeout")
            with pytest.raises(asyncio.TimeoutError):
                await app.receive(wait=0.5)

    asyncio.run(scenario())
    assert slack.driver.notices("dana")[0]["kind"] == "operation_timeout"


def test_an_interaction_without_any_connection_fails_to_dispatch(slack: SlackEmulator) -> None:
    slack.driver.configure(ack_timeout=0.2)
    result = slack.driver.slash_command("dana", "#support", "/followthrough", "help")
    assert (result.delivered, result.error) == (False, "dispatch_failed")
    assert slack.socket.deliveries()[0].status == "undelivered"
    assert 'failed with the error "dispatch_failed"' in slack.driver.notices("dana")[0]["text"]


def test_envelopes_over_200_kb_are_refused(slack: SlackEmulator) -> None:
    with pytest.raises(DriverError, match="exceeds 200000"):
        slack.driver.slash_command("dana", "#support", "/followthrough", "x" * 210_000)
    assert slack.socket.deliveries() == []


# ---------------------------------------------------------------------- with the real Bolt client


def test_bolt_sees_retry_headers_on_a_redelivered_event(slack: SlackEmulator) -> None:
    slack.driver.configure(ack_timeout=0.3)
    seen: list[tuple[str, str, str]] = []
    done = threading.Event()
    session = BoltSession(slack)

    @session.app.middleware
    def record_retries(request, next):  # Bolt passes these by name
        if request.body.get("type") == "event_callback":
            retry_num = request.headers.get("x-slack-retry-num", ["?"])[0]
            reason = request.headers.get("x-slack-retry-reason", ["?"])[0]
            seen.append((request.body["event_id"], retry_num, reason))
            if retry_num == "1":
                done.set()
        return next()

    @session.app.event("message")
    def on_message() -> None:
        pass

    with session:
        slack.driver.drop_acks(1)
        post_user_message(slack)
        assert done.wait(5)
    assert [s[1:] for s in seen] == [("0", ""), ("1", "timeout")]
    assert seen[0][0] == seen[1][0]


def test_bolt_reconnects_after_refresh_requested_and_keeps_receiving(slack: SlackEmulator) -> None:
    received = threading.Event()
    session = BoltSession(slack)

    @session.app.event("app_mention")
    def on_mention(event: dict) -> None:
        if "after" in event["text"]:
            received.set()

    @session.app.event("message")
    def on_message() -> None:
        pass

    with session:
        first = slack.socket.connections()[0]["id"]
        opens = slack.requests.count(path="apps.connections.open")
        assert slack.driver.disconnect_all("refresh_requested") == 1
        # The builtin client opens the new socket, then closes the old one (up to ~3 s) before it reads the new one.
        slack.socket.wait_for(lambda: [c["id"] for c in slack.socket.connections()] not in ([], [first]), timeout=5)
        slack.socket.wait_for(lambda: len(slack.socket.connections()) == 1, timeout=5)
        assert slack.requests.count(path="apps.connections.open") == opens + 1
        slack.driver.post_message("dana", "#support", "@followthrough after the refresh")
        assert received.wait(5)
        slack.socket.wait_for(lambda: all(d.acked for d in slack.socket.deliveries()), timeout=5)
    assert {d.connection for d in slack.socket.deliveries()} != {first}
    assert all(d.retry_attempt == 0 for d in slack.socket.deliveries())


def test_two_connections_share_the_envelopes_each_delivered_once(slack: SlackEmulator) -> None:
    received: dict[str, list[str]] = {"a": [], "b": []}
    all_in = threading.Semaphore(0)
    sessions = {name: BoltSession(slack) for name in received}

    def listener(seen: list[str]):  # Bolt passes listener arguments by name, so bind the list by closure
        def on_message(event: dict) -> None:
            seen.append(event["ts"])
            all_in.release()

        return on_message

    for name, session in sessions.items():
        session.app.event("message")(listener(received[name]))
    with sessions["a"], sessions["b"]:
        assert slack.driver.connection_count() == 2
        posted = [post_user_message(slack, f"m{i}")["ts"] for i in range(6)]
        for _ in posted:
            assert all_in.acquire(timeout=5)
        slack.socket.wait_for(lambda: all(d.acked for d in slack.socket.deliveries()), timeout=5)
    assert sorted(received["a"] + received["b"]) == posted
    assert received["a"] and received["b"]
    assert len(slack.socket.deliveries()) == 6
    assert len({d.connection for d in slack.socket.deliveries()}) == 2
