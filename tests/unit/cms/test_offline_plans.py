"""The offline site planner: plans valid against the plan schema, faithful to the brief's
facts, with the pages asked for (or those the business needs), sections under the plan's
rules, words in the brief's language, deterministic for a brief and different between briefs."""

# ruff: noqa: RUF001 - owners write en dashes and typographic apostrophes; so do these words

from __future__ import annotations

import re

import msgspec
import pytest
from jsonschema import Draft202012Validator

from services.cms import offline_words
from services.cms.offline_plans import (
    extract_facts,
    fit_words,
    page_plan,
    site_plan,
    slugify,
    write_page_plan,
    write_site_plan,
)
from services.cms.prompts import with_context
from services.cms.schemas import BriefIn, SitePlan

SCHEMA = msgspec.json.schema(SitePlan)
VALIDATOR = Draft202012Validator(SCHEMA)


def brief(name: str, business: str, *, location: str = "", language: str = "en", pages: tuple[str, ...] = (),
          sections: tuple[str, ...] = (), tone: str = "") -> dict:
    return msgspec.to_builtins(BriefIn(name=name, business=business, location=location, language=language,
                                       pages=list(pages), sections=list(sections), tone=tone))


BRIEFS = {
    "surf": brief("Blue Ocean Surf School", "Surf lessons for beginners and board rental on the Basque coast. "
                  "45 € a lesson, board rental 15 € an hour. Open Tue-Sun 9:00-18:00, call +33 5 59 00 00 00.",
                  location="Biarritz, France"),
    "cafe": brief("Corner Crumb", "Neighbourhood bakery and café: sourdough bread, cinnamon buns and filter coffee. "
                  "Open daily 7am to 7pm. Write to hello@cornercrumb.co.uk.", location="Leeds, UK"),
    "saas": brief("Ledgerly", "Ledgerly is invoicing software for freelancers. Create invoices, send payment "
                  "reminders and track time. Plans: Solo $12/month, Team $29/month. Support at support@ledgerly.io.",
                  pages=("features", "pricing", "integrations", "faq", "contact")),
    "plumber": brief("Hartley & Sons Plumbing", "Family plumbers fixing leaks, boilers and bathrooms.",
                     location="Leeds"),
    "boulangerie": brief("Boulangerie Le Pétrin", "Boulangerie artisanale depuis 2009 : pains au levain, "
                         "viennoiseries pur beurre et tartes de saison. Croissant 1,20 €, baguette tradition 1,30 €. "
                         "Ouvert du mardi au dimanche de 7h à 19h. 12 rue d'Austerlitz, 69004 Lyon. "
                         "Tél. 04 78 00 12 34.",
                         location="Lyon 4e", language="fr", pages=("nos pains", "la maison", "contact")),
    "dentiste": brief("Cabinet dentaire du Parc", "Cabinet de chirurgiens-dentistes : soins conservateurs, "
                      "détartrage et orthodontie invisible. Rendez-vous du lundi au vendredi de 8h30 à 19h. "
                      "Téléphone : 02 40 00 56 78. E-mail : accueil@dentaireduparc.fr.", location="Nantes",
                      language="fr"),
    "yoga_fr": brief("Atelier Souffle", "Studio de yoga : cours de vinyasa, yin yoga et méditation guidée.",
                     location="Annecy", language="fr"),
    "fahrschule": brief("Fahrschule Becker", "Führerschein Klasse B und A. Fahrstunde ab 39 €, Grundbetrag 390 €. "
                        "Büro geöffnet Mo–Fr 8–18 Uhr. Telefon 030 1234567, info@fahrschule-becker.de.",
                        location="Berlin", language="de", pages=("Kurse", "Preise", "Über uns", "Kontakt")),
    "physio": brief("Physiotherapie am Stadtpark", "Praxis für Physiotherapie: Krankengymnastik, manuelle Therapie "
                    "und Lymphdrainage. Jarrestraße 80, 22303 Hamburg.", location="Hamburg", language="de"),
    "brauerei": brief("Brauerei Hinterhof", "Kleine Craft-Brauerei mit Schankraum in der Altstadt.",
                      location="Bamberg", language="de"),
    "taqueria": brief("Taquería El Güero", "Taquería de barrio: tacos al pastor, tortillas hechas a mano y salsas de "
                      "la casa. Taco al pastor $28 MXN, agua fresca $35 MXN. Abrimos de martes a domingo de 13:00 a "
                      "23:00. Pedidos al 55 0000 1234.", location="Ciudad de México, Roma Norte", language="es",
                      pages=("menú", "nosotros", "visítanos")),
    "coworking": brief("La Colmena Coworking", "Espacio de coworking con salas de reuniones, cocina y terraza. "
                       "Pase de día 15 €, puesto fijo 180 € al mes. Abierto de lunes a viernes de 8:00 a 21:00. "
                       "Calle del Ave María 34, 28012 Madrid.", location="Madrid", language="es"),
    "almazara": brief("Almazara La Loma", "Vendemos online aceite de oliva virgen extra, latas y estuches de regalo. "
                      "Lata de 5 litros 69,00 €.", location="Baeza, Jaén", language="es"),
    "italiano": brief("Trattoria Da Gino", "Pasta fresca, pizza al forno a legna e vini della casa.",
                      location="Bologna", language="it"),
    "coach": brief("Northstar Coaching", "Career coaching for engineers moving into management. "
                   "Sessions from $150. Call (555) 010-0199.", location="Austin, TX", language="en-US"),
}
SINGLE_PAGE = {
    "surf_home": brief("Blue Ocean Surf School", "A home page for a surf school: surf lessons for beginners and "
                       "board rental.", location="Biarritz", tone="warm",
                       sections=("hero", "features", "gallery", "faq", "contact")),
    "a_propos": brief("Atelier Souffle", "Une page à propos pour notre studio de yoga : cours de vinyasa et de yin.",
                      location="Annecy", language="fr"),
    "de_sections": brief("Brauerei Hinterhof", "Kleine Craft-Brauerei mit Schankraum in der Altstadt.",
                         location="Bamberg", language="de",
                         sections=("hero", "testimonials", "pricing", "menu", "about", "contact")),
}
HOME_NAV = {"en": "Home", "fr": "Accueil", "de": "Start", "es": "Inicio"}
LANGUAGE_WORDS = {  # words only that language's descriptions and purposes use
    "en": {"the", "and", "of", "in", "with", "to", "us", "we"},
    "fr": {"et", "de", "à", "chez", "nous", "les", "vous", "des"},
    "de": {"und", "bei", "wir", "von", "uns", "die", "der", "Sie"},
    "es": {"y", "de", "en", "con", "nos", "los", "las", "lo"},
}


