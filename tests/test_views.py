"""Preview, near-miss, report and list messages as data: content, escaping and Slack's limits."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from bot.domain.downtimes import Downtime, from_v1, from_v2
from bot.domain.monitors import Alerting, Monitor
from bot.domain.scope import parse_scope
from bot.domain.undo_plan import Skip, Why
from bot.errors import DatadogAuthError, DatadogError, DatadogRejected, DatadogServerError, DatadogTimeout
from bot.slack.views import listing, prompt, report
from bot.slack.views.action_ids import CONFIRM_ACTION, CONFIRM_ACTIVE_ACTION, CONFIRM_NOTIFY_ACTION, KEEP_ACTION
from bot.slack.views.explain import explain
from bot.slack.views.restored import restore_report
from bot.usecases.cancel import CancelOutcome
from bot.usecases.preview import Preview
from bot.usecases.undo import RestoreOutcome
from tests.limits import assert_within_slack_limits

UI = "https://app.datadoghq.com"


def dump(message: object) -> str:
    return json.dumps(message, ensure_ascii=False)

SCOPE = parse_scope("env:prod")


def v1(id_: int, **extra: object) -> Downtime:
    return from_v1({"id": id_, "scope": ["env:prod"], "start": 1700000000, **extra})


def test_prompt_lists_what_the_button_cancels() -> None:
    """Each match is listed with link, API, monitor, times, creator, message; the button counts them."""
    match = v1(5, message="db <!channel> migration", creator={"name": "Dana"}, monitor_id=9, end=1700003600,
               recurrence={"type": "days", "period": 1})
    other = from_v2({"id": "u-2", "attributes": {"scope": "env:prod"}})
    message = prompt.confirmation_prompt(Preview(SCOPE, (match, other), ()), "cid", 600, UI)
    assert_within_slack_limits(message)
    text = dump(message)
    assert f"<{UI}/monitors/downtimes?id=5|5> (v1)" in text
    assert f"<{UI}/monitors/downtimes?id=u-2|u-2> (v2)" in text
    assert "monitor 9" in text
    assert "by Dana" in text
    assert "recurs every day at 22:13 UTC" in text
    assert "ends all its future occurrences" in text
    assert "<!date^1700000000^{date_short_pretty} {time}|2023-11-14 22:13 UTC>" in text
    assert "&lt;!channel&gt;" in text
    assert "<!channel>" not in text
    actions = next(b for b in message["blocks"] if b["type"] == "actions")
    confirm, notify_too, keep = actions["elements"]  # neither sets `canceled` in notify_end_types: both can be
    assert (confirm["action_id"], confirm["style"]) == (CONFIRM_ACTION, "danger")
    assert confirm["text"]["text"] == "Cancel 2 downtimes"
    assert "confirm" in confirm
    assert (notify_too["action_id"], notify_too["text"]["text"]) == (
        CONFIRM_NOTIFY_ACTION, "Cancel and notify for alerting monitors")
    assert "style" not in notify_too
    assert keep["action_id"] == KEEP_ACTION
    assert "exactly" in text


def test_a_thousand_matches_stay_within_limits() -> None:
    """Beyond the first ten, matches are counted, and the button still says how many."""
    matches = tuple(v1(i, message="x" * 500) for i in range(1000))
    message = prompt.confirmation_prompt(Preview(SCOPE, matches, ()), "cid", 600, UI)
    assert_within_slack_limits(message)
    text = dump(message)
    assert "…and 990 more" in text
    assert "Cancel 1000 downtimes" in text


def test_no_match_has_no_button_and_offers_the_near_miss_commands() -> None:
    """Near misses come with the exact command; untypeable scopes say so."""
    bigger = from_v1({"id": 1, "scope": ["env:prod", "service:api"]})
    message = prompt.no_match(Preview(SCOPE, (), (("env:prod,service:api", (bigger,)),)), UI)
    assert_within_slack_limits(message)
    text = dump(message)
    assert "`/cancel-downtime env:prod,service:api`" in text
    assert all(b["type"] != "actions" for b in message["blocks"])
    lonely = prompt.no_match(Preview(SCOPE, (), ()), UI)
    assert "/cancel-downtime list" in dump(lonely)


def test_report_lists_cancelled_failed_gone_surprises_and_alerting_monitors() -> None:
    """Every outcome has its own line; monitors already alerting are linked."""
    outcome = CancelOutcome(
        cancelled=[v1(1)], failed=[(v1(2), DatadogServerError("", status=502))], already_gone=[v1(3)],
        unexpected_ids=[44],
    )
    monitors = Alerting((Monitor(7, "CPU <high>", "Alert"), Monitor(8, "disk", "No Data")), 2)
    message = report.cancel_report("U1", SCOPE, outcome, monitors, UI)
    assert_within_slack_limits(message)
    text = dump(message)
    assert "cancelled 1 of 3 downtimes on `env:prod`; 1 failed" in text
    assert "HTTP 502" in text
    assert "Already gone" in text
    assert f"<{UI}/monitors/downtimes?id=44|44>" in text
    assert f"<{UI}/monitors/7|CPU &lt;high&gt;> is *Alert*" in text
    assert "*No Data*" in text


def test_report_wording_for_all_failed_and_all_gone() -> None:
    """Nothing cancelled reads as a failure, or as "already gone", never as success."""
    failed = report.cancel_report("U1", SCOPE, CancelOutcome(failed=[(v1(2), DatadogAuthError("", status=403))]),
                                   None, UI)
    assert "none was cancelled" in failed["text"]
    gone = report.cancel_report("U1", SCOPE, CancelOutcome(already_gone=[v1(3)]), None, UI)
    assert "all were already gone" in gone["text"]
    checked = report.cancel_report("U1", SCOPE, CancelOutcome(cancelled=[v1(1)]), Alerting((), 3), UI)
    assert "No monitor on this scope is in Alert" in dump(checked)
    unknown = report.cancel_report("U1", SCOPE, CancelOutcome(cancelled=[v1(1)]), DatadogAuthError("Forbidden"), UI)
    assert "Could not check which monitors are alerting: Forbidden" in dump(unknown)


def test_list_view_groups_by_scope_with_commands() -> None:
    """List mode groups by scope, largest first, each with its command; odd scopes say so."""
    downtimes = [
        from_v1({"id": 1, "scope": ["service:api", "env:prod"]}),
        from_v2({"id": "u", "attributes": {"scope": "env:prod AND service:api"}}),
        from_v2({"id": "w", "attributes": {"scope": "env:prod OR env:dev"}}),
    ]
    message = listing.list_view(downtimes, UI)
    assert_within_slack_limits(message)
    text = dump(message)
    assert "3 downtimes in 2 scopes*, all active now" in text
    assert "`/cancel-downtime env:prod,service:api`" in text
    assert text.index("env:prod,service:api") < text.index("env:prod OR env:dev")
    assert "not a plain tag list" in text
    assert "no active or scheduled downtimes" in listing.list_view([], UI)["text"]


def test_list_view_of_thousands_stays_within_limits() -> None:
    """Thousands of downtimes in hundreds of scopes are summarised."""
    downtimes = [from_v1({"id": i, "scope": [f"host:h{i % 300}"]}) for i in range(5000)]
    message = listing.list_view(downtimes, UI)
    assert_within_slack_limits(message)
    assert "…and 290 more scopes" in dump(message)


def test_what_could_not_be_verified_is_said_as_unknown_with_its_link() -> None:
    """A lost answer and a failed read back: neither counted as cancelled nor as failed, but unknown, linked."""
    outcome = CancelOutcome(cancelled=[v1(1)], unknown=[(v1(4), DatadogTimeout("no answer within 10 s"))])
    text = dump(report.cancel_report("U1", SCOPE, outcome, None, UI))
    assert "cancelled 1 of 2 downtimes on `env:prod`; 1 could not be verified" in text
    assert "*Not verified (1):* Datadog's answer was lost (no answer within 10 s)" in text
    assert "may or may not be cancelled" in text
    assert "check before doing anything else:\\n<https://app.datadoghq.com/monitors/downtimes?id=4|4>" in text
    alone = dump(report.cancel_report("U1", SCOPE, CancelOutcome(unknown=[(v1(4), None)]), None, UI))
    assert "whether it was cancelled could not be verified" in alone
    assert "the bot was stopped before Datadog answered" in alone


def test_datadogs_words_end_in_one_full_stop() -> None:
    """Datadog's own sentence ends with a full stop: the explanation does not add a second one."""
    error = DatadogRejected("Be sure that the first letter is capitalized.", status=400)
    text = explain(error)
    assert "capitalized. Nothing was cancelled." in text
    assert ".." not in text


