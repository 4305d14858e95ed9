"""Log lines people and machines can read: text by default, one JSON object per line with
``FOLLOWTHROUGH_LOG_FORMAT=json``, tokens never in either.

Every log line about a proposal already names it ("proposal ft-7kq2mx9c: ..."); the JSON form lifts the ids a line
names into fields of their own (``proposal_id``, ``commitment_id``, ``request``, ``slack_users``, ``channel``) and
adds the RQ job id of the job that wrote it, so a log pipeline can follow one request across the bot, the workers
and their forked jobs without parsing sentences. A redaction filter masks anything shaped like a Slack, Jira or
Salesforce secret in every line, whatever the format, as a last line of defence (settings hold tokens as SecretStr
and nothing logs them on purpose).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any

from rq import get_current_job

_PROPOSAL = re.compile(r"\b(ft-[a-z0-9]{8})\b")
_COMMITMENT = re.compile(r"\b(cm-[a-z0-9]{8})\b")
_REQUEST = re.compile(r"\b(request\s+)?([CDG][A-Z0-9]{2,}-\d+_\d+)\b")
_USER = re.compile(r"\b([UW][A-Z0-9]{6,})\b")
_CHANNEL = re.compile(r"\b([CDG][A-Z0-9]{6,})\b")
_SECRETS = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,}|00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]{20,}"
    r"|Bearer\s+[A-Za-z0-9._~+/=-]{12,}|ATATT[A-Za-z0-9_=-]{12,})"
)
"""Slack bot/user/app tokens, a Salesforce session id, a bearer header, an Atlassian API token."""


def redact(text: str) -> str:
    return _SECRETS.sub(lambda m: m[0][:8] + "…[redacted]", text)


class RedactingFilter(logging.Filter):
    """Masks secrets in the message and its arguments of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logged as it is
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_text is None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def _job_id() -> str | None:
    try:
        job = get_current_job()
    except Exception:  # outside a job (or no connection bound): no job id
        return None
    return job.id if job is not None else None


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, process, message, and the ids the message names."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "message": message,
        }
        proposal = _PROPOSAL.search(message)
        if proposal:
            entry["proposal_id"] = proposal[1]
        commitment = _COMMITMENT.search(message)
        if commitment:
            entry["commitment_id"] = commitment[1]
        request = _REQUEST.search(message)
        if request:
            entry["request"] = request[2]
            entry["channel"] = request[2].split("-", 1)[0]
        else:
            channel = _CHANNEL.search(message)
            if channel:
                entry["channel"] = channel[1]
        users = sorted(set(_USER.findall(message)))
        if users:
            entry["slack_users"] = users
        job = _job_id()
        if job:
            entry["job_id"] = job
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"


def configure_logging(level: str, fmt: str = "text") -> None:
    """Root logging for a Followthrough process: ``fmt`` is ``text`` or ``json``; secrets are always masked."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
