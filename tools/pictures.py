"""Draw every picture in `docs/pictures/`: the sandbox's scenes, each message rendered and photographed.

    .venv/bin/python tools/pictures.py

Runs the real bot in the sandbox (`tests/scenes.py` says what each scene does), renders each message or
view it sent through the page's own Block Kit renderer and stylesheet (`bot/sandbox/blockkit.py`,
`bot/sandbox/static/page.css`), and photographs it with headless Chromium (Debian's `chromium`; emoji
need `fonts-noto-color-emoji`). Beside each `<name>.png` it writes `<name>.json`, the message as the bot
sent it with times and one-off IDs masked; the PNG carries that JSON's SHA-256, and
`tests/test_pictures.py` fails when either no longer matches what the bot sends.
"""

from __future__ import annotations

import asyncio
import html
import json
import sys
import tempfile
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.sandbox.blockkit import Rendered
from tests.browser import Browser, chromium_path
from tests.scenes import DRAWN_FROM, PICTURES, Shot, digest, normalise, played, with_text

WIDTH = 760


def document(shot: Shot, names: Rendered) -> str:
    """A page holding one message (as a channel shows it) or one view (a Home tab, a modal)."""
    css = resources.files("bot.sandbox").joinpath("static", "page.css").read_text(encoding="utf-8")
    blocks = names.blocks(shot.payload.get("blocks") or [], str(shot.payload.get("text") or ""))
    if shot.kind in ("home", "modal"):
        title = html.escape(str((shot.payload.get("title") or {}).get("text", "")))
        head = f'<div class="modal-head">{title}</div>' if shot.kind == "modal" else ""
        body = f'<div class="frame view" id="shot">{head}<div class="view-body">{blocks}</div></div>'
    else:
        only = '<div class="only-you">Only visible to you</div>' if shot.kind == "ephemeral" else ""
        body = (f'<div class="frame" id="shot"><div class="message"><div class="avatar app">C</div>'
                f'<div class="message-body">{only}<span class="author">cancel-downtime</span>'
                f'<span class="badge">APP</span><span class="time">14:05 UTC</span>'
                f'<div class="blocks">{blocks}</div></div></div></div>')
    return f'<!doctype html><html><head><meta charset="utf-8"><style>{css}</style></head>' \
           f'<body class="picture">{body}</body></html>'


async def main() -> int:
    if chromium_path() is None:
        print("chromium is not installed: apt-get install -y chromium fonts-noto-color-emoji", file=sys.stderr)
        return 1
    shots, sandbox = await played()
    renderer = Rendered(sandbox.page.name_of)  # the names the page shows
    browser = Browser()
    await browser.start(WIDTH, 1000)
    PICTURES.mkdir(parents=True, exist_ok=True)
    try:
        page = await browser.page(WIDTH, 1000)
        with tempfile.TemporaryDirectory() as folder:
            for shot in shots:
                source = Path(folder) / f"{shot.name}.html"
                source.write_text(document(shot, renderer), encoding="utf-8")
                await page.goto(source.as_uri())
                await page.evaluate("document.fonts.ready.then(() => true)")
                png = await page.screenshot("#shot")
                (PICTURES / f"{shot.name}.png").write_bytes(with_text(png, DRAWN_FROM, digest(shot.payload)))
                kept = {"caption": shot.caption, "kind": shot.kind, "payload": normalise(shot.payload)}
                (PICTURES / f"{shot.name}.json").write_text(json.dumps(kept, indent=1, ensure_ascii=False) + "\n",
                                                            encoding="utf-8")
                print(f"docs/pictures/{shot.name}.png  {shot.caption}")
        if renderer.unsupported:
            print(f"not drawn: {sorted(set(renderer.unsupported))}", file=sys.stderr)
            return 1
    finally:
        await browser.stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