def plan_of(key: str) -> dict:
    return site_plan(BRIEFS[key]) if key in BRIEFS else page_plan(SINGLE_PAGE[key])


def brief_of(key: str) -> dict:
    return BRIEFS.get(key) or SINGLE_PAGE[key]


def said(value: str, data: dict) -> bool:
    text = " ".join([data["name"], data["business"], data["location"]])
    return re.sub(r"\s+", " ", value).casefold() in re.sub(r"\s+", " ", text).casefold()


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


ALL = [*BRIEFS, *SINGLE_PAGE]


@pytest.mark.parametrize("key", ALL)
def test_the_plan_is_valid_against_the_plan_schema(key: str) -> None:
    plan = plan_of(key)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(plan)]
    assert errors == []
    assert msgspec.convert(plan, SitePlan).pages[0].slug == ("/" if key in BRIEFS else plan["pages"][0]["slug"])


@pytest.mark.parametrize("key", ALL)
def test_every_fact_is_in_the_brief_as_written(key: str) -> None:
    data, facts = brief_of(key), plan_of(key)["facts"]
    assert facts["business_name"] == data["name"]
    assert not facts["city"] or said(facts["city"], data)
    assert not facts["email"] or said(facts["email"], data)
    assert not facts["phone"] or (said(facts["phone"], data) and len(digits(facts["phone"])) >= 7)
    for line in filter(None, facts["address"].split(", ")):
        assert said(line, data)
    for entry in facts["hours"]:
        assert said(entry["days"], data) and said(entry["hours"], data)
        assert digits(entry["hours"])
    for entry in facts["prices"]:
        assert said(entry["price"], data) and said(entry["item"], data)
    for service in facts["services"]:
        assert said(service, data)


