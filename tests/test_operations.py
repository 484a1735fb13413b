"""The operator's view of a real `python -m bot` process: the start-up line, Socket Mode health, stopping."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import httpx

from tests.fakes import FakeDatadog, FakeSlack, command_body, sign
from tests.helpers import (
    BOT_TOKEN,
    DD_API_KEY,
    SIGNING_SECRET,
    base_env,
    bot_process,
    free_port,
    read_until,
    socket_env,
    start,
)


async def test_the_start_up_line_says_what_runs_and_warns_without_a_policy(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog, tmp_path: Path
) -> None:
    """Mode, site, store, undo window and policy in one line; a warning with no policy; no Bolt token warning."""
    process = await start(base_env(fake_slack.url + "/api/", fake_datadog.url), tmp_path)
    try:
        lines = await read_until(process, "listening on http://")
    finally:
        process.terminate()
        await process.wait()
    (starting,) = [line for line in lines if line["message"].startswith("starting in ")]
    assert starting["message"] == (
        f"starting in HTTP mode; Datadog site datadoghq.com ({fake_datadog.url}); confirmations in memory "
        "(one replica); undo window 900 s; access policy: none"
    )
    warning = next(line for line in lines if "no access policy is set" in line["message"])
    assert warning["level"] == "warning"
    assert not [line for line in lines if line["logger"].startswith("slack_bolt") and "token" in line["message"]]
    assert BOT_TOKEN not in json.dumps(lines)


async def test_socket_mode_serves_health_on_port_while_connected(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog, tmp_path: Path
) -> None:
    """With PORT set in Socket Mode, /healthz answers 200 while connected and 503 once the socket is gone."""
    port = free_port()
    process = await start(socket_env(fake_slack, fake_datadog, PORT=str(port)), tmp_path, "--socket-mode")
    try:
        await read_until(process, "connected to Slack in Socket Mode")
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
            for socket in list(fake_slack.sockets):
                await socket.close()
            fake_slack.socket_url = "ws://127.0.0.1:9/socket"  # reconnecting cannot succeed
            for _ in range(50):
                if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 503:
                    break
                await asyncio.sleep(0.1)
            health = await http.get(f"http://127.0.0.1:{port}/healthz")
            assert (health.status_code, health.json()) == (503, {"status": "not connected to Slack"})
    finally:
        process.terminate()
        await process.wait()


async def test_sigterm_ends_socket_mode_while_it_cannot_connect(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog, tmp_path: Path
) -> None:
    """A WebSocket that never opens: SIGTERM still ends the process, within the grace period plus 5 s."""
    fake_slack.socket_url = "ws://127.0.0.1:9/socket"
    process = await start(socket_env(fake_slack, fake_datadog, SHUTDOWN_GRACE_SECONDS="2"), tmp_path,
                          "--socket-mode")
    await read_until(process, "starting in Socket mode")
    await asyncio.sleep(1)
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(2 + 5):
        await process.wait()
    assert time.monotonic() - sent < 7


async def test_a_refused_app_token_ends_socket_mode_with_exit_code_1(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog, tmp_path: Path
) -> None:
    """apps.connections.open refused: exit 1, a line naming SLACK_APP_TOKEN and Slack's code, no token."""
    fake_slack.app_token_error = "invalid_auth"
    process = await start(socket_env(fake_slack, fake_datadog), tmp_path, "--socket-mode")
    out, _ = await asyncio.wait_for(process.communicate(), 15)
    assert process.returncode == 1
    text = out.decode()
    assert "cannot start: Slack refused SLACK_APP_TOKEN (invalid_auth)" in text
    assert "xapp-1-test" not in text
    assert DD_API_KEY not in text


async def test_each_socket_mode_connect_attempt_is_one_line_with_its_cause(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog, tmp_path: Path
) -> None:
    """A WebSocket that cannot be opened: the SDK's attempt is one short line naming the cause, no traceback."""
    fake_slack.socket_url = "ws://127.0.0.1:9/socket"
    process = await start(socket_env(fake_slack, fake_datadog), tmp_path, "--socket-mode")
    try:
        lines = await read_until(process, "Failed to connect", within=15)
    finally:
        process.terminate()
        await process.wait()
    attempt = lines[-1]
    assert "exception" not in attempt
    assert attempt["message"].startswith("Failed to connect [request details omitted]; cause: ClientConnectorError")
    assert len(json.dumps(attempt)) < 600
    assert not [line for line in lines if "Traceback" in json.dumps(line)]


async def test_bad_signatures_warn_once_naming_the_signing_secret(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog, tmp_path: Path
) -> None:
    """Three requests signed with another secret: each refused 401, one warning naming SLACK_SIGNING_SECRET
    (rate limited), and neither secret in the log."""
    async with bot_process(base_env(fake_slack.url + "/api/", fake_datadog.url), tmp_path) as run, \
            httpx.AsyncClient() as http:
        body = command_body("env:prod", response_url=fake_slack.response_url("cmd"))
        for _ in range(3):
            answer = await http.post(f"{run.url}/slack/events", content=body, headers=sign(body, "not-the-secret"))
            assert answer.status_code == 401
        await run.wait_for_log("SLACK_SIGNING_SECRET is not this app's Signing Secret")
        run.process.terminate()
        await run.process.wait()
    warnings = [json.loads(line) for line in run.lines if "bad signature" in line and '"warning"' in line]
    assert [w["message"].split(":")[0] for w in warnings] == ["1 request(s) to /slack/events with a bad signature, "
                                                             "refused (401)"]
    assert SIGNING_SECRET not in run.log()
    assert "not-the-secret" not in run.log()
    assert not fake_slack.received(lambda r: r.path == "/response/cmd")
