"""Datadog's downtime endpoints: list both APIs (paging v2), cancel by scope or by id, create (undo)."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import httpx

from bot.datadog.api import Created, Observed, ScopeCancellation
from bot.datadog.http import DatadogHTTP, error_text, parse_json, raise_for_status, skew
from bot.domain.downtimes import (
    LIVE,
    Downtime,
    Relevant,
    epoch,
    from_v1,
    from_v2,
    is_live_v1,
    is_live_v2,
    scope_tags,
    v1_tags,
)
from bot.domain.matching import merge
from bot.domain.notify import Notify
from bot.errors import DatadogError, DatadogUnexpected

log = logging.getLogger(__name__)

CANCEL_BY_SCOPE = "/api/v1/downtime/cancel/by_scope"
V1_DOWNTIMES = "/api/v1/downtime"
V2_DOWNTIMES = "/api/v2/downtime"
V2_PAGE_LIMIT = 100
MAX_PARALLEL_PAGES = 8
MAX_V2_PAGES = 1000  # 100,000 downtimes: past that, Datadog is answering full pages forever
DUPLICATE = "duplicate of one or more existing downtimes"
_DUPLICATE_ID = re.compile(r"existing downtimes:\s*\[\s*['\"]([^'\"]+)['\"]")


class DowntimeCalls:
    """The downtime half of `DatadogClient` (see `bot.datadog.api.DowntimeAPI` for the contract)."""

    http: DatadogHTTP

    async def cancel_by_scope(self, scope: str) -> ScopeCancellation:
        """POST cancel/by_scope; 404 "No downtimes found" is an empty result, not an error.

        Retried like every call. A 404 after a failed attempt usually means that attempt did cancel
        them; `after_failure` says so.
        """
        failures: list[int] = []
        response = await self.http.send("POST", CANCEL_BY_SCOPE, json={"scope": scope}, failures=failures)
        if response.status_code == 404 and "no downtimes found" in error_text(response).lower():
            return ScopeCancellation((), after_failure=bool(failures))
        raise_for_status(response)
        body = parse_json(response)
        ids = body.get("cancelled_ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise DatadogUnexpected("cancel_by_scope answered 200 without a list of cancelled_ids", status=200)
        return ScopeCancellation(tuple(ids), after_failure=bool(failures))

    async def cancel_v2(self, downtime_id: str) -> bool:
        """DELETE /api/v2/downtime/{id}: 204 (also when repeated) is True, 404 is False."""
        response = await self.http.send("DELETE", f"{V2_DOWNTIMES}/{quote(downtime_id, safe='')}")
        if response.status_code == 404:
            return False
        raise_for_status(response)
        return True

    async def read_v2(self, downtime_id: str) -> Observed:
        """GET /api/v2/downtime/{id}: its status, and when it was cancelled or ended; 404 is "missing"."""
        response = await self.http.send("GET", f"{V2_DOWNTIMES}/{quote(downtime_id, safe='')}")
        return _downtime_answer(response, "the downtime read back")

    async def update_downtime(self, downtime_id: str, attributes: dict[str, Any]) -> Observed:
        """PATCH /api/v2/downtime/{id}, once (a caller reads back instead of repeating it): the downtime as
        answered; 404 is "missing"."""
        body = {"data": {"id": downtime_id, "type": "downtime", "attributes": attributes}}
        response = await self.http.send("PATCH", f"{V2_DOWNTIMES}/{quote(downtime_id, safe='')}", json=body,
                                        attempts=1)
        return _downtime_answer(response, "the updated downtime")

    async def read_v1_list(self) -> dict[int, Observed]:
        """GET /api/v1/downtime: every item, cancelled and ended ones included, by v1 id."""
        response = await self.http.send("GET", V1_DOWNTIMES)
        raise_for_status(response)
        items = parse_json(response)
        if not isinstance(items, list):
            raise DatadogUnexpected("the v1 downtime list is not a list", status=200)
        offset = skew(response)
        seen: dict[int, Observed] = {}
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), int):
                continue
            canceled, end = item.get("canceled"), item.get("end")
            seen[item["id"]] = _observed(
                item.get("status"), float(canceled) if isinstance(canceled, int | float) else None,
                float(end) if isinstance(end, int | float) else None, offset, v1_tags(item),
            )
        return seen

    async def list_v1(self, relevant: Relevant | None = None) -> list[Downtime]:
        """GET /api/v1/downtime?with_creator=true (needs monitors_read): active and scheduled ones.

        Without `current_only`, scheduled downtimes are listed too (cancel/by_scope cancels them), and
        so are those cancelled or ended in the last two days or so, which are dropped here.
        """
        items = await self.http.get_json(V1_DOWNTIMES, {"with_creator": "true"}, shared=True)
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

    async def downtime(self, downtime_id: str) -> Downtime | Observed:
        """One downtime by ID, for a prompt: a v2 UUID through GET /api/v2/downtime/{id}, a v1 number through
        GET /api/v1/downtime/{id} (then its v2 twin, for the v2 form undo needs). Live, the Downtime; cancelled,
        ended or unknown to Datadog, what Datadog says of it ("missing" for a 404)."""
        if not downtime_id.isdigit():
            body = await _or_missing(self.http.get_json(f"{V2_DOWNTIMES}/{quote(downtime_id, safe='')}",
                                                        {"include": "created_by"}, shared=True))
            if body is None:
                return Observed("missing")
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, dict) or not isinstance(data.get("attributes"), dict) or "id" not in data:
                raise DatadogUnexpected("the downtime read has no attributes", status=200)
            if not is_live_v2(data):
                return _observed_v2(data["attributes"], 0.0)
            return from_v2(data, _users(body))
        item = await _or_missing(self.http.get_json(f"{V1_DOWNTIMES}/{downtime_id}", shared=True))
        if item is None:
            return Observed("missing")
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            raise DatadogUnexpected("the v1 downtime read has no id", status=200)
        now = time.time()
        if not is_live_v1(item, now):
            canceled, end = item.get("canceled"), item.get("end")
            return _observed(item.get("status") or ("canceled" if canceled else "ended"),
                             float(canceled) if isinstance(canceled, int | float) else None,
                             float(end) if isinstance(end, int | float) else None, 0.0)
        v1 = from_v1(item, now)
        if v1.v2_id:
            try:
                twin = await self.downtime(v1.v2_id)
            except DatadogError as error:  # the v1 answer alone still shows it, with its v1 form for undo
                log.info("v2 twin of v1 downtime %s not read: %s", v1.v1_id, error)
                return v1
            if isinstance(twin, Downtime):
                return merge([v1], [twin])[0]
        return v1

    async def create_downtime(self, attributes: dict[str, Any]) -> Created:
        """POST /api/v2/downtime, once: a create is never repeated blind (see `bot.usecases.undo`).

        Datadog refuses a copy of a live downtime with a 400 naming it a "duplicate of one or more
        existing downtimes": that is the downtime already back, not a failure."""
        response = await self.http.send(
            "POST", V2_DOWNTIMES, json={"data": {"type": "downtime", "attributes": attributes}}, attempts=1
        )
        if response.status_code == 400 and DUPLICATE in error_text(response).lower():
            existing = _DUPLICATE_ID.search(error_text(response))
            return Created(existing.group(1) if existing else "", duplicate=True)
        raise_for_status(response)
        body = parse_json(response)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise DatadogUnexpected("the created downtime has no id", status=response.status_code)
        return Created(data["id"])

    async def _v2_page(self, offset: int, relevant: Relevant | None) -> tuple[list[Downtime], int, int | None]:
        """One page: its live downtimes, how many items it held, and the total if Datadog gave one."""
        params = {
            "include": "created_by",
            "page[limit]": str(V2_PAGE_LIMIT),
            "page[offset]": str(offset),
        }
        body = await self.http.get_json(V2_DOWNTIMES, params, shared=True)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise DatadogUnexpected("the v2 downtime list has no data", status=200)
        users = _users(body)
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


