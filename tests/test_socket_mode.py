"""Socket Mode: the same bot, over a WebSocket to a loopback fake of Slack, end to end."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from bot.config import Settings
from bot.slack.server import BotProcess
from bot.slack.views.action_ids import CONFIRM_ACTION
from tests.fakes import FakeDatadog, FakeSlack, action_body, command_body
from tests.helpers import base_env


async def test_command_and_click_over_socket_mode(fake_slack: FakeSlack, fake_datadog: FakeDatadog) -> None:
    """Envelopes are acknowledged; the prompt and the channel report go out as in HTTP mode."""
    env = {**base_env(fake_slack.url + "/api/", fake_datadog.url), "SLACK_APP_TOKEN": "xapp-1-test"}
    del env["SLACK_SIGNING_SECRET"]
    bot = BotProcess(Settings.from_env(env, mode="socket"))
    downtime = fake_datadog.add_v1(["env:prod"])
    await bot.start()
    try:
        (opened,) = await fake_slack.wait_for(lambda r: r.path == "/api/apps.connections.open")
        assert opened.headers["Authorization"] == "Bearer xapp-1-test"
        form = command_body("env:prod", response_url=fake_slack.response_url("cmd")).decode()
        command: dict[str, Any] = dict(parse_qsl(form))
        ack = await fake_slack.push(
            {"envelope_id": "env-1", "type": "slash_commands", "payload": command, "accepts_response_payload": True}
        )
        assert ack["envelope_id"] == "env-1"
        (prompt,) = await fake_slack.wait_for(lambda r: r.path == "/response/cmd")
        value = next(b for b in prompt.json()["blocks"] if b["type"] == "actions")["elements"][0]["value"]

        click = action_body(CONFIRM_ACTION, value, response_url=fake_slack.response_url("c")).decode()
        click_form = dict(parse_qsl(click))
        payload = json.loads(click_form["payload"])
        await fake_slack.push({"envelope_id": "env-2", "type": "interactive", "payload": payload})
        (outcome,) = await fake_slack.wait_for(lambda r: r.path == "/response/c" and b"in_channel" in r.body)
        assert f"id={downtime['v1_id']}" in outcome.body.decode()
        assert len(fake_datadog.received(lambda r: r.path.endswith("by_scope"))) == 1
    finally:
        assert await bot.stop()
