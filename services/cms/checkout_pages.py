"""The page a visitor's browser gets when a Buy button could not lead to Stripe's Checkout
(billing says why, in one word): what happened, that nothing was charged, and the way back,
around the navbar and footer of the page they came from, so render_page gives it the site's
design. JSON clients never see it: billing answers them with problem+json."""

from __future__ import annotations

from typing import Any

from .form_pages import md, notice_tree
from .site_words import SiteWords

# A refusal's status by billing's one word (its words are the site's: site_words.py).
STATUSES = {"closed": 409, "unavailable": 404, "sold-out": 409, "payments-down": 503, "invalid": 422}
UNKNOWN_STATUS = 400


def status_of(reason: str) -> int:
    return STATUSES.get(reason, UNKNOWN_STATUS)


def refused_tree(chrome_from: dict[str, Any] | None, reason: str, product_name: str | None,
                 back_href: str, back_title: str, words: SiteWords) -> dict[str, Any]:
    """The page for a refused purchase: a heading, what happened, and a link back."""
    heading, said = words.checkout_refusals.get(reason if reason in STATUSES else "", words.checkout_refusals[""])
    product = md(product_name) if product_name else words.this_product
    back = md(words.back_to.format(title=back_title) if back_title else words.back_to_site)
    text = (f"{said.format(product=product)}\n\n[{back}]({back_href})"
            + (f"\n\n[{md(words.home_page)}](/)" if back_href != "/" else ""))
    return notice_tree(chrome_from, "checkout", heading, text)
