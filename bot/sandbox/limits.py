"""What Slack refuses in a message or a view: its documented Block Kit limits, checked with Slack's own models.

The sandbox Slack refuses what these name, as Slack refuses a whole message or view past any limit;
the tests' Slack fake and `tests/limits.py` hold every message the bot sends in the tests to the same
rules (one rule set, not two). Each block goes through `slack_sdk`'s models
(`Block.parse(b).validate_json()`, and `.to_dict()` must give the block back); the limits the models
do not check are checked here.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
TEXT = 40_000  # a message's fallback text
LIMITS = {
    "section_text": 3000, "field": 2000, "fields": 10, "header": 150, "context_elements": 10, "actions": 25,
    "button_text": 75, "value": 2000, "id": 255, "confirm_title": 100, "confirm_text": 300, "confirm_button": 30,
    "modal_title": 24, "private_metadata": 3000,
}


def message_problems(message: dict[str, Any]) -> list[str]:
    """Why Slack would refuse this message (its `text` and `blocks`); empty when it would take it."""
    if len(str(message.get("text") or "")) > TEXT:
        return [f"text over {TEXT} characters"]
    blocks = message.get("blocks")
    if blocks is None:
        return []
    if not isinstance(blocks, list):
        return ["blocks is not a list"]
    return block_problems(blocks, MESSAGE_BLOCKS)


def block_problems(blocks: list[Any], most: int) -> list[str]:
    """Why Slack would refuse these blocks in a message (`most` 50) or a view (100)."""
    if len(blocks) > most:
        return [f"{len(blocks)} blocks; at most {most} fit"]
    problems: list[str] = []
    for block in blocks:
        if not isinstance(block, dict):
            problems.append("a block is not an object")
            continue
        try:
            parsed = Block.parse(block)
            if parsed is None:
                problems.append(f"Slack's models do not know {block.get('type')!r}")
                continue
            parsed.validate_json()
            if parsed.to_dict() != block:
                problems.append(f"Slack's models changed the block {str(block)[:200]}")
            problems.extend(_beyond_models(block))
        except (SlackObjectFormationError, KeyError, TypeError, AttributeError) as exc:
            problems.append(f"invalid {block.get('type')} block: {exc}"[:300])
    return problems


def view_problems(view: Any, kind: str) -> list[str]:
    """Why Slack would refuse a view: the wrong type, over 100 blocks, a modal without a title, a title or close
    over 24 characters, private_metadata over 3,000, a `text` field (views have none), any invalid block."""
    if not isinstance(view, dict):
        return ["view is not an object"]
    problems = []
    if view.get("type") != kind:
        problems.append(f"view type {view.get('type')!r} where {kind!r} is expected")
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        return [*problems, "view has no blocks"]
    if kind == "modal":  # a title is required, a close button's words optional; both plain text, 1 to 24
        for part in ("title", *(["close"] if "close" in view else [])):
            shown = (view.get(part) or {}).get("text", "")
            if (view.get(part) or {}).get("type") != "plain_text" or not 0 < len(shown) <= LIMITS["modal_title"]:
                problems.append(f"modal {part} must be plain_text of 1 to {LIMITS['modal_title']} characters")
    if len(str(view.get("private_metadata", ""))) > LIMITS["private_metadata"]:
        problems.append(f"private_metadata over {LIMITS['private_metadata']} characters")
    if "text" in view:
        problems.append("a view has no text field")
    return problems + block_problems(blocks, VIEW_BLOCKS)


def _beyond_models(block: dict[str, Any]) -> list[str]:
    """The documented limits Slack's models leave unchecked."""
    problems = []

    def over(what: str, size: int, *, least: int = 1) -> None:
        if not least <= size <= LIMITS[what]:
            problems.append(f"{what.replace('_', ' ')}: {size}, where {least} to {LIMITS[what]} are allowed")

    kind = block["type"]
    over("id", len(block.get("block_id", "")), least=0)
    if kind == "section":
        if "text" in block:
            over("section_text", len(block["text"]["text"]))
        fields = block.get("fields", [])
        over("fields", len(fields), least=0)
        for text in fields:
            over("field", len(text["text"]))
    if kind == "header":
        over("header", len(block["text"]["text"]))
    if kind == "context":
        over("context_elements", len(block["elements"]))
    if kind == "actions":
        over("actions", len(block["elements"]))
    for element in [*block.get("elements", []), *([block["accessory"]] if "accessory" in block else [])]:
        if element.get("type") == "mrkdwn":
            over("section_text", len(element["text"]))
        if element.get("type") == "button":
            over("button_text", len(element["text"]["text"]))
            over("value", len(element.get("value", "")), least=0)
            over("id", len(element["action_id"]))
            confirm = element.get("confirm")
            if confirm:
                over("confirm_title", len(confirm["title"]["text"]))
                over("confirm_text", len(confirm["text"]["text"]))
                over("confirm_button", len(confirm["confirm"]["text"]))
                over("confirm_button", len(confirm["deny"]["text"]))
    return problems
