"""An OpenAI-compatible Chat Completions endpoint that answers from responses a test registered.

The real ``openai`` client talks to it over HTTP (``OPENAI_BASE_URL=<url>/v1``). It serves
``POST /v1/chat/completions``, ``GET /v1/models`` and ``GET /v1/models/{model}``; any other ``/v1`` path
is OpenAI's ``Invalid URL`` 404.

The invariant: **a request the real API would reject is rejected here with the real API's status and error
body, and an answer the real API could never produce is never sent.** Concretely:

- Requests are validated as the API validates them: the bearer key, unknown top-level arguments, ``model``
  (an unknown model is a 404 ``model_not_found``), ``messages`` (roles, content strings or parts), the type
  and range of sampling parameters, what reasoning models refuse (``temperature`` other than 1,
  ``max_tokens``), and ``response_format``. A ``json_schema`` with ``strict: true`` must keep to the
  Structured Outputs subset: an object root; on every object ``additionalProperties: false`` and every
  property ``required``; a ``type`` on every node that is not an ``anyOf`` or a ``$ref``; no unsupported
  keyword (``allOf``, ``oneOf``, ``minLength``, ``uniqueItems``, ...); only the documented string formats;
  ``$ref`` only into the schema; at most 10 levels of nesting, 5000 properties, 1000 enum values and
  120,000 characters of names and enum values. The error texts are the API's, e.g. ``Invalid schema for
  response_format 'X': In context=('properties', 'foo'), 'additionalProperties' is required to be supplied
  and to be false.``
- Answers come only from the registry (``respond()`` or ``POST /_sandbox/openai/responses``), matched on the
  text of the LAST user message (case-insensitive substring, a compiled regex, or a predicate over the whole
  body). The first live registration wins; ``times`` limits how many requests it answers.
- When the request carries a strict ``json_schema``, registered ``content`` is checked against the schema
  before it is sent (under ``json_object`` or a non-strict schema: that it is a JSON object). Content the
  schema forbids is a bug in the test, not a mistake strict mode lets a model make, so it is answered with a
  500 naming the registration. ``raw=True`` skips the check (for invalid JSON or truncated output on
  purpose); an answer whose ``finish_reason`` is not ``stop`` is never checked (the real API cuts those off
  mid-JSON).
- **No registration matches: 500** ``{"error": {"message": "sandbox: no response registered for the last
  user message: '<first 200 chars>'", "type": "server_error", "code": "sandbox_no_response_registered"}}``.
  Both test-authoring errors carry ``x-should-retry: false``, which the real client obeys before its status
  rules, so a test bug is reported at once instead of being retried.

Beyond the answer: ``usage`` is estimated at 4 characters per token over the message texts, tool definitions
and schema. Prefix caching is simulated: when the static prefix (leading system / developer messages, tools,
schema) is at least 1024 tokens and the same model saw the same prefix before,
``prompt_tokens_details.cached_tokens`` is that prefix rounded down to a multiple of 128. A ``max_tokens`` /
``max_completion_tokens`` below the answer's size cuts it off with ``finish_reason: "length"``.
``stream: true`` is answered with server-sent events (chunks, a usage chunk when
``stream_options.include_usage``, then ``data: [DONE]``); faults in ``after`` / ``drop`` mode do not apply to
streamed answers. Not emulated: tool-call answers, logprobs (always ``null``), audio and image output.

Faults come from ``Emulator.inject()`` with OpenAI's bodies (429 ``rate_limit_exceeded`` with ``Retry-After``
when the fault sets ``retry_after``, 500 / 503 ``server_error``, ...).
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import json
import logging
import math
import re
import secrets
import string
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as time_of_day
from typing import Any, ClassVar, Literal, get_args

from aiohttp import web

from sandbox.emulator import Emulator
from sandbox.faults import CONTROL_PREFIX, Fault, json_response
from sandbox.seed import Seed

logger = logging.getLogger(__name__)

API_KEY = "sk-sandbox-0001"
ORGANIZATION = "org-sandbox"
CONTROL = CONTROL_PREFIX + "openai/"
CONTROL_REGISTRATION_FIELDS = frozenset(
    {"match", "content", "refusal", "finish_reason", "raw", "latency", "status", "times", "usage"}
)

# Limits of strict Structured Outputs (developers.openai.com structured-outputs guide, "Supported schemas").
MAX_NESTING_DEPTH = 10
MAX_TOTAL_PROPERTIES = 5000
MAX_ENUM_VALUES = 1000
MAX_SCHEMA_STRING_LENGTH = 120_000
MAX_LARGE_ENUM_STRING_LENGTH = 15_000  # one string enum with more than 250 values
LARGE_ENUM_SIZE = 250
SCHEMA_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]+$")
MAX_SCHEMA_NAME_LENGTH = 64

# Prompt caching: prompts of at least 1024 tokens, hits in 128-token increments.
CACHE_MIN_TOKENS = 1024
CACHE_INCREMENT = 128
CHARS_PER_TOKEN = 4

# The tier-1-ish numbers the x-ratelimit-* headers report; nothing enforces them (inject a 429 for that).
RATE_LIMIT_REQUESTS = 10_000
RATE_LIMIT_TOKENS = 10_000_000
RATE_WINDOW_SECONDS = 60.0

_ID_ALPHABET = string.ascii_letters + string.digits

# Keeps a stream visibly chunked while staying cheap.
STREAM_PIECE_CHARS = 24

FinishReason = Literal["stop", "length", "content_filter"]
ResponseFormatType = Literal["text", "json_object", "json_schema"]
Matcher = str | re.Pattern[str] | Callable[[dict[str, Any]], bool]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_REQUEST_ID = web.RequestKey("openai_request_id", str)
_STARTED = web.RequestKey("openai_started", float)

MESSAGE_ROLES = ("system", "assistant", "user", "function", "tool", "developer")
# The API still lists the legacy 'function' role in its error text but this emulator, like current models, has
# no use for it; it is accepted and treated as a tool result.
MESSAGE_KEYS = frozenset({"role", "content", "name", "tool_calls", "tool_call_id", "refusal", "function_call", "audio"})
CONTENT_PART_TYPES: dict[str, tuple[str, ...]] = {
    "system": ("text",),
    "developer": ("text",),
    "user": ("text", "image_url", "input_audio", "file"),
    "assistant": ("text", "refusal"),
    "tool": ("text",),
    "function": ("text",),
}
ALL_PART_TYPES = ("text", "image_url", "input_audio", "refusal", "audio", "file")

# Keywords strict mode refuses ("'minLength' is not permitted."). A keyword in neither this set nor the
# supported ones (title, description, default, examples, $comment, ...) is an annotation the API ignores.
STRICT_UNSUPPORTED_KEYWORDS = frozenset(
    [
        "allOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "dependentRequired",
        "dependentSchemas",
        "patternProperties",
        "unevaluatedProperties",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "unevaluatedItems",
        "prefixItems",
        "additionalItems",
        "contains",
        "minContains",
        "maxContains",
        "uniqueItems",
        "minLength",
        "maxLength",
    ]
)
STRICT_FORMATS = frozenset(["date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"])
JSON_TYPES = ("string", "number", "integer", "boolean", "object", "array", "null")


# ------------------------------------------------------------------------------------- errors


class APIError(Exception):
    """An answer in OpenAI's error shape; handlers raise it and the route wrapper turns it into a response."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def _supported(values: Sequence[str]) -> str:
    quoted = [f"'{v}'" for v in values]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + ", and " + quoted[-1]


