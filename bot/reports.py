"""Block Kit builders that show downtimes: the preview prompt, near misses, the cancel report, list mode.

Pure data like `bot.messages`; everything from Datadog (messages, creators, scopes) is escaped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot import COMMAND
from bot.datadog import Monitor
from bot.downtimes import Downtime, group_by_scope
from bot.errors import DatadogError
from bot.messages import (
    AND_RULE,
    CONFIRM_ACTION,
    KEEP_ACTION,
    PREVIEW_ACTION,
    Message,
    context,
    escape,
    explain,
    message,
    section,
)
from bot.scope import Scope
from bot.workflows import CancelReport, Preview

MAX_SHOWN = 10  # downtimes (or groups) listed one by one; the rest are counted
MAX_MONITORS = 15


def downtime_link(downtime: Downtime, ui_url: str) -> str:
    """The downtime's ID, linked to its page in the Datadog UI."""
    return f"<{ui_url}/monitors/downtimes?id={downtime.key}|{downtime.key}>"


def slack_date(epoch: int | None, fallback: str = "") -> str:
    """A time shown in each reader's own time zone, with a UTC fallback for clients that cannot."""
    if epoch is None:
        return fallback
    utc = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{utc}>"


def describe(downtime: Downtime, ui_url: str) -> str:
    """One downtime in a line or two: link, API, monitor, times, recurrence, creator, message."""
    parts = [
        f"{downtime_link(downtime, ui_url)} ({downtime.api})",
        escape(downtime.monitor),
        f"from {slack_date(downtime.start, 'an unknown time')} until {slack_date(downtime.end, 'cancelled')}",
    ]
    if downtime.recurrence:
        parts.append(f"recurs {escape(downtime.recurrence)}")
    if downtime.creator:
        parts.append(f"by {escape(downtime.creator)}")
    line = " · ".join(parts)
    if downtime.message:
        text = downtime.message if len(downtime.message) <= 200 else downtime.message[:199] + "…"
        line += f"\n> {escape(' '.join(text.split()))}"
    return line


def _listed(downtimes: tuple[Downtime, ...] | list[Downtime], ui_url: str) -> list[dict[str, Any]]:
    blocks = [section(describe(d, ui_url)) for d in downtimes[:MAX_SHOWN]]
    if len(downtimes) > MAX_SHOWN:
        blocks.append(context(f"…and {len(downtimes) - MAX_SHOWN} more, all cancelled by the same button."))
    return blocks


