"""The operator's commands that need no Slack token: ``policy check`` / ``policy test``, ``audit export`` /
``audit verify`` and ``shadow report``. Each prints what it found and returns the process's exit code (0 fine, 1 a
problem found, 2 a command that could not run); none prints a traceback or a secret.
"""

from __future__ import annotations

import json
import sys

import psycopg
from pydantic import ValidationError
from redis import Redis

from approvals.core.policy import PolicyError, Principal, load_policy
from approvals.core.policy_cases import decide, parse_action, run_cases
from approvals.flow.archive import verify_archive
from approvals.flow.audit import Signer
from approvals.flow.evidence import EvidenceExporter, Scope, parse_moment, verify_pack, verify_redis
from approvals.flow.shadow import build_report, report_lines
from approvals.flow.store import ProposalStore
from followthrough.settings import AuditSettings, settings_problem
from followthrough.wiring import utc_now


def test_policy(
    path: str | None, *, as_user: str | None, groups: str, channel: str | None, action: str | None, cases: str | None
) -> int:
    """`policy test`: one request against a policy file, or a whole cases file; exit 1 on a failed expectation."""
    if cases is not None:
        try:
            results = run_cases(cases)
        except (OSError, ValueError, PolicyError) as exc:
            print(f"{cases}: {exc}", file=sys.stderr)
            return 2
        for result in results:
            status = "PASS" if result.passed else "FAIL"
            print(f"{status}  {result.case.name}" + "".join(f"\n      {p}" for p in result.problems))
        failed = sum(not r.passed for r in results)
        print(f"{len(results) - failed} passed, {failed} failed")
        return 1 if failed else 0
    if path is None or as_user is None or action is None:
        print("policy test needs FILE --as USER --action JSON, or --cases FILE", file=sys.stderr)
        return 2
    try:
        policy = load_policy(path)
        data = json.loads(action)
        parsed = parse_action(data if isinstance(data, dict) else {})
    except PolicyError as exc:
        print(exc, file=sys.stderr)
        return 1
    except (json.JSONDecodeError, ValueError) as exc:
        print(f"--action: {exc}", file=sys.stderr)
        return 2
    email = as_user if "@" in as_user else None
    user_id = "U0CLI0001" if email else as_user
    requester = Principal(user_id=user_id, email=email, groups=frozenset(g for g in groups.split(",") if g))
    decision = decide(policy, requester, parsed, channel)
    print(f"rule:     {decision.rule}")
    print(f"outcome:  {decision.outcome}")
    if decision.outcome == "deny":
        print(f"reason:   {decision.reason}")
    if decision.outcome == "approve":
        print(f"ask:      {decision.min_approvers} of the roles {', '.join(decision.approver_roles)}")
        members = [
            f"{role}: {policy.document.roles[role].model_dump(exclude_defaults=True)}"
            for role in decision.approver_roles
            if role in policy.document.roles
        ]
        for line in members:
            print(f"          {line}")
        print(f"self-approval allowed: {decision.allow_self_approval}; expires after {decision.expires_after} s")
    print(f"roles of the requester: {', '.join(sorted(policy.roles_of(requester)))}")
    print(f"policy:   {decision.policy_hash}")
    return 0


