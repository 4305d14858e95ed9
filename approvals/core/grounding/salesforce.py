"""Grounding of Salesforce requests: "the Acme renewal" becomes one opportunity, or a pick-list of the candidates.

Records are found by what people call them (an account's name, words of an opportunity's name, a contact's name)
through SOQL in the connector; a Salesforce id is accepted as is, which is how a pick from the card comes back.
One match is used and shown with its key facts so the approver sees *which* record; several become a question
with a choice per record; none become a question that says what was searched. An update carries ``before``: the
record's values now, in the connector's JSON shapes (amounts as decimal strings, dates ISO), including the stage
and amount the policy looks at even when they do not change.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from approvals.core.actions import (
    Action,
    Person,
    SalesforceCreateContact,
    SalesforceCreateTask,
    SalesforceLogCall,
    SalesforceUpdateContact,
    SalesforceUpdateOpportunity,
    SfRecordRef,
)
from approvals.core.grounding.catalogs import SalesforceCatalog, SfRecordInfo
from approvals.core.grounding.common import (
    Choice,
    GroundingContext,
    Lookups,
    NeedsInfo,
    Unworkable,
    invalid,
    person_in_system,
    pick,
    shown_value,
)
from approvals.core.intents import (
    ACCOUNT_OWNER,
    OPPORTUNITY_OWNER,
    SalesforceCreateContactRequest,
    SalesforceCreateTaskRequest,
    SalesforceLogCallRequest,
    SalesforceUpdateContactRequest,
    SalesforceUpdateOpportunityRequest,
)

Outcome = Action | NeedsInfo | Unworkable

_SF_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
_ID_PREFIX = {"Account": "001", "Contact": "003", "Opportunity": "006"}
_GENERIC_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "their",
        "its",
        "his",
        "her",
        "our",
        "my",
        "your",
        "open",
        "current",
        "one",
        "deal",
        "deals",
        "opportunity",
        "opportunities",
        "opp",
        "opps",
        "oppty",
        "s",
        "account",
        "company",
        "customer",
    ]
)
_MAX_CHOICES = 25


def ground_salesforce(
    request: Any, *, lookups: Lookups, salesforce: SalesforceCatalog, context: GroundingContext
) -> Outcome:
    match request:
        case SalesforceUpdateOpportunityRequest():
            return _update_opportunity(request, sf=salesforce)
        case SalesforceCreateTaskRequest():
            return _create_task(request, lookups=lookups, sf=salesforce, context=context)
        case SalesforceLogCallRequest():
            return _log_call(request, sf=salesforce, context=context)
        case SalesforceUpdateContactRequest():
            return _update_contact(request, sf=salesforce)
        case SalesforceCreateContactRequest():
            return _create_contact(request, sf=salesforce)
    raise TypeError(f"no Salesforce grounding for {type(request).__name__}")


# ---------------------------------------------------------------------------------------------------------------
# Finding records


def money(value: Any) -> str:
    """An amount as people read it: $120,000 (cents only when there are some)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"${number:,.0f}" if number == number.to_integral_value() else f"${number:,.2f}"


def record_facts(record: SfRecordInfo) -> str:
    """The facts that tell one record from another: stage, amount, owner, close date (or title and account)."""
    fields = record.fields
    if record.object == "Opportunity":
        parts = [
            str(fields.get("stage") or ""),
            money(fields["amount"]) if fields.get("amount") not in (None, "") else "",
            f"owner {fields['owner']}" if fields.get("owner") else "",
            f"closes {fields['close_date']}" if fields.get("close_date") else "",
        ]
    elif record.object == "Contact":
        parts = [str(fields.get("title") or ""), str(fields.get("account") or ""), str(fields.get("email") or "")]
    else:
        parts = [f"owner {fields['owner']}" if fields.get("owner") else ""]
    return " · ".join(p for p in parts if p)


def _choices(records: Sequence[SfRecordInfo]) -> tuple[Choice, ...]:
    return tuple(Choice(label=r.name[:75], value=r.id, detail=record_facts(r)) for r in records[:_MAX_CHOICES])


def _by_id(text: str | None, object_name: str, sf: SalesforceCatalog) -> SfRecordInfo | NeedsInfo | None:
    """The record a Salesforce id names (a pick from the card); None when ``text`` is not such an id."""
    candidate = (text or "").strip()
    if not _SF_ID.match(candidate) or not candidate.startswith(_ID_PREFIX[object_name]):
        return None
    found = sf.record(object_name, candidate)
    if found is None:
        return NeedsInfo(
            f"That {object_name.lower()} is no longer in Salesforce. Which one do you mean?", (_ROLE[object_name],)
        )
    return found


_ROLE = {"Opportunity": "opportunity", "Account": "account", "Contact": "contact"}


