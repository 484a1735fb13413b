"""`/cancel-downtime list`: the live downtimes grouped by scope, each with the command that cancels it. Pure."""

from __future__ import annotations

from bot import COMMAND
from bot.domain.downtimes import Downtime
from bot.domain.matching import group_by_scope
from bot.domain.selection import by_ids
from bot.slack.views.blocks import ROOM, Message, context, downtime_link, join_within, message, plural, quote, section
from bot.slack.views.describe import MAX_SHOWN


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
        command = members[0].canonical_scope or by_ids(d.key for d in members)
        how = f"`{COMMAND} {command}`" if command else "_not a plain tag list; cancel them by ID or in Datadog_"
        top = f"*{quote(scope_text, 200)}* ({len(members)})\n{how}\n"
        blocks.append(section(top + join_within([downtime_link(d, ui_url) for d in members], ROOM - len(top))))
    if len(groups) > MAX_SHOWN:
        rest = groups[MAX_SHOWN:]
        blocks.append(context(
            f"…and {plural(len(rest), 'more scope')} ({plural(sum(len(m) for _, m in rest))}). "
            "Datadog's downtime page has them all."
        ))
    return message(f"{len(downtimes)} downtimes in {len(groups)} scopes.", *blocks)
