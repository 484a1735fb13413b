"""The audit catalogue: every event the bot writes is described in `bot.audit`, and every one described is written."""

from __future__ import annotations

import ast

from bot import audit
from bot.audit import Event, Reason
from tests.helpers import ROOT


def written() -> tuple[set[str], set[str]]:
    """The `Event.X` and `Reason.X` members that the bot's modules name, read with `ast`."""
    events: set[str] = set()
    reasons: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        if path.name == "audit.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id == "Event":
                    events.add(node.attr)
                elif node.value.id == "Reason":
                    reasons.add(node.attr)
    return events, reasons


def test_every_event_is_described_in_the_catalogue() -> None:
    """Each event has its line, with when it is written and its fields, in the module's docstring."""
    doc = audit.__doc__ or ""
    for event in Event:
        assert f"- `{event.value}` (" in doc, f"{event.value} is not described in bot/audit.py"


def test_every_event_and_reason_in_the_catalogue_is_written_somewhere() -> None:
    """No entry of the catalogue is dead, and the bot names no member the catalogue lacks."""
    events, reasons = written()
    assert events == {e.name for e in Event}
    assert reasons == {r.name for r in Reason}

