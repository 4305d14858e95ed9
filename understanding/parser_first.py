"""Parser first, model second: the offline parser's reading when it is complete; otherwise the model is asked, and its
answer is taken only where it can add to what the parser read, never where it would overrule it.

Invariant: the model is skipped only when the parser read the request *completely* (``understanding.parser.Reading``:
every word a request or filler, nothing asked, nothing set aside, every request with the fields its kind needs), so
there is nothing a model could add. Everything else goes to the model, and ``combine`` decides which answer stands:

- every sentence was talk, not an ask (small talk, a remark about what someone did or will do, a question to someone
  else): the parser's "nothing to do", without a model call (measured: the small model made requests of them);
- the parser read no request and did not say why (nothing it knew, or words it quoted back as unread): the model's
  answer, when the model read a request and every request that changes a record names it; otherwise the parser's
  (its question names the part it could not read);
- the parser refused or asked something specific with no request ("What should change on PAY-12?", "I change one
  record at a time"): the parser's; a model's guess at what should change is exactly what "ask, don't guess" rules
  out;
- the parser read requests but not completely (a field missing, a part left over): the parser's requests, with the
  fields their kind needs that the parser left empty taken from the model's, when the model read the same kinds of
  request with every value the parser read (it may say who to assign, never turn a comment into a new issue, move a
  different ticket, change an amount, add a field nobody needed or ask what the parser did not); otherwise the
  parser's reading as it is.

Measured on the eval sets with a small local model (README, *Using an LLM*): sending the model everything the parser
did not read completely and returning its answer was worse than the parser alone, because on the hard requests the
parser's own answer (mostly a question) was more often right. When the model cannot answer
(``ExtractionUnavailable``), the parser's requests stand if it read any (grounding asks for what they lack); if it read
none, the failure reaches the caller as it is and the thread hears honestly that the request could not be read. The
``extractor`` of the returned ``Understanding`` says which of the two read it (the audit line and the token count
tell them apart); the model's token usage is kept even when the parser's answer stands.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from approvals.core.intents import ActionRequest, Understanding
from approvals.core.ports import ExtractionInput, ExtractionUnavailable, Extractor
from understanding.parser import EXAMPLES, OfflineParser, needed_fields

logger = logging.getLogger(__name__)

TARGETS = ("issue", "other", "project", "account", "opportunity", "contact")
"""The fields that name which record a request is about (the others say what to do to it)."""


class ParserFirstExtractor:
    """Implements ``approvals.core.ports.Extractor``: ``parser`` reads first; ``model`` reads what the parser could not
    read completely, and ``combine`` keeps what each read best."""

    def __init__(self, model: Extractor, *, parser: OfflineParser | None = None) -> None:
        self.model = model
        self.parser = parser or OfflineParser()
        self.name = f"{self.parser.name}+{model.name}"

    def extract(self, request: ExtractionInput) -> Understanding:
        try:
            reading = self.parser.read(request)
        except Exception:
            # The parser only saves a model call here: a bug in it must cost tokens, not the request.
            logger.exception("the offline parser failed on a request; asking %s instead", self.model.name)
            return self.model.extract(request)
        if reading.complete:
            logger.info("request read completely by %s; %s not asked", self.parser.name, self.model.name)
            return reading.understanding
        if _asks_something_specific(reading.understanding):
            logger.info("%s asked about a part of the request; %s not asked", self.parser.name, self.model.name)
            return reading.understanding
        if reading.chatter:
            # Small talk, a remark, a question to someone else: measured with a real model, its answer to such a
            # message was a request nobody made ("👀 looking into it" became a follow-up on Acme)
            logger.info("%s found only talk, nothing asked; %s not asked", self.parser.name, self.model.name)
            return reading.understanding
        try:
            modelled = self.model.extract(request)
        except ExtractionUnavailable as exc:
            if not reading.understanding.requests:
                raise  # nothing read that could stand instead: the thread hears the model could not read it
            logger.warning("%s could not read it (%s); the offline parser's requests stand", self.model.name, exc)
            return reading.understanding.model_copy(update={"usage": exc.usage or {}})
        return combine(reading.understanding, modelled, text=request.request_text)


def combine(parsed: Understanding, modelled: Understanding, *, text: str | None = None) -> Understanding:
    """The answer that stands when the parser read ``parsed`` (not completely) and the model ``modelled``; ``text``:
    what the person wrote, when known (a model's request of a kind the words give no sign of does not stand)."""
    if not parsed.requests:
        if (
            modelled.requests
            and all(_names_its_record(r) for r in modelled.requests)
            and (text is None or all(_kind_said(r, text) for r in modelled.requests))
        ):
            return modelled
        return _parsers(parsed, modelled)
    filled = _fill_gaps(parsed.requests, modelled.requests)
    if filled is None:
        return _parsers(parsed, modelled)
    return parsed.model_copy(update={"requests": filled, "extractor": modelled.extractor, "usage": modelled.usage})


def _parsers(parsed: Understanding, modelled: Understanding) -> Understanding:
    logger.info("the offline parser's reading stands over the model's (%s)", _kinds(modelled.requests) or "none")
    return parsed.model_copy(update={"usage": modelled.usage})


def _fill_gaps(parsed: Sequence[ActionRequest], modelled: Sequence[ActionRequest]) -> tuple[ActionRequest, ...] | None:
    """The parser's requests with the fields their kind needs and the parser left empty taken from the model's, when
    the model read the same requests (same kinds, every value the parser read the same); None when it did not, or
    when it filled no such gap. Nothing else of the model's answer is taken: not a value the parser read otherwise,
    not an extra field, not a question the parser did not ask."""
    if _kinds(parsed) != _kinds(modelled):
        return None
    result: list[ActionRequest] = []
    gained = False
    for ours, theirs in zip(_in_order(parsed), _in_order(modelled), strict=True):
        mine, other = ours.model_dump(), theirs.model_dump()
        if any(_said(value) and not _same(value, other.get(name)) for name, value in mine.items()):
            return None
        update = {
            name: other[name]
            for group in needed_fields(ours.kind)
            if not any(_said(mine.get(n)) for n in group)
            for name in group
            if _said(other.get(name))
        }
        gained = gained or bool(update)
        result.append(ours.model_copy(update=update))
    return tuple(result) if gained else None


_CHANGES_A_RECORD = {
    "jira.comment": ("issue",),
    "jira.transition": ("issue",),
    "jira.assign": ("issue",),
    "jira.update_fields": ("issue",),
    "jira.link_issues": ("issue",),
    "salesforce.update_opportunity": ("account", "opportunity"),
    "salesforce.update_contact": ("contact",),
}
"""The kinds that change a record that exists, and the fields that name it."""


def _names_its_record(request: ActionRequest) -> bool:
    """Whether a request of the model's names the record it would change (a new record needs none). Measured: where
    the parser read nothing, the small model answered "rename the PAY project to ..." with a change to no issue."""
    names = _CHANGES_A_RECORD.get(request.kind)
    return names is None or any(_said(getattr(request, name, None)) for name in names)


_KIND_SIGNS = {
    "jira.create_issue": r"bug|ticket|issue|story|epic|defect|task|item|jira|file|open|raise|create|new",
    "jira.comment": r"comment|note|reply|post|add\s+to|write",
    "jira.transition": r"move|status|done|close[sd]?|resolved?|reopen|progress|review|start(?:ed|ing)?|finish(?:ed)?"
    r"|to\s+do|backlog|column|->|\u2192|shipped|merged",
    "jira.assign": r"assign(?:ed)?|owner|owns?|take|took|give|hand|grab|mine|put\s+\S+\s+on|pick(?:ing)?\s+up"
    r"|reassign|unassign",
    "jira.update_fields": r"priority|prio|p[0-5]|urgent|critical|blocker|highest|high|low|lowest|due|deadline|date"
    r"|labels?|tags?|title|summary|rename|retitle|bump|raise|lower|push|slide",
    "jira.link_issues": r"link(?:ed)?|blocks?|blocked|blocking|duplicates?|dupe|relates?|related|depends?|behind"
    r"|waiting",
    "salesforce.update_opportunity": r"stage|amount|close|closing|won|lost|deal|opp|opportunity|renewal|expansion"
    r"|business|pipeline|next\s+step|\d+\s*k|\$|\d[\d,.]*\s*m",
    "salesforce.create_task": r"task|remind(?:er)?|to-?do|follow[\s-]?up",
    "salesforce.log_call": r"call(?:ed)?|phone|spoke|talked|chatted|rang|meeting",
    "salesforce.update_contact": r"title|phone|e-?mail|number|cell|mobile|role|promoted|position",
    "salesforce.create_contact": r"contact|add|new|met",
    "followthrough.follow_up": r"follow|remind(?:er)?|nudge|ping|chase|check|make\s+sure|keep\s+(?:an\s+eye|tabs)"
    r"|track|escalate|nag|poke|watch",
    "read.record": r"\?|what|where|who|whos|status|stand|how|tell\s+me|owe",
}
"""Per kind, the words (any one) a message asking for such a request shows. Measured with a real model: where the
parser read nothing, the small model's requests of kinds the words give no sign of ("undo whatever you changed on
PAY-7" as a change of its fields, "make her a taks for that" as a Jira task) were wrong."""


def _kind_said(request: ActionRequest, text: str) -> bool:
    """Whether the words show a sign of the request's kind; for a new issue, its project named is one ("could Alice
    own a PAY item")."""
    signs = _KIND_SIGNS.get(request.kind)
    project = getattr(request, "project", None) if request.kind == "jira.create_issue" else None
    if project and re.search(rf"\b{re.escape(project)}\b", text, re.I):
        return True
    return signs is None or re.search(rf"(?:^|\b|(?<=\W))(?:{signs})(?:\b|$)", text, re.I) is not None


def _said(value: object) -> bool:
    return value not in (None, "", (), [])


def _same(a: object, b: object) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().lower() == b.strip().lower()
    return a == b


def _asks_something_specific(understanding: Understanding) -> bool:
    """No request, and a question that is not "I could not read these words": a refusal or a question about one
    field ("What should change on PAY-12?"), which the parser asks because guessing would be wrong."""
    question = understanding.question
    if understanding.requests or question is None:
        return False
    return not question.endswith(EXAMPLES)


def _kinds(requests: Sequence[ActionRequest]) -> list[str]:
    return sorted(r.kind for r in requests)


def _in_order(requests: Sequence[ActionRequest]) -> list[ActionRequest]:
    return sorted(requests, key=lambda r: (r.kind, *(str(getattr(r, n, None) or "") for n in TARGETS)))
