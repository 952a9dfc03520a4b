"""The demo tenant's site, made on first `make run` through the platform's own API, as a
newcomer would: a few images uploaded (and described), a home page generated from a brief
(offline provider without a key), then published. Run again, it leaves an existing home
page alone."""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request
from typing import Any

from PIL import Image, ImageDraw

BRIEF = ("A home page for Maison Levain, a neighbourhood sourdough bakery in Lyon: naturally leavened breads baked "
         "at dawn, morning pastries, a weekend brunch and bread-making workshops.")
SECTIONS = ["navigation", "hero", "features", "gallery", "testimonials", "faq", "contact", "footer"]
# (file name, background, foreground): simple pictures whose names and colours describe them
PICTURES = [("golden-sourdough-loaf.png", (235, 205, 160), (160, 95, 40)),
            ("morning-croissants-basket.png", (250, 235, 200), (200, 130, 50)),
            ("bakery-shop-front-lyon.png", (40, 60, 90), (240, 220, 170))]


class Api:
    def __init__(self, base_url: str, host: str) -> None:
        self.base_url, self.host, self.token = base_url, host, ""

    def call(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        sent = {"host": self.host, "content-type": "application/octet-stream" if raw is not None
                else "application/json", **(headers or {})}
        if self.token:
            sent["authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), json.loads(exc.read() or b"null")


def picture(background: tuple[int, int, int], foreground: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (1200, 800), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((350, 180, 850, 620), fill=foreground)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def wait_for(probe: Any, seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        answer = probe()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


def seed_demo_site(base_url: str, host: str, email: str, password: str) -> str:
    """What happened, in a few words."""
    api = Api(base_url, host)
    status, _, body = api.call("POST", "/api/identity/login", {"email": email, "password": password})
    if status != 200:
        return f"demo log-in failed ({status})"
    api.token = body["access_token"]
    _, _, pages = api.call("GET", "/api/cms/pages")
    if any(page["slug"] == "/" for page in pages["pages"]):
        return "home page already there"
    for name, background, foreground in PICTURES:
        api.call("POST", f"/api/assets/assets/raw?filename={name}", raw=picture(background, foreground))
    wait_for(lambda: len(api.call("GET", "/api/assets/assets?status=described")[2]["assets"]) >= len(PICTURES), 20)
    status, _, job = api.call("POST", "/api/cms/generations", {
        "prompt": BRIEF, "slug": "/", "tone": "warm", "sections": SECTIONS})
    if status != 202:
        return f"home page generation refused ({status}: {job.get('detail')})"
    done = wait_for(lambda: (j := api.call("GET", job["status_url"])[2])["status"] in ("saved", "failed") and j, 120)
    if not done or done["status"] != "saved":
        return f"home page generation did not finish: {done and done.get('reason')}"
    _, headers, _ = api.call("GET", f"/api/cms/pages/{done['page_id']}")
    status, _, published = api.call("POST", f"/api/cms/pages/{done['page_id']}/publish",
                                    headers={"if-match": headers.get("etag", headers.get("ETag", ""))})
    if status != 200:
        return f"home page generated but not published ({status}: {published.get('detail')})"
    return f"home page generated ({done['model']}, {done['credits']} credits) and published"
