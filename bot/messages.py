"""Block Kit builders: every word the bot says and how it is laid out. Pure data, no I/O.

Each builder returns a `Message`: a plain `text` fallback plus `blocks`, both within Slack's limits.
Anything that came from a user or from Datadog passes through `escape` so it can never become a
mention, a link or a broadcast.
"""

from __future__ import annotations

from typing import Any

from bot import COMMAND
from bot.errors import (
    DatadogAuthError,
    DatadogConnectError,
    DatadogError,
    DatadogRateLimited,
    DatadogRejected,
    DatadogServerError,
    DatadogTimeout,
    DatadogUnexpected,
)
from bot.scope import EXAMPLE, Scope, ScopeError

Message = dict[str, Any]

CONFIRM_ACTION = "cancel_downtime_confirm"
CONFIRM_ACTIVE_ACTION = "cancel_downtime_confirm_active"
KEEP_ACTION = "cancel_downtime_keep"
PREVIEW_ACTION = "cancel_downtime_preview"
UNDO_ACTION = "cancel_downtime_undo"
SECTION_LIMIT = 3000
MAX_BLOCKS = 50
TEXT_LIMIT = 3000
AND_RULE = (
    "Datadog cancels each downtime whose scope is *exactly* these tags, all of them together: "
    "a downtime on more tags, or on fewer, is left alone."
)


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


def help_message() -> Message:
    """Usage, with examples, for `/cancel-downtime` alone or `/cancel-downtime help`."""
    body = (
        f"*`{COMMAND} <scope>`* cancels the Datadog downtimes on exactly that scope, after you confirm.\n"
        "A scope is a list of `key:value` tags separated by commas; every tag is required (AND).\n\n"
        "*Examples*\n"
        f"• `{COMMAND} {EXAMPLE}`\n"
        f"• `{COMMAND} host:web-1.example.com`\n"
        f"• `{COMMAND} {EXAMPLE} -- deploy finished early` gives a reason, shown in the report and the audit log\n"
        f"• `{COMMAND} list` shows the active and scheduled downtimes, grouped by scope\n"
        f"• `{COMMAND} env:staging, team:payments`\n\n"
        "Before anything is cancelled you see exactly which downtimes match, active and scheduled, and confirm "
        "with a button; the channel report then has an Undo button for a while.\n"
        "Matching is exact: a downtime on `env:prod,service:api` is not cancelled by `env:prod`; the "
        "preview then shows such near misses with the command that would cancel them.\n"
        "Not supported: OR, NOT, wildcards (`*`), quotes, and tags without a value."
    )
    return message(f"Usage: {COMMAND} key:value[,key:value...], e.g. {COMMAND} {EXAMPLE}", section(body))


def invalid_scope(error: ScopeError) -> Message:
    """Why the text is not a scope, and how to write one."""
    body = f":warning: *That is not a scope I can cancel.* {escape(error.reason)}\n{escape(error.hint)}"
    return message(
        escape(f"Not a valid scope: {error.reason} {error.hint}"),
        section(body),
        context(f"Nothing was sent to Datadog. `{COMMAND} help` shows examples."),
    )


def refused(reason: str) -> Message:
    """The access policy said no; `reason` is the policy's own sentence."""
    text = f":no_entry: {reason} Nothing was cancelled."
    return message(text, section(text))


def store_unavailable() -> Message:
    """The shared confirmation store (Redis) cannot be reached: fail closed."""
    text = (
        ":x: The bot cannot reach its confirmation store right now, so it cannot safely ask for or accept "
        "a confirmation. Nothing was cancelled. Try again in a minute; whoever runs the bot should check REDIS_URL."
    )
    return message(text, section(text))


def cancelling(scope: Scope) -> Message:
    """Replaces the prompt once confirmed, so its buttons cannot be clicked again."""
    text = f":hourglass_flowing_sand: Cancelling the downtimes on `{scope.canonical}`…"
    return message(text, section(text))


