"""Who may act on what, where: who the person is, the access policy, and who may take a pending action.
Slack-free.

First the person (`admit`): by default only members of the served workspace or Grid organisation
get in; guests only with `ALLOW_GUESTS`, guests and external (Slack Connect) people when their ID is
in `ALLOWED_USER_IDS`; bots and deactivated accounts never. Who a person is comes from `People`
(Slack's `users.info` in `bot.slack.people`, cached briefly); when Slack cannot say, the check
refuses. Then the policy (`bot.domain.policy`), at the command and again at every click. Group
membership comes from a `Membership` (`usergroups.users.list`, cached briefly); when it cannot tell,
the check fails closed. Decisions are `Refusal`s, codes and data: the words a person reads are in
`bot.slack.views.notices`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.audit import Reason
from bot.domain.actor import Actor, Kind, Person, Served
from bot.domain.policy import Policy
from bot.domain.scope import Selection
from bot.errors import MembershipUnknown, PersonUnknown


class Act(StrEnum):
    """What a refused request wanted to do, so that its refusal says what was not done."""

    CANCEL = "cancel"  # the command with a scope, a near miss's Preview, the prompt's confirm
    LIST = "list"  # `/cancel-downtime list`
    KEEP = "keep"  # the prompt's Keep button
    UNDO = "undo"  # the report's Undo


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused: its code, and what the refusal names (the protected tags, the requester)."""

    code: Reason
    tags: tuple[str, ...] = ()
    requester: str = ""


class Membership(Protocol):
    """Who is in a Slack user group; raises MembershipUnknown when it cannot tell."""

    async def members(self, group_id: str, team: str = "") -> frozenset[str]:
        """The user IDs in the group (`team`: the workspace asked from, which an org-wide token must name)."""
        ...


class People(Protocol):
    """Who a Slack user is; raises PersonUnknown when Slack cannot say."""

    async def person(self, user_id: str) -> Person:
        """What Slack says of the user."""
        ...

    def prefetch(self, user_id: str) -> None:
        """Start finding out, so that `person` waits less (or not at all) when it is asked."""
        ...


_KIND_REFUSALS = {Kind.GUEST: Reason.GUEST, Kind.SINGLE_CHANNEL_GUEST: Reason.GUEST, Kind.EXTERNAL: Reason.EXTERNAL,
                  Kind.BOT: Reason.BOT_USER, Kind.DEACTIVATED: Reason.DEACTIVATED}


async def admit(policy: Policy, people: People, served: Served | None, actor: Actor) -> Refusal | None:
    """None if this person may use the bot at all; otherwise why not (Slack unable to say is a refusal)."""
    if served is None or not actor.user:
        return Refusal(Reason.PERSON_UNVERIFIED)
    try:
        kind = served.kind_of(await people.person(actor.user))
    except PersonUnknown:
        return Refusal(Reason.PERSON_UNVERIFIED)
    return None if let_in(policy, kind, actor.user) else Refusal(_KIND_REFUSALS[kind])


def let_in(policy: Policy, kind: Kind, user: str) -> bool:
    """Members always; guests with ALLOW_GUESTS; guests and externals named in ALLOWED_USER_IDS; never bots
    or deactivated accounts."""
    if kind is Kind.MEMBER:
        return True
    if kind in (Kind.GUEST, Kind.SINGLE_CHANNEL_GUEST):
        return policy.guests or user in policy.users
    return kind is Kind.EXTERNAL and user in policy.users


async def check(
    policy: Policy, membership: Membership | None, *, channel: str, user: str, scope: Selection | None, team: str = ""
) -> Refusal | None:
    """None if `user` (asking from workspace `team`) may act on `scope` in `channel`; otherwise why not."""
    if policy.channels and channel not in policy.channels:
        return Refusal(Reason.POLICY_CHANNEL)
    try:
        if (policy.users or policy.groups) and not await _belongs(user, policy.users, policy.groups, membership, team):
            return Refusal(Reason.POLICY_USER)
        if scope is not None:
            protected = policy.protected_tags(scope)
            if protected and not await _belongs(
                user, policy.protected_users, policy.protected_groups, membership, team
            ):
                return Refusal(Reason.POLICY_PROTECTED, tags=tuple(protected))
    except MembershipUnknown:
        return Refusal(Reason.MEMBERSHIP_UNVERIFIED)
    return None


def may_confirm(actor: Actor, requester: Actor) -> Refusal | None:
    """Only the requester, from the requester's own workspace, may press a prompt's buttons (whether the
    person still belongs is `admit`, at every click)."""
    if not same_person(actor, requester):
        return Refusal(Reason.NOT_REQUESTER, requester=requester.user)
    return None


def same_person(one: Actor, other: Actor) -> bool:
    """The same user ID from the same home: the same workspace, or in Grid the same organisation (a click may
    name the organisation where the command named the workspace)."""
    if one.user != other.user:
        return False
    home, other_home = one.user_team or one.team, other.user_team or other.team
    if home == other_home:
        return True
    org = one.enterprise
    return bool(org) and org == other.enterprise and org in (home, other_home)


async def may_undo(
    policy: Policy, membership: Membership | None, actor: Actor, requester: Actor, scope: Selection
) -> Refusal | None:
    """The requester may always undo; anyone else `admit`ted only if the policy lets them cancel on that
    scope (with no policy: any member, in an allowed channel)."""
    if not same_person(actor, requester):
        return await check(policy, membership, channel=actor.channel, user=actor.user, scope=scope, team=actor.team)
    return None


async def _belongs(
    user: str, users: frozenset[str], groups: Iterable[str], membership: Membership | None, team: str
) -> bool:
    if user in users:
        return True
    for group in groups:
        if membership is None:
            raise MembershipUnknown("no membership source")
        if user in await membership.members(group, team):
            return True
    return False
