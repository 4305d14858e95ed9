"""The OpenAI emulator, driven by the real ``openai`` client over HTTP.

Each test states one behaviour of the real API the emulator must reproduce, or one sandbox rule (answers come only
from registrations, and a registration the real API could never produce is refused).
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import openai
import pydantic
import pytest
from openai import OpenAI
from openai.types import CompletionUsage
from openai.types.chat import ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import BaseModel

from sandbox.openai import OpenAIEmulator
from sandbox.seed import Seed
from sandbox.server import ServerThread
from tests.emulators import reset, serve

CHAT_PATH = "/v1/chat/completions"


class ActionItem(BaseModel):
    title: str
    assignee: str | None
    due_date: str | None = None


class Extraction(BaseModel):
    summary: str
    items: list[ActionItem]
    project_key: str | None = None


@pytest.fixture(scope="module")
def emulator(seed: Seed, server_thread: ServerThread) -> OpenAIEmulator:
    return serve(OpenAIEmulator(seed), server_thread)


@pytest.fixture(autouse=True)
def _clean(emulator: OpenAIEmulator) -> Iterator[None]:
    reset(emulator)
    yield
    reset(emulator)


def make_client(emulator: OpenAIEmulator, **kwargs: Any) -> OpenAI:
    env = emulator.environment()
    options: dict[str, Any] = {"api_key": env["OPENAI_API_KEY"], "max_retries": 0, **kwargs}
    return OpenAI(base_url=env["OPENAI_BASE_URL"], **options)


@pytest.fixture
def client(emulator: OpenAIEmulator) -> Iterator[OpenAI]:
    with make_client(emulator) as c:
        yield c


def user(text: str) -> list[ChatCompletionMessageParam]:
    return [{"role": "system", "content": "Extract action items."}, {"role": "user", "content": text}]


def strict_format(schema: dict[str, Any], name: str = "Bad") -> ResponseFormatJSONSchema:
    return {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": schema}}


def obj(**properties: Any) -> dict[str, Any]:
    """A strict-mode-valid object schema with ``properties``."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def nested(levels: int) -> dict[str, Any]:
    return obj(child=nested(levels - 1)) if levels > 1 else obj(leaf={"type": "string"})


EXPECTED = Extraction(
    summary="Two follow-ups from the standup",
    items=[
        ActionItem(title="Ship the fix", assignee="erin", due_date="2025-01-31"),
        ActionItem(title="Write the postmortem", assignee=None, due_date=None),
    ],
    project_key=None,
)


# ------------------------------------------------------------------------------------------- structured outputs


def test_parse_returns_the_registered_answer_as_the_pydantic_model(emulator: OpenAIEmulator, client: OpenAI) -> None:
    registration = emulator.respond("standup", content=EXPECTED.model_dump())

    completion = client.chat.completions.parse(
        model="gpt-4o-mini", messages=user("Notes from the STANDUP today"), response_format=Extraction
    )

    message = completion.choices[0].message
    assert message.parsed == EXPECTED
    assert message.refusal is None
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == "gpt-4o-mini-2024-07-18"
    assert re.fullmatch(r"chatcmpl-[A-Za-z0-9]{29}", completion.id)
    assert registration.answered == 1
    sent = emulator.requests.entries(path=CHAT_PATH)[0].body["response_format"]
    assert sent["type"] == "json_schema"
    assert sent["json_schema"]["name"] == "Extraction"
    assert sent["json_schema"]["strict"] is True
    schema = sent["json_schema"]["schema"]
    assert schema["required"] == ["summary", "items", "project_key"]
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["ActionItem"]["required"] == ["title", "assignee", "due_date"]


