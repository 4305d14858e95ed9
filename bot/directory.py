"""Who people are, from Slack: members, their emails and user groups, and who holds a policy role.

Scales to workspaces of tens of thousands of members: nothing on a request path lists the workspace. People are
looked up one at a time (``users.info`` by id, ``users.lookupByEmail`` by email) and what Slack answered is kept
in Redis, shared by every process (the bot, each worker, each forked job) with a time-to-live and a size bound.
Keys are built by ``DirectoryKeys`` only. Invariants:

- a person's record read on a request path for rights or identity (``principal``, ``person``) is at most
  ``fresh_for`` old (15 minutes), else it is read again from Slack;
- a user group's membership read on a request path is at most ``group_max_age`` old (two minutes), else that one
  group is read again (``usergroups.users.list``); the background keeps each group the policy names younger
  than about a minute, one group per call, never by listing everybody;
- at most ``max_people`` records are kept (those read from Slack longest ago go first), each for at most
  ``keep_for``.

Names are the hard part: "assign Alice" has no Slack method that answers it. ``find_people`` reads a name index in
Redis (full, display and first names and handles -> user ids) filled from every record stored: each lookup, and a
listing of the workspace one ``users.list`` page at a time, paced across all processes (one page per
``listing_pace`` seconds, a pass every ``listing_every`` seconds), run only by ``warm`` in a worker's maintenance
pass. What that gives up: until the first pass has finished (about five minutes at 10,000 members) and for people
who joined or were renamed since the last pass (and were not looked up since), a name finds no one or the old name;
the request then becomes a question and an @-mention or an email always works. Names found this way may be up to
``keep_for`` old; the rights of whoever is chosen are read fresh. ``people_names`` (the parser's vocabulary) comes
from the same index.

Bots, deleted users and Slack Connect strangers are never candidates for "assign to Alice".
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from redis import Redis
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from approvals.core.policy import Principal
from approvals.core.ports import PersonMatch
from approvals.flow import keys
from approvals.flow.runtime import PolicySource

UPKEEP_WARN_EVERY = 600.0
"""Seconds between two WARNINGs about the same failing upkeep step."""

logger = logging.getLogger(__name__)

K = TypeVar("K")
V = TypeVar("V")


class TTLCache(Generic[K, V]):
    """A small thread-safe in-process cache whose entries expire after ``ttl`` seconds (the thread reader's)."""

    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._data: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get_or_load(self, key: K, load: Callable[[], V]) -> V:
        now = self._clock()
        with self._lock:
            hit = self._data.get(key)
            if hit is not None and now - hit[0] < self.ttl:
                return hit[1]
        value = load()
        with self._lock:
            self._data[key] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


@dataclass(frozen=True)
class DirectoryLimits:
    """How fresh, how long and how much: the directory's time-to-lives, size bound and background pace."""

    fresh_for: float = 900.0
    """A person's record read for rights or identity is at most this old; older, it is read from Slack again."""
    keep_for: int = 86_400
    """Seconds a record and its names stay in Redis; ``find_people`` may answer from a record this old."""
    max_people: int = 50_000
    """At most this many people are kept; beyond it, those read from Slack longest ago are dropped with their names."""
    miss_for: int = 300
    """Seconds an answer of "no such user" or "no such email" is remembered."""
    group_max_age: float = 120.0
    """A user group's membership read on a request path is at most this old; older, that group is read again."""
    group_refresh_after: float = 45.0
    """The background reads again each group the policy names once its membership is this old."""
    group_pace: float = 4.0
    """At most one background ``usergroups.users.list`` per this many seconds, across all processes (Tier 2)."""
    group_ids_every: float = 600.0
    """How often the background reads the handles of the user groups (``usergroups.list``, no members)."""
    listing_pace: float = 6.0
    """At most one background ``users.list`` page per this many seconds, across all processes (Tier 2)."""
    listing_every: float = 21_600.0
    """A new pass of the background listing starts this long after the previous one finished."""
    listing_page: int = 200


class DirectoryKeys:
    """Every Redis key of the directory, built here only (rq's ``key_template`` habit)."""

    prefix = keys.DIRECTORY_PREFIX

    @classmethod
    def user(cls, user_id: str) -> str:
        return f"{cls.prefix}user:{user_id}"

    people = prefix + "people"
    """Sorted set: user id -> when their record was stored (the size bound evicts the lowest)."""
    spoken = prefix + "spoken"
    """Hash: user id -> "real name<TAB>handle" of each human member (the parser's vocabulary)."""
    spoken_version = prefix + "spoken:version"

    @classmethod
    def name(cls, normalized: str) -> str:
        return f"{cls.prefix}name:{normalized}"

    @classmethod
    def email(cls, email: str) -> str:
        return f"{cls.prefix}email:{email.lower()}"

    @classmethod
    def group(cls, ref: str) -> str:
        return f"{cls.prefix}group:{ref.lower()}"

    group_ids = prefix + "group-ids"
    manager_field = prefix + "manager-field"

    @classmethod
    def manager(cls, user_id: str) -> str:
        return f"{cls.prefix}manager:{user_id}"

    listing = prefix + "listing"
    """Hash: the background listing's ``cursor`` (while a pass runs) and ``finished`` (when the last one did)."""

    @classmethod
    def pace(cls, what: str) -> str:
        return f"{cls.prefix}pace:{what}"


# Keep the vocabulary hash and its version in step: the version moves only when a name really changed, so the
# processes that hold the vocabulary in memory read it again only then. ARGV: id, value, id, value... ("" removes).
_SPOKEN_UPDATE = """
local changed = 0
for i = 1, #ARGV, 2 do
    local old = redis.call('hget', KEYS[1], ARGV[i])
    if ARGV[i + 1] == '' then
        if old then
            redis.call('hdel', KEYS[1], ARGV[i])
            changed = 1
        end
    elseif old ~= ARGV[i + 1] then
        redis.call('hset', KEYS[1], ARGV[i], ARGV[i + 1])
        changed = 1
    end
end
if changed == 1 then
    redis.call('incr', KEYS[2])
end
return changed
"""

_MISSING = "-"


def normalized(name: str) -> str:
    return " ".join(name.lower().split())


def _record(member: Mapping[str, Any], at: float) -> dict[str, Any]:
    """What the directory keeps of a Slack user object: names, email, time zone, and what rights depend on."""
    profile = member.get("profile") or {}
    uid = str(member["id"])
    handle = member.get("name") or ""
    spellings = (member.get("real_name"), profile.get("real_name"), profile.get("display_name"), handle)
    return {
        "id": uid,
        "handle": handle,
        "display_name": profile.get("display_name") or handle or uid,
        "real_name": profile.get("real_name") or member.get("real_name") or handle or uid,
        "names": sorted({normalized(n) for n in spellings if n} - {""}),
        "email": profile.get("email") or None,
        "tz": member.get("tz") or None,
        "deleted": bool(member.get("deleted")),
        "is_bot": bool(member.get("is_bot")),
        "is_guest": bool(member.get("is_restricted") or member.get("is_ultra_restricted") or member.get("is_stranger")),
        "is_stranger": bool(member.get("is_stranger")),
        "at": at,
    }


def _is_candidate(record: Mapping[str, Any]) -> bool:
    """A human member someone may mean by a name (not a bot, not deleted, not a Slack Connect stranger)."""
    return not (
        record.get("missing")
        or record["deleted"]
        or record["is_bot"]
        or record["id"] == "USLACKBOT"
        or record["is_stranger"]
    )


def _first_name(record: Mapping[str, Any]) -> str:
    return normalized(record["real_name"]).split(" ")[0]


def _index_names(record: Mapping[str, Any]) -> set[str]:
    """The index entries of a record: every full, display and handle name, and the first name."""
    return {*record["names"], _first_name(record)} - {""}


def _person(record: Mapping[str, Any]) -> PersonMatch:
    return PersonMatch(
        slack_user_id=record["id"],
        display_name=record["display_name"],
        real_name=record["real_name"],
        email=record["email"],
        tz=record["tz"],
    )


class SlackDirectory:
    """Implements ``approvals.core.ports.Directory`` over the Slack Web API, with its answers shared in Redis."""

    def __init__(
        self,
        client: WebClient,
        policy: PolicySource,
        connection: Redis,
        *,
        limits: DirectoryLimits | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.policy = policy
        self.connection = connection
        self.limits = limits or DirectoryLimits()
        self._clock = clock  # wall-clock seconds: ages are compared across processes and hosts
        self._spoken_update = connection.register_script(_SPOKEN_UPDATE)
        self._spoken: tuple[bytes | None, tuple[str, ...]] | None = None
        self._upkeep_failing: dict[str, tuple[str, float]] = {}
        """Per thing read (an upkeep step, a group), the error it last failed with and when that was last a WARNING."""

    # -- the shared store -----------------------------------------------------------------------------------

    def _load_record(self, user_id: str) -> dict[str, Any] | None:
        raw = self.connection.get(DirectoryKeys.user(user_id))
        return json.loads(raw) if raw else None

    def _store(self, members: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Keep what Slack said about ``members``: their records, the name index and the vocabulary."""
        now, keep = self._clock(), self.limits.keep_for
        records = [_record(m, now) for m in members if m.get("id")]
        if not records:
            return []
        pipe = self.connection.pipeline(transaction=False)
        spoken: list[str] = []
        for record in records:
            pipe.set(DirectoryKeys.user(record["id"]), json.dumps(record), ex=keep)
            pipe.zadd(DirectoryKeys.people, {record["id"]: now})
            human = _is_candidate(record)
            spoken += [record["id"], f"{record['real_name']}\t{record['handle']}" if human else ""]
            if human:
                for name in _index_names(record):
                    pipe.sadd(DirectoryKeys.name(name), record["id"])
                    pipe.expire(DirectoryKeys.name(name), keep)
        self._spoken_update(keys=[DirectoryKeys.spoken, DirectoryKeys.spoken_version], args=spoken, client=pipe)
        pipe.zcard(DirectoryKeys.people)
        size = pipe.execute()[-1]
        if size > self.limits.max_people:
            oldest = self.connection.zrange(DirectoryKeys.people, 0, size - self.limits.max_people - 1)
            self._forget([uid.decode() for uid in oldest])
        return records

    def _store_missing(self, user_id: str) -> None:
        record = {"id": user_id, "missing": True, "at": self._clock()}
        self.connection.set(DirectoryKeys.user(user_id), json.dumps(record), ex=self.limits.miss_for)

    def _forget(self, user_ids: Sequence[str]) -> None:
        """Drop people from the store with their index entries and vocabulary (the size bound, or expired)."""
        if not user_ids:
            return
        raws = self.connection.mget([DirectoryKeys.user(uid) for uid in user_ids])
        pipe = self.connection.pipeline(transaction=False)
        for uid, raw in zip(user_ids, raws, strict=True):
            record = json.loads(raw) if raw else None
            if record is not None and not record.get("missing"):
                for name in _index_names(record):
                    pipe.srem(DirectoryKeys.name(name), uid)
            pipe.delete(DirectoryKeys.user(uid))
        pipe.zrem(DirectoryKeys.people, *user_ids)
        self._spoken_update(
            keys=[DirectoryKeys.spoken, DirectoryKeys.spoken_version],
            args=[part for uid in user_ids for part in (uid, "")],
            client=pipe,
        )
        pipe.execute()
        logger.info("directory: dropped %d people from the shared cache (size bound or age)", len(user_ids))

    # -- people ---------------------------------------------------------------------------------------------

    def _user(self, user_id: str) -> dict[str, Any] | None:
        """The person's record no older than ``fresh_for`` (one ``users.info`` when there is none); None when
        Slack has no such user."""
        record = self._load_record(user_id)
        if record is not None and self._clock() - record["at"] <= self.limits.fresh_for:
            return None if record.get("missing") else record
        try:
            member = self.client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") == "user_not_found":
                self._store_missing(user_id)
                return None
            raise
        return self._store([member])[0]

    def person(self, user_id: str) -> PersonMatch | None:
        record = self._user(user_id)
        if record is None or record["deleted"]:
            return None
        return _person(record)

    def person_by_email(self, email: str) -> PersonMatch | None:
        user_id = self._lookup_email(email)
        return self.person(user_id) if user_id else None

    def find_people(self, name: str) -> Sequence[PersonMatch]:
        """Members ``name`` may mean, from the name index: exact full, display or handle name first, else
        first-name matches. No Slack call; see the module docstring for what the index may not know yet."""
        wanted = normalized(name)
        if not wanted:
            return []
        key = DirectoryKeys.name(wanted)
        ids = sorted(uid.decode() for uid in self.connection.smembers(key))
        if not ids:
            return []
        raws = self.connection.mget([DirectoryKeys.user(uid) for uid in ids])
        records = [json.loads(raw) for raw in raws if raw]
        candidates = [r for r in records if _is_candidate(r)]
        stale = set(ids) - {r["id"] for r in candidates if wanted in _index_names(r)}
        if stale:  # renamed, deleted or expired since they were indexed under this name
            self.connection.srem(key, *stale)
        exact = [r for r in candidates if wanted in r["names"]]
        if exact:
            return [_person(r) for r in exact]
        return [_person(r) for r in candidates if _first_name(r) == wanted]

    def people_names(self) -> Sequence[str]:
        """How people are written: every known human member's real name and handle (the parser's vocabulary),
        read from Redis again only when it changed."""
        version = self.connection.get(DirectoryKeys.spoken_version)
        held = self._spoken
        if held is not None and held[0] == version:
            return held[1]
        names: list[str] = []
        for value in self.connection.hvals(DirectoryKeys.spoken):
            real_name, _, handle = value.decode().partition("\t")
            names.extend(n for n in (real_name, handle) if n)
        spoken = tuple(sorted(dict.fromkeys(names)))
        self._spoken = (version, spoken)
        return spoken

    def _lookup_email(self, email: str) -> str | None:
        key = DirectoryKeys.email(email)
        known = self.connection.get(key)
        if known is not None:
            return None if known.decode() == _MISSING else known.decode()
        try:
            member = self.client.users_lookupByEmail(email=email)["user"]
        except SlackApiError as exc:
            logger.info("directory: no member with email %s (%s)", email, exc.response.get("error"))
            self.connection.set(key, _MISSING, ex=self.limits.miss_for)
            return None
        self._store([member])
        self.connection.set(key, str(member["id"]), ex=self.limits.keep_for)
        return str(member["id"])

    # -- rights ---------------------------------------------------------------------------------------------

    def principal(self, user_id: str) -> Principal:
        user = self._user(user_id)
        if user is None:
            return Principal(user_id=user_id, is_bot=False, is_guest=True)
        memberships = self._memberships(self._referenced_groups())
        return Principal(
            user_id=user_id,
            email=user["email"],
            groups=frozenset(ref for ref, members in memberships.items() if user_id in members),
            is_bot=user["is_bot"],
            is_guest=user["is_guest"],
        )

    def _referenced_groups(self) -> list[str]:
        return sorted({g for spec in self.policy.current.document.roles.values() for g in spec.groups})

    def _memberships(self, refs: Sequence[str]) -> dict[str, frozenset[str]]:
        """The members of each group in ``refs``, from Redis when younger than ``group_max_age``, else read again
        from Slack group by group."""
        if not refs:
            return {}
        raws = self.connection.mget([DirectoryKeys.group(ref) for ref in refs])
        now, found = self._clock(), {}
        for ref, raw in zip(refs, raws, strict=True):
            stored = json.loads(raw) if raw else None
            if stored is not None and now - stored["at"] <= self.limits.group_max_age:
                found[ref] = frozenset(stored["users"])
            else:
                found[ref] = self._read_group(ref)
        return found

    def _group_ids(self, *, refresh: bool = False) -> dict[str, str]:
        """User group handle -> id (``usergroups.list`` without members, kept for ``keep_for``)."""
        raw = None if refresh else self.connection.get(DirectoryKeys.group_ids)
        if raw is not None:
            return dict(json.loads(raw))
        listing = self.client.usergroups_list()
        ids = {g["handle"].lower(): g["id"] for g in listing.get("usergroups", [])}
        self.connection.set(DirectoryKeys.group_ids, json.dumps(ids), ex=self.limits.keep_for)
        return ids

    def _group_id(self, ref: str) -> str | None:
        if ref.startswith("S") and ref.isupper():
            return ref
        try:
            return self._group_ids().get(ref.lower())
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            self._failed("usergroups", error, "cannot read the workspace's user groups: %s", error)
            return None

    def _read_group(self, ref: str) -> frozenset[str]:
        """One group's members from Slack (``usergroups.users.list``), kept in Redis for every process."""
        group_id = self._group_id(ref)
        if group_id is None:
            self._failed(f"group {ref}", "missing", "policy names Slack user group %r, which does not exist", ref)
            users: list[str] = []
        else:
            try:
                users = list(self.client.usergroups_users_list(usergroup=group_id).get("users", []))
            except SlackApiError as exc:
                error = str(exc.response.get("error"))
                self._failed(f"group {ref}", error, "cannot read members of user group %s: %s", ref, error)
                return frozenset()  # not kept: the next reader tries again
        stored = {"id": group_id, "users": users, "at": self._clock()}
        self.connection.set(DirectoryKeys.group(ref), json.dumps(stored), ex=self.limits.keep_for)
        return frozenset(users)

    def manager_of(self, user_id: str) -> str | None:
        """The user in the person's "Manager" custom profile field (a field of type user labelled Manager)."""
        field = self._manager_field()
        if field is None:
            return None
        key = DirectoryKeys.manager(user_id)
        known = self.connection.get(key)
        if known is not None:
            return None if known.decode() == _MISSING else known.decode()
        try:
            profile = self.client.users_profile_get(user=user_id)["profile"]
        except SlackApiError as exc:
            logger.warning("cannot read the profile of %s: %s", user_id, exc.response.get("error"))
            return None
        value = ((profile.get("fields") or {}).get(field) or {}).get("value")
        self.connection.set(key, str(value) if value else _MISSING, ex=int(self.limits.fresh_for))
        return str(value) if value else None

    def _manager_field(self) -> str | None:
        raw = self.connection.get(DirectoryKeys.manager_field)
        if raw is not None:
            return None if raw.decode() == _MISSING else raw.decode()
        try:
            fields = self.client.team_profile_get()["profile"]["fields"]
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            self._failed("profile fields", error, "cannot read the workspace's profile fields: %s", error)
            return None
        found = next((f["id"] for f in fields if f.get("label", "").lower() == "manager"), None)
        self.connection.set(DirectoryKeys.manager_field, found or _MISSING, ex=3600)
        return found

    def members_of(self, roles: Sequence[str]) -> Sequence[str]:
        """Everyone holding any of ``roles``, in a stable order; the built-in ``everyone`` is not expanded."""
        document = self.policy.current.document
        specs = [document.roles[role] for role in roles if role in document.roles]
        memberships = self._memberships(sorted({g for spec in specs for g in spec.groups}))
        found: list[str] = []
        for spec in specs:
            candidates = list(spec.users)
            candidates.extend(uid for uid in (self._lookup_email(e) for e in spec.emails) if uid)
            for group in spec.groups:
                candidates.extend(sorted(memberships[group]))
            for uid in candidates:
                if uid not in found:
                    found.append(uid)
        return found

    # -- the background -------------------------------------------------------------------------------------

    def warm(self) -> None:
        """One step of upkeep, called by each worker's maintenance pass every few seconds (never on a request
        path): the groups' handles every ``group_ids_every``, the oldest membership the policy names once it is
        ``group_refresh_after`` old, and the next page of the paced listing. Each kind of call is paced across all
        processes by a Redis key, so more workers mean no more calls. Last, the vocabulary is read into this
        process when it changed, for the jobs it forks."""
        for step in (self._refresh_group_ids, self._refresh_oldest_group, self._list_next_page):
            try:
                step()
            except SlackApiError as exc:
                error = str(exc.response.get("error"))
                self._failed(step.__name__, error, "directory upkeep: %s failed: %s", step.__name__, error)
            else:
                if step.__name__ in self._upkeep_failing:
                    del self._upkeep_failing[step.__name__]
                    logger.info("directory upkeep: %s works again", step.__name__)
        self.people_names()  # this process holds the vocabulary, so the jobs it forks start with it

    def _failed(self, what: str, error: str, message: str, *args: object) -> None:
        """Log ``message`` as a WARNING when ``what`` starts failing or fails differently, and again every
        ``UPKEEP_WARN_EVERY`` seconds while it keeps failing (a revoked token fails every maintenance pass, every few
        seconds); the failures between are DEBUG."""
        now = time.monotonic()
        last = self._upkeep_failing.get(what)
        if last is None or last[0] != error or now - last[1] >= UPKEEP_WARN_EVERY:
            logger.warning(message, *args)
            self._upkeep_failing[what] = (error, now)
        else:
            logger.debug(message, *args)

    def _slot(self, what: str, seconds: float) -> bool:
        """Take the one slot for ``what`` across all processes for ``seconds``; False when another holds it."""
        return bool(self.connection.set(DirectoryKeys.pace(what), 1, nx=True, px=max(1, int(seconds * 1000))))

    def _refresh_group_ids(self) -> None:
        if self._referenced_groups() and self._slot("usergroups.list", self.limits.group_ids_every):
            self._group_ids(refresh=True)

    def _refresh_oldest_group(self) -> None:
        refs = self._referenced_groups()
        if not refs:
            return
        raws = self.connection.mget([DirectoryKeys.group(ref) for ref in refs])
        ages = {ref: (json.loads(raw)["at"] if raw else 0.0) for ref, raw in zip(refs, raws, strict=True)}
        oldest = min(refs, key=lambda ref: ages[ref])
        if self._clock() - ages[oldest] >= self.limits.group_refresh_after and self._slot(
            "usergroups.users.list", self.limits.group_pace
        ):
            self._read_group(oldest)

    def listing_state(self) -> dict[str, str]:
        """The background listing: ``cursor`` while a pass runs, ``finished`` (epoch seconds) after one did."""
        return {k.decode(): v.decode() for k, v in self.connection.hgetall(DirectoryKeys.listing).items()}

    def _list_next_page(self) -> None:
        state = self.listing_state()
        finished = float(state.get("finished", 0.0))
        running = "cursor" in state
        if not running and self._clock() - finished < self.limits.listing_every:
            return
        if not self._slot("users.list", self.limits.listing_pace):
            return
        try:
            page = self.client.users_list(limit=self.limits.listing_page, cursor=state.get("cursor") or None)
        except SlackApiError as exc:
            if exc.response.get("error") == "invalid_cursor":  # a pass left too long: start it again
                self.connection.hdel(DirectoryKeys.listing, "cursor")
            raise
        self._store(page.get("members", []))
        next_cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if next_cursor:
            self.connection.hset(DirectoryKeys.listing, "cursor", next_cursor)
            return
        now = self._clock()
        pipe = self.connection.pipeline()
        pipe.hdel(DirectoryKeys.listing, "cursor")
        pipe.hset(DirectoryKeys.listing, "finished", repr(now))
        pipe.execute()
        # People no pass and no lookup has seen for ``keep_for``: their records are gone, drop their names too.
        expired = self.connection.zrangebyscore(DirectoryKeys.people, "-inf", now - self.limits.keep_for)
        self._forget([uid.decode() for uid in expired])
        logger.info("directory: listing pass finished")
