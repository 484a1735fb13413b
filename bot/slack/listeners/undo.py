"""The report's Undo button: bring back, once, what a confirmed click cancelled."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import audit
from bot.audit import Event, Reason
from bot.datadog.http import time_budget
from bot.domain.actor import Actor
from bot.errors import StoreError
from bot.slack import finish
from bot.slack.listeners.refusals import UNDO, take
from bot.slack.respond import deliver_report, respond_quietly
from bot.slack.services import Services
from bot.slack.views import notices, report, restored
from bot.state.pending import PendingAction, PendingActions
from bot.usecases import access, undo
from bot.usecases.access import Refusal
from bot.usecases.events import Did

log = logging.getLogger(__name__)


async def undo_click(
    services: Services, actor: Actor, action: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
) -> None:
    """Check who clicked, claim the undo once, create the downtimes again, replace the report with what happened.

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
    requester = pending.requester
    started = time.monotonic()
    event = finish.start_event(services, Did.RESTORE, actor, pending.scope, pending.downtimes, reason=pending.reason,
                               deadline=pending.deadline)
    with time_budget(services.action_time_limit):
        outcome = await undo.restore_all(services.datadog, pending.downtimes, moved=frozenset(pending.moved),
                                         until=pending.deadline.at if pending.deadline else None)
    note = await finish.event_note(event)
    audit.record(
        Event.RESTORED, **actor.fields(), scope=pending.scope.canonical, requester=requester.user,
        restored={old.key: new for old, new in outcome.restored},
        already_back={old.key: new for old, new in outcome.already_back},
        put_back=[d.key for d in outcome.put_back] or None,
        skipped={old.key: skip.why.value for old, skip in outcome.skipped},
        failed={old.key: type(error).__name__ for old, error in outcome.failed},
        datadog_event=finish.event_word(note),
        latency_s=round(time.monotonic() - started, 3),
    )
    message = restored.restore_report(
        actor.user, requester.user, pending.scope, pending.reason, outcome, services.datadog_ui_url,
        retry=await _offer_retry(services.undos, pending, outcome), event=note,
    )
    await deliver_report(message, respond, client, requester, pending.scope.canonical, replace=True,
                         copy_to=services.audit_channel)


async def _offer_retry(
    undos: PendingActions, pending: PendingAction, outcome: undo.RestoreOutcome
) -> report.UndoOffer | None:
    """What failed to be created (verified not created) can be tried again, while the Undo window lasts."""
    left = pending.expires_at - time.time()
    failed = tuple(d for d, _ in outcome.failed)
    if not failed or left <= 1:
        return None
    try:
        again = await undos.create(pending.scope, pending.requester, downtimes=failed, reason=pending.reason, ttl=left,
                                   deadline=pending.deadline, moved=tuple(k for k in pending.moved
                                                                          if k in {d.key for d in failed}))
    except StoreError as error:
        log.warning("no retry button: %s", error)
        return None
    return report.UndoOffer(again.id, len(failed), left)
