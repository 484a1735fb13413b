"""Page again and name the person: "Cancel and notify" and the Datadog event, through the real bot over HTTP.

The fake Datadog keeps each downtime's `notify_end_types` and `notify_end_states` (Datadog's defaults,
as recorded: `expired` alone), changes them on `PATCH` as its spec says, and stores every event.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from bot.errors import ConfigError
from bot.slack.views.action_ids import (
    CONFIRM_ACTION,
    CONFIRM_ACTIVE_NOTIFY_ACTION,
    CONFIRM_NOTIFY_ACTION,
    UNDO_ACTION,
)
from tests.fakes import FakeDatadog, FakeSlack, Reply
from tests.fakes.server import Recorded
from tests.helpers import BotWith, SlackSender, all_text, button_value, press, prompt_for

CREATE = ("POST", "/api/v2/downtime")


def patches(fake: FakeDatadog) -> list[Recorded]:
    return fake.received(lambda r: r.method == "PATCH")


def first_index(fake: FakeDatadog, method: str) -> int:
    return next(i for i, r in enumerate(fake.requests) if r.method == method and "/downtime" in r.path)


async def test_cancel_and_notify_sets_each_to_notify_before_the_cancel_and_undo_restores_the_settings(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """One PATCH per downtime not yet notifying, all before any cancel; one already set is left alone; the report
    says Datadog will notify, per downtime; Undo creates them again with their original settings."""
    quiet = fake_datadog.add_v2("env:prod", message="quiet one")  # Datadog's default: expired only
    loud = fake_datadog.add_v1(["env:prod"], message="loud one")
    loud.update(notify_end_types=["canceled", "expired"], notify_end_states=["alert", "no data", "warn"])
    prompt = await prompt_for(slack, fake_slack, "env:prod")
    text = all_text(prompt)
    assert "1 of 2 is" in text  # already set to notify on cancel
    assert "first sets 1 downtime to notify for monitors in alert, no data, warn" in text
    report = await press(slack, fake_slack, prompt, CONFIRM_NOTIFY_ACTION)
    (patch,) = patches(fake_datadog)
    assert patch.path == f"/api/v2/downtime/{quiet['uuid']}"
    assert patch.json()["data"]["attributes"] == {
        "notify_end_types": ["canceled", "expired"], "notify_end_states": ["alert", "no data", "warn"]}
    assert first_index(fake_datadog, "PATCH") < min(first_index(fake_datadog, "DELETE"),
                                                     first_index(fake_datadog, "POST"))
    assert quiet["canceled"]
    assert loud["canceled"]
    text = all_text(report)
    assert "*Datadog will notify* for monitors these silenced that are in alert, no data, warn" in text
    assert quiet["uuid"] in text
    assert str(loud["v1_id"]) in text
    assert "will not notify" not in text
    await slack.click(UNDO_ACTION, button_value(report, UNDO_ACTION), name="undo")
    await fake_slack.wait_for(lambda r: r.path == "/response/undo" and b"restored" in r.body, within=8)
    made = {a["message"]: a for a in (r.json()["data"]["attributes"] for r in fake_datadog.received(
        lambda r: (r.method, r.path) == CREATE))}
    assert made["quiet one"]["notify_end_types"] == ["expired"]  # as before the click, not as it set them
    assert made["loud one"]["notify_end_types"] == ["canceled", "expired"]


async def test_a_plain_cancel_changes_no_notify_setting_and_says_datadog_stays_quiet(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """The red button of the default prompt sends no PATCH; the report says the downtime will not notify."""
    fake_datadog.add_v2("env:prod")
    fake_datadog.monitors = [{"id": 1, "name": "cpu", "overall_state": "Alert", "type": "metric alert",
                              "query": "avg:cpu{env:prod}", "tags": ["env:prod"]}]
    prompt = await prompt_for(slack, fake_slack, "env:prod")
    report = await press(slack, fake_slack, prompt, CONFIRM_ACTION)
    assert patches(fake_datadog) == []
    assert "*Datadog will not notify* about monitors already alerting" in all_text(report)


async def test_a_refused_notify_change_still_cancels_and_the_report_names_it(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Datadog refuses the PATCH (400): the cancel goes on; the report says it could not be set and will not notify."""
    record = fake_datadog.add_v2("env:prod")
    fake_datadog.reply("PATCH", f"/api/v2/downtime/{record['uuid']}",
                       Reply(400, {"errors": ["notify_end_states is locked by policy"]}))
    prompt = await prompt_for(slack, fake_slack, "env:prod")
    report = await press(slack, fake_slack, prompt, CONFIRM_NOTIFY_ACTION)
    assert record["canceled"]
    text = all_text(report)
    assert "cancelled 1 downtime" in text
    assert ":warning: *Could not be set to notify* (notify_end_states is locked by policy)" in text
    assert "*Datadog will not notify*" in text


