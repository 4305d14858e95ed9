"""The sandbox page renders Block Kit and sends what a person does to the app as Slack would.

Messages are posted by the bot with the real ``WebClient`` (so they pass the emulator's Block Kit validation); the
app on the other side is a real slack-bolt app on Socket Mode (``BoltSession``) that records what reached it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from sandbox.harness import Sandbox
from sandbox.processes import wait_until
from sandbox.slack.bolt_session import BoltSession

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails) with the reason
    expect = None

pytestmark = pytest.mark.browser


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def option(text: str, value: str, description: str | None = None) -> dict[str, Any]:
    made = {"text": plain(text), "value": value}
    if description is not None:
        made["description"] = plain(description)
    return made


def everything(icon_url: str) -> list[dict[str, Any]]:
    """One message with every block and element the bot uses or may soon use, and one the page cannot show."""
    return [
        {"type": "header", "text": plain("Release checklist")},
        {
            "type": "section",
            "block_id": "intro",
            "text": mrkdwn(
                "*bold* _italic_ ~struck~ `inline code` <https://example.com/docs|the docs> "
                "<@U0ALICE01> <#C0SUPPORT|support> <!subteam^S0ENGLEAD|@eng-leads> <!here> "
                ":white_check_mark: :no_such_emoji: &lt;img src=x onerror=alert(1)&gt;\n"
                "&gt; a quoted line\n```a code block```"
            ),
            "accessory": {"type": "button", "action_id": "open_form", "value": "form", "text": plain("Open form")},
        },
        {
            "type": "section",
            "block_id": "facts",
            "fields": [mrkdwn("*Priority*\nHigh"), plain("Due Friday")],
            "accessory": {
                "type": "static_select",
                "action_id": "priority",
                "placeholder": plain("Priority"),
                "options": [option("High", "high"), option("Low", "low")],
            },
        },
        {
            "type": "section",
            "block_id": "more",
            "text": plain("More options"),
            "accessory": {
                "type": "overflow",
                "action_id": "more",
                "options": [option("Snooze", "snooze"), option("Archive", "archive")],
            },
        },
        {
            "type": "section",
            "block_id": "when",
            "text": mrkdwn("*Due date*"),
            "accessory": {"type": "datepicker", "action_id": "due", "initial_date": "2026-12-01"},
        },
        {
            "type": "section",
            "block_id": "who",
            "text": mrkdwn("*Owner*"),
            "accessory": {"type": "users_select", "action_id": "owner", "placeholder": plain("Pick someone")},
        },
        {
            "type": "section",
            "block_id": "logo",
            "text": plain("With a picture"),
            "accessory": {"type": "image", "image_url": icon_url, "alt_text": "the Followthrough logo"},
        },
        {"type": "divider"},
        {"type": "image", "image_url": icon_url, "alt_text": "a burndown chart", "title": plain("Burndown")},
        {
            "type": "context",
            "elements": [
                {"type": "image", "image_url": icon_url, "alt_text": "app icon"},
                mrkdwn("Requested by <@U0DANA001> · `ft-abc12345`"),
            ],
        },
        {
            "type": "actions",
            "block_id": "decide",
            "elements": [
                {"type": "button", "action_id": "approve", "style": "primary", "value": "a", "text": plain("Approve")},
                {
                    "type": "button",
                    "action_id": "reject",
                    "style": "danger",
                    "value": "r",
                    "text": plain("Reject"),
                    "confirm": {
                        "title": plain("Reject this request?"),
                        "text": mrkdwn("Nothing will be changed in *Jira*."),
                        "confirm": plain("Reject it"),
                        "deny": plain("Not now"),
                        "style": "danger",
                    },
                },
                {"type": "button", "action_id": "slow", "value": "s", "text": plain("Slow")},
            ],
        },
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "rich "},
                        {"type": "text", "text": "strong", "style": {"bold": True}},
                        {"type": "text", "text": " for "},
                        {"type": "user", "user_id": "U0BOB0001"},
                        {"type": "emoji", "name": "tada"},
                    ],
                },
                {
                    "type": "rich_text_list",
                    "style": "bullet",
                    "elements": [
                        {"type": "rich_text_section", "elements": [{"type": "text", "text": "first point"}]},
                        {"type": "rich_text_section", "elements": [{"type": "text", "text": "second point"}]},
                    ],
                },
                {"type": "rich_text_quote", "elements": [{"type": "text", "text": "quoted in rich text"}]},
                {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "preformatted"}]},
            ],
        },
        {
            "type": "video",
            "alt_text": "demo video",
            "title": plain("Demo"),
            "video_url": "https://example.com/demo",
            "thumbnail_url": "https://example.com/demo.png",
        },
    ]


FORM = {
    "type": "modal",
    "callback_id": "form",
    "title": plain("New request"),
    "submit": plain("Send"),
    "close": plain("Cancel"),
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": plain("Title"),
            "element": {"type": "plain_text_input", "action_id": "title_input"},
        },
        {
            "type": "input",
            "block_id": "details",
            "optional": True,
            "label": plain("Details"),
            "hint": plain("What did you see?"),
            "element": {"type": "plain_text_input", "action_id": "details_input", "multiline": True},
        },
        {
            "type": "input",
            "block_id": "priority",
            "label": plain("Priority"),
            "element": {
                "type": "static_select",
                "action_id": "priority_input",
                "options": [option("High", "high"), option("Low", "low")],
            },
        },
        {
            "type": "input",
            "block_id": "due",
            "label": plain("Due"),
            "element": {"type": "datepicker", "action_id": "due_input"},
        },
        {
            "type": "input",
            "block_id": "owner",
            "label": plain("Owner"),
            "element": {"type": "users_select", "action_id": "owner_input"},
        },
        {
            "type": "input",
            "block_id": "notify",
            "optional": True,
            "label": plain("Notify"),
            "element": {
                "type": "checkboxes",
                "action_id": "notify_input",
                "options": [option("Support", "support"), option("Sales", "sales")],
            },
        },
    ],
}


class RecordingApp:
    """A Bolt app that records every interaction it got, opens FORM, and refuses a title containing 'bad'."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.session = BoltSession(sandbox.slack)
        self.got: list[dict[str, Any]] = []
        app = self.session.app

        @app.action("open_form")
        def open_form(ack: Any, body: dict[str, Any], client: WebClient) -> None:
            ack()
            self.got.append(body)
            client.views_open(trigger_id=body["trigger_id"], view=FORM)

        @app.action("slow")
        def slow(ack: Any, body: dict[str, Any]) -> None:
            time.sleep(1.0)  # longer than the ack timeout the test sets: Slack gives up first
            ack()

        for action_id in ("priority", "more", "approve", "reject", "due", "owner", "home_refresh", "pick", "picks"):

            @app.action(action_id)
            def record(ack: Any, body: dict[str, Any]) -> None:
                ack()
                self.got.append(body)

        @app.view("form")
        def submitted(ack: Any, body: dict[str, Any], client: WebClient) -> None:
            values = body["view"]["state"]["values"]
            if "bad" in values["title"]["title_input"]["value"]:
                ack(response_action="errors", errors={"title": "Say what is broken, not that it is bad"})
                return
            ack()
            self.got.append(body)
            client.chat_postEphemeral(channel="C0SUPPORT", user=body["user"]["id"], text="Got your request.")

        @app.event("app_home_opened")
        def home(event: dict[str, Any], client: WebClient) -> None:
            client.views_publish(
                user_id=event["user"],
                view={
                    "type": "home",
                    "blocks": [
                        {"type": "header", "text": plain("Your requests")},
                        {"type": "section", "text": mrkdwn(f"Nothing waits for <@{event['user']}>.")},
                        {
                            "type": "actions",
                            "block_id": "home_actions",
                            "elements": [
                                {"type": "button", "action_id": "home_refresh", "text": plain("Refresh")},
                            ],
                        },
                    ],
                },
            )

        @app.command("/followthrough")
        def command(ack: Any, body: dict[str, Any]) -> None:
            ack(text=f"You asked for: {body['text']}")

    def actions(self, action_id: str) -> list[dict[str, Any]]:
        return [
            action
            for body in self.got
            if body.get("type") == "block_actions"
            for action in body["actions"]
            if action["action_id"] == action_id
        ]


