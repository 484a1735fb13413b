"""Block Kit to HTML, as Slack's client draws it: the page and the pictures in `docs/` both use this renderer.

Covers what the bot sends (section with text, fields and a button accessory; context; actions of
buttons with their confirm dialogs; divider; header) and Slack's mrkdwn: `*bold*`, `_italic_`,
`~strike~`, `` `code` ``, fenced code, `>` quotes, `<url|links>`, `<@U…>` and `<#C…>` mentions,
`<!date^…>` times and `:emoji:`. Anything else is drawn as a visible "unsupported" box and listed in
`Rendered.unsupported`, so a new kind of block cannot slip into a message unseen.

Text arrives escaped as Slack escapes it (`&amp;`, `&lt;`, `&gt;`); everything is escaped again for
HTML, so nothing a message holds becomes markup on the page.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.sandbox.emoji import EMOJI

Names = Callable[[str], str]  # a user or channel ID -> the name to show


@dataclass
class Rendered:
    """One rendering: its HTML, and the block and element types it could not draw."""

    names: Names = field(default=lambda key: key)
    unsupported: list[str] = field(default_factory=list)

    def blocks(self, blocks: list[dict[str, Any]], fallback: str = "") -> str:
        """A message or view's blocks (or, with none, its `text`)."""
        if not blocks:  # Slack shows the text as a mrkdwn section
            return self.block({"type": "section", "text": {"type": "mrkdwn", "text": fallback}})
        return "".join(self.block(b) for b in blocks)

    def block(self, block: dict[str, Any]) -> str:
        kind = str(block.get("type"))
        block_id = str(block.get("block_id", ""))  # rides in a button's data-action, escaped with it
        if kind == "section":
            parts = []
            if block.get("text"):
                parts.append(f'<div class="bk-text">{self.text(block["text"])}</div>')
            if block.get("fields"):
                cells = "".join(f'<div class="bk-field">{self.text(f)}</div>' for f in block["fields"])
                parts.append(f'<div class="bk-fields">{cells}</div>')
            accessory = block.get("accessory")
            body = f'<div class="bk-section-body">{"".join(parts)}</div>'
            side = f'<div class="bk-accessory">{self.element(accessory, block_id)}</div>' if accessory else ""
            return f'<div class="bk-section">{body}{side}</div>'
        if kind == "context":
            items = "".join(f'<span class="bk-context-item">{self.element(e, block_id)}</span>'
                            for e in block.get("elements", []))
            return f'<div class="bk-context">{items}</div>'
        if kind == "actions":
            buttons = "".join(self.element(e, block_id) for e in block.get("elements", []))
            return f'<div class="bk-actions">{buttons}</div>'
        if kind == "divider":
            return '<hr class="bk-divider">'
        if kind == "header":
            return f'<div class="bk-header">{self.text(block.get("text") or {})}</div>'
        return self._unsupported(f"block {kind}")

    def element(self, element: dict[str, Any], block_id: str) -> str:
        kind = str(element.get("type"))
        if kind in ("mrkdwn", "plain_text"):
            return self.text(element)
        if kind == "image":
            src = html.escape(str(element.get("image_url", "")), quote=True)
            alt = html.escape(str(element.get("alt_text", "")), quote=True)
            return f'<img class="bk-image" src="{src}" alt="{alt}">'
        if kind == "button":
            return self.button(element, block_id)
        return self._unsupported(f"element {kind}")

    def button(self, button: dict[str, Any], block_id: str) -> str:
        """A button; what a click sends (and its confirm dialog) rides in `data-action`."""
        action: dict[str, Any] = {"action_id": button.get("action_id", ""), "block_id": block_id,
                                  "value": button.get("value", "")}
        if button.get("url"):
            action["url"] = button["url"]
        confirm = button.get("confirm")
        if confirm:
            action["confirm"] = {"title": _plain(confirm.get("title")), "text": self.text(confirm.get("text") or {}),
                                 "confirm": _plain(confirm.get("confirm")) or "Yes",
                                 "deny": _plain(confirm.get("deny")) or "Cancel", "style": confirm.get("style", "")}
        style = {"danger": " bk-danger", "primary": " bk-primary"}.get(str(button.get("style")), "")
        data = html.escape(json.dumps(action), quote=True)
        return f'<button type="button" class="bk-button{style}" data-action="{data}">' \
               f'{self.text(button.get("text") or {})}</button>'

    def text(self, text: dict[str, Any]) -> str:
        """A text object: mrkdwn, or plain text (where only emoji are drawn)."""
        if text.get("type") == "mrkdwn":
            return self.mrkdwn(str(text.get("text", "")))
        return _emoji(html.escape(str(text.get("text", ""))))

    def mrkdwn(self, text: str) -> str:
        """Slack's mrkdwn as HTML."""
        kept: list[str] = []

        def keep(piece: str) -> str:
            kept.append(piece)
            return f"\x00{len(kept) - 1}\x00"

        text = re.sub(r"```(.+?)```", lambda m: keep(f"<pre>{_escaped(self._plain_entities(m.group(1)))}</pre>"),
                      text, flags=re.S)
        text = re.sub(r"`([^`\n]+)`", lambda m: keep(f"<code>{_escaped(self._plain_entities(m.group(1)))}</code>"),
                      text)
        text = re.sub(r"<([^<>\n]+)>", lambda m: keep(self._entity(m.group(1))), text)
        shown = _escaped(text)
        shown = re.sub(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])", r"<b>\1</b>", shown)
        shown = re.sub(r"(?<![\w])_(?!\s)([^_\n]+?)_(?![\w])", r"<i>\1</i>", shown)
        shown = re.sub(r"(?<![\w~])~(?!\s)([^~\n]+?)~(?![\w~])", r"<s>\1</s>", shown)
        lines = shown.split("\n")
        shown = "<br>".join(f'<span class="bk-quote">{line[5:]}</span>' if line.startswith("&gt; ") else line
                            for line in lines)
        shown = _emoji(shown)
        return re.sub("\x00([0-9]+)\x00", lambda m: kept[int(m.group(1))], shown)

    def _entity(self, inner: str) -> str:
        """One `<…>`: a mention, a channel, a special mention, a date, or a link."""
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return f'<span class="bk-mention">@{html.escape(self.names(target[1:]))}</span>'
        if target.startswith("#"):
            name = label or self.names(target[1:])
            return f'<span class="bk-mention">#{html.escape(name)}</span>'
        if target.startswith("!date^"):
            return f'<time title="{html.escape(label, quote=True)}">{html.escape(_date(target, label))}</time>'
        if target.startswith("!"):
            return f'<span class="bk-mention">@{html.escape(target[1:].split("^")[0])}</span>'
        href = html.escape(html.unescape(target), quote=True)
        shown = _escaped(label) if label else html.escape(html.unescape(target))
        return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{shown}</a>'

    def _plain_entities(self, text: str) -> str:
        """Inside code, a link is its label and a mention its name, as Slack shows them there."""
        def plain(match: re.Match[str]) -> str:
            target, _, label = match.group(1).partition("|")
            return label or target
        return re.sub(r"<([^<>\n]+)>", plain, text)

    def _unsupported(self, what: str) -> str:
        self.unsupported.append(what)
        return f'<div class="bk-unsupported">unsupported {html.escape(what)}</div>'


