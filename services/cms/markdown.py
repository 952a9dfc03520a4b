"""The one markdown configuration of rich text. The renderer turns it into HTML and the link
rule (links.py) reads its links, so the two cannot disagree about what is a link.

CommonMark with raw HTML off (a tag is shown as text) and linkify off (a bare address stays
text); `store_labels` keeps a reference link's label on its token, so a link rewritten
from tokens knows which definition it used. Its headings sit under their section's own
heading (an h2), so `#`, `##` and `###` become h3 and deeper ones h4: a writer's (or a
model's) "## About us" stays a heading rather than losing its tag to the allowed list."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

OPTIONS = {"html": False, "linkify": False, "store_labels": True}
HEADING_LEVELS = {"h1": "h3", "h2": "h3", "h3": "h3", "h4": "h4", "h5": "h4", "h6": "h4"}


def _under_the_section_heading(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = HEADING_LEVELS[token.tag]


def _configured() -> MarkdownIt:
    parser = MarkdownIt("commonmark", OPTIONS)
    parser.core.ruler.push("section_heading_levels", _under_the_section_heading)
    return parser


MARKDOWN = _configured()

# The same parser with its link filter off. The renderer declines javascript:, vbscript:,
# file: and most data: targets and leaves such a link as text; another renderer (an
# editor's preview, an API client's) might not, so the link rule sees those links too and
# the text it saves holds none of them.
LINK_READER = _configured()
LINK_READER.validateLink = lambda url: True  # type: ignore[method-assign]
