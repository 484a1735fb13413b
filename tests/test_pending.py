"""Pending actions, in memory and in a real Redis: claimed once, only by whom the use case allows, expiring."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import redis.asyncio

from bot.audit import Reason
from bot.domain.actor import Actor
from bot.domain.downtimes import from_v1, from_v2
from bot.domain.policy import Policy
from bot.domain.scope import parse_scope
from bot.domain.selection import Target
from bot.domain.when import Deadline
from bot.errors import StoreError
from bot.state import pending as pending_module
from bot.state.issuer import Issuer, Origin
from bot.state.pending import (
    ClaimStatus,
    MemoryPendingActions,
    PendingAction,
    PendingActions,
    RedisPendingActions,
)
from bot.usecases.access import may_confirm, may_undo
from tests.helpers import Clock

SCOPE = parse_scope("env:prod")
ALICE = Actor("T", "C", "U")


@pytest.fixture(params=["memory", "redis"])
async def store_and_clock(request: pytest.FixtureRequest) -> AsyncIterator[tuple[PendingActions, Clock]]:
    """Each test runs against both stores."""
    clock = Clock()
    if request.param == "memory":
        yield MemoryPendingActions(600, clock=clock), clock
        return
    client = redis.asyncio.from_url(request.getfixturevalue("redis_url"))
    await client.flushdb()
    yield RedisPendingActions(client, 600, clock=clock), clock
    await client.aclose()


async def click(store: PendingActions, action_id: str) -> ClaimStatus:
    """What a click does once it may: read the action, then claim it."""
    pending = await store.peek(action_id)
    return ClaimStatus.UNKNOWN if pending is None else await store.claim(pending)


async def test_the_first_claim_wins_with_what_was_stored(store_and_clock: tuple[PendingActions, Clock]) -> None:
    """The first claim succeeds on what was stored; afterwards nothing is pending."""
    store, _ = store_and_clock
    matches = (from_v1({"id": 1, "uuid": "u1", "scope": ["env:prod"]}), from_v2({"id": "u2", "attributes": {}}))
    pending = await store.create(SCOPE, ALICE, downtimes=matches)
    seen = await store.peek(pending.id)
    assert seen == pending
    assert await store.claim(seen) is ClaimStatus.CLAIMED
    assert await store.peek(pending.id) is None
    assert await store.claim(seen) is ClaimStatus.UNKNOWN


async def test_concurrent_claims_have_one_winner(store_and_clock: tuple[PendingActions, Clock]) -> None:
    """Twenty simultaneous clicks: exactly one claim."""
    store, _ = store_and_clock
    pending = await store.create(SCOPE, ALICE)
    claims = await asyncio.gather(*(click(store, pending.id) for _ in range(20)))
    assert claims.count(ClaimStatus.CLAIMED) == 1


async def test_someone_else_cannot_claim(store_and_clock: tuple[PendingActions, Clock]) -> None:
    """Another user, or the same user ID in another workspace, is refused and the action stays pending;
    the requester still can."""
    store, _ = store_and_clock
    pending = await store.create(SCOPE, ALICE)
    for other in (Actor("T", "C", "OTHER"), Actor("T2", "C", "U")):
        refusal = may_confirm(other, pending.requester)
        assert refusal is not None
        assert (refusal.code, refusal.requester) == (Reason.NOT_REQUESTER, "U")
    assert await store.peek(pending.id) == pending
    assert may_confirm(ALICE, pending.requester) is None
    assert await click(store, pending.id) is ClaimStatus.CLAIMED


async def test_late_claim_is_expired(store_and_clock: tuple[PendingActions, Clock]) -> None:
    """Past the lifetime a click hears "expired", once."""
    store, clock = store_and_clock
    late = await store.create(SCOPE, ALICE)
    clock.now += 600
    assert await click(store, late.id) is ClaimStatus.EXPIRED
    assert await click(store, late.id) is ClaimStatus.UNKNOWN


async def test_forged_or_altered_ids_claim_nothing(store_and_clock: tuple[PendingActions, Clock]) -> None:
    """An ID never issued, one character off, or not an ID at all is unknown."""
    store, _ = store_and_clock
    pending = await store.create(SCOPE, ALICE)
    altered = pending.id[:-1] + ("A" if pending.id[-1] != "A" else "B")
    for forged in ("", "0", altered, pending.id + "x", "*", "cancel-downtime:pending:*", "\x00" * 24):
        assert await click(store, forged) is ClaimStatus.UNKNOWN
    assert await click(store, pending.id) is ClaimStatus.CLAIMED


async def test_memory_store_forgets_old_entries_and_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries older than two lifetimes are dropped; past the bound the oldest makes room."""
    clock = Clock()
    store = MemoryPendingActions(600, clock=clock)
    old = await store.create(SCOPE, ALICE)
    clock.now += 1201
    await store.create(SCOPE, ALICE)
    assert len(store) == 1
    assert await click(store, old.id) is ClaimStatus.UNKNOWN
    monkeypatch.setattr(pending_module, "MAX_PENDING", 3)
    for _ in range(5):
        await store.create(SCOPE, ALICE)
    assert len(store) == 3


