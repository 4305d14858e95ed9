"""Block Kit validation for the local Slack emulator, following Slack's published limits.

The emulator calls `validate_blocks` (chat.postMessage / chat.update / chat.postEphemeral) or
`validate_view` (views.*) before it stores anything. An empty result means Slack would accept the
payload; otherwise Slack answers `invalid_blocks` (messages) or `invalid_arguments` (views) with one
`response_metadata.messages` entry per `BlockError`, and nothing is stored. Every error carries a JSON
pointer to the offending value, as Slack's do.

Layout: `BLOCK_SPECS`, `ELEMENT_SPECS` and `RICH_TEXT_SPECS` map each `type` to a `Spec`, a table of the
keys that type allows, each with its kind and limits. One generic walker applies them. A rule the table
cannot express (such as "text or fields") is a small function named in the spec's `extra`. Adding a
block or element type is one table entry.

Invariants: the module does no I/O and never mutates its input (`assign_ids` returns copies). Text lengths are
counted in Unicode code points.
"""

from __future__ import annotations

import copy
import datetime
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from string import ascii_letters, digits
from typing import Literal

Surface = Literal["message", "modal", "home"]
TextKind = Literal["plain_text", "mrkdwn"]
FieldKind = Literal[
    "string", "bool", "int", "text", "texts", "strings", "object", "objects", "element", "elements", "blocks"
]

# docs.slack.dev/reference/block-kit/blocks: "up to 50 blocks in each message, and 100 blocks in
# modals or Home tabs".
MAX_BLOCKS: Mapping[Surface, int] = {"message": 50, "modal": 100, "home": 100}

PLAIN: frozenset[TextKind] = frozenset({"plain_text"})
ANY_TEXT: frozenset[TextKind] = frozenset({"plain_text", "mrkdwn"})


@dataclass(frozen=True)
class BlockError:
    """One rejection, worded like an entry of Slack's `response_metadata.messages`."""

    message: str
    pointer: str

    def __str__(self) -> str:
        return f"[ERROR] {self.message} [json-pointer:{self.pointer}]"


@dataclass(frozen=True)
class Field:
    """How one key of a Block Kit object is checked.

    `max_length` limits a string, the `text` of a text object, or the `text` of each item of a `texts`
    list. `types` lists the element / text / rich-text types an `element(s)` slot accepts. `spec`
    describes the object (or each object) of an `object(s)` slot; without it any JSON object passes.
    """

    kind: FieldKind
    required: bool = False
    max_length: int | None = None
    text: frozenset[TextKind] = PLAIN
    types: frozenset[str] = frozenset()
    spec: Spec | None = None
    min_items: int = 0
    max_items: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    one_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class Spec:
    """The keys one object type allows. `extra` checks rules that span keys; it must tolerate ill-typed values
    because it runs even when a key failed its own check (Slack reports all problems at once)."""

    fields: Mapping[str, Field]
    extra: Callable[[dict, str, _Walk], None] | None = None
    interactive: bool = False
    surfaces: frozenset[Surface] = frozenset({"message", "modal", "home"})


@dataclass
class _Walk:
    surface: Surface
    errors: list[BlockError] = field(default_factory=list)

    def fail(self, message: str, pointer: str) -> None:
        self.errors.append(BlockError(message, pointer))


# --- field constructors: keep the tables below readable ---


def _string(max_length: int | None = None, *, required: bool = False, one_of: tuple[str, ...] = ()) -> Field:
    return Field("string", required=required, max_length=max_length, one_of=one_of)


def _bool() -> Field:
    return Field("bool")


def _int(*, required: bool = False, min_value: int | None = None, max_value: int | None = None) -> Field:
    return Field("int", required=required, min_value=min_value, max_value=max_value)


def _plain(max_length: int, *, required: bool = False) -> Field:
    return Field("text", required=required, max_length=max_length, text=PLAIN)


def _text(max_length: int, *, required: bool = False) -> Field:
    return Field("text", required=required, max_length=max_length, text=ANY_TEXT)


def _object(spec: Spec | None = None, *, required: bool = False) -> Field:
    return Field("object", required=required, spec=spec)


def _objects(spec: Spec, *, required: bool = False, min_items: int = 0, max_items: int | None = None) -> Field:
    return Field("objects", required=required, spec=spec, min_items=min_items, max_items=max_items)


def _element(types: frozenset[str], *, required: bool = False) -> Field:
    return Field("element", required=required, types=types)


