"""The offline parser's Salesforce recognisers: log a call, create a task, add or update a contact, update an
opportunity.

Records are named the way people name them: an opportunity by its account and the words that tell it apart ("the
Acme renewal" -> account Acme, opportunity "renewal"; "the Globex deal" -> account Globex), a contact by name, with
"at Initech" / "from Initech" naming the account. Values are read by what they are: an amount ("120k"), a date
("Dec 15", "next month" = a date too vague to use), or a stage as written. A phrase that reads as none of these leaves
the recogniser silent, so the parser asks instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from approvals.intents import (
    ACCOUNT_OWNER,
    OPPORTUNITY_OWNER,
    SalesforceCreateContactRequest,
    SalesforceCreateTaskRequest,
    SalesforceLogCallRequest,
    SalesforceUpdateContactRequest,
    SalesforceUpdateOpportunityRequest,
)
from approvals.ports import ExtractionInput
from bot.parse_text import (
    DATE,
    EMAIL,
    GENERIC_OPPORTUNITY,
    MENTION,
    OPPORTUNITY_WORDS,
    PHONE,
    Reading,
    Record,
    Unsupported,
    bare,
    capitalised,
    read_date,
    read_money,
    read_name,
    read_person,
    read_record,
    split_trailing_date,
    unquoted,
)

NAME_CAP = r"[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){0,2}"
"""A contact's name as people type it: capitalised words ("Ana", "Ana Silva", "Wile E Coyote")."""
NAME_ANY_CASE = r"[A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*){0,2}"
COMPANY = r"[A-Z][\w&'.-]*(?:\s+[A-Z][\w&'.-]*){0,3}"
_RECORD_NOUNS = "|".join(sorted((OPPORTUNITY_WORDS | GENERIC_OPPORTUNITY) - {"new"}, key=len, reverse=True))
_POSSESSIVE = r"(?:'s|(?<=s)')"
_REC = r"(?:the\s+|our\s+)?[A-Za-z0-9][\w&.'/-]*(?:\s+[A-Za-z0-9][\w&.'/-]*){0,5}?"


# ---------------------------------------------------------------------------------------------------------------
# Log a call

_LOG_CALL = re.compile(
    r"^(?:log|record|add|note|save|enter|create|register)\s+(?:a\s+|an\s+|my\s+|the\s+|our\s+|this\s+)?"
    r"(?:(?:phone|sales|quick|short|discovery|intro)\s+)?call(?:\s+log)?\b(?P<rest>.*)$",
    re.I,
)
_LOG_THAT_I_CALLED = re.compile(
    r"^(?:log|record|note)\s+(?:that\s+)?(?:i|we)\s+(?:just\s+)?(?:called|rang|phoned|spoke\s+(?:with|to)|"
    r"talked\s+(?:with|to)|had\s+a\s+call\s+with|got\s+off\s+(?:a|the)\s+call\s+with)\s+(?P<rest>.*)$",
    re.I,
)
_I_CALLED_LOG_IT = re.compile(
    r"^(?:(?:i|we)\s+)?(?:just\s+)?(?:called|rang|phoned|spoke\s+(?:with|to)|talked\s+(?:with|to)|"
    r"had\s+a\s+(?:\w+\s+)?call\s+with|got\s+off\s+(?:a|the)\s+call\s+with)\s+"
    r"(?P<rest>.+?)[,;.]?\s+(?:(?:please|pls|can\s+you|could\s+you)\s+)?(?:log|record)\s+(?:it|that|this|the\s+call)$",
    re.I,
)
_LOG_OTHER_ACTIVITY = re.compile(
    r"^(?:log|record|add)\s+(?:a\s+|an\s+|my\s+|the\s+)?(?:meeting|email|e-mail|visit|demo|lunch|event)\b", re.I
)
_CALL_WHO = re.compile(rf"\s*(?:with|to|for)\s+(?P<contact>{NAME_CAP})(?:\s+(?:at|from|of)\s+(?P<account>{COMPANY}))?")
_CALL_RECORD = re.compile(
    rf"\s*(?:on|about|for|re|regarding)\s+(?P<rec>the\s+[\w&.'-]+(?:\s+[\w&.'-]+){{0,4}}?\s+(?:{_RECORD_NOUNS}))\b",
    re.I,
)
_CALL_ACCOUNT = re.compile(rf"\s*(?:at|with|from)\s+(?P<account>{COMPANY})")
_CALL_DATE = re.compile(rf"\s*,?\s*(?:on\s+|from\s+)?(?P<date>{DATE})\b", re.I)
_CALL_ABOUT = re.compile(r"\s*about\s+(?P<subject>.+?)(?=\s*[,:;]|\s*$|\s+(?:on|yesterday|today|this)\b)", re.I)
_CALL_NOTES = re.compile(r"\s*(?P<sep>:|,|;|-|\u2014|\u2013)\s*(?:notes?\s*:\s*)?(?P<notes>.+)$", re.I | re.S)


