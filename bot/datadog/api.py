"""What the rest of the bot needs from Datadog: the `DowntimeAPI` protocol and the values it returns.

`bot.datadog.client.DatadogClient` is the real one; the use cases depend only on this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from bot.domain.downtimes import Downtime, Relevant
from bot.domain.monitors import Alerting, Monitor
from bot.domain.notify import Notify


@dataclass(frozen=True)
class ScopeCancellation:
    """What cancel/by_scope answered; `after_failure` when an earlier attempt of this call failed."""

    ids: tuple[int, ...]
    after_failure: bool = False


@dataclass(frozen=True)
class Observed:
    """One downtime as Datadog reports it now (a read back), and how Datadog's clock compares with ours.

    `at`: when it was cancelled (`canceled`) or, for `ended`, when it ended, in seconds since the
    epoch on Datadog's clock. `skew`: our wall clock minus Datadog's `Date` header at the answer, so
    that a time of ours can be compared with Datadog's (0 when Datadog sent no `Date`). `tags`: the
    scope's tag set (v1 list reads only). `end`: the end of its one-time schedule or current
    occurrence (None: none, or not read); `notify`: its `notify_end_types` and `notify_end_states`
    (v2 reads; None when not read).
    """

    state: Literal["live", "canceled", "ended", "missing"]
    at: float | None = None
    skew: float = 0.0
    tags: frozenset[str] | None = None
    end: int | None = None
    notify: Notify | None = None

    def since(self, moment: float, tolerance: float) -> bool:
        """Whether it was cancelled or ended at or after `moment` (our clock), within `tolerance` seconds."""
        return self.at is None or self.at >= moment - self.skew - tolerance


@dataclass(frozen=True)
class Created:
    """A downtime created (undo): its new id, or Datadog's word that an identical one already exists."""

    id: str
    duplicate: bool = False


class DowntimeAPI(Protocol):
    """Datadog's downtime operations as the use cases call them; every failure is a `DatadogError`."""

    async def cancel_by_scope(self, scope: str) -> ScopeCancellation:
        """Cancel the v1 downtimes whose scope is exactly `scope`; return their IDs (empty: none matched)."""
        ...

    async def cancel_v2(self, downtime_id: str) -> bool:
        """Cancel one downtime by its v2 id; False if Datadog does not know it (already gone)."""
        ...

    async def read_v2(self, downtime_id: str) -> Observed:
        """Read one downtime by its v2 id as Datadog has it now ("missing" when Datadog does not know it)."""
        ...

    async def read_v1_list(self) -> dict[int, Observed]:
        """Every downtime of the v1 list (those cancelled or ended lately too), by v1 id, as Datadog has it now."""
        ...

    async def list_v1(self, relevant: Relevant | None = None) -> list[Downtime]:
        """The live (active or scheduled) downtimes of the v1 list (only those whose tags are `relevant`)."""
        ...

    async def list_v2(self, relevant: Relevant | None = None) -> list[Downtime]:
        """The live (active or scheduled) downtimes of the v2 list, every page (only `relevant` ones)."""
        ...

    async def downtime(self, downtime_id: str) -> Downtime | Observed:
        """One downtime by its v1 or v2 ID: live, the Downtime; else what Datadog says of it ("missing": unknown)."""
        ...

    async def monitor(self, monitor_id: int) -> Monitor | None:
        """One monitor's name and overall state; None when Datadog knows no such monitor."""
        ...

    async def monitor_downtimes(self, monitor_id: int) -> tuple[str, ...] | None:
        """The v2 IDs of the active downtimes silencing a monitor, whatever their scope; None: no such monitor."""
        ...

    async def alerting_monitors(self, scope: str) -> Alerting:
        """Monitors on this scope in Alert, Warn or No Data, every page."""
        ...

    async def create_downtime(self, attributes: dict[str, Any]) -> Created:
        """Create a downtime (v2); an identical live one already there is `duplicate`, not an error."""
        ...

    async def update_downtime(self, downtime_id: str, attributes: dict[str, Any]) -> Observed:
        """Change a downtime (v2 PATCH); return it as Datadog answers it ("missing" when Datadog does not know it)."""
        ...

    async def post_event(self, title: str, text: str, tags: list[str]) -> str:
        """Post an event to Datadog's event stream (API key only); return its link."""
        ...
