"""The worker's cache warming: what each forked job would otherwise ask Slack, Jira and Salesforce again.

Every worker's maintenance pass (every few seconds) calls ``CacheWarmer``. One step per system, each on its own, so
a refused Jira token leaves the Slack directory warming. A step that fails is not tried again for ``retry_every``
seconds (one refused login a minute at the system, not one per pass), and is said as one WARNING line with what the
system answered and what to check: when it starts failing, when what it answers changes, and again every
``remind_every`` seconds while it keeps failing; never a traceback. The jobs meanwhile load what they need themselves
and fail with the same error where it matters. A step that works again says so once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from approvals.core.ports import ConnectorError

logger = logging.getLogger(__name__)

RETRY_EVERY = 60.0
"""Seconds between two tries of a step that failed."""
REMIND_EVERY = 600.0
"""Seconds between two lines about a step that keeps failing the same way."""


def describe_failure(exc: Exception) -> str:
    """One line on what a system answered: a connector's error with its detail, Slack's error name, or the type
    and message of anything else (never a token: none of these carries one, and log lines are redacted anyway)."""
    if isinstance(exc, ConnectorError):
        return str(exc)  # its message and, in brackets, what the system said
    if isinstance(exc, SlackApiError):
        return f"Slack answered {exc.response.get('error')}"
    return f"{type(exc).__name__}: {exc}"


@dataclass
class _Step:
    name: str
    warm: Callable[[], None]
    failing_since: float | None = None
    next_try: float = 0.0
    said: str | None = None
    said_at: float = 0.0


class CacheWarmer:
    """Runs each warming step; a failing one is tried once per ``retry_every`` seconds and said once per
    ``remind_every`` seconds (or when its error changes)."""

    def __init__(
        self,
        steps: Mapping[str, Callable[[], None]],
        *,
        retry_every: float = RETRY_EVERY,
        remind_every: float = REMIND_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.steps = [_Step(name, warm) for name, warm in steps.items()]
        self.retry_every = retry_every
        self.remind_every = remind_every
        self.clock = clock

    def __call__(self) -> None:
        for step in self.steps:
            now = self.clock()
            if now < step.next_try:
                continue
            try:
                step.warm()
            except Exception as exc:  # the outer edge of one step: any failure is one line, the others still run
                self._failed(step, describe_failure(exc), now)
                logger.debug("warming the %s failed", step.name, exc_info=True)
            else:
                if step.failing_since is not None:
                    logger.info(
                        "warming the %s works again (it failed for %.0f s)", step.name, now - step.failing_since
                    )
                step.failing_since, step.said = None, None

    def _failed(self, step: _Step, problem: str, now: float) -> None:
        step.next_try = now + self.retry_every
        if step.failing_since is None:
            step.failing_since = now
        if problem == step.said and now - step.said_at < self.remind_every:
            return
        since = "" if now == step.failing_since else f" (failing for {now - step.failing_since:.0f} s)"
        logger.warning(
            "warming the %s failed: %s%s; jobs load what they need themselves; tried again every %.0f s",
            step.name,
            problem,
            since,
            self.retry_every,
        )
        step.said, step.said_at = problem, now
