"""Run the bot: HTTP mode on aiohttp (`/slack/events`, `/healthz`) or Socket Mode; stop cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot import edge
from bot.app import build_app, slack_client
from bot.config import Settings
from bot.confirmations import ConfirmationStore, MemoryConfirmations, RedisConfirmations
from bot.datadog import DatadogClient
from bot.errors import DatadogError
from bot.inflight import Inflight
from bot.logs import audit
from bot.policy import SlackMembership
from bot.retry import RetryPolicy
from bot.services import Services

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Slack's own payloads are a few kilobytes; anything near this is not from Slack.
MAX_BODY_BYTES = 256 * 1024


def make_web_app(
    bolt: AsyncApp, health: dict[str, str], confirmations: ConfirmationStore, signing_secret: str
) -> web.Application:
    """The aiohttp application: Slack's requests, checked at the edge, into Bolt; and a health check."""

    async def slack_events(request: web.Request) -> web.Response:
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return _refuse(edge.Rejection(413, "body too large"))
        body = await request.read()  # aiohttp stops reading past client_max_size with a 413
        rejection = edge.check({k.lower(): v for k, v in request.headers.items()}, body, signing_secret)
        if rejection is not None:
            return _refuse(rejection)
        try:
            bolt_response = await bolt.async_dispatch(await to_bolt_request(request))
        except Exception:  # a request the checks let through but Bolt cannot take: answer, stay up
            log.exception("Bolt could not handle a signed request")
            return _refuse(edge.Rejection(400, "request could not be handled"))
        return await to_aiohttp_response(bolt_response)

    async def healthz(_: web.Request) -> web.Response:
        if health["status"] == "ok" and not await confirmations.healthy():
            return web.json_response({"status": "confirmation store unreachable"}, status=503)
        status = 200 if health["status"] == "ok" else 503
        return web.json_response(health, status=status)

    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    web_app.add_routes([web.post(EVENTS_PATH, slack_events), web.get(HEALTH_PATH, healthz)])
    return web_app


class BotProcess:
    """The running bot: Datadog client, services, Bolt app, and the HTTP server or Socket Mode connection."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        policy = RetryPolicy(
            attempts=settings.datadog_attempts,
            backoff=settings.datadog_backoff,
            max_rate_limit_wait=settings.datadog_max_rate_limit_wait,
        )
        self.datadog = DatadogClient(
            settings.datadog_api_url, settings.dd_api_key, settings.dd_app_key,
            timeout=settings.datadog_timeout, policy=policy,
        )
        client = slack_client(settings)
        self.services = Services(
            datadog=self.datadog,
            confirmations=_confirmation_store(settings),
            inflight=Inflight(),
            datadog_ui_url=settings.datadog_ui_url,
            action_time_limit=settings.action_time_limit,
            policy=settings.policy,
            membership=SlackMembership(client) if settings.policy.uses_groups else None,
        )
        self.bolt = build_app(settings, self.services, client)
        self.health = {"status": "starting"}
        self.port = settings.port
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._key_check: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen (HTTP) or connect (Socket Mode); check the Datadog key in the background, never blocking."""
        self._key_check = asyncio.create_task(_check_datadog_keys(self.datadog, self.settings))
        if self.settings.mode == "http":
            web_app = make_web_app(
                self.bolt, self.health, self.services.confirmations, self.settings.slack_signing_secret
            )
            self._runner = web.AppRunner(web_app, access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, self.settings.host, self.settings.port).start()
            self.port = self._runner.addresses[0][1]
            log.info("listening on http://%s:%d%s", self.settings.host, self.port, EVENTS_PATH)
        else:
            self._socket = AsyncSocketModeHandler(self.bolt, self.settings.slack_app_token)
            await self._socket.connect_async()  # type: ignore[no-untyped-call]  # Bolt leaves it unannotated
            log.info("connected to Slack in Socket Mode")
        self.health["status"] = "ok"

    async def stop(self) -> bool:
        """Take no new requests, let confirmed cancellations finish (bounded); True if all finished."""
        self.health["status"] = "stopping"
        inflight = self.services.inflight
        log.info(
            "stopping: no new requests; waiting up to %gs for %d running cancellation(s)",
            self.settings.shutdown_grace, inflight.running,
        )
        if self._runner is not None:
            await self._runner.cleanup()
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]  # Bolt leaves it unannotated
        finished = await inflight.wait_idle(self.settings.shutdown_grace)
        if not finished:
            log.error("grace period over with %d cancellation(s) still running", inflight.running)
        if self._key_check is not None:
            self._key_check.cancel()
        await self.datadog.aclose()
        await self.services.responder.aclose()
        log.info("stopped")
        return finished


def _confirmation_store(settings: Settings) -> ConfirmationStore:
    """In memory for one process; in Redis, shared by every replica, when REDIS_URL is set."""
    if not settings.redis_url:
        return MemoryConfirmations(settings.confirm_ttl)
    import redis.asyncio  # imported only when used: a single-process bot needs no Redis client

    client = redis.asyncio.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)
    return RedisConfirmations(client, settings.confirm_ttl)


def _refuse(rejection: edge.Rejection) -> web.Response:
    audit("refused", reason="edge", status=rejection.status, detail=rejection.reason)
    return web.json_response({"error": rejection.reason}, status=rejection.status)


async def run(settings: Settings) -> int:
    """Serve until SIGTERM or SIGINT, then stop cleanly; exit code 1 if work was cut short."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    bot = BotProcess(settings)
    try:
        await bot.start()
        await stop.wait()
    finally:
        finished = await bot.stop()
    return 0 if finished else 1


async def _check_datadog_keys(datadog: DatadogClient, settings: Settings) -> None:
    """Warn, without stopping anything, when Datadog does not accept the API key at start."""
    try:
        await datadog.validate_api_key()
    except DatadogError as error:
        log.warning(
            "Datadog did not accept the API key check at %s (%s: %s); cancellations will fail until it does",
            settings.datadog_api_url, type(error).__name__, error.detail,
        )
    else:
        log.info("Datadog API key accepted by %s", settings.datadog_api_url)
