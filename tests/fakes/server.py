"""The loopback server every fake is: aiohttp on 127.0.0.1, port 0, recording every request it receives."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import CIMultiDict


@dataclass
class Recorded:
    """One request a fake received."""

    method: str
    path: str
    query: dict[str, str]
    headers: CIMultiDict[str]  # names in any case, as HTTP allows
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


@dataclass
class Reply:
    """What a fake answers: status, JSON body (or raw text), headers, and a delay before answering."""

    status: int = 200
    body: Any = None
    text: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    reset: bool = False  # after the delay, reset the connection (TCP RST) instead of answering


class FakeServer:
    """An aiohttp server on 127.0.0.1, port 0, recording every request."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    def routes(self) -> list[web.RouteDef]:
        """The fake's routes; subclasses add theirs."""
        raise NotImplementedError

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application()
        app.add_routes(self.routes())
        # A fake that is still sleeping on a delayed reply must not hold up the test's teardown.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

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
            self._changed.notify_all()
        return recorded

    def keep(self, recorded: Recorded) -> None:
        """Add a received request to the record (a benchmark's fake keeps less)."""
        self.requests.append(recorded)

    async def wait_for(
        self, predicate: Callable[[Recorded], bool], count: int = 1, within: float = 5.0
    ) -> list[Recorded]:
        """Wait until `count` recorded requests satisfy `predicate`; fail the test after `within` seconds."""

        def matching() -> list[Recorded]:
            return [r for r in self.requests if predicate(r)]

        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: len(matching()) >= count)
        return matching()

    def received(self, predicate: Callable[[Recorded], bool]) -> list[Recorded]:
        """The requests so far that satisfy `predicate`."""
        return [r for r in self.requests if predicate(r)]


class ConnectionReset(Exception):
    """Raised by `answer` once it has reset the connection: there is no response to send."""


async def answer(reply: Reply, request: web.Request | None = None) -> web.Response:
    """The response for a `Reply`, after its delay; a `reset` reply aborts `request`'s connection instead."""
    if reply.delay:
        await asyncio.sleep(reply.delay)
    if reply.reset and request is not None and request.transport is not None:
        sock = request.transport.get_extra_info("socket")
        if sock is not None:  # linger 0: close sends RST, not FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        request.transport.abort()
        raise ConnectionReset
    if reply.text is not None:
        return web.Response(status=reply.status, text=reply.text, headers=reply.headers)
    if reply.body is None:
        return web.Response(status=reply.status, headers=reply.headers)
    return web.json_response(reply.body, status=reply.status, headers=reply.headers)
