"""Debian's Chromium, headless, driven over the DevTools protocol: load a page at a given
viewport, measure it, and take a screenshot. Evaluating through DevTools works whatever
the page's Content-Security-Policy says (the page itself may run no script)."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import math
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from shared.dev.embedded import free_port, wait_for_port

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Chromium:
    def __init__(self) -> None:
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="chromium-")
        self.process: subprocess.Popen[bytes] | None = None
        self._ids = itertools.count(1)

    def __enter__(self) -> Chromium:
        binary = chromium_path()
        assert binary, "chromium is not installed (make setup installs it)"
        self.process = subprocess.Popen([binary, *FLAGS, f"--remote-debugging-port={self.port}",
                                         f"--user-data-dir={self.profile}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, timeout=30, process=self.process, what="chromium")
        return self

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)

    @asynccontextmanager
    async def tab(self, url: str, *, width: int, height: int = 900) -> AsyncIterator[Tab]:
        """A new tab at a `width`-pixel-wide viewport (a phone's below 600) that has loaded
        `url` (document complete, web fonts settled); closed on leaving."""
        async with aiohttp.ClientSession() as http:
            async with http.put(f"http://127.0.0.1:{self.port}/json/new?about:blank") as response:
                target = await response.json(content_type=None)
            try:
                async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=64 * 1024 * 1024) as ws:
                    tab = Tab(ws, self._ids, width=width, height=height)
                    await tab.call("Page.enable")
                    await tab.emulate(height)
                    await tab.call("Page.navigate", url=url)
                    for _ in range(100):  # until the document has loaded
                        if await tab.evaluate("document.readyState") == "complete":
                            break
                        await asyncio.sleep(0.1)
                    await tab.evaluate("document.fonts.ready.then(() => true)", await_promise=True)
                    yield tab
            finally:
                await http.get(f"http://127.0.0.1:{self.port}/json/close/{target['id']}")

    async def visit(self, url: str, *, width: int, height: int = 900) -> tuple[dict[str, Any], bytes]:
        """(measurements, PNG screenshot) of `url` at a `width`-pixel-wide viewport."""
        async with self.tab(url, width=width, height=height) as tab:
            measured = await tab.evaluate(
                "({scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,"
                " height: document.documentElement.scrollHeight, title: document.title,"
                " headings: document.querySelectorAll('h1,h2,h3').length})")
            return measured, await tab.screenshot()


class Tab:
    """One page of the browser, driven over its DevTools socket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, ids: Iterator[int], *, width: int, height: int) -> None:
        self.ws = ws
        self._ids = ids
        self.width, self.height = width, height

    async def emulate(self, height: int) -> None:
        """The viewport: the tab's width (a phone's below 600 px) and `height`."""
        await self.call("Emulation.setDeviceMetricsOverride", width=self.width, height=height, deviceScaleFactor=1,
                        mobile=self.width < 600)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        await self.ws.send_json({"id": message_id, "method": method, "params": params})
        while True:  # events and other answers pass by
            reply = json.loads((await asyncio.wait_for(self.ws.receive(), 60)).data)
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    async def evaluate(self, expression: str, *, await_promise: bool = False) -> Any:
        """The value of a JavaScript expression in the page (a thrown error raises here)."""
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                                 awaitPromise=await_promise)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise RuntimeError(details.get("exception", {}).get("description") or details.get("text"))
        return result.get("result", {}).get("value")

    async def screenshot(self, *, full_page: bool = False) -> bytes:
        """A PNG of the viewport, or of the whole page from top to bottom."""
        if not full_page:
            shot = await self.call("Page.captureScreenshot", format="png")
            return base64.b64decode(shot["data"])
        # The viewport is made as tall as the page for the shot: capturing beyond a small viewport
        # paints some layers (an image filling a box sized in vh) only in part. Heights in vh
        # follow the tall viewport, within the clamp() a design gives them.
        size = (await self.call("Page.getLayoutMetrics"))["cssContentSize"]
        await self.emulate(math.ceil(size["height"]))
        try:
            await self.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))",
                                await_promise=True)
            size = (await self.call("Page.getLayoutMetrics"))["cssContentSize"]
            shot = await self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                                   clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"],
                                         "scale": 1})
        finally:
            await self.emulate(self.height)
        return base64.b64decode(shot["data"])
