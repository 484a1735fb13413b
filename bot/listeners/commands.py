"""`/cancel-downtime <scope>`: acknowledge, read the scope, and ask the requester to confirm."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond

from bot import messages
from bot.logs import audit
from bot.scope import HelpRequest, ScopeError, parse_command
from bot.services import Services


async def handle_cancel_downtime(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    """Answer help, a refusal that explains itself, or an ephemeral prompt with the two buttons."""
    await ack()
    services: Services = context["services"]
    who = {
        "team": command.get("team_id", ""),
        "channel": command.get("channel_id", ""),
        "user": command.get("user_id", ""),
    }
    try:
        parsed = parse_command(str(command.get("text", "")))
    except ScopeError as error:
        audit("refused", **who, reason="invalid_scope", detail=error.reason)
        await respond(**messages.invalid_scope(error), response_type="ephemeral")
        return
    if isinstance(parsed, HelpRequest):
        await respond(**messages.help_message(), response_type="ephemeral")
        return
    pending = services.confirmations.create(
        parsed, team_id=who["team"], user_id=who["user"], channel_id=who["channel"]
    )
    audit("requested", **who, scope=parsed.canonical)
    await respond(
        **messages.confirmation_prompt(parsed, pending.id, services.confirmations.ttl_seconds),
        response_type="ephemeral",
    )