@pytest.fixture
def app(sandbox: Sandbox) -> Iterator[RecordingApp]:
    recording = RecordingApp(sandbox)
    with recording.session:
        yield recording


@pytest.fixture
def bot(sandbox: Sandbox) -> WebClient:
    env = sandbox.slack.environment()
    return WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])


def open_support_as(page: Any, sandbox: Sandbox, person: str) -> None:
    page.goto(f"{sandbox.console.url}#as={person}&c=C0SUPPORT")
    expect(page.locator("#channel-header h1")).to_have_text("#support")
    expect(page.get_by_label("You are")).to_have_value(person)


def post_everything(sandbox: Sandbox, bot: WebClient) -> str:
    posted = bot.chat_postMessage(
        channel="C0SUPPORT", text="Release checklist", blocks=everything(sandbox.console.url + "static/icon.svg")
    )
    return str(posted["ts"])


def test_every_block_kit_part_renders_and_an_unknown_one_shows_a_placeholder(
    sandbox: Sandbox, bot: WebClient, page: Any
) -> None:
    ts = post_everything(sandbox, bot)
    open_support_as(page, sandbox, "dana")
    message = page.locator(f'[data-testid="message"][data-ts="{ts}"]')
    expect(message.locator(".msg-author")).to_have_text("Followthrough")

    intro = message.locator('[data-block-id="intro"]')
    expect(intro.locator("b.bold")).to_have_text("bold")
    expect(intro.locator("i.italic")).to_have_text("italic")
    expect(intro.locator("s.strike")).to_have_text("struck")
    expect(intro.locator("code.code")).to_have_text("inline code")
    expect(intro.get_by_role("link", name="the docs")).to_have_attribute("href", "https://example.com/docs")
    expect(intro.locator(".mention")).to_have_text(["@Alice Chen", "#support", "@eng-leads", "@here"])
    expect(intro).to_contain_text("✅ :no_such_emoji:")
    expect(intro).to_contain_text("<img src=x onerror=alert(1)>")  # shown as text, never parsed
    expect(intro.locator("img")).to_have_count(0)
    expect(intro.locator("blockquote")).to_have_text("a quoted line")
    expect(intro.locator("pre")).to_have_text("a code block")
    expect(intro.get_by_role("button", name="Open form")).to_be_visible()

    facts = message.locator('[data-block-id="facts"]')
    expect(facts.locator(".bk-field")).to_have_text(["Priority\nHigh", "Due Friday"])
    expect(facts.get_by_role("button", name="Priority")).to_be_visible()  # a static select, showing its placeholder
    expect(facts.get_by_role("option", include_hidden=True)).to_have_text(["High", "Low"])
    expect(message.locator('[data-block-id="more"]').get_by_role("button", name="More options")).to_be_visible()
    expect(message.locator('[data-block-id="when"] input[type="date"]')).to_have_value("2026-12-01")
    expect(message.locator('[data-block-id="who"] select')).to_contain_text("Bob Okafor")
    expect(message.get_by_role("img", name="the Followthrough logo")).to_be_visible()
    expect(message.locator('[data-block-type="divider"] hr')).to_have_count(1)
    expect(message.locator("figure")).to_contain_text("Burndown")
    expect(message.get_by_role("img", name="a burndown chart")).to_be_visible()
    context = message.locator('[data-block-type="context"]')
    expect(context).to_contain_text("Requested by @Dana Reyes · ft-abc12345")
    expect(context.get_by_role("img", name="app icon")).to_be_visible()
    expect(message.get_by_role("button", name="Approve")).to_have_class("bk-button bk-primary")
    expect(message.get_by_role("button", name="Reject")).to_have_class("bk-button bk-danger")

    rich = message.locator('[data-block-type="rich_text"]')
    expect(rich.locator("b")).to_have_text("strong")
    expect(rich.locator(".mention")).to_have_text("@Bob Okafor")
    expect(rich).to_contain_text("🎉")
    expect(rich.locator("li")).to_have_text(["first point", "second point"])
    expect(rich.locator("blockquote")).to_have_text("quoted in rich text")
    expect(rich.locator("pre")).to_have_text("preformatted")

    expect(message.locator(".bk-unsupported")).to_have_text(["[unsupported block: video]"])

    # Parts Slack may add later: the renderer shows a placeholder for any type it does not know.
    shown = page.evaluate(
        """async () => {
            const { renderBlocks } = await import("/static/blockkit.js");
            const node = renderBlocks(
                [{ type: "hologram" }, { type: "actions", elements: [{ type: "time_machine", action_id: "t" }] }],
                { text: {}, act: async () => {} },
            );
            return [...node.querySelectorAll(".bk-unsupported")].map((n) => n.textContent);
        }"""
    )
    assert shown == ["[unsupported block: hologram]", "[unsupported element: time_machine]"]


