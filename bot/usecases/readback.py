"""Reading Datadog back, Slack-free: after a call that failed in a way that may have acted, what Datadog shows.

Each read has its own short time budget beyond the action's, and returns the failure instead of
raising, so that a report can say "unknown" rather than guess.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from bot.datadog.api import DowntimeAPI, Observed
from bot.datadog.http import time_budget
from bot.errors import DatadogError, DatadogServerError, DatadogUnreachable

READ_BACK_SECONDS = 10.0  # for the read back after a failure, beyond the action's own time limit
# Datadog's `Date` has whole seconds, and a cancel is stamped while it is served: a cancel this close
# before the click is taken as the click's own.
CLOCK_TOLERANCE_SECONDS = 2.0
T = TypeVar("T")


def may_have_acted(error: DatadogError) -> bool:
    """Whether Datadog may have done what was asked although the call failed (no answer, or a 5xx)."""
    return isinstance(error, DatadogUnreachable | DatadogServerError)


async def read_v2(api: DowntimeAPI, downtime_id: str) -> Observed | DatadogError:
    """Read one downtime back with its own short time budget; the error instead of raising."""
    return await _read_back(api.read_v2(downtime_id))


async def read_v1_list(api: DowntimeAPI) -> dict[int, Observed] | DatadogError:
    """The v1 list read back with its own short time budget; the error instead of raising."""
    return await _read_back(api.read_v1_list())


async def _read_back(read: Awaitable[T]) -> T | DatadogError:
    try:
        with time_budget(READ_BACK_SECONDS):
            return await read
    except DatadogError as error:
        return error
