"""End later: the time words, each downtime's fate, and the flow through the real bot over HTTP.

The fake Datadog moves an end on `PATCH` as its spec says, refuses an end less than a minute ahead and
any change to a cancelled downtime; the requester's time zone comes from the fake Slack's `users.info`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.datadog.client import DatadogClient
from bot.datadog.http import DatadogHTTP
from bot.domain.downtimes import from_v1, from_v2
from bot.domain.ending import Ending, Fate, fate
from bot.domain.scope import parse_request
from bot.domain.when import Later, WhenError, resolve, split
from bot.slack.server import BotProcess
from bot.slack.views import ended
from bot.slack.views import prompt as prompts
from bot.slack.views.action_ids import END_ACTION, END_KEEP_LATER_ACTION, KEEP_ACTION, UNDO_ACTION
from bot.usecases import end_later
from bot.usecases.cancel import Result
from tests.fakes import FakeDatadog, FakeSlack, Reply
from tests.fakes.topology import slack_user
from tests.helpers import DD_API_KEY, DD_APP_KEY, SlackSender, all_text, button_value, press, prompt_for
from tests.limits import assert_within_slack_limits

HOUR = 3600
NOW = datetime(2026, 12, 1, 11, 0, tzinfo=UTC).timestamp()  # a Tuesday; Paris is UTC+1


def at(text: str, zone: str = "Europe/Paris", now: float = NOW) -> datetime:
    deadline = resolve(Later("at", text), now, zone)
    return datetime.fromtimestamp(deadline.at, UTC)


def refused(word: str, text: str, zone: str = "Europe/Paris") -> str:
    with pytest.raises(WhenError) as caught:
        resolve(Later("in" if word == "in" else "at", text), NOW, zone)
    assert "For example: `env:prod in 30m`" in caught.value.hint
    return caught.value.reason


def test_the_words_after_the_scope_and_before_the_reason_are_the_time() -> None:
    """`in`/`at` after the scope, before ` -- `; a scope without them is a plain cancel, as before."""
    request = parse_request("env:prod, service:api in 1h30m -- deploy done")
    assert (request.scope.canonical, request.later, request.reason) == (  # type: ignore[union-attr]
        "env:prod,service:api", Later("in", "1h30m"), "deploy done")
    assert parse_request("env:prod AT 2026-12-02 09:00 UTC").later == Later("at", "2026-12-02 09:00 UTC")  # type: ignore[union-attr]
    assert parse_request("env:prod").later is None  # type: ignore[union-attr]
    assert split("in 30m") == ("in 30m", None)  # no scope before it: not a time


def test_durations_and_times_resolve_in_the_requesters_zone_or_the_one_named() -> None:
    assert resolve(Later("in", "30m"), NOW, "").at == NOW + 1800
    assert resolve(Later("in", "1h 30 minutes"), NOW, "").at == NOW + 5400
    assert resolve(Later("in", "2d"), NOW, "").at == NOW + 2 * 86400
    assert at("14:30") == datetime(2026, 12, 1, 13, 30, tzinfo=UTC)  # Paris, today
    assert at("11:30") == datetime(2026, 12, 2, 10, 30, tzinfo=UTC)  # already past in Paris (12:00): tomorrow
    assert at("2:30pm", "America/New_York") == datetime(2026, 12, 1, 19, 30, tzinfo=UTC)
    assert at("2026-12-02 09:00 UTC") == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert at("2026-12-02T09:00Z", "") == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert at("tomorrow 09:00") == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    assert at("14:30 Asia/Tokyo") == datetime(2026, 12, 2, 5, 30, tzinfo=UTC)  # 14:30 in Tokyo, next one
    assert at("14:30 +05:30") == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    shown = resolve(Later("at", "14:30 america/new_york"), NOW, "Europe/Paris")
    assert (shown.zone, shown.said) == ("America/New_York", "at 14:30 america/new_york")


def test_what_is_not_one_instant_within_bounds_is_refused_with_the_reason() -> None:
    assert "in the past" in refused("at", "today 09:00")
    assert "in the past" in refused("in", "0m")
    with pytest.raises(WhenError, match="less than a minute away"):
        resolve(Later("at", "12:00"), NOW - 30, "Europe/Paris")  # 30 s ahead: Datadog would refuse it
    assert "more than a year away" in refused("in", "400d")
    assert "more than a year away" in refused("at", "2028-01-01 10:00 UTC")
    assert "ambiguous" in refused("at", "9")
    assert "two different days" in refused("at", "12/02 10:00")
    assert "abbreviation several zones share" in refused("at", "14:30 CST")
    assert "not a time zone the bot knows" in refused("at", "14:30 Mars/Olympus")
    assert "not a time of day" in refused("at", "25:00")
    assert "not a date on the calendar" in refused("at", "2027-02-30 10:00")
    assert "not a length of time" in refused("in", "soon")
    assert "use m, h or d" in refused("in", "90s")
    assert "Slack did not give your time zone" in refused("at", "14:30", "")
    assert "the clocks skip it" in refused("at", "2027-03-28 02:30 Europe/Paris")
    assert "happens twice" in refused("at", "2027-10-31 02:30 Europe/Paris")


def v2(uuid: str, start: float, end: float | None, rrule: str = "") -> Any:
    schedule: dict[str, Any] = {"start": datetime.fromtimestamp(start, UTC).isoformat(),
                                "end": datetime.fromtimestamp(end, UTC).isoformat() if end else None}
    if rrule:
        schedule = {"recurrences": [{"rrule": rrule, "duration": "1h", "start": "2026-12-01T10:00"}],
                    "current_downtime": schedule, "timezone": "UTC"}
    return from_v2({"id": uuid, "attributes": {"scope": "env:prod", "schedule": schedule}}, now=NOW)


def test_each_downtime_fate_is_decided_before_anything_happens() -> None:
    until = int(NOW + HOUR)
    longer, endless = v2("a", NOW - HOUR, NOW + 5 * HOUR), v2("b", NOW - HOUR, None)
    earlier, later = v2("c", NOW - HOUR, NOW + 600), v2("d", NOW + 2 * HOUR, NOW + 3 * HOUR)
    recurring = v2("e", NOW - 600, NOW + 3000, "FREQ=DAILY")
    v1_only = from_v1({"id": 7, "scope": ["env:prod"], "start": int(NOW - HOUR), "end": None}, NOW)
    assert [fate(d, until) for d in (longer, endless, earlier, later, recurring, v1_only)] == [
        Fate.MOVE, Fate.MOVE, Fate.EARLIER, Fate.LATER, Fate.RECURRING, Fate.NO_ID]
    plan = Ending.of((longer, endless, earlier, later, recurring, v1_only), until)
    assert plan.targets(cancel_later=False) == (longer, endless)
    assert plan.targets(cancel_later=True) == (longer, endless, later)
    assert plan.left_alone == (earlier, recurring, v1_only)


def test_the_prompt_shows_each_group_and_the_choice_within_slack_limits() -> None:
    deadline = resolve(Later("in", "1h"), NOW, "Europe/Paris")
    matches = (v2("a", NOW - HOUR, NOW + 5 * HOUR), v2("d", NOW + 2 * HOUR, NOW + 3 * HOUR),
               v2("c", NOW - HOUR, NOW + 600), v2("e", NOW - 600, NOW + 3000, "FREQ=DAILY"))
    scope = parse_request("env:prod").scope  # type: ignore[union-attr]
    message = prompts.end_prompt(scope, Ending.of(matches, deadline.at), deadline, "cid", 600,
                                 "https://app.datadoghq.com")
    assert_within_slack_limits(message)
    text = all_text(message)
    assert "*End 1 downtime on `env:prod` at Tue 2026-12-01 13:00 Europe/Paris (2026-12-01 12:00 UTC)?*" in text
    assert "(you wrote `in 1h`)" in text
    assert "*Starts after that time (1)*" in text
    assert "*Ends earlier anyway, left alone (1):*" in text
    assert "*Recurring, left alone (1):*" in text
    assert "cannot end the one under way early" in text
    buttons = next(b for b in message["blocks"] if b["type"] == "actions")["elements"]
    assert [b["action_id"] for b in buttons] == [END_ACTION, END_KEEP_LATER_ACTION, KEEP_ACTION]
    nothing = prompts.nothing_to_end(scope, Ending.of(matches[2:], deadline.at), deadline, "u")
    assert "Nothing to change" in all_text(nothing)
    assert not [b for b in nothing["blocks"] if b["type"] == "actions"]


async def end_prompt_for(slack: SlackSender, fake_slack: FakeSlack, text: str, name: str = "cmd") -> dict[str, Any]:
    message = await prompt_for(slack, fake_slack, text, name=name)
    assert "End" in message["text"], message["text"]
    return message


async def test_end_later_moves_each_end_keeps_or_cancels_what_starts_later_and_undo_puts_the_ends_back(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """`in 1h`: one PATCH per downtime to end then (none for those left alone), no DELETE when the later ones
    are kept; the report lists each group; Undo PATCHes each old end back, on the same downtimes."""
    longer = fake_datadog.add_v2("env:prod", duration=6 * HOUR)  # started an hour ago: ends in 5 h
    endless = fake_datadog.add_v1(["env:prod"])
    earlier = fake_datadog.add_v2("env:prod", duration=HOUR + 600)  # ends in 10 minutes anyway
    later = fake_datadog.add_v2("env:prod", start_in=2 * HOUR, duration=HOUR)
    recurring = fake_datadog.add_v2("env:prod", duration=2 * HOUR, rrule="FREQ=DAILY")
    old_end = longer["end"]
    prompt = await end_prompt_for(slack, fake_slack, "env:prod in 1h -- maintenance done early")
    report = await press(slack, fake_slack, prompt, END_KEEP_LATER_ACTION)
    until = int(fake_datadog.now()) + HOUR
    patched = {r.path.rsplit("/", 1)[1]: r.json()["data"]["attributes"] for r in fake_datadog.received(
        lambda r: r.method == "PATCH")}
    assert set(patched) == {longer["uuid"], endless["uuid"]}
    for uuid, attributes in patched.items():
        moved_to = datetime.fromisoformat(attributes["schedule"]["end"]).timestamp()
        assert attributes == {"schedule": {"end": attributes["schedule"]["end"]}}
        assert abs(moved_to - until) <= 5
        assert fake_datadog.downtimes[uuid]["end"] == int(moved_to)
    assert fake_datadog.received(lambda r: r.method == "DELETE" or r.path.endswith("by_scope")) == []
    assert later["canceled"] is None
    assert earlier["end"] < until
    assert recurring["canceled"] is None
    text = all_text(report)
    assert "set 2 downtimes on `env:prod` to end at" in text
    assert "Europe/London" in text
    assert "*Kept, as chosen:* 1 downtime starting after that time" in text
    assert "*Left alone (1):* ends earlier anyway" in text
    assert "*Left alone (1):* recurring" in text
    assert "maintenance done early" in text
    await slack.click(UNDO_ACTION, button_value(report, UNDO_ACTION), name="undo")
    (restored,) = await fake_slack.wait_for(lambda r: r.path == "/response/undo" and b"restored" in r.body, within=8)
    assert longer["end"] == old_end
    assert endless["end"] is None
    assert fake_datadog.received(lambda r: (r.method, r.path) == ("POST", "/api/v2/downtime")) == []
    assert "End put back (2)" in restored.body.decode()
    assert [e["tags"][0] for e in fake_datadog.events] == ["downtime_action:end_later", "downtime_action:restore"]


async def test_end_later_can_cancel_what_would_start_after_the_time(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """The other choice: those starting after the time are cancelled by ID (never cancel/by_scope)."""
    moving = fake_datadog.add_v2("env:prod", duration=6 * HOUR)
    later = fake_datadog.add_v1(["env:prod"], start_in=3 * HOUR, duration=HOUR)
    prompt = await end_prompt_for(slack, fake_slack, "env:prod in 2h")
    report = await press(slack, fake_slack, prompt, END_ACTION)
    assert later["canceled"]
    assert moving["canceled"] is None
    assert fake_datadog.received(lambda r: r.path.endswith("by_scope")) == []
    assert "; cancelled 1 that would have started later" in all_text(report)


async def test_at_a_time_reads_the_requesters_slack_zone_and_shows_it(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """`at HH:MM` is in the requester's `users.info` tz, shown with the zone; the PATCH ends then."""
    record = fake_datadog.add_v2("env:prod", duration=48 * HOUR)
    fake_slack.users["U_ALICE"] = slack_user("U_ALICE", "T0001", tz="America/New_York")
    zone = ZoneInfo("America/New_York")
    target = (datetime.now(zone) + timedelta(hours=3)).replace(second=0, microsecond=0)
    prompt = await end_prompt_for(slack, fake_slack, f"env:prod at {target:%H:%M}")
    assert f"{target:%H:%M} America/New_York" in all_text(prompt)
    await press(slack, fake_slack, prompt, END_ACTION)
    assert record["end"] == int(target.timestamp())


