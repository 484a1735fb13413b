"""Undo and reasons over real HTTP: the report's Undo button creates again what the click cancelled."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.slack.views.action_ids import UNDO_ACTION
from tests.fakes import FakeDatadog, FakeSlack, Reply
from tests.helpers import BotWith, SlackSender, button_value, prompt_for, report_for

HOUR = 3600
CREATE = ("POST", "/api/v2/downtime")


async def undo(slack: SlackSender, fake_slack: FakeSlack, report: dict[str, Any], *, user: str = "U_ALICE",
               name: str = "u") -> dict[str, Any]:
    """Click the report's Undo button and return the first answer to that click."""
    await slack.click(UNDO_ACTION, button_value(report, UNDO_ACTION), name=name, user_id=user)
    (answer,) = await fake_slack.wait_for(lambda r: r.path == f"/response/{name}")
    message: dict[str, Any] = answer.json()
    return message


def creates(fake_datadog: FakeDatadog) -> list[dict[str, Any]]:
    return [r.json()["data"]["attributes"] for r in fake_datadog.received(lambda r: (r.method, r.path) == CREATE)]


async def test_undo_restores_v1_and_v2_downtimes_and_replaces_the_report(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Mixed v1 and v2: each is created again with its fields; the report becomes the outcome, without a button."""
    v1 = fake_datadog.add_v1(["env:prod"], message="release 42 @ops", monitor_id=77, duration=5 * HOUR)
    v1.update(notify_end_types=["canceled", "expired"], notify_end_states=["alert"])  # not Datadog's defaults
    v2 = fake_datadog.add_v2("env:prod", message="db work")
    report = await report_for(slack, fake_slack)
    undo_button = next(e for b in report["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert "Undo" in undo_button["text"]["text"]
    assert "Datadog may notify the handles in their messages again" in undo_button["confirm"]["text"]["text"]
    assert v1["canceled"]
    assert v2["canceled"]
    outcome = await undo(slack, fake_slack, report)
    assert outcome["replace_original"] is True
    text = json.dumps(outcome)
    assert "restored 2 downtimes on `env:prod`" in text
    assert UNDO_ACTION not in text
    made = creates(fake_datadog)
    assert sorted(a["message"] for a in made) == ["db work", "release 42 @ops"]
    from_v1 = next(a for a in made if a["message"].startswith("release"))
    assert from_v1["monitor_identifier"] == {"monitor_id": 77}
    assert from_v1["scope"] == "env:prod"
    assert from_v1["notify_end_types"] == ["canceled", "expired"]
    assert from_v1["notify_end_states"] == ["alert"]
    # Datadog refuses a start in the past: it starts now, and ends when the original would have.
    assert from_v1["schedule"] == {"end": datetime.fromtimestamp(v1["end"], UTC).isoformat()}
    live = [d for d in fake_datadog.live() if d.get("created_attributes")]
    assert len(live) == 2
    for record in live:
        assert f"id={record['uuid']}|" in text


async def test_a_recurring_downtime_comes_back_with_the_rest_of_its_occurrence(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """A daily window in progress: the rest of today is bridged, and the rule resumes at its next occurrence."""
    daily = fake_datadog.add_v2("env:prod", rrule="FREQ=DAILY", duration=2 * HOUR)  # began an hour ago
    report = await report_for(slack, fake_slack)
    outcome = await undo(slack, fake_slack, report)
    assert "restored 1 downtime" in json.dumps(outcome)
    (made,) = creates(fake_datadog)
    bridge, resumed = made["schedule"]["recurrences"]
    # The hour left of today's window, less the second the test took, rounded up: it never ends early.
    assert bridge == {"rrule": "FREQ=DAILY;COUNT=1", "duration": "60m"}
    tomorrow = datetime.fromtimestamp(daily["start"], UTC) + timedelta(days=1)
    assert resumed == {"rrule": "FREQ=DAILY", "duration": "120m", "start": f"{tomorrow:%Y-%m-%dT%H:%M}"}


async def test_a_downtime_that_ended_meanwhile_is_not_restored(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """One ends between the cancel and the undo: it is skipped with the reason, the other comes back."""
    # Started an hour ago, ends in 3 s: time enough to preview and cancel it even on a loaded machine.
    ending = fake_datadog.add_v2("env:prod", duration=HOUR + 3)
    fake_datadog.add_v2("env:prod")
    report = await report_for(slack, fake_slack)
    await asyncio.sleep(max(0.0, ending["end"] - time.time()) + 1.1)  # its end, to the second, has passed
    text = json.dumps(await undo(slack, fake_slack, report))
    assert "restored 1 of 2 downtimes" in text
    assert "*Not restored (1):* Not restored: its end (" in text
    assert "has passed" in text
    assert len(creates(fake_datadog)) == 1


async def test_a_double_click_restores_once(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Two Undo clicks at once: one set of creates; the other click hears that the Undo was used."""
    fake_datadog.add_v1(["env:prod"])
    report = await report_for(slack, fake_slack)
    value = button_value(report, UNDO_ACTION)
    await asyncio.gather(slack.click(UNDO_ACTION, value, name="u1"), slack.click(UNDO_ACTION, value, name="u2"))
    answers = await fake_slack.wait_for(lambda r: r.path in ("/response/u1", "/response/u2"), count=2)
    texts = sorted(json.dumps(a.json()) for a in answers)
    assert sum("restored 1 downtime" in t for t in texts) == 1
    assert sum("no longer available" in t for t in texts) == 1
    assert len(creates(fake_datadog)) == 1


async def test_someone_the_policy_refuses_cannot_undo(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog, caplog: pytest.LogCaptureFixture
) -> None:
    """With ALLOWED_USER_IDS, another user's Undo is refused and creates nothing; the requester's works."""
    fake_datadog.add_v1(["env:prod"])
    async with bot_with(ALLOWED_USER_IDS="UALICE") as sender:
        report = await report_for(sender, fake_slack, user="UALICE")
        caplog.set_level(logging.INFO, logger="bot.audit")
        refusal = await undo(sender, fake_slack, report, user="UBOB", name="bob")
        assert refusal["response_type"] == "ephemeral"
        assert ":no_entry:" in json.dumps(refusal)
        assert not creates(fake_datadog)
        assert any(getattr(r, "audit", {}).get("event") == "undo_refused" for r in caplog.records)
        mine = await undo(sender, fake_slack, report, user="UALICE", name="alice")
        assert "restored 1 downtime" in json.dumps(mine)


async def test_without_a_policy_anyone_may_undo(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """No policy set: a teammate in the channel can undo the requester's cancel; the report names both."""
    fake_datadog.add_v1(["env:prod"])
    report = await report_for(slack, fake_slack)
    text = json.dumps(await undo(slack, fake_slack, report, user="U_BOB"))
    assert "<@U_BOB> restored 1 downtime" in text
    assert "<@U_ALICE> had cancelled them" in text


async def test_an_expired_undo_creates_nothing(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """After UNDO_TTL_SECONDS the click answers that the window has passed, privately, and creates nothing."""
    fake_datadog.add_v1(["env:prod"])
    async with bot_with(UNDO_TTL_SECONDS="1") as sender:
        report = await report_for(sender, fake_slack)
        await asyncio.sleep(1.1)
        answer = await undo(sender, fake_slack, report)
        assert answer["response_type"] == "ephemeral"
        assert "undo window has passed" in json.dumps(answer)
        assert not creates(fake_datadog)


async def test_undo_off_means_no_button(bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog) -> None:
    """UNDO_TTL_SECONDS=0: the report has no Undo button."""
    fake_datadog.add_v1(["env:prod"])
    async with bot_with(UNDO_TTL_SECONDS="0") as sender:
        report = await report_for(sender, fake_slack)
        assert UNDO_ACTION not in json.dumps(report)


async def test_one_failing_create_fails_alone(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Of three, Datadog refuses one create (400): that one is reported with the reason first, the other two are
    back, and the refused one can be tried again."""
    for message in ("a", "b", "c"):
        fake_datadog.add_v2("env:prod", message=message)
    report = await report_for(slack, fake_slack)
    fake_datadog.reply(*CREATE, Reply(400, {"errors": ["Invalid scope parameter"]}))
    text = json.dumps(await undo(slack, fake_slack, report))
    assert "restored 2 of 3 downtimes on `env:prod`; 1 not restored" in text
    assert "*Not restored (1):* Datadog refused the request (HTTP 400): Invalid scope parameter. Nothing was " \
           "restored." in text
    assert "Try again: restore 1 downtime" in text
    assert text.index("Not restored (1)") < text.index("Restored (2)")
    assert len(creates(fake_datadog)) == 3
    assert len([d for d in fake_datadog.live() if d.get("created_attributes")]) == 2


async def test_datadog_answering_duplicate_means_already_back(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """A 400 "duplicate of one or more existing downtimes" is reported as back, with the existing ID."""
    fake_datadog.add_v2("env:prod")
    report = await report_for(slack, fake_slack)
    fake_datadog.reply(*CREATE, Reply(400, {"errors": [
        "The downtime being created is a duplicate of one or more existing downtimes: ['abc-123']"]}))
    text = json.dumps(await undo(slack, fake_slack, report))
    assert "restored 1 downtime" in text
    assert "*Already back (1):*" in text
    assert "id=abc-123|abc-123" in text


async def test_two_replicas_share_the_undo_through_redis(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog, bot_with: BotWith, redis_url: str
) -> None:
    """Cancelled through one replica, undone through the other; a second click on the first creates nothing."""
    fake_datadog.add_v1(["env:prod"])
    async with bot_with(REDIS_URL=redis_url) as first, bot_with(REDIS_URL=redis_url) as second:
        report = await report_for(first, fake_slack)
        assert "restored 1 downtime" in json.dumps(await undo(second, fake_slack, report, name="on-b"))
        assert "no longer available" in json.dumps(await undo(first, fake_slack, report, name="on-a"))
        assert len(creates(fake_datadog)) == 1


async def test_a_reason_is_shown_logged_and_escaped(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog, caplog: pytest.LogCaptureFixture
) -> None:
    """`-- reason` appears in the prompt and the report, escaped (no ping), and in the audit lines."""
    caplog.set_level(logging.INFO, logger="bot.audit")
    fake_datadog.add_v1(["env:prod"])
    text = "env:prod -- deploy finished early &lt;!channel&gt; <@U_BOB>"
    report = await report_for(slack, fake_slack, text, name="c")
    (prompt,) = fake_slack.posts_to("c-cmd")
    for message in (prompt, report):
        text = json.dumps(message)
        assert "*Reason:* deploy finished early &lt;!channel&gt; @U_BOB" in text
        assert "<!channel>" not in text
    cancelled = next(r for r in caplog.records if getattr(r, "audit", {}).get("event") == "cancelled")
    assert cancelled.audit["reason"] == "deploy finished early <!channel> @U_BOB"  # type: ignore[attr-defined]


async def test_reasons_too_long_or_missing_when_required_are_refused(
    bot_with: BotWith, slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Over 300 characters is refused with the count; REQUIRE_REASON refuses none and shows how to give one."""
    fake_datadog.add_v1(["env:prod"])
    long = await prompt_for(slack, fake_slack, "env:prod -- " + "x" * 301, name="long")
    assert "The reason is 301 characters; at most 300 fit" in json.dumps(long)
    async with bot_with(REQUIRE_REASON="true") as sender:
        missing = await prompt_for(sender, fake_slack, "env:prod", name="missing")
        assert "A reason is required here" in json.dumps(missing)
        assert "env:prod -- deploy finished early" in json.dumps(missing)
        given = await prompt_for(sender, fake_slack, "env:prod -- maintenance over", name="given")
        assert "*Reason:* maintenance over" in json.dumps(given)
    assert not fake_datadog.received(lambda r: r.path.endswith("by_scope"))