def test_clicks_picks_and_confirmations_reach_the_app_as_block_actions(
    sandbox: Sandbox, bot: WebClient, app: RecordingApp, page: Any
) -> None:
    ts = post_everything(sandbox, bot)
    open_support_as(page, sandbox, "dana")
    message = page.locator(f'[data-testid="message"][data-ts="{ts}"]')

    message.locator('[data-block-id="facts"]').get_by_role("button", name="Priority").click()
    message.get_by_role("option", name="Low").click()
    expect(message.locator('[data-block-id="facts"]').get_by_role("button", name="Low")).to_be_visible()
    wait_until(lambda: app.actions("priority"), timeout=5)
    assert app.actions("priority")[0]["selected_option"]["value"] == "low"

    message.get_by_role("button", name="More options").click()
    message.get_by_role("button", name="Archive").click()
    wait_until(lambda: app.actions("more"), timeout=5)
    assert app.actions("more")[0]["selected_option"]["value"] == "archive"

    message.get_by_role("button", name="Reject").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Reject this request?")
    expect(dialog).to_contain_text("Nothing will be changed in Jira.")
    dialog.get_by_role("button", name="Not now").click()
    expect(dialog).to_have_count(0)
    message.get_by_role("button", name="Approve").click()
    wait_until(lambda: app.actions("approve"), timeout=5)
    assert not app.actions("reject"), "a denied confirmation sends nothing"
    message.get_by_role("button", name="Reject").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Reject it").click()
    wait_until(lambda: app.actions("reject"), timeout=5)

    clicked = app.actions("approve")[0]
    assert (clicked["block_id"], clicked["value"]) == ("decide", "a")
    body = next(b for b in app.got if b.get("actions") and b["actions"][0]["action_id"] == "approve")
    assert body["user"]["id"] == "U0DANA001" and body["message"]["ts"] == ts and body["channel"]["id"] == "C0SUPPORT"


