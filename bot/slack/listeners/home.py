"""The App Home tab: what is muted now, by scope, each with a button to the same preview and confirmation.

A Home tab's buttons carry no response_url, only a `trigger_id` (valid 3 s): the click opens a modal at
once ("Looking up…") and the prompt replaces it there (`bot.slack.modal.ModalReply`), so the prompt's
buttons are clicked in a view too. The report goes to REPORT_CHANNEL_ID, or else to the person's direct
messages with the bot (the Home tab's own Messages tab); that channel is also the one the access policy
judges, as a command's channel is.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot import audit
from bot.audit import Event, Reason
from bot.datadog.http import time_budget
from bot.domain.actor import Actor
from bot.domain.scope import HelpRequest, ListRequest, ScopeError, parse_command
from bot.errors import DatadogError
from bot.slack import web
from bot.slack.listeners.actor import actor_of
from bot.slack.listeners.clicks import Listener, Work
from bot.slack.listeners.offer import offer
from bot.slack.listeners.refusals import admitted
from bot.slack.modal import ModalReply
from bot.slack.services import Services
from bot.slack.views import home, notices
from bot.slack.views.blocks import context
from bot.usecases import access
from bot.usecases.access import Act
from bot.usecases.home import Listings

log = logging.getLogger(__name__)

CHANNEL_HINT = ("On the Home tab the bot acts for the channel its reports go to (REPORT_CHANNEL_ID, else your direct "
                "messages with it): whoever runs the bot can set REPORT_CHANNEL_ID to one of the allowed channels.")


def home_actor(services: Services, actor: Actor, dm_channel: str) -> Actor:
    """The actor of a Home tab request, placed in the channel its reports go to (and the policy judges)."""
    return replace(actor, channel=services.report_channel or dm_channel or actor.channel or actor.user)


async def handle_home_opened(event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    """`app_home_opened` on the Home tab (not the Messages tab): publish the listing in the background."""
    if event.get("tab") != "home":
        return
    services: Services = context["services"]
    dm = str(event.get("channel") or "")
    services.inflight.spawn(publish(services, home_actor(services, actor_of(context), dm), client, dm_channel=dm))


async def handle_refresh(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient,
                         context: AsyncBoltContext) -> None:
    """The Home tab's Refresh: read the listing afresh and publish it again."""
    await ack()
    services, actor, dm = _in_view(context, body)
    services.inflight.spawn(publish(services, actor, client, dm_channel=dm, fresh=True))


async def publish(services: Services, actor: Actor, client: AsyncWebClient, *, dm_channel: str,
                  fresh: bool = False) -> None:
    """Publish this person's Home tab: the listing (reused for a few seconds), or why it is not shown."""
    started = time.monotonic()
    refusal = await admitted(actor, services) or await access.check(
        services.policy, services.membership, channel=actor.channel, user=actor.user, scope=None, team=actor.team)
    if refusal is not None:
        audit.record(Event.REFUSED, **actor.fields(), reason=refusal.code, detail="home")
        shown = notices.refused(refusal, Act.LIST)
        if refusal.code is Reason.POLICY_CHANNEL:
            shown = {**shown, "blocks": [*shown["blocks"], context(CHANNEL_HINT)]}
        view = home.home_notice(shown, dm_channel=dm_channel)
    else:
        listings = services.listings or Listings(services.datadog, 0)  # none kept: read at every open
        try:
            with time_budget(services.action_time_limit):
                listing = await listings.get(fresh=fresh)
        except DatadogError as error:
            audit.record(Event.FAILED, **actor.fields(), stage="home", error=type(error).__name__,
                         status=error.status, detail=error.detail)
            view = home.home_notice(notices.lookup_failed(None, error), dm_channel=dm_channel)
        else:
            now = time.time()
            # Grouping thousands of downtimes takes tens of milliseconds: in a thread, the event loop keeps
            # acknowledging Slack meanwhile (the listing's groups are then worked out once, for everyone).
            view = await asyncio.to_thread(home.home_view, listing, now, services.datadog_ui_url,
                                           max_age=listings.max_age, reports_to=home.reports_to(actor.channel),
                                           dm_channel=dm_channel)
            audit.record(Event.HOME_SHOWN, **actor.fields(), count=len(listing.downtimes),
                         scopes=len(listing.groups), age_s=round(now - listing.at, 1),
                         latency_s=round(time.monotonic() - started, 3))
    try:
        await client.views_publish(user_id=actor.user, view=view)
    except Exception as exc:  # Slack refused the view or is unreachable: the next open publishes again
        log.warning("views.publish failed: %s", web.failure(exc))


async def handle_home_cancel(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                             context: AsyncBoltContext) -> None:
    """A scope's Cancel… button: open the modal at once (the trigger_id lasts 3 s), then preview into it."""
    await ack()
    services, actor, dm = _in_view(context, body)
    services.inflight.spawn(open_prompt(services, actor, str(action.get("value", "")),
                                        str(body.get("trigger_id") or ""), client, dm))


async def open_prompt(services: Services, actor: Actor, value: str, trigger_id: str, client: AsyncWebClient,
                      dm_channel: str = "") -> None:
    """Open the modal, then answer in it exactly as the command would for this scope (or these IDs)."""
    try:
        opened = await client.views_open(trigger_id=trigger_id, view=home.loading(value or "that", dm_channel))
    except Exception as exc:  # the trigger_id expired (over 3 s) or Slack refused: nothing to show it in
        log.warning("views.open failed: %s", web.failure(exc))
        return
    view_id = str((opened.get("view") or {}).get("id") or "")
    reply = ModalReply(client, view_id, home.reports_to(actor.channel), dm_channel)
    try:
        parsed = parse_command(value)  # a button's value is user input like any other
        if isinstance(parsed, HelpRequest | ListRequest):
            raise ScopeError("That button names no scope.")
    except ScopeError as error:
        audit.record(Event.REFUSED, **actor.fields(), reason=Reason.INVALID_SCOPE, detail=error.reason)
        await reply(**notices.invalid_scope(error))
        return
    await offer(parsed, actor, reply, services, replace=True)


def _in_view(context: AsyncBoltContext, body: dict[str, Any]) -> tuple[Services, Actor, str]:
    """A click in the Home tab or its modal: the services, the clicker placed in the channel the Home tab
    reports to, and the direct message channel the view keeps."""
    services: Services = context["services"]
    dm = home.dm_channel_of(body.get("view"))
    return services, home_actor(services, actor_of(context), dm), dm


def modal_click(work: Work) -> Listener:
    """The listener for one of the prompt's buttons clicked inside its modal: the same work as in a message
    (`bot.slack.listeners.clicks`), with the clicker placed in the channel the Home tab reports to, answering
    by updating the modal."""

    async def listener(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                       context: AsyncBoltContext) -> None:
        await ack()
        services, actor, dm = _in_view(context, body)
        reply = ModalReply(client, str((body.get("view") or {}).get("id") or ""), home.reports_to(actor.channel), dm)
        services.inflight.spawn(work(services, actor, action, reply, client))

    return listener
