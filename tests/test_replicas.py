"""Two bot processes sharing a real Redis: exactly one cancellation, whichever replica serves the click."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from bot.slack.views.action_ids import CONFIRM_ACTION
from tests.fakes import FakeDatadog, FakeSlack, Reply, action_body, command_body, sign
from tests.helpers import SIGNING_SECRET, BotWith, base_env, bot_process, prompt_for


def confirm_value(prompt: dict[str, object]) -> str:
    blocks = prompt["blocks"]
    assert isinstance(blocks, list)
    actions = next(b for b in blocks if b["type"] == "actions")
    return str(actions["elements"][0]["value"])


async def post(http: httpx.AsyncClient, url: str, body: bytes) -> httpx.Response:
    return await http.post(f"{url}/slack/events", content=body, headers=sign(body, SIGNING_SECRET))


async def test_two_replicas_cancel_once(
    tmp_path: Path, redis_url: str, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """A prompt from replica A, clicked at once on A and B: Datadog sees one cancellation; one click is told."""
    downtime = fake_datadog.add_v1(["env:prod"])
    fake_datadog.always(
        "POST", "/api/v1/downtime/cancel/by_scope", Reply(200, {"cancelled_ids": [downtime["v1_id"]]}, delay=0.2)
    )
    env = {**base_env(fake_slack.url + "/api/", fake_datadog.url), "REDIS_URL": redis_url}
    async with bot_process(env, tmp_path) as a, bot_process(env, tmp_path) as b, httpx.AsyncClient() as http:
        await post(http, a.url, command_body("env:prod", response_url=fake_slack.response_url("cmd")))
        (prompt,) = await fake_slack.wait_for(lambda r: r.path == "/response/cmd")
        value = confirm_value(prompt.json())
        clicks = [
            action_body(CONFIRM_ACTION, value, response_url=fake_slack.response_url(name)) for name in ("on-a", "on-b")
        ]
        answers = await asyncio.gather(post(http, a.url, clicks[0]), post(http, b.url, clicks[1]))
        assert [r.status_code for r in answers] == [200, 200]
        (outcome,) = await fake_slack.wait_for(lambda r: b"in_channel" in r.body)
        refused = await fake_slack.wait_for(lambda r: b"no longer pending" in r.body)
        assert len(refused) == 1
        assert {outcome.path, refused[0].path} == {"/response/on-a", "/response/on-b"}
        await asyncio.sleep(0.3)
        assert len(fake_datadog.received(lambda r: r.path.endswith("by_scope"))) == 1


async def test_the_other_replica_serves_the_click(
    tmp_path: Path, redis_url: str, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """The prompt comes from replica A; the click lands on B, which cancels what A previewed."""
    downtime = fake_datadog.add_v2("env:prod")
    env = {**base_env(fake_slack.url + "/api/", fake_datadog.url), "REDIS_URL": redis_url}
    async with bot_process(env, tmp_path) as a, bot_process(env, tmp_path) as b, httpx.AsyncClient() as http:
        await post(http, a.url, command_body("env:prod", response_url=fake_slack.response_url("cmd")))
        (prompt,) = await fake_slack.wait_for(lambda r: r.path == "/response/cmd")
        await post(http, b.url, action_body(CONFIRM_ACTION, confirm_value(prompt.json()),
                                            response_url=fake_slack.response_url("click")))
        (outcome,) = await fake_slack.wait_for(lambda r: b"in_channel" in r.body)
        assert f"id={downtime['uuid']}|" in outcome.body.decode()
        assert downtime["canceled"]
        await b.wait_for_log('"event": "cancelled"')


async def test_unreachable_redis_fails_closed_end_to_end(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """REDIS_URL pointing nowhere: /healthz is 503 and a command gets no button, only the reason."""
    fake_datadog.add_v1(["env:prod"])
    async with bot_with(REDIS_URL="redis://127.0.0.1:9/0") as slack:
        health = await slack.http.get(slack.url.replace("/slack/events", "/healthz"))
        assert health.status_code == 503
        answer = await prompt_for(slack, fake_slack, "env:prod")
    assert "cannot reach its confirmation store" in answer["text"]
    assert "actions" not in json.dumps([b["type"] for b in answer["blocks"]])


async def test_replicas_without_redis_say_so_instead_of_acting(
    tmp_path: Path, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Two processes and no REDIS_URL, as a Deployment of two replicas with REDIS_URL left empty: a click on the
    newer one's prompt that lands on the older one is refused, saying that copies of the bot share nothing and
    naming REDIS_URL, with an error line in the log; nothing is cancelled. The other way round (a prompt from a
    process started earlier) cannot be told from a restart: "no longer pending"."""
    fake_datadog.add_v1(["env:prod"])
    env = base_env(fake_slack.url + "/api/", fake_datadog.url)
    async with bot_process(env, tmp_path) as older, bot_process(env, tmp_path) as newer, httpx.AsyncClient() as http:
        await post(http, newer.url, command_body("env:prod", response_url=fake_slack.response_url("new")))
        (prompt,) = await fake_slack.wait_for(lambda r: r.path == "/response/new")
        await post(http, older.url, action_body(CONFIRM_ACTION, confirm_value(prompt.json()),
                                                response_url=fake_slack.response_url("on-older")))
        (refused,) = await fake_slack.wait_for(lambda r: r.path == "/response/on-older")
        text = refused.json()["text"]
        assert "made by another copy of this bot, running at the same time" in text
        assert "`REDIS_URL`" in text
        assert "Nothing was cancelled." in text
        await older.wait_for_log("several replicas are serving without REDIS_URL")
        error = next(json.loads(line) for line in older.lines if "several replicas" in line)
        assert error["level"] == "error"
        assert any('"reason": "other_replica"' in line for line in older.lines)

        await post(http, older.url, command_body("env:prod", response_url=fake_slack.response_url("old")))
        (earlier,) = await fake_slack.wait_for(lambda r: r.path == "/response/old")
        await post(http, newer.url, action_body(CONFIRM_ACTION, confirm_value(earlier.json()),
                                                response_url=fake_slack.response_url("on-newer")))
        (gone,) = await fake_slack.wait_for(lambda r: r.path == "/response/on-newer")
        assert "no longer pending" in gone.json()["text"]
        assert not fake_datadog.received(lambda r: r.method in ("POST", "DELETE"))