@dataclass
class _Call:
    """A call being read clause by clause; ``notes_at`` is where notes marked with a colon start."""

    contact: str | None = None
    account: str | None = None
    opportunity: str | None = None
    subject: str | None = None
    call_date: dt.date | None = None
    dated: bool = False
    description: str | None = None
    notes_at: int | None = None


def recognise_log_call(text: str, request: ExtractionInput) -> Reading | Unsupported | None:
    t = bare(text)
    if _LOG_OTHER_ACTIVITY.match(t):
        return Unsupported(
            "I can log calls, not meetings, emails or visits. Say `log a call with Ana at Initech` for a call."
        )
    if match := _LOG_CALL.match(t):
        rest, offset = match["rest"], match.start("rest")
    elif match := _LOG_THAT_I_CALLED.match(t) or _I_CALLED_LOG_IT.match(t):
        rest, offset = " with " + match["rest"], None  # rebuilt text: no offsets into the segment
    else:
        return None
    call = _Call()
    position = 0
    while rest[position:].strip():
        step = _call_step(rest, position, call, request.today)
        if step is None:
            return None
        position = step
    found = SalesforceLogCallRequest(
        contact=call.contact,
        account=call.account,
        opportunity=call.opportunity,
        subject=call.subject,
        call_date=call.call_date,
        description=call.description,
    )
    free_text_at = offset + call.notes_at if offset is not None and call.notes_at is not None else None
    return Reading(found, free_text_at=free_text_at, open_field="description")


def _call_step(rest: str, position: int, call: _Call, today: dt.date) -> int | None:
    """Read one clause of a call at ``position``; where the next one starts, or None if nothing fits."""
    if call.contact is None and (match := _CALL_WHO.match(rest, position)) and read_name(match["contact"]):
        call.contact = read_name(match["contact"])
        call.account = match["account"] or call.account
        return match.end()
    if call.opportunity is None and (match := _CALL_RECORD.match(rest, position)):
        record = read_record(match["rec"])
        if record is not None:
            call.account, call.opportunity = record.account or call.account, record.opportunity
            return match.end()
    if call.account is None and (match := _CALL_ACCOUNT.match(rest, position)):
        call.account = match["account"]
        return match.end()
    if not call.dated and (match := _CALL_DATE.match(rest, position)):
        date = read_date(match["date"], today=today, past=True)
        call.call_date, call.dated = date[0] if date else None, True
        return match.end()
    if call.subject is None and (match := _CALL_ABOUT.match(rest, position)):
        call.subject = capitalised(re.sub(r"^(?:the|a|an|our)\s+", "", match["subject"].strip(), flags=re.I))
        return match.end()
    if call.description is None and (match := _CALL_NOTES.match(rest, position)):
        call.description = match["notes"].strip()
        if match["sep"] in (":", "-", "\u2014", "\u2013"):
            call.notes_at = match.start("notes")  # marked as notes: free text, read as written
        return len(rest)
    return None


# ---------------------------------------------------------------------------------------------------------------
# Create a task


_REMIND = re.compile(
    r"^(?:remind|ping|nudge|tell|ask)\s+(?P<owner>.+?)\s+(?:to|that\s+(?:they|she|he|I|we)\s+(?:need|have|must|should)\s+to)\s+(?P<rest>.+)$",
    re.I,
)
_REMIND_ME = re.compile(
    r"^(?:set\s+(?:a\s+|up\s+a\s+)?reminder|remind\s+me)\s*(?:for\s+me\s+)?to\s+(?P<rest>.+)$", re.I
)
_TASK_NOUN = re.compile(
    r"^(?:create|add|make|set\s+up|open|put\s+in|log|schedule|set|new)\s+(?:a\s+|an\s+)?(?:new\s+)?"
    r"(?P<system>salesforce\s+|sfdc\s+|crm\s+)?(?P<followup>follow[\s-]?up\s+)?"
    r"(?P<noun>task|to-?do|reminder|follow[\s-]?up)\b(?P<rest>.*)$",
    re.I,
)
_TASK_RECORD = re.compile(
    rf"^\s*,?\s*(?:for|on|about|re|regarding|against)\s+(?P<rec>(?:the\s+)?(?:[A-Z][\w&.'-]*(?:'s)?\s+)+"
    rf"(?:[a-z][\w-]*\s+){{0,2}}?(?P<noun>account|{_RECORD_NOUNS}))\b",
)
_TASK_OWNER = re.compile(
    rf"^\s*,?\s*(?:for|to)\s+(?P<owner>me|myself|{MENTION}|the\s+(?:account|opportunity|deal)\s+owner|"
    rf"[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?)(?=\s|:|,|$)",
)
_TASK_SUBJECT = re.compile(r"^\s*(?P<sep>to\s+|:\s*|-\s*|\u2014\s*|,\s*(?:to\s+)?)(?P<subject>.+)$", re.I | re.S)
_SUBJECT_CONTACT = re.compile(rf"\b(?P<contact>{NAME_CAP})\s+(?:at|from)\s+(?P<account>{COMPANY})")
_SUBJECT_RECORD = re.compile(
    rf"\bthe\s+(?P<rec>(?:[A-Z][\w&.'-]*\s+)+(?:[a-z][\w-]*\s+){{0,2}}?(?:{_RECORD_NOUNS}|account))\b"
)