def _elements(
    types: frozenset[str],
    *,
    required: bool = False,
    min_items: int = 0,
    max_items: int | None = None,
    max_length: int | None = None,
) -> Field:
    return Field(
        "elements",
        required=required,
        types=types,
        min_items=min_items,
        max_items=max_items,
        max_length=max_length,
    )


# --- composition objects (docs.slack.dev/reference/block-kit/composition-objects) ---


def _option(text: frozenset[TextKind], *, url: bool) -> Spec:
    # Option object: text <= 75, value <= 150 (required), description <= 75,
    # url <= 3000 (overflow menus only).
    fields = {
        "text": Field("text", required=True, max_length=75, text=text),
        "value": _string(150, required=True),
        "description": Field("text", max_length=75, text=text),
    }
    if url:
        fields["url"] = _string(3000)
    return Spec(fields)


OPTION_PLAIN = _option(PLAIN, url=False)  # selects and multi-selects
OPTION_ANY = _option(ANY_TEXT, url=False)  # checkboxes and radio buttons may use mrkdwn
OPTION_URL = _option(PLAIN, url=True)  # overflow menus
OPTION_GROUP = Spec(
    {"label": _plain(75, required=True), "options": _objects(OPTION_PLAIN, required=True, max_items=100)}
)
CONFIRM = Spec(
    {
        "title": _plain(100, required=True),
        "text": _text(300, required=True),
        "confirm": _plain(30, required=True),
        "deny": _plain(30, required=True),
        "style": _string(one_of=("primary", "danger")),
    }
)
SLACK_FILE = Spec({"id": _string(), "url": _string()})
DISPATCH_ACTION_CONFIG = Spec(
    {"trigger_actions_on": Field("strings", one_of=("on_enter_pressed", "on_character_entered"))}
)
CONVERSATION_FILTER = Spec(
    {
        "include": Field("strings", one_of=("im", "mpim", "private", "public")),
        "exclude_external_shared_channels": _bool(),
        "exclude_bot_users": _bool(),
    }
)
WORKFLOW = Spec(
    {
        "trigger": _object(
            Spec({"url": _string(required=True), "customizable_input_parameters": _objects(Spec({}))}),
            required=True,
        )
    }
)


# --- rules that span keys ---


def _check_section(obj: dict, pointer: str, walk: _Walk) -> None:
    if "text" not in obj and "fields" not in obj:
        # Slack reports this one at the block's `type` (seen in real invalid_blocks responses).
        walk.fail("must define either `text` or `fields`", f"{pointer}/type")


def _check_image_source(obj: dict, pointer: str, walk: _Walk) -> None:
    has_url, has_file = "image_url" in obj, "slack_file" in obj
    if not has_url and not has_file:
        walk.fail("must provide either `image_url` or `slack_file`", pointer)
    elif has_url and has_file:
        walk.fail("must provide only one of `image_url` or `slack_file`", f"{pointer}/slack_file")


def _same_option(a: object, b: object) -> bool:
    if not isinstance(a, dict) or not isinstance(b, dict):
        return False
    a_text, b_text = a.get("text"), b.get("text")
    return (
        a.get("value") == b.get("value")
        and isinstance(a_text, dict)
        and isinstance(b_text, dict)
        and a_text.get("text") == b_text.get("text")
    )


def _all_options(obj: dict) -> list[object]:
    options = obj.get("options")
    found = list(options) if isinstance(options, list) else []
    groups = obj.get("option_groups")
    for group in groups if isinstance(groups, list) else []:
        if isinstance(group, dict) and isinstance(group.get("options"), list):
            found.extend(group["options"])
    return found


def _check_initial_options(obj: dict, pointer: str, walk: _Walk) -> None:
    options = _all_options(obj)
    initial = obj.get("initial_option")
    if isinstance(initial, dict) and not any(_same_option(initial, o) for o in options):
        walk.fail("must match one of the provided options", f"{pointer}/initial_option")
    initials = obj.get("initial_options")
    for i, initial in enumerate(initials if isinstance(initials, list) else []):
        if isinstance(initial, dict) and not any(_same_option(initial, o) for o in options):
            walk.fail("must match one of the provided options", f"{pointer}/initial_options/{i}")


def _check_static_select(obj: dict, pointer: str, walk: _Walk) -> None:
    if "options" not in obj and "option_groups" not in obj:
        walk.fail("must provide either `options` or `option_groups`", pointer)
    elif "options" in obj and "option_groups" in obj:
        walk.fail("must provide only one of `options` or `option_groups`", f"{pointer}/option_groups")
    _check_initial_options(obj, pointer, walk)


