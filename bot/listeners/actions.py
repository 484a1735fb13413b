"""The prompt's buttons: confirm all or only the active ones (cancel, report to the channel), and keep."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages, outcomes, retry, undo, workflows
from bot.confirmations import ClaimStatus, Pending
from bot.errors import StoreError
from bot.listeners.commands import allowed, offer
from bot.listeners.replies import clicker, post_outcome, respond_quietly
from bot.logs import audit
from bot.scope import ScopeError, parse_scope
from bot.services import Services

log = logging.getLogger(__name__)


async def handle_confirm(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    """Acknowledge, then confirm in the background (so no Datadog call ever delays an ack)."""
    await ack()
    services: Services = context["services"]
    services.inflight.spawn(confirm(services, body, action, respond, client))


async def confirm(
    services: Services, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
) -> None:
    """Claim the confirmation, remove the buttons, cancel through Datadog, post the outcome.

    On the critical path there is one round of Datadog calls: the "Cancelling…" update is not waited
    for, and the alerting check runs alongside the cancellation (a monitor's state does not depend
    on the downtime). The prompt is deleted once the report is out.
    """
    pending = await _take(services, body, action, respond)
    if pending is None:
        return
    who = {"team": pending.team_id, "channel": pending.channel_id, "user": pending.user_id}
    # Checked again at the click: membership or the channel may differ from the command's time.
    if not await allowed(clicker(body), pending.scope, respond, services, replace=True):
        return
    only_active = action.get("action_id") == messages.CONFIRM_ACTIVE_ACTION
    audit("confirmed", **who, scope=pending.scope.canonical, choice="active" if only_active else "all")
    buttons_gone = asyncio.create_task(
        respond_quietly(respond, messages.cancelling(pending.scope), replace_original=True)
    )
    started = time.monotonic()
    notices: list[str] = []

    async def tell_requester(text: str) -> None:
        # Once per click: the response_url takes only five posts, and the outcome needs two.
        if not notices:
            notices.append(text)
            await respond_quietly(respond, messages.retrying(pending.scope, text), replace_original=True)

    with retry.time_budget(services.action_time_limit), retry.on_retry(tell_requester):
        report, monitors = await asyncio.gather(
            workflows.cancel(services.datadog, pending.scope, pending.matches, only_active=only_active),
            workflows.alerting(services.datadog, pending.scope),
        )
    audit(
        "cancelled" if report.cancelled else "failed", **who, scope=pending.scope.canonical,
        downtime_ids=[d.key for d in report.cancelled],
        failed={d.key: type(e).__name__ for d, e in report.failed},
        already_gone=[d.key for d in report.already_gone],
        kept_ids=[d.key for d in report.kept],
        unexpected_ids=report.unexpected_ids,
        reason=pending.reason or None,
        latency_s=round(time.monotonic() - started, 3),
    )
    outcome = outcomes.cancel_report(
        pending.user_id, pending.scope, report, monitors if report.cancelled else None, services.datadog_ui_url,
        reason=pending.reason, undo=await _offer_undo(services, pending, report),
    )
    await post_outcome(outcome, respond, client, pending, before_delete=buttons_gone)


async def _offer_undo(
    services: Services, pending: Pending, report: workflows.CancelReport
) -> outcomes.UndoOffer | None:
    """Register what the click cancelled so that the report's Undo button can bring it back."""
    cancelled = undo.restorable([*report.cancelled, *report.probably_cancelled])
    if services.undos is None or not cancelled:
        return None
    try:
        offer_ = await services.undos.create(
            pending.scope, team_id=pending.team_id, user_id=pending.user_id, channel_id=pending.channel_id,
            matches=cancelled, reason=pending.reason,
        )
    except StoreError as error:  # the cancellation stands; only the way back is missing
        log.warning("no Undo button: %s", error)
        return None
    return outcomes.UndoOffer(offer_.id, len(cancelled), services.undos.ttl_seconds)


async def handle_keep(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    """Acknowledge; then claim the confirmation and replace the prompt with "kept"."""
    await ack()
    services: Services = context["services"]
    services.inflight.spawn(keep(services, body, action, respond))


async def keep(services: Services, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond) -> None:
    """Use the confirmation up, so it cannot be confirmed later, and say the downtimes were kept."""
    pending = await _take(services, body, action, respond)
    if pending is None:
        return
    audit(
        "kept", team=pending.team_id, channel=pending.channel_id, user=pending.user_id,
        scope=pending.scope.canonical,
    )
    await respond_quietly(respond, messages.kept(pending.scope), replace_original=True)


async def handle_preview(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    """A near miss's button: preview its scope, exactly as if the clicker had typed the command."""
    await ack()
    services: Services = context["services"]
    services.inflight.spawn(preview_near_miss(services, body, action, respond))


async def preview_near_miss(
    services: Services, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
) -> None:
    """Parse the button's scope like typed text, then offer it."""
    who = clicker(body)
    try:
        scope = parse_scope(str(action.get("value", "")))  # a button value is user input like any other
    except ScopeError as error:
        audit("refused", **who, reason="invalid_scope", detail=error.reason)
        await respond_quietly(respond, messages.invalid_scope(error), response_type="ephemeral")
        return
    await offer(scope, who, respond, services, replace=True)


async def _take(
    services: Services, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
) -> Pending | None:
    """Claim the confirmation named by the button; if this click may not act on it, tell the clicker why."""
    who = clicker(body)
    try:
        claim = await services.confirmations.claim(
            str(action.get("value", "")), team_id=who["team"], user_id=who["user"]
        )
    except StoreError as error:
        audit("refused", **who, reason="store_unavailable", detail=str(error))
        await respond_quietly(respond, messages.store_unavailable(), response_type="ephemeral")
        return None
    if claim.status is ClaimStatus.CLAIMED:
        return claim.pending
    pending = claim.pending
    if claim.status is ClaimStatus.NOT_REQUESTER and pending is not None:
        audit("refused", **who, reason="not_requester", scope=pending.scope.canonical)
        message = messages.not_requester(pending.user_id)
    elif claim.status is ClaimStatus.EXPIRED and pending is not None:
        audit("refused", **who, reason="expired", scope=pending.scope.canonical)
        message = messages.expired(pending.scope, services.confirmations.ttl_seconds)
    else:
        audit("refused", **who, reason="not_pending")
        message = messages.already_handled()
    await respond_quietly(
        respond, message, response_type="ephemeral", replace_original=claim.status is ClaimStatus.EXPIRED
    )
    return None


