"""Every request answered, and every report posted once: the word "payload" anywhere, Slack's Web API down, slow
or refusing, a channel report whose answer came late.

Envelopes delivered twice are in `test_envelopes.py`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import aiohttp
import pytest
from slack_bolt.response import BoltResponse

from bot.config import Settings
from bot.errors import SlackTokenRefused
from bot.slack import edge, identity, respond, server
from bot.slack.app import answerable
from bot.slack.server import BotProcess, run
from bot.slack.views.action_ids import CONFIRM_ACTION, PREVIEW_ACTION, UNDO_ACTION
from bot.slack.views.notices import FAILED, UNKNOWN_WORKSPACE
from tests.fakes import FakeDatadog, FakeSlack, Reply, action_body, command_body
from tests.helpers import (
    BotWith,
    SlackSender,
    all_text,
    button_value,
    command_envelope,
    prompt_for,
    socket_bot,
    socket_settings,
)

PAYLOAD_FIELDS = [
    {"text": "service:payload-api"},
    {"channel_name": "payload-oncall"},
    {"user_name": "payload"},
    {"team_domain": "payload-inc"},
]


# --- 1. The word "payload" -------------------------------------------------------------------


@pytest.mark.parametrize("fields", PAYLOAD_FIELDS, ids=lambda f: next(iter(f)))
async def test_payload_anywhere_in_a_command_still_gets_its_prompt_over_http(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog, fields: dict[str, str]
) -> None:
    """A scope, channel, user or team domain containing "payload" is answered like any other command."""
    scope = fields.get("text", "env:prod")
    fake_datadog.add_v1([scope])
    extra: dict[str, Any] = {k: v for k, v in fields.items() if k != "text"}
    body = command_body(scope, response_url=fake_slack.response_url("cmd"), **extra)
    response = await slack.post(body)
    assert response.status_code == 200
    (prompt,) = await fake_slack.wait_for(lambda r: r.path == "/response/cmd")
    assert "Cancel 1 downtime" in all_text(prompt.json())


async def test_payload_in_the_click_path_confirms_and_previews(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """A confirm click on a "payload" scope cancels it; a near miss's button whose value says "payload" previews."""
    near = fake_datadog.add_v1(["service:payload-api", "env:prod"], message="payload deploy")
    await slack.command("service:payload-api", name="miss")
    (miss,) = await fake_slack.wait_for(lambda r: r.path == "/response/miss")
    value = next(b["accessory"]["value"] for b in miss.json()["blocks"] if "accessory" in b)
    assert "payload" in value
    assert (await slack.click(PREVIEW_ACTION, value, name="preview")).status_code == 200
    (prompt,) = await fake_slack.wait_for(lambda r: r.path == "/response/preview")
    assert "payload deploy" in all_text(prompt.json())
    await slack.click(CONFIRM_ACTION, button_value(prompt.json(), CONFIRM_ACTION), name="preview")
    await fake_slack.wait_for(lambda r: r.path == "/response/preview" and b"in_channel" in r.body)
    assert fake_datadog.downtimes[near["uuid"]]["canceled"]


@pytest.mark.parametrize("fields", PAYLOAD_FIELDS, ids=lambda f: next(iter(f)))
async def test_payload_anywhere_in_a_command_over_socket_mode(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog, fields: dict[str, str]
) -> None:
    """Over Socket Mode too, a command mentioning "payload" anywhere gets its prompt."""
    fake_datadog.add_v1([fields.get("text", "env:prod")])
    async with socket_bot(socket_settings(fake_slack, fake_datadog)):
        await fake_slack.push(command_envelope("e-1", fake_slack.response_url("cmd"), **fields))
        (prompt,) = await fake_slack.wait_for(lambda r: r.path == "/response/cmd")
        assert "Cancel 1 downtime" in all_text(prompt.json())


@pytest.mark.parametrize("text", [
    "service:payload-api", "payload", "a=payload&b=%70ayload", "%payload", "x%2payload", "payload=1", "PAYLOAD",
])
def test_the_body_bolt_sees_has_the_same_fields_and_no_bare_payload(text: str) -> None:
    """Re-encoding for Bolt keeps every field's value and hides the word only where no payload field exists."""
    form = command_body(text, response_url="https://hooks.slack.com/commands/1").decode()
    rewritten = edge.for_bolt(form)
    assert parse_qs(rewritten, keep_blank_values=True) == parse_qs(form, keep_blank_values=True)
    assert "payload" not in rewritten
    click = action_body(CONFIRM_ACTION, text, response_url="https://hooks.slack.com/actions/1").decode()
    assert edge.for_bolt(click) == click


