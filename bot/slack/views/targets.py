"""What the bot answers when a monitor or downtime IDs (not a scope) give nothing to cancel. Pure."""

from __future__ import annotations

from bot import COMMAND
from bot.datadog.api import Observed
from bot.domain.selection import Target
from bot.slack.views.blocks import Message, context, message, quote, section, slack_date
from bot.slack.views.describe import MAX_SHOWN
from bot.usecases.preview import Preview


def nothing_for(preview: Preview, target: Target, ui_url: str) -> Message:
    """A monitor nothing silences (or Datadog does not know), or downtime IDs none of which is live."""
    lines = []
    if target.kind == "monitor":
        for monitor in preview.monitors:
            name = f" ({quote(monitor.name, 80)})" if monitor.name else ""
            lines.append(f"• <{ui_url}/monitors/{monitor.id}|Monitor {monitor.id}>{name}: no active downtime silences "
                         f"it{', and it is ' + quote(monitor.state, 20) if monitor.state else ''}.")
        lines.extend(f"• Monitor `{m}`: Datadog knows no such monitor (deleted, or another organisation's)."
                     for m in preview.unknown_monitors)
        which = "that monitor." if len(target.ids) == 1 else "those monitors."
        head = f":information_source: *Nothing to cancel:* no active downtime silences {which}"
        tail = f"A downtime scheduled to start later is not counted by Datadog here: `{COMMAND} list` shows those."
    else:
        for downtime_id, seen in preview.gone:
            lines.append(f"• `{downtime_id}`: " + _fate(seen))
        which = "that downtime is" if len(target.ids) == 1 else "none of those downtimes is"
        head = f":information_source: *Nothing to cancel:* {which} active or scheduled."
        tail = f"`{COMMAND} list` shows every live downtime."
    text = head.replace(":information_source: ", "").replace("*", "")
    return message(text, section(head + "\n" + "\n".join(lines[:MAX_SHOWN])), context(tail))


def _fate(seen: Observed) -> str:
    if seen.state == "missing":
        return "Datadog knows no downtime with this ID (a typo, or another organisation's)."
    if seen.state == "canceled":
        return "already cancelled" + (f" {slack_date(int(seen.at))}." if seen.at else ".")
    if seen.state == "ended":
        return "already ended" + (f" {slack_date(int(seen.at))}." if seen.at else ".")
    return "not live."
