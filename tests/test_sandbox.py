"""The sandbox (`python -m bot demo`): its Slack follows Slack's rules, its page answers itself only, the real bot
runs a whole flow in it, and the demo command starts on loopback with nothing configured."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.sandbox import sender
from bot.sandbox.datadog import SandboxDatadog
from bot.sandbox.run import BANNER, Sandbox
from bot.sandbox.sender import ToBot
from bot.sandbox.workspace import BOT_USER_ID, PEOPLE, RESPONSE_URL_SECONDS, Workspace
from tests.fakes import FakeDatadog, FakeSlack
from tests.helpers import ROOT, free_port
from tests.scenes import Stage

ALICE, BOB, GUS, VERA = PEOPLE


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """The whole sandbox on free loopback ports: Datadog, Slack with its page, and the bot."""
    running = Sandbox()
    await running.start()
    yield running
    await running.stop()


async def call(sandbox: Sandbox, method: str, token: str | None = None, **args: Any) -> dict[str, Any]:
    """A Web API call to the sandbox Slack, as the SDK makes one (JSON, the bot token)."""
    headers = {"Authorization": f"Bearer {token or sandbox.page.bot_token}"}
    async with aiohttp.ClientSession() as session, session.post(
            f"{sandbox.page.url}/api/{method}", json=args, headers=headers) as response:
        answer: dict[str, Any] = await response.json()
        return answer


async def post_to(url: str, body: dict[str, Any]) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as response:
        return response.status, await response.text()


def test_the_tests_fake_datadog_is_the_sandbox_plus_faults() -> None:
    """One simulator: the tests' fake Datadog adds fault injection to the sandbox's and answers nothing itself."""
    assert issubclass(FakeDatadog, SandboxDatadog)
    own = {name for name in vars(FakeDatadog) if not name.startswith("__")}
    assert own == {"reply", "after_acting", "always", "answer_request"}


async def test_a_response_url_follows_slacks_rules(sandbox: Sandbox) -> None:
    """New posts are ephemeral unless in_channel; replace and delete change the clicked message; 5 posts, then no."""
    workspace = sandbox.page.workspace
    clicked = workspace.post("C0INCIDENT", BOT_USER_ID, "the prompt", visible_to=ALICE.id)
    url = sandbox.page.response_url_for(workspace.response_url("C0INCIDENT", ALICE.id, clicked.id))
    assert await post_to(url, {"text": "just for alice"}) == (200, "ok")
    assert "just for alice" not in [p.text for p in workspace.seen_by(BOB.id, "C0INCIDENT")]
    assert "just for alice" in [p.text for p in workspace.seen_by(ALICE.id, "C0INCIDENT")]
    assert await post_to(url, {"text": "for everyone", "response_type": "in_channel"}) == (200, "ok")
    assert "for everyone" in [p.text for p in workspace.seen_by(BOB.id, "C0INCIDENT")]
    assert await post_to(url, {"text": "Cancelling…", "replace_original": True}) == (200, "ok")
    assert (clicked.text, clicked.edited) == ("Cancelling…", True)
    assert await post_to(url, {"delete_original": True}) == (200, "ok")
    assert clicked.deleted
    assert clicked not in workspace.seen_by(ALICE.id, "C0INCIDENT")
    assert await post_to(url, {"text": "fifth"}) == (200, "ok")
    assert await post_to(url, {"text": "sixth"}) == (404, "used_url")
    assert await post_to(sandbox.page.response_url_for("nope"), {"text": "x"}) == (404, "expired_url")


async def test_a_response_url_lasts_30_minutes_and_needs_words(sandbox: Sandbox) -> None:
    """A response_url older than 30 minutes is expired; a post with neither text nor blocks is refused."""
    workspace = sandbox.page.workspace
    token = workspace.response_url("C0INCIDENT", ALICE.id, None)
    url = sandbox.page.response_url_for(token)
    assert await post_to(url, {"response_type": "ephemeral"}) == (400, "no_text")
    workspace.response_urls[token].issued -= RESPONSE_URL_SECONDS + 1
    assert await post_to(url, {"text": "late"}) == (404, "expired_url")


async def test_the_web_api_answers_as_slack_does(sandbox: Sandbox) -> None:
    """The bot token is required; unknown methods, channels the bot is not in and oversized messages are refused."""
    assert await call(sandbox, "auth.test", token="xoxb-wrong") == {"ok": False, "error": "invalid_auth"}
    assert (await call(sandbox, "auth.test"))["user_id"] == BOT_USER_ID
    assert (await call(sandbox, "conversations.list"))["error"] == "unknown_method"
    assert (await call(sandbox, "chat.postMessage", channel="C0RANDOM", text="x"))["error"] == "not_in_channel"
    assert (await call(sandbox, "chat.postMessage", channel="C0NOPE", text="x"))["error"] == "channel_not_found"
    many = [{"type": "divider"}] * 51
    assert (await call(sandbox, "chat.postMessage", channel="C0INCIDENT", text="x", blocks=many))["error"] == \
        "invalid_blocks"
    posted = await call(sandbox, "chat.postMessage", channel="C0INCIDENT", text="hello")
    assert posted["ok"]
    assert sandbox.page.workspace.posts[-1].ts == posted["ts"]
    assert (await call(sandbox, "users.info", user=GUS.id))["user"]["is_restricted"] is True
    assert (await call(sandbox, "users.info", user=VERA.id))["user"]["team_id"] != ALICE.team
    assert (await call(sandbox, "users.info", user="U0NOBODY"))["error"] == "user_not_found"


async def test_a_modal_opens_within_3_seconds_of_its_trigger(sandbox: Sandbox) -> None:
    """views.open takes a trigger_id once, within 3 s; a title over 24 characters and an unknown view are refused."""
    workspace = sandbox.page.workspace
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Cancel downtimes"},
            "blocks": [{"type": "divider"}]}
    fresh, old = workspace.trigger(ALICE.id), workspace.trigger(ALICE.id)
    workspace.triggers[old] = (ALICE.id, time.monotonic() - 4)
    assert (await call(sandbox, "views.open", trigger_id=old, view=view))["error"] == "expired_trigger_id"
    too_long = {**view, "title": {"type": "plain_text", "text": "x" * 25}}
    assert (await call(sandbox, "views.open", trigger_id=fresh, view=too_long))["error"] == "invalid_arguments"
    opened = await call(sandbox, "views.open", trigger_id=fresh, view=view)
    assert opened["ok"]
    assert workspace.modal_of(ALICE.id) is not None
    assert (await call(sandbox, "views.open", trigger_id=fresh, view=view))["error"] == "invalid_trigger_id"
    assert (await call(sandbox, "views.update", view_id="V0", view=view))["error"] == "not_found"


@pytest.mark.parametrize("headers", [{"Origin": "http://evil.test"}, {"Host": "evil.test"}])
async def test_the_page_answers_only_itself(sandbox: Sandbox, headers: dict[str, str]) -> None:
    """Another site open in the browser, or a rebound DNS name, cannot read or drive the sandbox."""
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{sandbox.page.url}/sandbox/state", headers=headers) as response:
            assert response.status == 403
        async with session.post(f"{sandbox.page.url}/sandbox/reset", json={}, headers=headers) as response:
            assert response.status == 403
        async with session.post(f"{sandbox.page.url}/sandbox/reset", data="{}",
                                headers={"Content-Type": "text/plain"}) as response:
            assert response.status == 403  # a cross-site form cannot send JSON without asking first
        async with session.post(f"{sandbox.page.url}/sandbox/launch", json={}) as response:
            assert response.status == 404


async def test_a_whole_flow_and_a_reset(sandbox: Sandbox) -> None:
    """Command, confirm, report seen by everyone, Undo by another member; Reset puts the seed back."""
    stage = Stage(sandbox)
    live_before = {d["uuid"] for d in sandbox.datadog.live()}
    prompt = await stage.command(ALICE, "env:prod,service:api", having="Cancel all")
    assert prompt.visible_to == ALICE.id
    report = await stage.click(ALICE, prompt, "Cancel all", having="Undo", ephemeral=False)
    assert report in sandbox.page.workspace.seen_by(BOB.id, "C0INCIDENT")
    assert await sandbox.page.until(lambda: prompt.deleted)  # the prompt goes once the report is in
    cancelled = live_before - {d["uuid"] for d in sandbox.datadog.live()}
    assert len(cancelled) == 3
    restored = await stage.click(BOB, report, "Undo", having="restored")
    assert restored is report
    assert len(sandbox.datadog.live()) == len(live_before)
    state = sandbox.page.state(ALICE, "C0INCIDENT")
    assert any(r["method"] == "DELETE" for r in state["datadog"])  # the page's request log
    copies = await sandbox.page.until(lambda: len(sandbox.page.workspace.seen_by(BOB.id, "C0AUDIT")) == 2 or None)
    assert copies  # the audit channel's copies of the cancel and the restore, the bot's last posts
    ok = await post_to(f"{sandbox.page.url}/sandbox/reset", {})
    assert ok[0] == 200
    assert {d["uuid"] for d in sandbox.datadog.live()} == live_before
    assert [p.author for p in sandbox.page.workspace.posts] == ["datadog"]


async def test_an_outsider_cannot_run_the_command(sandbox: Sandbox) -> None:
    """Slack offers the app's command only to its workspace's members: a Slack Connect outsider is told so."""
    datadog_calls = len(sandbox.datadog.requests)
    await sandbox.page._command(VERA, {"text": "/cancel-downtime env:staging", "channel": "C0INCIDENT"})
    said = sandbox.page.workspace.seen_by(VERA.id, "C0INCIDENT")[-1]
    assert said.author == "slackbot"
    assert "Slack Connect" in said.text
    assert len(sandbox.datadog.requests) == datadog_calls


async def test_slack_says_when_the_app_fails_or_is_slow(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command answered 500, or not within Slack's 3 s, gets Slack's own error line, as in Slack."""
    monkeypatch.setattr(sender, "ACK_SECONDS", 0.3)

    async def failing(request: web.Request) -> web.Response:
        return web.Response(status=500)

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.Response(text="late")

    app = web.Application()
    app.add_routes([web.post("/fail", failing), web.post("/slow", slow)])
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    workspace = Workspace()
    try:
        for path, error in (("/fail", "dispatch_failed"), ("/slow", "operation_timeout")):
            to_bot = ToBot(workspace, base + path, "secret", "http://127.0.0.1:9")
            await to_bot.command(ALICE, "C0INCIDENT", "help")
            await to_bot.aclose()
            assert workspace.posts[-1].text == f'/cancel-downtime failed with the error "{error}"'
            assert workspace.posts[-1].visible_to == ALICE.id
    finally:
        await runner.cleanup()


