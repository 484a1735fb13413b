"""Slack user group membership for the access policy: `usergroups.users.list`, cached briefly."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import web

MEMBERSHIP_CACHE_SECONDS = 60.0


@dataclass
class SlackMembership:
    """A `bot.usecases.access.Membership` from Slack, cached for a minute; failures are not cached."""

    client: AsyncWebClient
    ttl: float = MEMBERSHIP_CACHE_SECONDS
    clock: Callable[[], float] = time.monotonic
    _cache: dict[str, tuple[float, frozenset[str]]] = field(default_factory=dict)

    async def members(self, group_id: str, team: str = "") -> frozenset[str]:
        """The user IDs in the group; MembershipUnknown when Slack cannot say.

        `team` is passed as `team_id`, which an org-wide token needs and a workspace token ignores.
        """
        cached = self._cache.get(group_id)
        if cached is not None and cached[0] > self.clock():
            return cached[1]
        users = await web.usergroup_members(self.client, group_id, team)
        self._cache[group_id] = (self.clock() + self.ttl, users)
        return users
