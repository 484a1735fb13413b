"""Preview and cancel against a hand-written Datadog: routes, fallbacks, surprises, partial failures."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from bot import workflows
from bot.datadog import Alerting, Created, Monitor, ScopeCancellation
from bot.downtimes import Downtime, Relevant, from_v1, from_v2
from bot.errors import DatadogError, DatadogServerError, DatadogTimeout
from bot.scope import parse_scope

SCOPE = parse_scope("env:prod")


def v1(id_: int, uuid: str | None = None, status: str = "active") -> Downtime:
    return from_v1({"id": id_, "uuid": uuid, "scope": ["env:prod"], "status": status})


def v2(uuid: str, query: str = "env:prod", status: str = "active") -> Downtime:
    return from_v2({"id": uuid, "attributes": {"scope": query, "status": status}})


@dataclass
class FakeAPI:
    """Answers like Datadog; records calls and how many DELETEs ran at once."""

    v1_list: list[Downtime] = field(default_factory=list)
    v2_list: list[Downtime] = field(default_factory=list)
    by_scope_ids: tuple[int, ...] = ()
    by_scope_after_failure: bool = False
    by_scope_error: DatadogError | None = None
    delete_errors: dict[str, DatadogError] = field(default_factory=dict)
    unknown_ids: set[str] = field(default_factory=set)
    monitors: Alerting | DatadogError = field(default_factory=lambda: Alerting((), 0))
    calls: list[str] = field(default_factory=list)
    running: int = 0
    most_running: int = 0

    async def cancel_by_scope(self, scope: str) -> ScopeCancellation:
        self.calls.append(f"by_scope {scope}")
        if self.by_scope_error:
            raise self.by_scope_error
        return ScopeCancellation(self.by_scope_ids, self.by_scope_after_failure)

    async def cancel_v2(self, downtime_id: str) -> bool:
        self.calls.append(f"delete {downtime_id}")
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        await asyncio.sleep(0.001)
        self.running -= 1
        if downtime_id in self.delete_errors:
            raise self.delete_errors[downtime_id]
        return downtime_id not in self.unknown_ids

    async def list_v1(self, relevant: Relevant | None = None) -> list[Downtime]:
        self.calls.append("list v1 start")
        await asyncio.sleep(0.01)
        self.calls.append("list v1 end")
        return self.v1_list

    async def list_v2(self, relevant: Relevant | None = None) -> list[Downtime]:
        self.calls.append("list v2 start")
        await asyncio.sleep(0.01)
        self.calls.append("list v2 end")
        return self.v2_list

    async def create_downtime(self, attributes: dict[str, Any]) -> Created:
        raise AssertionError("nothing is restored here")

    async def alerting_monitors(self, scope: str) -> Alerting:
        if isinstance(self.monitors, DatadogError):
            raise self.monitors
        return self.monitors


async def test_preview_reads_both_lists_concurrently_and_dedupes() -> None:
    """Both lists are requested before either answers; a downtime in both appears once."""
    api = FakeAPI(v1_list=[v1(1, "u1")], v2_list=[v2("u1"), v2("u2"), v2("u3", "env:prod AND team:a")])
    preview = await workflows.preview(api, SCOPE)
    assert api.calls[:2] == ["list v1 start", "list v2 start"]
    assert [d.key for d in preview.matches] == ["1", "u2"]
    assert preview.near_misses == ()


async def test_preview_without_match_lists_near_misses() -> None:
    """No exact match: the near misses are returned instead."""
    api = FakeAPI(v2_list=[v2("u3", "env:prod AND team:a"), v2("u4", "env:staging")])
    preview = await workflows.preview(api, SCOPE)
    assert preview.matches == ()
    assert [(scope, [d.key for d in members]) for scope, members in preview.near_misses] == [
        ("env:prod,team:a", ["u3"])
    ]


async def test_v1_by_scope_and_v2_by_id() -> None:
    """v1 matches go through cancel/by_scope once; v2 matches through DELETE each."""
    api = FakeAPI(by_scope_ids=(1, 2))
    report = await workflows.cancel(api, SCOPE, (v1(1), v1(2), v2("a"), v2("b")))
    assert sorted(api.calls) == ["by_scope env:prod", "delete a", "delete b"]
    assert sorted(d.key for d in report.cancelled) == ["1", "2", "a", "b"]
    assert (report.failed, report.already_gone, report.unexpected_ids) == ([], [], [])


async def test_v1_missed_by_scope_is_cancelled_by_its_v2_id() -> None:
    """A previewed v1 downtime that cancel/by_scope did not cancel is cancelled by its uuid, if it has one."""
    api = FakeAPI(by_scope_ids=(1,))
    report = await workflows.cancel(api, SCOPE, (v1(1, "u1"), v1(2, "u2"), v1(3)))
    assert "delete u2" in api.calls
    assert "delete u1" not in api.calls
    assert sorted(d.key for d in report.cancelled) == ["1", "2"]
    assert [d.key for d in report.already_gone] == ["3"]


async def test_nothing_found_after_a_failed_attempt_is_probably_cancelled() -> None:
    """A retry answering 404 after a lost attempt: v1 matches without a v2 id are "probably cancelled"."""
    api = FakeAPI(by_scope_after_failure=True)
    report = await workflows.cancel(api, SCOPE, (v1(1), v1(2, "u2")))
    assert [d.key for d in report.probably_cancelled] == ["1"]
    assert [d.key for d in report.cancelled] == ["2"]  # confirmed by DELETE on its v2 id
    assert report.already_gone == []


async def test_ids_beyond_the_preview_are_reported() -> None:
    """IDs that cancel/by_scope cancelled without being previewed are listed as a surprise."""
    report = await workflows.cancel(FakeAPI(by_scope_ids=(1, 99, 98)), SCOPE, (v1(1),))
    assert report.unexpected_ids == [98, 99]


async def test_partial_failure_keeps_the_rest() -> None:
    """One failing DELETE fails only its downtime; a by_scope failure fails the v1 matches only."""
    api = FakeAPI(
        by_scope_error=DatadogTimeout("slow"),
        delete_errors={"b": DatadogServerError("boom", status=500)},
        unknown_ids={"c"},
    )
    report = await workflows.cancel(api, SCOPE, (v1(1), v2("a"), v2("b"), v2("c")))
    assert [d.key for d in report.cancelled] == ["a"]
    assert sorted((d.key, type(e).__name__) for d, e in report.failed) == [
        ("1", "DatadogTimeout"), ("b", "DatadogServerError")
    ]
    assert [d.key for d in report.already_gone] == ["c"]
    assert isinstance(report.scope_error, DatadogTimeout)


async def test_deletes_are_bounded() -> None:
    """Many v2 matches are deleted with bounded concurrency."""
    api = FakeAPI()
    report = await workflows.cancel(api, SCOPE, tuple(v2(f"u{i}") for i in range(50)))
    assert len(report.cancelled) == 50
    assert 1 < api.most_running <= workflows.MAX_PARALLEL_DELETES


async def test_alerting_returns_the_error_instead_of_raising() -> None:
    """The alerting check is advice: its failure is returned, not raised."""
    alerting = Alerting((Monitor(1, "cpu", "Alert"),), 1)
    assert await workflows.alerting(FakeAPI(monitors=alerting), SCOPE) == alerting
    error = DatadogServerError("x", status=502)
    assert await workflows.alerting(FakeAPI(monitors=error), SCOPE) is error


async def test_preview_shows_active_first_then_scheduled_and_groups_near_misses() -> None:
    """Scheduled matches count (cancel/by_scope ends them too), after the active ones; near misses group by scope."""
    api = FakeAPI(v1_list=[v1(1, "u1", "scheduled"), v1(2, "u2")], v2_list=[v2("u3", status="scheduled")])
    preview = await workflows.preview(api, SCOPE)
    assert [d.key for d in preview.matches] == ["2", "1", "u3"]
    assert ([d.key for d in preview.active], [d.key for d in preview.scheduled]) == (["2"], ["1", "u3"])
    many = [v2(f"n{i}", "env:prod AND team:a") for i in range(5)] + [v2("m", "env:prod AND team:b AND x:y")]
    misses = (await workflows.preview(FakeAPI(v2_list=many), SCOPE)).near_misses
    assert [(scope, len(members)) for scope, members in misses] == [("env:prod,team:a", 5), ("env:prod,team:b,x:y", 1)]


async def test_only_active_cancels_by_id_and_keeps_the_scheduled() -> None:
    """The "only active" choice deletes each active one by its v2 id and never calls cancel/by_scope."""
    api = FakeAPI(by_scope_ids=(1, 2))
    matches = (v1(1, "u1"), v2("a"), v1(2, "u2", "scheduled"), v2("b", status="scheduled"), v1(3))
    report = await workflows.cancel(api, SCOPE, matches, only_active=True)
    assert sorted(api.calls) == ["delete a", "delete u1"]
    assert [d.key for d in report.cancelled] == ["1", "a"]
    assert [d.key for d in report.kept] == ["2", "b"]
    assert [d.key for d in report.no_id] == ["3"]  # an active v1 downtime without a uuid cannot go by id
    assert report.asked == 3


async def test_the_report_keeps_the_previews_order() -> None:
    """Whatever order Datadog answers in, the report lists downtimes in the order the prompt showed them."""
    api = FakeAPI(by_scope_ids=(5, 4, 3))
    matches = (v2("z"), v1(3), v2("y"), v1(4), v1(5), v2("x"))
    report = await workflows.cancel(api, SCOPE, matches)
    assert [d.key for d in report.cancelled] == ["z", "3", "y", "4", "5", "x"]