def read_owner(phrase: str) -> tuple[str, Record | None] | None:
    """Who a task is for: a person, or the owner of a named record ("the account owner of Acme")."""
    p = " ".join(phrase.split())
    for pattern, kind in (
        (
            r"^(?:the\s+)?(?:account\s+owner|owner\s+of\s+the\s+account)\s+(?:of|for|on|at)\s+(?P<rec>.+)$",
            ACCOUNT_OWNER,
        ),
        (r"^(?P<rec>.+?)(?:'s)\s+account\s+owner$", ACCOUNT_OWNER),
        (r"^(?:the\s+)?(?:opportunity|deal|opp)\s+owner\s+(?:of|for|on)\s+(?P<rec>.+)$", OPPORTUNITY_OWNER),
        (r"^(?P<rec>.+?)(?:'s)\s+(?:opportunity|deal|opp)\s+owner$", OPPORTUNITY_OWNER),
        (r"^(?:the\s+)?owner\s+of\s+(?P<rec>.+)$", None),
    ):
        match = re.match(pattern, p, re.I)
        if not match:
            continue
        record = read_record(match["rec"])
        if record is None:
            return None
        if kind is None:
            kind = OPPORTUNITY_OWNER if record.named_as_record else ACCOUNT_OWNER
        if kind == ACCOUNT_OWNER:
            record = Record(record.account or record.opportunity, None, False) if not record.named_as_record else record
        return kind, record
    person = read_person(p)
    return (person, None) if person else None


def recognise_create_task(text: str, request: ExtractionInput) -> Reading | Unsupported | None:
    t = bare(text)
    owner: str | None = None
    record: Record | None = None
    follow_up = noun_form = False
    rest: str
    if match := _REMIND_ME.match(t):
        owner, rest = "me", " to " + match["rest"]
    elif match := _REMIND.match(t):
        # 'remind me on Friday to ...': the date may come before the task
        owner_text, owner_due, dated = split_trailing_date(" " + match["owner"], today=request.today)
        read = read_owner(owner_text)
        if read is None:
            return None
        owner, record = read
        rest = " to " + match["rest"] + (f", due {owner_due.isoformat()}" if dated and owner_due else "")
    elif match := _TASK_NOUN.match(t):
        rest, noun_form = match["rest"], True
        follow_up = bool(match["followup"] or match["noun"].lower().startswith("follow"))
    else:
        return None
    while True:  # 'for Erin on the Acme account', in either order
        if record is None and (found := _TASK_RECORD.match(rest)):
            record = _task_record(found["rec"], found["noun"])
            if record is not None:
                rest = rest[found.end() :]
                continue
        if owner is None and (found := _TASK_OWNER.match(rest)):
            owner = read_person(found["owner"]) or found["owner"]
            rest = rest[found.end() :]
            continue
        break
    subject_match = _TASK_SUBJECT.match(rest)
    if not subject_match and rest.strip():
        return None
    subject_text = subject_match["subject"] if subject_match else ""
    subject_text, due, _ = split_trailing_date(" " + subject_text, today=request.today)
    subject = capitalised(re.sub(r"^(?:please\s+)?", "", subject_text.strip(" ,"))) or None
    if subject is None and follow_up:
        subject = "Follow up"
    if subject is None and owner is None and record is None:
        return Unsupported(
            "Should that be a Jira task or a Salesforce task? Say `create a task in OPS: <summary>` for Jira, or "
            "`create a task for me to <do what> by <when>` for Salesforce."
        )
    contact = None
    if subject:
        if found := _SUBJECT_CONTACT.search(subject[1:]):
            contact, record = read_name(found["contact"]), record or Record(found["account"], None, False)
        elif record is None and (found := _SUBJECT_RECORD.search(subject)):
            record = _task_record(found["rec"], found["rec"].split()[-1])
    free_text_at = None
    if noun_form and subject_match and subject_match["sep"].strip() == ":":
        free_text_at = len(t) - len(rest) + subject_match.start("subject")
    return Reading(
        SalesforceCreateTaskRequest(
            subject=subject,
            owner=owner,
            account=record.account if record else None,
            opportunity=record.opportunity if record else None,
            contact=contact,
            due_date=due,
        ),
        free_text_at=free_text_at,
    )


