"""`/cancel-downtime <scope>`: acknowledge, read the text, then help, the list, or a prompt."""

from __future__ import annotations

import time
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond

from bot import audit
from bot.audit import Event, Reason
from bot.datadog.http import time_budget
from bot.domain.actor import Actor
from bot.domain.scope import HelpRequest, ListRequest, ScopeError, parse_request
from bot.errors import DatadogError
from bot.slack.listeners.actor import actor_of
from bot.slack.listeners.offer import offer
from bot.slack.listeners.refusals import allowed
from bot.slack.services import Services
from bot.slack.views import listing, notices
from bot.usecases import preview
from bot.usecases.access import Act


async def handle_cancel_downtime(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    """Acknowledge at once; answer in the background."""
    await ack()
    services: Services = context["services"]
    services.inflight.spawn(answer(services, actor_of(context), str(command.get("text", "")), respond))


async def answer(services: Services, actor: Actor, text: str, respond: AsyncRespond) -> None:
    """Answer help, the list, a refusal that explains itself, or a prompt showing what would be cancelled."""
    try:
        parsed = parse_request(text, require_reason=services.require_reason)
    except ScopeError as error:
        audit.record(Event.REFUSED, **actor.fields(), reason=Reason.INVALID_SCOPE, detail=error.reason)
        await respond(**notices.invalid_scope(error), response_type="ephemeral")
        return
    if isinstance(parsed, HelpRequest):
        await respond(**notices.help_message(), response_type="ephemeral")
        return
    if isinstance(parsed, ListRequest):
        if await allowed(actor, None, respond, services, act=Act.LIST):
            await _list(actor, respond, services)
    else:
        await offer(parsed.scope, actor, respond, services, reason=parsed.reason, later=parsed.later)


async def _list(actor: Actor, respond: AsyncRespond, services: Services) -> None:
    started = time.monotonic()
    try:
        with time_budget(services.action_time_limit):
            downtimes = await preview.live_downtimes(services.datadog)
    except DatadogError as error:
        audit.record(Event.FAILED, **actor.fields(), stage="list", error=type(error).__name__, status=error.status,
                     detail=error.detail)
        await respond(**notices.lookup_failed(None, error), response_type="ephemeral")
        return
    audit.record(Event.LISTED, **actor.fields(), count=len(downtimes), latency_s=round(time.monotonic() - started, 3))
    await respond(**listing.list_view(downtimes, services.datadog_ui_url), response_type="ephemeral")
