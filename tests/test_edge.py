"""A corpus of hostile and odd inputs, each sent end to end through the HTTP server.

Whatever a user can type reaches the command handler and gets an answer that pings nobody; signed
but malformed payloads get a 4xx; anything not provably from Slack gets a 401; the server stays up.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.slack import edge
from bot.slack.http_app import BadSignatures
from bot.slack.views.action_ids import CONFIRM_ACTION, KEEP_ACTION, UNDO_ACTION
from tests.fakes import FakeDatadog, FakeSlack, action_body, command_body, sign
from tests.helpers import SIGNING_SECRET, Clock, SlackSender

PINGS = ("<!channel", "<!here", "<!everyone", "<!subteam", "<@U", "<#C")

SCOPE_TEXTS = [
    "<!channel>", "<!here>", "<!everyone>", "&lt;!channel&gt;", "<@U024BE7LH>", "<@U024BE7LH|bob>",
    "<#C024BE7LR|general>", "<!subteam^SAZ94GDB8|@oncall>", "<!date^1392734382^{date}|Feb 18>",
    "env:prod <!channel>", "env:<!here>", "@here", "@channel env:prod", "env:prod\n<!channel>",
    "env:prod; rm -rf /", "env:prod' OR '1'='1", "env:prod\"; DROP TABLE downtimes;--", "$(reboot)",
    "`whoami`", "env:${HOME}", "../../etc/passwd", "env:prod%2Cservice:api", "env:prod&amp;service:api",
    "&amp;lt;script&amp;gt;", "<script>alert(1)</script>", "<https://evil.example|env:prod>",
    "<mailto:a@b.c|a@b.c>", "env:\u202eprod", "env:prod\u200b", "env:prod\u0000", "env:\u00a0prod",
    "\uff45\uff4e\uff56:\uff50\uff52\uff4f\uff44", "env:😀", "环境:生产", "é" * 3000, "a:" + "b" * 199,
    ",,,,,,", "::::", "env::", ":",
    "*", "env:*", "env:prod,*", "-env:prod", "NOT env:prod", "env:prod OR service:api", "(env:prod)",
    "env:prod,service:api,env:prod,SERVICE:API", "\t env:prod \t", "help me", "list all", "\\", "%00",
    "env:prod\r\nX-Injected: 1",
]


@pytest.mark.parametrize("text", SCOPE_TEXTS, ids=[f"text{i}" for i in range(len(SCOPE_TEXTS))])
async def test_every_typed_text_gets_an_answer_that_pings_nobody(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog, text: str
) -> None:
    """Each text is acknowledged, answered ephemerally, and the answer contains no mention or broadcast."""
    response = await slack.command(text, name="hostile")
    assert response.status_code == 200
    (answer,) = await fake_slack.wait_for(lambda r: r.path == "/response/hostile")
    message = answer.json()
    assert message["response_type"] == "ephemeral"
    assert message["text"]
    dumped = json.dumps(message, ensure_ascii=False)
    for ping in PINGS:
        assert ping not in dumped
    assert not fake_datadog.received(lambda r: r.method in ("POST", "DELETE"))


def block_actions(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": "U_ALICE", "team_id": "T0001"},
        "channel": {"id": "C_OPS"},
        "response_url": "http://127.0.0.1:9/response/x",
        "actions": [{"action_id": CONFIRM_ACTION, "value": "A" * 24}],
    }
    payload.update(overrides)
    return payload


def in_view(payload: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A block_actions from a button in a view (App Home or modal), as Slack sends it: no response_url."""
    clicked = {k: v for k, v in payload.items() if k not in ("response_url", "channel")}
    return {**clicked, "container": {"type": "view", "view_id": "V0001"},
            "view": {"id": "V0001", "type": "home", "team_id": "T0001"}, **overrides}


def form(payload: Any) -> bytes:
    return urlencode({"payload": payload if isinstance(payload, str) else json.dumps(payload)}).encode()


