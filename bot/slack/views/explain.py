"""Datadog's failures in words: what went wrong, whether anything happened, what to do. Pure."""

from __future__ import annotations

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
from bot.slack.views.blocks import quote


def explain(error: DatadogError, *, doing: str = "cancel", verified: bool = False) -> str:
    """One or two sentences on what went wrong and what to do; never a key. `doing`: "cancel", "restore" or "change"
    (an end moved, end later).

    `verified`: the downtimes were read back afterwards and Datadog shows that nothing was done.
    """
    done, act = {"restore": ("restored", "restore"), "change": ("changed", "change")}.get(
        doing, ("cancelled", "cancellation"))
    if verified and isinstance(error, DatadogServerError | DatadogTimeout | DatadogConnectError):
        what = (f"Datadog had an internal error (HTTP {error.status})" if isinstance(error, DatadogServerError)
                else "Datadog did not answer in time" if isinstance(error, DatadogTimeout)
                else "The connection to Datadog failed")
        return f"{what}, and reading back shows nothing was {done}. Try again in a moment."
    if isinstance(error, DatadogAuthError):
        return (
            f"Datadog refused the bot's keys (HTTP {error.status or 403}): the API key or application key is "
            "wrong, or the application key lacks the `monitors_downtime` or `monitors_read` permission. "
            f"Nothing was {done}; ask whoever runs the bot to check DD_API_KEY, DD_APP_KEY and DD_SITE."
        )
    if isinstance(error, DatadogRejected):
        return f"Datadog refused the request (HTTP 400): {sentence(error.detail)} Nothing was {done}."
    if isinstance(error, DatadogRateLimited):
        wait = f" Try again in {error.reset_seconds} s." if error.reset_seconds is not None else ""
        return f"Datadog is rate-limiting the bot (HTTP 429). Nothing was {done}.{wait}"
    if isinstance(error, DatadogServerError):
        return (
            f"Datadog had an internal error (HTTP {error.status}). The {act} may not have happened; "
            "check the downtimes in Datadog before trying again."
        )
    if isinstance(error, DatadogTimeout):
        return (
            f"Datadog did not answer in time ({quote(error.detail, 200)}). The {act} may or may not have "
            "happened; check the downtimes in Datadog before trying again."
        )
    if isinstance(error, DatadogConnectError):
        return f"The bot could not connect to Datadog. Nothing was {done}; try again in a moment."
    if isinstance(error, DatadogUnexpected):
        return (
            f"Datadog gave an answer the bot does not understand ({quote(error.detail.rstrip('.'), 300)}). "
            "Check the downtimes in Datadog before trying again."
        )
    return f"Datadog call failed: {sentence(error.detail)}"


def sentence(detail: str) -> str:
    """Datadog's words, quoted, ending in exactly one full stop."""
    return quote(detail, 300).rstrip().rstrip(".") + "."


def retry_notice(error: DatadogError, wait: float) -> str:
    """What the requester reads while a Datadog call waits `wait` seconds to be retried after `error`."""
    if isinstance(error, DatadogRateLimited):
        what = "Datadog is rate-limiting the bot (HTTP 429)"
    elif isinstance(error, DatadogTimeout):
        what = "Datadog did not answer in time"
    elif isinstance(error, DatadogConnectError):
        what = "The bot could not connect to Datadog"
    else:
        what = f"Datadog answered HTTP {error.status}"
    return f"{what}; retrying in {wait:.0f} s"
