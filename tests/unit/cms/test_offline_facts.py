"""The offline planner's offerings and prices (offline_facts): what a brief offers, read by rules
that hold as classes (days, people, places, labels, clauses, counts, needs are not offerings), in
English, French, German and Spanish; prices keep the words that bound them. Every brief of the
corpus is held to the same rules, and a site whose brief names few offerings still reads well."""

# ruff: noqa: RUF001 - owners write en dashes and typographic apostrophes; so do these briefs

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from services.cms import ai_edits
from services.cms.offline_facts import extract_facts, folded
from services.cms.offline_plans import site_plan
from services.cms.offline_sections import write_section
from services.cms.prompts import with_context
from shared.ai.output import validated

CORPUS = sorted((Path(__file__).resolve().parents[3] / "bench" / "briefs").glob("*.json"))


def facts(business: str, *, location: str = "", language: str = "en", name: str = "Northwind") -> dict[str, Any]:
    return extract_facts({"name": name, "business": business, "location": location, "language": language})


def services(business: str, **brief: str) -> list[str]:
    return facts(business, **brief)["services"]


def lowered(items: list[str]) -> list[str]:
    return [item.casefold() for item in items]


def assert_not_offered(found: list[str], *words: str) -> None:
    for word in words:
        assert not any(word.casefold() in item for item in lowered(found)), (word, found)


# --- days ----------------------------------------------------------------------------
@pytest.mark.parametrize(("business", "language", "day", "kept"), [
    ("We distribute groceries every Wednesday and Saturday.", "en", "saturday", "groceries"),
    ("Brunch, pancakes and waffles on Sundays.", "en", "sunday", "pancakes"),
    ("Cours de poterie, tournage et modelage le samedi.", "fr", "samedi", "tournage"),
    ("Frühstück, Kuchen und Brunch am Sonntag.", "de", "sonntag", "kuchen"),
    ("Clases de salsa, bachata y tango los sábados.", "es", "sábados", "bachata"),
])
def test_a_day_is_never_an_offering(business: str, language: str, day: str, kept: str) -> None:
    found = services(business, language=language)
    assert_not_offered(found, day)
    assert any(kept in item for item in lowered(found)), found


# --- people ----------------------------------------------------------------------------
@pytest.mark.parametrize(("business", "language", "names", "kept"), [
    ("Employment law: unfair dismissal, whistleblowing. Partners: Ruth Hartley and Kwame Osei.", "en",
     ("ruth", "kwame"), "whistleblowing"),
    ("Studio with three resident artists: Maya Reyes (fine-line and botanical), Dante Cole (American "
     "traditional) and Sky Nguyen (piercing and jewelry).", "en", ("maya", "dante", "nguyen"), "botanical"),
    ("Salon de coiffure. Notre équipe : Claire Martin (coloration) et Julien Petit (coupe homme).", "fr",
     ("claire", "julien"), "coloration"),
    ("Tattoo-Studio. Künstler: Jonas Weber (Fineline) und Lea Brandt (Blackwork).", "de", ("jonas", "lea"),
     "blackwork"),
    ("Estudio de tatuajes. Tatuadores: Marta Ruiz (realismo) y Pablo Gil (lettering).", "es",
     ("marta", "pablo"), "realismo"),
    # no colon: a sentence that only names people after a word for them
    ("Family law: divorce, child arrangements and prenuptial agreements. Partners Jane Hartley and Kwame Osei.",
     "en", ("jane", "kwame"), "divorce"),
    ("Bike repairs, servicing and wheel building. Our team are Ana Lopez, Ben Ward and Chris Kim.", "en",
     ("ana", "ben", "chris"), "servicing"),
    ("Cabinet d'avocats : droit du travail, droit de la famille. Les associés sont Marie Dubois et Jean Martin.",
     "fr", ("marie", "jean"), "droit du travail"),
    ("Praxis für Physiotherapie: Krankengymnastik und Lymphdrainage. Inhaberin Anna Schmidt.", "de",
     ("anna",), "lymphdrainage"),
])
def test_a_persons_name_is_not_an_offering_but_what_they_do_is(business: str, language: str,
                                                                names: tuple[str, ...], kept: str) -> None:
    found = services(business, language=language)
    assert_not_offered(found, *names)
    assert any(kept in item for item in lowered(found)), found


