"""What a visitor's browser gets back from a contact form: every problem at once, the form
again with what they typed and its fields in error marked, a thank-you, a gone form; all
as page trees that validate and render in the site's design."""

from html.parser import HTMLParser

import pytest

from services.cms import form_pages
from services.cms.forms import TooManySubmissions, clean_fields
from services.cms.render import FormState, render_page
from services.cms.site_words import ENGLISH, words_for
from services.cms.tree import validate
from shared.errors import Invalid

FIELDS = [{"name": "name", "label": "Your name", "kind": "text", "required": True},
          {"name": "email", "label": "E-mail address", "kind": "email", "required": True},
          {"name": "message", "label": "Message", "kind": "textarea"},
          {"name": "news", "label": "Send me news", "kind": "checkbox"}]
FORM = {"id": "booking-form", "component": "ContactForm", "children": [],
        "props": {"heading": "Book a boat", "fields": FIELDS, "submit_label": "Send"}}
NAVBAR = {"id": "navbar", "component": "Navbar", "children": [],
          "props": {"brand": "Fellwater Boat Co.", "links": [{"label": "Prices", "href": "/prices"}]}}
FOOTER = {"id": "footer", "component": "Footer", "children": [], "props": {"brand": "Fellwater Boat Co.",
                                                                            "legal": "© 2026 Fellwater"}}
PAGE = {"root": {"id": "page", "component": "Page", "props": {"title": "Visit & book", "description": "Find us."},
                 "children": [NAVBAR, {"id": "s", "component": "Section", "props": {"anchor": "book"},
                                       "children": [FORM]}, FOOTER]}}


