"""Tests for sandbox.blockkit: the emulator's Block Kit validator and its id helpers."""

from __future__ import annotations

import copy
import itertools

import pytest
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    ImageElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.blocks.basic_components import ConfirmObject
from slack_sdk.models.views import View

from sandbox.blockkit import BlockError, assign_ids, interactive_elements, validate_blocks, validate_view


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def option(value: str, text: str | None = None) -> dict:
    return {"text": plain(text or value), "value": value}


def button(action_id: str = "go", **extra: object) -> dict:
    return {"type": "button", "text": plain("Go"), "action_id": action_id, **extra}


def section(text: str = "hello", **extra: object) -> dict:
    return {"type": "section", "text": mrkdwn(text), **extra}


def actions(*elements: dict, **extra: object) -> dict:
    return {"type": "actions", "elements": list(elements), **extra}


def input_block(element: dict, **extra: object) -> dict:
    return {"type": "input", "label": plain("Label"), "element": element, **extra}


def select(**extra: object) -> dict:
    return {"type": "static_select", "action_id": "pick", "options": [option("a"), option("b")], **extra}


def modal(blocks: list[dict], **extra: object) -> dict:
    return {"type": "modal", "title": plain("Title"), "submit": plain("Save"), "blocks": blocks, **extra}


OPTIONS = [Option(text=PlainTextObject(text=label), value=label.lower()) for label in ("Low", "Medium", "High")]


def approval_card() -> list[dict]:
    """A typical approval card built with slack_sdk's own classes."""
    blocks = [
        HeaderBlock(text="Approve Jira change?"),
        SectionBlock(
            text=MarkdownTextObject(text="*PROJ-1*: set priority to High"),
            fields=[MarkdownTextObject(text="*Requester*\n<@U1>"), PlainTextObject(text="Due Friday")],
            accessory=ButtonElement(text="Details", action_id="details", value="p1"),
        ),
        DividerBlock(),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Approve",
                    action_id="approve",
                    style="primary",
                    value="p1",
                    confirm=ConfirmObject(title="Sure?", text="This edits Jira.", confirm="Yes", deny="No"),
                ),
                ButtonElement(text="Reject", action_id="reject", style="danger", value="p1"),
                StaticSelectElement(
                    placeholder="Priority", action_id="priority", options=OPTIONS, initial_option=OPTIONS[2]
                ),
            ]
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(text="Proposed by Followthrough"),
                ImageElement(image_url="https://example.com/i.png", alt_text="icon"),
            ]
        ),
    ]
    return [block.to_dict() for block in blocks]


def edit_modal() -> dict:
    """A typical modal built with slack_sdk's View and input blocks."""
    view = View(
        type="modal",
        title="Edit proposal",
        submit="Save",
        close="Cancel",
        callback_id="edit_proposal",
        private_metadata="p1",
        blocks=[
            InputBlock(
                label="Summary",
                element=PlainTextInputElement(action_id="summary", multiline=True, max_length=500),
            ),
            InputBlock(
                label="Priority",
                element=StaticSelectElement(action_id="priority", options=OPTIONS, initial_option=OPTIONS[0]),
            ),
            InputBlock(
                label="Due",
                element=DatePickerElement(action_id="due", initial_date="2024-02-29"),
                optional=True,
            ),
        ],
    )
    return view.to_dict()


def test_a_typical_card_built_with_slack_sdk_is_valid() -> None:
    assert validate_blocks(approval_card()) == []


def test_a_typical_modal_built_with_slack_sdk_is_valid() -> None:
    assert validate_view(edit_modal()) == []


def test_a_home_tab_may_hold_input_blocks_and_100_blocks() -> None:
    view = {"type": "home", "blocks": [section()] * 99 + [input_block({"type": "plain_text_input"})]}
    assert validate_view(view) == []