def _check_datepicker(obj: dict, pointer: str, walk: _Walk) -> None:
    value = obj.get("initial_date")
    if not isinstance(value, str):
        return
    try:
        valid = re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None and bool(datetime.date.fromisoformat(value))
    except ValueError:
        valid = False
    if not valid:
        walk.fail("must be a valid date in the format YYYY-MM-DD", f"{pointer}/initial_date")


def _check_timepicker(obj: dict, pointer: str, walk: _Walk) -> None:
    value = obj.get("initial_time")
    if isinstance(value, str) and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        walk.fail("must be a valid time in the format HH:mm", f"{pointer}/initial_time")


def _check_plain_text_input(obj: dict, pointer: str, walk: _Walk) -> None:
    low, high, initial = obj.get("min_length"), obj.get("max_length"), obj.get("initial_value")
    if _is_int(low) and _is_int(high) and low > high:
        walk.fail("must be less than or equal to `max_length`", f"{pointer}/min_length")
    if isinstance(initial, str) and _is_int(high) and len(initial) > high:
        walk.fail(f"must be less than {high + 1} characters", f"{pointer}/initial_value")


def _number(value: object, *, decimal: bool) -> float | None:
    if not isinstance(value, str):
        return None
    pattern = r"-?\d+(\.\d+)?" if decimal else r"-?\d+"
    return float(value) if re.fullmatch(pattern, value) else None


def _check_number_input(obj: dict, pointer: str, walk: _Walk) -> None:
    decimal = obj.get("is_decimal_allowed") is True
    parsed: dict[str, float | None] = {}
    for key in ("initial_value", "min_value", "max_value"):
        if isinstance(obj.get(key), str):
            parsed[key] = _number(obj[key], decimal=decimal)
            if parsed[key] is None:
                walk.fail("must be a decimal number" if decimal else "must be an integer", f"{pointer}/{key}")
    low, high, initial = parsed.get("min_value"), parsed.get("max_value"), parsed.get("initial_value")
    if low is not None and high is not None and low > high:
        walk.fail("must be less than or equal to `max_value`", f"{pointer}/min_value")
    if initial is not None and ((low is not None and initial < low) or (high is not None and initial > high)):
        walk.fail("must be between `min_value` and `max_value`", f"{pointer}/initial_value")


def _check_input(obj: dict, pointer: str, walk: _Walk) -> None:
    element = obj.get("element")
    # docs: dispatch_action "is incompatible with the file_input block element ... an unsupported type error".
    if obj.get("dispatch_action") is True and isinstance(element, dict) and element.get("type") == "file_input":
        walk.fail("unsupported type: file_input", f"{pointer}/element/type")


# --- element tables (docs.slack.dev/reference/block-kit/block-elements) ---

_PLACEHOLDER = _plain(150)
_CONFIRM = _object(CONFIRM)
_FOCUS = _bool()
_MAX_SELECTED = _int(min_value=1)

_SELECT_COMMON: dict[str, Field] = {"placeholder": _PLACEHOLDER, "confirm": _CONFIRM, "focus_on_load": _FOCUS}
_TEXT_INPUT_COMMON: dict[str, Field] = {
    "placeholder": _PLACEHOLDER,
    "initial_value": _string(),
    "dispatch_action_config": _object(DISPATCH_ACTION_CONFIG),
    "focus_on_load": _FOCUS,
}

