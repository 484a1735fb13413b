"""The journal of confirmed actions (a cancel, an end-later, an Undo): written before the first Datadog call,
each step as it completes, removed once the report is out, so that no confirmed action ends without a report
whatever stops the bot.

An entry holds what a report needs without the process that wrote it: who confirmed and where, the
downtimes shown (with the forms Undo needs), the choice, the reason, the `response_url`, the time of
the click, and each downtime's result as it became known (`bot.usecases.cancel.Result`, or for an
Undo `bot.usecases.undo.Step`).

Two journals behave the same, beside the pending actions they go with:
- `MemoryJournal`, for one process: it survives nothing, but lets a stop past its grace report what
  is known before the process exits.
- `RedisJournal`, for several replicas: `begin` is one transaction (the entry, its place in the
  index, and the owner's lease), so it costs one Redis round trip before the first Datadog call.
  The lease (`SET NX` with an expiry, renewed by its holder's heartbeat) says who finishes an
  entry: its owner while the owner lives, then whichever replica's reconciler takes it first
  (`take`), once the lease has lapsed (the owner died) or the owner released it at a stop.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from bot.domain.actor import Actor
from bot.domain.downtimes import Downtime
from bot.domain.scope import Selection, dump_selection, load_selection
from bot.domain.when import Deadline
from bot.errors import StoreError
from bot.state.pending import decode_downtimes, encode_downtimes

if TYPE_CHECKING:
    from redis.asyncio import Redis

KEEP_SECONDS = 2 * 24 * 3600  # an entry nobody could finish is dropped after two days
LEASE_SECONDS = 15.0
# KEYS: a lease; ARGV: this process, the lease in ms. 1: renewed; 0: not this process's any more.
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""


CANCEL, RESTORE = "cancel", "restore"  # an entry's kind: a cancel (or end-later), or an Undo


@dataclass(frozen=True)
class Entry:
    """One confirmed action, from the click until its report is out. For an Undo (`kind` RESTORE), `requester`
    is who had cancelled (as the pending undo has it) and `actor` who pressed Undo."""

    id: str
    scope: Selection
    requester: Actor
    downtimes: tuple[Downtime, ...]
    started: float  # the click, seconds since the epoch (our clock)
    only_active: bool = False
    reason: str = ""
    response_url: str = field(default="", repr=False)  # lets anyone post to the channel for 30 minutes
    steps: dict[str, str] = field(default_factory=dict)  # downtime key -> its result, as recorded
    notify: tuple[str, ...] = ()  # a cancel set to notify for these states first; (): no change
    deadline: Deadline | None = None  # end later: the end each shown downtime moves to (not a cancel)
    cancel_later: bool = False  # end later: those starting after the deadline are cancelled (else kept)
    kind: str = CANCEL
    actor: Actor | None = None  # an Undo: who pressed it
    moved: tuple[str, ...] = ()  # an Undo of an end-later: the keys whose old end is put back
    expires: float = 0.0  # an Undo: when its window ends (a retry button lasts until then)

    def to_json(self) -> str:
        """The entry without its steps (those are recorded one by one)."""
        return json.dumps({
            "id": self.id, "scope": dump_selection(self.scope), "requester": asdict(self.requester),
            "downtimes": encode_downtimes(self.downtimes), "started": self.started,
            "only_active": self.only_active, "reason": self.reason, "response_url": self.response_url,
            "notify": list(self.notify), "deadline": asdict(self.deadline) if self.deadline else None,
            "cancel_later": self.cancel_later, "kind": self.kind,
            "actor": asdict(self.actor) if self.actor else None, "moved": list(self.moved), "expires": self.expires,
        })

    @classmethod
    def from_json(cls, text: str, steps: dict[str, str] | None = None) -> Entry:
        """Read what `to_json` wrote, with the steps recorded since."""
        data: dict[str, Any] = json.loads(text)
        return cls(
            id=data["id"], scope=load_selection(data["scope"]),
            requester=Actor(**data["requester"]),
            downtimes=decode_downtimes(data["downtimes"]), started=float(data["started"]),
            only_active=bool(data["only_active"]), reason=str(data["reason"]),
            response_url=str(data["response_url"]), steps=dict(steps or {}),
            notify=tuple(data.get("notify") or ()), cancel_later=bool(data.get("cancel_later")),
            deadline=Deadline(**data["deadline"]) if data.get("deadline") else None,
            kind=str(data.get("kind") or CANCEL), actor=Actor(**data["actor"]) if data.get("actor") else None,
            moved=tuple(data.get("moved") or ()), expires=float(data.get("expires") or 0.0),
        )


class Journal(Protocol):
    """Where confirmed actions are written until reported."""

    lease_seconds: float  # how long a holder's lease lasts unless `renew`ed

    async def begin(self, entry: Entry) -> None:
        """Write the entry before anything is done, held by this process."""
        ...

    async def step(self, entry_id: str, key: str, result: str) -> None:
        """Record one downtime's result."""
        ...

    async def finish(self, entry_id: str) -> None:
        """The report is out: forget the entry."""
        ...

    async def entries(self) -> list[str]:
        """The IDs of every entry not finished, oldest first."""
        ...

    async def take(self, entry_id: str) -> Entry | None:
        """The entry, leased to this caller, if nobody holds it (and it still exists)."""
        ...

    async def renew(self) -> None:
        """Extend the lease of every entry this process holds (its heartbeat)."""
        ...

    async def release(self, entry_id: str) -> None:
        """Give up this process's lease, so that another replica takes the entry at once."""
        ...


