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
        logging.getLogger("bot.test").exception("boom")  # ours keep the traceback
        log.exception("boom")  # a library's becomes its cause, on the same line
    written = lines(stream)
    output = stream.getvalue()
    assert SECRET not in output
    assert "xoxb-111" not in output
    assert "hooks.slack.com" not in output
    assert "xapp-1-A111" not in output
    assert output.count(REDACTED) >= 6
    assert "RuntimeError" in written[2]["exception"]  # type: ignore[operator]
    assert written[3]["message"] == f"boom; cause: RuntimeError: failed with {REDACTED}"


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


def test_a_library_traceback_becomes_one_line_with_its_cause(stream: io.StringIO) -> None:
    """The SDK's "Failed to connect" with a traceback (each Socket Mode reconnect attempt): one line, the cause's
    class and first line kept, no traceback, the ticket of the Socket Mode URL redacted."""
    logger = logging.getLogger("slack_bolt.AsyncApp")
    for attempt in range(3):
        try:
            raise ConnectionError(f"Cannot connect to wss://wss.slack.com/link/?ticket=T-{attempt}-secret&app_id=A1"
                                  "\nsecond line")
        except ConnectionError as error:
            logger.exception("Failed to connect (error: %s); Retrying...", error)  # as the SDK words it
    written = lines(stream)
    assert len(written) == 3
    for entry in written:
        assert "exception" not in entry
        assert entry["message"] == ("Failed to connect [request details omitted]; cause: ConnectionError: Cannot "
                                    f"connect to wss://wss.slack.com/link/?ticket={REDACTED}&app_id=A1")
        assert len(json.dumps(entry)) < 400
    logging.getLogger("bot.slack.server").error("ours keep their traceback", exc_info=RuntimeError("x"))
    assert "RuntimeError" in str(lines(stream)[-1]["exception"])


@pytest.mark.parametrize(("logged", "kept"), [
    ("Failed (url: http://127.0.0.1:9/api/auth.test)", "Failed [request details omitted]"),
    ("Failed (url: https://127.0.0.1/x, status: 503)", "Failed (HTTP 503) [request details omitted]"),
    ("Failed ({'status': 429})", "Failed (HTTP 429) [request details omitted]"),
    ("Failed (status_code=404)", "Failed (HTTP 404) [request details omitted]"),
    ("Failed (HTTP/1.1 500 Internal)", "Failed (HTTP 500) [request details omitted]"),
    ("Failed (HTTP 401 from http://200.1.2.3)", "Failed (HTTP 401) [request details omitted]"),
], ids=["loopback URL", "URL and status", "dict status", "status_code", "HTTP/1.1", "HTTP and an address"])
def test_a_status_is_an_http_status_never_a_piece_of_an_address(
    stream: io.StringIO, logged: str, kept: str
) -> None:
    """"HTTP 127" came from http://127.0.0.1: only a status written as a status is kept."""
    logging.getLogger("slack_sdk.web").warning(logged)
    (line,) = lines(stream)
    assert line["message"] == kept


def test_the_sdks_retry_notices_stay_out_and_its_warnings_stay_in(stream: io.StringIO) -> None:
    """The SDK's "A retry handler found" INFO line (a second line for each reconnect attempt) is not written;
    a warning from the same logger is."""
    sdk = logging.getLogger("slack_sdk.web.async_base_client")
    sdk.info("A retry handler found: AsyncConnectionErrorRetryHandler for POST http://127.0.0.1:9/api/auth.test")
    sdk.warning("Received a response in a non-JSON format")
    (line,) = lines(stream)
    assert line["message"] == "Received a response in a non-JSON format"
