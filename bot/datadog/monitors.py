"""Datadog's monitor endpoint: which monitors on a scope are alerting, every page."""

from __future__ import annotations

from bot.datadog.http import DatadogHTTP
from bot.domain.monitors import ALERTING_STATES, Alerting, Monitor
from bot.errors import DatadogError, DatadogUnexpected

MONITORS = "/api/v1/monitor"
MONITOR_PAGE_SIZE = 1000  # the most the spec allows
MAX_MONITOR_PAGES = 20


class MonitorCalls:
    """The monitor half of `DatadogClient`."""

    http: DatadogHTTP

    async def alerting_monitors(self, scope: str) -> Alerting:
        """Every page of GET /api/v1/monitor?tags=<scope>; keep those in Alert, Warn or No Data.

        `tags` filters by the monitors' scope; `group_states` only adds detail, so it is not asked for.
        Pages are read until a short one, at most MAX_MONITOR_PAGES, within the action's time limit:
        when either cuts the reading short after a first page, the result says it is incomplete.
        """
        found: list[Monitor] = []
        checked = 0
        for page in range(MAX_MONITOR_PAGES):
            params = {"tags": scope, "page": str(page), "page_size": str(MONITOR_PAGE_SIZE)}
            try:
                items = await self.http.get_json(MONITORS, params)
            except DatadogError:
                if page == 0:
                    raise
                return Alerting(tuple(found), checked, complete=False)
            if not isinstance(items, list):
                raise DatadogUnexpected("the monitor list is not a list", status=200)
            checked += len(items)
            found.extend(
                Monitor(int(m["id"]), str(m.get("name") or ""), str(m["overall_state"]))
                for m in items
                if isinstance(m, dict) and m.get("overall_state") in ALERTING_STATES and "id" in m
            )
            if len(items) < MONITOR_PAGE_SIZE:
                return Alerting(tuple(found), checked)
        return Alerting(tuple(found), checked, complete=False)