RENEWALS = [
    option(
        "Acme Corp - Platform Renewal", "platform", "Proposal/Price Quote · $100,000 · owner Erin · closes 2026-12-15"
    ),
    option("Acme Corp - Support Renewal", "support", "Qualification · $20,000 · owner Ivy · closes 2027-01-31"),
]


def picks(sandbox: Sandbox, bot: WebClient) -> str:
    """A question as the bot asks it (a pick-list whose options carry descriptions), and the other option menus."""
    blocks = [
        {"type": "section", "block_id": "question", "text": mrkdwn("Which *Acme renewal* do you mean?")},
        {
            "type": "actions",
            "block_id": "answer",
            "elements": [
                {"type": "static_select", "action_id": "pick", "placeholder": plain("Choose…"), "options": RENEWALS},
                {
                    "type": "multi_static_select",
                    "action_id": "picks",
                    "placeholder": plain("Notify"),
                    "option_groups": [
                        {"label": plain("Teams"), "options": [option("Sales", "sales", "Erin, Ivy, Sam T.")]},
                        {"label": plain("Managers"), "options": [option("Frank", "frank", "Sales Manager")]},
                    ],
                },
                {"type": "overflow", "action_id": "more", "options": [option("Snooze", "snooze", "Until tomorrow")]},
            ],
        },
        {
            "type": "section",
            "block_id": "how",
            "text": plain("How?"),
            "accessory": {
                "type": "radio_buttons",
                "action_id": "how",
                "options": [{"text": plain("Quietly"), "value": "quiet", "description": mrkdwn("*no* DM")}],
            },
        },
    ]
    posted = bot.chat_postMessage(channel="C0SUPPORT", text="Which Acme renewal?", blocks=blocks)
    return str(posted["ts"])


