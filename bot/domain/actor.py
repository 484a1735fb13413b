"""Who asks, from where, and whom the bot serves: the actor of one Slack request, as plain values. Pure.

Slack's topologies decide what a payload can tell:
- one workspace: the request's workspace is the user's;
- Enterprise Grid, workspace install: the bot serves one workspace of an organisation; a user may
  belong to several of its workspaces (`users.info` lists them);
- Grid, org-wide install: the bot serves every workspace of the organisation;
- Slack Connect: a channel shared with another organisation, whose members can press the bot's
  buttons; a click's `team.id` is then the channel owner's workspace, `user.team_id` the clicker's;
- guests (single- and multi-channel) look like members in every payload.
So who the person is (member, guest, external, bot, deactivated) comes from `users.info`, a
`Person`, judged against the `Served` workspace or organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Actor:
    """One request's who and where, read once from the payload ("" when the payload does not say).

    `team` is the workspace the request came from (a click's `team.id`, a command's `team_id`),
    `user_team` the user's own workspace or organisation as the payload names it (a click's
    `user.team_id`), `enterprise` the Grid organisation the request came from.
    """

    team: str
    channel: str
    user: str
    enterprise: str = ""
    user_team: str = ""

    def fields(self) -> dict[str, Any]:
        """Who and where, as the first fields of an audit record (the Grid fields only when present)."""
        found: dict[str, Any] = {"team": self.team, "channel": self.channel, "user": self.user}
        if self.enterprise:
            found["enterprise"] = self.enterprise
        if self.user_team and self.user_team != self.team:
            found["user_team"] = self.user_team
        return found


class Kind(StrEnum):
    """What kind of account a person is, to the workspace or organisation the bot serves."""

    MEMBER = "member"
    GUEST = "guest"  # a multi-channel guest (`is_restricted`)
    SINGLE_CHANNEL_GUEST = "single_channel_guest"  # `is_ultra_restricted`
    EXTERNAL = "external"  # another organisation (Slack Connect), or another workspace of the Grid org
    BOT = "bot"  # a bot or app user
    DEACTIVATED = "deactivated"


@dataclass(frozen=True)
class Person:
    """What Slack's `users.info` says of a user; `found` False when Slack knows no such user for this token."""

    id: str
    team: str = ""  # `team_id`: the user's home workspace (or organisation)
    enterprise: str = ""  # `enterprise_user.enterprise_id`: the user's Grid organisation
    teams: frozenset[str] = frozenset()  # `enterprise_user.teams`: every workspace of the org the user is in
    deleted: bool = False
    bot: bool = False  # `is_bot` or `is_app_user`
    restricted: bool = False  # `is_restricted`: a guest
    ultra_restricted: bool = False  # `is_ultra_restricted`: a single-channel guest
    tz: str = ""  # the IANA zone the user set in Slack, "" when none
    name: str = ""  # the name Slack shows (`real_name`, else `name`)
    found: bool = True


@dataclass(frozen=True)
class Served:
    """The workspace (workspace install) or Grid organisation (org-wide install) the bot serves."""

    team: str  # T…; "" for an org-wide install
    enterprise: str = ""  # E…; "" outside Enterprise Grid
    org_wide: bool = False

    def describe(self) -> str:
        """For logs and `check`: which install this is."""
        if self.org_wide:
            return f"org-wide install in Grid organisation {self.enterprise}"
        where = f"workspace {self.team}"
        return where + (f" of Grid organisation {self.enterprise}" if self.enterprise else "")

    def may_come_from(self, actor: Actor) -> bool:
        """Whether a request names the served workspace or organisation as where it, or its user, came from.

        Only the origin: whether the person belongs is `kind_of` (a Slack Connect click in the served
        workspace's channel comes from it, and its user does not belong).
        """
        if self.org_wide:
            return self.enterprise in (actor.enterprise, actor.user_team, actor.team)
        if self.team in (actor.team, actor.user_team):
            return True
        # A member of a Grid workspace install clicking in a channel another workspace hosts: the
        # click names the organisation as the user's team; `users.info` tells if they are in ours.
        return bool(self.enterprise) and actor.user_team == self.enterprise

    def kind_of(self, person: Person) -> Kind:
        """What this person is to the served workspace or organisation."""
        if not person.found:
            return Kind.EXTERNAL  # a user this token cannot see is no member of ours
        if person.deleted:
            return Kind.DEACTIVATED
        if person.bot:
            return Kind.BOT
        if self.org_wide:
            belongs = self.enterprise in (person.enterprise, person.team)
        else:
            belongs = person.team == self.team or self.team in person.teams
        if not belongs:
            return Kind.EXTERNAL
        if person.ultra_restricted:
            return Kind.SINGLE_CHANNEL_GUEST
        if person.restricted:
            return Kind.GUEST
        return Kind.MEMBER
