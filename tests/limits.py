"""Slack's Block Kit limits, asserted on every message the bot sends (Slack refuses a whole message past any).

Slack's own limits are the sandbox's (`bot.sandbox.limits`: the rules the sandbox Slack refuses by);
the house rules on top: a fallback text in every message, and no link or entity cut in half.
"""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.limits import MESSAGE_BLOCKS, block_problems, message_problems

MAX_BLOCKS = MESSAGE_BLOCKS
_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")


def assert_within_slack_limits(message: dict[str, Any]) -> None:
    """A message Slack would accept: fallback text, valid blocks within every documented limit, whole links."""
    if message.get("delete_original"):
        return  # a delete carries no content
    assert message.get("text"), f"no fallback text in {str(message)[:200]}"
    problems = message_problems(message)
    assert problems == [], problems
    for text in _texts(message):
        _check_markup(text)


def assert_blocks_within_limits(blocks: list[dict[str, Any]], most: int) -> None:
    """Blocks Slack would accept in a message (`most` 50) or a view (100): each valid and within every limit."""
    problems = block_problems(blocks, most)
    assert problems == [], problems
    for block in blocks:
        for text in _texts({"text": "", "blocks": [block]})[1:]:
            _check_markup(text)


def _texts(message: dict[str, Any]) -> list[str]:
    found = [message["text"]]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.get("blocks") or [])
    return found


def _check_markup(text: str) -> None:
    """Every `<` has its `>` (no link cut in half), and `&` only starts one of Slack's three entities."""
    depth = 0
    for char in text:
        if char == "<":
            assert depth == 0, f"a link inside a link in {text[:200]!r}"
            depth = 1
        elif char == ">":
            depth = 0
    assert depth == 0, f"a link cut in half: …{text[-120:]!r}"
    assert not _ENTITY.search(text), f"a bare or cut & in {text[:200]!r}"