def _listening(pid: int) -> set[str]:
    """The addresses the process listens on (TCP), read from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # LISTEN
                found.add(fields[1].split(":")[0])
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads listening sockets from Linux's /proc")
def test_the_demo_starts_with_nothing_configured_on_loopback_only(tmp_path: Path) -> None:
    """`python -m bot demo` in a folder with a broken .env and no variables: first line says SANDBOX, the page
    answers, every socket listens on 127.0.0.1 only, and SIGTERM stops it cleanly."""
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxp-not-a-bot-token\nDD_SITE=nowhere\n")
    port = free_port()
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)}
    demo = subprocess.Popen([sys.executable, "-m", "bot", "demo", "--port", str(port)], cwd=tmp_path, env=env,  # noqa: S603
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert demo.stdout is not None
        assert demo.stdout.readline().strip() == BANNER
        assert f"http://127.0.0.1:{port}/" in demo.stdout.readline()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
            assert "SANDBOX" in page.read().decode()
        assert _listening(demo.pid) == {"0100007F"}  # 127.0.0.1, as /proc writes it
        demo.send_signal(signal.SIGTERM)
        out, err = demo.communicate(timeout=20)
    finally:
        demo.kill()
    assert demo.returncode == 0, err
    assert "sandbox stopped." in out


def test_the_demo_says_when_its_port_is_taken() -> None:
    """A port in use is one line naming --port, and exit 1."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "bot", "demo", "--port", str(port)], cwd=ROOT,  # noqa: S603
                              capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == BANNER
    assert f"cannot listen on 127.0.0.1:{port}" in done.stdout
    assert "--port" in done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(importlib.util.find_spec("setuptools") is None, reason="building the wheel needs setuptools")
