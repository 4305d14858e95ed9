"""Who people are, from Slack: members, their emails and user groups, and who holds a policy role.

Answers are cached briefly (members for five minutes, group memberships for one): group membership decides
rights, so it must follow Slack closely, but a click must not cost a dozen API calls. Bots, deleted users and
Slack Connect strangers are never candidates for "assign to Alice".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from approvals.policy import Principal
from approvals.ports import PersonMatch
from approvals.runtime import PolicySource

logger = logging.getLogger(__name__)

K = TypeVar("K")
V = TypeVar("V")

MEMBERS_TTL = 300.0
GROUPS_TTL = 60.0


class TTLCache(Generic[K, V]):
    """A small thread-safe cache whose entries expire after ``ttl`` seconds."""

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


def _person(member: dict[str, Any]) -> PersonMatch:
    profile = member.get("profile") or {}
    return PersonMatch(
        slack_user_id=member["id"],
        display_name=profile.get("display_name") or member.get("name") or member["id"],
        real_name=profile.get("real_name") or member.get("real_name") or member.get("name") or member["id"],
        email=(profile.get("email") or None),
        tz=member.get("tz") or None,
    )


class SlackDirectory:
    """Implements ``approvals.ports.Directory`` over the Slack Web API."""

    def __init__(self, client: WebClient, policy: PolicySource) -> None:
        self.client = client
        self.policy = policy
        self._members: TTLCache[str, list[dict[str, Any]]] = TTLCache(MEMBERS_TTL)
        self._users: TTLCache[str, dict[str, Any] | None] = TTLCache(MEMBERS_TTL)
        self._groups: TTLCache[str, frozenset[str]] = TTLCache(GROUPS_TTL)
        self._group_ids: TTLCache[str, dict[str, str]] = TTLCache(MEMBERS_TTL)
        self._emails: TTLCache[str, str | None] = TTLCache(MEMBERS_TTL)
        self._manager_field: TTLCache[str, str | None] = TTLCache(MEMBERS_TTL)

    # -- people ---------------------------------------------------------------------------------------------

    def _all_members(self) -> list[dict[str, Any]]:
        def load() -> list[dict[str, Any]]:
            members: list[dict[str, Any]] = []
            cursor = None
            while True:
                page = self.client.users_list(limit=200, cursor=cursor)
                members.extend(page.get("members", []))
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return members

        return self._members.get_or_load("all", load)

    def warm(self) -> None:
        """Load what every request needs (members, user groups) so forked jobs inherit it; fresh entries stay."""
        self._all_members()
        for ref in self._referenced_groups():
            self._group_members(ref)

    def _user(self, user_id: str) -> dict[str, Any] | None:
        for member in self._all_members():
            if member.get("id") == user_id:
                return member

        def load() -> dict[str, Any] | None:
            try:
                return dict(self.client.users_info(user=user_id)["user"])
            except SlackApiError as exc:
                if exc.response.get("error") == "user_not_found":
                    return None
                raise

        return self._users.get_or_load(user_id, load)

    def person(self, user_id: str) -> PersonMatch | None:
        user = self._user(user_id)
        if user is None or user.get("deleted"):
            return None
        return _person(user)

    def person_by_email(self, email: str) -> PersonMatch | None:
        user_id = self._lookup_email(email)
        return self.person(user_id) if user_id else None

    def find_people(self, name: str) -> Sequence[PersonMatch]:
        """Members ``name`` may mean: exact full or display name first, else first-name matches."""
        wanted = " ".join(name.lower().split())
        humans = [
            m
            for m in self._all_members()
            if not m.get("is_bot") and not m.get("deleted") and m.get("id") != "USLACKBOT" and not m.get("is_stranger")
        ]
        exact = [
            m
            for m in humans
            if wanted
            in {
                (m.get("real_name") or "").lower(),
                (m.get("profile", {}).get("real_name") or "").lower(),
                (m.get("profile", {}).get("display_name") or "").lower(),
                (m.get("name") or "").lower(),
            }
        ]
        if exact:
            return [_person(m) for m in exact]
        first = [m for m in humans if (_person(m).real_name.split(" ")[0].lower() == wanted)]
        return [_person(m) for m in first]

    def people_names(self) -> Sequence[str]:
        """How people are written: every human member's real name and handle (the parser's vocabulary)."""
        names: list[str] = []
        for member in self._all_members():
            if member.get("is_bot") or member.get("deleted") or member.get("id") == "USLACKBOT":
                continue
            person = _person(member)
            names.extend(n for n in (person.real_name, member.get("name") or "") if n)
        return tuple(dict.fromkeys(names))

    # -- rights ---------------------------------------------------------------------------------------------

    def principal(self, user_id: str) -> Principal:
        user = self._user(user_id)
        if user is None:
            return Principal(user_id=user_id, is_bot=False, is_guest=True)
        profile = user.get("profile") or {}
        groups = frozenset(ref for ref in self._referenced_groups() if user_id in self._group_members(ref))
        return Principal(
            user_id=user_id,
            email=(profile.get("email") or None),
            groups=groups,
            is_bot=bool(user.get("is_bot")),
            is_guest=bool(user.get("is_restricted") or user.get("is_ultra_restricted") or user.get("is_stranger")),
        )

    def _referenced_groups(self) -> set[str]:
        return {g for spec in self.policy.current.document.roles.values() for g in spec.groups}

    def _group_id(self, ref: str) -> str | None:
        if ref.startswith("S") and ref.isupper():
            return ref

        def load() -> dict[str, str]:
            listing = self.client.usergroups_list()
            return {g["handle"].lower(): g["id"] for g in listing.get("usergroups", [])}

        return self._group_ids.get_or_load("handles", load).get(ref.lower())

    def _group_members(self, ref: str) -> frozenset[str]:
        def load() -> frozenset[str]:
            group_id = self._group_id(ref)
            if group_id is None:
                logger.warning("policy names Slack user group %r, which does not exist", ref)
                return frozenset()
            try:
                return frozenset(self.client.usergroups_users_list(usergroup=group_id).get("users", []))
            except SlackApiError as exc:
                logger.warning("cannot read members of user group %s: %s", ref, exc.response.get("error"))
                return frozenset()

        return self._groups.get_or_load(ref, load)

    def _lookup_email(self, email: str) -> str | None:
        def load() -> str | None:
            try:
                return str(self.client.users_lookupByEmail(email=email)["user"]["id"])
            except SlackApiError:
                return None

        return self._emails.get_or_load(email.lower(), load)

    def manager_of(self, user_id: str) -> str | None:
        """The user in the person's "Manager" custom profile field (a field of type user labelled Manager)."""

        def field_id() -> str | None:
            try:
                fields = self.client.team_profile_get()["profile"]["fields"]
            except SlackApiError as exc:
                logger.warning("cannot read the workspace's profile fields: %s", exc.response.get("error"))
                return None
            return next((f["id"] for f in fields if f.get("label", "").lower() == "manager"), None)

        manager_field = self._manager_field.get_or_load("field", field_id)
        if manager_field is None:
            return None
        try:
            profile = self.client.users_profile_get(user=user_id)["profile"]
        except SlackApiError as exc:
            logger.warning("cannot read the profile of %s: %s", user_id, exc.response.get("error"))
            return None
        value = ((profile.get("fields") or {}).get(manager_field) or {}).get("value")
        return str(value) if value else None

    def members_of(self, roles: Sequence[str]) -> Sequence[str]:
        """Everyone holding any of ``roles``, in a stable order; the built-in ``everyone`` is not expanded."""
        document = self.policy.current.document
        found: list[str] = []
        for role in roles:
            spec = document.roles.get(role)
            if spec is None:
                continue
            candidates = list(spec.users)
            candidates.extend(uid for uid in (self._lookup_email(e) for e in spec.emails) if uid)
            for group in spec.groups:
                candidates.extend(sorted(self._group_members(group)))
            for uid in candidates:
                if uid not in found:
                    found.append(uid)
        return found
