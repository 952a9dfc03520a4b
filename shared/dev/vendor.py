"""Third-party design assets fetched from npm at pinned versions: the fonts and the icons.

    python -m shared.dev.vendor fonts   # `make fonts`: the catalogue's woff2 files into build/fonts/
    python -m shared.dev.vendor icons   # by hand, when ICONS changes: services/cms/icons.json

The fonts are binary and several hundred KiB, so they are fetched on every fresh machine
into an ignored folder; the icons are a small JSON file committed beside the renderer, so a
page never depends on node_modules. Both need npm only here, never at run time."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from shared.fonts import BUILD_DIR, CATALOGUE, FILES

ROOT = Path(__file__).resolve().parents[2]
ICONS_JSON = ROOT / "services" / "cms" / "icons.json"
# The last release line that still ships the brand icons a footer needs (1.0 dropped them).
LUCIDE = "lucide-static@0.577.0"
# Chosen for small businesses' sites: trades, food, care, travel, trust, contact, social.
# Lucide's own names (its aliases such as home or check-circle are left out: one name each).
ICONS = (
    # food and drink
    "leaf", "wheat", "coffee", "croissant", "cake-slice", "utensils", "chef-hat", "wine", "pizza", "sprout",
    # contact, time and place
    "clock", "calendar", "map-pin", "phone", "mail", "globe", "store", "house", "building-2", "message-circle",
    # trust and praise
    "star", "heart", "sparkles", "shield-check", "award", "badge-check", "check", "circle-check", "thumbs-up",
    "smile", "quote", "lock",
    # selling and delivery
    "truck", "package", "gift", "shopping-bag", "credit-card", "wallet", "tag",
    # people
    "users", "user", "baby", "paw-print",
    # nature and the outdoors
    "sun", "moon", "mountain", "waves", "tree-pine", "flower-2", "recycle",
    # getting around
    "bike", "car", "plane",
    # trades and professions
    "briefcase", "wrench", "hammer", "paintbrush", "palette", "camera", "music", "book-open", "graduation-cap",
    "stethoscope", "heart-pulse", "dumbbell", "scissors", "zap", "wifi", "lightbulb",
    # social profiles, for the footer
    "instagram", "facebook", "linkedin", "youtube", "twitter",
    # interface
    "arrow-right", "chevron-down", "menu", "x", "external-link",
)


def npm_install(packages: list[str], into: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to fetch the fonts and icons: apt-get install npm (or see nodejs.org)")
    # --ignore-scripts: these packages are data; nothing of theirs runs on this machine.
    subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--no-save", "--ignore-scripts",
                    "--prefix", str(into), *packages], check=True)
    return into / "node_modules"


def fetch_fonts(target: Path = BUILD_DIR) -> list[str]:
    """Keep only the catalogue's files in `target`; the names no package held (empty when all is well).

    A target holding every file is left alone, so `make` costs nothing the second time. The
    new folder replaces the old one whole, so an interrupted fetch never leaves half of it."""
    if target.is_dir() and all((target / name).is_file() for name in FILES):
        return []
    families = [f for f in CATALOGUE if f.faces()]
    with tempfile.TemporaryDirectory(prefix="fonts-") as scratch:
        modules = npm_install([f"{f.package}@{f.version}" for f in families], Path(scratch))
        staging = target.with_name(target.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        missing = []
        for fam in families:
            package = modules / fam.package
            for name in fam.files():
                if (package / "files" / name).is_file():
                    shutil.copyfile(package / "files" / name, staging / name)
                else:
                    missing.append(name)
            if (package / "LICENSE").is_file():  # the OFL asks that the licence travel with the fonts
                shutil.copyfile(package / "LICENSE", staging / f"LICENSE-{fam.slug}.txt")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return missing


def inner_markup(nodes: list) -> str:
    """Lucide's [tag, attributes] nodes as SVG elements, attributes in a stable order."""
    from xml.sax.saxutils import quoteattr

    return "".join(f"<{tag}" + "".join(f" {k}={quoteattr(str(v))}" for k, v in attrs.items()) + "/>"
                   for tag, attrs in nodes)


def fetch_icons(target: Path = ICONS_JSON) -> list[str]:
    """Write the ICONS' inner elements to `target`; the names Lucide did not have."""
    with tempfile.TemporaryDirectory(prefix="icons-") as scratch:
        package = npm_install([LUCIDE], Path(scratch)) / "lucide-static"
        nodes = json.loads((package / "icon-nodes.json").read_text())
        licence = (package / "LICENSE").read_text().strip()
    icons = {name: inner_markup(nodes[name]) for name in ICONS if name in nodes}
    document = {"source": f"{LUCIDE} (https://lucide.dev), npm", "licence": licence,
                "generated_by": "python -m shared.dev.vendor icons", "icons": icons}
    target.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return [name for name in ICONS if name not in nodes]


def main(argv: list[str]) -> int:
    try:
        return vendor(argv[1:])
    except subprocess.CalledProcessError:
        print("npm could not fetch the packages (offline? a registry mirror? see npm's message above)",
              file=sys.stderr)
        return 1


def vendor(what: list[str]) -> int:
    if what == ["fonts"]:
        missing = fetch_fonts()
        size = sum(p.stat().st_size for p in BUILD_DIR.glob("*.woff2"))
        print(f"fonts: {len(FILES) - len(missing)} files, {size // 1024} KiB in {BUILD_DIR}")
    elif what == ["icons"]:
        missing = fetch_icons()
        print(f"icons: {len(ICONS) - len(missing)} written to {ICONS_JSON}")
    else:
        print("usage: python -m shared.dev.vendor fonts|icons", file=sys.stderr)
        return 2
    if missing:
        print("the packages lack these, which we promise:", *missing, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
