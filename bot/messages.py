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
KEEP_ACTION = "cancel_downtime_keep"
SECTION_LIMIT = 3000
TEXT_LIMIT = 3000
AND_RULE = (
    "Datadog cancels each downtime whose scope is *exactly* these tags, all of them together: "
    "a downtime on more tags, or on fewer, is left alone."
)


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup, as Slack itself does."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(markdown: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(markdown, SECTION_LIMIT)}}


def _context(markdown: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(markdown, SECTION_LIMIT)}]}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message(text: str, *blocks: dict[str, Any]) -> Message:
    return {"text": _clip(text, TEXT_LIMIT), "blocks": list(blocks)}


def help_message() -> Message:
    """Usage, with examples, for `/cancel-downtime` alone or `/cancel-downtime help`."""
    body = (
        f"*`{COMMAND} <scope>`* cancels the Datadog downtimes on exactly that scope, after you confirm.\n"
        "A scope is a list of `key:value` tags separated by commas; every tag is required (AND).\n\n"
        "*Examples*\n"
        f"• `{COMMAND} {EXAMPLE}`\n"
        f"• `{COMMAND} host:web-1.example.com`\n"
        f"• `{COMMAND} env:staging, team:payments`\n\n"
        "Matching is exact: a downtime on `env:prod,service:api` is not cancelled by `env:prod`.\n"
        "Not supported: OR, NOT, wildcards (`*`), quotes, and tags without a value."
    )
    return _message(f"Usage: {COMMAND} key:value[,key:value...], e.g. {COMMAND} {EXAMPLE}", _section(body))


def invalid_scope(error: ScopeError) -> Message:
    """Why the text is not a scope, and how to write one."""
    body = f":warning: *That is not a scope I can cancel.* {escape(error.reason)}\n{escape(error.hint)}"
    return _message(
        escape(f"Not a valid scope: {error.reason} {error.hint}"),
        _section(body),
        _context(f"Nothing was sent to Datadog. `{COMMAND} help` shows examples."),
    )


def confirmation_prompt(scope: Scope, confirmation_id: str, ttl_seconds: float) -> Message:
    """The ephemeral question: cancel the downtimes on this scope?"""
    minutes = max(1, round(ttl_seconds / 60))
    tags = " AND ".join(f"`{tag}`" for tag in scope.tags)
    body = f"*Cancel the Datadog downtimes on `{scope.canonical}`?*\nThat is {tags}. {AND_RULE}"
    confirm_button = {
        "type": "button",
        "action_id": CONFIRM_ACTION,
        "text": {"type": "plain_text", "text": "Cancel downtimes"},
        "style": "danger",
        "value": confirmation_id,
        "confirm": {
            "title": {"type": "plain_text", "text": "Cancel downtimes?"},
            "text": {
                "type": "mrkdwn",
                "text": _clip(
                    f"Monitors on `{scope.canonical}` will notify again as soon as the downtimes end. "
                    "Datadog sends no notification for alerts already in progress.",
                    300,
                ),
            },
            "confirm": {"type": "plain_text", "text": "Cancel them"},
            "deny": {"type": "plain_text", "text": "Go back"},
            "style": "danger",
        },
    }
    keep_button = {
        "type": "button",
        "action_id": KEEP_ACTION,
        "text": {"type": "plain_text", "text": "Keep downtimes"},
        "value": confirmation_id,
    }
    return _message(
        f"Cancel the Datadog downtimes on {scope.canonical}? Use the buttons (they expire in {minutes} min).",
        _section(body),
        {"type": "actions", "block_id": "cancel_downtime_decision", "elements": [confirm_button, keep_button]},
        _context(f"Only you see this. The buttons expire in {minutes} minutes."),
    )


def cancelling(scope: Scope) -> Message:
    """Replaces the prompt once confirmed, so its buttons cannot be clicked again."""
    text = f":hourglass_flowing_sand: Cancelling the downtimes on `{scope.canonical}`…"
    return _message(text, _section(text))


def kept(scope: Scope) -> Message:
    """Replaces the prompt when the requester chose to keep the downtimes."""
    text = f"Kept the downtimes on `{scope.canonical}`. Nothing was cancelled."
    return _message(text, _section(text))


def not_requester(requester_id: str) -> Message:
    """For someone who clicks another person's confirmation."""
    text = (
        f":no_entry: Only <@{escape(requester_id)}>, who asked for this cancellation, can confirm it. "
        f"Run `{COMMAND}` yourself to cancel downtimes."
    )
    return _message(text, _section(text))