@pytest.mark.parametrize(("key", "expected"), [
    ("surf", {"city": "Biarritz", "phone": "+33 5 59 00 00 00", "hours": [{"days": "Tue-Sun", "hours": "9:00-18:00"}],
              "prices": [{"item": "Lesson", "price": "45 €"}, {"item": "Board rental", "price": "15 € an hour"}]}),
    ("cafe", {"city": "Leeds", "email": "hello@cornercrumb.co.uk",
              "hours": [{"days": "daily", "hours": "7am to 7pm"}]}),
    ("boulangerie", {"city": "Lyon", "phone": "04 78 00 12 34", "address": "12 rue d'Austerlitz, 69004 Lyon",
                     "hours": [{"days": "mardi au dimanche", "hours": "7h à 19h"}],
                     "prices": [{"item": "Croissant", "price": "1,20 €"},
                                {"item": "Baguette tradition", "price": "1,30 €"}]}),
    ("fahrschule", {"phone": "030 1234567", "email": "info@fahrschule-becker.de",
                    "hours": [{"days": "Mo–Fr", "hours": "8–18 Uhr"}],
                    "prices": [{"item": "Fahrstunde", "price": "ab 39 €"}, {"item": "Grundbetrag", "price": "390 €"}]}),
    ("physio", {"address": "Jarrestraße 80, 22303 Hamburg", "phone": "", "prices": []}),
    ("taqueria", {"city": "Ciudad de México", "phone": "55 0000 1234",
                  "hours": [{"days": "martes a domingo", "hours": "13:00 a 23:00"}],
                  "prices": [{"item": "Taco al pastor", "price": "$28 MXN"},
                             {"item": "Agua fresca", "price": "$35 MXN"}]}),
    ("coworking", {"address": "Calle del Ave María 34, 28012 Madrid",
                   "prices": [{"item": "Pase de día", "price": "15 €"},
                              {"item": "Puesto fijo", "price": "180 € al mes"}]}),
    ("coach", {"city": "Austin", "phone": "(555) 010-0199", "prices": [{"item": "Sessions", "price": "from $150"}]}),
])
def test_the_facts_a_brief_gives_are_found(key: str, expected: dict) -> None:
    facts = plan_of(key)["facts"]
    assert {field: facts[field] for field in expected} == expected


@pytest.mark.parametrize(("text", "days", "hours"), [
    ("We are open Tue-Sun 9:00-18:00.", "Tue-Sun", "9:00-18:00"),
    ("Open daily 7am to 7pm for coffee.", "daily", "7am to 7pm"),
    ("Ouvert du mardi au dimanche de 9h à 18h.", "mardi au dimanche", "9h à 18h"),
    ("Geöffnet Mo–Fr 8–18 Uhr.", "Mo–Fr", "8–18 Uhr"),
    ("Atendemos de lunes a viernes de 9 a 14h.", "lunes a viernes", "9 a 14h"),
    ("Pantry hours: Tuesday and Thursday 3pm-7pm.", "Tuesday and Thursday", "3pm-7pm"),
])
def test_opening_hours_keep_their_words(text: str, days: str, hours: str) -> None:
    assert extract_facts({"name": "X", "business": text})["hours"] == [{"days": days, "hours": hours}]


@pytest.mark.parametrize(("text", "item", "price"), [
    ("Surf school. 45 € a lesson.", "Lesson", "45 €"),
    ("We teach surf: lessons from 45 €.", "Lessons", "from 45 €"),  # what bounds the amount is the price's
    ("Invoicing for teams at $29/month.", "Invoicing for teams", "$29/month"),
    ("Tarif horaire CHF 120.", "Tarif horaire", "CHF 120"),
    ("Yoga-Kurse ab 39 €.", "Yoga-Kurse", "ab 39 €"),
    ("Menú del día 12,50 €.", "Menú del día", "12,50 €"),
])
def test_prices_keep_their_words(text: str, item: str, price: str) -> None:
    assert extract_facts({"name": "X", "business": text})["prices"] == [{"item": item, "price": price}]


