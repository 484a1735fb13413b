"""A loopback TCP proxy that can hold back what a client sends, for faults between the bot and a real Redis."""

from __future__ import annotations

import asyncio
import contextlib
import time


class DelayingProxy:
    """Forwards 127.0.0.1:<port> to `target`; `hold(marker, seconds)` delays the next client chunk containing
    `marker` by `seconds` before Redis sees it, even when the client has given up and closed meanwhile.
    `latency` delays every answer (a Redis far away); `sent` keeps when each client chunk (one command,
    or one pipeline) arrived, by `time.perf_counter()`."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.latency = 0.0
        self.sent: list[float] = []
        self._server: asyncio.Server | None = None
        self._hold: tuple[bytes, float] | None = None
        self.held = asyncio.Event()  # set once a held chunk has reached Redis
        self._pipes: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Listen on a free loopback port."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close the listener and every connection."""
        if self._server is not None:
            self._server.close()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    def hold(self, marker: bytes, seconds: float) -> None:
        """Delay the next chunk the client sends that contains `marker`."""
        self._hold = (marker, seconds)
        self.held.clear()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        redis_reader, redis_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        up = asyncio.create_task(self._pipe(client_reader, redis_writer, outbound=True))
        down = asyncio.create_task(self._pipe(redis_reader, client_writer, outbound=False))
        self._pipes.update((up, down))
        await asyncio.gather(up, down, return_exceptions=True)
        self._pipes.difference_update((up, down))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, outbound: bool) -> None:
        try:
            while chunk := await reader.read(65536):
                if outbound:
                    self.sent.append(time.perf_counter())
                elif self.latency:
                    await asyncio.sleep(self.latency)
                if outbound and self._hold is not None and self._hold[0] in chunk:
                    _, seconds = self._hold
                    self._hold = None
                    await asyncio.sleep(seconds)
                    writer.write(chunk)
                    await writer.drain()
                    self.held.set()
                    continue
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
