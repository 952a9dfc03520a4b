"""The offline site planner: what the "site_plan" and "page_plan" model calls answer when
there is no model. It reads the brief the way a careful copywriter would: the facts exactly
as the owner wrote them (offline_facts), the pages asked for (or those the kind of business
needs), each page's sections under the plan's rules, and titles, descriptions and purposes
in the brief's language (offline_words). One brief always gives the same plan; the choices
left open (extra pages, section variants, phrasings) are drawn from a generator seeded by the
brief, so two businesses do not get the same site."""

# ruff: noqa: RUF001 - owners write en dashes and typographic apostrophes; so do these words

from __future__ import annotations

import hashlib
import json
import random
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from shared.contracts import is_platform_address

from . import offline_words as words
from .offline_facts import extract_facts, folded

PICTURE_PAGES = ("gallery", "work")  # pages whose point is the site's pictures
PLANS_MAX = 4  # registry.PricingTableProps: more prices than this are a list
# A price "per" something (a subscription's, a stay's) reads as a plan, whatever the business.
PER_PERIOD = re.compile(r"/\s*(?:mo|month|yr|year|mois|an|monat|jahr|mes|año|night|nuit|nacht|noche)\b"
                        r"|\b(?:per|a|an|par|la|le|pro|im|al|por)\s+(?:month|year|night|mois|an|nuit|monat|jahr"
                        r"|nacht|mes|año|noche)\b|\b(?:monthly|yearly|annual|mensuel|monatlich|jährlich|mensual|anual)",
                        re.IGNORECASE)

__all__ = ["extract_facts", "page_plan", "site_plan", "write_page_plan", "write_site_plan"]

TITLE_MAX, DESCRIPTION_MIN, DESCRIPTION_MAX = 60, 50, 160  # schemas.PlannedPage, registry's SEO limits
MAX_PAGES, MAX_SECTIONS = 7, 8
CITY_TITLES = {"services", "classes", "menu", "rooms", "shop", "work", "page"}  # "Our lessons in Biarritz | …"
PREVIEWS = {  # a page of the site and the section that announces it on the home page ("prices": the
    # plan's own choice of price block, see Planner.price_component)
    "services": "FeatureGrid", "classes": "FeatureGrid", "menu": "FeatureGrid", "rooms": "FeatureGrid",
    "events": "FeatureGrid", "schedule": "FeatureGrid", "about": "MediaText", "team": "MediaText",
    "gallery": "Gallery", "work": "Gallery", "shop": "ProductGrid", "pricing": "prices", "faq": "FAQ",
    "visit": "ContactBlock",
}
_CUT_WORDS = {"and", "et", "und", "y", "or", "ou", "oder", "o", "of", "de", "du", "des", "d'", "à", "au", "in", "en",
              "for", "pour", "für", "para", "the", "le", "la", "les", "der", "die", "das", "el", "los", "las", "a",
              "an", "with", "avec", "mit", "con", "|", "-", "–", ":"}


