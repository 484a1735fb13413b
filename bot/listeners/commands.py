"""`/cancel-downtime <scope>`: acknowledge, read the scope, preview, and ask the requester to confirm."""

from __future__ import annotations

import time
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond

from bot import messages, reports, workflows
from bot.errors import DatadogError
from bot.logs import audit
from bot.scope import HelpRequest, ListRequest, ScopeError, parse_command
from bot.services import Services


async def handle_cancel_downtime(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    """Answer help, the list, a refusal that explains itself, or a prompt showing what would be cancelled."""
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
    started = time.monotonic()
    try:
        if isinstance(parsed, ListRequest):
            downtimes = await workflows.active_downtimes(services.datadog)
        else:
            preview = await workflows.preview(services.datadog, parsed)
    except DatadogError as error:
        scope = None if isinstance(parsed, ListRequest) else parsed
        audit(
            "failed", **who, stage="lookup", scope=scope.canonical if scope else None,
            error=type(error).__name__, status=error.status, detail=error.detail,
        )
        await respond(**reports.lookup_failed(scope, error, services.datadog_timeout), response_type="ephemeral")
        return
    latency = round(time.monotonic() - started, 3)
    if isinstance(parsed, ListRequest):
        audit("listed", **who, count=len(downtimes), latency_s=latency)
        await respond(**reports.list_view(downtimes, services.datadog_ui_url), response_type="ephemeral")
        return
    if not preview.matches:
        audit("no_match", **who, scope=parsed.canonical, near_misses=len(preview.near_misses), latency_s=latency)
        await respond(**reports.no_match(preview, services.datadog_ui_url), response_type="ephemeral")
        return
    pending = services.confirmations.create(
        parsed, team_id=who["team"], user_id=who["user"], channel_id=who["channel"], matches=preview.matches
    )
    audit("requested", **who, scope=parsed.canonical, downtime_ids=[d.key for d in preview.matches],
          latency_s=latency)
    prompt = reports.confirmation_prompt(
        preview, pending.id, services.confirmations.ttl_seconds, services.datadog_ui_url
    )
    await respond(**prompt, response_type="ephemeral")
