"""Downtimes as the bot understands them, and the matching rules. Pure: no HTTP, no Slack.

Matching rules (also in the README):
- A v1 downtime matches when its `scope` tag list, lowercased, is the same set as the requested tags.
- A v2 downtime matches when its `attributes.scope` query is a simple conjunction of tags
  (`a:b AND c:d`, `AND` in any case or implicit between terms, values possibly in double quotes)
  whose lowercased set is the requested set. Any other query (OR, NOT, `-tag`, parentheses,
  wildcards, free text) has no tag set and never matches, nor counts as a near miss.
- The same downtime in both lists (v1 `uuid` equals the v2 `id`) is one downtime, kept as v1 so
  that it is cancelled through `cancel/by_scope`, with its v2 id remembered.
- Downtimes count when they are active now or scheduled (not started yet): Datadog's cancel-by-scope
  cancels both. Cancelled and ended ones, which Datadog keeps listing for about two days, never count.
- A near miss is a downtime (active or scheduled) whose tag set strictly contains, or is strictly
  contained in, the requested one; near misses are grouped by scope, one entry per distinct tag set.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from bot import recurrence
from bot.scope import MAX_TAG_CHARS, Scope, ScopeError, parse_scope, tag_of

_V2_TERM = re.compile(r'^([^\s:"()]+):(?:"([^"]*)"|([^\s"()]+))$')
# Plain ASCII tags, quoted or not, joined by spaces or AND: what tag_of accepts without the full grammar.
_PLAIN_TERM = re.compile(r'[A-Za-z][A-Za-z0-9_\-./]*:(?:"[A-Za-z0-9_\-:./]+"|[A-Za-z0-9_\-:./]+)')
_PLAIN_CONJUNCTION = re.compile(rf"{_PLAIN_TERM.pattern}(?:\s+(?:[Aa][Nn][Dd]\s+)?{_PLAIN_TERM.pattern})*")
LIVE = ("active", "scheduled")
Status = Literal["active", "scheduled"]
# What it takes to create the downtime again (undo): the v2 attributes Datadog's own sync tool copies,
# or the v1 fields they are mapped from when the v2 list did not return the downtime.
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
    form: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)  # V2_ or V1_FORM_FIELDS
    form_api: Literal["v1", "v2", ""] = field(default="", compare=False)

    @property
    def key(self) -> str:
        """The ID shown and linked: the v1 number when there is one, else the v2 UUID."""
        return str(self.v1_id) if self.v1_id is not None else str(self.v2_id)

    @property
    def canonical_scope(self) -> str | None:
        """The scope as `/cancel-downtime` would take it, or None if it cannot be typed."""
        if not self.tags:
            return None
        try:
            return parse_scope(",".join(sorted(self.tags))).canonical
        except ScopeError:
            return None


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
        recurrence=recurrence.from_v1(item.get("recurrence"), start, str(item.get("timezone") or "UTC")),
        status=_status(item.get("status"), start, now),
        form={k: item[k] for k in V1_FORM_FIELDS if k in item},
        form_api="v1",
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
    start = _epoch(current.get("start"))
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
        end=_epoch(current.get("end")),
        recurrence=_recurrence_v2(schedule),
        status=_status(attributes.get("status"), start, now),
        form={k: attributes[k] for k in V2_FORM_FIELDS if k in attributes},
        form_api="v2",
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
    """The tag set of a v2 list item's scope (see `parse_v2_scope`)."""
    return parse_v2_scope(str((item.get("attributes") or {}).get("scope") or ""))


def parse_v2_scope(query: str) -> frozenset[str] | None:
    """The tag set of a simple conjunction (`a:b AND c:"d"`), or None for any other query."""
    if _PLAIN_CONJUNCTION.fullmatch(query):  # nearly every scope: one expression settles it
        tags = frozenset(t.replace('"', "").lower() for t in _PLAIN_TERM.findall(query))
        if all(len(t) <= MAX_TAG_CHARS for t in tags):
            return tags
    return parse_v2_scope_term_by_term(query)


def parse_v2_scope_term_by_term(query: str) -> frozenset[str] | None:
    """`parse_v2_scope` through the full tag grammar, one term at a time (any Unicode, any oddity)."""
    terms = query.split()
    tags: list[str] = []
    expect_tag = True
    for term in terms:
        if term.upper() == "AND" and not expect_tag:
            expect_tag = True
            continue
        match = _V2_TERM.match(term)
        if match is None or "*" in term or term.startswith(("-", "!")):
            return None
        key, quoted, bare = match.groups()
        valid = tag_of(f"{key}:{quoted if quoted is not None else bare}")
        if valid is None:  # not a tag Datadog could store, or not exactly one
            return None
        tags.append(valid)
        expect_tag = False
    if not tags or expect_tag:
        return None
    return frozenset(tags)


def merge(v1: Iterable[Downtime], v2: Iterable[Downtime]) -> list[Downtime]:
    """Both lists as one, a downtime seen in both kept once (as v1, its v2 id and v2 form remembered)."""
    by_v2_id = {d.v2_id: d for d in v2}
    merged = []
    for downtime in v1:
        twin = by_v2_id.pop(downtime.v2_id, None) if downtime.v2_id else None
        merged.append(replace(downtime, form=twin.form, form_api="v2") if twin is not None else downtime)
    merged.extend(by_v2_id.values())
    return merged


def matching(scope: Scope, downtimes: Iterable[Downtime]) -> list[Downtime]:
    """The downtimes whose tag set equals the scope's."""
    wanted = frozenset(scope.tags)
    return [d for d in downtimes if d.tags == wanted]


def related(scope: Scope) -> Relevant:
    """What a preview of `scope` needs read in full: its matches and near misses, nothing else."""
    wanted = frozenset(scope.tags)
    return lambda tags: tags is not None and (tags == wanted or tags < wanted or tags > wanted)


def near_misses(scope: Scope, downtimes: Iterable[Downtime]) -> list[Downtime]:
    """Downtimes whose tag set strictly contains, or is strictly contained in, the scope's."""
    wanted = frozenset(scope.tags)
    return [d for d in downtimes if d.tags and d.tags != wanted and (d.tags < wanted or d.tags > wanted)]


def near_miss_groups(scope: Scope, downtimes: Iterable[Downtime]) -> list[tuple[str, list[Downtime]]]:
    """The near misses, one group per distinct scope, closest first (fewest tags added or missing)."""
    wanted = frozenset(scope.tags)
    groups = group_by_scope(near_misses(scope, downtimes))
    return sorted(groups, key=lambda g: (len(g[1][0].tags ^ wanted) if g[1][0].tags else 0, -len(g[1]), g[0]))


def group_by_scope(downtimes: Iterable[Downtime]) -> list[tuple[str, list[Downtime]]]:
    """Downtimes grouped by canonical scope (or Datadog's own text when it has none), largest first."""
    groups: dict[str, list[Downtime]] = {}
    for downtime in downtimes:
        groups.setdefault(downtime.canonical_scope or downtime.scope_text, []).append(downtime)
    return sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))


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


def _epoch(value: Any) -> int | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None
