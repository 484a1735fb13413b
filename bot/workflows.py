"""The downtime workflows, Slack-free: preview what a scope will cancel, cancel it, list what is active."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.datadog import DowntimeAPI, Monitor
from bot.downtimes import Downtime, matching, merge, near_misses
from bot.errors import DatadogError
from bot.scope import Scope

MAX_PARALLEL_DELETES = 8


@dataclass(frozen=True)
class Preview:
    """What the confirm button will cancel, and the near misses when that is nothing."""

    scope: Scope
    matches: tuple[Downtime, ...]
    near_misses: tuple[Downtime, ...]


@dataclass
class CancelReport:
    """What happened to each previewed downtime, and anything Datadog did beyond the preview."""

    cancelled: list[Downtime] = field(default_factory=list)
    failed: list[tuple[Downtime, DatadogError]] = field(default_factory=list)
    already_gone: list[Downtime] = field(default_factory=list)
    probably_cancelled: list[Downtime] = field(default_factory=list)  # by an attempt whose answer was lost
    unexpected_ids: list[int] = field(default_factory=list)
    scope_error: DatadogError | None = None  # cancel/by_scope itself failed (the v1 matches are in `failed`)


async def active_downtimes(api: DowntimeAPI) -> list[Downtime]:
    """Both lists, fetched concurrently, merged so that each downtime appears once."""
    v1, v2 = await asyncio.gather(api.list_v1_active(), api.list_v2_active())
    return merge(v1, v2)


async def preview(api: DowntimeAPI, scope: Scope) -> Preview:
    """Look up the active downtimes and pick those the scope matches exactly (or nearly)."""
    downtimes = await active_downtimes(api)
    matches = tuple(matching(scope, downtimes))
    misses = () if matches else tuple(near_misses(scope, downtimes))
    return Preview(scope, matches, misses)


async def cancel(api: DowntimeAPI, scope: Scope, matches: tuple[Downtime, ...]) -> CancelReport:
    """Cancel the previewed downtimes: v1 through cancel/by_scope, v2 by id, concurrently.

    A v1 downtime that cancel/by_scope did not cancel but that has a v2 id (created through v2,
    which cancel/by_scope cannot see, or cancelled by an attempt whose answer was lost) is then
    cancelled by that id, which Datadog answers with 204 whether or not it was still active.
    """
    report = CancelReport()
    v1 = [d for d in matches if d.v1_id is not None]
    v2 = [d for d in matches if d.v1_id is None]
    gate = asyncio.Semaphore(MAX_PARALLEL_DELETES)

    async def by_scope() -> None:
        if not v1:
            return
        try:
            answer = await api.cancel_by_scope(scope.canonical)
        except DatadogError as error:
            report.scope_error = error
            report.failed.extend((d, error) for d in v1)
            return
        ids = set(answer.ids)
        previewed = {d.v1_id for d in v1}
        report.unexpected_ids.extend(sorted(i for i in ids if i not in previewed))
        report.cancelled.extend(d for d in v1 if d.v1_id in ids)
        missed = [d for d in v1 if d.v1_id not in ids]
        # After a failed attempt, "nothing found" most likely means that attempt cancelled them.
        gone = report.probably_cancelled if answer.after_failure and not ids else report.already_gone
        gone.extend(d for d in missed if not d.v2_id)
        await asyncio.gather(*(by_id(d, d.v2_id) for d in missed if d.v2_id))

    async def by_id(downtime: Downtime, v2_id: str) -> None:
        async with gate:
            try:
                found = await api.cancel_v2(v2_id)
            except DatadogError as error:
                report.failed.append((downtime, error))
                return
        (report.cancelled if found else report.already_gone).append(downtime)

    await asyncio.gather(by_scope(), *(by_id(d, d.v2_id) for d in v2 if d.v2_id))
    return report


async def alerting(api: DowntimeAPI, scope: Scope) -> list[Monitor] | DatadogError:
    """Monitors on the scope that are not OK now; the error instead of raising, as it is only advice."""
    try:
        return await api.alerting_monitors(scope.canonical)
    except DatadogError as error:
        return error
