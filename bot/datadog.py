"""The service layer for Datadog: the one place with its URLs, headers and status codes.

Every answer becomes a domain result or one of the `bot.errors.DatadogError` classes; httpx's (and,
under it, aiohttp's) exceptions never leave this module. One pooled `httpx.AsyncClient` serves the
whole process, over `httpx-aiohttp`'s transport.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urlencode

import aiohttp
import httpx
import orjson
from httpx_aiohttp import AiohttpTransport

from bot import retry
from bot.downtimes import Downtime, Relevant, from_v1, from_v2, is_live_v1, is_live_v2, scope_tags, v1_tags
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
V1_DOWNTIMES = "/api/v1/downtime"
V2_DOWNTIMES = "/api/v2/downtime"
MONITORS = "/api/v1/monitor"
VALIDATE = "/api/v1/validate"
V2_PAGE_LIMIT = 100
MAX_PARALLEL_PAGES = 8
MAX_V2_PAGES = 1000  # 100,000 downtimes: past that, Datadog is answering full pages forever
MONITOR_PAGE_SIZE = 1000  # the most the spec allows
MAX_MONITOR_PAGES = 20
MAX_IN_FLIGHT = 32  # Datadog connections at once, for the whole process
ALERTING_STATES = ("Alert", "Warn", "No Data")
DUPLICATE = "duplicate of one or more existing downtimes"
_DUPLICATE_ID = re.compile(r"existing downtimes:\s*\[\s*['\"]([^'\"]+)['\"]")


@dataclass(frozen=True)
class ScopeCancellation:
    """What cancel/by_scope answered; `after_failure` when an earlier attempt of this call failed."""

    ids: tuple[int, ...]
    after_failure: bool = False


@dataclass(frozen=True)
class Created:
    """A downtime created (undo): its new id, or Datadog's word that an identical one already exists."""

    id: str
    duplicate: bool = False


@dataclass(frozen=True)
class Monitor:
    """A monitor that is not OK right now."""

    id: int
    name: str
    state: str


@dataclass(frozen=True)
class Alerting:
    """The monitors on a scope that are not OK, out of `checked`; `complete` is False when the list was cut."""

    monitors: tuple[Monitor, ...]
    checked: int
    complete: bool = True


