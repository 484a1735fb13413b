"""The Redis connection for REDIS_URL: one client per process, with the timeouts every store here expects.

A connection Redis closed (a restart, a failover, an idle timeout) fails the command sent on it; the
client retries such a command once, on a new connection, so the first request after a Redis restart
is served like the next. Only a lost connection is retried this way: every command the stores send
is idempotent when repeated (see `bot.state.pending` for the claim), and a command that timed out
is left to its store, which knows whether repeating it is safe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis

TIMEOUT_SECONDS = 5.0


def connect(url: str, timeout: float = TIMEOUT_SECONDS) -> Redis:
    """A Redis client for `url` (redis://, rediss:// or unix://); it connects on first use."""
    import redis.asyncio  # imported only when used: a single-process bot needs no Redis client
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as Lost

    return redis.asyncio.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 1, supported_errors=(Lost,)),
    )
