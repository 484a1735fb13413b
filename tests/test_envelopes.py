"""Socket Mode envelopes delivered twice are acknowledged twice and answered once, on one replica or across two."""

from __future__ import annotations

import asyncio

from bot.slack.views.action_ids import CONFIRM_ACTION
from tests.fakes import FakeDatadog, FakeSlack
from tests.helpers import button_value, click_envelope, command_envelope, socket_bot, socket_settings


async def test_a_redelivered_command_envelope_is_acked_and_answered_once(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """The same envelope_id twice: two acknowledgements, one prompt."""
    fake_datadog.add_v1(["env:prod"])
    async with socket_bot(socket_settings(fake_slack, fake_datadog)):
        envelope = command_envelope("e-dup", fake_slack.response_url("cmd"))
        first = await fake_slack.push(envelope)
        second = await fake_slack.push(envelope)
        assert first["envelope_id"] == second["envelope_id"] == "e-dup"
        await fake_slack.wait_for(lambda r: r.path == "/response/cmd")
        await asyncio.sleep(0.2)
        assert len(fake_slack.received(lambda r: r.path == "/response/cmd")) == 1
        assert len(fake_datadog.received(lambda r: r.path == "/api/v1/downtime")) == 1


async def test_a_redelivered_click_envelope_is_handled_once(fake_slack: FakeSlack, fake_datadog: FakeDatadog) -> None:
    """A confirm click's envelope twice: one claim, one report, no "already handled" notice."""
    fake_datadog.add_v1(["env:prod"])
    async with socket_bot(socket_settings(fake_slack, fake_datadog)):
        await fake_slack.push(command_envelope("e-cmd", fake_slack.response_url("cmd")))
        (prompt,) = await fake_slack.wait_for(lambda r: r.path == "/response/cmd")
        click = click_envelope("e-click", CONFIRM_ACTION, button_value(prompt.json(), CONFIRM_ACTION),
                               fake_slack.response_url("c"))
        await fake_slack.push(click)
        await fake_slack.push(click)
        await fake_slack.wait_for(lambda r: r.path == "/response/c" and b"in_channel" in r.body)
        await asyncio.sleep(0.2)
        assert not fake_slack.received(lambda r: r.path == "/response/c" and b"no longer pending" in r.body)
        assert len(fake_datadog.received(lambda r: r.path.endswith("by_scope"))) == 1


async def test_a_redelivery_to_another_replica_is_caught_through_redis(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog, redis_url: str
) -> None:
    """Two replicas sharing Redis: the envelope sent to one and then to the other is answered once."""
    fake_datadog.add_v1(["env:prod"])
    settings = socket_settings(fake_slack, fake_datadog, REDIS_URL=redis_url)
    async with socket_bot(settings), socket_bot(settings):
        envelope = command_envelope("e-replica", fake_slack.response_url("cmd"))
        await fake_slack.push(envelope, socket=0)
        await fake_slack.push(envelope, socket=1)
        await fake_slack.wait_for(lambda r: r.path == "/response/cmd")
        await asyncio.sleep(0.2)
        assert len(fake_slack.received(lambda r: r.path == "/response/cmd")) == 1
