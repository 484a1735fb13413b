"""Undo, Slack-free: create again, through `POST /api/v2/downtime`, what a confirmed click cancelled.

After a crash, `reconcile_restore` reads Datadog back for what the journal did not record, and creates
nothing; `restore_from_steps` says what the journal knew when a stop cut the Undo short.

A create is never repeated blind: when one fails in a way that may have acted (no answer, a dropped
connection, a 5xx), the v2 list is read for a downtime with the same scope, monitors, message and
schedule created since the click; if there is one it is adopted, else the create is tried again
(`CREATE_ATTEMPTS` in all); if the list cannot be read, the downtime is "unknown", never created twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bot.datadog.api import Created, DowntimeAPI
from bot.domain import undo_plan
from bot.domain.downtimes import Downtime
from bot.domain.queries import parse_v2_scope
from bot.domain.undo_plan import Skip, Why, parse_time
from bot.domain.when import MIN_AHEAD_SECONDS
from bot.errors import DatadogError
from bot.usecases.cancel import Result
from bot.usecases.end_later import change_verdict, move_end
from bot.usecases.readback import may_have_acted, read_v2

MAX_PARALLEL_CREATES = 8
CREATE_ATTEMPTS = 3
CREATED_TOLERANCE_SECONDS = 60  # clocks differ; an identical downtime created a minute before is this one
Record = Callable[[str, str], Awaitable[None]]  # (downtime key, its step): the journal's writer


class Step(StrEnum):
    """A restore's result for one downtime as the journal records it: `<step>`, or `<step>:<detail>` (the new ID,
    or the `Why` of a skip)."""

    RESTORED = "restored"
    ALREADY_BACK = "already_back"
    PUT_BACK = "put_back"
    SKIPPED = "skipped"
    FAILED = "failed"  # verified not created (or its end not put back)
    UNKNOWN = "unknown"


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
    # May have been created; no error: the bot was stopped before Datadog answered.
    unknown: list[tuple[Downtime, DatadogError | None]] = field(default_factory=list)
    put_back: list[Downtime] = field(default_factory=list)  # end later undone: the same downtime, its old end back
    not_reached: list[Downtime] = field(default_factory=list)  # the bot stopped first: Datadog shows it not back

    @property
    def back(self) -> int:
        """How many are in place again, created now, already there, or their old end put back."""
        return len(self.restored) + len(self.already_back) + len(self.put_back)


def restorable(cancelled: list[Downtime]) -> tuple[Downtime, ...]:
    """The cancelled downtimes that undo can bring back (those whose form was captured)."""
    return tuple(d for d in cancelled if d.form)


async def restore_all(
    api: DowntimeAPI, downtimes: tuple[Downtime, ...], now: datetime | None = None, *,
    moved: frozenset[str] = frozenset(), until: int | None = None, record: Record | None = None,
) -> RestoreOutcome:
    """Create each downtime again, at most MAX_PARALLEL_CREATES at once; a failure fails only its own.

    `moved` (keys) were not cancelled but set to end at `until` (end later): while that is still ahead,
    their old end is put back on the same downtime (a `PATCH`); once it has passed, they have ended,
    and are created again like the cancelled ones. `record` gets each downtime's `Step` as it is known."""
    moment = now or datetime.now(UTC)
    gate = asyncio.Semaphore(MAX_PARALLEL_CREATES)
    outcome = RestoreOutcome()

    async def one(plan: undo_plan.Plan) -> Created | DatadogError | Unverified | Skip:
        if plan.attributes is None:
            answer: Created | DatadogError | Unverified | Skip = plan.why_not
        else:
            async with gate:
                answer = await create(api, plan.attributes, moment.timestamp())
        if record is not None:
            await record(plan.downtime.key, step_of(answer))
        return answer

    async def put_back(downtime: Downtime, result: Result, error: DatadogError | None = None) -> None:
        if result is Result.MOVED:
            outcome.put_back.append(downtime)
            step = Step.PUT_BACK.value
        elif result is Result.ALREADY_GONE:
            outcome.skipped.append((downtime, Skip(Why.GONE_SINCE)))
            step = f"{Step.SKIPPED}:{Why.GONE_SINCE}"
        elif result is Result.UNKNOWN and error is not None:
            outcome.unknown.append((downtime, error))
            step = Step.UNKNOWN.value
        else:
            outcome.failed.append((downtime, error or DatadogError("Datadog kept the new end")))
            step = Step.FAILED.value
        if record is not None:
            await record(downtime.key, step)

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


