"""The HTTP edge: what a request to /slack/events must look like before Bolt sees it.

Bolt verifies signatures, but a non-numeric timestamp, a body that is not UTF-8, or a signed
payload of the wrong shape makes it raise, which would be a 500. Here every such request gets a
definite answer instead: 401 when it is not provably from Slack, 400 when Slack's signature is
right but the content is not a request this bot can handle. Pure: headers and bytes in, a verdict out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")
COMMAND_FIELDS = ("command", "team_id", "channel_id", "user_id", "response_url")
MAX_ACTION_VALUE = 2000
MAX_CLOCK_SKEW = 300
BAD_SIGNATURE = "bad signature"


@dataclass(frozen=True)
class Rejection:
    """Why a request is refused, and with which status."""

    status: int
    reason: str


def check(headers: dict[str, str], body: bytes, signing_secret: str, now: float | None = None) -> Rejection | None:
    """None if the request may go to Bolt; otherwise the status and reason to answer with.

    `headers` have lowercase names. The signature is checked over the raw bytes, so a body that is
    not UTF-8 is still a 401 when unsigned, and a 400 when signed.
    """
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not _TIMESTAMP.match(timestamp) or not _SIGNATURE.match(signature):
        return Rejection(401, "missing or malformed signature headers")
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_CLOCK_SKEW:
        return Rejection(401, "stale timestamp")
    expected = hmac.new(signing_secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    if not hmac.compare_digest("v0=" + expected.hexdigest(), signature):
        return Rejection(401, BAD_SIGNATURE)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Rejection(400, "body is not UTF-8")
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        return _check_json(text)
    if content_type != "application/x-www-form-urlencoded":
        return Rejection(415, f"unsupported content type {content_type[:40]!r}")
    form = parse_qs(text, keep_blank_values=True)
    if any(len(values) != 1 for values in form.values()):
        return Rejection(400, "a form field appears more than once")
    fields = {k: v[0] for k, v in form.items()}
    if "payload" in fields:
        return _check_payload(fields["payload"])
    if "command" in fields:
        return _check_command(fields)
    if fields.get("ssl_check") == "1":
        return None
    return Rejection(400, "neither a command nor an interaction payload")


def for_bolt(text: str) -> str:
    """The form body as Bolt must see it: the same fields, but never the bare word "payload" outside an interaction.

    Bolt takes any form body containing "payload" anywhere (a scope such as `service:payload-api`, a
    channel named `#payload-oncall`) for an interaction, finds no `payload` field, and dispatches an
    empty request that no listener answers. Writing that word's "p" as `%70` changes nothing for a
    form parser, Bolt's included, but hides the word from that test.
    """
    # A field named payload starts the body or follows an "&": in a form, "&" and "=" inside a value
    # are always percent-encoded, so this finds the field without parsing the body a second time.
    if "payload" not in text or text.startswith("payload=") or "&payload=" in text:
        return text
    return text.replace("payload", "%70ayload")


def _check_json(text: str) -> Rejection | None:
    # Slack sends JSON only for the Events API (url_verification, event_callback); Bolt answers those.
    try:
        data = json.loads(text)
    except ValueError:
        return Rejection(400, "body is not JSON")
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return Rejection(400, "JSON body without a type")
    return None


def _check_command(fields: dict[str, str]) -> Rejection | None:
    missing = [name for name in COMMAND_FIELDS if not fields.get(name)]
    if missing:
        return Rejection(400, f"command without {', '.join(missing)}")
    if not _is_url(fields["response_url"]):
        return Rejection(400, "response_url is not an http(s) URL")
    return None


def _check_payload(raw: str) -> Rejection | None:
    try:
        payload = json.loads(raw)
    except ValueError:
        return Rejection(400, "payload is not JSON")
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        return Rejection(400, "payload without a type")
    user, team, channel = payload.get("user"), payload.get("team"), payload.get("channel")
    user_team = user.get("team_id") if isinstance(user, dict) else None
    if not (_has_id(team) or (isinstance(user_team, str) and user_team)):
        return Rejection(400, "interaction naming no workspace")
    if payload["type"] != "block_actions":
        return None  # Bolt answers other interaction types (those not registered: 404)
    if not _has_id(user):
        return Rejection(400, "block_actions without user or team")
    if channel is not None and not _has_id(channel):
        return Rejection(400, "block_actions with a malformed channel")
    # A button in a message carries a response_url; one on an App Home tab or in a modal never does.
    in_view = (payload.get("container") or {}).get("type") == "view" and _has_id(payload.get("view"))
    if not (_is_url(payload.get("response_url")) or (in_view and payload.get("response_url") is None)):
        return Rejection(400, "block_actions without an http(s) response_url")
    actions = payload.get("actions")
    if not isinstance(actions, list) or not actions or not all(_is_action(a) for a in actions):
        return Rejection(400, "block_actions with malformed actions")
    return None


def _has_id(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("id"), str) and 0 < len(value["id"]) <= 64


def _is_action(value: Any) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("action_id"), str):
        return False
    action_value = value.get("value", "")
    return isinstance(action_value, str) and len(action_value) <= MAX_ACTION_VALUE


def _is_url(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 2000:
        return False
    parts = urlsplit(value)
    return parts.scheme in ("https", "http") and bool(parts.netloc)
