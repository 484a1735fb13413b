"""The message shortcut "What's muting this?": the monitors an alert message links lead to the same prompt,
ephemeral in that channel (a message shortcut carries a response_url, as a command does)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond

from bot import audit
from bot.audit import Event, Reason
from bot.domain.actor import Actor
from bot.domain.selection import monitor_links
from bot.slack.listeners.actor import actor_of
from bot.slack.listeners.offer import offer
from bot.slack.listeners.refusals import allowed
from bot.slack.respond import respond_quietly
from bot.slack.services import Services
from bot.slack.views import notices


async def handle_whats_muting(ack: AsyncAck, shortcut: dict[str, Any], respond: AsyncRespond,
                              context: AsyncBoltContext) -> None:
    """Acknowledge at once; read the message's monitor links and answer in the background."""
    await ack()
    services: Services = context["services"]
    services.inflight.spawn(whats_muting(services, actor_of(context), shortcut.get("message"), respond))


async def whats_muting(services: Services, actor: Actor, message: Any, respond: AsyncRespond) -> None:
    """Every active downtime silencing the monitors the message links, as `/cancel-downtime monitor …` would."""
    target = monitor_links(message)
    if target is None:
        if await allowed(actor, None, respond, services):  # a refusal says who may; this says what is missing
            audit.record(Event.REFUSED, **actor.fields(), reason=Reason.NO_MONITOR_LINK)
            await respond_quietly(respond, notices.no_monitor_link(), response_type="ephemeral")
        return
    await offer(target, actor, respond, services)
