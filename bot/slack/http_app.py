"""The HTTP side of a running bot, on aiohttp: Slack's requests at /slack/events, checked at the edge, into Bolt;
liveness at /livez and readiness at /readyz (and /healthz, its earlier name)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot import audit
from bot.audit import Event, Reason
from bot.slack import edge
from bot.slack.app import answerable
from bot.state.pending import PendingActions

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Liveness: the process and its event loop answer (restart it if not). Readiness: it can serve now (started,
# connected to Slack in Socket Mode, its store reachable, not stopping); take it out of service if not.
LIVE_PATH = "/livez"
READY_PATH = "/readyz"
HEALTH_PATH = "/healthz"  # readiness, under the name earlier versions served it
# Slack's own payloads are a few kilobytes; anything near this is not from Slack.
MAX_BODY_BYTES = 256 * 1024


class BadSignatures:
    """A warning that names SLACK_SIGNING_SECRET when requests fail the signature check: the first at once, then
    at most one a minute with the count since, so that a flood of forged requests cannot flood the log."""

    def __init__(self, every: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.every, self._clock = every, clock
        self._count, self._last = 0, -every

    def seen(self) -> None:
        """Count one request with a bad signature; warn if the last warning is old enough."""
        self._count += 1
        now = self._clock()
        if now - self._last < self.every:
            return
        log.warning(
            "%d request(s) to %s with a bad signature, refused (401)%s: if Slack sent them, SLACK_SIGNING_SECRET is "
            "not this app's Signing Secret (Slack app > Basic Information > App Credentials)", self._count,
            EVENTS_PATH, "" if self._last < 0 else f" in the last {now - self._last:.0f} s",
        )
        self._count, self._last = 0, now


def make_web_app(
    bolt: AsyncApp, health: dict[str, str], confirmations: PendingActions, signing_secret: str,
    *, events: bool = True, connected: Callable[[], Awaitable[bool]] | None = None,
) -> web.Application:
    """The aiohttp application: Slack's requests, checked at the edge, into Bolt (unless not `events`:
    Socket Mode); liveness; and readiness, which also needs the Socket Mode connection when `connected`."""

    signatures = BadSignatures()

    async def slack_events(request: web.Request) -> web.Response:
        if health["status"] == "stopping":  # the health routes still answer while running work finishes
            return _refuse(edge.Rejection(503, "stopping"))
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return _refuse(edge.Rejection(413, "body too large"))
        body = await request.read()  # aiohttp stops reading past client_max_size with a 413
        rejection = edge.check({k.lower(): v for k, v in request.headers.items()}, body, signing_secret)
        if rejection is not None:
            if rejection.reason == edge.BAD_SIGNATURE:
                signatures.seen()
            return _refuse(rejection)
        try:
            bolt_request = AsyncBoltRequest(
                body=edge.for_bolt(body.decode()),  # UTF-8: checked by the edge
                query=request.query_string,
                headers=dict(request.headers),
            )
            bolt_response = await bolt.async_dispatch(bolt_request)
        except Exception:  # a request the checks let through but Bolt cannot take: answer, stay up
            log.exception("Bolt could not handle a signed request")
            return _refuse(edge.Rejection(400, "request could not be handled"))
        return await to_aiohttp_response(answerable(bolt_response))

    async def livez(_: web.Request) -> web.Response:
        # Answering at all is the proof: this runs on the event loop every Slack request needs.
        return web.json_response({"status": "alive", "serving": health["status"]})

    async def readyz(_: web.Request) -> web.Response:
        if health["status"] == "ok" and connected is not None and not await connected():
            return web.json_response({"status": "not connected to Slack"}, status=503)
        if health["status"] == "ok" and not await confirmations.healthy():
            return web.json_response({"status": "confirmation store unreachable"}, status=503)
        status = 200 if health["status"] == "ok" else 503
        return web.json_response(health, status=status)

    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    web_app.add_routes([web.get(LIVE_PATH, livez), web.get(READY_PATH, readyz), web.get(HEALTH_PATH, readyz),
                        *([web.post(EVENTS_PATH, slack_events)] if events else [])])
    return web_app


def _refuse(rejection: edge.Rejection) -> web.Response:
    audit.record(Event.REFUSED, reason=Reason.EDGE, status=rejection.status, detail=rejection.reason)
    return web.json_response({"error": rejection.reason}, status=rejection.status)