def step_of(answer: Created | DatadogError | Unverified | Skip) -> str:
    """The journal's record of one create's answer."""
    if isinstance(answer, Skip):
        return f"{Step.SKIPPED}:{answer.why}"
    if isinstance(answer, Unverified):
        return Step.UNKNOWN.value
    if isinstance(answer, DatadogError):
        return Step.FAILED.value
    return f"{Step.ALREADY_BACK if answer.duplicate else Step.RESTORED}:{answer.id}"


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


def restore_from_steps(downtimes: tuple[Downtime, ...], steps: dict[str, str]) -> RestoreOutcome:
    """What the journal knew of an Undo when the bot had to stop: each recorded result, every other one unknown."""
    outcome = RestoreOutcome()
    for d in downtimes:
        if not add_restore_step(outcome, d, steps.get(d.key, "")):
            outcome.unknown.append((d, None))
    return outcome


async def reconcile_restore(
    api: DowntimeAPI, downtimes: tuple[Downtime, ...], started: float, steps: dict[str, str], *,
    moved: frozenset[str] = frozenset(), until: int | None = None,
) -> RestoreOutcome:
    """What an Undo the bot could not finish did, from Datadog's state now (nothing is created here).

    A downtime with no recorded result is looked for as `restore_all` would have created it from the click
    (`started`): found, it is restored; not found, it was not reached. One whose end was being put back is
    read: its old end back, or not reached."""
    outcome = RestoreOutcome()
    moment = datetime.fromtimestamp(started, UTC)
    ahead = until is not None and started < until - MIN_AHEAD_SECONDS
    open_ = [d for d in downtimes if not add_restore_step(outcome, d, steps.get(d.key, ""))]
    gate = asyncio.Semaphore(MAX_PARALLEL_CREATES)

    async def one(downtime: Downtime) -> None:
        if downtime.key in moved and ahead and downtime.v2_id:
            async with gate:
                seen = await read_v2(api, downtime.v2_id)
            if isinstance(seen, DatadogError):
                outcome.unknown.append((downtime, seen))
                return
            verdict, _ = change_verdict(seen, downtime.end, None)
            if verdict is Result.MOVED:
                outcome.put_back.append(downtime)
            elif verdict is Result.ALREADY_GONE:
                outcome.skipped.append((downtime, Skip(Why.GONE_SINCE)))
            else:
                outcome.not_reached.append(downtime)
            return
        plan = undo_plan.plan(downtime, moment)
        if plan.attributes is None:
            outcome.skipped.append((downtime, plan.why_not))
            return
        try:  # not gated: the lookups of one scope share each list read in flight
            landed = await find_created(api, plan.attributes, started)
        except DatadogError as error:
            outcome.unknown.append((downtime, error))
            return
        if landed is None:
            outcome.not_reached.append(downtime)
        else:
            outcome.restored.append((downtime, landed))

    await asyncio.gather(*(one(d) for d in open_))
    order = {d.key: i for i, d in enumerate(downtimes)}
    for found in (outcome.restored, outcome.skipped, outcome.unknown):
        found.sort(key=lambda pair: order[pair[0].key])
    for found_ in (outcome.put_back, outcome.not_reached):
        found_.sort(key=lambda d: order[d.key])
    return outcome


def add_restore_step(outcome: RestoreOutcome, downtime: Downtime, step: str) -> bool:
    """File `downtime` under the result the journal recorded for it; False if none is known (or it was unknown)."""
    kind, _, detail = step.partition(":")
    if kind == Step.RESTORED:
        outcome.restored.append((downtime, detail))
    elif kind == Step.ALREADY_BACK:
        outcome.already_back.append((downtime, detail))
    elif kind == Step.PUT_BACK:
        outcome.put_back.append(downtime)
    elif kind == Step.SKIPPED and detail in set(Why):
        outcome.skipped.append((downtime, Skip(Why(detail))))
    elif kind == Step.FAILED:
        outcome.failed.append((downtime, DatadogError("Datadog refused it before the stop")))
    else:
        return False
    return True
