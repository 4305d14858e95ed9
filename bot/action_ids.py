"""Every action_id, callback_id and command the bot registers, in one place.

Listeners match on these and the card builders emit them; a typo in one place cannot silently break a button.
"""

from __future__ import annotations

APPROVE = "ft_approve"
REJECT = "ft_reject"
CANCEL = "ft_cancel"
OPEN_LINK = "ft_open_link"

SLASH_COMMAND = "/followthrough"

RESULT_METADATA = "followthrough_result"
CARD_METADATA = "followthrough_card"
