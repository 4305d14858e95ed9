"""Every Redis key the product writes: one builder per key, its owner and its lifetime in one table.

Invariant: no other module spells an ``ft:`` key. A module reads and writes only the keys whose ``owner`` it is (the
table below); another module that needs the same data asks the owner. Keys without a time-to-live are bounded by
what they hold (a set of live things that the owner removes when they end), never by time alone.

RQ's own keys (``rq:*``) are RQ's; job ids are built in approvals.flow.queueing.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "ft:"


@dataclass(frozen=True)
class KeyInfo:
    pattern: str
    owner: str
    """The module (under approvals/ unless it says bot/) that writes the key and answers for it."""
    kind: str
    """The Redis type: string, hash, set, zset, list, stream."""
    lifetime: str
    what: str


# --- requests (approvals.flow.inbox) ----------------------------------------------------------------------------


def inbox_record(request_key: str) -> str:
    return f"ft:inbox:{request_key}"


def inbox_done(request_key: str) -> str:
    return f"ft:inbox:done:{request_key}"


INBOX_PENDING = "ft:inbox:pending"

# --- proposals (approvals.flow.store) --------------------------------------------------------------------------


def proposal(proposal_id: str) -> str:
    return f"ft:proposal:{proposal_id}"


def proposals_in_state(state: str) -> str:
    return f"ft:state:{state}"


def thread_proposals(channel: str, thread_ts: str) -> str:
    return f"ft:thread:{channel}:{thread_ts}"


def thread_asking(channel: str, thread_ts: str) -> str:
    return f"ft:asking:{channel}:{thread_ts}"


def requester_proposals(user_id: str) -> str:
    return f"ft:requester:{user_id}"


OWED_ANNOUNCEMENTS = "ft:owed"

# --- the audit (approvals.flow.audit, approvals.flow.archive) ---------------------------------------------------

AUDIT_STREAM = "ft:audit"
AUDIT_HEAD = "ft:audit:head"
AUDIT_SIGNATURES = "ft:audit:sig"
AUDIT_POLICY_IN_FORCE = "ft:audit:policy-in-force"
AUDIT_TRIMMED = "ft:audit:trimmed"
RETENTION_LOCK = "ft:retention-lock"
ARCHIVE_STATE = "ft:audit:archive"
ARCHIVE_LOCK = "ft:audit:archive-lock"


def proposal_audit(proposal_id: str) -> str:
    return f"ft:audit:{proposal_id}"


def proposal_audit_head(proposal_id: str) -> str:
    return f"ft:audit:head:{proposal_id}"


# --- execution (approvals.flow.ledger, approvals.flow.leases, approvals.flow.execution) -------------------------


def ledger_entry(action_id: str) -> str:
    return f"ft:ledger:{action_id}"


def lease(name: str) -> str:
    return f"ft:lease:{name}"


def execution_not_before(proposal_id: str) -> str:
    return f"ft:not_before:{proposal_id}"


def execution_failures(proposal_id: str) -> str:
    return f"ft:attempts:{proposal_id}"


def execution_runs(proposal_id: str) -> str:
    return f"ft:runs:{proposal_id}"


def execution_since(proposal_id: str) -> str:
    return f"ft:since:{proposal_id}"


def execution_told(proposal_id: str) -> str:
    return f"ft:told:{proposal_id}"


# --- how far a system's search lags (approvals.flow.search_lag) -------------------------------------------------


def search_lag_samples(system: str) -> str:
    return f"ft:searchlag:{system}"


def search_lag_probe(system: str) -> str:
    return f"ft:searchlag:{system}:probe"


def search_lag_next(system: str) -> str:
    return f"ft:searchlag:{system}:next"


# --- queued jobs (approvals.flow.queueing) ------------------------------------------------------------------------


_JOB_SEQUENCE = {
    "intake": "ft:intakeseq:",
    "answer": "ft:answerseq:",
    "execute": "ft:execseq:",
    "undo": "ft:undojobseq:",
}
_LATEST_JOB = {"intake": "ft:intakejob:", "answer": "ft:answerjob:", "execute": "ft:job:", "undo": "ft:undojob:"}


def job_sequence(kind: str, subject: str) -> str:
    """A counter that makes each queued job of ``kind`` for ``subject`` a fresh RQ job id."""
    return _JOB_SEQUENCE[kind] + subject


def latest_job(kind: str, subject: str) -> str:
    """The id of the last job queued of ``kind`` for ``subject``: the reaper asks RQ whether it still waits."""
    return _LATEST_JOB[kind] + subject


# --- parking, deadlines, cards, undo, follow-ups ------------------------------------------------------------------

PARKED = "ft:parked"


def tries(kind: str, subject: str) -> str:
    return f"ft:tries:{kind}:{subject}"


POLICY_SWEPT = "ft:policy:swept"


def reminded(proposal_id: str, fingerprint: str) -> str:
    return f"ft:reminded:{proposal_id}:{fingerprint}"


def cards_posted(proposal_id: str) -> str:
    return f"ft:cards:{proposal_id}"


def undo_sequence(proposal_id: str) -> str:
    return f"ft:undoseq:{proposal_id}"


PENDING_UNDOS = "ft:undo:pending"


def commitment(commitment_id: str) -> str:
    return f"ft:cm:{commitment_id}"


COMMITMENTS_LIVE = "ft:cm:live"
COMMITMENTS_OWED = "ft:cm:owed"


def digest_sent(user_id: str) -> str:
    return f"ft:cm:digest:{user_id}"


def commitments_of_owner(user_id: str) -> str:
    return f"ft:cm:owner:{user_id}"


def commitments_of_requester(user_id: str) -> str:
    return f"ft:cm:requester:{user_id}"


def commitments_in_system(system: str) -> str:
    return f"ft:cm:system:{system}"


def commitments_on(system: str, ref: str) -> str:
    return f"ft:cm:subject:{system}:{ref}"


# --- the rest ----------------------------------------------------------------------------------------------------

SHADOW_SEEN = "ft:shadow:requests"
HOME_OPENED = "ft:home:opened"
LLM_USAGE = "ft:metrics:llm_usage"
REAPER_LOCK = "ft:reaper-lock"
RESCUE_LOCK = "ft:rescue-lock"
DIRECTORY_PREFIX = "ft:directory:"


def modal(view_id: str) -> str:
    return f"ft:modal:{view_id}"


DAY = "1 day"
KEYS: tuple[KeyInfo, ...] = (
    KeyInfo("ft:inbox:<request>", "flow.inbox", "string", "14 days", "a request as received (channel, ts, text)"),
    KeyInfo("ft:inbox:done:<request>", "flow.inbox", "string", "14 days", "what a request became"),
    KeyInfo(INBOX_PENDING, "flow.inbox", "zset", "until answered", "requests not yet answered, by time received"),
    KeyInfo("ft:proposal:<id>", "flow.store", "string", "until retired", "a proposal (JSON), with its version"),
    KeyInfo("ft:state:<state>", "flow.store", "set", "while in the state", "proposals by state"),
    KeyInfo("ft:thread:<channel>:<ts>", "flow.store", "set", "until retired", "proposals of a thread"),
    KeyInfo("ft:asking:<channel>:<ts>", "flow.store", "hash", "while asking", "who a thread's question waits for"),
    KeyInfo("ft:requester:<user>", "flow.store", "zset", "until retired", "a person's proposals, newest first"),
    KeyInfo(OWED_ANNOUNCEMENTS, "flow.store", "hash", "until said", "states the thread has not heard of yet"),
    KeyInfo(AUDIT_STREAM, "flow.audit", "stream", "until archived and older than retention", "the global chain"),
    KeyInfo("ft:audit:<id>", "flow.audit", "stream", "until retired", "a proposal's audit chain"),
    KeyInfo("ft:audit:head[:<id>]", "flow.audit", "hash", "until retired", "the hash at the head of a chain"),
    KeyInfo(AUDIT_SIGNATURES, "flow.audit", "hash", "entries: until retired", "HMAC signature of each entry"),
    KeyInfo(AUDIT_POLICY_IN_FORCE, "flow.audit", "string", "kept", "the policy hash last audited"),
    KeyInfo(AUDIT_TRIMMED, "flow.retention", "hash", "kept", "the last entry trimmed from the global chain"),
    KeyInfo(RETENTION_LOCK, "flow.worker", "string", "one pass", "one retention pass at a time"),
    KeyInfo(ARCHIVE_STATE, "flow.archive", "hash", "kept", "how far the PostgreSQL archive has copied"),
    KeyInfo(ARCHIVE_LOCK, "flow.archive", "string", "seconds", "one archiver at a time"),
    KeyInfo(
        "ft:ledger:<action id>",
        "flow.ledger",
        "hash",
        "90 days, or until retired",
        "an action: pending, sent, done, failed",
    ),
    KeyInfo("ft:lease:<name>", "flow.leases", "string", "its holder's life", "one worker on a piece of work"),
    KeyInfo("ft:not_before:<id>", "flow.execution", "string", DAY, "earliest time of the next run (Retry-After)"),
    KeyInfo("ft:attempts:<id>", "flow.execution", "string", "7 days", "failed attempts that sent something"),
    KeyInfo("ft:runs:<id>", "flow.execution", "string", "until a run ends", "runs started (a run killed counts)"),
    KeyInfo("ft:since:<id>", "flow.execution", "string", "7 days", "when the first try of an approval began"),
    KeyInfo("ft:told:<id>", "flow.execution", "hash", "7 days", "'still retrying' notices posted"),
    KeyInfo("ft:searchlag:<system>", "flow.search_lag", "zset", "1 hour", "how long its search lagged our creates"),
    KeyInfo("ft:searchlag:<system>:probe", "flow.search_lag", "string", "while probing", "the probe in flight"),
    KeyInfo("ft:searchlag:<system>:next", "flow.search_lag", "string", "10 s", "the next probe waits"),
    KeyInfo("ft:{intake,answer,exec,undojob}seq:<subject>", "flow.queueing", "string", "30 days", "job id counter"),
    KeyInfo("ft:{intakejob,answerjob,job,undojob}:<subject>", "flow.queueing", "string", "1-7 days", "last job queued"),
    KeyInfo(PARKED, "flow.parking", "hash", "until retried", "work parked for an admin"),
    KeyInfo("ft:tries:<kind>:<subject>", "flow.parking", "string", "7 days", "attempts of a job"),
    KeyInfo(POLICY_SWEPT, "flow.deadlines", "string", "kept", "the policy hash waiting requests were checked under"),
    KeyInfo("ft:reminded:<id>:<fp>", "flow.deadlines", "string", "30 days", "a reminder sent once"),
    KeyInfo("ft:cards:<id>", "flow.showing", "string", "30 days", "the version whose cards were posted"),
    KeyInfo("ft:undoseq:<id>", "flow.undoing", "string", "7 days", "undo proposal counter"),
    KeyInfo(PENDING_UNDOS, "flow.undoing", "zset", "until proposed", "undos asked for, not yet proposed"),
    KeyInfo("ft:cm:<id>", "flow.commitment_store", "hash", "kept", "a follow-up"),
    KeyInfo("ft:cm:live|owed", "flow.commitment_store", "zset/hash", "while live", "follow-ups due, messages owed"),
    KeyInfo("ft:cm:owner|requester|system|subject:…", "flow.commitment_store", "set", "while live", "indexes"),
    KeyInfo("ft:cm:digest:<user>", "flow.followthrough", "string", "14 days", "the week of the last digest sent"),
    KeyInfo(SHADOW_SEEN, "flow.shadow", "hash", "kept", "shadow-mode counters"),
    KeyInfo(HOME_OPENED, "flow.queries", "set", "kept", "people whose App Home is kept up to date"),
    KeyInfo(LLM_USAGE, "flow.intake", "hash", "kept", "tokens the model used, summed"),
    KeyInfo(REAPER_LOCK + ", " + RESCUE_LOCK, "flow.worker", "string", "one pass", "one reaper at a time"),
    KeyInfo("ft:modal:<view>", "bot/listeners", "string", "1 hour", "the proposal a modal belongs to"),
    KeyInfo("ft:directory:…", "bot/directory", "hash/string", "15 min to 24 hours", "the Slack directory cache"),
)
"""The table a newcomer reads: every key, who owns it, how long it lives."""