def write_site_plan(system: str, prompt: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Skill "site_plan": the plan of a whole site for the brief in the prompt's context."""
    from .prompts import read_context
    context = read_context(prompt)
    return site_plan(context["brief"], pictures=(context.get("library") or {}).get("pictures"))


def write_page_plan(system: str, prompt: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Skill "page_plan": the plan of one page (a site plan with exactly one page), of at most
    the context's `max_sections` sections (what the job could pay for), its opening first."""
    from .prompts import read_context
    context = read_context(prompt)
    plan = page_plan(context["brief"])
    if limit := context.get("max_sections"):
        page = plan["pages"][0]
        page["sections"] = page["sections"][:max(1, limit)]
    return plan


@dataclass(frozen=True)
class Page:
    kind: str  # a key of offline_words.PAGES, or "page": one named by the brief's own words
    slug: str
    nav: str
    stem: str  # the page's name in titles


def site_plan(brief: dict[str, Any], *, pictures: int | None = None) -> dict[str, Any]:
    """`pictures`: how many the site's library holds (None: not known); with none, the planner
    chooses no page that is there to show pictures (one the brief asks for, it keeps)."""
    planner = Planner(brief, pictures=pictures)
    pages = planner.requested_pages() or planner.chosen_pages()
    return planner.plan([planner.page(page, pages) for page in pages])


def page_plan(brief: dict[str, Any]) -> dict[str, Any]:
    planner = Planner(brief)
    page = planner.single_page()
    return planner.plan([planner.page(page, [page], requested=brief.get("sections") or [])])


class Planner:
    """One brief's plan: its facts, language, kind of business and seeded choices."""

    def __init__(self, brief: dict[str, Any], *, pictures: int | None = None) -> None:
        self.brief = brief
        self.pictures = pictures
        self.language = brief.get("language") or "en"
        primary = self.language.split("-")[0].lower()
        self.lang = primary if primary in words.LANGUAGES else "en"
        self.facts = extract_facts(brief)
        self.name = self.facts["business_name"]
        seed = hashlib.sha256(json.dumps(brief, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        self.rng = random.Random(int(seed, 16))
        self.text = f"{brief.get('business', '')} {brief.get('name', '')}"
        self.industry, own_word = industry_of(self.text)
        self.sells = any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", folded(self.text)) for w in words.SELLS_PRODUCTS)
        self.sells = self.sells or self.industry == "shop"
        self.price_block = self.price_component()
        self.menu_block = "PriceList" if self.facts["prices"] else "FeatureGrid"  # a menu lists, or names, its dishes
        self.offers = [self.in_sentence(s) for s in self.facts["services"][:3]] or \
            ([self.in_sentence(own_word)] if own_word else [])
        city = self.facts["city"]
        in_city = words.IN_CITY[self.lang].format(city=city)
        self.in_city = in_city if city and folded(city) not in folded(self.name) else ""

    # --- the pages -------------------------------------------------------------------
    def requested_pages(self) -> list[Page]:
        pages: list[Page] = []
        for word in self.brief.get("pages") or []:
            page = self.page_named(word)
            if page.kind == "home":
                if all(p.slug != "/" for p in pages):
                    pages.insert(0, page)
            elif all(p.slug != page.slug and (p.kind != page.kind or page.kind == "page") for p in pages):
                pages.append(page)
        if pages and pages[0].slug != "/":
            pages.insert(0, self.canonical("home"))
        return pages if len(pages) <= MAX_PAGES else [*pages[:MAX_PAGES - 1], pages[-1]]  # contact is often last

    def chosen_pages(self) -> list[Page]:
        """3..7 pages for the kind of business: home, what it offers, contact last."""
        core, optional = words.SITE_PAGES[self.industry]
        usable = [k for k in (*core, *optional) if k != "pricing" or self.facts["prices"]]
        if self.pictures == 0:  # a gallery with nothing to show would repeat the home page
            usable = [k for k in usable if k not in PICTURE_PAGES]
        usable = ["services" if k == "shop" and not self.sells else k for k in usable]
        firsts = [k for k in usable if k in core]
        extras = [k for k in usable if k not in core]
        extras = self.rng.sample(extras, min(len(extras), self.rng.choice((1, 1, 2))))
        kinds = list(dict.fromkeys(["home", *firsts, *extras, "contact"]))
        if len(kinds) < 3:
            kinds.insert(-1, next(k for k in ("about", "services", "faq") if k not in kinds))
        return [self.canonical(kind) for kind in kinds[:MAX_PAGES]]

    def single_page(self) -> Page:
        """The page a single-page brief asks for: its first page word, or "<word> page" in its text."""
        if self.brief.get("pages"):
            page = self.page_named(self.brief["pages"][0])
            return self.canonical("home") if page.kind == "home" else page
        for pattern in (r"\b(?:an?|the|our|my)\s+([\w'’-]+(?:\s[\w'’-]+)?)\s+page\b",
                        r"\bpage\s+(?:d['’]|de\s+|des\s+)?([\w'’-]+(?:\s[\w'’-]+)?)",
                        r"\b([\w-]+?)-?seite\b", r"\bp[aá]gina\s+(?:de\s+(?:la\s+|los\s+)?|sobre\s+)?([\w'’-]+)"):
            for found in re.finditer(pattern, self.brief.get("business", ""), re.IGNORECASE):
                candidates = (found.group(1), found.group(1).split()[-1], found.group(1).split()[0])
                for candidate in candidates:
                    page = self.page_named(candidate)
                    if page.kind != "page":
                        return self.canonical("home") if page.kind == "home" else page
        return self.canonical("home")

    def page_named(self, word: str) -> Page:
        """A page for a word of the brief: named with the brief's word when it is one of the
        site's language, else the language's own name for that page; a page of its own when
        the word names no known page."""
        key = folded(word).strip()
        own_name = _label(word)
        for kind, by_language in words.PAGE_WORDS.items():
            if key in by_language.get(self.lang, ()) and key in map(folded, words.PAGES[kind][self.lang][1:]):
                canonical = self.canonical(kind)  # the brief's word as address, the language's spelling as name
                return Page(kind, "/" if kind == "home" else slugify(word), canonical.nav, canonical.stem)
            if key in by_language.get(self.lang, ()):
                return Page(kind, "/" if kind == "home" else slugify(word), own_name, own_name)
        for kind, by_language in words.PAGE_WORDS.items():
            if any(key in found for found in by_language.values()):
                return self.canonical(kind)
        for token in re.split(r"[\s/&+,]+", key):
            for kind, by_language in words.PAGE_WORDS.items():
                if token in by_language.get(self.lang, ()) and len(word.split()) <= 3:
                    return Page(kind, "/" if kind == "home" else slugify(word), own_name, own_name)
                if any(token in found for found in by_language.values()):
                    return self.canonical(kind)
        return Page("page", slugify(word) or "/page", own_name, own_name)

    def canonical(self, kind: str) -> Page:
        slug, nav, stem = words.PAGES[kind][self.lang]
        if kind == "classes" and self.lang == "en":
            for noun in ("lesson", "course"):
                if re.search(rf"\b{noun}s?\b", self.text, re.IGNORECASE):
                    slug, nav, stem = f"/{noun}s", f"{noun.title()}s", f"Our {noun}s"
        return Page(kind, slug, nav, stem)

    # --- one page --------------------------------------------------------------------
    def page(self, page: Page, site: list[Page], requested: list[str] | None = None) -> dict[str, Any]:
        if requested and (asked := self.requested_sections(requested)):
            sections = asked
        elif page.kind == "home" and len(site) > 1:
            sections = self.home_sections(site)
        elif len(site) == 1:
            sections = self.single_sections(page)
        else:
            sections = self.inner_sections(page, site)
        return {"slug": page.slug, "nav_label": page.nav, "title": self.title(page),
                "description": self.description(page), "purpose": self.page_purpose(page, site),
                "sections": self.anchored(sections[:MAX_SECTIONS])}

    def home_sections(self, site: list[Page]) -> list[tuple[str, str, str]]:
        sections = [("Hero", "top", self.offer_text())]
        previews = [p for p in site if p.kind in PREVIEWS and self.allowed(self.preview_component(p))]
        for target in previews[:self.rng.choice((2, 3, 3))]:
            topic = self.topic(self.preview_component(target)) + words.LINKS_TO[self.lang].format(slug=target.slug)
            sections.append((self.preview_component(target), anchor_of(target.slug), topic))
        if len(sections) < 3:
            sections += [("FeatureGrid", "", self.offer_text()), ("MediaText", "", self.topic("MediaText"))]
        return sections + self.way_to_write(site[0], site, sections)

    def inner_sections(self, page: Page, site: list[Page]) -> list[tuple[str, str, str]]:
        has_pricing_page = any(p.kind == "pricing" for p in site)
        pick = self.rng.choice
        body: dict[str, list[str]] = {
            "about": ["MediaText", pick(("FeatureGrid", "RichText"))],
            "team": ["MediaText", "RichText"],
            "services": ["FeatureGrid", *([] if has_pricing_page else [self.price_block]), pick(("FAQ", "MediaText"))],
            "classes": ["FeatureGrid", *([] if has_pricing_page else [self.price_block]), pick(("FAQ", "Gallery"))],
            "menu": [self.menu_block, pick(("MediaText", "Gallery")),
                     "ContactBlock"],
            "pricing": [self.price_block if self.facts["prices"] else "RichText", "FAQ"],
            "contact": ["ContactForm", "ContactBlock"], "booking": ["ContactForm", "ContactBlock"],
            "gallery": ["Gallery", pick(("RichText", "FeatureGrid"))], "work": ["Gallery", "FeatureGrid"],
            "shop": ["ProductGrid" if self.sells else "FeatureGrid", "FAQ"], "faq": ["FAQ"],
            "rooms": ["FeatureGrid", "Gallery", self.price_block], "visit": ["ContactBlock", "FAQ"],
            "events": ["RichText", "ContactBlock"], "schedule": ["RichText", "ContactBlock"],
        }.get(page.kind, ["RichText", "FeatureGrid"])
        sections = [("Hero", "top", page.stem)] + [(c, "", page.stem if page.kind == "page" and c == "RichText"
                                                    else self.topic(c)) for c in body if self.allowed(c)]
        if len(sections) == 1:  # nothing true to show but the business itself
            sections.append(("RichText", "", self.offer_text()))
        return sections + self.way_to_write(page, site, sections)

    def single_sections(self, page: Page) -> list[tuple[str, str, str]]:
        if page.kind != "home":
            return self.inner_sections(page, [page])
        optional = ["MediaText", "Gallery"]
        chosen = set(self.rng.sample(optional, self.rng.choice((1, 2))))
        body = ["FeatureGrid", *(c for c in optional[:1] if c in chosen), self.price_block,
                *(c for c in optional[1:] if c in chosen), "FAQ"]
        return [("Hero", "top", self.offer_text())] + [(c, "", self.topic(c)) for c in body if self.allowed(c)] + \
            self.contact_sections()

    def requested_sections(self, requested: list[str]) -> list[tuple[str, str, str]]:
        """A single page's section words as components, in the brief's order; those nothing in
        the brief could fill truthfully are left out."""
        sections = []
        for word in requested:
            key = folded(word).strip()
            component = words.SECTION_WORDS.get(key)
            if component is None and key not in words.SECTION_WORDS:
                component = next((words.SECTION_WORDS[t] for t in key.split() if words.SECTION_WORDS.get(t)), None)
            component = {"menu": self.menu_block, "prices": self.price_block,
                         "about": self.rng.choice(("MediaText", "RichText")),
                         "products": "ProductGrid" if self.sells else "FeatureGrid"}.get(component or "", component)
            if component and self.allowed(component):
                sections.append((component, "top" if component == "Hero" else "", self.topic(component)))
        return sections

    def way_to_write(self, page: Page, site: list[Page], sections: list[tuple[str, str, str]]
                     ) -> list[tuple[str, str, str]]:
        """Every page ends with a way to reach the business: the form on the page visitors
        write from (the contact page, else booking, else the practical details, else home),
        a call to action towards it everywhere else."""
        target = next((p for kind in ("contact", "booking", "visit") for p in site if p.kind == kind), site[0])
        if page != target:
            return [("CallToAction", "", words.LINKS_TO[self.lang].format(slug=target.slug))]
        present = {component for component, _, _ in sections}
        return [s for s in self.contact_sections() if s[0] not in present]

    def contact_sections(self) -> list[tuple[str, str, str]]:
        return [(c, "", self.topic(c)) for c in ("ContactForm", "ContactBlock") if self.allowed(c)]

    def preview_component(self, target: Page) -> str:
        if target.kind == "shop" and not self.sells:
            return "FeatureGrid"
        return self.price_block if PREVIEWS[target.kind] == "prices" else PREVIEWS[target.kind]

    def price_component(self) -> str:
        """How the prices show: a few plans or packages side by side (a PricingTable), or a list
        of items and their prices (a PriceList): a menu, repairs, treatments, or more prices
        than a table holds."""
        prices = self.facts["prices"]
        as_plans = self.industry in words.PLAN_INDUSTRIES or any(PER_PERIOD.search(p["price"]) for p in prices)
        return "PricingTable" if as_plans and len(prices) <= PLANS_MAX else "PriceList"

    def allowed(self, component: str) -> bool:
        """The plan's rules: no section that would need a fact the brief does not give."""
        facts = self.facts
        return {"PricingTable": bool(facts["prices"]), "PriceList": bool(facts["prices"]), "ProductGrid": self.sells,
                "ContactBlock": bool(facts["address"] or facts["phone"] or facts["email"] or facts["hours"])
                }.get(component, True)

    def anchored(self, sections: list[tuple[str, str, str]]) -> list[dict[str, str]]:
        taken: set[str] = set()
        planned = []
        for component, anchor, topic in sections:
            anchor = anchor or words.ANCHORS[self.lang][component]
            anchor = next(a for a in (anchor, *(f"{anchor[:36]}-{n}" for n in range(2, 20))) if a not in taken)
            taken.add(anchor)
            purpose = words.SECTION_PURPOSES[self.lang][component].format(
                name=self.name, in_city=self.in_city, topic=topic)
            planned.append({"component": component, "anchor": anchor, "purpose": fit_words(purpose, 200)})
        return planned

    # --- the words ---------------------------------------------------------------------
    def title(self, page: Page) -> str:
        name = self.name
        if page.kind == "home":
            headline = _capitalised(self.offers[0]) if self.offers else ""
            candidates = [f"{headline}{self.in_city} | {name}", f"{headline} | {name}"] if headline else []
            candidates += [f"{name}{self.in_city}", name]
        else:
            patterns = list(words.PAGE_TITLES[:1 if page.kind not in CITY_TITLES or not self.in_city else 2])
            self.rng.shuffle(patterns)
            candidates = [p.format(stem=page.stem, name=name, in_city=self.in_city) for p in patterns]
            candidates += [f"{page.stem} | {name}", page.stem]
        return next((c for c in candidates if len(c) <= TITLE_MAX), fit_words(candidates[-1], TITLE_MAX))

    def description(self, page: Page) -> str:
        if page.kind == "home":
            pattern = self.rng.choice(words.HOME_DESCRIPTIONS[self.lang])
        else:
            kind = page.kind if page.kind != "pricing" or self.facts["prices"] else "page"
            pattern = words.DESCRIPTIONS[self.lang].get(kind, words.DESCRIPTIONS[self.lang]["page"])
        text = ""
        for count in (3, 2, 1):
            text = pattern.format(name=self.name, in_city=self.in_city, stem=page.stem,
                                  offer=self.offer_text(count), Offer=_capitalised(self.offer_text(count)),
                                  prices=self.prices_text(count), details=self.details_text())
            if len(text) <= DESCRIPTION_MAX:
                break
        if len(text) > DESCRIPTION_MAX:
            text = fit_words(text, DESCRIPTION_MAX - 1).rstrip(",;:") + "."
        closings = list(words.CLOSINGS[self.lang])
        self.rng.shuffle(closings)
        for closing in closings:
            if len(text) >= DESCRIPTION_MIN and (len(text) > 110 or self.rng.random() < 0.5):
                break
            if len(f"{text} {closing}") <= DESCRIPTION_MAX:
                text = f"{text} {closing}"
        return text

    def page_purpose(self, page: Page, site: list[Page]) -> str:
        others = [p.nav for p in site if p.slug != page.slug]
        pattern = words.PAGE_PURPOSES[self.lang].get(page.kind, words.PAGE_PURPOSES[self.lang]["page"])
        if page.kind == "home" and not others:
            pattern = words.PAGE_PURPOSES[self.lang]["page"]
        purpose = pattern.format(name=self.name, stem=page.stem, offer=self.offer_text(),
                                 details=self.details_text(), pages=self.joined(others))
        return fit_words(purpose, 300)

    def tagline(self) -> str:
        if not self.offers:
            return fit_words(f"{self.name}{self.in_city}.", 160)
        pattern = self.rng.choice(words.TAGLINES[self.lang])
        for count in (2, 1):
            line = pattern.format(name=self.name, in_city=self.in_city, offer=self.offer_text(count),
                                  Offer=_capitalised(self.offer_text(count)))
            if len(line) <= 160:
                return line
        return fit_words(line, 159)

    def topic(self, component: str) -> str:
        if component in ("PricingTable", "PriceList"):
            return self.prices_text(len(self.facts["prices"]))
        if component == "ContactBlock":
            return self.details_text()
        if component in ("MediaText", "RichText"):
            return words.STORY_TOPIC[self.lang]
        if component in ("CallToAction", "ContactForm", "ProductGrid"):
            return ""
        return self.offer_text()

    def offer_text(self, count: int = 3) -> str:
        return self.joined(self.offers[:count]) if self.offers else words.GENERIC_OFFER[self.lang]

    def prices_text(self, count: int) -> str:
        return "; ".join(f"{p['item']} {p['price']}" for p in self.facts["prices"][:max(count, 1)])

    def details_text(self) -> str:
        named = [words.FACT_NAMES[self.lang][key] for key in ("address", "phone", "email", "hours")
                 if self.facts[key]]
        return self.joined(named) if named else words.NO_DETAILS[self.lang]

    def joined(self, items: list[str]) -> str:
        if len(items) < 2:
            return "".join(items)
        return f"{', '.join(items[:-1])} {words.AND[self.lang]} {items[-1]}"

    def in_sentence(self, phrase: str) -> str:
        """A phrase of the brief inside a sentence: "Surf lessons" -> "surf lessons" (German
        nouns, names and acronyms keep their capitals)."""
        if self.lang == "de" or len(phrase) < 2 or not phrase[1].islower():
            return phrase
        return phrase[0].lower() + phrase[1:]

    def plan(self, pages: list[dict[str, Any]]) -> dict[str, Any]:
        # The language the site is written in: the brief's when these words are in it, else
        # English, which they are then in (a page that said lang="it" over English words would
        # be read aloud and indexed wrong). A model writes any language; this writer, four.
        language = self.language if self.lang == self.language.split("-")[0].lower() else "en"
        return {"language": language, "tagline": self.tagline(), "facts": self.facts, "pages": pages}


def industry_of(text: str) -> tuple[str, str]:
    """The kind of business its words tell, and the brief's own word for it ("bakery")."""
    tokens = re.findall(r"[\w'’&]+", text)
    scores: dict[str, int] = {}
    first_word: dict[str, str] = {}
    for token in tokens:
        key = folded(token)
        for industry, keys in words.INDUSTRIES.items():
            if any(_names(key, k) for k in keys):
                scores[industry] = scores.get(industry, 0) + 1
                first_word.setdefault(industry, token)
    if not scores:
        return "general", ""
    best = max(scores, key=lambda industry: scores[industry])
    return best, first_word[best]


def _names(token: str, word: str) -> bool:
    """Whether a token is the word, its plural, or (German compounds) ends with it."""
    forms = (word, f"{word}s", f"{word}es", f"{word}e", f"{word}n", f"{word}en")
    return token in forms or (len(word) >= 5 and token.endswith(forms))


def slugify(text: str) -> str:
    """"/über uns" -> "/ueber-uns": ASCII words with dashes (German umlauts spelled out)."""
    text = text.casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:53].strip("-")
    if is_platform_address(f"/{slug}"):  # "studio": the platform's own address on every site
        slug = f"{slug}-page"
    return f"/{slug}" if slug else ""


def anchor_of(slug: str) -> str:
    return slug.strip("/")[:40].strip("-") or "top"


def fit_words(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut between words (never inside one), without a
    dangling "and", article or separator at the end."""
    if len(text) <= limit:
        return text
    kept = text[:limit + 1].rsplit(" ", 1)[0] if " " in text[:limit + 1] else text[:limit]
    parts = kept.split()
    while len(parts) > 1 and (parts[-1].casefold() in _CUT_WORDS or not any(c.isalnum() for c in parts[-1])):
        parts.pop()
    return " ".join(parts).rstrip(",;:(") if parts else kept


def _label(word: str) -> str:
    return fit_words(_capitalised(" ".join(word.split())), 24)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
