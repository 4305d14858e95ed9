"""``/healthz``, ``/readyz`` and ``/metrics`` for each process, so an orchestrator restarts one that is stuck.

``/healthz`` answers 200 while the process runs (its HTTP thread is alive). ``/readyz`` runs the process's checks
and answers 200 with each one's result, or 503 naming the one that failed: for the bot, Redis and a Socket Mode
connection that received a message or a pong recently (a long-lived WebSocket can die silently); for a worker,
Redis, its heartbeat and its queues. ``/metrics`` serves the Prometheus metrics (approvals.flow.metrics) when given. The
server is a small threaded ``http.server`` on ``FOLLOWTHROUGH_HEALTH_PORT`` (off when unset), started beside the
process's own loop; checks are callables ``followthrough.wiring`` gives it, so this module knows neither
Slack nor RQ.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

logger = logging.getLogger(__name__)

Check = Callable[[], str | None]
"""None when healthy, else what is wrong (one line)."""


class HealthServer:
    def __init__(
        self,
        port: int,
        checks: Mapping[str, Check],
        *,
        host: str = "0.0.0.0",
        metrics: Callable[[], tuple[bytes, str]] | None = None,
    ) -> None:
        self.checks = dict(checks)
        self.metrics = metrics
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?", 1)[0] == "/healthz":
                    self._answer(200, {"status": "alive"})
                elif self.path.split("?", 1)[0] == "/readyz":
                    status, body = server.readiness()
                    self._answer(status, body)
                elif self.path.split("?", 1)[0] == "/metrics" and server.metrics is not None:
                    data, content_type = server.metrics()
                    self.send_response(200)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                else:
                    self._answer(404, {"error": "try /healthz or /readyz"})

            def _answer(self, status: int, body: dict[str, object]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                return  # probes every few seconds would drown the log

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="health", daemon=True)

    def readiness(self) -> tuple[int, dict[str, object]]:
        results: dict[str, str] = {}
        failed = False
        for name, check in self.checks.items():
            try:
                problem = check()
            except Exception as exc:  # a check that breaks is a failed check, with its reason
                problem = f"{type(exc).__name__}: {exc}"
            results[name] = problem or "ok"
            failed = failed or problem is not None
        return (503 if failed else 200), {"status": "not ready" if failed else "ready", "checks": results}

    def start(self) -> HealthServer:
        self._thread.start()
        logger.info("health checks on port %d (/healthz, /readyz: %s)", self.port, ", ".join(self.checks))
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
