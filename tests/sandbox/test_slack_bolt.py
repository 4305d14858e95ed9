"""End to end: a real slack-bolt app in Socket Mode against the Slack emulator, driven by the emulator's humans."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.slack import DriverError, SlackEmulator
from sandbox.slack.bolt_session import BoltSession

BOT = "U0BOT0001"


def approval_card(request_id: str) -> list[dict[str, Any]]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"Approve *{request_id}*?"}},
        {
            "type": "actions",
            "block_id": "decide",
            "elements": [
                {
                    "type": "button",
                    "action_id": "approve",
                    "style": "primary",
                    "value": request_id,
                    "text": {"type": "plain_text", "text": "Approve"},
                },
                {
                    "type": "button",
                    "action_id": "ask_reason",
                    "value": request_id,
                    "text": {"type": "plain_text", "text": "Reject…"},
                },
                {
                    "type": "static_select",
                    "action_id": "priority",
                    "placeholder": {"type": "plain_text", "text": "Priority"},
                    "options": [
                        {"text": {"type": "plain_text", "text": p}, "value": p.lower()} for p in ("High", "Low")
                    ],
                },
            ],
        },
    ]


REASON_MODAL = {
    "type": "modal",
    "callback_id": "reject_reason",
    "title": {"type": "plain_text", "text": "Reject"},
    "submit": {"type": "plain_text", "text": "Reject"},
    "notify_on_close": True,
    "blocks": [
        {
            "type": "input",
            "block_id": "reason",
            "label": {"type": "plain_text", "text": "Why?"},
            "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
        },
        {
            "type": "input",
            "block_id": "when",
            "optional": True,
            "label": {"type": "plain_text", "text": "Revisit on"},
            "element": {"type": "datepicker", "action_id": "date"},
        },
    ],
}


@pytest.fixture
def session(slack: SlackEmulator) -> Iterator[BoltSession]:
    bolt = BoltSession(slack)
    yield bolt
    bolt.close()


def ack_other_messages(session: BoltSession) -> None:
    """Register last: Bolt runs the first matching listener, and an unhandled event is never acked
    (bolt-python#1249), so every subscribed event type needs a catch-all."""
    session.app.event("message")(lambda: None)


def all_acked(slack: SlackEmulator) -> bool:
    return all(d.acked for d in slack.socket.deliveries())


# ---------------------------------------------------------------------- the Done-when flow


def test_mention_card_click_and_update_round_trip(slack: SlackEmulator, session: BoltSession) -> None:
    app = session.app

    @app.event("app_mention")
    def on_mention(event: dict, say) -> None:
        say(text="Approval needed", blocks=approval_card("PAY-12"), thread_ts=event["ts"])

    @app.action("approve")
    def on_approve(ack, body: dict, client) -> None:
        ack()
        client.chat_update(
            channel=body["channel"]["id"],
            ts=body["message"]["ts"],
            text=f"Approved by <@{body['user']['id']}> ({body['actions'][0]['value']})",
            blocks=[],
        )

    ack_other_messages(session)
    with session:
        mention = slack.driver.post_message("dana", "#support", "@followthrough please approve PAY-12")
        card = slack.driver.wait_for_bot_message(channel="#support", thread_ts=mention["ts"], contains="Approve")
        result = slack.driver.click("hank", "#support", card["ts"], "approve")
        assert (result.delivered, result.acked, result.error) == (True, True, None)
        updated = slack.driver.wait_for_message(
            lambda m: m["ts"] == card["ts"] and m["text"].startswith("Approved"), timeout=5
        )
        slack.socket.wait_for(lambda: all_acked(slack), timeout=5)
    assert updated["text"] == "Approved by <@U0HANK001> (PAY-12)"
    assert "blocks" not in updated and updated["thread_ts"] == mention["ts"]
    assert [m["ts"] for m in slack.driver.thread("#support", mention["ts"])] == [mention["ts"], card["ts"]]
    kinds = [(d.payload_type, d.payload.get("event", {}).get("subtype")) for d in slack.socket.deliveries()]
    assert kinds == [
        ("message", None),  # Dana's mention, as message.channels
        ("app_mention", None),
        ("message", None),  # the card, echoed with the bot's identity (dropped by IgnoringSelfEvents)
        ("block_actions", None),
        ("message", "message_changed"),
    ]


def test_the_click_payload_is_built_from_the_stored_message(slack: SlackEmulator, session: BoltSession) -> None:
    bodies: list[dict] = []

    @session.app.action("approve")
    def on_approve(ack, body: dict) -> None:
        ack()
        bodies.append(body)

    session.app.action("priority")(lambda ack: ack())
    ack_other_messages(session)
    with session:
        posted = session.app.client.chat_postMessage(channel="C0SUPPORT", text="card", blocks=approval_card("R-1"))
        assert slack.driver.select("hank", "#support", posted["ts"], "priority", "high").acked
        assert slack.driver.click("hank", "#support", posted["ts"], "approve").acked
    body = bodies[0]
    assert body["message"] == {
        k: v for k, v in slack.driver.message("C0SUPPORT", posted["ts"]).items() if k != "channel"
    }
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": "C0SUPPORT",
        "is_ephemeral": False,
    }
    assert body["actions"][0]["value"] == "R-1" and body["actions"][0]["style"] == "primary"
    assert body["state"]["values"]["decide"]["priority"]["selected_option"]["value"] == "high"
    assert body["response_url"].startswith(slack.base_url) and body["trigger_id"]


