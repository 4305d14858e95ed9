"""The LLM extractor: one request becomes an ``Understanding`` through an OpenAI-compatible Chat Completions API.

It sends the static instructions and the strict schema (``understanding.llm_schema``) first and the request's
context as quoted data after them (``understanding.llm_prompt``), then validates the answer again with pydantic
whatever the backend promised. It never acts, holds no rights and names no requester: the code does that.

Every way a call can fail ends in a defined place. ``ExtractionUnavailable`` carries a short, honest line for the
thread (nothing was changed) and the admin-facing detail goes to the log; the API key is never logged::

    failure                               retried?                          thread is told
    ────────────────────────────────────  ────────────────────────────────  ───────────────────────────────
    timeout (APITimeoutError)             yes, backoff                      did not answer in time
    connection error                      yes, backoff                      could not be reached
    429 rate limit                        yes, after Retry-After if it fits  is busy (rate limited)
                                          the budget, else at once no
    429 insufficient_quota                no                                out of quota: tell an admin
    5xx, 408, 409                         yes, backoff                      had an error
    401, 403, 404, other 4xx              no (logged as ERROR for admins)   assistant is misconfigured
    refusal / content_filter              no                                declined to read it
    finish_reason "length"                no                                answer was cut off
    invalid JSON / schema / consistency   one re-ask with the problems      answer did not make sense

A usable answer is then checked against what people wrote (``understanding.llm_evidence``): a value nobody wrote is left
empty (grounding asks for it), a request about a record nobody named is dropped, and when a change or part of the
message was not written the answer becomes a question; the fields left out are logged by name, never by value.

Retries are ours, not the client's (its own are switched off for these calls) so that one budget bounds them all:
at most ``max_attempts`` calls within ``total_seconds`` of wall time. Each call's timeout is ``attempt_timeout``
cut to what is left of the budget (never below ``min_attempt_seconds``), and a retry is only made when its wait
plus ``min_attempt_seconds`` still fits, so an extraction ends close to ``total_seconds`` at worst (httpx times
connect, write and read separately, so one call can overrun by a connect). The defaults are 4 calls, 20 s each,
45 s in all; a deployment sets the two times (``OPENAI_TIMEOUT``, ``OPENAI_TIMEOUT_TOTAL``: a model on a CPU needs
minutes) and the composition root gives the worker's jobs time for them. A slow call never starts a second intake: the
intake's lease is renewed for as long as its worker lives, and the reaper leaves a request with a held lease alone.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, assert_never

import openai
from openai.types import CompletionUsage
from openai.types.chat import ChatCompletion, ChatCompletionMessage, ChatCompletionMessageParam
from openai.types.chat.chat_completion import Choice
from openai.types.completion_usage import PromptTokensDetails
from pydantic import BaseModel, ConfigDict, ValidationError

from approvals.core.intents import MAX_REQUESTS_PER_MESSAGE, ActionRequest, Understanding
from approvals.core.ports import ExtractionInput, ExtractionUnavailable
from understanding.llm_evidence import CheckedAnswer, supported_requests
from understanding.llm_prompt import DEFAULT_THREAD_BUDGET_TOKENS, system_prompt, user_message
from understanding.llm_schema import (
    ANSWER_ONLY_FIELDS,
    SCHEMA_NAME,
    Decision,
    request_field_names,
    understanding_schema,
)
from understanding.reading import CANNOT_TELL

logger = logging.getLogger(__name__)

NO_KEY_PLACEHOLDER = "no-key"
"""Sent as the bearer token when only a base URL is configured (local servers usually ignore it)."""

MAX_SHOWN_TEXT = 500

FailureKind = Literal[
    "timeout",
    "connection",
    "rate_limited",
    "quota",
    "server_error",
    "misconfigured",
    "refused",
    "truncated",
    "invalid_output",
]

_NEXT_MINUTE = "Nothing was changed; try again in a minute."
USER_MESSAGES: Mapping[FailureKind, str] = {
    "timeout": f"I couldn't read that request right now (the language model did not answer in time). {_NEXT_MINUTE}",
    "connection": f"I couldn't read that request right now (I couldn't reach the language model). {_NEXT_MINUTE}",
    "rate_limited": f"I couldn't read that request right now (the language model is busy). {_NEXT_MINUTE}",
    "server_error": f"I couldn't read that request right now (the language model had an error). {_NEXT_MINUTE}",
    "quota": "I couldn't read that request: the language model account has run out of quota. Nothing was changed; "
    "please tell an admin.",
    "misconfigured": "I couldn't read that request: the assistant is misconfigured (its language model settings "
    "were refused). Nothing was changed; please tell an admin.",
    "refused": "I couldn't read that request (the language model declined to answer it). Nothing was changed; try "
    "rephrasing it.",
    "truncated": "I couldn't read that request (the language model's answer was cut off). Nothing was changed; try "
    "asking for fewer things at once.",
    "invalid_output": "I couldn't read that request (the language model's answer didn't make sense). Nothing was "
    "changed; try rephrasing it.",
}
"""What the thread is told, per failure: short, honest, and what to do next. Admin detail goes to the log."""

REASK = (
    "Your previous answer could not be used: {problems}. Answer again with one JSON object that matches the "
    "response schema exactly, following the rules above."
)
TOO_MANY = (
    "That asks for {count} changes at once; I can propose at most {limit} from one message. Could you split it up?"
)


DEFAULT_TIMEOUT = 20.0
"""Seconds one call may take (``OPENAI_TIMEOUT``): enough for a hosted model, not for one on a CPU."""
DEFAULT_TIMEOUT_TOTAL = 45.0
"""Seconds one extraction may take, retries included (``OPENAI_TIMEOUT_TOTAL``)."""


def total_timeout_for(timeout: float) -> float:
    """The budget of one extraction when only the per-call timeout is set: two whole calls and 5 s, so a call that
    timed out is tried once more (20 s a call gives the 45 s of the defaults)."""
    return 2 * timeout + 5.0


@dataclass(frozen=True)
class RetryBudget:
    """How hard one extraction tries: see the module docstring."""

    max_attempts: int = 4
    total_seconds: float = DEFAULT_TIMEOUT_TOTAL
    attempt_timeout: float = DEFAULT_TIMEOUT
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    min_attempt_seconds: float = 1.0

    def backoff(self, retry_number: int) -> float:
        """Exponential with jitter (half to all of it), so workers that failed together do not retry together."""
        ceiling = min(self.backoff_initial * 2 ** (retry_number - 1), self.backoff_max)
        return ceiling * random.uniform(0.5, 1.0)


class _Failure(Exception):
    """One failed call, classified; ``retryable`` says whether another call may help."""

    def __init__(
        self, kind: FailureKind, detail: str, *, retryable: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.retryable = retryable
        self.retry_after = retry_after


_ACTIONS_WITHOUT_REQUESTS = "decision is actions but requests is empty"


class InvalidAnswer(ValueError):
    """The model's answer is not a usable Understanding; ``problems`` say why (no values quoted)."""

    def __init__(self, problems: list[str], *, content: str = "") -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.content = content


