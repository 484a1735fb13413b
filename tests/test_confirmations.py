"""Pending confirmations, in memory and in a real Redis: claimed once, only by the requester, expiring."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio

from bot import confirmations
from bot.confirmations import (
    ClaimStatus,
    ConfirmationStore,
    MemoryConfirmations,
    Pending,
    RedisConfirmations,
)
from bot.downtimes import from_v1, from_v2
from bot.errors import StoreError
from bot.scope import parse_scope

SCOPE = parse_scope("env:prod")


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
async def store_and_clock(request: pytest.FixtureRequest) -> AsyncIterator[tuple[ConfirmationStore, Clock]]:
    """Each test runs against both stores."""
    clock = Clock()
    if request.param == "memory":
        yield MemoryConfirmations(600, clock=clock), clock
        return
    client = redis.asyncio.from_url(request.getfixturevalue("redis_url"))
    await client.flushdb()
    yield RedisConfirmations(client, 600, clock=clock), clock
    await client.aclose()


async def test_requester_claims_once(store_and_clock: tuple[ConfirmationStore, Clock]) -> None:
    """The first claim by the requester succeeds with what was stored; a second finds nothing pending."""
    store, _ = store_and_clock
    matches = (from_v1({"id": 1, "uuid": "u1", "scope": ["env:prod"]}), from_v2({"id": "u2", "attributes": {}}))
    pending = await store.create(SCOPE, team_id="T", user_id="U", channel_id="C", matches=matches)
    first = await store.claim(pending.id, team_id="T", user_id="U")
    assert first.status is ClaimStatus.CLAIMED
    assert first.pending == pending
    assert (await store.claim(pending.id, team_id="T", user_id="U")).status is ClaimStatus.UNKNOWN


async def test_concurrent_claims_have_one_winner(store_and_clock: tuple[ConfirmationStore, Clock]) -> None:
    """Twenty simultaneous clicks by the requester: exactly one claim."""
    store, _ = store_and_clock
    pending = await store.create(SCOPE, team_id="T", user_id="U", channel_id="C")
    claims = await asyncio.gather(*(store.claim(pending.id, team_id="T", user_id="U") for _ in range(20)))
    assert [c.status for c in claims].count(ClaimStatus.CLAIMED) == 1


async def test_someone_else_cannot_claim(store_and_clock: tuple[ConfirmationStore, Clock]) -> None:
    """Another user, or the same user ID in another workspace, is refused; the requester still can."""
    store, _ = store_and_clock
    pending = await store.create(SCOPE, team_id="T", user_id="U", channel_id="C")
    assert (await store.claim(pending.id, team_id="T", user_id="OTHER")).status is ClaimStatus.NOT_REQUESTER
    assert (await store.claim(pending.id, team_id="T2", user_id="U")).status is ClaimStatus.NOT_REQUESTER
    assert (await store.claim(pending.id, team_id="T", user_id="U")).status is ClaimStatus.CLAIMED


async def test_late_claim_is_expired(store_and_clock: tuple[ConfirmationStore, Clock]) -> None:
    """Past the lifetime a click hears "expired", once."""
    store, clock = store_and_clock
    late = await store.create(SCOPE, team_id="T", user_id="U", channel_id="C")
    clock.now += 600
    assert (await store.claim(late.id, team_id="T", user_id="U")).status is ClaimStatus.EXPIRED
    assert (await store.claim(late.id, team_id="T", user_id="U")).status is ClaimStatus.UNKNOWN


async def test_forged_or_altered_ids_claim_nothing(store_and_clock: tuple[ConfirmationStore, Clock]) -> None:
    """An ID never issued, one character off, or not an ID at all is unknown."""
    store, _ = store_and_clock
    pending = await store.create(SCOPE, team_id="T", user_id="U", channel_id="C")
    altered = pending.id[:-1] + ("A" if pending.id[-1] != "A" else "B")
    for forged in ("", "0", altered, pending.id + "x", "*", "cancel-downtime:pending:*", "\x00" * 24):
        assert (await store.claim(forged, team_id="T", user_id="U")).status is ClaimStatus.UNKNOWN
    assert (await store.claim(pending.id, team_id="T", user_id="U")).status is ClaimStatus.CLAIMED


async def test_memory_store_forgets_old_entries_and_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries older than two lifetimes are dropped; past the bound the oldest makes room."""
    clock = Clock()
    store = MemoryConfirmations(600, clock=clock)
    old = await store.create(SCOPE, team_id="T", user_id="U", channel_id="C")
    clock.now += 1201
    await store.create(SCOPE, team_id="T", user_id="U", channel_id="C")
    assert len(store) == 1
    assert (await store.claim(old.id, team_id="T", user_id="U")).status is ClaimStatus.UNKNOWN
    monkeypatch.setattr(confirmations, "MAX_PENDING", 3)
    for _ in range(5):
        await store.create(SCOPE, team_id="T", user_id="U", channel_id="C")
    assert len(store) == 3


