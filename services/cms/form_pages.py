"""The pages a visitor's browser gets back from a contact form (the refusal: what to fix,
and the form again with what they typed; the thank-you; a form that is gone) and at an
address no live page has. Each is a page tree around a live page's own navbar and footer,
so render_page gives it the site's design; JSON clients get problem+json instead
(forms.py, delivery.py, http.py)."""

from __future__ import annotations

import re
from typing import Any

from shared.errors import AppError

from .render import FormState
from .site_words import SiteWords

MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")
CHROME = ("Navbar", "Footer")


def md(text: str) -> str:
    """`text` as literal markdown: an editor's label or a message never turns into a link."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def control_id(form_id: str, field: str) -> str:
    """The id render.py gives a form's control, for the summary's links to it."""
    return f"{form_id}-{field}"


def field_errors(refusal: AppError, form: dict[str, Any], words: SiteWords) -> dict[str, str]:
    """The refusal's messages by field, for the fields this form has: in the site's words when
    the refusal says which rule the value broke (forms.broken_rule), else as it says it."""
    labels = {field["name"]: field["label"] for field in form["props"]["fields"]}
    found: dict[str, str] = {}
    for error in refusal.errors or []:
        name = error.get("field")
        if name in labels and name not in found:
            rule = getattr(words, f"field_{error.get('rule')}", None) if error.get("rule") else None
            found[name] = rule.format(label=labels[name], max=error.get("max", "")) if rule else \
                str(error.get("detail") or refusal.detail or refusal.title)
    return found


def kept_values(values: dict[str, Any], form: dict[str, Any]) -> dict[str, str]:
    """What the visitor typed into the form's own fields (never the honeypot), as text."""
    kept = {}
    for field in form["props"]["fields"]:
        value = values.get(field["name"])
        if isinstance(value, list):
            value = value[-1] if value else ""
        if value is not None:
            kept[field["name"]] = str(value)
    return kept


def page_of(chrome_from: dict[str, Any] | None, title: str, description: str, *body: dict[str, Any]) -> dict[str, Any]:
    """A page tree: the navbar and footer of `chrome_from` (a live page's tree) around `body`."""
    top = chrome_from["root"]["children"] if chrome_from else []
    navbar = [node for node in top if node["component"] == "Navbar"]
    footer = [node for node in top if node["component"] == "Footer"]
    return {"root": {"id": "page", "component": "Page", "props": {"title": title, "description": description},
                     "children": [*navbar, *body, *footer]}}


def section(anchor: str, *children: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"answer-{anchor}", "component": "Section", "props": {"anchor": anchor, "background": "default"},
            "children": list(children)}


def leaf(node_id: str, component: str, props: dict[str, Any]) -> dict[str, Any]:
    return {"id": node_id, "component": component, "props": props, "children": []}


def refusal_tree(tree: dict[str, Any], form: dict[str, Any], refusal: AppError, values: dict[str, Any],
                 words: SiteWords) -> tuple[dict[str, Any], FormState]:
    """The page for a refused submission: a heading, what to fix (each item a link to its
    field), and the form again with the visitor's values and its fields in error marked."""
    errors = field_errors(refusal, form, words)
    labels = {field["name"]: field["label"] for field in form["props"]["fields"]}
    if refusal.status == 429:
        heading, summary = words.wait_heading, words.wait_summary
    else:
        heading = words.check_heading
        items = [f"- [{md(message if labels[name] in message else f'{labels[name]}: {message}')}]"
                 f"(#{control_id(form['id'], name)})" for name, message in errors.items()]
        summary = f"{words.check_summary} " + (
            f"{words.check_fix}\n\n" + "\n".join(items) if items else md(refusal.detail or refusal.title) + ".")
    title = tree["root"]["props"]["title"]
    # The page's h1 says what happened; the form's own heading and intro would only repeat it.
    bare_form = {**form, "props": {**form["props"], "heading": "", "intro": ""}}
    answer = page_of(tree, f"{heading} · {title}", tree["root"]["props"].get("description", ""),
                     section("check", leaf("answer-heading", "Heading", {"text": heading, "level": 1}),
                             leaf("answer-summary", "RichText", {"markdown": summary}), bare_form))
    state = FormState(form_id=form["id"], values=kept_values(values, form), errors=errors)
    return answer, state


def thanks_tree(tree: dict[str, Any], slug: str, words: SiteWords) -> dict[str, Any]:
    """The page after a sent message: a thank-you and the way back."""
    title = tree["root"]["props"]["title"]
    back = words.back_to.format(title=title.partition(" | ")[0].strip())  # the page's name, not its search title
    return page_of(tree, f"{words.thanks_heading} · {title}", tree["root"]["props"].get("description", ""),
                   leaf("answer-thanks", "Hero", {
                       "variant": "centered", "eyebrow": words.message_sent,
                       "headline": words.thanks_heading, "subheadline": words.thanks_text,
                       "cta_label": back if len(back) <= 40 else words.back_to_site, "cta_href": slug,
                       **({"secondary_label": words.home_page, "secondary_href": "/"} if slug != "/" else {})}))


def gone_tree(tree: dict[str, Any] | None, words: SiteWords) -> dict[str, Any]:
    """The page for a form no published page holds (any more)."""
    return notice_tree(tree, "gone", words.form_gone_heading, words.form_gone_text)


def missing_tree(tree: dict[str, Any] | None, words: SiteWords) -> dict[str, Any]:
    """The page at an address no live page has: what happened and the way on."""
    return notice_tree(tree, "missing", words.missing_heading, words.missing_text)


def notice_tree(chrome_from: dict[str, Any] | None, anchor: str, heading: str, markdown: str) -> dict[str, Any]:
    """A page that says one thing: a heading and a text (markdown), around `chrome_from`'s chrome."""
    return page_of(chrome_from, heading, "",
                   section(anchor, leaf("answer-heading", "Heading", {"text": heading, "level": 1}),
                           leaf("answer-summary", "RichText", {"markdown": markdown})))
