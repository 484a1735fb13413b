"""Build the Bolt app: the Slack client, the workspace guard, the services, every listener."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.listeners import register_listeners
from bot.logs import audit
from bot.services import Services


def slack_client(settings: Settings) -> AsyncWebClient:
    """The one Slack Web API client of the process."""
    client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    # Slack's 429 carries Retry-After; the SDK's handler waits that long and retries (twice at most).
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return client


def build_app(settings: Settings, services: Services, client: AsyncWebClient) -> AsyncApp:
    """An AsyncApp for this workspace and app only, with `services` in every listener's context."""
    app = AsyncApp(
        name="cancel-downtime-bot",
        # Listeners only ack and spawn their work, so running them before responding answers Slack
        # at once, instead of Bolt polling every 10 ms for the ack of a listener run as a task.
        process_before_response=True,
        # bot.edge verifies every HTTP request's signature over the raw bytes before Bolt sees it
        # (Socket Mode needs none); verifying twice would only repeat the HMAC.
        request_verification_enabled=False,
        client=client,
        signing_secret=settings.slack_signing_secret,
        logger=logging.getLogger("slack_bolt"),
    )

    async def guard(
        context: AsyncBoltContext, body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Refuse requests from another workspace or app; hand the services to every listener."""
        # Without SLACK_TEAM_ID, the workspace is the bot token's own (Bolt's auth.test result).
        expected_team = settings.slack_team_id or (
            context.authorize_result.team_id if context.authorize_result is not None else None
        )
        team, app_id = context.team_id, body.get("api_app_id")
        if (expected_team and team and team != expected_team) or (
            settings.slack_app_id and app_id != settings.slack_app_id
        ):
            audit("refused", team=team, user=context.user_id, reason="foreign_workspace_or_app", app=app_id)
            return BoltResponse(status=200, body="This bot does not serve this workspace or app. Nothing was done.")
        context["services"] = services
        if context.response_url:
            context["respond"] = services.responder.for_url(context.response_url)
        await next()
        return None

    app.use(guard)
    register_listeners(app)
    return app
