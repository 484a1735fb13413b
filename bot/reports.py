"""Block Kit builders that show downtimes before anything is done: the prompt, near misses, list mode.

Pure data like `bot.messages`; everything from Datadog (messages, creators, scopes) is escaped.
Every message stays within Slack's limits whatever the input: lists show a bounded number of
entries and count the rest, reasons come before the IDs they explain, and nothing is cut mid-link.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot import COMMAND
from bot.downtimes import Downtime, group_by_scope
from bot.errors import DatadogError
from bot.messages import (
    AND_RULE,
    CONFIRM_ACTION,
    CONFIRM_ACTIVE_ACTION,
    KEEP_ACTION,
    PREVIEW_ACTION,
    SECTION_LIMIT,
    Message,
    context,
    explain,
    join_within,
    message,
    quote,
    section,
)
from bot.scope import Scope
from bot.workflows import Preview

MAX_SHOWN = 10  # downtimes (or groups) described one by one; the rest are counted
SHORT_SCOPE = 300  # longer scopes are not spelled out tag by tag a second time
ROOM = SECTION_LIMIT - 100  # what a section may fill before its own count line


def downtime_link(downtime: Downtime, ui_url: str) -> str:
    """The downtime's ID, linked to its page in the Datadog UI."""
    return id_link(downtime.key, ui_url)


def id_link(key: str | int, ui_url: str) -> str:
    """A downtime ID linked to its page in the Datadog UI."""
    return f"<{ui_url}/monitors/downtimes?id={key}|{key}>"


def slack_date(epoch: int | None, fallback: str = "") -> str:
    """A time shown in each reader's own time zone, with a UTC fallback for clients that cannot."""
    if epoch is None:
        return fallback
    utc = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{utc}>"


def describe(downtime: Downtime, ui_url: str, *, cancelled: bool = False) -> str:
    """One downtime in a line or two: link, API, monitor, times, recurrence, creator, message.

    Every part from Datadog is bounded, so a description is at most about 1,200 characters.
    """
    if cancelled:
        when = f"was scheduled until {slack_date(downtime.end)}" if downtime.end else "had no end date"
    elif downtime.status == "scheduled":
        starts = slack_date(downtime.start, "at an unknown time")
        when = f"starts {starts}, until {slack_date(downtime.end, 'cancelled')}"
    else:
        when = f"from {slack_date(downtime.start, 'an unknown time')} until {slack_date(downtime.end, 'cancelled')}"
    parts = [f"{downtime_link(downtime, ui_url)} ({downtime.api})", quote(downtime.monitor, 200), when]
    if downtime.recurrence:
        parts.append(f"recurs {quote(downtime.recurrence, 300)}")
    if downtime.creator:
        parts.append(f"by {quote(downtime.creator, 80)}")
    line = " · ".join(parts)
    if downtime.message:
        line += f"\n> {quote(downtime.message, 200)}"
    return line


def described(downtimes: tuple[Downtime, ...] | list[Downtime], ui_url: str, more: str,
               *, cancelled: bool = False) -> list[dict[str, Any]]:
    """Up to MAX_SHOWN sections, then the count of the rest."""
    blocks = [section(describe(d, ui_url, cancelled=cancelled)) for d in downtimes[:MAX_SHOWN]]
    if len(downtimes) > MAX_SHOWN:
        blocks.append(context(f"…and {len(downtimes) - MAX_SHOWN} more {more}."))
    return blocks


def plural(count: int, word: str = "downtime") -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _and_rule(scope: Scope) -> str:
    if len(scope.canonical) <= SHORT_SCOPE:
        return "That is " + " AND ".join(f"`{tag}`" for tag in scope.tags) + f". {AND_RULE}"
    return f"That is all {len(scope.tags)} tags together. {AND_RULE}"


def button(action_id: str, text: str, value: str, *, danger: bool = False,
            confirm: tuple[str, str, str] | None = None) -> dict[str, Any]:
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


