"""The strict JSON schema the language model answers in, generated from ``approvals.core.intents.REQUEST_TYPES``.

Invariant: the schema keeps to the portable subset of strict Structured Outputs, so OpenAI, Azure and local
servers (vLLM, Ollama, llama.cpp) all constrain the answer to it: an object root; on every object every property
``required`` and ``additionalProperties: false``; an optional value is ``anyOf`` with ``null``; everything inline
(no ``$ref`` / ``$defs``, which local servers mishandle); no validation keywords strict mode refuses (lengths,
patterns, ``oneOf``, ``allOf``, ``default``, ``title``). Bounds the schema cannot say are checked again by pydantic on
our side, whatever the backend claims.

A request kind added to ``REQUEST_TYPES`` appears here with no edit: one object per kind, ``kind`` a single-value enum,
``Decimal`` as number, tuples as arrays, and dates as strings *in the requester's words* ("Friday", "12/1"): the code
reads them against the request's today (``understanding.llm_evidence``), because weekday arithmetic is where models,
small ones above all, go wrong. A field type this module cannot express raises ``TypeError`` when the schema is built
(the tests build it), not at the first request.

Nothing in the schema names who asks, who approves or what policy applies: the code decides those.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import types
from decimal import Decimal
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from approvals.core.intents import REQUEST_TYPES

SCHEMA_NAME = "followthrough_understanding"

Decision = Literal["actions", "question", "none"]
DECISIONS: tuple[str, ...] = get_args(Decision)

DATE_AS_WRITTEN: dict[str, Any] = {
    "type": "string",
    "description": "The date as the requester wrote it (Friday, next Tuesday, 12/1, the 15th, end of month).",
}
"""A date field: the words, read by the application (an ISO date is read too)."""

ANSWER_ONLY_FIELDS = frozenset({"confirmed_duplicate"})
"""Fields only the requester's own answer may set (``JiraCreateIssueRequest.confirmed_duplicate`` skips the
duplicate question): a model that could set them could be talked into skipping that question by the thread."""


def json_schema_for(annotation: Any) -> dict[str, Any]:
    """The strict-mode schema of one field type."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = get_args(annotation)
        present = [m for m in members if m is not type(None)]
        if len(present) != 1:
            raise TypeError(f"no strict JSON schema for the union {annotation!r}: use one type or one type | None")
        inner = json_schema_for(present[0])
        return {"anyOf": [inner, {"type": "null"}]} if len(present) < len(members) else inner
    if origin is Literal:
        values = get_args(annotation)
        if not all(isinstance(v, str) for v in values):
            raise TypeError(f"only string literals can be expressed, not {annotation!r}")
        return {"type": "string", "enum": list(values)}
    if origin in (tuple, list):
        members = get_args(annotation)
        item = members[0] if origin is list or (len(members) == 2 and members[1] is Ellipsis) else None
        if item is None:
            raise TypeError(f"only homogeneous sequences (tuple[X, ...], list[X]) can be expressed, not {annotation!r}")
        return {"type": "array", "items": json_schema_for(item)}
    if annotation is bool:
        return {"type": "boolean"}
    if annotation is str:
        return {"type": "string"}
    if annotation is int:
        return {"type": "integer"}
    if annotation in (float, Decimal):
        return {"type": "number"}
    if annotation is dt.datetime:
        return {"type": "string", "format": "date-time"}
    if annotation is dt.date:
        return dict(DATE_AS_WRITTEN)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return object_schema(annotation)
    raise TypeError(
        f"no strict JSON schema for {annotation!r}: teach understanding/llm_schema.json_schema_for about it"
    )


def object_schema(model: type[BaseModel], *, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name in exclude:
            continue
        schema = json_schema_for(field.annotation)
        if field.description:
            schema = {**schema, "description": field.description}
        properties[name] = schema
    return _strict_object(properties, description=_docstring(model))


def request_schema(request_type: type[BaseModel]) -> dict[str, Any]:
    """One request kind: ``kind`` as a single-value enum first, then its fields (answer-only fields left out)."""
    kind = request_type.model_fields["kind"].default
    schema = object_schema(request_type, exclude=ANSWER_ONLY_FIELDS | {"kind"})
    schema["properties"] = {"kind": {"type": "string", "enum": [kind]}, **schema["properties"]}
    schema["required"] = list(schema["properties"])
    return schema


def request_field_names(request_types: tuple[type[BaseModel], ...] = REQUEST_TYPES) -> tuple[str, ...]:
    """Every field a request may leave missing (what ``missing`` may name), sorted."""
    names = {
        name for t in request_types for name in t.model_fields if name != "kind" and name not in ANSWER_ONLY_FIELDS
    }
    return tuple(sorted(names))


@functools.cache
def understanding_schema() -> dict[str, Any]:
    """The whole answer. Built once per process and never mutated, so every request sends the same bytes."""
    return _strict_object(
        {
            "understood": {
                "type": "string",
                "description": "One short sentence: what the requester asked for, in your words.",
            },
            "decision": {
                "type": "string",
                "enum": list(DECISIONS),
                "description": "actions: the request asks for changes you can describe; question: you need the "
                "requester to say more; none: it asks for nothing you can do.",
            },
            "requests": {
                "type": "array",
                "items": {"anyOf": [request_schema(t) for t in REQUEST_TYPES]},
                "description": "The changes asked for, in order. Empty when decision is none.",
            },
            "question": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "description": "When decision is question: one short question to the requester. Otherwise null.",
            },
            "missing": {
                "type": "array",
                "items": {"type": "string", "enum": list(request_field_names())},
                "description": "When decision is question: the request fields the answer would fill. Else empty.",
            },
        }
    )


def _strict_object(properties: dict[str, Any], *, description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"}
    if description:
        schema["description"] = description
    schema.update(properties=properties, required=list(properties), additionalProperties=False)
    return schema


def _docstring(model: type[BaseModel]) -> str | None:
    # Only the model's own docstring: an inherited one (pydantic's BaseModel's) would describe the wrong thing.
    own = model.__dict__.get("__doc__")
    if not own:
        return None
    return " ".join(inspect.cleandoc(own).split("\n\n")[0].replace("``", "").split())
