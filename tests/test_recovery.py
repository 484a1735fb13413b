"""Nothing a person confirmed ends without a report: `python -m bot` killed mid-cancel, mid-end-later or mid-Undo
(SIGKILL, with Redis: another process reports it) or stopped past its grace (SIGTERM, in memory: it reports what
it knows)."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from bot.slack.views.action_ids import CONFIRM_ACTION, END_ACTION, UNDO_ACTION
from tests.fakes import FakeDatadog, FakeSlack, Recorded, Reply, action_body, command_body, sign
from tests.helpers import SIGNING_SECRET, BotRun, base_env, bot_process, button_value


@pytest.fixture
def journal_redis(redis_url: str) -> Iterator[str]:
    """A Redis database of its own (emptied), so no other test's journal entry is reported here."""
    url = redis_url.rsplit("/", 1)[0] + "/3"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


def replicas_env(fake_slack: FakeSlack, fake_datadog: FakeDatadog, journal_redis: str) -> dict[str, str]:
    """Processes sharing one Redis, whose reconciler takes a dead one's entries within 2 s, and whose Datadog calls
    wait long enough for a test to kill them mid-call."""
    return {**base_env(fake_slack.url + "/api/", fake_datadog.url), "REDIS_URL": journal_redis,
            "RECOVERY_SECONDS": "2", "DD_TIMEOUT_SECONDS": "60", "ACTION_TIME_LIMIT_SECONDS": "60"}


async def killed(run: BotRun) -> None:
    """SIGKILL: no handler runs, nothing is flushed."""
    run.process.kill()
    await run.process.wait()


async def post(http: httpx.AsyncClient, run: BotRun, body: bytes) -> None:
    response = await http.post(f"{run.url}/slack/events", content=body, headers=sign(body, SIGNING_SECRET))
    assert response.status_code == 200


async def command_and_click(http: httpx.AsyncClient, run: BotRun, fake_slack: FakeSlack) -> None:
    await post(http, run, command_body("env:prod", response_url=fake_slack.response_url("cmd")))
    (prompt,) = await fake_slack.wait_for(lambda r: r.path == "/response/cmd")
    value = button_value(prompt.json(), CONFIRM_ACTION)
    await post(http, run, action_body(CONFIRM_ACTION, value, response_url=fake_slack.response_url("click")))


def channel_reports(fake_slack: FakeSlack) -> list[str]:
    return [r.body.decode() for r in fake_slack.requests if b"in_channel" in r.body]


CREATE = ("POST", "/api/v2/downtime")


async def press_undo(http: httpx.AsyncClient, run: BotRun, fake_slack: FakeSlack, datadog: FakeDatadog) -> None:
    """Cancel env:prod, wait for the channel report, press its Undo (response_url "undo"), and wait until both
    creates have reached Datadog."""
    await command_and_click(http, run, fake_slack)
    (report,) = await fake_slack.wait_for(lambda r: r.path == "/response/click" and b"in_channel" in r.body)
    await undo_on(http, run, fake_slack, report, "undo")
    await datadog.wait_for(lambda r: (r.method, r.path) == CREATE, count=2)
    await asyncio.sleep(0.3)  # the create that was answered is journaled


async def undo_on(http: httpx.AsyncClient, run: BotRun, fake_slack: FakeSlack, message: Recorded, name: str) -> None:
    """Press the Undo (or Try again) button of `message`; its answer goes to the response_url `name`."""
    await post(http, run, action_body(UNDO_ACTION, button_value(message.json(), UNDO_ACTION),
                                      response_url=fake_slack.response_url(name)))


def copies(fake_datadog: FakeDatadog) -> list[dict[str, Any]]:
    """The downtimes an Undo created again."""
    return [d for d in fake_datadog.live() if d.get("created_attributes")]


