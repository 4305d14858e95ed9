"""The humans of the workspace: a synchronous, thread-safe API for tests, benchmarks and the demo page.

People are named by their seed name (``"dana"``), ``"@dana"`` or Slack id; conversations by ``"#support"``,
``"support"`` or id, and ``dm_channel("dana")`` is Dana's DM with the bot. Text given to the driver may use
shorthands that a Slack client would turn into markup:

- ``@dana`` / ``@followthrough`` -> ``<@U0DANA001>`` (a person or the bot, by seed name);
- ``@support`` -> ``<!subteam^S0SUPPORT>`` (a user group handle); ``@here`` / ``@channel`` -> ``<!here>`` ...;
- ``#support`` -> ``<#C0SUPPORT|support>`` (a known channel name).
Unknown names are left as typed, and an ``@`` inside a word (an email address) is never touched.

Interactions act only on what the user can see, as in a Slack client: a click needs a button that exists in a
stored message of a conversation the user is in (or in an ephemeral message addressed to them, found by its ts);
anything else is refused with a ``DriverError`` that lists what is there. Every interaction goes to the app as a
real Socket Mode envelope and waits for the ack (at most ``socket.ack_timeout``); the ack's effects are then
applied as Slack applies them (``response_action`` of a view submission, the text of a slash command ack).

Must not be called from the sandbox loop thread (it waits on it); the HTTP control routes use worker threads.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox import blockkit
from sandbox.slack import crowd, events, interactions
from sandbox.slack.content import checked_view
from sandbox.slack.interactions import CLICKABLE, InputError
from sandbox.slack.response_urls import ResponseTarget, apply_response, response_url
from sandbox.slack.socket_mode import Delivery, EnvelopeTooLarge, EnvelopeType
from sandbox.slack.workspace import Conversation, SlackError, Workspace

if TYPE_CHECKING:
    from sandbox.slack import SlackEmulator

_MENTION = re.compile(r"(?<![\w<@!^|/.\-])@([A-Za-z0-9][A-Za-z0-9._-]*)")
_CHANNEL = re.compile(r"(?<![\w<#&/])#([a-z0-9][a-z0-9_-]*)")
_BROADCASTS = ("here", "channel", "everyone")

MessagePredicate = Callable[[dict[str, Any]], bool]


class DriverError(Exception):
    """A request a Slack client would not let a human make; ``status`` is the HTTP status for control routes."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class InteractionResult:
    """What happened to one interaction, as the user would experience it.

    ``delivered``: an envelope reached a connection; ``acked``: the app acked it (``ack_payload`` holds the ack's
    body). ``error`` is what the Slack client would report: ``dispatch_failed`` (no connection took it),
    ``operation_timeout`` (no ack in time) or ``invalid_response`` (the ack's content was refused); None when all
    went well. For view submissions, ``errors`` are the field errors shown in the modal and ``view`` is the
    modal on top afterwards (None when the stack closed).
    """

    kind: str
    delivered: bool = False
    acked: bool = False
    envelope_id: str | None = None
    ack_payload: dict[str, Any] | None = None
    error: str | None = None
    detail: str = ""
    trigger_id: str | None = None
    response_url: str | None = None
    response_action: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    view: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


