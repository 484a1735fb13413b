"""The sandbox Slack's Web API and response URLs: what the bot calls, answered as Slack answers, into a `Workspace`.

Only the methods the bot uses are served (`auth.test`, `users.info`, `usergroups.users.list`,
`chat.postMessage`, `chat.postEphemeral`, `views.publish`, `views.open`, `views.update`); any other
answers `unknown_method`, as Slack does. Every call must carry the sandbox's bot token. A message or
view past any of Slack's limits (`bot.sandbox.limits`) is refused with Slack's `invalid_blocks` /
`invalid_arguments`, so the demo shows what real Slack would refuse.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.sandbox.limits import message_problems, view_problems
from bot.sandbox.loopback import Loopback
from bot.sandbox.people import auth_test_answer
from bot.sandbox.workspace import BOT_USER_ID, TEAM_ID, Workspace

SCOPES = "commands,chat:write,users:read"  # what the manifest asks for


class SandboxSlack(Loopback):
    """Slack's Web API (`/api/<method>`) and response URLs (`/response/<token>`) over one workspace."""

    def __init__(self, bot_token: str, workspace: Workspace | None = None) -> None:
        super().__init__()
        self.bot_token = bot_token
        self.workspace = workspace or Workspace()

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/api/{method}", self.api), web.get("/api/{method}", self.api),
                web.post("/response/{token}", self.response_url)]

    def response_url_for(self, token: str) -> str:
        """The full response_url of a token."""
        return f"{self.url}/response/{token}"

    async def response_url(self, request: web.Request) -> web.Response:
        """A post to a response_url."""
        await self.record(request)
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload")
        if message_problems(body):
            return web.Response(status=400, text="invalid_blocks")
        status, text = self.workspace.respond(request.match_info["token"], body)
        await self.changed()
        return web.Response(status=status, text=text)

    async def api(self, request: web.Request) -> web.Response:
        """One Web API call."""
        await self.record(request)
        if request.headers.get("Authorization") != f"Bearer {self.bot_token}":
            return self._answer({"ok": False, "error": "invalid_auth"})
        try:
            args = await _arguments(request)
        except ValueError:
            return self._answer({"ok": False, "error": "invalid_json"})
        method = request.match_info["method"]
        handler = {
            "auth.test": self._auth_test, "users.info": self._users_info,
            "usergroups.users.list": self._usergroups_users_list,
            "chat.postMessage": self._post_message, "chat.postEphemeral": self._post_ephemeral,
            "views.publish": self._views_publish, "views.open": self._views_open, "views.update": self._views_update,
        }.get(method)
        if handler is None:
            return self._answer({"ok": False, "error": "unknown_method"})
        answer: dict[str, Any] = handler(args)
        await self.changed()
        return self._answer(answer)

    @staticmethod
    def _answer(body: dict[str, Any]) -> web.Response:
        return web.json_response(body, headers={"X-OAuth-Scopes": SCOPES})

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {**auth_test_answer(TEAM_ID, None), "url": "https://sandbox.slack.invalid/", "team": "Sandbox",
                "user_id": BOT_USER_ID}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        person = self.workspace.person(str(args.get("user", "")))
        if person is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": person.user()}

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": False, "error": "no_such_subteam"}  # the sandbox has no user groups

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        problem = self._postable(channel, args)
        if problem:
            return problem
        post = self.workspace.post(channel, BOT_USER_ID, str(args.get("text") or ""), _blocks(args))
        return {"ok": True, "channel": channel, "ts": post.ts, "message": post.as_slack()}

    def _post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, user = str(args.get("channel", "")), str(args.get("user", ""))
        problem = self._postable(channel, args)
        if problem:
            return problem
        if self.workspace.person(user) is None:
            return {"ok": False, "error": "user_not_in_channel"}
        post = self.workspace.post(channel, BOT_USER_ID, str(args.get("text") or ""), _blocks(args),
                                   visible_to=user)
        return {"ok": True, "message_ts": post.ts}

    def _postable(self, channel: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """Slack's refusal of a post to `channel`, or None."""
        conversation = self.workspace.conversation(channel)
        if conversation is None:
            return {"ok": False, "error": "channel_not_found"}
        if not conversation.bot_member:
            return {"ok": False, "error": "not_in_channel"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        problems = message_problems(args)
        if problems:
            return {"ok": False, "error": "invalid_blocks", "response_metadata": {"messages": problems}}
        return None

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view, user = _view(args), str(args.get("user_id", ""))
        problems = view_problems(view, "home") + ([] if self.workspace.person(user) else ["user_id: no such user"])
        if problems:
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": problems}}
        return {"ok": True, "view": {**view, "id": self.workspace.publish(user, view)}}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = _view(args)
        problems = view_problems(view, "modal")
        if problems:
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": problems}}
        view_id, error = self.workspace.open_modal(str(args.get("trigger_id", "")), view)
        if view_id is None:
            return {"ok": False, "error": error}
        return {"ok": True, "view": {**view, "id": view_id}}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view, view_id = _view(args), str(args.get("view_id", ""))
        problems = view_problems(view, "modal")
        if problems:
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": problems}}
        if not self.workspace.update_modal(view_id, view):
            return {"ok": False, "error": "not_found"}
        return {"ok": True, "view": {**view, "id": view_id}}


async def _arguments(request: web.Request) -> dict[str, Any]:
    """A Web API call's arguments: a JSON body, or a form (whose `blocks` and `view` are JSON strings)."""
    if request.content_type == "application/json":
        body = await request.json()  # ValueError when it is not JSON
        return dict(body) if isinstance(body, dict) else {}
    args: dict[str, Any] = {**request.query, **(await request.post())}
    for name in ("blocks", "view"):
        if isinstance(args.get(name), str):
            try:
                args[name] = json.loads(args[name])
            except ValueError:
                args[name] = None
    return args


def _blocks(args: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = args.get("blocks")
    return [b for b in blocks if isinstance(b, dict)] if isinstance(blocks, list) else []


def _view(args: dict[str, Any]) -> dict[str, Any]:
    view = args.get("view")
    return view if isinstance(view, dict) else {}
