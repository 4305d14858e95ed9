"""The LLM path's honest failures, in process (tests/flow.py) with OPENAI_API_KEY and OPENAI_BASE_URL set: a model
that refuses, or a rate limit longer than the budget, becomes a short honest reply and no card. (A request read by
the model becoming a card, with every process real, is tests/e2e/test_llm_path.py.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from sandbox.harness import Sandbox
from sandbox.redis_server import RedisServer
from sandbox.slack.driver import message_text
from tests.conftest import FAST_SETTINGS, NORTHWIND_POLICY
from tests.e2e.helpers import ask, bot_replies, is_card, start_thread
from tests.e2e.test_llm_path import ANSWER, CHAT, REQUEST, chat_requests
from tests.flow import Flow, running_flow
from understanding.llm import USER_MESSAGES


@pytest.fixture
def llm_flow(sandbox: Sandbox, redis_server: RedisServer, redis_db: redis.Redis) -> Iterator[Flow]:
    model = {name.lower(): value for name, value in sandbox.openai.environment().items()}
    with running_flow(sandbox, redis_server.url, policy=NORTHWIND_POLICY, **FAST_SETTINGS, **model) as flow:
        yield flow


def test_a_refusal_becomes_an_honest_reply_and_no_card(llm_flow: Flow, sandbox: Sandbox) -> None:
    sandbox.openai.respond("could Alice own a PAY item", refusal="I'm sorry, I can't help with that.")
    thread_ts = start_thread(sandbox)

    ask(sandbox, thread_ts, REQUEST)
    llm_flow.settle()
    reply = sandbox.slack.driver.wait_for_bot_message(channel="#support", thread_ts=thread_ts, timeout=15)

    assert message_text(reply) == f"<@U0DANA001> {USER_MESSAGES['refused']}"
    assert len(chat_requests(sandbox)) == 1, "a refusal is not retried"
    assert not [m for m in sandbox.slack.driver.thread("#support", thread_ts) if is_card(m)]
    assert len(sandbox.jira.issues()) == 16


def test_a_rate_limit_longer_than_the_budget_is_said_at_once_and_never_retried(
    llm_flow: Flow, sandbox: Sandbox
) -> None:
    sandbox.openai.respond("could Alice own a PAY item", content=ANSWER)
    sandbox.openai.inject(CHAT, status=429, retry_after=120, count=None)
    thread_ts = start_thread(sandbox)

    ask(sandbox, thread_ts, REQUEST)
    llm_flow.settle()
    reply = sandbox.slack.driver.wait_for_bot_message(channel="#support", thread_ts=thread_ts, timeout=15)

    assert message_text(reply) == f"<@U0DANA001> {USER_MESSAGES['rate_limited']}"
    assert [r.status for r in chat_requests(sandbox)] == [429]
    assert len(bot_replies(sandbox, thread_ts)) == 1
    assert not [m for m in sandbox.slack.driver.thread("#support", thread_ts) if is_card(m)]
