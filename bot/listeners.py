"""The Bolt listeners: ack first, record durably, hand off; never wait on Jira, the LLM or anything slow.

``register`` is the one place that says which handler answers which event, action, view or command; the handlers
are plain module-level functions that find the bot's dependencies in Bolt's context (put there by the first
middleware).

Events: a global middleware records every request in the inbox *before* Bolt sends the ack (Bolt's socket-mode
adapter sends it when dispatch returns, and middleware runs inside dispatch), so an acked request is never lost.
That is one Redis round trip; queuing the intake job happens in the listener, after the ack. If the process dies in
between, the reaper finds the request still pending and queues it. Every subscribed event has a listener so that
it is acked: an unhandled event gets no ack and Slack redelivers it.

Clicks: the listener acks at once, then checks the clicker's rights and makes the atomic transition through
approvals.flow.choices; the cards are re-rendered from the stored proposal. A refused click changes nothing, is audited,
and is explained only to the person who clicked. Buttons that open a modal check rights first (the modal must open
within Slack's 3 s trigger window); a modal submission is checked before it is acknowledged, so problems show under
the fields instead of closing the modal.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from approvals.core.actions import JiraCreateIssue
from approvals.core.grounding import GroundingContext, NeedsInfo, Unworkable, ground
from approvals.core.intents import JiraCreateIssueRequest
from approvals.core.policy import Principal
from approvals.core.undo_plan import undo_label
from approvals.core.wording import slack_time
from approvals.core.workflow import Refused
from approvals.flow import choices, followthrough, keys, metrics
from approvals.flow.choices import Origin
from approvals.flow.inbox import InboundRequest
from approvals.flow.policy_checks import decide_now
from approvals.flow.queries import remember_home_viewer
from approvals.flow.queueing import enqueue_intake
from approvals.flow.runtime import Runtime
from approvals.flow.showing import publish_home
from approvals.flow.store import asking_key
from bot import action_ids
from bot.cards import parse_button_value, parse_choice_value, shadow_wrong_modal
from bot.commands import run_command
from bot.events import classify_event
from bot.followup_cards import commitment_of, read_wont_do, wont_do_modal
from bot.modals import IssueEdit, edit_issue_modal, read_issue_edit, read_metadata, read_reason, reject_modal
from bot.text import to_plain

logger = logging.getLogger(__name__)

NEW_REQUEST = "followthrough_new_request"


@dataclass(frozen=True)
class BotDependencies:
    runtime: Runtime
    clock: Callable[[], dt.datetime]


@dataclass(frozen=True)
class Click:
    """Who clicked which proposal's button, and where the answer to them goes."""

    user: str
    channel: str | None
    thread_ts: str | None
    proposal_id: str
    fingerprint: str
    trigger_id: str | None
    origin: Origin | None = None
    """The message the button was on (None for a button that is on no message)."""


def read_click(body: dict[str, Any]) -> Click | None:
    """The click in a block_actions payload, or None when the button carries no proposal (not one of ours)."""
    container = body.get("container") or {}
    try:
        proposal_id, fingerprint = parse_button_value(body["actions"][0]["value"])
    except (KeyError, IndexError, ValueError):
        return None
    return Click(
        user=body["user"]["id"],
        channel=container.get("channel_id") or (body.get("channel") or {}).get("id"),
        thread_ts=container.get("thread_ts"),
        proposal_id=proposal_id,
        fingerprint=fingerprint,
        trigger_id=body.get("trigger_id"),
        origin=_origin(body),
    )


def _origin(body: dict[str, Any]) -> Origin | None:
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    if container.get("type", "message") != "message" or not channel or not ts:
        return None
    return Origin(channel=str(channel), ts=str(ts))


_MODAL_TTL = 3600


def _modal_key(view_id: str) -> str:
    return keys.modal(view_id)


DEPENDENCIES = "followthrough_dependencies"
"""The context key under which every listener finds the bot's ``BotDependencies`` (set by the first middleware)."""


def _deps(context: BoltContext) -> BotDependencies:
    deps = context.get(DEPENDENCIES)
    assert isinstance(deps, BotDependencies), "register() adds the middleware that provides the dependencies"
    return deps


