"""Driving the studio in Debian's Chromium as a person would, for the e2e tests: fields found
by their label's text, buttons and links by theirs, typing that React hears, files chosen as
the file button chooses them, keys as the keyboard sends them; and `screen`, which holds a
screen to axe-core at a desktop's and a phone's width and keeps its screenshots."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.e2e.browser_audits import SHOTS, WIDEST, run_axe
from tests.e2e.headless_chromium import Tab
from tests.e2e.platform_client import PASSWORD

DESKTOP, PHONE = 1280, 375

# Typing into a React form as a person does: the native value setter, then the input event
# React listens to. Fields are found by their label's text, buttons and links by theirs.
FILL = """((label, value) => {
  const found = [...document.querySelectorAll('label')].find(l => l.textContent.trim() === label);
  if (!found) throw new Error('no field labelled ' + label);
  const field = document.getElementById(found.htmlFor);
  const proto = Object.getPrototypeOf(field);
  Object.getOwnPropertyDescriptor(proto, 'value').set.call(field, value);
  field.dispatchEvent(new Event(field.tagName === 'SELECT' ? 'change' : 'input', {bubbles: true}));
  return true;
})"""
CLICK = """((text) => {
  const found = [...document.querySelectorAll('button, a')]
    .find(e => e.textContent.trim().startsWith(text) && !e.disabled);
  if (!found) throw new Error('nothing to click reads ' + text);
  found.click();
  return true;
})"""

# A prop field by its id (rjsf: prop-<node>_<prop>), typed into as a person would.
TYPE = """((id, value) => {
  const field = document.getElementById(id);
  if (!field) throw new Error('no field ' + id);
  field.focus();
  Object.getOwnPropertyDescriptor(Object.getPrototypeOf(field), 'value').set.call(field, value);
  field.dispatchEvent(new Event('input', {bubbles: true}));
  return true;
})"""
ORDER = "[...document.querySelectorAll('.outline > li')].map(li => li.dataset.node).join(',')"
STATUS = "document.querySelector('.save-status').textContent"

# Choosing files as the file button would: File objects from bytes, set on the input, then the
# change event React listens to.
CHOOSE = """((files) => {
  const input = document.querySelector('.drop-zone input[type=file]');
  const chosen = new DataTransfer();
  for (const [name, data] of files) {
    const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
    chosen.items.add(new File([bytes], name, {type: 'image/png'}));
  }
  input.files = chosen.files;
  input.dispatchEvent(new Event('change', {bubbles: true}));
  return true;
})"""
PICKER = "document.querySelector('dialog.modal[open]')"


async def until(tab: Tab, expression: str, *, within: float = 20, what: str = "") -> Any:
    """The expression's value once it is truthy (evaluated again across a navigation)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            value = await tab.evaluate(expression)
        except RuntimeError:  # the page is navigating: its context went away
            value = None
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            text = await tab.evaluate("document.body ? document.body.innerText.slice(0, 1500) : ''")
            raise AssertionError(f"waited {within} s for {what or expression}; the page says:\n{text}")
        await asyncio.sleep(0.1)


async def shows(tab: Tab, text: str, *, within: float = 20) -> None:
    await until(tab, f"document.body && document.body.innerText.includes({json.dumps(text)})", within=within,
                what=repr(text))


async def fill(tab: Tab, label: str, value: str) -> None:
    await tab.evaluate(f"{FILL}({json.dumps(label)}, {json.dumps(value)})")


async def click(tab: Tab, text: str) -> None:
    await until(tab, f"[...document.querySelectorAll('button, a')].some(e => e.textContent.trim()"
                     f".startsWith({json.dumps(text)}) && !e.disabled)", what=f"a button {text!r}")
    await tab.evaluate(f"{CLICK}({json.dumps(text)})")


async def screen(tab: Tab, name: str, seen: dict[str, list[str]]) -> None:
    """Hold the screen as it is to axe-core and to a phone's width, at 1280 and 375 px, with a
    full-page screenshot of each; what fails is gathered in `seen`."""
    for width in (DESKTOP, PHONE):
        tab.width = width
        await tab.emulate(900 if width == DESKTOP else 812)
        await tab.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))",
                           await_promise=True)
        problems = [str(v) for v in await run_axe(tab)]
        scroll_width = await tab.evaluate("document.scrollingElement.scrollWidth")
        if scroll_width > width:
            problems.append(f"wider than {width} px: {await tab.evaluate(f'{WIDEST}({width})')}")
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / f"studio-{name}-{width}.png").write_bytes(await tab.screenshot(full_page=True))
        seen[f"{name}-{width}"] = problems
    tab.width = DESKTOP
    await tab.emulate(900)


async def saved(tab: Tab) -> None:
    await until(tab, f"{STATUS} === 'All changes saved'", what="autosave to succeed")


async def press(tab: Tab, key: str, code: str, *, alt: bool = False, key_code: int = 0) -> None:
    """A key as the keyboard sends it (trusted events, which dnd-kit's sensor needs)."""
    common: dict[str, Any] = {"key": key, "code": code, "modifiers": 1 if alt else 0, "windowsVirtualKeyCode": key_code}
    await tab.call("Input.dispatchKeyEvent", type="rawKeyDown", **common)
    await tab.call("Input.dispatchKeyEvent", type="keyUp", **common)
    # dnd-kit measures the rows between keys (animation frames): give it a few.
    await tab.evaluate("new Promise(r => setTimeout(r, 250))", await_promise=True)


async def escape(tab: Tab) -> None:
    await tab.call("Input.dispatchKeyEvent", type="keyDown", key="Escape", code="Escape", windowsVirtualKeyCode=27)


async def log_in(tab: Tab, email: str, *, then: str = "location.pathname !== '/studio/login'") -> None:
    """Log in on the studio's form as a person does, and wait for the screen it opens (`then`)."""
    await shows(tab, "Log in")
    await fill(tab, "E-mail", email)
    await fill(tab, "Password", PASSWORD)
    await click(tab, "Log in")
    await until(tab, then, within=30, what="the studio after logging in")
