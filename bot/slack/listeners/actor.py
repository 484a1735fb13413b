"""The actor of a request, from Bolt's context: built once per request, passed down to everything after."""

from __future__ import annotations

from slack_bolt.async_app import AsyncBoltContext

from bot.domain.actor import Actor


def actor_of(context: AsyncBoltContext) -> Actor:
    """Who sent the request and where: Bolt has read the workspace, channel and user from the payload
    (for a click, the workspace is `team.id`, else `user.team_id`)."""
    return Actor(team=context.team_id or "", channel=context.channel_id or "", user=context.user_id or "")
