"""Every command and button the bot handles, registered in one place."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import COMMAND
from bot.slack.listeners.command import handle_cancel_downtime
from bot.slack.listeners.prompt import handle_confirm, handle_keep, handle_preview
from bot.slack.listeners.undo import handle_undo
from bot.slack.views.action_ids import (
    CONFIRM_ACTIONS,
    KEEP_ACTION,
    PREVIEW_ACTION,
    UNDO_ACTION,
)


async def in_message(body: dict[str, Any]) -> bool:
    """A click on a button in a message (the prompt, the report), which carries a response_url to answer on."""
    return bool(body.get("response_url"))


def register_listeners(app: AsyncApp) -> None:
    """Attach the slash command, the prompt's buttons, the near misses' preview button and the report's Undo."""
    app.command(COMMAND)(handle_cancel_downtime)
    message = [in_message]  # these buttons exist only in messages; a view's click is not theirs to answer
    for confirm in CONFIRM_ACTIONS:  # cancel all or the active ones, set to notify first or not; end later
        app.action(confirm, matchers=message)(handle_confirm)
    app.action(KEEP_ACTION, matchers=message)(handle_keep)
    app.action(PREVIEW_ACTION, matchers=message)(handle_preview)
    app.action(UNDO_ACTION, matchers=message)(handle_undo)
