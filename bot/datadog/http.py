"""Sending to Datadog: the pooled client, bounded retries, the per-action time budget, error mapping.

Every answer that is not used as it is becomes one of the `bot.errors.DatadogError` classes: httpx's
(and, under it, aiohttp's) exceptions never leave this module. One pooled `httpx.AsyncClient`
serves the whole process, over `httpx-aiohttp`'s transport.

The time budget and the retry notice travel in context variables, so a caller sets them once around
a whole workflow (`with time_budget(30), on_retry(tell_user): ...`) and every Datadog call inside,
including those in tasks started by `asyncio.gather`, respects them without extra parameters. The
notice receives the failure and the wait, never a sentence: the words are `bot.slack.views`'.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any
from urllib.parse import urlencode

import aiohttp
import httpx
import orjson
from httpx_aiohttp import AiohttpTransport

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

MAX_IN_FLIGHT = 32  # Datadog connections at once, for the whole process
Notice = Callable[[DatadogError, float], Awaitable[None]]  # the failure, and the seconds until the retry

_deadline: ContextVar[float | None] = ContextVar("datadog_deadline", default=None)
_notice: ContextVar[Notice | None] = ContextVar("datadog_retry_notice", default=None)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry: bounded attempts, exponential backoff, bounded rate-limit waits."""

    attempts: int = 3
    backoff: float = 0.5
    max_backoff: float = 4.0
    max_rate_limit_wait: float = 10.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # tests record waits instead of sleeping

    def backoff_for(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based), with jitter."""
        base = min(self.max_backoff, self.backoff * 2.0 ** (attempt - 1))
        return base * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not cryptography


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Bound every Datadog call made inside to finish, retries included, within `seconds` from now."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left in the current budget, or None when no budget is set."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


@contextmanager
def on_retry(notice: Notice) -> Iterator[None]:
    """Call `notice(error, wait)` before each retry wait inside this block."""
    token = _notice.set(notice)
    try:
        yield
    finally:
        _notice.reset(token)


class DatadogHTTP:
    """One pooled HTTP client with Datadog's keys, sending with retries within the budget."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        app_key: str,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        # Requests name absolute URLs built here: httpx's merging of a base URL and its parameter
        # encoding cost about 15 % of a request's CPU.
        self._base = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            headers={
                "DD-API-KEY": api_key,
                "DD-APPLICATION-KEY": app_key,
                "Accept": "application/json",
                "User-Agent": "cancel-downtime-bot/0.1",
            },
            timeout=httpx.Timeout(timeout),
            # httpx's interface over aiohttp's pool: httpcore's pool cost three times the CPU per request
            # on the loop that also answers Slack (bench/transports.py).
            transport=transport or AiohttpTransport(
                verify=verified_tls(), limits=httpx.Limits(max_connections=MAX_IN_FLIGHT)
            ),
        )
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self._flights: dict[str, asyncio.Future[Any]] = {}  # shared reads in flight, by URL

    async def aclose(self) -> None:
        """Close the connection pool (and drop any shared read still in flight)."""
        for flight in list(self._flights.values()):
            flight.cancel()
        await self._http.aclose()

    async def get_json(self, path: str, params: dict[str, str] | None = None, *, shared: bool = False) -> Any:
        """GET with retries; the parsed JSON of a 2xx answer, or the mapped error.

        `shared`: a read many people make at once in an incident (a list page, a monitor): while one such
        request is in flight, an identical one waits for its answer instead of sending its own, and gets the
        same parsed JSON, which no caller changes. Only for what a prompt or the Home tab shows, never for a
        read back, which must start after the change it checks. A waiter keeps its own time budget.
        """
        if not shared:
            return await self._get_json(path, params)
        key = path + ("?" + urlencode(sorted(params.items())) if params else "")
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(self._get_json(path, params))
            self._flights[key] = flight
            flight.add_done_callback(lambda done: self._landed(key, done))
        left = remaining()
        try:
            return await asyncio.wait_for(asyncio.shield(flight), None if left is None else max(left, 0.0))
        except TimeoutError:
            raise DatadogTimeout("the time limit for this action ran out (waiting for a shared read)") from None

    def _landed(self, key: str, flight: asyncio.Future[Any]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        if not flight.cancelled():
            flight.exception()  # retrieved here: every waiter may have given up on it

    async def _get_json(self, path: str, params: dict[str, str] | None) -> Any:
        response = await self.send("GET", path, params=params)
        raise_for_status(response)
        return parse_json(response)

    async def send(
        self, method: str, path: str, *, failures: list[int] | None = None, params: dict[str, str] | None = None,
        attempts: int | None = None, api_key_only: bool = False, **kwargs: Any,
    ) -> httpx.Response:
        """One call with retries: 429 waits X-RateLimit-Reset, 5xx and transport errors back off.

        Stays within the context's time budget. Returns the first answer that is not retried; raises
        the mapped error of the last failure when giving up. `failures` collects the status (0: no
        answer) of each failed attempt. `attempts` overrides the policy's (1: a call never repeated
        blind, such as a create). `api_key_only`: without the application key (events).
        """
        failed = failures if failures is not None else []
        url = self._base + path + ("?" + urlencode(params) if params else "")
        tries = self.policy.attempts if attempts is None else attempts
        for attempt in range(1, tries + 1):
            left = remaining()
            if left is not None and left <= 0.05:
                raise DatadogTimeout(f"the time limit for this action ran out ({len(failed)} failed attempts)")
            timeout = self.timeout if left is None else min(self.timeout, left)
            try:
                if api_key_only:  # an operation whose spec names the API key alone: the application key stays home
                    request = self._http.build_request(method, url, timeout=timeout, **kwargs)
                    del request.headers["DD-APPLICATION-KEY"]
                    response = await self._http.send(request)
                else:
                    response = await self._http.request(method, url, timeout=timeout, **kwargs)
            except httpx.TimeoutException as exc:
                error: DatadogError = _timeout_or_hang_up(exc, timeout)
                wait = self.policy.backoff_for(attempt)
            except (httpx.TransportError, aiohttp.ClientError) as exc:
                # httpx-aiohttp lets through the aiohttp errors it does not map (a malformed answer).
                # The message of a transport error names the host, never the headers.
                error = DatadogConnectError(f"{type(exc).__name__}: {exc}")
                error.__cause__ = exc
                wait = self.policy.backoff_for(attempt)
            else:
                status = response.status_code
                if status != 429 and status < 500:
                    return response
                error = _status_error(response)
                reset = _int_header(response, "X-RateLimit-Reset")
                wait = float(reset) if status == 429 and reset is not None else self.policy.backoff_for(attempt)
                if status == 429 and wait > self.policy.max_rate_limit_wait:
                    raise error
            failed.append(error.status or 0)
            left = remaining()
            if attempt == tries or (left is not None and wait >= left):
                raise error
            log.info("Datadog %s %s failed (%s); retry %d in %.1fs", method, path, error, attempt, wait)
            notice = _notice.get()
            if notice is not None:
                await notice(error, wait)
            await self.policy.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover


@cache
def verified_tls() -> ssl.SSLContext:
    """httpx's default TLS settings (certifi's CA bundle, or SSL_CERT_FILE / SSL_CERT_DIR), built once per
    process: loading the bundle takes about 30 ms, and every client would otherwise load it again."""
    return httpx.create_ssl_context()


def raise_for_status(response: httpx.Response) -> None:
    """Raise the mapped error for an answer that is not 2xx."""
    if not 200 <= response.status_code < 300:
        raise _status_error(response)


def skew(response: httpx.Response) -> float:
    """Our wall clock minus Datadog's, from the answer's `Date` header (whole seconds); 0 without one."""
    try:
        return time.time() - parsedate_to_datetime(response.headers.get("Date", "")).timestamp()
    except (TypeError, ValueError, IndexError):
        return 0.0


def error_text(response: httpx.Response) -> str:
    """Datadog's own words from `{"errors": [...]}`, else a short excerpt of the body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        return "; ".join(str(e) for e in body["errors"])[:500]
    excerpt = response.text.strip()[:200]
    return excerpt or f"HTTP {response.status_code} with an empty body"


def parse_json(response: httpx.Response) -> Any:
    """The body as JSON, or DatadogUnexpected."""
    try:
        return orjson.loads(response.content)  # a third of json's time on a page of 100 downtimes
    except ValueError as exc:
        raise DatadogUnexpected("the answer is not JSON", status=response.status_code) from exc


def _timeout_or_hang_up(exc: httpx.TimeoutException, timeout: float) -> DatadogError:
    """httpx-aiohttp reports every aiohttp connection error as a connect timeout; a refused or closed
    connection is a connection failure, not silence."""
    cause = exc.__cause__
    error: DatadogError
    if isinstance(cause, aiohttp.ClientConnectionError) and not isinstance(cause, TimeoutError):
        # The message names the host and port, never the headers.
        error = DatadogConnectError(f"{type(cause).__name__}: {cause}")
    else:
        error = DatadogTimeout(f"no answer within {timeout:.2g} s ({type(exc).__name__})")
    error.__cause__ = exc
    return error


def _status_error(response: httpx.Response) -> DatadogError:
    """The error class and Datadog's own words for a status that is not 2xx."""
    status = response.status_code
    detail = error_text(response)
    if status in (401, 403):
        return DatadogAuthError(detail, status=status)
    if status == 400:
        return DatadogRejected(detail, status=status)
    if status == 429:
        return DatadogRateLimited(detail, reset_seconds=_int_header(response, "X-RateLimit-Reset"))
    if status >= 500:
        return DatadogServerError(detail, status=status)
    return DatadogUnexpected(detail, status=status)


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name, "")
    return int(value) if value.isdigit() else None
