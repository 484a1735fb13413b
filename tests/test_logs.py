"""Logging: JSON lines, audit fields at the top level, and secrets redacted wherever they appear."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.audit import Event, record
from bot.logs import REDACTED, configure_logging

SECRET = "super-secret-signing-value"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    listener = configure_logging(logging.INFO, [SECRET, "xoxb-real-bot-token"], stream=buffer)
    buffer.listener = listener  # type: ignore[attr-defined]
    yield buffer
    listener.stop()
    root.handlers[:], root.level = saved


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    """Every line written so far, once the writer thread has caught up."""
    buffer.listener.stop()  # type: ignore[attr-defined]  # flushes the queue; the fixture's stop is then a no-op
    buffer.listener.start()  # type: ignore[attr-defined]
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_audit_is_one_json_line_with_its_fields(stream: io.StringIO) -> None:
    """An audit call writes one JSON object with event, who, where and what at the top level."""
    record(Event.CANCELLED, team="T1", channel="C1", user="U1", scope="env:prod", downtime_ids=[1, 2])
    (entry,) = lines(stream)
    assert entry["event"] == "cancelled"
    assert (entry["team"], entry["channel"], entry["user"], entry["scope"]) == ("T1", "C1", "U1", "env:prod")
    assert entry["downtime_ids"] == [1, 2]
    assert entry["logger"] == "bot.audit"


def test_secrets_and_response_urls_are_redacted(stream: io.StringIO) -> None:
    """Known secrets, token shapes and response URLs never reach the log, in messages, fields or tracebacks."""
    log = logging.getLogger("slack_bolt.test")
    log.info("body=%s", f"token=xoxb-111-222-abc&response_url=https://hooks.slack.com/commands/T/1/abc&s={SECRET}")
    record(Event.UNDELIVERED, text=f"secret {SECRET} xapp-1-A111-222")
    try:
        raise RuntimeError(f"failed with {SECRET}")
    except RuntimeError:
        log.exception("boom")
    written = lines(stream)
    output = stream.getvalue()
    assert SECRET not in output
    assert "xoxb-111" not in output
    assert "hooks.slack.com" not in output
    assert "xapp-1-A111" not in output
    assert output.count(REDACTED) >= 5
    assert "RuntimeError" in written[2]["exception"]  # type: ignore[operator]


def test_library_lines_lose_their_request_bodies(stream: io.StringIO) -> None:
    """Bolt's unhandled-request warning keeps its sentence and drops the payload it would print."""
    logging.getLogger("slack_bolt.AsyncApp").warning(
        "Unhandled request (%s)\n---\n[Suggestion] ...", {"type": "block_actions", "text": "env:prod secret-ish"}
    )
    logging.getLogger("slack_sdk.web.async_base_client").warning("Sending a request - body_params: {'text': 'hi'}")
    logging.getLogger("bot.slack.listeners").warning("kept (%s)", "ours")
    first, second, third = lines(stream)
    assert first["message"] == "Unhandled request [request details omitted]"
    assert second["message"] == "Sending a request - body_params: [request details omitted]"
    assert third["message"] == "kept (ours)"


def test_library_lines_keep_slacks_error_codes_and_statuses(stream: io.StringIO) -> None:
    """A Slack API failure logged by Bolt or the SDK keeps `invalid_auth` and the status, not the token or URL."""
    logging.getLogger("slack_bolt.AsyncApp").error(
        "Failed to authorize with the given token (The request to the Slack API failed. (url: "
        "https://hooks.slack.com/actions/T1/2/xyz, status: 200)\nThe server responded with: {'ok': False, "
        "'error': 'invalid_auth', 'token': 'xoxb-123-456'})"
    )
    (line,) = lines(stream)
    assert line["message"] == "Failed to authorize with the given token (error: invalid_auth; HTTP 200) " \
        "[request details omitted]"
