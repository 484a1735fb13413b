"""The tests' fakes of Slack and Datadog with what only the benchmarks need: waiters by path, no history,
downtimes that stay listed after a cancel, and v2 pages built once per state of the fake."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fakes import FakeDatadog, FakeSlack, Recorded


class Waiters:
    """Requests by path and the waiters for them, so thousands of waiters cost no more than one."""

    def __init__(self) -> None:
        self.history = True  # False: a request is kept only until `next_at` takes it
        self.by_path: dict[str, list[Recorded]] = {}
        self._expected: dict[str, list[tuple[Callable[[Recorded], bool], asyncio.Future[Recorded]]]] = {}

    def keep(self, recorded: Recorded) -> bool:
        """Hand a request to its waiters; True if the fake should keep it in its full record too."""
        waiting = self._expected.get(recorded.path, [])
        taken = False
        for entry in [e for e in waiting if e[0](recorded)]:
            waiting.remove(entry)
            if not entry[1].done():
                entry[1].set_result(recorded)
                taken = True
        if self.history or not taken:
            self.by_path.setdefault(recorded.path, []).append(recorded)
        return self.history

    async def next_at(self, path: str, predicate: Callable[[Recorded], bool] = lambda r: True,
                      within: float = 30.0) -> Recorded:
        """The first request to `path` satisfying `predicate`, already received or still to come."""
        for recorded in self.by_path.get(path, []):
            if predicate(recorded):
                if not self.history:
                    self.by_path[path].remove(recorded)
                return recorded
        future: asyncio.Future[Recorded] = asyncio.get_running_loop().create_future()
        self._expected.setdefault(path, []).append((predicate, future))
        async with asyncio.timeout(within):
            return await future


class BenchSlack(FakeSlack):
    """The fake Slack, with waiters by path and an optional history."""

    def __init__(self) -> None:
        super().__init__()
        self.waiters = Waiters()

    def keep(self, recorded: Recorded) -> None:
        if self.waiters.keep(recorded):
            super().keep(recorded)

    async def next_at(self, path: str, predicate: Callable[[Recorded], bool] = lambda r: True,
                      within: float = 30.0) -> Recorded:
        """See `Waiters.next_at`."""
        return await self.waiters.next_at(path, predicate, within)


class BenchDatadog(FakeDatadog):
    """The fake Datadog for benchmarks: `sticky` keeps cancelled downtimes listed, so every run finds them
    again; v2 pages are built once per state of the fake (and `refresh` seconds), so that a benchmark at
    thousands of downtimes measures the bot rather than this fake."""

    def __init__(self) -> None:
        super().__init__()
        self.waiters = Waiters()
        self.sticky = False
        self.refresh = 1.0  # seconds a built v2 list stays valid (statuses move with time)
        self._revision = 0  # bumped by every change made through the fake
        self._version: tuple[Any, ...] = ()
        self._page_cache: dict[tuple[bool, int, int, str], bytes] = {}
        self.cancels_at: list[float] = []  # when each cancel request (DELETE, cancel/by_scope) arrived
        self.creates_at: list[float] = []  # when each create (an Undo's POST /api/v2/downtime) arrived

    def keep(self, recorded: Recorded) -> None:
        if recorded.method == "DELETE" or recorded.path.endswith("/cancel/by_scope"):
            self.cancels_at.append(time.perf_counter())
        elif (recorded.method, recorded.path) == ("POST", "/api/v2/downtime"):
            self.creates_at.append(time.perf_counter())
        if self.waiters.keep(recorded):
            super().keep(recorded)

    def keep_answer(self, recorded: Recorded, response: web.Response) -> None:
        if self.waiters.history:
            super().keep_answer(recorded, response)

    async def next_at(self, path: str, predicate: Callable[[Recorded], bool] = lambda r: True,
                      within: float = 30.0) -> Recorded:
        """See `Waiters.next_at`."""
        return await self.waiters.next_at(path, predicate, within)

    def add_v1(self, scope: list[str], **options: Any) -> dict[str, Any]:
        self._revision += 1
        return super().add_v1(scope, **options)

    def add_v2(self, query: str, **options: Any) -> dict[str, Any]:
        self._revision += 1
        return super().add_v2(query, **options)

    def touch(self) -> None:
        """A change made directly to the records: the next v2 page is built again."""
        self._revision += 1

    async def _update(self, request: web.Request, record: dict[str, Any]) -> web.Response:
        self._revision += 1
        return await super()._update(request, record)

    def cancel(self, record: dict[str, Any], at: float | None = None) -> None:
        if not self.sticky:
            self._revision += 1
            super().cancel(record, at)

    def v2_page_body(self, current_only: bool, offset: int, limit: int, include: str) -> bytes:
        version = (self._revision, len(self.downtimes), int(time.time() // self.refresh), self.total_count)
        if self._version != version:
            self._version = version
            self._page_cache.clear()
        key = (current_only, offset, limit, include)
        if key not in self._page_cache:
            self._page_cache[key] = super().v2_page_body(current_only, offset, limit, include)
        return self._page_cache[key]
