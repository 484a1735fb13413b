"""From a scope (or a monitor, a link, downtime IDs) to a prompt: the one path every way of asking takes (the
command, a near miss's button, the message shortcut, a Home tab button)."""

from __future__ import annotations

import time

from slack_bolt.async_app import AsyncRespond

from bot import audit
from bot.audit import Event, Reason
from bot.datadog.http import time_budget
from bot.domain import when
from bot.domain.actor import Actor
from bot.domain.ending import Ending
from bot.domain.scope import Selection
from bot.domain.selection import Target
from bot.domain.when import Later
from bot.errors import DatadogError, PersonUnknown, StoreError
from bot.slack.listeners.refusals import allowed
from bot.slack.services import Services
from bot.slack.views import notices, prompt
from bot.usecases import preview as previews


async def offer(
    scope: Selection, actor: Actor, respond: AsyncRespond, services: Services, *, replace: bool = False,
    reason: str = "", later: Later | None = None,
) -> None:
    """Preview `scope` and answer with the prompt (a pending confirmation), or the near misses.

    `later`: end the downtimes then instead of now (`in 30m`, `at 14:30`), read in the requester's Slack
    time zone once they are admitted."""
    if not await allowed(actor, scope, respond, services, replace=replace):
        return
    if isinstance(scope, Target) and scope.site and scope.site != services.datadog_site:
        audit.record(Event.REFUSED, **actor.fields(), reason=Reason.OTHER_SITE, scope=scope.canonical,
                     detail=scope.site)
        await respond(**notices.other_site(scope, services.datadog_site), response_type="ephemeral",
                      replace_original=replace)
        return
    deadline = None
    if later is not None:
        try:
            deadline = when.resolve(later, time.time(), await _zone_of(services, actor))
        except when.WhenError as error:
            audit.record(Event.REFUSED, **actor.fields(), reason=Reason.INVALID_TIME, scope=scope.canonical,
                         detail=error.reason)
            await respond(**notices.invalid_time(error), response_type="ephemeral", replace_original=replace)
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
    scope = found.scope  # chosen by monitor or ID: now with the tags of what it matched, for the policy
    if isinstance(scope, Target) and found.matches and not await allowed(
        actor, scope, respond, services, replace=replace, admitted_already=True
    ):
        return
    if not found.matches:
        audit.record(Event.NO_MATCH, **actor.fields(), scope=scope.canonical, near_misses=len(found.near_misses),
                     latency_s=latency)
        await respond(
            **prompt.no_match(found, services.datadog_ui_url), response_type="ephemeral", replace_original=replace
        )
        return
    plan = Ending.of(found.matches, deadline.at) if deadline is not None else None
    if deadline is not None and plan is not None and not plan.targets(cancel_later=True):
        audit.record(Event.NO_MATCH, **actor.fields(), scope=scope.canonical, until=deadline.at,
                     left_alone=[d.key for d in found.matches], latency_s=latency)
        await respond(**prompt.nothing_to_end(scope, plan, deadline, services.datadog_ui_url),
                      response_type="ephemeral", replace_original=replace)
        return
    try:
        pending = await services.confirmations.create(scope, actor, downtimes=found.matches, reason=reason,
                                                      deadline=deadline, notify=services.notify_states)
    except StoreError as error:
        audit.record(Event.FAILED, **actor.fields(), stage="store", scope=scope.canonical, detail=str(error))
        await respond(**notices.store_unavailable(), response_type="ephemeral", replace_original=replace)
        return
    audit.record(Event.REQUESTED, **actor.fields(), scope=scope.canonical,
                 downtime_ids=[d.key for d in found.matches], reason=reason or None,
                 until=deadline.at if deadline else None, latency_s=latency)
    ttl, ui = services.confirmations.ttl_seconds, services.datadog_ui_url
    if deadline is not None and plan is not None:
        question = prompt.end_prompt(scope, plan, deadline, pending.id, ttl, ui, reason=reason)
    else:
        question = prompt.confirmation_prompt(found, pending.id, ttl, ui, reason=reason,
                                              notify_states=services.notify_states,
                                              notify_default=bool(services.notify_on_cancel))
    await respond(**question, response_type="ephemeral", replace_original=replace)


async def _zone_of(services: Services, actor: Actor) -> str:
    """The requester's time zone from Slack (users.info, cached since the admission); "" when Slack does not say."""
    try:
        return (await services.people.person(actor.user)).tz
    except PersonUnknown:
        return ""