class Driver:
    """Plays the people of the seed against the app, through the emulator ``emulator``."""

    def __init__(self, emulator: SlackEmulator) -> None:
        self._emu = emulator

    @property
    def ws(self) -> Workspace:
        return self._emu.workspace

    @property
    def seq(self) -> int:
        """The workspace's change counter now (pass it as ``since`` to wait only for later changes)."""
        return self.ws.seq

    # ------------------------------------------------------------------ names

    def user_id(self, user: str) -> str:
        """``"dana"``, ``"@dana"``, ``"followthrough"`` or ``"U0DANA001"`` -> ``"U0DANA001"``."""
        ref = user.lstrip("@")
        if ref in self.ws.users:
            return ref
        found = self.ws.user_by_name(ref)
        if found is None:
            names = sorted(self.ws.users[u]["name"] for u in self.ws.users)
            raise DriverError(f"unknown person {user!r}; known: {', '.join(names)}", status=404)
        return str(found["id"])

    def channel_id(self, channel: str) -> str:
        """``"#support"``, ``"support"`` or an id (``C…``, ``D…``) -> the conversation id."""
        if channel in self.ws.conversations:
            return channel
        conv = self.ws.channel_by_name(channel)
        if conv is None:
            names = sorted("#" + c.name for c in self.ws.conversations.values() if c.kind == "channel")
            raise DriverError(
                f"unknown conversation {channel!r}; channels: {', '.join(names)}; "
                "use dm_channel(user) for a DM with the bot",
                status=404,
            )
        return conv.id

    def dm_channel(self, user: str) -> str:
        """The id of the DM between ``user`` and the bot (created on first use, stable across resets)."""
        return str(self.ws.dm_with_bot(self.user_id(user)))

    def open_dm(self, user: str, *others: str) -> str:
        """The id of the DM between ``user`` and another person (a group DM with several), as a Slack client
        opens one from the people picker: created on first use, the same id every time. The bot is not in it,
        so the app sees none of its messages."""
        members = {self.user_id(user), *(self.user_id(other) for other in others)}
        if len(members) < 2:
            raise DriverError(f"a DM needs someone besides {user}: name the person to write to")
        try:
            return self.ws.open_dm(members).id
        except SlackError as exc:
            raise DriverError(str(exc)) from exc

    def create_channel(
        self, user: str, name: str, *members: str, private: bool = False, invite_bot: bool = True
    ) -> str:
        """``user`` creates ``#name`` with ``members`` (``private``: a private channel only they see) and, when
        ``invite_bot``, adds the bot as ``/invite @followthrough`` does; returns the channel's id."""
        ids = {self.user_id(user), *(self.user_id(m) for m in members)}
        try:
            return self.ws.create_channel(name, ids, private=private, bot_member=invite_bot).id
        except SlackError as exc:
            raise DriverError(str(exc)) from exc

    def expand(self, text: str) -> str:
        """Turn ``@name`` / ``#channel`` shorthands into Slack markup (see the module docstring)."""

        def mention(match: re.Match[str]) -> str:
            word = match.group(1)
            candidate = word
            while candidate:
                markup = self._mention_markup(candidate)
                if markup is not None:
                    return markup + word[len(candidate) :]
                stripped = candidate.rstrip("._-")
                if stripped == candidate:
                    break
                candidate = stripped
            return match.group(0)

        def channel(match: re.Match[str]) -> str:
            conv = self.ws.channel_by_name(match.group(1))
            return f"<#{conv.id}|{conv.name}>" if conv is not None else match.group(0)

        return _CHANNEL.sub(channel, _MENTION.sub(mention, text))

    def _mention_markup(self, name: str) -> str | None:
        if name in _BROADCASTS:
            return f"<!{name}>"
        user = self.ws.user_by_name(name)
        if user is not None:
            return f"<@{user['id']}>"
        group = self.ws.usergroup_by_handle(name)
        if group is not None:
            return f"<!subteam^{group['id']}>"
        return None

    # ------------------------------------------------------------------ messages

    def post_message(
        self, user: str, channel: str, text: str, *, thread_ts: str | None = None, broadcast: bool = False
    ) -> dict[str, Any]:
        """Post ``text`` as ``user`` (in a thread when ``thread_ts`` is set); returns the stored message.

        The app receives ``message`` (and ``app_mention`` when the bot is mentioned) as Slack would send them.
        """
        uid, cid = self.user_id(user), self.channel_id(channel)
        ws = self.ws
        with ws.changed:
            conv = self._conversation_of(uid, cid)
            expanded = self.expand(text)
            message = {
                "type": "message",
                "user": uid,
                "text": expanded,
                "client_msg_id": str(uuid.uuid4()),
                "team": ws.team_id,
                "blocks": events.rich_text_blocks(expanded),
            }
            try:
                stored = ws.add_message(cid, message, thread_ts=thread_ts, broadcast=broadcast)
            except SlackError as exc:
                raise DriverError(f"cannot post in {channel}: {exc}") from exc
            emitted = events.message_posted(ws, conv, stored, self._emu.subscriptions)
        self._emu.publish(emitted)
        return {**stored, "channel": cid}

    def add_reaction(self, user: str, channel: str, ts: str, name: str) -> dict[str, Any]:
        return self._react(user, channel, ts, name, added=True)

    def remove_reaction(self, user: str, channel: str, ts: str, name: str) -> dict[str, Any]:
        return self._react(user, channel, ts, name, added=False)

    def _react(self, user: str, channel: str, ts: str, name: str, *, added: bool) -> dict[str, Any]:
        uid, cid = self.user_id(user), self.channel_id(channel)
        ws = self.ws
        with ws.changed:
            conv = self._conversation_of(uid, cid)
            try:
                change = ws.add_reaction if added else ws.remove_reaction
                message = change(cid, ts, name.strip(":"), uid)
            except SlackError as exc:
                raise DriverError(f"cannot react to {ts} in {channel}: {exc}") from exc
            emitted = events.reaction_changed(
                ws,
                conv,
                message,
                reaction=name.strip(":"),
                user_id=uid,
                added=added,
                subscriptions=self._emu.subscriptions,
            )
        self._emu.publish(emitted)
        return {**message, "channel": cid}

    # ------------------------------------------------------------------ clicks and selections in messages

    def click(
        self,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        *,
        value: str | None = None,
        block_id: str | None = None,
    ) -> InteractionResult:
        """Click the button ``action_id`` (and ``value``/``block_id`` when given) in a message ``user`` sees."""
        return self._act_on_message(user, channel, message_ts, action_id, block_id=block_id, click_value=value)

    def forge_click(
        self, user: str, channel: str, message_ts: str, action_id: str, *, forged_value: str
    ) -> InteractionResult:
        """A hostile payload: the block_actions Slack would send for ``user`` clicking ``action_id`` on the message at
        ``message_ts``, except that the action's value is ``forged_value`` (say, another card's button value).
        Slack itself never sends one; a forged or replayed payload can."""
        uid, cid = self.user_id(user), self.channel_id(channel)
        ws = self.ws
        with ws.changed:
            conv, message, is_ephemeral = self._visible_message(uid, cid, message_ts)
            items = blockkit.interactive_elements(message.get("blocks", []))
            item = _find(items, action_id, None, f"message {message_ts} in {channel}", clickable=True)
            action = {**interactions.action_entry(item, None, action_ts=ws.next_ts()), "value": forged_value}
            trigger_id = ws.new_trigger(uid)
            url = self._response_url(uid, cid, source="block_actions", message_ts=message_ts, is_ephemeral=False)
            payload = interactions.block_actions_on_message(
                ws,
                uid,
                conv,
                message,
                action,
                is_ephemeral=is_ephemeral,
                state={},
                trigger_id=trigger_id,
                response_url=url,
            )
        return self._dispatch("interactive", payload, uid)

    def select(
        self,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        value: Any,
        *,
        block_id: str | None = None,
    ) -> InteractionResult:
        """Pick ``value`` in a menu, overflow, date picker, ... of a message (an option's ``value`` for menus,
        a list for multi-selects and checkboxes, a user or channel for those pickers)."""
        return self._act_on_message(user, channel, message_ts, action_id, block_id=block_id, chosen=(value,))

    def _act_on_message(
        self,
        user: str,
        channel: str,
        ts: str,
        action_id: str,
        *,
        block_id: str | None,
        click_value: str | None = None,
        chosen: tuple[Any] | None = None,
    ) -> InteractionResult:
        uid, cid = self.user_id(user), self.channel_id(channel)
        ws = self.ws
        with ws.changed:
            conv, message, is_ephemeral = self._visible_message(uid, cid, ts)
            blocks = message.get("blocks", [])
            items = blockkit.interactive_elements(blocks)
            where = f"message {ts} in {channel}"
            if chosen is None:
                item = _find(items, action_id, block_id, where, clickable=True, value=click_value)
                value = None
            else:
                item = _find(items, action_id, block_id, where, clickable=False)
                value = self._parse(item, chosen[0])
            picked = ws.message_inputs(uid, cid, ts)
            if chosen is not None:
                picked.setdefault(item["block_id"], {})[item["action_id"]] = interactions.state_entry(
                    item["element"], value
                )
                ws.set_message_inputs(uid, cid, ts, picked)
            inputs = _input_blocks(blocks)
            if chosen is not None and not _dispatches(item, inputs):
                return InteractionResult(kind="state")
            state = interactions.current_values(items, picked, input_block_ids=frozenset(inputs))
            action = interactions.action_entry(item, value, action_ts=ws.next_ts())
            trigger_id = ws.new_trigger(uid)
            url = self._response_url(
                uid,
                cid,
                source="block_actions",
                message_ts=ts,
                is_ephemeral=is_ephemeral,
                thread_ts=message.get("thread_ts"),
            )
            payload = interactions.block_actions_on_message(
                ws,
                uid,
                conv,
                message,
                action,
                is_ephemeral=is_ephemeral,
                state=state,
                trigger_id=trigger_id,
                response_url=url,
            )
        result = self._dispatch("interactive", payload, uid)
        result.trigger_id, result.response_url = trigger_id, url
        return result

    # ------------------------------------------------------------------ views: modals and App Home

    def click_in_view(
        self, user: str, view_id: str, action_id: str, *, value: str | None = None, block_id: str | None = None
    ) -> InteractionResult:
        """Click a button in ``user``'s top modal or App Home."""
        return self._act_in_view(user, view_id, action_id, block_id=block_id, click_value=value)

    def select_in_view(
        self, user: str, view_id: str, action_id: str, value: Any, *, block_id: str | None = None
    ) -> InteractionResult:
        """Pick or type ``value`` in an element of a modal or App Home (see ``select`` for the value forms).

        Inside an input block this only changes what the form holds (no envelope, like Slack) unless the block
        has ``dispatch_action``; the value is sent with the next submission.
        """
        return self._act_in_view(user, view_id, action_id, block_id=block_id, chosen=(value,))

    def _act_in_view(
        self,
        user: str,
        view_id: str,
        action_id: str,
        *,
        block_id: str | None,
        click_value: str | None = None,
        chosen: tuple[Any] | None = None,
    ) -> InteractionResult:
        uid = self.user_id(user)
        ws = self.ws
        with ws.changed:
            view = self._visible_view(uid, view_id)
            blocks = view.get("blocks", [])
            items = blockkit.interactive_elements(blocks)
            where = f"view {view_id}"
            if chosen is None:
                item = _find(items, action_id, block_id, where, clickable=True, value=click_value)
                value = None
            else:
                item = _find(items, action_id, block_id, where, clickable=False)
                value = self._parse(item, chosen[0])
            inputs = _input_blocks(blocks)
            picked = copy.deepcopy(view["state"]["values"])
            if chosen is not None:
                picked.setdefault(item["block_id"], {})[item["action_id"]] = interactions.state_entry(
                    item["element"], value
                )
            values = interactions.current_values(items, picked, input_block_ids=frozenset(inputs))
            view = ws.set_view_state(view_id, values)
            if chosen is not None and not _dispatches(item, inputs):
                return InteractionResult(kind="state", view=view)
            action = interactions.action_entry(item, value, action_ts=ws.next_ts())
            trigger_id = ws.new_trigger(uid)
            payload = interactions.block_actions_in_view(ws, uid, view, action, trigger_id=trigger_id)
        result = self._dispatch("interactive", payload, uid)
        result.trigger_id = trigger_id
        result.view = self._top_view(uid, view_id)
        return result

    def submit_view(self, user: str, view_id: str, values: dict[str, Any] | None = None) -> InteractionResult:
        """Fill the modal's inputs with ``values`` and press its submit button.

        ``values`` maps ``block_id`` to ``{action_id: value}`` (or directly to the value: an input block has
        one element). Unknown blocks or actions are refused. Required inputs left empty come back as
        ``errors`` without anything being sent, as the Slack client does. The ack's ``response_action`` is then
        applied: ``errors`` keeps the modal open with those errors, ``update`` replaces it, ``push`` pushes a
        new view, ``clear`` closes the whole stack; no response_action closes this view.
        """
        uid = self.user_id(user)
        ws = self.ws
        with ws.changed:
            view = self._visible_view(uid, view_id)
            if view["type"] != "modal":
                raise DriverError(f"{view_id} is an App Home; only modals are submitted")
            if not view.get("submit"):
                raise DriverError(f"modal {view_id} has no submit button")
            blocks = view.get("blocks", [])
            items = blockkit.interactive_elements(blocks)
            inputs = _input_blocks(blocks)
            picked = copy.deepcopy(view["state"]["values"])
            for block, given in (values or {}).items():
                for item, raw in self._submitted(items, block, given, view_id):
                    picked.setdefault(block, {})[item["action_id"]] = interactions.state_entry(
                        item["element"], self._parse(item, raw)
                    )
            state = interactions.current_values(items, picked, input_block_ids=frozenset(inputs))
            view = ws.set_view_state(view_id, state)
            missing = {
                block_id: interactions.REQUIRED_FIELD
                for block_id, block in inputs.items()
                if not block.get("optional") and _empty(state.get(block_id, {}))
            }
            if missing:
                return InteractionResult(kind="view_submission", errors=missing, view=view)
            trigger_id = ws.new_trigger(uid)
            payload = interactions.view_submission(ws, uid, view, trigger_id=trigger_id)
        result = self._dispatch("interactive", payload, uid)
        result.trigger_id = trigger_id
        if result.acked:
            self._apply_submission_ack(uid, view_id, result)
        result.view = self._top_view(uid, view_id)
        return result

    def _apply_submission_ack(self, uid: str, view_id: str, result: InteractionResult) -> None:
        ack = result.ack_payload or {}
        action = ack.get("response_action")
        result.response_action = action
        ws = self.ws
        with ws.changed:
            try:
                if action is None:
                    ws.close_modal(uid, view_id)
                elif action == "errors":
                    errors = ack.get("errors")
                    inputs = _input_blocks(ws.view(view_id).view.get("blocks", []))
                    if not isinstance(errors, dict) or not errors or set(errors) - set(inputs):
                        raise SlackError("invalid_response", detail=f"errors must name input blocks: {errors!r}")
                    result.errors = {str(k): str(v) for k, v in errors.items()}
                elif action == "update":
                    ws.update_view(view_id, checked_view(ack.get("view"), kinds=("modal",)))
                elif action == "push":
                    ws.push_modal(uid, checked_view(ack.get("view"), kinds=("modal",)))
                elif action == "clear":
                    ws.close_modal(uid, view_id, all_views=True)
                else:
                    raise SlackError("invalid_response", detail=f"unknown response_action {action!r}")
            except SlackError as exc:
                result.error, result.detail = "invalid_response", str(exc)
                ws.add_notice(uid, "invalid_response", f"The app's answer was refused: {exc}", view_id=view_id)

    def close_view(self, user: str, view_id: str, *, all_views: bool = False) -> InteractionResult:
        """Dismiss the top modal (or the whole stack); the app gets ``view_closed`` if it asked to."""
        uid = self.user_id(user)
        ws = self.ws
        with ws.changed:
            self._visible_view(uid, view_id)
            try:
                closed = ws.close_modal(uid, view_id, all_views=all_views)
            except SlackError as exc:
                raise DriverError(str(exc)) from exc
            notify = closed[0].get("notify_on_close", False)
            payload = interactions.view_closed(ws, uid, closed[0], is_cleared=all_views) if notify else None
        if payload is None:
            return InteractionResult(kind="view_closed")
        return self._dispatch("interactive", payload, uid)

    def open_app_home(self, user: str) -> dict[str, Any] | None:
        """Open the App Home tab: the app gets ``app_home_opened``; returns the published home view, if any."""
        uid = self.user_id(user)
        ws = self.ws
        with ws.changed:
            emitted = events.app_home_opened(ws, uid, self._emu.subscriptions)
            home = ws.home_view(uid)
        self._emu.publish(emitted)
        return home

    # ------------------------------------------------------------------ commands and shortcuts

    def slash_command(self, user: str, channel: str, command: str, text: str = "") -> InteractionResult:
        """Run ``/command text`` in ``channel``; text or blocks in the ack are shown as Slack shows them
        (ephemeral to the user, or in the channel for ``response_type: in_channel``)."""
        if not command.startswith("/") or " " in command:
            raise DriverError(f"a slash command looks like '/approve', not {command!r}")
        uid, cid = self.user_id(user), self.channel_id(channel)
        ws = self.ws
        with ws.changed:
            conv = self._conversation_of(uid, cid)
            trigger_id = ws.new_trigger(uid)
            url = self._response_url(uid, cid, source="slash_command")
            payload = interactions.slash_command(
                ws, uid, conv, command, self.expand(text), response_url=url, trigger_id=trigger_id
            )
        result = self._dispatch("slash_commands", payload, uid)
        result.trigger_id, result.response_url = trigger_id, url
        ack = result.ack_payload or {}
        if result.acked and (ack.get("text") or ack.get("blocks")):
            try:
                emitted = apply_response(ws, ResponseTarget(user=uid, channel=cid), ack, self._emu.subscriptions)
            except SlackError as exc:
                result.error, result.detail = "invalid_response", str(exc)
                ws.add_notice(uid, "invalid_response", f"{command} answered with content Slack refuses: {exc}")
            else:
                self._emu.publish(emitted)
        return result

    def message_shortcut(self, user: str, channel: str, message_ts: str, callback_id: str) -> InteractionResult:
        """Run the message shortcut ``callback_id`` on a message ``user`` sees."""
        uid, cid = self.user_id(user), self.channel_id(channel)
        ws = self.ws
        with ws.changed:
            conv, message, is_ephemeral = self._visible_message(uid, cid, message_ts)
            if is_ephemeral:
                raise DriverError("message shortcuts are not offered on ephemeral messages")
            trigger_id = ws.new_trigger(uid)
            url = self._response_url(
                uid, cid, source="message_action", message_ts=message_ts, thread_ts=message.get("thread_ts")
            )
            payload = interactions.message_action(
                ws, uid, conv, message, callback_id, response_url=url, trigger_id=trigger_id
            )
        result = self._dispatch("interactive", payload, uid)
        result.trigger_id, result.response_url = trigger_id, url
        return result

    def global_shortcut(self, user: str, callback_id: str) -> InteractionResult:
        uid = self.user_id(user)
        ws = self.ws
        with ws.changed:
            trigger_id = ws.new_trigger(uid)
            payload = interactions.global_shortcut(ws, uid, callback_id, trigger_id=trigger_id)
        result = self._dispatch("interactive", payload, uid)
        result.trigger_id = trigger_id
        return result

    # ------------------------------------------------------------------ reading

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        cid = self.channel_id(channel)
        try:
            return {**self.ws.message(cid, ts), "channel": cid}
        except SlackError as exc:
            raise DriverError(str(exc), status=404) from exc

    def channel_messages(self, channel: str) -> list[dict[str, Any]]:
        """Top-level messages of a conversation, oldest first (each with its ``channel``)."""
        cid = self.channel_id(channel)
        return [{**m, "channel": cid} for m in self.ws.history(cid)]

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        cid = self.channel_id(channel)
        try:
            return [{**m, "channel": cid} for m in self.ws.thread(cid, thread_ts)]
        except SlackError as exc:
            raise DriverError(str(exc), status=404) from exc

    def dm_messages(self, user: str) -> list[dict[str, Any]]:
        return self.channel_messages(self.dm_channel(user))

    def ephemerals(self, user: str) -> list[dict[str, Any]]:
        """Ephemeral messages shown to ``user``: ``{"user", "channel", "message"}``, oldest first."""
        return self.ws.ephemerals_for(self.user_id(user))

    def notices(self, user: str) -> list[dict[str, Any]]:
        """Errors the Slack client showed ``user`` (an app that did not answer, a refused answer)."""
        return self.ws.notices_for(self.user_id(user))

    def open_views(self, user: str) -> list[dict[str, Any]]:
        """``user``'s modal stack, bottom first."""
        return self.ws.modal_stack(self.user_id(user))

    def home_view(self, user: str) -> dict[str, Any] | None:
        return self.ws.home_view(self.user_id(user))

    def reactions(self, channel: str, ts: str) -> list[dict[str, Any]]:
        return list(self.message(channel, ts).get("reactions", []))

    def channels(self) -> list[dict[str, Any]]:
        """Every conversation: id, kind, name, members and whether the bot is in it."""
        ws = self.ws
        with ws.changed:
            return [
                {
                    "id": c.id,
                    "kind": c.kind,
                    "name": c.name,
                    "topic": c.topic,
                    "members": sorted(c.members),
                    "bot_member": ws.bot_user_id in c.members,
                }
                for c in ws.conversations.values()
            ]

    def users(self) -> list[dict[str, Any]]:
        return [self.ws.user(u) for u in self.ws.user_ids()]

    # ------------------------------------------------------------------ scale

    def populate(
        self,
        *,
        members: int = 10_000,
        groups: int = 500,
        groups_each: int = 2,
        join: dict[str, int] | None = None,
    ) -> crowd.Crowd:
        """Add ``members`` generated people and ``groups`` user groups beside the seed's (``sandbox.slack.crowd``):
        a large workspace until the next ``reset``."""
        try:
            return crowd.populate(self.ws, members=members, groups=groups, groups_each=groups_each, join=join)
        except SlackError as exc:
            raise DriverError(str(exc), status=409) from exc
        except ValueError as exc:
            raise DriverError(str(exc)) from exc

    def api_calls(self, *, since: float | None = None, until: float | None = None) -> dict[str, int]:
        """How many times the app called each Web API method (``{"users.info": 2, ...}``), counting the calls that
        arrived between ``since`` and ``until`` (epoch seconds) when given; the request log's generation only."""
        counts: Counter[str] = Counter()
        for entry in self._emu.requests.entries(path=r"^/api/"):
            arrived = entry.at - entry.duration
            if (since is None or arrived >= since) and (until is None or arrived <= until):
                counts[entry.path.removeprefix("/api/")] += 1
        return dict(sorted(counts.items()))

    # ------------------------------------------------------------------ waiting

    def wait_until(self, check: Callable[[], Any], *, timeout: float = 5.0) -> Any:
        """Wait until ``check()`` is truthy (re-evaluated after every workspace change); returns its value."""
        return self.ws.wait_until(check, timeout=timeout)

    def wait_for_message(
        self, predicate: MessagePredicate, *, timeout: float = 5.0, since: int | None = None
    ) -> dict[str, Any]:
        """The first stored message (with its ``channel``) satisfying ``predicate``, waiting up to ``timeout``.

        Messages already there count, and edits count; with ``since`` (a ``seq``) only messages posted or
        edited after that change are considered.
        """

        def check() -> dict[str, Any] | None:
            recent = self.ws.messages_changed_since(since) if since is not None else None
            for cid, message in self.ws.all_messages():
                if recent is not None and (cid, message["ts"]) not in recent:
                    continue
                candidate = {**message, "channel": cid}
                if predicate(candidate):
                    return candidate
            return None

        try:
            return self.wait_until(check, timeout=timeout)
        except TimeoutError:
            raise TimeoutError(f"no message matched within {timeout} s") from None

    def wait_for_bot_message(
        self,
        *,
        channel: str | None = None,
        thread_ts: str | None = None,
        contains: str | None = None,
        timeout: float = 5.0,
        since: int | None = None,
    ) -> dict[str, Any]:
        """A message of the app (in ``channel`` / thread ``thread_ts``, with ``contains`` in its text or
        blocks), waiting up to ``timeout``."""
        cid = self.channel_id(channel) if channel is not None else None
        bot = self.ws.bot_user_id

        def matches(message: dict[str, Any]) -> bool:
            return (
                message.get("user") == bot
                and (cid is None or message["channel"] == cid)
                and (thread_ts is None or (message.get("thread_ts") == thread_ts and message["ts"] != thread_ts))
                and (contains is None or contains in message_text(message))
            )

        try:
            return self.wait_for_message(matches, timeout=timeout, since=since)
        except TimeoutError:
            where = f" in {channel}" if channel else ""
            what = f" containing {contains!r}" if contains else ""
            raise TimeoutError(f"the bot posted no message{where}{what} within {timeout} s") from None

    def wait_for_ephemeral(
        self, user: str, predicate: MessagePredicate | None = None, *, timeout: float = 5.0
    ) -> dict[str, Any]:
        """The first ephemeral record ``{"user", "channel", "message"}`` for ``user`` matching ``predicate``."""
        uid = self.user_id(user)

        def check() -> dict[str, Any] | None:
            for item in self.ws.ephemerals_for(uid):
                if predicate is None or predicate(item["message"]):
                    return item
            return None

        try:
            return self.wait_until(check, timeout=timeout)
        except TimeoutError:
            raise TimeoutError(f"no ephemeral message for {user} within {timeout} s") from None

    # ------------------------------------------------------------------ faults and settings

    def connection_count(self) -> int:
        """Live Socket Mode connections of the app (draining ones excluded)."""
        return self._emu.socket.connection_count()

    def connections(self) -> list[dict[str, Any]]:
        return self._emu.socket.connections()

    def deliveries(self) -> list[dict[str, Any]]:
        """Every envelope sent so far (or waiting), oldest first, with its status and ack."""
        return [d.to_dict() for d in self._emu.socket.deliveries()]

    def drop_acks(self, count: int) -> None:
        """Lose the next ``count`` acks from the app (events are then redelivered with ``retry_attempt``)."""
        self._emu.socket.drop_acks(count)

    def disconnect_all(self, reason: str = "refresh_requested") -> int:
        return self._emu.socket.disconnect_all(reason)

    def configure(self, *, ack_timeout: float | None = None, max_retries: int | None = None) -> dict[str, Any]:
        """Change how long Slack waits for acks and how often it redelivers an event (reset restores 3 s / 3)."""
        if ack_timeout is not None:
            if ack_timeout <= 0:
                raise DriverError("ack_timeout must be positive")
            self._emu.socket.ack_timeout = float(ack_timeout)
        if max_retries is not None:
            if max_retries < 0:
                raise DriverError("max_retries must be >= 0")
            self._emu.socket.max_retries = int(max_retries)
        return {"ack_timeout": self._emu.socket.ack_timeout, "max_retries": self._emu.socket.max_retries}

    # ------------------------------------------------------------------ internals

    def _conversation_of(self, uid: str, cid: str) -> Conversation:
        conv = self.ws.conversation(cid)
        if uid not in conv.members:
            label = "#" + conv.name if conv.kind == "channel" else cid
            raise DriverError(f"{self.ws.display_name(uid)} is not a member of {label}", status=403)
        return conv

    def _visible_message(self, uid: str, cid: str, ts: str) -> tuple[Conversation, dict[str, Any], bool]:
        """The message ``ts`` as ``uid`` sees it in ``cid``: a stored message or one of their ephemerals."""
        ws = self.ws
        conv = ws.conversation(cid)
        for item in ws.ephemerals:
            if item.message["ts"] == ts and item.channel == cid:
                if item.user != uid:
                    raise DriverError(f"ephemeral message {ts} is shown to {item.user} only", status=403)
                return conv, copy.deepcopy(item.message), True
        self._conversation_of(uid, cid)
        stored = conv.messages.get(ts)
        if stored is None or stored.get("subtype") == "tombstone":
            raise DriverError(f"no message {ts} in {cid}", status=404)
        return conv, copy.deepcopy(stored), False

    def _visible_view(self, uid: str, view_id: str) -> dict[str, Any]:
        ws = self.ws
        try:
            opened = ws.view(view_id)
        except SlackError:
            raise DriverError(f"no open view {view_id}", status=404) from None
        if opened.user != uid:
            raise DriverError(f"view {view_id} belongs to {ws.display_name(opened.user)}", status=403)
        if opened.kind == "modal":
            stack = ws.modal_stacks.get(uid, [])
            if stack[-1] != view_id:
                raise DriverError(f"view {view_id} is under {stack[-1]}; only the top modal can be used")
        return copy.deepcopy(opened.view)

    def _top_view(self, uid: str, view_id: str) -> dict[str, Any] | None:
        ws = self.ws
        with ws.changed:
            if ws.homes.get(uid) == view_id:
                return ws.home_view(uid)
            stack = ws.modal_stack(uid)
            return stack[-1] if stack else None

    def _parse(self, item: dict[str, Any], raw: Any) -> Any:
        try:
            return interactions.parse_value(item["element"], raw, self._resolve)
        except InputError as exc:
            raise DriverError(str(exc)) from exc

    def _resolve(self, kind: str, ref: str) -> str:
        try:
            return self.user_id(ref) if kind == "user" else self.channel_id(ref)
        except DriverError as exc:
            raise InputError(str(exc)) from exc

    def _submitted(
        self, items: list[dict[str, Any]], block_id: str, given: Any, view_id: str
    ) -> list[tuple[dict[str, Any], Any]]:
        in_block = [i for i in items if i["block_id"] == block_id and interactions.value_key(i["element"])]
        if not in_block:
            known = sorted({i["block_id"] for i in items if interactions.value_key(i["element"])})
            raise DriverError(f"view {view_id} has no input block {block_id!r}; blocks with inputs: {known}")
        if not isinstance(given, dict):
            if len(in_block) != 1:
                raise DriverError(f"block {block_id!r} has several inputs; give {{action_id: value}}")
            return [(in_block[0], given)]
        pairs = []
        for action_id, raw in given.items():
            item = next((i for i in in_block if i["action_id"] == action_id), None)
            if item is None:
                known = [i["action_id"] for i in in_block]
                raise DriverError(f"block {block_id!r} has no input {action_id!r}; inputs: {known}")
            pairs.append((item, raw))
        return pairs

    def _response_url(self, uid: str, cid: str, *, source: str, **where: Any) -> str:
        token = self.ws.new_response_url(uid, cid, source=source, **where)
        return response_url(self._emu.base_url, self.ws.team_id, token)

    def _dispatch(self, kind: EnvelopeType, payload: dict[str, Any], uid: str) -> InteractionResult:
        server = self._emu.server
        if server is None:
            raise DriverError("the Slack emulator is not served yet (start the sandbox first)", status=409)
        label = payload.get("type") or "slash_command"
        try:
            delivery: Delivery = server.call(
                self._emu.socket.request(kind, payload), timeout=self._emu.socket.ack_timeout + 10
            )
        except EnvelopeTooLarge as exc:
            raise DriverError(str(exc)) from exc
        result = InteractionResult(
            kind=str(label),
            delivered=delivery.status in ("acked", "timed_out"),
            acked=delivery.acked,
            envelope_id=delivery.envelope_id,
            ack_payload=delivery.ack_payload,
        )
        if delivery.status == "undelivered":
            result.error, result.detail = "dispatch_failed", "no Socket Mode connection took the envelope"
        elif delivery.status != "acked":
            result.error, result.detail = "operation_timeout", f"no ack within {self._emu.socket.ack_timeout} s"
        if result.error is not None:
            text = (
                f'{payload["command"]} failed with the error "{result.error}"'
                if kind == "slash_commands"
                else "The app did not respond. Try again?"
            )
            self.ws.add_notice(uid, result.error, text, payload_type=str(label), envelope_id=delivery.envelope_id)
        return result


