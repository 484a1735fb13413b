"""How listeners answer: who clicked, posts that never raise, and the outcome that always reaches someone."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages
from bot.confirmations import Pending
from bot.identity import slack_failure
from bot.logs import audit

log = logging.getLogger(__name__)


def clicker(body: dict[str, Any]) -> dict[str, str]:
    """Who clicked, where: team, channel and user IDs from a block_actions payload."""
    user = body.get("user") or {}
    return {
        "team": str((body.get("team") or {}).get("id") or user.get("team_id") or ""),
        "channel": str((body.get("channel") or {}).get("id") or ""),
        "user": str(user.get("id") or ""),
    }


async def respond_quietly(respond: AsyncRespond, message: messages.Message, **options: Any) -> bool:
    """Post through the response_url; on failure log it (never the URL) and return False."""
    try:
        response = await respond(**message, **options)
    except Exception as exc:  # any transport failure: the caller has a fallback or nothing to lose
        log.warning("response_url post failed: %s", type(exc).__name__)
        return False
    if response.status_code != 200:
        log.warning("response_url post answered HTTP %d", response.status_code)
        return False
    return True


async def post_outcome(
    outcome: messages.Message, respond: AsyncRespond, client: AsyncWebClient, pending: Pending,
    *, before_delete: Awaitable[bool] | None = None, replace: bool = False,
) -> None:
    """Tell the channel through the response_url, else chat.postMessage, else the requester alone
    through chat.postEphemeral; if every path fails, the audit log keeps the outcome.

    `replace`: the outcome takes the place of the clicked message (the report an Undo was clicked
    on). Otherwise it is a new channel message and the clicked prompt is deleted, but only after
    `before_delete` (its last update) has landed, never before.
    """
    posted = await respond_quietly(respond, outcome, response_type="in_channel", replace_original=replace)
    if before_delete is not None:
        await before_delete
    if posted:
        if not replace:
            await respond_quietly(respond, {}, delete_original=True)
        return
    try:
        await client.chat_postMessage(channel=pending.channel_id, text=outcome["text"], blocks=outcome["blocks"])
        return
    except Exception as exc:  # SlackApiError (e.g. not_in_channel) or transport: try the requester alone
        log.warning("chat.postMessage fallback failed: %s", slack_failure(exc))
    try:
        await client.chat_postEphemeral(
            channel=pending.channel_id, user=pending.user_id, text=outcome["text"], blocks=outcome["blocks"]
        )
        return
    except Exception as exc:  # the audit line below keeps the outcome
        log.warning("chat.postEphemeral fallback failed: %s", slack_failure(exc))
    audit(
        "undelivered", team=pending.team_id, channel=pending.channel_id, user=pending.user_id,
        scope=pending.scope.canonical, text=outcome["text"],
    )
