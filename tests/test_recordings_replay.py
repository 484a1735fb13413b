"""Every answer Datadog's own client tests recorded (`../shared/datadog-recordings/`), replayed through the bot.

Each interaction whose endpoint the bot calls goes through the bot's Datadog client: no exception but
the bot's own `DatadogError`. Every downtime in any recorded answer, v1 or v2, goes through the domain
and the views: it is read, described, and its Undo body is valid against Datadog's OpenAPI
(`../shared/datadog-openapi/`), as of the recording's own "now".
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from bot.datadog.client import DatadogClient
from bot.domain.downtimes import Downtime, from_v1, from_v2
from bot.domain.monitors import Monitor
from bot.domain.undo_plan import plan
from bot.errors import DatadogError
from bot.sandbox.changes import CREATE_ATTRIBUTES
from bot.slack.views.describe import describe
from tests import spec
from tests.helpers import RECORDINGS, mock_datadog

UI = "https://app.datadoghq.com"
Call = Callable[[DatadogClient, re.Match[str], Any], Awaitable[object]]
# The endpoints the bot calls, and how it calls them (the match names the path's parameter).
CALLS: list[tuple[str, re.Pattern[str], Call]] = [
    ("GET", re.compile(r"/api/v1/downtime$"), lambda c, m, b: c.list_v1()),
    ("GET", re.compile(r"/api/v1/downtime$"), lambda c, m, b: c.read_v1_list()),
    ("GET", re.compile(r"/api/v2/downtime$"), lambda c, m, b: c.list_v2()),
    ("GET", re.compile(r"/api/v2/downtime/(?P<id>[^/]+)$"), lambda c, m, b: c.read_v2(m["id"])),
    ("DELETE", re.compile(r"/api/v2/downtime/(?P<id>[^/]+)$"), lambda c, m, b: c.cancel_v2(m["id"])),
    ("POST", re.compile(r"/api/v1/downtime/cancel/by_scope$"), lambda c, m, b: c.cancel_by_scope(b["scope"])),
    ("POST", re.compile(r"/api/v2/downtime$"), lambda c, m, b: c.create_downtime(b["data"]["attributes"])),
    ("GET", re.compile(r"/api/v1/monitor$"), lambda c, m, b: c.alerting_monitors("env:prod")),
    ("PATCH", re.compile(r"/api/v2/downtime/(?P<id>[^/]+)$"),
     lambda c, m, b: c.update_downtime(m["id"], b["data"]["attributes"])),
    ("POST", re.compile(r"/api/v1/events$"), lambda c, m, b: c.post_event(b["title"], b["text"], b.get("tags", []))),
    ("GET", re.compile(r"/api/v2/monitor/(?P<id>[0-9]+)/downtime_matches$"),
     lambda c, m, b: c.monitor_downtimes(int(m["id"]))),
    ("GET", re.compile(r"/api/v1/monitor/(?P<id>[0-9]+)$"), lambda c, m, b: c.monitor(int(m["id"]))),
    ("GET", re.compile(r"/api/v2/downtime/(?P<id>[^/]+)$"), lambda c, m, b: c.downtime(m["id"])),
    ("GET", re.compile(r"/api/v1/downtime/(?P<id>[0-9]+)$"), lambda c, m, b: c.downtime(m["id"])),
]


def cassettes() -> list[Path]:
    if not RECORDINGS.is_dir():
        pytest.skip(f"Datadog recordings not found at {RECORDINGS} (checkout outside the workspace)")
    return sorted(RECORDINGS.glob("*.yaml"))


def interactions(path: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = yaml.safe_load(path.read_text())["interactions"]
    return found


def recorded_now(path: Path) -> datetime | None:
    frozen = path.with_suffix(".frozen")
    return datetime.fromisoformat(frozen.read_text().strip().replace("Z", "+00:00")) if frozen.exists() else None


def answer_of(interaction: dict[str, Any]) -> httpx.Response:
    response = interaction["response"]
    headers = {k: v[0] for k, v in response["headers"].items()}
    return httpx.Response(response["status"]["code"], headers=headers, text=response["body"]["string"])


def body_of(interaction: dict[str, Any]) -> Any:
    raw = interaction["request"].get("body")
    return json.loads(raw) if isinstance(raw, str) and raw else None


def downtimes_in(body: Any, now: float) -> list[Downtime]:
    """Every downtime object in a recorded answer, v1 (bare object or list) or v2 (`data`, one or a list)."""
    found: list[Downtime] = []
    items = body if isinstance(body, list) else [body]
    for item in items:
        if isinstance(item, dict) and "monitor_tags" in item and "id" in item and "scope" in item:
            found.append(from_v1(item, now))
    data = body.get("data") if isinstance(body, dict) else None
    for item in data if isinstance(data, list) else [data]:
        if isinstance(item, dict) and item.get("type") == "downtime":
            found.append(from_v2(item, {}, now))
    return found


async def test_every_recorded_answer_the_bot_can_receive_goes_through_its_client() -> None:
    """No exception but the bot's own DatadogError, for every recorded answer of an endpoint the bot calls."""
    replayed: set[int] = set()
    for path in cassettes():
        for interaction in interactions(path):
            request = interaction["request"]
            url = httpx.URL(request["uri"])
            for number, (method, pattern, call) in enumerate(CALLS):
                match = pattern.search(url.path)
                if request["method"] != method or match is None:
                    continue
                served: list[httpx.Request] = []

                def handler(sent: httpx.Request, interaction: dict[str, Any] = interaction,
                            served: list[httpx.Request] = served) -> httpx.Response:
                    served.append(sent)  # later pages of a list: none left
                    return answer_of(interaction) if len(served) == 1 else httpx.Response(200, json={"data": []})

                try:
                    await call(mock_datadog(handler), match, body_of(interaction))
                except DatadogError:
                    assert interaction["response"]["status"]["code"] >= 400, f"{path.name}: a 2xx refused"
                replayed.add(number)
    assert replayed == set(range(len(CALLS)))  # every call the bot makes has recorded answers


