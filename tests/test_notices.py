"""Message builders as data: limits, escaping, buttons, and the words for every outcome."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.domain.scope import ScopeError, parse_scope
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
from bot.slack.views import explain, notices
from tests.limits import assert_within_slack_limits

SCOPE = parse_scope("env:prod,service:api")


def test_user_text_is_escaped_everywhere() -> None:
    """A refusal that quotes user input escapes it in blocks and fallback text alike."""
    message = notices.invalid_scope(ScopeError("'<!channel>' & '<@U1>' are odd."))
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
        (DatadogTimeout("no answer within 10 s"), "did not answer in time (no answer within 10 s)"),
        (DatadogConnectError("refused"), "could not connect"),
        (DatadogUnexpected("HTTP 302", status=302), "does not understand"),
        (DatadogError("odd"), "odd"),
    ],
)
def test_every_datadog_error_has_its_own_explanation(error: DatadogError, words: str) -> None:
    """The explanation names the cause and what to do."""
    assert words in explain.explain(error)


@pytest.mark.parametrize(
    "message",
    [
        notices.help_message(),
        notices.cancelling(SCOPE),
        notices.kept(SCOPE),
        notices.not_requester("U1"),
        notices.expired(SCOPE, 600),
        notices.already_handled(),
    ],
)
def test_every_message_has_fallback_text_and_no_buttons(message: dict[str, Any]) -> None:
    """Only the prompt carries buttons; every message has a plain-text fallback."""
    assert_within_slack_limits(message)
    assert all(b["type"] != "actions" for b in message["blocks"])
