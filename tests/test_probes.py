"""Liveness and readiness of a real `python -m bot` process: only a dead process fails liveness; an outage of
Slack or Redis, or a stop in progress, fails readiness alone. And an address in use is one line, not a traceback."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
from pathlib import Path

import httpx

from tests.fakes import FakeDatadog, FakeSlack, Reply, command_body, sign
from tests.helpers import SIGNING_SECRET, base_env, bot_process, confirm_on, free_port, read_until, socket_env, start


async def probe(http: httpx.AsyncClient, port: int) -> tuple[int, int, dict[str, str]]:
    """(liveness status, readiness status, readiness body)."""
    live = await http.get(f"http://127.0.0.1:{port}/livez")
    ready = await http.get(f"http://127.0.0.1:{port}/readyz")
    legacy = await http.get(f"http://127.0.0.1:{port}/healthz")
    assert (legacy.status_code, legacy.json()) == (ready.status_code, ready.json()), "/healthz is readiness"
    return live.status_code, ready.status_code, ready.json()


async def test_slack_gone_in_socket_mode_fails_readiness_not_liveness(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog, tmp_path: Path
) -> None:
    """Connected: both 200. The WebSocket dropped and cannot come back: readiness 503 naming Slack, liveness
    still 200, so a Kubernetes liveness probe never restarts the pod for Slack's outage."""
    port = free_port()
    process = await start(socket_env(fake_slack, fake_datadog, PORT=str(port)), tmp_path, "--socket-mode")
    try:
        await read_until(process, "connected to Slack in Socket Mode")
        async with httpx.AsyncClient() as http:
            assert (await probe(http, port))[:2] == (200, 200)
            fake_slack.socket_url = "ws://127.0.0.1:9/socket"  # reconnecting cannot succeed
            for ws in list(fake_slack.sockets):
                await ws.close()
            for _ in range(50):
                if (await probe(http, port))[1] == 503:
                    break
                await asyncio.sleep(0.1)
            assert await probe(http, port) == (200, 503, {"status": "not connected to Slack"})
    finally:
        process.terminate()
        await process.wait()


async def test_socket_mode_liveness_answers_before_slack_does(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog, tmp_path: Path
) -> None:
    """Slack unreachable from the start: liveness already answers 200 (the start-up probe passes) while
    readiness says it is still starting."""
    port = free_port()
    env = socket_env(fake_slack, fake_datadog, PORT=str(port), SLACK_API_URL="http://127.0.0.1:9/api/")
    process = await start(env, tmp_path, "--socket-mode")
    try:
        await read_until(process, "health checks on http://")
        async with httpx.AsyncClient() as http:
            live, ready, body = await probe(http, port)
        assert (live, ready, body["status"]) == (200, 503, "starting")
    finally:
        process.terminate()
        await process.wait()


async def test_redis_down_fails_readiness_not_liveness(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog, tmp_path: Path
) -> None:
    """REDIS_URL pointing at nothing: readiness 503 naming the store; liveness 200."""
    env = base_env(fake_slack.url + "/api/", fake_datadog.url) | {"REDIS_URL": "redis://127.0.0.1:9/0",
                                                                   "REDIS_TIMEOUT_SECONDS": "0.2"}
    async with bot_process(env, tmp_path) as run, httpx.AsyncClient() as http:
        assert await probe(http, run.port) == (200, 503, {"status": "confirmation store unreachable"})


async def test_while_stopping_liveness_answers_and_readiness_and_slack_are_refused(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog, tmp_path: Path
) -> None:
    """SIGTERM with a cancellation running: during the grace period liveness stays 200 (no restart mid-cancel),
    readiness is 503 "stopping", a new Slack request gets 503; the cancellation still reports; exit 0."""
    downtime = fake_datadog.add_v1(["env:prod"])
    fake_datadog.reply("POST", "/api/v1/downtime/cancel/by_scope",
                       Reply(200, {"cancelled_ids": [downtime["v1_id"]]}, delay=1.5))
    async with bot_process(base_env(fake_slack.url + "/api/", fake_datadog.url), tmp_path) as run, \
            httpx.AsyncClient() as http:
        await confirm_on(run.url, http, fake_slack)
        await fake_datadog.wait_for(lambda r: r.path.endswith("by_scope"))
        run.process.send_signal(signal.SIGTERM)
        await run.wait_for_log("stopping: no new requests")
        assert await probe(http, run.port) == (200, 503, {"status": "stopping"})
        late = command_body("env:staging", response_url=fake_slack.response_url("late"))
        refused = await http.post(f"{run.url}/slack/events", content=late, headers=sign(late, SIGNING_SECRET))
        assert refused.status_code == 503
        (outcome,) = await fake_slack.wait_for(lambda r: b"in_channel" in r.body, within=5)
        assert f"id={downtime['v1_id']}" in outcome.body.decode()
        async with asyncio.timeout(10):
            assert await run.process.wait() == 0
        assert not fake_slack.received(lambda r: r.path == "/response/late")


async def test_a_port_in_use_is_one_line_and_exit_code_1(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog, tmp_path: Path
) -> None:
    """Another process holds PORT: one error line naming the address and the fix, no traceback, exit 1."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        env = base_env(fake_slack.url + "/api/", fake_datadog.url) | {"PORT": str(port), "HOST": "127.0.0.1"}
        process = await start(env, tmp_path)
        out, _ = await asyncio.wait_for(process.communicate(), 20)
    finally:
        holder.close()
    assert process.returncode == 1
    text = out.decode()
    assert "Traceback" not in text
    errors = [json.loads(line) for line in text.splitlines() if '"level": "error"' in line]
    assert [e["message"] for e in errors] == [
        f"cannot start: cannot listen on 127.0.0.1:{port}: address already in use; set PORT (or HOST) to a free "
        "address, or stop what holds it"]
