"""Only the right people, in every Slack topology: signed requests shaped as Slack sends them (one workspace,
Grid workspace and org-wide installs, Slack Connect with a non-Grid and a Grid organisation, guests, a bot
user, a deactivated user), the command and every button, over HTTP and Socket Mode.

The fake Slack answers `auth.test` and `users.info` as Slack does in each (`tests/fakes/topology.py` says
where the shapes come from). docs/security.md's topology table names these tests.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from bot.slack.views.action_ids import CONFIRM_ACTION, KEEP_ACTION, PREVIEW_ACTION, UNDO_ACTION
from tests.fakes import FakeDatadog, FakeSlack, Reply, action_body, command_body
from tests.fakes.topology import TOPOLOGIES, Topology, slack_user
from tests.helpers import (
    ROOT,
    BotWith,
    SlackSender,
    button_value,
    click_envelope,
    command_envelope,
    socket_bot,
    socket_settings,
)

REFUSAL_WORDS = {
    "external": "belongs to another one",
    "guest": "Guest accounts cannot use this bot",
    "bot_user": "Bot and app accounts",
    "deactivated": "deactivated",
    "person_unverified": "could not confirm who you are",
}


@dataclass
class Via:
    """Sends what Slack sends, over HTTP (signed) or as Socket Mode envelopes."""

    fake_slack: FakeSlack
    http: SlackSender | None = None
    sent: int = 0

    async def command(self, text: str, name: str, user: str, **options: Any) -> Any:
        url = self.fake_slack.response_url(name)
        if self.http is not None:
            return await self.http.post(command_body(text, response_url=url, user_id=user, **options))
        self.sent += 1
        envelope = command_envelope(f"e{self.sent}", url, text=text, user_id=user, **options)
        return await self.fake_slack.push(envelope)

    async def click(self, action_id: str, value: str, name: str, user: str, **options: Any) -> Any:
        url = self.fake_slack.response_url(name)
        if self.http is not None:
            return await self.http.post(action_body(action_id, value, response_url=url, user_id=user, **options))
        self.sent += 1
        return await self.fake_slack.push(click_envelope(f"e{self.sent}", action_id, value, url, user_id=user,
                                                         **options))

    async def answer(self, name: str, where: Callable[[dict[str, Any]], bool] = lambda _: True) -> dict[str, Any]:
        """The first post to response_url `name` that `where` accepts."""
        posted = await self.fake_slack.wait_for(lambda r: r.path == f"/response/{name}" and where(r.json()),
                                                within=8)
        message: dict[str, Any] = posted[0].json()
        return message


@pytest.fixture(params=["http", "socket"])
def bot_via(request: pytest.FixtureRequest, bot_with: BotWith, fake_slack: FakeSlack,
            fake_datadog: FakeDatadog) -> Callable[..., Any]:
    """Start a bot with these settings in HTTP or Socket Mode: `async with bot_via(X="1") as via`."""

    @asynccontextmanager
    async def start(**env: str) -> AsyncIterator[Via]:
        if request.param == "http":
            async with bot_with(**env) as sender:
                yield Via(fake_slack, sender)
        else:
            async with socket_bot(socket_settings(fake_slack, fake_datadog, **env)):
                yield Via(fake_slack)

    return start


def arrange(fake_slack: FakeSlack, topology: Topology) -> None:
    """Make the fake Slack the topology's: the token's install, and the person's users.info."""
    fake_slack.team_id = topology.team_id
    fake_slack.enterprise_id = topology.enterprise_id
    fake_slack.org_wide = topology.org_wide
    if topology.person:
        fake_slack.users[topology.user] = topology.person


def member_options(topology: Topology) -> tuple[dict[str, Any], dict[str, Any]]:
    """How a member's command and click look in this topology's install (Alice, a member)."""
    if topology.org_wide:
        return ({"team_id": topology.team_id, "enterprise_id": topology.enterprise_id, "is_enterprise_install": True},
                {"team_id": None, "user_team_id": topology.team_id, "enterprise_id": topology.enterprise_id,
                 "is_enterprise_install": True})
    grid = {"enterprise_id": topology.enterprise_id} if topology.enterprise_id else {}
    return grid, grid