class Controls(HTMLParser):
    """Each form control's attributes by id, the text of every element, and link targets."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: dict[str, dict[str, str | None]] = {}
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.textareas: dict[str, str] = {}
        self.h1: list[str] = []
        self._in: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag in ("input", "textarea") and found.get("id"):
            self.controls[str(found["id"])] = found
        if tag == "a" and found.get("href"):
            self.hrefs.append(str(found["href"]))
        if tag == "textarea":
            self._in = ("textarea", str(found.get("id")))
        elif tag == "h1":
            self._in = ("h1", "")

    def handle_data(self, data: str) -> None:
        if self._in and self._in[0] == "textarea":
            self.textareas[self._in[1]] = self.textareas.get(self._in[1], "") + data
        elif self._in and self._in[0] == "h1":
            self.h1.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("textarea", "h1"):
            self._in = None


def rendered(tree: dict, state: FormState | None = None,  # type: ignore[type-arg]
             lang: str = "en") -> tuple[str, Controls]:
    html = render_page(validate(tree), site_name="Fellwater Boat Co.", theme={"preset": "harbour"},
                       canonical_base="https://fellwater.example", path="/visit", form_state=state, lang=lang)
    parsed = Controls()
    parsed.feed(html)
    return html, parsed


def refused(values: dict) -> Invalid:  # type: ignore[type-arg]
    with pytest.raises(Invalid) as caught:
        clean_fields(FIELDS, values)
    return caught.value


def test_every_problem_is_reported_at_once_and_a_good_message_passes() -> None:
    problem = refused({"email": "not an address", "message": "x" * 2001})
    assert [(e["field"], e["detail"]) for e in problem.errors or []] == [
        ("name", "Your name is required"), ("email", "E-mail address is not an e-mail address"),
        ("message", "Message is longer than 2000 characters")]
    assert clean_fields(FIELDS, {"name": "Ana", "email": "ana@example.com", "news": "yes"}) == {
        "name": "Ana", "email": "ana@example.com", "message": "", "news": "yes"}


@pytest.mark.parametrize("value", [["a", "b"], {"a": [1, 2]}, [], {}])
def test_a_field_takes_one_value_never_a_list_or_an_object(value: object) -> None:
    problem = refused({"name": "Ana", "email": "ana@example.com", "message": value})
    assert [e["field"] for e in problem.errors or []] == ["message"]


def test_a_number_or_true_is_one_value_and_reads_as_text() -> None:
    assert clean_fields(FIELDS, {"name": 42, "email": "ana@example.com", "news": True}) == {
        "name": "42", "email": "ana@example.com", "message": "", "news": "yes"}


def test_the_refusal_page_lists_what_to_fix_and_keeps_what_the_visitor_typed() -> None:
    values = {"name": "", "email": "ana@", "message": 'Two of us <script>alert(1)</script> "Heron"', "news": "yes",
              "website": "spam.example"}
    tree, state = form_pages.refusal_tree(PAGE, FORM, refused(values), values, ENGLISH)
    html, page = rendered(tree, state)
    assert "".join(page.h1) == "Please check your message"
    assert "#booking-form-name" in page.hrefs and "#booking-form-email" in page.hrefs  # the summary links each
    assert {"booking-form-name", "booking-form-email"} <= page.ids
    email, name, news = (page.controls[f"booking-form-{n}"] for n in ("email", "name", "news"))
    assert email["value"] == "ana@" and email["aria-invalid"] == "true"
    assert email["aria-describedby"] == "booking-form-email-error" and "booking-form-email-error" in page.ids
    assert name["aria-invalid"] == "true" and "checked" in news
    assert page.textareas["booking-form-message"] == values["message"]  # kept, as text
    assert "aria-invalid" not in page.controls["booking-form-message"]  # only the fields in error are marked
    assert "<script>" not in html and "spam.example" not in html  # escaped; the honeypot is never echoed
    assert "Fellwater Boat Co." in html and "© 2026 Fellwater" in html  # the site's own navbar and footer
    assert 'action="/__forms?page=/visit&amp;form=booking-form"' in html  # sent again to the same form


def test_the_rate_limited_page_keeps_the_message_without_marking_fields() -> None:
    values = {"name": "Ana", "email": "ana@example.com", "message": "Saturday at ten"}
    tree, state = form_pages.refusal_tree(PAGE, FORM, TooManySubmissions("too many"), values, ENGLISH)
    _, page = rendered(tree, state)
    assert "".join(page.h1) == "Please wait a few minutes"
    assert page.textareas["booking-form-message"] == "Saturday at ten"
    assert not any("aria-invalid" in control for control in page.controls.values())


def test_labels_cannot_inject_links_into_the_summary() -> None:
    evil = dict(FORM, props=dict(FORM["props"], fields=[{"name": "name", "label": "[win](https://evil.example)",
                                                           "required": True}]))
    tree, state = form_pages.refusal_tree(PAGE, evil, Invalid("x", errors=[
        {"field": "name", "detail": "[win](https://evil.example) is required", "rule": "required"}]), {}, ENGLISH)
    _, page = rendered(tree, state)
    assert "https://evil.example" not in page.hrefs and "#booking-form-name" in page.hrefs


@pytest.mark.parametrize(("title", "label"), [
    ("Contact us | Trattoria Nonna Rosa", "Back to Contact us"),  # the page's name, not its search title
    ("Visit & book", "Back to Visit & book"),
    ("A very long page name that no button has room for | Trattoria", "Back to the site"),
])
def test_the_way_back_names_the_page_as_a_visitor_knows_it(title: str, label: str) -> None:
    page = {"root": {**PAGE["root"], "props": {**PAGE["root"]["props"], "title": title}}}
    hero = form_pages.thanks_tree(page, "/visit", ENGLISH)["root"]["children"]
    found = [node["props"]["cta_label"] for node in hero if node.get("component") == "Hero"]
    assert found == [label]


def test_the_thank_you_and_gone_pages_lead_back() -> None:
    _, thanks = rendered(form_pages.thanks_tree(PAGE, "/visit", ENGLISH))
    assert "Thank you" in "".join(thanks.h1) and "/visit" in thanks.hrefs and "/" in thanks.hrefs
    assert "/prices" in thanks.hrefs  # the site's navbar came along
    _, gone = rendered(form_pages.gone_tree(None, ENGLISH))
    assert "".join(gone.h1) == "This form is no longer here" and "/" in gone.hrefs


@pytest.mark.parametrize("lang", ["de", "fr", "es"])
def test_a_visitor_gets_the_answers_in_the_sites_language(lang: str) -> None:
    words = words_for(lang)
    values = {"name": "", "email": "ana@", "message": "x" * 2001}
    tree, state = form_pages.refusal_tree(PAGE, FORM, refused(values), values, words)
    html, page = rendered(tree, state, lang)
    assert "".join(page.h1) == words.check_heading and words.check_fix.replace("'", "&#x27;") in html
    for rule, label in (("required", "Your name"), ("not_email", "E-mail address"), ("too_long", "Message")):
        said = getattr(words, f"field_{rule}").format(label=label, max=2000)
        assert state.errors[{"Your name": "name", "E-mail address": "email", "Message": "message"}[label]] == said
    assert "is required" not in html and "is not an e-mail address" not in html and "Please fix" not in html
    _, thanks = rendered(form_pages.thanks_tree(PAGE, "/visit", words), lang=lang)
    assert "".join(thanks.h1) == words.thanks_heading
    _, gone = rendered(form_pages.gone_tree(None, words), lang=lang)
    assert "".join(gone.h1) == words.form_gone_heading and "/" in gone.hrefs
    _, missing = rendered(form_pages.missing_tree(PAGE, words), lang=lang)
    assert "".join(missing.h1) == words.missing_heading and "/prices" in missing.hrefs  # with the site's navbar
