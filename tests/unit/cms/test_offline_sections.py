"""The offline writers of sections and node edits (offline_sections, offline_edits): for
businesses in four languages, every block is valid against the schema the provider checks,
written for that business from its facts only, in its language; and every edit action on
every registry component keeps the node and changes its words as the action says."""

# ruff: noqa: RUF001 - the briefs' hours are typeset with en dashes, as owners write them

from __future__ import annotations

import copy
import json
import re
import uuid
from typing import Any

import pytest

from services.cms import ai_edits, registry
from services.cms.offline_edits import LINK_OF_LABEL, edit_node, language_in, reworded, texts
from services.cms.offline_phrases import PHRASES
from services.cms.offline_sections import amount_and_period, language_of, write_section
from services.cms.prompts import PLACEHOLDER_IMAGE, with_context
from services.cms.schemas import PLAN_COMPONENTS
from services.cms.showcase import showcase_tree
from services.cms.tree import validate
from shared.ai.output import validated


def business(name: str, language: str, *, city: str = "", tone: str = "", business_text: str,
             services: list[str], prices: list[tuple[str, str]] = (), hours: list[tuple[str, str]] = (),
             phone: str = "", email: str = "", address: str = "", tagline: str = "",
             pages: list[tuple[str, str]] = (("/", "Home"), ("/about", "About"), ("/contact", "Contact")),
             images: list[str] = ()) -> dict[str, Any]:
    facts = {"business_name": name, "city": city, "address": address, "phone": phone, "email": email,
             "hours": [{"days": d, "hours": h} for d, h in hours],
             "prices": [{"item": i, "price": p} for i, p in prices], "services": services}
    brief = {"name": name, "business": business_text, "location": city, "audience": "", "tone": tone,
             "language": language, "pages": [], "sections": [], "brand_notes": ""}
    site = {"name": name, "language": language, "tone": tone, "tagline": tagline, "facts": facts,
            "pages": [{"slug": slug, "nav_label": label, "title": f"{label} | {name}"[:60]} for slug, label in pages]}
    return {"brief": brief, "site": site, "images": list(images)}


