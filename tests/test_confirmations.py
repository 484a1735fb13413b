"""Pending confirmations: claimed once, only by the requester, expiring, bounded."""

from __future__ import annotations

import pytest

from bot import confirmations
from bot.confirmations import ClaimStatus, ConfirmationStore
from bot.scope import parse_scope

SCOPE = parse_scope("env:prod")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(ttl: float = 600) -> tuple[ConfirmationStore, Clock]:
    clock = Clock()
    return ConfirmationStore(ttl, clock=clock), clock


def test_requester_claims_once() -> None:
    """The first claim by the requester succeeds; a second one finds nothing pending."""
    store, _ = make()
    pending = store.create(SCOPE, team_id="T", user_id="U", channel_id="C")
    first = store.claim(pending.id, team_id="T", user_id="U")
    assert first.status is ClaimStatus.CLAIMED
    assert first.pending == pending
    assert store.claim(pending.id, team_id="T", user_id="U").status is ClaimStatus.UNKNOWN


def test_someone_else_cannot_claim_and_does_not_use_it_up() -> None:
    """Another user, or the same user ID in another workspace, is refused; the requester still can."""
    store, _ = make()
    pending = store.create(SCOPE, team_id="T", user_id="U", channel_id="C")
    assert store.claim(pending.id, team_id="T", user_id="OTHER").status is ClaimStatus.NOT_REQUESTER
    assert store.claim(pending.id, team_id="T2", user_id="U").status is ClaimStatus.NOT_REQUESTER
    assert store.claim(pending.id, team_id="T", user_id="U").status is ClaimStatus.CLAIMED


def test_late_claim_is_expired_then_forgotten() -> None:
    """Past the lifetime a click hears "expired"; entries older than two lifetimes are dropped."""
    store, clock = make(ttl=600)
    late = store.create(SCOPE, team_id="T", user_id="U", channel_id="C")
    clock.now += 600
    assert store.claim(late.id, team_id="T", user_id="U").status is ClaimStatus.EXPIRED
    old = store.create(SCOPE, team_id="T", user_id="U", channel_id="C")
    clock.now += 1201
    store.create(SCOPE, team_id="T", user_id="U", channel_id="C")
    assert len(store) == 1
    assert store.claim(old.id, team_id="T", user_id="U").status is ClaimStatus.UNKNOWN


def test_forged_or_altered_ids_claim_nothing() -> None:
    """An ID that was never issued, or one character off, is unknown."""
    store, _ = make()
    pending = store.create(SCOPE, team_id="T", user_id="U", channel_id="C")
    altered = pending.id[:-1] + ("A" if pending.id[-1] != "A" else "B")
    for forged in ("", "0", altered, pending.id + "x"):
        assert store.claim(forged, team_id="T", user_id="U").status is ClaimStatus.UNKNOWN
    assert len(pending.id) >= 24


def test_store_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the bound the oldest pending confirmation makes room for the newest."""
    monkeypatch.setattr(confirmations, "MAX_PENDING", 3)
    store, _ = make()
    first = store.create(SCOPE, team_id="T", user_id="U", channel_id="C")
    for _ in range(3):
        store.create(SCOPE, team_id="T", user_id="U", channel_id="C")
    assert len(store) == 3
    assert store.claim(first.id, team_id="T", user_id="U").status is ClaimStatus.UNKNOWN
