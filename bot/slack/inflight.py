"""The work listeners start after acknowledging, tracked so that shutdown can wait for it.

Listeners acknowledge Slack at once and `spawn` the rest (previews, cancellations, reports) as
tasks; SIGTERM waits, bounded, until none runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Inflight:
    """The running background tasks, counted so that shutdown can wait on them."""

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, object]) -> asyncio.Task[None]:
        """Run `work` as a tracked task; its failure is logged with the traceback, never lost silently."""
        self._enter()  # counted from now, not from when the task first runs
        task = asyncio.create_task(self._run(work))
        self._tasks.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._tasks.discard)
        return task

    async def _run(self, work: Coroutine[Any, Any, object]) -> None:
        try:
            await work
        except Exception:
            log.exception("background work failed")
        finally:
            self._leave()

    def _enter(self) -> None:
        self._running += 1
        self._idle.clear()

    def _leave(self) -> None:
        self._running -= 1
        if self._running == 0:
            self._idle.set()

    @property
    def running(self) -> int:
        """How many tasks are running now."""
        return self._running

    async def cancel_all(self) -> None:
        """Stop every running task, and wait until each has unwound."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def wait_idle(self, grace: float) -> bool:
        """Wait until nothing runs, at most `grace` seconds; True if everything finished."""
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
        except TimeoutError:
            return False
        return True
