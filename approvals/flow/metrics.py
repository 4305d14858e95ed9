"""Metrics in Prometheus format, served at ``/metrics`` beside the health endpoints (approvals.flow.health).

Two kinds, kept apart on purpose:

- **Events** counted where they happen (envelopes and their ack latency, requests by outcome, executions by system
  and outcome, connector errors by class, retries, language-model calls, tokens and latency, time to decision).
  Workers fork a process per job, so these use prometheus_client's multiprocess mode: every process writes to
  files in ``PROMETHEUS_MULTIPROC_DIR`` and the process that serves ``/metrics`` adds them up. ``enable()`` sets a
  private directory when the operator gave none, before prometheus_client is first imported.
- **State** read from Redis at scrape time (proposals by state, queue depth and the age of the oldest waiting job,
  commitments live and overdue): one collector, no bookkeeping to drift.

Nothing here is on the path that decides anything: a metric that can't be written is skipped, never raised.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

from approvals.core.ports import SearchProbe
from approvals.core.states import ProposalState
from approvals.flow import keys, search_lag

logger = logging.getLogger(__name__)

_ENABLED = False
_METRICS: dict[str, Any] = {}


def enable() -> str:
    """Turn metrics on for this process (and the jobs it forks); returns the multiprocess directory."""
    global _ENABLED
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="followthrough-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    _ENABLED = True
    _build()
    return directory


def _build() -> None:
    if _METRICS:
        return
    # prometheus_client is imported only once enable() has set PROMETHEUS_MULTIPROC_DIR: it reads it on import.
    from prometheus_client import Counter, Histogram

    _METRICS.update(
        envelopes=Counter("followthrough_envelopes_total", "Slack envelopes received", ["type"]),
        ack=Histogram(
            "followthrough_ack_seconds",
            "Time from receiving an envelope to its ack",
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 3),
        ),
        requests=Counter("followthrough_requests_total", "Requests taken in, by outcome", ["outcome"]),
        decisions=Histogram(
            "followthrough_time_to_decision_seconds",
            "From a proposal waiting for approval to its approval or rejection",
            buckets=(60, 300, 900, 3600, 4 * 3600, 86400, 3 * 86400),
        ),
        executions=Counter(
            "followthrough_executions_total", "Actions executed, by system and outcome", ["system", "outcome"]
        ),
        connector_errors=Counter(
            "followthrough_connector_errors_total", "Connector errors, by system and class", ["system", "error"]
        ),
        retries=Counter("followthrough_retries_total", "Retries scheduled, by reason kind", ["kind"]),
        llm_calls=Counter("followthrough_llm_calls_total", "Requests read by the language model", ["outcome"]),
        llm_tokens=Counter("followthrough_llm_tokens_total", "Tokens used by the language model", ["kind"]),
        llm_latency=Histogram(
            "followthrough_llm_seconds",
            "Time the language model took to read a request",
            buckets=(1, 3, 10, 30, 60, 180),
        ),
    )


def _metric(name: str) -> Any | None:
    if not _ENABLED:
        return None
    return _METRICS.get(name)


def _safely(fn: Callable[[], None]) -> None:
    try:
        fn()
    except Exception:  # a metric is never worth a failed request
        logger.debug("a metric could not be written", exc_info=True)


def envelope(kind: str, received: float) -> None:
    """An envelope of ``kind`` was acked; ``received`` is when it arrived (time.monotonic())."""
    counter, ack = _metric("envelopes"), _metric("ack")
    if counter is not None:
        _safely(lambda: counter.labels(kind).inc())
    if ack is not None:
        _safely(lambda: ack.observe(max(0.0, time.monotonic() - received)))


def request(outcome: str) -> None:
    metric = _metric("requests")
    if metric is not None:
        _safely(lambda: metric.labels(outcome).inc())


def decided(seconds: float) -> None:
    metric = _metric("decisions")
    if metric is not None:
        _safely(lambda: metric.observe(max(0.0, seconds)))


def executed(system: str, outcome: str) -> None:
    metric = _metric("executions")
    if metric is not None:
        _safely(lambda: metric.labels(system, outcome).inc())


def connector_error(system: str, error: str) -> None:
    metric = _metric("connector_errors")
    if metric is not None:
        _safely(lambda: metric.labels(system, error).inc())


def retry(kind: str) -> None:
    metric = _metric("retries")
    if metric is not None:
        _safely(lambda: metric.labels(kind).inc())


def llm(outcome: str, usage: dict[str, int], seconds: float | None) -> None:
    calls, tokens, latency = _metric("llm_calls"), _metric("llm_tokens"), _metric("llm_latency")
    if calls is not None:
        _safely(lambda: calls.labels(outcome).inc())
    if tokens is not None:
        for kind in ("prompt_tokens", "completion_tokens"):
            count = int(usage.get(kind, 0) or 0)
            if count:
                _safely(lambda kind=kind, count=count: tokens.labels(kind.removesuffix("_tokens")).inc(count))
    if latency is not None and seconds is not None:
        _safely(lambda: latency.observe(seconds))


class RedisState:
    """The state metrics, read from Redis at scrape time (``state`` returns name -> (help, {labels: value}))."""

    def __init__(self, state: Callable[[], dict[str, tuple[str, dict[tuple[tuple[str, str], ...], float]]]]) -> None:
        self.state = state

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily  # after enable(), as above

        try:
            readings = self.state()
        except Exception:
            logger.warning("the state metrics could not be read from Redis", exc_info=True)
            return
        for name, (help_text, samples) in readings.items():
            labels = sorted({k for key in samples for k, _ in key})
            family = GaugeMetricFamily(name, help_text, labels=labels)
            for key, value in samples.items():
                values = dict(key)
                family.add_metric([values.get(label, "") for label in labels], value)
            yield family


def exposition(state: RedisState | None = None) -> tuple[bytes, str]:
    """The ``/metrics`` body and content type: every process's events added up, and the state read now."""
    # After enable(), as above.
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    if _ENABLED:
        MultiProcessCollector(registry)
    if state is not None:
        registry.register(state)  # type: ignore[arg-type]
    return generate_latest(registry), CONTENT_TYPE_LATEST


