"""Which process made a button: the mark an in-memory store puts in its IDs.

Without REDIS_URL each process keeps its pending actions in its own memory, and a click that reaches
another process finds nothing. Most such clicks cannot be told from a restart; one can: a button made
by a process that started after this one, while this one runs, proves that two serve at once.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Origin(Enum):
    """Which process made the button whose action is not here (in-memory stores only can tell)."""

    HERE = "here"  # this process: the action was used, or expired and was forgotten
    EARLIER = "earlier"  # a process started before this one: a restart, or an older replica (cannot tell which)
    ALONGSIDE = "alongside"  # a process started after this one, so both ran at once: replicas sharing no store
    UNKNOWN = "unknown"  # no mark (a shared store's ID, or a forged value)


@dataclass(frozen=True)
class Issuer:
    """This process, as the IDs of its in-memory stores name it: when it started (ms since the epoch) and a
    random tag. An ID made by a process that started after this one proves two processes serve at once."""

    started_ms: int
    tag: str

    @classmethod
    def new(cls, clock: Callable[[], float] = time.time) -> Issuer:
        """The issuer of a process starting now."""
        return cls(int(clock() * 1000), secrets.token_hex(2))

    def mark(self) -> str:
        """What this process's IDs start with."""
        return f"m{self.started_ms:x}.{self.tag}."

    def origin(self, action_id: str) -> Origin:
        """Which process made `action_id`, judged from its mark."""
        found = _MARKED.fullmatch(action_id)
        if found is None:
            return Origin.UNKNOWN
        started, tag = int(found[1], 16), found[2]
        if (started, tag) == (self.started_ms, self.tag):
            return Origin.HERE
        return Origin.ALONGSIDE if started >= self.started_ms else Origin.EARLIER


_MARKED = re.compile(r"m([0-9a-f]{1,12})\.([0-9a-f]{4})\.[A-Za-z0-9_-]{24}")