async def test_a_notify_change_whose_answer_is_lost_is_read_back_not_guessed(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """The PATCH lands and the connection resets before the answer: the read back shows the new settings,
    so the report says Datadog will notify, with no warning; when the read fails too, it says unknown."""
    landed, lost = fake_datadog.add_v2("env:prod AND team:a"), fake_datadog.add_v2("env:prod AND team:b")
    fake_datadog.after_acting("PATCH", f"/api/v2/downtime/{landed['uuid']}", Reply(reset=True))
    prompt = await prompt_for(slack, fake_slack, "env:prod,team:a")
    report = await press(slack, fake_slack, prompt, CONFIRM_NOTIFY_ACTION)
    assert landed["notify_end_types"] == ["canceled", "expired"]
    text = all_text(report)
    assert "*Datadog will notify*" in text
    assert "Could not be set" not in text
    assert "not verified" not in text
    path = f"/api/v2/downtime/{lost['uuid']}"
    fake_datadog.after_acting("PATCH", path, Reply(reset=True))
    fake_datadog.reply("GET", path, Reply(500, {"errors": ["x"]}), Reply(500, {"errors": ["x"]}),
                       Reply(500, {"errors": ["x"]}))
    prompt = await prompt_for(slack, fake_slack, "env:prod,team:b", name="cmd2")
    report = await press(slack, fake_slack, prompt, CONFIRM_NOTIFY_ACTION, name="click2")
    assert "*Whether Datadog will notify is not verified*" in all_text(report)


async def test_notify_on_cancel_makes_notifying_the_red_button_for_the_configured_states(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """NOTIFY_ON_CANCEL=alert,warn: the danger button cancels and notifies for those states; "only the active and
    notify" and "notify settings unchanged" are the other choices."""
    active = fake_datadog.add_v2("env:prod")
    fake_datadog.add_v2("env:prod", start_in=3600, duration=3600)
    async with bot_with(NOTIFY_ON_CANCEL="alert,warn") as slack:
        prompt = await prompt_for(slack, fake_slack, "env:prod")
        buttons = next(b for b in prompt["blocks"] if b["type"] == "actions")["elements"]
        assert [(b["action_id"], b.get("style")) for b in buttons][:3] == [
            (CONFIRM_NOTIFY_ACTION, "danger"), (CONFIRM_ACTIVE_NOTIFY_ACTION, None), (CONFIRM_ACTION, None)]
        assert buttons[0]["text"]["text"] == "Cancel all 2 downtimes and notify"
        assert buttons[2]["text"]["text"] == "Cancel, notify settings unchanged"
        await press(slack, fake_slack, prompt, CONFIRM_ACTIVE_NOTIFY_ACTION)
    (patch,) = patches(fake_datadog)
    assert patch.path.endswith(active["uuid"])
    assert patch.json()["data"]["attributes"]["notify_end_states"] == ["alert", "warn"]


def test_a_bad_notify_on_cancel_is_a_clear_configuration_error(make_settings: Any) -> None:
    """Anything but off, all or Datadog's states is refused at start, naming the states."""
    with pytest.raises(ConfigError, match=r"NOTIFY_ON_CANCEL must be .* among alert, warn and no data"):
        make_settings(NOTIFY_ON_CANCEL="critical")
    assert make_settings(NOTIFY_ON_CANCEL="no data, alert").notify_on_cancel == ("alert", "no data")
    assert make_settings(NOTIFY_ON_CANCEL="all").notify_on_cancel == ("alert", "no data", "warn")
    assert make_settings().notify_on_cancel == ()


async def test_every_confirmed_cancel_posts_one_event_naming_the_person_with_the_api_key_alone(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """The event names the Slack user (name and ID), channel, reason, scope and IDs, is tagged with each
    downtime ID and the scope's tags, is sent without the application key, and the report's footer links it."""
    v1 = fake_datadog.add_v1(["env:prod", "service:api"])
    v2 = fake_datadog.add_v2("env:prod AND service:api")
    prompt = await prompt_for(slack, fake_slack, "env:prod,service:api -- deploy finished early")
    report = await press(slack, fake_slack, prompt, CONFIRM_ACTION)
    (event,) = fake_datadog.events
    assert event["title"] == "Cancel confirmed in Slack by Person U_ALICE: 2 downtimes on env:prod,service:api"
    for words in ("**Person U_ALICE** (Slack user U_ALICE)", "in channel C_OPS", "Reason: deploy finished early",
                  "`env:prod,service:api`", str(v1["v1_id"]), v2["uuid"]):
        assert words in event["text"]
    assert event["text"].startswith("%%% \n")
    assert event["text"].endswith("\n %%%")
    assert {f"downtime_id:{v1['v1_id']}", f"downtime_id:{v1['uuid']}", f"downtime_id:{v2['uuid']}", "env:prod",
            "service:api", "downtime_action:cancel", "slack_user:U_ALICE"} == set(event["tags"])
    (sent,) = fake_datadog.received(lambda r: r.path == "/api/v1/events")
    assert "DD-APPLICATION-KEY" not in sent.headers
    assert sent.headers["DD-API-KEY"]
    assert f"<{event['url']}|the event>" in all_text(report)


async def test_a_failed_event_is_named_in_the_footer_and_logged_and_the_cancel_stands(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog, caplog: Any
) -> None:
    """Datadog refuses the event: the downtime is cancelled all the same, the footer says so, the log too."""
    record = fake_datadog.add_v2("env:prod")
    fake_datadog.always("POST", "/api/v1/events", Reply(400, {"errors": ["Event too far in the past"]}))
    prompt = await prompt_for(slack, fake_slack, "env:prod")
    report = await press(slack, fake_slack, prompt, CONFIRM_ACTION)
    assert record["canceled"]
    assert ":warning: Not recorded in Datadog's event stream (Event too far in the past)" in all_text(report)
    assert "Datadog event naming who asked not posted: Event too far in the past" in caplog.text


async def test_a_slow_event_never_holds_the_report_back(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog, caplog: Any
) -> None:
    """The event's answer takes 3 s (within Datadog's timeout): the report comes after the one-second grace,
    saying the event was not confirmed yet, and the log says how it ended."""
    caplog.set_level(logging.INFO, logger="bot.slack.finish")
    fake_datadog.add_v2("env:prod")
    fake_datadog.reply("POST", "/api/v1/events", Reply(202, {"status": "ok", "event": {"url": ""}}, delay=3))
    loop = asyncio.get_running_loop()
    async with bot_with(DD_TIMEOUT_SECONDS="10") as slack:
        prompt = await prompt_for(slack, fake_slack, "env:prod")
        started = loop.time()
        report = await press(slack, fake_slack, prompt, CONFIRM_ACTION)
        waited = loop.time() - started
        for _ in range(60):
            if "posted after the report" in caplog.text:
                break
            await asyncio.sleep(0.1)
    assert waited < 2.5
    assert "had not confirmed the event naming who asked" in all_text(report)
    assert "Datadog event naming who asked posted after the report" in caplog.text


async def test_datadog_events_false_posts_none(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """DATADOG_EVENTS=false: no event, no footer."""
    fake_datadog.add_v2("env:prod")
    async with bot_with(DATADOG_EVENTS="false") as slack:
        report = await press(slack, fake_slack, await prompt_for(slack, fake_slack, "env:prod"), CONFIRM_ACTION)
    assert fake_datadog.events == []
    assert "event stream" not in json.dumps(report)


async def test_an_undo_posts_a_restore_event_for_the_clicker(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Undo is confirmed too: its event names who clicked Undo and the downtimes restored."""
    record = fake_datadog.add_v2("env:prod")
    report = await press(slack, fake_slack, await prompt_for(slack, fake_slack, "env:prod"), CONFIRM_ACTION)
    await slack.click(UNDO_ACTION, button_value(report, UNDO_ACTION), name="undo", user_id="U_BOB")
    (restored,) = await fake_slack.wait_for(lambda r: r.path == "/response/undo" and b"restored" in r.body, within=8)
    cancel_event, restore_event = fake_datadog.events
    assert restore_event["title"] == "Restore confirmed in Slack by Person U_BOB: 1 downtime on env:prod"
    assert f"downtime_id:{record['uuid']}" in restore_event["tags"]
    assert "downtime_action:restore" in restore_event["tags"]
    assert "Recorded in Datadog's event stream" in restored.body.decode()
    assert cancel_event["tags"] != restore_event["tags"]
