"""Build the Bolt app: authorize from memory, the workspace guard, the services, every listener."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot import audit
from bot.audit import Event, Reason
from bot.config import Settings
from bot.slack.identity import SlackIdentity
from bot.slack.listeners import register_listeners
from bot.slack.listeners.actor import ACTOR_KEY, read_actor
from bot.slack.respond import respond_quietly
from bot.slack.services import Services
from bot.slack.views.notices import FAILED, FOREIGN, NO_TEAM, UNKNOWN_WORKSPACE


def build_app(settings: Settings, services: Services, client: AsyncWebClient, identity: SlackIdentity) -> AsyncApp:
    """An AsyncApp for this workspace (or Grid organisation) and app only, with `services` and the request's
    actor in every listener's context.

    Bolt authorizes each request from `identity` (memory), never by calling Slack on the request's path.
    """
    # Bolt gets the client without its token (the authorize hook supplies it per request), so it
    # never calls auth.test on a request's path.
    bolt_client = AsyncWebClient(base_url=client.base_url, timeout=client.timeout, session=client.session)
    bolt_client.retry_handlers = list(client.retry_handlers)
    bolt_log = logging.getLogger("slack_bolt")
    # Bolt reads SLACK_BOT_TOKEN from the environment by itself and, given a client too, warns that it
    # is unused: it is, on purpose (the authorize hook supplies it), so that one warning is dropped.
    unused_token = _DropMessage(warning_client_prioritized_and_token_skipped())
    bolt_log.addFilter(unused_token)
    app = AsyncApp(
        name="cancel-downtime-bot",
        # Listeners only ack and spawn their work, so running them before responding answers Slack
        # at once, instead of Bolt polling every 10 ms for the ack of a listener run as a task.
        process_before_response=True,
        # bot.slack.edge verifies every HTTP request's signature over the raw bytes before Bolt sees it
        # (Socket Mode needs none); verifying twice would only repeat the HMAC.
        request_verification_enabled=False,
        client=bolt_client,
        authorize=identity.authorize_with(settings.slack_bot_token),
        signing_secret=settings.slack_signing_secret,
        logger=bolt_log,
    )
    bolt_log.removeFilter(unused_token)

    async def guard(
        context: AsyncBoltContext, body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Refuse requests from another workspace, organisation or app, or naming none; build the actor once;
        hand the services to every listener."""
        # Without SLACK_TEAM_ID, whom the bot serves is the bot token's own (auth.test, asked at start).
        served = services.served()
        actor, app_id = read_actor(context, body), body.get("api_app_id")
        if served is None:  # fail closed, with an answer, while Slack cannot say whom the bot serves
            audit.record(Event.REFUSED, **actor.fields(), reason=Reason.WORKSPACE_UNKNOWN)
            return told(body, context, UNKNOWN_WORKSPACE)
        # A click names its user's own workspace (user.team_id); one that does not, or a request naming no
        # workspace at all, cannot be placed: refused, never let through as "not another workspace".
        if not actor.team or (isinstance(body.get("user"), dict) and not actor.user_team):
            audit.record(Event.REFUSED, **actor.fields(), reason=Reason.NO_TEAM)
            return told(body, context, NO_TEAM)
        if not served.may_come_from(actor) or (settings.slack_app_id and app_id != settings.slack_app_id):
            audit.record(Event.REFUSED, **actor.fields(), reason=Reason.FOREIGN, app=app_id)
            return BoltResponse(status=200, body=FOREIGN)
        services.people.prefetch(actor.user)  # who the person is: asked now, awaited where it is checked
        context["services"] = services
        context[ACTOR_KEY] = actor
        if context.response_url:
            context["respond"] = services.responder.for_url(context.response_url)
        await next()
        return None

    def told(body: dict[str, Any], context: AsyncBoltContext, text: str) -> BoltResponse:
        """A 200 whose body Slack shows a command's author; a click's is not shown, so it is posted."""
        if body.get("type") == "block_actions" and context.response_url:
            respond = services.responder.for_url(context.response_url)
            services.inflight.spawn(respond_quietly(respond, {"text": text}, response_type="ephemeral"))
        return BoltResponse(status=200, body=text)

    app.use(guard)
    register_listeners(app)
    return app


class _DropMessage(logging.Filter):
    """Drops the log records whose message is exactly this one."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != self.message


def answerable(response: BoltResponse) -> BoltResponse:
    """Bolt's answer, except that its bare 500 (a listener or middleware raised) becomes a 200 with a message.

    Slack shows the author of a command a 200's body; a 500 shows only that the command failed.
    """
    if response.status < 500:
        return response
    logging.getLogger(__name__).error("Bolt answered HTTP %d; told the user instead", response.status)
    return BoltResponse(status=200, body=FAILED)

