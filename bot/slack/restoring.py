"""Finishing an Undo, wherever it ends: the audit record, a retry for what is verified not back, one report
in place of the one Undo was pressed on, the journal closed.

Like a cancel's (`bot.slack.finish`), three paths end here: the click itself
(`bot.slack.listeners.undo`), a stop past its grace (`interrupted`: what the journal knows), and another
replica's or a later start's reconciler (`reconciled`: Datadog's state read back, nothing created).
"""

from __future__ import annotations

import asyncio
import logging
import time

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import audit
from bot.audit import Event
from bot.datadog.http import time_budget
from bot.domain.actor import Actor
from bot.errors import DatadogError, StoreError
from bot.slack import finish
from bot.slack.respond import deliver_report
from bot.slack.services import Services
from bot.slack.views import report, restored
from bot.slack.views.blocks import slack_date
from bot.state.journal import RESTORE, Entry
from bot.state.pending import PendingAction
from bot.usecases import undo
from bot.usecases.events import Posted

log = logging.getLogger(__name__)


def entry_for(pending: PendingAction, actor: Actor, response_url: str) -> Entry:
    """The journal entry of an Undo pressed by `actor` on the report whose click gave `response_url`."""
    return Entry(pending.id, pending.scope, pending.requester, pending.downtimes, time.time(), reason=pending.reason,
                 response_url=response_url, deadline=pending.deadline, kind=RESTORE, actor=actor,
                 moved=pending.moved, expires=pending.expires_at)


async def report_restore(
    services: Services, client: AsyncWebClient, entry: Entry, outcome: undo.RestoreOutcome,
    respond: AsyncRespond | None, *, how: str = "", steps: finish.Steps | None = None,
    event: asyncio.Task[Posted | DatadogError] | None = None, retry: bool = True,
) -> None:
    """Audit, offer a retry of what is verified not back (`retry`, while the window lasts), replace the report,
    close the journal. `how`: a note on how this report was written (after a restart or a stop)."""
    actor = entry.actor or entry.requester
    note, offer = await asyncio.gather(finish.event_note(event), _offer_retry(services, entry, outcome, retry))
    audit.record(
        Event.RESTORED, **actor.fields(), scope=entry.scope.canonical, requester=entry.requester.user,
        restored={old.key: new for old, new in outcome.restored},
        already_back={old.key: new for old, new in outcome.already_back},
        put_back=[d.key for d in outcome.put_back] or None,
        skipped={old.key: skip.why.value for old, skip in outcome.skipped},
        failed={old.key: type(error).__name__ for old, error in outcome.failed},
        unknown=[d.key for d, _ in outcome.unknown] or None,
        not_reached=[d.key for d in outcome.not_reached] or None,
        datadog_event=finish.event_word(note),
        recovered=bool(how),
        latency_s=round(time.time() - entry.started, 3),
    )
    message = restored.restore_report(
        actor.user, entry.requester.user, entry.scope, entry.reason, outcome, services.datadog_ui_url,
        retry=offer, event=note, how=how,
    )
    await deliver_report(message, respond, client, entry.requester, entry.scope.canonical, replace=True,
                         copy_to=services.audit_channel)
    if steps is not None:
        await steps.flush()
    try:
        await services.journal.finish(entry.id)
    except StoreError as error:
        log.warning("journal entry not closed (%s): it may be reported again", error)


async def _offer_retry(
    services: Services, entry: Entry, outcome: undo.RestoreOutcome, retry: bool
) -> report.UndoOffer | None:
    """What is verified not created (or not reached) can be tried again, while the Undo window lasts."""
    left = entry.expires - time.time()
    again = tuple(d for d, _ in outcome.failed) + tuple(outcome.not_reached)
    if not retry or services.undos is None or not again or left <= 1:
        return None
    keys = {d.key for d in again}
    try:
        pending = await services.undos.create(entry.scope, entry.requester, downtimes=again, reason=entry.reason,
                                              ttl=left, deadline=entry.deadline,
                                              moved=tuple(k for k in entry.moved if k in keys))
    except StoreError as error:
        log.warning("no retry button: %s", error)
        return None
    return report.UndoOffer(pending.id, len(again), left)


async def interrupted(services: Services, client: AsyncWebClient, entry: Entry) -> None:
    """A stop past its grace, without Redis: report what the journal knows of the Undo; the rest is unknown."""
    outcome = undo.restore_from_steps(entry.downtimes, entry.steps)
    how = (f"The bot was stopped while restoring (Undo pressed {slack_date(int(entry.started))}); this report says "
           "what Datadog had confirmed by then.")
    await report_restore(services, client, entry, outcome, finish.respond_for(services, entry, time.time()), how=how,
                         retry=False)


async def reconciled(services: Services, client: AsyncWebClient, entry: Entry) -> None:
    """An Undo its process never finished: read Datadog back (creating nothing), report it, and offer a retry of
    what was not reached while the window lasts."""
    with time_budget(services.action_time_limit):
        outcome = await undo.reconcile_restore(
            services.datadog, entry.downtimes, entry.started, entry.steps, moved=frozenset(entry.moved),
            until=entry.deadline.at if entry.deadline else None)
    how = (f"The bot stopped while restoring (Undo pressed {slack_date(int(entry.started))}); this report was "
           f"written afterwards from Datadog's state, read back {slack_date(int(time.time()))}.")
    await report_restore(services, client, entry, outcome, finish.respond_for(services, entry, time.time()), how=how)