@pytest.mark.parametrize(
    ("schema", "detail"),
    [
        pytest.param(
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            "In context=(), 'additionalProperties' is required to be supplied and to be false.",
            id="no-additionalProperties",
        ),
        pytest.param(
            obj(foo={**obj(bar={"type": "string"}, baz={"type": "string"}), "required": ["baz"]}),
            "In context=('properties', 'foo'), 'required' is required to be supplied and to be an array "
            "including every key in properties. Missing 'bar'.",
            id="optional-property",
        ),
        pytest.param(
            obj(name={"type": "string", "minLength": 1}),
            "In context=('properties', 'name'), 'minLength' is not permitted.",
            id="minLength",
        ),
        pytest.param(
            obj(v={"oneOf": [{"type": "string"}, {"type": "integer"}]}),
            "In context=('properties', 'v'), 'oneOf' is not permitted.",
            id="oneOf",
        ),
        pytest.param(
            {"type": "array", "items": {"type": "string"}},
            "schema must be a JSON Schema of 'type: \"object\"', got 'type: \"array\"'.",
            id="array-root",
        ),
        pytest.param(
            {"anyOf": [obj(a={"type": "string"}), obj(b={"type": "string"})]},
            "schema must be a JSON Schema of 'type: \"object\"', got 'type: \"None\"'.",
            id="anyOf-root",
        ),
        pytest.param(
            obj(url={"type": "string", "format": "uri"}),
            "In context=('properties', 'url'), 'uri' is not a valid format.",
            id="format-uri",
        ),
        pytest.param(
            obj(x={"description": "anything"}),
            "In context=('properties', 'x'), schema must have a 'type' key.",
            id="untyped",
        ),
        pytest.param(
            obj(x={"$ref": "#/$defs/Thing", "description": "a thing"}) | {"$defs": {"Thing": obj()}},
            "context=('properties', 'x'), $ref cannot have keywords {'description'}.",
            id="ref-with-siblings",
        ),
        pytest.param(
            obj(x={"$ref": "https://example.com/thing.json"}),
            "In context=('properties', 'x'), reference 'https://example.com/thing.json' does not point into "
            "this schema's '$defs'.",
            id="external-ref",
        ),
        pytest.param(nested(11), "11 levels of nesting exceeds limit of 10.", id="too-deep"),
        pytest.param(
            obj(x={"type": "string", "enum": [f"v{i}" for i in range(1001)]}),
            "Expected at most 1000 enum values in total within a single schema when using structured "
            "outputs, but received 1001. Consider reducing the number of enums, or use 'strict: false' to "
            "opt out of structured outputs.",
            id="too-many-enum-values",
        ),
    ],
)
def test_strict_schema_that_breaks_a_rule_is_rejected_with_the_api_error(
    emulator: OpenAIEmulator, client: OpenAI, schema: dict[str, Any], detail: str
) -> None:
    emulator.respond("go", content={})

    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=user("go"),
            response_format=strict_format(schema),
        )

    error = caught.value
    assert error.param == "response_format"
    assert error.code == "invalid_json_schema"
    assert error.type == "invalid_request_error"
    assert error.message == f"Error code: 400 - Invalid schema for response_format 'Bad': {detail}"


def test_strict_schema_with_supported_keywords_and_recursion_is_accepted(
    emulator: OpenAIEmulator, client: OpenAI
) -> None:
    """Pattern, format, numeric bounds, maxItems, nullable anyOf and a recursive $ref are all allowed."""
    node = obj(
        name={"type": "string", "pattern": "^[a-z]+$"},
        when={"type": "string", "format": "date-time"},
        score={"type": "number", "minimum": 0, "maximum": 1},
        children={"type": "array", "items": {"$ref": "#/$defs/Node"}, "maxItems": 3},
        note={"anyOf": [{"type": "string"}, {"type": "null"}]},
    )
    schema = obj(root={"$ref": "#/$defs/Node"}) | {"$defs": {"Node": node}}
    leaf = {"name": "leaf", "when": "2025-01-31T09:00:00Z", "score": 0.5, "children": [], "note": None}
    answer = {"root": {**leaf, "name": "top", "children": [leaf], "note": "ok"}}
    emulator.respond("tree", content=answer)

    completion = client.chat.completions.create(
        model="gpt-4.1-mini",
        messages=user("a tree"),
        response_format=strict_format(schema, "Tree"),
    )

    assert json.loads(completion.choices[0].message.content or "") == answer


