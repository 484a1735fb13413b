"""The service layer for Datadog: the one place with its URLs, headers and status codes.

Every answer becomes a domain result or one of the `bot.errors.DatadogError` classes; httpx's own
exceptions never leave this module. One pooled `httpx.AsyncClient` serves the whole process.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import httpx

from bot.errors import (
    DatadogAuthError,
    DatadogConnectError,
    DatadogError,
    DatadogRateLimited,
    DatadogRejected,
    DatadogServerError,
    DatadogTimeout,
    DatadogUnexpected,
)

log = logging.getLogger(__name__)

CANCEL_BY_SCOPE = "/api/v1/downtime/cancel/by_scope"
VALIDATE = "/api/v1/validate"


class DowntimeCanceller(Protocol):
    """What the Slack side needs from Datadog; tests provide hand-written fakes."""

    async def cancel_by_scope(self, scope: str) -> tuple[int, ...]:
        """Cancel the v1 downtimes whose scope is exactly `scope`; return their IDs (empty: none matched)."""
        ...


class DatadogClient:
    """Datadog's downtime API over one pooled HTTP client."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        app_key: str,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers={
                "DD-API-KEY": api_key,
                "DD-APPLICATION-KEY": app_key,
                "Accept": "application/json",
                "User-Agent": "cancel-downtime-bot/0.1",
            },
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=10),
            transport=transport,
        )
        self.timeout = timeout

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def cancel_by_scope(self, scope: str) -> tuple[int, ...]:
        """POST cancel/by_scope; 404 "No downtimes found" is an empty result, not an error."""
        response = await self._send("POST", CANCEL_BY_SCOPE, json={"scope": scope})
        if response.status_code == 404 and "no downtimes found" in _error_text(response).lower():
            return ()
        _raise_for_status(response)
        body = _json(response)
        ids = body.get("cancelled_ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise DatadogUnexpected("cancel_by_scope answered 200 without a list of cancelled_ids", status=200)
        return tuple(ids)

    async def validate_api_key(self) -> None:
        """GET /api/v1/validate; raise DatadogError if the API key is not accepted."""
        response = await self._send("GET", VALIDATE)
        _raise_for_status(response)

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise DatadogTimeout(f"no answer within {self.timeout:g} s ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            # The message of a transport error names the host, never the headers.
            raise DatadogConnectError(f"{type(exc).__name__}: {exc}") from exc


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    detail = _error_text(response)
    error: DatadogError
    if status in (401, 403):
        error = DatadogAuthError(detail, status=status)
    elif status == 400:
        error = DatadogRejected(detail, status=status)
    elif status == 429:
        error = DatadogRateLimited(detail, reset_seconds=_int_header(response, "X-RateLimit-Reset"))
    elif status >= 500:
        error = DatadogServerError(detail, status=status)
    else:
        error = DatadogUnexpected(detail, status=status)
    raise error


def _error_text(response: httpx.Response) -> str:
    """Datadog's own words from `{"errors": [...]}`, else a short excerpt of the body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        return "; ".join(str(e) for e in body["errors"])[:500]
    excerpt = response.text.strip()[:200]
    return excerpt or f"HTTP {response.status_code} with an empty body"


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise DatadogUnexpected("the answer is not JSON", status=response.status_code) from exc


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name, "")
    return int(value) if value.isdigit() else None