def _json_kind(value: Any) -> str:
    """The article-and-noun the API uses for a value's JSON type ("a string", "an object", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _invalid_type(param: str, expected: str, value: Any) -> APIError:
    return APIError(
        400,
        f"Invalid type for '{param}': expected {expected}, but got {_json_kind(value)} instead.",
        param=param,
        code="invalid_type",
    )


def _missing(param: str) -> APIError:
    return APIError(400, f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter")


def _invalid_value(param: str, value: Any, supported: Sequence[str]) -> APIError:
    return APIError(
        400,
        f"Invalid value: '{value}'. Supported values are: {_supported(supported)}.",
        param=param,
        code="invalid_value",
    )


def _unknown_parameter(param: str) -> APIError:
    return APIError(400, f"Unknown parameter: '{param}'.", param=param, code="unknown_parameter")


def _mask_key(key: str) -> str:
    if len(key) <= 8:
        return "*" * len(key)
    return f"{key[:3]}{'*' * (len(key) - 7)}{key[-4:]}"


def status_error(status: int, *, retry_after: int | None = None) -> APIError:
    """The error the real API sends for ``status`` when no more specific error applies."""
    if status == 401:
        return APIError(
            401,
            "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
            code="invalid_api_key",
        )
    if status == 403:
        return APIError(
            403,
            "Country, region, or territory not supported",
            type="request_forbidden",
            code="unsupported_country_region_territory",
        )
    if status == 429:
        wait = retry_after if retry_after is not None else 1
        return APIError(
            429,
            f"Rate limit reached in organization {ORGANIZATION} on requests per min (RPM): Limit "
            f"{RATE_LIMIT_REQUESTS}, Used {RATE_LIMIT_REQUESTS}, Requested 1. Please try again in {wait}s. "
            "Visit https://platform.openai.com/account/rate-limits to learn more.",
            type="requests",
            code="rate_limit_exceeded",
        )
    if status == 500:
        return APIError(
            500,
            "The server had an error while processing your request. Sorry about that!",
            type="server_error",
        )
    if status == 502:
        return APIError(502, "Bad gateway.", type="cf_bad_gateway", code="502")
    if status == 503:
        return APIError(503, "The engine is currently overloaded, please try again later.", type="server_error")
    if status == 504:
        return APIError(504, "Gateway timeout.", type="cf_gateway_timeout", code="504")
    if status >= 500:
        return APIError(status, f"The server returned status {status}.", type="server_error")
    return APIError(status, f"The request failed with status {status}.")


# For tests of the non-retryable 429 (pass as ``inject(..., status=429, body=INSUFFICIENT_QUOTA_BODY)``).
INSUFFICIENT_QUOTA_BODY: dict[str, Any] = {
    "error": {
        "message": "You exceeded your current quota, please check your plan and billing details. For more "
        "information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
        "type": "insufficient_quota",
        "param": None,
        "code": "insufficient_quota",
    }
}


# ------------------------------------------------------------------------------------- models


@dataclass(frozen=True)
class ModelInfo:
    """A model the emulator serves; an alias answers with its dated ``snapshot`` as ``model``."""

    id: str
    snapshot: str | None = None
    reasoning: bool = False
    created: int = 1_721_172_741
    owned_by: str = "system"

    @property
    def served_as(self) -> str:
        return self.snapshot or self.id

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "object": "model", "created": self.created, "owned_by": self.owned_by}


def _with_snapshots(*aliases: ModelInfo) -> dict[str, ModelInfo]:
    models: dict[str, ModelInfo] = {}
    for alias in aliases:
        models[alias.id] = alias
        if alias.snapshot:
            models[alias.snapshot] = ModelInfo(
                alias.snapshot, reasoning=alias.reasoning, created=alias.created, owned_by=alias.owned_by
            )
    return models


DEFAULT_MODELS: Mapping[str, ModelInfo] = _with_snapshots(
    ModelInfo("gpt-4o-mini", "gpt-4o-mini-2024-07-18", created=1_721_172_741),
    ModelInfo("gpt-4o", "gpt-4o-2024-08-06", created=1_722_814_719),
    ModelInfo("gpt-4.1-mini", "gpt-4.1-mini-2025-04-14", created=1_744_318_173),
    ModelInfo("gpt-4.1-nano", "gpt-4.1-nano-2025-04-14", created=1_744_321_707),
    ModelInfo("gpt-5-mini", "gpt-5-mini-2025-08-07", reasoning=True, created=1_754_425_928),
)


# ----------------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class ParamRule:
    """How one scalar top-level argument is checked: its JSON kind, and a range or a value set."""

    kind: Literal[
        "decimal",
        "integer",
        "boolean",
        "string",
        "object",
        "array",
        "string_or_array",
        "string_or_object",
        "enum",
    ]
    minimum: float | None = None
    maximum: float | None = None
    values: tuple[str, ...] = ()


PARAMETER_RULES: Mapping[str, ParamRule] = {
    "audio": ParamRule("object"),
    "frequency_penalty": ParamRule("decimal", -2, 2),
    "function_call": ParamRule("string_or_object"),
    "functions": ParamRule("array"),
    "logit_bias": ParamRule("object"),
    "logprobs": ParamRule("boolean"),
    "max_completion_tokens": ParamRule("integer", 1),
    "max_tokens": ParamRule("integer", 1),
    "metadata": ParamRule("object"),
    "modalities": ParamRule("array"),
    "moderation": ParamRule("object"),
    "n": ParamRule("integer", 1, 128),
    "parallel_tool_calls": ParamRule("boolean"),
    "prediction": ParamRule("object"),
    "presence_penalty": ParamRule("decimal", -2, 2),
    "prompt_cache_key": ParamRule("string"),
    "prompt_cache_options": ParamRule("object"),
    "prompt_cache_retention": ParamRule("enum", values=("in_memory", "24h")),
    "reasoning_effort": ParamRule("enum", values=("none", "minimal", "low", "medium", "high", "xhigh")),
    "response_format": ParamRule("object"),
    "safety_identifier": ParamRule("string"),
    "seed": ParamRule("integer"),
    "service_tier": ParamRule("enum", values=("auto", "default", "flex", "scale", "priority", "fast")),
    "stop": ParamRule("string_or_array"),
    "store": ParamRule("boolean"),
    "stream": ParamRule("boolean"),
    "stream_options": ParamRule("object"),
    "temperature": ParamRule("decimal", 0, 2),
    "tool_choice": ParamRule("string_or_object"),
    "tools": ParamRule("array"),
    "top_logprobs": ParamRule("integer", 0, 20),
    "top_p": ParamRule("decimal", 0, 1),
    "user": ParamRule("string"),
    "verbosity": ParamRule("enum", values=("low", "medium", "high")),
    "web_search_options": ParamRule("object"),
}
KNOWN_PARAMETERS = frozenset(PARAMETER_RULES) | {"model", "messages"}
# Sampling knobs a reasoning model accepts only at their default.
REASONING_FIXED_DEFAULTS: Mapping[str, float] = {
    "temperature": 1,
    "top_p": 1,
    "presence_penalty": 0,
    "frequency_penalty": 0,
}


@dataclass(frozen=True)
class ResponseFormat:
    type: ResponseFormatType
    name: str | None = None
    schema: dict[str, Any] | None = None
    strict: bool = False


@dataclass(frozen=True)
class ChatRequest:
    """A validated chat completion request: what the rest of the emulator needs from the body."""

    body: dict[str, Any]
    model: ModelInfo
    messages: list[dict[str, Any]]
    response_format: ResponseFormat | None
    stream: bool
    include_usage: bool
    n: int
    max_output_tokens: int | None

    @property
    def last_user_text(self) -> str:
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return message_text(message)
        return ""

    @property
    def strict_schema(self) -> dict[str, Any] | None:
        rf = self.response_format
        if rf is not None and rf.type == "json_schema" and rf.strict:
            return rf.schema or {}
        return None


def message_text(message: Mapping[str, Any]) -> str:
    """The text a message carries: its string content or its text / refusal parts, joined by newlines."""
    content = message.get("content")
    parts: list[str] = []
    if isinstance(content, str):
        parts.append(content)
    elif isinstance(content, list):
        for part in content:
            if isinstance(part, dict):
                text = part.get("text", part.get("refusal"))
                if isinstance(text, str):
                    parts.append(text)
    refusal = message.get("refusal")
    if isinstance(refusal, str):
        parts.append(refusal)
    if message.get("tool_calls"):
        parts.append(json.dumps(message["tool_calls"]))
    return "\n".join(parts)


def _check_number(name: str, rule: ParamRule, value: Any) -> None:
    integer = rule.kind == "integer"
    if isinstance(value, bool) or not isinstance(value, int | float) or (integer and isinstance(value, float)):
        raise _invalid_type(name, "an integer" if integer else "a decimal", value)
    noun = "integer" if integer else "decimal"
    if rule.maximum is not None and value > rule.maximum:
        raise APIError(
            400,
            f"Invalid '{name}': {noun} above maximum value. Expected a value <= {rule.maximum:g}, "
            f"but got {value} instead.",
            param=name,
            code=f"{noun}_above_max_value",
        )
    if rule.minimum is not None and value < rule.minimum:
        raise APIError(
            400,
            f"Invalid '{name}': {noun} below minimum value. Expected a value >= {rule.minimum:g}, "
            f"but got {value} instead.",
            param=name,
            code=f"{noun}_below_min_value",
        )


def _check_parameter(name: str, rule: ParamRule, value: Any) -> None:
    if value is None:
        return  # every optional argument of the API is nullable
    if rule.kind in ("decimal", "integer"):
        _check_number(name, rule, value)
    elif rule.kind == "boolean" and not isinstance(value, bool):
        raise _invalid_type(name, "a boolean", value)
    elif rule.kind == "string" and not isinstance(value, str):
        raise _invalid_type(name, "a string", value)
    elif rule.kind == "object" and not isinstance(value, dict):
        raise _invalid_type(name, "an object", value)
    elif rule.kind == "array" and not isinstance(value, list):
        raise _invalid_type(name, "an array", value)
    elif rule.kind == "string_or_array" and not isinstance(value, str | list):
        raise _invalid_type(name, "one of a string or array of strings", value)
    elif rule.kind == "string_or_object" and not isinstance(value, str | dict):
        raise _invalid_type(name, "one of a string or object", value)
    elif rule.kind == "enum":
        if not isinstance(value, str):
            raise _invalid_type(name, "a string", value)
        if value not in rule.values:
            raise _invalid_value(name, value, rule.values)


def _check_messages(messages: Any) -> list[dict[str, Any]]:
    if messages is None:
        raise _missing("messages")
    if not isinstance(messages, list):
        raise _invalid_type("messages", "an array of objects", messages)
    if not messages:
        raise APIError(
            400,
            "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            param="messages",
            code="empty_array",
        )
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict):
            raise _invalid_type(where, "an object", message)
        role = message.get("role")
        if role is None:
            raise _missing(f"{where}.role")
        if role not in MESSAGE_ROLES:
            raise _invalid_value(f"{where}.role", role, MESSAGE_ROLES)
        for key in message:
            if key not in MESSAGE_KEYS:
                raise _unknown_parameter(f"{where}.{key}")
        content = message.get("content")
        if content is None:
            if role == "assistant" and (message.get("tool_calls") or message.get("refusal")):
                continue
            if role == "assistant" and "content" in message:
                continue  # an explicit null content is allowed for assistant turns
            raise _missing(f"{where}.content")
        _check_content(where, role, content)
        if role == "tool" and not isinstance(message.get("tool_call_id"), str):
            raise _missing(f"{where}.tool_call_id")
    return messages


def _check_content(where: str, role: str, content: Any) -> None:
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise _invalid_type(f"{where}.content", "one of a string or array of objects", content)
    for j, part in enumerate(content):
        at = f"{where}.content[{j}]"
        if not isinstance(part, dict):
            raise _invalid_type(at, "an object", part)
        kind = part.get("type")
        if kind is None:
            raise _missing(f"{at}.type")
        if kind not in ALL_PART_TYPES:
            raise _invalid_value(f"{at}.type", kind, ALL_PART_TYPES)
        if kind not in CONTENT_PART_TYPES[role]:
            raise APIError(
                400,
                f"Invalid value: '{kind}'. Supported values are: {_supported(CONTENT_PART_TYPES[role])}.",
                param=f"{at}.type",
                code="invalid_value",
            )
        if kind in ("text", "refusal"):
            text = part.get(kind)
            if text is None:
                raise _missing(f"{at}.{kind}")
            if not isinstance(text, str):
                raise _invalid_type(f"{at}.{kind}", "a string", text)


def _parse_response_format(value: Any) -> ResponseFormat | None:
    if value is None:
        return None
    kind = value.get("type")
    if kind is None:
        raise _missing("response_format.type")
    formats = get_args(ResponseFormatType)
    if kind not in formats:
        raise _invalid_value("response_format.type", kind, formats)
    allowed = {"type", "json_schema"} if kind == "json_schema" else {"type"}
    for key in value:
        if key not in allowed:
            raise _unknown_parameter(f"response_format.{key}")
    if kind != "json_schema":
        return ResponseFormat(type=kind)
    spec = value.get("json_schema")
    if spec is None:
        raise _missing("response_format.json_schema")
    if not isinstance(spec, dict):
        raise _invalid_type("response_format.json_schema", "an object", spec)
    for key in spec:
        if key not in ("name", "description", "schema", "strict"):
            raise _unknown_parameter(f"response_format.json_schema.{key}")
    name = spec.get("name")
    param = "response_format.json_schema.name"
    if name is None:
        raise _missing(param)
    if not isinstance(name, str):
        raise _invalid_type(param, "a string", name)
    if len(name) > MAX_SCHEMA_NAME_LENGTH:
        raise APIError(
            400,
            f"Invalid '{param}': string too long. Expected a string with maximum length "
            f"{MAX_SCHEMA_NAME_LENGTH}, but got a string with length {len(name)} instead.",
            param=param,
            code="string_above_max_length",
        )
    if not SCHEMA_NAME_PATTERN.match(name):
        raise APIError(
            400,
            f"Invalid '{param}': string does not match pattern. Expected a string that matches the pattern "
            f"'{SCHEMA_NAME_PATTERN.pattern}'.",
            param=param,
            code="invalid_value",
        )
    description = spec.get("description")
    if description is not None and not isinstance(description, str):
        raise _invalid_type("response_format.json_schema.description", "a string", description)
    schema = spec.get("schema")
    if schema is not None and not isinstance(schema, dict):
        raise _invalid_type("response_format.json_schema.schema", "an object", schema)
    strict = spec.get("strict")
    if strict is not None and not isinstance(strict, bool):
        raise _invalid_type("response_format.json_schema.strict", "a boolean", strict)
    if strict:
        check_strict_schema(name, schema if schema is not None else {})
    return ResponseFormat(type="json_schema", name=name, schema=schema, strict=bool(strict))


def parse_chat_request(body: Any, models: Mapping[str, ModelInfo]) -> ChatRequest:
    """Validate a ``POST /v1/chat/completions`` body as the API does; raise ``APIError`` at the first fault.

    Checks run in a fixed order (arguments, model, messages, parameters, response_format); the API does
    not document its own order, so a request with two faults may name a different one than the API would.
    """
    if not isinstance(body, dict):
        raise APIError(
            400,
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
            "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not "
            "valid JSON.)",
        )
    for key in body:
        if key not in KNOWN_PARAMETERS:
            raise APIError(400, f"Unrecognized request argument supplied: {key}")
    model_id = body.get("model")
    if model_id is None or model_id == "":
        raise APIError(400, "you must provide a model parameter")
    if not isinstance(model_id, str):
        raise _invalid_type("model", "a string", model_id)
    model = models.get(model_id)
    if model is None:
        raise APIError(
            404,
            f"The model `{model_id}` does not exist or you do not have access to it.",
            code="model_not_found",
        )
    messages = _check_messages(body.get("messages"))
    for name, rule in PARAMETER_RULES.items():
        if name in body:
            _check_parameter(name, rule, body[name])
    if model.reasoning:
        _check_reasoning_parameters(body)
    elif body.get("reasoning_effort") is not None:
        raise APIError(
            400,
            "Unsupported parameter: 'reasoning_effort' is not supported with this model.",
            param="reasoning_effort",
            code="unsupported_parameter",
        )
    response_format = _parse_response_format(body.get("response_format"))
    wants_json = response_format is not None and response_format.type == "json_object"
    if wants_json and not any("json" in message_text(m).lower() for m in messages):
        raise APIError(
            400,
            "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
            param="messages",
        )
    stream = bool(body.get("stream"))
    stream_options = body.get("stream_options")
    if stream_options is not None and not stream:
        raise APIError(
            400,
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            param="stream_options",
        )
    max_output = body.get("max_completion_tokens")
    if max_output is None:
        max_output = body.get("max_tokens")
    return ChatRequest(
        body=body,
        model=model,
        messages=messages,
        response_format=response_format,
        stream=stream,
        include_usage=bool(stream_options and stream_options.get("include_usage")),
        n=body.get("n") or 1,
        max_output_tokens=max_output,
    )


def _check_reasoning_parameters(body: Mapping[str, Any]) -> None:
    if body.get("max_tokens") is not None:
        raise APIError(
            400,
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
            "'max_completion_tokens' instead.",
            param="max_tokens",
            code="unsupported_parameter",
        )
    for name, default in REASONING_FIXED_DEFAULTS.items():
        value = body.get(name)
        if value is not None and value != default:
            raise APIError(
                400,
                f"Unsupported value: '{name}' does not support {value} with this model. Only the default "
                f"({default}) value is supported.",
                param=name,
                code="unsupported_value",
            )


# ------------------------------------------------------------------------------ strict schema


class _StrictSchemaChecker:
    """Walks a ``strict: true`` schema and raises the API's 400 at the first rule it breaks."""

    def __init__(self, name: str, root: dict[str, Any]) -> None:
        self.name = name
        self.root = root
        self.properties = 0
        self.enum_values = 0
        self.string_length = 0

    def fail(self, detail: str) -> APIError:
        return APIError(
            400,
            f"Invalid schema for response_format '{self.name}': {detail}",
            param="response_format",
            code="invalid_json_schema",
        )

    def fail_at(self, context: tuple[str, ...], detail: str) -> APIError:
        return self.fail(f"In context={context!r}, {detail}")

    def check(self) -> None:
        root_type = self.root.get("type")
        if root_type != "object":
            shown = json.dumps(root_type) if root_type is not None else '"None"'
            raise self.fail(f"schema must be a JSON Schema of 'type: \"object\"', got 'type: {shown}'.")
        if "anyOf" in self.root:
            raise self.fail_at((), "'anyOf' is not permitted.")
        for defs_key in ("$defs", "definitions"):
            defs = self.root.get(defs_key)
            if defs is None:
                continue
            if not isinstance(defs, dict):
                raise self.fail_at((defs_key,), "definitions must be an object.")
            for def_name, definition in defs.items():
                self.string_length += len(def_name)
                self.walk(definition, (defs_key, def_name))
        self.walk(self.root, ())
        depth = self.depth(self.root, frozenset())
        if depth > MAX_NESTING_DEPTH:
            raise self.fail(f"{depth} levels of nesting exceeds limit of {MAX_NESTING_DEPTH}.")
        if self.properties > MAX_TOTAL_PROPERTIES:
            raise self.fail(f"{self.properties} parameters exceeds limit of {MAX_TOTAL_PROPERTIES}.")
        if self.enum_values > MAX_ENUM_VALUES:
            raise self.fail(
                f"Expected at most {MAX_ENUM_VALUES} enum values in total within a single schema when "
                f"using structured outputs, but received {self.enum_values}. Consider reducing the number "
                "of enums, or use 'strict: false' to opt out of structured outputs."
            )
        if self.string_length > MAX_SCHEMA_STRING_LENGTH:
            raise self.fail(
                f"Expected at most {MAX_SCHEMA_STRING_LENGTH} characters in total across property names, "
                f"definition names, enum values and const values, but received {self.string_length}."
            )

    def walk(self, node: Any, context: tuple[str, ...]) -> None:
        if not isinstance(node, dict):
            raise self.fail_at(context, "schema must be a JSON object.")
        for keyword in node:
            if keyword in STRICT_UNSUPPORTED_KEYWORDS:
                raise self.fail_at(context, f"'{keyword}' is not permitted.")
        if "$ref" in node:
            self.check_ref(node, context)
            return
        types = self.types(node, context)
        if "object" in types:
            self.check_object(node, context)
        if "array" in types and "items" in node:
            self.walk(node["items"], (*context, "items"))
        if "anyOf" in node:
            variants = node["anyOf"]
            if not isinstance(variants, list) or not variants:
                raise self.fail_at(context, "'anyOf' must be a non-empty array.")
            for i, variant in enumerate(variants):
                self.walk(variant, (*context, "anyOf", str(i)))
        fmt = node.get("format")
        if fmt is not None and fmt not in STRICT_FORMATS:
            raise self.fail_at(context, f"'{fmt}' is not a valid format.")
        if "enum" in node:
            values = node["enum"]
            if not isinstance(values, list) or not values:
                raise self.fail_at(context, "'enum' must be a non-empty array.")
            self.enum_values += len(values)
            strings = [v for v in values if isinstance(v, str)]
            chars = sum(len(s) for s in strings)
            self.string_length += chars
            if len(strings) > LARGE_ENUM_SIZE and chars > MAX_LARGE_ENUM_STRING_LENGTH:
                raise self.fail_at(
                    context,
                    f"enum with {len(strings)} string values has a total length of {chars} characters, which "
                    f"exceeds the limit of {MAX_LARGE_ENUM_STRING_LENGTH} for enums of more than "
                    f"{LARGE_ENUM_SIZE} values.",
                )
        if isinstance(node.get("const"), str):
            self.string_length += len(node["const"])

    def types(self, node: dict[str, Any], context: tuple[str, ...]) -> tuple[str, ...]:
        declared = node.get("type")
        if declared is None:
            if "anyOf" in node:
                return ()
            raise self.fail_at(context, "schema must have a 'type' key.")
        listed = declared if isinstance(declared, list) else [declared]
        if not listed or any(t not in JSON_TYPES for t in listed):
            raise self.fail_at(context, f"'type' must be one of {_supported(JSON_TYPES)}, got {declared!r}.")
        return tuple(listed)

    def check_object(self, node: dict[str, Any], context: tuple[str, ...]) -> None:
        if node.get("additionalProperties", True) is not False:
            raise self.fail_at(context, "'additionalProperties' is required to be supplied and to be false.")
        properties = node.get("properties", {})
        if not isinstance(properties, dict):
            raise self.fail_at(context, "'properties' must be an object.")
        required = node.get("required")
        missing = [key for key in properties if not isinstance(required, list) or key not in required]
        if missing:
            raise self.fail_at(
                context,
                "'required' is required to be supplied and to be an array including every key in properties. "
                f"Missing '{missing[0]}'.",
            )
        for key in required or []:
            if key not in properties:
                raise self.fail_at(context, f"Extra required key '{key}' supplied.")
        self.properties += len(properties)
        for key, prop in properties.items():
            self.string_length += len(key)
            self.walk(prop, (*context, "properties", key))

    def check_ref(self, node: dict[str, Any], context: tuple[str, ...]) -> None:
        others = sorted(k for k in node if k != "$ref")
        if others:
            shown = "{" + ", ".join(repr(k) for k in others) + "}"
            raise self.fail(f"context={context!r}, $ref cannot have keywords {shown}.")
        ref = node["$ref"]
        if not isinstance(ref, str) or self.resolve(ref) is None:
            raise self.fail_at(context, f"reference {ref!r} does not point into this schema's '$defs'.")

    def resolve(self, ref: str) -> dict[str, Any] | None:
        return resolve_ref(self.root, ref)

    def depth(self, node: Any, expanding: frozenset[str]) -> int:
        """Levels of nesting below ``node``: one per ``properties`` / ``items`` step, refs followed once."""
        if not isinstance(node, dict):
            return 0
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = self.resolve(ref)
            if ref in expanding or target is None:
                return 0  # a recursive schema is as deep as its data, not as its definition
            return self.depth(target, expanding | {ref})
        deepest = 0
        properties = node.get("properties")
        if isinstance(properties, dict):
            for prop in properties.values():
                deepest = max(deepest, 1 + self.depth(prop, expanding))
        if "items" in node:
            deepest = max(deepest, 1 + self.depth(node["items"], expanding))
        for variant in node.get("anyOf") or []:
            deepest = max(deepest, self.depth(variant, expanding))
        return deepest


