"""Site lints: what a page can get wrong while still passing its publish gates (repeated
pictures, forms that cannot be answered, empty or overlong text, sections out of the
requested order, placeholders, prices nobody lists, contacts nobody gave). Pure. Every
finding is a warning for a person's edit; cms treats each one as an error in AI output,
which goes back to the model in the repair round. The page is a validated tree."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from . import gates  # the module, not its names: the gates may run these lints too
from .links import LINK_PROPS, link_targets, page_of, plain_text, tree_anchors
from .registry import PRICED, asset_refs
from .schemas import Finding


@dataclass(frozen=True, kw_only=True)
class LintContext:
    site_slugs: frozenset[str] = frozenset()  # the site's (or plan's) pages; empty: site links are not checked
    requested: tuple[str, ...] = ()  # components the page must hold as top-level sections, in this order
    library_images: int | None = None  # described pictures in the tenant's library; None: unknown
    has_pricing: bool = False  # the site has a PricingTable or ProductGrid on some page
    known_contacts: frozenset[str] = frozenset()  # phones, e-mails and video URLs the brief or facts gave
    check_invented: bool = False  # AI output: any other phone, e-mail or video is invented


Check = Callable[[dict[str, Any], LintContext], Iterable[Finding]]


def warn(check: str, pointer: str, message: str) -> Finding:
    return Finding(severity="warning", check=check, message=message, pointer=pointer)


def blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


# -- form fields: what a label asks for (English, French, German, Spanish) ----------------

# (purpose, kind, pattern) in the order tried: "E-Mail-Adresse" is an e-mail, "Subject of
# your message" a subject, "Company name" a company. Labels are lowercased, accents dropped.
PURPOSES = (
    ("email", "email", r"e-? ?mail|courriel|\bmel\b|correo|adresse electronique"),
    ("phone", "phone", r"phone|telef|\btel\b|portable|handy|\bmobile?\b|movil|celular|rufnummer"),
    ("subject", "text", r"subject|\bobjet\b|\bsujet\b|betreff|asunto"),
    ("message", "textarea", r"message|nachricht|mensaje|anliegen|anfrage|votre demande|consulta|^comments?$|"
                            r"commentaire|kommentar|comentario|how can we help|your question|votre question"),
    ("company", "text", r"company|societe|entreprise|firma|firmen|unternehmen|empresa|compania|organi[sz]ation"),
    ("name", "text", r"name|\bnom\b|prenom|nombre|apellido"),
)
KINDS = {purpose: kind for purpose, kind, _ in PURPOSES}
REQUIRED_ALLOWED = frozenset({"name", "email", "message"})


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def field_purpose(label: str) -> str | None:
    """What a form field's label (or name) asks for: email, phone, subject, message, company, name."""
    folded = _fold(label)
    return next((purpose for purpose, _, pattern in PURPOSES if re.search(pattern, folded)), None)


def field_kind(label: str) -> str | None:
    """The kind of field a contact-form label asks for: email, phone, textarea, text; None: unknown."""
    purpose = field_purpose(label)
    return KINDS[purpose] if purpose else None


# -- the checks ------------------------------------------------------------------------------


def asset_repeat(root: dict[str, Any], context: LintContext) -> Iterator[Finding]:
    slots: list[tuple[str, str]] = []  # (asset id, pointer), the page's social image aside
    for node, pointer in gates.walk(root):
        if node["component"] != "Page":
            places = dict(gates.dict_pointers(node["props"], f"{pointer}/props"))
            slots += [(str(ref.container[ref.key]), f"{places[id(ref.container)]}/{ref.key}")
                      for ref in asset_refs(node["component"], node["props"]) if ref.container.get(ref.key)]
    few = context.library_images is not None and context.library_images < len(slots)
    seen: dict[str, str] = {}
    for asset, pointer in slots:
        if asset in seen:
            yield warn("asset-repeat", pointer, f"the library has {context.library_images} pictures: show fewer "
                       "tiles, never repeats" if few else f"this picture is already shown at {seen[asset]}: "
                       "choose another one from the library")
        seen.setdefault(asset, pointer)


def contact_form(root: dict[str, Any], context: LintContext) -> Iterator[Finding]:
    for node, pointer in gates.walk(root):
        if node["component"] != "ContactForm":
            continue
        fields = node["props"]["fields"]
        if not any(f.get("kind") == "email" and field_kind(f["label"]) == "email" for f in fields):
            yield warn("contact-email", f"{pointer}/props/fields", "the form needs an e-mail field (kind email, "
                       "labelled as one) so that its messages can be answered")
        for index, field in enumerate(fields):
            at, kind = f"{pointer}/props/fields/{index}", field.get("kind", "text")
            expected, purpose = field_kind(field["label"]), field_purpose(field["label"])
            if purpose is None and field_purpose(field["name"]) == "message":  # "How can we help?" named message
                purpose = "message"
            if purpose == "message" and kind != "textarea":
                yield warn("message-textarea", f"{at}/kind", f"{field['label']!r} asks for a message: make it "
                           "a textarea, not " + kind)
            elif expected and expected != kind:
                yield warn("field-kind", f"{at}/kind", f"{field['label']!r} asks for {expected}, "
                           f"but the field is of kind {kind}")
            if field.get("required") and purpose not in REQUIRED_ALLOWED:
                yield warn("required-fields", f"{at}/required", f"{field['label']!r} should be optional: only "
                           "the name, e-mail and message are required")


