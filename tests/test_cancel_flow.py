"""The whole path over real HTTP: signed requests into the running bot, fakes of Slack and Datadog."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import pytest

from bot.config import Settings
from bot.slack.server import BotProcess
from bot.slack.views.action_ids import CONFIRM_ACTION, KEEP_ACTION
from tests.fakes import FakeDatadog, FakeSlack, Reply, command_body, sign
from tests.helpers import (
    CANCEL,
    DD_API_KEY,
    DD_APP_KEY,
    SIGNING_SECRET,
    SlackSender,
    all_text,
    button_value,
    is_cancel,
    prompt_for,
)


async def test_confirmed_cancellation_reaches_datadog_and_the_channel(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Command, prompt, confirm: Datadog gets the canonical scope with both keys; the channel gets linked IDs."""
    first = fake_datadog.add_v1(["env:prod", "service:api"])
    second = fake_datadog.add_v1(["service:api", "env:prod"])
    prompt = await prompt_for(slack, fake_slack, " Service:API , env:prod ")
    assert prompt["response_type"] == "ephemeral"
    assert "`env:prod,service:api`" in all_text(prompt)
    assert "Cancel 2 downtimes" in all_text(prompt)
    confirm = next(e for b in prompt["blocks"] for e in b.get("elements", []) if e.get("action_id") == CONFIRM_ACTION)
    assert confirm["style"] == "danger"
    assert "confirm" in confirm
    assert not fake_datadog.received(is_cancel), "nothing is cancelled before the click"

    click = await slack.click(CONFIRM_ACTION, button_value(prompt, CONFIRM_ACTION))
    assert click.status_code == 200
    posts = await fake_slack.wait_for(lambda r: r.path == "/response/click", count=3)
    replaced, outcome, deleted = (p.json() for p in posts)
    assert replaced["replace_original"] is True
    assert "actions" not in {b["type"] for b in replaced["blocks"]}
    assert outcome["response_type"] == "in_channel"
    assert "<@U_ALICE>" in outcome["text"]
    for record in (first, second):
        link = f"https://app.datadoghq.com/monitors/downtimes?id={record['v1_id']}|{record['v1_id']}"
        assert link in all_text(outcome)
    assert deleted["delete_original"] is True

    (call,) = fake_datadog.received(is_cancel)
    assert call.json() == {"scope": "env:prod,service:api"}
    assert call.headers["DD-API-KEY"] == DD_API_KEY
    assert call.headers["DD-APPLICATION-KEY"] == DD_APP_KEY


async def test_help_and_empty_text_explain_usage(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """`/cancel-downtime` alone and `help` both answer the usage, ephemeral, with examples."""
    for name, text in (("empty", ""), ("help", "help")):
        message = await prompt_for(slack, fake_slack, text, name=name)
        assert message["response_type"] == "ephemeral"
        assert "/cancel-downtime env:prod,service:api" in all_text(message)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("&lt;!channel&gt;", "'&lt;!channel&gt;' has no value"),
        ("<!channel>", "Slack mentions"),
        ("env:prod OR env:staging", "AND, OR and NOT"),
        ("env:prod,,service:api", "empty"),
        ("env:*", "Wildcards"),
        ("9env:prod", "start with a letter"),
        ("env:prod&amp;x", "'&amp;'"),
    ],
)
async def test_invalid_scopes_are_refused_before_datadog(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog, text: str, expected: str
) -> None:
    """An invalid scope gets an ephemeral explanation; Datadog hears nothing; nothing can ping anyone."""
    message = await prompt_for(slack, fake_slack, text)
    assert message["response_type"] == "ephemeral"
    assert expected in all_text(message)
    assert "<!channel>" not in all_text(message)
    assert "actions" not in {b["type"] for b in message["blocks"]}
    assert not fake_datadog.received(is_cancel)


