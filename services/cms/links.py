"""Where a link written by AI may point: one rule for every link of a page tree, in the link
props (buttons, calls to action, plans, nav and footer links) and in rich text.

An AI link may go to a page of the site, a section of the same page, a mailto: or tel:
address, or to a target a person had already put in the part being edited. Anything else
is scrubbed: a link prop becomes an anchor (`#` at worst); a link in rich text keeps its
words and loses its target. Rich text is read with the renderer's own parser (markdown.py),
so every form of link (inline, reference, autolink, image, in headings, lists and quotes,
entity- or percent-encoded) is seen as the renderer sees it, and the text is rebuilt from
its tokens, never patched by a pattern. The rebuilt text is parsed again and must hold no
other target, else it falls back to its plain words.

People may link anywhere (links out are added by people, in the editor): generation and AI
edits call `scrub_links`; the publish gates read links through `link_targets`."""

from __future__ import annotations

import re
import string
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec
from markdown_it.token import Token
from mdformat.renderer import MDRenderer

from .markdown import LINK_READER
from .registry import COMPONENTS, Href, RichTextProps


def _href_props() -> frozenset[str]:
    """The names of every prop the registry types as a link (`Href`), at any depth."""
    link_type = msgspec.inspect.type_info(Href)
    names: set[str] = set()
    seen: set[type] = set()

    def visit(kind: Any, name: str | None) -> None:
        kind = kind.type if isinstance(kind, msgspec.inspect.Metadata) else kind
        if kind == link_type and name:
            names.add(name)
        elif isinstance(kind, msgspec.inspect.UnionType):
            for member in kind.types:
                visit(member, name)
        elif isinstance(kind, msgspec.inspect.ListType):
            visit(kind.item_type, name)
        elif isinstance(kind, msgspec.inspect.StructType) and kind.cls not in seen:
            seen.add(kind.cls)
            for each in kind.fields:
                visit(each.type, each.encode_name)

    for spec in COMPONENTS.values():
        visit(msgspec.inspect.type_info(spec.props), None)
    return frozenset(names)


LINK_PROPS = _href_props()  # href, cta_href: buttons, heroes, plans, nav and footer links
MARKDOWN_PROPS = frozenset({"markdown"})  # rich text, rendered by markdown.MARKDOWN
# Whitespace and control characters (browsers drop some inside a URL, so `/\t/evil.example`
# is `//evil.example`) and backslashes (read as `/`): never in a link AI may write.
UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")
ADDRESS_SCHEMES = ("mailto:", "tel:")


def page_of(href: str) -> str:
    """The page address a site path names: `/blog/post/?x#top` -> `/blog/post`."""
    return href.split("#", 1)[0].split("?", 1)[0].rstrip("/") or "/"


@dataclass(frozen=True)
class LinkRules:
    pages: Collection[str]  # the site's page addresses
    anchors: Collection[str]  # the sections (and forms) of this page
    kept: Collection[str] = field(default=frozenset())  # targets a person already put in the edited part

    def allows(self, href: str) -> bool:
        if href in self.kept:
            return True
        if UNSAFE.search(href):
            return False
        if href.lower().startswith(ADDRESS_SCHEMES):
            return True
        if href.startswith("#"):
            return href == "#" or href[1:] in self.anchors
        # `//host` is another site; a path of the site must name one of its pages.
        return href.startswith("/") and not href.startswith("//") and page_of(href) in self.pages

    def fix(self, href: str) -> str:
        """`href` when allowed; else the section its last word names, `#` at worst."""
        if self.allows(href):
            return href
        if href.startswith("/") and not href.startswith("//") and not UNSAFE.search(href):
            word = page_of(href).rsplit("/", 1)[-1]
            if word in self.anchors:
                return f"#{word}"
        return "#"


def tree_anchors(root: dict[str, Any]) -> set[str]:
    """The ids a page's HTML carries (render.py): its sections' anchors and its forms' node ids."""
    anchors = set()
    for node in _nodes(root):
        props = node.get("props")
        if isinstance(props, dict) and isinstance(props.get("anchor"), str) and props["anchor"]:
            anchors.add(props["anchor"])
        if node.get("component") == "ContactForm" and isinstance(node.get("id"), str):
            anchors.add(node["id"])
    return anchors


# -- where links sit in a tree -----------------------------------------------------------


