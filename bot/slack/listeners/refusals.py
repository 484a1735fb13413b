"""The refusals every listener shares: who the person is and the access policy at a command or click, and
taking a pending action.

Taking a button's pending action is the same for a prompt's buttons and a report's Undo: read it,
let the use case decide who may (`bot.usecases.access`), claim it once, and on any "no" tell the
clicker why and write one audit record. Only the words and the audit event differ by `Kind`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncRespond

from bot import audit
from bot.audit import Event, Reason
from bot.domain.actor import Actor
from bot.domain.scope import Selection
from bot.errors import StoreError
from bot.slack.respond import respond_quietly
from bot.slack.services import Services
from bot.slack.views import notices
from bot.slack.views.blocks import Message
from bot.state.issuer import Origin
from bot.state.pending import ClaimStatus, PendingAction, PendingActions
from bot.usecases import access
from bot.usecases.access import Act, Refusal

log = logging.getLogger(__name__)

Judge = Callable[[PendingAction], Awaitable[Refusal | None]]


@dataclass(frozen=True)
class Kind:
    """What is being taken: its audit events, its words, and how the refusal is posted."""

    refused: Event  # the audit event of a refusal
    expired: Event  # the audit event of a click too late
    gone: Callable[[], Message]  # already used, never issued, or forgotten
    too_late: Callable[[PendingAction, float], Message]  # the message for a click after the lifetime
    options: Callable[[bool], dict[str, Any]]  # response_url options for a refusal (True: it expired)
    act: Act = Act.CANCEL  # what a refusal says was not done


CONFIRMATION = Kind(
    Event.REFUSED, Event.REFUSED, notices.already_handled,
    lambda pending, ttl: notices.expired(pending.scope, ttl),
    # An expired prompt's buttons are replaced; any other refusal leaves them for the requester.
    lambda expired: {"response_type": "ephemeral", "replace_original": expired},
)
KEEPING = Kind(CONFIRMATION.refused, CONFIRMATION.expired, CONFIRMATION.gone, CONFIRMATION.too_late,
               CONFIRMATION.options, Act.KEEP)
UNDO = Kind(
    Event.UNDO_REFUSED, Event.UNDO_EXPIRED, notices.undo_gone,
    lambda _, ttl: notices.undo_expired(ttl),
    lambda _: {"response_type": "ephemeral"},  # the report stays for everyone else in the channel
    Act.UNDO,
)


async def allowed(
    actor: Actor, scope: Selection | None, respond: AsyncRespond, services: Services, *, replace: bool = False,
    event: Event = Event.REFUSED, act: Act = Act.CANCEL, admitted_already: bool = False,
) -> bool:
    """Check who the person is (unless `take` just did), then the access policy; on refusal, tell the user why
    and audit it as `event`."""
    refusal = None if admitted_already else await admitted(actor, services)
    refusal = refusal or await access.check(
        services.policy, services.membership, channel=actor.channel, user=actor.user, scope=scope, team=actor.team
    )
    if refusal is None:
        return True
    await refuse(actor, refusal, respond, event=event, scope=scope, replace=replace, act=act)
    return False


async def admitted(actor: Actor, services: Services) -> Refusal | None:
    """Whether this person may use the bot at all (member, or let in by the policy); None if so."""
    return await access.admit(services.policy, services.people, services.served(), actor)


async def refuse(
    actor: Actor, refusal: Refusal, respond: AsyncRespond, *, event: Event, scope: Selection | None, replace: bool,
    act: Act = Act.CANCEL,
) -> None:
    """Audit a refusal and tell the user, naming the rule and what was not done."""
    audit.record(event, **actor.fields(), reason=refusal.code, scope=scope.canonical if scope else None)
    await respond(**notices.refused(refusal, act), response_type="ephemeral", replace_original=replace)


async def take(
    services: Services, store: PendingActions, action_id: str, actor: Actor, respond: AsyncRespond, judge: Judge,
    kind: Kind,
) -> PendingAction | None:
    """The pending action named by the button, claimed for this click if the clicker is admitted and `judge`
    agrees; None (the clicker told why) if not."""
    try:
        pending = await store.peek(action_id)
        refusal = None if pending is None else await admitted(actor, services) or await judge(pending)
        status = await store.claim(pending) if pending is not None and refusal is None else None
    except StoreError as error:
        audit.record(kind.refused, **actor.fields(), reason=Reason.STORE_UNAVAILABLE, detail=str(error))
        await respond_quietly(respond, notices.store_unavailable(), **kind.options(False))
        return None
    if pending is None and store.origin(action_id) is Origin.ALONGSIDE:
        _other_replica(kind, actor)
        await respond_quietly(respond, notices.other_replica(kind.act), **kind.options(False))
    elif pending is None or status is ClaimStatus.UNKNOWN:
        audit.record(kind.refused, **actor.fields(), reason=Reason.NOT_PENDING)
        await respond_quietly(respond, kind.gone(), **kind.options(False))
    elif refusal is not None:
        await _refused(actor, refusal, pending, respond, kind)
    elif status is ClaimStatus.EXPIRED:
        audit.record(kind.expired, **actor.fields(), reason=Reason.EXPIRED, scope=pending.scope.canonical)
        await respond_quietly(respond, kind.too_late(pending, store.ttl_seconds), **kind.options(True))
    else:
        return pending
    return None


def _other_replica(kind: Kind, actor: Actor) -> None:
    """Say loudly, in the log, what only this click proves: several processes serve, each with its own memory."""
    audit.record(kind.refused, **actor.fields(), reason=Reason.OTHER_REPLICA)
    log.error("a click reached this process for a button another bot process made, one started after this one "
              "and running alongside it: several replicas are serving without REDIS_URL, so each refuses the "
              "others' buttons; set REDIS_URL (one Redis for all) or run one replica")


async def _refused(actor: Actor, refusal: Refusal, pending: PendingAction, respond: AsyncRespond, kind: Kind) -> None:
    if refusal.code is Reason.NOT_REQUESTER:
        audit.record(kind.refused, **actor.fields(), reason=refusal.code, scope=pending.scope.canonical)
        await respond_quietly(respond, notices.not_requester(refusal.requester), **kind.options(False))
    else:
        await refuse(actor, refusal, respond, event=kind.refused, scope=pending.scope, replace=False, act=kind.act)