def test_the_report_says_per_downtime_whether_datadog_will_notify() -> None:
    """`notify_end_types` with `canceled` notifies for its `notify_end_states`; without it, Datadog stays quiet."""
    loud = replace(v1(1), form={"notify_end_types": ["canceled", "expired"], "notify_end_states": ["alert", "warn"]})
    quiet = replace(v1(2), form={"notify_end_types": ["expired"], "notify_end_states": ["alert"]})
    monitors = Alerting((Monitor(7, "cpu", "Alert"),), 1)
    text = dump(report.cancel_report("U1", SCOPE, CancelOutcome(cancelled=[loud, quiet]), monitors, UI))
    assert "*Datadog will notify* for monitors these silenced that are in alert, warn" in text
    assert "include `canceled`):\\n<https://app.datadoghq.com/monitors/downtimes?id=1|1>" in text
    assert "*Datadog will not notify* about monitors already alerting" in text
    assert "include `canceled`):\\n<https://app.datadoghq.com/monitors/downtimes?id=2|2>" in text
    assert "will not notify about these again" not in text


LONGEST_SCOPE = parse_scope(",".join(f"k{i:02d}:{'v' * 95}" for i in range(20)))


def many(count: int, *, status: str = "active", message: str = "", creator: str = "Dana") -> tuple[Downtime, ...]:
    return tuple(
        from_v2({"id": f"{i:08d}-aaaa-bbbb-cccc-{i:012d}", "attributes": {
            "scope": "env:prod", "status": status, "message": message}}, {"u": creator})
        for i in range(count)
    )


