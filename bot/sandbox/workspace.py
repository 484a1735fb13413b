"""The sandbox Slack workspace: its people, its conversations and what is posted in them, its views.

What the page shows is read from here, and the sandbox Slack's Web API and response URLs write
here, following Slack's documented rules: an ephemeral message is seen by one person only; a
response_url (30 minutes, 5 posts) posts a new message, or with `replace_original` /
`delete_original` changes the message it came from; a Home tab is one view per person; a modal is
opened with a trigger_id (3 seconds) and updated by its view ID.
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.people import slack_user

TEAM_ID = "T0SANDBOX"
OTHER_TEAM_ID = "T0VENDOR"  # a Slack Connect partner's workspace
BOT_USER_ID = "U0BOT"
RESPONSE_URL_SECONDS = 30 * 60
RESPONSE_URL_POSTS = 5
TRIGGER_SECONDS = 3.0


@dataclass(frozen=True)
class Person:
    """Someone the page can act as."""

    id: str
    name: str
    kind: str  # what the page says they are
    team: str = TEAM_ID
    guest: str = ""  # "multi" or "single": a guest account

    def user(self) -> dict[str, Any]:
        """The person as `users.info` answers."""
        user = slack_user(self.id, self.team, guest=self.guest)
        user.update(name=self.name, real_name=self.name.title())
        user["profile"].update(real_name=self.name.title(), display_name=self.name)
        return user


PEOPLE = (
    Person("U0ALICE", "alice", "member, on call"),
    Person("U0BOB", "bob", "member"),
    Person("U0GUS", "gus", "multi-channel guest", guest="multi"),
    Person("U0VERA", "vera", "Vendorco, in this channel through Slack Connect", team=OTHER_TEAM_ID),
)


@dataclass(frozen=True)
class Conversation:
    """A channel, or a person's direct messages with the bot."""

    id: str
    name: str
    bot_member: bool = True


CONVERSATIONS = (
    Conversation("C0INCIDENT", "incident-api"),
    Conversation("C0AUDIT", "downtime-audit"),
    Conversation("C0RANDOM", "random", bot_member=False),
)


@dataclass
class Post:
    """One message in a conversation."""

    id: int
    channel: str
    ts: str
    author: str  # a user ID, the bot's, or "datadog" (Datadog's own Slack app)
    text: str
    blocks: list[dict[str, Any]]
    visible_to: str | None = None  # ephemeral: the one person who sees it
    edited: bool = False
    deleted: bool = False

    def as_slack(self) -> dict[str, Any]:
        """The message as Slack hands it to an app (a shortcut's `message`)."""
        message: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text}
        if self.blocks:
            message["blocks"] = self.blocks
        if self.author in (BOT_USER_ID, "datadog"):
            message["bot_id"] = "B0BOT" if self.author == BOT_USER_ID else "B0DATADOG"
        else:
            message["user"] = self.author
        return message


@dataclass
class ResponseUrl:
    """Where an app answers one command, click or shortcut."""

    channel: str
    user: str
    source: int | None  # the message clicked on, if any
    issued: float = field(default_factory=time.monotonic)
    posts: int = 0


@dataclass
class View:
    """A Home tab or a modal, as the bot last sent it."""

    id: str
    user: str
    view: dict[str, Any]