def _users(body: dict[str, Any]) -> dict[str, str]:
    """The names of the users an answer `included` (`include=created_by`), by ID."""
    return {
        str(u.get("id")): str((u.get("attributes") or {}).get("name") or (u.get("attributes") or {}).get("email"))
        for u in body.get("included") or []
        if isinstance(u, dict) and u.get("type") == "users"
    }


async def _or_missing(read: Awaitable[Any]) -> Any:
    """The answer of a read, or None when Datadog answered 404 (it knows no such thing)."""
    try:
        return await read
    except DatadogUnexpected as error:
        if error.status == 404:
            return None
        raise


def _downtime_answer(response: httpx.Response, what: str) -> Observed:
    """One v2 downtime answered (GET or PATCH) as a read back; 404 is "missing"."""
    if response.status_code == 404:
        return Observed("missing", skew=skew(response))
    raise_for_status(response)
    body = parse_json(response)
    data = body.get("data") if isinstance(body, dict) else None
    attributes = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attributes, dict):
        raise DatadogUnexpected(f"{what} has no attributes", status=response.status_code)
    return _observed_v2(attributes, skew(response))


def _observed_v2(attributes: dict[str, Any], offset: float) -> Observed:
    """A v2 downtime's attributes as a read back: its state, end and notify settings."""
    schedule = attributes.get("schedule") or {}
    end = epoch((schedule.get("current_downtime") or schedule).get("end"))
    seen = _observed(attributes.get("status"), epoch(attributes.get("canceled")), end, offset)
    types, states = attributes.get("notify_end_types"), attributes.get("notify_end_states")
    notify = Notify(tuple(str(t) for t in types or ()), tuple(str(s) for s in states or ())) \
        if isinstance(types, list | None) and isinstance(states, list | None) else None
    return replace(seen, end=end, notify=notify)


def _observed(
    status: Any, canceled: float | None, end: float | None, offset: float, tags: frozenset[str] | None = None
) -> Observed:
    """What a read back says: cancelled (when), ended (when), or live."""
    if canceled is not None or status == "canceled":
        return Observed("canceled", canceled, offset, tags)
    if status == "ended" or (status not in LIVE and end is not None and end <= time.time() - offset):
        return Observed("ended", end, offset, tags)
    return Observed("live", skew=offset, tags=tags)
