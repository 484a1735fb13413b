"""Run the bot: HTTP mode on aiohttp (`bot.slack.http_app`) or Socket Mode, with liveness and readiness; stop cleanly
on SIGTERM, the health routes answering until the end."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from typing import TYPE_CHECKING

from aiohttp import web

from bot.config import Settings
from bot.datadog.client import DatadogClient, client_for
from bot.datadog.probes import key_lengths_hint
from bot.errors import CannotListen, DatadogAuthError, DatadogError, SlackTokenRefused, SlackUnreachable, StoreError
from bot.slack.app import build_app
from bot.slack.http_app import EVENTS_PATH, LIVE_PATH, READY_PATH, make_web_app
from bot.slack.identity import SlackIdentity, mismatch, served_by
from bot.slack.inflight import Inflight
from bot.slack.membership import SlackMembership
from bot.slack.people import SlackPeople
from bot.slack.reconciler import Reconciler
from bot.slack.services import Services
from bot.slack.socket_mode import SocketMode
from bot.slack.web import slack_client
from bot.state import redis as shared
from bot.state.envelopes import MemorySeen, RedisSeen, SeenEnvelopes
from bot.state.issuer import Issuer
from bot.state.journal import MemoryJournal, RedisJournal
from bot.state.pending import MemoryPendingActions, PendingActions, RedisPendingActions
from bot.usecases.home import Listings

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

# How long the start waits for auth.test before serving anyway (the question goes on in the background).
IDENTITY_TIMEOUT_SECONDS = 5.0
# How long a stop past its grace may spend reporting the cancels it interrupted (without Redis).
STOP_REPORT_SECONDS = 5.0


class BotProcess:
    """The running bot: Datadog client, services, Bolt app, and the HTTP server or Socket Mode connection."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.datadog = client_for(settings)
        client = slack_client(settings)
        redis = shared.connect(settings.redis_url, settings.redis_timeout) if settings.redis_url else None
        self.seen_envelopes: SeenEnvelopes = RedisSeen(redis) if redis is not None else MemorySeen()
        self.identity = SlackIdentity(client, timeout=IDENTITY_TIMEOUT_SECONDS)
        issuer = Issuer.new()  # one mark for both stores: a button from another process is told apart
        self.services = Services(
            datadog=self.datadog,
            confirmations=_pending_store(settings.confirm_ttl, redis, "cancel-downtime", issuer),
            undos=_pending_store(settings.undo_ttl, redis, "cancel-downtime-undo", issuer) if settings.undo_ttl
            else None,
            require_reason=settings.require_reason,
            inflight=Inflight(),
            datadog_ui_url=settings.datadog_ui_url,
            action_time_limit=settings.action_time_limit,
            policy=settings.policy,
            membership=SlackMembership(client) if settings.policy.uses_groups else None,
            # A lapsed lease and one reconciler round: another replica reports within RECOVERY_SECONDS.
            journal=RedisJournal(redis, lease_seconds=settings.recovery_seconds / 2) if redis is not None
            else MemoryJournal(),
            people=SlackPeople(client),
            served=lambda: served_by(settings.slack_team_id, self.identity.current),
            notify_on_cancel=settings.notify_on_cancel,
            events=settings.datadog_events,
            datadog_site=settings.dd_site,
            report_channel=settings.report_channel_id,
            audit_channel=settings.audit_channel_id,
            listings=Listings(self.datadog, settings.home_cache_seconds),
        )
        self.reconciler = Reconciler(self.services, client, interval=settings.recovery_seconds / 2)
        self._shared = redis is not None
        self.bolt = build_app(settings, self.services, client, self.identity)
        self.health = {"status": "starting"}
        self.port = settings.port
        self._runner: web.AppRunner | None = None
        self._socket: SocketMode | None = None
        self._key_check: asyncio.Task[None] | None = None
        self._reconciling: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Ask Slack who the bot is, then listen (HTTP) or connect (Socket Mode).

        Raises SlackTokenRefused when Slack refuses the bot token (or, in Socket Mode, the app token);
        an unreachable Slack is a warning. The Datadog key is checked in the background, never blocking.
        """
        settings = self.settings
        if settings.mode == "socket" and settings.port_given:  # liveness answers from the first second
            self._socket = SocketMode(self.bolt, settings.slack_app_token, self.seen_envelopes)
            await self._serve(make_web_app(self.bolt, self.health, self.services.confirmations, "",
                                           events=False, connected=self._socket.connected))
            log.info("health checks on http://%s:%d%s and %s", settings.host, self.port, LIVE_PATH, READY_PATH)
        try:
            identity = await self.identity.learn()
        except SlackUnreachable as error:
            log.warning("Slack's Web API did not answer auth.test (%s); serving, and asking again", error)
        else:
            log.info("Slack: %s", identity.describe())
            wrong = mismatch(settings.slack_team_id, identity)
            if wrong:
                log.error("%s; requests are judged against SLACK_TEAM_ID: fix it, or unset it to serve the "
                          "token's own", wrong)
        log.info(
            "starting in %s mode; Datadog site %s (%s); confirmations %s; undo window %s; access policy: %s",
            "HTTP" if settings.mode == "http" else "Socket", settings.dd_site, settings.datadog_api_url,
            "in Redis" if settings.redis_url else "in memory (one replica)",
            f"{settings.undo_ttl:g} s" if settings.undo_ttl else "off", settings.policy.describe(),
        )
        if not settings.policy.restricts:
            log.warning("no access policy is set: any member of the workspace can cancel downtimes with this bot "
                        "(see ALLOWED_CHANNEL_IDS, ALLOWED_USER_IDS, ALLOWED_USERGROUP_IDS, PROTECTED_SCOPES)")
        if settings.redis_url and not await self.services.confirmations.healthy():
            log.error("Redis at REDIS_URL is unreachable: prompts and clicks are refused until it answers")
        self._key_check = asyncio.create_task(_check_datadog_keys(self.datadog, settings))
        if self._shared:  # a journal in memory holds nothing from before this process
            self._reconciling = [asyncio.create_task(self.reconciler.run()),
                                 asyncio.create_task(self.reconciler.heartbeat())]
        if settings.mode == "http":
            await self._serve(make_web_app(self.bolt, self.health, self.services.confirmations,
                                           settings.slack_signing_secret))
            log.info("listening on http://%s:%d%s", settings.host, self.port, EVENTS_PATH)
        else:
            self._socket = self._socket or SocketMode(self.bolt, settings.slack_app_token, self.seen_envelopes)
            try:
                await self._socket.open_url()
            except SlackUnreachable as error:  # the SDK's own connect asks again, and keeps asking
                log.warning("Slack did not open a Socket Mode connection (%s); retrying", error)
            await self._socket.connect()
            log.info("connected to Slack in Socket Mode")
        self.health["status"] = "ok"

    async def _serve(self, web_app: web.Application) -> None:
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.settings.host, self.settings.port).start()
        except OSError as error:  # in use, not allowed, no such address: one line, not a traceback
            reason = os.strerror(error.errno) if error.errno else type(error).__name__
            raise CannotListen(f"{self.settings.host}:{self.settings.port}", reason[:1].lower() + reason[1:]) from None
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> bool:
        """Take no new requests, let confirmed actions finish (bounded); True if all finished."""
        self.health["status"] = "stopping"
        inflight = self.services.inflight
        log.info(
            "stopping: no new requests; waiting up to %gs for %d running action(s)",
            self.settings.shutdown_grace, inflight.running,
        )
        if self._socket is not None:
            await self._socket.close()
        finished = await inflight.wait_idle(self.settings.shutdown_grace)
        for task in self._reconciling:
            task.cancel()
        if not finished:
            log.error("grace period over with %d action(s) still running: %s", inflight.running,
                      "leaving them to another replica" if self._shared else "reporting what is known")
            # Stopped before the clients close, so that no call fails as "could not connect" and is retried.
            await inflight.cancel_all()
            try:
                await asyncio.wait_for(self.reconciler.at_stop(shared=self._shared), STOP_REPORT_SECONDS)
            except (TimeoutError, StoreError) as error:
                log.error("interrupted actions not reported at stop (%s)", type(error).__name__)
        if self._key_check is not None:
            self._key_check.cancel()
        if self._runner is not None:  # liveness answered until now; readiness said "stopping"
            await self._runner.cleanup()
        await self.datadog.aclose()
        await self.services.responder.aclose()
        await self.identity.aclose()
        log.info("stopped")
        return finished


def _pending_store(ttl: float, redis: Redis | None, prefix: str, issuer: Issuer) -> PendingActions:
    """In memory for one process (its IDs marked by `issuer`); in Redis, shared by every replica, when REDIS_URL
    is set."""
    if redis is None:
        return MemoryPendingActions(ttl, issuer=issuer)
    return RedisPendingActions(redis, ttl, prefix=prefix)


async def run(settings: Settings) -> int:
    """Serve until SIGTERM or SIGINT (also while still connecting), then stop cleanly.

    Exit code 1 if Slack refuses a token at start, or if running work was cut short at stop.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    bot = BotProcess(settings)
    starting = asyncio.create_task(bot.start())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            starting.result()  # a refused token raises here
            await stopping
        else:  # a stop signal while connecting: give up connecting
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
    except SlackTokenRefused as error:
        log.error("cannot start: Slack refused %s (%s); put a valid token in it", error.variable, error.code)
        return 1
    except CannotListen as error:
        log.error("cannot start: %s; set PORT (or HOST) to a free address, or stop what holds it", error)
        return 1
    finally:
        stopping.cancel()
        finished = await bot.stop()
    return 0 if finished else 1


async def _check_datadog_keys(datadog: DatadogClient, settings: Settings) -> None:
    """Warn, without stopping anything, when Datadog does not accept the API key at start."""
    try:
        await datadog.validate_api_key()
    except DatadogError as error:
        hint = key_lengths_hint(settings.dd_api_key, settings.dd_app_key) if isinstance(error, DatadogAuthError) else ""
        log.warning(
            "Datadog did not accept the API key check at %s (%s: %s); cancellations will fail until it does%s",
            settings.datadog_api_url, type(error).__name__, error.detail, f" ({hint})" if hint else "",
        )
    else:
        log.info("Datadog API key accepted by %s", settings.datadog_api_url)