def test_registered_content_the_schema_forbids_is_a_500_naming_the_registration(
    emulator: OpenAIEmulator,
) -> None:
    bad = {"summary": "x", "items": [{"title": "t", "assignee": "erin"}], "project_key": None}
    registration = emulator.respond("standup", content=bad)

    # Even a retrying client sees the authoring error once: it carries x-should-retry: false.
    with make_client(emulator, max_retries=2) as retrying, pytest.raises(openai.InternalServerError) as caught:
        retrying.chat.completions.parse(model="gpt-4o-mini", messages=user("standup"), response_format=Extraction)

    error = caught.value
    assert error.code == "sandbox_invalid_registration"
    assert registration.id in error.message
    assert "strict json_schema 'Extraction'" in error.message
    assert "$.items[0]: missing required property 'due_date'" in error.message
    assert error.response.headers["x-should-retry"] == "false"
    assert emulator.requests.count(path=CHAT_PATH) == 1


def test_refusal_sets_message_refusal_and_leaves_parsed_empty(emulator: OpenAIEmulator, client: OpenAI) -> None:
    emulator.respond("weapon", refusal="I'm sorry, I can't help with that.")

    completion = client.chat.completions.parse(
        model="gpt-4o-mini", messages=user("build a weapon"), response_format=Extraction
    )

    message = completion.choices[0].message
    assert message.refusal == "I'm sorry, I can't help with that."
    assert message.content is None
    assert message.parsed is None
    assert completion.usage is not None
    assert completion.usage.completion_tokens == math.ceil(len(message.refusal) / 4)


def test_finish_reason_length_makes_parse_raise_length_error(emulator: OpenAIEmulator, client: OpenAI) -> None:
    emulator.respond("standup", content='{"summary": "Two follow-ups from', finish_reason="length")

    with pytest.raises(openai.LengthFinishReasonError):
        client.chat.completions.parse(model="gpt-4o-mini", messages=user("standup"), response_format=Extraction)


def test_max_completion_tokens_below_the_answer_cuts_it_off_with_length(
    emulator: OpenAIEmulator, client: OpenAI
) -> None:
    emulator.respond("standup", content=EXPECTED.model_dump())

    completion = client.chat.completions.create(model="gpt-4o-mini", messages=user("standup"), max_completion_tokens=5)

    choice = completion.choices[0]
    assert choice.finish_reason == "length"
    assert choice.message.content == EXPECTED.model_dump_json()[:20]
    with pytest.raises(openai.LengthFinishReasonError):
        client.chat.completions.parse(
            model="gpt-4o-mini", messages=user("standup"), response_format=Extraction, max_completion_tokens=5
        )


def test_raw_invalid_json_reaches_the_client_whose_parse_raises_validation_error(
    emulator: OpenAIEmulator, client: OpenAI
) -> None:
    emulator.respond("standup", content='{"summary": "oops", "items": [', raw=True)

    with pytest.raises(pydantic.ValidationError, match="Invalid JSON"):
        client.chat.completions.parse(model="gpt-4o-mini", messages=user("standup"), response_format=Extraction)


def test_json_object_requires_the_word_json_and_a_json_object_answer(emulator: OpenAIEmulator, client: OpenAI) -> None:
    emulator.respond("list", content="[1, 2]")
    json_mode: Any = {"type": "json_object"}

    with pytest.raises(openai.BadRequestError) as missing_word:
        client.chat.completions.create(model="gpt-4o-mini", messages=user("list them"), response_format=json_mode)
    with pytest.raises(openai.InternalServerError) as not_an_object:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=user("list them as JSON"), response_format=json_mode
        )

    assert missing_word.value.param == "messages"
    assert "must contain the word 'json'" in missing_word.value.message
    assert "content is not a JSON object" in not_an_object.value.message


