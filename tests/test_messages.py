"""Message builders as data: limits, escaping, buttons, and the words for every outcome."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot import messages
from bot.errors import (
    DatadogAuthError,
    DatadogConnectError,
    DatadogError,
    DatadogRateLimited,
    DatadogRejected,
    DatadogServerError,
    DatadogTimeout,
    DatadogUnexpected,
)
from bot.scope import ScopeError, parse_scope

SCOPE = parse_scope("env:prod,service:api")


def blocks_within_limits(message: dict[str, Any]) -> None:
    assert message["text"]
    assert len(message["text"]) <= 4000
    for block in message["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= 75
                assert len(element["value"]) <= 2000
                assert len(element["action_id"]) <= 255


def test_prompt_has_a_red_confirm_with_dialog_and_a_keep_button() -> None:
    """The prompt shows the canonical scope, the AND rule, a danger button with a confirm dialog, and keep."""
    message = messages.confirmation_prompt(SCOPE, "abc123", 600)
    blocks_within_limits(message)
    text = json.dumps(message)
    assert "`env:prod,service:api`" in text
    assert "`env:prod` AND `service:api`" in text
    assert "exactly" in text
    (actions,) = [b for b in message["blocks"] if b["type"] == "actions"]
    confirm, keep = actions["elements"]
    assert (confirm["action_id"], confirm["style"], confirm["value"]) == (messages.CONFIRM_ACTION, "danger", "abc123")
    assert set(confirm["confirm"]) >= {"title", "text", "confirm", "deny"}
    assert (keep["action_id"], keep["value"]) == (messages.KEEP_ACTION, "abc123")
    assert "style" not in keep
    assert "10 minutes" in text


def test_many_cancelled_ids_stay_within_slack_limits() -> None:
    """Thousands of IDs are linked as far as a section allows, then counted."""
    ids = tuple(range(1_000_000, 1_003_000))
    message = messages.cancelled("U1", SCOPE, ids, "https://app.datadoghq.eu")
    blocks_within_limits(message)
    links = message["blocks"][1]["text"]["text"]
    assert "<https://app.datadoghq.eu/monitors/downtimes?id=1000000|1000000>" in links
    shown = links.count("|")
    assert 10 < shown < 3000
    assert f"…and {3000 - shown} more." in links
    assert "3000 downtimes" in message["text"]


def test_one_cancelled_id_is_singular() -> None:
    """One downtime reads as one."""
    message = messages.cancelled("U1", SCOPE, (5,), "https://app.datadoghq.com")
    assert "cancelled 1 downtime on" in message["blocks"][0]["text"]["text"]


def test_user_text_is_escaped_everywhere() -> None:
    """A refusal that quotes user input escapes it in blocks and fallback text alike."""
    message = messages.invalid_scope(ScopeError("'<!channel>' & '<@U1>' are odd."))
    text = json.dumps(message)
    assert "<!channel>" not in text
    assert "<@U1>" not in text
    assert "&lt;!channel&gt;' &amp; '&lt;@U1&gt;" in text


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (DatadogAuthError("Forbidden", status=403), "monitors_downtime"),
        (DatadogRejected("Invalid scope <x>", status=400), "HTTP 400): Invalid scope &lt;x&gt;"),
        (DatadogRateLimited("slow down", reset_seconds=12), "Try again in 12 s"),
        (DatadogRateLimited("slow down"), "HTTP 429"),
        (DatadogServerError("", status=502), "HTTP 502"),
        (DatadogTimeout("no answer"), "within 10 s"),
        (DatadogConnectError("refused"), "could not connect"),
        (DatadogUnexpected("HTTP 302", status=302), "does not understand"),
        (DatadogError("odd"), "odd"),
    ],
)
def test_every_datadog_error_has_its_own_explanation(error: DatadogError, words: str) -> None:
    """The failure message names the cause and what to do."""
    message = messages.cancel_failed("U1", SCOPE, error, 10)
    blocks_within_limits(message)
    assert words in message["text"]
    assert "<@U1>" in message["text"]


@pytest.mark.parametrize(
    "message",
    [
        messages.help_message(),
        messages.cancelling(SCOPE),
        messages.kept(SCOPE),
        messages.not_requester("U1"),
        messages.expired(SCOPE, 600),
        messages.already_handled(),
        messages.nothing_matched("U1", SCOPE),
    ],
)
def test_every_message_has_fallback_text_and_no_buttons(message: dict[str, Any]) -> None:
    """Only the prompt carries buttons; every message has a plain-text fallback."""
    blocks_within_limits(message)
    assert all(b["type"] != "actions" for b in message["blocks"])