def test_the_page_is_installed_with_the_package(tmp_path: Path) -> None:
    """The page's files ship in the package's wheel, so a non-editable install (as Docker makes) serves them."""
    source = tmp_path / "source"  # a copy: setuptools writes build/ beside the sources
    shutil.copytree(ROOT / "bot", source / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",  # noqa: S603
                    "-q", "-w", str(tmp_path)], check=True, capture_output=True, timeout=120, cwd=tmp_path)
    (wheel,) = tmp_path.glob("*.whl")
    shipped = {name for name in zipfile.ZipFile(wheel).namelist() if name.startswith("bot/sandbox/static/")}
    assert shipped == {f"bot/sandbox/static/{name}" for name in ("page.html", "page.css", "page.js")}


async def test_the_page_serves_its_files(sandbox: Sandbox) -> None:
    """The page, its script and its stylesheet are served; the page's first line says it is a sandbox."""
    async with aiohttp.ClientSession() as session:
        for path, kind in (("/", "text/html"), ("/static/page.js", "text/javascript"),
                           ("/static/page.css", "text/css")):
            async with session.get(sandbox.page.url + path) as response:
                assert response.status == 200
                assert response.content_type == kind
                text = await response.text()
        async with session.get(sandbox.page.url + "/") as response:
            body = await response.text()
    assert text
    first_line = body.split('<header id="banner"', 1)[1].split("\n")[1]
    assert first_line.strip().startswith("<strong>SANDBOX</strong>")


