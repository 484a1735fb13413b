"""`python -m bot demo`: the real bot, unchanged, between a sandbox Datadog and a sandbox Slack, on loopback.

Three servers on 127.0.0.1: the sandbox Datadog (a free port), the sandbox Slack with its page
(`--port`, 3000), and the bot in HTTP mode (a free port), configured as an operator would configure
it, only pointed at the sandboxes (`DATADOG_HOST`, `SLACK_API_URL`). Its tokens, keys and signing
secret are made up at each start: nothing is read from `.env` or the environment (`__main__` reads
`LOG_LEVEL` for its own logging), and nothing reaches a real Slack or Datadog.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
import sys
from typing import TextIO

from bot.config import Settings
from bot.sandbox import DEFAULT_PORT
from bot.sandbox.datadog import SandboxDatadog
from bot.sandbox.page import SandboxPage
from bot.sandbox.sender import ToBot
from bot.sandbox.workspace import PEOPLE
from bot.slack.server import BotProcess
from bot.slack.views.action_ids import WHATS_MUTING_CALLBACK

BANNER = "SANDBOX: a pretend Slack and Datadog on this machine; no real Slack or Datadog is reached."


def settings_for(datadog_url: str, slack_url: str) -> tuple[Settings, str]:
    """The bot's settings for the sandbox, and the signing secret the sandbox Slack signs with."""
    signing_secret = secrets.token_hex(16)
    env = {
        "SLACK_BOT_TOKEN": "xoxb-sandbox-" + secrets.token_hex(12),
        "SLACK_SIGNING_SECRET": signing_secret,
        "DD_API_KEY": secrets.token_hex(16),
        "DD_APP_KEY": secrets.token_hex(20),
        "DATADOG_HOST": datadog_url,
        "SLACK_API_URL": slack_url + "/api/",
        "HOST": "127.0.0.1",
        "PORT": "0",
        "AUDIT_CHANNEL_ID": "C0AUDIT",
        # One scope only bob may cancel, so that the page can show a refusal and its reason.
        "PROTECTED_SCOPES": "service:payments",
        "PROTECTED_SCOPE_USER_IDS": PEOPLE[1].id,
    }
    return Settings.from_env(env, mode="http"), signing_secret


class Sandbox:
    """The three servers, started and stopped together (the demo, the tests and the pictures use this)."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.datadog = SandboxDatadog()
        self.page = SandboxPage("", self.datadog, WHATS_MUTING_CALLBACK)
        self.bot: BotProcess | None = None

    @property
    def url(self) -> str:
        """The page's address."""
        return self.page.url + "/"

    async def start(self) -> None:
        """Start Datadog, then Slack and its page (on `port`), then the bot; seed the sandbox."""
        self.datadog.keep_at_most = 500
        await self.datadog.start()
        await self.page.start(self.port)
        settings, signing_secret = settings_for(self.datadog.url, self.page.url)
        self.datadog.keys = (settings.dd_api_key, settings.dd_app_key)
        self.page.bot_token = settings.slack_bot_token
        self.page.reset()
        self.bot = BotProcess(settings)
        await self.bot.start()
        self.page.bot = ToBot(self.page.workspace, f"http://127.0.0.1:{self.bot.port}/slack/events",
                              signing_secret, self.page.url)

    async def stop(self) -> None:
        """Stop the bot, then the sandboxes."""
        if self.bot is not None:
            await self.bot.stop()
        if self.page.bot is not None:
            await self.page.bot.aclose()
        await self.page.stop()
        await self.datadog.stop()


async def demo(port: int = DEFAULT_PORT, out: TextIO = sys.stdout) -> int:
    """Run the sandbox until SIGINT or SIGTERM; 1 when the page's port is taken."""
    print(BANNER, file=out, flush=True)
    sandbox = Sandbox(port)
    try:
        await sandbox.start()
    except OSError as error:
        await sandbox.stop()
        print(f"cannot listen on 127.0.0.1:{port} ({error.strerror or error}): pass another with --port.",
              file=out, flush=True)
        return 1
    print(f"Open {sandbox.url} and type /cancel-downtime help. Ctrl-C stops it.", file=out, flush=True)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on every platform
            loop.add_signal_handler(sig, stopping.set)
    try:
        await stopping.wait()
    finally:
        await sandbox.stop()
    print("sandbox stopped.", file=out, flush=True)
    return 0
