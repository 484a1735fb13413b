"""Recovery, Slack-free: what a confirmed cancel did when the bot could not finish it.

- `from_steps`: what the journal had recorded when a stop cut the cancel short (the rest unknown).
- `reconcile`: Datadog's state read back, for an entry the process that wrote it never finished;
  nothing is cancelled here, however late: the prompt's promise was "now", and a cancel minutes
  later could mute nothing or surprise. What is still live is reported as not reached.
  (An end-later's and an Undo's are in `end_later` and `undo`.)
"""

from __future__ import annotations

import asyncio

from bot.datadog.api import DowntimeAPI, Observed
from bot.domain.downtimes import Downtime
from bot.domain.scope import Selection
from bot.errors import DatadogError
from bot.usecases.cancel import (
    MAX_PARALLEL_DELETES,
    CancelOutcome,
    Result,
    in_preview_order,
    read_back_verdict,
)
from bot.usecases.readback import read_v1_list, read_v2


async def reconcile(
    api: DowntimeAPI, scope: Selection, matches: tuple[Downtime, ...], started: float, known: dict[str, Result],
    *, only_active: bool = False,
) -> CancelOutcome:
    """What a cancel the bot could not finish did, from Datadog's state now (nothing is cancelled here).

    `known`: the results the journal recorded before the bot stopped; every other downtime is read
    back: cancelled since `started` is the click's, still live was not reached.
    """
    outcome = CancelOutcome()
    targets = [d for d in matches if not only_active or d.status == "active"]
    outcome.kept.extend(d for d in matches if d not in targets)
    open_ = [d for d in targets if d.key not in known or known[d.key] is Result.UNKNOWN]
    for d in targets:
        if d not in open_:
            add_recorded(outcome, d, known[d.key])
    listing = await read_v1_list(api) if any(d.v1_id is not None for d in open_) else {}
    gate = asyncio.Semaphore(MAX_PARALLEL_DELETES)

    async def one(downtime: Downtime) -> None:
        seen: Observed | DatadogError | None = None
        if downtime.v1_id is not None and isinstance(listing, dict):
            seen = listing.get(downtime.v1_id)
        if seen is None and downtime.v2_id:
            async with gate:
                seen = await read_v2(api, downtime.v2_id)
        if isinstance(listing, DatadogError) and seen is None:
            seen = listing
        if seen is None:
            outcome.add(downtime, Result.ALREADY_GONE)
        elif isinstance(seen, DatadogError):
            outcome.add(downtime, Result.UNKNOWN, seen)
        else:
            outcome.add(downtime, read_back_verdict(seen, started, None))

    await asyncio.gather(*(one(d) for d in open_))
    in_preview_order(outcome, matches)
    return outcome


def from_steps(matches: tuple[Downtime, ...], steps: dict[str, str], *, only_active: bool = False) -> CancelOutcome:
    """What the journal knew when the bot had to stop: each recorded result, and every other one unknown."""
    outcome = CancelOutcome()
    outcome.kept.extend(d for d in matches if only_active and d.status != "active")
    record_steps(outcome, [d for d in matches if d not in outcome.kept], steps)
    return outcome


def record_steps(outcome: CancelOutcome, targets: list[Downtime] | tuple[Downtime, ...], steps: dict[str, str]) -> None:
    """File each target under the result the journal recorded for it, or as unknown (the bot stopped)."""
    for d in targets:
        if steps.get(d.key) in set(Result):
            add_recorded(outcome, d, Result(steps[d.key]))
        else:
            outcome.unknown.append((d, None))


def add_recorded(outcome: CancelOutcome, downtime: Downtime, result: Result) -> None:
    """A result the journal recorded; a recorded failure kept no error, so it is said in general words."""
    error = DatadogError("Datadog refused it, or showed it still live, before the stop") \
        if result is Result.FAILED else None
    outcome.add(downtime, result, error)

