"""The report's Undo button: bring back, once, what a confirmed click cancelled."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import audit
from bot.audit import Event, Reason
from bot.datadog.http import time_budget
from bot.domain.actor import Actor
from bot.slack import finish, restoring
from bot.slack.listeners.refusals import UNDO, take
from bot.slack.respond import respond_quietly
from bot.slack.services import Services
from bot.slack.views import notices
from bot.state.pending import PendingAction
from bot.usecases import access, undo
from bot.usecases.access import Refusal
from bot.usecases.events import Did


async def undo_click(
    services: Services, actor: Actor, action: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
) -> None:
    """Check who clicked, claim the undo once, journal it, create the downtimes again, replace the report with
    what happened (`bot.slack.restoring`, which also finishes an Undo a stop or a crash cut short).

    The clicker must be admitted (a member, or let in by the policy: never a Slack Connect outsider by
    default); the requester may then always undo, anyone else only if the access policy lets them cancel
    on that scope (with no policy: any member, in an allowed channel).
    """
    if services.undos is None:  # undo is off: any Undo button is from before
        audit.record(Event.UNDO_REFUSED, **actor.fields(), reason=Reason.NOT_PENDING)
        await respond_quietly(respond, notices.undo_gone(), response_type="ephemeral")
        return

    async def requester_or_allowed(pending: PendingAction) -> Refusal | None:
        return await access.may_undo(services.policy, services.membership, actor, pending.requester, pending.scope)

    pending = await take(services, services.undos, str(action.get("value", "")), actor, respond,
                         requester_or_allowed, UNDO)
    if pending is None:
        return
    entry = restoring.entry_for(pending, actor, respond.response_url or "")
    await finish.begin(services, entry)
    steps = finish.Steps(services, entry)
    event = finish.start_event(services, Did.RESTORE, actor, pending.scope, pending.downtimes, reason=pending.reason,
                               deadline=pending.deadline)
    with time_budget(services.action_time_limit):
        outcome = await undo.restore_all(services.datadog, pending.downtimes, moved=frozenset(pending.moved),
                                         until=pending.deadline.at if pending.deadline else None, record=steps)
    await restoring.report_restore(services, client, entry, outcome, respond, steps=steps, event=event)
