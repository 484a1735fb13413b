"""Shared fixtures: loopback fakes of Slack and Datadog, a real Redis, and the real bot serving HTTP against them.

Helpers that are not fixtures are in `tests/helpers.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import pytest

from bot.config import Settings
from bot.slack.server import BotProcess
from tests.fakes import FakeDatadog, FakeSlack
from tests.helpers import DD_API_KEY, DD_APP_KEY, BotWith, RedisServer, SlackSender, base_env
from tests.limits import assert_within_slack_limits


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server on a loopback port for this test session (in CI, a missing one fails)."""
    server = RedisServer.on_free_port()
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A real redis-server of this test's own, to stop and start again on the same port."""
    server = RedisServer.on_free_port()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """Slack's Web API and response URLs on loopback; every message it received must be one Slack accepts, and no
    response_url was posted to more than Slack's five times."""
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()
    for message in fake.messages():
        assert_within_slack_limits(message)
    assert fake.overused == [], "the bot posted more than 5 times to one response_url"


@pytest.fixture
async def fake_datadog() -> AsyncIterator[FakeDatadog]:
    """Datadog's API on loopback, accepting the test keys only."""
    fake = FakeDatadog(keys=(DD_API_KEY, DD_APP_KEY))
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def make_settings(fake_slack: FakeSlack, fake_datadog: FakeDatadog) -> Callable[..., Settings]:
    """Settings for a bot wired to the fakes, with overrides as keyword arguments."""

    def make(**overrides: str) -> Settings:
        env = base_env(fake_slack.url + "/api/", fake_datadog.url)
        env.update(overrides)
        return Settings.from_env(env)

    return make


@pytest.fixture
def bot_with(make_settings: Callable[..., Settings], fake_slack: FakeSlack) -> BotWith:
    """Start another bot with settings overridden, and a sender for it: `async with bot_with(X="1") as s`."""

    @asynccontextmanager
    async def start(**overrides: str) -> AsyncIterator[SlackSender]:
        bot = BotProcess(make_settings(**overrides))
        await bot.start()
        sender = SlackSender(f"http://127.0.0.1:{bot.port}", fake_slack)
        try:
            yield sender
        finally:
            await sender.http.aclose()
            await bot.stop()

    return start


@pytest.fixture
async def running_bot(make_settings: Callable[..., Settings]) -> AsyncIterator[BotProcess]:
    """The real bot serving HTTP on a loopback port, wired to the fakes."""
    bot = BotProcess(make_settings())
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def slack(running_bot: BotProcess, fake_slack: FakeSlack) -> AsyncIterator[SlackSender]:
    """A sender of signed Slack requests to the running bot."""
    sender = SlackSender(f"http://127.0.0.1:{running_bot.port}", fake_slack)
    yield sender
    await sender.http.aclose()
