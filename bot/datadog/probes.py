"""What `python -m bot check` asks Datadog: the API key, and one smallest read per permission the bot needs."""

from __future__ import annotations

import asyncio

from bot.datadog.downtimes import V1_DOWNTIMES, V2_DOWNTIMES
from bot.datadog.http import DatadogHTTP, raise_for_status
from bot.datadog.monitors import MONITORS
from bot.errors import DatadogError

VALIDATE = "/api/v1/validate"  # the API key alone
VALIDATE_KEYS = "/api/v2/validate_keys"  # the API key and the application key, whatever the key's scopes
# Datadog's keys are hexadecimal: an API key has 32 characters, an application key 40.
API_KEY_LENGTH, APP_KEY_LENGTH = 32, 40
# (what, the permission it needs, path, parameters)
PROBES = (
    ("GET /api/v2/downtime (list downtimes)", "monitors_downtime", V2_DOWNTIMES, {"page[limit]": "1"}),
    ("GET /api/v1/downtime (v1 ids)", "monitors_read", V1_DOWNTIMES, {"current_only": "true"}),
    ("GET /api/v1/monitor (alerting check)", "monitors_read", MONITORS, {"page": "0", "page_size": "1"}),
)


class ProbeCalls:
    """The checks half of `DatadogClient`."""

    http: DatadogHTTP

    async def validate_api_key(self) -> None:
        """GET /api/v1/validate; raise DatadogError if the API key is not accepted."""
        raise_for_status(await self.http.send("GET", VALIDATE))

    async def validate_keys(self) -> None:
        """GET /api/v2/validate_keys; raise DatadogError if either key is not accepted."""
        raise_for_status(await self.http.send("GET", VALIDATE_KEYS))

    async def probe_permissions(self) -> list[tuple[str, str, DatadogError | None]]:
        """One smallest read per operation the bot needs, in parallel: (what, permission, error or None)."""

        async def probe(path: str, params: dict[str, str]) -> DatadogError | None:
            try:
                await self.http.get_json(path, params)
            except DatadogError as error:
                return error
            return None

        errors = await asyncio.gather(*(probe(path, params) for _, _, path, params in PROBES))
        return [(what, permission, error) for (what, permission, _, _), error in zip(PROBES, errors, strict=True)]


def key_lengths_hint(api_key: str, app_key: str) -> str:
    """What the keys' lengths alone say when Datadog refuses one ("" when they look right): swapped keys are the
    commonest mistake, and their lengths tell them apart without showing either."""
    api, app = len(api_key), len(app_key)
    if (api, app) == (APP_KEY_LENGTH, API_KEY_LENGTH):
        return (f"DD_API_KEY has {api} characters and DD_APP_KEY {app}: they look swapped (an API key has "
                f"{API_KEY_LENGTH}, an application key {APP_KEY_LENGTH})")
    if api == APP_KEY_LENGTH:
        return f"DD_API_KEY has {api} characters, as an application key does (an API key has {API_KEY_LENGTH})"
    if app == API_KEY_LENGTH:
        return f"DD_APP_KEY has {app} characters, as an API key does (an application key has {APP_KEY_LENGTH})"
    return ""
