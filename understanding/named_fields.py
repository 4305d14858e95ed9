"""A change asked for by the field it names, with no value the parser can read: "change PAY-5's priority pls",
"advance the acme platform renewal a stage", "PAY-8 needs an owner, can u assign it", "update ana silva's title";
and a terse change that is an issue and one value with nothing else around it: "OPS-3 -> p2", "PAY-9 in progress
pls", "give bob PAY-5".

When no frame reads a sentence (or reads only part of it), the sentence is read by what it names instead of by its
phrasing: the one record it is about, found with the vocabulary (an issue key, a known account and the opportunity
words after it, a known contact), and the one field its words name ("priority", "owner", "stage", "close date",
"title"...), asked for by a verb or an ask ("change", "advance", "needs", "can u"). The result is that kind of
request about that record with the field left empty, so grounding asks for it with the system's values to pick
from. The invariant: a value is never read here. A field is only ever named, so this reader can miss a value but
never guess one; two records, two kinds of field, or no ask, and it reads nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from approvals.core.intents import (
    THIS_THREAD,
    ActionRequest,
    JiraAssignRequest,
    JiraLinkIssuesRequest,
    JiraTransitionRequest,
    JiraUpdateFieldsRequest,
    SalesforceUpdateContactRequest,
    SalesforceUpdateOpportunityRequest,
)
from understanding.lexicon import GENERIC_OPPORTUNITY, ISSUE_KEY, Lexicon
from understanding.reading import read_money
from understanding.text import NOT_THE_OLD_AMOUNT

_ASK = re.compile(
    r"\b(?:needs?|should|must|has\s+to|have\s+to|can\s+(?:you|we)|could\s+(?:you|we)|please|let'?s|change|set|update|"
    r"fix|bump|knock|push|pull|move|advance|raise|lower|increase|decrease|adjust|assign|reassign|unassign|give|hand|put|"
    r"make|mark|flag|correct|edit|link|connect|re-?prioriti[sz]e|shift|slide|kick|punt|defer|postpone|delay|extend|"
    r"reschedule|flip|switch)\b"
    r"|^(?:could|can|would|will)\s+\S.*?\bbe\s+\w+ed\b"
    r"|\b(?:is|are|looks?|seems?)\s+(?:wrong|off|incorrect|outdated|stale|out\s+of\s+date|not\s+right)\b"
    r"|\b(?:got|has|gets|have)\s+a\s+new\b",
    re.I,
)
"""A sentence that asks for something: a verb or an ask, a field said to be wrong ("PAY-9's due date is wrong") or
new ("hank scorpio got a new title"); a statement such as "PAY-12's priority is odd" asks for nothing."""

# What each kind of record can have changed, by the words that name the field; ``None`` as the kind: the words name
# a field this reader leaves to the frames (labels are a whole list, one at a time is asked about).
_ISSUE_FIELDS: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"\b(?:priority|prio|re-?prioriti[sz]e|urgency|severity)\b", re.I), "jira.update_fields"),
    (
        re.compile(
            r"\b(?:due\s+date|deadline|due|(?:a|the|its)\s+date)\b|\b(?:postpone|delay|defer|reschedule)\b"
            # "slide it out a bit", "push OPS-2 back a week": later, the due date
            r"|\b(?:push|slide|kick|punt|move|bump|shift)\s+(?:it|this|that|[a-z][a-z0-9]*-\d+)\s+(?:out|back)\b(?!\s+(?:to|into)\b)",
            re.I,
        ),
        "jira.update_fields",
    ),
    (re.compile(r"\b(?:summary|title|headline)\b", re.I), "jira.update_fields"),
    (re.compile(r"\b(?:labels?|tags?)\b", re.I), None),
    (
        re.compile(
            r"\b(?:owner|assignee|(?:re-?|un-?)?assign(?:ed)?)\b"
            r"|\b(?:to|by|for)\s+(?:someone|somebody|whoever|anyone|anybody)\b"
            # someone to work on it, unnamed: "needs someone on it", "someone else should take it"
            r"|\b(?:someone|somebody|anyone|anybody)\s+(?:else|new|on\s+(?:it|this|that|the\s+\w+)|to\s+(?:own|take|"
            r"handle|pick\s+up|look\s+at|work\s+on))\b|\bneeds?\s+(?:someone|somebody|an?\s+(?:owner|assignee|person))\b",
            re.I,
        ),
        "jira.assign",
    ),
    (re.compile(r"\b(?:status|state|column|transition)\b", re.I), "jira.transition"),
    (re.compile(r"\b(?:link(?:ed)?|connect(?:ed)?)\b", re.I), "jira.link_issues"),
)
_OPPORTUNITY_FIELDS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\b(?:stage|advance|advanced|closed|move|progress|bump)\b|\bclose\b(?!\s+date)", re.I),
    re.compile(r"\b(?:amount|value|deal\s+size|number|price|arr|acv)\b", re.I),
    re.compile(r"\b(?:close|closing)\s+date\b", re.I),
    re.compile(r"\bnext\s+step\b", re.I),
)
_CONTACT_FIELDS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\b(?:title|role|job)\b", re.I),
    re.compile(r"\b(?:phone|number|cell|mobile)\b", re.I),
    re.compile(r"\be-?mail\b", re.I),
)
_WORD = re.compile(r"[A-Za-z0-9][\w&.'/-]*")


def read_named_field(text: str, lexicon: Lexicon) -> ActionRequest | None:
    """The request a sentence asks for by naming a record and one field of it, that field left empty (see the module
    docstring); None when it names no record, several, no field, fields of different kinds, or asks for nothing."""
    if not _ASK.search(text):
        return None
    keys = list(dict.fromkeys(k.upper() for k in re.findall(ISSUE_KEY, text)))
    record = named_opportunity(text, lexicon)
    contact = _contact(text, lexicon)
    if not (keys or record or contact) and _THE_TICKET.search(text):
        # "move it to the next column", "change the ticket's owner": the issue the thread (or the message) is about
        request = _issue_request(text, [THIS_THREAD])
        return request if not isinstance(request, JiraLinkIssuesRequest) else None
    if sum(bool(found) for found in (keys, record, contact)) != 1:
        return None
    if keys:
        return _issue_request(text, keys)
    if record is not None:
        named = sum(bool(p.search(text)) for p in _OPPORTUNITY_FIELDS)
        return SalesforceUpdateOpportunityRequest(account=record[0], opportunity=record[1]) if named else None
    assert contact is not None
    named = sum(bool(p.search(_without(text, contact))) for p in _CONTACT_FIELDS)
    if named == 0 and _UPDATE_A_RECORD.fullmatch(_without(text, contact).strip(" .!?")):
        return SalesforceUpdateContactRequest(contact=contact)  # "update wile coyote in sf": which field is asked
    return SalesforceUpdateContactRequest(contact=contact) if named == 1 else None


_UPDATE_A_RECORD = re.compile(
    r"(?:(?:please|pls|plz|can\s+(?:you|u)|could\s+(?:you|u))\s+)*(?:update|edit|change|fix|correct)\s+(?:the\s+)?"
    r"(?:(?:'s|contact|record|details|info)\s*)*(?:(?:in|on)\s+(?:sf|sfdc|salesforce|the\s+crm)\s*)?(?:please|pls|plz)?",
    re.I,
)
"""An ask to update a contact that names no field ("update wile coyote in salesforce"), the contact's name removed."""


