"""Preview, Slack-free: what a scope, a monitor or downtime IDs will cancel (or nearly matches), what is live,
what is alerting."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.datadog.api import DowntimeAPI, Observed
from bot.domain.downtimes import Downtime, Relevant
from bot.domain.matching import matching, merge, near_miss_groups, related
from bot.domain.monitors import ALERTING_STATES, Alerting, Monitor
from bot.domain.scope import Scope, Selection
from bot.domain.selection import Target
from bot.errors import DatadogError

MAX_PARALLEL_READS = 8  # one downtime read per ID asked or matched
NEVER = 2**62  # sorts a downtime without an end after every one that has one


@dataclass(frozen=True)
class Preview:
    """What the confirm button will cancel (active ones first), and the near misses when that is nothing.

    For a `Target`: `gone`, each ID asked that is not live (cancelled, ended, or unknown to Datadog: "missing");
    `monitors`, the monitors asked for as Datadog has them, and `unknown_monitors`, those it does not know.
    """

    scope: Selection
    matches: tuple[Downtime, ...]
    near_misses: tuple[tuple[str, tuple[Downtime, ...]], ...] = ()  # one group per distinct scope
    gone: tuple[tuple[str, Observed], ...] = ()
    monitors: tuple[Monitor, ...] = ()
    unknown_monitors: tuple[str, ...] = ()

    @property
    def active(self) -> tuple[Downtime, ...]:
        """The matches active now."""
        return tuple(d for d in self.matches if d.status == "active")

    @property
    def scheduled(self) -> tuple[Downtime, ...]:
        """The matches that have not started yet."""
        return tuple(d for d in self.matches if d.status == "scheduled")


async def live_downtimes(api: DowntimeAPI, relevant: Relevant | None = None) -> list[Downtime]:
    """Both lists, fetched concurrently, merged so that each downtime appears once."""
    v1, v2 = await asyncio.gather(api.list_v1(relevant), api.list_v2(relevant))
    return merge(v1, v2)


async def preview(api: DowntimeAPI, scope: Selection) -> Preview:
    """Look up the live downtimes and pick those the scope matches exactly (or nearly); for a `Target`, those
    silencing its monitors, or those with its IDs."""
    if isinstance(scope, Target):
        return await _preview_target(api, scope)
    downtimes = await live_downtimes(api, related(scope))
    found = matching(scope, downtimes)
    ordered = sorted(found, key=lambda d: (d.status != "active", d.start or 0))
    groups = () if ordered else tuple((s, tuple(g)) for s, g in near_miss_groups(scope, downtimes))
    return Preview(scope, tuple(ordered), groups)


async def _preview_target(api: DowntimeAPI, target: Target) -> Preview:
    """A monitor's downtimes (Datadog's downtime_matches, then each read in full), or downtimes by ID."""
    gate = asyncio.Semaphore(MAX_PARALLEL_READS)

    async def read(downtime_id: str) -> Downtime | Observed:
        async with gate:
            return await api.downtime(downtime_id)

    monitors: list[Monitor] = []
    unknown: list[str] = []
    if target.kind == "monitor":
        found = await asyncio.gather(*(_monitor_and_matches(api, int(m)) for m in target.ids))
        ids: list[str] = []
        for monitor_id, (monitor, matched) in zip(target.ids, found, strict=True):
            if matched is None:
                unknown.append(monitor_id)
                continue
            monitors.append(monitor or Monitor(int(monitor_id), "", ""))
            ids.extend(i for i in matched if i not in ids)
    else:
        ids = list(target.ids)
    answers = await asyncio.gather(*(read(i) for i in ids))
    live = [a for a in answers if isinstance(a, Downtime)]
    unique = list({d.key: d for d in live}.values())
    gone = tuple((i, a) for i, a in zip(ids, answers, strict=True) if isinstance(a, Observed)) \
        if target.kind == "downtime" else ()
    ordered = sorted(unique, key=lambda d: (d.status != "active", d.end or NEVER))
    resolved = target.found((d.tags for d in ordered), (d.scope_text for d in ordered if d.tags is None),
                            tuple(m.name for m in monitors))
    return Preview(resolved, tuple(ordered), gone=gone, monitors=tuple(monitors), unknown_monitors=tuple(unknown))


async def _monitor_and_matches(api: DowntimeAPI, monitor_id: int) -> tuple[Monitor | None, tuple[str, ...] | None]:
    """The monitor (for its name; None if that read is refused) and its downtime matches (None: no such monitor)."""
    monitor, matches = await asyncio.gather(api.monitor(monitor_id), api.monitor_downtimes(monitor_id),
                                            return_exceptions=True)
    if isinstance(matches, BaseException):
        raise matches
    return (monitor if isinstance(monitor, Monitor) else None), matches


async def alerting(api: DowntimeAPI, scope: Selection) -> Alerting | DatadogError | None:
    """Monitors on the scope (or the monitors asked for) that are not OK now; the error instead of raising, as
    it is only advice; None for downtimes chosen by ID (their monitors are not looked up)."""
    try:
        if isinstance(scope, Scope):
            return await api.alerting_monitors(scope.canonical)
        if scope.kind != "monitor":
            return None
        read = await asyncio.gather(*(api.monitor(int(m)) for m in scope.ids))
        found = [m for m in read if m is not None]
        return Alerting(tuple(m for m in found if m.state in ALERTING_STATES), len(found))
    except DatadogError as error:
        return error
