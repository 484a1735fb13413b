"""Background work: counted from the moment it is spawned, waited for at shutdown, failures logged."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.slack.inflight import Inflight


async def test_spawned_work_counts_at_once_and_is_waited_for() -> None:
    """Work counts before it first runs, so a shutdown right after an ack still waits for it."""
    inflight = Inflight()
    done: list[str] = []

    async def work() -> None:
        await asyncio.sleep(0.05)
        done.append("x")

    inflight.spawn(work())
    assert inflight.running == 1
    assert await inflight.wait_idle(2)
    assert done == ["x"]
    assert inflight.running == 0


async def test_wait_is_bounded() -> None:
    """Work longer than the grace period: wait_idle gives up and says so."""
    inflight = Inflight()
    task = inflight.spawn(asyncio.sleep(5))
    assert not await inflight.wait_idle(0.05)
    task.cancel()


async def test_failures_are_logged_with_their_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """An exception in background work is logged, not lost, and does not stop the counter."""

    async def broken() -> None:
        raise RuntimeError("boom")

    inflight = Inflight()
    with caplog.at_level(logging.ERROR, logger="bot.slack.inflight"):
        inflight.spawn(broken())
        assert await inflight.wait_idle(1)
    (record,) = caplog.records
    assert record.exc_info is not None
    assert "boom" in str(record.exc_info[1])
