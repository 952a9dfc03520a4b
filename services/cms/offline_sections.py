"""The offline writer of one page section (skill "page_section"): a block node written for
the business in the context, in its language, from its facts only.

Copy comes from the phrase banks (offline_phrases.py), filled with the business's own
words; a random.Random seeded from the site name, page slug and section anchor picks the
variants, so one context always gives the same block and two businesses read differently.
Facts a visitor could act on (prices, hours, phone, e-mail, address) are only ever copied
from the site plan's facts, as written. Links go only to the site's pages and this page's
anchors; every image is the placeholder id with alt text saying what picture fits."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from random import Random
from typing import Any

from .offline_facts import folded
from .offline_phrases import (
    AND,
    APPOINTMENT_WORDS,
    BOOKING_WORDS,
    CITY_PREPOSITION,
    CONTACT_WORDS,
    FALLBACK_ICONS,
    ICON_TOPICS,
    NOT_BOOKING,
    OR,
    PAGE_KINDS,
    PHRASES,
    TONE_WORDS,
    TRADE_OFFERS,
)
from .prompts import PLACEHOLDER_IMAGE

HEADING_MAX = 70  # characters; what the site lints hold a heading to
HEADING_WORDS = 12
PRICE_MAX = 30  # characters of a price, in a plan or a list (registry)
PREVIEW_PRICES = 6  # a price list standing for the page that shows them all shows this many
VIDEO_URL = re.compile(r"https://(?:www\.)?(?:youtube\.com/watch\?v=[\w-]{6,20}|youtu\.be/[\w-]{6,20}|"
                       r"vimeo\.com/\d{4,12})(?=$|[\s),.;])")
# The registry requires a video address; without the owner's, a block shows an openly licensed
# film (Blender's "Big Buck Bunny", as the showcase does) and its title asks for theirs.
STAND_IN_VIDEO = "https://www.youtube.com/watch?v=aqz-KE-bpKQ"
_FIELDS = string.Formatter()


def language_of(code: str) -> str:
    """The bank for a BCP 47 tag: its primary subtag when we write it, else English."""
    primary = (code or "en").split("-", 1)[0].lower()
    return primary if primary in PHRASES else "en"


def tone_of(words: str) -> str:
    """The bank's tone a free-text tone names ("warm and friendly" -> warm), "" if none."""
    lowered = (words or "").lower()
    return next((tone for tone, stems in TONE_WORDS.items() if any(stem in lowered for stem in stems)), "")


