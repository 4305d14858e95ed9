"""``followthrough``: the console script of an installed package, and ``python app.py`` from a checkout.

    followthrough [bot]              the bot: Bolt in Socket Mode (Procfile ``bot:``)
    followthrough worker             an RQ worker with the scheduler (Procfile ``worker:``)
    followthrough doctor             every setting and connection checked, one line each; exit 1 on a failure
    followthrough ready              exit 0 when this container's process answers /readyz (a health check)
    followthrough policy check [F]   validate a policy file (exit 1 with every problem and its line)
    followthrough policy test ...    what a policy says about one request, or a cases file
    followthrough audit export       an evidence pack of the audit trail (JSON Lines); ``audit verify`` checks one
    followthrough shadow report      shadow mode's figures: precision per action kind from the Right / Wrong answers
    followthrough --version

Configuration comes from the environment, ``.env`` or secret files (``followthrough.settings``); a missing or
malformed setting stops start-up with the variable's name and how to fix it, and tokens are never printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError

from approvals.flow import metrics
from approvals.flow.logs import configure_logging
from followthrough import __version__, doctor
from followthrough.admin import check_policy, export_audit, shadow_report, test_policy, verify_audit
from followthrough.processes import probe_readiness, run_bot, run_worker
from followthrough.settings import (
    ConfigurationError,
    HealthSettings,
    PolicySettings,
    load_settings,
    redis_place,
    settings_problem,
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="followthrough", description="Followthrough Slack bot")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("bot", help="run the Slack bot (default)")
    worker = commands.add_parser("worker", help="run an RQ worker with the scheduler")
    worker.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    commands.add_parser("doctor", help="check every setting and connection; exit 1 if anything fails")
    commands.add_parser("ready", help="exit 0 when the process on FOLLOWTHROUGH_HEALTH_PORT answers /readyz")
    policy = commands.add_parser("policy", help="work with policy files")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True)
    check = policy_commands.add_parser("check", help="validate a policy file")
    check.add_argument(
        "file", nargs="?", help="the policy file (default: FOLLOWTHROUGH_POLICY, else the default policy)"
    )
    test = policy_commands.add_parser("test", help="what a policy says about one request, or run a cases file")
    test.add_argument("file", nargs="?", help="the policy file (not needed with --cases)")
    test.add_argument("--as", dest="as_user", help="the requester: a Slack user id or an email")
    test.add_argument("--groups", default="", help="the requester's Slack user groups, comma-separated")
    test.add_argument("--channel", help="the channel the request is made in (name or id)")
    test.add_argument("--action", help='the action as JSON, e.g. {"kind": "jira.create_issue", "project": "PAY", ...}')
    test.add_argument("--cases", help="a cases file (see policies/tests/); exit 1 if any case fails")
    audit = commands.add_parser("audit", help="export and verify the audit trail (REDIS_URL, FOLLOWTHROUGH_AUDIT_KEY)")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    export = audit_commands.add_parser("export", help="write an evidence pack as JSON Lines")
    export.add_argument("--proposal", metavar="ID", help="one request (with its undo), e.g. ft-7kq2mx9c")
    export.add_argument("--since", help="from this time: 2025-03-01, 2025-03-01T14:00 (UTC unless zoned), or 24h, 7d")
    export.add_argument("--until", help="up to (not including) this time, written like --since")
    export.add_argument("--output", "-o", default="-", help="the file to write (default: stdout)")
    verify = audit_commands.add_parser("verify", help="recompute the chains and signatures; exit 1 on a mismatch")
    verify.add_argument("file", nargs="?", help="an evidence pack written by `audit export`")
    verify.add_argument("--redis", action="store_true", help="verify the trail in Redis (REDIS_URL)")
    verify.add_argument(
        "--archive", action="store_true", help="verify the PostgreSQL archive (FOLLOWTHROUGH_AUDIT_DATABASE_URL)"
    )
    verify.add_argument("--all", action="store_true", help="list every problem before the summary")
    shadow = commands.add_parser("shadow", help="shadow mode: what the bot would have done, and how often it was right")
    shadow_commands = shadow.add_subparsers(dest="shadow_command", required=True)
    report = shadow_commands.add_parser("report", help="precision per action kind from the Right / Wrong answers")
    report.add_argument("--since", help="only requests from this time: 2025-03-01, or 24h, 7d (default: all)")
    args = parser.parse_args(argv)

    if args.command == "doctor":
        configure_logging("WARNING")  # the libraries' own warnings, secrets masked, on stderr
        return doctor.run()

    if args.command == "ready":
        try:
            port = HealthSettings().followthrough_health_port
        except ValidationError as exc:
            print(f"not ready: {settings_problem(exc)}", file=sys.stderr)
            return 2
        return probe_readiness(port)

    if args.command == "shadow":
        return shadow_report(args.since)

    if args.command == "audit":
        if args.audit_command == "export":
            return export_audit(args.proposal, since=args.since, until=args.until, output=args.output)
        return verify_audit(args.file, redis=args.redis, archive=args.archive, show_all=args.all)

    if args.command == "policy":
        if args.policy_command == "test":
            return test_policy(
                args.file,
                as_user=args.as_user,
                groups=args.groups,
                channel=args.channel,
                action=args.action,
                cases=args.cases,
            )
        return check_policy(args.file if args.file is not None else str(PolicySettings().followthrough_policy))

    settings = load_settings()
    configure_logging(settings.followthrough_log_level, settings.followthrough_log_format)
    if settings.followthrough_health_port is not None:
        metrics.enable()  # before any job is forked: they write to the same directory
    try:
        if args.command == "worker":
            run_worker(settings, burst=args.burst)
        else:
            run_bot(settings)
    except RedisConnectionError as exc:
        raise ConfigurationError(
            f"Followthrough cannot start: Redis at {redis_place(settings.redis_url)} is unreachable ({exc})."
        ) from None
    return 0
