"""Preview, cancel and an Undo's recovery, Slack-free, against the loopback fake Datadog: routes, fallbacks,
surprises, partial failures."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.datadog.client import DatadogClient
from bot.datadog.downtimes import CANCEL_BY_SCOPE
from bot.datadog.http import DatadogHTTP, RetryPolicy, time_budget
from bot.domain import undo_plan
from bot.domain.downtimes import Downtime, from_v1
from bot.domain.monitors import Alerting, Monitor
from bot.domain.scope import parse_scope
from bot.errors import DatadogServerError, DatadogTimeout
from bot.usecases import cancel, preview, recovery, undo
from tests.fakes import FakeDatadog, Reply
from tests.helpers import DD_API_KEY, DD_APP_KEY

SCOPE = parse_scope("env:prod")


async def no_wait(_: float) -> None:
    """Retries in these tests do not wait."""


@pytest.fixture
async def api(fake_datadog: FakeDatadog) -> AsyncIterator[DatadogClient]:
    """The real client on the fake: two attempts per call, no waiting between them."""
    client = DatadogClient(DatadogHTTP(fake_datadog.url, DD_API_KEY, DD_APP_KEY, timeout=1.0,
                           policy=RetryPolicy(attempts=2, backoff=0, sleep=no_wait)))
    yield client
    await client.aclose()


async def listed(api: DatadogClient) -> dict[str, Downtime]:
    """Every live downtime, as the bot reads them, by the key the prompt shows."""
    return {d.key: d for d in await preview.live_downtimes(api)}


def key(record: dict[str, Any]) -> str:
    """The key the prompt shows for a downtime of the fake: the v1 ID if it has one in the v1 list, else the UUID."""
    return str(record["v1_id"]) if record["in_v1_list"] else str(record["uuid"])


def calls_since(fake: FakeDatadog, start: int) -> list[str]:
    """The cancelling requests since request number `start`: "by_scope <scope>" and "delete <id>"."""
    found = []
    for r in fake.requests[start:]:
        if r.path == CANCEL_BY_SCOPE:
            found.append(f"by_scope {r.json()['scope']}")
        elif r.method == "DELETE":
            found.append(f"delete {r.path.rsplit('/', 1)[1]}")
    return found


async def test_preview_reads_both_lists_concurrently_and_dedupes(api: DatadogClient, fake_datadog: FakeDatadog) -> None:
    """Both lists are requested before either answers; a downtime in both appears once."""
    both = fake_datadog.add_v1(["env:prod"])
    only_v2 = fake_datadog.add_v2("env:prod")
    fake_datadog.add_v2("env:prod AND team:a")
    fake_datadog.latency = 0.03
    found = await preview.preview(api, SCOPE)
    assert fake_datadog.most_in_flight == 2
    assert [d.key for d in found.matches] == [key(both), key(only_v2)]
    assert found.near_misses == ()


async def test_preview_without_match_lists_near_misses(api: DatadogClient, fake_datadog: FakeDatadog) -> None:
    """No exact match: the near misses are returned instead."""
    near = fake_datadog.add_v2("env:prod AND team:a")
    fake_datadog.add_v2("env:staging")
    found = await preview.preview(api, SCOPE)
    assert found.matches == ()
    assert [(scope, [d.key for d in members]) for scope, members in found.near_misses] == [
        ("env:prod,team:a", [key(near)])
    ]


async def test_v1_by_scope_and_v2_by_id(api: DatadogClient, fake_datadog: FakeDatadog) -> None:
    """v1 matches go through cancel/by_scope once; v2 matches through DELETE each."""
    records = [fake_datadog.add_v1(["env:prod"]), fake_datadog.add_v1(["env:prod"]),
               fake_datadog.add_v2("env:prod"), fake_datadog.add_v2("env:prod")]
    matches = (await preview.preview(api, SCOPE)).matches
    start = len(fake_datadog.requests)
    outcome = await cancel.cancel(api, SCOPE, matches)
    a, b = records[2]["uuid"], records[3]["uuid"]
    assert sorted(calls_since(fake_datadog, start)) == sorted(["by_scope env:prod", f"delete {a}", f"delete {b}"])
    assert sorted(d.key for d in outcome.cancelled) == sorted(key(r) for r in records)
    assert (outcome.failed, outcome.already_gone, outcome.unexpected_ids) == ([], [], [])


async def test_v1_missed_by_scope_is_cancelled_by_its_v2_id(api: DatadogClient, fake_datadog: FakeDatadog) -> None:
    """A previewed v1 downtime that cancel/by_scope did not cancel is cancelled by its uuid, if it has one."""
    by_scope = fake_datadog.add_v1(["env:prod"])
    made_in_v2 = fake_datadog.add_v2("env:prod", in_v1_list=True)  # in the v1 list, invisible to cancel/by_scope
    ended = from_v1({"id": 3, "scope": ["env:prod"]})  # shown, then gone from Datadog; no v2 id
    matches = (*(await preview.preview(api, SCOPE)).matches, ended)
    start = len(fake_datadog.requests)
    outcome = await cancel.cancel(api, SCOPE, matches)
    calls = calls_since(fake_datadog, start)
    assert f"delete {made_in_v2['uuid']}" in calls
    assert f"delete {by_scope['uuid']}" not in calls
    assert sorted(d.key for d in outcome.cancelled) == sorted([key(by_scope), key(made_in_v2)])
    assert [d.key for d in outcome.already_gone] == ["3"]


async def test_nothing_found_after_a_failed_attempt_is_read_back(
    api: DatadogClient, fake_datadog: FakeDatadog
) -> None:
    """A retry answering 404 after a lost attempt: the v1 list, read back, shows the attempt cancelled them."""
    lost = fake_datadog.add_v1(["env:prod"])
    made_in_v2 = fake_datadog.add_v2("env:prod", in_v1_list=True)
    shown = await listed(api)
    matches = (replace(shown[key(lost)], v2_id=None), shown[key(made_in_v2)])
    fake_datadog.after_acting("POST", CANCEL_BY_SCOPE, Reply(503, {"errors": ["Service Unavailable"]}))
    outcome = await cancel.cancel(api, SCOPE, matches)
    assert sorted(d.key for d in outcome.cancelled) == sorted([key(lost), key(made_in_v2)])
    assert (outcome.already_gone, outcome.unknown, outcome.failed) == ([], [], [])
    assert lost["canceled"]
    assert made_in_v2["canceled"]


async def test_ids_beyond_the_preview_are_reported(api: DatadogClient, fake_datadog: FakeDatadog) -> None:
    """IDs that cancel/by_scope cancelled without being previewed are listed as a surprise."""
    shown, *later = [fake_datadog.add_v1(["env:prod"]) for _ in range(3)]
    outcome = await cancel.cancel(api, SCOPE, ((await listed(api))[key(shown)],))
    assert outcome.unexpected_ids == sorted(r["v1_id"] for r in later)


async def test_partial_failure_keeps_the_rest(api: DatadogClient, fake_datadog: FakeDatadog) -> None:
    """One failing DELETE fails only its downtime; a by_scope failure fails the v1 matches only."""
    v1 = fake_datadog.add_v1(["env:prod"])
    a, b, c = (fake_datadog.add_v2("env:prod") for _ in range(3))
    matches = (await preview.preview(api, SCOPE)).matches
    fake_datadog.reply("POST", CANCEL_BY_SCOPE, Reply(200, {"cancelled_ids": []}, delay=0.5))
    fake_datadog.reply("DELETE", f"/api/v2/downtime/{b['uuid']}", *[Reply(500, {"errors": ["boom"]})] * 2)
    del fake_datadog.downtimes[c["uuid"]]  # gone from Datadog since the preview
    with time_budget(0.2):  # the action's time limit ends the slow cancel/by_scope, and any retry of it
        outcome = await cancel.cancel(api, SCOPE, matches)
    assert [d.key for d in outcome.cancelled] == [key(a)]
    assert sorted((d.key, type(e).__name__) for d, e in outcome.failed) == sorted(
        [(key(v1), "DatadogTimeout"), (key(b), "DatadogServerError")]
    )
    assert [d.key for d in outcome.already_gone] == [key(c)]
    assert isinstance(outcome.scope_error, DatadogTimeout)


async def test_deletes_are_bounded(api: DatadogClient, fake_datadog: FakeDatadog) -> None:
    """Many v2 matches are deleted with bounded concurrency (each DELETE beside the read that verifies it)."""
    for _ in range(50):
        fake_datadog.add_v2("env:prod")
    matches = (await preview.preview(api, SCOPE)).matches
    fake_datadog.latency, fake_datadog.most_in_flight = 0.01, 0
    outcome = await cancel.cancel(api, SCOPE, matches)
    assert len(outcome.cancelled) == 50
    assert 1 < fake_datadog.most_in_flight <= 2 * cancel.MAX_PARALLEL_DELETES


async def test_alerting_returns_the_error_instead_of_raising(api: DatadogClient, fake_datadog: FakeDatadog) -> None:
    """The alerting check is advice: its failure is returned, not raised."""
    fake_datadog.monitors = [{"id": 1, "name": "cpu", "overall_state": "Alert"}]
    assert await preview.alerting(api, SCOPE) == Alerting((Monitor(1, "cpu", "Alert"),), 1)
    fake_datadog.reply("GET", "/api/v1/monitor", *[Reply(502, {"errors": ["Bad Gateway"]})] * 2)
    error = await preview.alerting(api, SCOPE)
    assert isinstance(error, DatadogServerError)
    assert error.status == 502


async def test_preview_shows_active_first_then_scheduled_and_groups_near_misses(
    api: DatadogClient, fake_datadog: FakeDatadog
) -> None:
    """Scheduled matches count (cancel/by_scope ends them too), after the active ones; near misses group by scope."""
    soon = fake_datadog.add_v1(["env:prod"], start_in=3600)
    now = fake_datadog.add_v1(["env:prod"])
    later = fake_datadog.add_v2("env:prod", start_in=7200)
    found = await preview.preview(api, SCOPE)
    assert [d.key for d in found.matches] == [key(now), key(soon), key(later)]
    assert ([d.key for d in found.active], [d.key for d in found.scheduled]) == ([key(now)], [key(soon), key(later)])
    fake_datadog.downtimes.clear()
    for _ in range(5):
        fake_datadog.add_v2("env:prod AND team:a")
    fake_datadog.add_v2("env:prod AND team:b AND x:y")
    misses = (await preview.preview(api, SCOPE)).near_misses
    assert [(scope, len(members)) for scope, members in misses] == [("env:prod,team:a", 5), ("env:prod,team:b,x:y", 1)]


async def test_only_active_cancels_by_id_and_keeps_the_scheduled(api: DatadogClient, fake_datadog: FakeDatadog) -> None:
    """The "only active" choice deletes each active one by its v2 id and never calls cancel/by_scope."""
    v1_now, v2_now = fake_datadog.add_v1(["env:prod"]), fake_datadog.add_v2("env:prod")
    v1_later = fake_datadog.add_v1(["env:prod"], start_in=3600)
    v2_later = fake_datadog.add_v2("env:prod", start_in=3600)
    shown = await listed(api)
    no_uuid = from_v1({"id": 3, "scope": ["env:prod"], "status": "active"})
    matches = (shown[key(v1_now)], shown[key(v2_now)], shown[key(v1_later)], shown[key(v2_later)], no_uuid)
    start = len(fake_datadog.requests)
    outcome = await cancel.cancel(api, SCOPE, matches, only_active=True)
    assert sorted(calls_since(fake_datadog, start)) == sorted([f"delete {v2_now['uuid']}", f"delete {v1_now['uuid']}"])
    assert [d.key for d in outcome.cancelled] == [key(v1_now), key(v2_now)]
    assert [d.key for d in outcome.kept] == [key(v1_later), key(v2_later)]
    assert [d.key for d in outcome.no_id] == ["3"]  # an active v1 downtime without a uuid cannot go by id
    assert outcome.asked == 3


async def test_the_outcome_keeps_the_previews_order(api: DatadogClient, fake_datadog: FakeDatadog) -> None:
    """Whatever order Datadog answers in, the outcome lists downtimes in the order the prompt showed them."""
    three, four, five = (fake_datadog.add_v1(["env:prod"]) for _ in range(3))
    x, y, z = (fake_datadog.add_v2("env:prod") for _ in range(3))
    shown = await listed(api)
    order = [z, three, y, four, five, x]
    outcome = await cancel.cancel(api, SCOPE, tuple(shown[key(r)] for r in order))
    assert [d.key for d in outcome.cancelled] == [key(r) for r in order]


async def test_reconcile_reads_back_what_the_journal_did_not_know_and_cancels_nothing(
    api: DatadogClient, fake_datadog: FakeDatadog
) -> None:
    """After a crash: one the click cancelled (read back), one still live (not reached), one the journal had
    as cancelled, one it had as failed; not one cancel is sent."""
    done, live, known, refused = (fake_datadog.add_v2("env:prod") for _ in range(4))
    shown = await listed(api)
    matches = tuple(shown[key(r)] for r in (done, live, known, refused))
    started = time.time()
    fake_datadog.cancel(done)
    fake_datadog.cancel(known)
    before = len(fake_datadog.requests)
    steps = {key(known): cancel.Result.CANCELLED, key(refused): cancel.Result.FAILED}
    outcome = await recovery.reconcile(api, SCOPE, matches, started, steps)
    assert [d.key for d in outcome.cancelled] == [key(done), key(known)]
    assert [d.key for d in outcome.not_reached] == [key(live)]
    assert [(d.key, e.detail) for d, e in outcome.failed] == [
        (key(refused), "Datadog refused it, or showed it still live, before the stop")]
    assert outcome.unknown == []
    assert [r.method for r in fake_datadog.requests[before:]] == ["GET", "GET"]  # reads only, for the two unknown
    stopped = recovery.from_steps(matches, {k: v.value for k, v in steps.items()})
    assert [d.key for d, e in stopped.unknown] == [key(done), key(live)]
    assert [d.key for d in stopped.cancelled] == [key(known)]


async def test_an_undo_a_crash_cut_short_is_read_back_and_nothing_is_created(
    api: DatadogClient, fake_datadog: FakeDatadog
) -> None:
    """Reconciling an Undo: a result the journal recorded stands; a create that landed (as the click would have
    sent it) is found and adopted; one never sent is not reached; the reconciler creates nothing itself."""
    recorded, landed, never = (fake_datadog.add_v2("env:prod", message=m) for m in ("a", "b", "c"))
    shown = await listed(api)
    downtimes = tuple(shown[key(r)] for r in (recorded, landed, never))
    for record in (recorded, landed, never):
        fake_datadog.cancel(record)
    started = time.time()
    attributes = undo_plan.plan(downtimes[1], datetime.fromtimestamp(started, UTC)).attributes
    assert attributes is not None
    created = await api.create_downtime(attributes)  # what the dead process sent, and Datadog did
    before = len(fake_datadog.requests)
    outcome = await undo.reconcile_restore(api, downtimes, started, {key(recorded): "restored:the-new-one"})
    assert [(d.key, new) for d, new in outcome.restored] == [
        (key(recorded), "the-new-one"), (key(landed), created.id)]
    assert [d.key for d in outcome.not_reached] == [key(never)]
    assert (outcome.failed, outcome.unknown, outcome.skipped) == ([], [], [])
    assert {(r.method, r.path) for r in fake_datadog.requests[before:]} == {("GET", "/api/v2/downtime")}  # reads only
    stopped = undo.restore_from_steps(downtimes, {key(recorded): "restored:the-new-one", key(never): "failed"})
    assert [(d.key, e) for d, e in stopped.unknown] == [(key(landed), None)]
    assert [d.key for d, _ in stopped.failed] == [key(never)]


async def test_an_end_later_undo_a_crash_cut_short_reads_each_end_and_an_unreadable_list_is_unknown(
    api: DatadogClient, fake_datadog: FakeDatadog
) -> None:
    """Undoing an end-later: an end Datadog shows back where it was is put back, one still at the new end was not
    reached; a create whose list cannot be read is unknown, with Datadog's error, never guessed."""
    back, moved, gone = (fake_datadog.add_v2("env:prod", message=m, duration=7200) for m in ("a", "b", "c"))
    shown = await listed(api)
    downtimes = tuple(shown[key(r)] for r in (back, moved, gone))
    until = int(time.time()) + 1800
    await api.update_downtime(str(moved["uuid"]), {"schedule": {"end": datetime.fromtimestamp(until, UTC).isoformat()}})
    fake_datadog.cancel(gone)
    fake_datadog.always("GET", "/api/v2/downtime", Reply(503, {"errors": ["Unavailable"]}))
    outcome = await undo.reconcile_restore(api, downtimes, time.time(), {}, moved=frozenset({key(back), key(moved)}),
                                           until=until)
    assert [d.key for d in outcome.put_back] == [key(back)]
    assert [d.key for d in outcome.not_reached] == [key(moved)]
    assert [(d.key, type(e).__name__) for d, e in outcome.unknown] == [(key(gone), "DatadogServerError")]
    assert len(fake_datadog.received(lambda r: r.method in ("POST", "PATCH"))) == 1  # the test's own PATCH