def test_the_longest_scope_keeps_every_part_of_the_prompt_within_limits() -> None:
    """A 20-tag, 1,939-character scope: dialog text within 300, the scope shown whole once, counts true."""
    assert len(LONGEST_SCOPE.canonical) > 1900
    matches = many(2) + many(1, status="scheduled")
    message = prompt.confirmation_prompt(Preview(LONGEST_SCOPE, matches, ()), "cid", 600, UI)
    assert_within_slack_limits(message)
    assert LONGEST_SCOPE.canonical in dump(message)
    assert "all 20 tags together" in dump(message)


def test_four_hundred_matches_with_long_messages_and_creators() -> None:
    """400 matches with 2,000-character messages and long creator names: within limits, all counted."""
    matches = many(390, message="m" * 2000, creator="C" * 500) + many(10, status="scheduled", message="<!here>" * 300)
    message = prompt.confirmation_prompt(Preview(SCOPE, matches, ()), "cid", 600, UI)
    assert_within_slack_limits(message)
    text = dump(message)
    assert "Cancel all 400 downtimes" in text
    assert "(390 active now, 10 scheduled)" in text
    assert "…and 380 more active" in text
    assert "<!here>" not in text


def test_scheduled_downtimes_are_a_separate_counted_group_with_a_second_choice() -> None:
    """Active and scheduled are shown apart, the dialog counts both, and "only the active" is offered."""
    active = many(2)
    scheduled = (from_v1({"id": 9, "scope": ["env:prod"], "status": "scheduled", "start": 1900000000,
                          "end": 1900003600, "recurrence": {"type": "days", "period": 1}}),)
    message = prompt.confirmation_prompt(Preview(SCOPE, active + scheduled, ()), "cid", 600, UI)
    assert_within_slack_limits(message)
    text = dump(message)
    assert text.index("*Active now (2)*") < text.index("*Scheduled, not started yet (1)*")
    assert "starts <!date^1900000000^" in text
    actions = next(b for b in message["blocks"] if b["type"] == "actions")["elements"]
    assert [a["action_id"] for a in actions] == [CONFIRM_ACTION, CONFIRM_ACTIVE_ACTION, CONFIRM_NOTIFY_ACTION,
                                                 KEEP_ACTION]
    assert actions[0]["confirm"]["text"]["text"].startswith("2 active and 1 scheduled downtimes on this scope end now")
    assert "every future occurrence of the 1 recurring" in actions[0]["confirm"]["text"]["text"]
    assert actions[1]["text"]["text"] == "Cancel only the 2 active"
    assert "1 scheduled downtime on this scope is kept" in actions[1]["confirm"]["text"]["text"]
    only_active = prompt.confirmation_prompt(Preview(SCOPE, active, ()), "cid", 600, UI)
    assert CONFIRM_ACTIVE_ACTION not in dump(only_active)


