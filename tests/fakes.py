"""Loopback fakes of Slack (Web API and response_url) and Datadog that record what they receive."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import CIMultiDict

from tests.spec import request_errors


@dataclass
class Recorded:
    """One request a fake received."""

    method: str
    path: str
    query: dict[str, str]
    headers: CIMultiDict[str]  # names in any case, as HTTP allows
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


@dataclass
class Reply:
    """What a fake answers: status, JSON body (or raw text), headers, and a delay before answering."""

    status: int = 200
    body: Any = None
    text: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class FakeServer:
    """An aiohttp server on 127.0.0.1, port 0, recording every request."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.by_path: dict[str, list[Recorded]] = {}
        self.history = True  # benchmarks turn it off: then a request is kept only until `next_at` takes it
        self._expected: dict[str, list[tuple[Callable[[Recorded], bool], asyncio.Future[Recorded]]]] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    def routes(self) -> list[web.RouteDef]:
        """The fake's routes; subclasses add theirs."""
        raise NotImplementedError

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application()
        app.add_routes(self.routes())
        # A fake that is still sleeping on a delayed reply must not hold up the test's teardown.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        """Close the server."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def record(self, request: web.Request) -> Recorded:
        """Store a request and wake whoever waits for one."""
        recorded = Recorded(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=CIMultiDict(request.headers),
            body=await request.read(),
        )
        async with self._changed:
            waiting = self._expected.get(recorded.path, [])
            taken = False
            for entry in [e for e in waiting if e[0](recorded)]:
                waiting.remove(entry)
                if not entry[1].done():
                    entry[1].set_result(recorded)
                    taken = True
            if self.history:
                self.requests.append(recorded)
            if self.history or not taken:
                self.by_path.setdefault(recorded.path, []).append(recorded)
            self._changed.notify_all()
        return recorded

    async def next_at(self, path: str, predicate: Callable[[Recorded], bool] = lambda r: True,
                      within: float = 30.0) -> Recorded:
        """The first request to `path` satisfying `predicate`, already received or still to come.

        Looks only at that path's requests, so thousands of waiters cost no more than one (benchmarks).
        """
        for recorded in self.by_path.get(path, []):
            if predicate(recorded):
                if not self.history:
                    self.by_path[path].remove(recorded)
                return recorded
        future: asyncio.Future[Recorded] = asyncio.get_running_loop().create_future()
        self._expected.setdefault(path, []).append((predicate, future))
        async with asyncio.timeout(within):
            return await future

    async def wait_for(
        self, predicate: Callable[[Recorded], bool], count: int = 1, within: float = 5.0
    ) -> list[Recorded]:
        """Wait until `count` recorded requests satisfy `predicate`; fail the test after `within` seconds."""

        def matching() -> list[Recorded]:
            return [r for r in self.requests if predicate(r)]

        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: len(matching()) >= count)
        return matching()

    def received(self, predicate: Callable[[Recorded], bool]) -> list[Recorded]:
        """The requests so far that satisfy `predicate`."""
        return [r for r in self.requests if predicate(r)]


async def _answer(reply: Reply) -> web.Response:
    if reply.delay:
        await asyncio.sleep(reply.delay)
    if reply.text is not None:
        return web.Response(status=reply.status, text=reply.text, headers=reply.headers)
    if reply.body is None:
        return web.Response(status=reply.status, headers=reply.headers)
    return web.json_response(reply.body, status=reply.status, headers=reply.headers)


