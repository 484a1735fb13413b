"""The answer to a scope: the prompt listing what the red button cancels, or the near misses. Pure.

Everything from Datadog (messages, creators, scopes) is escaped. Every message stays within Slack's
limits whatever the input: lists show a bounded number of entries and count the rest, reasons come
before the IDs they explain, and nothing is cut mid-link.
"""

from __future__ import annotations

from typing import Any

from bot import COMMAND
from bot.domain.downtimes import Downtime
from bot.domain.scope import Scope
from bot.slack.views.action_ids import CONFIRM_ACTION, CONFIRM_ACTIVE_ACTION, KEEP_ACTION, PREVIEW_ACTION
from bot.slack.views.blocks import (
    ROOM,
    Message,
    button,
    context,
    join_within,
    message,
    plural,
    quote,
    section,
)
from bot.slack.views.describe import MAX_SHOWN, describe, described
from bot.usecases.preview import Preview

SHORT_SCOPE = 300  # longer scopes are not spelled out tag by tag a second time
AND_RULE = (
    "Datadog cancels each downtime whose scope is *exactly* these tags, all of them together: "
    "a downtime on more tags, or on fewer, is left alone."
)


def _and_rule(scope: Scope) -> str:
    if len(scope.canonical) <= SHORT_SCOPE:
        return "That is " + " AND ".join(f"`{tag}`" for tag in scope.tags) + f". {AND_RULE}"
    return f"That is all {len(scope.tags)} tags together. {AND_RULE}"


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