def confirmation_prompt(
    preview: Preview, confirmation_id: str, ttl_seconds: float, ui_url: str, *, reason: str = ""
) -> Message:
    """The ephemeral question, listing everything the red button will cancel: active and scheduled."""
    scope, count = preview.scope, len(preview.matches)
    active, scheduled = preview.active, preview.scheduled
    recurring = sum(1 for d in preview.matches if d.recurrence)
    minutes = max(1, round(ttl_seconds / 60))
    split = f"{len(active)} active now, {len(scheduled)} scheduled" if scheduled else plural(count) + " active now"
    why = f"\n*Reason:* {quote(reason, 300)}" if reason else ""
    blocks = [section(f"*Cancel {plural(count)} on `{scope.canonical}`?* ({split})\n{_and_rule(scope)}{why}")]
    if recurring:
        blocks.append(section(
            f":repeat: *{recurring} of {'them recurs' if recurring == 1 else 'them recur'}.* Cancelling "
            "a recurring downtime ends all its future occurrences too, not only the current one."
        ))
    if active:
        blocks.append(section(f"*Active now ({len(active)})*"))
        blocks.extend(described(active, ui_url, "active, all cancelled by the red button"))
    if scheduled:
        blocks.append(section(f"*Scheduled, not started yet ({len(scheduled)})*: Datadog cancels these too"))
        blocks.extend(described(scheduled, ui_url, "scheduled, all cancelled by the red button"))
    parts = [f"{len(active)} active"] if active else []
    parts += [f"{len(scheduled)} scheduled"] if scheduled else []
    ends = " and ".join(parts) + (" downtime" if count == 1 else " downtimes") + " on this scope end now"
    if recurring:
        ends += f", with every future occurrence of the {recurring} recurring"
    buttons = [button(
        CONFIRM_ACTION, f"Cancel {'all ' if scheduled and active else ''}{plural(count)}", confirmation_id,
        danger=True,
        confirm=(f"Cancel {plural(count)}?", f"{ends}. Monitors on it will notify again; Datadog sends no "
                 "notification for alerts already in progress.", "Cancel them"),
    )]
    if active and scheduled:
        buttons.append(button(
            CONFIRM_ACTIVE_ACTION, f"Cancel only the {len(active)} active", confirmation_id,
            confirm=(f"Cancel {plural(len(active), 'active downtime')}?",
                     f"The {plural(len(scheduled), 'scheduled downtime')} on this scope "
                     f"{'is' if len(scheduled) == 1 else 'are'} kept. Monitors covered only by the active "
                     "ones will notify again.", "Cancel active ones"),
        ))
    buttons.append(button(KEEP_ACTION, "Keep downtimes", confirmation_id))
    return message(
        f"Cancel {plural(count)} on {scope.canonical}? ({split}) Use the buttons (they expire in {minutes} min).",
        *blocks,
        {"type": "actions", "block_id": "cancel_downtime_decision", "elements": buttons},
        context(f"Only you see this. The buttons expire in {minutes} minutes."),
    )


def no_match(preview: Preview, ui_url: str) -> Message:
    """Nothing to cancel: no buttons; the near misses, one per scope, each with the command that would cancel it."""
    scope = preview.scope
    head = (
        f":information_source: No active or scheduled downtime has exactly the scope `{scope.canonical}`, "
        "so there is nothing to cancel."
    )
    blocks = [section(head)]
    groups = preview.near_misses
    if groups:
        total = sum(len(members) for _, members in groups)
        blocks.append(section(f"*Close, but not the same tags:* {plural(total)} in {plural(len(groups), 'scope')}"))
        for _, members in groups[:MAX_SHOWN]:
            blocks.append(_near_miss(members, ui_url))
        if len(groups) > MAX_SHOWN:
            rest = groups[MAX_SHOWN:]
            blocks.append(context(
                f"…and {plural(len(rest), 'more scope')} ({plural(sum(len(m) for _, m in rest))}). "
                f"`{COMMAND} list` shows them all."
            ))
    else:
        blocks.append(context(f"No downtime shares these tags either. `{COMMAND} list` shows them all."))
    return message(f"No active or scheduled downtime has exactly the scope {scope.canonical}.", *blocks)


def _near_miss(members: tuple[Downtime, ...], ui_url: str) -> dict[str, Any]:
    command = members[0].canonical_scope
    how = f"`{COMMAND} {command}`" if command else "_its scope cannot be typed as a tag list_"
    head = f"{how} ({plural(len(members))})"
    lines = join_within([describe(d, ui_url) for d in members[:3]], ROOM - len(head),
                        separator="\n", what="more on this scope", total=len(members))
    block = section(f"{head}\n{lines}".rstrip())
    if command:
        block["accessory"] = button(PREVIEW_ACTION, "Preview this scope", command)
    return block


def ids_section(reason: str, links: list[str]) -> dict[str, Any]:
    """A reason, never cut, then as many whole links as fit and the count of the rest."""
    return section(f"{reason}\n{join_within(links, ROOM - len(reason))}")


def lookup_failed(scope: Scope | None, error: DatadogError) -> Message:
    """The downtimes could not be looked up (for a preview, no button is offered)."""
    what = f"the downtimes on `{scope.canonical}`, so nothing can be cancelled yet" if scope else "the downtimes"
    text = f":x: Could not look up {what}. {explain(error)}"
    return message(text, section(text))


def list_view(downtimes: list[Downtime], ui_url: str) -> Message:
    """Live downtimes grouped by scope, each group with the command that cancels it."""
    groups = group_by_scope(downtimes)
    if not groups:
        text = ":information_source: There are no active or scheduled downtimes."
        return message(text, section(text))
    scheduled = sum(1 for d in downtimes if d.status == "scheduled")
    head = f"*{plural(len(downtimes))} in {plural(len(groups), 'scope')}*"
    head += f" ({scheduled} of them scheduled, not started yet):" if scheduled else ", all active now:"
    blocks = [section(head)]
    for scope_text, members in groups[:MAX_SHOWN]:
        command = members[0].canonical_scope
        how = f"`{COMMAND} {command}`" if command else "_not a plain tag list; cancel it in Datadog_"
        top = f"*{quote(scope_text, 200)}* ({len(members)})\n{how}\n"
        blocks.append(section(top + join_within([downtime_link(d, ui_url) for d in members], ROOM - len(top))))
    if len(groups) > MAX_SHOWN:
        rest = groups[MAX_SHOWN:]
        blocks.append(context(
            f"…and {plural(len(rest), 'more scope')} ({plural(sum(len(m) for _, m in rest))}). "
            "Datadog's downtime page has them all."
        ))
    return message(f"{len(downtimes)} downtimes in {len(groups)} scopes.", *blocks)
