"""The actor of a request: built once, by the guard, from Bolt's context and the payload; read here after."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncBoltContext

from bot.domain.actor import Actor

ACTOR_KEY = "actor"


def read_actor(context: AsyncBoltContext, body: dict[str, Any]) -> Actor:
    """Who sent the request and where, as Bolt and the payload say.

    Bolt reads the workspace (a click's `team.id`, else `user.team_id`; a command's `team_id`), the
    organisation, the channel and the user. The user's own workspace is the click's `user.team_id`
    (in a Slack Connect channel, not the channel owner's `team.id`); a command names only one workspace,
    the one it was typed in.
    """
    user = body.get("user")
    user_team = user.get("team_id") if isinstance(user, dict) else None
    if not isinstance(user, dict):  # a slash command: its form names one workspace
        user_team = body.get("team_id")
    return Actor(
        team=context.team_id or "", channel=context.channel_id or "", user=context.user_id or "",
        enterprise=context.enterprise_id or "", user_team=str(user_team or ""),
    )


def actor_of(context: AsyncBoltContext) -> Actor:
    """The actor the guard put in the context."""
    actor: Actor = context[ACTOR_KEY]
    return actor
