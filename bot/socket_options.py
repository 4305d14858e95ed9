"""TCP_NODELAY for the Socket Mode connection, which slack_sdk's builtin client only sets behind a proxy.

Without it, Nagle's algorithm holds an ack frame while an earlier one is still unacknowledged by the peer: under a
burst, acks wait for the server's delayed ACK (40 ms on Linux) or a full round trip to Slack. slack_sdk offers no
hook for socket options, so this wraps the one function that opens the socket. It is applied once, at bot start, and
does nothing if a future slack_sdk renames that function (the bot then runs as before, only slower under bursts).
"""

from __future__ import annotations

import logging
import socket
from typing import Any

logger = logging.getLogger(__name__)

_PATCHED = "_followthrough_nodelay"


def enable_tcp_nodelay() -> bool:
    """Make every new Socket Mode connection set TCP_NODELAY; True if applied (or already applied)."""
    try:
        # Imported here: a private module of slack_sdk, which a release may move; then there is nothing to patch.
        from slack_sdk.socket_mode.builtin import connection
    except ImportError:
        return False
    original = getattr(connection, "_establish_new_socket_connection", None)
    if original is None:
        logger.warning("slack_sdk changed: cannot set TCP_NODELAY on the Socket Mode connection")
        return False
    if getattr(original, _PATCHED, False):
        return True

    def establish_with_nodelay(*args: Any, **kwargs: Any) -> Any:
        sock = original(*args, **kwargs)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # an SSLSocket passes it to its TCP socket
        except OSError as exc:
            logger.warning("could not set TCP_NODELAY on the Socket Mode connection: %s", exc)
        return sock

    setattr(establish_with_nodelay, _PATCHED, True)
    connection._establish_new_socket_connection = establish_with_nodelay
    return True
