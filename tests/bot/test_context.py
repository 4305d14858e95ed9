"""Reading threads and channels for the extractor and the policy (bot.context), against the sandbox's Slack."""

from __future__ import annotations

import time

from slack_sdk import WebClient

from bot.context import SlackThreadReader
from sandbox.harness import Sandbox


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_workers_warming_lists_the_channels_once_per_interval_not_every_pass(sandbox: Sandbox) -> None:
    env = sandbox.slack.environment()
    clock = Clock()
    reader = SlackThreadReader(WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"]), clock=clock)
    started = time.time()

    for _ in range(5):  # a worker's maintenance passes, a few seconds apart
        reader.warm()
        clock.now += 5
    assert sandbox.slack.driver.api_calls(since=started).get("conversations.list") == 1

    clock.now += SlackThreadReader.LIST_EVERY
    reader.warm()
    assert sandbox.slack.driver.api_calls(since=started).get("conversations.list") == 2


def test_channel_names_come_from_the_warmed_list_without_a_call(sandbox: Sandbox) -> None:
    env = sandbox.slack.environment()
    reader = SlackThreadReader(WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"]))
    reader.warm()
    listed = reader.client.conversations_list(types="public_channel")["channels"]
    support = next(c for c in listed if c["name"] == "support")
    started = time.time()

    assert reader.channel_names(support["id"]) == ("support", support["id"])
    assert "conversations.info" not in sandbox.slack.driver.api_calls(since=started)
