"""Cancel, Slack-free: end exactly the downtimes a prompt showed, and say what happened to each, as verified.

What the report states is what Datadog's own state shows, never a guess:
- `DELETE /api/v2/downtime/{id}` answers 204 whether or not the downtime was still live, so the
  downtime is read (`GET`) alongside the DELETE, in the same round trip: live, or cancelled at or
  after the click, is "cancelled by this click"; cancelled or ended before it is "already gone".
  Times are compared on Datadog's clock (its `Date` header, see `Observed.since`).
- A call that failed in a way that may have acted (no answer, a dropped connection, a 5xx) is
  followed by a read back: cancelled since the click is "cancelled" (and offered to Undo), still
  live is "not cancelled", and a read back that fails too is "unknown", never a guess.
- `cancel/by_scope` is read back through the v1 list, which also shows any downtime it cancelled
  that the prompt did not show.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.datadog.api import DowntimeAPI, Observed
from bot.domain.downtimes import Downtime
from bot.domain.ending import Fate
from bot.domain.scope import Selection
from bot.errors import DatadogError
from bot.usecases.notifying import NotifyChange, set_notify
from bot.usecases.readback import CLOCK_TOLERANCE_SECONDS, may_have_acted, read_v1_list, read_v2

MAX_PARALLEL_DELETES = 8


class Result(StrEnum):
    """What became of one downtime; also the journal's word for each completed step."""

    CANCELLED = "cancelled"  # by this click, verified
    ALREADY_GONE = "already_gone"  # cancelled or ended before the click
    FAILED = "failed"  # verified still live (or never sent: Datadog refused the request)
    UNKNOWN = "unknown"  # the call may have acted and the read back failed too
    NO_ID = "no_id"  # cannot be cancelled one by one: Datadog gave no v2 id
    NOT_REACHED = "not_reached"  # the bot stopped before cancelling it; verified still live
    MOVED = "moved"  # end later: its end is now the deadline, verified


Step = Callable[[str, Result], Awaitable[None]]  # records each downtime's result as it completes


@dataclass
class CancelOutcome:
    """What happened to each targeted downtime, and anything Datadog did beyond the preview."""

    cancelled: list[Downtime] = field(default_factory=list)
    failed: list[tuple[Downtime, DatadogError]] = field(default_factory=list)
    already_gone: list[Downtime] = field(default_factory=list)
    unknown: list[tuple[Downtime, DatadogError | None]] = field(default_factory=list)  # None: the bot stopped
    unexpected_ids: list[int] = field(default_factory=list)
    scope_error: DatadogError | None = None  # cancel/by_scope itself failed (the v1 matches are read back)
    kept: list[Downtime] = field(default_factory=list)  # shown, and left alone by the requester's choice
    no_id: list[Downtime] = field(default_factory=list)  # could not be cancelled by ID: Datadog gave none
    not_reached: list[Downtime] = field(default_factory=list)  # the bot stopped before cancelling them
    notify: dict[str, NotifyChange] = field(default_factory=dict)  # by key, when the click set them to notify
    moved: list[Downtime] = field(default_factory=list)  # end later: their end moved to the deadline
    left: list[tuple[Downtime, Fate]] = field(default_factory=list)  # end later: shown, and not touched

    @property
    def asked(self) -> int:
        """How many downtimes the click set out to cancel."""
        return len(self.cancelled) + len(self.failed) + len(self.already_gone) + len(self.unknown) \
            + len(self.no_id) + len(self.not_reached) + len(self.moved)

    def add(self, downtime: Downtime, result: Result, error: DatadogError | None = None) -> None:
        """File one downtime under its result."""
        if result is Result.CANCELLED:
            self.cancelled.append(downtime)
        elif result is Result.ALREADY_GONE:
            self.already_gone.append(downtime)
        elif result is Result.FAILED and error is not None:
            self.failed.append((downtime, error))
        elif result is Result.NO_ID:
            self.no_id.append(downtime)
        elif result is Result.NOT_REACHED:
            self.not_reached.append(downtime)
        elif result is Result.MOVED:
            self.moved.append(downtime)
        else:
            self.unknown.append((downtime, error))