async def test_a_time_that_cannot_be_used_is_refused_before_datadog_is_asked(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Past, ambiguous, too far: an ephemeral refusal with the reason and an example; no Datadog call at all."""
    for number, text in enumerate(("env:prod in 0m", "env:prod at 9", "env:prod in 500d", "env:prod at 14:30 EST")):
        message = await prompt_for(slack, fake_slack, text, name=f"t{number}")
        assert message["response_type"] == "ephemeral"
        assert "*That end time cannot be used.*" in all_text(message)
        assert "For example:" in all_text(message)
    assert fake_datadog.received(lambda r: "/downtime" in r.path) == []


async def test_a_click_when_the_time_is_less_than_a_minute_away_changes_nothing(
    running_bot: BotProcess, slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """The time is checked again at the click: too close now, the prompt says so and nothing is sent."""
    from bot.domain.actor import Actor
    from bot.domain.when import Deadline

    record = fake_datadog.add_v2("env:prod", duration=6 * HOUR)
    prompt = await end_prompt_for(slack, fake_slack, "env:prod in 2h")
    value = button_value(prompt, END_ACTION)
    store = running_bot.services.confirmations
    shown = await store.peek(value)
    assert shown is not None
    assert shown.deadline is not None
    soon = await store.create(shown.scope, Actor("T0001", "C_OPS", "U_ALICE"), downtimes=shown.downtimes,
                              deadline=Deadline(int(fake_datadog.now()) + 30, "UTC", "in 30s"))
    await slack.click(END_ACTION, soon.id, name="late")
    (answer,) = await fake_slack.wait_for(lambda r: r.path == "/response/late")
    assert "is now less than a minute away, or past" in answer.body.decode()
    assert fake_datadog.received(lambda r: r.method == "PATCH") == []
    assert record["end"] is not None


@pytest.fixture
async def client(fake_datadog: FakeDatadog) -> AsyncIterator[DatadogClient]:
    """The real client on the fake Datadog."""
    api = DatadogClient(DatadogHTTP(fake_datadog.url, DD_API_KEY, DD_APP_KEY, timeout=1.0))
    yield api
    await api.aclose()


async def test_a_failed_patch_is_read_back_moved_not_moved_or_gone(
    fake_datadog: FakeDatadog, client: DatadogClient
) -> None:
    """A reset after the PATCH landed: moved (verified); Datadog's 400 on a live one: not changed; one cancelled
    meanwhile: already gone; answer lost and read back failing: unknown."""
    landed, refused_, gone, lost = (fake_datadog.add_v2(f"env:prod AND n:{i}", duration=6 * HOUR) for i in range(4))
    fake_datadog.after_acting("PATCH", f"/api/v2/downtime/{landed['uuid']}", Reply(reset=True))
    fake_datadog.reply("PATCH", f"/api/v2/downtime/{refused_['uuid']}", Reply(400, {"errors": ["no"]}))
    fake_datadog.cancel(gone)
    fake_datadog.reply("PATCH", f"/api/v2/downtime/{lost['uuid']}", Reply(reset=True))
    fake_datadog.reply("GET", f"/api/v2/downtime/{lost['uuid']}", *[Reply(503, {"errors": ["down"]})] * 5)
    shown = tuple(d for d in await client.list_v2() if d.v2_id in {landed["uuid"], refused_["uuid"], lost["uuid"]})
    shown += (from_v2({"id": gone["uuid"], "attributes": {"scope": "env:prod AND n:2", "schedule": {
        "start": "2026-01-01T00:00:00+00:00", "end": None}}}),)
    until = int(fake_datadog.now()) + HOUR
    steps: list[tuple[str, Result]] = []

    async def step(key: str, result: Result) -> None:
        steps.append((key, result))

    outcome = await end_later.end_later(client, shown, until, cancel_later=True, step=step)
    assert [d.v2_id for d in outcome.moved] == [landed["uuid"]]
    assert [(d.v2_id, e.detail) for d, e in outcome.failed] == [(refused_["uuid"], "no")]
    assert [d.v2_id for d in outcome.already_gone] == [gone["uuid"]]
    assert [d.v2_id for d, _ in outcome.unknown] == [lost["uuid"]]
    assert sorted(r.value for _, r in steps) == ["already_gone", "failed", "moved", "unknown"]
    assert refused_["end"] != until


async def test_an_end_later_the_bot_never_finished_is_reconciled_from_datadogs_state(
    fake_datadog: FakeDatadog, client: DatadogClient
) -> None:
    """After a crash: an end at the deadline is "moved", one still as it was is "not reached"; nothing is sent."""
    moved, untouched = fake_datadog.add_v2("env:prod", duration=6 * HOUR), fake_datadog.add_v2("env:prod",
                                                                                             duration=6 * HOUR)
    until = int(fake_datadog.now()) + HOUR
    shown = tuple(await client.list_v2())
    moved["end"] = until  # the PATCH that landed before the crash
    outcome = await end_later.reconcile_end(client, shown, until, fake_datadog.now() - 5, {}, cancel_later=False)
    assert [d.v2_id for d in outcome.moved] == [moved["uuid"]]
    assert [d.v2_id for d in outcome.not_reached] == [untouched["uuid"]]
    assert fake_datadog.received(lambda r: r.method in ("PATCH", "DELETE")) == []


def test_a_stop_past_the_grace_reports_what_the_journal_knew_of_an_end_later() -> None:
    """Without Redis, a stop cuts the click short: the recorded results stand, the rest is unknown; what the
    prompt left alone or kept is said as such."""
    until = int(NOW + HOUR)
    moving, also = v2("a", NOW - HOUR, NOW + 5 * HOUR), v2("b", NOW - HOUR, None)
    later, earlier = v2("d", NOW + 2 * HOUR, NOW + 3 * HOUR), v2("c", NOW - HOUR, NOW + 600)
    outcome = end_later.from_steps_end((moving, also, later, earlier), until, {"a": "moved", "d": "cancelled"},
                                       cancel_later=True)
    assert ([d.key for d in outcome.moved], [d.key for d in outcome.cancelled]) == (["a"], ["d"])
    assert [(d.key, error) for d, error in outcome.unknown] == [("b", None)]
    assert [(d.key, f) for d, f in outcome.left] == [("c", Fate.EARLIER)]
    kept = end_later.from_steps_end((moving, later), until, {}, cancel_later=False)
    assert [d.key for d in kept.kept] == ["d"]
    assert [d.key for d, _ in kept.unknown] == ["a"]


def test_a_thousand_matches_in_every_fate_stay_within_slack_limits() -> None:
    """The prompt and the report count what they cannot show; every group keeps its heading and reason."""
    until = int(NOW + HOUR)
    deadline = resolve(Later("in", "1h"), NOW, "America/Argentina/Buenos_Aires")
    matches = tuple(
        v2(f"{i:08d}-0000-0000-0000-000000000000", *(
            (NOW - HOUR, NOW + 5 * HOUR), (NOW + 2 * HOUR, NOW + 3 * HOUR), (NOW - HOUR, NOW + 60))[i % 3])
        for i in range(900)) + tuple(v2(f"r{i}", NOW - 600, NOW + 3000, "FREQ=DAILY") for i in range(100))
    scope = parse_request("env:prod").scope  # type: ignore[union-attr]
    message = prompts.end_prompt(scope, Ending.of(matches, deadline.at), deadline, "c" * 24, 600,
                                 "https://app.datadoghq.com")
    assert_within_slack_limits(message)
    assert "and 290 more whose end moves" in all_text(message)
    outcome = end_later.from_steps_end(matches, until, {d.key: "moved" for d in matches[::3]}, cancel_later=True)
    report = ended.end_report("U_ALICE", scope, outcome, deadline, "https://app.datadoghq.com", reason="r" * 300)
    assert_within_slack_limits(report)
    assert "*Left alone (100):* recurring" in all_text(report)


async def test_keeping_an_end_later_prompt_changes_nothing_and_says_so(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    record = fake_datadog.add_v2("env:prod", duration=6 * HOUR)
    prompt = await end_prompt_for(slack, fake_slack, "env:prod in 1h")
    await slack.click(KEEP_ACTION, button_value(prompt, KEEP_ACTION), name="keep")
    (answer,) = await fake_slack.wait_for(lambda r: r.path == "/response/keep")
    assert "Kept the downtimes on `env:prod`. Nothing was changed." in answer.body.decode()
    assert fake_datadog.received(lambda r: r.method in ("PATCH", "DELETE")) == []
    assert record["end"] is not None
