"""Retry policy for Datadog calls, and the per-click time budget and retry notice they share.

The budget and the notice travel in context variables, so a caller sets them once around a whole
workflow (`with time_budget(30), on_retry(tell_user): ...`) and every Datadog call inside, including
those in tasks started by `asyncio.gather`, respects them without extra parameters.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

Notice = Callable[[str], Awaitable[None]]

_deadline: ContextVar[float | None] = ContextVar("datadog_deadline", default=None)
_notice: ContextVar[Notice | None] = ContextVar("datadog_retry_notice", default=None)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry: bounded attempts, exponential backoff, bounded rate-limit waits."""

    attempts: int = 3
    backoff: float = 0.5
    max_backoff: float = 4.0
    max_rate_limit_wait: float = 10.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # tests record waits instead of sleeping

    def backoff_for(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based), with jitter."""
        base = min(self.max_backoff, self.backoff * 2.0 ** (attempt - 1))
        return base * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not cryptography


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Bound every Datadog call made inside to finish, retries included, within `seconds` from now."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left in the current budget, or None when no budget is set."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


@contextmanager
def on_retry(notice: Notice) -> Iterator[None]:
    """Call `notice(text)` before each retry wait inside this block."""
    token = _notice.set(notice)
    try:
        yield
    finally:
        _notice.reset(token)


async def announce(text: str) -> None:
    """Tell whoever set `on_retry` that a retry is pending."""
    notice = _notice.get()
    if notice is not None:
        await notice(text)