BUSINESSES = {
    "surf-fr": business("Blue Ocean Surf School", "fr", city="Biarritz", tone="chaleureux",
                        business_text="Cours de surf pour débutants et location de planches. 45 € le cours, ouvert "
                                      "du mardi au dimanche 9:00-18:00, appelez le +33 5 59 00 00 00",
                        services=["Cours de surf pour débutants", "Location de planches"],
                        prices=[("Cours de surf", "45 €")], hours=[("Mar.–dim.", "9:00–18:00")],
                        phone="+33 5 59 00 00 00",
                        tagline="Cours de surf pour débutants et location de planches à Biarritz",
                        pages=[("/", "Accueil"), ("/cours", "Cours"), ("/contact", "Contact")],
                        images=["un surfeur sur une vague au coucher du soleil", "des planches alignées sur la plage",
                                "un cours de surf sur le sable"]),
    "bakery-fr": business("Maison Levain", "fr", city="Lyon", business_text="Boulangerie au levain, viennoiseries",
                          services=["Pain au levain", "Viennoiseries", "Gâteaux sur commande"],
                          email="bonjour@maisonlevain.fr", address="12 rue Mercière, 69002 Lyon",
                          hours=[("Mardi–samedi", "7:00–19:00")],
                          pages=[("/", "Accueil"), ("/a-propos", "À propos"), ("/contact", "Contact")]),
    "yoga-de": business("Studio Atemraum", "de", city="Freiburg", tone="ruhig",
                        business_text="Yoga-Kurse für Anfänger und Fortgeschrittene, Einzelstunden",
                        services=["Yoga für Anfänger", "Yoga für Fortgeschrittene", "Einzelstunden"],
                        prices=[("Einzelstunde", "60 €"), ("Zehnerkarte", "150 €")],
                        email="hallo@atemraum.de", tagline="Yoga in Freiburg, ruhig und persönlich",
                        pages=[("/", "Start"), ("/kurse", "Kurse"), ("/preise", "Preise"), ("/kontakt", "Kontakt")]),
    "invoice-de": business("Rechnungsfix", "de", business_text="Rechnungssoftware für kleine Unternehmen",
                           services=["Rechnungen schreiben", "Mahnwesen", "Export für die Steuerberatung"],
                           pages=[("/", "Start"), ("/funktionen", "Funktionen"), ("/kontakt", "Kontakt")]),
    "tapas-es": business("La Taberna de Lola", "es", city="Sevilla", tone="cercano",
                         business_text="Bar de tapas con cocina andaluza y vinos de la tierra",
                         services=["Tapas andaluzas", "Vinos de la tierra", "Reservas para grupos"],
                         hours=[("Mar–Dom", "12:00–23:30")], phone="+34 954 00 00 00",
                         pages=[("/", "Inicio"), ("/carta", "Carta"), ("/contacto", "Contacto")],
                         images=["una mesa con tapas variadas", "copas de vino tinto en la barra",
                                 "la terraza de noche", "croquetas caseras en un plato", "el comedor lleno",
                                 "una paella en la cocina", "la fachada del bar"]),
    "garden-es": business("Jardines Verdes", "es", city="Valencia",
                          business_text="Diseño y mantenimiento de jardines",
                          services=["Diseño de jardines", "Mantenimiento"], email="info@jardinesverdes.es",
                          prices=[("Visita de mantenimiento", "desde 40 €")],
                          pages=[("/", "Inicio"), ("/servicios", "Servicios"), ("/contacto", "Contacto")]),
    "bikes-en": business("Fellwater Cycles", "en", city="Keswick", tone="playful",
                         business_text="Bike repairs, e-bike hire and guided rides in the Lake District",
                         services=["Bike repairs", "E-bike hire", "Guided rides"],
                         prices=[("E-bike hire, one day", "£45"), ("Service", "£60")],
                         hours=[("Mon–Sat", "9:00–17:30")], phone="+44 17687 00000",
                         email="ride@fellwatercycles.co.uk"),
    "accounting-en": business("Northgate Ledger", "en", tone="formal",
                              business_text="Bookkeeping and payroll for small businesses",
                              services=["Bookkeeping", "Payroll", "Year-end accounts"],
                              pages=[("/", "Home"), ("/services", "Services"), ("/contact", "Contact")]),
    "unknown-language": business("Kahvila Sauna", "fi", city="Tampere",
                                 business_text="Coffee and sauna by the lake", services=["Coffee", "Sauna evenings"]),
}
ANCHORS = {"Hero": "top", "FeatureGrid": "services", "MediaText": "story", "CallToAction": "next",
           "PricingTable": "prices", "PriceList": "price-list", "FAQ": "faq", "ContactBlock": "visit",
           "ContactForm": "contact", "Gallery": "gallery", "RichText": "about", "ProductGrid": "shop"}
OTHER_COMPONENTS = ("Testimonials", "Team", "Stats", "LogoCloud", "Video", "Heading", "Image", "Button",
                    "Testimonial", "Navbar", "Footer")
HEADING_KEYS = {"headline", "heading", "title"}
PRICE = re.compile(r"(?:[€$£]\s?\d[\d.,]*|\d[\d.,]*\s?(?:€|\$|£|EUR|USD|GBP|CHF))")
PHONE = re.compile(r"\+?\d[\d ()./-]{6,}\d")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def section_context(key: str, component: str, *, slug: str = "/") -> dict[str, Any]:
    data = BUSINESSES[key]
    page = next(p for p in data["site"]["pages"] if p["slug"] == slug)
    anchors = [ANCHORS[c] for c in PLAN_COMPONENTS]
    return {"task": "page_section", "brief": data["brief"], "site": data["site"],
            "page": {"slug": slug, "title": page["title"], "purpose": "", "anchors": anchors},
            "section": {"component": component, "anchor": ANCHORS.get(component, component.lower()),
                        "purpose": "", "index": 1, "count": len(anchors)},
            "images": data["images"]}


def write(key: str, component: str, **page: Any) -> dict[str, Any]:
    context = section_context(key, component, **page)
    schema = ai_edits.node_schema(component)
    return validated(schema, write_section("system", with_context(context, "Write the section."), schema))


def strings(value: Any, key: str = "") -> list[tuple[str, str]]:
    """Every (key, string) of a value, nested."""
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in strings(v, k)]
    if isinstance(value, list):
        return [found for item in value for found in strings(item, key)]
    return [(key, value)] if isinstance(value, str) else []


