"""Debian's Chromium, headless, driven over the DevTools protocol: load a page at a given
viewport, measure it, and take a screenshot. Evaluating through DevTools works whatever
the page's Content-Security-Policy says (the page itself may run no script)."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import subprocess
import tempfile
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

    async def visit(self, url: str, *, width: int, height: int = 900) -> tuple[dict[str, Any], bytes]:
        """(measurements, PNG screenshot) of `url` at a `width`-pixel-wide viewport."""
        async with aiohttp.ClientSession() as http:
            async with http.put(f"http://127.0.0.1:{self.port}/json/new?about:blank") as response:
                target = await response.json(content_type=None)
            async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=64 * 1024 * 1024) as ws:
                async def call(method: str, **params: Any) -> dict[str, Any]:
                    message_id = next(self._ids)
                    await ws.send_json({"id": message_id, "method": method, "params": params})
                    while True:
                        reply = json.loads((await asyncio.wait_for(ws.receive(), 30)).data)
                        if reply.get("id") == message_id:
                            return reply.get("result", {})

                await call("Page.enable")
                await call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                           mobile=width < 600)
                await call("Page.navigate", url=url)
                for _ in range(100):  # until the document has loaded
                    state = await call("Runtime.evaluate", expression="document.readyState")
                    if state.get("result", {}).get("value") == "complete":
                        break
                    await asyncio.sleep(0.1)
                measured = await call("Runtime.evaluate", returnByValue=True, expression=(
                    "({scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,"
                    " height: document.documentElement.scrollHeight, title: document.title,"
                    " headings: document.querySelectorAll('h1,h2,h3').length})"))
                shot = await call("Page.captureScreenshot", format="png")
                await http.get(f"http://127.0.0.1:{self.port}/json/close/{target['id']}")
        return measured["result"]["value"], base64.b64decode(shot["data"])
