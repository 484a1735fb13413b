"""Downtimes as the bot understands them, read from either of Datadog's lists. Pure: no HTTP, no Slack.

A `Downtime` carries what a person needs to recognise it (monitor, times, recurrence in words,
creator, message) and, in `form`, what it takes to create it again (undo): the v2 attributes that
Datadog's own sync tool copies, in v2 form whichever list it came from. A v1 item's fields are
mapped to v2 when it is read (`v2_form_of_v1`); what that mapping cannot carry over is said there.
The rules for which downtimes a scope matches are in `bot.domain.matching`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from bot.domain import recurrence
from bot.domain.queries import parse_v2_scope
from bot.domain.scope import canonical_of

LIVE = ("active", "scheduled")
Status = Literal["active", "scheduled"]
# What it takes to create the downtime again (undo): the v2 attributes Datadog's own sync tool copies,
# and the v1 fields they are mapped from when only the v1 list returned the downtime.
V2_FORM_FIELDS = ("scope", "monitor_identifier", "message", "mute_first_recovery_notification",
                  "notify_end_states", "notify_end_types", "display_timezone", "schedule")
V1_FORM_FIELDS = ("scope", "monitor_id", "monitor_tags", "message", "mute_first_recovery_notification",
                  "notify_end_states", "notify_end_types", "timezone", "start", "end", "recurrence")


@dataclass(frozen=True)
class Downtime:
    """One live downtime (active or scheduled), from either API, with what a person needs to recognise it."""

    api: Literal["v1", "v2"]
    v1_id: int | None
    v2_id: str | None
    tags: frozenset[str] | None  # None: the scope is not a plain tag conjunction
    scope_text: str
    monitor: str
    message: str
    creator: str
    start: int | None  # of the current occurrence, or the next one when scheduled
    end: int | None
    recurrence: str  # in words; "" when it does not recur
    status: Status = "active"
    form: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)  # v2 attributes; {}: none
    created: int | None = field(default=None, compare=False)  # when Datadog created it (its clock)

    @property
    def key(self) -> str:
        """The ID shown and linked: the v1 number when there is one, else the v2 UUID."""
        return str(self.v1_id) if self.v1_id is not None else str(self.v2_id)

    @property
    def canonical_scope(self) -> str | None:
        """The scope as `/cancel-downtime` would take it, or None if it cannot be typed."""
        if not self.tags:
            return None
        return canonical_of(self.tags)


Relevant = Callable[[frozenset[str] | None], bool]  # which tag sets a caller needs read in full


def v1_tags(item: Mapping[str, Any]) -> frozenset[str] | None:
    """The tag set of a v1 list item's scope."""
    return _tag_set([str(s) for s in item.get("scope") or []])


def from_v1(item: Mapping[str, Any], now: float | None = None) -> Downtime:
    """Read one item of `GET /api/v1/downtime`."""
    scope = [str(s) for s in item.get("scope") or []]
    creator = item.get("creator") or {}
    start, end = _int_or_none(item.get("start")), _int_or_none(item.get("end"))
    return Downtime(
        api="v1",
        v1_id=int(item["id"]),
        v2_id=str(item["uuid"]) if item.get("uuid") else None,
        tags=_tag_set(scope),
        scope_text=",".join(scope),
        monitor=_monitor_v1(item),
        message=str(item.get("message") or ""),
        creator=str(creator.get("name") or creator.get("email") or creator.get("handle") or ""),
        start=start,
        end=end,
        recurrence=_recurrence_v1(item, start, end, now),
        status=_status(item.get("status"), start, now),
        form=v2_form_of_v1({k: item[k] for k in V1_FORM_FIELDS if k in item}),
        created=_int_or_none(item.get("created")),
    )


def from_v2(
    item: Mapping[str, Any], users: Mapping[str, str] | None = None, now: float | None = None,
    tags: frozenset[str] | Literal[False] | None = False,
) -> Downtime:
    """Read one item of `GET /api/v2/downtime`; `users` maps included user IDs to names; `tags`, when
    given, is `scope_tags(item)` already computed."""
    attributes = item.get("attributes") or {}
    scope = str(attributes.get("scope") or "")
    schedule = attributes.get("schedule") or {}
    current = schedule.get("current_downtime") or schedule
    creator_id = (((item.get("relationships") or {}).get("created_by") or {}).get("data") or {}).get("id")
    start = epoch(current.get("start"))
    return Downtime(
        api="v2",
        v1_id=None,
        v2_id=str(item["id"]),
        tags=parse_v2_scope(scope) if tags is False else tags,
        scope_text=scope,
        monitor=_monitor_v2(attributes.get("monitor_identifier") or {}),
        message=str(attributes.get("message") or ""),
        creator=(users or {}).get(str(creator_id), "") if creator_id else "",
        start=start,
        end=epoch(current.get("end")),
        recurrence=_recurrence_v2(schedule),
        status=_status(attributes.get("status"), start, now),
        form={k: attributes[k] for k in V2_FORM_FIELDS if k in attributes},
        created=epoch(attributes.get("created")),
    )


def is_live_v1(item: Mapping[str, Any], now: float) -> bool:
    """A v1 list item that is active or scheduled (not cancelled, not ended)."""
    if item.get("canceled") is not None or "id" not in item:
        return False
    if "status" in item:
        return item["status"] in LIVE
    end = _int_or_none(item.get("end"))
    return end is None or end > now


