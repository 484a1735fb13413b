"""Every command and button the bot handles, registered in one place."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot import COMMAND
from bot.listeners.actions import handle_confirm, handle_keep
from bot.listeners.commands import handle_cancel_downtime
from bot.messages import CONFIRM_ACTION, KEEP_ACTION


def register_listeners(app: AsyncApp) -> None:
    """Attach the slash command and the prompt's two buttons to the app."""
    app.command(COMMAND)(handle_cancel_downtime)
    app.action(CONFIRM_ACTION)(handle_confirm)
    app.action(KEEP_ACTION)(handle_keep)
