"""Loopback fakes of Slack (Web API and response_url) and Datadog that record what they receive."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web


@dataclass
class Recorded:
    """One request a fake received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
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
            headers=dict(request.headers),
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
        self.scopes = "commands,chat:write"  # X-OAuth-Scopes on every Web API answer, as Slack sends it
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
            return web.json_response({"ok": True, "url": self.url.replace("http://", "ws://") + "/socket"})
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
        if self.response_url_status != 200:
            return web.Response(status=self.response_url_status, text="expired_url")
        return web.Response(text="ok")

    def posts_to(self, name: str) -> list[dict[str, Any]]:
        """Every JSON message posted to response_url `name`, in order."""
        return [r.json() for r in self.requests if r.path == f"/response/{name}"]


class FakeDatadog(FakeServer):
    """Datadog's downtime and monitor API over an in-memory set of downtimes.

    `add_v1` makes a downtime created through v1: listed by both APIs and cancelled by cancel/by_scope
    when its tag set equals the scope. `add_v2` makes one created through v2: listed by v2 only (unless
    `in_v1_list`), and invisible to cancel/by_scope, as Datadog's own endpoint behaves. Replies queued
    with `reply` are served first, for faults; `latency` delays every answer.
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
        self._next_id = 1000
        self._v2_cache: tuple[tuple[int, int], list[dict[str, Any]]] = ((-1, -1), [])

    def routes(self) -> list[web.RouteDef]:
        return [web.route("*", "/{tail:.*}", self._any)]

    def reply(self, method: str, path: str, *replies: Reply) -> None:
        """Answer the next requests to (method, path) with these replies, in order."""
        self.replies.setdefault((method, path), []).extend(replies)

    def always(self, method: str, path: str, reply: Reply) -> None:
        """Answer every request to (method, path) with `reply` once the queue is empty."""
        self.defaults[(method, path)] = reply

    def add_v1(self, scope: list[str], *, message: str = "", monitor_id: int | None = None) -> dict[str, Any]:
        """A downtime created through v1 (listed by both APIs, reachable by cancel/by_scope)."""
        self._next_id += 1
        uuid = f"00000000-0000-0000-0000-{self._next_id:012d}"
        record: dict[str, Any] = {"v1_id": self._next_id, "uuid": uuid,
                  "scope": scope, "query": " AND ".join(scope), "v1_created": True, "in_v1_list": True,
                  "message": message, "monitor_id": monitor_id, "canceled": False}
        self.downtimes[uuid] = record
        return record

    def add_v2(self, query: str, *, in_v1_list: bool = False, message: str = "") -> dict[str, Any]:
        """A downtime created through v2 (cancel/by_scope never sees it)."""
        self._next_id += 1
        scope = [t.replace('"', "") for t in query.split(" AND ")]
        uuid = f"00000000-0000-0000-0002-{self._next_id:012d}"
        record: dict[str, Any] = {"v1_id": self._next_id, "uuid": uuid,
                  "scope": scope, "query": query, "v1_created": False, "in_v1_list": in_v1_list,
                  "message": message, "monitor_id": None, "canceled": False}
        self.downtimes[uuid] = record
        return record

    def live(self) -> list[dict[str, Any]]:
        """The downtimes not cancelled yet."""
        return [d for d in self.downtimes.values() if not d["canceled"]]

    async def _any(self, request: web.Request) -> web.Response:
        await self.record(request)
        try:
            return await self._serve(request)
        finally:
            self.answered += 1

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
            return web.json_response([self._v1_item(d) for d in self.live() if d["in_v1_list"]])
        if key == ("GET", "/api/v2/downtime"):
            return self._v2_page(request)
        if key == ("POST", "/api/v1/downtime/cancel/by_scope"):
            return await self._cancel_by_scope(request)
        if request.method == "DELETE" and request.path.startswith("/api/v2/downtime/"):
            record = self.downtimes.get(request.path.rsplit("/", 1)[1])
            if record is None:
                return web.json_response({"errors": ["Downtime not found"]}, status=404)
            record["canceled"] = not self.sticky
            return web.Response(status=204)
        if key == ("GET", "/api/v1/monitor"):
            return web.json_response(self.monitors)
        return web.json_response({"errors": ["Not found"]}, status=404)

    async def _cancel_by_scope(self, request: web.Request) -> web.Response:
        wanted = {t.strip().lower() for t in (await request.json())["scope"].split(",") if t.strip()}
        if not wanted:
            return web.json_response({"errors": ["Expected scope"]}, status=400)
        hits = [d for d in self.live() if d["v1_created"] and {t.lower() for t in d["scope"]} == wanted]
        if not hits:
            return web.json_response({"errors": ["No downtimes found"]}, status=404)
        for d in hits:
            d["canceled"] = not self.sticky
        return web.json_response({"cancelled_ids": [d["v1_id"] for d in hits]})

    def _v2_page(self, request: web.Request) -> web.Response:
        live = self.live()
        version = (len(self.downtimes), len(live))
        if self._v2_cache[0] != version:  # thousands of downtimes: build the items once, not per page
            self._v2_cache = (version, [self._v2_item(d) for d in live])
        items = self._v2_cache[1]
        offset = int(request.query.get("page[offset]", "0"))
        limit = int(request.query.get("page[limit]", "30"))
        body = {"data": items[offset: offset + limit], "meta": {"page": {"total_filtered_count": len(items)}}}
        return web.json_response(body)

    @staticmethod
    def _v1_item(d: dict[str, Any]) -> dict[str, Any]:
        return {"id": d["v1_id"], "uuid": d["uuid"], "scope": d["scope"], "active": True, "canceled": None,
                "status": "active", "start": 1700000000, "end": None, "message": d["message"] or None,
                "monitor_id": d["monitor_id"], "monitor_tags": ["*"], "recurrence": None,
                "creator": {"name": "Dana Ops", "email": "dana@example.com"}}

    @staticmethod
    def _v2_item(d: dict[str, Any]) -> dict[str, Any]:
        return {"type": "downtime", "id": d["uuid"], "attributes": {
            "scope": d["query"], "status": "active", "canceled": None, "message": d["message"] or None,
            "monitor_identifier": {"monitor_tags": ["*"]},
            "schedule": {"start": "2023-11-14T22:13:20+00:00", "end": None}}}


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