def test_a_pick_list_shows_each_options_description_under_its_text_as_slack_does(
    sandbox: Sandbox, bot: WebClient, app: RecordingApp, page: Any
) -> None:
    ts = picks(sandbox, bot)
    open_support_as(page, sandbox, "dana")
    answer = page.locator(f'[data-testid="message"][data-ts="{ts}"] [data-block-id="answer"]')
    select = answer.get_by_role("button", name="Choose…")
    expect(select).to_have_attribute("aria-haspopup", "listbox")
    menus = answer.locator('[role="listbox"]')
    menu = menus.nth(0)
    expect(menu).to_be_hidden()

    select.click()
    expect(menu).to_be_visible()
    options = menu.get_by_role("option")
    expect(options.locator(".bk-option-text")).to_have_text(
        ["Acme Corp - Platform Renewal", "Acme Corp - Support Renewal"]
    )
    descriptions = options.locator(".bk-option-description")
    expect(descriptions).to_have_text(
        [
            "Proposal/Price Quote · $100,000 · owner Erin · closes 2026-12-15",
            "Qualification · $20,000 · owner Ivy · closes 2027-01-31",
        ]
    )
    support = options.nth(1)
    text_box = support.locator(".bk-option-text").bounding_box()
    description_box = support.locator(".bk-option-description").bounding_box()
    assert text_box and description_box and description_box["y"] >= text_box["y"] + text_box["height"] - 1, (
        "the description is under the option's text"
    )
    size = "el => parseFloat(getComputedStyle(el).fontSize)"
    assert support.locator(".bk-option-description").evaluate(size) < support.locator(".bk-option-text").evaluate(size)
    muted = support.locator(".bk-option-description").evaluate("el => getComputedStyle(el).color")
    assert muted == "rgb(97, 96, 97)", "the description is in the page's muted grey"

    page.keyboard.press("ArrowDown")  # the menu opened on the first option; the next one is the support renewal
    page.keyboard.press("Enter")
    expect(menu).to_be_hidden()
    expect(select).to_have_count(0)
    expect(answer.get_by_role("button", name="Acme Corp - Support Renewal")).to_be_visible()
    wait_until(lambda: app.actions("pick"), timeout=5)
    assert app.actions("pick")[0]["selected_option"]["value"] == "support"

    answer.get_by_role("button", name="Notify").click()
    notify = menus.nth(1)
    expect(notify).to_have_attribute("aria-multiselectable", "true")
    expect(notify.get_by_role("group", name="Teams").get_by_role("option")).to_have_text(["SalesErin, Ivy, Sam T."])
    notify.get_by_role("option", name="Frank").click()
    wait_until(lambda: app.actions("picks"), timeout=5)
    assert [o["value"] for o in app.actions("picks")[0]["selected_options"]] == ["frank"]
    page.keyboard.press("Escape")
    expect(notify).to_be_hidden()
    expect(answer.locator(".bk-select-chip")).to_have_text(["Frank"])

    answer.get_by_role("button", name="More options").click()
    expect(answer.get_by_role("button", name="Snooze")).to_contain_text("Until tomorrow")
    how = page.locator(f'[data-testid="message"][data-ts="{ts}"] [data-block-id="how"]')
    expect(how.locator(".bk-choice-description b")).to_have_text("no")  # radio descriptions may be mrkdwn