class FakeSlack(FakeServer):
    """Slack's Web API (`/api/<method>`) and response URLs (`/response/<id>`)."""

    def __init__(self) -> None:
        super().__init__()
        self.team_id = "T0001"
        self.response_url_status = 200
        self.post_message_ok = True
        self.post_ephemeral_ok = True
        self.rate_limited: dict[str, int] = {}  # Web API method: how many 429s to answer first
        self.usergroups: dict[str, list[str]] = {}  # usergroups.users.list; a missing group is an error
        self.auth_reply: Reply | None = None  # auth.test: None answers ok for team_id, else this reply
        self.outage: Reply | None = None  # every Web API method answers this (a 5xx, a slow answer)
        self.latency = 0.0  # seconds before any answer (Web API and response_url), after the request is recorded
        self.scopes = "commands,chat:write"  # X-OAuth-Scopes on every Web API answer, as Slack sends it
        self.app_token_error: str | None = None  # apps.connections.open: Slack's error code, if it refuses
        self.socket_url: str | None = None  # apps.connections.open: another WebSocket URL (one that fails)
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_acks: list[dict[str, Any]] = []

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/api/{method}", self._api),
            web.get("/api/{method}", self._api),
            web.post("/response/{id}", self._response_url),
            web.get("/socket", self._socket),
        ]

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then record every envelope acknowledgement the app sends."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async with self._changed:
            self.sockets.append(ws)
            self._changed.notify_all()
        await ws.send_json({"type": "hello", "num_connections": 1})
        async for message in ws:
            if message.type == web.WSMsgType.TEXT:
                async with self._changed:
                    self.socket_acks.append(json.loads(message.data))
                    self._changed.notify_all()
        return ws

    async def push(self, envelope: dict[str, Any], within: float = 5.0, socket: int = -1) -> dict[str, Any]:
        """Send an envelope over one of the app's sockets (the newest by default); return the new acknowledgement."""
        async with asyncio.timeout(within):
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.sockets) > (socket if socket >= 0 else 0))
                before = len(self.socket_acks)
            await self.sockets[socket].send_json(envelope)

            def acked() -> list[dict[str, Any]]:
                return [a for a in self.socket_acks[before:] if a.get("envelope_id") == envelope["envelope_id"]]

            async with self._changed:
                await self._changed.wait_for(lambda: bool(acked()))
        return acked()[0]

    def response_url(self, name: str) -> str:
        """A response_url that this fake serves."""
        return f"{self.url}/response/{name}"

    async def _api(self, request: web.Request) -> web.Response:
        await self.record(request)
        if self.latency:
            await asyncio.sleep(self.latency)
        method = request.match_info["method"]
        if self.outage is not None:
            return await _answer(self.outage)
        if self.rate_limited.get(method):
            self.rate_limited[method] -= 1
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "0"})
        if method == "auth.test":
            if self.auth_reply is not None:
                return await _answer(self.auth_reply)
            return web.json_response(
                {"ok": True, "team_id": self.team_id, "user_id": "UBOT", "bot_id": "BBOT", "team": "Acme"},
                headers={"X-OAuth-Scopes": self.scopes},
            )
        if method == "apps.connections.open":
            if self.app_token_error:
                return web.json_response({"ok": False, "error": self.app_token_error})
            return web.json_response({"ok": True, "url": self.socket_url or self.url.replace("http://", "ws://")
                                      + "/socket"})
        if method == "chat.postMessage":
            if not self.post_message_ok:
                return web.json_response({"ok": False, "error": "not_in_channel"})
            return web.json_response({"ok": True, "ts": "1700000000.000100"})
        if method == "usergroups.users.list":
            group = (await request.post()).get("usergroup") or request.query.get("usergroup")
            if group not in self.usergroups:
                return web.json_response({"ok": False, "error": "no_such_subteam"})
            return web.json_response({"ok": True, "users": self.usergroups[str(group)]})
        if method == "chat.postEphemeral":
            if not self.post_ephemeral_ok:
                return web.json_response({"ok": False, "error": "user_not_in_channel"})
            return web.json_response({"ok": True, "message_ts": "1700000000.000200"})
        return web.json_response({"ok": False, "error": "unknown_method"})

    async def _response_url(self, request: web.Request) -> web.Response:
        await self.record(request)
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.response_url_status != 200:
            return web.Response(status=self.response_url_status, text="expired_url")
        return web.Response(text="ok")

    def messages(self) -> list[dict[str, Any]]:
        """Every message the bot sent: response_url posts, chat.postMessage and chat.postEphemeral."""
        found = []
        for r in self.requests:
            if r.path.startswith("/response/"):
                found.append(r.json())
            elif r.path in ("/api/chat.postMessage", "/api/chat.postEphemeral"):
                if r.headers.get("Content-Type", "").startswith("application/json"):
                    found.append(r.json())
                else:
                    form = dict(parse_qsl(r.body.decode()))
                    found.append({**form, "blocks": json.loads(form["blocks"])} if "blocks" in form else form)
        return found

    def posts_to(self, name: str) -> list[dict[str, Any]]:
        """Every JSON message posted to response_url `name`, in order."""
        return [r.json() for r in self.requests if r.path == f"/response/{name}"]