@pytest.mark.parametrize(("text", "phone"), [
    ("Call +33 5 59 00 00 00 today.", "+33 5 59 00 00 00"),
    ("Telefon 030 1234567.", "030 1234567"),
    ("Call (555) 010-0199 for a slot.", "(555) 010-0199"),
    ("Since 1990-2020 we baked 45 € cakes, 9:00-18:00.", ""),
])
def test_phone_numbers_are_found_and_nothing_else_is(text: str, phone: str) -> None:
    assert extract_facts({"name": "X", "business": text})["phone"] == phone


@pytest.mark.parametrize("key", ["plumber", "brauerei", "yoga_fr", "italiano"])
def test_a_brief_without_facts_gets_none_invented(key: str) -> None:
    plan = plan_of(key)
    facts = plan["facts"]
    assert (facts["phone"], facts["email"], facts["address"], facts["hours"], facts["prices"]) == ("", "", "", [], [])
    components = {s["component"] for page in plan["pages"] for s in page["sections"]}
    assert not components & {"PricingTable", "ContactBlock", "ProductGrid"}
    assert "ContactForm" in components


@pytest.mark.parametrize("key", ALL)
def test_sections_obey_the_plan_rules(key: str) -> None:
    plan, data = plan_of(key), brief_of(key)
    facts = plan["facts"]
    contacts = facts["address"] or facts["phone"] or facts["email"] or facts["hours"]
    for page in plan["pages"]:
        components = [s["component"] for s in page["sections"]]
        anchors = [s["anchor"] for s in page["sections"]]
        assert 1 <= len(components) <= 8
        assert len(set(anchors)) == len(anchors)
        assert all(re.fullmatch(r"[a-z0-9-]{1,40}", a) for a in anchors)
        assert not {"PricingTable", "PriceList"} & set(components) or facts["prices"]
        assert "ContactBlock" not in components or contacts
        assert "ProductGrid" not in components or re.search(r"vend|sell|shop", data["business"], re.I)
        assert all(s["purpose"] and len(s["purpose"]) <= 200 for s in page["sections"])
    assert plan["pages"][0]["sections"][0]["component"] == "Hero" or data["sections"]


@pytest.mark.parametrize("key", [k for k in BRIEFS if not BRIEFS[k]["pages"]])
def test_choose_for_me_gives_three_to_seven_pages_home_first_contact_last(key: str) -> None:
    pages = plan_of(key)["pages"]
    assert 3 <= len(pages) <= 7
    assert pages[0]["slug"] == "/"
    assert any(s["component"] == "ContactForm" for s in pages[-1]["sections"])


@pytest.mark.parametrize(("key", "slugs", "labels"), [
    ("saas", ["/", "/features", "/pricing", "/integrations", "/faq", "/contact"],
     ["Home", "Features", "Pricing", "Integrations", "FAQ", "Contact"]),
    ("boulangerie", ["/", "/nos-pains", "/la-maison", "/contact"], ["Accueil", "Nos pains", "La maison", "Contact"]),
    ("fahrschule", ["/", "/kurse", "/preise", "/ueber-uns", "/kontakt"],
     ["Start", "Kurse", "Preise", "Über uns", "Kontakt"]),
    ("taqueria", ["/", "/menu", "/nosotros", "/visitanos"], ["Inicio", "Menú", "Nosotros", "Visítanos"]),
])
def test_requested_pages_are_present_in_order(key: str, slugs: list[str], labels: list[str]) -> None:
    pages = plan_of(key)["pages"]
    assert [p["slug"] for p in pages] == slugs
    assert [p["nav_label"] for p in pages] == labels


