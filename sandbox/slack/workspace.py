"""The state of the emulated Slack workspace: people, conversations, messages, views and short-lived tokens.

Everything the Web API, Socket Mode and the driver show comes from one ``Workspace``. It does no I/O: callers turn
its changes into HTTP answers and events. Invariants:

- every read returns deep copies, so nothing outside can change a stored message, view or user;
- ``ts`` values are ``"<epoch seconds>.<6 digits>"`` and strictly increasing across the whole workspace, so the
  insertion order of a conversation's messages is also its ``ts`` order;
- every change bumps ``seq`` and wakes the waiters of ``changed`` (a ``threading.Condition``) under the workspace
  lock, so a test or a web page can wait for "the bot answered" without polling;
- a refused change raises ``SlackError`` with Slack's own error name and leaves the state untouched.

Messages are stored in Slack's shape (what ``conversations.history`` returns). The thread bookkeeping of a parent
(``reply_count``, ``reply_users``, ``latest_reply``) is recomputed from its replies after every change, never
patched incrementally, so it cannot drift.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import re
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sandbox.seed import Seed

ConversationKind = Literal["channel", "private", "im", "mpim"]
ViewKind = Literal["modal", "home"]

# Slack's limits, as documented for the methods that enforce them.
MAX_TEXT_CHARS = 40_000
MAX_MODAL_STACK = 3
RESPONSE_URL_MAX_USES = 5
RESPONSE_URL_TTL = 30 * 60.0
TRIGGER_TTL = 3.0
CHANGE_LOG_SIZE = 2_000

TOMBSTONE_TEXT = "This message was deleted."
SLACKBOT_ID = "USLACKBOT"
_EMOJI_NAME = re.compile(r"^[a-z0-9_+'-]+(::skin-tone-[2-6])?$")


class SlackError(Exception):
    """A request Slack refuses, with Slack's error name (``channel_not_found``) and optional detail lines.

    ``messages`` become ``response_metadata.messages`` in a Web API answer (the ``[ERROR] ...`` lines of
    ``invalid_blocks``); ``detail`` is a sentence for humans (the driver and the logs), never sent to the app.
    """

    def __init__(self, error: str, *, messages: Iterable[str] = (), detail: str = "") -> None:
        self.error = error
        self.messages = list(messages)
        self.detail = detail
        super().__init__(f"{error}: {detail}" if detail else error)


MANAGER_FIELD: dict[str, Any] = {
    "id": "Xf0MANAGER1",
    "ordering": 0,
    "field_name": "manager",
    "label": "Manager",
    "hint": "Who this person reports to",
    "type": "user",
    "possible_values": None,
    "options": None,
    "is_hidden": False,
}
"""The workspace's one custom profile field (team.profile.get), filled from each person's ``manager`` in the seed."""


@dataclass
class Conversation:
    """A public channel, a private channel, a DM (``im``) or a group DM (``mpim``); ``members`` holds user ids, the
    bot included."""

    id: str
    kind: ConversationKind
    name: str
    members: set[str]
    created: int
    topic: str = ""
    purpose: str = ""
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def channel_type(self) -> str:
        """The ``channel_type`` of message events: ``channel``, ``group`` (a private channel), ``im`` or ``mpim``."""
        return "group" if self.kind == "private" else self.kind


@dataclass
class Ephemeral:
    """A message only ``user`` sees, in ``channel`` (and in a thread when ``thread_ts`` is set)."""

    user: str
    channel: str
    message: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"user": self.user, "channel": self.channel, "message": copy.deepcopy(self.message)}


@dataclass
class OpenView:
    """A modal in a user's stack or a user's App Home; ``view`` is the object ``views.*`` return."""

    user: str
    kind: ViewKind
    view: dict[str, Any]


@dataclass
class ResponseUrl:
    """Where an interaction may be answered: at most 5 uses within 30 minutes, like Slack."""

    token: str
    user: str
    channel: str
    source: str
    created: float
    message_ts: str | None = None
    is_ephemeral: bool = False
    thread_ts: str | None = None
    uses: int = 0


@dataclass
class Trigger:
    """A ``trigger_id``: valid for 3 seconds and for one ``views.open`` / ``views.push``."""

    id: str
    user: str
    created: float
    used: bool = False


@dataclass(frozen=True)
class Change:
    """One entry of the change log: what changed, for live pages and waits (``seq`` is strictly increasing)."""

    seq: int
    kind: str
    channel: str | None = None
    ts: str | None = None
    user: str | None = None
    view_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class Workspace:
    """The Northwind Labs workspace as Slack would hold it; thread-safe (one re-entrant lock)."""

    def __init__(
        self,
        seed: Seed,
        *,
        clock: Callable[[], float] = time.time,
        lock: threading.RLock | None = None,
    ) -> None:
        self.seed = seed
        self.clock = clock
        self.changed = threading.Condition(lock if lock is not None else threading.RLock())
        s = seed.slack
        self.team_id = s.team_id
        self.team_domain = s.team_domain
        self.team_name = seed.company.name
        self.app_id = s.app_id
        self.bot_user_id = s.bot.user_id
        self.bot_id = s.bot.bot_id
        self.reset()

    # ------------------------------------------------------------------ lifecycle

    def reset(self) -> None:
        """Back to the seed: no messages, no views, no tokens; ids and counters start again."""
        with self.changed:
            self.trigger_ttl = TRIGGER_TTL
            self._created = int(self.clock()) - 86_400 * 365
            self._last_ts_micros = 0
            self._counter = 0
            self.users: dict[str, dict[str, Any]] = {}
            self.usergroups: dict[str, dict[str, Any]] = {}
            self.conversations: dict[str, Conversation] = {}
            self.ephemerals: list[Ephemeral] = []
            self.views: dict[str, OpenView] = {}
            self.modal_stacks: dict[str, list[str]] = {}
            self.homes: dict[str, str] = {}
            self.response_urls: dict[str, ResponseUrl] = {}
            self.triggers: dict[str, Trigger] = {}
            self.notices: list[dict[str, Any]] = []
            self.interaction_state: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
            self.seq = 0
            self.log: deque[Change] = deque(maxlen=CHANGE_LOG_SIZE)
            self._load_seed()
            self._record("reset")

    def _load_seed(self) -> None:
        everyone = [p.slack_id for p in self.seed.people]
        for person in self.seed.people:
            self.users[person.slack_id] = self._person_user(person)
        self.users[self.bot_user_id] = self._bot_user()
        for group in self.seed.usergroups:
            self.usergroups[group.id] = {
                "id": group.id,
                "team_id": self.team_id,
                "is_usergroup": True,
                "name": group.name,
                "handle": group.handle,
                "description": "",
                "users": [self.seed.person(m).slack_id for m in group.members],
            }
        for channel in self.seed.channels:
            members = (
                set(everyone) if channel.members == "all" else {self.seed.person(m).slack_id for m in channel.members}
            )
            if channel.bot_member:
                members.add(self.bot_user_id)
            self.conversations[channel.id] = Conversation(
                id=channel.id,
                kind="channel",
                name=channel.name,
                members=members,
                created=self._created,
                topic=channel.topic,
                purpose=channel.topic,
            )

    def _person_user(self, person: Any) -> dict[str, Any]:
        admin = "admin" in person.title.lower()
        return {
            "id": person.slack_id,
            "team_id": self.team_id,
            "name": person.name,
            "deleted": False,
            "color": "4bbe2e",
            "real_name": person.real_name,
            **_time_zone(person.tz),
            "profile": {
                "title": person.title,
                "phone": "",
                "skype": "",
                "real_name": person.real_name,
                "real_name_normalized": person.real_name,
                "display_name": person.name,
                "display_name_normalized": person.name,
                "fields": None,
                "status_text": "",
                "status_emoji": "",
                "status_expiration": 0,
                "avatar_hash": hashlib.sha1(person.slack_id.encode()).hexdigest()[:12],
                "email": person.email,
                "first_name": person.first_name,
                "last_name": person.last_name,
                **_avatar_urls(person.slack_id),
                "team": self.team_id,
            },
            "is_admin": admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": False,
            "is_app_user": False,
            "updated": self._created,
            "is_email_confirmed": True,
            "who_can_share_contact_card": "EVERYONE",
        }

    def _bot_user(self) -> dict[str, Any]:
        bot = self.seed.slack.bot
        return {
            "id": bot.user_id,
            "team_id": self.team_id,
            "name": bot.name,
            "deleted": False,
            "color": "757575",
            "real_name": bot.real_name,
            "tz": "America/Los_Angeles",
            "tz_label": "Pacific Standard Time",
            "tz_offset": -28800,
            "profile": {
                "title": "",
                "phone": "",
                "skype": "",
                "real_name": bot.real_name,
                "real_name_normalized": bot.real_name,
                "display_name": "",
                "display_name_normalized": "",
                "fields": None,
                "status_text": "",
                "status_emoji": "",
                "status_expiration": 0,
                "avatar_hash": "g" + bot.bot_id.lower()[:11],
                "api_app_id": self.app_id,
                "always_active": True,
                "bot_id": bot.bot_id,
                "first_name": bot.real_name,
                "last_name": "",
                **_avatar_urls(bot.user_id),
                "team": self.team_id,
            },
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": True,
            "is_app_user": False,
            "updated": self._created,
            "is_email_confirmed": False,
            "who_can_share_contact_card": "EVERYONE",
        }

    # ------------------------------------------------------------------ clocks, ids, change log

    def next_ts(self) -> str:
        """A fresh message timestamp, strictly greater than every one handed out before."""
        with self.changed:
            micros = max(int(self.clock() * 1_000_000), self._last_ts_micros + 1)
            self._last_ts_micros = micros
            return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def next_id(self, prefix: str, width: int = 8) -> str:
        """A deterministic Slack-shaped id (``V00000001``); counters restart on ``reset``."""
        with self.changed:
            self._counter += 1
            return f"{prefix}{self._counter:0{width}d}"

    def _record(self, kind: str, **where: str | None) -> None:
        self.seq += 1
        self.log.append(Change(seq=self.seq, kind=kind, **where))
        self.changed.notify_all()

    def changes_after(self, seq: int) -> list[dict[str, Any]]:
        with self.changed:
            return [c.to_dict() for c in self.log if c.seq > seq]

    def messages_changed_since(self, seq: int) -> set[tuple[str, str]]:
        """``(channel, ts)`` of the messages posted or edited after change ``seq`` (within the change log)."""
        with self.changed:
            return {
                (c.channel, c.ts)
                for c in self.log
                if c.seq > seq and c.kind in ("message_posted", "message_updated") and c.channel and c.ts
            }

    def wait_for_change(self, after: int, *, timeout: float) -> int:
        """Block until ``seq`` exceeds ``after`` or ``timeout`` passes; returns the current ``seq``."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while self.seq <= after:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.changed.wait(remaining)
            return self.seq

    def wait_until(self, check: Callable[[], Any], *, timeout: float) -> Any:
        """Evaluate ``check`` under the lock after every change until it returns something truthy.

        Returns that value; raises ``TimeoutError`` when ``timeout`` passes first.
        """
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                result = check()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout} s")
                self.changed.wait(remaining)

    # ------------------------------------------------------------------ people

    def user(self, user_id: str) -> dict[str, Any]:
        with self.changed:
            found = self.users.get(user_id)
            if found is None:
                raise SlackError("user_not_found", detail=f"no user {user_id!r}")
            return copy.deepcopy(found)

    def profile_fields(self, user_id: str) -> dict[str, dict[str, str]]:
        """The custom profile fields of ``user_id`` as users.profile.get returns them: the "Manager" field."""
        with self.changed:
            if user_id not in self.users:
                raise SlackError("user_not_found", detail=f"no user {user_id!r}")
            for person in self.seed.people:
                if person.slack_id == user_id and person.manager:
                    return {MANAGER_FIELD["id"]: {"value": self.seed.person(person.manager).slack_id, "alt": ""}}
            return {}

    def user_ids(self) -> list[str]:
        with self.changed:
            return list(self.users)

    def user_by_email(self, email: str) -> dict[str, Any]:
        with self.changed:
            for user in self.users.values():
                if user["profile"].get("email", "").lower() == email.lower():
                    return copy.deepcopy(user)
        raise SlackError("users_not_found", detail=f"no user with email {email!r}")

    def user_by_name(self, name: str) -> dict[str, Any] | None:
        with self.changed:
            for user in self.users.values():
                if user["name"] == name:
                    return copy.deepcopy(user)
        return None

    def usergroup(self, usergroup_id: str) -> dict[str, Any]:
        with self.changed:
            found = self.usergroups.get(usergroup_id)
            if found is None:
                raise SlackError("no_such_subteam", detail=f"no user group {usergroup_id!r}")
            return copy.deepcopy(found)

    def usergroup_by_handle(self, handle: str) -> dict[str, Any] | None:
        with self.changed:
            for group in self.usergroups.values():
                if group["handle"] == handle:
                    return copy.deepcopy(group)
        return None

    def display_name(self, user_id: str) -> str:
        with self.changed:
            user = self.users.get(user_id)
            return user["name"] if user else user_id

    # ------------------------------------------------------------------ conversations

    def conversation(self, channel: str) -> Conversation:
        """The conversation with id ``channel`` (not a copy: callers hold the lock while they use it)."""
        with self.changed:
            found = self.conversations.get(channel)
            if found is None:
                raise SlackError("channel_not_found", detail=f"no conversation {channel!r}")
            return found

    def channel_by_name(self, name: str) -> Conversation | None:
        wanted = name.lstrip("#")
        with self.changed:
            for conv in self.conversations.values():
                if conv.kind in ("channel", "private") and conv.name == wanted:
                    return conv
        return None

    def create_channel(
        self, name: str, member_ids: Iterable[str], *, private: bool = False, bot_member: bool = True
    ) -> Conversation:
        """A new channel (``private``: only its members see it) with ``member_ids`` and, when ``bot_member``, the
        bot (as after ``/invite @followthrough``). Refuses a name in use (``name_taken``) as Slack does."""
        wanted = name.lstrip("#")
        with self.changed:
            if not re.fullmatch(r"[a-z0-9_-]{1,80}", wanted):
                raise SlackError("invalid_name_specials", detail=f"{wanted!r}: lower case letters, digits, - and _")
            if self.channel_by_name(wanted) is not None:
                raise SlackError("name_taken", detail=f"#{wanted} exists")
            members = set(member_ids)
            for uid in members:
                if uid not in self.users:
                    raise SlackError("user_not_found", detail=f"no user {uid!r}")
            if bot_member:
                members.add(self.bot_user_id)
            conv = Conversation(
                id=self.next_id("C0", 8),
                kind="private" if private else "channel",
                name=wanted,
                members=members,
                created=int(self.clock()),
            )
            self.conversations[conv.id] = conv
            self._record("conversation_opened", channel=conv.id)
            return conv

    def is_member(self, channel: str, user_id: str) -> bool:
        with self.changed:
            conv = self.conversations.get(channel)
            return conv is not None and user_id in conv.members

    def open_dm(self, user_ids: Iterable[str]) -> Conversation:
        """The DM (two people) or group DM (more) between ``user_ids``, created on first use; ids are stable."""
        members = sorted(set(user_ids))
        with self.changed:
            for uid in members:
                if uid not in self.users:
                    raise SlackError("user_not_found", detail=f"no user {uid!r}")
            if len(members) < 2:
                raise SlackError("not_enough_users", detail="a conversation needs at least two people")
            digest = hashlib.sha1(",".join(members).encode()).hexdigest().upper()
            kind: ConversationKind = "im" if len(members) == 2 else "mpim"
            conv_id = ("D" if kind == "im" else "G") + digest[:10]
            conv = self.conversations.get(conv_id)
            if conv is None:
                name = members[0] if kind == "im" else "mpdm-" + "--".join(self.display_name(u) for u in members)
                conv = Conversation(id=conv_id, kind=kind, name=name, members=set(members), created=int(self.clock()))
                self.conversations[conv_id] = conv
                self._record("conversation_opened", channel=conv_id)
            return conv

    def dm_with_bot(self, user_id: str) -> str:
        return self.open_dm([user_id, self.bot_user_id]).id

    def im_user(self, conv: Conversation, viewer: str) -> str | None:
        """In a DM, the person on the other side from ``viewer``."""
        if conv.kind != "im":
            return None
        others = [m for m in conv.members if m != viewer]
        return others[0] if others else viewer

    # ------------------------------------------------------------------ messages

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        with self.changed:
            conv = self.conversation(channel)
            found = conv.messages.get(ts)
            if found is None:
                raise SlackError("message_not_found", detail=f"no message {ts!r} in {channel!r}")
            return copy.deepcopy(found)

    def history(self, channel: str) -> list[dict[str, Any]]:
        """Top-level messages (thread parents and broadcast replies included), oldest first."""
        with self.changed:
            conv = self.conversation(channel)
            return [copy.deepcopy(m) for m in conv.messages.values() if _is_top_level(m)]

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """The thread containing message ``ts`` (parent or reply): parent first, then replies by ``ts``."""
        with self.changed:
            conv = self.conversation(channel)
            found = conv.messages.get(ts)
            if found is None:
                raise SlackError("thread_not_found", detail=f"no message {ts!r} in {channel!r}")
            root = found.get("thread_ts", ts)
            parent = conv.messages.get(root)
            if parent is None:
                raise SlackError("thread_not_found", detail=f"the parent {root!r} of {ts!r} is gone")
            replies = [m for m in conv.messages.values() if m.get("thread_ts") == root and m["ts"] != root]
            return [copy.deepcopy(parent), *(copy.deepcopy(m) for m in replies)]

    def thread_root(self, channel: str, thread_ts: str) -> str:
        """The ts of the parent to reply to; Slack's ``invalid_thread_ts`` when ``thread_ts`` is unknown."""
        with self.changed:
            conv = self.conversation(channel)
            found = conv.messages.get(thread_ts)
            if found is None or (found.get("subtype") == "tombstone" and not found.get("reply_count")):
                raise SlackError("invalid_thread_ts", detail=f"no message {thread_ts!r} in {channel!r}")
            return str(found.get("thread_ts", thread_ts))

    def add_message(
        self, channel: str, message: dict[str, Any], *, thread_ts: str | None = None, broadcast: bool = False
    ) -> dict[str, Any]:
        """Store ``message`` (without ``ts``) in ``channel``, as a reply when ``thread_ts`` is set."""
        with self.changed:
            conv = self.conversation(channel)
            stored = copy.deepcopy(message)
            stored["ts"] = self.next_ts()
            stored.setdefault("type", "message")
            stored.setdefault("team", self.team_id)
            if thread_ts is not None:
                root = self.thread_root(channel, thread_ts)
                parent = conv.messages[root]
                stored["thread_ts"] = root
                stored["parent_user_id"] = parent.get("user", "")
                if broadcast:
                    stored["subtype"] = "thread_broadcast"
                    stored["root"] = _root_summary(parent)
            conv.messages[stored["ts"]] = stored
            if thread_ts is not None:
                self._refresh_thread(conv, stored["thread_ts"])
            self._record("message_posted", channel=channel, ts=stored["ts"], user=stored.get("user"))
            return copy.deepcopy(stored)

    def update_message(
        self, channel: str, ts: str, changes: dict[str, Any], *, editor: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Apply ``changes`` (``None`` values remove a field); returns ``(previous, current)``."""
        with self.changed:
            conv = self.conversation(channel)
            stored = conv.messages.get(ts)
            if stored is None:
                raise SlackError("message_not_found", detail=f"no message {ts!r} in {channel!r}")
            previous = copy.deepcopy(stored)
            for key, value in changes.items():
                if value is None:
                    stored.pop(key, None)
                else:
                    stored[key] = copy.deepcopy(value)
            stored["edited"] = {"user": editor, "ts": self.next_ts()}
            self._record("message_updated", channel=channel, ts=ts, user=stored.get("user"))
            return previous, copy.deepcopy(stored)

    def delete_message(self, channel: str, ts: str) -> dict[str, Any]:
        """Delete a message; a parent that still has replies becomes Slack's tombstone. Returns the previous."""
        with self.changed:
            conv = self.conversation(channel)
            stored = conv.messages.get(ts)
            if stored is None or stored.get("subtype") == "tombstone":
                raise SlackError("message_not_found", detail=f"no message {ts!r} in {channel!r}")
            previous = copy.deepcopy(stored)
            root = stored.get("thread_ts")
            if root == ts and stored.get("reply_count"):
                keep = {k: stored[k] for k in ("ts", "thread_ts", "type") if k in stored}
                stored.clear()
                stored.update(keep)
                stored.update(subtype="tombstone", text=TOMBSTONE_TEXT, user=SLACKBOT_ID, hidden=True)
                self._refresh_thread(conv, ts)
            else:
                del conv.messages[ts]
                if root is not None and root != ts and root in conv.messages:
                    self._refresh_thread(conv, root)
            self.interaction_state = {k: v for k, v in self.interaction_state.items() if k[1:] != (channel, ts)}
            self._record("message_deleted", channel=channel, ts=ts)
            return previous

    def _refresh_thread(self, conv: Conversation, root: str) -> None:
        parent = conv.messages[root]
        replies = [m for m in conv.messages.values() if m.get("thread_ts") == root and m["ts"] != root]
        if not replies:
            for key in ("thread_ts", "reply_count", "reply_users", "reply_users_count", "latest_reply"):
                parent.pop(key, None)
            if parent.get("subtype") == "tombstone":
                del conv.messages[root]
            return
        users: list[str] = []
        for reply in replies:
            author = reply.get("user")
            if author and author not in users:
                users.append(author)
        parent.update(
            thread_ts=root,
            reply_count=len(replies),
            reply_users_count=len(users),
            latest_reply=replies[-1]["ts"],
            reply_users=users[:5],
            is_locked=False,
            subscribed=False,
        )

    def add_reaction(self, channel: str, ts: str, name: str, user_id: str) -> dict[str, Any]:
        """Add ``user_id``'s reaction; returns the message. Errors: invalid_name, already_reacted."""
        if not _EMOJI_NAME.match(name):
            raise SlackError("invalid_name", detail=f"{name!r} is not an emoji name (no colons: 'thumbsup')")
        with self.changed:
            stored = self._live_message(channel, ts)
            reactions = stored.setdefault("reactions", [])
            entry = next((r for r in reactions if r["name"] == name), None)
            if entry is None:
                entry = {"name": name, "users": [], "count": 0}
                reactions.append(entry)
            if user_id in entry["users"]:
                raise SlackError("already_reacted", detail=f"{user_id} already reacted with {name!r}")
            entry["users"].append(user_id)
            entry["count"] = len(entry["users"])
            self._record("reaction_added", channel=channel, ts=ts, user=user_id)
            return copy.deepcopy(stored)

    def remove_reaction(self, channel: str, ts: str, name: str, user_id: str) -> dict[str, Any]:
        with self.changed:
            stored = self._live_message(channel, ts)
            reactions = stored.get("reactions", [])
            entry = next((r for r in reactions if r["name"] == name), None)
            if entry is None or user_id not in entry["users"]:
                raise SlackError("no_reaction", detail=f"{user_id} has no {name!r} reaction on {ts}")
            entry["users"].remove(user_id)
            entry["count"] = len(entry["users"])
            if not entry["users"]:
                reactions.remove(entry)
            if not reactions:
                stored.pop("reactions", None)
            self._record("reaction_removed", channel=channel, ts=ts, user=user_id)
            return copy.deepcopy(stored)

    def _live_message(self, channel: str, ts: str) -> dict[str, Any]:
        conv = self.conversation(channel)
        stored = conv.messages.get(ts)
        if stored is None or stored.get("subtype") == "tombstone":
            raise SlackError("message_not_found", detail=f"no message {ts!r} in {channel!r}")
        return stored

    def all_messages(self) -> list[tuple[str, dict[str, Any]]]:
        """Every stored message with its channel id (copies), in ``ts`` order within each conversation."""
        with self.changed:
            return [(conv.id, copy.deepcopy(m)) for conv in self.conversations.values() for m in conv.messages.values()]

    # ------------------------------------------------------------------ ephemeral messages

    def add_ephemeral(self, user_id: str, channel: str, message: dict[str, Any]) -> dict[str, Any]:
        with self.changed:
            stored = copy.deepcopy(message)
            stored["ts"] = self.next_ts()
            stored.setdefault("type", "message")
            self.ephemerals.append(Ephemeral(user=user_id, channel=channel, message=stored))
            self._record("ephemeral_posted", channel=channel, ts=stored["ts"], user=user_id)
            return copy.deepcopy(stored)

    def ephemeral(self, user_id: str, ts: str) -> Ephemeral:
        with self.changed:
            for item in self.ephemerals:
                if item.user == user_id and item.message["ts"] == ts:
                    return item
        raise SlackError("message_not_found", detail=f"no ephemeral message {ts!r} for {user_id}")

    def replace_ephemeral(self, user_id: str, ts: str, changes: dict[str, Any]) -> dict[str, Any]:
        with self.changed:
            item = self.ephemeral(user_id, ts)
            for key, value in changes.items():
                if value is None:
                    item.message.pop(key, None)
                else:
                    item.message[key] = copy.deepcopy(value)
            self._record("ephemeral_updated", channel=item.channel, ts=ts, user=user_id)
            return copy.deepcopy(item.message)

    def delete_ephemeral(self, user_id: str, ts: str) -> None:
        with self.changed:
            item = self.ephemeral(user_id, ts)
            self.ephemerals.remove(item)
            self._record("ephemeral_deleted", channel=item.channel, ts=ts, user=user_id)

    def ephemerals_for(self, user_id: str) -> list[dict[str, Any]]:
        with self.changed:
            return [e.to_dict() for e in self.ephemerals if e.user == user_id]

    # ------------------------------------------------------------------ notices (what the user's client shows)

    def add_notice(self, user_id: str, kind: str, text: str, **context: Any) -> None:
        """Record an error the Slack client would show the user (e.g. the app did not answer a click)."""
        with self.changed:
            self.notices.append({"user": user_id, "kind": kind, "text": text, "at": self.clock(), **context})
            self._record("notice", user=user_id)

    def notices_for(self, user_id: str) -> list[dict[str, Any]]:
        with self.changed:
            return [copy.deepcopy(n) for n in self.notices if n["user"] == user_id]

    # ------------------------------------------------------------------ triggers and response URLs

    def new_trigger(self, user_id: str) -> str:
        with self.changed:
            now = self.clock()
            trigger_id = f"{int(now)}.{self.team_id[1:]}.{secrets.token_hex(10)}"
            self.triggers[trigger_id] = Trigger(id=trigger_id, user=user_id, created=now)
            return trigger_id

    def exchange_trigger(self, trigger_id: str) -> str:
        """Use a trigger once; returns its user. Errors: invalid/expired/exchanged_trigger_id."""
        with self.changed:
            trigger = self.triggers.get(trigger_id)
            if trigger is None:
                raise SlackError("invalid_trigger_id", detail=f"unknown trigger_id {trigger_id!r}")
            if trigger.used:
                raise SlackError("exchanged_trigger_id", detail="a trigger_id opens one view only")
            if self.clock() - trigger.created > self.trigger_ttl:
                raise SlackError("expired_trigger_id", detail=f"trigger_ids expire after {self.trigger_ttl} s")
            trigger.used = True
            return trigger.user

    def new_response_url(
        self,
        user_id: str,
        channel: str,
        *,
        source: str,
        message_ts: str | None = None,
        is_ephemeral: bool = False,
        thread_ts: str | None = None,
    ) -> str:
        """Create a response URL token (the caller turns it into a URL)."""
        with self.changed:
            token = secrets.token_hex(12)
            self.response_urls[token] = ResponseUrl(
                token=token,
                user=user_id,
                channel=channel,
                source=source,
                created=self.clock(),
                message_ts=message_ts,
                is_ephemeral=is_ephemeral,
                thread_ts=thread_ts,
            )
            return token

    def use_response_url(self, token: str) -> ResponseUrl:
        """Count one use of a response URL. Errors: no_such_url, used_url, expired_url."""
        with self.changed:
            record = self.response_urls.get(token)
            if record is None:
                raise SlackError("no_such_url", detail="this response_url was never issued")
            if self.clock() - record.created > RESPONSE_URL_TTL:
                raise SlackError("expired_url", detail="response_urls expire 30 minutes after the interaction")
            if record.uses >= RESPONSE_URL_MAX_USES:
                raise SlackError("used_url", detail="a response_url can be used 5 times")
            record.uses += 1
            return copy.copy(record)

    # ------------------------------------------------------------------ views

    def view(self, view_id: str) -> OpenView:
        with self.changed:
            found = self.views.get(view_id)
            if found is None:
                raise SlackError("not_found", detail=f"no open view {view_id!r}")
            return found

    def view_by_external_id(self, external_id: str) -> OpenView:
        with self.changed:
            for item in self.views.values():
                if item.view.get("external_id") == external_id:
                    return item
        raise SlackError("not_found", detail=f"no open view with external_id {external_id!r}")

    def modal_stack(self, user_id: str) -> list[dict[str, Any]]:
        with self.changed:
            return [copy.deepcopy(self.views[v].view) for v in self.modal_stacks.get(user_id, [])]

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self.changed:
            view_id = self.homes.get(user_id)
            return copy.deepcopy(self.views[view_id].view) if view_id else None

    def _new_view(
        self,
        user_id: str,
        kind: ViewKind,
        spec: dict[str, Any],
        *,
        view_id: str | None = None,
        root: str | None = None,
        previous: str | None = None,
    ) -> dict[str, Any]:
        external_id = spec.get("external_id") or ""
        if external_id:
            for other_id, other in self.views.items():
                if other.view.get("external_id") == external_id and other_id != view_id:
                    raise SlackError("duplicate_external_id", detail=f"external_id {external_id!r} is taken")
        vid = view_id or self.next_id("V")
        view: dict[str, Any] = {
            "id": vid,
            "team_id": self.team_id,
            "type": spec.get("type", kind),
            "blocks": copy.deepcopy(spec.get("blocks", [])),
            "private_metadata": spec.get("private_metadata", ""),
            "callback_id": spec.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(self.clock())}.{secrets.token_hex(4)}",
            "title": copy.deepcopy(spec.get("title")),
            "clear_on_close": bool(spec.get("clear_on_close", False)),
            "notify_on_close": bool(spec.get("notify_on_close", False)),
            "close": copy.deepcopy(spec.get("close")),
            "submit": copy.deepcopy(spec.get("submit")),
            "previous_view_id": previous,
            "root_view_id": root or vid,
            "app_id": self.app_id,
            "external_id": external_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        if kind == "home":
            view.pop("title")
            view.pop("close")
            view.pop("submit")
        self.views[vid] = OpenView(user=user_id, kind=kind, view=view)
        return view

    def open_modal(self, user_id: str, spec: dict[str, Any]) -> dict[str, Any]:
        """Open a modal as the root of a new stack (closing any modal the user had open)."""
        with self.changed:
            for old in self.modal_stacks.pop(user_id, []):
                self.views.pop(old, None)
            view = self._new_view(user_id, "modal", spec)
            self.modal_stacks[user_id] = [view["id"]]
            self._record("view_opened", user=user_id, view_id=view["id"])
            return copy.deepcopy(view)

    def push_modal(self, user_id: str, spec: dict[str, Any]) -> dict[str, Any]:
        with self.changed:
            stack = self.modal_stacks.get(user_id, [])
            if not stack:
                raise SlackError("not_found", detail=f"{user_id} has no open modal to push onto")
            if len(stack) >= MAX_MODAL_STACK:
                raise SlackError("push_limit_reached", detail=f"at most {MAX_MODAL_STACK} views in a stack")
            view = self._new_view(user_id, "modal", spec, root=stack[0], previous=stack[-1])
            stack.append(view["id"])
            self._record("view_pushed", user=user_id, view_id=view["id"])
            return copy.deepcopy(view)

    def update_view(self, view_id: str, spec: dict[str, Any], *, hash_: str | None = None) -> dict[str, Any]:
        """Replace an open view's content (same id, new hash). Errors: not_found, hash_conflict."""
        with self.changed:
            current = self.view(view_id)
            if hash_ and hash_ != current.view["hash"]:
                raise SlackError("hash_conflict", detail="the view changed since this hash was read")
            old = current.view
            view = self._new_view(
                current.user,
                current.kind,
                spec,
                view_id=view_id,
                root=old.get("root_view_id"),
                previous=old.get("previous_view_id"),
            )
            self._record("view_updated", user=current.user, view_id=view_id)
            return copy.deepcopy(view)

    def publish_home(self, user_id: str, spec: dict[str, Any], *, hash_: str | None = None) -> dict[str, Any]:
        with self.changed:
            if user_id not in self.users:
                raise SlackError("user_not_found", detail=f"no user {user_id!r}")
            existing = self.homes.get(user_id)
            if existing and hash_ and hash_ != self.views[existing].view["hash"]:
                raise SlackError("hash_conflict", detail="the App Home changed since this hash was read")
            view = self._new_view(user_id, "home", spec, view_id=existing)
            self.homes[user_id] = view["id"]
            self._record("home_published", user=user_id, view_id=view["id"])
            return copy.deepcopy(view)

    def close_modal(self, user_id: str, view_id: str, *, all_views: bool = False) -> list[dict[str, Any]]:
        """Close the top view (or the whole stack); returns the closed views, top first."""
        with self.changed:
            stack = self.modal_stacks.get(user_id, [])
            if not stack or stack[-1] != view_id:
                raise SlackError("not_found", detail=f"{view_id!r} is not {user_id}'s top modal")
            closing = list(reversed(stack)) if all_views else [stack[-1]]
            closed = []
            for vid in closing:
                stack.remove(vid)
                closed.append(self.views.pop(vid).view)
            if not stack:
                self.modal_stacks.pop(user_id, None)
            self._record("view_closed", user=user_id, view_id=view_id)
            return closed

    def set_view_state(self, view_id: str, values: dict[str, dict[str, Any]]) -> dict[str, Any]:
        with self.changed:
            item = self.view(view_id)
            item.view["state"] = {"values": copy.deepcopy(values)}
            self._record("view_state", user=item.user, view_id=view_id)
            return copy.deepcopy(item.view)

    # ------------------------------------------------------------------ per-user client state of message inputs

    def message_inputs(self, user_id: str, channel: str, ts: str) -> dict[str, dict[str, Any]]:
        """What ``user_id`` selected in the inputs of a message so far (``state.values`` of block_actions)."""
        with self.changed:
            return copy.deepcopy(self.interaction_state.get((user_id, channel, ts), {}))

    def set_message_inputs(self, user_id: str, channel: str, ts: str, values: dict[str, dict[str, Any]]) -> None:
        with self.changed:
            self.interaction_state[(user_id, channel, ts)] = copy.deepcopy(values)


def _is_top_level(message: dict[str, Any]) -> bool:
    thread_ts = message.get("thread_ts")
    return thread_ts is None or thread_ts == message["ts"] or message.get("subtype") == "thread_broadcast"


def _root_summary(parent: dict[str, Any]) -> dict[str, Any]:
    keys = ("text", "user", "ts", "thread_ts", "reply_count", "latest_reply", "bot_id")
    return {k: copy.deepcopy(parent[k]) for k in keys if k in parent}


def _avatar_urls(user_id: str) -> dict[str, str]:
    base = f"https://avatars.northwind.example/{user_id}"
    return {f"image_{size}": f"{base}_{size}.png" for size in (24, 32, 48, 72, 192, 512)}


def new_client_msg_id() -> str:
    return str(uuid.uuid4())


def _time_zone(name: str) -> dict[str, Any]:
    """users.info's time zone fields for an IANA zone, as Slack gives them (the offset is today's, in seconds)."""
    now = dt.datetime.now(ZoneInfo(name))
    offset = now.utcoffset() or dt.timedelta()
    return {"tz": name, "tz_label": now.tzname() or name, "tz_offset": int(offset.total_seconds())}