def retrying(scope: Scope, notice: str) -> Message:
    """Replaces "Cancelling…" while a Datadog call waits to be retried."""
    text = f":hourglass_flowing_sand: Cancelling the downtimes on `{scope.canonical}`… {escape(notice)}."
    return message(text, section(text))


def kept(scope: Scope) -> Message:
    """Replaces the prompt when the requester chose to keep the downtimes."""
    text = f"Kept the downtimes on `{scope.canonical}`. Nothing was cancelled."
    return message(text, section(text))


def not_requester(requester_id: str) -> Message:
    """For someone who clicks another person's confirmation."""
    text = (
        f":no_entry: Only <@{escape(requester_id)}>, who asked for this cancellation, can confirm it. "
        f"Run `{COMMAND}` yourself to cancel downtimes."
    )
    return message(text, section(text))


def expired(scope: Scope, ttl_seconds: float) -> Message:
    """For a click on a prompt older than the confirmation lifetime."""
    minutes = max(1, round(ttl_seconds / 60))
    text = (
        f":alarm_clock: This confirmation expired (prompts are valid for {minutes} minutes). "
        f"Nothing was cancelled. Run `{COMMAND} {scope.canonical}` again."
    )
    return message(text, section(text))


def already_handled() -> Message:
    """For a second click, a replay, or a click on a prompt this bot no longer knows."""
    text = (
        ":information_source: This confirmation is no longer pending: it was already used, it expired, "
        f"or the bot restarted. Nothing more was cancelled. Run `{COMMAND}` again if you still need to."
    )
    return message(text, section(text))


def undo_expired(ttl_seconds: float) -> Message:
    """For an Undo click after its window."""
    minutes = max(1, round(ttl_seconds / 60))
    text = (
        f":alarm_clock: The undo window has passed (Undo works for {minutes} minutes after a cancel). "
        "Nothing was created; create the downtimes again in Datadog if you still need them."
    )
    return message(text, section(text))


def undo_gone() -> Message:
    """For a second Undo click, a replay, or an Undo this bot no longer knows."""
    text = (
        ":information_source: This Undo is no longer available: it was already used, or the bot restarted "
        "(without Redis). Nothing more was created."
    )
    return message(text, section(text))


def explain(error: DatadogError, *, doing: str = "cancel") -> str:
    """One or two sentences on what went wrong and what to do; never a key. `doing`: "cancel" or "restore"."""
    done, act = ("restored", "restore") if doing == "restore" else ("cancelled", "cancellation")
    if isinstance(error, DatadogAuthError):
        return (
            f"Datadog refused the bot's keys (HTTP {error.status or 403}): the API key or application key is "
            "wrong, or the application key lacks the `monitors_downtime` or `monitors_read` permission. "
            f"Nothing was {done}; ask whoever runs the bot to check DD_API_KEY, DD_APP_KEY and DD_SITE."
        )
    if isinstance(error, DatadogRejected):
        return f"Datadog refused the request (HTTP 400): {quote(error.detail, 300)}. Nothing was {done}."
    if isinstance(error, DatadogRateLimited):
        wait = f" Try again in {error.reset_seconds} s." if error.reset_seconds is not None else ""
        return f"Datadog is rate-limiting the bot (HTTP 429). Nothing was {done}.{wait}"
    if isinstance(error, DatadogServerError):
        return (
            f"Datadog had an internal error (HTTP {error.status}). The {act} may not have happened; "
            "check the downtimes in Datadog before trying again."
        )
    if isinstance(error, DatadogTimeout):
        return (
            f"Datadog did not answer in time ({quote(error.detail, 200)}). The {act} may or may not have "
            "happened; check the downtimes in Datadog before trying again."
        )
    if isinstance(error, DatadogConnectError):
        return f"The bot could not connect to Datadog. Nothing was {done}; try again in a moment."
    if isinstance(error, DatadogUnexpected):
        return (
            f"Datadog gave an answer the bot does not understand ({quote(error.detail, 300)}). "
            "Check the downtimes in Datadog before trying again."
        )
    return f"Datadog call failed: {quote(error.detail, 300)}."
