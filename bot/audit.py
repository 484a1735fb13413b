"""The audit catalogue: every decision record the bot writes, by name, with the fields it carries.

Each record is one JSON log line from the `bot.audit` logger (see `bot.logs`), so it can be routed
and kept on its own. Who and where (`team`, `channel`, `user`, and when the request names them the
Grid `enterprise` and the user's own `user_team`) come first in every record that has them; `scope`
is the canonical scope, or what was asked instead of one (`monitor 1234`, downtime IDs). Nothing
secret is ever a field.

Event (when it is written): fields beyond who and where.
- `requested` (a prompt with buttons was shown): `scope`, `downtime_ids`, `reason`, `until` (end
  later), `latency_s`
- `no_match` (nothing has exactly that scope, or an end-later would change nothing): `scope`,
  `near_misses` or `until` and `left_alone`, `latency_s`
- `listed` (`/cancel-downtime list` was answered): `count`, `latency_s`
- `home_shown` (the App Home tab was published): `count`, `scopes`, `age_s` (of the listing shown),
  `latency_s`
- `refused` (a command or click was refused): `reason` (a `Reason`), then `scope` or `detail`
- `confirmed` (a confirmation was claimed, before Datadog is called): `scope`, `choice` (`all`, `active`,
  `all_notify`, `active_notify`, `end_cancel_later`, `end_keep_later`)
- `kept` (the requester chose to keep the downtimes): `scope`
- `cancelled` (a confirmed click cancelled at least one downtime): `scope`, `downtime_ids`, `failed`,
  `already_gone`, `unknown` (not verified), `not_reached`, `kept_ids`, `unexpected_ids`, `reason`,
  `notify_states` (the click set them to notify on cancel first), `datadog_event` (`posted`,
  `failed: …`, `late`, or null when events are off), `recovered` (written after a restart or a
  stop), `latency_s` (from the click)
- `end_moved` (a confirmed end-later moved at least one end, or cancelled what started later): as
  `cancelled`, with `until` (seconds since the epoch), `moved_ids`, and `left_ids` (left alone, and why)
- `failed` (a confirmed click cancelled nothing, or a lookup failed): as `cancelled`; for a lookup
  `stage`, `error`, `status`, `detail`
- `restored` (an Undo click created downtimes again, or put an end back, or tried to): `scope`, `requester`,
  `restored`, `already_back`, `put_back`, `skipped` (ID: a `Why` of `domain/undo_plan.py`), `failed`,
  `unknown`, `not_reached` (the bot stopped first), `datadog_event`, `recovered`, `latency_s` (from the click)
- `undo_refused` (an Undo click was refused): `reason` (a `Reason`), then `scope` or `detail`
- `undo_expired` (an Undo click came after its window): `reason` (`expired`), `scope`
- `unconfirmed` (the channel report was sent and Slack's answer was lost; the requester got a copy): `scope`
- `undelivered` (no way to Slack took a report; the record keeps it): `scope`, `text`
- `duplicate_envelope` (Socket Mode redelivered an envelope already answered): `envelope_id`,
  `envelope_type`
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

log = logging.getLogger(__name__)  # "bot.audit"


class Event(StrEnum):
    """The name of a decision record; the table above says when each is written."""

    REQUESTED = "requested"
    NO_MATCH = "no_match"
    LISTED = "listed"
    HOME_SHOWN = "home_shown"
    REFUSED = "refused"
    CONFIRMED = "confirmed"
    KEPT = "kept"
    CANCELLED = "cancelled"
    END_MOVED = "end_moved"
    FAILED = "failed"
    RESTORED = "restored"
    UNDO_REFUSED = "undo_refused"
    UNDO_EXPIRED = "undo_expired"
    UNCONFIRMED = "unconfirmed"
    UNDELIVERED = "undelivered"
    DUPLICATE_ENVELOPE = "duplicate_envelope"


class Reason(StrEnum):
    """Why a request was refused (the `reason` field of `refused` and `undo_refused`)."""

    EDGE = "edge"  # /slack/events: not provably from Slack, or not a request this bot handles
    WORKSPACE_UNKNOWN = "workspace_unknown"  # Slack has not said yet which workspace the bot serves
    FOREIGN = "foreign_workspace_or_app"  # another workspace or app
    INVALID_SCOPE = "invalid_scope"
    OTHER_SITE = "other_site"  # a link to another Datadog site than the one the bot is connected to
    NO_MONITOR_LINK = "no_monitor_link"  # the message shortcut on a message that links no monitor
    INVALID_TIME = "invalid_time"  # end later: a time that is not one instant, or out of bounds
    DEADLINE_PASSED = "deadline_passed"  # end later: the click came when the time was less than a minute away
    STORE_UNAVAILABLE = "store_unavailable"  # Redis could not be used: fail closed
    NOT_PENDING = "not_pending"  # already used, never issued, or forgotten
    OTHER_REPLICA = "other_replica"  # made by another process running at the same time, sharing no store
    NOT_REQUESTER = "not_requester"  # someone else's confirmation
    EXPIRED = "expired"
    NO_TEAM = "no_team"  # a request naming no workspace, or a click not naming its user's
    POLICY_CHANNEL = "policy_channel"
    POLICY_USER = "policy_user"
    POLICY_PROTECTED = "policy_protected"
    MEMBERSHIP_UNVERIFIED = "membership_unverified"  # Slack could not confirm user group membership
    GUEST = "guest"  # a single- or multi-channel guest, not let in by the policy
    EXTERNAL = "external"  # another organisation (Slack Connect) or another workspace of the Grid org
    BOT_USER = "bot_user"  # a bot or app user
    DEACTIVATED = "deactivated"  # a deactivated account
    PERSON_UNVERIFIED = "person_unverified"  # Slack could not say who the user is (users.info)


def record(event: Event, **fields: Any) -> None:
    """Write one decision record: `event` plus who, where, what and the outcome."""
    log.info(event.value, extra={"audit": {"event": event.value, **fields}})