# ---------------------------------------------------------------------- events


def test_a_mention_produces_both_message_and_app_mention(slack: SlackEmulator, session: BoltSession) -> None:
    got: dict[str, dict] = {}
    both = threading.Event()

    @session.app.event("app_mention")
    def on_mention(event: dict) -> None:
        got["app_mention"] = event
        both.set()

    ack_other_messages(session)
    with session:
        posted = slack.driver.post_message("dana", "#support", "@followthrough hi")
        assert both.wait(5)
        slack.socket.wait_for(lambda: all_acked(slack), timeout=5)
    mention = got["app_mention"]
    assert mention["ts"] == posted["ts"] and mention["text"] == "<@U0BOT0001> hi"
    assert mention["blocks"][0]["elements"][0]["elements"][0] == {"type": "user", "user_id": BOT}
    events = [d.payload for d in slack.socket.deliveries()]
    assert [e["event"]["type"] for e in events] == ["message", "app_mention"]
    assert events[0]["event_id"] != events[1]["event_id"]


def test_dm_gives_message_im_only_and_non_member_channels_give_nothing(
    slack: SlackEmulator, session: BoltSession
) -> None:
    ack_other_messages(session)
    with session:
        slack.driver.post_message("dana", slack.driver.dm_channel("dana"), "@followthrough hello in private")
        slack.driver.post_message("dana", "#random", "@followthrough the bot is not here")
        slack.socket.wait_for(lambda: slack.socket.deliveries() and all_acked(slack), timeout=5)
    events = [d.payload["event"] for d in slack.socket.deliveries()]
    assert [(e["type"], e["channel_type"]) for e in events] == [("message", "im")]


def test_bot_messages_come_back_with_the_bot_identity_and_bolt_ignores_them(
    slack: SlackEmulator, session: BoltSession
) -> None:
    authors: list[str] = []
    dana_seen = threading.Event()

    @session.app.message("")
    def on_message(message: dict) -> None:
        authors.append(message["user"])
        dana_seen.set()

    ack_other_messages(session)
    with session:
        session.app.client.chat_postMessage(channel="C0SUPPORT", text="from the bot")
        slack.driver.post_message("dana", "#support", "from dana")
        slack.socket.wait_for(lambda: len(slack.socket.deliveries()) == 2 and all_acked(slack), timeout=5)
        assert dana_seen.wait(5)
    echo = slack.socket.deliveries()[0].payload["event"]
    assert (echo["user"], echo["bot_id"], echo["app_id"]) == (BOT, "B0BOT0001", slack.seed.slack.app_id)
    assert authors == ["U0DANA001"]


def test_reactions_and_deletes_reach_the_app_when_subscribed(slack: SlackEmulator, session: BoltSession) -> None:
    slack.subscribe({"message.channels", "reaction_added"})
    session.app.event("reaction_added")(lambda: None)
    ack_other_messages(session)
    with session:
        ts = session.app.client.chat_postMessage(channel="C0SUPPORT", text="react")["ts"]
        slack.driver.add_reaction("dana", "#support", ts, ":tada:")
        session.app.client.chat_delete(channel="C0SUPPORT", ts=ts)
        slack.socket.wait_for(lambda: len(slack.socket.deliveries()) == 3 and all_acked(slack), timeout=5)
    events = [d.payload["event"] for d in slack.socket.deliveries()]
    assert events[1]["type"] == "reaction_added" and events[1]["reaction"] == "tada"
    assert events[1]["item"] == {"type": "message", "channel": "C0SUPPORT", "ts": ts}
    assert events[2]["subtype"] == "message_deleted" and events[2]["deleted_ts"] == ts


# ---------------------------------------------------------------------- the driver refuses what a human cannot do


