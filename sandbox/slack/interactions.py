"""Interactive payloads (``block_actions``, ``view_submission``, ``view_closed``, slash commands, shortcuts) and the
meaning of a value for each Block Kit element type.

Pure functions: they read the workspace and return dictionaries. Values a human "types" are checked here against
the element, as a Slack client would before sending anything: an option that is not in the menu, a date that is
not a date or an unknown user is refused with ``InputError`` (which names what would have been accepted).

Element types and their ``state.values`` / ``actions[]`` field::

    plain_text_input, email_text_input, url_text_input, number_input  -> value
    static_select, external_select, radio_buttons, overflow           -> selected_option
    multi_static_select, multi_external_select, checkboxes            -> selected_options
    users_select / multi_users_select                                 -> selected_user / selected_users
    conversations_select / multi_conversations_select                 -> selected_conversation(s)
    channels_select / multi_channels_select                           -> selected_channel(s)
    datepicker / timepicker / datetimepicker                          -> selected_date / _time / _date_time
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from sandbox.slack.events import VERIFICATION_TOKEN
from sandbox.slack.workspace import Conversation, Workspace

Resolver = Callable[[str, str], str]  # (kind "user" | "channel", reference) -> id, raising InputError

VALUE_KEYS: dict[str, str] = {
    "plain_text_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "number_input": "value",
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "overflow": "selected_option",
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "checkboxes": "selected_options",
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}
_INITIAL_KEYS: dict[str, str] = {
    "value": "initial_value",
    "selected_option": "initial_option",
    "selected_options": "initial_options",
    "selected_user": "initial_user",
    "selected_users": "initial_users",
    "selected_conversation": "initial_conversation",
    "selected_conversations": "initial_conversations",
    "selected_channel": "initial_channel",
    "selected_channels": "initial_channels",
    "selected_date": "initial_date",
    "selected_time": "initial_time",
    "selected_date_time": "initial_date_time",
}
CLICKABLE = frozenset({"button", "workflow_button"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
REQUIRED_FIELD = "This field is required."


class InputError(ValueError):
    """A value a Slack client would not let the user send (the message says what is accepted)."""


def user_ref(ws: Workspace, user_id: str) -> dict[str, Any]:
    name = ws.display_name(user_id)
    return {"id": user_id, "username": name, "name": name, "team_id": ws.team_id}


def team_ref(ws: Workspace) -> dict[str, Any]:
    return {"id": ws.team_id, "domain": ws.team_domain}


def channel_ref(conv: Conversation) -> dict[str, Any]:
    return {"id": conv.id, "name": conv.name if conv.kind == "channel" else "directmessage"}


def _common(ws: Workspace, user_id: str) -> dict[str, Any]:
    return {
        "user": user_ref(ws, user_id),
        "api_app_id": ws.app_id,
        "token": VERIFICATION_TOKEN,
        "team": team_ref(ws),
        "enterprise": None,
        "is_enterprise_install": False,
    }


# ---------------------------------------------------------------------- element values


def options_of(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options", []))
    for group in element.get("option_groups", []):
        options.extend(group.get("options", []))
    return options


def value_key(element: dict[str, Any]) -> str | None:
    return VALUE_KEYS.get(element.get("type", ""))


def parse_value(element: dict[str, Any], raw: Any, resolve: Resolver) -> Any:
    """Turn what a human picked or typed into the element's state value (``selected_option`` dict, id, ...)."""
    kind = element.get("type", "")
    key = VALUE_KEYS.get(kind)
    if key is None:
        raise InputError(f"a {kind} element holds no value")
    if raw is None:
        return None
    if key == "value":
        return _parse_text(element, raw)
    if key == "selected_option":
        return _pick_option(element, raw)
    if key == "selected_options":
        values = [raw] if isinstance(raw, str) else list(raw)
        return [_pick_option(element, v) for v in values]
    if key in ("selected_user", "selected_users"):
        return _one_or_many(key.endswith("s"), raw, lambda v: resolve("user", v))
    if key in ("selected_conversation", "selected_conversations", "selected_channel", "selected_channels"):
        return _one_or_many(key.endswith("s"), raw, lambda v: resolve("channel", v))
    if key == "selected_date":
        if not isinstance(raw, str) or not _DATE.match(raw):
            raise InputError(f"a datepicker takes 'YYYY-MM-DD', not {raw!r}")
        return raw
    if key == "selected_time":
        if not isinstance(raw, str) or not _TIME.match(raw):
            raise InputError(f"a timepicker takes 'HH:mm', not {raw!r}")
        return raw
    if key == "selected_date_time":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise InputError(f"a datetimepicker takes a UNIX timestamp (int), not {raw!r}")
        return raw
    raise InputError(f"no value rule for {kind}")  # pragma: no cover - VALUE_KEYS and this match


