"""Pending actions: what a button will do once pressed, claimed exactly once, expiring after a lifetime.

A prompt's buttons and a report's Undo carry only an unguessable ID; everything that matters (the
scope, who asked and where, the downtimes shown or cancelled, the reason) stays here, so a forged or
altered button value can at worst name an ID that does not exist. Who may press is not this
store's business: the caller reads the action (`peek`), decides (`bot.usecases.access`), then
`claim`s it, and of all the clicks that get that far exactly one wins.

Two stores behave the same:
- `MemoryPendingActions`, for one process: the event loop runs `claim` without interruption, so of
  two claims on the same action exactly one gets CLAIMED.
- `RedisPendingActions`, for several replicas: actions live in Redis with an expiry, and the claim
  sets a claim key only if it is unset (with the action's deletion, in one script), so exactly one
  click wins whichever replica serves it. The claim holds the click's token: a try whose answer was
  lost is repeated, and finds its own token if it had landed.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from bot.domain.actor import Actor
from bot.domain.downtimes import Downtime
from bot.domain.scope import Selection, dump_selection, load_selection
from bot.domain.when import Deadline
from bot.errors import StoreError
from bot.state.issuer import Issuer, Origin

if TYPE_CHECKING:
    from redis.asyncio import Redis

MAX_PENDING = 10_000
CLAIM_ATTEMPTS = 3
# KEYS: the claim, the pending action; ARGV: this click's token, the claim's lifetime in ms.
# 1: this click holds the claim (now, or since an earlier try of the same click); 0: another click does.
CLAIM = """
local held = redis.call('GET', KEYS[1])
if not held then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('DEL', KEYS[2])
  return 1
end
if held == ARGV[1] then return 1 end
return 0
"""


@dataclass(frozen=True)
class PendingAction:
    """One action waiting for a click: a prompt's cancel (the downtimes shown) or a report's undo (those cancelled)."""

    id: str
    scope: Selection
    requester: Actor
    expires_at: float  # seconds since the epoch: comparable across replicas
    downtimes: tuple[Downtime, ...] = ()
    reason: str = ""
    deadline: Deadline | None = None  # end later: the end the prompt's buttons set, or an Undo takes back
    notify: tuple[str, ...] = ()  # a prompt: the states its "notify" buttons set
    moved: tuple[str, ...] = ()  # an Undo: the keys of the downtimes whose end moved (not cancelled)

    def to_json(self) -> str:
        """Serialise for a shared store."""
        data = asdict(self)
        data["scope"] = dump_selection(self.scope)
        data["downtimes"] = encode_downtimes(self.downtimes)
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> PendingAction:
        """Read what `to_json` wrote."""
        data: dict[str, Any] = json.loads(text)
        downtimes = decode_downtimes(data.pop("downtimes"))
        deadline = data.get("deadline")
        return cls(**{**data, "scope": load_selection(data["scope"]), "requester": Actor(**data["requester"]),
                      "downtimes": downtimes, "deadline": Deadline(**deadline) if deadline else None,
                      "notify": tuple(data.get("notify") or ()), "moved": tuple(data.get("moved") or ())})


def encode_downtimes(downtimes: tuple[Downtime, ...]) -> list[dict[str, Any]]:
    """Downtimes as JSON-ready dicts (their captured forms included), for a shared store."""
    return [{**asdict(d), "tags": sorted(d.tags) if d.tags is not None else None} for d in downtimes]


def decode_downtimes(items: list[dict[str, Any]]) -> tuple[Downtime, ...]:
    """Read what `encode_downtimes` wrote."""
    return tuple(Downtime(**{**d, "tags": frozenset(d["tags"]) if d["tags"] is not None else None}) for d in items)


class ClaimStatus(Enum):
    """What a claim amounts to."""

    CLAIMED = "claimed"  # the first claim in time: go ahead, nobody else will
    EXPIRED = "expired"  # the first claim, but too late; the action is gone
    UNKNOWN = "unknown"  # already claimed, never issued, or forgotten


class PendingActions(Protocol):
    """Where pending actions live; `claim` lets exactly one caller win each."""

    ttl_seconds: float

    async def create(
        self, scope: Selection, requester: Actor, *, downtimes: tuple[Downtime, ...] = (), reason: str = "",
        ttl: float | None = None, **extra: Any,
    ) -> PendingAction:
        """Register a new action and return it; its ID goes into the button. `ttl`: a shorter lifetime than the
        store's (what is left of an Undo window); `extra`: its other fields (`deadline`, `notify`, `moved`)."""
        ...

    async def peek(self, action_id: str) -> PendingAction | None:
        """The action, if it is still known (expired ones are kept a while, to be told apart), without claiming it."""
        ...

    async def claim(self, pending: PendingAction) -> ClaimStatus:
        """Take the action, at most once across every caller."""
        ...

    async def healthy(self) -> bool:
        """Whether the store can be used right now."""
        ...

    def origin(self, action_id: str) -> Origin:
        """For an action not found: which process made its button (UNKNOWN for a shared store)."""
        ...


