"""Every command, shortcut, event and button the bot handles, registered in one place."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import COMMAND
from bot.slack.listeners.command import handle_cancel_downtime
from bot.slack.listeners.home import handle_home_cancel, handle_home_opened, handle_refresh, in_modal
from bot.slack.listeners.prompt import confirm, handle_confirm, handle_keep, handle_preview, keep, preview_near_miss
from bot.slack.listeners.shortcut import handle_whats_muting
from bot.slack.listeners.undo import handle_undo
from bot.slack.views.action_ids import (
    CONFIRM_ACTIONS,
    HOME_CANCEL_ACTION,
    HOME_REFRESH_ACTION,
    KEEP_ACTION,
    PREVIEW_ACTION,
    UNDO_ACTION,
    WHATS_MUTING_CALLBACK,
)


async def in_message(body: dict[str, Any]) -> bool:
    """A click on a button in a message (the prompt, the report), which carries a response_url to answer on."""
    return bool(body.get("response_url"))


async def in_view(body: dict[str, Any]) -> bool:
    """A click on a button in a view (the Home tab, the prompt's modal), which carries no response_url."""
    return (body.get("container") or {}).get("type") == "view" and not body.get("response_url")


def register_listeners(app: AsyncApp) -> None:
    """Attach the slash command, the message shortcut, the Home tab, the prompt's buttons (in a message or in
    the Home tab's modal), the near misses' preview button and the report's Undo."""
    app.command(COMMAND)(handle_cancel_downtime)
    app.shortcut(WHATS_MUTING_CALLBACK)(handle_whats_muting)
    app.event("app_home_opened")(handle_home_opened)
    message, view = [in_message], [in_view]
    for confirm_action in CONFIRM_ACTIONS:  # cancel all or the active ones, set to notify first or not; end later
        app.action(confirm_action, matchers=message)(handle_confirm)
        app.action(confirm_action, matchers=view)(in_modal(confirm))
    app.action(KEEP_ACTION, matchers=message)(handle_keep)
    app.action(KEEP_ACTION, matchers=view)(in_modal(lambda services, actor, action, reply, _: keep(
        services, actor, action, reply)))
    app.action(PREVIEW_ACTION, matchers=message)(handle_preview)
    app.action(PREVIEW_ACTION, matchers=view)(in_modal(lambda services, actor, action, reply, _: preview_near_miss(
        services, actor, action, reply)))
    app.action(UNDO_ACTION, matchers=message)(handle_undo)  # a report is always a channel message
    app.action(HOME_CANCEL_ACTION, matchers=view)(handle_home_cancel)
    app.action(HOME_REFRESH_ACTION, matchers=view)(handle_refresh)
