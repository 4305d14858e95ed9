"""Start the four emulators together and describe how a Followthrough process reaches them.

``Sandbox`` is what tests, benchmarks and ``make demo`` use: one event loop thread, four servers on free ports of
127.0.0.1, one seed, and the page that shows them (``console.url``, always on 127.0.0.1). ``environment()`` is the
contract with the product: exactly the configuration variables a Followthrough process reads, nothing
sandbox-specific (the page is not one of them).
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from sandbox.emulator import Emulator
from sandbox.jira import JiraEmulator
from sandbox.openai import OpenAIEmulator
from sandbox.salesforce import SalesforceEmulator
from sandbox.seed import Seed, load_seed
from sandbox.server import ServerThread
from sandbox.slack import SlackEmulator
from sandbox.web import WebConsole


class Sandbox:
    """Slack, Jira, Salesforce and an OpenAI-compatible endpoint, served locally from one seed."""

    def __init__(
        self,
        seed: Seed | None = None,
        *,
        host: str = "127.0.0.1",
        ports: dict[str, int] | None = None,
    ) -> None:
        self.seed = seed if seed is not None else load_seed()
        self.slack = SlackEmulator(self.seed)
        self.jira = JiraEmulator(self.seed)
        self.salesforce = SalesforceEmulator(self.seed)
        self.openai = OpenAIEmulator(self.seed)
        self.console = WebConsole(self)
        self._ports = dict(ports or {})
        self._server = ServerThread(host=host)
        self._running = False

    @property
    def emulators(self) -> tuple[Emulator, ...]:
        return (self.slack, self.jira, self.salesforce, self.openai)

    @property
    def server(self) -> ServerThread:
        return self._server

    def start(self) -> Sandbox:
        if self._running:
            return self
        for emulator in self.emulators:
            port = self._server.serve(emulator.build_app(), port=self._ports.get(emulator.name, 0))
            emulator.bind(f"http://{self._server.host}:{port}", self._server)
        self.console.start(self._server, port=self._ports.get("web", 0))
        self._running = True
        return self

    def stop(self) -> None:
        if self._running:
            self.console.stop()
            self._server.stop()
            self._running = False

    def reset(self) -> None:
        """Every emulator back to the seed, faults cleared, request logs emptied."""
        for emulator in self.emulators:
            emulator.faults.clear()
            emulator.requests.clear()
            emulator.reset()

    def environment(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for emulator in self.emulators:
            env.update(emulator.environment())
        return env

    def write_env_file(self, path: Path | str) -> None:
        lines = [f"{name}={value}" for name, value in sorted(self.environment().items())]
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tmp.replace(target)  # readers never see a half-written file

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
