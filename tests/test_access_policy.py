"""The access policy: allow-lists, protected scopes, group membership (cached, failing closed)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.config import Settings
from bot.domain.policy import Policy
from bot.domain.scope import parse_scope
from bot.errors import ConfigError, MembershipUnknown
from bot.slack.views import notices
from bot.usecases.access import check
from tests.fakes import FakeDatadog, FakeSlack
from tests.helpers import BotWith, base_env, button_value, prompt_for

PROD = parse_scope("env:prod,service:api")
STAGING = parse_scope("env:staging")


@dataclass
class Groups:
    """A hand-written membership source; `broken` makes every lookup fail."""

    members_of: dict[str, set[str]] = field(default_factory=dict)
    broken: bool = False
    lookups: int = 0

    async def members(self, group_id: str, team: str = "") -> frozenset[str]:
        self.lookups += 1
        if self.broken:
            raise MembershipUnknown(group_id)
        return frozenset(self.members_of.get(group_id, set()))


async def test_no_policy_allows_everyone_everywhere() -> None:
    """The default policy refuses nobody and looks nothing up."""
    groups = Groups()
    assert await check(Policy(), groups, channel="C1", user="U1", scope=PROD) is None
    assert groups.lookups == 0


async def test_channels_and_users_are_restricted() -> None:
    """Outside the allowed channels, or not an allowed user nor group member: refused with a code."""
    policy = Policy(channels=frozenset({"C_OPS"}), users=frozenset({"U_ALICE"}), groups=frozenset({"S_SRE"}))
    groups = Groups({"S_SRE": {"U_BOB"}})
    refusal = await check(policy, groups, channel="C_RANDOM", user="U_ALICE", scope=PROD)
    assert refusal is not None
    assert refusal.code == "policy_channel"
    assert await check(policy, groups, channel="C_OPS", user="U_ALICE", scope=PROD) is None
    assert await check(policy, groups, channel="C_OPS", user="U_BOB", scope=PROD) is None
    refusal = await check(policy, groups, channel="C_OPS", user="U_EVE", scope=PROD)
    assert refusal is not None
    assert refusal.code == "policy_user"


async def test_protected_scopes_need_their_owners() -> None:
    """A scope with a tag matching a protected pattern is for its named users and groups only."""
    policy = Policy(protected=("env:prod", "service:pay*"), protected_users=frozenset({"U_LEAD"}),
                    protected_groups=frozenset({"S_DBA"}))
    groups = Groups({"S_DBA": {"U_DBA"}})
    refusal = await check(policy, groups, channel="C", user="U_DEV", scope=PROD)
    assert refusal is not None
    assert refusal.code == "policy_protected"
    assert refusal.tags == ("env:prod",)
    assert "`env:prod`" in notices.refused(refusal)["text"]
    assert await check(policy, groups, channel="C", user="U_LEAD", scope=PROD) is None
    assert await check(policy, groups, channel="C", user="U_DBA", scope=PROD) is None
    assert await check(policy, groups, channel="C", user="U_DEV", scope=STAGING) is None
    payments = parse_scope("service:payments-eu")
    assert (await check(policy, groups, channel="C", user="U_DEV", scope=payments)) is not None


async def test_membership_failure_fails_closed() -> None:
    """When Slack cannot say who is in a group, the answer is no."""
    policy = Policy(groups=frozenset({"S_SRE"}))
    refusal = await check(policy, Groups(broken=True), channel="C", user="U1", scope=PROD)
    assert refusal is not None
    assert refusal.code == "membership_unverified"
    refusal = await check(policy, None, channel="C", user="U1", scope=PROD)
    assert refusal is not None
    assert refusal.code == "membership_unverified"


def test_policy_is_read_from_the_environment() -> None:
    """Every option is parsed; malformed IDs and patterns are configuration problems."""
    env = {**base_env(), "ALLOWED_CHANNEL_IDS": "C1AB, G2CD", "ALLOWED_USERGROUP_IDS": "S123",
           "PROTECTED_SCOPES": "ENV:prod, service:pay*", "PROTECTED_SCOPE_USER_IDS": "U0LEAD"}
    policy = Settings.from_env(env).policy
    assert policy.channels == {"C1AB", "G2CD"}
    assert policy.protected == ("env:prod", "service:pay*")
    assert policy.uses_groups
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({**base_env(), "ALLOWED_USER_IDS": "alice", "PROTECTED_SCOPES": "prod"})
    text = str(caught.value)
    assert "ALLOWED_USER_IDS" in text
    assert "PROTECTED_SCOPES entries" in text
    assert "PROTECTED_SCOPES needs" in text


async def test_policy_end_to_end_with_slack_user_groups(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Groups come from usergroups.users.list (cached); non-members are refused; members cancel."""
    fake_datadog.add_v1(["env:prod"])
    fake_slack.usergroups["S0SRE"] = ["U_ALICE"]
    async with bot_with(ALLOWED_USERGROUP_IDS="S0SRE") as slack:
        await slack.command("env:prod", name="bob", user_id="U_BOB")
        (answer,) = await fake_slack.wait_for(lambda r: r.path == "/response/bob")
        assert "not on the list" in answer.json()["text"]
        prompt = await prompt_for(slack, fake_slack, "env:prod")
        await slack.click("cancel_downtime_confirm", button_value(prompt, "cancel_downtime_confirm"))
        await fake_slack.wait_for(lambda r: b"in_channel" in r.body)
    lookups = fake_slack.received(lambda r: r.path == "/api/usergroups.users.list")
    assert len(lookups) == 1  # command, command and click: one lookup, then the cache


async def test_unknown_group_fails_closed_end_to_end(
    bot_with: BotWith, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """A group Slack will not list means nobody passes, and Datadog is never asked."""
    async with bot_with(ALLOWED_USERGROUP_IDS="S0GONE") as slack:
        answer = await prompt_for(slack, fake_slack, "env:prod")
    assert "could not confirm your user group membership" in answer["text"]
    assert all(r.path == "/api/v1/validate" for r in fake_datadog.requests)
