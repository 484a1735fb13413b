"""Counts work that must finish before the process exits (a confirmed cancellation and its report)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Inflight:
    """A counter of running critical sections that shutdown can wait on."""

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def running(self) -> int:
        """How many sections are running now."""
        return self._running

    @asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        """Mark the body as work the process must not abandon."""
        self._running += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._running -= 1
            if self._running == 0:
                self._idle.set()

    async def wait_idle(self, grace: float) -> bool:
        """Wait until nothing runs, at most `grace` seconds; True if everything finished."""
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
        except TimeoutError:
            return False
        return True