class Workspace:
    """Everything the sandbox Slack holds; `version` moves on every change (the page waits on it)."""

    def __init__(self) -> None:
        self.posts: list[Post] = []
        self.response_urls: dict[str, ResponseUrl] = {}
        self.triggers: dict[str, tuple[str, float]] = {}  # trigger_id -> (user, when issued)
        self.homes: dict[str, View] = {}  # user ID -> their Home tab
        self.modals: dict[str, View] = {}  # view ID -> an open modal
        self.version = 0
        self._ids = itertools.count(1)
        self._clock = int(time.time())

    def clear(self) -> None:
        """Nothing posted, no view, no response_url: the workspace as it starts."""
        self.posts.clear()
        self.response_urls.clear()
        self.triggers.clear()
        self.homes.clear()
        self.modals.clear()
        self.version += 1

    def person(self, user_id: str) -> Person | None:
        """The person with this ID."""
        return next((p for p in PEOPLE if p.id == user_id), None)

    def conversation(self, channel: str) -> Conversation | None:
        """The channel (or, for a `D…` ID, a person's direct messages with the bot)."""
        if channel.startswith("D") and self.person("U" + channel[1:]) is not None:
            return Conversation(channel, "direct messages")
        return next((c for c in CONVERSATIONS if c.id == channel), None)

    def post(self, channel: str, author: str, text: str, blocks: list[dict[str, Any]] | None = None,
             visible_to: str | None = None) -> Post:
        """Add a message at the end of a conversation."""
        number = next(self._ids)
        self._clock = max(self._clock + 1, int(time.time()))
        post = Post(number, channel, f"{self._clock}.{number:06d}", author, text, list(blocks or []), visible_to)
        self.posts.append(post)
        self.version += 1
        return post

    def find(self, post_id: int) -> Post | None:
        """A message by its number, unless deleted."""
        return next((p for p in self.posts if p.id == post_id and not p.deleted), None)

    def seen_by(self, user: str, channel: str) -> list[Post]:
        """What `user` sees in a conversation: its messages, and the ephemeral ones meant for them."""
        return [p for p in self.posts if p.channel == channel and not p.deleted and p.visible_to in (None, user)]

    def response_url(self, channel: str, user: str, source: int | None) -> str:
        """A new response_url's token."""
        token = secrets.token_urlsafe(12)
        self.response_urls[token] = ResponseUrl(channel, user, source)
        return token

    def respond(self, token: str, body: dict[str, Any]) -> tuple[int, str]:
        """A post to a response_url, as Slack takes it: (HTTP status, body)."""
        url = self.response_urls.get(token)
        if url is None or time.monotonic() - url.issued > RESPONSE_URL_SECONDS:
            return 404, "expired_url"
        if url.posts >= RESPONSE_URL_POSTS:
            return 404, "used_url"
        url.posts += 1
        source = self.find(url.source) if url.source is not None else None
        if body.get("delete_original"):
            if source is not None:
                source.deleted = True
                self.version += 1
            return 200, "ok"
        text, blocks = str(body.get("text") or ""), list(body.get("blocks") or [])
        if not text and not blocks:
            return 400, "no_text"
        if body.get("replace_original") and source is not None:
            source.text, source.blocks, source.edited = text, blocks, True
            if body.get("response_type") == "in_channel":
                source.visible_to = None
            self.version += 1
            return 200, "ok"
        seen_by = None if body.get("response_type") == "in_channel" else url.user
        self.post(url.channel, BOT_USER_ID, text, blocks, visible_to=seen_by)
        return 200, "ok"

    def trigger(self, user: str) -> str:
        """A trigger_id, as a click or shortcut carries one."""
        trigger_id = f"{next(self._ids)}.{int(time.time())}.{secrets.token_hex(8)}"
        self.triggers[trigger_id] = (user, time.monotonic())
        return trigger_id

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> tuple[str | None, str]:
        """views.open: (the new view ID, "") or (None, Slack's error)."""
        issued = self.triggers.pop(trigger_id, None)
        if issued is None:
            return None, "invalid_trigger_id"
        user, when = issued
        if time.monotonic() - when > TRIGGER_SECONDS:
            return None, "expired_trigger_id"
        view_id = f"V{next(self._ids):08d}"
        self.modals = {k: v for k, v in self.modals.items() if v.user != user}  # one modal at a time here
        self.modals[view_id] = View(view_id, user, view)
        self.version += 1
        return view_id, ""

    def publish(self, user: str, view: dict[str, Any]) -> str:
        """views.publish: `user`'s Home tab is now `view`; its view ID."""
        home = View(f"VHOME{user}", user, view)
        self.homes[user] = home
        self.version += 1
        return home.id

    def update_modal(self, view_id: str, view: dict[str, Any]) -> bool:
        """views.update: the open modal `view_id` shows `view` now; False when no such modal is open."""
        opened = self.modals.get(view_id)
        if opened is None:
            return False
        opened.view = view
        self.version += 1
        return True

    def modal_of(self, user: str) -> View | None:
        """The modal open for `user`, if any."""
        return next((v for v in self.modals.values() if v.user == user), None)

    def close_modal(self, view_id: str) -> None:
        """The person closed the modal."""
        if self.modals.pop(view_id, None) is not None:
            self.version += 1
