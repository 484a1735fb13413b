"""The access policy as configured: allowed channels, users and user groups, protected scopes. Pure.

With no option set, any member of the served workspace (or Grid organisation) may use the bot in any
channel; guests and people from other organisations (Slack Connect) may not. Each option narrows it,
except the two that let people in:
- `ALLOW_GUESTS`: guests (single- and multi-channel) are let in like members.
- a user ID in `ALLOWED_USER_IDS` lets that person in, guest or external.
- `ALLOWED_CHANNEL_IDS`: only in these channels.
- `ALLOWED_USER_IDS`, `ALLOWED_USERGROUP_IDS`: only these users, or members of these user groups.
- `PROTECTED_SCOPES`: tag patterns (`env:prod`, `service:payments-*`); a scope with a tag matching
  one may be cancelled only by `PROTECTED_SCOPE_USER_IDS` or members of
  `PROTECTED_SCOPE_USERGROUP_IDS`.
Checking a request against it is `bot.usecases.access`.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from bot.domain.scope import Selection


@dataclass(frozen=True)
class Policy:
    """The configured restrictions; empty sets mean "no restriction" (protected ones mean nobody)."""

    channels: frozenset[str] = frozenset()
    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    protected: tuple[str, ...] = ()
    protected_users: frozenset[str] = frozenset()
    protected_groups: frozenset[str] = frozenset()
    guests: bool = False  # ALLOW_GUESTS

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
        if self.guests:
            parts.append("guests allowed")
        if self.protected:
            who = sorted(self.protected_users | self.protected_groups)
            parts.append(f"protected scopes {', '.join(self.protected)} (only {', '.join(who)})")
        return "; ".join(parts) or "none"

    def protected_tags(self, scope: Selection) -> list[str]:
        """The scope's tags that match a protected pattern."""
        return [tag for tag in scope.tags if any(fnmatch.fnmatchcase(tag, p) for p in self.protected)]
