"""The report's Undo button: bring back, once, what a confirmed click cancelled."""

from __future__ import annotations

import time
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages, outcomes, retry, undo
from bot.confirmations import ClaimStatus
from bot.errors import StoreError
from bot.listeners.commands import allowed
from bot.listeners.replies import clicker, post_outcome, respond_quietly
from bot.logs import audit
from bot.services import Services


async def handle_undo(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    """Acknowledge, then restore in the background."""
    await ack()
    services: Services = context["services"]
    services.inflight.spawn(undo_click(services, body, action, respond, client))


async def undo_click(
    services: Services, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
) -> None:
    """Check who clicked, claim the undo once, create the downtimes again, replace the report with the outcome.

    The requester may always undo; anyone else only if the access policy lets them cancel on that
    scope (with no policy: anyone in an allowed channel).
    """
    who = clicker(body)
    value = str(action.get("value", ""))
    store = services.undos
    try:
        pending = await store.peek(value) if store is not None else None
    except StoreError as error:
        audit("undo_refused", **who, reason="store_unavailable", detail=str(error))
        await respond_quietly(respond, messages.store_unavailable(), response_type="ephemeral")
        return
    if store is None or pending is None:
        audit("undo_refused", **who, reason="not_pending")
        await respond_quietly(respond, messages.undo_gone(), response_type="ephemeral")
        return
    if who["user"] != pending.user_id and not await allowed(
        who, pending.scope, respond, services, event="undo_refused"
    ):
        return
    try:
        claim = await store.claim(value, team_id=who["team"], user_id=who["user"], requester_only=False)
    except StoreError as error:
        audit("undo_refused", **who, reason="store_unavailable", detail=str(error))
        await respond_quietly(respond, messages.store_unavailable(), response_type="ephemeral")
        return
    if claim.status is ClaimStatus.EXPIRED:
        audit("undo_expired", **who, scope=pending.scope.canonical)
        await respond_quietly(respond, messages.undo_expired(store.ttl_seconds), response_type="ephemeral")
        return
    if claim.status is not ClaimStatus.CLAIMED:
        audit("undo_refused", **who, reason="not_pending" if claim.status is ClaimStatus.UNKNOWN else "team")
        await respond_quietly(respond, messages.undo_gone(), response_type="ephemeral")
        return
    started = time.monotonic()
    with retry.time_budget(services.action_time_limit):
        report = await undo.restore_all(services.datadog, pending.matches)
    audit(
        "restored", **who, scope=pending.scope.canonical, requester=pending.user_id,
        restored={old.key: new for old, new in report.restored},
        already_back={old.key: new for old, new in report.already_back},
        skipped={old.key: why for old, why in report.skipped},
        failed={old.key: type(error).__name__ for old, error in report.failed},
        latency_s=round(time.monotonic() - started, 3),
    )
    outcome = outcomes.restore_report(
        who["user"], pending.user_id, pending.scope, pending.reason, report, services.datadog_ui_url
    )
    await post_outcome(outcome, respond, client, pending, replace=True)
