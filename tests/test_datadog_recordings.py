"""Datadog's own recorded answers (`../shared/datadog-recordings/`) through the bot's Datadog client."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from bot.datadog.api import ScopeCancellation
from bot.datadog.downtimes import CANCEL_BY_SCOPE
from bot.datadog.http import RetryPolicy
from bot.errors import DatadogRateLimited, DatadogRejected, DatadogServerError
from tests.helpers import RECORDINGS, Waits, mock_datadog, scripted


def cassette(name: str) -> list[dict[str, Any]]:
    path: Path = RECORDINGS / name
    if not path.exists():
        pytest.skip(f"Datadog recordings not found at {RECORDINGS} (checkout outside the workspace)")
    interactions: list[dict[str, Any]] = yaml.safe_load(path.read_text())["interactions"]
    return interactions


def replay(interaction: dict[str, Any], seen: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    response = interaction["response"]
    headers = {k: v[0] for k, v in response["headers"].items()}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(response["status"]["code"], headers=headers, text=response["body"]["string"])

    return handler


def recorded_cancel(name: str) -> dict[str, Any]:
    return next(i for i in cassette(name) if i["request"]["uri"].endswith(CANCEL_BY_SCOPE))


async def test_recorded_cancel_ok_is_understood() -> None:
    """The recorded 200 gives the recorded ID, and the bot's request equals the recorded one."""
    interaction = recorded_cancel("v1-test_cancel_downtimes_by_scope_returns_ok_response.yaml")
    seen: list[httpx.Request] = []
    scope = json.loads(interaction["request"]["body"])["scope"]
    answer = await mock_datadog(replay(interaction, seen)).cancel_by_scope(scope)
    assert answer.ids == (2941965647,)
    assert str(seen[0].url) == interaction["request"]["uri"]
    assert json.loads(seen[0].content) == json.loads(interaction["request"]["body"])


async def test_recorded_not_found_is_nothing_matched() -> None:
    """The recorded 404 "No downtimes found" is an empty result."""
    interaction = recorded_cancel("v1-test_cancel_downtimes_by_scope_returns_downtimes_not_found_response.yaml")
    seen: list[httpx.Request] = []
    scope = json.loads(interaction["request"]["body"])["scope"]
    assert await mock_datadog(replay(interaction, seen)).cancel_by_scope(scope) == ScopeCancellation(())
    assert json.loads(seen[0].content) == json.loads(interaction["request"]["body"])


async def test_recorded_bad_request_keeps_datadogs_words() -> None:
    """The recorded 400 becomes DatadogRejected with Datadog's own error text."""
    (interaction,) = cassette("v1-test_schedule_a_downtime_returns_bad_request_response.yaml")
    with pytest.raises(DatadogRejected) as caught:
        await mock_datadog(replay(interaction, [])).cancel_by_scope("env:prod")
    assert caught.value.detail == "Invalid scope parameter"


async def test_recorded_rate_limit_headers_are_read() -> None:
    """The recorded 429 answers carry X-RateLimit-Reset, read as seconds to wait."""
    limited = [i for i in cassette("retry-test_retry_rate_limit.yaml") if i["response"]["status"]["code"] == 429]
    assert limited
    for interaction in limited:
        with pytest.raises(DatadogRateLimited) as caught:
            await mock_datadog(replay(interaction, [])).cancel_by_scope("env:prod")
        assert caught.value.reset_seconds == int(interaction["response"]["headers"]["x-ratelimit-reset"][0])


async def test_recorded_server_errors_are_server_errors() -> None:
    """The recorded 500 answers with empty bodies become DatadogServerError."""
    failed = [i for i in cassette("retry-test_retry_errors.yaml") if i["response"]["status"]["code"] >= 500]
    assert failed
    for interaction in failed:
        with pytest.raises(DatadogServerError) as caught:
            await mock_datadog(replay(interaction, [])).cancel_by_scope("env:prod")
        assert caught.value.status == interaction["response"]["status"]["code"]


async def test_recorded_rate_limits_then_success_are_retried() -> None:
    """Datadog's recorded 429 sequence: each wait is the recorded X-RateLimit-Reset, then success."""
    interactions = cassette("retry-test_retry_rate_limit.yaml")
    answers = []
    for interaction in interactions:
        response = interaction["response"]
        headers = {k: v[0] for k, v in response["headers"].items()}
        answers.append(httpx.Response(response["status"]["code"], headers=headers, text=response["body"]["string"]))
    waits = Waits()
    handler, calls = scripted(*answers)
    policy = RetryPolicy(attempts=len(answers), max_rate_limit_wait=10, sleep=waits)
    await mock_datadog(handler, policy).validate_api_key()
    expected = [float(i["response"]["headers"]["x-ratelimit-reset"][0]) for i in interactions[:-1]]
    assert waits.seconds == expected
    assert len(calls) == len(interactions)
