"""`python -m bot check`: the configuration tried against the real services, one line per check.

Each check says what it tried, the result, and the fix when it fails. Nothing here prints a token,
key or secret: Slack's and Datadog's answers are reduced to their error codes and statuses.
Exit code: 0 when every check passes, 1 when any fails (an invalid configuration is 2, before this).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import DEFAULT_SLACK_API_URL, Settings
from bot.datadog.client import DatadogClient, client_for
from bot.datadog.probes import key_lengths_hint
from bot.environment import token_kind
from bot.errors import DatadogAuthError, DatadogError, DatadogUnreachable, SlackTokenRefused, SlackUnreachable
from bot.slack.identity import ask_slack, mismatch
from bot.slack.web import open_socket_url, slack_client
from bot.state import redis as shared

TIMEOUT_SECONDS = 10
NEEDED_SCOPES = ("commands", "chat:write", "users:read")


@dataclass(frozen=True)
class Result:
    """One check: what was tried, whether it passed, what was found, and the fix when it failed."""

    what: str
    ok: bool
    detail: str
    fix: str = ""
    note: bool = False  # a fact about the configuration, not a check: not counted

    def line(self) -> str:
        """The line printed for this check."""
        mark = "note" if self.note else "ok  " if self.ok else "FAIL"
        return f"[{mark}] {self.what}: {self.detail}" + (f"\n       fix: {self.fix}" if self.fix else "")


async def run_checks(settings: Settings) -> list[Result]:
    """Every check this configuration calls for, Slack's, Datadog's and Redis's at once."""
    groups = await asyncio.gather(_slack(settings), _socket(settings), _datadog(settings), _redis(settings))
    return _signing_secret(settings) + [result for group in groups for result in group]


async def main(settings: Settings, write: Callable[[str], object] = print) -> int:
    """Run the checks, print one line each and a summary; 0 if all passed, else 1."""
    results = await run_checks(settings)
    for result in results:
        write(result.line())
    checks = [r for r in results if not r.note]
    failed = sum(not r.ok for r in checks)
    write(f"{len(checks) - failed} of {len(checks)} checks passed." + (" Fix the failures above." if failed else ""))
    return 1 if failed else 0


async def _slack(settings: Settings) -> list[Result]:
    client = slack_client(settings, timeout=TIMEOUT_SECONDS)
    what = "Slack bot token (auth.test)"
    try:
        identity = await ask_slack(client, TIMEOUT_SECONDS)
    except SlackTokenRefused as error:
        return [Result(what, False, f"Slack refused SLACK_BOT_TOKEN: {error.code}",
                       "copy the Bot User OAuth Token (xoxb-…) from Slack app > OAuth & Permissions into "
                       "SLACK_BOT_TOKEN; reinstall the app if the token was revoked")]
    except SlackUnreachable as error:
        if error.status is not None and 400 <= error.status < 500:  # an answer, but not Slack's Web API's
            return [Result(what, False, f"{settings.slack_api_url} is not Slack's Web API: {error}",
                           f"set SLACK_API_URL to the Web API's base, which ends in /api/ ({DEFAULT_SLACK_API_URL}, "
                           "GovSlack https://slack-gov.com/api/), or unset it")]
        return [Result(what, False, f"could not reach Slack at {settings.slack_api_url}: {error}",
                       "check the network (DNS, proxy, firewall) and SLACK_API_URL")]
    results = [Result(what, True, identity.describe())]
    wrong = mismatch(settings.slack_team_id, identity)
    if wrong:
        served = identity.served()
        results.append(Result("SLACK_TEAM_ID", False, wrong,
                              f"set SLACK_TEAM_ID={served.enterprise if served.org_wide else served.team}, or unset "
                              "it to serve the token's own"))
    needed = list(NEEDED_SCOPES) + (["usergroups:read"] if settings.policy.uses_groups else [])
    missing = [scope for scope in needed if scope not in identity.scopes]
    granted = ", ".join(sorted(identity.scopes)) or "none listed"
    if missing:
        results.append(Result(
            "Slack bot scopes", False, f"missing {', '.join(missing)} (granted: {granted})",
            f"add {', '.join(missing)} to oauth_config.scopes.bot in manifest.yml, update the app, and reinstall it",
        ))
    else:
        results.append(Result("Slack bot scopes", True, f"{', '.join(needed)} granted"))
    return results


async def _socket(settings: Settings) -> list[Result]:
    if settings.mode != "socket":
        return []
    what = "Slack app-level token (apps.connections.open)"
    try:
        await open_socket_url(slack_client(settings, timeout=TIMEOUT_SECONDS), settings.slack_app_token)
    except SlackTokenRefused as error:
        return [Result(what, False, f"Slack refused SLACK_APP_TOKEN: {error.code}",
                       "generate an app-level token (xapp-…) with the connections:write scope under Slack app > "
                       "Basic Information > App-Level Tokens, and enable Socket Mode")]
    except SlackUnreachable as error:
        return [Result(what, False, f"could not reach Slack: {error}", "check the network")]
    return [Result(what, True, "Socket Mode connections can be opened")]