def mark_process_dead(pid: int) -> None:
    """A forked job ended: its live gauges no longer count (counters and histograms keep what it wrote)."""
    if not _ENABLED:
        return
    try:
        from prometheus_client import multiprocess  # after enable(), as above

        multiprocess.mark_process_dead(pid)
    except Exception:
        logger.debug("could not mark process %d dead for the metrics", pid, exc_info=True)


def runtime_state(rt: Any) -> RedisState:
    """The state metrics of a runtime (``approvals.flow.runtime.Runtime``): proposals by state, each queue's depth and
    the age of its oldest waiting job, live commitments and those with a step due now, and how long an ambiguous
    create waits for a system's search (approvals.flow.search_lag)."""

    def read() -> dict[str, tuple[str, dict[tuple[tuple[str, str], ...], float]]]:
        connection = rt.connection
        with connection.pipeline(transaction=False) as pipe:
            for state in ProposalState:
                pipe.scard(keys.proposals_in_state(state.value))
            pipe.zcard(keys.COMMITMENTS_LIVE)
            pipe.zcount(keys.COMMITMENTS_LIVE, "-inf", time.time())
            counts = pipe.execute()
        states = {(("state", s.value),): float(n) for s, n in zip(ProposalState, counts, strict=False)}
        depth: dict[tuple[tuple[str, str], ...], float] = {}
        age: dict[tuple[tuple[str, str], ...], float] = {}
        for queue in (rt.actions_queue, rt.intake_queue):
            key = (("queue", queue.name),)
            depth[key] = float(queue.count)
            oldest = queue.get_job_ids(0, 0)
            job = queue.fetch_job(oldest[0]) if oldest else None
            enqueued = getattr(job, "enqueued_at", None)
            age[key] = max(0.0, time.time() - enqueued.timestamp()) if enqueued is not None else 0.0
        live, due = counts[-2], counts[-1]
        waits = {
            (("system", system),): search_lag.window(rt, system)
            for system, connector in rt.connectors.items()
            if isinstance(connector, SearchProbe)
        }
        return {
            "followthrough_proposals": ("Proposals, by state", states),
            "followthrough_queue_depth": ("Jobs waiting, by queue", depth),
            "followthrough_queue_oldest_seconds": ("Age of the oldest waiting job, by queue", age),
            "followthrough_commitments_live": ("Follow-ups not yet met, dismissed or expired", {(): float(live)}),
            "followthrough_commitments_due": ("Follow-ups with a step due now", {(): float(due)}),
            "followthrough_search_wait_seconds": (
                "How long an ambiguous create waits for the system's search before it is sent again",
                waits,
            ),
        }

    return RedisState(read)
