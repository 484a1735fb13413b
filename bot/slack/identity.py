"""Who the bot is in Slack (its workspace and user), from `auth.test`, known without a call per request.

Bolt's own single-workspace authorization calls `auth.test` on the first request it serves, and a
Slack that is unreachable, slow or answering 5xx then turns that request into a bare HTTP 500 (and,
in Socket Mode, an envelope never acknowledged). Here the bot asks once at start, and Bolt's
`authorize` hook answers from memory: a request never waits for Slack's Web API.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.actor import Served
from bot.errors import SlackTokenRefused, SlackUnreachable
from bot.slack import web

log = logging.getLogger(__name__)

RETRY_EVERY_SECONDS = 30.0


@dataclass(frozen=True)
class Identity:
    """The bot token's workspace (or, org-wide, Grid organisation) and bot user, as `auth.test` names them."""

    team_id: str  # T…; for an org-wide install the organisation's E…
    team: str
    user_id: str
    bot_id: str
    enterprise_id: str | None
    scopes: frozenset[str]  # from the X-OAuth-Scopes header
    org_wide: bool = False  # `is_enterprise_install`: installed on a whole Grid organisation

    def served(self) -> Served:
        """Whom this token serves: its workspace, or for an org-wide install its organisation."""
        if self.org_wide:
            return Served("", self.enterprise_id or self.team_id, org_wide=True)
        return Served(self.team_id, self.enterprise_id or "")

    def describe(self) -> str:
        """For the start-up log and `check`: the install kind, where, and the bot user."""
        if self.org_wide:
            where = f"org-wide install in Grid organisation {self.team or '?'} ({self.enterprise_id or self.team_id})"
        else:
            grid = f" of Grid organisation {self.enterprise_id}" if self.enterprise_id else ""
            where = f"workspace install in {self.team or '?'} ({self.team_id}){grid}"
        return f"{where}, bot user {self.user_id}"


def served_by(configured: str, identity: Identity | None) -> Served | None:
    """Whom the bot serves: SLACK_TEAM_ID when set (T…: that workspace; E…: that organisation, org-wide),
    else what `auth.test` said; None while neither is known."""
    if configured.startswith("E"):
        return Served("", configured, org_wide=True)
    if configured:
        grid = identity.enterprise_id if identity is not None and identity.team_id == configured else None
        return Served(configured, grid or "")
    return identity.served() if identity is not None else None


def mismatch(configured: str, identity: Identity) -> str | None:
    """What is wrong when SLACK_TEAM_ID names another workspace or organisation than the token's; None if fine."""
    if not configured:
        return None
    served = identity.served()
    if configured == (served.enterprise if served.org_wide else served.team):
        return None
    return f"SLACK_TEAM_ID is {configured} but the bot token is for {served.describe()}"


async def ask_slack(client: AsyncWebClient, seconds: float) -> Identity:
    """Call `auth.test`; raise SlackTokenRefused or SlackUnreachable (`bot.slack.web`)."""
    response = await web.auth_test(client, seconds)
    header = next((v for k, v in response.headers.items() if k.lower() == "x-oauth-scopes"), "")
    return Identity(
        team_id=str(response.get("team_id") or ""),
        team=str(response.get("team") or ""),
        user_id=str(response.get("user_id") or ""),
        bot_id=str(response.get("bot_id") or ""),
        enterprise_id=response.get("enterprise_id") or None,
        scopes=frozenset(s.strip() for s in str(header).split(",") if s.strip()),
        org_wide=response.get("is_enterprise_install") is True,
    )


class SlackIdentity:
    """The identity once known; until then, asked for again in the background, never on a request's path."""

    def __init__(self, client: AsyncWebClient, *, timeout: float = 10.0) -> None:
        self._client = client
        self._timeout = timeout
        self.current: Identity | None = None
        self._asked_at = float("-inf")
        self._asking: asyncio.Task[None] | None = None

    async def learn(self) -> Identity:
        """Ask Slack now (at start); raises SlackTokenRefused or SlackUnreachable."""
        self._asked_at = time.monotonic()
        self.current = await ask_slack(self._client, self._timeout)
        return self.current

    def ask_again_soon(self) -> None:
        """Ask in the background, at most once per RETRY_EVERY_SECONDS and one at a time."""
        if self.current is not None or (self._asking is not None and not self._asking.done()):
            return
        if time.monotonic() - self._asked_at < RETRY_EVERY_SECONDS:
            return
        self._asked_at = time.monotonic()
        self._asking = asyncio.create_task(self._ask_quietly())

    async def _ask_quietly(self) -> None:
        try:
            identity = await ask_slack(self._client, self._timeout)
        except SlackTokenRefused as error:
            log.error("Slack refuses SLACK_BOT_TOKEN (%s): replace it and restart the bot", error.code)
        except SlackUnreachable as error:
            log.warning("Slack's Web API is still unreachable (%s); the workspace check waits for it", error)
        else:
            self.current = identity
            log.info("Slack reachable again: %s", identity.describe())

    async def aclose(self) -> None:
        """Stop a background question still running."""
        if self._asking is not None:
            self._asking.cancel()

    def authorize_with(self, token: str) -> Any:
        """Bolt's `authorize` function: the bot token with what is known of it, from memory."""

        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            known = self.current
            if known is None:
                self.ask_again_soon()
            return AuthorizeResult(
                enterprise_id=known.enterprise_id if known else enterprise_id,
                # org-wide, the token serves every workspace of the org: the request's workspace is the one
                team_id=known.team_id if known and not known.org_wide else team_id,
                bot_token=token,
                bot_id=known.bot_id if known else None,
                bot_user_id=known.user_id if known else None,
            )

        return authorize
