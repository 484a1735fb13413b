"""The server each part of the sandbox is: aiohttp on 127.0.0.1 only, recording every request it receives.

The sandbox's Datadog and Slack are reached by the bot over real HTTP, so what the bot sends is
exactly what it would send to the real services; the record is what the page's request log shows
and what tests assert on.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from aiohttp import web
from multidict import CIMultiDict

T = TypeVar("T")
LOOPBACK = "127.0.0.1"  # never another address: the sandbox has no secret, so nothing outside may reach it


@dataclass
class Recorded:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, str]
    headers: CIMultiDict[str]  # names in any case, as HTTP allows
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


class Loopback:
    """An aiohttp server on 127.0.0.1 (port 0: a free one), recording every request.

    `keep_at_most` bounds the record (a sandbox left running for days); None keeps everything (tests).
    """

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.keep_at_most: int | None = None
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    def routes(self) -> list[web.RouteDef]:
        """The server's routes; subclasses add theirs."""
        raise NotImplementedError

    async def start(self, port: int = 0) -> None:
        """Listen on `port` of the loopback address (0: a free one); `url` is then set."""
        app = web.Application(client_max_size=2**20)
        app.add_routes(self.routes())
        # A server still sleeping on a delayed answer must not hold up the stop.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, LOOPBACK, port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            raise
        self.url = f"http://{LOOPBACK}:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        """Close the server."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def record(self, request: web.Request) -> Recorded:
        """Store a request and wake whoever waits for one."""
        recorded = Recorded(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=CIMultiDict(request.headers),
            body=await request.read(),
        )
        async with self._changed:
            self.keep(recorded)
            self.bound(self.requests)
            self._changed.notify_all()
        return recorded

    def bound(self, kept: list[Any]) -> None:
        """Drop the oldest of a record past `keep_at_most`."""
        if self.keep_at_most is not None and len(kept) > self.keep_at_most:
            del kept[: len(kept) - self.keep_at_most]

    def keep(self, recorded: Recorded) -> None:
        """Add a received request to the record (a benchmark's server keeps less)."""
        self.requests.append(recorded)

    async def changed(self) -> None:
        """Wake whoever waits on the record: something else this server holds changed."""
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(
        self, predicate: Callable[[Recorded], bool], count: int = 1, within: float = 5.0
    ) -> list[Recorded]:
        """Wait until `count` recorded requests satisfy `predicate`; TimeoutError after `within` seconds."""

        def enough() -> list[Recorded] | None:
            found = self.received(predicate)
            return found if len(found) >= count else None

        return await self.until(enough, within)

    async def until(self, found: Callable[[], T | None], within: float = 5.0) -> T:
        """Wait until `found()` returns something truthy, rechecked at each change; TimeoutError after `within` s."""
        result: T | None = None

        def check() -> bool:
            nonlocal result
            result = found()
            return bool(result)

        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(check)
        return cast(T, result)  # truthy, so not None

    def received(self, predicate: Callable[[Recorded], bool]) -> list[Recorded]:
        """The requests so far that satisfy `predicate`."""
        return [r for r in self.requests if predicate(r)]