TEXTS = {"Hero": ("headline",), "Heading": ("text",), "RichText": ("markdown",), "Button": ("label",),
         "CallToAction": ("heading",), "Testimonial": ("quote",)}  # words a block cannot show blank
ITEMS = {"FeatureGrid": ("features", ("title", "body")), "FAQ": ("items", ("question", "answer")),
         "PricingTable": ("plans", ("name", "price")), "MediaText": ("rows", ("heading", "text")),
         "Stats": ("items", ("value", "label")), "Testimonials": ("items", ("quote",)),
         "Team": ("members", ("name",))}  # list items: (the list, what each item cannot leave blank)
BUTTONS = (("cta_href", "cta_label"), ("secondary_href", "secondary_label"), ("link_href", "link_label"))


def empty_text(root: dict[str, Any], context: LintContext) -> Iterator[Finding]:
    for node, pointer in gates.walk(root):
        name, props, at = node["component"], node["props"], f"{pointer}/props"
        for key in TEXTS.get(name, ()):
            text = props.get(key, "")
            if blank(text) or (key == "markdown" and not plain_text(text).strip()):
                yield warn("empty-text", f"{at}/{key}", f"the {name} has no words in {key}: write them or "
                           f"remove the {name}")
        list_key, keys = ITEMS.get(name, ("", ()))
        for index, item in enumerate(props.get(list_key, [])):
            yield from (warn("empty-text", f"{at}/{list_key}/{index}/{key}", f"item {index + 1} of the {name} "
                             f"has an empty {key}: write it or remove the item")
                        for key in keys if blank(item.get(key, "")))
        for holder, where in [(props, at), *((row, f"{at}/rows/{i}") for i, row in enumerate(props.get("rows", [])))]:
            yield from (warn("empty-text", f"{where}/{label}", f"a button to {holder[href]} has no words, so it "
                             "is not shown: give it a label")
                        for href, label in BUTTONS if holder.get(href) and blank(holder.get(label, "")))


HEADING_MAX_CHARS, HEADING_MAX_WORDS = 70, 12
ITEM_HEADINGS = (("features", "title"), ("plans", "name"), ("rows", "heading"))


def heading_length(root: dict[str, Any], context: LintContext) -> Iterator[Finding]:
    for node, pointer in gates.walk(root):
        props, at = node["props"], f"{pointer}/props"
        own = {"Hero": "headline", "Heading": "text"}.get(node["component"], "heading")
        headings = [(props.get(own), f"{at}/{own}")] + [
            (item.get(key), f"{at}/{items}/{index}/{key}")
            for items, key in ITEM_HEADINGS for index, item in enumerate(props.get(items, []))]
        for text, where in headings:
            if isinstance(text, str) and (len(text) > HEADING_MAX_CHARS or len(text.split()) > HEADING_MAX_WORDS):
                yield warn("heading-length", where, f"this heading has {len(text)} characters and "
                           f"{len(text.split())} words: keep it within {HEADING_MAX_CHARS} characters and "
                           f"{HEADING_MAX_WORDS} words, and move the rest to the text below")


def _section_component(node: dict[str, Any]) -> str:
    """What a top-level section shows: a Section counts as its first block."""
    while node["component"] == "Section" and node["children"]:
        node = node["children"][0]
    return node["component"]


def section_order(root: dict[str, Any], context: LintContext) -> Iterator[Finding]:
    shown = [(i, _section_component(child)) for i, child in enumerate(root["children"])
             if child["component"] not in ("Navbar", "Footer")]
    used: set[int] = set()
    after, previous = -1, "the start of the page"
    for wanted in context.requested:
        places = [i for i, component in shown if component == wanted and i not in used]
        later = [i for i in places if i > after]
        if later:
            used.add(later[0])
            after, previous = later[0], wanted
        elif places:
            used.add(places[0])
            yield warn("section-order", f"/root/children/{places[0]}", f"{wanted} should come after {previous}: "
                       "the requested order is " + ", ".join(context.requested))
        else:
            yield warn("section-order", "/root/children", f"the requested {wanted} section is missing (requested, "
                       "in order: " + ", ".join(context.requested) + ")")


