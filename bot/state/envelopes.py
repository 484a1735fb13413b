"""Socket Mode envelope IDs already seen: a redelivered `envelope_id` is acknowledged again, never answered again.

Slack redelivers an envelope it thinks was not acknowledged (Events API `retry_attempt`; after a
dropped connection, possibly commands and clicks too). Answering twice would post two prompts in an
incident channel. Envelope IDs are remembered for `REMEMBER_SECONDS`: in this process's memory, or
in Redis (`SET NX`) when several replicas share the connections, so a redelivery to another replica
is caught too. If Redis cannot be asked, the envelope is handled: a possible duplicate prompt is
better than a lost command, and a confirmation still cancels at most once. The handler that asks is
`bot.slack.socket_mode`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

REMEMBER_SECONDS = 300
MAX_REMEMBERED = 100_000


class SeenEnvelopes(Protocol):
    """Remembers envelope IDs; `first_time` is True exactly once per ID within the window."""

    async def first_time(self, envelope_id: str) -> bool:
        """True the first time this ID is seen (and remember it); False for a redelivery."""
        ...


class MemorySeen:
    """Envelope IDs seen by this process, forgotten after `REMEMBER_SECONDS`."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._seen: dict[str, float] = {}  # ID -> when; insertion order is time order

    async def first_time(self, envelope_id: str) -> bool:
        now = self._clock()
        while self._seen:
            oldest, at = next(iter(self._seen.items()))
            if now - at < REMEMBER_SECONDS and len(self._seen) < MAX_REMEMBERED:
                break
            del self._seen[oldest]
        if envelope_id in self._seen:
            return False
        self._seen[envelope_id] = now
        return True


class RedisSeen:
    """Envelope IDs seen by any replica sharing this Redis."""

    PREFIX = "cancel-downtime:envelope"

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def first_time(self, envelope_id: str) -> bool:
        try:
            won = await self._redis.set(f"{self.PREFIX}:{envelope_id}", 1, nx=True, px=REMEMBER_SECONDS * 1000)
        except Exception as exc:  # redis-py raises several unrelated classes for one outage; see the module doc
            log.warning("Redis could not check envelope redelivery (%s); handling the envelope", type(exc).__name__)
            return True
        return bool(won)

