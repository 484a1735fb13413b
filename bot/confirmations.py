"""Pending confirmations: who asked to cancel what, claimed exactly once, expiring after a lifetime.

The prompt's buttons carry only an unguessable confirmation ID; everything that matters (scope,
requester, channel, the previewed downtimes) stays here, so a forged or altered button value can at
worst name an ID that does not exist, and a value from another requester is refused.

Two stores behave the same:
- `MemoryConfirmations`, for one process: the event loop runs `claim` without interruption, so of
  two clicks on the same prompt exactly one gets CLAIMED.
- `RedisConfirmations`, for several replicas: pending confirmations live in Redis with an expiry,
  and the claim is a `SET NX` on a claim key, so exactly one click wins whichever replica serves it.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from bot.downtimes import Downtime
from bot.errors import StoreError
from bot.scope import Scope

if TYPE_CHECKING:
    from redis.asyncio import Redis

MAX_PENDING = 10_000


@dataclass(frozen=True)
class Pending:
    """One confirmation waiting for its requester's click."""

    id: str
    scope: Scope
    team_id: str
    user_id: str
    channel_id: str
    expires_at: float  # seconds since the epoch: comparable across replicas
    matches: tuple[Downtime, ...] = ()
    reason: str = ""

    def to_json(self) -> str:
        """Serialise for a shared store."""
        data = asdict(self)
        data["scope"] = list(self.scope.tags)
        data["matches"] = [{**asdict(d), "tags": sorted(d.tags) if d.tags is not None else None} for d in self.matches]
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Pending:
        """Read what `to_json` wrote."""
        data: dict[str, Any] = json.loads(text)
        matches = tuple(
            Downtime(**{**m, "tags": frozenset(m["tags"]) if m["tags"] is not None else None})
            for m in data.pop("matches")
        )
        return cls(**{**data, "scope": Scope(tuple(data["scope"])), "matches": matches})


class ClaimStatus(Enum):
    """What a click on a confirmation amounts to."""

    CLAIMED = "claimed"  # the requester's first click in time: go ahead, nobody else will
    NOT_REQUESTER = "not_requester"  # someone else clicked; the confirmation stays pending
    EXPIRED = "expired"  # too late; the confirmation is gone
    UNKNOWN = "unknown"  # already used, never issued, or forgotten


@dataclass(frozen=True)
class Claim:
    """The outcome of a click; `pending` is set unless the status is UNKNOWN."""

    status: ClaimStatus
    pending: Pending | None = None


class ConfirmationStore(Protocol):
    """Where pending confirmations live; `claim` must let exactly one click win."""

    ttl_seconds: float

    async def create(
        self, scope: Scope, *, team_id: str, user_id: str, channel_id: str, matches: tuple[Downtime, ...] = (),
        reason: str = "",
    ) -> Pending:
        """Register a new confirmation and return it; its ID goes into the buttons."""
        ...

    async def peek(self, confirmation_id: str) -> Pending | None:
        """The confirmation, if it is still known, without claiming it."""
        ...

    async def claim(self, confirmation_id: str, *, team_id: str, user_id: str, requester_only: bool = True) -> Claim:
        """Take the confirmation for this click, at most once; only its requester may, unless not `requester_only`
        (then anyone in its workspace, whom the caller has already checked)."""
        ...

    async def healthy(self) -> bool:
        """Whether the store can be used right now."""
        ...


def _new(ttl: float, now: float, scope: Scope, team_id: str, user_id: str, channel_id: str,
         matches: tuple[Downtime, ...], reason: str) -> Pending:
    return Pending(secrets.token_urlsafe(18), scope, team_id, user_id, channel_id, now + ttl, matches, reason)


def _judge(pending: Pending | None, team_id: str, user_id: str, requester_only: bool) -> ClaimStatus | None:
    """The status decided before claiming: UNKNOWN, NOT_REQUESTER, or None to go on and claim."""
    if pending is None:
        return ClaimStatus.UNKNOWN
    if pending.team_id != team_id or (requester_only and pending.user_id != user_id):
        return ClaimStatus.NOT_REQUESTER
    return None


def _claimed(pending: Pending, now: float) -> Claim:
    """The outcome once this click has taken the confirmation: in time, or too late."""
    return Claim(ClaimStatus.EXPIRED if now >= pending.expires_at else ClaimStatus.CLAIMED, pending)