def verdict(seen: Observed, started: float) -> Result:
    """A downtime read back after a cancel that Datadog accepted: cancelled by the click, or gone before it."""
    if seen.state in ("live", "missing") or seen.since(started, CLOCK_TOLERANCE_SECONDS):
        return Result.CANCELLED
    return Result.ALREADY_GONE


def read_back_verdict(seen: Observed, started: float, error: DatadogError | None) -> Result:
    """A downtime read back after a cancel whose answer was lost (or never sent): what it shows."""
    if seen.state == "live":
        return Result.FAILED if error is not None else Result.NOT_REACHED
    if seen.state == "missing":
        return Result.ALREADY_GONE
    return Result.CANCELLED if seen.since(started, CLOCK_TOLERANCE_SECONDS) else Result.ALREADY_GONE


async def cancel(
    api: DowntimeAPI, scope: Selection, matches: tuple[Downtime, ...], *, only_active: bool = False,
    started: float | None = None, step: Step | None = None, notify: tuple[str, ...] = (),
) -> CancelOutcome:
    """Cancel the previewed downtimes, and say what happened to each, in their order.

    All of them: v1 through cancel/by_scope (which also ends scheduled ones on the scope), v2 by id,
    concurrently. A v1 downtime that cancel/by_scope did not cancel but that has a v2 id (created
    through v2, which cancel/by_scope cannot see) is then cancelled by that id.

    Chosen by monitor or by ID (a `Target`), each is cancelled by its v2 id, never through cancel/by_scope,
    which would also end downtimes on the same scope that the prompt did not show.

    `only_active`: the active ones only, each by its v2 id (a v1 downtime's `uuid`), so that the
    scheduled ones on the same scope, which cancel/by_scope would end too, are left alone.
    `started`: the click's time (our wall clock); `step` is told each downtime's result as it is known.
    `notify`: first make cancelling each of them notify for these states (`bot.domain.notify`): one
    round of `PATCH`es before the cancel; a change that fails never stops the cancel, it is reported.
    """
    began = time.time() if started is None else started
    outcome = CancelOutcome()
    gate = asyncio.Semaphore(MAX_PARALLEL_DELETES)
    targets = [d for d in matches if d.status == "active"] if only_active else list(matches)
    if notify:
        outcome.notify.update(await set_notify(api, targets, notify))
    done = recorder(outcome, step)

    async def by_scope(v1: list[Downtime]) -> None:
        if not v1:
            return
        try:
            answer = await api.cancel_by_scope(scope.canonical)
        except DatadogError as error:
            outcome.scope_error = error
            if may_have_acted(error):
                await scope_read_back(v1, error)
            else:
                for d in v1:
                    await done(d, Result.FAILED, error)
            return
        if answer.after_failure:  # an attempt whose answer was lost may have cancelled them: look
            await scope_read_back(v1, None)
            return
        ids = set(answer.ids)
        previewed = {d.v1_id for d in v1}
        outcome.unexpected_ids.extend(sorted(i for i in ids if i not in previewed))
        for d in v1:
            if d.v1_id in ids:
                await done(d, Result.CANCELLED)
        missed = [d for d in v1 if d.v1_id not in ids]
        for d in missed:
            if not d.v2_id:
                await done(d, Result.ALREADY_GONE)
        await asyncio.gather(*(cancel_by_id(api, d, d.v2_id, began, done, gate) for d in missed if d.v2_id))

    async def scope_read_back(v1: list[Downtime], error: DatadogError | None) -> None:
        """What cancel/by_scope did, from the v1 list: ours, gone before, or still live (then by id)."""
        listing = await read_v1_list(api)
        if isinstance(listing, DatadogError):
            for d in v1:
                await done(d, Result.UNKNOWN, error or listing)
            return
        previewed = {d.v1_id for d in v1}
        outcome.unexpected_ids.extend(sorted(
            i for i, seen in listing.items()
            if i not in previewed and seen.tags == frozenset(scope.tags) and seen.state == "canceled"
            and seen.since(began, CLOCK_TOLERANCE_SECONDS)
        ))
        still_live = []
        for d in v1:
            seen = listing.get(d.v1_id or 0, Observed("missing"))
            if seen.state == "live" and error is None and d.v2_id:
                still_live.append(d)  # out of cancel/by_scope's sight (created through v2): by id
            elif seen.state == "live" and error is None:
                await done(d, Result.NO_ID)
            else:
                await done(d, read_back_verdict(seen, began, error), error)
        await asyncio.gather(*(cancel_by_id(api, d, d.v2_id, began, done, gate) for d in still_live if d.v2_id))

    if only_active:
        outcome.kept.extend(d for d in matches if d.status != "active")
    if only_active or not scope.by_scope:  # chosen by monitor or ID: each by its ID, nothing unseen
        await cancel_each(api, targets, began, done, gate)
    else:
        v1 = [d for d in matches if d.v1_id is not None]
        await asyncio.gather(by_scope(v1), cancel_each(api, [d for d in matches if d.v1_id is None], began, done,
                                                       gate))
    in_preview_order(outcome, matches)
    return outcome


