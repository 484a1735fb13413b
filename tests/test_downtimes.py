"""The matching rules, on hand-made downtimes and on Datadog's own recorded lists."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from bot.domain.downtimes import Downtime, from_v1, from_v2
from bot.domain.matching import group_by_scope, matching, merge, near_misses
from bot.domain.queries import parse_v2_scope
from bot.domain.scope import parse_scope
from tests.helpers import RECORDINGS


def v1(id_: int, scope: list[str], uuid: str | None = None, **extra: Any) -> Downtime:
    return from_v1({"id": id_, "uuid": uuid, "scope": scope, **extra})


def v2(id_: str, query: str) -> Downtime:
    return from_v2({"id": id_, "attributes": {"scope": query}})


@pytest.mark.parametrize(
    ("query", "tags"),
    [
        ("env:prod", {"env:prod"}),
        ("env:prod AND service:api", {"env:prod", "service:api"}),
        ("env:prod and Service:API", {"env:prod", "service:api"}),
        ("env:prod service:api", {"env:prod", "service:api"}),
        ('host:"web-1"', {"host:web-1"}),
        ('host:"java-hostsMuteErrorsTest-local-1684724813"', {"host:java-hostsmuteerrorstest-local-1684724813"}),
        ("env:prod:east AND team:a/b", {"env:prod:east", "team:a/b"}),
    ],
)
def test_simple_conjunctions_have_a_tag_set(query: str, tags: set[str]) -> None:
    """`a:b AND c:d`, implicit AND, any case, quoted values: a lowercase tag set."""
    assert parse_v2_scope(query) == frozenset(tags)


@pytest.mark.parametrize(
    "query",
    [
        "", "env:prod OR env:staging", "env:prod AND NOT service:api", "-env:prod", "!env:prod",
        "env:prod AND (service:api OR service:web)", "env:prod*", "service:*", "env:prod AND", "AND env:prod",
        "env:prod AND AND service:api", "somescope", "*", 'host:"web 1"', "env:prod,service:api",
    ],
)
def test_anything_else_has_no_tag_set(query: str) -> None:
    """OR, NOT, negation, parentheses, wildcards, dangling AND, bare words: never a tag set."""
    assert parse_v2_scope(query) is None


def test_exact_set_matches_and_near_misses_are_strict_sub_or_supersets() -> None:
    """Only the exact set matches; strictly larger or smaller sets are near misses; others are neither."""
    scope = parse_scope("env:prod,service:api")
    exact = v1(1, ["service:api", "ENV:prod"])
    bigger = v2("b", "env:prod AND service:api AND region:eu")
    smaller = v1(2, ["env:prod"])
    disjoint = v1(3, ["env:staging"])
    overlapping = v1(4, ["env:prod", "team:a"])
    complex_ = v2("c", "env:prod OR service:api")
    everything = [exact, bigger, smaller, disjoint, overlapping, complex_]
    assert matching(scope, everything) == [exact]
    assert near_misses(scope, everything) == [bigger, smaller]


def test_a_downtime_in_both_lists_is_kept_once_as_v1() -> None:
    """The v1 `uuid` equal to the v2 `id` makes one downtime, cancelled through v1, v2 id remembered."""
    both_v1 = v1(10, ["env:prod"], uuid="u-10")
    both_v2 = v2("u-10", "env:prod")
    only_v2 = v2("u-11", "env:prod")
    merged = merge([both_v1], [both_v2, only_v2])
    assert merged == [both_v1, only_v2]
    assert merged[0].v2_id == "u-10"
    assert both_v1.form != both_v2.form
    assert merged[0].form == both_v2.form  # restored (undo) from the v2 form, not mapped from v1


def test_descriptions_read_every_field() -> None:
    """Monitor, message, creator, times and recurrence are read from both shapes."""
    one = from_v1({
        "id": 5, "scope": ["env:prod"], "monitor_id": 77, "message": "deploy", "start": 100, "end": 200,
        "creator": {"name": "Dana"}, "recurrence": {"type": "weeks", "period": 1, "week_days": ["Mon"]},
    })
    assert (one.monitor, one.message, one.creator, one.start, one.end) == ("monitor 77", "deploy", "Dana", 100, 200)
    assert one.recurrence == "every Mon at 00:01 UTC"
    two = from_v2(
        {"id": "u", "attributes": {
            "scope": "env:prod", "monitor_identifier": {"monitor_tags": ["team:a"]},
            "schedule": {"recurrences": [{"rrule": "FREQ=DAILY"}],
                         "current_downtime": {"start": "2024-01-01T00:00:00+00:00", "end": "2024-01-01T01:00:00Z"}}},
         "relationships": {"created_by": {"data": {"id": "user-1"}}}},
        {"user-1": "Sam"},
    )
    assert (two.monitor, two.creator, two.recurrence) == ("monitors tagged team:a", "Sam", "every day")
    assert (two.start, two.end) == (1704067200, 1704070800)


def test_groups_by_canonical_scope() -> None:
    """The same tag set written in any order is one group; untypeable scopes group by their text."""
    groups = group_by_scope([v1(1, ["b:x", "a:y"]), v2("u", "a:y AND b:x"), v2("w", "a:y OR b:x")])
    assert [(name, len(members)) for name, members in groups] == [("a:y,b:x", 2), ("a:y OR b:x", 1)]


# --- Datadog's recorded lists --------------------------------------------------------------------

def recorded_json(name: str, index: int = 0) -> Any:
    path = RECORDINGS / name
    if not path.exists():
        pytest.skip(f"Datadog recordings not found at {RECORDINGS} (checkout outside the workspace)")
    interactions = yaml.safe_load(path.read_text())["interactions"]
    return json.loads(interactions[index]["response"]["body"]["string"])


def test_recorded_v1_list_matches_exactly() -> None:
    """On the 977 recorded v1 downtimes, each active scope matches exactly its own downtimes."""
    items = recorded_json("v1-test_get_all_downtimes_returns_ok_response.yaml")
    assert len(items) == 977
    active = [from_v1(i) for i in items if i["status"] == "active" and i["canceled"] is None]
    assert len(active) == 904
    # env:stage is the scope of 8 active downtimes; no other has exactly that tag set.
    stage = matching(parse_scope("env:stage"), active)
    assert len(stage) == 8
    assert all(d.tags == frozenset({"env:stage"}) for d in stage)
    # A two-tag downtime matches its two tags in any order and case, not either tag alone.
    pair = next(d for d in active if d.tags and len(d.tags) == 2)
    a, b = sorted(pair.tags or ())
    assert pair in matching(parse_scope(f"{b.upper()}, {a}"), active)
    assert pair not in matching(parse_scope(a), active)
    assert pair in near_misses(parse_scope(a), active)
    # Scopes that are not tag lists ("*", "somescope") never match and are never near misses.
    untypeable = [d for d in active if d.tags is None]
    assert untypeable
    for downtime in untypeable:
        assert downtime not in near_misses(parse_scope("env:stage"), active)


def test_recorded_v1_and_v2_lists_merge_on_uuid() -> None:
    """The recorded v2 page holds downtimes also in the v1 list: merging keeps each once."""
    v1_items = recorded_json("v1-test_get_all_downtimes_returns_ok_response.yaml")
    v2_body = recorded_json("v2-test_get_all_downtimes_returns_ok_response.yaml")
    v1_all = [from_v1(i) for i in v1_items]
    v2_all = [from_v2(i) for i in v2_body["data"]]
    shared = {d.v2_id for d in v1_all} & {d.v2_id for d in v2_all}
    assert shared
    merged = merge(v1_all, v2_all)
    assert len(merged) == len(v1_all) + len(v2_all) - len(shared)
    one = next(d for d in v2_all if d.v2_id in shared)
    assert one.tags is not None
    hits = [d for d in matching(parse_scope(",".join(one.tags)), merged) if d.v2_id == one.v2_id]
    assert [d.api for d in hits] == ["v1"]


def test_recorded_v2_quoted_scopes_match() -> None:
    """The recorded pagination answer uses `host:"name"`; those match the unquoted tag."""
    body = recorded_json("v2-test_get_all_downtimes_returns_ok_response_with_pagination.yaml")
    downtimes = [from_v2(i) for i in body["data"]]
    assert all(d.scope_text.startswith('host:"') for d in downtimes)
    target = downtimes[0]
    host = target.scope_text.split('"')[1]
    assert matching(parse_scope(f"host:{host}"), downtimes) == [target]
