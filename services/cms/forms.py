"""Contact-form submissions: taken on the tenant's public host, checked against the form
as published (only its fields, required ones present, e-mail shaped, size-limited), with
a honeypot for bots and a per-address limit; editors list and export them. A visitor's
browser gets pages in the site's design back (form_pages.py): what to fix, or thank you."""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

from shared.auth import Caller, Role
from shared.contracts import FormSubmittedV1
from shared.errors import AppError, Invalid, NotFound
from shared.messaging import add_event
from shared.spreadsheets import csv_text

from . import form_pages, sites
from .context import Ctx
from .delivery import site_language, visitor_page
from .gates import walk
from .layout import with_layout
from .registry import HONEYPOT, migrate
from .repo import forms, layouts, versions
from .site_words import ENGLISH, words_for

MAX_FIELD = 2000
LIMIT_PER_WINDOW = 10  # submissions per address and site in ten minutes
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")


class TooManySubmissions(Invalid):
    status, code, title = 429, "rate-limited", "Too many submissions"


async def submit_form(ctx: Ctx, caller: Caller, page_slug: str, form_id: str, values: dict[str, Any],
                      client: str) -> str:
    """Store a submission; the answer is `accepted` (also for the honeypot's bots)."""
    tenant_id = caller.tenant_id
    if tenant_id is None:
        raise NotFound("no site here")
    async with ctx.db.tenant_tx(tenant_id) as tx:
        page = await versions.live_at(tx, page_slug.rstrip("/") or "/")
        form = form_in(page, form_id)
        if form is None:
            raise NotFound("no such form on a published page")
        if str(values.get(HONEYPOT, "")).strip():
            return "accepted"  # a bot filled the hidden field: nothing stored, nothing told
        key = hashlib.sha256(f"{tenant_id}:{client}".encode()).hexdigest()
        if await forms.count_hit(tx, key) > LIMIT_PER_WINDOW:
            raise TooManySubmissions("too many messages from your address; try again in a few minutes")
        fields = clean_fields(form["props"]["fields"], values)
        submission_id = uuid.uuid4()
        await forms.insert_submission(tx, tenant_id, submission_id, page["id"], form_id, fields)
        await add_event(tx, FormSubmittedV1(tenant_id=tenant_id, page_id=page["id"], form_id=form_id,
                                            submission_id=submission_id))
    return "accepted"


def form_in(page: Any, form_id: str) -> dict[str, Any] | None:
    """The ContactForm `form_id` of a live page's version row, if it holds one."""
    if page is None:
        return None
    tree = migrate(page["structure"], page["registry_version"])
    return next((node for node, _ in walk(tree["root"])
                 if node["id"] == form_id and node["component"] == "ContactForm"), None)


def clean_fields(declared: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, str]:
    """Only the form's own fields, as text; required ones present; e-mails e-mail shaped.
    Every field's problem is reported at once, so a visitor fixes them in one go."""
    unknown = set(values) - {field["name"] for field in declared} - {HONEYPOT}
    if unknown:
        raise Invalid(f"this form has no field {sorted(unknown)[0]!r}", errors=[{"field": sorted(unknown)[0]}])
    # A field is one value: a list or an object (JSON, or a form field sent twice) is nobody's
    # answer, and its Python spelling is not what the form's owner should read.
    if compound := sorted(name for name, value in values.items() if isinstance(value, list | dict)):
        raise Invalid(f"the field {compound[0]!r} takes one value: text, a number or true/false",
                      errors=[{"field": name} for name in compound])
    cleaned: dict[str, str] = {}
    problems: list[dict[str, str]] = []
    for field in declared:
        value = values.get(field["name"])
        text = "" if value is None else str(value).strip()
        if field.get("kind") == "checkbox":
            text = "yes" if text.lower() in ("on", "true", "yes", "1") else ""
        rule = broken_rule(field, text)
        if rule:
            problems.append({"field": field["name"], "detail": getattr(ENGLISH, f"field_{rule}").format(
                label=field["label"], max=MAX_FIELD), "rule": rule, "max": MAX_FIELD})
        cleaned[field["name"]] = text
    if problems:
        raise Invalid(problems[0]["detail"] if len(problems) == 1 else
                      f"{problems[0]['detail']} (and {len(problems) - 1} more)", errors=problems)
    return cleaned


def broken_rule(field: dict[str, Any], text: str) -> str:
    """The rule one field's value breaks ("required", "too_long", "not_email"), or "" when none:
    the API says it in English, a visitor's page in the site's words (site_words.py)."""
    if field.get("required") and not text:
        return "required"
    if len(text) > MAX_FIELD:
        return "too_long"
    if text and field.get("kind") == "email" and not EMAIL.match(text):
        return "not_email"
    return ""


async def answer_page(ctx: Ctx, caller: Caller, page_slug: str, form_id: str, *, values: dict[str, Any],
                      refusal: AppError | None) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, HTML) for a visitor's browser: the refused form again with what to
    fix, or (no refusal) the thank-you; a form no live page holds gets a 404 page. Rendered
    in the site's design around the form page's navbar and footer."""
    tenant_id = caller.tenant_id
    if tenant_id is None:
        raise NotFound("no site here")
    slug = page_slug.rstrip("/") or "/"
    async with ctx.db.tenant_tx(tenant_id) as tx:
        site = await sites.current_site(tx, ctx.nc, tenant_id)
        page = await versions.live_at(tx, slug)
        home = await versions.live_at(tx, "/") if page is None else page
        layout_row = await layouts.layout(tx)
    if site is None:
        raise NotFound("this site is not set up yet")
    form = form_in(page, form_id)
    state = None
    language = site_language(layout_row)
    words = words_for(language)
    if form is None:
        status = 404
        chrome = migrate(home["structure"], home["registry_version"]) if home is not None else None
        tree = form_pages.gone_tree(chrome, words)
    else:
        chrome = migrate(page["structure"], page["registry_version"])
        if refusal is None:
            status, tree = 200, form_pages.thanks_tree(chrome, slug, words)
        else:
            status = refusal.status
            tree, state = form_pages.refusal_tree(chrome, form, refusal, values, words)
    if layout_row is not None:  # the site's live header and footer, where the page has none of its own
        tree = with_layout(tree, layout_row["live_header"], layout_row["live_footer"])
    return await visitor_page(ctx, tenant_id, site, tree, path=slug, status=status, form_state=state,
                              language=language)


async def list_submissions(ctx: Ctx, caller: Caller, limit: int = 200) -> list[dict[str, Any]]:
    """Submissions, newest first."""
    tenant_id = caller.require(Role.EDITOR)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        return await forms.submissions(tx, max(1, min(limit, 1000)))


async def export_submissions(ctx: Ctx, caller: Caller) -> str:
    """The latest submissions as CSV, through the one writer that keeps a visitor's
    `=HYPERLINK(…)` from running in the editor's spreadsheet."""
    rows = await list_submissions(ctx, caller, limit=1000)
    names = sorted({name for row in rows for name in row["fields"]})
    return csv_text(["created_at", "page_id", "form_id", *names],
                    ([row["created_at"], row["page_id"], row["form_id"],
                      *(row["fields"].get(name, "") for name in names)] for row in rows))
