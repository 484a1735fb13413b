"""A button's listener: acknowledge at once, then do its work in the background, so that no Datadog or Slack
call ever delays an ack. In a message the work answers on the click's response_url; in a view (the Home tab's
modal) on the modal (`bot.slack.listeners.home.modal_click`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.actor import Actor
from bot.slack.listeners.actor import actor_of
from bot.slack.services import Services

Work = Callable[[Services, Actor, dict[str, Any], AsyncRespond, AsyncWebClient], Coroutine[Any, Any, None]]
Listener = Callable[..., Awaitable[None]]


def message_click(work: Work) -> Listener:
    """The listener for a button in a message (a prompt, a report): `work` answers on its response_url."""

    async def listener(ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient,
                       context: AsyncBoltContext) -> None:
        await ack()
        services: Services = context["services"]
        services.inflight.spawn(work(services, actor_of(context), action, respond, client))

    return listener
