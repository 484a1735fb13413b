"""The sandbox Datadog organisation's records: downtimes and monitors, their status, and how each API shows them.

A record is one downtime as Datadog keeps it, whichever API created it; `SandboxDatadog` serves
them over HTTP, and the sandbox's seed or a test adds them with `add_v1`, `add_v2` and `add_monitor`.
Times are Datadog's clock (`now`), `clock_offset` seconds from ours.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any


class Organisation:
    """Downtimes (by v2 id) and monitors, as one Datadog organisation holds them."""

    def __init__(self) -> None:
        self.downtimes: dict[str, dict[str, Any]] = {}
        self.monitors: list[dict[str, Any]] = []
        self.monitor_groups: dict[int, list[frozenset[str]]] = {}  # the groups each monitor evaluates (`add_monitor`)
        self.events: list[dict[str, Any]] = []  # every event posted (POST /api/v1/events), as stored
        self.clock_offset = 0.0  # Datadog's clock minus ours
        self._next_id = 1000

    def clear(self) -> None:
        """Forget every downtime, monitor and event (the sandbox's reset)."""
        self.downtimes.clear()
        self.monitors.clear()
        self.monitor_groups.clear()
        self.events.clear()
        self._next_id = 1000

    def now(self) -> float:
        """Datadog's clock."""
        return time.time() + self.clock_offset

    def _add(self, scope: list[str], query: str, uuid_group: str, *, v1_created: bool, in_v1_list: bool,
             message: str, monitor_id: int | None, start_in: float, duration: float | None,
             rrule: str | None) -> dict[str, Any]:
        self._next_id += 1
        now = self.now()
        start = int(now + start_in) if start_in else int(now) - 3600
        record: dict[str, Any] = {
            "v1_id": self._next_id, "uuid": f"00000000-0000-0000-{uuid_group}-{self._next_id:012d}",
            "scope": scope, "query": query, "v1_created": v1_created, "in_v1_list": in_v1_list,
            "message": message, "monitor_id": monitor_id, "canceled": None, "created": int(now),
            "start": start, "end": start + int(duration) if duration else None, "rrule": rrule,
            "parent_id": None, "child_id": None,
            # Datadog's defaults, as every recorded v2 create answers them
            "notify_end_types": ["expired"], "notify_end_states": ["alert", "no data", "warn"],
        }
        self.downtimes[record["uuid"]] = record
        return record

    def add_v1(self, scope: list[str], *, message: str = "", monitor_id: int | None = None, start_in: float = 0,
               duration: float | None = None, rrule: str | None = None) -> dict[str, Any]:
        """A downtime created through v1 (listed by both APIs, reachable by cancel/by_scope)."""
        return self._add(scope, " AND ".join(scope), "0000", v1_created=True, in_v1_list=True, message=message,
                         monitor_id=monitor_id, start_in=start_in, duration=duration, rrule=rrule)

    def add_v2(self, query: str, *, in_v1_list: bool = False, message: str = "", start_in: float = 0,
               duration: float | None = None, rrule: str | None = None, monitor_id: int | None = None
               ) -> dict[str, Any]:
        """A downtime created through v2 (cancel/by_scope never sees it)."""
        scope = [t.replace('"', "") for t in query.split(" AND ")]
        return self._add(scope, query, "0002", v1_created=False, in_v1_list=in_v1_list, message=message,
                         monitor_id=monitor_id, start_in=start_in, duration=duration, rrule=rrule)

    def add_monitor(self, name: str, state: str = "OK", *, groups: list[list[str]] | None = None,
                    monitor_id: int | None = None) -> dict[str, Any]:
        """A monitor, as `GET /api/v1/monitor/{id}` answers it (recorded: v1-test_get_a_monitors_details_…),
        evaluating `groups` (tag sets; None: one group, `*`). A downtime silences it, as Datadog's
        downtime_matches lists them, when it names the monitor, or names every monitor (`monitor_tags: *`)
        with a scope that is `*` or within one of its groups."""
        self._next_id += 1
        number = monitor_id or self._next_id * 10
        monitor = {"id": number, "name": name, "overall_state": state,
                   "type": "metric alert", "query": "avg(last_5m):avg:system.cpu.user{*} by {host} > 90",
                   "message": "CPU is high @slack-ops", "tags": ["team:sre"], "options": {}, "multi": True,
                   "created": "2026-11-01T00:00:00.000000+00:00", "modified": "2026-11-01T00:00:00.000000+00:00"}
        self.monitors.append(monitor)
        self.monitor_groups[number] = [frozenset(g) for g in groups] if groups else [frozenset()]
        return monitor

    def silences(self, record: dict[str, Any], monitor_id: int) -> bool:
        """Whether a live, active downtime applies to the monitor (the rule in `add_monitor`)."""
        if self.status(record, self.now()) != "active":
            return False
        if record["monitor_id"] is not None:
            return bool(record["monitor_id"] == monitor_id)
        scope = {t.lower() for t in record["scope"] if t != "*"}
        return any(scope <= group or not group for group in self.monitor_groups.get(monitor_id, []))

    @staticmethod
    def status(d: dict[str, Any], now: float) -> str:
        """Datadog's status of a downtime at `now`."""
        if d["canceled"] is not None:
            return "canceled"
        if d["end"] is not None and d["end"] <= now:
            return "ended"
        return "scheduled" if d["start"] > now else "active"

    def live(self) -> list[dict[str, Any]]:
        """The downtimes not cancelled or ended yet (active or scheduled)."""
        now = self.now()
        return [d for d in self.downtimes.values() if self.status(d, now) in ("active", "scheduled")]

    def cancel(self, record: dict[str, Any], at: float | None = None) -> None:
        """Mark one downtime cancelled now (or `at`, Datadog's clock), as Datadog does: it stays listed,
        with its `canceled` time, and cancelling it again changes nothing."""
        if record["canceled"] is None:
            record["canceled"] = self.now() if at is None else at

    def roll(self, now: float) -> None:
        """A v1 recurring downtime whose occurrence ended is followed by the next one, as a new downtime."""
        for d in list(self.downtimes.values()):
            if d["v1_created"] and d["rrule"] and d["canceled"] is None and d["child_id"] is None \
                    and d["end"] is not None and d["end"] <= now:
                length = d["end"] - d["start"]
                child = self._add(d["scope"], d["query"], "0000", v1_created=True, in_v1_list=True,
                                  message=d["message"], monitor_id=d["monitor_id"], start_in=0, duration=None,
                                  rrule=d["rrule"])
                child.update(start=d["start"] + 86400, end=d["start"] + 86400 + length, parent_id=d["v1_id"],
                             created=int(now))
                d["child_id"] = child["v1_id"]

    def listed(self, current_only: bool) -> list[dict[str, Any]]:
        now = self.now()
        return [d for d in self.downtimes.values() if not current_only or self.status(d, now) == "active"]

    def v1_item(self, d: dict[str, Any], now: float) -> dict[str, Any]:
        status = self.status(d, now)
        recurrence = {"type": "rrule", "rrule": d["rrule"], "period": 1} if d["rrule"] else None
        return {
            "id": d["v1_id"], "uuid": d["uuid"], "scope": d["scope"], "active": status == "active",
            "canceled": None if d["canceled"] is None else int(d["canceled"]), "status": status,
            "start": d["start"], "end": d["end"], "created": d["created"], "modified": d["created"],
            "message": d["message"] or None, "monitor_id": d["monitor_id"], "monitor_tags": ["*"],
            "recurrence": recurrence, "timezone": "UTC", "disabled": d["canceled"] is not None, "downtime_type": 2,
            "parent_id": d["parent_id"], "child_id": d["child_id"],
            "creator_id": 1234, "updater_id": None, "mute_first_recovery_notification": False,
            "notify_end_states": d["notify_end_states"], "notify_end_types": d["notify_end_types"],
            "creator": {"id": 1234, "name": "Dana Ops", "email": "dana@example.com", "handle": "dana@example.com"},
        }

    def v2_item(self, d: dict[str, Any], now: float) -> dict[str, Any]:
        def iso(epoch: float | None) -> str | None:
            return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()

        if d["rrule"]:
            length = (d["end"] - d["start"]) if d["end"] else 3600
            schedule: dict[str, Any] = {
                "current_downtime": {"start": iso(d["start"]), "end": iso(d["start"] + length)},
                "recurrences": [{"duration": f"{max(1, length // 60)}m", "rrule": d["rrule"],
                                 "start": datetime.fromtimestamp(d["start"], UTC).strftime("%Y-%m-%dT%H:%M")}],
                "timezone": "UTC",
            }
        else:
            schedule = {"start": iso(d["start"]), "end": iso(d["end"])}
        identifier = {"monitor_id": d["monitor_id"]} if d["monitor_id"] else {"monitor_tags": ["*"]}
        attributes = {
            "scope": d["query"], "status": self.status(d, now), "canceled": iso(d["canceled"]),
            "created": iso(d["created"]), "modified": iso(d["created"]), "display_timezone": "UTC",
            "message": d["message"] or None, "monitor_identifier": identifier,
            "mute_first_recovery_notification": False, "notify_end_states": d["notify_end_states"],
            "notify_end_types": d["notify_end_types"], "schedule": schedule}
        created = d.get("created_attributes")
        if created:  # a downtime the bot created (undo) reads back as it was sent
            attributes.update({k: v for k, v in created.items() if k not in RECORD_ATTRIBUTES})
            if created.get("schedule", {}).get("recurrences"):
                attributes["schedule"] = {**created["schedule"], "current_downtime": schedule["current_downtime"]}
        return {"type": "downtime", "id": d["uuid"], "attributes": attributes,
                "relationships": {"created_by": {"data": {"type": "users", "id": "user-dana"}},
                                  "monitor": {"data": None}}}



RECORD_ATTRIBUTES = ("schedule", "notify_end_types", "notify_end_states")  # kept on the record: PATCH changes them
