"""Site lints (services/cms/lints.py): a clean page has no finding; each variant that breaks a
rule has one, of that check, at the JSON pointer of what to fix."""

import copy
import uuid
from typing import Any

import pytest

from services.cms.lints import LintContext, field_kind, lint_page
from services.cms.registry import PRICED
from services.cms.showcase import showcase_tree
from services.cms.tree import validate
from shared.dev.demo_site import Pictures, site_trees
from shared.dev.photos import SOURCES, Photo
from tests.unit.cms.test_tree import SAMPLE_PROPS

PICTURES = [str(uuid.uuid5(uuid.NAMESPACE_DNS, f"surf-{n}.example")) for n in range(8)]
PHONE, EMAIL, VIDEO = "+33 5 59 00 00 00", "hello@blueocean.fr", "https://www.youtube.com/watch?v=aqz-KE-bpKQ"
CONTACTS = frozenset({PHONE, EMAIL, VIDEO})
SLUGS = frozenset({"/", "/lessons", "/contact"})


def node(node_id: str, component: str, children: list[dict[str, Any]] | None = None, **props: Any) -> dict[str, Any]:
    return {"id": node_id, "component": component, "props": props, "children": children or []}


def section(anchor: str, block: dict[str, Any]) -> dict[str, Any]:
    return node(f"s-{anchor}", "Section", [block], anchor=anchor)


def clean_page() -> dict[str, Any]:
    """A surf school's home page that every lint passes (children indexed in the comments)."""
    return validate({"root": node("page", "Page", [
        node("nav", "Navbar", brand="Blue Ocean", links=[{"label": "Lessons", "href": "/lessons"},  # 0
                                                         {"label": "Ask us", "href": "#contact"}]),
        node("hero", "Hero", headline="Learn to surf in Biarritz", subheadline="Small groups, warm wetsuits.",  # 1
             image=PICTURES[0], image_alt="A surfer on a wave", cta_label="Book a lesson", cta_href="#contact"),
        section("lessons", node("features", "FeatureGrid", heading="Why learn with us", features=[  # 2
            {"title": "Small groups", "body": "Six learners per instructor at most."},
            {"title": "Boards included", "body": "Soft boards and wetsuits in every size."}])),
        section("beach", node("rows", "MediaText", rows=[  # 3
            {"image": PICTURES[1], "image_alt": "The beach at low tide", "heading": "The Côte des Basques",
             "text": "Long, gentle waves for a first stand-up.", "link_label": "Our lessons",
             "link_href": "/lessons"}])),
        section("gallery", node("gallery", "Gallery", heading="A day at the beach", images=[  # 4
            {"asset_id": PICTURES[2], "alt": "Boards on the sand"},
            {"asset_id": PICTURES[3], "alt": "A lesson on the beach"}])),
        section("story", node("story", "RichText", markdown="We teach on [the beach](#beach) all year.")),  # 5
        section("prices", node("pricing", "PricingTable", heading="Lessons", plans=[  # 6
            {"name": "One lesson", "price": "45 €", "period": "2 hours"}])),
        section("faq", node("faq", "FAQ", heading="Questions", items=[  # 7
            {"question": "Can I come if I cannot swim?", "answer": "No: you need to swim 50 m."}])),
        section("team", node("team", "Team", members=[  # 8
            {"name": "Maïa", "role": "Instructor", "photo": PICTURES[4]}])),
        section("film", node("video", "Video", url=VIDEO, title="A morning lesson")),  # 9
        section("book", node("cta", "CallToAction", heading="Ready for your first wave?",  # 10
                             cta_label="Write to us", cta_href=f"mailto:{EMAIL}")),
        section("contact", node("contact-block", "ContactBlock", heading="Find us", phone=PHONE, email=EMAIL)),  # 11
        section("write", node("form", "ContactForm", heading="Write to us", fields=[  # 12
            {"name": "name", "label": "Your name", "kind": "text", "required": True},
            {"name": "email", "label": "E-mail", "kind": "email", "required": True},
            {"name": "phone", "label": "Phone", "kind": "phone"},
            {"name": "company", "label": "Company", "kind": "text"},
            {"name": "message", "label": "Your message", "kind": "textarea", "required": True}])),
        node("footer", "Footer", brand="Blue Ocean", phone=PHONE, email=EMAIL),  # 13
    ], title="Blue Ocean Surf School", description="Surf lessons for beginners in Biarritz.")})


CONTEXT = LintContext(site_slugs=SLUGS, library_images=8, has_pricing=True, known_contacts=CONTACTS,
                      check_invented=True, requested=("Hero", "FeatureGrid", "Gallery", "FAQ", "ContactForm"))


