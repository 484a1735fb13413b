"""The prompt tells the whole truth, over real HTTP against a Datadog that keeps time: scheduled and
recurring downtimes, the "only active" choice, near-miss groups, order, and Datadog's paging."""

from __future__ import annotations

import json
from typing import Any

from bot.datadog.downtimes import MAX_PARALLEL_PAGES, V2_PAGE_LIMIT
from bot.datadog.monitors import MONITOR_PAGE_SIZE
from bot.slack.views.action_ids import CONFIRM_ACTION, CONFIRM_ACTIVE_ACTION, PREVIEW_ACTION
from tests.fakes import FakeDatadog, FakeSlack, Reply
from tests.helpers import SlackSender, button_value, prompt_for

HOUR = 3600


async def click_and_report(slack: SlackSender, fake_slack: FakeSlack, prompt: dict[str, Any], action: str) -> str:
    await slack.click(action, button_value(prompt, action), name="c")
    (outcome,) = await fake_slack.wait_for(lambda r: r.path == "/response/c" and b"in_channel" in r.body)
    return json.dumps(outcome.json(), ensure_ascii=False)


def actions_of(prompt: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"]]


async def test_scheduled_downtimes_are_shown_and_cancelled_by_the_main_button(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Tonight's windows (v1 and v2) are listed apart, counted in the dialog, and the red button ends them too."""
    now_v1 = fake_datadog.add_v1(["env:prod"])
    tonight_v1 = fake_datadog.add_v1(["env:prod"], start_in=5 * HOUR, duration=2 * HOUR)
    tonight_v2 = fake_datadog.add_v2("env:prod", start_in=6 * HOUR, duration=HOUR)
    prompt = await prompt_for(slack, fake_slack, "env:prod")
    text = json.dumps(prompt)
    assert "(1 active now, 2 scheduled)" in text
    assert text.index("*Active now (1)*") < text.index(f"id={now_v1['v1_id']}|") < text.index("*Scheduled")
    assert text.index("*Scheduled, not started yet (2)*") < text.index(f"id={tonight_v1['v1_id']}|")
    assert f"starts <!date^{tonight_v1['start']}^" in text
    main = actions_of(prompt)[0]
    assert main["text"]["text"] == "Cancel all 3 downtimes"
    assert main["confirm"]["text"]["text"].startswith("1 active and 2 scheduled downtimes")
    report = await click_and_report(slack, fake_slack, prompt, CONFIRM_ACTION)
    assert "cancelled 3 downtimes on `env:prod`" in report
    assert all(d["canceled"] for d in (now_v1, tonight_v1, tonight_v2))
    assert "did not show" not in report  # cancel/by_scope ended the scheduled v1 window, and it was shown


async def test_only_the_active_ones_leaves_tonights_window_alone(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """The second choice deletes the active ones by ID (a v1 one by its uuid) and never calls cancel/by_scope."""
    now_v1 = fake_datadog.add_v1(["env:prod"])
    now_v2 = fake_datadog.add_v2("env:prod")
    tonight = fake_datadog.add_v1(["env:prod"], start_in=5 * HOUR)
    prompt = await prompt_for(slack, fake_slack, "env:prod")
    assert [a["action_id"] for a in actions_of(prompt)][:2] == [CONFIRM_ACTION, CONFIRM_ACTIVE_ACTION]
    report = await click_and_report(slack, fake_slack, prompt, CONFIRM_ACTIVE_ACTION)
    assert "cancelled 2 downtimes on `env:prod`" in report
    assert "*Kept, as chosen:* 1 scheduled downtime" in report
    assert now_v1["canceled"]
    assert now_v2["canceled"]
    assert tonight["canceled"] is None
    assert not fake_datadog.received(lambda r: r.path.endswith("cancel/by_scope"))
    deleted = {r.path.rsplit("/", 1)[1] for r in fake_datadog.received(lambda r: r.method == "DELETE")}
    assert deleted == {now_v1["uuid"], now_v2["uuid"]}


async def test_recurrence_in_words_and_its_warning(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Weekdays read "every Mon-Fri at …" (an en dash), never only the RRULE, with the warning about the future."""
    fake_datadog.add_v2("env:prod", rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", duration=2 * HOUR)
    fake_datadog.add_v1(["env:prod"], rrule="FREQ=WEEKLY;INTERVAL=2", duration=2 * HOUR)
    text = json.dumps(await prompt_for(slack, fake_slack, "env:prod"), ensure_ascii=False)
    assert "recurs every Mon\u2013Fri at " in text
    assert "recurs every 2 weeks on " in text
    assert "FREQ=" not in text
    assert "2 of them recur.* Cancelling a recurring downtime ends all its future occurrences" in text


async def test_cancelled_and_ended_downtimes_are_never_shown(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Datadog lists cancelled and ended downtimes for days without current_only; the bot drops them."""
    live = fake_datadog.add_v1(["env:prod"])
    cancelled = fake_datadog.add_v2("env:prod")
    cancelled["canceled"] = cancelled["start"] + 60
    ended = fake_datadog.add_v1(["env:prod"], duration=60)  # started an hour ago, lasted a minute
    text = json.dumps(await prompt_for(slack, fake_slack, "env:prod"))
    assert "Cancel 1 downtime" in text
    assert f"id={live['v1_id']}|" in text
    assert cancelled["uuid"] not in text
    assert f"id={ended['v1_id']}|" not in text


async def test_near_misses_are_one_entry_per_scope_with_a_count(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Four downtimes on the same wider scope are one entry, one command and one button, saying 4."""
    for _ in range(3):
        fake_datadog.add_v1(["env:prod", "service:api"])
    fake_datadog.add_v2("env:prod AND service:api", start_in=HOUR)
    fake_datadog.add_v1(["env:prod", "team:db"])
    prompt = await prompt_for(slack, fake_slack, "env:prod")
    text = json.dumps(prompt)
    assert "5 downtimes in 2 scopes" in text
    assert text.count("`/cancel-downtime env:prod,service:api` (4 downtimes)") == 1
    buttons = [b["accessory"]["value"] for b in prompt["blocks"] if b.get("accessory", {}).get("action_id")
               == PREVIEW_ACTION]
    assert buttons == ["env:prod,service:api", "env:prod,team:db"]


async def test_the_report_keeps_the_prompts_order(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Active before scheduled, as in the prompt, whatever order Datadog answers in."""
    later = fake_datadog.add_v2("env:prod", start_in=2 * HOUR)
    soon = fake_datadog.add_v1(["env:prod"], start_in=HOUR)
    active = fake_datadog.add_v2("env:prod")
    prompt = await prompt_for(slack, fake_slack, "env:prod")
    report = await click_and_report(slack, fake_slack, prompt, CONFIRM_ACTION)
    keys = [active["uuid"], str(soon["v1_id"]), later["uuid"]]
    for text in (json.dumps(prompt), report):
        positions = [text.index(f"id={key}|") for key in keys]
        assert positions == sorted(positions)


async def test_v2_pages_without_a_total_are_read_until_a_short_one(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Without meta.page.total_filtered_count, the bot reads on past page one and finds a match on page 11."""
    fake_datadog.total_count = False
    for i in range(V2_PAGE_LIMIT * 10 + 10):
        fake_datadog.add_v2(f"host:h{i}")
    needle = fake_datadog.add_v2("host:needle")
    prompt = await prompt_for(slack, fake_slack, "host:needle")
    assert f"id={needle['uuid']}|" in json.dumps(prompt)
    pages = fake_datadog.received(lambda r: r.path == "/api/v2/downtime")
    offsets = sorted(int(r.query["page[offset]"]) for r in pages)
    assert offsets == [i * V2_PAGE_LIMIT for i in range(1 + 2 * MAX_PARALLEL_PAGES)]  # batches of 8 after the first


async def test_every_monitor_page_is_read_for_the_alerting_check(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """A scope with more monitors than one page: the one in Alert on the second page is reported."""
    fake_datadog.add_v1(["env:prod"])
    fake_datadog.monitors = [{"id": i, "name": f"m{i}", "overall_state": "OK"} for i in range(MONITOR_PAGE_SIZE + 150)]
    fake_datadog.monitors[MONITOR_PAGE_SIZE + 140]["overall_state"] = "Alert"
    report = await click_and_report(slack, fake_slack, await prompt_for(slack, fake_slack, "env:prod"), CONFIRM_ACTION)
    assert f"monitors/{MONITOR_PAGE_SIZE + 140}|m{MONITOR_PAGE_SIZE + 140}> is *Alert*" in report
    pages = fake_datadog.received(lambda r: r.path == "/api/v1/monitor")
    assert [r.query["page"] for r in pages] == ["0", "1"]
    assert "could be checked" not in report


async def test_a_monitor_list_cut_short_says_so(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """When a later monitor page fails, the report names what was found and says the rest was not checked."""
    fake_datadog.add_v1(["env:prod"])
    fake_datadog.monitors = [{"id": i, "name": f"m{i}", "overall_state": "Alert" if i == 3 else "OK"}
                             for i in range(MONITOR_PAGE_SIZE + 5)]
    fake_datadog.reply("GET", "/api/v1/monitor", Reply(200, fake_datadog.monitors[:MONITOR_PAGE_SIZE]),
                       Reply(503, text="unavailable"))
    report = await click_and_report(slack, fake_slack, await prompt_for(slack, fake_slack, "env:prod"), CONFIRM_ACTION)
    assert "monitors/3|m3> is *Alert*" in report
    assert f"Only the first {MONITOR_PAGE_SIZE} monitors on this scope could be checked" in report


async def test_a_downtime_in_both_lists_is_shown_and_cancelled_once(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """A v1 downtime appears in both lists (its uuid is its v2 id): one line, one cancellation, no DELETE."""
    both = fake_datadog.add_v1(["env:prod"])
    prompt = await prompt_for(slack, fake_slack, "env:prod")
    assert json.dumps(prompt).count(f"id={both['v1_id']}|") == 1
    assert both["uuid"] not in json.dumps(prompt)
    report = await click_and_report(slack, fake_slack, prompt, CONFIRM_ACTION)
    assert "cancelled 1 downtime" in report
    assert len(fake_datadog.received(lambda r: r.path.endswith("cancel/by_scope"))) == 1
    assert not fake_datadog.received(lambda r: r.method == "DELETE")
