"""Slack's Block Kit limits, asserted on every message the bot sends (Slack refuses a whole message past any).

Each block goes through Slack's own models (`Block.parse(b).validate_json()`, then `.to_dict()` must
give the block back), and the limits those models do not check are checked here: 50 blocks a message,
a confirm dialog's 300-character text, and no link or entity cut in half.
"""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.models.blocks import Block

MAX_BLOCKS = 50
LIMITS = {
    "section_text": 3000, "field": 2000, "fields": 10, "header": 150, "context_elements": 10, "actions": 25,
    "button_text": 75, "value": 2000, "id": 255, "confirm_title": 100, "confirm_text": 300, "confirm_button": 30,
}
_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")


def assert_within_slack_limits(message: dict[str, Any]) -> None:
    """A message Slack would accept: fallback text, valid blocks within every documented limit, whole links."""
    if message.get("delete_original"):
        return  # a delete carries no content
    assert message.get("text"), f"no fallback text in {str(message)[:200]}"
    assert len(message["text"]) <= 40_000
    assert_blocks_within_limits(message.get("blocks") or [], MAX_BLOCKS)
    for text in _texts(message):
        _check_markup(text)


def assert_blocks_within_limits(blocks: list[dict[str, Any]], most: int) -> None:
    """Blocks Slack would accept in a message (`most` 50) or a view (100): each valid and within every limit."""
    assert len(blocks) <= most, f"{len(blocks)} blocks; at most {most} fit"
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, f"Slack's models do not know {block.get('type')!r}"
        parsed.validate_json()
        assert parsed.to_dict() == block, f"Slack's models changed the block {str(block)[:200]}"
        _check_block(block)
        for text in _texts({"text": "", "blocks": [block]})[1:]:
            _check_markup(text)


def _check_block(block: dict[str, Any]) -> None:
    kind = block["type"]
    assert len(block.get("block_id", "")) <= LIMITS["id"]
    if kind == "section":
        if "text" in block:
            assert 1 <= len(block["text"]["text"]) <= LIMITS["section_text"]
        fields = block.get("fields", [])
        assert len(fields) <= LIMITS["fields"]
        assert all(len(f["text"]) <= LIMITS["field"] for f in fields)
    if kind == "header":
        assert len(block["text"]["text"]) <= LIMITS["header"]
    if kind == "context":
        assert 1 <= len(block["elements"]) <= LIMITS["context_elements"]
    if kind == "actions":
        assert 1 <= len(block["elements"]) <= LIMITS["actions"]
    elements = [*block.get("elements", []), *([block["accessory"]] if "accessory" in block else [])]
    for element in elements:
        if element.get("type") == "mrkdwn":
            assert 1 <= len(element["text"]) <= LIMITS["section_text"]
        if element.get("type") == "button":
            _check_button(element)


def _check_button(button: dict[str, Any]) -> None:
    assert 1 <= len(button["text"]["text"]) <= LIMITS["button_text"]
    assert len(button.get("value", "")) <= LIMITS["value"]
    assert 1 <= len(button["action_id"]) <= LIMITS["id"]
    confirm = button.get("confirm")
    if confirm:
        assert 1 <= len(confirm["title"]["text"]) <= LIMITS["confirm_title"]
        assert 1 <= len(confirm["text"]["text"]) <= LIMITS["confirm_text"], confirm["text"]["text"]
        assert 1 <= len(confirm["confirm"]["text"]) <= LIMITS["confirm_button"]
        assert 1 <= len(confirm["deny"]["text"]) <= LIMITS["confirm_button"]


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
