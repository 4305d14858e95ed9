"""How long a system's search really lags behind its writes, measured, so a wait after an ambiguous create is as long
as it needs to be and no longer.

Why: after an ambiguous create (a 503, a dropped connection, a killed worker) the executor finds an earlier attempt
by searching for its label, and a miss proves nothing until the search has caught up. Waiting a fixed
``FOLLOWTHROUGH_INDEX_LAG_WINDOW`` (120 s) is safe on the slowest Jira and makes every such request two minutes late
on the usual one, whose search lags a second or two.

How: after a create of ours succeeds, a probe job (at most one at a time per system, at most one started every
``PROBE_EVERY`` seconds) searches for it the way reconciling would, until it shows, and records how long after it was
sent it showed. The wait after an ambiguous create is ``window_for`` of the samples of the last ``HORIZON``: three
times the worst lag seen, and at least that lag plus ``MARGIN`` (10 s, or a quarter of a shorter configured
window), never more than the configured window.

Invariants (each errs on the side of waiting longer, which costs time, never a duplicate):
- Too few recent samples (a fresh deploy, a quiet hour) means the configured window.
- A probe still waiting counts as a sample of its age so far: a search that stalls lengthens the wait at once,
  before the probe that would prove it has finished. A probe that never ends (its job lost) counts until its key
  expires, at more than the configured window, i.e. the window.
- A probe that gives up at the configured window records the window.
- ``FOLLOWTHROUGH_INDEX_LAG_LEARN=false`` turns all of this off: the wait is the configured window.

Keys (approvals.flow.keys): ``search_lag_samples(system)`` (zset: member ``<action id>:<seconds>``, scored by when it
was measured), ``search_lag_probe(system)`` (the probe in flight: its action id and when it was sent) and
``search_lag_next(system)`` (present while the next probe must wait).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable

from approvals.core.actions import Action, parse_actions
from approvals.core.ports import ConnectorError, ExecutionContext, SearchProbe
from approvals.flow import keys, queueing
from approvals.flow.runtime import Runtime, current

logger = logging.getLogger(__name__)

HORIZON = 3600.0
"""Seconds a sample counts for: the search's lag changes with the system's load, so only recent samples say it."""
MIN_SAMPLES = 3
"""Fewer recent samples than this and the configured window is used."""
FACTOR = 3.0
MARGIN = 10.0
PROBE_EVERY = 10.0
"""Seconds between two probes of one system (a search each time it looks; a few a minute at most)."""
MAX_SAMPLES = 200


def window_for(lags: Iterable[float], *, waiting: float | None, configured: float) -> float:
    """The wait, in seconds, for a search that lagged ``lags`` recently (and lags at least ``waiting`` now, when a
    probe is still looking), never more than ``configured``."""
    seen = [lag for lag in lags if lag >= 0]
    if len(seen) < MIN_SAMPLES:
        return configured
    worst = max([*seen, waiting or 0.0])
    # An operator who configured a short window wants short waits: the margin is at most a quarter of it.
    return min(configured, max(worst * FACTOR, worst + min(MARGIN, configured / 4)))


def window(rt: Runtime, system: str) -> float:
    """The wait in force for ``system``'s search (see ``window_for``)."""
    configured = rt.timing.index_lag_window
    if not rt.timing.learn_index_lag:
        return configured
    now = rt.clock().timestamp()
    with rt.connection.pipeline(transaction=False) as pipe:
        pipe.zrangebyscore(keys.search_lag_samples(system), now - HORIZON, "+inf")
        pipe.get(keys.search_lag_probe(system))
        members, probing = pipe.execute()
    lags = [_lag_of(m) for m in members]
    waiting = None
    if probing is not None:
        sent_at = json.loads(probing).get("sent_at")
        waiting = max(0.0, now - float(sent_at)) if sent_at is not None else configured
    return window_for(lags, waiting=waiting, configured=configured)


