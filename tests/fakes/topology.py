"""The Slack topologies the tests try: each set-up, the person acting in it, how their requests look, and
whether they may act by default. The shapes themselves are the sandbox's (`bot.sandbox.people`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.people import NOT_FOUND, auth_test_answer, slack_user

__all__ = ["NOT_FOUND", "TOPOLOGIES", "Topology", "auth_test_answer", "slack_user"]


@dataclass(frozen=True)
class Topology:
    """A Slack set-up, the person acting in it, how their requests look, and whether they may act by default."""

    name: str
    team_id: str = "T0001"  # the bot token's workspace (auth.test)
    enterprise_id: str | None = None  # its Grid organisation
    org_wide: bool = False
    user: str = "U_ALICE"
    person: dict[str, Any] = field(default_factory=dict)  # users.info's user ({} : a member of team_id)
    command: dict[str, Any] | None = field(default_factory=dict)  # command_body options; None: cannot run it
    click: dict[str, Any] = field(default_factory=dict)  # action_body options
    may: bool = True
    reason: str = ""  # the audit reason of a refusal


TOPOLOGIES = [
    Topology("one workspace, member"),
    Topology(
        "Grid workspace install, member", enterprise_id="E0001", user="W_ALICE",
        person=slack_user("W_ALICE", "T0001", enterprise="E0001", teams=("T0001", "T0002")),
        command={"enterprise_id": "E0001"}, click={"enterprise_id": "E0001", "user_team_id": "E0001"},
    ),
    Topology(
        "Grid workspace install, member of another workspace of the org", enterprise_id="E0001", user="W_OTHER",
        person=slack_user("W_OTHER", "T0002", enterprise="E0001", teams=("T0002",)),
        command=None, click={"enterprise_id": "E0001", "user_team_id": "T0002"}, may=False, reason="external",
    ),
    Topology(
        "Grid org-wide install, member", team_id="T0002", enterprise_id="E0001", org_wide=True, user="W_ALICE",
        person=slack_user("W_ALICE", "T0002", enterprise="E0001", teams=("T0002",)),
        command={"team_id": "T0002", "enterprise_id": "E0001", "is_enterprise_install": True},
        click={"team_id": None, "user_team_id": "T0002", "enterprise_id": "E0001", "is_enterprise_install": True},
    ),
    Topology(
        "Slack Connect, a non-Grid organisation", user="U_VENDOR", person=slack_user("U_VENDOR", "T_VENDOR"),
        command=None, click={"user_team_id": "T_VENDOR"}, may=False, reason="external",
    ),
    Topology(
        "Slack Connect, a Grid organisation", enterprise_id="E0001", user="W_PARTNER",
        person=slack_user("W_PARTNER", "T_PARTNER", enterprise="E_PARTNER"),
        command=None, click={"enterprise_id": "E0001", "user_team_id": "E_PARTNER"}, may=False, reason="external",
    ),
    Topology(
        "Slack Connect, our member in a channel the other organisation hosts", user="U_ALICE",
        click={"team_id": "T_VENDOR", "user_team_id": "T0001"},
    ),
    Topology(
        "Slack Connect, a user this token cannot see", user="U_HIDDEN", person=NOT_FOUND,
        command=None, click={"user_team_id": "T_VENDOR"}, may=False, reason="external",
    ),
    Topology("multi-channel guest", user="U_GUEST", person=slack_user("U_GUEST", "T0001", guest="multi"),
             may=False, reason="guest"),
    Topology("single-channel guest", user="U_SCG", person=slack_user("U_SCG", "T0001", guest="single"),
             may=False, reason="guest"),
    Topology("bot user", user="U_BOTUSER", person=slack_user("U_BOTUSER", "T0001", bot=True),
             may=False, reason="bot_user"),
    Topology("deactivated user", user="U_GONE", person=slack_user("U_GONE", "T0001", deleted=True),
             may=False, reason="deactivated"),
]