class MemoryConfirmations:
    """Pending confirmations in this process's memory, bounded in size and lifetime."""

    def __init__(self, ttl_seconds: float, *, clock: Callable[[], float] = time.time) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._pending: dict[str, Pending] = {}

    def __len__(self) -> int:
        return len(self._pending)

    async def create(
        self, scope: Scope, *, team_id: str, user_id: str, channel_id: str, matches: tuple[Downtime, ...] = (),
        reason: str = "",
    ) -> Pending:
        self._forget_expired()
        if len(self._pending) >= MAX_PENDING:
            # Drop the oldest: dicts keep insertion order, and old prompts are the least likely to be used.
            del self._pending[next(iter(self._pending))]
        pending = _new(self.ttl_seconds, self._clock(), scope, team_id, user_id, channel_id, matches, reason)
        self._pending[pending.id] = pending
        return pending

    async def peek(self, confirmation_id: str) -> Pending | None:
        return self._pending.get(confirmation_id)

    async def claim(self, confirmation_id: str, *, team_id: str, user_id: str, requester_only: bool = True) -> Claim:
        pending = self._pending.get(confirmation_id)
        refused = _judge(pending, team_id, user_id, requester_only)
        if refused is not None or pending is None:
            return Claim(refused or ClaimStatus.UNKNOWN, pending)
        del self._pending[confirmation_id]
        return _claimed(pending, self._clock())

    async def healthy(self) -> bool:
        return True

    def _forget_expired(self) -> None:
        # Expired entries linger one extra lifetime so a late click hears "expired", not "unknown".
        # Insertion order is expiry order (one lifetime for all): stop at the first live one.
        cutoff = self._clock() - self.ttl_seconds
        while self._pending:
            oldest = next(iter(self._pending.values()))
            if oldest.expires_at >= cutoff:
                break
            del self._pending[oldest.id]


class RedisConfirmations:
    """Pending confirmations shared by every replica through Redis; claims are `SET NX`."""

    def __init__(
        self, redis: Redis, ttl_seconds: float, *, clock: Callable[[], float] = time.time,
        prefix: str = "cancel-downtime",
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._redis = redis
        self._clock = clock
        self._prefix = prefix
        # Keys outlive the lifetime once more, so that a late click hears "expired", not "unknown".
        self._keep_ms = int(ttl_seconds * 2 * 1000)

    async def create(
        self, scope: Scope, *, team_id: str, user_id: str, channel_id: str, matches: tuple[Downtime, ...] = (),
        reason: str = "",
    ) -> Pending:
        pending = _new(self.ttl_seconds, self._clock(), scope, team_id, user_id, channel_id, matches, reason)
        try:
            await self._redis.set(self._key("pending", pending.id), pending.to_json(), nx=True, px=self._keep_ms)
        except Exception as exc:  # redis-py raises several unrelated classes for one outage
            raise StoreError(f"Redis could not store the confirmation ({type(exc).__name__})") from exc
        return pending

    async def peek(self, confirmation_id: str) -> Pending | None:
        if not _looks_like_id(confirmation_id):
            return None
        try:
            raw = await self._redis.get(self._key("pending", confirmation_id))
        except Exception as exc:  # fail closed: the caller refuses the click
            raise StoreError(f"Redis could not read the confirmation ({type(exc).__name__})") from exc
        return Pending.from_json(raw.decode() if isinstance(raw, bytes) else raw) if raw else None

    async def claim(self, confirmation_id: str, *, team_id: str, user_id: str, requester_only: bool = True) -> Claim:
        if not _looks_like_id(confirmation_id):
            return Claim(ClaimStatus.UNKNOWN)
        try:
            raw = await self._redis.get(self._key("pending", confirmation_id))
            pending = Pending.from_json(raw.decode() if isinstance(raw, bytes) else raw) if raw else None
            refused = _judge(pending, team_id, user_id, requester_only)
            if refused is not None or pending is None:
                return Claim(refused or ClaimStatus.UNKNOWN, pending)
            won = await self._redis.set(self._key("claim", confirmation_id), user_id, nx=True, px=self._keep_ms)
            if not won:
                return Claim(ClaimStatus.UNKNOWN)
            await self._redis.delete(self._key("pending", confirmation_id))
        except Exception as exc:  # fail closed: no claim, nothing cancelled
            raise StoreError(f"Redis could not check the confirmation ({type(exc).__name__})") from exc
        return _claimed(pending, self._clock())

    async def healthy(self) -> bool:
        try:
            await self._redis.ping()
        except Exception:  # any failure means unusable; the caller reports it
            return False
        return True

    def _key(self, kind: str, confirmation_id: str) -> str:
        return f"{self._prefix}:{kind}:{confirmation_id}"


def connect_redis(url: str) -> Redis:
    """A Redis client for REDIS_URL, with the timeouts every use here expects (one per process)."""
    import redis.asyncio  # imported only when used: a single-process bot needs no Redis client

    return redis.asyncio.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def _looks_like_id(value: str) -> bool:
    # IDs are token_urlsafe(18): 24 URL-safe characters. Anything else never reaches Redis.
    return len(value) == 24 and all(c.isalnum() or c in "-_" for c in value)