def resolve_ref(root: dict[str, Any], ref: str) -> dict[str, Any] | None:
    """The subschema a strict-mode ``$ref`` names: ``#`` or ``#/$defs/<name>`` (``#/definitions/`` too)."""
    if ref == "#":
        return root
    for prefix in ("#/$defs/", "#/definitions/"):
        if ref.startswith(prefix):
            defs = root.get(prefix[2:-1])
            target = defs.get(ref[len(prefix) :]) if isinstance(defs, dict) else None
            return target if isinstance(target, dict) else None
    return None


def check_strict_schema(name: str, schema: dict[str, Any]) -> None:
    """Raise the API's 400 if ``schema`` breaks a rule of strict Structured Outputs."""
    _StrictSchemaChecker(name, schema).check()


# ---------------------------------------------------------------------------------- instances


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9-]{1,63})*$")
_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")


def _parse_date_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if "t" not in value.lower() or parsed.tzinfo is None:
        raise ValueError("an RFC 3339 date-time has a 'T' and an offset")
    return parsed


_FORMAT_PATTERNS: Mapping[str, re.Pattern[str]] = {
    "email": _EMAIL,
    "hostname": _HOSTNAME,
    "duration": _DURATION,
}
_FORMAT_PARSERS: Mapping[str, Callable[[str], object]] = {
    "date-time": _parse_date_time,
    "date": date.fromisoformat,
    "time": time_of_day.fromisoformat,
    "uuid": uuid.UUID,
    "ipv4": ipaddress.IPv4Address,
    "ipv6": ipaddress.IPv6Address,
}