def words_of(node: dict[str, Any]) -> str:
    return " ".join(text for key, text in strings(node["props"]) if not key.endswith("href"))


@pytest.mark.parametrize("component", PLAN_COMPONENTS + OTHER_COMPONENTS)
@pytest.mark.parametrize("key", sorted(BUSINESSES))
def test_every_block_is_valid_readable_and_faithful_to_the_facts(key: str, component: str) -> None:
    data = BUSINESSES[key]
    facts = data["site"]["facts"]
    node = write(key, component)
    assert node["component"] == component and node["children"] == []
    for field, text in strings(node["props"]):
        assert text.strip(), f"empty {field}"
        assert not re.search(r"lorem|\bTBD\b|example\.com|\[[^\]]*\]|\{\w+\}", text, re.I), text
        assert "<" not in text
    for field, text in strings(node["props"]):
        if field in HEADING_KEYS or (component == "Heading" and field == "text"):
            assert len(text) <= 70 and len(text.split()) <= 12, text
    # About this business: its name, a service or its city (a form's labels and a product grid excepted).
    if component not in ("ContactForm", "ProductGrid", "Button", "Navbar"):
        said = words_of(node)
        assert any(word and word in said for word in (facts["business_name"], facts["city"], *facts["services"]))
    # Facts only as the brief gives them: no price, phone or e-mail it does not.
    given_prices = " ".join(p["price"] for p in facts["prices"])
    for text in (t for f, t in strings(node["props"]) if f != "url" and t != PLACEHOLDER_IMAGE):
        for price in PRICE.findall(text):
            assert price.rstrip(".,") in given_prices, f"{price!r} is not a price of the brief"
        for phone in PHONE.findall(text):
            assert phone == facts["phone"], f"{phone!r} is not the brief's phone"
        for email in EMAIL.findall(text):
            assert email == facts["email"], f"{email!r} is not the brief's e-mail"
    # Links only to the site's pages and this page's anchors; images only the placeholder, described.
    pages = {p["slug"] for p in data["site"]["pages"]}
    anchors = {f"#{a}" for a in ANCHORS.values()} - {f"#{ANCHORS.get(component)}"}
    for field, href in strings(node["props"]):
        if field.endswith("href"):
            assert href in pages | anchors, href
    for ref in registry.asset_refs(component, node["props"]):
        if ref.container.get(ref.key) is not None:
            assert ref.container[ref.key] == PLACEHOLDER_IMAGE
            assert ref.alt is None or ref.container.get(ref.alt, "").strip()


@pytest.mark.parametrize("key", sorted(BUSINESSES))
def test_the_same_context_writes_the_same_block(key: str) -> None:
    for component in PLAN_COMPONENTS:
        assert write(key, component) == write(key, component)


def normalised_page(key: str) -> str:
    facts = BUSINESSES[key]["site"]["facts"]
    text = json.dumps([write(key, c)["props"] for c in ("Hero", "FeatureGrid", "CallToAction", "FAQ", "MediaText")],
                      ensure_ascii=False)
    for word in sorted((facts["business_name"], facts["city"], *facts["services"]), key=len, reverse=True):
        text = text.replace(word, "…") if word else text
    return text


def test_two_businesses_read_differently_beyond_their_names() -> None:
    assert normalised_page("bikes-en") != normalised_page("accounting-en")
    assert normalised_page("surf-fr") != normalised_page("bakery-fr")
    assert normalised_page("yoga-de") != normalised_page("invoice-de")


@pytest.mark.parametrize("key", sorted(BUSINESSES))
def test_the_page_is_in_the_site_language(key: str) -> None:
    expected = BUSINESSES[key]["site"]["language"]
    expected = expected if expected in PHRASES else "en"
    page = " ".join(words_of(write(key, c)) for c in ("Hero", "FeatureGrid", "FAQ", "ContactForm", "CallToAction"))
    assert language_in(page, "xx") == expected


def vocabulary(language: str) -> set[str]:
    variants = [v if isinstance(v, str) else v[0] for slot in PHRASES[language].values() for v in slot]
    return {word for v in variants for word in re.findall(r"\w+", re.sub(r"\{\w+\}", " ", v).lower())}


