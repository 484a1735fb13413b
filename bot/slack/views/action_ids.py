"""The action IDs of the bot's buttons: what `bot.slack.views` puts in a button and the listeners register."""

from __future__ import annotations

CONFIRM_ACTION = "cancel_downtime_confirm"
CONFIRM_ACTIVE_ACTION = "cancel_downtime_confirm_active"
KEEP_ACTION = "cancel_downtime_keep"
PREVIEW_ACTION = "cancel_downtime_preview"
UNDO_ACTION = "cancel_downtime_undo"
CONFIRM_NOTIFY_ACTION = "cancel_downtime_confirm_notify"  # cancel all, set to notify first
CONFIRM_ACTIVE_NOTIFY_ACTION = "cancel_downtime_confirm_active_notify"  # cancel the active ones, set to notify first
END_ACTION = "cancel_downtime_end"  # end later; cancel those that start after the deadline
END_KEEP_LATER_ACTION = "cancel_downtime_end_keep_later"  # end later; keep those that start after the deadline
CONFIRM_ACTIONS = (CONFIRM_ACTION, CONFIRM_ACTIVE_ACTION, CONFIRM_NOTIFY_ACTION, CONFIRM_ACTIVE_NOTIFY_ACTION,
                   END_ACTION, END_KEEP_LATER_ACTION)
HOME_CANCEL_ACTION = "cancel_downtime_home_cancel"  # the Home tab: open the preview of one scope in a modal
HOME_REFRESH_ACTION = "cancel_downtime_home_refresh"  # the Home tab: read the listing again
WHATS_MUTING_CALLBACK = "cancel_downtime_whats_muting"  # the message shortcut "What's muting this?"
