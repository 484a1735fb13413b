"""Listeners called directly with hand-written fakes of ack, respond, the Slack client and Datadog."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pytest
from slack_bolt.async_app import AsyncBoltContext

from bot.confirmations import MemoryConfirmations
from bot.datadog import Alerting, Created, ScopeCancellation
from bot.downtimes import Downtime, Relevant, from_v1
from bot.errors import DatadogError, DatadogServerError
from bot.inflight import Inflight
from bot.listeners.actions import handle_confirm, handle_keep
from bot.listeners.commands import handle_cancel_downtime
from bot.messages import CONFIRM_ACTION
from bot.policy import Policy
from bot.services import Services


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeDatadog:
    """Lists one v1 downtime (ID 11) on whatever scope is asked; records cancel scopes; may raise `error`."""

    ids: tuple[int, ...] = (11,)
    error: DatadogError | None = None
    scopes: list[str] = field(default_factory=list)
    listed_scope: list[str] = field(default_factory=lambda: ["env:prod"])

    async def cancel_by_scope(self, scope: str) -> ScopeCancellation:
        self.scopes.append(scope)
        if self.error is not None:
            raise self.error
        return ScopeCancellation(self.ids)

    async def cancel_v2(self, downtime_id: str) -> bool:
        raise AssertionError("no v2 downtime is listed")

    async def list_v1(self, relevant: Relevant | None = None) -> list[Downtime]:
        return [from_v1({"id": 11, "scope": self.listed_scope})]

    async def list_v2(self, relevant: Relevant | None = None) -> list[Downtime]:
        return []

    async def create_downtime(self, attributes: dict[str, Any]) -> Created:
        raise AssertionError("nothing is restored here")

    async def alerting_monitors(self, scope: str) -> Alerting:
        return Alerting((), 0)


@dataclass
class WebhookResult:
    status_code: int


@dataclass
class FakeRespond:
    """Records every response_url post; answers `status` or raises when `fail` is set."""

    status: int = 200
    fail: bool = False
    posts: list[dict[str, Any]] = field(default_factory=list)

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
    store: MemoryConfirmations
    clock: Clock
    context: AsyncBoltContext


@pytest.fixture
def world() -> World:
    clock = Clock()
    datadog = FakeDatadog()
    store = MemoryConfirmations(600, clock=clock)
    services = Services(datadog, store, Inflight(), "https://app.datadoghq.com")
    return World(datadog, store, clock, AsyncBoltContext({"services": services}))


async def settle(world: World) -> None:
    """Wait for the work the handler spawned after its ack."""
    services: Services = world.context["services"]
    assert await services.inflight.wait_idle(5)


def command(text: str, user: str = "U1") -> dict[str, Any]:
    return {"team_id": "T1", "channel_id": "C1", "user_id": user, "text": text}


def click(value: str, user: str = "U1") -> tuple[dict[str, Any], dict[str, Any]]:
    action = {"action_id": CONFIRM_ACTION, "value": value}
    body = {"team": {"id": "T1"}, "user": {"id": user}, "channel": {"id": "C1"}, "actions": [action]}
    return body, action


async def ask(world: World, text: str = "env:prod") -> str:
    """Run the command and return the confirmation ID put into the buttons."""
    respond = FakeRespond()
    await handle_cancel_downtime(Acks(), command(text), respond, world.context)  # type: ignore[arg-type]
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
    body, action = click(value, user)
    await handle_confirm(acks, body, action, respond, client, world.context)  # type: ignore[arg-type]
    await settle(world)
    return respond, client, acks


async def test_command_acks_and_prompts_without_calling_datadog(world: World) -> None:
    """The command acks once and registers one pending confirmation; Datadog is not called."""
    acks = Acks()
    respond = FakeRespond()
    await handle_cancel_downtime(acks, command("env:prod"), respond, world.context)  # type: ignore[arg-type]
    await settle(world)
    assert acks.count == 1
    assert len(world.store) == 1
    assert respond.posts[0]["response_type"] == "ephemeral"
    assert world.datadog.scopes == []


async def test_invalid_scope_creates_nothing(world: World) -> None:
    """An invalid scope is answered and leaves no pending confirmation."""
    respond = FakeRespond()
    await handle_cancel_downtime(Acks(), command("env:prod OR x:y"), respond, world.context)  # type: ignore[arg-type]
    await settle(world)
    assert len(world.store) == 0
    assert "AND, OR and NOT" in respond.posts[0]["text"]


async def test_confirm_cancels_and_reports(world: World) -> None:
    """Confirm: ack, replace the prompt, cancel the canonical scope, report in channel, delete the prompt."""
    world.datadog.listed_scope = ["service:api", "env:prod"]
    value = await ask(world, "Service:API,env:prod")
    respond, client, acks = await confirm(world, value)
    assert acks.count == 1
    assert world.datadog.scopes == ["env:prod,service:api"]
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
    assert world.datadog.scopes == []


async def test_keep_then_confirm_cancels_nothing(world: World) -> None:
    """Keep uses up the confirmation."""
    value = await ask(world)
    respond = FakeRespond()
    body, action = click(value)
    await handle_keep(Acks(), body, action, respond, world.context)  # type: ignore[arg-type]
    await settle(world)
    assert "Kept" in respond.posts[0]["text"]
    again, _, _ = await confirm(world, value)
    assert "no longer pending" in again.posts[0]["text"]
    assert world.datadog.scopes == []


async def test_wrong_user_keep_is_refused(world: World) -> None:
    """Someone else cannot press keep either; the requester's confirmation stays usable."""
    value = await ask(world)
    respond = FakeRespond()
    body, action = click(value, user="U2")
    await handle_keep(Acks(), body, action, respond, world.context)  # type: ignore[arg-type]
    await settle(world)
    assert "Only <@U1>" in respond.posts[0]["text"]
    await confirm(world, value)
    assert world.datadog.scopes == ["env:prod"]


