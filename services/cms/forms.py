"""Contact-form submissions: taken on the tenant's public host, checked against the form
as published (only its fields, required ones present, e-mail shaped, size-limited), with
a honeypot for bots and a per-address limit; editors list and export them."""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

from shared.auth import Caller, Role
from shared.contracts import FormSubmittedV1
from shared.errors import Invalid, NotFound
from shared.messaging import add_event
from shared.spreadsheets import csv_text

from .context import Ctx
from .gates import walk
from .registry import migrate
from .repo import forms, versions

MAX_FIELD = 2000
HONEYPOT = "website"
LIMIT_PER_WINDOW = 10  # submissions per address and site in ten minutes
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
        form = None
        if page is not None:
            tree = migrate(page["structure"], page["registry_version"])
            form = next((node for node, _ in walk(tree["root"])
                         if node["id"] == form_id and node["component"] == "ContactForm"), None)
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


def clean_fields(declared: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, str]:
    """Only the form's own fields, as text; required ones present; e-mails e-mail shaped."""
    unknown = set(values) - {field["name"] for field in declared} - {HONEYPOT}
    if unknown:
        raise Invalid(f"this form has no field {sorted(unknown)[0]!r}", errors=[{"field": sorted(unknown)[0]}])
    cleaned: dict[str, str] = {}
    for field in declared:
        value = values.get(field["name"])
        text = "" if value is None else str(value).strip()
        if field.get("kind") == "checkbox":
            text = "yes" if text.lower() in ("on", "true", "yes", "1") else ""
        if field.get("required") and not text:
            raise Invalid(f"{field['label']} is required", errors=[{"field": field["name"]}])
        if len(text) > MAX_FIELD:
            raise Invalid(f"{field['label']} is longer than {MAX_FIELD} characters", errors=[{"field": field["name"]}])
        if text and field.get("kind") == "email" and not EMAIL.match(text):
            raise Invalid(f"{field['label']} is not an e-mail address", errors=[{"field": field["name"]}])
        cleaned[field["name"]] = text
    return cleaned


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