# ------------------------------------------------------------------------------------------- registry


def test_no_registration_is_a_500_quoting_the_last_user_message(emulator: OpenAIEmulator) -> None:
    emulator.respond("something else", content="x")

    with make_client(emulator, max_retries=2) as retrying, pytest.raises(openai.InternalServerError) as caught:
        retrying.chat.completions.create(model="gpt-4o-mini", messages=user("What did Erin promise?"))

    assert caught.value.code == "sandbox_no_response_registered"
    assert caught.value.message.endswith(
        "sandbox: no response registered for the last user message: 'What did Erin promise?'"
    )
    assert emulator.requests.count(path=CHAT_PATH) == 1


def test_first_live_registration_wins_and_times_limits_it(emulator: OpenAIEmulator, client: OpenAI) -> None:
    once = emulator.respond(re.compile(r"ticket \d+"), content="first", times=1)
    emulator.respond(lambda body: body["model"] == "gpt-4o", content="by predicate")
    emulator.respond("ticket", content="fallback")

    answers = [
        client.chat.completions.create(model=model, messages=user(text)).choices[0].message.content
        for model, text in [
            ("gpt-4o-mini", "close ticket 42"),
            ("gpt-4o", "close ticket 42"),
            ("gpt-4o-mini", "close ticket 42"),
        ]
    ]

    assert answers == ["first", "by predicate", "fallback"]
    assert once.answered == 1


def test_registered_status_answers_that_openai_error(emulator: OpenAIEmulator, client: OpenAI) -> None:
    emulator.respond("standup", status=503)

    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=user("standup"))

    assert caught.value.status_code == 503
    assert caught.value.type == "server_error"


def test_http_control_endpoints_register_list_clear_and_set_latency(emulator: OpenAIEmulator, client: OpenAI) -> None:
    control = emulator.base_url + "/_sandbox/openai"
    created = httpx2.post(control + "/responses", json={"match": "standup", "content": {"ok": True}})
    rejected = httpx2.post(control + "/responses", json={"match": "x", "content": "y", "colour": "red"})
    latency = httpx2.post(control + "/latency", json={"seconds": 0.05})

    start = time.monotonic()
    answer = client.chat.completions.create(model="gpt-4o-mini", messages=user("standup"))
    elapsed = time.monotonic() - start
    listed = httpx2.get(control + "/responses").json()
    cleared = httpx2.delete(control + "/responses")

    assert created.status_code == 201
    assert rejected.status_code == 400
    assert latency.json() == {"seconds": 0.05}
    assert answer.choices[0].message.content == '{"ok":true}'
    assert elapsed >= 0.05
    assert [(r["match"], r["answered"]) for r in listed] == [("standup", 1)]
    assert cleared.status_code == 200
    assert emulator.registrations == []


# ------------------------------------------------------------------------------------------- errors and faults


def test_injected_429_raises_rate_limit_error_with_retry_after(emulator: OpenAIEmulator, client: OpenAI) -> None:
    emulator.respond("standup", content="x")
    emulator.inject(CHAT_PATH, status=429, retry_after=7)

    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=user("standup"))

    error = caught.value
    assert error.response.headers["retry-after"] == "7"
    assert error.code == "rate_limit_exceeded"
    assert error.type == "requests"
    assert "Please try again in 7s." in error.message


def test_client_retries_after_the_429_and_succeeds(emulator: OpenAIEmulator) -> None:
    emulator.respond("standup", content="done")
    fault = emulator.inject(CHAT_PATH, status=429, count=1, retry_after=1)

    start = time.monotonic()
    with make_client(emulator, max_retries=2) as retrying:
        completion = retrying.chat.completions.create(model="gpt-4o-mini", messages=user("standup"))
    elapsed = time.monotonic() - start

    assert completion.choices[0].message.content == "done"
    assert fault.fired == 1
    assert [e.status for e in emulator.requests.entries(path=CHAT_PATH)] == [429, 200]
    assert elapsed >= 0.9  # the client waited out Retry-After rather than its own shorter backoff


