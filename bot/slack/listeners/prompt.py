"""The prompt's buttons: confirm all or only the active ones (cancel, report to the channel), keep; and a
near miss's Preview button."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import audit
from bot.audit import Event, Reason
from bot.datadog.http import on_retry, time_budget
from bot.domain import when
from bot.domain.actor import Actor
from bot.domain.ending import Ending
from bot.domain.scope import ScopeError, parse_scope
from bot.errors import DatadogError
from bot.slack import finish
from bot.slack.listeners.offer import offer
from bot.slack.listeners.refusals import CONFIRMATION, KEEPING, Kind, allowed, take
from bot.slack.respond import respond_quietly
from bot.slack.services import Services
from bot.slack.views import notices
from bot.slack.views.action_ids import (
    CONFIRM_ACTION,
    CONFIRM_ACTIVE_ACTION,
    CONFIRM_ACTIVE_NOTIFY_ACTION,
    CONFIRM_NOTIFY_ACTION,
    END_ACTION,
    END_KEEP_LATER_ACTION,
)
from bot.state.journal import Entry
from bot.state.pending import PendingAction
from bot.usecases import access, cancel, end_later, preview
from bot.usecases.access import Refusal
from bot.usecases.events import Did


async def confirm(
    services: Services, actor: Actor, action: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
) -> None:
    """Claim the confirmation, journal it, remove the buttons, cancel through Datadog, post the report (run after
    the click's ack: `bot.slack.listeners.clicks`).

    On the critical path there is one round of Datadog calls (each v2 DELETE with the read that tells
    whether it was still live; for an end-later, each PATCH of an end), preceded by one round of
    PATCHes when the click also sets them to notify, and one Redis round trip (the journal) before it.
    Not waited for: the journal's steps (written alongside) and the "Cancelling…" update; the alerting
    check and the Datadog event run alongside the first round (a monitor's state does not depend on the
    downtime). The prompt is deleted once the report is out.
    """
    pending = await _take(services, actor, action, respond, CONFIRMATION)
    if pending is None:
        return
    requester = pending.requester
    # Checked again at the click: membership or the channel may differ from the command's time.
    if not await allowed(actor, pending.scope, respond, services, replace=True, admitted_already=True):
        return
    choice = CHOICES.get(str(action.get("action_id")))
    if choice is None or choice.end != (pending.deadline is not None):  # a button this prompt never had
        audit.record(Event.REFUSED, **actor.fields(), reason=Reason.NOT_PENDING, scope=pending.scope.canonical)
        await respond_quietly(respond, notices.already_handled(), response_type="ephemeral")
        return
    deadline = pending.deadline
    if deadline is not None and deadline.at < time.time() + when.MIN_AHEAD_SECONDS:
        audit.record(Event.REFUSED, **actor.fields(), reason=Reason.DEADLINE_PASSED, scope=pending.scope.canonical)
        await respond_quietly(respond, notices.deadline_passed(pending.scope, deadline), replace_original=True)
        return
    notify = pending.notify if choice.notify else ()
    audit.record(Event.CONFIRMED, **requester.fields(), scope=pending.scope.canonical, choice=choice.word)
    entry = Entry(pending.id, pending.scope, requester, pending.downtimes, time.time(), only_active=choice.only_active,
                  reason=pending.reason, response_url=respond.response_url or "", notify=notify, deadline=deadline,
                  cancel_later=choice.cancel_later)
    await finish.begin(services, entry)
    buttons_gone = asyncio.create_task(
        respond_quietly(respond, notices.cancelling(pending.scope, deadline), replace_original=True)
    )
    told: list[DatadogError] = []

    async def tell_requester(error: DatadogError, wait: float) -> None:
        # Once per click: the response_url takes only five posts, and the report needs two.
        if not told:
            told.append(error)
            await respond_quietly(respond, notices.retrying(pending.scope, error, wait), replace_original=True)

    steps = finish.Steps(services, entry)
    if deadline is not None:
        targets = Ending.of(pending.downtimes, deadline.at).targets(choice.cancel_later)
        event = finish.start_event(services, Did.END_LATER, requester, pending.scope, targets, reason=entry.reason,
                                   deadline=deadline)
        with time_budget(services.action_time_limit), on_retry(tell_requester):
            outcome = await end_later.end_later(services.datadog, pending.downtimes, deadline.at,
                                                cancel_later=choice.cancel_later, started=entry.started, step=steps)
        await finish.report_cancel(services, client, entry, outcome, None, respond, before_delete=buttons_gone,
                                   steps=steps, event=event)
        return
    targets = tuple(d for d in pending.downtimes if d.status == "active") if choice.only_active else pending.downtimes
    event = finish.start_event(services, Did.CANCEL, requester, pending.scope, targets, reason=entry.reason,
                               notify=notify)
    with time_budget(services.action_time_limit), on_retry(tell_requester):
        outcome, monitors = await asyncio.gather(
            cancel.cancel(services.datadog, pending.scope, pending.downtimes, only_active=choice.only_active,
                          started=entry.started, step=steps, notify=notify),
            preview.alerting(services.datadog, pending.scope),
        )
    await finish.report_cancel(services, client, entry, outcome, monitors if outcome.cancelled else None, respond,
                               before_delete=buttons_gone, steps=steps, event=event)


@dataclass(frozen=True)
class Choice:
    """What one of the prompt's confirm buttons does."""

    word: str  # the audit record's `choice`
    only_active: bool = False
    notify: bool = False  # set each to notify on cancel first
    end: bool = False  # an end-later prompt's button
    cancel_later: bool = False  # end later: cancel those starting after the deadline


CHOICES = {
    CONFIRM_ACTION: Choice("all"),
    CONFIRM_ACTIVE_ACTION: Choice("active", only_active=True),
    CONFIRM_NOTIFY_ACTION: Choice("all_notify", notify=True),
    CONFIRM_ACTIVE_NOTIFY_ACTION: Choice("active_notify", only_active=True, notify=True),
    END_ACTION: Choice("end_cancel_later", end=True, cancel_later=True),
    END_KEEP_LATER_ACTION: Choice("end_keep_later", end=True),
}


async def keep(services: Services, actor: Actor, action: dict[str, Any], respond: AsyncRespond) -> None:
    """Use the confirmation up, so it cannot be confirmed later, and say the downtimes were kept."""
    pending = await _take(services, actor, action, respond, KEEPING)
    if pending is None:
        return
    audit.record(Event.KEPT, **pending.requester.fields(), scope=pending.scope.canonical)
    await respond_quietly(respond, notices.kept(pending.scope, pending.deadline is not None), replace_original=True)


async def preview_near_miss(services: Services, actor: Actor, action: dict[str, Any], respond: AsyncRespond) -> None:
    """Parse the button's scope like typed text, then offer it."""
    try:
        scope = parse_scope(str(action.get("value", "")))  # a button value is user input like any other
    except ScopeError as error:
        audit.record(Event.REFUSED, **actor.fields(), reason=Reason.INVALID_SCOPE, detail=error.reason)
        await respond_quietly(respond, notices.invalid_scope(error), response_type="ephemeral")
        return
    await offer(scope, actor, respond, services, replace=True)


async def _take(
    services: Services, actor: Actor, action: dict[str, Any], respond: AsyncRespond, kind: Kind
) -> PendingAction | None:
    """The confirmation named by the button, claimed for this click, if it is the requester's."""

    async def requester_only(pending: PendingAction) -> Refusal | None:
        return access.may_confirm(actor, pending.requester)

    return await take(services, services.confirmations, str(action.get("value", "")), actor, respond,
                      requester_only, kind)