def test_the_kind_of_business_chooses_its_pages() -> None:
    def kinds(key: str) -> set[str]:
        return {p["slug"] for p in plan_of(key)["pages"]}
    assert "/menu" in kinds("cafe")
    assert "/lessons" in kinds("surf") and "/pricing" in kinds("surf")  # a school with prices
    assert "/pricing" not in kinds("plumber")  # no prices given: no pricing page
    assert "/prestations" in kinds("dentiste")
    assert "/tienda" in kinds("almazara")
    almazara = plan_of("almazara")["pages"]
    assert any(s["component"] == "ProductGrid" for p in almazara for s in p["sections"])


@pytest.mark.parametrize("key", ALL)
def test_titles_and_descriptions_fit_and_are_not_cut_inside_a_word(key: str) -> None:
    plan, data = plan_of(key), brief_of(key)
    vocabulary = set(re.findall(r"[\w'’&|.-]+", " ".join(
        [data["name"], data["business"], data["location"], *(p["nav_label"] for p in plan["pages"])]
        + [stem for by_lang in offline_words.PAGES.values() for _, _, stem in by_lang.values()])))
    for page in plan["pages"]:
        assert 1 <= len(page["title"]) <= 60
        assert page["title"].split()[-1] in vocabulary
        assert 50 <= len(page["description"]) <= 160
        assert page["description"].endswith(".")
        assert page["purpose"] and len(page["purpose"]) <= 300
    assert 0 < len(plan["tagline"]) <= 160


@pytest.mark.parametrize("key", BRIEFS)
def test_slugs_are_unique_ascii_and_home_is_first(key: str) -> None:
    slugs = [p["slug"] for p in plan_of(key)["pages"]]
    assert slugs[0] == "/"
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"/([a-z0-9]+(-[a-z0-9]+)*)?", s) for s in slugs)


@pytest.mark.parametrize("key", ALL)
def test_words_are_in_the_briefs_language(key: str) -> None:
    plan, data = plan_of(key), brief_of(key)
    language = data["language"].split("-")[0]
    words_in = language if language in HOME_NAV else "en"
    assert plan["language"] == (data["language"] if words_in == language else "en")  # it names the words
    if plan["pages"][0]["nav_label"] in HOME_NAV.values():
        assert plan["pages"][0]["nav_label"] == HOME_NAV[words_in]
    written = " ".join(p["description"] + " " + p["purpose"] for p in plan["pages"])
    found = set(re.findall(r"[\w']+", written))
    own = LANGUAGE_WORDS[words_in]
    others = set().union(*(w for lang, w in LANGUAGE_WORDS.items() if lang != words_in)) - own
    assert len(found & own) >= 3
    assert len(found & own) > len(found & others)


def test_a_french_brief_gets_french_navigation() -> None:
    labels = {p["nav_label"] for p in plan_of("dentiste")["pages"]}
    french = {nav for by_lang in offline_words.PAGES.values() for nav in [by_lang["fr"][1]]}
    english = {by_lang["en"][1] for by_lang in offline_words.PAGES.values()} - french
    assert labels <= french and not labels & english


def test_another_language_gets_english_words_and_says_so() -> None:
    plan = plan_of("italiano")
    assert plan["language"] == "en"  # the page's lang names the words it holds
    assert plan["pages"][0]["nav_label"] == "Home"
    assert plan_of("coach")["language"] == "en-US"  # a region of a language the writer writes is kept


def test_one_brief_always_gives_the_same_plan() -> None:
    for key in ALL:
        assert plan_of(key) == plan_of(key)


def test_different_briefs_give_different_plans() -> None:
    plans = [plan_of(key) for key in ALL]
    assert len({msgspec.json.encode(p) for p in plans}) == len(plans)
    twin = dict(BRIEFS["plumber"], name="Leeds Leak Doctors", business="Plumbers for leaks, taps and radiators.")
    first, second = site_plan(BRIEFS["plumber"]), site_plan(twin)
    assert first["pages"][0]["title"] != second["pages"][0]["title"]
    assert first["tagline"] != second["tagline"]


def test_the_skills_read_the_prompt_context() -> None:
    data = BRIEFS["surf"]
    prompt = with_context({"task": "site_plan", "brief": data}, "Plan the site.")
    assert write_site_plan("system", prompt, SCHEMA) == site_plan(data)
    single = SINGLE_PAGE["surf_home"]
    prompt = with_context({"task": "page_plan", "brief": single}, "Plan the page.")
    assert write_page_plan("system", prompt, SCHEMA) == page_plan(single)


