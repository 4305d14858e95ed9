"""Showing proposals and results in Slack: post once, then edit by the stored ``ts``.

Slack messages have no idempotency key, so every message this module posts carries message metadata naming the
proposal (and for results, the state). Before posting, it looks in the thread for a message with that metadata and
reuses it, so a job that crashed after posting does not post twice when it runs again. Late edits go through
``chat.update`` with the stored channel and ts, never through ``response_url`` (it expires after 30 minutes).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from approvals.core.commitments import Commitment, Observation
from approvals.core.proposal import CardRef, Proposal
from approvals.core.states import ProposalState
from approvals.core.undo_plan import undoable
from bot import action_ids
from bot.cards import Message, Watched, action_summary, build_proposal_card, build_result_reply, where_asked
from bot.followup_cards import nudge_message
from bot.home import build_home

logger = logging.getLogger(__name__)


def _approvers(proposal: Proposal) -> list[str]:
    return [c.user_id for c in proposal.cards if c.audience == "dm" and c.user_id]


class SlackNotifier:
    """Implements ``approvals.core.ports.Notifier``."""

    def __init__(self, client: WebClient, *, watched: Watched | None = None, undo_window: float = 0.0) -> None:
        self.client = client
        self.watched: Watched = watched or (lambda kind: ())
        self.undo_window = undo_window

    def acknowledge(self, channel: str, ts: str) -> None:
        try:
            self.client.reactions_add(channel=channel, timestamp=ts, name="eyes")
        except SlackApiError as exc:
            if exc.response.get("error") != "already_reacted":
                logger.warning("could not react to %s/%s: %s", channel, ts, exc.response.get("error"))

    def reply(self, channel: str, thread_ts: str, text: str, *, once: str | None = None) -> None:
        if once is None:
            self.client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=text, unfurl_links=False, unfurl_media=False
            )
            return
        meta = {"key": once}
        if self._find_posted(channel, thread_ts, action_ids.NOTICE_METADATA, meta) is None:
            self._post(
                channel,
                Message(text=text, blocks=[]),
                thread_ts=thread_ts,
                event_type=action_ids.NOTICE_METADATA,
                payload=meta,
            )

    def alert(self, admins: Sequence[str], text: str, *, once: str | None = None) -> None:
        for admin in admins:
            dm = self._open_dm(admin)
            if dm is None:
                continue
            meta = {"key": once} if once is not None else None
            if meta is not None and self._find_posted(dm, None, action_ids.NOTICE_METADATA, meta) is not None:
                continue
            if meta is None:
                self.client.chat_postMessage(channel=dm, text=text, unfurl_links=False)
            else:
                self._post(
                    dm,
                    Message(text=text, blocks=[]),
                    thread_ts=None,
                    event_type=action_ids.NOTICE_METADATA,
                    payload=meta,
                )

    def tell(self, user_id: str, channel: str | None, text: str, *, thread_ts: str | None = None) -> None:
        try:
            if channel is None:
                dm = self._open_dm(user_id)
                if dm is not None:
                    self.client.chat_postMessage(channel=dm, text=text, unfurl_links=False)
                return
            self.client.chat_postEphemeral(channel=channel, user=user_id, text=text, thread_ts=thread_ts)
        except SlackApiError as exc:
            logger.warning("could not tell %s in %s: %s", user_id, channel, exc.response.get("error"))

    def publish_home(
        self,
        user_id: str,
        *,
        waiting_for_me: Sequence[Proposal],
        my_requests: Sequence[Proposal],
        recently_done: Sequence[Proposal],
        owed: Sequence[Commitment] = (),
        awaited: Sequence[Commitment] = (),
    ) -> None:
        view = build_home(
            waiting_for_me=waiting_for_me,
            my_requests=my_requests,
            recently_done=recently_done,
            viewer=user_id,
            owed=owed,
            awaited=awaited,
        )
        try:
            self.client.views_publish(user_id=user_id, view=view)
        except SlackApiError as exc:
            logger.warning("could not publish the App Home of %s: %s", user_id, exc.response.get("error"))

    # -- cards ----------------------------------------------------------------------------------------------

    def publish(self, proposal: Proposal, approvers: Sequence[str], *, fresh: bool) -> tuple[CardRef, ...]:
        card = build_proposal_card(proposal, audience="thread", approvers=approvers, watched=self.watched)
        meta = {"proposal_id": proposal.id, "audience": "thread"}
        ts = None if fresh else self._find_posted(proposal.channel, proposal.thread_ts, action_ids.CARD_METADATA, meta)
        if ts is None:
            ts = self._post(
                proposal.channel, card, thread_ts=proposal.thread_ts, event_type=action_ids.CARD_METADATA, payload=meta
            )
        else:
            self._update(CardRef(channel=proposal.channel, ts=ts), card, proposal.id)
        refs = [
            CardRef(channel=proposal.channel, ts=ts, audience="thread"),
            *self._dm_cards(proposal, approvers, fresh),
        ]
        logger.info("proposal %s: card posted in %s and %d DM(s)", proposal.id, proposal.channel, len(refs) - 1)
        return tuple(refs)

    def add_approvers(self, proposal: Proposal, users: Sequence[str]) -> tuple[CardRef, ...]:
        refs = self._dm_cards(proposal, users, fresh=False)
        logger.info("proposal %s: card sent to %d more approver(s)", proposal.id, len(refs))
        return refs

    def _dm_cards(self, proposal: Proposal, users: Sequence[str], fresh: bool) -> tuple[CardRef, ...]:
        """A copy of the card in each user's DM with the bot (reusing one posted earlier unless ``fresh``)."""
        approvers = [*_approvers(proposal), *(u for u in users if u not in _approvers(proposal))]
        refs: list[CardRef] = []
        for user in users:
            dm = self._open_dm(user)
            if dm is None:
                continue
            card = build_proposal_card(proposal, audience="dm", approvers=approvers, watched=self.watched)
            meta = {"proposal_id": proposal.id, "audience": "dm"}
            ts = None if fresh else self._find_posted(dm, None, action_ids.CARD_METADATA, meta)
            if ts is None:
                ts = self._post(dm, card, thread_ts=None, event_type=action_ids.CARD_METADATA, payload=meta)
            refs.append(CardRef(channel=dm, ts=ts, audience="dm", user_id=user))
        return tuple(refs)

    def remind(self, proposal: Proposal, users: Sequence[str]) -> None:
        text = (
            f":bell: Reminder: <@{proposal.requester}> is still waiting for your decision on "
            f"*{action_summary(proposal)}* (asked in {where_asked(proposal)}). The card above has the buttons."
        )
        for user in users:
            dm = self._open_dm(user)
            if dm is not None:
                self.client.chat_postMessage(channel=dm, text=text, unfurl_links=False)

    def refresh(self, proposal: Proposal) -> None:
        approvers = _approvers(proposal)
        for ref in proposal.cards:
            if ref.ts == proposal.thread_ts and ref.audience == "thread" and proposal.state is ProposalState.DENIED:
                continue  # the marker of a denied proposal points at the request itself, not at a card
            card = build_proposal_card(proposal, audience=ref.audience, approvers=approvers, watched=self.watched)
            self._update(ref, card, proposal.id)

    def announce_result(self, proposal: Proposal) -> None:
        meta = {"proposal_id": proposal.id, "state": proposal.state.value, "version": proposal.version}
        if self._find_posted(proposal.channel, proposal.thread_ts, action_ids.RESULT_METADATA, meta) is not None:
            return
        undo_until = None
        if self.undo_window > 0 and undoable(proposal, now=proposal.updated_at, window=self.undo_window) is None:
            undo_until = proposal.updated_at + dt.timedelta(seconds=self.undo_window)
        reply = build_result_reply(proposal, undo_until=undo_until)
        self._post(
            proposal.channel, reply, thread_ts=proposal.thread_ts, event_type=action_ids.RESULT_METADATA, payload=meta
        )
        logger.info("proposal %s: result announced (%s)", proposal.id, proposal.state.value)

    def retire_undo(self, proposal: Proposal, note: str) -> None:
        """Take the Undo button off every reply that announced ``proposal``'s success, saying why in ``note``."""
        wanted = {"proposal_id": proposal.id, "state": ProposalState.SUCCEEDED.value}
        reply = build_result_reply(proposal, note=note)
        for ts in self._find_all_posted(proposal.channel, proposal.thread_ts, action_ids.RESULT_METADATA, wanted):
            self._update(CardRef(channel=proposal.channel, ts=ts), reply, proposal.id)
        logger.info("proposal %s: Undo retired (%s)", proposal.id, note)

    def is_own_message(self, proposal: Proposal, channel: str, ts: str) -> bool:
        try:
            if channel == proposal.channel:
                page = self.client.conversations_replies(
                    channel=channel, ts=proposal.thread_ts, limit=200, include_all_metadata=True
                )
            else:
                page = self.client.conversations_history(
                    channel=channel, latest=ts, inclusive=True, limit=1, include_all_metadata=True
                )
        except SlackApiError as exc:
            logger.warning(
                "proposal %s: cannot read message %s in %s: %s", proposal.id, ts, channel, exc.response.get("error")
            )
            return False
        for message in page.get("messages", []):
            metadata = message.get("metadata") or {}
            if (
                str(message.get("ts")) == ts
                and metadata.get("event_type") in (action_ids.CARD_METADATA, action_ids.RESULT_METADATA)
                and (metadata.get("event_payload") or {}).get("proposal_id") == proposal.id
            ):
                return True
        return False

    def nudge(
        self,
        commitment: Commitment,
        user_id: str,
        *,
        seen: Observation | None,
        escalated: bool,
        reassigned_by: str | None = None,
    ) -> None:
        dm = self._open_dm(user_id)
        if dm is None:
            logger.warning("follow-up %s: no DM with %s, so no nudge", commitment.id, user_id)
            return
        message = nudge_message(commitment, user_id, seen=seen, escalated=escalated, reassigned_by=reassigned_by)
        meta = {"commitment_id": commitment.id, "version": commitment.version, "user": user_id}
        if self._find_posted(dm, None, action_ids.FOLLOWUP_METADATA, meta) is not None:
            return  # this step's nudge was posted already (a repeated job)
        self._post(dm, message, thread_ts=None, event_type=action_ids.FOLLOWUP_METADATA, payload=meta)
        logger.info("follow-up %s: %s %s", commitment.id, "escalated to" if escalated else "nudged", user_id)

    def alert_admins(self, proposal: Proposal, text: str, admins: Sequence[str]) -> None:
        message = (
            f":rotating_light: Proposal `{proposal.id}` from <@{proposal.requester}> in {where_asked(proposal)} "
            f"needs attention: {text}. Retry it with `/followthrough retry {proposal.id}` once the cause is fixed."
        )
        for admin in admins:
            dm = self._open_dm(admin)
            if dm is not None:
                self.client.chat_postMessage(channel=dm, text=message, unfurl_links=False)

    # -- plumbing -------------------------------------------------------------------------------------------

    def _post(
        self, channel: str, message: Message, *, thread_ts: str | None, event_type: str, payload: dict[str, Any]
    ) -> str:
        response = self.client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=message.text,
            blocks=message.blocks or None,
            metadata={"event_type": event_type, "event_payload": payload},
            unfurl_links=False,
            unfurl_media=False,
        )
        return str(response["ts"])

    def _update(self, ref: CardRef, message: Message, proposal_id: str) -> None:
        try:
            self.client.chat_update(channel=ref.channel, ts=ref.ts, text=message.text, blocks=message.blocks)
        except SlackApiError as exc:
            logger.warning(
                "proposal %s: could not update the card %s/%s: %s",
                proposal_id,
                ref.channel,
                ref.ts,
                exc.response.get("error"),
            )

    def _open_dm(self, user: str) -> str | None:
        try:
            return str(self.client.conversations_open(users=[user])["channel"]["id"])
        except SlackApiError as exc:
            logger.warning("cannot open a DM with %s: %s", user, exc.response.get("error"))
            return None

    def _find_posted(self, channel: str, thread_ts: str | None, event_type: str, payload: dict[str, Any]) -> str | None:
        """The ts of a message we already posted with this metadata, if any (reconciliation before posting)."""
        found = self._find_all_posted(channel, thread_ts, event_type, payload)
        return found[0] if found else None

    def _find_all_posted(
        self, channel: str, thread_ts: str | None, event_type: str, payload: dict[str, Any]
    ) -> list[str]:
        """The ts of every message we posted with this metadata (``payload`` may name only some of its keys)."""
        try:
            if thread_ts is not None:
                page = self.client.conversations_replies(
                    channel=channel, ts=thread_ts, limit=200, include_all_metadata=True
                )
            else:
                page = self.client.conversations_history(channel=channel, limit=50, include_all_metadata=True)
        except SlackApiError as exc:
            logger.warning("cannot look for earlier posts in %s: %s", channel, exc.response.get("error"))
            return []
        found: list[str] = []
        for message in page.get("messages", []):
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") != event_type:
                continue
            posted = metadata.get("event_payload") or {}
            if all(posted.get(k) == v for k, v in payload.items()):
                found.append(str(message["ts"]))
        return found