def test_rich_text_lists_and_inline_elements_are_accepted() -> None:
    rich = {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "text", "text": "Hi ", "style": {"bold": True}},
                    {"type": "user", "user_id": "U1"},
                    {"type": "link", "url": "https://example.com", "text": "link"},
                    {"type": "emoji", "name": "wave"},
                    {"type": "date", "timestamp": 1700000000, "format": "{date_short}"},
                ],
            },
            {
                "type": "rich_text_list",
                "style": "bullet",
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "item"}]}],
            },
            {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "code"}]},
        ],
    }
    assert validate_blocks([rich]) == []


def test_error_renders_like_slack_response_metadata() -> None:
    error = BlockError("must be less than 3001 characters", "/blocks/0/text/text")
    assert str(error) == "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"


def test_an_overlong_section_text_reports_the_union_and_the_length_like_slack() -> None:
    errors = validate_blocks([section("x" * 3001)])
    assert [str(e) for e in errors] == [
        "[ERROR] failed to match all allowed schemas [json-pointer:/blocks/0/text]",
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
    ]


# One row per rule: (blocks or payload, surface, expected pointer, substring of the message).
BLOCK_REJECTIONS = [
    pytest.param({"blocks": "nope"}, "message", "/blocks", "must provide an array", id="blocks-not-a-list"),
    pytest.param([section()] * 51, "message", "/blocks", "no more than 50 items allowed", id="51-blocks"),
    pytest.param([section()] * 101, "modal", "/blocks", "no more than 100 items allowed", id="101-blocks-modal"),
    pytest.param(["section"], "message", "/blocks/0", "must provide an object", id="block-not-object"),
    pytest.param([{"text": mrkdwn("x")}], "message", "/blocks/0", "missing required field: type", id="no-type"),
    pytest.param([{"type": "carousel"}], "message", "/blocks/0/type", "unsupported type: carousel", id="unknown"),
    pytest.param([section(block_id="b" * 256)], "message", "/blocks/0/block_id", "less than 256", id="block-id-256"),
    pytest.param(
        [section(block_id="a"), section(block_id="a")],
        "message",
        "/blocks/1/block_id",
        "already exists",
        id="dup-bid",
    ),
    pytest.param([section(colour="red")], "message", "/blocks/0/colour", "invalid additional property", id="extra"),
    pytest.param([{"type": "divider", "text": plain("x")}], "message", "/blocks/0/text", "additional", id="divider"),
    # text objects
    pytest.param([section("")], "message", "/blocks/0/text/text", "must be more than 0 characters", id="empty-text"),
    pytest.param(
        [{"type": "section", "text": {"type": "html", "text": "x"}}],
        "message",
        "/blocks/0/text/type",
        "unsupported type: html",
        id="text-kind",
    ),
    pytest.param(
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x", "emoji": True}}],
        "message",
        "/blocks/0/text/emoji",
        "invalid additional property",
        id="emoji-on-mrkdwn",
    ),
    pytest.param(
        [{"type": "section", "text": {"type": "plain_text", "text": 5}}],
        "message",
        "/blocks/0/text/text",
        "must provide a string",
        id="text-not-string",
    ),
    # section
    pytest.param([{"type": "section"}], "message", "/blocks/0/type", "either `text` or `fields`", id="no-text"),
    pytest.param(
        [{"type": "section", "fields": [mrkdwn("f")] * 11}],
        "message",
        "/blocks/0/fields",
        "no more than 10 items allowed",
        id="11-fields",
    ),
    pytest.param(
        [{"type": "section", "fields": [mrkdwn("f"), mrkdwn("x" * 2001)]}],
        "message",
        "/blocks/0/fields/1/text",
        "less than 2001 characters",
        id="field-2001",
    ),
    pytest.param(
        [section(accessory={"type": "plain_text_input", "action_id": "x"})],
        "message",
        "/blocks/0/accessory/type",
        "unsupported type: plain_text_input",
        id="bad-accessory",
    ),
    # header, context, image
    pytest.param(
        [{"type": "header", "text": plain("h" * 151)}],
        "message",
        "/blocks/0/text/text",
        "less than 151",
        id="header",
    ),
    pytest.param(
        [{"type": "header", "text": mrkdwn("h")}],
        "message",
        "/blocks/0/text/type",
        "unsupported type: mrkdwn",
        id="header-mrkdwn",
    ),
    pytest.param([{"type": "header"}], "message", "/blocks/0", "missing required field: text", id="header-no-text"),
    pytest.param(
        [{"type": "context", "elements": []}],
        "message",
        "/blocks/0/elements",
        "at least 1",
        id="context-empty",
    ),
    pytest.param(
        [{"type": "context", "elements": [mrkdwn("c")] * 11}],
        "message",
        "/blocks/0/elements",
        "no more than 10 items allowed",
        id="context-11",
    ),
    pytest.param(
        [{"type": "context", "elements": [button()]}],
        "message",
        "/blocks/0/elements/0/type",
        "unsupported type: button",
        id="context-button",
    ),
    pytest.param(
        [{"type": "image", "image_url": "https://x/y.png"}],
        "message",
        "/blocks/0",
        "missing required field: alt_text",
        id="image-no-alt",
    ),
    pytest.param(
        [{"type": "image", "image_url": "https://x/" + "y" * 3000, "alt_text": "a"}],
        "message",
        "/blocks/0/image_url",
        "less than 3001",
        id="image-url-3001",
    ),
    pytest.param(
        [{"type": "image", "alt_text": "a" * 2001, "image_url": "https://x/y.png"}],
        "message",
        "/blocks/0/alt_text",
        "less than 2001",
        id="alt-2001",
    ),
    pytest.param(
        [{"type": "image", "alt_text": "a"}],
        "message",
        "/blocks/0",
        "`image_url` or `slack_file`",
        id="image-source",
    ),
    # actions
    pytest.param([actions()], "message", "/blocks/0/elements", "at least 1", id="actions-empty"),
    pytest.param(
        [actions(*[button(f"b{i}") for i in range(26)])],
        "message",
        "/blocks/0/elements",
        "no more than 25 items allowed",
        id="actions-26",
    ),
    pytest.param(
        [actions(button("same"), button("same"))],
        "message",
        "/blocks/0/elements/1/action_id",
        '`action_id` "same" already exists',
        id="dup-action-id",
    ),
    # input
    pytest.param(
        [input_block({"type": "plain_text_input"})],
        "message",
        "/blocks/0/type",
        "unsupported type: input",
        id="input",
    ),
    pytest.param(
        [{"type": "input", "element": {"type": "plain_text_input"}}],
        "modal",
        "/blocks/0",
        "missing required field: label",
        id="input-no-label",
    ),
    pytest.param(
        [input_block(button())],
        "modal",
        "/blocks/0/element/type",
        "unsupported type: button",
        id="input-button",
    ),
    pytest.param(
        [input_block({"type": "plain_text_input"}, label=plain("l" * 2001))],
        "modal",
        "/blocks/0/label/text",
        "less than 2001",
        id="label-2001",
    ),
    pytest.param(
        [input_block({"type": "plain_text_input"}, hint=mrkdwn("h"))],
        "modal",
        "/blocks/0/hint/type",
        "unsupported type: mrkdwn",
        id="hint-mrkdwn",
    ),
    pytest.param(
        [input_block({"type": "plain_text_input"}, optional="yes")],
        "modal",
        "/blocks/0/optional",
        "must provide a boolean",
        id="optional-bool",
    ),
    # button
    pytest.param(
        [actions(button(text=plain("b" * 76)))],
        "message",
        "/blocks/0/elements/0/text/text",
        "76",
        id="button-76",
    ),
    pytest.param(
        [actions(button(value="v" * 2001))],
        "message",
        "/blocks/0/elements/0/value",
        "2001",
        id="button-value",
    ),
    pytest.param(
        [actions(button(action_id="a" * 256))],
        "message",
        "/blocks/0/elements/0/action_id",
        "256",
        id="action-id-256",
    ),
    pytest.param(
        [actions(button(url="https://x/" + "u" * 3000))],
        "message",
        "/blocks/0/elements/0/url",
        "3001",
        id="url",
    ),
    pytest.param(
        [actions(button(style="green"))],
        "message",
        "/blocks/0/elements/0/style",
        "primary, danger",
        id="style",
    ),
    pytest.param(
        [actions({"type": "button", "action_id": "x"})],
        "message",
        "/blocks/0/elements/0",
        "missing required field: text",
        id="button-no-text",
    ),
    pytest.param(
        [actions(button(accessibility_label="a" * 76))],
        "message",
        "/blocks/0/elements/0/accessibility_label",
        "76",
        id="a11y-76",
    ),
    # confirm
    pytest.param(
        [
            actions(
                button(
                    confirm={
                        "title": plain("t" * 101),
                        "text": mrkdwn("x"),
                        "confirm": plain("y"),
                        "deny": plain("n"),
                    }
                )
            )
        ],
        "message",
        "/blocks/0/elements/0/confirm/title/text",
        "less than 101",
        id="confirm-title",
    ),
    pytest.param(
        [
            actions(
                button(
                    confirm={
                        "title": plain("t"),
                        "text": mrkdwn("x" * 301),
                        "confirm": plain("y"),
                        "deny": plain("n"),
                    }
                )
            )
        ],
        "message",
        "/blocks/0/elements/0/confirm/text/text",
        "less than 301",
        id="confirm-text",
    ),
    pytest.param(
        [
            actions(
                button(
                    confirm={
                        "title": plain("t"),
                        "text": mrkdwn("x"),
                        "confirm": plain("y" * 31),
                        "deny": plain("n"),
                    }
                )
            )
        ],
        "message",
        "/blocks/0/elements/0/confirm/confirm/text",
        "less than 31",
        id="confirm-confirm",
    ),
    pytest.param(
        [actions(button(confirm={"title": plain("t"), "text": mrkdwn("x"), "confirm": plain("y")}))],
        "message",
        "/blocks/0/elements/0/confirm",
        "missing required field: deny",
        id="confirm-deny",
    ),
    # static_select and options
    pytest.param(
        [actions(select(placeholder=plain("p" * 151)))],
        "message",
        "/blocks/0/elements/0/placeholder/text",
        "less than 151",
        id="placeholder-151",
    ),
    pytest.param(
        [actions(select(options=[option(f"o{i}") for i in range(101)]))],
        "message",
        "/blocks/0/elements/0/options",
        "no more than 100 items allowed",
        id="options-101",
    ),
    pytest.param(
        [actions(select(options=[option("v" * 151)]))],
        "message",
        "/blocks/0/elements/0/options/0/value",
        "less than 151",
        id="option-value-151",
    ),
    pytest.param(
        [actions(select(options=[option("a", "t" * 76)]))],
        "message",
        "/blocks/0/elements/0/options/0/text/text",
        "less than 76",
        id="option-text-76",
    ),
    pytest.param(
        [actions(select(options=[{"text": mrkdwn("a"), "value": "a"}]))],
        "message",
        "/blocks/0/elements/0/options/0/text/type",
        "unsupported type: mrkdwn",
        id="option-mrkdwn-in-select",
    ),
    pytest.param(
        [actions(select(options=[{**option("a"), "url": "https://x"}]))],
        "message",
        "/blocks/0/elements/0/options/0/url",
        "invalid additional property",
        id="option-url-outside-overflow",
    ),
    pytest.param(
        [actions({"type": "static_select", "action_id": "s"})],
        "message",
        "/blocks/0/elements/0",
        "`options` or `option_groups`",
        id="select-no-options",
    ),
    pytest.param(
        [actions(select(option_groups=[{"label": plain("g"), "options": [option("a")]}]))],
        "message",
        "/blocks/0/elements/0/option_groups",
        "only one of",
        id="options-and-groups",
    ),
    pytest.param(
        [actions(select(options=None, option_groups=[{"label": plain("g" * 76), "options": [option("a")]}]))],
        "message",
        "/blocks/0/elements/0/option_groups/0/label/text",
        "less than 76",
        id="group-label-76",
    ),
    pytest.param(
        [actions(select(initial_option=option("zzz")))],
        "message",
        "/blocks/0/elements/0/initial_option",
        "must match one of the provided options",
        id="initial-option",
    ),
    pytest.param(
        [actions({**select(type="multi_static_select"), "initial_options": [option("a"), option("q")]})],
        "message",
        "/blocks/0/elements/0/initial_options/1",
        "must match one of the provided options",
        id="initial-options",
    ),
    pytest.param(
        [actions({**select(type="multi_static_select"), "max_selected_items": 0})],
        "message",
        "/blocks/0/elements/0/max_selected_items",
        "greater than or equal to 1",
        id="max-selected-0",
    ),
    # overflow
    pytest.param(
        [actions({"type": "overflow", "action_id": "o", "options": [option(f"o{i}") for i in range(6)]})],
        "message",
        "/blocks/0/elements/0/options",
        "no more than 5 items allowed",
        id="overflow-6",
    ),
    pytest.param(
        [actions({"type": "overflow", "action_id": "o", "options": []})],
        "message",
        "/blocks/0/elements/0/options",
        "at least 1",
        id="overflow-0",
    ),
    # pickers
    pytest.param(
        [actions({"type": "datepicker", "action_id": "d", "initial_date": "2023-02-29"})],
        "message",
        "/blocks/0/elements/0/initial_date",
        "YYYY-MM-DD",
        id="date-invalid",
    ),
    pytest.param(
        [actions({"type": "datepicker", "action_id": "d", "initial_date": "2024-2-1"})],
        "message",
        "/blocks/0/elements/0/initial_date",
        "YYYY-MM-DD",
        id="date-format",
    ),
    pytest.param(
        [actions({"type": "timepicker", "action_id": "t", "initial_time": "24:00"})],
        "message",
        "/blocks/0/elements/0/initial_time",
        "HH:mm",
        id="time",
    ),
    pytest.param(
        [actions({"type": "datetimepicker", "action_id": "t", "initial_date_time": "soon"})],
        "message",
        "/blocks/0/elements/0/initial_date_time",
        "must provide an integer",
        id="datetime",
    ),
    # plain_text_input
    pytest.param(
        [input_block({"type": "plain_text_input", "min_length": 3001})],
        "modal",
        "/blocks/0/element/min_length",
        "less than or equal to 3000",
        id="min-length",
    ),
    pytest.param(
        [input_block({"type": "plain_text_input", "max_length": 0})],
        "modal",
        "/blocks/0/element/max_length",
        "greater than or equal to 1",
        id="max-length",
    ),
    pytest.param(
        [input_block({"type": "plain_text_input", "min_length": 10, "max_length": 5})],
        "modal",
        "/blocks/0/element/min_length",
        "`max_length`",
        id="min-over-max",
    ),
    pytest.param(
        [input_block({"type": "plain_text_input", "max_length": 3, "initial_value": "four"})],
        "modal",
        "/blocks/0/element/initial_value",
        "less than 4",
        id="initial-value",
    ),
    pytest.param(
        [input_block({"type": "plain_text_input", "multiline": "yes"})],
        "modal",
        "/blocks/0/element/multiline",
        "must provide a boolean",
        id="multiline",
    ),
    # checkboxes / radio buttons
    pytest.param(
        [actions({"type": "checkboxes", "action_id": "c", "options": [option(f"o{i}") for i in range(11)]})],
        "message",
        "/blocks/0/elements/0/options",
        "no more than 10 items allowed",
        id="checkboxes-11",
    ),
    pytest.param(
        [
            actions(
                {
                    "type": "radio_buttons",
                    "action_id": "r",
                    "options": [option("a")],
                    "initial_option": option("b"),
                }
            )
        ],
        "message",
        "/blocks/0/elements/0/initial_option",
        "must match",
        id="radio-initial",
    ),
    # rich text
    pytest.param(
        [{"type": "rich_text", "elements": [{"type": "rich_text_list", "elements": []}]}],
        "message",
        "/blocks/0/elements/0",
        "missing required field: style",
        id="rich-list-style",
    ),
    pytest.param(
        [{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [{"type": "user"}]}]}],
        "message",
        "/blocks/0/elements/0/elements/0",
        "missing required field: user_id",
        id="rich-user",
    ),
    pytest.param(
        [{"type": "rich_text", "elements": [{"type": "text", "text": "x"}]}],
        "message",
        "/blocks/0/elements/0/type",
        "unsupported type: text",
        id="rich-inline-at-top",
    ),
]


