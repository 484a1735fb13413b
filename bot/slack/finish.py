"""Finishing a confirmed cancel, wherever it ends: the audit record, the Undo offer, one report, the journal closed.

Three paths end here: the click itself (`bot.slack.listeners.prompt`), a stop past its grace
(`interrupted`: what the journal knows), and another replica's or a later start's reconciler
(`reconciled`: Datadog's state read back). Each writes the same report with the same rules.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import audit
from bot.audit import Event
from bot.datadog.http import time_budget
from bot.domain.actor import Actor
from bot.domain.downtimes import Downtime
from bot.domain.monitors import Alerting
from bot.domain.scope import Selection
from bot.domain.when import Deadline
from bot.errors import DatadogError, PersonUnknown, StoreError
from bot.slack.respond import POST_TIMEOUT_SECONDS, deliver_report
from bot.slack.services import Services
from bot.slack.views import ended, report
from bot.slack.views.blocks import slack_date
from bot.state.journal import Entry
from bot.usecases import cancel, end_later, events, preview, recovery, undo
from bot.usecases.cancel import CancelOutcome
from bot.usecases.events import Did, Posted

log = logging.getLogger(__name__)

EVENT_GRACE_SECONDS = 1.0  # a report waits at most this long for the Datadog event once the action is done
RESPONSE_URL_LIFETIME_SECONDS = 30 * 60  # Slack's: a response_url takes posts for 30 minutes
STORE_LOST = ("the bot's store (Redis) did not answer when this report was written, so the way back could not be "
              "kept; restore them by hand in Datadog from the IDs above.")


async def begin(services: Services, entry: Entry) -> None:
    """Journal the confirmed action before the first Datadog call; without the journal the action goes on."""
    try:
        await services.journal.begin(entry)
    except StoreError as error:  # the click was claimed: refusing now would lose it; the report still comes
        log.warning("confirmed %s not journaled (%s): a crash before its report would go unreported", entry.kind,
                    error)


class Steps:
    """Records each downtime's result in the journal as it becomes known, off the critical path: each write
    is sent at once, and `flush` waits for them all (before the entry is closed)."""

    def __init__(self, services: Services, entry: Entry) -> None:
        self._journal = services.journal
        self._entry_id = entry.id
        self._writes: list[asyncio.Task[None]] = []

    async def __call__(self, key: str, result: str) -> None:
        """Record `result` (a `cancel.Result`, or an Undo's `undo.Step` string) for the downtime `key`."""
        self._writes.append(asyncio.create_task(self._write(key, str(result))))

    async def _write(self, key: str, result: str) -> None:
        try:
            await self._journal.step(self._entry_id, key, result)
        except StoreError as error:
            log.warning("journal step not recorded (%s)", error)

    async def flush(self) -> None:
        """Wait until every step sent so far is written (or has failed, logged)."""
        await asyncio.gather(*self._writes)


def start_event(
    services: Services, did: Did, actor: Actor, scope: Selection, downtimes: tuple[Downtime, ...], *, reason: str = "",
    deadline: Deadline | None = None, notify: tuple[str, ...] = (),
) -> asyncio.Task[Posted | DatadogError] | None:
    """Post the Datadog event naming who asked, alongside the action's first Datadog calls; None when events
    are off (DATADOG_EVENTS=false)."""
    if not services.events or not downtimes:
        return None

    async def post() -> Posted | DatadogError:
        try:
            name = (await services.people.person(actor.user)).name  # cached: the click was just admitted
        except PersonUnknown:
            name = ""
        return await events.post(services.datadog, events.Asked(did, actor, name, scope, downtimes, reason,
                                                                deadline, notify))

    return asyncio.create_task(post())


async def event_note(event: asyncio.Task[Posted | DatadogError] | None) -> report.EventNote:
    """How the event went, waiting at most EVENT_GRACE_SECONDS more for it: it never holds a report back longer."""
    if event is None:
        return None
    try:
        outcome = await asyncio.wait_for(asyncio.shield(event), EVENT_GRACE_SECONDS)
    except TimeoutError:
        event.add_done_callback(_log_late_event)
        return "late"
    if isinstance(outcome, DatadogError):
        log.warning("Datadog event naming who asked not posted: %s", outcome.detail)
    return outcome


def _log_late_event(event: asyncio.Task[Posted | DatadogError]) -> None:
    if event.cancelled():
        log.warning("Datadog event naming who asked: still unanswered when the bot stopped")
        return
    outcome = event.result()
    if isinstance(outcome, DatadogError):
        log.warning("Datadog event naming who asked not posted (after the report): %s", outcome.detail)
    else:
        log.info("Datadog event naming who asked posted after the report")


async def report_cancel(
    services: Services, client: AsyncWebClient, entry: Entry, outcome: CancelOutcome,
    monitors: Alerting | DatadogError | None, respond: AsyncRespond | None, *,
    before_delete: Awaitable[bool] | None = None, how: str = "", undo_window: float | None = None,
    no_undo: str = "", steps: Steps | None = None, event: asyncio.Task[Posted | DatadogError] | None = None,
) -> None:
    """Audit, offer Undo (for `undo_window` seconds; None: the whole window), post one report, close the journal.

    The report is of a cancel or, when the entry has a deadline, of an end-later; `event` is the Datadog event
    started with the action (its outcome goes in the report's footer)."""
    requester = entry.requester
    (offer, why_not), note = await asyncio.gather(
        _no_offer(no_undo) if no_undo else _offer_undo(services, entry, outcome, undo_window), event_note(event)
    )
    changed = outcome.cancelled or outcome.moved
    audit.record(
        (Event.END_MOVED if entry.deadline else Event.CANCELLED) if changed else Event.FAILED,
        **requester.fields(), scope=entry.scope.canonical,
        downtime_ids=[d.key for d in outcome.cancelled],
        moved_ids=[d.key for d in outcome.moved] if entry.deadline else None,
        until=entry.deadline.at if entry.deadline else None,
        failed={d.key: type(e).__name__ for d, e in outcome.failed},
        already_gone=[d.key for d in outcome.already_gone],
        unknown=[d.key for d, _ in outcome.unknown],
        not_reached=[d.key for d in outcome.not_reached],
        kept_ids=[d.key for d in outcome.kept],
        left_ids={d.key: fate.value for d, fate in outcome.left} or None,
        unexpected_ids=outcome.unexpected_ids,
        notify_states=list(entry.notify) or None,
        reason=entry.reason or None,
        datadog_event=event_word(note),
        recovered=bool(how),
        latency_s=round(time.time() - entry.started, 3),
    )
    ui = services.datadog_ui_url
    if entry.deadline is not None:
        message = ended.end_report(requester.user, entry.scope, outcome, entry.deadline, ui, reason=entry.reason,
                                    undo=offer, no_undo=why_not, how=how, event=note)
    else:
        message = report.cancel_report(requester.user, entry.scope, outcome, monitors, ui, reason=entry.reason,
                                       undo=offer, no_undo=why_not, how=how, event=note)
    await deliver_report(message, respond, client, requester, entry.scope.canonical, before_delete=before_delete,
                         copy_to=services.audit_channel)
    if steps is not None:
        await steps.flush()  # a step written after the entry is closed would outlive it
    try:
        await services.journal.finish(entry.id)
    except StoreError as error:
        log.warning("journal entry not closed (%s): it may be reported again", error)


def event_word(note: report.EventNote) -> str | None:
    """The audit record's word for the event: posted, failed (why), late, or None (events off)."""
    if note is None or note == "late":
        return note
    return "posted" if isinstance(note, Posted) else f"failed: {note.detail}"[:200]


async def _no_offer(why: str) -> tuple[report.UndoOffer | None, str]:
    return None, why


async def _offer_undo(
    services: Services, entry: Entry, outcome: CancelOutcome, window: float | None
) -> tuple[report.UndoOffer | None, str]:
    """Register what the click cancelled (or whose end it moved) so that the report's Undo button can bring it
    back; or say why not."""
    cancelled = undo.restorable(outcome.cancelled) + tuple(d for d in outcome.moved if d.v2_id)
    if services.undos is None or not cancelled:
        return None, ""
    ttl = services.undos.ttl_seconds if window is None else window
    if ttl <= 0:
        return None, f"its window of {round(services.undos.ttl_seconds / 60)} minutes had passed."
    try:
        offered = await services.undos.create(entry.scope, entry.requester, downtimes=cancelled, reason=entry.reason,
                                              ttl=ttl, deadline=entry.deadline,
                                              moved=tuple(d.key for d in outcome.moved))
    except StoreError as error:  # the cancellation stands; only the way back is missing, and the report says so
        log.warning("no Undo button: %s", error)
        return None, STORE_LOST
    return report.UndoOffer(offered.id, len(cancelled), ttl), ""


def respond_for(services: Services, entry: Entry, now: float) -> AsyncRespond | None:
    """The click's response_url while Slack still takes it; None after (the report goes by chat.postMessage)."""
    if entry.response_url and now < entry.started + RESPONSE_URL_LIFETIME_SECONDS - POST_TIMEOUT_SECONDS:
        return services.responder.for_url(entry.response_url)
    return None


async def interrupted(services: Services, client: AsyncWebClient, entry: Entry) -> None:
    """A stop past its grace, without Redis: report what the journal knows, and say the rest is unknown."""
    if entry.deadline is not None:
        outcome = end_later.from_steps_end(entry.downtimes, entry.deadline.at, entry.steps,
                                           cancel_later=entry.cancel_later)
    else:
        outcome = recovery.from_steps(entry.downtimes, entry.steps, only_active=entry.only_active)
    doing = "changing" if entry.deadline else "cancelling"
    how = (f"The bot was stopped while {doing} (confirmed {slack_date(int(entry.started))}); this report says "
           "what Datadog had confirmed by then.")
    await report_cancel(services, client, entry, outcome, None, respond_for(services, entry, time.time()), how=how,
                        no_undo="the bot was stopping, and without Redis an Undo would not outlive it.")


async def reconciled(services: Services, client: AsyncWebClient, entry: Entry) -> None:
    """An entry its process never finished: read Datadog back, report truthfully, with Undo while its window lasts."""
    now = time.time()
    known = {k: cancel.Result(v) for k, v in entry.steps.items() if v in set(cancel.Result)}
    with time_budget(services.action_time_limit):
        if entry.deadline is not None:
            outcome = await end_later.reconcile_end(services.datadog, entry.downtimes, entry.deadline.at,
                                                    entry.started, known, cancel_later=entry.cancel_later)
            monitors = None
        else:
            outcome = await recovery.reconcile(services.datadog, entry.scope, entry.downtimes, entry.started, known,
                                               only_active=entry.only_active)
            monitors = await preview.alerting(services.datadog, entry.scope) if outcome.cancelled else None
    doing = "changing" if entry.deadline else "cancelling"
    how = (f"The bot stopped while {doing} (confirmed {slack_date(int(entry.started))}); this report was written "
           f"afterwards from Datadog's state, read back {slack_date(int(time.time()))}.")
    window = None if services.undos is None else entry.started + services.undos.ttl_seconds - now
    await report_cancel(services, client, entry, outcome, monitors, respond_for(services, entry, now), how=how,
                        undo_window=window)