def test_latency_beyond_the_client_timeout_raises_api_timeout_error(emulator: OpenAIEmulator) -> None:
    emulator.respond("standup", content="late", latency=2.0)

    start = time.monotonic()
    with make_client(emulator, timeout=0.2) as impatient, pytest.raises(openai.APITimeoutError):
        impatient.chat.completions.create(model="gpt-4o-mini", messages=user("standup"))

    assert time.monotonic() - start < 1.5
    # The server gave up on the abandoned request (status 0: no response) instead of answering it later;
    # waiting for that record also keeps it out of the next test's request log.
    abandoned = emulator.requests.wait_for(lambda entry: entry.path == CHAT_PATH, timeout=1.5)
    assert abandoned.status == 0


def test_wrong_api_key_raises_authentication_error_without_echoing_the_key(emulator: OpenAIEmulator) -> None:
    wrong = "sk-wrong-key-12345678"
    with make_client(emulator, api_key=wrong) as intruder, pytest.raises(openai.AuthenticationError) as caught:
        intruder.chat.completions.create(model="gpt-4o-mini", messages=user("standup"))

    assert caught.value.code == "invalid_api_key"
    assert caught.value.message.startswith("Error code: 401 - Incorrect API key provided: sk-***")
    assert wrong not in caught.value.message
    assert emulator.requests.entries(path=CHAT_PATH)[0].status == 401


