"""Socket Mode: each envelope dispatched to Bolt once, and answered with a definite acknowledgement.

Bolt's `AsyncSocketModeHandler` offers no hook to skip a redelivered envelope or to turn its bare
500 into an answer, and the functions it is built from live in a module Bolt documents as internal
(`slack_bolt.adapter.socket_mode.async_internals`). So this handler is built only on public parts:
slack_sdk's `SocketModeClient` and its `socket_mode_request_listeners`, Bolt's `AsyncBoltRequest`
(mode `socket_mode`) and `AsyncApp.async_dispatch`, and slack_sdk's `SocketModeResponse`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot import audit
from bot.audit import Event
from bot.slack.app import answerable
from bot.slack.web import open_socket_url
from bot.state.envelopes import SeenEnvelopes

log = logging.getLogger(__name__)


class SocketMode:
    """The Socket Mode connection of one Bolt app, answering each envelope once and never with a bare error."""

    def __init__(self, app: AsyncApp, app_token: str, seen: SeenEnvelopes) -> None:
        self.app = app
        self.app_token = app_token
        self.seen = seen
        self.client = SocketModeClient(app_token=app_token, logger=app.logger, web_client=app.client)
        self.client.socket_mode_request_listeners.append(self.handle)

    async def open_url(self) -> None:
        """Ask for the connection's URL once ourselves (raises SlackTokenRefused or SlackUnreachable)."""
        self.client.wss_uri = await open_socket_url(self.app.client, self.app_token)

    async def connect(self) -> None:
        """Connect; the SDK reconnects by itself after a drop."""
        await self.client.connect()  # type: ignore[no-untyped-call]  # slack_sdk leaves it unannotated

    async def connected(self) -> bool:
        """Whether the WebSocket is up now."""
        return await self.client.is_connected()

    async def close(self) -> None:
        """Disconnect and stop reconnecting."""
        await self.client.close()  # type: ignore[no-untyped-call]  # slack_sdk leaves it unannotated

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        """Acknowledge a redelivered envelope without answering it again; dispatch the others to Bolt."""
        if not await self.seen.first_time(req.envelope_id):
            audit.record(Event.DUPLICATE_ENVELOPE, envelope_id=req.envelope_id, envelope_type=req.type)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        response = answerable(await self.app.async_dispatch(
            AsyncBoltRequest(body=req.payload, mode="socket_mode", headers=_retry_headers(req))
        ))
        if response.status != 200:  # as in HTTP mode, where Slack is answered this status: no acknowledgement
            log.info("Bolt answered an envelope with HTTP %d; not acknowledged", response.status)
            return
        await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id,
                                                                  payload=_payload(response)))


def _retry_headers(req: SocketModeRequest) -> dict[str, str | Sequence[str]] | None:
    """The HTTP mode's retry headers, so that Bolt tells an Events API retry apart in both modes."""
    headers: dict[str, str | Sequence[str]] = {}
    if req.retry_attempt is not None:
        headers["x-slack-retry-num"] = str(req.retry_attempt)
    if req.retry_reason is not None:
        headers["x-slack-retry-reason"] = req.retry_reason
    return headers or None


def _payload(response: BoltResponse) -> dict[str, object] | None:
    """What the acknowledgement carries: Bolt's JSON, or its text as a message (a 200's body Slack shows)."""
    body = response.body
    if not body:
        return None
    if response.headers.get("content-type", [""])[0].startswith("application/json"):
        parsed: dict[str, object] = json.loads(body)
        return parsed
    return {"text": body}