class Done(Protocol):
    """Files one downtime's result (and tells the journal)."""

    async def __call__(self, downtime: Downtime, result: Result, error: DatadogError | None = None) -> None:
        """Record it."""
        ...


def recorder(outcome: CancelOutcome, step: Step | None) -> Done:
    """Files each downtime's result in `outcome` and tells `step`."""

    async def done(downtime: Downtime, result: Result, error: DatadogError | None = None) -> None:
        outcome.add(downtime, result, error)
        if step is not None:
            await step(downtime.key, result)

    return done


async def cancel_each(
    api: DowntimeAPI, downtimes: list[Downtime], began: float, done: Done, gate: asyncio.Semaphore
) -> None:
    """Cancel each by its v2 id, concurrently; one without a v2 id cannot be."""
    for d in downtimes:
        if not d.v2_id:
            await done(d, Result.NO_ID, None)
    await asyncio.gather(*(cancel_by_id(api, d, d.v2_id, began, done, gate) for d in downtimes if d.v2_id))


async def cancel_by_id(
    api: DowntimeAPI, downtime: Downtime, v2_id: str, began: float, done: Done, gate: asyncio.Semaphore
) -> None:
    """DELETE one downtime with the read that tells whether this click cancelled it, in one round trip."""
    async with gate:
        look = asyncio.ensure_future(read_v2(api, v2_id))  # in the same round trip as the DELETE
        try:
            found: bool | None = await api.cancel_v2(v2_id)
            error: DatadogError | None = None
        except DatadogError as failure:
            found, error = None, failure
        except asyncio.CancelledError:  # a stop past its grace: the read goes with it
            look.cancel()
            raise
        seen = await look
    if found is False:
        await done(downtime, Result.ALREADY_GONE, None)
    elif error is None:
        if isinstance(seen, DatadogError):
            seen = await read_v2(api, v2_id)
        # A 204 with a failed read is still Datadog's word that it is cancelled now.
        await done(downtime, verdict(seen, began) if isinstance(seen, Observed) else Result.CANCELLED, None)
    elif not may_have_acted(error):
        await done(downtime, Result.FAILED, error)
    else:
        after = await read_v2(api, v2_id)
        if isinstance(after, DatadogError):
            await done(downtime, Result.UNKNOWN, error)
        else:
            await done(downtime, read_back_verdict(after, began, error), error)


def in_preview_order(outcome: CancelOutcome, matches: tuple[Downtime, ...]) -> None:
    """Sort every list of the outcome as the prompt showed the downtimes."""
    position = {d.key: i for i, d in enumerate(matches)}

    def at(d: Downtime) -> int:
        return position.get(d.key, len(position))

    for downtimes in (outcome.cancelled, outcome.already_gone, outcome.no_id, outcome.not_reached, outcome.moved):
        downtimes.sort(key=at)
    outcome.failed.sort(key=lambda pair: at(pair[0]))
    outcome.unknown.sort(key=lambda pair: at(pair[0]))
