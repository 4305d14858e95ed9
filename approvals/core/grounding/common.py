"""What every grounder shares: the outcomes (an action, a question, or why it cannot be done), the context of the
request, the lookups, and people.

Never guess. A project that does not exist, a person who matches several members or none, a record two
opportunities could be: each becomes a question that says what was understood and what is missing, with the
choices when they are known (the card shows them as a pick-list). ``Unworkable`` is for a request that no answer
could fix (the issue is already in that status; Salesforce is not connected).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from approvals.core.actions import Person
from approvals.core.grounding.catalogs import JiraCatalog, SalesforceCatalog
from approvals.core.intents import NOBODY
from approvals.core.ports import Directory, PersonMatch


@dataclass(frozen=True)
class Choice:
    """One possible answer: ``label`` for people (plain text, short), ``value`` what it sets, ``detail`` the key
    facts that tell it apart (stage, amount, owner)."""

    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class NeedsInfo:
    """A question for the requester instead of an action. ``missing[0]`` is the request field the answer fills."""

    question: str
    missing: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = field(default_factory=tuple)

    @property
    def field(self) -> str | None:
        return self.missing[0] if self.missing else None


@dataclass(frozen=True)
class Unworkable:
    """The request cannot be done and no answer would change that; ``reason`` says why, for the thread."""

    reason: str


@dataclass(frozen=True)
class GroundingContext:
    requester: PersonMatch
    today: dt.date
    thread_quote: str = ""
    thread_issues: tuple[str, ...] = ()
    """Keys of the Jira issues this thread already produced, oldest first ("the ticket from this thread")."""
    now: dt.datetime | None = None
    """The moment of the request (for "in 2 hours"); None reads as noon UTC of ``today``."""


@dataclass(frozen=True)
class Lookups:
    """The ports grounding reads; a system that is not connected is None."""

    directory: Directory
    jira: JiraCatalog | None = None
    salesforce: SalesforceCatalog | None = None


_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_SELF_WORDS = frozenset({"me", "myself", "i"})
# The no-account questions tell people to "say 'unassigned'": these words mean nobody, not a person.
NOBODY_WORDS = frozenset({NOBODY, "nobody", "no one", "none", "noone", "no-one"})


def means_nobody(name: str | None) -> bool:
    return name is not None and " ".join(name.lower().split()) in NOBODY_WORDS


def person_choice(match: PersonMatch) -> Choice:
    label = match.real_name or match.display_name
    if match.display_name and match.display_name != label:
        label += f" (@{match.display_name})"
    return Choice(label=label[:75], value=f"<@{match.slack_user_id}>", detail=match.email or "")


def resolve_person(
    name: str, *, directory: Directory, requester: PersonMatch, role: str = "assignee"
) -> PersonMatch | NeedsInfo:
    """The one member ``name`` refers to, or a question naming the candidates (or saying there are none)."""
    cleaned = name.strip().lstrip("@")
    mention = _MENTION.match(name.strip())
    if mention:
        match = directory.person(mention[1])
        return match if match is not None else NeedsInfo(f"I can't find <@{mention[1]}> in this workspace.", (role,))
    if cleaned.lower() in _SELF_WORDS:
        return requester
    candidates = list(directory.find_people(cleaned))
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        return NeedsInfo(
            f"I couldn't find anyone called *{cleaned}* in this workspace. Who should it be? "
            "Mention them with @ so I can't get it wrong.",
            (role,),
        )
    names = [f"<@{c.slack_user_id}>" for c in candidates]
    return NeedsInfo(
        f"*{cleaned}* could be {', '.join(names[:-1])} or {names[-1]}. Which one did you mean?",
        (role,),
        tuple(person_choice(c) for c in candidates),
    )


def person_in_system(
    name: str,
    *,
    directory: Directory,
    requester: PersonMatch,
    role: str,
    account_for_email: Callable[[str], str | None],
    system: str,
    id_field: str,
    instead: str,
) -> Person | NeedsInfo:
    """The member ``name`` means, with their account in ``system`` found by email; or a question that names who
    has no account there and says what to do ``instead``."""
    resolved = resolve_person(name, directory=directory, requester=requester, role=role)
    if isinstance(resolved, NeedsInfo):
        return resolved
    account = account_for_email(resolved.email) if resolved.email else None
    if account is None:
        return NeedsInfo(
            f"<@{resolved.slack_user_id}> has no {system} I can find"
            + (f" for {resolved.email}" if resolved.email else "")
            + f". {instead}",
            (role,),
        )
    return person_from(resolved, **{id_field: account})


def person_from(match: PersonMatch, **ids: str | None) -> Person:
    return Person(
        display_name=match.real_name or match.display_name,
        slack_user_id=match.slack_user_id,
        email=match.email,
        **ids,
    )


def pick(wanted: str | None, options: Sequence[str]) -> str | None:
    """The option ``wanted`` names: equal ignoring case and spacing, else the one option that starts with it or
    contains it as a word ("negotiation" -> "Negotiation/Review"); None when absent, unknown or ambiguous."""
    if not wanted:
        return None
    lowered = " ".join(wanted.strip().lower().split())
    for option in options:
        if option.lower() == lowered:
            return option
    words = [o for o in options if re.search(rf"(?<![a-z0-9]){re.escape(lowered)}(?![a-z0-9])", o.lower())]
    if len(words) == 1:
        return words[0]
    return None


def first_problem(exc: ValidationError) -> tuple[str, str]:
    """The first validation error as (field, message) for a question."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "request"
    return where, str(first["msg"])


def invalid(exc: ValidationError) -> NeedsInfo:
    where, message = first_problem(exc)
    return NeedsInfo(f"I can't use the {where.replace('_', ' ')} as given: {message}. Can you rephrase it?", (where,))


def shown_value(value: Any) -> str:
    """A value as the questions show it: dates long, empty as 'none'."""
    if value is None or value == "" or value == ():
        return "none"
    if isinstance(value, dt.date):
        return value.strftime("%a %d %b %Y")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)
