"""Datadog's monitor endpoints: which monitors on a scope are alerting, every page; one monitor; the downtimes
that silence a monitor."""

from __future__ import annotations

from bot.datadog.http import DatadogHTTP
from bot.domain.monitors import ALERTING_STATES, Alerting, Monitor
from bot.errors import DatadogError, DatadogUnexpected

MONITORS = "/api/v1/monitor"
MATCHES_PAGE_LIMIT = 100
MAX_MATCH_PAGES = 20
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

    async def monitor(self, monitor_id: int) -> Monitor | None:
        """GET /api/v1/monitor/{id}: its name and overall state; None when Datadog knows no such monitor."""
        try:
            item = await self.http.get_json(f"{MONITORS}/{monitor_id}", shared=True)
        except DatadogUnexpected as error:
            if error.status == 404:
                return None
            raise
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            raise DatadogUnexpected("the monitor read has no id", status=200)
        return Monitor(int(item["id"]), str(item.get("name") or ""), str(item.get("overall_state") or ""))

    async def monitor_downtimes(self, monitor_id: int) -> tuple[str, ...] | None:
        """Every page of GET /api/v2/monitor/{id}/downtime_matches: the v2 IDs of the active downtimes that
        silence the monitor, whatever their scope; None when Datadog knows no such monitor (404)."""
        ids: list[str] = []
        path = f"/api/v2/monitor/{monitor_id}/downtime_matches"
        for page in range(MAX_MATCH_PAGES):
            params = {"page[limit]": str(MATCHES_PAGE_LIMIT), "page[offset]": str(page * MATCHES_PAGE_LIMIT)}
            try:
                body = await self.http.get_json(path, params, shared=True)
            except DatadogUnexpected as error:
                if error.status == 404 and page == 0:
                    return None
                raise
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list):
                raise DatadogUnexpected("the monitor's downtime matches have no data", status=200)
            ids.extend(str(m["id"]) for m in data if isinstance(m, dict) and isinstance(m.get("id"), str))
            total = ((body.get("meta") or {}).get("page") or {}).get("total_filtered_count")
            if len(data) < MATCHES_PAGE_LIMIT or (isinstance(total, int) and len(ids) >= total):
                return tuple(dict.fromkeys(ids))
        raise DatadogUnexpected(f"the monitor's downtime matches run past {MAX_MATCH_PAGES} pages", status=200)
