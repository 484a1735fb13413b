"""A loopback fake of Datadog's downtime and monitor API, as its OpenAPI and recorded answers describe it."""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from tests.fakes.server import ConnectionReset, FakeServer, Recorded, Reply, answer
from tests.spec import request_errors

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class FakeDatadog(FakeServer):
    """Datadog's downtime and monitor API over an in-memory set of downtimes, as its OpenAPI describes it.

    `add_v1` makes a downtime created through v1: listed by both APIs (the v1 list gives its `uuid`,
    the v2 id) and cancelled by cancel/by_scope when its tag set equals the scope. `add_v2` makes one
    created through v2: listed by v2 only (unless `in_v1_list`), and invisible to cancel/by_scope, as
    Datadog's own endpoint behaves. `start_in` (seconds from now) makes a scheduled downtime. The
    status is computed at each request: `current_only` lists the active ones only; without it the
    lists also hold scheduled, cancelled and ended downtimes, as Datadog's do for about two days.
    cancel/by_scope cancels scheduled ones too. Replies queued with `reply` are served first, for
    faults; `after_acting` queues faults that come once the fake has done what was asked (the answer
    is lost, the change made); `latency` delays every answer; `most_in_flight` is the most requests it
    held at once; every answer is kept in `answers` for checks against the spec.

    As the recordings in `../shared/datadog-recordings/` show Datadog behaving: every answer carries
    a `Date` (Datadog's clock, `clock_offset` seconds from ours); both keys are checked (403
    `{"errors": ["Forbidden"]}`; `/api/v1/validate` needs only the API key, `/api/v2/validate_keys`
    both, whatever a key's scopes); a malformed v2 id is a
    400; a cancelled downtime keeps its `canceled` time (to the microsecond in v2) and, in v1,
    `disabled: true`; cancel/by_scope lists IDs newest first; the v1 creator comes only with
    `with_creator=true`; an attribute the spec does not know is a 400 naming it; a v1 recurring
    downtime whose occurrence ended forms a chain: the ended one gets `child_id`, and the next
    occurrence is a new downtime with `parent_id`.
    """

    def __init__(self, keys: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.replies: dict[tuple[str, str], list[Reply]] = {}
        self.defaults: dict[tuple[str, str], Reply] = {
            ("GET", "/api/v1/validate"): Reply(200, {"valid": True}),
            # Both keys, whatever the application key's scopes (Datadog's "Validate API and application keys").
            ("GET", "/api/v2/validate_keys"): Reply(200, {"status": "ok"}),
        }
        self.downtimes: dict[str, dict[str, Any]] = {}
        self.monitors: list[dict[str, Any]] = []
        self.monitor_groups: dict[int, list[frozenset[str]]] = {}  # the groups each monitor evaluates (`add_monitor`)
        self.latency = 0.0
        self.answered = 0  # requests answered so far (after any latency)
        self.in_flight = 0  # requests received and not answered yet
        self.most_in_flight = 0
        self.faults_after_acting: dict[tuple[str, str], list[Reply]] = {}
        self.total_count = True  # v2 list: send meta.page.total_filtered_count (optional in the spec)
        self.answers: list[tuple[Recorded, int, bytes]] = []
        self.clock_offset = 0.0  # Datadog's clock minus ours
        self.keys = keys  # (API key, application key) that Datadog accepts; None: not checked
        self.events: list[dict[str, Any]] = []  # every event posted (POST /api/v1/events), as stored
        self._next_id = 1000

    def routes(self) -> list[web.RouteDef]:
        return [web.route("*", "/{tail:.*}", self._any)]

    def reply(self, method: str, path: str, *replies: Reply) -> None:
        """Answer the next requests to (method, path) with these replies, in order."""
        self.replies.setdefault((method, path), []).extend(replies)

    def after_acting(self, method: str, path: str, *replies: Reply) -> None:
        """Do what the next requests to (method, path) ask, then answer these replies instead of the real answers."""
        self.faults_after_acting.setdefault((method, path), []).extend(replies)

    def always(self, method: str, path: str, reply: Reply) -> None:
        """Answer every request to (method, path) with `reply` once the queue is empty."""
        self.defaults[(method, path)] = reply

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

    async def _any(self, request: web.Request) -> web.Response:
        recorded = await self.record(request)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            response = await self._serve(request)
            faults = self.faults_after_acting.get((request.method, request.path))
            if faults:
                response = await answer(faults.pop(0), request)
        except ConnectionReset:
            return web.Response(status=599)  # never sent: the connection is gone
        finally:
            self.in_flight -= 1
            self.answered += 1
        response.headers["Date"] = formatdate(self.now(), usegmt=True)
        self.keep_answer(recorded, response)
        return response

    def keep_answer(self, recorded: Recorded, response: web.Response) -> None:
        """Keep what was answered, for checks against the spec (a benchmark's fake keeps nothing)."""
        self.answers.append((recorded, response.status, bytes(response.body or b"")))  # type: ignore[arg-type]

    def cancel(self, record: dict[str, Any], at: float | None = None) -> None:
        """Mark one downtime cancelled now (or `at`, Datadog's clock), as Datadog does: it stays listed,
        with its `canceled` time, and cancelling it again changes nothing."""
        if record["canceled"] is None:
            record["canceled"] = self.now() if at is None else at

    def _forbidden(self, request: web.Request) -> bool:
        if self.keys is None:
            return False
        api_key, app_key = self.keys
        if request.headers.get("DD-API-KEY") != api_key:
            return True
        return request.path not in API_KEY_ONLY and request.headers.get("DD-APPLICATION-KEY") != app_key

    def _roll(self, now: float) -> None:
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

    async def _serve(self, request: web.Request) -> web.Response:
        if self.latency:
            await asyncio.sleep(self.latency)
        key = (request.method, request.path)
        queue = self.replies.get(key)
        if queue:
            return await answer(queue.pop(0), request)
        if self._forbidden(request):
            return web.json_response({"errors": ["Forbidden"]}, status=403)
        self._roll(self.now())
        if key in self.defaults:
            return await answer(self.defaults[key])
        if key == ("GET", "/api/v1/downtime"):
            return self._v1_list(request)
        if key == ("GET", "/api/v2/downtime"):
            return self._v2_page(request)
        if key == ("POST", "/api/v1/downtime/cancel/by_scope"):
            return await self._cancel_by_scope(request)
        if key == ("GET", "/api/v1/monitor"):
            return self._monitors(request)
        matches = re.fullmatch(r"/api/v2/monitor/([0-9]+)/downtime_matches", request.path)
        if request.method == "GET" and matches:
            return self._downtime_matches(int(matches.group(1)), request)
        one = re.fullmatch(r"/api/v1/monitor/([0-9]+)", request.path)
        if request.method == "GET" and one:
            monitor = next((m for m in self.monitors if m["id"] == int(one.group(1))), None)
            if monitor is None:  # as recorded: v1-test_get_a_monitors_details_returns_monitor_not_found_…
                return web.json_response({"errors": ["Monitor not found"]}, status=404)
            return web.json_response(monitor)
        if key == ("POST", "/api/v2/downtime"):
            return await self._create(request)
        if key == ("POST", "/api/v1/events"):
            return await self._event(request)
        if request.method == "PATCH" and request.path.startswith("/api/v2/downtime/"):
            downtime_id = request.path.rsplit("/", 1)[1]
            record = self.downtimes.get(downtime_id)
            if record is None:  # as recorded: v2-test_update_a_downtime_returns_downtime_not_found_response
                return web.json_response({"errors": ["Downtime not found"]}, status=404)
            return await self._update(request, record)
        if request.method in ("GET", "DELETE") and request.path.startswith("/api/v2/downtime/"):
            downtime_id = request.path.rsplit("/", 1)[1]
            if not UUID.match(downtime_id):
                return web.json_response({"errors": ["Invalid URL param: downtime_id must be an uuid"]}, status=400)
            record = self.downtimes.get(downtime_id)
            if record is None:
                return web.json_response({"errors": ["Downtime not found"]}, status=404)
            if request.method == "GET":
                return web.json_response({"data": self._v2_item(record, self.now())})
            self.cancel(record)
            return web.Response(status=204)
        if request.method in ("GET", "DELETE") and request.path.startswith("/api/v1/downtime/"):
            tail = request.path.rsplit("/", 1)[1]
            record = next((d for d in self.downtimes.values() if tail.isdigit() and d["v1_id"] == int(tail)
                           and d["in_v1_list"]), None)
            if record is None:  # the recorded words differ: GET names no id, DELETE does
                detail = "Downtime not found" if request.method == "GET" else f"Downtime {tail} not found"
                return web.json_response({"errors": [detail]}, status=404)
            if request.method == "GET":
                return web.json_response(self._v1_item(record, self.now()))
            self.cancel(record)
            return web.Response(status=204)
        return web.json_response({"errors": ["Not found"]}, status=404)

    async def _create(self, request: web.Request) -> web.Response:
        """POST /api/v2/downtime: checked against the spec's schema, refusing the past and duplicates."""
        body = await request.json()
        errors = request_errors("v2", "/api/v2/downtime", "POST", body)
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
        return web.json_response({"data": self._v2_item(record, now)})

    async def _update(self, request: web.Request, record: dict[str, Any]) -> web.Response:
        """PATCH /api/v2/downtime/{id}: checked against the spec; changes what it names, answers the downtime.

        As recorded (v2-test_update_a_downtime_*): an attribute the spec does not know is a 400 naming
        it; 200 answers the whole downtime as it is now. Not recorded, and taken from Datadog's own
        words on its downtimes ("end times are allowed to be extended, or shortened up to 1 minute
        out"; a cancelled downtime is over): an end less than a minute away, or any change to a
        downtime cancelled or ended, is a 400.
        """
        body = await request.json()
        errors = request_errors("v2", "/api/v2/downtime/{downtime_id}", "PATCH", body)
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
        return web.json_response({"data": self._v2_item(record, now)})

    async def _event(self, request: web.Request) -> web.Response:
        """POST /api/v1/events (API key only): checked against the spec; 202 with the stored event, as recorded."""
        body = await request.json()
        errors = request_errors("v1", "/api/v1/events", "POST", body)
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

    def _listed(self, current_only: bool) -> list[dict[str, Any]]:
        now = self.now()
        return [d for d in self.downtimes.values() if not current_only or self.status(d, now) == "active"]

    def _v1_list(self, request: web.Request) -> web.Response:
        now = self.now()
        listed = self._listed(request.query.get("current_only") == "true")
        items = [self._v1_item(d, now) for d in listed if d["in_v1_list"]]
        if request.query.get("with_creator") != "true":
            for item in items:
                del item["creator"]
        return web.json_response(items)

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

    def _v2_page(self, request: web.Request) -> web.Response:
        query = request.query
        body = self.v2_page_body(query.get("current_only") == "true", int(query.get("page[offset]", "0")),
                                 int(query.get("page[limit]", "30")), query.get("include", ""))
        return web.Response(body=body, content_type="application/json")

    def v2_page_body(self, current_only: bool, offset: int, limit: int, include: str) -> bytes:
        """One page of the v2 list, as Datadog pages it (`included` users, `meta.page` when `total_count`)."""
        now = self.now()
        listed = self._listed(current_only)
        body: dict[str, Any] = {"data": [self._v2_item(d, now) for d in listed[offset: offset + limit]]}
        if "created_by" in include:
            body["included"] = [{"type": "users", "id": "user-dana", "attributes": {
                "name": "Dana Ops", "email": "dana@example.com", "handle": "dana@example.com"}}]
        if self.total_count:
            body["meta"] = {"page": {"total_filtered_count": len(listed)}}
        return json.dumps(body).encode()

    def _monitors(self, request: web.Request) -> web.Response:
        if "page" not in request.query:
            return web.json_response(self.monitors)
        size = int(request.query.get("page_size", "100"))
        if size > 1000:
            return web.json_response({"errors": ["page_size must be at most 1000"]}, status=400)
        start = int(request.query["page"]) * size
        return web.json_response(self.monitors[start: start + size])

    def _downtime_matches(self, monitor_id: int, request: web.Request) -> web.Response:
        """GET /api/v2/monitor/{id}/downtime_matches: the active downtimes silencing it, paged (default 30), as
        recorded (v2-test_get_active_downtimes_for_a_monitor_returns_ok_response, and …monitor_not_found…)."""
        if monitor_id not in self.monitor_groups:
            return web.json_response({"errors": [f"Monitor with id {monitor_id} not found"]}, status=404)
        now = self.now()
        found = [d for d in self.downtimes.values() if self.silences(d, monitor_id)]
        offset, limit = int(request.query.get("page[offset]", "0")), int(request.query.get("page[limit]", "30"))
        data = [{"type": "downtime_match", "id": d["uuid"], "attributes": {
            "groups": [t for t in d["scope"]] or ["*"], "scope": d["query"],
            "start": datetime.fromtimestamp(d["start"], UTC).isoformat(),
            "end": datetime.fromtimestamp(d["end"], UTC).isoformat() if d["end"] and d["end"] > now else None,
        }} for d in found[offset: offset + limit]]
        return web.json_response({"data": data, "meta": {"page": {"total_filtered_count": len(found)}}})

    def _v1_item(self, d: dict[str, Any], now: float) -> dict[str, Any]:
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

    def _v2_item(self, d: dict[str, Any], now: float) -> dict[str, Any]:
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
API_KEY_ONLY = frozenset({"/api/v1/validate", "/api/v1/events"})  # the spec names only apiKeyAuth for these
CREATE_ATTRIBUTES = {"display_timezone", "message", "monitor_identifier", "mute_first_recovery_notification",
                     "notify_end_states", "notify_end_types", "schedule", "scope"}


def _epoch_of(value: str | None) -> int | None:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()) if value else None


def _minutes(duration: str) -> int:
    """A v2 recurrence duration ("90m", "2h", "1d", "1w") in minutes."""
    return int(duration[:-1]) * {"m": 1, "h": 60, "d": 1440, "w": 10080}[duration[-1]]
