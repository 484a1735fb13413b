"""The process's one Datadog client: every endpoint the bot calls, over one `DatadogHTTP`."""

from __future__ import annotations

from bot.config import Settings
from bot.datadog.downtimes import DowntimeCalls
from bot.datadog.events import EventCalls
from bot.datadog.http import DatadogHTTP, RetryPolicy
from bot.datadog.monitors import MonitorCalls
from bot.datadog.probes import ProbeCalls


class DatadogClient(DowntimeCalls, EventCalls, MonitorCalls, ProbeCalls):
    """Datadog's downtime, event and monitor API (a `bot.datadog.api.DowntimeAPI`), and `check`'s probes."""

    def __init__(self, http: DatadogHTTP) -> None:
        self.http = http

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()


def client_for(settings: Settings, *, attempts: int | None = None, timeout: float | None = None) -> DatadogClient:
    """The client the settings describe: API base, keys, timeout and retry policy (`attempts` overrides)."""
    policy = RetryPolicy(
        attempts=settings.datadog_attempts if attempts is None else attempts,
        backoff=settings.datadog_backoff,
        max_rate_limit_wait=settings.datadog_max_rate_limit_wait,
    )
    return DatadogClient(DatadogHTTP(
        settings.datadog_api_url, settings.dd_api_key, settings.dd_app_key,
        timeout=settings.datadog_timeout if timeout is None else timeout, policy=policy,
    ))
