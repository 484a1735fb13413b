"""Run the bot: HTTP mode on aiohttp (`/slack/events`, `/healthz`) or Socket Mode; stop cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot.app import build_app
from bot.config import Settings
from bot.confirmations import ConfirmationStore
from bot.datadog import DatadogClient
from bot.errors import DatadogError
from bot.inflight import Inflight
from bot.services import Services

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Slack's own payloads are a few kilobytes; anything near this is not from Slack.
MAX_BODY_BYTES = 256 * 1024


def make_web_app(bolt: AsyncApp, health: dict[str, str]) -> web.Application:
    """The aiohttp application: Slack's requests into Bolt, and a health check."""

    async def slack_events(request: web.Request) -> web.Response:
        bolt_response = await bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def healthz(_: web.Request) -> web.Response:
        status = 200 if health["status"] == "ok" else 503
        return web.json_response(health, status=status)

    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    web_app.add_routes([web.post(EVENTS_PATH, slack_events), web.get(HEALTH_PATH, healthz)])
    return web_app


async def run(settings: Settings) -> int:
    """Serve until SIGTERM or SIGINT, then finish confirmed cancellations (bounded) and exit."""
    datadog = DatadogClient(
        settings.datadog_api_url, settings.dd_api_key, settings.dd_app_key, timeout=settings.datadog_timeout
    )
    services = Services(
        datadog=datadog,
        confirmations=ConfirmationStore(settings.confirm_ttl),
        inflight=Inflight(),
        datadog_ui_url=settings.datadog_ui_url,
        datadog_timeout=settings.datadog_timeout,
    )
    bolt = build_app(settings, services)
    health = {"status": "starting"}

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    key_check = asyncio.create_task(_check_datadog_keys(datadog, settings))

    runner: web.AppRunner | None = None
    socket_handler: AsyncSocketModeHandler | None = None
    try:
        if settings.mode == "http":
            runner = web.AppRunner(make_web_app(bolt, health), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, settings.host, settings.port)
            await site.start()
            port = runner.addresses[0][1] if runner.addresses else settings.port
            log.info("listening on http://%s:%d%s", settings.host, port, EVENTS_PATH)
        else:
            socket_handler = AsyncSocketModeHandler(bolt, settings.slack_app_token)
            await socket_handler.connect_async()  # type: ignore[no-untyped-call]  # Bolt leaves it unannotated
            log.info("connected to Slack in Socket Mode")
        health["status"] = "ok"
        await stop.wait()
    finally:
        health["status"] = "stopping"
        log.info("stopping: no new requests; waiting up to %gs for %d running cancellation(s)",
                 settings.shutdown_grace, services.inflight.running)
        if runner is not None:
            await runner.cleanup()
        if socket_handler is not None:
            await socket_handler.close_async()  # type: ignore[no-untyped-call]  # Bolt leaves it unannotated
        finished = await services.inflight.wait_idle(settings.shutdown_grace)
        if not finished:
            log.error("shutdown grace period over with %d cancellation(s) still running", services.inflight.running)
        key_check.cancel()
        await datadog.aclose()
        log.info("stopped")
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