def _one_or_many(many: bool, raw: Any, convert: Callable[[str], str]) -> Any:
    if many:
        return [convert(v) for v in ([raw] if isinstance(raw, str) else raw)]
    if not isinstance(raw, str):
        raise InputError(f"expected one id, not {raw!r}")
    return convert(raw)


def _parse_text(element: dict[str, Any], raw: Any) -> str:
    text = str(raw)
    kind = element.get("type")
    if kind == "number_input":
        pattern = r"^-?\d+(\.\d+)?$" if element.get("is_decimal_allowed") else r"^-?\d+$"
        if not re.match(pattern, text):
            raise InputError(f"{text!r} is not a valid number for this input")
        number = float(text)
        low, high = element.get("min_value"), element.get("max_value")
        if (low is not None and number < float(low)) or (high is not None and number > float(high)):
            raise InputError(f"{text} is outside [{low}, {high}]")
        return text
    if kind == "email_text_input" and "@" not in text:
        raise InputError(f"{text!r} is not an email address")
    low, high = element.get("min_length"), element.get("max_length")
    if low is not None and len(text) < int(low):
        raise InputError(f"at least {low} characters are needed, got {len(text)}")
    if high is not None and len(text) > int(high):
        raise InputError(f"at most {high} characters are allowed, got {len(text)}")
    return text


def _pick_option(element: dict[str, Any], raw: Any) -> dict[str, Any]:
    wanted = raw.get("value") if isinstance(raw, dict) else raw
    options = options_of(element)
    for option in options:
        if option.get("value") == wanted:
            return copy.deepcopy(option)
    available = [o.get("value") for o in options]
    raise InputError(f"{wanted!r} is not an option of {element.get('action_id')!r}; options: {available}")


def initial_value(element: dict[str, Any]) -> Any:
    key = value_key(element)
    return copy.deepcopy(element.get(_INITIAL_KEYS[key])) if key else None


def state_entry(element: dict[str, Any], value: Any) -> dict[str, Any]:
    key = value_key(element)
    assert key is not None, f"{element.get('type')} holds no state"
    return {"type": element["type"], key: copy.deepcopy(value)}


def action_entry(item: dict[str, Any], value: Any, *, action_ts: str) -> dict[str, Any]:
    """The ``actions[0]`` of block_actions for element ``item`` (from ``interactive_elements``)."""
    element = item["element"]
    action: dict[str, Any] = {"action_id": item["action_id"], "block_id": item["block_id"], "type": item["type"]}
    if item["type"] in CLICKABLE:
        for key in ("text", "value", "style", "url"):
            if key in element:
                action[key] = copy.deepcopy(element[key])
    else:
        key = value_key(element)
        if key is not None:
            action[key] = copy.deepcopy(value)
        if "placeholder" in element:
            action["placeholder"] = copy.deepcopy(element["placeholder"])
    action["action_ts"] = action_ts
    return action