class DowntimeAPI(Protocol):
    """What the rest of the bot needs from Datadog; tests provide hand-written fakes."""

    async def cancel_by_scope(self, scope: str) -> ScopeCancellation:
        """Cancel the v1 downtimes whose scope is exactly `scope`; return their IDs (empty: none matched)."""
        ...

    async def cancel_v2(self, downtime_id: str) -> bool:
        """Cancel one downtime by its v2 id; False if Datadog does not know it (already gone)."""
        ...

    async def list_v1(self, relevant: Relevant | None = None) -> list[Downtime]:
        """The live (active or scheduled) downtimes of the v1 list (only those whose tags are `relevant`)."""
        ...

    async def list_v2(self, relevant: Relevant | None = None) -> list[Downtime]:
        """The live (active or scheduled) downtimes of the v2 list, every page (only `relevant` ones)."""
        ...

    async def alerting_monitors(self, scope: str) -> Alerting:
        """Monitors on this scope in Alert, Warn or No Data, every page."""
        ...

    async def create_downtime(self, attributes: dict[str, Any]) -> Created:
        """Create a downtime (v2); an identical live one already there is `duplicate`, not an error."""
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
        policy: retry.RetryPolicy | None = None,
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
            transport=transport or AiohttpTransport(limits=httpx.Limits(max_connections=MAX_IN_FLIGHT)),
        )
        self.timeout = timeout
        self.policy = policy or retry.RetryPolicy()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def cancel_by_scope(self, scope: str) -> ScopeCancellation:
        """POST cancel/by_scope; 404 "No downtimes found" is an empty result, not an error.

        Retried like every call. A 404 after a failed attempt usually means that attempt did cancel
        them; `after_failure` says so.
        """
        failures: list[int] = []
        response = await self._send("POST", CANCEL_BY_SCOPE, json={"scope": scope}, failures=failures)
        if response.status_code == 404 and "no downtimes found" in _error_text(response).lower():
            return ScopeCancellation((), after_failure=bool(failures))
        _raise_for_status(response)
        body = _json(response)
        ids = body.get("cancelled_ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise DatadogUnexpected("cancel_by_scope answered 200 without a list of cancelled_ids", status=200)
        return ScopeCancellation(tuple(ids), after_failure=bool(failures))

    async def cancel_v2(self, downtime_id: str) -> bool:
        """DELETE /api/v2/downtime/{id}: 204 (also when repeated) is True, 404 is False."""
        response = await self._send("DELETE", f"{V2_DOWNTIMES}/{quote(downtime_id, safe='')}")
        if response.status_code == 404:
            return False
        _raise_for_status(response)
        return True

    async def list_v1(self, relevant: Relevant | None = None) -> list[Downtime]:
        """GET /api/v1/downtime?with_creator=true (needs monitors_read): active and scheduled ones.

        Without `current_only`, scheduled downtimes are listed too (cancel/by_scope cancels them), and
        so are those cancelled or ended in the last two days or so, which are dropped here.
        """
        items = await self._get_json(V1_DOWNTIMES, {"with_creator": "true"})
        if not isinstance(items, list):
            raise DatadogUnexpected("the v1 downtime list is not a list", status=200)
        now = time.time()
        return [
            from_v1(i, now) for i in items
            if isinstance(i, dict) and is_live_v1(i, now) and (relevant is None or relevant(v1_tags(i)))
        ]

    async def list_v2(self, relevant: Relevant | None = None) -> list[Downtime]:
        """Every page of GET /api/v2/downtime?include=created_by: active and scheduled ones.

        With `meta.page.total_filtered_count` (optional in the spec), the other pages are fetched at
        once, at most MAX_PARALLEL_PAGES at a time; without it, batches of that many pages are read
        until one comes back short, as Datadog's own clients page. Only the items whose tags are
        `relevant` are read in full: in a large organisation, that is most of the CPU a preview saves.
        """
        first, size, total = await self._v2_page(0, relevant)
        pages = [first]
        gate = asyncio.Semaphore(MAX_PARALLEL_PAGES)

        async def page(offset: int) -> tuple[list[Downtime], int, int | None]:
            async with gate:
                return await self._v2_page(offset, relevant)

        if total is not None:
            rest = await asyncio.gather(*(page(o) for o in range(V2_PAGE_LIMIT, total, V2_PAGE_LIMIT)))
            pages.extend(downtimes for downtimes, _, _ in rest)
            return [d for chunk in pages for d in chunk]
        offset = V2_PAGE_LIMIT
        while size == V2_PAGE_LIMIT:
            if offset >= MAX_V2_PAGES * V2_PAGE_LIMIT:
                raise DatadogUnexpected(f"the v2 downtime list has more than {MAX_V2_PAGES} full pages", status=200)
            batch = await asyncio.gather(*(page(offset + i * V2_PAGE_LIMIT) for i in range(MAX_PARALLEL_PAGES)))
            for downtimes, size, _ in batch:
                pages.append(downtimes)
                if size < V2_PAGE_LIMIT:
                    break
            offset += MAX_PARALLEL_PAGES * V2_PAGE_LIMIT
        return [d for chunk in pages for d in chunk]

    async def create_downtime(self, attributes: dict[str, Any]) -> Created:
        """POST /api/v2/downtime. Datadog refuses a copy of a live downtime with a 400 naming it a
        "duplicate of one or more existing downtimes": that is the downtime already back, not a failure."""
        response = await self._send("POST", V2_DOWNTIMES, json={"data": {"type": "downtime", "attributes": attributes}})
        if response.status_code == 400 and DUPLICATE in _error_text(response).lower():
            existing = _DUPLICATE_ID.search(_error_text(response))
            return Created(existing.group(1) if existing else "", duplicate=True)
        _raise_for_status(response)
        body = _json(response)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise DatadogUnexpected("the created downtime has no id", status=response.status_code)
        return Created(data["id"])

    async def alerting_monitors(self, scope: str) -> Alerting:
        """Every page of GET /api/v1/monitor?tags=<scope>; keep those in Alert, Warn or No Data.

        `tags` filters by the monitors' scope; `group_states` only adds detail, so it is not asked for.
        Pages are read until a short one, at most MAX_MONITOR_PAGES, within the action's time limit:
        when either cuts the reading short after a first page, the result says it is incomplete.
        """
        found: list[Monitor] = []
        checked = 0
        for page in range(MAX_MONITOR_PAGES):
            params = {"tags": scope, "page": str(page), "page_size": str(MONITOR_PAGE_SIZE)}
            try:
                items = await self._get_json(MONITORS, params)
            except DatadogError:
                if page == 0:
                    raise
                return Alerting(tuple(found), checked, complete=False)
            if not isinstance(items, list):
                raise DatadogUnexpected("the monitor list is not a list", status=200)
            checked += len(items)
            found.extend(
                Monitor(int(m["id"]), str(m.get("name") or ""), str(m["overall_state"]))
                for m in items
                if isinstance(m, dict) and m.get("overall_state") in ALERTING_STATES and "id" in m
            )
            if len(items) < MONITOR_PAGE_SIZE:
                return Alerting(tuple(found), checked)
        return Alerting(tuple(found), checked, complete=False)

    async def _v2_page(self, offset: int, relevant: Relevant | None) -> tuple[list[Downtime], int, int | None]:
        """One page: its live downtimes, how many items it held, and the total if Datadog gave one."""
        params = {
            "include": "created_by",
            "page[limit]": str(V2_PAGE_LIMIT),
            "page[offset]": str(offset),
        }
        body = await self._get_json(V2_DOWNTIMES, params)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise DatadogUnexpected("the v2 downtime list has no data", status=200)
        users = {
            str(u.get("id")): str((u.get("attributes") or {}).get("name") or (u.get("attributes") or {}).get("email"))
            for u in body.get("included") or []
            if isinstance(u, dict) and u.get("type") == "users"
        }
        total = ((body.get("meta") or {}).get("page") or {}).get("total_filtered_count")
        now = time.time()
        downtimes = []
        for item in data:
            if not isinstance(item, dict) or not is_live_v2(item):
                continue
            tags = scope_tags(item)
            if relevant is None or relevant(tags):
                downtimes.append(from_v2(item, users, now, tags))
        return downtimes, len(data), total if isinstance(total, int) and not isinstance(total, bool) else None

    async def _get_json(self, path: str, params: dict[str, str]) -> Any:
        """GET with retries; the parsed JSON of a 2xx answer, or the mapped error."""
        response = await self._send("GET", path, params=params)
        _raise_for_status(response)
        return _json(response)

    async def probe_permissions(self) -> list[tuple[str, str, DatadogError | None]]:
        """One smallest read per operation the bot needs, in parallel: (what, permission, error or None)."""
        probes = (
            ("GET /api/v2/downtime (list downtimes)", "monitors_downtime", V2_DOWNTIMES, {"page[limit]": "1"}),
            ("GET /api/v1/downtime (v1 ids)", "monitors_read", V1_DOWNTIMES, {"current_only": "true"}),
            ("GET /api/v1/monitor (alerting check)", "monitors_read", MONITORS, {"page": "0", "page_size": "1"}),
        )

        async def probe(path: str, params: dict[str, str]) -> DatadogError | None:
            try:
                await self._get_json(path, params)
            except DatadogError as error:
                return error
            return None

        errors = await asyncio.gather(*(probe(path, params) for _, _, path, params in probes))
        return [(what, permission, error) for (what, permission, _, _), error in zip(probes, errors, strict=True)]

    async def validate_api_key(self) -> None:
        """GET /api/v1/validate; raise DatadogError if the API key is not accepted."""
        response = await self._send("GET", VALIDATE)
        _raise_for_status(response)

    async def _send(
        self, method: str, path: str, *, failures: list[int] | None = None, params: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One call with retries: 429 waits X-RateLimit-Reset, 5xx and transport errors back off.

        Stays within the context's time budget (`retry.time_budget`). Returns the first answer that
        is not retried; raises the mapped error of the last failure when giving up. `failures`
        collects the status (0: no answer) of each failed attempt.
        """
        failed = failures if failures is not None else []
        url = self._base + path + ("?" + urlencode(params) if params else "")
        for attempt in range(1, self.policy.attempts + 1):
            left = retry.remaining()
            if left is not None and left <= 0.05:
                raise DatadogTimeout(f"the time limit for this action ran out ({len(failed)} failed attempts)")
            timeout = self.timeout if left is None else min(self.timeout, left)
            try:
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
            left = retry.remaining()
            if attempt == self.policy.attempts or (left is not None and wait >= left):
                raise error
            log.info("Datadog %s %s failed (%s); retry %d in %.1fs", method, path, error, attempt, wait)
            await retry.announce(f"{_describe_failure(error)}; retrying in {wait:.0f} s")
            await self.policy.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover


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


def _describe_failure(error: DatadogError) -> str:
    if isinstance(error, DatadogRateLimited):
        return "Datadog is rate-limiting the bot (HTTP 429)"
    if isinstance(error, DatadogTimeout):
        return "Datadog did not answer in time"
    if isinstance(error, DatadogConnectError):
        return "The bot could not connect to Datadog"
    return f"Datadog answered HTTP {error.status}"


def _raise_for_status(response: httpx.Response) -> None:
    if not 200 <= response.status_code < 300:
        raise _status_error(response)


def _status_error(response: httpx.Response) -> DatadogError:
    """The error class and Datadog's own words for a status that is not 2xx."""
    status = response.status_code
    detail = _error_text(response)
    if status in (401, 403):
        return DatadogAuthError(detail, status=status)
    if status == 400:
        return DatadogRejected(detail, status=status)
    if status == 429:
        return DatadogRateLimited(detail, reset_seconds=_int_header(response, "X-RateLimit-Reset"))
    if status >= 500:
        return DatadogServerError(detail, status=status)
    return DatadogUnexpected(detail, status=status)


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
        return orjson.loads(response.content)  # a third of json's time on a page of 100 downtimes
    except ValueError as exc:
        raise DatadogUnexpected("the answer is not JSON", status=response.status_code) from exc


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name, "")
    return int(value) if value.isdigit() else None
