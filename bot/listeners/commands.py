"""`/cancel-downtime <scope>`: acknowledge, read the scope, preview, and ask the requester to confirm."""

from __future__ import annotations

import time
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond

from bot import messages, policy, reports, retry, workflows
from bot.errors import DatadogError, StoreError
from bot.logs import audit
from bot.scope import HelpRequest, ListRequest, Scope, ScopeError, parse_request
from bot.services import Services


async def handle_cancel_downtime(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    """Acknowledge at once; answer in the background."""
    await ack()
    services: Services = context["services"]
    services.inflight.spawn(answer(services, command, respond))


async def answer(services: Services, command: dict[str, Any], respond: AsyncRespond) -> None:
    """Answer help, the list, a refusal that explains itself, or a prompt showing what would be cancelled."""
    who = {
        "team": command.get("team_id", ""),
        "channel": command.get("channel_id", ""),
        "user": command.get("user_id", ""),
    }
    try:
        parsed = parse_request(str(command.get("text", "")), require_reason=services.require_reason)
    except ScopeError as error:
        audit("refused", **who, reason="invalid_scope", detail=error.reason)
        await respond(**messages.invalid_scope(error), response_type="ephemeral")
        return
    if isinstance(parsed, HelpRequest):
        await respond(**messages.help_message(), response_type="ephemeral")
        return
    if isinstance(parsed, ListRequest):
        if await allowed(who, None, respond, services):
            await _list(who, respond, services)
    else:
        await offer(parsed.scope, who, respond, services, reason=parsed.reason)


async def allowed(
    who: dict[str, str], scope: Scope | None, respond: AsyncRespond, services: Services, *, replace: bool = False,
    event: str = "refused",
) -> bool:
    """Apply the access policy; on refusal, tell the user why and audit it as `event`."""
    refusal = await policy.check(
        services.policy, services.membership, channel=who["channel"], user=who["user"], scope=scope
    )
    if refusal is None:
        return True
    audit(event, **who, reason=refusal.code, scope=scope.canonical if scope else None)
    await respond(**messages.refused(refusal.text), response_type="ephemeral", replace_original=replace)
    return False


async def _list(who: dict[str, str], respond: AsyncRespond, services: Services) -> None:
    started = time.monotonic()
    try:
        with retry.time_budget(services.action_time_limit):
            downtimes = await workflows.live_downtimes(services.datadog)
    except DatadogError as error:
        audit("failed", **who, stage="list", error=type(error).__name__, status=error.status, detail=error.detail)
        await respond(**reports.lookup_failed(None, error), response_type="ephemeral")
        return
    audit("listed", **who, count=len(downtimes), latency_s=round(time.monotonic() - started, 3))
    await respond(**reports.list_view(downtimes, services.datadog_ui_url), response_type="ephemeral")


async def offer(
    scope: Scope, who: dict[str, str], respond: AsyncRespond, services: Services, *, replace: bool = False,
    reason: str = "",
) -> None:
    """Preview `scope` and answer with the prompt (a pending confirmation), or the near misses."""
    if not await allowed(who, scope, respond, services, replace=replace):
        return
    started = time.monotonic()
    try:
        with retry.time_budget(services.action_time_limit):
            preview = await workflows.preview(services.datadog, scope)
    except DatadogError as error:
        audit(
            "failed", **who, stage="preview", scope=scope.canonical,
            error=type(error).__name__, status=error.status, detail=error.detail,
        )
        await respond(
            **reports.lookup_failed(scope, error),
            response_type="ephemeral", replace_original=replace,
        )
        return
    latency = round(time.monotonic() - started, 3)
    if not preview.matches:
        audit("no_match", **who, scope=scope.canonical, near_misses=len(preview.near_misses), latency_s=latency)
        await respond(
            **reports.no_match(preview, services.datadog_ui_url), response_type="ephemeral", replace_original=replace
        )
        return
    try:
        pending = await services.confirmations.create(
            scope, team_id=who["team"], user_id=who["user"], channel_id=who["channel"], matches=preview.matches,
            reason=reason,
        )
    except StoreError as error:
        audit("failed", **who, stage="store", scope=scope.canonical, detail=str(error))
        await respond(**messages.store_unavailable(), response_type="ephemeral", replace_original=replace)
        return
    audit("requested", **who, scope=scope.canonical, downtime_ids=[d.key for d in preview.matches],
          reason=reason or None, latency_s=latency)
    prompt = reports.confirmation_prompt(
        preview, pending.id, services.confirmations.ttl_seconds, services.datadog_ui_url, reason=reason
    )
    await respond(**prompt, response_type="ephemeral", replace_original=replace)