def test_unknown_model_raises_not_found(emulator: OpenAIEmulator, client: OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-9-ultra", messages=user("standup"))

    assert caught.value.code == "model_not_found"
    assert caught.value.message.endswith("The model `gpt-9-ultra` does not exist or you do not have access to it.")


@pytest.mark.parametrize(
    ("kwargs", "param", "code", "message"),
    [
        pytest.param(
            {"extra_body": {"foo": 1}}, None, None, "Unrecognized request argument supplied: foo", id="unknown-arg"
        ),
        pytest.param(
            {"messages": []},
            "messages",
            "empty_array",
            "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            id="no-messages",
        ),
        pytest.param(
            {"messages": [{"role": "bot", "content": "hi"}]},
            "messages[0].role",
            "invalid_value",
            "Invalid value: 'bot'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', "
            "and 'developer'.",
            id="bad-role",
        ),
        pytest.param(
            {"temperature": "0.2"},
            "temperature",
            "invalid_type",
            "Invalid type for 'temperature': expected a decimal, but got a string instead.",
            id="temperature-type",
        ),
        pytest.param(
            {"temperature": 3},
            "temperature",
            "decimal_above_max_value",
            "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 instead.",
            id="temperature-range",
        ),
        pytest.param(
            {"model": "gpt-5-mini", "temperature": 0.2},
            "temperature",
            "unsupported_value",
            "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) "
            "value is supported.",
            id="reasoning-temperature",
        ),
        pytest.param(
            {"response_format": strict_format(obj(), name="has space")},
            "response_format.json_schema.name",
            "invalid_value",
            "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string "
            "that matches the pattern '^[a-zA-Z0-9_-]+$'.",
            id="schema-name",
        ),
    ],
)
def test_invalid_request_is_a_400_in_the_api_words(
    client: OpenAI, kwargs: dict[str, Any], param: str | None, code: str | None, message: str
) -> None:
    request: dict[str, Any] = {"model": "gpt-4o-mini", "messages": user("standup"), **kwargs}

    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(**request)

    assert (caught.value.param, caught.value.code) == (param, code)
    assert caught.value.message == f"Error code: 400 - {message}"


def test_models_list_and_retrieve(emulator: OpenAIEmulator, client: OpenAI) -> None:
    emulator.add_model("ft:gpt-4o-mini:followthrough")

    ids = {m.id for m in client.models.list().data}
    retrieved = client.models.retrieve("ft:gpt-4o-mini:followthrough")

    assert {"gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-5-mini"} <= ids
    assert "ft:gpt-4o-mini:followthrough" in ids
    assert retrieved.object == "model"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-9-ultra")


# ------------------------------------------------------------------------------------------- usage and streaming


def test_usage_counts_and_prefix_cache_on_the_second_identical_long_prefix(
    emulator: OpenAIEmulator, client: OpenAI
) -> None:
    emulator.respond("", content=EXPECTED.model_dump())
    long_system = "You extract action items from Slack threads. Be precise. " * 80  # about 1160 tokens
    short: list[ChatCompletionMessageParam] = [{"role": "system", "content": "Be brief."}]
    long: list[ChatCompletionMessageParam] = [{"role": "system", "content": long_system}]

    def ask(system: list[ChatCompletionMessageParam], text: str) -> CompletionUsage:
        messages: list[ChatCompletionMessageParam] = [*system, {"role": "user", "content": text}]
        completion = client.chat.completions.parse(model="gpt-4o-mini", messages=messages, response_format=Extraction)
        assert completion.usage is not None
        return completion.usage

    def cached(usage: CompletionUsage) -> int:
        assert usage.prompt_tokens_details is not None
        assert usage.prompt_tokens_details.cached_tokens is not None
        return usage.prompt_tokens_details.cached_tokens

    first = ask(long, "thread one")
    second = ask(long, "a different thread two")
    ask(short, "thread one")
    short_again = ask(short, "thread one")

    assert first.prompt_tokens > 1024
    assert first.completion_tokens == math.ceil(len(EXPECTED.model_dump_json()) / 4)
    assert first.total_tokens == first.prompt_tokens + first.completion_tokens
    assert cached(first) == 0
    assert cached(second) >= 1024
    assert cached(second) % 128 == 0
    assert cached(second) <= second.prompt_tokens
    assert cached(short_again) == 0  # under 1024 tokens nothing is cached


def test_reset_forgets_registrations_latency_and_cached_prefixes(emulator: OpenAIEmulator, client: OpenAI) -> None:
    long: list[ChatCompletionMessageParam] = [
        {"role": "system", "content": "Follow the rules. " * 300},
        {"role": "user", "content": "standup"},
    ]
    emulator.respond("standup", content="x")
    client.chat.completions.create(model="gpt-4o-mini", messages=long)
    emulator.default_latency = 5.0

    emulator.reset()
    emulator.respond("standup", content="y")
    start = time.monotonic()
    after = client.chat.completions.create(model="gpt-4o-mini", messages=long)

    assert time.monotonic() - start < 1.0
    assert [r.content for r in emulator.registrations] == ["y"]
    assert after.usage is not None
    assert after.usage.prompt_tokens_details is not None
    assert after.usage.prompt_tokens_details.cached_tokens == 0


def test_rate_limit_and_request_headers_on_success(emulator: OpenAIEmulator, client: OpenAI) -> None:
    emulator.respond("standup", content="x")

    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=user("standup"))

    assert raw.headers["x-request-id"].startswith("req_")
    assert int(raw.headers["x-ratelimit-remaining-requests"]) < int(raw.headers["x-ratelimit-limit-requests"])
    assert "openai-processing-ms" in raw.headers


def test_stream_delivers_the_content_in_chunks_then_usage(emulator: OpenAIEmulator, client: OpenAI) -> None:
    emulator.respond("standup", content=EXPECTED.model_dump())

    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=user("standup"),
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)

    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert Extraction.model_validate_json(text) == EXPECTED
    assert len(chunks) > 3
    assert finishes == ["stop"]
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
