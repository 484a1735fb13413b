"""The sandbox Slack's side of the conversation with the bot: what a person does on the page, sent as Slack sends it.

A command, a button click (on a message, the Home tab or a modal), a message shortcut and opening
the Home tab each become the payload Slack would send (`bot.sandbox.payloads`), signed with the
sandbox's signing secret and posted to the bot's `/slack/events`, over real HTTP. What the bot
answers in the HTTP response is handled as Slack handles it: a command's body is shown to its
author; anything but a 200 within 3 seconds is Slack's own error line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.sandbox.payloads import (
    action_body,
    command_body,
    home_opened_body,
    message_action_body,
    sign,
    signed_json,
    view_action_body,
)
from bot.sandbox.workspace import BOT_USER_ID, TEAM_ID, Person, Post, View, Workspace

APP_ID = "A0SANDBOX"
COMMAND = "/cancel-downtime"
ACK_SECONDS = 3.0  # Slack waits this long for the app's answer


@dataclass(frozen=True)
class Sent:
    """What the bot answered one request: HTTP status ("timeout": none within 3 s) and body."""

    status: int | str
    body: str


class ToBot:
    """Posts signed requests to the bot's events URL."""

    def __init__(self, workspace: Workspace, events_url: str, signing_secret: str, response_base: str) -> None:
        self.workspace = workspace
        self.events_url = events_url
        self._secret = signing_secret
        self._response_base = response_base  # the sandbox Slack's URL; response URLs hang off it
        self._session: aiohttp.ClientSession | None = None

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._session is not None:
            await self._session.close()

    async def _send(self, body: bytes, headers: dict[str, str]) -> Sent:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.post(self.events_url, data=body, headers=headers,
                                          timeout=aiohttp.ClientTimeout(total=ACK_SECONDS)) as response:
                return Sent(response.status, await response.text())
        except TimeoutError:
            return Sent("timeout", "")
        except aiohttp.ClientError as exc:
            return Sent("unreachable", type(exc).__name__)

    def _url(self, channel: str, user: str, source: int | None) -> str:
        return f"{self._response_base}/response/{self.workspace.response_url(channel, user, source)}"

    async def command(self, person: Person, channel: str, text: str) -> None:
        """`/cancel-downtime <text>` typed in `channel`."""
        conversation = self.workspace.conversation(channel)
        name = conversation.name if conversation else channel
        if person.team != TEAM_ID:  # Slack offers an app's commands only to the members of its workspace
            self._slackbot(person, channel, f"{COMMAND} is not available to you here: the app is installed in "
                                            "another organisation's workspace (Slack Connect).")
            return
        body = command_body(text, response_url=self._url(channel, person.id, None), user_id=person.id,
                            team_id=person.team, channel_id=channel, app_id=APP_ID, team_domain="sandbox",
                            channel_name=name, user_name=person.name)
        self._answered(person, channel, await self._send(body, sign(body, self._secret)), COMMAND, shown=True)

    async def click(self, person: Person, post: Post, action: dict[str, Any]) -> None:
        """A button in a message."""
        conversation = self.workspace.conversation(post.channel)
        body = action_body(
            str(action.get("action_id", "")), str(action.get("value", "")),
            response_url=self._url(post.channel, person.id, post.id), user_id=person.id, team_id=TEAM_ID,
            channel_id=post.channel, user_team_id=person.team, block_id=str(action.get("block_id", "")),
            message=None if post.visible_to else post.as_slack(), trigger_id=self.workspace.trigger(person.id),
            user_name=person.name, channel_name=conversation.name if conversation else post.channel)
        self._answered(person, post.channel, await self._send(body, sign(body, self._secret)), "The button")

    async def click_view(self, person: Person, view: View, action: dict[str, Any]) -> None:
        """A button on the Home tab or in a modal (no channel, no response_url: a trigger_id)."""
        body = view_action_body(str(action.get("action_id", "")), str(action.get("value", "")),
                                view={**view.view, "id": view.id}, trigger_id=self.workspace.trigger(person.id),
                                user_id=person.id, team_id=person.team, block_id=str(action.get("block_id", "")))
        await self._send(body, sign(body, self._secret))

    async def shortcut(self, person: Person, post: Post, callback_id: str) -> None:
        """A message shortcut used on `post`."""
        body = message_action_body(post.as_slack(), response_url=self._url(post.channel, person.id, None),
                                   trigger_id=self.workspace.trigger(person.id), callback_id=callback_id,
                                   user_id=person.id, team_id=person.team, channel_id=post.channel)
        self._answered(person, post.channel, await self._send(body, sign(body, self._secret)), "The shortcut")

    async def home_opened(self, person: Person) -> None:
        """The person opened the app's Home tab."""
        body = home_opened_body(user_id=person.id, team_id=person.team, channel="D" + person.id[1:], app_id=APP_ID)
        await self._send(body, signed_json(body, self._secret))

    def _answered(self, person: Person, channel: str, sent: Sent, what: str, *, shown: bool = False) -> None:
        """Slack shows a command's answer body (`shown`) to its author, and its own line when `what` (the command,
        the button, the shortcut) failed or timed out."""
        if sent.status == "timeout":
            self._slackbot(person, channel, f'{what} failed with the error "operation_timeout"')
        elif sent.status != 200:
            self._slackbot(person, channel, f'{what} failed with the error "dispatch_failed"')
        elif shown and sent.body.strip():
            text, blocks = _message(sent.body)
            self.workspace.post(channel, BOT_USER_ID, text, blocks, visible_to=person.id)

    def _slackbot(self, person: Person, channel: str, text: str) -> None:
        self.workspace.post(channel, "slackbot", text, visible_to=person.id)


def _message(body: str) -> tuple[str, list[dict[str, Any]]]:
    """An answer body: JSON with `text` and `blocks`, or plain text."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return body, []
    if not isinstance(parsed, dict):
        return body, []
    blocks = parsed.get("blocks")
    return str(parsed.get("text") or ""), blocks if isinstance(blocks, list) else []
