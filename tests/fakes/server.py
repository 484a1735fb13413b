"""What a fake answers when a test injects a fault (`Reply`, `answer`), over the sandbox's loopback server."""

from __future__ import annotations

import asyncio
import socket
import struct
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.sandbox.loopback import Loopback, Recorded

__all__ = ["ConnectionReset", "FakeServer", "Recorded", "Reply", "answer"]


@dataclass
class Reply:
    """What a fake answers: status, JSON body (or raw text), headers, and a delay before answering."""

    status: int = 200
    body: Any = None
    text: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    reset: bool = False  # after the delay, reset the connection (TCP RST) instead of answering


FakeServer = Loopback  # the sandbox's own server: loopback only, every request recorded


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
