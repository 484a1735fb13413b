"""Listeners called directly, as Bolt calls them, with hand-written ack, respond and Slack client, and the
loopback fake Datadog behind the real client."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from slack_bolt.async_app import AsyncBoltContext

from bot.datadog.client import DatadogClient
from bot.datadog.downtimes import CANCEL_BY_SCOPE
from bot.datadog.http import DatadogHTTP, RetryPolicy
from bot.domain.actor import Actor, Served
from bot.domain.policy import Policy
from bot.slack.inflight import Inflight
from bot.slack.listeners.actor import ACTOR_KEY
from bot.slack.listeners.clicks import message_click
from bot.slack.listeners.command import handle_cancel_downtime
from bot.slack.listeners.prompt import confirm as confirm_click
from bot.slack.listeners.prompt import keep as keep_click
from bot.slack.services import Services
from bot.slack.views.action_ids import CONFIRM_ACTION, KEEP_ACTION
from bot.state.pending import MemoryPendingActions
from tests.fakes import FakeDatadog, Recorded, Reply
from tests.helpers import DD_API_KEY, DD_APP_KEY, Clock, StaticPeople


@dataclass
class WebhookResult:
    status_code: int


@dataclass
class FakeRespond:
    """Records every response_url post; answers `status` or raises when `fail` is set."""

    status: int = 200
    fail: bool = False
    posts: list[dict[str, Any]] = field(default_factory=list)
    response_url: str = "https://hooks.slack.test/actions/T1/1/x"

    async def __call__(self, **message: Any) -> WebhookResult:
        self.posts.append(message)
        if self.fail:
            raise ConnectionError("response_url unreachable")
        return WebhookResult(self.status)


@dataclass
class FakeClient:
    """Records chat.postMessage calls; raises when `fail` is set."""

    fail: bool = False
    posted: list[dict[str, Any]] = field(default_factory=list)

    async def chat_postMessage(self, **kwargs: Any) -> None:
        self.posted.append(kwargs)
        if self.fail:
            raise ConnectionError("slack down")

    async def chat_postEphemeral(self, **kwargs: Any) -> None:
        self.posted.append({"ephemeral": True, **kwargs})
        if self.fail:
            raise ConnectionError("slack down")


class Acks:
    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> None:
        self.count += 1


@dataclass
class World:
    datadog: FakeDatadog
    services: Services
    store: MemoryPendingActions
    clock: Clock

    def context(self, user: str) -> AsyncBoltContext:
        """What Bolt's context holds for a request from `user` in workspace T1, channel C1."""
        return AsyncBoltContext({"services": self.services, "team_id": "T1", "channel_id": "C1", "user_id": user,
                                 ACTOR_KEY: Actor("T1", "C1", user, user_team="T1")})

    def cancels(self) -> list[Recorded]:
        return self.datadog.received(lambda r: r.path == CANCEL_BY_SCOPE)


async def make_world(fake_datadog: FakeDatadog, **options: Any) -> AsyncIterator[World]:
    clock = Clock()
    store = MemoryPendingActions(600, clock=clock)
    http = DatadogHTTP(fake_datadog.url, DD_API_KEY, DD_APP_KEY, timeout=2, policy=RetryPolicy(attempts=1))
    client = DatadogClient(http)
    options = {"people": StaticPeople("T1"), "served": lambda: Served("T1"), **options}
    services = Services(client, store, Inflight(), "https://app.datadoghq.com", **options)
    yield World(fake_datadog, services, store, clock)
    await client.aclose()


@pytest.fixture
async def world(fake_datadog: FakeDatadog) -> AsyncIterator[World]:
    """One v1 downtime on env:prod in Datadog; no access policy."""
    fake_datadog.add_v1(["env:prod"])
    async for made in make_world(fake_datadog):
        yield made


async def settle(world: World) -> None:
    """Wait for the work the handler spawned after its ack."""
    assert await world.services.inflight.wait_idle(5)


