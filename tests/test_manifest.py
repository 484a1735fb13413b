"""The Slack app manifest is valid against Slack's schema and matches what the code handles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot import COMMAND
from bot.slack.server import EVENTS_PATH
from bot.slack.views.action_ids import WHATS_MUTING_CALLBACK
from tests.helpers import MANIFEST_SCHEMA

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text())
    return data


def test_manifest_validates_against_slacks_schema() -> None:
    """Slack's JSON Schema accepts manifest.yml."""
    if not MANIFEST_SCHEMA.exists():
        pytest.skip(f"Slack's manifest schema not found at {MANIFEST_SCHEMA} (checkout outside the workspace)")
    schema = json.loads(MANIFEST_SCHEMA.read_text())
    jsonschema.validate(manifest(), schema)


def test_manifest_declares_the_command_the_bot_handles() -> None:
    """The command, its URL path, unescaped text, interactivity, and the three scopes the bot uses."""
    data = manifest()
    (command,) = data["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert command["should_escape"] is False
    assert command["usage_hint"]
    assert command["url"].endswith(EVENTS_PATH)
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["settings"]["interactivity"]["request_url"].endswith(EVENTS_PATH)
    assert sorted(data["oauth_config"]["scopes"]["bot"]) == ["chat:write", "commands", "users:read"]


def test_manifest_declares_the_shortcut_the_home_tab_and_its_event() -> None:
    """The message shortcut's callback ID is the one registered, the Home tab is on, app_home_opened is subscribed
    at the same URL, and no scope was added for them."""
    data = manifest()
    (shortcut,) = data["features"]["shortcuts"]
    assert shortcut["type"] == "message"
    assert shortcut["callback_id"] == WHATS_MUTING_CALLBACK
    assert len(shortcut["name"]) <= 24
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    assert data["features"]["app_home"]["messages_tab_enabled"] is True  # reports of Home actions go to the DM
    events = data["settings"]["event_subscriptions"]
    assert events["bot_events"] == ["app_home_opened"]
    assert events["request_url"].endswith(EVENTS_PATH)
    assert len(data["features"]["slash_commands"][0]["usage_hint"]) <= 1000
