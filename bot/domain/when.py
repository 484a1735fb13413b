"""End later: the time after `in` or `at` (`env:prod in 30m`, `… at 14:30`, `… at 2026-12-02 09:00 UTC`). Pure.

`split` takes the words off the end of the scope text; `resolve` turns them into one instant, in the
requester's time zone (Slack's `users.info` `tz`) unless the words name a zone. What cannot be read
as exactly one instant is refused, never guessed: a bare hour (`at 9`: morning or evening?), a date
with slashes (`12/02`: December or February?), a zone abbreviation (`CST`: three zones), a local time
that a clock change skips or repeats. Bounds: at least `MIN_AHEAD_SECONDS` ahead (Datadog shortens an
end no closer than a minute), at most `MAX_AHEAD_DAYS` away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.domain.selection import SelectionError, parse_target

MIN_AHEAD_SECONDS = 60
MAX_AHEAD_DAYS = 365
EXAMPLES = "For example: `env:prod in 30m`, `env:prod at 14:30`, `env:prod at 2026-12-02 09:00 UTC`."

_SPLIT = re.compile(r"^(?P<scope>.*?)\s+(?P<word>in|at)\s+(?P<when>\S.*?)\s*$", re.IGNORECASE | re.DOTALL)
_UNITS = {"d": 86400, "day": 86400, "days": 86400, "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600,
          "hours": 3600, "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60}
_PART = re.compile(r"(\d{1,6})\s*([a-z]+)")
_DURATION = re.compile(r"(?:\d{1,6}\s*[a-z]+\s*)+")
_AT = re.compile(
    r"(?:(?P<day>today|tomorrow|\d{4}-\d{2}-\d{2})(?:\s+|t))?"
    r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?(?:\s*(?P<half>am|pm)\b)?"
    r"(?:\s*(?P<zone>z|[+-]\d{2}:?\d{2}|(?:utc|gmt)(?:[+-]\d{1,2})?|[a-z_]+(?:/[a-z0-9_+\-]+)+|[a-z]{2,5}))?"
)
_ABBREVIATION = re.compile(r"[a-z]{2,5}")


@dataclass(frozen=True)
class Later:
    """The words after `in` or `at`, as typed, not yet an instant (that needs the requester's zone)."""

    word: Literal["in", "at"]
    text: str

    @property
    def said(self) -> str:
        """As the requester wrote it."""
        return f"{self.word} {self.text}"


@dataclass(frozen=True)
class Deadline:
    """The instant a downtime should end, and the zone it is shown in."""

    at: int  # seconds since the epoch
    zone: str  # an IANA name, "UTC", or a fixed offset such as "+02:00"
    said: str  # as the requester wrote it ("in 30m")

    def local(self) -> datetime:
        """The instant in its zone."""
        return datetime.fromtimestamp(self.at, _zone(self.zone) or UTC)


class WhenError(ValueError):
    """The time cannot be read as one instant within the bounds; `reason` says why, `hint` what works."""

    def __init__(self, reason: str, hint: str = EXAMPLES) -> None:
        self.reason = reason
        self.hint = hint
        super().__init__(f"{reason} {hint}")


def split(text: str) -> tuple[str, Later | None]:
    """The scope text and the end-later words after ` in ` or ` at `, if there are any."""
    match = _SPLIT.match(text)
    if match is None or (":" not in match["scope"] and not _names_target(match["scope"])):
        return text, None
    word = match["word"].lower()
    return match["scope"], Later("in" if word == "in" else "at", " ".join(match["when"].split()))


def _names_target(text: str) -> bool:
    """`monitor 1234` or downtime IDs (`bot.domain.selection`): words a time may follow, though they hold no colon."""
    try:
        return parse_target(text) is not None
    except SelectionError:
        return False


def resolve(later: Later, now: float, zone: str) -> Deadline:
    """The instant `later` names, seen from `now`; `zone`: the requester's ("" when Slack did not say)."""
    shown = zone if _zone(zone) is not None else "UTC"
    if later.word == "in":
        at = now + _duration(later.text)
    else:
        at, named = _moment(later.text, now, zone)
        shown = named or shown
    if at < now + MIN_AHEAD_SECONDS:
        raise WhenError(
            f"{_when(at, shown)} is " + ("in the past." if at <= now else "less than a minute away.")
            + " Datadog moves an end no closer than a minute from now; to end them now, leave the time out."
        )
    if at > now + MAX_AHEAD_DAYS * 86400:
        raise WhenError(f"{_when(at, shown)} is more than a year away; the bot moves an end at most "
                        f"{MAX_AHEAD_DAYS} days ahead.")
    return Deadline(int(at), shown, later.said)


def _duration(text: str) -> float:
    words = text.lower()
    if not _DURATION.fullmatch(words):
        raise WhenError(f"`in {text}` is not a length of time: write minutes, hours or days, such as "
                        "`in 30m`, `in 2h`, `in 1h30m`, `in 1d`.")
    seconds = 0
    for amount, unit in _PART.findall(words):
        if unit not in _UNITS:
            raise WhenError(f"`{amount}{unit}` is not a length of time the bot reads: use m, h or d "
                            "(`in 45m`, `in 2h`, `in 1d`).")
        seconds += int(amount) * _UNITS[unit]
    return float(seconds)


def _moment(text: str, now: float, zone: str) -> tuple[float, str]:
    """The instant `at <text>` names, and the zone it named ("" when it named none)."""
    words = text.lower()
    if re.search(r"\d{1,4}[/.]\d{1,2}", words):
        raise WhenError(f"`at {text}` has a date with slashes or dots, which reads as two different days "
                        "(month first or day first); write the date as YYYY-MM-DD, e.g. `at 2026-12-02 09:00 UTC`.")
    match = _AT.fullmatch(words)
    if match is None:
        raise WhenError(f"`at {text}` is not a time the bot reads.")
    hour, minute, half = int(match["hour"]), int(match["minute"] or 0), match["half"]
    if match["minute"] is None and half is None:
        raise WhenError(f"`at {text}` is ambiguous: say the minutes, or am/pm (`at {hour:02d}:00`, or "
                        f"`at {hour % 12 or 12}pm`).")
    if half is not None:
        if not 1 <= hour <= 12:
            raise WhenError(f"`at {text}`: with am or pm, the hour is 1 to 12.")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise WhenError(f"`at {text}` is not a time of day (00:00 to 23:59).")
    named = match["zone"] or ""
    place = _zone_named(named, text) if named else _zone(zone)
    if place is None:
        raise WhenError(f"Slack did not give your time zone, so `at {text}` could mean any of them; "
                        f"name the zone: `at {text} UTC`, or `at {text} Europe/Paris`.")
    shown = _zone_label(place) if named else zone
    today = datetime.fromtimestamp(now, place).date()
    if match["day"] is None or match["day"] in ("today", "tomorrow"):
        day = today + timedelta(days=1 if match["day"] == "tomorrow" else 0)
    else:
        try:
            day = datetime.strptime(match["day"], "%Y-%m-%d").date()
        except ValueError:
            raise WhenError(f"`{match['day']}` is not a date on the calendar.") from None
    local = datetime(day.year, day.month, day.day, hour, minute)
    if match["day"] is None and _instant(local, place, text) <= now:  # a bare time already past today: tomorrow's
        local += timedelta(days=1)
    return _instant(local, place, text), shown


def _instant(local: datetime, place: tzinfo, text: str) -> float:
    """The instant a wall-clock time names in `place`; a time the clock skips or shows twice is refused."""
    first, second = local.replace(tzinfo=place, fold=0), local.replace(tzinfo=place, fold=1)
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(UTC).astimezone(place).replace(tzinfo=None)
        if back != local:
            raise WhenError(f"`at {text}` does not exist there: the clocks skip it that day. Pick another time.")
        raise WhenError(f"`at {text}` happens twice there that day (the clocks go back); name the offset, "
                        "e.g. `+01:00`, or use UTC.")
    return first.timestamp()


def _zone(name: str) -> tzinfo | None:
    """An IANA zone or a fixed offset by name; None when there is no such zone."""
    if not name:
        return None
    if name == "UTC":
        return UTC
    offset = re.fullmatch(r"([+-])(\d{2}):(\d{2})", name)
    if offset:
        sign = 1 if offset[1] == "+" else -1
        return timezone(sign * timedelta(hours=int(offset[2]), minutes=int(offset[3])))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _zone_named(word: str, text: str) -> tzinfo:
    """The zone a time names (lowercased as read): Z, UTC, GMT, an offset, or an IANA name."""
    if word in ("z", "utc", "gmt"):
        return UTC
    shifted = re.fullmatch(r"(?:utc|gmt)([+-])(\d{1,2})", word)
    if shifted:
        return timezone((1 if shifted[1] == "+" else -1) * timedelta(hours=int(shifted[2])))
    offset = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", word)
    if offset:
        if int(offset[2]) > 14 or int(offset[3]) > 59:
            raise WhenError(f"`{word}` is not a UTC offset (-12:00 to +14:00).")
        return timezone((1 if offset[1] == "+" else -1) * timedelta(hours=int(offset[2]), minutes=int(offset[3])))
    if _ABBREVIATION.fullmatch(word):
        raise WhenError(f"`{word.upper()}` is an abbreviation several zones share (CST is in America, China "
                        "and Cuba); name the zone: `UTC`, `Europe/Paris`, `America/Chicago`, or an offset "
                        "such as `+01:00`.")
    typed = next((w for w in text.split() if w.lower() == word), word)
    place = _zone(typed) or _zone(_zone_names().get(word, ""))
    if place is None:
        raise WhenError(f"`{typed}` is not a time zone the bot knows; use an IANA name such as `Europe/Paris`, "
                        "or `UTC`.")
    return place


@cache
def _zone_names() -> dict[str, str]:
    """Every IANA zone by its lowercase name, for zones typed in any case (`europe/paris`)."""
    return {name.lower(): name for name in available_timezones()}


def _zone_label(place: tzinfo) -> str:
    """How a named zone is shown back: its IANA name, "UTC", or its offset."""
    if isinstance(place, ZoneInfo):
        return place.key
    if place is UTC:
        return "UTC"
    offset = place.utcoffset(None) or timedelta()
    minutes = int(offset.total_seconds() // 60)
    return f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _when(at: float, zone: str) -> str:
    return datetime.fromtimestamp(at, _zone(zone) or UTC).strftime("%Y-%m-%d %H:%M ") + (zone or "UTC")
