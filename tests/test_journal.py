"""The journal of confirmed actions, in memory and in a real Redis: written whole, stepped, leased once, closed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import redis.asyncio

from bot.domain.actor import Actor
from bot.domain.downtimes import from_v2
from bot.domain.scope import parse_scope
from bot.domain.selection import Target
from bot.domain.when import Deadline
from bot.errors import StoreError
from bot.state.journal import CANCEL, RESTORE, Entry, Journal, MemoryJournal, RedisJournal

DOWNTIME = from_v2({"id": "00000000-0000-0000-0002-000000001001", "attributes": {
    "scope": "env:prod", "status": "active", "message": "db work", "monitor_identifier": {"monitor_tags": ["*"]},
    "schedule": {"start": "2026-12-01T10:00:00+00:00", "end": None}}})
GRID_REQUESTER = Actor("T1", "C1", "W1", "E1", user_team="E1")  # a Grid click names the org as user_team
ENTRY = Entry("a" * 24, parse_scope("env:prod"), GRID_REQUESTER, (DOWNTIME,), 1_764_583_200.5, only_active=True,
              reason="deploy done", response_url="https://hooks.slack.test/actions/x")
LEASE = 0.3


@pytest.fixture(params=["memory", "redis"])
async def pair(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Journal, Journal]]:
    """Two journals over one store, as two replicas see it (in memory: the same one twice)."""
    if request.param == "memory":
        journal = MemoryJournal(LEASE)
        yield journal, journal
        return
    url = request.getfixturevalue("redis_url").rsplit("/", 1)[0] + "/4"
    first, second = redis.asyncio.from_url(url), redis.asyncio.from_url(url)
    await first.flushdb()
    yield RedisJournal(first, lease_seconds=LEASE), RedisJournal(second, lease_seconds=LEASE)
    await first.flushdb()
    await first.aclose()
    await second.aclose()


async def test_an_entry_comes_back_whole_with_its_steps(pair: tuple[Journal, Journal]) -> None:
    """Everything a report needs, and each step, as written; the downtime's undo form included."""
    mine, other = pair
    await mine.begin(ENTRY)
    await mine.step(ENTRY.id, DOWNTIME.key, "cancelled")
    assert await other.entries() == [ENTRY.id]
    assert await other.take(ENTRY.id) is None  # held by its writer
    await asyncio.sleep(LEASE + 0.1)
    taken = await other.take(ENTRY.id)
    assert taken is not None
    assert taken.steps == {DOWNTIME.key: "cancelled"}
    assert (taken.scope, taken.requester, taken.started, taken.only_active, taken.reason, taken.response_url) == \
        (ENTRY.scope, ENTRY.requester, ENTRY.started, True, "deploy done", ENTRY.response_url)
    assert taken.downtimes == ENTRY.downtimes
    assert taken.downtimes[0].form == DOWNTIME.form


async def test_a_renewed_lease_keeps_the_entry_and_a_released_one_frees_it(pair: tuple[Journal, Journal]) -> None:
    """The writer's heartbeat keeps others off past the lease; releasing it lets one other take it, once."""
    mine, other = pair
    await mine.begin(ENTRY)
    for _ in range(4):
        await asyncio.sleep(LEASE / 3)
        await mine.renew()
    if mine is not other:  # in memory one process is both: the lease guards only against other processes
        assert await other.take(ENTRY.id) is None
    await mine.release(ENTRY.id)
    first, second = await asyncio.gather(other.take(ENTRY.id), other.take(ENTRY.id))
    assert [first is None, second is None].count(False) == 1


async def test_a_finished_entry_is_gone(pair: tuple[Journal, Journal]) -> None:
    """Closed once the report is out: listed nowhere, taken by nobody."""
    mine, other = pair
    await mine.begin(ENTRY)
    await mine.finish(ENTRY.id)
    await asyncio.sleep(LEASE + 0.1)
    assert await other.entries() == []
    assert await other.take(ENTRY.id) is None


async def test_an_unreachable_redis_is_a_store_error() -> None:
    """Nothing listening: every write is a StoreError the caller can log, never a redis-py exception."""
    journal = RedisJournal(redis.asyncio.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.2))
    started = time.monotonic()
    with pytest.raises(StoreError):
        await journal.begin(ENTRY)
    with pytest.raises(StoreError):
        await journal.entries()
    assert time.monotonic() - started < 5


async def test_an_end_later_or_notify_entry_keeps_its_deadline_states_and_choice(pair: tuple[Journal, Journal]) -> None:
    """What a reconciler needs to report an end-later (the deadline, whether later ones are cancelled) or a
    cancel set to notify (the states) comes back from the store as written, with a "moved" step."""
    mine, other = pair
    ending = replace(ENTRY, id="b" * 24, deadline=Deadline(1_764_590_000, "Europe/Paris", "in 2h"), cancel_later=True,
                     notify=("alert", "warn"))
    await mine.begin(ending)
    await mine.step(ending.id, DOWNTIME.key, "moved")
    await mine.release(ending.id)
    taken = await other.take(ending.id)
    assert taken is not None
    assert (taken.deadline, taken.cancel_later, taken.notify) == (ending.deadline, True, ("alert", "warn"))
    assert taken.steps == {DOWNTIME.key: "moved"}
    assert Entry.from_json(ENTRY.to_json()).deadline is None  # an entry written before these fields reads back
    by_id = replace(ENTRY, scope=Target("downtime", ("42",), tags=("env:prod",)))
    assert Entry.from_json(by_id.to_json()).scope == by_id.scope  # a reconciler cancels it by ID as the click would


async def test_an_undo_entry_keeps_who_pressed_it_whose_cancel_it_undoes_and_its_window(
    pair: tuple[Journal, Journal]
) -> None:
    """An Undo's entry comes back as written: its kind, who pressed Undo beside who had cancelled, the keys whose
    end is put back, the window's end, and each create's step with the new ID."""
    mine, other = pair
    clicker = Actor("T1", "C1", "W2", user_team="T1")
    undoing = replace(ENTRY, id="c" * 24, kind=RESTORE, actor=clicker, moved=(DOWNTIME.key,), expires=1_764_584_100.0,
                      deadline=Deadline(1_764_590_000, "UTC", "in 2h"))
    await mine.begin(undoing)
    await mine.step(undoing.id, DOWNTIME.key, "restored:00000000-0000-0000-0002-000000009999")
    await mine.release(undoing.id)
    taken = await other.take(undoing.id)
    assert taken is not None
    assert (taken.kind, taken.actor, taken.requester) == (RESTORE, clicker, GRID_REQUESTER)
    assert (taken.moved, taken.expires, taken.deadline) == ((DOWNTIME.key,), 1_764_584_100.0, undoing.deadline)
    assert taken.steps == {DOWNTIME.key: "restored:00000000-0000-0000-0002-000000009999"}
    assert (Entry.from_json(ENTRY.to_json()).kind, Entry.from_json(ENTRY.to_json()).actor) == (CANCEL, None)