def test_a_click_on_a_button_that_does_not_exist_is_refused(slack: SlackEmulator, session: BoltSession) -> None:
    ack_other_messages(session)
    with session:
        ts = session.app.client.chat_postMessage(channel="C0SUPPORT", text="c", blocks=approval_card("R-2"))["ts"]
        with pytest.raises(DriverError, match=r"no element reject .*present: approve \(button\), ask_reason"):
            slack.driver.click("hank", "#support", ts, "reject")
        with pytest.raises(DriverError, match="is a static_select, not a button"):
            slack.driver.click("hank", "#support", ts, "priority")
        with pytest.raises(DriverError, match="not a member of #support"):
            slack.driver.click("erin", "#support", ts, "approve")
        with pytest.raises(DriverError, match="'urgent' is not an option"):
            slack.driver.select("hank", "#support", ts, "priority", "urgent")
    assert [d.payload_type for d in slack.socket.deliveries()] == ["message"]


def test_ephemeral_buttons_are_clickable_by_their_user_only(slack: SlackEmulator, session: BoltSession) -> None:
    bodies: list[dict] = []

    @session.app.action("approve")
    def on_approve(ack, body: dict, respond) -> None:
        ack()
        bodies.append(body)
        respond(text="Done", replace_original=True)

    ack_other_messages(session)
    with session:
        ts = session.app.client.chat_postEphemeral(
            channel="C0SUPPORT", user="U0DANA001", text="only you", blocks=approval_card("R-3")
        )["message_ts"]
        with pytest.raises(DriverError, match="shown to U0DANA001 only"):
            slack.driver.click("hank", "#support", ts, "approve")
        assert slack.driver.click("dana", "#support", ts, "approve").acked
        replaced = slack.driver.wait_for_ephemeral("dana", lambda m: m["text"] == "Done")
    assert bodies[0]["container"]["is_ephemeral"] is True and "message" not in bodies[0]
    assert "blocks" not in replaced["message"]


# ---------------------------------------------------------------------- commands, respond(), shortcuts


def test_slash_command_ack_text_is_shown_as_an_ephemeral(slack: SlackEmulator, session: BoltSession) -> None:
    @session.app.command("/followthrough")
    def on_command(ack, command: dict, respond) -> None:
        ack(f"Looking up {command['text']}…")
        respond(text=f"<@{command['user_id']}> asked for {command['text']}", response_type="in_channel")

    ack_other_messages(session)
    with session:
        result = slack.driver.slash_command("dana", "#support", "/followthrough", "PAY-12")
        posted = slack.driver.wait_for_bot_message(channel="#support", contains="asked for PAY-12")
        slack.socket.wait_for(lambda: all_acked(slack), timeout=5)
    assert result.acked and result.ack_payload == {"text": "Looking up PAY-12…"}
    assert [e["message"]["text"] for e in slack.driver.ephemerals("dana")] == ["Looking up PAY-12…"]
    assert slack.driver.ephemerals("hank") == []
    assert posted["text"] == "<@U0DANA001> asked for PAY-12"
    command = slack.socket.deliveries()[0]
    assert command.type == "slash_commands" and command.envelope()["accepts_response_payload"] is True
    assert all(isinstance(v, str) for v in command.payload.values())


def test_a_command_nobody_acks_is_reported_to_the_user(slack: SlackEmulator, session: BoltSession) -> None:
    slack.driver.configure(ack_timeout=0.3)
    ack_other_messages(session)
    with session:
        result = slack.driver.slash_command("dana", "#support", "/unknown")
    assert (result.delivered, result.acked, result.error) == (True, False, "operation_timeout")
    assert slack.driver.notices("dana")[0]["text"] == '/unknown failed with the error "operation_timeout"'


def test_shortcuts_open_modals_with_their_trigger(slack: SlackEmulator, session: BoltSession) -> None:
    seen: list[dict] = []

    @session.app.shortcut("summarize")
    def on_message_shortcut(ack, shortcut: dict, client) -> None:
        ack()
        seen.append(shortcut)
        client.views_open(trigger_id=shortcut["trigger_id"], view=REASON_MODAL)

    @session.app.shortcut("new_request")
    def on_global_shortcut(ack, shortcut: dict) -> None:
        ack()
        seen.append(shortcut)

    ack_other_messages(session)
    with session:
        ts = slack.driver.post_message("dana", "#support", "the checkout is broken")["ts"]
        assert slack.driver.message_shortcut("hank", "#support", ts, "summarize").acked
        assert slack.driver.global_shortcut("grace", "new_request").acked
    assert seen[0]["type"] == "message_action" and seen[0]["message"]["text"] == "the checkout is broken"
    assert seen[1]["type"] == "shortcut" and seen[1]["user"]["id"] == "U0GRACE01"
    assert [v["callback_id"] for v in slack.driver.open_views("hank")] == ["reject_reason"]


# ---------------------------------------------------------------------- modals