def test_a_modal_opened_by_the_app_submits_what_was_typed_and_shows_field_errors(
    sandbox: Sandbox, bot: WebClient, app: RecordingApp, page: Any
) -> None:
    ts = post_everything(sandbox, bot)
    open_support_as(page, sandbox, "dana")
    page.locator(f'[data-testid="message"][data-ts="{ts}"]').get_by_role("button", name="Open form").click()

    modal = page.get_by_role("dialog", name="New request")
    expect(modal).to_be_visible()
    expect(modal.get_by_text("What did you see?")).to_be_visible()
    modal.get_by_label("Title").fill("bad checkout")
    modal.get_by_label("Details").fill("Safari 17\ncard form never loads")
    modal.get_by_label("Priority").click()
    modal.get_by_role("option", name="High").click()
    expect(modal.get_by_label("Priority").locator(".bk-select-value")).to_have_text("High")
    modal.get_by_label("Due").fill("2026-12-04")
    modal.get_by_label("Owner").select_option(label="Bob Okafor")
    modal.get_by_label("Support").check()
    modal.get_by_role("button", name="Send").click()
    expect(modal.locator(".bk-field-error")).to_have_text(["Say what is broken, not that it is bad"])
    expect(modal.locator('[data-block-id="title"]')).to_contain_text("Say what is broken")
    expect(modal.get_by_label("Details")).to_have_value("Safari 17\ncard form never loads")  # nothing typed is lost

    modal.get_by_label("Title").fill("Checkout fails on Safari")
    modal.get_by_role("button", name="Send").click()
    expect(modal).to_have_count(0)
    submission = next(b for b in app.got if b.get("type") == "view_submission")
    values = submission["view"]["state"]["values"]
    assert values["title"]["title_input"]["value"] == "Checkout fails on Safari"
    assert values["details"]["details_input"]["value"] == "Safari 17\ncard form never loads"
    assert values["priority"]["priority_input"]["selected_option"]["value"] == "high"
    assert values["due"]["due_input"]["selected_date"] == "2026-12-04"
    assert values["owner"]["owner_input"]["selected_user"] == "U0BOB0001"
    assert [o["value"] for o in values["notify"]["notify_input"]["selected_options"]] == ["support"]
    assert sandbox.slack.driver.open_views("dana") == []

    note = page.get_by_test_id("channel").get_by_test_id("message").filter(has_text="Got your request.")
    expect(note).to_contain_text("Only visible to you")
    page.get_by_label("You are").select_option("hank")
    expect(page.get_by_label("You are")).to_have_value("hank")
    expect(page.locator(f'[data-testid="message"][data-ts="{ts}"]')).to_be_visible()
    expect(page.get_by_text("Got your request.")).to_have_count(0)  # Dana's ephemeral is hers alone


