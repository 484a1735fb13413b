"""The pictures in `docs/`: each is drawn from the message JSON kept beside it, and that JSON is still what the bot
sends in its scene. When the bot's words change, this fails until `tools/pictures.py` draws them again."""

from __future__ import annotations

import json
import re

from tests.helpers import ROOT
from tests.scenes import DRAWN_FROM, PICTURES, digest, normalise, played, texts

REDRAW = "the bot's messages changed: run .venv/bin/python tools/pictures.py and commit docs/pictures/"


async def test_each_pictures_json_is_what_the_bot_sends_now() -> None:
    """Every scene played on a fresh sandbox sends exactly the message kept beside its picture (times masked)."""
    shots, _ = await played()
    kept = {p.stem for p in PICTURES.glob("*.json")}
    assert kept == {s.name for s in shots}, REDRAW
    for shot in shots:
        saved = json.loads((PICTURES / f"{shot.name}.json").read_text())
        assert saved == {"caption": shot.caption, "kind": shot.kind, "payload": normalise(shot.payload)}, \
            f"{shot.name}: {REDRAW}"


def test_each_picture_was_drawn_from_its_json() -> None:
    """Each PNG names, in a text chunk, the SHA-256 of the JSON it was drawn from; that is the JSON beside it."""
    names = sorted(p.stem for p in PICTURES.glob("*.json"))
    assert names, "docs/pictures/ holds no pictures"
    for name in names:
        png = (PICTURES / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n"), name
        payload = json.loads((PICTURES / f"{name}.json").read_text())["payload"]
        assert texts(png).get(DRAWN_FROM) == digest(payload), f"{name}.png is older than {name}.json: {REDRAW}"
    assert sorted(p.stem for p in PICTURES.glob("*.png")) == names


def test_the_behaviour_page_shows_every_picture_as_a_rendering() -> None:
    """docs/behaviour.md shows each picture, once, and says they are renderings of the sandbox's messages."""
    page = (ROOT / "docs" / "behaviour.md").read_text()
    shown = re.findall(r"!\[[^\]]*\]\(pictures/([a-z-]+)\.png\)", page)
    assert sorted(shown) == sorted(p.stem for p in PICTURES.glob("*.json"))
    assert "rendering" in page.lower()
    assert "python -m bot demo" in page