def export_audit(proposal: str | None, *, since: str | None, until: str | None, output: str) -> int:
    """`audit export`: an evidence pack of one proposal or of a time range, as JSON Lines (``-``: stdout)."""
    if (proposal is None) == (since is None and until is None):
        print("audit export needs --proposal ID, or --since and/or --until", file=sys.stderr)
        return 2
    try:
        settings = AuditSettings()
        now = utc_now()
        scope = Scope(
            proposal_id=proposal,
            since=parse_moment(since, now=now) if since else None,
            until=parse_moment(until, now=now) if until else None,
        )
    except ValidationError as exc:
        print(f"audit export: {settings_problem(exc)}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"audit export: {exc}", file=sys.stderr)
        return 2
    if not settings.redis_url:
        print("audit export: REDIS_URL is not set; set it to the Redis Followthrough uses", file=sys.stderr)
        return 2
    signer = Signer(settings.followthrough_audit_key) if settings.followthrough_audit_key else None
    exporter = EvidenceExporter(
        Redis.from_url(settings.redis_url, socket_connect_timeout=5), signer=signer, clock=utc_now
    )
    try:
        if output == "-":
            entries = exporter.write(scope, sys.stdout)
        else:
            with open(output, "w", encoding="utf-8") as out:
                entries = exporter.write(scope, out)
    except LookupError as exc:
        print(f"audit export: {exc.args[0]}", file=sys.stderr)
        return 1
    signed = f"signed with key {signer.kid}" if signer else "not signed: FOLLOWTHROUGH_AUDIT_KEY is not set"
    print(f"{entries} audit entries written to {'stdout' if output == '-' else output} ({signed})", file=sys.stderr)
    return 0


def verify_audit(path: str | None, *, redis: bool, archive: bool, show_all: bool) -> int:
    """`audit verify FILE|--redis|--archive`: recompute the chains and signatures; one line, exit 1 on a mismatch."""
    if [path is not None, redis, archive].count(True) != 1:
        print("audit verify needs one of: a FILE, --redis, --archive", file=sys.stderr)
        return 2
    try:
        settings = AuditSettings()
    except ValidationError as exc:
        print(f"audit verify: {settings_problem(exc)}", file=sys.stderr)
        return 2
    signer = Signer(settings.followthrough_audit_key) if settings.followthrough_audit_key else None
    if path is not None:
        try:
            with open(path, encoding="utf-8") as lines:
                result = verify_pack(lines, signer=signer)
        except OSError as exc:
            print(f"audit verify: cannot read {path} ({exc.strerror})", file=sys.stderr)
            return 2
    elif archive:
        if settings.followthrough_audit_database_url is None:
            print("audit verify --archive: FOLLOWTHROUGH_AUDIT_DATABASE_URL is not set", file=sys.stderr)
            return 2
        try:
            result = verify_archive(settings.followthrough_audit_database_url.get_secret_value(), signer=signer)
        except psycopg.Error as exc:
            print(f"audit verify --archive: cannot read the archive ({type(exc).__name__}: {exc})", file=sys.stderr)
            return 2
    else:
        if not settings.redis_url:
            print("audit verify --redis: REDIS_URL is not set; set it to the Redis Followthrough uses", file=sys.stderr)
            return 2
        result = verify_redis(Redis.from_url(settings.redis_url, socket_connect_timeout=5), signer=signer)
    if show_all:
        for problem in result.problems:
            print(f"  {problem.describe()}")
    print(result.summary())
    return 0 if result.ok else 1


def shadow_report(since: str | None) -> int:
    """`shadow report`: precision per action kind from the Right / Wrong answers on shadow cards, what was not
    answered, the questions asked, the requests not understood and the rules that fired (approvals.flow.shadow)."""
    try:
        settings = AuditSettings()
        start = parse_moment(since, now=utc_now()) if since else None
    except ValidationError as exc:
        print(f"shadow report: {settings_problem(exc)}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"shadow report: {exc}", file=sys.stderr)
        return 2
    if not settings.redis_url:
        print("shadow report: REDIS_URL is not set; set it to the Redis Followthrough uses", file=sys.stderr)
        return 2
    connection = Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    try:
        report = build_report(ProposalStore(connection, clock=utc_now), since=start)
    finally:
        connection.close()
    print("\n".join(report_lines(report)))
    return 0


def check_policy(path: str) -> int:
    try:
        policy = load_policy(path)
    except PolicyError as exc:
        print(exc, file=sys.stderr)
        return 1
    kinds = ", ".join(policy.document.actions) or "no actions"
    print(f"{path}: OK (hash {policy.content_hash}; roles: {', '.join(policy.document.roles)}; actions: {kinds})")
    return 0
