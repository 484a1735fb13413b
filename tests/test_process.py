"""`python -m bot` as a real process: configuration errors, .env, health, key check, SIGTERM, no secrets."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from bot.slack.views.action_ids import CONFIRM_ACTION
from tests.fakes import FakeDatadog, FakeSlack, Reply, action_body, command_body, sign
from tests.helpers import (
    BOT_TOKEN,
    DD_API_KEY,
    DD_APP_KEY,
    SIGNING_SECRET,
    base_env,
    bot_process,
    confirm_on,
    process_env,
)


def bot_env(fake_slack: FakeSlack, fake_datadog: FakeDatadog) -> dict[str, str]:
    return base_env(fake_slack.url + "/api/", fake_datadog.url)


def test_bad_configuration_fails_at_start_with_every_problem(tmp_path: Path) -> None:
    """Missing and invalid variables: exit code 2, one message naming each, no traceback, no secret."""
    result = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False,
        env=process_env({"SLACK_SIGNING_SECRET": SIGNING_SECRET, "DD_API_KEY": "x" * 32, "DD_SITE": "nowhere.com"}),
    )
    assert result.returncode == 2
    for name in ("SLACK_BOT_TOKEN", "DD_APP_KEY", "DD_SITE"):
        assert name in result.stderr
    assert "SLACK_SIGNING_SECRET is" not in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert SIGNING_SECRET not in result.stderr + result.stdout
    assert "x" * 32 not in result.stderr


async def test_env_file_fills_in_and_the_environment_wins(
    tmp_path: Path, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Variables come from .env where the environment lacks them; the environment's own values win."""
    env = bot_env(fake_slack, fake_datadog)
    (tmp_path / ".env").write_text(f"SLACK_BOT_TOKEN=xoxb-from-file\nDD_SITE=datadoghq.eu\nDD_APP_KEY={DD_APP_KEY}\n")
    del env["DD_APP_KEY"]
    downtime = fake_datadog.add_v1(["env:prod"])
    async with bot_process(env, tmp_path) as run, httpx.AsyncClient() as http:
        body = command_body("env:prod", response_url=fake_slack.response_url("cmd"))
        await http.post(f"{run.url}/slack/events", content=body, headers=sign(body, SIGNING_SECRET))
        (auth,) = await fake_slack.wait_for(lambda r: r.path == "/api/auth.test")
        assert auth.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
        (prompt,) = await fake_slack.wait_for(lambda r: r.path == "/response/cmd")
        value = next(b for b in prompt.json()["blocks"] if b["type"] == "actions")["elements"][0]["value"]
        click = action_body(CONFIRM_ACTION, value, response_url=fake_slack.response_url("click"))
        await http.post(f"{run.url}/slack/events", content=click, headers=sign(click, SIGNING_SECRET))
        (outcome,) = await fake_slack.wait_for(lambda r: b"in_channel" in r.body)
        assert f"https://app.datadoghq.eu/monitors/downtimes?id={downtime['v1_id']}" in outcome.body.decode()
        (cancel,) = fake_datadog.received(lambda r: r.path.endswith("by_scope"))
        assert cancel.headers["DD-APPLICATION-KEY"] == DD_APP_KEY


async def test_rejected_datadog_key_is_a_warning_not_a_crash(
    tmp_path: Path, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """A key check that Datadog refuses is logged as a warning; the bot stays up and healthy."""
    fake_datadog.always("GET", "/api/v1/validate", Reply(403, {"errors": ["Forbidden"]}))
    async with bot_process(bot_env(fake_slack, fake_datadog), tmp_path) as run, httpx.AsyncClient() as http:
        await fake_datadog.wait_for(lambda r: r.path == "/api/v1/validate")
        await run.wait_for_log("did not accept the API key")
        health = await http.get(f"{run.url}/healthz")
        assert health.status_code == 200
        warning = next(json.loads(line) for line in run.lines if "did not accept" in line)
        assert warning["level"] == "warning"


async def test_swapped_datadog_keys_are_said_at_start_by_their_lengths(
    tmp_path: Path, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """A 40-character DD_API_KEY and a 32-character DD_APP_KEY, refused: the warning says they look swapped,
    without showing either."""
    api_key, app_key = "a" * 40, "b" * 32
    env = bot_env(fake_slack, fake_datadog) | {"DD_API_KEY": api_key, "DD_APP_KEY": app_key}
    async with bot_process(env, tmp_path) as run:
        await run.wait_for_log("did not accept the API key")
    warning = next(json.loads(line) for line in run.lines if "did not accept" in line)
    assert warning["message"].endswith("(DD_API_KEY has 40 characters and DD_APP_KEY 32: they look swapped (an API "
                                       "key has 32, an application key 40))")
    assert api_key not in run.log()
    assert app_key not in run.log()


async def test_sigterm_lets_a_running_cancellation_finish_and_report(
    tmp_path: Path, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """SIGTERM while Datadog is answering: the cancellation completes, the channel hears it, exit code 0."""
    downtime = fake_datadog.add_v1(["env:prod"])
    fake_datadog.reply(
        "POST", "/api/v1/downtime/cancel/by_scope", Reply(200, {"cancelled_ids": [downtime["v1_id"]]}, delay=0.7)
    )
    async with bot_process(bot_env(fake_slack, fake_datadog), tmp_path) as run, httpx.AsyncClient() as http:
        await confirm_on(run.url, http, fake_slack)
        await fake_datadog.wait_for(lambda r: r.path.endswith("by_scope"))
        run.process.send_signal(signal.SIGTERM)
        (outcome,) = await fake_slack.wait_for(lambda r: b"in_channel" in r.body, within=5)
        assert f"id={downtime['v1_id']}" in outcome.body.decode()
        async with asyncio.timeout(10):
            assert await run.process.wait() == 0
        log = run.log()
        assert '"stopped"' in log
        for secret in (SIGNING_SECRET, BOT_TOKEN, DD_API_KEY, DD_APP_KEY, fake_slack.response_url("click")):
            assert secret not in log
        events = [json.loads(line).get("event") for line in run.lines if '"event"' in line]
        assert events == ["requested", "confirmed", "cancelled"]


def run_bot(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True, text=True,  # noqa: S603
                          timeout=30, check=False, env=process_env(env))


def test_a_missing_env_file_is_said_with_the_command_that_makes_one(tmp_path: Path) -> None:
    """No .env where the bot starts and an incomplete environment: the problems, then `cp .env.example .env` and
    the sandbox to try it first; a --env-file that does not exist: said as such; with a .env present, neither."""
    bare = run_bot(tmp_path, {})
    assert bare.returncode == 2
    assert "SLACK_BOT_TOKEN is missing" in bare.stderr
    assert f"No .env file in {tmp_path}: run cp .env.example .env and fill it in" in bare.stderr
    assert "with no Slack app and no Datadog keys: python -m bot demo" in bare.stderr  # the way to try it first
    named = run_bot(tmp_path, base_env(), "--env-file", "prod.env")
    assert named.returncode == 2
    assert named.stderr.strip() == "cancel-downtime-bot cannot start. --env-file prod.env: no such file."
    (tmp_path / ".env").write_text("LOG_LEVEL=INFO\n")
    present = run_bot(tmp_path, {})
    assert present.returncode == 2
    assert "No .env file" not in present.stderr
    assert "python -m bot demo" not in present.stderr  # a .env: they are setting up for real