def _new(ttl: float, now: float, scope: Selection, requester: Actor, downtimes: tuple[Downtime, ...],
         reason: str, extra: dict[str, Any], mark: str = "") -> PendingAction:
    return PendingAction(mark + secrets.token_urlsafe(18), scope, requester, now + ttl, downtimes, reason, **extra)


def _within(ttl: float | None, lifetime: float) -> float:
    return lifetime if ttl is None else max(0.0, min(ttl, lifetime))


def _in_time(pending: PendingAction, now: float) -> ClaimStatus:
    """The status of a claim that won: in time, or too late."""
    return ClaimStatus.EXPIRED if now >= pending.expires_at else ClaimStatus.CLAIMED


class MemoryPendingActions:
    """Pending actions in this process's memory, bounded in size and lifetime; their IDs carry `issuer`'s mark."""

    def __init__(
        self, ttl_seconds: float, *, clock: Callable[[], float] = time.time, issuer: Issuer | None = None,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self.issuer = issuer or Issuer.new()
        self._pending: dict[str, PendingAction] = {}

    def __len__(self) -> int:
        return len(self._pending)

    async def create(
        self, scope: Selection, requester: Actor, *, downtimes: tuple[Downtime, ...] = (), reason: str = "",
        ttl: float | None = None, **extra: Any,
    ) -> PendingAction:
        self._forget_expired()
        if len(self._pending) >= MAX_PENDING:
            # Drop the oldest: dicts keep insertion order, and old prompts are the least likely to be used.
            del self._pending[next(iter(self._pending))]
        pending = _new(_within(ttl, self.ttl_seconds), self._clock(), scope, requester, downtimes, reason, extra,
                       self.issuer.mark())
        self._pending[pending.id] = pending
        return pending

    async def peek(self, action_id: str) -> PendingAction | None:
        return self._pending.get(action_id)

    async def claim(self, pending: PendingAction) -> ClaimStatus:
        if self._pending.pop(pending.id, None) is None:
            return ClaimStatus.UNKNOWN
        return _in_time(pending, self._clock())

    async def healthy(self) -> bool:
        return True

    def origin(self, action_id: str) -> Origin:
        return self.issuer.origin(action_id)

    def _forget_expired(self) -> None:
        # Expired entries linger one extra lifetime so a late click hears "expired", not "unknown".
        # Insertion order is expiry order (one lifetime for all): stop at the first live one.
        cutoff = self._clock() - self.ttl_seconds
        while self._pending:
            oldest = next(iter(self._pending.values()))
            if oldest.expires_at >= cutoff:
                break
            del self._pending[oldest.id]


class RedisPendingActions:
    """Pending actions shared by every replica through Redis; a claim is set once, by one click's token."""

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
        self._claim = redis.register_script(CLAIM)

    async def create(
        self, scope: Selection, requester: Actor, *, downtimes: tuple[Downtime, ...] = (), reason: str = "",
        ttl: float | None = None, **extra: Any,
    ) -> PendingAction:
        pending = _new(_within(ttl, self.ttl_seconds), self._clock(), scope, requester, downtimes, reason, extra)
        try:
            await self._redis.set(self._key("pending", pending.id), pending.to_json(), nx=True, px=self._keep_ms)
        except Exception as exc:  # redis-py raises several unrelated classes for one outage
            raise StoreError(f"Redis could not store the pending action ({type(exc).__name__})") from exc
        return pending

    async def peek(self, action_id: str) -> PendingAction | None:
        if not _looks_like_id(action_id):
            return None
        try:
            raw = await self._redis.get(self._key("pending", action_id))
        except Exception as exc:  # fail closed: the caller refuses the click
            raise StoreError(f"Redis could not read the pending action ({type(exc).__name__})") from exc
        return PendingAction.from_json(raw.decode() if isinstance(raw, bytes) else raw) if raw else None

    async def claim(self, pending: PendingAction) -> ClaimStatus:
        # The claim carries this click's token, so sending it again is safe: a claim that landed after its
        # answer was lost (a Redis timeout) is recognised as this click's on the next try.
        token = secrets.token_hex(8)
        keys = [self._key("claim", pending.id), self._key("pending", pending.id)]
        args: list[str | int] = [token, self._keep_ms]
        for attempt in range(1, CLAIM_ATTEMPTS + 1):
            try:
                won = await self._claim(keys=keys, args=args)
                break
            except Exception as exc:  # fail closed once every try failed: no claim, nothing done
                if attempt == CLAIM_ATTEMPTS:
                    raise StoreError(f"Redis could not claim the pending action ({type(exc).__name__})") from exc
        return _in_time(pending, self._clock()) if won else ClaimStatus.UNKNOWN

    async def healthy(self) -> bool:
        try:
            await self._redis.ping()
        except Exception:  # any failure means unusable; the caller reports it
            return False
        return True

    def origin(self, action_id: str) -> Origin:
        return Origin.UNKNOWN  # every replica reads the same store: an action not found is gone for all

    def _key(self, kind: str, action_id: str) -> str:
        return f"{self._prefix}:{kind}:{action_id}"


def _looks_like_id(value: str) -> bool:
    # IDs are token_urlsafe(18): 24 URL-safe characters. Anything else never reaches Redis.
    return len(value) == 24 and all(c.isalnum() or c in "-_" for c in value)