def refusals(caplog: pytest.LogCaptureFixture, user: str) -> list[str]:
    """The reasons of the refusals audited for `user`."""
    audits: list[dict[str, Any]] = [getattr(r, "audit", {}) for r in caplog.records]
    return [a["reason"] for a in audits if a.get("event") in ("refused", "undo_refused") and a.get("user") == user]


async def members_report(via: Via, topology: Topology, fake_datadog: FakeDatadog) -> tuple[str, str]:
    """Alice (a member) runs the command twice and confirms the first: the Undo's value and the second prompt's."""
    command, click = member_options(topology)
    await via.command("env:prod", "m1", "U_ALICE", **command)
    first = await via.answer("m1")
    await via.click(CONFIRM_ACTION, button_value(first, CONFIRM_ACTION), "m1", "U_ALICE", **click)
    report = await via.answer("m1", lambda m: m.get("response_type") == "in_channel")
    fake_datadog.add_v2("env:prod", start_in=3600)  # not the one Undo re-creates: no duplicate
    await via.command("env:prod", "m2", "U_ALICE", **command)
    second = await via.answer("m2")
    return button_value(report, UNDO_ACTION), button_value(second, KEEP_ACTION)


@pytest.mark.parametrize("topology", TOPOLOGIES, ids=[t.name for t in TOPOLOGIES])
async def test_who_may_act_in_each_topology(
    topology: Topology, bot_via: Callable[..., Any], fake_slack: FakeSlack, fake_datadog: FakeDatadog,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A member runs the command and presses every button; anyone else is refused at each, with why, and
    what they pressed stays for its requester. Nothing an outsider does reaches Datadog."""
    caplog.set_level(logging.INFO, logger="bot.audit")
    arrange(fake_slack, topology)
    fake_datadog.add_v2("env:prod")
    async with bot_via() as via:
        if topology.may:
            await a_member_does_everything(via, topology, fake_datadog)
        else:
            await an_outsider_is_refused_everywhere(via, topology, fake_datadog, caplog)


async def a_member_does_everything(via: Via, topology: Topology, fake_datadog: FakeDatadog) -> None:
    command = topology.command if topology.command is not None else {}
    user = topology.user
    await via.command("env:prod", "cmd", user, **command)
    prompt = await via.answer("cmd")
    await via.click(KEEP_ACTION, button_value(prompt, KEEP_ACTION), "cmd", user, **topology.click)
    assert "Kept the downtimes" in (await via.answer("cmd", lambda m: "Kept" in m["text"]))["text"]
    await via.click(PREVIEW_ACTION, "env:prod", "pre", user, **topology.click)
    previewed = await via.answer("pre")
    await via.click(CONFIRM_ACTION, button_value(previewed, CONFIRM_ACTION), "pre", user, **topology.click)
    report = await via.answer("pre", lambda m: m.get("response_type") == "in_channel")
    assert "cancelled 1 downtime" in report["text"]
    await via.click(UNDO_ACTION, button_value(report, UNDO_ACTION), "undo", user, **topology.click)
    restored = await via.answer("undo")
    assert "restored 1 downtime" in restored["text"]
    assert fake_datadog.received(lambda r: (r.method, r.path) == ("POST", "/api/v2/downtime"))


async def an_outsider_is_refused_everywhere(
    via: Via, topology: Topology, fake_datadog: FakeDatadog, caplog: pytest.LogCaptureFixture
) -> None:
    user, words = topology.user, REFUSAL_WORDS[topology.reason]
    undo_value, prompt_value = await members_report(via, topology, fake_datadog)
    reads_before = len(fake_datadog.requests)
    expected = []
    if topology.command is not None:
        await via.command("env:prod", "o-cmd", user, **topology.command)
        assert words in (await via.answer("o-cmd"))["text"]
        expected.append(topology.reason)
    for name, action_id, value in (("o-pre", PREVIEW_ACTION, "env:prod"), ("o-keep", KEEP_ACTION, prompt_value),
                                   ("o-ok", CONFIRM_ACTION, prompt_value), ("o-undo", UNDO_ACTION, undo_value)):
        await via.click(action_id, value, name, user, **topology.click)
        refusal = (await via.answer(name))["text"]
        assert words in refusal, name
        assert ("cancelled" not in refusal) if action_id == UNDO_ACTION else ("re-created" not in refusal), name
        expected.append(topology.reason)
    assert "Nothing was re-created" in (await via.answer("o-undo"))["text"]
    assert refusals(caplog, user) == expected
    assert fake_datadog.requests[reads_before:] == []
    # What the outsider pressed is still there for its requester.
    _, click = member_options(topology)
    await via.click(UNDO_ACTION, undo_value, "m-undo", "U_ALICE", **click)
    assert "restored 1 downtime" in (await via.answer("m-undo"))["text"]
    await via.click(KEEP_ACTION, prompt_value, "m-keep", "U_ALICE", **click)
    assert "Kept the downtimes" in (await via.answer("m-keep"))["text"]


GUEST = slack_user("U_GUEST", "T0001", guest="multi")


async def test_allow_guests_lets_guests_cancel(
    bot_via: Callable[..., Any], fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """ALLOW_GUESTS=true: a guest runs the command and confirms like a member."""
    fake_slack.users["U_GUEST"] = GUEST
    fake_datadog.add_v2("env:prod")
    async with bot_via(ALLOW_GUESTS="true") as via:
        await via.command("env:prod", "cmd", "U_GUEST")
        prompt = await via.answer("cmd")
        await via.click(CONFIRM_ACTION, button_value(prompt, CONFIRM_ACTION), "cmd", "U_GUEST")
        report = await via.answer("cmd", lambda m: m.get("response_type") == "in_channel")
    assert "cancelled 1 downtime" in report["text"]


@pytest.mark.parametrize(("env", "may"), [({"ALLOWED_CHANNEL_IDS": "C0OPS"}, False),
                                          ({"ALLOWED_USER_IDS": "UALICE,UVENDOR"}, True)],
                         ids=["allowed channel only", "named in ALLOWED_USER_IDS"])
async def test_a_slack_connect_user_may_undo_only_when_named(
    env: dict[str, str], may: bool, bot_via: Callable[..., Any], fake_slack: FakeSlack, fake_datadog: FakeDatadog,
) -> None:
    """In a shared channel, a vendor's member presses the report's Undo: refused with only ALLOWED_CHANNEL_IDS
    (the channel is allowed; the person is not ours), let in when ALLOWED_USER_IDS names them."""
    fake_slack.users["UVENDOR"] = slack_user("UVENDOR", "T_VENDOR")
    fake_datadog.add_v2("env:prod")
    async with bot_via(**env) as via:
        await via.command("env:prod", "cmd", "UALICE", channel_id="C0OPS")
        prompt = await via.answer("cmd")
        await via.click(CONFIRM_ACTION, button_value(prompt, CONFIRM_ACTION), "cmd", "UALICE", channel_id="C0OPS")
        report = await via.answer("cmd", lambda m: m.get("response_type") == "in_channel")
        await via.click(UNDO_ACTION, button_value(report, UNDO_ACTION), "undo", "UVENDOR",
                        user_team_id="T_VENDOR", channel_id="C0OPS")
        answer = (await via.answer("undo"))["text"]
    created = fake_datadog.received(lambda r: (r.method, r.path) == ("POST", "/api/v2/downtime"))
    assert bool(created) is may
    assert ("restored 1 downtime" in answer) is may
    assert ("belongs to another one" in answer) is not may


@pytest.mark.parametrize(("reply", "logged"), [
    (Reply(503, text="down"), "Slack could not say who U_ALICE is"),
    (Reply(200, body={"ok": False, "error": "missing_scope", "needed": "users:read"}), "add users:read"),
], ids=["Slack answers 503", "users:read missing"])
async def test_slack_unable_to_place_the_person_is_a_refusal(
    reply: Reply, logged: str, bot_via: Callable[..., Any], fake_slack: FakeSlack, fake_datadog: FakeDatadog,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """users.info failing gives a definite refusal at the command and at a click, never a silent pass; the
    operator's log says why (for a missing scope, the fix); nothing reaches Datadog's downtimes."""
    caplog.set_level(logging.INFO)
    fake_datadog.add_v2("env:prod")
    async with bot_via() as via:
        fake_slack.users_info_reply = reply
        await via.command("env:prod", "cmd", "U_ALICE")
        assert "could not confirm who you are" in (await via.answer("cmd"))["text"]
        await via.click(PREVIEW_ACTION, "env:prod", "pre", "U_ALICE")
        assert "could not confirm who you are" in (await via.answer("pre"))["text"]
    assert not fake_datadog.received(lambda r: "downtime" in r.path)
    assert logged in caplog.text
    assert refusals(caplog, "U_ALICE") == ["person_unverified"] * 2


@pytest.mark.parametrize(("options", "status"), [
    ({"team_id": None, "user_team_id": None}, 400),  # the HTTP edge: an interaction naming no workspace
    ({"user_team_id": None}, 200),  # the guard: a click not naming its user's workspace
], ids=["no team", "no user team"])
async def test_a_click_that_cannot_be_placed_is_refused_at_the_guard(
    options: dict[str, Any], status: int, bot_via: Callable[..., Any], fake_slack: FakeSlack,
    fake_datadog: FakeDatadog, caplog: pytest.LogCaptureFixture,
) -> None:
    """A signed near-miss Preview click naming no workspace, or not its user's, never reaches a listener: over
    HTTP the edge (400) or the guard refuses; over Socket Mode (no edge) the guard; nothing is read."""
    caplog.set_level(logging.INFO, logger="bot.audit")
    fake_datadog.add_v2("env:prod")
    async with bot_via() as via:
        answer = await via.click(PREVIEW_ACTION, "env:prod", "pre", "U_ALICE", **options)
        if via.http is not None:
            assert answer.status_code == status
        if via.http is None or status == 200:
            assert refusals(caplog, "U_ALICE") == ["no_team"]
            assert "without saying which workspace" in (await via.answer("pre"))["text"]
    assert not fake_datadog.received(lambda r: "downtime" in r.path)
    assert not fake_slack.received(lambda r: r.path == "/api/users.info")


async def test_an_org_wide_install_serves_the_org_and_no_other(
    bot_via: Callable[..., Any], fake_slack: FakeSlack, fake_datadog: FakeDatadog, caplog: pytest.LogCaptureFixture,
) -> None:
    """SLACK_TEAM_ID=E…: the org's workspaces are served (a command from one of them gets its prompt); a
    command from another organisation's workspace is refused as foreign."""
    caplog.set_level(logging.INFO, logger="bot.audit")
    arrange(fake_slack, TOPOLOGIES[3])  # Grid org-wide install
    fake_datadog.add_v2("env:prod")
    command, _ = member_options(TOPOLOGIES[3])
    async with bot_via(SLACK_TEAM_ID="E0001") as via:
        await via.command("env:prod", "ours", "W_ALICE", **command)
        assert button_value(await via.answer("ours"), CONFIRM_ACTION)
        await via.command("env:prod", "theirs", "W_X", team_id="T_X", enterprise_id="E_X", is_enterprise_install=True)
        assert refusals(caplog, "W_X") == ["foreign_workspace_or_app"]


def test_the_security_table_names_each_case_and_each_case_has_a_row() -> None:
    """docs/security.md's topology table and this file's cases are the same list; every test it names exists."""
    text = (ROOT / "docs" / "security.md").read_text()
    section = text[text.index("## Slack topologies"):text.index("**Access policy**")]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| topology")]
    named = [re.findall(r"`([^`]+)`", row.rsplit("|", 2)[-2])[0] for row in rows if "---" not in row]
    assert sorted(named) == sorted(t.name for t in TOPOLOGIES)
    for test in re.findall(r"\(`(test_[a-z_]+)`\)", section):
        assert callable(globals().get(test)), test
