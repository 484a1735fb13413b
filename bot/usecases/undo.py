"""Undo, Slack-free: create again, through `POST /api/v2/downtime`, what a confirmed click cancelled."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.datadog.api import Created, DowntimeAPI
from bot.domain import undo_plan
from bot.domain.downtimes import Downtime
from bot.errors import DatadogError

MAX_PARALLEL_CREATES = 8


@dataclass
class RestoreOutcome:
    """What happened to each cancelled downtime, in the order they were cancelled."""

    restored: list[tuple[Downtime, str]] = field(default_factory=list)  # (old, new id)
    already_back: list[tuple[Downtime, str]] = field(default_factory=list)  # Datadog: a duplicate of a live one
    skipped: list[tuple[Downtime, str]] = field(default_factory=list)  # (old, why it is not restored)
    failed: list[tuple[Downtime, DatadogError]] = field(default_factory=list)

    @property
    def back(self) -> int:
        """How many are in place again, created now or already there."""
        return len(self.restored) + len(self.already_back)


def restorable(cancelled: list[Downtime]) -> tuple[Downtime, ...]:
    """The cancelled downtimes that undo can bring back (those whose form was captured)."""
    return tuple(d for d in cancelled if d.form)


async def restore_all(api: DowntimeAPI, downtimes: tuple[Downtime, ...], now: datetime | None = None) -> RestoreOutcome:
    """Create each downtime again, at most MAX_PARALLEL_CREATES at once; a failure fails only its own."""
    moment = now or datetime.now(UTC)
    gate = asyncio.Semaphore(MAX_PARALLEL_CREATES)

    async def one(plan: undo_plan.Plan) -> Created | DatadogError | str:
        if plan.attributes is None:
            return plan.skip
        async with gate:
            try:
                return await api.create_downtime(plan.attributes)
            except DatadogError as error:
                return error

    answers = await asyncio.gather(*(one(undo_plan.plan(d, moment)) for d in downtimes))
    outcome = RestoreOutcome()
    for downtime, answer in zip(downtimes, answers, strict=True):
        if isinstance(answer, str):
            outcome.skipped.append((downtime, answer))
        elif isinstance(answer, DatadogError):
            outcome.failed.append((downtime, answer))
        else:
            (outcome.already_back if answer.duplicate else outcome.restored).append((downtime, answer.id))
    return outcome
