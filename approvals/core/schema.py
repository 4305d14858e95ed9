"""Stored records across releases: a record one release writes, the release before and the release after it read.

During a rolling deploy two releases run side by side on the same Redis. The rules that make that safe:

- Every stored record (a proposal, a commitment) carries ``schema_version``. Version 1 is the format of the releases
  before versions existed, so a version-1 record is written without the field (absent means 1) and stays readable
  by them; a release that changes the format bumps ``SCHEMA_VERSION``.
- A reader ignores fields it does not know (``read_stored``; ``StoredModel``, the base of every record model, does
  so only for stored data: everything else, a policy file or a model's answer, still refuses unknown fields). A field
  a release adds must have a default, and that release must accept records without it.
- An action's fingerprint leaves out fields at their default (approvals.core.actions.fingerprint), so adding a
  field does not change the fingerprint of actions that do not use it. An action that does use a field an older
  reader does not know no longer matches its fingerprint there, and the older reader refuses it: it fails closed
  rather than run something it cannot read whole.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, model_validator

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
"""The format this release writes."""

STORED: dict[str, Any] = {"stored": True}
"""The validation context of data read back from storage."""

Model = TypeVar("Model", bound=BaseModel)


def drop_unknown(model: type[BaseModel], data: Any, info: ValidationInfo) -> Any:
    """For a model's ``mode="before"`` validator: in stored data, the fields this release does not know are left out
    (a newer release wrote them); anywhere else the data is returned as it is, for the model to judge."""
    if not (info.context or {}).get("stored") or not isinstance(data, dict):
        return data
    known = set(model.model_fields) | {f.alias for f in model.model_fields.values() if f.alias}
    unknown = [name for name in data if name not in known]
    if not unknown:
        return data
    logger.debug("a stored %s has fields this release does not know (%s): ignored", model.__name__, unknown)
    return {name: value for name, value in data.items() if name in known}


class StoredModel(BaseModel):
    """The base of every model a stored record is made of (proposals, actions, requests, commitments): frozen, and
    refusing unknown fields except in stored data (``drop_unknown``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _drop_unknown_when_stored(cls, data: Any, info: ValidationInfo) -> Any:
        return drop_unknown(cls, data, info)


def read_stored(model: type[Model], raw: str | bytes) -> Model:
    """A record as stored, by this release or the one before or after it."""
    record = model.model_validate_json(raw, context=STORED)
    version = getattr(record, "schema_version", SCHEMA_VERSION)
    if version > SCHEMA_VERSION + 1:
        logger.warning(
            "a stored %s has schema version %d, more than one ahead of this release's %d: upgrade this process",
            model.__name__,
            version,
            SCHEMA_VERSION,
        )
    return record


def stored_json(record: BaseModel) -> str:
    """The record as it is stored: version 1 without its version field, so releases before versions read it."""
    exclude = {"schema_version"} if getattr(record, "schema_version", None) == 1 else None
    return record.model_dump_json(exclude=exclude)