class FakeDatadog(FakeServer):
    """Datadog's downtime and monitor API over an in-memory set of downtimes, as its OpenAPI describes it.

    `add_v1` makes a downtime created through v1: listed by both APIs (the v1 list gives its `uuid`,
    the v2 id) and cancelled by cancel/by_scope when its tag set equals the scope. `add_v2` makes one
    created through v2: listed by v2 only (unless `in_v1_list`), and invisible to cancel/by_scope, as
    Datadog's own endpoint behaves. `start_in` (seconds from now) makes a scheduled downtime. The
    status is computed at each request: `current_only` lists the active ones only; without it the
    lists also hold scheduled, cancelled and ended downtimes, as Datadog's do for about two days.
    cancel/by_scope cancels scheduled ones too. Replies queued with `reply` are served first, for
    faults; `latency` delays every answer; every answer is kept in `answers` for checks against the spec.
    """

    def __init__(self) -> None:
        super().__init__()
        self.replies: dict[tuple[str, str], list[Reply]] = {}
        self.defaults: dict[tuple[str, str], Reply] = {("GET", "/api/v1/validate"): Reply(200, {"valid": True})}
        self.downtimes: dict[str, dict[str, Any]] = {}
        self.monitors: list[dict[str, Any]] = []
        self.latency = 0.0
        self.answered = 0  # requests answered so far (after any latency)
        self.sticky = False  # benchmarks: cancelled downtimes stay listed, so every preview finds them
        self.total_count = True  # v2 list: send meta.page.total_filtered_count (optional in the spec)
        self.answers: list[tuple[Recorded, int, bytes]] = []
        self._next_id = 1000
        self._v2_cache: tuple[tuple[Any, ...], list[dict[str, Any]]] = ((), [])
        self._page_cache: dict[tuple[int, int, bool], bytes] = {}
        self._changes = 0  # bumped by every change made through the fake (direct edits in tests come first)
        self.refresh = 1.0  # seconds a built v2 list stays valid (statuses move with time); benchmarks raise it

    def routes(self) -> list[web.RouteDef]:
        return [web.route("*", "/{tail:.*}", self._any)]

    def reply(self, method: str, path: str, *replies: Reply) -> None:
        """Answer the next requests to (method, path) with these replies, in order."""
        self.replies.setdefault((method, path), []).extend(replies)

    def always(self, method: str, path: str, reply: Reply) -> None:
        """Answer every request to (method, path) with `reply` once the queue is empty."""
        self.defaults[(method, path)] = reply

    def _add(self, scope: list[str], query: str, uuid_group: str, *, v1_created: bool, in_v1_list: bool,
             message: str, monitor_id: int | None, start_in: float, duration: float | None,
             rrule: str | None) -> dict[str, Any]:
        self._next_id += 1
        now = time.time()
        start = int(now + start_in) if start_in else int(now) - 3600
        record: dict[str, Any] = {
            "v1_id": self._next_id, "uuid": f"00000000-0000-0000-{uuid_group}-{self._next_id:012d}",
            "scope": scope, "query": query, "v1_created": v1_created, "in_v1_list": in_v1_list,
            "message": message, "monitor_id": monitor_id, "canceled": None, "created": int(now),
            "start": start, "end": start + int(duration) if duration else None, "rrule": rrule,
        }
        self.downtimes[record["uuid"]] = record
        self._changes += 1
        return record

    def add_v1(self, scope: list[str], *, message: str = "", monitor_id: int | None = None, start_in: float = 0,
               duration: float | None = None, rrule: str | None = None) -> dict[str, Any]:
        """A downtime created through v1 (listed by both APIs, reachable by cancel/by_scope)."""
        return self._add(scope, " AND ".join(scope), "0000", v1_created=True, in_v1_list=True, message=message,
                         monitor_id=monitor_id, start_in=start_in, duration=duration, rrule=rrule)

    def add_v2(self, query: str, *, in_v1_list: bool = False, message: str = "", start_in: float = 0,
               duration: float | None = None, rrule: str | None = None) -> dict[str, Any]:
        """A downtime created through v2 (cancel/by_scope never sees it)."""
        scope = [t.replace('"', "") for t in query.split(" AND ")]
        return self._add(scope, query, "0002", v1_created=False, in_v1_list=in_v1_list, message=message,
                         monitor_id=None, start_in=start_in, duration=duration, rrule=rrule)

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
        now = time.time()
        return [d for d in self.downtimes.values() if self.status(d, now) in ("active", "scheduled")]

    async def _any(self, request: web.Request) -> web.Response:
        recorded = await self.record(request)
        try:
            response = await self._serve(request)
        finally:
            self.answered += 1
        if self.history:
            self.answers.append((recorded, response.status, bytes(response.body or b"")))  # type: ignore[arg-type]
        return response

    async def _serve(self, request: web.Request) -> web.Response:
        if self.latency:
            await asyncio.sleep(self.latency)
        key = (request.method, request.path)
        queue = self.replies.get(key)
        if queue:
            return await _answer(queue.pop(0))
        if key in self.defaults:
            return await _answer(self.defaults[key])
        if key == ("GET", "/api/v1/downtime"):
            return self._v1_list(request)
        if key == ("GET", "/api/v2/downtime"):
            return self._v2_page(request)
        if key == ("POST", "/api/v1/downtime/cancel/by_scope"):
            return await self._cancel_by_scope(request)
        if key == ("GET", "/api/v1/monitor"):
            return self._monitors(request)
        if key == ("POST", "/api/v2/downtime"):
            return await self._create(request)
        if request.method in ("GET", "DELETE") and request.path.startswith("/api/v2/downtime/"):
            record = self.downtimes.get(request.path.rsplit("/", 1)[1])
            if record is None:
                return web.json_response({"errors": ["Downtime not found"]}, status=404)
            if request.method == "GET":
                return web.json_response({"data": self._v2_item(record, time.time())})
            if record["canceled"] is None and not self.sticky:
                record["canceled"] = int(time.time())
                self._changes += 1
            return web.Response(status=204)
        return web.json_response({"errors": ["Not found"]}, status=404)

    async def _create(self, request: web.Request) -> web.Response:
        """POST /api/v2/downtime: checked against the spec's schema, refusing the past and duplicates."""
        body = await request.json()
        errors = request_errors("v2", "/api/v2/downtime", "POST", body)
        if errors:
            return web.json_response({"errors": errors}, status=400)
        attributes = body["data"]["attributes"]
        schedule = attributes.get("schedule") or {}
        now = time.time()
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
        self._changes += 1
        record.update(start=start, end=end, created_key=key, created_attributes=attributes,
                      monitor_id=attributes["monitor_identifier"].get("monitor_id"),
                      rrule=schedule["recurrences"][0]["rrule"] if schedule.get("recurrences") else None)
        return web.json_response({"data": self._v2_item(record, now)})

    def _listed(self, request: web.Request) -> list[dict[str, Any]]:
        now = time.time()
        current_only = request.query.get("current_only") == "true"
        return [d for d in self.downtimes.values() if not current_only or self.status(d, now) == "active"]

    def _v1_list(self, request: web.Request) -> web.Response:
        now = time.time()
        return web.json_response([self._v1_item(d, now) for d in self._listed(request) if d["in_v1_list"]])

    async def _cancel_by_scope(self, request: web.Request) -> web.Response:
        wanted = {t.strip().lower() for t in (await request.json())["scope"].split(",") if t.strip()}
        if not wanted:
            return web.json_response({"errors": ["Expected scope"]}, status=400)
        hits = [d for d in self.live() if d["v1_created"] and {t.lower() for t in d["scope"]} == wanted]
        if not hits:
            return web.json_response({"errors": ["No downtimes found"]}, status=404)
        for d in hits:
            if not self.sticky:
                d["canceled"] = int(time.time())
                self._changes += 1
        return web.json_response({"cancelled_ids": [d["v1_id"] for d in hits]})

    def _v2_page(self, request: web.Request) -> web.Response:
        now = time.time()
        current_only = request.query.get("current_only") == "true"
        offset = int(request.query.get("page[offset]", "0"))
        limit = int(request.query.get("page[limit]", "30"))
        include = "created_by" in request.query.get("include", "")
        # Thousands of downtimes: build each answer once per state of the fake (and second), not per
        # request, so that a benchmark measures the bot rather than this fake.
        version = (self._changes, len(self.downtimes), current_only, int(now // self.refresh), self.total_count)
        if self._v2_cache[0] != version:
            self._v2_cache = (version, [self._v2_item(d, now) for d in self._listed(request)])
            self._page_cache.clear()
        key = (offset, limit, include)
        if key not in self._page_cache:
            items = self._v2_cache[1]
            body: dict[str, Any] = {"data": items[offset: offset + limit]}
            if include:
                body["included"] = [{"type": "users", "id": "user-dana", "attributes": {
                    "name": "Dana Ops", "email": "dana@example.com", "handle": "dana@example.com"}}]
            if self.total_count:
                body["meta"] = {"page": {"total_filtered_count": len(items)}}
            self._page_cache[key] = json.dumps(body).encode()
        return web.Response(body=self._page_cache[key], content_type="application/json")

    def _monitors(self, request: web.Request) -> web.Response:
        if "page" not in request.query:
            return web.json_response(self.monitors)
        size = int(request.query.get("page_size", "100"))
        if size > 1000:
            return web.json_response({"errors": ["page_size must be at most 1000"]}, status=400)
        start = int(request.query["page"]) * size
        return web.json_response(self.monitors[start: start + size])

    def _v1_item(self, d: dict[str, Any], now: float) -> dict[str, Any]:
        status = self.status(d, now)
        recurrence = {"type": "rrule", "rrule": d["rrule"], "period": 1} if d["rrule"] else None
        return {
            "id": d["v1_id"], "uuid": d["uuid"], "scope": d["scope"], "active": status == "active",
            "canceled": d["canceled"], "status": status, "start": d["start"], "end": d["end"],
            "message": d["message"] or None, "monitor_id": d["monitor_id"], "monitor_tags": ["*"],
            "recurrence": recurrence, "timezone": "UTC", "disabled": False, "downtime_type": 2, "parent_id": None,
            "creator_id": 1234, "updater_id": None, "mute_first_recovery_notification": False,
            "notify_end_states": ["alert", "no data", "warn"], "notify_end_types": ["canceled", "expired"],
            "creator": {"id": 1234, "name": "Dana Ops", "email": "dana@example.com", "handle": "dana@example.com"},
        }

    def _v2_item(self, d: dict[str, Any], now: float) -> dict[str, Any]:
        def iso(epoch: int | None) -> str | None:
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
            "mute_first_recovery_notification": False, "notify_end_states": ["alert", "no data", "warn"],
            "notify_end_types": ["canceled", "expired"], "schedule": schedule}
        created = d.get("created_attributes")
        if created:  # a downtime the bot created (undo) reads back as it was sent
            attributes.update({k: v for k, v in created.items() if k != "schedule"})
            if created.get("schedule", {}).get("recurrences"):
                attributes["schedule"] = {**created["schedule"], "current_downtime": schedule["current_downtime"]}
        return {"type": "downtime", "id": d["uuid"], "attributes": attributes,
                "relationships": {"created_by": {"data": {"type": "users", "id": "user-dana"}},
                                  "monitor": {"data": None}}}


def _epoch_of(value: str | None) -> int | None:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()) if value else None


