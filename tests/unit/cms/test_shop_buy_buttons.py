"""A ProductGrid has Buy buttons only while the shop can take charges (a quiet line and the
price otherwise, never a dead button), the publish gates warn of a grid that cannot sell,
and a refused purchase gets a page in the site's design that says why and leads back."""

import re
import uuid

import pytest

from services.cms import checkout_pages
from services.cms.gates import SHOP_CLOSED, check_page
from services.cms.render import render_page
from services.cms.site_words import ENGLISH, WORDS
from services.cms.tree import validate

LOAF = str(uuid.uuid4())
NAVBAR = {"id": "navbar", "component": "Navbar", "children": [],
          "props": {"brand": "Acme Bakery", "links": [{"label": "Shop", "href": "/shop"}]}}
FOOTER = {"id": "footer", "component": "Footer", "children": [], "props": {"brand": "Acme Bakery", "legal": "© Acme"}}


def shop_page() -> dict:  # type: ignore[type-arg]
    return validate({"root": {"id": "p", "component": "Page", "props": {"title": "Shop", "description": "Our bread"},
                              "children": [NAVBAR, {"id": "g", "component": "ProductGrid",
                                                    "props": {"heading": "Bread", "product_ids": [LOAF]},
                                                    "children": []}, FOOTER]}})


def product(**state: object) -> dict[str, dict]:  # type: ignore[type-arg]
    return {LOAF: {"name": "Sourdough <loaf>", "price_amount": 1250, "currency": "eur", "images": [],
                   "active": True, "in_stock": True, **state}}


def grid_html(**state: object) -> str:
    page = render_page(shop_page(), site_name="Acme Bakery", theme={}, canonical_base="https://acme.example",
                       path="/shop", products=product(**state))
    found = re.search(r'<div class="products">.*?</ul></div>', page, re.S)
    assert found is not None
    return found.group(0)


def test_a_shop_that_can_take_charges_has_a_buy_button() -> None:
    grid = grid_html(takes_charges=True)
    assert 'action="/__checkout"' in grid and f'name="product_id" value="{LOAF}"' in grid
    assert "Sourdough &lt;loaf&gt;" in grid and "12.50 EUR" in grid and "Available in the shop soon" not in grid


@pytest.mark.parametrize("state", [{"takes_charges": False}, {}], ids=["cannot charge", "never told"])
def test_a_shop_that_cannot_take_charges_shows_the_price_and_no_button(state: dict) -> None:  # type: ignore[type-arg]
    grid = grid_html(**state)
    assert "<form" not in grid and "/__checkout" not in grid and "<button" not in grid
    assert "12.50 EUR" in grid and "Available in the shop soon" in grid


def test_sold_out_says_so_whether_or_not_the_shop_can_charge() -> None:
    for takes_charges in (True, False):
        grid = grid_html(takes_charges=takes_charges, in_stock=False)
        assert "Sold out" in grid and "<form" not in grid and "Available in the shop soon" not in grid


def test_the_gates_warn_of_a_grid_the_shop_cannot_sell_from() -> None:
    closed = check_page(shop_page(), {"/", "/shop"}, products={LOAF}, takes_charges=False)
    warnings = [f for f in closed if f.check == "shop"]
    assert [(f.severity, f.pointer, f.message) for f in warnings] == [("warning", "/root/children/1", SHOP_CLOSED)]
    assert "Settings → Shop" in SHOP_CLOSED and not any(f.severity == "error" for f in closed)
    # the allowed twins: a shop that can charge, a caller that did not say (AI output), a page without a grid
    assert not [f for f in check_page(shop_page(), {"/", "/shop"}, products={LOAF}, takes_charges=True)
                if f.check == "shop"]
    assert not [f for f in check_page(shop_page(), {"/", "/shop"}, products={LOAF}) if f.check == "shop"]
    no_grid = validate({"root": {"id": "p", "component": "Page", "props": {"title": "Home", "description": "Hi"},
                                 "children": [NAVBAR, FOOTER]}})
    assert not [f for f in check_page(no_grid, {"/", "/shop"}, takes_charges=False) if f.check == "shop"]


@pytest.mark.parametrize(("reason", "status", "words"), [
    ("closed", 409, "cannot take payments yet"), ("unavailable", 404, "no longer in the shop"),
    ("sold-out", 409, "has sold out"), ("payments-down", 503, "could not reach our payment provider"),
    ("invalid", 422, "Buy button beside the product"), ("anything-else", 400, "could not start")])
def test_a_refused_purchase_gets_a_page_in_the_site_design(reason: str, status: int, words: str) -> None:
    tree = checkout_pages.refused_tree(shop_page(), reason, "Sourdough [loaf](https://evil.example)", "/shop", "Shop",
                                       ENGLISH)
    validate(tree)  # a page any other page could be
    page = render_page(tree, site_name="Acme Bakery", theme={}, canonical_base="https://acme.example",
                       path="/__checkout")
    assert checkout_pages.status_of(reason) == status
    assert words in page and "nothing was charged" in page.lower()
    heading = ENGLISH.checkout_refusals.get(reason, ENGLISH.checkout_refusals[""])[0]
    assert "<h1" in page and heading in page
    assert 'href="/shop"' in page and "Back to Shop" in page and 'href="/"' in page
    assert "Acme Bakery" in page and "© Acme" in page  # the page's own navbar and footer
    assert 'href="https://evil.example"' not in page  # a product's name is text, never a link


def test_without_a_page_to_go_back_to_it_leads_home() -> None:
    tree = checkout_pages.refused_tree(None, "closed", None, "/", "", ENGLISH)
    page = render_page(validate(tree), site_name="Acme Bakery", theme={}, canonical_base="https://acme.example",
                       path="/__checkout")
    assert 'href="/"' in page and "Back to the site" in page and "Home page" not in page


@pytest.mark.parametrize("lang", ["fr", "de", "es"])
@pytest.mark.parametrize("reason", [*checkout_pages.STATUSES, "anything-else"])
def test_a_refused_purchase_is_told_in_the_sites_language(lang: str, reason: str) -> None:
    words = WORDS[lang]
    tree = checkout_pages.refused_tree(shop_page(), reason, None, "/shop", "Shop", words)
    page = render_page(validate(tree), site_name="Acme Bakery", theme={}, canonical_base="https://acme.example",
                       path="/__checkout", lang=lang)
    heading, _ = words.checkout_refusals.get(reason, words.checkout_refusals[""])
    assert f">{heading}</h1>" in page.replace("&#x27;", "'")
    assert "nothing was charged" not in page.lower() and "Back to" not in page and "Home page" not in page
    assert words.back_to.format(title="Shop") in page and words.home_page in page