# ---------------------------------------------------------------------------------------------------------------
# Reading an answer (pure)


class _Answer(BaseModel):
    """The answer as the schema describes it; every field required, as strict mode sends them all."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    understood: str
    decision: Decision
    requests: tuple[ActionRequest, ...]
    question: str | None
    missing: tuple[str, ...]


_SPECIAL_MENTION = re.compile(r"<![^>]*>")
_LINK_MARKUP = re.compile(r"<(https?://[^>|]+)(?:\|([^>]*))?>")
_BARE_URL = re.compile(r"https?://\S+")
_BROADCAST = re.compile(r"@(here|channel|everyone)\b", re.I)


def shown_text(text: str, *, limit: int = MAX_SHOWN_TEXT) -> str:
    """Model-written text that reaches Slack: no broadcasts, no links (a fooled model's phishing), one short line.

    User mentions (``<@U…>``) stay: a question like "which Sam did you mean?" needs them, and they grant nothing.
    """
    text = _SPECIAL_MENTION.sub("", text)
    text = _LINK_MARKUP.sub(lambda m: m[2] or "(link removed)", text)
    text = _BARE_URL.sub("(link removed)", text)
    text = _BROADCAST.sub(r"\1", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _problems(exc: ValidationError) -> list[str]:
    found = []
    for error in exc.errors(include_url=False, include_input=False)[:8]:
        where = ".".join(str(p) for p in error["loc"]) or "the answer"
        found.append(f"{where}: {error['msg']}")
    return found


@dataclass(frozen=True)
class Reading:
    """A usable answer: the Understanding, and the request fields left empty because nobody wrote their value
    (``kind.field`` names, never values: see ``understanding.llm_evidence``)."""

    understanding: Understanding
    emptied: tuple[str, ...] = ()


def read_answer(
    content: str,
    request: ExtractionInput,
    *,
    extractor: str,
    usage: Mapping[str, int],
    check_values: bool = True,
) -> Reading:
    """The Understanding a model's JSON answer to ``request`` stands for; ``InvalidAnswer`` when it is not one.

    Each request's values are checked against what people wrote before they are validated
    (``understanding.llm_evidence``): a value nobody wrote is left empty, a date is read from the words the model
    copied, and a request with nothing left is dropped. An answer whose every request was dropped proposes nothing.
    ``check_values=False`` reads the answer as the model gave it (dates only read from their words): for tests of the
    layers behind it.
    """
    try:
        raw = json.loads(content)
    except ValueError as exc:
        raise InvalidAnswer([f"Invalid JSON: {exc}"]) from None
    asked_for = raw.get("requests") if isinstance(raw, dict) else None
    checked = CheckedAnswer([])
    if isinstance(asked_for, list):
        checked = supported_requests(asked_for, request, check_values=check_values)
        raw = {**raw, "requests": checked.requests}
    try:
        answer = _Answer.model_validate(raw)
    except ValidationError as exc:
        raise InvalidAnswer(_problems(exc)) from None
    problems: list[str] = []
    for index, wanted in enumerate(answer.requests):
        for name in sorted(wanted.model_fields_set & ANSWER_ONLY_FIELDS):
            problems.append(f"requests.{index}.{name}: only the requester's own answer may set it")
    known = set(request_field_names())
    problems += [f"missing: {name!r} is not a request field" for name in answer.missing if name not in known]
    question = (answer.question or "").strip()
    if answer.decision == "actions" and not asked_for:
        problems.append(_ACTIONS_WITHOUT_REQUESTS)
    elif answer.decision == "question" and not question:
        problems.append("decision is question but question is empty")
    elif answer.decision == "none" and asked_for:
        problems.append("decision is none but requests is not empty")
    if problems:
        raise InvalidAnswer(problems)
    understood = shown_text(answer.understood)
    if len(answer.requests) > MAX_REQUESTS_PER_MESSAGE:
        too_many = TOO_MANY.format(count=len(answer.requests), limit=MAX_REQUESTS_PER_MESSAGE)
        return Reading(Understanding(question=too_many, understood=understood, extractor=extractor, usage=dict(usage)))
    unwritten = checked.question()
    match answer.decision:
        case "actions" if not answer.requests and unwritten is None:
            # Every request named only things nobody wrote: nothing to propose, and nothing of it to repeat.
            understanding = Understanding(extractor=extractor, usage=dict(usage))
        case "actions" if unwritten is not None:
            # Part of it was not written: asked about before anything is proposed (approvals.flow.drafting).
            understanding = Understanding(
                requests=answer.requests,
                question=unwritten,
                missing=checked.unsure,
                understood=understood,
                extractor=extractor,
                usage=dict(usage),
            )
        case "actions":
            understanding = Understanding(
                requests=answer.requests, understood=understood, extractor=extractor, usage=dict(usage)
            )
        case "question":
            understanding = Understanding(
                requests=answer.requests,
                question=shown_text(question),
                missing=answer.missing,
                understood=understood,
                extractor=extractor,
                usage=dict(usage),
            )
        case "none":
            understanding = Understanding(understood=understood, extractor=extractor, usage=dict(usage))
        case _:
            assert_never(answer.decision)
    return Reading(understanding, checked.emptied)


# ---------------------------------------------------------------------------------------------------------------
# Translating the client's errors (at the edge)


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The server's requested wait: ``retry-after-ms``, ``retry-after`` in seconds, or an HTTP date."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = lowered.get(name)
        if raw is None:
            continue
        try:
            seconds = float(raw) * scale
        except ValueError:
            continue
        return seconds if seconds >= 0 and seconds != float("inf") else None
    raw = lowered.get("retry-after")
    if raw:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        return max(when.timestamp() - time.time(), 0.0)
    return None


def classify(exc: openai.OpenAIError) -> _Failure:
    """What a client error means for this extraction (order matters: the timeout is a connection error)."""
    if isinstance(exc, openai.APITimeoutError):
        return _Failure("timeout", "no answer within the attempt's timeout", retryable=True)
    if isinstance(exc, openai.APIConnectionError):
        cause = type(exc.__cause__).__name__ if exc.__cause__ else "no cause"
        return _Failure("connection", f"connection failed ({cause})", retryable=True)
    if isinstance(exc, openai.APIResponseValidationError):
        return _Failure("invalid_output", "the response did not have the Chat Completions shape")
    if isinstance(exc, openai.APIStatusError):
        return _classify_status(exc)
    return _Failure("server_error", f"{type(exc).__name__}")


def _classify_status(exc: openai.APIStatusError) -> _Failure:
    status = exc.status_code
    said = (
        f"HTTP {status}"
        + (f" {exc.code}" if exc.code else "")
        + (f" (request {exc.request_id})" if exc.request_id else "")
    )
    if status == 429:
        if exc.code == "insufficient_quota" or exc.type == "insufficient_quota":
            return _Failure("quota", f"{said}: the account is out of quota")
        return _Failure("rate_limited", said, retryable=True, retry_after=retry_after_seconds(exc.response.headers))
    server_says = exc.response.headers.get("x-should-retry")
    if status in (401, 403):
        return _Failure("misconfigured", f"{said}: the endpoint refused our credentials")
    if status == 404:
        return _Failure("misconfigured", f"{said}: no such model or URL at this endpoint")
    if server_says == "false":
        return _Failure("server_error", f"{said}: the server asked not to retry")
    if status >= 500 or status in (408, 409) or server_says == "true":
        return _Failure("server_error", said, retryable=True, retry_after=retry_after_seconds(exc.response.headers))
    return _Failure("misconfigured", f"{said}: the endpoint refused the request ({exc.message[:300]})")


_ADMIN_HINTS: Mapping[FailureKind, str] = {
    "misconfigured": "check OPENAI_API_KEY, OPENAI_BASE_URL and OPENAI_MODEL (and that the server supports strict "
    "json_schema response formats)",
    "quota": "check the billing and quota of the account behind OPENAI_API_KEY",
}


# ---------------------------------------------------------------------------------------------------------------
# The extractor


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


@dataclass
class _Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    calls: int = 0

    def add(self, usage: object) -> None:
        # Compatible servers omit usage or parts of it; the client builds what it gets without validating it.
        if not isinstance(usage, CompletionUsage):
            return
        self.prompt_tokens += _count(usage.prompt_tokens)
        self.completion_tokens += _count(usage.completion_tokens)
        details = usage.prompt_tokens_details
        self.cached_tokens += _count(details.cached_tokens) if isinstance(details, PromptTokensDetails) else 0

    def as_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cached_tokens": self.cached_tokens,
            "calls": self.calls,
        }


class OpenAIExtractor:
    """Implements ``approvals.core.ports.Extractor`` over an OpenAI-compatible endpoint (OpenAI, Azure, vLLM, ...).

    ``extract`` returns an Understanding or raises ExtractionUnavailable; it makes at most
    ``budget.max_attempts`` calls and gives up within ``budget.total_seconds`` (plus one connection timeout).
    """

    def __init__(
        self,
        client: openai.OpenAI,
        model: str,
        *,
        budget: RetryBudget | None = None,
        max_output_tokens: int = 4096,
        temperature: float | None = None,
        thread_budget_tokens: int = DEFAULT_THREAD_BUDGET_TOKENS,
        check_values: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.model = model
        self.name = f"openai:{model}"
        self.budget = budget or RetryBudget()
        # Our loop owns retries: the client's own would multiply them and ignore our budget.
        self._client = client.with_options(max_retries=0)
        self._secret = client.api_key if isinstance(client.api_key, str) else ""
        self.max_output_tokens = max_output_tokens
        self.temperature = temperature
        self.thread_budget_tokens = thread_budget_tokens
        self.check_values = check_values
        """Leave out what the request does not say (``understanding.llm_evidence``); off only to test what is behind."""
        self._clock = clock
        self._sleep = sleep

    @property
    def endpoint(self) -> str:
        return str(self._client.base_url)

    def messages_for(self, request: ExtractionInput) -> list[ChatCompletionMessageParam]:
        return [
            {"role": "system", "content": system_prompt()},
            {"role": "user", "content": user_message(request, budget_tokens=self.thread_budget_tokens)},
        ]

    def _arguments(self, messages: list[ChatCompletionMessageParam], timeout: float) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": understanding_schema()},
            },
            "max_completion_tokens": self.max_output_tokens,
            "timeout": timeout,
        }
        if self.temperature is not None:
            arguments["temperature"] = self.temperature
        return arguments

    def extract(self, request: ExtractionInput) -> Understanding:
        budget = self.budget
        started = self._clock()
        deadline = started + budget.total_seconds
        usage = _Usage()
        prompt = self.messages_for(request)
        messages = prompt
        reasked = False
        while True:
            usage.calls += 1
            timeout = min(budget.attempt_timeout, max(deadline - self._clock(), budget.min_attempt_seconds))
            try:
                completion = self._client.chat.completions.create(**self._arguments(messages, timeout))
            except openai.OpenAIError as exc:
                failure = classify(exc)
            else:
                try:
                    reading = self._read(completion, request, usage)
                except InvalidAnswer as invalid:
                    if not reasked and self._may_retry(usage.calls, 0.0, deadline):
                        reasked = True
                        logger.warning(
                            "%s: unusable answer (%s); asking once more", self.name, self._redact(str(invalid))
                        )
                        messages = [
                            *prompt,
                            {"role": "assistant", "content": invalid.content[:8000]},
                            {"role": "user", "content": REASK.format(problems="; ".join(invalid.problems))},
                        ]
                        continue
                    if invalid.problems == [_ACTIONS_WITHOUT_REQUESTS]:
                        # Twice an answer that meant to act and named nothing to do: the model could not tell what
                        # was asked, so the person is asked (not told the model failed).
                        logger.info("%s: the model named no request twice; asking the requester", self.name)
                        return Understanding(question=CANNOT_TELL, extractor=self.name, usage=usage.as_dict())
                    failure = _Failure("invalid_output", f"unusable answer: {invalid}")
                except _Failure as refused:
                    failure = refused
                else:
                    logger.info(
                        "%s: understood in %d call(s), %.1f s; tokens: prompt %d (cached %d), completion %d",
                        self.name,
                        usage.calls,
                        self._clock() - started,
                        usage.prompt_tokens,
                        usage.cached_tokens,
                        usage.completion_tokens,
                    )
                    if reading.emptied:
                        logger.info(
                            "%s: left out what the request does not say: %s", self.name, ", ".join(reading.emptied)
                        )
                    return reading.understanding
            if failure.retryable:
                wait = failure.retry_after if failure.retry_after is not None else budget.backoff(usage.calls)
                if self._may_retry(usage.calls, wait, deadline):
                    logger.warning(
                        "%s: call %d failed (%s); retrying in %.2f s",
                        self.name,
                        usage.calls,
                        self._redact(str(failure)),
                        wait,
                    )
                    self._sleep(wait)
                    continue
                failure.detail += f"; gave up after {usage.calls} call(s) in {self._clock() - started:.1f} s"
            raise self._unavailable(failure, usage)

    def _may_retry(self, calls: int, wait: float, deadline: float) -> bool:
        budget = self.budget
        return calls < budget.max_attempts and self._clock() + wait + budget.min_attempt_seconds <= deadline

    def _read(self, completion: object, request: ExtractionInput, usage: _Usage) -> Reading:
        # The client hands back whatever a 200 carried (a proxy's login page is a str): check the shape first.
        choices = completion.choices if isinstance(completion, ChatCompletion) else None
        if not isinstance(choices, list) or not all(isinstance(c, Choice) for c in choices):
            raise _Failure("misconfigured", "the endpoint's answer is not a Chat Completions response")
        usage.add(completion.usage)
        if not choices:
            raise InvalidAnswer(["the answer had no choices"])
        choice = choices[0]
        message = choice.message
        if not isinstance(message, ChatCompletionMessage):
            raise _Failure("misconfigured", "the endpoint's answer has a choice without a message")
        if isinstance(message.refusal, str) and message.refusal:
            raise _Failure("refused", f"the model refused: {shown_text(message.refusal, limit=200)}")
        if choice.finish_reason == "content_filter":
            raise _Failure("refused", "the provider's content filter stopped the answer")
        if choice.finish_reason == "length":
            raise _Failure("truncated", f"the answer hit max_completion_tokens={self.max_output_tokens}")
        content = message.content if isinstance(message.content, str) else ""
        if not content.strip():
            raise InvalidAnswer(["the answer was empty"], content=content)
        try:
            return read_answer(
                content, request, extractor=self.name, usage=usage.as_dict(), check_values=self.check_values
            )
        except InvalidAnswer as invalid:
            raise InvalidAnswer(invalid.problems, content=content) from None

    def _unavailable(self, failure: _Failure, usage: _Usage) -> ExtractionUnavailable:
        detail = self._redact(f"{failure.kind}: {failure.detail}")
        hint = _ADMIN_HINTS.get(failure.kind)
        if hint is not None:
            logger.error("%s at %s cannot be used: %s; %s", self.name, self.endpoint, detail, hint)
        else:
            logger.warning("%s: no understanding: %s", self.name, detail)
        return ExtractionUnavailable(USER_MESSAGES[failure.kind], detail=detail, usage=usage.as_dict())

    def _redact(self, text: str) -> str:
        # Servers echo keys in error texts (OpenAI masks them; a proxy might not).
        return text.replace(self._secret, "[redacted]") if len(self._secret) >= 4 else text


def build_openai_extractor(
    api_key: str | None,
    base_url: str | None,
    model: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    total_timeout: float | None = None,
    budget: RetryBudget | None = None,
) -> OpenAIExtractor:
    """The extractor for a deployment: a client with timeouts on and its own retries off (ours are bounded).

    ``timeout``: seconds per call; ``total_timeout``: seconds for the whole extraction, retries included (default
    ``total_timeout_for(timeout)``); a ``budget`` given replaces both. ``api_key`` None or empty with a
    ``base_url``: a local server that needs no key (vLLM, Ollama, llama.cpp); a placeholder is sent, since the
    client requires one.
    """
    if budget is None:
        if total_timeout is None:
            total_timeout = total_timeout_for(timeout)
        if timeout <= 0 or total_timeout < timeout:
            raise ValueError(
                f"the LLM timeouts must be positive with the total at least one call's: got {timeout} s per call "
                f"and {total_timeout} s in all (OPENAI_TIMEOUT, OPENAI_TIMEOUT_TOTAL)"
            )
        budget = RetryBudget(attempt_timeout=timeout, total_seconds=total_timeout)
    if not api_key and not base_url:
        raise ValueError("an OpenAI extractor needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local server")
    client = openai.OpenAI(
        api_key=api_key or NO_KEY_PLACEHOLDER,
        base_url=base_url or None,
        timeout=openai.Timeout(budget.attempt_timeout, connect=min(5.0, budget.attempt_timeout)),
        max_retries=0,
    )
    return OpenAIExtractor(client, model, budget=budget)
