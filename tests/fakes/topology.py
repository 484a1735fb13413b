"""What Slack sends and answers in each topology: `auth.test`, `users.info`'s user object, and who a
request says it comes from. The fake Slack answers with these; `tests/test_topologies.py` sends them.

Where the shapes come from:
- `auth.test`: Slack's Web API OpenAPI spec (slackapi/slack-api-specs, `web-api/slack_web_openapi_v2.json`,
  `/auth.test`: `team_id` is a "Team or Enterprise ID", `is_enterprise_install` a boolean); a Grid
  workspace install carries `enterprise_id` and `is_enterprise_install: false` as in Bolt's own Socket
  Mode mock (slackapi/bolt-python, `tests/adapter_tests/socket_mode/mock_web_api_server.py`); an
  org-wide install answers for the organisation ("auth.test answers for the enterprise",
  `../shared/DESIGN.md`; https://api.slack.com/enterprise/apps/reference for `is_enterprise_install`).
- `users.info`'s user: the same spec's `objs_user` (`team_id`, `deleted`, `is_bot`, `is_app_user`,
  `is_restricted`, `is_ultra_restricted`, `tz`, `enterprise_user`) and `objs_enterprise_user`
  (`id`, `enterprise_id`, `enterprise_name`, `is_admin`, `is_owner`, `teams`); its example answer
  (`W012A3CDE`, "spengler") is the model of `slack_user`. A user the token cannot see answers
  `user_not_found` (the method's documented errors).
- Clicks: an org-wide install's `block_actions` has `"team": null`, `enterprise: {id, name}`,
  `is_enterprise_install: true` and the clicker's workspace in `user.team_id`, as in Bolt's
  `tests/slack_bolt/request/test_request.py::test_org_wide_installations_block_actions`. In a Slack
  Connect channel `team.id` is the channel owner's workspace and `user.team_id` the clicker's own; in
  a Grid workspace install `user.team_id` may be the organisation's E… ID (`../shared/DESIGN.md`,
  "Slack topologies"). Commands carry `team_id`, and in Grid `enterprise_id`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NOT_FOUND = {"_not_found": True}  # a user this token cannot see: users.info answers user_not_found


def auth_test_answer(team_id: str, enterprise_id: str | None, *, org_wide: bool = False) -> dict[str, Any]:
    """`auth.test` for the bot token: a workspace (in a Grid organisation with `enterprise_id`), or org-wide."""
    answer: dict[str, Any] = {"ok": True, "url": "https://acme.slack.com/", "team": "Acme", "user": "cancel-downtime",
                              "team_id": team_id, "user_id": "UBOT", "bot_id": "BBOT"}
    if enterprise_id:
        answer |= {"enterprise_id": enterprise_id, "is_enterprise_install": org_wide}
    if org_wide:
        answer |= {"team": "Acme Org", "team_id": enterprise_id, "url": "https://acme-org.enterprise.slack.com/"}
    return answer


def slack_user(
    user_id: str, team_id: str, *, enterprise: str | None = None, teams: tuple[str, ...] = (), guest: str = "",
    bot: bool = False, deleted: bool = False, tz: str = "Europe/London",
) -> dict[str, Any]:
    """A user object as `users.info` answers it (`guest`: "multi" or "single"; `teams`: the Grid workspaces)."""
    user: dict[str, Any] = {
        "id": user_id, "team_id": team_id, "name": user_id.lower(), "deleted": deleted, "color": "9f69e7",
        "real_name": f"Person {user_id}", "tz": tz, "tz_label": "Greenwich Mean Time", "tz_offset": 0,
        "profile": {"real_name": f"Person {user_id}", "display_name": user_id.lower(), "team": team_id},
        "is_admin": False, "is_owner": False, "is_primary_owner": False,
        "is_restricted": guest in ("multi", "single"), "is_ultra_restricted": guest == "single",
        "is_bot": bot, "is_app_user": False, "updated": 1700000000, "has_2fa": False,
    }
    if enterprise:
        user["enterprise_user"] = {"id": user_id, "enterprise_id": enterprise, "enterprise_name": "Org",
                                   "is_admin": False, "is_owner": False, "teams": list(teams or (team_id,))}
    if deleted:
        user["profile"]["status_text"] = ""
    return user


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
