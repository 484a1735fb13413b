"""The action IDs of the bot's buttons: what `bot.slack.views` puts in a button and the listeners register."""

from __future__ import annotations

CONFIRM_ACTION = "cancel_downtime_confirm"
CONFIRM_ACTIVE_ACTION = "cancel_downtime_confirm_active"
KEEP_ACTION = "cancel_downtime_keep"
PREVIEW_ACTION = "cancel_downtime_preview"
UNDO_ACTION = "cancel_downtime_undo"