def _task_record(phrase: str, noun: str) -> Record | None:
    if noun.lower() == "account":
        words = re.sub(r"^(?:the|our)\s+", "", phrase, flags=re.I).split()[:-1]
        name = re.sub(r"(?:'s)$", "", " ".join(words))
        return Record(name, None, False) if name else None
    return read_record(phrase)


# ---------------------------------------------------------------------------------------------------------------
# Contacts

_TITLE_WORDS = re.compile(
    r"\b(?:ceo|cfo|cto|coo|cio|cmo|cro|ciso|cpo|vp|svp|evp|avp|vice\s+president|president|head|director|manager|"
    r"chief|lead|founder|co-?founder|partner|engineer|buyer|officer|analyst|architect|administrator|admin|counsel|"
    r"controller|treasurer|consultant|specialist|coordinator|executive|associate|principal|procurement|purchasing|"
    r"owner|representative|rep|recruiter|designer|developer|scientist|accountant|assistant|secretary)\b",
    re.I,
)
_CONTACT_FIELD_NAMES = {
    "phone": "phone",
    "phone number": "phone",
    "number": "phone",
    "mobile": "phone",
    "mobile number": "phone",
    "cell": "phone",
    "cell phone": "phone",
    "cell number": "phone",
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "e-mail address": "email",
    "title": "title",
    "job title": "title",
    "role": "title",
    "position": "title",
}
_CONTACT_FIELD = (
    r"(?:phone(?:\s+number)?|mobile(?:\s+number)?|cell(?:\s+(?:phone|number))?|number|e-?mail(?:\s+address)?|"
    r"(?:job\s+)?title|role|position)"
)
_CONTACT_SPLIT = re.compile(
    rf"\s*(?:,|;|\s+and\s+)\s*(?:(?:set|change|update)\s+)?(?:the\s+|her\s+|his\s+|their\s+)?(?={_CONTACT_FIELD}\b)",
    re.I,
)
_CONTACT_ASSIGNMENT = re.compile(rf"^(?P<field>{_CONTACT_FIELD})\b\s*(?:to|as|=|:|is)?\s*(?P<value>.*)$", re.I)


def _contact_value(field: str, raw: str) -> str | None:
    raw = unquoted(raw.strip(" .,"))
    if not raw:
        return None
    if field == "email":
        found = re.search(EMAIL, raw)
        return found[0] if found else None
    if field == "phone":
        found = re.fullmatch(PHONE, raw)
        return " ".join(found[0].split()) if found else None
    return re.sub(r"^(?:the|a|an|our)\s+", "", raw, flags=re.I)


def _contact_assignments(text: str) -> dict[str, str | None] | None:
    values: dict[str, str | None] = {}
    for piece in _CONTACT_SPLIT.split(text.strip()):
        match = _CONTACT_ASSIGNMENT.match(piece.strip())
        if not match:
            return None
        field = _CONTACT_FIELD_NAMES[" ".join(match["field"].lower().split())]
        values[field] = _contact_value(field, match["value"])
    return values


_UPDATE_VERB = r"(?:update|change|set|fix|correct|edit|replace|put)"
_CONTACT_PATTERNS = (
    re.compile(
        rf"^{_UPDATE_VERB}\s+(?P<contact>{NAME_ANY_CASE}){_POSSESSIVE}\s+(?P<assignments>{_CONTACT_FIELD}\b.*)$", re.I
    ),
    re.compile(
        rf"^{_UPDATE_VERB}\s+(?:the\s+)?(?P<field>{_CONTACT_FIELD})\s+(?:of|for|on)\s+(?P<contact>{NAME_CAP})"
        rf"(?:\s+(?:at|from)\s+(?P<account>{COMPANY}))?\s+(?:to|as)\s+(?P<value>.+)$",
    ),
    re.compile(
        rf"^(?P<contact>{NAME_CAP})(?:\s+(?:at|from)\s+(?P<account>{COMPANY}))?\s+has\s+(?:a\s+)?new\s+"
        rf"(?P<field>{_CONTACT_FIELD})\s*(?::|-|,)?\s*(?:which\s+is\s+|of\s+|now\s+)?(?P<value>.+)$",
    ),
    re.compile(
        rf"^(?P<contact>{NAME_CAP}){_POSSESSIVE}\s+(?:new\s+)?(?P<field>{_CONTACT_FIELD})\s+(?:is|should\s+be|has\s+changed\s+to)"
        rf"\s+(?:now\s+)?(?P<value>.+)$",
    ),
    re.compile(
        rf"^{_UPDATE_VERB}\s+(?:the\s+)?(?:contact\s+)?(?P<contact>{NAME_CAP})(?:\s+(?:at|from)\s+(?P<account>{COMPANY}))?"
        rf"\s*(?::|with|,|-)\s*(?P<assignments>.+)$",
    ),
)
_CONTACT_NOW_TITLE = re.compile(
    rf"^(?P<contact>{NAME_CAP})(?:\s+(?:at|from)\s+(?P<account>{COMPANY}))?\s+is\s+now\s+(?:the\s+|a\s+|an\s+|our\s+)?"
    rf"(?P<title>.+?)(?:\s+at\s+(?P<account2>{COMPANY}))?$"
)
_UPDATE_CONTACT_ONLY = re.compile(
    rf"^(?:update|edit)\s+(?:the\s+contact\s+(?P<contact>{NAME_CAP})|(?P<full>[A-Z][\w'-]*\s+[A-Z][\w'-]*))"
    rf"(?:\s+(?:at|from)\s+(?P<account>{COMPANY}))?$",
)