def _runtime(context: BoltContext) -> Runtime:
    return _deps(context).runtime


def register(app: App, deps: BotDependencies) -> None:
    """Attach every listener of the bot to ``app``: the one place that says which handler answers what."""

    def provide_dependencies(context: BoltContext, next: Callable[[], None]) -> None:
        context[DEPENDENCIES] = deps
        next()

    app.use(provide_dependencies)
    app.use(record_request)
    app.error(on_error)

    app.event("app_mention")(on_mention)
    app.event("message")(on_message)
    app.event("app_home_opened")(on_home_opened)
    app.command(action_ids.SLASH_COMMAND)(_reported(on_command))
    app.shortcut(action_ids.MESSAGE_SHORTCUT)(_reported(on_message_shortcut))

    app.action(action_ids.APPROVE)(_reported(on_approve))
    app.action(action_ids.REJECT)(_reported(on_reject))
    app.view(action_ids.REJECT_VIEW)(_reported(on_reject_submitted))
    app.action(action_ids.EDIT)(_reported(on_edit))
    app.view(action_ids.EDIT_VIEW)(_reported(on_edit_submitted))
    app.action(action_ids.CANCEL)(_reported(on_cancel))
    app.action(action_ids.UNDO)(_reported(on_undo))
    app.action(action_ids.QUESTION_PICK)(_reported(on_question_pick))
    app.action(re.compile(rf"^{action_ids.QUESTION_BUTTON}_\d+$"))(_reported(on_question_button))
    app.action(action_ids.SHADOW_RIGHT)(_reported(on_shadow_right))
    app.action(action_ids.SHADOW_WRONG)(_reported(on_shadow_wrong))
    app.view(action_ids.SHADOW_WRONG_VIEW)(_reported(on_shadow_wrong_submitted))
    app.action(re.compile(rf"^{action_ids.HOME_OPEN}(_[\w-]+)?$"))(on_home_link)

    app.action(action_ids.FOLLOWUP_DONE)(_reported(on_followup_done))
    app.action(action_ids.FOLLOWUP_SNOOZE)(_reported(on_followup_snooze))
    app.action(action_ids.FOLLOWUP_REASSIGN)(_reported(on_followup_reassign))
    app.action(action_ids.FOLLOWUP_WONT_DO)(_reported(on_followup_wont_do))
    app.view(action_ids.WONT_DO_VIEW)(_reported(on_wont_do_submitted))

    # Last, so they answer only what nothing above does: Slack redelivers an event nobody acked, and shows "this app
    # did not respond" for a click nobody acked. Every envelope is acked, whatever it is.
    app.event(ANYTHING)(on_other_event)
    app.action(ANYTHING)(on_unknown_action)
    app.view(ANYTHING)(on_unknown_view)


# ---------------------------------------------------------------------------------------------------------------
# Events: recorded before the ack, taken in after it


def record_request(body: dict[str, Any], context: BoltContext, next: Callable[[], None]) -> None:
    received = time.monotonic()
    try:
        _take_or_skip(body, context, next)
    finally:
        metrics.envelope(str(body.get("type") or "event"), received)


def _take_or_skip(body: dict[str, Any], context: BoltContext, next: Callable[[], None]) -> None:
    deps = _deps(context)
    rt = deps.runtime
    request = classify_event(body, bot_user_id=context.bot_user_id, now=deps.clock())
    # Only a reply in a thread where the bot waits for an answer is ours to take in.
    if (
        request is not None
        and request.source == "thread_reply"
        and not rt.connection.exists(asking_key(request.channel, request.thread_ts))
    ):
        request = None
    if request is not None:
        # If Redis is down this raises: Bolt then sends no ack and Slack redelivers, which is what we want.
        if rt.inbox.record(request):
            context[NEW_REQUEST] = request
        else:
            logger.info(
                "request %s already recorded (event %s redelivered or twin event)", request.key, request.event_id
            )
    next()


def _take_in(context: BoltContext) -> None:
    """After the ack: queue the intake of a request the middleware recorded (never twice: recorded once)."""
    request = context.get(NEW_REQUEST)
    if request is not None:
        enqueue_intake(_runtime(context), request.key, reason=f"{request.source} {request.event_id}")


