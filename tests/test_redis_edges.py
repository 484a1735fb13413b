"""Redis at its edges, for real: a claim that lands after the client's timeout, a Redis restarted under a running
bot, a report written after Redis died. Each gets a definite, true answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from bot.slack.views.action_ids import CONFIRM_ACTION
from tests.fakes import FakeDatadog, FakeSlack
from tests.fakes.proxy import DelayingProxy
from tests.helpers import BotWith, RedisServer, button_value, prompt_for


@pytest.fixture
async def slow_redis(own_redis: RedisServer) -> AsyncIterator[DelayingProxy]:
    """A proxy in front of a Redis of this test's own, that can hold one command back."""
    proxy = DelayingProxy(own_redis.port)
    await proxy.start()
    yield proxy
    await proxy.stop()


async def test_a_claim_that_lands_after_the_timeout_is_still_this_clicks(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog, slow_redis: DelayingProxy
) -> None:
    """The claim reaches Redis 0.6 s late, past the 0.3 s client timeout: the retry, with the same token,
    finds the claim its own, and the cancel goes ahead (not "try again", then "already used")."""
    downtime = fake_datadog.add_v2("env:prod")
    async with bot_with(REDIS_URL=f"redis://127.0.0.1:{slow_redis.port}/0", REDIS_TIMEOUT_SECONDS="0.3") as slack:
        prompt = await prompt_for(slack, fake_slack, "env:prod")
        slow_redis.hold(b"EVAL", 0.6)  # the claim script (EVALSHA, or EVAL the first time)
        await slack.click(CONFIRM_ACTION, button_value(prompt, CONFIRM_ACTION))
        (report,) = await fake_slack.wait_for(lambda r: b"in_channel" in r.body, within=8)
        async with asyncio.timeout(5):
            await slow_redis.held.wait()  # the late claim did reach Redis, and changed nothing
    assert "cancelled 1 downtime on `env:prod`" in json.dumps(report.json())
    assert downtime["canceled"]
    refusals = fake_slack.received(lambda r: r.path == "/response/click" and b"confirmation store" in r.body)
    assert refusals == []


async def test_the_first_request_after_a_redis_restart_is_served(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog, own_redis: RedisServer
) -> None:
    """Redis restarts under a running bot (its pooled connection is dead): the next command gets its prompt,
    and the click on it cancels, as if nothing had happened."""
    fake_datadog.add_v2("env:prod")
    async with bot_with(REDIS_URL=own_redis.url) as slack:
        await prompt_for(slack, fake_slack, "env:prod", name="before")
        own_redis.stop()
        own_redis.start()
        prompt = await prompt_for(slack, fake_slack, "env:prod", name="after")
        assert "cannot reach its confirmation store" not in json.dumps(prompt)
        await slack.click(CONFIRM_ACTION, button_value(prompt, CONFIRM_ACTION))
        (report,) = await fake_slack.wait_for(lambda r: b"in_channel" in r.body, within=8)
    assert "cancelled 1 downtime on `env:prod`" in json.dumps(report.json())


async def test_a_report_after_redis_died_says_why_it_has_no_undo(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog, own_redis: RedisServer
) -> None:
    """Redis dies while Datadog cancels: the report still comes, says what was cancelled, and says why there
    is no Undo button (instead of silently leaving it out)."""
    downtime = fake_datadog.add_v2("env:prod")
    fake_datadog.latency = 0.5
    async with bot_with(REDIS_URL=own_redis.url, REDIS_TIMEOUT_SECONDS="0.5") as slack:
        prompt = await prompt_for(slack, fake_slack, "env:prod")
        await slack.click(CONFIRM_ACTION, button_value(prompt, CONFIRM_ACTION))
        await fake_datadog.wait_for(lambda r: r.method == "DELETE")
        own_redis.stop()
        (report,) = await fake_slack.wait_for(lambda r: b"in_channel" in r.body, within=8)
    text = json.dumps(report.json())
    assert downtime["canceled"]
    assert "cancelled 1 downtime on `env:prod`" in text
    assert "No Undo button: the bot's store (Redis) did not answer" in text
    assert "Undo: restore" not in text