async def _datadog(settings: Settings) -> list[Result]:
    # One attempt each: a check reports what it finds, it does not wait it out.
    client = client_for(settings, attempts=1, timeout=TIMEOUT_SECONDS)
    try:
        return await _datadog_with(client, settings)
    finally:
        await client.aclose()


async def _datadog_with(client: DatadogClient, settings: Settings) -> list[Result]:
    what = f"Datadog API key ({settings.datadog_api_url}/api/v1/validate)"
    hint = key_lengths_hint(settings.dd_api_key, settings.dd_app_key)
    try:
        await client.validate_api_key()
    except DatadogUnreachable as error:
        return [Result(what, False, f"could not connect: {error.detail}",
                       "check DD_SITE (or DATADOG_HOST) and the network: DNS, proxy, firewall")]
    except DatadogAuthError as error:
        fix = (f"{hint}: swap them" if "swapped" in hint else
               "copy an API key of this organisation from Datadog > Organization Settings > API Keys, and check "
               f"that DD_SITE ({settings.dd_site}) is the site the organisation lives on"
               + (f" ({hint})" if hint else ""))
        return [Result(what, False, f"Datadog refused DD_API_KEY (HTTP {error.status})", fix)]
    except DatadogError as error:
        if error.status == 404:
            return [Result(what, False, f"no Datadog API at {settings.datadog_api_url} (HTTP 404)",
                           "set DATADOG_HOST to the API's base URL (https://api.<site>, or your proxy's base), "
                           "or unset it to use DD_SITE's")]
        return [Result(what, False, f"Datadog answered {error}", "try again; if it persists, see Datadog's status")]
    results = [Result(what, True, "accepted")]
    app_key = await _application_key(client, settings, hint)
    results.append(app_key)
    if not app_key.ok:  # every read would be refused for the key, not for a permission
        return results
    for operation, permission, failure in await client.probe_permissions():
        label = f"Datadog application key: {operation}"
        if failure is None:
            results.append(Result(label, True, f"allowed ({permission})"))
        elif isinstance(failure, DatadogAuthError):
            results.append(Result(
                label, False, f"HTTP {failure.status}: DD_APP_KEY lacks the {permission} permission",
                f"give the application key (ideally a service account's) the {permission} scope, or use one that "
                "has monitors_downtime and monitors_read",
            ))
        else:
            results.append(Result(label, False, f"{type(failure).__name__}: {failure.detail[:200]}",
                                  "try again; if it persists, check DATADOG_HOST and the network"))
    return results


async def _application_key(client: DatadogClient, settings: Settings, hint: str) -> Result:
    """The application key on its own (GET /api/v2/validate_keys), so that an invalid key is not reported as
    a missing permission on every read."""
    what = "Datadog application key (/api/v2/validate_keys)"
    try:
        await client.validate_keys()
    except DatadogAuthError as error:
        return Result(what, False, f"Datadog refused DD_APP_KEY (HTTP {error.status}): it is not a valid "
                      "application key of this organisation",
                      (f"{hint}: " if hint else "") + "copy an application key (40 characters, best a service "
                      "account's) from Datadog > Organization Settings > Application Keys into DD_APP_KEY")
    except DatadogError as error:  # a proxy or site without the endpoint: the reads below tell
        return Result(what, True, f"not checked on its own ({error}); the reads below tell", note=True)
    return Result(what, True, "accepted")


def _signing_secret(settings: Settings) -> list[Result]:
    """HTTP mode: the signing secret cannot be tried before Slack signs a request, but its shape can."""
    if settings.mode != "http":
        return []
    what = "Slack signing secret (SLACK_SIGNING_SECRET)"
    secret = settings.slack_signing_secret
    if re.fullmatch(r"[0-9a-f]{32}", secret):
        return [Result(what, True, "32 hexadecimal characters, as Slack's are; Slack's first request proves it (a "
                       "wrong one is refused 401 and logged as a warning naming SLACK_SIGNING_SECRET)")]
    kind = token_kind(secret)
    looks = f"it looks like {kind}" if kind else f"it has {len(secret)} characters"
    return [Result(what, False, f"not the shape of a signing secret (Slack's are 32 hexadecimal characters; {looks})",
                   "copy the Signing Secret from Slack app > Basic Information > App Credentials (not a token, not "
                   "the Client Secret)")]


async def _redis(settings: Settings) -> list[Result]:
    if not settings.redis_url:
        return [Result("Redis (REDIS_URL)", True, "not set: pending prompts, undos and the journal live in this "
                       "process's memory, so run one replica only (several need REDIS_URL)", note=True)]
    client = shared.connect(settings.redis_url)
    what = "Redis (REDIS_URL): ping, write, read"
    try:
        await client.ping()
        await client.set("cancel-downtime:check", "ok", px=10_000)
        read = await client.get("cancel-downtime:check")
    except Exception as exc:  # redis-py raises several unrelated classes for one outage
        return [Result(what, False, f"{type(exc).__name__}", "check REDIS_URL (host, port, password, TLS) and "
                       "that Redis accepts writes")]
    finally:
        await client.aclose()
    if read not in (b"ok", "ok"):
        return [Result(what, False, "the value written was not read back", "check that REDIS_URL is one Redis, "
                       "not a read-only replica")]
    return [Result(what, True, "reachable, writes and reads")]


