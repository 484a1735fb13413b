"""Who a user is: `users.info` read into a `Person` (cached, bounded, shared in flight), judged against whom
the bot serves, and the identity `auth.test` gives for each install kind."""

from __future__ import annotations

import asyncio

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.actor import Actor, Kind, Person, Served
from bot.domain.policy import Policy
from bot.errors import PersonUnknown
from bot.slack.identity import ask_slack, mismatch, served_by
from bot.slack.people import SlackPeople
from bot.slack.web import person_of
from bot.usecases.access import admit, same_person
from tests.fakes import FakeSlack, Reply
from tests.fakes.topology import NOT_FOUND, TOPOLOGIES, Topology, slack_user
from tests.helpers import Clock, StaticPeople

WORKSPACE = Served("T0001")
GRID_WORKSPACE = Served("T0001", "E0001")
ORG = Served("", "E0001", org_wide=True)


def client(fake_slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=fake_slack.url + "/api/")


@pytest.mark.parametrize(("user", "served", "kind"), [
    (slack_user("U1", "T0001"), WORKSPACE, Kind.MEMBER),
    (slack_user("U1", "T0001", guest="multi"), WORKSPACE, Kind.GUEST),
    (slack_user("U1", "T0001", guest="single"), WORKSPACE, Kind.SINGLE_CHANNEL_GUEST),
    (slack_user("U1", "T_VENDOR"), WORKSPACE, Kind.EXTERNAL),
    (slack_user("U1", "T_VENDOR", guest="multi"), WORKSPACE, Kind.EXTERNAL),
    (slack_user("U1", "T0001", bot=True), WORKSPACE, Kind.BOT),
    ({**slack_user("U1", "T0001"), "is_app_user": True}, WORKSPACE, Kind.BOT),
    (slack_user("U1", "T0001", deleted=True), WORKSPACE, Kind.DEACTIVATED),
    (slack_user("W1", "T0002", enterprise="E0001", teams=("T0002", "T0001")), GRID_WORKSPACE, Kind.MEMBER),
    (slack_user("W1", "T0002", enterprise="E0001", teams=("T0002",)), GRID_WORKSPACE, Kind.EXTERNAL),
    (slack_user("W1", "T0009", enterprise="E0001"), ORG, Kind.MEMBER),
    (slack_user("W1", "T0009", enterprise="E_OTHER"), ORG, Kind.EXTERNAL),
    (slack_user("W1", "T0009", enterprise="E0001", guest="single"), ORG, Kind.SINGLE_CHANNEL_GUEST),
], ids=["member", "guest", "single-channel guest", "external", "external guest", "bot", "app user", "deactivated",
        "grid: in two workspaces", "grid: another workspace", "org-wide: member", "org-wide: another org",
        "org-wide: guest"])
def test_what_a_person_is_to_whom_the_bot_serves(user: dict[str, object], served: Served, kind: Kind) -> None:
    """users.info's user object, read as Slack sends it, against a workspace, a Grid workspace, an org."""
    assert served.kind_of(person_of(user)) is kind


def test_an_unseen_user_is_external() -> None:
    assert WORKSPACE.kind_of(Person("U1", found=False)) is Kind.EXTERNAL


def test_person_of_reads_name_zone_and_teams() -> None:
    person = person_of(slack_user("W1", "T0002", enterprise="E0001", teams=("T0002", "T0003"), tz="Asia/Tokyo"))
    assert (person.name, person.tz, person.enterprise, person.teams) == (
        "Person W1", "Asia/Tokyo", "E0001", frozenset({"T0002", "T0003"}))


@pytest.mark.parametrize(("actor", "served", "ok"), [
    (Actor("T0001", "C", "U", user_team="T0001"), WORKSPACE, True),
    (Actor("T0001", "C", "U", user_team="T_VENDOR"), WORKSPACE, True),  # origin only: users.info decides
    (Actor("T_VENDOR", "C", "U", user_team="T0001"), WORKSPACE, True),  # ours, in a channel they host
    (Actor("T_VENDOR", "C", "U", user_team="T_VENDOR"), WORKSPACE, False),
    (Actor("T_VENDOR", "C", "W", "E0001", user_team="E0001"), GRID_WORKSPACE, True),
    (Actor("T0002", "C", "W", "E0001", user_team="T0002"), GRID_WORKSPACE, False),
    (Actor("T0009", "C", "W", "E0001", user_team="T0009"), ORG, True),
    (Actor("T_X", "C", "W", "E_X", user_team="T_X"), ORG, False),
], ids=["ours", "Slack Connect clicker", "ours elsewhere", "theirs", "grid org as user team",
        "another grid workspace", "org-wide", "another org"])
def test_where_a_request_may_come_from(actor: Actor, served: Served, ok: bool) -> None:
    assert served.may_come_from(actor) is ok


