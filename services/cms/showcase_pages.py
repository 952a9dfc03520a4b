"""The component showcase: one page per theme preset holding every component and variant
(showcase.py's tree), served with no tenant on the platform's own host (`/__showcase`,
through the gateway), so a person can look at every piece, and the browser audits can hold
every piece to account (tests/e2e/test_site_audits.py, bench/bench_lighthouse.py).

Its pictures are the openly licensed photographs `make photos` builds into build/photos/
(with a manifest, photos.json). They are not a tenant's assets, so the showcase serves them
itself, the way the assets service serves a tenant's: at the widths below the original's and
the original's own (never upscaled), in WebP and AVIF as well, each copy made once. Nothing
here is indexed (`x-robots-tag: noindex`), and every answer may be cached for five minutes."""

from __future__ import annotations

import functools
import hashlib
import html
import io
import uuid
from pathlib import Path
from typing import Any

import msgspec
from PIL import Image, features

from shared.contracts import ImageInfo
from shared.errors import NotFound
from shared.theme import DEFAULT_PRESET, PRESETS

from . import favicons, showcase, tree
from .delivery import Rendered, SiteAnswer, respond_headers
from .render import render_page

PHOTOS = Path(__file__).resolve().parents[2] / "build" / "photos"
PREFIX = "/__showcase"  # where the gateway serves it on the platform host
WIDTHS = (400, 800, 1600)  # as the assets service delivers a tenant's images
FORMATS = {**({"avif": ("AVIF", "image/avif", {"quality": 60, "speed": 8})} if features.check("avif") else {}),
           "webp": ("WEBP", "image/webp", {"quality": 80})}
EXTRA = {"x-robots-tag": "noindex", "vary": "Accept-Encoding"}
CACHE = "public, max-age=300"
PHOTO_IDS = uuid.UUID("5f0c0c6e-3a1d-4d3e-9a57-2b6c1f0e8d41")  # names the photos' stable ids (uuid5)


class Photo(msgspec.Struct, frozen=True):
    """One entry of build/photos/photos.json."""

    file: str
    width: int
    height: int
    alt: str
    subject: str = ""
    licence: str = ""
    credit: str = ""

    @property
    def id(self) -> uuid.UUID:
        return uuid.uuid5(PHOTO_IDS, self.file)


@functools.cache
def photos(folder: Path = PHOTOS) -> tuple[Photo, ...]:
    """The photos `make photos` built, in the manifest's order; none when it has not run."""
    try:
        listed = msgspec.json.decode((folder / "photos.json").read_bytes(), type=list[Photo])
    except (FileNotFoundError, msgspec.DecodeError):
        return ()
    return tuple(photo for photo in listed if (folder / photo.file).is_file())


def image_infos(listed: tuple[Photo, ...]) -> dict[str, ImageInfo]:
    return {str(photo.id): ImageInfo(id=photo.id, width=photo.width, height=photo.height,
                                     widths=delivered_widths(photo.width), formats=list(FORMATS))
            for photo in listed}


def delivered_widths(width: int) -> list[int]:
    return [*(w for w in WIDTHS if w < width), width]


def html_answer(body: str, status: int = 200) -> SiteAnswer:
    data = body.encode()
    rendered = Rendered(body=data, media_type="text/html; charset=utf-8", etag=etag(data), cache=CACHE)
    return SiteAnswer(status=status, headers={**respond_headers(rendered, EXTRA), "content-type": rendered.media_type},
                      body=data)


def etag(data: bytes) -> str:
    return f'"{hashlib.blake2b(data, digest_size=12).hexdigest()}"'


def show_index(base_url: str) -> SiteAnswer:
    """The showcase's front page: every preset, with a link to its page."""
    return html_answer(index_html(base_url.rstrip("/")))


def show_preset(base_url: str, preset: str) -> SiteAnswer:
    """Every component and variant in one preset; an unknown preset gets the index's list
    with a 404, as a visitor's browser should."""
    if preset not in PRESETS:
        return html_answer(index_html(base_url.rstrip("/"), missing=preset), status=404)
    if not photos():
        return html_answer(index_html(base_url.rstrip("/")), status=503)
    return html_answer(preset_html(base_url.rstrip("/"), preset))


