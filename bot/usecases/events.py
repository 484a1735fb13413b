"""Datadog's record names the person, Slack-free: one event per confirmed cancel, end-later and restore.

Datadog's audit trail shows the application key's owner for every change the bot makes; who asked
is known only in Slack. So each confirmed action also posts an event (`POST /api/v1/events`, API key
only) naming the Slack user (name and ID), the workspace and channel, the reason, the scope and the
downtime IDs, tagged `downtime_id:<id>` for each downtime and with the scope's tags, so that it shows
in the event stream and beside the monitors the downtimes silenced.

The event says what was confirmed, and is sent with the action's own first round of Datadog calls,
so that it costs the click no round trip: what Datadog did to each downtime is in the channel report
and in Datadog's audit trail. Posting it never delays or fails the action (its own short time budget,
one attempt, every failure returned, never raised).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.datadog.api import DowntimeAPI
from bot.datadog.http import time_budget
from bot.domain.actor import Actor
from bot.domain.downtimes import Downtime
from bot.domain.scope import Selection
from bot.domain.selection import Target
from bot.domain.when import Deadline
from bot.errors import DatadogError

EVENT_SECONDS = 10.0  # the event's own time budget, apart from the action's
MAX_TAGS = 100
MAX_TITLE = 200  # a scope can be 2,000 characters; the text holds it whole
MAX_TEXT = 4000  # Datadog's limit on an event's text (the spec's maxLength)
MAX_IDS_SHOWN = 60  # 60 v2 IDs fit in the text with room to spare


class Did(StrEnum):
    """What was confirmed."""

    CANCEL = "cancel"
    END_LATER = "end_later"
    RESTORE = "restore"


@dataclass(frozen=True)
class Asked:
    """A confirmed action, as the event tells it."""

    did: Did
    actor: Actor
    name: str  # the Slack user's name ("" when Slack did not say)
    scope: Selection
    downtimes: tuple[Downtime, ...]
    reason: str = ""
    deadline: Deadline | None = None
    notify: tuple[str, ...] = ()  # the states a cancel was set to notify for


@dataclass(frozen=True)
class Posted:
    """The event is in Datadog's stream; `url` links it ("" when Datadog gave no link)."""

    url: str


def _plain(text: str) -> str:
    """User text inside the event's markdown block: one line, and never the block's own fence."""
    return " ".join(text.replace("%%%", "%").split())


def title(asked: Asked) -> str:
    """The event's title: what was confirmed, by whom, on which scope."""
    count = len(asked.downtimes)
    what = f"{count} downtime{'' if count == 1 else 's'} {asked.scope.where.replace('`', '')}"
    who = _plain(asked.name) or asked.actor.user
    if asked.did is Did.END_LATER and asked.deadline is not None:
        verb = f"End at {_when(asked.deadline)}"
    else:
        verb = "Restore" if asked.did is Did.RESTORE else "Cancel"
    return f"{verb} confirmed in Slack by {who}: {what}"[:MAX_TITLE]


def text(asked: Asked) -> str:
    """The event's body (markdown), within Datadog's limit."""
    actor = asked.actor
    who = f"**{_plain(asked.name)}** (Slack user {actor.user})" if asked.name else f"Slack user {actor.user}"
    where = f"workspace {actor.team}" + (f", organisation {actor.enterprise}" if actor.enterprise else "")
    doing = {
        Did.CANCEL: "cancel",
        Did.END_LATER: f"end at {_when(asked.deadline)}" if asked.deadline else "end later",
        Did.RESTORE: "restore (create again)",
    }[asked.did]
    lines = [f"{who} confirmed in Slack, in channel {actor.channel} ({where}): {doing} "
             f"{len(asked.downtimes)} downtime{'' if len(asked.downtimes) == 1 else 's'} {asked.scope.where}."]
    if asked.notify:
        lines.append(f"Set to notify on cancel for monitors in: {', '.join(asked.notify)}.")
    if asked.reason:
        lines.append(f"Reason: {_plain(asked.reason)}")
    keys = [d.key for d in asked.downtimes]
    shown = ", ".join(keys[:MAX_IDS_SHOWN]) + (f" …and {len(keys) - MAX_IDS_SHOWN} more" if len(keys) > MAX_IDS_SHOWN
                                               else "")
    lines.append(f"Downtimes: {shown}")
    lines.append("Datadog's audit trail shows the bot's application key for these changes; this event says who "
                 "asked. The report in the Slack channel says what Datadog did to each downtime.")
    body = "\n".join(lines)
    return f"%%% \n{body[: MAX_TEXT - 12]}\n %%%"


def tags(asked: Asked) -> list[str]:
    """`downtime_id:` for each downtime (both IDs of one listed by both APIs), the scope's tags (for a monitor or
    IDs, those of what they found, and `monitor_id:` for each monitor asked for), who and what."""
    asked_for = [f"monitor_id:{m}" for m in asked.scope.ids] if isinstance(asked.scope, Target) and \
        asked.scope.kind == "monitor" else []
    found: list[str] = [f"downtime_action:{asked.did.value}", f"slack_user:{asked.actor.user}", *asked_for,
                        *asked.scope.tags]
    for d in asked.downtimes:
        found.extend(f"downtime_id:{i}" for i in (d.v1_id, d.v2_id) if i is not None)
    return list(dict.fromkeys(found))[:MAX_TAGS]


async def post(api: DowntimeAPI, asked: Asked) -> Posted | DatadogError:
    """Post the event once, within its own time budget; the failure instead of raising."""
    try:
        with time_budget(EVENT_SECONDS):
            return Posted(await api.post_event(title(asked), text(asked), tags(asked)))
    except DatadogError as error:
        return error


def _when(deadline: Deadline | None) -> str:
    if deadline is None:
        return ""
    local: datetime = deadline.local()
    return f"{local:%Y-%m-%d %H:%M} {deadline.zone}"
