"""Reading a thread for the extractor: conversations.replies, trimmed, with names and links made readable.

Thread text is untrusted data. This module only reads and trims it; it never interprets it. The newest messages
and the request itself are kept when a long thread has to be cut down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from approvals.core.ports import ThreadMessage
from bot.directory import TTLCache
from bot.text import to_plain

logger = logging.getLogger(__name__)

MAX_THREAD_MESSAGES = 60


def trim_thread(messages: Sequence[ThreadMessage], *, keep: int = MAX_THREAD_MESSAGES) -> list[ThreadMessage]:
    """The thread's first message (what it is about) and the newest ``keep - 1`` after it."""
    if len(messages) <= keep:
        return list(messages)
    return [messages[0], *messages[-(keep - 1) :]]


class SlackThreadReader:
    """Implements ``approvals.core.ports.ThreadReader``."""

    LIST_EVERY = 240.0
    """The channel list is read again at most this often (a worker's maintenance pass comes every few seconds; a
    large workspace's list is many pages of a Tier 2 method). A channel created meanwhile is looked up on its own."""

    def __init__(self, client: WebClient, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self._channels: TTLCache[str, tuple[str, ...]] = TTLCache(300.0)
        self._bot_user_id: str | None = None
        self._clock = clock
        self._listed_at: float | None = None

    def bot_user_id(self) -> str:
        """This bot's own user id (auth.test, asked once per process)."""
        if self._bot_user_id is None:
            self._bot_user_id = str(self.client.auth_test()["user_id"])
        return self._bot_user_id

    def warm(self) -> None:
        """Cache the name of every channel the bot can see, and the bot's own id, so forked jobs need no
        conversations.info or auth.test. The list is read at most once per ``LIST_EVERY`` seconds."""
        self.bot_user_id()
        if self._listed_at is not None and self._clock() - self._listed_at < self.LIST_EVERY:
            return
        cursor = None
        while True:
            page = self.client.conversations_list(types="public_channel,private_channel", limit=200, cursor=cursor)
            for channel in page.get("channels", []):
                names = (channel["name"], channel["id"]) if channel.get("name") else (channel["id"],)
                self._channels.get_or_load(channel["id"], lambda names=names: names)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                self._listed_at = self._clock()
                return

    def read_thread(self, channel: str, thread_ts: str) -> Sequence[ThreadMessage]:
        messages: list[ThreadMessage] = []
        cursor = None
        mention = f"<@{self.bot_user_id()}"
        in_dm = channel.startswith("D")  # a direct message with the app: everything said there is said to it
        while True:
            page = self.client.conversations_replies(channel=channel, ts=thread_ts, limit=200, cursor=cursor)
            for message in page.get("messages", []):
                raw = message.get("text") or ""
                is_bot = bool(message.get("bot_id")) or message.get("subtype") == "bot_message"
                messages.append(
                    ThreadMessage(
                        user=message.get("user"),
                        text=to_plain(raw),
                        ts=message["ts"],
                        is_bot=is_bot,
                        to_bot=not is_bot and (in_dm or mention in raw),
                    )
                )
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                break
        return trim_thread(messages)

    def permalink(self, channel: str, ts: str) -> str | None:
        try:
            return str(self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
        except SlackApiError as exc:
            logger.warning("no permalink for %s/%s: %s", channel, ts, exc.response.get("error"))
            return None

    def channel_names(self, channel: str) -> Sequence[str]:
        """The channel's name and id, for policy conditions like ``channel in [#sales]``."""

        def load() -> tuple[str, ...]:
            try:
                info = self.client.conversations_info(channel=channel)["channel"]
            except SlackApiError:
                return (channel,)
            name = info.get("name")
            return (name, channel) if name else (channel,)

        return self._channels.get_or_load(channel, load)