def clip(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut at a word boundary, never mid-word."""
    text = " ".join(text.split()) if "\n" not in text else text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit + 1].rsplit(" ", 1)[0].rstrip(" ,;:–—-·|")  # noqa: RUF001 - dashes end no text
    return cut if cut and len(cut) <= limit else text[:limit].rsplit(" ", 1)[0] or text[:limit]


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass
class Scene:
    """What one section is written from: the business's words, its facts, the page and a seeded choice."""

    language: str
    tone: str
    rng: Random
    values: dict[str, str]
    facts: dict[str, Any]
    services: list[str]
    pages: list[dict[str, Any]]
    page: dict[str, Any]
    section: dict[str, Any]
    images: list[str]
    booking: bool
    appointments: bool  # the time booked is an appointment: its words, not a table's or a place's
    text: str  # the brief's own words, for a video address the owner gave
    used_images: set[str] = field(default_factory=set)
    priced: bool | None = None  # the site shows prices somewhere, when the context says

    @property
    def name(self) -> str:
        return self.values["name"]

    def say(self, slot: str, *, limit: int = 300, heading: bool = False, avoid: Iterable[str] = (),
            **extra: str) -> str:
        """One variant of `slot` filled with the business's words, within the limits; "" if none fits."""
        values = {**self.values, **{key: value for key, value in extra.items() if value}}
        if self.appointments and f"{slot}_appt" in PHRASES[self.language]:
            slot = f"{slot}_appt"
        unwanted = set(avoid)
        fitting: list[tuple[str, frozenset[str]]] = []
        for variant in PHRASES[self.language].get(slot, []):
            template, tones = (variant, "") if isinstance(variant, str) else variant
            text = fill(template, values)
            if text is None:
                continue
            text = capitalised(" ".join(text.split()))
            if heading and (len(text) > HEADING_MAX or len(text.split()) > HEADING_WORDS):
                continue
            if len(text) <= limit and text not in unwanted:
                fitting.append((text, frozenset(tones.split())))
        toned = [text for text, tones in fitting if self.tone in tones]
        plain = [text for text, tones in fitting if not tones]
        pool = toned or plain or [text for text, _ in fitting]
        return self.rng.choice(pool) if pool else ""

    def each(self, slot: str, services: list[str]) -> list[str]:
        """One line of `slot` per service, variants in a seeded order so neighbours differ."""
        variants = [v if isinstance(v, str) else v[0] for v in PHRASES[self.language].get(slot, [])
                    if isinstance(v, str) or self.tone in v[1].split()]
        self.rng.shuffle(variants)
        lines = []
        for index, service in enumerate(services):
            values = {**self.values, "service": service,
                      "service_lc": lowered(service, self.language, proper_words(self.name, "", self.language))}
            turn = variants[index % len(variants):] + variants[:index % len(variants)] if variants else []
            lines.append(next((capitalised(text) for template in turn if (text := fill(template, values))), service))
        return lines

    def picture(self, slot: str, topic: str = "", **extra: str) -> str:
        """Alt text: the tenant's own picture that best fits `topic` (each once), else one the slot describes."""
        remaining = [alt for alt in self.images if alt not in self.used_images]
        if remaining:
            words = set(re.findall(r"\w{4,}", f"{topic} {self.section.get('purpose', '')}".lower()))
            best = max(remaining, key=lambda alt: (len(words & set(re.findall(r"\w{4,}", alt.lower()))),
                                                   -remaining.index(alt)))
            self.used_images.add(best)
            return clip(best, 300)
        return self.say(slot, **extra) or self.name


def fill(template: str, values: dict[str, str]) -> str | None:
    """The template with its fields filled, or None when it names a word the business lacks."""
    needed = [name for _, name, _, _ in _FIELDS.parse(template) if name]
    if any(not values.get(name) for name in needed):
        return None
    return template.format_map(values)


def joined(items: list[str], language: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {AND[language]} {items[-1]}"


def proper_words(name: str, city: str, language: str) -> set[str]:
    """The words that keep their capital inside a sentence: the business's and the city's, but
    not a trade's word in the name ("Hartley Plumbing offers plumbing")."""
    trade_words = {offer.split()[0] for offer in TRADE_OFFERS.get(language, {}).values()}
    return {*name.split(), *city.split()} - trade_words


def lowered(text: str, language: str, keep: Iterable[str] = ()) -> str:
    """A service inside a sentence: its first letter small, except in German (nouns keep their
    capital), for an acronym, or where it starts with a proper name (the business's, the city's)."""
    first = text.split(" ", 1)[0]
    if language == "de" or len(first) < 2 or not first[1:2].islower() or first in set(keep):
        return text
    return text[:1].lower() + text[1:]


def services_of(facts: dict[str, Any], brief: dict[str, Any], language: str = "en") -> list[str]:
    """The services the facts list, else short phrases of the owner's own description; a
    trade named alone ("Plumber") stands for what the trade offers ("Plumbing")."""
    listed = [" ".join(str(s).split()) for s in facts.get("services") or [] if str(s).strip()]
    if not listed:
        phrases = re.split(r"[.;:!?\n]|,\s|\s(?:and|et|und|y|or|ou|oder|o)\s", str(brief.get("business", "")))
        listed = list(dict.fromkeys(p.strip(" -–") for p in phrases  # noqa: RUF001 - a dash opens no phrase
                                    if 2 <= len(p.split()) <= 8 and not re.search(r"\d|@|https?:", p)))[:4]
    if not listed:
        listed = [clip(str(brief.get("business") or brief.get("name", "")), 60)]
    if len(listed) == 1 and (offer := trade_offer(listed[0], language)):
        return [offer]
    return [capitalised(clip(s, 70)) for s in listed][:8]


def trade_offer(words: str, language: str) -> str | None:
    """What the trade `words` name offers, when they name only a trade (singular or plural)."""
    key = " ".join(re.findall(r"[\w-]+", folded(words)))
    offers = TRADE_OFFERS.get(language, {})
    return offers.get(key) or offers.get(key.removesuffix("s"))


def page_kind(page: dict[str, Any]) -> str:
    if page.get("slug", "/") == "/":
        return "home"
    words = f"{page.get('slug', '')} {page.get('nav_label', '')} {page.get('title', '')}".lower()
    return next((kind for kind, stems in PAGE_KINDS.items() if any(stem in words for stem in stems)), "other")


def scene_of(context: dict[str, Any], *, language: str | None = None, tone: str | None = None,
             salt: str = "") -> Scene:
    """The scene of a page_section context (or of a node_edit context, which has no page)."""
    brief = context.get("brief") or {}
    site = context.get("site") or {}
    facts = dict(site.get("facts") or {})
    page = context.get("page") or {"slug": "/", "anchors": []}
    section = context.get("section") or {}
    name = " ".join(str(facts.get("business_name") or site.get("name") or brief.get("name") or "").split())
    city = str(facts.get("city") or brief.get("location") or "").strip()
    lang = language_of(language or site.get("language") or brief.get("language") or "en")
    services = services_of(facts, brief, lang)
    purpose = str(section.get("purpose", ""))
    focus = max(services, key=lambda s: len(set(s.lower().split()) & set(purpose.lower().split())))
    keep = proper_words(name, city, lang)
    values = {"name": name, "city": city, "service": focus, "service_lc": lowered(focus, lang, keep),
              "services": joined([lowered(s, lang, keep) for s in services[:3]], lang),
              # The tagline is in the site's language: not for a block written in another.
              "tagline": str(site.get("tagline", "")).strip() if lang == language_of(site.get("language", lang))
              else "",
              "nav": str(page.get("nav_label", "")), "nav_lc": lowered(str(page.get("nav_label", "")), lang),
              "address": ", ".join(line.strip() for line in str(facts.get("address", "")).splitlines() if line.strip()),
              "phone": str(facts.get("phone", "")), "email": str(facts.get("email", "")),
              "hours": "; ".join(f"{h['days']} {h['hours']}" for h in facts.get("hours") or []),
              "prices": "; ".join(f"{p['item']}{' :' if lang == 'fr' else ':'} {p['price']}"
                                  for p in facts.get("prices") or []),
              "audience": capitalised(str(brief.get("audience", "")).strip().rstrip(".") + "."
                                      if str(brief.get("audience", "")).strip() else "")}
    if city:
        values |= {"in_city": CITY_PREPOSITION[lang].format(city=city)}
    values |= {"in_city_space": f" {values['in_city']}" if city else "", "comma_city": f", {city}" if city else "",
               "dot_city": f" · {city}" if city else ""}
    seed = "\x00".join((name, str(page.get("slug", "")), str(section.get("anchor", "")),
                        str(section.get("component", "")), salt))
    words = " ".join((str(brief.get("business", "")), " ".join(services), purpose,
                      " ".join(str(p.get("slug", "")) for p in site.get("pages") or []))).lower()
    appointments = takes_appointments(words)
    scene = Scene(language=lang, tone=tone_of(tone if tone is not None else site.get("tone") or brief.get("tone", "")),
                  rng=Random(seed), values=values, facts=facts, services=services,
                  pages=[p for p in site.get("pages") or [] if isinstance(p, dict) and p.get("slug")],
                  page=page, section=section,
                  images=list(dict.fromkeys(str(a).strip() for a in context.get("images") or [] if str(a).strip())),
                  booking=books(words) or appointments, appointments=appointments,
                  text=f"{brief.get('business', '')} {brief.get('brand_notes', '')}",
                  priced=site.get("has_pricing"))
    scene.values |= contact_ways(scene)
    return scene


def contact_ways(scene: Scene) -> dict[str, str]:
    """How a visitor reaches the business, from its facts and the site: "call …, or write to …"."""
    def ways(suffix: str) -> list[str]:
        found = [scene.say(f"way_{kind}{suffix}") for kind in ("phone", "email") if scene.facts.get(kind)]
        if contact_target(scene) or not found:
            found.append(scene.say(f"way_form{suffix}"))
        return [way for way in found if way]

    def sentence(items: list[str]) -> str:
        text = f" {OR[scene.language]} ".join(item[:1].lower() + item[1:] for item in items)
        return text

    values = {"contact_way": sentence(ways(""))}
    if scene.language == "fr":  # French also needs the infinitive: "il suffit de nous appeler"
        values["contact_way_inf"] = sentence(ways("_inf"))
    return values


def books(words: str) -> bool:
    """Whether the business takes bookings, by the beginnings of its words."""
    found = re.findall(r"\b(?:" + "|".join(map(re.escape, BOOKING_WORDS)) + r")[\w-]*", words.lower())
    return any(not word.startswith(NOT_BOOKING) for word in found)


def takes_appointments(words: str) -> bool:
    """Whether what a visitor books is an appointment, by the beginnings of the business's words."""
    return bool(re.search(r"(?<!\w)(?:" + "|".join(map(re.escape, APPOINTMENT_WORDS)) + r")", words.lower()))


def is_contact(words: str) -> bool:
    return any(word in words.lower() for word in CONTACT_WORDS)


def contact_target(scene: Scene) -> str | None:
    """Where a call to action goes: this page's contact section, else the site's contact page."""
    own = scene.section.get("anchor")
    anchors = [a for a in scene.page.get("anchors") or [] if a != own]
    # The form first (where a visitor acts), then any other contact section.
    form = [a for a in anchors if re.search(r"contact|kontakt|form|book|reserv|buch", a)]
    if found := next(iter(form + [a for a in anchors if is_contact(a)]), None):
        return f"#{found}"
    here = scene.page.get("slug")
    return next((p["slug"] for p in scene.pages if p["slug"] != here
                 and is_contact(f"{p['slug']} {p.get('nav_label', '')}")), None)


def other_page(scene: Scene, *, besides: str | None) -> dict[str, Any] | None:
    """A page worth a second button: not this one, not the contact page, home last."""
    here = scene.page.get("slug")
    candidates = [p for p in scene.pages if p["slug"] not in (here, besides)
                  and not is_contact(f"{p['slug']} {p.get('nav_label', '')}")]
    candidates.sort(key=lambda p: p["slug"] == "/")
    return candidates[0] if candidates else None


def primary_link(scene: Scene) -> tuple[str, str | None]:
    target = contact_target(scene)
    if target is None:
        return "", None
    return scene.say("book_label" if scene.booking else "contact_label", limit=40), target


def secondary_link(scene: Scene, primary: str | None) -> tuple[str, str | None]:
    page = other_page(scene, besides=primary)
    if page is None:
        return "", None
    return clip(str(page.get("nav_label") or scene.say("more_label", limit=40)), 40), page["slug"]


def shows_prices(scene: Scene) -> bool:
    """Whether the site shows its prices somewhere (a prices page or section): only then may
    another block speak of them, else a visitor reads of prices nobody lists."""
    if scene.priced is not None:
        return scene.priced and bool(scene.facts.get("prices"))
    places = [f"{p['slug']} {p.get('nav_label', '')}" for p in scene.pages] + list(scene.page.get("anchors") or [])
    stems = PAGE_KINDS["pricing"] + PAGE_KINDS["shop"] + PAGE_KINDS["menu"]
    return bool(scene.facts.get("prices")) and any(stem in place.lower() for place in places for stem in stems)


def icon_for(topic: str, taken: set[str]) -> str:
    lowered_topic = f" {topic.lower()} "
    for stems, icon in ICON_TOPICS:
        if icon not in taken and any(stem in lowered_topic for stem in stems):
            return icon
    return next(icon for icon in (*FALLBACK_ICONS, "") if icon not in taken or not icon)


def heading(scene: Scene, *slots: str, **extra: str) -> str:
    """The first slot that yields a readable heading; the name at worst."""
    for slot in slots:
        if text := scene.say(slot, heading=True, **extra):
            return text
    return clip(scene.name, HEADING_MAX)


# One composer per component: the props of its node.

def hero(scene: Scene) -> dict[str, Any]:
    kind = page_kind(scene.page)
    label, href = primary_link(scene)
    second_label, second_href = secondary_link(scene, href)
    return {"variant": scene.rng.choice(("image", "split", "centered")),
            "eyebrow": scene.say("eyebrow", limit=60),
            "headline": heading(scene, f"head_{kind}", "head_other"),
            "subheadline": scene.say("sub_home" if kind == "home" else "sub_page"),
            "image": PLACEHOLDER_IMAGE, "image_alt": scene.picture("alt_hero", scene.values["service"]),
            "cta_label": label, "cta_href": href, "secondary_label": second_label, "secondary_href": second_href}


def fact_features(scene: Scene) -> list[dict[str, str]]:
    """What the facts say, as features, when the business lists few services."""
    found = []
    if scene.values.get("in_city") or scene.values.get("address"):
        body = scene.say("a_where_address") or scene.say("a_where_city")
        found.append({"title": capitalised(scene.values.get("in_city") or scene.say("contact_heading")),
                      "body": body, "icon": "map-pin"})
    if scene.values.get("hours"):
        found.append({"title": heading(scene, "q_hours"), "body": scene.say("a_hours"), "icon": "clock"})
    if scene.values.get("contact_way"):
        found.append({"title": heading(scene, "form_heading"), "body": scene.say("a_contact"),
                      "icon": "mail" if scene.facts.get("email") or not scene.facts.get("phone") else "phone"})
    return [f for f in found if f["title"] and f["body"]]


def feature_grid(scene: Scene) -> dict[str, Any]:
    services = scene.services[:6]
    features, taken = [], set()
    for service, body in zip(services, scene.each("feature_body", services), strict=True):
        icon = icon_for(service, taken)
        taken.add(icon)
        features.append({"title": clip(service, HEADING_MAX), "body": clip(body, 300), "icon": icon})
    if len(features) < 3:
        features += fact_features(scene)[:3 - len(features)]
    count = len(features)
    return {"heading": heading(scene, "features_heading"), "intro": scene.say("features_intro"),
            "variant": scene.rng.choice(("cards", "cards", "plain", "list")),
            "columns": 2 if count in (2, 4) else 3 if count > 2 else 2, "features": features}


def media_text(scene: Scene) -> dict[str, Any]:
    services = scene.services[:3]
    rows = []
    for index, (service, text) in enumerate(zip(services, scene.each("media_row_text", services), strict=True)):
        rows.append({"image": PLACEHOLDER_IMAGE, "image_alt": scene.picture("alt_service", service, service=service),
                     "eyebrow": scene.say("media_eyebrow", limit=60) if index == 0 else "",
                     "heading": clip(service, HEADING_MAX), "text": clip(text, 1000)})
    label, href = primary_link(scene)
    if href:
        rows[-1] |= {"link_label": label, "link_href": href}
    return {"heading": heading(scene, "media_heading"), "image_first": scene.rng.choice(("left", "right")),
            "rows": rows}


def call_to_action(scene: Scene) -> dict[str, Any]:
    label, href = primary_link(scene)
    second_label, second_href = secondary_link(scene, href)
    return {"heading": heading(scene, "cta_heading"), "text": scene.say("cta_text"),
            "tone": scene.rng.choice(("primary", "dark", "surface")), "cta_label": label, "cta_href": href,
            "secondary_label": second_label, "secondary_href": second_href}


def pricing_table(scene: Scene) -> dict[str, Any]:
    label, href = primary_link(scene)
    prices = [p for p in scene.facts.get("prices") or [] if len(str(p.get("price", ""))) <= PRICE_MAX][:4]
    if prices:  # one plan per price the brief gives, as it gives it; none highlighted: nobody said which sells
        plans = [{"name": clip(str(p["item"]), 40), **amount_and_period(str(p["price"])), "features": [],
                  "cta_label": label, "cta_href": href} for p in prices]
        return {"heading": heading(scene, "pricing_heading"), "intro": scene.say("pricing_intro"), "plans": plans}
    # No price in the brief: none is written, the plan says it is given on request.
    quote, on_request = scene.say("quote_label", limit=40), scene.say("price_on_request", limit=30)
    plans = [{"name": clip(service, 40), "price": on_request, "features": [], "cta_label": quote if href else "",
              "cta_href": href} for service in scene.services[:3]]
    return {"heading": heading(scene, "pricing_heading"), "intro": scene.say("pricing_none_intro"), "plans": plans}


# "95 € al mes", "$12/month", "140 € la nuit": the amount, and what it is per, which a plan
# shows smaller beside it (registry.PricingPlan.period, at most 20 characters).
_PERIOD = re.compile(r"^(?P<amount>.*?\d[\d.,]*(?:\s?(?:[€$£¥]|EUR|USD|GBP|CHF|MXN|kr))?)\s*"
                     r"(?P<period>(?:/\s?|(?:per|a|an|each|par|la|le|pro|im|je|al|por|el|cada)\s)\S.{0,17})$",
                     re.IGNORECASE)


def amount_and_period(price: str) -> dict[str, str]:
    found = _PERIOD.match(price.strip())
    if found is None or len(found.group("period")) > 20:
        return {"price": price}
    return {"price": found.group("amount"), "period": found.group("period")}


def price_list(scene: Scene) -> dict[str, Any]:
    """Every price the brief gives, as written, in one list. Where the list stands for a page
    that shows them all (the home page's preview of the prices), the first few and the way there."""
    given = [p for p in scene.facts.get("prices") or [] if str(p.get("item", "")).strip() and str(p.get("price", ""))]
    fitting = [p for p in given if len(str(p["price"])) <= PRICE_MAX] or given  # too long: cut rather than none
    items = [{"name": clip(str(p["item"]), 80), "price": clip(str(p["price"]), PRICE_MAX)} for p in fitting][:60]
    if not items:  # no price in the brief: none is written, each service's is given on request
        on_request = scene.say("price_on_request", limit=PRICE_MAX)
        return {"heading": heading(scene, "pricing_heading"), "intro": scene.say("pricing_none_intro"),
                "items": [{"name": clip(s, 80), "price": on_request} for s in scene.services[:6]]}
    props: dict[str, Any] = {"heading": heading(scene, "pricing_heading"), "intro": scene.say("pricing_intro")}
    whole = prices_page(scene)
    if whole is not None and len(items) > PREVIEW_PRICES:
        items = items[:PREVIEW_PRICES]
        props |= {"link_label": scene.say("all_prices_label", limit=40), "link_href": whole["slug"]}
    return props | {"items": items}


def prices_page(scene: Scene) -> dict[str, Any] | None:
    """Another page of the site whose point is the prices (its prices or menu page)."""
    here = scene.page.get("slug")
    return next((p for p in scene.pages if p["slug"] != here and page_kind(p) in ("pricing", "menu")), None)


def faq(scene: Scene) -> dict[str, Any]:
    """Questions a visitor would ask, answered from the facts; a question without facts is left out."""
    asked = [("q_services", ("a_services",)), ("q_where", ("a_where_address", "a_where_city")),
             ("q_hours", ("a_hours",))]
    if shows_prices(scene):
        asked.append(("q_prices", ("a_prices",)))
    if scene.booking:
        asked.append(("q_booking", ("a_booking",)))
    asked += [("q_contact", ("a_contact",)), ("q_ask", ("a_ask",)), ("q_who", ("a_who",))]
    items = []
    for question_slot, answer_slots in asked:
        answer = next((text for slot in answer_slots if (text := scene.say(slot, limit=2000))), "")
        question = scene.say(question_slot, limit=200)
        if question and answer and len(items) < 5:
            items.append({"question": question, "answer": answer})
    return {"heading": heading(scene, "faq_heading", "head_faq"), "intro": scene.say("faq_intro"), "items": items}


def contact_block(scene: Scene) -> dict[str, Any]:
    facts = scene.facts
    phone = str(facts.get("phone", ""))
    return {"heading": heading(scene, "contact_heading"), "intro": scene.say("contact_intro"),
            "address": clip(str(facts.get("address", "")), 300),
            "hours": [{"days": clip(str(h["days"]), 40), "hours": clip(str(h["hours"]), 40)}
                      for h in (facts.get("hours") or [])[:10]],
            "phone": phone if re.fullmatch(r"[+0-9 ()./-]{0,30}", phone) else "",
            "email": str(facts.get("email", "")),
            "map_query": clip(scene.values.get("address") or scene.values.get("city", ""), 300)}


def contact_form(scene: Scene) -> dict[str, Any]:
    fields = [{"name": "name", "label": scene.say("label_name", limit=60), "kind": "text", "required": True},
              {"name": "email", "label": scene.say("label_email", limit=60), "kind": "email", "required": True}]
    if scene.booking:  # a booking is easier to settle by phone; never required
        fields.append({"name": "phone", "label": scene.say("label_phone", limit=60), "kind": "phone",
                       "required": False})
    fields.append({"name": "message", "label": scene.say("label_message_booking" if scene.booking else "label_message",
                                                         limit=60), "kind": "textarea", "required": True})
    return {"heading": heading(scene, "form_heading"),
            "intro": scene.say("form_intro_booking" if scene.booking else "form_intro"),
            "fields": fields, "submit_label": scene.say("submit", limit=40)}


def gallery(scene: Scene) -> dict[str, Any]:
    """As many tiles as distinct pictures the tenant described (3 to 6), else 4 described ones."""
    count = min(len(scene.images), 6) if scene.images else 4
    alts: list[str] = []
    for index in range(count):
        service = scene.services[index % len(scene.services)]
        slot = "alt_place" if index % 3 == 2 and scene.values.get("city") else "alt_service"
        alt = scene.picture(slot, service, service=service, service_lc=lowered(service, scene.language))
        if alt in alts:  # a described picture twice would be grounded to the same image
            alt = scene.say("alt_hero", avoid=alts) or f"{scene.name} {index + 1}"
        alts.append(alt)
    return {"heading": heading(scene, "gallery_heading", "head_gallery"),
            "images": [{"asset_id": PLACEHOLDER_IMAGE, "alt": alt} for alt in alts]}


def rich_text(scene: Scene) -> dict[str, Any]:
    tagline = scene.values.get("tagline", "")
    if tagline and tagline[-1] not in ".!?…":
        tagline += "."
    lead = " ".join(filter(None, (scene.say("about_lead"), tagline)))
    listed = "\n".join(f"- {service}" for service in scene.services[:6])
    markdown = (f"## {heading(scene, 'about_heading')}\n\n{lead}\n\n{scene.say('about_services')}\n\n{listed}\n\n"
                f"{scene.say('about_close')}")
    # The owner's words may hold a '<', which rich text would refuse as raw HTML.
    return {"markdown": markdown.replace("<", "\u2039")}


def product_grid(scene: Scene) -> dict[str, Any]:
    return {"heading": heading(scene, "products_heading", "head_shop"), "product_ids": [PLACEHOLDER_IMAGE]}


def testimonials(scene: Scene) -> dict[str, Any]:
    # No quote is invented: the one item tells the editor whose words belong here.
    return {"heading": heading(scene, "testimonials_heading"),
            "items": [{"quote": scene.say("testimonial_note", limit=600), "author": "", "role": "", "rating": 0}]}


def testimonial(scene: Scene) -> dict[str, Any]:
    return {"quote": scene.say("testimonial_note", limit=600), "author": "", "role": "", "rating": 0}


def team(scene: Scene) -> dict[str, Any]:
    # Nobody is named who the brief does not name: the team stands as one, for the editor to introduce.
    return {"heading": heading(scene, "team_heading"), "intro": scene.say("team_intro"),
            "members": [{"name": scene.say("team_member", limit=80) or clip(scene.name, 80),
                         "role": clip(scene.values["service"], 80), "bio": scene.say("team_bio"), "photo": None}]}


def stats(scene: Scene) -> dict[str, Any]:
    """Only numbers and words the facts hold: how many services, where, when, a first price."""
    items = []
    if len(scene.services) > 1:
        items.append({"value": str(len(scene.services)), "label": scene.say("stat_services", limit=80)})
    if 0 < len(city := scene.values.get("city", "")) <= 16:
        items.append({"value": city, "label": scene.say("stat_city", limit=80)})
    for hours in (scene.facts.get("hours") or [])[:1]:
        if len(hours["days"]) <= 16:
            items.append({"value": hours["days"], "label": f"{scene.say('stat_days', limit=40)} {hours['hours']}"})
    for price in (scene.facts.get("prices") or [])[:1] if shows_prices(scene) else ():
        if len(price["price"]) <= 16:
            items.append({"value": price["price"], "label": clip(price["item"], 80)})
    if not items:
        items.append({"value": str(len(scene.services)), "label": scene.say("stat_services", limit=80)})
    return {"heading": heading(scene, "stats_heading"), "items": items}


def logo_cloud(scene: Scene) -> dict[str, Any]:
    return {"heading": heading(scene, "logos_heading"),
            "logos": [{"asset_id": PLACEHOLDER_IMAGE, "alt": clip(scene.name, 300)}]}


def video(scene: Scene) -> dict[str, Any]:
    """Only a video the owner gave; without one, the block says it awaits theirs (no id is invented)."""
    found = VIDEO_URL.search(scene.text)
    if found:
        return {"url": found.group(0), "title": scene.say("video_title")}
    return {"url": STAND_IN_VIDEO, "title": heading(scene, "video_stand_in")}


def heading_block(scene: Scene) -> dict[str, Any]:
    return {"text": heading(scene, "heading_text"), "level": 2}


def image(scene: Scene) -> dict[str, Any]:
    return {"asset_id": PLACEHOLDER_IMAGE, "alt": scene.picture("alt_service", scene.values["service"]),
            "caption": scene.say("image_caption")}


def button(scene: Scene) -> dict[str, Any]:
    label, href = primary_link(scene)
    if href is None:
        label, href = secondary_link(scene, None)
    return {"label": label or scene.say("more_label", limit=40), "href": href or "/", "style": "primary"}


def nav_links(scene: Scene) -> list[dict[str, str]]:
    return [{"label": clip(str(p.get("nav_label") or p["slug"]), 40), "href": p["slug"]} for p in scene.pages[:8]]


def navbar(scene: Scene) -> dict[str, Any]:
    label, href = primary_link(scene)
    return {"brand": clip(scene.name, 60), "links": nav_links(scene), "cta_label": label, "cta_href": href,
            "sticky": True}


def footer(scene: Scene) -> dict[str, Any]:
    links = nav_links(scene)
    facts = scene.facts
    return {"brand": clip(scene.name, 60), "text": scene.say("footer_text"),
            "columns": [{"title": scene.say("footer_pages", limit=40), "links": links}] if links else [],
            "address": clip(str(facts.get("address", "")), 300), "phone": str(facts.get("phone", "")),
            "email": str(facts.get("email", "")), "legal": clip(f"© {scene.name}{scene.values['dot_city']}", 300)}


def page_root(scene: Scene) -> dict[str, Any]:
    """The Page's own props (title and SEO description), for an edit of the whole page."""
    title = scene.say("page_title", limit=60) or clip(scene.name, 60)
    description = scene.say("page_description", limit=160)
    if len(description) < 50:
        description = clip(f"{description} {scene.values['services']}.", 160)
    return {"title": title, "description": description}


COMPOSERS: dict[str, Callable[[Scene], dict[str, Any]]] = {
    "Hero": hero, "FeatureGrid": feature_grid, "MediaText": media_text, "CallToAction": call_to_action,
    "PricingTable": pricing_table, "PriceList": price_list, "FAQ": faq, "ContactBlock": contact_block,
    "ContactForm": contact_form, "Gallery": gallery, "RichText": rich_text, "ProductGrid": product_grid,
    "Testimonials": testimonials, "Testimonial": testimonial, "Team": team, "Stats": stats,
    "LogoCloud": logo_cloud, "Video": video, "Heading": heading_block, "Image": image, "Button": button,
    "Navbar": navbar, "Footer": footer,
    "Page": page_root, "Section": lambda scene: {"anchor": scene.section.get("anchor", ""), "background": "default"},
    "Columns": lambda scene: {"count": 2},
}


def compose(scene: Scene, component: str) -> dict[str, Any]:
    """The block node of `component` for the scene (no children)."""
    anchor = str(scene.section.get("anchor") or "")
    node_id = anchor if re.fullmatch(r"[A-Za-z0-9_-]{1,64}", anchor) else component.lower()
    return {"id": node_id, "component": component, "props": compact(COMPOSERS[component](scene)), "children": []}


def compact(value: Any) -> Any:
    """Props without their empty optional words and links (the registry's defaults), so no
    empty text reaches a page; a plan's price stays, empty, where the brief gave none."""
    if isinstance(value, dict):
        return {key: compact(item) for key, item in value.items() if key == "price" or item not in ("", None)}
    if isinstance(value, list):
        return [compact(item) for item in value]
    return value


def write_section(system: str, prompt: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Skill "page_section": one block node of the context's section, for its business."""
    from .prompts import read_context

    context = read_context(prompt)
    component = str((context.get("section") or {}).get("component", ""))
    if component not in COMPOSERS:
        raise ValueError(f"no offline writer for {component!r}")
    return compose(scene_of(context), component)
