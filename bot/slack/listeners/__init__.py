"""Every command, shortcut, event and button the bot handles, registered in one place."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond

from bot import COMMAND
from bot.domain.actor import Actor
from bot.slack.listeners.clicks import message_click
from bot.slack.listeners.command import handle_cancel_downtime
from bot.slack.listeners.home import handle_home_cancel, handle_home_opened, handle_refresh, modal_click
from bot.slack.listeners.prompt import confirm, keep, preview_near_miss
from bot.slack.listeners.shortcut import handle_whats_muting
from bot.slack.listeners.undo import undo_click
from bot.slack.services import Services
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

    def keeping(services: Services, actor: Actor, action: dict[str, Any], reply: AsyncRespond, _: Any) -> Any:
        return keep(services, actor, action, reply)

    def previewing(services: Services, actor: Actor, action: dict[str, Any], reply: AsyncRespond, _: Any) -> Any:
        return preview_near_miss(services, actor, action, reply)

    # The prompt's buttons, in a message or in the Home tab's modal: cancel all or the active ones, set to
    # notify first or not, end later; keep; a near miss's preview.
    for action_id, work in [*((a, confirm) for a in CONFIRM_ACTIONS), (KEEP_ACTION, keeping),
                            (PREVIEW_ACTION, previewing)]:
        app.action(action_id, matchers=message)(message_click(work))
        app.action(action_id, matchers=view)(modal_click(work))
    app.action(UNDO_ACTION, matchers=message)(message_click(undo_click))  # a report is always a channel message
    app.action(HOME_CANCEL_ACTION, matchers=view)(handle_home_cancel)
    app.action(HOME_REFRESH_ACTION, matchers=view)(handle_refresh)
