"""What the sandbox page shows, as plain JSON-ready data: pure functions over the emulators' state.

Everything here reads and returns copies; nothing changes an emulator. What a person may see is decided here, in
one place: the conversations they are a member of, and only the ephemeral messages addressed to them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml

from sandbox.salesforce import SalesforceEmulator
from sandbox.salesforce.seeding import INTEGRATION_USER_ID
from sandbox.seed import Seed
from sandbox.slack.workspace import Conversation, Workspace

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------- the world: people, channels, the app


def app_features(manifest: Path | None) -> dict[str, Any]:
    """The slash commands, shortcuts and App Home tab the app declares in its manifest, as a Slack client learns
    them.

    A missing or unreadable manifest gives none (and a warning): the page then offers no commands, as Slack would
    for an app that declares none.
    """
    empty: dict[str, Any] = {"commands": [], "shortcuts": [], "home_tab": False}
    if manifest is None:
        return empty
    try:
        data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
        features = data.get("features") or {}
        commands = [
            {
                "command": str(c["command"]),
                "description": str(c.get("description", "")),
                "usage_hint": str(c.get("usage_hint", "")),
            }
            for c in features.get("slash_commands") or []
        ]
        shortcuts = [
            {
                "callback_id": str(s["callback_id"]),
                "name": str(s.get("name", s["callback_id"])),
                "type": str(s.get("type", "global")),
                "description": str(s.get("description", "")),
            }
            for s in features.get("shortcuts") or []
        ]
        home_tab = bool((features.get("app_home") or {}).get("home_tab_enabled", False))
    except (OSError, yaml.YAMLError, AttributeError, KeyError, TypeError) as exc:
        logger.warning("sandbox page: cannot read the app's commands and shortcuts from %s: %s", manifest, exc)
        return empty
    return {"commands": commands, "shortcuts": shortcuts, "home_tab": home_tab}


def world(seed: Seed, ws: Workspace, *, features: dict[str, Any], jira_url: str, slack_url: str) -> dict[str, Any]:
    """What does not change while the page is open: the company, its people and channels, the app."""
    groups_of: dict[str, list[str]] = {}
    for group in ws.usergroups.values():
        for member in group["users"]:
            groups_of.setdefault(member, []).append(group["handle"])
    people = [
        {
            "id": p.slack_id,
            "name": p.name,
            "real_name": p.real_name,
            "title": p.title,
            "groups": sorted(groups_of.get(p.slack_id, [])),
        }
        for p in seed.people
    ]
    bot = seed.slack.bot
    return {
        "team": {"id": ws.team_id, "name": ws.team_name, "domain": ws.team_domain},
        "bot": {"id": bot.user_id, "name": bot.name, "real_name": bot.real_name},
        "people": people,
        "usergroups": [{"id": g["id"], "handle": g["handle"], "name": g["name"]} for g in ws.usergroups.values()],
        "channels": [{"id": c.id, "name": c.name} for c in ws.conversations.values() if c.kind == "channel"],
        "commands": features.get("commands", []),
        "shortcuts": features.get("shortcuts", []),
        "home_tab": bool(features.get("home_tab", False)),
        "jira_url": jira_url,
        "slack_url": slack_url,
    }


# ---------------------------------------------------------------------- one person's Slack


def _latest_top_level(conv: Conversation) -> str | None:
    for message in reversed(conv.messages.values()):
        thread_ts = message.get("thread_ts")
        if thread_ts is None or thread_ts == message["ts"] or message.get("subtype") == "thread_broadcast":
            return str(message["ts"])
    return None


def conversations_for(ws: Workspace, user_id: str) -> list[dict[str, Any]]:
    """The conversations ``user_id`` is in, with what the sidebar needs (call with the workspace lock held)."""
    listed = []
    for conv in ws.conversations.values():
        if user_id not in conv.members:
            continue
        others = sorted(m for m in conv.members if m != user_id)
        listed.append(
            {
                "id": conv.id,
                "kind": conv.kind,
                "name": conv.name,
                "topic": conv.topic,
                "members": len(conv.members),
                "others": others,
                "bot_member": ws.bot_user_id in conv.members,
                "latest": _latest_top_level(conv),
            }
        )
    return listed


def split_ephemerals(
    ws: Workspace, user_id: str, channel: str
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """``user_id``'s ephemeral messages in ``channel``: those shown in the channel, and those in each thread
    (keyed by the thread's root ts). Nobody else's are ever returned."""
    in_channel: list[dict[str, Any]] = []
    in_threads: dict[str, list[dict[str, Any]]] = {}
    for item in ws.ephemerals_for(user_id):
        if item["channel"] != channel:
            continue
        message = {**item["message"], "channel": channel, "ephemeral": True}
        thread_ts = message.get("thread_ts")
        if thread_ts:
            root = ws.conversation(channel).messages.get(thread_ts, {}).get("thread_ts", thread_ts)
            message["thread_ts"] = root
            in_threads.setdefault(str(root), []).append(message)
        else:
            in_channel.append(message)
    return in_channel, in_threads


# ---------------------------------------------------------------------- Jira and Salesforce


def jira_issues(
    issues: list[dict[str, Any]], *, site: str, moves: dict[str, list[str]] | None = None
) -> list[dict[str, Any]]:
    """Issues as the side pane lists them, newest first, each with the statuses its workflow offers a move to now
    (``moves``, from ``JiraEmulator.moves``: the pane's "Move to" menu)."""
    offered = moves or {}
    rows = []
    for issue in issues:
        f = issue["fields"]
        rows.append(
            {
                "id": issue["id"],
                "key": issue["key"],
                "url": f"{site}/browse/{issue['key']}",
                "summary": f.get("summary") or "",
                "type": (f.get("issuetype") or {}).get("name", ""),
                "status": (f.get("status") or {}).get("name", ""),
                "status_category": ((f.get("status") or {}).get("statusCategory") or {}).get("key", ""),
                "assignee": (f.get("assignee") or {}).get("displayName"),
                "priority": (f.get("priority") or {}).get("name", ""),
                "labels": list(f.get("labels") or []),
                "comments": int((f.get("comment") or {}).get("total", 0)),
                "duedate": f.get("duedate"),
                "created": f.get("created") or "",
                "updated": f.get("updated") or "",
                "moves": list(offered.get(issue["key"], [])),
            }
        )
    rows.sort(key=lambda row: (row["created"], int(row["id"])), reverse=True)
    return rows


def salesforce_records(sf: SalesforceEmulator) -> dict[str, list[Any]]:
    """Opportunities and tasks with their ids resolved to names, most recently changed first, and the values their
    stage and status can be moved to (the pane's menus)."""
    users = {u["Id"]: u.get("Name") or u.get("Username", "") for u in sf.records("User")}
    # Who last changed a record, when it was a person (the integration user is the bot, or the seed's loader).
    people = {i: n for i, n in users.items() if i != INTEGRATION_USER_ID}
    accounts = {a["Id"]: a.get("Name", "") for a in sf.records("Account")}
    opportunities = sf.records("Opportunity")
    contacts = {c["Id"]: " ".join(filter(None, (c.get("FirstName"), c.get("LastName")))) for c in sf.records("Contact")}
    related = {**accounts, **{o["Id"]: o.get("Name", "") for o in opportunities}, **contacts}

    def newest_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(rows, key=lambda r: r["modified"], reverse=True)  # stable: creation order among equals

    return {
        "opportunities": newest_first(
            [
                {
                    "id": o["Id"],
                    "name": o.get("Name", ""),
                    "account": accounts.get(o.get("AccountId") or "", ""),
                    "stage": o.get("StageName", ""),
                    "amount": o.get("Amount"),
                    "close_date": o.get("CloseDate"),
                    "owner": users.get(o.get("OwnerId") or "", ""),
                    "modified": o.get("LastModifiedDate") or "",
                    "modified_by": people.get(o.get("LastModifiedById") or "", ""),
                }
                for o in opportunities
            ]
        ),
        "tasks": newest_first(
            [
                {
                    "id": t["Id"],
                    "subject": t.get("Subject", ""),
                    "owner": users.get(t.get("OwnerId") or "", ""),
                    "related_to": related.get(t.get("WhatId") or t.get("WhoId") or "", ""),
                    "due": t.get("ActivityDate"),
                    "status": t.get("Status", ""),
                    "modified": t.get("LastModifiedDate") or "",
                    "modified_by": people.get(t.get("LastModifiedById") or "", ""),
                }
                for t in sf.records("Task")
            ]
        ),
        "stages": sf.picklist("Opportunity", "StageName"),
        "task_statuses": sf.picklist("Task", "Status"),
    }