def recognise_update_contact(text: str, request: ExtractionInput) -> Reading | None:
    t = bare(text)
    for pattern in _CONTACT_PATTERNS:
        match = pattern.match(t)
        if not match:
            continue
        groups = match.groupdict()
        contact = read_name(groups["contact"], any_case=True)
        if contact is None or read_record(contact) is None or _looks_like_opportunity(contact):
            continue
        if groups.get("assignments") is not None:
            values = _contact_assignments(groups["assignments"])
        else:
            field = _CONTACT_FIELD_NAMES[" ".join(groups["field"].lower().split())]
            values = {field: _contact_value(field, groups["value"])}
        if values is None:
            continue
        return Reading(SalesforceUpdateContactRequest(contact=contact, account=groups.get("account"), **values))
    match = _CONTACT_NOW_TITLE.match(t)
    if match and _TITLE_WORDS.search(match["title"]) and read_name(match["contact"]):
        return Reading(
            SalesforceUpdateContactRequest(
                contact=read_name(match["contact"]),
                account=match["account"] or match["account2"],
                title=match["title"].strip(),
            )
        )
    match = _UPDATE_CONTACT_ONLY.match(t)
    if match:
        name = read_name(match["contact"] or match["full"])
        if name and not _looks_like_opportunity(name):
            return Reading(SalesforceUpdateContactRequest(contact=name, account=match["account"]))
    return None


def _looks_like_opportunity(name: str) -> bool:
    return any(w.lower() in OPPORTUNITY_WORDS | GENERIC_OPPORTUNITY | {"account"} for w in name.split())


_NEW_CONTACT = re.compile(
    r"^(?:add|create|make|enter|insert|set\s+up|new)\s+(?:a\s+|an\s+)?(?:new\s+)?(?:salesforce\s+)?contact\b(?P<rest>.*)$",
    re.I | re.S,
)
_ADD_AS_CONTACT = re.compile(
    rf"^(?:add|create|enter|put)\s+(?P<name>{NAME_CAP})(?:\s+(?:at|from|of)\s+(?P<account>{COMPANY}))?\s+"
    r"(?:(?:to|in|into)\s+(?:salesforce|sfdc|the\s+crm)\s+)?as\s+(?:a\s+|an\s+)?(?:new\s+)?contact(?P<rest>.*)$",
    re.S,
)
_ADD_TO_SALESFORCE = re.compile(
    rf"^(?:add|put)\s+(?P<name>{NAME_CAP})\s+(?:at|from)\s+(?P<account>{COMPANY})\s+(?:to|in|into)\s+"
    r"(?:salesforce|sfdc|the\s+crm)(?P<rest>.*)$",
    re.S,
)
_CONTACT_HEAD = re.compile(
    rf"^\s*(?:(?P<at>(?:at|for|from|with)\s+(?P<account>{COMPANY}))\s*(?::|-|,)\s*)?(?:(?::|-)\s*)?"
    rf"(?:(?:for|named|called)\s+)?(?P<name>{NAME_CAP})?(?:\s+(?:at|from|with|of)\s+(?P<account2>{COMPANY}))?"
)


def recognise_create_contact(text: str, request: ExtractionInput) -> Reading | None:
    t = bare(text)
    values: dict[str, str | None] = {}
    if match := _ADD_AS_CONTACT.match(t) or _ADD_TO_SALESFORCE.match(t):
        name, values["account"], rest = match["name"], match["account"], match["rest"]
    elif match := _NEW_CONTACT.match(t):
        head = _CONTACT_HEAD.match(match["rest"])
        assert head is not None  # every part of the head is optional
        name = head["name"]
        values["account"] = head["account"] or head["account2"]
        rest = match["rest"][head.end() :]
    else:
        return None
    for raw in re.split(r"\s*[,;]\s*|\s+\(|\)\s*", rest):
        item = raw.strip(" ()")
        if not item:
            continue
        if not _contact_attribute(item, values):
            if name is None and read_name(item) and " " in item:
                name = item
                continue
            return None
    first, last = _split_name(name)
    return Reading(SalesforceCreateContactRequest(first_name=first, last_name=last, **values))


def _split_name(name: str | None) -> tuple[str | None, str | None]:
    words = (read_name(name) or "").split() if name else []
    if not words:
        return None, None
    return words[0], " ".join(words[1:]) or None