async def test_a_killed_process_is_reported_by_the_next_one_with_undo(
    tmp_path: Path, journal_redis: str, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """SIGKILL while Datadog holds the v2 DELETE it has already done (the v1 half cancelled): a new process
    on the same Redis finds the journal entry, reads Datadog back, and reports both as cancelled, through
    the click's response_url, with an Undo that works."""
    v1 = fake_datadog.add_v1(["env:prod"])
    v2 = fake_datadog.add_v2("env:prod")
    fake_datadog.after_acting("DELETE", f"/api/v2/downtime/{v2['uuid']}", Reply(204, delay=30))
    env = replicas_env(fake_slack, fake_datadog, journal_redis)
    async with httpx.AsyncClient() as http:
        async with bot_process(env, tmp_path) as first:
            await command_and_click(http, first, fake_slack)
            await fake_datadog.wait_for(lambda r: r.method == "DELETE")
            await fake_datadog.wait_for(lambda r: r.path.endswith("by_scope"))
            await asyncio.sleep(0.2)  # the by_scope step is journaled
            await killed(first)
        assert v1["canceled"]
        assert v2["canceled"]
        assert channel_reports(fake_slack) == []
        async with bot_process(env, tmp_path) as second:
            (posted,) = await fake_slack.wait_for(lambda r: b"in_channel" in r.body, within=10)
            report = json.dumps(posted.json())
            assert posted.path == "/response/click"
            assert "cancelled 2 downtimes on `env:prod`" in report
            assert "The bot stopped while cancelling" in report
            assert "Undo: restore 2 downtimes" in report
            await undo_on(http, second, fake_slack, posted, "undo")
            (restored,) = await fake_slack.wait_for(lambda r: r.path == "/response/undo", within=5)
            assert "restored 2 downtimes" in restored.body.decode()
            await second.wait_for_log('"recovered": true')
        await asyncio.sleep(0.5)
        assert len(channel_reports(fake_slack)) == 2  # the recovered report and the restored one: once each


async def test_a_process_killed_between_the_halves_reports_what_it_did_not_reach(
    tmp_path: Path, journal_redis: str, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """SIGKILL after cancel/by_scope, while the v2 DELETE is held before Datadog acts: the next process reports
    the v1 half cancelled and the v2 half still live ("run the command again"), and cancels nothing itself."""
    v1 = fake_datadog.add_v1(["env:prod"])
    v2 = fake_datadog.add_v2("env:prod")
    fake_datadog.reply("DELETE", f"/api/v2/downtime/{v2['uuid']}", Reply(204, delay=30))  # not acted on
    env = replicas_env(fake_slack, fake_datadog, journal_redis)
    async with httpx.AsyncClient() as http:
        async with bot_process(env, tmp_path) as first:
            await command_and_click(http, first, fake_slack)
            await fake_datadog.wait_for(lambda r: r.method == "DELETE")
            await killed(first)
        async with bot_process(env, tmp_path):
            (posted,) = await fake_slack.wait_for(lambda r: b"in_channel" in r.body, within=10)
    report = json.dumps(posted.json())
    assert v1["canceled"]
    assert v2["canceled"] is None
    assert "cancelled 1 of 2 downtimes on `env:prod`; 1 failed" in report
    assert "The bot was stopped before cancelling these; Datadog shows them still live. Run the command again." \
           in report
    assert f"id={v2['uuid']}|" in report
    assert len(fake_datadog.received(lambda r: r.method == "DELETE")) == 1


async def test_sigterm_past_the_grace_without_redis_reports_what_is_known(
    tmp_path: Path, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """SIGTERM with a DELETE still unanswered past the grace: the bot stops the work (no "could not connect…
    retrying"), posts what it knows (the v1 half cancelled, the v2 one not verified) and exits 1."""
    v1 = fake_datadog.add_v1(["env:prod"])
    v2 = fake_datadog.add_v2("env:prod")
    fake_datadog.after_acting("DELETE", f"/api/v2/downtime/{v2['uuid']}", Reply(204, delay=30))
    env = {**base_env(fake_slack.url + "/api/", fake_datadog.url), "SHUTDOWN_GRACE_SECONDS": "0.5",
           "DD_TIMEOUT_SECONDS": "60", "ACTION_TIME_LIMIT_SECONDS": "60", "DD_MAX_ATTEMPTS": "3"}
    async with httpx.AsyncClient() as http, bot_process(env, tmp_path) as run:
        await command_and_click(http, run, fake_slack)
        await fake_datadog.wait_for(lambda r: r.method == "DELETE")
        await fake_datadog.wait_for(lambda r: r.path.endswith("by_scope"))
        await asyncio.sleep(0.2)
        run.process.send_signal(signal.SIGTERM)
        (posted,) = await fake_slack.wait_for(lambda r: b"in_channel" in r.body, within=10)
        async with asyncio.timeout(10):
            assert await run.process.wait() == 1
    report = json.dumps(posted.json())
    assert v1["canceled"]
    assert "cancelled 1 of 2 downtimes on `env:prod`; 1 could not be verified" in report
    assert "The bot was stopped while cancelling" in report
    assert "the bot was stopped before Datadog answered" in report
    assert f"id={v2['uuid']}|" in report
    assert "No Undo button: the bot was stopping" in report
    everything = " ".join(r.body.decode() for r in fake_slack.requests)
    assert "retrying" not in everything
    assert "could not connect" not in everything


async def test_a_process_killed_mid_end_later_is_reported_by_the_next_one_from_datadogs_state(
    tmp_path: Path, journal_redis: str, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """`in 1h`, SIGKILL while one PATCH has landed (its answer held) and the other is held before Datadog acts:
    the next process reads both back and reports one end moved, the other not reached; it changes nothing."""
    landed = fake_datadog.add_v2("env:prod AND team:a", duration=6 * 3600)
    held = fake_datadog.add_v2("env:prod AND team:a", duration=6 * 3600)
    fake_datadog.after_acting("PATCH", f"/api/v2/downtime/{landed['uuid']}", Reply(200, delay=30))
    fake_datadog.reply("PATCH", f"/api/v2/downtime/{held['uuid']}", Reply(200, delay=30))  # not acted on
    old_end = held["end"]
    env = replicas_env(fake_slack, fake_datadog, journal_redis)
    async with httpx.AsyncClient() as http:
        async with bot_process(env, tmp_path) as first:
            await post(http, first, command_body("env:prod,team:a in 1h",
                                                 response_url=fake_slack.response_url("cmd")))
            (prompt,) = await fake_slack.wait_for(lambda r: r.path == "/response/cmd")
            await post(http, first, action_body(END_ACTION, button_value(prompt.json(), END_ACTION),
                                                response_url=fake_slack.response_url("click")))
            await fake_datadog.wait_for(lambda r: r.method == "PATCH", count=2)
            await killed(first)
        assert landed["end"] != old_end
        async with bot_process(env, tmp_path):
            (posted,) = await fake_slack.wait_for(lambda r: b"in_channel" in r.body, within=10)
    report = json.dumps(posted.json())
    assert posted.path == "/response/click"
    assert "The bot stopped while changing" in report
    assert "set 1 of 2 downtimes on `env:prod,team:a` to end at" in report
    assert "The bot was stopped before changing these; Datadog shows them as they were." in report
    assert f"id={held['uuid']}|" in report
    assert held["end"] == old_end
    assert len(fake_datadog.received(lambda r: r.method == "PATCH")) == 2


async def test_a_process_killed_mid_undo_is_reported_by_the_next_one_and_nothing_is_created_twice(
    tmp_path: Path, journal_redis: str, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """SIGKILL during an Undo, one create answered (journaled) and one done by Datadog with its answer held: the
    next process finds the second as the click sent it, reports both restored in place of the report Undo was
    pressed on, and creates nothing itself."""
    fake_datadog.add_v2("env:prod", message="a")
    fake_datadog.add_v2("env:prod", message="b")
    fake_datadog.after_acting(*CREATE, Reply(200, {"data": {}}, delay=30))
    env = replicas_env(fake_slack, fake_datadog, journal_redis)
    async with httpx.AsyncClient() as http:
        async with bot_process(env, tmp_path) as first:
            await press_undo(http, first, fake_slack, fake_datadog)
            await killed(first)
        assert len(copies(fake_datadog)) == 2
        assert not fake_slack.received(lambda r: r.path == "/response/undo")
        async with bot_process(env, tmp_path) as second:
            (posted,) = await fake_slack.wait_for(lambda r: r.path == "/response/undo", within=10)
            await second.wait_for_log('"recovered": true')
    text = json.dumps(posted.json())
    assert posted.json()["replace_original"] is True
    assert "restored 2 downtimes on `env:prod`" in text
    assert "The bot stopped while restoring" in text
    for copy in copies(fake_datadog):
        assert f"id={copy['uuid']}|" in text
    assert "Try again" not in text
    assert len(fake_datadog.received(lambda r: (r.method, r.path) == CREATE)) == 2
    assert len(copies(fake_datadog)) == 2


async def test_a_process_killed_before_its_undo_reached_datadog_offers_to_try_again(
    tmp_path: Path, journal_redis: str, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """SIGKILL while both creates are held before Datadog acts: the next process reports them not restored (the
    bot stopped first, Datadog shows them not back) with a "Try again" that creates each once."""
    fake_datadog.add_v2("env:prod", message="a")
    fake_datadog.add_v2("env:prod", message="b")
    fake_datadog.reply(*CREATE, Reply(200, delay=30), Reply(200, delay=30))  # not acted on
    env = replicas_env(fake_slack, fake_datadog, journal_redis)
    async with httpx.AsyncClient() as http:
        async with bot_process(env, tmp_path) as first:
            await press_undo(http, first, fake_slack, fake_datadog)
            await killed(first)
        async with bot_process(env, tmp_path) as second:
            (posted,) = await fake_slack.wait_for(lambda r: r.path == "/response/undo", within=10)
            text = json.dumps(posted.json())
            assert copies(fake_datadog) == []
            assert "tried to restore 2 downtimes on `env:prod`, but none was restored" in text
            assert "*Not restored (2):* the bot stopped before restoring these; Datadog shows them not back." in text
            assert "Try again: restore 2 downtimes" in text
            await undo_on(http, second, fake_slack, posted, "again")
            (again,) = await fake_slack.wait_for(lambda r: r.path == "/response/again", within=10)
    assert "restored 2 downtimes on `env:prod`" in again.body.decode()
    assert len(copies(fake_datadog)) == 2
    assert len(fake_datadog.received(lambda r: (r.method, r.path) == CREATE)) == 4  # two held, never acted on


async def test_sigterm_past_the_grace_mid_undo_without_redis_reports_what_is_known(
    tmp_path: Path, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """SIGTERM while one create's answer is held past the grace: the bot reports the one Datadog answered as
    restored and the other as not verified (stopped before Datadog answered), offers no retry, and exits 1."""
    fake_datadog.add_v2("env:prod", message="a")
    fake_datadog.add_v2("env:prod", message="b")
    fake_datadog.after_acting(*CREATE, Reply(200, {"data": {}}, delay=30))
    env = {**base_env(fake_slack.url + "/api/", fake_datadog.url), "SHUTDOWN_GRACE_SECONDS": "0.5",
           "DD_TIMEOUT_SECONDS": "60", "ACTION_TIME_LIMIT_SECONDS": "60"}
    async with httpx.AsyncClient() as http, bot_process(env, tmp_path) as run:
        await press_undo(http, run, fake_slack, fake_datadog)
        run.process.send_signal(signal.SIGTERM)
        (posted,) = await fake_slack.wait_for(lambda r: r.path == "/response/undo", within=10)
        async with asyncio.timeout(10):
            assert await run.process.wait() == 1
    text = json.dumps(posted.json())
    assert "restored 1 of 2 downtimes on `env:prod`; whether 1 was created again could not be verified" in text
    assert "The bot was stopped while restoring" in text
    assert "*Not verified (1):* the bot was stopped before Datadog answered." in text
    assert "Try again" not in text
    assert len(fake_datadog.received(lambda r: (r.method, r.path) == CREATE)) == 2