VOCABULARY = {language: vocabulary(language) for language in PHRASES}


def reads_as(language: str, text: str, facts: dict[str, Any]) -> bool:
    """Whether the words of `text` that are not the business's own (its name, city, services)
    belong to `language`'s bank more than to any other's."""
    for word in (facts["business_name"], facts["city"], *facts["services"]):
        text = text.replace(word, " ") if word else text
    words = set(re.findall(r"\w+", text.lower()))
    own = {lang: len(words & (VOCABULARY[lang] - set().union(*(VOCABULARY[o] for o in VOCABULARY if o != lang))))
           for lang in VOCABULARY}
    return own[language] > 0 and own[language] == max(own.values())


def test_a_french_form_and_a_german_hero_use_their_banks() -> None:
    form = write("surf-fr", "ContactForm")["props"]
    french = {v for slot in ("label_name", "label_email", "label_phone", "label_message", "label_message_booking")
              for v in PHRASES["fr"][slot]}
    assert {f["label"] for f in form["fields"]} <= french
    assert form["submit_label"] in PHRASES["fr"]["submit"]
    hero = write("yoga-de", "Hero")["props"]
    german_labels = {v if isinstance(v, str) else v[0]
                     for v in PHRASES["de"]["contact_label"] + PHRASES["de"]["book_label"]}
    assert hero["cta_label"] in german_labels
    english = write("bikes-en", "Hero")["props"]
    assert english["cta_label"] not in german_labels


@pytest.mark.parametrize("key", sorted(BUSINESSES))
def test_a_contact_form_asks_name_email_and_message_and_a_phone_only_for_bookings(key: str) -> None:
    fields = write(key, "ContactForm")["props"]["fields"]
    kinds = [(f["name"], f.get("kind", "text"), f.get("required", False)) for f in fields]
    assert kinds[:2] == [("name", "text", True), ("email", "email", True)]
    assert kinds[-1] == ("message", "textarea", True)
    assert kinds[2:-1] in ([], [("phone", "phone", False)])
    assert (kinds[2:-1] != []) == (key in ("surf-fr", "yoga-de", "tapas-es", "bikes-en"))  # lessons, tables, hire


@pytest.mark.parametrize("key", sorted(BUSINESSES))
def test_prices_are_one_plan_each_as_written_and_none_without_them(key: str) -> None:
    facts = BUSINESSES[key]["site"]["facts"]
    plans = write(key, "PricingTable")["props"]["plans"]
    if facts["prices"]:
        # as written: the amount, and what it is per beside it ("95 €" "al mes")
        assert [(p["name"], " ".join(filter(None, (p["price"], p.get("period", "")))).replace(" /", "/"))
                for p in plans] == [(f["item"], f["price"]) for f in facts["prices"]]
        assert not any(p.get("highlighted") for p in plans)
    else:
        language = BUSINESSES[key]["site"]["language"]
        on_request = PHRASES[language if language in PHRASES else "en"]["price_on_request"]
        assert all(p["price"] in on_request for p in plans)
        assert not PRICE.search(json.dumps(plans, ensure_ascii=False))


@pytest.mark.parametrize("key", sorted(BUSINESSES))
def test_a_contact_block_holds_only_the_facts(key: str) -> None:
    facts = BUSINESSES[key]["site"]["facts"]
    props = write(key, "ContactBlock")["props"]
    assert props.get("phone", "") == facts["phone"] and props.get("email", "") == facts["email"]
    assert props.get("address", "") == facts["address"]
    assert props.get("hours", []) == facts["hours"]
    assert props.get("map_query", "") == (facts["address"] or facts["city"])


@pytest.mark.parametrize("key", sorted(BUSINESSES))
def test_faq_answers_three_to_five_questions_from_the_facts(key: str) -> None:
    facts = BUSINESSES[key]["site"]["facts"]
    items = write(key, "FAQ")["props"]["items"]
    assert 3 <= len(items) <= 5
    assert len({item["question"] for item in items}) == len(items)
    answers = " ".join(item["answer"] for item in items)
    if facts["hours"]:
        assert facts["hours"][0]["hours"] in answers
    if facts["prices"]:  # this page has a prices section (see ANCHORS)
        assert facts["prices"][0]["price"] in answers


