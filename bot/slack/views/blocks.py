"""Block Kit helpers within Slack's limits: escaping, clipping, sections, buttons, links, dates. Pure.

Each builder in `bot.slack.views` returns a `Message`: a plain `text` fallback plus `blocks`, both
within Slack's limits. Anything that came from a user or from Datadog passes through `escape` (or
`quote`) so it can never become a mention, a link or a broadcast; nothing is cut mid-link or mid-entity.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.domain.downtimes import Downtime
from bot.domain.when import Deadline

Message = dict[str, Any]

SECTION_LIMIT = 3000
MAX_BLOCKS = 50
TEXT_LIMIT = 3000
ROOM = SECTION_LIMIT - 100  # what a section may fill before its own count line


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup, as Slack itself does."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(text: str, limit: int) -> str:
    """Text from a user or Datadog, escaped, on one line, and clipped to `limit` characters (never mid-entity)."""
    return clip(escape(" ".join(text.split())), limit)


def section(markdown: str) -> dict[str, Any]:
    """A mrkdwn section, clipped to Slack's limit."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(markdown, SECTION_LIMIT)}}


def context(markdown: str) -> dict[str, Any]:
    """A small-print context block, clipped to Slack's limit."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(markdown, SECTION_LIMIT)}]}


def clip(text: str, limit: int) -> str:
    """`text` within `limit` characters, ending in "…" when cut; never inside a `<link>` or an `&entity;`."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):
        cut = cut[:opened]
    ampersand = cut.rfind("&")
    if ampersand > cut.rfind(";") and ampersand >= len(cut) - 6:
        cut = cut[:ampersand]
    return cut + "…"


def join_within(
    items: list[str], budget: int, *, separator: str = ", ", what: str = "more", total: int | None = None
) -> str:
    """As many whole items as fit in `budget` characters, then "…and N more": nothing cut, the count true.

    `total` is how many items the list stands for when `items` holds only the first of them.
    """
    count = len(items) if total is None else total
    shown: list[str] = []
    used = 0
    for item in items:
        rest = count - len(shown) - 1
        tail = len(f"{separator}…and {rest} {what}") if rest else 0
        cost = len(item) + (len(separator) if shown else 0)
        if used + cost + tail > budget:
            break
        shown.append(item)
        used += cost
    left = count - len(shown)
    text = separator.join(shown)
    return text + (f"{separator if shown else ''}…and {left} {what}" if left else "")


def message(text: str, *blocks: dict[str, Any]) -> Message:
    """Blocks with their plain-text fallback, within Slack's limits.

    Builders keep under MAX_BLOCKS themselves; past it, the last sections give way to a count, and
    the buttons are always kept.
    """
    kept = list(blocks)
    if len(kept) > MAX_BLOCKS:
        actions = [b for b in kept if b["type"] == "actions"]
        others = [b for b in kept if b["type"] != "actions"]
        room = MAX_BLOCKS - len(actions) - 1
        kept = [*others[:room], context(f"…and {len(others) - room} more parts not shown."), *actions]
    return {"text": clip(text, TEXT_LIMIT), "blocks": kept}


def plural(count: int, word: str = "downtime") -> str:
    """`1 downtime`, `2 downtimes`."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def button(action_id: str, text: str, value: str, *, danger: bool = False,
            confirm: tuple[str, str, str] | None = None) -> dict[str, Any]:
    """A button; `confirm` is the (title, text, yes) of Slack's confirmation dialog before it acts."""
    button: dict[str, Any] = {"type": "button", "action_id": action_id,
                              "text": {"type": "plain_text", "text": text}, "value": value}
    if danger:
        button["style"] = "danger"
    if confirm is not None:
        title, body, yes = confirm
        button["confirm"] = {
            "title": {"type": "plain_text", "text": title},
            "text": {"type": "mrkdwn", "text": body},
            "confirm": {"type": "plain_text", "text": yes},
            "deny": {"type": "plain_text", "text": "Go back"},
            "style": "danger",
        }
    return button


def id_link(key: str | int, ui_url: str) -> str:
    """A downtime ID linked to its page in the Datadog UI."""
    return f"<{ui_url}/monitors/downtimes?id={key}|{key}>"


def downtime_link(downtime: Downtime, ui_url: str) -> str:
    """The downtime's ID, linked to its page in the Datadog UI."""
    return id_link(downtime.key, ui_url)


def slack_date(epoch: int | None, fallback: str = "") -> str:
    """A time shown in each reader's own time zone, with a UTC fallback for clients that cannot."""
    if epoch is None:
        return fallback
    utc = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{utc}>"


def ids_section(reason: str, links: list[str]) -> dict[str, Any]:
    """A reason, never cut, then as many whole links as fit and the count of the rest."""
    return section(f"{reason}\n{join_within(links, ROOM - len(reason))}")


def deadline_text(deadline: Deadline) -> str:
    """The end-later time, spelled out with its zone (the requester's, or the one they named) and in UTC."""
    local = deadline.local()
    shown = f"{local:%a %Y-%m-%d %H:%M} {escape(deadline.zone)}"
    if deadline.zone == "UTC":
        return shown
    return shown + f" ({datetime.fromtimestamp(deadline.at, UTC):%Y-%m-%d %H:%M} UTC)"


def deadline_short(deadline: Deadline) -> str:
    """The end-later time for a button: its hour and minute, with the day when it is not today."""
    local = deadline.local()
    today = datetime.now(local.tzinfo).date()
    return f"{local:%H:%M}" if local.date() == today else f"{local:%a %d %b %H:%M}"