def on_mention(context: BoltContext) -> None:
    _take_in(context)


def on_message(context: BoltContext) -> None:
    """DMs to the bot are requests; edits, deletions and channel chatter are acked and ignored."""
    _take_in(context)


def on_home_opened(event: dict[str, Any], context: BoltContext) -> None:
    if event.get("tab", "home") == "home" and isinstance(event.get("user"), str):
        rt = _runtime(context)
        remember_home_viewer(rt, event["user"])
        publish_home(rt, event["user"])


def on_command(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    text = run_command(
        _runtime(context), user_id=body["user_id"], channel=body["channel_id"], text=body.get("text", "")
    )
    respond(text=text, response_type="ephemeral")


def on_message_shortcut(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    deps = _deps(context)
    rt = deps.runtime
    message = body.get("message") or {}
    user, channel = body["user"]["id"], body["channel"]["id"]
    request = InboundRequest(
        channel=channel,
        ts=message["ts"],
        thread_ts=message.get("thread_ts") or message["ts"],
        user=user,
        text=to_plain(message.get("text") or ""),
        source="shortcut",
        event_id=body.get("trigger_id") or "",
        received_at=deps.clock(),
    )
    if rt.inbox.record(request):
        enqueue_intake(rt, request.key, reason=f"message shortcut by {user}")
    else:
        rt.notifier.tell(user, channel, "That message was already taken as a request; see its thread.")


ANYTHING = re.compile(r".*")


def _reported(handler: Callable[..., None]) -> Callable[..., None]:
    """``handler`` (which acks first), with what it raises after its ack reported by ``on_error`` instead of raised.

    Bolt's runner loses an ack when a listener raises within about 10 ms of calling it: on an error it resets the
    ack's response, racing the thread that waits to send it, and then sends nothing for 3 s. A click would show
    "this app did not respond" although it was acked, on top of our own "that failed" message. Bolt reads the
    handler's parameters through ``__wrapped__``, so it passes the same arguments as before."""

    @functools.wraps(handler)
    def reported(**kwargs: Any) -> None:
        try:
            handler(**kwargs)
        except Exception as error:
            on_error(error, kwargs.get("body") or {}, kwargs["context"])

    return reported


def on_other_event(body: dict[str, Any]) -> None:
    """An event no listener above takes (one the manifest does not subscribe to, or a forged one): acked, ignored."""
    event = body.get("event")
    logger.debug("event %s ignored", event.get("type") if isinstance(event, dict) else None)


def on_unknown_action(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """A click on an element this version has no handler for (a message posted by another version, a forged
    payload): the clicker hears that nothing happened, instead of Slack's "this app did not respond"."""
    ack()
    user, channel = _who_and_where(body)
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
    logger.warning("a click on %r by %s has no handler; ignored", str(first.get("action_id"))[:60], user)
    if user:
        _runtime(context).notifier.tell(
            user, channel, "That button isn't one I know (it may be from an older message); nothing was changed."
        )


def on_unknown_view(ack: Ack, body: dict[str, Any]) -> None:
    ack()
    logger.warning("a form %r has no handler; closed", _field_id(body, "view", "callback_id"))


def _field_id(body: dict[str, Any], name: str, key: str = "id") -> str | None:
    """``body[name][key]`` when it is a string id, else None (a payload is not trusted to have Slack's shape)."""
    value = body.get(name)
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, str) and found else None


def _who_and_where(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """The user and the channel of a click, a form or a command, each None when the payload lacks it."""
    user = _field_id(body, "user") or (body.get("user_id") if isinstance(body.get("user_id"), str) else None)
    channel = _field_id(body, "container", "channel_id") or _field_id(body, "channel")
    channel = channel or (body.get("channel_id") if isinstance(body.get("channel_id"), str) else None)
    return user, channel


def on_error(error: Exception, body: dict[str, Any], context: BoltContext) -> None:
    """An unexpected error in a handler: logged with what it was about, and the person who clicked (or typed) is
    told, only them, that it failed and was logged, instead of a button that silently does nothing."""
    user, channel = _who_and_where(body)
    what = body.get("type") or ("command" if body.get("command") else "event")
    logger.error("a %s by %s failed: %s", what, user or "nobody", error, exc_info=error)
    if not user or what not in ("block_actions", "view_submission", "command", "shortcut", "message_action"):
        return
    try:
        _runtime(context).notifier.tell(
            str(user), channel, "Sorry, that failed on my side and was logged; nothing was changed. Try again."
        )
    except Exception:
        logger.exception("could not tell %s that their %s failed", user, what)


# ---------------------------------------------------------------------------------------------------------------
# Clicks on a proposal's card: rights are the workflow's (approvals.flow.choices), checked once there


def _tell(rt: Runtime, click: Click, text: str) -> None:
    rt.notifier.tell(click.user, click.channel, text, thread_ts=click.thread_ts)


def _decide(rt: Runtime, body: dict[str, Any], run: Callable[[Click, Principal], object]) -> None:
    click = read_click(body)
    if click is None:
        logger.warning("a click carried no proposal: %r", body.get("actions"))
        return
    try:
        choices.check_origin(rt, click.proposal_id, click.user, click.origin)
        run(click, rt.directory.principal(click.user))
    except Refused as refusal:
        _tell(rt, click, refusal.user_message)


def _open_modal(rt: Runtime, client: WebClient, click: Click, view: dict[str, Any]) -> None:
    try:
        opened = client.views_open(trigger_id=click.trigger_id, view=view)
    except SlackApiError as exc:
        logger.warning("proposal %s: could not open a modal: %s", click.proposal_id, exc.response.get("error"))
        _tell(rt, click, "Slack did not let me open the form in time; please click again.")
        return
    view_id = (opened.get("view") or {}).get("id")
    if view_id:
        # The form is bound to the card it was opened from: its submission may act on that proposal only.
        rt.connection.set(_modal_key(str(view_id)), click.proposal_id, ex=_MODAL_TTL)


def _modal_is_its_own(rt: Runtime, body: dict[str, Any], proposal_id: str, user: str) -> bool:
    """Whether the submitted form is one this app opened for ``proposal_id`` (else audited as suspicious)."""
    view_id = str((body.get("view") or {}).get("id") or "")
    opened_for = rt.connection.get(_modal_key(view_id)) if view_id else None
    if opened_for is not None and opened_for.decode() == proposal_id:
        return True
    logger.warning("proposal %s: a form submitted by %s was not opened for it: refused", proposal_id, user)
    try:
        choices.check_origin(rt, proposal_id, user, Origin(channel="modal", ts=view_id or "?"))
    except Refused as refusal:
        rt.notifier.tell(user, None, refusal.user_message)
    return False


def on_approve(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    rt = _runtime(context)
    _decide(rt, body, lambda c, p: choices.approve(rt, c.proposal_id, p, c.fingerprint))


def on_reject(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    rt = _runtime(context)

    def run(click: Click, person: Principal) -> None:
        proposal = choices.check_may_reject(rt, click.proposal_id, person)
        _open_modal(rt, client, click, reject_modal(proposal))

    _decide(rt, body, run)


def _reason_submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    context: BoltContext,
    act: Callable[[Runtime, str, Principal, str], object],
) -> None:
    """A form with a reason, submitted: acknowledged, refused unless this app opened it for its proposal, then
    ``act(rt, proposal_id, who, reason)``; a refusal is told to the person only."""
    rt = _runtime(context)
    proposal_id, _ = read_metadata(view)
    user = body["user"]["id"]
    ack()
    if not _modal_is_its_own(rt, body, proposal_id, user):
        return
    try:
        act(rt, proposal_id, rt.directory.principal(user), read_reason(view))
    except Refused as refusal:
        rt.notifier.tell(user, None, refusal.user_message)


def on_reject_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    _reason_submitted(ack, body, view, context, choices.reject)


def on_edit(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    rt = _runtime(context)

    def run(click: Click, person: Principal) -> None:
        proposal = choices.check_may_edit(rt, click.proposal_id, person)
        action = proposal.actions[0]
        if len(proposal.actions) != 1 or not isinstance(action, JiraCreateIssue) or rt.jira_catalog is None:
            raise Refused("This request can't be edited here; reject it and ask again with the changes.")
        projects = rt.jira_catalog.projects()
        issue_types = projects[action.project].issue_types if action.project in projects else (action.issue_type,)
        view = edit_issue_modal(
            proposal,
            action,
            projects=sorted(projects),
            issue_types=issue_types,
            priorities=rt.jira_catalog.priorities(),
        )
        _open_modal(rt, client, click, view)

    _decide(rt, body, run)


def on_edit_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    deps = _deps(context)
    rt = deps.runtime
    proposal_id, fingerprint = read_metadata(view)
    user = body["user"]["id"]
    if not _modal_is_its_own(rt, body, proposal_id, user):
        ack()
        return
    result = edited_issue(rt, proposal_id, user, view, today=deps.clock().date())
    if isinstance(result, dict):
        ack(response_action="errors", errors=result)
        return
    ack()
    try:
        choices.edit(rt, proposal_id, rt.directory.principal(user), fingerprint, [result])
    except Refused as refusal:
        rt.notifier.tell(user, None, refusal.user_message)


def on_cancel(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    rt = _runtime(context)
    _decide(rt, body, lambda c, p: choices.cancel(rt, c.proposal_id, p))


def on_undo(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    rt = _runtime(context)

    def run(click: Click, person: Principal) -> None:
        choices.undo(rt, click.proposal_id, person)
        what = undo_label(rt.store.get(click.proposal_id))
        _tell(rt, click, f"Preparing the undo of {what}; it will appear in the thread for approval.")

    _decide(rt, body, run)


def _pick(rt: Runtime, body: dict[str, Any], value: str) -> None:
    user = body["user"]["id"]
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    try:
        proposal_id, token, index = parse_choice_value(value)
    except ValueError:
        logger.warning("a pick carried no question: %r", value)
        return
    try:
        choices.check_origin(rt, proposal_id, user, _origin(body))
        choices.pick(rt, proposal_id, rt.directory.principal(user), token, index)
    except Refused as refusal:
        rt.notifier.tell(user, channel, refusal.user_message, thread_ts=container.get("thread_ts"))


def on_question_pick(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    _pick(_runtime(context), body, body["actions"][0]["selected_option"]["value"])


def on_question_button(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    _pick(_runtime(context), body, body["actions"][0]["value"])


def on_home_link(ack: Ack) -> None:
    ack()  # a link button: Slack opens the URL itself, the app only acknowledges


# -- shadow mode: Right / Wrong on a shadow card -------------------------------------------------------------------


def on_shadow_right(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    rt = _runtime(context)
    _decide(rt, body, lambda c, p: choices.judge_shadow(rt, c.proposal_id, p, right=True))


def on_shadow_wrong(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    rt = _runtime(context)

    def run(click: Click, person: Principal) -> None:
        _open_modal(rt, client, click, shadow_wrong_modal(choices.check_may_judge(rt, click.proposal_id, person)))

    _decide(rt, body, run)


def on_shadow_wrong_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    def wrong(rt: Runtime, proposal_id: str, person: Principal, note: str) -> object:
        return choices.judge_shadow(rt, proposal_id, person, right=False, note=note)

    _reason_submitted(ack, body, view, context, wrong)


# ---------------------------------------------------------------------------------------------------------------
# Follow-ups: the buttons of a nudge


def _followup(rt: Runtime, body: dict[str, Any], run: Callable[[str, str], str | None]) -> None:
    """Run ``run(commitment_id, user)`` for a click on a nudge (only from a nudge message of that follow-up);
    what it returns, or why it was refused, is told to the clicker."""
    user = body["user"]["id"]
    channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")
    commitment_id = commitment_of(body)
    if commitment_id is None:
        logger.warning("a follow-up click carried no follow-up: %r", body.get("actions"))
        return
    try:
        said = run(commitment_id, user)
    except followthrough.FollowUpRefused as refusal:
        rt.notifier.tell(user, channel, refusal.user_message)
        return
    if said:
        rt.notifier.tell(user, channel, said)


def on_followup_done(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    rt = _runtime(context)
    _followup(rt, body, lambda cid, user: followthrough.done_clicked(rt, cid, user))


def on_followup_snooze(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    rt = _runtime(context)
    value = str(body["actions"][0]["selected_option"]["value"])
    seconds = int(value.rsplit("|", 1)[-1])

    def run(cid: str, user: str) -> str:
        changed = followthrough.snooze(rt, cid, user, rt.clock() + dt.timedelta(seconds=seconds))
        return f"Snoozed: I'll check again {slack_time(changed.snoozed_until or rt.clock())}."

    _followup(rt, body, run)


def on_followup_reassign(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    rt = _runtime(context)
    new_owner = str(body["actions"][0].get("selected_user") or "")

    def run(cid: str, user: str) -> str:
        followthrough.reassign(rt, cid, user, new_owner)
        return f"<@{new_owner}> owns it now; I told them."

    _followup(rt, body, run)


def on_followup_wont_do(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    rt = _runtime(context)

    def run(cid: str, user: str) -> None:
        commitment = rt.commitments.find(cid)
        if commitment is None or not commitment.live:
            raise followthrough.FollowUpRefused("This follow-up is already closed.")
        try:
            opened = client.views_open(trigger_id=body.get("trigger_id"), view=wont_do_modal(commitment))
        except SlackApiError as exc:
            logger.warning("follow-up %s: could not open the form: %s", cid, exc.response.get("error"))
            raise followthrough.FollowUpRefused("Slack did not let me open the form in time; click again.") from None
        view_id = (opened.get("view") or {}).get("id")
        if view_id:
            rt.connection.set(_modal_key(str(view_id)), cid, ex=_MODAL_TTL)

    _followup(rt, body, run)


def on_wont_do_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    rt = _runtime(context)
    commitment_id, reason = read_wont_do(view)
    user = body["user"]["id"]
    if not " ".join(reason.split()):
        ack(response_action="errors", errors={"reason": "Say why, so the thread knows."})
        return
    ack()
    opened_for = rt.connection.get(_modal_key(str(view.get("id") or "")))
    if opened_for is None or opened_for.decode() != commitment_id:
        logger.warning("follow-up %s: a form submitted by %s was not opened for it: refused", commitment_id, user)
        return
    try:
        followthrough.wont_do(rt, commitment_id, user, reason)
    except followthrough.FollowUpRefused as refusal:
        rt.notifier.tell(user, None, refusal.user_message)


# ---------------------------------------------------------------------------------------------------------------
# Editing a proposed issue


def edited_issue(rt: Runtime, proposal_id: str, user: str, view: dict[str, Any], *, today: dt.date) -> Any:
    """The edited Jira issue, grounded like a new request, or errors by block_id for the modal."""
    read = read_issue_edit(view, today=today)
    if not isinstance(read, IssueEdit):
        return read
    try:
        proposal = choices.check_may_edit(rt, proposal_id, rt.directory.principal(user))
    except Refused as refusal:
        return {"summary": refusal.user_message}
    original = proposal.actions[0]
    assert isinstance(original, JiraCreateIssue)
    requester = rt.directory.person(proposal.requester)
    if requester is None or rt.jira_catalog is None:
        return {"summary": "I can't check this edit right now; try again in a moment."}
    wanted = JiraCreateIssueRequest(
        project=read.project,
        issue_type=read.issue_type,
        summary=read.summary,
        description=read.description if read.description is not None else original.description,
        assignee=f"<@{read.assignee_slack_id}>" if read.assignee_slack_id else None,
        priority=read.priority,
        labels=read.labels,
        due_date=read.due_date,
    )
    grounded = ground(wanted, rt.lookups, GroundingContext(requester=requester, today=today))
    if isinstance(grounded, Unworkable):
        return {"summary": grounded.reason[:150]}
    if isinstance(grounded, NeedsInfo):
        field = grounded.missing[0] if grounded.missing else "summary"
        block = (
            field if field in ("summary", "project", "issue_type", "priority", "due_date", "assignee") else "summary"
        )
        return {block: grounded.question[:150]}
    if grounded == original:
        return {"summary": "Nothing changed; edit a field or close the form."}
    decision = decide_now(rt, [grounded], requester=proposal.requester, channel=proposal.channel)
    if decision.outcome == "deny":
        return {"project": f"The policy does not allow this: {decision.reason}"[:150]}
    return grounded
