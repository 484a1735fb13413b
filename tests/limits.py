"""Slack's Block Kit limits, asserted on a message the bot would send."""

from __future__ import annotations

from typing import Any


def assert_within_slack_limits(message: dict[str, Any]) -> None:
    """Fallback text present; text, sections, buttons and block count within Slack's limits."""
    assert message["text"]
    assert len(message["text"]) <= 4000
    assert len(message["blocks"]) <= 50
    for block in message["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        for element in [*block.get("elements", []), *([block["accessory"]] if "accessory" in block else [])]:
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= 75
                assert len(element["value"]) <= 2000
                assert len(element["action_id"]) <= 255
            if element.get("type") == "mrkdwn":
                assert len(element["text"]) <= 3000