@pytest.mark.parametrize(("blocks", "surface", "pointer", "message"), BLOCK_REJECTIONS)
def test_invalid_blocks_are_rejected_at_the_offending_value(
    blocks: object, surface: str, pointer: str, message: str
) -> None:
    if isinstance(blocks, dict):
        blocks = blocks["blocks"]
    errors = validate_blocks(blocks, surface=surface)  # type: ignore[arg-type]
    assert any(e.pointer == pointer and message in e.message for e in errors), errors


VIEW_REJECTIONS = [
    pytest.param("modal", "/view", "must provide an object", id="not-object"),
    pytest.param({"type": "dialog", "blocks": []}, "/view/type", "unsupported type: dialog", id="type"),
    pytest.param({"type": "modal", "blocks": []}, "/view", "missing required field: title", id="no-title"),
    pytest.param(modal([], title=plain("t" * 25)), "/view/title/text", "must be less than 25 characters", id="title"),
    pytest.param(modal([], title=mrkdwn("t")), "/view/title/type", "unsupported type: mrkdwn", id="title-mrkdwn"),
    pytest.param(modal([], submit=plain("s" * 25)), "/view/submit/text", "less than 25", id="submit-25"),
    pytest.param(modal([], close=plain("c" * 25)), "/view/close/text", "less than 25", id="close-25"),
    pytest.param(modal([], callback_id="c" * 256), "/view/callback_id", "less than 256", id="callback-id"),
    pytest.param(modal([], private_metadata="m" * 3001), "/view/private_metadata", "less than 3001", id="metadata"),
    pytest.param(modal([], external_id="e" * 256), "/view/external_id", "less than 256", id="external-id"),
    pytest.param(modal([], clear_on_close="yes"), "/view/clear_on_close", "must provide a boolean", id="clear"),
    pytest.param(modal([], notify_on_close=1), "/view/notify_on_close", "must provide a boolean", id="notify"),
    pytest.param(
        {
            "type": "modal",
            "title": plain("t"),
            "blocks": [section(), input_block({"type": "plain_text_input"})],
        },
        "/view/blocks/1/input",
        "must define `submit` to use an `input` block in modals",
        id="submit-required",
    ),
    pytest.param(modal([section("")]), "/view/blocks/0/text/text", "more than 0 characters", id="block-pointer"),
    pytest.param(modal([section()] * 101), "/view/blocks", "no more than 100 items allowed", id="101-blocks"),
    pytest.param({"type": "home", "blocks": [], "title": plain("t")}, "/view/title", "additional", id="home-title"),
    pytest.param({"type": "modal", "title": plain("t")}, "/view", "missing required field: blocks", id="no-blocks"),
]


