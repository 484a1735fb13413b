"""The matching rules: which downtimes a scope cancels, which nearly match, how lists are grouped. Pure.

Matching rules (also in docs/behaviour.md):
- A v1 downtime matches when its `scope` tag list, lowercased, is the same set as the requested tags.
- A v2 downtime matches when its `attributes.scope` query is a simple conjunction of tags
  (`bot.domain.queries`) whose lowercased set is the requested set. Any other query has no tag set
  and never matches, nor counts as a near miss.
- The same downtime in both lists (v1 `uuid` equals the v2 `id`) is one downtime, kept as v1 so
  that it is cancelled through `cancel/by_scope`, with its v2 id remembered.
- Downtimes count when they are active now or scheduled (not started yet): Datadog's cancel-by-scope
  cancels both. Cancelled and ended ones, which Datadog keeps listing for about two days, never count.
- A near miss is a downtime (active or scheduled) whose tag set strictly contains, or is strictly
  contained in, the requested one; near misses are grouped by scope, one entry per distinct tag set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from bot.domain.downtimes import Downtime, Relevant
from bot.domain.scope import Scope


def merge(v1: Iterable[Downtime], v2: Iterable[Downtime]) -> list[Downtime]:
    """Both lists as one, a downtime seen in both kept once (as v1, with the v2 list's form for undo).

    The v2 list's form is the one Datadog's own sync tool re-creates from; the v1 list's, mapped to
    v2 when it was read, lacks what only v2 says (`display_timezone`, the v2 schedule).
    """
    by_v2_id = {d.v2_id: d for d in v2}
    merged = []
    for downtime in v1:
        twin = by_v2_id.pop(downtime.v2_id, None) if downtime.v2_id else None
        merged.append(replace(downtime, form=twin.form) if twin is not None else downtime)
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
