"""The Datadog service layer: requests it sends, and every answer mapped to a result or an error class."""

from __future__ import annotations

import json
import ssl

import httpx
import pytest

from bot.datadog import http
from bot.datadog.api import ScopeCancellation
from bot.datadog.downtimes import CANCEL_BY_SCOPE
from bot.datadog.http import RetryPolicy
from bot.errors import (
    DatadogAuthError,
    DatadogConnectError,
    DatadogError,
    DatadogRateLimited,
    DatadogRejected,
    DatadogServerError,
    DatadogTimeout,
    DatadogUnexpected,
    DatadogUnreachable,
)
from bot.slack.views.explain import retry_notice
from tests.helpers import DD_MOCK_API_KEY, DD_MOCK_APP_KEY, Waits, mock_datadog, scripted

API_KEY, APP_KEY = DD_MOCK_API_KEY, DD_MOCK_APP_KEY


async def test_cancel_sends_scope_and_keys() -> None:
    """One POST to cancel/by_scope with the JSON scope and both key headers; 200 gives the IDs."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"cancelled_ids": [1, 2]})

    client = mock_datadog(handler)
    assert await client.cancel_by_scope("env:prod,service:api") == ScopeCancellation((1, 2))
    await client.aclose()
    (request,) = seen
    assert (request.method, request.url.path) == ("POST", CANCEL_BY_SCOPE)
    assert json.loads(request.content) == {"scope": "env:prod,service:api"}
    assert request.headers["DD-API-KEY"] == API_KEY
    assert request.headers["DD-APPLICATION-KEY"] == APP_KEY


async def test_no_downtimes_found_is_an_empty_result() -> None:
    """404 "No downtimes found" means nothing matched, which is not a failure."""
    client = mock_datadog(lambda _: httpx.Response(404, json={"errors": ["No downtimes found"]}))
    assert await client.cancel_by_scope("env:prod") == ScopeCancellation(())


@pytest.mark.parametrize(
    ("response", "error_class", "detail"),
    [
        (httpx.Response(400, json={"errors": ["Expected scope"]}), DatadogRejected, "Expected scope"),
        (httpx.Response(401, json={"errors": ["Unauthorized"]}), DatadogAuthError, "Unauthorized"),
        (httpx.Response(403, json={"errors": ["Forbidden"]}), DatadogAuthError, "Forbidden"),
        (httpx.Response(404, text="Not Found"), DatadogUnexpected, "Not Found"),
        (httpx.Response(429, json={"errors": ["Too many"]}), DatadogRateLimited, "Too many"),
        (httpx.Response(500, text=""), DatadogServerError, "empty body"),
        (httpx.Response(502, text="<html>bad gateway</html>"), DatadogServerError, "bad gateway"),
        (httpx.Response(503, json={"errors": ["Unavailable"]}), DatadogServerError, "Unavailable"),
        (httpx.Response(302, text=""), DatadogUnexpected, "HTTP 302"),
        (httpx.Response(200, text="{not json"), DatadogUnexpected, "not JSON"),
        (httpx.Response(200, json={"cancelled": [1]}), DatadogUnexpected, "cancelled_ids"),
        (httpx.Response(200, json={"cancelled_ids": ["1"]}), DatadogUnexpected, "cancelled_ids"),
        (httpx.Response(200, json=[1, 2]), DatadogUnexpected, "cancelled_ids"),
    ],
)
async def test_every_status_maps_to_its_error(
    response: httpx.Response, error_class: type[DatadogError], detail: str
) -> None:
    """Each status becomes its own error class, carrying Datadog's words, and never a key."""
    client = mock_datadog(lambda _: response)
    with pytest.raises(error_class) as caught:
        await client.cancel_by_scope("env:prod")
    assert detail in caught.value.detail
    assert API_KEY not in str(caught.value)
    assert APP_KEY not in str(caught.value)


async def test_rate_limit_reset_is_read() -> None:
    """429 carries X-RateLimit-Reset as the number of seconds to wait."""
    client = mock_datadog(lambda _: httpx.Response(429, headers={"X-RateLimit-Reset": "42"}, text=""))
    with pytest.raises(DatadogRateLimited) as caught:
        await client.cancel_by_scope("env:prod")
    assert caught.value.reset_seconds == 42