_THE_TICKET = re.compile(r"\b(?:its?|this(?:\s+one)?|the\s+(?:ticket|issue|bug|jira))(?:'s)?\b", re.I)
"""An issue named by a pronoun or as "the ticket": the one from this thread, or the one the message named before."""

_GLUE = frozenset(
    [
        "to",
        "is",
        "be",
        "should",
        "can",
        "could",
        "you",
        "please",
        "pls",
        "plz",
        "now",
        "it",
        "a",
        "an",
        "the",
        "as",
        "make",
        "set",
        "put",
        "mark",
        "go",
        "needs",
        "need",
        "asap",
        "just",
        "ok",
        "okay",
        "so",
        "and",
        "for",
        "can't",
        "with",
        "this",
        "that",
    ]
)
"""Words that carry no value of their own around a terse change ("PAY-9 should be low please")."""
_GLUE_FOR: dict[str, frozenset[str]] = {
    "status": frozenset(["move", "moved", "back", "status", "change", "flip", "switch", "transition"]),
    "priority": frozenset(["priority", "prio", "bump", "raise", "lower", "drop", "up", "down", "change"]),
    "person": frozenset(["give", "hand", "assign", "reassign", "take", "over", "on", "owner", "assignee", "will"]),
    "stage": frozenset(["move", "moved", "stage", "to", "is", "at", "in", "into", "mark", "marked"]),
    "amount": frozenset(
        [
            "amount",
            "bump",
            "value",
            "at",
            "is",
            "to",
            "up",
            "down",
            "raise",
            "lower",
            "goes",
            "went",
            "jumps",
            "jumped",
            "grows",
            "grew",
            "drops",
            "dropped",
            "becomes",
            "became",
            "comes",
            "came",
            "lands",
            "landed",
        ]
    ),
}


