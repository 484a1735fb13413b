"""The App Home tab's listing, Slack-free: every live downtime, grouped by scope, the most urgent first.

During an incident many people open the Home tab at once. A listing is reused for `max_age` seconds
(HOME_CACHE_SECONDS, 10 by default; the view shows its age), and while one is being read every other
opener waits for it: one read of each Datadog list, not one per person. Only the Home tab reuses it:
a prompt always reads Datadog afresh, and a confirm acts on Datadog's state at the click.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from bot.datadog.api import DowntimeAPI
from bot.domain.downtimes import Downtime
from bot.domain.matching import group_by_scope
from bot.usecases.preview import NEVER, live_downtimes


@dataclass(frozen=True)
class Group:
    """The live downtimes sharing one scope (Datadog's text when it is not a plain tag list)."""

    scope_text: str
    command: str | None  # the scope as `/cancel-downtime` takes it; None when it cannot be typed
    downtimes: tuple[Downtime, ...]  # active first, soonest end first

    @property
    def active(self) -> int:
        """How many are active now."""
        return sum(1 for d in self.downtimes if d.status == "active")

    @property
    def soonest_end(self) -> int | None:
        """The first end among the active ones (None: none active, or none ends)."""
        ends = [d.end for d in self.downtimes if d.status == "active" and d.end is not None]
        return min(ends) if ends else None


@dataclass(frozen=True)
class Listing:
    """Every live downtime as read at `at` (our wall clock), grouped."""

    downtimes: tuple[Downtime, ...]
    at: float

    @cached_property
    def groups(self) -> list[Group]:
        """By scope, most urgent first: scopes muting now before those only scheduled, then the soonest end."""
        found = []
        for scope_text, members in group_by_scope(self.downtimes):
            ordered = sorted(members, key=lambda d: (d.status != "active", d.end or NEVER))
            found.append(Group(scope_text, members[0].canonical_scope, tuple(ordered)))

        def urgency(group: Group) -> tuple[bool, int, int, str]:
            first = group.downtimes[0]
            soonest = group.soonest_end
            return (not group.active, soonest if soonest is not None else NEVER,
                    first.start or 0 if not group.active else 0, group.scope_text)

        return sorted(found, key=urgency)


class Listings:
    """The Home tab's listing: reused for `max_age` seconds, one read at a time (concurrent openers share it)."""

    def __init__(self, api: DowntimeAPI, max_age: float, clock: Callable[[], float] = time.time) -> None:
        self._api = api
        self.max_age = max_age
        self._clock = clock
        self._last: Listing | None = None
        self._reading: asyncio.Future[Listing] | None = None

    async def get(self, *, fresh: bool = False) -> Listing:
        """The listing, reused if younger than `max_age` (unless `fresh`), else read now (or being read)."""
        last = self._last
        if not fresh and last is not None and self._clock() - last.at <= self.max_age:
            return last
        if self._reading is None:
            self._reading = asyncio.ensure_future(self._read())
            self._reading.add_done_callback(self._done)
        return await asyncio.shield(self._reading)

    async def _read(self) -> Listing:
        at = self._clock()
        listing = Listing(tuple(await live_downtimes(self._api)), at)
        self._last = listing
        return listing

    def _done(self, reading: asyncio.Future[Listing]) -> None:
        self._reading = None
        if not reading.cancelled():
            reading.exception()  # retrieved: every waiter may have gone