def _words(text: str | None) -> list[str]:
    return [w for w in re.findall(r"[\w&.-]+", (text or "").replace("'s ", " ")) if w.lower() not in _GENERIC_WORDS]


def resolve_opportunity(account: str | None, wording: str | None, *, sf: SalesforceCatalog) -> SfRecordInfo | NeedsInfo:
    """The one opportunity an account name and some words of its name mean (open ones first), or a question."""
    for text in (wording, account):
        found = _by_id(text, "Opportunity", sf)
        if found is not None:
            return found
    words = _words(wording)
    account = (account or "").strip() or None
    if account is None and not words:
        return NeedsInfo("Which opportunity? Name the account and the deal, like 'the Acme renewal'.", ("opportunity",))
    matches = list(sf.find_opportunities(account=account, words=words, open_only=True))
    if not matches:
        matches = list(sf.find_opportunities(account=account, words=words, open_only=False))
    if len(matches) == 1:
        return matches[0]
    described = " ".join(filter(None, [account, *words]))
    if len(matches) > 1:
        return NeedsInfo(
            f"{len(matches)} opportunities match *{described}*. Which one do you mean?",
            ("opportunity",),
            _choices(matches),
        )
    if account and words:
        others = list(sf.find_opportunities(account=account, words=[], open_only=True))
        if others:
            return NeedsInfo(
                f"I can't find an opportunity matching *{described}*. These are {account}'s open opportunities; "
                "which one do you mean?",
                ("opportunity",),
                _choices(others),
            )
    return NeedsInfo(
        f"I can't find an opportunity matching *{described}* in Salesforce. Which opportunity do you mean? "
        "Name the account and the deal.",
        ("opportunity",),
    )


def resolve_account(name: str | None, *, sf: SalesforceCatalog) -> SfRecordInfo | NeedsInfo:
    found = _by_id(name, "Account", sf)
    if found is not None:
        return found
    cleaned = " ".join(_words(name)) or (name or "").strip()
    if not cleaned:
        return NeedsInfo("Which account? Reply with its name.", ("account",))
    matches = list(sf.find_accounts(cleaned))
    exact = [m for m in matches if m.name.lower() == cleaned.lower()]
    if len(exact) == 1 or len(matches) == 1:
        return (exact or matches)[0]
    if matches:
        return NeedsInfo(f"Several accounts match *{cleaned}*. Which one?", ("account",), _choices(matches))
    return NeedsInfo(f"I can't find an account called *{cleaned}* in Salesforce. Which account is it?", ("account",))


def resolve_contact(name: str | None, account: str | None, *, sf: SalesforceCatalog) -> SfRecordInfo | NeedsInfo:
    found = _by_id(name, "Contact", sf)
    if found is not None:
        return found
    cleaned = " ".join((name or "").split())
    if not cleaned:
        return NeedsInfo("Which contact? Reply with their name (and account).", ("contact",))
    matches = list(sf.find_contacts(name=cleaned, account=(account or "").strip() or None))
    if len(matches) == 1:
        return matches[0]
    at = f" at {account}" if account else ""
    if matches:
        return NeedsInfo(f"Several contacts match *{cleaned}*{at}. Which one?", ("contact",), _choices(matches))
    return NeedsInfo(
        f"I can't find a contact called *{cleaned}*{at} in Salesforce. Which contact do you mean?", ("contact",)
    )


def record_facts_of(record: SfRecordInfo) -> dict[str, Any]:
    """What a record-level condition may test of the record (``approvals.core.actions.FACT_FIELDS``)."""
    facts: dict[str, Any] = {
        "record.owner": record.fields.get("owner_email") or record.fields.get("owner_id"),
        "record.account.type": record.fields.get("account_type"),
    }
    if record.object == "Opportunity":
        facts["record.stage"] = record.fields.get("stage")
    return facts


def _ref(record: SfRecordInfo) -> SfRecordRef:
    return SfRecordRef(object=record.object, id=record.id, name=record.name[:255] or record.id)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------------
# Updates


def _same_amount(a: Any, b: Any) -> bool:
    try:
        return a is not None and b is not None and Decimal(str(a)) == Decimal(str(b))
    except (InvalidOperation, ValueError):
        return False


