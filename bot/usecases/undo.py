"""Undo, Slack-free: create again, through `POST /api/v2/downtime`, what a confirmed click cancelled.

A create is never repeated blind: when one fails in a way that may have acted (no answer, a dropped
connection, a 5xx), the v2 list is read for a downtime with the same scope, monitors, message and
schedule created since the click; if there is one it is adopted, else the create is tried again
(`CREATE_ATTEMPTS` in all); if the list cannot be read, the downtime is "unknown", never created twice.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.datadog.api import Created, DowntimeAPI
from bot.domain import undo_plan
from bot.domain.downtimes import Downtime
from bot.domain.queries import parse_v2_scope
from bot.domain.undo_plan import Skip, Why, parse_time
from bot.domain.when import MIN_AHEAD_SECONDS
from bot.errors import DatadogError
from bot.usecases.cancel import Result
from bot.usecases.end_later import move_end
from bot.usecases.readback import may_have_acted

MAX_PARALLEL_CREATES = 8
CREATE_ATTEMPTS = 3
CREATED_TOLERANCE_SECONDS = 60  # clocks differ; an identical downtime created a minute before is this one


@dataclass(frozen=True)
class Unverified:
    """A create that may have landed: its answer was lost, and the list could not be read to find out."""

    error: DatadogError


@dataclass
class RestoreOutcome:
    """What happened to each cancelled downtime, in the order they were cancelled."""

    restored: list[tuple[Downtime, str]] = field(default_factory=list)  # (old, new id)
    already_back: list[tuple[Downtime, str]] = field(default_factory=list)  # Datadog: a duplicate of a live one
    skipped: list[tuple[Downtime, Skip]] = field(default_factory=list)  # (old, why it is not restored)
    failed: list[tuple[Downtime, DatadogError]] = field(default_factory=list)  # not created: may be tried again
    unknown: list[tuple[Downtime, DatadogError]] = field(default_factory=list)  # may have been created
    put_back: list[Downtime] = field(default_factory=list)  # end later undone: the same downtime, its old end back

    @property
    def back(self) -> int:
        """How many are in place again, created now, already there, or their old end put back."""
        return len(self.restored) + len(self.already_back) + len(self.put_back)


def restorable(cancelled: list[Downtime]) -> tuple[Downtime, ...]:
    """The cancelled downtimes that undo can bring back (those whose form was captured)."""
    return tuple(d for d in cancelled if d.form)


async def restore_all(
    api: DowntimeAPI, downtimes: tuple[Downtime, ...], now: datetime | None = None, *,
    moved: frozenset[str] = frozenset(), until: int | None = None,
) -> RestoreOutcome:
    """Create each downtime again, at most MAX_PARALLEL_CREATES at once; a failure fails only its own.

    `moved` (keys) were not cancelled but set to end at `until` (end later): while that is still ahead,
    their old end is put back on the same downtime (a `PATCH`); once it has passed, they have ended,
    and are created again like the cancelled ones."""
    moment = now or datetime.now(UTC)
    gate = asyncio.Semaphore(MAX_PARALLEL_CREATES)
    outcome = RestoreOutcome()

    async def one(plan: undo_plan.Plan) -> Created | DatadogError | Unverified | Skip:
        if plan.attributes is None:
            return plan.skip or Skip(Why.NOT_CAPTURED)
        async with gate:
            return await create(api, plan.attributes, moment.timestamp())

    async def put_back(downtime: Downtime, result: Result, error: DatadogError | None = None) -> None:
        if result is Result.MOVED:
            outcome.put_back.append(downtime)
        elif result is Result.ALREADY_GONE:
            outcome.skipped.append((downtime, Skip(Why.GONE_SINCE)))
        elif result is Result.UNKNOWN and error is not None:
            outcome.unknown.append((downtime, error))
        else:
            outcome.failed.append((downtime, error or DatadogError("Datadog kept the new end")))

    ahead = until is not None and moment.timestamp() < until - MIN_AHEAD_SECONDS
    changed = [d for d in downtimes if d.key in moved and ahead]
    created = tuple(d for d in downtimes if d not in changed)
    answers, _ = await asyncio.gather(
        asyncio.gather(*(one(undo_plan.plan(d, moment)) for d in created)),
        asyncio.gather(*(move_end(api, d, d.end, put_back, gate) for d in changed)),
    )
    for downtime, answer in zip(created, answers, strict=True):
        if isinstance(answer, Skip):
            outcome.skipped.append((downtime, answer))
        elif isinstance(answer, Unverified):
            outcome.unknown.append((downtime, answer.error))
        elif isinstance(answer, DatadogError):
            outcome.failed.append((downtime, answer))
        else:
            (outcome.already_back if answer.duplicate else outcome.restored).append((downtime, answer.id))
    return outcome


async def create(api: DowntimeAPI, attributes: dict[str, Any], since: float) -> Created | DatadogError | Unverified:
    """Create one downtime, adopting the first attempt's if its answer was lost (never two copies)."""
    last: DatadogError | None = None
    for _ in range(CREATE_ATTEMPTS):
        try:
            return await api.create_downtime(attributes)
        except DatadogError as error:
            if not may_have_acted(error):
                return error
            last = error
        try:
            landed = await find_created(api, attributes, since)
        except DatadogError:
            return Unverified(last)
        if landed is not None:
            return Created(landed)
    assert last is not None  # noqa: S101 - the loop ran at least once and every pass failed
    return last


async def find_created(api: DowntimeAPI, attributes: dict[str, Any], since: float) -> str | None:
    """The v2 id of a live downtime created since `since` exactly as `attributes` asks, if there is one."""
    tags = parse_v2_scope(str(attributes.get("scope") or ""))
    for downtime in await api.list_v2(lambda t: t == tags):
        if downtime.v2_id and (downtime.created or 0) >= since - CREATED_TOLERANCE_SECONDS \
                and same_request(downtime.form, attributes):
            return downtime.v2_id
    return None


def same_request(form: dict[str, Any], attributes: dict[str, Any]) -> bool:
    """Whether a listed downtime's attributes are what a create asked for (scope, monitors, message, schedule)."""
    if any(form.get(k) != attributes.get(k) for k in ("scope", "monitor_identifier")):
        return False
    if (form.get("message") or "") != (attributes.get("message") or ""):
        return False
    listed, asked = form.get("schedule") or {}, attributes.get("schedule") or {}
    if asked.get("recurrences"):
        return [r.get("rrule") for r in listed.get("recurrences") or []] == \
            [r.get("rrule") for r in asked["recurrences"]]
    end = parse_time(asked.get("end"))
    return end is None or parse_time(listed.get("end")) == end
