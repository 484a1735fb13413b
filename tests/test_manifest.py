"""The Slack app manifest is valid against Slack's schema and matches what the code handles."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot import COMMAND
from bot.slack.http_app import EVENTS_PATH
from bot.slack.views.action_ids import WHATS_MUTING_CALLBACK
from tests.helpers import MANIFEST_SCHEMA

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"


def manifest() -> dict[str, Any]:
    """manifest.yml as it is pasted for the quick start (Socket Mode)."""
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text())
    return data


def http_manifest() -> dict[str, Any]:
    """manifest.yml edited for HTTP mode as its header says: uncomment the lines ending in "# HTTP mode",
    delete the one ending in "# Socket Mode"."""
    lines = []
    for line in MANIFEST.read_text().splitlines():
        if line.endswith("# Socket Mode"):
            continue
        if line.endswith("# HTTP mode"):
            indent = len(line) - len(line.lstrip())
            line = " " * indent + line.strip().removeprefix("# ")
        lines.append(line)
    data: dict[str, Any] = yaml.safe_load("\n".join(lines))
    return data


@pytest.mark.parametrize("variant", [manifest, http_manifest], ids=["Socket Mode", "HTTP mode"])
def test_manifest_validates_against_slacks_schema(variant: Callable[[], dict[str, Any]]) -> None:
    """Slack's JSON Schema accepts manifest.yml as pasted for Socket Mode, and as edited for HTTP mode."""
    if not MANIFEST_SCHEMA.exists():
        pytest.skip(f"Slack's manifest schema not found at {MANIFEST_SCHEMA} (checkout outside the workspace)")
    schema = json.loads(MANIFEST_SCHEMA.read_text())
    jsonschema.validate(variant(), schema)


def test_the_quick_start_pastes_the_manifest_as_it_is() -> None:
    """As shipped, the manifest is Socket Mode's and names no request URL (there is nothing to replace)."""
    data = manifest()
    assert data["settings"]["socket_mode_enabled"] is True
    assert "bot.example.com" not in json.dumps(data)


def test_the_http_mode_edit_gives_every_url_and_turns_socket_mode_off() -> None:
    """The header's edit for HTTP mode: socket mode off, and the command, interactivity and events all at
    /slack/events; nothing else changes."""
    socket, http = manifest(), http_manifest()
    assert http["settings"]["socket_mode_enabled"] is False
    urls = [http["features"]["slash_commands"][0]["url"], http["settings"]["interactivity"]["request_url"],
            http["settings"]["event_subscriptions"]["request_url"]]
    assert all(url.endswith(EVENTS_PATH) and url.startswith("https://") for url in urls)
    for part in (http["features"]["slash_commands"][0], http["settings"]["interactivity"],
                 http["settings"]["event_subscriptions"]):
        part.pop("url", None)
        part.pop("request_url", None)
    http["settings"]["socket_mode_enabled"] = True
    assert http == socket


def test_manifest_declares_the_command_the_bot_handles() -> None:
    """The command, unescaped text, interactivity, and the three scopes the bot uses."""
    data = manifest()
    (command,) = data["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert command["should_escape"] is False
    assert command["usage_hint"]
    assert data["settings"]["interactivity"]["is_enabled"] is True
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
    assert len(data["features"]["slash_commands"][0]["usage_hint"]) <= 1000