ELEMENT_SPECS: dict[str, Spec] = {
    "button": Spec(
        {
            "text": _plain(75, required=True),
            "url": _string(3000),
            "value": _string(2000),
            "style": _string(one_of=("primary", "danger")),
            "confirm": _CONFIRM,
            "accessibility_label": _string(75),
        },
        interactive=True,
    ),
    "workflow_button": Spec(
        {
            "text": _plain(75, required=True),
            "workflow": _object(WORKFLOW, required=True),
            "style": _string(one_of=("primary", "danger")),
            "accessibility_label": _string(75),
        },
        interactive=True,
    ),
    "overflow": Spec(
        {"options": _objects(OPTION_URL, required=True, min_items=1, max_items=5), "confirm": _CONFIRM},
        interactive=True,
    ),
    "static_select": Spec(
        {
            **_SELECT_COMMON,
            "options": _objects(OPTION_PLAIN, max_items=100),
            "option_groups": _objects(OPTION_GROUP, max_items=100),
            "initial_option": _object(OPTION_PLAIN),
        },
        extra=_check_static_select,
        interactive=True,
    ),
    "multi_static_select": Spec(
        {
            **_SELECT_COMMON,
            "options": _objects(OPTION_PLAIN, max_items=100),
            "option_groups": _objects(OPTION_GROUP, max_items=100),
            "initial_options": _objects(OPTION_PLAIN, max_items=100),
            "max_selected_items": _MAX_SELECTED,
        },
        extra=_check_static_select,
        interactive=True,
    ),
    "external_select": Spec(
        {**_SELECT_COMMON, "initial_option": _object(OPTION_PLAIN), "min_query_length": _int(min_value=0)},
        interactive=True,
    ),
    "multi_external_select": Spec(
        {
            **_SELECT_COMMON,
            "initial_options": _objects(OPTION_PLAIN),
            "min_query_length": _int(min_value=0),
            "max_selected_items": _MAX_SELECTED,
        },
        interactive=True,
    ),
    "users_select": Spec({**_SELECT_COMMON, "initial_user": _string()}, interactive=True),
    "multi_users_select": Spec(
        {**_SELECT_COMMON, "initial_users": Field("strings"), "max_selected_items": _MAX_SELECTED},
        interactive=True,
    ),
    "conversations_select": Spec(
        {
            **_SELECT_COMMON,
            "initial_conversation": _string(),
            "default_to_current_conversation": _bool(),
            "response_url_enabled": _bool(),
            "filter": _object(CONVERSATION_FILTER),
        },
        interactive=True,
    ),
    "multi_conversations_select": Spec(
        {
            **_SELECT_COMMON,
            "initial_conversations": Field("strings"),
            "default_to_current_conversation": _bool(),
            "max_selected_items": _MAX_SELECTED,
            "filter": _object(CONVERSATION_FILTER),
        },
        interactive=True,
    ),
    "channels_select": Spec(
        {**_SELECT_COMMON, "initial_channel": _string(), "response_url_enabled": _bool()}, interactive=True
    ),
    "multi_channels_select": Spec(
        {**_SELECT_COMMON, "initial_channels": Field("strings"), "max_selected_items": _MAX_SELECTED},
        interactive=True,
    ),
    "checkboxes": Spec(
        {
            "options": _objects(OPTION_ANY, required=True, min_items=1, max_items=10),
            "initial_options": _objects(OPTION_ANY, max_items=10),
            "confirm": _CONFIRM,
            "focus_on_load": _FOCUS,
        },
        extra=_check_initial_options,
        interactive=True,
    ),
    "radio_buttons": Spec(
        {
            "options": _objects(OPTION_ANY, required=True, min_items=1, max_items=10),
            "initial_option": _object(OPTION_ANY),
            "confirm": _CONFIRM,
            "focus_on_load": _FOCUS,
        },
        extra=_check_initial_options,
        interactive=True,
    ),
    "datepicker": Spec({**_SELECT_COMMON, "initial_date": _string()}, extra=_check_datepicker, interactive=True),
    "timepicker": Spec(
        {**_SELECT_COMMON, "initial_time": _string(), "timezone": _string()},
        extra=_check_timepicker,
        interactive=True,
    ),
    "datetimepicker": Spec(
        {"initial_date_time": _int(min_value=0), "confirm": _CONFIRM, "focus_on_load": _FOCUS},
        interactive=True,
    ),
    "plain_text_input": Spec(
        {
            **_TEXT_INPUT_COMMON,
            "multiline": _bool(),
            "min_length": _int(min_value=0, max_value=3000),
            "max_length": _int(min_value=1, max_value=3000),
        },
        extra=_check_plain_text_input,
        interactive=True,
    ),
    "email_text_input": Spec(dict(_TEXT_INPUT_COMMON), interactive=True),
    "url_text_input": Spec(dict(_TEXT_INPUT_COMMON), interactive=True),
    "number_input": Spec(
        {
            **_TEXT_INPUT_COMMON,
            "is_decimal_allowed": Field("bool", required=True),
            "min_value": _string(),
            "max_value": _string(),
        },
        extra=_check_number_input,
        interactive=True,
    ),
    "rich_text_input": Spec(
        {
            "placeholder": _PLACEHOLDER,
            "initial_value": _element(frozenset({"rich_text"})),
            "dispatch_action_config": _object(DISPATCH_ACTION_CONFIG),
            "focus_on_load": _FOCUS,
        },
        interactive=True,
    ),
    "file_input": Spec({"filetypes": Field("strings"), "max_files": _int(min_value=1, max_value=10)}, interactive=True),
    # The image element is not interactive: it carries no action_id.
    "image": Spec(
        {
            "alt_text": _string(2000, required=True),
            "image_url": _string(3000),
            "slack_file": _object(SLACK_FILE),
        },
        extra=_check_image_source,
    ),
}