class MemoryJournal:
    """The journal in this process's memory (one process; it dies with it)."""

    def __init__(self, lease_seconds: float = LEASE_SECONDS, clock: Callable[[], float] = time.time) -> None:
        self.lease_seconds = lease_seconds
        self._clock = clock
        self._entries: dict[str, Entry] = {}
        self._leases: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._entries)

    async def begin(self, entry: Entry) -> None:
        self._entries[entry.id] = replace(entry, steps={})
        self._leases[entry.id] = self._clock() + self.lease_seconds

    async def step(self, entry_id: str, key: str, result: str) -> None:
        entry = self._entries.get(entry_id)
        if entry is not None:
            entry.steps[key] = result

    async def finish(self, entry_id: str) -> None:
        self._entries.pop(entry_id, None)
        self._leases.pop(entry_id, None)

    async def entries(self) -> list[str]:
        return sorted(self._entries, key=lambda i: self._entries[i].started)

    async def take(self, entry_id: str) -> Entry | None:
        entry = self._entries.get(entry_id)
        if entry is None or self._leases.get(entry_id, 0) > self._clock():
            return None
        self._leases[entry_id] = self._clock() + self.lease_seconds
        return replace(entry, steps=dict(entry.steps))

    async def renew(self) -> None:
        for entry_id in self._leases:
            self._leases[entry_id] = self._clock() + self.lease_seconds

    async def release(self, entry_id: str) -> None:
        self._leases.pop(entry_id, None)


class RedisJournal:
    """The journal in Redis, shared by every replica: a hash per entry, an index by time, a lease per entry."""

    def __init__(self, redis: Redis, *, lease_seconds: float = LEASE_SECONDS,
                 prefix: str = "cancel-downtime-journal") -> None:
        self.lease_seconds = lease_seconds
        self._redis = redis
        self._prefix = prefix
        self._owner = secrets.token_hex(8)  # this process, in the leases it holds
        self._held: set[str] = set()
        self._renew = redis.register_script(RENEW)

    async def begin(self, entry: Entry) -> None:
        self._held.add(entry.id)
        try:
            async with self._redis.pipeline(transaction=True) as all_of:
                all_of.hset(self._key(entry.id), "entry", entry.to_json())
                all_of.expire(self._key(entry.id), KEEP_SECONDS)
                all_of.zadd(self._prefix, {entry.id: entry.started})
                all_of.set(self._lease(entry.id), self._owner, px=self._lease_ms)
                await all_of.execute()
        except Exception as exc:  # redis-py raises several unrelated classes for one outage
            raise StoreError(f"Redis could not write the journal ({type(exc).__name__})") from exc

    async def step(self, entry_id: str, key: str, result: str) -> None:
        try:
            await self._redis.hset(self._key(entry_id), f"step:{key}", result)
        except Exception as exc:  # the caller logs it; the reconciler reads Datadog back anyway
            raise StoreError(f"Redis could not record a step ({type(exc).__name__})") from exc

    async def finish(self, entry_id: str) -> None:
        self._held.discard(entry_id)
        try:
            async with self._redis.pipeline(transaction=True) as all_of:
                all_of.zrem(self._prefix, entry_id)
                all_of.delete(self._key(entry_id), self._lease(entry_id))
                await all_of.execute()
        except Exception as exc:
            raise StoreError(f"Redis could not close the journal entry ({type(exc).__name__})") from exc

    async def entries(self) -> list[str]:
        try:
            ids = await self._redis.zrange(self._prefix, 0, -1)
        except Exception as exc:
            raise StoreError(f"Redis could not list the journal ({type(exc).__name__})") from exc
        return [_text(i) for i in ids if isinstance(i, bytes | str)]

    async def take(self, entry_id: str) -> Entry | None:
        try:
            if not await self._redis.set(self._lease(entry_id), self._owner, nx=True, px=self._lease_ms):
                return None
            self._held.add(entry_id)
            raw = await self._redis.hgetall(self._key(entry_id))
        except Exception as exc:
            raise StoreError(f"Redis could not take a journal entry ({type(exc).__name__})") from exc
        fields = {_text(k): _text(v) for k, v in raw.items()}
        if "entry" not in fields:  # expired, or finished meanwhile: drop it from the index
            await self.finish(entry_id)
            return None
        steps = {k.removeprefix("step:"): v for k, v in fields.items() if k.startswith("step:")}
        return Entry.from_json(fields["entry"], steps)

    async def renew(self) -> None:
        for entry_id in list(self._held):
            try:
                held = await self._renew(keys=[self._lease(entry_id)], args=[self._owner, self._lease_ms])
            except Exception as exc:
                raise StoreError(f"Redis could not renew a journal lease ({type(exc).__name__})") from exc
            if not held:  # lapsed, and another replica took it: it is theirs to report now
                self._held.discard(entry_id)

    async def release(self, entry_id: str) -> None:
        self._held.discard(entry_id)
        try:
            lease = await self._redis.get(self._lease(entry_id))
            if lease is not None and _text(lease) == self._owner:
                await self._redis.delete(self._lease(entry_id))
        except Exception as exc:
            raise StoreError(f"Redis could not release a journal lease ({type(exc).__name__})") from exc

    @property
    def _lease_ms(self) -> int:
        return int(self.lease_seconds * 1000)

    def _key(self, entry_id: str) -> str:
        return f"{self._prefix}:{entry_id}"

    def _lease(self, entry_id: str) -> str:
        return f"{self._prefix}-lease:{entry_id}"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