def _update_opportunity(request: SalesforceUpdateOpportunityRequest, *, sf: SalesforceCatalog) -> Outcome:
    record = resolve_opportunity(request.account, request.opportunity, sf=sf)
    if isinstance(record, NeedsInfo):
        return record
    asked: dict[str, Any] = {}
    if request.stage:
        stages = list(sf.stages())
        stage = pick(request.stage, stages)
        if stage is None:
            return NeedsInfo(
                f"*{request.stage}* isn't an opportunity stage here. Which stage should {record.name} move to?",
                ("stage",),
                tuple(Choice(s, s) for s in stages),
            )
        asked["stage"] = stage
    if request.amount is not None:
        asked["amount"] = request.amount
    if request.close_date is not None:
        asked["close_date"] = request.close_date
    if request.next_step is not None and request.next_step.strip():
        asked["next_step"] = " ".join(request.next_step.split())
    if not asked:
        return NeedsInfo(
            f"What should change on {record.name} ({record_facts(record)})? "
            "I can set its stage, amount, close date or next step.",
            (),
        )
    now = record.fields
    changes = {}
    for name, value in asked.items():
        current = now.get(name)
        same = (
            _same_amount(value, current)
            if name == "amount"
            else (value.isoformat() if isinstance(value, dt.date) else value) == current
        )
        if not same:
            changes[name] = value
    if not changes:
        already = ", ".join(
            f"{name.replace('_', ' ')} {money(v) if name == 'amount' else shown_value(v)}" for name, v in asked.items()
        )
        return Unworkable(f"{record.name} already has {already}.")
    # The stage and amount the policy reads, the fields changed, and the owner the card shows.
    shown = {"stage", "amount", "owner", *changes}
    before = {name: now.get(name) for name in ("stage", "amount", "close_date", "next_step", "owner") if name in shown}
    try:
        return SalesforceUpdateOpportunity(
            opportunity=_ref(record),
            account=str(now.get("account") or ""),
            before=before,
            facts=record_facts_of(record),
            **changes,
        )
    except ValidationError as exc:
        return invalid(exc)


def _update_contact(request: SalesforceUpdateContactRequest, *, sf: SalesforceCatalog) -> Outcome:
    record = resolve_contact(request.contact, request.account, sf=sf)
    if isinstance(record, NeedsInfo):
        return record
    asked = {
        name: " ".join(value.split())
        for name, value in (("email", request.email), ("phone", request.phone), ("title", request.title))
        if value is not None and value.strip()
    }
    if not asked:
        return NeedsInfo(f"What should change on {record.name}? I can set their email, phone or title.", ())
    changes = {
        name: value
        for name, value in asked.items()
        if (value.lower() if name == "email" else value)
        != ((record.fields.get(name) or "").lower() if name == "email" else record.fields.get(name))
    }
    if not changes:
        already = ", ".join(f"{name} {value}" for name, value in asked.items())
        return Unworkable(f"{record.name} already has {already}.")
    try:
        return SalesforceUpdateContact(
            contact=_ref(record),
            before={name: record.fields.get(name) for name in changes},
            facts=record_facts_of(record),
            **changes,
        )
    except ValidationError as exc:
        return invalid(exc)


# ---------------------------------------------------------------------------------------------------------------
# Creates


def _related(account: str | None, opportunity: str | None, *, sf: SalesforceCatalog) -> SfRecordInfo | NeedsInfo | None:
    """The record a task or call is about ("what"): the opportunity when one is named, else the account."""
    if opportunity:
        return resolve_opportunity(account, opportunity, sf=sf)
    if account:
        return resolve_account(account, sf=sf)
    return None


def _owner_of(record: SfRecordInfo, lookups: Lookups) -> Person | NeedsInfo:
    fields = record.fields
    if not fields.get("owner_id"):
        return NeedsInfo(f"I can't tell who owns {record.name}. Who should own the task?", ("owner",))
    email = fields.get("owner_email")
    match = lookups.directory.person_by_email(email) if email else None
    return Person(
        display_name=str(fields.get("owner") or (match.real_name if match else record.name)),
        slack_user_id=match.slack_user_id if match else None,
        email=email,
        salesforce_user_id=str(fields["owner_id"]),
    )


def _sf_person(
    name: str, *, lookups: Lookups, sf: SalesforceCatalog, context: GroundingContext, role: str
) -> Person | NeedsInfo:
    return person_in_system(
        name,
        directory=lookups.directory,
        requester=context.requester,
        role=role,
        account_for_email=sf.user_id_for_email,
        system="Salesforce user",
        id_field="salesforce_user_id",
        instead="Who should it be instead?",
    )