_SELECTS = frozenset(
    {
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
    }
)
ACTIONS_ELEMENTS = _SELECTS | {
    "button",
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "overflow",
    "radio_buttons",
    "timepicker",
    "workflow_button",
}
SECTION_ACCESSORIES = _SELECTS | {
    "button",
    "checkboxes",
    "datepicker",
    "image",
    "overflow",
    "radio_buttons",
    "timepicker",
    "workflow_button",
}
INPUT_ELEMENTS = _SELECTS | {
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "email_text_input",
    "file_input",
    "number_input",
    "plain_text_input",
    "radio_buttons",
    "rich_text_input",
    "timepicker",
    "url_text_input",
}
CONTEXT_ELEMENTS = frozenset({"image", "plain_text", "mrkdwn"})

# --- rich text (docs.slack.dev/reference/block-kit/blocks/rich-text-block): shape checks only ---

_STYLE = _object(
    Spec({key: _bool() for key in ("bold", "italic", "strike", "code", "underline", "highlight", "client_highlight")})
)
RICH_TEXT_INLINE = frozenset({"text", "link", "emoji", "user", "channel", "usergroup", "broadcast", "date", "color"})
RICH_TEXT_BLOCKS = frozenset({"rich_text_section", "rich_text_list", "rich_text_quote", "rich_text_preformatted"})

RICH_TEXT_SPECS: dict[str, Spec] = {
    "rich_text_section": Spec({"elements": _elements(RICH_TEXT_INLINE, required=True)}),
    "rich_text_quote": Spec({"elements": _elements(RICH_TEXT_INLINE, required=True), "border": _int(min_value=0)}),
    "rich_text_preformatted": Spec(
        {
            "elements": _elements(RICH_TEXT_INLINE, required=True),
            "border": _int(min_value=0),
            "language": _string(),
        }
    ),
    "rich_text_list": Spec(
        {
            "style": _string(required=True, one_of=("bullet", "ordered")),
            "elements": _elements(frozenset({"rich_text_section"}), required=True),
            "indent": _int(min_value=0),
            "offset": _int(min_value=0),
            "border": _int(min_value=0),
        }
    ),
    "text": Spec({"text": _string(required=True), "style": _STYLE}),
    "link": Spec({"url": _string(required=True), "text": _string(), "unsafe": _bool(), "style": _STYLE}),
    "emoji": Spec({"name": _string(required=True), "unicode": _string(), "style": _STYLE}),
    "user": Spec({"user_id": _string(required=True), "style": _STYLE}),
    "channel": Spec({"channel_id": _string(required=True), "style": _STYLE}),
    "usergroup": Spec({"usergroup_id": _string(required=True), "style": _STYLE}),
    "broadcast": Spec({"range": _string(required=True, one_of=("here", "channel", "everyone"))}),
    "date": Spec(
        {
            "timestamp": _int(required=True),
            "format": _string(required=True),
            "url": _string(),
            "fallback": _string(),
        }
    ),
    "color": Spec({"value": _string(required=True)}),
    # The value of a rich_text_input: a rich_text block without block_id.
    "rich_text": Spec({"elements": _elements(RICH_TEXT_BLOCKS, required=True)}),
}

# --- block table (docs.slack.dev/reference/block-kit/blocks) ---

BLOCK_SPECS: dict[str, Spec] = {
    "section": Spec(
        {
            "text": _text(3000),
            "fields": Field("texts", max_items=10, max_length=2000, text=ANY_TEXT),
            "accessory": _element(SECTION_ACCESSORIES),
            "expand": _bool(),
        },
        extra=_check_section,
    ),
    "divider": Spec({}),
    "header": Spec({"text": _plain(150, required=True)}),
    "context": Spec(
        {"elements": _elements(CONTEXT_ELEMENTS, required=True, min_items=1, max_items=10, max_length=3000)}
    ),
    "actions": Spec({"elements": _elements(ACTIONS_ELEMENTS, required=True, min_items=1, max_items=25)}),
    "input": Spec(
        {
            "label": _plain(2000, required=True),
            "element": _element(INPUT_ELEMENTS, required=True),
            "hint": _plain(2000),
            "optional": _bool(),
            "dispatch_action": _bool(),
        },
        extra=_check_input,
        surfaces=frozenset({"modal", "home"}),
    ),
    "image": Spec(
        {
            "alt_text": _string(2000, required=True),
            "image_url": _string(3000),
            "slack_file": _object(SLACK_FILE),
            "title": _plain(2000),
        },
        extra=_check_image_source,
    ),
    "rich_text": Spec({"elements": _elements(RICH_TEXT_BLOCKS, required=True)}),
    "video": Spec(
        {
            "alt_text": _string(required=True),
            "video_url": _string(required=True),
            "thumbnail_url": _string(required=True),
            "title": _plain(200, required=True),
            "title_url": _string(),
            "description": _plain(200),
            "provider_icon_url": _string(),
            "provider_name": _string(),
            "author_name": _string(50),
        }
    ),
    "file": Spec({"external_id": _string(required=True), "source": _string(required=True, one_of=("remote",))}),
    "markdown": Spec({"text": _string(12000, required=True)}),
}