@pytest.mark.parametrize(("view", "pointer", "message"), VIEW_REJECTIONS)
def test_invalid_views_are_rejected_at_the_offending_value(view: object, pointer: str, message: str) -> None:
    errors = validate_view(view)
    assert any(e.pointer == pointer and message in e.message for e in errors), errors


def test_view_errors_lead_with_slacks_schema_error_at_view() -> None:
    errors = validate_view(modal([], private_metadata="m" * 3001))
    assert [str(e) for e in errors] == [
        "[ERROR] failed to match all allowed schemas [json-pointer:/view]",
        "[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]",
    ]


def test_the_same_action_id_in_different_blocks_is_rejected() -> None:
    """The sandbox checks action_id uniqueness across the message (stricter than Slack's per-block rule)."""
    blocks = [section(accessory=button("open")), actions(button("open"))]
    assert [str(e) for e in validate_blocks(blocks)] == [
        '[ERROR] `action_id` "open" already exists [json-pointer:/blocks/1/elements/0/action_id]'
    ]


def test_limits_are_inclusive() -> None:
    blocks = [
        section("x" * 3000, block_id="b" * 255),
        {"type": "header", "text": plain("h" * 150)},
        actions(*[button(f"b{i}", value="v" * 2000, text=plain("t" * 75)) for i in range(25)]),
    ] + [{"type": "divider"}] * 47
    assert validate_blocks(blocks) == []