async def test_failure_is_reported_in_channel(world: World) -> None:
    """A Datadog error becomes the failure message in the channel."""
    world.datadog.error = DatadogServerError("boom", status=500)
    respond, _, _ = await confirm(world, await ask(world))
    assert "none was cancelled" in respond.posts[1]["text"]
    assert "internal error (HTTP 500)" in str(respond.posts[1]["blocks"])


async def test_response_url_failure_falls_back_to_post_message(world: World) -> None:
    """When the response_url post fails, the outcome goes to the channel through chat.postMessage."""
    _, client, _ = await confirm(world, await ask(world), respond=FakeRespond(status=410))
    (posted,) = client.posted
    assert posted["channel"] == "C1"
    assert "cancelled 1 downtime" in posted["text"]


async def test_undeliverable_outcome_is_kept_in_the_audit_log(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """When both Slack paths fail, the outcome is written to the audit log and nothing raises."""
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
    assert events[3]["downtime_ids"] == ["11"]
    assert all(e["team"] == "T1" and e["channel"] == "C1" for e in events)


async def test_policy_is_checked_again_at_the_click() -> None:
    """Removed from the allowed group between command and click: the click is refused, nothing cancelled."""
    members = {"S1": {"U1"}}

    class Groups:
        async def members(self, group_id: str) -> frozenset[str]:
            return frozenset(members[group_id])

    datadog = FakeDatadog()
    services = Services(
        datadog, MemoryConfirmations(600), Inflight(), "https://app.datadoghq.com",
        policy=Policy(groups=frozenset({"S1"})), membership=Groups(),
    )
    world = World(datadog, services.confirmations, Clock(), AsyncBoltContext({"services": services}))  # type: ignore[arg-type]
    value = await ask(world)
    members["S1"] = set()
    respond, _, _ = await confirm(world, value)
    (refusal,) = respond.posts
    assert "not on the list" in refusal["text"]
    assert refusal["replace_original"] is True
    assert datadog.scopes == []


async def test_handlers_return_after_the_ack_before_any_work(world: World) -> None:
    """The command and click handlers ack and return; Datadog is called only by the work they spawn."""
    acks = Acks()
    respond = FakeRespond()
    await handle_cancel_downtime(acks, command("env:prod"), respond, world.context)  # type: ignore[arg-type]
    assert (acks.count, respond.posts, len(world.store)) == (1, [], 0)
    await settle(world)
    assert len(respond.posts) == 1