_ALL_ELEMENT_SPECS: dict[str, Spec] = {**ELEMENT_SPECS, **RICH_TEXT_SPECS}
_TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})

# --- views (docs.slack.dev/reference/views/modal-views, .../home-tab-views) ---


def _check_modal(view: dict, pointer: str, walk: _Walk) -> None:
    blocks = view.get("blocks")
    if "submit" in view or not isinstance(blocks, list):
        return
    for i, block in enumerate(blocks):
        if isinstance(block, dict) and block.get("type") == "input":
            # Wording and pointer as in real views.open responses.
            walk.fail("must define `submit` to use an `input` block in modals", f"{pointer}/blocks/{i}/input")
            return


_VIEW_COMMON: dict[str, Field] = {
    "blocks": Field("blocks", required=True),
    "private_metadata": _string(3000),
    "callback_id": _string(255),
    "external_id": _string(255),
}
VIEW_SPECS: dict[str, Spec] = {
    "modal": Spec(
        {
            **_VIEW_COMMON,
            "title": _plain(24, required=True),
            "close": _plain(24),
            "submit": _plain(24),
            "clear_on_close": _bool(),
            "notify_on_close": _bool(),
            "submit_disabled": _bool(),
        },
        extra=_check_modal,
    ),
    "home": Spec(dict(_VIEW_COMMON)),
}


# --- the walker ---


def _join(pointer: str, key: str | int) -> str:
    token = str(key).replace("~", "~0").replace("/", "~1")
    return f"{pointer}/{token}"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_length(value: str, max_length: int | None, pointer: str, walk: _Walk) -> None:
    if max_length is not None and len(value) > max_length:
        walk.fail(f"must be less than {max_length + 1} characters", pointer)


def _check_text(value: object, kinds: frozenset[str], max_length: int | None, pointer: str, walk: _Walk) -> None:
    before = len(walk.errors)
    if not isinstance(value, dict):
        walk.fail("must provide an object", pointer)
        return
    kind = value.get("type")
    if kind is None:
        walk.fail("missing required field: type", pointer)
        return
    if not isinstance(kind, str):
        walk.fail("must provide a string", f"{pointer}/type")
        return
    if kind not in kinds:
        walk.fail(f"unsupported type: {kind}", f"{pointer}/type")
        return
    flag = "emoji" if kind == "plain_text" else "verbatim"
    for key in value:
        if key not in ("type", "text", flag):
            walk.fail(f"invalid additional property: {key}", _join(pointer, key))
    if flag in value and not isinstance(value[flag], bool):
        walk.fail("must provide a boolean", f"{pointer}/{flag}")
    text = value.get("text")
    if text is None:
        walk.fail("missing required field: text", pointer)
    elif not isinstance(text, str):
        walk.fail("must provide a string", f"{pointer}/text")
    elif not text:
        walk.fail("must be more than 0 characters", f"{pointer}/text")
    else:
        _check_length(text, max_length, f"{pointer}/text", walk)
    if len(kinds) > 1 and len(walk.errors) > before:
        # A slot that takes plain_text or mrkdwn is a union; Slack prefixes the inner error with this one.
        walk.errors.insert(before, BlockError("failed to match all allowed schemas", pointer))


def _check_list(value: object, field: Field, pointer: str, walk: _Walk) -> list | None:
    if not isinstance(value, list):
        walk.fail("must provide an array", pointer)
        return None
    if field.max_items is not None and len(value) > field.max_items:
        walk.fail(f"no more than {field.max_items} items allowed", pointer)
    if len(value) < field.min_items:
        walk.fail(f"must provide at least {field.min_items} items", pointer)
    return value


