"""Who may act on what, where: the access policy, and who may take a pending action. Slack-free.

The policy (`bot.domain.policy`) is checked at the command and again at the click. Group membership
comes from a `Membership` (Slack's `usergroups.users.list` in `bot.slack.membership`, cached
briefly); when it cannot tell, the check fails closed. Decisions are `Refusal`s, codes and data:
the words a person reads are in `bot.slack.views.notices`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from bot.audit import Reason
from bot.domain.actor import Actor
from bot.domain.policy import Policy
from bot.domain.scope import Scope
from bot.errors import MembershipUnknown


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused: its code, and what the refusal names (the protected tags, the requester)."""

    code: Reason
    tags: tuple[str, ...] = ()
    requester: str = ""


class Membership(Protocol):
    """Who is in a Slack user group; raises MembershipUnknown when it cannot tell."""

    async def members(self, group_id: str) -> frozenset[str]:
        """The user IDs in the group."""
        ...


async def check(
    policy: Policy, membership: Membership | None, *, channel: str, user: str, scope: Scope | None
) -> Refusal | None:
    """None if `user` may act on `scope` in `channel`; otherwise why not."""
    if policy.channels and channel not in policy.channels:
        return Refusal(Reason.POLICY_CHANNEL)
    try:
        if (policy.users or policy.groups) and not await _belongs(user, policy.users, policy.groups, membership):
            return Refusal(Reason.POLICY_USER)
        if scope is not None:
            protected = policy.protected_tags(scope)
            if protected and not await _belongs(user, policy.protected_users, policy.protected_groups, membership):
                return Refusal(Reason.POLICY_PROTECTED, tags=tuple(protected))
    except MembershipUnknown:
        return Refusal(Reason.MEMBERSHIP_UNVERIFIED)
    return None


def may_confirm(actor: Actor, requester: Actor) -> Refusal | None:
    """Only the requester, from the requester's workspace, may press a prompt's buttons."""
    if actor.team != requester.team or actor.user != requester.user:
        return Refusal(Reason.NOT_REQUESTER, requester=requester.user)
    return None


async def may_undo(
    policy: Policy, membership: Membership | None, actor: Actor, requester: Actor, scope: Scope
) -> Refusal | None:
    """The requester may always undo; anyone else in the requester's workspace only if the policy lets
    them cancel on that scope (with no policy: anyone in an allowed channel)."""
    if actor.user != requester.user:
        refusal = await check(policy, membership, channel=actor.channel, user=actor.user, scope=scope)
        if refusal is not None:
            return refusal
    if actor.team != requester.team:
        return Refusal(Reason.TEAM)
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
