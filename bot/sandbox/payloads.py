"""What Slack sends an app: signed headers, slash-command bodies, clicks, shortcuts and events.

The sandbox Slack sends these to the bot, and the tests send the same shapes (`tests.fakes`). Each is
modelled on what Slack documents and on Bolt's own test payloads (see `bot.sandbox.people`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode


def sign(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with a request: timestamp and v0 HMAC-SHA256 signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def command_body(text: str, *, response_url: str, user_id: str = "U_ALICE", team_id: str = "T0001",
                 channel_id: str = "C_OPS", app_id: str = "A0001", team_domain: str = "acme",
                 channel_name: str = "ops", user_name: str = "alice", enterprise_id: str | None = None,
                 is_enterprise_install: bool = False) -> bytes:
    """A slash-command form body as Slack sends it (in Enterprise Grid with `enterprise_id`, and
    `is_enterprise_install` for an org-wide install: `bot.sandbox.people`)."""
    grid = {"enterprise_id": enterprise_id, "enterprise_name": "Acme Org"} if enterprise_id else {}
    return urlencode({
        **grid,
        "is_enterprise_install": "true" if is_enterprise_install else "false",
        "token": "legacy-verification-token",
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": "/cancel-downtime",
        "text": text,
        "api_app_id": app_id,
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }).encode()


_SAME = "same as team_id"


def action_body(action_id: str, value: str, *, response_url: str, user_id: str = "U_ALICE",
                team_id: str | None = "T0001", channel_id: str = "C_OPS", user_team_id: str | None = _SAME,
                enterprise_id: str | None = None, is_enterprise_install: bool = False,
                block_id: str = "cancel_downtime_decision", message: dict[str, Any] | None = None,
                trigger_id: str = "4.5.6", user_name: str = "someone", channel_name: str = "ops") -> bytes:
    """A block_actions form body (payload=JSON) as Slack sends it for a button click.

    `team_id` None sends `"team": null` (an org-wide install's clicks); `user_team_id` is the
    clicker's own workspace (`user.team_id`: in a Slack Connect channel not the channel owner's
    `team.id`), None to leave it out; `enterprise_id` adds the Grid organisation (`bot.sandbox.people`).
    `message` is the message clicked on (Slack sends it for a message in the channel, not for an ephemeral one).
    """
    user_team = team_id if user_team_id == _SAME else user_team_id
    payload = {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "acme"} if team_id is not None else None,
        "user": {"id": user_id, "username": user_name, "name": user_name,
                 **({"team_id": user_team} if user_team is not None else {})},
        **({"enterprise": {"id": enterprise_id, "name": "Acme Org"}} if enterprise_id else {}),
        "is_enterprise_install": is_enterprise_install,
        "api_app_id": "A0001",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": (message or {}).get("ts", "1700000000.000200"),
                      "channel_id": channel_id, "is_ephemeral": message is None},
        "trigger_id": trigger_id,
        "channel": {"id": channel_id, "name": channel_name},
        **({"message": message} if message is not None else {}),
        "response_url": response_url,
        "actions": [{
            "type": "button",
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "action_ts": "1700000001.000300",
        }],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def signed_json(body: bytes, secret: str) -> dict[str, str]:
    """The headers of an Events API request (JSON, signed the same way)."""
    return {**sign(body, secret), "Content-Type": "application/json"}


def home_opened_body(*, user_id: str = "U_ALICE", team_id: str = "T0001", channel: str = "D0ALICE",
                     tab: str = "home", app_id: str = "A0001") -> bytes:
    """`app_home_opened` as the Events API delivers it (an `event_callback`): the DM channel with the app, and the
    tab opened."""
    return json.dumps({
        "token": "legacy-verification-token", "team_id": team_id, "api_app_id": app_id, "type": "event_callback",
        "event_id": f"Ev{int(time.time() * 1000)}", "event_time": int(time.time()),
        "authorizations": [{"team_id": team_id, "user_id": "U_BOT", "is_bot": True, "is_enterprise_install": False}],
        "event": {"type": "app_home_opened", "user": user_id, "channel": channel, "tab": tab,
                  "event_ts": f"{time.time():.6f}"},
    }).encode()


def view_action_body(action_id: str, value: str, *, view: dict[str, Any], trigger_id: str,
                     user_id: str = "U_ALICE", team_id: str = "T0001", block_id: str = "b1") -> bytes:
    """A block_actions click on a button in a view (the Home tab, a modal), as Slack sends it: the `view`
    (with its ID and private_metadata) and a `trigger_id`, no channel and no response_url."""
    payload = {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "acme"},
        "user": {"id": user_id, "username": "someone", "name": "someone", "team_id": team_id},
        "api_app_id": "A0001", "token": "legacy-verification-token", "is_enterprise_install": False,
        "container": {"type": "view", "view_id": view.get("id", "VHOME")},
        "trigger_id": trigger_id,
        "view": {**view, "id": view.get("id", "VHOME"), "team_id": team_id, "app_id": "A0001", "hash": "1.abc"},
        "actions": [{"type": "button", "action_id": action_id, "block_id": block_id, "value": value,
                     "action_ts": "1700000001.000300"}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def message_action_body(message: dict[str, Any], *, response_url: str, trigger_id: str, callback_id: str,
                        user_id: str = "U_ALICE", team_id: str = "T0001", channel_id: str = "C_OPS") -> bytes:
    """A message shortcut (`message_action`) as Slack sends it: the message it was used on, the channel, a
    response_url and a trigger_id."""
    payload = {
        "type": "message_action", "callback_id": callback_id, "trigger_id": trigger_id,
        "team": {"id": team_id, "domain": "acme"},
        "user": {"id": user_id, "username": "someone", "name": "someone", "team_id": team_id},
        "channel": {"id": channel_id, "name": "ops"}, "is_enterprise_install": False,
        "api_app_id": "A0001", "token": "legacy-verification-token",
        "message": message, "message_ts": message.get("ts", "1700000000.000100"),
        "response_url": response_url, "action_ts": "1700000001.000300",
    }
    return urlencode({"payload": json.dumps(payload)}).encode()