def _slots(value: Any, pointer: str) -> Iterator[tuple[dict[str, Any], str, str]]:
    """(the dict, the key, its pointer) of every link prop and markdown prop inside `value`."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and (key in LINK_PROPS or key in MARKDOWN_PROPS):
                yield value, key, f"{pointer}/{key}"
            else:
                yield from _slots(item, f"{pointer}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _slots(item, f"{pointer}/{index}")


def link_targets(props: Any, pointer: str) -> Iterator[tuple[str, str]]:
    """Every link target in a node's props with the pointer of the prop holding it: link
    props as written, rich text's links as the renderer's parser reads them."""
    for holder, key, where in _slots(props, pointer):
        if key in MARKDOWN_PROPS:
            for target in dict.fromkeys(markdown_targets(holder[key])):  # a used definition is met twice
                yield target, where
        else:
            yield holder[key], where


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    """A node and its subtree, in document order (a malformed part is skipped: validation reports it)."""
    if isinstance(node, dict):
        yield node
        for child in node.get("children") if isinstance(node.get("children"), list) else []:
            yield from _nodes(child)


def subtree_targets(root: dict[str, Any]) -> set[str]:
    """Every link target in a node and its subtree (what a person put there)."""
    return {target for node in _nodes(root) for target, _ in link_targets(node.get("props"), "")}


def scrub_links(root: dict[str, Any], rules: LinkRules) -> list[str]:
    """Every link of `root` and its subtree made to follow `rules`. Mutates; returns the
    targets taken out."""
    removed: list[str] = []
    for node in _nodes(root):
        for holder, key, _ in list(_slots(node.get("props"), "")):
            if key in MARKDOWN_PROPS:
                holder[key], gone = scrub_markdown(holder[key], rules)
                removed += gone
            elif not rules.allows(holder[key]):
                removed.append(holder[key])
                holder[key] = rules.fix(holder[key])
    return removed


# -- links in rich text --------------------------------------------------------------------


def _parse(text: str) -> tuple[list[Token], dict[str, Any]]:
    env: dict[str, Any] = {}
    return LINK_READER.parse(text, env), env


def _targets(tokens: list[Token], env: dict[str, Any]) -> Iterator[str]:
    for token in tokens:
        if token.type == "link_open":
            yield str(token.attrs.get("href", ""))
        elif token.type == "image":
            yield str(token.attrs.get("src", ""))
        elif token.type in ("html_inline", "html_block"):  # markdown.py keeps HTML off; if not, it is no link
            yield token.content or "<html>"
        if token.children:
            yield from _targets(token.children, {})
    for reference in env.get("references", {}).values():  # definitions, used or not
        yield str(reference.get("href", ""))


def markdown_targets(text: str) -> list[str]:
    """Every link target of a markdown text: links, images, autolinks, reference definitions."""
    return list(_targets(*_parse(text)))


def scrub_markdown(text: str, rules: LinkRules) -> tuple[str, list[str]]:
    """`text` with every link `rules` refuses turned into its words (a link to `#` or a
    section; an image becomes its alt text), and the targets taken out. Unchanged when
    nothing is refused."""
    tokens, env = _parse(text)
    refused = [target for target in _targets(tokens, env) if not rules.allows(target)]
    if not refused:
        return text, []
    for token in tokens:
        if token.children:
            token.children = _disarm(token.children, rules)
    rebuilt = MDRenderer().render(tokens, {**LINK_READER.options, "mdformat": {"number": True},
                                           "parser_extension": []}, env)
    if not text.endswith("\n"):
        rebuilt = rebuilt.rstrip("\n")
    if _clean(rebuilt, rules):
        return rebuilt, refused
    words = plain_text(text)
    return (words if _clean(words, rules) else ""), refused


def _disarm(children: list[Token], rules: LinkRules) -> list[Token]:
    kept: list[Token] = []
    for token in children:
        if token.children:
            token.children = _disarm(token.children, rules)
        href = str(token.attrs.get("href", ""))
        if token.type == "link_open" and not rules.allows(href):
            # An inline link to the fixed target: no label (its definition goes), no autolink form.
            token.attrs, token.meta, token.info, token.markup = {"href": rules.fix(href)}, {}, "", ""
        elif token.type == "image" and not rules.allows(str(token.attrs.get("src", ""))):
            kept.extend(token.children or [])  # its alt text, as text
            continue
        kept.append(token)
    return kept


def _clean(text: str, rules: LinkRules) -> bool:
    """No refused target, and still valid rich text for the registry."""
    if not all(rules.allows(target) for target in markdown_targets(text)):
        return False
    try:
        msgspec.convert({"markdown": text}, RichTextProps)
    except msgspec.ValidationError:
        return False
    return True


_ESCAPED = {ord(c): f"\\{c}" for c in string.punctuation} | {ord("<"): "&lt;"}


def plain_text(text: str) -> str:
    """The words of a markdown text, escaped so that markdown reads them back as words only."""
    tokens, _ = _parse(text)
    blocks = []
    for token in tokens:
        if token.type == "inline":
            blocks.append("".join(_words(token.children or [])))
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content)
    lines = (line.strip() for block in blocks for line in block.splitlines())
    return "\n\n".join(line.translate(_ESCAPED) for line in lines if line)


def _words(children: list[Token]) -> Iterator[str]:
    for token in children:
        if token.type in ("text", "code_inline"):
            yield token.content
        elif token.type in ("softbreak", "hardbreak"):
            yield " "
        elif token.children:
            yield from _words(token.children)
