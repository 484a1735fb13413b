"""From a scope to a prompt: the one path every way of asking takes (the command, a near miss's button)."""

from __future__ import annotations

import time

from slack_bolt.async_app import AsyncRespond

from bot import audit
from bot.audit import Event
from bot.datadog.http import time_budget
from bot.domain.actor import Actor
from bot.domain.scope import Scope
from bot.errors import DatadogError, StoreError
from bot.slack.listeners.refusals import allowed
from bot.slack.services import Services
from bot.slack.views import notices, prompt
from bot.usecases import preview as previews


async def offer(
    scope: Scope, actor: Actor, respond: AsyncRespond, services: Services, *, replace: bool = False,
    reason: str = "",
) -> None:
    """Preview `scope` and answer with the prompt (a pending confirmation), or the near misses."""
    if not await allowed(actor, scope, respond, services, replace=replace):
        return
    started = time.monotonic()
    try:
        with time_budget(services.action_time_limit):
            found = await previews.preview(services.datadog, scope)
    except DatadogError as error:
        audit.record(
            Event.FAILED, **actor.fields(), stage="preview", scope=scope.canonical,
            error=type(error).__name__, status=error.status, detail=error.detail,
        )
        await respond(**notices.lookup_failed(scope, error), response_type="ephemeral", replace_original=replace)
        return
    latency = round(time.monotonic() - started, 3)
    if not found.matches:
        audit.record(Event.NO_MATCH, **actor.fields(), scope=scope.canonical, near_misses=len(found.near_misses),
                     latency_s=latency)
        await respond(
            **prompt.no_match(found, services.datadog_ui_url), response_type="ephemeral", replace_original=replace
        )
        return
    try:
        pending = await services.confirmations.create(scope, actor, downtimes=found.matches, reason=reason)
    except StoreError as error:
        audit.record(Event.FAILED, **actor.fields(), stage="store", scope=scope.canonical, detail=str(error))
        await respond(**notices.store_unavailable(), response_type="ephemeral", replace_original=replace)
        return
    audit.record(Event.REQUESTED, **actor.fields(), scope=scope.canonical,
                 downtime_ids=[d.key for d in found.matches], reason=reason or None, latency_s=latency)
    question = prompt.confirmation_prompt(
        found, pending.id, services.confirmations.ttl_seconds, services.datadog_ui_url, reason=reason
    )
    await respond(**question, response_type="ephemeral", replace_original=replace)
