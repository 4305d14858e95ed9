"""Parser first, model second: the offline parser's reading when it is complete; otherwise the model is asked, and its
answer is taken only where it can add to what the parser read, never where it would overrule it.

Invariant: the model is skipped only when the parser read the request *completely* (``understanding.parser.Reading``:
every word a request or filler, nothing asked, nothing set aside, every request with the fields its kind needs), so
there is nothing a model could add. Everything else goes to the model, and ``combine`` decides which answer stands:

- the parser read no request and did not say why (nothing it knew, or words it quoted back as unread): the model's
  answer, when the model read a request; otherwise the parser's (its question names the part it could not read);
- the parser refused or asked something specific with no request ("What should change on PAY-12?", "I change one
  record at a time"): the parser's; a model's guess at what should change is exactly what "ask, don't guess" rules
  out;
- the parser read requests but not completely (a field missing, a part left over): the model's answer only when it
  read the same kinds of request about the same records, so it can fill what the parser left empty but cannot turn
  a comment into a new issue or move a different ticket; otherwise the parser's.

Measured on the eval sets with a small local model (README, *Using an LLM*): sending the model everything the parser
did not read completely and returning its answer was worse than the parser alone, because on the hard requests the
parser's own answer (mostly a question) was more often right. When the model cannot answer, its
``ExtractionUnavailable`` reaches the caller as it is: the parser's reading was incomplete, so it is not offered
instead, and the thread hears honestly that the request could not be read. The ``extractor`` of the returned
``Understanding`` says which of the two read it (the audit line and the token count tell them apart); the model's
token usage is kept even when the parser's answer stands.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from approvals.core.intents import ActionRequest, Understanding
from approvals.core.ports import ExtractionInput, Extractor
from understanding.parser import EXAMPLES, OfflineParser

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
        return combine(reading.understanding, self.model.extract(request))


def combine(parsed: Understanding, modelled: Understanding) -> Understanding:
    """The answer that stands when the parser read ``parsed`` (not completely) and the model ``modelled``."""
    if not parsed.requests:
        chosen = modelled if modelled.requests else parsed
    else:
        chosen = modelled if _agrees(parsed.requests, modelled.requests) else parsed
    if chosen is parsed:
        logger.info("the offline parser's reading stands over the model's (%s)", _kinds(modelled.requests) or "none")
        return parsed.model_copy(update={"usage": modelled.usage})
    return modelled


def _asks_something_specific(understanding: Understanding) -> bool:
    """No request, and a question that is not "I could not read these words": a refusal or a question about one
    field ("What should change on PAY-12?"), which the parser asks because guessing would be wrong."""
    question = understanding.question
    if understanding.requests or question is None:
        return False
    return not question.endswith(EXAMPLES)


def _agrees(parsed: Sequence[ActionRequest], modelled: Sequence[ActionRequest]) -> bool:
    """The model read the same kinds of request as the parser, each about the same records wherever the parser
    named one (the model may name a record the parser left empty)."""
    if _kinds(parsed) != _kinds(modelled):
        return False
    for ours, theirs in zip(_by_kind(parsed), _by_kind(modelled), strict=True):
        for name in TARGETS:
            mine = getattr(ours, name, None)
            if mine and str(mine).strip().lower() != str(getattr(theirs, name, None) or "").strip().lower():
                return False
    return True


def _kinds(requests: Sequence[ActionRequest]) -> list[str]:
    return sorted(r.kind for r in requests)


def _by_kind(requests: Sequence[ActionRequest]) -> list[ActionRequest]:
    return sorted(requests, key=lambda r: (r.kind, *(str(getattr(r, n, None) or "") for n in TARGETS)))
