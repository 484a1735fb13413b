"""The scenes the pictures in `docs/behaviour.md` show: the sandbox driven as a person drives its page.

`play(sandbox)` runs every scene in order on a fresh sandbox and returns, by picture name, what the
bot sent (the message or view JSON) and how to frame it. `tools/pictures.py` draws them with Chromium;
`tests/test_pictures.py` checks that the JSON kept beside each picture is still what the bot sends.
Times and one-off IDs are masked by `normalise`, so a picture only goes stale when the bot's words do.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.sandbox.run import Sandbox
from bot.sandbox.workspace import BOT_USER_ID, PEOPLE, Person, Post

PICTURES = Path(__file__).resolve().parents[1] / "docs" / "pictures"
ALICE, BOB, GUS, VERA = PEOPLE
INCIDENT, AUDIT = "C0INCIDENT", "C0AUDIT"


@dataclass(frozen=True)
class Shot:
    """One picture: what it shows, and the message (`text`, `blocks`) or view (`type`, `blocks`) behind it."""

    name: str
    caption: str
    kind: str  # "message", "ephemeral", "home" or "modal"
    payload: dict[str, Any]


class Stage:
    """The sandbox, acted on through the page's own handlers."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.page = sandbox.page
        self.shots: list[Shot] = []

    async def until(self, found: Callable[[], Any], within: float = 10.0) -> Any:
        """Wait until `found()` returns something (the bot answers in the background, through the sandbox Slack)."""
        return await self.page.until(found, within)

    def newest(self, channel: str, person: Person, *, after: int, ephemeral: bool | None = None,
               having: str = "") -> Post | None:
        for post in reversed(self.page.workspace.seen_by(person.id, channel)):
            shown = json.dumps(post.blocks, ensure_ascii=False) + post.text
            if post.id > after and post.author == BOT_USER_ID and having in shown \
                    and (ephemeral is None or (post.visible_to is not None) == ephemeral):
                return post
        return None

    def mark(self) -> int:
        return max((p.id for p in self.page.workspace.posts), default=0)

    async def command(self, person: Person, text: str, *, channel: str = INCIDENT, having: str = "") -> Post:
        after = self.mark()
        problem = await self.page._command(person, {"text": f"/cancel-downtime {text}", "channel": channel})
        assert not problem, problem
        post: Post = await self.until(lambda: self.newest(channel, person, after=after, having=having))
        return post

    async def click(self, person: Person, post: Post, label: str, *, having: str = "",
                    ephemeral: bool | None = None) -> Post:
        after = self.mark()
        problem = await self.page._click(person, {"post": post.id, "action": _button(post.blocks, label)})
        assert not problem, problem
        def answered() -> Post | None:  # a new message, or the clicked one changed
            changed = post.edited and having and having in json.dumps(post.blocks, ensure_ascii=False)
            return self.newest(post.channel, person, after=after, having=having, ephemeral=ephemeral) or (
                post if changed else None)

        found: Post = await self.until(answered)
        return found

    def shoot(self, name: str, caption: str, post: Post) -> None:
        kind = "ephemeral" if post.visible_to else "message"
        self.shots.append(Shot(name, caption, kind, {"text": post.text, "blocks": copy.deepcopy(post.blocks)}))

    def shoot_view(self, name: str, caption: str, kind: str, view: dict[str, Any]) -> None:
        self.shots.append(Shot(name, caption, kind, copy.deepcopy(view)))


async def played() -> tuple[list[Shot], Sandbox]:
    """Every scene on a fresh sandbox, which is stopped again (its names stay readable, for drawing)."""
    sandbox = Sandbox()
    await sandbox.start()
    try:
        return await play(sandbox), sandbox
    finally:
        await sandbox.stop()


