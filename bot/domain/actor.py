"""Who asks and where: the actor of one Slack request, as a plain value. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """The workspace a request came from, the channel it is about, and the user who sent it ("" when unknown)."""

    team: str
    channel: str
    user: str

    def fields(self) -> dict[str, Any]:
        """Who and where, as the first fields of an audit record."""
        return {"team": self.team, "channel": self.channel, "user": self.user}
