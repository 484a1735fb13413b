"""Datadog faults over real HTTP: retries the requester hears about, and the per-click time limit."""

from __future__ import annotations

import asyncio
import json
import time

from bot.slack.views.action_ids import CONFIRM_ACTION
from tests.fakes import FakeDatadog, FakeSlack, Reply
from tests.helpers import BotWith, SlackSender, button_value, prompt_for


async def test_a_failed_delete_is_retried_and_the_requester_is_told(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """503 then 204: the prompt says a retry is pending, then the channel hears of the cancellation."""
    downtime = fake_datadog.add_v2("env:prod")
    fake_datadog.reply("DELETE", f"/api/v2/downtime/{downtime['uuid']}", Reply(503, text="busy"))
    async with bot_with(DD_MAX_ATTEMPTS="3") as slack:
        value = button_value(await prompt_for(slack, fake_slack, "env:prod"), CONFIRM_ACTION)
        await slack.click(CONFIRM_ACTION, value)
        posts = await fake_slack.wait_for(lambda r: r.path == "/response/click", count=4)
    cancelling, retrying, outcome, deleted = (p.json() for p in posts)
    assert "Cancelling" in cancelling["text"]
    assert retrying["replace_original"] is True
    assert "Datadog answered HTTP 503; retrying in 0 s" in retrying["text"]
    assert outcome["response_type"] == "in_channel"
    assert "cancelled 1 downtime" in outcome["text"]
    assert deleted["delete_original"] is True
    assert len(fake_datadog.received(lambda r: r.method == "DELETE")) == 2
    assert downtime["canceled"]


async def test_rate_limit_within_bounds_is_waited_out(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """429 with X-RateLimit-Reset 0 on the list: the preview retries and succeeds."""
    fake_datadog.add_v1(["env:prod"])
    fake_datadog.reply("GET", "/api/v2/downtime", Reply(429, {"errors": ["slow"]}, headers={"X-RateLimit-Reset": "0"}))
    async with bot_with(DD_MAX_ATTEMPTS="3") as slack:
        prompt = await prompt_for(slack, fake_slack, "env:prod")
    assert "Cancel 1 downtime" in json.dumps(prompt)
    assert len(fake_datadog.received(lambda r: r.path == "/api/v2/downtime")) == 2


async def test_rate_limit_beyond_bounds_is_reported(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """429 asking for 120 s: no wait; the channel is told when to try again."""
    fake_datadog.add_v1(["env:prod"])
    fake_datadog.reply(
        "POST", "/api/v1/downtime/cancel/by_scope",
        Reply(429, {"errors": ["slow"]}, headers={"X-RateLimit-Reset": "120"}),
    )
    async with bot_with(DD_MAX_ATTEMPTS="3") as slack:
        value = button_value(await prompt_for(slack, fake_slack, "env:prod"), CONFIRM_ACTION)
        await slack.click(CONFIRM_ACTION, value)
        (outcome,) = await fake_slack.wait_for(lambda r: b"in_channel" in r.body)
    assert "Try again in 120 s" in json.dumps(outcome.json())
    assert len(fake_datadog.received(lambda r: r.path.endswith("by_scope"))) == 1


async def test_time_limit_bounds_a_hanging_datadog(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Datadog hangs for 5 s on every attempt; with a 1 s limit the channel hears within the limit."""
    fake_datadog.add_v1(["env:prod"])
    async with bot_with(DD_MAX_ATTEMPTS="5", DD_TIMEOUT_SECONDS="10", ACTION_TIME_LIMIT_SECONDS="1") as slack:
        value = button_value(await prompt_for(slack, fake_slack, "env:prod"), CONFIRM_ACTION)
        fake_datadog.always("POST", "/api/v1/downtime/cancel/by_scope", Reply(200, {"cancelled_ids": []}, delay=5))
        started = time.monotonic()
        await slack.click(CONFIRM_ACTION, value)
        (outcome,) = await fake_slack.wait_for(lambda r: b"in_channel" in r.body, within=8)
        elapsed = time.monotonic() - started
    assert "did not answer in time" in json.dumps(outcome.json())
    assert elapsed < 4


async def test_a_slow_datadog_delays_no_ack(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Thirty commands while every Datadog answer takes 3 s: every ack returns before Datadog answers any."""
    fake_datadog.add_v1(["env:prod"])
    fake_datadog.latency = 3.0
    before = fake_datadog.answered
    acks = await asyncio.gather(*(slack.command("env:prod", name=f"burst{i}") for i in range(30)))
    assert [a.status_code for a in acks] == [200] * 30
    assert fake_datadog.answered == before
    # The previews really were waiting on Datadog while the acks went out, all thirty on one shared list read.
    await fake_datadog.wait_for(lambda r: r.path == "/api/v2/downtime", count=1, within=2.5)
    assert fake_datadog.answered == before
    await asyncio.sleep(0.3)
    assert sum(r.path == "/api/v2/downtime" for r in fake_datadog.requests) == 1
