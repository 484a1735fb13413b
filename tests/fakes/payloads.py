"""What Slack sends: the sandbox's payload shapes (`bot.sandbox.payloads`), for the tests."""

from __future__ import annotations

from bot.sandbox.payloads import (
    action_body,
    command_body,
    home_opened_body,
    message_action_body,
    sign,
    signed_json,
    view_action_body,
)

__all__ = ["action_body", "command_body", "home_opened_body", "message_action_body", "sign", "signed_json",
           "view_action_body"]
