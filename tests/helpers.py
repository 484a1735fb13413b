"""What the test files share: credentials of the fakes, environments, senders of signed requests,
helpers that read the bot's messages, and the bot as a real process."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from bot.config import Settings
from bot.datadog.client import DatadogClient
from bot.datadog.http import DatadogHTTP, RetryPolicy
from bot.domain.actor import Person
from bot.errors import PersonUnknown
from bot.slack.server import BotProcess
from bot.slack.views.action_ids import CONFIRM_ACTION
from tests.fakes import FakeDatadog, FakeSlack, Recorded, action_body, command_body, sign

ROOT = Path(__file__).resolve().parents[1]
SIGNING_SECRET = "5e3c1f0a9b8d7e6f5a4b3c2d1e0f9a8b"  # the shape of a real one: 32 hexadecimal characters
BOT_TOKEN = "xoxb-test-bot-token"
DD_API_KEY = "test-dd-api-key-abcdef"
DD_APP_KEY = "test-dd-app-key-123456"

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RECORDINGS = SHARED / "datadog-recordings"
MANIFEST_SCHEMA = SHARED / "slack-manifest-schema" / "manifest.schema.1.0.0.json"


def base_env(slack_url: str = "http://127.0.0.1:9/api/", datadog_url: str = "http://127.0.0.1:9") -> dict[str, str]:
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


@dataclass
class RedisServer:
    """A real redis-server on a loopback port, without persistence; stopped and started on the same port."""

    port: int
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def on_free_port(cls) -> RedisServer:
        return cls(free_port())

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it and wait until it takes connections (in CI, a missing redis-server fails)."""
        binary = shutil.which("redis-server")
        if binary is None:
            if os.environ.get("CI"):
                pytest.fail("redis-server is not installed; .ci/run installs it")
            pytest.skip("redis-server is not installed (apt-get install redis-server)")
        self.process = subprocess.Popen(  # noqa: S603 - our own argument list
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.process.kill()
                    pytest.fail("redis-server did not start")
                time.sleep(0.02)

    def stop(self) -> None:
        """Stop it (its data goes with it)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def process_env(extra: dict[str, str]) -> dict[str, str]:
    """A clean environment: no inherited Slack or Datadog variables, the project importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DD_", "DATADOG_"))}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


async def start(env: dict[str, str], cwd: Path, *args: str) -> asyncio.subprocess.Process:
    """`python -m bot *args` in `cwd`, its output (stdout and stderr) readable as one stream."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=process_env(env),
        stdin=subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )


async def read_until(process: asyncio.subprocess.Process, text: str, within: float = 10) -> list[dict[str, Any]]:
    """The JSON log lines up to and including the first whose message contains `text`."""
    assert process.stdout is not None
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(within):
        while True:
            raw = await process.stdout.readline()
            assert raw, f"the process ended before logging {text!r}: {seen}"
            try:
                seen.append(json.loads(raw))
            except ValueError:
                seen.append({"message": raw.decode(), "logger": "plain"})
            if text in seen[-1].get("message", ""):
                return seen


def socket_env(fake_slack: FakeSlack, fake_datadog: FakeDatadog, **extra: str) -> dict[str, str]:
    env = {**base_env(fake_slack.url + "/api/", fake_datadog.url), "SLACK_APP_TOKEN": "xapp-1-test", **extra}
    del env["SLACK_SIGNING_SECRET"]
    return env


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


BotWith = Callable[..., AbstractAsyncContextManager[SlackSender]]
CANCEL = ("POST", "/api/v1/downtime/cancel/by_scope")


def is_cancel(r: Recorded) -> bool:
    """A cancel-by-scope request."""
    return (r.method, r.path) == CANCEL


async def prompt_for(
    slack: SlackSender, fake_slack: FakeSlack, text: str, name: str = "cmd", user: str = "U_ALICE"
) -> dict[str, Any]:
    """Type the command and return the ephemeral prompt the bot posts to the response_url."""
    response = await slack.command(text, name=name, user_id=user)
    assert response.status_code == 200
    (posted,) = await fake_slack.wait_for(lambda r: r.path == f"/response/{name}")
    message: dict[str, Any] = posted.json()
    return message


async def report_for(
    slack: SlackSender, fake_slack: FakeSlack, text: str = "env:prod", name: str = "click", user: str = "U_ALICE"
) -> dict[str, Any]:
    """Type the command, press the prompt's danger button, and return the channel report."""
    prompt = await prompt_for(slack, fake_slack, text, name=f"{name}-cmd", user=user)
    await slack.click(CONFIRM_ACTION, button_value(prompt, CONFIRM_ACTION), name=name, user_id=user)
    (report,) = await fake_slack.wait_for(lambda r: r.path == f"/response/{name}" and b"in_channel" in r.body,
                                          within=8)
    message: dict[str, Any] = report.json()
    return message


async def press(slack: SlackSender, fake_slack: FakeSlack, prompt: dict[str, Any], action: str,
                name: str = "click") -> dict[str, Any]:
    """Press one of the prompt's buttons and return the channel report it leads to."""
    await slack.click(action, button_value(prompt, action), name=name)
    (report,) = await fake_slack.wait_for(lambda r: r.path == f"/response/{name}" and b"in_channel" in r.body,
                                          within=8)
    message: dict[str, Any] = report.json()
    return message


async def confirm_on(url: str, http: httpx.AsyncClient, fake_slack: FakeSlack, text: str = "env:prod") -> None:
    """Against a bot process at `url`: type the command (signed, as Slack does), then press the prompt's danger
    button; the click's response_url is /response/click."""
    body = command_body(text, response_url=fake_slack.response_url("cmd"))
    await http.post(f"{url}/slack/events", content=body, headers=sign(body, SIGNING_SECRET))
    (prompt,) = await fake_slack.wait_for(lambda r: r.path == "/response/cmd")
    click = action_body(CONFIRM_ACTION, button_value(prompt.json(), CONFIRM_ACTION),
                        response_url=fake_slack.response_url("click"))
    await http.post(f"{url}/slack/events", content=click, headers=sign(click, SIGNING_SECRET))


def button_value(message: dict[str, Any], action_id: str) -> str:
    """The value of the message's button with that action ID (the test fails if there is none)."""
    for block in message["blocks"]:
        for element in [*block.get("elements", []), *([block["accessory"]] if "accessory" in block else [])]:
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button in {message}")


def all_text(message: dict[str, Any]) -> str:
    """Everything in a message, as one string to search."""
    return json.dumps(message)


@dataclass
class BotRun:
    """A `python -m bot` process: its port once it listens, and its log lines as they come."""

    process: asyncio.subprocess.Process
    port: int
    lines: list[str] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def add(self, line: str) -> None:
        """Keep a log line and wake whoever waits for one."""
        async with self.changed:
            self.lines.append(line)
            self.changed.notify_all()

    async def wait_for_log(self, text: str, within: float = 5.0) -> None:
        """Wait until a log line contains `text`."""
        async with asyncio.timeout(within), self.changed:
            await self.changed.wait_for(lambda: text in self.log())

    @property
    def url(self) -> str:
        """Where it listens."""
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        """Every line so far."""
        return "\n".join(self.lines)


@asynccontextmanager
async def bot_process(env: dict[str, str], cwd: Path) -> AsyncIterator[BotRun]:
    """Start `python -m bot`, wait for its listening line, and collect its log until it ends."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=cwd, env=process_env(env),
        stdin=subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    run = BotRun(process, 0)
    async with asyncio.timeout(10):
        while not run.port:
            raw = await process.stdout.readline()
            assert raw, f"bot exited before listening:\n{run.log()}"
            run.lines.append(raw.decode().rstrip())
            message = json.loads(raw).get("message", "")
            if message.startswith("listening on http://"):
                run.port = int(message.rsplit(":", 1)[1].split("/")[0])

    async def pump() -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            await run.add(raw.decode().rstrip())

    reader = asyncio.create_task(pump())
    try:
        yield run
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
        await reader


@dataclass
class StaticPeople:
    """A `People` with fixed answers: anyone not in `known` is a member of `team`; `fail` makes Slack unable to say."""

    team: str
    known: dict[str, Person] = field(default_factory=dict)
    fail: bool = False
    asked: list[str] = field(default_factory=list)

    async def person(self, user_id: str) -> Person:
        self.asked.append(user_id)
        if self.fail:
            raise PersonUnknown("users.info failed: TimeoutError")
        return self.known.get(user_id) or Person(user_id, team=self.team)

    def prefetch(self, user_id: str) -> None:
        pass


class Clock:
    """A clock a test moves by hand (`clock.now += 601`)."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- The Datadog client on httpx's mock transport -----------------------------------------------

DD_MOCK_API_KEY = "api-key-that-must-not-leak"
DD_MOCK_APP_KEY = "app-key-that-must-not-leak"


def mock_datadog(
    handler: Callable[[httpx.Request], httpx.Response], policy: RetryPolicy | None = None
) -> DatadogClient:
    """A client on a mock transport; one attempt per call unless a policy says otherwise."""
    return DatadogClient(DatadogHTTP(
        "https://api.datadoghq.com", DD_MOCK_API_KEY, DD_MOCK_APP_KEY, timeout=1.0,
        transport=httpx.MockTransport(handler), policy=policy or RetryPolicy(attempts=1),
    ))


@dataclass
class Waits:
    """Records the waits a policy asks for instead of sleeping."""

    seconds: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def scripted(*answers: httpx.Response | Exception) -> tuple[Callable[[httpx.Request], httpx.Response], list[str]]:
    """A handler giving these answers in order (the last one again when they run out)."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers[min(len(calls), len(answers) - 1)]
        calls.append(f"{request.method} {request.url.path}")
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler, calls


# --- Socket Mode ------------------------------------------------------------------------------------

def socket_settings(fake_slack: FakeSlack, fake_datadog: FakeDatadog, **extra: str) -> Settings:
    """Settings for a Socket Mode bot on the fakes (no signing secret: Socket Mode needs none)."""
    env = {**base_env(fake_slack.url + "/api/", fake_datadog.url), "SLACK_APP_TOKEN": "xapp-1-test", **extra}
    del env["SLACK_SIGNING_SECRET"]
    return Settings.from_env(env, mode="socket")


@asynccontextmanager
async def socket_bot(settings: Settings) -> AsyncIterator[BotProcess]:
    """A Socket Mode bot, connected to the fake Slack, stopped cleanly at the end."""
    bot = BotProcess(settings)
    await bot.start()
    try:
        yield bot
    finally:
        assert await bot.stop()


def command_envelope(envelope_id: str, response_url: str, **fields: Any) -> dict[str, Any]:
    """A slash command as Socket Mode delivers it."""
    text = fields.pop("text", "env:prod")
    form = command_body(text, response_url=response_url, **fields).decode()
    return {"envelope_id": envelope_id, "type": "slash_commands", "payload": dict(parse_qsl(form)),
            "accepts_response_payload": True}


def click_envelope(envelope_id: str, action_id: str, value: str, response_url: str, **fields: Any) -> dict[str, Any]:
    """A button click as Socket Mode delivers it (`fields`: `action_body`'s options)."""
    form = dict(parse_qsl(action_body(action_id, value, response_url=response_url, **fields).decode()))
    return {"envelope_id": envelope_id, "type": "interactive", "payload": json.loads(form["payload"])}
