"""Every command and button the bot handles, registered in one place."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot import COMMAND
from bot.listeners.actions import handle_confirm, handle_keep, handle_preview
from bot.listeners.commands import handle_cancel_downtime
from bot.listeners.undo import handle_undo
from bot.messages import CONFIRM_ACTION, CONFIRM_ACTIVE_ACTION, KEEP_ACTION, PREVIEW_ACTION, UNDO_ACTION


def register_listeners(app: AsyncApp) -> None:
    """Attach the slash command, the prompt's buttons, the near misses' preview button and the report's Undo."""
    app.command(COMMAND)(handle_cancel_downtime)
    app.action(CONFIRM_ACTION)(handle_confirm)  # cancel everything shown
    app.action(CONFIRM_ACTIVE_ACTION)(handle_confirm)  # cancel only the active ones shown
    app.action(KEEP_ACTION)(handle_keep)
    app.action(PREVIEW_ACTION)(handle_preview)
    app.action(UNDO_ACTION)(handle_undo)