def show_image(name: str, width: int | None, fm: str | None) -> SiteAnswer:
    """A showcase photo at a delivered width (the narrowest at least `width`, else the
    original's) in `fm` or JPEG, or a partner's logo; 404 for a name it does not hold."""
    logo = LOGO_FILES.get(name)
    if logo is not None:
        return SiteAnswer(status=200, body=logo, headers={
            "content-type": "image/svg+xml", "cache-control": CACHE, "etag": etag(logo),
            "x-content-type-options": "nosniff", "x-robots-tag": "noindex",
            "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox"})
    photo = next((p for p in photos() if p.file == name), None)
    if photo is None or (fm is not None and fm not in FORMATS):
        raise NotFound("no such showcase image")
    delivered = photo.width if width is None else \
        next((w for w in delivered_widths(photo.width) if w >= width), photo.width)
    data, content_type = photo_copy(photo.file, delivered, fm)
    return SiteAnswer(status=200, body=data, headers={
        "content-type": content_type, "cache-control": CACHE, "etag": etag(data), "x-content-type-options": "nosniff",
        "x-robots-tag": "noindex", "content-security-policy": "default-src 'none'; sandbox"})


def show_icon(file: str) -> SiteAnswer:
    """The platform host's own favicons (its pages, the showcase's, link to them as a site's do)."""
    path = f"/{file}"
    if path not in favicons.FILES:
        raise NotFound("no such icon")
    data = platform_icon(path)
    return SiteAnswer(status=200, body=data, headers={
        "content-type": favicons.FILES[path], "cache-control": "public, max-age=86400", "etag": etag(data),
        "x-content-type-options": "nosniff"})


@functools.cache
def platform_icon(path: str) -> bytes:
    return favicons.favicon(path, favicons.brand_of("Site Builder", {
        "colors": {"primary": PRESETS[DEFAULT_PRESET].palette.primary}}))


@functools.lru_cache(maxsize=128)
def photo_copy(file: str, width: int, fm: str | None) -> tuple[bytes, str]:
    """One delivered copy, made on first demand and kept (a few dozen, a few MB)."""
    with Image.open(PHOTOS / file) as image:
        picture = image.convert("RGB")
        if picture.width != width:
            picture = picture.resize((width, round(picture.height * width / picture.width)), Image.Resampling.LANCZOS,
                                     reducing_gap=3.0)
    kind, content_type, options = FORMATS[fm] if fm else ("JPEG", "image/jpeg", {"quality": 82, "optimize": True,
                                                                                 "progressive": True})
    out = io.BytesIO()
    picture.save(out, kind, **options)
    return out.getvalue(), content_type


def logo_svg(name: str, index: int) -> bytes:
    """A partner's wordmark for the logo cloud: a small mark and the name on one or two lines,
    in one ink (the logo cloud shows logos greyed, as a band of partners usually is)."""
    marks = ('<circle cx="16" cy="24" r="11"/>', '<rect x="5" y="13" width="22" height="22" rx="5"/>',
             '<path d="M5 35 16 12l11 23z"/>', '<path d="M5 24a11 11 0 0 1 22 0v11H5z"/>')
    family = "Georgia, 'Times New Roman', serif" if index % 2 else "'Helvetica Neue', Arial, sans-serif"
    words = name.split()
    lines = [" ".join(words[:2]), " ".join(words[2:])] if len(words) > 2 else [name]
    width = 40 + round(10.5 * max(len(line) for line in lines))
    text = "".join(f'<tspan x="36" y="{22 + 18 * i if len(lines) > 1 else 30}">{html.escape(line)}</tspan>'
                   for i, line in enumerate(lines))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="48" viewBox="0 0 {width} 48">'
            f'<title>{html.escape(name)}</title><g fill="#1f2937">{marks[index % len(marks)]}'
            f'<text font-family="{family}" font-size="17" font-weight="700">{text}</text></g></svg>').encode()


