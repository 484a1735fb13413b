"""The bot's one exception tree.

    BotError
    ├── ConfigError                  the environment does not describe a runnable bot
    ├── CannotListen                 the HTTP server cannot take its address (in use, not allowed)
    ├── StoreError                   the shared store (Redis) could not be used
    ├── SlackError                   Slack's Web API did not give a usable answer
    │   ├── SlackTokenRefused        Slack refused a token (`code`: invalid_auth, token_revoked…)
    │   ├── SlackUnreachable         no usable answer from Slack (network, 5xx, timeout)
    │   ├── MembershipUnknown        Slack could not say who is in a user group
    │   └── PersonUnknown            Slack could not say who a user is (`users.info`)
    └── DatadogError                 a Datadog call did not give a usable answer
        ├── DatadogAuthError         403/401: wrong keys or missing `monitors_downtime`
        ├── DatadogRejected          400: Datadog refused the request, with its reason
        ├── DatadogRateLimited       429: too many requests; `reset_seconds` says how long to wait
        ├── DatadogServerError       5xx: Datadog failed on its side
        ├── DatadogUnexpected        an answer this bot does not understand
        └── DatadogUnreachable       no answer at all
            ├── DatadogTimeout       no answer within the configured timeout
            └── DatadogConnectError  the connection could not be made

Third-party errors are mapped to these at exactly one place each: httpx's and aiohttp's (for
Datadog) in `bot.datadog.http`, the Slack SDK's in `bot.slack.web`, redis-py's in `bot.state`.
Posts to Slack (`bot.slack.respond`) never raise: a failed post is logged and the next way is tried.
No message here ever contains a key, token or secret, nor a sentence meant for a Slack user: those
are written from the class and its fields in `bot.slack.views`.
"""

from __future__ import annotations


class BotError(Exception):
    """Base class of every error this bot raises on purpose."""


class ConfigError(BotError):
    """The environment is missing variables or holds invalid ones; `problems` lists them all."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("Configuration is invalid:\n" + "\n".join(f"  - {p}" for p in self.problems))


class CannotListen(BotError):
    """The HTTP server could not listen on HOST:PORT; `address` names it, `reason` is the OS's word for why."""

    def __init__(self, address: str, reason: str) -> None:
        self.address, self.reason = address, reason
        super().__init__(f"cannot listen on {address}: {reason}")


class StoreError(BotError):
    """The shared store (Redis) could not be read or written; nothing is acted on."""


class SlackError(BotError):
    """Slack's Web API did not give a usable answer."""


class SlackTokenRefused(SlackError):
    """Slack refused a token; `code` is Slack's error code, `variable` the setting it came from (never the token)."""

    def __init__(self, code: str, variable: str = "SLACK_BOT_TOKEN") -> None:
        self.code = code
        self.variable = variable
        super().__init__(f"Slack refused {variable}: {code}")


class SlackUnreachable(SlackError):
    """No usable answer from Slack: the connection failed, timed out, or Slack answered 5xx; `status` is the
    HTTP status of an answer that was not Slack's JSON (404: the URL is not Slack's Web API), if any."""

    def __init__(self, detail: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(detail)


class MembershipUnknown(SlackError):
    """Slack could not say who is in a user group (the access check then fails closed)."""


class PersonUnknown(SlackError):
    """Slack could not say who a user is (`users.info`); `code` is Slack's error code, if it gave one.

    The access check then refuses: a person the bot cannot place is never let through.
    """

    def __init__(self, detail: str, code: str = "") -> None:
        self.code = code
        super().__init__(detail)


class DatadogError(BotError):
    """A Datadog call did not give a usable answer."""

    def __init__(self, detail: str, *, status: int | None = None) -> None:
        self.detail = detail
        self.status = status
        super().__init__(detail if status is None else f"HTTP {status}: {detail}")


class DatadogAuthError(DatadogError):
    """Datadog refused the keys (wrong keys, or an application key without `monitors_downtime`)."""


class DatadogRejected(DatadogError):
    """Datadog answered 400 and said why in `detail`."""


class DatadogRateLimited(DatadogError):
    """Datadog answered 429; `reset_seconds` is its X-RateLimit-Reset, if it sent one."""

    def __init__(self, detail: str, *, status: int | None = 429, reset_seconds: int | None = None) -> None:
        super().__init__(detail, status=status)
        self.reset_seconds = reset_seconds


class DatadogServerError(DatadogError):
    """Datadog answered with a 5xx status."""


class DatadogUnexpected(DatadogError):
    """Datadog answered something this bot does not understand (status or body)."""


class DatadogUnreachable(DatadogError):
    """No answer came back from Datadog."""


class DatadogTimeout(DatadogUnreachable):
    """Datadog did not answer within the configured timeout."""


class DatadogConnectError(DatadogUnreachable):
    """The connection to Datadog could not be made (DNS, refused, TLS)."""
