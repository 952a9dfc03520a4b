"""The demo tenant's site, made on first `make run` through the platform's own API, as a
newcomer would: the business named, a theme preset chosen, its photographs uploaded (the
real ones `make photos` prepares), five pages built from the component registry and
published. Run again, it leaves an existing home page alone.

The business is chosen to fit the photos we can ship (lakes, jetties, boats, woods): a
boat-hire company on a lake in the English fells. Its trees are written here by hand, as
an agency would write a client's first site; the AI-generated home page is issue 19's."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from shared.dev.photos import OUT, Photo, load

NAME = "Fellwater Boat Co."
PRESET = "harbour"
BRAND = {"voice": "Warm, plain-spoken and unhurried; practical details first, no hype.",
         "audience": "Families, couples and walkers visiting the Lakes; locals out for an evening row.",
         "notes": "Family-run since 1952. Wooden clinker-built rowing boats. Prices in pounds sterling."}
ADDRESS = "The Landing, Fellwater\nLakeside Road\nCumbria CA12 5UR"
PHONE = "+44 17687 72940"
EMAIL = "hello@fellwater.co.uk"
DASH = "\u2013"  # an en dash between times and months, as a typesetter would
HOURS = [{"days": f"Apr {DASH} Oct, daily", "hours": f"9:00 {DASH} 19:00"},
         {"days": "June & July", "hours": "until 21:30"},
         {"days": "Winter weekends", "hours": f"10:00 {DASH} 16:00"}]
PAGES = [("/", "Home"), ("/boats", "Boats & trips"), ("/prices", "Prices"), ("/about", "Our story"),
         ("/visit", "Visit & book")]


class Api:
    def __init__(self, base_url: str, host: str, token: str = "") -> None:
        self.base_url, self.host, self.token = base_url, host, token

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


# -- the trees ----------------------------------------------------------------------------------

class Pictures:
    """The uploaded photos by file name: a tree asks for one by name and gets its asset id and
    alt text, or nothing when `make photos` could not run (the block then goes without)."""

    def __init__(self, uploaded: dict[str, tuple[str, Photo]]) -> None:
        self.uploaded = uploaded

    def id(self, file: str) -> str | None:
        found = self.uploaded.get(file)
        return found[0] if found else None

    def alt(self, file: str) -> str:
        found = self.uploaded.get(file)
        return found[1].alt if found else ""


def node(node_id: str, component: str, props: dict[str, Any], *children: dict[str, Any]) -> dict[str, Any]:
    return {"id": node_id, "component": component, "props": props, "children": list(children)}


def section(anchor: str, background: str, *children: dict[str, Any]) -> dict[str, Any]:
    return node(f"s-{anchor}", "Section", {"anchor": anchor, "background": background}, *children)


def page(title: str, description: str, social: str | None, *children: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {"title": title, "description": description}
    if social:
        props["social_image"] = social
    return {"root": node("page", "Page", props, *children)}  # the header and footer are the site's layout


def navbar() -> dict[str, Any]:
    return node("navbar", "Navbar", {"brand": NAME, "sticky": True,
                                     "links": [{"label": label, "href": slug} for slug, label in PAGES[1:4]],
                                     "cta_label": "Book a boat", "cta_href": "/visit#book"})


def footer() -> dict[str, Any]:
    return node("footer", "Footer", {
        "brand": NAME,
        "text": "Wooden rowing boats and quiet water on Fellwater, in the north-western fells, since 1952.",
        "columns": [{"title": "Explore", "links": [{"label": label, "href": slug} for slug, label in PAGES]},
                    {"title": "On the water", "links": [{"label": "Rowing boats", "href": "/boats#boats"},
                                                        {"label": "Dawn paddle", "href": "/boats#trips"},
                                                        {"label": "Questions", "href": "/prices#questions"}]}],
        "address": ADDRESS, "phone": PHONE, "email": EMAIL,
        "social": [{"network": "instagram", "href": "https://www.instagram.com/fellwaterboats"},
                   {"network": "facebook", "href": "https://www.facebook.com/fellwaterboats"}],
        "legal": "© 2026 Fellwater Boat Company Ltd · Registered in England 0419 5524",
    })


def with_image(props: dict[str, Any], pictures: Pictures, file: str, key: str = "image",
               alt_key: str = "image_alt") -> dict[str, Any]:
    asset = pictures.id(file)
    return {**props, key: asset, alt_key: pictures.alt(file)} if asset else props


def home(pictures: Pictures) -> dict[str, Any]:
    hero = with_image({"variant": "image" if pictures.id("rowing-boats-sunset.jpg") else "centered",
                       "eyebrow": "Boat hire on Fellwater · Cumbria",
                       "headline": "Row out onto the quietest lake in the fells",
                       "subheadline": "Wooden rowing boats by the hour or the day, a dawn paddle with a guide, "
                                      "and the whole lake to yourselves by seven in the evening.",
                       "cta_label": "See boats & trips", "cta_href": "/boats",
                       "secondary_label": "Prices", "secondary_href": "/prices"},
                      pictures, "rowing-boats-sunset.jpg")
    return page("Rowing boats on Fellwater", "Family-run boat hire on Fellwater in the Cumbrian fells: wooden "
                "rowing boats by the hour or the day, guided dawn paddles and lakeshore walks.",
                pictures.id("rowing-boats-sunset.jpg"),
                node("hero", "Hero", hero),
                section("why", "default", node("why-grid", "FeatureGrid", {
                    "heading": "Why people come back every summer",
                    "intro": "Seventy years on, we still do one thing: send you out on good boats onto calm water.",
                    "variant": "cards", "columns": 4, "features": [
                        {"icon": "waves", "title": "No engines, ever",
                         "body": "Fellwater is a quiet lake: only oars, paddles and the odd swan."},
                        {"icon": "shield-check", "title": "Checked every morning",
                         "body": "Every boat, oar and buoyancy aid is looked over before the first hire."},
                        {"icon": "users", "title": "Room for the family",
                         "body": "Boats for two to five, with a child's life jacket in every size."},
                        {"icon": "paw-print", "title": "Dogs welcome aboard",
                         "body": "Well-behaved dogs row free; we keep a bowl of water on the landing."}]})),
                section("lake", "surface", node("lake-rows", "MediaText", {
                    "heading": "", "image_first": "right", "rows": [
                        with_image({"eyebrow": "The landing", "heading": "Step off the jetty and you are away",
                                    "text": "Our boats wait at the end of the old timber jetty. We show you how to "
                                            "sit, how to row and where the shallows are, then push you off.",
                                    "link_label": "Choose your boat", "link_href": "/boats#boats"},
                                   pictures, "jetty-boards-lake.jpg"),
                        with_image({"eyebrow": "Evenings", "heading": "Stay out for the long light",
                                    "text": "In June and July the last boats come in at half past nine, when the "
                                            "water goes glassy and the sky turns pink over the islands.",
                                    "link_label": "Evening prices", "link_href": "/prices#plans"},
                                   pictures, "lake-dusk-reeds.jpg")]})),
                section("numbers", "default", node("numbers-band", "Stats", {"items": [
                    {"value": "1952", "label": "first boat hired from the landing"},
                    {"value": "24", "label": "clinker-built wooden boats"},
                    {"value": "3 km", "label": "of calm water, end to end"},
                    {"value": "4.9 / 5", "label": "from over 1,200 reviews"}]})),
                section("reviews", "surface", node("reviews-grid", "Testimonials", {
                    "heading": "What rowers tell us", "items": [
                        {"quote": "We rowed to the little island, ate our sandwiches and didn't see another soul "
                                  "for an hour. The kids still talk about it.",
                         "author": "Hannah R.", "role": "Family of four, from Leeds", "rating": 5},
                        {"quote": "Lovely old boats, kept like furniture. The team had us confident on the oars "
                                  "in five minutes.", "author": "Tom & Priya", "role": "First time rowing",
                         "rating": 5},
                        {"quote": "The dawn paddle was the best two hours of our holiday: mist on the water and "
                                  "a heron lifting off right beside us.", "author": "Margaret D.",
                         "role": "Dawn paddle, September", "rating": 5}]})),
                section("book-band", "default", node("book-cta", "CallToAction", {
                    "heading": "Boats go out from nine every morning",
                    "text": "Turn up and row, or book ahead for weekends and the summer holidays.",
                    "tone": "dark", "cta_label": "Book a boat", "cta_href": "/visit#book",
                    "secondary_label": "Opening times", "secondary_href": "/visit#find-us"})),
                )


SHORE = ("autumn-leaves.jpg", "moss-close-up.jpg", "kite-blue-sky.jpg", "raindrops-leaf.jpg")


def boats(pictures: Pictures) -> dict[str, Any]:
    hero = with_image({"variant": "split", "eyebrow": "Boats & trips",
                       "headline": "Take the oars, or let us take you out",
                       "subheadline": "Every boat is a wooden clinker-built rowing boat, kept by the same family "
                                      "that has built and mended them since the fifties.",
                       "cta_label": "Book a boat", "cta_href": "/visit#book",
                       "secondary_label": "See prices", "secondary_href": "/prices"},
                      pictures, "shore-grass.jpg")
    return page("Boats & trips", "Rowing boats for two to five people, guided dawn paddles and lakeshore walks "
                "on Fellwater, Cumbria.", None,
                node("hero", "Hero", hero),
                section("boats", "default", node("boat-grid", "FeatureGrid", {
                    "heading": "Our boats", "intro": "All boats come with oars, cushions and a buoyancy aid "
                                                     "for everyone aboard.", "variant": "cards", "columns": 3,
                    "features": [
                        {"icon": "heart", "title": "The Skiff · for two",
                         "body": "Light and quick; the one for couples and for a first go at rowing."},
                        {"icon": "users", "title": "The Family · up to five",
                         "body": "Broad and steady, with room for a picnic basket and a small dog."},
                        {"icon": "award", "title": "The Heron · our oldest",
                         "body": "Built on this shore in 1958 and still the prettiest boat on the lake."}]})),
                section("trips", "surface", node("trip-rows", "MediaText", {
                    "heading": "Trips with a guide", "image_first": "left", "rows": [
                        with_image({"eyebrow": "Dawn paddle · 2 hours", "heading": "Be on the water before sunrise",
                                    "text": "Meet us at 5:30 on summer mornings. We paddle out through the mist "
                                            "to the islands, look for herons and otters, and are back for breakfast.",
                                    "link_label": "Book a dawn paddle", "link_href": "/visit#book"},
                                   pictures, "lake-blue-hour.jpg"),
                        with_image({"eyebrow": "Row & walk · half a day",
                                    "heading": "Row across, walk home through the woods",
                                    "text": "We row you to the far shore and you return on foot along the old "
                                            "spruce path: four miles, gentle, with a map and a flask of tea.",
                                    "link_label": "Ask about dates", "link_href": "/visit#book"},
                                   pictures, "forest-path.jpg")]})),
                *([section("shore", "default", node("shore-gallery", "Gallery", {
                    "heading": "Around the shore",
                    "images": [{"asset_id": pictures.id(file), "alt": pictures.alt(file)}
                               for file in SHORE
                               if pictures.id(file)]}))]
                  if pictures.id("autumn-leaves.jpg") else []),
                )


def prices(pictures: Pictures) -> dict[str, Any]:
    return page("Prices", "Rowing boat hire on Fellwater from £16 an hour; day hire and dawn paddles. "
                "Prices per boat, buoyancy aids included.", None,
                node("hero", "Hero", {"variant": "centered", "eyebrow": "Prices",
                                      "headline": "One price per boat, whoever is aboard",
                                      "subheadline": "Buoyancy aids, cushions and a map of the lake are always "
                                                     "included. Pay at the landing by card or cash."}),
                section("plans", "default", node("plan-table", "PricingTable", {
                    "heading": "Rowing boat hire", "intro": "Prices for the 2026 season, per boat.",
                    "plans": [
                        {"name": "An hour", "price": "£16", "period": "per boat",
                         "features": ["Skiff or Family boat", "Up to five people", "Extra half hours £7"],
                         "cta_label": "Book an hour", "cta_href": "/visit#book"},
                        {"name": "Half a day", "price": "£42", "period": "up to 4 hours", "highlighted": True,
                         "badge": "Most loved",
                         "features": ["Any boat, the Heron included", "Time for the islands and a picnic",
                                      "A dry bag for your things"],
                         "cta_label": "Book half a day", "cta_href": "/visit#book"},
                        {"name": "Dawn paddle", "price": "£38", "period": "per person",
                         "features": ["Two hours with a guide", "Tea and flapjack on the water",
                                      "Saturdays, May to September"],
                         "cta_label": "Book a dawn paddle", "cta_href": "/visit#book"}]})),
                section("questions", "surface", node("faq", "FAQ", {
                    "heading": "Before you come", "items": [
                        {"question": "Do we need to book?",
                         "answer": "Not on weekdays outside the school holidays: just turn up. At weekends and in "
                                   "July and August, booking a day ahead saves you a wait."},
                        {"question": "We have never rowed. Is that all right?",
                         "answer": "Most of our rowers haven't. We give every boat a five-minute lesson at the "
                                   "jetty, and Fellwater has no engines, no current and no big waves."},
                        {"question": "What if the weather turns?",
                         "answer": "We keep an eye on the fells. If we call the boats in early, you get the unused "
                                   "time back; if we don't open, you pay nothing."},
                        {"question": "Can children and dogs come?",
                         "answer": "Yes. Under-twelves row with an adult, and we have life jackets from 10 kg. "
                                   "Dogs ride free."}]})),
                section("book-band", "default", node("prices-cta", "CallToAction", {
                    "heading": "Ready when you are", "text": "Send us the date and how many of you there are; "
                                                             "we answer within the day.",
                    "tone": "primary", "cta_label": "Book a boat", "cta_href": "/visit#book"})),
                )


def about(pictures: Pictures) -> dict[str, Any]:
    hero = with_image({"variant": "split", "eyebrow": "Our story",
                       "headline": "Three generations on one jetty",
                       "subheadline": "Fellwater Boat Co. began with two boats and a hand-painted sign. "
                                      "It is still a family business, and still the only boats on the lake."},
                      pictures, "misty-jetty.jpg")
    return page("Our story", "The Ashworth family has hired rowing boats on Fellwater since 1952; meet the people "
                "who look after the boats and the lake.", None,
                node("hero", "Hero", hero),
                section("story", "default",
                        node("story-heading", "Heading", {"text": "Built by hand, mended by hand", "level": 2}),
                        node("story-text", "RichText", {"markdown": (
                            "Joe Ashworth came home from the war, built a rowing boat in his father's barn and "
                            "hired it to walkers for a shilling an hour. By 1958 there were six boats, and the "
                            "Heron, the one we still take out on calm evenings.\n\n"
                            "Today his granddaughter Ellen runs the landing. The boats are larch on oak, "
                            "varnished every winter in the same shed, and there are never more than twenty-four "
                            "of them: enough for everyone, few enough that the lake stays quiet.")})),
                section("care", "surface", node("care-rows", "MediaText", {
                    "heading": "", "image_first": "left", "rows": [
                        with_image({"eyebrow": "Looking after the lake",
                                    "heading": "We leave the shore as we found it",
                                    "text": "No engines, no litter bins on the islands, no landing on the nesting "
                                            "banks in spring. Every autumn we join the volunteers clearing the "
                                            "lakeside path.", "link_label": "Walk it yourself",
                                    "link_href": "/boats#trips"},
                                   pictures, "autumn-leaves.jpg")]})),
                section("team", "default", node("team-grid", "Team", {
                    "heading": "Who you will meet at the landing",
                    "members": [
                        {"name": "Ellen Ashworth", "role": "Runs the landing",
                         "bio": "Third generation on the jetty; rows the Heron on her evenings off."},
                        {"name": "Dev Malik", "role": "Boatwright",
                         "bio": "Spends the winter in the shed with planes, copper nails and varnish."},
                        {"name": "Sarah Fell", "role": "Guide, dawn paddles",
                         "bio": "Knows where the otters are, and never tells."}]})),
                )


def visit(pictures: Pictures) -> dict[str, Any]:
    return page("Visit & book", "Find the boathouse on Fellwater, our opening times through the year, and book "
                "a rowing boat or a dawn paddle.", None,
                node("hero", "Hero", {"variant": "centered", "eyebrow": "Visit & book",
                                      "headline": "Come down to the landing",
                                      "subheadline": "Turn up and row, or tell us when you are coming and we will "
                                                     "have a boat ready at the jetty."}),
                section("find-us", "surface", node("where", "ContactBlock", {
                    "heading": "Finding us", "intro": "Park at the Lakeside Road car park (free for rowers) and "
                                                      "follow the path down through the trees to the water.",
                    "address": ADDRESS, "hours": HOURS, "phone": PHONE, "email": EMAIL,
                    "map_query": "Lakeside Road, Cumbria"})),
                section("book", "default", node("booking-form", "ContactForm", {
                    "heading": "Book a boat", "intro": "Tell us the day and how many of you there are; we will "
                                                       "write back within the day to confirm.",
                    "fields": [{"name": "name", "label": "Your name", "kind": "text", "required": True},
                               {"name": "email", "label": "E-mail address", "kind": "email", "required": True},
                               {"name": "phone", "label": "Phone (for the day itself)", "kind": "phone"},
                               {"name": "when", "label": "Day and time you would like", "kind": "text",
                                "required": True},
                               {"name": "message", "label": "How many of you, and which boat or trip",
                                "kind": "textarea"},
                               {"name": "news", "label": "Send me the dates of next season's dawn paddles",
                                "kind": "checkbox"}],
                    "submit_label": "Send booking request"})),
                )


BUILDERS = {"/": home, "/boats": boats, "/prices": prices, "/about": about, "/visit": visit}


def site_trees(pictures: Pictures) -> dict[str, dict[str, Any]]:
    """Every page of the demo site by slug."""
    return {slug: build(pictures) for slug, build in BUILDERS.items()}


def layout() -> dict[str, Any]:
    """The header and footer every page shows, edited once (the studio's Site screen)."""
    return {"header": navbar(), "footer": footer()}


# -- seeding ------------------------------------------------------------------------------------

def upload_photos(api: Api, photos: list[Photo]) -> Pictures:
    uploaded = {}
    for photo in photos:
        status, _, asset = api.call("POST", f"/api/assets/assets/raw?filename={photo.file}",
                                    raw=(OUT / photo.file).read_bytes())
        if status == 201:
            uploaded[photo.file] = (asset["id"], photo)
    return Pictures(uploaded)


def refusal(problem: Any) -> str:
    """A problem+json answer in one line: its detail and what each error says."""
    if not isinstance(problem, dict):
        return str(problem)
    details = [f"{e.get('pointer', e.get('field', ''))} {e.get('message', e.get('detail', ''))}".strip()
               for e in problem.get("errors") or []]
    return "; ".join([str(problem.get("detail")), *details])


def build_site(api: Api, photos: list[Photo]) -> str:
    """Name, theme, photos and pages of the demo site for the tenant `api` acts for; what
    happened, in a few words (the first refusal stops it)."""
    for method, path, body in (("PATCH", "/api/identity/tenant", {"name": NAME}),
                               ("PUT", "/api/identity/tenant/theme", {"preset": PRESET, "brand": BRAND})):
        status, _, answer = api.call(method, path, body)
        if status != 200:
            return f"{path} refused ({status}: {refusal(answer)})"
    pictures = upload_photos(api, photos)
    drafts = []
    for slug, tree in site_trees(pictures).items():  # every page first: the header links them
        status, _, page = api.call("POST", "/api/cms/pages", {"slug": slug, "structure": tree})
        if status != 201:
            return f"page {slug} refused ({status}: {refusal(page)})"
        drafts.append({"id": page["id"], "revision": page["revision"]})
    status, _, shared = api.call("PUT", "/api/cms/layout", layout(), headers={"if-match": '"0"'})
    if status != 200:
        return f"header and footer refused ({status}: {refusal(shared)})"
    # The pages and the layout go live together, as the studio's "Publish the site" does.
    status, _, published = api.call("POST", "/api/cms/site-publications",
                                    {"pages": drafts, "layout_revision": shared["revision"]})
    if status != 200:
        return f"site not published ({status}: {refusal(published)})"
    return f"{NAME}: {len(BUILDERS)} pages, {len(pictures.uploaded)} photos, published"


def seed_demo_site(base_url: str, host: str, email: str, password: str) -> str:
    """What happened, in a few words."""
    api = Api(base_url, host)
    status, _, body = api.call("POST", "/api/identity/login", {"email": email, "password": password})
    if status != 200:
        return f"demo log-in failed ({status})"
    api.token = body["access_token"]
    _, _, pages = api.call("GET", "/api/cms/pages")
    if any(page["slug"] == "/" for page in pages["pages"]):
        return "already there"
    return build_site(api, load())