def test_a_single_page_follows_the_requested_sections_in_order() -> None:
    plan = plan_of("surf_home")
    assert len(plan["pages"]) == 1 and plan["pages"][0]["slug"] == "/"
    assert [s["component"] for s in plan["pages"][0]["sections"]] == [
        "Hero", "FeatureGrid", "Gallery", "FAQ", "ContactForm"]


def test_requested_sections_nothing_could_fill_are_left_out() -> None:
    components = [s["component"] for s in plan_of("de_sections")["pages"][0]["sections"]]
    assert components[0] == "Hero" and components[1] == "FeatureGrid" and components[-1] == "ContactForm"
    assert "PricingTable" not in components  # "pricing" and "menu" with no price given
    assert len(components) == 4  # testimonials left out: nothing in a brief can be quoted
    assert components[2] in ("MediaText", "RichText")  # "about"


def test_a_single_page_takes_its_address_from_the_briefs_words() -> None:
    page = plan_of("a_propos")["pages"][0]
    assert (page["slug"], page["nav_label"]) == ("/a-propos", "À propos")
    assert page["sections"][0]["component"] == "Hero"


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("Surf lessons for beginners in Biarritz", 30, "Surf lessons for beginners"),
    ("Short enough", 30, "Short enough"),
    ("Cours de surf et location de planches", 24, "Cours de surf"),
    ("Cours de surf et location de planches", 25, "Cours de surf et location"),
])
def test_fit_words_cuts_between_words(text: str, limit: int, expected: str) -> None:
    assert fit_words(text, limit) == expected


@pytest.mark.parametrize(("text", "slug"), [
    ("Über uns", "/ueber-uns"), ("À propos", "/a-propos"), ("Año y señal", "/ano-y-senal"), ("日本", ""),
])
def test_slugs_are_ascii_words(text: str, slug: str) -> None:
    assert slugify(text) == slug


@pytest.mark.parametrize(("text", "price"), [
    ("reportage mariage à partir de 1 900 €", "1 900 €"),  # a French thousands space, typed as a space
    ("reportage mariage à partir de 1\u202f900 €", "1\u202f900 €"),
    ("Hochzeitsreportage ab 1.900 €", "1.900 €"),
    ("wedding coverage from $1,900", "$1,900"),
])
def test_a_price_with_a_thousands_separator_is_read_whole(text: str, price: str) -> None:
    facts = extract_facts({"name": "Atelier Lumen", "business": f"Portraits 180 €; {text}.", "language": "fr"})
    spaced = " ".join(price.split())  # a narrow no-break space is kept as a space
    assert any(" ".join(entry["price"].split()).endswith(spaced) for entry in facts["prices"])  # "à partir de …"
    assert not any(entry["price"].startswith("900") for entry in facts["prices"])  # never the tail alone


def picture_page_slugs() -> set[str]:
    from services.cms.offline_plans import PICTURE_PAGES
    return {slug for kind in PICTURE_PAGES for slug, _, _ in offline_words.PAGES[kind].values()}


def corpus_briefs() -> list[dict]:  # type: ignore[type-arg]
    from pathlib import Path
    folder = Path(__file__).resolve().parents[3] / "bench" / "briefs"
    return [msgspec.to_builtins(msgspec.json.decode(path.read_bytes(), type=BriefIn))
            for path in sorted(folder.glob("*.json"))]


def test_with_no_pictures_in_the_library_no_page_is_chosen_to_show_pictures() -> None:
    chosen = [{**b, "pages": []} for b in [*BRIEFS.values(), *corpus_briefs()]]
    unknown = [p["slug"] for b in chosen for p in site_plan(b)["pages"]]
    assert picture_page_slugs() & set(unknown)  # the rule has something to bite on
    for one in chosen:
        slugs = [page["slug"] for page in site_plan(one, pictures=0)["pages"]]
        assert not picture_page_slugs() & set(slugs), (one["name"], slugs)
        assert len(slugs) >= 3 and slugs[0] == "/"
    with_pictures = [p["slug"] for b in chosen for p in site_plan(b, pictures=12)["pages"]]
    assert with_pictures == unknown  # a library with pictures plans as before


