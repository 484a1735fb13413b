"""Whether cancelling a downtime makes Datadog notify, and the change that makes it. Pure.

Datadog notifies for a monitor a downtime silenced when the downtime ends only if the way it ends
is in its `notify_end_types` (`canceled`, `expired`; Datadog's default is `expired` alone) and the
monitor's state is in its `notify_end_states` (`alert`, `no data`, `warn`). A downtime cancelled by
hand therefore stays quiet about monitors already alerting, unless `canceled` is set: "Cancel and
notify" sets it (a `PATCH` before the cancel), and Undo, which creates the downtime again from the
form captured before that change, brings back the original settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.downtimes import Downtime

STATES = ("alert", "no data", "warn")  # Datadog's notify_end_states, in its order
DEFAULT_TYPES = ("expired",)  # what Datadog sets when a create names none


@dataclass(frozen=True)
class Notify:
    """A downtime's `notify_end_types` and `notify_end_states`, as Datadog has them."""

    types: tuple[str, ...]
    states: tuple[str, ...]

    @property
    def on_cancel(self) -> bool:
        """Whether cancelling it makes Datadog notify for monitors in `states`."""
        return "canceled" in self.types and bool(self.states)


def settings(downtime: Downtime) -> Notify:
    """Its settings as listed (Datadog's defaults where the list named none)."""
    types, states = downtime.form.get("notify_end_types"), downtime.form.get("notify_end_states")
    return Notify(
        tuple(str(t) for t in types) if isinstance(types, list) else DEFAULT_TYPES,
        tuple(str(s) for s in states) if isinstance(states, list) else STATES,
    )


def notifies_for(downtime: Downtime, states: tuple[str, ...]) -> bool:
    """Whether cancelling it already notifies for every one of `states`, with no change."""
    current = settings(downtime)
    return current.on_cancel and set(states) <= set(current.states)


def can_set(downtime: Downtime) -> bool:
    """Whether the bot can change its settings: only through v2, by the downtime's v2 id."""
    return bool(downtime.v2_id)


def change(downtime: Downtime, states: tuple[str, ...]) -> dict[str, list[str]]:
    """The `PATCH` attributes that make cancelling it notify for `states` (its other end types kept)."""
    types = set(settings(downtime).types) | {"canceled"}
    return {"notify_end_types": sorted(types), "notify_end_states": [s for s in STATES if s in states]}


def parse_states(text: str) -> tuple[str, ...] | None:
    """`NOTIFY_ON_CANCEL`: "off" (or empty) is (), "all" every state, else states by name; None if unreadable."""
    words = text.strip().lower()
    if words in ("", "off", "false", "no", "none"):
        return ()
    if words == "all":
        return STATES
    named = {w.strip().replace("_", " ") for w in words.split(",") if w.strip()}
    if not named or not named <= set(STATES):
        return None
    return tuple(s for s in STATES if s in named)