def test_without_a_prices_section_on_the_site_no_block_speaks_of_prices() -> None:
    context = section_context("garden-es", "FAQ")
    context["page"]["anchors"] = ["top", "services", "faq", "contact"]
    schema = ai_edits.node_schema("FAQ")
    answers = json.dumps(write_section("", with_context(context, ""), schema), ensure_ascii=False)
    assert "40 €" not in answers and "precio" not in answers.lower()
    context["page"]["anchors"].append("precios")
    assert "desde 40 €" in json.dumps(write_section("", with_context(context, ""), schema), ensure_ascii=False)


def test_a_gallery_shows_each_described_picture_once_up_to_six() -> None:
    tapas = write("tapas-es", "Gallery")["props"]["images"]
    assert len(tapas) == 6 and len({i["alt"] for i in tapas}) == 6
    assert {i["alt"] for i in tapas} <= set(BUSINESSES["tapas-es"]["images"])
    surf = write("surf-fr", "Gallery")["props"]["images"]
    assert sorted(i["alt"] for i in surf) == sorted(BUSINESSES["surf-fr"]["images"])
    without = write("invoice-de", "Gallery")["props"]["images"]
    assert len(without) == 4 and len({i["alt"] for i in without}) == 4


def test_feature_icons_follow_the_topic_and_do_not_repeat() -> None:
    features = write("bikes-en", "FeatureGrid")["props"]["features"]
    icons = [f["icon"] for f in features]
    assert icons[0] in ("bike", "wrench") and icons[1] in ("bike", "tag") and len(set(icons)) == len(icons)
    assert [f["title"] for f in features[:3]] == BUSINESSES["bikes-en"]["site"]["facts"]["services"]


def test_hero_calls_to_the_contact_section_and_on_a_page_without_one_to_the_contact_page() -> None:
    hero = write("surf-fr", "Hero")["props"]
    assert hero["cta_href"] == "#contact" and hero["secondary_href"] == "/cours"
    context = section_context("surf-fr", "CallToAction", slug="/cours")
    context["page"]["anchors"] = ["top", "next"]
    schema = ai_edits.node_schema("CallToAction")
    band = write_section("", with_context(context, ""), schema)["props"]
    assert band["cta_href"] == "/contact" and band["secondary_href"] == "/"


def test_a_video_is_the_owners_or_says_it_waits_for_theirs() -> None:
    context = section_context("bikes-en", "Video")
    assert "replace" in write("bikes-en", "Video")["props"]["title"].lower()
    context["brief"] = {**context["brief"], "business": "Watch https://vimeo.com/123456789 for our rides"}
    schema = ai_edits.node_schema("Video")
    assert write_section("", with_context(context, ""), schema)["props"]["url"] == "https://vimeo.com/123456789"


# Edits: every action on every component of the registry.

SITE = BUSINESSES["bikes-en"]["site"]
IMAGES = [str(uuid.UUID(int=n + 1)) for n in range(6)]


def showcase_nodes() -> list[dict[str, Any]]:
    found, stack = [], [showcase_tree(IMAGES)["root"]]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node["children"])
    return found


NODES = {node["id"]: node for node in showcase_nodes()}


def edit(node: dict[str, Any], action: str, *, language: str = "en", site: dict[str, Any] = SITE) -> dict[str, Any]:
    context = {"task": "node_edit", "action": action, "node": node, "language": language, "tone": "playful",
               "instruction": "", "site": site}
    schema = ai_edits.edit_schema(node["component"], node["id"], ai_edits.known_ids(node))
    return validated(schema, edit_node("system", with_context(context, "Edit the block."), schema))["node"]


def all_texts(node: dict[str, Any]) -> dict[tuple[Any, ...], str]:
    found = {(node["id"], *path): text for path, text in texts(node["component"], node["props"])}
    for child in node["children"]:
        found |= all_texts(child)
    return found


def ids(node: dict[str, Any]) -> list[str]:
    return [node["id"], *(i for child in node["children"] for i in ids(child))]


def test_the_showcase_holds_every_registry_component() -> None:
    assert {node["component"] for node in NODES.values()} == set(registry.COMPONENTS)