def _contact_attribute(item: str, values: dict[str, str | None]) -> bool:
    """Read one comma-separated item of a new contact into ``values``; False when it is none of them."""
    match = re.fullmatch(rf"(?:(?:e-?mail|email\s+address)\s*:?\s*)?(?P<v>{EMAIL})", item, re.I)
    if match and not values.get("email"):
        values["email"] = match["v"]
        return True
    match = re.fullmatch(rf"(?:(?:phone|tel|mobile|cell)(?:\s+number)?\s*:?\s*)?(?P<v>{PHONE})", item, re.I)
    if match and not values.get("phone"):
        values["phone"] = " ".join(match["v"].split())
        return True
    match = re.fullmatch(
        r"(?:(?:job\s+)?title|role|position)\s*:?\s*(?P<v>.+)|as\s+(?:the\s+|a\s+|an\s+|our\s+)?(?P<w>.+)|"
        r"(?:he|she|they)(?:'s|'re|\s+is|\s+are)\s+(?:the\s+|a\s+|an\s+|our\s+)?(?P<x>.+)",
        item,
        re.I,
    )
    if match and not values.get("title"):
        values["title"] = match["v"] or match["w"] or match["x"]
        return True
    match = re.fullmatch(rf"(?:at|from|of)\s+(?P<v>{COMPANY})", item)
    if match and not values.get("account"):
        values["account"] = match["v"]
        return True
    if _TITLE_WORDS.search(item) and not values.get("title") and re.fullmatch(r"[\w&/ .,'-]+", item):
        values["title"] = item
        return True
    if re.fullmatch(COMPANY, item) and not values.get("account") and " " not in item:
        values["account"] = item
        return True
    return False


# ---------------------------------------------------------------------------------------------------------------
# Update an opportunity

_OPP_FIELD_NAMES = {
    "stage": "stage",
    "sales stage": "stage",
    "status": "stage",
    "amount": "amount",
    "value": "amount",
    "deal size": "amount",
    "size": "amount",
    "deal value": "amount",
    "price": "amount",
    "close date": "close_date",
    "closing date": "close_date",
    "close-date": "close_date",
    "close": "close_date",
    "expected close": "close_date",
    "expected close date": "close_date",
    "next step": "next_step",
    "next steps": "next_step",
}
_OPP_FIELD = (
    r"(?:sales\s+stage|stage|status|deal\s+(?:size|value)|amount|value|size|price|"
    r"(?:expected\s+)?clos(?:e|ing)(?:[\s-]+date)?|next\s+steps?)"
)
_OPP_FIELD_NO_STATUS = _OPP_FIELD.replace("status|", "")
_OPP_VERB = (
    r"(?:set|change|update|move|push|pull|bump|raise|increase|decrease|lower|drop|adjust|make|put|advance|progress|"
    r"shift|mark|flag|reduce|up)"
)
_OPP_SPLIT = re.compile(
    rf"\s*(?:,|;|\s+and\s+)\s*(?:(?:set|change|push|move|bump|make|update)\s+)?(?:the\s+|its\s+)?(?={_OPP_FIELD}\b)",
    re.I,
)
_OPP_ASSIGNMENT = re.compile(rf"^(?P<field>{_OPP_FIELD})\b\s*(?:to|as|=|:|is|of|at|out\s+to)?\s*(?P<value>.*)$", re.I)
_STAGE_WORDS = {"won": "Closed Won", "lost": "Closed Lost", "closed won": "Closed Won", "closed lost": "Closed Lost"}
_STAGE_WORDS |= {"closed-won": "Closed Won", "closed-lost": "Closed Lost", "win": "Closed Won"}

