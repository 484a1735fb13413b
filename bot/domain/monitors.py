"""Monitors as the channel report shows them: those not OK on a scope. Pure values."""

from __future__ import annotations

from dataclasses import dataclass

ALERTING_STATES = ("Alert", "Warn", "No Data")


@dataclass(frozen=True)
class Monitor:
    """A monitor that is not OK right now."""

    id: int
    name: str
    state: str


@dataclass(frozen=True)
class Alerting:
    """The monitors on a scope that are not OK, out of `checked`; `complete` is False when the list was cut."""

    monitors: tuple[Monitor, ...]
    checked: int
    complete: bool = True
