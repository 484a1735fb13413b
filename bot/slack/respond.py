"""Every way the bot posts: response_url through one shared session, posts that never raise, and the
report that always reaches someone.

Bolt's own `respond()` opens a new aiohttp session (and connection) for every post; under load that
costs more than the rest of a request. `PooledRespond` is a drop-in `AsyncRespond` that reuses the
process's one session, so keep-alive connections to Slack are shared, and posts the JSON itself:
the SDK's webhook client, built per post, cost a third more CPU per post (a loopback measurement).
A connection Slack closed while idle in the pool is retried once on a fresh one, as the SDK did.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping, Sequence
from enum import Enum
from typing import Any

import aiohttp
import orjson
from slack_bolt.async_app import AsyncRespond
from slack_sdk.models.attachments import Attachment
from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookResponse

from bot import audit
from bot.audit import Event
from bot.domain.actor import Actor
from bot.slack import web

log = logging.getLogger(__name__)

POST_TIMEOUT_SECONDS = 10
TIMEOUT = aiohttp.ClientTimeout(total=POST_TIMEOUT_SECONDS)
JSON = {"Content-Type": "application/json;charset=utf-8"}
NOT_IN_CHANNEL = ("Slack did not take this report in the channel it is meant for (is the bot a member of "
                  "REPORT_CHANNEL_ID?), so it is shown here; Undo works only from a channel report.")
UNCONFIRMED = ("Only you can see this copy: Slack did not confirm that the channel got this report. If it is in the "
               "channel, this is the same report (one Undo serves both).")


class PooledRespond(AsyncRespond):
    """`respond()` for one response_url, posting through a shared aiohttp session."""

    def __init__(self, response_url: str, session: aiohttp.ClientSession) -> None:
        super().__init__(response_url=response_url)
        self._session = session

    async def __call__(
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[dict[str, Any] | Block] | None = None,
        attachments: Sequence[dict[str, Any] | Attachment] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        if isinstance(text, dict):
            message = dict(text)
        else:
            fields = {
                "text": text,
                "blocks": [b.to_dict() if isinstance(b, Block) else b for b in blocks] if blocks is not None else None,
                "attachments": [a.to_dict() if isinstance(a, Attachment) else a for a in attachments]
                if attachments is not None else None,
                "response_type": response_type,
                "replace_original": replace_original,
                "delete_original": delete_original,
                "unfurl_links": unfurl_links,
                "unfurl_media": unfurl_media,
                "thread_ts": thread_ts,
                "metadata": metadata,
            }
            message = {k: v for k, v in fields.items() if v is not None}
        assert self.response_url is not None  # set by the constructor  # noqa: S101
        body = orjson.dumps(message)
        for attempt in (1, 2):
            try:
                async with self._session.post(
                    self.response_url, data=body, headers=JSON, timeout=TIMEOUT
                ) as response:
                    text = await response.text()
                    return WebhookResponse(
                        url=self.response_url, status_code=response.status, body=text, headers=dict(response.headers)
                    )
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
                # A new channel message is not idempotent: Slack may have posted it before the drop.
                if attempt == 2 or message.get("response_type") == "in_channel":
                    raise
        raise AssertionError("unreachable: the second attempt returns or raises")  # pragma: no cover


class Responder:
    """The process's one session for response_url posts, opened on first use, closed at stop."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def for_url(self, response_url: str) -> PooledRespond:
        """A `respond()` bound to this response_url."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return PooledRespond(response_url, self._session)

    async def aclose(self) -> None:
        """Close the session (and its connections)."""
        if self._session is not None:
            await self._session.close()


async def respond_quietly(respond: AsyncRespond, message: Mapping[str, Any], **options: Any) -> bool:
    """Post through the response_url; on failure log it (never the URL) and return False."""
    try:
        response = await respond(**message, **options)
    except Exception as exc:  # any transport failure: the caller has a fallback or nothing to lose
        log.warning("response_url post failed: %s", type(exc).__name__)
        return False
    if response.status_code != 200:
        log.warning("response_url post answered HTTP %d", response.status_code)
        return False
    return True


class Delivery(Enum):
    """What a response_url post amounts to."""

    POSTED = "posted"
    NOT_POSTED = "not posted"  # Slack refused it, or it never left: another way may post it
    UNCERTAIN = "uncertain"  # sent, and the answer was lost: Slack may have posted it


async def _post(respond: AsyncRespond | None, message: Mapping[str, Any], **options: Any) -> Delivery:
    if respond is None:
        return Delivery.NOT_POSTED
    try:
        response = await respond(**message, **options)
    except (aiohttp.ClientConnectorError, aiohttp.InvalidURL) as exc:  # never reached Slack
        log.warning("response_url post failed: %s", type(exc).__name__)
        return Delivery.NOT_POSTED
    except Exception as exc:  # a timeout or a dropped connection after sending: Slack may have it
        log.warning("response_url post unconfirmed: %s", type(exc).__name__)
        return Delivery.UNCERTAIN
    if response.status_code != 200:
        log.warning("response_url post answered HTTP %d", response.status_code)
        return Delivery.NOT_POSTED
    return Delivery.POSTED


async def deliver_report(
    report: Mapping[str, Any], respond: AsyncRespond | None, client: AsyncWebClient, requester: Actor, scope: str,
    *, before_delete: Awaitable[bool] | None = None, replace: bool = False, copy_to: str = "",
) -> None:
    """Tell the channel once: through the response_url, else chat.postMessage, else the requester alone
    through chat.postEphemeral; if every way fails, the audit log keeps the report.

    One outcome, one channel report: when the response_url post was sent but its answer was lost
    (Slack may have posted it), no second channel message is posted; the requester alone gets a copy,
    saying so. `replace`: the report takes the place of the clicked message (the report an Undo was
    clicked on). Otherwise it is a new channel message and the clicked prompt is deleted, but only
    after `before_delete` (its last update) has landed, never before. A prompt in a modal (no
    response_url: `bot.slack.modal`) goes by chat.postMessage, and the modal then says where.

    `copy_to` (AUDIT_CHANNEL_ID): a copy without buttons is posted there too, whatever became of the report.
    """
    try:
        await _deliver(report, respond, client, requester, scope, before_delete=before_delete, replace=replace)
    finally:
        if copy_to and copy_to != requester.channel:
            await _copy(report, client, requester, copy_to)


def _note(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


async def _copy(report: Mapping[str, Any], client: AsyncWebClient, requester: Actor, channel: str) -> None:
    """The audit channel's copy: the report's words and blocks, its buttons left out (Undo is the channel's)."""
    where = f"<#{requester.channel}>" if requester.channel[:1] in ("C", "G") else "a direct message with the bot"
    blocks = [b for b in report["blocks"] if b.get("type") != "actions"]
    blocks.insert(0, _note(f"Copy of a report posted in {where}."))
    try:
        await client.chat_postMessage(channel=channel, text=report["text"], blocks=blocks[:50])
    except Exception as exc:  # the report itself is delivered (or audited); the copy is only logged
        log.warning("audit channel copy not posted: %s", web.failure(exc))


async def _deliver(
    report: Mapping[str, Any], respond: AsyncRespond | None, client: AsyncWebClient, requester: Actor, scope: str,
    *, before_delete: Awaitable[bool] | None, replace: bool,
) -> None:
    modal = respond if respond is not None and respond.response_url is None else None  # bot.slack.modal
    posted = await _post(None if modal else respond, report, response_type="in_channel", replace_original=replace)
    if before_delete is not None:
        await before_delete
    if posted is Delivery.POSTED:
        if not replace and respond is not None:
            await respond_quietly(respond, {}, delete_original=True)
        return
    blocks = list(report["blocks"])
    if posted is Delivery.NOT_POSTED:
        try:
            await client.chat_postMessage(channel=requester.channel, text=report["text"], blocks=blocks)
            if modal is not None:
                await respond_quietly(modal, {}, delete_original=True)
            return
        except Exception as exc:  # SlackApiError (e.g. not_in_channel) or transport: try the requester alone
            log.warning("chat.postMessage fallback failed: %s", web.failure(exc))
            unbuttoned = [_note(NOT_IN_CHANNEL), *(b for b in blocks if b.get("type") != "actions")]
            if modal is not None and await respond_quietly(modal, {"text": report["text"], "blocks": unbuttoned}):
                audit.record(Event.UNDELIVERED, **requester.fields(), scope=scope, text=report["text"], shown="modal")
                return
    else:
        audit.record(Event.UNCONFIRMED, **requester.fields(), scope=scope)
        if not replace and respond is not None:  # the prompt goes either way: the copy below stands in for it
            await respond_quietly(respond, {}, delete_original=True)
        blocks.insert(0, {"type": "context", "elements": [{"type": "mrkdwn", "text": UNCONFIRMED}]})
    try:
        await client.chat_postEphemeral(
            channel=requester.channel, user=requester.user, text=report["text"], blocks=blocks
        )
        return
    except Exception as exc:  # the audit line below keeps the report
        log.warning("chat.postEphemeral fallback failed: %s", web.failure(exc))
    audit.record(Event.UNDELIVERED, **requester.fields(), scope=scope, text=report["text"])
