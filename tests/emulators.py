"""Serving one emulator on its own, for tests of a single emulator or of code that talks to one."""

from __future__ import annotations

from typing import TypeVar

from sandbox.emulator import Emulator
from sandbox.server import ServerThread

E = TypeVar("E", bound=Emulator)


def serve(emulator: E, server: ServerThread) -> E:
    """Start ``emulator`` on a free port of ``server`` and bind it to its URL."""
    port = server.serve(emulator.build_app())
    emulator.bind(f"http://{server.host}:{port}", server)
    return emulator


def reset(emulator: Emulator) -> None:
    emulator.faults.clear()
    emulator.requests.clear()
    emulator.reset()