PAYLOADS: list[tuple[str, bytes, int]] = [
    ("payload not json", form("{not json"), 400),
    ("payload a list", form([1, 2]), 400),
    ("payload a string", form('"block_actions"'), 400),
    ("payload without type", form({"actions": []}), 400),
    ("type not a string", form(block_actions(type=5)), 400),
    ("user missing", form({k: v for k, v in block_actions().items() if k != "user"}), 400),
    ("user a string", form(block_actions(user="U_ALICE")), 400),
    ("user id a number", form(block_actions(user={"id": 5})), 400),
    ("team missing everywhere", form(block_actions(team=None, user={"id": "U1"})), 400),
    ("channel a list", form(block_actions(channel=["C1"])), 400),
    ("actions missing", form({k: v for k, v in block_actions().items() if k != "actions"}), 400),
    ("actions empty", form(block_actions(actions=[])), 400),
    ("actions a string", form(block_actions(actions="x")), 400),
    ("action without action_id", form(block_actions(actions=[{"value": "x"}])), 400),
    ("action value a number", form(block_actions(actions=[{"action_id": CONFIRM_ACTION, "value": 5}])), 400),
    ("action value huge", form(block_actions(actions=[{"action_id": CONFIRM_ACTION, "value": "x" * 5000}])), 400),
    ("response_url missing", form({k: v for k, v in block_actions().items() if k != "response_url"}), 400),
    ("response_url not a URL", form(block_actions(response_url="javascript:alert(1)")), 400),
    # App Home and modal buttons carry no response_url; a button that exists only in messages (a report's Undo)
    # has no listener for a view's click.
    ("a view's click on a message-only button",
     form(in_view(block_actions(actions=[{"action_id": UNDO_ACTION, "value": "x"}]))), 404),
    ("a view's click with a bad response_url", form(in_view(block_actions(), response_url="file:///x")), 400),
    ("claims a view, names none", form({**in_view(block_actions()), "view": None}), 400),
    ("user id enormous", form(block_actions(user={"id": "U" * 500})), 400),
    ("unknown action id", form(block_actions(actions=[{"action_id": "drop_tables", "value": "x"}])), 404),
    ("unknown interaction type", form({"type": "view_submission", "view": {}, "team": {"id": "T0001"},
                                       "user": {"id": "U_ALICE", "team_id": "T0001"}}), 404),
    ("an interaction naming no workspace", form({"type": "view_submission", "view": {}}), 400),
    ("command without response_url", urlencode({"command": "/cancel-downtime", "team_id": "T", "user_id": "U",
                                                "channel_id": "C", "text": "env:prod"}).encode(), 400),
    ("command with response_url not a URL", command_body("env:prod", response_url="file:///etc/passwd"), 400),
    ("form field twice", b"command=/cancel-downtime&command=/x&team_id=T&user_id=U&channel_id=C&response_url=x", 400),
    ("neither command nor payload", b"hello=world", 400),
    ("empty body", b"", 400),
    ("not UTF-8", bytes(range(128, 256)), 400),
]


@pytest.mark.parametrize(("name", "body", "status"), PAYLOADS, ids=[p[0] for p in PAYLOADS])
async def test_signed_but_malformed_payloads_get_a_4xx(
    slack: SlackSender, fake_datadog: FakeDatadog, name: str, body: bytes, status: int
) -> None:
    """Correctly signed, wrongly shaped: the status says so, nothing is cancelled, the server stays up."""
    response = await slack.post(body)
    assert response.status_code == status
    health = await slack.http.get(slack.url.replace("/slack/events", "/healthz"))
    assert health.status_code == 200
    assert not fake_datadog.received(lambda r: r.method in ("POST", "DELETE"))


def headers_with(**changes: str | None) -> dict[str, str]:
    base = sign(b"x", SIGNING_SECRET)
    for key, value in changes.items():
        name = key.replace("_", "-")
        if value is None:
            base.pop(name, None)
        else:
            base[name] = value
    return base


