"""For comparison only: a plain Bolt app that does the slow work inline in its listeners (what not to do).

It answers a mention by sleeping ``INLINE_DELAY`` seconds (the stand-in for reading the thread and calling a
model), then posts a card with an Approve button; a click acks and updates the card. Same Socket Mode handler,
same sandbox, default Bolt settings.
"""

from __future__ import annotations

import os
import time
from typing import Any

from slack_bolt import Ack, App, Say
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient


def main() -> None:
    delay = float(os.environ.get("INLINE_DELAY", "2"))
    app = App(client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]))

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], say: Say) -> None:
        time.sleep(delay)
        say(
            thread_ts=event.get("thread_ts") or event["ts"],
            text="card",
            blocks=[
                {"type": "section", "text": {"type": "mrkdwn", "text": "inline card `ft-inline0`"}},
                {
                    "type": "actions",
                    "elements": [
                        {"type": "button", "action_id": "ft_approve", "text": {"type": "plain_text", "text": "Approve"}}
                    ],
                },
            ],
        )

    @app.event("message")
    def on_message() -> None:
        pass

    @app.action("ft_approve")
    def on_click(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        time.sleep(delay)  # the approval's slow part, also inline
        client.chat_update(
            channel=body["container"]["channel_id"], ts=body["container"]["message_ts"], text="approved", blocks=[]
        )

    SocketModeHandler(app, os.environ["SLACK_APP_TOKEN"]).start()


if __name__ == "__main__":
    main()