def test_a_gallery_the_brief_asks_for_is_kept_even_with_no_pictures() -> None:
    asked = brief("Ink & Iron", "Tattoo studio with three artists.", pages=("gallery", "contact"))
    assert "/gallery" in [page["slug"] for page in site_plan(asked, pictures=0)["pages"]]


def test_the_plan_prompt_tells_the_planner_how_many_pictures_there_are() -> None:
    from services.cms.prompts import plan_prompt
    one = {**BRIEFS["plumber"], "pages": []}
    _, prompt = plan_prompt("site_plan", one, pictures=0)
    assert [p["slug"] for p in write_site_plan("", prompt, {})["pages"]] == \
        [p["slug"] for p in site_plan(one, pictures=0)["pages"]]


# -- how prices show: plans side by side, or a list ----------------------------------------

REPAIRS = brief("Spoke & Chain", "Bike repair workshop. Puncture repair £12, brake bleed (hydraulic, per brake) £25, "
                "gear tune £20, wheel true £18, chain fit £10, full service £85, e-bike service £110, "
                "tyre fit £8. Open Mon-Sat 9am-6pm.", location="Bristol", pages=("home", "prices", "contact"))


def price_sections(plan: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {page["slug"]: s["component"] for page in plan["pages"] for s in page["sections"]
            if s["component"] in ("PricingTable", "PriceList")}


@pytest.mark.parametrize(("key", "component"), [
    ("saas", "PricingTable"),  # Solo $12/month, Team $29/month: plans compared side by side
    ("coworking", "PricingTable"),  # a day pass and a desk "al mes"
    ("surf", "PricingTable"),  # a school's lesson and rental: offers a visitor compares
    ("taqueria", "PriceList"),  # a menu
    ("boulangerie", "PriceList"),
])
def test_plans_show_as_a_table_and_other_prices_as_a_list(key: str, component: str) -> None:
    found = price_sections(site_plan({**BRIEFS[key], "pages": []}))
    assert found and set(found.values()) == {component}, found


def test_more_prices_than_a_table_holds_are_a_list_whatever_the_business() -> None:
    many = {**BRIEFS["saas"], "business": BRIEFS["saas"]["business"].replace(
        "Plans: Solo $12/month, Team $29/month.", "Plans: Solo $12/month, Team $29/month, Studio $59/month, "
        "Agency $99/month, Enterprise $199/month.")}
    assert len(extract_facts(many)["prices"]) == 5
    assert set(price_sections(site_plan(many)).values()) == {"PriceList"}


def test_a_price_list_shows_every_price_and_the_home_page_the_first_few_and_the_way_there() -> None:
    from services.cms.offline_sections import PREVIEW_PRICES, write_section
    plan = site_plan(REPAIRS)
    prices = plan["facts"]["prices"]
    assert len(prices) == 8 > PREVIEW_PRICES
    assert price_sections(plan) == {"/": "PriceList", "/prices": "PriceList"}

    def written(slug: str) -> dict:  # type: ignore[type-arg]
        page = next(p for p in plan["pages"] if p["slug"] == slug)
        section = next(s for s in page["sections"] if s["component"] == "PriceList")
        context = {"brief": REPAIRS, "site": {"facts": plan["facts"], "pages": plan["pages"], "language": "en"},
                   "page": {**page, "anchors": [s["anchor"] for s in page["sections"]]}, "section": section}
        return write_section("", with_context(context, "Write the section."), {})["props"]

    listed = written("/prices")
    assert [(i["name"], i["price"]) for i in listed["items"]] == [(p["item"], p["price"]) for p in prices]
    assert "link_href" not in listed
    preview = written("/")
    assert [i["name"] for i in preview["items"]] == [p["item"] for p in prices[:PREVIEW_PRICES]]
    assert preview["link_href"] == "/prices" and preview["link_label"]