async def play(sandbox: Sandbox) -> list[Shot]:
    """Every scene, in order; a fresh sandbox gives the same shots each time (once normalised)."""
    stage = Stage(sandbox)
    page = stage.page
    stage.shoot("help", "`/cancel-downtime help`: only its author sees it",
                await stage.command(ALICE, "help", having="Examples"))
    prompt = await stage.command(ALICE, "env:prod,service:api -- deploy finished early", having="Cancel all")
    stage.shoot("prompt", "The prompt: every downtime the click cancels, active and scheduled", prompt)
    report = await stage.click(ALICE, prompt, "Cancel all", having="Undo", ephemeral=False)
    stage.shoot("report", "The channel report, with Undo", report)
    audit = await stage.until(lambda: stage.newest(AUDIT, ALICE, after=0, having="Copy of a report"))
    stage.shoot("audit-copy", "Its copy in `AUDIT_CHANNEL_ID`, without buttons", audit)
    refused = await stage.click(VERA, report, "Undo", having="Slack Connect", ephemeral=True)
    stage.shoot("refused-outsider", "A Slack Connect outsider presses Undo", refused)
    restored = await stage.click(BOB, report, "Undo", having="restored")
    stage.shoot("restored", "Undo, pressed by another member: the report becomes the restore's", restored)
    stage.shoot("near-misses", "Nothing on exactly that scope: the near misses, each with its preview",
                await stage.command(ALICE, "service:api", having="Preview this scope"))
    stage.shoot("list", "`/cancel-downtime list`", await stage.command(ALICE, "list", having="env:staging"))
    stage.shoot("by-monitor", "By monitor: whatever silences monitor 12345",
                await stage.command(ALICE, "monitor 12345", having="12345"))
    ending = await stage.command(ALICE, "env:staging in 30m", having="env:staging")
    stage.shoot("end-later", "End later: each downtime's fate, before anything happens", ending)
    stage.shoot("ended", "The end-later report: each end moved, with Undo",
                await stage.click(ALICE, ending, "End 1 downtime", having="Undo", ephemeral=False))
    stage.shoot("refused-guest", "A guest runs the command", await stage.command(GUS, "env:staging", having="Guest"))
    stage.shoot("refused-protected", "A protected scope, by someone who is not its owner",
                await stage.command(ALICE, "env:prod,service:payments", having="protected"))
    stage.shoot("invalid-scope", "A scope the bot cannot read", await stage.command(ALICE, "env:prod OR env:dev",
                                                                                      having="OR"))
    alert = page.workspace.posts[0]
    after = stage.mark()
    await page._shortcut(ALICE, {"post": alert.id})
    stage.shoot("shortcut", "*What's muting this?* on Datadog's alert",
                await stage.until(lambda: stage.newest(INCIDENT, ALICE, after=after, having="12345")))
    await page._home(ALICE, {})
    home = await stage.until(lambda: (h := page.workspace.homes.get(ALICE.id))
                             and "Cancel…" in json.dumps(h.view, ensure_ascii=False) and h)  # the listing, read
    stage.shoot_view("home", "The Home tab: what is muted, by scope, soonest end first", "home", home.view)
    await page._click(ALICE, {"surface": "home", "action": _button(home.view["blocks"], "Cancel…")})
    modal = await stage.until(lambda: (m := page.workspace.modal_of(ALICE.id)) and "Cancel" in json.dumps(
        m.view.get("blocks")) and m)
    await stage.until(lambda: any(b.get("type") == "actions" for b in modal.view["blocks"]))
    stage.shoot_view("modal", "A Home tab scope's prompt, in a modal", "modal", modal.view)
    return stage.shots


def _button(blocks: list[dict[str, Any]], label: str) -> dict[str, Any]:
    """What the page sends when the first button whose words start with `label` is pressed."""
    for block in blocks:
        elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}]
        for element in elements:
            if element.get("type") == "button" and element["text"]["text"].startswith(label):
                return {"action_id": element["action_id"], "value": element.get("value", ""),
                        "block_id": block.get("block_id", "")}
    raise AssertionError(f"no button {label!r} in {json.dumps(blocks, ensure_ascii=False)[:300]}")


PENDING = re.compile(r"^m[0-9a-f]+\.[0-9a-f]{4}\..+$")  # a pending action's ID (bot.state.pending)
MASKS = (
    (re.compile(r"<!date\^[0-9]+\^([^|>]*)\|[^>]*>"), r"<!date^EPOCH^\1|TIME>"),
    (re.compile(r"\b[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?"), "DATE TIME"),
    (re.compile(r"\b[0-9]{1,2}:[0-9]{2}\b"), "HH:MM"),
    (re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)( [0-9]{2} [A-Z][a-z]{2})?\b"), "DAY"),
    (re.compile(r"\b[0-9]+ (s|seconds?|min|minutes?) ago\b"), "N s ago"),
    (re.compile(r"\bDAY HH:MM\b"), "HH:MM"),  # a time shown with its day only when it is not today: past midnight
)


def normalise(payload: Any) -> Any:
    """The payload with what changes from run to run masked: times, and pending-action IDs in buttons."""
    if isinstance(payload, dict):
        return {k: "PENDING" if k in ("value", "private_metadata") and isinstance(v, str) and PENDING.match(v)
                else normalise(v) for k, v in payload.items()}
    if isinstance(payload, list):
        return [normalise(v) for v in payload]
    if isinstance(payload, str):
        for pattern, mask in MASKS:
            payload = pattern.sub(mask, payload)
    return payload


def digest(payload: Any) -> str:
    """The SHA-256 of a normalised payload's canonical JSON: what a picture was drawn from."""
    canonical = json.dumps(normalise(payload), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


DRAWN_FROM = "drawn-from-sha256"  # the PNG text chunk naming the JSON a picture was drawn from


def with_text(png: bytes, key: str, value: str) -> bytes:
    """The PNG with a tEXt chunk `key`=`value` before its end."""
    data = key.encode("latin-1") + b"\0" + value.encode("latin-1")
    chunk = struct.pack(">I", len(data)) + b"tEXt" + data + struct.pack(">I", zlib.crc32(b"tEXt" + data))
    end = png.rindex(b"IEND") - 4
    return png[:end] + chunk + png[end:]


def texts(png: bytes) -> dict[str, str]:
    """The tEXt chunks of a PNG."""
    found, at = {}, 8
    while at < len(png):
        (length,), kind = struct.unpack(">I", png[at:at + 4]), png[at + 4:at + 8]
        if kind == b"tEXt":
            key, _, value = png[at + 8:at + 8 + length].partition(b"\0")
            found[key.decode("latin-1")] = value.decode("latin-1")
        at += 12 + length
    return found
