"""What the listeners need from the rest of the bot, bundled once per process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.datadog.api import DowntimeAPI
from bot.domain import notify
from bot.domain.actor import Person, Served
from bot.domain.policy import Policy
from bot.errors import PersonUnknown
from bot.slack.inflight import Inflight
from bot.slack.respond import Responder
from bot.state.journal import Journal, MemoryJournal
from bot.state.pending import PendingActions
from bot.usecases.access import Membership, People
from bot.usecases.home import Listings


class NoPeople:
    """No way to ask who a user is: every person is unknown, so every request is refused."""

    async def person(self, user_id: str) -> Person:
        """Always PersonUnknown."""
        raise PersonUnknown("no users.info source")

    def prefetch(self, user_id: str) -> None:
        """Nothing to start."""


@dataclass(frozen=True)
class Services:
    """Datadog, the pending actions and the journal, whom the bot serves and who asks, the policy, shutdown
    tracking and the response_url session."""

    datadog: DowntimeAPI
    confirmations: PendingActions  # the prompts' pending cancels
    inflight: Inflight
    datadog_ui_url: str
    action_time_limit: float = 30.0  # seconds for all Datadog calls of one command or click, retries included
    policy: Policy = field(default_factory=Policy)
    membership: Membership | None = None
    responder: Responder = field(default_factory=Responder)
    undos: PendingActions | None = None  # the reports' pending undos; None: undo is off
    require_reason: bool = False
    journal: Journal = field(default_factory=MemoryJournal)  # confirmed cancels until reported
    people: People = field(default_factory=NoPeople)  # who a user is (users.info)
    served: Callable[[], Served | None] = lambda: None  # the workspace or organisation served, once known
    notify_on_cancel: tuple[str, ...] = ()  # the states the prompt's default cancel notifies for; (): it does not
    events: bool = True  # post a Datadog event for every confirmed action
    datadog_site: str = "datadoghq.com"  # DD_SITE: a pasted link to another site is refused
    report_channel: str = ""  # REPORT_CHANNEL_ID: reports of actions started on the Home tab ("": the person's DM)
    audit_channel: str = ""  # AUDIT_CHANNEL_ID: a copy of every report of a cancel, restore or end-later
    listings: Listings | None = None  # the Home tab's listing (None: read afresh at every open)

    @property
    def notify_states(self) -> tuple[str, ...]:
        """The states "Cancel and notify" sets: those configured, else every state Datadog has."""
        return self.notify_on_cancel or notify.STATES
