"""End later: what becomes of each matched downtime when its end moves to a deadline. Pure.

Decided before anything happens, and shown in the prompt as decided:
- `MOVE`: a one-time downtime that would outlast the deadline ends then (its end moves; a `PATCH`).
- `EARLIER`: one that ends at or before the deadline anyway is left alone.
- `LATER`: a scheduled one that starts at or after the deadline would mute after it: the requester
  chooses, in the prompt, whether the click cancels it or keeps it.
- `RECURRING`: left alone, with the reason. Each occurrence of a recurring downtime lasts the same:
  Datadog can end the series (no occurrence after the deadline), but the occurrence under way would
  still run to its own end, so "end at that time" would be untrue. Cancel it now, or edit it in Datadog.
- `NO_ID`: listed only by the v1 API (no v2 id), which the bot cannot change one by one: left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.downtimes import Downtime


class Fate(StrEnum):
    """What the deadline does to one downtime."""

    MOVE = "move"
    EARLIER = "earlier"
    LATER = "later"
    RECURRING = "recurring"
    NO_ID = "no_id"


LEFT_ALONE = (Fate.EARLIER, Fate.RECURRING, Fate.NO_ID)


def fate(downtime: Downtime, until: int) -> Fate:
    """What ending at `until` (seconds since the epoch) does to `downtime`."""
    if downtime.recurrence:
        return Fate.RECURRING
    if not downtime.v2_id:
        return Fate.NO_ID
    if downtime.start is not None and downtime.start >= until:
        return Fate.LATER
    if downtime.end is not None and downtime.end <= until:
        return Fate.EARLIER
    return Fate.MOVE


@dataclass(frozen=True)
class Ending:
    """The matched downtimes sorted by fate, in the prompt's order."""

    until: int
    move: tuple[Downtime, ...]
    later: tuple[Downtime, ...]
    earlier: tuple[Downtime, ...]
    recurring: tuple[Downtime, ...]
    no_id: tuple[Downtime, ...]

    @property
    def left_alone(self) -> tuple[Downtime, ...]:
        """Those the click does not touch, whatever is chosen."""
        return self.earlier + self.recurring + self.no_id

    @classmethod
    def of(cls, matches: tuple[Downtime, ...], until: int) -> Ending:
        """Each downtime under its fate."""
        by: dict[Fate, list[Downtime]] = {f: [] for f in Fate}
        for downtime in matches:
            by[fate(downtime, until)].append(downtime)
        return cls(until, *(tuple(by[f]) for f in (Fate.MOVE, Fate.LATER, Fate.EARLIER, Fate.RECURRING, Fate.NO_ID)))

    def targets(self, cancel_later: bool) -> tuple[Downtime, ...]:
        """What the click changes: those it ends at the deadline, and those starting later if cancelled."""
        return self.move + (self.later if cancel_later else ())