# --- 2. Slack's Web API down ------------------------------------------------------------------


async def test_slack_unreachable_at_start_is_answered_not_a_500(
    make_settings: Callable[..., Settings], fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """With the Web API unreachable, commands and clicks get a 200 that says why; health stays 200."""
    fake_datadog.add_v1(["env:prod"])
    bot = BotProcess(make_settings(SLACK_API_URL="http://127.0.0.1:9/api/"))
    await bot.start()
    sender = SlackSender(f"http://127.0.0.1:{bot.port}", fake_slack)
    try:
        response = await sender.command("env:prod")
        assert (response.status_code, response.text) == (200, UNKNOWN_WORKSPACE)
        click = await sender.click(CONFIRM_ACTION, "A" * 24, name="click")
        assert click.status_code == 200
        (told,) = await fake_slack.wait_for(lambda r: r.path == "/response/click")
        assert told.json()["text"] == UNKNOWN_WORKSPACE
        assert (await sender.http.get(f"http://127.0.0.1:{bot.port}/healthz")).status_code == 200
        assert not fake_datadog.received(lambda r: r.path.startswith("/api/v1/downtime/cancel"))
    finally:
        await sender.http.aclose()
        await bot.stop()


@pytest.mark.parametrize("outage", [
    Reply(503, text="upstream connect error"),
    Reply(500, {"ok": False, "error": "fatal_error"}),
    Reply(200, {"ok": True, "team_id": "T0001"}, delay=10),
], ids=["503", "500-json", "slow-10s"])
async def test_slack_down_or_slow_at_start_does_not_block_or_break_the_bot(
    make_settings: Callable[..., Settings], fake_slack: FakeSlack, fake_datadog: FakeDatadog,
    monkeypatch: pytest.MonkeyPatch, outage: Reply,
) -> None:
    """A 5xx or a 10 s auth.test: the bot starts anyway and answers a command with a 200 and a reason."""
    monkeypatch.setattr(server, "IDENTITY_TIMEOUT_SECONDS", 0.3)
    fake_slack.outage = outage
    bot = BotProcess(make_settings())
    async with asyncio.timeout(3):
        await bot.start()
    sender = SlackSender(f"http://127.0.0.1:{bot.port}", fake_slack)
    try:
        async with asyncio.timeout(2):
            response = await sender.command("env:prod")
        assert (response.status_code, response.text) == (200, UNKNOWN_WORKSPACE)
    finally:
        await sender.http.aclose()
        await bot.stop()


async def test_with_slack_team_id_a_known_person_works_through_a_web_api_outage(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """SLACK_TEAM_ID needs no auth.test, and a person Slack has already placed (users.info, cached) needs no Web
    API call: prompt and report travel by response_url while the Web API is down. A person not yet placed
    gets a definite refusal, with nothing read from or sent to Datadog."""
    downtime = fake_datadog.add_v1(["env:prod"])
    fake_slack.outage = Reply(503, text="down")
    async with bot_with(SLACK_TEAM_ID="T0001") as sender:
        await sender.command("env:prod", name="early")
        (refusal,) = await fake_slack.wait_for(lambda r: r.path == "/response/early")
        assert "could not confirm who you are" in refusal.json()["text"]
        assert not fake_datadog.received(lambda r: "downtime" in r.path)
        fake_slack.outage = None
        await sender.command("env:prod", name="cmd")
        (prompt,) = await fake_slack.wait_for(lambda r: r.path == "/response/cmd")
        fake_slack.outage = Reply(503, text="down")
        await sender.click(CONFIRM_ACTION, button_value(prompt.json(), CONFIRM_ACTION), name="cmd")
        (report,) = await fake_slack.wait_for(lambda r: r.path == "/response/cmd" and b"in_channel" in r.body)
        assert f"id={downtime['v1_id']}" in report.body.decode()


async def test_the_workspace_is_learned_once_slack_answers_again(
    make_settings: Callable[..., Settings], fake_slack: FakeSlack, fake_datadog: FakeDatadog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Refused while unknown; asked again in the background; the next command then gets its prompt."""
    monkeypatch.setattr(identity, "RETRY_EVERY_SECONDS", 0.0)
    fake_datadog.add_v1(["env:prod"])
    fake_slack.auth_reply = Reply(503, text="down")
    bot = BotProcess(make_settings())
    await bot.start()
    sender = SlackSender(f"http://127.0.0.1:{bot.port}", fake_slack)
    try:
        assert (await sender.command("env:prod")).text == UNKNOWN_WORKSPACE
        fake_slack.auth_reply = None
        await fake_slack.wait_for(lambda r: r.path == "/api/auth.test", count=2)
        for _ in range(50):
            if bot.identity.current is not None:
                break
            await asyncio.sleep(0.02)
        assert (await sender.command("env:prod", name="again")).status_code == 200
        (prompt,) = await fake_slack.wait_for(lambda r: r.path == "/response/again")
        assert "Cancel 1 downtime" in all_text(prompt.json())
    finally:
        await sender.http.aclose()
        await bot.stop()


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked", "not_authed", "account_inactive"])
async def test_a_refused_bot_token_stops_the_start_with_exit_code_1(
    make_settings: Callable[..., Settings], fake_slack: FakeSlack, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack refusing the token ends `run` with 1 and a log line naming SLACK_BOT_TOKEN and Slack's code."""
    fake_slack.auth_reply = Reply(200, {"ok": False, "error": code})
    with pytest.raises(SlackTokenRefused) as refused:
        await BotProcess(make_settings()).start()
    assert refused.value.code == code
    assert await run(make_settings()) == 1
    line = next(r.getMessage() for r in caplog.records if "cannot start" in r.getMessage())
    assert "SLACK_BOT_TOKEN" in line
    assert code in line
    assert "xoxb-test-bot-token" not in caplog.text


def test_a_bare_500_from_bolt_becomes_a_200_with_a_message() -> None:
    """Bolt's 500 (a listener raised) reaches Slack as a 200 saying nothing was done; other answers pass."""
    assert (answerable(BoltResponse(status=500, body="")).status, answerable(BoltResponse(status=500, body="")).body) \
        == (200, FAILED)
    ok = BoltResponse(status=404, body="not found")
    assert answerable(ok) is ok


async def test_slack_hanging_up_at_start_is_a_warning_not_a_crash(
    make_settings: Callable[..., Settings], fake_slack: FakeSlack
) -> None:
    """A Slack endpoint that closes every connection (aiohttp's ServerDisconnectedError) does not stop the start."""

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        bot = BotProcess(make_settings(SLACK_API_URL=f"http://127.0.0.1:{port}/api/"))
        await bot.start()
        sender = SlackSender(f"http://127.0.0.1:{bot.port}", fake_slack)
        try:
            response = await sender.command("env:prod")
            assert (response.status_code, response.text) == (200, UNKNOWN_WORKSPACE)
        finally:
            await sender.http.aclose()
            await bot.stop()


async def test_a_channel_report_slack_took_but_answered_late_is_not_posted_twice(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The response_url post of the report reaches Slack, whose answer comes after the bot's timeout: no
    chat.postMessage copy goes to the channel (one outcome, one report, one Undo); the requester alone gets
    a copy saying Slack did not confirm the channel report, with the same Undo."""
    monkeypatch.setattr(respond, "TIMEOUT", aiohttp.ClientTimeout(total=0.3))
    fake_datadog.add_v2("env:prod")
    fake_slack.channel_post_delay = 1.0
    prompt = await prompt_for(slack, fake_slack, "env:prod")
    await slack.click(CONFIRM_ACTION, button_value(prompt, CONFIRM_ACTION))
    (copy,) = await fake_slack.wait_for(lambda r: r.path == "/api/chat.postEphemeral", within=5)
    (channel,) = fake_slack.received(lambda r: r.path == "/response/click" and b"in_channel" in r.body)
    assert fake_slack.received(lambda r: r.path == "/api/chat.postMessage") == []
    private = all_text(fake_slack.messages()[-1])
    assert "Slack did not confirm that the channel got this report" in private
    assert button_value(channel.json(), UNDO_ACTION) == button_value(fake_slack.messages()[-1], UNDO_ACTION)
    assert copy.path == "/api/chat.postEphemeral"