# ---------------------------------------------------------------------- helpers


def message_text(message: dict[str, Any]) -> str:
    """The text a reader sees in a message: its ``text`` plus every text inside its blocks."""
    parts = [str(message.get("text", ""))]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(message.get("blocks", []))
    return "\n".join(parts)


def _find(
    items: list[dict[str, Any]],
    action_id: str,
    block_id: str | None,
    where: str,
    *,
    clickable: bool,
    value: str | None = None,
) -> dict[str, Any]:
    candidates = [
        i
        for i in items
        if i["action_id"] == action_id
        and (block_id is None or i["block_id"] == block_id)
        and (value is None or i["element"].get("value") == value)
    ]
    if not candidates:
        present = [f"{i['action_id']} ({i['type']})" for i in items] or ["no interactive elements"]
        wanted = action_id + (f" with value {value!r}" if value is not None else "")
        raise DriverError(f"no element {wanted} in {where}; present: {', '.join(present)}", status=404)
    item = candidates[0]
    if clickable and item["type"] not in CLICKABLE:
        raise DriverError(f"{action_id} in {where} is a {item['type']}, not a button: use select()")
    if not clickable and interactions.value_key(item["element"]) is None:
        raise DriverError(f"{action_id} in {where} is a {item['type']}, which holds no value: use click()")
    return item


def _input_blocks(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in blocks if isinstance(b, dict) and b.get("type") == "input" and "block_id" in b}


def _dispatches(item: dict[str, Any], inputs: dict[str, dict[str, Any]]) -> bool:
    """Whether changing this element sends block_actions (elements of input blocks only with dispatch_action)."""
    block = inputs.get(item["block_id"])
    return block is None or bool(block.get("dispatch_action"))


def _empty(entries: dict[str, Any]) -> bool:
    for entry in entries.values():
        for key, value in entry.items():
            if key != "type" and value not in (None, "", []):
                return False
    return True