def _check_element(value: object, field: Field, pointer: str, walk: _Walk) -> None:
    if not isinstance(value, dict):
        walk.fail("must provide an object", pointer)
        return
    kind = value.get("type")
    if kind is None:
        walk.fail("missing required field: type", pointer)
    elif not isinstance(kind, str):
        walk.fail("must provide a string", f"{pointer}/type")
    elif kind not in field.types:
        walk.fail(f"unsupported type: {kind}", f"{pointer}/type")
    elif kind in _TEXT_TYPES:
        _check_text(value, field.types & _TEXT_TYPES, field.max_length, pointer, walk)
    else:
        spec = _ALL_ELEMENT_SPECS[kind]
        implicit = {"type": _string()}
        if spec.interactive:
            implicit["action_id"] = _string(255)
        _check_object(value, spec, pointer, walk, implicit=implicit)


def _check_value(value: object, field: Field, pointer: str, walk: _Walk) -> None:
    match field.kind:
        case "string":
            if not isinstance(value, str):
                walk.fail("must provide a string", pointer)
            elif field.one_of and value not in field.one_of:
                walk.fail(f"must be one of: {', '.join(field.one_of)}", pointer)
            else:
                _check_length(value, field.max_length, pointer, walk)
        case "bool":
            if not isinstance(value, bool):
                walk.fail("must provide a boolean", pointer)
        case "int":
            if not _is_int(value):
                walk.fail("must provide an integer", pointer)
            elif field.min_value is not None and value < field.min_value:
                walk.fail(f"must be greater than or equal to {field.min_value}", pointer)
            elif field.max_value is not None and value > field.max_value:
                walk.fail(f"must be less than or equal to {field.max_value}", pointer)
        case "text":
            _check_text(value, field.text, field.max_length, pointer, walk)
        case "texts":
            for i, item in enumerate(_check_list(value, field, pointer, walk) or []):
                _check_text(item, field.text, field.max_length, _join(pointer, i), walk)
        case "strings":
            for i, item in enumerate(_check_list(value, field, pointer, walk) or []):
                item_field = Field("string", one_of=field.one_of)
                _check_value(item, item_field, _join(pointer, i), walk)
        case "object":
            if not isinstance(value, dict):
                walk.fail("must provide an object", pointer)
            elif field.spec is not None:
                _check_object(value, field.spec, pointer, walk)
        case "objects":
            for i, item in enumerate(_check_list(value, field, pointer, walk) or []):
                _check_value(item, Field("object", spec=field.spec), _join(pointer, i), walk)
        case "element":
            _check_element(value, field, pointer, walk)
        case "elements":
            for i, item in enumerate(_check_list(value, field, pointer, walk) or []):
                _check_element(item, field, _join(pointer, i), walk)
        case "blocks":
            walk.errors.extend(validate_blocks(value, surface=walk.surface, pointer=pointer))


def _check_object(
    obj: dict, spec: Spec, pointer: str, walk: _Walk, *, implicit: Mapping[str, Field] | None = None
) -> None:
    fields = {**(implicit or {}), **spec.fields}
    for key in obj:
        if key not in fields:
            walk.fail(f"invalid additional property: {key}", _join(pointer, key))
    for key, field_ in fields.items():
        if key in obj:
            _check_value(obj[key], field_, _join(pointer, key), walk)
        elif field_.required:
            walk.fail(f"missing required field: {key}", pointer)
    if spec.extra is not None:
        spec.extra(obj, pointer, walk)


def _check_block(block: object, pointer: str, walk: _Walk) -> None:
    if not isinstance(block, dict):
        walk.fail("must provide an object", pointer)
        return
    kind = block.get("type")
    if kind is None:
        walk.fail("missing required field: type", pointer)
        return
    if not isinstance(kind, str):
        walk.fail("must provide a string", f"{pointer}/type")
        return
    spec = BLOCK_SPECS.get(kind)
    if spec is None or walk.surface not in spec.surfaces:
        walk.fail(f"unsupported type: {kind}", f"{pointer}/type")
        return
    _check_object(block, spec, pointer, walk, implicit={"type": _string(), "block_id": _string(255)})


def _interactive_in_block(block: dict, pointer: str) -> Iterator[tuple[dict, str]]:
    """Yield each interactive element of one block with its pointer, in document order."""
    match block.get("type"):
        case "actions":
            elements = block.get("elements")
            candidates = (
                [(el, f"{pointer}/elements/{i}") for i, el in enumerate(elements)] if isinstance(elements, list) else []
            )
        case "section":
            candidates = [(block.get("accessory"), f"{pointer}/accessory")]
        case "input":
            candidates = [(block.get("element"), f"{pointer}/element")]
        case _:
            candidates = []
    for element, element_pointer in candidates:
        kind = element.get("type") if isinstance(element, dict) else None
        spec = ELEMENT_SPECS.get(kind) if isinstance(kind, str) else None
        if spec is not None and spec.interactive:
            yield element, element_pointer  # type: ignore[misc]


