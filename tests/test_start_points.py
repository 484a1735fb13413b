"""Starting where the on-call engineer is: a monitor, a link, a downtime ID, an alert message, the App Home tab.

The words are read purely; the flows run through the real bot over HTTP against the fakes: the fake Datadog
answers downtime_matches and one monitor as recorded, the fake Slack records views.publish, views.open and
views.update and refuses any view past Slack's limits (100 blocks, a 24-character modal title, an expired
trigger_id).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qsl

import pytest

from bot.domain.scope import ScopeError, parse_request
from bot.domain.selection import SITES, SelectionError, Target, monitor_links, parse_target, site_of
from bot.environment import DATADOG_SITES
from bot.sandbox.limits import view_problems
from bot.sandbox.payloads import home_opened_body, message_action_body, signed_json, view_action_body
from bot.slack.views.action_ids import (
    CONFIRM_ACTION,
    END_ACTION,
    HOME_CANCEL_ACTION,
    HOME_REFRESH_ACTION,
    KEEP_ACTION,
    UNDO_ACTION,
    WHATS_MUTING_CALLBACK,
)
from tests.fakes import FakeDatadog, FakeSlack
from tests.helpers import (
    SIGNING_SECRET,
    BotWith,
    SlackSender,
    all_text,
    button_value,
    press,
    prompt_for,
    socket_bot,
    socket_settings,
)

DELETES = "/api/v2/downtime/"


def deletes(fake: FakeDatadog) -> list[str]:
    return [r.path.rsplit("/", 1)[1] for r in fake.requests if r.method == "DELETE"]


# --- the words ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "kind", "ids", "site"), [
    ("monitor 1234", "monitor", ("1234",), ""),
    ("Monitors 12, 34", "monitor", ("12", "34"), ""),
    ("https://app.datadoghq.com/monitors/1234", "monitor", ("1234",), "datadoghq.com"),
    ("<https://app.datadoghq.eu/monitors/55?from_ts=1&group=host%3Aweb-1|Monitor Status>", "monitor", ("55",),
     "datadoghq.eu"),
    ("https://acme.datadoghq.com/monitors/7/edit", "monitor", ("7",), "datadoghq.com"),  # an org's own subdomain
    ("https://us3.datadoghq.com/monitors/8", "monitor", ("8",), "us3.datadoghq.com"),
    ("https://app.datadoghq.com/monitors/downtimes?id=4242&amp;from_ts=1", "downtime", ("4242",), "datadoghq.com"),
    ("https://app.ddog-gov.com/monitors/downtimes/AEEFC6A8-15D8-11EE-A8EF-DA7AD0900002", "downtime",
     ("aeefc6a8-15d8-11ee-a8ef-da7ad0900002",), "ddog-gov.com"),
    ("aeefc6a8-15d8-11ee-a8ef-da7ad0900002", "downtime", ("aeefc6a8-15d8-11ee-a8ef-da7ad0900002",), ""),
    ("1234, 5678 1234", "downtime", ("1234", "5678"), ""),
])
def test_a_monitor_a_link_or_downtime_ids_are_a_target(text: str, kind: str, ids: tuple[str, ...], site: str) -> None:
    target = parse_target(text)
    assert target == Target(kind, ids, site)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "reason"), [
    ("monitor", "After `monitor`, give the monitor's number"),
    ("monitor cpu-high", "After `monitor`, give the monitor's number"),
    ("https://example.com/monitors/12", "That link is not to Datadog."),
    ("https://app.datadoghq.com/dashboard/abc-def", "names neither a monitor nor a downtime"),
    ("https://app.datadoghq.com/monitors/1 https://app.datadoghq.com/monitors/downtimes?id=2", "mix monitors"),
    (" ".join(str(i) for i in range(1, 13)), "That is 12 downtimes; one prompt takes at most 10."),
])
def test_a_target_that_cannot_be_looked_up_is_refused_with_how_to_write_it(text: str, reason: str) -> None:
    with pytest.raises(SelectionError) as caught:
        parse_target(text)
    assert reason in caught.value.reason
    assert caught.value.hint
    with pytest.raises(ScopeError) as wrapped:  # as the command reads it
        parse_request(text)
    assert wrapped.value.about == "target"


def test_scopes_help_and_list_are_not_targets_and_times_and_reasons_follow_a_target() -> None:
    assert parse_target("env:prod,service:api") is None
    assert parse_target("help") is None
    assert parse_target("list") is None
    request = parse_request("monitor 12 in 30m -- deploy done")
    assert request.scope == Target("monitor", ("12",))  # type: ignore[union-attr]
    assert (request.later.text, request.reason) == ("30m", "deploy done")  # type: ignore[union-attr]


def test_every_datadog_site_is_known_to_the_link_reader_and_the_configuration_alike() -> None:
    assert set(SITES) == set(DATADOG_SITES)
    for site, ui in DATADOG_SITES.items():
        assert site_of(ui.removeprefix("https://")) == site
    assert site_of("app.datadoghq.com.evil.example") is None
    assert site_of("datadoghq.com.example") is None


def test_the_monitor_links_of_an_alert_message_are_found_wherever_they_are() -> None:
    """Datadog's Slack notification: a title link in an attachment, more links in its text and blocks."""
    message = {
        "text": "",
        "attachments": [{"title": "Triggered: CPU high on web-1",
                         "title_link": "https://app.datadoghq.com/monitors/111?group=host%3Aweb-1",
                         "text": "See <https://app.datadoghq.com/monitors/222|disk> and "
                                 "https://app.datadoghq.com/monitors/111/edit"}],
        "blocks": [{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
            {"type": "link", "url": "https://app.datadoghq.com/event/event?id=9"}]}]}],
    }
    assert monitor_links(message) == Target("monitor", ("111", "222"), "datadoghq.com")
    assert monitor_links({"text": "the deploy is done, see https://example.com/monitors/1"}) is None
    assert monitor_links({"text": "eu: https://app.datadoghq.eu/monitors/3"}) == Target("monitor", ("3",),
                                                                                         "datadoghq.eu")


