"""What changes the sandbox organisation: creating, updating and cancelling downtimes, and posting events.

Each follows Datadog's OpenAPI and recorded answers (see `bot.sandbox.datadog`), with the recording or
the documentation it comes from named beside it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.sandbox.org import Organisation

Validate = Callable[[str, str, str, Any], list[str]]  # (version, path, method, body) -> what is wrong


class Changes(Organisation):
    """The writes of Datadog's API; `validate` checks a body against the spec where it is at hand."""

    validate: Validate

    async def _create(self, request: web.Request) -> web.Response:
        """POST /api/v2/downtime: checked against the spec's schema, refusing the past and duplicates."""
        body = await request.json()
        errors = self.validate("v2", "/api/v2/downtime", "POST", body)
        unknown = sorted(set((body.get("data") or {}).get("attributes") or {}) - CREATE_ATTRIBUTES)
        if unknown:  # as Datadog words it (v2-test_update_a_downtime_returns_bad_request_response)
            errors.append(f"Additional properties are not allowed ({', '.join(repr(u) for u in unknown)} "
                          f"{'was' if len(unknown) == 1 else 'were'} unexpected)")
        if errors:
            return web.json_response({"errors": errors}, status=400)
        attributes = body["data"]["attributes"]
        schedule = attributes.get("schedule") or {}
        now = self.now()
        if schedule.get("recurrences"):
            zone = ZoneInfo(schedule.get("timezone") or "UTC")
            starts = [datetime.fromisoformat(r["start"]).replace(tzinfo=zone).timestamp()
                      for r in schedule["recurrences"] if r.get("start")]
            if any(s < now - 60 for s in starts):
                return web.json_response({"errors": ["Downtime cannot be scheduled in the past"]}, status=400)
            first = schedule["recurrences"][0]
            start = int(starts[0]) if first.get("start") else int(now)
            end: int | None = start + _minutes(first["duration"]) * 60
        else:
            start = int(_epoch_of(schedule.get("start")) or now)
            end = _epoch_of(schedule.get("end"))
            if (schedule.get("start") and start < now - 60) or (end is not None and end <= now):
                return web.json_response({"errors": ["Downtime cannot be scheduled in the past"]}, status=400)
        key = json.dumps(attributes, sort_keys=True)  # identical: every attribute the same
        twins = [d for d in self.live() if d.get("created_key") == key]
        if twins:
            return web.json_response({"errors": [
                f"The downtime being created is a duplicate of one or more existing downtimes: ['{twins[0]['uuid']}']"
            ]}, status=400)
        record = self.add_v2(attributes["scope"], message=attributes.get("message") or "")
        record.update(start=start, end=end, created_key=key, created_attributes=attributes,
                      notify_end_types=list(attributes.get("notify_end_types") or ["expired"]),
                      notify_end_states=list(attributes.get("notify_end_states") or ["alert", "no data", "warn"]),
                      monitor_id=attributes["monitor_identifier"].get("monitor_id"),
                      rrule=schedule["recurrences"][0]["rrule"] if schedule.get("recurrences") else None)
        return web.json_response({"data": self.v2_item(record, now)})

    async def _update(self, request: web.Request, record: dict[str, Any]) -> web.Response:
        """PATCH /api/v2/downtime/{id}: checked against the spec; changes what it names, answers the downtime.

        As recorded (v2-test_update_a_downtime_*): an attribute the spec does not know is a 400 naming
        it; 200 answers the whole downtime as it is now. Not recorded, and taken from Datadog's own
        words on its downtimes ("end times are allowed to be extended, or shortened up to 1 minute
        out"; a cancelled downtime is over): an end less than a minute away, or any change to a
        downtime cancelled or ended, is a 400.
        """
        body = await request.json()
        errors = self.validate("v2", "/api/v2/downtime/{downtime_id}", "PATCH", body)
        data = body.get("data") if isinstance(body, dict) else None
        attributes = (data or {}).get("attributes") or {}
        unknown = sorted(set(attributes) - CREATE_ATTRIBUTES)
        if unknown:
            errors.append(f"Additional properties are not allowed ({', '.join(repr(u) for u in unknown)} "
                          f"{'was' if len(unknown) == 1 else 'were'} unexpected)")
        if errors:
            return web.json_response({"errors": errors}, status=400)
        if not isinstance(data, dict) or data.get("id") != record["uuid"]:
            return web.json_response({"errors": ["The downtime id in the body does not match the URL"]}, status=400)
        now = self.now()
        if self.status(record, now) in ("canceled", "ended"):
            return web.json_response({"errors": [f"Downtime is {self.status(record, now)}: it cannot be updated"]},
                                     status=400)
        schedule = attributes.get("schedule") or {}
        if "end" in schedule:
            end = _epoch_of(schedule["end"])
            if end is not None and end < now + 60:
                return web.json_response({"errors": ["Downtime end must be at least 1 minute in the future"]},
                                         status=400)
            record["end"] = end
        if schedule.get("start"):
            record["start"] = _epoch_of(schedule["start"])
        for name in ("notify_end_types", "notify_end_states"):
            if name in attributes:
                record[name] = list(attributes[name])
        if "message" in attributes:
            record["message"] = attributes["message"] or ""
        record.setdefault("updates", []).append(attributes)
        return web.json_response({"data": self.v2_item(record, now)})

    async def _event(self, request: web.Request) -> web.Response:
        """POST /api/v1/events (API key only): checked against the spec; 202 with the stored event, as recorded."""
        body = await request.json()
        errors = self.validate("v1", "/api/v1/events", "POST", body)
        if errors:
            return web.json_response({"errors": errors}, status=400)
        now = self.now()
        happened = body.get("date_happened", int(now))
        if happened < now - 18 * 3600:  # as recorded: v1-test_post_an_event_in_the_past_returns_bad_request_response
            return web.Response(text=json.dumps({"errors": ["Event too far in the past"]}), status=400,
                                content_type="text/plain")
        self._next_id += 1
        event_id = 6327818702635900000 + self._next_id
        event = {"id": event_id, "id_str": str(event_id), "title": body["title"], "text": body["text"],
                 "date_happened": happened, "handle": None, "priority": body.get("priority"),
                 "related_event_id": None, "tags": body.get("tags") or [],
                 "url": f"https://app.datadoghq.com/event/event?id={event_id}"}
        self.events.append({**body, **event})
        return web.json_response({"status": "ok", "event": event}, status=202)

    async def _cancel_by_scope(self, request: web.Request) -> web.Response:
        wanted = {t.strip().lower() for t in (await request.json())["scope"].split(",") if t.strip()}
        if not wanted:
            return web.json_response({"errors": ["Expected scope"]}, status=400)
        hits = sorted((d for d in self.live() if d["v1_created"] and {t.lower() for t in d["scope"]} == wanted),
                      key=lambda d: -d["v1_id"])  # newest first, as recorded
        if not hits:
            return web.json_response({"errors": ["No downtimes found"]}, status=404)
        for d in hits:
            self.cancel(d)
        return web.json_response({"cancelled_ids": [d["v1_id"] for d in hits]})


CREATE_ATTRIBUTES = {"display_timezone", "message", "monitor_identifier", "mute_first_recovery_notification",
                     "notify_end_states", "notify_end_types", "schedule", "scope"}


def _epoch_of(value: str | None) -> int | None:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()) if value else None


def _minutes(duration: str) -> int:
    """A v2 recurrence duration ("90m", "2h", "1d", "1w") in minutes."""
    return int(duration[:-1]) * {"m": 1, "h": 60, "d": 1440, "w": 10080}[duration[-1]]