def expired(scope: Scope, ttl_seconds: float) -> Message:
    """For a click on a prompt older than the confirmation lifetime."""
    minutes = max(1, round(ttl_seconds / 60))
    text = (
        f":alarm_clock: This confirmation expired (prompts are valid for {minutes} minutes). "
        f"Nothing was cancelled. Run `{COMMAND} {scope.canonical}` again."
    )
    return _message(text, _section(text))


def already_handled() -> Message:
    """For a second click, a replay, or a click on a prompt this bot no longer knows."""
    text = (
        ":information_source: This confirmation is no longer pending: it was already used, it expired, "
        f"or the bot restarted. Nothing more was cancelled. Run `{COMMAND}` again if you still need to."
    )
    return _message(text, _section(text))


def cancelled(user_id: str, scope: Scope, ids: tuple[int, ...], ui_url: str) -> Message:
    """The channel's record of a successful cancellation, each ID linked to Datadog."""
    who = f"<@{escape(user_id)}>"
    count = f"{len(ids)} downtime{'s' if len(ids) != 1 else ''}"
    head = f":white_check_mark: {who} cancelled {count} on `{scope.canonical}`:"
    links, shown = _id_links(ids, ui_url, SECTION_LIMIT - 100)
    rest = len(ids) - shown
    more = f"\n…and {rest} more." if rest else ""
    plain_ids = ", ".join(str(i) for i in ids)
    return _message(
        f"{count} cancelled on {scope.canonical} by {who}: {plain_ids}",
        _section(head),
        _section(links + more),
        _context("Monitors in this scope notify again from now on; alerts already firing send nothing new."),
    )


def nothing_matched(user_id: str, scope: Scope) -> Message:
    """The channel's record of a cancellation that found nothing to cancel."""
    text = (
        f":information_source: <@{escape(user_id)}> asked to cancel the downtimes on `{scope.canonical}`: "
        "Datadog found no active downtime with exactly this scope. Nothing was cancelled."
    )
    return _message(
        text,
        _section(text),
        _context(
            "Matching is on the exact tag set: a downtime on `env:prod,service:api` is not cancelled by "
            "`env:prod`. Downtimes created in the Datadog UI (API v2) are not reached by this command yet."
        ),
    )


def cancel_failed(user_id: str, scope: Scope, error: DatadogError, timeout_seconds: float) -> Message:
    """The channel's record of a cancellation that Datadog did not carry out, with the exact reason."""
    head = f":x: <@{escape(user_id)}> tried to cancel the downtimes on `{scope.canonical}`, but it failed."
    reason = explain(error, timeout_seconds)
    return _message(f"{head} {reason}", _section(f"{head}\n{reason}"))


def explain(error: DatadogError, timeout_seconds: float) -> str:
    """One or two sentences on what went wrong and what to do; never a key."""
    if isinstance(error, DatadogAuthError):
        return (
            "Datadog refused the bot's keys (HTTP 403): the API key or application key is wrong, or the "
            "application key lacks the `monitors_downtime` permission. Nothing was cancelled; ask whoever "
            "runs the bot to check DD_API_KEY, DD_APP_KEY and DD_SITE."
        )
    if isinstance(error, DatadogRejected):
        return f"Datadog refused the request (HTTP 400): {escape(error.detail)}. Nothing was cancelled."
    if isinstance(error, DatadogRateLimited):
        wait = f" Try again in {error.reset_seconds} s." if error.reset_seconds is not None else ""
        return f"Datadog is rate-limiting the bot (HTTP 429). Nothing was cancelled.{wait}"
    if isinstance(error, DatadogServerError):
        return (
            f"Datadog had an internal error (HTTP {error.status}). The cancellation may not have happened; "
            "check the downtimes in Datadog before trying again."
        )
    if isinstance(error, DatadogTimeout):
        return (
            f"Datadog did not answer within {timeout_seconds:g} s. The cancellation may or may not have "
            "happened; check the downtimes in Datadog before trying again."
        )
    if isinstance(error, DatadogConnectError):
        return "The bot could not connect to Datadog. Nothing was cancelled; try again in a moment."
    if isinstance(error, DatadogUnexpected):
        return (
            f"Datadog gave an answer the bot does not understand ({escape(error.detail)}). "
            "Check the downtimes in Datadog before trying again."
        )
    return f"Datadog call failed: {escape(error.detail)}."


def _id_links(ids: tuple[int, ...], ui_url: str, budget: int) -> tuple[str, int]:
    """Link as many IDs as fit in `budget` characters; return the text and how many it holds."""
    parts: list[str] = []
    used = 0
    for downtime_id in ids:
        link = f"<{ui_url}/monitors/downtimes?id={downtime_id}|{downtime_id}>"
        if used + len(link) + 2 > budget:
            break
        parts.append(link)
        used += len(link) + 2
    return ", ".join(parts), len(parts)
