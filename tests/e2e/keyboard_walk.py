"""The studio as a keyboard user meets it, in Debian's Chromium over DevTools: real key events
(`Input.dispatchKeyEvent`, trusted like a person's), and a Tab walk of a screen that finds what
the keyboard cannot reach, where focus cannot be seen, and where it is trapped.

The walk: every visible interactive element of the screen (or of its open modal dialog, the
only part a modal leaves reachable) is noted with its look before it has focus; Tab is pressed
until focus comes back round to where it started; then each element must have had focus
itself, or belong to a group the keyboard enters by one member (radio buttons of one name,
the tabs of a tablist: roving tabindex), or be a label or a pointer-cursor wrapper whose
control had focus. Each focused element must look different (outline or box-shadow, its own
or its label's or a near ancestor's) from how it looked unfocused, and an outline must show
3:1 against what it is drawn on, not cut off by a box that clips it. Focus that returns to an
element other than the first before the walk closes, or does not move, is a trap."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import msgspec

from tests.e2e.headless_chromium import Tab

KEYS: dict[str, tuple[str, int]] = {  # key -> (code, Windows virtual key code)
    "Tab": ("Tab", 9), "Enter": ("Enter", 13), " ": ("Space", 32), "Escape": ("Escape", 27),
    "ArrowUp": ("ArrowUp", 38), "ArrowDown": ("ArrowDown", 40), "ArrowLeft": ("ArrowLeft", 37),
    "ArrowRight": ("ArrowRight", 39), "Home": ("Home", 36), "End": ("End", 35),
}
ALT, SHIFT = 1, 8
RING_CONTRAST = 3.0  # WCAG 2.2's least contrast of a focus indicator with its surroundings
SUBFIELDS = 4  # Tabs a single control may keep (the parts of a date-time field)


async def press(tab: Tab, key: str, *, modifiers: int = 0, settle: float = 0.05) -> None:
    """One key as the keyboard sends it: down (with its text, as Enter and Space carry) and up."""
    code, key_code = KEYS[key]
    common: dict[str, Any] = {"key": key, "code": code, "windowsVirtualKeyCode": key_code, "modifiers": modifiers}
    text = {"Enter": "\r", " ": " "}.get(key)
    if text and not modifiers:
        await tab.call("Input.dispatchKeyEvent", type="keyDown", text=text, unmodifiedText=text, **common)
    else:
        await tab.call("Input.dispatchKeyEvent", type="rawKeyDown", **common)
    await tab.call("Input.dispatchKeyEvent", type="keyUp", **common)
    if settle:
        await asyncio.sleep(settle)


async def press_for_event(tab: Tab, key: str, event: str, *, within: float = 10) -> dict[str, Any]:
    """Press `key` and return the params of the DevTools `event` it causes (a file chooser
    opening, say): read off the socket here, since `Tab.call` lets events pass by."""
    code, key_code = KEYS[key]
    common: dict[str, Any] = {"key": key, "code": code, "windowsVirtualKeyCode": key_code}
    text = {"Enter": "\r", " ": " "}.get(key)
    sent = []
    for kind in ("keyDown" if text else "rawKeyDown", "keyUp"):
        message_id = next(tab._ids)
        params = {**common, "type": kind, **({"text": text} if text and kind == "keyDown" else {})}
        await tab.ws.send_json({"id": message_id, "method": "Input.dispatchKeyEvent", "params": params})
        sent.append(message_id)
    deadline = asyncio.get_running_loop().time() + within
    while True:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise AssertionError(f"pressing {key} did not cause {event}")
        reply = json.loads((await asyncio.wait_for(tab.ws.receive(), left)).data)
        if reply.get("method") == event:
            return reply["params"]  # type: ignore[no-any-return]


async def reduced_motion(tab: Tab) -> None:
    """Styles settle at once (studio.css honours reduced motion), so a focus ring is read as it
    ends, not in the middle of its transition."""
    await tab.call("Emulation.setEmulatedMedia", features=[{"name": "prefers-reduced-motion", "value": "reduce"}])


async def focused(tab: Tab) -> str:
    """The focused element, described (tag, id or classes, text or label)."""
    return str(await tab.evaluate(f"{DESCRIBE}(document.activeElement)"))


DESCRIBE = """((el) => {
  if (!el || el === document.body) return 'body';
  const name = (el.getAttribute('aria-label') || el.innerText || el.value || el.title || el.placeholder || '')
    .trim().replace(/\\s+/g, ' ').slice(0, 40);
  const label = el.labels && el.labels[0] ? el.labels[0].innerText.trim().slice(0, 40) : '';
  const where = el.id ? '#' + el.id : (el.className && typeof el.className === 'string'
    ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const type = el.type && el.tagName === 'INPUT' ? `[type=${el.type}]` : '';
  return `${el.tagName.toLowerCase()}${type}${where} "${name || label}"`;
})"""

# Marks the screen's interactive elements and remembers how each (with its labels and two
# ancestors) looks unfocused. Pointer-cursor elements count once, at the outermost: the
# cursor is inherited by everything inside a button.
SURVEY = """(() => {
  const NATIVE = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + '[contenteditable]:not([contenteditable=false]), [role=button], [role=tab], [role=checkbox], [role=radio], '
    + '[role=menuitem], [role=option], [role=switch], [role=link]';
  const scope = document.querySelector('dialog:modal') || document.body;
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && el.checkVisibility({checkOpacity: true, opacityProperty: true,
      checkVisibilityCSS: true, visibilityProperty: true}) && !el.closest('[inert]');
  };
  const look = (el) => {
    const parts = [el, ...(el.labels ? [...el.labels] : []), el.parentElement, el.parentElement?.parentElement];
    return parts.filter(Boolean).map((p) => {
      const s = getComputedStyle(p);
      return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(' ');
    }).join(' | ');
  };
  const found = new Set();
  for (const el of scope.querySelectorAll(NATIVE)) {
    if (el.matches(':disabled') || !shown(el)) continue;
    found.add(el);
  }
  for (const el of scope.querySelectorAll('[tabindex]')) {
    if (el.tabIndex >= 0 && shown(el) && !el.matches(':disabled')) found.add(el);
  }
  for (const el of scope.querySelectorAll('*')) {
    if (found.has(el) || getComputedStyle(el).cursor !== 'pointer') continue;
    if (el.parentElement && getComputedStyle(el.parentElement).cursor === 'pointer') continue;
    if (el.matches(':disabled') || el.closest(':disabled') || !shown(el)) continue;
    found.add(el);
  }
  const kb = window.__kb = {candidates: [...found], looks: new WeakMap(), focused: new Set(),
                            ids: new WeakMap(), next: 1};
  for (const el of found) kb.looks.set(el, look(el));
  kb.look = look;
  return kb.candidates.length;
})()"""

# After a Tab: which element has focus (inside the canvas frame too), and whether it looks focused,
# read two frames later: a focus ring's transition (even reduced motion's 0.01 ms) starts from the
# unfocused look and ends only when a frame is drawn.
FRAMES = "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
STEP = r"""new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))).then(() => {
  const kb = window.__kb;
  const id = (el) => { if (!kb.ids.has(el)) kb.ids.set(el, kb.next++); return kb.ids.get(el); };
  const el = document.activeElement;
  if (!el || el === document.body) return {key: 'body'};
  kb.focused.add(el);
  if (el.tagName === 'IFRAME') {
    const inner = el.contentDocument && el.contentDocument.activeElement;
    return {key: `frame${id(el)}:${inner ? id(inner) : 0}`, frame: true, what: DESCRIBE_ELEMENT(el)};
  }
  const before = kb.looks.get(el);
  const visible = before === undefined ? null : before !== kb.look(el);
  // An outline must stand out from what it is drawn on (WCAG's 3:1 for a focus indicator):
  // the element's own background when it is inset, else the background around it.
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const behind = (node) => {
    for (let n = node; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0)) return c;
    }
    return [255, 255, 255];
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => v / 255)
      .map((v) => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const style = getComputedStyle(el);
  let ring = null;
  if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) {
    const [a, b] = [luminance(rgb(style.outlineColor)),
                    luminance(behind(parseFloat(style.outlineOffset) < 0 ? el : el.parentElement))];
    ring = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }
  // An outline drawn outside the element is cut off by a near ancestor that clips its overflow.
  let clipped = false;
  const reach = parseFloat(style.outlineOffset) + parseFloat(style.outlineWidth);
  if (ring !== null && reach > 0) {
    const box = el.getBoundingClientRect();
    for (let n = el.parentElement, up = 0; n && up < 3; n = n.parentElement, up++) {
      if (getComputedStyle(n).overflowX === 'visible' && getComputedStyle(n).overflowY === 'visible') continue;
      const room = n.getBoundingClientRect();
      clipped ||= box.left - reach < room.left - 1 || box.right + reach > room.right + 1
        || box.top - reach < room.top - 1 || box.bottom + reach > room.bottom + 1;
    }
  }
  return {key: String(id(el)), what: DESCRIBE_ELEMENT(el), visible, ring, clipped};
})""".replace("DESCRIBE_ELEMENT", DESCRIBE)

# What the walk missed: candidates that neither had focus nor are covered by what did.
MISSED = """(() => {
  const kb = window.__kb;
  const focused = [...kb.focused];
  const had = (test) => focused.some(test);
  const covered = (el) => {
    if (kb.focused.has(el)) return true;
    if (had((f) => el.contains(f) || f.contains(el))) return true;
    if (el.tagName === 'LABEL' && el.control && el.control !== el) return covered(el.control);
    if (el.matches('input[type=radio]') && el.name)
      return had((f) => f.matches('input[type=radio]') && f.name === el.name && f.form === el.form);
    for (const [role, group] of [['tab', 'tablist'], ['radio', 'radiogroup'], ['option', 'listbox'],
                                 ['menuitem', 'menu'], ['menuitem', 'menubar']]) {
      const box = el.getAttribute('role') === role ? el.closest(`[role=${group}]`) : null;
      if (box && had((f) => box.contains(f))) return true;
    }
    return false;
  };
  return kb.candidates.filter((el) => el.isConnected && !covered(el)).map(DESCRIBE_ELEMENT);
})()""".replace("DESCRIBE_ELEMENT", DESCRIBE)


class Walk(msgspec.Struct):
    """What one Tab walk of a screen found."""
    stops: int
    unreached: list[str]
    focus_unseen: list[str]
    trapped: str = ""

    def problems(self) -> list[str]:
        return [*(f"not reached by Tab: {w}" for w in self.unreached),
                *(f"focus not visible: {w}" for w in self.focus_unseen),
                *([f"keyboard trap: {self.trapped}"] if self.trapped else [])]


async def walk(tab: Tab, *, limit: int = 400) -> Walk:
    """Tab from where the screen put focus until focus comes round again (see the module)."""
    await tab.evaluate("document.activeElement && document.activeElement !== document.body"
                       " && document.activeElement.blur(), true")
    await tab.evaluate(FRAMES, await_promise=True)  # the unfocused look, once its transition has ended
    assert await tab.evaluate(SURVEY) > 0, "a screen with nothing to operate"
    order: list[str] = []
    names: dict[str, str] = {}
    unseen: list[str] = []
    trapped = ""
    stay = 0
    for _ in range(limit):
        await press(tab, "Tab", settle=0)
        step = await tab.evaluate(STEP, await_promise=True)
        key = step["key"]
        if key == "body":
            continue
        if order and key == order[0]:
            break
        if order and key == order[-1] and stay < SUBFIELDS:
            stay += 1  # a date or time field takes a Tab per part (day, month, year)
            continue
        stay = 0
        if key in names:
            trapped = (f"focus stays on {step['what']}" if key == order[-1]
                       else f"Tab cycles from {names[order[-1]]} back to {step['what']},"
                            f" never back to {names[order[0]]}")
            break
        order.append(key)
        names[key] = step["what"]
        if step.get("visible") is False:
            unseen.append(step["what"])
        elif step.get("clipped"):
            unseen.append(f"{step['what']} (its ring is cut off by a box around it)")
        elif step.get("ring") is not None and step["ring"] < RING_CONTRAST:
            unseen.append(f"{step['what']} (its ring has {step['ring']:.1f}:1 against what is behind it)")
    else:
        trapped = f"focus never came back round after {limit} presses of Tab"
    return Walk(stops=len(order), unreached=list(await tab.evaluate(MISSED)), focus_unseen=unseen, trapped=trapped)


async def tab_to(tab: Tab, matches: str, *, limit: int = 200, backwards: bool = False) -> str:
    """Press Tab (Shift+Tab backwards) until the focused element is what the JavaScript
    predicate `matches` (a function of the element) accepts; its description."""
    passed = []
    for _ in range(limit):
        await press(tab, "Tab", modifiers=SHIFT if backwards else 0, settle=0)
        if await tab.evaluate(f"(el => !!el && ({matches})(el))(document.activeElement)"):
            return await focused(tab)
        passed.append(await focused(tab))
    raise AssertionError(f"Tab never reached {matches}; it passed " + ", ".join(dict.fromkeys(passed)))


def text_starts(text: str) -> str:
    """A predicate for tab_to: the element's visible text starts with `text`."""
    return f"(el => (el.innerText || '').trim().startsWith({json.dumps(text)}))"
