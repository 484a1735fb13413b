"""Shared fixtures: loopback fakes of Slack and Datadog, and the real bot serving HTTP against them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from bot.server import BotProcess
from tests.fakes import FakeDatadog, FakeSlack, action_body, command_body, sign
from tests.limits import assert_within_slack_limits

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-bot-token"
DD_API_KEY = "test-dd-api-key-abcdef"
DD_APP_KEY = "test-dd-app-key-123456"

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RECORDINGS = SHARED / "datadog-recordings"
MANIFEST_SCHEMA = SHARED / "slack-manifest-schema" / "manifest.schema.1.0.0.json"


def base_env(slack_url: str = "http://127.0.0.1:9/", datadog_url: str = "http://127.0.0.1:9") -> dict[str, str]:
    """A complete, valid environment pointing at the given fakes."""
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_url,
        "DD_API_KEY": DD_API_KEY,
        "DD_APP_KEY": DD_APP_KEY,
        "DATADOG_HOST": datadog_url,
        "HOST": "127.0.0.1",
        "PORT": "0",
        "DD_TIMEOUT_SECONDS": "1",
        "DD_MAX_ATTEMPTS": "1",  # retries have their own tests
        "DD_RETRY_BACKOFF_SECONDS": "0.01",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server on a loopback port for this test session (in CI, a missing one fails)."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed; .ci/run installs it")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own argument list
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.02)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """Slack's Web API and response URLs on loopback; every message it received must be one Slack accepts."""
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()
    for message in fake.messages():
        assert_within_slack_limits(message)


@pytest.fixture
async def fake_datadog() -> AsyncIterator[FakeDatadog]:
    """Datadog's API on loopback."""
    fake = FakeDatadog()
    await fake.start()
    yield fake
    await fake.stop()


class SlackSender:
    """Sends signed requests, as Slack does, to the bot's /slack/events."""

    def __init__(self, bot_url: str, fake_slack: FakeSlack) -> None:
        self.url = f"{bot_url}/slack/events"
        self.fake_slack = fake_slack
        self.http = httpx.AsyncClient(timeout=10)

    async def post(self, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
        """POST a body, signed with the right secret unless `headers` are given."""
        return await self.http.post(self.url, content=body, headers=headers or sign(body, SIGNING_SECRET))

    async def command(self, text: str, *, name: str = "cmd", user_id: str = "U_ALICE") -> httpx.Response:
        """Type `/cancel-downtime text`; replies go to response_url `name`."""
        return await self.post(command_body(text, response_url=self.fake_slack.response_url(name), user_id=user_id))

    async def click(
        self, action_id: str, value: str, *, name: str = "click", user_id: str = "U_ALICE"
    ) -> httpx.Response:
        """Click a button; replies go to response_url `name`."""
        body = action_body(action_id, value, response_url=self.fake_slack.response_url(name), user_id=user_id)
        return await self.post(body)


@pytest.fixture
def make_settings(fake_slack: FakeSlack, fake_datadog: FakeDatadog) -> Callable[..., Settings]:
    """Settings for a bot wired to the fakes, with overrides as keyword arguments."""

    def make(**overrides: str) -> Settings:
        env = base_env(fake_slack.url + "/api/", fake_datadog.url)
        env.update(overrides)
        return Settings.from_env(env)

    return make


BotWith = Callable[..., AbstractAsyncContextManager[SlackSender]]


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
