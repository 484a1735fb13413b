"""The sandbox's web page: a Slack channel in the browser, over the sandbox Slack it shares a server with.

`GET /` is the page; it reads `GET /sandbox/state` (long-polled: it answers when something changed)
and acts through `POST /sandbox/<act>`, which the sandbox Slack turns into what Slack would send the
bot (`bot.sandbox.sender`). Every message is drawn from the blocks the bot sent, by
`bot.sandbox.blockkit`. The page's own requests must come from the page itself (its Host and
Origin), so another site open in the same browser cannot drive it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from aiohttp import web

from bot.sandbox.blockkit import Rendered
from bot.sandbox.datadog import SandboxDatadog
from bot.sandbox.seed import INCIDENT_CHANNEL, seed_datadog, seed_slack
from bot.sandbox.sender import COMMAND, ToBot
from bot.sandbox.slack import SandboxSlack
from bot.sandbox.workspace import BOT_USER_ID, CONVERSATIONS, PEOPLE, TEAM_ID, Person, Post, Workspace

POLL_SECONDS = 20.0
REQUESTS_SHOWN = 40
STATIC = {"": ("page.html", "text/html"), "page.js": ("page.js", "text/javascript"),
          "page.css": ("page.css", "text/css")}


class SandboxPage(SandboxSlack):
    """The sandbox Slack with its page; `bot` is set once the bot listens, `shortcut` is its callback ID."""

    def __init__(self, bot_token: str, datadog: SandboxDatadog, shortcut: str) -> None:
        super().__init__(bot_token, Workspace())
        self.datadog = datadog
        self.shortcut_id = shortcut
        self.bot: ToBot | None = None
        self.keep_at_most = 500

    def routes(self) -> list[web.RouteDef]:
        return [*super().routes(), web.get("/", self._static), web.get("/static/{name}", self._static),
                web.get("/sandbox/state", self._state), web.post("/sandbox/{act}", self._act)]

    def reset(self) -> None:
        """The sandbox as it starts: the seeded organisation and workspace."""
        self.datadog.clear()
        seed_datadog(self.datadog)
        self.workspace.clear()
        seed_slack(self.workspace)

    async def _static(self, request: web.Request) -> web.Response:
        name, kind = STATIC.get(request.match_info.get("name", ""), ("", ""))
        if not name:
            raise web.HTTPNotFound
        text = resources.files("bot.sandbox").joinpath("static", name).read_text(encoding="utf-8")
        return web.Response(text=text, content_type=kind, headers={"Cache-Control": "no-store"})

    def _own(self, request: web.Request) -> bool:
        """A request from the page itself: to this server by its loopback name, from its own origin if any."""
        here = self.url.removeprefix("http://")
        hosts = {here, here.replace("127.0.0.1", "localhost")}
        origin = request.headers.get("Origin")
        return request.host in hosts and (origin is None or origin.removeprefix("http://") in hosts)

    async def _state(self, request: web.Request) -> web.Response:
        if not self._own(request):
            raise web.HTTPForbidden(text="the sandbox page answers itself only")
        after = _number(request.query.get("after"), -1)
        if after == self.workspace.version:
            try:
                async with asyncio.timeout(POLL_SECONDS), self._changed:
                    await self._changed.wait_for(lambda: self.workspace.version != after)
            except TimeoutError:
                pass
        user = self._person(request.query.get("user"))
        channel = request.query.get("channel") or INCIDENT_CHANNEL
        return web.json_response(self.state(user, channel))

    def state(self, user: Person, channel: str) -> dict[str, Any]:
        """What `user` sees: the conversation, their Home tab and modal, and Datadog's latest requests."""
        home = self.workspace.homes.get(user.id)
        modal = self.workspace.modal_of(user.id)
        return {
            "version": self.workspace.version,
            "people": [{"id": p.id, "name": p.name, "kind": p.kind} for p in PEOPLE],
            "channels": [{"id": c.id, "name": c.name} for c in CONVERSATIONS]
            + [{"id": "D" + user.id[1:], "name": "cancel-downtime", "app": True}],
            "posts": [self._post(p) for p in self.workspace.seen_by(user.id, channel)],
            "home": self.draw(home.view.get("blocks") or []) if home else "",
            "modal": None if modal is None else {
                "id": modal.id, "title": str((modal.view.get("title") or {}).get("text", "")),
                "close": str((modal.view.get("close") or {}).get("text", "Close")),
                "html": self.draw(modal.view.get("blocks") or [])},
            "datadog": [{"method": r.method, "path": r.path + (f"?{_query(r.query)}" if r.query else ""),
                         "status": status} for r, status, _ in self.datadog.answers[-REQUESTS_SHOWN:]],
        }

    def _post(self, post: Post) -> dict[str, Any]:
        return {"id": post.id, "author": self.name_of(post.author), "app": post.author in (BOT_USER_ID, "datadog"),
                "ephemeral": post.visible_to is not None, "edited": post.edited, "ts": post.ts,
                "html": self.draw(post.blocks, post.text)}

    def draw(self, blocks: list[dict[str, Any]], fallback: str = "") -> str:
        """Blocks as the page shows them."""
        return Rendered(self.name_of).blocks(blocks, fallback)

    def name_of(self, key: str) -> str:
        """The name a user or conversation ID is shown by."""
        person = self.workspace.person(key)
        if person is not None:
            return person.name
        conversation = self.workspace.conversation(key)
        if conversation is not None:
            return conversation.name
        return {BOT_USER_ID: "cancel-downtime", "datadog": "Datadog", "slackbot": "Slackbot"}.get(key, key)

    def _person(self, user_id: str | None) -> Person:
        return self.workspace.person(user_id or "") or PEOPLE[0]

    async def _act(self, request: web.Request) -> web.Response:
        if not self._own(request) or request.content_type != "application/json":
            raise web.HTTPForbidden(text="the sandbox page answers itself only")
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="a JSON object is expected")
        acts: dict[str, Callable[[Person, dict[str, Any]], Awaitable[str]]] = {
            "command": self._command, "click": self._click, "shortcut": self._shortcut, "home": self._home,
            "close": self._close, "reset": self._reset}
        act = acts.get(request.match_info["act"])
        if act is None:
            raise web.HTTPNotFound
        problem = await act(self._person(body.get("user")), body)
        await self.changed()
        return web.json_response({"ok": not problem, "error": problem})

    def _to_bot(self) -> ToBot:
        if self.bot is None:
            raise web.HTTPServiceUnavailable(text="the bot is still starting")
        return self.bot

    async def _command(self, person: Person, body: dict[str, Any]) -> str:
        typed = str(body.get("text", "")).strip()
        channel = str(body.get("channel") or INCIDENT_CHANNEL)
        if self.workspace.conversation(channel) is None:
            return "no such channel"
        if not typed.startswith(COMMAND):
            return f"the sandbox knows one command: {COMMAND}"
        self.workspace.post(channel, person.id, typed, visible_to=person.id)  # only its author sees a command
        await self._to_bot().command(person, channel, typed.removeprefix(COMMAND).strip())
        return ""

    async def _click(self, person: Person, body: dict[str, Any]) -> str:
        action = body.get("action")
        if not isinstance(action, dict):
            return "no action"
        surface = body.get("surface")
        if surface == "home":
            home = self.workspace.homes.get(person.id)
            if home is None:
                return "no Home tab"
            await self._to_bot().click_view(person, home, action)
        elif surface == "modal":
            modal = self.workspace.modal_of(person.id)
            if modal is None:
                return "no modal open"
            await self._to_bot().click_view(person, modal, action)
        else:
            post = self.workspace.find(_number(body.get("post"), 0))
            if post is None or post.visible_to not in (None, person.id):
                return "that message is not there"
            await self._to_bot().click(person, post, action)
        return ""

    async def _shortcut(self, person: Person, body: dict[str, Any]) -> str:
        post = self.workspace.find(_number(body.get("post"), 0))
        if post is None or post.visible_to not in (None, person.id):
            return "that message is not there"
        await self._to_bot().shortcut(person, post, self.shortcut_id)
        return ""

    async def _home(self, person: Person, body: dict[str, Any]) -> str:
        if person.team != TEAM_ID:
            return "the app's Home tab is for the members of its workspace"
        await self._to_bot().home_opened(person)
        return ""

    async def _close(self, person: Person, body: dict[str, Any]) -> str:
        modal = self.workspace.modal_of(person.id)
        if modal is not None:
            self.workspace.close_modal(modal.id)
        return ""

    async def _reset(self, person: Person, body: dict[str, Any]) -> str:
        self.reset()
        return ""


def _number(value: object, default: int) -> int:
    """A whole number from the page (a post's number, a version), or `default` for anything else."""
    try:
        return int(str(value)) if value is not None else default
    except ValueError:
        return default


def _query(query: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in query.items())
