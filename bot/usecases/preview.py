"""Preview, Slack-free: what a scope will cancel (or nearly matches), what is live, what is alerting."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.datadog.api import DowntimeAPI
from bot.domain.downtimes import Downtime, Relevant
from bot.domain.matching import matching, merge, near_miss_groups, related
from bot.domain.monitors import Alerting
from bot.domain.scope import Scope
from bot.errors import DatadogError


@dataclass(frozen=True)
class Preview:
    """What the confirm button will cancel (active ones first), and the near misses when that is nothing."""

    scope: Scope
    matches: tuple[Downtime, ...]
    near_misses: tuple[tuple[str, tuple[Downtime, ...]], ...] = ()  # one group per distinct scope

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


async def preview(api: DowntimeAPI, scope: Scope) -> Preview:
    """Look up the live downtimes and pick those the scope matches exactly (or nearly)."""
    downtimes = await live_downtimes(api, related(scope))
    found = matching(scope, downtimes)
    ordered = sorted(found, key=lambda d: (d.status != "active", d.start or 0))
    groups = () if ordered else tuple((s, tuple(g)) for s, g in near_miss_groups(scope, downtimes))
    return Preview(scope, tuple(ordered), groups)


async def alerting(api: DowntimeAPI, scope: Scope) -> Alerting | DatadogError:
    """Monitors on the scope that are not OK now; the error instead of raising, as it is only advice."""
    try:
        return await api.alerting_monitors(scope.canonical)
    except DatadogError as error:
        return error
