"""The page a visitor's browser gets when a Buy button could not lead to Stripe's Checkout
(billing says why, in one word): what happened, that nothing was charged, and the way back,
around the navbar and footer of the page they came from, so render_page gives it the site's
design. JSON clients never see it: billing answers them with problem+json."""

from __future__ import annotations

from typing import Any

import msgspec

from .form_pages import md, notice_tree


class Refusal(msgspec.Struct, frozen=True):
    status: int
    heading: str
    text: str  # {product}: the product's name, or "This product"


REFUSALS = {
    "closed": Refusal(409, "This shop cannot take payments yet",
                      "You can look around the shop, but it cannot take payments online yet, so nothing was "
                      "charged. Please try again later, or get in touch with us."),
    "unavailable": Refusal(404, "This product is not for sale",
                           "{product} is no longer in the shop, so nothing was charged. Have a look at what the "
                           "shop has now."),
    "sold-out": Refusal(409, "Sold out",
                        "{product} has sold out, so nothing was charged. Have a look at what the shop has now."),
    "payments-down": Refusal(503, "Payments are unavailable right now",
                             "We could not reach our payment provider, so nothing was charged. Please try again "
                             "in a few minutes."),
    "invalid": Refusal(422, "Please choose a product",
                       "The purchase could not start, so nothing was charged. Please use the Buy button beside "
                       "the product you want."),
}
UNKNOWN = Refusal(400, "This purchase could not start",
                  "Nothing was charged. Please go back and try again.")


def refusal_of(reason: str) -> Refusal:
    return REFUSALS.get(reason, UNKNOWN)


def refused_tree(chrome_from: dict[str, Any] | None, reason: str, product_name: str | None,
                 back_href: str, back_title: str) -> dict[str, Any]:
    """The page for a refused purchase: a heading, what happened, and a link back."""
    refusal = refusal_of(reason)
    product = md(product_name) if product_name else "This product"
    back = md(f"Back to {back_title}" if back_title else "Back to the site")
    text = (f"{refusal.text.format(product=product)}\n\n[{back}]({back_href})"
            + ("\n\n[Home page](/)" if back_href != "/" else ""))
    return notice_tree(chrome_from, "checkout", refusal.heading, text)
