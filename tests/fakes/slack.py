"""A loopback fake of Slack: the Web API (`/api/<method>`), response URLs (`/response/<id>`) and Socket Mode.

`auth.test` and `users.info` answer as Slack does in each topology (`tests.fakes.topology` has the
shapes and where they come from): by default one workspace, T0001, whose every user is a member.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot.sandbox.limits import view_problems
from bot.sandbox.workspace import RESPONSE_URL_POSTS
from tests.fakes.server import FakeServer, Reply, answer
from tests.fakes.topology import auth_test_answer, slack_user


class FakeSlack(FakeServer):
    """Slack's Web API (`/api/<method>`) and response URLs (`/response/<id>`)."""

    def __init__(self) -> None:
        super().__init__()
        self.team_id = "T0001"
        self.enterprise_id: str | None = None  # Enterprise Grid: the organisation of team_id
        self.org_wide = False  # an org-wide install: auth.test answers for the organisation
        self.users: dict[str, dict[str, Any]] = {}  # users.info: these users; anyone else is a member of team_id
        self.users_info_reply: Reply | None = None  # users.info answers this instead (an outage, missing_scope)
        self.response_url_status = 200
        self.post_message_ok = True
        self.post_ephemeral_ok = True
        self.rate_limited: dict[str, int] = {}  # Web API method: how many 429s to answer first
        self.usergroups: dict[str, list[str]] = {}  # usergroups.users.list; a missing group is an error
        self.auth_reply: Reply | None = None  # auth.test: None answers ok for team_id, else this reply
        self.outage: Reply | None = None  # every Web API method answers this (a 5xx, a slow answer)
        self.latency = 0.0  # seconds before any answer (Web API and response_url), after the request is recorded
        self.channel_post_delay = 0.0  # response_url posts in_channel: posted at once, answered this much later
        self.scopes = "commands,chat:write,users:read"  # X-OAuth-Scopes on every Web API answer, as Slack sends it
        self.app_token_error: str | None = None  # apps.connections.open: Slack's error code, if it refuses
        self.socket_url: str | None = None  # apps.connections.open: another WebSocket URL (one that fails)
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_acks: list[dict[str, Any]] = []
        self.triggers: dict[str, float] = {}  # trigger_id -> when Slack issued it (`trigger`); each lasts 3 s
        self.opened: dict[str, dict[str, Any]] = {}  # view ID -> the view as last opened or updated
        self.published: dict[str, dict[str, Any]] = {}  # user ID -> their Home tab as last published
        self.view_errors: list[str] = []  # why Slack refused a view the bot sent
        self._views = 0
        self.response_url_posts: dict[str, int] = {}  # posts to each response_url so far
        self.overused: list[str] = []  # response URLs posted to more than Slack allows

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
            return await answer(self.outage)
        if self.rate_limited.get(method):
            self.rate_limited[method] -= 1
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "0"})
        if method == "auth.test":
            if self.auth_reply is not None:
                return await answer(self.auth_reply)
            return web.json_response(auth_test_answer(self.team_id, self.enterprise_id, org_wide=self.org_wide),
                                     headers={"X-OAuth-Scopes": self.scopes})
        if method == "users.info":
            return await self._users_info(request)
        if method == "apps.connections.open":
            if self.app_token_error:
                return web.json_response({"ok": False, "error": self.app_token_error})
            return web.json_response({"ok": True, "url": self.socket_url or self.url.replace("http://", "ws://")
                                      + "/socket"})
        if method == "chat.postMessage":
            if not self.post_message_ok:
                return web.json_response({"ok": False, "error": "not_in_channel"})
            return web.json_response({"ok": True, "ts": "1700000000.000100"})
        if method in ("views.publish", "views.open", "views.update"):
            return self._view(method, await request.json())
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

    async def _users_info(self, request: web.Request) -> web.Response:
        if self.users_info_reply is not None:
            return await answer(self.users_info_reply)
        if "users:read" not in self.scopes.split(","):
            return web.json_response({"ok": False, "error": "missing_scope", "needed": "users:read",
                                      "provided": self.scopes})
        user_id = str((await request.post()).get("user") or request.query.get("user") or "")
        if not user_id:
            return web.json_response({"ok": False, "error": "user_not_found"})
        user = self.users.get(user_id) or slack_user(
            user_id, self.team_id, enterprise=self.enterprise_id,
        )
        if user.get("_not_found"):
            return web.json_response({"ok": False, "error": "user_not_found"})
        return web.json_response({"ok": True, "user": user})

    async def _response_url(self, request: web.Request) -> web.Response:
        await self.record(request)
        name = request.match_info["id"]
        self.response_url_posts[name] = self.response_url_posts.get(name, 0) + 1
        if self.response_url_posts[name] > RESPONSE_URL_POSTS:  # Slack: "up to 5 times within 30 minutes"
            self.overused.append(name)
            return web.Response(status=404, text="used_url")
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.response_url_status != 200:
            return web.Response(status=self.response_url_status, text="expired_url")
        if self.channel_post_delay and b'"in_channel"' in await request.read():
            await asyncio.sleep(self.channel_post_delay)
        return web.Response(text="ok")

    def trigger(self, age: float = 0.0) -> str:
        """A trigger_id as a click carries it, issued `age` seconds ago (Slack honours one for 3 s)."""
        trigger_id = f"{len(self.triggers) + 1}.1700000000.{'a' * 8}"
        self.triggers[trigger_id] = time.monotonic() - age
        return trigger_id

    def _view(self, method: str, body: dict[str, Any]) -> web.Response:
        """views.publish, views.open and views.update as Slack answers them, refusing a view past its limits."""
        view = body.get("view")
        problems = view_problems(view, "home" if method == "views.publish" else "modal")
        if problems:
            self.view_errors.extend(problems)
            return web.json_response({"ok": False, "error": "invalid_arguments",
                                      "response_metadata": {"messages": problems}})
        assert isinstance(view, dict)
        if method == "views.open":
            issued = self.triggers.get(str(body.get("trigger_id")))
            if issued is None:
                return web.json_response({"ok": False, "error": "invalid_trigger_id"})
            if time.monotonic() - issued > TRIGGER_SECONDS:
                return web.json_response({"ok": False, "error": "expired_trigger_id"})
            self._views += 1
            view_id = f"V{self._views:08d}"
        elif method == "views.update":
            view_id = str(body.get("view_id"))
            if view_id not in self.opened:
                return web.json_response({"ok": False, "error": "not_found"})
        else:
            if not body.get("user_id"):
                return web.json_response({"ok": False, "error": "invalid_arguments"})
            self.published[str(body["user_id"])] = view
            return web.json_response({"ok": True, "view": {**view, "id": "VHOME"}})
        self.opened[view_id] = view
        return web.json_response({"ok": True, "view": {**view, "id": view_id}})

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


TRIGGER_SECONDS = 3.0  # a trigger_id opens a view within 3 s of the click
