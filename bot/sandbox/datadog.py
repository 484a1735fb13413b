"""The sandbox's Datadog: the downtime, monitor and event API over an `Organisation`, as Datadog answers it.

Real software, not a stub: the bot's demo talks to it, and the project's tests use it as their fake
Datadog (`tests.fakes.datadog` adds only the faults a test injects). Each behaviour below follows
Datadog's OpenAPI (`../shared/datadog-openapi/`) and the answers its own client tests recorded
(`../shared/datadog-recordings/`), named where it comes from:

- `add_v1` makes a downtime created through v1: listed by both APIs (the v1 list gives its `uuid`,
  the v2 id) and cancelled by cancel/by_scope when its tag set equals the scope. `add_v2` makes one
  created through v2: listed by v2 only (unless `in_v1_list`), and invisible to cancel/by_scope, as
  Datadog's own endpoint behaves. `start_in` (seconds from now) makes a scheduled downtime.
- The status is computed at each request: `current_only` lists the active ones only; without it the
  lists also hold scheduled, cancelled and ended downtimes, as Datadog's do for about two days.
  cancel/by_scope cancels scheduled ones too, and lists IDs newest first.
- Every answer carries a `Date` (Datadog's clock). Both keys are checked (403 `{"errors": ["Forbidden"]}`;
  `/api/v1/validate` and events need only the API key, `/api/v2/validate_keys` both). A malformed v2
  id is a 400; a cancelled downtime keeps its `canceled` time (to the microsecond in v2) and, in v1,
  `disabled: true`; the v1 creator comes only with `with_creator=true`; an attribute the spec does
  not know is a 400 naming it; a v1 recurring downtime whose occurrence ended forms a chain: the ended
  one gets `child_id`, and the next occurrence is a new downtime with `parent_id`.
- `validate` checks request bodies against the spec's schemas where the spec is at hand (the tests
  pass one; the demo runs with the structural checks above only).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any

from aiohttp import web

from bot.sandbox.changes import Changes, Validate
from bot.sandbox.loopback import Loopback, Recorded

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def no_schema(version: str, path: str, method: str, body: Any) -> list[str]:
    """No spec at hand: nothing beyond the structural checks."""
    return []


class SandboxDatadog(Changes, Loopback):
    """Datadog's API for one organisation, on loopback; `keys` are the (API, application) keys it accepts."""

    def __init__(self, keys: tuple[str, str] | None = None, validate: Validate = no_schema) -> None:
        Changes.__init__(self)
        Loopback.__init__(self)
        self.keys = keys  # None: not checked
        self.validate = validate
        self.total_count = True  # v2 list: send meta.page.total_filtered_count (optional in the spec)
        self.answers: list[tuple[Recorded, int, bytes]] = []  # what was answered, for checks against the spec
        self.keep_answers = True

    def routes(self) -> list[web.RouteDef]:
        return [web.route("*", "/{tail:.*}", self.handle)]

    async def handle(self, request: web.Request) -> web.Response:
        """Record the request, answer it, and stamp the answer with Datadog's clock."""
        recorded = await self.record(request)
        response = await self.answer_request(request)
        response.headers["Date"] = formatdate(self.now(), usegmt=True)
        self.keep_answer(recorded, response)
        return response

    def keep_answer(self, recorded: Recorded, response: web.Response) -> None:
        """Keep what was answered, for checks against the spec (a benchmark's fake keeps nothing)."""
        if self.keep_answers:
            self.answers.append((recorded, response.status, bytes(response.body or b"")))  # type: ignore[arg-type]
            self.bound(self.answers)

    def forbidden(self, request: web.Request) -> bool:
        if self.keys is None:
            return False
        api_key, app_key = self.keys
        if request.headers.get("DD-API-KEY") != api_key:
            return True
        return request.path not in API_KEY_ONLY and request.headers.get("DD-APPLICATION-KEY") != app_key


    async def answer_request(self, request: web.Request) -> web.Response:
        """Datadog's answer to one request."""
        key = (request.method, request.path)
        if self.forbidden(request):
            return web.json_response({"errors": ["Forbidden"]}, status=403)
        self.roll(self.now())
        if key == ("GET", "/api/v1/validate"):
            return web.json_response({"valid": True})
        if key == ("GET", "/api/v2/validate_keys"):  # both keys, whatever their scopes
            return web.json_response({"status": "ok"})
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
                return web.json_response({"data": self.v2_item(record, self.now())})
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
                return web.json_response(self.v1_item(record, self.now()))
            self.cancel(record)
            return web.Response(status=204)
        return web.json_response({"errors": ["Not found"]}, status=404)

    def _v1_list(self, request: web.Request) -> web.Response:
        now = self.now()
        listed = self.listed(request.query.get("current_only") == "true")
        items = [self.v1_item(d, now) for d in listed if d["in_v1_list"]]
        if request.query.get("with_creator") != "true":
            for item in items:
                del item["creator"]
        return web.json_response(items)

    def _v2_page(self, request: web.Request) -> web.Response:
        query = request.query
        body = self.v2_page_body(query.get("current_only") == "true", int(query.get("page[offset]", "0")),
                                 int(query.get("page[limit]", "30")), query.get("include", ""))
        return web.Response(body=body, content_type="application/json")

    def v2_page_body(self, current_only: bool, offset: int, limit: int, include: str) -> bytes:
        """One page of the v2 list, as Datadog pages it (`included` users, `meta.page` when `total_count`)."""
        now = self.now()
        listed = self.listed(current_only)
        body: dict[str, Any] = {"data": [self.v2_item(d, now) for d in listed[offset: offset + limit]]}
        if "created_by" in include:
            body["included"] = [{"type": "users", "id": "user-dana", "attributes": {
                "name": "Dana Ops", "email": "dana@example.com", "handle": "dana@example.com"}}]
        if self.total_count:
            body["meta"] = {"page": {"total_filtered_count": len(listed)}}
        return json.dumps(body).encode()

    def _monitors(self, request: web.Request) -> web.Response:
        """GET /api/v1/monitor: `tags` filters "the list of monitors by scope" (the spec): a monitor added with
        its groups is listed when one of them holds every tag; one set without groups stands for any scope."""
        wanted = {t.strip().lower() for t in request.query.get("tags", "").split(",") if t.strip()}
        listed = [m for m in self.monitors if not wanted or m["id"] not in self.monitor_groups
                  or any(wanted <= group for group in self.monitor_groups[m["id"]])]
        if "page" not in request.query:
            return web.json_response(listed)
        size = int(request.query.get("page_size", "100"))
        if size > 1000:
            return web.json_response({"errors": ["page_size must be at most 1000"]}, status=400)
        start = int(request.query["page"]) * size
        return web.json_response(listed[start: start + size])

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


API_KEY_ONLY = frozenset({"/api/v1/validate", "/api/v1/events"})  # the spec names only apiKeyAuth for these
