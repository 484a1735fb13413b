"""The Redis connection for REDIS_URL: one client per process, with the timeouts every store here expects."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis

TIMEOUT_SECONDS = 5


def connect(url: str) -> Redis:
    """A Redis client for `url` (redis://, rediss:// or unix://); it connects on first use."""
    import redis.asyncio  # imported only when used: a single-process bot needs no Redis client

    return redis.asyncio.from_url(url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS)