def test_modal_submission_with_errors_keeps_the_modal_open(slack: SlackEmulator, session: BoltSession) -> None:
    submitted: list[dict] = []

    @session.app.action("ask_reason")
    def on_reject(ack, body: dict, client) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=REASON_MODAL)

    @session.app.view("reject_reason")
    def on_submit(ack, view: dict) -> None:
        submitted.append(view["state"]["values"])
        reason = view["state"]["values"]["reason"]["text"]["value"]
        if len(reason) < 10:
            ack(response_action="errors", errors={"reason": "Say a bit more"})
        else:
            ack()

    ack_other_messages(session)
    with session:
        ts = session.app.client.chat_postMessage(channel="C0SUPPORT", text="c", blocks=approval_card("R-4"))["ts"]
        slack.driver.click("hank", "#support", ts, "ask_reason")
        modal = slack.driver.wait_until(lambda: slack.driver.open_views("hank"), timeout=5)[-1]
        empty = slack.driver.submit_view("hank", modal["id"], {})
        assert empty.errors == {"reason": "This field is required."} and not empty.delivered
        short = slack.driver.submit_view("hank", modal["id"], {"reason": "nope", "when": {"date": "2026-12-01"}})
        assert short.acked and short.response_action == "errors" and short.errors == {"reason": "Say a bit more"}
        assert short.view is not None and short.view["id"] == modal["id"]
        done = slack.driver.submit_view("hank", modal["id"], {"reason": "Duplicate of PAY-7"})
    assert done.ok and done.view is None and slack.driver.open_views("hank") == []
    assert len(submitted) == 2, "the empty submission never left the client"
    assert submitted[0] == {
        "reason": {"text": {"type": "plain_text_input", "value": "nope"}},
        "when": {"date": {"type": "datepicker", "selected_date": "2026-12-01"}},
    }
    assert submitted[1]["reason"]["text"]["value"] == "Duplicate of PAY-7"
    with pytest.raises(DriverError, match="no open view"):
        slack.driver.submit_view("hank", modal["id"], {})


def test_response_actions_update_push_and_clear(slack: SlackEmulator, session: BoltSession) -> None:
    steps = iter(["update", "push", "clear"])

    @session.app.view("reject_reason")
    def on_submit(ack) -> None:
        action = next(steps)
        if action == "clear":
            ack(response_action="clear")
        else:
            ack(response_action=action, view={**REASON_MODAL, "title": {"type": "plain_text", "text": action}})

    ack_other_messages(session)
    with session:
        modal = session.app.client.views_open(trigger_id=slack.workspace.new_trigger("U0HANK001"), view=REASON_MODAL)[
            "view"
        ]
        updated = slack.driver.submit_view("hank", modal["id"], {"reason": "first"})
        assert updated.view["id"] == modal["id"] and updated.view["title"]["text"] == "update"
        pushed = slack.driver.submit_view("hank", modal["id"], {"reason": "second"})
        assert pushed.view["previous_view_id"] == modal["id"] and len(slack.driver.open_views("hank")) == 2
        cleared = slack.driver.submit_view("hank", pushed.view["id"], {"reason": "third"})
    assert cleared.view is None and slack.driver.open_views("hank") == []


def test_closing_a_modal_sends_view_closed_when_asked(slack: SlackEmulator, session: BoltSession) -> None:
    closed: list[dict] = []

    @session.app.view_closed("reject_reason")
    def on_closed(ack, body: dict) -> None:
        ack()
        closed.append(body)

    ack_other_messages(session)
    with session:
        modal = session.app.client.views_open(trigger_id=slack.workspace.new_trigger("U0HANK001"), view=REASON_MODAL)[
            "view"
        ]
        slack.driver.select_in_view("hank", modal["id"], "text", "typed but not sent")
        assert slack.driver.close_view("hank", modal["id"]).acked
    assert closed[0]["type"] == "view_closed" and closed[0]["is_cleared"] is False
    assert closed[0]["view"]["state"]["values"]["reason"]["text"]["value"] == "typed but not sent"


def test_app_home_opened_and_published(slack: SlackEmulator, session: BoltSession) -> None:
    @session.app.event("app_home_opened")
    def on_home(event: dict, client) -> None:
        client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn", "text": "Your requests"}},
                    {
                        "type": "actions",
                        "elements": [
                            {
                                "type": "button",
                                "action_id": "refresh",
                                "text": {"type": "plain_text", "text": "Refresh"},
                            }
                        ],
                    },
                ],
            },
        )

    clicked = threading.Event()

    @session.app.action("refresh")
    def on_refresh(ack, body: dict) -> None:
        ack()
        if body["container"]["type"] == "view" and body["view"]["type"] == "home":
            clicked.set()

    ack_other_messages(session)
    with session:
        assert slack.driver.open_app_home("dana") is None
        home = slack.driver.wait_until(lambda: slack.driver.home_view("dana"), timeout=5)
        assert slack.driver.click_in_view("dana", home["id"], "refresh").acked
    assert clicked.is_set()
    opened = slack.socket.deliveries()[0].payload["event"]
    assert opened["channel"] == slack.driver.dm_channel("dana") and opened["tab"] == "home"