# --- places ----------------------------------------------------------------------------
@pytest.mark.parametrize(("business", "location", "language", "place", "kept"), [
    ("Tattoo studio in Austin, Texas with custom designs. Cover-ups, touch-ups and flash.", "Austin, TX", "en",
     "texas", "touch-ups"),
    ("Nonprofit food bank serving families in East Oakland. Groceries, hot meals and diapers.", "Oakland, CA",
     "en", "oakland", "hot meals"),
    ("Organizamos bodas en cortijos y haciendas de Sevilla y Cádiz: catering, flores y música.", "Sevilla",
     "es", "sevilla", "catering"),
    ("Familiengeführte Nudelbar in Leipzig. Pho Bo, Bun Cha und frische Sommerrollen.", "Leipzig", "de",
     "leipzig", "sommerrollen"),
    ("Traiteur à Nantes et environs : buffets, cocktails et plateaux repas.", "Nantes", "fr", "nantes",
     "buffets"),
])
def test_the_place_is_not_an_offering(business: str, location: str, language: str, place: str, kept: str) -> None:
    found = services(business, location=location, language=language)
    assert_not_offered(found, place)
    assert any(kept in item for item in lowered(found)), found


# --- labels and what the business is ----------------------------------------------------------
@pytest.mark.parametrize(("business", "language", "label", "kept"), [
    ("We fix pretty much everything: road bikes, cargo bikes and e-bikes.", "en", "everything", "cargo bikes"),
    ("B2B SaaS platform for warehouse robotics: fleet software, pick path planning.", "en", "platform",
     "fleet software"),
    ("Fleuriste de quartier : bouquets de saison, mariages et livraison.", "fr", "fleuriste", "mariages"),
    ("Praxis für Physiotherapie mit vier Räumen: Krankengymnastik, Lymphdrainage.", "de", "praxis",
     "lymphdrainage"),
    ("Academia de idiomas en el barrio: inglés, alemán y francés.", "es", "academia", "alemán"),
])
def test_a_label_before_a_colon_is_not_an_offering(business: str, language: str, label: str, kept: str) -> None:
    found = services(business, language=language)
    assert_not_offered(found, label)
    assert any(kept in item for item in lowered(found)), found


# --- clauses: verbs, fillers, relative clauses, invitations, bookings -------------------------------
@pytest.mark.parametrize(("business", "language", "not_offered"), [
    ("Fleet orchestration software that coordinates robots from mixed vendors, integrates with WMS systems like "
     "Manhattan and SAP EWM, and optimizes pick paths in real time.", "en",
     ("coordinates", "integrates", "optimizes", "from mixed", "sap ewm")),
    ("So we are basically a little bike shop, well more of a workshop really. We fix punctures and gears.", "en",
     ("basically", "well more", "workshop really")),
    ("We run a weekend backpack program for schoolkids, and rely entirely on volunteers and donations.", "en",
     ("rely", "donations")),
    ("Sold to 3PLs and retailers on an annual subscription. Fleet software and pick path planning.", "en",
     ("retailers", "sold")),
    ("Walk-ins welcome Tuesday to Saturday, custom pieces by consultation.", "en", ("walk-ins", "consultation")),
    ("Fleuriste : bouquets, compositions, et franchement tout le reste.", "fr", ("franchement", "tout le reste")),
    ("Nudelbar, bis spät geöffnet, alles auch zum Mitnehmen. Pho Bo und Bun Cha.", "de", ("alles", "mitnehmen")),
    ("Wir konzipieren, gestalten und entwickeln Websites, die schnell und barrierefrei sind.", "de",
     ("gestalten", "schnell", "barrierefrei")),
    ("Estudio de tatuajes: blackwork, fine line y realismo, solo con cita previa.", "es", ("solo", "cita")),
])
def test_a_clause_is_not_an_offering(business: str, language: str, not_offered: tuple[str, ...]) -> None:
    assert_not_offered(services(business, language=language), *not_offered)