def _minutes(duration: str) -> int:
    """A v2 recurrence duration ("90m", "2h", "1d", "1w") in minutes."""
    return int(duration[:-1]) * {"m": 1, "h": 60, "d": 1440, "w": 10080}[duration[-1]]


def sign(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with a request: timestamp and v0 HMAC-SHA256 signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def command_body(text: str, *, response_url: str, user_id: str = "U_ALICE", team_id: str = "T0001",
                 channel_id: str = "C_OPS", app_id: str = "A0001", team_domain: str = "acme",
                 channel_name: str = "ops", user_name: str = "alice") -> bytes:
    """A slash-command form body as Slack sends it."""
    return urlencode({
        "token": "legacy-verification-token",
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": "/cancel-downtime",
        "text": text,
        "api_app_id": app_id,
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }).encode()


def action_body(action_id: str, value: str, *, response_url: str, user_id: str = "U_ALICE",
                team_id: str = "T0001", channel_id: str = "C_OPS") -> bytes:
    """A block_actions form body (payload=JSON) as Slack sends it for a button click."""
    payload = {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "acme"},
        "user": {"id": user_id, "username": "someone", "name": "someone", "team_id": team_id},
        "api_app_id": "A0001",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": "1700000000.000200", "is_ephemeral": True},
        "trigger_id": "4.5.6",
        "channel": {"id": channel_id, "name": "ops"},
        "response_url": response_url,
        "actions": [{
            "type": "button",
            "action_id": action_id,
            "block_id": "cancel_downtime_decision",
            "value": value,
            "action_ts": "1700000001.000300",
        }],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()
