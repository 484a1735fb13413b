"""Preview and cancel over real HTTP for v1, v2 and mixed downtimes, near misses, paging and list mode."""

from __future__ import annotations

import json
import time
from typing import Any

from bot.datadog.downtimes import V2_PAGE_LIMIT
from bot.slack.views.action_ids import CONFIRM_ACTION, PREVIEW_ACTION
from tests.fakes import FakeDatadog, FakeSlack, Recorded, Reply
from tests.helpers import SlackSender, button_value, prompt_for


def is_delete(r: Recorded) -> bool:
    return r.method == "DELETE"


def is_by_scope(r: Recorded) -> bool:
    return r.path.endswith("cancel/by_scope")


async def confirm_and_report(slack: SlackSender, fake_slack: FakeSlack, prompt: dict[str, Any]) -> str:
    """Click the red button and return the channel report as JSON text."""
    await slack.click(CONFIRM_ACTION, button_value(prompt, CONFIRM_ACTION))
    (outcome,) = await fake_slack.wait_for(lambda r: r.path == "/response/click" and b"in_channel" in r.body)
    return json.dumps(outcome.json(), ensure_ascii=False)


async def test_v1_only(slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog) -> None:
    """v1 matches are shown once (though both lists hold them) and cancelled by scope, not by id."""
    a = fake_datadog.add_v1(["env:prod", "service:api"], message="release 42")
    fake_datadog.add_v1(["env:prod"])
    prompt = await prompt_for(slack, fake_slack, "service:api,env:prod")
    text = json.dumps(prompt)
    assert text.count(f"id={a['v1_id']}|") == 1
    assert "release 42" in text
    assert "Cancel 1 downtime" in text
    report = await confirm_and_report(slack, fake_slack, prompt)
    assert "cancelled 1 downtime on `env:prod,service:api`" in report
    assert len(fake_datadog.received(is_by_scope)) == 1
    assert not fake_datadog.received(is_delete)
    assert [d["scope"] for d in fake_datadog.live()] == [["env:prod"]]


async def test_v2_only(slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog) -> None:
    """v2 downtimes, invisible to cancel/by_scope, are found by the v2 list and deleted by id."""
    b = fake_datadog.add_v2('env:prod AND host:"web-1"')
    prompt = await prompt_for(slack, fake_slack, "host:web-1,env:prod")
    assert f"id={b['uuid']}|" in json.dumps(prompt)
    report = await confirm_and_report(slack, fake_slack, prompt)
    assert "cancelled 1 downtime" in report
    (delete,) = fake_datadog.received(is_delete)
    assert delete.path == f"/api/v2/downtime/{b['uuid']}"
    assert not fake_datadog.received(is_by_scope)
    assert fake_datadog.live() == []


async def test_mixed_v1_and_v2(slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog) -> None:
    """A v1 and a v2 downtime on the same tags: one by scope, one by id, both reported."""
    a = fake_datadog.add_v1(["env:prod"])
    b = fake_datadog.add_v2("env:prod")
    c = fake_datadog.add_v2("env:prod", in_v1_list=True)
    prompt = await prompt_for(slack, fake_slack, "env:prod")
    assert "Cancel 3 downtimes" in json.dumps(prompt)
    report = await confirm_and_report(slack, fake_slack, prompt)
    assert "cancelled 3 downtimes" in report
    for record in (a, b, c):
        assert f"id={record['v1_id'] if record['v1_created'] or record['in_v1_list'] else record['uuid']}|" in report
    assert fake_datadog.live() == []
    deleted = sorted(r.path.rsplit("/", 1)[1] for r in fake_datadog.received(is_delete))
    assert deleted == sorted([b["uuid"], c["uuid"]])