def is_live_v2(item: Mapping[str, Any]) -> bool:
    """A v2 list item that is active or scheduled (not cancelled, not ended)."""
    attributes = item.get("attributes") or {}
    return attributes.get("canceled") is None and attributes.get("status", "active") in LIVE and "id" in item


def scope_tags(item: Mapping[str, Any]) -> frozenset[str] | None:
    """The tag set of a v2 list item's scope (see `bot.domain.queries`)."""
    return parse_v2_scope(str((item.get("attributes") or {}).get("scope") or ""))


def v2_form_of_v1(fields: dict[str, Any]) -> dict[str, Any]:
    """A v1 downtime's fields (`V1_FORM_FIELDS`) in v2 form; {} when none was given.

    Lost: v1's parent and child history, `disabled`, the original creator (every restored downtime
    is created by the application key's owner), and, for a recurrence, the seconds of its start (v2
    counts minutes; the restored occurrences cover at least the original ones).
    """
    if not fields:
        return {}
    zone = str(fields.get("timezone") or "UTC")
    v2: dict[str, Any] = {
        "scope": " AND ".join(str(t) for t in fields.get("scope") or []),
        "monitor_identifier": {"monitor_id": fields["monitor_id"]} if fields.get("monitor_id")
        else {"monitor_tags": list(fields.get("monitor_tags") or ["*"])},
        "display_timezone": zone,
        **{k: fields[k] for k in ("message", "mute_first_recovery_notification", "notify_end_states",
                                  "notify_end_types") if k in fields},
    }
    start, end, recurs = fields.get("start"), fields.get("end"), fields.get("recurrence")
    if not recurs or end is None:  # with no end, a v1 recurrence never ends an occurrence: active until cancelled
        v2["schedule"] = {"start": _iso(start), "end": _iso(end)}
        return v2
    rule = recurrence.v1_rule(recurs)
    if rule is None or not isinstance(start, int) or not isinstance(end, int):
        v2["schedule"] = {"recurrences": [], "timezone": zone}  # nothing a v2 recurrence can say
        return v2
    local = datetime.fromtimestamp(start, recurrence.zone(zone))
    # v2 recurrences count whole minutes: the start is floored to its minute and the duration rounded up
    # from there, so that each restored occurrence covers at least the original one (86,399 s: 1440m).
    floored = local.replace(second=0, microsecond=0)
    minutes = max(1, -(-(end - int(floored.timestamp())) // 60))
    v2["schedule"] = {
        "recurrences": [{"rrule": rule, "duration": f"{minutes}m", "start": floored.strftime("%Y-%m-%dT%H:%M")}],
        "timezone": zone,
        "current_downtime": {"start": _iso(start), "end": _iso(end)},
    }
    return v2


def _recurrence_v1(item: Mapping[str, Any], start: int | None, end: int | None, now: float | None) -> str:
    """A v1 recurrence in words; one with no `end` never ends an occurrence, so Datadog keeps it active."""
    rule = item.get("recurrence")
    if rule and end is None:
        until = rule.get("until_date") if isinstance(rule, Mapping) else None
        moment = time.time() if now is None else now
        passed = (f"; its until date ({datetime.fromtimestamp(until, UTC):%Y-%m-%d}) has passed, which does not end it"
                  if isinstance(until, int) and until < moment else "")
        return "without end: it has no end time, so Datadog keeps it active until cancelled" + passed
    return recurrence.from_v1(rule, start, str(item.get("timezone") or "UTC"))


def _tag_set(scope: list[str]) -> frozenset[str] | None:
    tags = frozenset(s.strip().lower() for s in scope if s.strip())
    return tags if tags and all(":" in t and "*" not in t for t in tags) else None


def _monitor_v1(item: Mapping[str, Any]) -> str:
    if item.get("monitor_id"):
        return f"monitor {item['monitor_id']}"
    return _monitor_tags([str(t) for t in item.get("monitor_tags") or []])


def _monitor_v2(identifier: Mapping[str, Any]) -> str:
    if identifier.get("monitor_id"):
        return f"monitor {identifier['monitor_id']}"
    return _monitor_tags([str(t) for t in identifier.get("monitor_tags") or []])


def _monitor_tags(tags: list[str]) -> str:
    if not tags or tags == ["*"]:
        return "all monitors"
    return "monitors tagged " + ", ".join(tags)


def _recurrence_v2(schedule: Mapping[str, Any]) -> str:
    rules = [r for r in schedule.get("recurrences") or [] if isinstance(r, dict) and r.get("rrule")]
    zone = str(schedule.get("timezone") or "UTC")
    return "; ".join(
        recurrence.from_rrule(
            str(r["rrule"]), recurrence.parse_local(r.get("start")), zone, str(r.get("duration") or "")
        )
        for r in rules
    )


def _status(value: Any, start: int | None, now: float | None) -> Status:
    if value in LIVE:
        return "scheduled" if value == "scheduled" else "active"
    moment = time.time() if now is None else now
    return "scheduled" if start is not None and start > moment else "active"


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def epoch(value: Any) -> int | None:
    """An ISO 8601 time (Datadog's v2 form) in seconds since the epoch; None if there is none."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def _iso(epoch: Any) -> str | None:
    return datetime.fromtimestamp(epoch, UTC).isoformat() if isinstance(epoch, int | float) else None
