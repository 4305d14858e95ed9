"""A large workspace for scale tests: thousands of generated members and hundreds of user groups beside the seed's.

``populate(ws, members=10_000, groups=500)`` adds members ``U1000001``, ``U1000002``... with names built from a
list of first names and a list of last names (first names repeat, as in any large company; full names and handles
are unique), a time zone and an email each, shaped exactly as the seed's people are (``Workspace._person_user``).
It adds user groups ``S1000001``... (handles ``team-001``...), puts every generated member in ``groups_each`` of
them at random (a fixed random seed: the same call builds the same workspace), and puts every generated member in
#general, the channel everyone is in. ``join`` adds the first generated members to groups of the seed (``{"support":
50}``: the first 50 join @support, so they may make requests under the sandbox company's policy).

None of the seed's first names is used, so "Alice" still means Alice Chen and the seed's scenarios read the same.
The seed itself is untouched: ``Workspace.reset`` goes back to it, and the crowd is gone.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.slack.workspace import SlackError, Workspace

USER_PREFIX = "U1"
GROUP_PREFIX = "S1"
TIME_ZONES = ("America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "Europe/Berlin")

_FIRST_NAMES = (
    "Aaron Abigail Adrian Aisha Alan Amara Amelia Andre Angela Anton Arjun Ava Beatrice Benjamin Bianca Caleb "
    "Camila Chloe Chris Clara Daniel Diego Dmitri Eleanor Elena Elif Emma Ethan Farah Felix Fiona Gabriel Hana "
    "Harper Hassan Hugo Ines Isaac Isla Jack Jade Jonas Julia Kai Kenji Laila Leo Lena Liam Lucas Luna Maya Mei "
    "Mila Nadia Naomi Nathan Nia Noah Nora Olga Oliver Omar Paolo Pia Priya Quinn Rafael Rosa Ruby Ryan Sara "
    "Sofia Stefan Tara Theo Tomas Uma Victor Wei Xavier Yara Yusuf Zara Zoe Ada Beatriz Cyrus Delia Elias Freya "
    "Gideon Helena Ingrid Jasper Katya Lionel Marta Nikolai Oscar Petra"
)
_LAST_NAMES = (
    "Abbott Achebe Adams Ahmed Akhtar Alvarado Andersen Arnold Bailey Baker Banerjee Barnes Bauer Bell Bennett "
    "Berg Bishop Blake Brooks Bruno Campbell Carter Castillo Chang Clarke Cole Cruz Dalton Davies Dubois Duncan "
    "Edwards Ellis Evans Farouk Fischer Fleming Foster Garcia Gill Gomez Grant Gray Gupta Hale Hansen Harris "
    "Hayes Hoffman Hughes Ibrahim Ivanova Jansen Jensen Johansson Kaur Keller Kim Klein Kowalski Lambert Larsen "
    "Lopez Marsh Martins Mendes Meyer Molina Moreau Murphy Nakamura Nguyen Novak Ortiz Osei Park Perez Quinn "
    "Rahman Reed Rossi Sato Schmidt Silva Stone Suzuki Tanaka Torres Vargas Vogel Wagner Weber Young Zhang "
    "Lindqvist Mahler Okoye Pereira Sandoval Whitaker"
)
_FIRST, _LAST = _FIRST_NAMES.split(), _LAST_NAMES.split()


@dataclass(frozen=True)
class CrowdMember:
    """What ``Workspace._person_user`` reads of a seed person."""

    slack_id: str
    name: str
    real_name: str
    email: str
    title: str
    tz: str

    @property
    def first_name(self) -> str:
        return self.real_name.split(" ", 1)[0]

    @property
    def last_name(self) -> str:
        return self.real_name.split(" ", 1)[-1]


@dataclass(frozen=True)
class Crowd:
    """What ``populate`` added: the generated members' and groups' ids, and who joined which seed group."""

    members: tuple[str, ...]
    groups: tuple[str, ...]
    joined: Mapping[str, tuple[str, ...]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "members": len(self.members),
            "groups": len(self.groups),
            "first_member": self.members[0] if self.members else None,
            "joined": {handle: list(ids) for handle, ids in self.joined.items()},
        }


def crowd_names(count: int, *, taken_first_names: set[str]) -> list[tuple[str, str]]:
    """``count`` (real name, handle) pairs, unique, first names outside ``taken_first_names``."""
    firsts = [f for f in _FIRST if f.lower() not in taken_first_names]
    names: list[tuple[str, str]] = []
    seen: set[str] = set()
    for n in range(count):
        first = firsts[n % len(firsts)]
        last = _LAST[(n // len(firsts)) % len(_LAST)]
        round_ = n // (len(firsts) * len(_LAST))
        real_name = f"{first} {last}" + (f" {round_ + 1}" if round_ else "")
        handle = real_name.lower().replace(" ", ".")
        while handle in seen:  # cannot happen with the lists above; kept so a list change cannot break uniqueness
            handle += "x"
        seen.add(handle)
        names.append((real_name, handle))
    return names


def populate(
    ws: Workspace,
    *,
    members: int = 10_000,
    groups: int = 500,
    groups_each: int = 2,
    join: Mapping[str, int] | None = None,
    seed: int = 15,
) -> Crowd:
    """Add ``members`` generated people and ``groups`` user groups to ``ws`` (see the module docstring)."""
    if members < 0 or groups < 0 or groups_each < 0:
        raise ValueError("members, groups and groups_each must not be negative")
    if groups_each > groups and members:
        raise ValueError(f"groups_each ({groups_each}) cannot exceed groups ({groups})")
    rng = random.Random(seed)
    with ws.changed:
        if any(uid.startswith(USER_PREFIX) for uid in ws.users):
            raise SlackError("already_populated", detail="the workspace already has a crowd; reset it first")
        joining = {
            handle: next((g for g in ws.usergroups.values() if g["handle"] == handle), None) for handle in join or {}
        }
        for handle, group in joining.items():
            if group is None:  # refused before anything changes
                raise SlackError("no_such_subteam", detail=f"no user group @{handle} to join")
        domain = next(iter(ws.seed.people)).email.split("@", 1)[1]
        taken = {p.first_name.lower() for p in ws.seed.people}
        member_ids: list[str] = []
        for n, (real_name, handle) in enumerate(crowd_names(members, taken_first_names=taken)):
            uid = f"{USER_PREFIX}{n + 1:07d}"
            person = CrowdMember(
                slack_id=uid,
                name=handle,
                real_name=real_name,
                email=f"{handle}@{domain}",
                title="Employee",
                tz=TIME_ZONES[n % len(TIME_ZONES)],
            )
            ws.users[uid] = ws._person_user(person)
            member_ids.append(uid)
        group_ids = [f"{GROUP_PREFIX}{g + 1:07d}" for g in range(groups)]
        rosters: dict[str, list[str]] = {gid: [] for gid in group_ids}
        for uid in member_ids:
            for gid in rng.sample(group_ids, groups_each) if groups_each else ():
                rosters[gid].append(uid)
        for g, gid in enumerate(group_ids):
            ws.usergroups[gid] = {
                "id": gid,
                "team_id": ws.team_id,
                "is_usergroup": True,
                "name": f"Team {g + 1:03d}",
                "handle": f"team-{g + 1:03d}",
                "description": "",
                "users": rosters[gid],
            }
        joined: dict[str, tuple[str, ...]] = {}
        for handle, count in (join or {}).items():
            joined[handle] = tuple(member_ids[:count])
            group = joining[handle]
            assert group is not None
            group["users"] = [*group["users"], *joined[handle]]
        general = ws.channel_by_name("general")
        if general is not None:
            general.members.update(member_ids)
        ws._record("crowd_added")
    return Crowd(members=tuple(member_ids), groups=tuple(group_ids), joined=joined)