def test_commands_timeouts_and_reactions_show_as_in_slack(
    sandbox: Sandbox, bot: WebClient, app: RecordingApp, page: Any
) -> None:
    ts = post_everything(sandbox, bot)
    open_support_as(page, sandbox, "dana")
    composer = page.get_by_role("textbox", name="Message", exact=True)

    composer.fill("/followthrough pending")
    composer.press("Enter")
    expect(page.get_by_test_id("message").filter(has_text="You asked for: pending")).to_contain_text(
        "Only visible to you"
    )
    composer.fill("/nope")
    composer.press("Enter")
    expect(page.locator("#composer .composer-error")).to_have_text(
        '/nope is not a valid command. In Slack, messages that start with "/" are commands.'
    )
    expect(composer).to_have_value("/nope")

    sandbox.slack.driver.configure(ack_timeout=0.5)
    message = page.locator(f'[data-testid="message"][data-ts="{ts}"]')
    message.get_by_role("button", name="Slow").click()
    expect(message.locator('[data-block-id="decide"] [role="alert"]')).to_have_text(
        "This app took too long to respond."
    )

    bot.reactions_add(channel="C0SUPPORT", timestamp=ts, name="eyes")
    chip = message.locator(".reaction")
    expect(chip).to_have_text("👀1")
    chip.click()
    expect(chip).to_have_text("👀2")
    expect(chip).to_have_class("reaction mine")
    assert [r["users"] for r in sandbox.slack.driver.reactions("#support", ts)] == [["U0BOT0001", "U0DANA001"]]


def test_people_write_to_each_other_in_dms_and_see_what_is_unread(sandbox: Sandbox, page: Any) -> None:
    open_support_as(page, sandbox, "dana")
    page.get_by_label("Message someone").select_option("hank")
    expect(page.locator("#channel-header h1")).to_have_text("Hank Patel")
    composer = page.get_by_role("textbox", name="Message", exact=True)
    composer.fill("Can you look at the Safari thread, @hank?")
    composer.press("Enter")
    expect(page.get_by_test_id("message").filter(has_text="Can you look")).to_contain_text("@Hank Patel")
    page.get_by_test_id("sidebar").get_by_role("button", name="support").click()

    page.get_by_label("You are").select_option("hank")
    expect(page.locator("#channel-header h1")).to_have_text("#support")
    dm = page.get_by_test_id("sidebar").get_by_role("button", name="Dana Reyes")
    expect(dm).to_have_class("conv unread")
    dm.click()
    expect(page.get_by_test_id("message").filter(has_text="Can you look")).to_be_visible()
    expect(dm).not_to_have_class("conv unread")
    assert not [d for d in sandbox.slack.socket.deliveries() if d.type == "events_api"], "the bot hears no DM"


def test_the_page_follows_changes_made_elsewhere(sandbox: Sandbox, bot: WebClient, page: Any) -> None:
    open_support_as(page, sandbox, "dana")
    posted = bot.chat_postMessage(channel="C0SUPPORT", text="Status: *investigating*")
    message = page.locator(f'[data-testid="message"][data-ts="{posted["ts"]}"]')
    expect(message.locator("b")).to_have_text("investigating")
    bot.chat_update(channel="C0SUPPORT", ts=posted["ts"], text="Status: *fixed*")
    expect(message.locator("b")).to_have_text("fixed")
    expect(message).to_contain_text("(edited)")

    threading.Thread(target=lambda: sandbox.jira.transition_issue("PAY-12", "In Progress")).start()
    issue = page.get_by_test_id("jira-pane").locator('[data-key="PAY-12"]')
    expect(issue.locator(".status")).to_have_text("In Progress")
    expect(issue).to_have_class("issue is-changed")


def test_the_app_home_tab_shows_what_the_app_published(
    sandbox: Sandbox, app: RecordingApp, page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sandbox.console.features, "home_tab", True)  # as a manifest with app_home enabled
    open_support_as(page, sandbox, "dana")
    page.get_by_test_id("sidebar").get_by_role("button", name="Followthrough").click()
    page.get_by_role("tab", name="Home").click()
    home = page.get_by_test_id("home")
    expect(home.locator(".bk-header")).to_have_text("Your requests")
    expect(home).to_contain_text("Nothing waits for @Dana Reyes.")
    expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_hidden()
    home.get_by_role("button", name="Refresh").click()
    wait_until(lambda: app.actions("home_refresh"), timeout=5)
    body = next(b for b in app.got if b.get("actions") and b["actions"][0]["action_id"] == "home_refresh")
    assert (body["view"]["type"], body["user"]["id"]) == ("home", "U0DANA001")
    page.get_by_role("tab", name="Messages").click()
    expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_visible()
