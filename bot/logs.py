"""Logging: one JSON object per line, with every known secret and any response_url redacted.

The decision records (`bot.audit`, catalogued there) are lines like any other, with their fields
merged in at the top level.
"""

from __future__ import annotations

import copy
import json
import logging
import logging.handlers
import queue
import re
import sys
import time
from collections.abc import Iterable
from typing import Any

# Slack's response_url and webhook URLs act as bearer credentials; tokens have known shapes; a Socket Mode
# URL carries a connection ticket.
_CREDENTIAL_SHAPES = re.compile(
    r"https://hooks\.slack(?:-gov)?\.com/\S+|xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|(?<=ticket=)[^&\s'\"]+"
)
MAX_CAUSE = 300
REDACTED = "[redacted]"


class LibraryBodyFilter(logging.Filter):
    """Keeps request and response bodies that Bolt and the Slack SDK print out of the log, but not their codes;
    and turns their tracebacks into one line.

    Bolt's "Unhandled request ({...})" warning and the SDK's debug lines carry whole payloads (user
    text, response URLs); only the sentence before the first "(" or "{" is kept, followed by what an
    operator needs from the rest: Slack's error codes (`'error': 'not_in_channel'`) and HTTP statuses.
    A library's traceback (5 KB for each Socket Mode reconnect attempt while Slack is unreachable)
    becomes its cause: the exception's class and first line.
    """

    LIBRARIES = ("slack_bolt", "slack_sdk")
    _CODES = re.compile(r"""['"]error['"]\s*:\s*['"]([a-z0-9_.]{1,60})['"]""")
    # "status: 404", "'status': 404", "status_code=404", "HTTP 404", "HTTP/1.1 404"; not the 127 of http://127.0.0.1
    _STATUS = re.compile(
        r"""\b(?:status(?:_code)?['"]?\s*[:=]\s*|status\s+|HTTP(?:/\d(?:\.\d)?)?\s+)([1-5][0-9]{2})\b""",
        re.IGNORECASE,
    )

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self.LIBRARIES):
            return True
        message = record.getMessage()
        cut = min((i for i in (message.find("("), message.find("{")) if i >= 0), default=-1)
        if cut >= 0:
            rest = message[cut:]
            kept = [f"error: {code}" for code in dict.fromkeys(self._CODES.findall(rest))]
            kept += [f"HTTP {status}" for status in dict.fromkeys(self._STATUS.findall(rest))]
            details = f" ({'; '.join(kept)})" if kept else ""
            message = message[:cut].rstrip() + details + " [request details omitted]"
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            first = (str(error).strip().splitlines() or [""])[0][:MAX_CAUSE]
            message += f"; cause: {type(error).__name__}" + (f": {first}" if first else "")
            record.exc_info, record.exc_text = None, None
        record.msg, record.args = message, None
        return True


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line; `audit` fields are merged in at the top level."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "audit", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:  # already formatted (and redacted) by RedactingFilter
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


class RedactingFilter(logging.Filter):
    """Replaces secrets in the final message (and traceback) of every record before it is written."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if len(s) >= 4)

    def redact(self, text: str) -> str:
        """Return `text` with every secret and credential-shaped string replaced."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return _CREDENTIAL_SHAPES.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = self.redact(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        fields = getattr(record, "audit", None)
        if isinstance(fields, dict):
            record.audit = {k: self.redact(v) if isinstance(v, str) else v for k, v in fields.items()}
        return True


class _Enqueue(logging.handlers.QueueHandler):
    """Hands records to the writer thread with the message already rendered (args may not survive)."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        prepared = copy.copy(record)
        prepared.msg, prepared.args = record.getMessage(), None
        if record.exc_info and not record.exc_text:
            prepared.exc_text = logging.Formatter().formatException(record.exc_info)
        prepared.exc_info = None
        return prepared


def configure_logging(level: int, secrets: Iterable[str], stream: Any = None) -> logging.handlers.QueueListener:
    """Send every log record, as redacted JSON, to stderr (or `stream`), written by a separate thread.

    The event loop only filters and enqueues; formatting and the write happen on the writer thread,
    so a slow or full stderr pipe never stalls Slack's acks. Stop the returned listener at exit to
    flush what is queued.
    """
    writer = logging.StreamHandler(stream or sys.stderr)
    writer.setFormatter(JsonFormatter())
    enqueue = _Enqueue(queue.SimpleQueue())
    # Filters run before enqueueing, in the logging thread, so redaction sees the real record.
    enqueue.addFilter(LibraryBodyFilter())
    enqueue.addFilter(RedactingFilter(secrets))
    listener = logging.handlers.QueueListener(enqueue.queue, writer)
    listener.start()
    root = logging.getLogger()
    root.handlers[:] = [enqueue]
    root.setLevel(level)
    # httpx logs every request at INFO, the Slack SDK every retry it makes (a second line for each Socket Mode
    # reconnect attempt while Slack is unreachable); the audit line, and the attempt's own line, say what matters.
    for chatty in ("httpx", "slack_sdk.web.async_base_client"):
        logging.getLogger(chatty).setLevel(max(level, logging.WARNING))
    return listener

