"""Who a Slack user is: `users.info`, cached briefly and bounded, one request in flight per user.

Every request's person is checked (`bot.usecases.access.admit`): a payload cannot tell a guest from
a member, nor always a Slack Connect clicker from one of ours. The answer is kept `PEOPLE_CACHE_SECONDS`
(guest status and deactivation change rarely; a change takes effect within that), for at most
`PEOPLE_CACHE_SIZE` users (the oldest answer goes first). Failures are not kept: the next request asks
again. The guard starts the lookup as the request arrives (`prefetch`), so it overlaps the
acknowledgement and the store's read instead of following them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.actor import Person
from bot.errors import PersonUnknown
from bot.slack import web

log = logging.getLogger(__name__)

PEOPLE_CACHE_SECONDS = 300.0
PEOPLE_CACHE_SIZE = 5000
LOOKUP_SECONDS = 5.0  # users.info answers in well under a second; past this, the request is refused


@dataclass
class SlackPeople:
    """A `bot.usecases.access.People` from Slack's `users.info`."""

    client: AsyncWebClient
    ttl: float = PEOPLE_CACHE_SECONDS
    size: int = PEOPLE_CACHE_SIZE
    seconds: float = LOOKUP_SECONDS
    clock: Callable[[], float] = time.monotonic
    _cache: OrderedDict[str, tuple[float, Person]] = field(default_factory=OrderedDict)
    _asking: dict[str, asyncio.Task[Person]] = field(default_factory=dict)

    async def person(self, user_id: str) -> Person:
        """What Slack says of the user; PersonUnknown when it cannot say."""
        cached = self._cache.get(user_id)
        if cached is not None and cached[0] > self.clock():
            return cached[1]
        return await asyncio.shield(self._ask(user_id))

    def prefetch(self, user_id: str) -> None:
        """Start asking about the user unless the answer is already known or asked for."""
        cached = self._cache.get(user_id)
        if user_id and (cached is None or cached[0] <= self.clock()):
            self._ask(user_id)

    def _ask(self, user_id: str) -> asyncio.Task[Person]:
        asking = self._asking.get(user_id)
        if asking is None:
            asking = self._asking[user_id] = asyncio.create_task(self._lookup(user_id))
            asking.add_done_callback(_retrieved)  # a prefetch nobody awaited is not an unretrieved error
        return asking

    async def _lookup(self, user_id: str) -> Person:
        try:
            person = await web.users_info(self.client, user_id, self.seconds)
        except PersonUnknown as error:
            if error.code == "missing_scope":
                log.error("Slack refuses users.info (missing_scope): add users:read to the bot scopes in "
                          "manifest.yml and reinstall the app; until then every request is refused")
            else:
                log.warning("Slack could not say who %s is (%s); that request is refused", user_id, error)
            raise
        finally:
            self._asking.pop(user_id, None)
        self._cache[user_id] = (self.clock() + self.ttl, person)
        self._cache.move_to_end(user_id)
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
        return person


def _retrieved(task: asyncio.Task[Person]) -> None:
    if not task.cancelled():
        task.exception()