_OPPORTUNITY_PATTERNS = (
    # set the stage of the Acme renewal to Negotiation (, amount 120k)
    re.compile(
        rf"^{_OPP_VERB}\s+(?:up\s+|out\s+|back\s+)?(?:the\s+)?(?P<field>{_OPP_FIELD})\s+(?:of|on|for|in)\s+(?P<record>{_REC})"
        rf"(?:\s+(?:to|as|at|out\s+to)\s+(?P<value>.+?))?(?P<more>(?:,\s+|;\s*|\s+and\s+).*)?$",
        re.I,
    ),
    # set the Acme renewal's stage to Negotiation / set the Umbrella Health renewal amount to $95,000
    re.compile(
        rf"^{_OPP_VERB}\s+(?P<record>{_REC})(?:'s)?\s+(?P<assignments>{_OPP_FIELD}\b.*)$",
        re.I,
    ),
    # the Acme renewal's stage is Negotiation
    re.compile(
        rf"^(?P<record>{_REC})(?:'s)?\s+(?P<field>{_OPP_FIELD})\s*(?::|=|is\s+now|is|should\s+be)\s*(?P<value>.+)$",
        re.I,
    ),
    # next step for the Initech expansion: legal review
    re.compile(
        rf"^(?:the\s+)?(?P<field>{_OPP_FIELD})\s+(?:of|on|for)\s+(?P<record>{_REC})\s*(?::|=|is\s+now|is|should\s+be)\s*"
        rf"(?P<value>.+)$",
        re.I,
    ),
    # update the Initech opportunity: stage ..., amount ...
    re.compile(rf"^(?:update|edit)\s+(?P<record>{_REC})\s*(?::|with|,|-)\s*(?P<assignments>.+)$", re.I),
    # Globex new business: stage ..., next step ...
    re.compile(rf"^(?P<record>{_REC})\s*:\s*(?P<assignments>{_OPP_FIELD}\b.+)$", re.I),
)
_MOVE_RECORD = re.compile(
    rf"^(?P<verb>{_OPP_VERB})\s+(?P<record>{_REC})\s+(?:up\s+|out\s+|back\s+)?(?:to|as|at|into|in)\s+(?P<value>.+)$",
    re.I,
)
# 'the Globex deal is now $1.2M' / 'is now in Negotiation': a stage only after in / at ('is looking good' is none)
_RECORD_IS = re.compile(rf"^(?P<record>{_REC})\s+is\s+(?:now\s+)?(?P<prep>(?:at|in)\s+)?(?P<value>.+)$", re.I)
_VALUE_THEN_FIELDS = re.compile(
    rf"(?:,\s*|;\s*|\s+and\s+)(?=(?:(?:set|change|push|move|bump|make|update)\s+)?(?:the\s+|its\s+)?{_OPP_FIELD}\b)",
    re.I,
)
_FIELD_LEAD = re.compile(r"^(?:(?:set|change|push|move|bump|make|update)\s+)?(?:the\s+|its\s+)?", re.I)
_MARK_RECORD = re.compile(rf"^mark\s+(?P<record>{_REC})\s+(?:as\s+)?(?P<how>(?:closed[\s-])?(?:won|lost))$", re.I)
_RECORD_CLOSES = re.compile(
    rf"^(?P<record>{_REC})\s+(?:now\s+|should\s+|will\s+|is\s+going\s+to\s+)?(?:closes?|close|is\s+closing)"
    rf"\s+(?:on\s+|by\s+|in\s+)?(?P<value>.+)$",
    re.I,
)
_UPDATE_RECORD = re.compile(rf"^(?:update|edit|change)\s+(?P<record>{_REC})$", re.I)
_WE_WON = re.compile(rf"^we(?:'ve)?\s+(?:just\s+|finally\s+)?(?P<how>won|lost|closed)\s+(?P<record>{_REC})$", re.I)
_CLOSE_RECORD = re.compile(
    rf"^close\s+(?:out\s+)?(?P<record>{_REC})(?:\s+as\s+(?P<how>(?:closed[\s-])?(?:won|lost)))?$", re.I
)
_FIELDS_ONLY = re.compile(rf"^{_OPP_VERB}\s+(?:the\s+|its\s+)?(?P<assignments>{_OPP_FIELD_NO_STATUS}\b.*)$", re.I)


def stage_value(text: str) -> str | None:
    t = " ".join(unquoted(text).strip(" .!").split())
    t = re.sub(r"^(?:the\s+)", "", t, flags=re.I)
    t = re.sub(r"\s+(?:stage|status)$", "", t, flags=re.I)
    if not t or len(t.split()) > 4 or re.search(r"\band\b|[,;:]", t, re.I) or not re.search(r"[A-Za-z]", t):
        return None
    if t.lower() in _STAGE_WORDS:
        return _STAGE_WORDS[t.lower()]
    return t.title() if t == t.lower() else t


def _opp_assignments(text: str, request: ExtractionInput) -> dict[str, object] | None:
    values: dict[str, object] = {}
    for piece in _OPP_SPLIT.split(text.strip()):
        match = _OPP_ASSIGNMENT.match(piece.strip())
        if not match:
            return None
        field = _OPP_FIELD_NAMES[" ".join(match["field"].lower().replace("-", " ").split()).replace("closing", "close")]
        field = "close_date" if field not in _OPP_FIELD_NAMES.values() else field
        value = _opp_value(field, match["value"], request)
        if value is False:
            return None
        values[field] = value
    return values


def _opp_value(field: str, raw: str, request: ExtractionInput) -> object:
    """The value of one field (None when named without a usable value); False when it cannot be that field."""
    raw = raw.strip(" .,")
    if not raw:
        return None
    if field == "amount":
        money = read_money(raw, strict=False)
        return money[0] if money else False
    if field == "close_date":
        date = read_date(raw, today=request.today)
        return date[0] if date else False
    if field == "stage":
        return stage_value(raw) or False
    return unquoted(raw)


