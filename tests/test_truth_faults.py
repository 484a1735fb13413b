"""The report is the truth under faults: cancelled elsewhere first, a connection dropped or an answer lost after
Datadog acted, a read back that fails too. Every fault is injected by the fake Datadog over real HTTP."""

from __future__ import annotations

import json
from typing import Any

from bot.slack.views.action_ids import CONFIRM_ACTION, UNDO_ACTION
from tests.fakes import FakeDatadog, FakeSlack, Reply
from tests.helpers import CANCEL, BotWith, SlackSender, button_value, prompt_for, report_for

CREATE = ("POST", "/api/v2/downtime")


def delete(record: dict[str, Any]) -> tuple[str, str]:
    return "DELETE", f"/api/v2/downtime/{record['uuid']}"


async def test_a_downtime_cancelled_elsewhere_first_is_already_gone_and_undo_leaves_it_be(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Datadog answers 204 for both DELETEs; the read beside each tells that one was cancelled half a minute
    before the click: the report says so, and Undo creates only the one this click cancelled."""
    ours = fake_datadog.add_v2("env:prod", message="ours")
    theirs = fake_datadog.add_v2("env:prod", message="theirs")
    prompt = await prompt_for(slack, fake_slack, "env:prod")
    fake_datadog.cancel(theirs, at=fake_datadog.now() - 30)  # someone in Datadog's UI, after the preview
    await slack.click(CONFIRM_ACTION, button_value(prompt, CONFIRM_ACTION))
    (posted,) = await fake_slack.wait_for(lambda r: r.path == "/response/click" and b"in_channel" in r.body)
    report = json.dumps(posted.json())
    assert "cancelled 1 downtime on `env:prod`" in report
    assert f"*Already gone before the click* (cancelled by someone else or ended meanwhile; Undo leaves them " \
           f"be):\\n<https://app.datadoghq.com/monitors/downtimes?id={theirs['uuid']}|" in report
    assert "Undo: restore 1 downtime" in report
    assert len(fake_datadog.received(lambda r: r.method == "DELETE")) == 2
    await slack.click(UNDO_ACTION, button_value(posted.json(), UNDO_ACTION), name="undo")
    (restored,) = await fake_slack.wait_for(lambda r: r.path == "/response/undo")
    assert "restored 1 downtime" in restored.body.decode()
    created = [r.json()["data"]["attributes"] for r in fake_datadog.received(lambda r: (r.method, r.path) == CREATE)]
    assert [a["message"] for a in created] == ["ours"]
    assert ours["canceled"]


async def test_datadogs_clock_not_ours_decides_what_the_click_cancelled(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Datadog's clock two minutes behind ours: its `canceled` time is compared through its `Date` header,
    so the click's own cancel is not mistaken for an earlier one."""
    fake_datadog.clock_offset = -120
    fake_datadog.add_v2("env:prod")
    report = json.dumps(await report_for(slack, fake_slack))
    assert "cancelled 1 downtime on `env:prod`" in report
    assert "Already gone" not in report
    assert "Undo: restore 1 downtime" in report


async def test_an_answer_lost_after_datadog_acted_is_read_back_and_offered_to_undo(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """The DELETE is done and its answer comes after the 1 s timeout (one attempt): the read back shows it
    cancelled since the click, so the report says cancelled and Undo is offered. (A reset DELETE is resent
    by aiohttp itself, as an idempotent request on a reused connection: that case ends as a plain 204.)"""
    downtime = fake_datadog.add_v2("env:prod")
    fake_datadog.after_acting(*delete(downtime), Reply(204, delay=1.5))
    report = json.dumps(await report_for(slack, fake_slack))
    assert downtime["canceled"]
    assert "cancelled 1 downtime on `env:prod`" in report
    assert "Nothing was cancelled" not in report
    assert "Undo: restore 1 downtime" in report
    reads = fake_datadog.received(lambda r: (r.method, r.path) == ("GET", f"/api/v2/downtime/{downtime['uuid']}"))
    assert len(reads) == 2  # beside the DELETE, and after its failure


async def test_a_timeout_after_cancel_by_scope_acted_is_read_back_from_the_v1_list(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """cancel/by_scope cancels, then answers after the 1 s timeout: the v1 list read back shows both the
    previewed downtime and one created on the scope after the preview as cancelled by the click."""
    shown = fake_datadog.add_v1(["env:prod"])
    async with bot_with() as slack:
        prompt = await prompt_for(slack, fake_slack, "env:prod")
        surprise = fake_datadog.add_v1(["env:prod"])
        fake_datadog.after_acting(*CANCEL, Reply(200, {"cancelled_ids": []}, delay=1.5))
        await slack.click(CONFIRM_ACTION, button_value(prompt, CONFIRM_ACTION))
        (posted,) = await fake_slack.wait_for(lambda r: b"in_channel" in r.body, within=8)
    report = json.dumps(posted.json())
    assert "cancelled 1 downtime on `env:prod`" in report
    assert f"id={shown['v1_id']}|" in report
    assert "*Datadog also cancelled 1 downtime that the prompt did not show*" in report
    assert f"id={surprise['v1_id']}|" in report
    assert "Undo: restore 1 downtime" in report
    assert "did not answer in time" not in report


async def test_a_retry_after_a_lost_answer_is_read_back_not_guessed(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Two attempts: the first cancels and its connection is reset, the retry finds nothing (404). The v1
    list, read back, says what the first did: cancelled, with Undo."""
    downtime = fake_datadog.add_v1(["env:prod"])
    fake_datadog.after_acting(*CANCEL, Reply(reset=True))
    async with bot_with(DD_MAX_ATTEMPTS="2") as slack:
        report = json.dumps(await report_for(slack, fake_slack))
    assert len(fake_datadog.received(lambda r: (r.method, r.path) == CANCEL)) == 2
    assert "cancelled 1 downtime on `env:prod`" in report
    assert "Probably" not in report
    assert f"id={downtime['v1_id']}|" in report
    assert "Undo: restore 1 downtime" in report


async def test_what_cannot_be_verified_is_said_as_unknown_with_its_link_and_no_undo(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """The DELETE acts and its answer is lost (after the timeout); every read of the downtime fails (503):
    the report says it could not be verified, links it, offers no Undo, and never says "Nothing was cancelled"."""
    downtime = fake_datadog.add_v2("env:prod")
    fake_datadog.after_acting(*delete(downtime), Reply(204, delay=1.5))
    fake_datadog.always("GET", f"/api/v2/downtime/{downtime['uuid']}", Reply(503, {"errors": ["Unavailable"]}))
    report = json.dumps(await report_for(slack, fake_slack))
    assert downtime["canceled"]
    assert "whether it was cancelled could not be verified" in report
    assert "*Not verified (1):* Datadog's answer was lost (no answer within 1 s" in report
    assert f"id={downtime['uuid']}|" in report
    assert "Nothing was cancelled" not in report
    assert UNDO_ACTION not in report


async def test_a_failure_verified_by_reading_back_says_nothing_was_cancelled(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """A 503 without acting: the read back shows the downtime still live, so the report says, as verified,
    that nothing was cancelled."""
    downtime = fake_datadog.add_v2("env:prod")
    fake_datadog.reply(*delete(downtime), Reply(503, {"errors": ["Service Unavailable"]}))
    report = json.dumps(await report_for(slack, fake_slack))
    assert not downtime["canceled"]
    assert "tried to cancel 1 downtime on `env:prod`, but none was cancelled" in report
    assert "Datadog had an internal error (HTTP 503), and reading back shows nothing was cancelled" in report