@pytest.mark.parametrize("action", ai_edits.ACTIONS)
@pytest.mark.parametrize("node_id", sorted(NODES))
def test_every_action_keeps_the_node_and_changes_its_words(node_id: str, action: str) -> None:
    node = NODES[node_id]
    edited = edit(copy.deepcopy(node), action, language="fr" if action == "translate" else "en")
    assert edited["component"] == node["component"] and ids(edited) == ids(node)
    assert ai_edits.known_ids(edited) == ai_edits.known_ids(node)
    before, after = all_texts(node), all_texts(edited)
    changed = {path: (before[path], after.get(path, "")) for path in before if after.get(path) != before[path]}
    assert changed, "no text changed"
    if action == "shorten":
        for old, new in changed.values():
            assert new.strip() and len(new) < len(old)
            old_words = [w.strip(".,;:!?").lower() for w in old.split()]
            assert all(w.strip(".,;:!?").lower() in old_words for w in new.split()), (old, new)  # whole words only
    if action == "translate":
        assert reads_as("fr", " ".join(new for _, new in changed.values()), SITE["facts"])
    # The lead's pipeline turns it into operations an editor can accept.
    tree = validate(showcase_tree(IMAGES))
    operations, _ = ai_edits.edit_patch(tree, node_id, edited, pages={"/", "/about", "/contact"})
    assert operations


@pytest.mark.parametrize("action", ai_edits.ACTIONS)
@pytest.mark.parametrize("component", PLAN_COMPONENTS)
def test_our_own_blocks_can_be_edited_in_their_language(component: str, action: str) -> None:
    node = write("yoga-de", component)
    site = BUSINESSES["yoga-de"]["site"]
    edited = edit(copy.deepcopy(node), action, language="es" if action == "translate" else "de", site=site)
    assert edited["id"] == node["id"] and all_texts(edited) != all_texts(node)
    if action == "translate":
        changed = [new for path, new in all_texts(edited).items() if all_texts(node).get(path) != new]
        assert reads_as("es", " ".join(changed), site["facts"])


@pytest.mark.parametrize("component", ["Hero", "CallToAction"])
@pytest.mark.parametrize("key", sorted(BUSINESSES))
def test_a_label_is_written_afresh_only_beside_its_own_link(key: str, component: str) -> None:
    """An edit keeps links, and a label names where its link goes: where no fresh writing
    links where the node does, its labels are reworded, never another link's label (a button
    to /menu that reads "About")."""
    site = BUSINESSES[key]["site"]
    node = write(key, component)
    labels = [label for label in ("cta_label", "secondary_label") if node["props"].get(label)]
    assert labels
    for label in labels:
        node["props"][LINK_OF_LABEL[label]] = f"/{label.removesuffix('_label')}-of-this-site"
    edited = edit(copy.deepcopy(node), "regenerate", language=site["language"], site=site)
    language = language_of(site["language"])
    assert {label: edited["props"][label] for label in labels} == {
        label: reworded(node["props"][label], language) for label in labels}


def test_rewrite_keeps_facts_and_names() -> None:
    node = write("bikes-en", "PricingTable")
    edited = edit(copy.deepcopy(node), "rewrite")
    assert [(p["name"], p["price"]) for p in edited["props"]["plans"]] == \
        [(p["name"], p["price"]) for p in node["props"]["plans"]]
    logos = NODES["logos"]
    assert [logo["alt"] for logo in edit(copy.deepcopy(logos), "translate", language="de")["props"]["logos"]] == \
        [logo["alt"] for logo in logos["props"]["logos"]]


# A page assembled from these blocks passes the publish gates and the site lints.

def assembled_page(key: str) -> dict[str, Any]:
    """Every plan component on the home page, the non-Hero blocks in Sections with their
    anchors, each placeholder picture given a distinct id as the platform's grounding does."""
    children = []
    for component in PLAN_COMPONENTS:
        block = write(key, component)
        children.append(block if component == "Hero" else {
            "id": f"section-{ANCHORS[component]}", "component": "Section",
            "props": {"anchor": ANCHORS[component]}, "children": [block]})
    text = json.dumps(children)
    count = text.count(PLACEHOLDER_IMAGE)
    for index in range(count):
        text = text.replace(PLACEHOLDER_IMAGE, str(uuid.UUID(int=index + 100)), 1)
    page = {"title": BUSINESSES[key]["site"]["pages"][0]["title"],
            "description": "A page written offline for the tests of the section writer, long enough."}
    return validate({"root": {"id": "page", "component": "Page", "props": page, "children": json.loads(text)}})