def test_same_person_across_a_grid_command_and_click() -> None:
    """A Grid command names the workspace, its click may name the organisation: the same person; the same user
    ID from another workspace is not."""
    command = Actor("T0001", "C", "W1", "E0001", user_team="T0001")
    assert same_person(Actor("T0001", "C", "W1", "E0001", user_team="E0001"), command)
    assert not same_person(Actor("T2", "C", "W1", user_team="T2"), command)
    assert not same_person(Actor("T0001", "C", "W2", "E0001", user_team="T0001"), command)


@pytest.mark.parametrize(("policy", "user", "kind", "ok"), [
    (Policy(), "U1", Kind.GUEST, False),
    (Policy(guests=True), "U1", Kind.GUEST, True),
    (Policy(guests=True), "U1", Kind.SINGLE_CHANNEL_GUEST, True),
    (Policy(guests=True), "U1", Kind.EXTERNAL, False),
    (Policy(users=frozenset({"U1"})), "U1", Kind.EXTERNAL, True),
    (Policy(users=frozenset({"U1"})), "U1", Kind.GUEST, True),
    (Policy(users=frozenset({"U1"})), "U1", Kind.BOT, False),
    (Policy(users=frozenset({"U1"}), guests=True), "U1", Kind.DEACTIVATED, False),
])
async def test_the_policy_lets_in_only_whom_it_names(policy: Policy, user: str, kind: Kind, ok: bool) -> None:
    person = {
        Kind.GUEST: Person(user, "T0001", restricted=True),
        Kind.SINGLE_CHANNEL_GUEST: Person(user, "T0001", restricted=True, ultra_restricted=True),
        Kind.EXTERNAL: Person(user, "T_VENDOR"), Kind.BOT: Person(user, "T0001", bot=True),
        Kind.DEACTIVATED: Person(user, "T0001", deleted=True),
    }[kind]
    people = StaticPeople("T0001", known={user: person})
    refusal = await admit(policy, people, WORKSPACE, Actor("T0001", "C", user))
    assert (refusal is None) is ok


async def test_no_served_workspace_or_no_answer_refuses() -> None:
    assert await admit(Policy(), StaticPeople("T0001"), None, Actor("T0001", "C", "U1")) is not None
    assert await admit(Policy(), StaticPeople("T0001", fail=True), WORKSPACE, Actor("T0001", "C", "U1")) is not None


async def test_users_info_is_asked_once_per_person_while_fresh(fake_slack: FakeSlack) -> None:
    """Cached for the lifetime; concurrent asks and a prefetch share one request; asked again when stale."""
    clock = Clock()
    people = SlackPeople(client(fake_slack), ttl=300, clock=clock)
    people.prefetch("U1")
    first = await asyncio.gather(*(people.person("U1") for _ in range(5)))
    assert {p.team for p in first} == {"T0001"}
    assert await people.person("U1") == first[0]
    assert len(fake_slack.received(lambda r: r.path == "/api/users.info")) == 1
    clock.now += 301
    await people.person("U1")
    assert len(fake_slack.received(lambda r: r.path == "/api/users.info")) == 2


async def test_the_cache_is_bounded_and_failures_are_not_kept(fake_slack: FakeSlack) -> None:
    people = SlackPeople(client(fake_slack), size=2)
    for user in ("U1", "U2", "U3"):
        await people.person(user)
    await people.person("U1")  # evicted by U3: asked again
    assert len(fake_slack.received(lambda r: r.path == "/api/users.info")) == 4
    fake_slack.users_info_reply = Reply(503, text="down")
    with pytest.raises(PersonUnknown):
        await people.person("U9")
    fake_slack.users_info_reply = None
    assert (await people.person("U9")).found


async def test_slow_or_unknown_answers(fake_slack: FakeSlack) -> None:
    """An answer after the lookup's time is PersonUnknown; user_not_found is a definite `found=False`."""
    fake_slack.users["U_HIDDEN"] = NOT_FOUND
    people = SlackPeople(client(fake_slack), seconds=0.2)
    assert not (await people.person("U_HIDDEN")).found
    fake_slack.users_info_reply = Reply(200, body={"ok": True, "user": {"id": "U1"}}, delay=1.0)
    with pytest.raises(PersonUnknown):
        await people.person("U1")


@pytest.mark.parametrize("topology", [t for t in TOPOLOGIES if t.enterprise_id], ids=lambda t: t.name)
async def test_auth_test_names_the_install_kind(fake_slack: FakeSlack, topology: Topology) -> None:
    """A Grid workspace install serves its workspace; an org-wide install (auth.test answering for the
    organisation, is_enterprise_install) serves the organisation; SLACK_TEAM_ID is checked against it."""
    t = topology
    fake_slack.team_id, fake_slack.enterprise_id, fake_slack.org_wide = t.team_id, t.enterprise_id, t.org_wide
    identity = await ask_slack(client(fake_slack), 2)
    served = served_by("", identity)
    assert served is not None
    assert served.org_wide is t.org_wide
    assert ("org-wide install" in identity.describe()) is t.org_wide
    right = "E0001" if t.org_wide else "T0001"
    assert mismatch(right, identity) is None
    assert mismatch("T0BAD", identity) is not None
    assert served_by("E0001", None) == ORG