def _plural(count: int, word: str = "downtime") -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def confirmation_prompt(preview: Preview, confirmation_id: str, ttl_seconds: float, ui_url: str) -> Message:
    """The ephemeral question, listing exactly what the red button will cancel."""
    scope, count = preview.scope, len(preview.matches)
    minutes = max(1, round(ttl_seconds / 60))
    tags = " AND ".join(f"`{tag}`" for tag in scope.tags)
    head = f"*Cancel {_plural(count)} on `{scope.canonical}`?*\nThat is {tags}. {AND_RULE}"
    confirm_button = {
        "type": "button",
        "action_id": CONFIRM_ACTION,
        "text": {"type": "plain_text", "text": f"Cancel {_plural(count)}"},
        "style": "danger",
        "value": confirmation_id,
        "confirm": {
            "title": {"type": "plain_text", "text": f"Cancel {_plural(count)}?"},
            "text": {
                "type": "mrkdwn",
                "text": f"Monitors on `{scope.canonical}` will notify again. Datadog sends no notification "
                "for alerts already in progress.",
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
    return message(
        f"Cancel {_plural(count)} on {scope.canonical}? Use the buttons (they expire in {minutes} min).",
        section(head),
        *_listed(preview.matches, ui_url),
        {"type": "actions", "block_id": "cancel_downtime_decision", "elements": [confirm_button, keep_button]},
        context(f"Only you see this. The buttons expire in {minutes} minutes."),
    )


def no_match(preview: Preview, ui_url: str) -> Message:
    """Nothing to cancel: no buttons; the near misses, each with the command that would cancel it."""
    scope = preview.scope
    head = (
        f":information_source: No active downtime has exactly the scope `{scope.canonical}`, "
        "so there is nothing to cancel."
    )
    blocks = [section(head)]
    if preview.near_misses:
        blocks.append(section("*Close, but not the same tags:*"))
        for downtime in preview.near_misses[:MAX_SHOWN]:
            command = downtime.canonical_scope
            how = f"`{COMMAND} {command}`" if command else "_its scope cannot be typed as a tag list_"
            block = section(f"{how}\n{describe(downtime, ui_url)}")
            if command:
                block["accessory"] = {
                    "type": "button",
                    "action_id": PREVIEW_ACTION,
                    "text": {"type": "plain_text", "text": "Preview this scope"},
                    "value": command,
                }
            blocks.append(block)
        if len(preview.near_misses) > MAX_SHOWN:
            blocks.append(context(f"…and {len(preview.near_misses) - MAX_SHOWN} more near misses."))
    else:
        blocks.append(context(f"No active downtime shares these tags either. `{COMMAND} list` shows them all."))
    return message(f"No active downtime has exactly the scope {scope.canonical}.", *blocks)


def lookup_failed(scope: Scope | None, error: DatadogError) -> Message:
    """The downtimes could not be looked up (for a preview, no button is offered)."""
    what = f"the downtimes on `{scope.canonical}`, so nothing can be cancelled yet" if scope else "the downtimes"
    text = f":x: Could not look up {what}. {explain(error)}"
    return message(text, section(text))


def cancel_report(
    user_id: str,
    scope: Scope,
    report: CancelReport,
    monitors: list[Monitor] | DatadogError | None,
    ui_url: str,
) -> Message:
    """The channel's record: every cancelled downtime, every failure, surprises, and what is alerting now."""
    who = f"<@{escape(user_id)}>"
    blocks: list[dict[str, Any]] = []
    done, failed = len(report.cancelled) + len(report.probably_cancelled), len(report.failed)
    asked = done + failed + len(report.already_gone)
    where = f"on `{scope.canonical}`"
    if failed and not done:
        summary = f":x: {who} tried to cancel {_plural(asked)} {where}, but none was cancelled."
    elif failed:
        summary = f":warning: {who} cancelled {done} of {_plural(asked)} {where}; {failed} failed."
    elif done:
        summary = f":white_check_mark: {who} cancelled {_plural(done)} {where}."
    else:
        summary = f":information_source: {who} asked to cancel {_plural(asked)} {where}: all were already gone."
    blocks.append(section(summary))
    blocks.extend(_listed(report.cancelled, ui_url))
    if report.failed:
        reasons = {explain(error) for _, error in report.failed}
        ids = ", ".join(downtime_link(d, ui_url) for d, _ in report.failed[:50])
        blocks.append(section(f"*Not cancelled:* {ids}\n" + "\n".join(sorted(reasons))))
    if report.probably_cancelled:
        ids = ", ".join(downtime_link(d, ui_url) for d in report.probably_cancelled[:50])
        blocks.append(section(
            f"*Probably cancelled:* {ids}\nAn attempt failed without an answer, and the retry found nothing "
            "left to cancel on this scope, so the first attempt most likely cancelled them."
        ))
    if report.already_gone:
        ids = ", ".join(downtime_link(d, ui_url) for d in report.already_gone[:50])
        blocks.append(section(f"*Already gone before the click* (ended or cancelled meanwhile): {ids}"))
    if report.unexpected_ids:
        ids = ", ".join(f"<{ui_url}/monitors/downtimes?id={i}|{i}>" for i in report.unexpected_ids[:50])
        blocks.append(section(f"*Datadog also cancelled downtimes that were not in the preview:* {ids}"))
    blocks.extend(_monitor_blocks(monitors, ui_url))
    return message(summary.split(" ", 1)[1].replace("`", ""), *blocks)


def _monitor_blocks(monitors: list[Monitor] | DatadogError | None, ui_url: str) -> list[dict[str, Any]]:
    if monitors is None:
        return []
    if isinstance(monitors, DatadogError):
        return [context(f"Could not check which monitors are alerting: {escape(monitors.detail)[:200]}")]
    if not monitors:
        return [context("No monitor on this scope is in Alert, Warn or No Data right now.")]
    lines = [
        f"• <{ui_url}/monitors/{m.id}|{escape(m.name) or m.id}> is *{escape(m.state)}*"
        for m in monitors[:MAX_MONITORS]
    ]
    if len(monitors) > MAX_MONITORS:
        lines.append(f"…and {len(monitors) - MAX_MONITORS} more.")
    return [
        section(
            ":rotating_light: *Already alerting, and Datadog will not notify about these again:*\n" + "\n".join(lines)
        )
    ]


def list_view(downtimes: list[Downtime], ui_url: str) -> Message:
    """Active downtimes grouped by scope, each group with the command that cancels it."""
    groups = group_by_scope(downtimes)
    if not groups:
        text = ":information_source: There are no active downtimes."
        return message(text, section(text))
    blocks = [section(f"*{_plural(len(downtimes), 'active downtime')} in {_plural(len(groups), 'scope')}:*")]
    for scope_text, members in groups[:MAX_SHOWN]:
        command = members[0].canonical_scope
        how = f"`{COMMAND} {command}`" if command else "_not a plain tag list; cancel it in Datadog_"
        ids = ", ".join(downtime_link(d, ui_url) for d in members[:20])
        more = f" and {len(members) - 20} more" if len(members) > 20 else ""
        blocks.append(section(f"*{escape(scope_text)[:200]}* ({len(members)}): {ids}{more}\n{how}"))
    if len(groups) > MAX_SHOWN:
        blocks.append(context(f"…and {len(groups) - MAX_SHOWN} more scopes. Datadog's downtime page has them all."))
    return message(f"{len(downtimes)} active downtimes in {len(groups)} scopes.", *blocks)