async def test_no_match_shows_near_misses_and_no_button(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """`env:prod` against a downtime on `env:prod,service:api`: no button, the exact command to use."""
    fake_datadog.add_v1(["env:prod", "service:api"])
    fake_datadog.add_v2("env:prod OR env:dev")
    answer = await prompt_for(slack, fake_slack, "env:prod")
    text = json.dumps(answer)
    assert "nothing to cancel" in text
    assert "`/cancel-downtime env:prod,service:api`" in text
    assert "env:dev" not in text
    assert all(b["type"] != "actions" for b in answer["blocks"])
    assert not fake_datadog.received(is_by_scope)


async def test_near_miss_is_one_click_from_its_prompt(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """The near miss's button replaces the answer with the prompt for that scope, which then cancels it."""
    near = fake_datadog.add_v1(["env:prod", "service:api"])
    answer = await prompt_for(slack, fake_slack, "env:prod")
    (button,) = [b["accessory"] for b in answer["blocks"] if "accessory" in b]
    assert (button["action_id"], button["value"]) == (PREVIEW_ACTION, "env:prod,service:api")
    await slack.click(PREVIEW_ACTION, button["value"], name="near")
    (prompt,) = await fake_slack.wait_for(lambda r: r.path == "/response/near")
    assert prompt.json()["replace_original"] is True
    assert "Cancel 1 downtime" in json.dumps(prompt.json())
    await slack.click(CONFIRM_ACTION, button_value(prompt.json(), CONFIRM_ACTION))
    await fake_slack.wait_for(lambda r: r.path == "/response/click" and b"in_channel" in r.body)
    assert near["canceled"]


async def test_a_forged_preview_value_is_refused(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """A preview button whose value is not a scope is answered like a bad command; Datadog hears nothing."""
    await slack.click(PREVIEW_ACTION, "<!channel> OR env:prod", name="forged")
    (answer,) = await fake_slack.wait_for(lambda r: r.path == "/response/forged")
    assert answer.json()["text"].startswith("Not a valid scope")
    assert "<!channel>" not in answer.body.decode()
    assert all(r.path == "/api/v1/validate" for r in fake_datadog.requests)


async def test_every_page_is_read(slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog) -> None:
    """With 2.5 pages of v2 downtimes, every page is requested once and the match on the last is found."""
    for i in range(V2_PAGE_LIMIT * 2 + V2_PAGE_LIMIT // 2 - 1):
        fake_datadog.add_v2(f"host:h{i}")
    last = fake_datadog.add_v2("host:needle")
    prompt = await prompt_for(slack, fake_slack, "host:needle")
    assert f"id={last['uuid']}|" in json.dumps(prompt)
    pages = fake_datadog.received(lambda r: r.path == "/api/v2/downtime")
    assert sorted(int(r.query["page[offset]"]) for r in pages) == [0, V2_PAGE_LIMIT, 2 * V2_PAGE_LIMIT]
    # Without current_only: scheduled downtimes are listed too, as cancel/by_scope cancels them.
    assert all("current_only" not in r.query for r in pages)
    (v1_list,) = fake_datadog.received(lambda r: r.path == "/api/v1/downtime")
    assert "current_only" not in v1_list.query


async def test_one_failing_delete_is_reported_separately(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Of two v2 downtimes one DELETE fails: one cancelled, one failed with the reason."""
    ok = fake_datadog.add_v2("env:prod")
    bad = fake_datadog.add_v2("env:prod")
    fake_datadog.reply("DELETE", f"/api/v2/downtime/{bad['uuid']}", Reply(500, text=""))
    prompt = await prompt_for(slack, fake_slack, "env:prod")
    report = await confirm_and_report(slack, fake_slack, prompt)
    assert "cancelled 1 of 2 downtimes on `env:prod`; 1 failed" in report
    assert "*Not cancelled (1):* Datadog had an internal error (HTTP 500)" in report
    assert report.index("internal error") < report.index(f"<https://app.datadoghq.com/monitors/downtimes?id={bad['uuid']}")
    assert [d["uuid"] for d in fake_datadog.live()] == [bad["uuid"]]
    assert ok["canceled"]


async def test_surprises_are_reported(slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog) -> None:
    """A downtime created after the preview and one that vanished meanwhile are both named."""
    previewed = fake_datadog.add_v1(["env:prod"])
    vanished = fake_datadog.add_v2("env:prod")
    prompt = await prompt_for(slack, fake_slack, "env:prod")
    late = fake_datadog.add_v1(["env:prod"])
    del fake_datadog.downtimes[vanished["uuid"]]
    report = await confirm_and_report(slack, fake_slack, prompt)
    assert "cancelled 1 downtime on `env:prod`" in report
    assert f"id={previewed['v1_id']}|" in report
    assert "Already gone before the click" in report
    assert f"id={vanished['uuid']}|" in report
    assert "that the prompt did not show" in report
    assert f"<https://app.datadoghq.com/monitors/downtimes?id={late['v1_id']}|" in report
    assert report.index("did not show") < report.index(f"id={previewed['v1_id']}|")  # the surprise comes first


async def test_alerting_monitors_are_named_after_cancelling(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """After a cancel, monitors on the scope in Alert, Warn or No Data are linked; OK ones are not."""
    fake_datadog.add_v1(["env:prod"])
    fake_datadog.monitors = [
        {"id": 11, "name": "API latency", "overall_state": "Alert"},
        {"id": 12, "name": "Disk", "overall_state": "No Data"},
        {"id": 13, "name": "Healthy", "overall_state": "OK"},
    ]
    report = await confirm_and_report(slack, fake_slack, await prompt_for(slack, fake_slack, "env:prod"))
    assert "<https://app.datadoghq.com/monitors/11|API latency> is *Alert*" in report
    assert "monitors/12|Disk> is *No Data*" in report
    assert "Healthy" not in report
    (lookup,) = fake_datadog.received(lambda r: r.path == "/api/v1/monitor")
    assert lookup.query["tags"] == "env:prod"


async def test_list_mode(slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog) -> None:
    """`list` groups the live downtimes by scope, each with the command that cancels it; scheduled ones count."""
    fake_datadog.add_v1(["service:api", "env:prod"])
    fake_datadog.add_v2("env:prod AND service:api")
    fake_datadog.add_v2("team:db", start_in=3600)
    gone = fake_datadog.add_v2("team:old")
    gone["canceled"] = int(time.time()) - 60  # still listed by Datadog for about two days, never shown
    answer = await prompt_for(slack, fake_slack, "list")
    text = json.dumps(answer)
    assert answer["response_type"] == "ephemeral"
    assert "3 downtimes in 2 scopes* (1 of them scheduled, not started yet)" in text
    assert "team:old" not in text
    assert "`/cancel-downtime env:prod,service:api`" in text
    assert "`/cancel-downtime team:db`" in text


async def test_lookup_failure_offers_no_button(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """If the v2 list fails, nothing can be previewed, so nothing can be confirmed."""
    fake_datadog.add_v1(["env:prod"])
    fake_datadog.reply("GET", "/api/v2/downtime", Reply(403, {"errors": ["Forbidden"]}))
    answer = await prompt_for(slack, fake_slack, "env:prod")
    assert "Could not look up the downtimes on `env:prod`" in answer["text"]
    assert all(b["type"] != "actions" for b in answer["blocks"])