def _lag_of(member: bytes) -> float:
    try:
        return float(member.decode().rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return -1.0  # not ours: ignored


def probe_after_create(rt: Runtime, proposal_id: str, action: Action, aid: str, sent_at: dt.datetime) -> None:
    """Called after ``action`` (one whose reconciling searches) was created: measure the search's lag with it, unless
    a probe of its system is in flight or one started less than ``PROBE_EVERY`` seconds ago. Never raises: a probe
    not made costs a sample, never the create that was just made."""
    if not rt.timing.learn_index_lag or not action.reconcile_lags:
        return
    system = action.system
    try:
        if not rt.connection.set(keys.search_lag_next(system), aid, nx=True, px=int(PROBE_EVERY * 1000)):
            return
        record = json.dumps({"action_id": aid, "proposal_id": proposal_id, "sent_at": sent_at.timestamp()})
        # It outlives the configured window only if its job is lost: then it counts, as a long lag, until it expires.
        ttl = int(rt.timing.index_lag_window * 1.5 + 60)
        if not rt.connection.set(keys.search_lag_probe(system), record, nx=True, ex=ttl):
            return
        queueing.enqueue_search_probe(rt, system, aid, delay=1.0)
    except Exception:
        logger.warning("proposal %s action %s: could not start a search-lag probe", proposal_id, aid, exc_info=True)


def probe(system: str, aid: str) -> str:
    """RQ job: does ``system``'s search find what action ``aid`` made yet? Records the lag when it does (or the
    configured window when it still does not by then); otherwise looks again a little later."""
    rt = current()
    raw = rt.connection.get(keys.search_lag_probe(system))
    record = json.loads(raw) if raw is not None else None
    if record is None or record.get("action_id") != aid:
        return "stale"  # another probe's turn, or this one already ended
    proposal_id = record.get("proposal_id", "?")
    configured = rt.timing.index_lag_window
    age = rt.clock().timestamp() - float(record["sent_at"])
    try:
        spec = rt.ledger.get(aid).spec or {}
        (action,) = parse_actions([spec["action"]])
    except (KeyError, TypeError, ValueError):
        logger.warning("proposal %s action %s: nothing to probe the search with; probe ended", proposal_id, aid)
        _end(rt, system)
        return "gone"
    connector = rt.connectors.get(system)
    if not isinstance(connector, SearchProbe):
        _end(rt, system)
        return "unsupported"
    context = ExecutionContext(proposal_id=proposal_id, action_id=aid, permalink=None)
    try:
        found = connector.found_by_search(action, context)
    except ConnectorError as exc:
        if age >= configured:
            _end(rt, system)
            return "error"
        logger.info("proposal %s: the search-lag probe could not search (%s); looking again", proposal_id, exc)
        queueing.enqueue_search_probe(rt, system, aid, delay=max(5.0, exc.retry_after or 0.0))
        return "error"
    if found or age >= configured:
        lag = age if found else configured
        _record(rt, system, aid, lag)
        logger.info(
            "proposal %s: %s search %s %.1f s after it was sent",
            proposal_id,
            system,
            "found what it made" if found else "still did not find what it made",
            age,
        )
        _end(rt, system)
        return "found" if found else "not found"
    # Look again soon while it usually shows (seconds), then less often.
    queueing.enqueue_search_probe(rt, system, aid, delay=min(max(age / 2, 1.0), 15.0))
    return "waiting"


def _record(rt: Runtime, system: str, aid: str, lag: float) -> None:
    now = rt.clock().timestamp()
    key = keys.search_lag_samples(system)
    with rt.connection.pipeline(transaction=True) as pipe:
        pipe.zadd(key, {f"{aid}:{lag:.3f}": now})
        pipe.zremrangebyscore(key, "-inf", now - HORIZON)
        pipe.zremrangebyrank(key, 0, -MAX_SAMPLES - 1)
        pipe.expire(key, int(HORIZON) + 60)
        pipe.execute()


def _end(rt: Runtime, system: str) -> None:
    rt.connection.delete(keys.search_lag_probe(system))