# --- by monitor, by ID: the flow -------------------------------------------------------------------------


async def test_by_monitor_the_prompt_says_so_and_the_click_cancels_only_those_by_id(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Two downtimes silence the monitor (one named for it, one on its group); a v1 downtime on the same scope
    as one of them, created for another monitor, is not shown and survives: no cancel/by_scope."""
    monitor = fake_datadog.add_monitor("CPU high", "Alert", groups=[["env:prod", "host:web-1"]])
    named = fake_datadog.add_v1(["env:staging"], monitor_id=monitor["id"])
    on_group = fake_datadog.add_v2("env:prod")
    elsewhere = fake_datadog.add_v1(["env:staging"], monitor_id=99)  # the same scope as `named`
    fake_datadog.add_v2("env:dev")  # silences nothing of this monitor's
    prompt = await prompt_for(slack, fake_slack, f"monitor {monitor['id']}")
    text = all_text(prompt)
    assert f"Cancel 2 downtimes silencing monitor `{monitor['id']}` (CPU high)?" in text
    assert "Chosen by monitor, not by scope" in text
    assert "never Datadog's cancel-by-scope" in text
    assert "on `env:staging`" in text  # each downtime's own scope is shown
    assert "on `env:prod`" in text
    report = await press(slack, fake_slack, prompt, CONFIRM_ACTION)
    assert sorted(deletes(fake_datadog)) == sorted([named["uuid"], on_group["uuid"]])
    assert not [r for r in fake_datadog.requests if r.path.endswith("/cancel/by_scope")]
    assert fake_datadog.downtimes[elsewhere["uuid"]]["canceled"] is None
    report_text = all_text(report)
    assert "silencing monitor `" in report_text
    (event,) = fake_datadog.events  # Datadog's record: beside the monitor, and naming what was found
    assert f"monitor_id:{monitor['id']}" in event["tags"]
    assert {"env:prod", "env:staging"} <= set(event["tags"])
    assert f"2 downtimes silencing monitor {monitor['id']}" in event["title"]
    assert "cancelled 2 downtimes" in report_text
    assert "CPU high" in report_text  # the monitor is still alerting: said in the report
    # Undo brings back exactly those two.
    await slack.click(UNDO_ACTION, button_value(report, UNDO_ACTION), name="undo")
    await fake_slack.wait_for(lambda r: r.path == "/response/undo", within=8)
    created = [r.json()["data"]["attributes"]["scope"] for r in fake_datadog.requests
               if (r.method, r.path) == ("POST", "/api/v2/downtime")]
    assert sorted(created) == ["env:prod", "env:staging"]


async def test_an_unknown_monitor_one_nothing_silences_and_another_sites_link_get_clear_answers(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    quiet = fake_datadog.add_monitor("Disk full", "OK", groups=[["env:prod"]])
    fake_datadog.add_v2("env:staging")
    unknown = await prompt_for(slack, fake_slack, "monitor 424242", name="unknown")
    assert "Datadog knows no such monitor" in all_text(unknown)
    nothing = await prompt_for(slack, fake_slack, f"https://app.datadoghq.com/monitors/{quiet['id']}", name="none")
    assert "no active downtime silences that monitor" in all_text(nothing)
    assert "Disk full" in all_text(nothing)
    assert not [b for b in nothing["blocks"] if b["type"] == "actions"]  # nothing to press
    before = len(fake_datadog.requests)
    eu = await prompt_for(slack, fake_slack, f"https://app.datadoghq.eu/monitors/{quiet['id']}", name="eu")
    assert "the Datadog site `datadoghq.eu`, but this bot is connected to `datadoghq.com`" in all_text(eu)
    assert len(fake_datadog.requests) == before  # nothing was looked up on the wrong site
    nonsense = await prompt_for(slack, fake_slack, "https://example.com/x", name="bad")
    assert "That is not a monitor or downtime I can look up" in all_text(nonsense)


async def test_by_id_a_v1_number_a_v2_uuid_and_what_is_already_gone(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    v1 = fake_datadog.add_v1(["env:prod", "service:api"])
    v2 = fake_datadog.add_v2("team:payments", start_in=3600, duration=600)  # scheduled
    gone = fake_datadog.add_v2("team:search")
    fake_datadog.cancel(gone)
    prompt = await prompt_for(slack, fake_slack, f"{v1['v1_id']} {v2['uuid']}")
    text = all_text(prompt)
    assert "Cancel 2 downtimes with IDs" in text
    assert "Chosen by ID, not by scope" in text
    assert "1 active now, 1 scheduled" in text
    await press(slack, fake_slack, prompt, CONFIRM_ACTION)
    assert sorted(deletes(fake_datadog)) == sorted([v1["uuid"], v2["uuid"]])
    assert not [r for r in fake_datadog.requests if r.path.endswith("/cancel/by_scope")]
    answer = await prompt_for(slack, fake_slack, f"{gone['uuid']} 999999", name="gone")
    words = all_text(answer)
    assert "none of those downtimes is active or scheduled" in words
    assert "already cancelled" in words
    assert "Datadog knows no downtime with this ID" in words


async def test_a_protected_tag_cannot_be_reached_by_monitor_or_id(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """PROTECTED_SCOPES applies to what a monitor or an ID finds, as to a typed scope: no back door."""
    monitor = fake_datadog.add_monitor("API errors", "Alert", groups=[["env:prod", "service:api"]])
    protected = fake_datadog.add_v2("env:prod AND service:api")
    async with bot_with(PROTECTED_SCOPES="env:prod", PROTECTED_SCOPE_USER_IDS="UOWNER01") as sender:
        by_monitor = await prompt_for(sender, fake_slack, f"monitor {monitor['id']}", name="m")
        by_id = await prompt_for(sender, fake_slack, protected["uuid"], name="i")
    for answer in (by_monitor, by_id):
        assert "`env:prod` is protected" in all_text(answer)
        assert not [b for b in answer["blocks"] if b["type"] == "actions"]
    assert not deletes(fake_datadog)


# --- the message shortcut --------------------------------------------------------------------------------


async def shortcut(slack: SlackSender, fake_slack: FakeSlack, message: dict[str, Any], name: str) -> dict[str, Any]:
    body = message_action_body(message, response_url=fake_slack.response_url(name), trigger_id=fake_slack.trigger(),
                               callback_id=WHATS_MUTING_CALLBACK)
    answer = await slack.post(body)
    assert answer.status_code == 200
    (posted,) = await fake_slack.wait_for(lambda r: r.path == f"/response/{name}")
    found: dict[str, Any] = posted.json()
    return found


async def test_whats_muting_this_reads_the_alerts_monitor_links_into_the_same_prompt(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    monitor = fake_datadog.add_monitor("Latency", "Warn", groups=[["service:web"]])
    downtime = fake_datadog.add_v2("service:web")
    alert = {"type": "message", "subtype": "bot_message", "ts": "1700000000.000100", "text": "",
             "attachments": [{"title": "[Warn] Latency on service:web",
                              "title_link": f"https://app.datadoghq.com/monitors/{monitor['id']}?group=service%3Aweb"}]}
    prompt = await shortcut(slack, fake_slack, alert, "alert")
    assert prompt.get("response_type") == "ephemeral"
    assert f"silencing monitor `{monitor['id']}` (Latency)" in all_text(prompt)
    await press(slack, fake_slack, prompt, CONFIRM_ACTION)
    assert deletes(fake_datadog) == [downtime["uuid"]]
    plain = await shortcut(slack, fake_slack, {"type": "message", "text": "lunch?", "ts": "1.2"}, "plain")
    assert "This message links no Datadog monitor" in all_text(plain)


# --- the App Home tab ------------------------------------------------------------------------------------


async def open_home(slack: SlackSender, fake_slack: FakeSlack, user: str = "U_ALICE",
                    channel: str = "D0ALICE") -> dict[str, Any]:
    before = len(fake_slack.received(lambda r: r.path == "/api/views.publish"))
    body = home_opened_body(user_id=user, channel=channel)
    answer = await slack.post(body, headers=signed_json(body, SIGNING_SECRET))
    assert answer.status_code == 200
    await fake_slack.wait_for(lambda r: r.path == "/api/views.publish", count=before + 1)
    assert not fake_slack.view_errors
    return fake_slack.published[user]


def home_click(fake_slack: FakeSlack, view: dict[str, Any], action_id: str, value: str, *, age: float = 0.0) -> bytes:
    return view_action_body(action_id, value, view=view, trigger_id=fake_slack.trigger(age))


async def test_the_home_tab_lists_by_scope_most_urgent_first_with_true_counts(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    fake_datadog.add_v2("env:prod", duration=7200 + 600)  # active (started an hour ago): ends in about 2 h
    fake_datadog.add_v2("env:prod", duration=3 * 3600)  # a second one on the same scope
    fake_datadog.add_v1(["service:api"], duration=3600 + 300)  # ends in about 5 minutes: the most urgent
    fake_datadog.add_v2("team:db", start_in=7200, duration=600)  # only scheduled
    view = await open_home(slack, fake_slack)
    assert view["type"] == "home"
    text = json.dumps(view)
    assert "3 active now, 1 scheduled" in text
    assert "in 3 scopes" in text
    sections = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section" and "accessory" in b
                and b["accessory"]["action_id"] == HOME_CANCEL_ACTION]
    assert [s.split("`")[1] for s in sections] == ["service:api", "env:prod", "team:db"]
    assert "2 active" in sections[1]
    assert "1 scheduled" in sections[2]
    assert "ago; reused for at most 10 s" in text
    assert json.loads(view["private_metadata"]) == {"dm": "D0ALICE"}


async def test_the_home_tab_stays_within_100_blocks_and_counts_the_rest(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    for i in range(150):
        fake_datadog.add_v2(f"service:s{i:03d}")
    view = await open_home(slack, fake_slack)
    assert len(view["blocks"]) <= 100
    assert not view_problems(view, "home")
    assert "and 58 more scopes (58 downtimes, 58 of them active)" in json.dumps(view)


async def test_concurrent_home_opens_share_one_listing_and_reuse_it_for_a_few_seconds(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Twenty people open the Home tab at once while Datadog is slow: each list is read once. A second round
    within HOME_CACHE_SECONDS reads nothing; Refresh reads again."""
    fake_datadog.add_v2("env:prod")
    fake_datadog.latency = 0.3
    bodies = [home_opened_body(user_id=f"U{i:04d}", channel=f"D{i:04d}") for i in range(20)]
    await asyncio.gather(*(slack.post(b, headers=signed_json(b, SIGNING_SECRET)) for b in bodies))
    await fake_slack.wait_for(lambda r: r.path == "/api/views.publish", count=20, within=8)

    def lists() -> int:
        return len([r for r in fake_datadog.requests if r.path in ("/api/v1/downtime", "/api/v2/downtime")])

    assert lists() == 2  # one v1 list, one v2 page: for twenty people
    await open_home(slack, fake_slack, user="U0000", channel="D0000")
    assert lists() == 2  # reused: the view says how old it is
    view = fake_slack.published["U0000"]
    await slack.post(home_click(fake_slack, view, HOME_REFRESH_ACTION, "refresh"))
    await fake_datadog.wait_for(lambda r: r.path == "/api/v2/downtime", count=2)
    assert lists() == 4


async def test_a_home_button_opens_the_prompt_in_a_modal_and_the_report_goes_to_the_dm_with_undo(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    downtime = fake_datadog.add_v2("env:prod AND service:api")
    home = await open_home(slack, fake_slack)
    value = button_value({"blocks": home["blocks"]}, HOME_CANCEL_ACTION)
    assert value == "env:prod,service:api"
    await slack.post(home_click(fake_slack, home, HOME_CANCEL_ACTION, value))
    await fake_slack.wait_for(lambda r: r.path == "/api/views.update")
    assert not fake_slack.view_errors
    ((view_id, modal),) = fake_slack.opened.items()
    assert modal["type"] == "modal"
    assert "Cancel 1 downtime on `env:prod,service:api`?" in json.dumps(modal)
    modal_click = view_action_body(CONFIRM_ACTION, button_value(modal, CONFIRM_ACTION),
                                   view={**modal, "id": view_id}, trigger_id=fake_slack.trigger())
    await slack.post(modal_click)
    (posted,) = await fake_slack.wait_for(lambda r: r.path == "/api/chat.postMessage", within=8)
    report = posted.json()
    assert report["channel"] == "D0ALICE"  # no REPORT_CHANNEL_ID: the person's DM with the bot
    assert "cancelled 1 downtime" in all_text(report)
    assert deletes(fake_datadog) == [downtime["uuid"]]
    await fake_slack.wait_for(lambda r: r.path == "/api/views.update", count=3)  # cancelling…, then done
    assert "The report, with Undo, is in your direct messages with the bot" in json.dumps(fake_slack.opened[view_id])
    # The report is a message: its Undo is clicked there, with a response_url, as in any channel.
    await slack.click(UNDO_ACTION, button_value(report, UNDO_ACTION), name="undo")
    await fake_slack.wait_for(lambda r: r.path == "/response/undo", within=8)
    assert [r for r in fake_datadog.requests if (r.method, r.path) == ("POST", "/api/v2/downtime")]


async def test_home_reports_go_to_report_channel_and_every_report_is_copied_to_the_audit_channel(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    fake_datadog.add_v2("env:prod")
    fake_datadog.add_v2("env:staging")
    async with bot_with(REPORT_CHANNEL_ID="C0REPORTS", AUDIT_CHANNEL_ID="C0AUDIT") as sender:
        home = await open_home(sender, fake_slack)
        assert "the report goes to <#C0REPORTS>" in json.dumps(home)
        value = next(b["accessory"]["value"] for b in home["blocks"]
                     if b.get("accessory", {}).get("action_id") == HOME_CANCEL_ACTION and "prod" in b["text"]["text"])
        await sender.post(home_click(fake_slack, home, HOME_CANCEL_ACTION, value))
        await fake_slack.wait_for(lambda r: r.path == "/api/views.update")
        ((view_id, modal),) = fake_slack.opened.items()
        await sender.post(view_action_body(CONFIRM_ACTION, button_value(modal, CONFIRM_ACTION),
                                           view={**modal, "id": view_id}, trigger_id=fake_slack.trigger()))
        await fake_slack.wait_for(lambda r: r.path == "/api/chat.postMessage", count=2, within=8)
        # And a cancel typed in a channel is copied too, as is its restore.
        prompt = await prompt_for(sender, fake_slack, "env:staging")
        report = await press(sender, fake_slack, prompt, CONFIRM_ACTION)
        await fake_slack.wait_for(lambda r: r.path == "/api/chat.postMessage", count=3, within=8)
        await sender.click(UNDO_ACTION, button_value(report, UNDO_ACTION), name="undo")
        await fake_slack.wait_for(lambda r: r.path == "/api/chat.postMessage", count=4, within=8)
    posts = [r.json() for r in fake_slack.requests if r.path == "/api/chat.postMessage"]
    assert [p["channel"] for p in posts] == ["C0REPORTS", "C0AUDIT", "C0AUDIT", "C0AUDIT"]
    copies = posts[1:]
    assert "Copy of a report posted in <#C0REPORTS>" in all_text(copies[0])
    assert "Copy of a report posted in <#C_OPS>" in all_text(copies[1])
    assert "<@U_ALICE> restored 1 downtime on `env:staging`" in all_text(copies[2])
    for copy in copies:  # Undo is the report's own channel's; the audit copy has no buttons
        assert not [b for b in copy["blocks"] if b["type"] == "actions"]


async def test_a_modal_click_by_someone_else_or_after_keep_changes_nothing(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    fake_datadog.add_v2("env:prod")
    home = await open_home(slack, fake_slack)
    await slack.post(home_click(fake_slack, home, HOME_CANCEL_ACTION, "env:prod"))
    await fake_slack.wait_for(lambda r: r.path == "/api/views.update")
    ((view_id, modal),) = fake_slack.opened.items()
    pending = button_value(modal, CONFIRM_ACTION)
    await slack.post(view_action_body(CONFIRM_ACTION, pending, view={**modal, "id": view_id},
                                      trigger_id=fake_slack.trigger(), user_id="U_BOB"))
    await fake_slack.wait_for(lambda r: r.path == "/api/views.update", count=2)
    assert "Only <@U_ALICE>, who asked for this cancellation, can confirm it" in json.dumps(fake_slack.opened[view_id])
    await slack.post(view_action_body(KEEP_ACTION, pending, view={**modal, "id": view_id},
                                      trigger_id=fake_slack.trigger()))
    await fake_slack.wait_for(lambda r: r.path == "/api/views.update", count=3)
    assert "Kept the downtimes on `env:prod`" in json.dumps(fake_slack.opened[view_id])
    assert not deletes(fake_datadog)


async def test_a_home_click_whose_trigger_expired_opens_nothing_and_is_logged(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack honours a trigger_id for 3 s: past it views.open is refused; the bot says so in its log."""
    fake_datadog.add_v2("env:prod")
    home = await open_home(slack, fake_slack)
    read_before = len(fake_datadog.requests)
    await slack.post(home_click(fake_slack, home, HOME_CANCEL_ACTION, "env:prod", age=4.0))
    await fake_slack.wait_for(lambda r: r.path == "/api/views.open")
    for _ in range(50):
        if "views.open failed: SlackApiError expired_trigger_id" in caplog.text:
            break
        await asyncio.sleep(0.05)
    assert "views.open failed: SlackApiError expired_trigger_id" in caplog.text
    assert not fake_slack.opened
    await asyncio.sleep(0.2)
    assert len(fake_datadog.requests) == read_before  # nothing looked up for a prompt no one can see


async def test_a_guest_opening_the_home_tab_sees_why_not_and_no_listing(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    from tests.fakes.topology import slack_user

    fake_datadog.add_v2("env:prod")
    fake_slack.users["U_GUEST"] = {**slack_user("U_GUEST", "T0001"), "is_restricted": True}
    view = await open_home(slack, fake_slack, user="U_GUEST", channel="D0GUEST")
    assert "Guest accounts cannot use this bot" in json.dumps(view)
    assert "env:prod" not in json.dumps(view)


def test_the_fake_slack_refuses_views_past_slacks_limits() -> None:
    """The checks the fake applies are real: each of these views is refused."""
    good: dict[str, Any] = {"type": "modal", "title": {"type": "plain_text", "text": "Cancel downtimes"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]}
    assert view_problems(good, "modal") == []
    assert view_problems({**good, "title": {"type": "plain_text", "text": "x" * 25}}, "modal")
    assert view_problems({**good, "blocks": good["blocks"] * 101}, "modal")
    assert view_problems({**good, "private_metadata": "x" * 3001}, "modal")
    assert view_problems({**good, "text": "fallback"}, "modal")
    assert view_problems(good, "home")  # the wrong type for views.publish
    assert view_problems({**good, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}]}, "modal")


async def test_the_home_tab_and_the_shortcut_work_over_socket_mode(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """app_home_opened arrives as an `events_api` envelope, the shortcut and a Home click as `interactive`."""
    monitor = fake_datadog.add_monitor("Queue depth", "Alert", groups=[["service:queue"]])
    fake_datadog.add_v2("service:queue")
    async with socket_bot(socket_settings(fake_slack, fake_datadog)):
        event = json.loads(home_opened_body())
        ack = await fake_slack.push({"envelope_id": "ev-1", "type": "events_api", "payload": event,
                                     "accepts_response_payload": False})
        assert ack["envelope_id"] == "ev-1"
        await fake_slack.wait_for(lambda r: r.path == "/api/views.publish")
        home = fake_slack.published["U_ALICE"]
        assert "service:queue" in json.dumps(home)
        click = dict(parse_qsl(home_click(fake_slack, home, HOME_CANCEL_ACTION, "service:queue").decode()))
        await fake_slack.push({"envelope_id": "ev-2", "type": "interactive", "payload": json.loads(click["payload"])})
        await fake_slack.wait_for(lambda r: r.path == "/api/views.update")
        assert "Cancel 1 downtime on `service:queue`?" in json.dumps(next(iter(fake_slack.opened.values())))
        alert = {"type": "message", "ts": "1.1", "text": f"<https://app.datadoghq.com/monitors/{monitor['id']}|CPU>"}
        form = dict(parse_qsl(message_action_body(alert, response_url=fake_slack.response_url("sc"),
                                                  trigger_id=fake_slack.trigger(),
                                                  callback_id=WHATS_MUTING_CALLBACK).decode()))
        await fake_slack.push({"envelope_id": "ev-3", "type": "interactive", "payload": json.loads(form["payload"])})
        (prompt,) = await fake_slack.wait_for(lambda r: r.path == "/response/sc")
        assert f"silencing monitor `{monitor['id']}` (Queue depth)" in all_text(prompt.json())


async def test_a_scope_no_tag_list_can_say_is_offered_by_id_in_the_list_and_on_the_home_tab(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """`env:prod OR env:staging` cannot be typed as a scope; its downtime can still be asked for by ID."""
    odd = fake_datadog.add_v2("env:prod OR env:staging")
    listing = await prompt_for(slack, fake_slack, "list", name="list")
    assert f"`/cancel-downtime {odd['uuid']}`" in all_text(listing)
    home = await open_home(slack, fake_slack)
    assert button_value({"blocks": home["blocks"]}, HOME_CANCEL_ACTION) == odd["uuid"]
    prompt = await prompt_for(slack, fake_slack, odd["uuid"], name="odd")
    assert "on `env:prod OR env:staging`" in all_text(prompt)
    await press(slack, fake_slack, prompt, CONFIRM_ACTION)
    assert deletes(fake_datadog) == [odd["uuid"]]


async def test_end_later_by_monitor_moves_the_end_of_what_silences_it(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    monitor = fake_datadog.add_monitor("Errors", "Alert", groups=[["service:api"]])
    downtime = fake_datadog.add_v2("service:api", duration=6 * 3600)
    prompt = await prompt_for(slack, fake_slack, f"monitor {monitor['id']} in 2h")
    assert f"End 1 downtime silencing monitor `{monitor['id']}` at" in all_text(prompt)
    await press(slack, fake_slack, prompt, END_ACTION)
    (patch,) = [r for r in fake_datadog.requests if r.method == "PATCH"]
    assert patch.path.endswith(downtime["uuid"])
    assert fake_datadog.downtimes[downtime["uuid"]]["canceled"] is None  # its end moved; it was not cancelled


async def test_a_home_report_slack_will_not_post_is_shown_in_the_modal_without_undo(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """The bot is not in REPORT_CHANNEL_ID (chat.postMessage: not_in_channel): the report is still read, in the
    modal the person is looking at, and says why it is there."""
    downtime = fake_datadog.add_v2("env:prod")
    async with bot_with(REPORT_CHANNEL_ID="C0REPORTS") as sender:
        home = await open_home(sender, fake_slack)
        await sender.post(home_click(fake_slack, home, HOME_CANCEL_ACTION, "env:prod"))
        await fake_slack.wait_for(lambda r: r.path == "/api/views.update")
        ((view_id, modal),) = fake_slack.opened.items()
        fake_slack.post_message_ok = False
        await sender.post(view_action_body(CONFIRM_ACTION, button_value(modal, CONFIRM_ACTION),
                                           view={**modal, "id": view_id}, trigger_id=fake_slack.trigger()))
        await fake_slack.wait_for(lambda r: r.path == "/api/views.update", count=3, within=8)
    assert deletes(fake_datadog) == [downtime["uuid"]]
    shown = fake_slack.opened[view_id]
    assert "Slack did not take this report in the channel it is meant for" in json.dumps(shown)
    assert "cancelled 1 downtime" in json.dumps(shown)
    assert not [b for b in shown["blocks"] if b["type"] == "actions"]
    assert not fake_slack.view_errors
