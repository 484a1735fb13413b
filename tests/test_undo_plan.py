"""Undo as data: the create request that brings a cancelled downtime back, with its schedule moved to now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.domain.downtimes import Downtime, from_v1, from_v2
from bot.domain.undo_plan import BRIDGE_RULE, Skip, Why, plan

NOW = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)


def v2(schedule: dict[str, Any], **attributes: Any) -> Downtime:
    return from_v2({"id": "u1", "attributes": {
        "scope": "env:prod AND service:api", "monitor_identifier": {"monitor_tags": ["team:db"]},
        "message": "deploy @ops", "mute_first_recovery_notification": True, "notify_end_states": ["alert"],
        "notify_end_types": [], "display_timezone": "Europe/Paris", "status": "active", "schedule": schedule,
        **attributes}})


def test_a_one_time_downtime_keeps_its_end_and_starts_now() -> None:
    """Every copied field is kept (an empty notify_end_types stays empty); a past start is left out."""
    result = plan(v2({"start": "2026-11-26T10:00:00+00:00", "end": "2026-11-26T18:00:00+00:00"}), NOW)
    assert result.attributes == {
        "scope": "env:prod AND service:api", "monitor_identifier": {"monitor_tags": ["team:db"]},
        "message": "deploy @ops", "mute_first_recovery_notification": True, "notify_end_states": ["alert"],
        "notify_end_types": [], "display_timezone": "Europe/Paris",
        "schedule": {"end": "2026-11-26T18:00:00+00:00"},
    }


def test_a_scheduled_one_keeps_its_start_and_an_ended_one_is_skipped() -> None:
    """A start still ahead is kept; an end already past means there is nothing to restore."""
    ahead = plan(v2({"start": "2026-11-27T01:00:00+00:00", "end": None}, status="scheduled"), NOW)
    assert ahead.attributes is not None
    assert ahead.attributes["schedule"] == {"start": "2026-11-27T01:00:00+00:00"}
    ended = plan(v2({"start": "2026-11-26T10:00:00+00:00", "end": "2026-11-26T12:00:00+00:00"}), NOW)
    assert ended.attributes is None
    assert ended.skip == Skip(Why.ENDED, datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    forever = plan(v2({"start": "2026-11-26T10:00:00+00:00", "end": None}), NOW)
    assert forever.attributes is not None
    assert "schedule" not in forever.attributes  # begins when created and never ends, like the original


def test_a_recurrence_moves_to_its_next_occurrence_and_the_current_one_is_bridged() -> None:
    """A daily 12:00-14:00 Paris window cancelled at 13:30 local: the rest of today, then tomorrow at 12:00."""
    schedule = {
        "recurrences": [{"rrule": "FREQ=DAILY;COUNT=10", "duration": "2h", "start": "2026-11-20T12:00"}],
        "timezone": "Europe/Paris",
        "current_downtime": {"start": "2026-11-26T11:00:00+00:00", "end": "2026-11-26T13:00:00+00:00"},
    }
    result = plan(v2(schedule), NOW)
    assert result.attributes is not None
    assert result.attributes["schedule"] == {
        "recurrences": [
            {"rrule": BRIDGE_RULE, "duration": "30m"},
            {"rrule": "FREQ=DAILY;COUNT=3", "duration": "2h", "start": "2026-11-27T12:00"},
        ],
        "timezone": "Europe/Paris",
    }


def test_a_recurrence_with_no_occurrence_left_is_skipped() -> None:
    """COUNT used up (or UNTIL past) and nothing in progress: the report says why it is not restored."""
    schedule = {"recurrences": [{"rrule": "FREQ=DAILY;COUNT=2", "duration": "1h", "start": "2026-11-20T02:00"}],
                "timezone": "UTC"}
    assert plan(v2(schedule), NOW).skip == Skip(Why.NO_OCCURRENCE_LEFT)
    until = {"recurrences": [{"rrule": "FREQ=DAILY;UNTIL=20261125T000000Z", "duration": "1h",
                              "start": "2026-11-20T02:00"}], "timezone": "UTC"}
    assert plan(v2(until), NOW).skip == Skip(Why.NO_OCCURRENCE_LEFT)
    ahead = {"recurrences": [{"rrule": "FREQ=WEEKLY", "duration": "1h", "start": "2026-12-01T02:00"}],
             "timezone": "UTC"}
    result = plan(v2(ahead), NOW)
    assert result.attributes is not None
    assert result.attributes["schedule"]["recurrences"] == ahead["recurrences"]


def test_a_v1_only_downtime_is_mapped_to_v2() -> None:
    """Scope joined with AND, the monitor, the time zone, and the recurrence as an RRULE (its next: Mon Dec 7)."""
    start = int(datetime(2026, 11, 23, 9, 0, tzinfo=UTC).timestamp())  # a Monday
    item = {"id": 5, "scope": ["env:prod", "team:db"], "monitor_id": 77, "message": "m", "timezone": "UTC",
            "start": start, "end": start + 3600, "status": "scheduled", "notify_end_types": ["expired"],
            "recurrence": {"type": "weeks", "period": 2, "week_days": ["Mon", "Thu"]}}
    result = plan(from_v1(item, NOW.timestamp()), NOW)
    assert result.attributes == {
        "scope": "env:prod AND team:db", "monitor_identifier": {"monitor_id": 77}, "message": "m",
        "notify_end_types": ["expired"], "display_timezone": "UTC",
        "schedule": {"recurrences": [{"rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "duration": "60m",
                                      "start": "2026-12-07T09:00"}], "timezone": "UTC"},
    }
    one_time = plan(from_v1({"id": 6, "scope": ["env:prod"], "start": start, "end": None}, NOW.timestamp()), NOW)
    assert one_time.attributes == {"scope": "env:prod", "monitor_identifier": {"monitor_tags": ["*"]},
                                   "display_timezone": "UTC"}


def test_nothing_captured_means_nothing_is_invented() -> None:
    """A downtime without a captured form is skipped with a reason, never created from guesses."""
    bare = Downtime("v2", None, "u9", frozenset({"env:prod"}), "env:prod", "", "", "", None, None, "")
    assert plan(bare, NOW).attributes is None
    assert plan(bare, NOW).skip == Skip(Why.NOT_CAPTURED)


def test_a_v1_recurrence_keeps_every_second_of_its_occurrences() -> None:
    """86,399 s from 09:00:30 is not "1439m": v2 counts minutes, so the start is floored to 09:00 and the
    duration rounded up from there (1441m), and each restored occurrence covers the whole original one."""
    start = int(datetime(2026, 11, 27, 9, 0, 30, tzinfo=UTC).timestamp())
    item = {"id": 7, "scope": ["env:prod"], "timezone": "UTC", "start": start, "end": start + 86_399,
            "status": "scheduled", "recurrence": {"type": "days", "period": 1}}
    (recurrence,) = plan(from_v1(item, NOW.timestamp()), NOW).attributes["schedule"]["recurrences"]  # type: ignore[index]
    assert recurrence == {"rrule": "FREQ=DAILY;INTERVAL=1", "duration": "1441m", "start": "2026-11-27T09:00"}
    floored = datetime(2026, 11, 27, 9, 0, tzinfo=UTC).timestamp()
    assert floored <= start
    assert floored + 1441 * 60 >= start + 86_399


def test_a_v1_recurrence_with_no_end_is_active_until_cancelled_whatever_its_until_date() -> None:
    """As recorded (v1 list): `end: null` with an `until_date` long past is still active. It is described as
    such, never as bound by that date, and Undo brings it back with no end, not as "no occurrence left"."""
    item = {"id": 8, "scope": ["env:prod"], "timezone": "UTC", "start": 1666998730, "end": None,
            "status": "active", "recurrence": {"type": "weeks", "period": 1, "week_days": ["Mon", "Tue"],
                                               "until_occurrences": None, "until_date": 1668813130}}
    downtime = from_v1(item, NOW.timestamp())
    assert downtime.recurrence == ("without end: it has no end time, so Datadog keeps it active until cancelled; its "
                                   "until date (2022-11-18) has passed, which does not end it")
    restored = plan(downtime, NOW)
    assert restored.attributes == {"scope": "env:prod", "monitor_identifier": {"monitor_tags": ["*"]},
                                   "display_timezone": "UTC"}