async def test_redis_keys_expire(redis_url: str) -> None:
    """Redis keeps a pending action for two lifetimes at most."""
    client = redis.asyncio.from_url(redis_url)
    store = RedisPendingActions(client, 60)
    pending = await store.create(SCOPE, ALICE)
    ttl_ms = await client.pttl(f"cancel-downtime:pending:{pending.id}")
    assert 0 < ttl_ms <= 120_000
    await client.aclose()


async def test_unreachable_redis_fails_closed() -> None:
    """With Redis down, creating, reading and claiming raise StoreError (never a claim), and health says so."""
    client = redis.asyncio.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.5)
    store = RedisPendingActions(client, 600)
    with pytest.raises(StoreError):
        await store.create(SCOPE, ALICE)
    with pytest.raises(StoreError):
        await store.peek("A" * 24)
    with pytest.raises(StoreError):
        await store.claim(PendingAction("A" * 24, SCOPE, ALICE, 2e9))
    assert not await store.healthy()
    await client.aclose()


def test_pending_round_trips_through_json() -> None:
    """What Redis stores reads back equal, previewed downtimes and the requester included."""
    matches = (from_v1({"id": 1, "uuid": "u1", "scope": ["env:prod"], "message": "m"}),
               from_v2({"id": "u2", "attributes": {"scope": "a:b OR c:d"}}))
    pending = PendingAction("x" * 24, SCOPE, ALICE, 123.5, matches, "deploy done")
    assert PendingAction.from_json(pending.to_json()) == pending
    later = replace(pending, deadline=Deadline(1_800_000_000, "America/New_York", "at 14:30"),
                    notify=("alert", "no data"), moved=("u1",))
    assert PendingAction.from_json(later.to_json()) == later
    by_monitor = replace(pending, scope=Target("monitor", ("1234",), "datadoghq.com", ("CPU high",), ("env:prod",)))
    assert PendingAction.from_json(by_monitor.to_json()) == by_monitor  # what it was asked by, and what it found


async def test_undo_entries_keep_forms_and_reasons_and_anyone_in_the_team_may_claim(
    store_and_clock: tuple[PendingActions, Clock]
) -> None:
    """peek reads without claiming; with no policy anyone in the requester's workspace may take it, once;
    forms and reason survive the store."""
    store, _ = store_and_clock
    item = {"id": "u2", "attributes": {"scope": "env:prod", "monitor_identifier": {"monitor_tags": ["*"]},
                                       "notify_end_types": [], "schedule": {"start": "2026-11-26T10:00:00+00:00"}}}
    pending = await store.create(SCOPE, ALICE, downtimes=(from_v2(item),), reason="deploy done")
    seen = await store.peek(pending.id)
    assert seen is not None
    assert seen.reason == "deploy done"
    assert seen.downtimes[0].form == item["attributes"]
    # Whether V belongs (another workspace's V does not) is `access.admit`, at every click (test_topologies.py).
    assert await may_undo(Policy(), None, Actor("T", "C", "V"), seen.requester, seen.scope) is None
    policy = Policy(users=frozenset({"W"}))
    refused = await may_undo(policy, None, Actor("T", "C", "V"), seen.requester, seen.scope)
    assert refused is not None
    assert refused.code is Reason.POLICY_USER
    assert await store.claim(seen) is ClaimStatus.CLAIMED
    assert await store.claim(seen) is ClaimStatus.UNKNOWN
    assert await store.peek("x" * 24) is None


def test_an_ids_mark_tells_which_process_made_it() -> None:
    """An in-memory ID names its process: this one, one started earlier (a restart, or an older replica), or
    one started later while this one runs (two replicas at once); a shared store's ID, or a forged one, names none."""
    clock = Clock(1_700_000_000.0)
    here = Issuer.new(clock)
    clock.now += 5
    later = Issuer.new(clock)
    token = "A" * 24
    assert here.origin(here.mark() + token) is Origin.HERE
    assert here.origin(later.mark() + token) is Origin.ALONGSIDE
    assert later.origin(here.mark() + token) is Origin.EARLIER
    assert here.origin(token) is Origin.UNKNOWN
    assert here.origin(here.mark() + "short") is Origin.UNKNOWN
    twin = Issuer(here.started_ms, "ffff" if here.tag != "ffff" else "0000")  # same millisecond, another process
    assert here.origin(twin.mark() + token) is Origin.ALONGSIDE


async def test_memory_ids_carry_the_mark_and_redis_ids_do_not(redis_url: str) -> None:
    """What a memory store creates is marked by its issuer (so `origin` can tell); a Redis store's IDs stay the
    24 characters every replica reads, and never claim an origin."""
    issuer = Issuer.new()
    memory = MemoryPendingActions(60, issuer=issuer)
    created = await memory.create(SCOPE, ALICE)
    assert created.id.startswith(issuer.mark())
    assert memory.origin(created.id) is Origin.HERE
    client = redis.asyncio.from_url(redis_url)
    try:
        store = RedisPendingActions(client, 60)
        other = await store.create(SCOPE, ALICE)
        assert len(other.id) == 24
        assert store.origin(created.id) is Origin.UNKNOWN
    finally:
        await client.aclose()