def changed(pointer: str, value: Any, tree: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of `tree` (the clean page) with the value at `pointer` replaced, still a valid tree."""
    tree = copy.deepcopy(tree or clean_page())
    *path, last = [int(part) if part.isdigit() else part for part in pointer.strip("/").split("/")]
    holder = tree
    for part in path:
        holder = holder[part]
    holder[last] = value
    return validate(tree)


def found(tree: dict[str, Any], check: str, context: LintContext = CONTEXT) -> list[tuple[str, str]]:
    return [(finding.check, finding.pointer) for finding in lint_page(tree, context) if finding.check == check]


HERO, FEATURES, ROWS, GALLERY = "/root/children/1", "/root/children/2/children/0", "/root/children/3/children/0", \
    "/root/children/4/children/0"
FORM = "/root/children/12/children/0/props/fields"


def test_the_clean_page_has_no_finding_at_all() -> None:
    assert lint_page(clean_page(), CONTEXT) == []


# -- asset-repeat ----------------------------------------------------------------------------

@pytest.mark.parametrize("pointer", [
    f"{GALLERY}/props/images/1/asset_id", f"{ROWS}/props/rows/0/image", "/root/children/8/children/0/props/"
    "members/0/photo"], ids=["gallery", "media-row", "team-photo"])
def test_a_picture_shown_twice_is_found_where_it_repeats(pointer: str) -> None:
    tree = changed(pointer, PICTURES[0])  # the hero's picture, shown first
    assert found(tree, "asset-repeat") == [("asset-repeat", pointer)]
    assert "already shown at /root/children/1/props/image" in lint_page(tree, CONTEXT)[0].message


def test_the_social_image_may_be_a_picture_of_the_page() -> None:
    assert found(changed("/root/props/social_image", PICTURES[0]), "asset-repeat") == []


def test_a_small_library_is_told_to_show_fewer_tiles() -> None:
    tree = changed(f"{GALLERY}/props/images/1/asset_id", PICTURES[2])
    few = [f.message for f in lint_page(tree, LintContext(library_images=3)) if f.check == "asset-repeat"]
    assert few == ["the library has 3 pictures: show fewer tiles, never repeats"]
    enough = [f.message for f in lint_page(tree, LintContext(library_images=5)) if f.check == "asset-repeat"]
    assert len(enough) == 1 and enough[0].startswith("this picture is already shown at")


# -- contact forms ---------------------------------------------------------------------------

@pytest.mark.parametrize("label", ["E-mail", "Email address", "Courriel", "Adresse e-mail", "E-Mail-Adresse",
                                   "Ihre E-Mail", "Correo electrónico", "Correo"])
def test_e_mail_labels(label: str) -> None:
    assert field_kind(label) == "email"


@pytest.mark.parametrize("label", ["Phone", "Phone number", "Téléphone", "Numéro de téléphone", "Portable",
                                   "Telefon", "Telefonnummer", "Handy", "Teléfono", "Móvil", "Tel."])
def test_phone_labels(label: str) -> None:
    assert field_kind(label) == "phone"


@pytest.mark.parametrize("label", ["Message", "Your message", "Votre message", "Votre demande", "Commentaires",
                                   "Nachricht", "Ihre Nachricht", "Ihre Anfrage", "Mensaje", "Tu mensaje",
                                   "Consulta"])
def test_message_labels(label: str) -> None:
    assert field_kind(label) == "textarea"


@pytest.mark.parametrize("label", ["Name", "Your name", "Full name", "Nom", "Prénom", "Nom complet", "Vorname",
                                   "Nachname", "Nombre", "Apellidos", "Company", "Company name", "Société",
                                   "Nom de l'entreprise", "Firma", "Firmenname", "Unternehmen", "Empresa",
                                   "Subject", "Subject of your message", "Objet", "Objet de votre demande",
                                   "Betreff", "Asunto"])
def test_text_labels(label: str) -> None:
    assert field_kind(label) == "text"


@pytest.mark.parametrize("label", ["How many guests?", "Send me the newsletter", "Date", "Budget"])
def test_unknown_labels(label: str) -> None:
    assert field_kind(label) is None


def test_a_form_without_an_e_mail_field_cannot_be_answered() -> None:
    tree = changed(f"{FORM}/1/kind", "text")
    assert found(tree, "contact-email") == [("contact-email", FORM)]
    assert found(changed(f"{FORM}/1/label", "Fax"), "contact-email") == [("contact-email", FORM)]


@pytest.mark.parametrize(("index", "kind"), [(3, "email"), (2, "email"), (0, "email"), (1, "phone"), (2, "text")],
                         ids=["company-as-email", "phone-as-email", "name-as-email", "email-as-phone",
                              "phone-as-text"])
def test_a_field_of_another_kind_than_its_label_asks(index: int, kind: str) -> None:
    assert found(changed(f"{FORM}/{index}/kind", kind), "field-kind") == [("field-kind", f"{FORM}/{index}/kind")]


@pytest.mark.parametrize("kind", ["checkbox", "text", "email"])
def test_the_message_is_a_textarea(kind: str) -> None:
    tree = changed(f"{FORM}/4/kind", kind)
    assert found(tree, "message-textarea") == [("message-textarea", f"{FORM}/4/kind")]
    assert found(tree, "field-kind") == []  # one finding for one mistake


def test_a_message_field_is_known_by_its_name_when_its_label_says_nothing() -> None:
    tree = changed(f"{FORM}/4/label", "How can we make your day?")
    assert found(tree, "message-textarea") == [] and found(tree, "required-fields") == []
    assert found(changed(f"{FORM}/4/kind", "text", tree), "message-textarea") == [
        ("message-textarea", f"{FORM}/4/kind")]


@pytest.mark.parametrize("index", [2, 3])
def test_only_name_e_mail_and_message_are_required(index: int) -> None:
    pointer = f"{FORM}/{index}/required"
    assert found(changed(pointer, True), "required-fields") == [("required-fields", pointer)]


def test_a_company_name_is_not_a_name() -> None:
    tree = changed(f"{FORM}/3/required", True, changed(f"{FORM}/3/label", "Company name"))
    assert found(tree, "required-fields") == [("required-fields", f"{FORM}/3/required")]


def test_a_required_name_in_another_language_is_fine() -> None:
    assert found(changed(f"{FORM}/0/label", "Vorname"), "required-fields") == []


# -- empty-text ------------------------------------------------------------------------------

@pytest.mark.parametrize(("pointer", "value"), [
    ("/root/children/5/children/0/props/markdown", " \n\n "),
    ("/root/children/5/children/0/props/markdown", "** **"),
    (f"{FEATURES}/props/features/1/title", "  "),
    (f"{FEATURES}/props/features/1/body", ""),
    ("/root/children/7/children/0/props/items/0/answer", " "),
    ("/root/children/6/children/0/props/plans/0/price", ""),
    (f"{ROWS}/props/rows/0/text", ""),
    (f"{ROWS}/props/rows/0/link_label", ""),
    ("/root/children/10/children/0/props/heading", " "),
    (f"{HERO}/props/headline", " "),
    (f"{HERO}/props/cta_label", ""),
    ("/root/children/8/children/0/props/members/0/name", " "),
])
def test_an_empty_text_element_is_found(pointer: str, value: str) -> None:
    assert found(changed(pointer, value), "empty-text") == [("empty-text", pointer)]


def test_blank_headings_and_buttons_are_found() -> None:
    tree = clean_page()
    tree["root"]["children"][5]["children"] += [node("h", "Heading", text=" "), node("b", "Button", label=" ",
                                                                                         href="#faq")]
    tree = validate(tree)
    assert found(tree, "empty-text") == [("empty-text", "/root/children/5/children/1/props/text"),
                                         ("empty-text", "/root/children/5/children/2/props/label")]


def test_a_button_without_a_target_needs_no_words() -> None:
    tree = changed(f"{HERO}/props/cta_href", None)
    assert found(changed(f"{HERO}/props/cta_label", "", tree), "empty-text") == []


# -- heading-length --------------------------------------------------------------------------

LONGEST = "A" * 70
WORDIEST = " ".join(["surf"] * 12)


@pytest.mark.parametrize("pointer", [f"{HERO}/props/headline", f"{FEATURES}/props/heading",
                                     f"{FEATURES}/props/features/0/title", f"{ROWS}/props/rows/0/heading",
                                     "/root/children/10/children/0/props/heading",
                                     f"{GALLERY}/props/heading"])
def test_headings_are_held_to_70_characters_and_12_words(pointer: str) -> None:
    assert found(changed(pointer, LONGEST), "heading-length") == []
    assert found(changed(pointer, WORDIEST), "heading-length") == []
    assert found(changed(pointer, LONGEST + "h"), "heading-length") == [("heading-length", pointer)]
    assert found(changed(pointer, WORDIEST + " now"), "heading-length") == [("heading-length", pointer)]


def test_a_heading_block_is_held_to_it_too() -> None:
    tree = clean_page()
    tree["root"]["children"][5]["children"].append(node("h", "Heading", text=LONGEST + "h"))
    assert found(validate(tree), "heading-length") == [("heading-length", "/root/children/5/children/1/props/text")]


# -- section-order ---------------------------------------------------------------------------

def test_requested_sections_in_order_with_others_between_pass() -> None:
    assert found(clean_page(), "section-order") == []
    assert found(clean_page(), "section-order", LintContext(requested=("Hero", "ContactForm"))) == []


def test_a_requested_section_that_is_missing_is_named() -> None:
    context = LintContext(requested=("Hero", "Testimonials", "FAQ"))
    findings = [f for f in lint_page(clean_page(), context) if f.check == "section-order"]
    assert [(f.pointer, "Testimonials" in f.message) for f in findings] == [("/root/children", True)]


def test_a_section_before_the_one_requested_first_is_out_of_order() -> None:
    context = LintContext(requested=("Hero", "ContactForm", "FeatureGrid"))
    findings = [f for f in lint_page(clean_page(), context) if f.check == "section-order"]
    assert [f.pointer for f in findings] == ["/root/children/2"]
    assert findings[0].message.startswith("FeatureGrid should come after ContactForm")


def test_a_section_counts_as_its_first_block() -> None:
    tree = clean_page()
    tree["root"]["children"][12]["children"].insert(0, node("intro", "RichText", markdown="Write to us."))
    assert found(validate(tree), "section-order") == [("section-order", "/root/children")]  # ContactForm is second


# -- links -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("pointer", "href", "check"), [
    ("/root/children/0/props/links/0/href", "/pricing", "site-link"),
    (f"{ROWS}/props/rows/0/link_href", "/lessons/advanced#top", "site-link"),
    (f"{HERO}/props/cta_href", "#booking", "anchor"),
])
def test_links_to_pages_and_sections_that_do_not_exist(pointer: str, href: str, check: str) -> None:
    assert found(changed(pointer, href), check) == [(check, pointer)]


def test_links_in_rich_text_are_read_as_the_renderer_reads_them() -> None:
    pointer = "/root/children/5/children/0/props/markdown"
    tree = changed(pointer, "See [our lessons](/lessons), [the prices](/tarifs) and [the faq](#questions).")
    assert [(f.check, f.pointer) for f in lint_page(tree, CONTEXT)] == [("site-link", pointer), ("anchor", pointer)]


def test_without_the_site_pages_site_links_are_not_checked() -> None:
    assert found(changed("/root/children/0/props/links/0/href", "/pricing"), "site-link", LintContext()) == []


# -- placeholder -----------------------------------------------------------------------------

@pytest.mark.parametrize("copy_text", [
    "Lorem ipsum dolor sit amet.", "Waves [...] all year.", "Waves […] all year.", "Call [Your phone number].",
    "Écrivez à [votre adresse].", "Hello {{ business_name }}!", "Opening hours: TBD", "Call us on XXX",
    "Write to info@example.com", "Call 555-0123", "Insert your text here", "Image goes here"])
def test_placeholders_are_found_in_any_text(copy_text: str) -> None:
    pointer = f"{FEATURES}/props/features/0/body"
    assert found(changed(pointer, copy_text), "placeholder") == [("placeholder", pointer)]


@pytest.mark.parametrize("copy_text", ["Our team [Maïa and Léo](#team) will welcome you.", "Fixed-price lessons",
                                       "Tbd is not shouted", "Write to hello@saimaashore.example"])
def test_real_copy_is_not_a_placeholder(copy_text: str) -> None:
    assert found(changed("/root/children/5/children/0/props/markdown", copy_text), "placeholder") == []


def test_a_placeholder_link_is_found() -> None:
    pointer = f"{ROWS}/props/rows/0/link_href"
    assert found(changed(pointer, "https://example.com/book"), "placeholder") == [("placeholder", pointer)]


# -- price-without-pricing -------------------------------------------------------------------

NO_PRICES = LintContext(site_slugs=SLUGS)


def without_pricing() -> dict[str, Any]:
    tree = clean_page()
    del tree["root"]["children"][6]
    return validate(tree)


@pytest.mark.parametrize("copy_text", [
    "Lessons from 45 € an hour.", "Only $9 a board.", "CHF 30 per session.", "30 CHF la séance.", "45€",
    "£12 for a wetsuit.", "20 euros la planche.", "See our prices.", "Pricing is listed on this page.",
    "Nos prix sont doux.", "Tarifs dégressifs.", "Unsere Preise.", "Preisliste auf Anfrage.", "Eintrittspreise",
    "Precios para grupos."])
def test_prices_mentioned_on_a_site_that_lists_none(copy_text: str) -> None:
    pointer = f"{FEATURES}/props/features/0/body"
    tree = changed(pointer, copy_text, without_pricing())
    assert found(tree, "price-without-pricing", NO_PRICES) == [("price-without-pricing", pointer)]
    assert found(tree, "price-without-pricing", LintContext(has_pricing=True)) == []  # another page lists them
    with_table = changed(pointer, copy_text)  # this page lists them
    assert found(with_table, "price-without-pricing", NO_PRICES) == []


@pytest.mark.parametrize("component", sorted(PRICED))
def test_any_block_that_shows_prices_lets_its_page_speak_of_them(component: str) -> None:
    pointer = f"{FEATURES}/props/features/0/body"
    tree = changed(pointer, "Lessons from 45 € an hour.", without_pricing())
    assert found(tree, "price-without-pricing", NO_PRICES)
    tree["root"]["children"].append({"id": "priced", "component": component,
                                     "props": copy.deepcopy(SAMPLE_PROPS[component]), "children": []})
    assert found(validate(tree), "price-without-pricing", NO_PRICES) == []


@pytest.mark.parametrize("copy_text", ["", "Ein preisgekrönter Surflehrer.", "Te aprecio.",
                                       "Priceless mornings on the water.", "Open 9:00 to 18:00, 7 days a week."])
def test_a_page_without_price_talk_needs_no_pricing(copy_text: str) -> None:
    tree = changed(f"{FEATURES}/props/intro", copy_text, without_pricing())
    assert found(tree, "price-without-pricing", NO_PRICES) == []


# -- invented --------------------------------------------------------------------------------

@pytest.mark.parametrize(("pointer", "value"), [
    ("/root/children/11/children/0/props/phone", "+33 5 59 12 34 56"),
    ("/root/children/13/props/phone", "05 59 00 00 01"),
    ("/root/children/11/children/0/props/email", "contact@blueocean.fr"),
    ("/root/children/13/props/email", "info@blue-ocean.com"),
    ("/root/children/10/children/0/props/cta_href", "mailto:booking@blueocean.fr"),
    ("/root/children/9/children/0/props/url", "https://youtu.be/dQw4w9WgXcQ"),
])
def test_contacts_the_brief_never_gave_are_invented(pointer: str, value: str) -> None:
    tree = changed(pointer, value)
    assert found(tree, "invented") == [("invented", pointer)]
    assert found(tree, "invented", LintContext(known_contacts=CONTACTS)) == []  # people's edits are not checked


@pytest.mark.parametrize(("pointer", "value"), [
    ("/root/children/11/children/0/props/phone", "+33 (5) 59-00-00-00"),
    ("/root/children/13/props/email", "Hello@BlueOcean.fr"),
    ("/root/children/10/children/0/props/cta_href", "mailto:HELLO@blueocean.fr?subject=Lesson"),
    ("/root/children/9/children/0/props/url", "https://youtu.be/aqz-KE-bpKQ"),
])
def test_given_contacts_written_another_way_are_not_invented(pointer: str, value: str) -> None:
    assert found(changed(pointer, value), "invented") == []


def test_mailto_links_in_rich_text_are_checked() -> None:
    pointer = "/root/children/5/children/0/props/markdown"
    assert found(changed(pointer, "[Write](mailto:sales@blueocean.fr)"), "invented") == [("invented", pointer)]


# -- pages the platform ships ----------------------------------------------------------------

COPY_CHECKS = ("empty-text", "heading-length", "placeholder")
PHOTOS = [Photo(s.file, 2000, 1250, s.alt, s.subject, s.licence, s.credit) for s in SOURCES]


def test_the_showcase_page_has_no_copy_findings() -> None:
    findings = lint_page(validate(showcase_tree(PICTURES)), LintContext())
    assert [f for f in findings if f.check in COPY_CHECKS] == []
    assert findings and all(f.severity == "warning" for f in findings)  # it reuses pictures, on purpose


@pytest.mark.parametrize("with_photos", [True, False], ids=["photos", "no-photos"])
def test_the_demo_site_has_no_copy_link_or_repeat_findings(with_photos: bool) -> None:
    trees = site_trees(Pictures({p.file: (str(uuid.uuid4()), p) for p in PHOTOS} if with_photos else {}))
    context = LintContext(site_slugs=frozenset(trees), has_pricing=True, library_images=len(PHOTOS))
    for slug, tree in trees.items():
        findings = [f for f in lint_page(validate(tree), context) if f.check != "required-fields"]
        assert findings == [], slug