def test_assign_ids_fills_missing_ids_and_keeps_existing_ones_without_mutating_input() -> None:
    blocks = [
        section(accessory={"type": "button", "text": plain("Open")}),
        actions(button("keep"), {"type": "button", "text": plain("New")}, block_id="mine"),
        {"type": "context", "elements": [mrkdwn("c")]},
    ]
    original = copy.deepcopy(blocks)
    ids = (f"id{n}" for n in itertools.count())

    result = assign_ids(blocks, new_id=lambda: next(ids))

    assert blocks == original
    # Ids are handed out in document order: block, then its elements.
    assert [b["block_id"] for b in result] == ["id0", "mine", "id3"]
    assert result[0]["accessory"]["action_id"] == "id1"
    assert [e["action_id"] for e in result[1]["elements"]] == ["keep", "id2"]
    assert "action_id" not in result[2]["elements"][0]  # text in a context block is not interactive


def test_assign_ids_never_reuses_an_id_already_in_the_message() -> None:
    ids = iter(["taken", "taken", "fresh"])
    result = assign_ids([section(block_id="taken"), section()], new_id=lambda: next(ids))
    assert [b["block_id"] for b in result] == ["taken", "fresh"]


def test_assign_ids_makes_short_random_ids_by_default() -> None:
    result = assign_ids([section(), section()])
    first, second = (b["block_id"] for b in result)
    assert first != second
    assert 0 < len(first) <= 8
    assert first.isalnum()


def test_interactive_elements_lists_buttons_accessories_and_inputs_in_document_order() -> None:
    blocks = [
        section(accessory=button("details"), block_id="s"),
        section(accessory={"type": "image", "image_url": "https://x/y.png", "alt_text": "y"}),
        actions(button("approve"), button("reject"), block_id="a"),
        input_block({"type": "plain_text_input", "action_id": "why"}, block_id="i"),
    ]
    found = interactive_elements(blocks)
    assert [(f["block_id"], f["action_id"], f["type"]) for f in found] == [
        ("s", "details", "button"),
        ("a", "approve", "button"),
        ("a", "reject", "button"),
        ("i", "why", "plain_text_input"),
    ]
    assert found[1]["element"] is blocks[2]["elements"][0]


def test_interactive_elements_of_a_slack_sdk_card() -> None:
    found = interactive_elements(assign_ids(approval_card()))
    assert [f["action_id"] for f in found] == ["details", "approve", "reject", "priority"]
    assert all(f["block_id"] for f in found)