async def test_bad_input_gets_a_clear_answer(sandbox: Sandbox) -> None:
    """Malformed requests to the page, the Web API and a response_url are refused with a reason, never a 500."""
    url = sandbox.page.url
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{url}/sandbox/click", data="{not json", headers={"Content-Type": "application/json"}
                                ) as response:
            assert (response.status, await response.text()) == (400, "a JSON object is expected")
        async with session.post(f"{url}/sandbox/click", json={"post": "seven", "action": {"action_id": "x"}}
                                ) as response:
            assert await response.json() == {"ok": False, "error": "that message is not there"}
        async with session.get(f"{url}/sandbox/state?after=soon") as response:
            assert response.status == 200  # read as "whatever changed": the state at once
        async with session.post(f"{url}/api/chat.postMessage", data="{", headers={
                "Content-Type": "application/json", "Authorization": f"Bearer {sandbox.page.bot_token}"}) as response:
            assert (await response.json())["error"] == "invalid_json"
    token = sandbox.page.workspace.response_url("C0INCIDENT", ALICE.id, None)
    assert await post_to(sandbox.page.response_url_for(token), {"text": "x", "blocks": "not a list"}) == \
        (400, "invalid_blocks")
    assert (await call(sandbox, "chat.postMessage", channel="C0INCIDENT", text="x", blocks=[1, 2]))["error"] == \
        "invalid_blocks"


async def test_the_tests_fake_slack_keeps_the_five_post_rule_too() -> None:
    """The tests' Slack fake refuses a sixth post to one response_url, as the sandbox and Slack do, and keeps it for
    the fixture's check that no flow test over-posts."""
    fake = FakeSlack()
    await fake.start()
    try:
        url = fake.response_url("r1")
        answers = [await post_to(url, {"text": f"post {n}"}) for n in range(6)]
    finally:
        await fake.stop()
    assert answers[:5] == [(200, "ok")] * 5
    assert answers[5] == (404, "used_url")
    assert fake.overused == ["r1"]


async def test_the_sandbox_refuses_what_slack_refuses(sandbox: Sandbox) -> None:
    """A message or view past one of Slack's limits is refused, naming it, by the same rules the tests hold the bot
    to (`bot.sandbox.limits`): a button's words over 75 characters, a section over 3,000, a modal without a title."""
    long_button = [{"type": "actions", "elements": [{"type": "button", "action_id": "a", "value": "v",
                                                     "text": {"type": "plain_text", "text": "x" * 76}}]}]
    refused = await call(sandbox, "chat.postMessage", channel="C0INCIDENT", text="x", blocks=long_button)
    assert refused["error"] == "invalid_blocks"
    assert refused["response_metadata"]["messages"] == [
        "invalid actions block: text attribute cannot exceed 75 characters"]
    token = sandbox.page.workspace.response_url("C0INCIDENT", ALICE.id, None)
    long_section = [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}]
    assert await post_to(sandbox.page.response_url_for(token), {"text": "y", "blocks": long_section}) == \
        (400, "invalid_blocks")
    untitled = {"type": "modal", "blocks": [{"type": "divider"}]}
    opened = await call(sandbox, "views.open", trigger_id=sandbox.page.workspace.trigger(ALICE.id), view=untitled)
    assert opened["error"] == "invalid_arguments"
    assert opened["response_metadata"]["messages"] == ["modal title must be plain_text of 1 to 24 characters"]
    assert all(p.text != "x" for p in sandbox.page.workspace.posts)  # nothing refused was posted