async def ask(world: World, text: str = "env:prod", user: str = "U1") -> str:
    """Run the command and return the confirmation ID put into the buttons."""
    respond = FakeRespond()
    await handle_cancel_downtime(Acks(), {"text": text}, respond, world.context(user))  # type: ignore[arg-type]
    await settle(world)
    (prompt,) = respond.posts
    actions = next(b for b in prompt["blocks"] if b["type"] == "actions")
    value: str = actions["elements"][0]["value"]
    return value


async def confirm(world: World, value: str, *, user: str = "U1", respond: FakeRespond | None = None,
                  client: FakeClient | None = None) -> tuple[FakeRespond, FakeClient, Acks]:
    respond = respond or FakeRespond()
    client = client or FakeClient()
    acks = Acks()
    action = {"action_id": CONFIRM_ACTION, "value": value}
    await message_click(confirm_click)(acks, action, respond, client, world.context(user))
    await settle(world)
    return respond, client, acks


async def keep(world: World, value: str, *, user: str = "U1") -> FakeRespond:
    respond = FakeRespond()
    action = {"action_id": KEEP_ACTION, "value": value}
    await message_click(lambda s, a, act, r, _: keep_click(s, a, act, r))(Acks(), action, respond, FakeClient(),
                                                                            world.context(user))
    await settle(world)
    return respond


async def test_command_acks_and_prompts_without_calling_datadog(world: World) -> None:
    """The command acks once and registers one pending confirmation; nothing is cancelled."""
    acks = Acks()
    respond = FakeRespond()
    await handle_cancel_downtime(acks, {"text": "env:prod"}, respond, world.context("U1"))  # type: ignore[arg-type]
    await settle(world)
    assert acks.count == 1
    assert len(world.store) == 1
    assert respond.posts[0]["response_type"] == "ephemeral"
    assert world.cancels() == []


async def test_invalid_scope_creates_nothing(world: World) -> None:
    """An invalid scope is answered and leaves no pending confirmation."""
    respond = FakeRespond()
    await handle_cancel_downtime(Acks(), {"text": "env:prod OR x:y"}, respond, world.context("U1"))  # type: ignore[arg-type]
    await settle(world)
    assert len(world.store) == 0
    assert "AND, OR and NOT" in respond.posts[0]["text"]


async def test_confirm_cancels_and_reports(fake_datadog: FakeDatadog) -> None:
    """Confirm: ack, replace the prompt, cancel the canonical scope, report in channel, delete the prompt."""
    fake_datadog.add_v1(["service:api", "env:prod"])
    async for world in make_world(fake_datadog):
        value = await ask(world, "Service:API,env:prod")
        respond, client, acks = await confirm(world, value)
        assert acks.count == 1
        assert [r.json() for r in world.cancels()] == [{"scope": "env:prod,service:api"}]
        replaced, outcome, deleted = respond.posts
        assert replaced["replace_original"] is True
        assert outcome["response_type"] == "in_channel"
        assert "cancelled 1 downtime" in outcome["text"]
        assert deleted == {"delete_original": True}
        assert client.posted == []


async def test_expired_confirmation_cancels_nothing(world: World) -> None:
    """A click after the lifetime is told it expired, the buttons are removed, and Datadog is not called."""
    value = await ask(world)
    world.clock.now += 601
    respond, _, _ = await confirm(world, value)
    (message,) = respond.posts
    assert "expired" in message["text"]
    assert "/cancel-downtime env:prod" in message["text"]
    assert message["replace_original"] is True
    assert world.cancels() == []


async def test_keep_then_confirm_cancels_nothing(world: World) -> None:
    """Keep uses up the confirmation."""
    value = await ask(world)
    assert "Kept" in (await keep(world, value)).posts[0]["text"]
    again, _, _ = await confirm(world, value)
    assert "no longer pending" in again.posts[0]["text"]
    assert world.cancels() == []


