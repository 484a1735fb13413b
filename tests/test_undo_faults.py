"""Undo under faults: a create is never repeated blind, and a failed restore stays retryable while its window lasts."""

from __future__ import annotations

import json
from typing import Any

from bot.slack.views.action_ids import UNDO_ACTION
from tests.fakes import FakeDatadog, FakeSlack, Reply
from tests.helpers import SlackSender, button_value, report_for

CREATE = ("POST", "/api/v2/downtime")


async def click_undo(slack: SlackSender, fake_slack: FakeSlack, message: dict[str, Any], name: str) -> dict[str, Any]:
    await slack.click(UNDO_ACTION, button_value(message, UNDO_ACTION), name=name)
    (answer,) = await fake_slack.wait_for(lambda r: r.path == f"/response/{name}", within=8)
    result: dict[str, Any] = answer.json()
    return result


def restored_copies(fake_datadog: FakeDatadog) -> list[dict[str, Any]]:
    return [d for d in fake_datadog.live() if d.get("created_attributes")]


async def test_a_create_whose_answer_was_lost_is_found_and_adopted_not_repeated(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Datadog creates the downtime and answers after the timeout: the bot looks for it (same scope, monitors,
    message, schedule, created since the click), adopts it, and leaves one live copy, not two."""
    fake_datadog.add_v2("env:prod", message="db work")
    report = await report_for(slack, fake_slack)
    fake_datadog.after_acting(*CREATE, Reply(200, {"data": {}}, delay=1.5))
    outcome = json.dumps(await click_undo(slack, fake_slack, report, "undo"))
    assert "restored 1 downtime on `env:prod`" in outcome
    assert len(fake_datadog.received(lambda r: (r.method, r.path) == CREATE)) == 1
    (copy,) = restored_copies(fake_datadog)
    assert copy["message"] == "db work"
    assert f"id={copy['uuid']}|" in outcome


async def test_a_create_that_failed_everywhere_stays_retryable_until_it_works(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Three 500s (each followed by a look: nothing landed): the restore report says so as verified and keeps
    a "Try again" button; pressing it creates the downtime once."""
    fake_datadog.add_v2("env:prod", message="db work")
    report = await report_for(slack, fake_slack)
    fake_datadog.reply(*CREATE, *[Reply(500, {"errors": ["Internal Server Error"]})] * 3)
    failed = await click_undo(slack, fake_slack, report, "undo")
    text = json.dumps(failed)
    assert "tried to restore 1 downtime on `env:prod`, but none was restored" in text
    assert "Datadog had an internal error (HTTP 500), and reading back shows nothing was restored" in text
    assert "Try again: restore 1 downtime" in text
    assert restored_copies(fake_datadog) == []
    again = json.dumps(await click_undo(slack, fake_slack, failed, "again"))
    assert "restored 1 downtime on `env:prod`" in again
    assert len(restored_copies(fake_datadog)) == 1
    assert len(fake_datadog.received(lambda r: (r.method, r.path) == CREATE)) == 4


async def test_a_create_that_cannot_be_verified_is_unknown_and_not_retried(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """The create's answer is lost and the v2 list cannot be read to find out: the report says it may have
    been created, links it, and offers no retry that could make a second copy."""
    downtime = fake_datadog.add_v2("env:prod", message="db work")
    report = await report_for(slack, fake_slack)
    fake_datadog.after_acting(*CREATE, Reply(200, {"data": {}}, delay=1.5))
    fake_datadog.always("GET", "/api/v2/downtime", Reply(503, {"errors": ["Unavailable"]}))
    text = json.dumps(await click_undo(slack, fake_slack, report, "undo"))
    assert "restored 0 of 1 downtime on `env:prod`; whether 1 was created again could not be verified" in text
    assert "none was restored" not in text
    assert "*Not verified (1):* Datadog's answer to the create was lost" in text
    assert f"id={downtime['uuid']}|" in text
    assert "Try again" not in text
    assert len(fake_datadog.received(lambda r: (r.method, r.path) == CREATE)) == 1
