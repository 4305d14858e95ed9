"""Fixtures for testing one emulator on its own: a shared loop thread and a helper that serves an emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

import pytest

from sandbox.emulator import Emulator
from sandbox.seed import Seed, load_seed
from sandbox.server import ServerThread

E = TypeVar("E", bound=Emulator)


@pytest.fixture(scope="session")
def seed() -> Seed:
    return load_seed()


@pytest.fixture(scope="session")
def server_thread() -> Iterator[ServerThread]:
    server = ServerThread()
    server.start()
    yield server
    server.stop()


def serve(emulator: E, server: ServerThread) -> E:
    """Start ``emulator`` on a free port of ``server`` and bind it to its URL."""
    port = server.serve(emulator.build_app())
    emulator.bind(f"http://{server.host}:{port}", server)
    return emulator


def reset(emulator: Emulator) -> None:
    emulator.faults.clear()
    emulator.requests.clear()
    emulator.reset()
