"""Bolt's Socket Mode handler, except that every envelope is acknowledged but an event a listener failed on.

Bolt answers a request no listener matches with a 404, and its Socket Mode adapter sends no ack for anything but a
200: Slack then redelivers the event (three times, and counts the failures against the app) or shows the clicker
"this app did not respond". ``bot.listeners`` registers catch-alls for events, clicks and forms, but a payload can
match none of them (a block_actions without actions, an interaction type this version does not know, a forged
envelope), or Bolt itself may fail to read it. Whatever it is, it is acked here and logged once; an event a
listener *failed* on (a 500, say Redis was down before the request was recorded) is still left unacked, so
Slack delivers it again; a click, form or command that failed is acked all the same, since Slack never sends those
again (the error handler tells the person it failed).
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
        try:
            response = run_bolt_app(self.app, req)
        except Exception as exc:
            # Bolt failed to read the payload itself (its shape is not Slack's: a block_actions without actions, a
            # view that is not an object). Sending it again will not mend it, so it is acked. Our own handlers' and
            # middleware's failures never get here: Bolt turns them into a 500, below.
            logger.warning("a %s envelope Bolt could not read was acked and ignored: %r", req.type, exc)
            _ack(client, req)
            return
        if response.status == UNHANDLED:
            payload = req.payload if isinstance(req.payload, dict) else {}
            logger.warning(
                "a %s envelope (%s) matched no listener; acked and ignored",
                req.type,
                str(payload.get("type") or payload.get("command") or "?")[:40],
            )
            _ack(client, req)
        elif response.status != 200 and req.type != "events_api":
            # Slack never sends a click, a form or a command again; unacked, its user only sees "this app did not
            # respond". The error handler (bot.listeners.on_error) has told them what failed; this closes it.
            logger.info("a %s envelope answered %d was acked", req.type, response.status)
            _ack(client, req)
        else:
            send_response(client, req, response, started)  # an event that failed stays unacked: Slack resends it


def _ack(client: BaseSocketModeClient, req: SocketModeRequest) -> None:
    client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