def links(root: dict[str, Any], context: LintContext) -> Iterator[Finding]:
    anchors = tree_anchors(root)
    for node, pointer in gates.walk(root):
        for href, where in link_targets(node["props"], f"{pointer}/props"):
            if href.startswith("/") and context.site_slugs and page_of(href) not in context.site_slugs:
                yield warn("site-link", where, f"{href} is not a page of this site")
            elif href.startswith("#") and len(href) > 1 and href[1:] not in anchors:
                yield warn("anchor", where, f"{href}: no section of this page has the anchor {href[1:]!r}")


NOT_COPY = frozenset({"anchor", "background", "variant", "style", "tone", "image_first", "icon", "network", "kind"})
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z", re.I)


def _strings(value: Any, pointer: str, key: str = "") -> Iterator[tuple[str, str, str]]:
    """(key, text, pointer) of every string a node's props show or link to; form field names aside."""
    if isinstance(value, dict):
        for sub, item in value.items():
            if sub not in NOT_COPY and not (sub == "name" and "/fields/" in pointer):
                yield from _strings(item, f"{pointer}/{sub}", sub)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{pointer}/{index}", key)
    elif isinstance(value, str) and value and not UUID.match(value):
        yield key, value, pointer


PLACEHOLDER = re.compile(r"lorem|ipsum|dolor sit|\[(\.\.\.|…)\]|\[(your|votre|ihre?|tu|su|insert)\b[^\]]*\](?!\()"
                         r"|\{\{.*?\}\}|(?-i:\bTBD\b|\bTBA\b|\bXXX+\b)|\bexample\.(com|org|net)\b|\b555[-.]\d|\(555\)"
                         r"|\binsert (your|text|content|here|the \w+ here)\b|\b(text|content|image) (goes )?here\b",
                         re.I)


def placeholder(root: dict[str, Any], context: LintContext) -> Iterator[Finding]:
    given = {_contact_key(value) for value in context.known_contacts}  # a 555 number the owner gave is theirs
    for node, pointer in gates.walk(root):
        for _, text, where in _strings(node["props"], f"{pointer}/props"):
            if (found := PLACEHOLDER.search(text)) and _contact_key(text) not in given:
                yield warn("placeholder", where, f"{found.group(0)!r} reads as a placeholder: write the real "
                           "words, or leave the part out")


PRICE = re.compile(r"\b(prices?|pricing|listed on this page|prix|tarif\w*|\w*preis(e|en|liste)?|precios?)\b"
                   r"|[€$£]\s?\d|\d\s?[€$£]|\b(CHF|EUR|USD|GBP)\s?\d|\d\s?(CHF|EUR|USD|GBP|euros?|dollars?)\b", re.I)


def price_without_pricing(root: dict[str, Any], context: LintContext) -> Iterator[Finding]:
    if context.has_pricing or any(node["component"] in PRICED for node, _ in gates.walk(root)):
        return
    for node, pointer in gates.walk(root):
        for key, text, where in _strings(node["props"], f"{pointer}/props"):
            if key not in LINK_PROPS and not key.endswith("alt") and (found := PRICE.search(text)):
                yield warn("price-without-pricing", where, f"{found.group(0)!r} speaks of prices, but no page "
                           "of the site has a pricing table or products: add one, or leave prices out")


CONTACTS = {"ContactBlock": ("phone", "email"), "Footer": ("phone", "email"), "Video": ("url",)}
VIDEO_ID = re.compile(r"(?:v=|youtu\.be/|vimeo\.com/)([\w-]+)")


def _contact_key(value: str) -> str:
    """How contacts compare: a video by its id, an e-mail in lower case, a phone by its digits."""
    if video := VIDEO_ID.search(value):
        return f"video:{video.group(1)}"
    if "@" in value:
        return value.lower().removeprefix("mailto:").split("?", 1)[0]
    return re.sub(r"\D", "", value)


def invented(root: dict[str, Any], context: LintContext) -> Iterator[Finding]:
    if not context.check_invented:
        return
    known = {_contact_key(value) for value in context.known_contacts}
    for node, pointer in gates.walk(root):
        given = [(node["props"].get(key, ""), f"{pointer}/props/{key}") for key in CONTACTS.get(node["component"], ())]
        given += [(href, where) for href, where in link_targets(node["props"], f"{pointer}/props")
                  if href.lower().startswith("mailto:")]
        for value, where in given:
            if value and _contact_key(value) not in known:
                yield warn("invented", where, f"{value} is not in the brief: use only the phone numbers, "
                           "e-mails and videos the business gave, or leave it out")


CHECKS: tuple[Check, ...] = (asset_repeat, contact_form, empty_text, heading_length, section_order, links,
                             placeholder, price_without_pricing, invented)


def lint_page(tree: dict[str, Any], context: LintContext) -> list[Finding]:
    """Every lint finding of a page, as warnings, each with the JSON pointer of what to fix."""
    return [finding for check in CHECKS for finding in check(tree["root"], context)]