# --- counts and needs ----------------------------------------------------------------------------
@pytest.mark.parametrize(("business", "language", "count", "kept"), [
    ("Two-partner employment law firm representing employees in unfair dismissal, discrimination and "
     "whistleblowing cases.", "en", "two-partner", "unfair dismissal"),
    ("Tattoo studio with three resident artists, custom pieces and cover-ups.", "en", "artists", "cover-ups"),
    ("Maison d'hôtes de cinq chambres, piscine chauffée, table d'hôtes.", "fr", "chambres", "piscine chauffée"),
    ("Praxis mit sechs Therapeuten, Krankengymnastik und Lymphdrainage.", "de", "therapeuten", "lymphdrainage"),
    ("Estudio con tres tatuadores, blackwork y realismo.", "es", "tatuadores", "realismo"),
])
def test_a_count_says_how_big_the_business_is_not_what_it_offers(business: str, language: str, count: str,
                                                                  kept: str) -> None:
    found = services(business, language=language)
    assert_not_offered(found, count)
    assert any(kept in item for item in lowered(found)), found


@pytest.mark.parametrize(("business", "language", "needed"), [
    ("Food bank: groceries and hot meals. We need volunteers to sort food and drive deliveries, and donations "
     "of money, canned goods and diapers.", "en", ("drive deliveries", "donations", "money", "canned goods")),
    ("Banque alimentaire : colis et repas chauds. Nous recherchons des bénévoles, des chauffeurs et des dons.",
     "fr", ("bénévoles", "chauffeurs", "dons")),
    ("Tafel: Lebensmittel und warme Mahlzeiten. Wir suchen Fahrer, Helfer und Geldspenden.", "de",
     ("fahrer", "helfer", "geldspenden")),
    ("Banco de alimentos: lotes y comidas calientes. Necesitamos conductores, voluntarios y donativos.", "es",
     ("conductores", "donativos")),
])
def test_what_the_business_needs_is_not_what_it_offers(business: str, language: str,
                                                       needed: tuple[str, ...]) -> None:
    found = services(business, language=language)
    assert_not_offered(found, *needed)
    assert len(found) == 2, found  # what it does give out is still read


# --- prices ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("business", "language", "item", "price"), [
    ("Prices: Brake bleed (hydraulic, per brake) £25. Gear tune £20.", "en", "Brake bleed (hydraulic, per brake)",
     "£25"),
    ("Prices: Bike fit (90 minutes) £110.", "en", "Bike fit (90 minutes)", "£110"),
    ("Hand-built wheel from £180.", "en", "Hand-built wheel", "from £180"),
    ("Chain and cassette fitting £15 plus parts.", "en", "Chain and cassette fitting", "£15 plus parts"),
    ("Déclaration d'impôt d'un particulier dès CHF 250.", "fr", "Déclaration d'impôt d'un particulier",
     "dès CHF 250"),
    ("Fahrstunde (45 Min.) 65 €.", "de", "Fahrstunde (45 Min.)", "65 €"),
    ("Starter-Website ab CHF 4'800.", "de", "Starter-Website", "ab CHF 4'800"),
    ("Coordinación del día desde 1.200 €.", "es", "Coordinación del día", "desde 1.200 €"),
])
def test_a_price_keeps_its_item_and_what_bounds_it(business: str, language: str, item: str, price: str) -> None:
    assert {"item": item, "price": price} in facts(business, language=language)["prices"]


# --- the whole corpus ------------------------------------------------------------------------
DAY = re.compile(r"(?<!\w)(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|lundi|mardi|mercredi|jeudi|"
                 r"vendredi|samedi|dimanche|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lunes|"
                 r"martes|miércoles|jueves|viernes|sábado|domingo)s?(?!\w)", re.IGNORECASE)
CLAUSE_START = re.compile(r"^(?:well|so|basically|really|pretty much|everything|anything|alles|tout|todo|from|to|"
                          r"by|that|which|who|integrates|optimizes|coordinates|rely|sold|partners?|solo|only)\b",
                          re.IGNORECASE)