async def test_wrong_user_keep_is_refused(world: World) -> None:
    """Someone else cannot press keep either; the requester's confirmation stays usable."""
    value = await ask(world)
    assert "Only <@U1>" in (await keep(world, value, user="U2")).posts[0]["text"]
    await confirm(world, value)
    assert [r.json() for r in world.cancels()] == [{"scope": "env:prod"}]


async def test_failure_is_reported_in_channel(world: World) -> None:
    """A Datadog error becomes the failure message in the channel."""
    world.datadog.reply("POST", CANCEL_BY_SCOPE, Reply(500, {"errors": ["boom"]}))
    respond, _, _ = await confirm(world, await ask(world))
    assert "none was cancelled" in respond.posts[1]["text"]
    assert "internal error (HTTP 500)" in str(respond.posts[1]["blocks"])


async def test_response_url_failure_falls_back_to_post_message(world: World) -> None:
    """When the response_url post fails, the report goes to the channel through chat.postMessage."""
    _, client, _ = await confirm(world, await ask(world), respond=FakeRespond(status=410))
    (posted,) = client.posted
    assert posted["channel"] == "C1"
    assert "cancelled 1 downtime" in posted["text"]


async def test_undeliverable_report_is_kept_in_the_audit_log(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """When both Slack paths fail, the report is written to the audit log and nothing raises."""
    caplog.set_level(logging.INFO, logger="bot.audit")
    await confirm(world, await ask(world), respond=FakeRespond(fail=True), client=FakeClient(fail=True))
    undelivered = [r for r in caplog.records if r.getMessage() == "undelivered"]
    assert len(undelivered) == 1
    assert "cancelled 1 downtime" in undelivered[0].audit["text"]  # type: ignore[attr-defined]


async def test_every_decision_is_audited(world: World, caplog: pytest.LogCaptureFixture) -> None:
    """requested, refused, confirmed and cancelled each write one audit record with who and what."""
    caplog.set_level(logging.INFO, logger="bot.audit")
    value = await ask(world)
    await confirm(world, value, user="U2")
    await confirm(world, value)
    events = [r.audit for r in caplog.records if r.name == "bot.audit"]  # type: ignore[attr-defined]
    assert [e["event"] for e in events] == ["requested", "refused", "confirmed", "cancelled"]
    assert events[1]["reason"] == "not_requester"
    (downtime,) = world.datadog.downtimes.values()
    assert events[3]["downtime_ids"] == [str(downtime["v1_id"])]
    assert all(e["team"] == "T1" and e["channel"] == "C1" for e in events)


async def test_policy_is_checked_again_at_the_click(fake_datadog: FakeDatadog) -> None:
    """Removed from the allowed group between command and click: the click is refused, nothing cancelled."""
    members = {"S1": {"U1"}}

    class Groups:
        async def members(self, group_id: str, team: str = "") -> frozenset[str]:
            return frozenset(members[group_id])

    fake_datadog.add_v1(["env:prod"])
    async for world in make_world(fake_datadog, policy=Policy(groups=frozenset({"S1"})), membership=Groups()):
        value = await ask(world)
        members["S1"] = set()
        respond, _, _ = await confirm(world, value)
        (refusal,) = respond.posts
        assert "not on the list" in refusal["text"]
        assert refusal["replace_original"] is True
        assert world.cancels() == []


async def test_handlers_return_after_the_ack_before_any_work(world: World) -> None:
    """The command and click handlers ack and return; Datadog is called only by the work they spawn."""
    acks = Acks()
    respond = FakeRespond()
    await handle_cancel_downtime(acks, {"text": "env:prod"}, respond, world.context("U1"))  # type: ignore[arg-type]
    assert (acks.count, respond.posts, len(world.store), world.datadog.requests) == (1, [], 0, [])
    await settle(world)
    assert len(respond.posts) == 1
