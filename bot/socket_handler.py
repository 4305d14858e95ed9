"""Bolt's Socket Mode handler, except that an envelope no listener takes is acknowledged too.

Bolt answers a request no listener matches with a 404, and its Socket Mode adapter sends no ack for anything but a
200: Slack then redelivers the event (three times, and counts the failures against the app) or shows the clicker
"this app did not respond". ``bot.listeners`` registers catch-alls for events, clicks and forms, but a payload can
match none of them (a block_actions without actions, an interaction type this version does not know, a forged
envelope). Whatever it is, it is acked here and logged once; an envelope a listener *failed* on (a 500, say Redis
was down before the request was recorded) is still left unacked, so Slack delivers it again.
"""

from __future__ import annotations

import logging
import time

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

logger = logging.getLogger(__name__)

UNHANDLED = 404


class AckingSocketModeHandler(SocketModeHandler):
    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        started = time.time()
        response = run_bolt_app(self.app, req)
        if response.status == UNHANDLED:
            payload = req.payload if isinstance(req.payload, dict) else {}
            logger.warning(
                "a %s envelope (%s) matched no listener; acked and ignored",
                req.type,
                str(payload.get("type") or payload.get("command") or "?")[:40],
            )
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        send_response(client, req, response, started)
