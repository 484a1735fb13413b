"""Requests from another workspace or app are refused before any listener runs."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.fakes import FakeDatadog, FakeSlack, action_body, command_body
from tests.helpers import BotWith, SlackSender


async def test_another_workspace_is_refused(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog, caplog: pytest.LogCaptureFixture
) -> None:
    """The bot token's workspace is T0001 (auth.test); a command from T_OTHER gets a refusal and nothing else,
    and the audit record says who asked from where."""
    caplog.set_level(logging.INFO, logger="bot.audit")
    fake_datadog.add_v1(["env:prod"])
    body = command_body("env:prod", response_url=fake_slack.response_url("cmd"), team_id="T_OTHER")
    response = await slack.post(body)
    assert response.status_code == 200
    assert "does not serve this workspace" in response.text
    click = action_body("cancel_downtime_confirm", "A" * 24, response_url=fake_slack.response_url("c"),
                        team_id="T_OTHER")
    assert "does not serve" in (await slack.post(click)).text
    await asyncio.sleep(0.1)
    assert not fake_slack.received(lambda r: r.path.startswith("/response/"))
    assert not fake_datadog.received(lambda r: r.path != "/api/v1/validate")
    refused = [r.audit for r in caplog.records if getattr(r, "audit", {}).get("event") == "refused"]  # type: ignore[attr-defined]
    assert [(e["team"], e["channel"], e["user"], e["reason"]) for e in refused] == [
        ("T_OTHER", "C_OPS", "U_ALICE", "foreign_workspace_or_app")
    ] * 2


async def test_configured_team_and_app_are_enforced(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """With SLACK_TEAM_ID and SLACK_APP_ID set, a request naming another app is refused; the right one works."""
    async with bot_with(SLACK_TEAM_ID="T0001", SLACK_APP_ID="A0001") as slack:
        wrong_app = command_body("help", response_url=fake_slack.response_url("wrong"), app_id="A_EVIL")
        assert "does not serve" in (await slack.post(wrong_app)).text
        right = command_body("help", response_url=fake_slack.response_url("right"))
        assert (await slack.post(right)).text == ""
        await fake_slack.wait_for(lambda r: r.path == "/response/right")
    assert not fake_slack.received(lambda r: r.path == "/response/wrong")