def _format_ok(fmt: str, value: str) -> bool:
    pattern = _FORMAT_PATTERNS.get(fmt)
    if pattern is not None:
        return pattern.match(value) is not None
    parser = _FORMAT_PARSERS.get(fmt)
    if parser is None:
        return True
    try:
        parser(value)
    except ValueError:
        return False
    return True


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _has_type(value: Any, json_type: str) -> bool:
    actual = _json_type(value)
    if json_type == "number":
        return actual in ("integer", "number")
    if json_type == "integer":
        return actual == "integer" or (actual == "number" and float(value).is_integer())
    return actual == json_type


def _same_json(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


class _InstanceValidator:
    """Checks a JSON value against the schema subset strict mode allows; collects readable violations."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def errors(self, value: Any, schema: Any, path: str) -> Iterator[str]:
        if not isinstance(schema, dict):
            return
        if "$ref" in schema:
            yield from self.errors(value, resolve_ref(self.root, schema["$ref"]) or {}, path)
            return
        if "anyOf" in schema:
            branches = [list(self.errors(value, variant, path)) for variant in schema["anyOf"]]
            if all(branches):
                firsts = "; ".join(b[0] for b in branches)
                yield f"{path}: matches no anyOf variant ({firsts})"
                return
        declared = schema.get("type")
        if declared is not None:
            types = declared if isinstance(declared, list) else [declared]
            if not any(_has_type(value, t) for t in types):
                shown = json.dumps(value)[:60]
                yield f"{path}: expected {' or '.join(types)}, got {_json_type(value)} {shown}"
                return
        if "enum" in schema and not any(_same_json(value, e) for e in schema["enum"]):
            yield f"{path}: {json.dumps(value)[:60]} is not one of {json.dumps(schema['enum'])[:120]}"
        if "const" in schema and not _same_json(value, schema["const"]):
            yield f"{path}: expected the constant {json.dumps(schema['const'])}"
        if isinstance(value, dict):
            yield from self.object_errors(value, schema, path)
        elif isinstance(value, list):
            yield from self.array_errors(value, schema, path)
        elif isinstance(value, str):
            yield from self.string_errors(value, schema, path)
        elif _json_type(value) in ("integer", "number"):
            yield from self.number_errors(value, schema, path)

    def object_errors(self, value: dict[str, Any], schema: dict[str, Any], path: str) -> Iterator[str]:
        properties = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                yield f"{path}: missing required property '{key}'"
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                yield from self.errors(item, properties[key], f"{path}.{key}")
            elif extra is False:
                yield f"{path}: unexpected property '{key}'"
            elif isinstance(extra, dict):
                yield from self.errors(item, extra, f"{path}.{key}")

    def array_errors(self, value: list[Any], schema: dict[str, Any], path: str) -> Iterator[str]:
        if "minItems" in schema and len(value) < schema["minItems"]:
            yield f"{path}: fewer than {schema['minItems']} items"
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            yield f"{path}: more than {schema['maxItems']} items"
        if "items" in schema:
            for i, item in enumerate(value):
                yield from self.errors(item, schema["items"], f"{path}[{i}]")

    def string_errors(self, value: str, schema: dict[str, Any], path: str) -> Iterator[str]:
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            try:
                if re.search(pattern, value) is None:
                    yield f"{path}: {value[:60]!r} does not match the pattern {pattern!r}"
            except re.error:
                pass  # an ECMA-only pattern Python cannot compile: the API would judge it, we cannot
        fmt = schema.get("format")
        if isinstance(fmt, str) and not _format_ok(fmt, value):
            yield f"{path}: {value[:60]!r} is not a valid {fmt}"

    def number_errors(self, value: float, schema: dict[str, Any], path: str) -> Iterator[str]:
        bounds: list[tuple[str, Callable[[float, float], bool], str]] = [
            ("minimum", lambda v, b: v >= b, ">="),
            ("maximum", lambda v, b: v <= b, "<="),
            ("exclusiveMinimum", lambda v, b: v > b, ">"),
            ("exclusiveMaximum", lambda v, b: v < b, "<"),
        ]
        for keyword, ok, sign in bounds:
            if keyword in schema and not ok(value, schema[keyword]):
                yield f"{path}: {value} is not {sign} {schema[keyword]}"
        step = schema.get("multipleOf")
        if step and not math.isclose(value / step, round(value / step)):
            yield f"{path}: {value} is not a multiple of {step}"


def schema_violations(value: Any, schema: dict[str, Any]) -> list[str]:
    """Why ``value`` does not satisfy ``schema`` (empty when it does), as ``$.path: reason`` lines."""
    return list(_InstanceValidator(schema).errors(value, schema, "$"))


# -------------------------------------------------------------------------------------- usage


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def _compact(value: Any) -> str:
    # The API's structured output is compact JSON with unescaped Unicode; counting it the same way keeps
    # completion_tokens close to what it would report.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def cacheable_prefix(chat: ChatRequest) -> str:
    """The static start of a prompt: its leading system / developer messages, tool definitions and schema."""
    parts: list[str] = []
    for message in chat.messages:
        if message.get("role") not in ("system", "developer"):
            break
        parts.append(message_text(message))
    if chat.body.get("tools"):
        parts.append(_compact(chat.body["tools"]))
    if chat.response_format is not None and chat.response_format.schema is not None:
        parts.append(_compact(chat.response_format.schema))
    return "\n".join(parts)


def prompt_character_count(chat: ChatRequest) -> int:
    chars = sum(len(message_text(m)) for m in chat.messages)
    if chat.body.get("tools"):
        chars += len(_compact(chat.body["tools"]))
    if chat.response_format is not None and chat.response_format.schema is not None:
        chars += len(_compact(chat.response_format.schema))
    return chars


def _merge_usage(computed: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(computed)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    if "total_tokens" not in override:
        merged["total_tokens"] = merged["prompt_tokens"] + merged["completion_tokens"]
    return merged


# ----------------------------------------------------------------------------------- registry


@dataclass
class Registration:
    """One registered answer. ``answered`` counts the requests it served (read it from tests)."""

    id: str
    match: Matcher
    content: Any = None
    refusal: str | None = None
    finish_reason: FinishReason = "stop"
    raw: bool = False
    latency: float = 0.0
    status: int | None = None
    times: int | None = None
    usage: dict[str, Any] | None = None
    answered: int = 0

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.answered >= self.times

    def describe(self) -> str:
        match = self.match
        if isinstance(match, re.Pattern):
            shown = f"re.compile({match.pattern!r})"
        elif callable(match):
            shown = getattr(match, "__qualname__", repr(match))
        else:
            shown = repr(match)
        return f"registration {self.id} (match {shown})"

    def matches(self, chat: ChatRequest) -> bool:
        if isinstance(self.match, str):
            return self.match.lower() in chat.last_user_text.lower()
        if isinstance(self.match, re.Pattern):
            return self.match.search(chat.last_user_text) is not None
        return bool(self.match(chat.body))

    def to_dict(self) -> dict[str, Any]:
        match = self.match if isinstance(self.match, str) else self.describe()
        return {
            "id": self.id,
            "match": match,
            "content": self.content,
            "refusal": self.refusal,
            "finish_reason": self.finish_reason,
            "raw": self.raw,
            "latency": self.latency,
            "status": self.status,
            "times": self.times,
            "usage": self.usage,
            "answered": self.answered,
        }


@dataclass(frozen=True)
class Answer:
    """What one request gets back: the message text or refusal and how it ended."""

    content: str | None
    refusal: str | None
    finish_reason: FinishReason


def _authoring_error(message: str, code: str) -> APIError:
    # x-should-retry: a test bug answered three times over only hides the first report.
    return APIError(500, message, type="server_error", code=code, headers={"x-should-retry": "false"})


def build_answer(chat: ChatRequest, registration: Registration) -> Answer:
    """Turn a registration into the answer for ``chat``, refusing content the real API could never produce."""
    if registration.refusal is not None:
        return Answer(None, registration.refusal, registration.finish_reason)
    content = registration.content
    text = content if isinstance(content, str) else _compact(content)
    rf = chat.response_format
    checked = not registration.raw and registration.finish_reason == "stop" and rf is not None
    if checked and rf is not None and rf.type in ("json_object", "json_schema"):
        problems = _content_problems(text, rf)
        if problems:
            raise _authoring_error(
                f"sandbox: {registration.describe()} answers content the real API could never return for "
                f"this request's response_format ({_format_label(rf)}): {'; '.join(problems[:5])}. Fix the "
                "registered content, or register it with raw=True to send it anyway.",
                "sandbox_invalid_registration",
            )
    finish = registration.finish_reason
    limit = chat.max_output_tokens
    if limit is not None and estimate_tokens(text) > limit:
        text, finish = text[: limit * CHARS_PER_TOKEN], "length"
    return Answer(text, None, finish)


def _format_label(rf: ResponseFormat) -> str:
    if rf.type == "json_schema":
        return f"{'strict ' if rf.strict else ''}json_schema {rf.name!r}"
    return rf.type


def _content_problems(text: str, rf: ResponseFormat) -> list[str]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        return [f"content is not valid JSON ({exc})"]
    if rf.type == "json_object" or not rf.strict:
        return [] if isinstance(value, dict) else ["content is not a JSON object"]
    return schema_violations(value, rf.schema or {})


# ----------------------------------------------------------------------------------- emulator


class OpenAIEmulator(Emulator):
    """Chat Completions and Models endpoints backed by a registry of answers; see the module docstring.

    State (registrations, known models, the prefix-cache memory, the rate window) is guarded by ``self.lock``:
    handlers run on the sandbox loop thread while tests register answers from theirs.
    """

    name: ClassVar[str] = "openai"

    def __init__(self, seed: Seed, *, api_key: str = API_KEY) -> None:
        super().__init__(seed)
        self.api_key = api_key
        # Added to every chat completion's latency (benchmarks); a float write is atomic, so no lock.
        self.default_latency = 0.0
        self._models: dict[str, ModelInfo] = dict(DEFAULT_MODELS)
        self._registrations: list[Registration] = []
        self._registration_seq = 0
        self._cached_prefixes: set[tuple[str, str]] = set()
        self._window: deque[tuple[float, int]] = deque()
        self._fingerprints: dict[str, str] = {}

    # ------------------------------------------------------------------ test-facing API

    def respond(
        self,
        match: Matcher,
        *,
        content: Any = None,
        refusal: str | None = None,
        finish_reason: FinishReason = "stop",
        raw: bool = False,
        latency: float = 0.0,
        status: int | None = None,
        times: int | None = None,
        usage: dict[str, Any] | None = None,
    ) -> Registration:
        """Register an answer for requests whose last user message matches ``match`` (first live one wins).

        ``content`` (a dict / list is JSON-encoded), ``refusal`` or ``status`` (answer that error instead)
        says what is sent; ``usage`` overrides parts of the computed usage; ``latency`` is slept before
        answering. Returns the registration, whose ``answered`` counts the requests it served.
        """
        if not isinstance(match, str | re.Pattern) and not callable(match):
            raise TypeError(f"respond(): match must be a str, a compiled re.Pattern or a callable, not {match!r}")
        if content is not None and refusal is not None:
            raise ValueError("respond(): give content or refusal, not both (a refusal has content null)")
        if content is None and refusal is None and status is None:
            raise ValueError("respond(): give content, refusal or status")
        if finish_reason not in get_args(FinishReason):
            raise ValueError(f"respond(): finish_reason {finish_reason!r} is not one of {get_args(FinishReason)}")
        if status is not None and not 400 <= status <= 599:
            raise ValueError(f"respond(): status {status} is not an HTTP error status (400-599)")
        if times is not None and times < 1:
            raise ValueError(f"respond(): times must be at least 1 or None, not {times}")
        if latency < 0:
            raise ValueError(f"respond(): latency must be >= 0, not {latency}")
        with self.lock:
            self._registration_seq += 1
            registration = Registration(
                id=f"resp-{self._registration_seq}",
                match=match,
                content=content,
                refusal=refusal,
                finish_reason=finish_reason,
                raw=raw,
                latency=latency,
                status=status,
                times=times,
                usage=dict(usage) if usage else None,
            )
            self._registrations.append(registration)
        return registration

    def clear_responses(self) -> None:
        with self.lock:
            self._registrations.clear()

    @property
    def registrations(self) -> list[Registration]:
        with self.lock:
            return list(self._registrations)

    def add_model(self, model_id: str, *, reasoning: bool = False, snapshot: str | None = None) -> ModelInfo:
        """Serve one more model (for example a fine-tune id); returns it."""
        info = ModelInfo(model_id, snapshot, reasoning=reasoning, created=int(time.time()))
        with self.lock:
            self._models.update(_with_snapshots(info))
        return info

    # ------------------------------------------------------------------ Emulator

    def add_routes(self, app: web.Application) -> None:
        # Adding an endpoint: one line here and one handler method below.
        api: list[tuple[str, str, Handler]] = [
            ("POST", "/v1/chat/completions", self._chat_completions),
            ("GET", "/v1/models", self._list_models),
            ("GET", "/v1/models/{model}", self._retrieve_model),
        ]
        control: list[tuple[str, str, Handler]] = [
            ("POST", CONTROL + "responses", self._control_register),
            ("GET", CONTROL + "responses", self._control_list),
            ("DELETE", CONTROL + "responses", self._control_clear),
            ("POST", CONTROL + "latency", self._control_latency),
        ]
        for method, path, handler in api:
            app.router.add_route(method, path, self._api(handler))
        app.router.add_route("*", "/v1/{tail:.*}", self._api(self._invalid_url))
        for method, path, handler in control:
            app.router.add_route(method, path, handler)

    def error_response(self, status: int, fault: Fault) -> web.Response:
        headers = {"x-request-id": self._request_id()}
        if fault.body is None:
            error = status_error(status, retry_after=fault.retry_after)
            return json_response(error.body(), status=status, headers=headers)
        if isinstance(fault.body, str):
            kind = "text/html" if fault.body.lstrip().startswith("<") else "text/plain"
            return web.Response(text=fault.body, status=status, content_type=kind, headers=headers)
        return json_response(fault.body, status=status, headers=headers)

    def reset(self) -> None:
        with self.lock:
            self._registrations.clear()
            self._registration_seq = 0
            self._models = dict(DEFAULT_MODELS)
            self._cached_prefixes.clear()
            self._window.clear()
            self.default_latency = 0.0

    def environment(self) -> dict[str, str]:
        return {"OPENAI_BASE_URL": self.base_url + "/v1", "OPENAI_API_KEY": self.api_key}

    # ------------------------------------------------------------------ plumbing

    @staticmethod
    def _request_id() -> str:
        return "req_" + secrets.token_hex(16)

    def _api(self, handler: Handler) -> Handler:
        """Wrap an API handler: authenticate, turn ``APIError`` into OpenAI's error body, add the headers."""

        async def wrapped(request: web.Request) -> web.StreamResponse:
            request[_REQUEST_ID] = self._request_id()
            request[_STARTED] = time.monotonic()
            try:
                self._authenticate(request)
                return await handler(request)
            except APIError as error:
                headers = {**self._common_headers(request), **error.headers}
                return json_response(error.body(), status=error.status, headers=headers)

        return wrapped

    def _common_headers(self, request: web.Request) -> dict[str, str]:
        elapsed_ms = int((time.monotonic() - request[_STARTED]) * 1000)
        return {
            "x-request-id": request[_REQUEST_ID],
            "openai-organization": ORGANIZATION,
            "openai-processing-ms": str(elapsed_ms),
            "openai-version": "2020-10-01",
        }

    def _authenticate(self, request: web.Request) -> None:
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise APIError(
                401,
                "You didn't provide an API key. You need to provide your API key in an Authorization header "
                "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from "
                "https://platform.openai.com/account/api-keys.",
            )
        if not secrets.compare_digest(key.encode(), self.api_key.encode()):
            raise APIError(
                401,
                f"Incorrect API key provided: {_mask_key(key)}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )

    def _rate_headers(self, tokens: int) -> dict[str, str]:
        now = time.monotonic()
        with self.lock:
            self._window.append((now, tokens))
            while self._window and now - self._window[0][0] > RATE_WINDOW_SECONDS:
                self._window.popleft()
            used_requests = len(self._window)
            used_tokens = sum(t for _, t in self._window)
        return {
            "x-ratelimit-limit-requests": str(RATE_LIMIT_REQUESTS),
            "x-ratelimit-limit-tokens": str(RATE_LIMIT_TOKENS),
            "x-ratelimit-remaining-requests": str(max(RATE_LIMIT_REQUESTS - used_requests, 0)),
            "x-ratelimit-remaining-tokens": str(max(RATE_LIMIT_TOKENS - used_tokens, 0)),
            "x-ratelimit-reset-requests": f"{math.ceil(RATE_WINDOW_SECONDS * 1000 / RATE_LIMIT_REQUESTS)}ms",
            "x-ratelimit-reset-tokens": "0s",
        }

    def _fingerprint(self, model: ModelInfo) -> str:
        with self.lock:
            return self._fingerprints.setdefault(
                model.served_as, "fp_" + hashlib.sha256(model.served_as.encode()).hexdigest()[:10]
            )

    def _take_registration(self, chat: ChatRequest) -> Registration:
        with self.lock:
            for registration in self._registrations:
                if registration.exhausted:
                    continue
                try:
                    hit = registration.matches(chat)
                except Exception as exc:
                    raise _authoring_error(
                        f"sandbox: the match predicate of {registration.describe()} raised {exc!r}",
                        "sandbox_invalid_registration",
                    ) from exc
                if hit:
                    registration.answered += 1
                    return registration
        text = chat.last_user_text
        logger.warning("sandbox openai: no response registered for %r", text[:200])
        raise _authoring_error(
            f"sandbox: no response registered for the last user message: {text[:200]!r}",
            "sandbox_no_response_registered",
        )

    def _cached_tokens(self, chat: ChatRequest) -> int:
        prefix = cacheable_prefix(chat)
        tokens = estimate_tokens(prefix)
        if tokens < CACHE_MIN_TOKENS:
            return 0
        key = (chat.model.served_as, hashlib.sha256(prefix.encode()).hexdigest())
        with self.lock:
            seen = key in self._cached_prefixes
            self._cached_prefixes.add(key)
        return tokens // CACHE_INCREMENT * CACHE_INCREMENT if seen else 0

    def _usage(self, chat: ChatRequest, answer: Answer, registration: Registration) -> dict[str, Any]:
        prompt = math.ceil(prompt_character_count(chat) / CHARS_PER_TOKEN)
        completion = estimate_tokens(answer.content or answer.refusal or "") * chat.n
        usage: dict[str, Any] = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": self._cached_tokens(chat), "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }
        return _merge_usage(usage, registration.usage) if registration.usage else usage

    def _completion(self, chat: ChatRequest, answer: Answer, usage: dict[str, Any]) -> dict[str, Any]:
        tier = chat.body.get("service_tier")
        message: dict[str, Any] = {
            "role": "assistant",
            "content": answer.content,
            "refusal": answer.refusal,
            "annotations": [],
        }
        return {
            "id": "chatcmpl-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(29)),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": chat.model.served_as,
            "choices": [
                {
                    "index": i,
                    "message": dict(message),
                    "logprobs": None,
                    "finish_reason": answer.finish_reason,
                }
                for i in range(chat.n)
            ],
            "usage": usage,
            "service_tier": tier if tier in ("flex", "priority", "scale") else "default",
            "system_fingerprint": self._fingerprint(chat.model),
        }

    # ------------------------------------------------------------------ API handlers

    async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self.lock:
            models = dict(self._models)
        chat = parse_chat_request(body, models)
        registration = self._take_registration(chat)
        # Built before sleeping, so a broken registration fails fast.
        answer = build_answer(chat, registration) if registration.status is None else None
        delay = registration.latency + self.default_latency
        if delay > 0:
            await asyncio.sleep(delay)
        if answer is None:
            raise status_error(registration.status or 500)
        usage = self._usage(chat, answer, registration)
        completion = self._completion(chat, answer, usage)
        headers = {**self._common_headers(request), **self._rate_headers(usage["total_tokens"])}
        if chat.stream:
            return await self._stream(request, completion, headers, include_usage=chat.include_usage)
        return json_response(completion, headers=headers)

    async def _stream(
        self,
        request: web.Request,
        completion: dict[str, Any],
        headers: dict[str, str],
        *,
        include_usage: bool,
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            status=200, headers={**headers, "Content-Type": "text/event-stream; charset=utf-8"}
        )
        await response.prepare(request)
        for chunk in stream_chunks(completion, include_usage=include_usage):
            await response.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    async def _list_models(self, request: web.Request) -> web.StreamResponse:
        with self.lock:
            data = [m.to_dict() for m in self._models.values()]
        return json_response({"object": "list", "data": data}, headers=self._common_headers(request))

    async def _retrieve_model(self, request: web.Request) -> web.StreamResponse:
        model_id = request.match_info["model"]
        with self.lock:
            model = self._models.get(model_id)
        if model is None:
            raise APIError(404, f"The model '{model_id}' does not exist", param="model", code="model_not_found")
        return json_response(model.to_dict(), headers=self._common_headers(request))

    async def _invalid_url(self, request: web.Request) -> web.StreamResponse:
        raise APIError(404, f"Invalid URL ({request.method} {request.path})")

    # ------------------------------------------------------------------ control handlers

    async def _control_register(self, request: web.Request) -> web.Response:
        try:
            spec = await request.json()
            if not isinstance(spec, dict) or not isinstance(spec.get("match"), str):
                raise ValueError("the body must be a JSON object with a string 'match'")
            unknown = set(spec) - CONTROL_REGISTRATION_FIELDS
            if unknown:
                raise ValueError(f"unknown fields {sorted(unknown)}")
            registration = self.respond(spec.pop("match"), **spec)
        except (TypeError, ValueError) as exc:
            return json_response({"error": f"invalid registration: {exc}"}, status=400)
        return json_response(registration.to_dict(), status=201)

    async def _control_list(self, request: web.Request) -> web.Response:
        return json_response([r.to_dict() for r in self.registrations])

    async def _control_clear(self, request: web.Request) -> web.Response:
        self.clear_responses()
        return json_response({"ok": True})

    async def _control_latency(self, request: web.Request) -> web.Response:
        try:
            spec = await request.json()
            seconds = spec["seconds"]
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
                raise ValueError("'seconds' must be a number >= 0")
        except (KeyError, TypeError, ValueError) as exc:
            return json_response({"error": f"invalid latency: {exc}"}, status=400)
        self.default_latency = float(seconds)
        return json_response({"seconds": self.default_latency})


def stream_chunks(completion: Mapping[str, Any], *, include_usage: bool) -> list[dict[str, Any]]:
    """The ``chat.completion.chunk`` events that stream ``completion``, in order (without ``[DONE]``)."""
    base = {
        "id": completion["id"],
        "object": "chat.completion.chunk",
        "created": completion["created"],
        "model": completion["model"],
        "service_tier": completion["service_tier"],
        "system_fingerprint": completion["system_fingerprint"],
    }
    extra: dict[str, Any] = {"usage": None} if include_usage else {}

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**base, "choices": [choice], **extra}

    chunks: list[dict[str, Any]] = []
    for choice in completion["choices"]:
        index, message = choice["index"], choice["message"]
        chunks.append(chunk(index, {"role": "assistant", "content": "", "refusal": None}))
        key = "refusal" if message["refusal"] is not None else "content"
        text = message[key] or ""
        for start in range(0, len(text), STREAM_PIECE_CHARS):
            chunks.append(chunk(index, {key: text[start : start + STREAM_PIECE_CHARS]}))
        chunks.append(chunk(index, {}, choice["finish_reason"]))
    if include_usage:
        chunks.append({**base, "choices": [], "usage": completion["usage"]})
    return chunks


__all__ = [
    "API_KEY",
    "INSUFFICIENT_QUOTA_BODY",
    "APIError",
    "ChatRequest",
    "ModelInfo",
    "OpenAIEmulator",
    "Registration",
    "check_strict_schema",
    "parse_chat_request",
    "schema_violations",
    "status_error",
    "stream_chunks",
]
