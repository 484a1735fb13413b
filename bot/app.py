"""Build the Bolt app: Slack client, request verification, the services, every listener."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.listeners import register_listeners
from bot.services import Services


def build_app(settings: Settings, services: Services) -> AsyncApp:
    """An AsyncApp for this workspace, verifying Slack's signatures, with `services` in every context."""
    client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    app = AsyncApp(
        name="cancel-downtime-bot",
        client=client,
        signing_secret=settings.slack_signing_secret,
        logger=logging.getLogger("slack_bolt"),
    )

    async def provide_services(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        context["services"] = services
        await next()

    app.use(provide_services)
    register_listeners(app)
    return app