COUNT = re.compile(r"(?<!\w)(?:two|three|four|five|six|deux|trois|quatre|cinq|zwei|drei|vier|fünf|sechs|acht|"
                   r"dos|tres|cuatro|cinco|seis)(?!\w)", re.IGNORECASE)


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.name)
def test_no_offering_of_the_corpus_breaks_a_rule(path: Path) -> None:
    brief = json.loads(path.read_text())
    found = extract_facts(brief)["services"]
    places = {folded(word) for word in re.findall(r"[^\W\d_][\w'’-]+", brief.get("location") or "")
              if word[:1].isupper()}  # the location's names: "Madrid, Lavapiés" -> {"madrid", "lavapies"}
    text = " ".join(brief["business"].split()).casefold()
    for service in found:
        assert " ".join(service.split()).casefold() in text, service  # the owner's own words
        assert not DAY.search(service), service
        assert not places & {folded(word.strip(".,")) for word in service.split()}, (service, places)
        assert not CLAUSE_START.match(service), service
        assert not COUNT.search(service), service
        assert not re.search(r"\d", service), service
    assert len(found) <= 6


def test_the_corpus_still_reads_offerings_where_briefs_list_them() -> None:
    listed = {path.name: extract_facts(json.loads(path.read_text()))["services"] for path in CORPUS}
    assert sum(1 for found in listed.values() if len(found) >= 3) >= 15, listed


# --- a site from a brief with few offerings ------------------------------------------------------
FEW = {
    "none": {"name": "Bakery", "business": "bakery", "location": "", "language": "en"},
    "one": {"name": "Stackbot", "business": "B2B SaaS platform for warehouse robotics: fleet orchestration software "
            "that coordinates autonomous mobile robots. Book a demo.", "location": "Boston, MA", "language": "en"},
    "two": {"name": "Hartley & Osei", "business": "Employment law firm. We handle unfair dismissal and "
            "whistleblowing. Partners: Ruth Hartley and Kwame Osei.", "location": "Manchester", "language": "en"},
}


def section(brief: dict[str, Any], component: str) -> dict[str, Any]:
    plan = site_plan({**brief, "tone": "", "pages": [], "sections": [], "audience": "", "brand_notes": ""})
    site = {"name": brief["name"], "language": brief["language"], "tone": "", "tagline": plan.get("tagline", ""),
            "facts": plan["facts"], "pages": plan["pages"]}
    context = {"task": "page_section", "brief": brief, "site": site,
               "page": {"slug": "/", "title": brief["name"], "purpose": "", "anchors": ["top", "services", "faq"]},
               "section": {"component": component, "anchor": "services", "purpose": "", "index": 1, "count": 3},
               "images": []}
    schema = ai_edits.node_schema(component)
    return validated(schema, write_section("system", with_context(context, "Write the section."), schema))


