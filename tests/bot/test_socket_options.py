"""The bot's Socket Mode connection runs with TCP_NODELAY, so back-to-back acks are not held by Nagle."""

from __future__ import annotations

import socket

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from bot.socket_options import enable_tcp_nodelay
from sandbox.seed import Seed
from sandbox.server import ServerThread
from sandbox.slack import SlackEmulator
from tests.emulators import serve


def test_new_socket_mode_connections_set_tcp_nodelay(seed: Seed, server_thread: ServerThread) -> None:
    slack = serve(SlackEmulator(seed), server_thread)
    assert enable_tcp_nodelay()
    assert enable_tcp_nodelay(), "applying it twice is harmless"
    env = slack.environment()
    app = App(client=WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"]))
    handler = SocketModeHandler(app, env["SLACK_APP_TOKEN"])
    handler.connect()
    try:
        sock = handler.client.current_session.sock
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        handler.close()