def test_every_recorded_downtime_is_read_described_and_restorable_by_the_spec() -> None:
    """Every downtime in every recorded answer: described with its ID, and its Undo body (if it has one as of
    the recording's "now") valid against the OpenAPI's create request, with no attribute Datadog refuses."""
    if not spec.available():
        pytest.skip(f"Datadog's OpenAPI not found at {spec.SPEC_DIR}")
    described = restorable = 0
    for path in cassettes():
        now = recorded_now(path)
        if now is None:
            continue
        for interaction in interactions(path):
            try:
                body = json.loads(interaction["response"]["body"]["string"] or "null")
            except ValueError:
                continue
            for downtime in downtimes_in(body, now.timestamp()):
                line = describe(downtime, UI)
                assert downtime.key in line, f"{path.name}: {downtime.key} not in {line!r}"
                described += 1
                attributes = plan(downtime, now).attributes
                if attributes is None:
                    continue
                request = {"data": {"type": "downtime", "attributes": attributes}}
                assert spec.request_errors("v2", "/api/v2/downtime", "POST", request) == [], path.name
                assert set(attributes) <= CREATE_ATTRIBUTES, path.name
                restorable += 1
    assert described >= 1000
    assert restorable >= 900


async def test_a_monitors_recorded_downtime_matches_are_read_as_datadog_answered_them() -> None:
    """The recorded downtime_matches answer gives its one downtime's v2 ID; the recorded 404 is "no such monitor";
    the recorded monitor read gives its name and state, and its 404 is None."""
    found: dict[str, object] = {}
    for name in ("v2-test_get_active_downtimes_for_a_monitor_returns_ok_response",
                 "v2-test_get_all_downtimes_for_a_monitor_returns_monitor_not_found_error_response",
                 "v1-test_get_a_monitors_details_returns_ok_response",
                 "v1-test_get_a_monitors_details_returns_monitor_not_found_error_response"):
        path = next((p for p in cassettes() if p.stem == name), None)
        if path is None:
            pytest.skip(f"recording {name} not found")
        (interaction, *_) = [i for i in interactions(path) if i["request"]["method"] == "GET"]
        recorded = answer_of(interaction)
        client = mock_datadog(lambda _, recorded=recorded: recorded)  # type: ignore[misc]
        monitor_id = int(httpx.URL(interaction["request"]["uri"]).path.split("/")[4])
        read = client.monitor_downtimes(monitor_id) if "downtimes" in name else client.monitor(monitor_id)
        found[name] = await read
    assert found["v2-test_get_active_downtimes_for_a_monitor_returns_ok_response"] == (
        "aeefc6a8-15d8-11ee-a8ef-da7ad0900002",)
    assert found["v2-test_get_all_downtimes_for_a_monitor_returns_monitor_not_found_error_response"] is None
    monitor = found["v1-test_get_a_monitors_details_returns_ok_response"]
    assert isinstance(monitor, Monitor)
    assert monitor.id == 155844758
    assert monitor.name.startswith("Test-Get_a_monitor_s_details")
    assert found["v1-test_get_a_monitors_details_returns_monitor_not_found_error_response"] is None
