"""Pending confirmations: who asked to cancel what, claimed exactly once, expiring after a lifetime.

The prompt's buttons carry only an unguessable confirmation ID; everything that matters (scope,
requester, channel) stays here, so a forged or altered button value can at worst name an ID that
does not exist. Claiming is atomic: the asyncio event loop runs `claim` without interruption, so of
two clicks on the same prompt exactly one gets `Claimed`.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from bot.downtimes import Downtime
from bot.scope import Scope

MAX_PENDING = 10_000


@dataclass(frozen=True)
class Pending:
    """One confirmation waiting for its requester's click."""

    id: str
    scope: Scope
    team_id: str
    user_id: str
    channel_id: str
    expires_at: float
    matches: tuple[Downtime, ...] = ()


class ClaimStatus(Enum):
    """What a click on a confirmation amounts to."""

    CLAIMED = "claimed"  # the requester's first click in time: go ahead, nobody else will
    NOT_REQUESTER = "not_requester"  # someone else clicked; the confirmation stays pending
    EXPIRED = "expired"  # too late; the confirmation is gone
    UNKNOWN = "unknown"  # already used, never issued, or forgotten by a restart


@dataclass(frozen=True)
class Claim:
    """The outcome of a click; `pending` is set unless the status is UNKNOWN."""

    status: ClaimStatus
    pending: Pending | None = None


class ConfirmationStore:
    """In-memory pending confirmations for one process, bounded in size and lifetime."""

    def __init__(self, ttl_seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._pending: dict[str, Pending] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def create(
        self, scope: Scope, *, team_id: str, user_id: str, channel_id: str, matches: tuple[Downtime, ...] = ()
    ) -> Pending:
        """Register a new confirmation and return it; its ID goes into the buttons."""
        self._forget_expired()
        if len(self._pending) >= MAX_PENDING:
            # Drop the oldest: dicts keep insertion order, and old prompts are the least likely to be used.
            del self._pending[next(iter(self._pending))]
        pending = Pending(
            id=secrets.token_urlsafe(18),
            scope=scope,
            team_id=team_id,
            user_id=user_id,
            channel_id=channel_id,
            expires_at=self._clock() + self.ttl_seconds,
            matches=matches,
        )
        self._pending[pending.id] = pending
        return pending

    def claim(self, confirmation_id: str, *, team_id: str, user_id: str) -> Claim:
        """Take the confirmation for this click, at most once; only its requester may."""
        pending = self._pending.get(confirmation_id)
        if pending is None:
            return Claim(ClaimStatus.UNKNOWN)
        if (pending.team_id, pending.user_id) != (team_id, user_id):
            return Claim(ClaimStatus.NOT_REQUESTER, pending)
        del self._pending[confirmation_id]
        if self._clock() >= pending.expires_at:
            return Claim(ClaimStatus.EXPIRED, pending)
        return Claim(ClaimStatus.CLAIMED, pending)

    def _forget_expired(self) -> None:
        # Expired entries linger one extra lifetime so a late click hears "expired", not "unknown".
        # Insertion order is expiry order (one lifetime, a monotonic clock): stop at the first live one.
        cutoff = self._clock() - self.ttl_seconds
        while self._pending:
            oldest = next(iter(self._pending.values()))
            if oldest.expires_at >= cutoff:
                break
            del self._pending[oldest.id]
