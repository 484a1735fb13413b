"""A prompt in a modal: what answers a click on the Home tab, whose buttons carry no response_url.

`ModalReply` is a drop-in `AsyncRespond` for the whole flow (`offer`, the confirm, keep): each post
updates the one modal (`views.update` by its view ID), so the prompt, "Cancelling…" and every refusal
appear where the person is looking. It has no response_url, so a report is never posted through it:
`bot.slack.respond.deliver_report` posts it with chat.postMessage to the requester's channel (for an
action started on the Home tab, REPORT_CHANNEL_ID or the person's direct messages with the bot), and
then the modal says where the report went.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.models.attachments import Attachment
from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookResponse

from bot.slack import web
from bot.slack.views import home
from bot.slack.views.blocks import section

log = logging.getLogger(__name__)


class ModalReply(AsyncRespond):
    """`respond()` for a prompt shown in the modal `view_id`; `reports_to` names where the report goes."""

    def __init__(self, client: AsyncWebClient, view_id: str, reports_to: str, dm_channel: str = "") -> None:
        super().__init__(response_url=None)
        self._client = client
        self.view_id = view_id
        self._reports_to = reports_to
        self._dm_channel = dm_channel  # kept in the modal, for the clicks inside it

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
        if response_type == "in_channel":  # never reached through deliver_report; refused if it were
            return WebhookResponse(url="", status_code=404, body="a modal posts to no channel", headers={})
        if delete_original:  # the prompt is done with: its report is in the channel
            view = home.reported(self._reports_to)
        else:
            shown = [b.to_dict() if isinstance(b, Block) else b for b in blocks or ()]
            words = text if isinstance(text, str) else str(text.get("text", ""))
            view = home.modal({"text": words, "blocks": shown or [section(words)]}, dm_channel=self._dm_channel)
        try:
            await self._client.views_update(view_id=self.view_id, view=view)
        except Exception as exc:  # the person closed the modal, or Slack refused: nothing else to show it on
            log.warning("views.update failed: %s", web.failure(exc))
            return WebhookResponse(url="", status_code=500, body="views.update failed", headers={})
        return WebhookResponse(url="", status_code=200, body="ok", headers={})
