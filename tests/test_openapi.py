"""The bot's Datadog requests and the fake's answers, checked against Datadog's own OpenAPI description.

The fake Datadog plays Datadog in every flow test, so it must answer as Datadog does, not as the bot
expects: every request the bot sends in a full run (preview, both buttons, list mode) must be an
operation of the spec with declared query parameters of the right type and a body its schema
accepts, and every answer of the fake must fit the spec's schema for that status.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.slack.views.action_ids import CONFIRM_ACTION, CONFIRM_ACTIVE_ACTION
from tests.fakes import FakeDatadog, FakeSlack
from tests.helpers import SlackSender, button_value, prompt_for
from tests.spec import SPEC_DIR, spec, validator

pytestmark = pytest.mark.skipif(
    not SPEC_DIR.is_dir(), reason=f"Datadog's OpenAPI description is not at {SPEC_DIR} (../shared/ is absent)"
)


def operation(method: str, path: str) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The spec version, operation and path parameters for a request; fails if the spec has none."""
    version = "v1" if path.startswith("/api/v1/") else "v2"
    for template, operations in spec(version)["paths"].items():
        pattern = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$"
        found = re.match(pattern, path)
        if found and method.lower() in operations:
            return version, operations[method.lower()], found.groupdict()
    raise AssertionError(f"{method} {path} is not an operation of Datadog's {version} API")


def parameters(version: str, op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for parameter in op.get("parameters", []):
        if "$ref" in parameter:
            parameter = spec(version)["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        found[parameter["name"]] = parameter
    return found


def check_query(version: str, op: dict[str, Any], query: dict[str, str]) -> None:
    declared = parameters(version, op)
    for name, value in query.items():
        assert name in declared, f"query parameter {name!r} is not in the spec ({sorted(declared)})"
        kind = declared[name]["schema"].get("type")
        if kind == "boolean":
            assert value in ("true", "false"), f"{name}={value!r} is not a boolean"
        elif kind == "integer":
            assert value.lstrip("-").isdigit(), f"{name}={value!r} is not an integer"
            maximum = declared[name]["schema"].get("maximum")
            assert maximum is None or int(value) <= maximum, f"{name}={value} is over the spec's maximum"


def response_schema(version: str, op: dict[str, Any], status: int) -> dict[str, Any] | None:
    responses = op["responses"]
    response = responses.get(str(status)) or responses.get("default")
    assert response is not None, f"status {status} is not documented for {op['operationId']}"
    if "$ref" in response:
        response = spec(version)["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    content = response.get("content", {}).get("application/json")
    return content["schema"] if content else None


async def run_every_operation(slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog) -> None:
    """A preview with a near miss, both buttons, a v2-only scope, list mode and the alerting check."""
    fake_datadog.add_v1(["env:prod"], message="deploy", monitor_id=42)
    fake_datadog.add_v1(["env:prod"], start_in=3600, duration=3600, rrule="FREQ=DAILY")
    fake_datadog.add_v2("env:prod AND team:db", rrule="FREQ=WEEKLY;BYDAY=MO,FR", duration=7200)
    fake_datadog.add_v2("service:api")
    fake_datadog.add_v2("team:web", start_in=600, duration=600)
    fake_datadog.monitors = [{"id": 7, "name": "cpu", "overall_state": "Alert", "type": "metric alert",
                              "query": "avg(last_5m):avg:system.cpu.user{env:prod} > 90"}]
    await prompt_for(slack, fake_slack, "env:staging", name="miss")
    first = await prompt_for(slack, fake_slack, "env:prod", name="all")
    await slack.click(CONFIRM_ACTION, button_value(first, CONFIRM_ACTION), name="all")
    await fake_slack.wait_for(lambda r: r.path == "/response/all" and b"in_channel" in r.body)
    await prompt_for(slack, fake_slack, "list", name="list")
    second = await prompt_for(slack, fake_slack, "service:api", name="v2")
    await slack.click(CONFIRM_ACTION, button_value(second, CONFIRM_ACTION), name="v2")
    await fake_slack.wait_for(lambda r: r.path == "/response/v2" and b"in_channel" in r.body)
    fake_datadog.add_v1(["team:web"])
    third = await prompt_for(slack, fake_slack, "team:web", name="active")
    await slack.click(CONFIRM_ACTIVE_ACTION, button_value(third, CONFIRM_ACTIVE_ACTION), name="active")
    await fake_slack.wait_for(lambda r: r.path == "/response/active" and b"in_channel" in r.body)


async def test_requests_and_answers_follow_datadogs_openapi(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Every request is a documented operation with valid parameters and body; every answer fits its schema."""
    await run_every_operation(slack, fake_slack, fake_datadog)
    seen = set()
    for request, status, body in fake_datadog.answers:
        version, op, _ = operation(request.method, request.path)
        seen.add(op["operationId"])
        check_query(version, op, request.query)
        if request.body:
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            validator(version, schema).validate(json.loads(request.body))
        schema = response_schema(version, op, status)
        if schema is not None:
            validator(version, schema).validate(json.loads(body))
        else:
            assert not body, f"{op['operationId']} {status} has no documented body"
    assert seen >= {"ListDowntimes", "CancelDowntimesByScope", "CancelDowntime", "ListMonitors"}


def test_the_spec_check_catches_a_wrong_answer() -> None:
    """The check fails on what Datadog would never send (a guard against a check that passes anything)."""
    version, op, params = operation("GET", "/api/v2/downtime")
    bad = {"data": [{"id": "x", "type": "downtime", "attributes": {"status": "paused"}}]}
    schema = response_schema(version, op, 200)
    assert schema is not None
    assert list(validator(version, schema).iter_errors(bad))
    with pytest.raises(AssertionError, match="not in the spec"):
        check_query(version, op, {"filter[scope]": "env:prod"})
    with pytest.raises(AssertionError, match="not an operation"):
        operation("PATCH", "/api/v1/downtime")
    assert params == {}
