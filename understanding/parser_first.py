"""Parser first, model second: the offline parser's reading when it is complete, the language model's otherwise.

Invariant: the model is skipped only when the parser read the request *completely* (``understanding.parser.Reading``:
every word a request or filler, nothing asked, nothing set aside, every request with the fields its kind needs), so
there is nothing a model could add. Everything else (a question, a part left over, a statement, nothing understood)
goes to the model, whose answer is returned as it is, ``ExtractionUnavailable`` included. The ``extractor`` of the
returned ``Understanding`` says which of the two read it, so the audit line and the token count tell them apart.
"""

from __future__ import annotations

import logging

from approvals.core.intents import Understanding
from approvals.core.ports import ExtractionInput, Extractor
from understanding.parser import OfflineParser

logger = logging.getLogger(__name__)


class ParserFirstExtractor:
    """Implements ``approvals.core.ports.Extractor``: ``parser`` reads first; ``model`` reads what the parser could not
    read completely."""

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
        return self.model.extract(request)