def test_three_hundred_near_miss_scopes_are_one_entry_each_and_counted() -> None:
    """300 near-miss scopes (one with 5 downtimes): ten shown with counts, the rest counted, within limits."""
    groups = [(f"env:prod,team:t{i}", tuple(from_v1({"id": i * 10 + j, "scope": ["env:prod", f"team:t{i}"]})
                                             for j in range(5 if i == 0 else 1))) for i in range(300)]
    message = prompt.no_match(Preview(SCOPE, (), tuple(groups)), UI)
    assert_within_slack_limits(message)
    text = dump(message)
    assert "304 downtimes in 300 scopes" in text
    assert text.count("`/cancel-downtime env:prod,team:t0`") == 1
    assert "(5 downtimes)" in text
    assert "…and 2 more on this scope" in text
    assert "…and 290 more scopes (290 downtimes)" in text


def test_a_hundred_and_twenty_failures_give_the_reason_first_and_whole_links() -> None:
    """120 failed cancellations: the reason is never cut, links are whole, and the count is true."""
    failures: list[tuple[Downtime, DatadogError]] = [(d, DatadogServerError("", status=500)) for d in many(120)]
    message = report.cancel_report("U1", SCOPE, CancelOutcome(failed=failures), None, UI)
    assert_within_slack_limits(message)
    section_text = next(b["text"]["text"] for b in message["blocks"] if "Not cancelled" in b["text"]["text"])
    assert section_text.startswith("*Not cancelled (120):* Datadog had an internal error (HTTP 500), and reading back "
                                   "shows nothing was cancelled.")
    shown = section_text.count("<https://")
    assert 0 < shown < 120
    assert section_text.endswith(f"…and {120 - shown} more")


def test_many_reasons_and_surprises_stay_within_limits() -> None:
    """Ten distinct reasons, 500 surprise IDs and 400 cancelled: bounded sections, true counts."""
    failed: list[tuple[Downtime, DatadogError]] = [
        (d, DatadogServerError("", status=500 + i % 10)) for i, d in enumerate(many(40))
    ]
    outcome = CancelOutcome(cancelled=list(many(400)), failed=failed, unexpected_ids=list(range(10**9, 10**9 + 500)))
    message = report.cancel_report("U" * 20, SCOPE, outcome, Alerting((), 5000, complete=False), UI)
    assert_within_slack_limits(message)
    text = dump(message)
    assert "Datadog also cancelled 500 downtimes that the prompt did not show" in text
    assert "…and 20 downtimes not cancelled for 5 other reasons" in text
    assert "…and 390 more cancelled" in text
    assert "Only the first 5000 monitors on this scope could be checked" in text


def test_after_a_cancel_the_report_says_was_scheduled_until() -> None:
    """A cancelled downtime reads "was scheduled until …" (or "had no end date"), never "until cancelled"."""
    ending = from_v1({"id": 1, "scope": ["env:prod"], "start": 1700000000, "end": 1700003600})
    endless = from_v1({"id": 2, "scope": ["env:prod"], "start": 1700000000})
    text = dump(report.cancel_report("U1", SCOPE, CancelOutcome(cancelled=[ending, endless]), None, UI))
    assert "was scheduled until <!date^1700003600^" in text
    assert "had no end date" in text
    assert "until cancelled" not in text


def test_a_list_of_thousands_in_300_long_scopes() -> None:
    """1,200 downtimes in 300 scopes with long tags: ten groups with whole links, the rest counted."""
    downtimes = [from_v1({"id": i, "scope": [f"host:{'h' * 150}{i % 300}", "env:prod"]}) for i in range(1200)]
    message = listing.list_view(downtimes, UI)
    assert_within_slack_limits(message)
    assert "…and 290 more scopes (1160 downtimes)" in dump(message)


def test_every_reason_a_downtime_is_not_restored_is_said_in_the_restored_report() -> None:
    """Each kind of skip the undo plan or an end-later's undo gives has its own words, grouped by reason, with
    the link of each downtime it holds back; an ended one says when it ended."""
    ended = Skip(Why.ENDED, datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    skips = [ended, *(Skip(why) for why in Why if why is not Why.ENDED)]
    outcome = RestoreOutcome(skipped=[(v1(10 + i), skip) for i, skip in enumerate(skips)])
    message = restore_report("U1", "U2", SCOPE, "", outcome, UI)
    assert_within_slack_limits(message)
    text = dump(message)
    for words in ("its end (2026-11-26 12:00 UTC) has passed", "the bot did not capture enough of it to create it "
                  "again", "its recurrence has no occurrence left", "it was cancelled or ended in Datadog since"):
        assert f"*Not restored (1):* Not restored: {words}." in text
    for i in range(len(skips)):
        assert f"downtimes?id={10 + i}|{10 + i}>" in text
    assert "none was restored" in text