def _generic_value(verb: str, raw: str, request: ExtractionInput, record: Record) -> dict[str, object] | None:
    """'move the Acme renewal to X': X is an amount, a close date or a stage, by what it looks like. The record must
    read as one: a deal word, or a company written as a name ("move the meeting to Friday" is not about a deal)."""
    if not record.named_as_record and not (record.account or "")[:1].isupper():
        return None
    money = read_money(raw, strict=True)
    if money:
        return {"amount": money[0]}
    date = read_date(raw, today=request.today)
    if date:
        return {"close_date": date[0]}
    if read_money(raw, strict=False):
        return None  # "to 15": a typo or an amount, not a stage
    if not record.named_as_record or verb.lower() in ("bump", "raise", "increase", "decrease", "lower", "reduce", "up"):
        return None
    stage = stage_value(raw)
    return {"stage": stage} if stage else None


def recognise_update_opportunity(text: str, request: ExtractionInput) -> Reading | Unsupported | None:
    t = bare(text)
    for pattern in _OPPORTUNITY_PATTERNS:
        match = pattern.match(t)
        if not match:
            continue
        groups = match.groupdict()
        record = read_record(groups["record"])
        if record is None or _looks_like_person_only(groups["record"], record):
            continue
        if groups.get("assignments") is not None:
            values = _opp_assignments(groups["assignments"], request)
        else:
            field = _OPP_FIELD_NAMES[_field_key(groups["field"])]
            value = _opp_value(field, groups.get("value") or "", request)
            values = None if value is False else {field: value}
            if values is not None and groups.get("more"):
                extra = _opp_assignments(re.sub(r"^\s*(?:,|;|and)\s*", "", groups["more"]), request)
                values = None if extra is None else {**values, **extra}
        if values is None:
            continue
        return Reading(_opportunity(record, values))
    if match := _FIELDS_ONLY.match(t):
        values = _opp_assignments(match["assignments"], request)
        if values:
            return Reading(_opportunity(Record(None, None, False), values))
    if (match := _MOVE_RECORD.match(t)) and (record := read_record(match["record"])):
        value, _, more = _VALUE_THEN_FIELDS.sub("\0", match["value"], count=1).partition("\0")
        values = _generic_value(match["verb"], value, request, record)
        extra = _opp_assignments(_FIELD_LEAD.sub("", more), request) if more else {}
        if values is not None and extra is not None and not set(values) & set(extra):
            return Reading(_opportunity(record, {**values, **extra}))
    if (match := _MARK_RECORD.match(t)) and (record := read_record(match["record"])) and record.named_as_record:
        how = " ".join(match["how"].lower().replace("-", " ").split())
        return Reading(_opportunity(record, {"stage": _STAGE_WORDS[how]}))
    if (match := _RECORD_IS.match(t)) and (record := read_record(match["record"])) and record.named_as_record:
        value = match["value"]
        values = _generic_value("set", value, request, record)
        if values and "stage" in values and not match["prep"] and value.lower() not in _STAGE_WORDS:
            values = None
        if values is not None:
            return Reading(_opportunity(record, values))
    if (match := _RECORD_CLOSES.match(t)) and (record := read_record(match["record"])) and record.named_as_record:
        date = read_date(match["value"], today=request.today)
        if date is not None:
            return Reading(_opportunity(record, {"close_date": date[0]}))
    if (match := _WE_WON.match(t)) and (record := read_record(match["record"])) and record.named_as_record:
        how = match["how"].lower()
        return Reading(_opportunity(record, {"stage": _STAGE_WORDS.get(how)}))
    if (match := _CLOSE_RECORD.match(t)) and (record := read_record(match["record"])) and record.named_as_record:
        how = " ".join((match["how"] or "").lower().replace("-", " ").split())
        return Reading(_opportunity(record, {"stage": _STAGE_WORDS.get(how)}))
    if (match := _UPDATE_RECORD.match(t)) and (record := read_record(match["record"])) and record.named_as_record:
        return Reading(_opportunity(record, {}))
    return None


def _field_key(field: str) -> str:
    key = " ".join(field.lower().replace("-", " ").split())
    return key.replace("closing", "close") if key.replace("closing", "close") in _OPP_FIELD_NAMES else key


def _looks_like_person_only(phrase: str, record: Record) -> bool:
    """'set Ana's title': a first name is not an account unless the phrase says it is a deal."""
    return not record.named_as_record and bool(re.fullmatch(r"[A-Z][a-z]+(?:'s)?", phrase.strip()))


def _opportunity(record: Record, values: dict[str, object]) -> SalesforceUpdateOpportunityRequest:
    amount = values.get("amount")
    return SalesforceUpdateOpportunityRequest(
        account=record.account,
        opportunity=record.opportunity,
        stage=values.get("stage"),  # type: ignore[arg-type]
        amount=amount if isinstance(amount, Decimal) else None,
        close_date=values.get("close_date"),  # type: ignore[arg-type]
        next_step=values.get("next_step"),  # type: ignore[arg-type]
    )