def read_terse_change(text: str, lexicon: Lexicon) -> ActionRequest | None:
    """A record and exactly one value with only glue words around them: an issue and a status, a priority or a
    person ("OPS-3 -> p2", "make PAY-5 a p0", "PAY-9 in progress pls", "PAY-6 should be bob's"), an opportunity and a
    stage or an amount ("hooli analytics closed lost pls"): that change. None for anything else: a word that is
    neither glue nor the value means the sentence says more than this reader understands."""
    text = NOT_THE_OLD_AMOUNT.sub(lambda m: m["new"], text)  # "110,000 not 100k": no negation, a correction
    if re.search(r"\b(?:not|no|never)\b|n't\b", text, re.I) or text.rstrip().endswith("?"):
        return None  # a negation, or a question ("PAY-8 bob?"): no change asked
    keys = list(dict.fromkeys(k.upper() for k in re.findall(ISSUE_KEY, text)))
    if len(keys) > 1:
        return None
    record = named_opportunity(text, lexicon) if not keys else None
    if not keys and (record is None or _contact(text, lexicon) is not None):
        return None
    rest = re.sub(ISSUE_KEY, " ", text)
    words = re.findall(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>|\$?[\w'.,/-]+", rest)
    words = [w.strip(".,'") for w in words if w.strip(".,'-")]
    if record is not None:
        named = {w.casefold() for part in record if part for w in part.split()} | GENERIC_OPPORTUNITY | {"the", "our"}
        words = [w for w in words if re.sub(r"'s$", "", w).casefold() not in named]
    readings: list[ActionRequest] = []
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            value = " ".join(words[start : start + size])
            others = [w.lower() for w in words[:start] + words[start + size :]]
            found = _terse_values(value, keys[0], lexicon) if keys else _terse_deal_values(value, record, lexicon)
            for kind, request in found:
                if kind == "person" and "is" in others and not re.search(r"'s$|^(?:mine|yours)$", value, re.I):
                    continue  # "juan is on PAY-3" says who works on it; "PAY-5 is mine" / "bob's" give it
                if all(w in _GLUE or w in _GLUE_FOR[kind] for w in others):
                    readings.append(request)
        if readings:
            break
    unique = list(dict.fromkeys(readings))
    return unique[0] if len(unique) == 1 else None


def _terse_deal_values(
    value: str, record: tuple[str, str | None] | None, lexicon: Lexicon
) -> list[tuple[str, ActionRequest]]:
    assert record is not None
    account, opportunity = record
    found: list[tuple[str, ActionRequest]] = []
    stage = lexicon.stage(value)
    if stage is not None:
        found.append(
            ("stage", SalesforceUpdateOpportunityRequest(account=account, opportunity=opportunity, stage=stage))
        )
    amount = read_money(value, strict=True)
    if amount is not None:
        found.append(
            ("amount", SalesforceUpdateOpportunityRequest(account=account, opportunity=opportunity, amount=amount))
        )
    return found


def _terse_values(value: str, issue: str, lexicon: Lexicon) -> list[tuple[str, ActionRequest]]:
    found: list[tuple[str, ActionRequest]] = []
    status = lexicon.status(value)
    if status is not None:
        found.append(("status", JiraTransitionRequest(issue=issue, status=status)))
    priority = lexicon.priority(value)
    if priority is not None:
        found.append(("priority", JiraUpdateFieldsRequest(issue=issue, priority=priority)))
    written = re.sub(r"'s$", "", value)
    if (
        re.fullmatch(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>", written)
        or lexicon.knows_person(written)
        or written.lower()
        in (
            "me",
            "mine",
            "myself",
        )
    ):
        person = "me" if written.lower() in ("me", "mine", "myself") else written
        found.append(("person", JiraAssignRequest(issue=issue, assignee=person)))
    return found


def read_named_issue_fields(text: str, lexicon: Lexicon) -> tuple[ActionRequest, ...]:
    """Several kinds of change asked for on one issue by the fields they name, with no value ("PAY-5 needs an owner
    and a due date"): one request per kind, in the order the sentence names them, each field left empty; () for
    anything else (one kind is ``read_named_field``'s; labels and links are left to the frames)."""
    if not _ASK.search(text):
        return ()
    keys = list(dict.fromkeys(k.upper() for k in re.findall(ISSUE_KEY, text)))
    if len(keys) != 1 or named_opportunity(text, lexicon) is not None or _contact(text, lexicon) is not None:
        return ()
    found = sorted((m.start(), kind) for pattern, kind in _ISSUE_FIELDS if (m := pattern.search(text)))
    kinds = list(dict.fromkeys(kind for _, kind in found))
    if len(kinds) < 2 or None in kinds or "jira.link_issues" in kinds:
        return ()
    requests = (_issue_request_of(kind, keys[0]) for kind in kinds if kind is not None)
    return tuple(r for r in requests if r is not None)


def issue_fields_named(text: str) -> set[str | None]:
    """The kinds of issue change whose fields the text names ("the owner and the due date": assign, update)."""
    return {kind for pattern, kind in _ISSUE_FIELDS if pattern.search(text)}


def _issue_request_of(kind: str, key: str) -> ActionRequest | None:
    if kind == "jira.assign":
        return JiraAssignRequest(issue=key)
    if kind == "jira.transition":
        return JiraTransitionRequest(issue=key)
    if kind == "jira.update_fields":
        return JiraUpdateFieldsRequest(issue=key)
    return None


def asks_to_update_contact(text: str, lexicon: Lexicon) -> bool:
    """Whether the text is an ask to update the one contact it names, and nothing else ("update wile coyote in sf")."""
    contact = _contact(text, lexicon)
    return contact is not None and bool(_UPDATE_A_RECORD.fullmatch(_without(text, contact).strip(" .!?")))


def names_a_field_of(text: str, kind: str) -> bool:
    """Whether ``text`` names a field of a ``kind`` request, and no field of another kind ("fix the status" for a
    transition; "once alice is back" names none): a part the frames could not read that the named field explains."""
    if _BARE_ASK.fullmatch(text.strip(" .!?")):
        return True  # "can u change it", "fix pls": the ask itself, about the record the sentence named
    if kind == "salesforce.update_opportunity":
        return any(p.search(text) for p in _OPPORTUNITY_FIELDS)
    if kind == "salesforce.update_contact":
        return any(p.search(text) for p in _CONTACT_FIELDS)
    kinds = {k for pattern, k in _ISSUE_FIELDS if pattern.search(text)}
    if not kinds and _MOVE.search(text):
        kinds = {"jira.transition"}
    return kinds == {kind}


_BARE_ASK = re.compile(
    r"(?:(?:can|could|would)\s+(?:you|u|we|someone)\s+)?(?:please\s+|pls\s+)?(?:change|fix|update|correct|edit|adjust|sort|"
    r"set|move|bump|assign|reassign|do|shift|switch|flip|swap|replace)(?:\s+(?:it|this|that|them))?(?:\s+(?:in|on)\s+(?:sf|sfdc|salesforce|jira|the\s+crm))?"
    r"(?:\s+(?:please|pls|plz|for\s+me|asap))?",
    re.I,
)


_MOVE = re.compile(
    r"\b(?:move|moving)\s+(?:(?:it|this|[a-z][a-z0-9]{1,9}-\d+)\s+)?(?:along|forward|ahead|on|over)\b"
    r"|\b(?:needs?|has)\s+to\s+(?:move|progress|advance)\b|\b(?:progress|advance)\s+(?:it|this|[a-z][a-z0-9]{1,9}-\d+)\b",
    re.I,
)
"""Moving an issue names its status, unless the sentence names another field ("move PAY-4's due date")."""


def _issue_request(text: str, keys: Sequence[str]) -> ActionRequest | None:
    kinds = {kind for pattern, kind in _ISSUE_FIELDS if pattern.search(text)}
    if not kinds and _MOVE.search(text):
        kinds = {"jira.transition"}
    if len(kinds) != 1 or None in kinds:
        return None
    kind = kinds.pop()
    if kind == "jira.link_issues":
        return JiraLinkIssuesRequest(issue=keys[0], other=keys[1]) if len(keys) == 2 else None
    if len(keys) != 1:
        return None
    if kind == "jira.assign":
        return JiraAssignRequest(issue=keys[0])
    if kind == "jira.transition":
        return JiraTransitionRequest(issue=keys[0])
    return JiraUpdateFieldsRequest(issue=keys[0])


def _spans(text: str) -> list[tuple[int, int, list[str]]]:
    """Runs of one to three words, longest first at each position: (start, end in words, the words)."""
    words = _WORD.findall(text)
    return [(i, i + n, words[i : i + n]) for i in range(len(words)) for n in (3, 2, 1) if i + n <= len(words)]


def named_opportunity(text: str, lexicon: Lexicon) -> tuple[str, str | None] | None:
    """The one opportunity the text names: a known account as written, and the opportunity words that follow it
    ("acme platform renewal" -> acme + platform renewal; "the globex deal" -> globex)."""
    words = _WORD.findall(text)
    found: list[tuple[str, str | None]] = []
    position = 0
    while position < len(words):
        for size in (3, 2, 1):
            candidate = " ".join(words[position : position + size])
            account = lexicon.account(re.sub(r"'s$", "", candidate)) if position + size <= len(words) else None
            if account is not None and not account.lower().startswith(("the ", "our ", "their ")):
                after = position + size
                rest: list[str] = []
                while after < len(words) and lexicon.is_opportunity_word(words[after]):
                    rest.append(words[after])
                    after += 1
                if after < len(words) and words[after].lower() in GENERIC_OPPORTUNITY:
                    after += 1
                found.append((account, " ".join(rest) or None))
                position = after
                break
        else:
            position += 1
    unique = list(dict.fromkeys((a.casefold(), (o or "").casefold()) for a, o in found))
    return found[0] if len(unique) == 1 else None


def _contact(text: str, lexicon: Lexicon) -> str | None:
    """The one known contact the text names, as written (a full name before a first or last name alone)."""
    names: list[str] = []
    covered: set[int] = set()
    for start, end, words in _spans(text):
        if covered & set(range(start, end)):
            continue
        written = re.sub(r"(?:'s|')$", "", " ".join(words))
        if lexicon.is_known_contact(written) and not lexicon.knows_person(written):
            names.append(written)
            covered |= set(range(start, end))
    unique = {n.casefold() for n in names}
    return names[0] if len(unique) == 1 else None


def _without(text: str, name: str) -> str:
    return re.sub(re.escape(name), " ", text, flags=re.I)
