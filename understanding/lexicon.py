"""What words mean to the parser: the vocabulary of the connected systems, and the few words of English it needs.

``Lexicon`` answers questions like "is 'negotiation' a stage?", "who is 'sam lee'?", "which opportunity is 'the hooli
analytics deal'?". Values from the systems (``approvals.core.vocabulary``) come first; without them the readers fall
back on the shape of the words (a capitalised name, a status after "to"). Values are returned *as written* (the
extractor's contract, see ``approvals.core.intents``): grounding matches "Negotiation" to "Negotiation/Review". The
synonyms below are the ones every Jira and Salesforce shares ("closed" is Done, "won" is Closed Won).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from approvals.core.intents import ACCOUNT_OWNER, NOBODY, OPPORTUNITY_OWNER
from approvals.core.vocabulary import KnownContact, KnownOpportunity, Vocabulary
from understanding.text import title_cased

MENTION = r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>"
ISSUE_KEY = r"(?<![\w-])[A-Za-z][A-Za-z0-9]{1,9}-\d{1,7}(?![\w-])"
EMAIL = r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+"
PHONE = r"\+?\(?\d[\d\s().-]{5,}\d"

STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "it",
        "this",
        "that",
        "these",
        "those",
        "them",
        "they",
        "us",
        "we",
        "you",
        "he",
        "she",
        "him",
        "her",
        "his",
        "its",
        "our",
        "their",
        "my",
        "your",
        "me",
        "i",
        "to",
        "of",
        "on",
        "in",
        "for",
        "from",
        "with",
        "by",
        "at",
        "and",
        "or",
        "but",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "will",
        "would",
        "can",
        "could",
        "should",
        "shall",
        "may",
        "might",
        "must",
        "everyone",
        "everybody",
        "everything",
        "all",
        "every",
        "each",
        "any",
        "anyone",
        "someone",
        "somebody",
        "something",
        "whoever",
        "what",
        "who",
        "whom",
        "which",
        "when",
        "where",
        "why",
        "how",
        "not",
        "no",
        "please",
        "thanks",
        "thank",
        "yes",
        "ok",
        "okay",
        "so",
        "then",
        "also",
        "just",
        "now",
        "today",
        "tomorrow",
        "yesterday",
        "too",
        "very",
        "really",
        "still",
        "again",
        "already",
        "here",
        "there",
        "up",
        "down",
        "out",
        "off",
        "over",
        "about",
        "into",
        "onto",
        "than",
        "if",
        "because",
        "since",
        "while",
        "until",
        "after",
        "before",
        "once",
        "due",
    ]
)

ISSUE_TYPES = {
    "bug": "Bug",
    "bugs": "Bug",
    "defect": "Bug",
    "task": "Task",
    "chore": "Task",
    "todo": "Task",
    "to-do": "Task",
    "story": "Story",
    "user story": "Story",
    "feature": "Story",
    "feature request": "Story",
    "epic": "Epic",
    "ticket": "Task",
    "defects": "Bug",
    "tasks": "Task",
    "chores": "Task",
    "todos": "Task",
    "stories": "Story",
    "features": "Story",
    "epics": "Epic",
    "tickets": "Task",
}
"""Issue type words as people write them: "ticket" is a task (the usual Jira habit); "issue" and "jira" name no
type (grounding asks)."""

_DONE = {"done", "closed", "close", "resolved", "resolve", "fixed", "complete", "completed", "finished", "shipped"}
_IN_PROGRESS = {
    "in progress",
    "in-progress",
    "inprogress",
    "progress",
    "wip",
    "started",
    "in dev",
    "in development",
    "doing",
}
_TO_DO = {"to do", "todo", "to-do", "backlog", "not started", "open", "reopened"}
_STATUS_WORDS = frozenset(
    {
        "review",
        "code review",
        "in review",
        "qa",
        "in qa",
        "testing",
        "in testing",
        "blocked",
        "on hold",
        "waiting",
        "ready",
        "ready for qa",
        "ready for review",
        "deployed",
        "released",
        "verified",
        "triage",
        "selected",
    }
)

_PRIORITIES = {
    "highest": "Highest",
    "blocker": "Highest",
    "critical": "Highest",
    "crit": "Highest",
    "urgent": "Highest",
    "top": "Highest",
    "p0": "Highest",
    "high": "High",
    "important": "High",
    "p1": "High",
    "medium": "Medium",
    "normal": "Medium",
    "med": "Medium",
    "mid": "Medium",
    "p2": "Medium",
    "low": "Low",
    "minor": "Low",
    "p3": "Low",
    "lowest": "Lowest",
    "trivial": "Lowest",
    "p4": "Lowest",
    "p5": "Lowest",
}

LINK_TYPES: dict[str, str] = {
    "blocks": "blocks",
    "is blocking": "blocks",
    "blocking": "blocks",
    "is blocked by": "is blocked by",
    "blocked by": "is blocked by",
    "is blocked on": "is blocked by",
    "blocked on": "is blocked by",
    "depends on": "is blocked by",
    "is dependent on": "is blocked by",
    "dependent on": "is blocked by",
    "needs": "is blocked by",
    "relates to": "relates to",
    "is related to": "relates to",
    "related to": "relates to",
    "duplicates": "duplicates",
    "is a duplicate of": "duplicates",
    "is a dupe of": "duplicates",
    "a duplicate of": "duplicates",
    "duplicate of": "duplicates",
    "dupe of": "duplicates",
    "a dupe of": "duplicates",
    "is a dup of": "duplicates",
    "a dup of": "duplicates",
    "dup of": "duplicates",
    "is duplicated by": "is duplicated by",
    "duplicated by": "is duplicated by",
    "clones": "clones",
    "is a clone of": "clones",
    "clone of": "clones",
}
LINK_PATTERN = "|".join(sorted((re.escape(k) for k in LINK_TYPES), key=len, reverse=True))

_ME = frozenset({"me", "myself", "i", "yours truly", "moi"})
_NOBODY_WORDS = frozenset({"nobody", "no one", "no-one", "noone", "unassigned", "none", "no assignee", "no one yet"})
_ACCOUNT_OWNER_WORDS = frozenset(
    {"the account owner", "account owner", "the account's owner", "the owner of the account", "the acct owner"}
)
_OPPORTUNITY_OWNER_WORDS = frozenset(
    {"the opportunity owner", "opportunity owner", "the deal owner", "deal owner", "the owner", "the opp owner"}
)
GENERIC_OPPORTUNITY = frozenset({"deal", "deals", "opportunity", "opportunities", "opp", "oppty"})
OPPORTUNITY_WORDS = frozenset(
    [
        "renewal",
        "renewals",
        "expansion",
        "upsell",
        "upgrade",
        "pilot",
        "poc",
        "new",
        "business",
        "biz",
        "support",
        "platform",
        "license",
        "licence",
        "licenses",
        "subscription",
        "services",
        "analytics",
        "enterprise",
        "addon",
        "add-on",
        "cross-sell",
        "migration",
        "rollout",
        "trial",
        "phase",
        "q1",
        "q2",
        "q3",
        "q4",
    ]
)
NOT_A_NAME = STOP_WORDS | frozenset(
    [
        "amount",
        "stage",
        "status",
        "close",
        "closing",
        "date",
        "next",
        "step",
        "steps",
        "value",
        "size",
        "price",
        "priority",
        "due",
        "deadline",
        "summary",
        "title",
        "labels",
        "label",
        "phone",
        "email",
        "number",
        "assignee",
        "owner",
        "mobile",
        "cell",
        "role",
        "position",
        "ticket",
        "issue",
        "bug",
        "task",
        "story",
        "jira",
        "deal",
        "opportunity",
        "account",
        "contact",
        "call",
        "note",
        "comment",
        "someone",
        "somebody",
        "anyone",
        "everyone",
        "team",
        # adverbs are never part of a name ("make sure alice actually lands PAY-10")
        "actually",
        "really",
        "definitely",
        "finally",
        # how often is never part of a name ("ping alice daily")
        "daily",
        "weekly",
        "monthly",
        "every",
        # politeness is never part of a name ("remind kara pls")
        "please",
        "pls",
        "plz",
        "thanks",
        "thx",
        "ty",
    ]
)
_NAME_WORD = re.compile(r"[A-Za-z][\w'.-]*")


@dataclass(frozen=True)
class Record:
    """An opportunity (or account) as named: ``account`` the company as written, ``opportunity`` the other words."""

    account: str | None
    opportunity: str | None
    named_as_record: bool
    """The phrase says it is a deal ("deal", "renewal", a known opportunity) rather than just a company name."""


def _norm(text: str) -> str:
    return " ".join(text.casefold().replace("'s ", " ").split())


class Lexicon:
    """The vocabulary an extraction reads with: the systems' values (if known) and the built-in words."""

    def __init__(self, vocabulary: Vocabulary | None = None, *, projects: Sequence[str] = ()) -> None:
        vocab = (vocabulary or Vocabulary()).with_defaults()
        self.vocabulary = vocab
        self.projects = frozenset(p.upper() for p in (*vocab.projects, *projects))
        self._statuses = {_norm(s): s for s in vocab.statuses}
        self._stages = {_norm(s): s for s in vocab.stages}
        self._stages_longest_first = tuple(sorted(self._stages.values(), key=len, reverse=True))
        self._stage_parts: dict[str, str] = {}
        for stage in vocab.stages:
            for part in re.split(r"[/]| - ", stage):
                part = part.strip()
                if part and _norm(part) not in self._stage_parts and _norm(part) not in ("closed",):
                    self._stage_parts[_norm(part)] = part
        self._accounts: dict[str, str] = {}
        for account in vocab.accounts:
            self._accounts[_norm(account)] = account
            first = account.split()[0]
            if len(first) >= 3 and _norm(first) not in STOP_WORDS:
                self._accounts.setdefault(_norm(first), account)
        self._opportunities = vocab.opportunities
        self._opportunity_words = (
            frozenset(w for opp in vocab.opportunities for w in _norm(_opportunity_part(opp)).split())
            | OPPORTUNITY_WORDS
        )
        self._contacts: dict[str, list[KnownContact]] = {}
        for contact in vocab.contacts:
            for name in (f"{contact.first_name} {contact.last_name}", contact.first_name, contact.last_name):
                self._contacts.setdefault(_norm(name), []).append(contact)
        self._first: frozenset[str] | None = None
        self._people: set[str] = set()
        for person in vocab.people:
            self._people.add(_norm(person))
            self._people.add(_norm(person.replace(".", " ")))
            self._people.add(_norm(person.split()[0]) if " " in person else _norm(person.split(".")[0]))

    # -- Jira -----------------------------------------------------------------------------------------------------

    def is_project(self, word: str) -> bool:
        return word.upper() in self.projects or (not self.projects and bool(re.fullmatch(r"[A-Z][A-Z0-9]{1,9}", word)))

    @staticmethod
    def issue_type(text: str) -> str | None:
        return ISSUE_TYPES.get(_norm(text))

    def status(self, text: str, *, loose: bool = False) -> str | None:
        """A workflow status as written ("in progress" -> "In Progress"); the words every Jira shares read as its
        status ("closed" -> "Done"). ``loose``: after "to" / "->", any short phrase that is no other thing."""
        t = _norm(text.strip(" .!,:;\"'"))
        t = re.sub(r"^(?:the\s+)?(?:status\s+(?:of\s+)?)?", "", t)
        t = re.sub(r"\s+(?:status|column|state|lane)$", "", t)
        if not t or t in _NOBODY_WORDS or t in _ME or (t not in self._statuses and t in self._people):
            return None  # "set it to unassigned", "PAY-8 -> bob": who has it, not a status
        if t in self._statuses:
            return self._statuses[t]
        if t in _DONE:
            return "Done"
        if t in _IN_PROGRESS:
            return "In Progress"
        if t in _TO_DO:
            return "To Do"
        if t in _STATUS_WORDS:
            return title_cased(" ".join(text.strip(" .!,:;\"'").split()))
        if t.startswith("in ") and (t[3:] in _STATUS_WORDS or t[3:] in self._statuses):
            return self._statuses.get(t[3:]) or title_cased(" ".join(text.strip(" .!,:;\"'").split()[1:]))
        words = t.split()
        if any(w.upper() in self.projects or w in self._people for w in words):
            return None  # "get this into PAY for Alice": a project and a person, not a status
        if (
            loose
            and 1 <= len(words) <= 3
            and not (set(words) & (STOP_WORDS - {"in", "on", "for", "to"}))
            and words[0] not in ("the", "a", "an", "next", "usual", "same", "right", "correct", "proper")
        ):
            return title_cased(" ".join(text.strip(" .!,:;\"'").split()))
        return None

    @staticmethod
    def priority(text: str) -> str | None:
        t = _norm(text.strip(" .!,:;\"'"))
        t = re.sub(r"\s+(?:priority|prio|pri)$", "", re.sub(r"^(?:priority|prio|pri)\s+", "", t))
        return _PRIORITIES.get(t.replace(" ", "")) if t else None

    @staticmethod
    def link_type(text: str) -> str | None:
        return LINK_TYPES.get(_norm(text))

    # -- Salesforce -----------------------------------------------------------------------------------------------

    def stage_at(self, text: str) -> tuple[str, int] | None:
        """The known stage ``text`` starts with, longest first, and where it ends there ("Id. Decision Makers, close
        1/15" -> Id. Decision Makers, whose full stop ends no sentence)."""
        low = text.lower()
        for name in self._stages_longest_first:
            if low.startswith(name.lower()) and not re.match(r"[\w]", low[len(name) : len(name) + 1]):
                return name, len(name)
        return None

    def stage(self, text: str, *, loose: bool = False) -> str | None:
        """An opportunity stage as written ("negotiation" -> "Negotiation", "won" -> "Closed Won"); ``loose``: a
        short phrase after "stage" that is no other thing."""
        raw = " ".join(text.strip(" .!,:;\"'").split())
        t = _norm(raw)
        t = re.sub(r"\s+stage$", "", re.sub(r"^(?:the\s+)?(?:stage\s+)?", "", t))
        raw = re.sub(r"(?i)\s+stage$", "", re.sub(r"(?i)^(?:the\s+)?(?:stage\s+)?", "", raw))
        if not t:
            return None
        if t in ("won", "closed won", "closed-won", "closed/won", "win"):
            return "Closed Won"
        if t in ("lost", "closed lost", "closed-lost", "closed/lost"):
            return "Closed Lost"
        if t in self._stages or t in self._stage_parts:
            return title_cased(raw)
        if loose and 1 <= len(t.split()) <= 4 and not set(t.split()) & STOP_WORDS - {"of", "and"}:
            return title_cased(raw)
        return None

    def account(self, text: str) -> str | None:
        """A known account as written ("acme", "Umbrella Health"), or None. A name whose last word is one slip away
        from the known name's, after the same first words ("umbrella heath": autocorrect), is that account, by its
        own name."""
        t = _norm(text.strip(" .!,:;\"'"))
        t = re.sub(r"^(?:the\s+)", "", t)
        if t in self._accounts:
            return text.strip(" .!,:;\"'").removeprefix("the ").strip()
        return self._slipped_account(t.split())

    def _slipped_account(self, words: list[str], rest: str | None = None) -> str | None:
        """The one known account ``words`` names with one slip in its last word ("umbrella heath" for Umbrella
        Health); a one-word name ("globes") only when ``rest`` names one of that account's opportunities ("globes
        new biz")."""
        if not words or not self.vocabulary.accounts:
            return None
        found = set()
        for account in self.vocabulary.accounts:
            known = _norm(account).split()
            if len(known) != len(words) or known[:-1] != words[:-1] or not _one_slip(words[-1], known[-1]):
                continue
            if len(words) == 1 and (rest is None or self.opportunity_for(account, rest) is None):
                continue
            found.add(account)
        return next(iter(found)) if len(found) == 1 else None

    def record(self, phrase: str) -> Record | None:
        """The opportunity a phrase names: "the Acme renewal" -> Acme + renewal, "the Globex deal" -> Globex,
        "hooli analytics" -> hooli + analytics (a known opportunity). None when the phrase is not a record's name."""
        t = " ".join(phrase.strip(' ,.:;!?"').split())
        t = re.sub(r"^(?:the|our|their|this|that|my|your)\s+", "", t, flags=re.I)
        t = re.sub(r"(?:'s|s')(?=\s|$)", "", t)
        t = re.sub(r"\s+(?:account|acct)$", "", t, flags=re.I)
        words = t.split()
        if not words or len(words) > 6 or re.search(ISSUE_KEY, t):
            return None
        ids = [
            w for w in words if re.fullmatch(r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?", w) and any(c.isdigit() for c in w)
        ]
        if ids:
            rest = [w for w in words if w not in ids and w.lower() not in GENERIC_OPPORTUNITY | {"account", "record"}]
            if rest:
                return None
            key = ids[0]
            return Record(key, None, False) if key.startswith("001") else Record(None, key, True)
        at = re.fullmatch(r"(?P<opp>.+?)\s+(?:at|@|with|for|from|of|w/)\s+(?:the\s+)?(?P<account>.+)", t, re.I)
        if at is not None and _norm(at["account"]) in self._accounts:
            # "platform renewal @ acme", "the expansion deal with initech": the deal's words, then its account
            opp_words = at["opp"].split()
            named = [w for w in opp_words if w.lower() not in GENERIC_OPPORTUNITY]
            if opp_words and all(self.is_opportunity_word(w) or w.lower() in GENERIC_OPPORTUNITY for w in opp_words):
                return Record(at["account"], " ".join(named) or None, True)
        generic = False
        while words and words[-1].lower() in GENERIC_OPPORTUNITY:
            words, generic = words[:-1], True
        if not words:
            return Record(None, None, True)
        if any(w.lower() in GENERIC_OPPORTUNITY or w.lower() in NOT_A_NAME - {"new"} for w in words):
            return None
        # The account: the longest known account at the start, else the words before the first opportunity word.
        for size in range(min(3, len(words)), 0, -1):
            candidate = " ".join(words[:size])
            rest = " ".join(words[size:]) or None
            slipped = None
            if _norm(candidate) not in self._accounts:
                slipped = self._slipped_account(_norm(candidate).split(), rest)
            if slipped is not None and all(self.is_opportunity_word(w) for w in words[size:]):
                # "Globes new biz": Globex's New Business, the account's name slipped (autocorrect)
                return Record(slipped, rest, generic or rest is not None)
            if _norm(candidate) in self._accounts:
                rest = " ".join(words[size:]) or None
                if rest and not all(self.is_opportunity_word(w) for w in words[size:]):
                    # "hooli analytics back", "umbrella renewal 90000": words after the deal's name are no part of it
                    return None
                return Record(candidate, rest, generic or rest is not None)
        if self.vocabulary.accounts and any(_norm(w) in self._accounts for w in words[1:]):
            return None  # "update globex new business": a word in front of a known company is no part of its name
        if not all(re.fullmatch(r"[A-Za-z0-9][\w&.'/-]*", w) for w in words):
            return None
        split = len(words)
        for n, word in enumerate(words):
            if word.lower() in self._opportunity_words and n > 0:
                split = n
                break
        if split == len(words) and words[0].lower() in self._opportunity_words:
            if [w.lower() for w in words] == ["new"]:
                return None  # "new close date 1/15": a new value, not a deal called "new"
            return Record(None, " ".join(words), True)
        account = " ".join(words[:split]) or None
        opportunity = " ".join(words[split:]) or None
        known_account = account is not None and _norm(account) in self._accounts
        if not known_account and self.vocabulary.accounts and not generic and opportunity is None:
            return None  # a bare unknown word is not a company when the companies are known
        lower_unknown = account and not known_account and account == account.lower() and self.vocabulary.accounts
        if lower_unknown and not generic and opportunity is None:
            return None
        return Record(account, opportunity, generic or opportunity is not None)

    def is_opportunity_word(self, word: str) -> bool:
        """Whether a word tells an account's opportunities apart ("renewal", "platform", a word of a known one)."""
        return _norm(word) in self._opportunity_words

    def opportunity_for(self, account: str | None, words: str | None) -> KnownOpportunity | None:
        """The one known opportunity of ``account`` whose name holds ``words`` (for a shift of its close date)."""
        if account is None:
            return None
        name = self._accounts.get(_norm(account), account)
        wanted = [_SHORT_WORDS.get(w, w) for w in _norm(words or "").split()]  # "new biz": New Business
        found = [
            o
            for o in self._opportunities
            if _norm(o.account) == _norm(name) and all(w in _norm(o.name) for w in wanted)
        ]
        return found[0] if len(found) == 1 else None

    def contact(self, text: str, *, any_case: bool = False) -> str | None:
        """A contact's name as written: a known contact in any case, else capitalised words (or, ``any_case``, any
        one to three name-like words)."""
        t = " ".join(text.strip(' \t.,;:!?"').split())
        t = re.sub(r"(?:'s|')$", "", t)
        if not t or re.fullmatch(MENTION, t):
            return None
        words = t.split()
        if _norm(t) in self._contacts:
            return t
        if not 1 <= len(words) <= 3 or not all(_NAME_WORD.fullmatch(w) for w in words):
            return None
        if any(w.lower() in NOT_A_NAME for w in words) or any(re.search(r"'s?$", w) for w in words[:-1]):
            return None  # "bob's friend": someone of bob's, not a name
        if any_case or all(w[0].isupper() for w in words):
            return t
        return None

    def is_known_contact(self, text: str) -> bool:
        return _norm(text) in self._contacts

    # -- people ---------------------------------------------------------------------------------------------------

    def person(self, text: str, *, any_case: bool = True) -> str | None:
        """A person as written ("Alice", "sam lee", "<@U0ALICE01>"), ``me``, ``unassigned`` or an owner; None for
        anything that is not a person's name."""
        t = " ".join(text.strip(' \t.,;:!?"').split())
        t = re.sub(r"^@(?=\w)", "", t)
        lowered = t.lower()
        if re.fullmatch(MENTION, t):
            return t
        if lowered in _ME:
            return "me"
        if lowered in _NOBODY_WORDS:
            return NOBODY
        if lowered in _ACCOUNT_OWNER_WORDS:
            return ACCOUNT_OWNER
        if lowered in _OPPORTUNITY_OWNER_WORDS:
            return OPPORTUNITY_OWNER
        t = re.sub(r"(?:'s|s')$", "", t)
        words = t.split()
        if not 1 <= len(words) <= 3 or not all(_NAME_WORD.fullmatch(w) for w in words):
            return None
        if any(re.fullmatch(ISSUE_KEY, w) for w in words):
            return None  # "give PAY-4 to OPS-2": an issue, never a person
        if any(w.lower() in NOT_A_NAME for w in words):
            return None
        if _norm(t) in self._people:
            return t
        if self._people and all(w == w.lower() for w in words):
            # lower-case words that are nobody in the workspace: a name only if it looks like one (not "him")
            return t if any_case and len(words) <= 2 and _norm(words[0]) in self._first_names() else None
        if any(not w[0].isupper() for w in words[1:]):
            return None
        if not words[0][0].isupper() and not any_case:
            return None
        return t

    def _first_names(self) -> frozenset[str]:
        if self._first is None:
            self._first = frozenset(p.split()[0] for p in self._people)
        return self._first

    def knows_person(self, text: str) -> bool:
        return _norm(text) in self._people

    def words(self) -> Iterable[str]:
        return self._people


_SHORT_WORDS = {"biz": "business"}
"""Words of a deal's name as people shorten them ("globex new biz")."""


def _one_slip(typed: str, known: str) -> bool:
    """Whether ``typed`` is ``known`` with one letter wrong, missing, extra, or two letters swapped (words of four
    letters or more: a short word is too easily another)."""
    if typed == known or min(len(typed), len(known)) < 4 or abs(len(typed) - len(known)) > 1:
        return False
    if len(typed) == len(known):
        diff = [i for i in range(len(known)) if typed[i] != known[i]]
        if len(diff) == 1:
            return True
        a, b = diff[0], diff[-1]
        return len(diff) == 2 and b == a + 1 and typed[a] == known[b] and typed[b] == known[a]
    short, long = (typed, known) if len(typed) < len(known) else (known, typed)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _opportunity_part(opportunity: KnownOpportunity) -> str:
    name = opportunity.name
    prefix = f"{opportunity.account} - "
    return name[len(prefix) :] if name.startswith(prefix) else name


_BUILT: dict[tuple[object, ...], Lexicon] = {}
_BUILT_MAX = 4


def lexicon_for(vocabulary: Vocabulary | None, *, projects: Sequence[str] = ()) -> Lexicon:
    """The lexicon of ``vocabulary``, built once per distinct vocabulary (a lexicon is read-only once built): at
    10,000 people building one takes tens of milliseconds, and consecutive requests read with the same one."""
    vocab = vocabulary or Vocabulary()
    key = (
        vocab.projects,
        vocab.statuses,
        vocab.priorities,
        vocab.issue_types,
        vocab.stages,
        vocab.accounts,
        vocab.opportunities,
        vocab.contacts,
        vocab.people,
        tuple(projects),
    )  # compared in full on a hash match, so two vocabularies never share a lexicon by accident
    found = _BUILT.get(key)
    if found is None:
        found = Lexicon(vocabulary, projects=projects)
        if len(_BUILT) >= _BUILT_MAX:
            _BUILT.pop(next(iter(_BUILT)))
        _BUILT[key] = found
    return found
