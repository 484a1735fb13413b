"""Who Slack says a person is: `auth.test` for the bot token, and `users.info`'s user object, in each topology.

The sandbox Slack answers with these, and so do the tests' fakes (`tests.fakes.topology`).
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