@pytest.mark.parametrize("shift", [0, -301, 301])
async def test_bad_signatures_and_stale_timestamps_get_401(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog, shift: int
) -> None:
    """A wrong signature, or a right one over a timestamp more than 5 minutes off, is refused with 401."""
    body = command_body("env:prod", response_url=fake_slack.response_url("cmd"))
    headers = sign(body, SIGNING_SECRET, int(time.time()) + shift) if shift else sign(body, "not-the-signing-secret")
    response = await slack.post(body, headers)
    assert response.status_code == 401
    await asyncio.sleep(0.05)
    assert not fake_slack.received(lambda r: r.path == "/response/cmd")


async def test_double_click_cancels_once(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Two clicks on one prompt at the same time: one cancellation, and the other click is told why."""
    downtime = fake_datadog.add_v1(["env:prod"])
    fake_datadog.reply(*CANCEL, Reply(200, {"cancelled_ids": [downtime["v1_id"]]}, delay=0.2))
    value = button_value(await prompt_for(slack, fake_slack, "env:prod"), CONFIRM_ACTION)
    first, second = await asyncio.gather(
        slack.click(CONFIRM_ACTION, value, name="a"), slack.click(CONFIRM_ACTION, value, name="b")
    )
    assert first.status_code == second.status_code == 200
    await fake_slack.wait_for(lambda r: '"in_channel"' in r.body.decode())
    later = await slack.click(CONFIRM_ACTION, value, name="c")
    assert later.status_code == 200
    (replay,) = await fake_slack.wait_for(lambda r: r.path == "/response/c")
    assert "no longer pending" in replay.json()["text"]
    assert len(fake_datadog.received(is_cancel)) == 1


async def test_only_the_requester_can_confirm(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Someone else's click is refused without using the confirmation; the requester can still confirm."""
    fake_datadog.add_v1(["env:prod"])
    value = button_value(await prompt_for(slack, fake_slack, "env:prod"), CONFIRM_ACTION)
    await slack.click(CONFIRM_ACTION, value, name="bob", user_id="U_BOB")
    (refusal,) = await fake_slack.wait_for(lambda r: r.path == "/response/bob")
    assert refusal.json()["response_type"] == "ephemeral"
    assert "Only <@U_ALICE>" in refusal.json()["text"]
    assert not fake_datadog.received(is_cancel)

    await slack.click(CONFIRM_ACTION, value, name="alice")
    await fake_slack.wait_for(lambda r: r.path == "/response/alice" and '"in_channel"' in r.body.decode())
    assert len(fake_datadog.received(is_cancel)) == 1


async def test_keep_removes_the_buttons_and_uses_the_confirmation(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Keep replaces the prompt; a later confirm on the same prompt cancels nothing."""
    fake_datadog.add_v1(["env:prod"])
    prompt = await prompt_for(slack, fake_slack, "env:prod")
    await slack.click(KEEP_ACTION, button_value(prompt, KEEP_ACTION), name="keep")
    (kept,) = await fake_slack.wait_for(lambda r: r.path == "/response/keep")
    assert kept.json()["replace_original"] is True
    assert "Nothing was cancelled" in kept.json()["text"]
    await slack.click(CONFIRM_ACTION, button_value(prompt, CONFIRM_ACTION), name="late")
    await fake_slack.wait_for(lambda r: r.path == "/response/late")
    assert not fake_datadog.received(is_cancel)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(404, {"errors": ["No downtimes found"]}), "cancelled 1 downtime on `env:prod`."),
        (Reply(400, {"errors": ["Invalid scope parameter"]}), "(HTTP 400): Invalid scope parameter"),
        (Reply(403, {"errors": ["Forbidden"]}), "lacks the `monitors_downtime` or `monitors_read` permission"),
        (Reply(429, {"errors": ["Rate limited"]}, headers={"X-RateLimit-Reset": "17"}), "Try again in 17 s"),
        (Reply(500, text=""), "internal error (HTTP 500)"),
        (Reply(503, text="upstream down"), "internal error (HTTP 503)"),
        (Reply(200, text="not json"), "does not understand"),
        (Reply(404, text="<html>no such path</html>"), "does not understand"),
        (Reply(200, {"cancelled_ids": []}, delay=1.5), "did not answer in time, and reading back shows nothing was"),
    ],
)
async def test_every_datadog_answer_is_explained_in_the_channel(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog, reply: Reply, expected: str
) -> None:
    """Each Datadog status or failure ends as a channel message saying what happened, never a key."""
    fake_datadog.add_v1(["env:prod"])
    fake_datadog.reply(*CANCEL, reply)
    value = button_value(await prompt_for(slack, fake_slack, "env:prod"), CONFIRM_ACTION)
    await slack.click(CONFIRM_ACTION, value)
    (outcome,) = await fake_slack.wait_for(
        lambda r: r.path == "/response/click" and '"in_channel"' in r.body.decode(), within=8
    )
    text = all_text(outcome.json())
    assert expected in text
    assert DD_API_KEY not in text
    assert DD_APP_KEY not in text


async def test_unreachable_datadog_is_explained(
    make_settings: Callable[..., Settings], fake_slack: FakeSlack
) -> None:
    """With nothing listening at DATADOG_HOST, the requester hears that Datadog could not be reached."""
    bot = BotProcess(make_settings(DATADOG_HOST="http://127.0.0.1:9"))
    await bot.start()
    sender = SlackSender(f"http://127.0.0.1:{bot.port}", fake_slack)
    try:
        answer = await prompt_for(sender, fake_slack, "env:prod")
        assert answer["response_type"] == "ephemeral"
        assert "could not connect to Datadog" in answer["text"]
        assert "actions" not in {b["type"] for b in answer["blocks"]}
    finally:
        await sender.http.aclose()
        await bot.stop()


async def test_outcome_falls_back_to_chat_post_message(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """When the response_url refuses the report, it is posted to the channel with chat.postMessage."""
    downtime = fake_datadog.add_v1(["env:prod"])
    value = button_value(await prompt_for(slack, fake_slack, "env:prod"), CONFIRM_ACTION)
    fake_slack.response_url_status = 404
    await slack.click(CONFIRM_ACTION, value)
    (posted,) = await fake_slack.wait_for(lambda r: r.path == "/api/chat.postMessage")
    assert posted.headers["Authorization"] == "Bearer xoxb-test-bot-token"
    form = dict(httpx.QueryParams(posted.body.decode())) if b"=" in posted.body[:20] else posted.json()
    assert form["channel"] == "C_OPS"
    assert str(downtime["v1_id"]) in str(form["blocks"])


async def test_healthz_answers_once_ready(running_bot: BotProcess) -> None:
    """GET /healthz is 200 while serving."""
    async with httpx.AsyncClient() as http:
        response = await http.get(f"http://127.0.0.1:{running_bot.port}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_slack_rate_limit_is_waited_out(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """chat.postMessage answering 429 with Retry-After is retried, and the report still arrives."""
    fake_datadog.add_v1(["env:prod"])
    value = button_value(await prompt_for(slack, fake_slack, "env:prod"), CONFIRM_ACTION)
    fake_slack.response_url_status = 404
    fake_slack.rate_limited["chat.postMessage"] = 1
    await slack.click(CONFIRM_ACTION, value)
    posts = await fake_slack.wait_for(lambda r: r.path == "/api/chat.postMessage", count=2)
    assert len(posts) == 2


async def test_outcome_reaches_the_requester_when_the_channel_is_closed(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """response_url used up and the bot not in the channel: the requester gets the report ephemerally."""
    downtime = fake_datadog.add_v1(["env:prod"])
    value = button_value(await prompt_for(slack, fake_slack, "env:prod"), CONFIRM_ACTION)
    fake_slack.response_url_status = 404
    fake_slack.post_message_ok = False
    await slack.click(CONFIRM_ACTION, value)
    (posted,) = await fake_slack.wait_for(lambda r: r.path == "/api/chat.postEphemeral")
    form = posted.json() if posted.body.startswith(b"{") else dict(httpx.QueryParams(posted.body.decode()))
    assert (form["channel"], form["user"]) == ("C_OPS", "U_ALICE")
    assert str(downtime["v1_id"]) in str(form["blocks"])