def _create_task(
    request: SalesforceCreateTaskRequest, *, lookups: Lookups, sf: SalesforceCatalog, context: GroundingContext
) -> Outcome:
    what = _related(request.account, request.opportunity, sf=sf)
    if isinstance(what, NeedsInfo):
        return what
    who = None
    if request.contact:
        who = resolve_contact(request.contact, what.fields.get("account") if what else request.account, sf=sf)
        if isinstance(who, NeedsInfo):
            return who
    subject = " ".join((request.subject or "").split())
    if not subject:
        about = f" about {what.name}" if what else ""
        return NeedsInfo(f"What's the task{about}? Reply with a short subject, like 'Send the quote'.", ("subject",))
    owner_words = " ".join((request.owner or "").lower().split())
    if not owner_words:
        choices = [Choice("Me", f"<@{context.requester.slack_user_id}>")]
        if what is not None and what.fields.get("owner"):
            owner_kind = OPPORTUNITY_OWNER if what.object == "Opportunity" else ACCOUNT_OWNER
            choices.append(Choice(f"{what.fields['owner']} (owner of {what.name})"[:75], owner_kind))
        return NeedsInfo("Who should own the task? Mention them with @.", ("owner",), tuple(choices))
    owner: Person | NeedsInfo
    if owner_words in (ACCOUNT_OWNER, OPPORTUNITY_OWNER, "account owner", "opportunity owner", "deal owner"):
        if what is None:
            return NeedsInfo("Which account's owner? Reply with the account's name.", ("account",))
        if owner_words.startswith("the account") or owner_words == "account owner":
            if what.object == "Opportunity" and what.fields.get("account_id"):
                account = sf.record("Account", str(what.fields["account_id"]))
                what_owner = account if account is not None else what
            else:
                what_owner = what
        else:
            what_owner = what
        owner = _owner_of(what_owner, lookups)
    else:
        owner = _sf_person(request.owner or "", lookups=lookups, sf=sf, context=context, role="owner")
    if isinstance(owner, NeedsInfo):
        return owner
    if request.due_date is not None and request.due_date < context.today:
        return NeedsInfo(
            f"The due date {request.due_date.isoformat()} is in the past. When should the task be due?", ("due_date",)
        )
    description = "\n\n".join(p for p in ((request.description or "").strip(), context.thread_quote) if p)
    try:
        return SalesforceCreateTask(
            subject=subject,
            owner=owner,
            what=_ref(what) if what else None,
            who=_ref(who) if who else None,
            due_date=request.due_date,
            description=description,
        )
    except ValidationError as exc:
        return invalid(exc)


def _log_call(request: SalesforceLogCallRequest, *, sf: SalesforceCatalog, context: GroundingContext) -> Outcome:
    if not request.contact and not request.account and not request.opportunity:
        return NeedsInfo(
            "Who was the call with? Name the contact and the account, like 'Ana at Initech'.", ("contact",)
        )
    what = _related(request.account, request.opportunity, sf=sf)
    if isinstance(what, NeedsInfo):
        return what
    who = None
    if request.contact:
        account_name = what.fields.get("account") if what is not None and what.object == "Opportunity" else None
        who = resolve_contact(
            request.contact, account_name or (what.name if what is not None else request.account), sf=sf
        )
        if isinstance(who, NeedsInfo):
            return who
    call_date = request.call_date or context.today
    if call_date > context.today:
        return NeedsInfo(
            f"{call_date.isoformat()} is in the future; a call is logged once it happened. When was the call?",
            ("call_date",),
        )
    subject = " ".join((request.subject or "").split()) or (
        f"Call with {who.name}" if who is not None else f"Call about {what.name}" if what is not None else "Call"
    )
    description = "\n\n".join(p for p in ((request.description or "").strip(), context.thread_quote) if p)
    try:
        return SalesforceLogCall(
            subject=subject,
            who=_ref(who) if who else None,
            what=_ref(what) if what else None,
            call_date=call_date,
            description=description,
        )
    except ValidationError as exc:
        return invalid(exc)


def _create_contact(request: SalesforceCreateContactRequest, *, sf: SalesforceCatalog) -> Outcome:
    last_name = " ".join((request.last_name or "").split())
    if not last_name:
        return NeedsInfo("What is the new contact's name?", ("last_name",))
    account = None
    if request.account:
        account = resolve_account(request.account, sf=sf)
        if isinstance(account, NeedsInfo):
            return account
    first_name = " ".join((request.first_name or "").split()) or None
    full_name = " ".join(filter(None, [first_name, last_name]))
    same = [
        c for c in sf.find_contacts(name=full_name, account=account.name if account else None) if c.name == full_name
    ]
    if same:
        at = f" at {account.name}" if account else ""
        return Unworkable(f"{full_name} is already a contact{at} in Salesforce ({record_facts(same[0])}).")
    try:
        return SalesforceCreateContact(
            first_name=first_name,
            last_name=last_name,
            email=(request.email or "").strip() or None,
            phone=(request.phone or "").strip() or None,
            title=(request.title or "").strip() or None,
            account=_ref(account) if account else None,
        )
    except ValidationError as exc:
        return invalid(exc)


__all__ = ["ground_salesforce", "money", "record_facts", "resolve_account", "resolve_contact", "resolve_opportunity"]
