"""Every action_id, callback_id and command the bot registers, in one place.

Listeners match on these and the card builders emit them; a typo in one place cannot silently break a button.
"""

from __future__ import annotations

APPROVE = "ft_approve"
REJECT = "ft_reject"
EDIT = "ft_edit"
CANCEL = "ft_cancel"
UNDO = "ft_undo"
QUESTION_PICK = "ft_question_pick"
QUESTION_BUTTON = "ft_question_choice"
"""Each choice button's action_id is this plus ``_<n>`` (Slack wants action_ids unique within a message)."""

SHADOW_RIGHT = "ft_shadow_right"
SHADOW_WRONG = "ft_shadow_wrong"
"""The answers on a shadow card: what the bot would have done was right, or wrong (Wrong opens a form for why)."""

REJECT_VIEW = "ft_reject_view"
SHADOW_WRONG_VIEW = "ft_shadow_wrong_view"
EDIT_VIEW = "ft_edit_view"
HOME_OPEN = "ft_home_open"
"""Each "Open thread" button of the App Home is this plus ``_<proposal id>`` (a view's action_ids must differ)."""


def home_open(proposal_id: str) -> str:
    return f"{HOME_OPEN}_{proposal_id}"


FOLLOWUP_DONE = "ft_followup_done"
FOLLOWUP_SNOOZE = "ft_followup_snooze"
FOLLOWUP_REASSIGN = "ft_followup_reassign"
FOLLOWUP_WONT_DO = "ft_followup_wont_do"
WONT_DO_VIEW = "ft_wont_do_view"
FOLLOWUP_METADATA = "followthrough_followup"
"""A nudge about a follow-up (its payload names the commitment)."""

MESSAGE_SHORTCUT = "ft_message_request"

SLASH_COMMAND = "/followthrough"

RESULT_METADATA = "followthrough_result"
CARD_METADATA = "followthrough_card"
NOTICE_METADATA = "followthrough_notice"
"""A thread reply or admin DM that must be said once (its payload's ``key`` names what it announces)."""