NOW = str(int(time.time()))
HEADERS: list[tuple[str, dict[str, str], int]] = [
    ("no signature", headers_with(**{"X_Slack_Signature": None}), 401),
    ("no timestamp", headers_with(**{"X_Slack_Request_Timestamp": None}), 401),
    ("timestamp not a number", headers_with(**{"X_Slack_Request_Timestamp": "yesterday"}), 401),
    ("timestamp negative", headers_with(**{"X_Slack_Request_Timestamp": "-1"}), 401),
    ("timestamp enormous", headers_with(**{"X_Slack_Request_Timestamp": "9" * 40}), 401),
    ("timestamp float", headers_with(**{"X_Slack_Request_Timestamp": NOW + ".5"}), 401),
    ("signature wrong version", headers_with(**{"X_Slack_Signature": "v1=" + "0" * 64}), 401),
    ("signature not hex", headers_with(**{"X_Slack_Signature": "v0=" + "z" * 64}), 401),
    ("signature too short", headers_with(**{"X_Slack_Signature": "v0=abc"}), 401),
    ("signature empty", headers_with(**{"X_Slack_Signature": ""}), 401),
    ("signature uppercase hex", headers_with(**{"X_Slack_Signature": "v0=" + "A" * 64}), 401),
    ("signature for another body", sign(b"other", SIGNING_SECRET), 401),
    ("signature with another secret", sign(b"x", "not-the-secret"), 401),
    ("content type json but form body", {**sign(b"x", SIGNING_SECRET), "Content-Type": "application/json"}, 400),
    ("content type xml", {**sign(b"x", SIGNING_SECRET), "Content-Type": "application/xml"}, 415),
]


@pytest.mark.parametrize(("name", "headers", "status"), HEADERS, ids=[h[0] for h in HEADERS])
async def test_bad_headers_are_refused(slack: SlackSender, name: str, headers: dict[str, str], status: int) -> None:
    """Missing, malformed or wrong signature headers: 401; a signed body of the wrong type: 4xx; never 500."""
    response = await slack.post(b"x", headers)
    assert response.status_code == status


async def test_oversized_body_is_refused_early(slack: SlackSender) -> None:
    """A body over the limit is refused with 413, by its declared length or while reading."""
    big = b"a=" + b"b" * (300 * 1024)
    response = await slack.post(big)
    assert response.status_code == 413


async def test_a_forged_button_value_cancels_nothing(
    slack: SlackSender, fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Signed clicks carrying values that were never issued: each is told it is not pending."""
    fake_datadog.add_v1(["env:prod"])
    for i, value in enumerate(["A" * 24, "env:prod", "", "../../admin", "*"]):
        for action in (CONFIRM_ACTION, KEEP_ACTION):
            name = f"forged{i}{action}"
            await slack.post(action_body(action, value, response_url=fake_slack.response_url(name)))
            path = f"/response/{name}"
            (answer,) = await fake_slack.wait_for(lambda r: r.path == path)  # noqa: B023 - awaited here
            assert "no longer pending" in answer.json()["text"]
    assert not fake_datadog.received(lambda r: r.method in ("POST", "DELETE"))


def test_the_corpus_is_large() -> None:
    """At least sixty hostile inputs are exercised."""
    assert len(SCOPE_TEXTS) + len(PAYLOADS) + len(HEADERS) >= 60


def test_a_view_click_needs_no_response_url_but_a_message_click_does() -> None:
    """The edge lets through a signed click from a view without response_url, and refuses one from a message."""
    def verdict(body: bytes) -> edge.Rejection | None:
        return edge.check({k.lower(): v for k, v in sign(body, SIGNING_SECRET).items()}, body, SIGNING_SECRET)

    assert verdict(form(in_view(block_actions()))) is None
    rejection = verdict(form({k: v for k, v in block_actions().items() if k != "response_url"}))
    assert rejection is not None
    assert rejection.status == 400


def test_bad_signature_warnings_are_rate_limited(caplog: pytest.LogCaptureFixture) -> None:
    """The first bad signature warns at once; the next ones within a minute are counted, and the next warning
    says how many came and over how long."""
    clock = Clock(0.0)
    signatures = BadSignatures(every=60, clock=clock)
    with caplog.at_level(logging.WARNING, logger="bot.slack.server"):
        signatures.seen()
        for _ in range(4):
            clock.now += 10
            signatures.seen()
        clock.now += 20
        signatures.seen()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith("1 request(s) to /slack/events with a bad signature, refused (401): if Slack")
    assert messages[1].startswith("5 request(s) to /slack/events with a bad signature, refused (401) in the last 60 s")
    assert all("SLACK_SIGNING_SECRET" in m for m in messages)