@pytest.mark.parametrize("key", sorted(BUSINESSES))
def test_a_page_of_these_blocks_has_no_gate_or_lint_finding(key: str) -> None:
    from services.cms import gates, lints

    site = BUSINESSES[key]["site"]
    facts = site["facts"]
    tree = assembled_page(key)
    slugs = {page["slug"] for page in site["pages"]}
    assert gates.check_page(tree, slugs) == []
    context = lints.LintContext(site_slugs=frozenset(slugs), library_images=None, has_pricing=True,
                                known_contacts=frozenset(v for v in (facts["phone"], facts["email"]) if v),
                                check_invented=True)
    assert lints.lint_page(tree, context) == []


APPOINTMENTS = {
    "dentist-de": (business("Zahnarztpraxis Dr. Keller", "de", city="München",
                            business_text="Zahnarztpraxis: Prophylaxe, Füllungen und Implantate",
                            services=["Prophylaxe", "Füllungen", "Implantate"], phone="089 123456",
                            pages=[("/", "Start"), ("/kontakt", "Kontakt")]), ("Termin",), ("reservieren", "buchen")),
    "salon-fr": (business("Salon Belle Mèche", "fr", city="Lyon", business_text="Salon de coiffure mixte : coupes, "
                          "couleurs et balayages", services=["Coupes", "Couleurs", "Balayages"],
                          pages=[("/", "Accueil"), ("/contact", "Contact")]), ("rendez-vous",), ("réserv",)),
    "physio-en": (business("Northside Physio", "en", city="Leeds", business_text="Physiotherapy for sports injuries",
                           services=["Sports massage", "Injury rehab"], pages=[("/", "Home"), ("/contact", "Contact")]),
                  ("appointment",), ("booking", "book now")),
}


@pytest.mark.parametrize("key", sorted(APPOINTMENTS))
def test_an_appointment_is_asked_for_in_an_appointments_words_not_a_tables(key: str) -> None:
    data, wanted, unwanted = APPOINTMENTS[key]
    said = []
    for component, slug in (("Hero", "/"), ("FAQ", "/"), ("ContactForm", data["site"]["pages"][-1]["slug"])):
        page = next(p for p in data["site"]["pages"] if p["slug"] == slug)
        context = {"task": "page_section", "brief": data["brief"], "site": data["site"],
                   "page": {"slug": slug, "title": page["title"], "purpose": "", "anchors": ["top", "faq", "contact"]},
                   "section": {"component": component, "anchor": component.lower(), "purpose": "", "index": 1,
                               "count": 3}, "images": []}
        schema = ai_edits.node_schema(component)
        node = validated(schema, write_section("system", with_context(context, "Write the section."), schema))
        said.append(words_of(node).casefold())
    text = " | ".join(said)
    assert any(word.casefold() in text for word in wanted), text
    assert not any(word.casefold() in text for word in unwanted), text


@pytest.mark.parametrize(("price", "amount", "period"), [
    ("95 € al mes", "95 €", "al mes"), ("$12/month", "$12", "/month"), ("140 € la nuit", "140 €", "la nuit"),
    ("CHF 30 per session", "CHF 30", "per session"), ("29 €/Monat", "29 €", "/Monat"),
    ("from £180", "from £180", None), ("ab 39 €", "ab 39 €", None), ("$28 MXN", "$28 MXN", None)])
def test_a_plans_price_shows_its_amount_large_and_what_it_is_per_beside_it(price: str, amount: str,
                                                                           period: str | None) -> None:
    assert amount_and_period(price) == {"price": amount, **({"period": period} if period else {})}


def test_a_restaurant_still_takes_bookings() -> None:
    context = section_context("tapas-es", "ContactForm", slug="/contacto")
    schema = ai_edits.node_schema("ContactForm")
    node = validated(schema, write_section("system", with_context(context, "Write the section."), schema))
    assert "reserv" in words_of(node).casefold() and "cita" not in words_of(node).casefold()
