"""The Slack emulator for the Slack test modules: one server per module, back to the seed before every test."""

from __future__ import annotations

import pytest

from sandbox.seed import Seed
from sandbox.server import ServerThread
from sandbox.slack import SlackEmulator
from tests.emulators import reset, serve


@pytest.fixture(scope="module")
def slack_server(seed: Seed, server_thread: ServerThread) -> SlackEmulator:
    return serve(SlackEmulator(seed), server_thread)


@pytest.fixture
def slack(slack_server: SlackEmulator) -> SlackEmulator:
    reset(slack_server)
    return slack_server
