"""End later, Slack-free: move each shown downtime's end to the deadline, and say what happened to each, as verified.

The prompt decided each downtime's fate (`bot.domain.ending`); the click does exactly that:
- each to end at the deadline gets one `PATCH` of its schedule's end, concurrently; Datadog's answer
  (the downtime as it is now) says whether the end moved. When the `PATCH` fails, the downtime is
  read back: an end at the deadline is moved (the change landed), another end is "not moved", gone is
  "already gone", and a read back that fails too is "unknown", never a guess;
- those starting after the deadline are cancelled by id (`bot.usecases.cancel`), or kept, as chosen;
- the rest are left alone, as the prompt said.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from bot.datadog.api import DowntimeAPI, Observed
from bot.domain.downtimes import Downtime
from bot.domain.ending import Ending, Fate, fate
from bot.errors import DatadogError, DatadogUnexpected
from bot.usecases.cancel import (
    MAX_PARALLEL_DELETES,
    CancelOutcome,
    Done,
    Result,
    Step,
    cancel_each,
    in_preview_order,
    recorder,
)
from bot.usecases.readback import CLOCK_TOLERANCE_SECONDS, may_have_acted, read_v2
from bot.usecases.recovery import add_recorded, record_steps

SAME_END_SECONDS = 1  # Datadog keeps the end to the second (microseconds in v2 answers)


def iso(epoch: int | None) -> str | None:
    """A schedule time as the v2 API takes it: ISO 8601 with a UTC offset of zero; None stays None."""
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()


def moved_to(seen: Observed, until: int | None) -> bool:
    """Whether a read back shows the downtime live and ending at `until`."""
    if seen.state != "live":
        return False
    if until is None or seen.end is None:
        return until is None and seen.end is None
    return abs(seen.end - until) <= SAME_END_SECONDS


def change_verdict(seen: Observed, until: int | None, error: DatadogError | None) -> tuple[Result, DatadogError | None]:
    """A downtime read after its end was to move to `until`: moved, still as it was, or gone."""
    if moved_to(seen, until):
        return Result.MOVED, None
    if seen.state in ("missing", "canceled", "ended"):
        return Result.ALREADY_GONE, None
    end = "no end" if seen.end is None else f"end {iso(seen.end)}"
    return Result.FAILED, error or DatadogUnexpected(f"Datadog answered with its {end} unchanged", status=200)


async def move_end(
    api: DowntimeAPI, downtime: Downtime, until: int | None, done: Done, gate: asyncio.Semaphore
) -> None:
    """PATCH one downtime's end to `until` (None: no end), once; read back when the answer is not a clear yes."""
    v2_id = str(downtime.v2_id)
    async with gate:
        try:
            seen: Observed = await api.update_downtime(v2_id, {"schedule": {"end": iso(until)}})
            error: DatadogError | None = None
        except DatadogError as failure:
            error = failure
            after = await read_v2(api, v2_id)
            if isinstance(after, DatadogError):
                await done(downtime, Result.UNKNOWN if may_have_acted(error) else Result.FAILED, error)
                return
            seen = after
    result, why = change_verdict(seen, until, error)
    await done(downtime, result, why)


async def end_later(
    api: DowntimeAPI, matches: tuple[Downtime, ...], until: int, *, cancel_later: bool, started: float | None = None,
    step: Step | None = None,
) -> CancelOutcome:
    """End the shown downtimes at `until` as the prompt said (`bot.domain.ending`), and report each, in their order."""
    began = time.time() if started is None else started
    outcome, plan = shown(matches, until, cancel_later)
    done = recorder(outcome, step)
    gate = asyncio.Semaphore(MAX_PARALLEL_DELETES)
    await asyncio.gather(
        *(move_end(api, d, until, done, gate) for d in plan.move),
        cancel_each(api, list(plan.later) if cancel_later else [], began, done, gate),
    )
    in_preview_order(outcome, matches)
    return outcome


async def reconcile_end(
    api: DowntimeAPI, matches: tuple[Downtime, ...], until: int, started: float, known: dict[str, Result], *,
    cancel_later: bool,
) -> CancelOutcome:
    """What an end-later the bot could not finish did, from Datadog's state now (nothing is changed here)."""
    outcome, plan = shown(matches, until, cancel_later)
    gate = asyncio.Semaphore(MAX_PARALLEL_DELETES)

    async def one(downtime: Downtime, moving: bool) -> None:
        recorded = known.get(downtime.key)
        if recorded is not None and recorded is not Result.UNKNOWN:
            add_recorded(outcome, downtime, recorded)
            return
        async with gate:
            seen = await read_v2(api, str(downtime.v2_id))
        if isinstance(seen, DatadogError):
            outcome.add(downtime, Result.UNKNOWN, seen)
        elif moving and moved_to(seen, until):
            outcome.add(downtime, Result.MOVED)
        elif seen.state == "live":
            outcome.add(downtime, Result.NOT_REACHED)
        elif not moving and seen.since(started, CLOCK_TOLERANCE_SECONDS):
            outcome.add(downtime, Result.CANCELLED)
        else:
            outcome.add(downtime, Result.ALREADY_GONE)

    await asyncio.gather(*(one(d, True) for d in plan.move),
                         *(one(d, False) for d in (plan.later if cancel_later else ())))
    in_preview_order(outcome, matches)
    return outcome


def from_steps_end(matches: tuple[Downtime, ...], until: int, steps: dict[str, str], *,
                   cancel_later: bool) -> CancelOutcome:
    """What the journal knew of an end-later when the bot had to stop: each recorded result, the rest unknown."""
    outcome, plan = shown(matches, until, cancel_later)
    record_steps(outcome, plan.targets(cancel_later), steps)
    in_preview_order(outcome, matches)
    return outcome


def shown(matches: tuple[Downtime, ...], until: int, cancel_later: bool) -> tuple[CancelOutcome, Ending]:
    """The prompt's decision for each downtime, and an outcome that already says what the click leaves alone
    (and keeps, when the later ones are kept)."""
    plan = Ending.of(matches, until)
    outcome = CancelOutcome()
    outcome.left.extend((d, fate(d, until)) for d in plan.left_alone)
    if not cancel_later:
        outcome.kept.extend(plan.later)
    return outcome, plan


def left_alone(outcome: CancelOutcome, wanted: Fate) -> list[Downtime]:
    """The downtimes the click left alone for one reason."""
    return [d for d, f in outcome.left if f is wanted]
