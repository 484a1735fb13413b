"""The undo plan: the `POST /api/v2/downtime` attributes that bring back a cancelled downtime. Pure.

A cancelled downtime cannot be un-cancelled; it is created again from the form captured when it was
listed (`Downtime.form`, v2 attributes whichever list it came from; see
`bot.domain.downtimes.v2_form_of_v1` for what a v1-only downtime loses). The schedule is moved to what
Datadog accepts now, as its own sync tool does:
- one-time: the original end; the start only if it is still ahead (Datadog refuses a past start);
  an end already past means nothing to restore;
- recurring: each recurrence whose first occurrence is past starts at its next occurrence (a COUNT
  counts down what is left); an occurrence in progress when it was cancelled is bridged by a
  one-off recurrence from now to its end; a recurrence with no occurrence left is dropped.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from bot.domain.downtimes import Downtime
from bot.domain.recurrence import zone as _zone

COPIED = ("scope", "message", "mute_first_recovery_notification", "notify_end_states", "notify_end_types",
          "display_timezone")
MAX_RECURRENCES = 5  # Datadog's limit per downtime
MAX_OCCURRENCES = 100_000  # past occurrences walked to find the next one
BRIDGE_RULE = "FREQ=DAILY;COUNT=1"
_COUNT = re.compile(r"(?:^|;)COUNT=(\d+)", re.IGNORECASE)
_UNTIL = re.compile(r"(UNTIL=)([0-9TZ]+)", re.IGNORECASE)


class Why(StrEnum):
    """Why a downtime is not restored (the views say it in words; the audit record keeps the value)."""

    NOT_CAPTURED = "not_captured"  # its form was not captured when it was listed
    ENDED = "ended"  # a one-time downtime whose end has passed
    NO_OCCURRENCE_LEFT = "no_occurrence_left"  # a recurrence with nothing left to run
    GONE_SINCE = "gone_since"  # an end-later's downtime, cancelled or ended in Datadog since


@dataclass(frozen=True)
class Skip:
    """Why one downtime is not restored; `ended`: when, for Why.ENDED."""

    why: Why
    ended: datetime | None = None


@dataclass(frozen=True)
class Plan:
    """How to restore one downtime: the create attributes, or why it is not restored."""

    downtime: Downtime
    attributes: dict[str, Any] | None
    skip: Skip | None = None

    @property
    def why_not(self) -> Skip:
        """Why it is not restored (a plan without attributes always has a reason)."""
        return self.skip or Skip(Why.NOT_CAPTURED)


def plan(downtime: Downtime, now: datetime) -> Plan:
    """The create request for `downtime` as of `now` (aware), or the reason it cannot be restored."""
    form = downtime.form
    if not form.get("scope") or not form.get("monitor_identifier"):
        return Plan(downtime, None, Skip(Why.NOT_CAPTURED))
    attributes = {k: form[k] for k in COPIED if form.get(k) is not None}
    identifier = form["monitor_identifier"]
    attributes["monitor_identifier"] = (
        {"monitor_id": identifier["monitor_id"]} if identifier.get("monitor_id")
        else {"monitor_tags": list(identifier.get("monitor_tags") or ["*"])}
    )
    schedule = form.get("schedule") or {}
    moved = _recurring(schedule, now) if schedule.get("recurrences") else _one_time(schedule, now)
    if isinstance(moved, Skip):
        return Plan(downtime, None, moved)
    if moved:
        attributes["schedule"] = moved
    return Plan(downtime, attributes)


def _one_time(schedule: dict[str, Any], now: datetime) -> dict[str, Any] | Skip:
    start, end = parse_time(schedule.get("start")), parse_time(schedule.get("end"))
    if end is not None and end <= now:
        return Skip(Why.ENDED, end)
    moved: dict[str, Any] = {}
    if start is not None and start > now:
        moved["start"] = start.isoformat()
    if end is not None:
        moved["end"] = end.isoformat()
    return moved


def _recurring(schedule: dict[str, Any], now: datetime) -> dict[str, Any] | Skip:
    zone_name = str(schedule.get("timezone") or "UTC")
    zone = _zone(zone_name)
    local_now = now.astimezone(zone)
    recurrences: list[dict[str, Any]] = []
    for recurrence in schedule.get("recurrences") or []:
        rule, duration = str(recurrence.get("rrule") or ""), str(recurrence.get("duration") or "")
        if not rule or not duration:
            continue
        start = _parse_local(recurrence.get("start"), zone)
        if start is None or start > local_now:
            recurrences.append({k: v for k, v in recurrence.items() if k in ("rrule", "duration", "start") and v})
            continue
        following = _next_occurrence(rule, start, local_now)
        if following is not None:
            next_start, next_rule = following
            recurrences.append(
                {"rrule": next_rule, "duration": duration, "start": next_start.strftime("%Y-%m-%dT%H:%M")}
            )
    current = schedule.get("current_downtime") or {}
    began, ends = parse_time(current.get("start")), parse_time(current.get("end"))
    in_progress = began is not None and ends is not None and began <= now and ends - now >= timedelta(minutes=1)
    if in_progress and ends is not None and len(recurrences) < MAX_RECURRENCES:
        # The rest of the occurrence in progress; no start: it begins the moment it is created.
        # Whole minutes, rounded up: the bridge ends no earlier than the occurrence it stands for.
        minutes = -(-int((ends - now).total_seconds()) // 60)
        recurrences.insert(0, {"rrule": BRIDGE_RULE, "duration": f"{minutes}m"})
    if not recurrences:
        return Skip(Why.NO_OCCURRENCE_LEFT)
    return {"recurrences": recurrences[:MAX_RECURRENCES], "timezone": zone_name}


def _next_occurrence(rule: str, start: datetime, after: datetime) -> tuple[datetime, str] | None:
    """The first occurrence after `after` and the rule to start there (COUNT reduced), or None if none is left."""
    count = _COUNT.search(rule)
    plain = _COUNT.sub("", rule).strip(";")
    # dateutil wants UNTIL in UTC when the start has a time zone; a floating UNTIL is local time.
    plain = _UNTIL.sub(lambda m: m.group(1) + _utc_until(m.group(2), start), plain)
    try:
        occurrences = rrulestr(plain, dtstart=start)
        following = occurrences.after(after)
        past = 0
        for occurrence in itertools.islice(occurrences if count else (), MAX_OCCURRENCES):
            if occurrence > after:
                break
            past += 1
    except (ValueError, TypeError):  # a rule dateutil cannot read: nothing to schedule from it
        return None
    if following is None:
        return None
    if count is None:
        return following, rule
    left = int(count.group(1)) - past
    return (following, _COUNT.sub(lambda m: m.group(0).replace(m.group(1), str(left)), rule)) if left > 0 else None


def _utc_until(value: str, start: datetime) -> str:
    if value.upper().endswith("Z"):
        return value
    try:
        local = datetime.strptime(value[:15], "%Y%m%dT%H%M%S" if "T" in value else "%Y%m%d")
    except ValueError:
        return value
    return local.replace(tzinfo=start.tzinfo).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_time(value: Any) -> datetime | None:
    """A v2 schedule time (ISO 8601; no offset is UTC) as an aware datetime, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_local(value: Any, zone: ZoneInfo) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=zone)
    except ValueError:
        return None