def texts(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in texts(item)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("key", FEW)
@pytest.mark.parametrize("component", ["Hero", "FeatureGrid", "FAQ", "Footer"])
def test_a_site_with_few_offerings_has_no_empty_card_or_dangling_and(key: str, component: str) -> None:
    props = section(FEW[key], component)["props"]
    for said in texts(props):
        assert not re.search(r"(?:\band|,)\s*(?:[.,:;]|$)|^\s*(?:and|,)\b", said), said  # no "x and ." / "x, ."
    assert "Ruth Hartley" not in " ".join(item.get("title", "") for item in props.get("features", []))
    for feature in props.get("features", []):
        assert feature["title"].strip() and feature["body"].strip(), feature


@pytest.mark.parametrize(("name", "business", "language", "trade", "offer"), [
    ("Hartley Plumbing", "plumber", "en", "plumber", "plumbing"),
    ("Hartley Plumbing", "Plumbers", "en", "plumbers", "plumbing"),
    ("Salon Lumière", "coiffeur", "fr", "coiffeur", "coupes et coiffures"),
    ("Praxis Dr. Keller", "Zahnarzt", "de", "zahnarzt", "zahnbehandlung"),
    ("Fontanería Pérez", "fontanero", "es", "fontanero", "fontanería"),
])
@pytest.mark.parametrize("component", ["Hero", "FeatureGrid", "FAQ", "MediaText"])
def test_a_brief_that_names_only_its_trade_offers_what_the_trade_does(
        name: str, business: str, language: str, trade: str, offer: str, component: str) -> None:
    brief = {"name": name, "business": business, "location": "", "language": language}
    said = " | ".join(texts(section(brief, component)["props"]))
    if component != "Hero":  # a hero may greet without naming it
        assert offer in said.casefold(), said  # what a visitor comes for, in the site's language
    # the trade is who the business is, never what it offers: "Hartley Plumbing offers plumber"
    offered = re.compile(rf"\b(?:offers|about|propose|bietet|ofrece)\s+{trade}\b|\b{trade}\s+(?:at|chez|bei|en)\s",
                         re.IGNORECASE)
    assert not offered.search(said), said
    assert f"{name} offers Plumbing" not in said  # a trade's word inside the name is not a proper name


@pytest.mark.parametrize(("location", "city", "address"), [
    ("Via dei Neri 22, Firenze", "Firenze", "Via dei Neri 22, Firenze"),
    ("Harlow Lane, Bristol BS14 8AA", "Bristol", "Harlow Lane, Bristol BS14 8AA"),
    ("Calle del Ave María 34, 28012 Madrid", "Madrid", "Calle del Ave María 34, 28012 Madrid"),
    ("Rue Mercière, Lyon", "Lyon", "Rue Mercière, Lyon"),
    ("Lyon 4e", "Lyon", ""),  # a number alone makes no street
    ("Cirencester, Gloucestershire", "Cirencester", ""),
    ("Wayland, MA", "Wayland", ""),
])
def test_a_street_in_the_location_is_the_address_not_the_city(location: str, city: str, address: str) -> None:
    found = facts("Gelato made every morning.", location=location)
    assert found["city"] == city
    assert found["address"] == address


@pytest.mark.parametrize(("business", "expected"), [
    # a package named at the head of its sentence, its price at the end
    ("Packages: 'Elopement' – up to 3 hours coverage, 150+ edited images, online gallery, £950. 'Classic' – "
     "about 8 hours, 500+ images, £1,950.", [("Elopement", "£950"), ("Classic", "£1,950")]),
    ("Formules : « Découverte » – 1 heure, 10 photos, 90 €.", [("Découverte", "90 €")]),
    ("Prices: Elopement – 3 hours, £950; Classic – 8 hours, £1,950.", [("Elopement", "£950"), ("Classic", "£1,950")]),
    # an item the price cut in two is no item: the price is left out rather than named wrong
    ("Pays for a dog's £20 vaccinations.", []),
    ("Every £10 of the funds goes to the shelter.", []),
])
def test_a_price_is_named_by_its_package_or_left_out(business: str, expected: list[tuple[str, str]]) -> None:
    assert [(p["item"], p["price"]) for p in facts(business)["prices"]] == expected


@pytest.mark.parametrize(("business", "city", "services"), [
    ("plumber, Leeds", "Leeds", ["Plumber"]),
    ("Plumbers, Leeds", "Leeds", ["Plumbers"]),
    ("bakery in Lyon", "Lyon", ["Bakery"]),
    ("Zahnarzt in München", "München", ["Zahnarzt"]),
    ("yoga, Pilates", "", ["Yoga", "Pilates"]),  # after a comma, only a trade's name is followed by its place
])
def test_a_short_brief_without_a_location_may_end_in_its_place(business: str, city: str,
                                                               services: list[str]) -> None:
    found = facts(business)
    assert (found["city"], found["services"]) == (city, services)


@pytest.mark.parametrize(("business", "not_offered", "kept"), [
    ("Wedding photographer. My style is pretty relaxed and documentary, I'd rather catch the real moments, the dad "
     "crying during the speeches, the kids running around. Second shooter on request.",
     ("style", "dad crying", "kids running"), "second shooter"),
    ("Notre style est simple et chaleureux, les fous rires, les larmes des pères. Reportage de mariage.",
     ("style", "fous rires"), "reportage de mariage"),
    ("Our services are: boiler repair, leak detection and bathroom fitting.", (), "leak detection"),
])
def test_a_sentence_that_describes_lists_no_offerings(business: str, not_offered: tuple[str, ...], kept: str) -> None:
    found = services(business)
    assert_not_offered(found, *not_offered)
    assert any(kept in item for item in lowered(found)), found