@pytest.mark.parametrize(
    ("exception", "error_class"),
    [
        (httpx.ConnectTimeout("timed out"), DatadogTimeout),
        (httpx.ReadTimeout("timed out"), DatadogTimeout),
        (httpx.PoolTimeout("timed out"), DatadogTimeout),
        (httpx.ConnectError("refused"), DatadogConnectError),
        (httpx.RemoteProtocolError("peer closed"), DatadogConnectError),
        (httpx.ReadError("reset"), DatadogConnectError),
    ],
)
async def test_transport_errors_map_to_unreachable(exception: httpx.HTTPError, error_class: type[DatadogError]) -> None:
    """Timeouts and connection failures become DatadogTimeout or DatadogConnectError, chained to the cause."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise exception

    with pytest.raises(error_class) as caught:
        await mock_datadog(handler).cancel_by_scope("env:prod")
    assert caught.value.__cause__ is exception


async def test_validate_checks_the_api_key() -> None:
    """GET /api/v1/validate: 200 passes, 403 raises DatadogAuthError."""
    ok = mock_datadog(lambda r: httpx.Response(200, json={"valid": True}) if r.url.path == "/api/v1/validate"
                    else httpx.Response(404))
    await ok.validate_api_key()
    with pytest.raises(DatadogAuthError):
        await mock_datadog(lambda _: httpx.Response(403, json={"errors": ["Forbidden"]})).validate_api_key()


# --- Retries -------------------------------------------------------------------------------------

def fast(waits: Waits, backoff: float = 0.5) -> RetryPolicy:
    """Three attempts, waits recorded instead of slept."""
    return RetryPolicy(attempts=3, backoff=backoff, max_rate_limit_wait=10.0, sleep=waits)


@pytest.mark.parametrize(
    "first",
    [
        httpx.Response(500, text=""),
        httpx.Response(502, text="bad gateway"),
        httpx.Response(503, json={"errors": ["Unavailable"]}),
        httpx.ReadTimeout("slow"),
        httpx.ConnectError("refused"),
        httpx.RemoteProtocolError("reset"),
    ],
)
async def test_server_errors_and_transport_errors_are_retried(first: httpx.Response | Exception) -> None:
    """5xx, timeouts and connection errors are retried after a backoff, and the retry is announced."""
    waits = Waits()
    handler, calls = scripted(first, httpx.Response(200, json={"cancelled_ids": [5]}))
    notices: list[tuple[DatadogError, float]] = []

    async def notice(error: DatadogError, wait: float) -> None:
        notices.append((error, wait))

    with http.on_retry(notice):
        answer = await mock_datadog(handler, fast(waits)).cancel_by_scope("env:prod")
    assert answer == ScopeCancellation((5,), after_failure=True)
    assert len(calls) == 2
    assert len(waits.seconds) == 1
    assert 0.25 <= waits.seconds[0] <= 0.5
    ((error, wait),) = notices
    assert isinstance(error, DatadogServerError | DatadogUnreachable)
    assert wait == waits.seconds[0]
    assert "retrying in" in retry_notice(error, wait)


async def test_retries_are_bounded_and_back_off() -> None:
    """Three failures give up with the last error, after two growing waits."""
    waits = Waits()
    handler, calls = scripted(httpx.Response(500, text=""))
    with pytest.raises(DatadogServerError):
        await mock_datadog(handler, fast(waits)).cancel_by_scope("env:prod")
    assert len(calls) == 3
    assert len(waits.seconds) == 2
    first, second = waits.seconds
    assert 0.25 <= first <= 0.5 <= second <= 1.0


@pytest.mark.parametrize("status", [400, 401, 403, 404])
async def test_client_errors_are_not_retried(status: int) -> None:
    """A 4xx other than 429 is an answer, not a fault: one request only."""
    handler, calls = scripted(httpx.Response(status, json={"errors": ["no"]}))
    with pytest.raises(DatadogError):
        await mock_datadog(handler, fast(Waits())).list_v1()
    assert len(calls) == 1


async def test_rate_limit_waits_what_datadog_says() -> None:
    """429 waits X-RateLimit-Reset seconds, then retries."""
    waits = Waits()
    handler, _calls = scripted(
        httpx.Response(429, headers={"X-RateLimit-Reset": "3"}, text=""), httpx.Response(200, json=[])
    )
    assert await mock_datadog(handler, fast(waits)).list_v1() == []
    assert waits.seconds == [3.0]


async def test_too_long_a_rate_limit_is_not_waited_for() -> None:
    """A reset beyond the bound gives up at once, saying how long Datadog asked to wait."""
    waits = Waits()
    handler, calls = scripted(httpx.Response(429, headers={"X-RateLimit-Reset": "45"}, text=""))
    with pytest.raises(DatadogRateLimited) as caught:
        await mock_datadog(handler, fast(waits)).cancel_by_scope("env:prod")
    assert caught.value.reset_seconds == 45
    assert (len(calls), waits.seconds) == (1, [])


async def test_a_404_after_a_failed_attempt_is_flagged() -> None:
    """cancel/by_scope: 500, then 404 "No downtimes found": nothing left, probably cancelled by attempt one."""
    handler, _ = scripted(httpx.Response(500, text=""), httpx.Response(404, json={"errors": ["No downtimes found"]}))
    assert await mock_datadog(handler, fast(Waits())).cancel_by_scope("env:prod") == ScopeCancellation((), True)


async def test_the_time_budget_stops_retries() -> None:
    """No retry starts whose wait would not fit in the remaining budget."""
    waits = Waits()
    handler, calls = scripted(httpx.Response(503, text=""))
    with http.time_budget(0.2), pytest.raises(DatadogServerError):
        await mock_datadog(handler, fast(waits, backoff=1.0)).cancel_by_scope("env:prod")
    assert (len(calls), waits.seconds) == (1, [])
    with http.time_budget(0.0), pytest.raises(DatadogTimeout):
        await mock_datadog(handler, fast(waits)).cancel_by_scope("env:prod")
    assert len(calls) == 1


def test_tls_to_datadog_verifies_and_is_built_once() -> None:
    """Every client shares one TLS context, which checks the certificate and the host name."""
    context = http.verified_tls()
    assert context is http.verified_tls()
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
