"""Cancel and notify, Slack-free: before the cancel, set each downtime to notify on cancel (`bot.domain.notify`).

One round of `PATCH`es, concurrently; a change that fails never stops the cancel: what Datadog has
for each afterwards is verified (its answer, or a read back) and reported, never assumed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.datadog.api import DowntimeAPI
from bot.domain import notify
from bot.domain.downtimes import Downtime
from bot.domain.notify import Notify
from bot.errors import DatadogError
from bot.usecases.readback import may_have_acted, read_v2

MAX_PARALLEL_CHANGES = 8


@dataclass(frozen=True)
class NotifyChange:
    """A downtime's notify settings after the click set it to notify on cancel: Datadog's, as verified.

    `settings` None: unknown (the change's answer was lost and the read back failed). `error`: why the
    change did not land (the settings are then as they were), or may not have."""

    settings: Notify | None
    error: DatadogError | None = None


NO_V2_ID = DatadogError("only Datadog's v1 API lists it (no v2 id), and the bot changes notify settings through v2")


async def set_notify(
    api: DowntimeAPI, downtimes: list[Downtime], states: tuple[str, ...]
) -> dict[str, NotifyChange]:
    """Make cancelling each notify for `states`, concurrently: what Datadog has for each afterwards, as verified.

    Those already set that way are left as they are; a downtime only the v1 API returned cannot be
    changed (no v2 id). A `PATCH` is sent once; when it fails, the downtime is read back: Datadog's
    settings then say whether it landed; when that read fails too, the settings are unknown."""
    gate = asyncio.Semaphore(MAX_PARALLEL_CHANGES)

    async def one(downtime: Downtime) -> tuple[str, NotifyChange]:
        if notify.notifies_for(downtime, states):
            return downtime.key, NotifyChange(notify.settings(downtime))
        if not downtime.v2_id:
            return downtime.key, NotifyChange(notify.settings(downtime), NO_V2_ID)
        async with gate:
            try:
                seen = await api.update_downtime(downtime.v2_id, notify.change(downtime, states))
                return downtime.key, NotifyChange(seen.notify)
            except DatadogError as failure:
                error = failure
            after = await read_v2(api, downtime.v2_id)
        if isinstance(after, DatadogError) or after.notify is None:
            return downtime.key, NotifyChange(None if may_have_acted(error) else notify.settings(downtime), error)
        return downtime.key, NotifyChange(after.notify, None if after.notify.on_cancel else error)

    return dict(await asyncio.gather(*(one(d) for d in downtimes)))
