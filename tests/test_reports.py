"""Preview, near-miss, report and list messages as data: content, escaping and Slack's limits."""

from __future__ import annotations

import json

from bot import reports
from bot.datadog import Alerting, Monitor
from bot.downtimes import Downtime, from_v1, from_v2
from bot.errors import DatadogAuthError, DatadogServerError
from bot.messages import CONFIRM_ACTION, KEEP_ACTION
from bot.scope import parse_scope
from bot.workflows import CancelReport, Preview
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
    message = reports.confirmation_prompt(Preview(SCOPE, (match, other), ()), "cid", 600, UI)
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
    confirm, keep = actions["elements"]
    assert (confirm["action_id"], confirm["style"]) == (CONFIRM_ACTION, "danger")
    assert confirm["text"]["text"] == "Cancel 2 downtimes"
    assert "confirm" in confirm
    assert keep["action_id"] == KEEP_ACTION
    assert "exactly" in text


def test_a_thousand_matches_stay_within_limits() -> None:
    """Beyond the first ten, matches are counted, and the button still says how many."""
    matches = tuple(v1(i, message="x" * 500) for i in range(1000))
    message = reports.confirmation_prompt(Preview(SCOPE, matches, ()), "cid", 600, UI)
    assert_within_slack_limits(message)
    text = dump(message)
    assert "…and 990 more" in text
    assert "Cancel 1000 downtimes" in text


def test_no_match_has_no_button_and_offers_the_near_miss_commands() -> None:
    """Near misses come with the exact command; untypeable scopes say so."""
    bigger = from_v1({"id": 1, "scope": ["env:prod", "service:api"]})
    message = reports.no_match(Preview(SCOPE, (), (("env:prod,service:api", (bigger,)),)), UI)
    assert_within_slack_limits(message)
    text = dump(message)
    assert "`/cancel-downtime env:prod,service:api`" in text
    assert all(b["type"] != "actions" for b in message["blocks"])
    lonely = reports.no_match(Preview(SCOPE, (), ()), UI)
    assert "/cancel-downtime list" in dump(lonely)


def test_report_lists_cancelled_failed_gone_surprises_and_alerting_monitors() -> None:
    """Every outcome has its own line; monitors already alerting are linked."""
    report = CancelReport(
        cancelled=[v1(1)], failed=[(v1(2), DatadogServerError("", status=502))], already_gone=[v1(3)],
        unexpected_ids=[44],
    )
    monitors = Alerting((Monitor(7, "CPU <high>", "Alert"), Monitor(8, "disk", "No Data")), 2)
    message = reports.cancel_report("U1", SCOPE, report, monitors, UI)
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
    failed = reports.cancel_report("U1", SCOPE, CancelReport(failed=[(v1(2), DatadogAuthError("", status=403))]),
                                   None, UI)
    assert "none was cancelled" in failed["text"]
    gone = reports.cancel_report("U1", SCOPE, CancelReport(already_gone=[v1(3)]), None, UI)
    assert "all were already gone" in gone["text"]
    checked = reports.cancel_report("U1", SCOPE, CancelReport(cancelled=[v1(1)]), Alerting((), 3), UI)
    assert "No monitor on this scope is in Alert" in dump(checked)
    unknown = reports.cancel_report("U1", SCOPE, CancelReport(cancelled=[v1(1)]), DatadogAuthError("Forbidden"), UI)
    assert "Could not check which monitors are alerting: Forbidden" in dump(unknown)


def test_list_view_groups_by_scope_with_commands() -> None:
    """List mode groups by scope, largest first, each with its command; odd scopes say so."""
    downtimes = [
        from_v1({"id": 1, "scope": ["service:api", "env:prod"]}),
        from_v2({"id": "u", "attributes": {"scope": "env:prod AND service:api"}}),
        from_v2({"id": "w", "attributes": {"scope": "env:prod OR env:dev"}}),
    ]
    message = reports.list_view(downtimes, UI)
    assert_within_slack_limits(message)
    text = dump(message)
    assert "3 downtimes in 2 scopes*, all active now" in text
    assert "`/cancel-downtime env:prod,service:api`" in text
    assert text.index("env:prod,service:api") < text.index("env:prod OR env:dev")
    assert "not a plain tag list" in text
    assert "no active or scheduled downtimes" in reports.list_view([], UI)["text"]


def test_list_view_of_thousands_stays_within_limits() -> None:
    """Thousands of downtimes in hundreds of scopes are summarised."""
    downtimes = [from_v1({"id": i, "scope": [f"host:h{i % 300}"]}) for i in range(5000)]
    message = reports.list_view(downtimes, UI)
    assert_within_slack_limits(message)
    assert "…and 290 more scopes" in dump(message)


def test_probably_cancelled_is_said_as_such() -> None:
    """Downtimes a lost attempt most likely cancelled are counted as done and explained."""
    message = reports.cancel_report("U1", SCOPE, CancelReport(probably_cancelled=[v1(4)]), None, UI)
    text = dump(message)
    assert "cancelled 1 downtime on `env:prod`" in text
    assert "*Probably cancelled:* an attempt failed" in text
    assert "cancelled them.\\n<https://app.datadoghq.com/monitors/downtimes?id=4|4>" in text