def current_values(
    items: list[dict[str, Any]],
    chosen: dict[str, dict[str, Any]],
    *,
    input_block_ids: frozenset[str] = frozenset(),
) -> dict[str, dict[str, Any]]:
    """``state.values`` of a surface: what the user chose, else the elements' initial values.

    Elements of input blocks are always present (``null`` when empty), as in a modal's state; other stateful
    elements only once they hold a value.
    """
    values: dict[str, dict[str, Any]] = {}
    for item in items:
        element = item["element"]
        if value_key(element) is None:
            continue
        block, action = item["block_id"], item["action_id"]
        if action in chosen.get(block, {}):
            values.setdefault(block, {})[action] = copy.deepcopy(chosen[block][action])
            continue
        initial = initial_value(element)
        if initial is not None or block in input_block_ids:
            values.setdefault(block, {})[action] = state_entry(element, initial)
    return values


# ---------------------------------------------------------------------- payloads


def block_actions_on_message(
    ws: Workspace,
    user_id: str,
    conv: Conversation,
    message: dict[str, Any],
    action: dict[str, Any],
    *,
    is_ephemeral: bool,
    state: dict[str, dict[str, Any]],
    trigger_id: str,
    response_url: str,
) -> dict[str, Any]:
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": conv.id,
        "is_ephemeral": is_ephemeral,
    }
    if message.get("thread_ts"):
        container["thread_ts"] = message["thread_ts"]
    payload: dict[str, Any] = {"type": "block_actions", **_common(ws, user_id), "container": container}
    payload["trigger_id"] = trigger_id
    payload["channel"] = channel_ref(conv)
    if not is_ephemeral:  # Slack does not echo ephemeral messages back to the app
        payload["message"] = copy.deepcopy(message)
    payload["state"] = {"values": copy.deepcopy(state)}
    payload["response_url"] = response_url
    payload["actions"] = [action]
    return payload


def block_actions_in_view(
    ws: Workspace, user_id: str, view: dict[str, Any], action: dict[str, Any], *, trigger_id: str
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        **_common(ws, user_id),
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": trigger_id,
        "view": copy.deepcopy(view),
        "actions": [action],
    }
    return payload


def view_submission(ws: Workspace, user_id: str, view: dict[str, Any], *, trigger_id: str) -> dict[str, Any]:
    return {
        "type": "view_submission",
        **_common(ws, user_id),
        "trigger_id": trigger_id,
        "view": copy.deepcopy(view),
        "response_urls": [],
    }


def view_closed(ws: Workspace, user_id: str, view: dict[str, Any], *, is_cleared: bool) -> dict[str, Any]:
    return {"type": "view_closed", **_common(ws, user_id), "view": copy.deepcopy(view), "is_cleared": is_cleared}


def slash_command(
    ws: Workspace,
    user_id: str,
    conv: Conversation,
    command: str,
    text: str,
    *,
    response_url: str,
    trigger_id: str,
) -> dict[str, Any]:
    """A slash command payload: a JSON object whose values are all strings, as Socket Mode sends it."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.team_id,
        "team_domain": ws.team_domain,
        "channel_id": conv.id,
        "channel_name": channel_ref(conv)["name"],
        "user_id": user_id,
        "user_name": ws.display_name(user_id),
        "command": command,
        "text": text,
        "api_app_id": ws.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def message_action(
    ws: Workspace,
    user_id: str,
    conv: Conversation,
    message: dict[str, Any],
    callback_id: str,
    *,
    response_url: str,
    trigger_id: str,
) -> dict[str, Any]:
    return {
        "type": "message_action",
        **_common(ws, user_id),
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "action_ts": ws.next_ts(),
        "channel": channel_ref(conv),
        "message_ts": message["ts"],
        "message": copy.deepcopy(message),
        "response_url": response_url,
    }


def global_shortcut(ws: Workspace, user_id: str, callback_id: str, *, trigger_id: str) -> dict[str, Any]:
    return {
        "type": "shortcut",
        **_common(ws, user_id),
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "action_ts": ws.next_ts(),
    }