def _logo_file(name: str) -> str:
    return "logo-" + "-".join(name.lower().split()) + ".svg"


LOGO_FILES = {_logo_file(name): logo_svg(name, i) for i, name in enumerate(showcase.PARTNERS)}
LOGO_IDS = {str(uuid.uuid5(PHOTO_IDS, file)): file for file in LOGO_FILES}


def logo_infos() -> dict[str, ImageInfo]:
    """The logos' sizes, as the renderer lays out any image: no other widths or formats (a vector)."""
    found = {}
    for asset_id, file in LOGO_IDS.items():
        width = int(LOGO_FILES[file].split(b'width="', 1)[1].split(b'"', 1)[0])
        found[asset_id] = ImageInfo(id=uuid.UUID(asset_id), width=width, height=48, widths=[], formats=[])
    return found


def asset_url(asset_id: str) -> str:
    """Where the page finds a showcase photo or logo: here, not under a tenant's /assets/."""
    if asset_id in LOGO_IDS:
        return f"{PREFIX}/images/{LOGO_IDS[asset_id]}"
    photo = next((p for p in photos() if str(p.id) == asset_id), None)
    return f"{PREFIX}/images/{photo.file if photo else asset_id}"


@functools.lru_cache(maxsize=32)
def preset_html(base_url: str, preset: str) -> str:
    listed = photos()
    ids = [str(photo.id) for photo in listed]
    # No video: its player is YouTube's page, not ours, and needs the internet the tests lack.
    described = [(str(photo.id), photo.alt) for photo in listed]  # alt text true of the photo shown
    document = tree.validate(showcase.showcase_tree(described, video=False, logos=list(LOGO_IDS)))
    return render_page(document, site_name=f"Showcase · {PRESETS[preset].label}", theme={"preset": preset},
                       canonical_base=base_url, path=f"{PREFIX}/{preset}", products=showcase.showcase_products(ids),
                       images={**image_infos(listed), **logo_infos()}, asset_url=asset_url)


@functools.lru_cache(maxsize=4)
def index_html(base_url: str, missing: str | None = None) -> str:
    return render_page(tree.validate(index_tree(missing)), site_name="Sitebuilder", theme={},
                       canonical_base=base_url, path=PREFIX, asset_url=asset_url)


def index_tree(missing: str | None) -> dict[str, Any]:
    """The index as a page tree, so it is drawn by the same renderer as the pages it lists."""
    title, intro = "Component showcase", ("Every component and every variant the site builder offers, drawn with "
                                          "each theme preset. Open a preset to see a whole page in its palette, "
                                          "fonts, radius and density.")
    if missing is not None:  # the visitor's words go in a heading's plain text, never into markdown
        title, intro = f"No preset called “{missing[:60]}”", "These are the presets there are."
    presets = "\n".join(f"- **[{p.label}]({PREFIX}/{p.name})**: {p.description}" for p in PRESETS.values())
    credits = sorted({f"{p.credit} ({p.licence})" for p in photos() if p.credit})
    photo_note = ("Photographs: " + "; ".join(credits) + ".") if credits else \
        "The showcase's photographs are missing, so its pages cannot be drawn: run `make photos`."

    def node(node_id: str, component: str, props: dict[str, Any], children: list[Any] | None = None) -> dict:
        return {"id": node_id, "component": component, "props": props, "children": children or []}

    return {"root": node("showcase", "Page", {
        "title": "Component showcase", "description": "Every component and variant of the site builder, "
                                                      "in each theme preset."}, [
        node("intro", "Section", {"background": "surface"}, [
            node("title", "Heading", {"text": title, "level": 1}),
            node("lead", "RichText", {"markdown": intro})]),
        node("list", "Section", {"background": "default"}, [
            node("presets-title", "Heading", {"text": "Presets", "level": 2}),
            node("presets", "RichText", {"markdown": presets}),
            node("credits", "RichText", {"markdown": photo_note})])])}
