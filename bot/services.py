"""What the listeners need from the rest of the bot, bundled once per process."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.confirmations import ConfirmationStore
from bot.datadog import DowntimeAPI
from bot.inflight import Inflight
from bot.policy import Membership, Policy
from bot.responder import Responder


@dataclass(frozen=True)
class Services:
    """The Slack-free parts the listeners call: Datadog, pending confirmations, shutdown tracking."""

    datadog: DowntimeAPI
    confirmations: ConfirmationStore
    inflight: Inflight
    datadog_ui_url: str
    action_time_limit: float = 30.0  # seconds for all Datadog calls of one command or click, retries included
    policy: Policy = field(default_factory=Policy)
    membership: Membership | None = None
    responder: Responder = field(default_factory=Responder)
    undos: ConfirmationStore | None = None  # pending undos (the report's Undo button); None: undo is off
    require_reason: bool = False