def to_html(blocks: list[dict[str, Any]], fallback: str = "", names: Names | None = None) -> str:
    """The HTML of blocks (or of `fallback` text when there are none)."""
    return Rendered(names or (lambda key: key)).blocks(blocks, fallback)


def _escaped(text: str) -> str:
    """Slack-escaped text as HTML: Slack's entities undone, then everything escaped for HTML."""
    return html.escape(html.unescape(text), quote=False)


def _plain(text: Any) -> str:
    return str((text or {}).get("text", "")) if isinstance(text, dict) else ""


def _emoji(shown: str) -> str:
    return re.sub(r":([a-z0-9_+-]+):", lambda m: EMOJI.get(m.group(1), m.group(0)), shown)


def _date(target: str, fallback: str) -> str:
    """`<!date^epoch^{date_short_pretty} {time}|…>` as Slack draws it, in UTC (the sandbox's readers' zone)."""
    parts = target.split("^")
    try:
        moment = datetime.fromtimestamp(int(parts[1]), UTC)
    except (IndexError, ValueError):
        return fallback
    shape = parts[2] if len(parts) > 2 else "{date_short_pretty} {time}"
    today = datetime.now(UTC).date()
    pretty = {today: "today", today + timedelta(days=1): "tomorrow", today - timedelta(days=1): "yesterday"}.get(
        moment.date(), f"{moment:%b} {moment.day}")
    return (shape.replace("{date_short_pretty}", pretty).replace("{date_short}", f"{moment:%b} {moment.day}")
            .replace("{date}", f"{moment:%B} {moment.day}, {moment.year}").replace("{time}", f"{moment:%H:%M} UTC"))