async def test_redis_keys_expire(redis_url: str) -> None:
    """Redis keeps a confirmation for two lifetimes at most."""
    client = redis.asyncio.from_url(redis_url)
    store = RedisConfirmations(client, 60)
    pending = await store.create(SCOPE, team_id="T", user_id="U", channel_id="C")
    ttl_ms = await client.pttl(f"cancel-downtime:pending:{pending.id}")
    assert 0 < ttl_ms <= 120_000
    await client.aclose()


async def test_unreachable_redis_fails_closed() -> None:
    """With Redis down, creating and claiming raise StoreError (never a claim), and health says so."""
    client = redis.asyncio.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.5)
    store = RedisConfirmations(client, 600)
    with pytest.raises(StoreError):
        await store.create(SCOPE, team_id="T", user_id="U", channel_id="C")
    with pytest.raises(StoreError):
        await store.claim("A" * 24, team_id="T", user_id="U")
    assert not await store.healthy()
    await client.aclose()


def test_pending_round_trips_through_json() -> None:
    """What Redis stores reads back equal, previewed downtimes included."""
    matches = (from_v1({"id": 1, "uuid": "u1", "scope": ["env:prod"], "message": "m"}),
               from_v2({"id": "u2", "attributes": {"scope": "a:b OR c:d"}}))
    pending = Pending("x" * 24, SCOPE, "T", "U", "C", 123.5, matches)
    assert Pending.from_json(pending.to_json()) == pending


async def test_undo_entries_keep_forms_and_reasons_and_anyone_in_the_team_may_claim(
    store_and_clock: tuple[ConfirmationStore, Clock]
) -> None:
    """peek reads without claiming; a claim open to the team takes it once; forms and reason survive the store."""
    store, _ = store_and_clock
    item = {"id": "u2", "attributes": {"scope": "env:prod", "monitor_identifier": {"monitor_tags": ["*"]},
                                       "notify_end_types": [], "schedule": {"start": "2026-11-26T10:00:00+00:00"}}}
    pending = await store.create(SCOPE, team_id="T", user_id="U", channel_id="C", matches=(from_v2(item),),
                                 reason="deploy done")
    seen = await store.peek(pending.id)
    assert seen is not None
    assert seen.reason == "deploy done"
    assert seen.matches[0].form == item["attributes"]
    assert seen.matches[0].form_api == "v2"
    assert (await store.claim(pending.id, team_id="T2", user_id="V", requester_only=False)).status \
        is ClaimStatus.NOT_REQUESTER
    taken = await store.claim(pending.id, team_id="T", user_id="V", requester_only=False)
    assert taken.status is ClaimStatus.CLAIMED
    assert (await store.claim(pending.id, team_id="T", user_id="U", requester_only=False)).status is ClaimStatus.UNKNOWN
    assert await store.peek("x" * 24) is None
