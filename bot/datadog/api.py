"""What the rest of the bot needs from Datadog: the `DowntimeAPI` protocol and the values it returns.

`bot.datadog.client.DatadogClient` is the real one; the use cases depend only on this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.domain.downtimes import Downtime, Relevant
from bot.domain.monitors import Alerting


@dataclass(frozen=True)
class ScopeCancellation:
    """What cancel/by_scope answered; `after_failure` when an earlier attempt of this call failed."""

    ids: tuple[int, ...]
    after_failure: bool = False


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

    async def list_v1(self, relevant: Relevant | None = None) -> list[Downtime]:
        """The live (active or scheduled) downtimes of the v1 list (only those whose tags are `relevant`)."""
        ...

    async def list_v2(self, relevant: Relevant | None = None) -> list[Downtime]:
        """The live (active or scheduled) downtimes of the v2 list, every page (only `relevant` ones)."""
        ...

    async def alerting_monitors(self, scope: str) -> Alerting:
        """Monitors on this scope in Alert, Warn or No Data, every page."""
        ...

    async def create_downtime(self, attributes: dict[str, Any]) -> Created:
        """Create a downtime (v2); an identical live one already there is `duplicate`, not an error."""
        ...
