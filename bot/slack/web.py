"""Slack's Web API: the process's one client, and the one reading of the SDK's errors.

The calls whose failure changes what the bot does are made here and answer with the bot's own
errors (`bot.errors`): `auth.test` (who the bot is), `apps.connections.open` (Socket Mode),
`users.info` (who a user is) and `usergroups.users.list` (the access policy). Posts whose failure
only means "try the next way" (`bot.slack.respond`) log `failure(exc)` instead.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.domain.actor import Person
from bot.errors import MembershipUnknown, PersonUnknown, SlackTokenRefused, SlackUnreachable

# Slack's error codes for a token it will never accept again (or not without a person acting).
REFUSED_CODES = frozenset({"invalid_auth", "token_revoked", "not_authed", "account_inactive", "token_expired"})
# apps.connections.open also says these of a token that is not an app-level one.
APP_TOKEN_REFUSED_CODES = REFUSED_CODES | {"not_allowed_token_type", "invalid_token"}
# What a call that got no usable answer raises: no connection, no answer in time, or not JSON.
_NO_ANSWER = (TimeoutError, OSError, aiohttp.ClientError, ValueError)


def slack_client(settings: Settings, *, timeout: int = 30) -> AsyncWebClient:
    """The one Slack Web API client of the process."""
    client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=timeout)
    # Slack's 429 carries Retry-After; the SDK's handler waits that long and retries (twice at most).
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return client


def code(exc: SlackApiError) -> str | None:
    """Slack's error code (`invalid_auth`, `not_in_channel`…), or None for an answer that is not Slack's JSON."""
    data = exc.response.data  # a dict, or the text of a non-JSON answer such as a proxy's 503
    found = data.get("error") if isinstance(data, dict) else None
    return str(found) if found else None


def failure(exc: BaseException) -> str:
    """What an SDK or transport exception says, for the log: the class and Slack's error code, never a token."""
    if isinstance(exc, SlackApiError):
        return f"{type(exc).__name__} {code(exc) or f'HTTP {exc.response.status_code}'}"
    return type(exc).__name__


async def auth_test(client: AsyncWebClient, seconds: float) -> Any:
    """`auth.test`'s answer; raise SlackTokenRefused or SlackUnreachable instead of the SDK's errors."""
    try:
        async with asyncio.timeout(seconds):
            return await client.auth_test()
    except SlackApiError as exc:
        found = code(exc) or "no_json_answer"
        if found in REFUSED_CODES:
            raise SlackTokenRefused(found) from exc
        raise SlackUnreachable(f"auth.test answered {found} (HTTP {exc.response.status_code})",
                               status=None if code(exc) else exc.response.status_code) from exc
    except _NO_ANSWER as exc:
        raise SlackUnreachable(f"auth.test failed: {type(exc).__name__}") from exc


async def open_socket_url(client: AsyncWebClient, app_token: str) -> str:
    """`apps.connections.open`: a Socket Mode URL; raise SlackTokenRefused (naming SLACK_APP_TOKEN) or
    SlackUnreachable. Asked here, once: the SDK's own client retries a refused app token forever."""
    try:
        response = await client.apps_connections_open(app_token=app_token)
    except SlackApiError as exc:
        found = code(exc) or f"http_{exc.response.status_code}"
        if found in APP_TOKEN_REFUSED_CODES:
            raise SlackTokenRefused(found, "SLACK_APP_TOKEN") from exc
        raise SlackUnreachable(f"apps.connections.open answered {found}") from exc
    except _NO_ANSWER as exc:
        raise SlackUnreachable(f"apps.connections.open failed: {type(exc).__name__}") from exc
    return str(response["url"])


# users.info's codes for a user this token cannot see: a definite answer (no member of ours), not a fault.
UNSEEN_USER_CODES = frozenset({"user_not_found", "user_not_visible"})


async def users_info(client: AsyncWebClient, user_id: str, seconds: float) -> Person:
    """Who a user is (`users.info`, which needs the users:read scope); PersonUnknown when Slack cannot say."""
    try:
        async with asyncio.timeout(seconds):
            response = await client.users_info(user=user_id)
    except SlackApiError as exc:
        found = code(exc) or f"http_{exc.response.status_code}"
        if found in UNSEEN_USER_CODES:
            return Person(user_id, found=False)
        raise PersonUnknown(f"users.info answered {found}", found) from exc
    except _NO_ANSWER as exc:
        raise PersonUnknown(f"users.info failed: {type(exc).__name__}") from exc
    user = response.get("user")
    if not isinstance(user, dict) or user.get("id") != user_id:
        raise PersonUnknown("users.info answered without this user")
    return person_of(user)


def person_of(user: dict[str, Any]) -> Person:
    """Slack's user object (`users.info`), reduced to what the access check and the messages need."""
    grid: dict[str, Any] = user["enterprise_user"] if isinstance(user.get("enterprise_user"), dict) else {}
    teams = grid.get("teams") or user.get("teams") or []
    profile: dict[str, Any] = user["profile"] if isinstance(user.get("profile"), dict) else {}
    return Person(
        id=str(user["id"]),
        team=str(user.get("team_id") or ""),
        enterprise=str(grid.get("enterprise_id") or ""),
        teams=frozenset(str(t) for t in teams if isinstance(t, str)),
        deleted=user.get("deleted") is True,
        bot=user.get("is_bot") is True or user.get("is_app_user") is True,
        restricted=user.get("is_restricted") is True,
        ultra_restricted=user.get("is_ultra_restricted") is True,
        tz=str(user.get("tz") or ""),
        name=str(user.get("real_name") or profile.get("real_name") or user.get("name") or ""),
    )


async def usergroup_members(client: AsyncWebClient, group_id: str, team: str = "") -> frozenset[str]:
    """The user IDs in a user group (`usergroups.users.list`); MembershipUnknown when Slack cannot say."""
    try:
        response = await client.usergroups_users_list(usergroup=group_id, team_id=team or None)
        return frozenset(str(u) for u in response.get("users") or [])
    except Exception as exc:  # SlackApiError, transport, or a malformed answer: fail closed
        raise MembershipUnknown(f"{group_id}: {type(exc).__name__}") from exc
