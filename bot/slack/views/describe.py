"""How one downtime is shown in every message: its link, API, monitor, times, recurrence, creator. Pure."""

from __future__ import annotations

from typing import Any

from bot.domain.downtimes import Downtime
from bot.slack.views.blocks import context, downtime_link, quote, section, slack_date

MAX_SHOWN = 10  # downtimes (or groups) described one by one; the rest are counted


def describe(downtime: Downtime, ui_url: str, *, cancelled: bool = False, with_scope: bool = False) -> str:
    """One downtime in a line or two: link, API, (its scope,) monitor, times, recurrence, creator, message.

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
    if with_scope:
        parts.insert(1, f"on `{quote(downtime.scope_text, 200)}`" if downtime.scope_text else "on every group")
    if downtime.recurrence:
        parts.append(f"recurs {quote(downtime.recurrence, 300)}")
    if downtime.creator:
        parts.append(f"by {quote(downtime.creator, 80)}")
    line = " · ".join(parts)
    if downtime.message:
        line += f"\n> {quote(downtime.message, 200)}"
    return line


def described(downtimes: tuple[Downtime, ...] | list[Downtime], ui_url: str, more: str,
               *, cancelled: bool = False, with_scope: bool = False) -> list[dict[str, Any]]:
    """Up to MAX_SHOWN sections, then the count of the rest."""
    blocks = [section(describe(d, ui_url, cancelled=cancelled, with_scope=with_scope)) for d in downtimes[:MAX_SHOWN]]
    if len(downtimes) > MAX_SHOWN:
        blocks.append(context(f"…and {len(downtimes) - MAX_SHOWN} more {more}."))
    return blocks