# --- public API ---


def validate_blocks(blocks: object, *, surface: Surface = "message", pointer: str = "/blocks") -> list[BlockError]:
    """Return every reason Slack would reject `blocks` on `surface`; an empty list means valid.

    block_id and action_id must each be unique across the whole list. Slack's element reference only promises
    action_id uniqueness within the containing block; the sandbox is stricter on purpose, because a click is
    identified by its action_id and a message with two equal ones makes "which button?" ambiguous.
    """
    walk = _Walk(surface)
    if not isinstance(blocks, list):
        walk.fail("must provide an array", pointer)
        return walk.errors
    limit = MAX_BLOCKS[surface]
    if len(blocks) > limit:
        walk.fail(f"no more than {limit} items allowed", pointer)
    block_ids: set[str] = set()
    action_ids: set[str] = set()
    for i, block in enumerate(blocks):
        block_pointer = _join(pointer, i)
        _check_block(block, block_pointer, walk)
        if not isinstance(block, dict):
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in block_ids:
                walk.fail(f'`block_id` "{block_id}" already exists', f"{block_pointer}/block_id")
            block_ids.add(block_id)
        for element, element_pointer in _interactive_in_block(block, block_pointer):
            action_id = element.get("action_id")
            if isinstance(action_id, str):
                if action_id in action_ids:
                    walk.fail(f'`action_id` "{action_id}" already exists', f"{element_pointer}/action_id")
                action_ids.add(action_id)
    return walk.errors


def validate_view(view: object) -> list[BlockError]:
    """Return every reason Slack would reject `view` in views.open / update / push / publish (pointers under
    /view). Slack answers these with `invalid_arguments` and leads the list with a schema error at /view."""
    pointer = "/view"
    if not isinstance(view, dict):
        return [BlockError("must provide an object", pointer)]
    kind = view.get("type")
    if kind == "modal" or kind == "home":
        walk = _Walk(kind)
        _check_object(view, VIEW_SPECS[kind], pointer, walk, implicit={"type": _string()})
    else:
        walk = _Walk("modal")
        if kind is None:
            walk.fail("missing required field: type", pointer)
        elif not isinstance(kind, str):
            walk.fail("must provide a string", f"{pointer}/type")
        else:
            walk.fail(f"unsupported type: {kind}", f"{pointer}/type")
    if walk.errors:
        walk.errors.insert(0, BlockError("failed to match all allowed schemas", pointer))
    return walk.errors


def interactive_elements(blocks: list[dict]) -> list[dict]:
    """Every interactive element (actions elements, section accessories, input elements) in document order, as
    {"block_id", "action_id", "type", "element"}. `element` is the element dict itself, not a copy."""
    found: list[dict] = []
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        for element, _ in _interactive_in_block(block, f"/blocks/{i}"):
            found.append(
                {
                    "block_id": block.get("block_id"),
                    "action_id": element.get("action_id"),
                    "type": element.get("type"),
                    "element": element,
                }
            )
    return found


_ID_ALPHABET = ascii_letters + digits


def _random_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(5))


def assign_ids(blocks: list[dict], *, new_id: Callable[[], str] = _random_id) -> list[dict]:
    """Return deep copies of `blocks` in which each block lacking a block_id, and each interactive
    element lacking an action_id, gets a fresh short id, as Slack does when it stores a message.
    Existing ids are kept; the input is not mutated. `new_id` lets tests make the ids predictable."""
    copies = copy.deepcopy(blocks)
    taken: set[str] = set()
    for block in copies:
        if isinstance(block, dict):
            ids = [
                block.get("block_id"),
                *(el.get("action_id") for el, _ in _interactive_in_block(block, "")),
            ]
            taken.update(i for i in ids if isinstance(i, str))

    def fresh() -> str:
        candidate = new_id()
        while candidate in taken:
            candidate = new_id()
        taken.add(candidate)
        return candidate

    for block in copies:
        if not isinstance(block, dict):
            continue
        if "block_id" not in block:
            block["block_id"] = fresh()
        for element, _ in _interactive_in_block(block, ""):
            if "action_id" not in element:
                element["action_id"] = fresh()
    return copies
