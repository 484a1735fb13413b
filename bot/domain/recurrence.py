"""Recurrences in words a person reads: "every day at 02:00 UTC", "every Mon-Fri", "every 2 weeks". Pure.

Datadog describes a recurring downtime two ways: v2 with an iCalendar RRULE plus the first
occurrence's local start and a time zone; v1 with `{type, period, week_days, until_date,
until_occurrences}` (or `type: rrule` with an RRULE) plus the downtime's start and time zone.
Anything this module cannot put in words is shown as Datadog's own rule, never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EN_DASH = "\u2013"  # a day range as a person writes it: Mon, en dash, Fri
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = dict(zip(DAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))
V1_DAYS = {name: code for code, name in DAY_NAMES.items()}
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last", -2: "second to last"}
UNITS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year", "HOURLY": "hour",
         "MINUTELY": "minute"}
V1_TYPES = {"days": "DAILY", "weeks": "WEEKLY", "months": "MONTHLY", "years": "YEARLY"}
DURATION_UNITS = {"m": "minute", "h": "hour", "d": "day", "w": "week"}


def from_rrule(rrule: str, first: datetime | None = None, zone_name: str = "UTC", duration: str = "") -> str:
    """An RRULE in words; `first` (local time in `zone_name`) gives the time of day, `duration` how long each lasts."""
    parts = _rule_parts(rrule)
    if parts is None or parts.get("FREQ") not in UNITS:
        return f"repeats by the rule {rrule}"
    words = _frequency(parts, first)
    if first is not None and parts["FREQ"] not in ("HOURLY", "MINUTELY"):
        words += f" at {first:%H:%M} {zone_name}"
    if duration:
        words += f" for {_duration(duration)}"
    if parts.get("COUNT", "").isdigit():
        words += f", {parts['COUNT']} times in all"
    if parts.get("UNTIL"):
        words += f", until {_until(parts['UNTIL'])}"
    return words


def from_v1(recurrence: Mapping[str, Any] | None, start: int | None, zone_name: str) -> str:
    """A v1 `recurrence` object in words ("" when it does not recur)."""
    if not recurrence:
        return ""
    rule = v1_rule(recurrence)
    if rule is None:
        return f"repeats ({recurrence.get('type')})"
    return from_rrule(rule, _local(start, zone_name), zone_name)


def v1_rule(recurrence: Mapping[str, Any]) -> str | None:
    """A v1 `recurrence` object as the RRULE it stands for, or None for a type v1 does not define."""
    if recurrence.get("rrule"):
        return str(recurrence["rrule"])
    freq = V1_TYPES.get(str(recurrence.get("type") or ""))
    if freq is None:
        return None
    rule = f"FREQ={freq};INTERVAL={int(recurrence.get('period') or 1)}"
    days = [V1_DAYS[d] for d in recurrence.get("week_days") or [] if d in V1_DAYS]
    if days and freq == "WEEKLY":
        rule += ";BYDAY=" + ",".join(days)
    if isinstance(recurrence.get("until_occurrences"), int):
        rule += f";COUNT={recurrence['until_occurrences']}"
    if isinstance(recurrence.get("until_date"), int):
        rule += f";UNTIL={datetime.fromtimestamp(recurrence['until_date'], UTC):%Y%m%dT%H%M%SZ}"
    return rule


def parse_local(text: str | None) -> datetime | None:
    """A v2 recurrence `start` ("2026-11-27T02:00", local time, no offset) as a naive datetime."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        return None


def zone(name: str) -> ZoneInfo:
    """The time zone Datadog names, or UTC for a name this machine does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local(epoch: int | None, zone_name: str) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, zone(zone_name))


def _rule_parts(rrule: str) -> dict[str, str] | None:
    parts: dict[str, str] = {}
    for item in rrule.removeprefix("RRULE:").split(";"):
        key, sep, value = item.partition("=")
        if not sep:
            return None
        parts[key.strip().upper()] = value.strip().upper()
    return parts


def _frequency(parts: dict[str, str], first: datetime | None) -> str:
    unit = UNITS[parts["FREQ"]]
    interval = int(parts["INTERVAL"]) if parts.get("INTERVAL", "").isdigit() else 1
    every = f"every {unit}" if interval == 1 else f"every {interval} {unit}s"
    byday = [d for d in parts.get("BYDAY", "").split(",") if d]
    if parts["FREQ"] == "WEEKLY":
        days = byday or ([DAYS[first.weekday()]] if first is not None else [])
        if not days:
            return every
        named = _days(days)
        return f"every {named}" if interval == 1 else f"{every} on {named}"
    if parts["FREQ"] == "DAILY" and byday:
        return f"every {_days(byday)}" if interval == 1 else f"{every}, on {_days(byday)}"
    if parts["FREQ"] == "MONTHLY":
        if parts.get("BYMONTHDAY"):
            return f"{every} on day {parts['BYMONTHDAY'].replace(',', ', ')}"
        if byday:
            return f"{every} on the {_positioned(byday, parts.get('BYSETPOS', ''))}"
        if first is not None:
            return f"{every} on day {first.day}"
    if parts["FREQ"] == "YEARLY" and first is not None:
        return f"{every} on {first:%b} {first.day}"
    return every


def _days(codes: list[str]) -> str:
    plain = [c for c in codes if c in DAY_NAMES]
    if len(plain) != len(codes):
        return ", ".join(codes)
    indexes = sorted(DAYS.index(c) for c in plain)
    if len(indexes) >= 3 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return f"{DAY_NAMES[DAYS[indexes[0]]]}{EN_DASH}{DAY_NAMES[DAYS[indexes[-1]]]}"
    return ", ".join(DAY_NAMES[DAYS[i]] for i in indexes)


def _positioned(byday: list[str], setpos: str) -> str:
    """`2TU` or `TU` with BYSETPOS=2 as "second Tuesday"."""
    words = []
    for code in byday:
        prefix, day = code[:-2], code[-2:]
        position = prefix or setpos
        name = DAY_NAMES.get(day, day)
        try:
            words.append(f"{ORDINALS.get(int(position), position + 'th')} {name}" if position else name)
        except ValueError:
            words.append(code)
    return ", ".join(words)


def _duration(text: str) -> str:
    number, unit = text[:-1], text[-1:]
    if not number.isdigit() or unit not in DURATION_UNITS:
        return text
    return f"{number} {DURATION_UNITS[unit]}{'' if number == '1' else 's'}"


def _until(text: str) -> str:
    for pattern in ("%Y%m%dT%H%M%SZ", "%Y%m%dT%H%M%S", "%Y%m%d"):
        try:
            return f"{datetime.strptime(text, pattern):%b %d, %Y}"
        except ValueError:
            continue
    return text
