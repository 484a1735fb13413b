"""Who may cancel what, where: optional allow-lists and protected scopes, checked at command and click.

With no option set, anyone in the workspace may use the bot in any channel. Each option narrows it:
- `ALLOWED_CHANNEL_IDS`: only in these channels.
- `ALLOWED_USER_IDS`, `ALLOWED_USERGROUP_IDS`: only these users, or members of these user groups.
- `PROTECTED_SCOPES`: tag patterns (`env:prod`, `service:payments-*`); a scope with a tag matching
  one may be cancelled only by `PROTECTED_SCOPE_USER_IDS` or members of
  `PROTECTED_SCOPE_USERGROUP_IDS`.
Group membership comes from Slack's `usergroups.users.list`, cached briefly; when Slack cannot
answer, the check fails closed.
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from slack_sdk.web.async_client import AsyncWebClient

from bot.scope import Scope

MEMBERSHIP_CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Policy:
    """The configured restrictions; empty sets mean "no restriction" (protected ones mean nobody)."""

    channels: frozenset[str] = frozenset()
    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    protected: tuple[str, ...] = ()
    protected_users: frozenset[str] = frozenset()
    protected_groups: frozenset[str] = frozenset()

    @property
    def uses_groups(self) -> bool:
        """Whether any check needs Slack's user group membership (and the usergroups:read scope)."""
        return bool(self.groups or self.protected_groups)

    @property
    def restricts(self) -> bool:
        """Whether any restriction is set (with none, anyone in the workspace may cancel anywhere)."""
        return bool(self.channels or self.users or self.groups or self.protected)

    def describe(self) -> str:
        """The restrictions in effect, in one line for the start-up log ("none" when there are none)."""
        parts = [
            f"{label} {', '.join(sorted(ids))}"
            for label, ids in (("channels", self.channels), ("users", self.users), ("user groups", self.groups))
            if ids
        ]
        if self.protected:
            who = sorted(self.protected_users | self.protected_groups)
            parts.append(f"protected scopes {', '.join(self.protected)} (only {', '.join(who)})")
        return "; ".join(parts) or "none"

    def protected_tags(self, scope: Scope) -> list[str]:
        """The scope's tags that match a protected pattern."""
        return [tag for tag in scope.tags if any(fnmatch.fnmatchcase(tag, p) for p in self.protected)]


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused: a code for the audit log and a sentence for the user."""

    code: str
    text: str


class Membership(Protocol):
    """Who is in a Slack user group; raises when it cannot tell."""

    async def members(self, group_id: str) -> frozenset[str]:
        """The user IDs in the group."""
        ...


class MembershipUnknown(Exception):
    """Slack could not say who is in a user group."""


@dataclass
class SlackMembership:
    """User group members from `usergroups.users.list`, cached for a minute; failures are not cached."""

    client: AsyncWebClient
    ttl: float = MEMBERSHIP_CACHE_SECONDS
    clock: Callable[[], float] = time.monotonic
    _cache: dict[str, tuple[float, frozenset[str]]] = field(default_factory=dict)

    async def members(self, group_id: str) -> frozenset[str]:
        cached = self._cache.get(group_id)
        if cached is not None and cached[0] > self.clock():
            return cached[1]
        try:
            response = await self.client.usergroups_users_list(usergroup=group_id)
            users = frozenset(str(u) for u in response.get("users") or [])
        except Exception as exc:  # SlackApiError, transport, or a malformed answer: fail closed
            raise MembershipUnknown(f"{group_id}: {type(exc).__name__}") from exc
        self._cache[group_id] = (self.clock() + self.ttl, users)
        return users


async def check(
    policy: Policy, membership: Membership | None, *, channel: str, user: str, scope: Scope | None
) -> Refusal | None:
    """None if `user` may act on `scope` in `channel`; otherwise why not."""
    if policy.channels and channel not in policy.channels:
        return Refusal("policy_channel", "This bot cannot be used in this channel. Ask in your team's on-call channel.")
    try:
        if (policy.users or policy.groups) and not await _belongs(user, policy.users, policy.groups, membership):
            return Refusal("policy_user", "You are not on the list of people allowed to cancel downtimes.")
        if scope is not None:
            protected = policy.protected_tags(scope)
            if protected and not await _belongs(user, policy.protected_users, policy.protected_groups, membership):
                listed = ", ".join(f"`{t}`" for t in protected)
                return Refusal(
                    "policy_protected",
                    f"{listed} is protected: only its named owners may cancel downtimes on it.",
                )
    except MembershipUnknown:
        return Refusal(
            "membership_unverified",
            "Slack could not confirm your user group membership just now, so nothing was done. Try again shortly.",
        )
    return None


async def _belongs(
    user: str, users: frozenset[str], groups: Iterable[str], membership: Membership | None
) -> bool:
    if user in users:
        return True
    for group in groups:
        if membership is None:
            raise MembershipUnknown("no membership source")
        if user in await membership.members(group):
            return True
    return False
