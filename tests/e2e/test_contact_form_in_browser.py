"""A person sends the demo site's booking form in Chromium: typed, clicked, thanked, and the
message is listed for the editors. A message missing a required field comes back as a page
in the site's design with what to fix and what they typed; JSON clients keep problem+json."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from shared.dev.stack import ROOT
from tests.e2e.demo_pages import seed
from tests.e2e.headless_chromium import Chromium, Tab, chromium_path
from tests.e2e.platform_client import PlatformClient

SHOTS = ROOT / ".data" / "screenshots"
FORM = "booking-form"  # the ContactForm on the demo's /visit page
SENT_TO = f"/__forms?page=/visit&form={FORM}"


async def fill(tab: Tab, values: dict[str, str | bool]) -> None:
    """Type into the form's fields as a person would (the page runs no script of its own)."""
    for name, value in values.items():
        control = f"document.getElementById({json.dumps(f'{FORM}-{name}')})"
        setting = f"{control}.checked = {json.dumps(value)}" if isinstance(value, bool) else \
            f"{control}.value = {json.dumps(value)}"
        await tab.evaluate(f"{setting}; {control}.dispatchEvent(new Event('input', {{bubbles: true}})); true")


async def click_send(tab: Tab) -> None:
    """Scroll the send button into view and click it with the mouse, then wait for the answer."""
    # 'instant': the site scrolls smoothly, and the button must be where it is measured.
    box = await tab.evaluate(f"(() => {{ const b = document.querySelector('#{FORM} button[type=submit]');"
                             " b.scrollIntoView({block: 'center', behavior: 'instant'});"
                             " const r = b.getBoundingClientRect();"
                             " return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()")
    before = await tab.evaluate("performance.timeOrigin")
    for kind in ("mousePressed", "mouseReleased"):
        await tab.call("Input.dispatchMouseEvent", type=kind, x=box["x"], y=box["y"], button="left", clickCount=1)
    for _ in range(100):  # a new document, loaded
        await asyncio.sleep(0.1)
        try:
            if await tab.evaluate("performance.timeOrigin") != before and \
                    await tab.evaluate("document.readyState") == "complete":
                return
        except RuntimeError:  # the old document went away mid-call
            continue
    raise AssertionError("clicking send loaded no new page")


async def answer_page(tab: Tab) -> dict:  # type: ignore[type-arg]
    return await tab.evaluate(
        "({path: location.pathname + location.search, h1: document.querySelector('h1')?.textContent.trim(),"
        " title: document.title, brand: document.querySelector('header')?.textContent.includes('Fellwater'),"
        " fixes: [...document.querySelectorAll('main a[href^=\"#\"]')].map(a => a.getAttribute('href'))})")


@pytest.mark.skipif(chromium_path() is None, reason="needs Debian's chromium (make setup installs it)")
async def test_a_person_sends_the_booking_form_and_a_mistake_comes_back_to_fix(client: PlatformClient) -> None:
    tenant = await client.sign_up("boats")
    site = await seed(client, tenant, [])
    SHOTS.mkdir(parents=True, exist_ok=True)
    with Chromium() as browser:
        async with browser.tab(f"{site}/visit", width=1280) as tab:
            await fill(tab, {"name": "Ana Lima", "email": "ana@example.com", "phone": "+44 7700 900123",
                             "when": "Saturday 14 June, 10:00", "message": "Two adults and a dog: the Heron?",
                             "news": True})
            await click_send(tab)
            thanked = await answer_page(tab)
            Path(SHOTS / "demo-form-sent-1280.png").write_bytes(await tab.screenshot())
        assert thanked["path"] == SENT_TO and thanked["h1"] == "Thank you for your message", thanked
        assert thanked["brand"], "the thank-you page has the site's own navbar"

        async with browser.tab(f"{site}/visit", width=375) as tab:
            await fill(tab, {"email": "bo@example.com", "when": "Sunday morning", "message": "Can we bring a pram?"})
            await tab.evaluate(f"document.querySelector('#{FORM} form').noValidate = true")  # past the browser's check
            await click_send(tab)
            refused = await answer_page(tab)
            kept = await tab.evaluate(
                f"(() => {{ const name = document.getElementById('{FORM}-name');"
                f" const described = document.getElementById(name.getAttribute('aria-describedby'));"
                f" return {{email: document.getElementById('{FORM}-email').value,"
                f" message: document.getElementById('{FORM}-message').value,"
                f" invalid: name.getAttribute('aria-invalid'), error: described && described.textContent.trim(),"
                f" emailInvalid: document.getElementById('{FORM}-email').getAttribute('aria-invalid')}}; }})()")
            Path(SHOTS / "demo-form-refused-375.png").write_bytes(await tab.screenshot(full_page=True))
        assert refused["h1"] == "Please check your message" and refused["brand"], refused
        assert refused["fixes"] == [f"#{FORM}-name"], refused  # what to fix, linked to its field
        assert kept == {"email": "bo@example.com", "message": "Can we bring a pram?", "invalid": "true",
                        "error": "Your name is required", "emailInvalid": None}

    listed = await client.call("GET", "/api/cms/forms/submissions", slug=tenant.slug, token=tenant.token)
    assert [row["fields"] for row in listed.json()] == [{
        "name": "Ana Lima", "email": "ana@example.com", "phone": "+44 7700 900123",
        "when": "Saturday 14 June, 10:00", "message": "Two adults and a dog: the Heron?", "news": "yes"}]

    # The same refusal, asked by a browser and by a JSON client.
    missing = {"email": "cy@example.com", "when": "today"}
    html = await client.call("POST", SENT_TO, slug=tenant.slug, data=missing, headers={"accept": "text/html"})
    assert html.status_code == 422 and html.headers["content-type"].startswith("text/html")
    assert "script-src 'none'" in html.headers["content-security-policy"] and "cy@example.com" in html.text
    problem = await client.call("POST", SENT_TO, slug=tenant.slug, json=missing)
    assert problem.status_code == 422 and problem.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in problem.json()["errors"]] == ["name"]
    sent = await client.call("POST", SENT_TO, slug=tenant.slug, data={**missing, "name": "Cy"})
    assert sent.status_code == 303 and sent.headers["location"] == SENT_TO
    gone = await client.call("POST", "/__forms?page=/visit&form=nope", slug=tenant.slug, data=missing)
    assert gone.status_code == 404 and "This form is no longer here" in gone.text
