"""Headless Chromium driven over the DevTools protocol: real clicks and keys, the console's errors, screenshots.

Used by the page's browser test and by `tools/pictures.py`. Chromium is Debian's (`apt-get install -y
chromium`; `.ci/run` installs it); where it is absent, `chromium_path()` says so and the test skips.
Started as the machine's probe starts it: headless, no sandbox (we run as root in CI), no GPU, and no
background networking, whose connections a closed network refuses.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import re
import shutil
import tempfile
from typing import Any

import aiohttp

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--remote-debugging-port=0")


def chromium_path() -> str | None:
    """Where Chromium is, if it is installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class Browser:
    """One Chromium process, and the DevTools connection to it."""

    def __init__(self) -> None:
        self._process: asyncio.subprocess.Process | None = None
        self._profile = tempfile.TemporaryDirectory(prefix="chromium-")
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._pages: dict[str, Page] = {}
        self._reader: asyncio.Task[None] | None = None
        self._drainer: asyncio.Task[None] | None = None

    async def start(self, width: int = 1400, height: int = 900) -> None:
        """Start Chromium and connect to it."""
        path = chromium_path()
        if path is None:
            raise RuntimeError("chromium is not installed (apt-get install -y chromium)")
        self._process = await asyncio.create_subprocess_exec(
            path, *FLAGS, f"--user-data-dir={self._profile.name}", f"--window-size={width},{height}", "about:blank",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        assert self._process.stderr is not None
        url = ""
        async with asyncio.timeout(30):
            while not url:
                line = (await self._process.stderr.readline()).decode(errors="replace")
                if not line:
                    raise RuntimeError("chromium exited before it listened for DevTools")
                found = re.search(r"DevTools listening on (ws://\S+)", line)
                url = found.group(1) if found else ""
        self._drainer = asyncio.create_task(self._drain(self._process.stderr))
        self._session = aiohttp.ClientSession()
        self._socket = await self._session.ws_connect(url, max_msg_size=0)
        self._reader = asyncio.create_task(self._read())

    @staticmethod
    async def _drain(stream: asyncio.StreamReader) -> None:
        while await stream.readline():
            pass

    async def stop(self) -> None:
        """Close the connection and end Chromium."""
        if self._reader is not None:
            self._reader.cancel()
        if self._socket is not None:
            await self._socket.close()
        if self._session is not None:
            await self._session.close()
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await self._process.wait()
            if self._process.returncode is None:
                self._process.kill()
                await self._process.wait()
        self._profile.cleanup()

    async def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """One DevTools command; its result (RuntimeError with Chromium's message if it failed)."""
        assert self._socket is not None
        number = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[number] = future
        message: dict[str, Any] = {"id": number, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        await self._socket.send_str(json.dumps(message))
        async with asyncio.timeout(30):
            answer = await future
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error'].get('message')}")
        result: dict[str, Any] = answer.get("result", {})
        return result

    async def _read(self) -> None:
        assert self._socket is not None
        async for frame in self._socket:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            message = json.loads(frame.data)
            if "id" in message and message["id"] in self._waiting:
                self._waiting.pop(message["id"]).set_result(message)
            elif "sessionId" in message and message["sessionId"] in self._pages:
                self._pages[message["sessionId"]].event(message)

    async def page(self, width: int = 1400, height: int = 900) -> Page:
        """A new tab, with the console and the page's errors recorded."""
        target = await self.send("Target.createTarget", url="about:blank")
        attached = await self.send("Target.attachToTarget", targetId=target["targetId"], flatten=True)
        page = Page(self, attached["sessionId"])
        self._pages[page.session] = page
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            await page.send(domain)
        await page.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                        mobile=False)
        return page


class Page:
    """One tab."""

    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session
        self.errors: list[str] = []  # console errors, uncaught exceptions, failed loads

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """A DevTools command for this tab."""
        return await self.browser.send(method, self.session, **params)

    def event(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.errors.append(str(details.get("exception", {}).get("description") or details.get("text")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            self.errors.append(str(params["entry"].get("text")) + " " + str(params["entry"].get("url", "")))

    async def goto(self, url: str) -> None:
        """Load `url` and wait for its load event."""
        await self.send("Page.navigate", url=url)
        await self.wait_for("document.readyState === 'complete'")

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    async def wait_for(self, condition: str, within: float = 10.0) -> Any:
        """Wait until a JavaScript expression is truthy; its value."""
        async with asyncio.timeout(within):
            while True:
                value = await self.evaluate(condition)
                if value:
                    return value
                await asyncio.sleep(0.05)

    async def _middle(self, selector: str) -> dict[str, float]:
        """The middle of the first visible element matching `selector`, scrolled into view."""
        box: dict[str, float] = await self.wait_for(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null;"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return r.width ? {x: r.x + r.width / 2, y: r.y + r.height / 2} : null; })()")
        return box

    async def hover(self, selector: str) -> None:
        """Move the mouse over the middle of the element (what shows a message's tools)."""
        box = await self._middle(selector)
        await self.send("Input.dispatchMouseEvent", type="mouseMoved", x=box["x"], y=box["y"])

    async def click(self, selector: str) -> None:
        """A real mouse click (move, press and release) at the middle of the first element matching `selector`."""
        box = await self._middle(selector)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            await self.send("Input.dispatchMouseEvent", type=kind, x=box["x"], y=box["y"], button="left",
                            clickCount=1)

    async def type(self, selector: str, text: str) -> None:
        """Focus the element and type `text` into it, then press Enter."""
        await self.click(selector)
        await self.send("Input.insertText", text=text)
        for kind in ("keyDown", "keyUp"):
            await self.send("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter",
                            windowsVirtualKeyCode=13, text="\r" if kind == "keyDown" else "")

    async def screenshot(self, selector: str) -> bytes:
        """A PNG of the element matching `selector`, exactly its box."""
        box = await self.wait_for(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null;"
            " const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}; })()")
        shot = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                               clip={**box, "scale": 1})
        return base64.b64decode(shot["data"])
